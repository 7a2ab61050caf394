// ZeroPadding1D/2D, Cropping1D/2D (symmetric and asymmetric), UpSampling1D,
// UpSampling2D (nearest and bilinear), applied directly to the input.
//
// Keras argument forms: ZeroPadding1D(padding=1 | (left, right)),
// ZeroPadding2D(padding=1 | (rows, cols) | ((top, bottom), (left, right))),
// the same for Cropping1D/2D's `cropping` (Cropping1D default (1, 1),
// Cropping2D default ((0, 0), (0, 0))); UpSampling1D(size=2) repeats every step
// `size` times; UpSampling2D(size=(2, 2)) nearest repeats every pixel;
// UpSampling2D(interpolation='bilinear') is tf.image.resize(method='bilinear')
// in TF 2: half-pixel centers (source coordinate (o + 0.5) / size - 0.5,
// clamped at the borders), no corner alignment, no antialiasing.
//
// tfjs gaps: ZeroPadding1D, Cropping1D, UpSampling1D are missing (I8; tfjs
// layers written here: tf.pad, tf.slice, tile + reshape); tfjs's bilinear
// UpSampling2D uses the TF 1 sampling grid without half-pixel centers (I6; the
// subclass calls tf.image.resizeBilinear(x, size, false, true)).

import {
  ZeroPadding1D, ZeroPadding2D, Cropping1D, Cropping2D, UpSampling1D, UpSampling2D,
} from '../lib/image_layers.mjs';
import { L, chainCase } from '../lib/image_case.mjs';

export const CASES = [];
const add = (c) => CASES.push(chainCase(c));

add({
  name: 'zero_padding1d', input: [5, 3],
  layers: [L('ZeroPadding1D()', (o) => ZeroPadding1D({ ...o }))],
  note: 'ZeroPadding1D() on (None, 5, 3): one zero step at each end, out (None, 7, 3). tfjs gap I8.',
});
add({
  name: 'zero_padding1d_asym', input: [5, 3],
  layers: [L('ZeroPadding1D(padding=(2, 1))', (o) => ZeroPadding1D({ padding: [2, 1], ...o }))],
  note: 'ZeroPadding1D(padding=(2, 1)) on (None, 5, 3): 2 zero steps before, 1 after; out (None, 8, 3). tfjs gap I8.',
});
add({
  name: 'zero_padding2d', input: [4, 5, 2],
  layers: [L('ZeroPadding2D()', (o) => ZeroPadding2D({ ...o }))],
  note: 'ZeroPadding2D() on (None, 4, 5, 2): padding 1 on every side, out (None, 6, 7, 2).',
});
add({
  name: 'zero_padding2d_sym', input: [4, 5, 2],
  layers: [L('ZeroPadding2D(padding=(1, 2))', (o) => ZeroPadding2D({ padding: [1, 2], ...o }))],
  note: 'ZeroPadding2D(padding=(1, 2)) on (None, 4, 5, 2): 1 row at top and bottom, 2 columns left and right; ' +
    'out (None, 6, 9, 2).',
});
add({
  name: 'zero_padding2d_asym', input: [4, 5, 2],
  layers: [L('ZeroPadding2D(padding=((1, 0), (2, 3)))', (o) => ZeroPadding2D({ padding: [[1, 0], [2, 3]], ...o }))],
  note: 'ZeroPadding2D(padding=((1, 0), (2, 3))) on (None, 4, 5, 2): 1 row on top, none below, 2 columns left, ' +
    '3 right; out (None, 5, 10, 2).',
});
add({
  name: 'cropping1d', input: [7, 3],
  layers: [L('Cropping1D()', (o) => Cropping1D({ ...o }))],
  note: 'Cropping1D() on (None, 7, 3): default cropping (1, 1), out (None, 5, 3) = x[:, 1:6]. tfjs gap I8.',
});
add({
  name: 'cropping1d_asym', input: [7, 3],
  layers: [L('Cropping1D(cropping=(2, 0))', (o) => Cropping1D({ cropping: [2, 0], ...o }))],
  note: 'Cropping1D(cropping=(2, 0)) on (None, 7, 3): out (None, 5, 3) = x[:, 2:]. tfjs gap I8.',
});
add({
  name: 'cropping2d', input: [6, 7, 2],
  layers: [L('Cropping2D(cropping=(1, 2))', (o) => Cropping2D({ cropping: [1, 2], ...o }))],
  note: 'Cropping2D(cropping=(1, 2)) on (None, 6, 7, 2): 1 row off top and bottom, 2 columns off left and ' +
    'right; out (None, 4, 3, 2) = x[:, 1:5, 2:5].',
});
add({
  name: 'cropping2d_asym', input: [6, 7, 2],
  layers: [L('Cropping2D(cropping=((0, 2), (1, 3)))', (o) => Cropping2D({ cropping: [[0, 2], [1, 3]], ...o }))],
  note: 'Cropping2D(cropping=((0, 2), (1, 3))) on (None, 6, 7, 2): out (None, 4, 3, 2) = x[:, 0:4, 1:4].',
});
add({
  name: 'up_sampling1d', input: [4, 3],
  layers: [L('UpSampling1D()', (o) => UpSampling1D({ ...o }))],
  note: 'UpSampling1D() on (None, 4, 3): every step twice, out (None, 8, 3), out[t] = x[t // 2]. tfjs gap I8.',
});
add({
  name: 'up_sampling1d_size3', input: [4, 3],
  layers: [L('UpSampling1D(size=3)', (o) => UpSampling1D({ size: 3, ...o }))],
  note: 'UpSampling1D(size=3) on (None, 4, 3): out (None, 12, 3), out[t] = x[t // 3]. tfjs gap I8.',
});
add({
  name: 'up_sampling2d', input: [3, 4, 2],
  layers: [L('UpSampling2D()', (o) => UpSampling2D({ ...o }))],
  note: 'UpSampling2D() on (None, 3, 4, 2): nearest, size (2, 2), out (None, 6, 8, 2), out[i, j] = x[i // 2, j // 2].',
});
add({
  name: 'up_sampling2d_nonsquare', input: [3, 4, 2],
  layers: [L('UpSampling2D(size=(2, 3))', (o) => UpSampling2D({ size: [2, 3], ...o }))],
  note: 'UpSampling2D(size=(2, 3)) on (None, 3, 4, 2): nearest, out (None, 6, 12, 2), out[i, j] = x[i // 2, j // 3].',
});
add({
  name: 'up_sampling2d_bilinear', input: [3, 4, 2],
  layers: [L("UpSampling2D(size=(2, 2), interpolation='bilinear')",
    (o) => UpSampling2D({ size: [2, 2], interpolation: 'bilinear', ...o }))],
  note: "UpSampling2D(size=(2, 2), interpolation='bilinear') on (None, 3, 4, 2): out (None, 6, 8, 2), TF 2 " +
    'half-pixel sampling: out row o reads source row (o + 0.5) / 2 - 0.5 (-0.25, 0.25, 0.75, ...; clamped to ' +
    '[0, 2]), weights 0.75 / 0.25. tfjs gap I6 (tfjs layer: no half-pixel centers; the subclass calls ' +
    'tf.image.resizeBilinear(x, size, false, true)).',
});
add({
  name: 'up_sampling2d_bilinear_nonsquare', input: [4, 3, 3],
  layers: [L("UpSampling2D(size=(3, 2), interpolation='bilinear')",
    (o) => UpSampling2D({ size: [3, 2], interpolation: 'bilinear', ...o }))],
  note: "UpSampling2D(size=(3, 2), interpolation='bilinear') on (None, 4, 3, 3): out (None, 12, 6, 3); rows " +
    'sample (o + 0.5) / 3 - 0.5 (weights 1/3, 0, 2/3 pattern), columns (o + 0.5) / 2 - 0.5. tfjs gap I6.',
});
