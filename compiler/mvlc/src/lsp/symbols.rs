//! Document symbols (the items of a file, with their fields, variants and
//! methods) and workspace symbols (the items of every open program's user
//! files whose name contains the query).

use super::docs::{path_to_uri, LineMap};
use super::Server;
use lsp_types as lsp;
use mvl_compiler::db::{self, Db};
use mvl_syntax::ast::{self, Span};

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be given.
fn symbol(
    map: &LineMap<'_>,
    name: String,
    kind: lsp::SymbolKind,
    span: Span,
    name_span: Span,
    children: Vec<lsp::DocumentSymbol>,
) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name,
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range: map.range(span),
        selection_range: map.range(name_span),
        children: (!children.is_empty()).then_some(children),
    }
}

fn shift(s: Span, by: u32) -> Span {
    Span {
        start: s.start + by,
        end: s.end + by,
    }
}

/// The symbols of one item whose text starts at `at`.
fn item_symbols(map: &LineMap<'_>, item: &ast::Item, at: u32) -> Option<lsp::DocumentSymbol> {
    use lsp::SymbolKind as K;
    let s = |x: Span| shift(x, at);
    Some(match item {
        ast::Item::Fn(f) => symbol(
            map,
            f.name.name.clone(),
            K::FUNCTION,
            s(f.span),
            s(f.name.span),
            vec![],
        ),
        ast::Item::Const(c) => symbol(
            map,
            c.name.name.clone(),
            K::CONSTANT,
            s(c.span),
            s(c.name.span),
            vec![],
        ),
        ast::Item::Struct(st) => {
            let fields = st
                .fields
                .iter()
                .map(|f| {
                    symbol(
                        map,
                        f.name.name.clone(),
                        K::FIELD,
                        s(f.span),
                        s(f.name.span),
                        vec![],
                    )
                })
                .collect();
            symbol(
                map,
                st.name.name.clone(),
                K::STRUCT,
                s(st.span),
                s(st.name.span),
                fields,
            )
        }
        ast::Item::Enum(e) => {
            let variants = e
                .variants
                .iter()
                .map(|v| {
                    symbol(
                        map,
                        v.name.name.clone(),
                        K::ENUM_MEMBER,
                        s(v.span),
                        s(v.name.span),
                        vec![],
                    )
                })
                .collect();
            symbol(
                map,
                e.name.name.clone(),
                K::ENUM,
                s(e.span),
                s(e.name.span),
                variants,
            )
        }
        ast::Item::Impl(i) => {
            let methods = i
                .methods
                .iter()
                .map(|m| {
                    symbol(
                        map,
                        m.name.name.clone(),
                        K::METHOD,
                        s(m.span),
                        s(m.name.span),
                        vec![],
                    )
                })
                .collect();
            let name = match &i.target {
                ast::TypeExpr::Named { path, .. } => path
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join("::"),
                _ => "?".to_string(),
            };
            let span = s(i.span);
            let head = Span {
                start: span.start,
                end: span.start + 4,
            };
            symbol(map, format!("impl {name}"), K::OBJECT, span, head, methods)
        }
        ast::Item::Test(t) => symbol(
            map,
            format!("test {:?}", t.name),
            K::FUNCTION,
            s(t.span),
            s(t.name_span),
            vec![],
        ),
        ast::Item::Import(_) | ast::Item::Error(_) => return None,
    })
}

pub fn document_symbols(
    server: &mut Server,
    p: lsp::DocumentSymbolParams,
) -> Result<Option<lsp::DocumentSymbolResponse>, String> {
    let (path, _) = server.program_for(&p.text_document.uri)?;
    let db = &server.db;
    let file = db.file(&path);
    let map = LineMap::new(file.text(db));
    let symbols = db::parse(db, file)
        .items
        .iter()
        .filter_map(|i| item_symbols(&map, &i.tree, i.span.start))
        .collect();
    Ok(Some(lsp::DocumentSymbolResponse::Nested(symbols)))
}

#[allow(deprecated)] // `SymbolInformation::deprecated` must still be given.
pub fn workspace_symbols(
    server: &mut Server,
    p: lsp::WorkspaceSymbolParams,
) -> Result<Option<lsp::WorkspaceSymbolResponse>, String> {
    let query = p.query.to_lowercase();
    let db = &server.db;
    let mut files = Vec::new();
    for (_, program) in &server.programs {
        for f in db::program_files(db, *program) {
            if !f.kind(db).is_stdlib() && !files.contains(f) {
                files.push(*f);
            }
        }
    }
    let mut out = Vec::new();
    for file in files {
        let Some(uri) = path_to_uri(file.path(db)) else {
            continue;
        };
        let map = LineMap::new(file.text(db));
        let mut flat = Vec::new();
        for item in &db::parse(db, file).items {
            if let Some(sym) = item_symbols(&map, &item.tree, item.span.start) {
                flatten(sym, None, &mut flat);
            }
        }
        for (sym, container) in flat {
            if sym.name.to_lowercase().contains(&query) {
                out.push(lsp::SymbolInformation {
                    name: sym.name,
                    kind: sym.kind,
                    tags: None,
                    deprecated: None,
                    location: lsp::Location::new(uri.clone(), sym.selection_range),
                    container_name: container,
                });
            }
        }
    }
    Ok(Some(lsp::WorkspaceSymbolResponse::Flat(out)))
}

fn flatten(
    mut sym: lsp::DocumentSymbol,
    container: Option<String>,
    out: &mut Vec<(lsp::DocumentSymbol, Option<String>)>,
) {
    let children = sym.children.take().unwrap_or_default();
    let name = sym.name.clone();
    if sym.kind != lsp::SymbolKind::OBJECT {
        out.push((sym, container));
    }
    for c in children {
        flatten(c, Some(name.clone()), out);
    }
}
