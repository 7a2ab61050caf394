#!/usr/bin/env python3
"""Writes tests/lit/Inputs/applications/<Name>.layers from tf.keras 2.15's own
keras.applications: for keras.applications.<Name>(weights=None), the total
parameter count, then one line per layer of model.layers: name, class, and
parameter count. Run with the Keras 2 interpreter (README.md):

    .venv-keras2/bin/python application_layers.py [Name ...]
"""
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent.parent.parent / "tests" / "lit" / "Inputs" / "applications"
NAMES = ["VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
         "MobileNet", "MobileNetV2", "DenseNet121", "DenseNet169", "DenseNet201", "InceptionV3", "Xception",
         "EfficientNetB0", "EfficientNetB1", "EfficientNetB2"]

for name in sys.argv[1:] or NAMES:
    model = getattr(tf.keras.applications, name)(weights=None)
    lines = [f"total {model.count_params()}"]
    lines += [f"{layer.name} {type(layer).__name__} {layer.count_params()}" for layer in model.layers]
    (OUT / f"{name}.layers").write_text("\n".join(lines) + "\n")
    tf.keras.backend.clear_session()
    print(name, model.count_params())
