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
//!
//! Types are shared, not copied: the components of a function type or a
//! constructor application sit behind an [`Arc`], so cloning a type is O(1)
//! and `let x1 = (x0, x0)` holds `x0`'s type once. Every walk over a type
//! (the occurs check, resolution, generalisation, instantiation, display)
//! visits a shared component once, keyed by its address, so its work is
//! linear in the size of the shared graph, not of the tree it stands for.
//! Invariant: no type the checker accepts is larger, written out as a tree,
//! than [`MAX_TYPE_SIZE`] nodes; binding a variable to a larger one fails
//! with [`UnifyError::TooLarge`] ("this type is too large to check"), and
//! [`TypeTable::display`] prints at most [`MAX_DISPLAY`] bytes of a type.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The most nodes a type may have when written out as a tree (every shared
/// component counted at each of its uses): a program whose types grow past
/// it, such as a chain of `let` closures each applying the previous one
/// twice, is refused with E0210 before the checker's work grows with it.
pub const MAX_TYPE_SIZE: u64 = 100_000;

/// The most bytes of one type a message shows; past it the type ends in
/// `...`.
pub const MAX_DISPLAY: usize = 400;

/// The pairs of shared components one unification has already made equal,
/// or the components one class check has already checked: a component
/// shared many times in a type is visited once. It holds the components,
/// so that no address it remembers is freed and reused during the walk.
#[derive(Default)]
struct Shared {
    pairs: std::collections::HashSet<(usize, usize, usize, usize)>,
    held: Vec<Arc<[Ty]>>,
    held_rets: Vec<Arc<Ty>>,
}

impl Shared {
    fn addr(xs: &Arc<[Ty]>) -> usize {
        Arc::as_ptr(xs) as *const Ty as usize
    }

    /// Whether the arguments `(a, b)` of two applications of one
    /// constructor are met for the first time (and remembers them).
    fn first_pair(&mut self, a: &Arc<[Ty]>, b: &Arc<[Ty]>) -> bool {
        let fresh = self.pairs.insert((Self::addr(a), 0, Self::addr(b), 0));
        if fresh {
            self.held.push(a.clone());
            self.held.push(b.clone());
        }
        fresh
    }

    /// Whether two function types, as parameters and result, are met for
    /// the first time (and remembers them).
    fn first_fn_pair(
        &mut self,
        (pa, ra): (&Arc<[Ty]>, &Arc<Ty>),
        (pb, rb): (&Arc<[Ty]>, &Arc<Ty>),
    ) -> bool {
        let key = (
            Self::addr(pa),
            Arc::as_ptr(ra) as usize,
            Self::addr(pb),
            Arc::as_ptr(rb) as usize,
        );
        let fresh = self.pairs.insert(key);
        if fresh {
            self.held.extend([pa.clone(), pb.clone()]);
            self.held_rets.extend([ra.clone(), rb.clone()]);
        }
        fresh
    }

    /// Whether `a` is met for the first time (and remembers it).
    fn first(&mut self, a: &Arc<[Ty]>) -> bool {
        let fresh = self.pairs.insert((Self::addr(a), 0, 0, 0));
        if fresh {
            self.held.push(a.clone());
        }
        fresh
    }
}

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
    Fn(Arc<[Ty]>, Arc<Ty>),
    /// A constructor applied to its arguments: `[Int]`, `(Int, String)`,
    /// `Option<a>`.
    App(TyCon, Arc<[Ty]>),
    Var(TyVar),
    /// The `i`-th quantified variable of the enclosing scheme.
    Gen(u32),
}

impl Ty {
    pub fn func(params: Vec<Ty>, ret: Ty) -> Ty {
        Ty::Fn(params.into(), Arc::new(ret))
    }

    pub fn app(con: TyCon, args: Vec<Ty>) -> Ty {
        Ty::App(con, args.into())
    }

    pub fn array(elem: Ty) -> Ty {
        Ty::app(TyCon::Array, vec![elem])
    }

    pub fn tuple(items: Vec<Ty>) -> Ty {
        if items.is_empty() {
            Ty::Unit
        } else {
            Ty::app(TyCon::Tuple, items)
        }
    }

    /// Applies `f` to each direct component type.
    fn map_children(&self, mut f: impl FnMut(&Ty) -> Ty) -> Ty {
        match self {
            Ty::Fn(params, ret) => Ty::Fn(params.iter().map(&mut f).collect(), Arc::new(f(ret))),
            Ty::App(con, args) => Ty::App(*con, args.iter().map(f).collect()),
            other => other.clone(),
        }
    }

    /// The identity of a shared component: the address of this type, which
    /// is stable while the type that holds it lives.
    fn key(&self) -> usize {
        self as *const Ty as usize
    }
}

/// What a rebuilding walk does with the variables it meets.
enum Leaves<'a> {
    /// Bound variables become their types; unbound ones stay.
    Resolve,
    /// Unbound variables not in `fixed` (nor errors' types) become `Gen`s,
    /// numbered in order of appearance in `vars`.
    Generalise {
        vars: &'a mut Vec<TyVar>,
        fixed: Option<&'a std::collections::HashSet<TyVar>>,
    },
    /// `Gen(i)` becomes `args[i]`.
    Substitute(&'a [Ty]),
}

/// A rebuilding walk (resolution, generalisation, instantiation) that
/// rebuilds each shared component once: the memo keeps the result for every
/// compound component already rebuilt, by address.
struct Rebuild<'a> {
    table: Option<&'a TypeTable>,
    leaves: Leaves<'a>,
    memo: HashMap<usize, Ty>,
}

impl<'a> Rebuild<'a> {
    fn new(table: Option<&'a TypeTable>, leaves: Leaves<'a>) -> Self {
        Rebuild {
            table,
            leaves,
            memo: HashMap::new(),
        }
    }

    fn run(&mut self, ty: &Ty) -> Ty {
        crate::with_stack(|| self.run_here(ty))
    }

    fn run_here(&mut self, ty: &Ty) -> Ty {
        match ty {
            Ty::Fn(..) | Ty::App(..) => {
                if let Some(done) = self.memo.get(&ty.key()) {
                    return done.clone();
                }
                let out = ty.map_children(|c| self.run(c));
                self.memo.insert(ty.key(), out.clone());
                out
            }
            Ty::Var(v) => {
                // Without a table (instantiation), variables stay.
                let Some(table) = self.table else {
                    return ty.clone();
                };
                match table.state(*v) {
                    VarState::Bound(t) => self.run(t),
                    VarState::Unbound(_) => match &mut self.leaves {
                        Leaves::Generalise { vars, fixed } => {
                            if fixed.is_some_and(|f| f.contains(v)) || table.errors.contains(v) {
                                return ty.clone();
                            }
                            let idx = vars.iter().position(|w| w == v).unwrap_or_else(|| {
                                vars.push(*v);
                                vars.len() - 1
                            });
                            Ty::Gen(idx as u32)
                        }
                        _ => ty.clone(),
                    },
                }
            }
            Ty::Gen(i) => match &self.leaves {
                Leaves::Substitute(args) => args.get(*i as usize).cloned().unwrap_or(Ty::Unit),
                _ => ty.clone(),
            },
            _ => ty.clone(),
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
    /// The type would be larger than [`MAX_TYPE_SIZE`].
    TooLarge,
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
    /// The size of each ground variable's type, as a tree.
    sizes: Vec<u32>,
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
        self.sizes.push(0);
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

    /// Whether an error's type occurs anywhere inside `ty`: a walk with a
    /// work list that visits each shared component once.
    pub fn mentions_error(&self, ty: &Ty) -> bool {
        if self.errors.is_empty() {
            return false;
        }
        let mut seen = std::collections::HashSet::new();
        let mut todo = vec![ty];
        while let Some(ty) = todo.pop() {
            let ty = self.shallow_ref(ty);
            match ty {
                Ty::Var(v) if self.errors.contains(v) => return true,
                Ty::Fn(params, ret) if seen.insert(ty.key()) => {
                    todo.extend(params.iter());
                    todo.push(ret);
                }
                Ty::App(_, args) if seen.insert(ty.key()) => todo.extend(args.iter()),
                _ => {}
            }
        }
        false
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

    /// If `ty` is a `Map`, `Set` or `Tree` whose key type has a function
    /// inside (through any nesting, or a user type with a function field),
    /// the collection's name and the key type: keys are compared and
    /// hashed structurally, which a function is not (E0211).
    pub fn function_in_key(&self, ty: &Ty) -> Option<(&'static str, Ty)> {
        let Ty::App(con, args) = self.shallow_ref(ty) else {
            return None;
        };
        if !matches!(con, TyCon::Map | TyCon::Set | TyCon::Tree) {
            return None;
        }
        let name = super::builtin::con_name(con)?;
        let key = args.first()?;
        let mut seen = std::collections::HashSet::new();
        let mut todo = vec![key];
        while let Some(t) = todo.pop() {
            let t = self.shallow_ref(t);
            match t {
                Ty::Fn(..) => return Some((name, key.clone())),
                Ty::App(con, args) if seen.insert(t.key()) => {
                    if let TyCon::Adt(id) = con {
                        if self.adts.get(id.0 as usize).is_some_and(|a| !a.eq) {
                            return Some((name, key.clone()));
                        }
                    }
                    todo.extend(args.iter());
                }
                _ => {}
            }
        }
        None
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

    /// Replaces every bound variable in `ty`, recursively; a component
    /// shared in `ty` stays shared in the result.
    pub fn resolve(&self, ty: &Ty) -> Ty {
        Rebuild::new(Some(self), Leaves::Resolve).run(ty)
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
            // A work list over the components, each shared one once.
            let mut seen = Shared::default();
            let mut todo = vec![ty.clone()];
            while let Some(t) = todo.pop() {
                match self.shallow(&t) {
                    Ty::Fn(..) => return Err(UnifyError::NotInClass(self.resolve(ty), class)),
                    Ty::Var(v) if !self.errors.contains(&v) => {
                        let merged = self.class_of(v).meet(Class::EQ);
                        self.vars[v.0 as usize] = VarState::Unbound(merged);
                    }
                    Ty::App(con, args) => {
                        if let TyCon::Adt(id) = con {
                            if self.adts.get(id.0 as usize).is_some_and(|a| !a.eq) {
                                return Err(UnifyError::NotInClass(self.resolve(ty), class));
                            }
                        }
                        if seen.first(&args) {
                            todo.extend(args.iter().cloned());
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Whether `v` occurs in `ty` ([`UnifyError::Occurs`]) or `ty` is
    /// larger than [`MAX_TYPE_SIZE`] ([`UnifyError::TooLarge`]). A walk
    /// with an explicit work list, so that no depth of type overflows the
    /// stack, that visits each shared component once (its size and its
    /// count of unbound variables are remembered for its other uses). It
    /// marks the bound variables it finds ground on the way, with their
    /// sizes: a ground type never changes, so later walks stop there.
    fn inspect(&mut self, v: TyVar, ty: &Ty) -> Result<(), UnifyError> {
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        enum Key {
            Node(usize),
            Var(u32),
        }
        enum Step<'a> {
            Enter(&'a Ty),
            /// The end of a component, with the size and the number of
            /// unbound variables counted before it.
            Exit(Key, u64, u64),
        }
        let (vars, ground, sizes) = (&self.vars, &mut self.ground, &mut self.sizes);
        let mut memo: HashMap<Key, (u64, u64)> = HashMap::new();
        let (mut size, mut unbound) = (0u64, 0u64);
        let mut todo = vec![Step::Enter(ty)];
        while let Some(step) = todo.pop() {
            let ty = match step {
                Step::Enter(ty) => ty,
                Step::Exit(key, size0, unbound0) => {
                    let delta = (size - size0, unbound - unbound0);
                    if let Key::Var(w) = key {
                        if delta.1 == 0 {
                            ground[w as usize] = true;
                            sizes[w as usize] = delta.0 as u32;
                        }
                    }
                    memo.insert(key, delta);
                    continue;
                }
            };
            let key = match ty {
                Ty::Var(w) if *w == v => return Err(UnifyError::Occurs(v, Ty::Unit)),
                Ty::Var(w) => Key::Var(w.0),
                Ty::Fn(..) | Ty::App(..) => Key::Node(ty.key()),
                _ => {
                    size += 1;
                    continue;
                }
            };
            if let Some((s, u)) = memo.get(&key) {
                size += s;
                unbound += u;
            } else {
                match ty {
                    Ty::Var(w) => match &vars[w.0 as usize] {
                        VarState::Bound(_) if ground[w.0 as usize] => {
                            size += u64::from(sizes[w.0 as usize]);
                        }
                        VarState::Bound(t) => {
                            todo.push(Step::Exit(key, size, unbound));
                            todo.push(Step::Enter(t));
                        }
                        VarState::Unbound(_) => {
                            size += 1;
                            unbound += 1;
                        }
                    },
                    Ty::Fn(params, ret) => {
                        size += 1;
                        todo.push(Step::Exit(key, size - 1, unbound));
                        todo.extend(params.iter().map(Step::Enter));
                        todo.push(Step::Enter(ret));
                    }
                    Ty::App(_, args) => {
                        size += 1;
                        todo.push(Step::Exit(key, size - 1, unbound));
                        todo.extend(args.iter().map(Step::Enter));
                    }
                    _ => unreachable!("scalars were counted above"),
                }
            }
            if size > MAX_TYPE_SIZE {
                return Err(UnifyError::TooLarge);
            }
        }
        Ok(())
    }

    fn bind(&mut self, v: TyVar, ty: Ty) -> Result<(), UnifyError> {
        match self.inspect(v, &ty) {
            Err(UnifyError::Occurs(..)) => return Err(UnifyError::Occurs(v, self.resolve(&ty))),
            Err(other) => return Err(other),
            Ok(()) => {}
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
        self.unify_in(a, b, &mut Shared::default())
    }

    fn unify_in(&mut self, a: &Ty, b: &Ty, seen: &mut Shared) -> Result<(), UnifyError> {
        crate::with_stack(|| self.unify_here(a, b, seen))
    }

    fn unify_here(&mut self, a: &Ty, b: &Ty, seen: &mut Shared) -> Result<(), UnifyError> {
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
                if !seen.first_fn_pair((pa, ra), (pb, rb)) {
                    return Ok(());
                }
                let mismatch = |t: &mut Self, e| match e {
                    UnifyError::TooLarge => e,
                    _ => UnifyError::Mismatch(t.resolve(&a), t.resolve(&b)),
                };
                for (x, y) in pa.iter().zip(pb.iter()) {
                    if let Err(e) = self.unify_in(x, y, seen) {
                        return Err(mismatch(self, e));
                    }
                }
                self.unify_in(ra, rb, seen).map_err(|e| mismatch(self, e))
            }
            (Ty::App(ca, xa), Ty::App(cb, xb)) => {
                if ca != cb || xa.len() != xb.len() {
                    return Err(UnifyError::Mismatch(self.resolve(&a), self.resolve(&b)));
                }
                if !seen.first_pair(xa, xb) {
                    return Ok(());
                }
                for (x, y) in xa.iter().zip(xb.iter()) {
                    if let Err(e) = self.unify_in(x, y, seen) {
                        return Err(match e {
                            UnifyError::TooLarge => e,
                            _ => UnifyError::Mismatch(self.resolve(&a), self.resolve(&b)),
                        });
                    }
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
        let leaves = Leaves::Generalise {
            vars,
            fixed: Some(fixed),
        };
        Rebuild::new(Some(self), leaves).run(ty)
    }

    fn generalise_in(&self, ty: &Ty, vars: &mut Vec<TyVar>) -> Ty {
        let leaves = Leaves::Generalise { vars, fixed: None };
        Rebuild::new(Some(self), leaves).run(ty)
    }

    /// A fresh copy of the scheme's type, each quantified variable replaced
    /// by a new variable of its class.
    pub fn instantiate(&mut self, scheme: &Scheme) -> Ty {
        let fresh: Vec<Ty> = scheme.classes.iter().map(|c| self.fresh_in(*c)).collect();
        substitute_gen(&scheme.ty, &fresh)
    }

    /// The type as users write it, with unbound variables named `?T1`,
    /// `?T2`, ... in order of appearance. Past [`MAX_DISPLAY`] bytes the rest
    /// of the type is `...`: every node writes at least one byte, so the walk
    /// stops early however large (or shared) the type is.
    pub fn display(&self, ty: &Ty) -> String {
        let mut names = Vec::new();
        let mut out = String::new();
        self.write_ty(ty, &mut names, &mut out);
        out
    }

    fn write_ty(&self, ty: &Ty, names: &mut Vec<TyVar>, out: &mut String) {
        if out.len() >= MAX_DISPLAY {
            if !out.ends_with("...") {
                out.push_str("...");
            }
            return;
        }
        crate::with_stack(|| self.write_ty_here(self.shallow_ref(ty), names, out))
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
                    TyCon::Map | TyCon::Set | TyCon::Tree | TyCon::Graph => {
                        out.push_str(super::builtin::con_name(con).unwrap_or("?"));
                        ("<", ">")
                    }
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
    Rebuild::new(None, Leaves::Substitute(args)).run(ty)
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
    fn shared_parameters_do_not_hide_results() {
        // Two function types with the same (shared) parameter list but
        // different results: unifying one pair does not stand for the other.
        let mut t = TypeTable::default();
        let a = t.fresh();
        let params: Arc<[Ty]> = vec![Ty::Int].into();
        let f = |ret: Ty| Ty::Fn(params.clone(), Arc::new(ret));
        let left = Ty::tuple(vec![f(Ty::Int), f(a.clone())]);
        let right = Ty::tuple(vec![f(Ty::Int), f(Ty::Bool)]);
        assert!(t.unify(&left, &right).is_ok());
        assert_eq!(t.resolve(&a), Ty::Bool);
    }

    #[test]
    fn shared_types_are_walked_once_and_capped() {
        // A chain of 60 pairs, 2^60 leaves as a tree: unification with a
        // copy built apart, and resolution, visit each component once.
        let chain = |leaf: Ty| (0..60).fold(leaf, |x, _| Ty::tuple(vec![x.clone(), x]));
        let mut t = TypeTable::default();
        let a = t.fresh();
        assert!(t.unify(&chain(a.clone()), &chain(Ty::Int)).is_ok());
        assert_eq!(t.resolve(&a), Ty::Int);
        assert!(t.display(&chain(Ty::Int)).len() < 2 * MAX_DISPLAY);
        // Binding a variable to it is refused: too large to check.
        let b = t.fresh();
        assert_eq!(t.unify(&b, &chain(Ty::Int)), Err(UnifyError::TooLarge));
        // Just under the limit is accepted (2^15 leaves, 65,535 parts).
        let small = (0..15).fold(Ty::Int, |x, _| Ty::tuple(vec![x.clone(), x]));
        let c = t.fresh();
        assert!(t.unify(&c, &small).is_ok());
    }

    #[test]
    fn eq_class_rejects_functions() {
        let mut t = TypeTable::default();
        let a = t.fresh_in(Class::EQ);
        assert!(t.unify(&a, &Ty::func(vec![], Ty::Int)).is_err());
    }
}
