#!/usr/bin/env python3
"""Writes (or checks) the real-Keras numerics cases in tests/numerics/.

    generate.py [--check] [--list] [PATTERN ...]

PATTERNs select cases by name ('*' wildcards; default: all). Each case runs
in the Keras it declares: Keras 2 (tf.keras 2.15) from $KERAS2_PYTHON, else
tools/keras_reference/.venv-keras2/bin/python; Keras 3 (JAX backend) from
$KERAS3_PYTHON, else .venv-keras3/bin/python. See README.md.
"""
import argparse
import fnmatch
import os
import pathlib
import subprocess
import sys

from case import HERE, load_cases

NUMERICS = HERE.parent.parent / "tests" / "numerics"


def interpreter(major):
    configured = os.environ.get(f"KERAS{major}_PYTHON")
    path = pathlib.Path(configured) if configured else HERE / f".venv-keras{major}" / "bin" / "python"
    if not path.exists():
        sys.exit(f"no Keras {major} interpreter at {path}: create the venv (README.md) or set KERAS{major}_PYTHON")
    return str(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="regenerate in memory and compare; exit 1 on any difference")
    parser.add_argument("--list", action="store_true", help="print the case names")
    parser.add_argument("patterns", nargs="*")
    args = parser.parse_args()

    cases = load_cases()
    selected = [n for n in cases if not args.patterns or any(fnmatch.fnmatchcase(n, p) for p in args.patterns)]
    if args.patterns and not selected:
        sys.exit("no case matches " + " ".join(args.patterns))
    if args.list:
        print("\n".join(selected))
        return

    status = 0
    for major in (2, 3):
        names = [n for n in selected if cases[n].keras == major]
        if not names:
            continue
        # TensorFlow runs channels_first convolutions and pooling on a CPU only
        # through oneDNN, which it enables by itself only on CPUs with AVX-512.
        env = dict(os.environ, KERAS_BACKEND="jax") if major == 3 else dict(os.environ, TF_ENABLE_ONEDNN_OPTS="1")
        mode = ["--check", str(NUMERICS)] if args.check else ["--out-root", str(NUMERICS)]
        result = subprocess.run([interpreter(major), str(HERE / "worker.py"), *mode, *names], env=env)
        status |= result.returncode
    sys.exit(status)


if __name__ == "__main__":
    main()
