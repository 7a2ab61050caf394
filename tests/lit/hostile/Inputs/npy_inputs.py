"""Hostile .npy inputs to a built executable: each case writes an input file,
runs the model on it, and checks the exit status and the one-line message.
Nothing may crash, hang, or run the model on data that is not what it says.

    python3 npy_inputs.py MODEL WORK_DIR     (MODEL: Dense(2, input_dim=3))
"""
import os
import struct
import sys

from hostile import check, dev_zero, directory, fifo

model, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)


def npy(descr="<f4", shape="(1, 3)", fortran="False", data=None, version=(1, 0), header=None, pad=True):
    text = header if header is not None else \
        "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    body = text.encode("latin-1")
    if pad:
        body += b" " * ((64 - (10 + len(body) + 1) % 64) % 64) + b"\n"
    size = struct.pack("<H", len(body)) if version[0] == 1 else struct.pack("<I", len(body))
    if data is None:
        data = struct.pack("<3f", 1, 2, 3)
    return b"\x93NUMPY" + bytes(version) + size + body + data


def case(name, content=None, *, setup=None, status=1, message, args=()):
    path = os.path.join(work, name + ".npy")
    if setup:
        setup(path)
    elif content is not None:
        with open(path, "wb") as f:
            f.write(content)
    return check(name, [model, path, *args], status, message, one_line=True)


def sparse(path):
    with open(path, "wb") as f:
        f.write(npy(shape="(1000000000, 3)", data=b""))
        f.truncate(1 << 40)


nan, inf = float("nan"), float("inf")
results = [
    case("good", npy(), status=0, message=""),
    case("good-nan", npy(data=struct.pack("<3f", nan, inf, -inf)), status=0, message=""),
    case("good-v2", npy(version=(2, 0)), status=0, message=""),
    case("good-int64-ids", npy(descr="<f4"), status=0, message=""),
    case("empty", b"", message="file is empty"),
    case("magic", b"NUMPY" + npy()[5:], message="not a .npy file (bad magic bytes)"),
    case("preamble-short", b"\x93NUMPY\x01", message="it ends inside the .npy preamble"),
    case("version-9", npy(version=(9, 0)), message="unsupported .npy format version 9.0"),
    case("version-minor", npy(version=(1, 1)), message="unsupported .npy format version 1.1"),
    case("header-past-end", b"\x93NUMPY\x01\x00\xff\xff{", message="goes past the end of the file"),
    case("header-v2-huge", b"\x93NUMPY\x02\x00\xff\xff\xff\x7f{}", message="goes past the end of the file"),
    case("header-not-dict", npy(header="[1, 2, 3]"), message="malformed header: expected a dict"),
    case("header-unterminated", npy(header="{'descr': '<f4"), message="malformed header"),
    case("header-extra-key", npy(header="{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), 'x': 1}"),
         message="malformed header: unexpected key 'x'"),
    case("header-duplicate-key", npy(header="{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1, 3)}"),
         message="duplicate key 'descr'"),
    case("header-missing-shape", npy(header="{'descr': '<f4', 'fortran_order': False}"),
         message="missing key 'shape'"),
    case("header-binary", npy(header="{'descr': '\x00\xff\x1b', 'fortran_order': False, 'shape': (1, 3)}"),
         message="unsupported dtype '???'"),
    case("header-trailing", npy(header="{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3)} junk"),
         message="unexpected text after the dict"),
    case("shape-negative", npy(shape="(1, -3)"), message="negative dimension -3"),
    case("shape-float", npy(shape="(1, 3.0)"), message="malformed header"),
    case("shape-not-tuple", npy(shape="(3)"), message="a one-element tuple needs a trailing comma"),
    case("shape-huge", npy(shape="(99999999999999999999, 3)"), message="a dimension in 'shape' is too large"),
    case("shape-overflow", npy(shape="(4294967296, 4294967296, 4294967296)"),
         message="has more elements than can be addressed"),
    case("shape-rank-9", npy(shape="(1, 1, 1, 1, 1, 1, 1, 1, 3)"), message="rank 9 is more than the 8 dimensions"),
    case("shape-wrong", npy(shape="(1, 4)", data=struct.pack("<4f", 1, 2, 3, 4)),
         message="expected shape (batch, 3), got (1, 4)"),
    case("shape-rank-1", npy(shape="(3,)"), message="expected shape (batch, 3), got (3,)"),
    case("shape-scalar", npy(shape="()", data=struct.pack("<f", 1)), message="expected shape (batch, 3), got ()"),
    case("batch-zero", npy(shape="(0, 3)", data=b""), message="with batch >= 1, got (0, 3)"),
    case("good-f8", npy(descr="<f8", data=struct.pack("<3d", 1, 2, 3)), status=0, message=""),
    case("good-i8", npy(descr="<i8", data=struct.pack("<3q", 1, 2, 3)), status=0, message=""),
    case("dtype-big-endian", npy(descr=">f4"), message="big-endian data is not supported"),
    case("dtype-f2", npy(descr="<f2", data=b"\0" * 6), message="unsupported dtype '<f2'"),
    case("dtype-object", npy(descr="|O"), message="unsupported dtype '|O'"),
    case("dtype-structured", npy(header="{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1, 3)}"),
         message="structured arrays are not supported"),
    case("dtype-long", npy(descr="<f4" * 40), message="unsupported dtype"),
    case("fortran", npy(fortran="True"), message="fortran_order arrays are not supported"),
    case("fortran-bad", npy(fortran="Maybe"), message="'fortran_order' is not True or False"),
    case("data-short", npy(data=struct.pack("<2f", 1, 2)), message="the shape (1, 3) needs 12 bytes of data, found 8"),
    case("data-long", npy(data=struct.pack("<4f", 1, 2, 3, 4)), message="4 unexpected bytes after the data"),
    case("data-huge-sparse", setup=sparse, message="unexpected bytes after the data"),
    case("fifo", setup=fifo, message="not a regular file"),
    case("directory", setup=directory, message="not a regular file (it is a directory)"),
    case("dev-zero", setup=dev_zero, message="not a regular file"),
    case("missing", message="cannot open: No such file or directory"),
]
print(f"{sum(results)} of {len(results)} hostile .npy inputs handled as expected")
sys.exit(0 if all(results) else 1)
