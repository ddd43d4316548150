//! The examples suite: every program under `examples/` is compiled and run
//! with `mvlc run`, and its exit code, stdout and stderr are compared with
//! its insta snapshot in `tests/snapshots/`. Adding an example is adding a
//! file (then reviewing its new snapshot with `cargo insta review`).
//! Comments among a program's first lines set up its run (see
//! [`mvl_tests::ExampleSetup`]): `// run-with: FLAGS` passes options such
//! as `--fuel 1000` to `mvlc run`, `// args: ARGS` gives the program
//! arguments and `// stdin: FILE` its standard input; files it reads are
//! under `examples/data/`.

use mvlc::driver::{execute, Session};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs one command of `mvlc` in-process and renders what a user would see.
fn run_mvlc(args: &[String], stdin: Option<Vec<u8>>) -> String {
    let mut session = Session::captured();
    session.stdin = stdin;
    let code = execute(args, &mut session);
    format!(
        "exit: {code}\n--- stdout\n{}--- stderr\n{}",
        String::from_utf8_lossy(&session.stdout),
        String::from_utf8_lossy(&session.stderr)
    )
}

fn snapshot_name(path: &str) -> String {
    path.trim_end_matches(".mvl").replace('/', "__")
}

/// One test per example, named by its path under `examples/` without
/// `.mvl` (`cargo test -p mvl-tests --test examples -- errors/missing_module`).
fn main() {
    let args = libtest_mimic::Arguments::from_args();
    std::env::set_current_dir(mvl_tests::workspace_root()).expect("workspace root exists");
    let programs = mvl_tests::example_programs();
    assert!(
        programs.len() >= 30,
        "expected the example programs, found {}",
        programs.len()
    );
    let trials = programs
        .into_iter()
        .map(|path| {
            let name = mvl_tests::example_name(&path);
            libtest_mimic::Trial::test(name, move || {
                let setup = mvl_tests::ExampleSetup::of(&path);
                let output = run_mvlc(&setup.command(&path), setup.stdin.clone());
                catch_unwind(AssertUnwindSafe(|| {
                    insta::with_settings!({
                        snapshot_path => "../snapshots",
                        prepend_module_to_snapshot => false,
                        description => format!("mvlc run {path}"),
                        omit_expression => true,
                    }, {
                        insta::assert_snapshot!(snapshot_name(&path), output);
                    });
                }))
                .map_err(|_| format!("{path}: output changed (see its .snap.new)").into())
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
