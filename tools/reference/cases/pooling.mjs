// MaxPooling1D/2D, AveragePooling1D/2D (pool sizes, strides also larger than
// the pool, valid and same padding) and the global poolings (keepdims False
// and True), applied directly to the input (inputs in [-2, 2], so a padded
// max that counted the zeros, or a padded average that divided by the full
// window, would show).
//
// TF pooling: strides default to pool_size; valid: out = floor((in - pool) /
// stride) + 1; same: out = ceil(in / stride), padding total max((out - 1) *
// stride + pool - in, 0), floor(total / 2) before. The padded positions take
// no part: a same-padded max is over the real elements only, and a
// same-padded average divides by the number of real elements in the window.
// tfjs's CPU kernels do the same (checked by the float64 recomputation).
//
// tfjs gap I7: keepdims=True of the global poolings (tfjs has no keepdims);
// computed by tfjs subclasses (tf.mean / tf.max with keepDims).

import {
  MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D,
  GlobalAveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D,
} from '../lib/image_layers.mjs';
import { L, chainCase } from '../lib/image_case.mjs';

export const CASES = [];
const add = (c) => CASES.push(chainCase(c));

// --- MaxPooling2D / AveragePooling2D ---------------------------------------------

add({
  name: 'max_pooling2d', input: [7, 6, 3],
  layers: [L('MaxPooling2D()', (o) => MaxPooling2D({ ...o }))],
  note: 'MaxPooling2D() on (None, 7, 6, 3): pool (2, 2), strides (2, 2), valid; out (None, 3, 3, 3) (the last row is dropped).',
});
add({
  name: 'max_pooling2d_same', input: [7, 8, 2],
  layers: [L("MaxPooling2D(pool_size=(3, 3), strides=2, padding='same')",
    (o) => MaxPooling2D({ poolSize: [3, 3], strides: 2, padding: 'same', ...o }))],
  note: "MaxPooling2D(pool_size=(3, 3), strides=2, padding='same') on (None, 7, 8, 2): out (None, 4, 4, 2); " +
    'rows padded 1 / 1, columns 0 / 1; the max is over the real elements only (inputs are partly negative).',
});
add({
  name: 'max_pooling2d_stride_gt_pool', input: [8, 9, 2],
  layers: [L('MaxPooling2D(pool_size=2, strides=3)', (o) => MaxPooling2D({ poolSize: 2, strides: 3, ...o }))],
  note: 'MaxPooling2D(pool_size=2, strides=3) on (None, 8, 9, 2): stride > pool, valid; out (None, 3, 3, 2).',
});
add({
  name: 'max_pooling2d_nonsquare', input: [5, 7, 2],
  layers: [L('MaxPooling2D(pool_size=(2, 3), strides=(1, 2))',
    (o) => MaxPooling2D({ poolSize: [2, 3], strides: [1, 2], ...o }))],
  note: 'MaxPooling2D(pool_size=(2, 3), strides=(1, 2)) on (None, 5, 7, 2): overlapping windows, valid; ' +
    'out (None, 4, 3, 2).',
});
add({
  name: 'average_pooling2d', input: [6, 7, 3],
  layers: [L('AveragePooling2D()', (o) => AveragePooling2D({ ...o }))],
  note: 'AveragePooling2D() on (None, 6, 7, 3): pool (2, 2), strides (2, 2), valid; out (None, 3, 3, 3).',
});
add({
  name: 'average_pooling2d_same', input: [7, 8, 2],
  layers: [L("AveragePooling2D(pool_size=3, strides=2, padding='same')",
    (o) => AveragePooling2D({ poolSize: 3, strides: 2, padding: 'same', ...o }))],
  note: "AveragePooling2D(pool_size=3, strides=2, padding='same') on (None, 7, 8, 2): out (None, 4, 4, 2), rows " +
    'padded 1 / 1, columns 0 / 1; border windows average only their real elements (e.g. the top-left one ' +
    'divides by 6, not 9), as TF does.',
});
add({
  name: 'average_pooling2d_same_even', input: [5, 6, 2],
  layers: [L("AveragePooling2D(pool_size=(2, 3), strides=1, padding='same')",
    (o) => AveragePooling2D({ poolSize: [2, 3], strides: 1, padding: 'same', ...o }))],
  note: "AveragePooling2D(pool_size=(2, 3), strides=1, padding='same') on (None, 5, 6, 2): out (None, 5, 6, 2); " +
    'rows padded 0 / 1, columns 1 / 1; padding excluded from the count.',
});
add({
  name: 'average_pooling2d_stride_gt_pool', input: [9, 8, 2],
  layers: [L('AveragePooling2D(pool_size=(3, 2), strides=(2, 3))',
    (o) => AveragePooling2D({ poolSize: [3, 2], strides: [2, 3], ...o }))],
  note: 'AveragePooling2D(pool_size=(3, 2), strides=(2, 3)) on (None, 9, 8, 2): valid; out (None, 4, 3, 2).',
});

// --- MaxPooling1D / AveragePooling1D ----------------------------------------------

add({
  name: 'max_pooling1d', input: [9, 3],
  layers: [L('MaxPooling1D()', (o) => MaxPooling1D({ ...o }))],
  note: 'MaxPooling1D() on (None, 9, 3): pool 2, strides 2, valid; out (None, 4, 3).',
});
add({
  name: 'max_pooling1d_same_strides', input: [10, 3],
  layers: [L("MaxPooling1D(pool_size=3, strides=2, padding='same')",
    (o) => MaxPooling1D({ poolSize: 3, strides: 2, padding: 'same', ...o }))],
  note: "MaxPooling1D(pool_size=3, strides=2, padding='same') on (None, 10, 3): out (None, 5, 3), padding 0 / 1.",
});
add({
  name: 'average_pooling1d', input: [8, 2],
  layers: [L('AveragePooling1D(pool_size=3, strides=1)', (o) => AveragePooling1D({ poolSize: 3, strides: 1, ...o }))],
  note: 'AveragePooling1D(pool_size=3, strides=1) on (None, 8, 2): sliding mean of 3, valid; out (None, 6, 2).',
});
add({
  name: 'average_pooling1d_same', input: [11, 2],
  layers: [L("AveragePooling1D(pool_size=4, strides=3, padding='same')",
    (o) => AveragePooling1D({ poolSize: 4, strides: 3, padding: 'same', ...o }))],
  note: "AveragePooling1D(pool_size=4, strides=3, padding='same') on (None, 11, 2): out (None, 4, 2), padding " +
    '1 / 1; the first and last windows average 3 real steps.',
});

// --- Global pooling -----------------------------------------------------------------

const globals = [
  ['global_average_pooling2d', 'GlobalAveragePooling2D', GlobalAveragePooling2D, [5, 6, 4], 'mean over the 5 x 6 positions'],
  ['global_max_pooling2d', 'GlobalMaxPooling2D', GlobalMaxPooling2D, [5, 6, 4], 'max over the 5 x 6 positions'],
  ['global_average_pooling1d', 'GlobalAveragePooling1D', GlobalAveragePooling1D, [7, 3], 'mean over the 7 steps'],
  ['global_max_pooling1d', 'GlobalMaxPooling1D', GlobalMaxPooling1D, [7, 3], 'max over the 7 steps'],
];
for (const [name, cls, factory, input, what] of globals) {
  const c = input[input.length - 1];
  add({
    name, input,
    layers: [L(`${cls}()`, (o) => factory({ ...o }))],
    note: `${cls}() on (None, ${input.join(', ')}): ${what}, per channel; out (None, ${c}).`,
  });
  const kept = input.slice(0, -1).map(() => 1).concat(c).join(', ');
  add({
    name: `${name}_keepdims`, input,
    layers: [L(`${cls}(keepdims=True)`, (o) => factory({ keepdims: true, ...o }))],
    note: `${cls}(keepdims=True) on (None, ${input.join(', ')}): ${what}; out (None, ${kept}). ` +
      'tfjs gap I7 (tfjs subclass: tf.mean / tf.max with keepDims).',
  });
}
