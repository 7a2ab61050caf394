#!/usr/bin/env python3
"""Bit-exact cross-check of the generator's --init-weights reproduction.

For every case built by cases/image_models.mjs with `initWeights` (mnist_cnn_init,
vgg16), node draws the weights with lib/init_weights.mjs (the fast 32-bit-halves
splitmix64, itself checked against BigInt inside) and prints, per weight in
draw order, its name, shape, initializer and the sha256 of its float32 bytes,
plus the first draws of the BigInt generator. This script redraws the same
list with numpy (keras_numpy_image.InitWeights / splitmix64, written from
compiler/weights/Binding.cpp) and requires every hash and draw to be equal.

(The draw *order* is checked separately: check_goldens.py runs the models with
weights drawn in the order the numpy layers request them and compares with the
goldens.)

Needs node and numpy:  python3 tools/reference/check_init_weights.py
"""

import hashlib
import json
import os
import subprocess
import sys

import numpy as np

sys.dont_write_bytecode = True
from keras_numpy_image import InitWeights, splitmix64  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

JS = r"""
import { createHash } from 'node:crypto';
import { tf } from './lib/common.mjs';
import { CASES } from './cases/image_models.mjs';
import { initWeights, defaultInitializer, SplitMix64Big } from './lib/init_weights.mjs';
const out = [];
for (const c of CASES.filter((c) => c.initWeights != null)) {
  const model = c.build();
  const { W, draws } = initWeights(model, c.initWeights);
  const weights = [...W].map(([v, a]) => {
    const name = v.originalName;
    const init = defaultInitializer(name.slice(name.lastIndexOf('/') + 1));
    const sha = createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
    return [name, v.shape, init, sha];
  });
  const big = new SplitMix64Big(c.initWeights);
  const first = Array.from({ length: 16 }, () => big.next().toString());
  out.push({ name: c.name, seed: c.initWeights, draws, weights, first });
  model.dispose();
}
console.log(JSON.stringify(out));
"""


def main():
    res = subprocess.run(['node', '--input-type=module', '-e', JS], cwd=HERE, check=True,
                         capture_output=True, text=True)
    cases = json.loads(res.stdout.strip().splitlines()[-1])
    failed = 0
    for c in cases:
        problems = []
        first = [str(v) for v in splitmix64(c['seed'], 0, 16)]
        if first != c['first']:
            problems.append('first splitmix64 draws differ (BigInt vs numpy)')
        iw = InitWeights(c['seed'])
        for name, shape, init, sha in c['weights']:
            a = iw.draw(tuple(shape), init).astype('<f4')
            if hashlib.sha256(a.tobytes()).hexdigest() != sha:
                problems.append(f'{name} {shape} {init} differs')
        if iw.count != c['draws']:
            problems.append(f'{iw.count} draws in numpy, {c["draws"]} in JS')
        status = 'FAIL' if problems else 'ok  '
        failed += bool(problems)
        print(f'{status} {c["name"]}: seed {c["seed"]}, {len(c["weights"])} weights, {c["draws"]} draws'
              + (': ' + '; '.join(problems) if problems else ', all float32 bytes equal'))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
