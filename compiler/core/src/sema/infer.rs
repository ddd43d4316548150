//! Type inference of function bodies: walks the AST of one function, resolves
//! names, unifies types and builds the typed IR.
//!
//! Each expression is inferred bottom-up (`FnCx::infer`) and its type
//! unified with what its context expects; every mismatch becomes a
//! diagnostic and the walk goes on (the failing expression gets a fresh type
//! variable), so one file reports all of its independent errors.
//!
//! Where the context already knows a type, it is pushed down: a closure
//! passed to `xs.map(..)` gets its parameter types from `map`'s signature
//! before its body is inferred. A method call or field access on a value
//! whose type is still unknown is *pending*: it is resolved once the rest of
//! the function has decided the type, and reported as needing an annotation
//! if nothing ever does.
//!
//! Closures are checked inside the function that contains them (they share
//! its table of locals) and lifted into functions of their own, each with the
//! list of outer locals it captures. A captured `var` is marked `boxed`: it
//! lives in a heap cell so that the function and its closures share it.

use super::access::Pending;
use super::env::{path_name, AdtKind, Global, MethodKey, ModuleId};
use super::error::{Member, NotPlace, TypeError};
use super::ir::{self, Callee, ExprKind, FnBody, FnId, Local, LocalId, Place};
use super::names::Resolved;
use super::types::{AdtId, Class, Scheme, Ty, TyCon, TyVar, TypeTable};
use super::{DeclKind, FnDecl, FnInfo, NativeInfo};
use crate::diagnostic::{closest_name, Diagnostic};
use crate::source::Anchor;
use mvl_syntax::ast::{self, BinOp, Span, UnaryOp};
use std::collections::{HashMap, HashSet};

/// State shared by the inference of every function of one program.
#[derive(Default)]
pub struct Checker<'n> {
    pub table: TypeTable,
    pub diags: Vec<Diagnostic>,
    pub env: std::sync::Arc<super::env::Env>,
    pub functions: super::env::FastMap<FnId, FnInfo>,
    pub natives: std::sync::Arc<Vec<NativeInfo>>,
    /// Where the scheme of a native comes from when a body names it (the
    /// database's query `native_scheme`); without it, a native has an
    /// error type.
    pub native_scheme: Option<&'n dyn Fn(ir::NativeId) -> Scheme>,
    /// Monomorphic types of the members of the component being inferred.
    pub(super) in_progress: HashMap<FnId, Ty>,
    /// The schemes of the functions outside the component that its bodies
    /// may call (inferred before it, or declared in full).
    pub callees: HashMap<FnId, Scheme>,
    /// Functions a body called whose scheme was not in `callees` (methods,
    /// found once a receiver's type was known): the caller supplies them
    /// and infers the component again.
    pub wanted: Vec<FnId>,
    /// Whether a `struct`, `enum` or `impl` did not parse: a field or method
    /// nothing else has may be one of its own.
    pub broken_types: bool,
    /// The answers to "did you mean" questions a restricted scope cannot
    /// answer itself (see `env::Env::restricted`), as supplied; a question
    /// without an answer is added to `wanted_hints`, and the caller
    /// infers again with its answer, as for `wanted`.
    pub hints: HashMap<super::env::NameHint, Option<String>>,
    pub wanted_hints: Vec<super::env::NameHint>,
}

impl Checker<'_> {
    /// The answer to `hint`: from the environment when it holds every
    /// value, otherwise as supplied, or asked for.
    pub(super) fn near(&mut self, hint: super::env::NameHint) -> Option<String> {
        if !self.env.restricted {
            return self.env.near(&hint);
        }
        match self.hints.get(&hint) {
            Some(answer) => answer.clone(),
            None => {
                if !self.wanted_hints.contains(&hint) {
                    self.wanted_hints.push(hint);
                }
                None
            }
        }
    }
}

/// The names a body mentions, for the call graph.
#[derive(Default)]
pub struct References {
    pub paths: Vec<Vec<String>>,
    /// The methods called on `self`: `self.m(..)`.
    pub self_methods: Vec<String>,
    /// The methods called on anything else: `x.m(..)` (which method is
    /// known only once `x`'s type is).
    pub other_methods: Vec<String>,
}

pub fn collect_references(block: &ast::Block, out: &mut References) {
    visit_block(block, &mut |e| match &e.kind {
        ast::ExprKind::Path(path) => out
            .paths
            .push(path.iter().map(|i| i.name.clone()).collect()),
        ast::ExprKind::MethodCall(recv, name, _) => {
            if matches!(&recv.kind, ast::ExprKind::Path(p) if p.len() == 1 && p[0].name == "self") {
                out.self_methods.push(name.name.clone());
            } else {
                out.other_methods.push(name.name.clone());
            }
        }
        _ => {}
    });
}

fn visit_block<'a>(block: &'a ast::Block, f: &mut impl FnMut(&'a ast::Expr)) {
    for stmt in &block.stmts {
        match stmt {
            ast::Stmt::Let { value, .. } => visit_expr(value, f),
            ast::Stmt::LetElse { value, els, .. } => {
                visit_expr(value, f);
                visit_block(els, f);
            }
            ast::Stmt::Expr(e) => visit_expr(e, f),
            ast::Stmt::Item(_) | ast::Stmt::Error(_) => {}
        }
    }
    if let Some(tail) = &block.tail {
        visit_expr(tail, f);
    }
}

/// Whether a block holds a statement or expression that did not parse.
fn has_error_node(block: &ast::Block) -> bool {
    let stmt_error = |b: &ast::Block| b.stmts.iter().any(|s| matches!(s, ast::Stmt::Error(_)));
    let mut found = stmt_error(block);
    visit_block(block, &mut |e| match &e.kind {
        ast::ExprKind::Error => found = true,
        ast::ExprKind::Block(b)
        | ast::ExprKind::Loop(b)
        | ast::ExprKind::IfLet(_, _, b, _)
        | ast::ExprKind::WhileLet(_, _, b)
        | ast::ExprKind::While(_, b)
        | ast::ExprKind::For(_, _, b)
        | ast::ExprKind::If(_, b, _) => found |= stmt_error(b),
        _ => {}
    });
    found
}

/// Calls `f` on `expr` and every expression inside it.
fn visit_expr<'a>(expr: &'a ast::Expr, f: &mut impl FnMut(&'a ast::Expr)) {
    crate::with_stack(|| visit_expr_here(expr, f))
}

fn visit_expr_here<'a>(expr: &'a ast::Expr, f: &mut impl FnMut(&'a ast::Expr)) {
    use ast::ExprKind as E;
    f(expr);
    match &expr.kind {
        E::Lit(_) | E::Path(_) | E::Break(None) | E::Continue | E::Error => {}
        E::Interp(parts) => {
            for part in parts {
                if let ast::InterpPart::Expr(e) = part {
                    visit_expr(e, f);
                }
            }
        }
        E::Unary(_, e)
        | E::Field(e, _)
        | E::TupleField(e, _, _)
        | E::Closure(_, e)
        | E::Try(e)
        | E::Format(e, _, _) => visit_expr(e, f),
        E::Return(e) | E::Break(e) => {
            if let Some(e) = e {
                visit_expr(e, f);
            }
        }
        E::Binary(_, a, b)
        | E::Assign(a, b)
        | E::CompoundAssign(_, a, b)
        | E::Index(a, b)
        | E::Range {
            start: a, end: b, ..
        } => {
            visit_expr(a, f);
            visit_expr(b, f);
        }
        E::Call(callee, args) => {
            visit_expr(callee, f);
            args.iter().for_each(|a| visit_expr(a, f));
        }
        E::MethodCall(recv, _, args) => {
            visit_expr(recv, f);
            args.iter().for_each(|a| visit_expr(a, f));
        }
        E::If(c, then, els) => {
            visit_expr(c, f);
            visit_block(then, f);
            if let Some(e) = els {
                visit_expr(e, f);
            }
        }
        E::While(c, body) | E::For(_, c, body) | E::WhileLet(_, c, body) => {
            visit_expr(c, f);
            visit_block(body, f);
        }
        E::IfLet(_, c, then, els) => {
            visit_expr(c, f);
            visit_block(then, f);
            if let Some(e) = els {
                visit_expr(e, f);
            }
        }
        E::Block(b) | E::Loop(b) => visit_block(b, f),
        E::Match(scrutinee, arms) => {
            visit_expr(scrutinee, f);
            for arm in arms {
                if let Some(g) = &arm.guard {
                    visit_expr(g, f);
                }
                visit_expr(&arm.body, f);
            }
        }
        E::Tuple(items) | E::Array(items) => items.iter().for_each(|e| visit_expr(e, f)),
        E::StructLit(_, fields, base) => {
            fields.iter().for_each(|fi| visit_expr(&fi.value, f));
            if let Some(b) = base {
                visit_expr(b, f);
            }
        }
    }
}

/// Calls `f` on every IR expression, parents before children; `f` may
/// replace the node it is given (its new children are then visited).
fn walk_ir_mut(e: &mut ir::Expr, f: &mut impl FnMut(&mut ir::Expr)) {
    crate::with_stack(|| walk_ir_mut_here(e, f))
}

fn walk_ir_mut_here(e: &mut ir::Expr, f: &mut impl FnMut(&mut ir::Expr)) {
    f(e);
    e.for_each_child_mut(|c| walk_ir_mut(c, f));
}

impl Checker<'_> {
    /// Reports `error`, found in the declarations of `file`.
    pub(super) fn report(&mut self, file: Anchor, error: TypeError) {
        let diag = error.render(file, &self.table);
        self.diags.push(diag);
    }

    /// The scheme of a `native fn` from its annotations.
    pub fn native_scheme(
        &mut self,
        module: ModuleId,
        file: Anchor,
        f: &ast::FnDecl,
        owner: Option<&ast::ImplDecl>,
    ) -> Scheme {
        let mut params = HashMap::new();
        let owner_params = owner.map(|o| o.type_params.as_slice()).unwrap_or(&[]);
        for p in owner_params.iter().chain(&f.type_params) {
            params.insert(p.name.clone(), self.table.fresh());
        }
        let self_ty = owner.map(|o| self.lower_type(module, file, &o.target, &params));
        let mut param_tys = Vec::new();
        for (i, p) in f.params.iter().enumerate() {
            let ty = match (&p.ty, &self_ty) {
                (Some(t), _) => self.lower_type(module, file, t, &params),
                (None, Some(s)) if i == 0 && p.name.name == "self" => s.clone(),
                (None, _) => self.table.fresh(),
            };
            param_tys.push(ty);
        }
        let ret = match &f.ret {
            Some(t) => self.lower_type(module, file, t, &params),
            None => Ty::Unit,
        };
        self.table.generalise(&Ty::func(param_tys, ret))
    }

    /// The fields or variants of a struct or enum declaration, with its type
    /// parameters as `Ty::Gen(i)`.
    pub fn adt_kind(&mut self, module: ModuleId, file: Anchor, item: &ast::Item) -> AdtKind {
        let gen_params = |tps: &[ast::Ident]| -> HashMap<String, Ty> {
            tps.iter()
                .enumerate()
                .map(|(i, p)| (p.name.clone(), Ty::Gen(i as u32)))
                .collect()
        };
        match item {
            ast::Item::Struct(s) => {
                let params = gen_params(&s.type_params);
                let mut fields: Vec<super::env::FieldDef> = Vec::new();
                for f in &s.fields {
                    if fields.iter().any(|x| x.name == f.name.name) {
                        self.report(
                            file,
                            TypeError::Duplicate {
                                member: Member::Field,
                                name: f.name.name.clone(),
                                at: f.name.span,
                            },
                        );
                        continue;
                    }
                    let ty = self.lower_type(module, file, &f.ty, &params);
                    fields.push(super::env::FieldDef {
                        name: f.name.name.clone(),
                        ty,
                    });
                }
                AdtKind::Struct(fields)
            }
            ast::Item::Enum(e) => {
                let params = gen_params(&e.type_params);
                let mut variants: Vec<super::env::VariantDef> = Vec::new();
                for v in &e.variants {
                    if variants.iter().any(|x| x.name == v.name.name) {
                        self.report(
                            file,
                            TypeError::Duplicate {
                                member: Member::Variant,
                                name: v.name.name.clone(),
                                at: v.name.span,
                            },
                        );
                        continue;
                    }
                    let fields = v
                        .fields
                        .iter()
                        .map(|t| self.lower_type(module, file, t, &params))
                        .collect();
                    variants.push(super::env::VariantDef {
                        name: v.name.name.clone(),
                        fields,
                    });
                }
                AdtKind::Enum(variants)
            }
            _ => AdtKind::Struct(Vec::new()),
        }
    }

    /// A user type named by `path` as seen from `module`.
    pub(super) fn resolve_adt(&self, module: ModuleId, path: &[ast::Ident]) -> Option<AdtId> {
        match path {
            [name] => self.env.adt(module, &name.name),
            [m, name] => {
                let target = self.env.imported(module, &m.name)?;
                self.env.types.get(&(target, name.name.clone())).copied()
            }
            _ => None,
        }
    }

    /// Turns a written type into a [`Ty`]; `params` are the type parameters
    /// in scope.
    pub fn lower_type(
        &mut self,
        module: ModuleId,
        file: Anchor,
        t: &ast::TypeExpr,
        params: &HashMap<String, Ty>,
    ) -> Ty {
        // Type arguments count toward the nesting limit like brackets do:
        // the types built from a deeper annotation would be copied,
        // compared and dropped by recursion.
        if let Some(span) = too_deep(t) {
            self.report(file, TypeError::TypeTooDeep { at: span });
            return self.table.fresh();
        }
        self.lower_type_nested(module, file, t, params)
    }

    fn lower_type_nested(
        &mut self,
        module: ModuleId,
        file: Anchor,
        t: &ast::TypeExpr,
        params: &HashMap<String, Ty>,
    ) -> Ty {
        crate::with_stack(|| self.lower_type_here(module, file, t, params))
    }

    fn lower_type_here(
        &mut self,
        module: ModuleId,
        file: Anchor,
        t: &ast::TypeExpr,
        params: &HashMap<String, Ty>,
    ) -> Ty {
        match t {
            ast::TypeExpr::Named { path, args, span } => {
                let name = path_name(path);
                let arg_tys: Vec<Ty> = args
                    .iter()
                    .map(|a| self.lower_type_nested(module, file, a, params))
                    .collect();
                if let (Some(ty), [_]) = (params.get(&name), path.as_slice()) {
                    if !args.is_empty() {
                        self.arity_error(file, *span, &name, 0, args.len());
                    }
                    return ty.clone();
                }
                // A user type shadows a built-in collection of the same name
                // (`enum Tree<T>`), but not the primitive types.
                let builtin = super::builtin::in_annotations(&name);
                let primitive = builtin.is_some_and(|b| b.params == Some(0));
                let user = if primitive {
                    None
                } else {
                    self.resolve_adt(module, path)
                };
                if let (Some(b), [_], None) = (builtin, path.as_slice(), user) {
                    let (arity, make) = (b.params.unwrap_or(0), b.make);
                    if arg_tys.len() != arity {
                        self.arity_error(file, *span, &name, arity, args.len());
                        return self.table.fresh();
                    }
                    return make(arg_tys);
                }
                if let Some(id) = user {
                    let arity = self.env.adt_def(id).type_params.len();
                    if arg_tys.len() != arity {
                        if !(args.is_empty() && arity > 0) {
                            self.arity_error(file, *span, &name, arity, args.len());
                        }
                        // `Option` without arguments: infer them.
                        let fresh = (0..arity).map(|_| self.table.fresh()).collect();
                        return Ty::App(TyCon::Adt(id), fresh);
                    }
                    return Ty::app(TyCon::Adt(id), arg_tys);
                }
                if let [m, _] = path.as_slice() {
                    if self.env.modules[module.0 as usize]
                        .missing
                        .contains(&m.name)
                    {
                        // Reported at the `import`.
                        return self.table.fresh();
                    }
                }
                let mut known: Vec<String> = super::builtin::BUILTINS
                    .iter()
                    .filter(|b| b.params.is_some())
                    .map(|b| b.name.to_string())
                    .collect();
                known.extend(params.keys().cloned());
                known.extend(
                    self.env
                        .types
                        .keys()
                        .filter(|(m, _)| *m == module || *m == super::env::PRELUDE)
                        .map(|(_, n)| n.clone()),
                );
                let near =
                    closest_name(&name, known.iter().map(|s| s.as_str())).map(str::to_string);
                self.report(
                    file,
                    TypeError::UnknownType {
                        name: name.clone(),
                        at: *span,
                        near,
                    },
                );
                self.table.fresh()
            }
            ast::TypeExpr::Tuple(items, _) => {
                let tys = items
                    .iter()
                    .map(|i| self.lower_type_nested(module, file, i, params))
                    .collect();
                Ty::tuple(tys)
            }
            ast::TypeExpr::Array(elem, _) => {
                Ty::array(self.lower_type_nested(module, file, elem, params))
            }
            ast::TypeExpr::Fn {
                params: ps, ret, ..
            } => {
                let ps = ps
                    .iter()
                    .map(|p| self.lower_type_nested(module, file, p, params))
                    .collect();
                let ret = match ret {
                    Some(r) => self.lower_type_nested(module, file, r, params),
                    None => Ty::Unit,
                };
                Ty::func(ps, ret)
            }
        }
    }

    fn arity_error(&mut self, file: Anchor, span: Span, name: &str, expected: usize, found: usize) {
        self.report(
            file,
            TypeError::TypeArgCount {
                name: name.to_string(),
                expected,
                found,
                at: span,
            },
        );
    }

    /// The methods table key of a type named in a path like `Map::new`.
    pub(super) fn type_key(&self, module: ModuleId, name: &ast::Ident) -> Option<MethodKey> {
        if let Some(adt) = self.env.adt(module, &name.name) {
            return Some(MethodKey::Adt(adt));
        }
        super::builtin::in_paths(&name.name).map(|b| b.key)
    }

    /// What a value path names, for the call graph: a function, constant or
    /// native of this module, the prelude or an imported module, or an
    /// associated function of a type.
    pub fn resolve_value_path(&self, module: ModuleId, path: &[String]) -> Option<Global> {
        match path {
            [name] => self.env.value(module, name),
            [first, name] => {
                if let Some(m) = self.env.imported(module, first) {
                    return self.env.values.get(&(m, name.clone())).copied();
                }
                let ident = ast::Ident {
                    name: first.clone(),
                    span: Span::default(),
                };
                let key = self.type_key(module, &ident)?;
                self.env.methods.get(&(key, name.clone())).map(|m| m.target)
            }
            [m, ty, name] => {
                let mid = self.env.imported(module, m)?;
                let adt = self.env.types.get(&(mid, ty.clone())).copied()?;
                self.env
                    .methods
                    .get(&(MethodKey::Adt(adt), name.clone()))
                    .map(|m| m.target)
            }
            _ => None,
        }
    }

    pub(super) fn global_type(&mut self, global: Global) -> Ty {
        match global {
            Global::Fn(id) | Global::Const(id) => match self.in_progress.get(&id) {
                Some(mono) => mono.clone(),
                None => match self.callees.get(&id) {
                    Some(scheme) => {
                        let scheme = scheme.clone();
                        self.table.instantiate(&scheme)
                    }
                    None => {
                        if !self.wanted.contains(&id) {
                            self.wanted.push(id);
                        }
                        self.table.fresh_error()
                    }
                },
            },
            Global::Native(id) => match self.native_scheme {
                Some(scheme) => {
                    let scheme = scheme(id);
                    self.table.instantiate(&scheme)
                }
                None => self.table.fresh_error(),
            },
        }
    }

    /// The field types of a struct, or of one variant, for a value of type
    /// `Adt(id, args)`.
    pub fn instantiate_fields(&self, id: AdtId, args: &[Ty], variant: Option<u32>) -> Vec<Ty> {
        let def = self.env.adt_def(id);
        let raw: Vec<Ty> = match (&def.kind, variant) {
            (AdtKind::Struct(fs), None) => fs.iter().map(|f| f.ty.clone()).collect(),
            (AdtKind::Enum(vs), Some(v)) => vs
                .get(v as usize)
                .map(|v| v.fields.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        raw.iter()
            .map(|t| super::types::substitute_gen(t, args))
            .collect()
    }

    /// Infers one strongly connected component of the call graph (`decls`,
    /// its members), then generalises each member's type.
    pub fn infer_component(&mut self, decls: &[FnDecl<'_>]) {
        let members: Vec<usize> = (0..decls.len()).collect();
        struct Sig {
            params: Vec<Ty>,
            ret: Ty,
            type_params: Vec<(String, Ty, Span)>,
            tparams: HashMap<String, Ty>,
        }
        let mut sigs = Vec::new();
        for &m in &members {
            let decl = &decls[m];
            let f = &decl.ast;
            let mut tparams = HashMap::new();
            let mut type_params = Vec::new();
            let owner_params = decl.owner.map(|o| o.type_params.as_slice()).unwrap_or(&[]);
            for p in owner_params.iter().chain(&f.type_params) {
                let v = self.table.fresh();
                tparams.insert(p.name.clone(), v.clone());
                type_params.push((p.name.clone(), v, p.span));
            }
            let self_ty = decl
                .owner
                .map(|o| self.lower_type(decl.module, decl.file, &o.target, &tparams));
            let params: Vec<Ty> = f
                .params
                .iter()
                .enumerate()
                .map(|(i, p)| match (&p.ty, &self_ty) {
                    (Some(t), _) => self.lower_type(decl.module, decl.file, t, &tparams),
                    (None, Some(s)) if i == 0 && p.name.name == "self" => s.clone(),
                    (None, _) => self.table.fresh(),
                })
                .collect();
            let ret = match &f.ret {
                Some(t) => self.lower_type(decl.module, decl.file, t, &tparams),
                None if decl.kind == DeclKind::Const => self.table.fresh(),
                None => self.table.fresh(),
            };
            self.in_progress
                .insert(decls[m].id, Ty::func(params.clone(), ret.clone()));
            sigs.push(Sig {
                params,
                ret,
                type_params,
                tparams,
            });
        }

        let mut bodies = Vec::new();
        for (&m, sig) in members.iter().zip(&sigs) {
            let decl = &decls[m];
            let fn_name = self.functions[&decl.id].name.clone();
            let mut cx = FnCx::new(
                self,
                decls,
                m,
                fn_name,
                sig.ret.clone(),
                sig.tparams.clone(),
            );
            for t in decl.ast.params.iter().filter_map(|p| p.ty.as_ref()) {
                cx.note_type_names(t);
            }
            if let Some(t) = &decl.ast.ret {
                cx.note_type_names(t);
            }
            let mut params = Vec::new();
            for (p, ty) in decl.ast.params.iter().zip(&sig.params) {
                let id = cx.declare(&p.name, ty.clone(), false);
                if p.ty.is_none() {
                    cx.annotatable.insert(id, "parameter");
                }
                params.push(id);
            }
            let Some(block) = &decl.ast.body else {
                bodies.push(None);
                continue;
            };
            let body = cx.infer_block(block);
            let ret_span = block.tail.as_ref().map(|t| t.span).unwrap_or(block.span);
            let ends_without_value = matches!(cx.ck.table.shallow(&body.ty), Ty::Unit)
                && !matches!(cx.ck.table.shallow(&sig.ret), Ty::Unit | Ty::Var(_));
            if ends_without_value && has_error_node(block) {
                // A body with a syntax error in it may have lost its value.
            } else if ends_without_value {
                cx.report(TypeError::MissingReturnValue {
                    expected: sig.ret.clone(),
                    at: ret_span,
                });
            } else {
                cx.expect(&sig.ret, &body.ty, ret_span, "the function's return type");
            }
            bodies.push(Some(cx.finish(params, body)));
        }

        for &m in &members {
            self.in_progress.remove(&decls[m].id);
        }
        for ((&m, sig), body) in members.iter().zip(&sigs).zip(bodies) {
            let ty = Ty::func(sig.params.clone(), sig.ret.clone());
            self.check_type_params(decls[m].file, &sig.type_params);
            let scheme = self.table.generalise(&ty);
            if let Some(info) = self.functions.get_mut(&decls[m].id) {
                info.scheme = scheme;
                info.body = body;
            }
        }
    }

    /// A declared type parameter must stay generic: distinct from the others
    /// and not decided by the body.
    fn check_type_params(&mut self, file: Anchor, params: &[(String, Ty, Span)]) {
        let mut seen: Vec<Ty> = Vec::new();
        for (name, ty, span) in params {
            let resolved = self.table.resolve(ty);
            if !matches!(resolved, Ty::Var(_)) || seen.contains(&resolved) {
                // The expression that forced it.
                let forced = self.table.decided_at(ty);
                self.report(
                    file,
                    TypeError::NotGeneric {
                        name: name.clone(),
                        ty: resolved.clone(),
                        at: *span,
                        forced,
                    },
                );
            }
            seen.push(resolved);
        }
    }
}

/// What a closure (or the function itself, at the bottom) needs while its
/// body is inferred.
struct Frame {
    ret: Ty,
    /// The loops around this point, innermost last.
    loops: Vec<LoopCx>,
    /// Outer locals this closure uses, in order of first use.
    captures: Vec<LocalId>,
}

/// A loop being inferred.
struct LoopCx {
    /// For `loop`: the hidden local its `break` values are stored in, and
    /// their type (the loop's type).
    value: Option<(LocalId, Ty)>,
    /// Whether a `break` leaves this loop.
    broken: bool,
}

/// Whether evaluating `e` never finishes normally: it is (or ends in) a
/// `return`, `break` or `continue`, or a loop nothing breaks out of.
fn never_ends(e: &ir::Expr) -> bool {
    match &e.kind {
        ExprKind::Return(_) | ExprKind::Break | ExprKind::Continue | ExprKind::Loop(_) => true,
        ExprKind::Block(_, Some(tail)) => never_ends(tail),
        ExprKind::Block(stmts, None) => {
            matches!(stmts.last(), Some(ir::Stmt::Expr(e)) if never_ends(e))
        }
        _ => false,
    }
}

fn ty_of_new_local(locals: &[Local], id: LocalId) -> Ty {
    locals[id.0 as usize].ty.clone()
}

/// A closure lifted out of the body, completed when the body is done.
struct Lifted {
    id: FnId,
    captures: Vec<LocalId>,
    params: Vec<LocalId>,
    body: ir::Expr,
}

/// Inference state of one function body (and the closures inside it).
pub(super) struct FnCx<'c, 'n> {
    pub(super) ck: &'c mut Checker<'n>,
    /// The declared function being inferred, and how many closures have
    /// been lifted out of it so far (a closure's identity is the pair).
    id: FnId,
    closures: u32,
    pub(super) file: Anchor,
    pub(super) module: ModuleId,
    fn_name: String,
    pub(super) locals: Vec<Local>,
    /// The closure nesting depth each local was declared at.
    local_depth: Vec<usize>,
    /// Schemes of `let`-bound closures, generalised (let-polymorphism).
    pub(super) local_schemes: HashMap<LocalId, Scheme>,
    pub(super) scopes: Vec<Vec<(String, LocalId)>>,
    frames: Vec<Frame>,
    tparams: HashMap<String, Ty>,
    pub(super) pending: Vec<Option<Pending>>,
    lifted: Vec<Lifted>,
    /// Parameters and `let` bindings written without a type: where an
    /// "annotation needed" error can suggest one.
    pub(super) annotatable: HashMap<LocalId, &'static str>,
    /// The variables bound by `for` patterns (assigning one gets its own
    /// message).
    loop_vars: std::collections::HashSet<LocalId>,
    /// The names resolved so far (see [`ir::NameUse`]).
    names: Vec<ir::NameUse>,
}

impl<'c, 'n> FnCx<'c, 'n> {
    /// The context for the body of `decls[index]`, named `fn_name` in
    /// traces, returning `ret`, with type parameters `tparams`.
    fn new(
        ck: &'c mut Checker<'n>,
        decls: &'c [FnDecl<'c>],
        index: usize,
        fn_name: String,
        ret: Ty,
        tparams: HashMap<String, Ty>,
    ) -> FnCx<'c, 'n> {
        let decl = &decls[index];
        FnCx {
            ck,
            id: decl.id,
            closures: 0,
            file: decl.file,
            module: decl.module,
            fn_name,
            locals: Vec::new(),
            local_depth: Vec::new(),
            local_schemes: HashMap::new(),
            scopes: vec![Vec::new()],
            frames: vec![Frame {
                ret,
                loops: Vec::new(),
                captures: Vec::new(),
            }],
            tparams,
            pending: Vec::new(),
            lifted: Vec::new(),
            annotatable: HashMap::new(),
            loop_vars: std::collections::HashSet::new(),
            names: Vec::new(),
        }
    }

    /// Records the user types a written type names (see [`ir::NameUse`]).
    pub(super) fn note_type_names(&mut self, t: &ast::TypeExpr) {
        match t {
            ast::TypeExpr::Named { path, args, .. } => {
                let is_param = matches!(path.as_slice(), [p] if self.tparams.contains_key(&p.name));
                if !is_param {
                    if let (Some(adt), Some(last)) =
                        (self.ck.resolve_adt(self.module, path), path.last())
                    {
                        self.note(last.span, ir::NameTarget::Type(adt), None);
                    }
                }
                for a in args {
                    self.note_type_names(a);
                }
            }
            ast::TypeExpr::Tuple(items, _) => {
                for a in items {
                    self.note_type_names(a);
                }
            }
            ast::TypeExpr::Array(inner, _) => self.note_type_names(inner),
            ast::TypeExpr::Fn { params, ret, .. } => {
                for a in params {
                    self.note_type_names(a);
                }
                if let Some(r) = ret {
                    self.note_type_names(r);
                }
            }
        }
    }

    /// Records what the name at `span` refers to (see [`ir::NameUse`]).
    pub(super) fn note(&mut self, span: Span, target: ir::NameTarget, ty: Option<Ty>) {
        self.names.push(ir::NameUse {
            span,
            target,
            ty,
            def: false,
        });
    }

    /// Resolves what is pending, reports what never resolved, and completes
    /// the lifted closures.
    fn finish(mut self, params: Vec<LocalId>, mut body: ir::Expr) -> FnBody {
        let resolved = self.resolve_pending();
        let mut splice = |e: &mut ir::Expr| {
            if let ExprKind::Pending(slot) = e.kind {
                if let Some(Some(r)) = resolved.get(slot as usize) {
                    *e = r.clone();
                } else {
                    e.kind = ExprKind::Error;
                }
            }
        };
        walk_ir_mut(&mut body, &mut splice);
        for lifted in &mut self.lifted {
            walk_ir_mut(&mut lifted.body, &mut splice);
        }
        let locals = std::mem::take(&mut self.locals);
        for lifted in std::mem::take(&mut self.lifted) {
            let info = self.ck.functions.get_mut(&lifted.id);
            let Some(info) = info else { continue };
            info.body = Some(FnBody {
                captures: lifted.captures,
                params: lifted.params,
                locals: locals.clone(),
                body: lifted.body,
                names: Vec::new(),
            });
        }
        FnBody {
            captures: Vec::new(),
            params,
            locals,
            body,
            names: std::mem::take(&mut self.names),
        }
    }

    /// `e` itself if reading it twice is harmless (a literal or a local);
    /// otherwise a hidden local, bound to `e` by a statement pushed on
    /// `stmts`, so that `e` is evaluated once.
    /// `P { x: 1, ..base }`: the written fields are evaluated first, in the
    /// order written, then `base` (a value of the same struct type), whose
    /// other fields fill in the rest.
    #[allow(clippy::too_many_arguments)]
    fn struct_update(
        &mut self,
        adt: AdtId,
        args: Vec<Ty>,
        tys: Vec<Ty>,
        fields: &[ast::FieldInit],
        mut values: Vec<Option<ir::Expr>>,
        base: &ast::Expr,
        span: Span,
    ) -> ir::Expr {
        let ty = Ty::app(TyCon::Adt(adt), args);
        let base = self.infer_expected(base, &ty);
        self.expect(
            &ty,
            &base.ty,
            base.span,
            "the struct the other fields come from",
        );
        let def = self.ck.env.adt_def(adt);
        let AdtKind::Struct(decl_fields) = &def.kind else {
            return self.error_expr(span);
        };
        let written: Vec<usize> = fields
            .iter()
            .filter_map(|f| decl_fields.iter().position(|d| d.name == f.name.name))
            .collect();
        let mut stmts = Vec::new();
        for &i in &written {
            if let Some(v) = values[i].take() {
                values[i] = Some(self.hoist(v, "field", &mut stmts));
            }
        }
        let base = self.hoist(base, "base", &mut stmts);
        let values: Vec<ir::Expr> = values
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                Some(v) => v,
                None => self.expr(
                    ExprKind::Field(Box::new(base.clone()), i as u32),
                    tys[i].clone(),
                    base.span,
                ),
            })
            .collect();
        let construct = self.expr(ExprKind::Struct(adt, values), ty.clone(), span);
        self.expr(ExprKind::Block(stmts, Some(Box::new(construct))), ty, span)
    }

    fn hoist(&mut self, e: ir::Expr, what: &str, stmts: &mut Vec<ir::Stmt>) -> ir::Expr {
        if matches!(
            e.kind,
            ExprKind::Int(_)
                | ExprKind::Float(_)
                | ExprKind::Bool(_)
                | ExprKind::Str(_)
                | ExprKind::Unit
                | ExprKind::Local(_)
        ) {
            return e;
        }
        let hidden = ast::Ident {
            name: format!("{{{what}}}"),
            span: e.span,
        };
        let (ty, span) = (e.ty.clone(), e.span);
        let id = self.declare(&hidden, ty.clone(), false);
        stmts.push(ir::Stmt::Let(
            ir::Pattern {
                kind: ir::PatternKind::Bind(id),
                ty: ty.clone(),
                span,
            },
            e,
        ));
        self.expr(ExprKind::Local(id), ty, span)
    }

    pub(super) fn declare(&mut self, name: &ast::Ident, ty: Ty, mutable: bool) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(Local {
            name: name.name.clone(),
            ty,
            mutable,
            boxed: false,
            span: name.span,
        });
        self.names.push(ir::NameUse {
            span: name.span,
            target: ir::NameTarget::Local(id),
            ty: Some(ty_of_new_local(&self.locals, id)),
            def: true,
        });
        self.local_depth.push(self.frames.len() - 1);
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name.name.clone(), id));
        }
        id
    }

    /// Finds a local by name and records its capture by every closure
    /// between its declaration and here.
    pub(super) fn lookup_local(&mut self, name: &str) -> Option<LocalId> {
        let id = self
            .scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)?;
        let declared_at = self.local_depth[id.0 as usize];
        let here = self.frames.len() - 1;
        if declared_at < here {
            for frame in &mut self.frames[declared_at + 1..] {
                if !frame.captures.contains(&id) {
                    frame.captures.push(id);
                }
            }
            if self.locals[id.0 as usize].mutable {
                self.locals[id.0 as usize].boxed = true;
            }
        }
        Some(id)
    }

    pub(super) fn has_local(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.iter().any(|(n, _)| n == name))
    }

    /// Reports `error`, found in this body: the one way a body's checking
    /// adds a diagnostic.
    pub(super) fn report(&mut self, error: TypeError) {
        let diag = error.render(self.file, &self.ck.table);
        self.ck.diags.push(diag);
    }

    pub(super) fn fresh(&mut self) -> Ty {
        self.ck.table.fresh()
    }

    pub(super) fn expr(&self, kind: ExprKind, ty: Ty, span: Span) -> ir::Expr {
        ir::Expr { kind, ty, span }
    }

    /// Whether nothing should be reported about a value of type `ty`: it is
    /// an error's type, or still unknown while a type declaration did not
    /// parse (the value may be of that type).
    pub(super) fn quiet_about(&self, ty: &Ty) -> bool {
        self.ck.table.is_error(ty)
            || (self.ck.broken_types && matches!(self.ck.table.shallow(ty), Ty::Var(_)))
    }

    /// The type of a field, element or method result of a receiver whose
    /// type is not known yet: an error type if the receiver's is one.
    pub(super) fn pending_type(&mut self, receiver: &Ty) -> Ty {
        if self.ck.table.is_error(receiver) {
            self.ck.table.fresh_error()
        } else {
            self.fresh()
        }
    }

    /// An expression whose error is already reported: its type agrees with
    /// anything and draws no further diagnostic.
    pub(super) fn error_expr(&mut self, span: Span) -> ir::Expr {
        let ty = self.ck.table.fresh_error();
        self.expr(ExprKind::Error, ty, span)
    }

    fn frame(&mut self) -> &mut Frame {
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    /// Unifies `expected` with `found` (the type of the expression at `span`);
    /// on failure reports "expected X, found Y" with `what` naming where the
    /// expectation came from.
    pub(super) fn expect(&mut self, expected: &Ty, found: &Ty, span: Span, what: &str) -> bool {
        self.ck.table.origin = Some((self.file, span));
        let result = self.ck.table.unify(expected, found);
        self.ck.table.origin = None;
        let Err(err) = result else {
            return true;
        };
        let decided = self
            .ck
            .table
            .decided_at(expected)
            .filter(|(_, s)| *s != span);
        // Where the found type was decided, when that was elsewhere (a
        // `push` that made an empty array's elements `Int`).
        let found_decided = self.ck.table.decided_at(found).filter(|(_, s)| {
            let inside = s.start >= span.start && s.end <= span.end;
            !inside && Some(*s) != decided.map(|(_, d)| d)
        });
        self.report(TypeError::Mismatch {
            expected: expected.clone(),
            found: found.clone(),
            at: span,
            what: what.to_string(),
            cause: err,
            decided,
            found_decided,
        });
        false
    }

    pub(super) fn infer_block(&mut self, block: &ast::Block) -> ir::Expr {
        self.scopes.push(Vec::new());
        let mut stmts = Vec::new();
        let mut diverges = false;
        for stmt in &block.stmts {
            match stmt {
                ast::Stmt::Let {
                    mutable,
                    pattern,
                    ty,
                    value,
                    ..
                } => {
                    let declared = ty.as_ref().map(|t| {
                        self.note_type_names(t);
                        self.ck
                            .lower_type(self.module, self.file, t, &self.tparams.clone())
                    });
                    let pending_before = self.pending.len();
                    let value = match &declared {
                        Some(d) => self.infer_expected(value, d),
                        None => self.infer(value),
                    };
                    // A closure whose body waits for a receiver's type stays
                    // monomorphic: a later use must be able to decide it.
                    let has_pending = self.pending.len() > pending_before;
                    if let Some(d) = &declared {
                        self.expect(d, &value.ty, value.span, "the declared type");
                    }
                    // The binding has its declared type even when the value
                    // does not fit it: later uses are checked against what
                    // the user wrote, not against the mistake (no cascade).
                    let bound_ty = declared.clone().unwrap_or_else(|| value.ty.clone());
                    let is_closure = matches!(value.kind, ExprKind::Closure(..));
                    let pat = match &pattern.kind {
                        ast::PatternKind::Binding(name)
                            if self.bare_variant_pattern(name).is_none() =>
                        {
                            let id = self.declare(name, bound_ty.clone(), *mutable);
                            if declared.is_none() {
                                self.annotatable
                                    .insert(id, if *mutable { "variable" } else { "binding" });
                            }
                            if is_closure && !*mutable && !has_pending {
                                // Let-polymorphism: a closure bound by `let` is
                                // generalised over what its context leaves free.
                                let scheme = self.generalise_local(&value.ty, id);
                                if !scheme.classes.is_empty() {
                                    self.local_schemes.insert(id, scheme);
                                }
                            }
                            ir::Pattern {
                                kind: ir::PatternKind::Bind(id),
                                ty: bound_ty,
                                span: pattern.span,
                            }
                        }
                        _ => {
                            let p = self.infer_pattern(pattern, &bound_ty, *mutable);
                            self.check_irrefutable(&p, "`let`");
                            p
                        }
                    };
                    stmts.push(ir::Stmt::Let(pat, value));
                    diverges = false;
                }
                ast::Stmt::LetElse {
                    mutable,
                    pattern,
                    ty,
                    value,
                    els,
                    span,
                } => {
                    let s = self.infer_let_else(*mutable, pattern, ty.as_ref(), value, els, *span);
                    stmts.push(s);
                    diverges = false;
                }
                ast::Stmt::Expr(e) => {
                    let e = self.infer(e);
                    diverges = never_ends(&e);
                    stmts.push(ir::Stmt::Expr(e));
                }
                ast::Stmt::Error(span) => {
                    // Its syntax error is reported; a block that ends after
                    // one has an unknown type, as if it diverged.
                    stmts.push(ir::Stmt::Expr(self.error_expr(*span)));
                    diverges = true;
                }
                ast::Stmt::Item(item) => {
                    self.report(TypeError::ItemInBlock { at: item.span() });
                }
            }
        }
        let tail = block.tail.as_ref().map(|t| Box::new(self.infer(t)));
        self.scopes.pop();
        let ty = match &tail {
            Some(t) => t.ty.clone(),
            None if matches!(block.stmts.last(), Some(ast::Stmt::Error(_))) => {
                self.ck.table.fresh_error()
            }
            None if diverges => self.fresh(),
            None => Ty::Unit,
        };
        self.expr(ExprKind::Block(stmts, tail), ty, block.span)
    }

    /// Generalises a local closure's type over the type variables that no
    /// other visible local, no enclosing return type and no function being
    /// inferred mentions.
    fn generalise_local(&mut self, ty: &Ty, this: LocalId) -> Scheme {
        let mut fixed = HashSet::new();
        for (_, id) in self.scopes.iter().flatten() {
            if *id != this {
                free_vars(&self.ck.table, &self.locals[id.0 as usize].ty, &mut fixed);
            }
        }
        for f in &self.frames {
            free_vars(&self.ck.table, &f.ret, &mut fixed);
        }
        for t in self.ck.in_progress.values() {
            free_vars(&self.ck.table, t, &mut fixed);
        }
        for t in self.tparams.values() {
            free_vars(&self.ck.table, t, &mut fixed);
        }
        self.ck.table.generalise_except(ty, &fixed)
    }

    /// Infers `e` where the context expects `expected`: a closure takes its
    /// parameter types from it before its body is inferred.
    pub(super) fn infer_expected(&mut self, e: &ast::Expr, expected: &Ty) -> ir::Expr {
        match &e.kind {
            ast::ExprKind::Closure(params, body) => {
                self.infer_closure(params, body, Some(expected), e.span)
            }
            _ => self.infer(e),
        }
    }

    pub(super) fn infer(&mut self, e: &ast::Expr) -> ir::Expr {
        crate::with_stack(|| self.infer_here(e))
    }

    fn infer_here(&mut self, e: &ast::Expr) -> ir::Expr {
        use ast::ExprKind as E;
        let span = e.span;
        match &e.kind {
            E::Error => self.error_expr(span),
            E::Lit(lit) => self.literal(lit, span),
            E::Interp(parts) => {
                let parts = parts
                    .iter()
                    .map(|p| match p {
                        ast::InterpPart::Text(t) => {
                            self.expr(ExprKind::Str(t.clone()), Ty::Str, span)
                        }
                        ast::InterpPart::Expr(e) => self.infer(e),
                    })
                    .collect();
                self.expr(ExprKind::Interp(parts), Ty::Str, span)
            }
            E::Format(inner, spec, _) => self.infer_format(inner, spec, span),
            E::Path(path) => self.infer_path(path, span),
            E::Unary(op, inner) => {
                if *op == UnaryOp::Neg {
                    self.warn_negated_method_call(inner, span);
                }
                let inner = self.infer(inner);
                let ty = inner.ty.clone();
                match op {
                    UnaryOp::Neg => self.constrain(&ty, Class::NUM, inner.span, "-"),
                    UnaryOp::Not => {
                        self.expect(&Ty::Bool, &ty, inner.span, "the operand of `!`");
                    }
                }
                self.expr(ExprKind::Unary(*op, Box::new(inner)), ty, span)
            }
            E::Binary(op, lhs, rhs) => {
                let lhs = self.infer(lhs);
                let rhs = self.infer(rhs);
                self.binary(*op, lhs, rhs, span)
            }
            E::Assign(target, value) => {
                let Some((place, ty)) = self.place(target) else {
                    self.infer(value);
                    return self.error_expr(span);
                };
                let value = self.infer_expected(value, &ty);
                self.expect(&ty, &value.ty, value.span, "the assigned place's type");
                self.expr(ExprKind::Assign(place, Box::new(value)), Ty::Unit, span)
            }
            E::CompoundAssign(op, target, value) => {
                let Some((place, _)) = self.place(target) else {
                    self.infer(value);
                    return self.error_expr(span);
                };
                // `a op= b` is `a = a op b`. For `xs[i] op= b` the array and
                // the index are evaluated once, into hidden locals, when they
                // might have an effect; other places are re-read.
                if let Place::Index(arr, idx) = place {
                    let mut stmts = Vec::new();
                    let arr = self.hoist(*arr, "array", &mut stmts);
                    let idx = self.hoist(*idx, "index", &mut stmts);
                    let elem = match self.ck.table.shallow(&arr.ty) {
                        Ty::App(TyCon::Array, args) => args[0].clone(),
                        _ => self.fresh(),
                    };
                    let current = self.expr(
                        ExprKind::Index(Box::new(arr.clone()), Box::new(idx.clone())),
                        elem,
                        target.span,
                    );
                    let rhs = self.infer(value);
                    let combined = self.binary(*op, current, rhs, span);
                    let assign = self.expr(
                        ExprKind::Assign(
                            Place::Index(Box::new(arr), Box::new(idx)),
                            Box::new(combined),
                        ),
                        Ty::Unit,
                        span,
                    );
                    return self.expr(
                        ExprKind::Block(stmts, Some(Box::new(assign))),
                        Ty::Unit,
                        span,
                    );
                }
                let current = self.infer(target);
                let rhs = self.infer(value);
                let combined = self.binary(*op, current, rhs, span);
                self.expr(ExprKind::Assign(place, Box::new(combined)), Ty::Unit, span)
            }
            E::Call(callee, args) => self.infer_call(callee, args, span),
            E::MethodCall(recv, name, args) => self.infer_method_call(recv, name, args, span),
            E::Field(inner, name) => {
                let receiver = self.infer(inner);
                if matches!(self.ck.table.shallow(&receiver.ty), Ty::Var(_)) {
                    let ty = self.pending_type(&receiver.ty);
                    let slot = self.defer(Pending::Field {
                        receiver,
                        name: name.clone(),
                        ty: ty.clone(),
                        span,
                    });
                    return self.expr(ExprKind::Pending(slot), ty, span);
                }
                self.field_known(receiver, name, span)
            }
            E::TupleField(inner, index, _) => {
                let receiver = self.infer(inner);
                if matches!(self.ck.table.shallow(&receiver.ty), Ty::Var(_)) {
                    let ty = self.pending_type(&receiver.ty);
                    let slot = self.defer(Pending::TupleField {
                        receiver,
                        index: *index,
                        ty: ty.clone(),
                        span,
                    });
                    return self.expr(ExprKind::Pending(slot), ty, span);
                }
                self.tuple_field_known(receiver, *index, span)
            }
            E::Index(arr, idx) => {
                let arr = self.infer(arr);
                let idx = self.infer(idx);
                let elem = self.fresh();
                self.expect(
                    &Ty::array(elem.clone()),
                    &arr.ty,
                    arr.span,
                    "an indexed value",
                );
                self.expect(&Ty::Int, &idx.ty, idx.span, "an index");
                self.expr(ExprKind::Index(Box::new(arr), Box::new(idx)), elem, span)
            }
            E::If(cond, then, els) => {
                let cond = self.infer(cond);
                self.expect(&Ty::Bool, &cond.ty, cond.span, "an `if` condition");
                let then = self.infer_block(then);
                match els {
                    Some(els) => {
                        let els = self.infer(els);
                        self.unify_branches(&then, &els, "`if`");
                        let ty = then.ty.clone();
                        self.expr(
                            ExprKind::If(Box::new(cond), Box::new(then), Some(Box::new(els))),
                            ty,
                            span,
                        )
                    }
                    None => {
                        let then_span = then.block_value_span();
                        self.expect(&Ty::Unit, &then.ty, then_span, "an `if` without `else`");
                        self.expr(
                            ExprKind::If(Box::new(cond), Box::new(then), None),
                            Ty::Unit,
                            span,
                        )
                    }
                }
            }
            E::While(cond, body) => {
                let cond = self.infer(cond);
                self.expect(&Ty::Bool, &cond.ty, cond.span, "a `while` condition");
                let (body, broken) = self.infer_loop_body(body, None);
                if matches!(cond.kind, ExprKind::Bool(true)) && !broken {
                    // `while true` without a `break` never ends normally,
                    // like `loop`: its type is that of `return`.
                    let ty = self.fresh();
                    return self.expr(ExprKind::Loop(Box::new(body)), ty, span);
                }
                self.expr(
                    ExprKind::While(Box::new(cond), Box::new(body)),
                    Ty::Unit,
                    span,
                )
            }
            E::Loop(body) => self.infer_loop(body, span),
            E::Try(inner) => self.infer_try(inner, span),
            E::IfLet(pattern, value, then, els) => {
                self.infer_if_let(pattern, value, then, els.as_deref(), span)
            }
            E::WhileLet(pattern, value, body) => self.infer_while_let(pattern, value, body, span),
            E::For(pattern, iter, body) => self.infer_for(pattern, iter, body, span),
            E::Range { .. } => {
                self.report(TypeError::RangeNotValue { at: span });
                self.error_expr(span)
            }
            E::Break(value) => self.infer_break(value.as_deref(), span),
            E::Continue => {
                if self.frame().loops.is_empty() {
                    self.outside_loop("continue", span);
                }
                let ty = self.fresh();
                self.expr(ExprKind::Continue, ty, span)
            }
            E::Return(value) => {
                let ret = self.frame().ret.clone();
                let value = match value {
                    Some(v) => self.infer_expected(v, &ret),
                    None => self.expr(ExprKind::Unit, Ty::Unit, span),
                };
                self.expect(&ret, &value.ty, value.span, "the function's return type");
                let ty = self.fresh();
                self.expr(ExprKind::Return(Box::new(value)), ty, span)
            }
            E::Block(b) => self.infer_block(b),
            E::Match(scrutinee, arms) => self.infer_match(scrutinee, arms, span),
            E::Closure(params, body) => self.infer_closure(params, body, None, span),
            E::Tuple(items) => {
                let items: Vec<ir::Expr> = items.iter().map(|i| self.infer(i)).collect();
                let ty = Ty::tuple(items.iter().map(|i| i.ty.clone()).collect());
                self.expr(ExprKind::Tuple(items), ty, span)
            }
            E::Array(items) => {
                let elem = self.fresh();
                let mut out = Vec::new();
                for item in items {
                    let x = self.infer_expected(item, &elem);
                    self.expect(&elem, &x.ty, x.span, "the array's element type");
                    out.push(x);
                }
                self.expr(ExprKind::Array(out), Ty::array(elem), span)
            }
            E::StructLit(path, fields, base) => {
                self.infer_struct_lit(path, fields, base.as_deref(), span)
            }
        }
    }

    /// `{x:spec}`: the prelude's `__format` native applied to the value and
    /// the spec's parts (fill, align, width, precision, flags), which the
    /// lexer has already checked.
    fn infer_format(&mut self, inner: &ast::Expr, spec: &ast::FormatSpec, span: Span) -> ir::Expr {
        let value = self.infer(inner);
        let native = self
            .ck
            .natives
            .iter()
            .position(|n| n.name == "__format")
            .map(|i| ir::NativeId(i as u32));
        let Some(native) = native else {
            return self.error_expr(span);
        };
        let align = match spec.align {
            Some('<') => 1,
            Some('>') => 2,
            Some('^') => 3,
            _ => 0,
        };
        let flags = i64::from(spec.zero) | (i64::from(spec.debug) << 1);
        let int = |cx: &Self, n: i64| cx.expr(ExprKind::Int(n), Ty::Int, span);
        let args = vec![
            value,
            self.expr(ExprKind::Str(spec.fill.to_string()), Ty::Str, span),
            int(self, align),
            int(self, spec.width.map_or(-1, i64::from)),
            int(self, spec.precision.map_or(-1, i64::from)),
            int(self, flags),
        ];
        self.expr(
            ExprKind::Call(ir::Callee::Native(native), args),
            Ty::Str,
            span,
        )
    }

    fn literal(&self, lit: &ast::Literal, span: Span) -> ir::Expr {
        match lit {
            ast::Literal::Int(n) => self.expr(ExprKind::Int(*n), Ty::Int, span),
            ast::Literal::Float(x) => self.expr(ExprKind::Float(*x), Ty::Float, span),
            ast::Literal::Bool(b) => self.expr(ExprKind::Bool(*b), Ty::Bool, span),
            ast::Literal::Str(s) => self.expr(ExprKind::Str(s.clone()), Ty::Str, span),
            ast::Literal::Unit => self.expr(ExprKind::Unit, Ty::Unit, span),
        }
    }

    pub(super) fn defer(&mut self, p: Pending) -> u32 {
        self.pending.push(Some(p));
        self.pending.len() as u32 - 1
    }

    /// The place an assignment writes, with its type. Fields may only be
    /// assigned through a `var` (structs and tuples are values).
    fn place(&mut self, target: &ast::Expr) -> Option<(Place, Ty)> {
        self.place_in(target, false)
    }

    /// `in_field`: the place is the base of a field assignment.
    fn place_in(&mut self, target: &ast::Expr, in_field: bool) -> Option<(Place, Ty)> {
        match &target.kind {
            ast::ExprKind::Path(path) => {
                let [name] = path.as_slice() else {
                    self.report(TypeError::NotAssignable {
                        why: NotPlace::Path,
                        at: target.span,
                    });
                    return None;
                };
                let Some(id) = self.lookup_local(&name.name) else {
                    if self.ck.env.value(self.module, &name.name).is_some() {
                        self.report(TypeError::NotAssignable {
                            why: NotPlace::Item(name.name.clone()),
                            at: target.span,
                        });
                    } else {
                        self.unknown_name(&name.name, target.span);
                    }
                    return None;
                };
                let local = &self.locals[id.0 as usize];
                if !local.mutable && self.loop_vars.contains(&id) && !in_field {
                    // A `for` variable: `var` cannot help, the loop owns it.
                    let decl = local.span;
                    self.report(TypeError::AssignToLoopVariable {
                        name: name.name.clone(),
                        at: target.span,
                        decl,
                    });
                    return None;
                }
                if !local.mutable {
                    let decl = local.span;
                    self.report(TypeError::AssignToLet {
                        name: name.name.clone(),
                        at: target.span,
                        decl,
                        in_field,
                    });
                    return None;
                }
                Some((Place::Local(id), local.ty.clone()))
            }
            ast::ExprKind::Index(arr, idx) => {
                let arr = self.infer(arr);
                let idx = self.infer(idx);
                let elem = self.fresh();
                self.expect(
                    &Ty::array(elem.clone()),
                    &arr.ty,
                    arr.span,
                    "an indexed value",
                );
                self.expect(&Ty::Int, &idx.ty, idx.span, "an index");
                Some((Place::Index(Box::new(arr), Box::new(idx)), elem))
            }
            ast::ExprKind::Field(base, name) => {
                let (base_place, base_ty) = self.place_in(base, true)?;
                let resolved = self.ck.table.shallow(&base_ty);
                let Ty::App(TyCon::Adt(adt), args) = &resolved else {
                    self.field_error(&resolved, name, target.span);
                    return None;
                };
                let AdtKind::Struct(fields) = &self.ck.env.adt_def(*adt).kind else {
                    self.field_error(&resolved, name, target.span);
                    return None;
                };
                let Some(index) = fields.iter().position(|f| f.name == name.name) else {
                    self.field_error(&resolved, name, target.span);
                    return None;
                };
                let tys = self.ck.instantiate_fields(*adt, args, None);
                let ty = tys.get(index).cloned().unwrap_or(Ty::Unit);
                Some((
                    Place::Field(Box::new(base_place), index as u32, base_ty),
                    ty,
                ))
            }
            ast::ExprKind::TupleField(base, index, span) => {
                let (base_place, base_ty) = self.place_in(base, true)?;
                match self.ck.table.shallow(&base_ty) {
                    Ty::App(TyCon::Tuple, items) if (*index as usize) < items.len() => {
                        let ty = items[*index as usize].clone();
                        Some((Place::Field(Box::new(base_place), *index, base_ty), ty))
                    }
                    other if self.quiet_about(&other) => None,
                    other => {
                        self.report(TypeError::NoSuchElement {
                            ty: other,
                            index: *index,
                            at: *span,
                        });
                        None
                    }
                }
            }
            _ => {
                self.report(TypeError::NotAssignable {
                    why: NotPlace::Expr,
                    at: target.span,
                });
                None
            }
        }
    }

    fn constrain(&mut self, ty: &Ty, class: Class, span: Span, op: &str) {
        if self.ck.table.constrain(ty, class).is_err() {
            self.report(TypeError::OperatorNotDefined {
                op: op.to_string(),
                ty: ty.clone(),
                class,
                at: span,
            });
        }
    }

    fn binary(&mut self, op: BinOp, lhs: ir::Expr, rhs: ir::Expr, span: Span) -> ir::Expr {
        let sym = op.symbol();
        let (operand, result) = match op {
            BinOp::And | BinOp::Or => {
                self.expect(
                    &Ty::Bool,
                    &lhs.ty,
                    lhs.span,
                    &format!("an operand of `{sym}`"),
                );
                self.expect(
                    &Ty::Bool,
                    &rhs.ty,
                    rhs.span,
                    &format!("an operand of `{sym}`"),
                );
                let kind = if op == BinOp::And {
                    ExprKind::And(Box::new(lhs), Box::new(rhs))
                } else {
                    ExprKind::Or(Box::new(lhs), Box::new(rhs))
                };
                return self.expr(kind, Ty::Bool, span);
            }
            BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Shl | BinOp::Shr => {
                self.expect(
                    &Ty::Int,
                    &lhs.ty,
                    lhs.span,
                    &format!("an operand of `{sym}`"),
                );
                self.expect(
                    &Ty::Int,
                    &rhs.ty,
                    rhs.span,
                    &format!("an operand of `{sym}`"),
                );
                (None, Ty::Int)
            }
            BinOp::Add => (Some(Class::ADD), lhs.ty.clone()),
            BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => (Some(Class::NUM), lhs.ty.clone()),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => (Some(Class::ORD), Ty::Bool),
            BinOp::Eq | BinOp::Ne => (Some(Class::EQ), Ty::Bool),
        };
        if let Some(class) = operand {
            // The operator decides its operands' type: the origin that
            // "decided here" and a forced type parameter point at.
            self.ck.table.origin = Some((self.file, span));
            let unified = self.ck.table.unify(&lhs.ty, &rhs.ty);
            self.ck.table.origin = None;
            if unified.is_err() {
                self.report(TypeError::OperandsDiffer {
                    op: sym,
                    lhs: lhs.ty.clone(),
                    rhs: rhs.ty.clone(),
                    lhs_at: lhs.span,
                    rhs_at: rhs.span,
                });
                // Do not let the failed operation's type cause more errors.
                let result = if matches!(result, Ty::Bool) {
                    result
                } else {
                    self.fresh()
                };
                return self.expr(
                    ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                    result,
                    span,
                );
            } else {
                let ty = lhs.ty.clone();
                self.constrain(&ty, class, span, sym);
            }
        }
        self.expr(
            ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
            result,
            span,
        )
    }

    fn infer_call(&mut self, callee: &ast::Expr, args: &[ast::Expr], span: Span) -> ir::Expr {
        // A call of a global by name is a direct call; of a variant, a
        // construction; anything else calls a value.
        let direct = match &callee.kind {
            ast::ExprKind::Path(path) if !(path.len() == 1 && self.has_local(&path[0].name)) => {
                match self.resolve_path(path, callee.span) {
                    Some(r) => Some((r, path.clone())),
                    None => {
                        for a in args {
                            self.infer(a);
                        }
                        return self.error_expr(span);
                    }
                }
            }
            _ => None,
        };
        let (target, fn_ty, what) = match direct {
            Some((Resolved::Variant(adt, v), path)) => {
                let (ty, fields) = self.instantiate_variant(adt, v);
                let mut out = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    out.push(match fields.get(i) {
                        Some(f) => self.infer_expected(a, f),
                        None => self.infer(a),
                    });
                }
                let _ = ty;
                return self.variant_value(adt, v, out, span, &path);
            }
            Some((Resolved::Global(g), path)) => {
                let ty = self.ck.global_type(g);
                let what = format!("`{}`", path_name(&path));
                match g {
                    Global::Fn(id) => (Callee::Fn(id), ty, what),
                    Global::Native(id) => (Callee::Native(id), ty, what),
                    Global::Const(_) => {
                        let value = self.global_value(g, &path, callee.span);
                        let ty = value.ty.clone();
                        (Callee::Value(Box::new(value)), ty, what)
                    }
                }
            }
            None => {
                let value = self.infer(callee);
                let ty = value.ty.clone();
                let what = match &callee.kind {
                    ast::ExprKind::Path(p) => format!("`{}`", path_name(p)),
                    _ => "this value".to_string(),
                };
                (Callee::Value(Box::new(value)), ty, what)
            }
        };
        let fn_ty = self.ck.table.shallow(&fn_ty);
        let (params, ret) = match fn_ty {
            Ty::Fn(params, ret) => (params.to_vec(), (*ret).clone()),
            Ty::Var(_) => {
                let params: Vec<Ty> = args.iter().map(|_| self.fresh()).collect();
                let ret = self.fresh();
                let shape = Ty::func(params.clone(), ret.clone());
                self.expect(&fn_ty, &shape, callee.span, "the called value");
                (params, ret)
            }
            other => {
                for a in args {
                    self.infer(a);
                }
                if !matches!(target, Callee::Value(ref v) if matches!(v.kind, ExprKind::Error)) {
                    self.report(TypeError::NotAFunction {
                        what,
                        ty: other,
                        at: callee.span,
                    });
                }
                return self.error_expr(span);
            }
        };
        let args = self.check_args(&params, args, span, &what, 0);
        match args {
            Some(args) => self.expr(ExprKind::Call(target, args), ret, span),
            None => self.error_expr(span),
        }
    }

    /// Infers `args` against `params` (skipping `skip` leading parameters,
    /// such as a method's `self`); reports a count mismatch.
    pub(super) fn check_args(
        &mut self,
        params: &[Ty],
        args: &[ast::Expr],
        span: Span,
        what: &str,
        skip: usize,
    ) -> Option<Vec<ir::Expr>> {
        let expected = params.get(skip..).unwrap_or(&[]);
        if expected.len() != args.len() {
            for a in args {
                self.infer(a);
            }
            self.report(TypeError::ArgCount {
                what: what.to_string(),
                params: expected.to_vec(),
                given: args.len(),
                at: span,
            });
            return None;
        }
        let mut out = Vec::new();
        for (param, arg) in expected.iter().zip(args) {
            let a = self.infer_expected(arg, param);
            self.expect(param, &a.ty, a.span, &format!("the parameter of {what}"));
            out.push(a);
        }
        Some(out)
    }

    fn infer_struct_lit(
        &mut self,
        path: &[ast::Ident],
        fields: &[ast::FieldInit],
        base: Option<&ast::Expr>,
        span: Span,
    ) -> ir::Expr {
        let adt = self.ck.resolve_adt(self.module, path);
        let Some(adt) = adt.filter(|a| matches!(self.ck.env.adt_def(*a).kind, AdtKind::Struct(_)))
        else {
            for f in fields {
                self.infer(&f.value);
            }
            if let Some(b) = base {
                self.infer(b);
            }
            let name = path_name(path);
            let known: Vec<String> = self
                .ck
                .env
                .types
                .keys()
                .filter(|(m, _)| *m == self.module)
                .map(|(_, n)| n.clone())
                .collect();
            let near = closest_name(&name, known.iter().map(|s| s.as_str())).map(str::to_string);
            self.report(TypeError::UnknownStruct {
                name,
                at: path.last().map_or(span, |p| p.span),
                near,
            });
            return self.error_expr(span);
        };
        if let Some(last) = path.last() {
            self.note(last.span, ir::NameTarget::Type(adt), None);
        }
        let def = self.ck.env.adt_def(adt).clone();
        let AdtKind::Struct(decl_fields) = &def.kind else {
            return self.error_expr(span);
        };
        let args: Vec<Ty> = def.type_params.iter().map(|_| self.fresh()).collect();
        let tys = self.ck.instantiate_fields(adt, &args, None);
        let mut values: Vec<Option<ir::Expr>> = vec![None; decl_fields.len()];
        for f in fields {
            match decl_fields.iter().position(|d| d.name == f.name.name) {
                Some(i) => {
                    self.note(
                        f.name.span,
                        ir::NameTarget::Field(adt, i as u32),
                        Some(tys[i].clone()),
                    );
                    let v = self.infer_expected(&f.value, &tys[i]);
                    self.expect(
                        &tys[i],
                        &v.ty,
                        v.span,
                        &format!("the field `{}`", f.name.name),
                    );
                    if values[i].is_some() {
                        self.report(TypeError::FieldGivenTwice {
                            name: f.name.name.clone(),
                            at: f.name.span,
                        });
                    }
                    values[i] = Some(v);
                }
                None => {
                    self.infer(&f.value);
                    let ty = Ty::app(TyCon::Adt(adt), args.clone());
                    self.field_error(&ty, &f.name, f.span);
                }
            }
        }
        if let Some(base) = base {
            return self.struct_update(adt, args, tys, fields, values, base, span);
        }
        let missing: Vec<String> = decl_fields
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(d, _)| d.name.clone())
            .collect();
        if !missing.is_empty() {
            self.report(TypeError::MissingFields {
                name: def.name.clone(),
                missing,
                at: span,
            });
            return self.error_expr(span);
        }
        let values: Vec<ir::Expr> = values.into_iter().flatten().collect();
        let ty = Ty::app(TyCon::Adt(adt), args);
        // Fields are evaluated in the order written: when that is not the
        // declaration order and a value might have an effect, the values go
        // to hidden locals first.
        let written: Vec<usize> = fields
            .iter()
            .filter_map(|f| decl_fields.iter().position(|d| d.name == f.name.name))
            .collect();
        let in_order = written.windows(2).all(|w| w[0] < w[1]);
        let simple = values.iter().all(|v| {
            matches!(
                v.kind,
                ExprKind::Int(_)
                    | ExprKind::Float(_)
                    | ExprKind::Bool(_)
                    | ExprKind::Str(_)
                    | ExprKind::Unit
                    | ExprKind::Local(_)
            )
        });
        if in_order || simple || written.len() != values.len() {
            return self.expr(ExprKind::Struct(adt, values), ty, span);
        }
        let mut slots: Vec<Option<ir::Expr>> = values.into_iter().map(Some).collect();
        let mut stmts = Vec::new();
        let mut locals = vec![None; slots.len()];
        for &i in &written {
            let Some(value) = slots[i].take() else {
                continue;
            };
            let hidden = ast::Ident {
                name: format!("{{field {i}}}"),
                span: value.span,
            };
            let id = self.declare(&hidden, value.ty.clone(), false);
            locals[i] = Some((id, value.ty.clone(), value.span));
            stmts.push(ir::Stmt::Let(
                ir::Pattern {
                    kind: ir::PatternKind::Bind(id),
                    ty: value.ty.clone(),
                    span: value.span,
                },
                value,
            ));
        }
        let reads = locals
            .into_iter()
            .flatten()
            .map(|(id, t, s)| self.expr(ExprKind::Local(id), t, s))
            .collect();
        let construct = self.expr(ExprKind::Struct(adt, reads), ty.clone(), span);
        self.expr(ExprKind::Block(stmts, Some(Box::new(construct))), ty, span)
    }

    fn infer_closure(
        &mut self,
        params: &[ast::Param],
        body: &ast::Expr,
        expected: Option<&Ty>,
        span: Span,
    ) -> ir::Expr {
        let expected_params = match expected.map(|t| self.ck.table.shallow(t)) {
            Some(Ty::Fn(ps, _)) if ps.len() == params.len() => Some(ps),
            _ => None,
        };
        let ret = self.fresh();
        self.frames.push(Frame {
            ret: ret.clone(),
            loops: Vec::new(),
            captures: Vec::new(),
        });
        self.scopes.push(Vec::new());
        let mut param_ids = Vec::new();
        let mut param_tys = Vec::new();
        let mut destructure = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let ty = match (&p.ty, &expected_params) {
                (Some(t), _) => {
                    self.note_type_names(t);
                    self.ck
                        .lower_type(self.module, self.file, t, &self.tparams.clone())
                }
                (None, Some(ps)) => ps[i].clone(),
                (None, None) => self.fresh(),
            };
            if let (Some(_), Some(ps)) = (&p.ty, &expected_params) {
                let exp = ps[i].clone();
                self.expect(&exp, &ty, p.span, "the parameter the context expects");
            }
            let id = self.declare(&p.name, ty.clone(), false);
            if let Some(pattern) = &p.pattern {
                // `|(a, b)| ..`: the argument is destructured on entry.
                let pat = self.infer_pattern(pattern, &ty, false);
                self.check_irrefutable(&pat, "a closure parameter");
                let arg = self.expr(ExprKind::Local(id), ty.clone(), p.span);
                destructure.push(ir::Stmt::Let(pat, arg));
            }
            param_ids.push(id);
            param_tys.push(ty);
        }
        let mut body = self.infer(body);
        if !destructure.is_empty() {
            let (ty, span) = (body.ty.clone(), body.span);
            body = self.expr(ExprKind::Block(destructure, Some(Box::new(body))), ty, span);
        }
        self.expect(&ret, &body.ty, body.span, "the closure's return type");
        self.scopes.pop();
        let frame = self.frames.pop();
        let captures = frame.map(|f| f.captures).unwrap_or_default();
        self.closures += 1;
        let id = FnId {
            decl: self.id.decl,
            closure: self.closures,
        };
        let ty = Ty::func(param_tys, ret);
        self.ck.functions.insert(
            id,
            FnInfo {
                name: format!("{}::{{closure}}", self.fn_name),
                file: self.file,
                span,
                name_span: span,
                scheme: Scheme::mono(ty.clone()),
                body: None,
            },
        );
        self.lifted.push(Lifted {
            id,
            captures: captures.clone(),
            params: param_ids,
            body,
        });
        self.expr(ExprKind::Closure(id, captures), ty, span)
    }

    fn infer_for(
        &mut self,
        pattern: &ast::Pattern,
        iter: &ast::Expr,
        body: &ast::Block,
        span: Span,
    ) -> ir::Expr {
        if let ast::ExprKind::Range {
            start,
            end,
            inclusive,
        } = &iter.kind
        {
            let start = self.infer(start);
            let end = self.infer(end);
            self.expect(&Ty::Int, &start.ty, start.span, "a range bound");
            self.expect(&Ty::Int, &end.ty, end.span, "a range bound");
            self.scopes.push(Vec::new());
            let var = match &pattern.kind {
                ast::PatternKind::Binding(name) => self.declare(name, Ty::Int, false),
                _ => {
                    let hidden = ast::Ident {
                        name: "_".to_string(),
                        span: pattern.span,
                    };
                    if !matches!(pattern.kind, ast::PatternKind::Wildcard) {
                        self.report(TypeError::RangeItemPattern { at: pattern.span });
                    }
                    self.declare(&hidden, Ty::Int, false)
                }
            };
            self.loop_vars.insert(var);
            let body = self.infer_loop_body(body, None).0;
            self.scopes.pop();
            return self.expr(
                ExprKind::ForRange {
                    var,
                    start: Box::new(start),
                    end: Box::new(end),
                    inclusive: *inclusive,
                    body: Box::new(body),
                },
                Ty::Unit,
                span,
            );
        }
        let iterable = self.infer(iter);
        let (array, elem) = match self.ck.table.shallow(&iterable.ty) {
            Ty::App(TyCon::Array, args) => (iterable, args[0].clone()),
            Ty::App(con @ (TyCon::Map | TyCon::Set | TyCon::Tree | TyCon::Graph), args) => {
                // Maps iterate over `(key, value)` pairs in insertion order,
                // trees in key order, sets over elements, graphs over node
                // ids, all through a snapshot array.
                let (key, name, elem) = match con {
                    TyCon::Map => (MethodKey::Map, "entries", Ty::tuple(args.to_vec())),
                    TyCon::Tree => (MethodKey::Tree, "entries", Ty::tuple(args.to_vec())),
                    TyCon::Graph => (MethodKey::Graph, "nodes", Ty::Int),
                    _ => (MethodKey::Set, "to_array", args[0].clone()),
                };
                let Some(m) = self.ck.env.methods.get(&(key, name.to_string())).copied() else {
                    return self.error_expr(span);
                };
                let callee = match m.target {
                    Global::Native(id) => Callee::Native(id),
                    Global::Fn(id) | Global::Const(id) => Callee::Fn(id),
                };
                let arr_ty = Ty::array(elem.clone());
                let sp = iterable.span;
                (
                    self.expr(ExprKind::Call(callee, vec![iterable]), arr_ty, sp),
                    elem,
                )
            }
            Ty::Var(_) => {
                let elem = self.fresh();
                self.expect(
                    &Ty::array(elem.clone()),
                    &iterable.ty,
                    iterable.span,
                    "what `for` iterates over",
                );
                (iterable, elem)
            }
            other => {
                self.report(TypeError::NotIterable {
                    ty: other,
                    at: iterable.span,
                });
                return self.error_expr(span);
            }
        };
        self.scopes.push(Vec::new());
        let first = self.locals.len();
        let pat = self.infer_pattern(pattern, &elem, false);
        self.loop_vars
            .extend((first..self.locals.len()).map(|i| LocalId(i as u32)));
        self.check_irrefutable(&pat, "`for`");
        let body = self.infer_loop_body(body, None).0;
        self.scopes.pop();
        self.expr(
            ExprKind::ForArray {
                pattern: pat,
                array: Box::new(array),
                body: Box::new(body),
            },
            Ty::Unit,
            span,
        )
    }

    /// Infers a loop's body with the loop pushed; returns it and whether a
    /// `break` leaves the loop.
    fn infer_loop_body(
        &mut self,
        body: &ast::Block,
        value: Option<(LocalId, Ty)>,
    ) -> (ir::Expr, bool) {
        self.frame().loops.push(LoopCx {
            value,
            broken: false,
        });
        let body = self.infer_block(body);
        let broken = self.frame().loops.pop().is_some_and(|l| l.broken);
        (body, broken)
    }

    /// `loop { body }`: its value is that of its `break`s, each stored into
    /// a hidden local read after the loop; without a `break` it never ends
    /// normally and has the type of `return`.
    fn infer_loop(&mut self, body: &ast::Block, span: Span) -> ir::Expr {
        let ty = self.fresh();
        let hidden = ast::Ident {
            name: "{loop}".to_string(),
            span,
        };
        let result = self.declare(&hidden, ty.clone(), true);
        let (body, broken) = self.infer_loop_body(body, Some((result, ty.clone())));
        let body_span = body.span;
        let looped = self.expr(ExprKind::Loop(Box::new(body)), ty.clone(), body_span);
        if !broken {
            return self.expr(looped.kind, ty, span);
        }
        // The hidden local starts as `()` so that its register is declared;
        // every path out of the loop has stored a value into it.
        let init = ir::Stmt::Let(
            ir::Pattern {
                kind: ir::PatternKind::Bind(result),
                ty: ty.clone(),
                span,
            },
            self.expr(ExprKind::Unit, Ty::Unit, span),
        );
        let read = self.expr(ExprKind::Local(result), ty.clone(), span);
        self.expr(
            ExprKind::Block(vec![init, ir::Stmt::Expr(looped)], Some(Box::new(read))),
            ty,
            span,
        )
    }

    /// Unifies the types of an `if`'s two branches, or reports both.
    fn unify_branches(&mut self, then: &ir::Expr, els: &ir::Expr, what: &str) {
        if self.ck.table.unify(&then.ty, &els.ty).is_err() {
            self.report(TypeError::BranchesDiffer {
                what: what.to_string(),
                then: then.ty.clone(),
                els: els.ty.clone(),
                then_at: then.block_value_span(),
                else_at: els.block_value_span(),
            });
        }
    }

    /// `-5.abs()` is `-(5.abs())` (a method call binds tighter than a
    /// minus): a number literal's method called under a minus without
    /// parentheses reads as the negative number's call, so it gets a warning
    /// and the parenthesised form as a fix. `-(5.abs())` (the parentheses
    /// end the expression after the call) says what it means and is quiet.
    fn warn_negated_method_call(&mut self, inner: &ast::Expr, span: Span) {
        let ast::ExprKind::MethodCall(recv, name, _) = &inner.kind else {
            return;
        };
        let ast::ExprKind::Lit(lit @ (ast::Literal::Int(_) | ast::Literal::Float(_))) = &recv.kind
        else {
            return;
        };
        if inner.span.end != span.end {
            return;
        }
        let number = match lit {
            ast::Literal::Int(n) => n.to_string(),
            ast::Literal::Float(x) => format!("{x:?}"),
            _ => return,
        };
        self.report(TypeError::NegatedMethodCall {
            number,
            method: name.name.clone(),
            at: span,
            receiver_end: recv.span.end,
        });
    }

    /// Warns about the pattern of an `if let` or `while let` that matches
    /// every value.
    fn warn_irrefutable(&mut self, pattern: &ir::Pattern, what: &str, consequence: &str) {
        if self.is_irrefutable(pattern) {
            self.report(TypeError::IrrefutablePattern {
                what: what.to_string(),
                consequence: consequence.to_string(),
                at: pattern.span,
            });
        }
    }

    /// `if let p = v { then } else { els }` is `match v { p => then, _ => els }`.
    fn infer_if_let(
        &mut self,
        pattern: &ast::Pattern,
        value: &ast::Expr,
        then: &ast::Block,
        els: Option<&ast::Expr>,
        span: Span,
    ) -> ir::Expr {
        let scrutinee = self.infer(value);
        self.scopes.push(Vec::new());
        let pat = self.infer_pattern(pattern, &scrutinee.ty, false);
        let then = self.infer_block(then);
        self.scopes.pop();
        let (els, ty) = match els {
            Some(els) => {
                self.warn_irrefutable(&pat, "`if let`", "the `else` branch never runs");
                let els = self.infer(els);
                self.unify_branches(&then, &els, "`if let`");
                let ty = then.ty.clone();
                (els, ty)
            }
            None => {
                self.warn_irrefutable(&pat, "`if let`", "the condition is always true");
                let then_span = then.block_value_span();
                self.expect(&Ty::Unit, &then.ty, then_span, "an `if let` without `else`");
                (self.expr(ExprKind::Unit, Ty::Unit, span), Ty::Unit)
            }
        };
        let wild = ir::Pattern {
            kind: ir::PatternKind::Wildcard,
            ty: scrutinee.ty.clone(),
            span: pattern.span,
        };
        let arms = vec![
            ir::Arm {
                pattern: pat,
                guard: None,
                body: then,
            },
            ir::Arm {
                pattern: wild,
                guard: None,
                body: els,
            },
        ];
        self.expr(ExprKind::Match(Box::new(scrutinee), arms), ty, span)
    }

    /// `while let p = v { body }` is `loop { match v { p => body, _ => break } }`.
    fn infer_while_let(
        &mut self,
        pattern: &ast::Pattern,
        value: &ast::Expr,
        body: &ast::Block,
        span: Span,
    ) -> ir::Expr {
        self.frame().loops.push(LoopCx {
            value: None,
            broken: false,
        });
        let scrutinee = self.infer(value);
        self.scopes.push(Vec::new());
        let pat = self.infer_pattern(pattern, &scrutinee.ty, false);
        let body = self.infer_block(body);
        self.scopes.pop();
        self.frame().loops.pop();
        self.warn_irrefutable(
            &pat,
            "`while let`",
            "the loop ends only by `break` or `return`",
        );
        let wild = ir::Pattern {
            kind: ir::PatternKind::Wildcard,
            ty: scrutinee.ty.clone(),
            span: pattern.span,
        };
        let stop = self.expr(ExprKind::Break, body.ty.clone(), span);
        let body_ty = body.ty.clone();
        let arms = vec![
            ir::Arm {
                pattern: pat,
                guard: None,
                body,
            },
            ir::Arm {
                pattern: wild,
                guard: None,
                body: stop,
            },
        ];
        let round = self.expr(ExprKind::Match(Box::new(scrutinee), arms), body_ty, span);
        let looped = self.expr(ExprKind::Loop(Box::new(round)), Ty::Unit, span);
        let unit = self.expr(ExprKind::Unit, Ty::Unit, span);
        self.expr(
            ExprKind::Block(vec![ir::Stmt::Expr(looped)], Some(Box::new(unit))),
            Ty::Unit,
            span,
        )
    }

    /// Whether `e` never ends normally, counting a final call of `panic` or
    /// `exit`.
    fn ends_abruptly(&self, e: &ir::Expr) -> bool {
        let last = match &e.kind {
            ExprKind::Block(_, Some(tail)) => Some(&**tail),
            ExprKind::Block(stmts, None) => match stmts.last() {
                Some(ir::Stmt::Expr(e)) => Some(e),
                _ => None,
            },
            _ => Some(e),
        };
        let stops = |e: &ir::Expr| match &e.kind {
            ExprKind::Call(Callee::Native(id), _) => self
                .ck
                .natives
                .get(id.0 as usize)
                .is_some_and(|n| n.name == "panic" || n.name == "exit"),
            _ => false,
        };
        never_ends(e) || last.is_some_and(stops)
    }

    /// `let p = v else { els };` binds `p`'s names for the rest of the
    /// block: it is `let (x, y) = match v { p => (x, y), _ => els };` with
    /// the names bound again outside the match.
    fn infer_let_else(
        &mut self,
        mutable: bool,
        pattern: &ast::Pattern,
        ty: Option<&ast::TypeExpr>,
        value: &ast::Expr,
        els: &ast::Block,
        span: Span,
    ) -> ir::Stmt {
        let declared = ty.map(|t| {
            self.ck
                .lower_type(self.module, self.file, t, &self.tparams.clone())
        });
        let value = match &declared {
            Some(d) => self.infer_expected(value, d),
            None => self.infer(value),
        };
        if let Some(d) = &declared {
            self.expect(d, &value.ty, value.span, "the declared type");
        }
        let bound_ty = declared.unwrap_or_else(|| value.ty.clone());
        self.scopes.push(Vec::new());
        let pat = self.infer_pattern(pattern, &bound_ty, false);
        let inner = self.scopes.pop().unwrap_or_default();
        let els_ir = self.infer_block(els);
        if !self.ends_abruptly(&els_ir) && !has_error_node(els) {
            let at = match &els.tail {
                Some(tail) => tail.span,
                None => Span::new(
                    els.span.end.saturating_sub(1) as usize,
                    els.span.end as usize,
                ),
            };
            self.report(TypeError::LetElseFallsThrough {
                ty: els_ir.ty.clone(),
                at,
                pattern: pattern.span,
            });
        }
        self.warn_irrefutable(&pat, "`let ... else`", "the `else` block never runs");
        // The values the pattern bound, carried out of the match.
        let tys: Vec<Ty> = inner
            .iter()
            .map(|(_, id)| self.locals[id.0 as usize].ty.clone())
            .collect();
        let carried: Vec<ir::Expr> = inner
            .iter()
            .zip(&tys)
            .map(|((_, id), t)| self.expr(ExprKind::Local(*id), t.clone(), pattern.span))
            .collect();
        let out_ty = match tys.len() {
            1 => tys[0].clone(),
            _ => Ty::tuple(tys.clone()),
        };
        let carried = match carried.len() {
            0 => self.expr(ExprKind::Unit, Ty::Unit, pattern.span),
            1 => carried
                .into_iter()
                .next()
                .unwrap_or_else(|| self.error_expr(span)),
            _ => self.expr(ExprKind::Tuple(carried), out_ty.clone(), pattern.span),
        };
        let _ = self.ck.table.unify(&out_ty, &els_ir.ty);
        let wild = ir::Pattern {
            kind: ir::PatternKind::Wildcard,
            ty: value.ty.clone(),
            span: pattern.span,
        };
        let arms = vec![
            ir::Arm {
                pattern: pat,
                guard: None,
                body: carried,
            },
            ir::Arm {
                pattern: wild,
                guard: None,
                body: els_ir,
            },
        ];
        let matched = self.expr(ExprKind::Match(Box::new(value), arms), out_ty.clone(), span);
        // The names again, in the enclosing scope, for the rest of the block.
        let mut outer: Vec<ir::Pattern> = Vec::new();
        for ((name, id), t) in inner.iter().zip(&tys) {
            let ident = ast::Ident {
                name: name.clone(),
                span: self.locals[id.0 as usize].span,
            };
            let new_id = self.declare(&ident, t.clone(), mutable);
            outer.push(ir::Pattern {
                kind: ir::PatternKind::Bind(new_id),
                ty: t.clone(),
                span: ident.span,
            });
        }
        let outer = match outer.len() {
            0 => ir::Pattern {
                kind: ir::PatternKind::Wildcard,
                ty: Ty::Unit,
                span: pattern.span,
            },
            1 => outer.remove(0),
            _ => ir::Pattern {
                kind: ir::PatternKind::Tuple(outer),
                ty: out_ty,
                span: pattern.span,
            },
        };
        ir::Stmt::Let(outer, matched)
    }

    /// `v?` on an `Option` is `match v { Some(x) => x, None => return None }`,
    /// on a `Result` `match v { Ok(x) => x, Err(e) => return Err(e) }`; the
    /// function (or closure) must return the same kind.
    fn infer_try(&mut self, inner: &ast::Expr, span: Span) -> ir::Expr {
        let value = self.infer(inner);
        let ret = self.frame().ret.clone();
        let prelude = |name: &str| {
            self.ck
                .env
                .types
                .get(&(super::env::PRELUDE, name.to_string()))
                .copied()
        };
        let (Some(option), Some(result)) = (prelude("Option"), prelude("Result")) else {
            return self.error_expr(span);
        };
        let kind_of = |t: Ty| match t {
            Ty::App(TyCon::Adt(a), _) if a == option => Some(true),
            Ty::App(TyCon::Adt(a), _) if a == result => Some(false),
            _ => None,
        };
        let shown_value = self.ck.table.shallow(&value.ty);
        let is_option = match (kind_of(shown_value.clone()), &shown_value) {
            (Some(k), _) => k,
            (None, Ty::Var(_)) => match kind_of(self.ck.table.shallow(&ret)) {
                Some(k) => k,
                None => {
                    if !self.quiet_about(&value.ty) {
                        self.report(TypeError::TryOnUnknown { at: value.span });
                    }
                    return self.error_expr(span);
                }
            },
            (None, _) => {
                if !self.quiet_about(&value.ty) {
                    self.report(TypeError::TryNeedsOptionOrResult {
                        ty: value.ty.clone(),
                        at: value.span,
                    });
                }
                return self.error_expr(span);
            }
        };
        let inside = self.fresh();
        let (adt, ok_ix, fail_ix) = if is_option {
            (option, "Some", "None")
        } else {
            (result, "Ok", "Err")
        };
        let index = |n: &str| -> u32 {
            match &self.ck.env.adt_def(adt).kind {
                AdtKind::Enum(vs) => vs.iter().position(|v| v.name == n).unwrap_or(0) as u32,
                AdtKind::Struct(_) => 0,
            }
        };
        let (ok_ix, fail_ix) = (index(ok_ix), index(fail_ix));
        let error_ty = self.fresh();
        let (value_ty, ret_ty) = if is_option {
            let other = self.fresh();
            (
                Ty::app(TyCon::Adt(adt), vec![inside.clone()]),
                Ty::app(TyCon::Adt(adt), vec![other]),
            )
        } else {
            let other = self.fresh();
            (
                Ty::app(TyCon::Adt(adt), vec![inside.clone(), error_ty.clone()]),
                Ty::app(TyCon::Adt(adt), vec![other, error_ty.clone()]),
            )
        };
        self.expect(&value_ty, &value.ty, value.span, "the operand of `?`");
        if self.ck.table.unify(&ret, &ret_ty).is_err() {
            self.report(TypeError::TryReturnMismatch {
                value: value.ty.clone(),
                ret: ret.clone(),
                option: is_option,
                at: span,
            });
            return self.error_expr(span);
        }
        let hidden = |what: &str| ast::Ident {
            name: format!("{{{what}}}"),
            span: value.span,
        };
        let x = self.declare(&hidden("try"), inside.clone(), false);
        let pat = |kind| ir::Pattern {
            kind,
            ty: value.ty.clone(),
            span: value.span,
        };
        let bind = |id, ty: &Ty| ir::Pattern {
            kind: ir::PatternKind::Bind(id),
            ty: ty.clone(),
            span: value.span,
        };
        let ok_pat = pat(ir::PatternKind::Variant(adt, ok_ix, vec![bind(x, &inside)]));
        let (fail_pat, payload) = if is_option {
            (pat(ir::PatternKind::Variant(adt, fail_ix, vec![])), vec![])
        } else {
            let e = self.declare(&hidden("error"), error_ty.clone(), false);
            (
                pat(ir::PatternKind::Variant(
                    adt,
                    fail_ix,
                    vec![bind(e, &error_ty)],
                )),
                vec![self.expr(ExprKind::Local(e), error_ty.clone(), span)],
            )
        };
        let failed = self.expr(ExprKind::Variant(adt, fail_ix, payload), ret_ty, span);
        let stop_ty = self.fresh();
        let stop = self.expr(ExprKind::Return(Box::new(failed)), stop_ty, span);
        let arms = vec![
            ir::Arm {
                pattern: ok_pat,
                guard: None,
                body: self.expr(ExprKind::Local(x), inside.clone(), span),
            },
            ir::Arm {
                pattern: fail_pat,
                guard: None,
                body: stop,
            },
        ];
        self.expr(ExprKind::Match(Box::new(value), arms), inside, span)
    }

    /// E0106 for `break`/`continue` (`what`) with no loop in its function;
    /// inside a closure that a loop encloses, it says the closure's body is
    /// not part of that loop.
    fn outside_loop(&mut self, what: &'static str, span: Span) {
        let last = self.frames.len() - 1;
        let in_closure = self.frames[..last].iter().any(|f| !f.loops.is_empty());
        self.report(TypeError::OutsideLoop {
            what,
            in_closure,
            at: span,
        });
    }

    /// `break` or `break value`.
    fn infer_break(&mut self, value: Option<&ast::Expr>, span: Span) -> ir::Expr {
        let target = self.frame().loops.last_mut().map(|l| {
            l.broken = true;
            l.value.clone()
        });
        let ty = self.fresh();
        match target {
            None => {
                if let Some(v) = value {
                    self.infer(v);
                }
                self.outside_loop("break", span);
                self.expr(ExprKind::Break, ty, span)
            }
            Some(None) => {
                if let Some(v) = value {
                    let v = self.infer(v);
                    self.report(TypeError::BreakValueOutsideLoop {
                        value_at: v.span,
                        at: span,
                    });
                }
                self.expr(ExprKind::Break, ty, span)
            }
            Some(Some((result, loop_ty))) => {
                let v = match value {
                    Some(v) => {
                        let v = self.infer_expected(v, &loop_ty);
                        self.expect(
                            &loop_ty,
                            &v.ty,
                            v.span,
                            "the loop's value (from its first `break`)",
                        );
                        v
                    }
                    None => {
                        let v = self.expr(ExprKind::Unit, Ty::Unit, span);
                        self.expect(
                            &loop_ty,
                            &Ty::Unit,
                            span,
                            "the loop's value (from its first `break`)",
                        );
                        v
                    }
                };
                let store = self.expr(
                    ExprKind::Assign(Place::Local(result), Box::new(v)),
                    Ty::Unit,
                    span,
                );
                let brk = self.expr(ExprKind::Break, ty.clone(), span);
                self.expr(
                    ExprKind::Block(vec![ir::Stmt::Expr(store)], Some(Box::new(brk))),
                    ty,
                    span,
                )
            }
        }
    }

    fn infer_match(
        &mut self,
        scrutinee: &ast::Expr,
        arms: &[ast::MatchArm],
        span: Span,
    ) -> ir::Expr {
        let scrutinee = self.infer(scrutinee);
        let result = self.fresh();
        let mut first_span: Option<(Span, Ty)> = None;
        let mut out = Vec::new();
        for arm in arms {
            self.scopes.push(Vec::new());
            let pattern = self.infer_pattern(&arm.pattern, &scrutinee.ty, false);
            let guard = arm.guard.as_ref().map(|g| {
                let g = self.infer(g);
                self.expect(&Ty::Bool, &g.ty, g.span, "a match guard");
                g
            });
            let body = self.infer_expected(&arm.body, &result);
            if self.ck.table.unify(&result, &body.ty).is_err() {
                self.report(TypeError::ArmsDiffer {
                    expected: result.clone(),
                    this: body.ty.clone(),
                    at: body.block_value_span(),
                    first: first_span.as_ref().map(|(s, _)| *s),
                });
            }
            if first_span.is_none() && !never_ends(&body) {
                first_span = Some((body.block_value_span(), body.ty.clone()));
            }
            self.scopes.pop();
            out.push(ir::Arm {
                pattern,
                guard,
                body,
            });
        }
        self.check_match(&scrutinee, &out);
        self.expr(ExprKind::Match(Box::new(scrutinee), out), result, span)
    }
}

/// Collects the unbound type variables of `ty`.
/// The span of the first part of `t` nested deeper than the nesting limit.
fn too_deep(t: &ast::TypeExpr) -> Option<Span> {
    let mut todo = vec![(t, 1usize)];
    while let Some((t, depth)) = todo.pop() {
        if depth > mvl_syntax::lexer::MAX_NESTING {
            return Some(t.span());
        }
        match t {
            ast::TypeExpr::Named { args: items, .. } | ast::TypeExpr::Tuple(items, _) => {
                todo.extend(items.iter().map(|a| (a, depth + 1)))
            }
            ast::TypeExpr::Array(elem, _) => todo.push((elem, depth + 1)),
            ast::TypeExpr::Fn { params, ret, .. } => {
                todo.extend(params.iter().map(|a| (a, depth + 1)));
                todo.extend(ret.iter().map(|r| (&**r, depth + 1)));
            }
        }
    }
    None
}

/// A walk with an explicit work list: no depth of type overflows the stack.
fn free_vars(table: &TypeTable, ty: &Ty, out: &mut HashSet<TyVar>) {
    let mut todo = vec![ty];
    while let Some(ty) = todo.pop() {
        match table.shallow_ref(ty) {
            Ty::Var(v) => {
                out.insert(*v);
            }
            Ty::Fn(ps, r) => {
                todo.extend(ps.iter());
                todo.push(r);
            }
            Ty::App(_, args) => todo.extend(args.iter()),
            _ => {}
        }
    }
}

impl ir::Expr {
    /// For a block, the span of the expression that gives its value (its tail),
    /// else its own span: where a type error about the block's value points.
    pub(super) fn block_value_span(&self) -> Span {
        match &self.kind {
            ExprKind::Block(_, Some(tail)) => tail.block_value_span(),
            _ => self.span,
        }
    }
}
