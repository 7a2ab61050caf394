"""Every layer family with weights, in every file Keras writes, from both
Kerases: one model per family and Keras version, built from the same source."""
from case import Case, floats, ints

KERAS2_FILES = ("model.h5", "weights.h5", "model.weights.h5", "model.keras", "model.json")
KERAS3_FILES = ("model.h5", "model.weights.h5", "model.keras")

CONV = """\
from keras.models import Model
from keras.layers import (Input, Conv1D, Conv2D, SeparableConv2D, DepthwiseConv2D, Conv2DTranspose,
                          BatchNormalization, MaxPooling2D, Flatten, Dense, Reshape)

image = Input(shape=(8, 8, 3))
x = Conv2D(4, 3, padding='same', activation='relu')(image)
x = BatchNormalization()(x)
x = DepthwiseConv2D(3, depth_multiplier=2, padding='same')(x)
x = SeparableConv2D(6, 3, activation='relu')(x)
x = Conv2DTranspose(5, 3, strides=2)(x)
x = BatchNormalization(center=False)(x)
x = MaxPooling2D(2)(x)
x = Conv2D(4, (2, 3), use_bias=False)(x)
x = Reshape((-1, 4))(x)
x = Conv1D(3, 2, padding='causal', dilation_rate=2)(x)
x = Flatten()(x)
out = Dense(3)(x)
model = Model(image, out)
"""

RECURRENT = """\
from keras.models import Model
from keras.layers import Input, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed, Dense, Concatenate

seq = Input(shape=(5, 3))
a = SimpleRNN(4, return_sequences=True)(seq)
b = LSTM(4, return_sequences=True)(seq)
c = GRU(4, return_sequences=True)(seq)
d = Bidirectional(LSTM(3, return_sequences=True))(seq)
e = Bidirectional(GRU(2, return_sequences=True), merge_mode='sum')(seq)
x = Concatenate()([a, b, c, d, e])
x = TimeDistributed(Dense(4, activation='tanh'))(x)
x = LSTM(3, go_backwards=True)(x)
model = Model(seq, x)
"""

TEXT = """\
from keras.models import Sequential
from keras.layers import Input, Embedding, LSTM, Dense

model = Sequential()
model.add(Input(shape=(7,), dtype='int32'))
model.add(Embedding(20, 6, mask_zero=True))
model.add(LSTM(5))
model.add(Dense(3, activation='softmax'))
"""

ATTENTION = """\
from keras.models import Model
from keras.layers import Input, Dense, Attention, AdditiveAttention, MultiHeadAttention, LayerNormalization, Add

q = Input(shape=(4, 6))
v = Input(shape=(5, 6))
a = Attention(use_scale=True)([q, v])
b = AdditiveAttention()([q, v])
c = MultiHeadAttention(num_heads=2, key_dim=3)(q, v)
x = Add()([a, b, c])
x = LayerNormalization()(x)
out = Dense(2)(x)
model = Model([q, v], out)
"""

NESTED = """\
from keras.models import Model, Sequential
from keras.layers import Input, Dense, BatchNormalization, Concatenate

encoder = Sequential([
    Dense(6, activation='relu', input_shape=(4,)),
    BatchNormalization(),
    Dense(5, activation='tanh', trainable=False),
])
inner_in = Input(shape=(5,))
head = Model(inner_in, Dense(3)(BatchNormalization()(inner_in)))

a = Input(shape=(4,))
b = Input(shape=(4,))
shared = Dense(5, activation='relu')
x = Concatenate()([encoder(a), shared(a), shared(b), encoder(b)])
x = Dense(5)(x)
model = Model([a, b], [head(x), encoder(a)])
"""


def family(name, source, note, inputs=None, atol=1e-5, rtol=1e-5):
    return [
        Case(f"keras2_{name}", source, keras=2, files=KERAS2_FILES, inputs=inputs, atol=atol, rtol=rtol,
             note=note + " tf.keras 2.15; every file it writes and tensorflowjs 4.22's conversion."),
        Case(f"keras3_{name}", source, keras=3, files=KERAS3_FILES, inputs=inputs, atol=atol, rtol=rtol,
             note=note + " Keras 3 (JAX); every file it writes."),
    ]


CASES = (
    family("conv", CONV, "Conv2D, BatchNormalization (center=False too), DepthwiseConv2D, SeparableConv2D, "
           "Conv2DTranspose, pooling, Conv1D (causal, dilated), no-bias kernels.")
    + family("recurrent", RECURRENT, "SimpleRNN, LSTM, GRU, Bidirectional (concat and sum), TimeDistributed(Dense), "
             "LSTM go_backwards.", atol=2e-5)
    + family("text", TEXT, "Embedding(mask_zero=True) into LSTM into softmax; token ids with padding.",
             inputs=[ints(1, 20, pad_tail=[0, 3])])
    + family("attention", ATTENTION, "Attention(use_scale), AdditiveAttention, MultiHeadAttention, "
             "LayerNormalization.")
    + family("nested", NESTED, "a Sequential and a functional Model nested in a functional model, a shared Dense "
             "and a shared nested model, BatchNormalization and a frozen Dense inside (their non-trainable "
             "weights after the trainable ones in Keras's HDF5 order), two outputs.")
)
