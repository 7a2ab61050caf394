"""Hostile TensorFlow.js weights: each case writes a model.json (and shards)
next to a small model, builds it with kilnc, and checks the exit status and
that the message says what is wrong. Nothing may crash, hang or build.

    python3 tfjs_weights.py KILNC WORK_DIR
"""
import json
import os
import struct
import sys

from hostile import check

kilnc, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
MODEL = "model = Sequential([Dense(2, input_dim=3)])\n"
GOOD = [{"name": "dense/kernel", "shape": [3, 2], "dtype": "float32"},
        {"name": "dense/bias", "shape": [2], "dtype": "float32"}]


def floats(*values):
    return struct.pack(f"<{len(values)}f", *values)


GOOD_BYTES = floats(*range(8))


def case(name, *, weights=GOOD, data=GOOD_BYTES, paths=None, manifest=None, text=None, setup=None,
         status=1, message):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.kiln"), "w") as f:
        f.write(MODEL)
    if data is not None:
        with open(os.path.join(d, "shard.bin"), "wb") as f:
            f.write(data)
    target = os.path.join(d, "model.json")
    if text is None:
        body = manifest if manifest is not None else {
            "weightsManifest": [{"paths": paths if paths is not None else ["shard.bin"], "weights": weights}]}
        text = json.dumps(body)
    if setup:
        setup(d)
    elif text is not False:
        with open(target, "w" if isinstance(text, str) else "wb") as f:
            f.write(text)
    return check(name, [kilnc, "build", os.path.join(d, "model.kiln"), "--weights", target, "-o",
                        os.path.join(d, "model")], status, message)


def fifo(d):
    os.mkfifo(os.path.join(d, "model.json"))


def shard_fifo(d):
    os.remove(os.path.join(d, "shard.bin"))
    os.mkfifo(os.path.join(d, "shard.bin"))
    write_manifest(d)


def shard_dir(d):
    os.remove(os.path.join(d, "shard.bin"))
    os.mkdir(os.path.join(d, "shard.bin"))
    write_manifest(d)


def shard_link_outside(d):
    os.remove(os.path.join(d, "shard.bin"))
    os.symlink("/etc/passwd", os.path.join(d, "shard.bin"))
    write_manifest(d)


def shard_link_inside(d):
    os.rename(os.path.join(d, "shard.bin"), os.path.join(d, "real.bin"))
    os.symlink("real.bin", os.path.join(d, "shard.bin"))
    write_manifest(d)


def write_manifest(d, paths=("shard.bin",)):
    with open(os.path.join(d, "model.json"), "w") as f:
        json.dump({"weightsManifest": [{"paths": list(paths), "weights": GOOD}]}, f)


def json_dir(d):
    os.mkdir(os.path.join(d, "model.json"))


def json_sparse(d):
    with open(os.path.join(d, "model.json"), "wb") as f:
        f.truncate(300 << 20)


def json_dev_zero(d):
    os.symlink("/dev/zero", os.path.join(d, "model.json"))


def spec(**changes):
    w = [dict(GOOD[0]), dict(GOOD[1])]
    w[0].update(changes)
    return w


def nested(depth):
    return '{"weightsManifest": [{"paths": ["shard.bin"], "weights": [{"name": "x", "shape": ' + \
        "[" * depth + "]" * depth + "}]}]}"


results = [
    case("good", status=0, message=""),
    case("good-symlink-inside", setup=shard_link_inside, status=0, message=""),
    case("good-zero-size-extra", weights=GOOD + [{"name": "extra/empty", "shape": [0, 4], "dtype": "float32"}],
         status=0, message="matches no weight"),
    case("good-int32", weights=[{**GOOD[0], "dtype": "int32"}, GOOD[1]],
         data=struct.pack("<6i", 1, -2, 3, 4, 5, 1 << 24) + floats(0, 0), status=0, message=""),
    case("good-uint8", weights=[{**GOOD[0], "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1}}, GOOD[1]],
         data=bytes(range(6)) + floats(0, 0), status=0, message=""),
    case("good-float16", weights=[{**GOOD[0], "quantization": {"dtype": "float16"}}, GOOD[1]],
         data=struct.pack("<6e", 1, 2, 3, 4, 5, 6) + floats(0, 0), status=0, message=""),
    # where shards may be
    case("path-absolute", paths=["/dev/zero"], message="weight shard path '/dev/zero' is not a file in the folder"),
    case("path-parent", paths=["../../../../etc/passwd"], message="is not a file in the folder of the model.json"),
    case("path-parent-inside", paths=["sub/../shard.bin"], message="is not a file in the folder"),
    case("path-empty", paths=[""], message="weight shard path '' is not a file in the folder"),
    case("path-number", paths=[5], message="weight shard path '5' is not a file in the folder"),
    case("path-nul", paths=["shard.bin\u0000../x"], message="is not a file in the folder"),
    case("path-symlink-outside", setup=shard_link_outside, message="but the manifest describes 32"),
    case("shard-missing", paths=["missing.bin"], message="missing.bin': cannot read: No such file or directory"),
    case("shard-directory", setup=shard_dir, message="shard.bin': cannot read: it is a directory"),
    case("shard-fifo", setup=shard_fifo, message="shard.bin': cannot read: it is not a regular file (a FIFO"),
    # sizes
    case("shard-short", data=GOOD_BYTES[:-4], message="holds 28 bytes, but the manifest describes 32: they are truncated"),
    case("shard-long", data=GOOD_BYTES + b"\0" * 4, message="holds 36 bytes, but the manifest describes 32: they are larger"),
    case("shard-empty", data=b"", message="holds 0 bytes, but the manifest describes 32"),
    case("two-shards-short", paths=["shard.bin", "shard.bin"], data=GOOD_BYTES[:8],
         message="the weight shards of weightsManifest[0] hold 16 bytes, but the manifest describes 32"),
    # shapes
    case("shape-fraction", weights=spec(shape=[2.5, 2]), message="has shape [2.5, 2]: dimensions must be whole numbers"),
    case("shape-float", weights=spec(shape=[3.0, 2]), message="has shape [3.0, 2]: dimensions must be whole numbers"),
    case("shape-negative", weights=spec(shape=[-3, 2]), message="has shape [-3, 2]: dimensions must be whole numbers"),
    case("shape-string", weights=spec(shape="3,2"), message="weight 'dense/kernel' (weightsManifest[0].weights[0]) has no \"shape\" list"),
    case("shape-missing", weights=[{"name": "dense/kernel"}, GOOD[1]], message="has no \"shape\" list"),
    case("shape-nested", weights=spec(shape=[[3], 2]), message="has shape [a list, 2]: dimensions must be whole"),
    case("shape-huge-dim", weights=spec(shape=[1 << 41, 2]), message="dimensions must be whole numbers from 0 to 2^40"),
    case("shape-uint64", weights=spec(shape=[(1 << 64) - 1]), message="dimensions must be whole numbers from 0 to 2^40"),
    case("shape-overflow", weights=spec(shape=[1 << 40, 1 << 40, 1 << 40]), message="more than 2^40 elements"),
    case("shape-1e300", weights=spec(shape=[1e300]), message="dimensions must be whole numbers"),
    case("shape-null", weights=spec(shape=[None, 2]), message="has shape [null, 2]"),
    case("shape-wrong", weights=spec(shape=[2, 3]), message="has shape (2, 3) in"),
    case("shape-deep", text=nested(100000), message="has shape [a list]"),
    # dtypes and quantization
    case("dtype-bool", weights=spec(dtype="bool"), message="has dtype 'bool'; Kiln reads float32 and int32 weights"),
    case("dtype-number", weights=spec(dtype=5), message="has dtype '5'"),
    case("dtype-string", weights=spec(dtype="string"), message="has dtype 'string'"),
    case("int32-inexact", weights=[{**GOOD[0], "dtype": "int32"}, GOOD[1]],
         data=struct.pack("<6i", 1, 2, 3, 4, 5, (1 << 24) + 1) + floats(0, 0),
         message="holds 16777217, which float32 cannot hold exactly"),
    case("quantization-int4", weights=spec(quantization={"dtype": "int4", "scale": 1, "min": 0}),
         message="has quantization dtype \"int4\""),
    case("quantization-no-scale", weights=spec(quantization={"dtype": "uint8", "min": 0}),
         message="is uint8-quantized without a finite \"scale\" and \"min\""),
    case("quantization-huge-scale", weights=spec(quantization={"dtype": "uint16", "scale": 1e39, "min": 0}),
         message="without a finite \"scale\""),
    case("quantization-not-object", weights=spec(quantization=7), message="has quantization dtype (none)"),
    case("quantization-int32", weights=spec(dtype="int32", quantization={"dtype": "uint8", "scale": 1, "min": 0}),
         message="is quantized, but its dtype is 'int32'"),
    # values: Keras loads NaN and infinities as they are; Kiln warns
    case("nan", data=floats(1, float("nan"), 3, 4, 5, 6, 7, 8), status=0,
         message="warning: weight 'kernel' of Dense layer 'dense' holds 1 NaN values in"),
    case("inf", data=floats(1, 2, 3, 4, 5, 6, float("inf"), float("-inf")), status=0,
         message="weight 'bias' of Dense layer 'dense' holds 2 infinite values"),
    case("float16-inf", weights=[{**GOOD[0], "quantization": {"dtype": "float16"}}, GOOD[1]],
         data=struct.pack("<6H", 0x7C00, 0, 0, 0, 0, 0x7E00) + floats(0, 0), status=0,
         message="(the first at flat index 0); Keras loads them as they are"),
    # the manifest
    case("manifest-not-list", manifest={"weightsManifest": {"paths": []}}, message="has no \"weightsManifest\" list"),
    case("manifest-missing", manifest={"modelTopology": {}}, message="has no \"weightsManifest\" list"),
    case("group-not-object", manifest={"weightsManifest": [5]},
         message="weightsManifest[0] is not a group with \"paths\" and \"weights\" lists"),
    case("group-no-weights", manifest={"weightsManifest": [{"paths": ["shard.bin"]}]},
         message="is not a group with \"paths\" and \"weights\" lists"),
    case("weight-no-name", weights=[{"shape": [3, 2]}, GOOD[1]],
         message="weightsManifest[0].weights[0] has no \"name\" string"),
    case("weight-name-number", weights=spec(name=17), message="has no \"name\" string"),
    case("weight-not-object", weights=["dense/kernel", GOOD[1]], message="weights[0] has no \"name\" string"),
    case("weights-missing", weights=[GOOD[1]], data=floats(0, 0), message="has no 'dense/kernel' for Dense layer"),
    # model.json itself
    case("json-invalid", text="{\"weightsManifest\": [", message="not a valid JSON object"),
    case("json-array", text="[1, 2]", message="not a valid JSON object"),
    case("json-empty", text="", message="not a valid JSON object"),
    case("json-binary", text=b"{\xff\xfe\x00", message="not a valid JSON object"),
    case("json-deep", text="{\"a\": " + "[" * 200000 + "]" * 200000 + "}",
         message="has no \"weightsManifest\" list"),
    case("json-directory", text=False, setup=json_dir, message="is a directory, but not a SavedModel"),
    case("json-fifo", text=False, setup=fifo, message="is not a regular file"),
    case("json-dev-zero", text=False, setup=json_dev_zero, message="is not a regular file"),
    case("json-huge", text=False, setup=json_sparse, message="more than the 256 MiB a model description may have"),
]
print(f"{sum(results)} of {len(results)} hostile TensorFlow.js weight files handled as expected")
sys.exit(0 if all(results) else 1)
