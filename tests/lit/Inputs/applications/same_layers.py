"""Compares kilnc's summary of keras.applications.<Name>(weights=None) with
tf.keras's own model (<Name>.layers, written by
tools/keras_reference/application_layers.py): every layer's name, class and
parameter count, in order, and the total.

    same_layers.py KILNC NAME LAYERS_FILE WORK_DIR
"""
import pathlib
import re
import subprocess
import sys

kilnc, name, reference, work = sys.argv[1:5]
source = pathlib.Path(work) / f"{name}.kiln"
source.parent.mkdir(parents=True, exist_ok=True)
source.write_text(f"from keras.applications import {name}\nmodel = {name}(weights=None)\n")
summary = subprocess.run([kilnc, "summary", str(source)], check=True, capture_output=True, text=True).stdout

# The table's rows are separated by blank lines; a row's first column (name
# and class) may wrap onto the next lines, its parameter count does not.
lines = summary.splitlines()
header = next(i for i, l in enumerate(lines) if l.startswith(" Layer (type)"))
columns = lines[header]
shape_at, params_at = columns.index("Output Shape"), columns.index("Param #")
connected_at = columns.find("Connected to") if "Connected to" in columns else None  # absent for a chain of layers
body = lines[header + 2:]
body = body[:next(i for i, l in enumerate(body) if l.startswith("="))]
layers, row = [], []
for line in body + [""]:
    if line.strip():
        row.append(line)
        continue
    if row:
        first = "".join(l[:shape_at].strip() for l in row)
        layers.append(f"{first.replace(' (', ' ').rstrip(')')} {row[0][params_at:connected_at].strip()}")
        row = []
total = re.search(r"Total params: ([\d,]+)", summary).group(1).replace(",", "")
got = [f"total {total}"] + layers
want = pathlib.Path(reference).read_text().splitlines()
for i, (g, w) in enumerate(zip(got, want)):
    if g != w:
        sys.exit(f"{name}: line {i + 1}: kilnc has '{g}', Keras has '{w}'")
if len(got) != len(want):
    sys.exit(f"{name}: kilnc has {len(got) - 1} layers, Keras {len(want) - 1}")
print(f"{name}: {len(got) - 1} layers and {int(total):,} parameters as in Keras")
