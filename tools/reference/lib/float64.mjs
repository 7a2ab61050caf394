// Independent float64 cross-check. Recomputes every case in plain JS doubles
// from the same float32 weights and inputs, with the Keras 2 definitions of
// the layers and activations, and requires tfjs's output to agree within a
// fraction of the case's tolerance. This guards against tfjs computing
// something other than Keras (it is not what gets written: the goldens are
// tfjs's outputs).
//
// A tensor here is { shape: number[], data: Float64Array } (C order, batch
// first). The model is walked through tfjs's symbolic graph, layer by layer,
// reading each layer's configuration; nested models are walked recursively.

import { image64 } from './float64_image.mjs';

// --- activations ------------------------------------------------------------

function erf64(x) {
  const s = x < 0 ? -1 : 1;
  const v = Math.abs(x);
  if (v < 3) { // Maclaurin series
    let a = v;
    let sum = v;
    for (let n = 1; n < 200; n++) {
      a *= -v * v / n;
      const t = a / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return s * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Continued fraction for erfc(v), v >= 3.
  let f = 0;
  for (let n = 80; n >= 1; n--) f = (n / 2) / (v + f);
  return s * (1 - Math.exp(-v * v) / (Math.sqrt(Math.PI) * (v + f)));
}

const softplus64 = (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

// Element-wise Keras 2 activations.
const ELEMENTWISE64 = {
  linear: (x) => x,
  relu: (x) => Math.max(0, x),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
  softplus: softplus64,
  softsign: (x) => x / (1 + Math.abs(x)),
  hard_sigmoid: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
  exponential: (x) => Math.exp(x),
  swish: (x) => x / (1 + Math.exp(-x)),
  silu: (x) => x / (1 + Math.exp(-x)),
  gelu: (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2)),
  relu6: (x) => Math.min(6, Math.max(0, x)),
  leaky_relu: (x) => (x < 0 ? 0.2 * x : x),
  mish: (x) => x * Math.tanh(softplus64(x)),
};
// Activations over one axis (the last one for Dense/Activation).
const AXISWISE64 = {
  softmax(row) {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  },
  log_softmax(row) {
    const m = Math.max(...row);
    const ls = Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    return row.map((v) => v - m - ls);
  },
};

const toSnake = (s) => s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

// --- tensor helpers ----------------------------------------------------------

const prod = (a) => a.reduce((p, v) => p * v, 1);
const stridesOf = (shape) => {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
};

/** Element-wise map. */
export const map64 = (x, f) => ({ shape: x.shape, data: x.data.map(f) });

/** Applies fn(Array) -> Array to every 1-D slice along `axis`. */
function alongAxis(x, axis, fn) {
  const n = x.shape[axis];
  const inner = prod(x.shape.slice(axis + 1));
  const outer = prod(x.shape.slice(0, axis));
  const out = new Float64Array(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      const row = [];
      for (let k = 0; k < n; k++) row.push(x.data[base + k * inner]);
      fn(row).forEach((v, k) => { out[base + k * inner] = v; });
    }
  }
  return { shape: x.shape, data: out };
}

/** Activation by (tfjs or Keras) name; axis-wise ones over `axis` (default last). */
export function activate64(name, x, axis = -1) {
  name = toSnake(name);
  if (ELEMENTWISE64[name]) return map64(x, ELEMENTWISE64[name]);
  if (AXISWISE64[name]) return alongAxis(x, (axis + x.shape.length) % x.shape.length, AXISWISE64[name]);
  throw new Error(`float64 cross-check: no reference for activation '${name}'`);
}

export function transpose64(x, perm) {
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = stridesOf(x.shape);
  const out = new Float64Array(x.data.length);
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let src = 0;
    for (let d = 0; d < shape.length; d++) src += idx[d] * inStrides[perm[d]];
    out[i] = x.data[src];
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return { shape, data: out };
}

/** Numpy-style broadcasting of two tensors of equal rank. */
export function broadcast64(a, b, f) {
  const shape = a.shape.map((n, d) => {
    if (n !== b.shape[d] && n !== 1 && b.shape[d] !== 1) throw new Error(`broadcast ${a.shape} vs ${b.shape}`);
    return Math.max(n, b.shape[d]);
  });
  const sa = stridesOf(a.shape).map((s, d) => (a.shape[d] === 1 ? 0 : s));
  const sb = stridesOf(b.shape).map((s, d) => (b.shape[d] === 1 ? 0 : s));
  const out = new Float64Array(prod(shape));
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < shape.length; d++) { ia += idx[d] * sa[d]; ib += idx[d] * sb[d]; }
    out[i] = f(a.data[ia], b.data[ib]);
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return { shape, data: out };
}

/** Keras _Merge: inputs of lower rank get size-1 axes inserted at axis 1, then broadcast. */
function merge64(xs, f) {
  const rank = Math.max(...xs.map((x) => x.shape.length));
  const up = xs.map((x) => {
    const shape = x.shape.slice();
    while (shape.length < rank) shape.splice(1, 0, 1);
    return { shape, data: x.data };
  });
  return up.slice(1).reduce((acc, x) => broadcast64(acc, x, f), up[0]);
}

function concat64(xs, axis) {
  const shape = xs[0].shape.slice();
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
  const outer = prod(shape.slice(0, axis));
  const out = [];
  for (let o = 0; o < outer; o++) {
    for (const x of xs) {
      const chunk = prod(x.shape.slice(axis));
      out.push(...x.data.subarray(o * chunk, (o + 1) * chunk));
    }
  }
  return { shape, data: Float64Array.from(out) };
}

/** x / sqrt(max(sum(x^2 over axis), 1e-12)): tf.linalg.l2_normalize, as Keras's Dot uses. */
const l2normalize64 = (x, axis) => alongAxis(x, axis, (row) => {
  const n = Math.sqrt(Math.max(row.reduce((s, v) => s + v * v, 0), 1e-12));
  return row.map((v) => v / n);
});

/**
 * Keras backend.batch_dot: contracts axis ax of x with axis ay of y, per
 * sample. Out shape = x's shape without ax, then y's without batch and ay;
 * a rank-1 result gets a trailing 1.
 */
export function batchDot64(x, y, ax, ay) {
  const xr = x.shape.length;
  const yr = y.shape.length;
  const xp = [0, ...[...Array(xr).keys()].filter((d) => d !== 0 && d !== ax), ax];
  const yp = [0, ay, ...[...Array(yr).keys()].filter((d) => d !== 0 && d !== ay)];
  const xt = transpose64(x, xp);
  const yt = transpose64(y, yp);
  const B = x.shape[0];
  const K = x.shape[ax];
  const I = xt.data.length / (B * K);
  const J = yt.data.length / (B * K);
  const out = new Float64Array(B * I * J);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < I; i++) {
      for (let j = 0; j < J; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += xt.data[(b * I + i) * K + k] * yt.data[(b * K + k) * J + j];
        out[(b * I + i) * J + j] = s;
      }
    }
  }
  const shape = [...xp.slice(0, -1).map((d) => x.shape[d]), ...yp.slice(2).map((d) => y.shape[d])];
  if (shape.length === 1) shape.push(1);
  return { shape, data: out };
}

/** Dense on the last axis; kernel [in, out] row-major. */
function dense64(x, kernel, bias, units) {
  const nIn = x.shape[x.shape.length - 1];
  const rows = x.data.length / nIn;
  const out = new Float64Array(rows * units);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j++) {
      let s = bias ? bias[j] : 0;
      for (let k = 0; k < nIn; k++) s += x.data[r * nIn + k] * kernel[k * units + j];
      out[r * units + j] = s;
    }
  }
  return { shape: [...x.shape.slice(0, -1), units], data: out };
}

// --- layers ------------------------------------------------------------------

const relu = (v) => Math.max(0, v);
const MERGES = {
  Add: (xs) => merge64(xs, (a, b) => a + b),
  Multiply: (xs) => merge64(xs, (a, b) => a * b),
  Maximum: (xs) => merge64(xs, Math.max),
  Minimum: (xs) => merge64(xs, Math.min),
  Average: (xs) => map64(merge64(xs, (a, b) => a + b), (v) => v / xs.length),
};

/**
 * One layer call. W maps a tfjs LayerVariable to its float32 values; `pre`
 * collects every Dense's pre-activation values by layer name.
 */
function layer64(layer, xs, W, pre) {
  const cls = layer.getClassName();
  const cfg = layer.getConfig();
  const x = xs[0];
  const rank = x.shape.length;
  const ax = (a) => (a + rank) % rank;
  if (MERGES[cls]) return MERGES[cls](xs);
  switch (cls) {
    case 'Sequential':
    case 'Model':
      return graph64(layer, xs, W, pre)[0];
    case 'Dense': {
      const y = dense64(x, W.get(layer.kernel), cfg.useBias ? W.get(layer.bias) : null, cfg.units);
      pre.set(layer.name, Array.from(y.data));
      return activate64(cfg.activation, y);
    }
    case 'Activation': return activate64(cfg.activation, x);
    case 'Dropout': return x;
    case 'Concatenate': return concat64(xs, ax(cfg.axis));
    case 'Dot': {
      const axes = (Array.isArray(cfg.axes) ? cfg.axes : [cfg.axes, cfg.axes])
        .map((a, i) => (a + xs[i].shape.length) % xs[i].shape.length);
      let [a, b] = xs;
      if (cfg.normalize) { a = l2normalize64(a, axes[0]); b = l2normalize64(b, axes[1]); }
      return batchDot64(a, b, axes[0], axes[1]);
    }
    case 'Reshape': {
      const target = cfg.targetShape.map((d) => (d == null || d < 0 ? -1 : d));
      const known = prod(target.filter((d) => d !== -1));
      const rest = x.data.length / x.shape[0];
      return { shape: [x.shape[0], ...target.map((d) => (d === -1 ? rest / known : d))], data: x.data };
    }
    case 'Flatten': return { shape: [x.shape[0], x.data.length / x.shape[0]], data: x.data };
    case 'Permute': return transpose64(x, [0, ...cfg.dims]);
    case 'RepeatVector': return concat64(Array(cfg.n).fill({ shape: [x.shape[0], 1, x.shape[1]], data: x.data }), 1);
    case 'ReLU': return map64(x, (v) => (cfg.maxValue == null ? relu(v) : Math.min(cfg.maxValue, relu(v))));
    case 'LeakyReLU': return map64(x, (v) => (v < 0 ? cfg.alpha * v : v));
    case 'PReLU': // Keras: relu(x) - alpha * relu(-x), alpha broadcast over the batch
      return broadcast64(x, { shape: [1, ...layer.alpha.shape], data: W.get(layer.alpha) },
        (v, a) => relu(v) - a * relu(-v));
    case 'ELU': return map64(x, (v) => (v > 0 ? v : cfg.alpha * Math.expm1(v)));
    case 'ThresholdedReLU': return map64(x, (v) => (v > cfg.theta ? v : 0));
    case 'Softmax': return activate64('softmax', x, ax(Array.isArray(cfg.axis) ? cfg.axis[0] : cfg.axis));
    default: {
      const y = image64(layer, cls, cfg, xs, W, activate64); // lib/float64_image.mjs
      if (y === undefined) throw new Error(`float64 cross-check: unsupported layer class ${cls}`);
      return y;
    }
  }
}

/** Evaluates a tfjs (functional or Sequential) model's graph on float64 inputs. */
function graph64(model, inputs, W, pre) {
  const memo = new Map();
  model.inputs.forEach((s, i) => memo.set(s.id, inputs[i]));
  const ev = (s) => {
    if (!memo.has(s.id)) memo.set(s.id, layer64(s.sourceLayer, s.inputs.map(ev), W, pre));
    return memo.get(s.id);
  };
  return model.outputs.map(ev);
}

/**
 * Runs a model in float64. Returns its outputs and `firstPre`, the
 * pre-activation values of its first Dense layer (in model.layers order).
 */
export function forward64(model, W, inputs) {
  const pre = new Map();
  const outs = graph64(model, inputs, W, pre);
  const flat = (m) => m.layers.flatMap((l) => (l.layers ? flat(l) : [l]));
  const first = flat(model).find((l) => l.getClassName() === 'Dense');
  return { outs, firstPre: first ? pre.get(first.name) : null, pre };
}
