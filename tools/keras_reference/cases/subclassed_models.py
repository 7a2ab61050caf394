"""Subclassed models (keras.Model with its own __init__ and call()), as
Hands-on Machine Learning and Deep Learning with Python write them: the
model itself once build() or a call on keras.Input gives its input shape,
and a layer of a functional model. Keras 2 writes save_weights files for
them; a subclassed model has no config, so no whole-model files."""
from case import Case, floats

# Hands-on Machine Learning (3rd edition), chapter 10: the subclassing API's
# wide and deep model, two inputs and two outputs, built from shapes.
WIDE_AND_DEEP = """\
import tensorflow as tf


class WideAndDeepModel(tf.keras.Model):
    def __init__(self, units=30, activation="relu", **kwargs):
        super().__init__(**kwargs)  # needed to support naming the model
        self.norm_layer_wide = tf.keras.layers.Normalization()
        self.norm_layer_deep = tf.keras.layers.Normalization()
        self.hidden1 = tf.keras.layers.Dense(units, activation=activation)
        self.hidden2 = tf.keras.layers.Dense(units, activation=activation)
        self.main_output = tf.keras.layers.Dense(1)
        self.aux_output = tf.keras.layers.Dense(1)

    def call(self, inputs):
        input_wide, input_deep = inputs
        norm_wide = self.norm_layer_wide(input_wide)
        norm_deep = self.norm_layer_deep(input_deep)
        hidden1 = self.hidden1(norm_deep)
        hidden2 = self.hidden2(hidden1)
        concat = tf.keras.layers.concatenate([norm_wide, hidden2])
        output = self.main_output(concat)
        aux_output = self.aux_output(hidden2)
        return output, aux_output


tf.random.set_seed(42)
model = WideAndDeepModel(30, activation="relu", name="my_cool_model")
model.build([(None, 5), (None, 6)])
"""

# Deep Learning with Python (2nd edition), chapter 7: a subclassed model as
# a layer of a functional model.
CLASSIFIER_LAYER = """\
from tensorflow import keras
from tensorflow.keras import layers


class Classifier(keras.Model):

    def __init__(self, num_classes=2):
        super().__init__()
        if num_classes == 2:
            num_units = 1
            activation = "sigmoid"
        else:
            num_units = num_classes
            activation = "softmax"
        self.dense = layers.Dense(num_units, activation=activation)

    def call(self, inputs):
        return self.dense(inputs)


inputs = keras.Input(shape=(3,))
features = layers.Dense(64, activation="relu")(inputs)
outputs = Classifier(num_classes=10)(features)
model = keras.Model(inputs=inputs, outputs=outputs)
"""

# The same chapter the other way round (Keras 3): a functional model inside
# a subclassed one, which becomes the model when called on keras.Input.
FUNCTIONAL_INSIDE = """\
import keras
from keras import layers

inputs = keras.Input(shape=(64,))
outputs = layers.Dense(1, activation="sigmoid")(inputs)
binary_classifier = keras.Model(inputs=inputs, outputs=outputs)


class MyModel(keras.Model):

    def __init__(self, num_classes=2):
        super().__init__()
        self.dense = layers.Dense(64, activation="relu")
        self.classifier = binary_classifier

    def call(self, inputs):
        features = self.dense(inputs)
        return self.classifier(features)


model = MyModel()
model(keras.Input(shape=(7,)))
"""

CASES = [
    Case("keras2_subclassed_wide_deep", WIDE_AND_DEEP, keras=2, files=("weights.h5",),
         inputs=[floats(shape=(5,)), floats(shape=(6,))], batch=3,
         note="Geron's WideAndDeepModel built with model.build([(None, 5), (None, 6)])"),
    Case("keras2_subclassed_as_layer", CLASSIFIER_LAYER, keras=2, files=("weights.h5",),
         note="a keras.Model subclass called as a layer of a functional model"),
    Case("keras3_subclassed_as_layer", CLASSIFIER_LAYER.replace("tensorflow.keras", "keras").replace(
        "from tensorflow import keras", "import keras"), keras=3, files=("model.weights.h5",),
         note="a keras.Model subclass called as a layer of a functional model"),
    Case("keras3_subclassed_functional_inside", FUNCTIONAL_INSIDE, keras=3, files=("model.weights.h5",),
         inputs=[floats(shape=(7,))],
         note="a subclassed model holding a functional model, built by a call on keras.Input"),
]
