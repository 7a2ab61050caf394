#!/usr/bin/env python3
"""Checks the output of one `bench/run` against the performance targets.

    bench/run --threads 1,2 | tee run.log
    bench/targets.py run.log

For every case and target it prints whether the ratio is met and, when it is
not, the GFLOP/s Kiln would need to meet it, as a fraction of the FMA peak
measured in the same run: above 1.0 no kernel can meet the target on that
machine (see bench/README.md, "Targets").
"""
import re
import sys

# (model, batch): the Kiln/ORT ratio to reach. The compute-bound cases must
# match ONNX Runtime, the latency-bound ones halve its time.
ORT_TARGETS = {("vgg16", 1): 1.0, ("mnist_cnn", 64): 1.0, ("mlp", 64): 1.0,
               ("mlp", 1): 0.5, ("mnist_cnn", 1): 0.5, ("imdb_lstm", 1): 0.5, ("imdb_lstm", 32): 0.5}
# Kiln/TensorFlow and Kiln/PyTorch, everywhere.
FRAMEWORK_TARGET = 0.5
# VGG16's convolutions, as a fraction of the FMA peak.
PEAK_TARGET = 0.85


def parse(lines):
    for line in lines:
        if line.startswith("bench: model="):
            yield dict(re.findall(r"(\S+?)=(\S+)", line[len("bench: "):]))


def verdict(case, peer, target):
    ratio = float(case["kiln_ms"]) / float(case[f"{peer}_ms"])
    if ratio <= target:
        return f"met ({ratio:.2f})"
    # The work is fixed, so the time Kiln must reach gives the rate it needs.
    work = float(case["kiln_gflops"]) * float(case["kiln_ms"])
    needed = work / (target * float(case[f"{peer}_ms"]))
    share = needed / float(case["peak_gflops"])
    bound = "beyond the FMA peak" if share > 1 else "within the FMA peak"
    return f"missed ({ratio:.2f}): needs {needed:.0f} GFLOP/s, {share:.2f} x peak, {bound}"


def main():
    with open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin as f:
        cases = list(parse(f))
    for case in cases:
        name = f"{case['model']} b{case['batch']} threads={case['threads']}"
        key = (case["model"], int(case["batch"]))
        if key in ORT_TARGETS and "kiln/ort" in case:
            print(f"{name}: kiln/ort <= {ORT_TARGETS[key]}: {verdict(case, 'ort', ORT_TARGETS[key])}")
        for peer in ("tf", "torch"):
            if f"kiln/{peer}" in case and case["model"] != "vgg16_convs":
                print(f"{name}: kiln/{peer} <= {FRAMEWORK_TARGET}: {verdict(case, peer, FRAMEWORK_TARGET)}")
        if case["model"] == "vgg16_convs":
            share = float(case["kiln_gflops"]) / float(case["peak_gflops"])
            state = "met" if share >= PEAK_TARGET else "missed"
            print(f"{name}: convolutions >= {PEAK_TARGET} x peak: {state} ({share:.3f})")


if __name__ == "__main__":
    main()
