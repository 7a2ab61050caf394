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

VALUES = """\
from tensorflow import keras
from tensorflow.keras import layers

inputs = keras.Input(shape=(6, 5, 3))
x = layers.Rescaling(1.0 / 127.5, offset=-1)(inputs)
x = layers.experimental.preprocessing.Rescaling([0.5, 2.0, -1.0], offset=[0.1, 0.0, 0.2])(x)
a = layers.Normalization(mean=[0.1, -0.2, 0.3], variance=[0.5, 2.0, 1.5])(x)
b = layers.Normalization(axis=(1, 3))(x)
c = layers.Normalization(axis=(1, 2), mean=0.25, variance=4.0)(x)
d = layers.Normalization(axis=2, mean=[0.0, 1.0, 2.0, 3.0, 4.0], variance=[1.0, 0.25, 4.0, 9.0, 0.0], invert=True)(x)
x = layers.Concatenate()([a, b, c, d])
outputs = layers.Conv2D(4, 3)(x)
model = keras.Model(inputs, outputs)
"""

CASES = [
    Case("keras2_preprocessing_images", IMAGES, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="Resizing (bilinear, nearest and area, down and up, crop_to_aspect_ratio), CenterCrop (a window, "
              "and smart_resize for a smaller image), RandomCrop (smart_resize at inference) and the random "
              "augmentations (identity at inference); tf.keras 2.15."),
    Case("keras2_preprocessing_values", VALUES, keras=2, files=("model.h5",), inputs=[floats(0, 255)],
         note="Rescaling (a number, one per channel), Normalization with mean/variance arguments (per channel, "
              "one value over axes (1, 2), axis=2 inverted, a zero variance) and adapted weights over axes "
              "(1, 3); tf.keras 2.15."),
]

# Keras 3's image preprocessing layers take data_format (tf.keras 2's are
# channels_last): the resizing and cropping layers channels_first, the
# augmentations (identity at inference) with it, and the default from
# keras.config.set_image_data_format.
KERAS3_CHANNELS_FIRST = """\
import keras
from keras import layers

image = keras.Input(shape=(2, 9, 13))
augment = keras.Sequential([
    layers.RandomFlip("horizontal", data_format="channels_first"),
    layers.RandomRotation(0.1, data_format="channels_first"),
    layers.RandomZoom(0.2, data_format="channels_first"),
    layers.RandomTranslation(0.1, 0.2, data_format="channels_first"),
    layers.RandomContrast(0.3, value_range=(-1, 1)),
    layers.RandomBrightness(0.2, data_format="channels_first"),
], name="augment")
outputs = [
    layers.Conv2D(3, 3, data_format="channels_first")(augment(image)),
    layers.Resizing(5, 7, data_format="channels_first")(image),
    layers.Resizing(16, 20, interpolation="nearest", data_format="channels_first")(image),
    layers.Resizing(6, 6, crop_to_aspect_ratio=True, data_format="channels_first")(image),
    layers.CenterCrop(5, 8, data_format="channels_first")(image),
    layers.CenterCrop(12, 10, data_format="channels_first")(image),
]
keras.config.set_image_data_format("channels_first")
outputs.append(layers.Resizing(4, 6, interpolation="nearest")(image))
outputs.append(layers.CenterCrop(7, 7)(image))
keras.config.set_image_data_format("channels_last")
model = keras.Model(image, outputs)
"""

CASES += [
    Case("keras3_preprocessing_channels_first", KERAS3_CHANNELS_FIRST, keras=3,
         files=("model.weights.h5", "model.keras"), inputs=[floats(-1, 1)], atol=1e-5, rtol=1e-5,
         note="Keras 3: Resizing (bilinear, nearest, crop_to_aspect_ratio) and CenterCrop (a window, and an image "
              "smaller than the target) with data_format='channels_first'; the random augmentations with it "
              "(identity at inference); Resizing (nearest, down) and CenterCrop taking channels_first "
              "from keras.config.set_image_data_format."),
]
