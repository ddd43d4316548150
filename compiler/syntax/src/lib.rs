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
}

/// Parses a whole file. Lexical errors are all reported; after the first
/// grammar error the parser stops, and the tree returned is empty.
pub fn parse_file(src: &str) -> (ast::File, Vec<SyntaxError>) {
    let (tokens, mut errors) = lexer::lex(src);
    if !errors.is_empty() {
        // A broken token stream would only add follow-on grammar errors.
        return (ast::File::default(), errors);
    }
    let len = src.len();
    match grammar::FileParser::new().parse(tokens.into_iter().map(Ok::<_, SyntaxError>)) {
        Ok(file) => (file, errors),
        Err(e) => {
            errors.push(convert_error(e, len));
            (ast::File::default(), errors)
        }
    }
}

fn convert_error(e: ParseError<usize, Tok, SyntaxError>, len: usize) -> SyntaxError {
    match e {
        ParseError::InvalidToken { location } => SyntaxError {
            code: "E0004",
            message: "invalid token".to_string(),
            span: Span::new(location, location + 1),
            label: "not understood here".to_string(),
        },
        ParseError::UnrecognizedEof { location, expected } => SyntaxError {
            code: "E0008",
            message: "unexpected end of file".to_string(),
            span: Span::new(location.min(len), location.min(len)),
            label: expected_label(&expected).unwrap_or_else(|| "the file ends here".to_string()),
        },
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } => SyntaxError {
            code: "E0001",
            message: format!("unexpected {tok}"),
            span: Span::new(l, r),
            label: expected_label(&expected).unwrap_or_else(|| "not expected here".to_string()),
        },
        ParseError::ExtraToken { token: (l, tok, r) } => SyntaxError {
            code: "E0001",
            message: format!("unexpected {tok}"),
            span: Span::new(l, r),
            label: "not expected here".to_string(),
        },
        ParseError::User { error } => error,
    }
}

/// "expected `)` or `,`", when the list of what could come is short enough to
/// help; `None` when it is not.
fn expected_label(expected: &[String]) -> Option<String> {
    let names: Vec<String> = expected.iter().map(|t| describe_terminal(t)).collect();
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
