"""Keras 1's HDF5 weights layout (model.save_weights in Keras 1.x), written from a tf.keras 2 model.

Keras 1 stated no keras_version in its weights files, so tf.keras 2's load_weights reads such a file as
Keras 1's and converts it (hdf5_format.preprocess_weights_for_loading): a recurrent layer's weights per gate
(W_i, U_i, b_i, W_c, ...: 12 for LSTM in the gate order i, c, f, o; 9 for GRU) into kernel, recurrent_kernel
and bias; channels_first convolution kernels from (filters, channels, rows, cols); a Conv1D kernel from
(length, 1, channels, filters). This writes the inverse: the worker then loads the file with load_weights
and checks that Keras gets the model's weights back.
"""
import h5py
import numpy as np

LSTM_GATES = ("i", "f", "c", "o")  # tf.keras 2's order in the kernel
LSTM_FILE_ORDER = ("i", "c", "f", "o")  # Keras 1's order in the file
GRU_GATES = ("z", "r", "h")


def _recurrent(prefix, kernel, recurrent_kernel, bias, gates, file_order):
    units = recurrent_kernel.shape[0]
    part = {g: (kernel[..., k * units:(k + 1) * units], recurrent_kernel[..., k * units:(k + 1) * units],
                bias[..., k * units:(k + 1) * units]) for k, g in enumerate(gates)}
    out = []
    for g in file_order:
        for letter, value in zip("WUb", part[g]):
            out.append((f"{prefix}_{letter}_{g}", value))
    return out


def _conv_kernel(cls, data_format, kernel):
    if cls == "Conv1D":
        return kernel[:, None, :, :]  # (length, 1, channels, filters)
    if cls == "Conv2D" and data_format == "channels_first":
        return kernel.transpose(3, 2, 0, 1)  # (filters, channels, rows, cols)
    if cls == "Conv3D" and data_format == "channels_first":
        return kernel.transpose(4, 3, 0, 1, 2)
    return kernel


def layer_weights(layer, prefix):
    """(name, array) of `layer`'s weights as Keras 1 stored them."""
    cls = layer.__class__.__name__
    values = [w.numpy() for w in layer.weights]
    if cls == "Bidirectional":
        return layer_weights(layer.forward_layer, prefix + "_forward") + layer_weights(layer.backward_layer,
                                                                                      prefix + "_backward")
    if cls == "TimeDistributed":
        return layer_weights(layer.layer, prefix)
    if cls == "LSTM":
        return _recurrent(prefix, *values, LSTM_GATES, LSTM_FILE_ORDER)
    if cls == "GRU":
        if values[2].ndim != 1:
            raise SystemExit(f"{layer.name}: Keras 1's GRU has one bias (reset_after=False)")
        return _recurrent(prefix, *values, GRU_GATES, GRU_GATES)
    if cls in ("Conv1D", "Conv2D", "Conv3D"):
        values[0] = _conv_kernel(cls, layer.data_format, values[0])
        return list(zip((prefix + "_W", prefix + "_b"), values))
    if cls == "BatchNormalization":
        return list(zip(("gamma", "beta", "running_mean", "running_std"), values))
    return [(f"{prefix}_{'Wb'[i] if i < 2 else i}", v) for i, v in enumerate(values)]


def write(model, path):
    """Writes `model`'s weights in Keras 1's layout: every layer in layer_names, its weights in
    weight_names; no keras_version."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [layer.name.encode() for layer in model.layers]
        for layer in model.layers:
            group = f.create_group(layer.name)
            weights = layer_weights(layer, layer.name) if layer.weights else []
            group.attrs["weight_names"] = [name.encode() for name, _ in weights]
            for name, value in weights:
                group.create_dataset(name, data=np.asarray(value, dtype=np.float32))
