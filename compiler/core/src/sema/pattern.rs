//! Patterns: their typing (which also declares the variables they bind) and
//! the exhaustiveness and redundancy checks of `match`, `let` and `for`.
//!
//! Exhaustiveness is the usefulness algorithm of Maranget ("Warnings for
//! pattern matching", 2007): a pattern vector is *useful* with respect to a
//! matrix of earlier rows when some value matches it and no earlier row. A
//! `match` is exhaustive when the wildcard is not useful after all its
//! unguarded arms; an arm is unreachable when none of its alternatives is
//! useful after the arms above it. When the wildcard is useful, the
//! algorithm also builds a witness: an example value no arm covers, which
//! the error message shows (`Color::Blue not covered`).
//!
//! Bool, `()`, tuples, structs and enums have finitely many constructors;
//! Int, Float and String literals are treated as constructors of an infinite
//! type, so only a wildcard or binding completes them.
//!
//! Or-patterns stay in the matrix as they are written and are split only
//! when the algorithm reaches their column (a row whose first pattern is
//! `A | B` becomes two rows there), so nothing is multiplied out ahead of
//! time and nothing is cut off. The check is exponential on contrived
//! inputs (exhaustiveness is NP-hard), so it counts its steps: past
//! [`MAX_STEPS`] it stops and says so (E0212) rather than guess.

use super::env::{path_name, AdtKind, PRELUDE};
use super::error::{TypeError, VariantHint};
use super::infer::FnCx;
use super::ir::{self, LocalId, PatternKind};
use super::types::{AdtId, Ty, TyCon};
use crate::diagnostic::closest_name;
use mvl_syntax::ast::{self, Span};

impl FnCx<'_, '_> {
    /// Types `pattern` against `expected`, declaring its bindings (mutable
    /// ones for a `var` pattern) in the current scope.
    pub(super) fn infer_pattern(
        &mut self,
        pattern: &ast::Pattern,
        expected: &Ty,
        mutable: bool,
    ) -> ir::Pattern {
        let mut binds = Vec::new();
        self.pattern_in(pattern, expected, mutable, &mut binds)
    }

    /// `binds` collects the names bound so far in this pattern, so that the
    /// alternatives of an or-pattern bind the same variables.
    fn pattern_in(
        &mut self,
        pattern: &ast::Pattern,
        expected: &Ty,
        mutable: bool,
        binds: &mut Vec<(String, LocalId)>,
    ) -> ir::Pattern {
        let span = pattern.span;
        let mk = |kind: PatternKind, ty: &Ty| ir::Pattern {
            kind,
            ty: ty.clone(),
            span,
        };
        match &pattern.kind {
            ast::PatternKind::Wildcard => mk(PatternKind::Wildcard, expected),
            ast::PatternKind::Binding(name) => {
                if let Some((adt, v)) = self.bare_variant_pattern(name) {
                    return self.variant_pattern(
                        adt,
                        v,
                        &[],
                        true,
                        expected,
                        span,
                        std::slice::from_ref(name),
                        mutable,
                        binds,
                    );
                }
                if let Some((_, id)) = binds.iter().find(|(n, _)| *n == name.name) {
                    let id = *id;
                    let ty = self.locals[id.0 as usize].ty.clone();
                    self.expect(&ty, expected, span, "the same name in another alternative");
                    return mk(PatternKind::Bind(id), expected);
                }
                let id = self.declare(name, expected.clone(), mutable);
                binds.push((name.name.clone(), id));
                mk(PatternKind::Bind(id), expected)
            }
            ast::PatternKind::Lit(lit) => {
                let (kind, ty) = match lit {
                    ast::Literal::Int(n) => (PatternKind::Int(*n), Ty::Int),
                    ast::Literal::Float(x) => (PatternKind::Float(*x), Ty::Float),
                    ast::Literal::Str(s) => (PatternKind::Str(s.clone()), Ty::Str),
                    ast::Literal::Bool(b) => (PatternKind::Bool(*b), Ty::Bool),
                    ast::Literal::Unit => (PatternKind::Unit, Ty::Unit),
                };
                self.pattern_type(expected, &ty, span);
                mk(kind, expected)
            }
            ast::PatternKind::Range(lo, hi) => {
                self.pattern_type(expected, &Ty::Int, span);
                mk(PatternKind::Range(*lo, *hi), expected)
            }
            ast::PatternKind::Tuple(items) => {
                let resolved = self.ck.table.resolve(expected);
                if let Ty::App(TyCon::Tuple, known) = &resolved {
                    if known.len() != items.len() {
                        // One error for the size; its names are bound to
                        // values of unknown type, and the pattern counts as
                        // matching everything, so nothing else is reported.
                        self.report(TypeError::TuplePatternSize {
                            items: items.len(),
                            size: known.len(),
                            ty: resolved.clone(),
                            at: span,
                        });
                        for p in items {
                            let t = self.ck.table.fresh_error();
                            self.pattern_in(p, &t, mutable, binds);
                        }
                        return mk(PatternKind::Wildcard, expected);
                    }
                }
                let tys: Vec<Ty> = items.iter().map(|_| self.fresh()).collect();
                self.pattern_type(expected, &Ty::tuple(tys.clone()), span);
                let ps = items
                    .iter()
                    .zip(&tys)
                    .map(|(p, t)| self.pattern_in(p, t, mutable, binds))
                    .collect();
                mk(PatternKind::Tuple(ps), expected)
            }
            ast::PatternKind::Variant(path, items, rest) => {
                let resolved = match path.as_slice() {
                    [name] => self.ck.env.bare_variant(&name.name),
                    _ => self.resolve_variant_path(path),
                };
                let Some((adt, v)) = resolved else {
                    self.unknown_variant(path, span);
                    // Its names are still bound, to values of unknown type.
                    for p in items {
                        let ty = self.ck.table.fresh_error();
                        self.pattern_in(p, &ty, mutable, binds);
                    }
                    return mk(PatternKind::Wildcard, expected);
                };
                self.variant_pattern(adt, v, items, !*rest, expected, span, path, mutable, binds)
            }
            ast::PatternKind::Struct(path, fields, rest) => {
                self.struct_pattern(path, fields, *rest, expected, span, mutable, binds)
            }
            ast::PatternKind::Or(alts) => {
                let before = binds.len();
                let mut out = Vec::new();
                for (i, alt) in alts.iter().enumerate() {
                    if i == 0 {
                        out.push(self.pattern_in(alt, expected, mutable, binds));
                        continue;
                    }
                    let mut alt_binds: Vec<(String, LocalId)> = binds.clone();
                    let p = self.pattern_in(alt, expected, mutable, &mut alt_binds);
                    if alt_binds.len() != binds.len() {
                        self.report(TypeError::OrPatternBindings { at: alt.span });
                    }
                    out.push(p);
                }
                let _ = before;
                mk(PatternKind::Or(out), expected)
            }
        }
    }

    fn pattern_type(&mut self, expected: &Ty, found: &Ty, span: Span) {
        self.expect(expected, found, span, "the matched value");
    }

    /// `Enum::Variant` or `module::Enum::Variant`.
    fn resolve_variant_path(&mut self, path: &[ast::Ident]) -> Option<(AdtId, u32)> {
        let (ty_path, name) = path.split_last().map(|(n, rest)| (rest, n))?;
        let adt = self.ck.resolve_adt(self.module, ty_path)?;
        self.ck.env.variant(adt, &name.name).map(|(v, _)| (adt, v))
    }

    fn unknown_variant(&mut self, path: &[ast::Ident], span: Span) {
        let name = path_name(path);
        let mut hint = VariantHint::None;
        if let [ty, v] = path {
            if let Some(adt) = self.ck.env.adt(self.module, &ty.name) {
                if let AdtKind::Enum(vs) = &self.ck.env.adt_def(adt).kind {
                    let names: Vec<&str> = vs.iter().map(|x| x.name.as_str()).collect();
                    if let Some(near) = closest_name(&v.name, names) {
                        hint = VariantHint::Near {
                            ty: ty.name.clone(),
                            near: near.to_string(),
                        };
                    }
                }
            }
        } else if path.len() == 1 {
            hint = VariantHint::Qualify;
        }
        self.report(TypeError::UnknownVariant {
            name,
            at: span,
            hint,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn variant_pattern(
        &mut self,
        adt: AdtId,
        v: u32,
        items: &[ast::Pattern],
        exact: bool,
        expected: &Ty,
        span: Span,
        path: &[ast::Ident],
        mutable: bool,
        binds: &mut Vec<(String, LocalId)>,
    ) -> ir::Pattern {
        if let Some(last) = path.last() {
            self.note(last.span, ir::NameTarget::Variant(adt, v), None);
        }
        let (ty, fields) = self.instantiate_variant(adt, v);
        self.pattern_type(expected, &ty, span);
        let arity_ok = if exact {
            items.len() == fields.len()
        } else {
            items.len() <= fields.len()
        };
        if !arity_ok {
            let name = path_name(path);
            self.report(TypeError::VariantPatternSize {
                name,
                fields: fields.len(),
                items: items.len(),
                at: span,
            });
        }
        let mut ps = Vec::new();
        for (i, fty) in fields.iter().enumerate() {
            match items.get(i) {
                Some(p) => ps.push(self.pattern_in(p, fty, mutable, binds)),
                None => ps.push(ir::Pattern {
                    kind: PatternKind::Wildcard,
                    ty: fty.clone(),
                    span,
                }),
            }
        }
        for extra in items.iter().skip(fields.len()) {
            let t = self.fresh();
            self.pattern_in(extra, &t, mutable, binds);
        }
        ir::Pattern {
            kind: PatternKind::Variant(adt, v, ps),
            ty: expected.clone(),
            span,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn struct_pattern(
        &mut self,
        path: &[ast::Ident],
        fields: &[ast::FieldPattern],
        rest: bool,
        expected: &Ty,
        span: Span,
        mutable: bool,
        binds: &mut Vec<(String, LocalId)>,
    ) -> ir::Pattern {
        let wild = ir::Pattern {
            kind: PatternKind::Wildcard,
            ty: expected.clone(),
            span,
        };
        let adt = self.ck.resolve_adt(self.module, path);
        let Some(adt) = adt.filter(|a| matches!(self.ck.env.adt_def(*a).kind, AdtKind::Struct(_)))
        else {
            self.report(TypeError::UnknownStruct {
                name: path_name(path),
                at: span,
                near: None,
            });
            // Its names are still bound, to values of unknown type.
            for f in fields {
                let ty = self.ck.table.fresh_error();
                match &f.pattern {
                    Some(p) => {
                        self.pattern_in(p, &ty, mutable, binds);
                    }
                    None => {
                        let id = self.declare(&f.name, ty, mutable);
                        binds.push((f.name.name.clone(), id));
                    }
                }
            }
            return wild;
        };
        let def = self.ck.env.adt_def(adt).clone();
        let AdtKind::Struct(decl) = &def.kind else {
            return wild;
        };
        if let Some(last) = path.last() {
            self.note(last.span, ir::NameTarget::Type(adt), None);
        }
        let args: Vec<Ty> = def.type_params.iter().map(|_| self.fresh()).collect();
        let tys = self.ck.instantiate_fields(adt, &args, None);
        self.pattern_type(expected, &Ty::app(TyCon::Adt(adt), args), span);
        let mut out = Vec::new();
        for f in fields {
            let Some(i) = decl.iter().position(|d| d.name == f.name.name) else {
                let names: Vec<&str> = decl.iter().map(|d| d.name.as_str()).collect();
                let near = closest_name(&f.name.name, names).map(str::to_string);
                self.report(TypeError::UnknownPatternField {
                    name: f.name.name.clone(),
                    of: def.name.clone(),
                    at: f.name.span,
                    near,
                });
                continue;
            };
            self.note(
                f.name.span,
                super::ir::NameTarget::Field(adt, i as u32),
                Some(tys[i].clone()),
            );
            let p = match &f.pattern {
                Some(p) => self.pattern_in(p, &tys[i], mutable, binds),
                None => {
                    let shorthand = ast::Pattern {
                        kind: ast::PatternKind::Binding(f.name.clone()),
                        span: f.name.span,
                    };
                    self.pattern_in(&shorthand, &tys[i], mutable, binds)
                }
            };
            out.push((i as u32, p));
        }
        if !rest {
            let missing: Vec<String> = decl
                .iter()
                .enumerate()
                .filter(|(i, _)| !out.iter().any(|(j, _)| *j as usize == *i))
                .map(|(_, d)| d.name.clone())
                .collect();
            if !missing.is_empty() {
                self.report(TypeError::PatternMissingFields { missing, at: span });
            }
        }
        ir::Pattern {
            kind: PatternKind::Struct(adt, out),
            ty: expected.clone(),
            span,
        }
    }

    /// A `let` or `for` pattern must match every value of its type.
    /// Whether `pattern` matches every value of its type (`false` when the
    /// type did not check).
    pub(super) fn is_irrefutable(&mut self, pattern: &ir::Pattern) -> bool {
        if self.ck.table.mentions_error(&pattern.ty) {
            return false;
        }
        let ty = self.ck.table.resolve(&pattern.ty);
        let rows = vec![vec![lower(pattern)]];
        // Too complex to tell: say nothing rather than warn wrongly.
        matches!(
            self.useful(&rows, &[P::Wild], &[ty], &mut Steps::default()),
            Ok(None)
        )
    }

    /// Reports a pattern check that ran out of steps.
    fn too_complex(&mut self, span: Span, what: &'static str) {
        self.report(TypeError::PatternsTooComplex { what, at: span });
    }

    pub(super) fn check_irrefutable(&mut self, pattern: &ir::Pattern, what: &str) {
        if self.ck.table.mentions_error(&pattern.ty) {
            // A value that did not parse: which cases it has is unknown.
            return;
        }
        let ty = self.ck.table.resolve(&pattern.ty);
        let rows = vec![vec![lower(pattern)]];
        let Ok(witness) = self.useful(&rows, &[P::Wild], &[ty], &mut Steps::default()) else {
            self.too_complex(pattern.span, "this pattern");
            return;
        };
        if let Some(w) = witness {
            let witness = self.show_witness(&w[0]);
            self.report(TypeError::Refutable {
                what: what.to_string(),
                witness,
                at: pattern.span,
            });
        }
    }

    /// Reports a `match` that misses a case (with an example), and arms no
    /// value can reach.
    pub(super) fn check_match(&mut self, scrutinee: &ir::Expr, arms: &[ir::Arm]) {
        if self.ck.table.mentions_error(&scrutinee.ty) {
            // A value that did not parse: which cases it has is unknown.
            return;
        }
        let ty = self.ck.table.resolve(&scrutinee.ty);
        let mut rows: Vec<Vec<P>> = Vec::new();
        let mut steps = Steps::default();
        for arm in arms {
            let p = lower(&arm.pattern);
            let reachable = match self.useful(
                &rows,
                std::slice::from_ref(&p),
                std::slice::from_ref(&ty),
                &mut steps,
            ) {
                Ok(w) => w.is_some(),
                Err(TooComplex) => {
                    self.too_complex(scrutinee.span, "this `match`");
                    return;
                }
            };
            if !reachable {
                self.report(TypeError::UnreachableArm {
                    at: arm.pattern.span,
                });
            }
            if arm.guard.is_none() {
                rows.push(vec![p]);
            }
        }
        let witness = self.useful(&rows, &[P::Wild], std::slice::from_ref(&ty), &mut steps);
        let Ok(witness) = witness else {
            self.too_complex(scrutinee.span, "this `match`");
            return;
        };
        if let Some(w) = witness {
            let witness = self.show_witness(&w[0]);
            self.report(TypeError::NonExhaustive {
                witness,
                at: scrutinee.span,
                last_arm_end: arms.last().map(|a| a.body.span.end),
            });
        }
    }

    /// The constructors of `ty`, when finitely many.
    fn all_ctors(&self, ty: &Ty) -> Option<Vec<Ctor>> {
        match ty {
            Ty::Bool => Some(vec![Ctor::Bool(false), Ctor::Bool(true)]),
            Ty::Unit => Some(vec![Ctor::Unit]),
            Ty::App(TyCon::Tuple, items) => Some(vec![Ctor::Tuple(items.len())]),
            Ty::App(TyCon::Adt(adt), _) => match &self.ck.env.adt_def(*adt).kind {
                AdtKind::Struct(_) => Some(vec![Ctor::Struct(*adt)]),
                AdtKind::Enum(vs) => Some(
                    (0..vs.len())
                        .map(|v| Ctor::Variant(*adt, v as u32))
                        .collect(),
                ),
            },
            _ => None,
        }
    }

    /// Whether constructor `c` of `ty` has a field of an enum with no
    /// variants, so that no value is built with it.
    fn uninhabited(&self, c: &Ctor, ty: &Ty) -> bool {
        self.ctor_fields(c, ty)
            .iter()
            .any(|f| match self.ck.table.resolve(f) {
                Ty::App(TyCon::Adt(adt), _) => {
                    matches!(&self.ck.env.adt_def(adt).kind, AdtKind::Enum(vs) if vs.is_empty())
                }
                _ => false,
            })
    }

    /// The types of a constructor's fields, for a value of type `ty`.
    fn ctor_fields(&self, c: &Ctor, ty: &Ty) -> Vec<Ty> {
        let args: &[Ty] = match ty {
            Ty::App(_, args) => args,
            _ => &[],
        };
        let resolve = |ts: Vec<Ty>| ts.iter().map(|t| self.ck.table.resolve(t)).collect();
        match c {
            Ctor::Tuple(_) => args.to_vec(),
            Ctor::Struct(adt) => resolve(self.ck.instantiate_fields(*adt, args, None)),
            Ctor::Variant(adt, v) => resolve(self.ck.instantiate_fields(*adt, args, Some(*v))),
            _ => Vec::new(),
        }
    }

    fn arity(&self, c: &Ctor, ty: &Ty) -> usize {
        match c {
            Ctor::Tuple(n) => *n,
            Ctor::Struct(_) | Ctor::Variant(..) => self.ctor_fields(c, ty).len(),
            _ => 0,
        }
    }

    /// Whether `v` is useful after `rows`; if so, a witness vector.
    fn useful(
        &self,
        rows: &[Vec<P>],
        v: &[P],
        tys: &[Ty],
        steps: &mut Steps,
    ) -> Result<Option<Vec<P>>, TooComplex> {
        steps.0 += 1 + rows.len() as u64;
        if steps.0 > MAX_STEPS {
            return Err(TooComplex);
        }
        let Some((head, rest)) = v.split_first() else {
            return Ok(rows.is_empty().then(Vec::new));
        };
        // The rows' or-patterns in this column, split into rows of their own.
        let split;
        let rows = if rows.iter().any(|r| matches!(r.first(), Some(P::Or(_)))) {
            split = split_or_heads(rows);
            &split[..]
        } else {
            rows
        };
        let ty = &tys[0];
        match head {
            P::Or(alts) => {
                // Useful when one of its alternatives is.
                for alt in alts {
                    let mut v2 = vec![alt.clone()];
                    v2.extend(rest.iter().cloned());
                    if let Some(w) = self.useful(rows, &v2, tys, steps)? {
                        return Ok(Some(w));
                    }
                }
                Ok(None)
            }
            P::Ctor(c, args) => {
                let n = self.arity(c, ty).max(args.len());
                let spec = specialize(rows, c, n);
                let mut v2 = args.clone();
                v2.resize(n, P::Wild);
                v2.extend(rest.iter().cloned());
                let mut t2 = self.ctor_fields(c, ty);
                t2.resize(n, Ty::Unit);
                t2.extend(tys[1..].iter().cloned());
                Ok(self
                    .useful(&spec, &v2, &t2, steps)?
                    .map(|w| rebuild(c.clone(), n, w)))
            }
            P::Wild => {
                let used: Vec<Ctor> = rows
                    .iter()
                    .filter_map(|r| match r.first() {
                        Some(P::Ctor(c, _)) => Some(c.clone()),
                        _ => None,
                    })
                    .fold(Vec::new(), |mut acc, c| {
                        if !acc.contains(&c) {
                            acc.push(c);
                        }
                        acc
                    });
                let all = self.all_ctors(ty);
                if let Some(all) = &all {
                    // Every constructor is used; an empty enum has none, so
                    // it has no value and nothing is left to match.
                    // A constructor with a field of an empty enum has no
                    // value either, so it needs no arm.
                    if all
                        .iter()
                        .all(|c| used.contains(c) || self.uninhabited(c, ty))
                    {
                        for c in all.iter().filter(|c| !self.uninhabited(c, ty)) {
                            let n = self.arity(c, ty);
                            let spec = specialize(rows, c, n);
                            let mut v2 = vec![P::Wild; n];
                            v2.extend(rest.iter().cloned());
                            let mut t2 = self.ctor_fields(c, ty);
                            t2.resize(n, Ty::Unit);
                            t2.extend(tys[1..].iter().cloned());
                            if let Some(w) = self.useful(&spec, &v2, &t2, steps)? {
                                return Ok(Some(rebuild(c.clone(), n, w)));
                            }
                        }
                        return Ok(None);
                    }
                }
                let default: Vec<Vec<P>> = rows
                    .iter()
                    .filter(|r| matches!(r.first(), Some(P::Wild)))
                    .map(|r| r[1..].to_vec())
                    .collect();
                let Some(w) = self.useful(&default, rest, &tys[1..], steps)? else {
                    return Ok(None);
                };
                let head = match all.and_then(|all| {
                    all.into_iter()
                        .find(|c| !used.contains(c) && !self.uninhabited(c, ty))
                }) {
                    Some(c) => {
                        let n = self.arity(&c, ty);
                        P::Ctor(c, vec![P::Wild; n])
                    }
                    None => P::Wild,
                };
                let mut out = vec![head];
                out.extend(w);
                Ok(Some(out))
            }
        }
    }

    fn show_witness(&self, p: &P) -> String {
        match p {
            P::Wild => "_".to_string(),
            P::Or(alts) => alts
                .iter()
                .map(|a| self.show_witness(a))
                .collect::<Vec<_>>()
                .join(" | "),
            P::Ctor(c, args) => {
                let inner = |s: &Self| {
                    args.iter()
                        .map(|a| s.show_witness(a))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                match c {
                    Ctor::Bool(b) => b.to_string(),
                    Ctor::Unit => "()".to_string(),
                    Ctor::Int(n) => n.to_string(),
                    Ctor::Range(a, b) => format!("{a}..={b}"),
                    Ctor::Float(bits) => format!("{:?}", f64::from_bits(*bits)),
                    Ctor::Str(s) => format!("{s:?}"),
                    Ctor::Tuple(_) => format!("({})", inner(self)),
                    Ctor::Struct(adt) => {
                        let def = self.ck.env.adt_def(*adt);
                        if args.iter().all(|a| matches!(a, P::Wild)) {
                            format!("{} {{ .. }}", def.name)
                        } else {
                            let names: Vec<String> = match &def.kind {
                                AdtKind::Struct(fs) => fs.iter().map(|f| f.name.clone()).collect(),
                                AdtKind::Enum(_) => Vec::new(),
                            };
                            let fields: Vec<String> = names
                                .iter()
                                .zip(args)
                                .map(|(n, a)| format!("{n}: {}", self.show_witness(a)))
                                .collect();
                            format!("{} {{ {} }}", def.name, fields.join(", "))
                        }
                    }
                    Ctor::Variant(adt, v) => {
                        let def = self.ck.env.adt_def(*adt);
                        let vname = match &def.kind {
                            AdtKind::Enum(vs) => {
                                vs.get(*v as usize).map_or("?", |x| x.name.as_str())
                            }
                            AdtKind::Struct(_) => "?",
                        };
                        let name = if def.module == PRELUDE {
                            vname.to_string()
                        } else {
                            format!("{}::{vname}", def.name)
                        };
                        if args.is_empty() {
                            name
                        } else {
                            format!("{name}({})", inner(self))
                        }
                    }
                }
            }
        }
    }
}

/// A constructor in the pattern space.
#[derive(Clone, Debug, PartialEq)]
enum Ctor {
    Bool(bool),
    Unit,
    Tuple(usize),
    Struct(AdtId),
    Variant(AdtId, u32),
    Int(i64),
    Range(i64, i64),
    Float(u64),
    Str(String),
}

/// A pattern reduced to what usefulness needs: bindings are wildcards;
/// or-patterns stay as written until their column is reached.
#[derive(Clone, Debug, PartialEq)]
enum P {
    Wild,
    Ctor(Ctor, Vec<P>),
    Or(Vec<P>),
}

/// How many steps one check may take before it reports E0212: far more
/// than any hand-written `match` needs (each step is a row looked at).
pub(super) const MAX_STEPS: u64 = 2_000_000;

/// The steps a check has taken so far.
#[derive(Default)]
struct Steps(u64);

/// A check that ran past [`MAX_STEPS`].
struct TooComplex;

/// `p` as a [`P`].
fn lower(p: &ir::Pattern) -> P {
    let all = |items: &[ir::Pattern]| items.iter().map(lower).collect();
    match &p.kind {
        PatternKind::Wildcard | PatternKind::Bind(_) => P::Wild,
        PatternKind::Int(n) => P::Ctor(Ctor::Int(*n), vec![]),
        PatternKind::Range(a, b) => P::Ctor(Ctor::Range(*a, *b), vec![]),
        PatternKind::Float(x) => P::Ctor(Ctor::Float(x.to_bits()), vec![]),
        PatternKind::Str(s) => P::Ctor(Ctor::Str(s.clone()), vec![]),
        PatternKind::Bool(b) => P::Ctor(Ctor::Bool(*b), vec![]),
        PatternKind::Unit => P::Ctor(Ctor::Unit, vec![]),
        PatternKind::Tuple(items) => P::Ctor(Ctor::Tuple(items.len()), all(items)),
        PatternKind::Variant(adt, v, items) => P::Ctor(Ctor::Variant(*adt, *v), all(items)),
        PatternKind::Struct(adt, fields) => {
            // Field patterns by index; unmentioned fields are wildcards.
            // The arity is completed to the struct's field count by
            // `specialize`, which pads with wildcards.
            let n = fields
                .iter()
                .map(|(i, _)| *i as usize + 1)
                .max()
                .unwrap_or(0);
            let mut args = vec![P::Wild; n];
            for (i, p) in fields {
                args[*i as usize] = lower(p);
            }
            P::Ctor(Ctor::Struct(*adt), args)
        }
        PatternKind::Or(alts) => P::Or(alts.iter().map(lower).collect()),
    }
}

/// `rows` with each row whose first pattern is an or-pattern replaced by
/// one row per alternative (nested ones too), in order.
fn split_or_heads(rows: &[Vec<P>]) -> Vec<Vec<P>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut stack: Vec<Vec<P>> = Vec::new();
    for row in rows {
        stack.push(row.clone());
        while let Some(r) = stack.pop() {
            match r.first() {
                Some(P::Or(alts)) => {
                    // Pushed in reverse so they come out in order.
                    for alt in alts.iter().rev() {
                        let mut r2 = vec![alt.clone()];
                        r2.extend(r[1..].iter().cloned());
                        stack.push(r2);
                    }
                }
                _ => out.push(r),
            }
        }
    }
    out
}

/// The rows that can match constructor `c` (of arity `n`), with the head
/// replaced by its fields.
fn specialize(rows: &[Vec<P>], c: &Ctor, n: usize) -> Vec<Vec<P>> {
    let mut out = Vec::new();
    for r in rows {
        specialize_row(r, c, n, &mut out);
    }
    out
}

fn specialize_row(row: &[P], c: &Ctor, n: usize, out: &mut Vec<Vec<P>>) {
    let Some((head, rest)) = row.split_first() else {
        return;
    };
    let mut fields = match head {
        P::Ctor(c2, args) if c2 == c => {
            let mut a = args.clone();
            a.resize(n, P::Wild);
            a
        }
        P::Ctor(..) => return,
        P::Wild => vec![P::Wild; n],
        P::Or(alts) => {
            for alt in alts {
                let mut r = vec![alt.clone()];
                r.extend(rest.iter().cloned());
                specialize_row(&r, c, n, out);
            }
            return;
        }
    };
    fields.extend(rest.iter().cloned());
    out.push(fields);
}

/// Puts the first `n` entries of a witness back under constructor `c`.
fn rebuild(c: Ctor, n: usize, w: Vec<P>) -> Vec<P> {
    let mut w = w;
    let rest = w.split_off(n.min(w.len()));
    let mut out = vec![P::Ctor(c, w)];
    out.extend(rest);
    out
}
