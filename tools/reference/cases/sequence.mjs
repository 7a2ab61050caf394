// Embedding, Masking, TimeDistributed and the Conv1D + GlobalMaxPooling1D
// text pipeline. Token ids are int32 (in*.npy '<i4'), uniform over the whole
// vocabulary (0 and the largest id included) unless padded; Embedding weights
// uniform in [-1, 1] (embedding/embeddings, (input_dim, output_dim)).
// TimeDistributed weights are named after the wrapper: time_distributed/kernel,
// time_distributed/bias (as Keras 2 names them).

import { Embedding, Masking, LSTM, GRU, TimeDistributed, Conv1D, Conv2D, GlobalMaxPooling1D } from '../lib/sequence_layers.mjs';
import { Dense, Flatten } from '../lib/common.mjs';
import { chain, L, ids, floats, MASK_PATTERN } from '../lib/sequence_case.mjs';

export const CASES = [];

CASES.push(chain({
  name: 'embedding_sequential',
  sequential: true,
  inputs: [ids(50)],
  layers: [L('Embedding(50, 8, input_length=6)', ([n]) => Embedding({ inputDim: 50, outputDim: 8, inputLength: 6, name: n }))],
  note: 'Embedding(input_dim=50 (vocabulary size), output_dim=8, input_length=6) as first Sequential layer ' +
    '(input embedding_input, token ids (None, 6) int32): out[b, t] = embeddings[ids[b, t]] (None, 6, 8). ' +
    'Ids cover 0..49 (49 at sample 0 step 2, 0 at the last position).',
}));
CASES.push(chain({
  name: 'embedding_mask_zero',
  sequential: true,
  inputs: [ids(20, { pad: true })],
  layers: [L('Embedding(20, 4, input_length=7, mask_zero=True)',
    ([n]) => Embedding({ inputDim: 20, outputDim: 4, inputLength: 7, maskZero: true, name: n }))],
  note: `mask_zero=True only adds a mask (ids != 0) for the layers after it: padded positions (${MASK_PATTERN}) ` +
    'still output row 0 of the embeddings, not zeros.',
}));
CASES.push(chain({
  name: 'embedding_flatten_dense',
  input: [5],
  dtype: 'int32',
  inputs: [ids(30)],
  layers: [
    L('Embedding(30, 4)', ([n]) => Embedding({ inputDim: 30, outputDim: 4, name: n })),
    L('Flatten()', ([n]) => Flatten({ name: n })),
    L('Dense(3)', ([n]) => Dense({ units: 3, name: n })),
  ],
  note: "Input(shape=(5,), dtype='int32') -> Embedding(30, 4) -> Flatten (None, 20) -> Dense(3).",
}));

CASES.push(chain({
  name: 'masking_gru',
  sequential: true,
  inputs: [floats({ padSteps: true, padValue: -1 })],
  layers: [
    L('Masking(mask_value=-1.0, input_shape=(6, 3))', ([n]) => Masking({ maskValue: -1, inputShape: [6, 3], name: n })),
    L('GRU(4, return_sequences=True)', ([n]) => GRU({ units: 4, returnSequences: true, name: n })),
  ],
  note: `Masking(mask_value=-1.0): steps whose features are all -1.0 are masked (${MASK_PATTERN}; sample 0 ` +
    'step 3 has one -1.0 feature and is not). Masking outputs x * mask (so masked steps become 0). GRU ' +
    'reset_after=True (tfjs stand-in KerasGRU): at masked steps the state is carried over and the output ' +
    'repeats the previous one.',
}));

CASES.push(chain({
  name: 'time_distributed_dense',
  input: [5, 6],
  layers: [L("TimeDistributed(Dense(4, activation='relu'))",
    ([d, t]) => TimeDistributed({ layer: Dense({ units: 4, activation: 'relu', name: d }), name: t }))],
  note: 'Dense(4, relu) applied to each of the 5 steps: (None, 5, 4). Weights time_distributed/kernel (6, 4), ' +
    'time_distributed/bias (the inner layer is dense, the wrapper time_distributed).',
}));
CASES.push(chain({
  name: 'time_distributed_conv2d',
  input: [3, 6, 6, 2],
  batch: 2,
  layers: [L("TimeDistributed(Conv2D(4, (3, 3), activation='relu'))",
    ([c, t]) => TimeDistributed({ layer: Conv2D({ filters: 4, kernelSize: [3, 3], activation: 'relu', name: c }), name: t }))],
  note: 'Input (None, 3, 6, 6, 2) (T, H, W, C): Conv2D(4, 3x3, valid, relu) on each frame -> (None, 3, 4, 4, 4). ' +
    'Weights time_distributed/kernel (3, 3, 2, 4), time_distributed/bias.',
}));
CASES.push(chain({
  name: 'time_distributed_conv1d',
  input: [3, 8, 2],
  layers: [L("TimeDistributed(Conv1D(3, 3, padding='same'))",
    ([c, t]) => TimeDistributed({ layer: Conv1D({ filters: 3, kernelSize: 3, padding: 'same', name: c }), name: t }))],
  note: "Input (None, 3, 8, 2): Conv1D(3, 3, padding='same') on each of the 3 steps -> (None, 3, 8, 3). " +
    'Weights time_distributed/kernel (3, 2, 3), time_distributed/bias.',
}));
CASES.push(chain({
  name: 'time_distributed_lstm_dense',
  input: [6, 3],
  layers: [
    L('LSTM(5, return_sequences=True)', ([n]) => LSTM({ units: 5, returnSequences: true, name: n })),
    L('TimeDistributed(Dense(2))', ([d, t]) => TimeDistributed({ layer: Dense({ units: 2, name: d }), name: t })),
  ],
  note: 'A sequence-to-sequence head: LSTM(5, return_sequences=True) -> TimeDistributed(Dense(2)) -> (None, 6, 2).',
}));

CASES.push(chain({
  name: 'text_cnn_global_max_pool',
  sequential: true,
  inputs: [ids(100)],
  layers: [
    L('Embedding(100, 8, input_length=12)', ([n]) => Embedding({ inputDim: 100, outputDim: 8, inputLength: 12, name: n })),
    L("Conv1D(6, 3, activation='relu')", ([n]) => Conv1D({ filters: 6, kernelSize: 3, activation: 'relu', name: n })),
    L('GlobalMaxPooling1D()', ([n]) => GlobalMaxPooling1D({ name: n })),
    L("Dense(1, activation='sigmoid')", ([n]) => Dense({ units: 1, activation: 'sigmoid', name: n })),
  ],
  note: 'Text CNN: Embedding(100, 8) -> Conv1D(6, 3, valid, relu) (None, 10, 6) -> GlobalMaxPooling1D (None, 6) ' +
    '-> Dense(1, sigmoid).',
}));
