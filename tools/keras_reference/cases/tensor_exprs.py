"""Lambda layers and custom layers: real Keras executes the very source Kiln
compiles (the tensor math of the Lambda functions and of the custom layers'
call()), so the expected outputs come from Keras running the pasted code.
The pasted examples keep their code; only sizes are smaller so that the
weights stay small, and the data loading and training are left out (the full
scripts are lit tests in tests/lit/lambda/)."""
from case import Case, floats, ints

# The siamese network of Keras 2's examples/mnist_siamese.py: a shared base
# network and the euclidean distance of its two outputs in a Lambda with an
# output_shape function. `input_shape` came from the data (x_train.shape[1:]).
SIAMESE = """\
from keras.models import Model
from keras.layers import Input, Flatten, Dense, Dropout, Lambda
from keras import backend as K


def euclidean_distance(vects):
    x, y = vects
    sum_square = K.sum(K.square(x - y), axis=1, keepdims=True)
    return K.sqrt(K.maximum(sum_square, K.epsilon()))


def eucl_dist_output_shape(shapes):
    shape1, shape2 = shapes
    return (shape1[0], 1)


def create_base_network(input_shape):
    '''Base network to be shared (eq. to feature extraction).
    '''
    input = Input(shape=input_shape)
    x = Flatten()(input)
    x = Dense(32, activation='relu')(x)
    x = Dropout(0.1)(x)
    x = Dense(32, activation='relu')(x)
    x = Dropout(0.1)(x)
    x = Dense(32, activation='relu')(x)
    return Model(input, x)


input_shape = (12, 12)

# network definition
base_network = create_base_network(input_shape)

input_a = Input(shape=input_shape)
input_b = Input(shape=input_shape)

# because we re-use the same instance `base_network`,
# the weights of the network
# will be shared across the two branches
processed_a = base_network(input_a)
processed_b = base_network(input_b)

distance = Lambda(euclidean_distance,
                  output_shape=eucl_dist_output_shape)([processed_a, processed_b])

model = Model([input_a, input_b], distance)
"""

# Keras 2.3.1's examples/antirectifier.py: a custom layer without weights.
ANTIRECTIFIER_KERAS2 = """\
import keras
from keras.models import Sequential
from keras import layers
from keras import backend as K


class Antirectifier(layers.Layer):
    '''This is the combination of a sample-wise
    L2 normalization with the concatenation of the
    positive part of the input with the negative part
    of the input. The result is a tensor of samples that are
    twice as large as the input samples.

    It can be used in place of a ReLU.

    # Input shape
        2D tensor of shape (samples, n)

    # Output shape
        2D tensor of shape (samples, 2*n)
    '''

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        assert len(shape) == 2  # only valid for 2D tensors
        shape[-1] *= 2
        return tuple(shape)

    def call(self, inputs):
        inputs -= K.mean(inputs, axis=1, keepdims=True)
        inputs = K.l2_normalize(inputs, axis=1)
        pos = K.relu(inputs)
        neg = K.relu(-inputs)
        return K.concatenate([pos, neg], axis=1)


num_classes = 10

# build the model
model = Sequential()
model.add(layers.Dense(16, input_shape=(24,)))
model.add(Antirectifier())
model.add(layers.Dropout(0.1))
model.add(layers.Dense(16))
model.add(Antirectifier())
model.add(layers.Dropout(0.1))
model.add(layers.Dense(num_classes))
model.add(layers.Activation('softmax'))
"""

# The keras.io recipe's Antirectifier: a weight made in build() with
# add_weight, tf ops in call(), get_config.
ANTIRECTIFIER_KERAS_IO = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


class Antirectifier(layers.Layer):
    def __init__(self, initializer="he_normal", **kwargs):
        super(Antirectifier, self).__init__(**kwargs)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        output_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(output_dim * 2, output_dim),
            initializer=self.initializer,
            name="kernel",
            trainable=True,
        )

    def call(self, inputs):
        inputs -= tf.reduce_mean(inputs, axis=-1, keepdims=True)
        pos = tf.nn.relu(inputs)
        neg = tf.nn.relu(-inputs)
        concatenated = tf.concat([pos, neg], axis=-1)
        mixed = tf.matmul(concatenated, self.kernel)
        return mixed

    def get_config(self):
        # Implement get_config to enable serialization. This is optional.
        base_config = super(Antirectifier, self).get_config()
        config = {"initializer": keras.initializers.serialize(self.initializer)}
        return dict(list(base_config.items()) + list(config.items()))


model = keras.Sequential(
    [
        keras.Input(shape=(20,)),
        layers.Dense(16),
        Antirectifier(),
        layers.Dense(16),
        Antirectifier(),
        layers.Dense(10),
    ]
)
"""

# The Keras guide's Linear layer (weights from build with add_weight, a
# units argument in __init__), in Keras 3 with keras.ops.
LINEAR_KERAS3 = """\
import keras
from keras import layers, ops


class Linear(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
            name="w",
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True, name="b")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)


inputs = keras.Input(shape=(6,))
x = Linear(8)(inputs)
x = layers.Lambda(lambda t: ops.relu(t) - 0.5 * ops.square(ops.tanh(t)))(x)
outputs = Linear(3, name="head")(x)
model = keras.Model(inputs, outputs)
"""

# The subclassing guide's first Linear layer: its weights made in __init__
# from an input_dim argument, and a layer with a weight made in __init__
# before the ones build() makes (Keras tracks them in that order). tf.keras 2
# names unnamed weights alike, which its .h5 files cannot hold: there they
# are named.
INIT_WEIGHTS = """\
{imports}


class Linear(keras.layers.Layer):
    def __init__(self, units=32, input_dim=32):
        super().__init__()
        self.w = self.add_weight(
            shape=(input_dim, units), initializer="random_normal", trainable=True{w_name}
        )
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True{b_name})

    def call(self, inputs):
        return {ops}.matmul(inputs, self.w) + self.b


class ScaledDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scales = [self.add_weight(shape=(units,), initializer="ones", name=f"scale_{{i}}") for i in range(2)]

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="kernel")

    def call(self, x):
        return {ops}.matmul(x, self.kernel) * self.scales[0] + self.scales[1]


inputs = keras.Input(shape=(5,))
x = Linear(8, 5)(inputs)
x = ScaledDense(6)(x)
outputs = Linear(3, 6)(x)
model = keras.Model(inputs, outputs)
"""

# keras.io's CycleGAN ReflectionPadding2D (tf.pad REFLECT in a custom
# layer), SYMMETRIC and CONSTANT padding in a Lambda, and tf.pad on a
# model's tensor (a layer of tensor math).
PAD_KERAS2 = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


class ReflectionPadding2D(layers.Layer):
    def __init__(self, padding=(1, 1), **kwargs):
        self.padding = tuple(padding)
        super(ReflectionPadding2D, self).__init__(**kwargs)

    def call(self, input_tensor, mask=None):
        padding_width, padding_height = self.padding
        padding_tensor = [
            [0, 0],
            [padding_height, padding_height],
            [padding_width, padding_width],
            [0, 0],
        ]
        return tf.pad(input_tensor, padding_tensor, mode="REFLECT")


img_input = layers.Input(shape=(9, 7, 2))
x = ReflectionPadding2D(padding=(3, 2))(img_input)
x = layers.Conv2D(4, (7, 7), activation="relu")(x)
x = layers.Lambda(lambda t: tf.pad(t, [[0, 0], [2, 0], [1, 3], [0, 1]], mode="SYMMETRIC"))(x)
x = tf.pad(x, tf.constant([[0, 0], [1, 1], [0, 2], [0, 0]]), constant_values=-0.5)
outputs = layers.Conv2D(3, 3, strides=2)(x)
model = keras.Model(img_input, outputs)
"""

# tf.pad between layers only: tf.keras 2 saves it as a TFOpLambda of
# tf.compat.v1.pad, which kilnc import reads back.
PAD_TENSORS_KERAS2 = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

inputs = layers.Input(shape=(9, 7, 2))
x = tf.pad(inputs, [[0, 0], [1, 1], [2, 2], [0, 0]], mode="REFLECT")
x = tf.pad(x, tf.constant([[0, 0], [1, 1], [0, 2], [0, 0]]), constant_values=-0.5)
x = tf.pad(x, [[0, 0], [3, 0], [0, 0], [1, 1]], "SYMMETRIC")
outputs = layers.Conv2D(3, 3, strides=2)(x)
model = keras.Model(inputs, outputs)
"""

PAD_KERAS3 = """\
import keras
from keras import layers, ops


class ReflectionPadding1D(layers.Layer):
    def __init__(self, width=1, **kwargs):
        super().__init__(**kwargs)
        self.width = width

    def call(self, x):
        return ops.pad(x, [[0, 0], [self.width, self.width], [0, 0]], mode="reflect")


inputs = keras.Input(shape=(8, 3))
x = ReflectionPadding1D(3)(inputs)
x = layers.Conv1D(5, 7)(x)
x = ops.pad(x, ((0, 0), (1, 2), (2, 0)), mode="symmetric")
x = ops.pad(x, [[0, 0], [1, 0], [0, 1]], constant_values=2.0)
outputs = layers.Dense(2)(layers.Flatten()(x))
model = keras.Model(inputs, outputs)
"""

# The subset, function by function, with keras.backend, tf and tf.math.
ASSORTED_KERAS2 = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras import backend as K


def moments(x):
    mean = K.mean(x, axis=-1, keepdims=True)
    var = K.mean(K.square(x - mean), axis=-1, keepdims=True)
    return (x - mean) / K.sqrt(var + K.epsilon())


def mixed(x):
    a = K.abs(x) + K.exp(-x) * 0.5 + K.log(K.abs(x) + 1.0) - K.pow(x, 2) + x ** 3
    b = K.clip(x, -0.5, 0.5) + K.sign(x) * tf.math.sqrt(tf.abs(x))
    c = K.maximum(x, 0.1) * K.minimum(x, -0.1) + tf.cast(x > 0.2, 'float32') - K.cast(x <= -0.3, 'float32')
    return K.sigmoid(a) + K.tanh(b) + K.softplus(c) + K.elu(x) + tf.nn.relu6(x * 8.0) + K.relu(x, alpha=0.1)


def reductions(x):
    s = K.sum(x, axis=1)
    m = K.max(x, axis=2, keepdims=True)
    n = tf.reduce_min(x, axis=[1, 2])
    p = K.prod(x + 1.0, axis=-1)
    return K.concatenate([s, K.squeeze(m, -1), K.expand_dims(n, -1), p], axis=-1)


def layout(x):
    first = x[:, 0]
    last3 = x[..., -3:]
    every = x[:, ::2, 1:4]
    t = K.permute_dimensions(x, (0, 2, 1))
    r = K.reshape(t, (-1, K.int_shape(x)[1] * K.int_shape(x)[2]))
    st = K.stack([first[:, :3], x[:, 1, :3]], axis=1)
    return [K.l2_normalize(r, axis=-1), K.softmax(st), every * 2.0, last3[:, None] - tf.cast(tf.shape(x)[1], 'float32')]


inputs = keras.Input(shape=(4, 5))
scaled = layers.Lambda(lambda x: x / 255.0 * 100.0)(inputs)
a = layers.Lambda(moments)(scaled)
b = layers.Lambda(mixed)(a)
c = layers.Lambda(reductions)(b)
d0, d1, d2, d3 = layers.Lambda(layout)(b)
e = layers.Dense(3)(c)
model = keras.Model(inputs, [e, d0, d1, d2, d3])
"""

# Constants written as lists (tf.constant, convert_to_tensor) and tf.tile /
# K.tile / keras.ops.tile: on a model's tensor, with fewer repeats than axes
# (NumPy's leading 1s), and on a constant.
TILE_KERAS2 = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras import backend as K


def tiled(x):
    weights = tf.constant([[1.0, -2.0, 0.5, 3.0, -1.0]])
    scaled = x * weights + tf.convert_to_tensor([0.1, 0.2, 0.3, 0.4, 0.5])
    return tf.tile(scaled, [1, 2, 3])


inputs = keras.Input(shape=(4, 5))
a = layers.Lambda(tiled)(inputs)
b = layers.Lambda(lambda x: K.tile(x, [1, 1, 2]))(inputs)
model = keras.Model(inputs, [layers.Dense(3)(a), b])
"""

TILE_KERAS3 = """\
import keras
from keras import layers, ops


class Tiled(layers.Layer):
    def call(self, x):
        weights = ops.convert_to_tensor([[1.0, -2.0, 0.5, 3.0, -1.0]])
        offsets = ops.tile(ops.reshape(ops.arange(5) * 0.1, [1, 5]), [4, 1])
        return ops.tile(x * weights + offsets, [1, 2, 3])


inputs = keras.Input(shape=(4, 5))
a = Tiled()(inputs)
b = layers.Lambda(lambda t: ops.tile(t, (1, 2)))(inputs)
model = keras.Model(inputs, [layers.Dense(3)(a), b])
"""

BUILTIN_ABS = """from tensorflow import keras
from tensorflow.keras import layers

inputs = keras.Input(shape=(6,))
x = layers.Dense(5)(inputs)
y = abs(x)
z = layers.Lambda(lambda t: abs(t - 0.25) * 2.0)(x)
model = keras.Model(inputs, [y, z])
"""

CASES = [
    Case("keras2_builtin_abs", BUILTIN_ABS, batch=3, files=("model.h5",), inputs=[floats(-1, 1)],
         note="Python's abs() of a model's tensor (tf.keras 2 makes a tf.math.abs TFOpLambda) and inside a Lambda."),
    Case("keras2_lambda_siamese", SIAMESE, keras=2, files=("model.h5", "weights.h5"),
         note="mnist_siamese.py's euclidean_distance Lambda (K.sum, K.square, K.sqrt, K.maximum, K.epsilon) over "
              "a shared base network, output_shape function; tf.keras 2.15 runs the same source.",
         atol=1e-5, rtol=1e-4),
    Case("keras2_custom_antirectifier", ANTIRECTIFIER_KERAS2, keras=2, files=("model.h5", "weights.h5"),
         note="Keras 2.3.1 examples/antirectifier.py: a custom Layer with compute_output_shape, K.mean, "
              "K.l2_normalize, K.relu, K.concatenate; tf.keras 2.15 runs the same source.",
         atol=1e-5, rtol=1e-4),
    Case("keras2_custom_antirectifier_weights", ANTIRECTIFIER_KERAS_IO, keras=2,
         files=("weights.h5", "model.weights.h5", "model.keras", "model.json"),
         note="keras.io's Antirectifier recipe: add_weight in build(), tf.reduce_mean, tf.nn.relu, tf.concat, "
              "tf.matmul; weights bound by name from Keras 2 and Keras 3 layouts; tf.keras 2.15.",
         atol=1e-5, rtol=1e-4),
    Case("keras3_custom_linear", LINEAR_KERAS3, keras=3, files=("model.weights.h5", "model.keras"),
         note="The Keras guide's Linear layer (add_weight w and b, keras.ops.matmul) and a Lambda of keras.ops; "
              "Keras 3.15 on JAX runs the same source.", atol=1e-5, rtol=1e-4),
    Case("keras2_lambda_assorted", ASSORTED_KERAS2, keras=2, files=("model.h5",), inputs=[floats(-255, 255)],
         note="The tensor-expression subset in Lambdas: arithmetic, comparisons, unary functions, activations, "
              "reductions, l2_normalize, softmax, concatenate, stack, expand_dims, squeeze, reshape, transpose, "
              "slicing, K.epsilon, K.int_shape, tf.shape; tf.keras 2.15.", atol=1e-4, rtol=1e-4),
    Case("keras2_lambda_tile", TILE_KERAS2, keras=2, files=("model.h5",),
         note="tf.constant and tf.convert_to_tensor of lists, tf.tile and K.tile in Lambdas; tf.keras 2.15.",
         atol=1e-5, rtol=1e-5),
    Case("keras3_custom_tile", TILE_KERAS3, keras=3, files=("model.weights.h5",),
         note="keras.ops.convert_to_tensor of a list, keras.ops.tile of a constant and of the layer's input in a "
              "custom layer, and with fewer repeats than axes in a Lambda; Keras 3.15 (JAX).", atol=1e-5, rtol=1e-5),
    Case("keras2_init_weights", INIT_WEIGHTS.format(imports="import tensorflow as tf\nfrom tensorflow import keras",
                                                    ops="tf", w_name=', name="w"', b_name=', name="b"'),
         keras=2, files=("model.h5", "weights.h5"),
         note="The subclassing guide's Linear (add_weight in __init__, unnamed) and a layer with weights from "
              "__init__ (a list) before build()'s; tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_init_weights", INIT_WEIGHTS.format(imports="import keras\nfrom keras import ops", ops="ops", w_name="", b_name=""),
         keras=3, files=("model.weights.h5", "model.keras"),
         note="The same with keras.ops: Keras 3 stores the weights in the order they were made; Keras 3.15 (JAX).",
         atol=1e-5, rtol=1e-4),
    Case("keras2_pad", PAD_KERAS2, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="tf.pad: CycleGAN's ReflectionPadding2D (REFLECT) in a custom layer, SYMMETRIC in a Lambda, CONSTANT "
              "with constant_values on a model's tensor; tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras2_pad_tensors", PAD_TENSORS_KERAS2, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="tf.pad in its three modes on a model's tensors (TFOpLambda layers of tf.compat.v1.pad); "
              "tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_pad", PAD_KERAS3, keras=3, files=("model.keras",), inputs=[floats(-1, 1)],
         note="keras.ops.pad in the modes reflect (a custom layer), symmetric and constant (on a model's tensor); "
              "Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
]

# A Lambda made in a loop reads the loop's variable when Keras calls its
# function: once at the call (the shapes) and again whenever the model runs,
# by then with the loop's last value. `i=i` binds each call's value.
LATE_BINDING = """\
from keras.layers import Input, Lambda, Concatenate, Dense
from keras.models import Model

inputs = Input(shape=(4,))
parts = []
for i in range(3):
    parts.append(Lambda(lambda z: z[:, i:i + 1] * (i + 1))(inputs))
bound = [Lambda(lambda z, i=i: z[:, i:i + 1] * (i + 1))(inputs) for i in range(3)]
scale = 2.0
scaled = Lambda(lambda z: z * scale)(inputs)
scale = 3.0
outputs = Dense(2)(Concatenate()(parts + bound + [scaled]))
model = Model(inputs, outputs)
"""

CASES += [
    Case("keras2_lambda_late_binding", LATE_BINDING, keras=2, files=("model.h5",),
         note="Lambdas made in a loop over i read its last value when the model runs (Keras calls their function "
              "again), those with i=i their own; a Lambda reading a variable set again after it; tf.keras 2.15."),
    Case("keras3_lambda_late_binding", LATE_BINDING, keras=3, files=("model.keras",),
         note="the same in Keras 3.15 (JAX): the functions run again when predict() traces the model."),
]

# Tensors made like another or of a shape (zeros_like, tf.fill with the
# batch's size), broadcasts, repeats of elements (K.repeat_elements,
# tf.repeat, K.repeat as RepeatVector), moments (tf.nn.moments, K.var, K.std,
# tf.math.reduce_std) and K.batch_dot over each pair of axes Keras's default
# and given axes pick, as pasted attention and normalization layers use them.
FILLS_KERAS2 = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import backend as K
from tensorflow.keras.layers import Input, Lambda, Dense, Layer
from tensorflow.keras.models import Model

seq = Input(shape=(6, 4))
vec = Input(shape=(4,))
z = Lambda(lambda t: K.zeros_like(t) + tf.ones_like(t) * 0.5)(seq)
f = Lambda(lambda t: tf.fill([tf.shape(t)[0], 3], 2.0) + tf.zeros((tf.shape(t)[0], 3)))(vec)
b = Lambda(lambda t: tf.broadcast_to(K.expand_dims(t, 1), [tf.shape(t)[0], 6, 4]))(vec)
r1 = Lambda(lambda t: K.repeat_elements(t, 2, axis=1))(seq)
r2 = Lambda(lambda t: tf.repeat(t, 3, axis=-1))(seq)
r3 = Lambda(lambda t: K.repeat(t, 5))(vec)
m = Lambda(lambda t: tf.nn.moments(t, axes=[1])[1] + tf.nn.moments(t, axes=[1], keepdims=True)[0][:, 0])(seq)
v = Lambda(lambda t: K.var(t, axis=-1) - K.std(t, axis=-1, keepdims=False) + tf.math.reduce_std(t, axis=2))(seq)
d1 = Lambda(lambda p: K.batch_dot(p[0], p[1], axes=[2, 1]))([seq, vec])
d2 = Lambda(lambda p: K.batch_dot(p[0], p[0], axes=[2, 2]))([seq, vec])
d3 = Lambda(lambda p: K.batch_dot(p[0], p[0], axes=1))([seq, vec])
d4 = Lambda(lambda p: K.batch_dot(p[1], p[1]))([seq, vec])
model = Model([seq, vec], [z, f, b, r1, r2, r3, m, v, d1, d2, d3, d4])
"""

FILLS_KERAS3 = """\
import keras
from keras import layers, ops

seq = keras.Input(shape=(6, 4))
vec = keras.Input(shape=(4,))
z = layers.Lambda(lambda t: ops.zeros_like(t) + ops.ones_like(t) * 0.5 + ops.full_like(t, 2.0))(seq)
f = layers.Lambda(lambda t: ops.full((ops.shape(t)[0], 3), 2.0) + ops.zeros((ops.shape(t)[0], 3)))(vec)
b = layers.Lambda(lambda t: ops.broadcast_to(ops.expand_dims(t, 1), (ops.shape(t)[0], 6, 4)))(vec)
r = layers.Lambda(lambda t: ops.repeat(t, 2, axis=1))(seq)
v = layers.Lambda(lambda t: ops.var(t, axis=-1) - ops.std(t, axis=1, keepdims=True)[:, 0, :1])(seq)
model = keras.Model([seq, vec], [z, f, b, r, v])
"""

# TensorFlow's text generation tutorial's subclassed model (tf.keras 2):
# super().__init__(self), the GRU's zero state from get_initial_state() when
# no state is given, return_state.
TEXT_GENERATION = """\
import tensorflow as tf

vocab_size = 30
embedding_dim = 8
rnn_units = 16


class MyModel(tf.keras.Model):
  def __init__(self, vocab_size, embedding_dim, rnn_units):
    super().__init__(self)
    self.embedding = tf.keras.layers.Embedding(vocab_size, embedding_dim)
    self.gru = tf.keras.layers.GRU(rnn_units,
                                   return_sequences=True,
                                   return_state=True)
    self.dense = tf.keras.layers.Dense(vocab_size)

  def call(self, inputs, states=None, return_state=False, training=False):
    x = inputs
    x = self.embedding(x, training=training)
    if states is None:
      states = self.gru.get_initial_state(x)
    x, states = self.gru(x, initial_state=states, training=training)
    x = self.dense(x, training=training)

    if return_state:
      return x, states
    else:
      return x


model = MyModel(
    vocab_size=vocab_size,
    embedding_dim=embedding_dim,
    rnn_units=rnn_units)
model.build((None, 12))
"""

CASES += [
    Case("keras2_lambda_fills_repeats", FILLS_KERAS2, keras=2, files=("model.h5",), inputs=[floats(-2, 2), floats(-2, 2)],
         note="zeros_like, ones_like, tf.fill and tf.zeros with the batch's size, tf.broadcast_to, K.repeat_elements, "
              "tf.repeat, K.repeat, tf.nn.moments, K.var, K.std, tf.math.reduce_std, K.batch_dot (default and given "
              "axes, rank 2 and 3); tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_lambda_fills_repeats", FILLS_KERAS3, keras=3, files=("model.keras",), inputs=[floats(-2, 2), floats(-2, 2)],
         note="keras.ops zeros_like, ones_like, full_like, full, zeros, broadcast_to, repeat, var, std; Keras 3.15 (JAX).",
         atol=1e-5, rtol=1e-4),
    Case("keras2_subclass_text_generation", TEXT_GENERATION, keras=2, files=("weights.h5",), inputs=[ints(0, 30, shape=(12,))],
         note="TensorFlow's text generation tutorial's model: super().__init__(self), get_initial_state() of a GRU; "
              "tf.keras 2.15.", atol=1e-5, rtol=1e-4),
]

# Image resizing in tensor math as each API samples: tf.image.resize
# (half-pixel centres: bilinear, nearest, area), TensorFlow 1's
# tf.compat.v1.image functions (asymmetric, align_corners, half_pixel_centers),
# K.resize_images by factors, and tf.image.resize on a model's tensor, a
# layer of its own (DeepLabV3+ and BASNet resize so).
RESIZE_KERAS2 = """\
import tensorflow as tf
from tensorflow.keras import backend as K
from tensorflow.keras.layers import Input, Lambda, Conv2D
from tensorflow.keras.models import Model

img = Input(shape=(5, 7, 3))
a = Lambda(lambda t: tf.image.resize(t, (9, 4)))(img)
b = Lambda(lambda t: tf.image.resize(t, [10, 14], method="nearest"))(img)
c = Lambda(lambda t: tf.image.resize(t, (3, 2), method=tf.image.ResizeMethod.AREA))(img)
d = Lambda(lambda t: tf.compat.v1.image.resize(t, (11, 6), method="bilinear", align_corners=True))(img)
e = Lambda(lambda t: tf.compat.v1.image.resize(t, (11, 6)))(img)
f = Lambda(lambda t: tf.compat.v1.image.resize_bilinear(t, (8, 9), half_pixel_centers=True))(img)
g = Lambda(lambda t: tf.compat.v1.image.resize_nearest_neighbor(t, (8, 9)))(img)
h = Lambda(lambda t: tf.compat.v1.image.resize_nearest_neighbor(t, (8, 9), align_corners=True))(img)
i = Lambda(lambda t: K.resize_images(t, 2, 3, "channels_last", interpolation="bilinear"))(img)
j = tf.image.resize(Conv2D(2, 1)(img), (K.int_shape(img)[1] * 2, K.int_shape(img)[2] * 2))
k = tf.compat.v1.image.resize_images(img, (4, 4), method=tf.compat.v1.image.ResizeMethod.NEAREST_NEIGHBOR)
model = Model(img, [a, b, c, d, e, f, g, h, i, j, k])
"""

RESIZE_KERAS3 = """\
import keras
from keras import layers, ops

img = keras.Input(shape=(5, 7, 3))
a = layers.Lambda(lambda t: ops.image.resize(t, (9, 4)))(img)
b = layers.Lambda(lambda t: ops.image.resize(t, (10, 14), interpolation="nearest"))(img)
c = layers.Lambda(lambda t: ops.image.resize(t, (3, 3), interpolation="nearest"))(img)
d = ops.image.resize(layers.Conv2D(2, 1)(img), (8, 11))
model = keras.Model(img, [a, b, c, d])
"""

CASES += [
    Case("keras2_lambda_resize", RESIZE_KERAS2, keras=2, files=("model.h5",), inputs=[floats(-2, 2)],
         note="tf.image.resize bilinear/nearest/area, tf.compat.v1.image.resize (align_corners, asymmetric), "
              "resize_bilinear(half_pixel_centers=True), resize_nearest_neighbor (asymmetric, align_corners), "
              "K.resize_images bilinear, tf.image.resize and tf.compat.v1.image.resize_images on model tensors; "
              "tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_lambda_resize", RESIZE_KERAS3, keras=3, files=("model.keras",), inputs=[floats(-2, 2)],
         note="keras.ops.image.resize bilinear and nearest, up and down, in Lambdas and on a model's tensor; "
              "Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
]

# depth_to_space and space_to_depth inside Lambdas (SRResNet's pixel_shuffle
# returns `lambda x: tf.nn.depth_to_space(x, scale)`), and initializers set on
# built layers (BASNet), which change nothing at inference.
PIXEL_SHUFFLE_LAMBDA = """\
import tensorflow as tf


def pixel_shuffle(scale):
    return lambda x: tf.nn.depth_to_space(x, scale)


inputs = tf.keras.layers.Input(shape=(4, 6, 3))
x = tf.keras.layers.Conv2D(12, kernel_size=3, padding="same")(inputs)
x = tf.keras.layers.Lambda(pixel_shuffle(scale=2))(x)
y = tf.keras.layers.Lambda(lambda t: tf.nn.space_to_depth(t, 2) * 2.0)(x)
z = tf.keras.layers.Lambda(lambda t: tf.nn.depth_to_space(t, 3))(tf.keras.layers.Conv2D(18, 1)(inputs))
model = tf.keras.Model(inputs, [x, y, z])
for layer in model.layers:
    if hasattr(layer, "kernel_initializer"):
        layer.kernel_initializer = tf.keras.initializers.he_normal()
"""

CASES += [
    Case("keras2_lambda_pixel_shuffle", PIXEL_SHUFFLE_LAMBDA, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="tf.nn.depth_to_space (block 2 and 3) and space_to_depth inside Lambdas; kernel_initializer set on "
              "built layers; tf.keras 2.15.", atol=1e-5, rtol=1e-4),
]

# vit-keras's layers (faustomorales): weights made as tf.Variable from an
# initializer called with a shape, a class token broadcast over the batch,
# attention with tf.matmul(transpose_b=True) scaled by the square root of a
# size cast to float, and call(self, inputs, training) left for Keras to fill.
VIT_KERAS_LAYERS = """\
import tensorflow as tf


class ClassToken(tf.keras.layers.Layer):
    def build(self, input_shape):
        cls_init = tf.zeros_initializer()
        self.hidden_size = input_shape[-1]
        self.cls = tf.Variable(
            name="cls",
            initial_value=cls_init(shape=(1, 1, self.hidden_size), dtype="float32"),
            trainable=True,
        )

    def call(self, inputs):
        batch_size = tf.shape(inputs)[0]
        cls_broadcasted = tf.cast(
            tf.broadcast_to(self.cls, [batch_size, 1, self.hidden_size]),
            dtype=inputs.dtype,
        )
        return tf.concat([cls_broadcasted, inputs], 1)


class AddPositionEmbs(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.pe = tf.Variable(
            name="pos_embedding",
            initial_value=tf.initializers.random_normal(stddev=0.06)(
                shape=(1, input_shape[1], input_shape[2])
            ),
            dtype="float32",
            trainable=True,
        )

    def call(self, inputs):
        return inputs + tf.cast(self.pe, dtype=inputs.dtype)


class Scores(tf.keras.layers.Layer):
    def call(self, inputs, training):
        query, key = inputs, inputs
        score = tf.matmul(query, key, transpose_b=True)
        dim_key = tf.cast(tf.shape(key)[-1], score.dtype)
        return tf.nn.softmax(score / tf.math.sqrt(dim_key), axis=-1)


inputs = tf.keras.layers.Input(shape=(5, 8))
x = tf.keras.layers.Dense(8)(inputs)
x = ClassToken(name="class_token")(x)
x = AddPositionEmbs(name="pos_embedding")(x)
y = Scores()(x)
model = tf.keras.Model(inputs, [x, y])
"""

CASES += [
    Case("keras2_custom_vit_variables", VIT_KERAS_LAYERS, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="vit-keras's ClassToken and AddPositionEmbs (tf.Variable weights from initializers called with a shape, "
              "broadcast_to over the batch), tf.matmul(transpose_b=True), sqrt of a cast size, call(inputs, training) "
              "filled by Keras; tf.keras 2.15.", atol=1e-5, rtol=1e-4),
]

# Trigonometry, log1p/expm1, rounding (halves to even) and tf.add_n, as
# sinusoidal features and numerically careful losses write them.
MATH_KERAS2 = """import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

x = keras.Input(shape=(6,))
waves = layers.Lambda(lambda t: tf.concat([tf.sin(t * 3.0), tf.math.cos(t), tf.math.tan(t)], axis=-1))(x)
logs = layers.Lambda(lambda t: tf.math.log1p(tf.abs(t)) - tf.math.expm1(t * 0.5))(x)
rounded = layers.Lambda(lambda t: tf.round(t * 4.0) + tf.math.round(t * 0.0 + 2.5) + tf.round(t * 0.0 - 0.5))(x)
total = layers.Lambda(lambda t: tf.add_n([t, tf.sin(t), t * 2.0]))(x)
model = keras.Model(x, [waves, logs, rounded, total])
"""

MATH_KERAS3 = """import keras
from keras import layers, ops

x = keras.Input(shape=(6,))
waves = layers.Lambda(lambda t: ops.concatenate([ops.sin(t * 3.0), ops.cos(t), ops.tan(t)], axis=-1))(x)
logs = layers.Lambda(lambda t: ops.log1p(ops.abs(t)) - ops.expm1(t * 0.5))(x)
rounded = layers.Lambda(lambda t: ops.round(t * 4.0) + ops.round(t * 0.0 + 2.5) + ops.round(t * 0.0 - 0.5))(x)
model = keras.Model(x, [waves, logs, rounded])
"""

CASES += [
    Case("keras2_lambda_math", MATH_KERAS2, keras=2, files=("model.h5",), inputs=[floats(-1.2, 1.2)],
         atol=1e-5, rtol=1e-5,
         note="tf.sin, tf.math.cos/tan/log1p/expm1, tf.round (halves to even: 2.5 -> 2, -0.5 -> -0) and tf.add_n "
              "in Lambdas; tf.keras 2.15."),
    Case("keras3_lambda_math", MATH_KERAS3, keras=3, files=("model.keras",), inputs=[floats(-1.2, 1.2)],
         atol=1e-5, rtol=1e-5, note="keras.ops sin, cos, tan, log1p, expm1 and round in Lambdas; Keras 3 (JAX)."),
]

# The error function, as hand-written exact GELU uses it (BERT's gelu:
# x * 0.5 * (1 + erf(x / sqrt(2)))), over both tails.
ERF_KERAS2 = """import math
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


def gelu(x):
    return x * 0.5 * (1.0 + tf.math.erf(x / tf.sqrt(2.0)))


x = keras.Input(shape=(8,))
h = layers.Dense(8)(x)
g = layers.Lambda(gelu)(h)
e = layers.Lambda(lambda t: tf.math.erfc(t) - tf.math.erf(t * 2.0) + tf.math.erf(0.5) / math.sqrt(2.0))(x)
model = keras.Model(x, [g, e])
"""

ERF_KERAS3 = """import keras
from keras import layers, ops

x = keras.Input(shape=(8,))
h = layers.Dense(8)(x)
g = layers.Lambda(lambda t: 0.5 * t * (1.0 + ops.erf(t / ops.sqrt(2.0))))(h)
model = keras.Model(x, [g, layers.Lambda(lambda t: ops.erf(t * 3.0))(x)])
"""

CASES += [
    Case("keras2_lambda_erf", ERF_KERAS2, keras=2, files=("model.h5",), inputs=[floats(-3, 3)], atol=1e-6, rtol=1e-5,
         note="tf.math.erf (exact GELU written by hand, and on a number) and tf.math.erfc in Lambdas; tf.keras 2.15."),
    Case("keras3_lambda_erf", ERF_KERAS3, keras=3, files=("model.keras",), inputs=[floats(-3, 3)], atol=1e-6,
         rtol=1e-5, note="keras.ops.erf in Lambdas (exact GELU written by hand); Keras 3 (JAX)."),
]

# Slices by begin and size, and rolls: keras.io's Compact Convolutional
# Transformer trims its position embeddings with ops.slice, the Swin
# Transformer shifts its windows with ops.roll.
SLICE_ROLL_KERAS2 = """import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

x = keras.Input(shape=(4, 6))
a = layers.Lambda(lambda t: tf.slice(t, [0, 1, 2], [-1, 2, -1]))(x)
b = layers.Lambda(lambda t: tf.roll(t, shift=[1, -2], axis=[1, 2]))(x)
c = tf.roll(x, shift=9, axis=-1)
d = tf.slice(x, begin=[0, 0, 3], size=[-1, 4, 2])
model = keras.Model(x, [a, b, c, d])
"""

SLICE_ROLL_KERAS3 = """import keras
from keras import layers, ops


class PositionEmbedding(keras.layers.Layer):
    def __init__(self, sequence_length, initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if sequence_length is None:
            raise ValueError("`sequence_length` must be an Integer, received `None`.")
        self.sequence_length = int(sequence_length)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        feature_size = input_shape[-1]
        self.position_embeddings = self.add_weight(
            name="embeddings",
            shape=[self.sequence_length, feature_size],
            initializer=self.initializer,
            trainable=True,
        )
        super().build(input_shape)

    def call(self, inputs, start_index=0):
        shape = ops.shape(inputs)
        feature_length = shape[-1]
        sequence_length = shape[-2]
        # trim to match the length of the input sequence, which might be less
        # than the sequence_length of the layer.
        position_embeddings = ops.convert_to_tensor(self.position_embeddings)
        position_embeddings = ops.slice(
            position_embeddings,
            (start_index, 0),
            (sequence_length, feature_length),
        )
        return ops.broadcast_to(position_embeddings, shape)


class WindowShift(layers.Layer):
    def __init__(self, shift_size, **kwargs):
        super().__init__(**kwargs)
        self.shift_size = shift_size

    def call(self, x):
        return ops.roll(x, shift=[-self.shift_size, -self.shift_size], axis=[1, 2])


tokens = keras.Input(shape=(5, 4))
positions = PositionEmbedding(sequence_length=8)(tokens)
encoded = layers.Add()([tokens, positions])
image = keras.Input(shape=(4, 4, 3))
shifted = WindowShift(shift_size=1)(image)
model = keras.Model([tokens, image], [encoded, shifted])
"""

CASES += [
    Case("keras2_slice_roll", SLICE_ROLL_KERAS2, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="tf.slice (size -1 to the end) and tf.roll (shifts past the size and negative, two axes at once), in "
              "Lambdas and on model tensors; tf.keras 2.15."),
    Case("keras3_slice_roll", SLICE_ROLL_KERAS3, keras=3, files=("model.weights.h5",),
         inputs=[floats(-1, 1), floats(-1, 1)],
         note="keras.io CCT's PositionEmbedding (ops.slice of a weight by the input's shape) and Swin's window "
              "shift (ops.roll over two axes) in custom layers; Keras 3 (JAX)."),
]

# Triangular masks and reversed axes: TensorFlow's Transformer tutorial
# builds its look-ahead mask with tf.linalg.band_part, Keras 3 code with
# ops.tril / ops.triu; tf.reverse, K.reverse and ops.flip turn sequences round.
BAND_REVERSE_KERAS2 = """import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import backend as K
from tensorflow.keras import layers


def create_look_ahead_mask(size):
    mask = 1 - tf.linalg.band_part(tf.ones((size, size)), -1, 0)
    return mask


x = keras.Input(shape=(5, 5))
masked = layers.Lambda(lambda t: t + create_look_ahead_mask(5) * -1e9)(x)
banded = layers.Lambda(lambda t: tf.linalg.band_part(t, 1, 2) + tf.linalg.band_part(t * 2.0, 0, -1))(x)
turned = layers.Lambda(lambda t: tf.reverse(t, axis=[1]) - K.reverse(t, axes=-1) + tf.reverse(t, [-2, -1]))(x)
model = keras.Model(x, [masked, banded, turned])
"""

BAND_REVERSE_KERAS3 = """import keras
from keras import layers, ops

x = keras.Input(shape=(4, 6))
lower = layers.Lambda(lambda t: ops.tril(t) + ops.tril(t, k=-1) * 3.0 + ops.tril(t, 2))(x)
upper = layers.Lambda(lambda t: ops.triu(t, k=1) - ops.triu(t, -2))(x)
flipped = layers.Lambda(lambda t: ops.flip(t, axis=1) + ops.flip(t, axis=(1, 2)))(x)
model = keras.Model(x, [lower, upper, flipped])
"""

CASES += [
    Case("keras2_band_reverse", BAND_REVERSE_KERAS2, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         atol=1e-6, rtol=1e-6,
         note="tf.linalg.band_part (the Transformer tutorial's look-ahead mask, bands of a tensor), tf.reverse and "
              "K.reverse in Lambdas; tf.keras 2.15."),
    Case("keras3_band_reverse", BAND_REVERSE_KERAS3, keras=3, files=("model.keras",), inputs=[floats(-1, 1)],
         atol=1e-6, rtol=1e-6, note="keras.ops tril and triu (k above and below the diagonal) and flip in Lambdas; "
                                    "Keras 3 (JAX)."),
]

# Einstein sums: attention written with tf.einsum / ops.einsum in custom
# layers (scores and the weighted sum), a weight contracted by letters,
# "..." and NumPy's implicit output.
EINSUM_KERAS2 = """import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


class EinsumAttention(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1], self.units), initializer="glorot_uniform")

    def call(self, x):
        h = tf.einsum("btd,du->btu", x, self.w)
        scores = tf.einsum("bqu,bku->bqk", h, h) / 2.0
        weights = tf.nn.softmax(scores, axis=-1)
        return tf.einsum("bqk,bku->bqu", weights, h)


x = keras.Input(shape=(6, 4))
attended = EinsumAttention(3)(x)
swapped = layers.Lambda(lambda t: tf.einsum("...ij->...ji", t))(x)
implicit = layers.Lambda(lambda t: tf.einsum("bji", t) * 3.0 + tf.einsum("bij->bji", t))(x)
summed = layers.Lambda(lambda t: tf.einsum("bij->bj", t) + tf.einsum("bij,bij->b", t, t)[:, None])(x)
model = keras.Model(x, [attended, swapped, implicit, summed])
"""

EINSUM_KERAS3 = """import keras
from keras import layers, ops


class Bilinear(layers.Layer):
    def build(self, input_shape):
        d = input_shape[-1]
        self.kernel = self.add_weight(shape=(d, 2, d), initializer="glorot_uniform", name="kernel")

    def call(self, x):
        return ops.einsum("bti,ioj,btj->bto", x, self.kernel, x)


x = keras.Input(shape=(5, 3))
pairs = Bilinear()(x)
outer = layers.Lambda(lambda t: ops.einsum("bi,bj->bij", t[:, 0], t[:, -1]))(x)
heads = layers.Lambda(lambda t: ops.einsum("b...d,b...d->b...", t, t * 2.0))(x)
model = keras.Model(x, [pairs, outer, heads])
"""

CASES += [
    Case("keras2_einsum", EINSUM_KERAS2, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="tf.einsum: attention in a custom layer (a weight contracted, scores, the weighted sum), '...', "
              "NumPy's implicit output and full sums in Lambdas; tf.keras 2.15."),
    Case("keras3_einsum", EINSUM_KERAS3, keras=3, files=("model.keras",), inputs=[floats(-1, 1)],
         note="keras.ops.einsum of three operands (a bilinear form with a weight), an outer product and '...' "
              "over the middle axes; Keras 3 (JAX)."),
]

# tf.unstack / ops.unstack: a list of tensors without the unstacked axis.
UNSTACK_KERAS2 = """import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

x = keras.Input(shape=(3, 4))
a, b, c = tf.unstack(x, axis=1)
summed = layers.Lambda(lambda t: tf.add_n(tf.unstack(t, axis=-1)))(x)
reversed_rows = layers.Lambda(lambda t: tf.stack(tf.unstack(t, num=3, axis=1)[::-1], axis=1))(x)
model = keras.Model(x, [a + c * b, summed, reversed_rows])
"""

UNSTACK_KERAS3 = """import keras
from keras import layers, ops


class SplitHeads(layers.Layer):
    def call(self, qkv):
        q, k, v = ops.unstack(qkv, axis=2)
        return ops.softmax(q * k) * v


x = keras.Input(shape=(4, 3, 5))
mixed = SplitHeads()(x)
model = keras.Model(x, mixed)
"""

CASES += [
    Case("keras2_unstack", UNSTACK_KERAS2, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         atol=1e-6, rtol=1e-6,
         note="tf.unstack on a model's tensor (three outputs) and in Lambdas (num=, a negative axis); "
              "tf.keras 2.15."),
    Case("keras3_unstack", UNSTACK_KERAS3, keras=3, files=("model.keras",), inputs=[floats(-1, 1)],
         atol=1e-6, rtol=1e-6,
         note="keras.ops.unstack of a query-key-value tensor in a custom layer; Keras 3 (JAX)."),
]
