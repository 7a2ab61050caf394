import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Embedding(40, 7, input_length=9),
    tf.compat.v1.keras.layers.CuDNNLSTM(5, return_sequences=True),
    layers.Bidirectional(tf.compat.v1.keras.layers.CuDNNGRU(6, return_sequences=True)),
    layers.Bidirectional(tf.compat.v1.keras.layers.CuDNNLSTM(3)),
    layers.Dense(2, activation='softmax'),
])
