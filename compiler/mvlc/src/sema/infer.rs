//! Type inference of function bodies: walks the AST of one function, resolves
//! names, unifies types and builds the typed IR.
//!
//! Each expression is inferred bottom-up ([`FnCx::infer`]) and its type
//! unified with what its context expects; every mismatch becomes a
//! diagnostic and the walk goes on (the failing expression gets a fresh type
//! variable), so one file reports all of its independent errors.

use super::ir::{self, Callee, ExprKind, FnBody, FnId, Local, LocalId};
use super::types::{Class, Scheme, Ty, TypeTable, UnifyError};
use super::{FnDecl, FnInfo, Global, NativeInfo};
use crate::db::SourceFile;
use crate::diagnostic::{closest_name, Diagnostic};
use mvl_syntax::ast::{self, BinOp, Span, UnaryOp};
use std::collections::HashMap;

/// State shared by the inference of every function of one program.
#[derive(Default)]
pub struct Checker {
    pub table: TypeTable,
    pub diags: Vec<Diagnostic>,
    pub globals: HashMap<String, Global>,
    pub functions: Vec<FnInfo>,
    pub natives: Vec<NativeInfo>,
    /// Monomorphic types of the members of the component being inferred.
    in_progress: HashMap<FnId, Ty>,
}

/// Collects the single-segment names a body mentions (for the call graph).
pub fn referenced_names(block: &ast::Block, out: &mut Vec<String>) {
    visit_block(block, &mut |e| {
        if let ast::ExprKind::Path(path) = &e.kind {
            if let [only] = path.as_slice() {
                out.push(only.name.clone());
            }
        }
    });
}

fn visit_block<'a>(block: &'a ast::Block, f: &mut impl FnMut(&'a ast::Expr)) {
    for stmt in &block.stmts {
        match stmt {
            ast::Stmt::Let { value, .. } => visit_expr(value, f),
            ast::Stmt::Expr(e) => visit_expr(e, f),
            ast::Stmt::Item(_) => {}
        }
    }
    if let Some(tail) = &block.tail {
        visit_expr(tail, f);
    }
}

/// Calls `f` on `expr` and every expression inside it.
fn visit_expr<'a>(expr: &'a ast::Expr, f: &mut impl FnMut(&'a ast::Expr)) {
    use ast::ExprKind as E;
    f(expr);
    match &expr.kind {
        E::Lit(_) | E::Path(_) | E::Break | E::Continue => {}
        E::Interp(parts) => {
            for part in parts {
                if let ast::InterpPart::Expr(e) = part {
                    visit_expr(e, f);
                }
            }
        }
        E::Unary(_, e) | E::Field(e, _) | E::TupleField(e, _, _) | E::Closure(_, e) => {
            visit_expr(e, f)
        }
        E::Return(e) => {
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
        E::While(c, body) | E::For(_, c, body) => {
            visit_expr(c, f);
            visit_block(body, f);
        }
        E::Block(b) => visit_block(b, f),
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
        E::StructLit(_, fields) => fields.iter().for_each(|fi| visit_expr(&fi.value, f)),
    }
}

impl Checker {
    /// The scheme of a `native fn` from its annotations (all required).
    pub fn native_scheme(&mut self, file: SourceFile, f: &ast::FnDecl) -> Scheme {
        let mut params = HashMap::new();
        for p in &f.type_params {
            params.insert(p.name.clone(), self.table.fresh());
        }
        let mut param_tys = Vec::new();
        for p in &f.params {
            let ty = match &p.ty {
                Some(t) => self.lower_type(file, t, &params),
                None => self.table.fresh(),
            };
            param_tys.push(ty);
        }
        let ret = match &f.ret {
            Some(t) => self.lower_type(file, t, &params),
            None => Ty::Unit,
        };
        self.table.generalise(&Ty::func(param_tys, ret))
    }

    /// Turns a written type into a [`Ty`]; `params` are the type parameters
    /// in scope.
    fn lower_type(&mut self, file: SourceFile, t: &ast::TypeExpr, params: &HashMap<String, Ty>) -> Ty {
        match t {
            ast::TypeExpr::Named { path, args, span } => {
                let name = path
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join("::");
                let ty = match name.as_str() {
                    "Int" => Some(Ty::Int),
                    "Float" => Some(Ty::Float),
                    "Bool" => Some(Ty::Bool),
                    "String" => Some(Ty::Str),
                    _ => params.get(&name).cloned(),
                };
                match ty {
                    Some(ty) if args.is_empty() => ty,
                    Some(_) => {
                        self.diags.push(Diagnostic::error(
                            "E0207",
                            format!("`{name}` takes no type arguments"),
                            file,
                            *span,
                            "remove the type arguments",
                        ));
                        self.table.fresh()
                    }
                    None => {
                        let known = ["Int", "Float", "Bool", "String"]
                            .into_iter()
                            .chain(params.keys().map(|k| k.as_str()));
                        let mut diag = Diagnostic::error(
                            "E0104",
                            format!("unknown type `{name}`"),
                            file,
                            *span,
                            "not a type in scope",
                        );
                        if let Some(near) = closest_name(&name, known) {
                            diag = diag.with_help(format!("did you mean `{near}`?"));
                        }
                        self.diags.push(diag);
                        self.table.fresh()
                    }
                }
            }
            ast::TypeExpr::Tuple(items, span) => {
                if items.is_empty() {
                    Ty::Unit
                } else {
                    self.diags.push(Diagnostic::error(
                        "E0105",
                        "tuple types are not supported yet",
                        file,
                        *span,
                        "not supported yet",
                    ));
                    self.table.fresh()
                }
            }
            ast::TypeExpr::Array(_, span) => {
                self.diags.push(Diagnostic::error(
                    "E0105",
                    "array types are not supported yet",
                    file,
                    *span,
                    "not supported yet",
                ));
                self.table.fresh()
            }
            ast::TypeExpr::Fn { params: ps, ret, .. } => {
                let ps = ps.iter().map(|p| self.lower_type(file, p, params)).collect();
                let ret = match ret {
                    Some(r) => self.lower_type(file, r, params),
                    None => Ty::Unit,
                };
                Ty::func(ps, ret)
            }
        }
    }

    /// Infers one strongly connected component of the call graph, then
    /// generalises each member's type.
    pub fn infer_component(&mut self, members: &[usize], decls: &[FnDecl<'_>]) {
        struct Sig {
            params: Vec<Ty>,
            ret: Ty,
            type_params: Vec<(String, Ty, Span)>,
        }
        let mut sigs = Vec::new();
        for &m in members {
            let decl = &decls[m];
            let f = decl.ast;
            let mut tparams = HashMap::new();
            let mut type_params = Vec::new();
            for p in &f.type_params {
                let v = self.table.fresh();
                tparams.insert(p.name.clone(), v.clone());
                type_params.push((p.name.clone(), v, p.span));
            }
            let params: Vec<Ty> = f
                .params
                .iter()
                .map(|p| match &p.ty {
                    Some(t) => self.lower_type(decl.file, t, &tparams),
                    None => self.table.fresh(),
                })
                .collect();
            let ret = match &f.ret {
                Some(t) => self.lower_type(decl.file, t, &tparams),
                None => self.table.fresh(),
            };
            self.in_progress
                .insert(FnId(m as u32), Ty::func(params.clone(), ret.clone()));
            sigs.push(Sig {
                params,
                ret,
                type_params,
            });
        }

        let mut bodies = Vec::new();
        for (&m, sig) in members.iter().zip(&sigs) {
            let decl = &decls[m];
            let mut cx = FnCx {
                ck: self,
                file: decl.file,
                locals: Vec::new(),
                scopes: vec![Vec::new()],
                ret: sig.ret.clone(),
                loops: 0,
            };
            let mut params = Vec::new();
            for (p, ty) in decl.ast.params.iter().zip(&sig.params) {
                params.push(cx.declare(&p.name, ty.clone(), false));
            }
            let Some(block) = &decl.ast.body else {
                bodies.push(None);
                continue;
            };
            let body = cx.infer_block(block);
            let ret_span = block.tail.as_ref().map(|t| t.span).unwrap_or(block.span);
            cx.expect(&sig.ret, &body.ty, ret_span, "the function's return type");
            let locals = std::mem::take(&mut cx.locals);
            bodies.push(Some(FnBody {
                params,
                locals,
                body,
            }));
        }

        for ((&m, sig), body) in members.iter().zip(&sigs).zip(bodies) {
            let ty = Ty::func(sig.params.clone(), sig.ret.clone());
            self.check_type_params(decls[m].file, &sig.type_params);
            let scheme = self.table.generalise(&ty);
            self.in_progress.remove(&FnId(m as u32));
            let info = &mut self.functions[m];
            info.scheme = scheme;
            info.body = body;
        }
    }

    /// A declared type parameter must stay generic: distinct from the others
    /// and not decided by the body.
    fn check_type_params(&mut self, file: SourceFile, params: &[(String, Ty, Span)]) {
        let mut seen: Vec<Ty> = Vec::new();
        for (name, ty, span) in params {
            let resolved = self.table.resolve(ty);
            if !matches!(resolved, Ty::Var(_)) || seen.contains(&resolved) {
                let shown = self.table.display(&resolved);
                self.diags.push(Diagnostic::error(
                    "E0201",
                    format!("type parameter `{name}` is not generic: the function only works when `{name}` is `{shown}`"),
                    file,
                    *span,
                    format!("declared generic here, but the body requires `{shown}`"),
                ));
            }
            seen.push(resolved);
        }
    }
}

/// Inference state of one function body.
struct FnCx<'c> {
    ck: &'c mut Checker,
    file: SourceFile,
    locals: Vec<Local>,
    scopes: Vec<Vec<(String, LocalId)>>,
    ret: Ty,
    loops: u32,
}

impl FnCx<'_> {
    fn declare(&mut self, name: &ast::Ident, ty: Ty, mutable: bool) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(Local {
            name: name.name.clone(),
            ty,
            mutable,
            span: name.span,
        });
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name.name.clone(), id));
        }
        id
    }

    fn lookup_local(&self, name: &str) -> Option<LocalId> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
    }

    fn error(&mut self, diag: Diagnostic) {
        self.ck.diags.push(diag);
    }

    fn show(&self, ty: &Ty) -> String {
        self.ck.table.display(ty)
    }

    fn fresh(&mut self) -> Ty {
        self.ck.table.fresh()
    }

    fn expr(&self, kind: ExprKind, ty: Ty, span: Span) -> ir::Expr {
        ir::Expr { kind, ty, span }
    }

    fn error_expr(&mut self, span: Span) -> ir::Expr {
        let ty = self.fresh();
        self.expr(ExprKind::Error, ty, span)
    }

    /// Unifies `expected` with `found` (the type of the expression at `span`);
    /// on failure reports "expected X, found Y" with `what` naming where the
    /// expectation came from.
    fn expect(&mut self, expected: &Ty, found: &Ty, span: Span, what: &str) {
        if let Err(err) = self.ck.table.unify(expected, found) {
            let (exp, fnd) = (self.show(expected), self.show(found));
            let diag = match err {
                UnifyError::Occurs(..) => Diagnostic::error(
                    "E0206",
                    format!("infinite type: `{exp}` would have to contain itself"),
                    self.file,
                    span,
                    format!("this is `{fnd}`"),
                ),
                _ => Diagnostic::error(
                    "E0201",
                    format!("mismatched types: expected `{exp}`, found `{fnd}`"),
                    self.file,
                    span,
                    format!("this is `{fnd}`, but {what} is `{exp}`"),
                ),
            };
            self.error(diag);
        }
    }

    fn infer_block(&mut self, block: &ast::Block) -> ir::Expr {
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
                    let value = self.infer(value);
                    if let Some(t) = ty {
                        let declared = self.ck.lower_type(self.file, t, &HashMap::new());
                        self.expect(&declared, &value.ty, value.span, "the declared type");
                    }
                    match &pattern.kind {
                        ast::PatternKind::Binding(name) => {
                            let id = self.declare(name, value.ty.clone(), *mutable);
                            stmts.push(ir::Stmt::Let(id, value));
                        }
                        ast::PatternKind::Wildcard => stmts.push(ir::Stmt::Expr(value)),
                        _ => {
                            self.error(Diagnostic::error(
                                "E0105",
                                "patterns in `let` are not supported yet",
                                self.file,
                                pattern.span,
                                "use a plain name here",
                            ));
                        }
                    }
                    diverges = false;
                }
                ast::Stmt::Expr(e) => {
                    let e = self.infer(e);
                    diverges = matches!(
                        e.kind,
                        ExprKind::Return(_) | ExprKind::Break | ExprKind::Continue
                    );
                    stmts.push(ir::Stmt::Expr(e));
                }
                ast::Stmt::Item(item) => {
                    self.error(Diagnostic::error(
                        "E0105",
                        "items inside a block are not supported yet",
                        self.file,
                        item.span(),
                        "move this item to the top level",
                    ));
                }
            }
        }
        let tail = block.tail.as_ref().map(|t| Box::new(self.infer(t)));
        self.scopes.pop();
        let ty = match &tail {
            Some(t) => t.ty.clone(),
            None if diverges => self.fresh(),
            None => Ty::Unit,
        };
        self.expr(ExprKind::Block(stmts, tail), ty, block.span)
    }

    fn infer(&mut self, e: &ast::Expr) -> ir::Expr {
        use ast::ExprKind as E;
        let span = e.span;
        match &e.kind {
            E::Lit(lit) => match lit {
                ast::Literal::Int(n) => self.expr(ExprKind::Int(*n), Ty::Int, span),
                ast::Literal::Float(x) => self.expr(ExprKind::Float(*x), Ty::Float, span),
                ast::Literal::Bool(b) => self.expr(ExprKind::Bool(*b), Ty::Bool, span),
                ast::Literal::Str(s) => self.expr(ExprKind::Str(s.clone()), Ty::Str, span),
                ast::Literal::Unit => self.expr(ExprKind::Unit, Ty::Unit, span),
            },
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
            E::Path(path) => self.infer_path(path, span),
            E::Unary(op, inner) => {
                let inner = self.infer(inner);
                let ty = inner.ty.clone();
                match op {
                    UnaryOp::Neg => self.constrain(&ty, Class::NUM, inner.span, "-"),
                    UnaryOp::Not => self.expect(&Ty::Bool, &ty, inner.span, "the operand of `!`"),
                }
                self.expr(ExprKind::Unary(*op, Box::new(inner)), ty, span)
            }
            E::Binary(op, lhs, rhs) => self.infer_binary(*op, lhs, rhs, span),
            E::Assign(target, value) => {
                let value = self.infer(value);
                match self.assign_target(target) {
                    Some((id, ty)) => {
                        self.expect(&ty, &value.ty, value.span, "the variable's type");
                        self.expr(ExprKind::Assign(id, Box::new(value)), Ty::Unit, span)
                    }
                    None => self.error_expr(span),
                }
            }
            E::CompoundAssign(op, target, value) => {
                let combined = self.infer_binary(*op, target, value, span);
                match self.assign_target(target) {
                    Some((id, _)) => {
                        self.expr(ExprKind::Assign(id, Box::new(combined)), Ty::Unit, span)
                    }
                    None => self.error_expr(span),
                }
            }
            E::Call(callee, args) => self.infer_call(callee, args, span),
            E::If(cond, then, els) => {
                let cond = self.infer(cond);
                self.expect(&Ty::Bool, &cond.ty, cond.span, "an `if` condition");
                let then = self.infer_block(then);
                match els {
                    Some(els) => {
                        let els = self.infer(els);
                        if let Err(_) = self.ck.table.unify(&then.ty, &els.ty) {
                            let (t, f) = (self.show(&then.ty), self.show(&els.ty));
                            self.error(
                                Diagnostic::error(
                                    "E0201",
                                    format!("`if` and `else` have different types: `{t}` and `{f}`"),
                                    self.file,
                                    els.span,
                                    format!("this is `{f}`"),
                                )
                                .with_label(self.file, then.span, format!("this is `{t}`")),
                            );
                        }
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
                        self.expr(ExprKind::If(Box::new(cond), Box::new(then), None), Ty::Unit, span)
                    }
                }
            }
            E::While(cond, body) => {
                let cond = self.infer(cond);
                self.expect(&Ty::Bool, &cond.ty, cond.span, "a `while` condition");
                self.loops += 1;
                let body = self.infer_block(body);
                self.loops -= 1;
                self.expr(ExprKind::While(Box::new(cond), Box::new(body)), Ty::Unit, span)
            }
            E::For(pattern, iter, body) => self.infer_for(pattern, iter, body, span),
            E::Range { .. } => {
                self.error(Diagnostic::error(
                    "E0105",
                    "ranges are only supported as the iterable of a `for` loop so far",
                    self.file,
                    span,
                    "not supported here yet",
                ));
                self.error_expr(span)
            }
            E::Break | E::Continue => {
                if self.loops == 0 {
                    let word = if matches!(e.kind, E::Break) { "break" } else { "continue" };
                    self.error(Diagnostic::error(
                        "E0106",
                        format!("`{word}` outside of a loop"),
                        self.file,
                        span,
                        "not inside `while` or `for`",
                    ));
                }
                let ty = self.fresh();
                let kind = if matches!(e.kind, E::Break) { ExprKind::Break } else { ExprKind::Continue };
                self.expr(kind, ty, span)
            }
            E::Return(value) => {
                let value = match value {
                    Some(v) => self.infer(v),
                    None => self.expr(ExprKind::Unit, Ty::Unit, span),
                };
                let ret = self.ret.clone();
                self.expect(&ret, &value.ty, value.span, "the function's return type");
                let ty = self.fresh();
                self.expr(ExprKind::Return(Box::new(value)), ty, span)
            }
            E::Block(b) => self.infer_block(b),
            E::MethodCall(..)
            | E::Field(..)
            | E::TupleField(..)
            | E::Index(..)
            | E::Match(..)
            | E::Closure(..)
            | E::Tuple(..)
            | E::Array(..)
            | E::StructLit(..) => {
                self.error(Diagnostic::error(
                    "E0105",
                    "this kind of expression is not supported yet",
                    self.file,
                    span,
                    "not supported yet",
                ));
                self.error_expr(span)
            }
        }
    }

    /// Reports an unknown name with a "did you mean" hint.
    fn unknown_name(&mut self, name: &str, span: Span) {
        let mut candidates: Vec<&str> = self
            .scopes
            .iter()
            .flat_map(|s| s.iter().map(|(n, _)| n.as_str()))
            .collect();
        candidates.extend(self.ck.globals.keys().map(|k| k.as_str()));
        let near = closest_name(name, candidates).map(str::to_string);
        let mut diag = Diagnostic::error(
            "E0101",
            format!("cannot find `{name}` in this scope"),
            self.file,
            span,
            "not found",
        );
        if let Some(near) = near {
            diag = diag.with_help(format!("did you mean `{near}`?"));
        }
        self.error(diag);
    }

    fn global_type(&mut self, global: Global) -> Ty {
        match global {
            Global::Fn(id) => match self.ck.in_progress.get(&id) {
                Some(mono) => mono.clone(),
                None => {
                    let scheme = self.ck.functions[id.0 as usize].scheme.clone();
                    self.ck.table.instantiate(&scheme)
                }
            },
            Global::Native(id) => {
                let scheme = self.ck.natives[id.0 as usize].scheme.clone();
                self.ck.table.instantiate(&scheme)
            }
        }
    }

    fn infer_path(&mut self, path: &[ast::Ident], span: Span) -> ir::Expr {
        let [name] = path else {
            self.error(Diagnostic::error(
                "E0101",
                format!(
                    "cannot find `{}`: paths with `::` are not supported yet",
                    path.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join("::")
                ),
                self.file,
                span,
                "not found",
            ));
            return self.error_expr(span);
        };
        if let Some(id) = self.lookup_local(&name.name) {
            let ty = self.locals[id.0 as usize].ty.clone();
            return self.expr(ExprKind::Local(id), ty, span);
        }
        match self.ck.globals.get(&name.name).copied() {
            Some(Global::Fn(id)) => {
                let ty = self.global_type(Global::Fn(id));
                self.expr(ExprKind::FnRef(id), ty, span)
            }
            Some(Global::Native(_)) => {
                self.error(Diagnostic::error(
                    "E0105",
                    format!("the built-in function `{}` can only be called, not used as a value (yet)", name.name),
                    self.file,
                    span,
                    "wrap it in a function to pass it around",
                ));
                self.error_expr(span)
            }
            None => {
                self.unknown_name(&name.name, span);
                self.error_expr(span)
            }
        }
    }

    /// The local a target expression assigns to, checking it is a `var`.
    fn assign_target(&mut self, target: &ast::Expr) -> Option<(LocalId, Ty)> {
        let ast::ExprKind::Path(path) = &target.kind else {
            self.error(Diagnostic::error(
                "E0107",
                "this cannot be assigned to",
                self.file,
                target.span,
                "only variables can be assigned to so far",
            ));
            return None;
        };
        let [name] = path.as_slice() else {
            self.error(Diagnostic::error(
                "E0107",
                "this cannot be assigned to",
                self.file,
                target.span,
                "not a variable",
            ));
            return None;
        };
        let Some(id) = self.lookup_local(&name.name) else {
            if self.ck.globals.contains_key(&name.name) {
                self.error(Diagnostic::error(
                    "E0107",
                    format!("cannot assign to the function `{}`", name.name),
                    self.file,
                    target.span,
                    "functions cannot be assigned to",
                ));
            } else {
                self.unknown_name(&name.name, target.span);
            }
            return None;
        };
        let local = &self.locals[id.0 as usize];
        if !local.mutable {
            let decl_span = local.span;
            self.error(
                Diagnostic::error(
                    "E0203",
                    format!("cannot assign twice to immutable variable `{}`", name.name),
                    self.file,
                    target.span,
                    "cannot assign to a `let` binding",
                )
                .with_label(self.file, decl_span, "declared with `let` here")
                .with_help(format!("declare it with `var {}` to make it mutable", name.name)),
            );
            return None;
        }
        Some((id, local.ty.clone()))
    }

    fn constrain(&mut self, ty: &Ty, class: Class, span: Span, op: &str) {
        if self.ck.table.constrain(ty, class).is_err() {
            let shown = self.show(ty);
            self.error(
                Diagnostic::error(
                    "E0204",
                    format!("`{op}` cannot be applied to `{shown}`"),
                    self.file,
                    span,
                    format!("this is `{shown}`"),
                )
                .with_note(format!("`{op}` works on {}", class.describe())),
            );
        }
    }

    fn infer_binary(&mut self, op: BinOp, lhs: &ast::Expr, rhs: &ast::Expr, span: Span) -> ir::Expr {
        let lhs = self.infer(lhs);
        let rhs = self.infer(rhs);
        let sym = op.symbol();
        let (operand, result) = match op {
            BinOp::And | BinOp::Or => {
                self.expect(&Ty::Bool, &lhs.ty, lhs.span, &format!("an operand of `{sym}`"));
                self.expect(&Ty::Bool, &rhs.ty, rhs.span, &format!("an operand of `{sym}`"));
                let kind = if op == BinOp::And {
                    ExprKind::And(Box::new(lhs), Box::new(rhs))
                } else {
                    ExprKind::Or(Box::new(lhs), Box::new(rhs))
                };
                return self.expr(kind, Ty::Bool, span);
            }
            BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Shl | BinOp::Shr => {
                self.expect(&Ty::Int, &lhs.ty, lhs.span, &format!("an operand of `{sym}`"));
                self.expect(&Ty::Int, &rhs.ty, rhs.span, &format!("an operand of `{sym}`"));
                (None, Ty::Int)
            }
            BinOp::Add => (Some(Class::ADD), lhs.ty.clone()),
            BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => (Some(Class::NUM), lhs.ty.clone()),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => (Some(Class::ORD), Ty::Bool),
            BinOp::Eq | BinOp::Ne => (Some(Class::EQ), Ty::Bool),
        };
        if let Some(class) = operand {
            if self.ck.table.unify(&lhs.ty, &rhs.ty).is_err() {
                let (l, r) = (self.show(&lhs.ty), self.show(&rhs.ty));
                let mut diag = Diagnostic::error(
                    "E0201",
                    format!("mismatched types: `{sym}` needs two operands of the same type, found `{l}` and `{r}`"),
                    self.file,
                    rhs.span,
                    format!("this is `{r}`"),
                )
                .with_label(self.file, lhs.span, format!("this is `{l}`"));
                let numeric = |t: &str| t == "Int" || t == "Float";
                if numeric(&l) && numeric(&r) {
                    diag = diag.with_help(
                        "Int and Float never mix implicitly: convert one side with `.to_float()` or `.to_int()`",
                    );
                }
                self.error(diag);
            } else {
                let ty = lhs.ty.clone();
                self.constrain(&ty, class, span, sym);
            }
        }
        self.expr(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), result, span)
    }

    fn infer_call(&mut self, callee: &ast::Expr, args: &[ast::Expr], span: Span) -> ir::Expr {
        // A call of a global by name is a direct call; anything else calls a value.
        let global = match &callee.kind {
            ast::ExprKind::Path(path) => match path.as_slice() {
                [name] if self.lookup_local(&name.name).is_none() => {
                    self.ck.globals.get(&name.name).copied().map(|g| (g, name.name.clone()))
                }
                _ => None,
            },
            _ => None,
        };
        let (target, fn_ty, name) = match global {
            Some((g, name)) => {
                let ty = self.global_type(g);
                let target = match g {
                    Global::Fn(id) => Callee::Fn(id),
                    Global::Native(id) => Callee::Native(id),
                };
                (target, ty, Some(name))
            }
            None => {
                let value = self.infer(callee);
                let ty = value.ty.clone();
                let name = match &callee.kind {
                    ast::ExprKind::Path(p) if p.len() == 1 => Some(p[0].name.clone()),
                    _ => None,
                };
                (Callee::Value(Box::new(value)), ty, name)
            }
        };
        let args: Vec<ir::Expr> = args.iter().map(|a| self.infer(a)).collect();
        let what = name.as_deref().map_or("this function".to_string(), |n| format!("`{n}`"));

        let fn_ty = self.ck.table.shallow(&fn_ty);
        let (params, ret) = match fn_ty {
            Ty::Fn(params, ret) => (params, *ret),
            Ty::Var(_) => {
                let params: Vec<Ty> = args.iter().map(|_| self.fresh()).collect();
                let ret = self.fresh();
                let shape = Ty::func(params.clone(), ret.clone());
                self.expect(&fn_ty, &shape, callee.span, "the called value");
                (params, ret)
            }
            other => {
                if !matches!(target, Callee::Value(ref v) if matches!(v.kind, ExprKind::Error)) {
                    let shown = self.show(&other);
                    self.error(Diagnostic::error(
                        "E0205",
                        format!("{what} is not a function: its type is `{shown}`"),
                        self.file,
                        callee.span,
                        format!("this is `{shown}`, which cannot be called"),
                    ));
                }
                return self.error_expr(span);
            }
        };
        if params.len() != args.len() {
            let shown = self.show(&Ty::func(params.clone(), ret.clone()));
            let plural = if params.len() == 1 { "" } else { "s" };
            self.error(Diagnostic::error(
                "E0202",
                format!(
                    "{what} takes {} argument{plural} but {} {} given",
                    params.len(),
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
                self.file,
                span,
                format!("{what} has type `{shown}`"),
            ));
            return self.error_expr(span);
        }
        for (param, arg) in params.iter().zip(&args) {
            self.expect(param, &arg.ty, arg.span, &format!("the parameter of {what}"));
        }
        self.expr(ExprKind::Call(target, args), ret, span)
    }

    fn infer_for(&mut self, pattern: &ast::Pattern, iter: &ast::Expr, body: &ast::Block, span: Span) -> ir::Expr {
        let ast::ExprKind::Range { start, end, inclusive } = &iter.kind else {
            self.error(Diagnostic::error(
                "E0105",
                "`for` only iterates over ranges (`a..b`, `a..=b`) so far",
                self.file,
                iter.span,
                "not a range",
            ));
            return self.error_expr(span);
        };
        let start = self.infer(start);
        let end = self.infer(end);
        self.expect(&Ty::Int, &start.ty, start.span, "a range bound");
        self.expect(&Ty::Int, &end.ty, end.span, "a range bound");
        self.scopes.push(Vec::new());
        let var = match &pattern.kind {
            ast::PatternKind::Binding(name) => self.declare(name, Ty::Int, false),
            ast::PatternKind::Wildcard => {
                let hidden = ast::Ident {
                    name: "_".to_string(),
                    span: pattern.span,
                };
                self.declare(&hidden, Ty::Int, false)
            }
            _ => {
                self.error(Diagnostic::error(
                    "E0105",
                    "this pattern is not supported in `for` yet",
                    self.file,
                    pattern.span,
                    "use a plain name",
                ));
                self.scopes.pop();
                return self.error_expr(span);
            }
        };
        self.loops += 1;
        let body = self.infer_block(body);
        self.loops -= 1;
        self.scopes.pop();
        self.expr(
            ExprKind::ForRange {
                var,
                start: Box::new(start),
                end: Box::new(end),
                inclusive: *inclusive,
                body: Box::new(body),
            },
            Ty::Unit,
            span,
        )
    }
}

impl ir::Expr {
    /// For a block, the span of the expression that gives its value (its tail),
    /// else its own span: where a type error about the block's value points.
    fn block_value_span(&self) -> Span {
        match &self.kind {
            ExprKind::Block(_, Some(tail)) => tail.span,
            _ => self.span,
        }
    }
}
