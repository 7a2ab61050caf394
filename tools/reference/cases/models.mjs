// Whole models: multiple inputs and outputs, a shared layer, a Sequential
// model used as a layer (once and twice), Dropout/Activation layers in the
// functional API, and an intermediate tensor that is both a model output and
// the input of another layer.
//
// Weight names: tfjs names the weights of a nested model's layers by the
// inner layer only ('dense/kernel', not 'sequential/dense/kernel'), and a
// shared layer's weights appear once in the manifest. Manifest entries are
// in model.layers order (nested models expanded in place).

import {
  Dense, Dropout, Activation, Input, Model, Sequential, Add, Concatenate,
} from '../lib/common.mjs';

export const CASES = [];

CASES.push({
  name: 'model_multi_io',
  batch: 5,
  kiln: `from keras.models import Model
from keras.layers import Input, Dense, Concatenate
a = Input(shape=(2,), name='a')
b = Input(shape=(2,), name='b')
shared = Dense(4, activation='tanh')
c = Concatenate(axis=-1)([shared(a), shared(b)])
out1 = Dense(1, activation='sigmoid', name='out1')(c)
out2 = Dense(1, name='out2')(c)
model = Model(inputs=[a, b], outputs=[out1, out2])
model.compile(optimizer='adam', loss='mse')
`,
  build() {
    const a = Input({ shape: [2], name: 'a' });
    const b = Input({ shape: [2], name: 'b' });
    const shared = Dense({ units: 4, activation: 'tanh', name: 'dense' });
    const c = Concatenate({ axis: -1, name: 'concatenate' }).apply([shared.apply(a), shared.apply(b)]);
    const out1 = Dense({ units: 1, activation: 'sigmoid', name: 'out1' }).apply(c);
    const out2 = Dense({ units: 1, name: 'out2' }).apply(c);
    return Model({ inputs: [a, b], outputs: [out1, out2], name: 'model' });
  },
  note: 'Two named inputs (in0 = a, in1 = b), one shared Dense (dense, weights once in the manifest) applied ' +
    'to both, concatenated (None, 8), two named outputs (out0 = out1, sigmoid; out1 = out2, linear). ' +
    'model.compile() does not affect inference (the tfjs model is not compiled). Batch 5.',
});

CASES.push({
  name: 'model_shared_add',
  kiln: `from keras.models import Model
from keras.layers import Input, Dense, Add

left = Input(shape=(6,))
right = Input(shape=(6,))
shared = Dense(5, activation='relu')
merged = Add()([shared(left), shared(right)])
outputs = Dense(3, activation='softmax')(merged)
model = Model(inputs=[left, right], outputs=outputs)
`,
  build() {
    const left = Input({ shape: [6], name: 'input_1' });
    const right = Input({ shape: [6], name: 'input_2' });
    const shared = Dense({ units: 5, activation: 'relu', name: 'dense' });
    const merged = Add({ name: 'add' }).apply([shared.apply(left), shared.apply(right)]);
    const outputs = Dense({ units: 3, activation: 'softmax', name: 'dense_1' }).apply(merged);
    return Model({ inputs: [left, right], outputs, name: 'model' });
  },
  note: 'One Dense (dense) applied to both inputs with the same weights, Add, Dense(3, softmax) (dense_1).',
});

const ENCODER_KILN = "encoder = Sequential([Dense(8, activation='relu', input_shape=(6,)), Dense(4)])\n";
const encoder = () => Sequential({
  name: 'sequential',
  layers: [
    Dense({ units: 8, activation: 'relu', inputShape: [6], name: 'dense' }),
    Dense({ units: 4, name: 'dense_1' }),
  ],
});

CASES.push({
  name: 'model_nested_sequential',
  kiln: `from keras.models import Model, Sequential
from keras.layers import Input, Dense

${ENCODER_KILN}inp = Input(shape=(6,))
x = encoder(inp)
out = Dense(2, activation='softmax')(x)
model = Model(inputs=inp, outputs=out)
`,
  build() {
    const inp = Input({ shape: [6], name: 'input_1' });
    const x = encoder().apply(inp);
    const out = Dense({ units: 2, activation: 'softmax', name: 'dense_2' }).apply(x);
    return Model({ inputs: inp, outputs: out, name: 'model' });
  },
  note: 'A Sequential model (sequential: dense, dense_1) used as a layer of a functional model, then ' +
    "Dense(2, softmax) (dense_2: the encoder's layers were created first). tfjs writes the nested weights " +
    "as dense/kernel, dense/bias, dense_1/... (inner layer name / weight name, no 'sequential/' prefix); " +
    "model.json nests the Sequential's config, and its inbound node refers to ['sequential', 1, 0] " +
    '(node 0 is its own input).',
});

CASES.push({
  name: 'model_nested_twice',
  kiln: `from keras.models import Model, Sequential
from keras.layers import Input, Dense, Concatenate

${ENCODER_KILN}a = Input(shape=(6,))
b = Input(shape=(6,))
c = Concatenate()([encoder(a), encoder(b)])
out = Dense(1)(c)
model = Model(inputs=[a, b], outputs=out)
`,
  build() {
    const a = Input({ shape: [6], name: 'input_1' });
    const b = Input({ shape: [6], name: 'input_2' });
    const enc = encoder();
    const c = Concatenate({ name: 'concatenate' }).apply([enc.apply(a), enc.apply(b)]);
    const out = Dense({ units: 1, name: 'dense_2' }).apply(c);
    return Model({ inputs: [a, b], outputs: out, name: 'model' });
  },
  note: 'The nested Sequential encoder applied to two inputs (shared weights dense/*, dense_1/*, once in ' +
    'the manifest), concatenated (None, 8), Dense(1) (dense_2).',
});

CASES.push({
  name: 'model_dropout_activation',
  kiln: `from keras.models import Model
from keras.layers import Input, Dense, Dropout, Activation

inputs = Input(shape=(10,))
x = Dense(16)(inputs)
x = Activation('relu')(x)
x = Dropout(0.25)(x)
x = Dense(8)(x)
x = Activation('tanh')(x)
x = Dropout(0.5)(x)
outputs = Dense(3, activation='softmax')(x)
model = Model(inputs=inputs, outputs=outputs)
`,
  build() {
    const inputs = Input({ shape: [10], name: 'input_1' });
    let x = Dense({ units: 16, name: 'dense' }).apply(inputs);
    x = Activation({ activation: 'relu', name: 'activation' }).apply(x);
    x = Dropout({ rate: 0.25, name: 'dropout' }).apply(x);
    x = Dense({ units: 8, name: 'dense_1' }).apply(x);
    x = Activation({ activation: 'tanh', name: 'activation_1' }).apply(x);
    x = Dropout({ rate: 0.5, name: 'dropout_1' }).apply(x);
    const outputs = Dense({ units: 3, activation: 'softmax', name: 'dense_2' }).apply(x);
    return Model({ inputs, outputs, name: 'model' });
  },
  note: 'Functional API with standalone Activation and Dropout layers between Denses (dense, activation, ' +
    'dropout, dense_1, activation_1, dropout_1, dense_2); Dropout is the identity at inference.',
});

CASES.push({
  name: 'model_intermediate_output',
  kiln: `from keras.models import Model
from keras.layers import Input, Dense

inputs = Input(shape=(5,))
hidden = Dense(6, activation='tanh')(inputs)
score = Dense(2)(hidden)
model = Model(inputs=inputs, outputs=[score, hidden])
`,
  build() {
    const inputs = Input({ shape: [5], name: 'input_1' });
    const hidden = Dense({ units: 6, activation: 'tanh', name: 'dense' }).apply(inputs);
    const score = Dense({ units: 2, name: 'dense_1' }).apply(hidden);
    return Model({ inputs, outputs: [score, hidden], name: 'model' });
  },
  note: 'Two outputs, out0 = score (None, 2) and out1 = hidden (None, 6), where hidden is also the input ' +
    'of the Dense that computes score (outputs are listed in model order, not topological order).',
});
