//! Hostile programs against the runtime's limits: library calls and
//! instructions whose work or result grows with their input (`replace`,
//! `join`, `repeat`, `pad_left`, `split`, `sort`, map keys, concatenation and
//! interpolation, display forms, `==`, `reflect::call_stack`) are charged
//! before they work (see
//! `mvm_runtime::native`), so under `--fuel` and `--max-heap` each ends
//! quickly in a clean `out of fuel` or `out of memory` runtime error (exit
//! 2, with a stack trace naming the line of the call), never an abort, a
//! hang or memory far past the limit. Peak resident memory is measured by
//! `bench/limits.py`, outside the test suite.

use mvlc::driver::{execute, Session};
use std::time::{Duration, Instant};

/// One hostile program of `tests/hostile/`, whose first line says what it
/// must do: `// hostile: line=L heap=fails|fits fuel=N`.
struct Case {
    name: String,
    source: String,
    /// The line of the call that must fail.
    line: usize,
    /// Under `--max-heap 64M` alone it must end in `out of memory` at
    /// `line` (`heap=fits`: the work fits that heap, and it may finish).
    heap_fails: bool,
    /// A fuel limit that the program's set-up fits in but the call does
    /// not: under it (and a heap limit of 4 GiB) it must end in `out of
    /// fuel` at `line` (`fuel=none`: the call needs more than 4 GiB).
    fuel: Option<u64>,
}

fn cases() -> Vec<Case> {
    let dir = mvl_tests::workspace_root().join("tests/hostile");
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/hostile") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "mvl") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("read");
        let name = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let header = source.lines().next().unwrap_or_default();
        let field = |key: &str| {
            header
                .split_whitespace()
                .find_map(|w| w.strip_prefix(key))
                .unwrap_or_else(|| panic!("{name}: no `{key}` in its first line"))
                .to_string()
        };
        cases.push(Case {
            line: field("line=").parse().expect("line"),
            heap_fails: field("heap=") == "fails",
            fuel: match field("fuel=").as_str() {
                "none" => None,
                n => Some(n.parse().expect("fuel")),
            },
            name,
            source,
        });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(cases.len() >= 10, "the hostile programs are missing");
    cases
}

/// Runs `mvlc run FLAGS FILE` in-process: exit code and standard error.
fn run(name: &str, source: &str, flags: &[&str]) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("mvl-hostile-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}.mvl"));
    std::fs::write(&path, source).expect("write");
    let mut args = vec!["run".to_string()];
    args.extend(flags.iter().map(|f| f.to_string()));
    args.push(path.to_string_lossy().into_owned());
    let started = Instant::now();
    let mut session = Session::captured();
    let code = execute(&args, &mut session);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "{name} {flags:?} took {took:?}"
    );
    (code, String::from_utf8_lossy(&session.stderr).into_owned())
}

/// The error and the line of its innermost frame in the program's file.
fn check_error(name: &str, flags: &[&str], code: i32, stderr: &str, want: &str, line: usize) {
    assert_eq!(code, 2, "{name} {flags:?}: {stderr}");
    assert!(
        stderr.starts_with(&format!("error: {want}")),
        "{name} {flags:?}: {stderr}"
    );
    // The innermost frame of the program's own file (a prelude method such
    // as `Array::sort` may come first).
    let frame = format!("{name}.mvl:{line})");
    let first = stderr.lines().skip(1).find(|l| !l.contains("(<prelude>:"));
    assert!(
        first.is_some_and(|l| l.starts_with("  at ") && l.ends_with(&frame)),
        "{name} {flags:?}: expected the trace to start at {frame}: {stderr}"
    );
}

#[test]
fn the_issue_limits_end_every_case_cleanly() {
    for case in cases() {
        let flags = ["--fuel", "100000", "--max-heap", "64M"];
        let (code, stderr) = run(&case.name, &case.source, &flags);
        assert_eq!(code, 2, "{}: {stderr}", case.name);
        assert!(
            stderr.starts_with("error: out of fuel") || stderr.starts_with("error: out of memory"),
            "{}: {stderr}",
            case.name
        );
        assert!(stderr.contains("  at main ("), "{}: {stderr}", case.name);
    }
}

#[test]
fn a_heap_limit_stops_each_call_before_it_allocates() {
    for case in cases().iter().filter(|c| c.heap_fails) {
        let flags = ["--max-heap", "64M"];
        let (code, stderr) = run(&case.name, &case.source, &flags);
        check_error(
            &case.name,
            &flags,
            code,
            &stderr,
            "out of memory",
            case.line,
        );
    }
}

#[test]
fn fuel_stops_each_call_before_it_works() {
    for case in cases() {
        let Some(fuel) = case.fuel else { continue };
        let fuel = fuel.to_string();
        let flags = ["--fuel", fuel.as_str(), "--max-heap", "4G"];
        let (code, stderr) = run(&case.name, &case.source, &flags);
        check_error(&case.name, &flags, code, &stderr, "out of fuel", case.line);
    }
}

#[test]
fn within_the_limits_the_same_calls_work() {
    // The charges refuse only what does not fit: the same calls on sizes
    // that fit give their results under the same limits.
    let source = "fn main() {\n    let a = \"ab\".repeat(1000);\n    println(a.replace(\"a\", \"xyz\").len());\n    println([1, 2, 3].join(\"--\"));\n    println(\"x\".repeat(10).split(\"\").len());\n    var xs = [3, 1, 2];\n    xs.sort();\n    println(xs);\n    var m = Map::new();\n    m.insert([1, 2], 3);\n    println(m.get([1, 2]));\n    let s = \"{a}{a}\";\n    println(s.len());\n    println(xs == [1, 2, 3]);\n}\n";
    let dir = std::env::temp_dir().join(format!("mvl-hostile-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("fits.mvl");
    std::fs::write(&path, source).expect("write");
    let args: Vec<String> = ["run", "--fuel", "100000", "--max-heap", "64M"]
        .iter()
        .map(|s| s.to_string())
        .chain([path.to_string_lossy().into_owned()])
        .collect();
    let mut session = Session::captured();
    let code = execute(&args, &mut session);
    let stderr = String::from_utf8_lossy(&session.stderr);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&session.stdout),
        "4000\n1--2--3\n10\n[1, 2, 3]\nSome(3)\n4000\ntrue\n"
    );
}

/// `mvm run FLAGS` on a module of `n` `nop`s: exit code and stderr.
fn run_nops(n: usize, flags: &[&str]) -> (u8, String) {
    use mvm_bytecode::ops::{Imm, Reg};
    use mvm_bytecode::{Function, Module, Op};
    let mut code = vec![Op::LoadInt {
        dst: Reg(0),
        imm: Imm(0),
    }];
    code.extend(std::iter::repeat_n(Op::Nop {}, n));
    code.push(Op::Ret { src: Reg(0) });
    let module = Module {
        functions: vec![Function {
            name: "main".into(),
            arity: 0,
            params: vec![],
            result: mvm_bytecode::ops::ValType::Any,
            n_regs: 1,
            file: 0,
            code,
            lines: vec![],
            inlined: vec![],
        }],
        files: vec!["nops.mvasm".into()],
        ..Module::default()
    };
    let dir = std::env::temp_dir().join(format!("mvl-hostile-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("nops-{n}.mvb"));
    std::fs::write(&path, module.to_bytes()).expect("write");
    let mut args: Vec<String> = vec!["run".into()];
    args.extend(flags.iter().map(|f| f.to_string()));
    args.push(path.to_string_lossy().into_owned());
    let mut io = mvm::Io::captured();
    let code = mvm::execute(&args, &mut io);
    (code, String::from_utf8_lossy(&io.stderr).into_owned())
}

#[test]
fn the_loaded_module_counts_against_the_heap_limit() {
    // A million one-byte `nop`s: 1 MB on disk, 16 MB decoded.
    let n = 1_000_000;
    // The file itself is larger than the limit: refused unread.
    let (code, stderr) = run_nops(n, &["--max-heap", "512K"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("error: out of memory: reading"),
        "{stderr}"
    );
    // The file fits, its decoded instructions do not: refused before
    // they are decoded.
    let (code, stderr) = run_nops(n, &["--max-heap", "8M"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("error: out of memory: loading"),
        "{stderr}"
    );
    // With room for it, it runs; without a limit too.
    assert_eq!(run_nops(n, &["--max-heap", "32M"]), (0, String::new()));
    assert_eq!(run_nops(n, &[]), (0, String::new()));
    // A compiled module counts too: with its constants, type descriptors
    // and decoded instructions, `main` alone is larger than 2 KiB.
    let (code, stderr) = run(
        "tiny_heap",
        "fn main() {\n    println(1);\n}\n",
        &["--max-heap", "2K"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("error: out of memory: the loaded module"),
        "{stderr}"
    );
}

#[test]
fn garbage_is_collected_before_a_charge_is_refused() {
    // Each 20 MB string is garbage by the next: the heap's count holds it
    // until a collection, so the third `repeat` fits only after one, which
    // the charge asks for (and the call is made again) instead of failing.
    let source = "fn main() {\n    var n = 0;\n    for i in 0..6 {\n        let s = \"x\".repeat(20 << 20);\n        n += s.len();\n    }\n    println(n);\n}\n";
    let dir = std::env::temp_dir().join(format!("mvl-hostile-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("garbage.mvl");
    std::fs::write(&path, source).expect("write");
    let args: Vec<String> = vec![
        "run".into(),
        "--max-heap".into(),
        "64M".into(),
        path.to_string_lossy().into_owned(),
    ];
    let mut session = Session::captured();
    let code = execute(&args, &mut session);
    let stderr = String::from_utf8_lossy(&session.stderr);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(String::from_utf8_lossy(&session.stdout), "125829120\n");
}

#[test]
fn input_is_read_once_when_its_charge_asks_for_a_collection() {
    // Twenty lines of 2 MB under a 12 MB heap: the lines read before are
    // garbage the heap still counts, so the charge for a line asks for a
    // collection again and again, and the call is made again; each
    // second attempt must get the line the first one read, not the next.
    let source = "fn main() {\n    var n = 0;\n    var total = 0;\n    while let Some(line) = io::read_line() {\n        n += 1;\n        total += line.len();\n    }\n    println(\"{n} {total}\");\n}\n";
    let dir = std::env::temp_dir().join(format!("mvl-hostile-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("read_lines.mvl");
    std::fs::write(&path, source).expect("write");
    let line = "y".repeat(2 << 20);
    let input: String = (0..20).map(|_| format!("{line}\n")).collect();
    let args: Vec<String> = vec![
        "run".into(),
        "--max-heap".into(),
        "12M".into(),
        path.to_string_lossy().into_owned(),
    ];
    let mut session = Session::captured();
    session.stdin = Some(input.into_bytes());
    let code = execute(&args, &mut session);
    let stderr = String::from_utf8_lossy(&session.stderr);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&session.stdout),
        format!("20 {}\n", 20 * (2 << 20))
    );
}

/// `unsafe` code lives in one audited module, `mvm_runtime::proved` (the
/// workspace lint denies it elsewhere; this keeps anyone from allowing it).
#[test]
fn unsafe_code_stays_in_proved_rs() {
    let root = mvl_tests::workspace_root();
    let mut found = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("a readable folder")
            .flatten()
        {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let uses = ["unsafe {", "unsafe fn", "unsafe impl", "allow(unsafe_code)"]
                    .iter()
                    .any(|w| text.contains(w));
                if uses {
                    found.push(path.strip_prefix(&root).unwrap_or(&path).to_path_buf());
                }
            }
        }
    }
    found.retain(|p| !p.ends_with("tests/tests/hostile_runtime.rs"));
    assert_eq!(
        found,
        [std::path::PathBuf::from("vm/runtime/src/proved.rs")],
        "unsafe code outside vm/runtime/src/proved.rs"
    );
}
