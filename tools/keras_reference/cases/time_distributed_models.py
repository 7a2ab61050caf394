"""TimeDistributed around a whole model: the CNN of a CNN-LSTM video classifier (Sequential and functional, an
open number of frames, an application's feature extractor) and a hierarchical text encoder (a sentence model over
the sentences of a document)."""
from case import Case, floats, ints

CNN_LSTM = """\
{imports}

frame_cnn = keras.Sequential([
    layers.Conv2D(8, 3, activation='relu', input_shape=(12, 12, 3)),
    layers.BatchNormalization(),
    layers.MaxPooling2D(),
    layers.Conv2D(6, 3, padding='same', activation='relu'),
    layers.Dropout(0.25),
    layers.Flatten(),
    layers.Dense(16, activation='relu'),
])
model = keras.Sequential([
    layers.TimeDistributed(frame_cnn, input_shape=(5, 12, 12, 3)),
    layers.LSTM(12),
    layers.Dense(4, activation='softmax'),
])
"""

FUNCTIONAL = """\
{imports}

image = keras.Input(shape=(10, 10, 2))
a = layers.Conv2D(6, 3, padding='same', activation='relu')(image)
b = layers.Conv2D(6, 1)(image)
x = layers.Add()([a, b])
x = layers.Conv2D(5, 3, strides=2, data_format='channels_last')(x)
features = layers.GlobalAveragePooling2D()(x)
encoder = keras.Model(image, features, name='frame_encoder')

clips = keras.Input(shape=(None, 10, 10, 2))
other = keras.Input(shape=(3, 10, 10, 2))
shared = layers.TimeDistributed(encoder)
per_frame = shared(clips)
other_frames = shared(other)
summary = layers.GRU(7)(per_frame)
pooled = layers.GlobalAveragePooling1D()(other_frames)
dense_steps = layers.TimeDistributed(layers.Dense(3))(per_frame)
model = keras.Model([clips, other], [summary, pooled, dense_steps])
"""

APPLICATION = """\
{imports}

base = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, include_top=False, weights=None,
                                      pooling='avg')
base.trainable = False
frames = keras.Input(shape=(3, 32, 32, 3))
x = layers.TimeDistributed(base)(frames)
x = layers.LSTM(8)(x)
outputs = layers.Dense(2)(x)
model = keras.Model(frames, outputs)
"""

HIERARCHICAL = """\
{imports}

words = keras.Input(shape=(7,), dtype='int32')
x = layers.Embedding(50, 8)(words)
x = layers.Bidirectional(layers.GRU(5, return_sequences=True))(x)
x = layers.Dense(6, activation='tanh')(x)
sentence = layers.GlobalMaxPooling1D()(x)
sentence_encoder = keras.Model(words, sentence)

document = keras.Input(shape=(4, 7), dtype='int32')
sentences = layers.TimeDistributed(sentence_encoder)(document)
y = layers.Bidirectional(layers.LSTM(4))(sentences)
model = keras.Model(document, layers.Dense(3, activation='softmax')(y))
"""

MASKED_WORDS = """\
{imports}

words = keras.Input(shape=(6,), dtype='int32')
x = layers.Embedding(40, 8, mask_zero=True)(words)
x = layers.GRU(5, return_sequences=True)(x)
sentence = layers.LSTM(4)(x)
sentence_encoder = keras.Model(words, sentence)

document = keras.Input(shape=(None, 6), dtype='int32')
sentences = layers.TimeDistributed(sentence_encoder)(document)
model = keras.Model(document, layers.GRU(3)(sentences))
"""

KERAS2 = "from tensorflow import keras\nfrom tensorflow.keras import layers"
KERAS3 = "import keras\nfrom keras import layers"
KERAS2_FILES = ("weights.h5", "model.h5", "model.json")
KERAS3_FILES = ("model.weights.h5", "model.keras")

CASES = []
for version, imports, files in ((2, KERAS2, KERAS2_FILES), (3, KERAS3, KERAS3_FILES)):
    CASES += [
        Case(f"keras{version}_td_model_cnn_lstm", CNN_LSTM.format(imports=imports), keras=version, files=files,
             note="TimeDistributed(Sequential CNN) into an LSTM (the CNN-LSTM video pattern): Conv2D, "
                  "BatchNormalization, pooling, Dropout, Flatten and Dense on every frame; the CNN's weights under "
                  "the wrapper"),
        Case(f"keras{version}_td_model_functional", FUNCTIONAL.format(imports=imports), keras=version, files=files,
             sizes=[[(5, 10, 10, 2), (3, 10, 10, 2)], [(2, 10, 10, 2), (3, 10, 10, 2)]],
             note="TimeDistributed(functional model with a residual Add) shared by two inputs, one with an open "
                  "number of frames; a TimeDistributed(Dense) on its output"),
        Case(f"keras{version}_td_model_application", APPLICATION.format(imports=imports), keras=version,
             files=files[1:2], atol=1e-4, rtol=1e-4,
             note="TimeDistributed(MobileNetV2(include_top=False, pooling='avg')), frozen (base.trainable = "
                  "False, as for transfer learning): an application's feature extractor on every frame (batch "
                  "normalization statistics included)"),
        Case(f"keras{version}_td_model_hierarchical", HIERARCHICAL.format(imports=imports), keras=version,
             files=files, inputs=[ints(1, 50)],
             note="TimeDistributed(sentence encoder) over a document's sentences (a hierarchical text model): "
                  "token ids through Embedding, Bidirectional(GRU), Dense, GlobalMaxPooling1D per sentence"),
        Case(f"keras{version}_td_model_masked_words", MASKED_WORDS.format(imports=imports), keras=version,
             files=files, inputs=[ints(1, 40, zero=0.4)], sizes=[[(3, 6)], [(1, 6)]],
             note="TimeDistributed(sentence encoder) whose Embedding(mask_zero=True) masks padding words for the "
                  "recurrent layers inside, over an open number of sentences"),
    ]
