"""The benchmark models in Keras (the reference definitions), PyTorch and
ONNX, with one set of weights shared by all of them and by Kiln.

    peers.py prepare MODEL BATCH DIR
        draws the weights (seeded) and an input; writes DIR/weights.npz,
        DIR/model.json + DIR/weights.bin (TensorFlow.js layers format, which
        kilnc reads), DIR/input.npy, DIR/model.onnx (exported from the
        PyTorch model, channels first) and DIR/meta.json (FLOPs per sample).
    peers.py time PEER MODEL BATCH THREADS SECONDS DIR
        PEER is ort, tf or torch; times the model on THREADS threads the way
        bench/timer.c times Kiln (warm-up, then runs timed one by one for
        SECONDS, the median) and writes its output to DIR/PEER.npy; prints
        "median_ms=M min_ms=F runs=N".

The Keras definitions are the ones in bench/models/*.kiln, so the layer
names (and so the weight names) are Keras's defaults."""
import json
import os
import sys
import time

import numpy as np

MODELS = ("mlp", "mnist_cnn", "imdb_lstm", "vgg16", "vgg16_convs")


def keras_model(name):
    import keras
    from keras import layers

    if name == "mlp":
        return keras.Sequential([keras.Input((784,)), layers.Dense(512, activation="relu"),
                                 layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")])
    if name == "mnist_cnn":
        return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, (3, 3), activation="relu"),
                                 layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
                                 layers.Dropout(0.25), layers.Flatten(), layers.Dense(128, activation="relu"),
                                 layers.Dropout(0.5), layers.Dense(10, activation="softmax")])
    if name == "imdb_lstm":
        return keras.Sequential([keras.Input((80,), dtype="int32"), layers.Embedding(20000, 128), layers.LSTM(128),
                                 layers.Dense(1, activation="sigmoid")])
    if name == "vgg16":
        return keras.applications.VGG16(weights=None)
    if name == "vgg16_convs":
        return keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))
    raise SystemExit(f"unknown model {name}")


def input_shape(name):
    return {"mlp": (784,), "mnist_cnn": (28, 28, 1), "imdb_lstm": (80,)}.get(name, (224, 224, 3))


# ---- weights and FLOPs, from the Keras model

def draw_weights(model, seed):
    """{layer: {weight: array}}: Glorot-uniform kernels, small random biases."""
    rng = np.random.default_rng(seed)
    weights = {}
    for layer in model.layers:
        for v in layer.weights:
            shape = tuple(v.shape)
            short = v.name.split("/")[-1].split(":")[0]
            if len(shape) >= 2:
                fan_in, fan_out = int(np.prod(shape[:-1])), shape[-1]
                if short == "embeddings":
                    fan_in = fan_out = shape[-1]
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                value = rng.uniform(-limit, limit, shape)
            else:
                value = rng.uniform(-0.05, 0.05, shape)
            weights.setdefault(layer.name, {})[short] = value.astype(np.float32)
    return weights


def flops_per_sample(model):
    from keras import layers
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            _, h, w, c = layer.output.shape
            kh, kw = layer.kernel_size
            total += 2 * h * w * c * kh * kw * layer.input.shape[-1]
        elif isinstance(layer, layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
        elif isinstance(layer, layers.LSTM):
            steps, features = layer.input.shape[1:]
            total += 2 * steps * (features + layer.units) * 4 * layer.units
    return int(total)


def write_tfjs(weights, directory):
    """model.json (a weights manifest) and weights.bin, as kilnc reads them."""
    specs, blob = [], bytearray()
    for layer, named in weights.items():
        for short, value in named.items():
            specs.append({"name": f"{layer}/{short}", "shape": list(value.shape), "dtype": "float32"})
            blob += np.ascontiguousarray(value, dtype="<f4").tobytes()
    with open(os.path.join(directory, "weights.bin"), "wb") as f:
        f.write(blob)
    with open(os.path.join(directory, "model.json"), "w") as f:
        json.dump({"format": "layers-model", "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}]}, f)


# ---- PyTorch: the same architectures, channels first, the same weights

def torch_model(name, weights):
    import torch
    from torch import nn

    def linear(layer, flatten_from=None):
        kernel = weights[layer]["kernel"]
        if flatten_from is not None:  # Keras flattens (h, w, c), PyTorch (c, h, w)
            h, w, c = flatten_from
            kernel = kernel.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(h * w * c, -1)
        m = nn.Linear(*kernel.shape)
        m.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.T))
        m.bias.data = torch.from_numpy(weights[layer]["bias"])
        return m

    def conv(layer, padding):
        kernel = weights[layer]["kernel"]  # (kh, kw, cin, cout)
        m = nn.Conv2d(kernel.shape[2], kernel.shape[3], kernel.shape[:2], padding=padding)
        m.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))
        m.bias.data = torch.from_numpy(weights[layer]["bias"])
        return m

    def vgg_features():
        mods, names = [], iter(n for n in weights if n.startswith("block"))
        for convs in (2, 2, 3, 3, 3):
            for _ in range(convs):
                mods += [conv(next(names), 1), nn.ReLU()]
            mods.append(nn.MaxPool2d(2))
        return mods

    if name == "mlp":
        return nn.Sequential(linear("dense"), nn.ReLU(), linear("dense_1"), nn.ReLU(), linear("dense_2"),
                             nn.Softmax(dim=-1))
    if name == "mnist_cnn":
        return nn.Sequential(conv("conv2d", 0), nn.ReLU(), conv("conv2d_1", 0), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), linear("dense", (12, 12, 64)), nn.ReLU(), linear("dense_1"),
                             nn.Softmax(dim=-1))
    if name == "vgg16":
        return nn.Sequential(*vgg_features(), nn.Flatten(), linear("fc1", (7, 7, 512)), nn.ReLU(), linear("fc2"),
                             nn.ReLU(), linear("predictions"), nn.Softmax(dim=-1))
    if name == "vgg16_convs":
        return nn.Sequential(*vgg_features())
    if name == "imdb_lstm":
        class ImdbLstm(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(20000, 128)
                self.embedding.weight.data = torch.from_numpy(weights["embedding"]["embeddings"])
                self.lstm = nn.LSTM(128, 128, batch_first=True)  # gates i, f, g, o: Keras's order
                cell = weights["lstm"]
                self.lstm.weight_ih_l0.data = torch.from_numpy(np.ascontiguousarray(cell["kernel"].T))
                self.lstm.weight_hh_l0.data = torch.from_numpy(np.ascontiguousarray(cell["recurrent_kernel"].T))
                self.lstm.bias_ih_l0.data = torch.from_numpy(cell["bias"])
                self.lstm.bias_hh_l0.data = torch.zeros(512)
                self.dense = linear("dense")

            def forward(self, ids):
                _, (h, _) = self.lstm(self.embedding(ids))
                return torch.sigmoid(self.dense(h[-1]))

        return ImdbLstm()
    raise SystemExit(f"unknown model {name}")


def channels_first(name, x):
    return x.transpose(0, 3, 1, 2).copy() if x.ndim == 4 else x


def load(directory):
    with np.load(os.path.join(directory, "weights.npz")) as z:
        weights = {}
        for key in z.files:
            layer, short = key.split("/")
            weights.setdefault(layer, {})[short] = z[key]
    return weights, np.load(os.path.join(directory, "input.npy"))


def prepare(name, batch, directory):
    import torch

    model = keras_model(name)
    weights = draw_weights(model, seed=MODELS.index(name) + 1)
    np.savez(os.path.join(directory, "weights.npz"),
             **{f"{layer}/{short}": v for layer, named in weights.items() for short, v in named.items()})
    write_tfjs(weights, directory)
    rng = np.random.default_rng(100 + batch)
    if name == "imdb_lstm":
        x = rng.integers(1, 20000, (batch,) + input_shape(name)).astype(np.int32)
    else:
        x = rng.random((batch,) + input_shape(name), dtype=np.float32)
    np.save(os.path.join(directory, "input.npy"), x)
    module = torch_model(name, weights).eval()
    example = torch.from_numpy(channels_first(name, x))
    torch.onnx.export(module, (example,), os.path.join(directory, "model.onnx"), input_names=["x"],
                      output_names=["y"], opset_version=17, dynamo=False)
    with open(os.path.join(directory, "meta.json"), "w") as f:
        json.dump({"flops_per_sample": flops_per_sample(model)}, f)


# ---- timing

def run_times(run, seconds):
    start = time.perf_counter()
    warm = 0
    while warm < 3 or time.perf_counter() - start < seconds / 5:
        out = run()
        warm += 1
    times = []
    start = time.perf_counter()
    while len(times) < 2000 and (len(times) < 5 or time.perf_counter() - start < seconds):
        t0 = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1e3, min(times) * 1e3, len(times), out


def peer_runner(peer, name, threads, directory):
    weights, x = load(directory)
    if peer == "ort":
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        session = ort.InferenceSession(os.path.join(directory, "model.onnx"), options,
                                       providers=["CPUExecutionProvider"])
        feed = {"x": channels_first(name, x)}
        return lambda: session.run(None, feed)[0]
    if peer == "torch":
        import torch
        torch.set_num_threads(threads)
        module = torch_model(name, weights).eval()
        tx = torch.from_numpy(channels_first(name, x))

        def run():
            with torch.inference_mode():
                return module(tx).numpy()
        return run
    if peer == "tf":
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        model = keras_model(name)
        for layer in model.layers:
            if layer.name in weights:
                layer.set_weights([weights[layer.name][v.name.split("/")[-1].split(":")[0]] for v in layer.weights])
        call = tf.function(lambda t: model(t, training=False))
        tx = tf.constant(x)
        return lambda: call(tx).numpy()
    raise SystemExit(f"unknown peer {peer}")


def main():
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        peer, name, batch, threads, seconds, directory = sys.argv[2:8]
        run = peer_runner(peer, name, int(threads), directory)
        ms, fastest, runs, out = run_times(run, float(seconds))
        if out.ndim == 4:  # channels first back to channels last
            out = out.transpose(0, 2, 3, 1)
        np.save(os.path.join(directory, f"{peer}.npy"), np.ascontiguousarray(out).reshape(out.shape[0], -1))
        print(f"median_ms={ms:.6f} min_ms={fastest:.6f} runs={runs}", flush=True)
    sys.stdout.flush()
    os._exit(0)  # some runtimes' thread pools can hang at interpreter exit


if __name__ == "__main__":
    main()
