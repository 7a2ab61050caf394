// Attention, AdditiveAttention and MultiHeadAttention (Keras 2 / tf.keras
// 2.10+: Attention's score_mode and the call argument use_causal_mask).
// tfjs 4.22.0 has none of them: the tfjs models use the tfjs-ops stand-ins
// KerasAttention, KerasAdditiveAttention, KerasMultiHeadAttention
// (lib/sequence_layers.mjs; model.json names those classes, and
// use_causal_mask appears as their config option useCausalMask), checked
// against the float64 definitions of lib/float64_sequence.mjs.
//
// Keras 2 definitions (keras/layers/attention/*.py):
// - Attention: scores = q k^T ('dot', times `scale` with use_scale) or
//   concat_score_weight * sum(tanh(scale * (q_i + k_j))) ('concat');
//   AdditiveAttention: scores = sum(scale * tanh(q_i + k_j)) (use_scale=True
//   by default, scale of shape (dim,)). Then masked scores (value mask, causal
//   j > i) get -1e9, softmax over the value axis, result = weights @ value,
//   times the query mask. key defaults to value.
// - MultiHeadAttention(num_heads H, key_dim K, value_dim V = K): per head
//   q = x_q Wq + bq, k, v likewise, softmax(q k^T / sqrt(K)) v, then the
//   output projection over (H, V) to the query's last dimension.
// Weights: attention/scale (), attention/concat_score_weight ();
// additive_attention/scale (dim,); multi_head_attention/query/kernel (dq, H, K),
// query/bias (H, K), key/kernel (dk, H, K), key/bias, value/kernel (dv, H, V),
// value/bias (H, V), attention_output/kernel (H, V, dq), attention_output/bias (dq,).
// Float inputs uniform in [-1, 1]; batch 4.

import { tf } from '../lib/common.mjs';
import { Embedding, Attention, AdditiveAttention, MultiHeadAttention } from '../lib/sequence_layers.mjs';
import { seqCase, ids, floats, MASK_PATTERN } from '../lib/sequence_case.mjs';

export const CASES = [];

const F = floats({ range: [-1, 1] });
const pyShape = (s) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`);

/**
 * Functional model on float inputs `ins` ({ var, shape }), named input_1..;
 * `lines` are the Python lines after the inputs (defining `out`); `tfOut`
 * builds the tfjs output from the tfjs inputs (in order).
 */
function attCase({ name, imports, ins, lines, tfOut, note, ...rest }) {
  CASES.push(seqCase({
    name,
    inputs: ins.map(() => F),
    ...rest,
    kiln: 'from keras.models import Model\n' +
      `from keras.layers import Input, ${imports}\n\n` +
      ins.map((i) => `${i.var} = Input(shape=${pyShape(i.shape)})\n`).join('') +
      lines.trim() + '\n' +
      `model = Model(inputs=${ins.length === 1 ? ins[0].var : `[${ins.map((i) => i.var).join(', ')}]`}, outputs=out)\n`,
    build() {
      const xs = ins.map((i, k) => tf.input({ shape: i.shape, name: `input_${k + 1}` }));
      return tf.model({ inputs: xs, outputs: tfOut(xs), name: 'model' });
    },
    note,
  }));
}

const QV = [{ var: 'query', shape: [4, 5] }, { var: 'value', shape: [6, 5] }];
const QVK = [{ var: 'query', shape: [4, 5] }, { var: 'value', shape: [6, 3] }, { var: 'key', shape: [6, 5] }];

// --- Attention ---------------------------------------------------------------------

attCase({
  name: 'attention_dot', imports: 'Attention', ins: QV,
  lines: 'out = Attention()([query, value])',
  tfOut: ([q, v]) => Attention({ name: 'attention' }).apply([q, v]),
  note: "Attention() (use_scale=False, score_mode='dot'): softmax(query value^T) value, key = value: (None, 4, 5).",
});
attCase({
  name: 'attention_scale', imports: 'Attention', ins: QV,
  lines: 'out = Attention(use_scale=True)([query, value])',
  tfOut: ([q, v]) => Attention({ useScale: true, name: 'attention' }).apply([q, v]),
  note: 'use_scale=True: scores times the scalar weight attention/scale (shape (), here in [0.5, 1.5]).',
});
attCase({
  name: 'attention_key', imports: 'Attention', ins: QVK,
  lines: 'out = Attention()([query, value, key])',
  tfOut: ([q, v, k]) => Attention({ name: 'attention' }).apply([q, v, k]),
  note: 'Separate key (None, 6, 5) and value (None, 6, 3): softmax(query key^T) value -> (None, 4, 3). Inputs in0 query, in1 value, in2 key.',
});
attCase({
  name: 'attention_concat', imports: 'Attention', ins: QV,
  lines: "out = Attention(score_mode='concat')([query, value])",
  tfOut: ([q, v]) => Attention({ scoreMode: 'concat', name: 'attention' }).apply([q, v]),
  note: "score_mode='concat': scores[i, j] = concat_score_weight * sum_d tanh(query[i, d] + value[j, d]); " +
    'weight attention/concat_score_weight (shape ()).',
});
attCase({
  name: 'attention_concat_scale', imports: 'Attention', ins: QVK,
  lines: "out = Attention(use_scale=True, score_mode='concat')([query, value, key])",
  tfOut: ([q, v, k]) => Attention({ useScale: true, scoreMode: 'concat', name: 'attention' }).apply([q, v, k]),
  note: "score_mode='concat' with use_scale: concat_score_weight * sum tanh(scale * (query_i + key_j)); weights " +
    'attention/scale then attention/concat_score_weight. Separate key; output (None, 4, 3).',
});
attCase({
  name: 'attention_causal', imports: 'Attention', ins: [{ var: 'x', shape: [5, 4] }],
  lines: 'out = Attention()([x, x], use_causal_mask=True)',
  tfOut: ([x]) => Attention({ useCausalMask: true, name: 'attention' }).apply([x, x]),
  note: 'Self-attention with the causal mask (call argument use_causal_mask=True, Keras 2.10+): position i ' +
    'attends to j <= i only (scores of j > i get -1e9).',
});

/** Token-id inputs through one shared Embedding(20, 4, mask_zero=True), then `layer`. */
function maskedAtt({ name, imports, layer, tfLayer, self = false, note }) {
  const qT = 5;
  const vT = 6;
  CASES.push(seqCase({
    name,
    inputs: self ? [ids(20, { pad: true })] : [ids(20, { pad: true }), ids(20, { pad: true })],
    kiln: 'from keras.models import Model\n' +
      `from keras.layers import Input, Embedding, ${imports}\n\n` +
      (self ? `tokens = Input(shape=(${vT},), dtype='int32')\n` :
        `query_ids = Input(shape=(${qT},), dtype='int32')\nvalue_ids = Input(shape=(${vT},), dtype='int32')\n`) +
      'embed = Embedding(20, 4, mask_zero=True)\n' +
      (self ? 'x = embed(tokens)\n' : 'query = embed(query_ids)\nvalue = embed(value_ids)\n') +
      `out = ${layer}\n` +
      `model = Model(inputs=${self ? 'tokens' : '[query_ids, value_ids]'}, outputs=out)\n`,
    build() {
      const embed = Embedding({ inputDim: 20, outputDim: 4, maskZero: true, name: 'embedding' });
      if (self) {
        const t = tf.input({ shape: [vT], dtype: 'int32', name: 'input_1' });
        const x = embed.apply(t);
        return tf.model({ inputs: t, outputs: tfLayer().apply([x, x]), name: 'model' });
      }
      const q = tf.input({ shape: [qT], dtype: 'int32', name: 'input_1' });
      const v = tf.input({ shape: [vT], dtype: 'int32', name: 'input_2' });
      return tf.model({ inputs: [q, v], outputs: tfLayer().apply([embed.apply(q), embed.apply(v)]), name: 'model' });
    },
    note: `Token ids with padding 0 (${MASK_PATTERN}) through one shared Embedding(20, 4, mask_zero=True) ` +
      '(embedding/embeddings once in the manifest), whose masks reach the attention layer: value steps with ' +
      'mask 0 get -1e9 added to their scores, and the result is multiplied by the query mask (0 rows at padded ' +
      `queries). ${note} tfjs passes a layer only its first input's mask: the stand-in reads each input's own mask.`,
  }));
}

maskedAtt({
  name: 'attention_masked', imports: 'Attention',
  layer: 'Attention()([query, value])', tfLayer: () => Attention({ name: 'attention' }),
  note: 'Query (None, 5, 4), value (None, 6, 4).',
});
maskedAtt({
  name: 'attention_causal_masked', imports: 'Attention', self: true,
  layer: 'Attention(use_scale=True)([x, x], use_causal_mask=True)',
  tfLayer: () => Attention({ useScale: true, useCausalMask: true, name: 'attention' }),
  note: 'Self-attention with use_scale and the causal mask combined with the padding mask (logical and).',
});

// --- AdditiveAttention -----------------------------------------------------------------

attCase({
  name: 'additive_attention', imports: 'AdditiveAttention', ins: QV,
  lines: 'out = AdditiveAttention()([query, value])',
  tfOut: ([q, v]) => AdditiveAttention({ name: 'additive_attention' }).apply([q, v]),
  note: 'use_scale=True (the default): scores[i, j] = sum_d scale[d] tanh(query[i, d] + value[j, d]); weight ' +
    'additive_attention/scale (5,), here in [-1, 1].',
});
attCase({
  name: 'additive_attention_no_scale', imports: 'AdditiveAttention', ins: QVK,
  lines: 'out = AdditiveAttention(use_scale=False)([query, value, key])',
  tfOut: ([q, v, k]) => AdditiveAttention({ useScale: false, name: 'additive_attention' }).apply([q, v, k]),
  note: 'use_scale=False: scores = sum_d tanh(query_i + key_j); no weights (model.json has an empty manifest). ' +
    'Separate key; output (None, 4, 3).',
});
maskedAtt({
  name: 'additive_attention_masked', imports: 'AdditiveAttention',
  layer: 'AdditiveAttention()([query, value])', tfLayer: () => AdditiveAttention({ name: 'additive_attention' }),
  note: 'Scale weight additive_attention/scale (4,).',
});

// --- MultiHeadAttention ----------------------------------------------------------------

attCase({
  name: 'multi_head_attention_self', imports: 'MultiHeadAttention', ins: [{ var: 'x', shape: [5, 8] }],
  lines: 'out = MultiHeadAttention(num_heads=2, key_dim=4)(x, x)',
  tfOut: ([x]) => MultiHeadAttention({ numHeads: 2, keyDim: 4, name: 'multi_head_attention' }).apply([x, x]),
  note: 'Self-attention, 2 heads of key_dim 4 (value_dim 4), output projected back to 8: (None, 5, 8).',
});
attCase({
  name: 'multi_head_attention_cross', imports: 'MultiHeadAttention',
  ins: [{ var: 'query', shape: [4, 6] }, { var: 'value', shape: [5, 3] }, { var: 'key', shape: [5, 7] }],
  lines: 'out = MultiHeadAttention(num_heads=3, key_dim=2, value_dim=5)(query, value, key=key)',
  tfOut: ([q, v, k]) => MultiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 5, name: 'multi_head_attention' }).apply([q, v, k]),
  note: 'Cross-attention with distinct query (None, 4, 6), value (None, 5, 3), key (None, 5, 7): query/kernel ' +
    '(6, 3, 2), key/kernel (7, 3, 2), value/kernel (3, 3, 5), attention_output/kernel (3, 5, 6); output (None, 4, 6).',
});
attCase({
  name: 'multi_head_attention_causal', imports: 'MultiHeadAttention', ins: [{ var: 'x', shape: [6, 4] }],
  lines: 'out = MultiHeadAttention(num_heads=2, key_dim=3)(x, x, use_causal_mask=True)',
  tfOut: ([x]) => MultiHeadAttention({ numHeads: 2, keyDim: 3, useCausalMask: true, name: 'multi_head_attention' }).apply([x, x]),
  note: 'Causal self-attention (use_causal_mask=True, Keras 2.10+): future positions get -1e9 before the softmax.',
});
attCase({
  name: 'multi_head_attention_no_bias', imports: 'MultiHeadAttention', ins: QV,
  lines: 'out = MultiHeadAttention(num_heads=2, key_dim=3, use_bias=False)(query, value)',
  tfOut: ([q, v]) => MultiHeadAttention({ numHeads: 2, keyDim: 3, useBias: false, name: 'multi_head_attention' }).apply([q, v]),
  note: 'use_bias=False: only the four kernels (no */bias weights). Query (None, 4, 5), value = key (None, 6, 5).',
});
