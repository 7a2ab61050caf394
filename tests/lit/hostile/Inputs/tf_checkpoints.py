"""Hostile TensorFlow checkpoints: the committed checkpoint of a numerics case
(an MLP's save_weights('ckpt/weights')), damaged in every part a reader
trusts: the table's footer, blocks and entries, the object graph, the data
file's size, kind and values (checksummed), the `checkpoint` list; then
random byte flips and cuts of the index. Each case checks the exit status and the message; nothing may
crash, hang or build from a damaged file.

    python3 tf_checkpoints.py KILNC CASE_DIR WORK_DIR
"""
import os
import random
import shutil
import subprocess
import sys

from hostile import check, cpu_limit

kilnc, case_dir, work = sys.argv[1:4]
source = os.path.join(case_dir, "ckpt")
INDEX, DATA = "weights.index", "weights.data-00000-of-00001"


def prepare(name, index=None, data=None, listing=None, setup=None):
    d = os.path.join(work, name)
    shutil.copytree(source, os.path.join(d, "ckpt"))
    ckpt = os.path.join(d, "ckpt")
    for file, content in ((INDEX, index), (DATA, data), ("checkpoint", listing)):
        if content is not None:
            with open(os.path.join(ckpt, file), "wb") as f:
                f.write(content)
    if setup:
        setup(ckpt)
    return d, ckpt


def build(d, weights):
    return [kilnc, "build", os.path.join(case_dir, "model.kiln"), "--weights", weights, "-o", os.path.join(d, "m")]


def case(name, message, status=1, at="ckpt", **damage):
    d, ckpt = prepare(name, **damage)
    return check(name, build(d, os.path.join(d, at)), status, message)


index = open(os.path.join(source, INDEX), "rb").read()
data = open(os.path.join(source, DATA), "rb").read()


def replace(path, make):
    os.remove(path)
    make(path)


results = [
    case("good", "", status=0),
    case("good_prefix", "", status=0, at="ckpt/weights"),
    case("good_index", "", status=0, at="ckpt/weights.index"),
    case("short_index", "shorter than a table's footer", index=index[:20]),
    case("no_magic", "not a TensorFlow checkpoint index", index=index[:-1] + b"\0"),
    case("footer_only", "lies outside the file", index=index[-48:]),
    case("empty_index", "shorter than a table's footer", index=b""),
    case("short_data", "lies outside its data file", data=data[: len(data) // 2]),
    case("no_data", "is missing", setup=lambda c: os.remove(os.path.join(c, DATA))),
    case("data_fifo", "is not a regular file", setup=lambda c: replace(os.path.join(c, DATA), os.mkfifo)),
    case("data_dir", "is not a regular file", setup=lambda c: replace(os.path.join(c, DATA), os.mkdir)),
    case("index_fifo", "cannot read its index", setup=lambda c: replace(os.path.join(c, INDEX), os.mkfifo),
         at="ckpt/weights"),
    case("listing_elsewhere", "cannot read its index", listing=b'model_checkpoint_path: "missing"\n'),
    case("listing_garbage", "names no checkpoint", listing=b"\xff\xfe garbage"),
    case("listing_fifo", "names no checkpoint", setup=lambda c: replace(os.path.join(c, "checkpoint"), os.mkfifo)),
    case("no_listing", "is a directory, but not a SavedModel",
         setup=lambda c: os.remove(os.path.join(c, "checkpoint"))),
]

# A SavedModel's Keras metadata, which `kilnc import` reads: damaged, cut,
# missing, a FIFO.
metadata_path = os.path.join(case_dir, "saved_model", "keras_metadata.pb")
metadata = open(metadata_path, "rb").read()


def saved_model(name, message, content=None, setup=None):
    d = os.path.join(work, name)
    shutil.copytree(os.path.join(case_dir, "saved_model"), os.path.join(d, "saved_model"))
    target = os.path.join(d, "saved_model", "keras_metadata.pb")
    if content is not None:
        with open(target, "wb") as f:
            f.write(content)
    if setup:
        setup(target)
    return check(name, [kilnc, "import", os.path.join(d, "saved_model"), "-o", os.path.join(d, "m.kiln")], 1,
                 message)


results += [
    saved_model("metadata_cut", "has no metadata for the model", metadata[: len(metadata) // 3]),
    saved_model("metadata_garbage", "has no metadata for the model", bytes(range(256)) * 4),
    saved_model("metadata_missing", "without a SavedModel's keras_metadata.pb", setup=os.remove),
    saved_model("metadata_fifo", "without a SavedModel's keras_metadata.pb", setup=lambda p: replace(p, os.mkfifo)),
]

# Random damage: every outcome is an exit status of 0 (a flip in a value)
# or 1 with an error, never a crash or a hang.
rng = random.Random(7)
for n in range(45):
    damaged = bytearray(index)
    if n % 3 == 2:
        damaged = damaged[: rng.randrange(len(damaged))] + damaged[-48:]
    else:
        for _ in range(1 + n % 4):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    d, ckpt = prepare(f"random_{n}", index=bytes(damaged))
    run = subprocess.run(build(d, ckpt), capture_output=True, text=True, errors="replace", timeout=600,
                         preexec_fn=cpu_limit)
    ok = run.returncode in (0, 1) and (run.returncode == 0 or "error" in run.stderr)
    ok = ok and "Sanitizer" not in run.stderr and "terminate called" not in run.stderr
    if not ok:
        print(f"FAIL random_{n}: exit {run.returncode}:\n{run.stderr[:2000]}")
    results.append(ok)

# One byte of the data file changed at a time: a variable's values fail its
# checksum (the optimizer's are not read).
caught = 0
for at in range(0, len(data), 331):
    damaged = bytearray(data)
    damaged[at] ^= 0x10
    d, ckpt = prepare(f"data_{at}", data=bytes(damaged))
    run = subprocess.run(build(d, ckpt), capture_output=True, text=True, errors="replace", timeout=600,
                         preexec_fn=cpu_limit)
    caught += "do not match their checksum" in run.stderr
    if run.returncode not in (0, 1) or "Sanitizer" in run.stderr or (run.returncode == 1) != ("error" in run.stderr):
        print(f"FAIL data_{at}: exit {run.returncode}:\n{run.stderr[:2000]}")
        results.append(False)
if not caught:
    print("FAIL: no changed value failed its checksum")
results.append(caught > 0)

print(f"{sum(results)} of {len(results)} hostile TensorFlow checkpoints handled as expected")
sys.exit(0 if all(results) else 1)
