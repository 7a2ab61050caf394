// Shared helpers of the reference generator: seeded randomness, tfjs layer
// wrappers with Keras 2 defaults, the .npy writer and model saving.

import * as tf from '@tensorflow/tfjs';

export { tf };

// ---------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------

/** FNV-1a 32-bit hash of a string: the per-case seed. */
export function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: a tiny 32-bit PRNG; returns doubles in [0, 1). */
export function mulberry32(seed) {
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
export function uniform(rng, n, lo, hi) {
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
export const Dense = (cfg) => tf.layers.dense({ ...ZERO_INIT, ...cfg });
export const Activation = (cfg) => tf.layers.activation(cfg);
export const Dropout = (cfg) => tf.layers.dropout(cfg);
export const Input = (cfg) => tf.input(cfg);
export const Model = (cfg) => tf.model(cfg);
export const Sequential = (cfg) => tf.sequential(cfg);

// Merging layers (tfjs has no Subtract: see cases/merge.mjs).
export const Add = (cfg) => tf.layers.add(cfg);
export const Multiply = (cfg) => tf.layers.multiply(cfg);
export const Average = (cfg) => tf.layers.average(cfg);
export const Maximum = (cfg) => tf.layers.maximum(cfg);
export const Minimum = (cfg) => tf.layers.minimum(cfg);
export const Concatenate = (cfg) => tf.layers.concatenate(cfg);
export const Dot = (cfg) => tf.layers.dot(cfg);

// Reshaping layers.
export const Reshape = (cfg) => tf.layers.reshape(cfg);
export const Flatten = (cfg) => tf.layers.flatten(cfg);
export const Permute = (cfg) => tf.layers.permute(cfg);
export const RepeatVector = (cfg) => tf.layers.repeatVector(cfg);

// Activation layers. tfjs's ReLU only has maxValue, its ELU only alpha=1 and
// its softmax only works along the last axis (see cases/activation_layers.mjs);
// its LeakyReLU default alpha is 0.3 like Keras 2's. tfjs's Softmax layer
// defaults to axis=1, Keras's to axis=-1, so the wrapper passes Keras's default.
export const ReLU = (cfg) => tf.layers.reLU(cfg);
export const LeakyReLU = (cfg) => tf.layers.leakyReLU(cfg);
export const PReLU = (cfg) => tf.layers.prelu({ alphaInitializer: 'zeros', ...cfg });
export const ELU = (cfg) => tf.layers.elu(cfg);
export const ThresholdedReLU = (cfg) => tf.layers.thresholdedReLU(cfg);
export const Softmax = (cfg) => tf.layers.softmax({ axis: -1, ...cfg });

/** A Keras shape tuple as Python source: [5] -> '(5,)', [3, 4] -> '(3, 4)'. */
export const py = (shape) => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`);

// ---------------------------------------------------------------------------
// File writers
// ---------------------------------------------------------------------------

/** .npy v1.0, little-endian float32, C order. */
export function npyFloat32(shape, data) {
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

export function concatWeightData(weightData) {
  const parts = Array.isArray(weightData) ? weightData : [weightData];
  return Buffer.concat(parts.map((ab) => Buffer.from(ab)));
}

export async function saveArtifacts(model) {
  let artifacts = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
  }));
  return artifacts;
}

export const json = (obj) => JSON.stringify(obj, null, 2) + '\n';

// ---------------------------------------------------------------------------
// Multi-input builder shared by the merge, concatenate and dot cases
// ---------------------------------------------------------------------------

const IN_VARS = ['a', 'b', 'c'];
const BRANCH_VARS = ['x', 'y', 'z'];

/**
 * A functional model whose inputs a, b, c (shapes `branches[i].shape`) each
 * go through their own Dense(branches[i].units) into x, y, z, which are
 * combined by `kilnOut` (Python lines defining `out`; `outputs` names the
 * model outputs) in model.kiln and by `tfOut([x, y, z], [a, b, c])` in the
 * tfjs model. Names: input_1.., dense, dense_1.., model.
 */
export function branchCase({ imports, branches, kilnOut, tfOut, outputs = 'out', ...rest }) {
  const kilnBranches = branches.map((b, i) => `${IN_VARS[i]} = Input(shape=${py(b.shape)})\n`).join('') +
    branches.map((b, i) => {
      const act = b.activation ? `, activation='${b.activation}'` : '';
      return `${BRANCH_VARS[i]} = Dense(${b.units}${act})(${IN_VARS[i]})\n`;
    }).join('');
  const inList = `[${IN_VARS.slice(0, branches.length).join(', ')}]`;
  return {
    ...rest,
    kiln: 'from keras.models import Model\n' +
      `from keras.layers import ${['Input', 'Dense', ...imports].join(', ')}\n\n` +
      kilnBranches + kilnOut.trim() + '\n' +
      `model = Model(inputs=${inList}, outputs=${outputs})\n`,
    build() {
      const ins = branches.map((b, i) => Input({ shape: b.shape, name: `input_${i + 1}` }));
      const xs = ins.map((t, i) => Dense({
        units: branches[i].units, activation: branches[i].activation, name: i ? `dense_${i}` : 'dense',
      }).apply(t));
      return Model({ inputs: ins, outputs: tfOut(xs, ins), name: 'model' });
    },
  };
}
