//! Parser tests: small sources, checked by the shape of the tree.

use crate::ast::*;
use crate::parse_file;

fn parse_ok(src: &str) -> File {
    let (file, errors) = parse_file(src);
    assert!(
        errors.is_empty(),
        "unexpected errors for {src:?}: {errors:?}"
    );
    file
}

fn main_body(src: &str) -> Block {
    let file = parse_ok(src);
    match file.items.into_iter().next() {
        Some(Item::Fn(f)) => f.body.expect("a body"),
        other => panic!("expected a fn, got {other:?}"),
    }
}

/// Renders an expression fully parenthesised, to check precedence.
fn show(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Lit(Literal::Int(i)) => i.to_string(),
        ExprKind::Lit(Literal::Bool(b)) => b.to_string(),
        ExprKind::Path(p) => p
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join("::"),
        ExprKind::Binary(op, a, b) => format!("({} {} {})", show(a), op.symbol(), show(b)),
        ExprKind::Unary(UnaryOp::Neg, a) => format!("(-{})", show(a)),
        ExprKind::Unary(UnaryOp::Not, a) => format!("(!{})", show(a)),
        ExprKind::Call(f, args) => format!(
            "{}({})",
            show(f),
            args.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::MethodCall(r, m, args) => format!(
            "{}.{}({})",
            show(r),
            m.name,
            args.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Field(r, f) => format!("{}.{}", show(r), f.name),
        ExprKind::Assign(a, b) => format!("({} = {})", show(a), show(b)),
        ExprKind::CompoundAssign(op, a, b) => format!("({} {}= {})", show(a), op.symbol(), show(b)),
        ExprKind::Range {
            start,
            end,
            inclusive,
        } => {
            format!(
                "({}{}{})",
                show(start),
                if *inclusive { "..=" } else { ".." },
                show(end)
            )
        }
        ExprKind::If(..) => "if".to_string(),
        ExprKind::Block(_) => "block".to_string(),
        other => format!("{other:?}"),
    }
}

fn expr_of(src: &str) -> String {
    let body = main_body(&format!("fn main() {{ {src} }}"));
    show(body.tail.as_deref().expect("a tail expression"))
}

#[test]
fn precedence_follows_rust() {
    assert_eq!(expr_of("1 + 2 * 3"), "(1 + (2 * 3))");
    assert_eq!(expr_of("1 - 2 - 3"), "((1 - 2) - 3)");
    assert_eq!(expr_of("a & b == c"), "((a & b) == c)");
    assert_eq!(expr_of("a || b && c"), "(a || (b && c))");
    assert_eq!(expr_of("1 << 2 + 3"), "(1 << (2 + 3))");
    assert_eq!(expr_of("a | b ^ c & d"), "(a | (b ^ (c & d)))");
    assert_eq!(expr_of("-a * b"), "((-a) * b)");
    assert_eq!(expr_of("!a.b(c)"), "(!a.b(c))");
    assert_eq!(expr_of("x >> 1 >= 2"), "((x >> 1) >= 2)");
    assert_eq!(expr_of("x = y = 3"), "(x = (y = 3))");
    assert_eq!(expr_of("x += 1 + 2"), "(x += (1 + 2))");
    assert_eq!(expr_of("0..n + 1"), "(0..(n + 1))");
    assert_eq!(expr_of("f(1)(2)"), "f(1)(2)");
    assert_eq!(expr_of("p.x.y"), "p.x.y");
}

#[test]
fn comparisons_do_not_chain() {
    let (_, errors) = parse_file("fn main() { a < b < c }");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, "E0001");
}

#[test]
fn block_like_statements_end_without_semicolon() {
    let body = main_body("fn main() { if a { 1 } else { 2 } -1 }");
    assert_eq!(body.stmts.len(), 1);
    assert_eq!(show(body.tail.as_deref().expect("tail")), "-1");
    let body = main_body("fn main() { while x { } if a { 1 } else { 2 } }");
    assert_eq!(body.stmts.len(), 1);
    assert_eq!(show(body.tail.as_deref().expect("tail")), "if");
    let body = main_body("fn main() { let x = if a { 1 } else { 2 } - 1; x }");
    match &body.stmts[0] {
        Stmt::Let { value, .. } => assert!(matches!(value.kind, ExprKind::Binary(BinOp::Sub, ..))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_struct_literal_in_conditions() {
    let body = main_body("fn main() { if x { 1 } else { 2 } }");
    assert!(body.tail.is_some());
    let body = main_body("fn main() { let p = Point { x: 1, y }; p }");
    match &body.stmts[0] {
        Stmt::Let { value, .. } => assert!(matches!(value.kind, ExprKind::StructLit(..))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn nested_generics_close_with_shr() {
    let file = parse_ok("fn f(x: Map<String, Option<Option<Int>>>) -> [Option<Int>] { x }");
    let Some(Item::Fn(f)) = file.items.first() else {
        panic!()
    };
    let Some(TypeExpr::Named { args, .. }) = &f.params[0].ty else {
        panic!()
    };
    assert_eq!(args.len(), 2);
}

#[test]
fn interpolation_parses_expressions() {
    let body = main_body(r#"fn main() { "a {x + 1} b {f("c")}" }"#);
    let ExprKind::Interp(parts) = &body.tail.as_deref().expect("tail").kind else {
        panic!()
    };
    assert_eq!(parts.len(), 4);
}

#[test]
fn patterns_and_match() {
    parse_ok(
        "fn main() { match s { Shape::Circle(r) if r > 0.0 => r, Shape::Rect(w, ..) => { w } \
         (1, _) | (2, _) => 0.0, Point { x, .. } => x, -1 => 2.0, 1..=3 => 1.0, _ => 0.0 } }",
    );
}

#[test]
fn items_of_the_sketch() {
    parse_ok(
        "import geometry; struct Point { x: Float, y: Float } enum Shape { Circle(Float), Rect(Float, Float), Empty } \
         impl Point { fn norm(self) -> Float { (self.x * self.x).sqrt() } } \
         const LIMIT: Int = 10; native fn print<T>(value: T); \
         fn compose(f, g) { |x| f(g(x)) } fn first<A, B>(p: (A, B)) -> A { p.0 }",
    );
}

#[test]
fn errors_have_codes_and_spans() {
    let (_, errors) = parse_file("fn main() { let x = (1 + 2; }");
    assert_eq!(errors[0].code, "E0001");
    assert_eq!(errors[0].message, "unexpected `;`");
    let (_, errors) = parse_file("fn main() { let x = 1");
    assert_eq!(errors[0].code, "E0008");
}
