// Kiln's seeded weight initialization (`kilnc build --init-weights SEED`),
// reproduced bit for bit: compiler/weights/Binding.cpp, `Random`, `draw` and
// `initializeWeights`.
//
//   state = SEED (uint64); next(): state += 0x9e3779b97f4a7c15; z = state;
//   z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9; z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
//   return z ^ (z >> 31)                                  (all mod 2^64: splitmix64)
//   uniform() = double(next() >> 11) * 2^-53              (in [0, 1))
//
// Layers in model.layers order (nested models expanded, shared layers once),
// each weight in declaration order (kernel, then bias). glorot_uniform:
// receptive = product of all axes but the last two, fan_in = shape[-2] *
// receptive, fan_out = shape[-1] * receptive; variance = 2 / max(1, fan_in +
// fan_out); value = float32((uniform() * 2 - 1) * sqrt(3 * variance)), in
// row-major order of the Keras shape. 'zeros' and 'ones' draw no numbers.
//
// Two implementations of splitmix64: `SplitMix64Big` (BigInt, the plain
// transcription, ~0.5 us per draw) and `SplitMix64` (exact 64-bit arithmetic
// on 32-bit halves, ~50x faster, used for the bulk). Because splitmix64 is
// counter based (draw i depends only on SEED + (i + 1) * golden), `drawAt`
// computes any single draw directly with BigInt; `initWeights` checks the fast
// generator against it at the first 4096 draws and then every 65521st one, and
// at the last draw, so the fast path cannot silently diverge.

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;
const M1 = 0xbf58476d1ce4e5b9n;
const M2 = 0x94d049bb133111ebn;
const TWO_M53 = 2 ** -53;

function mix64(z) {
  z = ((z ^ (z >> 30n)) * M1) & MASK64;
  z = ((z ^ (z >> 27n)) * M2) & MASK64;
  return z ^ (z >> 31n);
}

/** The i-th (0-based) output of splitmix64 seeded with `seed`, as a BigInt. */
export function drawAt(seed, i) {
  return mix64((BigInt.asUintN(64, BigInt(seed)) + BigInt(i + 1) * GOLDEN) & MASK64);
}

/** splitmix64 with BigInt arithmetic: the reference transcription. */
export class SplitMix64Big {
  constructor(seed) { this.state = BigInt.asUintN(64, BigInt(seed)); }
  next() {
    this.state = (this.state + GOLDEN) & MASK64;
    return mix64(this.state);
  }
  uniform() { return Number(this.next() >> 11n) * TWO_M53; }
}

// High 32 bits of the 64-bit product of two uint32 (16-bit pieces; every
// intermediate is an integer below 2^32).
function mulHi32(a, b) {
  const a0 = a & 0xffff; const a1 = a >>> 16;
  const b0 = b & 0xffff; const b1 = b >>> 16;
  const p01 = a0 * b1; const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
}

/** splitmix64 on 32-bit halves (exact); `uniform()` equals SplitMix64Big's. */
export class SplitMix64 {
  constructor(seed) {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.hi = Number(s >> 32n) >>> 0;
    this.lo = Number(s & 0xffffffffn) >>> 0;
    this.count = 0; // draws so far
    this.zHi = 0; // the last next(), as two uint32 halves
    this.zLo = 0;
  }
  /** Advances; the output is left in (zHi, zLo). */
  next() {
    // state += golden (0x9e3779b9_7f4a7c15)
    const sum = this.lo + 0x7f4a7c15;
    this.lo = sum >>> 0;
    this.hi = (this.hi + 0x9e3779b9 + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    this.count++;
    let hi = this.hi; let lo = this.lo; let h;
    // z = (z ^ (z >> 30)) * 0xbf58476d_1ce4e5b9 (mod 2^64)
    lo = (lo ^ ((lo >>> 30) | (hi << 2))) >>> 0; hi = (hi ^ (hi >>> 30)) >>> 0;
    h = (mulHi32(lo, 0x1ce4e5b9) + Math.imul(hi, 0x1ce4e5b9) + Math.imul(lo, 0xbf58476d)) >>> 0;
    lo = Math.imul(lo, 0x1ce4e5b9) >>> 0; hi = h;
    // z = (z ^ (z >> 27)) * 0x94d049bb_133111eb
    lo = (lo ^ ((lo >>> 27) | (hi << 5))) >>> 0; hi = (hi ^ (hi >>> 27)) >>> 0;
    h = (mulHi32(lo, 0x133111eb) + Math.imul(hi, 0x133111eb) + Math.imul(lo, 0x94d049bb)) >>> 0;
    lo = Math.imul(lo, 0x133111eb) >>> 0; hi = h;
    // z ^ (z >> 31)
    this.zLo = (lo ^ ((lo >>> 31) | (hi << 1))) >>> 0;
    this.zHi = (hi ^ (hi >>> 31)) >>> 0;
  }
  uniform() {
    this.next();
    return (this.zHi * 2097152 + (this.zLo >>> 11)) * TWO_M53; // (z >> 11) < 2^53: exact
  }
}

/** Binding.cpp's fan computation for a weight of the given (Keras) shape. */
export function fans(shape) {
  let receptive = 1;
  for (let i = 0; i + 2 < shape.length; i++) receptive *= shape[i];
  const fanIn = shape.length >= 2 ? shape[shape.length - 2] * receptive : shape.length === 0 ? 1 : shape[0];
  const fanOut = shape.length >= 2 ? shape[shape.length - 1] * receptive : fanIn;
  return { fanIn, fanOut };
}

/** Keras default initializer of a weight, by weight name (what Kiln falls back to). */
export function defaultInitializer(weightName) {
  if (/(^|_)kernel$/.test(weightName)) return 'glorot_uniform'; // kernel, depthwise_kernel, pointwise_kernel
  if (weightName === 'gamma' || weightName === 'moving_variance') return 'ones';
  if (weightName === 'bias' || weightName === 'beta' || weightName === 'moving_mean') return 'zeros';
  throw new Error(`init_weights: no default initializer known for weight '${weightName}'`);
}

function verify(rng, seed) {
  if (rng.count === 0) return;
  const i = rng.count - 1;
  const want = drawAt(seed, i);
  if ((BigInt(rng.zHi) << 32n | BigInt(rng.zLo)) !== want) {
    throw new Error(`init_weights: fast splitmix64 differs from the BigInt one at draw ${i}`);
  }
}

/** Values of one weight drawn the way Binding.cpp's `draw` does. */
export function drawWeight(init, shape, rng, seed) {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (init === 'zeros') return out;
  if (init === 'ones') return out.fill(1);
  if (init !== 'glorot_uniform') throw new Error(`init_weights: initializer ${init} not reproduced`);
  const { fanIn, fanOut } = fans(shape);
  const variance = 2 / Math.max(1, fanIn + fanOut);
  const limit = Math.sqrt(3 * variance);
  for (let k = 0; k < n; k++) {
    out[k] = Math.fround((rng.uniform() * 2 - 1) * limit);
    if (rng.count <= 4096 || rng.count % 65521 === 0) verify(rng, seed);
  }
  verify(rng, seed);
  return out;
}

/**
 * Kiln's --init-weights SEED for a tfjs model: Map(LayerVariable -> Float32Array)
 * over the weighted layers in model.layers order (nested models expanded in
 * place, shared layers once), weights in declaration order. Also returns the
 * number of draws.
 */
export function initWeights(model, seed) {
  const rng = new SplitMix64(seed);
  const W = new Map();
  const seen = new Set();
  const visit = (m) => {
    for (const layer of m.layers) {
      if (seen.has(layer)) continue;
      seen.add(layer);
      if (layer.layers) { visit(layer); continue; }
      for (const w of layer.weights) {
        const wname = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
        W.set(w, drawWeight(defaultInitializer(wname), w.shape, rng, seed));
      }
    }
  };
  visit(model);
  return { W, draws: rng.count };
}
