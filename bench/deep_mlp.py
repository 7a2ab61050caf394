#!/usr/bin/env python3
"""Writes a deep MLP as Keras code, one line per layer, for measuring how
kilnc's build time and memory grow with the number of layers:

  bench/deep_mlp.py [LAYERS] [UNITS] > deep.kiln
  kilnc build deep.kiln --init-weights 1 --time-phases -o deep

LAYERS Dense(UNITS, activation='relu') layers (default 1000 of 64) after an
input of UNITS features, then Dense(10, activation='softmax')."""
import sys


def main():
    layers = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    units = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    print(f"# {layers} Dense({units}) layers (bench/deep_mlp.py {layers} {units}).")
    print("model = Sequential()")
    print(f"model.add(Input(shape=({units},)))")
    for _ in range(layers):
        print(f"model.add(Dense({units}, activation='relu'))")
    print("model.add(Dense(10, activation='softmax'))")


if __name__ == "__main__":
    main()
