"""keras.io's decoders whose causal attention mask is a constant tiled to the
batch: tf.tile(mask, mult) with mult = tf.concat([tf.expand_dims(batch_size,
-1), tf.constant([1, 1], dtype=tf.int32)], 0), batch_size taken from
tf.shape(inputs)[0]. The model code as published, smaller sizes. The Keras 3
version (ops.tile, ops.concatenate, ops.convert_to_tensor) runs in neither
Keras 3.15 backend (JAX cannot tile by a size it traces; TensorFlow's
ops.tile iterates over the symbolic repeats): the lit test
paste/miniature-gpt.kiln builds it, with Keras's parameter counts."""
from case import Case, ints

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
