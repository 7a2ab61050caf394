#!/usr/bin/env bash
# The README's first command, checked: the digits CNN trained in Keras,
# compiled by kilnc from digits.h5, classifies the held-out images exactly as
# Keras did (keras_heldout.json, written by train.py): the same class for
# every image, so the same accuracy.
#   check.sh KILNC WORK_DIR
set -euo pipefail
kilnc=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
"$kilnc" build "$here/digits.kiln" --weights "$here/digits.h5" -o "$work/digits"
"$work/digits" "$here/heldout.npy" --labels "$here/heldout_labels.npy" > "$work/report.txt"
python3 - "$here/keras_heldout.json" "$work/report.txt" <<'PY'
import json, re, sys
keras = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
classes = [int(re.match(r"sample \d+: class (\d+) ", l).group(1)) for l in lines[:-1]]
if classes != keras["predictions"]:
    wrong = [i for i, (a, b) in enumerate(zip(classes, keras["predictions"])) if a != b]
    sys.exit(f"kiln and keras classify images {wrong[:10]} differently ({len(classes)} images)")
want = "accuracy: {} of {} = {:.4f}".format(keras["correct"], keras["total"], keras["correct"] / keras["total"])
if lines[-1] != want or abs(keras["correct"] / keras["total"] - keras["accuracy"]) > 1e-6:
    sys.exit(f"kiln printed '{lines[-1]}', keras's accuracy is '{want}' ({keras['accuracy']})")
print(f"same {len(classes)} predictions as Keras; {lines[-1]}")
PY
