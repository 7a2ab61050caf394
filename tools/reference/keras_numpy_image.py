"""numpy stand-ins for the Keras 2 (tf.keras) image layers, for check_goldens.py.

Written from the Keras / TF definitions (not from tfjs, and independently of
lib/float64_image.mjs): explicit zero padding with np.pad, then one matmul
(or product) per kernel tap over strided slices of the padded input.

  'same' padding (TF): out = ceil(n / s), total = max((out - 1) * s + (k - 1) * d + 1 - n, 0),
                       total // 2 before, the rest after
  'causal' (Conv1D):   (k - 1) * d zeros before, then 'valid'
  pooling 'same':      padded positions are ignored (max over real elements; the
                       average divides by the number of real elements)
  Conv2DTranspose:     scatter every input pixel with every tap at i * s + t into
                       a full-size output, then crop: pad_before = 0 (valid) or
                       max((n - 1) * s + k - out, 0) // 2 (same); out = Keras
                       deconv_output_length (with output_padding)
  bilinear upsampling: TF 2 tf.image.resize, half-pixel centers
"""

import math

import numpy as np


def same_pads(n, k, s, d=1):
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def spatial_pads(shape, kernel, strides, dilation, padding):
    if padding == 'valid':
        return [(0, 0)] * len(kernel)
    if padding == 'causal':
        assert len(kernel) == 1
        return [((kernel[0] - 1) * dilation[0], 0)]
    assert padding == 'same', padding
    return [same_pads(n, k, s, d) for n, k, s, d in zip(shape, kernel, strides, dilation)]


def taps(xp, kernel, strides, dilation):
    """Yields (tap index, strided slice of the padded input (B, *out, C)) for every kernel tap."""
    spatial = xp.shape[1:-1]
    out = [(n - ((k - 1) * d + 1)) // s + 1 for n, k, s, d in zip(spatial, kernel, strides, dilation)]
    for tap in np.ndindex(*kernel):
        sl = tuple(slice(t * d, t * d + (o - 1) * s + 1, s) for t, d, o, s in zip(tap, dilation, out, strides))
        yield tap, xp[(slice(None),) + sl + (slice(None),)]


def tup(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def conv(x, kernel, strides, padding, dilation, groups=1):
    """Keras ConvND (channels_last); kernel (*k, C / groups, F)."""
    n = x.ndim - 2
    ks = kernel.shape[:n]
    pads = spatial_pads(x.shape[1:-1], ks, strides, dilation, padding)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    cg, f = kernel.shape[-2], kernel.shape[-1]
    fg = f // groups
    assert cg * groups == x.shape[-1], (kernel.shape, x.shape, groups)
    y = None
    for tap, patch in taps(xp, ks, strides, dilation):
        w = kernel[tap]
        t = np.concatenate([patch[..., g * cg:(g + 1) * cg] @ w[:, g * fg:(g + 1) * fg] for g in range(groups)], axis=-1)
        y = t if y is None else y + t
    return y


def depthwise(x, kernel, strides, padding, dilation):
    """Keras depthwise conv; kernel (*k, C, M) -> out channel c * M + m."""
    n = x.ndim - 2
    ks = kernel.shape[:n]
    pads = spatial_pads(x.shape[1:-1], ks, strides, dilation, padding)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    y = None
    for tap, patch in taps(xp, ks, strides, dilation):
        t = (patch[..., :, None] * kernel[tap]).reshape(patch.shape[:-1] + (-1,))
        y = t if y is None else y + t
    return y


def deconv_length(n, k, padding, output_padding, s):
    if output_padding is None:
        return n * s + max(k - s, 0) if padding == 'valid' else n * s
    pad = k // 2 if padding == 'same' else 0
    return (n - 1) * s + k - 2 * pad + output_padding


def conv_transpose2d(x, kernel, strides, padding, output_padding):
    """Keras Conv2DTranspose; kernel (kh, kw, F, C)."""
    b, h, w, _ = x.shape
    kh, kw, f, _ = kernel.shape
    op = tup(output_padding, 2) if output_padding is not None else (None, None)
    oh = deconv_length(h, kh, padding, op[0], strides[0])
    ow = deconv_length(w, kw, padding, op[1], strides[1])
    ph = 0 if padding == 'valid' else max((h - 1) * strides[0] + kh - oh, 0) // 2
    pw = 0 if padding == 'valid' else max((w - 1) * strides[1] + kw - ow, 0) // 2
    full_h = max((h - 1) * strides[0] + kh, ph + oh)
    full_w = max((w - 1) * strides[1] + kw, pw + ow)
    full = np.zeros((b, full_h, full_w, f))
    for i in range(kh):
        for j in range(kw):
            full[:, i:i + (h - 1) * strides[0] + 1:strides[0], j:j + (w - 1) * strides[1] + 1:strides[1], :] += \
                x @ kernel[i, j].T
    return full[:, ph:ph + oh, pw:pw + ow, :]


def pool(x, pool_size, strides, padding, mode):
    n = x.ndim - 2
    pads = spatial_pads(x.shape[1:-1], pool_size, strides, (1,) * n, padding)
    fill = -np.inf if mode == 'max' else 0.0
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=fill)
    ones = np.pad(np.ones((1,) + x.shape[1:-1] + (1,)), [(0, 0)] + pads + [(0, 0)])
    acc, count = None, None
    cnt_taps = dict(taps(ones, pool_size, strides, (1,) * n))
    for tap, patch in taps(xp, pool_size, strides, (1,) * n):
        c = cnt_taps[tap]
        if mode == 'max':
            acc = patch if acc is None else np.maximum(acc, patch)
        else:
            acc = patch if acc is None else acc + patch
            count = c if count is None else count + c
    return acc if mode == 'max' else acc / count


def resize_bilinear_half_pixel(x, oh, ow):
    """tf.image.resize(method='bilinear') of TF 2 (half_pixel_centers=True)."""
    def axis(out_n, in_n):
        src = (np.arange(out_n) + 0.5) * (in_n / out_n) - 0.5
        fl = np.floor(src)
        lo = np.maximum(fl, 0).astype(int)
        hi = np.minimum(np.ceil(src), in_n - 1).astype(int)
        return lo, hi, src - fl
    ylo, yhi, yt = axis(oh, x.shape[1])
    xlo, xhi, xt = axis(ow, x.shape[2])
    top = x[:, ylo][:, :, xlo] * (1 - xt)[None, None, :, None] + x[:, ylo][:, :, xhi] * xt[None, None, :, None]
    bot = x[:, yhi][:, :, xlo] * (1 - xt)[None, None, :, None] + x[:, yhi][:, :, xhi] * xt[None, None, :, None]
    return top * (1 - yt)[None, :, None, None] + bot * yt[None, :, None, None]


def pairs(v, n, default):
    """Keras padding/cropping argument -> n (before, after) pairs."""
    if v is None:
        v = default
    if isinstance(v, int):
        return [(v, v)] * n
    v = list(v)
    if n == 1:
        return [tuple(v)]
    return [(e, e) if isinstance(e, int) else tuple(e) for e in v]


def image_layers(Layer, weights, activations):
    """The image-layer classes, bound to one stand-in package's Layer and weights."""

    def act(name):
        return activations[name or 'linear']

    class _Conv(Layer):
        rank = None

        def __init__(self, filters, kernel_size, strides=1, padding='valid', dilation_rate=1, groups=1,
                     activation=None, use_bias=True, **kw):
            super().__init__(**kw)
            r = self.rank
            self.filters, self.kernel_size = filters, tup(kernel_size, r)
            self.strides, self.dilation = tup(strides, r), tup(dilation_rate, r)
            self.padding, self.groups, self.use_bias = padding, groups, use_bias
            self.activation = act(activation)

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            shape = self.kernel_size + (x.shape[-1] // self.groups, self.filters)
            k = weights.get(f'{self.name}/kernel', shape, 'glorot_uniform')
            y = conv(x, k, self.strides, self.padding, self.dilation, self.groups)
            if self.use_bias:
                y = y + weights.get(f'{self.name}/bias', (self.filters,), 'zeros')
            return self.activation(y)

    class Conv1D(_Conv):
        rank = 1

    class Conv2D(_Conv):
        rank = 2

    class _SeparableConv(Layer):
        rank = None

        def __init__(self, filters, kernel_size, strides=1, padding='valid', dilation_rate=1, depth_multiplier=1,
                     activation=None, use_bias=True, **kw):
            super().__init__(**kw)
            r = self.rank
            self.filters, self.kernel_size = filters, tup(kernel_size, r)
            self.strides, self.dilation = tup(strides, r), tup(dilation_rate, r)
            self.padding, self.depth_multiplier, self.use_bias = padding, depth_multiplier, use_bias
            self.activation = act(activation)

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            c, m, r = x.shape[-1], self.depth_multiplier, self.rank
            dk = weights.get(f'{self.name}/depthwise_kernel', self.kernel_size + (c, m), 'glorot_uniform')
            pk = weights.get(f'{self.name}/pointwise_kernel', (1,) * r + (c * m, self.filters), 'glorot_uniform')
            y = depthwise(x, dk, self.strides, self.padding, self.dilation) @ pk.reshape(c * m, self.filters)
            if self.use_bias:
                y = y + weights.get(f'{self.name}/bias', (self.filters,), 'zeros')
            return self.activation(y)

    class SeparableConv1D(_SeparableConv):
        rank = 1

    class SeparableConv2D(_SeparableConv):
        rank = 2

    class DepthwiseConv2D(Layer):
        def __init__(self, kernel_size, strides=1, padding='valid', depth_multiplier=1, dilation_rate=1,
                     activation=None, use_bias=True, **kw):
            super().__init__(**kw)
            self.kernel_size, self.strides = tup(kernel_size, 2), tup(strides, 2)
            self.dilation, self.padding = tup(dilation_rate, 2), padding
            self.depth_multiplier, self.use_bias = depth_multiplier, use_bias
            self.activation = act(activation)

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            c, m = x.shape[-1], self.depth_multiplier
            k = weights.get(f'{self.name}/depthwise_kernel', self.kernel_size + (c, m), 'glorot_uniform')
            y = depthwise(x, k, self.strides, self.padding, self.dilation)
            if self.use_bias:
                y = y + weights.get(f'{self.name}/bias', (c * m,), 'zeros')
            return self.activation(y)

    class Conv2DTranspose(Layer):
        def __init__(self, filters, kernel_size, strides=1, padding='valid', output_padding=None,
                     activation=None, use_bias=True, **kw):
            super().__init__(**kw)
            self.filters, self.kernel_size, self.strides = filters, tup(kernel_size, 2), tup(strides, 2)
            self.padding, self.output_padding, self.use_bias = padding, output_padding, use_bias
            self.activation = act(activation)

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            k = weights.get(f'{self.name}/kernel', self.kernel_size + (self.filters, x.shape[-1]), 'glorot_uniform')
            y = conv_transpose2d(x, k, self.strides, self.padding, self.output_padding)
            if self.use_bias:
                y = y + weights.get(f'{self.name}/bias', (self.filters,), 'zeros')
            return self.activation(y)

    class _Pool(Layer):
        rank, mode = None, None

        def __init__(self, pool_size=2, strides=None, padding='valid', **kw):
            super().__init__(**kw)
            self.pool_size = tup(pool_size, self.rank)
            self.strides = tup(strides, self.rank) if strides is not None else self.pool_size
            self.padding = padding

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            return pool(x, self.pool_size, self.strides, self.padding, self.mode)

    class MaxPooling1D(_Pool):
        rank, mode = 1, 'max'

    class MaxPooling2D(_Pool):
        rank, mode = 2, 'max'

    class AveragePooling1D(_Pool):
        rank, mode = 1, 'avg'

    class AveragePooling2D(_Pool):
        rank, mode = 2, 'avg'

    class _Global(Layer):
        rank, reduce = None, None

        def __init__(self, keepdims=False, **kw):
            super().__init__(**kw)
            self.keepdims = keepdims

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            return type(self).reduce(x, axis=tuple(range(1, 1 + self.rank)), keepdims=self.keepdims)

    class GlobalAveragePooling1D(_Global):
        rank, reduce = 1, np.mean

    class GlobalMaxPooling1D(_Global):
        rank, reduce = 1, np.max

    class GlobalAveragePooling2D(_Global):
        rank, reduce = 2, np.mean

    class GlobalMaxPooling2D(_Global):
        rank, reduce = 2, np.max

    class ZeroPadding1D(Layer):
        def __init__(self, padding=1, **kw):
            super().__init__(**kw)
            self.pads = pairs(padding, 1, 1)

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            return np.pad(x, [(0, 0)] + self.pads + [(0, 0)])

    class ZeroPadding2D(Layer):
        def __init__(self, padding=(1, 1), **kw):
            super().__init__(**kw)
            self.pads = pairs(padding, 2, 1)

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            return np.pad(x, [(0, 0)] + self.pads + [(0, 0)])

    def crop(x, crops):
        return x[(slice(None),) + tuple(slice(a, n - b) for (a, b), n in zip(crops, x.shape[1:-1])) + (slice(None),)]

    class Cropping1D(Layer):
        def __init__(self, cropping=(1, 1), **kw):
            super().__init__(**kw)
            self.crops = pairs(cropping, 1, 1)

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            return crop(x, self.crops)

    class Cropping2D(Layer):
        def __init__(self, cropping=((0, 0), (0, 0)), **kw):
            super().__init__(**kw)
            self.crops = pairs(cropping, 2, 0)

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            return crop(x, self.crops)

    class UpSampling1D(Layer):
        def __init__(self, size=2, **kw):
            super().__init__(**kw)
            self.size = size

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            return np.repeat(x, self.size, axis=1)

    class UpSampling2D(Layer):
        def __init__(self, size=(2, 2), interpolation='nearest', **kw):
            super().__init__(**kw)
            self.size, self.interpolation = tup(size, 2), interpolation

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            if self.interpolation == 'bilinear':
                return resize_bilinear_half_pixel(x, x.shape[1] * self.size[0], x.shape[2] * self.size[1])
            assert self.interpolation == 'nearest'
            return np.repeat(np.repeat(x, self.size[0], axis=1), self.size[1], axis=2)

    class BatchNormalization(Layer):
        def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, momentum=0.99, **kw):
            super().__init__(**kw)
            self.axis, self.epsilon, self.center, self.scale = axis, epsilon, center, scale

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            axis = self.axis % x.ndim
            n = (x.shape[axis],)
            bshape = [1] * x.ndim
            bshape[axis] = n[0]

            def w(name, init):
                return weights.get(f'{self.name}/{name}', n, init).reshape(bshape)
            gamma = w('gamma', 'ones') if self.scale else 1.0
            beta = w('beta', 'zeros') if self.center else 0.0
            mean, var = w('moving_mean', 'zeros'), w('moving_variance', 'ones')
            return (x - mean) / np.sqrt(var + self.epsilon) * gamma + beta

    class LayerNormalization(Layer):
        def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, **kw):
            super().__init__(**kw)
            self.axis, self.epsilon, self.center, self.scale = axis, epsilon, center, scale

        def forward(self, x):
            x = np.asarray(x)  # plain array (drops a keras_numpy_sequence mask)
            axes = tuple(a % x.ndim for a in (self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]))
            mean = x.mean(axis=axes, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
            y = (x - mean) / np.sqrt(var + self.epsilon)
            pshape = tuple(x.shape[a] for a in axes)
            bshape = [x.shape[d] if d in axes else 1 for d in range(x.ndim)]
            if self.scale:
                y = y * weights.get(f'{self.name}/gamma', pshape, 'ones').reshape(bshape)
            if self.center:
                y = y + weights.get(f'{self.name}/beta', pshape, 'zeros').reshape(bshape)
            return y

    class _Identity(Layer):
        def __init__(self, *args, **kw):
            super().__init__(**{k: v for k, v in kw.items() if k in ('name', 'input_shape', 'input_dim')})

        def forward(self, x):
            return x  # inference (a mask, if any, passes through)

    class SpatialDropout1D(_Identity):
        pass

    class SpatialDropout2D(_Identity):
        pass

    class GaussianNoise(_Identity):
        pass

    class GaussianDropout(_Identity):
        pass

    class AlphaDropout(_Identity):
        pass

    return [Conv1D, Conv2D, SeparableConv1D, SeparableConv2D, DepthwiseConv2D, Conv2DTranspose,
            MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D,
            GlobalAveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D,
            ZeroPadding1D, ZeroPadding2D, Cropping1D, Cropping2D, UpSampling1D, UpSampling2D,
            BatchNormalization, LayerNormalization,
            SpatialDropout1D, SpatialDropout2D, GaussianNoise, GaussianDropout, AlphaDropout]


def vgg16_factory(layers, Input, Model):
    """keras.applications.VGG16 (include_top=True, channels_last), as Keras 2 builds it."""
    def VGG16(include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation='softmax'):
        assert include_top and weights is None and input_tensor is None and input_shape is None and pooling is None
        img_input = Input(shape=(224, 224, 3))
        x = img_input
        for b, (filters, n) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], start=1):
            for i in range(1, n + 1):
                x = layers.Conv2D(filters, (3, 3), activation='relu', padding='same', name=f'block{b}_conv{i}')(x)
            x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f'block{b}_pool')(x)
        x = layers.Flatten(name='flatten')(x)
        x = layers.Dense(4096, activation='relu', name='fc1')(x)
        x = layers.Dense(4096, activation='relu', name='fc2')(x)
        x = layers.Dense(classes, activation=classifier_activation, name='predictions')(x)
        return Model(img_input, x, name='vgg16')
    return VGG16


# --- Kiln's --init-weights draw (compiler/weights/Binding.cpp), vectorized ---------------

_GOLDEN = np.uint64(0x9e3779b97f4a7c15)
_M1 = np.uint64(0xbf58476d1ce4e5b9)
_M2 = np.uint64(0x94d049bb133111eb)


def splitmix64(seed, start, n):
    """Draws start .. start + n - 1 of splitmix64(seed) as uint64 (draw i uses state seed + (i + 1) * golden)."""
    with np.errstate(over='ignore'):
        z = np.uint64(seed) + np.arange(start + 1, start + n + 1, dtype=np.uint64) * _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


class InitWeights:
    """Weights drawn as `kilnc build --init-weights SEED` does, in the order they are first requested
    (for the chain models used, the order of model.layers, kernel before bias)."""

    def __init__(self, seed):
        self.seed, self.count, self.arrays, self.used, self.order = seed, 0, {}, set(), []

    def get(self, name, shape=None, init=None):
        if name not in self.arrays:
            assert shape is not None and init is not None, name
            self.arrays[name] = self.draw(tuple(int(s) for s in shape), init).astype(np.float64)
            self.order.append(name)
        self.used.add(name)
        return self.arrays[name]

    def draw(self, shape, init, chunk=1 << 22):
        n = int(np.prod(shape, dtype=np.int64))
        if init == 'zeros':
            return np.zeros(shape, np.float32)
        if init == 'ones':
            return np.ones(shape, np.float32)
        assert init == 'glorot_uniform', init
        receptive = 1
        for s in shape[:-2]:
            receptive *= s
        fan_in = shape[-2] * receptive if len(shape) >= 2 else shape[0]
        fan_out = shape[-1] * receptive if len(shape) >= 2 else fan_in
        limit = math.sqrt(3 * (2.0 / max(1.0, float(fan_in + fan_out))))
        out = np.empty(n, np.float32)
        for a in range(0, n, chunk):
            m = min(chunk, n - a)
            u = (splitmix64(self.seed, self.count + a, m) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
            out[a:a + m] = ((u * 2 - 1) * limit).astype(np.float32)
        self.count += n
        return out.reshape(shape)
