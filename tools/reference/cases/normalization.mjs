// BatchNormalization (inference: moving statistics) and LayerNormalization.
//
// BatchNormalization: out = (x - moving_mean) / sqrt(moving_variance +
// epsilon) * gamma + beta along `axis` (default -1), epsilon default 1e-3;
// weights in order gamma, beta, moving_mean, moving_variance (gamma absent
// with scale=False, beta with center=False). Here gamma is uniform in
// [-1.5, 1.5] (both signs), beta and moving_mean in [-0.5, 0.5],
// moving_variance in [0.25, 2] unless stated. Cases cover BN right after the
// input, after Dense and Conv2D (which Kiln folds into the layer), after a
// Conv2D with a relu (cannot be folded: the relu comes first), Conv2D -> BN ->
// Activation('relu'), and a depthwise/no-bias variant.
//
// LayerNormalization: per sample, mean and (biased) variance over `axis`
// (default -1), out = (x - mean) / sqrt(variance + epsilon) * gamma + beta,
// epsilon default 1e-3, gamma/beta of shape (input_shape[a] for a in axis).
//
// tfjs gap I10: BatchNormalization over an axis other than the last is wrong
// in tfjs (its CPU kernel cycles the parameters by flat index); computed by a
// tfjs subclass with broadcasting ops. Otherwise tfjs matches Keras (rank <= 4
// for BatchNormalization; axis lists for LayerNormalization are supported).

import { Dense, Activation } from '../lib/common.mjs';
import {
  Conv1D, Conv2D, DepthwiseConv2D, BatchNormalization, LayerNormalization,
} from '../lib/image_layers.mjs';
import { L, chainCase } from '../lib/image_case.mjs';

export const CASES = [];
const add = (c) => CASES.push(chainCase(c));

const BN = L('BatchNormalization()', (o) => BatchNormalization({ ...o }));
const conv = (keras, cfg) => L(keras, (o) => Conv2D({ ...cfg, ...o }));

add({
  name: 'batch_normalization_input', input: [4, 5, 3],
  layers: [BN],
  note: 'BatchNormalization() directly on the input (None, 4, 5, 3): per channel (axis -1), epsilon 1e-3; ' +
    'weights batch_normalization/gamma, beta, moving_mean, moving_variance, each (3,).',
});
add({
  name: 'batch_normalization_input_2d', input: [6],
  layers: [BN],
  note: 'BatchNormalization() directly on a (None, 6) input: per feature.',
});
add({
  name: 'batch_normalization_dense', input: [5],
  layers: [L('Dense(8)', (o) => Dense({ units: 8, ...o })), BN],
  note: 'Dense(8) then BatchNormalization(): foldable into the Dense (scale the kernel columns, shift the bias).',
});
add({
  name: 'batch_normalization_conv2d', input: [6, 6, 3],
  layers: [conv('Conv2D(4, 3)', { filters: 4, kernelSize: 3 }), BN],
  note: 'Conv2D(4, 3) then BatchNormalization(): foldable into the convolution; out (None, 4, 4, 4).',
});
add({
  name: 'batch_normalization_conv_no_bias', input: [6, 5, 3],
  layers: [conv("Conv2D(4, 3, padding='same', use_bias=False)", { filters: 4, kernelSize: 3, padding: 'same', useBias: false }), BN],
  note: "Conv2D(4, 3, padding='same', use_bias=False) then BatchNormalization() (the ResNet pattern: the " +
    'folded layer gains a bias); out (None, 6, 5, 4).',
});
add({
  name: 'batch_normalization_epsilon', input: [5, 5, 2],
  bnRanges: { moving_variance: [0.01, 0.3] },
  layers: [conv("Conv2D(4, 3, padding='same')", { filters: 4, kernelSize: 3, padding: 'same' }),
    L('BatchNormalization(epsilon=0.1)', (o) => BatchNormalization({ epsilon: 0.1, ...o }))],
  note: "Conv2D(4, 3, padding='same') then BatchNormalization(epsilon=0.1), moving_variance in [0.01, 0.3] so " +
    'that epsilon matters (a wrong epsilon changes outputs by 10-50%).',
});
add({
  name: 'batch_normalization_no_center', input: [6, 6, 3],
  layers: [conv('Conv2D(4, 3)', { filters: 4, kernelSize: 3 }),
    L('BatchNormalization(center=False)', (o) => BatchNormalization({ center: false, ...o }))],
  note: 'Conv2D(4, 3) then BatchNormalization(center=False): no beta (weights gamma, moving_mean, moving_variance).',
});
add({
  name: 'batch_normalization_no_scale', input: [6, 6, 3],
  layers: [conv('Conv2D(4, 3)', { filters: 4, kernelSize: 3 }),
    L('BatchNormalization(scale=False)', (o) => BatchNormalization({ scale: false, ...o }))],
  note: 'Conv2D(4, 3) then BatchNormalization(scale=False): no gamma (weights beta, moving_mean, moving_variance).',
});
add({
  name: 'batch_normalization_no_center_no_scale', input: [5],
  layers: [L('Dense(6)', (o) => Dense({ units: 6, ...o })),
    L('BatchNormalization(center=False, scale=False)', (o) => BatchNormalization({ center: false, scale: false, ...o }))],
  note: 'Dense(6) then BatchNormalization(center=False, scale=False): only moving_mean and moving_variance.',
});
add({
  name: 'batch_normalization_axis1', input: [4, 5],
  layers: [L('BatchNormalization(axis=1)', (o) => BatchNormalization({ axis: 1, ...o }))],
  note: 'BatchNormalization(axis=1) on a (None, 4, 5) input: statistics per position along axis 1 (4 of ' +
    'them, weights (4,)), shared by the 5 features of the last axis. tfjs gap I10 (tfjs subclass with ' +
    'broadcasting ops).',
});
add({
  name: 'batch_normalization_conv_relu', input: [6, 6, 3],
  layers: [conv("Conv2D(4, 3, activation='relu')", { filters: 4, kernelSize: 3, activation: 'relu' }), BN],
  note: "Conv2D(4, 3, activation='relu') then BatchNormalization(): the relu comes before the normalization, " +
    'so the BN cannot be folded into the convolution (outputs can be negative).',
});
add({
  name: 'batch_normalization_conv_bn_relu', input: [6, 6, 3],
  layers: [conv('Conv2D(4, 3)', { filters: 4, kernelSize: 3 }), BN,
    L("Activation('relu')", (o) => Activation({ activation: 'relu', ...o }))],
  note: "Conv2D(4, 3), BatchNormalization(), Activation('relu'): foldable into one convolution with a relu.",
});
add({
  name: 'batch_normalization_conv1d', input: [9, 3],
  layers: [L("Conv1D(5, 3, padding='same')", (o) => Conv1D({ filters: 5, kernelSize: 3, padding: 'same', ...o })), BN],
  note: "Conv1D(5, 3, padding='same') then BatchNormalization() on (None, 9, 5).",
});
add({
  name: 'batch_normalization_depthwise', input: [6, 6, 4],
  layers: [L("DepthwiseConv2D(3, padding='same', use_bias=False)",
    (o) => DepthwiseConv2D({ kernelSize: 3, padding: 'same', useBias: false, ...o })), BN,
  L("Activation('relu')", (o) => Activation({ activation: 'relu', ...o }))],
  note: "DepthwiseConv2D(3, padding='same', use_bias=False), BatchNormalization(), Activation('relu') " +
    '(the MobileNet block).',
});

// --- LayerNormalization ---------------------------------------------------------------

add({
  name: 'layer_normalization', input: [5, 8],
  layers: [L('LayerNormalization()', (o) => LayerNormalization({ ...o }))],
  note: 'LayerNormalization() on (None, 5, 8): per (sample, step), over the 8 features; gamma, beta (8,); epsilon 1e-3.',
});
add({
  name: 'layer_normalization_axes12', input: [4, 6],
  layers: [L('LayerNormalization(axis=[1, 2])', (o) => LayerNormalization({ axis: [1, 2], ...o }))],
  note: 'LayerNormalization(axis=[1, 2]) on (None, 4, 6): per sample over all 24 values; gamma, beta (4, 6).',
});
add({
  name: 'layer_normalization_no_center_scale', input: [5, 8],
  layers: [L('LayerNormalization(center=False, scale=False)', (o) => LayerNormalization({ center: false, scale: false, ...o }))],
  note: 'LayerNormalization(center=False, scale=False) on (None, 5, 8): no weights, plain standardization.',
});
add({
  name: 'layer_normalization_dense', input: [6],
  layers: [L('Dense(10)', (o) => Dense({ units: 10, ...o })),
    L('LayerNormalization(epsilon=0.01)', (o) => LayerNormalization({ epsilon: 0.01, ...o }))],
  note: 'Dense(10) then LayerNormalization(epsilon=0.01): over the 10 features per sample.',
});
add({
  name: 'layer_normalization_conv2d', input: [5, 5, 3],
  layers: [conv("Conv2D(6, 3, padding='same')", { filters: 6, kernelSize: 3, padding: 'same' }),
    L('LayerNormalization()', (o) => LayerNormalization({ ...o }))],
  note: "Conv2D(6, 3, padding='same') then LayerNormalization() over the channels of every pixel.",
});
