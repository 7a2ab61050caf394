"""Every way a model output can be a view of another tensor rather than the
result of a computation (a Reshape, Flatten or no-op Permute of it, an
inference identity such as Dropout, an Input returned directly, a nested
model that returns its input, an output listed twice): the built executable
must still write every output. Expected values are the NumPy operation the
layer stands for, applied to the input; views move bytes, so the comparison
is exact (up to one rounding where a case also computes, e.g. tanh).
Recurrent layers with return_state are built with drawn weights and checked
against the identities Keras defines: the last output is state_h.

    view_outputs.py KILNC WORK_DIR
"""
import os
import subprocess
import sys

import numpy as np

KILNC, WORK = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(11)
B = 3


def relu(x):
    return np.maximum(x, 0)


# name: (model text, input shapes without the batch axis, input dtype,
#        function from the inputs to the expected outputs)
CASES = {
    "reshape_of_input": ("""
i = Input(shape=(6,))
model = Model(i, Reshape((2, 3))(i))
""", [(6,)], "float32", lambda x: [x.reshape(B, 2, 3)]),
    "reshape_infer_of_input": ("""
model = Sequential([Input(shape=(2, 6)), Reshape((-1, 3))])
""", [(2, 6)], "float32", lambda x: [x.reshape(B, 4, 3)]),
    "flatten_of_input": ("""
model = Sequential([Input(shape=(2, 3)), Flatten()])
""", [(2, 3)], "float32", lambda x: [x.reshape(B, 6)]),
    "permute_noop_of_input": ("""
i = Input(shape=(2, 3))
model = Model(i, Permute((1, 2))(i))
""", [(2, 3)], "float32", lambda x: [x]),
    "identities_of_input": ("""
model = Sequential([Input(shape=(4, 5)), Dropout(0.5), GaussianNoise(0.3), GaussianDropout(0.2),
                    AlphaDropout(0.1), SpatialDropout1D(0.4), Activation('linear')])
""", [(4, 5)], "float32", lambda x: [x]),
    "view_chain_of_input": ("""
model = Sequential([Input(shape=(12,)), Dropout(0.5), Reshape((3, 4)), Flatten(), Reshape((2, 2, 3))])
""", [(12,)], "float32", lambda x: [x.reshape(B, 2, 2, 3)]),
    "time_distributed_flatten_of_input": ("""
i = Input(shape=(4, 2, 3))
model = Model(i, TimeDistributed(Flatten())(i))
""", [(4, 2, 3)], "float32", lambda x: [x.reshape(B, 4, 6)]),
    "input_returned": ("""
i = Input(shape=(5,))
model = Model(i, i)
""", [(5,)], "float32", lambda x: [x]),
    "int_input_returned": ("""
i = Input(shape=(5,), dtype='int32')
model = Model(i, Reshape((5, 1))(i))
""", [(5,)], "int32", lambda x: [x.reshape(B, 5, 1)]),
    "second_input_returned": ("""
a = Input(shape=(2,))
b = Input(shape=(3,))
model = Model([a, b], [b, Flatten()(Reshape((3, 1))(b)), ReLU()(a)])
""", [(2,), (3,)], "float32", lambda a, b: [b, b, relu(a)]),
    "input_returned_twice": ("""
i = Input(shape=(6,))
model = Model(i, [i, Reshape((3, 2))(i), i])
""", [(6,)], "float32", lambda x: [x, x.reshape(B, 3, 2), x]),
    "nested_model_returns_input": ("""
inner_in = Input(shape=(4,))
inner = Model(inner_in, inner_in, name='inner')
i = Input(shape=(4,))
model = Model(i, inner(i))
""", [(4,)], "float32", lambda x: [x]),
    "nested_sequential_of_views": ("""
inner = Sequential([Reshape((2, 2), input_shape=(4,)), Dropout(0.3)], name='inner')
i = Input(shape=(4,))
model = Model(i, Flatten()(inner(i)))
""", [(4,)], "float32", lambda x: [x]),
    "views_of_computed_tensor": ("""
i = Input(shape=(6,))
t = ReLU()(i)
model = Model(i, [Reshape((2, 3))(t), t, Flatten()(Reshape((3, 2))(t)), Dropout(0.2)(t)])
""", [(6,)], "float32", lambda x: [relu(x).reshape(B, 2, 3), relu(x), relu(x), relu(x)]),
    "view_output_also_read_later": ("""
i = Input(shape=(6,))
t = ReLU()(i)
r = Reshape((2, 3))(t)
u = Activation('tanh')(Flatten()(r))
model = Model(i, [r, u])
""", [(6,)], "float32", lambda x: [relu(x).reshape(B, 2, 3), np.tanh(relu(x))]),
    "sequential_of_input_only": ("""
model = Sequential([Input(shape=(4,))])
""", [(4,)], "float32", lambda x: [x]),
    "activation_after_view": ("""
i = Input(shape=(6,))
model = Model(i, Activation('relu')(Reshape((2, 3))(ReLU()(i))))
""", [(6,)], "float32", lambda x: [relu(x).reshape(B, 2, 3)]),
}

# name: (model text, input shape, check of the outputs)
STATES = {
    "lstm_state_is_last_output": ("""
i = Input(shape=(5, 3))
o, h, c = LSTM(4, return_state=True)(i)
model = Model(i, [o, h, c])
""", (5, 3), lambda o, h, c: np.array_equal(o, h) and np.abs(c).sum() > 0),
    "gru_sequence_state": ("""
i = Input(shape=(5, 3))
s, h = GRU(4, return_sequences=True, return_state=True)(i)
model = Model(i, [s, h])
""", (5, 3), lambda s, h: np.array_equal(s[:, -1], h) and np.abs(h).sum() > 0),
    "simple_rnn_state": ("""
i = Input(shape=(5, 3))
o, h = SimpleRNN(4, return_state=True)(i)
model = Model(i, [o, h])
""", (5, 3), lambda o, h: np.array_equal(o, h) and np.abs(h).sum() > 0),
}


def build(name, text, weights):
    d = os.path.join(WORK, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.kiln"), "w") as f:
        f.write(text)
    subprocess.run([KILNC, "build", os.path.join(d, "model.kiln"), "-o", os.path.join(d, "model")] + weights, check=True)
    return d


def execute(d, inputs, count):
    paths = []
    for k, x in enumerate(inputs):
        paths.append(os.path.join(d, f"in{k}.npy"))
        np.save(paths[-1], x)
    outs = [os.path.join(d, f"out{k}.npy") for k in range(count)]
    subprocess.run([os.path.join(d, "model")] + paths + [a for o in outs for a in ("-o", o)], check=True)
    return [np.load(o) for o in outs]


def run(name, text, shapes, dtype, expected):
    d = build(name, text, [])
    if dtype == "int32":
        inputs = [rng.integers(1, 1000, size=(B,) + shape).astype(np.int32) for shape in shapes]
    else:
        inputs = [rng.standard_normal((B,) + shape).astype(np.float32) for shape in shapes]
    want = expected(*inputs)
    got = execute(d, inputs, len(want))
    for k, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape or g.dtype != w.dtype or not np.allclose(g, w, rtol=0, atol=1e-6):
            return f"output {k}: expected {w.dtype}{w.shape} {w.ravel()[:6]}, got {g.dtype}{g.shape} {g.ravel()[:6]}"
    return "OK"


def run_state(name, text, shape, check):
    d = build(name, text, ["--init-weights", "5"])
    x = rng.standard_normal((B,) + shape).astype(np.float32)
    outs = execute(d, [x], check.__code__.co_argcount)
    return "OK" if check(*outs) else "outputs differ: " + " | ".join(str(o.ravel()[:4]) for o in outs)


for name, case in CASES.items():
    print(f"{name}: {run(name, *case)}", flush=True)
for name, case in STATES.items():
    print(f"{name}: {run_state(name, *case)}", flush=True)
