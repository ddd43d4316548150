# The I/O benchmark: reads standard input line by line and prints one line
# per input line (its number, its length and the line), then a summary.
import sys

n = 0
chars = 0
out = sys.stdout
for line in sys.stdin:
    line = line.rstrip("\n")
    n += 1
    chars += len(line)
    out.write(f"{n} {len(line)} {line}\n")
sys.stderr.write(f"{n} lines, {chars} characters\n")
