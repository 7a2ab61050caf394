#!/usr/bin/env bash
# Imports the Keras config held by one file of a numerics case (model.json,
# model.h5, model.keras or a saved_model directory) with `kilnc import`, then checks the imported
# .kiln as the case's own is checked (tests/numerics/check_case.sh), built
# with that same file's weights: run on the case's inputs, compared with
# its reference outputs.
#   roundtrip.sh KILNC NPYCMP CASE_DIR CONFIG WORK_DIR
set -euo pipefail
kilnc=$1 npycmp=$2 case_dir=$3 config=$4 work=$5
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work/case"
ln -s "$case_dir/$config" "$case_dir/case.json" "$work/case/"
for f in "$case_dir"/in*.npy "$case_dir"/out*.npy; do ln -s "$f" "$work/case/"; done
# A TensorFlow.js model.json names its weight shards relative to itself.
[[ $config == model.json ]] && for f in "$case_dir"/*.bin; do [[ -e $f ]] && ln -s "$f" "$work/case/"; done
"$kilnc" import "$case_dir/$config" -o "$work/case/model.kiln"
cat "$work/case/model.kiln"
"$here/../numerics/check_case.sh" "$kilnc" "$npycmp" "$work/case" "$work/run"
