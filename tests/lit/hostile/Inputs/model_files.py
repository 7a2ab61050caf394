"""Hostile model files: each case writes a .kiln file (or puts something else
at its path) and runs `kilnc check` on it, checking the exit status, that
the message says what is wrong, and that nothing crashed.

    python3 model_files.py KILNC WORK_DIR
"""
import os
import sys

from hostile import check, dev_null, dev_zero, directory, fifo

kilnc, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
DENSE = "model = Sequential([Dense(2, input_dim=3)])\n"


def case(name, source=None, *, setup=None, status=1, message, command="check"):
    path = os.path.join(work, name + ".kiln")
    if setup:
        setup(path)
    else:
        with open(path, "wb") as f:
            f.write(source.encode() if isinstance(source, str) else source)
    return check(name, [kilnc, command, path], status, message)


def sparse(path):
    with open(path, "wb") as f:
        f.truncate(1 << 30)


def random_bytes(n, seed=1):
    x = seed
    for _ in range(n):  # a fixed linear congruential sequence
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        yield x >> 16 & 0xFF


def random_ascii(n):
    return (32 + b % 95 if b % 16 else 10 for b in random_bytes(n, 7))


def layers(n):
    return "model = Sequential([Input(shape=(8,))" + ", Dense(8)" * n + "])\n"


results = [
    case("good", DENSE, status=0, message=""),
    # what is at the path
    case("fifo", setup=fifo, message="it is not a regular file (a FIFO, device or socket)"),
    case("directory", setup=directory, message="it is a directory"),
    case("dev-zero", setup=dev_zero, message="it is not a regular file"),
    case("dev-null", setup=dev_null, message="it is not a regular file"),
    case("import-fifo", setup=fifo, command="import", message="it is not a regular file (a FIFO, device or socket)"),
    case("import-directory", setup=directory, command="import", message="is a directory without a SavedModel's keras_metadata.pb"),
    case("import-dev-zero", setup=dev_zero, command="import", message="it is not a regular file"),
    case("huge", setup=sparse, message="it is 1073741824 bytes, more than the 16 MiB a model file may have"),
    case("empty", "", message="no model is defined in this file"),
    case("nul-bytes", "x = 1\0\0\n" + DENSE, message="invalid character U+0000 in model file"),
    case("import-from-nothing", "from  import Model\n" + DENSE,  # a fuzz finding: UB on the empty module
         message="1:7: error: unexpected keyword 'import'; expected a name or '.'"),
    # sizes beyond what any tensor or weight may have, and 64-bit overflow
    case("units-huge", "model = Sequential([Dense(2**40, input_dim=3)])\n",
         message="argument 'units' of Dense is too large: 1099511627776; Kiln takes sizes up to 2147483647"),
    case("units-negative", "model = Sequential([Dense(-2, input_dim=3)])\n",
         message="argument 'units' of Dense must be a positive integer, got -2"),
    case("input-huge", "model = Sequential([Input(shape=(2**40,)), Dense(2)])\n",
         message="argument 'shape' of Input is too large: (1099511627776,)"),
    case("input-overflow", "model = Sequential([Input(shape=(2**31, 2**31, 2**31)), Dense(2)])\n",
         message="argument 'shape' of Input is too large"),
    case("input-overflow-unused", "x = Input(shape=(2**30, 2**30, 2**30))\ny = Input(shape=(3,))\n"
         "model = Model([x, y], Dense(2)(y))\n",
         message="error: InputLayer layer 'input_1': the input of shape (None, 1073741824, 1073741824, 1073741824) "
         "would have more than 2^63 elements per sample, more than the 2147483647 Kiln supports"),
    case("input-negative", "model = Sequential([Input(shape=(-5,)), Dense(2)])\n",
         message="dimension 0 of the shape must be a positive integer or None, got -5"),
    case("input-zero", "model = Sequential([Input(shape=(0, 3)), Dense(2)])\n",
         message="dimension 0 of the shape must be a positive integer or None, got 0"),
    case("kernel-huge", "model = Sequential([Dense(100000, input_dim=100000)])\n",
         message="Dense layer 'dense': weight 'kernel' of shape (100000, 100000) would have 10000000000 elements"),
    case("embedding-huge", "model = Sequential([Input(shape=(4,)), Embedding(2**36, 64)])\n",
         message="argument 'input_dim' of Embedding is too large: 68719476736"),
    case("conv-output-huge", "model = Sequential([Input(shape=(65536, 65536, 1)), Conv2D(16, 3, padding='same')])\n",
         message="the input of shape (None, 65536, 65536, 1) would have 4294967296 elements per sample"),
    case("upsampling-overflow", "model = Sequential([Input(shape=(1000, 1000, 1)), UpSampling2D(2**31)])\n",
         message="argument 'size' of UpSampling2D is too large: 2147483648"),
    case("reshape-huge", "model = Sequential([Input(shape=(4,)), Reshape((2**40, -1))])\n",
         message="cannot reshape (None, 4) to (1099511627776, None)"),
    case("repeat-overflow", "model = Sequential([Input(shape=(2**20,)), RepeatVector(2**30)])\n",
         message="the output of shape (None, 1073741824, 1048576) would have 1125899906842624 elements per sample"),
    case("int-overflow", "x = 2**63\n" + DENSE, message="integer result is too large: it does not fit in 64 bits"),
    case("int-overflow-mul", "x = 3037000500 * 3037000500\n" + DENSE, message="integer result is too large"),
    case("int-literal-huge", "x = " + "9" * 400 + "\n" + DENSE, message="error: invalid number '99999"),
    case("float-huge", "model = Sequential([Dense(1e300, input_dim=3)])\n",
         message="argument 'units' of Dense must be a positive integer, not the number 1e+300"),
    case("float-inf", "model = Sequential([Dense(1e400, input_dim=3)])\n",
         message="argument 'units' of Dense must be a positive integer, not the number inf"),
    case("dropout-nan", "model = Sequential([Dense(2, input_dim=3), Dropout(1e400 - 1e400)])\n",
         message="argument 'rate' of Dropout must be between 0 and 1, got nan"),
    # names
    case("unicode-names", "model = Sequential([Dense(2, input_dim=3, name='密集'), Dense(1, name='🔥')])\n",
         status=0, message=""),
    case("name-control", "model = Sequential([Dense(2, input_dim=3, name='a\\x1b[31m')])\n", status=0, message=""),
    case("name-empty", "model = Sequential([Dense(2, input_dim=3, name='')])\n", status=0, message=""),
    case("name-slash", "model = Sequential([Dense(2, input_dim=3, name='a/b')])\n", status=0, message=""),
    case("duplicate-names", "model = Sequential([Dense(2, input_dim=3, name='d'), Dense(2, name='d')])\n",
         message="the name 'd' is used by two layers in model 'sequential'"),
    case("duplicate-input-names", "a = Input(shape=(3,), name='x')\nb = Input(shape=(3,), name='x')\n"
         "model = Model([a, b], Add()([a, b]))\n",
         message="the name 'x' is used by two layers in model 'model'"),
    case("duplicate-model-input", "a = Input(shape=(3,))\nmodel = Model([a, a], Dense(2)(a))\n",
         message="tensor 'input_1' is listed twice among the model inputs"),
    # graphs
    case("layer-on-itself", "d = Dense(2)\nx = d(d)\n",
         message="Dense layer 'dense' must be called on a tensor, not on Dense layer 'dense'"),
    case("disconnected", "a = Input(shape=(3,))\nb = Input(shape=(3,))\nmodel = Model(a, Dense(2)(b))\n",
         message="graph disconnected: output 'dense' depends on input 'input_2', which is not among the model's inputs"),
    case("outputs-swapped", "a = Input(shape=(3,))\nb = Dense(2)(a)\nmodel = Model(b, a)\n",
         message="model input 'dense' is not an Input tensor: it is produced by Dense layer 'dense'"),
    case("model-in-itself", "a = Input(shape=(3,))\nm = Model(a, Dense(3)(a))\nx = m(m.output)\n"
         "model = Model(a, x)\n", status=0, message=""),
    case("shared-shape-clash", "d = Dense(2)\na = Input(shape=(3,))\nb = Input(shape=(4,))\n"
         "model = Model([a, b], [d(a), d(b)])\n",
         message="Dense layer 'dense' was built for input shape (None, 3) but is now called on (None, 4)"),
    case("outputs-repeated", "a = Input(shape=(3,))\nb = Dense(2)(a)\nmodel = Model(a, [b, b, a])\n",
         status=0, message="", command="summary"),
    # syntax at scale
    case("brackets-deep", "x = " + "[" * 100000 + "]" * 100000 + "\n", message="brackets are nested more than"),
    case("brackets-unclosed", "x = " + "(" * 1000000 + "\n", message="brackets are nested more than 200 deep"),
    case("string-unterminated", "x = '" + "a" * 1000000 + "\n", message="string is not terminated"),
    case("string-huge", "x = '" + "a" * 1000000 + "'\n" + DENSE, status=0, message=""),
    case("comment-huge", "#" + "a" * 1000000 + "\n" + DENSE, status=0, message=""),
    case("lines-many", "x = 1\n" * 200000 + DENSE, status=0, message=""),
    case("errors-many", "x = y\n" * 200000, message="errors generated"),
    case("indent-deep", "".join(" " * i + "if x:\n" for i in range(1400)),
         message="indent-deep.kiln:102:102: error: blocks are nested more than 100 deep"),
    case("dots-many", "x = 1" + "." * 1000000 + "\n", message="dots-many.kiln:1:7: error: unexpected '...'; expected end of line"),
    case("random-ascii", bytes(random_ascii(1 << 20)), message="error"),
    case("random-bytes", bytes(random_bytes(1 << 20)), message="error"),
    case("layers-10000", layers(10000), status=0, message=""),
]
print(f"{sum(results)} of {len(results)} hostile model files handled as expected")
sys.exit(0 if all(results) else 1)
