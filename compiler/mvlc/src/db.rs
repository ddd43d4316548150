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
use crate::sema::{self, ir::FnId, CheckedProgram, FileAst, FileItem};
use crate::source::{Anchor, FileId, FileKind, ItemRef};
use mvl_syntax::ast::{self, Span};
use mvm_bytecode::Module;
use salsa::{Accumulator, Setter};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One source file: its identity, its path (as shown in diagnostics and
/// stack traces), its text and its kind. A file that could not be read is
/// still an input (`present` false): when it appears, setting it re-runs
/// what looked for it.
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(copy)]
    pub id: FileId,
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
    #[returns(copy)]
    pub kind: FileKind,
    #[returns(copy)]
    pub present: bool,
}

/// A program: the file holding `main`. The other files (the prelude, the
/// modules it imports, directly or not, and the standard library's modules)
/// are found by [`program_files`] through the database.
#[salsa::input(debug)]
pub struct Program {
    #[returns(copy)]
    pub root: SourceFile,
}

/// Every diagnostic any query reports.
#[salsa::accumulator]
pub struct Diagnostics(pub Diagnostic);

/// What the queries need from the database besides salsa: its files, found
/// lazily (salsa's lazy-input pattern). A file is read from disk the first
/// time a query asks for it and is an input from then on; the language
/// server replaces the text of open buffers, and re-reads a file when the
/// editor reports a change.
#[salsa::db]
pub trait Db: salsa::Database {
    /// The file at `path` (read now if it is new to the database).
    fn file(&self, path: &str) -> SourceFile;
    /// The file with identity `id`.
    fn source(&self, id: FileId) -> SourceFile;
    /// The standard library's prelude, then its modules.
    fn stdlib(&self) -> Vec<SourceFile>;
    /// The identity of the item of `file` that `key` names (see
    /// [`item_keys`]): the same for the life of the database.
    fn item_ref(&self, file: FileId, key: String) -> ItemRef;
}

/// The files the database knows, by path and by id.
#[derive(Default)]
struct FileTable {
    by_path: HashMap<String, SourceFile>,
    by_id: Vec<SourceFile>,
    stdlib: Vec<SourceFile>,
    /// Item identities, interned from (file, kind and name, occurrence).
    items: HashMap<(FileId, String), ItemRef>,
}

#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
    files: Arc<Mutex<FileTable>>,
    /// When set, the name of every query that executes (rather than being
    /// reused from the cache) is appended here: how tests check that an
    /// edit re-runs only what it must.
    executed: Option<Arc<Mutex<Vec<String>>>>,
}

#[salsa::db]
impl salsa::Database for Database {}

#[salsa::db]
impl Db for Database {
    fn file(&self, path: &str) -> SourceFile {
        let mut table = self.table();
        if let Some(f) = table.by_path.get(path) {
            return *f;
        }
        let (text, present) = match std::fs::read_to_string(path) {
            Ok(text) => (text, true),
            Err(_) => (String::new(), false),
        };
        self.add_file(&mut table, path, text, FileKind::User, present)
    }

    fn source(&self, id: FileId) -> SourceFile {
        self.table().by_id[id.0 as usize]
    }

    fn item_ref(&self, file: FileId, key: String) -> ItemRef {
        let mut table = self.table();
        let next = ItemRef(table.items.len() as u32);
        *table.items.entry((file, key)).or_insert(next)
    }

    fn stdlib(&self) -> Vec<SourceFile> {
        let mut table = self.table();
        if table.stdlib.is_empty() {
            let prelude = self.add_file(
                &mut table,
                "<prelude>",
                mvl_stdlib::PRELUDE.to_string(),
                FileKind::Prelude,
                true,
            );
            let mut files = vec![prelude];
            for (name, source) in mvl_stdlib::MODULES {
                files.push(self.add_file(
                    &mut table,
                    &format!("<{name}>"),
                    source.to_string(),
                    FileKind::StdlibModule,
                    true,
                ));
            }
            table.stdlib = files;
        }
        table.stdlib.clone()
    }
}

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
            files: Arc::default(),
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

    fn table(&self) -> std::sync::MutexGuard<'_, FileTable> {
        // A panic while the lock was held cannot leave the table half
        // written: every change to it is a single insertion.
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add_file(
        &self,
        table: &mut FileTable,
        path: &str,
        text: String,
        kind: FileKind,
        present: bool,
    ) -> SourceFile {
        let id = FileId(table.by_id.len() as u32);
        let file = SourceFile::new(self, id, path.to_string(), text, kind, present);
        table.by_path.insert(path.to_string(), file);
        table.by_id.push(file);
        file
    }

    /// Sets the text of the file at `path` (an open buffer, or a file that
    /// changed on disk), adding it to the database if it is new.
    pub fn set_file(&mut self, path: &str, text: String) -> SourceFile {
        let existing = self.table().by_path.get(path).copied();
        match existing {
            Some(file) => {
                file.set_text(self).to(text);
                if !file.present(self) {
                    file.set_present(self).to(true);
                }
                file
            }
            None => {
                let mut table = self.table();
                self.add_file(&mut table, path, text, FileKind::User, true)
            }
        }
    }

    /// The program whose root file is `path` with `text` (which replaces
    /// what the disk holds); the modules it imports are read from the
    /// folder of `path` when a query first needs them.
    pub fn program(&mut self, path: &str, text: String) -> Program {
        let root = self.set_file(path, text);
        Program::new(self, root)
    }
}

/// A parsed file: its items, each with its spans already counted from its
/// own start (moved, not copied, out of the parser's tree), and where each
/// item lies in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedFile {
    pub items: Vec<ParsedItem>,
    pub broken_names: Arc<Vec<String>>,
    pub has_errors: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParsedItem {
    pub key: String,
    pub tree: Arc<ast::Item>,
    /// Where the item lies in the file.
    pub span: Span,
}

/// Parses one file; syntax errors are accumulated.
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn Db, file: SourceFile) -> ParsedFile {
    let (tree, errors) = mvl_syntax::parse_file(file.text(db));
    for e in &errors {
        let mut d = Diagnostic::error(
            e.code,
            e.message.clone(),
            file.id(db),
            e.span,
            e.label.clone(),
        );
        if let Some(help) = &e.help {
            d = d.with_help(help.clone());
        }
        Diagnostics(d).accumulate(db);
    }
    let keys = item_keys(&tree);
    let items = tree
        .items
        .into_iter()
        .zip(keys)
        .map(|(mut item, key)| {
            let span = item.span();
            mvl_syntax::rebase::rebase_item(&mut item, span.start);
            ParsedItem {
                key,
                tree: Arc::new(item),
                span,
            }
        })
        .collect();
    ParsedFile {
        items,
        broken_names: Arc::new(tree.broken_names),
        has_errors: !errors.is_empty(),
    }
}

/// The start of every line of a file, computed once per file text: lowering
/// maps every instruction's span to its line through it, and the renderer
/// finds the line of a diagnostic with it.
#[salsa::tracked(returns(ref))]
pub fn line_index(db: &dyn Db, file: SourceFile) -> LineIndex {
    LineIndex::new(file.text(db))
}

/// One item of a file as the per-item queries see it: its identity, its
/// tree with every span counted from the item's start, and where the lines
/// of its own text start. An edit elsewhere in the file (or one that only
/// moves the item) leaves both tracked fields equal, so nothing that read
/// them runs again.
#[salsa::tracked(debug)]
pub struct ItemSyntax<'db> {
    #[returns(copy)]
    pub id: ItemRef,
    #[tracked]
    #[returns(ref)]
    pub tree: Arc<ast::Item>,
    #[tracked]
    #[returns(ref)]
    pub lines: Arc<LineIndex>,
}

/// A file's items, position-independent (see [`ItemSyntax`]).
#[derive(Clone, Debug, PartialEq, salsa::SalsaValue)]
pub struct FileItems<'db> {
    pub items: Vec<ItemSyntax<'db>>,
    /// See `ast::File::broken_names`.
    pub broken_names: Arc<Vec<String>>,
    pub has_errors: bool,
}

/// The key each item of `file` is known by: its kind and name, and which
/// occurrence of that key it is (`fn f`, `impl Point#1`, `error#0`).
pub fn item_keys(file: &ast::File) -> Vec<String> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    file.items
        .iter()
        .map(|item| {
            let base = match item {
                ast::Item::Fn(f) => format!("fn {}", f.name.name),
                ast::Item::Struct(s) => format!("type {}", s.name.name),
                ast::Item::Enum(e) => format!("type {}", e.name.name),
                ast::Item::Impl(i) => format!("impl {}", type_key(&i.target)),
                ast::Item::Import(i) => format!("import {}", i.module.name),
                ast::Item::Const(c) => format!("fn {}", c.name.name),
                ast::Item::Error(_) => "error".to_string(),
            };
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            format!("{base}#{}", *n - 1)
        })
        .collect()
}

fn type_key(t: &ast::TypeExpr) -> String {
    match t {
        ast::TypeExpr::Named { path, .. } => path
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join("::"),
        ast::TypeExpr::Array(..) => "[]".to_string(),
        ast::TypeExpr::Tuple(..) => "()".to_string(),
        ast::TypeExpr::Fn { .. } => "fn".to_string(),
    }
}

/// The items of a file, each with its spans made relative to its start:
/// the firewall between the parse of a file (which changes with every
/// edit) and everything computed per item.
#[salsa::tracked(returns(ref))]
pub fn file_items<'db>(db: &'db dyn Db, file: SourceFile) -> FileItems<'db> {
    let parsed = parse(db, file);
    let text = file.text(db);
    let id = file.id(db);
    let items = parsed
        .items
        .iter()
        .map(|item| {
            let own = text.get(item.span.range()).unwrap_or_default();
            ItemSyntax::new(
                db,
                db.item_ref(id, item.key.clone()),
                item.tree.clone(),
                Arc::new(LineIndex::new(own)),
            )
        })
        .collect();
    FileItems {
        items,
        broken_names: parsed.broken_names.clone(),
        has_errors: parsed.has_errors,
    }
}

/// Where each item of a file starts: what turns an item-relative span back
/// into a position in the file. Read only where positions are shown
/// (diagnostics, line tables at link time), so that moving an item re-runs
/// nothing else.
#[salsa::tracked(returns(ref))]
pub fn item_offsets(db: &dyn Db, file: SourceFile) -> HashMap<ItemRef, u32> {
    let id = file.id(db);
    parse(db, file)
        .items
        .iter()
        .map(|item| (db.item_ref(id, item.key.clone()), item.span.start))
        .collect()
}

/// The identities of the functions an item declares (see
/// `sema::FileItem::fns`): a `fn` or `const` is its item; a method is its
/// `impl` and its name.
fn declared_fns(db: &dyn Db, file: FileId, item: ItemRef, tree: &ast::Item) -> Vec<u32> {
    match tree {
        ast::Item::Fn(_) | ast::Item::Const(_) => vec![item.0],
        ast::Item::Impl(imp) => {
            let mut seen: HashMap<&str, u32> = HashMap::new();
            imp.methods
                .iter()
                .map(|m| {
                    let n = seen.entry(m.name.name.as_str()).or_insert(0);
                    *n += 1;
                    let key = format!("{}::{}#{}", item.0, m.name.name, *n - 1);
                    db.item_ref(file, key).0
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// `span`, counted from `at`, as a span counted from its file's start.
pub fn absolute(db: &dyn Db, at: Anchor, span: Span) -> Span {
    let Some(item) = at.item else {
        return span;
    };
    let offset = item_offsets(db, db.source(at.file))
        .get(&item)
        .copied()
        .unwrap_or(0);
    Span {
        start: span.start + offset,
        end: span.end + offset,
    }
}

/// The files of a program, in module order: the prelude, the root file,
/// the modules it imports (directly or not, in the order they are found),
/// then the standard library's modules. Module `i` is `files[i]`. A module
/// that cannot be read is left out (checking reports it at its `import`);
/// the query depends on its absence, so it re-runs when the file appears.
#[salsa::tracked(returns(ref))]
pub fn program_files(db: &dyn Db, program: Program) -> Vec<SourceFile> {
    let stdlib = db.stdlib();
    let root = program.root(db);
    let path = root.path(db).clone();
    let mut files = vec![stdlib[0], root];
    let dir = std::path::Path::new(&path)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    // The root is a module too: a module importing it closes a cycle.
    let mut loaded: Vec<String> = vec![module_name(&path)];
    let mut next = 1;
    while next < files.len() {
        let file = files[next];
        next += 1;
        for name in imports_of(db, file) {
            if loaded.contains(&name) {
                continue;
            }
            loaded.push(name.clone());
            let module_path = dir.join(format!("{name}.mvl"));
            let module = db.file(&module_path.to_string_lossy());
            if module.present(db) {
                files.push(module);
            }
        }
    }
    // The standard library's modules (`gc`, `reflect`) come last; every
    // module sees them without an import.
    files.extend_from_slice(&stdlib[1..]);
    files
}

/// The module names a file imports, in order.
fn imports_of(db: &dyn Db, file: SourceFile) -> Vec<String> {
    parse(db, file)
        .items
        .iter()
        .filter_map(|item| match &*item.tree {
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
pub fn check(db: &dyn Db, program: Program) -> Option<Arc<CheckedProgram>> {
    let sources = program_files(db, program);
    let parsed: Vec<&FileItems<'_>> = sources.iter().map(|f| file_items(db, *f)).collect();
    if parsed.iter().any(|p| p.has_errors && p.items.is_empty()) {
        return None;
    }
    let files: Vec<FileAst<'_>> = sources
        .iter()
        .zip(&parsed)
        .map(|(f, p)| FileAst {
            file: f.id(db),
            module_name: match f.kind(db) {
                FileKind::Prelude => String::new(),
                FileKind::StdlibModule => {
                    module_name(f.path(db).trim_matches(|c| c == '<' || c == '>'))
                }
                FileKind::User => module_name(f.path(db)),
            },
            items: p
                .items
                .iter()
                .map(|i| FileItem {
                    item: i.id(db),
                    tree: i.tree(db),
                    fns: declared_fns(db, f.id(db), i.id(db), i.tree(db)),
                })
                .collect(),
            broken_names: &p.broken_names,
            is_stdlib: f.kind(db).is_stdlib(),
        })
        .collect();
    let (checked, diags) = sema::check_program(&files);
    for d in diags {
        Diagnostics(d).accumulate(db);
    }
    Some(Arc::new(checked))
}

/// Lowers one function to bytecode.
#[salsa::tracked(returns(ref))]
pub fn lower_fn(db: &dyn Db, program: Program, id: FnId) -> Result<LoweredFn, CodegenError> {
    let Some(checked) = check(db, program) else {
        return Err(CodegenError {
            message: "the program did not check".to_string(),
            span: ast::Span::default(),
        });
    };
    let Some(info) = checked.functions.get(&id) else {
        return Err(CodegenError {
            message: format!("no function {id:?}"),
            span: ast::Span::default(),
        });
    };
    let file_index = program_files(db, program)
        .iter()
        .position(|f| f.id(db) == info.file.file)
        .unwrap_or(0) as u32;
    let file = db.source(info.file.file);
    let item = file_items(db, file)
        .items
        .iter()
        .find(|i| Some(i.id(db)) == info.file.item);
    let own_lines;
    let lines = match item {
        Some(item) => item.lines(db).as_ref(),
        None => {
            own_lines = LineIndex::new("");
            &own_lines
        }
    };
    codegen::lower_function(checked, id, file_index, lines)
}

/// The whole program as a bytecode module, or `None` when there were errors
/// (all of them accumulated).
#[salsa::tracked(returns(ref))]
pub fn compile(db: &dyn Db, program: Program) -> Option<Arc<Module>> {
    let checked = check(db, program).as_ref()?;
    let has_errors = check::accumulated::<Diagnostics>(db, program)
        .iter()
        .any(|d| d.0.is_error())
        || program_files(db, program)
            .iter()
            .any(|f| parse(db, *f).has_errors);
    if has_errors {
        return None;
    }
    let main = checked.main?;
    // Functions in source order: by file, item, place in the item, then
    // closure (whatever order their identities were made in).
    let files = program_files(db, program);
    let mut order: Vec<(usize, u32, u32, FnId)> = checked
        .functions
        .iter()
        .map(|(id, info)| {
            let rank = files
                .iter()
                .position(|f| f.id(db) == info.file.file)
                .unwrap_or(usize::MAX);
            let item = absolute(db, info.file, Span::default()).start;
            (rank, item, info.span.start, *id)
        })
        .collect();
    order.sort();
    let mut functions = Vec::with_capacity(order.len());
    for (_, _, _, id) in order {
        let info = &checked.functions[&id];
        match lower_fn(db, program, id) {
            Ok(lowered) => {
                // Lowering counts lines from the item's first line; here
                // they become the file's.
                let mut lowered = lowered.clone();
                let file = db.source(info.file.file);
                let start = absolute(db, info.file, Span::default()).start;
                let first = line_index(db, file).line(start as usize);
                for entry in &mut lowered.function.lines {
                    entry.line += first - 1;
                }
                functions.push((id, lowered));
            }
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

/// The inferred signature of every function, method and constant of the
/// root file, in source order: `fib: fn(Int) -> Int`. What tests of
/// inference assert, and what hover shows.
pub fn signatures(db: &dyn Db, program: Program) -> Vec<String> {
    let Some(checked) = check(db, program) else {
        return Vec::new();
    };
    let root = program.root(db).id(db);
    let mut out: Vec<(u32, String)> = checked
        .functions
        .iter()
        .filter(|(_, f)| f.file.file == root && !f.name.contains('{'))
        .map(|(id, f)| {
            let sig = checked.signature(*id);
            let at = absolute(db, f.file, f.span).start;
            (at, format!("{}: {sig}", f.name))
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, s)| s).collect()
}

/// Every diagnostic of compiling `program`, errors and warnings, in a
/// stable order (by file, then position).
pub fn diagnostics(db: &dyn Db, program: Program) -> Vec<Diagnostic> {
    let all = compile::accumulated::<Diagnostics>(db, program)
        .into_iter()
        .map(|d| d.0.clone())
        .collect();
    sorted(db, program, all)
}

/// Every diagnostic of parsing and checking `program` (what `mvlc check`
/// reports), without lowering it: the same as [`diagnostics`] except for
/// the limits of the bytecode format (`E0105`), which only lowering finds.
pub fn check_diagnostics(db: &dyn Db, program: Program) -> Vec<Diagnostic> {
    let all = check::accumulated::<Diagnostics>(db, program)
        .into_iter()
        .map(|d| d.0.clone())
        .collect();
    sorted(db, program, all)
}

/// Makes every span of `d` count from its file's start.
fn resolve_anchors(db: &dyn Db, d: &mut Diagnostic) {
    for l in std::iter::once(&mut d.primary).chain(&mut d.secondary) {
        l.span = absolute(
            db,
            Anchor {
                file: l.file,
                item: l.item,
            },
            l.span,
        );
        l.item = None;
    }
    for s in &mut d.suggestions {
        s.span = absolute(
            db,
            Anchor {
                file: s.file,
                item: s.item,
            },
            s.span,
        );
        s.item = None;
    }
}

fn sorted(db: &dyn Db, program: Program, mut all: Vec<Diagnostic>) -> Vec<Diagnostic> {
    for d in &mut all {
        resolve_anchors(db, d);
    }
    let files = program_files(db, program);
    all.sort_by_key(|d| {
        let file_rank = files
            .iter()
            .position(|f| f.id(db) == d.primary.file)
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
        let mut db = Database::default();
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
        let mut db = Database::logging();
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
            count("lower_fn(") > program_files(&db, program).len(),
            "{compiled:?}"
        );
        assert!(
            count("line_index(") <= program_files(&db, program).len(),
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
            program_files(&db, program).len(),
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

    /// Imported modules are found through the database when a query needs
    /// them; a module that is missing is remembered as missing, and adding
    /// it re-runs what looked for it. The stdlib is known by its kind.
    #[test]
    fn modules_are_found_lazily_and_appear_when_added() {
        let dir = std::env::temp_dir().join(format!("mvlc-lazy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let root = dir.join("a.mvl").to_string_lossy().into_owned();
        let module = dir.join("b.mvl").to_string_lossy().into_owned();
        let mut db = Database::default();
        let program = db.program(&root, "import b;\nfn main() { println(b::two()); }".into());
        assert!(compile(&db, program).is_none());
        let codes: Vec<_> = diagnostics(&db, program).iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E0108"]);
        // The editor reports a new file: its text enters the database.
        db.set_file(&module, "fn two() -> Int { 2 }".into());
        assert!(
            compile(&db, program).is_some(),
            "{:?}",
            diagnostics(&db, program)
        );
        let kinds: Vec<FileKind> = program_files(&db, program)
            .iter()
            .map(|f| f.kind(&db))
            .collect();
        assert_eq!(
            kinds[..3],
            [FileKind::Prelude, FileKind::User, FileKind::User]
        );
        assert!(kinds[3..].iter().all(|k| *k == FileKind::StdlibModule));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
