//! Piped sessions as data: every `.repl` file under `tests/repl/` is fed to
//! `mvlc repl` on standard input (script mode: no prompts), and its standard
//! output, standard error and exit code are compared with the file's insta
//! snapshot in `tests/snapshots/`. Each file is a test of its own:
//! `cargo test -p mvlc --test repl -- basics`.

mod cases;

use libtest_mimic::Failed;
use std::io::Write;
use std::process::{Command, Stdio};

fn session(input: &[u8]) -> Result<String, Failed> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mvlc"))
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(Failed::from)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input).map_err(Failed::from)?;
    }
    let out = child.wait_with_output().map_err(Failed::from)?;
    Ok(format!(
        "--- stdout\n{}--- stderr\n{}--- exit {}\n",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1)
    ))
}

fn main() {
    cases::run_cases("repl", "repl", |name, path| {
        let input = std::fs::read(path).map_err(Failed::from)?;
        let output = session(&input)?;
        cases::snapshot(
            "snapshots",
            &format!("repl__{name}"),
            format!("mvlc repl < tests/repl/{name}.repl"),
            &output,
        )
    })
}
