"""Tensor math on a model's tensors outside any layer (`x + res`,
`tf.nn.relu(x)`, `x[:, 0]`, `keras.ops.mean(x)`): Keras makes a layer of
each (tf.keras 2 a TFOpLambda, Keras 3 an operation), and Keras's .h5 files
list the TFOpLambda layers among the model's layers. Real Keras runs the
pasted source."""
from case import Case, floats

# keras.io "Timeseries classification with a Transformer model" (its
# transformer_encoder and build_model as published; smaller sizes and two
# classes so that the weights stay small).
TS_TRANSFORMER = """\
import keras
from keras import layers


def transformer_encoder(inputs, head_size, num_heads, ff_dim, dropout=0):
    # Attention and Normalization
    x = layers.MultiHeadAttention(
        key_dim=head_size, num_heads=num_heads, dropout=dropout
    )(inputs, inputs)
    x = layers.Dropout(dropout)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    res = x + inputs

    # Feed Forward Part
    x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
    x = layers.Dropout(dropout)(x)
    x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    return x + res


def build_model(
    input_shape,
    head_size,
    num_heads,
    ff_dim,
    num_transformer_blocks,
    mlp_units,
    dropout=0,
    mlp_dropout=0,
):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for _ in range(num_transformer_blocks):
        x = transformer_encoder(x, head_size, num_heads, ff_dim, dropout)

    x = layers.GlobalAveragePooling1D(data_format="channels_last")(x)
    for dim in mlp_units:
        x = layers.Dense(dim, activation="relu")(x)
        x = layers.Dropout(mlp_dropout)(x)
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


n_classes = 2
input_shape = (24, 3)

model = build_model(
    input_shape,
    head_size=16,
    num_heads=2,
    ff_dim=4,
    num_transformer_blocks=2,
    mlp_units=[16],
    mlp_dropout=0.4,
    dropout=0.25,
)
"""

# The operators and TensorFlow functions tf.keras 2 turns into TFOpLambda
# layers, between ordinary layers.
ASSORTED_KERAS2 = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

inputs = keras.Input(shape=(6, 4))
a = layers.Dense(4)(inputs)
b = a * 0.5 + inputs / 4.0 - 1.0
c = -b ** 2 + 2.0 * a
d = tf.nn.relu(c) + tf.math.sigmoid(a)
first = d[:, 0]
last = d[:, -2:, 1:3]
pooled = tf.reduce_mean(d, axis=1)
joined = tf.concat([pooled, first], axis=-1)
model = keras.Model(inputs, [layers.Dense(3)(joined), last, tf.maximum(a, b)])
"""

# The same kind of code in Keras 3, with keras.ops.
ASSORTED_KERAS3 = """\
import keras
from keras import layers, ops

inputs = keras.Input(shape=(6, 4))
a = layers.Dense(4)(inputs)
b = a * 0.5 + inputs / 4.0 - 1.0
c = -b ** 2 + 2.0 * a
d = ops.relu(c) + ops.sigmoid(a)
first = d[:, 0]
pooled = ops.mean(d, axis=1)
joined = ops.concatenate([pooled, first], axis=-1)
model = keras.Model(inputs, [layers.Dense(3)(joined), ops.maximum(a, b)])
"""

# Casts as attention masks and quantizing code write them: to integer types
# (truncation toward zero), to bool and back, of tensors and of numbers.
CASTS_KERAS3 = """\
import keras
from keras import layers, ops

class Quantize(layers.Layer):
    def call(self, x):
        steps = ops.cast(x * 14.0, "int32")
        signs = ops.cast(ops.cast(x, "bool"), "float32")
        offset = ops.cast(2.9, "int32")
        return ops.cast(steps, "float32") / 7.0 + signs * 0.25 + offset

class CausalMix(layers.Layer):
    def __init__(self):
        super().__init__()
        self.proj = layers.Dense(4)

    def call(self, x):
        length = ops.shape(x)[1]
        i = ops.arange(length)[:, None]
        j = ops.arange(length)
        mask = ops.cast(i >= j, dtype="int32")
        weights = ops.cast(mask, "float32") / ops.sum(ops.cast(mask, "float32"), axis=1, keepdims=True)
        return self.proj(ops.matmul(weights, x))

inputs = keras.Input(shape=(5, 4))
x = layers.Dense(4)(inputs)
model = keras.Model(inputs, [Quantize()(x), CausalMix()(x)])
"""

CASES = [
    Case("keras2_paste_ts_transformer", TS_TRANSFORMER, keras=2, files=("model.h5", "weights.h5"),
         note="keras.io's timeseries Transformer: `x + inputs` and `x + res` between layers (TFOpLambda layers "
              "in the .h5), MultiHeadAttention, Conv1D, LayerNormalization; tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_paste_ts_transformer", TS_TRANSFORMER, keras=3, files=("model.weights.h5", "model.keras"),
         note="The same source in Keras 3.15 (JAX), where `x + res` is an operation node.", atol=1e-5, rtol=1e-4),
    Case("keras2_model_tensor_math", ASSORTED_KERAS2, keras=2, files=("model.h5",),
         note="Operators (+ - * / ** unary -, slicing) and tf functions (nn.relu, math.sigmoid, reduce_mean, "
              "concat, maximum) on a model's tensors, each a TFOpLambda layer; tf.keras 2.15.",
         atol=1e-5, rtol=1e-4),
    Case("keras3_tensor_casts", CASTS_KERAS3, keras=3, files=("model.weights.h5",),
         note="ops.cast to int32 (truncation toward zero), to bool and back, of a number; a causal mask cast "
              "from a comparison of ops.arange positions; Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
    Case("keras3_model_tensor_math", ASSORTED_KERAS3, keras=3, files=("model.weights.h5", "model.keras"),
         note="Operators, slicing and keras.ops on a model's tensors, each an operation; Keras 3.15 (JAX).",
         atol=1e-5, rtol=1e-4),
]

# tf.split (sizes, one of them -1) on a model's tensor and inside a Lambda's function.
SPLIT_KERAS2 = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

inputs = keras.Input(shape=(6, 8))
a, b, c = tf.split(inputs, [3, -1, 2], axis=-1)
top, bottom = tf.split(layers.Dense(4)(inputs), 2, axis=1)

def glu(x):
    x1, x2 = tf.split(x, num_or_size_splits=2, axis=-1)
    return x1 * tf.nn.sigmoid(x2)

gated = layers.Lambda(glu)(layers.Dense(10)(inputs))
model = keras.Model(inputs, [a, b, c, top, bottom, gated])
"""

# keras.io's gMLP spatial gating unit: keras.ops.split into halves (and NumPy-style indices).
SPLIT_KERAS3 = """\
import keras
from keras import layers, ops

class SpatialGatingUnit(layers.Layer):
    def __init__(self, num_patches, **kwargs):
        super().__init__(**kwargs)
        self.normalize = layers.LayerNormalization(epsilon=1e-6)
        self.spatial_projection = layers.Dense(units=num_patches, bias_initializer="Ones")

    def call(self, inputs):
        u, v = ops.split(inputs, indices_or_sections=2, axis=2)
        v = self.normalize(v)
        v_channels = ops.transpose(v, axes=(0, 2, 1))
        v_projected = self.spatial_projection(v_channels)
        v_projected = ops.transpose(v_projected, axes=(0, 2, 1))
        return u * v_projected

inputs = keras.Input(shape=(5, 8))
x = SpatialGatingUnit(5)(layers.Dense(8)(inputs))
head, middle, tail = ops.split(inputs, [2, 5], axis=2)
model = keras.Model(inputs, [x, head, middle, tail])
"""

CASES += [
    Case("keras2_split", SPLIT_KERAS2, atol=1e-5, rtol=1e-4,
         note="tf.split by sizes (with -1) and into halves on a model's tensors, and in a Lambda (a GLU); "
              "tf.keras 2.15."),
    Case("keras3_split", SPLIT_KERAS3, keras=3, files=("model.weights.h5", "model.keras"), atol=1e-5, rtol=1e-4,
         note="keras.ops.split in keras.io's gMLP spatial gating unit, and by indices on a model's tensor; "
              "Keras 3.15 (JAX)."),
]

# `!=` and `==` on a model's tensors: tf.keras 2 makes the layers
# tf.__operators__.ne and .eq; Keras 3 makes not_equal, and keeps Python's
# identity for == (a tensor equals only itself).
EQUALITY = """\
{imports}

inputs = keras.Input(shape=(4, 3))
present = {cast}(inputs != 0, "float32")
positive = {cast}(inputs > 0, "float32")
x = layers.Dense(3)(inputs) * present
outputs = {output}
model = keras.Model(inputs, outputs)
"""

CASES += [
    Case("keras2_tensor_equality",
         EQUALITY.format(imports="import tensorflow as tf\nfrom tensorflow import keras\nfrom tensorflow.keras import layers",
                         cast="tf.cast", output="x + tf.cast(positive == 1.0, 'float32') * 2.0"),
         keras=2, files=("model.h5",), inputs=[floats(zero=0.4)],
         note="`inputs != 0` as a mask and `positive == 1.0` on model tensors (tf.__operators__.ne and .eq "
              "layers); tf.keras 2.15.", atol=1e-5, rtol=1e-5),
    Case("keras3_tensor_equality",
         EQUALITY.format(imports="import keras\nfrom keras import layers, ops", cast="ops.cast",
                         output="x + positive * 2.0 if positive == positive and not positive == present else x"),
         keras=3, files=("model.keras",), inputs=[floats(zero=0.4)],
         note="`inputs != 0` on a model's tensor (not_equal) and `==`, Python's identity in Keras 3; "
              "Keras 3.15 (JAX).", atol=1e-5, rtol=1e-5),
]
