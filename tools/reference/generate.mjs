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
//
// The cases live in cases/*.mjs, one file per layer family; the shared
// helpers in lib/common.mjs (PRNG, tfjs layer wrappers, .npy writer, saving)
// and lib/float64.mjs (the float64 cross-check).

import { mkdirSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  tf, fnv1a, mulberry32, uniform, npyFloat32, concatWeightData, saveArtifacts, json,
} from './lib/common.mjs';
import { forward64, activate64 } from './lib/float64.mjs';
import { CASES as CORE } from './cases/core.mjs';
import { CASES as MERGE } from './cases/merge.mjs';
import { CASES as CONCAT_DOT } from './cases/concat_dot.mjs';
import { CASES as RESHAPE } from './cases/reshape.mjs';
import { CASES as ACTIVATION_LAYERS } from './cases/activation_layers.mjs';
import { CASES as MODELS } from './cases/models.mjs';
import { CASES as CONV } from './cases/conv.mjs';
import { CASES as CONV_SEPARABLE } from './cases/conv_separable.mjs';
import { CASES as POOLING } from './cases/pooling.mjs';
import { CASES as SPATIAL } from './cases/spatial.mjs';
import { CASES as NORMALIZATION } from './cases/normalization.mjs';
import { CASES as IMAGE_MODELS } from './cases/image_models.mjs';
import { CASES as RECURRENT } from './cases/recurrent.mjs';
import { CASES as SEQUENCE } from './cases/sequence.mjs';
import { CASES as ATTENTION } from './cases/attention.mjs';
import { CASES as TEXT_MODELS } from './cases/text_models.mjs';
import { fans, initWeights } from './lib/init_weights.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT_ROOT = resolve(HERE, '..', '..', 'tests', 'numerics');

// ---------------------------------------------------------------------------
// Cases. Each holds the Kiln source (`kiln`) next to the tfjs builder of the
// same model (`build`, returning the tfjs model), so the two are reviewed
// side by side.
//
// Optional fields:
//   batch        batch size (default 3)
//   inputRange   [lo, hi] for the inputs (default [-2, 2])
//   kernelRange  [lo, hi] for every kernel (default glorot-uniform limit
//                sqrt(6 / (fan_in + fan_out)) per layer)
//   biasRange    [lo, hi] for every bias (default [-0.5, 0.5])
//   alphaRange   [lo, hi] for every PReLU alpha (default [-0.25, 0.75])
//   post         what tfjs lacks, applied to the tfjs model outputs with tfjs
//                ops: either { keras, expr, fn } (one Keras activation;
//                out = fn(y) for the single output y) or { fn, f64 }
//                (fn: tfjs outputs -> golden outputs, f64: the same in float64
//                on { shape, data } tensors, for the cross-check)
//   coverage     predicate (firstPre, ref) on the float64 pre-activation values
//                of the first Dense (ref.pre: of every Dense, by name); the
//                seed is advanced until it holds (deterministically)
//   atol, rtol   comparison tolerance (default 1e-5, 1e-5)
//   note         free text for case.json
//   bnRanges     { gamma, beta, moving_mean, moving_variance }: [lo, hi] for the
//                BatchNormalization / LayerNormalization weights of that name
//                (defaults in BN_RANGES; moving_variance must stay positive)
//   initWeights  SEED: no model.json / weights.bin; the weights are Kiln's
//                `--init-weights SEED` draw (lib/init_weights.mjs), reproduced
//                bit for bit, and case.json gets "init_weights": SEED
// ---------------------------------------------------------------------------

const CASES = [...CORE, ...MERGE, ...CONCAT_DOT, ...RESHAPE, ...ACTIVATION_LAYERS, ...MODELS,
  ...CONV, ...CONV_SEPARABLE, ...POOLING, ...SPATIAL, ...NORMALIZATION, ...IMAGE_MODELS,
  ...RECURRENT, ...SEQUENCE, ...ATTENTION, ...TEXT_MODELS];

/** Default ranges of the normalization weights (gamma of both signs, positive variance). */
const BN_RANGES = { gamma: [-1.5, 1.5], beta: [-0.5, 0.5], moving_mean: [-0.5, 0.5], moving_variance: [0.25, 2] };

/** The case's post-processing as { fn(ys), f64(ys) } over lists of outputs. */
function postOf(c) {
  if (!c.post) return null;
  if (c.post.keras) {
    return { fn: (ys) => ys.map(c.post.fn), f64: (ys) => ys.map((y) => activate64(c.post.keras, y)) };
  }
  return c.post;
}

/** Seeded values for one weight variable. */
function weightValues(c, rng, w) {
  const n = w.shape.reduce((a, b) => a * b, 1);
  const wname = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
  if (wname === 'kernel' || wname === 'depthwise_kernel' || wname === 'pointwise_kernel') {
    // Glorot-uniform limit with Keras's fans (for a Dense kernel [in, out]:
    // sqrt(6 / (in + out)); for a conv kernel the receptive field multiplies both).
    const { fanIn, fanOut } = fans(w.shape);
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    const [lo, hi] = c.kernelRange ?? [-lim, lim];
    return uniform(rng, n, lo, hi);
  }
  const [bLo, bHi] = c.biasRange ?? [-0.5, 0.5];
  if (wname === 'bias') return uniform(rng, n, bLo, bHi);
  if (BN_RANGES[wname]) {
    const [lo, hi] = c.bnRanges?.[wname] ?? BN_RANGES[wname];
    return uniform(rng, n, lo, hi);
  }
  const [aLo, aHi] = c.alphaRange ?? [-0.25, 0.75];
  if (wname === 'alpha') return uniform(rng, n, aLo, aHi);
  throw new Error(`${c.name}: unexpected weight ${w.originalName}`);
}

// ---------------------------------------------------------------------------
// Case generation
// ---------------------------------------------------------------------------

const maxAbs = (ts) => ts.reduce((m, t) => t.data.reduce((a, v) => Math.max(a, Math.abs(v)), m), 0);

/** Returns Map(fileName -> Buffer) for one case, plus a summary line. */
async function generateCase(c) {
  // The sequence family (cases/recurrent.mjs, sequence.mjs, attention.mjs,
  // text_models.mjs) has its own pipeline: lib/sequence_case.mjs.
  if (c.generate) return c.generate();
  const batch = c.batch ?? 3;
  const [inLo, inHi] = c.inputRange ?? [-2, 2];
  const atol = c.atol ?? 1e-5;
  const rtol = c.rtol ?? 1e-5;
  const post = postOf(c);

  const started = Date.now();
  const model = c.build();
  try {
    // Seeded weights and inputs; with a coverage predicate, advance the seed
    // deterministically until it holds.
    let attempt = 0;
    let inputs, ref;
    for (;; attempt++) {
      if (attempt > 1000) throw new Error(`${c.name}: no seed satisfies the coverage predicate`);
      const rng = mulberry32((fnv1a(c.name) + attempt) >>> 0);
      // tfjs LayerVariable -> float32 values: Kiln's --init-weights draw, or
      // this generator's own seeded weights.
      const W = c.initWeights != null ? initWeights(model, c.initWeights).W : new Map();
      for (const layer of model.layers) {
        if (layer.weights.length === 0) continue;
        const ts = layer.weights.map((w) => {
          if (c.initWeights == null) W.set(w, weightValues(c, rng, w));
          return tf.tensor(W.get(w), w.shape, 'float32');
        });
        layer.setWeights(ts);
        tf.dispose(ts);
      }
      inputs = model.inputs.map((sym) => {
        const shape = [batch, ...sym.shape.slice(1)];
        return { shape, data: uniform(rng, shape.reduce((a, b) => a * b, 1), inLo, inHi) };
      });
      ref = forward64(model, W, inputs.map((t) => ({ shape: t.shape, data: Float64Array.from(t.data) })));
      if (post) ref.outs = post.f64(ref.outs);
      if (!c.coverage || c.coverage(ref.firstPre, ref)) break;
    }

    // tfjs forward pass.
    const outputs = tf.tidy(() => {
      const xs = inputs.map((i) => tf.tensor(i.data, i.shape, 'float32'));
      let ys = model.predict(xs.length === 1 ? xs[0] : xs);
      ys = Array.isArray(ys) ? ys : [ys];
      return post ? post.fn(ys) : ys;
    });
    const outs = [];
    for (const y of outputs) outs.push({ shape: y.shape, data: await y.data() });
    tf.dispose(outputs);

    // Cross-check tfjs against the float64 reference.
    if (outs.length !== ref.outs.length) {
      throw new Error(`${c.name}: ${outs.length} outputs vs ${ref.outs.length} in the float64 reference`);
    }
    let worst = 0;
    outs.forEach((out, o) => {
      const r = ref.outs[o];
      if (out.data.length !== r.data.length || out.shape.join() !== r.shape.join()) {
        throw new Error(`${c.name}: output ${o} shape ${out.shape} vs float64 reference ${r.shape}`);
      }
      for (let i = 0; i < out.data.length; i++) {
        const e = r.data[i];
        if (!Number.isFinite(out.data[i])) throw new Error(`${c.name}: non-finite output`);
        worst = Math.max(worst, Math.abs(out.data[i] - e) / (atol + rtol * Math.abs(e)));
      }
    });
    if (worst > 0.1) {
      throw new Error(`${c.name}: tfjs differs from the float64 reference by ${worst.toFixed(3)} x tolerance`);
    }

    // Files.
    const files = new Map();
    files.set('model.kiln', Buffer.from(c.kiln));
    let nWeights = model.weights.length;
    if (c.initWeights == null) {
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
    inputs.forEach((t, i) => files.set(`in${i}.npy`, npyFloat32(t.shape, t.data)));
    outs.forEach((t, i) => files.set(`out${i}.npy`, npyFloat32(t.shape, t.data)));
    const caseJson = c.initWeights == null ? { atol, rtol, note: c.note.trim() } :
      { atol, rtol, init_weights: c.initWeights, note: c.note.trim() };
    files.set('case.json', Buffer.from(json(caseJson)));

    const pre = ref.firstPre;
    const summary = `in ${inputs.map((t) => `[${t.shape}]`).join(' ')} -> out ${outs.map((t) => `[${t.shape}]`).join(' ')}` +
      `, ${nWeights} weights${c.initWeights != null ? ` (init_weights ${c.initWeights})` : ''}, seed+${attempt}` +
      (c.coverage && pre ? `, pre-activation range [${Math.min(...pre).toFixed(2)}, ${Math.max(...pre).toFixed(2)}]` : '') +
      `, |out| max ${maxAbs(outs).toExponential(2)}` +
      `, tfjs vs float64: ${worst.toExponential(2)} x tol, ${((Date.now() - started) / 1000).toFixed(1)} s`;
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
    const t0 = Date.now();
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
        const secs = (Date.now() - t0) / 1000;
        console.log(`ok   ${c.name}${secs >= 1 ? ` (${secs.toFixed(1)} s)` : ''}`);
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
