"""data_format='channels_first': every layer that takes it, its default from
set_image_data_format, Flatten's permutation, a mixed model and open axes.

tf.keras 2.15 runs these channels_first models on CPU (model.predict in a
tf.function, where TensorFlow rewrites the NCHW ops), so they are Keras 2
cases; keras3_channels_first_config checks Keras 3's keras.config default
(Keras 3 on JAX)."""
from case import Case, floats

WINDOWS_2D = """\
from keras.models import Model
from keras.layers import (Input, ZeroPadding2D, Cropping2D, UpSampling2D, MaxPooling2D, AveragePooling2D,
                          GlobalMaxPooling2D, GlobalAveragePooling2D)

images = Input(shape=(3, 7, 9))
padded = ZeroPadding2D(((1, 0), (2, 1)), data_format='channels_first')(images)
cropped = Cropping2D(((1, 2), (0, 3)), data_format='channels_first')(padded)
grown = UpSampling2D((2, 3), data_format='channels_first')(cropped)
smooth = UpSampling2D(2, interpolation='bilinear', data_format='channels_first')(images)
pooled = MaxPooling2D(data_format='channels_first')(grown)
strided = MaxPooling2D((3, 2), strides=(1, 2), padding='same', data_format='channels_first')(padded)
mean = AveragePooling2D((2, 3), padding='same', data_format='channels_first')(padded)
model = Model(images, [pooled, strided, mean, smooth,
                       GlobalMaxPooling2D(data_format='channels_first')(grown),
                       GlobalAveragePooling2D(data_format='channels_first', keepdims=True)(padded)])
"""

CONVOLUTIONS_2D = """\
from keras.models import Model
from keras.layers import Input, Conv2D, SeparableConv2D, DepthwiseConv2D, Conv2DTranspose

images = Input(shape=(4, 9, 8))
plain = Conv2D(6, (3, 2), activation='relu', data_format='channels_first')(images)
same = Conv2D(5, 3, strides=2, padding='same', use_bias=False, data_format='channels_first')(images)
dilated = Conv2D(3, 3, dilation_rate=(2, 1), data_format='channels_first')(plain)
grouped = Conv2D(4, 3, groups=2, padding='same', data_format='channels_first')(images)
separable = SeparableConv2D(5, 3, depth_multiplier=2, padding='same', activation='tanh',
                            data_format='channels_first')(plain)
depthwise = DepthwiseConv2D((3, 2), strides=(2, 1), depth_multiplier=2, data_format='channels_first')(images)
up = Conv2DTranspose(3, 3, strides=2, data_format='channels_first')(same)
up_same = Conv2DTranspose(2, (2, 3), strides=(2, 1), padding='same', output_padding=(1, 0),
                          data_format='channels_first')(plain)
model = Model(images, [plain, same, dilated, grouped, separable, depthwise, up, up_same])
"""

SEQUENCES_1D = """\
from keras.models import Model
from keras.layers import (Input, Conv1D, SeparableConv1D, MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D,
                          GlobalAveragePooling1D)

signals = Input(shape=(3, 17))
conv = Conv1D(5, 3, activation='relu', data_format='channels_first')(signals)
causal = Conv1D(4, 3, padding='causal', dilation_rate=2, data_format='channels_first')(signals)
separable = SeparableConv1D(4, 5, strides=2, padding='same', data_format='channels_first')(conv)
pooled = MaxPooling1D(3, strides=2, data_format='channels_first')(conv)
mean = AveragePooling1D(padding='same', data_format='channels_first')(causal)
model = Model(signals, [conv, causal, separable, pooled, mean,
                        GlobalMaxPooling1D(data_format='channels_first')(separable),
                        GlobalAveragePooling1D(data_format='channels_first', keepdims=True)(causal)])
"""

VOLUMES_3D = """\
from keras.models import Model
from keras.layers import (Input, Conv3D, Conv3DTranspose, MaxPooling3D, AveragePooling3D, ZeroPadding3D, Cropping3D,
                          UpSampling3D, GlobalAveragePooling3D)

clip = Input(shape=(2, 5, 6, 7))
conv = Conv3D(4, (2, 3, 2), padding='same', activation='relu', data_format='channels_first')(clip)
pooled = MaxPooling3D((2, 2, 3), data_format='channels_first')(conv)
mean = AveragePooling3D(2, strides=1, data_format='channels_first')(clip)
up = Conv3DTranspose(3, 2, strides=(1, 2, 2), data_format='channels_first')(pooled)
edges = Cropping3D(((1, 0), (0, 2), (1, 1)), data_format='channels_first')(
    UpSampling3D((1, 2, 1), data_format='channels_first')(ZeroPadding3D(1, data_format='channels_first')(clip)))
model = Model(clip, [conv, pooled, mean, up, edges,
                     GlobalAveragePooling3D(data_format='channels_first')(conv)])
"""

# A Theano-era classifier: channels_first convolutions, then Flatten, whose
# order depends on its own data_format: Flatten() flattens (channels, height,
# width) as they are, Flatten(data_format='channels_first') (or Flatten()
# after set_image_data_format('channels_first')) moves the channels last first.
FLATTEN_DENSE = """\
from keras.models import Model
from keras.layers import Input, Conv2D, MaxPooling2D, Flatten, Dense

images = Input(shape=(3, 8, 8))
x = Conv2D(4, 3, padding='same', activation='relu', data_format='channels_first')(images)
x = MaxPooling2D(data_format='channels_first')(x)
as_is = Dense(5)(Flatten()(x))
permuted = Dense(5)(Flatten(data_format='channels_first')(x))
model = Model(images, [as_is, permuted])
"""

IMAGE_DATA_FORMAT = """\
from keras import backend as K
from keras.models import Sequential
from keras.layers import Conv2D, MaxPooling2D, Dropout, Flatten, Dense, Activation

K.set_image_data_format('channels_first')
model = Sequential([
    Conv2D(6, (3, 3), input_shape=(1, 12, 12)),
    Activation('relu'),
    Conv2D(4, (3, 3)),
    Activation('tanh'),
    MaxPooling2D(pool_size=(2, 2)),
    Dropout(0.25),
    Flatten(),
    Dense(8, activation='relu'),
    Dense(3, activation='softmax'),
])
K.set_image_data_format('channels_last')
"""

# channels_first layers, then channels_last ones on the same tensors: the
# transposes that stay between them.
MIXED = """\
from keras.models import Model
from keras.layers import Input, Conv2D, MaxPooling2D, Permute, Add, GlobalAveragePooling2D, BatchNormalization

images = Input(shape=(3, 10, 10))
first = Conv2D(4, 3, padding='same', activation='relu', data_format='channels_first')(images)
first = MaxPooling2D(data_format='channels_first')(first)
normalized = BatchNormalization(axis=1)(first)
last = Permute((2, 3, 1))(normalized)
last = Conv2D(5, 3, padding='same')(last)
back = Permute((3, 1, 2))(Conv2D(4, 1)(last))
both = Add()([back, first])
model = Model(images, [both, GlobalAveragePooling2D()(last),
                       GlobalAveragePooling2D(data_format='channels_first')(both)])
"""

OPEN_AXES = """\
from keras.models import Model
from keras.layers import Input, Conv2D, MaxPooling2D, UpSampling2D, ZeroPadding2D, GlobalMaxPooling2D, Dense

images = Input(shape=(3, None, None))
x = Conv2D(4, 3, padding='same', activation='relu', data_format='channels_first')(images)
x = MaxPooling2D(data_format='channels_first')(x)
x = ZeroPadding2D(((0, 1), (1, 0)), data_format='channels_first')(x)
y = UpSampling2D(data_format='channels_first')(Conv2D(2, 3, data_format='channels_first')(x))
model = Model(images, [y, Dense(2)(GlobalMaxPooling2D(data_format='channels_first')(x))])
"""

# A Reshape (a view of the same bytes) between a channels_first layer and a
# Permute that would undo its transpose if the shapes were the same: the
# transposes must stay.
VIEWS = """\
from keras.models import Model
from keras.layers import Input, Conv2D, Reshape, Permute, Activation, Flatten, Dense

images = Input(shape=(4, 6, 6))
x = Conv2D(4, 3, padding='same', data_format='channels_first')(images)
reshaped = Permute((2, 3, 1))(Reshape((6, 6, 4))(x))
activated = Permute((2, 3, 1))(Activation('relu')(Reshape((6, 6, 4))(x)))
model = Model(images, [reshaped, activated, Dense(3)(Flatten(data_format='channels_first')(Reshape((4, 4, 9))(x)))])
"""

KERAS3_CONFIG = """\
import keras
from keras.models import Model
from keras.layers import Input, Conv1D, MaxPooling1D, Conv2D, GlobalAveragePooling2D, Flatten, Dense

keras.config.set_image_data_format('channels_first')
signals = Input(shape=(3, 12))
a = MaxPooling1D()(Conv1D(4, 3)(signals))
images = Input(shape=(2, 6, 6))
b = Conv2D(3, 3)(images)
model = Model([signals, images], [Dense(2)(Flatten()(a)), GlobalAveragePooling2D()(b), b])
keras.config.set_image_data_format('channels_last')
"""

NORMALIZED = """\
from keras.models import Model
from keras.layers import Input, Conv1D, Conv2D, Conv3D, BatchNormalization, Activation, Flatten, Dense

images = Input(shape=(3, 9, 8))
x = Conv2D(6, 3, padding='same', data_format='channels_first')(images)
x = BatchNormalization(axis=1)(x)
x = Activation('relu')(x)
x = Conv2D(4, 3, strides=2, data_format='channels_first')(x)
a = BatchNormalization(axis=1, center=False)(x)
b = BatchNormalization(axis=2)(Conv2D(3, 2, data_format='channels_first')(images))
signals = Input(shape=(4, 10))
c = BatchNormalization(axis=1, scale=False)(Conv1D(5, 3, data_format='channels_first')(signals))
d = Dense(3)(Flatten(data_format='channels_first')(c))
volumes = Input(shape=(2, 4, 5, 3))
e = BatchNormalization(axis=1)(Conv3D(3, 2, padding='same', data_format='channels_first')(volumes))
model = Model([images, signals, volumes], [a, b, c, d, e])
"""

# softmax as a layer's activation argument runs over the last axis of its
# output as written: the width of a channels_first output, not the channels.
SOFTMAX = """\
from keras.models import Model
from keras.layers import Input, Conv1D, Conv2D, Conv3D, SeparableConv2D, DepthwiseConv2D, Conv2DTranspose

images = Input(shape=(3, 5, 4))
a = Conv2D(4, 3, padding='same', data_format='channels_first', activation='{act}')(images)
b = SeparableConv2D(2, 3, data_format='channels_first', activation='{act}')(images)
c = DepthwiseConv2D(2, data_format='channels_first', activation='{act}')(images)
d = Conv2DTranspose(2, 2, strides=2, data_format='channels_first', activation='{act}')(images)
e = Conv2D(3, 1, data_format='channels_first', activation='{act}')(
    Conv2D(3, 1, data_format='channels_first', activation='{act}')(images))
signals = Input(shape=(3, 7))
f = Conv1D(5, 2, data_format='channels_first', activation='{act}')(signals)
volumes = Input(shape=(2, 3, 4, 5))
g = Conv3D(2, 2, data_format='channels_first', activation='{act}')(volumes)
model = Model([images, signals, volumes], [a, b, c, d, e, f, g])
"""

CASES = [
    Case("keras2_channels_first_softmax", SOFTMAX.format(act="softmax"), inputs=[floats(), floats(), floats()],
         atol=1e-5, rtol=1e-4,
         note="activation='softmax' on channels_first Conv1D/2D/3D, SeparableConv2D, DepthwiseConv2D and "
              "Conv2DTranspose, and two in a row: over the last axis of the output as written (the width)."),
    Case("keras3_channels_first_log_softmax", SOFTMAX.format(act="log_softmax"), keras=3, files=("model.keras",),
         inputs=[floats(), floats(), floats()], atol=1e-5, rtol=1e-4,
         note="The same with Keras 3's log_softmax (JAX)."),
    Case("keras2_channels_first_windows", WINDOWS_2D, inputs=[floats()],
         note="ZeroPadding2D, Cropping2D, UpSampling2D (nearest and bilinear), MaxPooling2D, AveragePooling2D, "
              "GlobalMaxPooling2D and GlobalAveragePooling2D (keepdims) with data_format='channels_first' on "
              "(3, 7, 9) images."),
    Case("keras2_channels_first_convolutions", CONVOLUTIONS_2D, inputs=[floats()], atol=1e-5, rtol=1e-4,
         note="Conv2D (valid, strided 'same', dilated, grouped), SeparableConv2D, DepthwiseConv2D and "
              "Conv2DTranspose (valid; 'same' with output_padding), channels_first: the kernels are laid out "
              "as for channels_last."),
    Case("keras2_channels_first_1d", SEQUENCES_1D, inputs=[floats()], atol=1e-5, rtol=1e-4,
         note="Conv1D (valid, causal dilated), SeparableConv1D, MaxPooling1D, AveragePooling1D and the global "
              "1D poolings over (channels, steps) sequences."),
    Case("keras2_channels_first_3d", VOLUMES_3D, inputs=[floats()], atol=1e-5, rtol=1e-4,
         note="Conv3D, MaxPooling3D, AveragePooling3D, Conv3DTranspose, ZeroPadding3D, UpSampling3D, Cropping3D "
              "and GlobalAveragePooling3D over (channels, depth, height, width) volumes."),
    Case("keras2_channels_first_flatten", FLATTEN_DENSE, inputs=[floats()], atol=1e-5, rtol=1e-4,
         files=("model.h5", "weights.h5"),
         note="Flatten() and Flatten(data_format='channels_first') after channels_first convolutions, each into "
              "a Dense: the two orders differ."),
    Case("keras2_channels_first_image_data_format", IMAGE_DATA_FORMAT, inputs=[floats()], atol=1e-5, rtol=1e-4,
         files=("model.h5", "weights.h5"),
         note="keras.backend.set_image_data_format('channels_first') before a Theano-era Sequential: the "
              "layers' default data_format and Flatten's permutation follow it; Activation layers between "
              "channels_first layers."),
    Case("keras2_channels_first_mixed", MIXED, inputs=[floats()], atol=1e-5, rtol=1e-4,
         note="channels_first layers, BatchNormalization(axis=1), then channels_last layers after a Permute and "
              "back into a channels_first Add and pooling."),
    Case("keras2_channels_first_batchnorm", NORMALIZED, inputs=[floats(), floats(), floats()], atol=1e-5,
         rtol=1e-4,
         note="BatchNormalization(axis=1) after channels_first Conv1D/2D/3D (folded into the convolution through "
              "the transpose; center=False, scale=False), a relu and a strided Conv2D after it, and a "
              "BatchNormalization of the height (not folded)."),
    Case("keras2_channels_first_open", OPEN_AXES, inputs=[floats()], atol=1e-5, rtol=1e-4,
         sizes=[[(3, 6, 6)], [(3, 9, 7)], [(3, 12, 16)]],
         note="channels_first Conv2D, MaxPooling2D, ZeroPadding2D, UpSampling2D and GlobalMaxPooling2D over open "
              "height and width: 6x6, 9x7 and 12x16 images."),
    Case("keras2_channels_first_views", VIEWS, inputs=[floats()], atol=1e-5, rtol=1e-4,
         note="Reshape views between a channels_first Conv2D and a Permute (and an Activation, and a channels_first "
              "Flatten) that would undo its transpose without the reshape."),
    Case("keras3_channels_first_config", KERAS3_CONFIG, keras=3, files=("model.weights.h5", "model.keras"),
         inputs=[floats(), floats()], atol=1e-5, rtol=1e-4,
         note="Keras 3 (JAX): keras.config.set_image_data_format('channels_first') sets the default data_format "
              "of Conv1D and MaxPooling1D (None in Keras 3) as well as Conv2D, GlobalAveragePooling2D and Flatten."),
]
