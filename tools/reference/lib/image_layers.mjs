// tfjs wrappers for the image layer family (convolution, pooling, padding,
// cropping, upsampling, normalization, noise), with Keras 2 defaults, and
// tfjs subclasses that fill tfjs's gaps with tfjs ops (README, image-family gaps I1-I11).
//
// Every wrapper takes the tfjs config (camelCase) and passes Keras's default
// name in `name` (set by the case). Initializers are 'zeros' (weights are
// always set afterwards). A wrapper returns tfjs's own layer unless the config
// uses a feature tfjs lacks; then it returns the subclass below, whose
// className is Keras's (so model.json says 'Conv2D' with "groups": 2, etc.),
// whose weights have Keras's names and shapes, and whose call() computes the
// Keras result with tfjs ops. The float64 cross-check (lib/float64_image.mjs)
// and the numpy check recompute all of them independently.

import { tf } from './common.mjs';

const ZERO_INIT = { kernelInitializer: 'zeros', biasInitializer: 'zeros' };
const one = (x) => (Array.isArray(x) && (Array.isArray(x[0]) || x[0] instanceof tf.Tensor) ? x[0] : x);
const probe = (layer) => layer.constructor; // tfjs exports the factories, not the classes

const TfConv1D = probe(tf.layers.conv1d({ filters: 1, kernelSize: 1 }));
const TfConv2D = probe(tf.layers.conv2d({ filters: 1, kernelSize: 1 }));
const TfSeparableConv2D = probe(tf.layers.separableConv2d({ filters: 1, kernelSize: 1 }));
const TfSeparableConv = Object.getPrototypeOf(TfSeparableConv2D); // rank-generic base
const TfDepthwiseConv2D = probe(tf.layers.depthwiseConv2d({ kernelSize: 1 }));
const TfConv2DTranspose = probe(tf.layers.conv2dTranspose({ filters: 1, kernelSize: 1 }));
const TfUpSampling2D = probe(tf.layers.upSampling2d({}));
const TfBatchNormalization = probe(tf.layers.batchNormalization({}));
const TfGlobal = {
  GlobalAveragePooling1D: probe(tf.layers.globalAveragePooling1d({})),
  GlobalMaxPooling1D: probe(tf.layers.globalMaxPooling1d({})),
  GlobalAveragePooling2D: probe(tf.layers.globalAveragePooling2d({})),
  GlobalMaxPooling2D: probe(tf.layers.globalMaxPooling2d({})),
};

/** Keras conv_utils.conv_output_length ('causal' keeps the length, like 'same'). */
export function convOutputLength(n, k, padding, stride, dilation = 1) {
  const dk = k + (k - 1) * (dilation - 1);
  const len = padding === 'same' || padding === 'causal' ? n : n - dk + 1;
  return Math.floor((len + stride - 1) / stride);
}

/** Keras conv_utils.deconv_output_length (with output_padding). */
export function deconvOutputLength(n, k, padding, outputPadding, stride) {
  if (outputPadding == null) {
    return padding === 'valid' ? n * stride + Math.max(k - stride, 0) : n * stride;
  }
  const pad = padding === 'same' ? Math.floor(k / 2) : 0;
  return (n - 1) * stride + k - 2 * pad + outputPadding;
}

// ---------------------------------------------------------------------------
// Gap subclasses
// ---------------------------------------------------------------------------

/** Conv1D/Conv2D with `groups` > 1 and/or padding 'causal' (gaps I1, I2). */
function groupedCausalConv(Base, rank, className) {
  return class extends Base {
    static className = className;
    constructor(args) {
      const { groups = 1, ...rest } = args;
      super(rest);
      this.groups = groups;
    }
    build(inputShape) {
      inputShape = one(inputShape);
      const inputDim = inputShape[inputShape.length - 1];
      if (inputDim % this.groups || this.filters % this.groups) {
        throw new Error(`${this.name}: channels ${inputDim} / filters ${this.filters} not divisible by groups ${this.groups}`);
      }
      this.kernel = this.addWeight('kernel', [...this.kernelSize, inputDim / this.groups, this.filters], null,
        this.kernelInitializer, this.kernelRegularizer, true, this.kernelConstraint);
      if (this.useBias) {
        this.bias = this.addWeight('bias', [this.filters], null, this.biasInitializer, this.biasRegularizer, true,
          this.biasConstraint);
      }
      this.inputSpec = [{ ndim: rank + 2, axes: { [rank + 1]: inputDim } }];
      this.built = true;
    }
    computeOutputShape(inputShape) {
      inputShape = one(inputShape);
      const space = inputShape.slice(1, -1).map((n, i) =>
        convOutputLength(n, this.kernelSize[i], this.padding, this.strides[i], this.dilationRate[i]));
      return [inputShape[0], ...space, this.filters];
    }
    call(inputs) {
      return tf.tidy(() => {
        let x = one(inputs);
        let pad = this.padding;
        if (pad === 'causal') { // left-pad the time axis by the dilated kernel extent - 1, then 'valid'
          x = tf.pad(x, [[0, 0], [this.dilationRate[0] * (this.kernelSize[0] - 1), 0], [0, 0]]);
          pad = 'valid';
        }
        const conv = (xi, ki) => (rank === 1 ?
          tf.conv1d(xi, ki, this.strides[0], pad, 'NWC', this.dilationRate[0]) :
          tf.conv2d(xi, ki, this.strides, pad, 'NHWC', this.dilationRate));
        const kernel = this.kernel.read();
        let y;
        if (this.groups === 1) {
          y = conv(x, kernel);
        } else { // per-group convolutions on contiguous channel slices, concatenated
          const xs = tf.split(x, this.groups, -1);
          const ks = tf.split(kernel, this.groups, -1);
          y = tf.concat(xs.map((xi, g) => conv(xi, ks[g])), -1);
        }
        if (this.useBias) y = tf.add(y, this.bias.read());
        return this.activation.apply(y);
      });
    }
    getConfig() {
      return { ...super.getConfig(), groups: this.groups };
    }
  };
}
const Conv1DK = groupedCausalConv(TfConv1D, 1, 'Conv1D');
const Conv2DK = groupedCausalConv(TfConv2D, 2, 'Conv2D');

/** SeparableConv1D (gap I3): tfjs's rank-1 SeparableConv throws in call(). */
class SeparableConv1DK extends TfSeparableConv {
  static className = 'SeparableConv1D';
  constructor(args) {
    super(1, args);
  }
  call(inputs) {
    return tf.tidy(() => {
      // As Keras does it: a 2-D separable convolution over (batch, 1, width, channels).
      const x = tf.expandDims(one(inputs), 1);
      const dk = tf.expandDims(this.depthwiseKernel.read(), 0);
      const pk = tf.expandDims(this.pointwiseKernel.read(), 0);
      let y = tf.separableConv2d(x, dk, pk, [1, this.strides[0]], this.padding, [1, this.dilationRate[0]], 'NHWC');
      y = tf.squeeze(y, [1]);
      if (this.useBias) y = tf.add(y, this.bias.read());
      return this.activation.apply(y);
    });
  }
}

/** DepthwiseConv2D with dilation_rate (gap I4): tfjs ignores the dilation. */
class DepthwiseConv2DK extends TfDepthwiseConv2D {
  static className = 'DepthwiseConv2D';
  call(inputs) {
    return tf.tidy(() => {
      let y = tf.depthwiseConv2d(one(inputs), this.depthwiseKernel.read(), this.strides, this.padding, 'NHWC',
        this.dilationRate);
      if (this.useBias) y = tf.add(y, this.bias.read());
      return this.activation.apply(y);
    });
  }
  computeOutputShape(inputShape) {
    inputShape = one(inputShape);
    const [b, h, w, c] = inputShape;
    return [b,
      convOutputLength(h, this.kernelSize[0], this.padding, this.strides[0], this.dilationRate[0]),
      convOutputLength(w, this.kernelSize[1], this.padding, this.strides[1], this.dilationRate[1]),
      c * this.depthMultiplier];
  }
}

/** Conv2DTranspose with output_padding (gap I5). */
class Conv2DTransposeK extends TfConv2DTranspose {
  static className = 'Conv2DTranspose';
  constructor(args) {
    const { outputPadding, ...rest } = args;
    super(rest);
    this.outputPadding = typeof outputPadding === 'number' ? [outputPadding, outputPadding] : outputPadding;
    this.outputPadding.forEach((p, i) => {
      if (p >= this.strides[i]) throw new Error(`${this.name}: output_padding must be smaller than the stride`);
    });
  }
  outSize(inputShape) {
    return [0, 1].map((i) => deconvOutputLength(inputShape[1 + i], this.kernelSize[i], this.padding,
      this.outputPadding[i], this.strides[i]));
  }
  computeOutputShape(inputShape) {
    inputShape = one(inputShape);
    return [inputShape[0], ...this.outSize(inputShape), this.filters];
  }
  call(inputs) {
    return tf.tidy(() => {
      const x = one(inputs);
      // tf.conv2dTranspose derives the padding from the requested output size
      // the way TF's conv2d_transpose does (Keras passes the same shape to TF).
      let y = tf.conv2dTranspose(x, this.kernel.read(), [x.shape[0], ...this.outSize(x.shape), this.filters],
        this.strides, this.padding);
      if (this.useBias) y = tf.add(y, this.bias.read());
      return this.activation.apply(y);
    });
  }
  getConfig() {
    return { ...super.getConfig(), outputPadding: this.outputPadding };
  }
}

/** UpSampling2D(interpolation='bilinear') the TF 2 way (gap I6): half-pixel centers. */
class UpSampling2DK extends TfUpSampling2D {
  static className = 'UpSampling2D';
  call(inputs) {
    return tf.tidy(() => {
      const x = one(inputs);
      const size = [this.size[0] * x.shape[1], this.size[1] * x.shape[2]];
      return tf.image.resizeBilinear(x, size, false, true); // alignCorners false, halfPixelCenters true
    });
  }
}

/** Global pooling with keepdims=True (gap I7). */
function keepdimsGlobal(className, rank, max) {
  return class extends TfGlobal[className] {
    static className = className;
    constructor(args) {
      const { keepdims = false, ...rest } = args;
      super(rest);
      this.keepdims = keepdims;
    }
    computeOutputShape(inputShape) {
      inputShape = one(inputShape);
      return inputShape.map((n, i) => (i >= 1 && i <= rank ? 1 : n));
    }
    call(inputs) {
      return tf.tidy(() => {
        const axes = rank === 1 ? [1] : [1, 2];
        return max ? tf.max(one(inputs), axes, true) : tf.mean(one(inputs), axes, true);
      });
    }
    getConfig() {
      return { ...super.getConfig(), keepdims: this.keepdims };
    }
  };
}
const GLOBAL_KEEPDIMS = {
  GlobalAveragePooling1D: keepdimsGlobal('GlobalAveragePooling1D', 1, false),
  GlobalMaxPooling1D: keepdimsGlobal('GlobalMaxPooling1D', 1, true),
  GlobalAveragePooling2D: keepdimsGlobal('GlobalAveragePooling2D', 2, false),
  GlobalMaxPooling2D: keepdimsGlobal('GlobalMaxPooling2D', 2, true),
};

/**
 * BatchNormalization over an axis other than the last (gap I10): tfjs's CPU
 * batchNorm kernel cycles the parameters by flat index, which is only right
 * when they run along the last axis. Explicit broadcasting ops instead.
 */
class BatchNormalizationK extends TfBatchNormalization {
  static className = 'BatchNormalization';
  call(inputs) {
    return tf.tidy(() => {
      const x = one(inputs);
      const axis = this.axis >= 0 ? this.axis : this.axis + x.rank;
      const shape = x.shape.map((n, i) => (i === axis ? n : 1));
      const r = (v) => tf.reshape(v.read(), shape);
      let y = tf.div(tf.sub(x, r(this.movingMean)), tf.sqrt(tf.add(r(this.movingVariance), this.epsilon)));
      if (this.scale) y = tf.mul(y, r(this.gamma));
      if (this.center) y = tf.add(y, r(this.beta));
      return y;
    });
  }
}

const pair = (v, dflt) => (v == null ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v);

/** ZeroPadding1D (gap I8): missing in tfjs. padding: int or [left, right]; default 1. */
class ZeroPadding1DK extends tf.layers.Layer {
  static className = 'ZeroPadding1D';
  constructor(args) {
    super(args);
    this.padding = pair(args.padding, 1);
    this.inputSpec = [{ ndim: 3 }];
  }
  computeOutputShape(s) {
    s = one(s);
    return [s[0], s[1] + this.padding[0] + this.padding[1], s[2]];
  }
  call(inputs) {
    return tf.tidy(() => tf.pad(one(inputs), [[0, 0], this.padding, [0, 0]]));
  }
  getConfig() {
    return { ...super.getConfig(), padding: this.padding };
  }
}

/** Cropping1D (gap I8): missing in tfjs. cropping: int or [start, end]; default 1. */
class Cropping1DK extends tf.layers.Layer {
  static className = 'Cropping1D';
  constructor(args) {
    super(args);
    this.cropping = pair(args.cropping, 1);
    this.inputSpec = [{ ndim: 3 }];
  }
  computeOutputShape(s) {
    s = one(s);
    return [s[0], s[1] - this.cropping[0] - this.cropping[1], s[2]];
  }
  call(inputs) {
    return tf.tidy(() => {
      const x = one(inputs);
      return tf.slice(x, [0, this.cropping[0], 0], [-1, x.shape[1] - this.cropping[0] - this.cropping[1], -1]);
    });
  }
  getConfig() {
    return { ...super.getConfig(), cropping: this.cropping };
  }
}

/** UpSampling1D (gap I8): missing in tfjs; Keras repeats every step `size` times. */
class UpSampling1DK extends tf.layers.Layer {
  static className = 'UpSampling1D';
  constructor(args) {
    super(args);
    this.size = args.size ?? 2;
    this.inputSpec = [{ ndim: 3 }];
  }
  computeOutputShape(s) {
    s = one(s);
    return [s[0], s[1] * this.size, s[2]];
  }
  call(inputs) {
    return tf.tidy(() => {
      const x = one(inputs);
      const [b, t, c] = x.shape;
      return tf.reshape(tf.tile(tf.expandDims(x, 2), [1, 1, this.size, 1]), [b, t * this.size, c]);
    });
  }
  getConfig() {
    return { ...super.getConfig(), size: this.size };
  }
}

/** SpatialDropout2D (gap I9): missing in tfjs; the identity at inference. */
class SpatialDropout2DK extends tf.layers.Layer {
  static className = 'SpatialDropout2D';
  constructor(args) {
    super(args);
    this.rate = args.rate;
    this.inputSpec = [{ ndim: 4 }];
  }
  computeOutputShape(s) {
    return one(s);
  }
  call(inputs) {
    return tf.tidy(() => tf.clone(one(inputs)));
  }
  getConfig() {
    return { ...super.getConfig(), rate: this.rate };
  }
}

// ---------------------------------------------------------------------------
// Wrappers (Keras defaults; the gap subclass only where needed)
// ---------------------------------------------------------------------------

export const Conv1D = (cfg) => ((cfg.groups ?? 1) > 1 || cfg.padding === 'causal' ?
  new Conv1DK({ ...ZERO_INIT, ...cfg }) : tf.layers.conv1d({ ...ZERO_INIT, ...cfg }));
export const Conv2D = (cfg) => ((cfg.groups ?? 1) > 1 ?
  new Conv2DK({ ...ZERO_INIT, ...cfg }) : tf.layers.conv2d({ ...ZERO_INIT, ...cfg }));
const SEP_INIT = { depthwiseInitializer: 'zeros', pointwiseInitializer: 'zeros', biasInitializer: 'zeros' };
export const SeparableConv1D = (cfg) => new SeparableConv1DK({ ...SEP_INIT, ...cfg });
export const SeparableConv2D = (cfg) => tf.layers.separableConv2d({ ...SEP_INIT, ...cfg });
const DW_INIT = { depthwiseInitializer: 'zeros', biasInitializer: 'zeros' };
export const DepthwiseConv2D = (cfg) => {
  const d = cfg.dilationRate ?? 1;
  return (Array.isArray(d) ? d.some((v) => v !== 1) : d !== 1) ?
    new DepthwiseConv2DK({ ...DW_INIT, ...cfg }) : tf.layers.depthwiseConv2d({ ...DW_INIT, ...cfg });
};
export const Conv2DTranspose = (cfg) => (cfg.outputPadding != null ?
  new Conv2DTransposeK({ ...ZERO_INIT, ...cfg }) : tf.layers.conv2dTranspose({ ...ZERO_INIT, ...cfg }));

export const MaxPooling1D = (cfg) => tf.layers.maxPooling1d(cfg);
export const MaxPooling2D = (cfg) => tf.layers.maxPooling2d(cfg);
export const AveragePooling1D = (cfg) => tf.layers.averagePooling1d(cfg);
export const AveragePooling2D = (cfg) => tf.layers.averagePooling2d(cfg);
const globalWrapper = (cls, factory) => (cfg) => (cfg.keepdims ? new GLOBAL_KEEPDIMS[cls](cfg) : factory(cfg));
export const GlobalAveragePooling1D = globalWrapper('GlobalAveragePooling1D', tf.layers.globalAveragePooling1d);
export const GlobalMaxPooling1D = globalWrapper('GlobalMaxPooling1D', tf.layers.globalMaxPooling1d);
export const GlobalAveragePooling2D = globalWrapper('GlobalAveragePooling2D', tf.layers.globalAveragePooling2d);
export const GlobalMaxPooling2D = globalWrapper('GlobalMaxPooling2D', tf.layers.globalMaxPooling2d);

export const ZeroPadding1D = (cfg) => new ZeroPadding1DK(cfg);
export const ZeroPadding2D = (cfg) => tf.layers.zeroPadding2d(cfg);
export const Cropping1D = (cfg) => new Cropping1DK(cfg);
export const Cropping2D = (cfg) => tf.layers.cropping2D(cfg);
export const UpSampling1D = (cfg) => new UpSampling1DK(cfg);
export const UpSampling2D = (cfg) => (cfg.interpolation === 'bilinear' ? new UpSampling2DK(cfg) : tf.layers.upSampling2d(cfg));

const BN_INIT = {
  betaInitializer: 'zeros', gammaInitializer: 'zeros', movingMeanInitializer: 'zeros', movingVarianceInitializer: 'zeros',
};
export const BatchNormalization = (cfg) => (cfg.axis != null && cfg.axis !== -1 ?
  new BatchNormalizationK({ ...BN_INIT, ...cfg }) : tf.layers.batchNormalization({ ...BN_INIT, ...cfg }));
export const LayerNormalization = (cfg) => tf.layers.layerNormalization({ betaInitializer: 'zeros', gammaInitializer: 'zeros', ...cfg });

export const SpatialDropout1D = (cfg) => tf.layers.spatialDropout1d(cfg);
export const SpatialDropout2D = (cfg) => new SpatialDropout2DK(cfg);
export const GaussianNoise = (cfg) => tf.layers.gaussianNoise(cfg);
export const GaussianDropout = (cfg) => tf.layers.gaussianDropout(cfg);
export const AlphaDropout = (cfg) => tf.layers.alphaDropout(cfg);
