#!/usr/bin/env python3
"""Independent numpy check of the golden files in tests/numerics/.

For every case folder it executes model.kiln as Python against tiny numpy
stand-ins for the Keras classes (keras_numpy.py: Sequential, Model, Input,
Dense, Activation, Dropout, the merging, reshaping and advanced activation
layers), which name layers the Keras 2 way, load each layer's weights by
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
import os
import sys
import types

import numpy as np

sys.dont_write_bytecode = True  # keep tools/reference free of __pycache__
from keras_numpy import make_keras  # noqa: E402
from keras_numpy_sequence import add_sequence_layers, kiln_init_weights  # noqa: E402
from keras_numpy_image import InitWeights  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'numerics'))


class Weights:
    def __init__(self, case_dir, case=None):
        self.used = set()
        if case is not None and 'init_draws' in case:  # no weights file: Kiln's --init-weights draw
            self.arrays = kiln_init_weights(case['init_weights'], case['init_draws'])
            return
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

    def get(self, name, shape=None, init=None):
        # shape / init: the Keras shape and initializer (image layers pass them; InitWeights needs them)
        if name not in self.arrays:
            raise KeyError(f'weight {name!r} not in manifest {sorted(self.arrays)}')
        if shape is not None and tuple(self.arrays[name].shape) != tuple(shape):
            raise ValueError(f'weight {name!r}: manifest shape {self.arrays[name].shape}, Keras shape {tuple(shape)}')
        self.used.add(name)
        return self.arrays[name]


def load_npy(path):
    with open(path, 'rb') as f:
        major, minor = np.lib.format.read_magic(f)
        assert (major, minor) == (1, 0), f'{path}: npy version {major}.{minor}'
    a = np.load(path)
    assert a.dtype in (np.dtype('<f4'), np.dtype('<i4')), f'{path}: dtype {a.dtype}'  # int32: token ids
    assert a.flags['C_CONTIGUOUS'], f'{path}: not C order'
    return a


def check_case(name):
    d = os.path.join(ROOT, name)
    with open(os.path.join(d, 'case.json')) as f:
        case = json.load(f)
    atol, rtol = case['atol'], case['rtol']
    if 'init_weights' in case and 'init_draws' not in case:
        # Kiln's --init-weights SEED, drawn in numpy in the order the layers ask for their weights
        # (keras_numpy_image.InitWeights; the image-family cases mnist_cnn_init, vgg16)
        weights = InitWeights(case['init_weights'])
    else:
        weights = Weights(d, case)
    keras = add_sequence_layers(make_keras(weights), weights)
    tensorflow = types.ModuleType('tensorflow')
    tensorflow.keras = keras
    modules = {'keras': keras, 'keras.models': keras.models, 'keras.layers': keras.layers, 'tensorflow': tensorflow,
               'tensorflow.keras': keras, 'tensorflow.keras.models': keras.models, 'tensorflow.keras.layers': keras.layers,
               'keras.applications': keras.applications, 'tensorflow.keras.applications': keras.applications}
    saved = {k: sys.modules.get(k) for k in modules}
    sys.modules.update(modules)
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
    wl = list(weights.arrays)
    wtxt = wl if len(wl) <= 12 else f'{wl[:4]} ... ({len(wl)} weights)'
    if isinstance(weights, InitWeights):
        wtxt = f'init_weights {weights.seed}: {len(wl)} weights, {weights.count} draws'
    return f'inputs {[x.shape for x in xs]} ({", ".join(model.input_names)}), ' \
           f'weights {wtxt}, max err {worst:.2e} x tol'


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
