"""tf.one_hot / keras.ops.one_hot on a model's tensor of token ids, as
Deep Learning with Python's chapter 11 feeds a bidirectional LSTM, over
variable-length sequences (and ids outside the depth, which give zeros)."""
from case import Case, ints

ONE_HOT_BILSTM = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

max_tokens = 30
inputs = keras.Input(shape=(None,), dtype="int64")
embedded = tf.one_hot(inputs, depth=max_tokens)
x = layers.Bidirectional(layers.LSTM(8))(embedded)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, [outputs, tf.one_hot(inputs, 4, on_value=2.0, off_value=-1.0)])
"""

ONE_HOT_OPS = """\
import keras
from keras import layers, ops

inputs = keras.Input(shape=(7,), dtype="int32")
x = ops.one_hot(inputs, 12)
x = layers.Conv1D(4, 3, activation="relu")(x)
outputs = layers.GlobalMaxPooling1D()(x)
model = keras.Model(inputs, [outputs, ops.one_hot(inputs, 5)])
"""

CASES = [
    Case("keras2_one_hot", ONE_HOT_BILSTM, keras=2, files=("weights.h5",), inputs=[ints(0, 34)], batch=3,
         sizes=[[(9,)], [(3,)]], note="Chollet's one-hot bidirectional LSTM over open steps; ids past the depth"),
    Case("keras3_one_hot", ONE_HOT_OPS, keras=3, files=("model.weights.h5",), inputs=[ints(0, 14)], batch=3,
         note="keras.ops.one_hot before a convolution; ids past the depth"),
]
