"""Keras 3 computes masks with ops on KerasTensors (Embedding's not_equal,
Masking's any(not_equal), Concatenate's ones_like/expand_dims/concatenate/any,
Add's logical_or, Attention's convert_to_tensor). Each op is a node of the
functional graph, so it moves the depths of the layers before it, and with
them model.layers, the order that names a layer's weights in Keras 3's files
(layers/dense_1/vars). tf.keras 2 records no such nodes. Layers of one class
and one shape then meet their weights in another order in each version."""
from case import Case, floats, ints

MASK_OP_ORDER = """\
import keras
from keras import layers

tokens = keras.Input(shape=(6,), dtype="int32")
words = keras.Input(shape=(6,), dtype="int32")
frames = keras.Input(shape=(6, 3))
extra = keras.Input(shape=(6, 3))
# A Concatenate of an unmasked and a masked embedding into a GRU.
plain = layers.Embedding(20, 4)(tokens)
masked = layers.Embedding(20, 4, mask_zero=True)(words)
joined = layers.GRU(5)(layers.Concatenate()([plain, masked]))
# A Dense branch beside a Masking branch, joined into an LSTM.
direct = layers.Dense(4)(frames)
padded = layers.Dense(4)(layers.Masking()(extra))
both = layers.LSTM(5)(layers.Concatenate()([direct, padded]))
# Add of two masked branches: Masking before one Dense chain, after the other.
first = layers.Dense(4)(layers.Dense(4)(layers.Masking()(frames)))
second = layers.Masking()(layers.Dense(4)(extra))
summed = layers.GRU(5)(layers.Add()([first, second]))
# Attention passes its query's mask on through convert_to_tensor.
query = layers.Dense(4)(layers.Masking()(extra))
attended = layers.SimpleRNN(5)(layers.Attention()([query, layers.Dense(4)(frames)]))
model = keras.Model([tokens, words, frames, extra], [joined, both, summed, attended])
"""

INPUTS = [ints(0, 20, zero=0.2), ints(0, 20, zero=0.2, pad_tail=[0, 2]), floats(zero=0.2, pad_tail=[1, 0]),
          floats(zero=0.2, pad_tail=[2, 1])]

CASES = [
    Case("keras2_mask_op_order", MASK_OP_ORDER, keras=2, files=("model.keras", "model.h5"), inputs=INPUTS,
         atol=1e-5, rtol=1e-4,
         note="Masked branches joined by Concatenate, Add and Attention into recurrent layers; tf.keras 2.15, whose "
              "layer order has no mask ops."),
    Case("keras3_mask_op_order", MASK_OP_ORDER, keras=3, files=("model.keras", "model.weights.h5"), inputs=INPUTS,
         atol=1e-5, rtol=1e-4,
         note="The same in Keras 3 (JAX), whose layer order counts the ops that compute masks: the Embedding and "
              "Dense layers meet their weights in another order than in tf.keras 2."),
]
