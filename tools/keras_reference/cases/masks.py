"""Masks through TimeDistributed: hierarchical sequences (documents of
sentences of words) whose padding is masked at both levels."""
from case import Case, floats, ints

MASKING_LSTM = """\
from keras.models import Model
from keras.layers import Input, Masking, TimeDistributed, LSTM, Dense

sentences = Input(shape=(4, 5, 3))
x = Masking()(sentences)
x = TimeDistributed(LSTM(6))(x)
x = LSTM(7)(x)
model = Model(sentences, Dense(3)(x))
"""

HIERARCHICAL_TEXT = """\
from keras.models import Model
from keras.layers import (Input, Embedding, TimeDistributed, Bidirectional, GRU, LSTM, SimpleRNN, Dense,
                          GlobalAveragePooling1D)

documents = Input(shape=(5, 6), dtype='int32')
words = Embedding(30, 8, mask_zero=True)(documents)
sentences = TimeDistributed(Bidirectional(GRU(4)))(words)
topic = Dense(3, activation='softmax')(LSTM(5)(sentences))
states = TimeDistributed(Bidirectional(LSTM(3, return_sequences=True), merge_mode='sum'))(words)
tagged = TimeDistributed(Dense(2))(states)
pooled = TimeDistributed(GlobalAveragePooling1D())(states)
summary = GRU(4)(pooled)
last = TimeDistributed(SimpleRNN(3, go_backwards=True))(states)
model = Model(documents, [topic, tagged, summary, last])
"""

WRAPPED_EMBEDDING = """\
from keras.models import Model
from keras.layers import Input, Embedding, TimeDistributed, LSTM, SimpleRNN, GRU

documents = Input(shape=(5, 6), dtype='int32')
words = TimeDistributed(Embedding(30, 6, mask_zero=True))(documents)
states = TimeDistributed(LSTM(4, return_sequences=True))(words)
sentences = TimeDistributed(SimpleRNN(3))(states)
model = Model(documents, GRU(4)(sentences))
"""

NESTED = """\
from keras.models import Model
from keras.layers import Input, Masking, TimeDistributed, LSTM, GRU

books = Input(shape=(3, 4, 5, 2))
x = Masking()(books)
x = TimeDistributed(TimeDistributed(LSTM(3)))(x)
x = TimeDistributed(GRU(4))(x)
model = Model(books, LSTM(2)(x))
"""

# Keras 3 passes the mask to the wrapped layer as Keras 2 does, but keeps the
# input's mask on the output (recurrent layers reduce it with `any`),
# computes none for a wrapped Embedding, and accepts wrapped layers without
# masking support.
KERAS3 = """\
from keras.models import Model
from keras.layers import (Input, Masking, Embedding, TimeDistributed, Bidirectional, LSTM, GRU, Conv1D,
                          GlobalMaxPooling1D, Dense)

frames = Input(shape=(4, 5, 3))
x = Masking()(frames)
summary = LSTM(3)(TimeDistributed(Bidirectional(GRU(4)))(x))
conv = TimeDistributed(GlobalMaxPooling1D())(TimeDistributed(Conv1D(3, 2))(x))
convolved = GRU(2)(conv)
documents = Input(shape=(4, 6), dtype='int32')
words = TimeDistributed(Embedding(20, 5, mask_zero=True))(documents)
unmasked = LSTM(2)(TimeDistributed(LSTM(3))(words))
model = Model([frames, documents], [summary, convolved, unmasked])
"""

MERGE_MASKS_KERAS3 = """import keras
from keras import layers

ids = keras.Input(shape=(7,), dtype='int32')
other = keras.Input(shape=(7,), dtype='int32')
a = layers.Embedding(20, 4, mask_zero=True)(ids)
b = layers.Embedding(20, 4, mask_zero=True)(other)
unmasked = layers.Conv1D(4, 1)(a)
either = layers.GRU(3)(layers.Add()([a, b]))
joined = layers.LSTM(3)(layers.Concatenate()([unmasked, a]))
both = layers.SimpleRNN(3)(layers.Concatenate()([a, b]))
mixed = layers.GRU(3)(layers.Subtract()([a, unmasked]))
model = keras.Model([ids, other], [either, joined, both, mixed])
"""

CONCATENATED_STEPS = """from keras.models import Model
from keras.layers import Input, Embedding, Concatenate, LSTM, GRU, Dense

first = Input(shape=(5,), dtype='int32')
second = Input(shape=(4,), dtype='int32')
embed = Embedding(20, 3, mask_zero=True)
steps = Concatenate(axis=1)([embed(first), embed(second)])
model = Model([first, second], [LSTM(4)(steps), GRU(3, return_sequences=True)(Dense(3)(steps))])
"""

# Keras 3 fills a call's mask only when the call has one tensor argument: a
# recurrent layer given initial_state runs over the padded steps too, and
# its output keeps the input's mask for the layers after it. tf.keras 2
# applies the mask.
INITIAL_STATE = """\
{imports}

source = keras.Input(shape=(6,), dtype="int32")
target = keras.Input(shape=(5,), dtype="int32")
_, h, c = layers.LSTM(8, return_state=True)(layers.Embedding(20, 4, mask_zero=True)(source))
decoded = layers.LSTM(8, return_sequences=True)(layers.Embedding(20, 4, mask_zero=True)(target), initial_state=[h, c])
frames = keras.Input(shape=(5, 3))
state = keras.Input(shape=(4,))
masked = layers.Masking()(frames)
carried = layers.GRU(4, return_sequences=True)(masked, initial_state=state)
after = layers.SimpleRNN(3)(carried)
both = layers.Bidirectional(layers.GRU(4))(masked, initial_state=[state, state])
model = keras.Model([source, target, frames, state], [layers.Dense(3)(decoded), carried, after, both])
"""

# Rescaling and Normalization pass a mask on in Keras 3 and drop it in
# tf.keras 2.
PREPROCESSED = """\
{imports}

ids = keras.Input(shape=(6,), dtype="int32")
scaled = layers.Rescaling(2.0, offset=-1.0)(layers.Embedding(20, 4, mask_zero=True)(ids))
frames = keras.Input(shape=(6, 3))
normalized = layers.Normalization(mean=[0.5, -0.2, 0.1], variance=[2.0, 0.5, 1.5])(layers.Masking()(frames))
model = keras.Model([ids, frames], [layers.GRU(3)(scaled), layers.LSTM(3)(normalized)])
"""

CASES = [
    Case("keras2_preprocessing_masks", PREPROCESSED.format(imports="from tensorflow import keras\nfrom tensorflow.keras import layers"),
         batch=4, inputs=[ints(0, 20, zero=0.2, pad_tail=[0, 2, 1, 3]), floats(zero=0.2, pad_tail=[1, 0, 3, 2])],
         atol=1e-5, rtol=1e-4,
         note="tf.keras 2.15: Rescaling after a masked Embedding and Normalization after Masking drop the mask; "
              "the GRU and LSTM after them run over every step."),
    Case("keras3_preprocessing_masks", PREPROCESSED.format(imports="import keras\nfrom keras import layers"),
         keras=3, batch=4, files=("model.keras",),
         inputs=[ints(0, 20, zero=0.2, pad_tail=[0, 2, 1, 3]), floats(zero=0.2, pad_tail=[1, 0, 3, 2])],
         atol=1e-5, rtol=1e-4,
         note="Keras 3.15: Rescaling and Normalization pass the mask on, so the GRU and LSTM skip the padded steps."),
    Case("keras2_initial_state_masks", INITIAL_STATE.format(imports="from tensorflow import keras\nfrom tensorflow.keras import layers"),
         batch=4, inputs=[ints(0, 20, zero=0.2, pad_tail=[0, 2, 1, 3]), ints(0, 20, zero=0.2, pad_tail=[1, 0, 3, 2]),
                          floats(zero=0.2, pad_tail=[0, 2, 1, 3]), floats()],
         atol=1e-5, rtol=1e-4,
         note="tf.keras 2.15: a recurrent layer called with initial_state (an encoder's states, an Input) applies its "
              "input's mask: a seq2seq decoder over padded targets, GRU and Bidirectional(GRU) after Masking."),
    Case("keras3_initial_state_masks", INITIAL_STATE.format(imports="import keras\nfrom keras import layers"),
         keras=3, batch=4, files=("model.keras",),
         inputs=[ints(0, 20, zero=0.2, pad_tail=[0, 2, 1, 3]), ints(0, 20, zero=0.2, pad_tail=[1, 0, 3, 2]),
                 floats(zero=0.2, pad_tail=[0, 2, 1, 3]), floats()],
         atol=1e-5, rtol=1e-4,
         note="Keras 3.15: the same layers called with initial_state get no mask (Layer.__call__ fills `mask` only for "
              "a call with one tensor argument) and run over the padded steps; the GRU's output keeps the Masking "
              "mask, which the SimpleRNN after it applies."),
    Case("keras2_time_distributed_masking", MASKING_LSTM, batch=3,
         inputs=[floats(zero=0.2, pad_tail=[1, 0, 2])],
         note="Masking over (batch, sentences, words, features), TimeDistributed(LSTM) with the mask reshaped to "
              "(batch * sentences, words), its output mask any() over the words, then LSTM: random masked words "
              "and whole padded sentences."),
    Case("keras2_time_distributed_text", HIERARCHICAL_TEXT, batch=3,
         inputs=[ints(0, 30, zero=0.25, pad_tail=[0, 2, 1])],
         note="A hierarchical text model: Embedding(mask_zero=True) over (documents, sentences, words), "
              "TimeDistributed Bidirectional GRU and LSTM (sum), TimeDistributed(Dense) and "
              "GlobalAveragePooling1D and backwards SimpleRNN with the words' mask; LSTM and GRU over the "
              "sentences with the mask any() over the words; padded words and padded sentences."),
    Case("keras2_time_distributed_embedding", WRAPPED_EMBEDDING, batch=3,
         inputs=[ints(0, 30, zero=0.25, pad_tail=[1, 0, 3])],
         note="TimeDistributed(Embedding(mask_zero=True)) computes the words' mask (batch, sentences, words); "
              "TimeDistributed LSTM (return_sequences) passes it on, TimeDistributed(SimpleRNN) reduces it to "
              "the sentences for a GRU."),
    Case("keras2_time_distributed_nested", NESTED, batch=3,
         inputs=[floats(zero=0.25, pad_tail=[0, 1, 2])],
         note="TimeDistributed(TimeDistributed(LSTM)) over (batch, chapters, sentences, words, features) with "
              "a Masking mask reshaped twice and reduced twice, then GRU and LSTM over the shorter axes."),
    Case("keras2_concatenate_steps_masks", CONCATENATED_STEPS, batch=4, files=("model.h5",),
         inputs=[ints(0, 20, zero=0.3, pad_tail=[0, 2, 1, 3]), ints(0, 20, zero=0.3, pad_tail=[2, 0, 3, 1])],
         note="Concatenate(axis=1) of two masked sequences joins their masks along the steps too; an LSTM and "
              "(through Dense) a GRU with return_sequences skip the padded steps of both parts."),
    Case("keras3_concatenate_steps_masks", CONCATENATED_STEPS, keras=3, batch=4, files=("model.keras",),
         inputs=[ints(0, 20, zero=0.3, pad_tail=[0, 2, 1, 3]), ints(0, 20, zero=0.3, pad_tail=[2, 0, 3, 1])],
         note="Keras 3: Concatenate(axis=1) of two masked sequences joins their masks along the steps."),
    Case("keras3_merge_masks", MERGE_MASKS_KERAS3, keras=3, batch=4, files=("model.keras",),
         inputs=[ints(0, 20, zero=0.3, pad_tail=[0, 2, 1, 3]), ints(0, 20, zero=0.3, pad_tail=[2, 0, 3, 1])],
         note="Keras 3's merge masks: Add and Concatenate of two masked inputs take the OR of their masks "
              "(tf.keras 2 the AND); with an unmasked input (Conv1D drops the mask) Subtract and Concatenate "
              "give no mask (tf.keras 2: the masked input's)."),
    Case("keras3_time_distributed_masks", KERAS3, keras=3, batch=3, files=("model.keras",),
         inputs=[floats(zero=0.2, pad_tail=[1, 0, 2]), ints(0, 20, zero=0.3, pad_tail=[0, 2, 1])],
         note="Keras 3: TimeDistributed passes the mask to a wrapped Bidirectional GRU and keeps the input's "
              "mask, which an LSTM reduces with any(); TimeDistributed(Conv1D) with a mask (Keras 2 rejects it); "
              "TimeDistributed(Embedding(mask_zero=True)) computes no mask."),
]

# keras.layers.Identity passes its input's mask on in Keras 3; tf.keras 2's
# does not support masking, so the layers after it see no mask.
IDENTITY_MASK = """\
from keras.models import Model
from keras.layers import Input, Embedding, Identity, LSTM, GlobalAveragePooling1D, Dense

tokens = Input(shape=(7,), dtype='int32')
x = Identity()(Embedding(30, 6, mask_zero=True)(tokens))
model = Model(tokens, [LSTM(4)(x), GlobalAveragePooling1D()(Dense(3)(x))])
"""

CASES += [
    Case("keras2_identity_mask", IDENTITY_MASK, keras=2, files=("model.h5",), inputs=[ints(1, 30, pad_tail=[2, 4])],
         note="Identity drops the mask of Embedding(mask_zero=True) in tf.keras 2.15: the LSTM and the pooling run "
              "over the padding."),
    Case("keras3_identity_mask", IDENTITY_MASK, keras=3, files=("model.keras",), inputs=[ints(1, 30, pad_tail=[2, 4])],
         note="Identity passes the mask on in Keras 3 (JAX): the LSTM and the pooling skip the padding."),
]
