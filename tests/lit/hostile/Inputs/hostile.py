"""What the hostile-input scripts share: running one case and judging its
exit status and message, and putting things other than files at a path."""
import os
import resource
import subprocess


# Every case ends in a few CPU seconds; the limit turns a hang or superlinear
# time into a failure (the wall-clock timeout only guards a loaded machine).
# Code built with sanitizers runs several times slower.
CPU_SECONDS = 30 * (5 if os.environ.get("KILN_SANITIZE") else 1)


def cpu_limit():
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def check(name, argv, status, message, one_line=False):
    """Runs argv; true if it exits with `status`, its stderr contains
    `message`, nothing crashed, and (one_line) a failure is one line."""
    try:
        run = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=600,
                             preexec_fn=cpu_limit)
        got, err = run.returncode, run.stderr
    except subprocess.TimeoutExpired:
        got, err = "timeout", ""
    lines = err.strip().splitlines()
    ok = got == status and message in err and "terminate called" not in err and "Sanitizer" not in err
    if one_line and status != 0:
        ok = ok and len(lines) == 1 and lines[0].startswith("kiln: error: ")
    if not ok:
        print(f"FAIL {name}: exit {got} (expected {status}); expected message containing {message!r}; got:\n{err[:2000]}")
    return ok


def fifo(path):
    os.mkfifo(path)


def directory(path):
    os.mkdir(path)


def dev_zero(path):
    os.symlink("/dev/zero", path)


def dev_null(path):
    os.symlink("/dev/null", path)
