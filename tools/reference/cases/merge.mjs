// Element-wise merge layers: Add, Subtract, Multiply, Average, Maximum,
// Minimum (2 and 3 inputs, Keras broadcasting between shapes, inputs of
// different rank), and the functional forms add([...]), multiply([...]),
// concatenate([...]), average/maximum/minimum([...]). Every merged tensor is
// the output of a Dense, so each case has weights.
//
// tfjs gaps handled here:
// - tfjs 4.22.0 has no Subtract layer: the tfjs model outputs both branches
//   and out0 = tf.sub(x, y) (the Keras definition inputs[0] - inputs[1]).
// - tfjs's Average is mul(1/n, sum), Keras's sum / n: for n = 3 they may
//   differ in the last bit, far inside the tolerance.
// tfjs's Merge base class matches Keras's _Merge otherwise: output shapes are
// broadcast right-aligned (size-1 axes stretch), and inputs of lower rank get
// size-1 axes inserted at axis 1 (after the batch axis) before broadcasting.

import {
  tf, Add, Multiply, Average, Maximum, Minimum, Concatenate, branchCase,
} from '../lib/common.mjs';
import { broadcast64 } from '../lib/float64.mjs';

export const CASES = [];

const TWO = [{ shape: [5], units: 4 }, { shape: [6], units: 4 }];
const THREE = [{ shape: [5], units: 4 }, { shape: [3], units: 4 }, { shape: [6], units: 4 }];

/** Class form: out = Cls()([x, y, ...]); tfLayer null: the tfjs model outputs the branches. */
function mergeCase(name, cls, tfLayer, branches, note, extra = {}) {
  const base = cls.toLowerCase();
  const args = ['x', 'y', 'z'].slice(0, branches.length).join(', ');
  CASES.push(branchCase({
    name,
    imports: [cls],
    branches,
    kilnOut: `out = ${cls}()([${args}])`,
    tfOut: (xs) => (tfLayer ? tfLayer({ name: base }).apply(xs) : xs),
    note,
    ...extra,
  }));
}

mergeCase('merge_add', 'Add', Add, TWO, 'Add()([x, y]) of two Dense(4) branches of inputs (5,) and (6,): out = x + y.');
mergeCase('merge_add3', 'Add', Add, THREE, 'Add()([x, y, z]) of three Dense(4) branches: out = x + y + z.');
mergeCase('merge_multiply', 'Multiply', Multiply, TWO, 'Multiply()([x, y]): element-wise product.');
mergeCase('merge_average', 'Average', Average, TWO, 'Average()([x, y]): (x + y) / 2.');
mergeCase('merge_average3', 'Average', Average, THREE,
  'Average()([x, y, z]): Keras computes (x + y + z) / 3; tfjs computes (1/3) * (x + y + z), which can ' +
  'differ in the last bit (far inside the tolerance).');
mergeCase('merge_maximum', 'Maximum', Maximum, TWO, 'Maximum()([x, y]): element-wise maximum.');
mergeCase('merge_minimum', 'Minimum', Minimum, TWO, 'Minimum()([x, y]): element-wise minimum.');
mergeCase('merge_minimum3', 'Minimum', Minimum, THREE, 'Minimum()([x, y, z]): element-wise minimum of three.');

mergeCase('merge_add_broadcast', 'Add', Add,
  [{ shape: [1, 5], units: 4 }, { shape: [3, 6], units: 4 }],
  'Add()([x, y]) with x (None, 1, 4) and y (None, 3, 4): Keras broadcasting stretches x along axis 1; ' +
  'out (None, 3, 4).');
mergeCase('merge_multiply_broadcast', 'Multiply', Multiply,
  [{ shape: [3, 5], units: 1 }, { shape: [3, 6], units: 4 }],
  'Multiply()([x, y]) with x (None, 3, 1) (Dense(1) on a rank-3 input) and y (None, 3, 4): x is ' +
  'stretched along the last axis; out (None, 3, 4).');
mergeCase('merge_maximum_rank', 'Maximum', Maximum,
  [{ shape: [5], units: 4 }, { shape: [3, 6], units: 4 }],
  'Maximum()([x, y]) with inputs of different rank, x (None, 4) and y (None, 3, 4): Keras (and tfjs) ' +
  'insert a size-1 axis at axis 1 of x, (None, 1, 4), then broadcast; out (None, 3, 4).');
mergeCase('merge_minimum_rank4', 'Minimum', Minimum,
  [{ shape: [5], units: 4 }, { shape: [2, 3, 6], units: 4 }],
  'Minimum()([x, y]) with x (None, 4) and y (None, 2, 3, 4): x becomes (None, 1, 1, 4) (two size-1 axes ' +
  'inserted at axis 1), then broadcast; out (None, 2, 3, 4).');

// --- Subtract: not in tfjs ---------------------------------------------------

const SUBTRACT_POST = {
  fn: ([x, y]) => [tf.sub(x, y)],
  f64: ([x, y]) => [broadcast64(x, y, (a, b) => a - b)],
};
const SUBTRACT_GAP = 'tfjs 4.22.0 has no Subtract layer: the tfjs model (model.json) has the two Dense ' +
  'branches as its outputs and out0 = tf.sub(x, y) of them (computed with tfjs ops); model.json therefore ' +
  'has no subtract layer.';

mergeCase('merge_subtract', 'Subtract', null, TWO, `Subtract()([x, y]): out = x - y. ${SUBTRACT_GAP}`,
  { post: SUBTRACT_POST });

CASES.push(branchCase({
  name: 'merge_subtract_broadcast',
  imports: ['subtract'],
  branches: [{ shape: [3, 5], units: 4 }, { shape: [1, 6], units: 4 }],
  kilnOut: 'out = subtract([x, y])',
  tfOut: (xs) => xs,
  post: SUBTRACT_POST,
  note: 'Functional form subtract([x, y]) with x (None, 3, 4) and y (None, 1, 4): y broadcast along axis 1; ' +
    `out (None, 3, 4) = x - y. ${SUBTRACT_GAP}`,
}));

// --- functional forms --------------------------------------------------------

CASES.push(branchCase({
  name: 'merge_add_fn',
  imports: ['add'],
  branches: TWO,
  kilnOut: 'out = add([x, y])',
  tfOut: (xs) => Add({ name: 'add' }).apply(xs),
  note: 'Functional form add([x, y]) (a layer named add): out = x + y.',
}));

CASES.push(branchCase({
  name: 'merge_multiply_fn',
  imports: ['multiply'],
  branches: [{ shape: [5], units: 4, activation: 'tanh' }, { shape: [6], units: 4 }],
  kilnOut: 'out = multiply([x, y])',
  tfOut: (xs) => Multiply({ name: 'multiply' }).apply(xs),
  note: "Functional form multiply([x, y]) with x = Dense(4, activation='tanh')(a): out = x * y.",
}));

CASES.push(branchCase({
  name: 'merge_concatenate_fn',
  imports: ['concatenate'],
  branches: [{ shape: [5], units: 4 }, { shape: [6], units: 3 }],
  kilnOut: 'out = concatenate([x, y])',
  tfOut: (xs) => Concatenate({ name: 'concatenate' }).apply(xs),
  note: 'Functional form concatenate([x, y]) (default axis=-1) of (None, 4) and (None, 3): out (None, 7).',
}));

CASES.push(branchCase({
  name: 'merge_functional_mix',
  imports: ['average', 'maximum', 'minimum', 'concatenate'],
  branches: TWO,
  kilnOut: `m = average([x, y])
hi = maximum([x, y])
lo = minimum([x, y])
out = concatenate([m, hi, lo])`,
  tfOut: (xs) => Concatenate({ name: 'concatenate' }).apply([
    Average({ name: 'average' }).apply(xs),
    Maximum({ name: 'maximum' }).apply(xs),
    Minimum({ name: 'minimum' }).apply(xs),
  ]),
  note: 'Functional forms average, maximum, minimum of the same two Dense(4) branches, concatenated: ' +
    'out (None, 12) = [(x + y) / 2, max(x, y), min(x, y)].',
}));
