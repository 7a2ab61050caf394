"""Runs the data code of python/data-shapes.kiln in Python with tf.keras and
NumPy, on arrays of the shapes keras.datasets documents (fewer samples, no
download), so that each of its asserts is checked against NumPy itself.

    /path/to/python-with-tensorflow tests/lit/Inputs/data_shapes.py tests/lit/python/data-shapes.kiln
"""
import sys

import numpy as np
from tensorflow import keras

rng = np.random.default_rng(0)


def split(x_shape, y_shape, classes, n):
    x = np.zeros((n,) + x_shape, "uint8" if classes else "float64")
    y = (np.arange(n) % classes if classes else rng.random(n)).reshape((n,) + y_shape)
    return x, y


def image_data(x_shape, y_shape, classes):
    return lambda **kw: (split(x_shape, y_shape, classes(kw), 1200), split(x_shape, y_shape, classes(kw), 1100))


def sequences(**kw):
    ragged = lambda n: np.array([list(range(1 + i % 7)) for i in range(n)], dtype="object")
    return (ragged(1200), np.arange(1200) % 2), (ragged(1100), np.arange(1100) % 2)


keras.datasets.mnist.load_data = image_data((28, 28), (), lambda kw: 10)
keras.datasets.cifar10.load_data = image_data((32, 32, 3), (1,), lambda kw: 10)
keras.datasets.cifar100.load_data = image_data((32, 32, 3), (1,), lambda kw: 20 if kw.get("label_mode") == "coarse" else 100)
keras.datasets.boston_housing.load_data = image_data((13,), (), lambda kw: 0)
keras.datasets.imdb.load_data = sequences

source = open(sys.argv[1]).read()
data_code = source[: source.index("\nimages = ")]
exec(compile(data_code, sys.argv[1], "exec"), {})
print("all asserts hold")
