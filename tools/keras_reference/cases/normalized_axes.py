"""Normalizations over other than the last axis: GroupNormalization(axis=1)
after channels_first layers, LayerNormalization and UnitNormalization over
leading axes and sets of axes, also inside TimeDistributed and over a
sequence with open steps; Softmax over several axes."""
from case import Case, floats

NORMALIZED_AXES = """\
from keras.models import Model
from keras.layers import (Input, Conv2D, GroupNormalization, LayerNormalization, UnitNormalization,
                          TimeDistributed, Activation)

images = Input(shape=(4, 5, 6))
x = Conv2D(8, 3, padding='same', data_format='channels_first')(images)
x = GroupNormalization(groups=4, axis=1)(x)
x = Activation('relu')(x)
a = Conv2D(3, 1, data_format='channels_first')(x)
b = GroupNormalization(groups=-1, axis=-2)(images)
c = LayerNormalization(axis=1)(images)
d = LayerNormalization(axis=[1, 2], center=False)(images)
e = LayerNormalization(axis=[1, 3], epsilon=0.1)(images)
f = UnitNormalization(axis=1)(images)
g = UnitNormalization(axis=[1, 2])(images)
h = TimeDistributed(GroupNormalization(groups=5, axis=1))(images)
signals = Input(shape=(6, None))
i = GroupNormalization(groups=3, axis=1)(signals)
j = LayerNormalization(axis=1, scale=False)(signals)
model = Model([images, signals], [a, b, c, d, e, f, g, h, i, j])
"""

SIZES = [[(4, 5, 6), (6, 7)], [(4, 5, 6), (6, 1)]]

# Softmax jointly over adjacent axes (a spatial softmax over an image).
SOFTMAX_AXES = """\
from keras.models import Model
from keras.layers import Input, Conv2D, Softmax

images = Input(shape=(4, 5, 6))
a = Softmax(axis=[1, 2])(images)
b = Softmax(axis=(2, 3))(Conv2D(3, 1)(images))
c = Softmax(axis=[-3, -2, -1])(images)
signals = Input(shape=(None, 3, 2))
d = Softmax(axis=[1, 2])(signals)
e = Softmax(axis=(-2, -1))(signals)
model = Model([images, signals], [a, b, c, d, e])
"""

CASES = [
    Case("keras2_normalized_axes", NORMALIZED_AXES, inputs=[floats(), floats()], sizes=SIZES, atol=1e-5, rtol=1e-4,
         note="GroupNormalization(axis=1) after a channels_first Conv2D and over other axes, LayerNormalization and "
              "UnitNormalization over a leading axis and sets of axes, in TimeDistributed, and over 7 and 1 open "
              "steps; tf.keras 2.15."),
    Case("keras3_normalized_axes", NORMALIZED_AXES, keras=3, files=("model.keras",), inputs=[floats(), floats()],
         sizes=SIZES, atol=1e-5, rtol=1e-4, note="The same in Keras 3 (JAX)."),
    Case("keras2_softmax_axes", SOFTMAX_AXES, inputs=[floats(-4, 4), floats(-4, 4)],
         sizes=[[(4, 5, 6), (5, 3, 2)], [(4, 5, 6), (1, 3, 2)]], atol=1e-6, rtol=1e-4,
         note="Softmax over two and three adjacent axes, leading and trailing, over 5 and 1 open steps; "
              "tf.keras 2.15."),
    Case("keras3_softmax_axes", SOFTMAX_AXES, keras=3, files=("model.keras",), inputs=[floats(-4, 4), floats(-4, 4)],
         sizes=[[(4, 5, 6), (5, 3, 2)], [(4, 5, 6), (1, 3, 2)]], atol=1e-6, rtol=1e-4,
         note="The same in Keras 3 (JAX)."),
]
