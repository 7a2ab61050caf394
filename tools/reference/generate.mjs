#!/usr/bin/env node
// Kiln numerical reference generator.
//
// Builds small Keras-style models in TensorFlow.js (pure-JS CPU backend),
// fills them with weights and inputs from a seeded PRNG, runs model.predict
// and writes golden files to tests/numerics/<case>/ (see README.md).
//
//   cd tools/reference && npm ci && node generate.mjs [CASE ...]
//
// No CASE arguments = all cases. A CASE may contain '*' wildcards
// (e.g. 'act_*'). Options:
//   --list    print the case names and exit
//   --check   regenerate in memory and compare with the files on disk;
//             exit 1 if anything differs (nothing is written)
//
// Every case is generated from a PRNG seeded by the case name only, so the
// output of a case does not depend on which other cases are generated or in
// which order, and every run writes the same bytes.

import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT_ROOT = resolve(HERE, '..', '..', 'tests', 'numerics');

// ---------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------

/** FNV-1a 32-bit hash of a string: the per-case seed. */
function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: a tiny 32-bit PRNG; returns doubles in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n float32 values uniform in [lo, hi). */
function uniform(rng, n, lo, hi) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(lo + (hi - lo) * rng());
  return out;
}

// ---------------------------------------------------------------------------
// tfjs layer helpers. Every layer gets its Keras 2 default name explicitly
// (tfjs's own defaults, e.g. 'dense_Dense1', differ). Initializers are the
// deterministic 'zeros': the real weights are always set with setWeights.
// ---------------------------------------------------------------------------

const ZERO_INIT = { kernelInitializer: 'zeros', biasInitializer: 'zeros' };
const Dense = (cfg) => tf.layers.dense({ ...ZERO_INIT, ...cfg });
const Activation = (cfg) => tf.layers.activation(cfg);
const Dropout = (cfg) => tf.layers.dropout(cfg);
const Input = (cfg) => tf.input(cfg);

// ---------------------------------------------------------------------------
// Cases. Each holds the Kiln source (`kiln`) next to the tfjs builder of the
// same model (`build`), so the two are reviewed side by side.
//
// Optional fields:
//   batch        batch size (default 3)
//   inputRange   [lo, hi] for the inputs (default [-2, 2])
//   kernelRange  [lo, hi] for every kernel (default glorot-uniform limit
//                sqrt(6 / (fan_in + fan_out)) per layer)
//   biasRange    [lo, hi] for every bias (default [-0.5, 0.5])
//   post         { keras, expr, fn }: the Keras activation that tfjs lacks;
//                out = fn(tfjs model output), computed with tfjs ops
//   coverage     predicate on the pre-activation values of the first Dense;
//                the seed is advanced until it holds (deterministically)
//   atol, rtol   comparison tolerance (default 1e-5, 1e-5)
//   note         free text for case.json
// ---------------------------------------------------------------------------

const CASES = [];

const MLP_SEQUENTIAL_KILN = `from keras.models import Sequential
from keras.layers import Dense

model = Sequential()
model.add(Dense(64, input_dim=784, activation='relu'))
model.add(Dense(64, activation='relu'))
model.add(Dense(10, activation='softmax'))
`;
function buildMlpSequential() {
  const model = tf.sequential({ name: 'sequential' });
  model.add(Dense({ units: 64, inputDim: 784, activation: 'relu', name: 'dense' }));
  model.add(Dense({ units: 64, activation: 'relu', name: 'dense_1' }));
  model.add(Dense({ units: 10, activation: 'softmax', name: 'dense_2' }));
  return model;
}

CASES.push({
  name: 'mlp_sequential',
  batch: 4,
  kiln: MLP_SEQUENTIAL_KILN,
  build: buildMlpSequential,
  note: '784-64-64-10 MLP, Sequential API; relu, relu, softmax; batch 4.',
});

CASES.push({
  name: 'mlp_functional',
  batch: 2,
  kiln: `from keras.models import Model
from keras.layers import Input, Dense

inputs = Input(shape=(784,))
x = Dense(64, activation='relu')(inputs)
x = Dense(64, activation='relu')(x)
predictions = Dense(10, activation='softmax')(x)
model = Model(inputs=inputs, outputs=predictions)
`,
  build() {
    const inputs = Input({ shape: [784], name: 'input_1' });
    let x = Dense({ units: 64, activation: 'relu', name: 'dense' }).apply(inputs);
    x = Dense({ units: 64, activation: 'relu', name: 'dense_1' }).apply(x);
    const predictions = Dense({ units: 10, activation: 'softmax', name: 'dense_2' }).apply(x);
    return tf.model({ inputs, outputs: predictions, name: 'model' });
  },
  note: '784-64-64-10 MLP, functional API (Input/Model); batch 2.',
});

CASES.push({
  name: 'keras1_init',
  kernelRange: [-0.5, 0.5],
  kiln: `from keras.models import Sequential
from keras.layers import Dense, Activation

model = Sequential()
model.add(Dense(64, init='uniform', input_dim=10))
model.add(Activation('tanh'))
model.add(Activation('softmax'))
`,
  build() {
    // Keras 1's init='uniform' only chooses the initializer, which is
    // irrelevant here: the weights are set explicitly.
    const model = tf.sequential({ name: 'sequential' });
    model.add(Dense({ units: 64, inputDim: 10, name: 'dense' }));
    model.add(Activation({ activation: 'tanh', name: 'activation' }));
    model.add(Activation({ activation: 'softmax', name: 'activation_1' }));
    return model;
  },
  note: "Keras 1 argument name init='uniform' (initializer only; weights come from weights.bin); " +
    'two standalone Activation layers (activation, activation_1). Kernel uniform in [-0.5, 0.5].',
});

CASES.push({
  name: 'dense_no_bias',
  kiln: `from keras.models import Sequential
from keras.layers import Dense

model = Sequential()
model.add(Dense(16, input_dim=8, use_bias=False, activation='tanh'))
model.add(Dense(4))
`,
  build() {
    const model = tf.sequential({ name: 'sequential' });
    model.add(Dense({ units: 16, inputDim: 8, useBias: false, activation: 'tanh', name: 'dense' }));
    model.add(Dense({ units: 4, name: 'dense_1' }));
    return model;
  },
  note: 'use_bias=False: layer dense has only dense/kernel (no dense/bias); dense_1 is linear with bias.',
});

CASES.push({
  name: 'dropout_identity',
  kiln: `from keras.models import Sequential
from keras.layers import Dense, Dropout

model = Sequential()
model.add(Dense(32, input_dim=20, activation='relu'))
model.add(Dropout(0.5))
model.add(Dense(5))
`,
  build() {
    const model = tf.sequential({ name: 'sequential' });
    model.add(Dense({ units: 32, inputDim: 20, activation: 'relu', name: 'dense' }));
    model.add(Dropout({ rate: 0.5, name: 'dropout' }));
    model.add(Dense({ units: 5, name: 'dense_1' }));
    return model;
  },
  note: 'Dropout(0.5) is the identity at inference (model.predict): no scaling, no masking.',
});

CASES.push({
  name: 'single_sample',
  batch: 1,
  kiln: MLP_SEQUENTIAL_KILN,
  build: buildMlpSequential,
  note: 'The mlp_sequential model (own weights) with batch size 1.',
});

CASES.push({
  name: 'dense_3d',
  kiln: `from keras.models import Model
from keras.layers import Input, Dense

inputs = Input(shape=(5, 6))
outputs = Dense(4, activation='relu')(inputs)
model = Model(inputs=inputs, outputs=outputs)
`,
  build() {
    const inputs = Input({ shape: [5, 6], name: 'input_1' });
    const outputs = Dense({ units: 4, activation: 'relu', name: 'dense' }).apply(inputs);
    return tf.model({ inputs, outputs, name: 'model' });
  },
  note: 'Dense on a rank-3 input acts on the last axis: (3, 5, 6) -> (3, 5, 4), kernel [6, 4].',
});

// --- one pair of cases per Keras built-in activation -----------------------
//
// keras: the Keras name (as written in model.kiln)
// tfjs:  the tfjs activation identifier that computes the same function, or
//        null when tfjs 4.22.0 has none; then the tfjs model uses 'linear'
//        and `post` applies the activation with tfjs ops.
// gap:   what differs in tfjs (goes to case.json's note and the README).
const ACTIVATIONS = [
  { keras: 'linear', tfjs: 'linear' },
  { keras: 'relu', tfjs: 'relu' },
  { keras: 'sigmoid', tfjs: 'sigmoid' },
  { keras: 'tanh', tfjs: 'tanh' },
  { keras: 'softmax', tfjs: 'softmax' },
  { keras: 'elu', tfjs: 'elu' },
  { keras: 'selu', tfjs: 'selu' },
  { keras: 'softplus', tfjs: 'softplus' },
  { keras: 'softsign', tfjs: 'softsign' },
  {
    keras: 'hard_sigmoid', tfjs: 'hardSigmoid',
    gap: "tfjs names it 'hardSigmoid' (serialized as 'hard_sigmoid'); it computes the Keras 2 form " +
      'clip(0.2*x + 0.5, 0, 1) (Keras 3 changed to relu6(x + 3) / 6, which is NOT the target).',
  },
  {
    keras: 'exponential', tfjs: null,
    post: { expr: 'tf.exp(y)', fn: (y) => tf.exp(y) },
  },
  { keras: 'swish', tfjs: 'swish' },
  {
    keras: 'silu', tfjs: 'swish',
    gap: "tfjs 4.22.0 has no 'silu' alias; the tfjs model uses 'swish' (x * sigmoid(x)), the same " +
      "function, so model.json says 'swish'.",
  },
  {
    keras: 'gelu', tfjs: 'gelu',
    gap: "tfjs 4.22.0's 'gelu' is the exact erf form 0.5*x*(1 + erf(x/sqrt(2))) (Keras approximate=False); " +
      "its CPU erf is the Abramowitz-Stegun 7.1.26 approximation (|error| <= 1.5e-7), far inside the tolerance. " +
      "(tfjs's tanh approximation is a separate activation, 'gelu_new'.)",
  },
  { keras: 'relu6', tfjs: 'relu6' },
  {
    keras: 'leaky_relu', tfjs: null,
    post: { expr: 'tf.leakyRelu(y, 0.2)', fn: (y) => tf.leakyRelu(y, 0.2) },
    gap: 'tfjs only has a LeakyReLU layer (default alpha 0.3); the Keras leaky_relu activation has ' +
      'negative slope 0.2.',
  },
  {
    keras: 'log_softmax', tfjs: 'logSoftmax',
    gap: "tfjs 4.22.0 registers it as 'logSoftmax' (serialized as 'log_softmax') although its typings " +
      'do not list it; computed over the last axis as x - max - log(sum(exp(x - max))).',
  },
  { keras: 'mish', tfjs: 'mish' },
];

// The activation cases need pre-activations on both sides of every kink or
// clip point: below -2.5 and above +6 (hard_sigmoid clips at +-2.5, relu6 at
// 0 and 6), and some inside (-2.5, 2.5).
const ACT_COVERAGE = (z) => z.some((v) => v < -3) && z.some((v) => v > 6.5) &&
  z.some((v) => v > -2 && v < 0) && z.some((v) => v > 0 && v < 2);

for (const act of ACTIVATIONS) {
  const tfjsAct = act.tfjs ?? 'linear';
  const how = (where) => (act.post
    ? `tfjs 4.22.0 has no '${act.keras}' activation: in the tfjs model ${where} is 'linear' and ` +
      `out0 = ${act.post.expr}, y = the tfjs model output (computed with tfjs ops). `
    : '');
  const common = {
    inputRange: [-4, 4],
    kernelRange: [-1.5, 1.5],
    biasRange: [-1, 1],
    coverage: ACT_COVERAGE,
    post: act.post ? { keras: act.keras, ...act.post } : undefined,
  };
  CASES.push({
    name: `act_${act.keras}`,
    ...common,
    kiln: `from keras.models import Sequential
from keras.layers import Dense

model = Sequential()
model.add(Dense(7, input_dim=5, activation='${act.keras}'))
`,
    build() {
      const model = tf.sequential({ name: 'sequential' });
      model.add(Dense({ units: 7, inputDim: 5, activation: tfjsAct, name: 'dense' }));
      return model;
    },
    note: `Dense activation='${act.keras}'. ${how("Dense 'dense'")}${act.gap ?? ''}`,
  });
  CASES.push({
    name: `actlayer_${act.keras}`,
    ...common,
    kiln: `from keras.models import Sequential
from keras.layers import Dense, Activation

model = Sequential()
model.add(Dense(7, input_dim=5))
model.add(Activation('${act.keras}'))
`,
    build() {
      const model = tf.sequential({ name: 'sequential' });
      model.add(Dense({ units: 7, inputDim: 5, name: 'dense' }));
      model.add(Activation({ activation: tfjsAct, name: 'activation' }));
      return model;
    },
    note: `Standalone Activation('${act.keras}') after a linear Dense. ${how("Activation 'activation'")}${act.gap ?? ''}`,
  });
}

// ---------------------------------------------------------------------------
// Independent float64 cross-check. Recomputes every case in plain JS doubles
// from the same float32 weights and inputs, with the Keras 2 definitions of
// the activations, and requires tfjs's output to agree within a fraction of
// the case's tolerance. This guards against tfjs computing something other
// than Keras (it is not what gets written: the goldens are tfjs's outputs).
// ---------------------------------------------------------------------------

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
// Activations over the last axis.
const ROWWISE64 = {
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

/** x: {shape, data: Float64Array}; activation applied over the last axis. */
function activate64(name, x) {
  name = toSnake(name);
  const out = new Float64Array(x.data.length);
  if (ELEMENTWISE64[name]) {
    for (let i = 0; i < out.length; i++) out[i] = ELEMENTWISE64[name](x.data[i]);
  } else if (ROWWISE64[name]) {
    const n = x.shape[x.shape.length - 1];
    for (let r = 0; r < out.length; r += n) {
      out.set(ROWWISE64[name](Array.from(x.data.subarray(r, r + n))), r);
    }
  } else {
    throw new Error(`float64 cross-check: no reference for activation '${name}'`);
  }
  return { shape: x.shape, data: out };
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

/**
 * Runs a chain model (every case here is a chain) in float64.
 * Returns the output and the first Dense's pre-activation values.
 */
function forward64(model, weightsByLayer, input, post) {
  let x = input;
  let firstPre = null;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig();
    if (cls === 'InputLayer' || cls === 'Dropout') continue;
    if (cls === 'Dense') {
      const w = weightsByLayer.get(layer.name);
      x = dense64(x, w.kernel, cfg.useBias ? w.bias : null, cfg.units);
      if (!firstPre) firstPre = Array.from(x.data);
      x = activate64(cfg.activation, x);
    } else if (cls === 'Activation') {
      x = activate64(cfg.activation, x);
    } else {
      throw new Error(`float64 cross-check: unsupported layer class ${cls}`);
    }
  }
  if (post) x = activate64(post.keras, x);
  return { out: x, firstPre };
}

// ---------------------------------------------------------------------------
// File writers
// ---------------------------------------------------------------------------

/** .npy v1.0, little-endian float32, C order. */
function npyFloat32(shape, data) {
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // magic(6) + version(2) + header length(2) + header, padded with spaces and
  // terminated by '\n' so that the data starts at a multiple of 64 bytes.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header + ' '.repeat(total - 10 - header.length - 1) + '\n';
  const buf = Buffer.alloc(total + data.length * 4);
  buf.write('\x93NUMPY', 0, 'latin1');
  buf[6] = 1;
  buf[7] = 0;
  buf.writeUInt16LE(header.length, 8);
  buf.write(header, 10, 'latin1');
  for (let i = 0; i < data.length; i++) buf.writeFloatLE(data[i], total + 4 * i);
  return buf;
}

function concatWeightData(weightData) {
  const parts = Array.isArray(weightData) ? weightData : [weightData];
  return Buffer.concat(parts.map((ab) => Buffer.from(ab)));
}

async function saveArtifacts(model) {
  let artifacts = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
  }));
  return artifacts;
}

const json = (obj) => JSON.stringify(obj, null, 2) + '\n';

// ---------------------------------------------------------------------------
// Case generation
// ---------------------------------------------------------------------------

/** Returns Map(fileName -> Buffer) for one case, plus a summary line. */
async function generateCase(c) {
  const batch = c.batch ?? 3;
  const [inLo, inHi] = c.inputRange ?? [-2, 2];
  const [bLo, bHi] = c.biasRange ?? [-0.5, 0.5];
  const atol = c.atol ?? 1e-5;
  const rtol = c.rtol ?? 1e-5;

  const model = c.build();
  try {
    // Seeded weights and inputs; with a coverage predicate, advance the seed
    // deterministically until it holds.
    let attempt = 0;
    let weightsByLayer, inputs, ref;
    for (;; attempt++) {
      if (attempt > 1000) throw new Error(`${c.name}: no seed satisfies the coverage predicate`);
      const rng = mulberry32((fnv1a(c.name) + attempt) >>> 0);
      weightsByLayer = new Map();
      for (const layer of model.layers) {
        if (layer.weights.length === 0) continue;
        const vals = layer.weights.map((w) => {
          const n = w.shape.reduce((a, b) => a * b, 1);
          const wname = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
          if (wname === 'kernel') {
            const lim = Math.sqrt(6 / (w.shape[0] + w.shape[1]));
            const [lo, hi] = c.kernelRange ?? [-lim, lim];
            return { wname, data: uniform(rng, n, lo, hi), shape: w.shape };
          }
          if (wname === 'bias') return { wname, data: uniform(rng, n, bLo, bHi), shape: w.shape };
          throw new Error(`${c.name}: unexpected weight ${w.originalName}`);
        });
        weightsByLayer.set(layer.name, Object.fromEntries(vals.map((v) => [v.wname, v.data])));
        const ts = vals.map((v) => tf.tensor(v.data, v.shape, 'float32'));
        layer.setWeights(ts);
        tf.dispose(ts);
      }
      inputs = model.inputs.map((sym) => {
        const shape = [batch, ...sym.shape.slice(1)];
        return { shape, data: uniform(rng, shape.reduce((a, b) => a * b, 1), inLo, inHi) };
      });
      if (inputs.length !== 1) throw new Error('float64 cross-check supports single-input chains only');
      ref = forward64(model, weightsByLayer, { shape: inputs[0].shape, data: Float64Array.from(inputs[0].data) }, c.post);
      if (!c.coverage || c.coverage(ref.firstPre)) break;
    }

    // tfjs forward pass.
    const outputs = tf.tidy(() => {
      const xs = inputs.map((i) => tf.tensor(i.data, i.shape, 'float32'));
      let ys = model.predict(xs.length === 1 ? xs[0] : xs);
      ys = Array.isArray(ys) ? ys : [ys];
      if (c.post) ys = ys.map((y) => c.post.fn(y));
      return ys;
    });
    const outs = [];
    for (const y of outputs) outs.push({ shape: y.shape, data: await y.data() });
    tf.dispose(outputs);

    // Cross-check tfjs against the float64 reference.
    const out = outs[0];
    if (outs.length !== 1 || out.data.length !== ref.out.data.length ||
        out.shape.join() !== ref.out.shape.join()) {
      throw new Error(`${c.name}: output shape ${out.shape} vs float64 reference ${ref.out.shape}`);
    }
    let worst = 0;
    for (let i = 0; i < out.data.length; i++) {
      const e = ref.out.data[i];
      if (!Number.isFinite(out.data[i])) throw new Error(`${c.name}: non-finite output`);
      worst = Math.max(worst, Math.abs(out.data[i] - e) / (atol + rtol * Math.abs(e)));
    }
    if (worst > 0.1) {
      throw new Error(`${c.name}: tfjs differs from the float64 reference by ${worst.toFixed(3)} x tolerance`);
    }

    // Files.
    const art = await saveArtifacts(model);
    const modelJson = {
      format: art.format,
      generatedBy: art.generatedBy,
      convertedBy: art.convertedBy ?? null,
      modelTopology: art.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }],
    };
    const files = new Map();
    files.set('model.kiln', Buffer.from(c.kiln));
    files.set('model.json', Buffer.from(json(modelJson)));
    files.set('weights.bin', concatWeightData(art.weightData));
    inputs.forEach((t, i) => files.set(`in${i}.npy`, npyFloat32(t.shape, t.data)));
    outs.forEach((t, i) => files.set(`out${i}.npy`, npyFloat32(t.shape, t.data)));
    files.set('case.json', Buffer.from(json({ atol, rtol, note: c.note.trim() })));

    const pre = ref.firstPre;
    const summary = `in ${inputs.map((t) => `[${t.shape}]`).join(' ')} -> out ${outs.map((t) => `[${t.shape}]`).join(' ')}` +
      `, ${art.weightSpecs.length} weights, seed+${attempt}` +
      (c.coverage ? `, pre-activation range [${Math.min(...pre).toFixed(2)}, ${Math.max(...pre).toFixed(2)}]` : '') +
      `, tfjs vs float64: ${worst.toExponential(2)} x tol`;
    return { files, summary };
  } finally {
    model.dispose();
  }
}

function selectCases(args) {
  if (args.length === 0) return CASES;
  const picked = [];
  for (const a of args) {
    const re = new RegExp('^' + a.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
    const hits = CASES.filter((c) => re.test(c.name));
    if (hits.length === 0) {
      console.error(`unknown case '${a}' (use --list)`);
      process.exit(2);
    }
    for (const h of hits) if (!picked.includes(h)) picked.push(h);
  }
  return picked;
}

async function main() {
  const argv = process.argv.slice(2);
  const check = argv.includes('--check');
  if (argv.includes('--list')) {
    for (const c of CASES) console.log(c.name);
    return;
  }
  const unknownOpt = argv.find((a) => a.startsWith('--') && a !== '--check');
  if (unknownOpt) {
    console.error(`unknown option ${unknownOpt}`);
    process.exit(2);
  }
  const names = new Set();
  for (const c of CASES) {
    if (names.has(c.name)) throw new Error(`duplicate case ${c.name}`);
    names.add(c.name);
  }
  const selected = selectCases(argv.filter((a) => !a.startsWith('--')));

  await tf.setBackend('cpu');
  await tf.ready();
  tf.backend().firstUse = false; // silence the "install tfjs-node" banner

  let failures = 0;
  for (const c of selected) {
    const { files, summary } = await generateCase(c);
    const dir = join(OUT_ROOT, c.name);
    if (check) {
      const problems = [];
      for (const [f, bytes] of files) {
        const p = join(dir, f);
        if (!existsSync(p)) problems.push(`missing ${f}`);
        else if (!readFileSync(p).equals(bytes)) problems.push(`differs ${f}`);
      }
      if (existsSync(dir)) {
        for (const f of readdirSync(dir)) if (!files.has(f)) problems.push(`extra ${f}`);
      }
      if (problems.length) {
        failures++;
        console.log(`FAIL ${c.name}: ${problems.join(', ')}`);
      } else {
        console.log(`ok   ${c.name}`);
      }
    } else {
      mkdirSync(dir, { recursive: true });
      // The case folder belongs to the generator: drop files it no longer makes.
      for (const f of readdirSync(dir)) {
        if (!files.has(f) && statSync(join(dir, f)).isFile()) rmSync(join(dir, f));
      }
      for (const [f, bytes] of files) writeFileSync(join(dir, f), bytes);
      console.log(`${c.name}: ${summary}`);
    }
  }
  if (check) {
    console.log(`${selected.length - failures} passed, ${failures} failed`);
    if (failures) process.exit(1);
  } else {
    console.log(`wrote ${selected.length} case(s) to ${OUT_ROOT}`);
  }
}

await main();
