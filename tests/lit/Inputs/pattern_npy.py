"""Writes a .npy array of a repeating pattern (without NumPy):
    pattern_npy.py PATH f4|i4 DIM...
float32 values k/7 for k = i % 7; int32 values i % 20 (valid token ids)."""
import struct
import sys

path, kind, dims = sys.argv[1], sys.argv[2], [int(d) for d in sys.argv[3:]]
count = 1
for d in dims:
    count *= d
shape = "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"
header = "{'descr': '<%s', 'fortran_order': False, 'shape': %s, }" % (kind, shape)
header += " " * (63 - (10 + len(header)) % 64) + "\n"
if kind == "f4":
    data = struct.pack(f"<{count}f", *((i % 7) / 7 for i in range(count)))
else:
    data = struct.pack(f"<{count}i", *(i % 20 for i in range(count)))
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data)
