//! The semantic facts the features are built on, read from the same
//! queries as the command line's: which item a position is in, what each
//! name written in a body refers to (the checker's `ir::NameUse` table)
//! and where that is declared.

use mvl_compiler::db::{self, Database, Program, SourceFile};
use mvl_compiler::sema::env::{AdtKind, ModuleId};
use mvl_compiler::sema::ir::{self, FnId, NameTarget};
use mvl_compiler::sema::{Declarations, Inferred};
use mvl_compiler::source::{Anchor, FileId, ItemRef};
use mvl_syntax::ast::{self, Span};
use std::sync::Arc;

/// Where something is declared: its name's span in a file (counted from
/// the file's start). Program-independent, so it identifies a target across
/// the programs of several open files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Def {
    pub file: FileId,
    pub span: Span,
}

/// One name written in a body, with absolute positions.
#[derive(Clone, Debug)]
pub struct Use {
    pub file: FileId,
    pub span: Span,
    pub target: NameTarget,
    pub def: Option<Def>,
    /// The name's type as users write it, where it has one of its own.
    pub ty: Option<String>,
    pub is_def: bool,
    /// The declared function whose body it is in.
    pub in_fn: FnId,
}

/// The item of `file` whose text holds `offset`, and where it starts.
pub fn item_at(db: &Database, file: SourceFile, offset: u32) -> Option<(ItemRef, Span)> {
    let parsed = db::parse(db, file);
    let item = parsed
        .items
        .iter()
        .find(|i| i.span.start <= offset && offset <= i.span.end)?;
    Some((item.id, item.span))
}

/// The declared functions of an item (a `fn`, a `const`, an `impl`'s methods).
pub fn fns_of_item(decls: &Declarations, item: ItemRef) -> Vec<FnId> {
    decls
        .by_item
        .get(&item)
        .map(|ds| ds.iter().map(|i| decls.decls[*i].id).collect())
        .unwrap_or_default()
}

/// The inference of the component of `id`.
pub fn inferred(db: &Database, program: Program, id: FnId) -> &Arc<Inferred> {
    db::infer_component(db, program, FnId::declared(id.decl))
}

/// The names of the functions of one item, resolved.
pub fn uses_in_item(db: &Database, program: Program, item: ItemRef) -> Vec<Use> {
    let decls = db::declarations(db, program);
    let mut out = Vec::new();
    for id in fns_of_item(decls, item) {
        uses_of_fn(db, program, id, &mut out);
    }
    out
}

fn uses_of_fn(db: &Database, program: Program, id: FnId, out: &mut Vec<Use>) {
    let inferred = inferred(db, program, id);
    let Some(info) = inferred.functions.get(&id) else {
        return;
    };
    let Some(body) = &info.body else {
        return;
    };
    for n in &body.names {
        out.push(Use {
            file: info.file.file,
            span: db::absolute(db, info.file, n.span),
            target: n.target,
            def: def_of(db, program, n.target, info.file, body),
            ty: n.ty.as_ref().map(|t| inferred.table.display(t)),
            is_def: n.def,
            in_fn: id,
        });
    }
}

/// Every name of every user file's functions in `program`.
pub fn all_uses(db: &Database, program: Program) -> Vec<Use> {
    let decls = db::declarations(db, program);
    let mut out = Vec::new();
    for d in &decls.decls {
        if db_source(db, d.file.file).kind(db).is_stdlib() {
            continue;
        }
        uses_of_fn(db, program, d.id, &mut out);
    }
    out
}

fn db_source(db: &Database, file: FileId) -> SourceFile {
    mvl_compiler::db::Db::source(db, file)
}

/// The full tree of the item `at` names.
pub fn item_tree(db: &Database, at: Anchor) -> Option<Arc<ast::Item>> {
    let items = db::file_items(db, db_source(db, at.file));
    let i = *items.index.get(&at.item?)?;
    Some(items.items[i].tree(db).arc())
}

/// Where `target` is declared (`None` for a native, or a declaration
/// that is not in a file: the prelude's natives).
pub fn def_of(
    db: &Database,
    program: Program,
    target: NameTarget,
    body_at: Anchor,
    body: &ir::FnBody,
) -> Option<Def> {
    let decls = db::declarations(db, program);
    let (at, span) = match target {
        NameTarget::Local(id) => (body_at, body.locals.get(id.0 as usize)?.span),
        NameTarget::Fn(id) => return fn_def(db, decls, id),
        NameTarget::Native(_) => return None,
        NameTarget::Type(adt) => {
            let def = decls.env.adts.get(adt.0 as usize)?;
            (def.file, def.name_span)
        }
        NameTarget::Field(adt, i) => {
            let def = decls.env.adts.get(adt.0 as usize)?;
            let tree = item_tree(db, def.file)?;
            let ast::Item::Struct(s) = tree.as_ref() else {
                return None;
            };
            (def.file, s.fields.get(i as usize)?.name.span)
        }
        NameTarget::Variant(adt, v) => {
            let def = decls.env.adts.get(adt.0 as usize)?;
            let tree = item_tree(db, def.file)?;
            let ast::Item::Enum(e) = tree.as_ref() else {
                return None;
            };
            (def.file, e.variants.get(v as usize)?.name.span)
        }
    };
    Some(Def {
        file: at.file,
        span: db::absolute(db, at, span),
    })
}

/// Where a declared function's name is.
pub fn fn_def(db: &Database, decls: &Declarations, id: FnId) -> Option<Def> {
    let d = &decls.decls[*decls.by_id.get(&FnId::declared(id.decl))?];
    let tree = item_tree(db, d.file)?;
    let span = match tree.as_ref() {
        ast::Item::Fn(f) => f.name.span,
        ast::Item::Const(c) => c.name.span,
        ast::Item::Impl(i) => i.methods.get(d.method)?.name.span,
        ast::Item::Test(t) => t.name_span,
        _ => return None,
    };
    Some(Def {
        file: d.file.file,
        span: db::absolute(db, d.file, span),
    })
}

/// The module a file is, in `program`.
pub fn module_of(db: &Database, program: Program, file: FileId) -> Option<ModuleId> {
    let decls = db::declarations(db, program);
    decls
        .env
        .modules
        .iter()
        .position(|m| m.file.file == file)
        .map(|i| ModuleId(i as u32))
}

/// The name at `offset` of `file`, resolved.
pub fn use_at(db: &Database, program: Program, file: SourceFile, offset: u32) -> Option<Use> {
    let (item, _) = item_at(db, file, offset)?;
    uses_in_item(db, program, item)
        .into_iter()
        .filter(|u| u.span.start <= offset && offset <= u.span.end)
        .min_by_key(|u| u.span.end - u.span.start)
}

/// The smallest expression of a body around `offset`, with its type.
pub fn expr_type_at(
    db: &Database,
    program: Program,
    file: SourceFile,
    offset: u32,
) -> Option<(Span, String)> {
    let (item, _) = item_at(db, file, offset)?;
    let decls = db::declarations(db, program);
    let mut best: Option<(Span, String)> = None;
    for id in fns_of_item(decls, item) {
        let inferred = inferred(db, program, id);
        for (fid, info) in &inferred.functions {
            if fid.decl != id.decl {
                continue;
            }
            let Some(body) = &info.body else { continue };
            let rel = offset.checked_sub(db::absolute(db, info.file, Span::default()).start)?;
            let mut found: Option<&ir::Expr> = None;
            smallest(&body.body, rel, &mut found);
            if let Some(e) = found {
                let span = db::absolute(db, info.file, e.span);
                let better = best
                    .as_ref()
                    .is_none_or(|(b, _)| span.end - span.start < b.end - b.start);
                if better {
                    best = Some((span, inferred.table.display(&e.ty)));
                }
            }
        }
    }
    best
}

fn smallest<'a>(e: &'a ir::Expr, at: u32, found: &mut Option<&'a ir::Expr>) {
    if e.span.start > at || at > e.span.end || e.span.start == e.span.end {
        return;
    }
    if !matches!(e.kind, ir::ExprKind::Error | ir::ExprKind::Block(..)) {
        let better = found.is_none_or(|f| e.span.end - e.span.start <= f.span.end - f.span.start);
        if better {
            *found = Some(e);
        }
    }
    mvl_compiler::with_stack(|| e.for_each_child(|c| smallest(c, at, found)));
}

/// The name of what a target is, as users write it, for hover and detail.
pub fn describe(db: &Database, program: Program, u: &Use) -> String {
    let decls = db::declarations(db, program);
    let env = &decls.env;
    match u.target {
        NameTarget::Local(_) => {
            let name = name_at(db, u);
            match &u.ty {
                Some(t) => format!("let {name}: {t}"),
                None => format!("let {name}"),
            }
        }
        NameTarget::Fn(id) => fn_signature(db, program, id),
        NameTarget::Native(id) => match decls.natives.get(id.0 as usize) {
            Some(n) => format!("fn {}: {}", n.name, db::native_scheme(db, program, id).0),
            None => String::new(),
        },
        NameTarget::Type(adt) => {
            let def = env.adt_def(adt);
            match &def.kind {
                AdtKind::Struct(_) => format!("struct {}", def.name),
                AdtKind::Enum(_) => format!("enum {}", def.name),
            }
        }
        NameTarget::Field(adt, i) => {
            let def = env.adt_def(adt);
            let name = match &def.kind {
                AdtKind::Struct(fs) => fs.get(i as usize).map_or("", |f| f.name.as_str()),
                AdtKind::Enum(_) => "",
            };
            match &u.ty {
                Some(t) => format!("{}.{name}: {t}", def.name),
                None => format!("{}.{name}", def.name),
            }
        }
        NameTarget::Variant(adt, v) => {
            let def = env.adt_def(adt);
            match &def.kind {
                AdtKind::Enum(vs) => match vs.get(v as usize) {
                    Some(var) => format!("{}::{}", def.name, var.name),
                    None => def.name.clone(),
                },
                AdtKind::Struct(_) => def.name.clone(),
            }
        }
    }
}

/// `fn name: fn(Int) -> Int`, the inferred signature of a declared function.
pub fn fn_signature(db: &Database, program: Program, id: FnId) -> String {
    let inferred = inferred(db, program, id);
    match inferred.functions.get(&id) {
        Some(info) => format!("fn {}: {}", info.name, inferred.signature(id)),
        None => String::new(),
    }
}

/// The text of a use's name.
pub fn name_at(db: &Database, u: &Use) -> String {
    db_source(db, u.file)
        .text(db)
        .get(u.span.start as usize..u.span.end as usize)
        .unwrap_or_default()
        .to_string()
}

/// The comment lines (`//`) right above the line of `def`: its doc comment.
pub fn doc_comment(db: &Database, def: Def) -> Option<String> {
    let text = db_source(db, def.file).text(db);
    let line_start = text[..(def.span.start as usize).min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let mut lines: Vec<&str> = Vec::new();
    for line in text[..line_start].lines().rev() {
        let t = line.trim();
        let Some(c) = t.strip_prefix("//") else { break };
        lines.push(c.strip_prefix('/').unwrap_or(c).trim());
    }
    if lines.is_empty() {
        return None;
    }
    lines.reverse();
    Some(lines.join("\n"))
}
