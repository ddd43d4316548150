//! The formatter (`mvlc fmt`) never changes what a program means and is
//! idempotent: every example under `examples/` and every source of the fuzz
//! corpora (`fuzz/corpus/parse`, `fuzz/corpus/front_end`) that parses is
//! formatted, formatted again (which must change nothing), and compiled
//! before and after: the bytecode must be the same apart from line tables
//! and file names, or, for a program that does not compile, the
//! diagnostics (code, severity and message) must be the same.

use mvl_compiler::db::{self, Database};
use mvl_syntax::format::{format_source, FormatError};
use std::path::{Path, PathBuf};

/// What compiling a program yields, without what formatting may change
/// (line tables and the lines of inlined calls, the file's own path).
#[derive(Debug, PartialEq)]
enum Outcome {
    Bytecode(Vec<u8>),
    Diagnostics(Vec<(String, bool, String)>),
}

fn compile(path: &str, text: String) -> Outcome {
    let mut db = Database::default();
    let program = db.program(path, text);
    let module = db::compile(&db, program).clone();
    let diags = db::diagnostics(&db, program);
    match module {
        Some(m) if !diags.iter().any(|d| d.is_error()) => {
            let mut m = (*m).clone();
            for f in &mut m.functions {
                f.lines.clear();
                for frame in f.inlined.iter_mut().flat_map(|e| &mut e.frames) {
                    frame.call_line = 0;
                }
            }
            m.files.clear();
            Outcome::Bytecode(m.to_bytes())
        }
        _ => Outcome::Diagnostics(
            diags
                .iter()
                .map(|d| (d.code.to_string(), d.is_error(), d.message.clone()))
                .collect(),
        ),
    }
}

/// Formats `text` twice; `None` if it has syntax errors. Panics when the
/// second pass changes anything.
fn format_twice(name: &str, text: &str) -> Option<String> {
    let once = match format_source(text) {
        Ok(once) => once,
        Err(FormatError::Syntax(_)) => return None,
        Err(FormatError::Unsafe(why)) => panic!("{name}: {why}"),
    };
    let twice = format_source(&once)
        .unwrap_or_else(|e| panic!("{name}: the formatted text does not format: {e:?}\n{once}"));
    assert_eq!(once, twice, "{name}: formatting twice changed the text");
    Some(once)
}

/// Runs `f` on a stack as big as `mvlc`'s (hostile sources nest deeply).
fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    let worker = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(f)
        .expect("thread starts");
    if let Err(e) = worker.join() {
        std::panic::resume_unwind(e);
    }
}

fn mvl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            mvl_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "mvl") {
            out.push(p);
        }
    }
}

/// A fresh scratch folder under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Every example, formatted into a copy of `examples/` (so imports find
/// formatted modules), compiles to what the original compiles to.
#[test]
fn formatting_examples_keeps_their_meaning() {
    on_big_stack(|| {
        let root = mvl_tests::workspace_root();
        let examples = root.join("examples");
        let copy = scratch("formatted-examples");
        let mut files = Vec::new();
        mvl_files(&examples, &mut files);
        files.sort();
        assert!(
            files.len() >= 30,
            "expected the examples, found {}",
            files.len()
        );
        let mut formatted = 0;
        let mut broken = 0;
        for f in &files {
            let rel = f.strip_prefix(&examples).expect("under examples");
            let text = std::fs::read_to_string(f).expect("example is readable");
            let out = copy.join(rel);
            std::fs::create_dir_all(out.parent().expect("has a folder")).expect("folder");
            let new = format_twice(&rel.display().to_string(), &text);
            formatted += usize::from(new.is_some());
            broken += usize::from(!mvl_syntax::parse_file(&text).1.is_empty());
            std::fs::write(&out, new.unwrap_or(text)).expect("scratch file");
        }
        // Only the examples of syntax errors do not format.
        assert!(
            formatted + broken >= files.len(),
            "only {formatted} examples formatted, {broken} have syntax errors"
        );
        for f in &files {
            let rel = f.strip_prefix(&examples).expect("under examples");
            let out = copy.join(rel);
            let original = std::fs::read_to_string(f).expect("readable");
            let new = std::fs::read_to_string(&out).expect("readable");
            let before = compile(&f.to_string_lossy(), original);
            let after = compile(&out.to_string_lossy(), new);
            assert_eq!(
                before,
                after,
                "{}: formatting changed the program",
                rel.display()
            );
        }
    });
}

/// Every source the fuzzers kept that parses formats, idempotently, to a
/// program that compiles to the same bytecode or the same diagnostics.
#[test]
fn formatting_fuzz_corpus_keeps_its_meaning() {
    on_big_stack(|| {
        let root = mvl_tests::workspace_root().join("fuzz/corpus");
        let mut formatted = 0;
        for target in ["parse", "front_end"] {
            let mut inputs: Vec<PathBuf> = std::fs::read_dir(root.join(target))
                .expect("corpus folder")
                .flatten()
                .map(|e| e.path())
                .collect();
            inputs.sort();
            for path in inputs {
                let name = path.display().to_string();
                let Ok(text) = String::from_utf8(std::fs::read(&path).expect("readable")) else {
                    continue;
                };
                let Some(new) = format_twice(&name, &text) else {
                    continue;
                };
                formatted += 1;
                assert_eq!(
                    compile("corpus.mvl", text),
                    compile("corpus.mvl", new),
                    "{name}: formatting changed the program"
                );
            }
        }
        assert!(formatted >= 50, "only {formatted} corpus sources formatted");
    });
}

/// Deep and long constructs (the nesting limit's worth of brackets, long
/// operator and method chains) format without exhausting the stack.
#[test]
fn hostile_shapes_format() {
    on_big_stack(|| {
        let sources = [
            format!(
                "fn main() {{ let p = {}1{}; }}",
                "(".repeat(250),
                ")".repeat(250)
            ),
            format!("fn main() {{ let n = 0{}; }}", " + 1".repeat(20_000)),
            format!(
                "fn main() {{ let s = \"a\"{}; }}",
                ".to_string()".repeat(3_000)
            ),
            format!("fn main() {{ let b = {}true; }}", "!".repeat(250)),
            format!("fn main() {{ {}{} }}", "{ ".repeat(250), " }".repeat(250)),
        ];
        for (i, src) in sources.iter().enumerate() {
            let out = format_twice(&format!("hostile source {i}"), src);
            assert!(out.is_some(), "hostile source {i} did not format");
        }
    });
}

/// Every example is formatted (`mvlc fmt examples` changes nothing), so CI
/// keeps them so. Only examples of syntax errors cannot be formatted, and
/// they live in `examples/errors/`.
#[test]
fn examples_are_formatted() {
    on_big_stack(|| {
        let root = mvl_tests::workspace_root();
        let mut files = Vec::new();
        mvl_files(&root.join("examples"), &mut files);
        files.sort();
        let mut unformatted = Vec::new();
        for f in &files {
            let rel = f
                .strip_prefix(&root)
                .expect("under the root")
                .display()
                .to_string();
            let text = std::fs::read_to_string(f).expect("example is readable");
            match format_source(&text) {
                Ok(formatted) if formatted == text => {}
                Ok(_) => unformatted.push(rel),
                Err(FormatError::Syntax(_)) => assert!(
                    rel.starts_with("examples/errors/"),
                    "{rel} has syntax errors outside examples/errors/"
                ),
                Err(FormatError::Unsafe(why)) => panic!("{rel}: {why}"),
            }
        }
        assert!(
            unformatted.is_empty(),
            "examples not formatted (run `mvlc fmt examples`): {unformatted:#?}"
        );
    });
}
