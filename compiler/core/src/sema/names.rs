//! Name resolution in expressions: locals, functions, constants and natives
//! of this module, the prelude and imported modules (`geometry::area`),
//! variants (`Shape::Circle`, and the prelude's bare `Some`/`None`), and
//! associated functions (`Point::new`, `Map::new`), with "did you mean"
//! suggestions for names that resolve to nothing.

use super::env::{path_name, AdtKind, Global, MethodKey};
use super::error::{NameHint, TypeError};
use super::infer::FnCx;
use super::ir::{self, Callee, ExprKind, LocalId};
use super::types::{AdtId, Ty, TyCon};
use crate::diagnostic::closest_name;
use mvl_syntax::ast::{self, Span};

/// What a non-local path names.
pub(super) enum Resolved {
    Global(Global),
    Variant(AdtId, u32),
}

impl FnCx<'_, '_> {
    /// Reports an unknown name with a "did you mean" hint.
    pub(super) fn unknown_name(&mut self, name: &str, span: Span) {
        let mut candidates: Vec<String> = self
            .scopes
            .iter()
            .flat_map(|s| s.iter().map(|(n, _)| n.clone()))
            .collect();
        // The closest of the values this module sees, which a restricted
        // scope knows without holding them all.
        candidates.extend(
            self.ck
                .near(super::env::NameHint::Value(self.module, name.to_string())),
        );
        let near = closest_name(name, candidates.iter().map(|s| s.as_str())).map(str::to_string);
        // The name is an item of another module: say how to reach it.
        let mut elsewhere: Vec<(String, bool)> = self
            .ck
            .env
            .values
            .keys()
            .filter(|(m, n)| n == name && *m != self.module && *m != super::env::PRELUDE)
            .map(|(m, _)| {
                let module = self.ck.env.modules[m.0 as usize].name.clone();
                let visible = self.ck.env.imported(self.module, &module) == Some(*m);
                (module, visible)
            })
            .collect();
        elsewhere.sort();
        let hint = if matches!(name, "null" | "nil" | "NULL" | "undefined" | "nullptr") {
            NameHint::Null
        } else if let Some((module, visible)) =
            elsewhere.iter().find(|(_, v)| *v).or(elsewhere.first())
        {
            // An item of another module is named through its module.
            let module = module.clone();
            if *visible {
                NameHint::Through { module }
            } else {
                NameHint::Import { module }
            }
        } else if let Some(near) = near {
            NameHint::Near(near)
        } else {
            NameHint::None
        };
        self.report(TypeError::UnknownName {
            name: name.to_string(),
            at: span,
            hint,
        });
    }

    /// A local's type at a use: instantiated if it is a generalised closure.
    pub(super) fn local_use(&mut self, id: LocalId, span: Span) -> ir::Expr {
        let ty = match self.local_schemes.get(&id) {
            Some(s) => {
                let s = s.clone();
                self.ck.table.instantiate(&s)
            }
            None => self.locals[id.0 as usize].ty.clone(),
        };
        self.note(span, ir::NameTarget::Local(id), Some(ty.clone()));
        self.expr(ExprKind::Local(id), ty, span)
    }

    /// `None`, `Some`, ... written alone: a variant of the prelude's enums.
    pub(super) fn bare_variant_pattern(&self, name: &ast::Ident) -> Option<(AdtId, u32)> {
        if self.has_local(&name.name) {
            return None;
        }
        self.ck.env.bare_variant(&name.name)
    }

    /// What a path names in expression position.
    pub(super) fn infer_path(&mut self, path: &[ast::Ident], span: Span) -> ir::Expr {
        if let [name] = path {
            if let Some(id) = self.lookup_local(&name.name) {
                return self.local_use(id, span);
            }
        }
        match self.resolve_path(path, span) {
            Some(Resolved::Global(g)) => self.global_value(g, path, span),
            Some(Resolved::Variant(adt, v)) => self.variant_value(adt, v, Vec::new(), span, path),
            None => self.error_expr(span),
        }
    }

    pub(super) fn global_value(&mut self, g: Global, path: &[ast::Ident], span: Span) -> ir::Expr {
        match g {
            Global::Fn(id) => {
                let ty = self.ck.global_type(g);
                self.expr(ExprKind::FnRef(id), ty, span)
            }
            Global::Const(id) => {
                let ty = self.ck.global_type(g);
                let ret = match self.ck.table.shallow(&ty) {
                    Ty::Fn(_, r) => (*r).clone(),
                    _ => self.fresh(),
                };
                self.expr(ExprKind::Call(Callee::Fn(id), Vec::new()), ret, span)
            }
            Global::Native(_) => {
                self.report(TypeError::BuiltinAsValue {
                    path: path_name(path),
                    at: span,
                });
                self.error_expr(span)
            }
        }
    }

    /// Resolves a non-local path to a global or a variant; reports an
    /// unknown one.
    pub(super) fn resolve_path(&mut self, path: &[ast::Ident], span: Span) -> Option<Resolved> {
        let resolved = self.resolve_path_here(path, span)?;
        if let Some(last) = path.last() {
            let target = match &resolved {
                Resolved::Global(Global::Fn(id) | Global::Const(id)) => ir::NameTarget::Fn(*id),
                Resolved::Global(Global::Native(id)) => ir::NameTarget::Native(*id),
                Resolved::Variant(adt, v) => ir::NameTarget::Variant(*adt, *v),
            };
            self.note(last.span, target, None);
        }
        // The type in `Type::name` and `module::Type::name`.
        if let [.., ty, _] = path {
            if let Some(MethodKey::Adt(adt)) = self.ck.type_key(self.module, ty) {
                self.note(ty.span, ir::NameTarget::Type(adt), None);
            }
        }
        Some(resolved)
    }

    fn resolve_path_here(&mut self, path: &[ast::Ident], span: Span) -> Option<Resolved> {
        match path {
            [name] => {
                if let Some(g) = self.ck.env.value(self.module, &name.name) {
                    return Some(Resolved::Global(g));
                }
                if let Some((adt, v)) = self.ck.env.bare_variant(&name.name) {
                    return Some(Resolved::Variant(adt, v));
                }
                self.unknown_name(&name.name, span);
                None
            }
            [first, name] => {
                if let Some(m) = self.ck.env.imported(self.module, &first.name) {
                    if let Some(g) = self.ck.env.values.get(&(m, name.name.clone())).copied() {
                        return Some(Resolved::Global(g));
                    }
                    let near = self
                        .ck
                        .near(super::env::NameHint::Item(m, name.name.clone()));
                    self.report(TypeError::NoModuleItem {
                        module: first.name.clone(),
                        name: name.name.clone(),
                        at: name.span,
                        near,
                    });
                    return None;
                }
                if self.ck.env.modules[self.module.0 as usize]
                    .missing
                    .contains(&first.name)
                {
                    return None;
                }
                let Some(key) = self.ck.type_key(self.module, first) else {
                    self.report(TypeError::NeitherModuleNorType {
                        path: path_name(path),
                        first: first.name.clone(),
                        at: first.span,
                    });
                    return None;
                };
                self.resolve_in_type(key, name)
            }
            [m, ty, name] => {
                let adt = self
                    .ck
                    .env
                    .imported(self.module, &m.name)
                    .and_then(|mid| self.ck.env.types.get(&(mid, ty.name.clone())).copied());
                let missing = self.ck.env.modules[self.module.0 as usize]
                    .missing
                    .contains(&m.name);
                match adt {
                    Some(adt) => self.resolve_in_type(MethodKey::Adt(adt), name),
                    None if missing => None,
                    None => {
                        self.report(TypeError::UnknownModuleType {
                            module: m.name.clone(),
                            ty: ty.name.clone(),
                            at: span,
                        });
                        None
                    }
                }
            }
            _ => {
                self.report(TypeError::PathTooLong {
                    path: path_name(path),
                    at: span,
                });
                None
            }
        }
    }

    /// `name` as a variant or associated function of the type `key`.
    pub(super) fn resolve_in_type(
        &mut self,
        key: MethodKey,
        name: &ast::Ident,
    ) -> Option<Resolved> {
        if let MethodKey::Adt(adt) = key {
            if let Some((v, _)) = self.ck.env.variant(adt, &name.name) {
                return Some(Resolved::Variant(adt, v));
            }
        }
        if let Some(m) = self.ck.env.methods.get(&(key, name.name.clone())).copied() {
            return Some(Resolved::Global(m.target));
        }
        let type_name = key.native_prefix(&self.ck.env);
        let mut candidates: Vec<String> = self
            .ck
            .env
            .method_names(key)
            .into_iter()
            .map(str::to_string)
            .collect();
        if let MethodKey::Adt(adt) = key {
            if let AdtKind::Enum(vs) = &self.ck.env.adt_def(adt).kind {
                candidates.extend(vs.iter().map(|v| v.name.clone()));
            }
        }
        let near =
            closest_name(&name.name, candidates.iter().map(|s| s.as_str())).map(str::to_string);
        self.report(TypeError::NoAssociated {
            ty: type_name,
            name: name.name.clone(),
            at: name.span,
            near,
        });
        None
    }

    /// The enum type `Adt(adt, fresh args)` and the field types of variant `v`.
    pub(super) fn instantiate_variant(&mut self, adt: AdtId, v: u32) -> (Ty, Vec<Ty>) {
        let n = self.ck.env.adt_def(adt).type_params.len();
        let args: Vec<Ty> = (0..n).map(|_| self.fresh()).collect();
        let fields = self.ck.instantiate_fields(adt, &args, Some(v));
        (Ty::app(TyCon::Adt(adt), args), fields)
    }

    /// Builds variant `v` of `adt` from `args` (already inferred).
    pub(super) fn variant_value(
        &mut self,
        adt: AdtId,
        v: u32,
        args: Vec<ir::Expr>,
        span: Span,
        path: &[ast::Ident],
    ) -> ir::Expr {
        let (ty, fields) = self.instantiate_variant(adt, v);
        if fields.len() != args.len() {
            self.report(TypeError::VariantArity {
                name: path_name(path),
                fields: fields.len(),
                given: args.len(),
                at: span,
            });
            return self.error_expr(span);
        }
        for (f, a) in fields.iter().zip(&args) {
            self.expect(
                f,
                &a.ty,
                a.span,
                &format!("this field of `{}`", path_name(path)),
            );
        }
        self.expr(ExprKind::Variant(adt, v, args), ty, span)
    }
}
