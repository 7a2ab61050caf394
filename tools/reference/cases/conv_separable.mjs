// SeparableConv1D/2D, DepthwiseConv2D and Conv2DTranspose.
//
// Weights (Keras shapes): SeparableConvND depthwise_kernel (k..., in,
// depth_multiplier), pointwise_kernel (1..., in * depth_multiplier, filters),
// bias (filters,); DepthwiseConv2D depthwise_kernel (kh, kw, in,
// depth_multiplier), bias (in * depth_multiplier,), output channel
// c * depth_multiplier + m; Conv2DTranspose kernel (kh, kw, filters, in).
//
// Conv2DTranspose output size (Keras deconv_output_length): without
// output_padding, valid: in * stride + max(k - stride, 0), same: in * stride;
// with output_padding: (in - 1) * stride + k - 2 * pad + output_padding, pad =
// k // 2 for same, 0 for valid. The arithmetic is TF's conv2d_transpose for
// that output size: input pixel i adds kernel tap t at output i * stride + t -
// pad_before, pad_before = floor(max((in - 1) * stride + k - out, 0) / 2) for
// same, 0 for valid.
//
// tfjs gaps: SeparableConv1D (I3), DepthwiseConv2D dilation_rate (I4),
// Conv2DTranspose output_padding (I5), all computed by tfjs subclasses
// (lib/image_layers.mjs).

import { SeparableConv1D, SeparableConv2D, DepthwiseConv2D, Conv2DTranspose } from '../lib/image_layers.mjs';
import { L, chainCase } from '../lib/image_case.mjs';

export const CASES = [];
const add = (c) => CASES.push(chainCase(c));

// --- SeparableConv2D / SeparableConv1D ------------------------------------------

add({
  name: 'separable_conv2d', input: [7, 7, 3],
  layers: [L('SeparableConv2D(4, 3)', (o) => SeparableConv2D({ filters: 4, kernelSize: 3, ...o }))],
  note: 'SeparableConv2D(4, 3) on (None, 7, 7, 3): depthwise 3x3 per channel (depthwise_kernel (3, 3, 3, 1)), ' +
    'then 1x1 to 4 filters (pointwise_kernel (1, 1, 3, 4)) plus bias; valid, out (None, 5, 5, 4).',
});
add({
  name: 'separable_conv2d_dm2_same_strides', input: [8, 7, 3],
  layers: [L("SeparableConv2D(5, 3, strides=2, padding='same', depth_multiplier=2)",
    (o) => SeparableConv2D({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, ...o }))],
  note: "SeparableConv2D(5, 3, strides=2, padding='same', depth_multiplier=2) on (None, 8, 7, 3): " +
    'depthwise_kernel (3, 3, 3, 2) -> 6 intermediate channels (channel c * 2 + m), pointwise_kernel (1, 1, 6, 5); ' +
    'out (None, 4, 4, 5), rows padded 0 / 1, columns 1 / 1.',
});
add({
  name: 'separable_conv2d_no_bias_relu', input: [6, 6, 4],
  layers: [L("SeparableConv2D(4, (3, 2), use_bias=False, activation='relu')",
    (o) => SeparableConv2D({ filters: 4, kernelSize: [3, 2], useBias: false, activation: 'relu', ...o }))],
  note: "SeparableConv2D(4, (3, 2), use_bias=False, activation='relu') on (None, 6, 6, 4): no bias; " +
    'out (None, 4, 5, 4).',
});
add({
  name: 'separable_conv2d_dilation', input: [8, 8, 2],
  layers: [L("SeparableConv2D(3, 3, dilation_rate=2, padding='same')",
    (o) => SeparableConv2D({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', ...o }))],
  note: "SeparableConv2D(3, 3, dilation_rate=2, padding='same') on (None, 8, 8, 2): the dilation applies to the " +
    'depthwise step; padding 2 on every side; out (None, 8, 8, 3).',
});
add({
  name: 'separable_conv1d', input: [10, 3],
  layers: [L('SeparableConv1D(4, 3)', (o) => SeparableConv1D({ filters: 4, kernelSize: 3, ...o }))],
  note: 'SeparableConv1D(4, 3) on (None, 10, 3): depthwise_kernel (3, 3, 1), pointwise_kernel (1, 3, 4), bias (4,); ' +
    'valid, out (None, 8, 4). tfjs gap I3 (tfjs subclass: tf.separableConv2d on (batch, 1, steps, channels), as Keras does).',
});
add({
  name: 'separable_conv1d_dm2_same_strides', input: [11, 3],
  layers: [L("SeparableConv1D(5, 3, strides=2, padding='same', depth_multiplier=2)",
    (o) => SeparableConv1D({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, ...o }))],
  note: "SeparableConv1D(5, 3, strides=2, padding='same', depth_multiplier=2) on (None, 11, 3): depthwise_kernel " +
    '(3, 3, 2), pointwise_kernel (1, 6, 5); out (None, 6, 5), padding 1 / 1. tfjs gap I3.',
});

// --- DepthwiseConv2D -----------------------------------------------------------------

add({
  name: 'depthwise_conv2d', input: [7, 7, 4],
  layers: [L('DepthwiseConv2D(3)', (o) => DepthwiseConv2D({ kernelSize: 3, ...o }))],
  note: 'DepthwiseConv2D(3) on (None, 7, 7, 4): each channel with its own 3x3 kernel (depthwise_kernel ' +
    '(3, 3, 4, 1)), bias (4,); valid, out (None, 5, 5, 4).',
});
add({
  name: 'depthwise_conv2d_dm2_same_strides', input: [8, 9, 3],
  layers: [L("DepthwiseConv2D(3, strides=2, padding='same', depth_multiplier=2)",
    (o) => DepthwiseConv2D({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, ...o }))],
  note: "DepthwiseConv2D(3, strides=2, padding='same', depth_multiplier=2) on (None, 8, 9, 3): depthwise_kernel " +
    '(3, 3, 3, 2), bias (6,), output channel c * 2 + m; out (None, 4, 5, 6), rows padded 0 / 1, columns 1 / 1.',
});
add({
  name: 'depthwise_conv2d_dilation', input: [9, 8, 3],
  layers: [L("DepthwiseConv2D((3, 3), dilation_rate=2, padding='same')",
    (o) => DepthwiseConv2D({ kernelSize: [3, 3], dilationRate: 2, padding: 'same', ...o }))],
  note: "DepthwiseConv2D((3, 3), dilation_rate=2, padding='same') on (None, 9, 8, 3): dilated extent 5, " +
    'padding 2 on every side; out (None, 9, 8, 3). tfjs gap I4 (tfjs layer ignores dilation_rate; the subclass ' +
    'passes it to tf.depthwiseConv2d).',
});
add({
  name: 'depthwise_conv2d_no_bias_relu', input: [6, 7, 5],
  layers: [L("DepthwiseConv2D((2, 3), use_bias=False, activation='relu')",
    (o) => DepthwiseConv2D({ kernelSize: [2, 3], useBias: false, activation: 'relu', ...o }))],
  note: "DepthwiseConv2D((2, 3), use_bias=False, activation='relu') on (None, 6, 7, 5): non-square kernel, " +
    'no bias; out (None, 5, 5, 5).',
});

// --- Conv2DTranspose -----------------------------------------------------------------

add({
  name: 'conv2d_transpose', input: [5, 5, 3],
  layers: [L('Conv2DTranspose(4, 3)', (o) => Conv2DTranspose({ filters: 4, kernelSize: 3, ...o }))],
  note: 'Conv2DTranspose(4, 3) on (None, 5, 5, 3): kernel (3, 3, 4, 3) = (kh, kw, filters, in); valid, ' +
    'stride 1: out (None, 7, 7, 4), out[i + p, j + q, f] += x[i, j, c] * kernel[p, q, f, c].',
});
add({
  name: 'conv2d_transpose_strides', input: [4, 5, 2],
  layers: [L('Conv2DTranspose(3, 3, strides=2)', (o) => Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, ...o }))],
  note: 'Conv2DTranspose(3, 3, strides=2) on (None, 4, 5, 2): valid, out (4 * 2 + 1, 5 * 2 + 1) = ' +
    '(None, 9, 11, 3); overlapping taps add up.',
});
add({
  name: 'conv2d_transpose_same', input: [4, 5, 2],
  layers: [L("Conv2DTranspose(3, 4, strides=2, padding='same')",
    (o) => Conv2DTranspose({ filters: 3, kernelSize: 4, strides: 2, padding: 'same', ...o }))],
  note: "Conv2DTranspose(3, 4, strides=2, padding='same') on (None, 4, 5, 2): out (None, 8, 10, 3); " +
    'pad_before 1 on both axes.',
});
add({
  name: 'conv2d_transpose_same_odd_kernel', input: [3, 4, 3],
  layers: [L("Conv2DTranspose(2, 3, strides=2, padding='same')",
    (o) => Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', ...o }))],
  note: "Conv2DTranspose(2, 3, strides=2, padding='same') on (None, 3, 4, 3): out (None, 6, 8, 2); " +
    'pad total (3 - 1) * 2 + 3 - 6 = 1 rows -> pad_before 0 (the extra tap falls off the end).',
});
add({
  name: 'conv2d_transpose_output_padding0', input: [4, 4, 2],
  layers: [L("Conv2DTranspose(3, 3, strides=2, padding='same', output_padding=0)",
    (o) => Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 0, ...o }))],
  note: "Conv2DTranspose(3, 3, strides=2, padding='same', output_padding=0) on (None, 4, 4, 2): out " +
    '(4 - 1) * 2 + 3 - 2 * 1 + 0 = 7 instead of 8: (None, 7, 7, 3), pad_before 1. tfjs gap I5 (tfjs subclass: ' +
    'tf.conv2dTranspose with the Keras output shape).',
});
add({
  name: 'conv2d_transpose_same_output_padding', input: [3, 3, 2],
  layers: [L("Conv2DTranspose(2, 4, strides=3, padding='same', output_padding=2)",
    (o) => Conv2DTranspose({ filters: 2, kernelSize: 4, strides: 3, padding: 'same', outputPadding: 2, ...o }))],
  note: "Conv2DTranspose(2, 4, strides=3, padding='same', output_padding=2) on (None, 3, 3, 2): out " +
    '(3 - 1) * 3 + 4 - 2 * 2 + 2 = 8 (9 without output_padding): (None, 8, 8, 2), pad_before 1. tfjs gap I5.',
});
add({
  name: 'conv2d_transpose_valid_output_padding', input: [3, 4, 2],
  layers: [L('Conv2DTranspose(3, 3, strides=(2, 3), output_padding=(1, 2))',
    (o) => Conv2DTranspose({ filters: 3, kernelSize: 3, strides: [2, 3], outputPadding: [1, 2], ...o }))],
  note: 'Conv2DTranspose(3, 3, strides=(2, 3), output_padding=(1, 2)) on (None, 3, 4, 2): valid; out rows ' +
    '(3 - 1) * 2 + 3 + 1 = 8, columns (4 - 1) * 3 + 3 + 2 = 14: (None, 8, 14, 3); the last row and the last 2 ' +
    'columns receive no tap (bias only). tfjs gap I5.',
});
add({
  name: 'conv2d_transpose_no_bias_nonsquare', input: [4, 5, 3],
  layers: [L("Conv2DTranspose(3, (2, 3), strides=(2, 1), use_bias=False, activation='tanh')",
    (o) => Conv2DTranspose({ filters: 3, kernelSize: [2, 3], strides: [2, 1], useBias: false, activation: 'tanh', ...o }))],
  note: "Conv2DTranspose(3, (2, 3), strides=(2, 1), use_bias=False, activation='tanh') on (None, 4, 5, 3): " +
    'valid, out (4 * 2 + 0, 5 * 1 + 2) = (None, 8, 7, 3); no bias.',
});
add({
  name: 'conv2d_transpose_stride_gt_kernel', input: [3, 4, 2],
  layers: [L('Conv2DTranspose(2, 2, strides=3)', (o) => Conv2DTranspose({ filters: 2, kernelSize: 2, strides: 3, ...o }))],
  note: 'Conv2DTranspose(2, 2, strides=3) on (None, 3, 4, 2): stride > kernel, valid, out (3 * 3, 4 * 3) = ' +
    '(None, 9, 12, 2); every third row/column receives no tap (bias only).',
});
