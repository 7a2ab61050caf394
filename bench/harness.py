"""Kiln against ONNX Runtime, TensorFlow and PyTorch on one machine in one
run (see bench/README.md). For every model and batch: the weights and input
are drawn once (peers.py prepare), Kiln compiles the model with them, every
runtime is timed on 1 and 2 threads (or --threads), Kiln's output is checked
against ONNX Runtime's, and one line per measurement is printed:

  bench: model=vgg16 batch=1 threads=2 kiln_ms=... ort_ms=... tf_ms=... torch_ms=...
         kiln_gflops=... peak_gflops=... sgemm_gflops=... kiln/ort=... kiln/tf=... kiln/torch=... max_diff=... ok=...

The machine's FMA peak (bench/peak.c) and a vendor sgemm (NumPy's OpenBLAS)
are measured in the same run."""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# model, batch: the cases of the issue, and VGG16's convolutions alone.
CASES = [("mlp", 1), ("mlp", 64), ("mnist_cnn", 1), ("mnist_cnn", 64), ("imdb_lstm", 1), ("imdb_lstm", 32),
         ("vgg16", 1), ("vgg16_convs", 1)]
PEERS = ("ort", "tf", "torch")


def run(cmd, env=None, check=True):
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def field(text, name):
    match = re.search(rf"{name}=([0-9.eE+-]+)", text)
    return float(match.group(1)) if match else float("nan")


def median_of(times):
    """The median of what a runtime (or the peak) gave in its turns (NaN where it gave none)."""
    times = [x for x in times if x == x]
    return statistics.median(times) if times else float("nan")


def min_of(times):
    """The fastest of the times a runtime gave (NaN where it gave none)."""
    times = [x for x in times if x == x]
    return min(times) if times else float("nan")


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def python_env(threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["KERAS_BACKEND"] = "tensorflow"
    return env


def sgemm_gflops(python, threads):
    """NumPy's float32 matmul (OpenBLAS) on a VGG-sized convolution GEMM."""
    code = ("import numpy as np, time\n"
            "a = np.random.rand(3136, 2304).astype(np.float32); b = np.random.rand(2304, 256).astype(np.float32)\n"
            "a @ b\nbest = 1e9\n"
            "for _ in range(7):\n t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t)\n"
            "print(f'gflops={2 * 3136 * 2304 * 256 / best / 1e9:.2f}')\n")
    return field(run([python, "-c", code], env=python_env(threads)), "gflops")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kilnc", default=os.path.join(ROOT, "build", "bin", "kilnc"))
    parser.add_argument("--python", default=os.path.join(HERE, ".venv", "bin", "python"))
    parser.add_argument("--work", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per runtime and case")
    parser.add_argument("--rounds", type=int, default=3, help="turns each runtime takes, per case")
    parser.add_argument("--only", default="", help="comma-separated models")
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--winograd", action="store_true",
                        help="also time Kiln built with --winograd (kiln_winograd_ms; its GFLOP/s count the direct "
                             "convolution's multiply-adds)")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    peers = [p for p in args.peers.split(",") if p]
    only = set(args.only.split(",")) if args.only else None
    runtime = os.path.join(ROOT, "runtime", "include")
    library = os.path.join(os.path.dirname(os.path.dirname(args.kilnc)), "lib", "libkiln_rt.a")
    os.makedirs(args.work, exist_ok=True)

    print(f"bench: cpu={cpu_model()!r} cores={os.cpu_count()} load={os.getloadavg()[0]:.1f}", flush=True)
    peak_exe = os.path.join(args.work, "peak")
    run(["cc", "-O2", "-march=native", "-ffp-contract=fast", "-pthread", os.path.join(HERE, "peak.c"), "-o",
         peak_exe])
    peaks = {t: field(run([peak_exe, str(t), "0.5"]), "peak_gflops") for t in threads}
    sgemm = {t: sgemm_gflops(args.python, t) for t in threads}
    for t in threads:
        print(f"bench: machine threads={t} peak_gflops={peaks[t]:.1f} sgemm_gflops={sgemm[t]:.1f}", flush=True)
    # One core's read bandwidth from the cache level that holds the weights a
    # batch-1 case reads per step: the LSTM's recurrent kernel (256 KiB), the
    # MLP's weights (2.6 MiB); the bound of the memory-bound cases.
    bandwidth_exe = os.path.join(args.work, "bandwidth")
    run(["cc", "-O2", "-march=native", os.path.join(HERE, "bandwidth.c"), "-o", bandwidth_exe])
    for line in run([bandwidth_exe, "256", "2680"]).splitlines():
        print(f"bench: memory threads=1 {line.rsplit(' check=', 1)[0]}", flush=True)

    for model, batch in CASES:
        if only and model not in only:
            continue
        case = os.path.join(args.work, f"{model}_b{batch}")
        os.makedirs(case, exist_ok=True)
        run([args.python, os.path.join(HERE, "peers.py"), "prepare", model, str(batch), case],
            env=python_env(1))
        flops = json.load(open(os.path.join(case, "meta.json")))["flops_per_sample"] * batch
        builds = {"kiln": []}
        if args.winograd:
            builds["kiln_winograd"] = ["--winograd"]
        for name, flags in builds.items():  # each in its own directory, for its model.h
            build = os.path.join(case, name)
            os.makedirs(build, exist_ok=True)
            run([args.kilnc, "build", os.path.join(HERE, "models", f"{model}.kiln"), "--weights",
                 os.path.join(case, "model.json"), "-O3", "--emit=obj", "--name", "model", *flags, "-o",
                 os.path.join(build, "model.o")])
            run(["cc", "-O2", f"-I{build}", f"-I{runtime}", os.path.join(HERE, "timer.c"),
                 os.path.join(build, "model.o"), library, "-lm", "-pthread", "-o", os.path.join(build, "timer")])
        for t in threads:
            # The runtimes take turns, args.rounds times, each timed for its
            # share of args.seconds: a machine whose speed drifts (a VM's
            # neighbours) slows them alike. Each one's time is the median of
            # its rounds' medians.
            # The fastest run of each is printed too (`_min_ms`): on such a
            # machine the fastest runs are the ones nothing slowed. The FMA
            # peak takes a turn too (the median of its turns is the case's
            # peak_gflops): the machine's speed at the start of the run is
            # not its speed an hour later.
            outputs = {name: [] for name in tuple(builds) + tuple(peers)}
            seconds = str(args.seconds / args.rounds)
            peak_turns = []
            for _ in range(args.rounds):
                peak_turns.append(field(run([peak_exe, str(t), "0.3"]), "peak_gflops"))
                for name in builds:
                    outputs[name].append(run([os.path.join(case, name, "timer"), os.path.join(case, "input.npy"),
                                              os.path.join(case, f"{name}.npy"), str(t), seconds]))
                for peer in peers:
                    outputs[peer].append(run([args.python, os.path.join(HERE, "peers.py"), "time", peer, model,
                                              str(batch), str(t), seconds, case], env=python_env(t), check=False))
            ms = {name: median_of([field(o, "median_ms") for o in out]) for name, out in outputs.items()}
            fastest = {name: min_of([field(o, "min_ms") for o in out]) for name, out in outputs.items()}
            diff = ""
            for name in builds if "ort" in peers else ():
                prefix = "" if name == "kiln" else f"{name}_"
                diff += " " + run([args.python, "-c",
                                   "import numpy as np, sys\n"
                                   "k = np.load(sys.argv[1]).ravel().astype(np.float64); o = np.load(sys.argv[2]).ravel()\n"
                                   "d = np.abs(k - o)\n"
                                   "print(f'{sys.argv[3]}max_diff={d.max():.3g} "
                                   "{sys.argv[3]}ok={int(np.all(d <= 1e-4 + 1e-3 * np.abs(o)))}')",
                                   os.path.join(case, f"{name}.npy"), os.path.join(case, "ort.npy"), prefix]).strip()
            line = f"bench: model={model} batch={batch} threads={t}"
            for name in tuple(builds) + tuple(peers):
                line += f" {name}_ms={ms[name]:.4g}"
            for name in builds:
                line += f" {name}_gflops={flops / ms[name] / 1e6:.1f}"
            line += f" peak_gflops={median_of(peak_turns):.1f} sgemm_gflops={sgemm[t]:.1f}"
            for name in builds:
                for peer in peers:
                    line += f" {name}/{peer}={ms[name] / ms[peer]:.2f}"
            for name in tuple(builds) + tuple(peers):
                line += f" {name}_min_ms={fastest[name]:.4g}"
            for name in builds:
                for peer in peers:
                    line += f" {name}/{peer}_min={fastest[name] / fastest[peer]:.2f}"
            print(line + diff, flush=True)


if __name__ == "__main__":
    main()
