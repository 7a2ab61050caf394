"""What a reference case declares, and where the declarations are.

Needs only the standard library: the driver (any python3) lists and selects
cases with it, and the worker (inside a Keras venv) runs them.
"""
import importlib.util
import pathlib
import zlib
from dataclasses import dataclass, field

HERE = pathlib.Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"

# The weights files a case can ask for, each written by Keras's own API:
#   model.h5          model.save('model.h5')            (HDF5, model_weights/ + model_config)
#   weights.h5        model.save_weights('weights.h5')  (HDF5, layer groups at the root; Keras 2 only)
#   model.weights.h5  model.save_weights('model.weights.h5')  (layers/<class>/vars/<i>)
#   model.keras       model.save('model.keras')         (zip: config.json + model.weights.h5)
#   model.json        tensorflowjs 4.22's Keras converter (TensorFlow.js layers model + shard; Keras 2 only)
#   keras1.h5         Keras 1's save_weights layout (keras1_weights.py), which tf.keras 2's load_weights
#                     converts (Keras 2 only)
#   ckpt              model.save_weights('ckpt/weights')  (a TensorFlow checkpoint: ckpt/weights.index, ...;
#                     Keras 2 only)
#   saved_model       model.save('saved_model')  (a SavedModel directory; Keras 2 only)
WEIGHT_FILES = ("model.h5", "weights.h5", "model.weights.h5", "model.keras", "model.json", "keras1.h5", "ckpt",
                "saved_model")


def uniform(scale=0.5):
    """Every float weight uniform in [-scale, scale); variances (BatchNormalization's
    moving_variance) uniform in [0.5, 1.5) so that they stay positive."""
    return {"kind": "uniform", "scale": scale}


def keras_init():
    """Keras's own initializers, after keras.utils.set_random_seed(case seed)."""
    return {"kind": "keras"}


def kiln_init(seed):
    """Kiln's own seeded draw (`kilnc build --init-weights SEED`), reproduced
    in NumPy (init_weights.py): for models whose weights files would be too
    large to commit. No weights file is written; case.json carries the seed."""
    return {"kind": "kiln_init", "seed": seed}


def floats(low=-1.0, high=1.0, shape=None, pad_tail=None, zero=0.0):
    """A float32 input, uniform in [low, high); shape without the batch axis
    (default: the model input's shape, which must then be fully known).
    For a Masking layer: pad_tail, for each sample, how many trailing steps
    are all 0; zero, the probability that the vector at a position (every
    axis but the last) is all 0."""
    return {"kind": "floats", "low": low, "high": high, "shape": shape, "pad_tail": pad_tail, "zero": zero}


def ints(low, high, shape=None, pad_tail=None, zero=0.0):
    """An int32 input (token ids) uniform in [low, high). pad_tail: for each
    sample, how many trailing positions (of the first axis) are set to 0
    (padding for masks); zero, the probability that an id is set to 0."""
    return {"kind": "ints", "low": low, "high": high, "shape": shape, "pad_tail": pad_tail, "zero": zero}


@dataclass
class Case:
    name: str
    kiln: str                         # model.kiln: Keras Python that Keras runs and Kiln compiles
    keras: int = 2                    # 2: tf.keras 2.15; 3: Keras 3 on JAX
    files: tuple = ("model.h5",)      # which of WEIGHT_FILES to write
    inputs: list = None               # one spec per model input (default: floats() each)
    batch: int = 2
    # Open axes: the model runs once per entry, each a list of input shapes
    # (without the batch axis, one per input); the first entry's inputs and
    # outputs are in*.npy / out*.npy, entry r's in the subfolder size<r>/.
    sizes: list = None
    weights: dict = field(default_factory=uniform)
    # Keras Python of another model that writes the weights files instead of
    # `kiln`'s, for weights `kiln`'s model cannot be run with here (CuDNNLSTM
    # runs on a GPU only): Keras loads the files into `kiln`'s model with
    # load_weights, converting them as it does, and predicts with it.
    saved_by: str = ""
    atol: float = 1e-5
    rtol: float = 1e-5
    note: str = ""

    @property
    def seed(self):
        """Depends on the name only, so a case is the same whatever else runs."""
        return zlib.crc32(self.name.encode())

    def validate(self):
        problems = []
        if self.keras not in (2, 3):
            problems.append("keras must be 2 or 3")
        for f in self.files:
            if f not in WEIGHT_FILES:
                problems.append(f"unknown weights file {f!r} (one of {', '.join(WEIGHT_FILES)})")
        if self.keras == 3 and "weights.h5" in self.files:
            problems.append("Keras 3 writes no weights.h5 (its save_weights needs .weights.h5)")
        if self.keras == 3 and {"ckpt", "saved_model"} & set(self.files):
            problems.append("Keras 3 writes no TensorFlow checkpoints or SavedModels")
        if self.keras == 3 and "keras1.h5" in self.files:
            problems.append("Keras 3 reads no Keras 1 weights files (its load_weights does not convert them)")
        if self.keras == 3 and "model.json" in self.files:
            problems.append("the TensorFlow.js converter is run in the Keras 2 environment only")
        if self.weights["kind"] == "kiln_init" and self.files:
            problems.append("kiln_init() weights are drawn by kilnc: give files=()")
        if not self.files and self.weights["kind"] != "kiln_init":
            problems.append("no weights file")
        if self.saved_by and not set(self.files) <= {"model.h5", "weights.h5"}:
            problems.append("saved_by writes HDF5 files only (model.h5, weights.h5), which load_weights converts")
        return problems


def load_cases():
    """Every case of every cases/*.py module (each defines CASES), by name."""
    cases = {}
    for path in sorted(CASES_DIR.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"keras_reference_cases_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for case in module.CASES:
            if case.name in cases:
                raise SystemExit(f"{path.name}: case {case.name!r} is declared twice")
            problems = case.validate()
            if problems:
                raise SystemExit(f"{path.name}: case {case.name!r}: " + "; ".join(problems))
            cases[case.name] = case
    return cases
