// Reshaping layers: Reshape (explicit and with -1), Flatten (rank 3 and 4),
// Permute, RepeatVector, after a Dense so that the memory layout (C order,
// batch first) of the Dense output matters.
//
// tfjs matches Keras here. Differences that do not affect the goldens:
// tfjs's Reshape stores a -1 in target_shape as null in model.json; tfjs's
// Flatten requires rank >= 3 (Keras also accepts rank 2, as the identity).

import {
  Dense, Input, Model, Sequential, Reshape, Flatten, Permute, RepeatVector, py,
} from '../lib/common.mjs';

export const CASES = [];

/**
 * Functional: Input(shape) -> Dense(units) -> the layer under test -> (Dense(after)).
 */
function chainCase({ name, cls, args, tfLayer, shape, units, activation, after, note, ...rest }) {
  const act = activation ? `, activation='${activation}'` : '';
  CASES.push({
    name,
    ...rest,
    kiln: `from keras.models import Model
from keras.layers import Input, Dense, ${cls}

inputs = Input(shape=${py(shape)})
x = Dense(${units}${act})(inputs)
${after ? 'x' : 'outputs'} = ${cls}(${args})(x)
${after ? `outputs = Dense(${after})(x)\n` : ''}model = Model(inputs=inputs, outputs=outputs)
`,
    build() {
      const inputs = Input({ shape, name: 'input_1' });
      let x = Dense({ units, activation, name: 'dense' }).apply(inputs);
      x = tfLayer().apply(x);
      if (after) x = Dense({ units: after, name: 'dense_1' }).apply(x);
      return Model({ inputs, outputs: x, name: 'model' });
    },
    note,
  });
}

chainCase({
  name: 'reshape_3x4', cls: 'Reshape', args: '(3, 4)', tfLayer: () => Reshape({ targetShape: [3, 4], name: 'reshape' }),
  shape: [5], units: 12,
  note: 'Dense(12) then Reshape((3, 4)): out (None, 3, 4), out[b, i, j] = dense[b, 4 * i + j] (C order).',
});
chainCase({
  name: 'reshape_infer', cls: 'Reshape', args: '(-1, 2)', tfLayer: () => Reshape({ targetShape: [-1, 2], name: 'reshape' }),
  shape: [6], units: 8, after: 3,
  note: 'Dense(8), Reshape((-1, 2)) -> (None, 4, 2) (the -1 inferred; tfjs writes it as null in ' +
    'model.json), then Dense(3) on the last axis: out (None, 4, 3).',
});
chainCase({
  name: 'flatten_3d', cls: 'Flatten', args: '', tfLayer: () => Flatten({ name: 'flatten' }),
  shape: [3, 5], units: 4, after: 2,
  note: 'Dense(4) on (None, 3, 5) -> (None, 3, 4), Flatten() -> (None, 12) (C order), Dense(2): out (None, 2).',
});
chainCase({
  name: 'flatten_4d', cls: 'Flatten', args: '', tfLayer: () => Flatten({ name: 'flatten' }),
  shape: [2, 3, 5], units: 4, activation: 'tanh',
  note: "Dense(4, activation='tanh') on (None, 2, 3, 5) -> (None, 2, 3, 4), Flatten(): out (None, 24).",
});
chainCase({
  name: 'permute_21', cls: 'Permute', args: '(2, 1)', tfLayer: () => Permute({ dims: [2, 1], name: 'permute' }),
  shape: [3, 5], units: 4, after: 2,
  note: 'Dense(4) -> (None, 3, 4), Permute((2, 1)) -> (None, 4, 3) (swaps the two non-batch axes), ' +
    'Dense(2) on the new last axis: out (None, 4, 2).',
});
chainCase({
  name: 'permute_312', cls: 'Permute', args: '(3, 1, 2)', tfLayer: () => Permute({ dims: [3, 1, 2], name: 'permute' }),
  shape: [2, 3, 5], units: 4,
  note: 'Dense(4) -> (None, 2, 3, 4), Permute((3, 1, 2)): out (None, 4, 2, 3), ' +
    'out[b, k, i, j] = dense[b, i, j, k].',
});
chainCase({
  name: 'repeat_vector', cls: 'RepeatVector', args: '3', tfLayer: () => RepeatVector({ n: 3, name: 'repeat_vector' }),
  shape: [5], units: 4,
  note: 'Dense(4) -> (None, 4), RepeatVector(3): out (None, 3, 4), out[b, r, j] = dense[b, j].',
});

CASES.push({
  name: 'reshape_sequential',
  kiln: `from keras.models import Sequential
from keras.layers import Dense, Reshape, Permute, Flatten, RepeatVector

model = Sequential()
model.add(Dense(12, input_dim=4))
model.add(Reshape((3, 4)))
model.add(Permute((2, 1)))
model.add(Flatten())
model.add(Dense(3, activation='tanh'))
model.add(RepeatVector(2))
`,
  build() {
    const model = Sequential({ name: 'sequential' });
    model.add(Dense({ units: 12, inputDim: 4, name: 'dense' }));
    model.add(Reshape({ targetShape: [3, 4], name: 'reshape' }));
    model.add(Permute({ dims: [2, 1], name: 'permute' }));
    model.add(Flatten({ name: 'flatten' }));
    model.add(Dense({ units: 3, activation: 'tanh', name: 'dense_1' }));
    model.add(RepeatVector({ n: 2, name: 'repeat_vector' }));
    return model;
  },
  note: 'Sequential: Dense(12), Reshape((3, 4)), Permute((2, 1)) -> (None, 4, 3), Flatten() -> (None, 12) ' +
    "(a transposed order of the Dense outputs), Dense(3, activation='tanh'), RepeatVector(2): out (None, 2, 3).",
});
