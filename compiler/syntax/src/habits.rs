//! Syntax errors that come from another language's habits (`let mut`, `i++`,
//! `println!`, `elif`, `=>` for `->`, `&&=`) and a missing `;` at the end of
//! a line: each is recognised from the tokens around the place the grammar
//! stopped, and the generic "unexpected token" error is replaced by one that
//! names the habit and carries the fix as a [`Fix`]. When the fix is
//! certain, the parser applies it to the tokens ([`apply`]) and parses the
//! item again, so the rest of the item is read as meant and the checker
//! reports nothing the habit caused (the file still has a syntax error, so
//! it is never compiled). See
//! `lang-spec/diagnostics.md`, "Hints for habits from other languages".

use crate::ast::Span;
use crate::lexer::{Spanned, Tok};
use crate::{Fix, SyntaxError};

/// The code of every habit hint.
pub const HABIT: &str = "E0012";

/// A recognised habit: the error, and whether its fix may be applied to the
/// tokens before parsing again.
pub(crate) struct Hint {
    pub error: SyntaxError,
    pub reparse: bool,
}

/// The tokens with `fix` applied: the tokens of its span replaced by those of
/// its replacement, all placed at the span. `None` if the replacement does not
/// lex cleanly.
pub(crate) fn apply(toks: &[Spanned], fix: &Fix) -> Option<Vec<Spanned>> {
    let (start, end) = (fix.span.start as usize, fix.span.end as usize);
    let (new, errors) = crate::lexer::lex(&fix.replacement);
    if !errors.is_empty() {
        return None;
    }
    let a = toks.partition_point(|t| t.0 < start);
    let b = if end > start {
        toks.partition_point(|t| t.0 < end)
    } else {
        a
    };
    let mut out = toks[..a].to_vec();
    out.extend(new.into_iter().map(|(_, t, _)| (start, t, end)));
    out.extend_from_slice(&toks[b..]);
    Some(out)
}

/// The hint to report instead of the grammar's error at token `idx` of `toks`
/// (`idx == toks.len()`: at the end, where `next` starts the next item), when
/// the tokens show a known habit or a missing `;`; `expected` is what the
/// grammar could have read there.
pub(crate) fn recognise(
    src: &str,
    toks: &[Spanned],
    idx: usize,
    next: Option<&Spanned>,
    expected: &[String],
) -> Option<Hint> {
    let error = find(src, toks, idx, next, expected)?;
    // `&&=` with no plain name before it: the fix names a placeholder `x`,
    // which must not be parsed as if the user wrote it.
    let reparse = !error
        .fix
        .as_ref()
        .is_some_and(|f| f.replacement.starts_with("= x "));
    Some(Hint { error, reparse })
}

fn find(
    src: &str,
    toks: &[Spanned],
    idx: usize,
    next: Option<&Spanned>,
    expected: &[String],
) -> Option<SyntaxError> {
    let tok = |i: usize| toks.get(i).map(|t| &t.1);
    let span = |i: usize| Span::new(toks[i].0, toks[i].2);
    let prev = idx.checked_sub(1);
    let ident_at = |i: Option<usize>, name: &str| {
        i.and_then(tok)
            .is_some_and(|t| matches!(t, Tok::Ident(n) if n == name))
    };

    // `let mut x = ..`: `mut` read as the pattern, the grammar stops after it.
    if let Some(p) = prev {
        if ident_at(Some(p), "mut") && p >= 1 && matches!(tok(p - 1), Some(Tok::Let | Tok::Var)) {
            let whole = Span::new(toks[p - 1].0, toks[p].2);
            return Some(habit(
                "`let mut` is written `var` in MVL",
                whole,
                "a mutable binding is declared with `var`",
                "`let` declares a binding that never changes; `var` one that may be assigned",
                Fix::new("write `var`", whole, "var"),
            ));
        }
    }

    // `i++` / `i--`: `+` is no prefix operator, so the grammar stops at the
    // second `+`; `- -;` stops after the second `-`.
    let pair = match (prev.and_then(tok), tok(idx)) {
        (Some(Tok::Plus), Some(Tok::Plus)) => prev.map(|p| (p, idx, "++", "+=")),
        (Some(Tok::Minus), _) => prev
            .filter(|&p| p >= 1 && matches!(tok(p - 1), Some(Tok::Minus)))
            .map(|p| (p - 1, p, "--", "-=")),
        _ => None,
    };
    if let Some((a, b, op, compound)) = pair {
        let adjacent = toks[a].2 == toks[b].0;
        let ends = !matches!(
            tok(b + 1),
            Some(Tok::Ident(_) | Tok::Int(_) | Tok::Float(_) | Tok::LParen)
        );
        if adjacent && ends && a >= 1 {
            let ops = Span::new(toks[a].0, toks[b].2);
            return Some(habit(
                &format!("MVL has no `{op}` operator"),
                ops,
                "not an operator in MVL",
                &format!("write `x {compound} 1`: the compound assignment is a statement"),
                Fix::new(
                    &format!("write `{compound} 1`"),
                    ops,
                    &format!(" {compound} 1"),
                ),
            ));
        }
    }

    let at = tok(idx);
    // `println!(..)`: a name and `!`, which is only a prefix operator.
    if let (Some(Tok::Bang), Some(p)) = (at, prev) {
        if let Some(Tok::Ident(name)) = tok(p) {
            if toks[p].2 == toks[idx].0 && matches!(tok(idx + 1), Some(Tok::LParen)) {
                let bang = span(idx);
                return Some(habit(
                    &format!("MVL has no macros: `{name}!` is the function `{name}`"),
                    bang,
                    "remove this `!`",
                    "`println`, `print`, `panic` and `assert` are ordinary functions",
                    Fix::new("call the function", bang, ""),
                ));
            }
        }
    }

    // `elif c { .. }`, `elsif`, `elseif`: a name where `else if` belongs.
    for p in [prev, Some(idx)].into_iter().flatten() {
        if let Some(Tok::Ident(word)) = tok(p) {
            if matches!(word.as_str(), "elif" | "elsif" | "elseif")
                && p >= 1
                && matches!(tok(p - 1), Some(Tok::RBrace))
            {
                let w = span(p);
                return Some(habit(
                    &format!("`{word}` is written `else if` in MVL"),
                    w,
                    "write `else if` here",
                    "a chain of conditions is `if a { .. } else if b { .. } else { .. }`",
                    Fix::new("write `else if`", w, "else if"),
                ));
            }
        }
    }

    // `=>` after a function's `)` (meant `->`), `->` after a pattern
    // (meant `=>`).
    match at {
        Some(Tok::FatArrow) if expected.iter().any(|e| e == "\"->\"") => {
            let a = span(idx);
            return Some(habit(
                "a return type follows `->`, not `=>`",
                a,
                "write `->` here",
                "`->` gives a function's return type; `=>` separates a `match` arm's pattern from its value",
                Fix::new("write `->`", a, "->"),
            ));
        }
        Some(Tok::Arrow) if expected.iter().any(|e| e == "\"=>\"") => {
            let a = span(idx);
            return Some(habit(
                "a `match` arm's pattern is followed by `=>`, not `->`",
                a,
                "write `=>` here",
                "`=>` separates a `match` arm's pattern from its value; `->` gives a function's return type",
                Fix::new("write `=>`", a, "=>"),
            ));
        }
        _ => {}
    }

    // `a &&= b`, `a ||= b`: `&&` then `=`.
    if let (Some(Tok::Eq), Some(p)) = (at, prev) {
        let op = match tok(p) {
            Some(Tok::AmpAmp) => Some("&&"),
            Some(Tok::PipePipe) => Some("||"),
            _ => None,
        };
        if let Some(op) = op.filter(|_| toks[p].2 == toks[idx].0) {
            let ops = Span::new(toks[p].0, toks[idx].2);
            let target = p.checked_sub(1).and_then(|t| match tok(t) {
                Some(Tok::Ident(n)) if t == 0 || !matches!(tok(t - 1), Some(Tok::Dot)) => {
                    Some(n.clone())
                }
                _ => None,
            });
            let (help, fix) = match target {
                Some(name) => (
                    format!("write `{name} = {name} {op} ..`"),
                    Fix::new(
                        &format!("write `= {name} {op}`"),
                        ops,
                        &format!("= {name} {op}"),
                    ),
                ),
                None => (
                    format!("write `x = x {op} ..`"),
                    Fix::new(&format!("write `= x {op}`"), ops, &format!("= x {op}")),
                ),
            };
            return Some(habit(
                &format!("MVL has no `{op}=` operator"),
                ops,
                "not an operator in MVL",
                &format!("{help}: `{op}` evaluates its right side only when needed"),
                fix,
            ));
        }
    }

    // A missing `;`: the grammar could have read one, and the token it
    // found starts a later line than the one before it.
    if let Some(p) = prev {
        let line_break = match toks.get(idx).or(next) {
            Some(t) => src
                .get(toks[p].2..t.0)
                .is_some_and(|gap| gap.contains('\n')),
            None => false,
        };
        if line_break && expected.iter().any(|e| e == "\";\"") {
            let end = toks[p].2;
            let here = Span::new(end, end);
            return Some(SyntaxError {
                code: "E0001",
                message: "expected `;`".to_string(),
                span: here,
                label: "the statement ends here".to_string(),
                help: None,
                fix: Some(Fix::new("add `;`", here, ";")),
            });
        }
    }
    None
}

fn habit(message: &str, span: Span, label: &str, help: &str, fix: Fix) -> SyntaxError {
    SyntaxError {
        code: HABIT,
        message: message.to_string(),
        span,
        label: label.to_string(),
        help: Some(help.to_string()),
        fix: Some(fix),
    }
}
