#!/usr/bin/env python3
"""Measure what `--max-heap` and `--fuel` guarantee (lang-spec/evaluation.md,
Limits), with the release build of this checkout:

    python3 bench/limits.py [--runs N]

1. Peak resident memory. Every hostile program of `tests/hostile/` is
   compiled with `mvlc build` and run with `mvm run` under `--max-heap 64M`
   (and under `--fuel 100000 --max-heap 64M`); so is a 50 MB `.mvb` of
   `nop`s. The peak resident set of each run (from `wait4`) must stay within
   64 MB plus the documented constant, SLACK_MB; a run past it, or one that
   does not end in exit 0, 1 or 2, makes the script exit with 1.
2. Time per unit of fuel. Every program of `bench/fuel/` spends its fuel in
   one kind of charged work (replace, join, split, sort, map keys, display,
   equality, a plain loop) until `--fuel 10000000` stops it; the best of N
   runs' wall-clock time divided by the fuel is the host time one unit of
   that work costs. The largest is the constant C of "a run under
   `--fuel N` takes at most about N x C". Reported, not asserted.

`cargo build --release -p mvlc -p mvm` makes the binaries. Plain Python 3
standard library only; Linux (wait4's ru_maxrss is in KiB).
"""

import argparse
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MVLC = ROOT / "target" / "release" / "mvlc"
MVM = ROOT / "target" / "release" / "mvm"

HEAP_MB = 64
# The documented constant: the tool itself (code, the compiled standard
# library, the allocator's bookkeeping) beside the heap limit.
SLACK_MB = 16
FUEL = 10_000_000


def run(args):
    """Runs a command; returns (exit code, peak RSS in KiB, seconds)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - started
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss, took


def nop_module(path, tmp):
    """A `.mvb` of 50 million `nop`s: a small assembled module whose
    instruction count is patched, and the nops appended. Written by a
    child process, so that this one stays small: a child's peak resident
    set starts from its parent's."""
    if os.fork() == 0:
        try:
            write_nops(path, tmp)
        finally:
            os._exit(0)
    os.wait()


def write_nops(path, tmp):
    asm = Path(tmp) / "nops.mvasm"
    asm.write_text('.file 0 "nops.mvasm"\n.fn "main" arity=0 regs=1\n'
                   "    loadi r0, 0\n" + "    nop\n" * 1000 + "    ret r0\n")
    small = Path(tmp) / "nops-small.mvb"
    subprocess.run([MVM, "asm", asm, "-o", small], check=True)
    b = small.read_bytes()
    at = b.find(b"\x00" * 1000)
    count = b.find(struct.pack("<I", 1002))
    n = 50_000_000
    path.write_bytes(b[:count] + struct.pack("<I", n + 2) + b[count + 4:at]
                     + b"\x00" * n + b[at + 1000:])


def memory(tmp):
    limit_kb = (HEAP_MB + SLACK_MB) * 1024
    failures = 0
    print(f"## Peak resident memory under --max-heap {HEAP_MB}M "
          f"(bound {HEAP_MB} + {SLACK_MB} MB)\n")
    print("| program | flags | exit | peak RSS (MB) | seconds |")
    print("| --- | --- | --- | --- | --- |")
    programs = []
    for src in sorted((ROOT / "tests" / "hostile").glob("*.mvl")):
        out = Path(tmp) / (src.stem + ".mvb")
        subprocess.run([MVLC, "build", src, "-o", out], check=True)
        programs.append((src.stem, out))
    nops = Path(tmp) / "nops50.mvb"
    nop_module(nops, tmp)
    programs.append(("50 MB of nops", nops))
    for name, mvb in programs:
        for flags in (["--max-heap", f"{HEAP_MB}M"],
                      ["--fuel", "100000", "--max-heap", f"{HEAP_MB}M"]):
            code, rss, took = run([MVM, "run", *flags, mvb])
            bad = rss > limit_kb or code not in (0, 1, 2)
            failures += bad
            mark = " **too much**" if bad else ""
            print(f"| {name} | `{' '.join(flags)}` | {code} | {rss / 1024:.1f}{mark} | {took:.2f} |")
    return failures


def fuel_time(runs):
    print(f"\n## Host time per unit of fuel (--fuel {FUEL}, best of {runs})\n")
    print("| program | seconds | ns per unit |")
    print("| --- | --- | --- |")
    worst = 0.0
    for src in sorted((BENCH / "fuel").glob("*.mvl")):
        best = None
        for _ in range(runs):
            code, _, took = run([MVLC, "run", "--fuel", str(FUEL), src])
            if code != 2:
                print(f"{src.name}: expected `out of fuel` (exit 2), got {code}", file=sys.stderr)
            best = took if best is None else min(best, took)
        ns = best * 1e9 / FUEL
        worst = max(worst, ns)
        print(f"| {src.stem} | {best:.3f} | {ns:.1f} |")
    print(f"\nC (the slowest unit): {worst:.1f} ns")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for tool in (MVLC, MVM):
        if not tool.exists():
            sys.exit(f"{tool} is missing: cargo build --release -p mvlc -p mvm")
    with tempfile.TemporaryDirectory() as tmp:
        failures = memory(tmp)
    fuel_time(args.runs)
    if failures:
        print(f"\n{failures} run(s) past the memory bound", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
