//! Types, type variables with class constraints, unification and schemes.
//!
//! Algorithm: Hindley–Milner with a union-find substitution ([`TypeTable`]).
//! A type variable is either bound to a type or unbound; an unbound variable
//! carries a [`Class`], the set of types it may still become, which is how
//! the overloaded operators live inside inference (`a + b` on unknown `a`
//! gives `a` the class `Add`; unifying it with `Bool` later is an error).
//! Unifying two unbound variables intersects their classes.
//!
//! Invariant: a variable is bound at most once and never to a type that
//! contains it (the occurs check), so [`TypeTable::resolve`] terminates.
//! Generalised type variables of a [`Scheme`] are `Ty::Gen(i)`; they appear
//! only inside schemes and are replaced by fresh variables on instantiation.

use std::fmt;

/// A type variable's index in the [`TypeTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TyVar(pub u32);

/// A user-declared `struct` or `enum` (including the prelude's `Option` and
/// `Result`): its index in the program's table of type declarations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AdtId(pub u32);

/// A type constructor applied to arguments in [`Ty::App`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TyCon {
    /// `[T]`
    Array,
    /// `Map<K, V>`
    Map,
    /// `Set<T>`
    Set,
    /// `Tree<K, V>`
    Tree,
    /// `Graph<N, E>`
    Graph,
    /// `(A, B, ..)`, two or more elements.
    Tuple,
    Adt(AdtId),
}

/// What the type table knows of a user type: its name for messages, and
/// whether `==` can apply to it (no function type among its fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdtMeta {
    pub name: String,
    pub eq: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Int,
    Float,
    Bool,
    Str,
    Unit,
    /// `fn(A, B) -> C`
    Fn(Vec<Ty>, Box<Ty>),
    /// A constructor applied to its arguments: `[Int]`, `(Int, String)`,
    /// `Option<a>`.
    App(TyCon, Vec<Ty>),
    Var(TyVar),
    /// The `i`-th quantified variable of the enclosing scheme.
    Gen(u32),
}

impl Ty {
    pub fn func(params: Vec<Ty>, ret: Ty) -> Ty {
        Ty::Fn(params, Box::new(ret))
    }

    pub fn array(elem: Ty) -> Ty {
        Ty::App(TyCon::Array, vec![elem])
    }

    pub fn tuple(items: Vec<Ty>) -> Ty {
        if items.is_empty() {
            Ty::Unit
        } else {
            Ty::App(TyCon::Tuple, items)
        }
    }

    /// Applies `f` to each direct component type.
    fn map_children(&self, mut f: impl FnMut(&Ty) -> Ty) -> Ty {
        match self {
            Ty::Fn(params, ret) => Ty::Fn(params.iter().map(&mut f).collect(), Box::new(f(ret))),
            Ty::App(con, args) => Ty::App(*con, args.iter().map(f).collect()),
            other => other.clone(),
        }
    }
}

/// What an unbound type variable may still become. Ground scalar types are
/// tracked in a bit set; `eq` requires a type without functions inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Class {
    /// `None`: any type; `Some(mask)`: only the scalars in the mask.
    pub scalars: Option<u8>,
    pub eq: bool,
}

impl Class {
    const INT: u8 = 1;
    const FLOAT: u8 = 2;
    const STR: u8 = 4;

    pub const ANY: Class = Class {
        scalars: None,
        eq: false,
    };
    /// `- * / %`: Int or Float.
    pub const NUM: Class = Class {
        scalars: Some(Self::INT | Self::FLOAT),
        eq: false,
    };
    /// `+`: Int, Float or String.
    pub const ADD: Class = Class {
        scalars: Some(Self::INT | Self::FLOAT | Self::STR),
        eq: false,
    };
    /// `< <= > >=`: Int, Float or String.
    pub const ORD: Class = Class {
        scalars: Some(Self::INT | Self::FLOAT | Self::STR),
        eq: false,
    };
    /// `== !=`: any type without functions inside.
    pub const EQ: Class = Class {
        scalars: None,
        eq: true,
    };

    pub fn meet(self, other: Class) -> Class {
        Class {
            scalars: match (self.scalars, other.scalars) {
                (None, s) | (s, None) => s,
                (Some(a), Some(b)) => Some(a & b),
            },
            eq: self.eq || other.eq,
        }
    }

    fn scalar_bit(ty: &Ty) -> Option<u8> {
        match ty {
            Ty::Int => Some(Self::INT),
            Ty::Float => Some(Self::FLOAT),
            Ty::Str => Some(Self::STR),
            _ => None,
        }
    }

    /// A readable name for messages: "a number (Int or Float)".
    pub fn describe(self) -> String {
        match self.scalars {
            None if self.eq => "every type without a function inside".to_string(),
            None => "any type".to_string(),
            Some(mask) => {
                let mut names = Vec::new();
                if mask & Self::INT != 0 {
                    names.push("Int");
                }
                if mask & Self::FLOAT != 0 {
                    names.push("Float");
                }
                if mask & Self::STR != 0 {
                    names.push("String");
                }
                match names.as_slice() {
                    [] => "no type at all".to_string(),
                    [one] => one.to_string(),
                    [init @ .., last] => format!("{} or {last}", init.join(", ")),
                }
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum VarState {
    Unbound(Class),
    Bound(Ty),
}

/// Why two types failed to unify, in terms of the (resolved) types involved.
#[derive(Clone, Debug, PartialEq)]
pub enum UnifyError {
    Mismatch(Ty, Ty),
    /// The type does not belong to the class a variable was constrained to.
    NotInClass(Ty, Class),
    Occurs(TyVar, Ty),
}

/// A place in the source: where a type was decided.
pub type Origin = (crate::source::Anchor, mvl_syntax::ast::Span);

/// The substitution: every type variable of one program.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TypeTable {
    vars: Vec<VarState>,
    /// Variables known to be bound to a type without unbound variables
    /// inside (which stays so): the occurs check skips them, so that binding
    /// variables to ever deeper types is not quadratic.
    ground: Vec<bool>,
    /// Where each variable was bound: the expression whose type decided it.
    origins: Vec<Option<Origin>>,
    /// The expression being checked while unifying, recorded as the origin
    /// of every variable the unification binds.
    pub origin: Option<Origin>,
    /// Indexed by [`AdtId`]; filled in by item collection.
    /// Shared: every component's table reads the same declarations.
    pub adts: std::sync::Arc<Vec<AdtMeta>>,
    /// The variables that stand for the type of an error (an expression
    /// that did not parse or already has a diagnostic): they unify with
    /// anything, and nothing more is reported about them.
    errors: std::collections::HashSet<TyVar>,
}

impl TypeTable {
    pub fn fresh(&mut self) -> Ty {
        self.fresh_in(Class::ANY)
    }

    pub fn fresh_in(&mut self, class: Class) -> Ty {
        self.vars.push(VarState::Unbound(class));
        self.ground.push(false);
        self.origins.push(None);
        Ty::Var(TyVar(self.vars.len() as u32 - 1))
    }

    /// The type of an error: see [`TypeTable::is_error`].
    pub fn fresh_error(&mut self) -> Ty {
        let ty = self.fresh();
        if let Ty::Var(v) = ty {
            self.errors.insert(v);
        }
        ty
    }

    /// Whether `ty` is still the unknown type of an error, about which no
    /// diagnostic should be reported.
    pub fn is_error(&self, ty: &Ty) -> bool {
        matches!(self.shallow(ty), Ty::Var(v) if self.errors.contains(&v))
    }

    /// Whether an error's type occurs anywhere inside `ty`.
    pub fn mentions_error(&self, ty: &Ty) -> bool {
        match self.shallow(ty) {
            Ty::Var(v) => self.errors.contains(&v),
            Ty::Fn(params, ret) => {
                params.iter().any(|p| self.mentions_error(p)) || self.mentions_error(&ret)
            }
            Ty::App(_, args) => args.iter().any(|a| self.mentions_error(a)),
            _ => false,
        }
    }

    fn state(&self, v: TyVar) -> &VarState {
        &self.vars[v.0 as usize]
    }

    /// Follows bound variables at the top of `ty` only.
    pub fn shallow(&self, ty: &Ty) -> Ty {
        let mut ty = ty.clone();
        while let Ty::Var(v) = ty {
            match self.state(v) {
                VarState::Bound(t) => ty = t.clone(),
                VarState::Unbound(_) => break,
            }
        }
        ty
    }

    /// Follows bound variables at the top of `ty` only, without copying.
    pub fn shallow_ref<'a>(&'a self, mut ty: &'a Ty) -> &'a Ty {
        while let Ty::Var(v) = ty {
            match self.state(*v) {
                VarState::Bound(t) => ty = t,
                VarState::Unbound(_) => break,
            }
        }
        ty
    }

    /// Replaces every bound variable in `ty`, recursively.
    pub fn resolve(&self, ty: &Ty) -> Ty {
        crate::with_stack(|| self.shallow(ty).map_children(|c| self.resolve(c)))
    }

    pub fn class_of(&self, v: TyVar) -> Class {
        match self.state(v) {
            VarState::Unbound(c) => *c,
            VarState::Bound(_) => Class::ANY,
        }
    }

    /// Adds a class constraint to `ty`.
    pub fn constrain(&mut self, ty: &Ty, class: Class) -> Result<(), UnifyError> {
        if self.is_error(ty) {
            return Ok(());
        }
        match self.shallow(ty) {
            Ty::Var(v) => {
                let merged = self.class_of(v).meet(class);
                if merged.scalars == Some(0) {
                    return Err(UnifyError::NotInClass(ty.clone(), class));
                }
                self.vars[v.0 as usize] = VarState::Unbound(merged);
                Ok(())
            }
            other => self.check_in_class(&other, class),
        }
    }

    fn check_in_class(&mut self, ty: &Ty, class: Class) -> Result<(), UnifyError> {
        crate::with_stack(|| self.check_in_class_here(ty, class))
    }

    fn check_in_class_here(&mut self, ty: &Ty, class: Class) -> Result<(), UnifyError> {
        if let Some(mask) = class.scalars {
            let ok = Class::scalar_bit(ty).is_some_and(|bit| mask & bit != 0);
            if !ok {
                return Err(UnifyError::NotInClass(self.resolve(ty), class));
            }
        }
        if class.eq {
            match ty {
                Ty::Fn(..) => return Err(UnifyError::NotInClass(self.resolve(ty), class)),
                Ty::Var(_) => self.constrain(ty, Class::EQ)?,
                Ty::App(con, args) => {
                    if let TyCon::Adt(id) = con {
                        if self.adts.get(id.0 as usize).is_some_and(|a| !a.eq) {
                            return Err(UnifyError::NotInClass(self.resolve(ty), class));
                        }
                    }
                    for a in args {
                        self.constrain(a, Class::EQ)
                            .map_err(|_| UnifyError::NotInClass(self.resolve(ty), class))?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether `v` occurs in `ty`: a walk with an explicit work list, so
    /// that no depth of type overflows the stack. It marks the bound
    /// variables it finds ground on the way.
    fn occurs(&mut self, v: TyVar, ty: &Ty) -> bool {
        enum Step<'a> {
            Enter(&'a Ty),
            /// The end of a bound variable's type, and how many unbound
            /// variables had been seen before it.
            Exit(usize, usize),
        }
        let (vars, ground) = (&self.vars, &mut self.ground);
        let mut unbound_seen = 0;
        let mut todo = vec![Step::Enter(ty)];
        while let Some(step) = todo.pop() {
            let ty = match step {
                Step::Enter(ty) => ty,
                Step::Exit(w, before) => {
                    if unbound_seen == before {
                        ground[w] = true;
                    }
                    continue;
                }
            };
            match ty {
                Ty::Var(w) if *w == v => return true,
                Ty::Var(w) => match &vars[w.0 as usize] {
                    VarState::Bound(t) if !ground[w.0 as usize] => {
                        todo.push(Step::Exit(w.0 as usize, unbound_seen));
                        todo.push(Step::Enter(t));
                    }
                    VarState::Bound(_) => {}
                    VarState::Unbound(_) => unbound_seen += 1,
                },
                Ty::Fn(params, ret) => {
                    todo.extend(params.iter().map(Step::Enter));
                    todo.push(Step::Enter(ret));
                }
                Ty::App(_, args) => todo.extend(args.iter().map(Step::Enter)),
                _ => {}
            }
        }
        false
    }

    fn bind(&mut self, v: TyVar, ty: Ty) -> Result<(), UnifyError> {
        if self.occurs(v, &ty) {
            return Err(UnifyError::Occurs(v, self.resolve(&ty)));
        }
        let class = self.class_of(v);
        match &ty {
            Ty::Var(w) => {
                let merged = self.class_of(*w).meet(class);
                if merged.scalars == Some(0) {
                    return Err(UnifyError::Mismatch(Ty::Var(v), ty.clone()));
                }
                self.vars[w.0 as usize] = VarState::Unbound(merged);
            }
            other => self.check_in_class(other, class)?,
        }
        self.vars[v.0 as usize] = VarState::Bound(ty);
        if let Some(slot) = self.origins.get_mut(v.0 as usize) {
            *slot = self.origin;
        }
        Ok(())
    }

    /// Where the type `ty` stands for was decided: the origin of the last
    /// variable in its chain of bindings that has one.
    pub fn decided_at(&self, ty: &Ty) -> Option<Origin> {
        let mut ty = ty.clone();
        let mut found = None;
        while let Ty::Var(v) = ty {
            match self.state(v) {
                VarState::Bound(t) => {
                    if let Some(Some(o)) = self.origins.get(v.0 as usize) {
                        found = Some(*o);
                    }
                    ty = t.clone();
                }
                VarState::Unbound(_) => break,
            }
        }
        found
    }

    /// Makes `a` and `b` the same type, or says why they cannot be. An
    /// error's type agrees with every type and stays unknown: each use of a
    /// broken expression is free to be whatever its context needs.
    pub fn unify(&mut self, a: &Ty, b: &Ty) -> Result<(), UnifyError> {
        crate::with_stack(|| self.unify_here(a, b))
    }

    fn unify_here(&mut self, a: &Ty, b: &Ty) -> Result<(), UnifyError> {
        let (a, b) = (self.shallow(a), self.shallow(b));
        if self.is_error(&a) || self.is_error(&b) {
            return Ok(());
        }
        match (&a, &b) {
            (Ty::Var(x), Ty::Var(y)) if x == y => Ok(()),
            (Ty::Var(x), _) => self.bind(*x, b.clone()),
            (_, Ty::Var(y)) => self.bind(*y, a.clone()),
            (Ty::Fn(pa, ra), Ty::Fn(pb, rb)) => {
                if pa.len() != pb.len() {
                    return Err(UnifyError::Mismatch(self.resolve(&a), self.resolve(&b)));
                }
                for (x, y) in pa.iter().zip(pb) {
                    self.unify(x, y)
                        .map_err(|_| UnifyError::Mismatch(self.resolve(&a), self.resolve(&b)))?;
                }
                self.unify(ra, rb)
                    .map_err(|_| UnifyError::Mismatch(self.resolve(&a), self.resolve(&b)))
            }
            (Ty::App(ca, xa), Ty::App(cb, xb)) => {
                if ca != cb || xa.len() != xb.len() {
                    return Err(UnifyError::Mismatch(self.resolve(&a), self.resolve(&b)));
                }
                for (x, y) in xa.iter().zip(xb) {
                    self.unify(x, y)
                        .map_err(|_| UnifyError::Mismatch(self.resolve(&a), self.resolve(&b)))?;
                }
                Ok(())
            }
            _ if a == b && !matches!(a, Ty::Gen(_)) => Ok(()),
            _ => Err(UnifyError::Mismatch(a, b)),
        }
    }

    /// Quantifies every unbound variable of `ty` (top-level functions only:
    /// there is no enclosing environment whose variables must stay free).
    pub fn generalise(&self, ty: &Ty) -> Scheme {
        let mut vars = Vec::new();
        let body = self.generalise_in(ty, &mut vars);
        Scheme {
            classes: vars.iter().map(|v| self.class_of(*v)).collect(),
            ty: body,
        }
    }

    /// Quantifies the unbound variables of `ty` except those in `fixed` (the
    /// ones an enclosing environment still mentions): let-polymorphism for
    /// local closures.
    pub fn generalise_except(&self, ty: &Ty, fixed: &std::collections::HashSet<TyVar>) -> Scheme {
        let mut vars = Vec::new();
        let body = self.generalise_in_except(ty, &mut vars, fixed);
        Scheme {
            classes: vars.iter().map(|v| self.class_of(*v)).collect(),
            ty: body,
        }
    }

    fn generalise_in_except(
        &self,
        ty: &Ty,
        vars: &mut Vec<TyVar>,
        fixed: &std::collections::HashSet<TyVar>,
    ) -> Ty {
        crate::with_stack(|| self.generalise_in_except_here(ty, vars, fixed))
    }

    fn generalise_in_except_here(
        &self,
        ty: &Ty,
        vars: &mut Vec<TyVar>,
        fixed: &std::collections::HashSet<TyVar>,
    ) -> Ty {
        match self.shallow(ty) {
            Ty::Var(v) if fixed.contains(&v) || self.errors.contains(&v) => Ty::Var(v),
            Ty::Var(v) => {
                let idx = match vars.iter().position(|w| *w == v) {
                    Some(i) => i,
                    None => {
                        vars.push(v);
                        vars.len() - 1
                    }
                };
                Ty::Gen(idx as u32)
            }
            other => other.map_children(|c| self.generalise_in_except(c, vars, fixed)),
        }
    }

    fn generalise_in(&self, ty: &Ty, vars: &mut Vec<TyVar>) -> Ty {
        crate::with_stack(|| self.generalise_in_here(ty, vars))
    }

    fn generalise_in_here(&self, ty: &Ty, vars: &mut Vec<TyVar>) -> Ty {
        match self.shallow(ty) {
            // An error's type stays itself: every use of the function is as
            // quiet about it as the function is.
            Ty::Var(v) if self.errors.contains(&v) => Ty::Var(v),
            Ty::Var(v) => {
                let idx = match vars.iter().position(|w| *w == v) {
                    Some(i) => i,
                    None => {
                        vars.push(v);
                        vars.len() - 1
                    }
                };
                Ty::Gen(idx as u32)
            }
            other => other.map_children(|c| self.generalise_in(c, vars)),
        }
    }

    /// A fresh copy of the scheme's type, each quantified variable replaced
    /// by a new variable of its class.
    pub fn instantiate(&mut self, scheme: &Scheme) -> Ty {
        let fresh: Vec<Ty> = scheme.classes.iter().map(|c| self.fresh_in(*c)).collect();
        substitute_gen(&scheme.ty, &fresh)
    }

    /// The type as users write it, with unbound variables named `?T1`,
    /// `?T2`, ... in order of appearance.
    pub fn display(&self, ty: &Ty) -> String {
        let mut names = Vec::new();
        let mut out = String::new();
        self.write_ty(&self.resolve(ty), &mut names, &mut out);
        out
    }

    fn write_ty(&self, ty: &Ty, names: &mut Vec<TyVar>, out: &mut String) {
        crate::with_stack(|| self.write_ty_here(ty, names, out))
    }

    fn write_ty_here(&self, ty: &Ty, names: &mut Vec<TyVar>, out: &mut String) {
        match ty {
            Ty::Int => out.push_str("Int"),
            Ty::Float => out.push_str("Float"),
            Ty::Bool => out.push_str("Bool"),
            Ty::Str => out.push_str("String"),
            Ty::Unit => out.push_str("()"),
            Ty::Fn(params, ret) => {
                out.push_str("fn(");
                for (i, p) in params.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.write_ty(p, names, out);
                }
                out.push_str(") -> ");
                self.write_ty(ret, names, out);
            }
            Ty::App(con, args) => {
                let (open, close) = match con {
                    TyCon::Array => ("[", "]"),
                    TyCon::Tuple => ("(", ")"),
                    TyCon::Map => ("Map<", ">"),
                    TyCon::Set => ("Set<", ">"),
                    TyCon::Tree => ("Tree<", ">"),
                    TyCon::Graph => ("Graph<", ">"),
                    TyCon::Adt(id) => {
                        let name = self
                            .adts
                            .get(id.0 as usize)
                            .map_or("?", |a| a.name.as_str());
                        out.push_str(name);
                        if args.is_empty() {
                            return;
                        }
                        ("<", ">")
                    }
                };
                out.push_str(open);
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.write_ty(a, names, out);
                }
                out.push_str(close);
            }
            Ty::Var(v) => {
                let idx = names.iter().position(|w| w == v).unwrap_or_else(|| {
                    names.push(*v);
                    names.len() - 1
                });
                out.push_str(&var_name(idx));
            }
            Ty::Gen(i) => out.push_str(&gen_name(*i as usize)),
        }
    }
}

/// `?T1`, `?T2`, ...: a type not known yet, never a name a user could have
/// written.
fn var_name(idx: usize) -> String {
    format!("?T{}", idx + 1)
}

/// `a`, `b`, ...: the parameters of a generalised scheme (a signature).
fn gen_name(idx: usize) -> String {
    let letter = (b'a' + (idx % 26) as u8) as char;
    if idx < 26 {
        letter.to_string()
    } else {
        format!("{letter}{}", idx / 26)
    }
}

/// Replaces `Gen(i)` by `args[i]`.
pub fn substitute_gen(ty: &Ty, args: &[Ty]) -> Ty {
    crate::with_stack(|| match ty {
        Ty::Gen(i) => args.get(*i as usize).cloned().unwrap_or(Ty::Unit),
        other => other.map_children(|c| substitute_gen(c, args)),
    })
}

/// A polymorphic type `forall a b. ty`, each quantified variable with its class.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scheme {
    pub classes: Vec<Class>,
    pub ty: Ty,
}

impl Scheme {
    pub fn mono(ty: Ty) -> Scheme {
        Scheme {
            classes: Vec::new(),
            ty,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let table = TypeTable::default();
        f.write_str(&table.display(&self.ty))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_meet_and_reject() {
        let mut t = TypeTable::default();
        let a = t.fresh_in(Class::ADD);
        assert!(t.constrain(&a, Class::NUM).is_ok());
        assert!(t.unify(&a, &Ty::Str).is_err());
        assert!(t.unify(&a, &Ty::Float).is_ok());
        assert_eq!(t.resolve(&a), Ty::Float);
    }

    #[test]
    fn occurs_check() {
        let mut t = TypeTable::default();
        let a = t.fresh();
        let f = Ty::func(vec![a.clone()], Ty::Int);
        assert!(matches!(t.unify(&a, &f), Err(UnifyError::Occurs(..))));
    }

    #[test]
    fn generalise_and_instantiate() {
        let mut t = TypeTable::default();
        let a = t.fresh_in(Class::ORD);
        let id = Ty::func(vec![a.clone()], a);
        let scheme = t.generalise(&id);
        assert_eq!(scheme.to_string(), "fn(a) -> a");
        let inst = t.instantiate(&scheme);
        assert!(t.unify(&inst, &Ty::func(vec![Ty::Str], Ty::Str)).is_ok());
        let inst2 = t.instantiate(&scheme);
        assert!(t
            .unify(&inst2, &Ty::func(vec![Ty::Bool], Ty::Bool))
            .is_err());
    }

    #[test]
    fn eq_class_rejects_functions() {
        let mut t = TypeTable::default();
        let a = t.fresh_in(Class::EQ);
        assert!(t.unify(&a, &Ty::func(vec![], Ty::Int)).is_err());
    }
}
