#!/usr/bin/env python3
"""The I/O benchmark: MVL against lua5.4 (and python3) reading a large
generated file line by line and printing a line per input line.

    cargo build --release -p mvlc -p mvm
    python3 bench/io.py                 # a 100 MB file, 5 rounds
    python3 bench/io.py --mb 20 --runs 3

The input (deterministic text of ASCII words, lines of 0 to 120
characters) is generated once into the temporary folder. Each runner reads
it on standard input and writes to a file; the outputs must be identical.
Prints a markdown table of median wall-clock seconds and the ratio to
lua5.4. Standard library only.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def generate(path, megabytes):
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta",
             "theta", "iota", "kappa", "lambda", "mu", "x", "", "0123456789"]
    target = megabytes * 1_000_000
    state = 12345
    written = 0
    with open(path, "w", encoding="ascii", newline="\n") as f:
        buf = []
        while written < target:
            state = (state * 1103515245 + 12345) % (1 << 31)
            count = state % 20
            line = " ".join(words[(state >> (i + 3)) % len(words)] for i in range(count))
            buf.append(line)
            written += len(line) + 1
            if len(buf) >= 10000:
                f.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            f.write("\n".join(buf) + "\n")


def timed(cmd, stdin_path, out_path):
    with open(stdin_path, "rb") as inp, open(out_path, "wb") as out:
        start = time.perf_counter()
        r = subprocess.run(cmd, stdin=inp, stdout=out, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({r.returncode}): {r.stderr.decode(errors='replace')}")
    return elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100, help="input size in MB (default 100)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release"))
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="mvl-io-bench-")
    try:
        data = os.path.join(tmp, "input.txt")
        print(f"generating {args.mb} MB of input ...", file=sys.stderr)
        generate(data, args.mb)
        mvb = os.path.join(tmp, "lines.mvb")
        subprocess.run([os.path.join(args.bin, "mvlc"), "build",
                        os.path.join(HERE, "io", "lines.mvl"), "-o", mvb], check=True)
        runners = {"mvm": [os.path.join(args.bin, "mvm"), "run", mvb]}
        if shutil.which("lua5.4"):
            runners["lua5.4"] = ["lua5.4", os.path.join(HERE, "io", "lines.lua")]
        runners["python3"] = [sys.executable, os.path.join(HERE, "io", "lines.py")]
        times = {name: [] for name in runners}
        outputs = {}
        for round_ in range(args.runs):
            for name, cmd in runners.items():
                out = os.path.join(tmp, f"out-{name}.txt")
                times[name].append(timed(cmd, data, out))
                if round_ == 0:
                    with open(out, "rb") as f:
                        outputs[name] = f.read()
                print(f"round {round_ + 1}: {name} {times[name][-1]:.2f} s", file=sys.stderr)
        first = outputs["mvm"]
        for name, out in outputs.items():
            if out != first:
                sys.exit(f"{name}'s output differs from mvm's")
        lua = statistics.median(times["lua5.4"]) if "lua5.4" in times else None
        print(f"| runner | median s ({args.mb} MB, {args.runs} runs) | vs lua5.4 |")
        print("| --- | --- | --- |")
        for name, ts in times.items():
            m = statistics.median(ts)
            ratio = f"{m / lua:.2f}x" if lua else "-"
            print(f"| {name} | {m:.2f} | {ratio} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
