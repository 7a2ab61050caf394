"""Writes the HDF5 files of hdf5_read_test.cpp with h5py (3.16.0, as pinned in
tools/keras_reference): the parts of the format Keras's own files do not use
but other writers of Keras weights may (types, chunks and filters, large
groups, the newer format of libver="v110", a user block).

    python make_files.py OUT_DIR
"""
import sys
from pathlib import Path

import h5py
import numpy as np

out = Path(sys.argv[1])
rng = np.random.default_rng(7)


def values(shape, dtype="float32"):
    return (rng.standard_normal(shape) * 3).astype(dtype)


def common(f):
    """Datasets and attributes both files hold."""
    f.attrs["keras_version"] = "2.15.0"
    f.attrs["layer_names"] = np.array([b"dense", b"conv"], dtype="S5")
    f.attrs["weight_names"] = ["kernel:0", "bias:0"]  # variable-length strings
    f.attrs["empty"] = []
    f.attrs["number"] = 3.5
    g = f.create_group("dense")
    g.create_dataset("kernel:0", data=values((5, 3)))
    g.create_dataset("bias:0", data=values((3,)))
    types = f.create_group("types")
    for dtype in ["float16", "float64", ">f4", ">f8", "int8", "uint8", "int16", ">i4", "uint32", "int64", "uint64"]:
        types.create_dataset(dtype.replace(">", "be_"), data=values((4, 2)) * 100 if "int" in dtype else values((4, 2)),
                             dtype=dtype)
    types.create_dataset("extremes", data=np.array([1e300, -1e300, 1e-300, np.inf, -np.inf, np.nan, 3.4e38,
                                                    65504.0, 1e-40], dtype="float64"))
    types.create_dataset("halfs", data=np.array([0.0, -0.0, 6e-8, 1e-5, 65504, np.inf, np.nan, 1 / 3], "float16"))
    types.create_dataset("scalar", data=np.float32(2.5))
    types.create_dataset("zero_size", data=np.zeros((0, 4), "float32"))
    types.create_dataset("booleans", data=np.array([True, False]))
    types.create_dataset("strings", data=np.array([b"a", b"bc"]))
    types.create_dataset("nothing", data=h5py.Empty("f4"))


def many_members(f):
    """Members in a B-tree of several levels (symbol tables; in libver v110, a
    fractal heap of several blocks indexed by a version 2 B-tree), attributes
    past the object header's first block (v110: in a fractal heap)."""
    many = f.create_group("many_members")
    for i in range(1000):
        many.create_dataset(f"w{i:04d}" + "x" * (i % 50), data=np.float32(i))
    for i in range(150):
        many.attrs[f"note{i:03d}"] = f"value {i} " * 3


with h5py.File(out / "features.h5", "w") as f:
    common(f)
    chunks = f.create_group("chunks")
    chunks.create_dataset("gzip", data=values((37, 21)), chunks=(8, 5), compression="gzip", shuffle=True,
                          fletcher32=True)
    chunks.create_dataset("many", data=values((300, 7)), chunks=(1, 7))  # a B-tree of several levels
    chunks.create_dataset("plain_edges", data=values((10, 9, 3)), chunks=(4, 4, 2))
    chunks.create_dataset("ints", data=(values((50,)) * 100).astype("int16"), chunks=(16,), compression="gzip")
    space = h5py.h5s.create_simple((6, 4))
    plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    plist.set_layout(h5py.h5d.COMPACT)
    compact = h5py.h5d.create(f.id, b"compact", h5py.h5t.IEEE_F32LE, space, plist)
    compact.write(h5py.h5s.ALL, h5py.h5s.ALL, values((6, 4)))
    many_members(f)
    f["links/soft"] = h5py.SoftLink("/dense/bias:0")
    f["links/external"] = h5py.ExternalLink("other.h5", "/x")
    f["links/again"] = f["dense/kernel:0"]

# The newest format the HDF5 library of Debian 12 (1.10.8) reads, the reference of the test.
with h5py.File(out / "v110.h5", "w", libver=("v110", "v110")) as f:
    common(f)
    f.create_dataset("single_chunk", data=values((6, 5)), chunks=(6, 5), compression="gzip")
    f.create_dataset("fixed_array", data=values((37, 21)), chunks=(8, 5), compression="gzip", shuffle=True)
    f.create_dataset("fixed_array_plain", data=values((10, 9)), chunks=(4, 4))
    f.create_dataset("fixed_array_pages", data=values((1500,)), chunks=(1,))  # past 1,024 chunks: in pages
    f.create_dataset("utf8_név", data=values((2,)))
    many_members(f)

with h5py.File(out / "userblock.h5", "w", userblock_size=512) as f:
    f.create_dataset("dense/kernel:0", data=values((3, 2)))
    f.attrs["layer_names"] = np.array([b"dense"])

# Small files of the same parts, also seeds of the hdf5 fuzz target.
with h5py.File(out / "small_v110.h5", "w", libver=("v110", "v110")) as f:
    g = f.create_group("layers")
    for i in range(10):  # past 8 members and 8 attributes: in fractal heaps
        g.create_dataset(f"w{i}", data=values((2,)))
        g.attrs[f"a{i}"] = f"v{i}"
    f.create_dataset("single_chunk", data=values((3, 2)), chunks=(3, 2), compression="gzip")

with h5py.File(out / "small_chunks.h5", "w") as f:
    f.attrs["weight_names"] = ["kernel:0"]
    f.create_dataset("gzip", data=values((5, 3)), chunks=(2, 2), compression="gzip", shuffle=True, fletcher32=True)
    f.create_dataset("half", data=values((3,), "float16"), chunks=(2,))
