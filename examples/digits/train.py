"""Trains digits.kiln in real Keras on scikit-learn's 8x8 digits and writes
what the example commits:

  digits.h5             model.save('digits.h5') after training
  heldout.npy           the 300 held-out images, (300, 8, 8, 1) float32 in [0, 1]
  heldout_labels.npy    their labels, (300,) int32
  keras_heldout.json    Keras's own predictions and accuracy on them

Run with tf.keras 2.15 (tools/keras_reference/requirements-keras2.txt) from
the repository root; the data is Debian's python3-sklearn copy:

  python train.py [/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz]

Deterministic: fixed seeds and TensorFlow's deterministic ops.
"""
import gzip
import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
DATA = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
HELD_OUT = 300


def main():
    with gzip.open(sys.argv[1] if len(sys.argv) > 1 else DATA, "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    images = (table[:, :64] / 16.0).astype(np.float32).reshape(-1, 8, 8, 1)
    labels = table[:, 64].astype(np.int32)
    order = np.random.default_rng(0).permutation(len(labels))
    test, train = order[:HELD_OUT], order[HELD_OUT:]

    keras.utils.set_random_seed(0)
    tf.config.experimental.enable_op_determinism()
    namespace = {}
    exec(compile((HERE / "digits.kiln").read_text(), "digits.kiln", "exec"), namespace)
    model = namespace["model"]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(images[train], labels[train], epochs=40, batch_size=32, verbose=0)
    model.save(HERE / "digits.h5")

    loss, accuracy = model.evaluate(images[test], labels[test], verbose=0)
    predictions = np.argmax(model.predict(images[test], verbose=0), axis=1)
    correct = int(np.sum(predictions == labels[test]))
    np.save(HERE / "heldout.npy", images[test])
    np.save(HERE / "heldout_labels.npy", labels[test])
    report = {"keras_version": keras.__version__, "accuracy": float(accuracy), "correct": correct,
              "total": HELD_OUT, "predictions": predictions.tolist()}
    (HERE / "keras_heldout.json").write_text(json.dumps(report) + "\n")
    print(f"held-out accuracy {accuracy:.4f} ({correct} of {HELD_OUT})")


if __name__ == "__main__":
    main()
