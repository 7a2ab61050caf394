"""Models that kilnc runs a few samples at a time (Program's chunked runs):
image-sized tensors between layers with small weights, a batch that is not a
multiple of the chunk, a tensor that lives across several steps of the run
(a residual branch) and one that is both a model output and read later."""
from case import Case, floats

RESIDUAL = """\
from keras.models import Model
from keras.layers import Input, Conv2D, BatchNormalization, Add, MaxPooling2D, GlobalAveragePooling2D

image = Input(shape=(32, 32, 8))
a = Conv2D(32, 3, padding='same', activation='relu')(image)
b = BatchNormalization()(Conv2D(32, 3, padding='same')(a))
c = Add()([a, b])
pooled = MaxPooling2D(2)(c)
d = Conv2D(8, 3, activation='relu')(pooled)
model = Model(image, [GlobalAveragePooling2D()(d), pooled])
"""

CASES = [
    Case("keras2_chunked_residual", RESIDUAL, inputs=[floats()], batch=7,
         note="Conv2D, BatchNormalization, Add, MaxPooling2D, GlobalAveragePooling2D at batch 7, run two samples "
              "per thread at a time: a residual branch across the run, a pooled output read by the next "
              "convolution."),
]
