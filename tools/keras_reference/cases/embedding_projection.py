"""Embedding straight into SimpleRNN, LSTM and GRU: kilnc multiplies the
table by the recurrent layer's input kernel at build time (the layer then
reads each step's projection from the table), so these cover every cell,
with and without a mask, a dropout between, unit counts that leave partial
blocks, Bidirectional (both directions' projections in one row) and an open
number of steps."""
from case import Case, ints

TEXT = """\
{imports}

ids = keras.Input(shape=(None,), dtype="int32")
masked = layers.Embedding(40, 6, mask_zero=True)(ids)
backwards = layers.LSTM(20, go_backwards=True)(layers.SpatialDropout1D(0.3)(masked))
tagged = layers.GRU(19, reset_after=False, return_sequences=True)(layers.Embedding(40, 7, mask_zero=True)(ids))
plain = layers.Dropout(0.2)(layers.Embedding(40, 5)(ids))
summary = layers.GRU(17)(plain)
relu = layers.SimpleRNN(3, activation="relu", return_sequences=True)(layers.Embedding(40, 4)(ids))
both = layers.Bidirectional(layers.LSTM(12, return_sequences=True))(layers.Embedding(40, 6, mask_zero=True)(ids))
pair = layers.Bidirectional(layers.GRU(9), backward_layer=layers.GRU(7, go_backwards=True))(layers.Embedding(40, 5)(ids))
model = keras.Model(ids, [backwards, tagged, summary, relu, both, pair])
"""

IMPORTS2 = "from tensorflow import keras\nfrom tensorflow.keras import layers"
IMPORTS3 = "import keras\nfrom keras import layers"

CASES = [
    Case("keras2_embedding_projection", TEXT.format(imports=IMPORTS2), keras=2, batch=4, files=("model.h5",),
         inputs=[ints(0, 40, zero=0.2, pad_tail=[0, 3, 1, 2])], sizes=[[(9,)], [(4,)]],
         note="Embedding into LSTM (go_backwards, through SpatialDropout1D, masked), GRU(reset_after=False, "
              "masked, return_sequences), GRU (through Dropout), SimpleRNN(relu), Bidirectional(LSTM) (masked) and Bidirectional(GRU) "
              "with a backward_layer of other units, over 9 and 4 steps; "
              "tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_embedding_projection", TEXT.format(imports=IMPORTS3), keras=3, batch=4, files=("model.keras",),
         inputs=[ints(0, 40, zero=0.2, pad_tail=[0, 3, 1, 2])], sizes=[[(9,)], [(4,)]],
         note="The same in Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
]
