//! The typed IR: what type inference hands to code generation.
//!
//! Names are resolved (a local is a [`LocalId`], a function a [`FnId`], a
//! native a [`NativeId`]), every expression carries its type (possibly a type
//! variable, to be read through the program's final `TypeTable`), and the
//! surface's sugar is gone (compound assignment is an assignment of a binary
//! operation, `>` is `<` with swapped operands where it matters to codegen).
//! The IR never refers back to the AST except through spans.

use super::types::Ty;
use mvl_syntax::ast::{BinOp, Span, UnaryOp};

/// A user function's index in [`super::CheckedProgram::functions`], which is
/// also its index in the module's function table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnId(pub u32);

/// A native function's index in [`super::CheckedProgram::natives`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NativeId(pub u32);

/// A local variable (parameter or `let`/`var`/`for` binding) of one function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LocalId(pub u32);

#[derive(Clone, Debug, PartialEq)]
pub struct Local {
    pub name: String,
    pub ty: Ty,
    pub mutable: bool,
    pub span: Span,
}

/// One function's checked body.
#[derive(Clone, Debug, PartialEq)]
pub struct FnBody {
    pub params: Vec<LocalId>,
    pub locals: Vec<Local>,
    pub body: Expr,
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
    /// `local = value` (value `()`)
    Assign(LocalId, Box<Expr>),
    Call(Callee, Vec<Expr>),
    If(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    While(Box<Expr>, Box<Expr>),
    /// `for var in start..end` / `..=end`: bounds evaluated once.
    ForRange {
        var: LocalId,
        start: Box<Expr>,
        end: Box<Expr>,
        inclusive: bool,
        body: Box<Expr>,
    },
    Break,
    Continue,
    Return(Box<Expr>),
    Block(Vec<Stmt>, Option<Box<Expr>>),
    /// An expression that failed to check; never reaches codegen.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Let(LocalId, Expr),
    Expr(Expr),
}
