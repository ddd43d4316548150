//! `mvlc test`: finds the `test "name" { .. }` items of the files given,
//! runs each in a fresh VM (with a default fuel limit, so a test that hangs
//! fails instead of hanging) and reports one line per test, then the
//! failures with their output, messages and traces, then a summary.
//!
//! Tests run on the in-memory host (`mvm_runtime::CaptureHost`): their
//! output is captured (and shown for failures), standard input is empty,
//! there are no files or environment, the clock stands at 0 and the random
//! seed is 0, so that a test gives the same result every run.

use crate::driver::{Session, EXIT_COMPILE_ERROR, EXIT_OK, EXIT_USAGE};
use mvl_compiler::db::{self, Database};

pub const TEST_USAGE: &str = "\
Usage: mvlc test [OPTIONS] [FILES or DIRS...]

Runs the `test \"name\" { .. }` items of each FILE (a DIR means every .mvl
file under it; without FILES, the current folder). Each test runs in a fresh
VM on an in-memory host (no files or environment, empty standard input, the
clock at 0, random seed 0); its output is shown only when it fails.

Options:
  --filter TEXT   run only the tests whose name contains TEXT
  --fuel N        the instructions each test may execute (default 100000000)
  --coverage FILE write the line and function coverage of every test run, in
                  lcov's tracefile format
  -O0             compile without the MIR optimisation passes (-O: with
                  them, the default)
  --message-format human|short|json   how compile errors are written
  --color auto|always|never           colour compile errors
  -h, --help      show this help

Output: `test NAME ... ok` or `... FAILED` per test, then each failure's
output, message and trace, then `N passed, M failed`.
Exit codes: 0 every test passed, 1 a test failed or a file did not compile,
64 usage error.
";

/// The instructions a test may execute unless `--fuel` says otherwise.
pub const DEFAULT_TEST_FUEL: u64 = 100_000_000;

/// `mvlc test`.
pub fn cmd_test(args: &[String], session: &mut Session) -> i32 {
    if crate::driver::wants_help(args) {
        crate::driver::print_out(session, TEST_USAGE.as_bytes());
        return EXIT_OK;
    }
    let mut filter: Option<String> = None;
    let mut coverage: Option<String> = None;
    let mut fuel = DEFAULT_TEST_FUEL;
    let mut paths: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        i += 1;
        match crate::driver::diagnostic_option(arg, args.get(i), session) {
            Ok(0) => {}
            Ok(n) => {
                i += n - 1;
                continue;
            }
            Err(message) => return usage(session, &message),
        }
        if crate::driver::opt_option(arg, session) {
            continue;
        }
        match arg.as_str() {
            "--filter" => match args.get(i) {
                Some(text) => {
                    filter = Some(text.clone());
                    i += 1;
                }
                None => return usage(session, "--filter needs a TEXT"),
            },
            "--coverage" => match args.get(i) {
                Some(file) => {
                    coverage = Some(file.clone());
                    i += 1;
                }
                None => return usage(session, "--coverage needs a FILE to write"),
            },
            "--fuel" => match args.get(i).and_then(|n| n.parse::<u64>().ok()) {
                Some(n) if n > 0 => {
                    fuel = n;
                    i += 1;
                }
                _ => return usage(session, "--fuel needs a positive number"),
            },
            a if a.starts_with('-') && a.len() > 1 => {
                return usage(session, &format!("unknown option `{a}`"))
            }
            a => paths.push(a.to_string()),
        }
    }
    if paths.is_empty() {
        paths.push(".".to_string());
    }
    let mut files = Vec::new();
    for p in &paths {
        let path = std::path::Path::new(p);
        if path.is_dir() {
            crate::driver::collect_sources(path, &mut files);
        } else if path.exists() {
            files.push(p.clone());
        } else {
            return usage(session, &format!("`{p}` does not exist"));
        }
    }
    let mut report = Report::default();
    let mut lcov = coverage.as_ref().map(|_| String::new());
    for file in &files {
        run_file(
            file,
            filter.as_deref(),
            fuel,
            session,
            &mut report,
            lcov.as_mut(),
        );
    }
    let out = report.finish();
    crate::driver::print_out(session, out.as_bytes());
    if let (Some(path), Some(text)) = (&coverage, &lcov) {
        if let Err(e) = std::fs::write(path, text) {
            session.err(&format!("mvlc test: cannot write `{path}`: {e}\n"));
            return crate::driver::EXIT_IO_ERROR;
        }
    }
    if report.failed == 0 && !report.broken {
        EXIT_OK
    } else {
        EXIT_COMPILE_ERROR
    }
}

fn usage(session: &mut Session, message: &str) -> i32 {
    session.err(&format!("mvlc test: {message}\n\n{TEST_USAGE}"));
    EXIT_USAGE
}

/// What the run found, written at the end.
#[derive(Default)]
struct Report {
    lines: String,
    failures: Vec<(String, String)>,
    passed: usize,
    failed: usize,
    /// A file did not compile.
    broken: bool,
}

impl Report {
    fn finish(&self) -> String {
        let mut out = self.lines.clone();
        if !self.failures.is_empty() {
            out.push_str("\nfailures:\n");
            for (name, detail) in &self.failures {
                out.push_str(&format!("\n---- {name} ----\n{detail}"));
                if !detail.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        out.push_str(&format!(
            "\n{} passed, {} failed\n",
            self.passed, self.failed
        ));
        out
    }
}

/// Compiles one file with its tests and runs those that pass the filter;
/// with `lcov`, adds the coverage of those runs to it.
fn run_file(
    path: &str,
    filter: Option<&str>,
    fuel: u64,
    session: &mut Session,
    report: &mut Report,
    lcov: Option<&mut String>,
) {
    let Ok(text) = crate::driver::read_source(path, session) else {
        report.broken = true;
        return;
    };
    let mut db = Database::default();
    let program = db.program(path, text);
    db.set_opt_level(program, session.opt_level);
    let compiled = db::compile_tests(&db, program).clone();
    let diags = db::test_diagnostics(&db, program);
    session.diagnostics(&db, &diags);
    let Some(compiled) = compiled else {
        if diags.iter().any(|d| d.is_error()) {
            report.broken = true;
        }
        return;
    };
    let natives = mvl_stdlib::registry();
    let mut observers = mvm_runtime::Observers {
        profiler: None,
        coverage: lcov
            .is_some()
            .then(|| mvm_runtime::Coverage::new(&compiled.module)),
        stats: None,
    };
    for (name, index) in &compiled.tests {
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let mut module = (*compiled.module).clone();
        module.entry = *index;
        let mut host = mvm_runtime::CaptureHost::default();
        let config = mvm_runtime::VmConfig {
            fuel: Some(fuel),
            ..mvm_runtime::VmConfig::default()
        };
        let outcome = if observers.coverage.is_some() {
            mvm_runtime::run_module_observed(module, &natives, config, &mut host, &mut observers)
        } else {
            mvm_runtime::run_module(module, &natives, config, &mut host)
        };
        let output = String::from_utf8_lossy(&host.stdout).into_owned()
            + &String::from_utf8_lossy(&host.stderr);
        let failure = match outcome {
            Ok(mvm_runtime::Outcome::Finished) => None,
            Ok(mvm_runtime::Outcome::Exit(code)) => Some(format!("the test called exit({code})\n")),
            Ok(mvm_runtime::Outcome::Error(e)) => Some(e.to_string()),
            Err(e) => Some(format!("internal error: the test does not load: {e}\n")),
        };
        match failure {
            None => {
                report.passed += 1;
                report.lines.push_str(&format!("test {name} ... ok\n"));
            }
            Some(message) => {
                report.failed += 1;
                report.lines.push_str(&format!("test {name} ... FAILED\n"));
                report.failures.push((name.clone(), output + &message));
            }
        }
    }
    if let (Some(text), Some(c)) = (lcov, &observers.coverage) {
        text.push_str(&c.lcov(&compiled.module, |f| {
            std::fs::canonicalize(f)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| f.to_string())
        }));
    }
}
