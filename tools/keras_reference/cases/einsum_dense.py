"""EinsumDense in the equations Keras's docs and MultiHeadAttention use: a
dense over the last axis (with leading axes kept or elided), over new
axes (abc,cde->abde) and back (abcd,cde->abe), with and without biases and
activations."""
from case import Case

EINSUM_DENSE = """\
import keras
from keras import layers

inputs = keras.Input(shape=(6, 8))
a = layers.EinsumDense("abc,cd->abd", output_shape=(None, 5), bias_axes="d", activation="relu")(inputs)
heads = layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de")(inputs)
merged = layers.EinsumDense("abcd,cde->abe", output_shape=(None, 4), bias_axes="e", activation="tanh")(heads)
elided = layers.EinsumDense("...b,bc->...c", output_shape=7, bias_axes="c")(inputs)
flat = layers.EinsumDense("ab,bc->ac", output_shape=3)(layers.Flatten()(inputs))
row_bias = layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="d")(inputs)
model = keras.Model(inputs, [a, merged, elided, flat, row_bias])
"""

CASES = [
    Case("keras2_einsum_dense", EINSUM_DENSE.replace("import keras\nfrom keras import layers",
                                                     "from tensorflow import keras\nfrom tensorflow.keras import layers"),
         keras=2, files=("model.h5", "model.keras")),
    Case("keras3_einsum_dense", EINSUM_DENSE, keras=3, files=("model.weights.h5", "model.keras")),
]
