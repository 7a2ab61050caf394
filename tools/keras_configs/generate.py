#!/usr/bin/env python3
"""Writes the Keras model configs that the import tests read.

    generate.py            # rewrite tests/lit/Inputs/import/keras{2,3}_*
    generate.py --check    # regenerate in a scratch folder; exit 1 on a difference

Each model of models.py is built in tf.keras 2.15 and in Keras 3 on JAX,
in the environments of tools/keras_reference ($KERAS2_PYTHON and
$KERAS3_PYTHON, else its .venv-keras2 and .venv-keras3), and written as
Keras writes it:

  keras<N>_<model>.json   model.to_json()
  keras<N>_<model>.h5     model.save(...h5): the config in its model_config attribute
  keras<N>_<model>.keras  model.save(...keras): the config in config.json
  keras<N>_<model>.check  FileCheck lines for `kilnc summary` of the imported
                          model: every layer's name, class and parameter
                          count, and the total, as Keras counts them

The weights are Keras's own initializers drawn with a fixed seed; the tests
only read the configs.
"""
import filecmp
import importlib.util
import os
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent.parent / "tests" / "lit" / "Inputs" / "import"
REFERENCE = HERE.parent / "keras_reference"


def interpreter(major):
    """The Keras interpreters of tools/keras_reference (see its README.md)."""
    sys.path.insert(0, str(REFERENCE))
    spec = importlib.util.spec_from_file_location("keras_reference", REFERENCE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.interpreter(major)


def write(out):
    out.mkdir(parents=True, exist_ok=True)
    for major in (2, 3):
        env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
        subprocess.run([interpreter(major), str(HERE / "worker.py"), str(out)], env=env, check=True)


def main():
    if sys.argv[1:] == ["--check"]:
        with tempfile.TemporaryDirectory() as scratch:
            write(pathlib.Path(scratch))
            names = sorted(p.name for p in pathlib.Path(scratch).iterdir() if p.suffix in (".json", ".check"))
            _, mismatch, missing = filecmp.cmpfiles(scratch, OUT, names, shallow=False)
            for name in mismatch + missing:
                print(f"differs: {name}")
            sys.exit(1 if mismatch or missing else 0)
    write(OUT)


if __name__ == "__main__":
    main()
