// Whole text models, written in model.kiln as the Keras examples write them
// (keras/examples imdb_lstm.py, imdb_bidirectional_lstm.py, imdb_cnn.py,
// imdb_cnn_lstm.py, and a BiLSTM-CNN sequence tagger); tolerance 1e-4.
// Vocabulary sizes are reduced (the weights file stays small) except for
// imdb_lstm, which keeps Embedding(20000, 128) and instead uses Kiln's seeded
// weight generator (case.json "init_weights", no model.json / weights.bin).
// Token ids: int32, padding 0 at the MASK_PATTERN positions of
// lib/sequence_case.mjs (a regular token id unless the Embedding has
// mask_zero=True); batch 4 (imdb_lstm: 3, tolerance 1e-5: see there).

import { tf, Dense, Dropout, Activation } from '../lib/common.mjs';
import {
  Embedding, LSTM, Bidirectional, Conv1D, MaxPooling1D, GlobalMaxPooling1D, TimeDistributed,
} from '../lib/sequence_layers.mjs';
import { seqCase, ids, MASK_PATTERN } from '../lib/sequence_case.mjs';

export const CASES = [];

const TOL = { atol: 1e-4, rtol: 1e-4 };

// --- imdb_lstm: Kiln's --init-weights ------------------------------------------------

const IMDB_SEED = 7;
CASES.push(seqCase({
  name: 'imdb_lstm',
  // 1e-5, not 1e-4: with Keras-initializer weights the output only ranges over 0.499..0.505.
  atol: 1e-5,
  rtol: 1e-5,
  batch: 3,
  inputs: [ids(20000, { pad: true })],
  initWeights: {
    seed: IMDB_SEED,
    // The initializer each weight's layer argument names in Keras 2 (Kiln
    // declares the same defaults); Binding.cpp draws 'uniform' as
    // (u * 2 - 1) * 0.05, has no 'orthogonal' and falls back to
    // glorot_uniform for it, and draws nothing for 'zeros'.
    initializers: {
      'embedding/embeddings': 'uniform',
      'lstm/kernel': 'glorot_uniform',
      'lstm/recurrent_kernel': 'orthogonal',
      'lstm/bias': 'zeros',
      'dense/kernel': 'glorot_uniform',
      'dense/bias': 'zeros',
    },
  },
  kiln: `from keras.models import Sequential
from keras.layers import Embedding, LSTM, Dense

max_features = 20000
maxlen = 80  # cut texts after this number of words

model = Sequential()
model.add(Embedding(max_features, 128, input_length=maxlen))
model.add(LSTM(128, dropout=0.2, recurrent_dropout=0.2))
model.add(Dense(1, activation='sigmoid'))
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
`,
  build() {
    const model = tf.sequential({ name: 'sequential' });
    model.add(Embedding({ inputDim: 20000, outputDim: 128, inputLength: 80, name: 'embedding' }));
    model.add(LSTM({ units: 128, dropout: 0.2, recurrentDropout: 0.2, name: 'lstm' }));
    model.add(Dense({ units: 1, activation: 'sigmoid', name: 'dense' }));
    return model;
  },
  note: `The Keras imdb_lstm example (input_length=maxlen=80 added so the input shape is known). Tolerance ` +
    '1e-5 as the small initial weights keep the three outputs within 0.499..0.505. No weights file: ' +
    `build with --init-weights ${IMDB_SEED}. The weights are Kiln's seeded draw (compiler/weights/Binding.cpp, ` +
    `splitmix64 from seed ${IMDB_SEED}, uniform() = (next() >> 11) * 2^-53), in layer order and Keras weight ` +
    'order: embedding/embeddings (20000, 128) embeddings_initializer uniform = (u*2-1)*0.05; lstm/kernel ' +
    '(128, 512) glorot_uniform (u*2-1)*sqrt(6/(128+512)); lstm/recurrent_kernel (128, 512) orthogonal, which ' +
    'Binding.cpp does not know and draws as glorot_uniform, same limit; lstm/bias (512,) zeros (no draws; ' +
    'unit_forget_bias is not applied by the draw); dense/kernel (128, 1) glorot_uniform sqrt(6/129); dense/bias ' +
    'zeros. 2,691,200 draws, each rounded to float32. Dropouts are inactive at inference. Token ids in ' +
    `[1, 19999] (19999 at sample 0 step 2) with padding 0 (${MASK_PATTERN}), a regular id here (no mask_zero).`,
}));

// --- other whole models ------------------------------------------------------------------

/** A Sequential text model: `layers` are [Keras text, tfjs layer] pairs (names given in the tfjs layers). */
function sequentialModel({ name, imports, head = '', layers, vocab, note }) {
  CASES.push(seqCase({
    name,
    ...TOL,
    inputs: [ids(vocab, { pad: true })],
    kiln: 'from keras.models import Sequential\n' +
      `from keras.layers import ${imports}\n\n${head}` +
      'model = Sequential()\n' + layers.map(([k]) => `model.add(${k})\n`).join('') +
      "model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])\n",
    build() {
      const model = tf.sequential({ name: 'sequential' });
      for (const [, make] of layers) model.add(make());
      return model;
    },
    note,
  }));
}

sequentialModel({
  name: 'imdb_bidirectional_lstm',
  imports: 'Embedding, LSTM, Bidirectional, Dropout, Dense',
  head: 'max_features = 2000\nmaxlen = 40\n\n',
  vocab: 2000,
  layers: [
    ['Embedding(max_features, 32, input_length=maxlen)', () => Embedding({ inputDim: 2000, outputDim: 32, inputLength: 40, name: 'embedding' })],
    ['Bidirectional(LSTM(16))', () => Bidirectional({ layer: LSTM({ units: 16, name: 'lstm' }), name: 'bidirectional' })],
    ['Dropout(0.5)', () => Dropout({ rate: 0.5, name: 'dropout' })],
    ["Dense(1, activation='sigmoid')", () => Dense({ units: 1, activation: 'sigmoid', name: 'dense' })],
  ],
  note: 'The Keras imdb_bidirectional_lstm example (vocabulary 2000, 32-d embedding, LSTM(16), maxlen 40): ' +
    'Bidirectional(LSTM) concat (None, 32), Dropout, Dense(1, sigmoid). Weights embedding/embeddings, ' +
    'bidirectional/forward_lstm/*, bidirectional/backward_lstm/*, dense/*.',
});

sequentialModel({
  name: 'imdb_cnn',
  imports: 'Embedding, Dropout, Conv1D, GlobalMaxPooling1D, Dense, Activation',
  vocab: 1000,
  layers: [
    ['Embedding(1000, 16, input_length=40)', () => Embedding({ inputDim: 1000, outputDim: 16, inputLength: 40, name: 'embedding' })],
    ['Dropout(0.2)', () => Dropout({ rate: 0.2, name: 'dropout' })],
    ["Conv1D(32, 3, padding='valid', activation='relu', strides=1)",
      () => Conv1D({ filters: 32, kernelSize: 3, padding: 'valid', activation: 'relu', strides: 1, name: 'conv1d' })],
    ['GlobalMaxPooling1D()', () => GlobalMaxPooling1D({ name: 'global_max_pooling1d' })],
    ['Dense(25)', () => Dense({ units: 25, name: 'dense' })],
    ['Dropout(0.2)', () => Dropout({ rate: 0.2, name: 'dropout_1' })],
    ["Activation('relu')", () => Activation({ activation: 'relu', name: 'activation' })],
    ['Dense(1)', () => Dense({ units: 1, name: 'dense_1' })],
    ["Activation('sigmoid')", () => Activation({ activation: 'sigmoid', name: 'activation_1' })],
  ],
  note: 'The Keras imdb_cnn example (vocabulary 1000, 16-d embedding, 32 filters, hidden 25, maxlen 40): ' +
    'Embedding -> Dropout -> Conv1D(relu) (None, 38, 32) -> GlobalMaxPooling1D -> Dense(25) -> Dropout -> ' +
    'relu -> Dense(1) -> sigmoid.',
});

sequentialModel({
  name: 'imdb_cnn_lstm',
  imports: 'Embedding, Dropout, Conv1D, MaxPooling1D, LSTM, Dense, Activation',
  head: 'max_features = 1000\nmaxlen = 40\nembedding_size = 32\nkernel_size = 5\nfilters = 16\npool_size = 4\nlstm_output_size = 20\n\n',
  vocab: 1000,
  layers: [
    ['Embedding(max_features, embedding_size, input_length=maxlen)',
      () => Embedding({ inputDim: 1000, outputDim: 32, inputLength: 40, name: 'embedding' })],
    ['Dropout(0.25)', () => Dropout({ rate: 0.25, name: 'dropout' })],
    ["Conv1D(filters,\n                 kernel_size,\n                 padding='valid',\n                 activation='relu',\n                 strides=1)",
      () => Conv1D({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu', strides: 1, name: 'conv1d' })],
    ['MaxPooling1D(pool_size=pool_size)', () => MaxPooling1D({ poolSize: 4, name: 'max_pooling1d' })],
    ['LSTM(lstm_output_size)', () => LSTM({ units: 20, name: 'lstm' })],
    ['Dense(1)', () => Dense({ units: 1, name: 'dense' })],
    ["Activation('sigmoid')", () => Activation({ activation: 'sigmoid', name: 'activation' })],
  ],
  note: 'The Keras imdb_cnn_lstm example (vocabulary 1000, 32-d embedding, 16 filters of 5, pool 4, LSTM(20), ' +
    'maxlen 40): Embedding -> Dropout -> Conv1D(relu) (None, 36, 16) -> MaxPooling1D(4) (None, 9, 16) -> ' +
    'LSTM(20) -> Dense(1) -> sigmoid.',
});

// BiLSTM + CNN tagger with a padding mask.
CASES.push(seqCase({
  name: 'bilstm_cnn_tagger',
  ...TOL,
  inputs: [ids(500, { pad: true })],
  kiln: `from keras.models import Sequential
from keras.layers import Embedding, Bidirectional, LSTM, Conv1D, TimeDistributed, Dense

vocab_size = 500
n_tags = 5
max_len = 12

model = Sequential()
model.add(Embedding(vocab_size, 16, input_length=max_len, mask_zero=True))
model.add(Bidirectional(LSTM(12, return_sequences=True)))
model.add(Conv1D(16, 3, padding='same', activation='relu'))
model.add(TimeDistributed(Dense(n_tags, activation='softmax')))
model.compile(optimizer='adam', loss='categorical_crossentropy')
`,
  build() {
    const model = tf.sequential({ name: 'sequential' });
    model.add(Embedding({ inputDim: 500, outputDim: 16, inputLength: 12, maskZero: true, name: 'embedding' }));
    model.add(Bidirectional({ layer: LSTM({ units: 12, returnSequences: true, name: 'lstm' }), name: 'bidirectional' }));
    model.add(Conv1D({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1d' }));
    model.add(TimeDistributed({ layer: Dense({ units: 5, activation: 'softmax', name: 'dense' }), name: 'time_distributed' }));
    return model;
  },
  note: 'Sequence tagger: Embedding(500, 16, mask_zero=True) -> Bidirectional(LSTM(12, return_sequences=True)) ' +
    "(None, 12, 24) -> Conv1D(16, 3, padding='same', relu) -> TimeDistributed(Dense(5, softmax)): a softmax " +
    `over 5 tags per token (None, 12, 5). Padding 0 (${MASK_PATTERN}) is masked: the Bidirectional outputs 0 ` +
    'at padded steps (zero_output_for_mask; tfjs patched, see lib/sequence_layers.mjs), the Conv1D sees those ' +
    'zeros at its window edges, and, not supporting masks, drops the mask (tf.keras 2.x does so silently), so ' +
    'the padded steps also get tag distributions.',
}));

// Stacked Bidirectional LSTMs with a mask (functional, keras-io style).
CASES.push(seqCase({
  name: 'text_bilstm_stacked_masked',
  ...TOL,
  inputs: [ids(2000, { pad: true })],
  kiln: `from tensorflow import keras
from tensorflow.keras import layers

max_features = 2000  # Only consider the top 2k words

# Input for variable-length sequences of integers, padded to 40
inputs = keras.Input(shape=(40,), dtype="int32")
# Embed each integer in a 32-dimensional vector
x = layers.Embedding(max_features, 32, mask_zero=True)(inputs)
# Add 2 bidirectional LSTMs
x = layers.Bidirectional(layers.LSTM(16, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(16))(x)
# Add a classifier
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
`,
  build() {
    const inputs = tf.input({ shape: [40], dtype: 'int32', name: 'input_1' });
    let x = Embedding({ inputDim: 2000, outputDim: 32, maskZero: true, name: 'embedding' }).apply(inputs);
    x = Bidirectional({ layer: LSTM({ units: 16, returnSequences: true, name: 'lstm' }), name: 'bidirectional' }).apply(x);
    x = Bidirectional({ layer: LSTM({ units: 16, name: 'lstm_1' }), name: 'bidirectional_1' }).apply(x);
    const outputs = Dense({ units: 1, activation: 'sigmoid', name: 'dense' }).apply(x);
    return tf.model({ inputs, outputs, name: 'model' });
  },
  note: 'The keras-io bidirectional LSTM classifier (vocabulary 2000, 32-d embedding, LSTM(16), length 40) with ' +
    'mask_zero=True and the tensorflow.keras layers import style. The first Bidirectional (return_sequences) ' +
    'passes the mask to the second, which skips the padded steps in both directions. Weights ' +
    'bidirectional/forward_lstm/*, bidirectional/backward_lstm/*, bidirectional_1/forward_lstm_1/*, ' +
    'bidirectional_1/backward_lstm_1/*.',
}));
