//! `mvlc test`: its output (one line per test, the failures with their
//! output, messages and traces, a summary), its exit codes, `--filter`, and
//! that `run` leaves tests out. Run in-process with output captured.

fn temp_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("mvl-test-runner-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.to_string_lossy().into_owned()
}

/// Runs `mvlc ARGS` and returns the exit code, stdout and stderr, with the
/// temporary folder's path shown as `DIR`.
fn mvlc(args: &[&str]) -> (i32, String, String) {
    let (code, out, err) = mvl_tests::run_mvlc(args, None);
    let dir = std::env::temp_dir()
        .join(format!("mvl-test-runner-{}", std::process::id()))
        .to_string_lossy()
        .into_owned();
    (code, out.replace(&dir, "DIR"), err.replace(&dir, "DIR"))
}

const TESTS: &str = r#"fn add(a: Int, b: Int) -> Int { a + b }

test "adds numbers" {
    assert_eq(add(1, 2), 3);
}

test "a failing comparison" {
    println("printed before failing");
    assert_eq(add(2, 2), 5);
}

test "a loop that never ends" {
    while true { }
}

test "a plain assert" {
    assert(add(1, 1) == 2);
}

fn main() { println(add(40, 2)); }
"#;

#[test]
fn reports_each_test_then_the_failures_then_a_summary() {
    let path = temp_file("math.mvl", TESTS);
    let (code, out, err) = mvlc(&["test", "--fuel", "100000", &path]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err, "");
    insta::assert_snapshot!(out, @r#"
    test adds numbers ... ok
    test a failing comparison ... FAILED
    test a loop that never ends ... FAILED
    test a plain assert ... ok

    failures:

    ---- a failing comparison ----
    printed before failing
    error: assertion failed: `left == right`
      left: 4
     right: 5
      at assert_eq (<prelude>:494)
      at test "a failing comparison" (DIR/math.mvl:9)

    ---- a loop that never ends ----
    error: out of fuel: the program ran more than 100000 instructions (the `--fuel` limit)
      at test "a loop that never ends" (DIR/math.mvl:13)

    2 passed, 2 failed
    "#);
}

#[test]
fn filter_selects_by_name_and_passing_tests_exit_0() {
    let path = temp_file("filtered.mvl", TESTS);
    let (code, out, _) = mvlc(&["test", "--filter", "a plain", &path]);
    assert_eq!(code, 0);
    assert_eq!(out, "test a plain assert ... ok\n\n1 passed, 0 failed\n");
}

#[test]
fn run_and_build_leave_tests_out_and_a_test_file_needs_no_main() {
    let path = temp_file("with_main.mvl", TESTS);
    let (code, out, _) = mvlc(&["run", &path]);
    assert_eq!((code, out.as_str()), (0, "42\n"));
    // `test` is still an ordinary name where no test item starts.
    let only = temp_file(
        "only_tests.mvl",
        "fn test(x: Int) -> Int { x }\ntest \"uses a function named test\" { assert_eq(test(1), 1); }\n",
    );
    let (code, out, err) = mvlc(&["test", &only]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "test uses a function named test ... ok\n\n1 passed, 0 failed\n"
    );
}

#[test]
fn compile_errors_and_usage_errors() {
    let broken = temp_file("broken.mvl", "test \"mismatch\" { let x: Int = \"s\"; }\n");
    let (code, out, err) = mvlc(&["test", &broken]);
    assert_eq!(code, 1);
    assert!(err.contains("E0201"), "{err}");
    assert_eq!(out, "\n0 passed, 0 failed\n");
    for bad in [
        vec!["test", "--filter"],
        vec!["test", "--fuel", "0"],
        vec!["test", "--bogus"],
        vec!["test", "/no/such/file.mvl"],
    ] {
        assert_eq!(mvlc(&bad).0, 64, "{bad:?}");
    }
}

/// `--coverage FILE` writes lcov for the tests that ran: a test's lines
/// count their executions, and a function only the test calls is covered
/// (at `-O0`: at `-O`, `double(2)` is inlined and folded to 4, and no code
/// of `double` runs).
#[test]
fn coverage_of_a_test_run() {
    let path = temp_file(
        "covered.mvl",
        "fn double(x: Int) -> Int { x * 2 }\nfn unused() -> Int { 0 }\ntest \"doubles\" {\n    assert_eq(double(2), 4);\n}\n",
    );
    let info = temp_file("covered.info", "");
    let (code, _, err) = mvlc(&["test", "-O0", "--coverage", &info, &path]);
    assert_eq!(code, 0, "{err}");
    let lcov = std::fs::read_to_string(&info).expect("coverage written");
    assert!(
        lcov.contains("SF:") && lcov.contains("end_of_record"),
        "{lcov}"
    );
    assert!(lcov.contains("DA:1,1\n"), "{lcov}");
    assert!(lcov.contains("DA:2,0\n"), "{lcov}");
    assert!(lcov.contains("DA:4,1\n"), "{lcov}");
    assert!(lcov.contains("FNDA:1,double\n"), "{lcov}");
    assert_eq!(mvlc(&["test", "--coverage"]).0, 64);
}
