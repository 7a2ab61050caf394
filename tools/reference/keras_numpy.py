"""Tiny numpy stand-ins for the Keras 2 (tf.keras) classes used by the golden
cases, for check_goldens.py (the image layers and keras.applications.VGG16 are
in keras_numpy_image.py). Written from the Keras 2 definitions, not from
tfjs: layers name themselves the Keras way (per-class counters across the
file, to_snake_case of the class name), read their weights from the manifest
by '<layer name>/<weight name>', and compute in float64.
"""

import math
import re
import types

import numpy as np

from keras_numpy_image import image_layers, vgg16_factory

_erf = np.vectorize(math.erf, otypes=[np.float64])


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x):
    s = x - x.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


# Keras 2 (tf.keras) definitions.
ACTIVATIONS = {
    'linear': lambda x: x,
    'relu': lambda x: np.maximum(x, 0.0),
    'sigmoid': lambda x: 1.0 / (1.0 + np.exp(-x)),
    'tanh': np.tanh,
    'softmax': softmax,
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


def keras_relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """tf.keras backend.relu."""
    if alpha != 0 and max_value is None and threshold == 0:
        return np.where(x < 0, alpha * x, x)  # tf.nn.leaky_relu
    negative_part = np.maximum(threshold - x, 0.0) if alpha != 0 else 0.0
    y = x * (x > threshold) if threshold != 0 else np.maximum(x, 0.0)
    if max_value is not None:
        y = np.clip(y, 0.0, max_value)
    return y - alpha * negative_part


def batch_dot(x, y, ax, ay):
    """Keras batch_dot: per sample, contract axis ax of x with axis ay of y."""
    out = np.stack([np.tensordot(x[i], y[i], axes=(ax - 1, ay - 1)) for i in range(x.shape[0])])
    return out[:, None] if out.ndim == 1 else out


def l2_normalize(x, axis):
    return x / np.sqrt(np.maximum((x * x).sum(axis=axis, keepdims=True), 1e-12))


def to_snake_case(name):
    """Keras's default layer-name base: ReLU -> re_lu, PReLU -> p_re_lu."""
    intermediate = re.sub('(.)([A-Z][a-z0-9]+)', r'\1_\2', name)
    return re.sub('([a-z])([A-Z])', r'\1_\2', intermediate).lower()


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
        def __init__(self, name=None, input_dim=None, input_shape=None, **_ignored):
            self.name = name or unique(to_snake_case(type(self).__name__))
            if input_dim is not None:
                input_shape = (input_dim,)
            self.input_shape = tuple(input_shape) if input_shape is not None else None

        def __call__(self, x):
            return Sym(self.forward, [x], None)

    class Dense(Layer):
        def __init__(self, units, activation=None, use_bias=True, **kw):
            super().__init__(**kw)
            self.units, self.use_bias = units, use_bias
            self.activation = ACTIVATIONS[activation or 'linear']

        def forward(self, x):
            k = weights.get(f'{self.name}/kernel', (x.shape[-1], self.units), 'glorot_uniform')
            assert k.shape == (x.shape[-1], self.units), (self.name, k.shape)
            y = x @ k  # kernel [in, out]; acts on the last axis
            if self.use_bias:
                y = y + weights.get(f'{self.name}/bias', (self.units,), 'zeros')
            return self.activation(y)

    class Activation(Layer):
        def __init__(self, activation, **kw):
            super().__init__(**kw)
            self.activation = ACTIVATIONS[activation]

        def forward(self, x):
            return self.activation(x)

    class Dropout(Layer):
        def __init__(self, rate, **kw):
            super().__init__(**kw)

        def forward(self, x):
            return x  # inference

    # --- merging layers ----------------------------------------------------------

    class _Merge(Layer):
        def __call__(self, xs):
            return Sym(lambda *vals: self.merge(list(vals)), list(xs), None)

        def merge(self, xs):
            # Keras _Merge: lower-rank inputs get size-1 axes at axis 1, then broadcast.
            rank = max(x.ndim for x in xs)
            up = []
            for x in xs:
                while x.ndim < rank:
                    x = np.expand_dims(x, 1)
                up.append(x)
            return self.merge_function(up)

    class Add(_Merge):
        def merge_function(self, xs):
            return sum(xs[1:], xs[0])

    class Subtract(_Merge):
        def merge_function(self, xs):
            assert len(xs) == 2, 'Subtract takes exactly 2 inputs'
            return xs[0] - xs[1]

    class Multiply(_Merge):
        def merge_function(self, xs):
            out = xs[0]
            for x in xs[1:]:
                out = out * x
            return out

    class Average(_Merge):
        def merge_function(self, xs):
            return sum(xs[1:], xs[0]) / len(xs)

    class Maximum(_Merge):
        def merge_function(self, xs):
            return np.maximum.reduce(np.broadcast_arrays(*xs))

    class Minimum(_Merge):
        def merge_function(self, xs):
            return np.minimum.reduce(np.broadcast_arrays(*xs))

    class Concatenate(_Merge):
        def __init__(self, axis=-1, **kw):
            super().__init__(**kw)
            self.axis = axis

        def merge(self, xs):
            return np.concatenate(xs, axis=self.axis)

    class Dot(_Merge):
        def __init__(self, axes, normalize=False, **kw):
            super().__init__(**kw)
            self.axes, self.normalize = axes, normalize

        def merge(self, xs):
            x, y = xs
            if isinstance(self.axes, int):
                axes = [self.axes % x.ndim, self.axes % y.ndim] if self.axes < 0 else [self.axes] * 2
            else:
                axes = [a % t.ndim if a < 0 else a for a, t in zip(self.axes, xs)]
            if self.normalize:
                x, y = l2_normalize(x, axes[0]), l2_normalize(y, axes[1])
            return batch_dot(x, y, *axes)

    def functional(cls):
        def f(inputs, **kw):
            return cls(**kw)(inputs)
        f.__name__ = cls.__name__.lower()
        return f

    # --- reshaping layers --------------------------------------------------------

    class Reshape(Layer):
        def __init__(self, target_shape, **kw):
            super().__init__(**kw)
            self.target_shape = tuple(target_shape)

        def forward(self, x):
            return x.reshape((x.shape[0],) + self.target_shape)

    class Flatten(Layer):
        def forward(self, x):
            return x.reshape(x.shape[0], -1)

    class Permute(Layer):
        def __init__(self, dims, **kw):
            super().__init__(**kw)
            self.dims = tuple(dims)

        def forward(self, x):
            return np.transpose(x, (0,) + self.dims)

    class RepeatVector(Layer):
        def __init__(self, n, **kw):
            super().__init__(**kw)
            self.n = n

        def forward(self, x):
            assert x.ndim == 2
            return np.repeat(x[:, None, :], self.n, axis=1)

    # --- activation layers -------------------------------------------------------

    class ReLU(Layer):
        def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kw):
            super().__init__(**kw)
            self.args = dict(alpha=negative_slope, max_value=max_value, threshold=threshold)

        def forward(self, x):
            return keras_relu(x, **self.args)

    class LeakyReLU(Layer):
        def __init__(self, alpha=0.3, **kw):  # Keras 2 default
            super().__init__(**kw)
            self.alpha = alpha

        def forward(self, x):
            return keras_relu(x, alpha=self.alpha)

    class PReLU(Layer):
        def __init__(self, alpha_initializer='zeros', shared_axes=None, **kw):
            super().__init__(**kw)
            self.shared_axes = list(shared_axes or [])

        def forward(self, x):
            alpha = weights.get(f'{self.name}/alpha')
            expected = [1 if i + 1 in self.shared_axes else n for i, n in enumerate(x.shape[1:])]
            assert list(alpha.shape) == expected, (self.name, alpha.shape, expected)
            return np.maximum(x, 0.0) - alpha * np.maximum(-x, 0.0)

    class ELU(Layer):
        def __init__(self, alpha=1.0, **kw):
            super().__init__(**kw)
            self.alpha = alpha

        def forward(self, x):
            return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0.0)))

    class ThresholdedReLU(Layer):
        def __init__(self, theta=1.0, **kw):
            super().__init__(**kw)
            self.theta = theta

        def forward(self, x):
            return x * (x > self.theta)

    class Softmax(Layer):
        def __init__(self, axis=-1, **kw):
            super().__init__(**kw)
            self.axis = axis

        def forward(self, x):
            return softmax(x, self.axis)

    # --- models ------------------------------------------------------------------

    def Input(shape, name=None, **_ignored):
        sym = Sym(None, [], tuple(shape))
        sym.name = name or unique('input', zero_based=False)
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

        def forward(self, x):
            for l in self.layers:
                x = l.forward(x)
            return x

        def __call__(self, x):  # a Sequential used as a layer
            return Sym(self.forward, [x], None)

        def compile(self, *args, **kwargs):
            pass

        def predict(self, xs):
            (x,) = xs
            return [self.forward(x)]

    class Model:
        def __init__(self, inputs, outputs, name=None):
            self.name = name or unique('model')
            self.inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            self.input_names = [s.name for s in self.inputs]
            self.input_shapes = [s.shape for s in self.inputs]

        def compile(self, *args, **kwargs):
            pass

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
    classes = (Dense, Activation, Dropout, Add, Subtract, Multiply, Average, Maximum, Minimum,
               Concatenate, Dot, Reshape, Flatten, Permute, RepeatVector, ReLU, LeakyReLU, PReLU,
               ELU, ThresholdedReLU, Softmax)
    for obj in classes:
        setattr(keras.layers, obj.__name__, obj)
    for cls in (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot):
        setattr(keras.layers, cls.__name__.lower(), functional(cls))
    for obj in image_layers(Layer, weights, ACTIVATIONS):  # keras_numpy_image.py
        setattr(keras.layers, obj.__name__, obj)
    keras.layers.Input = Input
    keras.applications = types.ModuleType('keras.applications')
    keras.applications.VGG16 = vgg16_factory(keras.layers, Input, Model)
    return keras
