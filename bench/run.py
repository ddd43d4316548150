#!/usr/bin/env python3
"""Run the MVL/MVM benchmark suite against its peers and print a markdown table.

    python3 bench/run.py [--runs N] [--only NAME,...] [--baseline BIN_DIR]

For each benchmark `bench/NAME.mvl` it compiles the program once with
`mvlc build NAME.mvl -o NAME.mvb` (the compile time is reported on its own),
then times `mvm run NAME.mvb` alongside `lua5.4 NAME.lua`, `luajit -joff` and
`luajit` (on `NAME.luajit.lua` if it exists, else `NAME.lua`) and
`python3 NAME.py`, whichever are installed. The runs alternate between the
runners (round-robin), N rounds. Every run's standard output must equal
lua5.4's (mvm's when lua5.4 is missing) and every run must exit with 0;
otherwise the script says which and exits with 1.

With `--baseline DIR`, DIR holds another build's `mvlc` and `mvm`: each
benchmark is also compiled and run with it (column "mvm-base"), and the
speedup of the current mvm over it is reported (a benchmark the baseline
cannot compile is left out of that column and its mean, and the script says
so).

By default the current build is `target/release/{mvlc,mvm}` of the checkout
this script lives in (`cargo build --release -p mvlc -p mvm` makes them).
Plain Python 3.11 standard library only.
"""

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

# The order of the table: AWFY micro benchmarks, AWFY macro benchmarks, then
# the project's own. Any other bench/*.mvl is appended in name order.
ORDER = [
    "bounce", "list", "mandelbrot", "nbody", "permute", "queens", "sieve",
    "storage", "towers", "richards", "deltablue", "json", "cd", "havlak",
    "fib", "loop", "binary_trees", "maps", "maps_dense",
]

PEERS = ["lua5.4", "luajit -joff", "luajit", "python3"]
REFERENCE = "lua5.4"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def die(msg):
    log(f"error: {msg}")
    sys.exit(1)


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_once(cmd, out_path, err_path):
    """Runs cmd with stdout/stderr to files; returns (wall s, exit code, peak KB).

    The peak comes from /usr/bin/time when it is installed: the rusage of a
    child spawned straight from this script would count this Python
    process's own memory (Linux carries the high-water mark over exec).
    """
    mem_path = str(err_path) + ".mem"
    full = [TIME, "-q", "-f", "%M", "-o", mem_path] + cmd if TIME else cmd
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        pid = os.posix_spawnp(
            full[0], full, os.environ,
            file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                          (os.POSIX_SPAWN_DUP2, err.fileno(), 2)],
        )
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
    peak = usage.ru_maxrss
    if TIME:
        try:
            peak = int(Path(mem_path).read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
    return wall, os.waitstatus_to_exitcode(status), peak


def find_benchmarks(only):
    names = [p.stem for p in BENCH.glob("*.mvl")]
    ordered = [n for n in ORDER if n in names] + sorted(n for n in names if n not in ORDER)
    if only:
        wanted = [n.strip() for n in only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            die(f"no such benchmark: {', '.join(unknown)} (have: {', '.join(ordered)})")
        ordered = [n for n in ordered if n in wanted]
    return ordered


def bin_dir_tools(d, label):
    d = Path(d).resolve()
    mvlc, mvm = d / "mvlc", d / "mvm"
    for tool in (mvlc, mvm):
        if not os.access(tool, os.X_OK):
            die(f"{label}: {tool} not found or not executable"
                + (" (run `cargo build --release -p mvlc -p mvm`)" if label == "current" else ""))
    return mvlc, mvm


def peer_command(peer, name):
    lua = BENCH / f"{name}.lua"
    jit = BENCH / f"{name}.luajit.lua"
    py = BENCH / f"{name}.py"
    if peer == "lua5.4":
        return ["lua5.4", str(lua)] if lua.exists() else None
    if peer in ("luajit", "luajit -joff"):
        src = jit if jit.exists() else lua
        if not src.exists():
            return None
        return ["luajit", "-joff", str(src)] if peer == "luajit -joff" else ["luajit", str(src)]
    if peer == "python3":
        return ["python3", str(py)] if py.exists() else None
    raise AssertionError(peer)


def compile_mvl(mvlc, src, out, tmp, required=True):
    """Compiles src; the seconds it took, or None when it fails and is not required."""
    wall, code, _ = run_once([str(mvlc), "build", str(src), "-o", str(out)],
                             tmp / "compile.out", tmp / "compile.err")
    if code != 0:
        message = (f"`{mvlc} build {src}` failed with exit code {code}:\n"
                   + (tmp / "compile.err").read_text(errors="replace"))
        if required:
            die(message)
        log(message.rstrip())
        return None
    return wall


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    if not xs:
        return None
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def fmt(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(["---"] * len(header)) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="rounds of runs per runner (default 5)")
    ap.add_argument("--only", help="comma-separated benchmark names (default: all)")
    ap.add_argument("--baseline", metavar="BIN_DIR",
                    help="directory with another build's mvlc and mvm, run as column mvm-base")
    ap.add_argument("--bin", metavar="BIN_DIR", default=str(ROOT / "target" / "release"),
                    help="directory with the current mvlc and mvm (default: target/release of this checkout)")
    ap.add_argument("--peers", default=",".join(PEERS),
                    help=f"comma-separated peers to run if installed (default: {','.join(PEERS)})")
    args = ap.parse_args()
    if args.runs < 1:
        die("--runs must be at least 1")

    mvlc, mvm = bin_dir_tools(args.bin, "current")
    base = bin_dir_tools(args.baseline, "baseline") if args.baseline else None
    wanted_peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    for p in wanted_peers:
        if p not in PEERS:
            die(f"unknown peer {p!r} (known: {', '.join(PEERS)})")
    peers = [p for p in wanted_peers if shutil.which(p.split()[0])]
    missing = [p for p in wanted_peers if p not in peers]
    if missing:
        log(f"not installed, skipped: {', '.join(missing)}")

    names = find_benchmarks(args.only)
    runner_names = ["mvm"] + (["mvm-base"] if base else []) + peers
    reference = REFERENCE if REFERENCE in peers else "mvm"

    results = {}   # name -> runner -> list of seconds
    peaks = {}     # name -> runner -> max KB
    compile_s = {}  # name -> (current, baseline)
    failures = []

    with tempfile.TemporaryDirectory(prefix="mvl-bench-") as tmpd:
        tmp = Path(tmpd)
        for name in names:
            src = BENCH / f"{name}.mvl"
            mvb = tmp / f"{name}.mvb"
            c_cur = compile_mvl(mvlc, src, mvb, tmp)
            c_base = None
            cmds = {"mvm": [str(mvm), "run", str(mvb)]}
            if base:
                base_mvb = tmp / f"{name}.base.mvb"
                # An older build may not compile a newer benchmark: it is
                # then left out of that row and of the speedup's mean.
                c_base = compile_mvl(base[0], src, base_mvb, tmp, required=False)
                if c_base is None:
                    log(f"   the baseline cannot compile {name}: no mvm-base column for it")
                else:
                    cmds["mvm-base"] = [str(base[1]), "run", str(base_mvb)]
            compile_s[name] = (c_cur, c_base)
            for p in peers:
                cmd = peer_command(p, name)
                if cmd:
                    cmds[p] = cmd
            ref = reference if reference in cmds else "mvm"
            times = {r: [] for r in cmds}
            peak = {r: 0 for r in cmds}
            expected = None
            bad = False
            log(f"== {name} (compile {c_cur:.3f} s): {', '.join(cmds)}")
            # The reference runs first in every round so the others can be
            # checked against its output from the first round on.
            order = [ref] + [r for r in cmds if r != ref]
            for rnd in range(args.runs):
                for r in order:
                    out, err = tmp / "run.out", tmp / "run.err"
                    wall, code, kb = run_once(cmds[r], out, err)
                    output = out.read_bytes()
                    if code != 0:
                        failures.append(f"{name}: {r} exited with {code}: "
                                        + err.read_text(errors="replace").strip()[-2000:])
                        bad = True
                        break
                    if expected is None:
                        expected = output
                    elif output != expected:
                        failures.append(
                            f"{name}: {r} printed different output from {ref}:\n"
                            f"--- {ref}\n{expected.decode(errors='replace')}"
                            f"--- {r}\n{output.decode(errors='replace')}")
                        bad = True
                        break
                    times[r].append(wall)
                    peak[r] = max(peak[r], kb)
                    log(f"   round {rnd + 1}/{args.runs} {r:13} {wall:7.3f} s {kb / 1024:8.1f} MB")
                if bad:
                    break
            if bad:
                log(f"!! {name}: FAILED (see the end)")
                continue
            results[name] = {r: statistics.median(ts) for r, ts in times.items()}
            peaks[name] = peak

    if not results:
        for f in failures:
            log("FAIL " + f)
        die("no benchmark completed")

    done = [n for n in names if n in results]
    # Table 1: median seconds.
    header = ["benchmark", "compile s"] + runner_names
    rows = []
    for n in done:
        rows.append([n, fmt(compile_s[n][0], 3)] + [fmt(results[n].get(r)) for r in runner_names])
    rows.append(["geometric mean", fmt(geomean(compile_s[n][0] for n in done), 3)]
                + [fmt(geomean(results[n].get(r) for n in done)) for r in runner_names])
    print(f"Median wall-clock seconds of {args.runs} runs (compile: `mvlc build`, once):\n")
    print(table(header, rows))

    # Table 2: ratios to the reference (lua5.4), and mvm-base / mvm.
    ratio_runners = [r for r in runner_names if r != reference]
    header = ["benchmark"] + [f"{r} / {reference}" for r in ratio_runners]
    if base:
        header.append("speedup mvm-base / mvm")
    rows = []
    ratios = {r: [] for r in ratio_runners}
    speedups = []
    for n in done:
        row = [n]
        refv = results[n].get(reference)
        for r in ratio_runners:
            v = results[n].get(r)
            q = v / refv if (v is not None and refv) else None
            if q is not None:
                ratios[r].append(q)
            row.append(fmt(q))
        if base:
            s = None
            if "mvm-base" in results[n]:
                s = results[n]["mvm-base"] / results[n]["mvm"]
                speedups.append(s)
            row.append(fmt(s))
        rows.append(row)
    geo = ["geometric mean"] + [fmt(geomean(ratios[r])) for r in ratio_runners]
    if base:
        geo.append(fmt(geomean(speedups)))
    rows.append(geo)
    print(f"\nTime relative to {reference} (below 1: faster than {reference})"
          + (", and the speedup of mvm over mvm-base (above 1: mvm is faster)" if base else "") + ":\n")
    print(table(header, rows))

    # Table 3: peak memory.
    header = ["benchmark"] + runner_names
    rows = [[n] + [fmt(peaks[n][r] / 1024, 1) if r in peaks[n] else "—" for r in runner_names] for n in done]
    print("\nPeak resident memory, MB (largest of the runs):\n")
    print(table(header, rows))

    if failures:
        log("")
        for f in failures:
            log("FAIL " + f)
        log(f"\n{len(failures)} benchmark(s) FAILED: "
            + ", ".join(sorted({f.split(':')[0] for f in failures})))
        sys.exit(1)


if __name__ == "__main__":
    main()
