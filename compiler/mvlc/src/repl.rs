//! `mvlc repl`: an interactive session on one live VM.
//!
//! The session keeps one salsa database and one [`Vm`]. Its program is the
//! items entered so far (`fn`, `struct`, `enum`, `impl`, `const`,
//! `import`, each as typed; entering an item of the same kind and name
//! again replaces it) and a `main` made for the current entry only. An
//! entry of statements becomes the body of that `main`, whose parameters
//! are the session's bindings (`let` and `var` of earlier entries, typed
//! by what they were bound to) and which returns the entry's value and
//! every binding's value at its end. Each entry is checked and lowered
//! through the database (only what the entry changed is computed again),
//! linked into the VM ([`Vm::link`]: functions whose code is unchanged stay
//! the loaded ones, a changed function and its callers become new
//! versions) and its `main` run once; nothing earlier runs again. The
//! bindings' values live in the VM's globals between entries.
//!
//! Diagnostics are shown against the entry as typed (its own file,
//! `<input N>`, and its own line numbers), never against the program the
//! session builds. An entry that does not compile, or fails at run time,
//! changes nothing: its items and bindings are forgotten.
//!
//! Bindings are the entry function's parameters, so each has one type. The
//! exception is a `let` of a generic *value* (a function's or variant's
//! name, a closure naming no binding: ML's value restriction), which
//! becomes a `const` item, instantiated at each use ([`generic_let`]). A
//! struct or enum is not redefined while a binding's type names it: the
//! binding's value would be read with the new type's fields.

use mvl_compiler::db::{self, Database};
use mvl_compiler::diagnostic::{Diagnostic, Label};
use mvl_compiler::render;
use mvl_compiler::sema::env::{ModuleId, PRELUDE};
use mvl_compiler::source::FileId;
use mvl_syntax::ast;
use mvm_runtime::{Host, NativeRegistry, Step, Value, Vm, VmConfig};

/// One item of the session, as typed.
#[derive(Clone, Debug)]
struct SessionItem {
    /// Its key (`fn f#0`, `type Point#0`), for redefinition.
    key: String,
    text: String,
    /// The entry it came from (its text for diagnostics), and where in
    /// that entry `text` starts.
    entry: usize,
    offset: usize,
}

/// A `let` or `var` of an earlier entry.
#[derive(Clone, Debug)]
struct Binding {
    name: String,
    ty: String,
    mutable: bool,
    /// Its slot among the VM's globals.
    slot: usize,
}

/// Where a piece of the session's program came from: `len` bytes at
/// `at` in the program are those at `offset` in entry `entry`.
#[derive(Clone, Copy, Debug)]
struct Piece {
    at: usize,
    len: usize,
    entry: usize,
    offset: usize,
}

/// The session's program for one entry, with the map back to the entries.
struct Built {
    text: String,
    pieces: Vec<Piece>,
    items: Vec<SessionItem>,
}

/// What one entry did, besides the output the program wrote to the host.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// The value echoed (`144 : Int`), or a command's answer, with its
    /// newline.
    pub output: String,
    /// Diagnostics or a runtime error, for stderr.
    pub errors: String,
    /// Whether the entry failed.
    pub failed: bool,
    /// The program asked to exit with this code.
    pub exit: Option<i32>,
    /// `:quit` was entered.
    pub quit: bool,
}

impl Reply {
    fn error(text: impl Into<String>) -> Reply {
        Reply {
            errors: text.into(),
            failed: true,
            ..Reply::default()
        }
    }
}

const ITEM_KEYWORDS: &[&str] = &["fn", "struct", "enum", "impl", "const", "import", "test"];

/// Instructions run between two checks for an interrupt.
const SLICE: u64 = 1 << 16;

/// One session, writing the program's output to `host`.
pub struct Repl<H: Host> {
    db: Database,
    vm: Option<Vm>,
    natives: NativeRegistry,
    pub host: H,
    items: Vec<SessionItem>,
    bindings: Vec<Binding>,
    /// The text of every entry, `<input N>` being `entries[N - 1]`.
    entries: Vec<FileId>,
    config: VmConfig,
    /// The program of the last entry that compiled: what completion reads
    /// the declarations in scope from.
    last: Option<db::Program>,
    /// Asked between slices of a running entry: `true` interrupts it.
    pub interrupted: Box<dyn FnMut() -> bool>,
}

/// Whether `text` is complete: its brackets balance outside strings and
/// comments and its last token is not a binary operator, `=`, `,`, `.` or
/// `->` (a session waits for more lines otherwise).
pub fn is_complete(text: &str) -> bool {
    use mvl_syntax::lexer::Tok;
    let (tokens, _) = mvl_syntax::lexer::lex(text);
    let mut depth: i64 = 0;
    for (_, t, _) in &tokens {
        match t {
            Tok::LParen | Tok::LBrace | Tok::LBracket | Tok::StrStart(_) => depth += 1,
            Tok::RParen | Tok::RBrace | Tok::RBracket | Tok::StrEnd(_) => depth -= 1,
            _ => {}
        }
    }
    if depth > 0 {
        return false;
    }
    !matches!(
        tokens.last().map(|(_, t, _)| t),
        Some(
            Tok::Plus
                | Tok::Minus
                | Tok::Star
                | Tok::Slash
                | Tok::Percent
                | Tok::Eq
                | Tok::EqEq
                | Tok::Ne
                | Tok::Lt
                | Tok::Le
                | Tok::Gt
                | Tok::Ge
                | Tok::AmpAmp
                | Tok::PipePipe
                | Tok::Amp
                | Tok::Caret
                | Tok::Shl
                | Tok::Shr
                | Tok::Comma
                | Tok::Dot
                | Tok::DotDot
                | Tok::DotDotEq
                | Tok::Arrow
                | Tok::FatArrow
                | Tok::PlusEq
                | Tok::MinusEq
                | Tok::StarEq
                | Tok::SlashEq
                | Tok::PercentEq
        )
    )
}

/// Whether `text` holds nothing but spaces and comments.
fn is_blank(text: &str) -> bool {
    mvl_syntax::lexer::lex(text).0.is_empty()
}

/// The names a pattern binds.
fn pattern_names(p: &ast::Pattern, out: &mut Vec<String>) {
    use ast::PatternKind as P;
    match &p.kind {
        P::Binding(id) => {
            if !out.contains(&id.name) {
                out.push(id.name.clone());
            }
        }
        P::Tuple(ps) | P::Variant(_, ps, _) => ps.iter().for_each(|q| pattern_names(q, out)),
        P::Or(ps) => {
            if let Some(q) = ps.first() {
                pattern_names(q, out)
            }
        }
        P::Struct(_, fields, _) => {
            for f in fields {
                match &f.pattern {
                    Some(q) => pattern_names(q, out),
                    None => out.push(f.name.name.clone()),
                }
            }
        }
        P::Wildcard | P::Lit(_) | P::Range(..) => {}
    }
}

/// Splits `(A, B, fn(C) -> D)` into its elements.
fn tuple_elements(ty: &str) -> Vec<String> {
    let inner = ty
        .trim()
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(ty);
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let bytes = inner.as_bytes();
    for (i, c) in inner.char_indices() {
        match c {
            '(' | '[' | '{' | '<' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            '>' if i == 0 || bytes[i - 1] != b'-' => depth -= 1,
            ',' if depth == 0 => {
                out.push(inner[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(inner[start..].trim().to_string());
    out
}

/// The result type of a signature `fn(A, B) -> R`.
fn result_type(signature: &str) -> Option<&str> {
    let rest = signature.strip_prefix("fn(")?;
    let mut depth = 1;
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return rest[i + 1..].strip_prefix(" -> ");
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether a type as printed has a type variable (`[a]`): a name that is
/// not a type's (types are capitalised).
fn has_type_variable(ty: &str) -> bool {
    ty.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w.starts_with(|c: char| c.is_lowercase()) && w != "fn")
}

/// Whether the type `ty` (as printed) names the type `name`: as a whole
/// word, not `geometry::P` for `P`.
fn type_mentions(ty: &str, name: &str) -> bool {
    ty.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .any(|w| w == name)
}

/// For an entry that is one `let NAME = VALUE` (not `var`) whose value is
/// a function's or variant's name or a closure, naming none of `bindings`:
/// the name and the value's text. Such a value is the same whenever it is
/// evaluated, so the binding can be a `const` item, generic like one.
fn generic_let<'a>(input: &'a str, bindings: &[Binding]) -> Option<(String, &'a str)> {
    let wrapped = format!("{WRAP}{input}\n}}\n");
    let (file, errors) = mvl_syntax::parse_file(&wrapped);
    if !errors.is_empty() {
        return None;
    }
    let Some(ast::Item::Fn(f)) = file.items.first() else {
        return None;
    };
    let body = f.body.as_ref()?;
    let ([stmt], None) = (body.stmts.as_slice(), &body.tail) else {
        return None;
    };
    let ast::Stmt::Let {
        mutable: false,
        pattern,
        ty: None,
        value,
        ..
    } = stmt
    else {
        return None;
    };
    let ast::PatternKind::Binding(id) = &pattern.kind else {
        return None;
    };
    if !matches!(
        value.kind,
        ast::ExprKind::Path(_) | ast::ExprKind::Closure(..)
    ) {
        return None;
    }
    let start = (value.span.start as usize).checked_sub(WRAP.len())?;
    let end = (value.span.end as usize).checked_sub(WRAP.len())?;
    let text = input.get(start..end)?;
    // Conservatively, no word of the value may be a binding's name.
    let (tokens, _) = mvl_syntax::lexer::lex(text);
    let names_binding = tokens.iter().any(|(_, t, _)| {
        matches!(t, mvl_syntax::lexer::Tok::Ident(word) if bindings.iter().any(|b| b.name == *word))
    });
    (!names_binding).then(|| (id.name.clone(), text))
}

/// What an entry of statements is, from its parse as a block.
struct Statements {
    /// The text compiled (the entry, with a `;` added when it lacked one).
    text: String,
    /// Where its value (the block's tail) is, if it has one.
    tail: Option<(usize, usize)>,
    /// The names its `let` and `var` bind, and whether each is a `var`.
    binds: Vec<(String, bool)>,
}

const WRAP: &str = "fn main() {\n";

fn parse_statements(input: &str) -> Statements {
    let attempt = |text: &str| {
        let wrapped = format!("{WRAP}{text}\n}}\n");
        let (file, errors) = mvl_syntax::parse_file(&wrapped);
        (file, errors.is_empty())
    };
    let (mut file, ok) = attempt(input);
    let mut text = input.to_string();
    if !ok && !input.trim_end().ends_with(';') {
        let with = format!("{input};");
        let (f, ok2) = attempt(&with);
        if ok2 {
            file = f;
            text = with;
        }
    }
    let mut binds: Vec<(String, bool)> = Vec::new();
    let mut tail = None;
    if let Some(ast::Item::Fn(f)) = file.items.first() {
        if let Some(body) = &f.body {
            for s in &body.stmts {
                let (ast::Stmt::Let {
                    mutable, pattern, ..
                }
                | ast::Stmt::LetElse {
                    mutable, pattern, ..
                }) = s
                else {
                    continue;
                };
                let mut names = Vec::new();
                pattern_names(pattern, &mut names);
                for n in names {
                    binds.retain(|(m, _)| *m != n);
                    binds.push((n, *mutable));
                }
            }
            if let Some(t) = &body.tail {
                let start = (t.span.start as usize).saturating_sub(WRAP.len());
                let end = (t.span.end as usize).saturating_sub(WRAP.len());
                if end <= text.len() && start <= end {
                    tail = Some((start, end));
                }
            }
        }
    }
    Statements { text, tail, binds }
}

impl<H: Host> Repl<H> {
    pub fn new(host: H) -> Repl<H> {
        Repl {
            db: Database::default(),
            vm: None,
            natives: mvl_stdlib::registry(),
            host,
            items: Vec::new(),
            bindings: Vec::new(),
            entries: Vec::new(),
            config: VmConfig::from_env(),
            last: None,
            interrupted: Box::new(|| false),
        }
    }

    /// Records the text of a new entry and returns its number.
    fn add_entry(&mut self, text: &str) -> usize {
        let n = self.entries.len() + 1;
        self.add_named_entry(&format!("<input {n}>"), text)
    }

    /// Records the text of a new entry shown as `name` (a `:load`ed file).
    fn add_named_entry(&mut self, name: &str, text: &str) -> usize {
        let n = self.entries.len() + 1;
        let file = self.db.set_file(name, text.to_string());
        self.entries.push(file.id(&self.db));
        n
    }

    /// The program of the session with `new` items (replacing those of the
    /// same key) and `main`: its parameters and its body's pieces.
    fn build(&self, new: Vec<SessionItem>, main: Option<(usize, &Statements)>) -> Built {
        let mut items = self.items.clone();
        for item in new {
            match items.iter_mut().find(|i| i.key == item.key) {
                Some(old) => *old = item,
                None => items.push(item),
            }
        }
        // `main` comes first, so that it never moves: it stays the one
        // loaded version.
        let mut text = String::from("fn main() {}\n");
        let mut pieces = Vec::new();
        for item in &items {
            pieces.push(Piece {
                at: text.len(),
                len: item.text.len(),
                entry: item.entry,
                offset: item.offset,
            });
            text.push_str(&item.text);
            text.push('\n');
        }
        let params: Vec<String> = self
            .bindings
            .iter()
            .enumerate()
            .map(|(i, b)| format!("__p{i}: {}", b.ty))
            .collect();
        text.push_str(&format!("fn __entry({}) {{\n", params.join(", ")));
        let Some((entry, s)) = main else {
            text.push_str("}\n");
            return Built {
                text,
                pieces,
                items,
            };
        };
        for (i, b) in self.bindings.iter().enumerate() {
            let kw = if b.mutable { "var" } else { "let" };
            text.push_str(&format!("{kw} {} = __p{i};\n", b.name));
        }
        let mut push = |text: &mut String, range: std::ops::Range<usize>| {
            pieces.push(Piece {
                at: text.len(),
                len: range.len(),
                entry,
                offset: range.start,
            });
            text.push_str(&s.text[range]);
        };
        match s.tail {
            Some((start, end)) => {
                push(&mut text, 0..start);
                text.push_str("let __it = (");
                push(&mut text, start..end);
                text.push_str(");");
                push(&mut text, end..s.text.len());
            }
            None => push(&mut text, 0..s.text.len()),
        }
        let mut names: Vec<String> = self.bindings.iter().map(|b| b.name.clone()).collect();
        for (n, _) in &s.binds {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
        let value = if s.tail.is_some() { "__it" } else { "()" };
        text.push_str(&format!("\n({value}, (){})\n}}\n", {
            names.iter().map(|n| format!(", {n}")).collect::<String>()
        }));
        Built {
            text,
            pieces,
            items,
        }
    }

    /// Moves a label of the session's program onto the entry it came from.
    fn relabel(&self, root: FileId, pieces: &[Piece], label: &mut Label) -> bool {
        if label.file != root {
            return true;
        }
        let start = label.span.start as usize;
        let Some(p) = pieces
            .iter()
            .find(|p| p.at <= start && start <= p.at + p.len)
        else {
            return false;
        };
        use mvl_compiler::db::Db;
        let end = (label.span.end as usize).clamp(start, p.at + p.len);
        label.file = self.entries[p.entry - 1];
        label.item = None;
        // A `;` the session added lies past the end of what was typed.
        let typed = self.db.source(label.file).text(&self.db).len();
        label.span.start = (start - p.at + p.offset).min(typed) as u32;
        label.span.end = (end - p.at + p.offset).min(typed) as u32;
        true
    }

    /// The diagnostics of the session's program, on the entries' text. A
    /// diagnostic about text the session made (none should be) is shown at
    /// the start of the current entry.
    fn diagnostics(&self, program: db::Program, built: &Built) -> (String, bool) {
        let root = program.root(&self.db).id(&self.db);
        let current = self.entries.len();
        let mut out: Vec<Diagnostic> = Vec::new();
        for mut d in db::diagnostics(&self.db, program) {
            if !self.relabel(root, &built.pieces, &mut d.primary) {
                if !d.is_error() {
                    continue;
                }
                d.primary.file = self.entries[current - 1];
                d.primary.item = None;
                d.primary.span = Default::default();
            }
            d.secondary
                .retain_mut(|l| self.relabel(root, &built.pieces, l));
            d.suggestions.retain(|s| s.file != root);
            out.push(d);
        }
        let failed = out.iter().any(|d| d.is_error());
        if out.is_empty() {
            (String::new(), false)
        } else {
            (render::render(&self.db, &out, false), failed)
        }
    }

    /// Moves the session's functions onto the entries they came from: their
    /// file becomes the entry's (`<input N>`) and their lines count from
    /// its first line; the entry's own function is named after it.
    fn relocate(&self, module: &mut mvm_bytecode::Module, built: &Built) {
        use mvl_compiler::db::Db;
        let Some(session) = module.files.iter().position(|f| f == "<session>") else {
            return;
        };
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(built.text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let current = self.entries.len();
        let file_of = |module: &mut mvm_bytecode::Module, entry: usize| {
            let path = format!("<input {entry}>");
            match module.files.iter().position(|f| *f == path) {
                Some(i) => i as u32,
                None => {
                    module.files.push(path);
                    module.files.len() as u32 - 1
                }
            }
        };
        for i in 0..module.functions.len() {
            if module.functions[i].file as usize != session {
                continue;
            }
            let mut entry = None;
            let mut lines = module.functions[i].lines.clone();
            for l in &mut lines {
                let at = line_starts
                    .get((l.line as usize).saturating_sub(1))
                    .copied()
                    .unwrap_or(0);
                let piece = built
                    .pieces
                    .iter()
                    .find(|p| p.at <= at && at < p.at + p.len.max(1));
                match piece {
                    Some(p) => {
                        let text = self.db.source(self.entries[p.entry - 1]).text(&self.db);
                        let offset = (at - p.at + p.offset).min(text.len());
                        l.line = text[..offset].matches('\n').count() as u32 + 1;
                        entry.get_or_insert(p.entry);
                    }
                    None => l.line = 1,
                }
            }
            let f = &mut module.functions[i];
            let is_entry = f.name == "__entry";
            let entry = match entry {
                _ if is_entry => current,
                Some(e) => e,
                // Only the session's own `main`: it stays where it is.
                None => continue,
            };
            if is_entry {
                f.name = format!("<input {current}>");
            }
            module.functions[i].lines = lines;
            module.functions[i].file = file_of(module, entry);
        }
    }

    /// Compiles the session with `new` items and `main`; links it.
    /// Returns the entry function's index, the redefinitions and the
    /// inferred type of `main`.
    fn compile(
        &mut self,
        new: Vec<SessionItem>,
        main: Option<(usize, &Statements)>,
    ) -> Result<Compiled, Reply> {
        let built = self.build(new, main);
        let program = self.db.program("<session>", built.text.clone());
        let (errors, failed) = self.diagnostics(program, &built);
        if failed {
            return Err(Reply::error(errors));
        }
        let Some(module) = db::compile(&self.db, program).clone() else {
            return Err(Reply::error(format!(
                "{errors}mvlc: internal error: the entry did not compile\n"
            )));
        };
        self.last = Some(program);
        let signature = db::signatures(&self.db, program)
            .into_iter()
            .find_map(|s| s.strip_prefix("__entry: ").map(str::to_string))
            .unwrap_or_default();
        let mut module = (*module).clone();
        self.relocate(&mut module, &built);
        if self.vm.is_none() {
            match Vm::new(module.clone(), &self.natives, self.config) {
                Ok(vm) => self.vm = Some(vm),
                Err(e) => {
                    return Err(Reply::error(format!(
                        "mvlc: internal error: the session does not load: {e}\n"
                    )))
                }
            }
        }
        let vm = self.vm.as_mut().expect("made above");
        let linked = match vm.link(module.clone(), &self.natives) {
            Ok(l) => l,
            Err(e) => {
                return Err(Reply::error(format!(
                    "error: the entry does not load: {e}\n"
                )))
            }
        };
        let Some(entry) = module
            .functions
            .iter()
            .position(|f| f.name == format!("<input {}>", self.entries.len()))
            .map(|i| linked.functions[i])
        else {
            return Err(Reply::error(
                "mvlc: internal error: the entry has no code\n",
            ));
        };
        Ok(Compiled {
            entry,
            redefined: linked.redefined,
            signature,
            items: built.items,
            warnings: errors,
        })
    }

    /// Evaluates one complete entry (an item, statements or a command).
    pub fn eval(&mut self, input: &str) -> Reply {
        let input = input.trim();
        if is_blank(input) {
            return Reply::default();
        }
        if let Some(command) = input.strip_prefix(':') {
            return self.command(command);
        }
        self.entry(input)
    }

    fn entry(&mut self, input: &str) -> Reply {
        let (file, _) = mvl_syntax::parse_file(input);
        // An entry is items when it starts with an item's keyword (a broken
        // item is reported as one).
        let first = input.split(|c: char| !c.is_alphanumeric()).next();
        let is_items = !file.items.is_empty() && first.is_some_and(|w| ITEM_KEYWORDS.contains(&w));
        if is_items
            && file
                .items
                .iter()
                .any(|i| matches!(i, ast::Item::Fn(f) if f.name.name == "main"))
        {
            return Reply::error(
                "error: a session has its own `main`: enter statements directly\n",
            );
        }
        let n = self.add_entry(input);
        if is_items {
            return self.items_entry(n, input, &file, false);
        }
        let s = parse_statements(input);
        let compiled = match self.compile(Vec::new(), Some((n, &s))) {
            Ok(c) => c,
            Err(reply) => return reply,
        };
        let result = result_type(&compiled.signature)
            .map(tuple_elements)
            .unwrap_or_default();
        for (name, ty) in s
            .binds
            .iter()
            .map(|b| &b.0)
            .zip(result.iter().skip(2 + self.bindings.len()))
        {
            if has_type_variable(ty) {
                if let Some((name, value)) = generic_let(&s.text, &self.bindings) {
                    return self.generic_binding(n, &s.text, &name, value);
                }
                return Reply::error(format!(
                    "error: the type of `{name}` is not known yet (`{ty}`): annotate it, as in `let {name}: [Int] = ...`\n"
                ));
            }
        }
        let args: Vec<Value> = {
            let vm = self.vm.as_mut().expect("compiled");
            let globals = vm.globals_mut();
            self.bindings.iter().map(|b| globals[b.slot]).collect()
        };
        let vm = self.vm.as_mut().expect("compiled");
        let interrupted = &mut self.interrupted;
        let step = vm.call(compiled.entry, &args, &mut self.host, SLICE, &mut || {
            if interrupted() {
                Err("interrupted".to_string())
            } else {
                Ok(())
            }
        });
        let _ = self.host.flush();
        let mut reply = Reply {
            errors: compiled.warnings,
            ..Reply::default()
        };
        let value = match step {
            Step::Finished(v) => v,
            Step::Exit(code) => {
                reply.output = format!("the program asked to exit with code {code}\n");
                reply.exit = Some(code);
                return reply;
            }
            Step::Error(e) => {
                reply.errors.push_str(&e.to_string());
                reply.failed = true;
                return reply;
            }
            Step::BudgetSpent => unreachable!("`call` runs to the end"),
        };
        let vm = self.vm.as_mut().expect("compiled");
        let elements: Vec<Value> = match value {
            Value::Obj(r) => match vm.heap().get(r) {
                Some(mvm_runtime::Object::Tuple(xs)) => xs.to_vec(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let mut names: Vec<(String, bool)> = self
            .bindings
            .iter()
            .map(|b| (b.name.clone(), b.mutable))
            .collect();
        for (n, m) in &s.binds {
            match names.iter_mut().find(|(o, _)| o == n) {
                Some(old) => old.1 = *m,
                None => names.push((n.clone(), *m)),
            }
        }
        if elements.len() != names.len() + 2 || result.len() != names.len() + 2 {
            reply
                .errors
                .push_str("mvlc: internal error: the entry's result has another shape\n");
            reply.failed = true;
            return reply;
        }
        if s.tail.is_some() && result[0] != "()" {
            let shown = mvm_runtime::display::display(vm.heap(), vm.module(), elements[0]);
            reply.output = format!("{shown} : {}\n", result[0]);
        }
        let mut bindings = Vec::new();
        for (i, (name, mutable)) in names.into_iter().enumerate() {
            let slot = match self.bindings.iter().find(|b| b.name == name) {
                Some(b) => b.slot,
                None => {
                    vm.globals_mut().push(Value::Unit);
                    vm.globals_mut().len() - 1
                }
            };
            vm.globals_mut()[slot] = elements[i + 2];
            bindings.push(Binding {
                name,
                ty: result[i + 2].clone(),
                mutable,
                slot,
            });
        }
        self.bindings = bindings;
        reply
    }

    /// `let NAME = VALUE` of a generic type, VALUE a function's or
    /// variant's name or a closure (see [`generic_let`]): the session's
    /// item `const NAME = VALUE;`, which each use instantiates afresh, as
    /// ML's value restriction allows. It replaces a binding of that name.
    fn generic_binding(&mut self, n: usize, input: &str, name: &str, value: &str) -> Reply {
        let offset = value.as_ptr() as usize - input.as_ptr() as usize;
        let item = SessionItem {
            key: format!("fn {name}#0"),
            text: format!("const {name} = {value};"),
            entry: n,
            offset,
        };
        let shadowed: Vec<Binding> = self.bindings.clone();
        self.bindings.retain(|b| b.name != name);
        match self.compile(vec![item], None) {
            Ok(compiled) => {
                self.items = compiled.items;
                Reply {
                    errors: compiled.warnings,
                    ..Reply::default()
                }
            }
            Err(reply) => {
                self.bindings = shadowed;
                reply
            }
        }
    }

    fn items_entry(&mut self, n: usize, input: &str, file: &ast::File, skip_main: bool) -> Reply {
        let keys = db::item_keys(file.items.iter());
        let mut new = Vec::new();
        for (item, key) in file.items.iter().zip(keys) {
            if skip_main && key == "fn main#0" {
                continue;
            }
            let span = item_span(item);
            let text = &input[span.start as usize..span.end as usize];
            // Each item's text is its own piece: indent it as typed.
            let start = input[..span.start as usize]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let lead = &input[start..span.start as usize];
            let text = format!("{lead}{text}");
            new.push(SessionItem {
                key,
                text,
                entry: n,
                offset: start,
            });
        }
        let redefines: Vec<String> = new
            .iter()
            .filter(|i| self.items.iter().any(|o| o.key == i.key))
            .map(|i| i.key.split('#').next().unwrap_or_default().to_string())
            .collect();
        // A binding holding a value of a type redefined otherwise would be
        // read with the new type's fields: refused.
        for item in &new {
            let Some(ty) = item
                .key
                .strip_prefix("type ")
                .and_then(|k| k.split('#').next())
            else {
                continue;
            };
            let same = self
                .items
                .iter()
                .any(|o| o.key == item.key && o.text.trim() == item.text.trim());
            if same {
                continue;
            }
            if let Some(b) = self.bindings.iter().find(|b| type_mentions(&b.ty, ty)) {
                return Reply::error(format!(
                    "error: cannot redefine `{ty}` while `{}` holds a value of the old `{ty}` (`{} : {}`): bind `{}` to something else first, or `:reset`\n",
                    b.name, b.name, b.ty, b.name
                ));
            }
        }
        let compiled = match self.compile(new, None) {
            Ok(c) => c,
            Err(reply) => return reply,
        };
        self.items = compiled.items;
        let mut reply = Reply {
            errors: compiled.warnings,
            ..Reply::default()
        };
        if !redefines.is_empty() {
            let own: Vec<&str> = redefines
                .iter()
                .map(|k| k.rsplit(' ').next().unwrap_or_default())
                .collect();
            let mut others: Vec<&String> = compiled
                .redefined
                .iter()
                .filter(|f| {
                    !f.starts_with("<input ")
                        && !f.contains("{closure")
                        && !own
                            .iter()
                            .any(|o| f.as_str() == *o || f.starts_with(&format!("{o}::")))
                })
                .collect();
            others.dedup();
            let what = redefines.join(", ");
            reply.output = if others.is_empty() {
                format!("redefined {what}\n")
            } else {
                let list: Vec<&str> = others.iter().map(|s| s.as_str()).collect();
                format!(
                    "redefined {what}; now using the new definition: {}\n",
                    list.join(", ")
                )
            };
        }
        reply
    }

    /// `:name args`.
    fn command(&mut self, command: &str) -> Reply {
        let (name, rest) = command
            .split_once(char::is_whitespace)
            .map_or((command, ""), |(a, b)| (a, b.trim()));
        let needs = |what: &str| Reply::error(format!("error: `:{name}` needs {what}\n"));
        match name {
            "quit" | "q" => Reply {
                quit: true,
                ..Reply::default()
            },
            "help" | "h" => Reply {
                output: HELP.to_string(),
                ..Reply::default()
            },
            "type" | "t" if rest.is_empty() => needs("an expression"),
            "type" | "t" => self.type_of(rest),
            "dis" if rest.is_empty() => needs("a function's name"),
            "dis" => self.dis(rest),
            "load" if rest.is_empty() => needs("a file"),
            "load" => self.load(rest),
            "time" if rest.is_empty() => needs("an expression"),
            "time" => {
                let started = std::time::Instant::now();
                let before = self.instructions();
                let mut reply = self.eval(rest);
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                let n = self.instructions().saturating_sub(before);
                reply.output.push_str(&format!(
                    "time: {ms:.3} ms (compiling and running), {n} instructions executed\n"
                ));
                reply
            }
            "reset" => {
                self.db = Database::default();
                self.vm = None;
                self.last = None;
                self.items.clear();
                self.bindings.clear();
                self.entries.clear();
                Reply {
                    output: "the session is empty again\n".to_string(),
                    ..Reply::default()
                }
            }
            _ => Reply::error(format!(
                "error: unknown command `:{name}` (`:help` lists them)\n"
            )),
        }
    }

    /// `:type EXPR`: the type of an expression (or of the value of
    /// statements), checked against the session and not run.
    fn type_of(&mut self, input: &str) -> Reply {
        let n = self.add_entry(input);
        let s = parse_statements(input);
        let built = self.build(Vec::new(), Some((n, &s)));
        let program = self.db.program("<session>", built.text.clone());
        let (errors, failed) = self.diagnostics(program, &built);
        if failed {
            return Reply::error(errors);
        }
        let signature = db::signatures(&self.db, program)
            .into_iter()
            .find_map(|s| s.strip_prefix("__entry: ").map(str::to_string))
            .unwrap_or_default();
        let ty = result_type(&signature)
            .map(tuple_elements)
            .and_then(|t| t.into_iter().next())
            .unwrap_or_default();
        let ty = if s.tail.is_some() {
            ty
        } else {
            "()".to_string()
        };
        Reply {
            output: format!("{} : {ty}\n", input.trim()),
            errors,
            ..Reply::default()
        }
    }

    /// `:dis NAME`: the bytecode of the latest version of a function.
    fn dis(&mut self, name: &str) -> Reply {
        let Some(vm) = self.vm.as_ref() else {
            return Reply::error(format!("error: no function `{name}` in the session\n"));
        };
        let module = vm.module();
        match module.functions.iter().rposition(|f| f.name == name) {
            Some(i) => Reply {
                output: mvm_bytecode::disassemble_function(module, i)
                    .trim_start()
                    .to_string(),
                ..Reply::default()
            },
            None => Reply::error(format!("error: no function `{name}` in the session\n")),
        }
    }

    /// `:load FILE`: the file's items join the session (its `main` is
    /// left out, not run).
    fn load(&mut self, path: &str) -> Reply {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return Reply::error(format!("error: cannot read `{path}`: {e}\n")),
        };
        let (file, _) = mvl_syntax::parse_file(&text);
        if file.items.is_empty() {
            return Reply::default();
        }
        let n = self.add_named_entry(path, &text);
        let mut reply = self.items_entry(n, &text, &file, true);
        if !reply.failed {
            let count = file
                .items
                .iter()
                .filter(|i| !matches!(i, ast::Item::Fn(f) if f.name.name == "main"))
                .count();
            reply
                .output
                .push_str(&format!("loaded {count} items from {path}\n"));
        }
        reply
    }
}

/// What `:help` shows.
pub const HELP: &str = "\
Enter items (fn, struct, enum, impl, const, import) and statements; an
expression's value is shown with its type. Input continues while a bracket
is open or a line ends in an operator.
  :type EXPR     the type of EXPR, which is not run
  :dis NAME      the bytecode of function NAME
  :load FILE     the items of FILE join the session (its main is not run)
  :time EXPR     evaluate EXPR and show the wall time and instructions executed
  :reset         forget every definition and binding
  :help          this text
  :quit          leave (also Ctrl-D or the end of input)
";

struct Compiled {
    entry: u32,
    redefined: Vec<String>,
    signature: String,
    items: Vec<SessionItem>,
    warnings: String,
}

fn item_span(item: &ast::Item) -> ast::Span {
    match item {
        ast::Item::Fn(f) => f.span,
        ast::Item::Struct(s) => s.span,
        ast::Item::Enum(e) => e.span,
        ast::Item::Impl(i) => i.span,
        ast::Item::Import(i) => i.span,
        ast::Item::Const(c) => c.span,
        ast::Item::Test(t) => t.span,
        ast::Item::Error(e) => e.span,
    }
}

impl<H: Host> Repl<H> {
    /// The names the session knows, for completion: its bindings, its
    /// items, the commands and the keywords.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.bindings.iter().map(|b| b.name.clone()).collect();
        for item in &self.items {
            let key = item.key.split('#').next().unwrap_or_default();
            if let Some(name) = key.rsplit(' ').next() {
                names.push(name.to_string());
            }
        }
        for word in [
            "let", "var", "fn", "struct", "enum", "impl", "const", "import", "match", "while",
            "for", "loop", "return", "println", "print",
        ] {
            names.push(word.to_string());
        }
        // The prelude's names, and the other modules' items as
        // `module::item`, from the declarations already computed.
        if let Some(program) = self.last {
            let env = &db::declarations(&self.db, program).env;
            let mut add = |module: ModuleId, name: &str| {
                if name.starts_with("__") {
                    return;
                }
                match module {
                    PRELUDE => names.push(name.to_string()),
                    ModuleId(1) => {}
                    m => {
                        if let Some(info) = env.modules.get(m.0 as usize) {
                            names.push(format!("{}::{name}", info.name));
                        }
                    }
                }
            };
            for (module, name) in env.values.keys().chain(env.types.keys()) {
                add(*module, name);
            }
        }
        names.sort();
        names.dedup();
        names
    }

    /// Instructions the session's VM has executed so far (0 before the
    /// first entry that runs).
    pub fn instructions(&self) -> u64 {
        self.vm.as_ref().map_or(0, |vm| vm.instructions())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mvm_runtime::CaptureHost;

    fn repl() -> Repl<CaptureHost> {
        Repl::new(CaptureHost::default())
    }

    /// The echo of `input`, which must not fail.
    fn ok(r: &mut Repl<CaptureHost>, input: &str) -> String {
        let reply = r.eval(input);
        assert!(!reply.failed, "{input}: {}", reply.errors);
        reply.output
    }

    #[test]
    fn bindings_and_items_persist_and_values_are_echoed_with_their_type() {
        let mut r = repl();
        assert_eq!(ok(&mut r, "let x = 40"), "");
        assert_eq!(ok(&mut r, "fn inc(n) { n + 1 }"), "");
        assert_eq!(ok(&mut r, "inc(inc(x))"), "42 : Int\n");
        assert_eq!(ok(&mut r, "var v = [1]"), "");
        assert_eq!(ok(&mut r, "v.push(x);"), "");
        assert_eq!(ok(&mut r, "v = v.map(|n| n * n); v"), "[1, 1600] : [Int]\n");
        assert_eq!(
            ok(&mut r, "if x > 2 { \"big\" } else { \"small\" }"),
            "big : String\n"
        );
        assert_eq!(
            ok(&mut r, "match x { 40 => Some(1), _ => None }"),
            "Some(1) : Option<Int>\n"
        );
        assert_eq!(ok(&mut r, "{ let z = 3; z * 2 }"), "6 : Int\n");
        assert_eq!(ok(&mut r, "let f = |a| a * x"), "");
        assert_eq!(ok(&mut r, "f(2)"), "80 : Int\n");
        assert_eq!(ok(&mut r, "println(\"hi\")"), "");
        assert_eq!(r.host.stdout, b"hi\n");
    }

    #[test]
    fn nothing_earlier_runs_again() {
        let mut r = repl();
        ok(
            &mut r,
            "fn slow(n) { var i = 0; var s = 0; while i < n { s = s + i; i = i + 1; }; s }",
        );
        ok(&mut r, "println(\"once\")");
        let before = r.instructions();
        assert_eq!(ok(&mut r, "let big = slow(100000)"), "");
        let slow = r.instructions() - before;
        assert!(slow > 100_000, "the slow entry ran {slow} instructions");
        let before = r.instructions();
        assert_eq!(ok(&mut r, "big + 1"), "4999950001 : Int\n");
        let later = r.instructions() - before;
        assert!(later < 100, "a later entry ran {later} instructions");
        assert_eq!(r.host.stdout, b"once\n");
    }

    #[test]
    fn a_redefined_function_is_used_by_later_calls_and_its_callers_are_named() {
        let mut r = repl();
        ok(&mut r, "fn sq(n) { n * n }");
        ok(&mut r, "fn g(n) { sq(n) + 1 }");
        ok(&mut r, "fn unrelated() { 7 }");
        assert_eq!(ok(&mut r, "g(3)"), "10 : Int\n");
        assert_eq!(
            ok(&mut r, "fn sq(n) { n * n * n }"),
            "redefined fn sq; now using the new definition: g\n"
        );
        assert_eq!(ok(&mut r, "g(3)"), "28 : Int\n");
        // A redefinition that breaks an earlier definition is refused,
        // with the earlier definition's error shown on its own text.
        let reply = r.eval("fn sq(s: String) -> String { s }");
        assert!(reply.failed);
        assert!(reply.errors.contains("<input 2>:1:"), "{}", reply.errors);
        assert_eq!(ok(&mut r, "g(2)"), "9 : Int\n");
    }

    #[test]
    fn diagnostics_show_the_entry_as_typed_with_its_own_lines() {
        let mut r = repl();
        ok(&mut r, "let a = 1");
        let reply = r.eval("let b = 2\nlet c: Int = \"no\"");
        assert!(reply.failed);
        assert!(reply.errors.contains("<input 2>:2:"), "{}", reply.errors);
        assert!(!reply.errors.contains("__"), "{}", reply.errors);
        // The failed entry is forgotten: `b` was not bound.
        assert!(r.eval("b").errors.contains("E0101"));
        let reply = r.eval("1 / 0");
        assert!(
            reply.errors.contains("division by zero"),
            "{}",
            reply.errors
        );
        assert!(reply.errors.contains("(<input 4>:1)"), "{}", reply.errors);
        assert_eq!(ok(&mut r, "a + 1"), "2 : Int\n");
    }

    #[test]
    fn structs_made_earlier_stay_equal_to_new_ones() {
        let mut r = repl();
        ok(&mut r, "struct P { x: Int, y: Int }");
        ok(&mut r, "let p = P { x: 1, y: 2 }");
        ok(&mut r, "fn norm(q: P) -> Int { q.x * q.x + q.y * q.y }");
        assert_eq!(ok(&mut r, "p == P { x: 1, y: 2 }"), "true : Bool\n");
        assert_eq!(ok(&mut r, "norm(p)"), "5 : Int\n");
        assert_eq!(ok(&mut r, "p"), "P { x: 1, y: 2 } : P\n");
    }

    /// Regression: a struct redefined with another field while `p` held an
    /// old `P` let `p.y` read a field the value does not have (a runtime
    /// error from `getfield`, where the checker had said it was fine).
    #[test]
    fn a_type_is_not_redefined_while_a_binding_holds_an_old_value() {
        let mut r = repl();
        ok(&mut r, "struct P { x: Int }");
        ok(&mut r, "let ps = [P { x: 1 }]");
        let reply = r.eval("struct P { x: Int, y: Int }");
        assert!(reply.failed);
        assert_eq!(
            reply.errors,
            "error: cannot redefine `P` while `ps` holds a value of the old `P` (`ps : [P]`): \
             bind `ps` to something else first, or `:reset`\n"
        );
        assert_eq!(ok(&mut r, "ps"), "[P { x: 1 }] : [P]\n");
        // The same text again changes nothing, so it is allowed.
        assert_eq!(ok(&mut r, "struct P { x: Int }"), "redefined type P\n");
        ok(&mut r, "let ps = 0");
        assert_eq!(
            ok(&mut r, "struct P { x: Int, y: Int }"),
            "redefined type P\n"
        );
        assert_eq!(ok(&mut r, "P { x: 1, y: 2 }.y"), "2 : Int\n");
    }

    #[test]
    fn a_let_of_a_generic_value_is_generic() {
        let mut r = repl();
        ok(&mut r, "fn id(x) { x }");
        assert_eq!(ok(&mut r, "let f = id"), "");
        assert_eq!(ok(&mut r, "f(3)"), "3 : Int\n");
        assert_eq!(ok(&mut r, "f(\"a\")"), "a : String\n");
        assert_eq!(ok(&mut r, "let pair = |x| (x, x)"), "");
        assert_eq!(
            ok(&mut r, "(pair(1), pair(true))"),
            "((1, 1), (true, true)) : ((Int, Int), (Bool, Bool))\n"
        );
        assert_eq!(ok(&mut r, "let none = None"), "");
        assert_eq!(ok(&mut r, "none == Some(1)"), "false : Bool\n");
        // A later binding of the name shadows it, as any `let`.
        ok(&mut r, "let f = 7");
        assert_eq!(ok(&mut r, "f + 1"), "8 : Int\n");
        // What the value restriction does not allow is still refused: a
        // `var`, a call, a closure naming a binding.
        for entry in [
            "var v = id",
            "let a = id(id)",
            "let g = |x| { f; x }",
            "let e = []",
        ] {
            let reply = r.eval(entry);
            assert!(reply.failed, "{entry}");
            assert!(
                reply.errors.contains("is not known yet"),
                "{entry}: {}",
                reply.errors
            );
        }
    }

    #[test]
    fn completion_knows_the_prelude_and_the_modules() {
        let mut r = repl();
        ok(&mut r, "fn sq(x: Int) -> Int { x * x }");
        let names = r.names();
        for name in ["sq", "println", "Option", "fs::read", "gc::collect"] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
        assert!(!names.iter().any(|n| n.starts_with("__")), "{names:?}");
    }

    #[test]
    fn commands_answer_about_the_session() {
        let mut r = repl();
        ok(&mut r, "fn sq(x: Int) -> Int { x * x }");
        assert_eq!(ok(&mut r, ":type [sq(2)]"), "[sq(2)] : [Int]\n");
        let before = r.instructions();
        assert_eq!(
            ok(&mut r, ":type sq(1000000000000)"),
            "sq(1000000000000) : Int\n"
        );
        assert_eq!(r.instructions(), before, "`:type` runs nothing");
        assert!(ok(&mut r, ":dis sq").contains("muli"));
        let timed = ok(&mut r, ":time sq(3)");
        assert!(timed.starts_with("9 : Int\ntime: "), "{timed}");
        assert!(timed.ends_with(" instructions executed\n"), "{timed}");
        assert!(r.eval(":dis nothing").failed);
        assert!(r.eval(":nope").failed);
        assert!(r.eval(":quit").quit);
        ok(&mut r, ":reset");
        assert!(r.eval("sq(2)").errors.contains("E0101"));
    }

    #[test]
    fn exit_reports_and_leaves_with_its_code() {
        let mut r = repl();
        let reply = r.eval("exit(3)");
        assert_eq!(reply.exit, Some(3));
        assert!(
            reply.output.contains("exit with code 3"),
            "{}",
            reply.output
        );
    }

    #[test]
    fn completeness_follows_brackets_and_operators() {
        assert!(is_complete("fn f() { 1 }"));
        assert!(!is_complete("fn f() {"));
        assert!(is_complete("\"\\{\""));
        assert!(!is_complete("\"{"));
        assert!(is_complete("println(\"}\")"));
        assert!(!is_complete("let x = 1 +"));
        assert!(!is_complete("let x ="));
        assert!(is_complete("x"));
    }

    #[test]
    fn a_type_is_split_into_its_elements() {
        assert_eq!(
            tuple_elements("(Int, fn(Int, Int) -> [Int], Map<String, Int>)"),
            vec!["Int", "fn(Int, Int) -> [Int]", "Map<String, Int>"]
        );
        assert_eq!(
            result_type("fn(fn(Int) -> Int) -> (Int, ())"),
            Some("(Int, ())")
        );
        assert!(has_type_variable("[a]"));
        assert!(!has_type_variable("fn(Int) -> [String]"));
    }
}
