"""Model code as it is pasted from Keras tutorials and examples (def, loops
over stages, conditionals, asserts on output shapes), with
smaller sizes than the originals so that the weights stay small. The full
scripts, with their data loading and training, are lit tests in
tests/lit/paste/."""
from case import Case, floats

DCGAN_GENERATOR = """\
import tensorflow as tf
from tensorflow.keras import layers

noise_dim = 10


def make_generator_model(base=8):
    model = tf.keras.Sequential()
    model.add(layers.Dense(7 * 7 * base * 4, use_bias=False, input_shape=(noise_dim,)))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())

    model.add(layers.Reshape((7, 7, base * 4)))
    assert model.output_shape == (None, 7, 7, base * 4)  # None: the batch size

    model.add(layers.Conv2DTranspose(base * 2, (5, 5), strides=(1, 1), padding='same', use_bias=False))
    assert model.output_shape == (None, 7, 7, base * 2)
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())

    model.add(layers.Conv2DTranspose(base, (5, 5), strides=(2, 2), padding='same', use_bias=False))
    assert model.output_shape == (None, 14, 14, base)
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())

    model.add(layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding='same', use_bias=False, activation='tanh'))
    assert model.output_shape == (None, 28, 28, 1)
    return model


generator = make_generator_model()
"""

RESNET = """\
from tensorflow import keras
from tensorflow.keras.layers import Dense, Conv2D, BatchNormalization, Activation
from tensorflow.keras.layers import AveragePooling2D, Input, Flatten
from tensorflow.keras.regularizers import l2
from tensorflow.keras.models import Model

n = 1
version = 1
depth = n * 6 + 2 if version == 1 else n * 9 + 2


def resnet_layer(inputs, num_filters=16, kernel_size=3, strides=1, activation='relu',
                 batch_normalization=True, conv_first=True):
    conv = Conv2D(num_filters, kernel_size=kernel_size, strides=strides, padding='same',
                  kernel_initializer='he_normal', kernel_regularizer=l2(1e-4))
    x = inputs
    if conv_first:
        x = conv(x)
        if batch_normalization:
            x = BatchNormalization()(x)
        if activation is not None:
            x = Activation(activation)(x)
    else:
        if batch_normalization:
            x = BatchNormalization()(x)
        if activation is not None:
            x = Activation(activation)(x)
        x = conv(x)
    return x


def resnet_v1(input_shape, depth, num_classes=10, num_filters=4):
    if (depth - 2) % 6 != 0:
        raise ValueError('depth should be 6n+2')
    num_res_blocks = int((depth - 2) / 6)
    inputs = Input(shape=input_shape)
    x = resnet_layer(inputs=inputs, num_filters=num_filters)
    for stack in range(3):
        for res_block in range(num_res_blocks):
            strides = 1
            if stack > 0 and res_block == 0:
                strides = 2
            y = resnet_layer(inputs=x, num_filters=num_filters, strides=strides)
            y = resnet_layer(inputs=y, num_filters=num_filters, activation=None)
            if stack > 0 and res_block == 0:
                x = resnet_layer(inputs=x, num_filters=num_filters, kernel_size=1, strides=strides,
                                 activation=None, batch_normalization=False)
            x = keras.layers.add([x, y])
            x = Activation('relu')(x)
        num_filters *= 2
    x = AveragePooling2D(pool_size=4)(x)
    y = Flatten()(x)
    outputs = Dense(num_classes, activation='softmax', kernel_initializer='he_normal')(y)
    return Model(inputs=inputs, outputs=outputs)


model = resnet_v1(input_shape=(16, 16, 3), depth=depth)
assert model.output_shape == (None, 10)
"""

CASES = [
    Case("keras2_paste_dcgan_generator", DCGAN_GENERATOR, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="DCGAN generator from a def with a default argument, checked by asserts on output_shape "
              "(Dense, BatchNormalization, LeakyReLU, Conv2DTranspose); tf.keras 2.15.", atol=1e-4, rtol=1e-4),
    Case("keras2_paste_resnet", RESNET, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="ResNet v1 from a builder def and loops over stages and blocks, with projection shortcuts; "
              "tf.keras 2.15.", atol=1e-5, rtol=1e-4),
]
