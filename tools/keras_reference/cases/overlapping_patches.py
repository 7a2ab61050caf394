"""extract_patches with overlapping windows: strides below the window,
dilation and 'same' padding (keras.io's Involution layer, tf.keras 2; and
keras.ops.image.extract_patches, Keras 3)."""
from case import Case

# keras.io's "Involutional neural networks", its layer as written there, at
# a small size: stride 1 and stride 2 (an AveragePooling2D before the kernel).
INVOLUTION = """\
import tensorflow as tf
from tensorflow import keras


class Involution(keras.layers.Layer):
    def __init__(self, channel, group_number, kernel_size, stride, reduction_ratio, name):
        super().__init__(name=name)
        self.channel = channel
        self.group_number = group_number
        self.kernel_size = kernel_size
        self.stride = stride
        self.reduction_ratio = reduction_ratio

    def build(self, input_shape):
        (_, height, width, num_channels) = input_shape
        height = height // self.stride
        width = width // self.stride
        self.stride_layer = (
            keras.layers.AveragePooling2D(pool_size=self.stride, strides=self.stride, padding="same")
            if self.stride > 1
            else tf.identity
        )
        self.kernel_gen = keras.Sequential(
            [
                keras.layers.Conv2D(filters=self.channel // self.reduction_ratio, kernel_size=1),
                keras.layers.BatchNormalization(),
                keras.layers.ReLU(),
                keras.layers.Conv2D(filters=self.kernel_size * self.kernel_size * self.group_number, kernel_size=1),
            ]
        )
        self.kernel_reshape = keras.layers.Reshape(
            target_shape=(height, width, self.kernel_size * self.kernel_size, 1, self.group_number)
        )
        self.input_patches_reshape = keras.layers.Reshape(
            target_shape=(height, width, self.kernel_size * self.kernel_size, num_channels // self.group_number,
                          self.group_number)
        )
        self.output_reshape = keras.layers.Reshape(target_shape=(height, width, num_channels))

    def call(self, x):
        kernel_input = self.stride_layer(x)
        kernel = self.kernel_gen(kernel_input)
        kernel = self.kernel_reshape(kernel)
        input_patches = tf.image.extract_patches(
            images=x,
            sizes=[1, self.kernel_size, self.kernel_size, 1],
            strides=[1, self.stride, self.stride, 1],
            rates=[1, 1, 1, 1],
            padding="SAME",
        )
        input_patches = self.input_patches_reshape(input_patches)
        output = tf.multiply(kernel, input_patches)
        output = tf.reduce_sum(output, axis=3)
        output = self.output_reshape(output)
        return output, kernel


inputs = keras.Input(shape=(8, 8, 4))
x, _ = Involution(channel=4, group_number=2, kernel_size=3, stride=1, reduction_ratio=2, name="inv_1")(inputs)
x = keras.layers.ReLU()(x)
x, _ = Involution(channel=4, group_number=1, kernel_size=3, stride=2, reduction_ratio=2, name="inv_2")(x)
x = keras.layers.ReLU()(x)
x = keras.layers.Flatten()(x)
outputs = keras.layers.Dense(5)(x)
model = keras.Model(inputs, outputs)
"""

WINDOWS = """\
import keras
from keras import layers, ops


class Windows(layers.Layer):
    def __init__(self, size, strides, dilation_rate, padding, **kwargs):
        super().__init__(**kwargs)
        self.size, self.strides, self.dilation_rate, self.padding = size, strides, dilation_rate, padding

    def call(self, images):
        return ops.image.extract_patches(images, self.size, strides=self.strides, dilation_rate=self.dilation_rate,
                                         padding=self.padding)


images = keras.Input(shape=(7, 6, 2))
a = Windows(3, 1, 2, "same")(images)
b = Windows((2, 3), (2, 1), 1, "same")(images)
c = Windows(3, 2, 1, "valid")(images)
model = keras.Model(images, [layers.Dense(3)(a), b, c])
"""

CASES = [
    Case("keras2_involution", INVOLUTION, files=("weights.h5",), atol=1e-5, rtol=1e-4,
         note="keras.io's Involution: tf.image.extract_patches at stride 1 and 2 with SAME padding"),
    Case("keras3_overlapping_patches", WINDOWS, keras=3, files=("model.weights.h5",), atol=1e-5, rtol=1e-4,
         note="ops.image.extract_patches with dilation, strides below the size and 'same' padding"),
]
