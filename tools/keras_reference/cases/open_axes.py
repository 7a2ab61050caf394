"""Open axes (None in Keras): one compiled model run at several sizes."""
from case import Case, floats, ints

TEXT = """\
from keras.models import Model
from keras.layers import Input, Embedding, LSTM, Dense

tokens = Input(shape=(None,), dtype='int32')
x = Embedding(50, 8)(tokens)
x = LSTM(16)(x)
out = Dense(3, activation='softmax')(x)
model = Model(tokens, out)
"""

IMAGES = """\
from keras.models import Model
from keras.layers import Input, Conv2D, MaxPooling2D, GlobalAveragePooling2D

image = Input(shape=(None, None, 3))
x = Conv2D(8, 3, activation='relu')(image)
x = MaxPooling2D()(x)
x = Conv2D(4, 3, strides=2, padding='same')(x)
out = GlobalAveragePooling2D()(x)
model = Model(image, out)
"""

SEQUENCES = """\
from keras.models import Model
from keras.layers import Input, Conv1D, GRU, Dense, Dropout, GlobalMaxPooling1D

frames = Input(shape=(None, 6))
x = Conv1D(5, 3, padding='causal', activation='tanh')(frames)
x = GRU(4, return_sequences=True)(x)
x = Dropout(0.5)(x)
steps = Dense(2)(x)
pooled = GlobalMaxPooling1D()(x)
model = Model(frames, [steps, pooled])
"""

CASES = [
    Case("keras2_open_text_lstm", TEXT, inputs=[ints(0, 50)], sizes=[[(1,)], [(7,)], [(50,)]],
         note="Embedding without input_length, LSTM and Dense over an open steps axis: 1, 7 and 50 steps."),
    Case("keras2_open_images", IMAGES, inputs=[floats()], sizes=[[(32, 32, 3)], [(45, 61, 3)], [(7, 9, 3)]],
         atol=1e-5, rtol=1e-4,
         note="Conv2D, MaxPooling2D, strided 'same' Conv2D and GlobalAveragePooling2D over open height and width: "
              "32x32, 45x61 and 7x9 images."),
    Case("keras2_open_sequences", SEQUENCES, inputs=[floats()], sizes=[[(1, 6)], [(7, 6)], [(30, 6)]],
         note="causal Conv1D, GRU with return_sequences, Dense over (batch, steps, units) and GlobalMaxPooling1D "
              "over an open steps axis: 1, 7 and 30 steps."),
]
