"""CategoryEncoding as keras.io's structured-data examples use it: integer
features as one_hot rows, and bags of ids as multi_hot marks or counts,
into a Dense classifier."""
from case import Case, ints

FEATURES = """\
{imports}

bag = keras.Input(shape=(5,), dtype="int32")
code = keras.Input(shape=(1,), dtype="int32")
marks = layers.CategoryEncoding(num_tokens=7, output_mode="{multi}")(bag)
counts = layers.CategoryEncoding(num_tokens=7, output_mode="count")(bag)
rows = layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")(code)
x = layers.Concatenate()([marks, counts, rows])
x = layers.Dense(8, activation="relu")(x)
model = keras.Model([bag, code], [marks, counts, rows, layers.Dense(1, activation="sigmoid")(x){extra}])
"""

# Keras 3 also encodes several ids per sample one_hot, a row each.
KERAS3_EXTRA = ", layers.CategoryEncoding(num_tokens=7, output_mode=\"one_hot\")(bag)"

CASES = [
    Case("keras2_category_encoding",
         FEATURES.format(imports="from tensorflow import keras\nfrom tensorflow.keras import layers", multi="binary",
                         extra=""),
         batch=4, inputs=[ints(0, 7), ints(0, 4)], atol=1e-6, rtol=1e-5,
         note="tf.keras 2.15: CategoryEncoding 'binary' (multi_hot), 'count' over 5 ids per sample (repeats "
              "counted), 'one_hot' of a (batch, 1) id, into Dense layers."),
    Case("keras3_category_encoding",
         FEATURES.format(imports="import keras\nfrom keras import layers", multi="multi_hot", extra=KERAS3_EXTRA),
         keras=3, batch=4, files=("model.keras",), inputs=[ints(0, 7), ints(0, 4)], atol=1e-6, rtol=1e-5,
         note="Keras 3.15: the same with 'multi_hot', and 'one_hot' of 5 ids per sample: (batch, 5, 7)."),
]
