"""Kiln's seeded weight initialization (`kilnc build --init-weights SEED`,
compiler/weights/Binding.cpp: `Random`, `draw`, `initializeWeights`),
reproduced bit for bit in NumPy and set into a Keras model:

  splitmix64 from SEED: draw i (0-based) is mix(SEED + (i + 1) * 0x9e3779b97f4a7c15)
  with mix(z) = z ^= z >> 30, z *= 0xbf58476d1ce4e5b9, z ^= z >> 27,
  z *= 0x94d049bb133111eb, z ^= z >> 31 (mod 2^64); uniform = (draw >> 11) * 2^-53.
  Layers in model.layers order, each weight in declaration order. Kernels
  (glorot_uniform, Keras's default): receptive = product of all axes but the
  last two, fan_in = shape[-2] * receptive, fan_out = shape[-1] * receptive,
  limit = sqrt(3 * 2 / max(1, fan_in + fan_out)), value = float32((2u - 1) *
  limit) in row-major order; kernels whose initializer is an object or a dict
  (Keras: a VarianceScaling of its own) are drawn the same way. Biases, beta,
  moving means and a Normalization's mean and count are zeros, gamma, moving
  variances and a Normalization's variance ones: they draw no numbers.
"""
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
KERNELS = ("kernel", "depthwise_kernel", "pointwise_kernel")
ZEROS = ("bias", "beta", "moving_mean", "mean", "count")
ONES = ("gamma", "moving_variance", "variance")
# Initializer classes Kiln draws as glorot_uniform: Keras's default, and the
# exact VarianceScaling class an initializer object or dict becomes (named
# initializers such as 'he_normal' are subclasses with other names).
GLOROT_DRAWN = ("GlorotUniform", "VarianceScaling")


def uniform(seed, start, count):
    """Draws start .. start + count - 1 of splitmix64(seed), as doubles in [0, 1)."""
    with np.errstate(over="ignore"):
        i = np.arange(start + 1, start + count + 1, dtype=np.uint64)
        z = np.uint64(seed) + i * GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def kiln_init_weights(model, seed):
    drawn = 0
    for layer in model.layers:
        for variable in layer.weights:
            leaf = variable.name.split("/")[-1].split(":")[0]
            shape = tuple(int(d) for d in variable.shape)
            if leaf in KERNELS:
                initializer = getattr(layer, leaf + "_initializer", None) or getattr(layer, "kernel_initializer")
                if type(initializer).__name__ not in GLOROT_DRAWN:
                    raise SystemExit(f"{layer.name}/{leaf}: {type(initializer).__name__} is not reproduced")
                receptive = float(np.prod(shape[:-2])) if len(shape) > 2 else 1.0
                fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
                limit = np.sqrt(3 * (2 / max(1.0, fan_in + fan_out)))
                count = int(np.prod(shape))
                value = ((uniform(seed, drawn, count) * 2 - 1) * limit).astype(np.float32).reshape(shape)
                drawn += count
            elif leaf in ZEROS:
                value = np.zeros(shape, np.float32)
            elif leaf in ONES:
                value = np.ones(shape, np.float32)
            else:
                raise SystemExit(f"{layer.name}/{leaf}: no rule for this weight")
            variable.assign(value)
