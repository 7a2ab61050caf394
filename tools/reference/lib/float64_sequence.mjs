// Float64 cross-check of the sequence family: the Keras 2 (tf.keras 2.x)
// definitions of Embedding, Masking, SimpleRNN, LSTM, GRU (both reset_after
// forms), Bidirectional, TimeDistributed, Conv1D/Conv2D, MaxPooling1D,
// GlobalMaxPooling1D, Attention, AdditiveAttention, MultiHeadAttention (and
// Dense, Dropout, Activation, Flatten), evaluated in plain JS doubles over
// tfjs's symbolic graph, with Keras 2's mask propagation:
//
// - Embedding(mask_zero=True) makes mask = ids != 0; Masking makes
//   mask = any(x != mask_value, -1) and outputs x * mask.
// - Dense, Dropout, Activation, TimeDistributed pass a mask on; an RNN with
//   return_sequences (and Bidirectional) passes it on, without it drops it;
//   Conv1D, pooling and Flatten do not support masking, and tf.keras 2.x then
//   drops the mask silently (base_layer._set_mask_metadata returns early).
// - Recurrent layers (keras/backend.py rnn): at a masked timestep the states
//   are carried over unchanged and the output is the previous output (zeros
//   before the first unmasked step) or, with zero_output_for_mask (which
//   Bidirectional sets to return_sequences on both of its layers), zeros.
//   go_backwards processes the steps last to first and returns the output
//   sequence in processing order.
// - Attention layers: value positions with mask 0 (and future positions with
//   the causal mask) get -1e9 added to their scores; the result is multiplied
//   by the query mask, which is also the output mask.
//
// It reads each layer's configuration from the tfjs layer (cases/*.mjs build
// the tfjs model next to the Kiln source); weights come from W (tfjs
// LayerVariable -> float32 values), found by their name under the layer.
// A tensor is { shape, data: Float64Array, mask: Uint8Array (batch x time)
// or null }.

const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const SCALAR = {
  tanh: Math.tanh,
  sigmoid,
  hard_sigmoid: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
  relu: (x) => Math.max(0, x),
  linear: (x) => x,
};
const toSnake = (s) => s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
const fn = (name) => {
  const f = SCALAR[toSnake(name ?? 'linear')];
  if (!f) throw new Error(`float64_sequence: activation ${name}`);
  return f;
};
const prod = (a) => a.reduce((p, v) => p * v, 1);
const T = (shape, data, mask = null) => ({ shape, data, mask });

function softmaxRow(row) {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Activation over a whole tensor (softmax: over the last axis). */
function activate(name, x) {
  const n = toSnake(name ?? 'linear');
  if (n === 'softmax') {
    const d = x.shape[x.shape.length - 1];
    const out = new Float64Array(x.data.length);
    for (let r = 0; r < x.data.length / d; r++) out.set(softmaxRow(Array.from(x.data.subarray(r * d, r * d + d))), r * d);
    return T(x.shape, out, x.mask);
  }
  return T(x.shape, x.data.map(fn(n)), x.mask);
}

/** The values of the weight `suffix` (e.g. 'kernel', 'forward_lstm/bias') of a tfjs layer. */
function weight(layer, W, suffix) {
  const hits = layer.weights.filter((w) => w.originalName.endsWith('/' + suffix));
  if (hits.length !== 1) throw new Error(`float64_sequence: ${layer.name}: ${hits.length} weights named */${suffix}`);
  return Float64Array.from(W.get(hits[0]));
}

/** y[j] = sum_k x[k] * K[k, j] (+ b[j]); K row-major [n, m]. */
function vecMat(x, K, m, b = null, bOff = 0) {
  const y = new Float64Array(m);
  for (let j = 0; j < m; j++) y[j] = b ? b[bOff + j] : 0;
  for (let k = 0; k < x.length; k++) {
    const xk = x[k];
    if (xk === 0) continue;
    const row = k * m;
    for (let j = 0; j < m; j++) y[j] += xk * K[row + j];
  }
  return y;
}

// --- recurrent cells: step(x, states) -> [output, newStates] ---------------------

function simpleRnnCell(layer, W) {
  const u = layer.cell.units;
  const K = weight(layer, W, 'kernel');
  const U = weight(layer, W, 'recurrent_kernel');
  const b = layer.getConfig().useBias ? weight(layer, W, 'bias') : null;
  const a = fn(layer.getConfig().activation);
  return {
    units: u,
    nStates: 1,
    step(x, [h]) {
      const z = vecMat(x, K, u, b);
      const r = vecMat(h, U, u);
      const out = z.map((v, j) => a(v + r[j]));
      return [out, [out]];
    },
  };
}

function lstmCell(layer, W) {
  const cfg = layer.getConfig();
  const u = cfg.units;
  const K = weight(layer, W, 'kernel');
  const U = weight(layer, W, 'recurrent_kernel');
  const b = cfg.useBias ? weight(layer, W, 'bias') : null;
  const a = fn(cfg.activation);
  const ra = fn(cfg.recurrentActivation);
  return {
    units: u,
    nStates: 2,
    step(x, [h, c]) {
      const zx = vecMat(x, K, 4 * u, b);
      const zh = vecMat(h, U, 4 * u);
      const hn = new Float64Array(u);
      const cn = new Float64Array(u);
      for (let j = 0; j < u; j++) {
        const i = ra(zx[j] + zh[j]);
        const f = ra(zx[u + j] + zh[u + j]);
        cn[j] = f * c[j] + i * a(zx[2 * u + j] + zh[2 * u + j]);
        const o = ra(zx[3 * u + j] + zh[3 * u + j]);
        hn[j] = o * a(cn[j]);
      }
      return [hn, [hn, cn]];
    },
  };
}

/** GRU; resetAfter: Keras 2 GRUCell(reset_after=True), bias (2, 3u); else reset_after=False, bias (3u,). */
function gruCell(layer, W, resetAfter) {
  const cfg = layer.getConfig();
  const u = cfg.units;
  const K = weight(layer, W, 'kernel');
  const U = weight(layer, W, 'recurrent_kernel');
  const b = cfg.useBias ? weight(layer, W, 'bias') : null;
  const a = fn(cfg.activation);
  const ra = fn(cfg.recurrentActivation);
  return {
    units: u,
    nStates: 1,
    step(x, [h]) {
      const mx = vecMat(x, K, 3 * u, b); // input bias: b[0:3u] in both forms
      const hn = new Float64Array(u);
      if (resetAfter) {
        const mh = vecMat(h, U, 3 * u, b, 3 * u); // recurrent bias: row 1 of (2, 3u)
        for (let j = 0; j < u; j++) {
          const z = ra(mx[j] + mh[j]);
          const r = ra(mx[u + j] + mh[u + j]);
          const hh = a(mx[2 * u + j] + r * mh[2 * u + j]);
          hn[j] = z * h[j] + (1 - z) * hh;
        }
      } else {
        // z, r from h @ U[:, :2u]; hh from (r * h) @ U[:, 2u:]
        const mh = vecMat(h, U, 3 * u);
        const z = new Float64Array(u);
        const rh = new Float64Array(u);
        for (let j = 0; j < u; j++) {
          z[j] = ra(mx[j] + mh[j]);
          rh[j] = ra(mx[u + j] + mh[u + j]) * h[j];
        }
        for (let j = 0; j < u; j++) {
          let s = mx[2 * u + j];
          for (let k = 0; k < u; k++) s += rh[k] * U[k * 3 * u + 2 * u + j];
          hn[j] = z[j] * h[j] + (1 - z[j]) * a(s);
        }
      }
      return [hn, [hn]];
    },
  };
}

function cellOf(layer, W) {
  switch (layer.getClassName()) {
    case 'SimpleRNN': return simpleRnnCell(layer, W);
    case 'LSTM': return lstmCell(layer, W);
    case 'GRU': return gruCell(layer, W, false);
    case 'KerasGRU': return gruCell(layer, W, true);
    default:
  }
  throw new Error(`float64_sequence: no cell for ${layer.getClassName()}`);
}

/**
 * keras/backend.py rnn() over x (B, T, F): returns { seq (B, T, u) in
 * processing order, last (B, u), states [(B, u)...] }.
 */
function rnn64(cell, x, mask, goBackwards, zeroOutputForMask) {
  const [B, Tn, F] = x.shape;
  const u = cell.units;
  const seq = new Float64Array(B * Tn * u);
  const last = new Float64Array(B * u);
  const states = Array.from({ length: cell.nStates }, () => new Float64Array(B * u));
  for (let b = 0; b < B; b++) {
    let st = Array.from({ length: cell.nStates }, () => new Float64Array(u));
    let prev = new Float64Array(u); // Keras: zeros before the first step
    for (let i = 0; i < Tn; i++) {
      const t = goBackwards ? Tn - 1 - i : i;
      const xt = x.data.subarray((b * Tn + t) * F, (b * Tn + t + 1) * F);
      let out;
      if (!mask || mask[b * Tn + t]) {
        const [o, ns] = cell.step(xt, st);
        out = o;
        st = ns;
      } else {
        out = zeroOutputForMask ? new Float64Array(u) : prev;
      }
      seq.set(out, (b * Tn + i) * u);
      prev = out;
    }
    last.set(prev, b * u);
    st.forEach((s, k) => states[k].set(s, b * u));
  }
  return {
    seq: T([B, Tn, u], seq, mask),
    last: T([B, u], last),
    states: states.map((s) => T([B, u], s)),
  };
}

function reverseTime(x) {
  const [B, Tn] = x.shape;
  const inner = prod(x.shape.slice(2));
  const out = new Float64Array(x.data.length);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tn; t++) out.set(x.data.subarray((b * Tn + t) * inner, (b * Tn + t + 1) * inner), (b * Tn + Tn - 1 - t) * inner);
  }
  return T(x.shape, out, x.mask);
}

function recurrent(layer, x, W) {
  const cfg = layer.getConfig();
  const r = rnn64(cellOf(layer, W), x, x.mask, cfg.goBackwards, false);
  const out = cfg.returnSequences ? r.seq : r.last;
  return cfg.returnState ? [out, ...r.states] : [out];
}

function bidirectional(layer, x, W) {
  const rs = layer.returnSequences;
  // zero_output_for_mask = return_sequences on both layers (Keras 2).
  const fw = rnn64(cellOf(layer.forwardLayer, W), x, x.mask, layer.forwardLayer.goBackwards, rs);
  const bw = rnn64(cellOf(layer.backwardLayer, W), x, x.mask, layer.backwardLayer.goBackwards, rs);
  if (layer.forwardLayer.goBackwards || !layer.backwardLayer.goBackwards) throw new Error('Bidirectional directions');
  const y = rs ? fw.seq : fw.last;
  const yRev = rs ? reverseTime(bw.seq) : bw.last;
  const mask = rs ? x.mask : null;
  let outs;
  const pair = (f) => [T(y.shape, y.data.map((v, i) => f(v, yRev.data[i])), mask)];
  switch (layer.mergeMode) {
    case 'concat': {
      const a = y.shape[y.shape.length - 1];
      const c = yRev.shape[yRev.shape.length - 1];
      const rows = y.data.length / a;
      const out = new Float64Array(rows * (a + c));
      for (let r = 0; r < rows; r++) {
        out.set(y.data.subarray(r * a, r * a + a), r * (a + c));
        out.set(yRev.data.subarray(r * c, r * c + c), r * (a + c) + a);
      }
      outs = [T([...y.shape.slice(0, -1), a + c], out, mask)];
      break;
    }
    case 'sum': outs = pair((p, q) => p + q); break;
    case 'mul': outs = pair((p, q) => p * q); break;
    case 'ave': outs = pair((p, q) => (p + q) / 2); break;
    case null: case undefined: outs = [T(y.shape, y.data, mask), T(yRev.shape, yRev.data, mask)]; break;
    default: throw new Error(`merge_mode ${layer.mergeMode}`);
  }
  return layer.returnState ? [...outs, ...fw.states, ...bw.states] : outs;
}

// --- feed-forward layers ----------------------------------------------------------

function dense(layer, x, W) {
  const cfg = layer.getConfig();
  const K = weight(layer, W, 'kernel');
  const b = cfg.useBias ? weight(layer, W, 'bias') : null;
  const n = x.shape[x.shape.length - 1];
  const rows = x.data.length / n;
  const out = new Float64Array(rows * cfg.units);
  for (let r = 0; r < rows; r++) out.set(vecMat(x.data.subarray(r * n, r * n + n), K, cfg.units, b), r * cfg.units);
  return activate(cfg.activation, T([...x.shape.slice(0, -1), cfg.units], out, x.mask));
}

/** Keras's 'same' padding: total = max((ceil(L/s) - 1) * s + (k - 1) * d + 1 - L, 0), left = floor(total / 2). */
function padding(L, k, s, d, mode) {
  if (mode === 'valid') return { out: Math.floor((L - (k - 1) * d - 1) / s) + 1, left: 0 };
  const out = Math.ceil(L / s);
  return { out, left: Math.floor(Math.max((out - 1) * s + (k - 1) * d + 1 - L, 0) / 2) };
}

function conv(layer, x, W) {
  const cfg = layer.getConfig();
  const K = weight(layer, W, 'kernel');
  const b = cfg.useBias ? weight(layer, W, 'bias') : null;
  const sp = x.shape.length - 2; // spatial rank
  const ks = [cfg.kernelSize].flat();
  const ss = [cfg.strides].flat();
  const ds = [cfg.dilationRate].flat();
  const at = (arr, i) => arr[arr.length === 1 ? 0 : i];
  const C = x.shape[x.shape.length - 1];
  const F = cfg.filters;
  const dims = x.shape.slice(1, 1 + sp);
  const pads = dims.map((L, i) => padding(L, at(ks, i), at(ss, i), at(ds, i), cfg.padding));
  const outDims = pads.map((p) => p.out);
  const B = x.shape[0];
  const out = new Float64Array(B * prod(outDims) * F);
  const kDims = dims.map((_, i) => at(ks, i));
  const idx = new Array(sp).fill(0);
  for (let bb = 0; bb < B; bb++) {
    for (let o = 0; o < prod(outDims); o++) {
      // output position
      let rem = o;
      for (let i = sp - 1; i >= 0; i--) { idx[i] = rem % outDims[i]; rem = Math.floor(rem / outDims[i]); }
      const acc = new Float64Array(F);
      if (b) acc.set(b);
      for (let kk = 0; kk < prod(kDims); kk++) {
        let kr = kk;
        const kIdx = new Array(sp);
        for (let i = sp - 1; i >= 0; i--) { kIdx[i] = kr % kDims[i]; kr = Math.floor(kr / kDims[i]); }
        let inOff = 0;
        let inside = true;
        for (let i = 0; i < sp; i++) {
          const p = idx[i] * at(ss, i) - pads[i].left + kIdx[i] * at(ds, i);
          if (p < 0 || p >= dims[i]) { inside = false; break; }
          inOff = inOff * dims[i] + p;
        }
        if (!inside) continue;
        const xb = (bb * prod(dims) + inOff) * C;
        for (let c = 0; c < C; c++) {
          const xv = x.data[xb + c];
          const kb = (kk * C + c) * F;
          for (let f = 0; f < F; f++) acc[f] += xv * K[kb + f];
        }
      }
      out.set(acc, (bb * prod(outDims) + o) * F);
    }
  }
  return activate(cfg.activation, T([B, ...outDims, F], out));
}

function maxPool1d(layer, x) {
  const cfg = layer.getConfig();
  const p = [cfg.poolSize].flat()[0];
  const s = [cfg.strides ?? cfg.poolSize].flat()[0];
  if (cfg.padding !== 'valid') throw new Error('MaxPooling1D padding');
  const [B, L, C] = x.shape;
  const n = Math.floor((L - p) / s) + 1;
  const out = new Float64Array(B * n * C).fill(-Infinity);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < p; k++) {
        for (let c = 0; c < C; c++) {
          const o = (b * n + i) * C + c;
          out[o] = Math.max(out[o], x.data[(b * L + i * s + k) * C + c]);
        }
      }
    }
  }
  return T([B, n, C], out);
}

function globalMaxPool1d(x) {
  const [B, L, C] = x.shape;
  const out = new Float64Array(B * C).fill(-Infinity);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) for (let c = 0; c < C; c++) out[b * C + c] = Math.max(out[b * C + c], x.data[(b * L + t) * C + c]);
  }
  return T([B, C], out);
}

function embedding(layer, x, W) {
  const cfg = layer.getConfig();
  const E = weight(layer, W, 'embeddings');
  const d = cfg.outputDim;
  const out = new Float64Array(x.data.length * d);
  const mask = cfg.maskZero ? new Uint8Array(x.data.length) : null;
  x.data.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= cfg.inputDim) throw new Error(`Embedding: id ${id}`);
    out.set(E.subarray(id * d, id * d + d), i * d);
    if (mask) mask[i] = id !== 0 ? 1 : 0;
  });
  return T([...x.shape, d], out, mask);
}

function masking(layer, x) {
  const v = layer.getConfig().maskValue;
  const [B, Tn] = x.shape;
  const inner = x.data.length / (B * Tn);
  const mask = new Uint8Array(B * Tn);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < B * Tn; i++) {
    const row = x.data.subarray(i * inner, (i + 1) * inner);
    mask[i] = row.some((e) => e !== v) ? 1 : 0;
    if (mask[i]) out.set(row, i * inner);
  }
  return T(x.shape, out, mask);
}

function timeDistributed(layer, x, W) {
  const [B, Tn, ...rest] = x.shape;
  const y = layer64(layer.layer, [T([B * Tn, ...rest], x.data)], W)[0];
  return T([B, Tn, ...y.shape.slice(1)], y.data, x.mask);
}

// --- attention --------------------------------------------------------------------

/** Keras BaseDenseAttention: scores (B, Tq, Tv) -> softmax with masks -> @ value, times the query mask. */
function applyScores(scores, q, v, causal) {
  const [B, Tq, Tv] = scores.shape;
  const d = v.shape[2];
  const out = new Float64Array(B * Tq * d);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Tq; i++) {
      const row = [];
      for (let j = 0; j < Tv; j++) {
        let s = scores.data[(b * Tq + i) * Tv + j];
        const keep = (!v.mask || v.mask[b * Tv + j]) && (!causal || j <= i);
        if (!keep) s -= 1e9;
        row.push(s);
      }
      const w = softmaxRow(row);
      const qm = q.mask ? q.mask[b * Tq + i] : 1;
      for (let j = 0; j < Tv; j++) {
        for (let c = 0; c < d; c++) out[(b * Tq + i) * d + c] += w[j] * v.data[(b * Tv + j) * d + c];
      }
      if (!qm) out.fill(0, (b * Tq + i) * d, (b * Tq + i + 1) * d);
    }
  }
  return T([B, Tq, d], out, q.mask);
}

function pairScores(q, k, f) {
  const [B, Tq, d] = q.shape;
  const Tv = k.shape[1];
  const s = new Float64Array(B * Tq * Tv);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Tq; i++) {
      for (let j = 0; j < Tv; j++) {
        s[(b * Tq + i) * Tv + j] = f(q.data.subarray((b * Tq + i) * d, (b * Tq + i + 1) * d), k.data.subarray((b * Tv + j) * d, (b * Tv + j + 1) * d));
      }
    }
  }
  return T([B, Tq, Tv], s);
}

function attention(layer, [q, v, k = v], W) {
  const cfg = layer.getConfig();
  const scale = cfg.useScale ? weight(layer, W, 'scale')[0] : null;
  let f;
  if (cfg.scoreMode === 'dot') {
    f = (a, b) => { let s = 0; for (let c = 0; c < a.length; c++) s += a[c] * b[c]; return scale == null ? s : s * scale; };
  } else {
    const cw = weight(layer, W, 'concat_score_weight')[0];
    f = (a, b) => { let s = 0; for (let c = 0; c < a.length; c++) s += Math.tanh(scale == null ? a[c] + b[c] : scale * (a[c] + b[c])); return cw * s; };
  }
  return applyScores(pairScores(q, k, f), q, v, cfg.useCausalMask);
}

function additiveAttention(layer, [q, v, k = v], W) {
  const cfg = layer.getConfig();
  const scale = cfg.useScale ? weight(layer, W, 'scale') : null;
  const f = (a, b) => { let s = 0; for (let c = 0; c < a.length; c++) s += (scale ? scale[c] : 1) * Math.tanh(a[c] + b[c]); return s; };
  return applyScores(pairScores(q, k, f), q, v, cfg.useCausalMask);
}

function multiHeadAttention(layer, [q, v, k = v], W) {
  const cfg = layer.getConfig();
  const H = cfg.numHeads;
  const Kd = cfg.keyDim;
  const Vd = cfg.valueDim;
  // (B, T, d) with kernel (d, H, P) + bias (H, P) -> [b][h][t] -> Float64Array(P)
  const project = (x, name, P) => {
    const Km = weight(layer, W, `${name}/kernel`);
    const bias = cfg.useBias ? weight(layer, W, `${name}/bias`) : null;
    const [B, Tn, d] = x.shape;
    const res = [];
    for (let b = 0; b < B; b++) {
      res.push([]);
      for (let h = 0; h < H; h++) {
        res[b].push([]);
        for (let t = 0; t < Tn; t++) {
          const y = new Float64Array(P);
          for (let p = 0; p < P; p++) {
            let s = bias ? bias[h * P + p] : 0;
            for (let c = 0; c < d; c++) s += x.data[(b * Tn + t) * d + c] * Km[(c * H + h) * P + p];
            y[p] = s;
          }
          res[b][h].push(y);
        }
      }
    }
    return res;
  };
  const qh = project(q, 'query', Kd);
  const kh = project(k, 'key', Kd);
  const vh = project(v, 'value', Vd);
  const Ko = weight(layer, W, 'attention_output/kernel'); // (H, V, D)
  const bo = cfg.useBias ? weight(layer, W, 'attention_output/bias') : null;
  const [B, Tq, D] = q.shape;
  const S = k.shape[1];
  const out = new Float64Array(B * Tq * D);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tq; t++) {
      const y = new Float64Array(D);
      if (bo) y.set(bo);
      for (let h = 0; h < H; h++) {
        const row = [];
        for (let s = 0; s < S; s++) {
          let dot = 0;
          for (let p = 0; p < Kd; p++) dot += (qh[b][h][t][p] / Math.sqrt(Kd)) * kh[b][h][s][p];
          if (cfg.useCausalMask && s > t) dot += -1e9;
          row.push(dot);
        }
        const w = softmaxRow(row);
        for (let p = 0; p < Vd; p++) {
          let o = 0;
          for (let s = 0; s < S; s++) o += w[s] * vh[b][h][s][p];
          for (let e = 0; e < D; e++) y[e] += o * Ko[(h * Vd + p) * D + e];
        }
      }
      out.set(y, (b * Tq + t) * D);
    }
  }
  return T([B, Tq, D], out);
}

// --- graph ------------------------------------------------------------------------

/** One layer call on float64 tensors; returns the list of its outputs. */
function layer64(layer, xs, W) {
  const x = xs[0];
  const cls = layer.getClassName();
  switch (cls) {
    case 'SimpleRNN': case 'LSTM': case 'GRU': case 'KerasGRU': return recurrent(layer, x, W);
    case 'Bidirectional': return bidirectional(layer, x, W);
    case 'TimeDistributed': return [timeDistributed(layer, x, W)];
    case 'Embedding': return [embedding(layer, x, W)];
    case 'Masking': return [masking(layer, x)];
    case 'Dense': return [dense(layer, x, W)];
    case 'Dropout': return [x];
    case 'Activation': return [activate(layer.getConfig().activation, x)];
    case 'Flatten': return [T([x.shape[0], prod(x.shape.slice(1))], x.data)];
    case 'Conv1D': case 'Conv2D': return [conv(layer, x, W)];
    case 'MaxPooling1D': return [maxPool1d(layer, x)];
    case 'GlobalMaxPooling1D': return [globalMaxPool1d(x)];
    case 'KerasAttention': return [attention(layer, xs, W)];
    case 'KerasAdditiveAttention': return [additiveAttention(layer, xs, W)];
    case 'KerasMultiHeadAttention': {
      if (xs.some((t) => t.mask)) throw new Error('MultiHeadAttention with input masks is not covered');
      return [multiHeadAttention(layer, xs, W)];
    }
    default:
      throw new Error(`float64_sequence: unsupported layer class ${cls}`);
  }
}

/**
 * Runs a tfjs model in float64 with Keras 2 semantics. inputs: list of
 * { shape, data } (token ids as integer-valued numbers). Returns the outputs
 * ({ shape, data }) in model output order.
 */
export function forwardSequence64(model, W, inputs) {
  const memo = new Map();
  const calls = new Map();
  model.inputs.forEach((s, i) => memo.set(s.id, T(inputs[i].shape, Float64Array.from(inputs[i].data))));
  const ev = (s) => {
    if (!memo.has(s.id)) {
      const key = s.sourceLayer;
      // all outputs of one call share the same `inputs` list
      let perLayer = calls.get(key);
      if (!perLayer) calls.set(key, (perLayer = new Map()));
      const inKey = s.inputs.map((t) => t.id).join(',');
      if (!perLayer.has(inKey)) perLayer.set(inKey, layer64(s.sourceLayer, s.inputs.map(ev), W));
      memo.set(s.id, perLayer.get(inKey)[s.outputTensorIndex ?? 0]);
    }
    return memo.get(s.id);
  };
  return model.outputs.map((s) => {
    const t = ev(s);
    return { shape: t.shape, data: t.data };
  });
}
