"""depth_to_space and space_to_depth on model tensors over open height and
width: keras.io's ESPCN super-resolution model as its tf.keras 2 version
writes it (tf.nn.depth_to_space), EDSR's upsampling step, and Keras 3's
keras.ops with both data formats."""
from case import Case, floats

ESPCN = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


def get_model(upscale_factor=3, channels=1):
    conv_args = {
        "activation": "relu",
        "kernel_initializer": "Orthogonal",
        "padding": "same",
    }
    inputs = keras.Input(shape=(None, None, channels))
    x = layers.Conv2D(64, 5, **conv_args)(inputs)
    x = layers.Conv2D(64, 3, **conv_args)(x)
    x = layers.Conv2D(32, 3, **conv_args)(x)
    x = layers.Conv2D(channels * (upscale_factor ** 2), 3, **conv_args)(x)
    outputs = tf.nn.depth_to_space(x, upscale_factor)

    return keras.Model(inputs, outputs)


model = get_model(upscale_factor=3, channels=1)
"""

# EDSR's upsampling (keras.io), and space_to_depth back.
UPSAMPLING = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


def Upsampling(inputs, factor=2, **kwargs):
    x = layers.Conv2D(3 * (factor ** 2), 3, padding="same", **kwargs)(inputs)
    x = tf.nn.depth_to_space(x, block_size=factor)
    return x


inputs = keras.Input(shape=(None, None, 3))
up = Upsampling(inputs)
down = tf.nn.space_to_depth(up, 2)
model = keras.Model(inputs, [up, down, tf.nn.space_to_depth(inputs, block_size=3, name="blocks")])
"""

OPS = """\
import keras
from keras import layers, ops

inputs = keras.Input(shape=(None, None, 8))
planes = keras.Input(shape=(8, None, None))
x = layers.Conv2D(12, 3, padding="same")(inputs)
model = keras.Model([inputs, planes], [
    ops.depth_to_space(x, 2),
    ops.space_to_depth(x, block_size=2),
    ops.depth_to_space(planes, 2, data_format="channels_first"),
    ops.space_to_depth(planes, 2, data_format="channels_first"),
])
"""

CASES = [
    Case("keras2_paste_espcn", ESPCN, keras=2, files=("weights.h5", "model.h5"), inputs=[floats(0, 1)],
         sizes=[[(7, 5, 1)], [(12, 16, 1)]],
         note="keras.io's ESPCN (tf.keras 2 version): Orthogonal initializers by class name, open height and "
              "width, tf.nn.depth_to_space by 3; two image sizes through one build"),
    Case("keras2_depth_to_space", UPSAMPLING, keras=2, files=("weights.h5", "model.h5"), inputs=[floats(-1, 1)],
         sizes=[[(6, 6, 3)], [(9, 3, 3)]],
         note="EDSR's Upsampling (tf.nn.depth_to_space(block_size=2)), space_to_depth back and by 3, open sizes"),
    Case("keras3_depth_to_space", OPS, keras=3, files=("model.weights.h5", "model.keras"),
         inputs=[floats(-1, 1), floats(-1, 1)], sizes=[[(4, 6, 8), (8, 4, 6)], [(2, 10, 8), (8, 6, 2)]],
         note="keras.ops.depth_to_space and space_to_depth, channels_last and channels_first, open sizes"),
]
