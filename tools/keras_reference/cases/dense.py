"""Dense models: the simplest check of every weights file Keras writes."""
from case import Case

ALL2 = ("model.h5", "weights.h5", "model.weights.h5", "model.keras", "model.json")
ALL3 = ("model.h5", "model.weights.h5", "model.keras")

MLP = """\
from keras.models import Sequential
from keras.layers import Dense

model = Sequential()
model.add(Dense(16, input_dim=8, activation='relu'))
model.add(Dense(16, activation='tanh'))
model.add(Dense(4, activation='softmax'))
"""

CASES = [
    Case("keras2_mlp", MLP, keras=2, files=ALL2,
         note="8-16-16-4 MLP (relu, tanh, softmax), Sequential with input_dim; tf.keras 2.15."),
    Case("keras3_mlp", MLP, keras=3, files=ALL3,
         note="8-16-16-4 MLP (relu, tanh, softmax), Sequential with input_dim; Keras 3."),
]
