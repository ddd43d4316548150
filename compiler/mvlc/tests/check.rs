//! Checking, stage by stage, as data: every `.mvl` file under `tests/check/`
//! is parsed and type-checked (not lowered, not run), and what the checker
//! concluded is compared with the file's insta snapshot in
//! `tests/snapshots/`: the inferred signature of each function of the file
//! (`fib: fn(Int) -> Int`), then each diagnostic in one line
//! (`E0201 3:17 mismatched types: ...`), so that recovery after syntax
//! errors is tested by the same files. Each file is a test of its own:
//! `cargo test -p mvlc --test check -- fib`.

mod cases;

use libtest_mimic::Failed;
use mvl_compiler::db::{self, Database, Db};

/// What the checker says about `source`: signatures, then diagnostics.
fn check(path: &str, source: &str) -> String {
    let mut db = Database::default();
    let program = db.program(path, source.to_string());
    let mut out = String::new();
    for sig in db::signatures(&db, program) {
        out.push_str(&sig);
        out.push('\n');
    }
    let diags = db::check_diagnostics(&db, program);
    if !diags.is_empty() {
        out.push_str("---\n");
    }
    for d in diags {
        let file = db.source(d.primary.file);
        let lines = db::line_index(&db, file);
        let start = d.primary.span.start as usize;
        let line = lines.line(start);
        let col = start - lines.line_range(line).start + 1;
        out.push_str(&format!("{} {line}:{col} {}\n", d.code, d.message));
    }
    out
}

fn main() {
    cases::run_cases("check", "mvl", |name, path| {
        let source = std::fs::read_to_string(path).map_err(Failed::from)?;
        let shown = format!("tests/check/{name}.mvl");
        let output = check(&shown, &source);
        cases::snapshot(
            "snapshots",
            &format!("check__{name}"),
            format!("mvlc check {shown}"),
            &output,
        )
    })
}
