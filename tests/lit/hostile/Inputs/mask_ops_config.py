"""Prints a Keras 3 functional config with N Masking layers, N NotEqual and N
Any(axis=-1) operations, all on one input: every Masking matches every
NotEqual (the mask Keras 3 records as Any(NotEqual(x, 0), axis=-1))."""
import json
import sys

n = int(sys.argv[1])


def tensor(layer):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": [None, 5, 3], "dtype": "float32", "keras_history": [layer, 0, 0]}}


def layer(cls, name, args, **config):
    return {"module": "keras.layers", "class_name": cls, "config": {"name": name, **config}, "name": name,
            "inbound_nodes": [{"args": args, "kwargs": {}}] if args else []}


layers = [layer("InputLayer", "x", None, batch_shape=[None, 5, 3])]
layers += [layer("Masking", f"masking{i}", [tensor("x")], mask_value=0.0) for i in range(n)]
for i in range(n):
    layers.append(layer("NotEqual", f"not_equal{i}", [tensor("x"), 0.0]))
    layers.append(layer("Any", f"any{i}", [tensor(f"not_equal{i}")], axis=-1, keepdims=False))
print(json.dumps({"module": "keras", "class_name": "Functional", "keras_version": "3.3.3",
                  "config": {"name": "model", "layers": layers, "input_layers": ["x", 0, 0],
                             "output_layers": ["masking0", 0, 0]}}))
