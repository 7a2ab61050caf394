from keras.models import Model
from keras.layers import Input, Dense, concatenate
from tensorflow.compat.v1.keras.layers import CuDNNLSTM, CuDNNGRU

seq = Input(shape=(6, 4))
out, h, c = CuDNNLSTM(7, return_sequences=True, return_state=True)(seq)
back = CuDNNGRU(3, go_backwards=True)(out)
last = CuDNNLSTM(7, go_backwards=True)(seq, initial_state=[h, c])
model = Model(seq, [Dense(2)(concatenate([back, last])), h, c])
