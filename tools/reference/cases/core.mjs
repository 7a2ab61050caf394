// The first batch of cases: Dense MLPs (Sequential and functional), Keras 1
// argument names, Dropout, and every Keras built-in activation, both as a
// Dense activation and as a standalone Activation layer. Moved unchanged from
// generate.mjs; their goldens are byte-identical to the original ones.

import { tf, Dense, Activation, Dropout, Input } from '../lib/common.mjs';

export const CASES = [];

const MLP_SEQUENTIAL_KILN = `from keras.models import Sequential
from keras.layers import Dense

model = Sequential()
model.add(Dense(64, input_dim=784, activation='relu'))
model.add(Dense(64, activation='relu'))
model.add(Dense(10, activation='softmax'))
`;
function buildMlpSequential() {
  const model = tf.sequential({ name: 'sequential' });
  model.add(Dense({ units: 64, inputDim: 784, activation: 'relu', name: 'dense' }));
  model.add(Dense({ units: 64, activation: 'relu', name: 'dense_1' }));
  model.add(Dense({ units: 10, activation: 'softmax', name: 'dense_2' }));
  return model;
}

CASES.push({
  name: 'mlp_sequential',
  batch: 4,
  kiln: MLP_SEQUENTIAL_KILN,
  build: buildMlpSequential,
  note: '784-64-64-10 MLP, Sequential API; relu, relu, softmax; batch 4.',
});

CASES.push({
  name: 'mlp_functional',
  batch: 2,
  kiln: `from keras.models import Model
from keras.layers import Input, Dense

inputs = Input(shape=(784,))
x = Dense(64, activation='relu')(inputs)
x = Dense(64, activation='relu')(x)
predictions = Dense(10, activation='softmax')(x)
model = Model(inputs=inputs, outputs=predictions)
`,
  build() {
    const inputs = Input({ shape: [784], name: 'input_1' });
    let x = Dense({ units: 64, activation: 'relu', name: 'dense' }).apply(inputs);
    x = Dense({ units: 64, activation: 'relu', name: 'dense_1' }).apply(x);
    const predictions = Dense({ units: 10, activation: 'softmax', name: 'dense_2' }).apply(x);
    return tf.model({ inputs, outputs: predictions, name: 'model' });
  },
  note: '784-64-64-10 MLP, functional API (Input/Model); batch 2.',
});

CASES.push({
  name: 'keras1_init',
  kernelRange: [-0.5, 0.5],
  kiln: `from keras.models import Sequential
from keras.layers import Dense, Activation

model = Sequential()
model.add(Dense(64, init='uniform', input_dim=10))
model.add(Activation('tanh'))
model.add(Activation('softmax'))
`,
  build() {
    // Keras 1's init='uniform' only chooses the initializer, which is
    // irrelevant here: the weights are set explicitly.
    const model = tf.sequential({ name: 'sequential' });
    model.add(Dense({ units: 64, inputDim: 10, name: 'dense' }));
    model.add(Activation({ activation: 'tanh', name: 'activation' }));
    model.add(Activation({ activation: 'softmax', name: 'activation_1' }));
    return model;
  },
  note: "Keras 1 argument name init='uniform' (initializer only; weights come from weights.bin); " +
    'two standalone Activation layers (activation, activation_1). Kernel uniform in [-0.5, 0.5].',
});

CASES.push({
  name: 'dense_no_bias',
  kiln: `from keras.models import Sequential
from keras.layers import Dense

model = Sequential()
model.add(Dense(16, input_dim=8, use_bias=False, activation='tanh'))
model.add(Dense(4))
`,
  build() {
    const model = tf.sequential({ name: 'sequential' });
    model.add(Dense({ units: 16, inputDim: 8, useBias: false, activation: 'tanh', name: 'dense' }));
    model.add(Dense({ units: 4, name: 'dense_1' }));
    return model;
  },
  note: 'use_bias=False: layer dense has only dense/kernel (no dense/bias); dense_1 is linear with bias.',
});

CASES.push({
  name: 'dropout_identity',
  kiln: `from keras.models import Sequential
from keras.layers import Dense, Dropout

model = Sequential()
model.add(Dense(32, input_dim=20, activation='relu'))
model.add(Dropout(0.5))
model.add(Dense(5))
`,
  build() {
    const model = tf.sequential({ name: 'sequential' });
    model.add(Dense({ units: 32, inputDim: 20, activation: 'relu', name: 'dense' }));
    model.add(Dropout({ rate: 0.5, name: 'dropout' }));
    model.add(Dense({ units: 5, name: 'dense_1' }));
    return model;
  },
  note: 'Dropout(0.5) is the identity at inference (model.predict): no scaling, no masking.',
});

CASES.push({
  name: 'single_sample',
  batch: 1,
  kiln: MLP_SEQUENTIAL_KILN,
  build: buildMlpSequential,
  note: 'The mlp_sequential model (own weights) with batch size 1.',
});

CASES.push({
  name: 'dense_3d',
  kiln: `from keras.models import Model
from keras.layers import Input, Dense

inputs = Input(shape=(5, 6))
outputs = Dense(4, activation='relu')(inputs)
model = Model(inputs=inputs, outputs=outputs)
`,
  build() {
    const inputs = Input({ shape: [5, 6], name: 'input_1' });
    const outputs = Dense({ units: 4, activation: 'relu', name: 'dense' }).apply(inputs);
    return tf.model({ inputs, outputs, name: 'model' });
  },
  note: 'Dense on a rank-3 input acts on the last axis: (3, 5, 6) -> (3, 5, 4), kernel [6, 4].',
});

// --- one pair of cases per Keras built-in activation -----------------------
//
// keras: the Keras name (as written in model.kiln)
// tfjs:  the tfjs activation identifier that computes the same function, or
//        null when tfjs 4.22.0 has none; then the tfjs model uses 'linear'
//        and `post` applies the activation with tfjs ops.
// gap:   what differs in tfjs (goes to case.json's note and the README).
const ACTIVATIONS = [
  { keras: 'linear', tfjs: 'linear' },
  { keras: 'relu', tfjs: 'relu' },
  { keras: 'sigmoid', tfjs: 'sigmoid' },
  { keras: 'tanh', tfjs: 'tanh' },
  { keras: 'softmax', tfjs: 'softmax' },
  { keras: 'elu', tfjs: 'elu' },
  { keras: 'selu', tfjs: 'selu' },
  { keras: 'softplus', tfjs: 'softplus' },
  { keras: 'softsign', tfjs: 'softsign' },
  {
    keras: 'hard_sigmoid', tfjs: 'hardSigmoid',
    gap: "tfjs names it 'hardSigmoid' (serialized as 'hard_sigmoid'); it computes the Keras 2 form " +
      'clip(0.2*x + 0.5, 0, 1) (Keras 3 changed to relu6(x + 3) / 6, which is NOT the target).',
  },
  {
    keras: 'exponential', tfjs: null,
    post: { expr: 'tf.exp(y)', fn: (y) => tf.exp(y) },
  },
  { keras: 'swish', tfjs: 'swish' },
  {
    keras: 'silu', tfjs: 'swish',
    gap: "tfjs 4.22.0 has no 'silu' alias; the tfjs model uses 'swish' (x * sigmoid(x)), the same " +
      "function, so model.json says 'swish'.",
  },
  {
    keras: 'gelu', tfjs: 'gelu',
    gap: "tfjs 4.22.0's 'gelu' is the exact erf form 0.5*x*(1 + erf(x/sqrt(2))) (Keras approximate=False); " +
      "its CPU erf is the Abramowitz-Stegun 7.1.26 approximation (|error| <= 1.5e-7), far inside the tolerance. " +
      "(tfjs's tanh approximation is a separate activation, 'gelu_new'.)",
  },
  { keras: 'relu6', tfjs: 'relu6' },
  {
    keras: 'leaky_relu', tfjs: null,
    post: { expr: 'tf.leakyRelu(y, 0.2)', fn: (y) => tf.leakyRelu(y, 0.2) },
    gap: 'tfjs only has a LeakyReLU layer (default alpha 0.3); the Keras leaky_relu activation has ' +
      'negative slope 0.2.',
  },
  {
    keras: 'log_softmax', tfjs: 'logSoftmax',
    gap: "tfjs 4.22.0 registers it as 'logSoftmax' (serialized as 'log_softmax') although its typings " +
      'do not list it; computed over the last axis as x - max - log(sum(exp(x - max))).',
  },
  { keras: 'mish', tfjs: 'mish' },
];

// The activation cases need pre-activations on both sides of every kink or
// clip point: below -2.5 and above +6 (hard_sigmoid clips at +-2.5, relu6 at
// 0 and 6), and some inside (-2.5, 2.5).
const ACT_COVERAGE = (z) => z.some((v) => v < -3) && z.some((v) => v > 6.5) &&
  z.some((v) => v > -2 && v < 0) && z.some((v) => v > 0 && v < 2);

for (const act of ACTIVATIONS) {
  const tfjsAct = act.tfjs ?? 'linear';
  const how = (where) => (act.post
    ? `tfjs 4.22.0 has no '${act.keras}' activation: in the tfjs model ${where} is 'linear' and ` +
      `out0 = ${act.post.expr}, y = the tfjs model output (computed with tfjs ops). `
    : '');
  const common = {
    inputRange: [-4, 4],
    kernelRange: [-1.5, 1.5],
    biasRange: [-1, 1],
    coverage: ACT_COVERAGE,
    post: act.post ? { keras: act.keras, ...act.post } : undefined,
  };
  CASES.push({
    name: `act_${act.keras}`,
    ...common,
    kiln: `from keras.models import Sequential
from keras.layers import Dense

model = Sequential()
model.add(Dense(7, input_dim=5, activation='${act.keras}'))
`,
    build() {
      const model = tf.sequential({ name: 'sequential' });
      model.add(Dense({ units: 7, inputDim: 5, activation: tfjsAct, name: 'dense' }));
      return model;
    },
    note: `Dense activation='${act.keras}'. ${how("Dense 'dense'")}${act.gap ?? ''}`,
  });
  CASES.push({
    name: `actlayer_${act.keras}`,
    ...common,
    kiln: `from keras.models import Sequential
from keras.layers import Dense, Activation

model = Sequential()
model.add(Dense(7, input_dim=5))
model.add(Activation('${act.keras}'))
`,
    build() {
      const model = tf.sequential({ name: 'sequential' });
      model.add(Dense({ units: 7, inputDim: 5, name: 'dense' }));
      model.add(Activation({ activation: tfjsAct, name: 'activation' }));
      return model;
    },
    note: `Standalone Activation('${act.keras}') after a linear Dense. ${how("Activation 'activation'")}${act.gap ?? ''}`,
  });
}
