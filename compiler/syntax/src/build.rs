//! Small constructors used by the grammar's actions, kept here so that
//! `grammar.lalrpop` reads as grammar rather than as Rust.

use crate::ast::*;

/// A statement as parsed, before the block decides whether a final
/// block-like expression without `;` is the block's value.
pub enum ParsedStmt {
    Stmt(Stmt),
    /// `if`, `match`, `while`, `for` or `{}` at statement position with no
    /// `;` after it.
    BlockLike(Expr),
}

pub fn expr(kind: ExprKind, l: usize, r: usize) -> Expr {
    Expr {
        kind,
        span: Span::new(l, r),
    }
}

/// `-e`; a minus before a number literal is part of the literal, so that
/// `-9223372036854775808` (the smallest Int) is a value, not an overflow.
///
/// Only a literal written right after the minus folds: `-(-9223372036854775808)`
/// negates at run time, and overflows, as negating a variable would.
pub fn negate(e: Expr, l: usize, r: usize) -> Expr {
    let adjacent = e.span.start as usize == l + 1;
    match e.kind {
        ExprKind::Lit(Literal::Int(n)) if adjacent => {
            expr(ExprKind::Lit(Literal::Int(n.wrapping_neg())), l, r)
        }
        ExprKind::Lit(Literal::Float(x)) if adjacent => {
            expr(ExprKind::Lit(Literal::Float(-x)), l, r)
        }
        kind => expr(
            ExprKind::Unary(UnaryOp::Neg, Box::new(Expr { kind, span: e.span })),
            l,
            r,
        ),
    }
}

/// `e;`, or the error statement when `e` is recovery's error token.
pub fn expr_stmt(e: Expr) -> Stmt {
    match e.kind {
        ExprKind::Error => Stmt::Error(e.span),
        _ => Stmt::Expr(e),
    }
}

pub fn binary(op: BinOp, a: Expr, b: Expr, l: usize, r: usize) -> Expr {
    expr(ExprKind::Binary(op, Box::new(a), Box::new(b)), l, r)
}

/// Builds a block. As in Rust, a block-like expression that ends the block
/// without a `;` is the block's value: `{ if c { 1 } else { 2 } }` is `1` or
/// `2`, not `()`.
/// The values of a list of boxed nonterminals (see the grammar's note on
/// boxing).
pub fn unbox<T>(items: Vec<Box<T>>) -> Vec<T> {
    items.into_iter().map(|b| *b).collect()
}

pub fn block(stmts: Vec<ParsedStmt>, tail: Option<Expr>, span: Span) -> Block {
    let mut out: Vec<Stmt> = Vec::with_capacity(stmts.len());
    let mut last_block_like = None;
    let count = stmts.len();
    for (i, s) in stmts.into_iter().enumerate() {
        match s {
            ParsedStmt::Stmt(s) => out.push(s),
            ParsedStmt::BlockLike(e) if i + 1 == count && tail.is_none() => {
                last_block_like = Some(e);
            }
            ParsedStmt::BlockLike(e) => out.push(Stmt::Expr(e)),
        }
    }
    Block {
        stmts: out,
        tail: tail.or(last_block_like).map(Box::new),
        span,
    }
}

pub fn arm(head: (Pattern, Option<Expr>), body: Expr, l: usize, r: usize) -> MatchArm {
    MatchArm {
        pattern: head.0,
        guard: head.1,
        body,
        span: Span::new(l, r),
    }
}

/// `"a {x} b {y} c"` from its pieces.
pub fn interp(
    start: String,
    first: Expr,
    rest: Vec<(String, Expr)>,
    end: String,
    l: usize,
    r: usize,
) -> Expr {
    let mut parts = Vec::new();
    if !start.is_empty() {
        parts.push(InterpPart::Text(start));
    }
    parts.push(InterpPart::Expr(first));
    for (text, e) in rest {
        if !text.is_empty() {
            parts.push(InterpPart::Text(text));
        }
        parts.push(InterpPart::Expr(e));
    }
    if !end.is_empty() {
        parts.push(InterpPart::Text(end));
    }
    expr(ExprKind::Interp(parts), l, r)
}

/// `()` is the unit type, `(A)` is `A`, `(A, B)` a tuple.
pub fn tuple_type(mut items: Vec<TypeExpr>, span: Span) -> TypeExpr {
    if items.len() == 1 {
        items.pop().unwrap_or(TypeExpr::Tuple(Vec::new(), span))
    } else {
        TypeExpr::Tuple(items, span)
    }
}
