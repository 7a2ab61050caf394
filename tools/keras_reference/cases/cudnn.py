"""Models trained on a GPU with Keras 2's CuDNNLSTM and CuDNNGRU: their weights files (cuDNN's layout) bound
to the LSTM and GRU of the same model, as Keras converts them in load_weights. Keras runs no CuDNN layer on a
CPU, so the files come from the CuDNN model and the outputs from the LSTM/GRU model Keras loaded them into;
importing model.h5 gives the CuDNN layers themselves."""
from case import Case, ints

TEXT_CPU = """\
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Embedding(40, 7, input_length=9),
    layers.LSTM(5, return_sequences=True),
    layers.Bidirectional(layers.GRU(6, return_sequences=True)),
    layers.Bidirectional(layers.LSTM(3)),
    layers.Dense(2, activation='softmax'),
])
"""

TEXT_GPU = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Embedding(40, 7, input_length=9),
    tf.compat.v1.keras.layers.CuDNNLSTM(5, return_sequences=True),
    layers.Bidirectional(tf.compat.v1.keras.layers.CuDNNGRU(6, return_sequences=True)),
    layers.Bidirectional(tf.compat.v1.keras.layers.CuDNNLSTM(3)),
    layers.Dense(2, activation='softmax'),
])
"""

STATES_CPU = """\
from keras.models import Model
from keras.layers import Input, LSTM, GRU, Dense, concatenate

seq = Input(shape=(6, 4))
out, h, c = LSTM(7, return_sequences=True, return_state=True)(seq)
back = GRU(3, go_backwards=True)(out)
last = LSTM(7, go_backwards=True)(seq, initial_state=[h, c])
model = Model(seq, [Dense(2)(concatenate([back, last])), h, c])
"""

STATES_GPU = """\
from keras.models import Model
from keras.layers import Input, Dense, concatenate
from tensorflow.compat.v1.keras.layers import CuDNNLSTM, CuDNNGRU

seq = Input(shape=(6, 4))
out, h, c = CuDNNLSTM(7, return_sequences=True, return_state=True)(seq)
back = CuDNNGRU(3, go_backwards=True)(out)
last = CuDNNLSTM(7, go_backwards=True)(seq, initial_state=[h, c])
model = Model(seq, [Dense(2)(concatenate([back, last])), h, c])
"""

CASES = [
    Case("keras2_cudnn_text", TEXT_CPU, saved_by=TEXT_GPU, files=("model.h5", "weights.h5"), inputs=[ints(0, 40)],
         atol=1e-5, rtol=1e-4,
         note="Embedding, CuDNNLSTM and Bidirectional CuDNNGRU/CuDNNLSTM trained on a GPU: the files bound to "
              "LSTM and GRU; tf.keras 2.15 (load_weights converts cuDNN's kernels and biases)."),
    Case("keras2_cudnn_states", STATES_CPU, saved_by=STATES_GPU, files=("model.h5", "weights.h5"),
         atol=1e-5, rtol=1e-4,
         note="CuDNNLSTM with return_state and initial_state, CuDNNGRU with go_backwards, 4 features into 7 and 3 "
              "units: the files bound to LSTM and GRU; tf.keras 2.15."),
]
