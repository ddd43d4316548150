//! A structure-aware generator of well-typed MVL programs that attack the
//! runtime's limits: they build big, shared and cyclic values and call the
//! natives with extreme sizes. And the resource oracle that judges a run of
//! one under `--max-heap 64M` and `--fuel`: it must end (in a result or a
//! clean runtime error) within a time bound, and the process's peak
//! resident memory must stay within 64 MB plus the documented constant
//! (`lang-spec/evaluation.md`, Limits).
//!
//! Every program is well-typed by construction: each statement template
//! uses variables of fixed types, declared at the top of `main`. The
//! cargo-fuzz target `limits` drives [`program`] from fuzzer bytes;
//! `tests/tests/hostile_fuzz.rs` runs a quick seeded batch on stable.

use crate::Rng;
use mvm_runtime::HostResult;
use std::time::{Duration, Instant};

/// The heap limit the oracle runs with.
pub const MAX_HEAP: usize = 64 << 20;

/// The documented constant: peak resident memory beyond the heap limit
/// (`lang-spec/evaluation.md`, Limits).
pub const SLACK: usize = 16 << 20;

/// The fuel the oracle runs with.
pub const FUEL: u64 = 2_000_000;

/// The longest a run may take: `FUEL` units at a generous bound per unit
/// (the measured worst is about 30 ns in a release build; a debug build is
/// some 30 times slower), plus start-up.
pub fn time_bound() -> Duration {
    let per_unit_ns: u64 = if cfg!(debug_assertions) { 2_000 } else { 200 };
    Duration::from_nanos(FUEL * per_unit_ns) + Duration::from_secs(2)
}

/// Sizes worth trying: empty, small, around the limits, past them.
const SIZES: &[&str] = &[
    "0",
    "1",
    "7",
    "1000",
    "65536",
    "1 << 20",
    "1 << 24",
    "1 << 30",
    "4000000000",
    "-1",
];

const DECLS: &str = "enum T {\n    L,\n    N(T, T),\n}\n\nenum Node {\n    N([Node]),\n}\n\n";

/// The variables every program starts with, and their types.
const START: &str = "    var s = \"ab\";\n    var t = \"x\";\n    var a = [1, 2, 3];\n    var b = [4];\n    var aa = [a, a];\n    var m = Map::new();\n    m.insert(a, 1);\n    var st = Set::new();\n    st.insert(aa);\n    var tr = T::L;\n    var mt = Map::new();\n    mt.insert(tr, 0);\n    let cyc = [];\n    cyc.push(Node::N(cyc));\n    var n = 0;\n";

/// One statement, from the templates, with sizes from [`SIZES`].
fn statement(rng: &mut Rng, depth: u32) -> String {
    let size = |rng: &mut Rng| SIZES[rng.below(SIZES.len() as u64) as usize];
    let small = |rng: &mut Rng| ["0", "1", "3", "20", "40"][rng.below(5) as usize];
    let k = rng.below(34);
    match k {
        0 => format!("s = s.repeat({});", small(rng)),
        1 => format!("t = \"ab\".repeat({});", size(rng)),
        2 => "s = s + s;".into(),
        3 => "s = \"{s}{t}{a}\";".into(),
        4 => "s = s.replace(\"a\", t);".into(),
        5 => "n = s.split(\"\").len();".into(),
        6 => "n = s.split(t).len();".into(),
        7 => "n = s.chars().len();".into(),
        8 => "t = s.to_upper();".into(),
        9 => format!("t = s.substring(0, {});", size(rng)),
        10 => "n = n + s.len();".into(),
        11 => format!("a = Array::filled({}, n);", size(rng)),
        12 => "a.push(n);".into(),
        13 => "a.sort();".into(),
        14 => "a.reverse();".into(),
        15 => "b = a.copy();".into(),
        16 => format!("b = a.slice(0, {});", size(rng)),
        17 => "s = a.join(t);".into(),
        18 => "s = aa.join(s);".into(),
        19 => "println(a == b);".into(),
        20 => format!("aa = Array::filled({}, a);", size(rng)),
        21 => "aa.push(a);".into(),
        22 => "m.insert(a, n);".into(),
        23 => "n = m.get(a).unwrap_or(0);".into(),
        24 => "st.insert(aa);".into(),
        25 => "st = st.union(st);".into(),
        26 => "tr = T::N(tr, tr);".into(),
        27 => "mt.insert(tr, n);".into(),
        28 => "println(tr == T::N(tr, tr));".into(),
        29 => "s = \"{tr}\";".into(),
        30 => "println(cyc);".into(),
        31 => "println(m);".into(),
        32 if depth < 2 => {
            let body = statement(rng, depth + 1);
            format!("for i in 0..{} {{ {body} }}", size(rng))
        }
        _ => "println(s.len());".into(),
    }
}

/// A program of up to `len` statements, chosen by `seed`.
pub fn program(seed: u64, len: usize) -> String {
    let mut rng = Rng(seed | 1);
    let mut out = String::from(DECLS);
    out.push_str("fn main() {\n");
    out.push_str(START);
    let n = 1 + rng.below(len.max(1) as u64) as usize;
    for _ in 0..n {
        out.push_str("    ");
        out.push_str(&statement(&mut rng, 0));
        out.push('\n');
    }
    out.push_str("    println(n);\n}\n");
    out
}

/// The peak resident memory of this process since the last reset, and a
/// reset (Linux: `/proc/self/status`' VmHWM, reset by writing 5 to
/// `/proc/self/clear_refs`). `None` where that is not available.
fn peak_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn current_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// What one run did.
#[derive(Debug)]
pub struct Run {
    /// `finished`, `exit N`, the runtime error's message, or `did not
    /// compile`.
    pub outcome: String,
    pub took: Duration,
    /// Peak resident memory during the run beyond what the process held
    /// when it started, if measurable.
    pub grew: Option<usize>,
}

/// Compiles `source` and runs it in this process under [`MAX_HEAP`] and
/// `fuel`, measuring time and memory. The memory measure is of the whole
/// process: run it where nothing else runs at the same time (a fuzz
/// target, a test binary with one test).
pub fn run(source: &str, fuel: u64) -> Run {
    let mut db = mvl_compiler::db::Database::default();
    let program = db.program("hostile.mvl", source.to_string());
    let Some(module) = mvl_compiler::db::compile(&db, program).clone() else {
        return Run {
            outcome: "did not compile".into(),
            took: Duration::ZERO,
            grew: None,
        };
    };
    let module = (*module).clone();
    drop(db);
    let config = mvm_runtime::VmConfig {
        fuel: Some(fuel),
        gc: mvm_runtime::GcConfig {
            max_heap: Some(MAX_HEAP),
            stress: false,
        },
        ..mvm_runtime::VmConfig::default()
    };
    let measurable = reset_peak_rss();
    let before = current_rss();
    let started = Instant::now();
    let outcome = match mvm_runtime::Vm::new(module, &mvl_stdlib::registry(), config) {
        Ok(mut vm) => match vm.run_to_end(&mut Discard::default()) {
            mvm_runtime::Outcome::Finished => "finished".into(),
            mvm_runtime::Outcome::Exit(code) => format!("exit {code}"),
            mvm_runtime::Outcome::Error(e) => e.message,
        },
        Err(e) => format!("refused: {e}"),
    };
    let took = started.elapsed();
    let grew = match (measurable, before, peak_rss()) {
        (true, Some(before), Some(peak)) => Some(peak.saturating_sub(before)),
        _ => None,
    };
    Run {
        outcome,
        took,
        grew,
    }
}

/// A host that drops the program's output (it is not what is judged) and
/// is otherwise a [`CaptureHost`](mvm_runtime::CaptureHost): no input, no
/// files, a clock at 0.
#[derive(Default)]
struct Discard(mvm_runtime::CaptureHost);

impl mvm_runtime::Host for Discard {
    fn write_stdout(&mut self, _: &[u8]) -> HostResult<()> {
        Ok(())
    }
    fn write_stderr(&mut self, _: &[u8]) -> HostResult<()> {
        Ok(())
    }
    fn read_line(&mut self) -> HostResult<Option<String>> {
        self.0.read_line()
    }
    fn read_all(&mut self) -> HostResult<String> {
        self.0.read_all()
    }
    fn args(&mut self) -> HostResult<Vec<String>> {
        self.0.args()
    }
    fn env_var(&mut self, name: &str) -> HostResult<Option<String>> {
        self.0.env_var(name)
    }
    fn read_file(&mut self, path: &str) -> HostResult<String> {
        self.0.read_file(path)
    }
    fn write_file(&mut self, path: &str, text: &str, append: bool) -> HostResult<()> {
        self.0.write_file(path, text, append)
    }
    fn exists(&mut self, path: &str) -> HostResult<bool> {
        self.0.exists(path)
    }
    fn list_dir(&mut self, path: &str) -> HostResult<Vec<String>> {
        self.0.list_dir(path)
    }
    fn remove(&mut self, path: &str) -> HostResult<()> {
        self.0.remove(path)
    }
    fn mkdir(&mut self, path: &str) -> HostResult<()> {
        self.0.mkdir(path)
    }
    fn now_ms(&mut self) -> HostResult<i64> {
        self.0.now_ms()
    }
    fn monotonic_ns(&mut self) -> HostResult<i64> {
        self.0.monotonic_ns()
    }
    fn sleep_ms(&mut self, ms: i64) -> HostResult<()> {
        self.0.sleep_ms(ms)
    }
    fn random_seed(&mut self) -> HostResult<u64> {
        self.0.random_seed()
    }
}

/// The resource oracle: the run of `source` ends within [`time_bound`],
/// and its memory grows by at most [`MAX_HEAP`] + [`SLACK`]. Panics with
/// the program otherwise; returns the run.
pub fn check(source: &str) -> Run {
    let run = run(source, FUEL);
    assert!(
        run.took <= time_bound(),
        "a run under --fuel {FUEL} took {:?} (bound {:?}): {}\n{source}",
        run.took,
        time_bound(),
        run.outcome
    );
    if let Some(grew) = run.grew {
        assert!(
            grew <= MAX_HEAP + SLACK,
            "a run under --max-heap 64M grew the process by {} MB: {}\n{source}",
            grew >> 20,
            run.outcome
        );
    }
    run
}
