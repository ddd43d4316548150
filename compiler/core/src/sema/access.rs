//! Member access: method calls and field accesses, and their deferred
//! resolution.
//!
//! A method is found by the head of its receiver's type (see
//! [`super::env::MethodKey`]). When that type is still unknown, the access is
//! *pending*: it is recorded with its already inferred parts, and resolved
//! once the rest of the function has decided the type. If nothing does, the
//! program needs an annotation (E0208, one per undecided value, with the
//! candidate types and the annotation to write as suggestions). No guess is
//! made from which types happen to have a member of that name.

use super::env::{AdtKind, Global, MethodKey};
use super::error::{MethodHint, TypeError};
use super::infer::FnCx;
use super::ir::{self, Callee, ExprKind};
use super::types::{AdtId, Ty, TyCon};
use crate::diagnostic::closest_name;
use mvl_syntax::ast::{self, Span};

/// A method call or field access whose receiver type is not known yet.
pub(super) enum Pending {
    Method {
        receiver: ir::Expr,
        name: ast::Ident,
        args: Vec<ir::Expr>,
        ty: Ty,
        span: Span,
    },
    Field {
        receiver: ir::Expr,
        name: ast::Ident,
        ty: Ty,
        span: Span,
    },
    TupleField {
        receiver: ir::Expr,
        index: u32,
        ty: Ty,
        span: Span,
    },
}

/// Arguments of a method call: still to infer (with expected types) or
/// already inferred (a pending call resolved late).
pub(super) enum ArgsOrAst<'a> {
    Ast(&'a [ast::Expr]),
    Ir(Vec<ir::Expr>),
}

impl FnCx<'_, '_> {
    /// Resolves pending accesses until no more can be; returns the
    /// replacement of each slot.
    pub(super) fn resolve_pending(&mut self) -> Vec<Option<ir::Expr>> {
        let mut out: Vec<Option<ir::Expr>> = vec![None; self.pending.len()];
        loop {
            let mut progress = false;
            #[allow(clippy::needless_range_loop)]
            for slot in 0..self.pending.len() {
                let ready = match &self.pending[slot] {
                    Some(
                        Pending::Method { receiver, .. }
                        | Pending::Field { receiver, .. }
                        | Pending::TupleField { receiver, .. },
                    ) => !matches!(self.ck.table.shallow(&receiver.ty), Ty::Var(_)),
                    None => false,
                };
                if !ready {
                    continue;
                }
                let Some(p) = self.pending[slot].take() else {
                    continue;
                };
                let e = match p {
                    Pending::Method {
                        receiver,
                        name,
                        args,
                        ty,
                        span,
                    } => {
                        let call =
                            self.method_call_known(receiver, &name, ArgsOrAst::Ir(args), span);
                        self.expect(&ty, &call.ty, span, "this call's result");
                        call
                    }
                    Pending::Field {
                        receiver,
                        name,
                        ty,
                        span,
                    } => {
                        let e = self.field_known(receiver, &name, span);
                        self.expect(&ty, &e.ty, span, "this field");
                        e
                    }
                    Pending::TupleField {
                        receiver,
                        index,
                        ty,
                        span,
                    } => {
                        let e = self.tuple_field_known(receiver, index, span);
                        self.expect(&ty, &e.ty, span, "this element");
                        e
                    }
                };
                out[slot] = Some(e);
                progress = true;
            }
            if !progress {
                break;
            }
        }
        self.report_unresolved();
        out
    }

    /// Reports the accesses whose receiver's type nothing decided: one
    /// E0208 per unknown value (its first use), none for a value that is
    /// itself the result of an unresolved access (`(v.x * v.x).sqrt()`),
    /// listing the types that have the member and, when the value is a
    /// parameter or `let` written without a type, the annotation to add.
    fn report_unresolved(&mut self) {
        let unresolved: Vec<Pending> = std::mem::take(&mut self.pending)
            .into_iter()
            .flatten()
            .collect();
        let root = |cx: &Self, ty: &Ty| match cx.ck.table.shallow(ty) {
            Ty::Var(v) => Some(v),
            _ => None,
        };
        let derived: std::collections::HashSet<_> = unresolved
            .iter()
            .filter_map(|p| match p {
                Pending::Method { ty, .. }
                | Pending::Field { ty, .. }
                | Pending::TupleField { ty, .. } => root(self, ty),
            })
            .collect();
        let mut reported = std::collections::HashSet::new();
        for p in &unresolved {
            let (receiver, span, what, member) = match p {
                Pending::Method { receiver, name, .. } => (
                    receiver,
                    name.span,
                    format!("method `{}`", name.name),
                    Some((true, name.name.as_str())),
                ),
                Pending::Field { receiver, name, .. } => (
                    receiver,
                    name.span,
                    format!("field `{}`", name.name),
                    Some((false, name.name.as_str())),
                ),
                Pending::TupleField {
                    receiver,
                    index,
                    span,
                    ..
                } => (receiver, *span, format!("element `.{index}`"), None),
            };
            if self.quiet_about(&receiver.ty) || self.ck.broken_types {
                // The receiver is an error already reported, or may be of
                // a type whose declaration did not parse.
                continue;
            }
            let Some(var) = root(self, &receiver.ty) else {
                continue;
            };
            if derived.contains(&var) || !reported.insert(var) {
                continue;
            }
            let candidates = match member {
                Some((is_method, name)) => self.types_with_member(is_method, name),
                None => Vec::new(),
            };
            let annotate = match receiver.kind {
                ExprKind::Local(id) => self
                    .annotatable
                    .get(&id)
                    .map(|what| (*what, self.locals[id.0 as usize].span)),
                _ => None,
            };
            self.report(TypeError::AmbiguousReceiver {
                what,
                at: receiver.span,
                used: span,
                candidates,
                annotate,
            });
        }
    }

    /// The types visible here that have a method (with `self`) or a field
    /// named `name`, sorted by name, each with the annotation that names it
    /// (none for a generic type, whose arguments only the user can tell).
    fn types_with_member(&self, is_method: bool, name: &str) -> Vec<(String, Option<String>)> {
        let mut out: Vec<(String, Option<String>)> = Vec::new();
        if is_method {
            for ((key, n), m) in self.ck.env.methods.iter() {
                if n != name || !m.has_self {
                    continue;
                }
                match key {
                    MethodKey::Adt(a) if !self.visible_adt(*a) => {}
                    MethodKey::Adt(a) => out.push(self.adt_annotation(*a)),
                    MethodKey::Array => out.push(("[T]".to_string(), None)),
                    k => {
                        let n = k.native_prefix(&self.ck.env);
                        let generic = super::builtin::of_key(*k)
                            .is_some_and(|b| b.params.is_some_and(|p| p > 0));
                        out.push((n.clone(), (!generic).then_some(n)));
                    }
                }
            }
        } else {
            for i in 0..self.ck.env.adts.len() {
                let a = AdtId(i as u32);
                let has = match &self.ck.env.adt_def(a).kind {
                    AdtKind::Struct(fs) => fs.iter().any(|f| f.name == name),
                    AdtKind::Enum(_) => false,
                };
                if has && self.visible_adt(a) {
                    out.push(self.adt_annotation(a));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// A user type's name as written in this module, and the annotation
    /// for it when it has no type parameters.
    fn adt_annotation(&self, a: AdtId) -> (String, Option<String>) {
        let def = self.ck.env.adt_def(a);
        let name = if def.module == self.module || def.module == super::env::PRELUDE {
            def.name.clone()
        } else {
            format!(
                "{}::{}",
                self.ck.env.modules[def.module.0 as usize].name, def.name
            )
        };
        let annotation = def.type_params.is_empty().then(|| name.clone());
        (name, annotation)
    }

    /// A user type this function's module can name: its own, the prelude's,
    /// or one of an imported module.
    pub(super) fn visible_adt(&self, adt: AdtId) -> bool {
        let m = self.ck.env.adt_def(adt).module;
        m == self.module
            || m == super::env::PRELUDE
            || self
                .ck
                .env
                .modules
                .get(self.module.0 as usize)
                .is_some_and(|info| info.imports.values().any(|i| *i == m))
    }

    pub(super) fn infer_method_call(
        &mut self,
        recv: &ast::Expr,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> ir::Expr {
        let receiver = self.infer(recv);
        if matches!(self.ck.table.shallow(&receiver.ty), Ty::Var(_)) {
            let args: Vec<ir::Expr> = args.iter().map(|a| self.infer(a)).collect();
            let ty = self.pending_type(&receiver.ty);
            let slot = self.defer(Pending::Method {
                receiver,
                name: name.clone(),
                args,
                ty: ty.clone(),
                span,
            });
            return self.expr(ExprKind::Pending(slot), ty, span);
        }
        self.method_call_known(receiver, name, ArgsOrAst::Ast(args), span)
    }

    /// A method call on a receiver whose type is known.
    pub(super) fn method_call_known(
        &mut self,
        receiver: ir::Expr,
        name: &ast::Ident,
        args: ArgsOrAst<'_>,
        span: Span,
    ) -> ir::Expr {
        let recv_ty = self.ck.table.shallow(&receiver.ty);
        let key = MethodKey::of(&recv_ty);
        let method = key.and_then(|k| self.ck.env.methods.get(&(k, name.name.clone())).copied());
        let Some(method) = method.filter(|m| m.has_self) else {
            if let ArgsOrAst::Ast(args) = &args {
                for a in *args {
                    self.infer(a);
                }
            }
            if self.quiet_about(&recv_ty) {
                return self.error_expr(span);
            }
            let hint = match key {
                Some(k) if method.is_some() => MethodHint::Associated {
                    prefix: k.native_prefix(&self.ck.env),
                },
                Some(_) if self.struct_field_index(&recv_ty, &name.name).is_some() => {
                    MethodHint::Field
                }
                Some(k) => closest_name(&name.name, self.ck.env.method_names(k))
                    .map_or(MethodHint::None, |near| MethodHint::Near(near.to_string())),
                None => MethodHint::None,
            };
            self.report(TypeError::UnknownMethod {
                name: name.name.clone(),
                ty: recv_ty.clone(),
                at: name.span,
                hint,
            });
            return self.error_expr(span);
        };
        let target = match method.target {
            Global::Fn(id) | Global::Const(id) => ir::NameTarget::Fn(id),
            Global::Native(id) => ir::NameTarget::Native(id),
        };
        self.note(name.span, target, None);
        let fn_ty = self.ck.global_type(method.target);
        let Ty::Fn(params, ret) = self.ck.table.shallow(&fn_ty) else {
            return self.error_expr(span);
        };
        let what = format!("`{}`", name.name);
        let recv_now = self.ck.table.resolve(&receiver.ty);
        let unsortable = match &recv_now {
            Ty::App(TyCon::Array, elem) if name.name == "sort" => !matches!(
                elem.first(),
                Some(Ty::Int | Ty::Float | Ty::Str | Ty::Var(_)) | None
            ),
            _ => false,
        };
        if unsortable {
            // Say what `sort` accepts instead of a unification failure.
            self.report(TypeError::Unsortable {
                ty: recv_now.clone(),
                at: name.span,
            });
        } else if let Some(self_ty) = params.first() {
            self.expect(
                self_ty,
                &receiver.ty,
                receiver.span,
                "the method's receiver",
            );
        }
        let args = match args {
            ArgsOrAst::Ast(args) => self.check_args(&params, args, span, &what, 1),
            ArgsOrAst::Ir(args) => {
                if params.len() != args.len() + 1 {
                    self.report(TypeError::MethodArgCount {
                        what: what.clone(),
                        expected: params.len() - 1,
                        given: args.len(),
                        at: span,
                    });
                    None
                } else {
                    for (p, a) in params[1..].iter().zip(&args) {
                        self.expect(p, &a.ty, a.span, &format!("the parameter of {what}"));
                    }
                    Some(args)
                }
            }
        };
        let Some(args) = args else {
            return self.error_expr(span);
        };
        let mut all = vec![receiver];
        all.extend(args);
        let callee = match method.target {
            Global::Fn(id) | Global::Const(id) => Callee::Fn(id),
            Global::Native(id) => Callee::Native(id),
        };
        self.expr(ExprKind::Call(callee, all), (*ret).clone(), span)
    }

    pub(super) fn struct_field_index(&self, ty: &Ty, name: &str) -> Option<usize> {
        let Ty::App(TyCon::Adt(adt), _) = ty else {
            return None;
        };
        match &self.ck.env.adt_def(*adt).kind {
            AdtKind::Struct(fields) => fields.iter().position(|f| f.name == name),
            AdtKind::Enum(_) => None,
        }
    }

    pub(super) fn field_error(&mut self, ty: &Ty, name: &ast::Ident, span: Span) {
        if self.quiet_about(ty) {
            return;
        }
        let fields = match ty {
            Ty::App(TyCon::Adt(adt), _) => match &self.ck.env.adt_def(*adt).kind {
                AdtKind::Struct(fields) => Some(fields.iter().map(|f| f.name.clone()).collect()),
                AdtKind::Enum(_) => None,
            },
            _ => None,
        };
        let _ = span;
        self.report(TypeError::UnknownField {
            name: name.name.clone(),
            ty: ty.clone(),
            at: name.span,
            fields,
        });
    }

    pub(super) fn field_known(
        &mut self,
        receiver: ir::Expr,
        name: &ast::Ident,
        span: Span,
    ) -> ir::Expr {
        let ty = self.ck.table.shallow(&receiver.ty);
        if let Ty::App(TyCon::Adt(adt), args) = &ty {
            if let Some(index) = self.struct_field_index(&ty, &name.name) {
                let tys = self.ck.instantiate_fields(*adt, args, None);
                let fty = tys.get(index).cloned().unwrap_or(Ty::Unit);
                self.note(
                    name.span,
                    ir::NameTarget::Field(*adt, index as u32),
                    Some(fty.clone()),
                );
                return self.expr(ExprKind::Field(Box::new(receiver), index as u32), fty, span);
            }
        }
        self.field_error(&ty, name, span);
        self.error_expr(span)
    }

    pub(super) fn tuple_field_known(
        &mut self,
        receiver: ir::Expr,
        index: u32,
        span: Span,
    ) -> ir::Expr {
        match self.ck.table.shallow(&receiver.ty) {
            Ty::App(TyCon::Tuple, items) if (index as usize) < items.len() => {
                let ty = items[index as usize].clone();
                self.expr(ExprKind::Field(Box::new(receiver), index), ty, span)
            }
            other if self.quiet_about(&other) => self.error_expr(span),
            other => {
                self.report(TypeError::NoSuchElement {
                    ty: other,
                    index,
                    at: span,
                });
                self.error_expr(span)
            }
        }
    }
}
