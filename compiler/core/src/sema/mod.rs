//! Semantic analysis: declarations, name resolution and type inference,
//! producing the typed IR ([`ir`]) that code generation consumes.
//!
//! The entry points follow the queries that call them (`crate::db`):
//! [`declare`] collects every item's declaration into the environment
//! ([`env`]) from the items' headers; [`Scope::of_item`] restricts it to
//! what one item's bodies name;
//! [`references`] lists what one body names, [`components`] splits the call graph into strongly connected
//! components (callees first), and [`infer_component`] infers one of them
//! with monomorphic types for its own members, then generalises once
//! ([`types::TypeTable::generalise`]), given its callees' schemes.
//! Expressions are inferred in [`infer`]; names in [`names`]; method calls
//! and field accesses, and their deferred resolution, in [`access`];
//! patterns, and the exhaustiveness of `match`, in [`pattern`].
//!
//! This module is pure: no salsa, no I/O. It returns diagnostics as values.

pub mod access;
pub mod builtin;
pub mod env;
pub mod error;
pub mod infer;
pub mod ir;
pub mod names;
pub mod pattern;
pub mod types;

use crate::diagnostic::{closest_name, Diagnostic};
use crate::source::{Anchor, FileId, ItemRef};
use env::{
    AdtDef, AdtKind, Env, FieldDef, Global, Method, MethodKey, ModuleId, ModuleInfo, VariantDef,
};
use error::{ImplTarget, TypeError};
use ir::{FnBody, FnId, NativeId};
use mvl_syntax::ast::{self, Span};
use petgraph::graph::DiGraph;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use types::{AdtId, AdtMeta, Scheme, Ty, TypeTable};

/// A user function after checking: a top-level `fn`, a method, a `const`
/// (a function of no arguments) or a closure lifted out of a body.
#[derive(Clone, Debug, PartialEq)]
pub struct FnInfo {
    /// As shown in stack traces: `area`, `Point::norm`, `main::{closure}`.
    pub name: String,
    pub file: Anchor,
    pub span: Span,
    pub name_span: Span,
    pub scheme: Scheme,
    /// `None` when the body did not check; codegen never runs then.
    pub body: Option<FnBody>,
}

/// A native function declared by the standard library (or a library's
/// interface): its name and where it is declared. Its type scheme is made
/// from its annotations only when something asks for it ([`native_scheme`];
/// the database's query `native_scheme`), so a program pays for the
/// natives it names, not for all of them.
#[derive(Clone, Debug, PartialEq)]
pub struct NativeInfo {
    /// The name the runtime's registry knows it by: `print`, `Array::len`.
    pub name: String,
    /// Its item (a `native fn`, or the `impl` holding it).
    pub file: Anchor,
    pub module: ModuleId,
    /// For a method, its index in its `impl`.
    pub method: Option<usize>,
}

/// The type scheme of native `id` of `decls`, from its annotations in
/// `item` (its item's tree, or summary: a bodyless function keeps its
/// types there), and what lowering them reported.
pub fn native_scheme(
    decls: &Declarations,
    id: NativeId,
    item: &ast::Item,
) -> (Scheme, Vec<Diagnostic>) {
    let mut checker = infer::Checker {
        env: decls.env.clone(),
        ..Default::default()
    };
    checker.table.adts = decls.adts.clone();
    let Some(n) = decls.natives.get(id.0 as usize) else {
        return (Scheme::mono(checker.table.fresh_error()), Vec::new());
    };
    let (decl, owner) = match (item, n.method) {
        (ast::Item::Fn(f), None) => (f, None),
        (ast::Item::Impl(imp), Some(k)) if k < imp.methods.len() => (&imp.methods[k], Some(imp)),
        _ => return (Scheme::mono(checker.table.fresh_error()), Vec::new()),
    };
    let scheme = checker.native_scheme(n.module, n.file, decl, owner);
    (scheme, checker.diags)
}

/// Everything a program declares, bodies aside: what the inference of every
/// component reads. Computed from the items' headers only (see
/// `mvl_syntax::rebase::header`), so editing a body leaves it unchanged.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Declarations {
    pub env: Arc<Env>,
    pub natives: Arc<Vec<NativeInfo>>,
    /// Names of the user types and whether `==` applies to them.
    pub adts: Arc<Vec<AdtMeta>>,
    /// Every declared function, method and constant, in declaration order,
    /// and where each is in it, by identity and by item.
    pub decls: Vec<DeclRef>,
    pub by_id: env::FastMap<FnId, usize>,
    pub by_item: env::FastMap<ItemRef, Vec<usize>>,
    pub main: Option<FnId>,
    /// Whether a `struct`, `enum` or `impl` did not parse.
    pub broken_types: bool,
    pub diags: Vec<Diagnostic>,
}

/// Where a declared function is: enough to find its declaration again in
/// its item's full tree ([`fn_decl`]).
#[derive(Clone, Debug, PartialEq)]
pub struct DeclRef {
    pub id: FnId,
    /// As shown in stack traces: `area`, `Point::norm`.
    pub name: String,
    pub file: Anchor,
    pub module: ModuleId,
    pub kind: DeclKind,
    /// For a method, its index in its `impl`.
    pub method: usize,
}

/// What the bodies of one item are checked against: the environment
/// restricted to the names their paths write ([`Env::restricted`]), the
/// shared type tables, and the item's declared functions. Made per item
/// from the program's declarations; adding an item elsewhere leaves it
/// equal, unless a body names the new item.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Scope {
    pub env: Arc<Env>,
    /// Names of the user types and whether `==` applies to them.
    pub adts: Arc<Vec<AdtMeta>>,
    /// Whether a `struct`, `enum` or `impl` did not parse.
    pub broken_types: bool,
    /// The functions the item declares, in declaration order.
    pub decls: Vec<DeclRef>,
}

impl Scope {
    /// The scope of `item` (whose tree is `tree`) in `decls`.
    pub fn of_item(decls: &Declarations, item: ItemRef, tree: &ast::Item) -> Scope {
        let members: Vec<DeclRef> = decls
            .by_item
            .get(&item)
            .map(|is| is.iter().map(|i| decls.decls[*i].clone()).collect())
            .unwrap_or_default();
        let mut refs = infer::References::default();
        for d in &members {
            if let Some(decl) = fn_decl(d, tree) {
                if let Some(body) = &decl.ast.body {
                    infer::collect_references(body, &mut refs);
                }
            }
        }
        Scope {
            env: Arc::new(decls.env.restricted(&refs.paths)),
            adts: decls.adts.clone(),
            broken_types: decls.broken_types,
            decls: members,
        }
    }

    /// Adds the values of `other` (another member's item, for a component
    /// that spans items).
    pub fn extend(&mut self, other: &Scope) {
        Arc::make_mut(&mut self.env).extend(&other.env);
        self.decls.extend(other.decls.iter().cloned());
    }
}

/// What the inference of one component concluded: its members and the
/// closures lifted out of them, with their schemes and typed bodies, and
/// the component's own table of types (every type in those bodies is read
/// through it, and through nothing program-wide).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Inferred {
    pub functions: env::FastMap<FnId, FnInfo>,
    pub table: TypeTable,
    pub diags: Vec<Diagnostic>,
    /// Functions outside the component whose schemes inference needed but
    /// was not given (methods found once a receiver's type was known).
    pub wanted: Vec<FnId>,
    /// "Did you mean" questions the component's scope could not answer
    /// and that were not given: infer again with their answers.
    pub wanted_hints: Vec<env::NameHint>,
}

impl Inferred {
    /// A member's inferred type as users write it, with the classes of
    /// its type variables: `fn(a, a) -> a where a: Int or Float`.
    pub fn signature(&self, id: FnId) -> String {
        let Some(info) = self.functions.get(&id) else {
            return String::new();
        };
        let mut out = self.table.display(&info.scheme.ty);
        let constrained: Vec<String> = info
            .scheme
            .classes
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != types::Class::ANY)
            .map(|(i, c)| {
                let name = self.table.display(&Ty::Gen(i as u32));
                let what = match (c.scalars, c.eq) {
                    (None, _) => "Eq".to_string(),
                    (Some(_), _) => c.describe(),
                };
                format!("{name}: {what}")
            })
            .collect();
        if !constrained.is_empty() {
            out.push_str(" where ");
            out.push_str(&constrained.join(", "));
        }
        out
    }
}

/// One parsed file handed to the checker.
pub struct FileAst<'a> {
    pub file: FileId,
    /// The name other files import it by (the file stem); the prelude's is
    /// empty (it is not importable).
    pub module_name: String,
    /// The file's items in order; every span in an item counts from the
    /// item's start.
    pub items: Vec<FileItem<'a>>,
    /// See [`ast::File::broken_names`].
    pub broken_names: &'a [String],
    /// The standard library's prelude may declare `native fn`s.
    pub is_stdlib: bool,
    /// A library's interface (`mvlc build --extern`): its bodyless `fn`s
    /// are the library's functions, named `library::item`.
    pub is_interface: bool,
}

/// One item handed to the checker.
pub struct FileItem<'a> {
    pub item: ItemRef,
    pub tree: &'a ast::Item,
    /// The identities of the functions it declares: one for a `fn` or
    /// `const`, one per method (in order) for an `impl`, none otherwise.
    pub fns: Vec<u32>,
}

/// What a declaration to infer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclKind {
    Fn,
    Method,
    Const,
    /// A `test` item: checked as a function of no parameters returning
    /// `()`, never named by other code, run only by `mvlc test`.
    Test,
}

/// A user function as declared, waiting for inference.
pub struct FnDecl<'a> {
    pub id: FnId,
    pub file: Anchor,
    pub module: ModuleId,
    /// A `const` is checked as a function of no parameters returning its
    /// value, so it is synthesised here rather than borrowed.
    pub ast: Cow<'a, ast::FnDecl>,
    /// For a method: its `impl` block (its type parameters and target).
    pub owner: Option<&'a ast::ImplDecl>,
    pub kind: DeclKind,
}

/// Collects the declarations of every file: the prelude first, then the
/// user's root file, then the modules it imports, then the standard
/// library's modules. The items handed in may be headers (bodies emptied):
/// nothing here reads a body.
pub fn declare(files: &[FileAst<'_>]) -> Declarations {
    let mut checker = infer::Checker::default();
    let broken_types = files
        .iter()
        .flat_map(|f| f.items.iter().map(|i| i.tree))
        .any(|i| matches!(i, ast::Item::Error(e) if e.declares_type));
    let decls = collect(&mut checker, files);
    let main = find_main(&mut checker, &decls, files);
    let decls = decls
        .iter()
        .map(|d| DeclRef {
            id: d.id,
            name: checker.functions[&d.id].name.clone(),
            file: d.file,
            module: d.module,
            kind: d.kind,
            method: d
                .owner
                .and_then(|o| {
                    o.methods
                        .iter()
                        .position(|m| m.name == d.ast.name && m.span == d.ast.span)
                })
                .unwrap_or(0),
        })
        .collect::<Vec<DeclRef>>();
    let by_id = decls.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let mut by_item: env::FastMap<ItemRef, Vec<usize>> = env::FastMap::default();
    for (i, d) in decls.iter().enumerate() {
        if let Some(item) = d.file.item {
            by_item.entry(item).or_default().push(i);
        }
    }
    Declarations {
        env: checker.env,
        by_id,
        by_item,
        natives: checker.natives,
        adts: checker.table.adts,
        decls,
        main,
        broken_types,
        diags: checker.diags,
    }
}

/// The declaration `d` refers to, found in its item's full tree.
pub fn fn_decl<'a>(d: &DeclRef, tree: &'a ast::Item) -> Option<FnDecl<'a>> {
    let (ast, owner) = match (tree, d.kind) {
        (ast::Item::Fn(f), DeclKind::Fn) => (Cow::Borrowed(f), None),
        (ast::Item::Const(c), DeclKind::Const) => (Cow::Owned(const_as_fn(c)), None),
        (ast::Item::Test(t), DeclKind::Test) => (Cow::Owned(test_as_fn(t)), None),
        (ast::Item::Impl(imp), DeclKind::Method) => {
            (Cow::Borrowed(imp.methods.get(d.method)?), Some(imp))
        }
        _ => return None,
    };
    Some(FnDecl {
        id: d.id,
        file: d.file,
        module: d.module,
        ast,
        owner,
        kind: d.kind,
    })
}

/// A test is checked as a function of no parameters returning `()`.
fn test_as_fn(t: &ast::TestDecl) -> ast::FnDecl {
    ast::FnDecl {
        name: ast::Ident {
            name: format!("test {:?}", t.name),
            span: t.name_span,
        },
        type_params: Vec::new(),
        params: Vec::new(),
        ret: Some(ast::TypeExpr::Tuple(Vec::new(), t.name_span)),
        body: Some(t.body.clone()),
        span: t.span,
    }
}

/// A `const` is checked as a function of no parameters returning its value.
fn const_as_fn(c: &ast::ConstDecl) -> ast::FnDecl {
    ast::FnDecl {
        name: c.name.clone(),
        type_params: Vec::new(),
        params: Vec::new(),
        ret: c.ty.clone(),
        body: Some(ast::Block {
            stmts: Vec::new(),
            tail: Some(Box::new(c.value.clone())),
            span: c.value.span,
        }),
        span: c.span,
    }
}

/// What one function's body may call, by its text alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refs {
    /// The call graph's edges (see [`references`]).
    pub named: Vec<FnId>,
    /// Every method whose name a method call `x.m(..)` of the body uses,
    /// whatever its type: a superset of the methods those calls reach,
    /// which the call graph leaves out. The inliner's recursion check
    /// reads it (`db::recursive_fns`), never inference.
    pub methods: Vec<FnId>,
}

/// The functions `decl`'s body names, for the call graph: every path that
/// resolves to a declared function, and every `self.m(..)` call in a method
/// (the receiver's type is the `impl`'s, so the call names `Self::m` as
/// surely as a path would). Other method calls add nothing: they are
/// resolved once their receiver's type is known. So a function's type
/// depends on what it names, never on which other methods share a name.
/// Those other calls' names give [`Refs::methods`].
pub fn references(scope: &Scope, decl: &FnDecl<'_>) -> Refs {
    let mut refs = infer::References::default();
    if let Some(body) = &decl.ast.body {
        infer::collect_references(body, &mut refs);
    }
    let checker = infer::Checker {
        env: scope.env.clone(),
        ..Default::default()
    };
    let mut out = Vec::new();
    for path in &refs.paths {
        if let Some(Global::Fn(id) | Global::Const(id)) =
            checker.resolve_value_path(decl.module, path)
        {
            out.push(id);
        }
    }
    if let Some(owner) = decl.owner {
        let target = match &owner.target {
            ast::TypeExpr::Named { path, .. } => checker.resolve_adt(decl.module, path),
            _ => None,
        };
        if let Some(adt) = target {
            for name in &refs.self_methods {
                if let Some(m) = scope.env.methods.get(&(MethodKey::Adt(adt), name.clone())) {
                    if let Global::Fn(id) = m.target {
                        out.push(id);
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    let mut names = refs.other_methods;
    names.sort();
    names.dedup();
    let mut methods: Vec<FnId> = scope
        .env
        .methods
        .iter()
        .filter(|((_, name), _)| names.binary_search(name).is_ok())
        .filter_map(|(_, m)| match m.target {
            Global::Fn(id) => Some(id),
            _ => None,
        })
        .collect();
    methods.sort();
    methods.dedup();
    Refs {
        named: out,
        methods,
    }
}

/// The strongly connected components of the call graph over `ids` (edges
/// from `refs`), callees first: the order inference runs in.
pub fn components(ids: &[FnId], refs: &HashMap<FnId, Vec<FnId>>) -> Vec<Vec<FnId>> {
    let mut graph = DiGraph::<FnId, ()>::new();
    let nodes: HashMap<FnId, _> = ids.iter().map(|id| (*id, graph.add_node(*id))).collect();
    for (from, tos) in refs {
        let Some(&a) = nodes.get(from) else { continue };
        for to in tos {
            if let Some(&b) = nodes.get(to) {
                graph.add_edge(a, b, ());
            }
        }
    }
    // Tarjan yields components in reverse topological order: callees first.
    petgraph::algo::tarjan_scc(&graph)
        .into_iter()
        .map(|c| {
            let mut members: Vec<FnId> = c.iter().map(|n| graph[*n]).collect();
            members.sort();
            members
        })
        .collect()
}

/// Infers one component (`members`) in `scope` (its members' items'
/// scopes together), given the schemes of the functions outside it that it
/// calls. When a body calls a function whose scheme is not among
/// `callees`, the result lists it in `wanted`: infer again with it.
///
/// The scheme of a native a body names is asked of `native_scheme` (the
/// database's query of that name), as inference meets it.
pub fn infer_component(
    scope: &Scope,
    natives: &Arc<Vec<NativeInfo>>,
    native_scheme: &dyn Fn(NativeId) -> Scheme,
    members: &[FnDecl<'_>],
    callees: HashMap<FnId, Scheme>,
    hints: HashMap<env::NameHint, Option<String>>,
) -> Inferred {
    let mut checker = infer::Checker {
        env: scope.env.clone(),
        natives: natives.clone(),
        native_scheme: Some(native_scheme),
        broken_types: scope.broken_types,
        callees,
        hints,
        ..Default::default()
    };
    checker.table.adts = scope.adts.clone();
    for m in members {
        let name = scope
            .decls
            .iter()
            .find(|d| d.id == m.id)
            .map(|d| d.name.clone())
            .unwrap_or_default();
        checker
            .functions
            .insert(m.id, new_info(name, m.file, m.ast.span, m.ast.name.span));
    }
    checker.infer_component(members);
    check_key_types(&mut checker);
    Inferred {
        functions: checker.functions,
        table: checker.table,
        diags: checker.diags,
        wanted: checker.wanted,
        wanted_hints: checker.wanted_hints,
    }
}

/// Reports, once per function, a `Map`, `Set` or `Tree` whose key type has
/// a function inside (E0211): the spec forbids it (lang-spec/types.md,
/// "Keys"), as keys are compared and hashed structurally.
fn check_key_types(checker: &mut infer::Checker) {
    fn first_bad<'a>(
        table: &TypeTable,
        e: &'a ir::Expr,
        found: &mut Option<(&'a ir::Expr, &'static str, Ty)>,
    ) {
        crate::with_stack(|| {
            if found.is_some() {
                return;
            }
            if let Some((name, key)) = table.function_in_key(&e.ty) {
                *found = Some((e, name, key));
                return;
            }
            e.for_each_child(|c| first_bad(table, c, found));
        })
    }
    let mut diags = Vec::new();
    for info in checker.functions.values() {
        let Some(body) = &info.body else { continue };
        let mut found = None;
        first_bad(&checker.table, &body.body, &mut found);
        if let Some((e, name, key)) = found {
            if checker.table.mentions_error(&key) {
                continue;
            }
            let error = TypeError::FunctionInKey {
                container: name.to_string(),
                key,
                at: e.span,
            };
            diags.push(error.render(info.file, &checker.table));
        }
    }
    diags.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    checker.diags.extend(diags);
}

/// The scheme a fully annotated, non-generic function has from its
/// declaration alone (its callers need not wait for its body), or `None`.
pub fn declared_scheme(scope: &Scope, decl: &FnDecl<'_>) -> Option<Scheme> {
    let f = &decl.ast;
    let generic =
        !f.type_params.is_empty() || decl.owner.is_some_and(|o| !o.type_params.is_empty());
    let annotated =
        f.params.iter().enumerate().all(|(i, p)| {
            p.ty.is_some() || (i == 0 && p.name.name == "self" && decl.owner.is_some())
        });
    if generic || !annotated || f.ret.is_none() {
        return None;
    }
    let mut checker = infer::Checker {
        env: scope.env.clone(),
        ..Default::default()
    };
    checker.table.adts = scope.adts.clone();
    let none = HashMap::new();
    let self_ty = decl
        .owner
        .map(|o| checker.lower_type(decl.module, decl.file, &o.target, &none));
    let params: Vec<Ty> = f
        .params
        .iter()
        .map(|p| match (&p.ty, &self_ty) {
            (Some(t), _) => checker.lower_type(decl.module, decl.file, t, &none),
            (None, Some(s)) => s.clone(),
            (None, None) => Ty::Unit,
        })
        .collect();
    let ret = f
        .ret
        .as_ref()
        .map(|t| checker.lower_type(decl.module, decl.file, t, &none))?;
    if !checker.diags.is_empty() {
        // A bad annotation: let inference report it, once.
        return None;
    }
    Some(checker.table.generalise(&Ty::func(params, ret)))
}

/// The names broken items seem to declare and the names cut out of broken
/// statements, over all `files`: see [`drop_mentions_of_broken_items`].
pub fn broken_names(files: &[FileAst<'_>]) -> HashSet<String> {
    files
        .iter()
        .flat_map(|f| f.items.iter().map(|i| i.tree))
        .filter_map(|i| match i {
            ast::Item::Error(e) => Some(e.names.iter().map(|n| n.name.clone())),
            _ => None,
        })
        .flatten()
        .chain(files.iter().flat_map(|f| f.broken_names.iter().cloned()))
        .collect()
}

/// The codes of the diagnostics that can name an item that did not parse.
const MENTIONS: [&str; 3] = ["E0101", "E0104", "E0111"];

/// Drops "cannot find `f`" and "unknown type `T`" for names that broken
/// items (whose syntax errors are reported) seem to declare, or that were
/// written in a statement that did not parse (`let total = (1 + ;`): they
/// exist, they just did not parse.
/// `broken` gives those names ([`broken_names`]).
pub fn drop_mentions_of_broken_items(
    diags: &mut Vec<Diagnostic>,
    broken: impl FnOnce() -> HashSet<String>,
) {
    // The broken names are gathered from every item: only when some
    // diagnostic could mention one.
    if !diags.iter().any(|d| MENTIONS.contains(&d.code)) {
        return;
    }
    let broken = broken();
    if broken.is_empty() {
        return;
    }
    diags.retain(|d| {
        // The names between backticks in the message: all of them for an
        // unknown name or type, the method's for "no method `m` on `T`" (a
        // method that did not parse is left out of its `impl`).
        let quoted = d.message.split('`').skip(1).step_by(2);
        let quoted: Vec<&str> = match d.code {
            "E0101" | "E0104" => quoted.collect(),
            "E0111" => quoted.take(1).collect(),
            _ => return true,
        };
        let mentions = quoted
            .iter()
            .flat_map(|q| q.split(|c: char| !(c.is_alphanumeric() || c == '_')))
            .any(|word| broken.contains(word));
        !mentions
    });
}

fn find_main(
    checker: &mut infer::Checker,
    decls: &[FnDecl<'_>],
    files: &[FileAst<'_>],
) -> Option<FnId> {
    let root = ModuleId(1);
    match checker.env.values.get(&(root, "main".to_string())).copied() {
        Some(Global::Fn(id)) => {
            let info = &checker.functions[&id];
            let has_params = decls.iter().any(|d| d.id == id && !d.ast.params.is_empty());
            if has_params {
                let file = info.file;
                let at = info.name_span;
                checker.report(file, TypeError::MainWithParameters { at });
            }
            Some(id)
        }
        // A broken item, or text cut out by recovery, may have been
        // `main`: its syntax error says enough.
        _ if files.get(1).is_some_and(|f| {
            f.items
                .iter()
                .any(|i| matches!(i.tree, ast::Item::Error(_)))
                || f.broken_names.iter().any(|n| n == "main")
        }) =>
        {
            None
        }
        _ => {
            let user = files.get(1)?;
            let names: Vec<&str> = checker
                .env
                .values
                .keys()
                .filter(|(m, _)| *m == root)
                .map(|(_, n)| n.as_str())
                .collect();
            let near = closest_name("main", names).map(str::to_string);
            let near_fn =
                near.as_ref()
                    .and_then(|n| match checker.env.values.get(&(root, n.clone())) {
                        Some(Global::Fn(id)) => checker.functions.get(id),
                        _ => None,
                    });
            let (file, error) = match (near, near_fn) {
                (Some(near), Some(info)) => (
                    info.file,
                    TypeError::NoMain {
                        near: Some(near),
                        at: info.name_span,
                    },
                ),
                _ => (
                    user.file.into(),
                    TypeError::NoMain {
                        near: None,
                        at: Span::new(0, 0),
                    },
                ),
            };
            checker.report(file, error);
            None
        }
    }
}

/// Enters every item of every file into the environment and returns the
/// declarations to infer, in [`FnId`] order.
fn collect<'a>(checker: &mut infer::Checker, files: &[FileAst<'a>]) -> Vec<FnDecl<'a>> {
    // Modules and their imports.
    for f in files {
        Arc::make_mut(&mut Arc::make_mut(&mut checker.env).modules).push(ModuleInfo {
            name: f.module_name.clone(),
            file: f.file.into(),
            imports: HashMap::new(),
            missing: HashSet::new(),
        });
    }
    collect_imports(checker, files);

    // Type names first, so that types may refer to each other in any order.
    let mut type_decls: Vec<(ModuleId, Anchor, &ast::Item)> = Vec::new();
    let mut seen_types: env::FastMap<(ModuleId, String), (Anchor, Span)> = env::FastMap::default();
    for (m, f) in files.iter().enumerate() {
        let module = ModuleId(m as u32);
        for entry in &f.items {
            let item = entry.tree;
            let at = Anchor::item(f.file, entry.item);
            let (name, type_params) = match item {
                ast::Item::Struct(s) => (&s.name, &s.type_params),
                ast::Item::Enum(e) => (&e.name, &e.type_params),
                _ => continue,
            };
            if let Some(prev) = seen_types.get(&(module, name.name.clone())) {
                let error = TypeError::DuplicateItem {
                    name: name.name.clone(),
                    is_type: true,
                    at: name.span,
                    prev: *prev,
                };
                checker.report(at, error);
                continue;
            }
            seen_types.insert((module, name.name.clone()), (at, name.span));
            let id = AdtId(checker.env.adts.len() as u32);
            Arc::make_mut(&mut Arc::make_mut(&mut checker.env).adts).push(AdtDef {
                name: name.name.clone(),
                module,
                file: at,
                name_span: name.span,
                type_params: type_params.iter().map(|p| p.name.clone()).collect(),
                kind: AdtKind::Struct(Vec::new()),
            });
            Arc::make_mut(&mut checker.table.adts).push(AdtMeta {
                name: name.name.clone(),
                eq: true,
            });
            Arc::make_mut(&mut Arc::make_mut(&mut checker.env).types)
                .insert((module, name.name.clone()), id);
            type_decls.push((module, at, item));
        }
    }
    for (i, (module, file, item)) in type_decls.iter().enumerate() {
        let id = AdtId(i as u32);
        let kind = checker.adt_kind(*module, *file, item);
        Arc::make_mut(&mut Arc::make_mut(&mut checker.env).adts)[id.0 as usize].kind = kind;
    }
    mark_eq_types(checker);

    // Functions, methods and constants.
    let mut decls: Vec<FnDecl<'a>> = Vec::new();
    let mut seen_values: env::FastMap<(ModuleId, String), (Anchor, Span)> = env::FastMap::default();
    for (m, f) in files.iter().enumerate() {
        let module = ModuleId(m as u32);
        for entry in &f.items {
            let item = entry.tree;
            let at = Anchor::item(f.file, entry.item);
            match item {
                ast::Item::Fn(decl) => {
                    let key = (module, decl.name.name.clone());
                    if let Some((pf, ps)) = seen_values.get(&key) {
                        checker.report(at, duplicate(&decl.name, (*pf, *ps)));
                        continue;
                    }
                    seen_values.insert(key.clone(), (at, decl.name.span));
                    // The stdlib modules' functions are named `gc::collect`
                    // (in traces, and in the native registry).
                    let qualified = if (f.is_stdlib || f.is_interface) && !f.module_name.is_empty()
                    {
                        [f.module_name.as_str(), "::", &decl.name.name].concat()
                    } else {
                        decl.name.name.clone()
                    };
                    if let Some(g) = add_function(
                        checker,
                        &mut decls,
                        Site {
                            at,
                            module,
                            is_stdlib: f.is_stdlib || f.is_interface,
                            is_interface: f.is_interface,
                        },
                        FnId::declared(entry.fns.first().copied().unwrap_or(0)),
                        decl,
                        None,
                        qualified,
                    ) {
                        Arc::make_mut(&mut checker.env).values.insert(key, g);
                    }
                }
                ast::Item::Const(c) => {
                    let key = (module, c.name.name.clone());
                    if let Some((pf, ps)) = seen_values.get(&key) {
                        checker.report(at, duplicate(&c.name, (*pf, *ps)));
                        continue;
                    }
                    seen_values.insert(key.clone(), (at, c.name.span));
                    let synthesized = ast::FnDecl {
                        name: c.name.clone(),
                        type_params: Vec::new(),
                        params: Vec::new(),
                        ret: c.ty.clone(),
                        body: Some(ast::Block {
                            stmts: Vec::new(),
                            tail: Some(Box::new(c.value.clone())),
                            span: c.value.span,
                        }),
                        span: c.span,
                    };
                    let id = FnId::declared(entry.fns.first().copied().unwrap_or(0));
                    checker
                        .functions
                        .insert(id, new_info(c.name.name.clone(), at, c.span, c.name.span));
                    decls.push(FnDecl {
                        id,
                        file: at,
                        module,
                        ast: Cow::Owned(synthesized),
                        owner: None,
                        kind: DeclKind::Const,
                    });
                    Arc::make_mut(&mut checker.env)
                        .values
                        .insert(key, Global::Const(id));
                }
                ast::Item::Impl(imp) => {
                    collect_impl(checker, &mut decls, f, at, module, imp, &entry.fns)
                }
                ast::Item::Test(t) => {
                    // Not a name anything can use: only `mvlc test` runs it.
                    let id = FnId::declared(entry.fns.first().copied().unwrap_or(0));
                    let name = format!("test {:?}", t.name);
                    checker
                        .functions
                        .insert(id, new_info(name, at, t.span, t.name_span));
                    decls.push(FnDecl {
                        id,
                        file: at,
                        module,
                        ast: Cow::Owned(test_as_fn(t)),
                        owner: None,
                        kind: DeclKind::Test,
                    });
                }
                ast::Item::Struct(_)
                | ast::Item::Enum(_)
                | ast::Item::Import(_)
                | ast::Item::Error(_) => {}
            }
        }
    }
    decls
}

fn duplicate(name: &ast::Ident, prev: types::Origin) -> TypeError {
    TypeError::DuplicateItem {
        name: name.name.clone(),
        is_type: false,
        at: name.span,
        prev,
    }
}

fn new_info(name: String, file: Anchor, span: Span, name_span: Span) -> FnInfo {
    FnInfo {
        name,
        file,
        span,
        name_span,
        scheme: Scheme::mono(Ty::Unit),
        body: None,
    }
}

/// Registers a function or method: a `native fn` of the stdlib becomes a
/// [`NativeInfo`] named `qualified`, anything else a declaration to infer.
/// Where a declaration is: its item, its module, and whether the standard
/// library declares it.
#[derive(Clone, Copy)]
struct Site {
    at: Anchor,
    module: ModuleId,
    is_stdlib: bool,
    /// Whether the file is a library's interface: its natives' annotations
    /// are checked here, reporting what they get wrong, where the standard
    /// library's (which a test checks) are lowered only when named.
    is_interface: bool,
}

fn add_function<'a>(
    checker: &mut infer::Checker,
    decls: &mut Vec<FnDecl<'a>>,
    site: Site,
    id: FnId,
    decl: &'a ast::FnDecl,
    owner: Option<&'a ast::ImplDecl>,
    qualified: String,
) -> Option<Global> {
    let Site {
        at,
        module,
        is_stdlib,
        is_interface,
    } = site;
    match &decl.body {
        None if is_stdlib => {
            if is_interface {
                checker.native_scheme(module, at, decl, owner);
            }
            let id = NativeId(checker.natives.len() as u32);
            let method = owner.and_then(|o| o.methods.iter().position(|m| std::ptr::eq(m, decl)));
            Arc::make_mut(&mut checker.natives).push(NativeInfo {
                name: qualified,
                file: at,
                module,
                method,
            });
            Some(Global::Native(id))
        }
        None => {
            checker.report(at, TypeError::NativeOutsideStdlib { at: decl.span });
            None
        }
        Some(_) => {
            checker
                .functions
                .insert(id, new_info(qualified, at, decl.span, decl.name.span));
            decls.push(FnDecl {
                id,
                file: at,
                module,
                ast: Cow::Borrowed(decl),
                owner,
                kind: if owner.is_some() {
                    DeclKind::Method
                } else {
                    DeclKind::Fn
                },
            });
            Some(Global::Fn(id))
        }
    }
}

fn collect_impl<'a>(
    checker: &mut infer::Checker,
    decls: &mut Vec<FnDecl<'a>>,
    f: &FileAst<'a>,
    at: Anchor,
    module: ModuleId,
    imp: &'a ast::ImplDecl,
    fns: &[u32],
) {
    let params: HashMap<String, Ty> = imp
        .type_params
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.clone(), Ty::Gen(i as u32)))
        .collect();
    let target = checker.lower_type(module, at, &imp.target, &params);
    let Some(key) = MethodKey::of(&target) else {
        let error = TypeError::BadImplTarget {
            why: ImplTarget::Unnamed,
            at: imp.target.span(),
        };
        checker.report(at, error);
        return;
    };
    if let MethodKey::Adt(id) = key {
        if checker.env.adt_def(id).module != module && !f.is_stdlib {
            let error = TypeError::BadImplTarget {
                why: ImplTarget::OtherModule,
                at: imp.target.span(),
            };
            checker.report(at, error);
            return;
        }
    } else if !f.is_stdlib {
        let error = TypeError::BadImplTarget {
            why: ImplTarget::BuiltIn,
            at: imp.target.span(),
        };
        checker.report(at, error);
        return;
    }
    let prefix = key.native_prefix(&checker.env);
    for (i, m) in imp.methods.iter().enumerate() {
        let name = m.name.name.clone();
        if checker.env.methods.contains_key(&(key, name.clone())) {
            let error = TypeError::DuplicateMethod {
                name,
                ty: prefix.clone(),
                at: m.name.span,
            };
            checker.report(at, error);
            continue;
        }
        let has_self = m.params.first().is_some_and(|p| p.name.name == "self");
        if let Some(g) = add_function(
            checker,
            decls,
            Site {
                at,
                module,
                is_stdlib: f.is_stdlib || f.is_interface,
                is_interface: f.is_interface,
            },
            FnId::declared(fns.get(i).copied().unwrap_or(0)),
            m,
            Some(imp),
            match f.is_interface {
                // Concatenated, not `format!`ed: this runs for every method
                // of the standard library on every run.
                true => [f.module_name.as_str(), "::", prefix.as_str(), "::", &name].concat(),
                false => [prefix.as_str(), "::", &name].concat(),
            },
        ) {
            Arc::make_mut(&mut Arc::make_mut(&mut checker.env).methods).insert(
                (key, name),
                Method {
                    target: g,
                    has_self,
                },
            );
        }
    }
}

fn collect_imports(checker: &mut infer::Checker, files: &[FileAst<'_>]) {
    let by_name: HashMap<&str, ModuleId> = files
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, f)| (f.module_name.as_str(), ModuleId(i as u32)))
        .collect();
    let mut edges: Vec<(ModuleId, ModuleId, Anchor, Span)> = Vec::new();
    // Every module sees the standard library's modules without an import.
    let stdlib_modules: Vec<(String, ModuleId)> = files
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, f)| f.is_stdlib)
        .map(|(i, f)| (f.module_name.clone(), ModuleId(i as u32)))
        .collect();
    for (m, _) in files.iter().enumerate() {
        for (name, id) in &stdlib_modules {
            if id.0 as usize != m {
                Arc::make_mut(&mut Arc::make_mut(&mut checker.env).modules)[m]
                    .imports
                    .insert(name.clone(), *id);
            }
        }
    }
    for (m, f) in files.iter().enumerate() {
        for entry in &f.items {
            let ast::Item::Import(imp) = entry.tree else {
                continue;
            };
            let at = Anchor::item(f.file, entry.item);
            match by_name.get(imp.module.name.as_str()) {
                Some(target) => {
                    Arc::make_mut(&mut Arc::make_mut(&mut checker.env).modules)[m]
                        .imports
                        .insert(imp.module.name.clone(), *target);
                    edges.push((ModuleId(m as u32), *target, at, imp.span));
                }
                None => {
                    Arc::make_mut(&mut Arc::make_mut(&mut checker.env).modules)[m]
                        .missing
                        .insert(imp.module.name.clone());
                    let error = TypeError::ModuleNotFound {
                        name: imp.module.name.clone(),
                        at: imp.module.span,
                    };
                    checker.report(at, error);
                }
            }
        }
    }
    // An import cycle is reported at every import that takes part in it.
    let mut graph = DiGraph::<u32, Span>::new();
    let nodes: Vec<_> = (0..files.len()).map(|i| graph.add_node(i as u32)).collect();
    for (a, b, _, span) in &edges {
        graph.add_edge(nodes[a.0 as usize], nodes[b.0 as usize], *span);
    }
    for scc in petgraph::algo::tarjan_scc(&graph) {
        let members: Vec<u32> = scc.iter().map(|n| graph[*n]).collect();
        let is_cycle = members.len() > 1
            || edges
                .iter()
                .any(|(a, b, _, _)| a == b && members.contains(&a.0));
        if !is_cycle {
            continue;
        }
        let names: Vec<String> = members
            .iter()
            .map(|m| files[*m as usize].module_name.clone())
            .collect();
        for (a, b, at, span) in &edges {
            if members.contains(&a.0) && members.contains(&b.0) {
                let error = TypeError::ImportCycle {
                    modules: names.clone(),
                    at: *span,
                };
                checker.report(*at, error);
            }
        }
    }
}

/// A type may be compared with `==` unless a function type is among its
/// fields, directly or through another user type (computed to a fixpoint).
fn mark_eq_types(checker: &mut infer::Checker) {
    fn has_fn(ty: &Ty, non_eq: &[bool]) -> bool {
        let mut todo = vec![ty];
        while let Some(ty) = todo.pop() {
            match ty {
                Ty::Fn(..) => return true,
                Ty::App(types::TyCon::Adt(id), _) if non_eq[id.0 as usize] => return true,
                Ty::App(_, args) => todo.extend(args.iter()),
                _ => {}
            }
        }
        false
    }
    let n = checker.env.adts.len();
    let mut non_eq = vec![false; n];
    loop {
        let mut changed = false;
        for i in 0..n {
            if non_eq[i] {
                continue;
            }
            let field_tys: Vec<&Ty> = match &checker.env.adts[i].kind {
                AdtKind::Struct(fs) => fs.iter().map(|f: &FieldDef| &f.ty).collect(),
                AdtKind::Enum(vs) => vs
                    .iter()
                    .flat_map(|v: &VariantDef| v.fields.iter())
                    .collect(),
            };
            if field_tys.iter().any(|t| has_fn(t, &non_eq)) {
                non_eq[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for (i, ne) in non_eq.into_iter().enumerate() {
        Arc::make_mut(&mut checker.table.adts)[i].eq = !ne;
    }
}
