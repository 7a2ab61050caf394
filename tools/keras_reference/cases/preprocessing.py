"""Preprocessing layers at inference: image resizing, cropping and
augmentation, as tf.keras 2.15 runs them."""
from case import Case, floats

IMAGES = """\
from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras.layers.experimental import preprocessing

image = keras.Input(shape=(9, 13, 2))
augment = keras.Sequential([
    layers.RandomFlip("horizontal"),
    layers.RandomRotation(0.1),
    layers.RandomZoom(0.2),
    layers.RandomTranslation(0.1, 0.2),
    layers.RandomContrast(0.3),
    layers.RandomBrightness(0.2),
], name="augment")
outputs = [
    layers.Conv2D(3, 3)(augment(image)),
    layers.Resizing(5, 7)(image),
    layers.Resizing(16, 20, interpolation="nearest")(image),
    layers.Resizing(5, 7, interpolation="nearest")(image),
    layers.Resizing(4, 6, interpolation="area")(image),
    layers.Resizing(12, 15, interpolation="area")(image),
    preprocessing.Resizing(6, 6, crop_to_aspect_ratio=True)(image),
    preprocessing.Resizing(5, 4, interpolation="area", crop_to_aspect_ratio=True)(image),
    layers.CenterCrop(5, 8)(image),
    layers.CenterCrop(12, 10)(image),
    layers.RandomCrop(6, 8)(image),
]
model = keras.Model(image, outputs)
"""

CASES = [
    Case("keras2_preprocessing_images", IMAGES, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="Resizing (bilinear, nearest and area, down and up, crop_to_aspect_ratio), CenterCrop (a window, "
              "and smart_resize for a smaller image), RandomCrop (smart_resize at inference) and the random "
              "augmentations (identity at inference); tf.keras 2.15."),
]
