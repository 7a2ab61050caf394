"""Float64 checks of Kiln's attention layers where the goldens of
tests/numerics stop: masks reaching MultiHeadAttention, attention_mask,
return_attention_scores, MultiHeadAttention over two steps axes with
output_shape, explicit Attention masks (int32 and float32), and the old
constructor argument causal=True. The reference follows tf.keras 2.x
(layers/attention/*.py), written here independently of Kiln.

    attention_values.py KILNC WORK_DIR

Builds each model with weights from a TensorFlow.js-style model.json, runs
it, and compares every output elementwise within 1e-5 + 1e-5 * |expected|.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np

KILNC, WORK = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
B = 5


def softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def masked(s, keep):
    # Keras subtracts 1e9 in float32, so the scores of a row with every key
    # masked round to the same value and its softmax is uniform.
    return np.where(keep, s, (s.astype(np.float32) - np.float32(1e9)).astype(np.float64))


def dense_attention(q, v, k=None, qm=None, vm=None, causal=False, score='dot', scale=None):
    """Attention / AdditiveAttention (BaseDenseAttention): result and weights."""
    k = v if k is None else k
    if score == 'dot':
        s = q @ np.swapaxes(k, 1, 2) * (1.0 if scale is None else scale)
    else:  # additive
        t = np.tanh(q[:, :, None, :] + k[:, None, :, :])
        s = (t if scale is None else scale * t).sum(-1)
    keep = np.ones(s.shape, bool)
    if vm is not None:
        keep &= vm[:, None, :] != 0
    if causal:
        keep &= np.tril(np.ones(s.shape[1:], bool))[None]
    w = softmax(masked(s, keep))
    out = w @ v
    if qm is not None:
        out = out * (qm[:, :, None] != 0)
    return out, w


def mha(q, v, k, W, heads, kd, vd, use_bias=True, qm=None, vm=None, am=None, causal=False, out_shape=None):
    """MultiHeadAttention over all steps axes: output and attention scores."""
    T, S = q.shape[1:-1], v.shape[1:-1]
    qf, vf, kf = (x.reshape(B, -1, x.shape[-1]) for x in (q, v, k))

    def dense(part, x):
        y = np.einsum('btd,dhp->bthp', x, W[part + '/kernel'])
        return y + W[part + '/bias'] if use_bias else y

    qh, kh, vh = dense('query', qf) / math.sqrt(kd), dense('key', kf), dense('value', vf)
    s = np.einsum('bshp,bthp->bhts', kh, qh)
    keep = np.ones((B, s.shape[2], s.shape[3]), bool)
    if qm is not None:
        keep &= qm.reshape(B, -1)[:, :, None] != 0
    if vm is not None:
        keep &= vm.reshape(B, -1)[:, None, :] != 0
    if causal:
        keep &= np.tril(np.ones(keep.shape[1:], bool))[None]
    if am is not None:
        keep &= am.reshape(keep.shape) != 0
    w = softmax(masked(s, np.broadcast_to(keep[:, None], s.shape)))
    o = np.einsum('bhts,bshp->bthp', w, vh)
    y = np.einsum('bthp,hpe->bte', o, W['attention_output/kernel'].reshape(heads, vd, -1))
    if use_bias:
        y = y + W['attention_output/bias'].reshape(-1)
    return y.reshape((B,) + T + tuple(out_shape or (q.shape[-1],))), w.reshape((B, heads) + T + S)


def uniform(shape, limit=1.0):
    """float32 values, returned as float64 for the reference."""
    return rng.uniform(-limit, limit, shape).astype(np.float32).astype(np.float64)


def padded_ids(steps, vocabulary=20):
    """Token ids with padding (0) as the goldens place it: none, the last
    two steps, the first two, steps 1 and T-2, the first and the last."""
    x = rng.integers(1, vocabulary, (B, steps)).astype(np.int32)
    x[1, -2:] = 0
    x[2, :2] = 0
    x[3, [1, steps - 2]] = 0
    x[4, [0, steps - 1]] = 0
    return x


def projections(q_in, k_in, v_in, heads, kd, vd, out, bias=True):
    shapes = {'query/kernel': (q_in, heads, kd), 'query/bias': (heads, kd), 'key/kernel': (k_in, heads, kd),
              'key/bias': (heads, kd), 'value/kernel': (v_in, heads, vd), 'value/bias': (heads, vd),
              'attention_output/kernel': (heads, vd) + out, 'attention_output/bias': out}
    return {name: uniform(shape, 0.6) for name, shape in shapes.items() if bias or not name.endswith('bias')}


def check(name, kiln, inputs, expected, weights):
    """Builds `kiln` with `weights` ({manifest name: array}), runs it on `inputs`, compares."""
    d = os.path.join(WORK, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'model.kiln'), 'w') as f:
        f.write(kiln)
    manifest, blob = [], b''
    for weight, a in weights.items():
        manifest.append({'name': weight, 'shape': list(np.shape(a)), 'dtype': 'float32'})
        blob += np.asarray(a, np.float32).tobytes()
    with open(os.path.join(d, 'weights.bin'), 'wb') as f:
        f.write(blob)
    with open(os.path.join(d, 'model.json'), 'w') as f:
        json.dump({'format': 'layers-model', 'weightsManifest': [{'paths': ['weights.bin'], 'weights': manifest}]}, f)
    subprocess.run([KILNC, 'build', os.path.join(d, 'model.kiln'), '--weights', os.path.join(d, 'model.json'),
                    '-o', os.path.join(d, 'model')], check=True)
    args = [os.path.join(d, 'model')]
    for i, x in enumerate(inputs):
        args.append(os.path.join(d, f'in{i}.npy'))
        np.save(args[-1], x if x.dtype == np.int32 else x.astype(np.float32))
    for i in range(len(expected)):
        args += ['-o', os.path.join(d, f'got{i}.npy')]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    worst = 0.0
    for i, e in enumerate(expected):
        got = np.load(os.path.join(d, f'got{i}.npy'))
        if got.shape != e.shape:
            print(f'{name}: output {i} has shape {got.shape}, expected {e.shape}')
            return False
        worst = max(worst, float((np.abs(got - e) / (1e-5 + 1e-5 * np.abs(e))).max()))
    print(f'{name}: {"OK" if worst <= 1 else "FAIL"} (worst {worst:.3f} x tolerance)')
    return worst <= 1


ok = True

# Masked query and value (Embedding(mask_zero=True)), an int32 attention_mask
# and the attention scores as a second output.
embeddings = uniform((20, 6))
W = projections(6, 6, 6, 2, 3, 4, (6,))
q_ids, v_ids = padded_ids(5), padded_ids(7)
allowed = (rng.uniform(0, 1, (B, 5, 7)) > 0.3).astype(np.int32)
out, scores = mha(embeddings[q_ids], embeddings[v_ids], embeddings[v_ids], W, 2, 3, 4, qm=q_ids, vm=v_ids, am=allowed)
ok &= check('mha_masked', '''
q_ids = Input(shape=(5,), dtype='int32')
v_ids = Input(shape=(7,), dtype='int32')
allowed = Input(shape=(5, 7), dtype='int32')
embed = Embedding(20, 6, mask_zero=True)
out, scores = MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)(
    embed(q_ids), embed(v_ids), attention_mask=allowed, return_attention_scores=True)
model = Model([q_ids, v_ids, allowed], [out, scores])
''', [q_ids, v_ids, allowed], [out, scores],
    {'embedding/embeddings': embeddings, **{'multi_head_attention/' + n: a for n, a in W.items()}})

# Two steps axes (attention over all six query and four key positions),
# keyword call with a key, output_shape=(2, 3), no biases.
W = projections(4, 5, 3, 3, 2, 2, (2, 3), bias=False)
q, v, k = uniform((B, 2, 3, 4)), uniform((B, 2, 2, 3)), uniform((B, 2, 2, 5))
out, _ = mha(q, v, k, W, 3, 2, 2, use_bias=False, out_shape=(2, 3))
ok &= check('mha_rank4', '''
query = Input(shape=(2, 3, 4))
value = Input(shape=(2, 2, 3))
key = Input(shape=(2, 2, 5))
out = MultiHeadAttention(3, 2, use_bias=False, output_shape=(2, 3))(query=query, value=value, key=key)
model = Model([query, value, key], out)
''', [q, v, k], [out], {'multi_head_attention/' + n: a for n, a in W.items()})

# A Masking layer's mask on causal self-attention.
x = uniform((B, 6, 4))
x[1, 4:] = 0
x[2, :2] = 0
steps = (x != 0).any(-1)
W = projections(4, 4, 4, 2, 3, 3, (4,))
out, _ = mha(x, x, x, W, 2, 3, 3, qm=steps, vm=steps, causal=True)
ok &= check('mha_masking_causal', '''
x = Input(shape=(6, 4))
steps = Masking()(x)
out = MultiHeadAttention(num_heads=2, key_dim=3)(steps, steps, use_causal_mask=True)
model = Model(x, out)
''', [x], [out], {'multi_head_attention/' + n: a for n, a in W.items()})

# Explicit masks (int32 query mask, float32 value mask, one sample with every
# value masked) override the inputs' own; causal with Tq != Tv; weights out.
q, v = uniform((B, 4, 5)), uniform((B, 6, 5))
q_mask = (rng.uniform(0, 1, (B, 4)) > 0.3).astype(np.int32)
v_mask = (rng.uniform(0, 1, (B, 6)) > 0.3).astype(np.float64)
v_mask[0] = 0
out, weights = dense_attention(q, v, qm=q_mask, vm=v_mask, causal=True, scale=np.float64(np.float32(1.3)))
ok &= check('attention_explicit_masks', '''
query = Input(shape=(4, 5))
value = Input(shape=(6, 5))
q_mask = Input(shape=(4,), dtype='int32')
v_mask = Input(shape=(6,))
out, weights = Attention(use_scale=True)([query, value], mask=[q_mask, v_mask], use_causal_mask=True,
                                         return_attention_scores=True)
model = Model([query, value, q_mask, v_mask], [out, weights])
''', [q, v, q_mask, v_mask], [out, weights], {'attention/scale': np.float32(1.3)})

# AdditiveAttention with the pre-2.10 constructor argument causal=True and a key.
q, v, k, scale = uniform((B, 5, 4)), uniform((B, 5, 4)), uniform((B, 5, 4)), uniform((4,))
out, _ = dense_attention(q, v, k, causal=True, score='additive', scale=scale)
ok &= check('additive_causal_argument', '''
query = Input(shape=(5, 4))
value = Input(shape=(5, 4))
key = Input(shape=(5, 4))
out = AdditiveAttention(causal=True)([query, value, key])
model = Model([query, value, key], out)
''', [q, v, k], [out], {'additive_attention/scale': scale})

sys.exit(0 if ok else 1)
