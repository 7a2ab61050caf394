"""Layers that Keras added after 2.3 and model code around them: Conv1DTranspose, DepthwiseConv1D, Identity,
ActivityRegularization, GroupNormalization, UnitNormalization, RMSNormalization, InputLayer with a positional shape, TensorFlow's names of the
initializers."""
from case import Case, floats

CONV1D_TRANSPOSE = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

signal = keras.Input(shape=(12, 3))
up = layers.Conv1DTranspose(4, 3, strides=2, padding="same", activation="relu",
                            kernel_initializer=tf.random_uniform_initializer(-0.1, 0.1))(signal)
wide = layers.Conv1DTranspose(2, 5, strides=3, bias_initializer=tf.constant_initializer(0.5))(up)
padded = layers.Conv1DTranspose(3, 4, strides=2, padding="same", output_padding=1)(up)
plain = layers.Conv1DTranspose(2, 2, use_bias=False)(layers.Identity()(signal))
model = keras.Model(signal, [wide, padded, plain])
"""

# keras.io's timeseries anomaly detection autoencoder (Conv1D down, Conv1DTranspose up).
AUTOENCODER = """\
import keras
from keras import layers

model = keras.Sequential(
    [
        layers.InputLayer((16, 1)),
        layers.Conv1D(filters=8, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Dropout(rate=0.2),
        layers.Conv1D(filters=4, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.ActivityRegularization(l1=0.01),
        layers.Conv1DTranspose(filters=4, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Dropout(rate=0.2),
        layers.Conv1DTranspose(filters=8, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
    ]
)
"""

GROUP_NORMALIZATION = """\
import keras
from keras import layers

image = keras.Input(shape=(6, 5, 8))
x = layers.GroupNormalization(4)(image)
x = layers.Conv2D(6, 3, activation="relu")(x)
x = layers.GroupNormalization(groups=-1, epsilon=1e-5)(x)
a = layers.GroupNormalization(1, center=False)(x)
b = layers.GroupNormalization(3, scale=False)(x)
steps = keras.Input(shape=(7, 4))
c = layers.GroupNormalization(2)(layers.Dense(4)(steps))
model = keras.Model([image, steps], [a, b, c])
"""

# Over open height and width, as in diffusion and style-transfer models.
OPEN_GROUP_NORMALIZATION = """\
import keras
from keras import layers

image = keras.Input(shape=(None, None, 4))
x = layers.Conv2D(8, 3, padding="same")(image)
x = layers.GroupNormalization(groups=4)(x)
model = keras.Model(image, layers.Activation("swish")(x))
"""

UNIT_NORMALIZATION = """\
import keras
from keras import layers

tokens = keras.Input(shape=(5, 6))
x = layers.Dense(8)(tokens)
unit = layers.UnitNormalization()(x)
flat = layers.UnitNormalization(axis=-1)(layers.Flatten()(x))
model = keras.Model(tokens, [unit, flat])
"""

RMS_NORMALIZATION = """\
import keras
from keras import layers

tokens = keras.Input(shape=(None, 6))
x = layers.Dense(8)(tokens)
a = layers.RMSNormalization()(x)
b = layers.RMSNormalization(epsilon=0.5)(layers.UnitNormalization()(x))
model = keras.Model(tokens, [a, b])
"""

DEPTHWISE_CONV1D = """\
import keras
from keras import layers

signal = keras.Input(shape=(20, 4))
a = layers.DepthwiseConv1D(3, activation="relu")(signal)
b = layers.DepthwiseConv1D(5, strides=2, padding="same", depth_multiplier=2, use_bias=False)(signal)
c = layers.DepthwiseConv1D(3, dilation_rate=2, padding="same")(b)
model = keras.Model(signal, [a, b, layers.BatchNormalization()(c)])
"""

# Keras 3's later image augmentations (3.5 to 3.15): identity in predict.
LATER_AUGMENTATIONS = """\
import keras
from keras import layers

inputs = keras.Input((12, 12, 3))
x = layers.AugMix(value_range=(0, 1))(inputs)
x = layers.CutMix()(x)
x = layers.MixUp(alpha=0.3)(x)
x = layers.RandAugment(value_range=(0, 1), num_ops=3)(x)
x = layers.RandomColorDegeneration(0.4)(x)
x = layers.RandomColorJitter(value_range=(0, 1), brightness_factor=0.2, hue_factor=0.1)(x)
x = layers.RandomElasticTransform(factor=0.5)(x)
x = layers.RandomErasing(factor=0.5)(x)
x = layers.RandomGaussianBlur(kernel_size=5)(x)
x = layers.RandomGrayscale(factor=0.3)(x)
x = layers.RandomHue(0.2, value_range=(0, 1))(x)
x = layers.RandomInvert()(x)
x = layers.RandomPerspective(factor=0.4)(x)
x = layers.RandomPosterization((1, 4))(x)
x = layers.RandomSaturation(0.3)(x)
x = layers.RandomSharpness(0.3)(x)
x = layers.RandomShear(x_factor=0.2, y_factor=0.1)(x)
x = layers.Solarization(addition_factor=0.2, threshold_factor=0.1)(x)
outputs = layers.Conv2D(4, 3, activation="relu")(x)
model = keras.Model(inputs, outputs)
"""

CASES = [
    Case("keras3_later_augmentations", LATER_AUGMENTATIONS, keras=3, files=("model.keras",),
         inputs=[floats(0.0, 1.0)], note="18 augmentation layers of Keras 3.5-3.15, identity in predict"),
    Case("keras2_depthwise_conv1d", DEPTHWISE_CONV1D, files=("model.h5", "model.keras"), atol=1e-5, rtol=1e-4,
         note="DepthwiseConv1D: valid with activation, strided 'same' with depth_multiplier=2 and no bias, dilated "
              "then a folded BatchNormalization; tf.keras 2.15."),
    Case("keras3_depthwise_conv1d", DEPTHWISE_CONV1D, keras=3, files=("model.weights.h5", "model.keras"),
         atol=1e-5, rtol=1e-4, note="The same DepthwiseConv1D model in Keras 3 (JAX)."),
    Case("keras2_unit_normalization", UNIT_NORMALIZATION, atol=1e-5, rtol=1e-4,
         note="UnitNormalization over the last axis of a sequence and of a vector; tf.keras 2.15."),
    Case("keras3_rms_normalization", RMS_NORMALIZATION, keras=3, files=("model.weights.h5", "model.keras"),
         inputs=[floats()], sizes=[[(4, 6)], [(1, 6)]], atol=1e-5, rtol=1e-4,
         note="RMSNormalization (default epsilon, epsilon=0.5 after UnitNormalization) over open steps; Keras 3."),
    Case("keras2_group_normalization", GROUP_NORMALIZATION, files=("model.h5", "weights.h5", "model.keras"),
         atol=1e-5, rtol=1e-4,
         note="GroupNormalization: 4 groups, instance normalization (groups=-1), one group without centre, 3 "
              "groups without scale, on images and on sequences; tf.keras 2.15."),
    Case("keras3_group_normalization", GROUP_NORMALIZATION, keras=3, files=("model.weights.h5", "model.keras"),
         atol=1e-5, rtol=1e-4, note="The same GroupNormalization model in Keras 3 (JAX)."),
    Case("keras3_open_group_normalization", OPEN_GROUP_NORMALIZATION, keras=3, files=("model.keras",),
         inputs=[floats()], sizes=[[(5, 7, 4)], [(3, 3, 4)]], atol=1e-5, rtol=1e-4,
         note="GroupNormalization over open height and width (two image sizes through one build); Keras 3."),
    Case("keras2_conv1d_transpose", CONV1D_TRANSPOSE, files=("model.h5", "weights.h5", "model.keras"),
         atol=1e-5, rtol=1e-4,
         note="Conv1DTranspose ('same' with strides and activation, 'valid' with stride 3, output_padding, no bias) "
              "after Identity; tf.random_uniform_initializer and tf.constant_initializer; tf.keras 2.15."),
    Case("keras2_conv1d_autoencoder", AUTOENCODER, atol=1e-5, rtol=1e-4,
         note="keras.io's timeseries anomaly detection autoencoder: InputLayer((16, 1)), Conv1D and Conv1DTranspose "
              "with strides 2, ActivityRegularization; tf.keras 2.15."),
    Case("keras3_conv1d_autoencoder", AUTOENCODER, keras=3, files=("model.weights.h5", "model.keras"),
         atol=1e-5, rtol=1e-4,
         note="keras.io's timeseries anomaly detection autoencoder in Keras 3 (JAX)."),
]
