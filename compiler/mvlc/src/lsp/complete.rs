//! Completion (locals in scope, functions, types, imported modules and
//! keywords; fields and methods after `.`; variants and associated
//! functions after `Type::`; a module's items after `module::`), each with
//! its type in the detail, and signature help.
//!
//! The text being typed rarely parses, so the receiver of `.` is found in
//! what the checker knows of the enclosing function: the last local of
//! that name declared before the cursor, then the fields named after it.

use super::analysis;
use super::docs::offset;
use super::Server;
use lsp_types as lsp;
use mvl_compiler::db::{self, Db, Program};
use mvl_compiler::sema::env::{AdtKind, Global, MethodKey, ModuleId, PRELUDE};
use mvl_compiler::sema::ir::FnId;
use mvl_compiler::sema::types::{Ty, TyCon, TypeTable};
use mvl_compiler::sema::Declarations;

pub const KEYWORDS: &[&str] = &[
    "fn", "let", "var", "if", "else", "while", "for", "in", "loop", "break", "continue", "return",
    "true", "false", "match", "struct", "enum", "impl", "import", "const", "native", "test",
];

fn item(label: &str, kind: lsp::CompletionItemKind, detail: Option<String>) -> lsp::CompletionItem {
    lsp::CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        ..Default::default()
    }
}

/// The type of a global, as users write it.
fn global_detail(server: &Server, program: Program, decls: &Declarations, g: Global) -> String {
    match g {
        Global::Fn(id) | Global::Const(id) => sig(server, program, id),
        Global::Native(id) => match decls.natives.get(id.0 as usize) {
            Some(_) => db::native_scheme(&server.db, program, id).0.to_string(),
            None => String::new(),
        },
    }
}

fn sig(server: &Server, program: Program, id: FnId) -> String {
    analysis::inferred(&server.db, program, id).signature(id)
}

/// The identifier characters right before `at`, and where they start.
fn word_before(text: &str, at: usize) -> (usize, &str) {
    let bytes = text.as_bytes();
    let mut start = at;
    while start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
        start -= 1;
    }
    (start, &text[start..at])
}

pub fn completion(
    server: &mut Server,
    p: lsp::CompletionParams,
) -> Result<Option<lsp::CompletionResponse>, String> {
    let at = &p.text_document_position;
    let (path, program) = server.program_for(&at.text_document.uri)?;
    let file = server.db.file(&path);
    let text = file.text(&server.db).clone();
    let off = offset(&text, at.position) as usize;
    let (start, _partial) = word_before(&text, off);
    let before = &text[..start];
    let items = if let Some(recv_end) = before.strip_suffix('.').map(str::len) {
        members(server, program, file, &text, recv_end)
    } else if let Some(head_end) = before.strip_suffix("::").map(str::len) {
        let (_, head) = word_before(&text, head_end);
        path_members(server, program, file.id(&server.db), head)
    } else {
        in_scope(server, program, file, off as u32)
    };
    Ok(Some(lsp::CompletionResponse::Array(items)))
}

/// Fields and methods of the value before the `.` ending at `recv_end`.
fn members(
    server: &Server,
    program: Program,
    file: db::SourceFile,
    text: &str,
    recv_end: usize,
) -> Vec<lsp::CompletionItem> {
    let db = &server.db;
    // The chain `a.b.c` before the dot.
    let mut chain = Vec::new();
    let mut end = recv_end;
    loop {
        let (s, w) = word_before(text, end);
        if w.is_empty() {
            break;
        }
        chain.push(w.to_string());
        if s > 0 && text.as_bytes()[s - 1] == b'.' {
            end = s - 1;
        } else {
            break;
        }
    }
    chain.reverse();
    let Some(first) = chain.first() else {
        return Vec::new();
    };
    let Some((item_ref, _)) = analysis::item_at(db, file, recv_end as u32) else {
        return Vec::new();
    };
    let decls = db::declarations(db, program);
    // The last local of that name declared before the cursor.
    let mut found: Option<(Ty, &TypeTable)> = None;
    for id in analysis::fns_of_item(decls, item_ref) {
        let inferred = analysis::inferred(db, program, id);
        let Some(info) = inferred.functions.get(&id) else {
            continue;
        };
        let Some(body) = &info.body else { continue };
        let base = db::absolute(db, info.file, Default::default()).start;
        let rel = (recv_end as u32).saturating_sub(base);
        let local = body
            .locals
            .iter()
            .filter(|l| l.name == *first && l.span.start <= rel)
            .max_by_key(|l| l.span.start);
        if let Some(l) = local {
            found = Some((inferred.table.resolve(&l.ty), &inferred.table));
        }
    }
    let Some((mut ty, table)) = found else {
        return Vec::new();
    };
    let env = &decls.env;
    for name in &chain[1..] {
        let Ty::App(TyCon::Adt(adt), args) = &ty else {
            return Vec::new();
        };
        let AdtKind::Struct(fields) = &env.adt_def(*adt).kind else {
            return Vec::new();
        };
        let Some(f) = fields.iter().find(|f| f.name == *name) else {
            return Vec::new();
        };
        ty = table.resolve(&mvl_compiler::sema::types::substitute_gen(&f.ty, args));
    }
    let mut out = Vec::new();
    if let Ty::App(TyCon::Adt(adt), args) = &ty {
        if let AdtKind::Struct(fields) = &env.adt_def(*adt).kind {
            for f in fields {
                let fty = mvl_compiler::sema::types::substitute_gen(&f.ty, args);
                out.push(item(
                    &f.name,
                    lsp::CompletionItemKind::FIELD,
                    Some(table.display(&fty)),
                ));
            }
        }
    }
    if let Some(key) = MethodKey::of(&ty) {
        let mut methods: Vec<(&String, Global)> = env
            .methods
            .iter()
            .filter(|((k, _), m)| *k == key && m.has_self)
            .map(|((_, n), m)| (n, m.target))
            .collect();
        methods.sort_by(|a, b| a.0.cmp(b.0));
        for (name, g) in methods {
            let detail = global_detail(server, program, decls, g);
            out.push(item(name, lsp::CompletionItemKind::METHOD, Some(detail)));
        }
    }
    out
}

/// After `head::`: a module's items, or a type's variants and associated
/// functions.
fn path_members(
    server: &Server,
    program: Program,
    file: mvl_compiler::source::FileId,
    head: &str,
) -> Vec<lsp::CompletionItem> {
    let db = &server.db;
    let decls = db::declarations(db, program);
    let env = &decls.env;
    let Some(module) = analysis::module_of(db, program, file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(m) = env.imported(module, head) {
        let mut values: Vec<(&String, Global)> = env
            .values
            .iter()
            .filter(|((mm, _), _)| *mm == m)
            .map(|((_, n), g)| (n, *g))
            .collect();
        values.sort_by(|a, b| a.0.cmp(b.0));
        for (name, g) in values {
            let detail = global_detail(server, program, decls, g);
            out.push(item(name, lsp::CompletionItemKind::FUNCTION, Some(detail)));
        }
        let mut types: Vec<&String> = env
            .types
            .keys()
            .filter(|(mm, _)| *mm == m)
            .map(|(_, n)| n)
            .collect();
        types.sort();
        for name in types {
            out.push(item(name, lsp::CompletionItemKind::STRUCT, None));
        }
        return out;
    }
    if let Some(adt) = env.adt(module, head) {
        let def = env.adt_def(adt);
        if let AdtKind::Enum(vs) = &def.kind {
            for v in vs {
                out.push(item(
                    &v.name,
                    lsp::CompletionItemKind::ENUM_MEMBER,
                    Some(def.name.clone()),
                ));
            }
        }
        let mut methods: Vec<(&String, Global)> = env
            .methods
            .iter()
            .filter(|((k, _), _)| *k == MethodKey::Adt(adt))
            .map(|((_, n), m)| (n, m.target))
            .collect();
        methods.sort_by(|a, b| a.0.cmp(b.0));
        for (name, g) in methods {
            let detail = global_detail(server, program, decls, g);
            out.push(item(name, lsp::CompletionItemKind::FUNCTION, Some(detail)));
        }
    }
    out
}

/// Locals declared before the cursor in its function, the module's and
/// the prelude's functions and types, imported modules, keywords.
fn in_scope(
    server: &Server,
    program: Program,
    file: db::SourceFile,
    off: u32,
) -> Vec<lsp::CompletionItem> {
    let db = &server.db;
    let decls = db::declarations(db, program);
    let env = &decls.env;
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    if let Some((item_ref, _)) = analysis::item_at(db, file, off) {
        for id in analysis::fns_of_item(decls, item_ref) {
            let inferred = analysis::inferred(db, program, id);
            let Some(info) = inferred.functions.get(&id) else {
                continue;
            };
            let Some(body) = &info.body else { continue };
            let base = db::absolute(db, info.file, Default::default()).start;
            let rel = off.saturating_sub(base);
            for l in body.locals.iter().rev() {
                if l.span.end <= rel && !l.name.starts_with(' ') && seen.insert(l.name.clone()) {
                    out.push(item(
                        &l.name,
                        lsp::CompletionItemKind::VARIABLE,
                        Some(inferred.table.display(&l.ty)),
                    ));
                }
            }
        }
    }
    let Some(module) = analysis::module_of(db, program, file.id(db)) else {
        return out;
    };
    let visible = |m: ModuleId| m == module || m == PRELUDE;
    let mut values: Vec<(&String, Global)> = env
        .values
        .iter()
        .filter(|((m, _), _)| visible(*m))
        .map(|((_, n), g)| (n, *g))
        .collect();
    values.sort_by(|a, b| a.0.cmp(b.0));
    for (name, g) in values {
        if seen.insert(name.clone()) {
            let detail = global_detail(server, program, decls, g);
            out.push(item(name, lsp::CompletionItemKind::FUNCTION, Some(detail)));
        }
    }
    let mut types: Vec<&String> = env
        .types
        .keys()
        .filter(|(m, _)| visible(*m))
        .map(|(_, n)| n)
        .collect();
    types.sort();
    for name in types {
        out.push(item(name, lsp::CompletionItemKind::STRUCT, None));
    }
    if let Some(info) = env.modules.get(module.0 as usize) {
        let mut names: Vec<&String> = info.imports.keys().collect();
        names.sort();
        for name in names {
            out.push(item(name, lsp::CompletionItemKind::MODULE, None));
        }
    }
    for k in KEYWORDS {
        out.push(item(k, lsp::CompletionItemKind::KEYWORD, None));
    }
    out
}

/// Shows a type through the table it belongs to.
type Shower<'a> = Box<dyn Fn(&Ty) -> String + 'a>;

pub fn signature_help(
    server: &mut Server,
    p: lsp::SignatureHelpParams,
) -> Result<Option<lsp::SignatureHelp>, String> {
    let at = &p.text_document_position_params;
    let (path, program) = server.program_for(&at.text_document.uri)?;
    let db = &server.db;
    let file = db.file(&path);
    let text = file.text(db).clone();
    let off = offset(&text, at.position) as usize;
    // The unclosed `(` before the cursor, and the commas after it.
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut commas = 0u32;
    let mut open = None;
    let mut i = off;
    while i > 0 {
        i -= 1;
        match bytes[i] {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' => {
                open = Some(i);
                break;
            }
            b'[' | b'{' | b';' => break,
            b',' if depth == 0 => commas += 1,
            _ => {}
        }
    }
    let Some(open) = open else { return Ok(None) };
    let (start, name) = word_before(&text, open);
    if name.is_empty() {
        return Ok(None);
    }
    let decls = db::declarations(db, program);
    let env = &decls.env;
    // The callee as the checker resolved it, else by name in the module.
    let target = analysis::use_at(db, program, file, start as u32)
        .filter(|u| u.span.start as usize == start)
        .map(|u| u.target);
    let global = match target {
        Some(mvl_compiler::sema::ir::NameTarget::Fn(id)) => Some(Global::Fn(id)),
        Some(mvl_compiler::sema::ir::NameTarget::Native(id)) => Some(Global::Native(id)),
        _ => analysis::module_of(db, program, file.id(db)).and_then(|m| env.value(m, name)),
    };
    let Some(global) = global else {
        return Ok(None);
    };
    let (ty, table_display): (Ty, Shower<'_>) = match global {
        Global::Fn(id) | Global::Const(id) => {
            let inferred = analysis::inferred(db, program, id);
            let Some(info) = inferred.functions.get(&id) else {
                return Ok(None);
            };
            (
                info.scheme.ty.clone(),
                Box::new(move |t| inferred.table.display(t)),
            )
        }
        Global::Native(id) => {
            if decls.natives.get(id.0 as usize).is_none() {
                return Ok(None);
            }
            let table = TypeTable::default();
            let scheme = &db::native_scheme(db, program, id).0;
            (scheme.ty.clone(), Box::new(move |t| table.display(t)))
        }
    };
    let Ty::Fn(params, ret) = ty else {
        return Ok(None);
    };
    let mut label = format!("{name}(");
    let mut parameters = Vec::new();
    for (k, p) in params.iter().enumerate() {
        if k > 0 {
            label.push_str(", ");
        }
        let s = label.encode_utf16().count() as u32;
        label.push_str(&table_display(p));
        let e = label.encode_utf16().count() as u32;
        parameters.push(lsp::ParameterInformation {
            label: lsp::ParameterLabel::LabelOffsets([s, e]),
            documentation: None,
        });
    }
    label.push_str(&format!(") -> {}", table_display(&ret)));
    Ok(Some(lsp::SignatureHelp {
        signatures: vec![lsp::SignatureInformation {
            label,
            documentation: None,
            parameters: Some(parameters),
            active_parameter: Some(commas),
        }],
        active_signature: Some(0),
        active_parameter: Some(commas),
    }))
}
