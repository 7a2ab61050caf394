"""keras.io's decoders whose causal attention mask is a constant tiled to the
batch: tf.tile(mask, mult) with mult = tf.concat([tf.expand_dims(batch_size,
-1), tf.constant([1, 1], dtype=tf.int32)], 0), batch_size taken from
tf.shape(inputs)[0]. The model code as published, smaller sizes. The Keras 3
version (ops.tile, ops.concatenate, ops.convert_to_tensor) runs in neither
Keras 3.15 backend (JAX cannot tile by a size it traces; TensorFlow's
ops.tile iterates over the symbolic repeats): the lit test
paste/miniature-gpt.kiln builds it, with Keras's parameter counts."""
from case import Case, floats, ints, uniform

# "Text generation with a miniature GPT", Keras 3 version.
MINIATURE_GPT = """\
import keras
from keras import layers
from keras import ops


def causal_attention_mask(batch_size, n_dest, n_src, dtype):
    \"\"\"
    Mask the upper half of the dot product matrix in self attention.
    This prevents flow of information from future tokens to current token.
    1's in the lower triangle, counting from the lower right corner.
    \"\"\"
    i = ops.arange(n_dest)[:, None]
    j = ops.arange(n_src)
    m = i >= j - n_src + n_dest
    mask = ops.cast(m, dtype)
    mask = ops.reshape(mask, [1, n_dest, n_src])
    mult = ops.concatenate(
        [ops.expand_dims(batch_size, -1), ops.convert_to_tensor([1, 1])], 0
    )
    return ops.tile(mask, mult)


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads, embed_dim)
        self.ffn = keras.Sequential(
            [
                layers.Dense(ff_dim, activation="relu"),
                layers.Dense(embed_dim),
            ]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        input_shape = ops.shape(inputs)
        batch_size = input_shape[0]
        seq_len = input_shape[1]
        causal_mask = causal_attention_mask(batch_size, seq_len, seq_len, "bool")
        attention_output = self.att(inputs, inputs, attention_mask=causal_mask)
        attention_output = self.dropout1(attention_output)
        out1 = self.layernorm1(inputs + attention_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(0, maxlen, 1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


vocab_size = 60  # Only consider the top 20k words
maxlen = 12  # Max sequence size
embed_dim = 16  # Embedding size for each token
num_heads = 2  # Number of attention heads for the transformer
feed_forward_dim = 24  # Hidden layer size in feed forward network inside transformer


def create_model():
    inputs = layers.Input(shape=(maxlen,), dtype="int32")
    embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
    x = embedding_layer(inputs)
    transformer_block = TransformerBlock(embed_dim, num_heads, feed_forward_dim)
    x = transformer_block(x)
    outputs = layers.Dense(vocab_size)(x)
    model = keras.Model(inputs=inputs, outputs=[outputs, x])
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(
        "adam",
        loss=[loss_fn, None],
    )  # No loss and optimization based on word embeddings from transformer block
    return model


model = create_model()
"""

# The tf.keras 2 version keras.io published before (tf.range, tf.concat,
# tf.constant, tf.tile, tf.shape).
MINIATURE_GPT_TF = MINIATURE_GPT.replace("""import keras
from keras import layers
from keras import ops
""", """import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
""").replace("""    i = ops.arange(n_dest)[:, None]
    j = ops.arange(n_src)
    m = i >= j - n_src + n_dest
    mask = ops.cast(m, dtype)
    mask = ops.reshape(mask, [1, n_dest, n_src])
    mult = ops.concatenate(
        [ops.expand_dims(batch_size, -1), ops.convert_to_tensor([1, 1])], 0
    )
    return ops.tile(mask, mult)""", """    i = tf.range(n_dest)[:, None]
    j = tf.range(n_src)
    m = i >= j - n_src + n_dest
    mask = tf.cast(m, dtype)
    mask = tf.reshape(mask, [1, n_dest, n_src])
    mult = tf.concat(
        [tf.expand_dims(batch_size, -1), tf.constant([1, 1], dtype=tf.int32)], 0
    )
    return tf.tile(mask, mult)""").replace("""        input_shape = ops.shape(inputs)""", """        input_shape = tf.shape(inputs)""").replace(
    """        causal_mask = causal_attention_mask(batch_size, seq_len, seq_len, "bool")""",
    """        causal_mask = causal_attention_mask(batch_size, seq_len, seq_len, tf.bool)""").replace(
    """        maxlen = ops.shape(x)[-1]
        positions = ops.arange(0, maxlen, 1)""", """        maxlen = tf.shape(x)[-1]
        positions = tf.range(start=0, limit=maxlen, delta=1)""")

CASES = [
    Case("keras2_paste_miniature_gpt", MINIATURE_GPT_TF, keras=2, files=("weights.h5", "model.weights.h5"),
         inputs=[ints(0, 60)],
         note="keras.io's miniature GPT in its tf.keras 2 version (a causal mask tiled to the batch with tf.tile, "
              "the logits and the embeddings as two outputs), smaller sizes; tf.keras 2.15's save_weights in both "
              "layouts.", atol=1e-5, rtol=1e-4),
]

# "English-to-Spanish translation with a sequence-to-sequence Transformer"
# in its tf.keras 2 spelling (tf.shape, tf.newaxis, tf.concat, tf.tile): a
# decoder whose call() takes the encoder's outputs as a second argument, its
# causal mask tiled to the batch, the encoder and decoder as models of their
# own, the decoder called as a layer. As in the Keras 3 version, no mask
# reaches the layers' call() (compute_mask gives None for an input without
# one; the tf.keras 2 version's always gives one, which Kiln reports). The
# inputs have a fixed length (Input(shape=(sequence_length,))): with the
# published Input(shape=(None,)) the layers take tf.shape of an axis sized
# at run time, which Kiln's custom layers do not compute with.
NMT_TRANSFORMER = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

vocab_size = 40
sequence_length = 6


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
            [layers.Dense(dense_dim, activation="relu"), layers.Dense(embed_dim),]
        )
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            padding_mask = tf.cast(mask[:, tf.newaxis, :], dtype="int32")
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
        length = tf.shape(inputs)[-1]
        positions = tf.range(start=0, limit=length, delta=1)
        embedded_tokens = self.token_embeddings(inputs)
        embedded_positions = self.position_embeddings(positions)
        return embedded_tokens + embedded_positions

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        else:
            return tf.math.not_equal(inputs, 0)


class TransformerDecoder(layers.Layer):
    def __init__(self, embed_dim, latent_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.latent_dim = latent_dim
        self.num_heads = num_heads
        self.attention_1 = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim
        )
        self.attention_2 = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim
        )
        self.dense_proj = keras.Sequential(
            [layers.Dense(latent_dim, activation="relu"), layers.Dense(embed_dim),]
        )
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()
        self.layernorm_3 = layers.LayerNormalization()
        self.supports_masking = True

    def call(self, inputs, encoder_outputs, mask=None):
        causal_mask = self.get_causal_attention_mask(inputs)
        if mask is not None:
            padding_mask = tf.cast(mask[:, tf.newaxis, :], dtype="int32")
            padding_mask = tf.minimum(padding_mask, causal_mask)
        else:
            padding_mask = None

        attention_output_1 = self.attention_1(
            query=inputs, value=inputs, key=inputs, attention_mask=causal_mask
        )
        out_1 = self.layernorm_1(inputs + attention_output_1)

        attention_output_2 = self.attention_2(
            query=out_1,
            value=encoder_outputs,
            key=encoder_outputs,
            attention_mask=padding_mask,
        )
        out_2 = self.layernorm_2(out_1 + attention_output_2)

        proj_output = self.dense_proj(out_2)
        return self.layernorm_3(out_2 + proj_output)

    def get_causal_attention_mask(self, inputs):
        input_shape = tf.shape(inputs)
        batch_size, sequence_length = input_shape[0], input_shape[1]
        i = tf.range(sequence_length)[:, tf.newaxis]
        j = tf.range(sequence_length)
        mask = tf.cast(i >= j, dtype="int32")
        mask = tf.reshape(mask, (1, input_shape[1], input_shape[1]))
        mult = tf.concat(
            [tf.expand_dims(batch_size, -1), tf.constant([1, 1], dtype=tf.int32)],
            axis=0,
        )
        return tf.tile(mask, mult)


embed_dim = 16
latent_dim = 32
num_heads = 2

encoder_inputs = keras.Input(shape=(sequence_length,), dtype="int64", name="encoder_inputs")
x = PositionalEmbedding(sequence_length, vocab_size, embed_dim)(encoder_inputs)
encoder_outputs = TransformerEncoder(embed_dim, latent_dim, num_heads)(x)
encoder = keras.Model(encoder_inputs, encoder_outputs)

decoder_inputs = keras.Input(shape=(sequence_length,), dtype="int64", name="decoder_inputs")
encoded_seq_inputs = keras.Input(shape=(sequence_length, embed_dim), name="decoder_state_inputs")
x = PositionalEmbedding(sequence_length, vocab_size, embed_dim)(decoder_inputs)
x = TransformerDecoder(embed_dim, latent_dim, num_heads)(x, encoded_seq_inputs)
x = layers.Dropout(0.5)(x)
decoder_outputs = layers.Dense(vocab_size, activation="softmax")(x)
decoder = keras.Model([decoder_inputs, encoded_seq_inputs], decoder_outputs)

decoder_outputs = decoder([decoder_inputs, encoder_outputs])
transformer = keras.Model(
    [encoder_inputs, decoder_inputs], decoder_outputs, name="transformer"
)
"""

CASES.append(
    Case("keras2_paste_nmt_transformer", NMT_TRANSFORMER, keras=2, files=("weights.h5", "model.weights.h5"),
         inputs=[ints(0, 40), ints(0, 40)],
         note="keras.io's English-to-Spanish Transformer in tf.* spelling (a decoder called on two tensors, its "
              "causal mask tiled to the batch with tf.tile, tf.newaxis, encoder and decoder models with the "
              "decoder called as a layer), smaller sizes and inputs of a fixed length; tf.keras 2.15.",
         atol=1e-5, rtol=1e-4))

# A padding mask of shape (batch, 1, keys) for every query, as TensorFlow's
# tutorials make it (`mask[:, tf.newaxis, :]`): MultiHeadAttention
# broadcasts it over the queries.
ROW_MASK = """\
{imports}

x = keras.Input(shape=(5, 8))
context = keras.Input(shape=(6, 8))
mask = keras.Input(shape=(1, 6), dtype="int32")
out = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, context, attention_mask=mask)
model = keras.Model([x, context, mask], out)
"""

CASES += [
    Case("keras2_attention_row_mask",
         ROW_MASK.format(imports="from tensorflow import keras\nfrom tensorflow.keras import layers"), keras=2,
         files=("model.h5",), inputs=[floats(), floats(), ints(0, 2)],
         note="MultiHeadAttention with an attention_mask of shape (batch, 1, keys), broadcast over the queries; "
              "tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_attention_row_mask", ROW_MASK.format(imports="import keras\nfrom keras import layers"), keras=3,
         files=("model.keras",), inputs=[floats(), floats(), ints(0, 2)],
         note="The same in Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
]

# A padding mask computed from token ids (int32 `source != 0`), as Deep
# Learning with Python's Transformer encoder makes it, given to
# MultiHeadAttention as (batch, 1, keys).
ID_MASK = """\
{imports}


class Encoder(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.att = layers.MultiHeadAttention(2, 8)
        self.norm = layers.LayerNormalization()

    def call(self, x, source_mask):
        mask = source_mask[:, None, :]
        return self.norm(x + self.att(query=x, key=x, value=x, attention_mask=mask))


source = keras.Input(shape=(9,), dtype="int32")
x = layers.Embedding(50, 16)(source)
outputs = Encoder()(x, {mask})
large = {cast}(source > 20, "float32") * 0.5 + {cast}(source, "float32") / 50.0
model = keras.Model(source, [outputs, large])
"""

CASES += [
    Case("keras2_id_padding_mask",
         ID_MASK.format(imports="import tensorflow as tf\nfrom tensorflow import keras\nfrom tensorflow.keras import layers",
                        mask="tf.math.not_equal(source, 0)", cast="tf.cast"),
         keras=2, files=("weights.h5",), inputs=[ints(0, 50, zero=0.2, pad_tail=[0, 3])],
         note="tf.math.not_equal on int32 token ids as a padding mask, (batch, 1, keys), into MultiHeadAttention "
              "in a custom layer, and the ids compared and cast as numbers; tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_id_padding_mask", ID_MASK.format(imports="import keras\nfrom keras import layers, ops", mask="source != 0", cast="ops.cast"),
         keras=3, files=("model.weights.h5",), inputs=[ints(0, 50, zero=0.2, pad_tail=[0, 3])],
         note="`source != 0` on int32 token ids, the same; Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
]

# Padded query steps of a masked self-attention attend to no key: Keras 2
# softmaxes their scores less 1e9 (uniform when the scores are small);
# Keras 3's Softmax layer (used when scores are returned or dropout is set)
# gives them zero weights.
MASKED_ROWS = """\
from keras.models import Model
from keras.layers import Input, Embedding, MultiHeadAttention

tokens = Input(shape=(5,), dtype='int32')
# (Each attention its own query tensor: Keras 3 loses the mask of a query
# tensor that a second MultiHeadAttention reads.)
x = Embedding(20, 8, mask_zero=True)(tokens)
y = Embedding(20, 8, mask_zero=True)(tokens)
attended, scores = MultiHeadAttention(num_heads=2, key_dim=4)(x, x, return_attention_scores=True)
dropped = MultiHeadAttention(num_heads=1, key_dim=4, dropout=0.1)(y, y)
model = Model(tokens, [attended, scores, dropped])
"""

CASES += [
    Case("keras2_masked_rows", MASKED_ROWS, keras=2, files=("model.h5",), inputs=[ints(0, 20, zero=0.3, pad_tail=[1, 4])],
         atol=1e-5, rtol=1e-4,
         note="MultiHeadAttention on Embedding(mask_zero=True): padded query steps get the softmax of their scores "
              "less 1e9; tf.keras 2.15."),
    Case("keras3_masked_rows", MASKED_ROWS, keras=3, files=("model.keras",), inputs=[ints(0, 20, zero=0.3, pad_tail=[1, 4])],
         atol=1e-5, rtol=1e-4, note="The same in Keras 3 (JAX): zero weights for padded query steps, with return_attention_scores and "
              "with dropout."),
]

# Keras 3's MultiHeadAttention without scores or dropout computes with
# ops.dot_product_attention, which sets masked scores to one large negative
# value: a query with every key masked gets uniform weights. Large weights
# make the scores large, where Keras 2's softmax of the scores less 1e9 is
# no longer uniform. Each attention has its own tensors (see MASKED_ROWS).
MASKED_ROWS_LARGE = """\
from keras.models import Model
from keras.layers import Input, Embedding, MultiHeadAttention

tokens = Input(shape=(6,), dtype='int32')
def embedded(mask_zero=True):
    return Embedding(20, 8, mask_zero=mask_zero)(tokens)
padded = MultiHeadAttention(num_heads=2, key_dim=4)(embedded(), embedded())
causal = MultiHeadAttention(num_heads=1, key_dim=4)(embedded(), embedded(), use_causal_mask=True)
unmasked_query = MultiHeadAttention(num_heads=2, key_dim=4)(embedded(False), embedded())
model = Model(tokens, [padded, causal, unmasked_query])
"""

CASES += [
    Case("keras3_masked_rows_large", MASKED_ROWS_LARGE, keras=3, files=("model.keras",),
         inputs=[ints(1, 20, pad_tail=[2, 6])], weights=uniform(3.0), atol=1e-4, rtol=1e-4,
         note="Keras 3 (JAX) MultiHeadAttention through ops.dot_product_attention with scores in the hundreds: a "
              "query with every key masked (padding, causal padding, an all-padding sample) gets uniform weights."),
]
