"""Layers that Keras added after 2.3 and model code around them: Conv1DTranspose, Identity,
ActivityRegularization, InputLayer with a positional shape, TensorFlow's names of the initializers."""
from case import Case

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

CASES = [
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
