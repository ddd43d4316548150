//! The abstract syntax tree of MVL, exactly as written.
//!
//! Every node carries a [`Span`] (byte offsets into its source file). The tree
//! knows nothing about names, types or salsa: resolution and inference happen
//! in `mvl_compiler::sema`, which reads this tree and never changes it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A half-open byte range `start..end` in one source file.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// One parsed `.mvl` file.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct File {
    pub items: Vec<Item>,
    /// The names written in text that error recovery cut out (statements
    /// replaced by error nodes): a later "cannot find" about one of them
    /// is most likely a consequence of the syntax error.
    pub broken_names: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Item {
    Fn(FnDecl),
    Struct(StructDecl),
    Enum(EnumDecl),
    Impl(ImplDecl),
    Import(ImportDecl),
    Const(ConstDecl),
    /// `test "name" { body }`: run by `mvlc test`, ignored by `run` and `build`.
    Test(TestDecl),
    /// Text at item level that did not parse (its syntax error is reported).
    Error(ErrorItem),
}

/// A broken item: where it is, and the names it seems to declare (`fn f`,
/// `struct S`, ... as far as the broken text tells), so that later passes
/// can stay silent about uses of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorItem {
    pub names: Vec<Ident>,
    /// Whether it seems to be a `struct`, `enum` or `impl`: then some
    /// fields or methods are unknown too.
    pub declares_type: bool,
    pub span: Span,
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Fn(it) => it.span,
            Item::Struct(it) => it.span,
            Item::Enum(it) => it.span,
            Item::Impl(it) => it.span,
            Item::Import(it) => it.span,
            Item::Const(it) => it.span,
            Item::Test(it) => it.span,
            Item::Error(it) => it.span,
        }
    }
}

/// `fn name<T>(a: A, b) -> R { body }`, or `native fn name(a: A) -> R;` whose
/// body lives in the VM's native half of the standard library.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FnDecl {
    pub name: Ident,
    pub type_params: Vec<Ident>,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    /// `None` exactly when the function is `native`.
    pub body: Option<Block>,
    pub span: Span,
}

/// A parameter of a function or closure. `self` is a parameter named `self`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    /// A closure parameter written as a tuple pattern (`|(a, b)| a + b`):
    /// the argument is destructured by it (`name` is then `_`).
    pub pattern: Option<Pattern>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StructDecl {
    pub name: Ident,
    pub type_params: Vec<Ident>,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnumDecl {
    pub name: Ident,
    pub type_params: Vec<Ident>,
    pub variants: Vec<VariantDecl>,
    pub span: Span,
}

/// `Name` or `Name(T, U)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantDecl {
    pub name: Ident,
    pub fields: Vec<TypeExpr>,
    pub span: Span,
}

/// `impl Name { fn ... }` or `impl<T> Name<T> { fn ... }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImplDecl {
    pub type_params: Vec<Ident>,
    pub target: TypeExpr,
    pub methods: Vec<FnDecl>,
    pub span: Span,
}

/// `import geometry;`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportDecl {
    pub module: Ident,
    pub span: Span,
}

/// `const NAME: T = expr;`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConstDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub span: Span,
}

/// `test "adds numbers" { assert_eq(1 + 1, 2); }`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestDecl {
    /// The test's name (the string's value).
    pub name: String,
    pub name_span: Span,
    pub body: Block,
    pub span: Span,
}

/// A type as written in an annotation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TypeExpr {
    /// `Int`, `T`, `Option<Int>`, `geometry::Shape`.
    Named {
        path: Vec<Ident>,
        args: Vec<TypeExpr>,
        span: Span,
    },
    /// `()` (no elements) or `(A, B)`; `(A)` is just `A`.
    Tuple(Vec<TypeExpr>, Span),
    /// `[T]`
    Array(Box<TypeExpr>, Span),
    /// `fn(A, B) -> C`; a missing `-> C` means `-> ()`.
    Fn {
        params: Vec<TypeExpr>,
        ret: Option<Box<TypeExpr>>,
        span: Span,
    },
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named { span, .. }
            | TypeExpr::Tuple(_, span)
            | TypeExpr::Array(_, span)
            | TypeExpr::Fn { span, .. } => *span,
        }
    }
}

/// `{ stmts; tail }`. The tail is the block's value; a block without one has
/// the value `()`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Box<Expr>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Stmt {
    /// `let p: T = e;` or `var p = e;` (`mutable` is true for `var`).
    Let {
        mutable: bool,
        pattern: Pattern,
        ty: Option<TypeExpr>,
        value: Expr,
        span: Span,
    },
    /// `let p = e else { .. };` (or `var`): `p` may be refutable; when `e`
    /// does not match, the `else` block runs, and it must not end normally.
    LetElse {
        mutable: bool,
        pattern: Pattern,
        ty: Option<TypeExpr>,
        value: Expr,
        els: Block,
        span: Span,
    },
    /// An expression used for its effect: `f(x);`, or a block-like
    /// expression (`if`, `while`, `for`, `match`, a block) with or without `;`.
    Expr(Expr),
    /// A nested item, such as a local `fn` (reserved: not yet accepted by sema).
    Item(Box<Item>),
    /// A statement that did not parse (its syntax error is reported).
    Error(Span),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `!b`
    Not,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Literal {
    Int(i64),
    Float(f64),
    Bool(bool),
    /// The string's value, escapes already decoded.
    Str(String),
    /// `()`
    Unit,
}

/// How an interpolation hole formats its value: `"{x:>8.2}"`, written
/// `[[fill]align][0][width][.precision][?]` (see `lang-spec/lexical.md`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct FormatSpec {
    /// The character that pads to `width` (default a space).
    pub fill: char,
    /// `<` left, `>` right, `^` centre; `None`: numbers right, else left.
    pub align: Option<char>,
    /// `0`: pad numbers with zeros after their sign.
    pub zero: bool,
    pub width: Option<u32>,
    /// Digits after the point of a Float; the most characters of anything else.
    pub precision: Option<u32>,
    /// `?`: the debug form (a String quoted, as inside a collection).
    pub debug: bool,
}

impl FormatSpec {
    /// Reads a spec as written after the `:`.
    pub fn parse(text: &str) -> Result<FormatSpec, String> {
        let chars: Vec<char> = text.chars().collect();
        let mut spec = FormatSpec {
            fill: ' ',
            ..FormatSpec::default()
        };
        let mut i = 0;
        let is_align = |c: char| matches!(c, '<' | '>' | '^');
        if chars.len() >= 2 && is_align(chars[1]) {
            spec.fill = chars[0];
            spec.align = Some(chars[1]);
            i = 2;
        } else if chars.first().is_some_and(|c| is_align(*c)) {
            spec.align = Some(chars[0]);
            i = 1;
        }
        if chars.get(i) == Some(&'0') {
            spec.zero = true;
            i += 1;
        }
        let number = |i: &mut usize| -> Result<Option<u32>, String> {
            let start = *i;
            while chars.get(*i).is_some_and(|c| c.is_ascii_digit()) {
                *i += 1;
            }
            if *i == start {
                return Ok(None);
            }
            let digits: String = chars[start..*i].iter().collect();
            match digits.parse::<u32>() {
                Ok(n) if n <= 1_000_000 => Ok(Some(n)),
                _ => Err("at most 1000000".to_string()),
            }
        };
        spec.width = number(&mut i)?;
        if chars.get(i) == Some(&'.') {
            i += 1;
            spec.precision = number(&mut i)?;
            if spec.precision.is_none() {
                return Err("a precision needs digits after `.`".to_string());
            }
        }
        if chars.get(i) == Some(&'?') {
            spec.debug = true;
            i += 1;
        }
        if i < chars.len() {
            return Err(format!("unexpected `{}`", chars[i]));
        }
        Ok(spec)
    }
}

/// One piece of an interpolated string `"a {x} b"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum InterpPart {
    /// Literal text, escapes decoded.
    Text(String),
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ExprKind {
    Lit(Literal),
    /// A string with at least one `{expr}` inside.
    Interp(Vec<InterpPart>),
    /// A hole's value formatted by its spec (`x:.2` in `"{x:.2}"`); found
    /// only as an interpolation part. `text` is the spec as written.
    Format(Box<Expr>, FormatSpec, String),
    /// `x`, `geometry::area`, `Shape::Circle`, `Map::new`.
    Path(Vec<Ident>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `target = value`
    Assign(Box<Expr>, Box<Expr>),
    /// `target op= value`, op one of `+ - * / % & | ^ << >>`.
    CompoundAssign(BinOp, Box<Expr>, Box<Expr>),
    /// `callee(args)`
    Call(Box<Expr>, Vec<Expr>),
    /// `receiver.method(args)`
    MethodCall(Box<Expr>, Ident, Vec<Expr>),
    /// `e.name`
    Field(Box<Expr>, Ident),
    /// `e.0`
    TupleField(Box<Expr>, u32, Span),
    /// `e[i]`
    Index(Box<Expr>, Box<Expr>),
    /// `e?`: the value inside `Some`/`Ok`, or return the `None`/`Err`.
    Try(Box<Expr>),
    /// `if cond { .. } else ..`; the else branch is a `Block` or another `If`.
    If(Box<Expr>, Block, Option<Box<Expr>>),
    /// `if let pattern = value { .. } else ..`: the else branch is a
    /// `Block`, an `If` or another `IfLet`.
    IfLet(Box<Pattern>, Box<Expr>, Block, Option<Box<Expr>>),
    While(Box<Expr>, Block),
    /// `while let pattern = value { .. }`
    WhileLet(Box<Pattern>, Box<Expr>, Block),
    /// `loop { .. }`: runs until a `break` (whose value is the loop's) or
    /// a `return`.
    Loop(Block),
    For(Box<Pattern>, Box<Expr>, Block),
    /// `a..b` (`inclusive` false) or `a..=b`.
    Range {
        start: Box<Expr>,
        end: Box<Expr>,
        inclusive: bool,
    },
    /// `break` or `break value` (only inside `loop`).
    Break(Option<Box<Expr>>),
    Continue,
    Return(Option<Box<Expr>>),
    Block(Block),
    Match(Box<Expr>, Vec<MatchArm>),
    /// `|a, b: Int| body`
    Closure(Vec<Param>, Box<Expr>),
    /// `(a, b)`; `()` is `Lit(Unit)` and `(a)` is just `a`.
    Tuple(Vec<Expr>),
    /// `[a, b, c]`
    Array(Vec<Expr>),
    /// `Point { x: 1.0, y }`; a shorthand field `y` has `value` = the path `y`.
    /// `P { x: 1, ..base }`: the fields not written come from `base`.
    StructLit(Vec<Ident>, Vec<FieldInit>, Option<Box<Expr>>),
    /// An expression that did not parse (its syntax error is reported):
    /// its type is unknown and agrees with anything.
    Error,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldInit {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchArm {
    pub pattern: Pattern,
    pub guard: Option<Expr>,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PatternKind {
    /// `_`
    Wildcard,
    /// `name`: binds the value. A single-segment path that names a unit enum
    /// variant in scope (like `None`) is resolved as a variant by sema.
    Binding(Ident),
    /// `1`, `-1`, `"s"`, `true`, `()`.
    Lit(Literal),
    /// `(p, q)`
    Tuple(Vec<Pattern>),
    /// `Enum::Variant`, `Some(p)`, `Enum::Variant(p, ..)`: path, sub-patterns,
    /// and whether a trailing `..` was written.
    Variant(Vec<Ident>, Vec<Pattern>, bool),
    /// `Point { x, y: p, .. }`; the bool is whether `..` was written.
    Struct(Vec<Ident>, Vec<FieldPattern>, bool),
    /// `p | q | r`
    Or(Vec<Pattern>),
    /// `a..=b` on Int literals (reserved for later).
    Range(i64, i64),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldPattern {
    pub name: Ident,
    /// `None` for the shorthand `{ x }`, which binds `x`.
    pub pattern: Option<Pattern>,
    pub span: Span,
}
