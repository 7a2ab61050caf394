"""Masks through custom layers that call other layers and through nested
models, as Keras passes them:
compute_mask() makes the mask of the layer's output, call(mask=...) receives
its input's, supports_masking passes it on, and inside call() the input
carries its mask to the sublayers (an LSTM or MultiHeadAttention reads it
without being given it); a nested model passes its input's mask on through
layers that support masking, and gives its outputs the masks made inside.
Token ids with padding at the end of a sample."""

from case import Case, ints

# Deep Learning with Python (2nd edition), chapter 11: the Transformer
# encoder on a positional embedding whose compute_mask() marks padding, as
# published (smaller sizes, a fixed sequence length).
CHOLLET_TRANSFORMER = '''\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

class TransformerEncoder(layers.Layer):
    def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.dense_dim = dense_dim
        self.num_heads = num_heads
        self.attention = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim)
        self.dense_proj = keras.Sequential(
            [layers.Dense(dense_dim, activation="relu"),
             layers.Dense(embed_dim),]
        )
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = mask[:, tf.newaxis, :]
        attention_output = self.attention(
            inputs, inputs, attention_mask=mask)
        proj_input = self.layernorm_1(inputs + attention_output)
        proj_output = self.dense_proj(proj_input)
        return self.layernorm_2(proj_input + proj_output)

class PositionalEmbedding(layers.Layer):
    def __init__(self, sequence_length, input_dim, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_embeddings = layers.Embedding(
            input_dim=input_dim, output_dim=output_dim)
        self.position_embeddings = layers.Embedding(
            input_dim=sequence_length, output_dim=output_dim)
        self.sequence_length = sequence_length
        self.input_dim = input_dim
        self.output_dim = output_dim

    def call(self, inputs):
        length = tf.shape(inputs)[-1]
        positions = tf.range(start=0, limit=length, delta=1)
        embedded_tokens = self.token_embeddings(inputs)
        embedded_positions = self.position_embeddings(positions)
        return embedded_tokens + embedded_positions

    def compute_mask(self, inputs, mask=None):
        return tf.math.not_equal(inputs, 0)

vocab_size = 50
sequence_length = 12
embed_dim = 8
num_heads = 2
dense_dim = 16

inputs = keras.Input(shape=(sequence_length,), dtype="int64")
x = PositionalEmbedding(sequence_length, vocab_size, embed_dim)(inputs)
x = TransformerEncoder(embed_dim, dense_dim, num_heads)(x)
x = layers.GlobalMaxPooling1D()(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, [outputs, x])
'''

# keras.io "English-to-Spanish translation with a sequence-to-sequence
# Transformer" (Keras 3): the encoder passes the mask on (supports_masking)
# and casts it for attention_mask; a masked average after it.
KERAS_IO_ENCODER = '''\
import keras
from keras import layers
from keras import ops


class TransformerEncoder(layers.Layer):
    def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.dense_dim = dense_dim
        self.num_heads = num_heads
        self.attention = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim
        )
        self.dense_proj = keras.Sequential(
            [
                layers.Dense(dense_dim, activation="relu"),
                layers.Dense(embed_dim),
            ]
        )
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            padding_mask = ops.cast(mask[:, None, :], dtype="int32")
        else:
            padding_mask = None

        attention_output = self.attention(
            query=inputs, value=inputs, key=inputs, attention_mask=padding_mask
        )
        proj_input = self.layernorm_1(inputs + attention_output)
        proj_output = self.dense_proj(proj_input)
        return self.layernorm_2(proj_input + proj_output)


class PositionalEmbedding(layers.Layer):
    def __init__(self, sequence_length, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_embeddings = layers.Embedding(
            input_dim=vocab_size, output_dim=embed_dim
        )
        self.position_embeddings = layers.Embedding(
            input_dim=sequence_length, output_dim=embed_dim
        )
        self.sequence_length = sequence_length
        self.vocab_size = vocab_size
        self.embed_dim = embed_dim

    def call(self, inputs):
        length = ops.shape(inputs)[-1]
        positions = ops.arange(0, length, 1)
        embedded_tokens = self.token_embeddings(inputs)
        embedded_positions = self.position_embeddings(positions)
        return embedded_tokens + embedded_positions

    def compute_mask(self, inputs, mask=None):
        return ops.not_equal(inputs, 0)


sequence_length = 10
encoder_inputs = keras.Input(shape=(sequence_length,), dtype="int64", name="encoder_inputs")
x = PositionalEmbedding(sequence_length, 40, 8)(encoder_inputs)
encoder_outputs = TransformerEncoder(8, 16, 2)(x)
pooled = layers.GlobalAveragePooling1D()(encoder_outputs)
model = keras.Model(encoder_inputs, [encoder_outputs, pooled])
'''

# A block with no mask argument on a masked embedding: the LSTM and the
# attention inside read the mask their input carries; the block's own
# output has none (it neither computes nor passes one).
IMPLICIT = '''\
import keras
from keras import layers


class RecurrentBlock(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.rnn = layers.LSTM(units, return_sequences=True)
        self.att = layers.MultiHeadAttention(num_heads=2, key_dim=4)
        self.norm = layers.LayerNormalization()

    def call(self, inputs):
        x = self.rnn(inputs)
        return self.norm(x + self.att(x, x))


inputs = keras.Input(shape=(9,))
x = layers.Embedding(30, 8, mask_zero=True)(inputs)
x = RecurrentBlock(8)(x)
outputs = layers.GlobalAveragePooling1D()(x)
model = keras.Model(inputs, [x, outputs])
'''

# A nested Sequential between a masked embedding and an LSTM passes the mask
# on; a nested text encoder's own Embedding(mask_zero=True) masks the LSTM
# after it.
NESTED = '''\
from tensorflow import keras
from tensorflow.keras import layers

projection = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dropout(0.1), layers.LayerNormalization()])
text_encoder = keras.Sequential([layers.Embedding(30, 6, mask_zero=True), layers.Dense(6)])

tokens = keras.Input(shape=(9,), dtype="int32")
x = layers.Embedding(30, 8, mask_zero=True)(tokens)
x = projection(x)
a = layers.LSTM(5)(x)
b = layers.GRU(4)(text_encoder(tokens))
model = keras.Model(tokens, [a, b])
'''

# Deep Learning with Python (2nd edition), chapter 11: the sequence-to-
# sequence Transformer as published (its encoder, positional embeddings and
# decoder, whose call() takes the encoder's outputs and the mask, makes a
# causal mask with tf.range/tf.reshape/tf.tile, and passes the mask on),
# with smaller sizes and a fixed sequence length.
CHOLLET_SEQ2SEQ = '''\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
sequence_length = 10
vocab_size = 40
class TransformerEncoder(layers.Layer):
    def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.dense_dim = dense_dim
        self.num_heads = num_heads
        self.attention = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim)
        self.dense_proj = keras.Sequential(
            [layers.Dense(dense_dim, activation="relu"),
             layers.Dense(embed_dim),]
        )
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = mask[:, tf.newaxis, :]
        attention_output = self.attention(
            inputs, inputs, attention_mask=mask)
        proj_input = self.layernorm_1(inputs + attention_output)
        proj_output = self.dense_proj(proj_input)
        return self.layernorm_2(proj_input + proj_output)

    def get_config(self):
        config = super().get_config()
        config.update({
            "embed_dim": self.embed_dim,
            "num_heads": self.num_heads,
            "dense_dim": self.dense_dim,
        })
        return config
class PositionalEmbedding(layers.Layer):
    def __init__(self, sequence_length, input_dim, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_embeddings = layers.Embedding(
            input_dim=input_dim, output_dim=output_dim)
        self.position_embeddings = layers.Embedding(
            input_dim=sequence_length, output_dim=output_dim)
        self.sequence_length = sequence_length
        self.input_dim = input_dim
        self.output_dim = output_dim

    def call(self, inputs):
        length = tf.shape(inputs)[-1]
        positions = tf.range(start=0, limit=length, delta=1)
        embedded_tokens = self.token_embeddings(inputs)
        embedded_positions = self.position_embeddings(positions)
        return embedded_tokens + embedded_positions

    def compute_mask(self, inputs, mask=None):
        return tf.math.not_equal(inputs, 0)

    def get_config(self):
        config = super(PositionalEmbedding, self).get_config()
        config.update({
            "output_dim": self.output_dim,
            "sequence_length": self.sequence_length,
            "input_dim": self.input_dim,
        })
        return config
from tensorflow import keras
class TransformerDecoder(layers.Layer):
    def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.dense_dim = dense_dim
        self.num_heads = num_heads
        self.attention_1 = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim)
        self.attention_2 = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim)
        self.dense_proj = keras.Sequential(
            [layers.Dense(dense_dim, activation="relu"),
             layers.Dense(embed_dim),]
        )
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()
        self.layernorm_3 = layers.LayerNormalization()
        self.supports_masking = True

    def get_config(self):
        config = super().get_config()
        config.update({
            "embed_dim": self.embed_dim,
            "num_heads": self.num_heads,
            "dense_dim": self.dense_dim,
        })
        return config

    def get_causal_attention_mask(self, inputs):
        input_shape = tf.shape(inputs)
        batch_size, sequence_length = input_shape[0], input_shape[1]
        i = tf.range(sequence_length)[:, tf.newaxis]
        j = tf.range(sequence_length)
        mask = tf.cast(i >= j, dtype="int32")
        mask = tf.reshape(mask, (1, input_shape[1], input_shape[1]))
        mult = tf.concat(
            [tf.expand_dims(batch_size, -1),
             tf.constant([1, 1], dtype=tf.int32)], axis=0)
        return tf.tile(mask, mult)

    def call(self, inputs, encoder_outputs, mask=None):
        causal_mask = self.get_causal_attention_mask(inputs)
        if mask is not None:
            padding_mask = tf.cast(
                mask[:, tf.newaxis, :], dtype="int32")
            padding_mask = tf.minimum(padding_mask, causal_mask)
        attention_output_1 = self.attention_1(
            query=inputs,
            value=inputs,
            key=inputs,
            attention_mask=causal_mask)
        attention_output_1 = self.layernorm_1(inputs + attention_output_1)
        attention_output_2 = self.attention_2(
            query=attention_output_1,
            value=encoder_outputs,
            key=encoder_outputs,
            attention_mask=padding_mask,
        )
        attention_output_2 = self.layernorm_2(
            attention_output_1 + attention_output_2)
        proj_output = self.dense_proj(attention_output_2)
        return self.layernorm_3(attention_output_2 + proj_output)
embed_dim = 8
dense_dim = 16
num_heads = 2

encoder_inputs = keras.Input(shape=(sequence_length,), dtype="int64", name="english")
x = PositionalEmbedding(sequence_length, vocab_size, embed_dim)(encoder_inputs)
encoder_outputs = TransformerEncoder(embed_dim, dense_dim, num_heads)(x)

decoder_inputs = keras.Input(shape=(sequence_length,), dtype="int64", name="spanish")
x = PositionalEmbedding(sequence_length, vocab_size, embed_dim)(decoder_inputs)
x = TransformerDecoder(embed_dim, dense_dim, num_heads)(x, encoder_outputs)
x = layers.Dropout(0.5)(x)
decoder_outputs = layers.Dense(vocab_size, activation="softmax")(x)
transformer = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
'''

# Hands-on Machine Learning (3rd edition), chapter 16: a mask made by hand
# and given to the GRU's call; a pooling layer given another one, over a
# masked embedding whose own mask it replaces; an LSTM given mask=None.
EXPLICIT = '''\
import tensorflow as tf

inputs = tf.keras.layers.Input(shape=[10], dtype="int32")
mask = tf.math.not_equal(inputs, 0)
Z = tf.keras.layers.Embedding(40, 6)(inputs)
Z = tf.keras.layers.GRU(5, dropout=0.2)(Z, mask=mask)
outputs = tf.keras.layers.Dense(1, activation="sigmoid")(Z)
E = tf.keras.layers.Embedding(40, 4, mask_zero=True)(inputs)
pooled = tf.keras.layers.GlobalAveragePooling1D()(E, mask=tf.math.greater(inputs, 20))
unmasked = tf.keras.layers.LSTM(3)(E, mask=None)  # tf.keras 2: no mask; Keras 3: E's
model = tf.keras.Model(inputs=[inputs], outputs=[outputs, pooled, unmasked])
'''

PADDED = [ints(1, 50, pad_tail=[5, 0, 11])]

CASES = [
    Case("keras2_chollet_transformer_mask", CHOLLET_TRANSFORMER, keras=2, files=("weights.h5",), inputs=PADDED, batch=3,
         note="Chollet's PositionalEmbedding.compute_mask and TransformerEncoder.call(mask=...)"),
    Case("keras2_chollet_seq2seq_mask", CHOLLET_SEQ2SEQ, keras=2, files=("weights.h5",),
         inputs=[ints(1, 40, pad_tail=[4, 0, 7]), ints(1, 40, pad_tail=[2, 6, 0])], batch=3,
         note="Chollet's TransformerDecoder(x, encoder_outputs): call(mask=...), causal mask, supports_masking"),
    Case("keras2_explicit_call_mask", EXPLICIT, keras=2, files=("weights.h5",),
         inputs=[ints(1, 40, pad_tail=[4, 0, 9])], batch=3, note="mask= given to a GRU's and a pooling layer's call"),
    Case("keras3_explicit_call_mask", EXPLICIT.replace("import tensorflow as tf", "import keras\nfrom keras import ops")
         .replace("tf.keras.", "keras.").replace("tf.math.not_equal", "ops.not_equal").replace("tf.math.greater", "ops.greater"),
         keras=3, files=("model.weights.h5",), inputs=[ints(1, 40, pad_tail=[4, 0, 9])], batch=3,
         note="mask= given to a GRU's and a pooling layer's call"),
    Case("keras2_chollet_transformer_open", CHOLLET_TRANSFORMER.replace(
        'keras.Input(shape=(sequence_length,), dtype="int64")', 'keras.Input(shape=(None,), dtype="int64")'),
         keras=2, files=("weights.h5",), inputs=[ints(1, 50, pad_tail=[3, 0, 2])], batch=3,
         sizes=[[(12,)], [(7,)], [(4,)]],
         note="the same over variable-length sequences, as published: tf.range(tf.shape(inputs)[-1]) positions"),
    Case("keras3_keras_io_encoder_open", KERAS_IO_ENCODER.replace(
        'keras.Input(shape=(sequence_length,), dtype="int64"', 'keras.Input(shape=(None,), dtype="int64"'),
         keras=3, files=("model.weights.h5",), inputs=[ints(1, 40, pad_tail=[3, 0, 2])], batch=3,
         sizes=[[(10,)], [(6,)], [(3,)]],
         note="keras.io's encoder over variable-length sequences: ops.arange(ops.shape(inputs)[-1])"),
    Case("keras3_keras_io_encoder_mask", KERAS_IO_ENCODER, keras=3, files=("model.weights.h5",),
         inputs=[ints(1, 40, pad_tail=[4, 0, 9])], batch=3,
         note="supports_masking passes the mask to a masked GlobalAveragePooling1D"),
    Case("keras2_nested_model_masks", NESTED, keras=2, files=("model.h5", "weights.h5"),
         inputs=[ints(1, 30, pad_tail=[3, 0, 7])], batch=3,
         note="masks through a nested Sequential, and made inside one"),
    Case("keras3_nested_model_masks", NESTED.replace("from tensorflow import keras\nfrom tensorflow.keras import layers",
                                                     "import keras\nfrom keras import layers"),
         keras=3, files=("model.keras",), inputs=[ints(1, 30, pad_tail=[3, 0, 7])], batch=3,
         note="masks through a nested Sequential, and made inside one"),
    Case("keras2_implicit_inner_mask", IMPLICIT.replace("import keras\nfrom keras import layers", "from tensorflow import keras\nfrom tensorflow.keras import layers"),
         keras=2, files=("weights.h5",), inputs=[ints(1, 30, pad_tail=[3, 0, 7])], batch=3,
         note="sublayers read the mask their input carries inside call()"),
    Case("keras3_implicit_inner_mask", IMPLICIT, keras=3, files=("model.weights.h5",),
         inputs=[ints(1, 30, pad_tail=[3, 0, 7])], batch=3,
         note="sublayers read the mask their input carries inside call()"),
]
