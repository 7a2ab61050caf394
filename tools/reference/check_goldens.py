#!/usr/bin/env python3
"""Independent numpy check of the golden files in tests/numerics/.

For every case folder it executes model.kiln as Python against tiny numpy
stand-ins for the Keras classes (Sequential, Model, Input, Dense, Activation,
Dropout), which name layers the Keras 2 way, load each layer's weights by
'<layer name>/<weight name>' from model.json's manifest and weights.bin, and
run the model in float64 on in*.npy. The result must match out*.npy within
case.json's tolerance, and every weight in the manifest must be used.

It checks what the generator cannot check about itself: that the .npy files
and weights.bin read back as intended (dtype, C order, kernel [in, out]
row-major, manifest order), that the Keras default names derived from the
.kiln source are the names in the manifest, and that the goldens follow the
Keras definitions of the activations.

Needs only numpy:  python3 tools/reference/check_goldens.py [CASE ...]
"""

import json
import math
import os
import sys
import types

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'numerics'))

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax(x):
    s = x - x.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


# Keras 2 (tf.keras) definitions.
ACTIVATIONS = {
    'linear': lambda x: x,
    'relu': lambda x: np.maximum(x, 0.0),
    'sigmoid': lambda x: 1.0 / (1.0 + np.exp(-x)),
    'tanh': np.tanh,
    'softmax': _softmax,
    'elu': lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    'selu': lambda x: 1.0507009873554804934193349852946 * np.where(
        x > 0, x, 1.6732632423543772848170429916717 * np.expm1(np.minimum(x, 0.0))),
    'softplus': lambda x: np.logaddexp(0.0, x),
    'softsign': lambda x: x / (1.0 + np.abs(x)),
    'hard_sigmoid': lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0),
    'exponential': np.exp,
    'swish': lambda x: x / (1.0 + np.exp(-x)),
    'silu': lambda x: x / (1.0 + np.exp(-x)),
    'gelu': lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))),
    'relu6': lambda x: np.clip(x, 0.0, 6.0),
    'leaky_relu': lambda x: np.where(x < 0, 0.2 * x, x),
    'log_softmax': _log_softmax,
    'mish': lambda x: x * np.tanh(np.logaddexp(0.0, x)),
}


class Weights:
    def __init__(self, case_dir):
        with open(os.path.join(case_dir, 'model.json')) as f:
            mj = json.load(f)
        assert mj['format'] == 'layers-model', mj['format']
        self.arrays = {}
        for group in mj['weightsManifest']:
            blob = b''.join(open(os.path.join(case_dir, p), 'rb').read() for p in group['paths'])
            off = 0
            for spec in group['weights']:
                assert spec['dtype'] == 'float32', spec
                n = int(np.prod(spec['shape'], dtype=np.int64))
                a = np.frombuffer(blob, dtype='<f4', count=n, offset=off).reshape(spec['shape'])
                self.arrays[spec['name']] = a.astype(np.float64)
                off += 4 * n
            assert off == len(blob), f'weights.bin has {len(blob)} bytes, manifest covers {off}'
        self.used = set()

    def get(self, name):
        if name not in self.arrays:
            raise KeyError(f'weight {name!r} not in manifest {sorted(self.arrays)}')
        self.used.add(name)
        return self.arrays[name]


def make_keras(weights):
    """Fresh stand-in 'keras' package with Keras 2 naming (one per .kiln file)."""
    counters = {}

    def unique(base, zero_based=True):
        n = counters.get(base, 0)
        counters[base] = n + 1
        if zero_based:
            return base if n == 0 else f'{base}_{n}'
        return f'{base}_{n + 1}'

    class Sym:
        def __init__(self, fn, parents, shape):
            self.fn, self.parents, self.shape = fn, parents, shape

    class Layer:
        base = None

        def __init__(self, name=None, input_dim=None, input_shape=None, **_ignored):
            self.name = name or unique(self.base)
            if input_dim is not None:
                input_shape = (input_dim,)
            self.input_shape = tuple(input_shape) if input_shape is not None else None

        def __call__(self, x):
            return Sym(self.forward, [x], None)

    class Dense(Layer):
        base = 'dense'

        def __init__(self, units, activation=None, use_bias=True, **kw):
            super().__init__(**kw)
            self.units, self.use_bias = units, use_bias
            self.activation = ACTIVATIONS[activation or 'linear']

        def forward(self, x):
            k = weights.get(f'{self.name}/kernel')
            assert k.shape == (x.shape[-1], self.units), (self.name, k.shape)
            y = x @ k  # kernel [in, out]; acts on the last axis
            if self.use_bias:
                y = y + weights.get(f'{self.name}/bias')
            return self.activation(y)

    class Activation(Layer):
        base = 'activation'

        def __init__(self, activation, **kw):
            super().__init__(**kw)
            self.activation = ACTIVATIONS[activation]

        def forward(self, x):
            return self.activation(x)

    class Dropout(Layer):
        base = 'dropout'

        def __init__(self, rate, **kw):
            super().__init__(**kw)

        def forward(self, x):
            return x  # inference

    inputs_made = []

    def Input(shape, name=None, **_ignored):
        sym = Sym(None, [], tuple(shape))
        sym.name = name or unique('input', zero_based=False)
        inputs_made.append(sym)
        return sym

    class Sequential:
        def __init__(self, layers=None, name=None):
            self.name = name or unique('sequential')
            self.layers = []
            for l in layers or []:
                self.add(l)

        def add(self, layer):
            if not self.layers:
                assert layer.input_shape is not None, 'first layer needs input_dim/input_shape'
                self.input_names = [f'{layer.name}_input']
                self.input_shapes = [layer.input_shape]
            self.layers.append(layer)

        def predict(self, xs):
            (x,) = xs
            for l in self.layers:
                x = l.forward(x)
            return [x]

    class Model:
        def __init__(self, inputs, outputs, name=None):
            self.name = name or unique('model')
            self.inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            self.input_names = [s.name for s in self.inputs]
            self.input_shapes = [s.shape for s in self.inputs]

        def predict(self, xs):
            memo = {id(s): x for s, x in zip(self.inputs, xs)}

            def ev(s):
                if id(s) not in memo:
                    memo[id(s)] = s.fn(*[ev(p) for p in s.parents])
                return memo[id(s)]
            return [ev(o) for o in self.outputs]

    keras = types.ModuleType('keras')
    keras.models = types.ModuleType('keras.models')
    keras.layers = types.ModuleType('keras.layers')
    keras.models.Sequential, keras.models.Model = Sequential, Model
    for obj in (Input, Dense, Activation, Dropout):
        setattr(keras.layers, obj.__name__, obj)
    return keras


def load_npy(path):
    with open(path, 'rb') as f:
        major, minor = np.lib.format.read_magic(f)
        assert (major, minor) == (1, 0), f'{path}: npy version {major}.{minor}'
    a = np.load(path)
    assert a.dtype == np.dtype('<f4'), f'{path}: dtype {a.dtype}'
    assert a.flags['C_CONTIGUOUS'], f'{path}: not C order'
    return a


def check_case(name):
    d = os.path.join(ROOT, name)
    with open(os.path.join(d, 'case.json')) as f:
        case = json.load(f)
    atol, rtol = case['atol'], case['rtol']
    weights = Weights(d)
    keras = make_keras(weights)
    saved = {k: sys.modules.get(k) for k in ('keras', 'keras.models', 'keras.layers')}
    sys.modules.update({'keras': keras, 'keras.models': keras.models, 'keras.layers': keras.layers})
    try:
        env = {}
        with open(os.path.join(d, 'model.kiln')) as f:
            exec(compile(f.read(), os.path.join(d, 'model.kiln'), 'exec'), env)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    model = env['model']

    n_in = len([f for f in os.listdir(d) if f.startswith('in') and f.endswith('.npy')])
    n_out = len([f for f in os.listdir(d) if f.startswith('out') and f.endswith('.npy')])
    xs = [load_npy(os.path.join(d, f'in{i}.npy')) for i in range(n_in)]
    assert len(xs) == len(model.input_shapes), f'{len(xs)} inputs for {len(model.input_shapes)}'
    for x, shp in zip(xs, model.input_shapes):
        assert x.shape[1:] == tuple(shp), f'input shape {x.shape} vs model {shp}'
    ys = model.predict([x.astype(np.float64) for x in xs])
    assert len(ys) == n_out, f'{n_out} out*.npy for {len(ys)} outputs'
    unused = set(weights.arrays) - weights.used
    assert not unused, f'manifest weights never used: {sorted(unused)}'

    worst = 0.0
    for i, y in enumerate(ys):
        got = load_npy(os.path.join(d, f'out{i}.npy')).astype(np.float64)
        assert got.shape == y.shape, f'out{i}: golden {got.shape} vs numpy {y.shape}'
        ratio = np.abs(got - y) / (atol + rtol * np.abs(y))
        worst = max(worst, float(ratio.max()))
    assert worst <= 1.0, f'golden differs from numpy float64 by {worst:.3g} x tolerance'
    return f'inputs {[x.shape for x in xs]} ({", ".join(model.input_names)}), ' \
           f'weights {list(weights.arrays)}, max err {worst:.2e} x tol'


def main(argv):
    names = argv or sorted(n for n in os.listdir(ROOT) if os.path.isfile(os.path.join(ROOT, n, 'case.json')))
    failed = 0
    for n in names:
        try:
            print(f'ok   {n}: {check_case(n)}')
        except Exception as e:  # noqa: BLE001 - report every case
            failed += 1
            print(f'FAIL {n}: {type(e).__name__}: {e}')
    print(f'{len(names) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
