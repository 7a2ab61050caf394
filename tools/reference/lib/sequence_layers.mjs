// tfjs layers of the sequence family (cases/sequence.mjs, recurrent.mjs,
// attention.mjs, text_models.mjs), with Keras 2 (tf.keras 2.x) defaults, and
// stand-ins, built from tfjs ops, for what tfjs 4.22.0 lacks:
//
// - GRU(reset_after=True), the tf.keras 2.x default: tfjs's GRUCell throws
//   for resetAfter. `GRU({...})` (resetAfter defaults to true, as in
//   tf.keras) is then `KerasGRU`, tfjs's own RNN layer (its rnn() loop:
//   masks, go_backwards, states) over `KerasGRUCell`, a cell written from
//   Keras's GRUCell: bias (2, 3*units) = [input bias; recurrent bias], gates
//   z, r, h in that column order, hh = act(x W_h + b_ih + r * (h U_h + b_hh)).
//   model.json says "KerasGRU".
// - Bidirectional with return_sequences: tf.keras forces the wrapped layers'
//   zero_output_for_mask = return_sequences, so masked timesteps output 0
//   (a plain RNN carries the previous output over instead). tfjs never zeroes
//   them; `Bidirectional` patches both inner layers to multiply their output
//   sequence by the mask (reversed for the go_backwards layer, whose output
//   is in processing order), which is what backend.rnn does.
// - Bidirectional(backward_layer=...): tfjs has no such argument;
//   `Bidirectional({ backwardLayer })` replaces the backward layer tfjs made
//   with the given one (renamed 'backward_<name>' as Keras does). model.json
//   does not record it.
// - Attention, AdditiveAttention, MultiHeadAttention: absent from tfjs;
//   `KerasAttention`, `KerasAdditiveAttention`, `KerasMultiHeadAttention` are
//   written from Keras 2's BaseDenseAttention / Attention / AdditiveAttention
//   / MultiHeadAttention with tfjs ops. Keras's call-time `use_causal_mask`
//   is a constructor option here. tfjs's executor hands a layer only its
//   first input's mask, so the attention stand-ins read every input's mask
//   from the tensors themselves (`kerasMask`, set by the layer that made it).
//
// Everything else (Embedding, Masking, SimpleRNN, LSTM, GRU(reset_after=
// False), TimeDistributed, Conv1D, pooling) is tfjs's own layer. tfjs's RNN
// default recurrent activation is 'hardSigmoid'; the wrappers pass Keras's
// 'sigmoid'. All initializers are 'zeros': the generator writes every weight.

import { tf } from './common.mjs';

const Z = 'zeros';
const RNN_INIT = { kernelInitializer: Z, recurrentInitializer: Z, biasInitializer: Z };

export const Embedding = (cfg) => tf.layers.embedding({ embeddingsInitializer: Z, ...cfg });
export const Masking = (cfg) => tf.layers.masking(cfg);
export const SimpleRNN = (cfg) => tf.layers.simpleRNN({ ...RNN_INIT, ...cfg });
export const LSTM = (cfg) => tf.layers.lstm({ ...RNN_INIT, recurrentActivation: 'sigmoid', ...cfg });
export const TimeDistributed = (cfg) => tf.layers.timeDistributed(cfg);
export const Conv1D = (cfg) => tf.layers.conv1d({ kernelInitializer: Z, biasInitializer: Z, ...cfg });
export const Conv2D = (cfg) => tf.layers.conv2d({ kernelInitializer: Z, biasInitializer: Z, ...cfg });
export const MaxPooling1D = (cfg) => tf.layers.maxPooling1d(cfg);
export const GlobalMaxPooling1D = (cfg) => tf.layers.globalMaxPooling1d(cfg);

// --- activations by tfjs name, as tfjs ops ------------------------------------

const ACT = {
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  hardSigmoid: (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1), // Keras 2: clip(0.2x + 0.5, 0, 1)
  relu: (x) => tf.relu(x),
  linear: (x) => x,
};
const act = (name) => {
  if (!ACT[name]) throw new Error(`sequence_layers: activation ${name} not available`);
  return ACT[name];
};

// --- GRU(reset_after=True) ------------------------------------------------------

class KerasGRUCell extends tf.layers.RNNCell {
  constructor(args) {
    super(args);
    this.units = args.units;
    this.activation = args.activation ?? 'tanh';
    this.recurrentActivation = args.recurrentActivation ?? 'sigmoid';
    this.useBias = args.useBias ?? true;
    this.stateSize = this.units;
  }

  build(inputShape) {
    const shape = Array.isArray(inputShape[0]) ? inputShape[0] : inputShape;
    const u = this.units;
    const zeros = tf.initializers.zeros();
    this.kernel = this.addWeight('kernel', [shape[shape.length - 1], 3 * u], 'float32', zeros);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, 3 * u], 'float32', zeros);
    this.bias = this.useBias ? this.addWeight('bias', [2, 3 * u], 'float32', zeros) : null;
    this.built = true;
  }

  call(inputs) {
    return tf.tidy(() => {
      const [x, h] = inputs;
      let mx = tf.matMul(x, this.kernel.read());
      let mh = tf.matMul(h, this.recurrentKernel.read());
      if (this.useBias) {
        const [bIn, bRec] = tf.unstack(this.bias.read());
        mx = tf.add(mx, bIn);
        mh = tf.add(mh, bRec);
      }
      const [xz, xr, xh] = tf.split(mx, 3, -1);
      const [hz, hr, hh0] = tf.split(mh, 3, -1);
      const ra = act(this.recurrentActivation);
      const z = ra(tf.add(xz, hz));
      const r = ra(tf.add(xr, hr));
      const hh = act(this.activation)(tf.add(xh, tf.mul(r, hh0)));
      const out = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
      return [out, out];
    });
  }

  getConfig() {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
      useBias: this.useBias,
      resetAfter: true,
    };
  }
}
KerasGRUCell.className = 'KerasGRUCell';
tf.serialization.registerClass(KerasGRUCell);

/**
 * GRU(reset_after=True) as a tfjs RNN layer over KerasGRUCell. (A plain
 * tf.layers.rnn({cell}) cannot be wrapped in Bidirectional: tfjs's
 * RNN.fromConfig writes the cell object into the config it is given, and
 * Bidirectional deserializes the same config twice.)
 */
class KerasGRU extends tf.layers.RNN {
  constructor(args) {
    super({ ...args, cell: new KerasGRUCell(args) });
  }

  getConfig() {
    const config = super.getConfig();
    delete config.cell;
    return config;
  }

  static fromConfig(cls, config) { return new cls(config); }
}
KerasGRU.className = 'KerasGRU';
tf.serialization.registerClass(KerasGRU);

/** Keras 2 GRU: reset_after defaults to true (the tf.keras 2.x default). */
export function GRU({ resetAfter = true, recurrentActivation = 'sigmoid', ...cfg }) {
  if (!resetAfter) return tf.layers.gru({ ...RNN_INIT, recurrentActivation, ...cfg });
  return new KerasGRU({ recurrentActivation, ...cfg });
}

// --- Bidirectional -------------------------------------------------------------

/** Keras's zero_output_for_mask=True on a tfjs RNN layer (instance patch). */
function zeroOutputForMask(rnn) {
  const call = rnn.call.bind(rnn);
  rnn.call = (inputs, kwargs) => tf.tidy(() => {
    const out = call(inputs, kwargs);
    let mask = kwargs?.mask;
    if (Array.isArray(mask)) mask = mask[0];
    if (mask == null) return out;
    let m = tf.cast(mask, 'float32'); // (batch, time)
    if (rnn.goBackwards) m = tf.reverse(m, 1); // the output sequence is in processing order
    m = tf.expandDims(m, -1);
    return Array.isArray(out) ? [tf.mul(out[0], m), ...out.slice(1)] : tf.mul(out, m);
  });
}

export function Bidirectional({ layer, backwardLayer, ...cfg }) {
  const bi = tf.layers.bidirectional({ layer, ...cfg });
  if (backwardLayer) {
    backwardLayer.name = `backward_${backwardLayer.name}`;
    bi.backwardLayer = backwardLayer;
  }
  if (bi.returnSequences) {
    zeroOutputForMask(bi.forwardLayer);
    zeroOutputForMask(bi.backwardLayer);
  }
  return bi;
}

// --- attention ------------------------------------------------------------------

const maskOf = (t) => (t.kerasMask == null ? null : tf.cast(t.kerasMask, 'float32'));

/** Keras BaseDenseAttention._apply_scores + call(): masks, softmax, weights @ value, query mask. */
function applyScores(scores, value, qMask, vMask, causal) {
  // scores (B, Tq, Tv); masks (B, T) float or null.
  let keep = vMask == null ? null : tf.expandDims(vMask, 1); // (B, 1, Tv)
  if (causal) {
    const [tq, tv] = scores.shape.slice(1);
    const tri = tf.linalg.bandPart(tf.ones([tq, tv]), -1, 0); // row >= col
    const c = tf.expandDims(tri, 0);
    keep = keep == null ? c : tf.mul(keep, c);
  }
  if (keep != null) scores = tf.sub(scores, tf.mul(1e9, tf.sub(1, keep)));
  let result = tf.matMul(tf.softmax(scores), value);
  if (qMask != null) result = tf.mul(result, tf.expandDims(qMask, -1));
  return result;
}

class KerasAttention extends tf.layers.Layer {
  constructor(args) {
    super(args);
    this.useScale = args.useScale ?? false;
    this.scoreMode = args.scoreMode ?? 'dot';
    this.useCausalMask = args.useCausalMask ?? false;
    this.supportsMasking = true;
  }

  build() {
    const zeros = tf.initializers.zeros();
    this.scale = this.useScale ? this.addWeight('scale', [], 'float32', zeros) : null;
    this.concatScoreWeight = this.scoreMode === 'concat' ? this.addWeight('concat_score_weight', [], 'float32', zeros) : null;
    this.built = true;
  }

  computeOutputShape(inputShape) { return inputShape[0]; }
  computeMask(inputs, mask) { return Array.isArray(mask) ? mask[0] ?? null : null; }

  call(inputs) {
    return tf.tidy(() => {
      const [q, v, k = v] = inputs;
      let scores;
      if (this.scoreMode === 'dot') {
        scores = tf.matMul(q, k, false, true);
        if (this.scale) scores = tf.mul(scores, this.scale.read());
      } else {
        let s = tf.add(tf.expandDims(q, 2), tf.expandDims(k, 1)); // (B, Tq, Tv, dim)
        if (this.scale) s = tf.mul(this.scale.read(), s);
        scores = tf.mul(this.concatScoreWeight.read(), tf.sum(tf.tanh(s), -1));
      }
      return applyScores(scores, v, maskOf(inputs[0]), maskOf(inputs[1]), this.useCausalMask);
    });
  }

  getConfig() {
    return { ...super.getConfig(), useScale: this.useScale, scoreMode: this.scoreMode, useCausalMask: this.useCausalMask };
  }
}
KerasAttention.className = 'KerasAttention';
tf.serialization.registerClass(KerasAttention);

class KerasAdditiveAttention extends tf.layers.Layer {
  constructor(args) {
    super(args);
    this.useScale = args.useScale ?? true;
    this.useCausalMask = args.useCausalMask ?? false;
    this.supportsMasking = true;
  }

  build(inputShape) {
    const dim = inputShape[1][inputShape[1].length - 1];
    this.scale = this.useScale ? this.addWeight('scale', [dim], 'float32', tf.initializers.zeros()) : null;
    this.built = true;
  }

  computeOutputShape(inputShape) { return inputShape[0]; }
  computeMask(inputs, mask) { return Array.isArray(mask) ? mask[0] ?? null : null; }

  call(inputs) {
    return tf.tidy(() => {
      const [q, v, k = v] = inputs;
      let t = tf.tanh(tf.add(tf.expandDims(q, 2), tf.expandDims(k, 1))); // (B, Tq, Tv, dim)
      if (this.scale) t = tf.mul(this.scale.read(), t);
      return applyScores(tf.sum(t, -1), v, maskOf(inputs[0]), maskOf(inputs[1]), this.useCausalMask);
    });
  }

  getConfig() { return { ...super.getConfig(), useScale: this.useScale, useCausalMask: this.useCausalMask }; }
}
KerasAdditiveAttention.className = 'KerasAdditiveAttention';
tf.serialization.registerClass(KerasAdditiveAttention);

/**
 * Keras 2 MultiHeadAttention (no masks from the inputs; optional causal mask),
 * inputs [query, value] or [query, value, key]. Weights as Keras names them:
 * query/kernel (dq, H, K), query/bias (H, K), key/kernel (dk, H, K), key/bias,
 * value/kernel (dv, H, V), value/bias (H, V), attention_output/kernel
 * (H, V, dq), attention_output/bias (dq,).
 */
class KerasMultiHeadAttention extends tf.layers.Layer {
  constructor(args) {
    super(args);
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.valueDim = args.valueDim ?? args.keyDim;
    this.useBias = args.useBias ?? true;
    this.useCausalMask = args.useCausalMask ?? false;
  }

  build(inputShape) {
    const last = (s) => s[s.length - 1];
    const [qs, vs, ks = vs] = inputShape;
    const H = this.numHeads;
    const zeros = tf.initializers.zeros();
    const dense = (name, dIn, per) => ({
      kernel: this.addWeight(`${name}/kernel`, [dIn, H, per], 'float32', zeros),
      bias: this.useBias ? this.addWeight(`${name}/bias`, [H, per], 'float32', zeros) : null,
    });
    this.qDense = dense('query', last(qs), this.keyDim);
    this.kDense = dense('key', last(ks), this.keyDim);
    this.vDense = dense('value', last(vs), this.valueDim);
    this.oDense = {
      kernel: this.addWeight('attention_output/kernel', [H, this.valueDim, last(qs)], 'float32', zeros),
      bias: this.useBias ? this.addWeight('attention_output/bias', [last(qs)], 'float32', zeros) : null,
    };
    this.built = true;
  }

  computeOutputShape(inputShape) { return inputShape[0]; }

  call(inputs) {
    return tf.tidy(() => {
      const [q, v, k = v] = inputs;
      const H = this.numHeads;
      // (B, T, d) x (d, H, P) + (H, P) -> (B, H, T, P)
      const project = (x, d) => {
        const [B, T, dIn] = x.shape;
        const P = d.kernel.shape[2];
        let y = tf.matMul(tf.reshape(x, [B * T, dIn]), tf.reshape(d.kernel.read(), [dIn, H * P]));
        if (d.bias) y = tf.add(y, tf.reshape(d.bias.read(), [H * P]));
        return tf.transpose(tf.reshape(y, [B, T, H, P]), [0, 2, 1, 3]);
      };
      const qh = tf.mul(project(q, this.qDense), 1 / Math.sqrt(this.keyDim));
      const kh = project(k, this.kDense);
      const vh = project(v, this.vDense);
      let scores = tf.matMul(qh, kh, false, true); // (B, H, T, S)
      if (this.useCausalMask) {
        const [T, S] = scores.shape.slice(2);
        const keep = tf.linalg.bandPart(tf.ones([T, S]), -1, 0);
        scores = tf.add(scores, tf.mul(tf.sub(1, keep), -1e9));
      }
      const o = tf.matMul(tf.softmax(scores), vh); // (B, H, T, V)
      const [B, , T, V] = o.shape;
      const D = this.oDense.kernel.shape[2];
      let y = tf.matMul(tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [B * T, H * V]),
        tf.reshape(this.oDense.kernel.read(), [H * V, D]));
      if (this.oDense.bias) y = tf.add(y, this.oDense.bias.read());
      return tf.reshape(y, [B, T, D]);
    });
  }

  getConfig() {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      useBias: this.useBias,
      useCausalMask: this.useCausalMask,
    };
  }
}
KerasMultiHeadAttention.className = 'KerasMultiHeadAttention';
tf.serialization.registerClass(KerasMultiHeadAttention);

export const Attention = (cfg) => new KerasAttention(cfg);
export const AdditiveAttention = (cfg) => new KerasAdditiveAttention(cfg);
export const MultiHeadAttention = (cfg) => new KerasMultiHeadAttention(cfg);
