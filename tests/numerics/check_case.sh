#!/usr/bin/env bash
# Compiles one reference case with kilnc, runs it on the case's inputs and
# compares every output with the reference output within the case's tolerance.
#   check_case.sh KILNC NPYCMP CASE_DIR WORK_DIR
# For another target (tests/cross): KILN_TARGET=TRIPLE builds for it, and
# KILN_RUNNER (e.g. qemu-aarch64) runs the built model. KILN_BUILD_FLAGS are
# further kilnc build options (e.g. --winograd), KILN_RANGE_TOL npycmp's
# --range-tol (a tolerance in units of the output's largest magnitude).
set -euo pipefail
kilnc=$1 npycmp=$2 case_dir=$3 work=$4
mkdir -p "$work"
field() { sed -n "s/.*\"$1\": *\([0-9.eE+-]*\).*/\1/p" "$case_dir/case.json"; }
atol=$(field atol) rtol=$(field rtol)

# Weights: every weights file the case has (model.json: TensorFlow.js; the
# Keras files written by tools/keras_reference: model.h5, weights.h5,
# model.weights.h5, model.keras), each built and checked; or, when case.json
# has "init_weights": SEED (no weights file; e.g. vgg16), Kiln's own seeded
# draw, which the generator reproduces bit for bit
# (tools/reference/lib/init_weights.mjs).
seed=$(field init_weights)
keras=$(field keras_version)
builds=()
if [[ -n $seed ]]; then
  builds=(init)
else
  for f in model.json model.h5 weights.h5 model.weights.h5 model.keras keras1.h5 ckpt saved_model; do
    [[ -e $case_dir/$f ]] && builds+=("$case_dir/$f")
  done
fi
[[ ${#builds[@]} -gt 0 ]] || { echo "$case_dir: no weights file and no init_weights" >&2; exit 1; }

# A model with open axes has further input sets, of other sizes, in size*/:
# the same build runs on each.
status=0
for build in "${builds[@]}"; do
  if [[ $build == init ]]; then weights=(--init-weights "$seed"); else weights=(--weights "$build"); fi
  echo "== kilnc build ${weights[*]}"
  "$kilnc" build "$case_dir/model.kiln" "${weights[@]}" ${keras:+--keras-version "$keras"} \
    ${KILN_TARGET:+--target "$KILN_TARGET"} ${KILN_BUILD_FLAGS:-} -o "$work/model"
  for set in "$case_dir" "$case_dir"/size*/; do
    [[ -d $set ]] || continue
    inputs=() outputs=()
    for i in $(seq 0 15); do [[ -f $set/in$i.npy ]] && inputs+=("$set/in$i.npy"); done
    for i in $(seq 0 15); do [[ -f $set/out$i.npy ]] && outputs+=(-o "$work/got$i.npy"); done
    ${KILN_RUNNER:-} "$work/model" "${inputs[@]}" "${outputs[@]}"
    for i in $(seq 0 15); do
      [[ -f $set/out$i.npy ]] || continue
      "$npycmp" "$work/got$i.npy" "$set/out$i.npy" --atol "$atol" --rtol "$rtol" ${KILN_RANGE_TOL:+--range-tol "$KILN_RANGE_TOL"} || status=1
    done
  done
done
exit $status
