"""TensorFlow Addons' normalization layers (tensorflow-addons 0.23 on tf.keras
2.15), as keras.io's CycleGAN and style-transfer code used them before Keras
had GroupNormalization."""
from case import Case, floats

# keras.io's CycleGAN generator (tf.keras 2 version), its residual block and
# down/upsampling at a small size; ReflectionPadding2D as the example writes it.
CYCLEGAN_BLOCKS = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
import tensorflow_addons as tfa

kernel_init = keras.initializers.RandomNormal(mean=0.0, stddev=0.02)
gamma_init = keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


class ReflectionPadding2D(layers.Layer):
    def __init__(self, padding=(1, 1), **kwargs):
        self.padding = tuple(padding)
        super().__init__(**kwargs)

    def call(self, input_tensor, mask=None):
        padding_width, padding_height = self.padding
        padding_tensor = [
            [0, 0],
            [padding_height, padding_height],
            [padding_width, padding_width],
            [0, 0],
        ]
        return tf.pad(input_tensor, padding_tensor, mode="REFLECT")


def residual_block(x, activation, kernel_size=(3, 3), strides=(1, 1), padding="valid",
                   gamma_initializer=gamma_init, use_bias=False):
    dim = x.shape[-1]
    input_tensor = x
    x = ReflectionPadding2D()(input_tensor)
    x = layers.Conv2D(dim, kernel_size, strides=strides, kernel_initializer=kernel_init,
                      padding=padding, use_bias=use_bias)(x)
    x = tfa.layers.InstanceNormalization(gamma_initializer=gamma_initializer)(x)
    x = activation(x)
    x = ReflectionPadding2D()(x)
    x = layers.Conv2D(dim, kernel_size, strides=strides, kernel_initializer=kernel_init,
                      padding=padding, use_bias=use_bias)(x)
    x = tfa.layers.InstanceNormalization(gamma_initializer=gamma_initializer)(x)
    x = layers.add([input_tensor, x])
    return x


def downsample(x, filters, activation, kernel_size=(3, 3), strides=(2, 2), padding="same",
               gamma_initializer=gamma_init, use_bias=False):
    x = layers.Conv2D(filters, kernel_size, strides=strides, kernel_initializer=kernel_init,
                      padding=padding, use_bias=use_bias)(x)
    x = tfa.layers.InstanceNormalization(gamma_initializer=gamma_initializer)(x)
    if activation:
        x = activation(x)
    return x


img_input = layers.Input(shape=(12, 12, 3), name="generator_input")
x = ReflectionPadding2D(padding=(3, 3))(img_input)
x = layers.Conv2D(8, (7, 7), kernel_initializer=kernel_init, use_bias=False)(x)
x = tfa.layers.InstanceNormalization(gamma_initializer=gamma_init)(x)
x = layers.Activation("relu")(x)
x = downsample(x, filters=16, activation=layers.Activation("relu"))
x = residual_block(x, activation=layers.Activation("relu"))
x = tfa.layers.GroupNormalization(groups=4, epsilon=1e-5)(x)
x = tfa.layers.InstanceNormalization(center=False, epsilon=1e-2, groups=2)(x)
model = keras.models.Model(img_input, x, name="gen")
"""

CASES = [
    Case("keras2_tfa_normalization", CYCLEGAN_BLOCKS, files=("model.h5", "weights.h5"), atol=1e-5, rtol=1e-4,
         note="tfa.layers.InstanceNormalization (groups given and ignored) and GroupNormalization in keras.io's "
              "CycleGAN blocks"),
]
