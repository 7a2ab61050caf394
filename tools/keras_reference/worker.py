"""Runs reference cases in real Keras (inside a Keras venv; started by generate.py).

For each case: executes its model.kiln source with Keras, sets seeded weights,
draws seeded inputs, runs model.predict, saves the weights files the case asks
for with Keras's own save functions, and writes the case folder. With --check
it writes to a temporary folder and compares with the committed one instead.

    worker.py (--out-root DIR | --check DIR) CASE...
"""
import argparse
import functools
import io
import json
import os
import pathlib
import shutil
import sys
import tempfile
import warnings
import zipfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402

from case import load_cases  # noqa: E402
from init_weights import kiln_init_weights  # noqa: E402
import keras1_weights  # noqa: E402

KERAS_MAJOR = int(keras.__version__.split(".")[0])


def build_model(case, source=None):
    """Executes the case's source (or `source`) as Keras Python; the model is
    the one bound to `model`, else the last model defined (as kilnc chooses)."""
    keras.backend.clear_session()  # fresh default layer names (dense, dense_1, ...)
    keras.utils.set_random_seed(case.seed)
    namespace = {"__name__": "__kiln_case__"}
    exec(compile(source or case.kiln, f"{case.name}/model.kiln", "exec"), namespace)
    models = [v for v in namespace.values() if isinstance(v, keras.Model)]
    model = namespace.get("model") if isinstance(namespace.get("model"), keras.Model) else None
    model = model or (models[-1] if models else None)
    if model is None:
        raise SystemExit(f"{case.name}: the source defines no Keras model")
    if not model.built:
        raise SystemExit(f"{case.name}: the model is not built (give its input shape)")
    return model


def leaf_name(variable):
    name = getattr(variable, "path", None) or variable.name
    return name.split("/")[-1].split(":")[0]


def set_weights(case, model, rng):
    spec = case.weights
    if spec["kind"] == "keras":
        return
    if spec["kind"] == "kiln_init":
        return kiln_init_weights(model, spec["seed"])
    for variable in model.weights:
        dtype = np.dtype(getattr(variable.dtype, "name", variable.dtype))
        if not np.issubdtype(dtype, np.floating):
            continue
        shape = tuple(int(d) for d in variable.shape)
        if "variance" in leaf_name(variable):
            value = rng.uniform(0.5, 1.5, shape)
        else:
            value = rng.uniform(-spec["scale"], spec["scale"], shape)
        variable.assign(value.astype(dtype))
    # Adapted preprocessing layers (Normalization) compute what call() uses
    # from their state variables only in finalize_state(), as loading weights
    # does: Keras 2 for the layers it adapted, Keras 3 for every such layer.
    for layer in model._flatten_layers():
        adapted = getattr(layer, "_is_adapted", None) is not None
        if hasattr(layer, "finalize_state") and (adapted or KERAS_MAJOR >= 3):
            layer.finalize_state()


def draw_inputs(case, model, rng, shapes=None):
    # A subclassed model has no symbolic inputs: its specs give their shapes.
    inputs = getattr(model, "inputs", None) or [None] * len(case.inputs)
    specs = case.inputs or [{"kind": "floats", "low": -1.0, "high": 1.0, "shape": None}] * len(inputs)
    if shapes:
        specs = [dict(spec, shape=tuple(shape)) for spec, shape in zip(specs, shapes)]
    if len(specs) != len(inputs):
        raise SystemExit(f"{case.name}: {len(specs)} input specs for {len(inputs)} model inputs")
    arrays = []
    for spec, tensor in zip(specs, inputs):
        shape = spec["shape"] or tuple(tensor.shape[1:])
        if any(d is None for d in shape):
            raise SystemExit(f"{case.name}: input {tensor.name} has an unknown axis; give the spec a shape")
        shape = (case.batch,) + tuple(int(d) for d in shape)
        if spec["kind"] == "floats":
            values = rng.uniform(spec["low"], spec["high"], shape).astype(np.float32)
            if spec.get("zero"):
                values[rng.uniform(size=shape[:-1]) < spec["zero"]] = 0.0
            for sample, pad in enumerate(spec.get("pad_tail") or []):
                if pad:
                    values[sample, -pad:] = 0.0
            arrays.append(values)
        else:
            ids = rng.integers(spec["low"], spec["high"], shape).astype(np.int32)
            if spec.get("zero"):
                ids[rng.uniform(size=shape) < spec["zero"]] = 0
            for sample, pad in enumerate(spec["pad_tail"] or []):
                if pad:
                    ids[sample, -pad:] = 0
            # Token ids fed to a float32 Input (no dtype given) are floats, as Keras casts them.
            dtype = np.int32 if tensor is None else getattr(tensor.dtype, "name", tensor.dtype)
            arrays.append(ids.astype(np.dtype(dtype)))
    return arrays


@functools.cache
def tfjs_keras_conversion():
    """tensorflowjs's Keras-to-layers-model converter. Its package __init__
    pulls in every converter (TF-DF, JAX, TF Hub); this one needs only
    h5py, numpy, six and TensorFlow, so the package is entered without it
    (tensorflowjs is installed with --no-deps, see README.md)."""
    import importlib
    import importlib.util
    import types
    root = pathlib.Path(importlib.util.find_spec("tensorflowjs").origin).parent
    for name, folder in (("tensorflowjs", root), ("tensorflowjs.converters", root / "converters")):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [str(folder)]
            sys.modules[name] = package
    return importlib.import_module("tensorflowjs.converters.keras_h5_conversion")


def save_keras1_weights(case, model, path):
    """Keras 1's layout (keras1_weights.py), checked by loading it back as tf.keras 2 converts it."""
    keras1_weights.write(model, path)
    loaded = build_model(case)
    loaded.load_weights(path)
    for want, got in zip(model.weights, loaded.weights):
        if not np.array_equal(want.numpy(), got.numpy()):
            raise SystemExit(f"{case.name}: keras1.h5 does not load back into {want.name}")


def save_weights_files(case, model, folder):
    for file in case.files:
        path = str(folder / file)
        if file == "keras1.h5":
            save_keras1_weights(case, model, path)
        elif file == "ckpt":  # save_weights to a path without .h5: a TensorFlow checkpoint
            model.save_weights(str(folder / "ckpt" / "weights"))
        elif file == "saved_model":  # model.save to a path without an extension (tf.keras 2's default)
            model.save(path)
        elif file in ("model.h5", "model.keras"):
            model.save(path)
        elif file == "model.json":  # what `tensorflowjs_converter --input_format keras` writes
            tfjs_keras_conversion().save_keras_model(model, str(folder))
        else:  # weights.h5 (Keras 2's HDF5 layout) or model.weights.h5
            model.save_weights(path)


def generate(case, folder):
    rng = np.random.default_rng(case.seed)
    folder.mkdir(parents=True)
    if case.saved_by:
        saver = build_model(case, case.saved_by)
        set_weights(case, saver, rng)
        save_weights_files(case, saver, folder)
    model = build_model(case)
    if case.saved_by:
        model.load_weights(str(folder / case.files[0]))
    else:
        set_weights(case, model, rng)
    runs = []
    for shapes in case.sizes or [None]:
        inputs = draw_inputs(case, model, rng, shapes)
        outputs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        if isinstance(outputs, dict):  # a model's dict of outputs flattens by sorted key, as tf.nest does
            outputs = [outputs[key] for key in sorted(outputs)]
        runs.append((inputs, outputs if isinstance(outputs, (list, tuple)) else [outputs]))

    (folder / "model.kiln").write_text(case.kiln)
    if case.saved_by:
        (folder / "saved_by.py").write_text(case.saved_by)
    meta = {"atol": case.atol, "rtol": case.rtol, "note": case.note}
    if case.weights["kind"] == "kiln_init":
        meta["init_weights"] = case.weights["seed"]
    if case.keras == 3:
        meta["keras_version"] = 3
    meta["reference"] = f"keras {keras.__version__} (tools/keras_reference)"
    (folder / "case.json").write_text(json.dumps(meta, indent=2) + "\n")
    for r, (inputs, outputs) in enumerate(runs):
        where = folder / f"size{r}" if r else folder
        where.mkdir(exist_ok=True)
        for i, x in enumerate(inputs):
            np.save(where / f"in{i}.npy", x)
        for i, y in enumerate(outputs):
            np.save(where / f"out{i}.npy", np.asarray(y, dtype=np.float32))
    if not case.saved_by:
        save_weights_files(case, model, folder)


# ---- --check: the same content, whatever bytes a library writes differently

def h5_content(source):
    """Every group, dataset and attribute of an HDF5 file, as comparable values."""
    def attrs(obj):
        out = {}
        for key, value in obj.attrs.items():
            value = np.asarray(value)
            out[key] = [v.decode() if isinstance(v, bytes) else v for v in value.ravel().tolist()]
        return out

    content = {}
    with h5py.File(source, "r") as f:
        content["/"] = ("group", attrs(f))

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                content[name] = ("dataset", str(obj.dtype), obj.shape, obj[()].tobytes(), attrs(obj))
            else:
                content[name] = ("group", attrs(obj))
        f.visititems(visit)
    return content


def without_object_ids(config):
    """Keras 3 configs record id() of shared objects, which changes every run."""
    if isinstance(config, dict):
        return {k: without_object_ids(v) for k, v in config.items() if k != "shared_object_id"}
    if isinstance(config, list):
        return [without_object_ids(v) for v in config]
    return config


def keras_zip_content(path):
    content = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            data = z.read(name)
            if name.endswith(".h5"):
                content[name] = h5_content(io.BytesIO(data))
            elif name == "metadata.json":
                metadata = json.loads(data)
                metadata.pop("date_saved", None)
                content[name] = metadata
            elif name.endswith(".json"):
                content[name] = without_object_ids(json.loads(data))
            else:
                content[name] = data
    return content


def same_file(a, b):
    if a.suffix == ".npy":
        x, y = np.load(a), np.load(b)
        return x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)
    if a.suffix == ".h5":
        return h5_content(a) == h5_content(b)
    if a.suffix == ".keras":
        return keras_zip_content(a) == keras_zip_content(b)
    return a.read_bytes() == b.read_bytes()


def check(case, committed, scratch):
    folder = scratch / case.name
    generate(case, folder)
    problems = []
    if not committed.is_dir():
        return [f"{case.name}: not generated yet ({committed} is missing)"]
    fresh = {p.name for p in folder.iterdir()}
    old = {p.name for p in committed.iterdir()}
    for name in sorted(fresh ^ old):
        problems.append(f"{case.name}/{name}: {'new' if name in fresh else 'no longer generated'}")
    for name in sorted(fresh & old):
        if not same_file(folder / name, committed / name):
            problems.append(f"{case.name}/{name}: differs")
    return problems


def main():
    parser = argparse.ArgumentParser()
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--out-root", type=pathlib.Path, help="write tests/numerics/<case>/ under this folder")
    mode.add_argument("--check", type=pathlib.Path, help="compare with the cases under this folder")
    parser.add_argument("cases", nargs="+")
    args = parser.parse_args()

    cases = load_cases()
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        for name in args.cases:
            case = cases[name]
            if case.keras != KERAS_MAJOR:
                raise SystemExit(f"{name} needs Keras {case.keras}; this is Keras {keras.__version__}")
            if args.check:
                found = check(case, args.check / name, scratch)
                problems += found
                print(f"{name}: {'DIFFERS' if found else 'same'}", flush=True)
            else:
                staged = scratch / name
                generate(case, staged)
                target = args.out_root / name
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(staged, target)
                print(f"{name}: written", flush=True)
    for p in problems:
        print("  " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
