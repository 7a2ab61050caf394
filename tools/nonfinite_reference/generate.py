"""Writes the reference outputs of the tests/numerics/nonfinite_* cases with
tf.keras 2.15 (Keras 2 semantics, Kiln's default): how NaN and infinities go
through each layer is whatever TensorFlow's CPU kernels make of them.

Each case folder holds model.kiln (Keras code, run here as Python) and
inputs.py, which defines INPUTS, one list of rows per model input. Weights
come from explicit constant initializers ('ones', 'zeros', 'identity'), which
Kiln's --init-weights reproduces exactly, so no weights file is needed.

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/python generate.py            # rewrite every case
    .venv/bin/python generate.py --check    # compare only
"""
import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

CASES = pathlib.Path(__file__).resolve().parents[2] / "tests" / "numerics"


def build(case):
    scope = {}
    exec(compile((case / "model.kiln").read_text(), str(case / "model.kiln"), "exec"), scope)
    return scope["model"]


def generate(case, check):
    tf.keras.backend.clear_session()
    inputs = {}
    exec((case / "inputs.py").read_text(), inputs)
    arrays = [np.array(rows, dtype=np.float32) for rows in inputs["INPUTS"]]
    outputs = build(case)(arrays if len(arrays) > 1 else arrays[0])
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    ok = True
    for i, a in enumerate(arrays):
        if not check:
            np.save(case / f"in{i}.npy", a)
    for i, out in enumerate(outputs):
        path = case / f"out{i}.npy"
        out = np.asarray(out, dtype=np.float32)
        if check:
            same = np.array_equal(np.load(path), out, equal_nan=True)
            ok &= same
            print(f"{case.name}/out{i}.npy: {'same' if same else 'DIFFERENT'}")
        else:
            np.save(path, out)
    if not check:
        json.dump({"atol": 1e-6, "rtol": 1e-5, "init_weights": 1,
                   "note": "NaN and infinities through the layers, as tf.keras " + tf.__version__ + " on CPU"},
                  open(case / "case.json", "w"), indent=2)
    return ok


if __name__ == "__main__":
    check = "--check" in sys.argv
    ok = all([generate(c, check) for c in sorted(CASES.glob("nonfinite_*"))])
    sys.exit(0 if ok else 1)
