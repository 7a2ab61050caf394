"""Custom layers whose call() takes tensors in more than one parameter
(`call(self, x, context)`), called positionally and by keyword, with and
without sublayers, shared by two calls."""
from case import Case, floats

CALL_ARGUMENTS = """\
import keras
from keras import layers
from keras import ops


class CrossAttention(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
        self.norm = layers.LayerNormalization()

    def call(self, x, context, training=None):
        attended = self.mha(query=x, value=context, key=context)
        return self.norm(x + attended)


class Gate(layers.Layer):
    def call(self, inputs, gate, scale=2.0):
        return inputs * ops.sigmoid(gate * scale)


tokens = keras.Input(shape=(5, 8))
context = keras.Input(shape=(7, 8))
cross = CrossAttention()
x = cross(tokens, context)
y = cross(x, context=context)
g = Gate()(y, layers.Dense(8)(x))
h = Gate()(gate=g, inputs=x)
model = keras.Model([tokens, context], [y, g, h])
"""

CALL_ARGUMENTS_KERAS2 = CALL_ARGUMENTS.replace("""import keras
from keras import layers
from keras import ops
""", """import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
""").replace("ops.sigmoid", "tf.sigmoid").replace("Gate()(gate=g, inputs=x)", "Gate()(g, gate=x)")

CASES = [
    Case("keras3_custom_call_arguments", CALL_ARGUMENTS, keras=3, files=("model.weights.h5",),
         inputs=[floats(-1, 1), floats(-1, 1)],
         note="call(self, x, context) of a custom layer with sublayers, called twice (positionally, then by "
              "keyword), and of one without (inputs, gate), every argument by keyword; Keras 3.15 (JAX).",
         atol=1e-5, rtol=1e-4),
    Case("keras2_custom_call_arguments", CALL_ARGUMENTS_KERAS2, keras=2, files=("weights.h5", "model.weights.h5"),
         inputs=[floats(-1, 1), floats(-1, 1)],
         note="The same in tf.keras 2.15 (tf.sigmoid), its .h5 layouts.", atol=1e-5, rtol=1e-4),
]
