"""The 3-D family over volumes (batch, depth, height, width, channels)."""
from case import Case, floats

WINDOWS = """\
from keras.models import Model
from keras.layers import (Input, ZeroPadding3D, Cropping3D, UpSampling3D, MaxPooling3D, AveragePooling3D,
                          GlobalMaxPooling3D, GlobalAveragePooling3D)

clip = Input(shape=(5, 6, 7, 3))
padded = ZeroPadding3D(((1, 0), (2, 1), (0, 2)))(clip)
cropped = Cropping3D(((1, 2), (0, 1), (2, 0)))(padded)
grown = UpSampling3D((2, 1, 3))(cropped)
defaults = Cropping3D()(UpSampling3D()(ZeroPadding3D()(clip)))
uniform = Cropping3D(1)(ZeroPadding3D(2)(clip))
pooled = MaxPooling3D()(grown)
strided = MaxPooling3D((3, 2, 2), strides=(1, 2, 3), padding='same')(padded)
mean = AveragePooling3D((2, 3, 2), padding='same')(padded)
sliding = AveragePooling3D(strides=1)(clip)
model = Model(clip, [pooled, strided, mean, sliding, defaults, uniform,
                     GlobalMaxPooling3D()(grown), GlobalAveragePooling3D(keepdims=True)(padded)])
"""

OPEN_WINDOWS = """\
from keras.models import Model
from keras.layers import (Input, ZeroPadding3D, Cropping3D, UpSampling3D, MaxPooling3D, AveragePooling3D,
                          GlobalMaxPooling3D, GlobalAveragePooling3D)

clip = Input(shape=(None, None, None, 2))
x = ZeroPadding3D(((0, 1), (1, 1), (2, 0)))(clip)
x = MaxPooling3D((2, 2, 1), padding='same')(x)
x = UpSampling3D((1, 2, 2))(x)
x = Cropping3D(((0, 1), (1, 0), (1, 1)))(x)
y = AveragePooling3D((1, 2, 2), strides=(1, 1, 2))(x)
model = Model(clip, [x, y, GlobalMaxPooling3D()(x), GlobalAveragePooling3D()(y)])
"""

CASES = [
    Case("keras2_volume_windows", WINDOWS, inputs=[floats()],
         note="ZeroPadding3D, Cropping3D (per-side tuples, one int, Keras's defaults), UpSampling3D (factors, "
              "default), MaxPooling3D (default, strided 'same'), AveragePooling3D ('same', strides=1) and "
              "GlobalMax/AveragePooling3D (keepdims) on (5, 6, 7, 3) volumes."),
    Case("keras2_open_volumes", OPEN_WINDOWS, inputs=[floats()],
         sizes=[[(2, 3, 4, 2)], [(3, 5, 4, 2)], [(6, 4, 9, 2)]],
         note="ZeroPadding3D, MaxPooling3D ('same'), UpSampling3D, Cropping3D, AveragePooling3D (strides) and "
              "global pooling over open depth, height and width: 2x3x4, 3x5x4 and 6x4x9 volumes."),
]

CONVOLUTIONS = """\
from keras.models import Model
from keras.layers import Input, Conv3D, Conv3DTranspose, BatchNormalization, GlobalAveragePooling3D

clip = Input(shape=(6, 7, 8, 3))
plain = Conv3D(4, 3, activation='relu')(clip)
same = Conv3D(5, (2, 3, 1), strides=(2, 1, 3), padding='same', use_bias=False)(clip)
dilated = Conv3D(2, (2, 2, 3), dilation_rate=(2, 1, 2))(clip)
grouped = Conv3D(6, (1, 2, 2), groups=3, activation='tanh')(clip)
normalized = BatchNormalization()(Conv3D(4, 1)(clip))
up = Conv3DTranspose(3, 3, strides=2, activation='relu')(plain)
up_same = Conv3DTranspose(2, (2, 3, 2), strides=(1, 2, 2), padding='same')(same)
up_padded = Conv3DTranspose(2, 3, strides=(2, 3, 2), padding='same', output_padding=(1, 2, 0), use_bias=False)(same)
model = Model(clip, [plain, same, dilated, grouped, normalized, up, up_same, up_padded,
                     GlobalAveragePooling3D()(up)])
"""

OPEN_CONVOLUTIONS = """\
from keras.models import Model
from keras.layers import Input, Conv3D, Conv3DTranspose, MaxPooling3D, GlobalMaxPooling3D, Dense

clip = Input(shape=(None, None, None, 2))
x = Conv3D(4, 3, padding='same', activation='relu')(clip)
x = MaxPooling3D()(x)
x = Conv3D(3, (2, 3, 3), strides=(1, 2, 2))(x)
y = Conv3DTranspose(2, 3, strides=2, padding='same')(x)
model = Model(clip, [y, Dense(2)(GlobalMaxPooling3D()(x))])
"""

CASES += [
    Case("keras2_volume_convolutions", CONVOLUTIONS, inputs=[floats()], atol=1e-5, rtol=1e-4,
         note="Conv3D (valid; 'same' with strides, no bias; dilation_rate; groups; 1x1x1 followed by a folded "
              "BatchNormalization) and Conv3DTranspose (valid; 'same' with strides; output_padding) on "
              "(6, 7, 8, 3) volumes."),
    Case("keras2_open_volume_convolutions", OPEN_CONVOLUTIONS, inputs=[floats()], atol=1e-5, rtol=1e-4,
         sizes=[[(4, 6, 6, 2)], [(5, 9, 7, 2)], [(8, 12, 10, 2)]],
         note="Conv3D ('same'; strided valid), MaxPooling3D and Conv3DTranspose over open depth, height and width: "
              "4x6x6, 5x9x7 and 8x12x10 volumes."),
]
