//! Hover, go to definition, find references, document highlight and
//! rename: each starts from the name under the cursor as the checker
//! resolved it (`analysis::use_at`) and compares targets by where they are
//! declared (`analysis::Def`), which holds across the programs of several
//! open files.

use super::analysis::{self, Def, Use};
use super::docs::{offset, path_to_uri, LineMap};
use super::Server;
use lsp_types as lsp;
use mvl_compiler::db::{self, Db, Program};
use mvl_compiler::sema::env::AdtKind;
use mvl_compiler::sema::ir::NameTarget;
use std::collections::HashMap;

/// The name under the cursor, its program and file.
fn use_under(
    server: &mut Server,
    at: &lsp::TextDocumentPositionParams,
) -> Result<Option<(Program, Use)>, String> {
    let (path, program) = server.program_for(&at.text_document.uri)?;
    let file = server.db.file(&path);
    let off = offset(file.text(&server.db), at.position);
    Ok(analysis::use_at(&server.db, program, file, off).map(|u| (program, u)))
}

fn location(server: &Server, def: Def) -> Option<lsp::Location> {
    let file = server.db.source(def.file);
    let uri = path_to_uri(file.path(&server.db))?;
    Some(lsp::Location::new(
        uri,
        LineMap::new(file.text(&server.db)).range(def.span),
    ))
}

pub fn hover(server: &mut Server, p: lsp::HoverParams) -> Result<Option<lsp::Hover>, String> {
    let at = &p.text_document_position_params;
    let (path, program) = server.program_for(&at.text_document.uri)?;
    let db = &server.db;
    let file = db.file(&path);
    let text = file.text(db);
    let off = offset(text, at.position);
    let (span, mut value) = match analysis::use_at(db, program, file, off) {
        Some(u) => {
            let mut shown = format!("```mvl\n{}\n```", analysis::describe(db, program, &u));
            if let Some(doc) = u.def.and_then(|d| analysis::doc_comment(db, d)) {
                shown.push_str(&format!("\n\n{doc}"));
            }
            (u.span, shown)
        }
        None => match analysis::expr_type_at(db, program, file, off) {
            Some((span, ty)) => (span, format!("```mvl\n{ty}\n```")),
            None => return Ok(None),
        },
    };
    if value.is_empty() {
        value = "?".to_string();
    }
    Ok(Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value,
        }),
        range: Some(LineMap::new(text).range(span)),
    }))
}

pub fn definition(
    server: &mut Server,
    p: lsp::GotoDefinitionParams,
) -> Result<Option<lsp::GotoDefinitionResponse>, String> {
    let Some((_, u)) = use_under(server, &p.text_document_position_params)? else {
        return Ok(None);
    };
    Ok(u.def
        .and_then(|d| location(server, d))
        .map(lsp::GotoDefinitionResponse::Scalar))
}

/// Every place that names `def`, in every open program (the declaration
/// too when `declaration`), sorted by file and position.
fn places(server: &mut Server, def: Def, declaration: bool) -> Vec<Def> {
    let mut out: Vec<Def> = Vec::new();
    let programs: Vec<Program> = server.programs.iter().map(|(_, p)| *p).collect();
    for program in programs {
        for u in analysis::all_uses(&server.db, program) {
            if u.def == Some(def) && (declaration || !u.is_def) {
                out.push(Def {
                    file: u.file,
                    span: u.span,
                });
            }
        }
    }
    if declaration {
        out.push(def);
    }
    out.sort_by_key(|d| (d.file, d.span.start));
    out.dedup();
    out
}

/// The target under the cursor, also from a declaration's own name (a
/// function's, a type's, a field's): that is not a use, so it is found by
/// its position among the declarations of the open programs.
fn target_under(
    server: &mut Server,
    at: &lsp::TextDocumentPositionParams,
) -> Result<Option<(Program, Def, Option<Use>)>, String> {
    if let Some((program, u)) = use_under(server, at)? {
        if let Some(def) = u.def {
            return Ok(Some((program, def, Some(u))));
        }
        return Ok(None);
    }
    let (path, program) = server.program_for(&at.text_document.uri)?;
    let db = &server.db;
    let file = db.file(&path);
    let off = offset(file.text(db), at.position);
    let id = file.id(db);
    Ok(declared_defs(server, program)
        .into_iter()
        .find(|d| d.file == id && d.span.start <= off && off <= d.span.end)
        .map(|d| (program, d, None)))
}

/// Where every function, type, field and variant of the user's files is
/// declared.
pub fn declared_defs(server: &Server, program: Program) -> Vec<Def> {
    let db = &server.db;
    let decls = db::declarations(db, program);
    let mut out = Vec::new();
    for d in &decls.decls {
        if let Some(def) = analysis::fn_def(db, decls, d.id) {
            out.push(def);
        }
    }
    for (i, adt) in decls.env.adts.iter().enumerate() {
        let adt_id = mvl_compiler::sema::types::AdtId(i as u32);
        out.push(Def {
            file: adt.file.file,
            span: db::absolute(db, adt.file, adt.name_span),
        });
        let n = match &adt.kind {
            AdtKind::Struct(fs) => fs.len(),
            AdtKind::Enum(vs) => vs.len(),
        };
        for k in 0..n as u32 {
            let target = match &adt.kind {
                AdtKind::Struct(_) => NameTarget::Field(adt_id, k),
                AdtKind::Enum(_) => NameTarget::Variant(adt_id, k),
            };
            let empty = mvl_compiler::sema::ir::FnBody {
                captures: Vec::new(),
                params: Vec::new(),
                locals: Vec::new(),
                body: mvl_compiler::sema::ir::Expr {
                    kind: mvl_compiler::sema::ir::ExprKind::Unit,
                    ty: mvl_compiler::sema::types::Ty::Unit,
                    span: Default::default(),
                },
                names: Vec::new(),
            };
            if let Some(def) = analysis::def_of(db, program, target, adt.file, &empty) {
                out.push(def);
            }
        }
    }
    out.retain(|d| !db.source(d.file).kind(db).is_stdlib());
    out
}

pub fn references(
    server: &mut Server,
    p: lsp::ReferenceParams,
) -> Result<Option<Vec<lsp::Location>>, String> {
    let Some((_, def, _)) = target_under(server, &p.text_document_position)? else {
        return Ok(None);
    };
    let places = places(server, def, p.context.include_declaration);
    Ok(Some(
        places
            .into_iter()
            .filter_map(|d| location(server, d))
            .collect(),
    ))
}

pub fn highlight(
    server: &mut Server,
    p: lsp::DocumentHighlightParams,
) -> Result<Option<Vec<lsp::DocumentHighlight>>, String> {
    let at = &p.text_document_position_params;
    let Some((_, def, _)) = target_under(server, at)? else {
        return Ok(None);
    };
    let (path, _) = server.program_for(&at.text_document.uri)?;
    let file = server.db.file(&path);
    let id = file.id(&server.db);
    let text = file.text(&server.db).clone();
    let map = LineMap::new(&text);
    Ok(Some(
        places(server, def, true)
            .into_iter()
            .filter(|d| d.file == id)
            .map(|d| lsp::DocumentHighlight {
                range: map.range(d.span),
                kind: Some(if d == def {
                    lsp::DocumentHighlightKind::WRITE
                } else {
                    lsp::DocumentHighlightKind::READ
                }),
            })
            .collect(),
    ))
}

/// Whether `name` can be written as an identifier.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !super::complete::KEYWORDS.contains(&name)
        && name != "_"
}

// `WorkspaceEdit::changes` is keyed by `Uri` (lsp-types); its inner cell
// is fluent-uri's, and no key is changed while in the map.
#[allow(clippy::mutable_key_type)]
pub fn rename(
    server: &mut Server,
    p: lsp::RenameParams,
) -> Result<Option<lsp::WorkspaceEdit>, String> {
    let new = p.new_name.trim().to_string();
    if !is_identifier(&new) {
        return Err(format!("`{new}` is not a name"));
    }
    let Some((program, def, u)) = target_under(server, &p.text_document_position)? else {
        return Err("nothing to rename here".to_string());
    };
    let db = &server.db;
    if db.source(def.file).kind(db).is_stdlib() {
        return Err("cannot rename a standard library item".to_string());
    }
    let old = db
        .source(def.file)
        .text(db)
        .get(def.span.start as usize..def.span.end as usize)
        .unwrap_or_default()
        .to_string();
    if let Some(clash) = clash(server, program, def, u.as_ref(), &new) {
        return Err(format!("cannot rename `{old}` to `{new}`: {clash}"));
    }
    let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
    for place in places(server, def, true) {
        if let Some(loc) = location(server, place) {
            changes.entry(loc.uri).or_default().push(lsp::TextEdit {
                range: loc.range,
                new_text: new.clone(),
            });
        }
    }
    Ok(Some(lsp::WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    }))
}

/// Why renaming `def` to `new` would change what some name means, if it
/// would: another local of the same function, another item of the same
/// module, another field or variant of the same type with that name.
fn clash(
    server: &Server,
    program: Program,
    def: Def,
    u: Option<&Use>,
    new: &str,
) -> Option<String> {
    let db = &server.db;
    let decls = db::declarations(db, program);
    let env = &decls.env;
    // A local: compare with the locals of its function.
    if let Some(u) = u.filter(|u| matches!(u.target, NameTarget::Local(_))) {
        let inferred = analysis::inferred(db, program, u.in_fn);
        let info = inferred.functions.get(&u.in_fn)?;
        let body = info.body.as_ref()?;
        if body.locals.iter().any(|l| l.name == new) {
            return Some(format!("`{new}` is already a local of this function"));
        }
        if env.values.keys().any(|(_, n)| n == new) {
            return Some(format!("`{new}` would hide the function `{new}`"));
        }
        return None;
    }
    let module = analysis::module_of(db, program, def.file)?;
    for (i, adt) in env.adts.iter().enumerate() {
        let name_def = Def {
            file: adt.file.file,
            span: db::absolute(db, adt.file, adt.name_span),
        };
        if name_def == def {
            return env
                .types
                .contains_key(&(module, new.to_string()))
                .then(|| format!("the module already has a type `{new}`"));
        }
        let names: Vec<&str> = match &adt.kind {
            AdtKind::Struct(fs) => fs.iter().map(|f| f.name.as_str()).collect(),
            AdtKind::Enum(vs) => vs.iter().map(|v| v.name.as_str()).collect(),
        };
        let tree = analysis::item_tree(db, adt.file);
        let member_spans: Vec<mvl_syntax::ast::Span> = match tree.as_deref() {
            Some(mvl_syntax::ast::Item::Struct(s)) => {
                s.fields.iter().map(|f| f.name.span).collect()
            }
            Some(mvl_syntax::ast::Item::Enum(e)) => {
                e.variants.iter().map(|v| v.name.span).collect()
            }
            _ => Vec::new(),
        };
        let is_member = member_spans
            .iter()
            .any(|s| adt.file.file == def.file && db::absolute(db, adt.file, *s) == def.span);
        if is_member {
            let _ = i;
            return names
                .contains(&new)
                .then(|| format!("`{}` already has a member `{new}`", adt.name));
        }
    }
    // A function or method.
    for d in &decls.decls {
        if analysis::fn_def(db, decls, d.id) == Some(def) {
            let sibling = match d.name.rsplit_once("::") {
                Some((owner, _)) => format!("{owner}::{new}"),
                None => new.to_string(),
            };
            let taken = decls
                .decls
                .iter()
                .any(|o| o.module == d.module && o.name == sibling);
            return taken.then(|| format!("`{sibling}` already exists"));
        }
    }
    None
}
