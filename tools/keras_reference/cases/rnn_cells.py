"""RNN(cell): Keras's generic recurrent layer over SimpleRNNCell, LSTMCell
and GRUCell, as keras.io's RNN guide writes it, with masks, states,
go_backwards and a Bidirectional wrapper."""
from case import Case, floats, ints

CELLS = """\
{imports}

tokens = keras.Input(shape=(9,), dtype="int32")
x = layers.Embedding(30, 6, mask_zero=True)(tokens)
x = layers.RNN(layers.LSTMCell(8, recurrent_activation="hard_sigmoid"), return_sequences=True)(x)
x = layers.Bidirectional(layers.RNN(layers.GRUCell(5{gru}), return_sequences=True))(x)
x, state = layers.RNN(layers.SimpleRNNCell(4, activation="relu"), return_state=True, go_backwards=True)(x)
sequence = keras.Input(shape=(None, 3))
y = layers.RNN(layers.LSTMCell(6, use_bias=False, unit_forget_bias=False))(sequence)
outputs = layers.Dense(2)(layers.Concatenate()([x, state, y]))
model = keras.Model([tokens, sequence], outputs)
"""

CASES = [
    Case("keras2_rnn_cells", CELLS.format(imports="from tensorflow import keras\nfrom tensorflow.keras import layers",
                                          gru=", reset_after=False"),
         keras=2, files=("model.h5", "weights.h5"),
         inputs=[ints(0, 30, zero=0.25, pad_tail=[0, 3]), floats(-1, 1)], sizes=[[(9,), (5, 3)], [(9,), (2, 3)]],
         note="RNN over LSTMCell (hard_sigmoid gates), GRUCell (reset_after=False) in Bidirectional, "
              "SimpleRNNCell (relu, go_backwards, return_state) after a mask, and an LSTMCell without bias over an "
              "open number of steps; tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_rnn_cells", CELLS.format(imports="import keras\nfrom keras import layers", gru=""),
         keras=3, files=("model.weights.h5", "model.keras"),
         inputs=[ints(0, 30, zero=0.25, pad_tail=[0, 3]), floats(-1, 1)], sizes=[[(9,), (5, 3)], [(9,), (2, 3)]],
         note="The same in Keras 3 (GRUCell with reset_after=True); Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
]

# Keras's StackedRNNCells, as the RNN docs write it: a list of cells, or
# StackedRNNCells([...]); a mask with go_backwards, the same cell class twice
# (Keras 3 saves them as lstm_cell and lstm_cell_1) and a Bidirectional copy.
STACKED = """\
{imports}

tokens = keras.Input(shape=(9,), dtype="int32")
x = layers.Embedding(30, 6, mask_zero=True)(tokens)
cells = [layers.LSTMCell(8), layers.GRUCell(5{gru}), layers.LSTMCell(4)]
x = layers.RNN(cells, return_sequences=True, go_backwards=True)(x)
x = layers.Bidirectional(layers.RNN(layers.StackedRNNCells([layers.SimpleRNNCell(3), layers.GRUCell(4{gru})])))(x)
sequence = keras.Input(shape=(None, 3))
y = layers.RNN([layers.LSTMCell(6) for _ in range(2)])(sequence)
outputs = layers.Dense(2)(layers.Concatenate()([x, y]))
model = keras.Model([tokens, sequence], outputs)
"""

CASES += [
    Case("keras2_stacked_cells", STACKED.format(imports="from tensorflow import keras\nfrom tensorflow.keras import layers",
                                                gru=", reset_after=False"),
         keras=2, files=("model.h5", "weights.h5", "model.keras"),
         inputs=[ints(0, 30, zero=0.25, pad_tail=[0, 3]), floats(-1, 1)], sizes=[[(9,), (5, 3)], [(9,), (2, 3)]],
         note="RNN over stacked cells: three cells (two LSTMCells, a GRUCell with reset_after=False) backwards "
              "after a mask, StackedRNNCells in Bidirectional, a list comprehension of LSTMCells over an open "
              "number of steps; tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_stacked_cells", STACKED.format(imports="import keras\nfrom keras import layers", gru=""),
         keras=3, files=("model.weights.h5", "model.keras"),
         inputs=[ints(0, 30, zero=0.25, pad_tail=[0, 3]), floats(-1, 1)], sizes=[[(9,), (5, 3)], [(9,), (2, 3)]],
         note="The same in Keras 3 (GRUCell with reset_after=True); Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
]

# Custom cells: the MinimalRNNCell of Keras's RNN docs (one state, after a
# mask, backwards), a gated cell with two states (state_size a list),
# started from initial_state over an open number of steps, and with
# zero_output_for_mask over the masked sequence, and both stacked with a
# GRUCell, backwards (over the mask in tf.keras 2; Keras 3.15's JAX loop
# fails on a masked stack whose last output differs from its first state);
# a Bidirectional copy (Keras builds the backward one from the registered
# class's config), and one in TimeDistributed.
CUSTOM = """\
{imports}


@keras.saving.register_keras_serializable()
class MinimalRNNCell(keras.layers.Layer):

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer='uniform',
                                      name='kernel')
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            initializer='uniform',
            name='recurrent_kernel')
        self.built = True

    def call(self, inputs, states):
        prev_output = states[0]
        h = {ops}.matmul(inputs, self.kernel)
        output = h + {ops}.matmul(prev_output, self.recurrent_kernel)
        return output, [output]


class GatedCell(keras.layers.Layer):

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = [units, units]

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2 * self.units), initializer="glorot_uniform", name="w")
        self.u = self.add_weight(shape=(self.units, 2 * self.units), initializer="orthogonal", name="u")
        self.b = self.add_weight(shape=(2 * self.units,), initializer="random_normal", name="b")

    def call(self, inputs, states):
        h, c = states
        z = {ops}.matmul(inputs, self.w) + {ops}.matmul(h, self.u) + self.b
        gate = {ops}.sigmoid(z[:, :self.units])
        c = gate * c + (1 - gate) * {ops}.tanh(z[:, self.units:])
        h = {ops}.tanh(c)
        return h, [h, c]


tokens = keras.Input(shape=(9,), dtype="int32")
x = layers.Embedding(30, 6, mask_zero=True)(tokens)
x = layers.RNN(MinimalRNNCell(8), return_sequences=True, go_backwards=True)(x)
start = layers.Dense(5)(layers.GlobalAveragePooling1D()(x))
sequence = keras.Input(shape=(None, 3))
y, h, c = layers.RNN(GatedCell(5), return_state=True)(sequence, initial_state=[start, start])
z = layers.RNN(GatedCell(4), return_sequences=True, zero_output_for_mask=True)(x)
w = layers.RNN([MinimalRNNCell(6), layers.GRUCell(4), GatedCell(3)], go_backwards=True)({stacked_input})
v = layers.Bidirectional(layers.RNN(MinimalRNNCell(2), return_sequences=True))(sequence)
frames = layers.Reshape((3, 3, 4))(layers.Embedding(30, 4)(tokens))
u = layers.TimeDistributed(layers.RNN(MinimalRNNCell(2)))(frames)
model = keras.Model([tokens, sequence], [layers.Concatenate()([y, c, w]), z, v, u])
"""

CASES += [
    Case("keras2_custom_cells", CUSTOM.format(imports="import tensorflow as tf\nfrom tensorflow import keras\n"
                                                      "from tensorflow.keras import layers", ops="tf", stacked_input="x"),
         keras=2, files=("weights.h5",),
         inputs=[ints(0, 30, zero=0.25, pad_tail=[0, 3]), floats(-1, 1)], sizes=[[(9,), (5, 3)], [(9,), (2, 3)]],
         note="RNN over custom cells: the RNN docs' MinimalRNNCell after a mask, backwards; a gated cell with two "
              "states from initial_state over an open number of steps, and with zero_output_for_mask; "
              "both stacked with a GRUCell; "
              "tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_custom_cells", CUSTOM.format(imports="import keras\nfrom keras import layers, ops", ops="ops",
                                              stacked_input="sequence"),
         keras=3, files=("model.weights.h5",),
         inputs=[ints(0, 30, zero=0.25, pad_tail=[0, 3]), floats(-1, 1)], sizes=[[(9,), (5, 3)], [(9,), (2, 3)]],
         note="The same in Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
]

# tf.keras 2's AbstractRNNCell, as its docstring writes a cell: state_size a
# property, the new state returned as a tensor.
ABSTRACT = """\
import tensorflow as tf
from tensorflow import keras


class MinimalRNNCell(tf.keras.layers.AbstractRNNCell):

    def __init__(self, units, **kwargs):
        self.units = units
        super(MinimalRNNCell, self).__init__(**kwargs)

    @property
    def state_size(self):
        return self.units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer='uniform',
                                      name='kernel')
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            initializer='uniform',
            name='recurrent_kernel')
        self.built = True

    def call(self, inputs, states):
        prev_output = states[0]
        h = keras.backend.dot(inputs, self.kernel)
        output = h + keras.backend.dot(prev_output, self.recurrent_kernel)
        return output, output


x = keras.Input((None, 5))
y = keras.layers.RNN(MinimalRNNCell(4), return_sequences=True)(x)
model = keras.Model(x, y)
"""

CASES += [
    Case("keras2_abstract_rnn_cell", ABSTRACT, keras=2, files=("weights.h5",), inputs=[floats(-1, 1)],
         sizes=[[(6, 5)], [(2, 5)]],
         note="AbstractRNNCell's docstring cell (state_size a property) over an open number of steps; tf.keras 2.15.",
         atol=1e-5, rtol=1e-4),
]
