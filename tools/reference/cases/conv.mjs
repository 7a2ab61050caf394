// Conv1D and Conv2D: padding valid / same (odd and even kernels, strides that
// make it asymmetric) / causal, strides (also larger than the kernel),
// dilation, groups, non-square kernels and strides, use_bias=False,
// activations, odd spatial sizes, channel counts that are not multiples of a
// vector width.
//
// TF's 'same' padding: out = ceil(in / stride), total = max((out - 1) * stride
// + (k - 1) * dilation + 1 - in, 0), floor(total / 2) before and the rest
// after (so an even kernel pads more at the end). 'causal' (Conv1D): the
// input is left-padded by (k - 1) * dilation, then 'valid'.
//
// tfjs gaps (README, I1 and I2): padding='causal' and groups > 1 are computed
// by tfjs subclasses of Conv1D/Conv2D (lib/image_layers.mjs) with tfjs ops:
// tf.pad on the left + 'valid' convolution; per-group convolutions of the
// contiguous channel slices, concatenated. Their model.json entries are
// class_name 'Conv1D'/'Conv2D' with "padding": "causal" / "groups": N, and
// their kernels have Keras's shape (k..., in / groups, filters).

import { Conv1D, Conv2D } from '../lib/image_layers.mjs';
import { L, chainCase } from '../lib/image_case.mjs';

export const CASES = [];
const add = (c) => CASES.push(chainCase(c));

// --- Conv1D ------------------------------------------------------------------

add({
  name: 'conv1d_valid', input: [10, 3],
  layers: [L('Conv1D(4, 3)', (o) => Conv1D({ filters: 4, kernelSize: 3, ...o }))],
  note: 'Conv1D(4, 3) on (None, 10, 3): valid, out (None, 8, 4); kernel (3, 3, 4) = (k, in, filters).',
});
add({
  name: 'conv1d_same_even_stride', input: [11, 3],
  layers: [L("Conv1D(5, 4, strides=2, padding='same')",
    (o) => Conv1D({ filters: 5, kernelSize: 4, strides: 2, padding: 'same', ...o }))],
  note: "Conv1D(5, 4, strides=2, padding='same') on (None, 11, 3): out ceil(11 / 2) = 6; padding total " +
    '(6 - 1) * 2 + 4 - 11 = 3: 1 step before, 2 after.',
});
add({
  name: 'conv1d_causal', input: [9, 2],
  layers: [L("Conv1D(3, 3, padding='causal', activation='relu')",
    (o) => Conv1D({ filters: 3, kernelSize: 3, padding: 'causal', activation: 'relu', ...o }))],
  note: "Conv1D(3, 3, padding='causal', activation='relu') on (None, 9, 2): 2 zero steps on the left, " +
    'out (None, 9, 3); out[t] depends on x[t-2..t] only. tfjs gap I1 (tfjs subclass: tf.pad + valid).',
});
add({
  name: 'conv1d_causal_dilation', input: [10, 3],
  layers: [L("Conv1D(4, 3, padding='causal', dilation_rate=2)",
    (o) => Conv1D({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2, ...o }))],
  note: "Conv1D(4, 3, padding='causal', dilation_rate=2) on (None, 10, 3): left padding (3 - 1) * 2 = 4, " +
    'taps x[t-4], x[t-2], x[t]; out (None, 10, 4). tfjs gap I1.',
});
add({
  name: 'conv1d_causal_strides', input: [9, 2],
  layers: [L("Conv1D(4, 3, strides=2, padding='causal')",
    (o) => Conv1D({ filters: 4, kernelSize: 3, strides: 2, padding: 'causal', ...o }))],
  note: "Conv1D(4, 3, strides=2, padding='causal') on (None, 9, 2): left padding 2, then valid with stride 2: " +
    'out (None, 5, 4), out[i] from x[2i-2..2i]. tfjs gap I1.',
});
add({
  name: 'conv1d_dilation', input: [12, 3],
  layers: [L('Conv1D(4, 3, dilation_rate=2)', (o) => Conv1D({ filters: 4, kernelSize: 3, dilationRate: 2, ...o }))],
  note: 'Conv1D(4, 3, dilation_rate=2) on (None, 12, 3): valid, dilated extent 5, out (None, 8, 4).',
});
add({
  name: 'conv1d_dilation_same', input: [10, 2],
  layers: [L("Conv1D(3, 2, dilation_rate=3, padding='same')",
    (o) => Conv1D({ filters: 3, kernelSize: 2, dilationRate: 3, padding: 'same', ...o }))],
  note: "Conv1D(3, 2, dilation_rate=3, padding='same') on (None, 10, 2): dilated extent 4, padding 1 before " +
    'and 2 after; out (None, 10, 3), taps x[t-1], x[t+2].',
});
add({
  name: 'conv1d_groups', input: [10, 4],
  layers: [L('Conv1D(6, 3, groups=2)', (o) => Conv1D({ filters: 6, kernelSize: 3, groups: 2, ...o }))],
  note: 'Conv1D(6, 3, groups=2) on (None, 10, 4): kernel (3, 2, 6); filters 0-2 see channels 0-1 with ' +
    'kernel[..., 0:3], filters 3-5 see channels 2-3 with kernel[..., 3:6]; out (None, 8, 6). tfjs gap I2 ' +
    '(tfjs subclass: per-group conv1d + concat).',
});
add({
  name: 'conv1d_no_bias_tanh', input: [8, 3],
  layers: [L("Conv1D(4, 5, padding='same', use_bias=False, activation='tanh')",
    (o) => Conv1D({ filters: 4, kernelSize: 5, padding: 'same', useBias: false, activation: 'tanh', ...o }))],
  note: "Conv1D(4, 5, padding='same', use_bias=False, activation='tanh') on (None, 8, 3): 2 steps of padding " +
    'on each side; no conv1d/bias in the manifest; out (None, 8, 4).',
});
add({
  name: 'conv1d_stride_gt_kernel', input: [13, 2],
  layers: [L('Conv1D(3, 2, strides=3)', (o) => Conv1D({ filters: 3, kernelSize: 2, strides: 3, ...o }))],
  note: 'Conv1D(3, 2, strides=3) on (None, 13, 2): stride larger than the kernel (every third step unused), ' +
    'out floor((13 - 2) / 3) + 1 = 4: (None, 4, 3).',
});

// --- Conv2D ------------------------------------------------------------------

add({
  name: 'conv2d_valid', input: [7, 6, 3],
  layers: [L('Conv2D(4, (3, 3))', (o) => Conv2D({ filters: 4, kernelSize: [3, 3], ...o }))],
  note: 'Conv2D(4, (3, 3)) on (None, 7, 6, 3): valid, out (None, 5, 4, 4); kernel (3, 3, 3, 4) = ' +
    '(kh, kw, in, filters); out[b, i, j, f] = bias[f] + sum x[b, i + p, j + q, c] * kernel[p, q, c, f].',
});
add({
  name: 'conv2d_same', input: [6, 7, 2],
  layers: [L("Conv2D(5, 3, padding='same')", (o) => Conv2D({ filters: 5, kernelSize: 3, padding: 'same', ...o }))],
  note: "Conv2D(5, 3, padding='same') on (None, 6, 7, 2): one row/column of zeros on every side, out (None, 6, 7, 5).",
});
add({
  name: 'conv2d_same_even_kernel', input: [5, 6, 2],
  layers: [L("Conv2D(3, (2, 2), padding='same')", (o) => Conv2D({ filters: 3, kernelSize: [2, 2], padding: 'same', ...o }))],
  note: "Conv2D(3, (2, 2), padding='same') on (None, 5, 6, 2): padding total 1 per axis, all of it after " +
    '(bottom/right), as TF does; out (None, 5, 6, 3).',
});
add({
  name: 'conv2d_same_even_kernel_strides', input: [9, 8, 3],
  layers: [L("Conv2D(4, 4, strides=2, padding='same')",
    (o) => Conv2D({ filters: 4, kernelSize: 4, strides: 2, padding: 'same', ...o }))],
  note: "Conv2D(4, 4, strides=2, padding='same') on (None, 9, 8, 3): out (None, 5, 4, 4); rows padded " +
    '1 before / 2 after ((5 - 1) * 2 + 4 - 9 = 3), columns 1 / 1.',
});
add({
  name: 'conv2d_strides', input: [9, 8, 3],
  layers: [L('Conv2D(4, 3, strides=2)', (o) => Conv2D({ filters: 4, kernelSize: 3, strides: 2, ...o }))],
  note: 'Conv2D(4, 3, strides=2) on (None, 9, 8, 3): valid, out (None, 4, 3, 4) (the last column is unused).',
});
add({
  name: 'conv2d_same_strides', input: [8, 8, 3],
  layers: [L("Conv2D(4, (3, 3), strides=2, padding='same')",
    (o) => Conv2D({ filters: 4, kernelSize: [3, 3], strides: 2, padding: 'same', ...o }))],
  note: "Conv2D(4, (3, 3), strides=2, padding='same') on (None, 8, 8, 3): out (None, 4, 4, 4); padding total 1 " +
    'per axis, 0 before and 1 after (not symmetric).',
});
add({
  name: 'conv2d_stride_gt_kernel', input: [10, 11, 2],
  layers: [L('Conv2D(3, (2, 2), strides=(3, 3))', (o) => Conv2D({ filters: 3, kernelSize: [2, 2], strides: [3, 3], ...o }))],
  note: 'Conv2D(3, (2, 2), strides=(3, 3)) on (None, 10, 11, 2): stride > kernel, valid; out (None, 3, 4, 3).',
});
add({
  name: 'conv2d_stride_gt_kernel_same', input: [8, 7, 3],
  layers: [L("Conv2D(3, 2, strides=3, padding='same')",
    (o) => Conv2D({ filters: 3, kernelSize: 2, strides: 3, padding: 'same', ...o }))],
  note: "Conv2D(3, 2, strides=3, padding='same') on (None, 8, 7, 3): out (None, 3, 3, 3); rows need no " +
    'padding ((3 - 1) * 3 + 2 - 8 = 0), columns 0 before / 1 after.',
});
add({
  name: 'conv2d_dilation', input: [9, 9, 2],
  layers: [L('Conv2D(4, 3, dilation_rate=2)', (o) => Conv2D({ filters: 4, kernelSize: 3, dilationRate: 2, ...o }))],
  note: 'Conv2D(4, 3, dilation_rate=2) on (None, 9, 9, 2): valid, dilated extent 5, out (None, 5, 5, 4).',
});
add({
  name: 'conv2d_dilation_same_nonsquare', input: [8, 9, 2],
  layers: [L("Conv2D(3, (3, 2), dilation_rate=(2, 3), padding='same')",
    (o) => Conv2D({ filters: 3, kernelSize: [3, 2], dilationRate: [2, 3], padding: 'same', ...o }))],
  note: "Conv2D(3, (3, 2), dilation_rate=(2, 3), padding='same') on (None, 8, 9, 2): dilated extents 5 x 4, " +
    'rows padded 2 / 2, columns 1 / 2; out (None, 8, 9, 3).',
});
add({
  name: 'conv2d_groups', input: [6, 6, 6],
  layers: [L("Conv2D(6, 3, groups=3, padding='same')",
    (o) => Conv2D({ filters: 6, kernelSize: 3, groups: 3, padding: 'same', ...o }))],
  note: "Conv2D(6, 3, groups=3, padding='same') on (None, 6, 6, 6): kernel (3, 3, 2, 6); group g maps " +
    'channels 2g..2g+1 to filters 2g..2g+1 with kernel[..., 2g:2g+2]; out (None, 6, 6, 6). tfjs gap I2.',
});
add({
  name: 'conv2d_groups_relu', input: [7, 8, 4],
  layers: [L("Conv2D(4, (2, 3), groups=2, activation='relu')",
    (o) => Conv2D({ filters: 4, kernelSize: [2, 3], groups: 2, activation: 'relu', ...o }))],
  note: "Conv2D(4, (2, 3), groups=2, activation='relu') on (None, 7, 8, 4): kernel (2, 3, 2, 4), valid, " +
    'out (None, 6, 6, 4). tfjs gap I2.',
});
add({
  name: 'conv2d_nonsquare', input: [7, 9, 3],
  layers: [L('Conv2D(4, (2, 4), strides=(1, 2))', (o) => Conv2D({ filters: 4, kernelSize: [2, 4], strides: [1, 2], ...o }))],
  note: 'Conv2D(4, (2, 4), strides=(1, 2)) on (None, 7, 9, 3): non-square kernel and strides, valid, ' +
    'out (None, 6, 3, 4).',
});
add({
  name: 'conv2d_no_bias_sigmoid', input: [6, 6, 2],
  layers: [L("Conv2D(5, 3, use_bias=False, activation='sigmoid')",
    (o) => Conv2D({ filters: 5, kernelSize: 3, useBias: false, activation: 'sigmoid', ...o }))],
  note: "Conv2D(5, 3, use_bias=False, activation='sigmoid') on (None, 6, 6, 2): no conv2d/bias; out (None, 4, 4, 5).",
});
add({
  name: 'conv2d_relu', input: [5, 5, 3],
  layers: [L("Conv2D(6, 3, padding='same', activation='relu')",
    (o) => Conv2D({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', ...o }))],
  note: "Conv2D(6, 3, padding='same', activation='relu') on (None, 5, 5, 3): out (None, 5, 5, 6).",
});
add({
  name: 'conv2d_1x1', input: [4, 5, 6],
  layers: [L('Conv2D(8, 1)', (o) => Conv2D({ filters: 8, kernelSize: 1, ...o }))],
  note: 'Conv2D(8, 1) on (None, 4, 5, 6): pointwise, a Dense over the channels at every pixel; kernel (1, 1, 6, 8).',
});
add({
  name: 'conv2d_odd_sizes', input: [13, 11, 3],
  layers: [L("Conv2D(5, (5, 3), strides=(2, 3), padding='same')",
    (o) => Conv2D({ filters: 5, kernelSize: [5, 3], strides: [2, 3], padding: 'same', ...o }))],
  note: "Conv2D(5, (5, 3), strides=(2, 3), padding='same') on (None, 13, 11, 3): out (None, 7, 4, 5); rows " +
    'padded 2 / 2, columns 0 / 1.',
});
add({
  name: 'conv2d_many_channels', input: [6, 5, 17],
  layers: [L('Conv2D(33, 3)', (o) => Conv2D({ filters: 33, kernelSize: 3, ...o }))],
  note: 'Conv2D(33, 3) on (None, 6, 5, 17): channel counts that are not multiples of a SIMD width ' +
    '(in 17, out 33); out (None, 4, 3, 33).',
});
add({
  name: 'conv2d_sequential', input: [8, 8, 3], sequential: true, batch: 5,
  layers: [
    L("Conv2D(4, 3, activation='relu')", (o) => Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', ...o })),
    L("Conv2D(2, 3, strides=2, padding='same')", (o) => Conv2D({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', ...o })),
  ],
  note: "Sequential: Conv2D(4, 3, activation='relu', input_shape=(8, 8, 3)) -> (None, 6, 6, 4), " +
    "Conv2D(2, 3, strides=2, padding='same') -> (None, 3, 3, 2). Names conv2d, conv2d_1 (input conv2d_input). Batch 5.",
});
