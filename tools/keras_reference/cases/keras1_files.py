"""Weights files written by Keras 1 (model.save_weights in Keras 1.x, before Keras stated its version in them),
bound to the Keras 2 code of the same model as tf.keras 2's load_weights converts them: recurrent layers stored
per gate, channels_first convolution kernels as (filters, channels, rows, cols), Conv1D kernels with a unit axis.
The files are written by keras1_weights.py and checked by loading them back with Keras."""
from case import Case, floats, ints

TEXT = """\
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Embedding(30, 6, input_length=8),
    layers.LSTM(5, return_sequences=True),
    layers.Bidirectional(layers.GRU(4, reset_after=False, return_sequences=True)),
    layers.TimeDistributed(layers.Dense(3)),
    layers.Bidirectional(layers.LSTM(3), merge_mode='sum'),
    layers.Dense(2, activation='softmax'),
])
"""

CONVNET_TH = """\
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Conv2D(6, (3, 3), padding='same', activation='relu', data_format='channels_first',
                  input_shape=(3, 10, 10)),
    layers.BatchNormalization(axis=1),
    layers.MaxPooling2D((2, 2), data_format='channels_first'),
    layers.Conv2D(4, (2, 3), data_format='channels_first'),
    layers.Flatten(),
    layers.Dense(5, activation='relu'),
    layers.Dropout(0.5),
    layers.Dense(3, activation='softmax'),
])
"""

CONVNET_TF = """\
from tensorflow import keras
from tensorflow.keras import layers

signal = keras.Input(shape=(12, 3))
x = layers.Conv1D(5, 3, activation='relu')(signal)
x = layers.MaxPooling1D(2)(x)
x = layers.Conv1D(4, 2, padding='same')(x)
x = layers.GRU(3, reset_after=False)(x)
image = keras.Input(shape=(8, 8, 2))
y = layers.Conv2D(4, 3, activation='relu')(image)
y = layers.GlobalAveragePooling2D()(y)
volume = keras.Input(shape=(2, 5, 5, 4))
z = layers.Conv3D(3, (1, 2, 2), data_format='channels_first')(volume)
z = layers.Flatten()(z)
model = keras.Model([signal, image, volume], layers.concatenate([x, y, z]))
"""

CASES = [
    Case("keras1_file_text", TEXT, files=("keras1.h5",), inputs=[ints(0, 30)],
         note="a Keras 1 weights file of a text model: LSTM and GRU weights per gate (LSTM's in the order i, c, "
              "f, o), in Bidirectional (forward, then backward) and alone, TimeDistributed(Dense), Embedding"),
    Case("keras1_file_convnet_th", CONVNET_TH, files=("keras1.h5",), atol=1e-5, rtol=1e-4,
         note="a Keras 1 weights file of a channels_first ('th' dim ordering) convnet: kernels stored as "
              "(filters, channels, rows, cols), BatchNormalization's running_mean and running_std"),
    Case("keras1_file_convnet_tf", CONVNET_TF, files=("keras1.h5",), inputs=[floats(), floats(), floats()],
         atol=1e-5, rtol=1e-4,
         note="a Keras 1 weights file of a functional model: Conv1D kernels stored with a unit axis, a channels_last "
              "Conv2D ('tf' dim ordering, as stored), a channels_first Conv3D, a GRU per gate"),
]
