"""TensorFlow's own formats, which tf.keras 2 writes for a path without .h5: save_weights('ckpt/weights') (a
checkpoint) and model.save('saved_model') (a SavedModel directory, the default before Keras 3); their variables
bound by the names the checkpoint's object graph gives them. The models are compiled and fitted for a step first,
so that the files also hold an optimizer's and the metrics' variables, as a trained model's do."""
from case import Case, floats, ints

FIT = """
model.compile(optimizer='adam', loss='mse')
model.fit({x}, np.zeros((2,) + model.output_shape[1:]), epochs=1, verbose=0)
"""

TEXT = """\
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Embedding(40, 8, input_length=9),
    layers.Bidirectional(layers.LSTM(5, return_sequences=True)),
    layers.LayerNormalization(),
    layers.GRU(4),
    layers.BatchNormalization(),
    layers.Dense(3, activation='softmax'),
])
""" + FIT.format(x="np.ones((2, 9))")

VISION = """\
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

image = keras.Input(shape=(8, 8, 3))
x = layers.Conv2D(6, 3, padding='same', activation='relu')(image)
x = layers.BatchNormalization()(x)
x = layers.DepthwiseConv2D(3)(x)
x = layers.Reshape((36, 6))(x)
x = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
block = keras.Sequential([layers.Dense(5, activation='relu'), layers.Dense(4)], name='head')
x = block(layers.GlobalAveragePooling1D()(x))
model = keras.Model(image, x)
""" + FIT.format(x="np.ones((2, 8, 8, 3))")

MLP = """\
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Dense(16, activation='relu', input_shape=(10,)),
    layers.BatchNormalization(),
    layers.Dropout(0.2),
    layers.Dense(4),
])
""" + FIT.format(x="np.ones((2, 10))")

CASES = [
    Case("keras2_tf_checkpoint_text", TEXT, files=("ckpt",), inputs=[ints(0, 40)],
         note="a text model (Embedding, Bidirectional(LSTM), LayerNormalization, GRU, BatchNormalization, Dense) from "
              "a TensorFlow checkpoint, after a step of training"),
    Case("keras2_tf_saved_model", MLP, files=("saved_model", "ckpt"),
         note="an MLP with BatchNormalization from a SavedModel directory (model.save('saved_model'), tf.keras 2's "
              "default format) and a checkpoint, after a step of training: its metrics' variables are skipped too"),
    Case("keras2_tf_checkpoint_vision", VISION, files=("ckpt",), atol=1e-5, rtol=1e-4,
         note="a functional model with Conv2D, BatchNormalization, DepthwiseConv2D, MultiHeadAttention and a nested "
              "Sequential from a TensorFlow checkpoint, after a step of training"),
]
