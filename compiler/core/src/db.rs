//! The salsa database: inputs, files found lazily, and the queries that
//! make up the compiler pipeline, at the grain of items and functions.
//!
//! ```text
//! Program ─program_files─► [SourceFile] ─parse─► ParsedFile ─file_items─► [ItemSyntax {tree, header, summary, lines}]
//!                                                           └item_offsets─► where each item starts
//! summaries of every item ─declarations─► Declarations (scope, types, natives, declared functions)
//! Declarations + ItemSyntax.tree ─item_scope─► the item's Scope (values it names, its functions)
//! Scope + ItemSyntax.tree ─item_refs─► named functions ─call_graph─► components
//! per function: fn_site (its declaration, its item, its component): a firewall that
//!     stays equal when an item is added elsewhere
//! component ─infer_component─► Inferred (schemes, typed bodies, own type table)
//!     (reads only the above for its members, its callees' types through
//!      fn_scheme: declared when fully annotated, else inferred, and the
//!      name_hint ("did you mean") of each name it could not find, and
//!      the native_scheme of each native it names, asked as it meets them)
//! Inferred + item_lines ─lower_fn (per function)─► LoweredFn ─compile (link, in source order)─► Module
//! ```
//!
//! Everything below `item_offsets` and `line_index` counts positions from
//! its item, so an edit re-runs the queries of what it changed and nothing
//! else (the incrementality tests at the end name the exact sets).
//! `mvlc check` stops at inference ([`check_diagnostics`]); `build` and
//! `run` go on to `compile` ([`diagnostics`]).
//!
//! Every query is pure; diagnostics are part of query values, gathered and
//! resolved to file positions by [`check_diagnostics`] and [`diagnostics`]
//! for the caller (CLI, REPL, language server) to render.

use crate::codegen::{self, CodegenError, LineIndex, LoweredFn};
use crate::diagnostic::Diagnostic;
use crate::sema::{
    self, ir::FnId, types::Scheme, DeclKind, Declarations, FileAst, FileItem, Inferred,
};
use crate::source::{Anchor, FileId, FileKind, ItemRef};
use mvl_syntax::ast::{self, Span};
use mvm_bytecode::Module;
use salsa::Setter;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

/// The map of the hot tables keyed by item (identities, positions, keys):
/// foldhash's fast hasher rather than std's, which is built to resist
/// hash flooding that these keys, made by the compiler, cannot mount.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

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
    /// The interfaces of the libraries the program is built against
    /// (`mvlc build --extern`): an import of one of their names is that
    /// interface, not a file beside the root.
    #[returns(ref)]
    pub externs: Vec<SourceFile>,
    /// `-O0` or `-O` (the default): read by [`lower_fn`], so changing it
    /// re-lowers every function.
    #[default]
    #[returns(copy)]
    pub opt_level: codegen::OptLevel,
}

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
    /// The identity of the item of `file` that each of `keys` names (see
    /// [`item_keys`]), in order: the same for the life of the database.
    fn item_refs(&self, file: FileId, keys: &[String]) -> Vec<ItemRef>;
    /// The identities of the methods `names` of the `impl` item `item` of
    /// `file`, in order, each from its name and which occurrence of the
    /// name in the list it is: the same for the life of the database.
    fn method_refs(&self, file: FileId, item: ItemRef, names: &[&str]) -> Vec<u32>;
    /// Called first thing by a query that names its argument for the
    /// execution log (see [`Database::logging`]): `query` is executing on
    /// `arg()`. Does nothing unless the database logs.
    fn executing(&self, query: &str, arg: &dyn Fn() -> String);
}

/// The files the database knows, by path and by id.
#[derive(Default)]
struct FileTable {
    by_path: HashMap<String, SourceFile>,
    by_id: Vec<SourceFile>,
    stdlib: Vec<SourceFile>,
    /// Item identities, interned from (file, kind and name, occurrence),
    /// by file; and how many there are.
    items: FastMap<FileId, FastMap<String, ItemRef>>,
    /// Method identities, from (file, `impl` item, name), each
    /// occurrence of the name in turn; counted in `item_count` too.
    methods: FastMap<(FileId, ItemRef), FastMap<String, Vec<ItemRef>>>,
    item_count: u32,
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

    fn executing(&self, query: &str, arg: &dyn Fn() -> String) {
        let Some(log) = &self.executed else {
            return;
        };
        // Named before the log is locked: naming may run a query, which
        // salsa logs.
        let named = format!("{query}({})", arg());
        if let Ok(mut log) = log.lock() {
            // salsa has logged `query(Id(..))` when the query started:
            // name the argument.
            let raw = format!("{query}(Id(");
            match log.iter().rposition(|l| l.starts_with(&raw)) {
                Some(i) => log[i] = named,
                None => log.push(named),
            }
        }
    }

    fn method_refs(&self, file: FileId, item: ItemRef, names: &[&str]) -> Vec<u32> {
        let mut guard = self.table();
        let table = &mut *guard;
        let methods = table.methods.entry((file, item)).or_default();
        let mut seen: FastMap<&str, usize> = FastMap::default();
        names
            .iter()
            .map(|name| {
                let n = seen.entry(name).or_insert(0);
                let occurrence = *n;
                *n += 1;
                let ids = match methods.get_mut(*name) {
                    Some(ids) => ids,
                    None => methods.entry(name.to_string()).or_default(),
                };
                while ids.len() <= occurrence {
                    ids.push(ItemRef(table.item_count));
                    table.item_count += 1;
                }
                ids[occurrence].0
            })
            .collect()
    }

    fn item_refs(&self, file: FileId, keys: &[String]) -> Vec<ItemRef> {
        let mut guard = self.table();
        let table = &mut *guard;
        let items = table.items.entry(file).or_default();
        keys.iter()
            .map(|key| match items.get(key.as_str()) {
                Some(id) => *id,
                None => {
                    let id = ItemRef(table.item_count);
                    table.item_count += 1;
                    items.insert(key.clone(), id);
                    id
                }
            })
            .collect()
    }

    fn stdlib(&self) -> Vec<SourceFile> {
        let mut table = self.table();
        if table.stdlib.is_empty() {
            let prelude = self.add_file(
                &mut table,
                "<prelude>",
                mvl_stdlib_source::PRELUDE.to_string(),
                FileKind::Prelude,
                true,
            );
            let mut files = vec![prelude];
            for (name, source) in mvl_stdlib_source::MODULES {
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
    /// A database that records which queries execute (salsa's execution
    /// events, each as `query(argument)`, the argument named by the query
    /// where it can: a file's path, a function's name); see
    /// [`Database::take_executed`].
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

    /// Reads the file at `path` from disk again, if the database knows it
    /// (a file the editor closed, or one it reports changed on disk); a
    /// file that is gone is marked missing.
    pub fn reload(&mut self, path: &str) {
        let Some(file) = self.table().by_path.get(path).copied() else {
            return;
        };
        let (text, present) = match std::fs::read_to_string(path) {
            Ok(text) => (text, true),
            Err(_) => (String::new(), false),
        };
        if *file.text(self) != text {
            file.set_text(self).to(text);
        }
        if file.present(self) != present {
            file.set_present(self).to(present);
        }
    }

    /// The program whose root file is `path` with `text` (which replaces
    /// what the disk holds); the modules it imports are read from the
    /// folder of `path` when a query first needs them.
    pub fn program(&mut self, path: &str, text: String) -> Program {
        let root = self.set_file(path, text);
        Program::new(self, root, Vec::new())
    }

    /// Compiles `program` at `level` from now on (`-O0` / `-O`).
    pub fn set_opt_level(&mut self, program: Program, level: codegen::OptLevel) {
        if program.opt_level(self) != level {
            program.set_opt_level(self).to(level);
        }
    }

    /// [`Database::program`], built against libraries: each of `externs`
    /// is a library's name and its interface text (from its `.mvb`).
    pub fn program_with_externs(
        &mut self,
        path: &str,
        text: String,
        externs: &[(String, String)],
    ) -> Program {
        let root = self.set_file(path, text);
        let externs = externs
            .iter()
            .map(|(name, interface)| {
                let mut table = self.table();
                let key = format!("<library {name}>/{name}.mvb");
                match table.by_path.get(&key).copied() {
                    Some(f) => f,
                    None => self.add_file(
                        &mut table,
                        &key,
                        interface.clone(),
                        FileKind::Interface,
                        true,
                    ),
                }
            })
            .collect();
        Program::new(self, root, externs)
    }
}

/// A parsed file: its items, each with its spans already counted from its
/// own start, and where each item lies in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedFile {
    pub items: Vec<ParsedItem>,
    /// Its syntax errors (spans count from the file's start).
    pub errors: Vec<Diagnostic>,
    pub broken_names: Arc<Vec<String>>,
    pub has_errors: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParsedItem {
    pub key: String,
    /// The item's identity, from `key`.
    pub id: ItemRef,
    pub tree: Shared<ItemTree>,
    /// The tree without its bodies (`mvl_syntax::rebase::header`).
    pub header: Shared<ItemTree>,
    /// The header without functions' types (`mvl_syntax::rebase::summary`).
    pub summary: Shared<ast::Item>,
    /// Where the lines of the item's own text start.
    pub lines: Shared<LineIndex>,
    /// Where the item lies in the file.
    pub span: Span,
}

/// A shared value that compares equal to itself without looking inside:
/// an item's trees are shared between the parses of successive texts (see
/// [`parse_item`]), so telling an unchanged item from an edited one costs
/// a pointer comparison, not a walk of both trees.
#[derive(Debug, Default)]
pub struct Shared<T>(pub Arc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared(Arc::new(value))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Shared<T> {
        Shared(self.0.clone())
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Shared<T>) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> AsRef<T> for Shared<T> {
    fn as_ref(&self) -> &T {
        &self.0
    }
}

/// An item's full tree (or its header), spans counted from the item's
/// start: made by the parse, or, for an item of the standard library,
/// decoded from its build-time encoding the first time something reads it
/// (most of the library's items are never read by a given program).
pub struct ItemTree {
    tree: std::sync::OnceLock<Arc<ast::Item>>,
    encoded: Option<EncodedItem>,
}

/// An item's tree as `mvl-stdlib-source`'s build script encoded it, and
/// the item's own text, parsed instead if the encoding does not decode.
#[derive(Clone, Copy)]
struct EncodedItem {
    bytes: &'static [u8],
    text: &'static str,
    /// Whether it is the item's header (`mvl_syntax::rebase::header`).
    header: bool,
}

impl ItemTree {
    pub fn new(item: ast::Item) -> ItemTree {
        ItemTree {
            tree: std::sync::OnceLock::from(Arc::new(item)),
            encoded: None,
        }
    }

    /// The tree encoded in `bytes`; if they do not decode, that of the
    /// item's `text`, or its header when `header`.
    fn encoded(bytes: &'static [u8], text: &'static str, header: bool) -> ItemTree {
        ItemTree {
            tree: std::sync::OnceLock::new(),
            encoded: Some(EncodedItem {
                bytes,
                text,
                header,
            }),
        }
    }

    /// The tree, shared.
    pub fn arc(&self) -> Arc<ast::Item> {
        self.get().clone()
    }

    fn get(&self) -> &Arc<ast::Item> {
        self.tree.get_or_init(|| {
            let Some(e) = self.encoded else {
                return Arc::new(error_item());
            };
            let item = postcard::from_bytes(e.bytes).ok().or_else(|| {
                // The text parses alone: it parsed so when the crate was built.
                let mut items = mvl_syntax::parse_alone(e.text)?;
                let mut item = items.drain(..).next()?;
                let start = item.span().start;
                mvl_syntax::rebase::rebase_item(&mut item, start);
                Some(match e.header {
                    true => mvl_syntax::rebase::header(&item),
                    false => item,
                })
            });
            Arc::new(item.unwrap_or_else(error_item))
        })
    }
}

/// An item that did not parse, spanning nothing.
fn error_item() -> ast::Item {
    ast::Item::Error(ast::ErrorItem {
        names: Vec::new(),
        declares_type: false,
        span: Span::default(),
    })
}

impl std::ops::Deref for ItemTree {
    type Target = ast::Item;
    fn deref(&self) -> &ast::Item {
        self.get()
    }
}

impl PartialEq for ItemTree {
    fn eq(&self, other: &ItemTree) -> bool {
        match (self.encoded, other.encoded) {
            // The same encoding is the same tree, without decoding either.
            (Some(a), Some(b)) if a.bytes == b.bytes => true,
            _ => **self == **other,
        }
    }
}

impl std::fmt::Debug for ItemTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// The text of one chunk of a file, as `mvl_syntax::parse_file_reusing`
/// cuts it (one item, as a rule): interned, so that [`parse_item`] parses
/// each distinct text once, and an edit re-parses only the item it touched.
#[salsa::interned(debug)]
pub struct ItemText<'db> {
    #[returns(ref)]
    pub text: String,
}

/// One item of a clean chunk: where it lies in the chunk's text, its trees
/// with spans counted from its own start, and its lines.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemParse {
    pub span: Span,
    /// The item's key before its occurrence is counted ([`item_keys`]).
    pub base: Arc<str>,
    pub tree: Shared<ItemTree>,
    pub header: Shared<ItemTree>,
    pub summary: Shared<ast::Item>,
    pub lines: Shared<LineIndex>,
}

/// The items of one chunk's text when it parses cleanly on its own
/// (`mvl_syntax::parse_alone`); `None` when it has an error, which the
/// file's parse then recovers from in place. It reads no input, so its
/// value stays valid for as long as the text is interned.
#[salsa::tracked(returns(ref))]
pub fn parse_item<'db>(db: &'db dyn Db, text: ItemText<'db>) -> Option<Vec<ItemParse>> {
    let text = text.text(db);
    db.executing("parse_item", &|| {
        let end = text.find(['(', '{', '<', '\n', ';']).unwrap_or(text.len());
        text[..end].trim().to_string()
    });
    let items = mvl_syntax::parse_alone(text)?;
    Some(
        items
            .into_iter()
            .map(|item| item_parse(text, item, 0))
            .collect(),
    )
}

/// `item` (spans counted from `origin` in `text`) with its spans made
/// relative to its own start, its header and its lines.
fn item_parse(text: &str, mut item: ast::Item, origin: u32) -> ItemParse {
    let span = item.span();
    if span.start != 0 {
        mvl_syntax::rebase::rebase_item(&mut item, span.start);
    }
    let own = text
        .get((span.start - origin) as usize..(span.end - origin) as usize)
        .unwrap_or_default();
    let header = mvl_syntax::rebase::header(&item);
    ItemParse {
        span,
        base: base_key(&item).into(),
        summary: Shared::new(mvl_syntax::rebase::summary(&header)),
        header: Shared::new(ItemTree::new(header)),
        tree: Shared::new(ItemTree::new(item)),
        lines: Shared::new(LineIndex::new(own)),
    }
}

/// Starts parsing `program`'s root file from its last item backwards on a
/// second thread, while the caller's queries parse it from the front, when
/// the file is large enough for a second core to pay ([`PRIME_BYTES`]);
/// then, likewise from the back, the names each item's bodies refer to
/// (`item_refs`). The two meet where they cross: salsa lets one thread
/// compute a query and the other wait for its value, so nothing is done
/// twice and the results are those of one thread. The thread holds a
/// handle on the database only while it works; a write to an input
/// cancels it.
pub fn prime(db: &Database, program: Program) {
    let root = program.root(db);
    if root.text(db).len() < PRIME_BYTES {
        return;
    }
    let db = db.clone();
    std::thread::spawn(move || {
        let _ = salsa::Cancelled::catch(|| {
            let text = root.text(&db);
            let Some(ranges) = mvl_syntax::item_ranges(text) else {
                return;
            };
            for range in ranges.into_iter().rev() {
                if parse_item(&db, ItemText::new(&db, &text[range])).is_none() {
                    // A syntax error: the file gets the recovering parse.
                    return;
                }
            }
            let items = &file_items(&db, root).items;
            for item in items.iter().rev() {
                item_refs(&db, program, *item);
            }
        });
    });
}

/// The size of a root file above which [`prime`] starts a second thread.
pub const PRIME_BYTES: usize = 256 * 1024;

/// The items of a file without syntax errors, each range of
/// `mvl_syntax::item_ranges` from [`parse_item`]; `None` when a range does
/// not parse cleanly on its own (the file has an error, or the cut was
/// wrong), and the file needs the recovering parse.
fn parse_clean(db: &dyn Db, text: &str) -> Option<Vec<ItemParse>> {
    let mut out = Vec::new();
    for range in mvl_syntax::item_ranges(text)? {
        let items = parse_item(db, ItemText::new(db, &text[range.clone()])).as_ref()?;
        let at = range.start as u32;
        out.extend(items.iter().map(|item| ItemParse {
            span: Span::new(
                (at + item.span.start) as usize,
                (at + item.span.end) as usize,
            ),
            ..item.clone()
        }));
    }
    Some(out)
}

/// Parses one file, recovering from syntax errors (see `mvl_syntax`). Each
/// chunk that parses cleanly comes from [`parse_item`], so a new text
/// re-parses only the chunks whose text is new; the others keep their
/// trees (the same `Arc`s), and everything that read them stays valid.
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn Db, file: SourceFile) -> ParsedFile {
    db.executing("parse", &|| file.path(db).clone());
    let text = file.text(db);
    let prebuilt = match file.kind(db).is_stdlib() {
        true => prebuilt_items(text),
        false => None,
    };
    let mut parsed: Vec<ItemParse> = Vec::new();
    let (syntax_errors, broken_names) = match prebuilt {
        Some((items, broken_names)) => {
            parsed = items;
            (Vec::new(), broken_names)
        }
        None => match parse_clean(db, text) {
            Some(clean) => {
                parsed = clean;
                (Vec::new(), Vec::new())
            }
            None => {
                let mut reused: Vec<&Vec<ItemParse>> = Vec::new();
                let pieces = mvl_syntax::parse_file_reusing(text, &mut |chunk| match parse_item(
                    db,
                    ItemText::new(db, chunk),
                ) {
                    Some(items) => {
                        reused.push(items);
                        true
                    }
                    None => false,
                });
                let mut reused = reused.into_iter();
                for piece in pieces.pieces {
                    match piece {
                        mvl_syntax::Piece::Reused(at) => {
                            for item in reused.next().into_iter().flatten() {
                                parsed.push(ItemParse {
                                    span: Span::new(
                                        (at.start + item.span.start) as usize,
                                        (at.start + item.span.end) as usize,
                                    ),
                                    ..item.clone()
                                });
                            }
                        }
                        mvl_syntax::Piece::Parsed(items) => {
                            parsed.extend(items.into_iter().map(|i| item_parse(text, i, 0)));
                        }
                    }
                }
                (pieces.errors, pieces.broken_names)
            }
        },
    };
    let errors = syntax_errors
        .iter()
        .map(|e| {
            let d = Diagnostic::error(
                e.code,
                e.message.clone(),
                file.id(db),
                e.span,
                e.label.clone(),
            );
            let d = match &e.help {
                Some(help) => d.with_help(help.clone()),
                None => d,
            };
            match &e.fix {
                Some(fix) => d.with_suggestion(
                    fix.message.clone(),
                    file.id(db),
                    fix.span,
                    fix.replacement.clone(),
                ),
                None => d,
            }
        })
        .collect();
    let keys = numbered(parsed.iter().map(|p| &*p.base));
    let ids = db.item_refs(file.id(db), &keys);
    let items = parsed
        .into_iter()
        .zip(keys)
        .zip(ids)
        .map(|((p, key), id)| ParsedItem {
            key,
            id,
            tree: p.tree,
            header: p.header,
            summary: p.summary,
            lines: p.lines,
            span: p.span,
        })
        .collect();
    ParsedFile {
        items,
        broken_names: Arc::new(broken_names),
        has_errors: !syntax_errors.is_empty(),
        errors,
    }
}

/// The items of the standard library file `text` as parsed when
/// `mvl-stdlib-source` was built, if it is one of its files unchanged:
/// each item's header and summary decoded now, its full tree when first
/// read ([`ItemTree`]); and the file's broken names. Decoding the headers
/// costs a fraction of parsing the file, on every run.
fn prebuilt_items(text: &str) -> Option<(Vec<ItemParse>, Vec<String>)> {
    let parsed = mvl_stdlib_source::parsed(text)?;
    let file: mvl_syntax::rebase::PrebuiltFile = postcard::from_bytes(parsed.index).ok()?;
    let mut items = Vec::with_capacity(file.items.len());
    for item in file.items {
        let own = parsed
            .source
            .get(item.span.start as usize..item.span.end as usize)?;
        let range = |r: &std::ops::Range<u32>| parsed.trees.get(r.start as usize..r.end as usize);
        let header = range(&item.header)?;
        let tree = range(&item.tree)?;
        items.push(ItemParse {
            span: item.span,
            base: base_key(&item.summary).into(),
            tree: Shared::new(ItemTree::encoded(tree, own, false)),
            header: Shared::new(ItemTree::encoded(header, own, true)),
            summary: Shared::new(item.summary),
            lines: Shared::new(LineIndex::new(own)),
        });
    }
    Some((items, file.broken_names))
}

/// The start of every line of a file, computed once per file text: lowering
/// maps every instruction's span to its line through it, and the renderer
/// finds the line of a diagnostic with it.
#[salsa::tracked(returns(ref))]
pub fn line_index(db: &dyn Db, file: SourceFile) -> LineIndex {
    db.executing("line_index", &|| file.path(db).clone());
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
    pub tree: Shared<ItemTree>,
    /// The tree without its bodies (`mvl_syntax::rebase::header`): what
    /// declarations read, so that a body edit leaves them alone.
    #[tracked]
    #[returns(ref)]
    pub header: Shared<ItemTree>,
    /// The header without the types of functions that have a body
    /// (`mvl_syntax::rebase::summary`): what declarations read, so that a
    /// signature edit leaves them alone too.
    #[tracked]
    #[returns(ref)]
    pub summary: Shared<ast::Item>,
    #[tracked]
    #[returns(ref)]
    pub lines: Shared<LineIndex>,
}

/// A file's items, position-independent (see [`ItemSyntax`]).
#[derive(Clone, Debug, PartialEq, salsa::SalsaValue)]
pub struct FileItems<'db> {
    pub items: Vec<ItemSyntax<'db>>,
    /// Where each item is in `items`.
    pub index: FastMap<ItemRef, usize>,
    /// See `ast::File::broken_names`.
    pub broken_names: Arc<Vec<String>>,
    pub has_errors: bool,
}

/// The key each item of `file` is known by: its kind and name, and which
/// occurrence of that key it is (`fn f`, `impl Point#1`, `error#0`).
pub fn item_keys<'a>(items: impl Iterator<Item = &'a ast::Item>) -> Vec<String> {
    let bases: Vec<String> = items.map(base_key).collect();
    numbered(bases.iter().map(String::as_str))
}

/// Each of `bases` with the number of its occurrence: `fn f#0`.
fn numbered<'a>(bases: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen: FastMap<&str, u32> = FastMap::default();
    bases
        .map(|base| {
            let n = seen.entry(base).or_insert(0);
            *n += 1;
            // Not `format!`: this names every item of every file on each
            // run, the standard library's included.
            let mut key = String::with_capacity(base.len() + 3);
            key.push_str(base);
            key.push('#');
            key.push_str(&(*n - 1).to_string());
            key
        })
        .collect()
}

/// An item's kind and name: `fn f`, `impl Point`.
fn base_key(item: &ast::Item) -> String {
    match item {
        ast::Item::Fn(f) => ["fn ", &f.name.name].concat(),
        ast::Item::Struct(s) => ["type ", &s.name.name].concat(),
        ast::Item::Enum(e) => ["type ", &e.name.name].concat(),
        ast::Item::Impl(i) => ["impl ", &type_key(&i.target)].concat(),
        ast::Item::Import(i) => ["import ", &i.module.name].concat(),
        ast::Item::Const(c) => ["fn ", &c.name.name].concat(),
        ast::Item::Test(t) => format!("test {:?}", t.name),
        ast::Item::Error(_) => "error".to_string(),
    }
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
    db.executing("file_items", &|| file.path(db).clone());
    let parsed = parse(db, file);
    let items = parsed
        .items
        .iter()
        .map(|item| {
            ItemSyntax::new(
                db,
                item.id,
                item.tree.clone(),
                item.header.clone(),
                item.summary.clone(),
                item.lines.clone(),
            )
        })
        .collect::<Vec<_>>();
    let index = items
        .iter()
        .enumerate()
        .map(|(i, item)| (item.id(db), i))
        .collect();
    FileItems {
        items,
        index,
        broken_names: parsed.broken_names.clone(),
        has_errors: parsed.has_errors,
    }
}

/// Where each item of a file starts: what turns an item-relative span back
/// into a position in the file. Read only where positions are shown
/// (diagnostics, line tables at link time), so that moving an item re-runs
/// nothing else.
#[salsa::tracked(returns(ref))]
pub fn item_offsets(db: &dyn Db, file: SourceFile) -> FastMap<ItemRef, u32> {
    db.executing("item_offsets", &|| file.path(db).clone());
    // `file_items` holds the identities of `parse`'s items, in its order.
    file_items(db, file)
        .items
        .iter()
        .zip(&parse(db, file).items)
        .map(|(item, parsed)| (item.id(db), parsed.span.start))
        .collect()
}

/// The identities of the functions an item declares (see
/// `sema::FileItem::fns`): a `fn` or `const` is its item; a method is its
/// `impl` and its name.
fn declared_fns(db: &dyn Db, file: FileId, item: ItemRef, tree: &ast::Item) -> Vec<u32> {
    match tree {
        ast::Item::Fn(_) | ast::Item::Const(_) | ast::Item::Test(_) => vec![item.0],
        ast::Item::Impl(imp) => {
            let names: Vec<&str> = imp.methods.iter().map(|m| m.name.name.as_str()).collect();
            db.method_refs(file, item, &names)
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
    db.executing("program_files", &|| program.root(db).path(db).clone());
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
            let external = program
                .externs(db)
                .iter()
                .find(|f| module_of(db, **f) == name);
            if let Some(interface) = external {
                files.push(*interface);
                continue;
            }
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
        .filter_map(|item| match &**item.tree {
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

/// The name a file's module is imported by.
fn module_of(db: &dyn Db, f: SourceFile) -> String {
    match f.kind(db) {
        FileKind::Prelude => String::new(),
        FileKind::StdlibModule => module_name(f.path(db).trim_matches(|c| c == '<' || c == '>')),
        FileKind::User | FileKind::Interface => module_name(f.path(db)),
    }
}

/// The files of `program` as the checker sees them, each item given by
/// `view` (its full tree, or its header).
fn file_asts<'db>(
    db: &'db dyn Db,
    program: Program,
    view: fn(&'db dyn Db, ItemSyntax<'db>) -> &'db ast::Item,
) -> Vec<FileAst<'db>> {
    program_files(db, program)
        .iter()
        .map(|f| {
            let items = file_items(db, *f);
            FileAst {
                file: f.id(db),
                module_name: module_of(db, *f),
                items: items
                    .items
                    .iter()
                    .map(|i| FileItem {
                        item: i.id(db),
                        tree: view(db, *i),
                        fns: declared_fns(db, f.id(db), i.id(db), i.summary(db)),
                    })
                    .collect(),
                broken_names: &items.broken_names,
                is_stdlib: f.kind(db).is_stdlib(),
                is_interface: f.kind(db) == FileKind::Interface,
            }
        })
        .collect()
}

fn header_of<'db>(db: &'db dyn Db, item: ItemSyntax<'db>) -> &'db ast::Item {
    item.header(db)
}

fn summary_of<'db>(db: &'db dyn Db, item: ItemSyntax<'db>) -> &'db ast::Item {
    item.summary(db)
}

/// Whether a file's parse gave up and returned no items (its lexer
/// stopped; see `mvl_syntax::parse_file`): checking the rest would report
/// names from it as missing, so nothing is checked.
fn gave_up(db: &dyn Db, program: Program) -> bool {
    program_files(db, program).iter().any(|f| {
        let items = file_items(db, *f);
        items.has_errors && items.items.is_empty()
    })
}

/// Everything the program declares, read from the items' summaries (their
/// headers without functions' types): neither a body edit nor a signature
/// edit re-runs it.
#[salsa::tracked(returns(ref))]
pub fn declarations(db: &dyn Db, program: Program) -> Arc<Declarations> {
    db.executing("declarations", &|| program.root(db).path(db).clone());
    if gave_up(db, program) {
        return Arc::default();
    }
    Arc::new(sema::declare(&file_asts(db, program, summary_of)))
}

/// The functions each declared function of one item names (see
/// `sema::references`): the call graph's edges out of that item. Re-runs
/// when the item changes, and is reused when its references did not.
#[salsa::tracked(returns(ref))]
pub fn item_refs<'db>(
    db: &'db dyn Db,
    program: Program,
    item: ItemSyntax<'db>,
) -> Vec<(FnId, sema::Refs)> {
    db.executing("item_refs", &|| item_name(item.tree(db)));
    if !matches!(
        item.summary(db).as_ref(),
        ast::Item::Fn(_) | ast::Item::Const(_) | ast::Item::Test(_) | ast::Item::Impl(_)
    ) {
        // Declares no function.
        return Vec::new();
    }
    let scope = item_scope(db, program, item);
    scope
        .decls
        .iter()
        .filter_map(|d| {
            let decl = sema::fn_decl(d, item.tree(db))?;
            Some((d.id, sema::references(scope, &decl)))
        })
        .collect()
}

/// What the bodies of one item are checked against (`sema::Scope`): the
/// program's declarations restricted to the names the item's paths write
/// (the "did you mean" of a name it does not find is [`name_hint`]'s), and
/// the item's declared functions. Re-runs when the
/// declarations or the item change, and is equal again unless what the
/// item names (or could have meant) changed: adding an item re-runs the
/// bodies that name it, not every body.
#[salsa::tracked(returns(ref))]
pub fn item_scope<'db>(
    db: &'db dyn Db,
    program: Program,
    item: ItemSyntax<'db>,
) -> Arc<sema::Scope> {
    db.executing("item_scope", &|| item_name(item.tree(db)));
    let decls = declarations(db, program);
    Arc::new(sema::Scope::of_item(decls, item.id(db), item.tree(db)))
}

/// Where declared function `id` is: its declaration, its item and the
/// members of its call-graph component (callees first order of components
/// aside). See [`fn_site`].
#[derive(Clone, Debug, PartialEq, salsa::SalsaValue)]
pub struct FnSite<'db> {
    pub decl: sema::DeclRef,
    /// `None` when its file no longer has the item.
    pub item: Option<ItemSyntax<'db>>,
    pub members: Vec<FnId>,
}

/// Where declared function `id` (a closure: its function) is
/// ([`FnSite`]): the one firewall between a function's queries and the
/// program-wide tables it is found in (the declarations, its file's list
/// of items, the call graph), which adding an item changes. Equal again as
/// long as its declaration, its item and its component are, whatever the
/// program adds elsewhere. One query rather than one per table, because
/// every edit has salsa verify each function's chain: the fewer memos per
/// function, the cheaper an edit in a large program.
#[salsa::tracked(returns(ref))]
pub fn fn_site<'db>(db: &'db dyn Db, program: Program, id: FnId) -> Option<FnSite<'db>> {
    let id = FnId::declared(id.decl);
    let decls = declarations(db, program);
    let decl = decls.by_id.get(&id).map(|i| decls.decls[*i].clone());
    db.executing("fn_site", &|| match &decl {
        Some(d) => d.name.clone(),
        None => format!("{id:?}"),
    });
    let decl = decl?;
    let item = decl.file.item.and_then(|item| {
        let items = file_items(db, db.source(decl.file.file));
        items.index.get(&item).map(|i| items.items[*i])
    });
    let graph = call_graph(db, program);
    let members = match graph.component_of.get(&id) {
        Some(c) => graph.components[*c].clone(),
        // A library function the user's functions do not name (a method
        // found through a method call): its component, from what it
        // reaches.
        None => {
            let (ids, refs) = reached_refs(db, program, std::iter::once(id), false);
            sema::components(&ids, &refs)
                .into_iter()
                .find(|members| members.contains(&id))
                .unwrap_or_default()
        }
    };
    Some(FnSite {
        decl,
        item,
        members,
    })
}

/// The item `item` of `file` (`None` if the file no longer has it): a
/// firewall between the list of a file's items, which adding one changes,
/// and lowering's line table of the item ([`item_lines`]).
#[salsa::tracked(returns(copy))]
pub fn item_of<'db>(db: &'db dyn Db, file: SourceFile, item: ItemRef) -> Option<ItemSyntax<'db>> {
    let items = file_items(db, file);
    let found = items.index.get(&item).map(|i| items.items[*i]);
    // Named from the item's summary, which a body edit leaves equal.
    db.executing("item_of", &|| match found {
        Some(item) => item_name(item.summary(db)),
        None => format!("{item:?}"),
    });
    found
}

/// A declared function's name for the execution log (`Point::norm`, with
/// `#k` for its `k`-th closure).
fn fn_name(db: &dyn Db, program: Program, id: FnId) -> String {
    let name = fn_site(db, program, id)
        .as_ref()
        .map(|s| s.decl.name.clone())
        .unwrap_or_else(|| format!("{id:?}"));
    match id.closure {
        0 => name,
        k => format!("{name}#{k}"),
    }
}

/// An item's name for the execution log.
fn item_name(item: &ast::Item) -> String {
    match item {
        ast::Item::Fn(f) => f.name.name.clone(),
        ast::Item::Const(c) => c.name.name.clone(),
        ast::Item::Struct(s) => s.name.name.clone(),
        ast::Item::Enum(e) => e.name.name.clone(),
        ast::Item::Impl(i) => format!("impl {}", type_key(&i.target)),
        ast::Item::Import(i) => format!("import {}", i.module.name),
        ast::Item::Test(t) => format!("test {:?}", t.name),
        ast::Item::Error(_) => "error".to_string(),
    }
}

/// The strongly connected components of the call graph, callees first,
/// and each declared function's component.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CallGraph {
    pub components: Vec<Vec<FnId>>,
    pub component_of: HashMap<FnId, usize>,
}

/// The call graph of the user's functions and of the library functions
/// they reach by name (transitively): a library item nothing of the
/// program names is never asked for its references, so a small program
/// does not pay for the whole library. A function's component depends only
/// on what it reaches, so it is the same in this graph as in the whole
/// program's; [`fn_site`] finds the component of a library
/// function reached otherwise (a method call resolved during inference).
#[salsa::tracked(returns(ref))]
pub fn call_graph(db: &dyn Db, program: Program) -> Arc<CallGraph> {
    db.executing("call_graph", &|| program.root(db).path(db).clone());
    let decls = declarations(db, program);
    let roots = decls
        .decls
        .iter()
        .filter(|d| !db.source(d.file.file).kind(db).is_stdlib())
        .map(|d| d.id);
    let (ids, refs) = reached_refs(db, program, roots, false);
    Arc::new(CallGraph::of(&ids, &refs))
}

impl CallGraph {
    fn of(ids: &[FnId], refs: &HashMap<FnId, Vec<FnId>>) -> CallGraph {
        let components = sema::components(ids, refs);
        let component_of = components
            .iter()
            .enumerate()
            .flat_map(|(c, members)| members.iter().map(move |m| (*m, c)))
            .collect();
        CallGraph {
            components,
            component_of,
        }
    }
}

/// The declared functions `roots` reach through the references of their
/// items' bodies (`sema::Refs::named`, and `methods` too when
/// `with_methods`), in declaration order, and the edges out of each. Every
/// function of a visited item is visited (an `impl`'s methods together),
/// with what it reaches. Reads the references only of the items visited.
fn reached_refs(
    db: &dyn Db,
    program: Program,
    roots: impl Iterator<Item = FnId>,
    with_methods: bool,
) -> (Vec<FnId>, HashMap<FnId, Vec<FnId>>) {
    let decls = declarations(db, program);
    let mut seen: std::collections::HashSet<FnId> = std::collections::HashSet::new();
    let mut items_seen: std::collections::HashSet<(FileId, ItemRef)> =
        std::collections::HashSet::new();
    let mut work: Vec<FnId> = roots.filter(|r| seen.insert(*r)).collect();
    let mut refs: HashMap<FnId, Vec<FnId>> = HashMap::new();
    while let Some(id) = work.pop() {
        let Some(d) = decls.by_id.get(&id).map(|i| &decls.decls[*i]) else {
            continue;
        };
        let Some(item_ref) = d.file.item else {
            continue;
        };
        if !items_seen.insert((d.file.file, item_ref)) {
            continue;
        }
        let items = file_items(db, db.source(d.file.file));
        let Some(&at) = items.index.get(&item_ref) else {
            continue;
        };
        for (from, to) in item_refs(db, program, items.items[at]) {
            let mut edges = to.named.clone();
            if with_methods {
                edges.extend(to.methods.iter().copied());
            }
            for f in std::iter::once(from).chain(&edges) {
                if seen.insert(*f) {
                    work.push(*f);
                }
            }
            refs.insert(*from, edges);
        }
    }
    let ids = decls
        .decls
        .iter()
        .map(|d| d.id)
        .filter(|id| seen.contains(id))
        .collect();
    (ids, refs)
}

/// The declaration of `id` (a declared function) and its item.
fn decl_of<'db>(
    db: &'db dyn Db,
    program: Program,
    id: FnId,
) -> Option<(&'db sema::DeclRef, ItemSyntax<'db>)> {
    let site = fn_site(db, program, id).as_ref()?;
    Some((&site.decl, site.item?))
}

/// The type of declared function `id` as its callers see it: from its
/// declaration when that is fully annotated and not generic, otherwise
/// from its component's inference. `None` inside a cycle of method calls.
#[salsa::tracked(returns(ref))]
pub fn fn_scheme(db: &dyn Db, program: Program, id: FnId) -> Option<Scheme> {
    db.executing("fn_scheme", &|| fn_name(db, program, id));
    if let Some((d, item)) = decl_of(db, program, id) {
        let declared = sema::fn_decl(d, item.header(db))
            .and_then(|decl| sema::declared_scheme(item_scope(db, program, item), &decl));
        if let Some(scheme) = declared {
            return Some(scheme);
        }
    }
    let inferred = infer_component(db, program, id);
    inferred.functions.get(&id).map(|f| f.scheme.clone())
}

/// Infers the component of declared function `member`: its members' typed
/// bodies and schemes, self-contained (their types are read through the
/// component's own table). Reads only its members' declarations, items,
/// scopes and references, and its callees' schemes: re-runs when a
/// member's body, what it names, or the scheme of a function it calls,
/// changes; not when an item is added that it does not name.
#[salsa::tracked(returns(ref), cycle_result = infer_cycle)]
pub fn infer_component(db: &dyn Db, program: Program, member: FnId) -> Arc<Inferred> {
    db.executing("infer_component", &|| fn_name(db, program, member));
    let members: &[FnId] = fn_site(db, program, member)
        .as_ref()
        .map_or(&[], |s| &s.members);
    let Some(&first) = members.first() else {
        return Arc::default();
    };
    if first != member {
        // One query per component: its first member's.
        return infer_component(db, program, first).clone();
    }
    let mut asts: Vec<sema::FnDecl<'_>> = Vec::new();
    let mut scope: Option<sema::Scope> = None;
    let mut items: Vec<ItemSyntax<'_>> = Vec::new();
    // The schemes of what the members name, then of what inference found
    // they call (methods, once receivers' types were known).
    let mut wanted: Vec<FnId> = Vec::new();
    for m in members {
        let Some((d, item)) = decl_of(db, program, *m) else {
            continue;
        };
        if let Some(decl) = sema::fn_decl(d, item.tree(db)) {
            asts.push(decl);
        }
        if !items.contains(&item) {
            items.push(item);
            let own = item_scope(db, program, item);
            match &mut scope {
                Some(scope) => scope.extend(own),
                None => scope = Some((**own).clone()),
            }
        }
        for (id, to) in item_refs(db, program, item) {
            if id == m {
                wanted.extend(to.named.iter().filter(|t| !members.contains(t)));
            }
        }
    }
    let scope = scope.unwrap_or_default();
    let natives = natives(db, program);
    let mut callees: HashMap<FnId, Scheme> = HashMap::new();
    let mut hints: HashMap<sema::env::NameHint, Option<String>> = HashMap::new();
    loop {
        for w in wanted.drain(..) {
            if callees.contains_key(&w) {
                continue;
            }
            if let Some(scheme) = fn_scheme(db, program, w) {
                callees.insert(w, scheme.clone());
            }
        }
        let inferred = sema::infer_component(
            &scope,
            natives,
            &|n| native_scheme(db, program, n).0.clone(),
            &asts,
            callees.clone(),
            hints.clone(),
        );
        let missing: Vec<FnId> = inferred
            .wanted
            .iter()
            .filter(|w| !callees.contains_key(w) && !members.contains(w))
            .copied()
            .collect();
        // A wanted scheme that does not come (a cycle of method calls) is
        // not asked for again: its uses have an error type.
        let fetchable: Vec<FnId> = missing
            .iter()
            .filter(|w| fn_scheme(db, program, **w).is_some())
            .copied()
            .collect();
        // The "did you mean" answers for the names it could not find,
        // asked of the whole program.
        let questions: Vec<sema::env::NameHint> = inferred
            .wanted_hints
            .iter()
            .filter(|h| !hints.contains_key(*h))
            .cloned()
            .collect();
        if fetchable.is_empty() && questions.is_empty() {
            return Arc::new(inferred);
        }
        for h in questions {
            let answer = name_hint(db, program, h.clone()).clone();
            hints.insert(h, answer);
        }
        wanted = fetchable;
    }
}

/// The closest name the whole program offers for a name a body wrote that
/// resolves to nothing (its "did you mean"), for an inference whose scope
/// holds only the values it names. Re-runs when the declarations change;
/// equal again unless the answer changed.
#[salsa::tracked(returns(ref))]
pub fn name_hint(db: &dyn Db, program: Program, hint: sema::env::NameHint) -> Option<String> {
    db.executing("name_hint", &|| match &hint {
        sema::env::NameHint::Value(_, n) | sema::env::NameHint::Item(_, n) => n.clone(),
    });
    declarations(db, program).env.near(&hint)
}

/// A component whose inference needs its own result: its functions call
/// each other through method calls that no call-graph edge saw. Each member
/// is reported, asking for the annotations that break the cycle.
fn infer_cycle(db: &dyn Db, _id: salsa::Id, program: Program, member: FnId) -> Arc<Inferred> {
    let mut inferred = Inferred::default();
    if let Some(d) = fn_site(db, program, member).as_ref().map(|s| &s.decl) {
        inferred.diags.push(
            Diagnostic::error(
                "E0209",
                format!(
                    "type annotations needed: `{}` calls itself through method calls",
                    d.name
                ),
                d.file,
                Span::default(),
                "part of a cycle of calls the compiler cannot order",
            )
            .with_help("annotate every parameter and the return type of one function in the cycle"),
        );
    }
    Arc::new(inferred)
}

/// Where the lines of one item's text start (empty for `None`, the file
/// level): a firewall, so that lowering a function does not depend on the
/// list of its file's items.
#[salsa::tracked(returns(ref))]
pub fn item_lines(db: &dyn Db, file: SourceFile, item: Option<ItemRef>) -> Arc<LineIndex> {
    let found = item.and_then(|i| item_of(db, file, i));
    db.executing("item_lines", &|| match found {
        Some(item) => item_name(item.tree(db)),
        None => file.path(db).clone(),
    });
    found
        .map(|item| item.lines(db).0.clone())
        .unwrap_or_else(|| Arc::new(LineIndex::new("")))
}

/// The standard library's natives (unchanged by any user edit).
#[salsa::tracked(returns(ref))]
pub fn natives(db: &dyn Db, program: Program) -> Arc<Vec<sema::NativeInfo>> {
    db.executing("natives", &|| program.root(db).path(db).clone());
    declarations(db, program).natives.clone()
}

/// The type scheme of native `id`, from the annotations of its declaration
/// (in its item's summary, which keeps a bodyless function's types), and
/// what lowering them reported (nothing, for the standard library:
/// [`stdlib_diagnostics`] checks every native). Asked by the inference of
/// the bodies that name the native, so a program lowers the annotations of
/// the natives it uses and no others. Re-runs when the declarations change;
/// equal again unless the native's types did.
#[salsa::tracked(returns(ref))]
pub fn native_scheme(
    db: &dyn Db,
    program: Program,
    id: sema::ir::NativeId,
) -> (Scheme, Vec<Diagnostic>) {
    let decls = declarations(db, program);
    let native = decls.natives.get(id.0 as usize);
    db.executing("native_scheme", &|| {
        native.map_or_else(|| format!("{id:?}"), |n| n.name.clone())
    });
    let item = native.and_then(|n| {
        let items = file_items(db, db.source(n.file.file));
        let item = n.file.item?;
        items.index.get(&item).map(|i| items.items[*i])
    });
    match item {
        Some(item) => sema::native_scheme(decls, id, item.summary(db)),
        None => sema::native_scheme(decls, id, &error_item()),
    }
}

/// Lowers one function to bytecode, from its component's typed body alone.
#[salsa::tracked(returns(ref))]
pub fn lower_fn(db: &dyn Db, program: Program, id: FnId) -> Result<LoweredFn, CodegenError> {
    let inferred = infer_component(db, program, FnId::declared(id.decl));
    let Some(info) = inferred.functions.get(&id) else {
        return Err(CodegenError {
            message: format!("no function {id:?}"),
            span: ast::Span::default(),
        });
    };
    // Named from its own body, so that logging adds no dependency.
    db.executing("lower_fn", &|| info.name.clone());
    let file_index = program_files(db, program)
        .iter()
        .position(|f| f.id(db) == info.file.file)
        .unwrap_or(0) as u32;
    let lines = item_lines(db, db.source(info.file.file), info.file.item);
    let opt = program.opt_level(db);
    let consts = |c: FnId| match opt {
        codegen::OptLevel::O => const_value(db, program, c).clone(),
        codegen::OptLevel::O0 => None,
    };
    let inline = |callee: FnId| match opt {
        codegen::OptLevel::O => inline_candidate(db, program, callee).as_ref(),
        codegen::OptLevel::O0 => None,
    };
    codegen::lower_function(
        info,
        &inferred.table,
        natives(db, program),
        file_index,
        lines,
        opt,
        crate::lower::CalleeFacts {
            consts: &consts,
            returns: &|c| fn_returns(db, program, c),
        },
        &inline,
    )
}

/// The MIR type of what function `id` returns, by its signature (`Any`
/// for a type variable or a function without one): what a caller's
/// lowering may assume of a call's result.
pub fn fn_returns(db: &dyn Db, program: Program, id: FnId) -> mvl_mir::MirTy {
    fn_scheme(db, program, id)
        .as_ref()
        .map_or(mvl_mir::MirTy::Any, crate::lower::scheme_result)
}

/// The declared functions that may be part of a recursion: those in a
/// cycle (or calling themselves) of the call graph's edges together with
/// an edge from every method call `x.m(..)` to every method named `m`
/// (`sema::Refs::methods`, a superset of what such calls reach, which the
/// call graph leaves out). A closure's references count as its function's.
/// Calls through function values are not edges: their callee is not known;
/// inlining is one level, so even there what it makes is bounded.
#[salsa::tracked(returns(ref))]
pub fn recursive_fns(db: &dyn Db, program: Program) -> Arc<BTreeSet<FnId>> {
    db.executing("recursive_fns", &|| program.root(db).path(db).clone());
    let decls = declarations(db, program);
    // Over what the user's functions reach (the code that is lowered); a
    // function outside it counts as recursive, so it is never inlined
    // without its references having been read.
    let roots = decls
        .decls
        .iter()
        .filter(|d| !db.source(d.file.file).kind(db).is_stdlib())
        .map(|d| d.id);
    let (ids, refs) = reached_refs(db, program, roots, true);
    let visited: std::collections::HashSet<&FnId> = ids.iter().collect();
    let mut recursive: BTreeSet<FnId> = decls
        .decls
        .iter()
        .map(|d| d.id)
        .filter(|id| !visited.contains(id))
        .collect();
    for members in sema::components(&ids, &refs) {
        if members.len() > 1 {
            recursive.extend(members);
        } else if refs
            .get(&members[0])
            .is_some_and(|to| to.contains(&members[0]))
        {
            recursive.insert(members[0]);
        }
    }
    Arc::new(recursive)
}

/// The optimised MIR of `id` when callers may inline it (at `-O`): a
/// declared function (not a closure), not in [`recursive_fns`], that
/// names nothing of itself, small enough
/// ([`mvl_mir::passes::inline::is_small`]). Its lines count from its own
/// item's first line, so moving it in its file leaves the value, and its
/// callers' lowering, as they were; an edit of its body re-lowers the
/// callers it is inlined into. Its own calls are not inlined into it, so
/// inlining is one level.
#[salsa::tracked(returns(ref))]
pub fn inline_candidate(db: &dyn Db, program: Program, id: FnId) -> Option<codegen::InlineBody> {
    db.executing("inline_candidate", &|| fn_name(db, program, id));
    if id.closure != 0 || program.opt_level(db) != codegen::OptLevel::O {
        return None;
    }
    if recursive_fns(db, program).contains(&id) {
        return None;
    }
    let inferred = infer_component(db, program, FnId::declared(id.decl));
    let info = inferred.functions.get(&id)?;
    let lines = item_lines(db, db.source(info.file.file), info.file.item);
    let consts = |c: FnId| const_value(db, program, c).clone();
    let lowered = codegen::lower_mir(
        info,
        &inferred.table,
        natives(db, program),
        lines,
        codegen::OptLevel::O,
        crate::lower::CalleeFacts {
            consts: &consts,
            returns: &|c| fn_returns(db, program, c),
        },
        &|_| None,
    )
    .ok()?;
    if lowered.callees.contains(&id) || !mvl_mir::passes::inline::is_small(&lowered.body) {
        return None;
    }
    let file = program_files(db, program)
        .iter()
        .position(|f| f.id(db) == info.file.file)? as u32;
    Some(codegen::InlineBody {
        body: lowered.body,
        callees: lowered.callees,
        file,
    })
}

/// The line of its file the item of function `id` starts at (1 when it is
/// not known).
fn first_line_of(db: &dyn Db, program: Program, id: FnId) -> u32 {
    let inferred = infer_component(db, program, FnId::declared(id.decl));
    inferred
        .functions
        .get(&id)
        .map_or(1, |info| item_first_line(db, info.file))
}

/// The line of its file an item starts at.
fn item_first_line(db: &dyn Db, at: Anchor) -> u32 {
    let start = absolute(db, at, Span::default()).start;
    line_index(db, db.source(at.file)).line(start as usize)
}

/// The value of `const` `id` when its optimised body is that value alone
/// (`const LIMIT: Int = 10 * 1000;`), so that a use is the constant, not a
/// call (at `-O`); `None` for any other function, and for a constant
/// whose value is computed at run time (a call, an operation that may
/// fail, another constant). A caller's lowering depends on the value, not
/// on the constant's body.
#[salsa::tracked(returns(ref))]
pub fn const_value(db: &dyn Db, program: Program, id: FnId) -> Option<mvl_mir::Const> {
    db.executing("const_value", &|| fn_name(db, program, id));
    let d = &fn_site(db, program, id).as_ref()?.decl;
    if d.kind != DeclKind::Const || id.closure != 0 {
        return None;
    }
    let inferred = infer_component(db, program, id);
    let info = inferred.functions.get(&id)?;
    let lines = item_lines(db, db.source(info.file.file), info.file.item);
    let mut lowered = crate::lower::lower(
        info,
        &inferred.table,
        natives(db, program),
        lines,
        crate::lower::CalleeFacts {
            consts: &|_| None,
            returns: &|c| fn_returns(db, program, c),
        },
    )
    .ok()?;
    mvl_mir::verify::verify(&lowered.body).ok()?;
    mvl_mir::passes::optimise(&mut lowered.body).ok()?;
    match lowered.body.blocks.as_slice() {
        [block] if block.stmts.is_empty() => match &block.term {
            mvl_mir::Terminator::Return(mvl_mir::Operand::Const(value)) => Some(value.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The MIR of one function of the user's files, as [`user_mir`] gives it.
#[derive(Clone, Debug)]
pub struct FnMir {
    /// Its name, as diagnostics and stack traces print it.
    pub name: String,
    /// The names of the functions its `fnK` operands name, by `K`.
    pub callees: Vec<String>,
    /// The body (each statement's line counted in the file), or why it
    /// could not be lowered (or optimised).
    pub body: Result<mvl_mir::Body, String>,
}

/// The MIR of every function of the user's files, in source order, as code
/// generation receives it at level `opt`: lowered, verified, and at
/// [`codegen::OptLevel::O`] optimised. The `@N` of each statement is its
/// line in the file.
pub fn user_mir(db: &dyn Db, program: Program, opt: codegen::OptLevel) -> Vec<FnMir> {
    let files = program_files(db, program);
    let mut fns = Vec::new();
    for inferred in user_inferred(db, program) {
        for (id, info) in &inferred.functions {
            let rank = files
                .iter()
                .position(|f| f.id(db) == info.file.file)
                .unwrap_or(usize::MAX);
            let item = absolute(db, info.file, Span::default()).start;
            fns.push((rank, item, info.span.start, *id, inferred));
        }
    }
    fns.sort_by_key(|f| (f.0, f.1, f.2, f.3));
    let name_of = |id: &FnId| {
        infer_component(db, program, FnId::declared(id.decl))
            .functions
            .get(id)
            .map_or_else(|| format!("{id:?}"), |i| i.name.clone())
    };
    let mut out = Vec::new();
    for (_, item, _, id, inferred) in fns {
        let Some(info) = inferred.functions.get(&id) else {
            continue;
        };
        let lines = item_lines(db, db.source(info.file.file), info.file.item);
        let consts = |c: FnId| match opt {
            codegen::OptLevel::O => const_value(db, program, c).clone(),
            codegen::OptLevel::O0 => None,
        };
        let inline = |callee: FnId| match opt {
            codegen::OptLevel::O => inline_candidate(db, program, callee).as_ref(),
            codegen::OptLevel::O0 => None,
        };
        let lowered = codegen::lower_mir(
            info,
            &inferred.table,
            natives(db, program),
            lines,
            opt,
            crate::lower::CalleeFacts {
                consts: &consts,
                returns: &|c| fn_returns(db, program, c),
            },
            &inline,
        );
        out.push(match lowered {
            Ok(mut lowered) => {
                // Lines count from the first line of the item they come
                // from (this function's, or in an inline scope the inlined
                // function's); here they become the file's.
                let own = line_index(db, db.source(info.file.file)).line(item as usize);
                let body = &mut lowered.body;
                let firsts: Vec<u32> = body
                    .scopes
                    .iter()
                    .map(|s| {
                        lowered
                            .callees
                            .get(s.callee.0 as usize)
                            .map_or(own, |c| first_line_of(db, program, *c))
                    })
                    .collect();
                let first = |scope: Option<mvl_mir::ScopeId>| {
                    scope.map_or(own, |s| firsts.get(s.0 as usize).copied().unwrap_or(own))
                };
                let shift = |line: u32, first: u32| line.saturating_add(first.saturating_sub(1));
                for block in &mut body.blocks {
                    block.line = shift(block.line, first(block.scope));
                    for s in &mut block.stmts {
                        s.line = shift(s.line, first(s.scope));
                    }
                }
                for s in &mut body.scopes {
                    s.call_line = shift(s.call_line, first(s.parent));
                }
                FnMir {
                    name: info.name.clone(),
                    callees: lowered.callees.iter().map(name_of).collect(),
                    body: Ok(lowered.body),
                }
            }
            Err(e) => FnMir {
                name: info.name.clone(),
                callees: Vec::new(),
                body: Err(e.message),
            },
        });
    }
    out
}

/// [`user_mir`] as text (`mvlc build --emit=mir` at [`codegen::OptLevel::O0`],
/// `--emit=mir-opt` at the session's level): before each body, the
/// functions its `fnK` operands name.
pub fn program_mir(db: &dyn Db, program: Program, opt: codegen::OptLevel) -> String {
    let mut out = String::new();
    for f in user_mir(db, program, opt) {
        match &f.body {
            Ok(body) => {
                for (k, callee) in f.callees.iter().enumerate() {
                    out.push_str(&format!("// fn{k} = {callee}\n"));
                }
                out.push_str(&mvl_mir::print::body(body));
            }
            Err(message) => out.push_str(&format!("// `{}`: {message}\n", f.name)),
        }
        out.push('\n');
    }
    out
}

/// The inference of every component of the user's files, in call-graph
/// order. The standard library's functions are inferred only when a user
/// function needs them: for their schemes, or to lower the ones the program
/// reaches (see [`link_program`]). Nothing in the standard library calls a
/// user function by name, so no component mixes the two.
fn user_inferred(db: &dyn Db, program: Program) -> Vec<&Arc<Inferred>> {
    user_components(db, program)
        .iter()
        .map(|first| infer_component(db, program, *first))
        .collect()
}

/// The first member of every component of the user's files, in call-graph
/// order: computed once per call graph, so that gathering diagnostics after
/// an edit is one cached lookup per component.
#[salsa::tracked(returns(ref))]
pub fn user_components(db: &dyn Db, program: Program) -> Vec<FnId> {
    db.executing("user_components", &|| program.root(db).path(db).clone());
    let decls = declarations(db, program);
    call_graph(db, program)
        .components
        .iter()
        .filter(|members| {
            decls
                .by_id
                .get(&members[0])
                .is_some_and(|i| !db.source(decls.decls[*i].file.file).kind(db).is_stdlib())
        })
        .map(|members| members[0])
        .collect()
}

/// The inference of every component, the standard library's too.
fn components(db: &dyn Db, program: Program) -> Vec<&Arc<Inferred>> {
    whole_call_graph(db, program)
        .components
        .iter()
        .map(|members| infer_component(db, program, members[0]))
        .collect()
}

/// The call graph of every declared function, the whole library's too
/// (what [`stdlib_diagnostics`] checks).
fn whole_call_graph(db: &dyn Db, program: Program) -> CallGraph {
    let decls = declarations(db, program);
    let (ids, refs) = reached_refs(db, program, decls.decls.iter().map(|d| d.id), false);
    CallGraph::of(&ids, &refs)
}

/// What checking the standard library's own functions and the annotations
/// of its natives reports: nothing, as a test asserts (a program's
/// diagnostics leave them out).
pub fn stdlib_diagnostics(db: &dyn Db, program: Program) -> Vec<Diagnostic> {
    let natives = (0..declarations(db, program).natives.len()).flat_map(|i| {
        native_scheme(db, program, sema::ir::NativeId(i as u32))
            .1
            .iter()
            .cloned()
    });
    let all = components(db, program)
        .into_iter()
        .flat_map(|c| c.diags.iter().cloned())
        .chain(natives)
        .collect();
    sorted(db, program, all)
}

/// The whole program as a bytecode module, or `None` when it has errors
/// (see [`diagnostics`]). `test` items are left out.
#[salsa::tracked(returns(ref))]
pub fn compile(db: &dyn Db, program: Program) -> Option<Arc<Module>> {
    db.executing("compile", &|| program.root(db).path(db).clone());
    if checked(db, program).iter().any(|d| d.is_error()) {
        return None;
    }
    let main = declarations(db, program).main?;
    link_program(db, program, Roots::Everything { tests: false }, main).map(|(m, _)| Arc::new(m))
}

/// The program as `mvlc build` and `mvlc run` write and run it: what
/// [`compile`] makes, but holding only the functions `main` reaches
/// (through calls, function values, closures and method calls, in the code
/// as optimised) and only the natives they call. `None` when it has errors
/// (see [`diagnostics`], which still lowers every user function).
#[salsa::tracked(returns(ref))]
pub fn compile_reachable(db: &dyn Db, program: Program) -> Option<Arc<Module>> {
    db.executing("compile_reachable", &|| program.root(db).path(db).clone());
    if checked(db, program).iter().any(|d| d.is_error()) {
        return None;
    }
    let main = declarations(db, program).main?;
    link_program(db, program, Roots::Entry, main).map(|(m, _)| Arc::new(m))
}

/// Which functions [`link_program`] starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Roots {
    /// The entry and every function of the user's files (tests too when
    /// `tests`): what the REPL, `mvlc test` and libraries need.
    Everything { tests: bool },
    /// The entry alone: a program's `.mvb`, whose other functions nothing
    /// could call.
    Entry,
}

/// A program's `test` items, compiled for `mvlc test`.
#[derive(Clone, Debug, PartialEq)]
pub struct TestModule {
    /// The program with its tests (its entry is `main`, or the first test).
    pub module: Arc<Module>,
    /// Each test's name and function index, in source order.
    pub tests: Vec<(String, u32)>,
}

/// The program with its `test` items, for `mvlc test`, or `None` when it
/// has errors ([`test_diagnostics`]). A file of tests needs no `main`.
#[salsa::tracked(returns(ref))]
pub fn compile_tests(db: &dyn Db, program: Program) -> Option<TestModule> {
    db.executing("compile_tests", &|| program.root(db).path(db).clone());
    if test_diagnostics(db, program).iter().any(|d| d.is_error()) {
        return None;
    }
    let decls = declarations(db, program);
    let first_test = decls
        .decls
        .iter()
        .find(|d| d.kind == DeclKind::Test)
        .map(|d| d.id);
    let entry = decls.main.or(first_test)?;
    let (module, index) = link_program(db, program, Roots::Everything { tests: true }, entry)?;
    let root = program.root(db).id(db);
    let mut tests: Vec<(u32, String, u32)> = decls
        .decls
        .iter()
        .filter(|d| d.kind == DeclKind::Test && d.file.file == root)
        .filter_map(|d| {
            let at = absolute(db, d.file, Span::default()).start;
            let items = file_items(db, db.source(d.file.file));
            let item = items.items[*items.index.get(&d.file.item?)?];
            let ast::Item::Test(t) = &***item.header(db) else {
                return None;
            };
            Some((at, t.name.clone(), *index.get(&d.id)?))
        })
        .collect();
    tests.sort();
    Some(TestModule {
        module: Arc::new(module),
        tests: tests.into_iter().map(|(_, n, i)| (n, i)).collect(),
    })
}

/// Lowers and links the functions of `roots` and those they reach
/// (transitively, through the `fnK` operands their generated code keeps),
/// in source order: by file, item, place in the item, then closure,
/// whatever order their identities were made in. With [`Roots::Entry`]
/// the natives no linked function calls are left out too. Returns the
/// module and each function's index in it.
fn link_program(
    db: &dyn Db,
    program: Program,
    roots: Roots,
    entry: FnId,
) -> Option<(Module, HashMap<FnId, u32>)> {
    let decls = declarations(db, program);
    let files = program_files(db, program);
    let is_test = |id: &FnId| {
        decls
            .by_id
            .get(&FnId::declared(id.decl))
            .is_some_and(|i| decls.decls[*i].kind == DeclKind::Test)
    };
    // The roots, then what the generated code names and the functions
    // inlined into it, transitively: a callee whose every use the
    // optimiser removed is not followed.
    let mut reached: Vec<FnId> = Vec::new();
    let mut seen: std::collections::HashSet<FnId> = std::collections::HashSet::new();
    seen.insert(entry);
    reached.push(entry);
    if let Roots::Everything { tests } = roots {
        for c in user_inferred(db, program) {
            for id in c.functions.keys() {
                if (tests || !is_test(id)) && seen.insert(*id) {
                    reached.push(*id);
                }
            }
        }
    }
    let mut next = 0;
    while let Some(&id) = reached.get(next) {
        next += 1;
        let Ok(lowered) = lower_fn(db, program, id) else {
            return None;
        };
        let used = codegen::used_callees(&lowered.function);
        let named = used
            .iter()
            .filter_map(|k| lowered.callees.get(*k as usize))
            .chain(&lowered.inlined);
        for callee in named {
            if seen.insert(*callee) {
                reached.push(*callee);
            }
        }
    }
    let mut order: Vec<(usize, u32, u32, FnId, Anchor)> = Vec::with_capacity(reached.len());
    for id in reached {
        let inferred = infer_component(db, program, FnId::declared(id.decl));
        let info = inferred.functions.get(&id)?;
        let rank = files
            .iter()
            .position(|f| f.id(db) == info.file.file)
            .unwrap_or(usize::MAX);
        let item = absolute(db, info.file, Span::default()).start;
        order.push((rank, item, info.span.start, id, info.file));
    }
    order.sort_by_key(|o| (o.0, o.1, o.2, o.3));
    let mut functions = Vec::with_capacity(order.len());
    for (_, _, _, id, at) in order {
        let Ok(lowered) = lower_fn(db, program, id) else {
            return None;
        };
        // Lowering counts lines from the item's first line; here they
        // become the file's.
        let mut lowered = lowered.clone();
        let firsts: Vec<Vec<u32>> = lowered
            .inlined_fns
            .iter()
            .map(|frames| {
                frames
                    .iter()
                    .map(|f| first_line_of(db, program, *f))
                    .collect()
            })
            .collect();
        codegen::place_lines(&mut lowered.function, item_first_line(db, at), &firsts);
        functions.push((id, lowered));
    }
    let index = functions
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i as u32))
        .collect();
    let natives = decls.natives.iter().map(|n| n.name.clone()).collect();
    let paths = files.iter().map(|f| f.path(db).clone()).collect();
    let types = codegen::type_descriptors(&decls.env);
    let mut module = codegen::link(functions, natives, paths, types, entry);
    if roots == Roots::Entry {
        codegen::drop_unused_natives(&mut module);
    }
    Some((module, index))
}

/// The root file compiled as a library (`mvlc build --lib`): every user
/// function, and where each is in the module; `None` when it has errors
/// (see [`library_diagnostics`]) or declares no function.
pub fn compile_library(db: &dyn Db, program: Program) -> Option<(Module, HashMap<FnId, u32>)> {
    if library_diagnostics(db, program)
        .iter()
        .any(|d| d.is_error())
    {
        return None;
    }
    let decls = declarations(db, program);
    let root = program.root(db).id(db);
    let first = decls
        .decls
        .iter()
        .find(|d| d.file.file == root && d.kind != DeclKind::Test)?;
    link_program(db, program, Roots::Everything { tests: false }, first.id)
}

/// The inferred signature of every function, method and constant of the
/// root file, in source order: `fib: fn(Int) -> Int`. What tests of
/// inference assert, and what hover shows.
pub fn signatures(db: &dyn Db, program: Program) -> Vec<String> {
    let root = program.root(db).id(db);
    let mut out: Vec<(u32, String)> = Vec::new();
    for inferred in user_inferred(db, program) {
        for (id, f) in &inferred.functions {
            if f.file.file == root && id.closure == 0 {
                let at = absolute(db, f.file, f.span).start;
                out.push((at, format!("{}: {}", f.name, inferred.signature(*id))));
            }
        }
    }
    out.sort();
    out.into_iter().map(|(_, s)| s).collect()
}

/// Every diagnostic of compiling `program`, errors and warnings, in a
/// stable order (by file, then position): those of checking, then the
/// limits of the bytecode format (`E0105`), which only lowering finds.
pub fn diagnostics(db: &dyn Db, program: Program) -> Vec<Diagnostic> {
    lowering_diagnostics(db, program, check_diagnostics(db, program))
}

/// What [`diagnostics`] reports for a library (`mvlc build --lib`): a
/// library needs no `main`.
pub fn library_diagnostics(db: &dyn Db, program: Program) -> Vec<Diagnostic> {
    let mut all = check_diagnostics(db, program);
    all.retain(|d| d.code != "E0103");
    lowering_diagnostics(db, program, all)
}

/// The checker's diagnostics `all`, then, when they hold no error, those of
/// lowering every user function.
fn lowering_diagnostics(
    db: &dyn Db,
    program: Program,
    mut all: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    if all.iter().any(|d| d.is_error()) {
        return all;
    }
    for inferred in user_inferred(db, program) {
        for (id, info) in &inferred.functions {
            if let Err(err) = lower_fn(db, program, *id) {
                let mut d =
                    Diagnostic::error("E0105", err.message.clone(), info.file, err.span, "here");
                resolve_anchors(db, &mut d);
                all.push(d);
            }
        }
    }
    sorted(db, program, all)
}

/// What [`check_diagnostics`] reports, for `mvlc test`: a file of tests
/// needs no `main`.
pub fn test_diagnostics(db: &dyn Db, program: Program) -> Vec<Diagnostic> {
    let mut all = check_diagnostics(db, program);
    all.retain(|d| d.code != "E0103");
    all
}

/// Every diagnostic of parsing and checking `program` (what `mvlc check`
/// reports), without lowering it (see [`checked`]).
pub fn check_diagnostics(db: &dyn Db, program: Program) -> Vec<Diagnostic> {
    checked(db, program).clone()
}

/// [`check_diagnostics`], as a query: the compile, the command line and
/// each of the language server's requests after an edit share one
/// gathering.
#[salsa::tracked(returns(ref))]
pub fn checked(db: &dyn Db, program: Program) -> Vec<Diagnostic> {
    db.executing("checked", &|| program.root(db).path(db).clone());
    let files = program_files(db, program);
    let mut all: Vec<Diagnostic> = files
        .iter()
        .flat_map(|f| parse(db, *f).errors.iter().cloned())
        .collect();
    if !gave_up(db, program) {
        all.extend(declarations(db, program).diags.iter().cloned());
        for inferred in user_inferred(db, program) {
            all.extend(inferred.diags.iter().cloned());
        }
        sema::drop_mentions_of_broken_items(&mut all, || {
            sema::broken_names(&file_asts(db, program, header_of))
        });
    }
    sorted(db, program, all)
}

/// When `d` would be fixed by importing a module whose file is beside the
/// program's root (`Diagnostic::import_fix`), says so and suggests the
/// `import` at the top of the file. The file is looked up as an input, so
/// creating it later re-runs this.
fn offer_import(db: &dyn Db, program: Program, d: &mut Diagnostic) {
    let Some(module) = d.import_fix.take() else {
        return;
    };
    let root = program.root(db).path(db).clone();
    let dir = std::path::Path::new(&root)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let path = dir.join(format!("{module}.mvl"));
    if db.file(&path.to_string_lossy()).present(db) {
        d.suggestions.push(crate::diagnostic::Suggestion {
            message: format!("`{module}.mvl` is beside this file: import it"),
            file: d.primary.file,
            item: None,
            span: Span::new(0, 0),
            replacement: format!("import {module};\n"),
        });
    }
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
        offer_import(db, program, d);
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

    fn codes(src: &str) -> Vec<&'static str> {
        let mut db = Database::default();
        let program = db.program("a.mvl", src.to_string());
        assert!(compile(&db, program).is_none());
        diagnostics(&db, program).iter().map(|d| d.code).collect()
    }

    /// The standard library's items decoded at start-up (headers and
    /// summaries at once, trees when read) are those the parser makes of
    /// its files, and so is a tree that does not decode (it is parsed
    /// from the item's text instead).
    #[test]
    fn prebuilt_library_trees_are_the_parsed_ones() {
        let files = std::iter::once(mvl_stdlib_source::PRELUDE)
            .chain(mvl_stdlib_source::MODULES.iter().map(|(_, text)| *text));
        for text in files {
            let (tree, errors) = mvl_syntax::parse_file(text);
            assert!(errors.is_empty(), "{errors:?}");
            let (items, broken) = prebuilt_items(text).expect("prebuilt");
            assert_eq!(broken, tree.broken_names);
            assert_eq!(items.len(), tree.items.len());
            for (pre, item) in items.iter().zip(tree.items) {
                let parsed = item_parse(text, item, 0);
                assert!(pre.tree.tree.get().is_none(), "decoded before it is read");
                assert!(pre.header.tree.get().is_none(), "decoded before it is read");
                assert_eq!(*pre, parsed);
                assert_eq!(**pre.tree, **parsed.tree);
                assert_eq!(**pre.header, **parsed.header);
                let own = &text[pre.span.start as usize..pre.span.end as usize];
                let own: &'static str = Box::leak(own.to_string().into_boxed_str());
                let broken = ItemTree::encoded(&[0xff, 0xff, 0xff], own, false);
                assert_eq!(*broken, **parsed.tree);
                let broken = ItemTree::encoded(&[0xff, 0xff, 0xff], own, true);
                assert_eq!(*broken, **parsed.header);
            }
        }
        assert!(prebuilt_items("fn main() { }").is_none());
    }

    /// A program's diagnostics leave the standard library's own functions
    /// out (they are inferred only as far as the program needs them), so
    /// this is where the whole library is checked.
    #[test]
    fn the_standard_library_checks_clean() {
        let mut db = Database::default();
        let program = db.program("a.mvl", "fn main() { }".to_string());
        let diags = stdlib_diagnostics(&db, program);
        assert!(diags.is_empty(), "{diags:#?}");
        // And it is really checked: every one of its components was inferred.
        let graph = whole_call_graph(&db, program);
        assert!(components(&db, program).len() == graph.components.len());
        // A small program's call graph holds what it reaches, not the library.
        assert!(call_graph(&db, program).components.len() < 5);
        assert!(user_components(&db, program).len() < 5);
    }

    /// A program lowers the annotations of the natives its bodies name (a
    /// call by name, a method call), and of no other: not even `__format`,
    /// which a format spec calls with arguments of known types.
    #[test]
    fn only_the_natives_a_program_names_get_schemes() {
        let mut db = Database::logging();
        let src = "fn main() { let n = [3, 1, 2].len(); println(\"{n:>4}\"); }";
        let program = db.program("a.mvl", src.to_string());
        assert!(compile(&db, program).is_some());
        let mut asked: Vec<String> = db
            .take_executed()
            .into_iter()
            .filter(|q| q.starts_with("native_scheme("))
            .collect();
        asked.sort();
        assert_eq!(
            asked,
            ["native_scheme(Array::len)", "native_scheme(println)"]
        );
        assert!(declarations(&db, program).natives.len() > 100);
    }

    /// A program's module holds its own functions and the library functions
    /// it reaches, not the whole library.
    #[test]
    fn only_reached_library_functions_are_linked() {
        let mut db = Database::default();
        let src = "fn unused() -> Int { 1 }\nfn main() { println([3, 1, 2].len()) }";
        let program = db.program("a.mvl", src.to_string());
        let module = compile(&db, program).as_ref().expect("compiles");
        let names: Vec<&str> = module.functions.iter().map(|f| f.name.as_str()).collect();
        assert!(names.contains(&"unused"), "{names:?}");
        assert!(names.contains(&"main"), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("unwrap_or")), "{names:?}");
        assert!(names.len() < 20, "{names:?}");
    }

    /// `mvlc build` and `mvlc run` link only what `main` reaches: through a
    /// call, a function value, a closure, a method call and a `self`
    /// method call, in the optimised code (a call in a branch that folding
    /// removes reaches nothing), and only the natives those functions
    /// call. At `-O` the small functions called are inlined where they are
    /// called (`called`, `P::get`, `in_closure`): nothing calls them, but
    /// they are linked all the same, as the program reaches them (and
    /// `reflect::functions()` lists them); at `-O0`, which folds nothing,
    /// `folded_away` is reached too. The REPL's module ([`compile`]) and a library
    /// keep every user function.
    #[test]
    fn a_program_links_only_what_main_reaches() {
        let mut db = Database::default();
        let src = "struct P { x: Int }
impl P {
    fn get(self) -> Int { self.x + self.twice() }
    fn twice(self) -> Int { self.x * 2 }
    fn unused_method(self) -> Int { 0 }
}
fn called(a: Int) -> Int { a + 1 }
fn as_value(a: Int) -> Int { a * 3 }
fn in_closure() -> Int { 7 }
fn folded_away() -> Int { 8 }
fn unused() -> Int { called(1) }
fn main() {
    let f = as_value;
    let g = || in_closure();
    if 1 > 2 { println(folded_away()); }
    let p = P { x: called(2) };
    println(f(p.get()) + g());
}";
        let program = db.program("a.mvl", src.to_string());
        let module = compile_reachable(&db, program).as_ref().expect("compiles");
        let names: Vec<&str> = module.functions.iter().map(|f| f.name.as_str()).collect();
        insta::assert_snapshot!(names.join("\n"), @r"
        P::get
        P::twice
        called
        as_value
        in_closure
        main
        main::{closure}
        ");
        assert_eq!(module.natives, ["println"]);
        let main = &module.functions[module.entry as usize];
        assert_eq!(main.name, "main");
        let calls: Vec<&str> = codegen::used_callees(main)
            .into_iter()
            .map(|k| module.functions[k as usize].name.as_str())
            .collect();
        // `P::get`'s body is in `main`, with its call of `P::twice`.
        assert_eq!(calls, ["P::twice", "as_value", "main::{closure}"]);
        db.set_opt_level(program, codegen::OptLevel::O0);
        let module = compile_reachable(&db, program).as_ref().expect("compiles");
        let names: Vec<&str> = module.functions.iter().map(|f| f.name.as_str()).collect();
        insta::assert_snapshot!(names.join("\n"), @r"
        P::get
        P::twice
        called
        as_value
        in_closure
        folded_away
        main
        main::{closure}
        ");
        db.set_opt_level(program, codegen::OptLevel::O);
        let every = compile(&db, program).as_ref().expect("compiles");
        let all: Vec<&str> = every.functions.iter().map(|f| f.name.as_str()).collect();
        for f in ["unused", "folded_away", "P::unused_method"] {
            assert!(all.contains(&f), "{f} missing from {all:?}");
        }
        let (library, _) = compile_library(&db, program).expect("compiles");
        let exported: Vec<&str> = library.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(exported, all);
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
        // f, g, main and what they reach of the library.
        assert!(count("lower_fn(") >= 3, "{compiled:?}");
        assert!(
            count("line_index(") <= program_files(&db, program).len(),
            "{compiled:?}"
        );
        assert!(diagnostics(&db, program).is_empty());
    }

    /// The optimisation level is an input of lowering: changing it re-lowers
    /// every function (and nothing before lowering), and the bytecode
    /// differs; setting the same level again re-runs nothing.
    #[test]
    fn changing_the_opt_level_relowers() {
        let mut db = Database::logging();
        let program = db.program(
            "opt.mvl",
            "fn f() -> Int { let a = 2; a * 3 + 4 }\nfn main() { println(f()); }".to_string(),
        );
        assert_eq!(program.opt_level(&db), codegen::OptLevel::O);
        let optimised = compile(&db, program).clone().expect("compiles");
        db.take_executed();
        db.set_opt_level(program, codegen::OptLevel::O0);
        let unoptimised = compile(&db, program).clone().expect("compiles");
        let executed = db.take_executed();
        assert!(
            executed.contains(&"lower_fn(f)".to_string()),
            "{executed:?}"
        );
        assert!(
            executed.contains(&"lower_fn(main)".to_string()),
            "{executed:?}"
        );
        assert!(
            !executed
                .iter()
                .any(|q| q.starts_with("parse(") || q.starts_with("infer_component(")),
            "{executed:?}"
        );
        let code_len = |m: &Module| m.functions.iter().map(|f| f.code.len()).sum::<usize>();
        assert!(
            code_len(&unoptimised) > code_len(&optimised),
            "-O0 {} instructions, -O {}",
            code_len(&unoptimised),
            code_len(&optimised)
        );
        db.set_opt_level(program, codegen::OptLevel::O0);
        let _ = compile(&db, program);
        assert!(db.take_executed().is_empty());
    }

    /// A file large enough for [`prime`]'s second thread is checked to the
    /// same diagnostics with it as without.
    #[test]
    fn priming_a_large_file_checks_the_same() {
        let mut text = String::new();
        let mut i = 0;
        while text.len() <= PRIME_BYTES {
            let body = if i == 4321 { "x + true" } else { "x + 1" };
            text += &format!("fn f{i}(x: Int) -> Int {{ {body} }}\n");
            i += 1;
        }
        text += "fn main() { println(f7(1)); missing(); }\n";
        let run = |prime_it: bool| {
            let mut db = Database::default();
            let program = db.program("big.mvl", text.clone());
            if prime_it {
                prime(&db, program);
            }
            check_diagnostics(&db, program)
        };
        let plain = run(false);
        assert_eq!(
            plain.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["E0201", "E0101"]
        );
        assert_eq!(run(true), plain);
    }

    /// A `const` whose body folds to a value is that value at its uses (at
    /// `-O`): the caller calls nothing. One computed at run time (here an
    /// overflow, which must fail where it is used) stays a call, as does
    /// every `const` at `-O0`.
    #[test]
    fn constants_are_folded_into_their_uses() {
        let mut db = Database::default();
        let src = "const N: Int = 10 * 1000;\n\
                   const S: String = \"a\";\n\
                   const BIG: Int = 9223372036854775807 + 1;\n\
                   fn main() { println(N + 1); println(S); println(BIG); }\n";
        let program = db.program("consts.mvl", src.to_string());
        assert!(check_diagnostics(&db, program).is_empty());
        let decls = declarations(&db, program).clone();
        let id = |name: &str| {
            decls
                .decls
                .iter()
                .find(|d| d.name == name)
                .map(|d| d.id)
                .expect("declared")
        };
        assert_eq!(
            const_value(&db, program, id("N")),
            &Some(mvl_mir::Const::Int(10000))
        );
        assert_eq!(
            const_value(&db, program, id("S")),
            &Some(mvl_mir::Const::Str("a".into()))
        );
        assert_eq!(const_value(&db, program, id("BIG")), &None);
        assert_eq!(const_value(&db, program, id("main")), &None);
        let callees = |db: &Database| match lower_fn(db, program, id("main")) {
            Ok(f) => f.callees.clone(),
            Err(e) => panic!("{}", e.message),
        };
        let at_o = callees(&db);
        assert!(!at_o.contains(&id("N")) && !at_o.contains(&id("S")));
        assert!(at_o.contains(&id("BIG")));
        db.set_opt_level(program, codegen::OptLevel::O0);
        let at_o0 = callees(&db);
        assert!(at_o0.contains(&id("N")) && at_o0.contains(&id("S")));
    }

    /// A recursion through a method call (`count` calls `node.down()`,
    /// which calls `count`) is not in the call graph, whose edges leave
    /// method calls on other receivers than `self` out; the inliner's
    /// recursion check sees it, so neither is inlined into the other, while
    /// `leaf` is inlined into `main`.
    #[test]
    fn recursion_through_a_method_call_is_not_inlined() {
        let mut db = Database::default();
        let src = "struct Node { n: Int }\n\
                   impl Node {\n\
                       fn down(self) -> Int { count(self.n - 1) }\n\
                   }\n\
                   fn count(n: Int) -> Int {\n\
                       if n <= 0 { 0 } else { let node = Node { n: n }; node.down() + 1 }\n\
                   }\n\
                   fn leaf(n: Int) -> Int { n * 2 }\n\
                   fn main() { println(count(3) + leaf(1)); }\n";
        let program = db.program("rec.mvl", src.to_string());
        assert!(check_diagnostics(&db, program).is_empty());
        let decls = declarations(&db, program).clone();
        let id = |name: &str| {
            decls
                .decls
                .iter()
                .find(|d| d.name == name)
                .map(|d| d.id)
                .expect("declared")
        };
        let graph = call_graph(&db, program);
        assert_ne!(
            graph.component_of[&id("count")],
            graph.component_of[&id("Node::down")]
        );
        let recursive = recursive_fns(&db, program);
        assert!(recursive.contains(&id("count")) && recursive.contains(&id("Node::down")));
        assert!(!recursive.contains(&id("leaf")) && !recursive.contains(&id("main")));
        assert!(inline_candidate(&db, program, id("count")).is_none());
        assert!(inline_candidate(&db, program, id("Node::down")).is_none());
        assert!(inline_candidate(&db, program, id("leaf")).is_some());
        let called = |f: &str| match lower_fn(&db, program, id(f)) {
            Ok(l) => codegen::used_callees(&l.function)
                .into_iter()
                .filter_map(|k| l.callees.get(k as usize).copied())
                .collect::<Vec<FnId>>(),
            Err(e) => panic!("{}", e.message),
        };
        assert_eq!(called("main"), [id("count")]);
        assert_eq!(called("count"), [id("Node::down")]);
        assert_eq!(called("Node::down"), [id("count")]);
    }

    /// A two-file program for the incrementality tests, compiled once; the
    /// log of executed queries is empty afterwards.
    struct Session {
        db: Database,
        program: Program,
        dir: std::path::PathBuf,
        root: String,
    }

    const ROOT: &str = "import b;\n\
        fn helper(x) { x + 1 }\n\
        fn twice(x) { helper(helper(x)) }\n\
        fn other() { println(\"other\"); }\n\
        fn main() { println(twice(1)); other(); println(b::three()); }\n";

    impl Session {
        fn new(name: &str) -> Session {
            let dir = std::env::temp_dir().join(format!("mvlc-incr-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            std::fs::write(
                dir.join("b.mvl"),
                "fn three() -> Int { 3 }\nfn unused(s) { s }\n",
            )
            .expect("write b.mvl");
            let root = dir.join("a.mvl").to_string_lossy().into_owned();
            let mut db = Database::logging();
            let program = db.program(&root, ROOT.to_string());
            assert!(
                compile(&db, program).is_some(),
                "{:?}",
                diagnostics(&db, program)
            );
            db.take_executed();
            Session {
                db,
                program,
                dir,
                root,
            }
        }

        /// Replaces the root file's text, recompiles, and returns the
        /// queries that executed, sorted, with the folder left out.
        fn edit(&mut self, text: String) -> Vec<String> {
            self.db.program(&self.root, text);
            assert!(
                compile(&self.db, self.program).is_some(),
                "{:?}",
                diagnostics(&self.db, self.program)
            );
            let prefix = format!("{}/", self.dir.to_string_lossy());
            let mut log: Vec<String> = self
                .db
                .take_executed()
                .into_iter()
                .map(|q| q.replace(&prefix, ""))
                .collect();
            log.sort();
            log
        }
    }

    impl Drop for Session {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn sorted_strs(v: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    /// A parse that reuses the items of earlier texts gives exactly the
    /// tree and errors of a parse from scratch (`mvl_syntax::parse_file`),
    /// with and without syntax errors, and with an item's text moved.
    #[test]
    fn reused_items_parse_as_from_scratch() {
        let texts = [
            "fn a() -> Int { 1 }\nfn b(x) { x + }\nstruct P { x: Int }\nfn c() { a() }\n",
            "fn a() -> Int { 1 }\nfn b(x) { x + 1 }\nstruct P { x: Int }\nfn c() { a() }\n",
            "// moved\nfn c() { a() }\nfn a() -> Int { 1 }\nstruct P { x: Int\nfn b(x) { x + 1 }\n",
            "fn c() { a() }\nfn a() -> Int { 1 }\n/* x */ struct P { x: Int } fn b(x) { x }\n",
            "fn a() -> Int { 1 }\nfn b(x) { x + 1 }\nstruct P { x: Int }\nfn c() { a() }\n",
            // Item keywords at the start of lines inside a string and a
            // comment: the quick cut at such lines is wrong, and found so.
            "fn a() -> Str { \"x\nfn y() { \" }\n/* c\nfn z() { */\nfn b() { }\n",
            "// only\n// comments\n",
            "",
        ];
        let mut db = Database::default();
        for text in texts {
            let file = db.set_file("a.mvl", text.to_string());
            let parsed = parse(&db, file);
            let (tree, errors) = mvl_syntax::parse_file(text);
            let mut scratch = tree.items;
            for item in &mut scratch {
                let start = item.span().start;
                mvl_syntax::rebase::rebase_item(item, start);
            }
            let trees: Vec<&ast::Item> = parsed.items.iter().map(|i| &**i.tree).collect();
            assert_eq!(trees, scratch.iter().collect::<Vec<_>>(), "{text}");
            assert_eq!(parsed.errors.len(), errors.len(), "{text}");
            assert_eq!(*parsed.broken_names, tree.broken_names, "{text}");
        }
    }

    /// (a) An edit inside one body that keeps the function's type, and
    /// moves every item after it, re-runs that function's chain from parse
    /// to lowering, and linking: nothing else, save what inlining adds.
    /// `other` is small, so `-O` inlines it into `main`: its inline
    /// candidate (`inline_candidate`) changes with its body and `main` is
    /// lowered again; that is the one dependency inlining adds. Only the
    /// edited item's text is parsed again (`parse_item`); the file's
    /// `parse` cuts the text and reuses the other items' trees. Compiling
    /// again with no edit runs nothing.
    #[test]
    fn a_body_edit_reruns_only_its_function() {
        let mut s = Session::new("body");
        assert!(compile(&s.db, s.program).is_some());
        assert!(s.db.take_executed().is_empty());
        let log = s.edit(ROOT.replace("\"other\"", "\"other, said at more length\""));
        assert_eq!(
            log,
            sorted_strs(&[
                "parse(a.mvl)",
                "parse_item(fn other)",
                "file_items(a.mvl)",
                "program_files(a.mvl)",
                "item_refs(other)",
                "item_scope(other)",
                "infer_component(other)",
                "fn_scheme(other)",
                "item_lines(other)",
                "lower_fn(other)",
                // Inlining: `other`'s body is copied into `main`.
                "inline_candidate(other)",
                "lower_fn(main)",
                "item_offsets(a.mvl)",
                "line_index(a.mvl)",
                "checked(a.mvl)",
                "compile(a.mvl)",
            ])
        );
    }

    /// An edit that adds a line to the body of `helper`, which `-O` inlines
    /// into `twice`, moves `twice`, `other` and `main` down a line. The
    /// lines of an inlined body count from its own item's first line, and
    /// linking places them: so `twice` is lowered again (the body it
    /// inlines changed), but `main`, which inlines `twice`, is not, though
    /// every line of it moved.
    #[test]
    fn a_line_added_to_an_inlined_body_relowers_only_its_callers() {
        let mut s = Session::new("lines");
        let log = s.edit(ROOT.replace("fn helper(x) { x + 1 }", "fn helper(x) {\n    x + 1\n}"));
        assert_eq!(
            log,
            sorted_strs(&[
                "parse(a.mvl)",
                "parse_item(fn helper)",
                "file_items(a.mvl)",
                "program_files(a.mvl)",
                "item_scope(helper)",
                "item_refs(helper)",
                "infer_component(helper)",
                "fn_scheme(helper)",
                "item_lines(helper)",
                "lower_fn(helper)",
                "inline_candidate(helper)",
                "lower_fn(twice)",
                "item_offsets(a.mvl)",
                "line_index(a.mvl)",
                "checked(a.mvl)",
                "compile(a.mvl)",
            ])
        );
    }

    /// (b) An edit that changes a function's type re-runs its inference and
    /// its callers' (here `twice`, whose type changes with it, and `twice`'s
    /// caller `main`), and their lowering; not the unrelated functions.
    /// Inlining adds the inline candidates of the two whose bodies changed
    /// (`helper`, inlined into `twice`, and `twice`, inlined into `main`).
    #[test]
    fn a_signature_edit_reruns_it_and_its_callers() {
        let mut s = Session::new("signature");
        // `helper` becomes generic: fn(Int) -> Int turns into fn(a) -> a.
        let log = s.edit(ROOT.replace("{ x + 1 }", "{ x }"));
        assert_eq!(
            log,
            sorted_strs(&[
                "parse(a.mvl)",
                "parse_item(fn helper)",
                "file_items(a.mvl)",
                "program_files(a.mvl)",
                "item_refs(helper)",
                "item_scope(helper)",
                "infer_component(helper)",
                "fn_scheme(helper)",
                "infer_component(twice)",
                "fn_scheme(twice)",
                "infer_component(main)",
                "item_lines(helper)",
                "lower_fn(helper)",
                "lower_fn(twice)",
                "lower_fn(main)",
                "inline_candidate(helper)",
                "inline_candidate(twice)",
                "item_offsets(a.mvl)",
                "line_index(a.mvl)",
                "checked(a.mvl)",
                "compile(a.mvl)",
            ])
        );
    }

    /// An edit of a declared type in a signature (here a parameter's
    /// annotation added) re-runs that function's declared scheme and
    /// inference, not the program's declarations (which read no function's
    /// types) nor the call graph; the scheme is the one inferred before, so
    /// no caller runs again. `helper`'s inline candidate is made again, and
    /// is the one made before (the annotation changes no MIR), so `twice`,
    /// which inlines it, is not lowered again either.
    #[test]
    fn a_signature_annotation_leaves_the_declarations() {
        let mut s = Session::new("annotation");
        let log = s.edit(ROOT.replace("fn helper(x)", "fn helper(x: Int) -> Int"));
        assert_eq!(
            log,
            sorted_strs(&[
                "parse(a.mvl)",
                "parse_item(fn helper)",
                "file_items(a.mvl)",
                "program_files(a.mvl)",
                "item_refs(helper)",
                "item_scope(helper)",
                "fn_scheme(helper)",
                "infer_component(helper)",
                "item_lines(helper)",
                "lower_fn(helper)",
                "inline_candidate(helper)",
                "item_offsets(a.mvl)",
                "line_index(a.mvl)",
                "checked(a.mvl)",
                "compile(a.mvl)",
            ])
        );
    }

    /// The `item_scope` query of every item of the session's own files that
    /// declares a function: what adding an item re-runs for every body
    /// (each is equal again unless the body names the new item). The
    /// library's items are read only as far as the program's functions
    /// reach them by name, and these reach none.
    fn every_item_scope(s: &Session) -> Vec<String> {
        let db = &s.db;
        program_files(db, s.program)
            .iter()
            .filter(|f| !f.kind(db).is_stdlib())
            .flat_map(|f| file_items(db, *f).items.iter())
            .filter(|i| {
                matches!(
                    i.summary(db).as_ref(),
                    ast::Item::Fn(_)
                        | ast::Item::Const(_)
                        | ast::Item::Test(_)
                        | ast::Item::Impl(_)
                )
            })
            .map(|i| format!("item_scope({})", item_name(i.tree(db))))
            .collect()
    }

    /// (c) Adding an item re-runs the file's parse, the declarations, the
    /// call graph and the scope queries (each item's scope, each known
    /// function's declaration and component, each of the file's items, the
    /// scheme of each native a body named),
    /// which are equal again: no other body is inferred or lowered again,
    /// only the new function is.
    #[test]
    fn adding_an_item_reruns_only_the_scopes_and_the_new_function() {
        let mut s = Session::new("add");
        let log = s.edit(format!("{ROOT}fn added() -> Int {{ 7 }}\n"));
        let mut expected = sorted_strs(&[
            "parse(a.mvl)",
            "parse_item(fn added)",
            "file_items(a.mvl)",
            "program_files(a.mvl)",
            "declarations(a.mvl)",
            "call_graph(a.mvl)",
            "natives(a.mvl)",
            // The scheme of the one native the bodies name, made again from
            // the new declarations: the same value, so no body is inferred
            // again for it.
            "native_scheme(println)",
            "user_components(a.mvl)",
            // The recursion check `-O`'s inlining reads, over the call
            // graph: the same value, so no candidate is made again.
            "recursive_fns(a.mvl)",
            // Every known function's site (declaration, item, component),
            // found again in the new declarations, items and call graph.
            "fn_site(helper)",
            "fn_site(twice)",
            "fn_site(other)",
            "fn_site(main)",
            "fn_site(three)",
            "fn_site(unused)",
            // Each lowered function's item, for its line table.
            "item_of(helper)",
            "item_of(twice)",
            "item_of(other)",
            "item_of(main)",
            // The new function's chain.
            "fn_site(added)",
            "item_of(added)",
            "item_refs(added)",
            "infer_component(added)",
            "item_lines(added)",
            "lower_fn(added)",
            "item_offsets(a.mvl)",
            "line_index(a.mvl)",
            "checked(a.mvl)",
            "compile(a.mvl)",
        ]);
        let scopes = every_item_scope(&s);
        assert!(scopes.contains(&"item_scope(added)".to_string()));
        assert!(scopes.contains(&"item_scope(unused)".to_string()));
        expected.extend(scopes);
        expected.sort();
        assert_eq!(log, expected);
    }

    /// (c) Adding an item that bodies name (here a `println` of the root
    /// module's own, which shadows the prelude's) re-runs the inference of
    /// those bodies (`other`, `main`) and their lowering, and not the
    /// others'.
    #[test]
    fn adding_a_named_item_reruns_what_names_it() {
        let mut s = Session::new("shadow");
        let log = s.edit(format!("{ROOT}fn println(x) {{ print(x); }}\n"));
        let body_work: Vec<&str> = log
            .iter()
            .map(String::as_str)
            .filter(|q| {
                ["infer_component(", "fn_scheme(", "lower_fn(", "item_refs("]
                    .iter()
                    .any(|k| q.starts_with(k))
            })
            .collect();
        assert_eq!(
            body_work,
            [
                "fn_scheme(other)",
                "fn_scheme(println)",
                "infer_component(main)",
                "infer_component(other)",
                "infer_component(println)",
                "item_refs(main)",
                "item_refs(other)",
                "item_refs(println)",
                "lower_fn(main)",
                "lower_fn(other)",
                "lower_fn(println)",
            ]
        );
    }

    /// A body's "did you mean" comes from the whole program, though its
    /// scope holds only the names it writes: adding an item closer to the
    /// unknown name changes the answer (the question re-runs, and so does
    /// the inference that asked it), and adding an unrelated item re-runs
    /// the question but not the inference.
    #[test]
    fn did_you_mean_follows_added_items() {
        let mut db = Database::logging();
        let base = "fn abcd() { }\nfn main() { abce(); }\n";
        let program = db.program("hint.mvl", base.to_string());
        let help = |db: &Database| {
            let diags = check_diagnostics(db, program);
            assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0101"]);
            format!("{:?}", diags[0])
        };
        assert!(help(&db).contains("`abcd`"), "{}", help(&db));
        db.take_executed();
        db.program("hint.mvl", format!("{base}fn zzzzzz() {{ }}\n"));
        let text = help(&db);
        assert!(text.contains("`abcd`"), "{text}");
        let log = db.take_executed();
        assert!(log.contains(&"name_hint(abce)".to_string()), "{log:?}");
        assert!(
            !log.contains(&"infer_component(main)".to_string()),
            "{log:?}"
        );
        db.program("hint.mvl", format!("{base}fn abca() {{ }}\n"));
        let text = help(&db);
        assert!(text.contains("`abca`"), "{text}");
        let log = db.take_executed();
        assert!(
            log.contains(&"infer_component(main)".to_string()),
            "{log:?}"
        );
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
