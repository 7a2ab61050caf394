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

# An activation given as a layer object (a callable, as in GAN code):
# applied to the output, with the object's own parameters.
ACTIVATION_OBJECTS_KERAS2 = """\
from keras.models import Model
from keras.layers import Input, Dense, Conv2D, Flatten, LeakyReLU, ELU, ReLU, ThresholdedReLU, Activation

images = Input(shape=(6, 5, 2))
x = Conv2D(4, 3, padding='same', activation=LeakyReLU(alpha=0.2))(images)
x = Conv2D(3, 3, activation=ELU(alpha=0.5), data_format='channels_first')(x)
x = Flatten()(x)
x = Dense(12, activation=ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2))(x)
y = Dense(6, activation=ThresholdedReLU(theta=0.3))(x)
z = Dense(5, activation=ReLU())(x)
w = Activation(LeakyReLU())(x)
model = Model(images, [x, y, z, w])
"""

ACTIVATION_OBJECTS_KERAS3 = """\
import keras
from keras import layers

images = keras.Input(shape=(6, 5, 2))
x = layers.Conv2D(4, 3, padding='same', activation=layers.LeakyReLU(negative_slope=0.2))(images)
x = layers.Conv2D(3, 3, activation=layers.ELU(alpha=0.5), data_format='channels_first')(x)
x = layers.Flatten()(x)
x = layers.Dense(12, activation=layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2))(x)
y = layers.Dense(5, activation=layers.ReLU())(x)
w = layers.Activation(layers.LeakyReLU())(x)
model = keras.Model(images, [x, y, w])
"""

CASES = [
    Case("keras2_mlp", MLP, keras=2, files=ALL2,
         note="8-16-16-4 MLP (relu, tanh, softmax), Sequential with input_dim; tf.keras 2.15."),
    Case("keras3_mlp", MLP, keras=3, files=ALL3,
         note="8-16-16-4 MLP (relu, tanh, softmax), Sequential with input_dim; Keras 3."),
    Case("keras2_activation_objects", ACTIVATION_OBJECTS_KERAS2, keras=2, files=ALL2,
         note="activation= given as layer objects (LeakyReLU, ELU, ReLU with parameters, ThresholdedReLU, "
              "Activation(LeakyReLU())), also after channels_first; tf.keras 2.15."),
    Case("keras3_activation_objects", ACTIVATION_OBJECTS_KERAS3, keras=3, files=ALL3,
         note="activation= given as layer objects (LeakyReLU, ELU, ReLU with parameters, "
              "Activation(LeakyReLU())), also after channels_first; Keras 3."),
]
