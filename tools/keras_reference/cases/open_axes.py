"""Open axes (None in Keras): one compiled model run at several sizes."""
from case import Case, floats, ints

TEXT = """\
from keras.models import Model
from keras.layers import Input, Embedding, LSTM, Dense

tokens = Input(shape=(None,), dtype='int32')
x = Embedding(50, 8)(tokens)
x = LSTM(16)(x)
out = Dense(3, activation='softmax')(x)
model = Model(tokens, out)
"""

IMAGES = """\
from keras.models import Model
from keras.layers import Input, Conv2D, MaxPooling2D, GlobalAveragePooling2D

image = Input(shape=(None, None, 3))
x = Conv2D(8, 3, activation='relu')(image)
x = MaxPooling2D()(x)
x = Conv2D(4, 3, strides=2, padding='same')(x)
out = GlobalAveragePooling2D()(x)
model = Model(image, out)
"""

SEQUENCES = """\
from keras.models import Model
from keras.layers import Input, Conv1D, GRU, Dense, Dropout, GlobalMaxPooling1D

frames = Input(shape=(None, 6))
x = Conv1D(5, 3, padding='causal', activation='tanh')(frames)
x = GRU(4, return_sequences=True)(x)
x = Dropout(0.5)(x)
steps = Dense(2)(x)
pooled = GlobalMaxPooling1D()(x)
model = Model(frames, [steps, pooled])
"""

ROW_PROJECTION = """\
import keras
from keras import layers
from keras import backend as K

class Project(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[2], self.units), name='w', initializer='glorot_uniform')
        self.b = self.add_weight(shape=(self.units,), name='b', initializer='random_normal')

    def call(self, x):
        return K.softmax(K.dot(x, self.w) + self.b)

model = keras.models.Sequential()
model.add(layers.Embedding(30, 6))
model.add(Project(4))
model.add(layers.Dense(3))
"""

CASES = [
    Case("keras2_open_row_projection", ROW_PROJECTION, inputs=[ints(0, 30)], sizes=[[(1,)], [(5,)], [(17,)]],
         note="a custom layer over an open steps axis: build() sees (None, None, 6), call() a product with its "
              "weight and a softmax along the last axis; 1, 5 and 17 steps."),
    Case("keras2_open_text_lstm", TEXT, inputs=[ints(0, 50)], sizes=[[(1,)], [(7,)], [(50,)]],
         note="Embedding without input_length, LSTM and Dense over an open steps axis: 1, 7 and 50 steps."),
    Case("keras2_open_images", IMAGES, inputs=[floats()], sizes=[[(32, 32, 3)], [(45, 61, 3)], [(7, 9, 3)]],
         atol=1e-5, rtol=1e-4,
         note="Conv2D, MaxPooling2D, strided 'same' Conv2D and GlobalAveragePooling2D over open height and width: "
              "32x32, 45x61 and 7x9 images."),
    Case("keras2_open_sequences", SEQUENCES, inputs=[floats()], sizes=[[(1, 6)], [(7, 6)], [(30, 6)]],
         note="causal Conv1D, GRU with return_sequences, Dense over (batch, steps, units) and GlobalMaxPooling1D "
              "over an open steps axis: 1, 7 and 30 steps."),
]

TAGGER = """\
from keras.models import Model
from keras.layers import Input, Embedding, Bidirectional, LSTM, GRU, TimeDistributed, Dense, LayerNormalization

tokens = Input(shape=(None,), dtype='int32')
x = Embedding(40, 6, mask_zero=True)(tokens)
x = Bidirectional(LSTM(5, return_sequences=True))(x)
x = TimeDistributed(Dense(4, activation='relu'))(x)
x = LayerNormalization()(x)
tags = Bidirectional(GRU(3, return_sequences=True), merge_mode='sum')(x)
summary = Bidirectional(GRU(4), merge_mode='ave')(x)
model = Model(tokens, [tags, summary])
"""

MERGES = """\
from keras.models import Model
from keras.layers import (Input, Dense, Conv1D, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate,
                          GlobalAveragePooling1D)

a = Input(shape=(None, 4))
b = Input(shape=(None, 4))
bias = Input(shape=(1, 4))
x = Dense(4)(a)
y = Dense(4, activation='tanh')(b)
total = Add()([x, y, bias])
difference = Subtract()([x, b])
product = Multiply()([total, difference])
mean = Average()([product, x])
high = Maximum()([mean, y])
low = Minimum()([high, bias])
features = Concatenate()([low, total])
steps = Concatenate(axis=1)([features, Conv1D(8, 3)(features)])
model = Model([a, b, bias], [features, steps, GlobalAveragePooling1D()(steps)])
"""

CLIPS = """\
from keras.models import Model
from keras.layers import Input, TimeDistributed, Conv2D, GlobalAveragePooling2D, LSTM

frames = Input(shape=(None, 8, 8, 3))
x = TimeDistributed(Conv2D(4, 3, activation='relu'))(frames)
x = TimeDistributed(GlobalAveragePooling2D())(x)
model = Model(frames, LSTM(6)(x))
"""

CASES += [
    Case("keras2_open_tagger", TAGGER, inputs=[ints(0, 40, pad_tail=[0, 2])], sizes=[[(1,)], [(7,)], [(50,)]],
         note="Embedding(mask_zero=True), Bidirectional LSTM/GRU (concat, sum, ave) with the mask, "
              "TimeDistributed(Dense) and LayerNormalization over an open steps axis: 1, 7 and 50 steps, "
              "the second sample's last 2 steps padding (all of it at 1 step)."),
    Case("keras2_open_merges", MERGES, inputs=[floats(), floats(), floats()],
         sizes=[[(3, 4), (3, 4), (1, 4)], [(7, 4), (7, 4), (1, 4)], [(20, 4), (20, 4), (1, 4)]],
         note="Add, Subtract, Multiply, Average, Maximum, Minimum of two inputs with separate open steps axes "
              "(equal at run time) and a broadcast (1, 4) input; Concatenate on features and on the steps axis "
              "(T + T - 2): 3, 7 and 20 steps."),
    Case("keras2_open_clips", CLIPS, inputs=[floats()], sizes=[[(1, 8, 8, 3)], [(4, 8, 8, 3)], [(9, 8, 8, 3)]],
         note="TimeDistributed(Conv2D) and TimeDistributed(GlobalAveragePooling2D) over an open time axis, "
              "then LSTM: 1, 4 and 9 frames."),
]

ATTENTION = """\
from keras.models import Model
from keras.layers import (Input, Embedding, Attention, AdditiveAttention, MultiHeadAttention, Add, Concatenate,
                          GlobalAveragePooling1D)

query_tokens = Input(shape=(None,), dtype='int32')
value_tokens = Input(shape=(None,), dtype='int32')
q = Embedding(30, 8, mask_zero=True)(query_tokens)
v = Embedding(30, 8, mask_zero=True)(value_tokens)
dot = Attention(use_scale=True)([q, v])
additive = AdditiveAttention()([q, v])
causal = MultiHeadAttention(num_heads=2, key_dim=4)(q, q, use_causal_mask=True)
cross = MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, output_shape=6)(q, v)
x = Concatenate()([Add()([dot, additive]), causal, cross])
model = Model([query_tokens, value_tokens], [x, GlobalAveragePooling1D()(x)])
"""

RESHAPING = """\
from keras.models import Model
from keras.layers import (Input, Reshape, ZeroPadding1D, Conv1D, Cropping1D, UpSampling1D, ZeroPadding2D, Conv2D,
                          Cropping2D, UpSampling2D)

signal = Input(shape=(None, 6))
x = Reshape((-1, 3))(signal)
x = ZeroPadding1D((1, 2))(x)
x = Conv1D(4, 3)(x)
x = Cropping1D((2, 1))(x)
x = UpSampling1D(3)(x)
steps = Reshape((-1, 2, 2))(x)
image = Input(shape=(None, None, 2))
y = ZeroPadding2D(((1, 0), (2, 1)))(image)
y = Conv2D(3, 3, activation='relu')(y)
y = Cropping2D(((1, 1), (0, 2)))(y)
y = UpSampling2D((2, 3))(y)
pixels = Reshape((-1, 3))(y)
model = Model([signal, image], [steps, pixels])
"""

CASES += [
    Case("keras2_open_attention", ATTENTION, inputs=[ints(0, 30, pad_tail=[0, 2]), ints(0, 30, pad_tail=[1, 0])],
         sizes=[[(1,), (3,)], [(5,), (4,)], [(12,), (9,)]],
         note="Attention, AdditiveAttention and MultiHeadAttention (causal self-attention; cross-attention with "
              "value_dim and output_shape) with Embedding masks, and-ed by Add and Concatenate into the masked "
              "GlobalAveragePooling1D, over open query and value axes of different "
              "lengths: (1, 3), (5, 4) and (12, 9) steps; the second query fully padding at 1 step."),
    Case("keras2_open_reshaping", RESHAPING, inputs=[floats(), floats()],
         sizes=[[(2, 6), (4, 5, 2)], [(5, 6), (9, 7, 2)], [(11, 6), (16, 13, 2)]],
         note="Reshape with -1, ZeroPadding1D/2D, Cropping1D/2D and UpSampling1D/2D (nearest) over open axes: "
              "2, 5 and 11 steps; 4x5, 9x7 and 16x13 images."),
]

NORMALIZED = """\
from keras.models import Model
from keras.layers import (Input, Conv1D, BatchNormalization, SeparableConv1D, Softmax, DepthwiseConv2D,
                          SeparableConv2D, GlobalAveragePooling2D)

signal = Input(shape=(None, 5))
x = Conv1D(6, 3, padding='same')(signal)
x = BatchNormalization()(x)
x = SeparableConv1D(4, 3, strides=2, depth_multiplier=2, activation='relu')(x)
steps = Softmax(axis=1)(x)
rows = Input(shape=(3, None))
r = BatchNormalization(axis=1)(rows)
r = Softmax()(r)
image = Input(shape=(None, None, 3))
y = DepthwiseConv2D(3, depth_multiplier=2, padding='same')(image)
y = BatchNormalization()(y)
y = SeparableConv2D(5, (3, 2), strides=2, activation='relu')(y)
y = BatchNormalization(scale=False)(y)
pixels = Softmax()(y)
model = Model([signal, rows, image], [steps, r, pixels, GlobalAveragePooling2D()(y)])
"""

CASES += [
    Case("keras2_open_normalized", NORMALIZED, inputs=[floats(), floats(), floats()],
         sizes=[[(3, 5), (3, 1), (3, 4, 3)], [(8, 5), (3, 6), (9, 7, 3)], [(21, 5), (3, 17), (20, 13, 3)]],
         atol=1e-5, rtol=1e-4,
         note="BatchNormalization (last axis, axis=1 with an open last axis, scale=False), Softmax over the open "
              "steps axis and over channels, SeparableConv1D (strides, depth_multiplier), DepthwiseConv2D "
              "('same', depth_multiplier) and SeparableConv2D (strides) over open axes: 3, 8 and 21 steps; "
              "1, 6 and 17 columns; 3x4, 9x7 and 20x13 images."),
]

TRANSPOSED = """\
from keras.models import Model
from keras.layers import Input, Conv2DTranspose, PReLU, Permute, Conv1D

image = Input(shape=(None, None, 3))
x = Conv2DTranspose(4, 3, strides=2, activation='relu')(image)
x = Conv2DTranspose(3, (3, 2), strides=(2, 1), padding='same')(x)
x = PReLU(alpha_initializer='random_uniform', shared_axes=[1, 2])(x)
y = Conv2DTranspose(2, 3, strides=2, padding='same', output_padding=(0, 1))(image)
z = Conv2DTranspose(2, 4, strides=3, output_padding=2)(image)
swapped = Permute((2, 1, 3))(y)
steps = Input(shape=(None, 5))
s = Conv1D(4, 2)(steps)
s = PReLU(shared_axes=[1])(s)
model = Model([image, steps], [x, swapped, z, Permute((2, 1))(s)])
"""

CASES += [
    Case("keras2_open_transposed", TRANSPOSED, inputs=[floats(), floats()],
         sizes=[[(2, 3, 3), (2, 5)], [(5, 4, 3), (6, 5)], [(9, 12, 3), (15, 5)]],
         note="Conv2DTranspose ('valid', 'same', output_padding), PReLU shared over the open axes and Permute over "
              "open axes: 2x3, 5x4 and 9x12 images; 2, 6 and 15 steps."),
]

PREPROCESSED = """\
from keras.models import Model
from keras.layers import Input, Rescaling, Normalization, GlobalAveragePooling2D

image = Input(shape=(None, None, 3))
x = Rescaling(1.0 / 255.0)(image)
x = Normalization(axis=3)(x)
x = Rescaling([1.0 / 0.229 ** 0.5, 1.0 / 0.224 ** 0.5, 1.0 / 0.225 ** 0.5], offset=[0.1, 0.0, -0.1])(x)
y = Normalization(mean=[0.485, 0.456, 0.406], variance=[0.052, 0.05, 0.051], invert=True)(x)
z = Normalization(axis=None, mean=120.0, variance=900.0)(image)
steps = Input(shape=(None, 4))
s = Normalization(axis=-1)(Rescaling(0.5, offset=1.0)(steps))
model = Model([image, steps], [x, y, GlobalAveragePooling2D()(z), s])
"""

CASES += [
    Case("keras2_open_preprocessed", PREPROCESSED, inputs=[floats(0, 255), floats()],
         sizes=[[(5, 7, 3), (1, 4)], [(16, 9, 3), (6, 4)], [(31, 32, 3), (40, 4)]],
         atol=1e-4, rtol=1e-4,
         note="Rescaling (a number, one per channel with offsets) and Normalization (adapted weights per channel, "
              "arguments inverted, axis=None) over open axes, as EfficientNet's input starts: 5x7, 16x9 and 31x32 "
              "images; 1, 6 and 40 steps."),
]

# Bilinear UpSampling2D computes its source pixels from the run-time size.
BILINEAR = """\
from keras.models import Model
from keras.layers import Input, Conv2D, UpSampling2D

images = Input(shape=(None, None, 3))
a = UpSampling2D(interpolation='bilinear')(images)
b = UpSampling2D((3, 2), interpolation='bilinear')(Conv2D(4, 3, padding='same')(images))
first = Input(shape=(2, None, None))
c = UpSampling2D((2, 3), interpolation='bilinear', data_format='channels_first')(first)
model = Model([images, first], [a, b, c])
"""

KERAS3_BILINEAR = """\
import keras
from keras import layers

images = keras.Input(shape=(None, None, 3))
a = layers.UpSampling2D(interpolation='bilinear')(images)
first = keras.Input(shape=(3, None, None))
b = layers.UpSampling2D((3, 2), interpolation='bilinear', data_format='channels_first')(
    layers.Conv2D(4, 3, padding='same', data_format='channels_first')(first))
model = keras.Model([images, first], [a, b])
"""

CASES += [
    Case("keras2_open_bilinear", BILINEAR, inputs=[floats(), floats()],
         sizes=[[(5, 7, 3), (2, 3, 4)], [(1, 1, 3), (2, 1, 6)], [(12, 9, 3), (2, 8, 1)]],
         note="UpSampling2D(interpolation='bilinear') over open height and width (channels_last, after a Conv2D, "
              "channels_first), factors 2x2, 3x2 and 2x3: 5x7, 1x1 and 12x9 images; 3x4, 1x6 and 8x1."),
    Case("keras3_open_bilinear", KERAS3_BILINEAR, keras=3, files=("model.weights.h5", "model.keras"),
         inputs=[floats(), floats()], sizes=[[(5, 7, 3), (3, 4, 5)], [(1, 2, 3), (3, 1, 1)], [(3, 10, 3), (3, 9, 2)]],
         note="Keras 3: UpSampling2D(interpolation='bilinear') over open height and width, channels_last and "
              "after a channels_first Conv2D: 5x7, 1x2 and 3x10 images; 4x5, 1x1 and 9x2."),
]

# Elementwise tensor math over variable-length steps: the residual adds of
# functional Transformers (`inputs + attention_output`), tf.nn ops and
# comparisons on model tensors, a Lambda and a custom layer with a weight,
# all run over (None, None, 8) with the steps folded into the batch.
ELEMENTWISE = """\
{imports}


class Scale(layers.Layer):
    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="gamma")

    def call(self, x):
        return x * self.gamma + 0.5


inputs = keras.Input(shape=(None, 8))
other = keras.Input(shape=(None, 8))
x = layers.Dense(8)(inputs)
y = inputs + x
y = {relu}(y) * 0.5 - other * {cast}(other > 0, "float32")
y = layers.Lambda(lambda t: t * 2.0 + 1.0)(y)
y = Scale()(y)
outputs = layers.LayerNormalization()(y + x)
model = keras.Model([inputs, other], outputs)
"""

CASES += [
    Case("keras2_open_elementwise",
         ELEMENTWISE.format(imports="import tensorflow as tf\nfrom tensorflow import keras\nfrom tensorflow.keras import layers",
                            relu="tf.nn.relu", cast="tf.cast"),
         keras=2, files=("model.h5",), inputs=[floats(), floats()],
         sizes=[[(5, 8), (5, 8)], [(1, 8), (1, 8)], [(12, 8), (12, 8)]],
         note="Tensor math over open steps (TFOpLambda adds, tf.nn.relu, a comparison and cast), a Lambda and a "
              "custom layer with a weight; three lengths through one build; tf.keras 2.15.", atol=1e-5, rtol=1e-4),
    Case("keras3_open_elementwise",
         ELEMENTWISE.format(imports="import keras\nfrom keras import layers, ops", relu="ops.relu", cast="ops.cast"),
         keras=3, files=("model.keras",), inputs=[floats(), floats()],
         sizes=[[(5, 8), (5, 8)], [(1, 8), (1, 8)], [(12, 8), (12, 8)]],
         note="The same with keras.ops; Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
]

# keras.io's MIRNet attention on images of any size: reductions and
# concatenation along the channels, a channel gate broadcast over open
# height and width, and math that names axes by position.
IMAGE_ATTENTION = """\
{imports}

def spatial_attention_block(input_tensor):
    average_pooling = {reduce_max}(input_tensor, axis=-1)
    average_pooling = {expand_dims}(average_pooling, axis=-1)
    max_pooling = {reduce_mean}(input_tensor, axis=-1)
    max_pooling = {expand_dims}(max_pooling, axis=-1)
    concatenated = layers.Concatenate(axis=-1)([average_pooling, max_pooling])
    feature_map = layers.Conv2D(1, kernel_size=(1, 1))(concatenated)
    feature_map = {sigmoid}(feature_map)
    return input_tensor * feature_map


def channel_attention_block(input_tensor):
    channels = list(input_tensor.shape)[-1]
    average_pooling = layers.GlobalAveragePooling2D()(input_tensor)
    feature_descriptor = {reshape}(average_pooling, (-1, 1, 1, channels))
    feature_activations = layers.Conv2D(filters=channels // 2, kernel_size=(1, 1), activation="relu")(feature_descriptor)
    feature_activations = layers.Conv2D(filters=channels, kernel_size=(1, 1), activation="sigmoid")(feature_activations)
    return input_tensor * feature_activations


image = keras.Input(shape=(None, None, 6))
x = layers.Conv2D(8, 3, padding="same")(image)
attended = layers.Concatenate(axis=-1)([channel_attention_block(x), spatial_attention_block(x)])
gated = layers.Conv2D(4, 1)(attended)
# Axes by position count the open ones: 3 is the channels.
channels = {reduce_sum}(gated, axis=3, keepdims=True)
pair_softmax = {softmax}(gated[:, :, :, :2], axis=3)
first = gated[..., 0:1] - {maximum}(gated[:, :, :, 1:2], channels)
# Reductions over every spatial axis are global pooling.
squeeze = {reduce_mean}(gated, axis=[1, 2], keepdims=True)
excited = gated * layers.Conv2D(4, 1, activation="sigmoid")(squeeze)
peak = {reduce_max}(excited, axis=(1, 2))
model = keras.Model(image, [attended, channels, pair_softmax, first, peak])
"""

CASES += [
    Case("keras2_open_image_attention",
         IMAGE_ATTENTION.format(imports="import tensorflow as tf\nfrom tensorflow import keras\nfrom tensorflow.keras import layers",
                          reduce_max="tf.reduce_max", reduce_mean="tf.reduce_mean", expand_dims="tf.expand_dims",
                          sigmoid="tf.nn.sigmoid", reshape="tf.reshape", reduce_sum="tf.reduce_sum",
                          softmax="tf.nn.softmax", maximum="tf.maximum"),
         keras=2, files=("model.h5",), inputs=[floats()], sizes=[[(6, 9, 6)], [(1, 4, 6)], [(11, 5, 6)]],
         note="keras.io's MIRNet dual attention over open height and width (reductions and concatenation along "
              "the channels, a (None, 1, 1, C) gate broadcast over the open axes), a reduction by positive axis, "
              "a softmax by positive axis, indexing that takes the open axes whole and reductions over both open "
              "axes (global pooling) in a squeeze-and-excitation gate; tf.keras 2.15.",
         atol=1e-5, rtol=1e-4),
    Case("keras3_open_image_attention",
         IMAGE_ATTENTION.format(imports="import keras\nfrom keras import layers, ops",
                          reduce_max="ops.max", reduce_mean="ops.mean", expand_dims="ops.expand_dims",
                          sigmoid="ops.sigmoid", reshape="ops.reshape", reduce_sum="ops.sum",
                          softmax="ops.softmax", maximum="ops.maximum"),
         keras=3, files=("model.keras",), inputs=[floats()], sizes=[[(6, 9, 6)], [(1, 4, 6)], [(11, 5, 6)]],
         note="The same with keras.ops; Keras 3.15 (JAX).", atol=1e-5, rtol=1e-4),
]
