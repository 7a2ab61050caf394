#!/usr/bin/env bash
# Inference latency of Kiln-compiled models against PyTorch (Debian's
# python3-torch, one thread, the same architecture) in one run on one
# machine. The ratio is the number that means something; the milliseconds
# depend on the machine.
#
#   bench/run.sh [MODEL ...]      models: mlp mnist_cnn imdb_lstm vgg16 (default: all)
#
# Needs a built tree (tools/dev/bootstrap) and python3-torch + python3-numpy
# (`sudo apt-get install python3-torch`).
set -euo pipefail
cd "$(dirname "$0")/.."
kilnc=build/bin/kilnc
work=build/bench
mkdir -p "$work"
models=("$@")
((${#models[@]})) || models=(mlp mnist_cnn imdb_lstm vgg16)

# batch size and timed runs per model
declare -A batch=([mlp]=1 [mnist_cnn]=1 [imdb_lstm]=1 [vgg16]=1)
declare -A runs=([mlp]=20000 [mnist_cnn]=500 [imdb_lstm]=200 [vgg16]=5)
declare -A shape=([mlp]="784" [mnist_cnn]="28,28,1" [imdb_lstm]="80" [vgg16]="224,224,3")

printf '%-10s %6s %12s %12s %8s\n' model batch "kiln ms" "torch ms" "speedup"
for m in "${models[@]}"; do
  exe=$work/$m
  "$kilnc" build bench/models/$m.kiln --init-weights 1 -O3 -o "$exe" 2>/dev/null
  /usr/bin/python3 - "$work/$m.npy" "${batch[$m]}" "${shape[$m]}" "$m" <<'PY'
import sys, numpy as np
path, batch, shape, name = sys.argv[1], int(sys.argv[2]), tuple(int(d) for d in sys.argv[3].split(",")), sys.argv[4]
rng = np.random.default_rng(0)
x = rng.integers(0, 20000, (batch,) + shape).astype(np.int32) if name == "imdb_lstm" else rng.random((batch,) + shape, np.float32)
np.save(path, x)
PY
  kiln_ms=$("$exe" "$work/$m.npy" -o "$work/$m.out.npy" --bench "${runs[$m]}" 2>&1 | sed -n 's/.*mean latency \([0-9.]*\) ms.*/\1/p')
  torch_ms=$(/usr/bin/python3 bench/peer_torch.py "$m" "${batch[$m]}" "${runs[$m]}" 1)
  printf '%-10s %6s %12s %12s %7.2fx\n' "$m" "${batch[$m]}" "$kiln_ms" "$torch_ms" "$(echo "$torch_ms / $kiln_ms" | bc -l)"
done
