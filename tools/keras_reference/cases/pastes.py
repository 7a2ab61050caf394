"""Model code as it is pasted from Keras tutorials and examples (def, loops
over stages, conditionals, asserts on output shapes), with
smaller sizes than the originals so that the weights stay small. The full
scripts, with their data loading and training, are lit tests in
tests/lit/paste/."""
from case import Case, floats, ints

DCGAN_GENERATOR = """\
import tensorflow as tf
from tensorflow.keras import layers

noise_dim = 10


def make_generator_model(base=8):
    model = tf.keras.Sequential()
    model.add(layers.Dense(7 * 7 * base * 4, use_bias=False, input_shape=(noise_dim,)))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())

    model.add(layers.Reshape((7, 7, base * 4)))
    assert model.output_shape == (None, 7, 7, base * 4)  # None: the batch size

    model.add(layers.Conv2DTranspose(base * 2, (5, 5), strides=(1, 1), padding='same', use_bias=False))
    assert model.output_shape == (None, 7, 7, base * 2)
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())

    model.add(layers.Conv2DTranspose(base, (5, 5), strides=(2, 2), padding='same', use_bias=False))
    assert model.output_shape == (None, 14, 14, base)
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())

    model.add(layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding='same', use_bias=False, activation='tanh'))
    assert model.output_shape == (None, 28, 28, 1)
    return model


generator = make_generator_model()
"""

RESNET = """\
from tensorflow import keras
from tensorflow.keras.layers import Dense, Conv2D, BatchNormalization, Activation
from tensorflow.keras.layers import AveragePooling2D, Input, Flatten
from tensorflow.keras.regularizers import l2
from tensorflow.keras.models import Model

n = 1
version = 1
depth = n * 6 + 2 if version == 1 else n * 9 + 2


def resnet_layer(inputs, num_filters=16, kernel_size=3, strides=1, activation='relu',
                 batch_normalization=True, conv_first=True):
    conv = Conv2D(num_filters, kernel_size=kernel_size, strides=strides, padding='same',
                  kernel_initializer='he_normal', kernel_regularizer=l2(1e-4))
    x = inputs
    if conv_first:
        x = conv(x)
        if batch_normalization:
            x = BatchNormalization()(x)
        if activation is not None:
            x = Activation(activation)(x)
    else:
        if batch_normalization:
            x = BatchNormalization()(x)
        if activation is not None:
            x = Activation(activation)(x)
        x = conv(x)
    return x


def resnet_v1(input_shape, depth, num_classes=10, num_filters=4):
    if (depth - 2) % 6 != 0:
        raise ValueError('depth should be 6n+2')
    num_res_blocks = int((depth - 2) / 6)
    inputs = Input(shape=input_shape)
    x = resnet_layer(inputs=inputs, num_filters=num_filters)
    for stack in range(3):
        for res_block in range(num_res_blocks):
            strides = 1
            if stack > 0 and res_block == 0:
                strides = 2
            y = resnet_layer(inputs=x, num_filters=num_filters, strides=strides)
            y = resnet_layer(inputs=y, num_filters=num_filters, activation=None)
            if stack > 0 and res_block == 0:
                x = resnet_layer(inputs=x, num_filters=num_filters, kernel_size=1, strides=strides,
                                 activation=None, batch_normalization=False)
            x = keras.layers.add([x, y])
            x = Activation('relu')(x)
        num_filters *= 2
    x = AveragePooling2D(pool_size=4)(x)
    y = Flatten()(x)
    outputs = Dense(num_classes, activation='softmax', kernel_initializer='he_normal')(y)
    return Model(inputs=inputs, outputs=outputs)


model = resnet_v1(input_shape=(16, 16, 3), depth=depth)
assert model.output_shape == (None, 10)
"""

# Kim's sentence-classification CNN (tests/lit/paste/text-cnn.kiln) with a
# smaller vocabulary and embedding: parallel convolutions from a loop over
# the filter sizes, merged by Concatenate.
TEXT_CNN = """\
from tensorflow.keras.models import Model
from tensorflow.keras.layers import Dense, Dropout, Flatten, Input, MaxPooling1D, Convolution1D, Embedding
from tensorflow.keras.layers import Concatenate

model_type = "CNN-non-static"  # CNN-rand|CNN-non-static|CNN-static
embedding_dim = 8
filter_sizes = (3, 8)
num_filters = 4
dropout_prob = (0.5, 0.8)
hidden_dims = 6
sequence_length = 24
max_words = 50

if model_type == "CNN-static":
    input_shape = (sequence_length, embedding_dim)
else:
    input_shape = (sequence_length,)

model_input = Input(shape=input_shape)

# Static model does not have embedding layer
if model_type == "CNN-static":
    z = model_input
else:
    z = Embedding(max_words, embedding_dim, input_length=sequence_length, name="embedding")(model_input)

z = Dropout(dropout_prob[0])(z)

# Convolutional block
conv_blocks = []
for sz in filter_sizes:
    conv = Convolution1D(filters=num_filters,
                         kernel_size=sz,
                         padding="valid",
                         activation="relu",
                         strides=1)(z)
    conv = MaxPooling1D(pool_size=2)(conv)
    conv = Flatten()(conv)
    conv_blocks.append(conv)
z = Concatenate()(conv_blocks) if len(conv_blocks) > 1 else conv_blocks[0]

z = Dropout(dropout_prob[1])(z)
z = Dense(hidden_dims, activation="relu")(z)
model_output = Dense(1, activation="sigmoid")(z)

model = Model(model_input, model_output)
"""

# The Keras functional API guide (tests/lit/paste/functional-guide.kiln):
# the autoencoder made of an encoder and a decoder model; the ticket
# classifier with three inputs and a dict of two outputs (smaller
# vocabulary and units); the toy ResNet (fewer filters).
GUIDE_AUTOENCODER = """\
from tensorflow import keras
from tensorflow.keras import layers

encoder_input = keras.Input(shape=(28, 28, 1), name="original_img")
x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.MaxPooling2D(3)(x)
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.Conv2D(16, 3, activation="relu")(x)
encoder_output = layers.GlobalMaxPooling2D()(x)
encoder = keras.Model(encoder_input, encoder_output, name="encoder")

decoder_input = keras.Input(shape=(16,), name="encoded_img")
x = layers.Reshape((4, 4, 1))(decoder_input)
x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
x = layers.UpSampling2D(3)(x)
x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)
decoder = keras.Model(decoder_input, decoder_output, name="decoder")

autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
encoded_img = encoder(autoencoder_input)
decoded_img = decoder(encoded_img)
autoencoder = keras.Model(autoencoder_input, decoded_img, name="autoencoder")
assert autoencoder.output_shape == (None, 28, 28, 1)
"""

GUIDE_TICKETS = """\
from tensorflow import keras
from tensorflow.keras import layers

num_tags = 12  # number of unique issue tags
num_words = 100  # size of the vocabulary
num_departments = 4  # departments for predictions

title_input = keras.Input(shape=(10,), name="title")
body_input = keras.Input(shape=(20,), name="body")
tags_input = keras.Input(shape=(num_tags,), name="tags")  # binary vectors of size num_tags

title_features = layers.Embedding(num_words, 8)(title_input)
body_features = layers.Embedding(num_words, 8)(body_input)
title_features = layers.LSTM(8)(title_features)
body_features = layers.LSTM(4)(body_features)
x = layers.concatenate([title_features, body_features, tags_input])
priority_pred = layers.Dense(1, name="priority")(x)
department_pred = layers.Dense(num_departments, name="department")(x)
model = keras.Model(inputs=[title_input, body_input, tags_input],
                    outputs={"priority": priority_pred, "department": department_pred})
"""

GUIDE_TOY_RESNET = """\
from tensorflow import keras
from tensorflow.keras import layers

inputs = keras.Input(shape=(32, 32, 3), name="img")
x = layers.Conv2D(8, 3, activation="relu")(inputs)
x = layers.Conv2D(16, 3, activation="relu")(x)
block_1_output = layers.MaxPooling2D(3)(x)

x = layers.Conv2D(16, 3, activation="relu", padding="same")(block_1_output)
x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
block_2_output = layers.add([x, block_1_output])

x = layers.Conv2D(16, 3, activation="relu", padding="same")(block_2_output)
x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
block_3_output = layers.add([x, block_2_output])

x = layers.Conv2D(16, 3, activation="relu")(block_3_output)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dense(32, activation="relu")(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(10)(x)
model = keras.Model(inputs, outputs, name="toy_resnet")
"""

PARTIAL_CNN = """\
from functools import partial

from tensorflow import keras

DefaultConv2D = partial(keras.layers.Conv2D, kernel_size=3, activation='relu', padding="SAME")
RegularizedDense = partial(keras.layers.Dense, activation="elu", kernel_initializer="he_normal",
                           kernel_regularizer=keras.regularizers.l2(0.01))

model = keras.models.Sequential([
    DefaultConv2D(filters=8, kernel_size=7, input_shape=[28, 28, 1]),
    keras.layers.MaxPooling2D(pool_size=2),
    DefaultConv2D(filters=16),
    DefaultConv2D(16, strides=2),
    keras.layers.MaxPooling2D(pool_size=2),
    keras.layers.Flatten(),
    RegularizedDense(32),
    keras.layers.Dropout(0.5),
    RegularizedDense(units=10, activation="softmax"),
])
"""

PARTIAL_NORM = """\
import functools

import keras
from keras import layers

norm_layer = functools.partial(layers.LayerNormalization, epsilon=1e-6)
mlp = functools.partial(functools.partial(layers.Dense, activation="gelu"), use_bias=False)
conv = functools.partial(layers.Conv1D, 8, padding="same")

inputs = keras.Input(shape=(6, 8))
x = norm_layer()(inputs)
x = mlp(16)(x)
x = mlp(8, activation=None)(x)
x = conv(3)(x)
outputs = layers.Add()([inputs, norm_layer(epsilon=1e-3, center=False)(x)])
model = keras.Model(inputs, outputs)
"""

GUIDE_ENDPOINT = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


class ActivityRegularizationLayer(keras.layers.Layer):
    def __init__(self, rate=1e-2):
        super(ActivityRegularizationLayer, self).__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * tf.reduce_sum(inputs))
        return inputs


class MetricLoggingLayer(layers.Layer):
    def call(self, inputs):
        self.add_metric(
            keras.backend.std(inputs), name="std_of_activation", aggregation="mean"
        )
        return inputs


class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super(LogisticEndpoint, self).__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_fn = keras.metrics.BinaryAccuracy()

    def call(self, targets, logits, sample_weights=None):
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)
        acc = self.accuracy_fn(targets, logits, sample_weights)
        self.add_metric(acc, name="accuracy")
        return tf.nn.softmax(logits)


inputs = keras.Input(shape=(3,), name="inputs")
targets = keras.Input(shape=(10,), name="targets")
logits = keras.layers.Dense(10)(inputs)
logits = ActivityRegularizationLayer()(logits)
logits = MetricLoggingLayer()(logits)
predictions = LogisticEndpoint(name="predictions")(targets, logits)

model = keras.Model(inputs=[inputs, targets], outputs=predictions)
model.compile(optimizer="adam")
"""

LOSS_LAYERS = """\
import keras
from keras import layers, ops


class KLDivergence(layers.Layer):
    def call(self, inputs):
        z_mean, z_log_var = inputs
        kl_loss = -0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1)
        self.add_loss(kl_loss)
        return z_mean


inputs = keras.Input(shape=(6,))
x = layers.Dense(8, activation="relu")(inputs)
z_mean = layers.Dense(2)(x)
z_log_var = layers.Dense(2)(x)
z = KLDivergence()([z_mean, z_log_var])
outputs = layers.Dense(6, activation="sigmoid")(z)
model = keras.Model(inputs, outputs)
"""

# Hands-on ML's MyDense (keras.activations.get, `X @ self.kernel`), a
# kernel_initializer function, a layer called with its input by keyword, and
# inspection lines (layer.variables, model.trainable_variables).
GERON_CUSTOM = """\
{imports}


def my_glorot_initializer(shape, dtype=None):
    stddev = {sqrt}(2. / (shape[0] + shape[1]))
    return keras.random.normal(shape, stddev=stddev, dtype=dtype)


class MyDense(keras.layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, batch_input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=[batch_input_shape[-1], self.units],
            initializer="glorot_normal")
        self.bias = self.add_weight(
            name="bias", shape=[self.units], initializer="zeros")

    def call(self, X):
        return self.activation(X @ self.kernel + self.bias)


class Gate(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.proj = keras.layers.Dense(6, kernel_initializer=my_glorot_initializer)

    def call(self, source):
        return source * keras.activations.get("sigmoid")(self.proj(source))


inputs = keras.Input(shape=(5,))
x = MyDense(6, activation="relu")(inputs)
x = Gate()(source=x)
x = MyDense(3)(x) + (x[:, :, None] @ x[:, None, :3])[:, 1, :]
model = keras.Model(inputs, x)
bn = model.layers[1]
[(var.name, var.trainable) for var in bn.variables]
len(model.trainable_variables)
"""

YOLO_IDIOMS = """\
import functools
from functools import reduce, wraps

import tensorflow as tf
from tensorflow.keras import backend as K
from tensorflow.keras.layers import Conv2D, Dense, Input, Layer, LeakyReLU, BatchNormalization
from tensorflow.keras.models import Model

assert type(3) == int and type([1]) == list and type((1,)) != list and type(2.5) is float
assert (float(6) / 4 * 2).is_integer() and not (2.5).is_integer()


def compose(*funcs):
    if funcs:
        return reduce(lambda f, g: lambda *a, **kw: g(f(*a, **kw)), funcs)
    raise ValueError("Composition of empty sequence not supported.")


@wraps(Conv2D)
def DarknetConv2D(*args, **kwargs):
    darknet_conv_kwargs = {"padding": "valid" if kwargs.get("strides") == (2, 2) else "same"}
    darknet_conv_kwargs.update(kwargs)
    return Conv2D(*args, **darknet_conv_kwargs)


def DarknetConv2D_BN_Leaky(*args, **kwargs):
    no_bias_kwargs = {"use_bias": False}
    no_bias_kwargs.update(kwargs)
    return compose(DarknetConv2D(*args, **no_bias_kwargs), BatchNormalization(), LeakyReLU(alpha=0.1))


@tf.keras.utils.register_keras_serializable()
def doubled(v):
    return v * 2.0


@tf.keras.utils.register_keras_serializable(package="Idioms")
class Gate(Layer):
    MODE_SCALE = "scale"
    MODE_SHIFT = "shift"

    def __init__(self, mode=MODE_SCALE, **kwargs):
        super().__init__(**kwargs)
        self.mode = mode

    def call(self, x):
        assert type(x.get_shape().as_list()) == list
        if self.mode == Gate.MODE_SCALE:
            return doubled(x)
        return self.shifted(x)


def shifted(self, x):
    return x + 1.0


Gate.shifted = shifted

inputs = Input(shape=(16, 16, 3))
assert tuple(K.int_shape(inputs)) == (None, 16, 16, 3)
x = DarknetConv2D_BN_Leaky(8, (3, 3))(inputs)
x = DarknetConv2D_BN_Leaky(4, (3, 3), strides=(2, 2))(x)
x = Gate(mode=Gate.MODE_SHIFT)(x)
x = Gate()(x)
model = Model(inputs, x)
model.n_classes = 4
model.model_name = ""
assert model.n_classes == 4
"""

BOUND_METHOD_ACTIVATION = """\
from keras.layers import Input, Conv2D, Activation, Dense, GlobalAveragePooling2D
from keras import backend as K
from keras.models import Model


class MobileNetBase:
    def __init__(self, shape, n_class):
        self.shape = shape
        self.n_class = n_class

    def _relu6(self, x):
        return K.relu(x, max_value=6.0)

    def _hard_swish(self, x):
        return x * K.relu(x + 3.0, max_value=6.0) / 6.0

    def _return_activation(self, x, nl):
        if nl == 'HS':
            x = Activation(self._hard_swish)(x)
        if nl == 'RE':
            x = Activation(self._relu6)(x)
        return x


class MobileNetSmall(MobileNetBase):
    def build(self):
        inputs = Input(shape=self.shape)
        x = Conv2D(8, (3, 3), padding='same')(inputs)
        x = self._return_activation(x, 'HS')
        x = Conv2D(8, (3, 3), padding='same')(x)
        x = self._return_activation(x, 'RE')
        x = GlobalAveragePooling2D()(x)
        x = Dense(self.n_class, activation=self._hard_swish)(x)
        return Model(inputs, x)


model = MobileNetSmall((8, 8, 3), 4).build()
"""

CASES = [
    Case("keras2_paste_dcgan_generator", DCGAN_GENERATOR, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="DCGAN generator from a def with a default argument, checked by asserts on output_shape "
              "(Dense, BatchNormalization, LeakyReLU, Conv2DTranspose); tf.keras 2.15.", atol=1e-4, rtol=1e-4),
    Case("keras2_paste_resnet", RESNET, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="ResNet v1 from a builder def and loops over stages and blocks, with projection shortcuts; "
              "tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras2_paste_text_cnn", TEXT_CNN, keras=2, files=("model.h5",), inputs=[ints(0, 50)],
         note="Kim-style text CNN: Embedding, Conv1D branches from a loop over filter sizes, Concatenate; "
              "tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras2_paste_guide_autoencoder", GUIDE_AUTOENCODER, keras=2, files=("model.h5",), inputs=[floats(0, 1)],
         note="Functional API guide: an autoencoder calling an encoder and a decoder model; tf.keras 2.15.",
         atol=1e-4, rtol=1e-4),
    Case("keras2_paste_guide_tickets", GUIDE_TICKETS, keras=2, files=("model.h5", "model.json"),
         inputs=[ints(0, 100), ints(0, 100), floats(0, 1)],
         note="Functional API guide: three inputs (two token sequences through Embedding and LSTM), a dict of "
              "two outputs (flattened by sorted key); tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras2_paste_guide_toy_resnet", GUIDE_TOY_RESNET, keras=2, files=("model.h5",), inputs=[floats(0, 1)],
         note="Functional API guide: the toy ResNet with residual add()s; tf.keras 2.15.", atol=1e-4, rtol=1e-4),
    Case("keras2_paste_partial_cnn", PARTIAL_CNN, keras=2, files=("model.h5",), inputs=[floats(0, 1)],
         note="Hands-on ML's convnet: layers made through functools.partial with bound keywords, overridden and "
              "added at the call (kernel_size=7, a positional filters); tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_paste_partial_norm", PARTIAL_NORM, keras=3, files=("model.keras",), inputs=[floats(-1, 1)],
         note="functools.partial of LayerNormalization and of a partial of Dense, keywords overridden at the call "
              "(epsilon=1e-3, activation=None), a bound positional before the call's (Conv1D(8, 3)); Keras 3.", atol=1e-5, rtol=1e-4),
    Case("keras2_paste_guide_endpoint", GUIDE_ENDPOINT, keras=2, files=("model.h5",),
         inputs=[floats(-1, 1), floats(0, 1)],
         note="The subclassing guide's add_loss / add_metric layers and LogisticEndpoint (a loss and a metric on "
              "the targets, softmax of the logits at inference): the training-only code is skipped; tf.keras 2.15.",
         atol=1e-6, rtol=1e-5),
    Case("keras3_paste_loss_layers", LOSS_LAYERS, keras=3, files=("model.keras",), inputs=[floats(-1, 1)],
         note="A KL-divergence layer whose add_loss reduces over every axis (the batch's too): skipped at "
              "inference; Keras 3.", atol=1e-6, rtol=1e-5),
    Case("keras2_paste_geron_custom",
         GERON_CUSTOM.format(imports="import tensorflow as tf\nfrom tensorflow import keras", sqrt="tf.sqrt")
         .replace("keras.random.normal", "tf.random.normal"),
         keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="Hands-on ML's MyDense (keras.activations.get, the @ operator), a kernel_initializer function, a "
              "layer called with its input by keyword, @ on model tensors, layer.variables and "
              "model.trainable_variables skipped; tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_paste_geron_custom", GERON_CUSTOM.format(imports="import keras\nfrom keras import ops", sqrt="ops.sqrt"),
         keras=3, files=("model.keras",), inputs=[floats(-1, 1)],
         note="The same in Keras 3 (keras.random.normal in the initializer, never run by Kiln); Keras 3.15 (JAX).",
         atol=1e-5, rtol=1e-4),
    Case("keras2_paste_yolo_idioms", YOLO_IDIOMS, keras=2, files=("model.h5",), inputs=[floats(-1, 1)],
         note="keras-yolo3's compose() (functools.reduce of lambdas) and @wraps(Conv2D), a function and a custom "
              "layer under @register_keras_serializable, a class constant read through the class, a method set on "
              "the class after its body, type(), float.is_integer(), get_shape() in call(), attributes of the "
              "file's own on the model; tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras2_paste_bound_method_activation", BOUND_METHOD_ACTIVATION, keras=2, files=("model.h5",),
         inputs=[floats(-6, 6)],
         note="MobileNetV3 (xiaochus) style: an object's methods as activations, Activation(self._hard_swish), "
              "Activation(self._relu6) and Dense(activation=self._hard_swish); tf.keras 2.15.", atol=1e-5, rtol=1e-4),
]
