"""Runs the TensorFlow.js numerics cases through real Keras (tf.keras 2.15):
builds each case's model.kiln in Keras, gives it the weights of the case's
model.json (by layer, in Keras's order), predicts on the case's inputs and
compares with the committed outputs within the case's tolerance.

    .venv-keras2/bin/python tools/keras_reference/check_tfjs_cases.py [PATTERN ...]

Prints one line per case (PASS, DIFF with the worst element, or SKIP with
why) and exits 1 if any case differs. Cases whose weights are Kiln's own
--init-weights draw are skipped: that draw is not Keras's.
"""
import fnmatch
import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from worker import build_model  # noqa: E402
from case import Case  # noqa: E402

NUMERICS = pathlib.Path(__file__).resolve().parent.parent.parent / "tests" / "numerics"


def manifest_weights(folder):
    """The model.json weights by name, in manifest order."""
    spec = json.loads((folder / "model.json").read_text())
    out = []
    for group in spec["weightsManifest"]:
        data = b"".join((folder / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            count = int(np.prod(w["shape"], dtype=np.int64))
            dtype = np.int32 if w.get("dtype") == "int32" else np.float32
            value = np.frombuffer(data, dtype, count, offset).reshape(w["shape"]).astype(np.float32)
            offset += count * 4
            out.append((w["name"], value))
    return out


def leaf_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.weights:
            yield from leaf_layers(layer)
        else:
            yield layer


def set_weights(model, stored):
    """Each Keras layer takes the manifest entries under its name, in order."""
    done = set()
    for layer in leaf_layers(model):
        if not layer.weights or id(layer) in done:
            continue
        done.add(id(layer))
        values = [v for n, v in stored if n.split("/")[0] == layer.name]
        if len(values) != len(layer.weights):
            raise ValueError(f"{layer.name}: Keras has {len(layer.weights)} weights, model.json {len(values)}")
        layer.set_weights(values)


def check(folder):
    meta = json.loads((folder / "case.json").read_text())
    if "init_weights" in meta:
        return "SKIP", "Kiln's --init-weights draw"
    if not (folder / "model.json").exists():
        return "SKIP", "no model.json"
    case = Case(folder.name, (folder / "model.kiln").read_text())
    try:
        model = build_model(case)
        set_weights(model, manifest_weights(folder))
    except Exception as e:  # noqa: BLE001 - reported per case
        return "SKIP", f"{type(e).__name__}: {str(e).splitlines()[0][:160]}"
    inputs = [np.load(folder / f"in{i}.npy") for i in range(16) if (folder / f"in{i}.npy").exists()]
    outputs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    worst = ""
    for i, got in enumerate(outputs):
        want = np.load(folder / f"out{i}.npy")
        got = np.asarray(got, np.float32)
        if got.shape != want.shape:
            return "DIFF", f"out{i}: Keras gives shape {got.shape}, the golden {want.shape}"
        excess = np.abs(got - want) - (meta["atol"] + meta["rtol"] * np.abs(want))
        k = int(np.argmax(excess))
        if excess.flat[k] > 0:
            worst = (f"out{i}[{np.unravel_index(k, want.shape)}]: Keras {got.flat[k]:.7g}, golden {want.flat[k]:.7g} "
                     f"(max |diff| {np.abs(got - want).max():.3g}, atol {meta['atol']}, rtol {meta['rtol']})")
            return "DIFF", worst
    return "PASS", ""


def main():
    patterns = sys.argv[1:] or ["*"]
    folders = [f for f in sorted(NUMERICS.iterdir())
               if f.is_dir() and any(fnmatch.fnmatchcase(f.name, p) for p in patterns)]
    counts = {}
    for folder in folders:
        status, detail = check(folder)
        counts[status] = counts.get(status, 0) + 1
        print(f"{status} {folder.name}{': ' + detail if detail else ''}", flush=True)
    print(" ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    sys.exit(1 if counts.get("DIFF") else 0)


if __name__ == "__main__":
    main()
