//! Piped sessions as data: every `.repl` file under `tests/repl/` is fed to
//! `mvlc repl` on standard input (script mode: no prompts), and its standard
//! output, standard error and exit code are compared with the file's insta
//! snapshot in `tests/snapshots/`. Each file is a test of its own:
//! `cargo test -p mvlc --test repl -- basics`.

use libtest_mimic::{Arguments, Failed, Trial};
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
    let args = Arguments::from_args();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/repl");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "repl"));
    files.sort();
    assert!(!files.is_empty(), "no sessions in {}", dir.display());
    let trials = files
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Trial::test(name.clone(), move || {
                let input = std::fs::read(&path).map_err(Failed::from)?;
                let output = session(&input)?;
                let result = std::panic::catch_unwind(|| {
                    insta::with_settings!({
                        snapshot_path => "snapshots",
                        prepend_module_to_snapshot => false,
                        description => format!("mvlc repl < tests/repl/{name}.repl"),
                        omit_expression => true,
                    }, {
                        insta::assert_snapshot!(format!("repl__{name}"), output);
                    });
                });
                result.map_err(|_| {
                    Failed::from(format!("{name}: output changed (see the .snap.new)"))
                })
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
