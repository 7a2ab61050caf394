"""Peak resident memory of commands, for driver/stream.test.

    peak_memory.py COMMAND... [--and COMMAND...]...

Runs each command (separated by --and) in turn, fails if one fails, and
prints "<peak RSS in MiB> <command>" for each: the child's own peak (wait4),
not the maximum over all children."""
import os
import subprocess
import sys

commands = [[]]
for arg in sys.argv[1:]:
    if arg == "--and":
        commands.append([])
    else:
        commands[-1].append(arg)
for command in commands:
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        sys.exit(f"failed ({status}): {' '.join(command)}")
    print(f"{usage.ru_maxrss // 1024} {' '.join(command)}")
