"""3x3 convolutions of stride 1 with 16 or more channels: the ones `kilnc
build --winograd` computes by Winograd's F(2x2, 3x3). The same case runs in
the default build (direct) and in tests/CMakeLists.txt's numerics-winograd
tests (--winograd, with its range tolerance): odd and even output sizes,
'same' and 'valid' padding, channel counts off the vector width, the
row-wise and out-of-line activations, channels_first, TimeDistributed, and
open height and width."""
from case import Case, floats

CONVOLUTIONS = """\
from keras.models import Model
from keras.layers import Input, Conv2D

images = Input(shape=(None, None, 17))
same = Conv2D(16, 3, padding='same', activation='relu')(images)
valid = Conv2D(33, (3, 3), activation='tanh')(same)
scores = Conv2D(20, 3, padding='same', activation='softmax', use_bias=False)(valid)
model = Model(images, [same, valid, scores])
"""

FRAMES = """\
from keras.models import Model
from keras.layers import Input, Conv2D, TimeDistributed

frames = Input(shape=(3, 6, 7, 16))
planes = Input(shape=(16, 5, 7))
per_frame = TimeDistributed(Conv2D(18, 3, activation='elu'))(frames)
first = Conv2D(16, 3, padding='same', data_format='channels_first')(planes)
model = Model([frames, planes], [per_frame, first])
"""

CASES = [
    Case("keras2_winograd_convolutions", CONVOLUTIONS, inputs=[floats()], sizes=[[(7, 9, 17)], [(8, 6, 17)]],
         files=("model.h5",),
         note="Conv2D 3x3 of stride 1 over 16+ channels, as --winograd takes them: 'same' and 'valid', 17 and 33 "
              "channels (a partial vector and a partial panel), relu, tanh and softmax (no bias), odd and even "
              "open sizes (7x9 and 8x6)."),
    Case("keras2_winograd_frames", FRAMES, inputs=[floats(), floats()], files=("model.h5",),
         note="TimeDistributed(Conv2D 3x3 over 16 channels) with elu, and a channels_first 3x3 Conv2D over 16 "
              "channels."),
]
