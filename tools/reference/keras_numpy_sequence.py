"""Numpy stand-ins for the Keras 2 (tf.keras 2.x) sequence layers, for
check_goldens.py: Embedding, Masking, SimpleRNN, LSTM, GRU, Bidirectional,
TimeDistributed, Conv1D, Conv2D, MaxPooling1D, GlobalMaxPooling1D, Attention,
AdditiveAttention, MultiHeadAttention. Written from Keras 2's sources
(keras/backend.py rnn, layers/recurrent.py, recurrent_v2.py, wrappers.py,
layers/attention/*.py), not from tfjs or from the generator's JS.

`add_sequence_layers(keras, weights)` adds them to a stand-in package made by
keras_numpy.make_keras (without replacing a class that package already has)
and also binds keras.Input / keras.Model / keras.Sequential for the
`from tensorflow import keras` style. `kiln_init_weights(seed, draws)`
reproduces Kiln's `--init-weights SEED` draw (compiler/weights/Binding.cpp)
for the cases that have no weights file.

Masks ride on the arrays (`keras_mask`, bool (batch, time)), as Keras attaches
them to tensors: Embedding(mask_zero=True) and Masking make them; Dropout and
the layers here that support masking pass them on; layers that do not
support masking drop them (tf.keras 2.x does so silently).
"""

import math

import numpy as np

from keras_numpy import ACTIVATIONS


class _Masked(np.ndarray):
    keras_mask = None


def _with_mask(a, mask):
    a = np.ascontiguousarray(a, dtype=np.float64).view(_Masked)
    a.keras_mask = mask
    return a


def _mask(x):
    return getattr(x, 'keras_mask', None)


class _Node:
    """A symbolic tensor as keras_numpy's Model.predict evaluates it."""

    def __init__(self, fn, parents):
        self.fn, self.parents, self.shape = fn, parents, None


def _outputs(fn, parents, n):
    base = _Node(fn, parents)
    if n == 1:
        return _Node(lambda v: v[0], [base])
    return [_Node(lambda v, i=i: v[i], [base]) for i in range(n)]


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _rnn(step, x, mask, go_backwards, zero_output_for_mask, n_states, units):
    """keras.backend.rnn: returns (outputs (B, T, u) in processing order, last output, states)."""
    b, t = x.shape[:2]
    states = [np.zeros((b, units)) for _ in range(n_states)]
    prev = np.zeros((b, units))
    outs = []
    for i in (range(t - 1, -1, -1) if go_backwards else range(t)):
        out, new = step(np.asarray(x[:, i]), states)
        if mask is None:
            states = new
        else:
            m = mask[:, i][:, None]
            states = [np.where(m, n, s) for n, s in zip(new, states)]
            out = np.where(m, out, 0.0 if zero_output_for_mask else prev)
        outs.append(out)
        prev = out
    return np.stack(outs, axis=1), prev, states


def add_sequence_layers(keras, weights):
    layers = keras.layers
    Layer = layers.Dense.__mro__[1]  # keras_numpy's base: Keras 2 naming, input_shape

    def act(name):
        return ACTIVATIONS[name or 'linear']

    # --- Embedding, Masking ----------------------------------------------------

    class Embedding(Layer):
        def __init__(self, input_dim, output_dim, mask_zero=False, input_length=None, **kw):
            # input_dim is the vocabulary size here, not an input shape
            if input_length is not None and kw.get('input_shape') is None:
                kw['input_shape'] = (input_length,) if isinstance(input_length, int) else tuple(input_length)
            kw.pop('embeddings_initializer', None)
            super().__init__(**kw)
            self.input_dim, self.output_dim, self.mask_zero = input_dim, output_dim, mask_zero

        def forward(self, x):
            e = weights.get(f'{self.name}/embeddings')
            assert e.shape == (self.input_dim, self.output_dim), (self.name, e.shape)
            ids = np.asarray(x)
            assert np.all(ids == np.round(ids)) and ids.min() >= 0 and ids.max() < self.input_dim, 'bad token ids'
            ids = ids.astype(np.int64)
            return _with_mask(e[ids], ids != 0 if self.mask_zero else None)

    class Masking(Layer):
        def __init__(self, mask_value=0.0, **kw):
            super().__init__(**kw)
            self.mask_value = mask_value

        def forward(self, x):
            keep = np.any(np.asarray(x) != self.mask_value, axis=-1)
            return _with_mask(np.asarray(x) * keep[..., None], keep)

    # --- recurrent ---------------------------------------------------------------

    class _RNN(Layer):
        n_gates, n_states = 1, 1

        def __init__(self, units, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
                     return_sequences=False, return_state=False, go_backwards=False, unroll=False,
                     input_dim=None, input_length=None, **kw):
            if input_dim is not None:  # Keras 1 form: input_shape = (input_length, input_dim)
                kw['input_shape'] = (input_length, input_dim)
            for k in ('dropout', 'recurrent_dropout', 'kernel_initializer', 'recurrent_initializer',
                      'bias_initializer', 'unit_forget_bias', 'stateful'):
                kw.pop(k, None)
            self._extra(kw)
            super().__init__(**kw)
            self.units, self.use_bias = units, use_bias
            self.activation, self.recurrent_activation = act(activation), act(recurrent_activation)
            self.activation_name = activation
            self.return_sequences, self.return_state, self.go_backwards = return_sequences, return_state, go_backwards

        def _extra(self, kw):
            pass

        def n_outputs(self):
            return 1 + (self.n_states if self.return_state else 0)

        def cell(self, prefix, n_in):
            u, g = self.units, self.n_gates
            k = weights.get(prefix + 'kernel')
            r = weights.get(prefix + 'recurrent_kernel')
            assert k.shape == (n_in, g * u) and r.shape == (u, g * u), (prefix, k.shape, r.shape)
            b = weights.get(prefix + 'bias') if self.use_bias else None
            return self.step(k, r, b)

        def run(self, x, prefix, go_backwards, zero_output_for_mask):
            step = self.cell(prefix, x.shape[-1])
            return _rnn(step, x, _mask(x), go_backwards, zero_output_for_mask, self.n_states, self.units)

        def outputs(self, x):
            seq, last, states = self.run(x, f'{self.name}/', self.go_backwards, False)
            out = _with_mask(seq, _mask(x)) if self.return_sequences else last
            return [out] + (list(states) if self.return_state else [])

        def forward(self, x):
            return self.outputs(x)[0]

        def __call__(self, x, **_kw):
            return _outputs(self.outputs, [x], self.n_outputs())

    class SimpleRNN(_RNN):
        def step(self, k, r, b):
            def f(x, states):
                h = self.activation(x @ k + (b if b is not None else 0) + states[0] @ r)
                return h, [h]
            return f

    class LSTM(_RNN):
        n_gates, n_states = 4, 2

        def step(self, k, r, b):
            u = self.units

            def f(x, states):
                h, c = states
                z = x @ k + h @ r + (b if b is not None else 0)
                i = self.recurrent_activation(z[:, :u])
                fg = self.recurrent_activation(z[:, u:2 * u])
                c = fg * c + i * self.activation(z[:, 2 * u:3 * u])
                o = self.recurrent_activation(z[:, 3 * u:])
                h = o * self.activation(c)
                return h, [h, c]
            return f

    class GRU(_RNN):
        n_gates = 3

        def _extra(self, kw):
            self.reset_after = kw.pop('reset_after', True)  # the tf.keras 2.x default

        def cell(self, prefix, n_in):
            if self.use_bias:
                b = weights.get(prefix + 'bias')
                want = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
                assert b.shape == want, (prefix, b.shape, want)
            return super().cell(prefix, n_in)

        def step(self, k, r, b):
            u = self.units
            b_in = b_rec = 0
            if b is not None:
                b_in, b_rec = (b[0], b[1]) if self.reset_after else (b, 0)

            def f(x, states):
                h = states[0]
                mx = x @ k + b_in  # columns: z, r, h
                if self.reset_after:
                    mh = h @ r + b_rec
                    z = self.recurrent_activation(mx[:, :u] + mh[:, :u])
                    rr = self.recurrent_activation(mx[:, u:2 * u] + mh[:, u:2 * u])
                    hh = self.activation(mx[:, 2 * u:] + rr * mh[:, 2 * u:])
                else:
                    mh = h @ r[:, :2 * u]
                    z = self.recurrent_activation(mx[:, :u] + mh[:, :u])
                    rr = self.recurrent_activation(mx[:, u:2 * u] + mh[:, u:2 * u])
                    hh = self.activation(mx[:, 2 * u:] + (rr * h) @ r[:, 2 * u:])
                h = z * h + (1 - z) * hh
                return h, [h]
            return f

    class Bidirectional(Layer):
        def __init__(self, layer, merge_mode='concat', backward_layer=None, **kw):
            super().__init__(**kw)
            self.layer, self.merge_mode = layer, merge_mode
            self.backward = backward_layer
            if backward_layer is not None:
                assert backward_layer.go_backwards != layer.go_backwards
                assert backward_layer.return_sequences == layer.return_sequences
            if self.input_shape is None:
                self.input_shape = layer.input_shape

        def outputs(self, x):
            fw, bw = self.layer, self.backward or self.layer
            rs = fw.return_sequences  # zero_output_for_mask = return_sequences on both
            bname = bw.name if self.backward is not None else fw.name
            y_seq, y_last, y_states = fw.run(x, f'{self.name}/forward_{fw.name}/', fw.go_backwards, rs)
            r_seq, r_last, r_states = bw.run(x, f'{self.name}/backward_{bname}/', not fw.go_backwards, rs)
            y, yr = (y_seq, r_seq[:, ::-1]) if rs else (y_last, r_last)
            m = _mask(x) if rs else None
            if self.merge_mode == 'concat':
                out = [np.concatenate([y, yr], axis=-1)]
            elif self.merge_mode == 'sum':
                out = [y + yr]
            elif self.merge_mode == 'mul':
                out = [y * yr]
            elif self.merge_mode == 'ave':
                out = [(y + yr) / 2]
            elif self.merge_mode is None:
                out = [y, yr]
            else:
                raise ValueError(self.merge_mode)
            out = [_with_mask(o, m) for o in out]
            return out + (list(y_states) + list(r_states) if fw.return_state else [])

        def forward(self, x):
            return self.outputs(x)[0]

        def __call__(self, x, **_kw):
            fw = self.layer
            n = (2 if self.merge_mode is None else 1) + (2 * fw.n_states if fw.return_state else 0)
            return _outputs(self.outputs, [x], n)

    class TimeDistributed(Layer):
        def __init__(self, layer, **kw):
            super().__init__(**kw)
            self.layer = layer
            layer.name = self.name  # Keras 2 creates the inner weights under the wrapper's name

        def forward(self, x):
            b, t = x.shape[:2]
            y = np.asarray(self.layer.forward(np.asarray(x).reshape((b * t,) + x.shape[2:])))
            return _with_mask(y.reshape((b, t) + y.shape[1:]), _mask(x))

    # --- convolution and pooling (sequence models only; no mask support) ---------

    def _pads(n, k, s, d, padding):
        if padding == 'valid':
            return (n - (k - 1) * d - 1) // s + 1, 0
        assert padding == 'same', padding
        out = -(-n // s)
        return out, max((out - 1) * s + (k - 1) * d + 1 - n, 0) // 2

    class _Conv(Layer):
        rank = 1

        def __init__(self, filters, kernel_size, strides=1, padding='valid', dilation_rate=1, activation=None,
                     use_bias=True, **kw):
            for k in ('kernel_initializer', 'bias_initializer'):
                kw.pop(k, None)
            super().__init__(**kw)
            tup = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * self.rank  # noqa: E731
            self.filters, self.k, self.s, self.d = filters, tup(kernel_size), tup(strides), tup(dilation_rate)
            self.padding, self.activation, self.use_bias = padding, act(activation), use_bias

        def forward(self, x):
            x = np.asarray(x)
            w = weights.get(f'{self.name}/kernel')
            assert w.shape == self.k + (x.shape[-1], self.filters), (self.name, w.shape)
            dims = x.shape[1:-1]
            geo = [_pads(n, k, s, d, self.padding) for n, k, s, d in zip(dims, self.k, self.s, self.d)]
            out = np.zeros((x.shape[0],) + tuple(g[0] for g in geo) + (self.filters,))
            for o in np.ndindex(*[g[0] for g in geo]):
                for kk in np.ndindex(*self.k):
                    pos = [o[i] * self.s[i] - geo[i][1] + kk[i] * self.d[i] for i in range(self.rank)]
                    if all(0 <= p < n for p, n in zip(pos, dims)):
                        out[(slice(None),) + o] += x[(slice(None),) + tuple(pos)] @ w[kk]
            if self.use_bias:
                out = out + weights.get(f'{self.name}/bias')
            return self.activation(out)

    class Conv1D(_Conv):
        rank = 1

    class Conv2D(_Conv):
        rank = 2

    class MaxPooling1D(Layer):
        def __init__(self, pool_size=2, strides=None, padding='valid', **kw):
            super().__init__(**kw)
            assert padding == 'valid'
            self.p, self.s = pool_size, strides or pool_size

        def forward(self, x):
            x = np.asarray(x)
            n = (x.shape[1] - self.p) // self.s + 1
            return np.stack([x[:, i * self.s:i * self.s + self.p].max(axis=1) for i in range(n)], axis=1)

    class GlobalMaxPooling1D(Layer):
        def forward(self, x):
            return np.asarray(x).max(axis=1)

    # --- attention -----------------------------------------------------------------

    def _apply_scores(scores, q, v, causal):
        """BaseDenseAttention: -1e9 on masked value (and future) positions, softmax, @ value, x query mask."""
        keep = np.ones(scores.shape, dtype=bool)
        if _mask(v) is not None:
            keep &= _mask(v)[:, None, :]
        if causal:
            tq, tv = scores.shape[1:]
            keep &= np.tril(np.ones((tq, tv), dtype=bool))[None]
        out = _softmax(scores - 1e9 * (~keep)) @ np.asarray(v)
        if _mask(q) is not None:
            out = out * _mask(q)[:, :, None]
        return _with_mask(out, _mask(q))

    class _BaseAttention(Layer):
        def __call__(self, inputs, mask=None, use_causal_mask=False, **_kw):
            assert mask is None
            self.causal = use_causal_mask
            return _Node(lambda *xs: self.attend(*xs), list(inputs))

    class Attention(_BaseAttention):
        def __init__(self, use_scale=False, score_mode='dot', dropout=0.0, **kw):
            super().__init__(**kw)
            self.use_scale, self.score_mode = use_scale, score_mode

        def attend(self, q, v, k=None):
            k = v if k is None else k
            qa, ka = np.asarray(q), np.asarray(k)
            scale = weights.get(f'{self.name}/scale') if self.use_scale else None
            if scale is not None:
                assert scale.shape == ()
            if self.score_mode == 'dot':
                s = qa @ np.swapaxes(ka, 1, 2)
                if scale is not None:
                    s = s * scale
            else:
                cw = weights.get(f'{self.name}/concat_score_weight')
                assert cw.shape == ()
                pair = qa[:, :, None, :] + ka[:, None, :, :]
                s = cw * np.tanh(pair if scale is None else scale * pair).sum(-1)
            return _apply_scores(s, q, v, self.causal)

    class AdditiveAttention(_BaseAttention):
        def __init__(self, use_scale=True, dropout=0.0, **kw):
            super().__init__(**kw)
            self.use_scale = use_scale

        def attend(self, q, v, k=None):
            k = v if k is None else k
            t = np.tanh(np.asarray(q)[:, :, None, :] + np.asarray(k)[:, None, :, :])
            if self.use_scale:
                scale = weights.get(f'{self.name}/scale')
                assert scale.shape == (v.shape[-1],)
                t = scale * t
            return _apply_scores(t.sum(-1), q, v, self.causal)

    class MultiHeadAttention(Layer):
        def __init__(self, num_heads, key_dim, value_dim=None, use_bias=True, dropout=0.0, **kw):
            super().__init__(**kw)
            self.h, self.kd, self.vd, self.use_bias = num_heads, key_dim, value_dim or key_dim, use_bias

        def __call__(self, query, value, key=None, use_causal_mask=False, **_kw):
            self.causal = use_causal_mask
            parents = [query, value] + ([key] if key is not None else [])
            return _Node(lambda *xs: self.attend(*xs), parents)

        def dense(self, part, x, per):
            k = weights.get(f'{self.name}/{part}/kernel')
            assert k.shape == (x.shape[-1], self.h, per), (part, k.shape)
            y = np.einsum('btd,dhp->bthp', np.asarray(x), k)
            if self.use_bias:
                y = y + weights.get(f'{self.name}/{part}/bias')
            return y

        def attend(self, q, v, k=None):
            assert all(_mask(t) is None for t in (q, v, k)), 'input masks not covered'
            k = v if k is None else k
            qh = self.dense('query', q, self.kd) / math.sqrt(self.kd)
            kh = self.dense('key', k, self.kd)
            vh = self.dense('value', v, self.vd)
            scores = np.einsum('bshp,bthp->bhts', kh, qh)
            if self.causal:
                t, s = scores.shape[2:]
                scores = scores - 1e9 * (~np.tril(np.ones((t, s), dtype=bool)))
            o = np.einsum('bhts,bshp->bthp', _softmax(scores), vh)
            w = weights.get(f'{self.name}/attention_output/kernel')
            assert w.shape == (self.h, self.vd, q.shape[-1])
            y = np.einsum('bthp,hpe->bte', o, w)
            if self.use_bias:
                y = y + weights.get(f'{self.name}/attention_output/bias')
            return y

    for cls in (Embedding, Masking, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed, Conv1D, Conv2D,
                MaxPooling1D, GlobalMaxPooling1D, Attention, AdditiveAttention, MultiHeadAttention):
        if not hasattr(layers, cls.__name__):
            setattr(layers, cls.__name__, cls)
    # `from tensorflow import keras`: keras.Input, keras.Model, keras.layers.X
    keras.Input, keras.Model, keras.Sequential = layers.Input, keras.models.Model, keras.models.Sequential
    return keras


def kiln_init_weights(seed, draws):
    """Kiln's --init-weights SEED (Binding.cpp): `draws` = [[name, shape, initializer], ...] in draw order.

    splitmix64 from SEED; uniform() = (next() >> 11) * 2^-53; 'uniform' draws
    (u * 2 - 1) * 0.05, 'zeros'/'ones' draw nothing, any other name
    glorot_uniform (u * 2 - 1) * sqrt(3 * 2 / max(1, fan_in + fan_out)); each
    value rounded to float32.
    """
    golden, m1, m2 = np.uint64(0x9e3779b97f4a7c15), np.uint64(0xbf58476d1ce4e5b9), np.uint64(0x94d049bb133111eb)
    arrays, count = {}, 0
    for name, shape, init in draws:
        n = int(np.prod(shape, dtype=np.int64))
        if init in ('zeros', 'zero', 'ones', 'one'):
            arrays[name] = np.full(shape, 1.0 if init.startswith('one') else 0.0)
            continue
        with np.errstate(over='ignore'):
            z = np.uint64(seed) + np.arange(count + 1, count + n + 1, dtype=np.uint64) * golden
            z = (z ^ (z >> np.uint64(30))) * m1
            z = (z ^ (z >> np.uint64(27))) * m2
            z = z ^ (z >> np.uint64(31))
        count += n
        u = (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
        if init in ('uniform', 'random_uniform'):
            limit = 0.05
        else:
            receptive = float(np.prod(shape[:-2])) if len(shape) > 2 else 1.0
            fan_in = shape[-2] * receptive if len(shape) >= 2 else shape[0]
            fan_out = shape[-1] * receptive if len(shape) >= 2 else fan_in
            limit = math.sqrt(3 * (2 / max(1.0, fan_in + fan_out)))
        arrays[name] = ((u * 2 - 1) * limit).astype(np.float32).astype(np.float64).reshape(shape)
    return arrays
