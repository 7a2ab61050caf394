// Recurrent layers: SimpleRNN, LSTM, GRU (reset_after True and False) and
// Bidirectional, with every option that changes the arithmetic
// (return_sequences, return_state, go_backwards, activation,
// recurrent_activation, use_bias, reset_after, merge_mode, backward_layer),
// unroll=True (no effect on the numbers) and masks from Embedding(mask_zero=
// True) and Masking. Batch 4; float inputs uniform in [-2, 2]; token ids with
// the padding pattern of lib/sequence_case.mjs (MASK_PATTERN).
//
// Keras 2 semantics the goldens follow (keras/backend.py rnn, recurrent.py,
// recurrent_v2.py, wrappers.py):
// - at a masked timestep the states are carried over unchanged and the output
//   is the previous output (zeros before the first unmasked step), for a plain
//   layer; inside Bidirectional with return_sequences=True, whose layers get
//   zero_output_for_mask=True, the output there is 0;
// - go_backwards returns the output sequence in processing order (reversed);
//   Bidirectional reverses its backward output back;
// - recurrent_activation default 'sigmoid' (tfjs: 'hardSigmoid'; set
//   explicitly), hard_sigmoid = clip(0.2x + 0.5, 0, 1);
// - GRU default reset_after=True (tfjs lacks it: lib/sequence_layers.mjs
//   KerasGRUCell), bias (2, 3*units).
//
// Weight names as tfjs writes them (Kiln matches the trailing weight name
// with the layer name before it): lstm/kernel (in, 4u), lstm/recurrent_kernel
// (u, 4u), lstm/bias (4u,), gates i, f, c, o; gru/kernel (in, 3u),
// gru/recurrent_kernel (u, 3u), gru/bias (2, 3u) or (3u,), gates z, r, h;
// simple_rnn/kernel, recurrent_kernel, bias; bidirectional/forward_lstm/kernel
// ... then bidirectional/backward_lstm/... (Keras 2 .h5 files add the cell:
// lstm/lstm_cell/kernel:0, bidirectional/forward_lstm/lstm_cell_1/kernel:0).

import { Embedding, Masking, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed } from '../lib/sequence_layers.mjs';
import { tf, Dense } from '../lib/common.mjs';
import { chain, seqCase, L, ids, floats, constructed, MASK_PATTERN } from '../lib/sequence_case.mjs';

export const CASES = [];

const FLOAT_IN = [6, 3];
const MASKED = `Token ids (int32) with padding 0 (${MASK_PATTERN}); Embedding(mask_zero=True) masks those steps.`;
const CARRY = 'At a masked step the state is carried over and the output repeats the previous output ' +
  '(zeros before the first unmasked step; Keras backend.rnn with zero_output_for_mask=False).';

/** Input((6, 3)) -> one recurrent layer. */
function one(name, keras, make, note, extra = {}) {
  CASES.push(chain({ name, input: FLOAT_IN, layers: [L(keras, (n) => make(n.length === 1 ? n[0] : n))], note, ...extra }));
}

/** Input((7,), int32) -> Embedding(vocab, 3, mask_zero=True) -> layers. */
function masked(name, layers, note, extra = {}) {
  CASES.push(chain({
    name,
    input: [7],
    dtype: 'int32',
    inputs: [ids(20, { pad: true })],
    layers: [L('Embedding(20, 3, mask_zero=True)', ([n]) => Embedding({ inputDim: 20, outputDim: 3, maskZero: true, name: n })), ...layers],
    note: `${MASKED} ${note}`,
    ...extra,
  }));
}

/**
 * A layer with return_state=True: `outs` are the Python names of its outputs
 * (model outputs in that order).
 */
function withState(name, keras, make, outs, note, { input = FLOAT_IN, dtype, inputs, embed = false } = {}) {
  const emb = embed ? 'x = Embedding(20, 3, mask_zero=True)(inputs)\n' : '';
  const imports = ['Input', ...(embed ? ['Embedding'] : []), ...new Set(constructed(keras))].join(', ');
  CASES.push(seqCase({
    name,
    inputs: embed ? [ids(20, { pad: true })] : inputs,
    kiln: `from keras.models import Model
from keras.layers import ${imports}

inputs = Input(shape=${input.length === 1 ? `(${input[0]},)` : `(${input.join(', ')})`}${embed ? ", dtype='int32'" : ''})
${emb}${outs.join(', ')} = ${keras}(${embed ? 'x' : 'inputs'})
model = Model(inputs=inputs, outputs=[${outs.join(', ')}])
`,
    build() {
      const inp = tf.input({ shape: input, dtype: embed ? 'int32' : dtype ?? 'float32', name: 'input_1' });
      const x = embed ? Embedding({ inputDim: 20, outputDim: 3, maskZero: true, name: 'embedding' }).apply(inp) : inp;
      return tf.model({ inputs: inp, outputs: make().apply(x), name: 'model' });
    },
    note: `${embed ? MASKED + ' ' : ''}${note}`,
  }));
}

// --- SimpleRNN -------------------------------------------------------------------

one('simple_rnn_last', 'SimpleRNN(5)', (n) => SimpleRNN({ units: 5, name: n }),
  'h_t = tanh(x_t W + b + h_{t-1} U) from h_0 = 0; output h_T (None, 5).');
one('simple_rnn_sequences', 'SimpleRNN(5, return_sequences=True)',
  (n) => SimpleRNN({ units: 5, returnSequences: true, name: n }), 'Every h_t: (None, 6, 5).');
one('simple_rnn_relu', "SimpleRNN(4, activation='relu', return_sequences=True)",
  (n) => SimpleRNN({ units: 4, activation: 'relu', returnSequences: true, name: n }),
  'h_t = relu(x_t W + b + h_{t-1} U).', { kernelScale: 1.5 });
one('simple_rnn_backwards', 'SimpleRNN(4, go_backwards=True, return_sequences=True)',
  (n) => SimpleRNN({ units: 4, goBackwards: true, returnSequences: true, name: n }),
  'Processes steps 6..1; output[:, i] is the state after the i-th processed step, i.e. the sequence is in ' +
  'reversed time order (not flipped back).');
one('simple_rnn_no_bias', 'SimpleRNN(4, use_bias=False)',
  (n) => SimpleRNN({ units: 4, useBias: false, name: n }), 'No simple_rnn/bias in the manifest.');
withState('simple_rnn_state', 'SimpleRNN(4, return_sequences=True, return_state=True)',
  () => SimpleRNN({ units: 4, returnSequences: true, returnState: true, name: 'simple_rnn' }),
  ['output', 'state'], 'Two outputs: out0 the sequence (None, 6, 4), out1 the final state (None, 4).');
masked('simple_rnn_masked', [L('SimpleRNN(4, return_sequences=True)', ([n]) => SimpleRNN({ units: 4, returnSequences: true, name: n }))],
  CARRY);

// --- LSTM --------------------------------------------------------------------------

const LSTM_EQ = 'z = x_t W + h U + b split in gates i, f, c, o; c_t = sigmoid(f) c + sigmoid(i) tanh(c~); ' +
  'h_t = sigmoid(o) tanh(c_t).';
one('lstm_last', 'LSTM(4)', (n) => LSTM({ units: 4, name: n }), `${LSTM_EQ} Output h_T (None, 4).`);
one('lstm_sequences', 'LSTM(4, return_sequences=True)', (n) => LSTM({ units: 4, returnSequences: true, name: n }),
  `${LSTM_EQ} Output every h_t (None, 6, 4).`);
withState('lstm_state', 'LSTM(4, return_state=True)', () => LSTM({ units: 4, returnState: true, name: 'lstm' }),
  ['output', 'state_h', 'state_c'], 'Three outputs: out0 = h_T, out1 = state_h = h_T, out2 = state_c = c_T.');
withState('lstm_sequences_state', 'LSTM(4, return_sequences=True, return_state=True)',
  () => LSTM({ units: 4, returnSequences: true, returnState: true, name: 'lstm' }),
  ['whole_seq_output', 'final_memory_state', 'final_carry_state'],
  'Outputs: the sequence (None, 6, 4), h_T (None, 4), c_T (None, 4).');
one('lstm_backwards', 'LSTM(4, go_backwards=True, return_sequences=True)',
  (n) => LSTM({ units: 4, goBackwards: true, returnSequences: true, name: n }),
  'Processes steps 6..1; the output sequence is in processing (reversed) order.');
one('lstm_backwards_last', 'LSTM(4, go_backwards=True)', (n) => LSTM({ units: 4, goBackwards: true, name: n }),
  'Output: the state after processing step 1 last.');
one('lstm_relu', "LSTM(4, activation='relu', return_sequences=True)",
  (n) => LSTM({ units: 4, activation: 'relu', returnSequences: true, name: n }),
  'activation relu replaces both tanh (cell input and output).', { kernelScale: 1.5 });
one('lstm_hard_sigmoid', "LSTM(4, recurrent_activation='hard_sigmoid', return_sequences=True)",
  (n) => LSTM({ units: 4, recurrentActivation: 'hardSigmoid', returnSequences: true, name: n }),
  'Gates use the Keras 2 hard sigmoid clip(0.2x + 0.5, 0, 1); kernels scaled x3 so gate pre-activations ' +
  'pass both clip points (+-2.5).', { kernelScale: 3 });
one('lstm_no_bias', 'LSTM(4, use_bias=False, return_sequences=True)',
  (n) => LSTM({ units: 4, useBias: false, returnSequences: true, name: n }), 'No lstm/bias in the manifest.');
one('lstm_unroll', 'LSTM(4, unroll=True, return_sequences=True)',
  (n) => LSTM({ units: 4, unroll: true, returnSequences: true, name: n }),
  'unroll=True only changes how Keras builds the graph; the numbers are those of the loop.');
masked('lstm_masked', [L('LSTM(4, return_sequences=True)', ([n]) => LSTM({ units: 4, returnSequences: true, name: n }))],
  CARRY);
withState('lstm_masked_state', 'LSTM(4, return_state=True)', () => LSTM({ units: 4, returnState: true, name: 'lstm' }),
  ['output', 'state_h', 'state_c'],
  'Outputs h_T, h_T, c_T where masked steps carry the states over (a trailing padded step keeps the last real state).',
  { input: [7], embed: true });
masked('lstm_masked_backwards',
  [L('LSTM(4, go_backwards=True, return_sequences=True)', ([n]) => LSTM({ units: 4, goBackwards: true, returnSequences: true, name: n }))],
  `Reversed processing with the mask reversed too. ${CARRY}`);
masked('lstm_stacked_masked', [
  L('LSTM(5, return_sequences=True)', ([n]) => LSTM({ units: 5, returnSequences: true, name: n })),
  L('LSTM(3)', ([n]) => LSTM({ units: 3, name: n })),
], 'The first LSTM (lstm) passes the mask on (return_sequences=True) to the second (lstm_1), which skips the ' +
  'same steps. Output h_T of lstm_1 (None, 3).');
CASES.push(chain({
  name: 'lstm_masking_layer',
  sequential: true,
  inputs: [floats({ padSteps: true })],
  layers: [
    L('Masking(mask_value=0.0, input_shape=(6, 3))', ([n]) => Masking({ maskValue: 0, inputShape: [6, 3], name: n })),
    L('LSTM(4, return_sequences=True)', ([n]) => LSTM({ units: 4, returnSequences: true, name: n })),
  ],
  note: `Masking(mask_value=0.0): a step whose features are all exactly 0.0 is masked (${MASK_PATTERN}); ` +
    'sample 0 step 3 has one zero feature and is not masked. Masking outputs x * mask. ' + CARRY,
}));
CASES.push(chain({
  name: 'lstm_legacy_input_dim',
  sequential: true,
  batch: 3,
  layers: [L('LSTM(32, input_dim=64, input_length=10)',
    ([n]) => LSTM({ units: 32, inputShape: [10, 64], name: n }))],
  note: 'The Keras 1 form as first Sequential layer: input_dim=64, input_length=10 mean input_shape=(10, 64) ' +
    '(input lstm_input). Output (None, 32). (tfjs ignores inputDim/inputLength on a first layer: the tfjs ' +
    'model gets inputShape [10, 64].)',
}));

// --- GRU ---------------------------------------------------------------------------

const GRU_V2 = 'reset_after=True (the tf.keras 2.x default): bias (2, 12) = [input bias; recurrent bias]; ' +
  'z = sig(x W_z + b_iz + h U_z + b_hz), r likewise, hh = tanh(x W_h + b_ih + r * (h U_h + b_hh)), ' +
  'h_t = z h + (1 - z) hh. tfjs lacks reset_after: computed by the tfjs-ops cell KerasGRUCell ' +
  '(model.json: class KerasGRU).';
const GRU_V1 = 'reset_after=False: bias (12,); hh = tanh(x W_h + b_h + (r * h) U_h) (tfjs\'s own GRU).';
one('gru_last', 'GRU(4)', (n) => GRU({ units: 4, name: n }), GRU_V2);
one('gru_sequences', 'GRU(4, return_sequences=True)', (n) => GRU({ units: 4, returnSequences: true, name: n }), GRU_V2);
withState('gru_state', 'GRU(4, return_sequences=True, return_state=True)',
  () => GRU({ units: 4, returnSequences: true, returnState: true, name: 'gru' }),
  ['output', 'state'], `Outputs: the sequence and h_T. ${GRU_V2}`);
one('gru_backwards', 'GRU(4, go_backwards=True, return_sequences=True)',
  (n) => GRU({ units: 4, goBackwards: true, returnSequences: true, name: n }),
  `Reversed processing; sequence in processing order. ${GRU_V2}`);
one('gru_relu', "GRU(4, activation='relu', return_sequences=True)",
  (n) => GRU({ units: 4, activation: 'relu', returnSequences: true, name: n }), `hh = relu(...). ${GRU_V2}`,
  { kernelScale: 1.5 });
one('gru_hard_sigmoid', "GRU(4, recurrent_activation='hard_sigmoid', return_sequences=True)",
  (n) => GRU({ units: 4, recurrentActivation: 'hardSigmoid', returnSequences: true, name: n }),
  `z, r = clip(0.2x + 0.5, 0, 1); kernels x3 so both clip points are passed. ${GRU_V2}`, { kernelScale: 3 });
one('gru_no_bias', 'GRU(4, use_bias=False, return_sequences=True)',
  (n) => GRU({ units: 4, useBias: false, returnSequences: true, name: n }),
  'reset_after=True without bias: hh = tanh(x W_h + r * (h U_h)); no gru/bias in the manifest.');
one('gru_unroll', 'GRU(4, unroll=True)', (n) => GRU({ units: 4, unroll: true, name: n }),
  `unroll=True: same numbers. ${GRU_V2}`);
masked('gru_masked', [L('GRU(4, return_sequences=True)', ([n]) => GRU({ units: 4, returnSequences: true, name: n }))],
  `${CARRY} ${GRU_V2}`);
one('gru_v1_last', 'GRU(4, reset_after=False)', (n) => GRU({ units: 4, resetAfter: false, name: n }), GRU_V1);
one('gru_v1_sequences', 'GRU(4, reset_after=False, return_sequences=True)',
  (n) => GRU({ units: 4, resetAfter: false, returnSequences: true, name: n }), GRU_V1);
withState('gru_v1_state', 'GRU(4, reset_after=False, return_state=True)',
  () => GRU({ units: 4, resetAfter: false, returnState: true, name: 'gru' }),
  ['output', 'state'], `Outputs h_T twice (output and state). ${GRU_V1}`);
one('gru_v1_no_bias', 'GRU(4, reset_after=False, use_bias=False, return_sequences=True)',
  (n) => GRU({ units: 4, resetAfter: false, useBias: false, returnSequences: true, name: n }),
  `No gru/bias. ${GRU_V1}`);
masked('gru_v1_backwards_masked',
  [L('GRU(4, reset_after=False, go_backwards=True, return_sequences=True)',
    ([n]) => GRU({ units: 4, resetAfter: false, goBackwards: true, returnSequences: true, name: n }))],
  `Reversed processing with the mask. ${CARRY} ${GRU_V1}`);

// --- Bidirectional -------------------------------------------------------------------

const BI = 'Bidirectional runs a copy of the layer forwards (forward_<name>) and one with go_backwards ' +
  '(backward_<name>), flips the backward output sequence back to input order and merges.';
const ZERO = 'With a mask and return_sequences=True, Keras sets zero_output_for_mask=True on both layers: ' +
  'outputs at masked steps are 0 in both halves (states still carried over). tfjs carries the previous ' +
  'output instead; the tfjs layers are patched to multiply by the mask (lib/sequence_layers.mjs).';
const bi = (name, keras, make, note, extra) => one(name, keras, make, `${BI} ${note}`, extra);

bi('bidirectional_lstm', 'Bidirectional(LSTM(4, return_sequences=True))',
  ([l, b]) => Bidirectional({ layer: LSTM({ units: 4, returnSequences: true, name: l }), name: b }),
  "merge_mode='concat' (default): (None, 6, 8), forward units first.");
bi('bidirectional_lstm_last', 'Bidirectional(LSTM(4))',
  ([l, b]) => Bidirectional({ layer: LSTM({ units: 4, name: l }), name: b }),
  'concat of the forward h_T and the backward final state (after processing step 1): (None, 8).');
bi('bidirectional_gru_sum', "Bidirectional(GRU(4, return_sequences=True), merge_mode='sum')",
  ([g, b]) => Bidirectional({ layer: GRU({ units: 4, returnSequences: true, name: g }), mergeMode: 'sum', name: b }),
  "merge_mode='sum', GRU reset_after=True (KerasGRUCell). Weights bidirectional/forward_gru/*, bidirectional/backward_gru/*.");
bi('bidirectional_simple_rnn_mul', "Bidirectional(SimpleRNN(4, return_sequences=True), merge_mode='mul')",
  ([s, b]) => Bidirectional({ layer: SimpleRNN({ units: 4, returnSequences: true, name: s }), mergeMode: 'mul', name: b }),
  "merge_mode='mul' (element-wise product).");
bi('bidirectional_lstm_ave', "Bidirectional(LSTM(4), merge_mode='ave')",
  ([l, b]) => Bidirectional({ layer: LSTM({ units: 4, name: l }), mergeMode: 'ave', name: b }),
  "merge_mode='ave': (forward + backward) / 2.");
withState('bidirectional_none', 'Bidirectional(LSTM(3, return_sequences=True), merge_mode=None)',
  () => Bidirectional({ layer: LSTM({ units: 3, returnSequences: true, name: 'lstm' }), mergeMode: null, name: 'bidirectional' }),
  ['forward', 'backward'],
  `${BI} merge_mode=None: two outputs, out0 the forward sequence, out1 the backward one (in input order).`);
withState('bidirectional_state', 'Bidirectional(LSTM(3, return_state=True))',
  () => Bidirectional({ layer: LSTM({ units: 3, returnState: true, name: 'lstm' }), name: 'bidirectional' }),
  ['output', 'forward_h', 'forward_c', 'backward_h', 'backward_c'],
  `${BI} return_state=True: out0 the concatenated final outputs (None, 6), then the forward h, c and the backward h, c.`);
masked('bidirectional_masked', [L('Bidirectional(LSTM(4, return_sequences=True))',
  ([l, b]) => Bidirectional({ layer: LSTM({ units: 4, returnSequences: true, name: l }), name: b }))],
`${BI} ${ZERO}`);
masked('bidirectional_masked_last', [L('Bidirectional(LSTM(4))',
  ([l, b]) => Bidirectional({ layer: LSTM({ units: 4, name: l }), name: b }))],
`${BI} return_sequences=False: no zeroing; each direction's final state after carrying over masked steps.`);
withState('bidirectional_masked_none', 'Bidirectional(GRU(3, return_sequences=True), merge_mode=None)',
  () => Bidirectional({ layer: GRU({ units: 3, returnSequences: true, name: 'gru' }), mergeMode: null, name: 'bidirectional' }),
  ['forward', 'backward'], `${BI} merge_mode=None, two outputs, GRU reset_after=True. ${ZERO}`,
  { input: [7], embed: true });
CASES.push(seqCase({
  name: 'bidirectional_backward_layer',
  kiln: `from keras.models import Sequential
from keras.layers import Bidirectional, LSTM

model = Sequential()
forward_layer = LSTM(4, return_sequences=True)
backward_layer = LSTM(4, activation='relu', use_bias=False, return_sequences=True, go_backwards=True)
model.add(Bidirectional(forward_layer, backward_layer=backward_layer, input_shape=(6, 3)))
`,
  build() {
    const model = tf.sequential({ name: 'sequential' });
    model.add(Bidirectional({
      layer: LSTM({ units: 4, returnSequences: true, name: 'lstm' }),
      backwardLayer: LSTM({ units: 4, activation: 'relu', useBias: false, returnSequences: true, goBackwards: true, name: 'lstm_1' }),
      inputShape: [6, 3],
      name: 'bidirectional',
    }));
    return model;
  },
  note: `${BI} The Keras documentation's explicit backward layer (lstm_1: relu, no bias, go_backwards=True; ` +
    'Keras renames it backward_lstm_1), Sequential with input_shape on the Bidirectional (input ' +
    'bidirectional_input): weights bidirectional/forward_lstm/{kernel, recurrent_kernel, bias}, then ' +
    'bidirectional/backward_lstm_1/{kernel, recurrent_kernel}. tfjs has no backward_layer argument: the tfjs ' +
    'Bidirectional gets that layer swapped in; model.json does not record it.',
}));

// TimeDistributed after a masked recurrent layer (mask passes through).
masked('time_distributed_masked', [
  L('LSTM(4, return_sequences=True)', ([n]) => LSTM({ units: 4, returnSequences: true, name: n })),
  L("TimeDistributed(Dense(3, activation='softmax'))",
    ([d, t]) => TimeDistributed({ layer: Dense({ units: 3, activation: 'softmax', name: d }), name: t })),
], `${CARRY} TimeDistributed(Dense) (weights time_distributed/kernel, time_distributed/bias) applies the softmax ` +
  'Dense at every step, padded ones included (the mask does not change its numbers).');
