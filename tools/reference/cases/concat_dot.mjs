// Concatenate (rank 2 and 3, positive and negative axes, three inputs of
// different sizes along the axis) and Dot (axes as an int, a negative int
// and a pair; normalize=True; rank 2, rank 3 and mixed ranks; the functional
// form dot([...])). Every input of the merge is the output of a Dense.
//
// tfjs's Dot matches Keras's batch_dot here: out shape = x's shape without
// the contracted axis, then y's shape without batch and contracted axis, and
// a result of rank 1 gets a trailing 1 (checked in lib/float64.mjs's
// batchDot64, written from the Keras definition). Differences from Keras:
// tfjs's Dot supports rank <= 3 only; it resolves negative axes in an axes
// pair only when called (build() indexes the shape with them unchecked);
// normalize=True uses tfjs's l2Normalize with epsilon 1e-7 under the square
// root where tf.linalg.l2_normalize uses 1e-12 (only matters for vectors of
// norm < 3e-4; none here).
//
// tfjs's Concatenate computes the right output shape for a negative axis but
// concatenates along the last axis for ANY negative axis (tfjs_backend.js
// concatenate() turns axis < 0 into -1): Concatenate(axis=-2) is built in
// tfjs with the equivalent positive axis.

import { Concatenate, Dot, branchCase } from '../lib/common.mjs';

export const CASES = [];

const b = (shape, units) => ({ shape, units });

/** Class form: out = <cls>(<kerasArgs>)([x, y, ...]); tfLayer() makes the tfjs layer. */
function layerCase(name, cls, kerasArgs, tfLayer, branches, note, extra = {}) {
  const args = ['x', 'y', 'z'].slice(0, branches.length).join(', ');
  CASES.push(branchCase({
    name,
    imports: [cls],
    branches,
    kilnOut: `out = ${cls}(${kerasArgs})([${args}])`,
    tfOut: (xs) => tfLayer().apply(xs),
    note,
    ...extra,
  }));
}

// --- Concatenate ---------------------------------------------------------------

layerCase('concat_2d', 'Concatenate', '', () => Concatenate({ name: 'concatenate' }),
  [b([5], 2), b([4], 3), b([3], 1)],
  'Concatenate()([x, y, z]) (default axis=-1) of (None, 2), (None, 3), (None, 1): out (None, 6).');
layerCase('concat_last', 'Concatenate', 'axis=-1', () => Concatenate({ axis: -1, name: 'concatenate' }),
  [b([3, 5], 2), b([3, 4], 3), b([3, 6], 4)],
  'Concatenate(axis=-1) of rank-3 tensors (None, 3, 2), (None, 3, 3), (None, 3, 4): out (None, 3, 9).');
layerCase('concat_axis1', 'Concatenate', 'axis=1', () => Concatenate({ axis: 1, name: 'concatenate' }),
  [b([2, 5], 4), b([3, 6], 4), b([1, 3], 4)],
  'Concatenate(axis=1) of (None, 2, 4), (None, 3, 4), (None, 1, 4): out (None, 6, 4).');
layerCase('concat_axis_m2', 'Concatenate', 'axis=-2', () => Concatenate({ axis: 1, name: 'concatenate' }),
  [b([4, 5], 3), b([1, 6], 3), b([2, 4], 3)],
  'Concatenate(axis=-2) of (None, 4, 3), (None, 1, 3), (None, 2, 3): out (None, 7, 3). tfjs 4.22.0 ' +
  'concatenates along the LAST axis for every negative axis (its backend concatenate maps any axis < 0 ' +
  "to -1), so the tfjs model uses the equivalent axis=1 and model.json says 'axis': 1.");

// --- Dot ---------------------------------------------------------------------

layerCase('dot_axes1', 'Dot', 'axes=1', () => Dot({ axes: 1, name: 'dot' }), [b([5], 4), b([6], 4)],
  'Dot(axes=1) of (None, 4) and (None, 4): per-sample inner product, out (None, 1) (batch_dot gives ' +
  'rank-1 results a trailing 1). Batch 1.', { batch: 1 });
layerCase('dot_axes1_normalize', 'Dot', 'axes=1, normalize=True',
  () => Dot({ axes: 1, normalize: true, name: 'dot' }), [b([5], 4), b([6], 4)],
  'Dot(axes=1, normalize=True): cosine similarity, both inputs l2-normalized along axis 1 first; ' +
  'out (None, 1).');
layerCase('dot_axes_m1_2d', 'Dot', 'axes=-1', () => Dot({ axes: -1, name: 'dot' }), [b([5], 4), b([3], 4)],
  'Dot(axes=-1) of (None, 4) and (None, 4): axis -1 is axis 1 for both; out (None, 1).');
layerCase('dot_axes11', 'Dot', 'axes=1', () => Dot({ axes: 1, name: 'dot' }), [b([4, 5], 3), b([4, 6], 2)],
  'Dot(axes=1) of rank-3 (None, 4, 3) and (None, 4, 2): contracts axis 1 of both; ' +
  'out[b, i, j] = sum_k x[b, k, i] * y[b, k, j], (None, 3, 2).');
layerCase('dot_axes22', 'Dot', 'axes=(2, 2)', () => Dot({ axes: [2, 2], name: 'dot' }), [b([3, 5], 4), b([2, 6], 4)],
  'Dot(axes=(2, 2)) of (None, 3, 4) and (None, 2, 4): out[b, i, j] = sum_k x[b, i, k] * y[b, j, k], ' +
  '(None, 3, 2).');
layerCase('dot_axes22_normalize', 'Dot', 'axes=(2, 2), normalize=True',
  () => Dot({ axes: [2, 2], normalize: true, name: 'dot' }), [b([3, 5], 4), b([2, 6], 4)],
  'Dot(axes=(2, 2), normalize=True): cosine similarities between the rows of x (None, 3, 4) and of ' +
  'y (None, 2, 4) (l2-normalized along axis 2); out (None, 3, 2).');
layerCase('dot_axes12', 'Dot', 'axes=(1, 2)', () => Dot({ axes: [1, 2], name: 'dot' }), [b([4, 5], 3), b([2, 6], 4)],
  'Dot(axes=(1, 2)) of x (None, 4, 3) and y (None, 2, 4): out[b, i, j] = sum_k x[b, k, i] * y[b, j, k], ' +
  'out (None, 3, 2) (x without axis 1, then y without batch and axis 2).');
layerCase('dot_axes_m1', 'Dot', 'axes=-1', () => Dot({ axes: -1, name: 'dot' }), [b([3, 5], 4), b([2, 6], 4)],
  'Dot(axes=-1) of (None, 3, 4) and (None, 2, 4): axis -1 is axis 2 for both; out (None, 3, 2).');
layerCase('dot_mixed_rank', 'Dot', 'axes=(1, 2)', () => Dot({ axes: [1, 2], name: 'dot' }), [b([5], 4), b([3, 6], 4)],
  'Dot(axes=(1, 2)) of x (None, 4) and y (None, 3, 4): out[b, j] = sum_k x[b, k] * y[b, j, k], ' +
  'out (None, 3).');

CASES.push(branchCase({
  name: 'dot_fn',
  imports: ['dot'],
  branches: [b([3, 5], 4), b([4, 6], 2)],
  kilnOut: 'out = dot([x, y], axes=(2, 1))',
  tfOut: (xs) => Dot({ axes: [2, 1], name: 'dot' }).apply(xs),
  note: 'Functional form dot([x, y], axes=(2, 1)) of (None, 3, 4) and (None, 4, 2): a per-sample matrix ' +
    'product, out (None, 3, 2).',
}));
