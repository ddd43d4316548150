//! The typed IR: what type inference hands to code generation.
//!
//! Names are resolved (a local is a [`LocalId`], a function a [`FnId`], a
//! native a [`NativeId`], a field or variant its index), every expression
//! carries its type (possibly a type variable, to be read through the
//! program's final `TypeTable`), and the surface's sugar is gone: compound
//! assignment is an assignment of a binary operation, a method call is a call
//! with the receiver first, a closure is a reference to a lifted function
//! plus the variables it captures. The IR never refers back to the AST
//! except through spans.

use super::types::{AdtId, Ty};
use mvl_syntax::ast::{BinOp, Span, UnaryOp};

/// A function's identity, stable across edits of anything else: a declared
/// function, method or constant (`decl`, given by the database from its
/// module and item path, with `closure` 0), or the `closure`-th closure
/// (from 1, in the order they are written) lifted out of it. Where a
/// function lands in the module's function table is decided at link time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnId {
    pub decl: u32,
    pub closure: u32,
}

impl FnId {
    /// The declared function `decl`.
    pub fn declared(decl: u32) -> FnId {
        FnId { decl, closure: 0 }
    }
}

/// A native function's index in [`super::Declarations::natives`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NativeId(pub u32);

/// A local variable (parameter or `let`/`var`/`for`/pattern binding) of one
/// top-level function, including the bodies of the closures inside it: a
/// closure shares the local table of the function it is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

#[derive(Clone, Debug, PartialEq)]
pub struct Local {
    pub name: String,
    pub ty: Ty,
    pub mutable: bool,
    /// A `var` captured by a closure lives in a heap cell, so that the
    /// function and every closure see one variable.
    pub boxed: bool,
    pub span: Span,
}

/// One function's checked body.
#[derive(Clone, Debug, PartialEq)]
pub struct FnBody {
    /// For a closure, the captured variables (of the enclosing function),
    /// which arrive first, before the parameters.
    pub captures: Vec<LocalId>,
    pub params: Vec<LocalId>,
    pub locals: Vec<Local>,
    pub body: Expr,
    /// What each name written in the body (and its closures) refers to:
    /// the facts behind the language server's hover, definition and
    /// references. Empty for a closure (its names are its function's).
    pub names: Vec<NameUse>,
}

/// One name written in a body, as the checker resolved it.
#[derive(Clone, Debug, PartialEq)]
pub struct NameUse {
    /// The name's own span (counted from its item, as every span here).
    pub span: Span,
    pub target: NameTarget,
    /// The name's type where it has one of its own (a local, a field),
    /// read through the component's final table.
    pub ty: Option<Ty>,
    /// Whether this is where the target is declared (a local's binding).
    pub def: bool,
}

/// What a name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NameTarget {
    Local(LocalId),
    Fn(FnId),
    Native(NativeId),
    Type(AdtId),
    /// A struct's field, by index.
    Field(AdtId, u32),
    /// An enum's variant, by index.
    Variant(AdtId, u32),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Callee {
    Fn(FnId),
    Native(NativeId),
    /// A value of function type, computed by the expression.
    Value(Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Unit,
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    Local(LocalId),
    /// A top-level function used as a value.
    FnRef(FnId),
    /// Evaluates each part, converts it to its display string and joins them.
    Interp(Vec<Expr>),
    Unary(UnaryOp, Box<Expr>),
    /// An arithmetic, comparison or bitwise operation (never `&&`/`||`); the
    /// operand type (read through the final substitution) picks the
    /// instruction.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// `place = value` (value `()`)
    Assign(Place, Box<Expr>),
    Call(Callee, Vec<Expr>),
    If(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    While(Box<Expr>, Box<Expr>),
    /// Runs the body forever: only `break` (to just after the loop) and
    /// `return` leave it. Its value is never used (see `sema` for `loop`'s).
    Loop(Box<Expr>),
    /// `for var in start..end` / `..=end`: bounds evaluated once.
    ForRange {
        var: LocalId,
        start: Box<Expr>,
        end: Box<Expr>,
        inclusive: bool,
        body: Box<Expr>,
    },
    /// `for pattern in array`: the array is evaluated once; each element is
    /// matched against the (irrefutable) pattern.
    ForArray {
        pattern: Pattern,
        array: Box<Expr>,
        body: Box<Expr>,
    },
    Break,
    Continue,
    Return(Box<Expr>),
    Block(Vec<Stmt>, Option<Box<Expr>>),
    /// `(a, b)`
    Tuple(Vec<Expr>),
    /// `[a, b]`
    Array(Vec<Expr>),
    /// A struct value, fields in declaration order.
    Struct(AdtId, Vec<Expr>),
    /// An enum value: the enum, the variant's index, its payload.
    Variant(AdtId, u32, Vec<Expr>),
    /// Field `index` of a tuple or struct.
    Field(Box<Expr>, u32),
    /// `array[index]`
    Index(Box<Expr>, Box<Expr>),
    Match(Box<Expr>, Vec<Arm>),
    /// A closure: the lifted function and the locals it captures, in the
    /// order of that function's `captures`.
    Closure(FnId, Vec<LocalId>),
    /// A method call or field access waiting for its receiver's type,
    /// replaced once inference of the function is done; never reaches
    /// codegen.
    Pending(u32),
    /// An expression that failed to check; never reaches codegen.
    Error,
}

/// Something that can be assigned to.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    Local(LocalId),
    /// `array[index] = value`: arrays are shared, so this changes the array
    /// every alias sees.
    Index(Box<Expr>, Box<Expr>),
    /// `place.field = value`: structs and tuples are values, so this builds
    /// a copy with one field replaced and stores it back into `place`.
    Field(Box<Place>, u32, Ty),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    pub pattern: Pattern,
    pub guard: Option<Expr>,
    pub body: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    pub kind: PatternKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PatternKind {
    Wildcard,
    Bind(LocalId),
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Unit,
    /// `lo..=hi` on Int.
    Range(i64, i64),
    Tuple(Vec<Pattern>),
    /// A struct's fields by index (fields not mentioned are not tested).
    Struct(AdtId, Vec<(u32, Pattern)>),
    /// An enum variant and patterns for its payload (all of it).
    Variant(AdtId, u32, Vec<Pattern>),
    /// Alternatives; each binds the same locals.
    Or(Vec<Pattern>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `let pattern = value;` with an irrefutable pattern.
    Let(Pattern, Expr),
    Expr(Expr),
}

impl Expr {
    /// Calls `f` on each direct subexpression, in evaluation order (the
    /// subexpressions of an assignment's place included). Closures' bodies
    /// are separate functions and are not children.
    pub fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Expr)) {
        match &self.kind {
            ExprKind::Unit
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::Str(_)
            | ExprKind::Local(_)
            | ExprKind::FnRef(_)
            | ExprKind::Break
            | ExprKind::Continue
            | ExprKind::Closure(..)
            | ExprKind::Pending(_)
            | ExprKind::Error => {}
            ExprKind::Interp(xs) | ExprKind::Tuple(xs) | ExprKind::Array(xs) => {
                xs.iter().for_each(f)
            }
            ExprKind::Struct(_, xs) | ExprKind::Variant(_, _, xs) => xs.iter().for_each(f),
            ExprKind::Unary(_, a)
            | ExprKind::Return(a)
            | ExprKind::Field(a, _)
            | ExprKind::Loop(a) => f(a),
            ExprKind::Binary(_, a, b)
            | ExprKind::And(a, b)
            | ExprKind::Or(a, b)
            | ExprKind::Index(a, b)
            | ExprKind::While(a, b) => {
                f(a);
                f(b);
            }
            ExprKind::Assign(place, value) => {
                place.for_each_expr(&mut f);
                f(value);
            }
            ExprKind::Call(callee, args) => {
                if let Callee::Value(v) = callee {
                    f(v);
                }
                args.iter().for_each(f);
            }
            ExprKind::If(c, t, els) => {
                f(c);
                f(t);
                if let Some(e) = els {
                    f(e);
                }
            }
            ExprKind::ForRange {
                start, end, body, ..
            } => {
                f(start);
                f(end);
                f(body);
            }
            ExprKind::ForArray { array, body, .. } => {
                f(array);
                f(body);
            }
            ExprKind::Block(stmts, tail) => {
                for s in stmts {
                    match s {
                        Stmt::Let(_, v) | Stmt::Expr(v) => f(v),
                    }
                }
                if let Some(t) = tail {
                    f(t);
                }
            }
            ExprKind::Match(s, arms) => {
                f(s);
                for arm in arms {
                    if let Some(g) = &arm.guard {
                        f(g);
                    }
                    f(&arm.body);
                }
            }
        }
    }

    /// [`Expr::for_each_child`], for changing the children in place.
    pub fn for_each_child_mut(&mut self, mut f: impl FnMut(&mut Expr)) {
        match &mut self.kind {
            ExprKind::Unit
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::Str(_)
            | ExprKind::Local(_)
            | ExprKind::FnRef(_)
            | ExprKind::Break
            | ExprKind::Continue
            | ExprKind::Closure(..)
            | ExprKind::Pending(_)
            | ExprKind::Error => {}
            ExprKind::Interp(xs) | ExprKind::Tuple(xs) | ExprKind::Array(xs) => {
                xs.iter_mut().for_each(f)
            }
            ExprKind::Struct(_, xs) | ExprKind::Variant(_, _, xs) => xs.iter_mut().for_each(f),
            ExprKind::Unary(_, a)
            | ExprKind::Return(a)
            | ExprKind::Field(a, _)
            | ExprKind::Loop(a) => f(a),
            ExprKind::Binary(_, a, b)
            | ExprKind::And(a, b)
            | ExprKind::Or(a, b)
            | ExprKind::Index(a, b)
            | ExprKind::While(a, b) => {
                f(a);
                f(b);
            }
            ExprKind::Assign(place, value) => {
                place.for_each_expr_mut(&mut f);
                f(value);
            }
            ExprKind::Call(callee, args) => {
                if let Callee::Value(v) = callee {
                    f(v);
                }
                args.iter_mut().for_each(f);
            }
            ExprKind::If(c, t, els) => {
                f(c);
                f(t);
                if let Some(e) = els {
                    f(e);
                }
            }
            ExprKind::ForRange {
                start, end, body, ..
            } => {
                f(start);
                f(end);
                f(body);
            }
            ExprKind::ForArray { array, body, .. } => {
                f(array);
                f(body);
            }
            ExprKind::Block(stmts, tail) => {
                for s in stmts {
                    match s {
                        Stmt::Let(_, v) | Stmt::Expr(v) => f(v),
                    }
                }
                if let Some(t) = tail {
                    f(t);
                }
            }
            ExprKind::Match(s, arms) => {
                f(s);
                for arm in arms {
                    if let Some(g) = &mut arm.guard {
                        f(g);
                    }
                    f(&mut arm.body);
                }
            }
        }
    }
}

impl Place {
    /// The expressions inside the place (arrays and indices).
    pub fn for_each_expr<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        match self {
            Place::Local(_) => {}
            Place::Index(a, i) => {
                f(a);
                f(i);
            }
            Place::Field(base, _, _) => base.for_each_expr(f),
        }
    }

    pub fn for_each_expr_mut(&mut self, f: &mut impl FnMut(&mut Expr)) {
        match self {
            Place::Local(_) => {}
            Place::Index(a, i) => {
                f(a);
                f(i);
            }
            Place::Field(base, _, _) => base.for_each_expr_mut(f),
        }
    }
}

impl Pattern {
    /// The locals the pattern binds (an or-pattern's once per alternative).
    pub fn bindings(&self, out: &mut Vec<LocalId>) {
        match &self.kind {
            PatternKind::Bind(id) => out.push(*id),
            PatternKind::Tuple(ps) | PatternKind::Variant(_, _, ps) | PatternKind::Or(ps) => {
                ps.iter().for_each(|p| p.bindings(out))
            }
            PatternKind::Struct(_, fs) => fs.iter().for_each(|(_, p)| p.bindings(out)),
            _ => {}
        }
    }
}
