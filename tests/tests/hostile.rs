//! Hostile sources: whatever the input, `mvlc` ends with a diagnostic (exit
//! 1), a usage error (64) or a compiled program, quickly, never a panic, a
//! host stack overflow or a hang.

use mvlc::driver::{execute, Session};
use std::time::{Duration, Instant};

fn temp_file(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("mvl-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.to_string_lossy().into_owned()
}

/// Runs `mvlc check` on `source`, on a thread with the stack `mvlc`'s own
/// main thread has; returns the exit code and stderr size.
fn check(name: &str, source: &[u8]) -> (i32, usize) {
    let path = temp_file(name, source);
    let started = Instant::now();
    let worker = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || {
            let mut session = Session::captured();
            let code = execute(&["check".to_string(), path], &mut session);
            (code, session.stderr.len())
        })
        .expect("thread starts");
    let result = worker.join().expect("mvlc must not panic");
    // A guard against hangs, not a speed test: generous enough for a debug
    // build on a loaded two-core machine (speed is measured in `bench/`).
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{name} took {:?}",
        started.elapsed()
    );
    result
}

/// A deterministic generator of bytes.
fn bytes(n: usize, seed: u64, printable: bool) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if printable {
                32 + (x % 95) as u8
            } else {
                x as u8
            }
        })
        .collect()
}

#[test]
fn deep_nesting_is_a_diagnostic() {
    let n = 100_000;
    let cases = [
        (
            "parens",
            format!(
                "fn main() {{ let x = {}1{}; }}",
                "(".repeat(n),
                ")".repeat(n)
            ),
        ),
        (
            "blocks",
            format!("fn main() {{ {}{} }}", "{ ".repeat(n), "} ".repeat(n)),
        ),
        (
            "ifs",
            format!(
                "fn main() {{ {}{} }}",
                "if true { ".repeat(n),
                "} ".repeat(n)
            ),
        ),
        (
            "minus",
            format!("fn main() {{ let x = {}1; }}", "-".repeat(n)),
        ),
        (
            "brackets",
            format!(
                "fn main() {{ let x = {}1{}; }}",
                "[".repeat(n),
                "]".repeat(n)
            ),
        ),
        (
            "holes",
            format!("fn main() {{ let x = {}; }}", "\"{".repeat(2000)),
        ),
    ];
    for (name, src) in cases {
        let (code, err) = check(name, src.as_bytes());
        assert_eq!(code, 1, "{name}");
        assert!(err < 100_000, "{name}: {err} bytes of diagnostics");
    }
}

#[test]
fn long_flat_expressions_compile() {
    let src = format!(
        "fn main() {{ let x = {}; println(x); }}",
        vec!["1"; 50_000].join(" + ")
    );
    assert_eq!(check("long_sum", src.as_bytes()).0, 0);
}

#[test]
fn garbage_is_a_diagnostic() {
    let (code, err) = check("random_printable", &bytes(2 << 20, 7, true));
    assert_eq!(code, 1);
    assert!(err < 100_000, "{err} bytes of diagnostics");
    let (code, _) = check("random_bytes", &bytes(2 << 20, 11, false));
    assert_eq!(code, 1);
    let (code, _) = check("invalid_utf8", b"fn main() { \xff\xfe }");
    assert_eq!(code, 1);
}

#[test]
fn edge_cases_end_cleanly() {
    assert_eq!(check("empty", b"").0, 1);
    let big = format!(
        "fn main() {{ let s = \"{}\"; println(s.len()); }}",
        "x".repeat(5 << 20)
    );
    assert_eq!(check("big_string", big.as_bytes()).0, 0);
    let mut session = Session::captured();
    let code = execute(
        &["check".into(), "/nonexistent/file.mvl".into()],
        &mut session,
    );
    assert_eq!(code, 64);
}

#[test]
fn deep_type_annotations_are_a_diagnostic() {
    // `<` and `>` of type arguments count toward the nesting limit, like
    // brackets: a million `Option<` is refused, not lowered by recursion.
    let n = 1_000_000;
    let src = format!(
        "fn main() {{ let x: {}Int{} = None; println(1); }}",
        "Option<".repeat(n),
        ">".repeat(n)
    );
    let (code, err) = check("deep_option", src.as_bytes());
    assert_eq!(code, 1);
    assert!(err < 100_000, "{err} bytes of diagnostics");
    // Within the limit, a deep annotation type-checks.
    let src = format!(
        "fn main() {{ let x: {}Int{} = None; println(1); }}",
        "Option<".repeat(200),
        ">".repeat(200)
    );
    assert_eq!(check("option_200", src.as_bytes()).0, 0);
}

#[test]
fn deeply_nested_closures_compile() {
    // Each closure's type holds the next one's: the occurs check, resolution
    // and generalisation walk types of any depth without recursion, and
    // without walking the same ground type again at every level.
    let n = 20_000;
    let src = format!("fn main() {{ let f = {}1; println(1); }}", "|| ".repeat(n));
    assert_eq!(check("nested_closures", src.as_bytes()).0, 0);
}
