"""Custom layers that call other layers (composites), as Keras's guides and
keras.io's examples write them: sublayers made in __init__ and called in
call(), with tensor math between them. Real Keras runs the pasted source;
the weights are bound from the files its save_weights writes (a custom layer
without get_config cannot be saved whole)."""
from case import Case, floats, ints

# keras.io "Text classification with Transformer": its TransformerBlock as
# published, on a plain Embedding, with smaller sizes (the whole example,
# positions and all, is TEXT_TRANSFORMER below).
TRANSFORMER_BLOCK = """\
import keras
from keras import layers


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim),]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


vocab_size = 50  # Only consider the top 20k words
maxlen = 12  # Only consider the first 200 words of each movie review
embed_dim = 8  # Embedding size for each token
num_heads = 2  # Number of attention heads
ff_dim = 16  # Hidden layer size in feed forward network inside transformer

inputs = layers.Input(shape=(maxlen,))
x = layers.Embedding(vocab_size, embed_dim)(inputs)
transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
x = transformer_block(x)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dropout(0.1)(x)
x = layers.Dense(20, activation="relu")(x)
x = layers.Dropout(0.1)(x)
outputs = layers.Dense(2, activation="softmax")(x)

model = keras.Model(inputs=inputs, outputs=outputs)
"""

# The Keras guide "Making new layers and models via subclassing": MLPBlock
# of three Linear layers (add_weight in build()), Keras 3 (keras.ops).
MLP_BLOCK = """\
import keras
from keras import ops


class Linear(keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(
            shape=(self.units,), initializer="random_normal", trainable=True
        )

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


class MLPBlock(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = keras.activations.relu(x)
        x = self.linear_2(x)
        x = keras.activations.relu(x)
        return self.linear_3(x)


inputs = keras.Input(shape=(64,))
outputs = MLPBlock()(inputs)
model = keras.Model(inputs, outputs)
"""

# keras.io "Image classification with modern MLP models": its MLPMixerLayer
# as published (two Sequential MLPs, one LayerNormalization called twice,
# keras.ops.transpose with the batch axis), on patches already embedded.
MLP_MIXER = """\
import keras
from keras import layers

class MLPMixerLayer(layers.Layer):
    def __init__(self, num_patches, hidden_units, dropout_rate, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.mlp1 = keras.Sequential(
            [
                layers.Dense(units=num_patches, activation="gelu"),
                layers.Dense(units=num_patches),
                layers.Dropout(rate=dropout_rate),
            ]
        )
        self.mlp2 = keras.Sequential(
            [
                layers.Dense(units=num_patches, activation="gelu"),
                layers.Dense(units=hidden_units),
                layers.Dropout(rate=dropout_rate),
            ]
        )
        self.normalize = layers.LayerNormalization(epsilon=1e-6)

    def build(self, input_shape):
        return super().build(input_shape)

    def call(self, inputs):
        # Apply layer normalization.
        x = self.normalize(inputs)
        # Transpose inputs from [num_batches, num_patches, hidden_units] to [num_batches, hidden_units, num_patches].
        x_channels = keras.ops.transpose(x, axes=(0, 2, 1))
        # Apply mlp1 on each channel independently.
        mlp1_outputs = self.mlp1(x_channels)
        # Transpose mlp1_outputs from [num_batches, hidden_dim, num_patches] to [num_batches, num_patches, hidden_units].
        mlp1_outputs = keras.ops.transpose(mlp1_outputs, axes=(0, 2, 1))
        # Add skip connection.
        x = mlp1_outputs + inputs
        # Apply layer normalization.
        x_patch = self.normalize(x)
        # Apply mlp2 on each patch independtenly.
        mlp2_outputs = self.mlp2(x_patch)
        # Add skip connection.
        x = x + mlp2_outputs
        return x

num_patches = 8
embedding_dim = 6
inputs = layers.Input(shape=(num_patches, embedding_dim))
x = inputs
for _ in range(2):
    x = MLPMixerLayer(num_patches, embedding_dim, 0.2)(x)
x = layers.GlobalAveragePooling1D()(x)
outputs = layers.Dense(10)(x)
model = keras.Model(inputs, outputs)
"""

# keras.io "Compact Convolutional Transformers": its CCTTokenizer (a
# Sequential built in __init__ by a loop, keras.ops.reshape of its output),
# transformer blocks with Dense(activation=ops.gelu), and the sequence
# pooling (ops.softmax, squeeze, expand_dims, a batched ops.matmul); without
# its StochasticDepth and PositionEmbedding layers, smaller sizes.
CCT = """\
import keras
from keras import layers
from keras import ops

positional_emb = True
conv_layers = 2
projection_dim = 8

num_heads = 2
transformer_units = [
    projection_dim,
    projection_dim,
]
transformer_layers = 1
stochastic_depth_rate = 0.1
image_size = 12
input_shape = (12, 12, 3)
num_classes = 10

class CCTTokenizer(layers.Layer):
    def __init__(
        self,
        kernel_size=3,
        stride=1,
        padding=1,
        pooling_kernel_size=3,
        pooling_stride=2,
        num_conv_layers=conv_layers,
        num_output_channels=[4, 8],
        positional_emb=positional_emb,
        **kwargs,
    ):
        super().__init__(**kwargs)

        # This is our tokenizer.
        self.conv_model = keras.Sequential()
        for i in range(num_conv_layers):
            self.conv_model.add(
                layers.Conv2D(
                    num_output_channels[i],
                    kernel_size,
                    stride,
                    padding="valid",
                    use_bias=False,
                    activation="relu",
                    kernel_initializer="he_normal",
                )
            )
            self.conv_model.add(layers.ZeroPadding2D(padding))
            self.conv_model.add(
                layers.MaxPooling2D(pooling_kernel_size, pooling_stride, "same")
            )

        self.positional_emb = positional_emb

    def call(self, images):
        outputs = self.conv_model(images)
        # After passing the images through our mini-network the spatial dimensions
        # are flattened to form sequences.
        reshaped = keras.ops.reshape(
            outputs,
            (
                -1,
                keras.ops.shape(outputs)[1] * keras.ops.shape(outputs)[2],
                keras.ops.shape(outputs)[-1],
            ),
        )
        return reshaped

def mlp(x, hidden_units, dropout_rate):
    for units in hidden_units:
        x = layers.Dense(units, activation=ops.gelu)(x)
        x = layers.Dropout(dropout_rate)(x)
    return x

inputs = layers.Input(input_shape)
cct_tokenizer = CCTTokenizer()
encoded_patches = cct_tokenizer(inputs)
for i in range(transformer_layers):
    x1 = layers.LayerNormalization(epsilon=1e-5)(encoded_patches)
    attention_output = layers.MultiHeadAttention(
        num_heads=num_heads, key_dim=projection_dim, dropout=0.1
    )(x1, x1)
    x2 = layers.Add()([attention_output, encoded_patches])
    x3 = layers.LayerNormalization(epsilon=1e-5)(x2)
    x3 = mlp(x3, hidden_units=transformer_units, dropout_rate=0.1)
    encoded_patches = layers.Add()([x3, x2])
representation = layers.LayerNormalization(epsilon=1e-5)(encoded_patches)
weighted_representation = layers.Dense(1)(representation)
weighted_representation = ops.softmax(weighted_representation, axis=1)
weighted_representation = ops.squeeze(weighted_representation, -1)
weighted_representation = ops.expand_dims(weighted_representation, -1)
weighted_representation = ops.matmul(ops.transpose(weighted_representation, (0, 2, 1)), representation)
weighted_representation = ops.squeeze(weighted_representation, -2)
logits = layers.Dense(num_classes)(weighted_representation)
model = keras.Model(inputs=inputs, outputs=logits)
"""

# keras.io "Text classification with Transformer" as published for Keras 3
# (TokenAndPositionEmbedding adds the embedding of ops.arange positions: a
# constant without a batch axis), with smaller sizes.
TEXT_TRANSFORMER = TRANSFORMER_BLOCK.replace("from keras import layers\n", """from keras import ops
from keras import layers
""").replace("""

vocab_size""", """

class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


vocab_size""").replace("""x = layers.Embedding(vocab_size, embed_dim)(inputs)""",
                       """embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
x = embedding_layer(inputs)""")

# The same example as keras.io published it for tf.keras 2 (tf.shape, tf.range).
TEXT_TRANSFORMER_TF = TEXT_TRANSFORMER.replace("from keras import ops\n", "import tensorflow as tf\n").replace(
    """        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)""",
    """        maxlen = tf.shape(x)[-1]
        positions = tf.range(start=0, limit=maxlen, delta=1)""")

# keras.io "Image classification with Vision Transformer": its PatchEncoder
# (positions ops.expand_dims(ops.arange(...), axis=0): a broadcast batch axis
# of 1), on patches cut by Reshape; math on positions in a custom layer without
# sublayers; positions through layers and a reduction over their first axis.
PATCH_ENCODER = """\
import keras
from keras import layers
from keras import ops


class PatchEncoder(layers.Layer):
    def __init__(self, num_patches, projection_dim):
        super().__init__()
        self.num_patches = num_patches
        self.projection = layers.Dense(units=projection_dim)
        self.position_embedding = layers.Embedding(
            input_dim=num_patches, output_dim=projection_dim
        )

    def call(self, patch):
        positions = ops.expand_dims(
            ops.arange(start=0, stop=self.num_patches, step=1), axis=0
        )
        projected_patches = self.projection(patch)
        encoded = projected_patches + self.position_embedding(positions)
        return encoded


class ScaledPositions(layers.Layer):
    def call(self, x):
        length = ops.shape(x)[1]
        angles = ops.arange(length) * 0.5 - 3.0
        return x * 2.0 + ops.expand_dims(ops.tanh(angles), -1)


class MeanPosition(layers.Layer):
    def __init__(self, length, dim):
        super().__init__()
        self.emb = layers.Embedding(length, dim)
        self.dense = layers.Dense(dim, activation="tanh")

    def call(self, tokens):
        positions = self.dense(self.emb(ops.arange(ops.shape(tokens)[1])))
        return self.emb(tokens) + ops.mean(positions, axis=0) - positions


inputs = keras.Input(shape=(8, 8, 3))
tokens = keras.Input(shape=(16,), dtype="int32")
patches = layers.Reshape((16, 12))(inputs)
encoded = PatchEncoder(16, 6)(patches)
encoded = ScaledPositions()(encoded) + MeanPosition(16, 6)(tokens)
outputs = layers.Dense(3)(layers.GlobalAveragePooling1D()(encoded))
model = keras.Model([inputs, tokens], outputs)
"""

# keras.io "Video Classification with a CNN-RNN Architecture"'s sequel,
# "Video Classification with Transformers", as published (PositionalEmbedding
# builds its sublayer in build() and casts to self.compute_dtype), on smaller
# features and a fixed class count.
VIDEO_TRANSFORMER = """\
import keras
from keras import layers

MAX_SEQ_LENGTH = 6
NUM_FEATURES = 8
IMG_SIZE = 128


class PositionalEmbedding(layers.Layer):
    def __init__(self, sequence_length, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.position_embeddings = layers.Embedding(
            input_dim=sequence_length, output_dim=output_dim
        )
        self.sequence_length = sequence_length
        self.output_dim = output_dim

    def build(self, input_shape):
        self.position_embeddings.build(input_shape)

    def call(self, inputs):
        # The inputs are of shape: `(batch_size, frames, num_features)`
        inputs = keras.ops.cast(inputs, self.compute_dtype)
        length = keras.ops.shape(inputs)[1]
        positions = keras.ops.arange(start=0, stop=length, step=1)
        embedded_positions = self.position_embeddings(positions)
        return inputs + embedded_positions


class TransformerEncoder(layers.Layer):
    def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.dense_dim = dense_dim
        self.num_heads = num_heads
        self.attention = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim, dropout=0.3
        )
        self.dense_proj = keras.Sequential(
            [
                layers.Dense(dense_dim, activation=keras.activations.gelu),
                layers.Dense(embed_dim),
            ]
        )
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()

    def call(self, inputs, mask=None):
        attention_output = self.attention(inputs, inputs, attention_mask=mask)
        proj_input = self.layernorm_1(inputs + attention_output)
        proj_output = self.dense_proj(proj_input)
        return self.layernorm_2(proj_input + proj_output)


def get_compiled_model(shape):
    sequence_length = MAX_SEQ_LENGTH
    embed_dim = NUM_FEATURES
    dense_dim = 4
    num_heads = 1
    classes = 5

    inputs = keras.Input(shape=shape)
    x = PositionalEmbedding(
        sequence_length, embed_dim, name="frame_position_embedding"
    )(inputs)
    x = TransformerEncoder(embed_dim, dense_dim, num_heads, name="transformer_layer")(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)

    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


model = get_compiled_model((MAX_SEQ_LENGTH, NUM_FEATURES))
"""

# Composites inside composites, a list of layers as an attribute (saved by
# Keras 3 under blocks/dense, blocks/dense_1), a list of inputs, and a list
# used by tensor math and then by a layer.
NESTED = """\
import keras
from keras import layers, ops

class Residual(layers.Layer):
    def __init__(self, units, depth):
        super().__init__()
        self.blocks = [layers.Dense(units, activation="relu") for _ in range(depth)]
        self.norm = layers.LayerNormalization()
    def call(self, x):
        for block in self.blocks:
            x = x + block(x)
        return self.norm(x)

class Outer(layers.Layer):
    def __init__(self):
        super().__init__()
        self.a = Residual(8, 2)
        self.b = Residual(8, 1)
    def call(self, inputs):
        x, y = inputs
        return self.a(x) * self.b(y)

x = keras.Input(shape=(8,))
y = keras.Input(shape=(8,))
out = Outer()([x, y])
ts = [out, y]
joined = ops.concatenate(ts, axis=-1)
out2 = Outer()(ts)
model = keras.Model([x, y], [out2, joined])
"""

# Sublayers made in build() from the input's shape (ShiftViT's MLP,
# keras.io's involution), beside a layer whose build() makes only weights.
BUILD_SUBLAYERS = """\
{imports}

class MLP(layers.Layer):
    def __init__(self, mlp_expand_ratio=2, **kwargs):
        super().__init__(**kwargs)
        self.mlp_expand_ratio = mlp_expand_ratio

    def build(self, input_shape):
        input_channels = input_shape[-1]
        initial_filters = int(self.mlp_expand_ratio * input_channels)
        self.norm = layers.LayerNormalization(epsilon=1e-5)
        self.mlp = keras.Sequential(
            [
                layers.Dense(units=initial_filters, activation="gelu"),
                layers.Dense(units=input_channels),
            ]
        )

    def call(self, x):
        return x + self.mlp(self.norm(x))


class Scale(layers.Layer):
    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="gamma")

    def call(self, x):
        return x * self.gamma


inputs = keras.Input(shape=(6, 4))
x = MLP()(inputs)
x = Scale()(x)
x = MLP(mlp_expand_ratio=3)(x)
outputs = layers.Dense(2)(layers.Flatten()(x))
model = keras.Model(inputs, outputs)
"""

CASES = [
    Case("keras2_composite_transformer_block", TRANSFORMER_BLOCK, keras=2, files=("weights.h5", "model.weights.h5"),
         inputs=[ints(0, 50)],
         note="keras.io's TransformerBlock (MultiHeadAttention, a Sequential feed-forward, LayerNormalization and "
              "`inputs + attn_output` in call()) as one custom layer; tf.keras 2.15's save_weights in both "
              "layouts.", atol=1e-5, rtol=1e-4),
    Case("keras3_composite_transformer_block", TRANSFORMER_BLOCK, keras=3, files=("model.weights.h5",),
         inputs=[ints(0, 50)],
         note="The same source in Keras 3.15 (JAX): sublayers saved under their attribute names.",
         atol=1e-5, rtol=1e-4),
    Case("keras3_composite_mlp_block", MLP_BLOCK, keras=3, files=("model.weights.h5",),
         note="The subclassing guide's MLPBlock: custom Linear layers (add_weight, ops.matmul) inside a "
              "custom layer, keras.activations.relu between them; Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
    Case("keras3_composite_mlp_mixer", MLP_MIXER, keras=3, files=("model.weights.h5",),
         note="keras.io's MLPMixerLayer twice: Sequential sublayers, a LayerNormalization called twice, "
              "keras.ops.transpose and `+` in call(); Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
    Case("keras3_paste_cct", CCT, keras=3, files=("model.weights.h5",), inputs=[floats(0, 1)],
         note="keras.io's CCT tokenizer (a custom layer holding a Sequential), Dense(activation=ops.gelu), "
              "sequence pooling with a matmul of two computed tensors; Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
    Case("keras3_paste_text_transformer", TEXT_TRANSFORMER, keras=3, files=("model.weights.h5",),
         inputs=[ints(0, 50)],
         note="keras.io's text classification with Transformer as published (TokenAndPositionEmbedding: an "
              "Embedding of ops.arange positions added to the tokens'), smaller sizes; Keras 3.15 (JAX).",
         atol=1e-5, rtol=1e-4),
    Case("keras2_paste_text_transformer", TEXT_TRANSFORMER_TF, keras=2, files=("weights.h5", "model.weights.h5"),
         inputs=[ints(0, 50)],
         note="The tf.keras 2 version of that example (tf.shape(x)[-1], tf.range(start=0, limit=maxlen, delta=1)); "
              "tf.keras 2.15's save_weights in both layouts.", atol=1e-5, rtol=1e-4),
    Case("keras3_composite_positions", PATCH_ENCODER, keras=3, files=("model.weights.h5",),
         inputs=[floats(), ints(0, 16)],
         note="keras.io ViT's PatchEncoder (an Embedding of ops.expand_dims(ops.arange(...), axis=0)), math on "
              "ops.arange in a custom layer without sublayers, and positions through Embedding, Dense and a mean "
              "over their first axis beside int32 token ids; Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
    Case("keras3_paste_video_transformer", VIDEO_TRANSFORMER, keras=3, files=("model.weights.h5",),
         note="keras.io's video classification with Transformers: positions from keras.ops.arange through an "
              "Embedding, self.position_embeddings.build(input_shape), self.compute_dtype, MultiHeadAttention "
              "with attention_mask=None; Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
    Case("keras3_composite_nested", NESTED, keras=3, files=("model.weights.h5",),
         note="Custom layers holding custom layers and a list of Dense layers, called on a list of two tensors; "
              "Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
    Case("keras2_composite_nested", NESTED.replace("from keras import layers, ops", "from keras import layers\nfrom keras import backend as ops"), keras=2,
         files=("weights.h5", "model.weights.h5"),
         note="The same in tf.keras 2.15 (keras.backend.concatenate): its .h5 order of nested sublayers' weights.",
         atol=1e-5, rtol=1e-4),
    Case("keras3_composite_build_sublayers", BUILD_SUBLAYERS.format(imports="import keras\nfrom keras import layers"),
         keras=3, files=("model.weights.h5", "model.keras"),
         note="ShiftViT's MLP: LayerNormalization and a Sequential made in build() from the input's channels, "
              "next to a layer whose build() makes a weight; Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
    Case("keras2_composite_build_sublayers",
         BUILD_SUBLAYERS.format(imports="from tensorflow import keras\nfrom tensorflow.keras import layers"), keras=2,
         files=("weights.h5", "model.weights.h5"),
         note="The same in tf.keras 2.15: its .h5 order of the weights of sublayers made in build().",
         atol=1e-5, rtol=1e-4),
]
