// Builder of the single-chain cases of the image family: the Kiln source and
// the tfjs model are generated from one list of layers, each given as its
// Keras source text next to its tfjs factory, so the two cannot drift apart.
// Keras default names (`conv2d`, `conv2d_1`, `max_pooling2d`, ...) are derived
// from the class name in the Keras text, counting per name across the file.

import { Input, Model, Sequential, py } from './common.mjs';

/** Keras 2's generic_utils.to_snake_case: Conv2DTranspose -> conv2d_transpose. */
export function toSnake(name) {
  const s = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2');
  return s.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** One layer: Keras source text and tfjs factory (cfg -> layer; cfg holds name, maybe inputShape). */
export const L = (keras, tf) => ({ keras, tf });

/** Keras default names for a list of class names, counting per name (0-based). */
export function kerasNames(classes) {
  const counts = new Map();
  return classes.map((cls) => {
    const base = toSnake(cls);
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    return n ? `${base}_${n}` : base;
  });
}

const classOf = (keras) => keras.slice(0, keras.indexOf('('));
const withArg = (keras, arg) => keras.replace(/\)$/, (keras.endsWith('()') ? '' : ', ') + arg + ')');
const imports = (mod, names) => `from ${mod} import ${[...new Set(names)].join(', ')}\n`;

/**
 * A case whose model is one chain of layers on one input of shape `input`
 * (without the batch axis). Functional API by default (`inputs = Input(...)`,
 * `x = Layer(...)(x)`, `Model(inputs=inputs, outputs=x)`, input `input_1`);
 * with `sequential: true`, `Sequential([...])` with `input_shape` on the first
 * layer (input `<first layer>_input`); with `sequential: 'add'`, the same model
 * written as `model = Sequential()` and one `model.add(...)` per layer.
 */
export function chainCase({ name, input, layers, sequential = false, ...rest }) {
  const classes = layers.map((l) => classOf(l.keras));
  const names = kerasNames(classes);
  let kiln;
  const first = (l, i) => (i === 0 ? withArg(l.keras, `input_shape=${py(input)}`) : l.keras);
  if (sequential === 'add') {
    kiln = imports('keras.models', ['Sequential']) + imports('keras.layers', classes) + '\n' +
      'model = Sequential()\n' + layers.map((l, i) => `model.add(${first(l, i)})\n`).join('');
  } else if (sequential) {
    kiln = imports('keras.models', ['Sequential']) + imports('keras.layers', classes) + '\n' +
      'model = Sequential([\n' + layers.map((l, i) => `    ${first(l, i)},\n`).join('') + '])\n';
  } else {
    kiln = imports('keras.models', ['Model']) + imports('keras.layers', ['Input', ...classes]) + '\n' +
      `inputs = Input(shape=${py(input)})\n` +
      layers.map((l, i) => `x = ${l.keras}(${i === 0 ? 'inputs' : 'x'})\n`).join('') +
      'model = Model(inputs=inputs, outputs=x)\n';
  }
  return {
    name,
    ...rest,
    kiln,
    build() {
      if (sequential) {
        const model = Sequential({ name: 'sequential' });
        layers.forEach((l, i) => model.add(l.tf(i === 0 ? { name: names[i], inputShape: input } : { name: names[i] })));
        return model;
      }
      const inputs = Input({ shape: input, name: 'input_1' });
      let x = inputs;
      layers.forEach((l, i) => { x = l.tf({ name: names[i] }).apply(x); });
      return Model({ inputs, outputs: x, name: 'model' });
    },
  };
}
