"""Dense models: the simplest check of every weights file Keras writes."""
from case import Case, floats, uniform

ALL2 = ("model.h5", "weights.h5", "model.weights.h5", "model.keras", "model.json")
ALL3 = ("model.h5", "model.weights.h5", "model.keras")

MLP = """\
from keras.models import Sequential
from keras.layers import Dense

model = Sequential()
model.add(Dense(16, input_dim=8, activation='relu'))
model.add(Dense(16, activation='tanh'))
model.add(Dense(4, activation='softmax'))
"""

# An activation given as a layer object (a callable, as in GAN code):
# applied to the output, with the object's own parameters.
ACTIVATION_OBJECTS_KERAS2 = """\
from keras.models import Model
from keras.layers import Input, Dense, Conv2D, Flatten, LeakyReLU, ELU, ReLU, ThresholdedReLU, Activation

images = Input(shape=(6, 5, 2))
x = Conv2D(4, 3, padding='same', activation=LeakyReLU(alpha=0.2))(images)
x = Conv2D(3, 3, activation=ELU(alpha=0.5), data_format='channels_first')(x)
x = Flatten()(x)
x = Dense(12, activation=ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2))(x)
y = Dense(6, activation=ThresholdedReLU(theta=0.3))(x)
z = Dense(5, activation=ReLU())(x)
w = Activation(LeakyReLU())(x)
model = Model(images, [x, y, z, w])
"""

ACTIVATION_OBJECTS_KERAS3 = """\
import keras
from keras import layers

images = keras.Input(shape=(6, 5, 2))
x = layers.Conv2D(4, 3, padding='same', activation=layers.LeakyReLU(negative_slope=0.2))(images)
x = layers.Conv2D(3, 3, activation=layers.ELU(alpha=0.5), data_format='channels_first')(x)
x = layers.Flatten()(x)
x = layers.Dense(12, activation=layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2))(x)
y = layers.Dense(5, activation=layers.ReLU())(x)
w = layers.Activation(layers.LeakyReLU())(x)
model = keras.Model(images, [x, y, w])
"""

# An activation given as a function of the file (a def, a lambda): Keras
# calls it on the output.
ACTIVATION_FUNCTIONS_KERAS2 = """\
import tensorflow as tf
from keras.models import Sequential
from keras.layers import Dense, Conv2D, Flatten, Activation


def mish(x):
    return x * tf.math.tanh(tf.math.softplus(x))


model = Sequential([
    Conv2D(4, 3, activation=mish, input_shape=(6, 5, 2)),
    Flatten(),
    Dense(8, activation=lambda x: tf.nn.leaky_relu(x, alpha=0.1)),
    Activation(lambda x: x * tf.sigmoid(1.702 * x)),
    Dense(3, activation=mish),
])
"""

ACTIVATION_FUNCTIONS_KERAS3 = """\
import keras
from keras import layers, ops


def mish(x):
    return x * ops.tanh(ops.softplus(x))


model = keras.Sequential([
    keras.Input(shape=(6, 5, 2)),
    layers.Conv2D(4, 3, activation=mish),
    layers.Flatten(),
    layers.Dense(8, activation=lambda x: ops.leaky_relu(x, negative_slope=0.1)),
    layers.Dense(3, activation=mish),
])
"""

HARD_SILU_KERAS3 = """import keras
from keras import layers

inputs = keras.Input(shape=(7,))
x = layers.Dense(19, activation='hard_silu')(inputs)
y = layers.Dense(5, activation='hard_swish')(x)
z = layers.Activation('hard_silu')(layers.Dense(3)(inputs))
model = keras.Model(inputs, [x, y, z])
"""

# Keras 3's further activations, in a Dense and a Conv2D epilogue, as
# Activation layers and as keras.ops in a Lambda.
MORE_ACTIVATIONS_KERAS3 = """import keras
from keras import layers, ops

inputs = keras.Input(shape=(7,))
names = ['celu', 'hard_tanh', 'hard_shrink', 'soft_shrink', 'tanh_shrink', 'squareplus', 'sparse_plus',
         'sparse_sigmoid', 'log_sigmoid']
dense = [layers.Dense(19, activation=name)(inputs) for name in names]
standalone = [layers.Activation(name)(inputs) for name in names]
images = keras.Input(shape=(5, 5, 2))
conv = layers.Conv2D(4, 3, activation='hard_tanh')(images)
ops_ = layers.Lambda(lambda t: ops.celu(t, alpha=0.5) + ops.hard_tanh(t) + ops.tanh_shrink(t) + ops.log_sigmoid(t)
                     + ops.sparse_plus(t) + ops.sparse_sigmoid(t))(inputs)
model = keras.Model([inputs, images], [layers.Concatenate()(dense), layers.Concatenate()(standalone), conv, ops_])
"""

# The activation of a layer that TimeDistributed wraps: a layer object, and
# softmax over the last axis of a channels_first layer's output (its width).
WRAPPED_ACTIVATIONS = """\
from keras.models import Model
from keras.layers import Input, TimeDistributed, Conv1D, Conv2D, Dense, ReLU

clips = Input(shape=(2, 3, 4, 5))
a = TimeDistributed(Conv2D(2, 1, data_format='channels_first', activation='{act}'))(clips)
b = TimeDistributed(Conv2D(3, 3, padding='same', data_format='channels_first',
                           activation=ReLU(max_value=1.5, negative_slope=0.1)))(clips)
sequences = Input(shape=(3, 4, 6))
c = TimeDistributed(Dense(5, activation=ReLU(max_value=0.5, negative_slope=0.2)))(sequences)
d = TimeDistributed(TimeDistributed(Dense(4, activation='{act}')))(sequences)
e = TimeDistributed(Conv1D(3, 2, data_format='channels_first', activation='{act}'))(sequences)
model = Model([clips, sequences], [a, b, c, d, e])
"""

# Layers whose lowering reads their weights other than through a GEMM,
# wrapped: BatchNormalization's statistics, PReLU's slopes.
WRAPPED_WEIGHTS = """\
from keras.models import Model
from keras.layers import Input, TimeDistributed, BatchNormalization, PReLU

sequences = Input(shape=(3, 4, 5))
a = TimeDistributed(BatchNormalization())(sequences)
b = TimeDistributed(BatchNormalization(axis=1, center=False, epsilon=0.1))(sequences)
c = TimeDistributed(PReLU())(sequences)
d = TimeDistributed(PReLU(shared_axes=[1]))(sequences)
model = Model(sequences, [a, b, c, d])
"""

CASES = [
    Case("keras3_hard_silu", HARD_SILU_KERAS3, keras=3, batch=3, files=("model.keras",), weights=uniform(1.5),
         inputs=[floats(-4, 4)],
         note="Keras 3's hard_silu (alias hard_swish): x * relu6(x + 3) / 6, in a Dense epilogue (19 units: a "
              "vector and a tail) and as an Activation layer; weights and inputs reach both clamps."),
    Case("keras3_more_activations", MORE_ACTIVATIONS_KERAS3, keras=3, batch=3, files=("model.keras",),
         weights=uniform(1.5), inputs=[floats(-3, 3), floats(-3, 3)], atol=1e-5, rtol=1e-4,
         note="celu, hard_tanh, hard_shrink, soft_shrink, tanh_shrink, squareplus, sparse_plus, sparse_sigmoid "
              "and log_sigmoid (Keras 3.15) in Dense and Conv2D epilogues, as Activation layers and as keras.ops "
              "in a Lambda; inputs and weights reach every piece."),
    Case("keras2_mlp", MLP, keras=2, files=ALL2,
         note="8-16-16-4 MLP (relu, tanh, softmax), Sequential with input_dim; tf.keras 2.15."),
    Case("keras3_mlp", MLP, keras=3, files=ALL3,
         note="8-16-16-4 MLP (relu, tanh, softmax), Sequential with input_dim; Keras 3."),
    Case("keras2_activation_objects", ACTIVATION_OBJECTS_KERAS2, keras=2, files=ALL2,
         note="activation= given as layer objects (LeakyReLU, ELU, ReLU with parameters, ThresholdedReLU, "
              "Activation(LeakyReLU())), also after channels_first; tf.keras 2.15."),
    Case("keras3_activation_objects", ACTIVATION_OBJECTS_KERAS3, keras=3, files=ALL3,
         note="activation= given as layer objects (LeakyReLU, ELU, ReLU with parameters, "
              "Activation(LeakyReLU())), also after channels_first; Keras 3."),
    Case("keras2_wrapped_activations", WRAPPED_ACTIVATIONS.format(act="softmax"), keras=2, files=("model.h5",),
         inputs=[floats(), floats()], atol=1e-5, rtol=1e-4,
         note="TimeDistributed around a channels_first Conv2D/Conv1D with activation='softmax' (over the width), "
              "around layers given ReLU objects as activation, and nested; tf.keras 2.15."),
    Case("keras3_wrapped_activations", WRAPPED_ACTIVATIONS.format(act="log_softmax"), keras=3,
         files=("model.keras",), inputs=[floats(), floats()], atol=1e-5, rtol=1e-4,
         note="The same with log_softmax; Keras 3 (JAX)."),
    Case("keras2_wrapped_weights", WRAPPED_WEIGHTS, keras=2, files=("model.h5",), inputs=[floats(-2, 2)],
         atol=1e-5, rtol=1e-4,
         note="TimeDistributed around BatchNormalization (last axis; axis=1 of each step without beta) and PReLU "
              "(per element; shared over the step's first axis); tf.keras 2.15."),
    Case("keras3_wrapped_weights", WRAPPED_WEIGHTS, keras=3, files=("model.keras",), inputs=[floats(-2, 2)],
         atol=1e-5, rtol=1e-4, note="The same in Keras 3 (JAX)."),
    Case("keras2_activation_functions", ACTIVATION_FUNCTIONS_KERAS2, keras=2, files=("weights.h5",),
         note="activation= given as functions of the file (def mish, lambdas), Activation(lambda); tf.keras 2.15."),
    Case("keras3_activation_functions", ACTIVATION_FUNCTIONS_KERAS3, keras=3, files=("model.weights.h5",),
         note="activation= given as functions of the file (def mish, a lambda); Keras 3."),
]
