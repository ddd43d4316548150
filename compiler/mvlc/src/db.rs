//! The salsa database: inputs, the diagnostics accumulator and the queries
//! that make up the compiler pipeline.
//!
//! ```text
//! SourceFile ──parse──► ast::File ─┐
//! Program ─────────────────────────┴─check──► CheckedProgram ──lower_fn (per function)──► compile ──► Module
//! SourceFile ──line_index──► LineIndex (read by lower_fn and by the renderer)
//! ```
//!
//! `mvlc check` stops at `check` ([`check_diagnostics`]); `build` and `run`
//! go on to `compile` ([`diagnostics`]).
//!
//! Every query is pure; diagnostics are accumulated in [`Diagnostics`] and
//! rendered by the caller (CLI, REPL, language server), never printed here.

use crate::codegen::{self, CodegenError, LineIndex, LoweredFn};
use crate::diagnostic::Diagnostic;
use crate::sema::{self, ir::FnId, CheckedProgram, FileAst};
use mvl_syntax::ast;
use mvm_bytecode::Module;
use salsa::Accumulator;
use std::sync::{Arc, Mutex};

/// One source file: its path (as shown in diagnostics and stack traces) and
/// its text.
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
}

/// A program: the standard library's prelude, the file holding `main`, then
/// the files it imports (directly or not), in the order they were found.
/// The module of `files[i]` is `sema::env::ModuleId(i)`.
#[salsa::input(debug)]
pub struct Program {
    #[returns(ref)]
    pub files: Vec<SourceFile>,
}

impl Program {
    pub fn root(self, db: &dyn salsa::Database) -> SourceFile {
        self.files(db)[1]
    }
}

/// Every diagnostic any query reports.
#[salsa::accumulator]
pub struct Diagnostics(pub Diagnostic);

#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
    /// When set, the name of every query that executes (rather than being
    /// reused from the cache) is appended here: how tests check that an
    /// edit re-runs only what it must.
    executed: Option<Arc<Mutex<Vec<String>>>>,
}

#[salsa::db]
impl salsa::Database for Database {}

impl Database {
    /// A database that records which queries execute; see [`Database::take_executed`].
    pub fn logging() -> Database {
        let executed: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = executed.clone();
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind {
                if let Ok(mut log) = sink.lock() {
                    log.push(format!("{database_key:?}"));
                }
            }
        })));
        Database {
            storage,
            executed: Some(executed),
        }
    }

    /// The queries executed since the last call (empty unless [`Database::logging`]).
    pub fn take_executed(&self) -> Vec<String> {
        match &self.executed {
            Some(log) => log
                .lock()
                .map(|mut l| std::mem::take(&mut *l))
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// A program made of `path`'s `text`, the bundled prelude, and the
    /// modules it imports, read from the folder of `path`. A module that
    /// cannot be read is left out; checking reports it at its `import`.
    pub fn program(&self, path: &str, text: String) -> Program {
        let prelude = SourceFile::new(
            self,
            "<prelude>".to_string(),
            mvl_stdlib::PRELUDE.to_string(),
        );
        let root = SourceFile::new(self, path.to_string(), text);
        let mut files = vec![prelude, root];
        let dir = std::path::Path::new(path)
            .parent()
            .map(|p| p.to_path_buf())
            .unwrap_or_default();
        // The root is a module too: a module importing it closes a cycle.
        let mut loaded: Vec<String> = vec![module_name(path)];
        let mut next = 1;
        while next < files.len() {
            let file = files[next];
            next += 1;
            for name in imports_of(self, file) {
                if loaded.contains(&name) {
                    continue;
                }
                loaded.push(name.clone());
                let module_path = dir.join(format!("{name}.mvl"));
                if let Ok(text) = std::fs::read_to_string(&module_path) {
                    files.push(SourceFile::new(
                        self,
                        module_path.to_string_lossy().into_owned(),
                        text,
                    ));
                }
            }
        }
        // The standard library's modules (`gc`, `reflect`) come last; every
        // module sees them without an import.
        for (name, source) in mvl_stdlib::MODULES {
            files.push(SourceFile::new(
                self,
                format!("<{name}>"),
                source.to_string(),
            ));
        }
        Program::new(self, files)
    }
}

/// A parsed file, shared cheaply between queries.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedFile {
    pub ast: Arc<ast::File>,
    pub has_errors: bool,
}

/// Parses one file; syntax errors are accumulated.
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn salsa::Database, file: SourceFile) -> ParsedFile {
    let (tree, errors) = mvl_syntax::parse_file(file.text(db));
    for e in &errors {
        let mut d = Diagnostic::error(e.code, e.message.clone(), file, e.span, e.label.clone());
        if let Some(help) = &e.help {
            d = d.with_help(help.clone());
        }
        Diagnostics(d).accumulate(db);
    }
    ParsedFile {
        ast: Arc::new(tree),
        has_errors: !errors.is_empty(),
    }
}

/// The start of every line of a file, computed once per file text: lowering
/// maps every instruction's span to its line through it, and the renderer
/// finds the line of a diagnostic with it.
#[salsa::tracked(returns(ref))]
pub fn line_index(db: &dyn salsa::Database, file: SourceFile) -> LineIndex {
    LineIndex::new(file.text(db))
}

/// The module names a file imports, in order.
fn imports_of(db: &dyn salsa::Database, file: SourceFile) -> Vec<String> {
    parse(db, file)
        .ast
        .items
        .iter()
        .filter_map(|item| match item {
            ast::Item::Import(i) => Some(i.module.name.clone()),
            _ => None,
        })
        .collect()
}

/// The name a file is imported by: its stem.
fn module_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Resolves and type-checks the whole program, syntax errors or not: the
/// parser recovers, and sema is silent about the error nodes it leaves, so
/// every item that parsed is checked. `None` only when a file's parse gave
/// up and returned an empty tree (its lexer stopped; see
/// `mvl_syntax::parse_file`): checking the rest would report names from it
/// as missing.
#[salsa::tracked(returns(ref))]
pub fn check(db: &dyn salsa::Database, program: Program) -> Option<Arc<CheckedProgram>> {
    let sources = program.files(db);
    let parsed: Vec<&ParsedFile> = sources.iter().map(|f| parse(db, *f)).collect();
    if parsed
        .iter()
        .any(|p| p.has_errors && p.ast.items.is_empty())
    {
        return None;
    }
    let files: Vec<FileAst<'_>> = sources
        .iter()
        .zip(&parsed)
        .enumerate()
        .map(|(i, (f, p))| FileAst {
            file: *f,
            module_name: if i == 0 {
                String::new()
            } else {
                module_name(f.path(db).trim_matches(|c| c == '<' || c == '>'))
            },
            ast: &p.ast,
            is_stdlib: i == 0 || f.path(db).starts_with('<'),
        })
        .collect();
    let (checked, diags) = sema::check_program(&files);
    for d in diags {
        Diagnostics(d).accumulate(db);
    }
    Some(Arc::new(checked))
}

/// The source files of a program in module file-table order.
fn program_files(db: &dyn salsa::Database, program: Program) -> Vec<SourceFile> {
    program.files(db).clone()
}

/// Lowers one function to bytecode.
#[salsa::tracked(returns(ref))]
pub fn lower_fn(
    db: &dyn salsa::Database,
    program: Program,
    id: u32,
) -> Result<LoweredFn, CodegenError> {
    let Some(checked) = check(db, program) else {
        return Err(CodegenError {
            message: "the program did not check".to_string(),
            span: ast::Span::default(),
        });
    };
    let Some(info) = checked.functions.get(id as usize) else {
        return Err(CodegenError {
            message: format!("no function #{id}"),
            span: ast::Span::default(),
        });
    };
    let file_index = program
        .files(db)
        .iter()
        .position(|f| *f == info.file)
        .unwrap_or(0) as u32;
    codegen::lower_function(checked, FnId(id), file_index, line_index(db, info.file))
}

/// The whole program as a bytecode module, or `None` when there were errors
/// (all of them accumulated).
#[salsa::tracked(returns(ref))]
pub fn compile(db: &dyn salsa::Database, program: Program) -> Option<Arc<Module>> {
    let checked = check(db, program).as_ref()?;
    let has_errors = check::accumulated::<Diagnostics>(db, program)
        .iter()
        .any(|d| d.0.is_error())
        || program.files(db).iter().any(|f| parse(db, *f).has_errors);
    if has_errors {
        return None;
    }
    let main = checked.main?;
    let mut functions = Vec::with_capacity(checked.functions.len());
    for (i, info) in checked.functions.iter().enumerate() {
        match lower_fn(db, program, i as u32) {
            Ok(lowered) => functions.push(lowered.clone()),
            Err(err) => {
                Diagnostics(Diagnostic::error(
                    "E0105",
                    err.message.clone(),
                    info.file,
                    err.span,
                    "here",
                ))
                .accumulate(db);
                return None;
            }
        }
    }
    let natives = checked.natives.iter().map(|n| n.name.clone()).collect();
    let files = program_files(db, program)
        .iter()
        .map(|f| f.path(db).clone())
        .collect();
    let types = codegen::type_descriptors(checked);
    Some(Arc::new(codegen::link(
        functions, natives, files, types, main,
    )))
}

/// Every diagnostic of compiling `program`, errors and warnings, in a
/// stable order (by file, then position).
pub fn diagnostics(db: &dyn salsa::Database, program: Program) -> Vec<Diagnostic> {
    let all = compile::accumulated::<Diagnostics>(db, program)
        .into_iter()
        .map(|d| d.0.clone())
        .collect();
    sorted(db, program, all)
}

/// Every diagnostic of parsing and checking `program` (what `mvlc check`
/// reports), without lowering it: the same as [`diagnostics`] except for
/// the limits of the bytecode format (`E0105`), which only lowering finds.
pub fn check_diagnostics(db: &dyn salsa::Database, program: Program) -> Vec<Diagnostic> {
    let all = check::accumulated::<Diagnostics>(db, program)
        .into_iter()
        .map(|d| d.0.clone())
        .collect();
    sorted(db, program, all)
}

fn sorted(db: &dyn salsa::Database, program: Program, mut all: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let files = program.files(db);
    all.sort_by_key(|d| {
        let file_rank = files
            .iter()
            .position(|f| *f == d.primary.file)
            .unwrap_or(usize::MAX);
        (file_rank, d.primary.span.start, d.primary.span.end)
    });
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use salsa::Setter;

    fn executed_parses(log: &[String]) -> usize {
        log.iter().filter(|q| q.starts_with("parse(")).count()
    }

    fn codes(src: &str) -> Vec<&'static str> {
        let db = Database::default();
        let program = db.program("a.mvl", src.to_string());
        assert!(compile(&db, program).is_none());
        diagnostics(&db, program).iter().map(|d| d.code).collect()
    }

    /// Syntax errors do not hide type errors elsewhere, and error nodes draw
    /// no diagnostics of their own.
    #[test]
    fn error_nodes_are_checked_silently() {
        assert_eq!(
            codes("fn f() -> Int { \"s\" }\nfn g(a b) { a }\nfn main() { g(1); f(); }"),
            ["E0201", "E0001"]
        );
        assert_eq!(
            codes(
                "fn main() { let x = (1 + ; println(x.len()); let y: Int = x; \
                 let s = S { a: x }; println(s.a.b); }"
            ),
            ["E0001", "E0104"]
        );
        assert_eq!(
            codes("fn helper() -> Int { let v = 1 + ; }\nstruct P { x: Int y }\nfn main() { let p = P { x: 1 }; println(p.x + helper()); }"),
            ["E0001", "E0001"]
        );
        // A misspelt `main` is still found, broken body or not.
        assert_eq!(codes("fn mian() { 1 + }"), ["E0103", "E0001"]);
    }

    /// `mvlc check`'s diagnostics come from parsing and checking alone;
    /// lowering then builds each file's line index once, not once per
    /// function.
    #[test]
    fn check_does_not_lower_and_lines_are_indexed_once_per_file() {
        let db = Database::logging();
        let program = db.program(
            "a.mvl",
            "fn f() { 1 }\nfn g() { 2 }\nfn main() { println(f() + g()); }".to_string(),
        );
        assert!(check_diagnostics(&db, program).is_empty());
        let checked = db.take_executed();
        assert!(
            !checked
                .iter()
                .any(|q| q.starts_with("lower_fn(") || q.starts_with("compile(")),
            "{checked:?}"
        );
        assert!(compile(&db, program).is_some());
        let compiled = db.take_executed();
        let count = |prefix: &str| compiled.iter().filter(|q| q.starts_with(prefix)).count();
        assert!(
            count("lower_fn(") > program.files(&db).len(),
            "{compiled:?}"
        );
        assert!(
            count("line_index(") <= program.files(&db).len(),
            "{compiled:?}"
        );
        assert!(diagnostics(&db, program).is_empty());
    }

    /// An edit of the user's file re-parses that file only; the prelude's
    /// parse is reused. Recompiling with no edit executes nothing at all.
    #[test]
    fn edits_rerun_only_what_they_touch() {
        let mut db = Database::logging();
        let program = db.program("a.mvl", "fn main() { println(1); }".to_string());
        assert!(compile(&db, program).is_some());
        let first = db.take_executed();
        // The prelude, the user's file, and the stdlib's modules.
        assert_eq!(
            executed_parses(&first),
            program.files(&db).len(),
            "{first:?}"
        );

        assert!(compile(&db, program).is_some());
        assert!(db.take_executed().is_empty());

        let root = program.root(&db);
        root.set_text(&mut db)
            .to("fn main() { println(2); }".to_string());
        assert!(compile(&db, program).is_some());
        let second = db.take_executed();
        assert_eq!(executed_parses(&second), 1, "{second:?}");
    }
}
