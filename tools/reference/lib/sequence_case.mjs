// Case pipeline of the sequence family (cases/sequence.mjs, recurrent.mjs,
// attention.mjs, text_models.mjs). generate.mjs hands a case that has a
// `generate` method over to it; it produces the same files as the other
// families, with what sequence models need beyond them:
//
// - token-id inputs, written as int32 .npy (`ids(vocab, { pad })`), with
//   padding zeros in fixed patterns (`MASK_PATTERN`) and both 0 and the
//   largest valid id present; float inputs (`floats({ range, padSteps,
//   padValue })`) optionally with whole timesteps set to exactly `padValue`
//   in the same patterns (for Masking);
// - weights of every sequence layer, by weight name (ranges in `RANGES`),
//   written straight into the tfjs variables (LayerVariable.write; tfjs's
//   setWeights splits Bidirectional weights in halves, which is wrong for an
//   explicit backward layer of another shape);
// - the float64 cross-check of lib/float64_sequence.mjs (Keras 2 semantics,
//   masks included): the tfjs result (golden) must be within 0.1 x tolerance;
// - `initWeights: { seed, initializers }`: Kiln's `--init-weights SEED`
//   draw (compiler/weights/Binding.cpp) with the initializer each weight's
//   layer argument names, including Embedding's 'uniform' (U(-0.05, 0.05))
//   and the fallback of names Binding.cpp does not know (LSTM's 'orthogonal'
//   recurrent kernel) to glorot_uniform; no model.json / weights.bin then,
//   and case.json lists the draws ("init_draws": [name, shape, initializer]).
//
// Every case's data depends on its name only (mulberry32 seeded by FNV-1a).

import {
  tf, fnv1a, mulberry32, uniform, npyFloat32, concatWeightData, saveArtifacts, json, py,
} from './common.mjs';
import { forwardSequence64 } from './float64_sequence.mjs';
import { SplitMix64, drawAt, fans } from './init_weights.mjs';

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

/** Token ids in [0, vocab); with `pad`, zeros at the MASK_PATTERN positions only. */
export const ids = (vocab, { pad = false } = {}) => ({ kind: 'ids', vocab, pad });
/** Floats uniform in `range`; with `padSteps`, whole timesteps equal to `padValue` (MASK_PATTERN). */
export const floats = ({ range = [-2, 2], padSteps = false, padValue = 0 } = {}) => ({ kind: 'float', range, padSteps, padValue });

/**
 * Which timesteps are padding (true) for sample b of T steps: b0 none, b1 the
 * last two (post-padding), b2 the first two (pre-padding), b3 step 1 and step
 * T-2 (inside the sequence), b4 the first and the last step, b5.. every
 * third step starting at b % 3. No sample is all padding.
 */
export function isPad(b, t, T) {
  switch (b) {
    case 0: return false;
    case 1: return t >= T - 2;
    case 2: return t < 2;
    case 3: return t === 1 || t === T - 2;
    case 4: return t === 0 || t === T - 1;
    default: return t % 3 === b % 3;
  }
}
export const MASK_PATTERN = 'sample 0: no padding; 1: last two steps; 2: first two steps; 3: steps 1 and T-2; ' +
  '4: first and last step';

/** .npy v1.0, little-endian int32, C order. */
export function npyInt32(shape, data) {
  const buf = npyFloat32(shape, new Float32Array(data.length)); // same header length
  const header = buf.subarray(0, buf.length - data.length * 4).toString('latin1').replace("'<f4'", "'<i4'");
  const out = Buffer.alloc(buf.length);
  out.write(header, 0, 'latin1');
  for (let i = 0; i < data.length; i++) out.writeInt32LE(data[i], header.length + 4 * i);
  return out;
}

function makeInput(spec, shape, rng) {
  const n = shape.reduce((a, b) => a * b, 1);
  const [B, T] = shape;
  const inner = n / (B * T);
  if (spec.kind === 'ids') {
    const V = spec.vocab;
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const b = Math.floor(i / (T * inner));
      const t = Math.floor(i / inner) % T;
      if (spec.pad && isPad(b, t, T)) data[i] = 0;
      else data[i] = spec.pad ? 1 + Math.floor(rng() * (V - 1)) : Math.floor(rng() * V);
    }
    // The largest valid id, and (without padding) id 0, at fixed places.
    data[inner * 2] = V - 1; // sample 0, step 2
    if (!spec.pad) data[n - 1] = 0;
    return { ids: true, shape, data };
  }
  const [lo, hi] = spec.range;
  const data = uniform(rng, n, lo, hi);
  if (spec.padSteps) {
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) if (isPad(b, t, T)) data.fill(spec.padValue, (b * T + t) * inner, (b * T + t + 1) * inner);
    }
    // a step of sample 0 with one feature equal to padValue: not masked (any(x != padValue))
    data[inner * 3] = spec.padValue;
  }
  return { ids: false, shape, data };
}

// ---------------------------------------------------------------------------
// Weights
// ---------------------------------------------------------------------------

/** Ranges by weight name; 'glorot': +-sqrt(6 / (fan_in + fan_out)) with Keras's (and Kiln's) fans. */
const RANGES = {
  embeddings: [-1, 1],
  kernel: 'glorot',
  recurrent_kernel: 'glorot',
  bias: [-0.5, 0.5],
  scale: [0.5, 1.5], // Attention: scalar; AdditiveAttention: (dim,) — see weightValues
  concat_score_weight: [0.5, 1.5],
};

function weightValues(c, rng, w) {
  const n = w.shape.reduce((a, b) => a * b, 1);
  const wname = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
  let range = c.ranges?.[wname] ?? RANGES[wname];
  if (wname === 'scale' && w.shape.length === 1) range = c.ranges?.scale ?? [-1, 1];
  if (range === undefined) throw new Error(`${c.name}: no range for weight ${w.originalName}`);
  if (range === 'glorot') {
    const { fanIn, fanOut } = fans(w.shape);
    const lim = Math.sqrt(6 / (fanIn + fanOut)) * (c.kernelScale ?? 1);
    range = [-lim, lim];
  }
  return uniform(rng, n, range[0], range[1]);
}

/**
 * Binding.cpp's draw(init, shape, rng) for the initializers the sequence
 * cases use: 'zeros'/'ones' draw nothing; 'uniform' / 'random_uniform' is
 * (u * 2 - 1) * 0.05; names it does not list (e.g. 'orthogonal') fall back to
 * glorot_uniform: (u * 2 - 1) * sqrt(3 * 2 / max(1, fan_in + fan_out)).
 */
export function kilnDraw(init, shape, rng, seed) {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (init === 'zeros' || init === 'zero') return out;
  if (init === 'ones' || init === 'one') return out.fill(1);
  let f;
  if (init === 'uniform' || init === 'random_uniform') {
    f = () => (rng.uniform() * 2 - 1) * 0.05;
  } else if (['normal', 'random_normal', 'truncated_normal', 'he_uniform', 'he_normal', 'lecun_uniform',
    'lecun_normal', 'glorot_normal', 'identity'].includes(init)) {
    throw new Error(`kilnDraw: initializer ${init} not reproduced`);
  } else { // glorot_uniform and the fallback
    const { fanIn, fanOut } = fans(shape);
    const limit = Math.sqrt(3 * (2 / Math.max(1, fanIn + fanOut)));
    f = () => (rng.uniform() * 2 - 1) * limit;
  }
  for (let k = 0; k < n; k++) {
    out[k] = Math.fround(f());
    if (k < 64 || rng.count % 65521 === 0) {
      const want = drawAt(seed, rng.count - 1);
      if (((BigInt(rng.zHi) << 32n) | BigInt(rng.zLo)) !== want) throw new Error('kilnDraw: splitmix64 mismatch');
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------

/** tfjs warns on every call of an RNN with unroll=true (it has no effect there): hide that one message. */
function quietUnroll(f) {
  const warn = console.warn;
  console.warn = (...a) => { if (!(typeof a[0] === 'string' && /unroll = true/.test(a[0]))) warn(...a); };
  try { return f(); } finally { console.warn = warn; }
}

export async function generateSequenceCase(c) {
  const batch = c.batch ?? 4;
  const atol = c.atol ?? 1e-5;
  const rtol = c.rtol ?? 1e-5;
  const started = Date.now();
  const model = quietUnroll(() => c.build());
  try {
    const rng = mulberry32(fnv1a(c.name));
    const W = new Map();
    const layers = model.layers.filter((l) => l.weights.length);
    if (c.initWeights) {
      const { seed, initializers } = c.initWeights;
      const krng = new SplitMix64(seed);
      for (const l of layers) {
        for (const w of l.weights) {
          const init = initializers[w.originalName];
          if (!init) throw new Error(`${c.name}: no initializer for ${w.originalName}`);
          W.set(w, kilnDraw(init, w.shape, krng, seed));
        }
      }
    } else {
      for (const l of layers) for (const w of l.weights) W.set(w, weightValues(c, rng, w));
    }
    for (const [w, v] of W) tf.tidy(() => { w.write(tf.tensor(v, w.shape, 'float32')); });

    const specs = c.inputs ?? [];
    const inputs = model.inputs.map((sym, i) => makeInput(specs[i] ?? floats(), [batch, ...sym.shape.slice(1)], rng));
    const ref = forwardSequence64(model, W, inputs);

    const outputs = quietUnroll(() => tf.tidy(() => {
      const xs = model.inputs.map((sym, i) => tf.tensor(inputs[i].data, inputs[i].shape, sym.dtype));
      const ys = model.predict(xs.length === 1 ? xs[0] : xs);
      return Array.isArray(ys) ? ys : [ys];
    }));
    const outs = [];
    for (const y of outputs) outs.push({ shape: y.shape, data: await y.data() });
    tf.dispose(outputs);

    if (outs.length !== ref.length) throw new Error(`${c.name}: ${outs.length} outputs vs ${ref.length} in float64`);
    let worst = 0;
    let maxAbs = 0;
    outs.forEach((out, o) => {
      const r = ref[o];
      if (out.shape.join() !== r.shape.join()) throw new Error(`${c.name}: output ${o} shape ${out.shape} vs float64 ${r.shape}`);
      for (let i = 0; i < out.data.length; i++) {
        if (!Number.isFinite(out.data[i])) throw new Error(`${c.name}: non-finite output`);
        worst = Math.max(worst, Math.abs(out.data[i] - r.data[i]) / (atol + rtol * Math.abs(r.data[i])));
        maxAbs = Math.max(maxAbs, Math.abs(out.data[i]));
      }
    });
    if (worst > 0.1) throw new Error(`${c.name}: tfjs differs from the float64 reference by ${worst.toFixed(3)} x tolerance`);

    const files = new Map();
    files.set('model.kiln', Buffer.from(c.kiln));
    let nWeights = W.size;
    if (!c.initWeights) {
      const art = await saveArtifacts(model);
      const modelJson = {
        format: art.format,
        generatedBy: art.generatedBy,
        convertedBy: art.convertedBy ?? null,
        modelTopology: art.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }],
      };
      files.set('model.json', Buffer.from(json(modelJson)));
      files.set('weights.bin', concatWeightData(art.weightData));
      nWeights = art.weightSpecs.length;
    }
    inputs.forEach((t, i) => files.set(`in${i}.npy`, t.ids ? npyInt32(t.shape, t.data) : npyFloat32(t.shape, t.data)));
    outs.forEach((t, i) => files.set(`out${i}.npy`, npyFloat32(t.shape, t.data)));
    // init_draws: [weight name, shape, initializer] in Kiln's draw order (what check_goldens.py redraws).
    const caseJson = c.initWeights ? {
      atol, rtol, init_weights: c.initWeights.seed, note: c.note.trim(),
      init_draws: [...W.keys()].map((w) => [w.originalName, w.shape, c.initWeights.initializers[w.originalName]]),
    } : { atol, rtol, note: c.note.trim() };
    files.set('case.json', Buffer.from(json(caseJson)));
    const summary = `in ${inputs.map((t) => `[${t.shape}]${t.ids ? 'i32' : ''}`).join(' ')} -> out ${outs.map((t) => `[${t.shape}]`).join(' ')}` +
      `, ${nWeights} weights${c.initWeights ? ` (init_weights ${c.initWeights.seed})` : ''}` +
      `, |out| max ${maxAbs.toExponential(2)}, tfjs vs float64: ${worst.toExponential(2)} x tol` +
      `, ${((Date.now() - started) / 1000).toFixed(1)} s`;
    return { files, summary };
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------
// Case builders
// ---------------------------------------------------------------------------

/** A case of this family: `generate` is what generate.mjs calls. */
export function seqCase(c) {
  return { ...c, generate() { return generateSequenceCase(c); } };
}

/** Keras 2's generic_utils.to_snake_case. */
export function toSnake(name) {
  return name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Layer classes constructed by a Keras expression, in construction (post-)order: 'Bidirectional(LSTM(4))' -> [LSTM, Bidirectional]. */
export function constructed(src) {
  const out = [];
  const stack = [];
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (ch === "'" || ch === '"') { i = src.indexOf(ch, i + 1); continue; }
    if (ch === '(') {
      const m = /([A-Za-z_][A-Za-z0-9_]*)$/.exec(src.slice(0, i));
      stack.push(m && /^[A-Z]/.test(m[1]) ? m[1] : null);
    } else if (ch === ')') {
      const cls = stack.pop();
      if (cls) out.push(cls);
    }
  }
  return out;
}

/** Keras default names, counting per name across a file (0-based: lstm, lstm_1, ...). */
export function namer() {
  const counts = new Map();
  return (cls) => {
    const base = toSnake(cls);
    const k = counts.get(base) ?? 0;
    counts.set(base, k + 1);
    return k ? `${base}_${k}` : base;
  };
}

/** One layer: Keras text, tfjs factory taking the Keras names of the layers the text constructs (construction order). */
export const L = (keras, tf) => ({ keras, tf });

const importLine = (mod, names) => `from ${mod} import ${[...new Set(names)].join(', ')}\n`;

/**
 * A single-chain model. Functional (default): `inputs = Input(shape=..., [dtype])`,
 * `x = Layer(...)(x)` per layer, `model = Model(inputs=inputs, outputs=x)`,
 * input 'input_1'. With `sequential`, `model = Sequential()` and
 * `model.add(...)`; the first layer's Keras text and tfjs factory carry the
 * input shape themselves (input_shape / input_dim / input_length).
 */
export function chain({ name, input, dtype, layers, sequential = false, ...rest }) {
  const next = namer();
  const names = layers.map((l) => constructed(l.keras).map(next));
  const classes = layers.flatMap((l) => constructed(l.keras));
  let kiln;
  if (sequential) {
    kiln = importLine('keras.models', ['Sequential']) + importLine('keras.layers', classes) + '\n' +
      'model = Sequential()\n' + layers.map((l) => `model.add(${l.keras})\n`).join('');
  } else {
    const dt = dtype ? `, dtype='${dtype}'` : '';
    kiln = importLine('keras.models', ['Model']) + importLine('keras.layers', ['Input', ...classes]) + '\n' +
      `inputs = Input(shape=${py(input)}${dt})\n` +
      layers.map((l, i) => `x = ${l.keras}(${i === 0 ? 'inputs' : 'x'})\n`).join('') +
      'model = Model(inputs=inputs, outputs=x)\n';
  }
  return seqCase({
    name,
    ...rest,
    kiln,
    build() {
      if (sequential) {
        const model = tf.sequential({ name: 'sequential' });
        layers.forEach((l, i) => model.add(l.tf(names[i])));
        return model;
      }
      const inputs = tf.input({ shape: input, dtype: dtype ?? 'float32', name: 'input_1' });
      let x = inputs;
      layers.forEach((l, i) => { x = l.tf(names[i]).apply(x); });
      return tf.model({ inputs, outputs: x, name: 'model' });
    },
  });
}
