//! Parser tests: small sources, checked by the shape of the tree.

use crate::ast::*;
use crate::{item_ranges, parse_file};

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
        ExprKind::Try(e) => format!("{}?", show(e)),
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
    assert_eq!(expr_of("x |= y & 1"), "(x |= (y & 1))");
    assert_eq!(expr_of("x <<= 1 + 2"), "(x <<= (1 + 2))");
    assert_eq!(expr_of("x >>= y ^= 1"), "(x >>= (y ^= 1))");
    assert_eq!(expr_of("x &= y >> 1"), "(x &= (y >> 1))");
    assert_eq!(expr_of("0..n + 1"), "(0..(n + 1))");
    assert_eq!(expr_of("f(1)(2)"), "f(1)(2)");
    assert_eq!(expr_of("p.x.y"), "p.x.y");
    assert_eq!(expr_of("-x? - 1"), "((-x?) - 1)");
    assert_eq!(expr_of("f(a)?.b()?"), "f(a)?.b()?");
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
fn loop_and_break_with_a_value() {
    let body = main_body("fn main() { let x = loop { break 1 + 2; }; loop { break } }");
    match &body.stmts[0] {
        Stmt::Let { value, .. } => match &value.kind {
            ExprKind::Loop(b) => match &b.stmts[0] {
                Stmt::Expr(Expr {
                    kind: ExprKind::Break(Some(v)),
                    ..
                }) => assert_eq!(show(v), "(1 + 2)"),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    match body.tail.as_deref().map(|t| &t.kind) {
        Some(ExprKind::Loop(b)) => {
            assert!(matches!(
                b.tail.as_deref().map(|t| &t.kind),
                Some(ExprKind::Break(None))
            ))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn if_let_and_while_let() {
    let body = main_body(
        "fn main() { if let Some(x) = f() { x } else if let P { y } = g { y } else { 0 }; while let (a, 1) = h {} }",
    );
    match &body.stmts[0] {
        Stmt::Expr(Expr {
            kind: ExprKind::IfLet(p, v, _, Some(els)),
            ..
        }) => {
            assert!(matches!(p.kind, PatternKind::Variant(..)));
            assert_eq!(show(v), "f()");
            assert!(matches!(els.kind, ExprKind::IfLet(..)));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        body.tail.as_deref().map(|t| &t.kind),
        Some(ExprKind::WhileLet(..))
    ));
}

#[test]
fn let_else_is_told_from_if_else() {
    let body = main_body(
        "fn main() { let x = if c { 1 } else { 2 }; let Some(y) = f(if c { 1 } else { 2 }) else { return; }; var (a, b) = t else { panic(\"no\") }; }",
    );
    assert!(matches!(body.stmts[0], Stmt::Let { .. }));
    match &body.stmts[1] {
        Stmt::LetElse { value, els, .. } => {
            assert!(matches!(value.kind, ExprKind::Call(..)));
            assert_eq!(els.stmts.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(body.stmts[2], Stmt::LetElse { mutable: true, .. }));
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
fn items_of_the_grammar() {
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

/// The kinds of the items of `src`, and its errors' codes and messages.
fn recovered(src: &str) -> (Vec<String>, Vec<String>) {
    let (file, errors) = parse_file(src);
    let items = file
        .items
        .iter()
        .map(|i| match i {
            Item::Fn(f) => format!("fn {}", f.name.name),
            Item::Struct(s) => format!("struct {}", s.name.name),
            Item::Enum(e) => format!("enum {}", e.name.name),
            Item::Impl(_) => "impl".to_string(),
            Item::Import(i) => format!("import {}", i.module.name),
            Item::Const(c) => format!("const {}", c.name.name),
            Item::Test(t) => format!("test {:?}", t.name),
            Item::Error(e) => format!(
                "error [{}]",
                e.names
                    .iter()
                    .map(|n| n.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
        .collect();
    let errors = errors
        .iter()
        .map(|e| format!("{} {} ({})", e.code, e.message, e.label))
        .collect();
    (items, errors)
}

#[test]
fn a_broken_item_is_an_error_node_and_the_others_parse() {
    let (items, errors) =
        recovered("fn a() { 1 }\nfn b(x y) { x }\nstruct P { x: Int }\nfn c() -> Int { 2 }");
    assert_eq!(items, ["fn a", "error [b]", "struct P", "fn c"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("E0001 unexpected identifier `y`"),
        "{errors:?}"
    );
}

#[test]
fn a_broken_statement_is_an_error_statement() {
    let src = "fn main() { let x = (1 + 2; let y = x * ; println(y); }";
    let (file, errors) = parse_file(src);
    assert_eq!(errors.len(), 2, "{errors:?}");
    let Some(Item::Fn(f)) = file.items.first() else {
        panic!("{:?}", file.items)
    };
    let body = f.body.as_ref().expect("body");
    assert_eq!(body.stmts.len(), 3, "{body:?}");
    for s in &body.stmts[..2] {
        let Stmt::Let { value, .. } = s else {
            panic!("{s:?}")
        };
        assert_eq!(value.kind, ExprKind::Error);
    }
    let (_, errors) = recovered("fn main() { f(1; g(2); h(; }");
    assert_eq!(errors.len(), 2, "{errors:?}");
    let (file, errors) = parse_file("fn main() { f(1 +; g(2) }");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let Some(Item::Fn(f)) = file.items.first() else {
        panic!()
    };
    let body = f.body.as_ref().expect("body");
    assert!(matches!(body.stmts[..], [Stmt::Error(_)]), "{body:?}");
    assert!(body.tail.is_some());
}

#[test]
fn recovery_messages_match_the_first_error() {
    for src in [
        "fn main() { let x = (1 + 2; }",
        "fn main() { let x = 1",
        "fn main() { a < b < c }",
        "fn main() { let x = 1 let y = 2; }",
    ] {
        let (_, all) = parse_file(src);
        assert_eq!(all.len(), 1, "{src}: {all:?}");
    }
    // A missing `;` keeps both names, and is reported where it belongs:
    // right after the `1`.
    let (file, errors) = parse_file("fn main() { let x = 1\n let y = 2; x + y }");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].message, "expected `;`");
    assert_eq!(errors[0].span, Span::new(21, 21));
    assert_eq!(
        errors[0].fix.as_ref().map(|f| f.replacement.as_str()),
        Some(";")
    );
    let Some(Item::Fn(f)) = file.items.first() else {
        panic!()
    };
    assert_eq!(f.body.as_ref().map(|b| b.stmts.len()), Some(2));
    // The end of an item cut off by the next one is that item's first token.
    let (items, errors) = recovered("fn a()\nfn b() { 1 }");
    assert_eq!(items, ["error [a]", "fn b"]);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("E0001 unexpected `fn`"), "{errors:?}");
}

#[test]
fn an_unclosed_body_ends_at_a_column_0_item() {
    let (items, errors) = recovered("fn a() {\n    let x = 1;\n\nfn b() { 2 }\n");
    assert_eq!(items, ["fn a", "fn b"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("E0010"), "{errors:?}");
}

#[test]
fn garbage_gives_capped_errors() {
    let src = "} ) let 1 fn ;\n".repeat(2000);
    let started = std::time::Instant::now();
    let (file, errors) = parse_file(&src);
    assert!(
        errors.len() <= crate::recover::MAX_ERRORS,
        "{}",
        errors.len()
    );
    assert!(!errors.is_empty());
    assert!(file.items.iter().all(|i| matches!(i, Item::Error(_))));
    assert!(started.elapsed().as_secs() < 5);
    let src = format!("fn main() {{ {} }}", "let x = ) ;".repeat(5000));
    let (_, errors) = parse_file(&src);
    assert_eq!(errors.len(), crate::recover::MAX_ERRORS);
}

#[test]
fn impl_methods_recover_one_by_one() {
    let (file, errors) =
        parse_file("impl P { fn a(self) { 1 } fn b(self x) { 2 } fn c(self) { 3 } }\nfn main() {}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let Some(Item::Impl(imp)) = file.items.first() else {
        panic!("{:?}", file.items)
    };
    let names: Vec<&str> = imp.methods.iter().map(|m| m.name.name.as_str()).collect();
    assert_eq!(names, ["a", "c"]);
}

/// Recovery changes nothing about the first error: on mutated examples,
/// it is the one a parser without recovery reports (except where an unclosed
/// body is cut at the next item, E0010).
#[test]
fn the_first_error_is_the_plain_parsers() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "mvl"))
        .collect();
    files.sort();
    let mut x: u64 = 88172645463325252;
    let mut rnd = move |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let pieces = [
        "", "(", ")", "{", "}", ";", "let", "fn", "=", "+", ",", "]", "[", "match", "=>", "|", "x",
        "1", "if", "else", "struct",
    ];
    let mut compared = 0;
    for _ in 0..400 {
        let mut text = std::fs::read_to_string(&files[rnd(files.len())]).expect("an example");
        for _ in 0..1 + rnd(2) {
            let chars: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            let at = chars[rnd(chars.len())];
            let end = text[at..]
                .char_indices()
                .nth(rnd(10))
                .map_or(text.len(), |(i, _)| at + i);
            text.replace_range(at..end, &format!(" {} ", pieces[rnd(pieces.len())]));
        }
        let (tokens, lexical) = crate::lexer::lex(&text);
        if !lexical.is_empty() {
            continue;
        }
        let plain = crate::grammar::FileParser::new()
            .parse(tokens.into_iter().map(Ok::<_, crate::SyntaxError>))
            .err()
            .map(|e| crate::convert_error(e, text.len()));
        let (_, errors) = parse_file(&text);
        match (plain, errors.first()) {
            (None, None) => {}
            (_, Some(e)) if e.code == "E0010" => {}
            // A hint (a habit, a missing `;`) names the cause, at or before
            // the place the plain parser stopped.
            (Some(p), Some(e)) if e.fix.is_some() => {
                assert!(e.span.start <= p.span.start, "{text}: {e:?} after {p:?}")
            }
            (Some(p), Some(e)) => assert_eq!(
                (&p.span, &p.message, &p.label),
                (&e.span, &e.message, &e.label),
                "{text}"
            ),
            (p, e) => panic!("plain {p:?}, recovering {e:?}:\n{text}"),
        }
        compared += 1;
    }
    assert!(compared > 300);
}

#[test]
fn the_end_of_the_file_closes_every_block() {
    let (file, errors) = parse_file("fn main() {\n    if a {\n        f(1);\n        let x = 2;");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "E0008");
    let Some(Item::Fn(f)) = file.items.first() else {
        panic!("{:?}", file.items)
    };
    let body = f.body.as_ref().expect("body");
    let Some(ExprKind::If(_, then, _)) = body.tail.as_deref().map(|e| &e.kind) else {
        panic!("{body:?}")
    };
    assert_eq!(then.stmts.len(), 2);
}

#[test]
fn many_unclosed_bodies_are_quick() {
    // (More than 256 would be refused by the lexer's nesting limit.)
    let src = "fn f() {\n".repeat(250);
    let started = std::time::Instant::now();
    let (file, errors) = parse_file(&src);
    assert_eq!(errors.len(), crate::recover::MAX_ERRORS);
    assert!(!file.items.is_empty());
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

#[test]
fn habits_from_other_languages_are_one_hint_each_with_a_fix() {
    // (source, message, replacement): after the fix the item parses again,
    // so nothing else is reported.
    for (src, message, replacement) in [
        (
            "fn main() { let mut x = 1; x += 1; }",
            "`let mut` is written `var` in MVL",
            "var",
        ),
        (
            "fn main() { var i = 0; i++; }",
            "MVL has no `++` operator",
            " += 1",
        ),
        (
            "fn main() { var i = 0; i--\n }",
            "MVL has no `--` operator",
            " -= 1",
        ),
        (
            "fn main() { println!(1); }",
            "MVL has no macros: `println!` is the function `println`",
            "",
        ),
        (
            "fn main() { if a { 1 } elif b { 2 } else { 3 } }",
            "`elif` is written `else if` in MVL",
            "else if",
        ),
        (
            "fn f() => Int { 1 }",
            "a return type follows `->`, not `=>`",
            "->",
        ),
        (
            "fn f(n: Int) -> Int { match n { 0 -> 1, _ => 2 } }",
            "a `match` arm's pattern is followed by `=>`, not `->`",
            "=>",
        ),
        (
            "fn main() { var ok = true; ok &&= false; }",
            "MVL has no `&&=` operator",
            "= ok &&",
        ),
        (
            "fn main() { var ok = false; ok ||= true; }",
            "MVL has no `||=` operator",
            "= ok ||",
        ),
        ("fn main() { let a = 1\n let b = 2; }", "expected `;`", ";"),
    ] {
        let (file, errors) = parse_file(src);
        assert_eq!(errors.len(), 1, "{src}: {errors:?}");
        assert_eq!(errors[0].message, message, "{src}");
        let fix = errors[0].fix.as_ref().expect("a fix");
        assert_eq!(fix.replacement, replacement, "{src}");
        // The fix, applied to the text, parses without errors.
        let mut fixed = src.to_string();
        fixed.replace_range(fix.span.start as usize..fix.span.end as usize, replacement);
        assert_eq!(parse_file(&fixed).1, vec![], "{fixed}");
        // And the item was read as meant: no error node is left in it.
        assert!(!format!("{file:?}").contains("Error"), "{src}: {file:?}");
    }
}

#[test]
fn loop_is_never_a_struct_literal() {
    for src in [
        "fn main() { let v = loop { break 1; }; }",
        "fn main() { let v = if c { loop { break 1; } } else { 2 }; }",
        "fn main() { match loop { break 1; } { _ => 0 } }",
        "fn main() { while loop { break true; } { } }",
    ] {
        let (file, errors) = parse_file(src);
        assert_eq!(errors, vec![], "{src}");
        let text = format!("{file:?}");
        assert!(
            text.contains("Loop(") && !text.contains("StructLit"),
            "{src}: {text}"
        );
    }
}

/// The parser's stack holds one enum of every nonterminal's type, so each
/// shift and reduce moves as many bytes as the largest: an `Expr` (the
/// patterns of `if let`, `while let` and `for` are boxed for it) and the
/// values the grammar keeps unboxed stay small. The bounds are what the
/// types measure today on 64-bit targets; a new large payload inline in
/// one of them breaks this test instead of slowing every parse.
#[test]
fn parser_symbols_stay_small() {
    use std::mem::size_of;
    let sizes = [
        ("Expr", size_of::<Expr>(), 80),
        ("Pattern", size_of::<Pattern>(), 64),
        ("Option<Pattern>", size_of::<Option<Pattern>>(), 64),
        ("TypeExpr", size_of::<TypeExpr>(), 64),
        ("Option<TypeExpr>", size_of::<Option<TypeExpr>>(), 64),
        ("Block", size_of::<Block>(), 40),
        ("VariantDecl", size_of::<VariantDecl>(), 80),
        ("Literal", size_of::<Literal>(), 32),
    ];
    let too_big: Vec<String> = sizes
        .iter()
        .filter(|(_, size, bound)| size > bound)
        .map(|(name, size, bound)| format!("{name}: {size} bytes, at most {bound}"))
        .collect();
    assert!(too_big.is_empty(), "{too_big:?}");
}

/// The cut into items keeps every character the lexer does not skip: a
/// no-break space at the end of an item's last line (not MVL whitespace)
/// falls in its range, so parsing the ranges alone reports it as parsing
/// the file does; a line of such spaces is not trivia either.
#[test]
fn item_ranges_keep_what_the_lexer_rejects() {
    let src = "fn a() {\n    1\n}\u{a0}\n\nfn b() {}\n";
    let ranges = item_ranges(src).unwrap_or_default();
    assert_eq!(ranges.len(), 2);
    assert!(src[ranges[0].clone()].ends_with('\u{a0}'));
    assert_eq!(&src[ranges[1].clone()], "fn b() {}");
    // Trailing tabs, `\r` and comment lines stay outside.
    let src = "fn a() {}\t\r\n// note\n  \t\nfn b() {}\n";
    let ranges = item_ranges(src).unwrap_or_default();
    assert_eq!(
        ranges.iter().map(|r| &src[r.clone()]).collect::<Vec<_>>(),
        ["fn a() {}", "fn b() {}"]
    );
    // A line holding only a no-break space belongs to the item before it.
    let src = "fn a() {}\n\u{a0}\nfn b() {}\n";
    let ranges = item_ranges(src).unwrap_or_default();
    assert_eq!(&src[ranges[0].clone()], "fn a() {}\n\u{a0}");
}
