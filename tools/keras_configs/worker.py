"""Builds every model of models.py in the Keras of this interpreter and
writes its configs (started by generate.py)."""
import json
import os
import pathlib
import sys
import warnings

warnings.filterwarnings("ignore")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import keras  # noqa: E402

from models import MODELS  # noqa: E402

MAJOR = int(keras.__version__.split(".")[0])


def check_lines(model):
    """FileCheck lines: each layer as `kilnc summary` prints it (which, as
    Keras 2, may cut the class name short), then the total."""
    lines = [f'CHECK: Model: "{model.name}"']
    for layer in model.layers:
        cls = "Functional" if isinstance(layer, keras.Model) and not isinstance(layer, keras.Sequential) else type(layer).__name__
        lines.append(f"CHECK: {{{{^}}}} {layer.name} ({cls[:1]}{{{{.*}}}} {layer.count_params()} ")
    lines.append(f"CHECK: Total params: {model.count_params():,}")
    return "\n".join(lines) + "\n"


def main():
    out = pathlib.Path(sys.argv[1])
    for name, build in MODELS.items():
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        model = build(keras)
        stem = out / f"keras{MAJOR}_{name}"
        stem.with_suffix(".json").write_text(model.to_json() + "\n")
        stem.with_suffix(".check").write_text(check_lines(model))
        model.save(str(stem.with_suffix(".h5")))
        model.save(str(stem.with_suffix(".keras")))
        print(f"wrote {stem.name}")


if __name__ == "__main__":
    main()
