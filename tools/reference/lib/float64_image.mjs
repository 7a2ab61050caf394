// Float64 cross-check of the image layer family: Keras 2 / TF definitions of
// convolution (Conv1D/2D incl. groups and causal padding, SeparableConv1D/2D,
// DepthwiseConv2D, Conv2DTranspose incl. output_padding), pooling, padding,
// cropping, upsampling, BatchNormalization, LayerNormalization and the noise
// layers, in plain JS doubles. Written from the Keras/TF formulas, not from
// tfjs: 'same' padding puts floor(total / 2) before and the rest after;
// same-padded average pooling divides by the number of non-padding elements;
// bilinear upsampling uses TF 2's half-pixel centers.
//
// A tensor is { shape, data: Float64Array } (C order, batch first, channels
// last). Layer settings are read from the layer's serialized config (what
// model.json holds); weights from W (tfjs LayerVariable -> float32 values).

const prod = (a) => a.reduce((p, v) => p * v, 1);
const stridesOf = (shape) => {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
};
const asList = (v, n) => (Array.isArray(v) ? v : new Array(n).fill(v));

/** Output length and padding before, per TF: valid / same / causal. */
export function convGeometry(n, k, stride, dilation, padding) {
  const dk = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((n - dk) / stride) + 1, before: 0 };
  if (padding === 'causal') return { out: Math.floor((n - 1) / stride) + 1, before: dk - 1 };
  if (padding !== 'same') throw new Error(`float64: padding ${padding}`);
  const out = Math.ceil(n / stride);
  const total = Math.max((out - 1) * stride + dk - n, 0);
  return { out, before: Math.floor(total / 2) };
}

/**
 * 2-D convolution, x (B, H, W, C), kernel (KH, KW, C / groups, F) row-major.
 * pads: [padding along H, along W].
 */
function conv2d64(x, kernel, kshape, bias, strides, dil, pads, groups = 1) {
  const [B, H, Wd, C] = x.shape;
  const [KH, KW, Cg, F] = kshape;
  if (Cg * groups !== C) throw new Error(`float64 conv: kernel in-channels ${Cg} x groups ${groups} != ${C}`);
  const gh = convGeometry(H, KH, strides[0], dil[0], pads[0]);
  const gw = convGeometry(Wd, KW, strides[1], dil[1], pads[1]);
  const Fg = F / groups;
  const out = new Float64Array(B * gh.out * gw.out * F);
  const acc = new Float64Array(F);
  const xd = x.data;
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < gh.out; oh++) {
      for (let ow = 0; ow < gw.out; ow++) {
        for (let f = 0; f < F; f++) acc[f] = bias ? bias[f] : 0;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * strides[0] + kh * dil[0] - gh.before;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * strides[1] + kw * dil[1] - gw.before;
            if (iw < 0 || iw >= Wd) continue;
            const xb = ((b * H + ih) * Wd + iw) * C;
            const kb = (kh * KW + kw) * Cg * F;
            for (let g = 0; g < groups; g++) {
              for (let c = 0; c < Cg; c++) {
                const xv = xd[xb + g * Cg + c];
                const kr = kb + c * F + g * Fg;
                const ab = g * Fg;
                for (let f = 0; f < Fg; f++) acc[ab + f] += xv * kernel[kr + f];
              }
            }
          }
        }
        out.set(acc, o);
        o += F;
      }
    }
  }
  return { shape: [B, gh.out, gw.out, F], data: out };
}

/** Depthwise 2-D convolution, kernel (KH, KW, C, M): out channel c * M + m. */
function depthwise64(x, kernel, kshape, bias, strides, dil, pads) {
  const [B, H, Wd, C] = x.shape;
  const [KH, KW, , M] = kshape;
  const gh = convGeometry(H, KH, strides[0], dil[0], pads[0]);
  const gw = convGeometry(Wd, KW, strides[1], dil[1], pads[1]);
  const CM = C * M;
  const out = new Float64Array(B * gh.out * gw.out * CM);
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < gh.out; oh++) {
      for (let ow = 0; ow < gw.out; ow++, o += CM) {
        for (let j = 0; j < CM; j++) out[o + j] = bias ? bias[j] : 0;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * strides[0] + kh * dil[0] - gh.before;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * strides[1] + kw * dil[1] - gw.before;
            if (iw < 0 || iw >= Wd) continue;
            const xb = ((b * H + ih) * Wd + iw) * C;
            const kb = (kh * KW + kw) * CM;
            for (let j = 0; j < CM; j++) out[o + j] += x.data[xb + Math.floor(j / M)] * kernel[kb + j];
          }
        }
      }
    }
  }
  return { shape: [B, gh.out, gw.out, CM], data: out };
}

/** Keras deconv_output_length. */
function deconvLength(n, k, padding, outputPadding, stride) {
  if (outputPadding == null) return padding === 'valid' ? n * stride + Math.max(k - stride, 0) : n * stride;
  const pad = padding === 'same' ? Math.floor(k / 2) : 0;
  return (n - 1) * stride + k - 2 * pad + outputPadding;
}

/**
 * Transposed 2-D convolution (TF conv2d_transpose with Keras's output size),
 * kernel (KH, KW, F, Cin): input pixel i scatters to output o = i * s + k - pad,
 * where pad is the forward 'same' padding of the output size (0 for 'valid').
 */
function convTranspose64(x, kernel, kshape, bias, strides, padding, outputPadding) {
  const [B, H, Wd, Cin] = x.shape;
  const [KH, KW, F] = kshape;
  const op = outputPadding ?? [null, null];
  const OH = deconvLength(H, KH, padding, op[0], strides[0]);
  const OW = deconvLength(Wd, KW, padding, op[1], strides[1]);
  const padBefore = (n, k, s, outN) => (padding === 'valid' ? 0 : Math.floor(Math.max((n - 1) * s + k - outN, 0) / 2));
  const ph = padBefore(H, KH, strides[0], OH);
  const pw = padBefore(Wd, KW, strides[1], OW);
  const out = new Float64Array(B * OH * OW * F);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < OH * OW; i++) for (let f = 0; f < F; f++) out[(b * OH * OW + i) * F + f] = bias ? bias[f] : 0;
    for (let ih = 0; ih < H; ih++) {
      for (let iw = 0; iw < Wd; iw++) {
        const xb = ((b * H + ih) * Wd + iw) * Cin;
        for (let kh = 0; kh < KH; kh++) {
          const oh = ih * strides[0] + kh - ph;
          if (oh < 0 || oh >= OH) continue;
          for (let kw = 0; kw < KW; kw++) {
            const ow = iw * strides[1] + kw - pw;
            if (ow < 0 || ow >= OW) continue;
            const ob = ((b * OH + oh) * OW + ow) * F;
            for (let f = 0; f < F; f++) {
              const kb = ((kh * KW + kw) * F + f) * Cin;
              let s = 0;
              for (let c = 0; c < Cin; c++) s += x.data[xb + c] * kernel[kb + c];
              out[ob + f] += s;
            }
          }
        }
      }
    }
  }
  return { shape: [B, OH, OW, F], data: out };
}

/** Max / average pooling over (B, H, W, C); average counts only non-padding elements. */
function pool64(x, pool, strides, padding, mode) {
  const [B, H, Wd, C] = x.shape;
  const gh = convGeometry(H, pool[0], strides[0], 1, padding);
  const gw = convGeometry(Wd, pool[1], strides[1], 1, padding);
  const out = new Float64Array(B * gh.out * gw.out * C);
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < gh.out; oh++) {
      for (let ow = 0; ow < gw.out; ow++) {
        for (let c = 0; c < C; c++, o++) {
          let acc = mode === 'max' ? -Infinity : 0;
          let count = 0;
          for (let kh = 0; kh < pool[0]; kh++) {
            const ih = oh * strides[0] + kh - gh.before;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < pool[1]; kw++) {
              const iw = ow * strides[1] + kw - gw.before;
              if (iw < 0 || iw >= Wd) continue;
              const v = x.data[((b * H + ih) * Wd + iw) * C + c];
              acc = mode === 'max' ? Math.max(acc, v) : acc + v;
              count++;
            }
          }
          out[o] = mode === 'max' ? acc : acc / count;
        }
      }
    }
  }
  return { shape: [B, gh.out, gw.out, C], data: out };
}

/** Applies f(coords) -> source flat index (or -1 for zero) over an output shape. */
function gather64(shape, src, f) {
  const out = new Float64Array(prod(shape));
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    const s = f(idx);
    out[i] = s < 0 ? 0 : src.data[s];
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return { shape, data: out };
}

/** Zero padding: pads[d] = [before, after] for every axis. */
function pad64(x, pads) {
  const shape = x.shape.map((n, d) => n + pads[d][0] + pads[d][1]);
  const st = stridesOf(x.shape);
  return gather64(shape, x, (idx) => {
    let s = 0;
    for (let d = 0; d < idx.length; d++) {
      const i = idx[d] - pads[d][0];
      if (i < 0 || i >= x.shape[d]) return -1;
      s += i * st[d];
    }
    return s;
  });
}

/** Cropping: crops[d] = [start, end] for every axis. */
function crop64(x, crops) {
  const shape = x.shape.map((n, d) => n - crops[d][0] - crops[d][1]);
  const st = stridesOf(x.shape);
  return gather64(shape, x, (idx) => idx.reduce((s, i, d) => s + (i + crops[d][0]) * st[d], 0));
}

/** Nearest upsampling (Keras repeat_elements along every spatial axis). */
function upsampleNearest64(x, sizes) {
  const shape = x.shape.map((n, d) => n * sizes[d]);
  const st = stridesOf(x.shape);
  return gather64(shape, x, (idx) => idx.reduce((s, i, d) => s + Math.floor(i / sizes[d]) * st[d], 0));
}

/** tf.image.resize(method='bilinear') of TF 2: half-pixel centers, no antialiasing. */
function resizeBilinear64(x, outH, outW) {
  const [B, H, Wd, C] = x.shape;
  const weights = (outN, inN) => Array.from({ length: outN }, (_, o) => {
    const src = (o + 0.5) * (inN / outN) - 0.5;
    const fl = Math.floor(src);
    return { lo: Math.max(fl, 0), hi: Math.min(Math.ceil(src), inN - 1), t: src - fl };
  });
  const ys = weights(outH, H);
  const xs = weights(outW, Wd);
  const out = new Float64Array(B * outH * outW * C);
  const at = (b, h, w, c) => x.data[((b * H + h) * Wd + w) * C + c];
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (const y of ys) {
      for (const xw of xs) {
        for (let c = 0; c < C; c++) {
          const top = at(b, y.lo, xw.lo, c) + (at(b, y.lo, xw.hi, c) - at(b, y.lo, xw.lo, c)) * xw.t;
          const bot = at(b, y.hi, xw.lo, c) + (at(b, y.hi, xw.hi, c) - at(b, y.hi, xw.lo, c)) * xw.t;
          out[o++] = top + (bot - top) * y.t;
        }
      }
    }
  }
  return { shape: [B, outH, outW, C], data: out };
}

/**
 * Normalizes x over the axes `axes` (LayerNormalization: statistics of x; BN:
 * the given moving statistics). params: gamma/beta indexed by the coordinates
 * along `paramAxes`.
 */
function normalize64(x, paramAxes, { gamma, beta, eps, statsAxes, mean, variance }) {
  const st = stridesOf(x.shape);
  const pShape = paramAxes.map((a) => x.shape[a]);
  const pSt = stridesOf(pShape);
  const coords = (i) => x.shape.map((n, d) => Math.floor(i / st[d]) % n);
  const pIndex = (c) => paramAxes.reduce((s, a, j) => s + c[a] * pSt[j], 0);
  const out = new Float64Array(x.data.length);
  if (statsAxes) { // LayerNormalization: mean/variance over statsAxes per position of the other axes
    const groupKey = (c) => c.map((v, d) => (statsAxes.includes(d) ? 0 : v)).join(',');
    const groups = new Map();
    for (let i = 0; i < x.data.length; i++) {
      const k = groupKey(coords(i));
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(i);
    }
    for (const idxs of groups.values()) {
      const m = idxs.reduce((s, i) => s + x.data[i], 0) / idxs.length;
      const v = idxs.reduce((s, i) => s + (x.data[i] - m) ** 2, 0) / idxs.length;
      for (const i of idxs) {
        const p = pIndex(coords(i));
        const n = (x.data[i] - m) / Math.sqrt(v + eps);
        out[i] = n * (gamma ? gamma[p] : 1) + (beta ? beta[p] : 0);
      }
    }
  } else { // BatchNormalization at inference
    for (let i = 0; i < x.data.length; i++) {
      const p = pIndex(coords(i));
      const n = (x.data[i] - mean[p]) / Math.sqrt(variance[p] + eps);
      out[i] = n * (gamma ? gamma[p] : 1) + (beta ? beta[p] : 0);
    }
  }
  return { shape: x.shape, data: out };
}

const to4d = (x) => ({ shape: [x.shape[0], 1, x.shape[1], x.shape[2]], data: x.data }); // (B, T, C) -> (B, 1, T, C)
const from4d = (y) => ({ shape: [y.shape[0], y.shape[2], y.shape[3]], data: y.data });

/**
 * One image-family layer call in float64, or undefined if `cls` is not one of
 * them. activate64(name, x) applies a Keras activation.
 */
export function image64(layer, cls, cfg, xs, W, activate64) {
  const x = xs[0];
  const rank = x.shape.length;
  const w = (v) => (v ? W.get(v) : null);
  const act = (y) => activate64(cfg.activation ?? 'linear', y);
  switch (cls) {
    case 'Conv1D': case 'Conv2D': { // 1-D runs as 2-D on (B, 1, T, C), kernel (1, K, C / groups, F)
      const is1d = cls === 'Conv1D';
      const y = conv2d64(is1d ? to4d(x) : x, w(layer.kernel), is1d ? [1, ...layer.kernel.shape] : layer.kernel.shape,
        cfg.useBias ? w(layer.bias) : null,
        is1d ? [1, asList(cfg.strides, 1)[0]] : asList(cfg.strides, 2),
        is1d ? [1, asList(cfg.dilationRate, 1)[0]] : asList(cfg.dilationRate, 2),
        [is1d ? 'valid' : cfg.padding, cfg.padding], cfg.groups ?? 1);
      return act(is1d ? from4d(y) : y);
    }
    case 'DepthwiseConv2D': {
      const y = depthwise64(x, w(layer.depthwiseKernel), layer.depthwiseKernel.shape,
        cfg.useBias ? w(layer.bias) : null, asList(cfg.strides, 2), asList(cfg.dilationRate, 2),
        [cfg.padding, cfg.padding]);
      return act(y);
    }
    case 'SeparableConv1D': case 'SeparableConv2D': { // depthwise (no bias), then 1x1 pointwise + bias
      const is1d = cls === 'SeparableConv1D';
      const d = depthwise64(is1d ? to4d(x) : x, w(layer.depthwiseKernel),
        is1d ? [1, ...layer.depthwiseKernel.shape] : layer.depthwiseKernel.shape, null,
        is1d ? [1, asList(cfg.strides, 1)[0]] : asList(cfg.strides, 2),
        is1d ? [1, asList(cfg.dilationRate, 1)[0]] : asList(cfg.dilationRate, 2),
        [is1d ? 'valid' : cfg.padding, cfg.padding]);
      const y = conv2d64(d, w(layer.pointwiseKernel), is1d ? [1, ...layer.pointwiseKernel.shape] : layer.pointwiseKernel.shape,
        cfg.useBias ? w(layer.bias) : null, [1, 1], [1, 1], ['valid', 'valid']);
      return act(is1d ? from4d(y) : y);
    }
    case 'Conv2DTranspose': {
      const y = convTranspose64(x, w(layer.kernel), layer.kernel.shape, cfg.useBias ? w(layer.bias) : null,
        asList(cfg.strides, 2), cfg.padding, cfg.outputPadding ? asList(cfg.outputPadding, 2) : null);
      return act(y);
    }
    case 'MaxPooling1D': case 'AveragePooling1D':
      return from4d(pool64(to4d(x), [1, asList(cfg.poolSize, 1)[0]], [1, asList(cfg.strides, 1)[0]],
        cfg.padding, cls.startsWith('Max') ? 'max' : 'avg'));
    case 'MaxPooling2D': case 'AveragePooling2D':
      return pool64(x, asList(cfg.poolSize, 2), asList(cfg.strides, 2), cfg.padding, cls.startsWith('Max') ? 'max' : 'avg');
    case 'GlobalAveragePooling1D': case 'GlobalMaxPooling1D':
    case 'GlobalAveragePooling2D': case 'GlobalMaxPooling2D': {
      const max = cls.startsWith('GlobalMax');
      const C = x.shape[rank - 1];
      const n = prod(x.shape.slice(1, -1));
      const B = x.shape[0];
      const out = new Float64Array(B * C);
      for (let b = 0; b < B; b++) {
        for (let c = 0; c < C; c++) {
          let acc = max ? -Infinity : 0;
          for (let i = 0; i < n; i++) {
            const v = x.data[(b * n + i) * C + c];
            acc = max ? Math.max(acc, v) : acc + v;
          }
          out[b * C + c] = max ? acc : acc / n;
        }
      }
      const shape = cfg.keepdims ? [B, ...x.shape.slice(1, -1).map(() => 1), C] : [B, C];
      return { shape, data: out };
    }
    case 'ZeroPadding1D': return pad64(x, [[0, 0], cfg.padding, [0, 0]]);
    case 'ZeroPadding2D': return pad64(x, [[0, 0], cfg.padding[0], cfg.padding[1], [0, 0]]);
    case 'Cropping1D': return crop64(x, [[0, 0], cfg.cropping, [0, 0]]);
    case 'Cropping2D': return crop64(x, [[0, 0], cfg.cropping[0], cfg.cropping[1], [0, 0]]);
    case 'UpSampling1D': return upsampleNearest64(x, [1, cfg.size, 1]);
    case 'UpSampling2D': {
      const size = asList(cfg.size, 2);
      if (cfg.interpolation === 'bilinear') return resizeBilinear64(x, x.shape[1] * size[0], x.shape[2] * size[1]);
      return upsampleNearest64(x, [1, size[0], size[1], 1]);
    }
    case 'BatchNormalization': {
      const axis = (cfg.axis + rank) % rank;
      return normalize64(x, [axis], {
        gamma: cfg.scale ? w(layer.gamma) : null, beta: cfg.center ? w(layer.beta) : null, eps: cfg.epsilon,
        mean: w(layer.movingMean), variance: w(layer.movingVariance),
      });
    }
    case 'LayerNormalization': {
      const axes = asList(cfg.axis, 1).map((a) => (a + rank) % rank);
      return normalize64(x, axes, {
        gamma: cfg.scale ? w(layer.gamma) : null, beta: cfg.center ? w(layer.beta) : null, eps: cfg.epsilon,
        statsAxes: axes,
      });
    }
    case 'SpatialDropout1D': case 'SpatialDropout2D':
    case 'GaussianNoise': case 'GaussianDropout': case 'AlphaDropout':
      return x; // inference
    default:
      return undefined;
  }
}
