//! Member access: method calls and field accesses, and their deferred
//! resolution.
//!
//! A method is found by the head of its receiver's type (see
//! [`super::env::MethodKey`]). When that type is still unknown, the access is
//! *pending*: it is recorded with its already inferred parts, and resolved
//! once the rest of the function has decided the type. If nothing does, and
//! exactly one user type has a field or method of that name, the receiver is
//! taken to be of that type; otherwise the program needs an annotation
//! (E0208).

use super::env::{AdtKind, Global, MethodKey};
use super::infer::FnCx;
use super::ir::{self, Callee, ExprKind};
use super::types::{AdtId, Ty, TyCon};
use crate::diagnostic::{closest_name, Diagnostic};
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

impl FnCx<'_> {
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
            if !progress && !self.guess_one_receiver() {
                break;
            }
        }
        for p in std::mem::take(&mut self.pending).into_iter().flatten() {
            let owners: Vec<String> = match &p {
                Pending::Method { name, .. } => {
                    let mut v: Vec<String> = self
                        .ck
                        .env
                        .methods
                        .iter()
                        .filter(|((_, n), m)| *n == name.name && m.has_self)
                        .map(|((k, _), _)| match k {
                            MethodKey::Array => "arrays".to_string(),
                            k => format!("`{}`", k.native_prefix(&self.ck.env)),
                        })
                        .collect();
                    v.sort();
                    v
                }
                _ => Vec::new(),
            };
            let (receiver, span, what) = match &p {
                Pending::Method { receiver, name, .. } => {
                    (receiver, name.span, format!("method `{}`", name.name))
                }
                Pending::Field { receiver, name, .. } => {
                    (receiver, name.span, format!("field `{}`", name.name))
                }
                Pending::TupleField {
                    receiver,
                    index,
                    span,
                    ..
                } => (receiver, *span, format!("element `.{index}`")),
            };
            if self.quiet_about(&receiver.ty) || self.ck.broken_types {
                // The receiver is an error already reported, or may be of
                // a type whose declaration did not parse.
                continue;
            }
            self.error(
                Diagnostic::error(
                    "E0208",
                    format!("type annotations needed: cannot tell which type's {what} this is"),
                    self.file,
                    receiver.span,
                    "the type of this value is not known here",
                )
                .with_label(self.file, span, "used here")
                .with_help(if owners.len() > 1 {
                    format!(
                        "several types have it ({}): add a type annotation, such as `x: [String]` on the parameter or `let`",
                        owners.join(", ")
                    )
                } else {
                    "add a type annotation, such as `x: Point` on the parameter or `let`".to_string()
                }),
            );
        }
        out
    }

    /// When nothing else decides a pending receiver's type, a field or
    /// method name that exactly one user type has decides it (as OCaml
    /// infers a record type from a field label). Returns whether a receiver
    /// was decided this way.
    pub(super) fn guess_one_receiver(&mut self) -> bool {
        for slot in 0..self.pending.len() {
            let (receiver_ty, candidates) = match &self.pending[slot] {
                Some(Pending::Field { receiver, name, .. }) => {
                    let adts: Vec<AdtId> = (0..self.ck.env.adts.len())
                        .map(|i| AdtId(i as u32))
                        .filter(|a| self.visible_adt(*a))
                        .filter(|a| match &self.ck.env.adt_def(*a).kind {
                            AdtKind::Struct(fs) => fs.iter().any(|f| f.name == name.name),
                            AdtKind::Enum(_) => false,
                        })
                        .collect();
                    (receiver.ty.clone(), adts)
                }
                Some(Pending::Method { receiver, name, .. }) => {
                    let keys: Vec<MethodKey> = self
                        .ck
                        .env
                        .methods
                        .iter()
                        .filter(|((_, n), m)| *n == name.name && m.has_self)
                        .map(|((k, _), _)| *k)
                        .collect();
                    let adts: Vec<AdtId> = keys
                        .iter()
                        .filter_map(|k| match k {
                            MethodKey::Adt(a) if self.visible_adt(*a) => Some(*a),
                            _ => None,
                        })
                        .collect();
                    // A built-in type with that method makes the name ambiguous.
                    if adts.len() != keys.len() {
                        continue;
                    }
                    (receiver.ty.clone(), adts)
                }
                _ => continue,
            };
            if !matches!(self.ck.table.shallow(&receiver_ty), Ty::Var(_))
                || self.ck.table.is_error(&receiver_ty)
            {
                continue;
            }
            if let [adt] = candidates.as_slice() {
                let n = self.ck.env.adt_def(*adt).type_params.len();
                let args = (0..n).map(|_| self.fresh()).collect();
                if self
                    .ck
                    .table
                    .unify(&receiver_ty, &Ty::App(TyCon::Adt(*adt), args))
                    .is_ok()
                {
                    return true;
                }
            }
        }
        false
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
            let shown = self.show(&recv_ty);
            let mut d = Diagnostic::error(
                "E0111",
                format!("no method `{}` on `{shown}`", name.name),
                self.file,
                name.span,
                "unknown method",
            );
            if let Some(k) = key {
                if method.is_some() {
                    let prefix = k.native_prefix(&self.ck.env);
                    d = d.with_help(format!(
                        "`{prefix}::{}` is an associated function: call it as `{prefix}::{}(..)`",
                        name.name, name.name
                    ));
                } else if self.struct_field_index(&recv_ty, &name.name).is_some() {
                    d = d.with_help(format!(
                        "`{}` is a field: to call the function it holds, write `(x.{})(..)`",
                        name.name, name.name
                    ));
                } else {
                    let names = self.ck.env.method_names(k);
                    if let Some(near) = closest_name(&name.name, names) {
                        d = d.with_help(format!("did you mean `{near}`?"));
                    }
                }
            }
            self.error(d);
            return self.error_expr(span);
        };
        let fn_ty = self.ck.global_type(method.target);
        let Ty::Fn(params, ret) = self.ck.table.shallow(&fn_ty) else {
            return self.error_expr(span);
        };
        let what = format!("`{}`", name.name);
        if let Some(self_ty) = params.first() {
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
                    self.error(Diagnostic::error(
                        "E0202",
                        format!(
                            "{what} takes {} argument(s) but {} were given",
                            params.len() - 1,
                            args.len()
                        ),
                        self.file,
                        span,
                        "wrong number of arguments",
                    ));
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
        self.expr(ExprKind::Call(callee, all), *ret, span)
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
        let shown = self.show(ty);
        let mut d = Diagnostic::error(
            "E0110",
            format!("no field `{}` on `{shown}`", name.name),
            self.file,
            name.span,
            "unknown field",
        );
        if let Ty::App(TyCon::Adt(adt), _) = ty {
            if let AdtKind::Struct(fields) = &self.ck.env.adt_def(*adt).kind {
                let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                if let Some(near) = closest_name(&name.name, names.iter().copied()) {
                    d = d.with_help(format!("did you mean `{near}`?"));
                } else if !names.is_empty() {
                    d = d.with_note(format!("`{shown}` has the fields {}", names.join(", ")));
                }
            }
        }
        let _ = span;
        self.error(d);
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
                let shown = self.show(&other);
                self.error(Diagnostic::error(
                    "E0110",
                    format!("`{shown}` has no element `.{index}`"),
                    self.file,
                    span,
                    "no such element",
                ));
                self.error_expr(span)
            }
        }
    }
}
