//! MVL syntax: the lexer, the lalrpop grammar and the AST.
//!
//! This crate turns source text into an [`ast::File`] plus a list of syntax
//! errors. It knows nothing about salsa, names, types or bytecode. Like every
//! parser an editor can use, it never stops at the first problem: the lexer
//! reports every bad token, and the tree is returned alongside the errors.

pub mod ast;
mod build;
pub mod lexer;

#[allow(
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    unused_parens,
    unused_imports,
    dead_code
)]
mod grammar {
    include!(concat!(env!("OUT_DIR"), "/grammar.rs"));
}

use ast::Span;
use lalrpop_util::ParseError;
use lexer::Tok;

/// One syntax error: a stable code (`E0001`...), a one-line message, where,
/// and a short label for the marked source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    pub label: String,
    /// A hint at the likely cause, when there is one.
    pub help: Option<String>,
}

/// The hint for errors inside a string's `{...}`: often the brace was meant
/// literally.
pub const BRACE_HELP: &str =
    "`{` in a string starts an interpolation `{expr}`; write `\\{` for a literal brace";

/// Parses a whole file. Lexical errors are all reported; after the first
/// grammar error the parser stops, and the tree returned is empty.
pub fn parse_file(src: &str) -> (ast::File, Vec<SyntaxError>) {
    let (tokens, mut errors) = lexer::lex(src);
    if !errors.is_empty() {
        // A broken token stream would only add follow-on grammar errors.
        return (ast::File::default(), errors);
    }
    let len = src.len();
    let holes = hole_ranges(&tokens);
    match grammar::FileParser::new().parse(tokens.into_iter().map(Ok::<_, SyntaxError>)) {
        Ok(file) => (file, errors),
        Err(e) => {
            let mut error = convert_error(e, len);
            let at = error.span.start as usize;
            if holes.iter().any(|(a, b)| *a <= at && at <= *b) {
                error.help = Some(BRACE_HELP.to_string());
            }
            errors.push(error);
            (ast::File::default(), errors)
        }
    }
}

/// The byte ranges of the interpolation holes (between a `{` and its `}`).
fn hole_ranges(tokens: &[lexer::Spanned]) -> Vec<(usize, usize)> {
    let mut open: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for (start, tok, end) in tokens {
        match tok {
            Tok::StrStart(_) => open.push(*end),
            Tok::StrMid(_) => {
                if let Some(a) = open.pop() {
                    out.push((a, *start));
                }
                open.push(*end);
            }
            Tok::StrEnd(_) => {
                if let Some(a) = open.pop() {
                    out.push((a, *start));
                }
            }
            _ => {}
        }
    }
    out
}

fn convert_error(e: ParseError<usize, Tok, SyntaxError>, len: usize) -> SyntaxError {
    match e {
        ParseError::InvalidToken { location } => SyntaxError {
            code: "E0004",
            message: "invalid token".to_string(),
            span: Span::new(location, location + 1),
            label: "not understood here".to_string(),
            help: None,
        },
        ParseError::UnrecognizedEof { location, expected } => SyntaxError {
            code: "E0008",
            message: "unexpected end of file".to_string(),
            span: Span::new(location.min(len), location.min(len)),
            label: expected_label(&expected).unwrap_or_else(|| "the file ends here".to_string()),
            help: None,
        },
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } => SyntaxError {
            code: "E0001",
            message: format!("unexpected {tok}"),
            span: Span::new(l, r),
            label: expected_label(&expected).unwrap_or_else(|| "not expected here".to_string()),
            help: None,
        },
        ParseError::ExtraToken { token: (l, tok, r) } => SyntaxError {
            code: "E0001",
            message: format!("unexpected {tok}"),
            span: Span::new(l, r),
            label: "not expected here".to_string(),
            help: None,
        },
        ParseError::User { error } => error,
    }
}

/// "expected `)` or `,`", when the list of what could come is short enough to
/// help; `None` when it is not.
fn expected_label(expected: &[String]) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    for name in expected.iter().map(|t| describe_terminal(t)) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    match names.as_slice() {
        [] => None,
        [one] => Some(format!("expected {one}")),
        _ if names.len() <= 6 => {
            let (last, rest) = names.split_last()?;
            Some(format!("expected {} or {last}", rest.join(", ")))
        }
        _ if expected.iter().any(|t| t == "\"int\"") => Some("expected an expression".to_string()),
        _ => None,
    }
}

/// lalrpop names terminals by their quoted grammar spelling (`"\")\""`).
fn describe_terminal(t: &str) -> String {
    let inner = t.trim_matches('"');
    match inner {
        "ident" => "a name".to_string(),
        "int" | "float" => "a number".to_string(),
        "str" | "strstart" => "a string".to_string(),
        "strmid" | "strend" => "the rest of the string".to_string(),
        other => format!("`{}`", other.replace("\\\"", "\"")),
    }
}

#[cfg(test)]
mod tests;
