#!/usr/bin/env python3
"""Latency of `mvlc lsp`, driven over stdio like an editor.

For generated programs of 12,000 and 100,000 lines (one file of small,
annotated functions calling each other), it measures:
  - first diagnostics: from didOpen to the first publishDiagnostics;
  - body edit: a one-line didChange inside one function's body (it adds a
    type error, then removes it) to the publishDiagnostics that follows;
  - signature edit: a didChange of one parameter's type in a function that
    others call (errors appear at its callers, then go) to its
    publishDiagnostics;
  - item added: a didChange inserting a new function (with a type error)
    before `main`, then one removing it, each to its publishDiagnostics;
  - the server's resident memory (VmRSS, VmHWM) at the end.
Each edit is timed REPS times; the median is reported.

    cargo build --release -p mvlc && python3 bench/lsp.py [--mvlc PATH] [--reps N]
"""
import os, sys
# bench/json.py (a benchmark) would shadow the standard library's json.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]
import argparse, json, statistics, subprocess, tempfile, time

def program(lines):
    """About `lines` lines: functions of 10 lines, each calling the previous."""
    out = []
    n = max(2, lines // 10)
    for i in range(n):
        prev = f"f{i - 1}(x - 1)" if i > 0 else "x"
        out += [
            f"fn f{i}(x: Int) -> Int {{",
            f"    let a = x + {i};",
            f"    let b = a * 2;",
            f"    let c = if b > 10 {{ b - 1 }} else {{ b + 1 }};",
            f"    let d = c % 7;",
            f"    let e = d + a;",
            f"    let s = \"v{{e}}\";",
            f"    let t = s.len();",
            f"    {prev} + t",
            f"}}",
        ]
    out += ["fn main() {", f"    println(f{n - 1}(3));", "}"]
    return "\n".join(out) + "\n", n

class Server:
    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next = 0

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self):
        length = 0
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise SystemExit("the server closed its output")
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.p.stdout.read(length))

    def request(self, method, params):
        self.next += 1
        self.send({"jsonrpc": "2.0", "id": self.next, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == self.next:
                return m

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self):
        """Waits for the next publishDiagnostics; returns how many it holds."""
        while True:
            m = self.read()
            if m.get("method") == "textDocument/publishDiagnostics":
                return len(m["params"]["diagnostics"])

    def memory(self):
        out = {}
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS", "VmHWM")):
                    k, v = line.split(":")
                    out[k] = int(v.split()[0]) // 1024
        return out

def change(server, uri, version, line, start, end, text):
    server.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [{"range": {"start": {"line": line, "character": start},
                                      "end": {"line": line, "character": end}},
                            "text": text}]})

def bench(mvlc, lines, reps):
    text, n = program(lines)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "main.mvl")
        with open(path, "w") as f:
            f.write(text)
        uri = "file://" + path
        s = Server([mvlc, "lsp"])
        s.request("initialize", {"capabilities": {}})
        s.notify("initialized", {})
        t0 = time.perf_counter()
        s.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "mvl", "version": 1, "text": text}})
        assert s.diagnostics() == 0
        first = time.perf_counter() - t0
        version = 1
        k = n // 2
        # body edit: `let b = a * 2;` in f{k} becomes `let b = a * true;` and back
        body_line = k * 10 + 2
        col = len("    let b = a * ")
        body = []
        for _ in range(reps):
            for new, old_len, want in (("true", 1, 1), ("2", 4, 0)):
                version += 1
                t0 = time.perf_counter()
                change(s, uri, version, body_line, col, col + old_len, new)
                got = s.diagnostics()
                body.append(time.perf_counter() - t0)
                assert (got > 0) == (want > 0), (got, want)
        # signature edit: `fn f{k}(x: Int)` becomes `x: Bool` (its body and
        # its caller fail) and back
        sig_line = k * 10
        col = len(f"fn f{k}(x: ")
        sig = []
        for _ in range(reps):
            for new, old_len, want in (("Bool", 3, 1), ("Int", 4, 0)):
                version += 1
                t0 = time.perf_counter()
                change(s, uri, version, sig_line, col, col + old_len, new)
                got = s.diagnostics()
                sig.append(time.perf_counter() - t0)
                assert (got > 0) == (want > 0), (got, want)
        # item added: a new function before `main`, then removed again
        add_line = n * 10
        # (with a type error, so that each change publishes new diagnostics)
        new_fn = "fn added(x: Int) -> Int { x + true }\n"
        add = []
        for _ in range(reps):
            for start, end, new, want in (((add_line, 0), (add_line, 0), new_fn, 1),
                                          ((add_line, 0), (add_line + 1, 0), "", 0)):
                version += 1
                t0 = time.perf_counter()
                s.notify("textDocument/didChange", {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"range": {
                        "start": {"line": start[0], "character": start[1]},
                        "end": {"line": end[0], "character": end[1]}}, "text": new}]})
                got = s.diagnostics()
                add.append(time.perf_counter() - t0)
                assert (got > 0) == (want > 0), (got, want)
        mem = s.memory()
        s.request("shutdown", None)
        s.notify("exit", None)
        s.p.wait(timeout=30)
    ms = lambda xs: statistics.median(xs) * 1000
    return {"lines": text.count("\n"), "first_ms": first * 1000, "body_ms": ms(body),
            "signature_ms": ms(sig), "add_ms": ms(add), "rss_mb": mem.get("VmRSS"), "peak_mb": mem.get("VmHWM")}

def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--mvlc", default=os.path.join(here, "..", "target", "release", "mvlc"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--lines", type=int, nargs="*", default=[12000, 100000])
    a = ap.parse_args()
    print("| lines | first diagnostics | body edit | signature edit | item added | RSS | peak RSS |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in a.lines:
        r = bench(a.mvlc, n, a.reps)
        print(f"| {r['lines']:,} | {r['first_ms']:.0f} ms | {r['body_ms']:.1f} ms | "
              f"{r['signature_ms']:.1f} ms | {r['add_ms']:.1f} ms | {r['rss_mb']} MB | {r['peak_mb']} MB |")
        sys.stdout.flush()

if __name__ == "__main__":
    main()
