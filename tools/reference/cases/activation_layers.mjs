// Advanced activation layers: ReLU (with max_value, negative_slope,
// threshold), LeakyReLU, PReLU (own alpha weights, shared_axes), ELU,
// ThresholdedReLU, Softmax (default axis and axis=1 on rank 3). Each follows
// a linear Dense in a Sequential model; inputs in [-4, 4], kernels in
// [-1.5, 1.5], biases in [-1, 1], and the seed is advanced until the Dense
// outputs lie on both sides of every kink, clip point and threshold (and not
// within 1e-3 of a threshold, where the output jumps).
//
// tfjs gaps handled here:
// - tfjs's ReLU layer has only maxValue: ReLU with negative_slope or
//   threshold is computed with tfjs ops on the Dense output, following
//   tf.keras backend.relu step by step (kerasRelu below).
// - tfjs's ELU layer throws for alpha != 1: ELU(alpha=0.5) is computed with
//   tfjs ops as Keras does, where(x > 0, elu(x), alpha * elu(x)).
// - tfjs's Softmax layer defaults to axis=1, Keras's to axis=-1 (the same for
//   rank 2, not for rank 3): the Softmax wrapper passes axis=-1. And tfjs's
//   softmax op only works along the last axis (it throws otherwise), so
//   Softmax(axis=1) on rank 3 is computed with tfjs ops by transposing axis 1
//   to the end and back.
// - tfjs's LeakyReLU default alpha is 0.3, the same as Keras 2's LeakyReLU
//   (the 'leaky_relu' activation function's default is 0.2).

import { tf, Dense, Sequential, ReLU, LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax, py } from '../lib/common.mjs';
import { map64, activate64 } from '../lib/float64.mjs';

export const CASES = [];

// Coverage helpers on the Dense outputs z.
const has = (z, lo, hi) => z.some((v) => v > lo && v < hi);
const around = (...pts) => (z) => pts.every((p) => has(z, p - 1.5, p - 0.01) && has(z, p + 0.01, p + 1.5));
const clear = (p) => (z) => z.every((v) => Math.abs(v - p) > 1e-3);
const all = (...preds) => (z) => preds.every((f) => f(z));

/**
 * Sequential: Dense(units) on inputs of `shape`, then the layer `keras`
 * (Python source). tfLayer() makes the tfjs layer, or is null when tfjs lacks
 * it; then `post` computes the layer on the Dense output with tfjs ops.
 */
function actCase({ name, cls, keras, tfLayer, shape = [5], units = 8, note, ...rest }) {
  const inArg = shape.length === 1 ? `input_dim=${shape[0]}` : `input_shape=${py(shape)}`;
  CASES.push({
    name,
    inputRange: [-4, 4],
    kernelRange: [-1.5, 1.5],
    biasRange: [-1, 1],
    ...rest,
    kiln: `from keras.models import Sequential
from keras.layers import Dense, ${cls}

model = Sequential()
model.add(Dense(${units}, ${inArg}))
model.add(${keras})
`,
    build() {
      const model = Sequential({ name: 'sequential' });
      model.add(Dense({ units, inputShape: shape, name: 'dense' }));
      if (tfLayer) model.add(tfLayer());
      return model;
    },
    note: `${keras} after a linear Dense(${units}). ${note}`,
  });
}

// --- ReLU ----------------------------------------------------------------------

/** tf.keras backend.relu(x, alpha=negative_slope, max_value, threshold) with tfjs ops. */
function kerasRelu(x, { negativeSlope: a = 0, maxValue: m = null, threshold: t = 0 }) {
  let neg;
  if (a !== 0) {
    if (m == null && t === 0) return tf.leakyRelu(x, a); // tf.nn.leaky_relu
    neg = t !== 0 ? tf.relu(tf.add(tf.neg(x), t)) : tf.relu(tf.neg(x));
  }
  let clip = m != null;
  let y;
  if (t !== 0) y = tf.mul(x, tf.cast(tf.greater(x, t), 'float32'));
  else if (m === 6) { y = tf.relu6(x); clip = false; } else y = tf.relu(x);
  if (clip) y = tf.clipByValue(y, 0, m);
  return a !== 0 ? tf.sub(y, tf.mul(a, neg)) : y;
}

/** The same, element-wise in float64. */
function kerasRelu64(v, { negativeSlope: a = 0, maxValue: m = null, threshold: t = 0 }) {
  if (a !== 0 && m == null && t === 0) return v < 0 ? a * v : v;
  const neg = a !== 0 ? Math.max(0, -v + t) : 0;
  let y = t !== 0 ? (v > t ? v : 0) : Math.max(0, v);
  if (m != null) y = Math.min(Math.max(y, 0), m);
  return y - a * neg;
}

const RELU_GAP = "tfjs 4.22.0's ReLU layer only has maxValue: the tfjs model (model.json) ends at the Dense " +
  'and out0 is computed from its output y with tfjs ops exactly as tf.keras backend.relu does: ';

function reluGapCase(name, keras, opts, formula, coverage) {
  actCase({
    name, cls: 'ReLU', keras, tfLayer: null, coverage,
    post: {
      fn: ([y]) => [kerasRelu(y, opts)],
      f64: ([y]) => [map64(y, (v) => kerasRelu64(v, opts))],
    },
    note: RELU_GAP + formula,
  });
}

actCase({
  name: 'relu_layer', cls: 'ReLU', keras: 'ReLU()', tfLayer: () => ReLU({ name: 're_lu' }),
  coverage: around(0), note: 'out = max(x, 0).',
});
actCase({
  name: 'relu_max6', cls: 'ReLU', keras: 'ReLU(max_value=6.0)', tfLayer: () => ReLU({ maxValue: 6, name: 're_lu' }),
  coverage: around(0, 6), note: 'out = min(max(x, 0), 6).',
});
reluGapCase('relu_max_slope_threshold', 'ReLU(max_value=2.5, negative_slope=0.1, threshold=0.5)',
  { maxValue: 2.5, negativeSlope: 0.1, threshold: 0.5 },
  'out = clip(y * (y > 0.5), 0, 2.5) - 0.1 * relu(0.5 - y); so y in (0, 0.5] gives -0.1 * (0.5 - y) ' +
  '(negative), y > 0.5 gives min(y, 2.5). Dense outputs avoid 0.5 +- 1e-3 (the jump).',
  all(around(0, 0.5, 2.5), clear(0.5)));
reluGapCase('relu_negative_slope', 'ReLU(negative_slope=0.2)', { negativeSlope: 0.2 },
  'with no max_value and no threshold that is tf.nn.leaky_relu(y, 0.2): out = y >= 0 ? y : 0.2 * y.',
  around(0));
reluGapCase('relu_threshold', 'ReLU(threshold=1.0)', { threshold: 1 },
  'out = y * (y > 1.0), i.e. y for y > 1 and 0 otherwise. Dense outputs avoid 1.0 +- 1e-3 (the jump).',
  all(around(0, 1), clear(1)));
reluGapCase('relu_max_slope', 'ReLU(max_value=4.0, negative_slope=0.3)', { maxValue: 4, negativeSlope: 0.3 },
  'out = clip(relu(y), 0, 4.0) - 0.3 * relu(-y).', around(0, 4));

// --- LeakyReLU, PReLU, ELU, ThresholdedReLU --------------------------------------

actCase({
  name: 'leaky_relu_layer', cls: 'LeakyReLU', keras: 'LeakyReLU()', tfLayer: () => LeakyReLU({ name: 'leaky_re_lu' }),
  coverage: around(0),
  note: 'Keras 2 default alpha=0.3 (the same as tfjs): out = x >= 0 ? x : 0.3 * x.',
});
actCase({
  name: 'leaky_relu_alpha', cls: 'LeakyReLU', keras: 'LeakyReLU(alpha=0.1)',
  tfLayer: () => LeakyReLU({ alpha: 0.1, name: 'leaky_re_lu' }),
  coverage: around(0), note: 'out = x >= 0 ? x : 0.1 * x.',
});
actCase({
  name: 'prelu_layer', cls: 'PReLU', keras: 'PReLU()', tfLayer: () => PReLU({ name: 'p_re_lu' }),
  coverage: around(0),
  note: 'Weight p_re_lu/alpha of shape (8,) (the input shape without batch), uniform in [-0.25, 0.75]: ' +
    'out = relu(x) - alpha * relu(-x).',
});
actCase({
  name: 'prelu_3d', cls: 'PReLU', keras: 'PReLU()', tfLayer: () => PReLU({ name: 'p_re_lu' }),
  shape: [3, 5], units: 4, coverage: around(0),
  note: 'On (None, 3, 4): p_re_lu/alpha has shape (3, 4), one slope per element.',
});
actCase({
  name: 'prelu_shared', cls: 'PReLU', keras: 'PReLU(shared_axes=[1])',
  tfLayer: () => PReLU({ sharedAxes: [1], name: 'p_re_lu' }),
  shape: [3, 5], units: 4, coverage: around(0),
  note: 'On (None, 3, 4) with shared_axes=[1]: p_re_lu/alpha has shape (1, 4), shared along axis 1.',
});
actCase({
  name: 'elu_layer', cls: 'ELU', keras: 'ELU()', tfLayer: () => ELU({ name: 'elu' }),
  coverage: around(0), note: 'alpha=1 (default): out = x > 0 ? x : exp(x) - 1.',
});
actCase({
  name: 'elu_alpha', cls: 'ELU', keras: 'ELU(alpha=0.5)', tfLayer: null, coverage: around(0),
  post: {
    fn: ([y]) => { const e = tf.elu(y); return [tf.where(tf.greater(y, 0), e, tf.mul(0.5, e))]; },
    f64: ([y]) => [map64(y, (v) => (v > 0 ? v : 0.5 * Math.expm1(v)))],
  },
  note: "out = x > 0 ? x : 0.5 * (exp(x) - 1). tfjs 4.22.0's ELU layer throws for alpha != 1: the tfjs " +
    'model (model.json) ends at the Dense and out0 = where(y > 0, elu(y), 0.5 * elu(y)) of its output y, ' +
    'computed with tfjs ops as tf.keras does.',
});
actCase({
  name: 'thresholded_relu', cls: 'ThresholdedReLU', keras: 'ThresholdedReLU(theta=0.5)',
  tfLayer: () => ThresholdedReLU({ theta: 0.5, name: 'thresholded_re_lu' }),
  coverage: all(around(0, 0.5), clear(0.5)),
  note: 'out = x * (x > 0.5). Dense outputs avoid 0.5 +- 1e-3 (the jump).',
});
actCase({
  name: 'thresholded_relu_default', cls: 'ThresholdedReLU', keras: 'ThresholdedReLU()',
  tfLayer: () => ThresholdedReLU({ name: 'thresholded_re_lu' }),
  coverage: all(around(0, 1), clear(1)),
  note: 'Default theta=1.0: out = x * (x > 1). Dense outputs avoid 1.0 +- 1e-3 (the jump).',
});

// --- Softmax ---------------------------------------------------------------------

actCase({
  name: 'softmax_layer', cls: 'Softmax', keras: 'Softmax()', tfLayer: () => Softmax({ name: 'softmax' }),
  note: 'Softmax over the last axis of (None, 8).',
});
actCase({
  name: 'softmax_3d', cls: 'Softmax', keras: 'Softmax()', tfLayer: () => Softmax({ name: 'softmax' }),
  shape: [3, 5], units: 4,
  note: "On (None, 3, 4) with Keras's default axis=-1 (sums to 1 along the last axis). tfjs's Softmax " +
    "layer defaults to axis=1, so the tfjs model sets axis=-1 explicitly.",
});
actCase({
  name: 'softmax_axis1', cls: 'Softmax', keras: 'Softmax(axis=1)', tfLayer: null,
  shape: [3, 5], units: 4,
  post: {
    fn: ([y]) => [tf.transpose(tf.softmax(tf.transpose(y, [0, 2, 1])), [0, 2, 1])],
    f64: ([y]) => [activate64('softmax', y, 1)],
  },
  note: 'On (None, 3, 4) with axis=1: sums to 1 along axis 1 (length 3), per batch and column. tfjs 4.22.0 ' +
    'only computes softmax along the last axis (its Softmax layer throws for axis=1 on rank 3): the tfjs ' +
    'model (model.json) ends at the Dense and out0 = transpose(softmax(transpose(y, [0, 2, 1])), [0, 2, 1]) ' +
    'of its output y (computed with tfjs ops; tf.nn.softmax also moves a non-last axis to the end).',
});
