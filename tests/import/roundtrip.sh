#!/usr/bin/env bash
# Imports the Keras config of one numerics case with `kilnc import`, then
# checks the imported .kiln like the case's own: built with the case's
# weights, run on its inputs, compared with its reference outputs.
#   roundtrip.sh KILNC NPYCMP CASE_DIR WORK_DIR
set -euo pipefail
kilnc=$1 npycmp=$2 case_dir=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work/case"
for f in "$case_dir"/*; do
  [[ $(basename "$f") == model.kiln ]] || ln -s "$f" "$work/case/"
done
"$kilnc" import "$case_dir/model.json" -o "$work/case/model.kiln"
"$here/../numerics/check_case.sh" "$kilnc" "$npycmp" "$work/case" "$work/run"
