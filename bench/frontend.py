#!/usr/bin/env python3
"""Front-end throughput and start-up of mvlc, beside Lua 5.4.

Generates a large valid MVL program (many small groups of a struct, an enum,
a constructor, a match, a loop, a closure and calls into the neighbouring
groups) and the same program shape in Lua, then reports, as markdown on
standard output:

- lines per second of `mvlc check`, `mvlc build` and `luac5.4 -p` on it
  (median wall-clock time of --runs runs), with each one's peak resident
  memory (the largest of its runs, from wait4's rusage);
- the same on a half-size program, and the ratio of their CPU times
  (about 2.0 when the time is linear in program size);
- the start-up time of `mvlc run hello.mvl` beside `lua5.4 hello.lua`
  (median and fastest of --startup-runs runs).

Plain Python 3.11, standard library only. Progress goes to standard error.

    python3 bench/frontend.py                       # 100,000 lines, 5 runs
    python3 bench/frontend.py --lines 20000 --runs 3
    python3 bench/frontend.py --mvlc /path/to/other/target/release/mvlc
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


def mvl_group(i: int, groups: int) -> str:
    """One group of about 40 lines; group i calls into group i - 1."""
    prev = (i - 1) % groups
    return f"""struct Point{i} {{ x: Int, y: Int }}

enum Shape{i} {{
    Dot(Int),
    Line(Int, Int),
    Empty,
}}

fn make{i}(n) {{
    Point{i} {{ x: n, y: n * 2 + {i % 97} }}
}}

fn size{i}(s) {{
    match s {{
        Shape{i}::Dot(a) => a,
        Shape{i}::Line(a, b) if a > b => a - b,
        Shape{i}::Line(a, b) => b - a,
        Shape{i}::Empty => 0,
    }}
}}

fn work{i}(n) {{
    let p = make{i}(n);
    var total = 0;
    for k in 0..n {{
        total += size{i}(Shape{i}::Line(k, p.x));
    }}
    let scale = |v| v * p.y + 1;
    var m = total;
    while m > 100 {{
        m = m / 2;
    }}
    let items = [p.x, p.y, m];
    for v in items {{
        total += v;
    }}
    total += "group {i}".len();
    if n > 0 {{
        scale(m) + size{prev}(Shape{prev}::Dot(total))
    }} else {{
        scale(total)
    }}
}}

"""


def lua_group(i: int, groups: int) -> str:
    """The same group in Lua: tables for the struct and the enum."""
    prev = (i - 1) % groups
    return f"""function make{i}(n)
    return {{ x = n, y = n * 2 + {i % 97} }}
end

function size{i}(s)
    if s.tag == "Dot" then
        return s[1]
    elseif s.tag == "Line" and s[1] > s[2] then
        return s[1] - s[2]
    elseif s.tag == "Line" then
        return s[2] - s[1]
    else
        return 0
    end
end

function work{i}(n)
    local p = make{i}(n)
    local total = 0
    for k = 0, n - 1 do
        total = total + size{i}({{ tag = "Line", k, p.x }})
    end
    local scale = function(v) return v * p.y + 1 end
    local m = total
    while m > 100 do
        m = m // 2
    end
    local items = {{ p.x, p.y, m }}
    for _, v in ipairs(items) do
        total = total + v
    end
    total = total + #"group {i}"
    if n > 0 then
        return scale(m) + size{prev}({{ tag = "Dot", total }})
    else
        return scale(total)
    end
end

"""


def generate(lines: int, workdir: str, name: str):
    """Writes NAME.mvl and NAME.lua of about `lines` lines each; returns
    their paths and line counts."""
    per_group = mvl_group(0, 1).count("\n")
    groups = max(1, lines // per_group)
    mvl = [mvl_group(i, groups) for i in range(groups)]
    mvl.append("fn main() {\n    println(work0(3) + work1(4));\n}\n")
    lua = [lua_group(i, groups) for i in range(groups)]
    lua.append("print(work0(3) + work1(4))\n")
    out = []
    for ext, parts in (("mvl", mvl), ("lua", lua)):
        path = os.path.join(workdir, f"{name}.{ext}")
        text = "".join(parts)
        with open(path, "w") as f:
            f.write(text)
        out.append((path, text.count("\n")))
    return out


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_once(cmd, memory=True):
    """Runs `cmd`; returns (wall-clock seconds, peak RSS in MB, CPU
    seconds: user and system, from wait4, which counts the command under
    /usr/bin/time). Fails loudly on a
    non-zero exit. The peak comes from `/usr/bin/time -f %M` when installed
    (a child forked from Python inherits Python's own high-water mark in
    its rusage, which would hide small peaks); `memory=False` runs `cmd`
    directly, for start-up times, and reports wait4's figure."""
    mem_file = None
    if memory and TIME:
        fd, mem_file = tempfile.mkstemp(prefix="mvl-frontend-mem-")
        os.close(fd)
        cmd = [TIME, "-f", "%M", "-o", mem_file] + cmd
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(f"`{' '.join(cmd)}` exited {proc.returncode}\n")
        sys.stderr.write(err.decode(errors="replace")[:4000])
        sys.exit(1)
    del out
    # Both are in kilobytes on Linux.
    kb = usage.ru_maxrss
    if mem_file:
        with open(mem_file) as f:
            kb = int(f.read().split()[-1])
        os.unlink(mem_file)
    return elapsed, kb / 1024.0, usage.ru_utime + usage.ru_stime


def measure(cmd, runs, memory=True, fastest=None):
    """Median wall-clock seconds, the largest peak RSS, median CPU seconds;
    the fastest wall-clock time is appended to `fastest` if given."""
    times, cpus, peak = [], [], 0.0
    for _ in range(runs):
        t, mb, cpu = run_once(cmd, memory)
        times.append(t)
        cpus.append(cpu)
        peak = max(peak, mb)
    if fastest is not None:
        fastest.append(min(times))
    return statistics.median(times), peak, statistics.median(cpus)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mvlc", default=os.path.join(ROOT, "target", "release", "mvlc"))
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--startup-runs", type=int, default=30)
    ap.add_argument("--keep", help="write the generated programs to this folder")
    args = ap.parse_args()

    mvlc = os.path.abspath(args.mvlc)
    if not os.access(mvlc, os.X_OK):
        sys.exit(f"no mvlc at {mvlc}: cargo build --release -p mvlc")
    luac = shutil.which("luac5.4")
    lua = shutil.which("lua5.4")

    workdir = args.keep or tempfile.mkdtemp(prefix="mvl-frontend-")
    os.makedirs(workdir, exist_ok=True)
    rows = []
    sizes = {}
    for label, lines in (("full", args.lines), ("half", args.lines // 2)):
        (mvl, mvl_lines), (luaf, lua_lines) = generate(lines, workdir, f"gen_{label}")
        out = os.path.join(workdir, f"gen_{label}.mvb")
        tools = [
            ("mvlc check", [mvlc, "check", mvl], mvl_lines),
            ("mvlc build", [mvlc, "build", mvl, "-o", out], mvl_lines),
        ]
        if luac:
            tools.append(("luac5.4 -p", [luac, "-p", luaf], lua_lines))
        for name, cmd, n in tools:
            sys.stderr.write(f"{name} on {n} lines ({label}) ...\n")
            t, mb, cpu = measure(cmd, args.runs)
            sizes[(name, label)] = cpu
            rows.append((name, label, n, t, n / t, cpu, n / cpu, mb))

    print(
        f"mvlc: `{mvlc}`; median of {args.runs} runs; peak RSS is the largest of the runs; "
        "CPU is user + system time (steadier than wall-clock time on a shared machine).\n"
    )
    print("| tool | program | lines | median s | lines/s | CPU s | lines/CPU s | peak MB | full/half CPU |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, label, n, t, rate, cpu, cpu_rate, mb in rows:
        ratio = ""
        if label == "full" and (name, "half") in sizes:
            ratio = f"{cpu / sizes[(name, 'half')]:.2f}"
        print(
            f"| `{name}` | {label} | {n:,} | {t:.3f} | {rate:,.0f} | {cpu:.3f} | {cpu_rate:,.0f} "
            f"| {mb:.0f} | {ratio} |"
        )

    hello_mvl = os.path.join(ROOT, "examples", "hello.mvl")
    hello_lua = os.path.join(workdir, "hello.lua")
    with open(hello_lua, "w") as f:
        f.write('print("Hello, world!")\n')
    starts = [("mvlc run hello.mvl", [mvlc, "run", hello_mvl])]
    if lua:
        starts.append(("lua5.4 hello.lua", [lua, hello_lua]))
    print(f"\nStart-up: median of {args.startup_runs} runs.\n")
    print("| command | median ms | fastest ms | peak MB |")
    print("| --- | ---: | ---: | ---: |")
    for name, cmd in starts:
        sys.stderr.write(f"{name} ...\n")
        _, mb, _ = run_once(cmd)  # warms the page cache; the peak memory
        fastest = []
        t, _, _ = measure(cmd, args.startup_runs, memory=False, fastest=fastest)
        print(f"| `{name}` | {t * 1000:.2f} | {fastest[0] * 1000:.2f} | {mb:.0f} |")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
