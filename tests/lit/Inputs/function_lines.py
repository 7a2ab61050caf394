"""Prints the number of lines of one function in an LLVM IR file and exits 1
when it has more than a limit: function_lines.py FILE.ll NAME LIMIT."""
import sys

path, name, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines, inside = 0, False
for line in open(path):
    if line.startswith("define ") and f"@{name}(" in line:
        inside = True
    if inside:
        lines += 1
        if line.startswith("}"):
            break
print(f"{name}: {lines} lines (limit {limit})")
sys.exit(0 if 0 < lines <= limit else 1)
