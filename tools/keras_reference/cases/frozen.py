"""Transfer learning as the Keras guides write it: a base model frozen with
`base.trainable = False` (or partly unfrozen again for fine-tuning) before
the file is saved. Freezing does not change inference, but it orders the
weights in Keras 2's .h5 files: a frozen layer's weights all count as
non-trainable."""
from case import Case, floats

FROZEN_BASE = """\
from tensorflow import keras
from tensorflow.keras import layers

base = keras.Sequential([
    layers.Conv2D(4, 3, input_shape=(8, 8, 3)),
    layers.BatchNormalization(),
    layers.Activation("relu"),
    layers.Conv2D(6, 3),
    layers.BatchNormalization(),
    layers.Activation("relu"),
], name="base")

# Freeze the base_model
base.trainable = False

inputs = keras.Input(shape=(8, 8, 3))
x = base(inputs, training=False)
x = layers.GlobalAveragePooling2D()(x)
x = layers.BatchNormalization()(x)
outputs = layers.Dense(2)(x)
model = keras.Model(inputs, outputs)
"""

# Fine-tuning: the base unfrozen again, its first layers frozen one by one.
FINE_TUNED = FROZEN_BASE.replace("""base.trainable = False
""", """base.trainable = False
base.trainable = True
for layer in base.layers[:3]:
    layer.trainable = False
""")

CASES = [
    Case("keras2_frozen_base", FROZEN_BASE, keras=2, files=("model.h5", "weights.h5", "model.weights.h5"),
         note="A nested Sequential frozen with base.trainable = False (two BatchNormalization layers inside): "
              "tf.keras 2.15's .h5 lists its weights layer by layer; Keras's own layouts.", atol=1e-5, rtol=1e-4),
    Case("keras2_fine_tuned_base", FINE_TUNED, keras=2, files=("model.h5", "weights.h5"),
         note="The base unfrozen again and its first three layers frozen one by one (for layer in "
              "base.layers[:3]): trainable weights first, then the frozen ones; tf.keras 2.15.",
         atol=1e-5, rtol=1e-4),
]
