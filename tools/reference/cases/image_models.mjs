// Image models: the noise/dropout layers between convolutions (the identity
// at inference), small CNN building blocks, the Keras MNIST CNN (with a
// weights file, and again with Kiln's --init-weights), a small CIFAR-style CNN
// with BatchNormalization, and VGG16 (keras.applications, --init-weights).
//
// Whole models use atol = rtol = 1e-4. The --init-weights cases have no
// model.json / weights.bin: their weights are Kiln's seeded draw
// (compiler/weights/Binding.cpp), reproduced bit for bit in
// lib/init_weights.mjs, and case.json carries "init_weights": SEED.
//
// tfjs gaps: SpatialDropout2D is missing (I9; an identity tfjs layer written
// here); keras.applications does not exist in tfjs (I11): VGG16 is built layer
// by layer with Keras's names (input_1, block1_conv1, ..., fc1, fc2,
// predictions; model vgg16).

import { Dense, Dropout, Activation, Flatten, Input, Model } from '../lib/common.mjs';
import {
  Conv1D, Conv2D, Conv2DTranspose, MaxPooling2D, GlobalAveragePooling2D, ZeroPadding2D, UpSampling2D,
  BatchNormalization, SpatialDropout1D, SpatialDropout2D, GaussianNoise, GaussianDropout, AlphaDropout,
} from '../lib/image_layers.mjs';
import { L, chainCase } from '../lib/image_case.mjs';

export const CASES = [];
const add = (c) => CASES.push(chainCase(c));

const conv2d = (keras, cfg) => L(keras, (o) => Conv2D({ ...cfg, ...o }));
const dense = (keras, cfg) => L(keras, (o) => Dense({ ...cfg, ...o }));
const act = (name) => L(`Activation('${name}')`, (o) => Activation({ activation: name, ...o }));
const bn = L('BatchNormalization()', (o) => BatchNormalization({ ...o }));
const pool2 = L('MaxPooling2D(pool_size=(2, 2))', (o) => MaxPooling2D({ poolSize: [2, 2], ...o }));
const flatten = L('Flatten()', (o) => Flatten({ ...o }));
const dropout = (rate) => L(`Dropout(${rate})`, (o) => Dropout({ rate, ...o }));

// --- noise and dropout layers between convolutions ---------------------------------

add({
  name: 'spatial_dropout1d', input: [8, 3],
  layers: [
    L("Conv1D(4, 3, padding='same', activation='relu')", (o) => Conv1D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', ...o })),
    L('SpatialDropout1D(0.3)', (o) => SpatialDropout1D({ rate: 0.3, ...o })),
    L('Conv1D(2, 3)', (o) => Conv1D({ filters: 2, kernelSize: 3, ...o })),
  ],
  note: 'Conv1D, SpatialDropout1D(0.3), Conv1D: the dropout is the identity at inference; out (None, 6, 2).',
});
add({
  name: 'spatial_dropout2d', input: [6, 6, 3],
  layers: [
    conv2d("Conv2D(4, 3, activation='relu')", { filters: 4, kernelSize: 3, activation: 'relu' }),
    L('SpatialDropout2D(0.25)', (o) => SpatialDropout2D({ rate: 0.25, ...o })),
    conv2d('Conv2D(3, 3)', { filters: 3, kernelSize: 3 }),
  ],
  note: 'Conv2D, SpatialDropout2D(0.25), Conv2D: identity at inference; out (None, 2, 2, 3). tfjs gap I9 ' +
    '(no SpatialDropout2D in tfjs: an identity tfjs layer of that class name).',
});
add({
  name: 'gaussian_noise', input: [6, 6, 3],
  layers: [
    conv2d("Conv2D(4, 3, padding='same')", { filters: 4, kernelSize: 3, padding: 'same' }),
    L('GaussianNoise(0.5)', (o) => GaussianNoise({ stddev: 0.5, ...o })),
    conv2d('Conv2D(3, 3)', { filters: 3, kernelSize: 3 }),
  ],
  note: 'Conv2D, GaussianNoise(0.5), Conv2D: the noise is only added in training; identity at inference. ' +
    'out (None, 4, 4, 3).',
});
add({
  name: 'gaussian_dropout', input: [6, 6, 3],
  layers: [
    conv2d("Conv2D(4, 3, activation='tanh')", { filters: 4, kernelSize: 3, activation: 'tanh' }),
    L('GaussianDropout(0.3)', (o) => GaussianDropout({ rate: 0.3, ...o })),
    conv2d('Conv2D(3, 3)', { filters: 3, kernelSize: 3 }),
  ],
  note: 'Conv2D, GaussianDropout(0.3), Conv2D: identity at inference; out (None, 2, 2, 3).',
});
add({
  name: 'alpha_dropout', input: [6, 6, 3],
  layers: [
    conv2d("Conv2D(4, 3, padding='same', activation='selu')", { filters: 4, kernelSize: 3, padding: 'same', activation: 'selu' }),
    L('AlphaDropout(0.2)', (o) => AlphaDropout({ rate: 0.2, ...o })),
    conv2d('Conv2D(3, 3)', { filters: 3, kernelSize: 3 }),
  ],
  note: "Conv2D(activation='selu'), AlphaDropout(0.2), Conv2D: identity at inference (the affine correction " +
    'of alpha dropout applies in training only); out (None, 4, 4, 3).',
});

// --- small CNN blocks ---------------------------------------------------------------

add({
  name: 'cnn_global_pool_head', input: [10, 10, 3],
  layers: [
    conv2d("Conv2D(8, 3, padding='same', activation='relu')", { filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
    pool2,
    conv2d("Conv2D(16, 3, activation='relu')", { filters: 16, kernelSize: 3, activation: 'relu' }),
    L('GlobalAveragePooling2D()', (o) => GlobalAveragePooling2D({ ...o })),
    dense("Dense(4, activation='softmax')", { units: 4, activation: 'softmax' }),
  ],
  note: 'Conv2D -> MaxPooling2D -> Conv2D -> GlobalAveragePooling2D -> Dense(4, softmax): (None, 10, 10, 3) -> ' +
    '(None, 10, 10, 8) -> (None, 5, 5, 8) -> (None, 3, 3, 16) -> (None, 16) -> (None, 4).',
});
add({
  name: 'resnet_stem', input: [32, 32, 3],
  layers: [
    L('ZeroPadding2D(padding=(3, 3))', (o) => ZeroPadding2D({ padding: [3, 3], ...o })),
    conv2d('Conv2D(8, 7, strides=2, use_bias=False)', { filters: 8, kernelSize: 7, strides: 2, useBias: false }),
    bn,
    act('relu'),
    L('ZeroPadding2D(padding=(1, 1))', (o) => ZeroPadding2D({ padding: [1, 1], ...o })),
    L('MaxPooling2D(3, strides=2)', (o) => MaxPooling2D({ poolSize: 3, strides: 2, ...o })),
  ],
  note: 'The ResNet stem at 32x32: ZeroPadding2D(3) -> (None, 38, 38, 3), Conv2D(8, 7, strides=2, no bias) -> ' +
    "(None, 16, 16, 8), BatchNormalization, Activation('relu'), ZeroPadding2D(1) -> (None, 18, 18, 8), " +
    'MaxPooling2D(3, strides=2) -> (None, 8, 8, 8). Names zero_padding2d, conv2d, batch_normalization, ' +
    'activation, zero_padding2d_1, max_pooling2d.',
});
add({
  name: 'encoder_decoder', input: [8, 8, 2],
  layers: [
    conv2d("Conv2D(4, 3, padding='same', activation='relu')", { filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
    pool2,
    conv2d("Conv2D(8, 3, padding='same', activation='relu')", { filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
    L('UpSampling2D()', (o) => UpSampling2D({ ...o })),
    L("Conv2DTranspose(4, 3, strides=2, padding='same', activation='relu')",
      (o) => Conv2DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', ...o })),
    conv2d("Conv2D(1, 1, activation='sigmoid')", { filters: 1, kernelSize: 1, activation: 'sigmoid' }),
  ],
  note: 'Conv2D -> MaxPooling2D -> Conv2D -> UpSampling2D -> Conv2DTranspose(strides=2, same) -> Conv2D(1, 1, ' +
    'sigmoid): (None, 8, 8, 2) -> (None, 8, 8, 4) -> (None, 4, 4, 4) -> (None, 4, 4, 8) -> (None, 8, 8, 8) -> ' +
    '(None, 16, 16, 4) -> (None, 16, 16, 1).',
});

// --- MNIST CNN ----------------------------------------------------------------------

const MNIST_LAYERS = [
  conv2d("Conv2D(32, kernel_size=(3, 3), activation='relu')", { filters: 32, kernelSize: [3, 3], activation: 'relu' }),
  conv2d("Conv2D(64, (3, 3), activation='relu')", { filters: 64, kernelSize: [3, 3], activation: 'relu' }),
  pool2,
  dropout(0.25),
  flatten,
  dense("Dense(128, activation='relu')", { units: 128, activation: 'relu' }),
  dropout(0.5),
  dense("Dense(10, activation='softmax')", { units: 10, activation: 'softmax' }),
];
const MNIST_NOTE = 'The Keras MNIST CNN (examples/mnist_cnn.py): Conv2D(32, 3x3, relu) -> (None, 26, 26, 32), ' +
  'Conv2D(64, 3x3, relu) -> (None, 24, 24, 64), MaxPooling2D(2x2) -> (None, 12, 12, 64), Dropout(0.25), ' +
  'Flatten -> (None, 9216), Dense(128, relu), Dropout(0.5), Dense(10, softmax). Names conv2d, conv2d_1, ' +
  'max_pooling2d, dropout, flatten, dense, dropout_1, dense_1 (input conv2d_input); 1,199,882 parameters. ' +
  'Inputs uniform in [0, 1) (image-like); batch 2.';
add({
  name: 'mnist_cnn', input: [28, 28, 1], sequential: 'add', layers: MNIST_LAYERS,
  batch: 2, inputRange: [0, 1], atol: 1e-4, rtol: 1e-4,
  note: MNIST_NOTE + ' Kernels glorot-uniform, biases uniform in [-0.5, 0.5] (weights.bin, 4.8 MB).',
});
add({
  name: 'mnist_cnn_init', input: [28, 28, 1], sequential: 'add', layers: MNIST_LAYERS,
  batch: 2, inputRange: [0, 1], atol: 1e-4, rtol: 1e-4, initWeights: 42,
  note: MNIST_NOTE + ' No weights file: build with `kilnc build model.kiln --init-weights 42`; the goldens use ' +
    "the same draw (Kiln's splitmix64 glorot_uniform kernels, zero biases), reproduced in " +
    'tools/reference/lib/init_weights.mjs. A small cross-check of the mechanism vgg16 relies on.',
});

// --- CIFAR-style CNN with BatchNormalization ---------------------------------------------

const convBlock = (filters, extra = '') => [
  conv2d(`Conv2D(${filters}, (3, 3), padding='same'${extra})`, { filters, kernelSize: [3, 3], padding: 'same' }),
  bn,
  act('relu'),
];
add({
  name: 'cifar_cnn_bn', input: [32, 32, 3], sequential: 'add',
  layers: [
    ...convBlock(16), ...convBlock(16), pool2,
    ...convBlock(32), ...convBlock(32), pool2, dropout(0.25),
    flatten,
    dense("Dense(64, activation='relu')", { units: 64, activation: 'relu' }),
    dropout(0.5),
    dense("Dense(10, activation='softmax')", { units: 10, activation: 'softmax' }),
  ],
  inputRange: [0, 1], atol: 1e-4, rtol: 1e-4,
  note: "CIFAR-10-style CNN on (None, 32, 32, 3): two blocks of [Conv2D(3x3, same), BatchNormalization, " +
    "Activation('relu')] x 2 + MaxPooling2D(2x2) (16 then 32 filters; the second block ends with " +
    'Dropout(0.25)), Flatten -> (None, 2048), Dense(64, relu), Dropout(0.5), Dense(10, softmax). Every BN ' +
    'follows a linear Conv2D (foldable). Inputs uniform in [0, 1).',
});

// --- VGG16 (keras.applications) ----------------------------------------------------------

function buildVgg16() {
  const inputs = Input({ shape: [224, 224, 3], name: 'input_1' });
  let x = inputs;
  const blocks = [[64, 2], [128, 2], [256, 3], [512, 3], [512, 3]];
  blocks.forEach(([filters, n], b) => {
    for (let i = 1; i <= n; i++) {
      x = Conv2D({ filters, kernelSize: [3, 3], padding: 'same', activation: 'relu', name: `block${b + 1}_conv${i}` }).apply(x);
    }
    x = MaxPooling2D({ poolSize: [2, 2], strides: [2, 2], name: `block${b + 1}_pool` }).apply(x);
  });
  x = Flatten({ name: 'flatten' }).apply(x);
  x = Dense({ units: 4096, activation: 'relu', name: 'fc1' }).apply(x);
  x = Dense({ units: 4096, activation: 'relu', name: 'fc2' }).apply(x);
  x = Dense({ units: 1000, name: 'predictions' }).apply(x);
  return Model({ inputs, outputs: x, name: 'vgg16' });
}

CASES.push({
  name: 'vgg16',
  kiln: `from keras.applications import VGG16

model = VGG16(weights=None, classifier_activation=None)
`,
  build: buildVgg16,
  batch: 1, inputRange: [0, 1], atol: 5e-7, rtol: 1e-4, initWeights: 16,
  note: 'keras.applications.VGG16(weights=None, classifier_activation=None) (include_top=True, 224x224x3, ' +
    '1000 classes; logits, no softmax): input_1; block1_conv1, block1_conv2 (64 filters, 3x3, same, relu), ' +
    'block1_pool (MaxPooling2D 2x2, strides 2); block2_conv1/2 (128), block2_pool; block3_conv1/2/3 (256), ' +
    'block3_pool; block4_conv1/2/3 (512), block4_pool; block5_conv1/2/3 (512), block5_pool -> (None, 7, 7, 512); ' +
    'flatten (25088); fc1 (Dense 4096, relu), fc2 (4096, relu), predictions (Dense 1000, linear). 138,357,544 ' +
    'parameters, not committed: build with `kilnc build model.kiln --init-weights 16`; the goldens use the same ' +
    "draw (Kiln's splitmix64 glorot_uniform kernels in model.layers order, zero biases), reproduced bit for bit " +
    'in tools/reference/lib/init_weights.mjs. One image uniform in [0, 1); out0 = the 1000 logits. ' +
    'keras.applications is not in tfjs (gap I11): the tfjs model is built layer by layer with these names. ' +
    'The logits are small (largest |logit| 6.8e-3, std 1.9e-3: zero biases, glorot kernels), so the absolute ' +
    'tolerance is 5e-7 (float32 round-off is ~1e-8), well inside the 1e-4 + 1e-4*|ref| bound for whole models.',
});
