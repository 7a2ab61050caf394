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
