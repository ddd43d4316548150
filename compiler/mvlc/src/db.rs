//! The salsa database: inputs, the diagnostics accumulator and the queries
//! that make up the compiler pipeline.
//!
//! ```text
//! SourceFile ──parse──► ast::File ─┐
//! Program ─────────────────────────┴─check──► CheckedProgram ──lower_fn (per function)──► compile ──► Module
//! ```
//!
//! Every query is pure; diagnostics are accumulated in [`Diagnostics`] and
//! rendered by the caller (CLI, REPL, language server), never printed here.

use crate::codegen::{self, CodegenError, LineIndex, LoweredFn};
use crate::diagnostic::Diagnostic;
use crate::sema::{self, ir::FnId, CheckedProgram, FileAst};
use mvl_syntax::ast;
use mvm_bytecode::Module;
use salsa::Accumulator;
use std::sync::Arc;

/// One source file: its path (as shown in diagnostics and stack traces) and
/// its text.
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
}

/// A program: the file holding `main`, compiled together with the standard
/// library's prelude.
#[salsa::input(debug)]
pub struct Program {
    pub prelude: SourceFile,
    pub root: SourceFile,
}

/// Every diagnostic any query reports.
#[salsa::accumulator]
pub struct Diagnostics(pub Diagnostic);

#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for Database {}

impl Database {
    /// A program made of `path`'s `text` and the bundled prelude.
    pub fn program(&self, path: &str, text: String) -> Program {
        let prelude = SourceFile::new(self, "<prelude>".to_string(), mvl_stdlib::PRELUDE.to_string());
        let root = SourceFile::new(self, path.to_string(), text);
        Program::new(self, prelude, root)
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
        Diagnostics(Diagnostic::error(e.code, e.message.clone(), file, e.span, e.label.clone()))
            .accumulate(db);
    }
    ParsedFile {
        ast: Arc::new(tree),
        has_errors: !errors.is_empty(),
    }
}

/// Resolves and type-checks the whole program. `None` when a file did not
/// parse (type errors on a broken tree would only add noise).
#[salsa::tracked(returns(ref))]
pub fn check(db: &dyn salsa::Database, program: Program) -> Option<Arc<CheckedProgram>> {
    let prelude = parse(db, program.prelude(db));
    let root = parse(db, program.root(db));
    if prelude.has_errors || root.has_errors {
        return None;
    }
    let files = [
        FileAst {
            file: program.prelude(db),
            ast: &prelude.ast,
            is_stdlib: true,
        },
        FileAst {
            file: program.root(db),
            ast: &root.ast,
            is_stdlib: false,
        },
    ];
    let (checked, diags) = sema::check_program(&files);
    for d in diags {
        Diagnostics(d).accumulate(db);
    }
    Some(Arc::new(checked))
}

/// The source files of a program in module file-table order.
fn program_files(db: &dyn salsa::Database, program: Program) -> Vec<SourceFile> {
    vec![program.prelude(db), program.root(db)]
}

/// Lowers one function to bytecode.
#[salsa::tracked(returns(ref))]
pub fn lower_fn(db: &dyn salsa::Database, program: Program, id: u32) -> Result<LoweredFn, CodegenError> {
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
    let files = program_files(db, program);
    let file_index = files.iter().position(|f| *f == info.file).unwrap_or(0) as u32;
    let lines = LineIndex::new(info.file.text(db));
    codegen::lower_function(checked, FnId(id), file_index, &lines)
}

/// The whole program as a bytecode module, or `None` when there were errors
/// (all of them accumulated).
#[salsa::tracked(returns(ref))]
pub fn compile(db: &dyn salsa::Database, program: Program) -> Option<Arc<Module>> {
    let checked = check(db, program).as_ref()?;
    let has_errors = check::accumulated::<Diagnostics>(db, program)
        .iter()
        .any(|d| d.0.is_error());
    if has_errors {
        return None;
    }
    let main = checked.main?;
    let mut functions = Vec::with_capacity(checked.functions.len());
    for (i, info) in checked.functions.iter().enumerate() {
        match lower_fn(db, program, i as u32) {
            Ok(lowered) => functions.push(lowered.clone()),
            Err(err) => {
                Diagnostics(Diagnostic::error("E0105", err.message.clone(), info.file, err.span, "here"))
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
    Some(Arc::new(codegen::link(functions, natives, files, main)))
}

/// Every diagnostic of compiling `program`, errors and warnings, in a
/// stable order (by file, then position).
pub fn diagnostics(db: &dyn salsa::Database, program: Program) -> Vec<Diagnostic> {
    let mut all: Vec<Diagnostic> = compile::accumulated::<Diagnostics>(db, program)
        .into_iter()
        .map(|d| d.0.clone())
        .collect();
    let files = program_files(db, program);
    all.sort_by_key(|d| {
        let file_rank = files.iter().position(|f| *f == d.primary.file).unwrap_or(usize::MAX);
        (file_rank, d.primary.span.start, d.primary.span.end)
    });
    all.dedup();
    all
}
