"""Convolutional LSTMs (ConvLSTM1D/2D/3D): every option, masks, open timesteps, and whole models."""
from case import Case, floats, keras_init

CONV_LSTM2D = """\
from keras.models import Model
from keras.layers import Input, ConvLSTM2D

frames = Input(shape=(4, 7, 6, 3))
a = ConvLSTM2D(4, (3, 3), padding='same', return_sequences=True)(frames)
b = ConvLSTM2D(3, (3, 2), strides=(2, 1), activation='relu', recurrent_activation='sigmoid', go_backwards=True)(frames)
c, h, state_c = ConvLSTM2D(2, 3, padding='same', dilation_rate=2, use_bias=False, return_sequences=True,
                           return_state=True, go_backwards=True)(frames)
d = ConvLSTM2D(2, (2, 2), strides=2, padding='same', unit_forget_bias=False, dropout=0.3, recurrent_dropout=0.2,
               kernel_regularizer='l2')(a)
e = ConvLSTM2D(2, (3, 1), padding='same', dilation_rate=(1, 2), activation='swish',
               recurrent_activation='tanh')(frames, initial_state=[h, state_c])
model = Model(frames, [a, b, c, h, state_c, d, e])
"""

CONV_LSTM1D = """\
from keras.models import Model
from keras.layers import Input, ConvLSTM1D

frames = Input(shape=(5, 9, 3))
a = ConvLSTM1D(4, 3, return_sequences=True)(frames)
b, h, c = ConvLSTM1D(3, 3, strides=2, padding='same', go_backwards=True, return_state=True)(frames)
d = ConvLSTM1D(2, 2, dilation_rate=3, activation='elu', recurrent_activation='sigmoid', return_sequences=True,
               go_backwards=True)(a)
model = Model(frames, [a, b, h, c, d])
"""

CONV_LSTM3D = """\
from keras.models import Model
from keras.layers import Input, ConvLSTM3D

volumes = Input(shape=(3, 4, 5, 4, 2))
a = ConvLSTM3D(2, (2, 3, 2), padding='same', return_sequences=True)(volumes)
b = ConvLSTM3D(3, 2, strides=(1, 2, 2), go_backwards=True)(volumes)
model = Model(volumes, [a, b])
"""

MASKS = """\
from keras.models import Model
from keras.layers import Input, Masking, ConvLSTM1D, ConvLSTM2D, TimeDistributed, Dense

frames = Input(shape=(5, 6, 6, 2))
masked = Masking()(frames)
a = ConvLSTM2D(3, 3, padding='same', return_sequences=True)(masked)
b, h, c = ConvLSTM2D(2, 3, padding='same', go_backwards=True, return_state=True)(a)
dense = TimeDistributed(Dense(3))(masked)
d = ConvLSTM2D(2, (1, 3), padding='same', return_sequences=True, go_backwards=True)(dense)
signals = Input(shape=(6, 8, 2))
e = ConvLSTM1D(3, 3, padding='same', return_sequences=True)(Masking(mask_value=0.0)(signals))
model = Model([frames, signals], [a, b, h, c, d, e])
"""

OPEN_STEPS = """\
from keras.models import Model
from keras.layers import Input, ConvLSTM2D

frames = Input(shape=(None, 8, 8, 2))
a = ConvLSTM2D(3, 3, padding='same', return_sequences=True)(frames)
b = ConvLSTM2D(2, 3, strides=2, go_backwards=True)(a)
model = Model(frames, [a, b])
"""

OPEN_FRAMES = """\
from keras.models import Model
from keras.layers import Input, Masking, ConvLSTM1D, ConvLSTM2D

frames = Input(shape=(None, None, None, 2))
a = ConvLSTM2D(3, 3, padding='same', return_sequences=True)(Masking()(frames))
b = ConvLSTM2D(2, (3, 2), strides=2, go_backwards=True)(frames)
signals = Input(shape=(None, None, 3))
c, h, state_c = ConvLSTM1D(2, 3, dilation_rate=2, return_state=True)(signals)
model = Model([frames, signals], [a, b, c, h, state_c])
"""

KERAS3 = """\
import keras
from keras import layers

frames = keras.Input(shape=(4, 6, 5, 2))
signals = keras.Input(shape=(3, 7, 2))
a = layers.ConvLSTM2D(3, 3, padding='same', return_sequences=True)(frames)
b, h, c = layers.ConvLSTM2D(2, (2, 3), strides=(2, 1), go_backwards=True, return_state=True)(a)
d = layers.ConvLSTM1D(2, 3, recurrent_activation='hard_sigmoid')(signals)
model = keras.Model([frames, signals], [a, b, h, c, d])
"""

# Frames through a per-frame convolutional front end, then a ConvLSTM2D
# over the sequence of feature maps.
VIDEO_CLASSIFIER = """\
from keras.models import Sequential
from keras.layers import TimeDistributed, Conv2D, MaxPooling2D, ConvLSTM2D, GlobalAveragePooling2D, Dense

model = Sequential([
    TimeDistributed(Conv2D(8, (3, 3), padding='same', activation='relu'), input_shape=(6, 16, 16, 3)),
    TimeDistributed(MaxPooling2D((2, 2))),
    ConvLSTM2D(8, (3, 3), padding='same', return_sequences=True),
    ConvLSTM2D(6, (3, 3), padding='same'),
    GlobalAveragePooling2D(),
    Dense(5, activation='softmax'),
])
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
"""

# keras.io examples/vision/conv_lstm.py ("Next-Frame Video Prediction with
# Convolutional LSTMs"), the model-building text as published, with
# Input(shape=(None, *x_train.shape[2:])) written out and sizes shrunk.
NEXT_FRAME = """\
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

# Construct the input layer with no definite frame size.
inp = layers.Input(shape=(None, 16, 16, 1))

# We will construct 3 `ConvLSTM2D` layers with batch normalization,
# followed by a `Conv3D` layer for the spatiotemporal outputs.
x = layers.ConvLSTM2D(
    filters=8,
    kernel_size=(5, 5),
    padding="same",
    return_sequences=True,
    activation="relu",
)(inp)
x = layers.BatchNormalization()(x)
x = layers.ConvLSTM2D(
    filters=8,
    kernel_size=(3, 3),
    padding="same",
    return_sequences=True,
    activation="relu",
)(x)
x = layers.BatchNormalization()(x)
x = layers.ConvLSTM2D(
    filters=8,
    kernel_size=(1, 1),
    padding="same",
    return_sequences=True,
    activation="relu",
)(x)
x = layers.Conv3D(
    filters=1, kernel_size=(3, 3, 3), activation="sigmoid", padding="same"
)(x)

# Next, we will build the complete model and compile it.
model = keras.models.Model(inp, x)
model.compile(
    loss=keras.losses.binary_crossentropy, optimizer=keras.optimizers.Adam(),
)
"""

# data_format='channels_first': sequences (batch, timesteps, channels,
# spatial...), states (batch, channels, spatial...), initial_state from
# another layer's channels_first states; TimeDistributed channels_first
# layers in front.
CHANNELS_FIRST = """\
from keras.models import Model
from keras.layers import Input, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, TimeDistributed, Conv2D, MaxPooling2D, Conv3D

frames = Input(shape=(4, 3, 8, 7))
features = TimeDistributed(Conv2D(4, 3, padding='same', activation='relu', data_format='channels_first'))(frames)
pooled = TimeDistributed(MaxPooling2D(data_format='channels_first'))(features)
a, h, c = ConvLSTM2D(3, 3, padding='same', return_sequences=True, return_state=True, go_backwards=True,
                     data_format='channels_first')(pooled)
b = ConvLSTM2D(3, (3, 2), padding='same', recurrent_activation='sigmoid', data_format='channels_first')(
    pooled, initial_state=[h, c])
d = ConvLSTM2D(2, (2, 3), strides=(2, 1), data_format='channels_first')(a)
e = Conv3D(2, 2, data_format='channels_first')(a)
signals = Input(shape=(5, 2, 9))
f = ConvLSTM1D(3, 3, dilation_rate=2, return_sequences=True, data_format='channels_first')(signals)
volumes = Input(shape=(3, 2, 4, 5, 3))
g = ConvLSTM3D(2, (2, 3, 2), padding='same', go_backwards=True, data_format='channels_first')(volumes)
model = Model([frames, signals, volumes], [a, h, c, b, d, e, f, g])
"""

OPEN_CHANNELS_FIRST = """\
from keras.models import Model
from keras.layers import Input, ConvLSTM2D, TimeDistributed, Conv2D

frames = Input(shape=(None, 2, None, None))
x = TimeDistributed(Conv2D(3, 3, padding='same', data_format='channels_first'))(frames)
a, h, c = ConvLSTM2D(3, 3, padding='same', return_sequences=True, return_state=True,
                     data_format='channels_first')(x)
b = ConvLSTM2D(2, (3, 2), strides=2, go_backwards=True, data_format='channels_first')(a)
model = Model(frames, [a, h, b])
"""

KERAS3_CHANNELS_FIRST = """\
import keras
from keras import layers

frames = keras.Input(shape=(4, 2, 6, 5))
x = layers.TimeDistributed(layers.Conv2D(3, 3, padding='same', data_format='channels_first'))(frames)
a, h, c = layers.ConvLSTM2D(3, 3, padding='same', return_sequences=True, return_state=True,
                            data_format='channels_first')(x)
b = layers.ConvLSTM2D(3, (2, 3), padding='same', go_backwards=True, data_format='channels_first')(
    frames, initial_state=[h, c])
signals = keras.Input(shape=(3, 2, 7))
d = layers.ConvLSTM1D(2, 3, strides=2, data_format='channels_first')(signals)
model = keras.Model([frames, signals], [a, h, c, b, d])
"""

BIDIRECTIONAL = """\
from keras.models import Model
from keras.layers import Input, Masking, Bidirectional, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D

frames = Input(shape=(4, 6, 5, 2))
a = Bidirectional(ConvLSTM2D(3, 3, padding='same', return_sequences=True))(frames)
b = Bidirectional(ConvLSTM2D(2, (3, 2), strides=(2, 1)), merge_mode='sum')(frames)
c, fh, fc, bh, bc = Bidirectional(ConvLSTM2D(2, 3, padding='same', return_sequences=True, return_state=True,
                                             go_backwards=True), merge_mode='mul')(frames)
d = Bidirectional(ConvLSTM2D(2, 3, padding='same'), merge_mode='ave')(frames, initial_state=[fh, fc, bh, bc])
e, f = Bidirectional(ConvLSTM2D(2, 3, return_sequences=True), merge_mode=None)(frames)
signals = Input(shape=(5, 7, 3))
masked = Masking()(signals)
g = Bidirectional(ConvLSTM1D(3, 3, padding='same', return_sequences=True))(masked)
h = Bidirectional(ConvLSTM1D(2, 3, padding='same'), backward_layer=ConvLSTM1D(3, 3, padding='same', go_backwards=True,
                                                                            activation='relu'))(masked)
volumes = Input(shape=(3, 4, 3, 4, 2))
i = Bidirectional(ConvLSTM3D(2, 2, padding='same', return_sequences=True), merge_mode='ave')(volumes)
model = Model([frames, signals, volumes], [a, b, c, fh, fc, bh, bc, d, e, f, g, h, i])
"""

BIDIRECTIONAL_CHANNELS_FIRST = """\
from keras.models import Model
from keras.layers import Input, Bidirectional, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D

frames = Input(shape=(4, 2, 6, 5))
a = Bidirectional(ConvLSTM2D(3, 3, padding='same', return_sequences=True, data_format='channels_first'))(frames)
b, fh, fc, bh, bc = Bidirectional(ConvLSTM2D(2, (3, 2), return_state=True, data_format='channels_first'),
                                  merge_mode='sum')(frames)
c = Bidirectional(ConvLSTM2D(2, (3, 2), go_backwards=True, data_format='channels_first'), merge_mode='ave')(
    frames, initial_state=[fh, fc, bh, bc])
d = Bidirectional(ConvLSTM2D(2, 3, padding='same', go_backwards=True, data_format='channels_first'))(frames)
signals = Input(shape=(5, 3, 7))
e, f = Bidirectional(ConvLSTM1D(2, 3, return_sequences=True, data_format='channels_first'), merge_mode=None)(signals)
g = Bidirectional(ConvLSTM1D(2, 3, strides=2, data_format='channels_first'), merge_mode='mul')(signals)
volumes = Input(shape=(3, 2, 3, 4, 3))
h = Bidirectional(ConvLSTM3D(2, 2, padding='same', return_sequences=True, data_format='channels_first'))(volumes)
model = Model([frames, signals, volumes], [a, b, fh, fc, bh, bc, c, d, e, f, g, h])
"""

OPEN_BIDIRECTIONAL = """\
from keras.models import Model
from keras.layers import Input, Bidirectional, ConvLSTM2D

frames = Input(shape=(None, 6, 6, 2))
a = Bidirectional(ConvLSTM2D(3, 3, padding='same', return_sequences=True))(frames)
b = Bidirectional(ConvLSTM2D(2, 3, strides=2), merge_mode='sum')(a)
first = Input(shape=(None, 2, 5, 4))
c, d = Bidirectional(ConvLSTM2D(2, 3, padding='same', return_sequences=True, data_format='channels_first'),
                     merge_mode=None)(first)
e = Bidirectional(ConvLSTM2D(2, 3, padding='same', return_sequences=True, data_format='channels_first'))(first)
model = Model([frames, first], [a, b, c, d, e])
"""

KERAS3_BIDIRECTIONAL = """\
import keras
from keras import layers

frames = keras.Input(shape=(4, 5, 6, 2))
a = layers.Bidirectional(layers.ConvLSTM2D(3, 3, padding='same', return_sequences=True))(frames)
b, fh, fc, bh, bc = layers.Bidirectional(layers.ConvLSTM2D(2, (2, 3), strides=(2, 1), return_state=True),
                                         merge_mode='ave')(frames)
signals = keras.Input(shape=(5, 7, 3))
c = layers.Bidirectional(layers.ConvLSTM1D(2, 3, padding='same', return_sequences=True))(signals)
first = keras.Input(shape=(3, 2, 7))
d = layers.Bidirectional(layers.ConvLSTM1D(2, 3, strides=2, return_sequences=True, data_format='channels_first'),
                         merge_mode='mul')(first)
e, f = layers.Bidirectional(layers.ConvLSTM1D(2, 3, data_format='channels_first'), merge_mode=None)(first)
model = keras.Model([frames, signals, first], [a, b, fh, fc, bh, bc, c, d, e, f])
"""

CASES = [
    Case("keras2_conv_lstm2d", CONV_LSTM2D, files=("model.h5", "weights.h5", "model.json"), atol=2e-5, rtol=1e-4,
         note="ConvLSTM2D: default hard_sigmoid gates, 'same' and 'valid', strides, dilation_rate, relu/sigmoid, "
              "swish/tanh, use_bias=False, unit_forget_bias=False, dropout (identity), go_backwards with "
              "return_sequences, return_state, initial_state from another layer's states, a stack."),
    Case("keras2_conv_lstm1d", CONV_LSTM1D, atol=2e-5, rtol=1e-4,
         note="ConvLSTM1D: 'valid' and strided 'same', dilation_rate, elu/sigmoid, go_backwards, return_state, "
              "return_sequences, a stack."),
    Case("keras2_conv_lstm3d", CONV_LSTM3D, atol=2e-5, rtol=1e-4,
         note="ConvLSTM3D: 'same' with return_sequences, strided 'valid' with go_backwards."),
    Case("keras2_conv_lstm_masks", MASKS, inputs=[floats(pad_tail=[2, 0], zero=0.3), floats(pad_tail=[0, 3], zero=0.3)],
         atol=2e-5, rtol=1e-4,
         note="Masking before ConvLSTM2D/ConvLSTM1D ('same'): Keras masks each position of a frame whose channels "
              "are all 0 (here whole trailing steps and 30% of positions); the mask passes through a ConvLSTM2D "
              "with return_sequences (with go_backwards and return_state after it) and TimeDistributed(Dense)."),
    Case("keras2_open_conv_lstm", OPEN_STEPS, inputs=[floats()], sizes=[[(3, 8, 8, 2)], [(1, 8, 8, 2)], [(9, 8, 8, 2)]],
         atol=2e-5, rtol=1e-4,
         note="ConvLSTM2D over an open timesteps axis (return_sequences, then strided 'valid' with go_backwards): "
              "3, 1 and 9 frames."),
    Case("keras2_open_conv_lstm_frames", OPEN_FRAMES, inputs=[floats(zero=0.2), floats()],
         sizes=[[(3, 8, 8, 2), (4, 9, 3)], [(2, 5, 7, 2), (1, 5, 3)], [(4, 9, 6, 2), (6, 12, 3)]],
         atol=2e-5, rtol=1e-4,
         note="ConvLSTM2D and ConvLSTM1D over open timesteps and open frame axes: Masking with a mask per position "
              "and 'same', strided 'valid' with go_backwards, dilated 1D with return_state; three sets of sizes."),
    Case("keras3_conv_lstm", KERAS3, keras=3, files=("model.weights.h5", "model.keras"), atol=2e-5, rtol=1e-4,
         note="Keras 3: ConvLSTM2D with its default recurrent_activation 'sigmoid' (Keras 2: 'hard_sigmoid'), "
              "strides, go_backwards, return_state; ConvLSTM1D with Keras 3's hard_sigmoid."),
    Case("keras2_conv_lstm_channels_first", CHANNELS_FIRST, atol=2e-5, rtol=1e-4,
         note="ConvLSTM1D/2D/3D with data_format='channels_first' (channels at axis 2 of a sequence, axis 1 of a "
              "state): return_sequences, return_state, go_backwards, initial_state from channels_first states, "
              "strides, dilation_rate; TimeDistributed channels_first Conv2D and MaxPooling2D before, a "
              "channels_first Conv3D after."),
    Case("keras2_open_conv_lstm_channels_first", OPEN_CHANNELS_FIRST, inputs=[floats()],
         sizes=[[(3, 2, 6, 5)], [(1, 2, 4, 7)], [(5, 2, 9, 8)]], atol=2e-5, rtol=1e-4,
         note="channels_first TimeDistributed(Conv2D) and ConvLSTM2D over open timesteps, height and width: "
              "return_state, strided 'valid' with go_backwards; three sets of sizes."),
    Case("keras3_conv_lstm_channels_first", KERAS3_CHANNELS_FIRST, keras=3, files=("model.weights.h5", "model.keras"),
         atol=2e-5, rtol=1e-4,
         note="Keras 3: channels_first ConvLSTM2D (return_state, initial_state, go_backwards) after a "
              "TimeDistributed channels_first Conv2D, and a strided channels_first ConvLSTM1D."),
    Case("keras2_bidirectional_conv_lstm", BIDIRECTIONAL,
         inputs=[floats(), floats(pad_tail=[2, 0], zero=0.3), floats()], atol=2e-5, rtol=1e-4,
         note="Bidirectional around ConvLSTM1D/2D/3D: merge_mode concat (on the channels), sum, mul, ave and None, "
              "return_sequences, return_state, go_backwards, initial_state from another Bidirectional's states, a "
              "backward_layer with other filters; Masking per position (tf.keras 2's ConvRNN ignores "
              "zero_output_for_mask: masked steps repeat the previous output)."),
    Case("keras2_bidirectional_conv_lstm_channels_first", BIDIRECTIONAL_CHANNELS_FIRST, atol=2e-5, rtol=1e-4,
         note="Bidirectional around channels_first ConvLSTM1D/2D/3D: 'concat' joins the last axis, the width; "
              "sum, ave, mul and None, return_state and initial_state, go_backwards, strides."),
    Case("keras2_open_bidirectional_conv_lstm", OPEN_BIDIRECTIONAL, inputs=[floats(), floats()],
         sizes=[[(3, 6, 6, 2), (3, 2, 5, 4)], [(1, 6, 6, 2), (1, 2, 5, 4)], [(6, 6, 6, 2), (6, 2, 5, 4)]],
         atol=2e-5, rtol=1e-4,
         note="Bidirectional ConvLSTM2D over open timesteps (channels_last and channels_first, concat, sum, "
              "None): 3, 1 and 6 frames."),
    Case("keras3_bidirectional_conv_lstm", KERAS3_BIDIRECTIONAL, keras=3, files=("model.weights.h5", "model.keras"),
         atol=2e-5, rtol=1e-4,
         note="Keras 3: Bidirectional ConvLSTM2D (concat; return_state with 'ave'), ConvLSTM1D, channels_first "
              "ConvLSTM1D with strides and merge_modes 'mul' and None. No mask: Keras 3's ConvLSTM fails on a "
              "mask per position (Masking's) at batch > 1."),
    Case("keras2_video_classifier", VIDEO_CLASSIFIER, files=("model.h5",), weights=keras_init(), atol=1e-5,
         rtol=1e-4,
         note="A small video classifier: TimeDistributed Conv2D and MaxPooling2D, two ConvLSTM2D, "
              "GlobalAveragePooling2D, Dense softmax; Keras's own initializers."),
    Case("keras2_next_frame_prediction", NEXT_FRAME, files=("model.h5",), inputs=[floats(0, 1)],
         sizes=[[(5, 16, 16, 1)], [(2, 16, 16, 1)]], atol=2e-5, rtol=1e-4,
         note="keras.io examples/vision/conv_lstm.py (Next-Frame Video Prediction with Convolutional LSTMs), its "
              "model-building code as published but shrunk: 16x16 frames instead of Moving MNIST's 64x64 and 8 "
              "filters instead of 64; three ConvLSTM2D with BatchNormalization, Conv3D; 5 and 2 frames."),
]
