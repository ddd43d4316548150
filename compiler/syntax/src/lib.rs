//! MVL syntax: the lexer, the lalrpop grammar and the AST.
//!
//! This crate turns source text into an [`ast::File`] plus a list of syntax
//! errors. It knows nothing about salsa, names, types or bytecode. Like every
//! parser an editor can use, it never stops at the first problem: the lexer
//! reports every bad token, the parser resumes after a syntax error at the
//! next statement or item ([`recover`]), and the tree, with error nodes
//! where text did not parse, is returned alongside the errors.

pub mod ast;
mod build;
pub mod format;
pub mod habits;
pub mod lexer;
pub mod rebase;
pub mod recover;

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
    /// The edit that fixes it, when it is certain enough to offer.
    pub fix: Option<Fix>,
}

/// An edit fixing a syntax error: replace `span` (empty: insert) with
/// `replacement`; `message` says what it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub message: String,
    pub span: Span,
    pub replacement: String,
}

impl Fix {
    pub fn new(message: &str, span: Span, replacement: &str) -> Fix {
        Fix {
            message: message.to_string(),
            span,
            replacement: replacement.to_string(),
        }
    }
}

/// The hint for errors inside a string's `{...}`: often the brace was meant
/// literally.
pub const BRACE_HELP: &str =
    "`{` in a string starts an interpolation `{expr}`; write `\\{` for a literal brace";

/// Parses a whole file. Every lexical error is reported, and after a
/// grammar error parsing resumes at the next statement or item (see
/// [`recover`]): the tree holds every item that parsed, with
/// [`ast::Item::Error`], [`ast::Stmt::Error`] and [`ast::ExprKind::Error`]
/// where the text did not. At most [`recover::MAX_ERRORS`] errors are
/// reported.
///
/// A lexer that gave up (too many errors, nesting too deep) or a string or
/// comment that never ends leaves no trustworthy tokens after it: then only
/// the lexical errors are reported, and the tree is empty.
pub fn parse_file(src: &str) -> (ast::File, Vec<SyntaxError>) {
    let parsed = parse_file_with_trivia(src);
    (parsed.file, parsed.errors)
}

/// A parse that keeps what the tree leaves out: the tokens and the comments
/// (what the formatter needs besides the tree).
pub struct Parsed {
    pub file: ast::File,
    pub errors: Vec<SyntaxError>,
    pub tokens: Vec<lexer::Spanned>,
    pub comments: Vec<lexer::Comment>,
}

/// [`parse_file`], also returning the tokens and comments.
pub fn parse_file_with_trivia(src: &str) -> Parsed {
    let lexer::Lexed {
        tokens,
        errors: lex_errors,
        comments,
    } = lexer::lex_with_trivia(src);
    let (pieces, errors, broken_names) = parse_tokens(src, &tokens, lex_errors, &mut |_| false);
    let items = pieces
        .into_iter()
        .flat_map(|p| match p {
            Piece::Parsed(items) => items,
            Piece::Reused(_) => Vec::new(),
        })
        .collect();
    Parsed {
        file: ast::File {
            items,
            broken_names,
        },
        errors,
        tokens,
        comments,
    }
}

/// One piece of a file parsed by [`parse_file_reusing`], in file order.
#[derive(Debug)]
pub enum Piece {
    /// The text of one chunk (see [`recover`]) that the caller said it has
    /// already parsed cleanly on its own ([`parse_alone`]): the parse here
    /// would have given the same items, shifted by the span's start.
    Reused(Span),
    /// Items parsed here, spans counted from the file's start.
    Parsed(Vec<ast::Item>),
}

/// A file's parse that leaves out the chunks the caller already has.
pub struct Pieces {
    pub pieces: Vec<Piece>,
    pub errors: Vec<SyntaxError>,
    /// See [`ast::File::broken_names`].
    pub broken_names: Vec<String>,
}

/// [`parse_file`], asking `reuse` first about the text of each chunk that
/// the error recovery would parse from scratch: when it answers `true` (it
/// holds that text's [`parse_alone`] items), the chunk is not parsed again
/// and becomes a [`Piece::Reused`]. The errors, error nodes and limits are
/// exactly those of [`parse_file`]; what changes is only who parsed a clean
/// chunk. This is what lets an editor re-parse only the item being edited.
pub fn parse_file_reusing(src: &str, reuse: &mut dyn FnMut(&str) -> bool) -> Pieces {
    let lexer::Lexed {
        tokens,
        errors: lex_errors,
        ..
    } = lexer::lex_with_trivia(src);
    let (pieces, errors, broken_names) = parse_tokens(src, &tokens, lex_errors, reuse);
    Pieces {
        pieces,
        errors,
        broken_names,
    }
}

/// The items of one chunk's text (see [`Piece::Reused`]) when it lexes and
/// parses on its own without any error, spans counted from its start;
/// `None` when it does not (the file's parse then recovers from its errors
/// in place).
pub fn parse_alone(text: &str) -> Option<Vec<ast::Item>> {
    let (tokens, errors) = lexer::lex(text);
    if !errors.is_empty() {
        return None;
    }
    grammar::FileParser::new()
        .parse(tokens.into_iter().map(Ok))
        .ok()
        .map(|f| f.items)
}

/// Where `src` most likely splits into items, found without lexing: at
/// every line that starts, at column 0, with an item keyword. Each range
/// runs from its keyword to the end of its last line that holds more than
/// whitespace and `//` comments; what lies before, between and after the
/// ranges is only such lines. `None` when some text outside the ranges is
/// something else (a block comment at column 0, stray tokens).
///
/// A cut can be wrong (a keyword at the start of a line inside a
/// multi-line string or comment): the caller finds out by parsing each
/// range on its own with [`parse_alone`]. When every range parses cleanly
/// the file has no syntax error, its tokens are those of the ranges in
/// order (each range ends where the lexer is back at the top level), and
/// as a file is a sequence of items its items are theirs: the same tree as
/// [`parse_file`]'s, at a cost proportional to the ranges not parsed yet.
pub fn item_ranges(src: &str) -> Option<Vec<std::ops::Range<usize>>> {
    let bytes = src.as_bytes();
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    // Where the current range starts (the line of its item keyword).
    let mut open: Option<usize> = None;
    let line_starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
    for start in line_starts {
        if !starts_item(&bytes[start..]) {
            continue;
        }
        match open {
            Some(from) => ranges.push(from..content_end(bytes, from, start)),
            // What comes before the first item must be trivia.
            None if content_end(bytes, 0, start) > 0 => return None,
            None => {}
        }
        open = Some(start);
    }
    match open {
        Some(from) => ranges.push(from..content_end(bytes, from, bytes.len())),
        None if content_end(bytes, 0, bytes.len()) > 0 => return None,
        None => {}
    }
    Some(ranges)
}

/// Whether the line at the start of `rest` starts an item: an item keyword
/// at its first column, followed by a space, `<` or `"`.
fn starts_item(rest: &[u8]) -> bool {
    const KEYWORDS: [&[u8]; 8] = [
        b"fn", b"struct", b"enum", b"impl", b"import", b"const", b"native", b"test",
    ];
    // Most lines are indented: one test rejects them.
    if !matches!(
        rest.first(),
        Some(b'f' | b's' | b'e' | b'i' | b'c' | b'n' | b't')
    ) {
        return false;
    }
    KEYWORDS.iter().any(|k| {
        rest.strip_prefix(*k).is_some_and(|after| {
            after
                .first()
                .is_some_and(|c| c.is_ascii_whitespace() || *c == b'<' || *c == b'"')
        })
    })
}

/// The end of the last line of `bytes[from..to]` that is not trivia (blank
/// or a `//` comment), without the whitespace that ends it; `from` when
/// every line is trivia. `to` is a line start (or the end). Whitespace is
/// what the lexer skips between tokens (`Lexer::skip_trivia`): any other
/// character is part of a token or an error, so it must fall in a range (a
/// no-break space is not trivia).
fn content_end(bytes: &[u8], from: usize, to: usize) -> usize {
    fn space(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | b'\r')
    }
    let mut end = to;
    while end > from {
        let line_start =
            memchr::memrchr(b'\n', &bytes[from..end - 1]).map_or(from, |i| from + i + 1);
        let line = &bytes[line_start..end];
        if let Some(last) = line.iter().rposition(|b| !space(*b)) {
            let first = line.iter().position(|b| !space(*b)).unwrap_or(last);
            if !line[first..].starts_with(b"//") {
                return line_start + last + 1;
            }
        }
        end = line_start;
    }
    from
}

fn parse_tokens(
    src: &str,
    tokens: &[lexer::Spanned],
    lex_errors: Vec<SyntaxError>,
    reuse: &mut dyn FnMut(&str) -> bool,
) -> (Vec<Piece>, Vec<SyntaxError>, Vec<String>) {
    let truncated = lex_errors.len() >= lexer::MAX_ERRORS
        || lex_errors
            .iter()
            .any(|e| matches!(e.code, "E0002" | "E0006" | "E0007"));
    if truncated {
        return (Vec::new(), lex_errors, Vec::new());
    }
    let holes = hole_ranges(tokens);
    let mut cx = Recovery {
        src,
        holes,
        errors: lex_errors.clone(),
        broken_names: std::collections::HashSet::new(),
        // Tokens the parser may read in all, counting re-parses.
        budget: 20 * tokens.len() + 2_000_000,
    };
    let mut pieces = Vec::new();
    for chunk in recover::chunks(src, tokens) {
        let toks = &tokens[chunk.tokens.clone()];
        let (Some(first), Some(last)) = (toks.first(), toks.last()) else {
            continue;
        };
        // A lexical error inside: the tokens are a guess, and grammar errors
        // would only repeat it.
        let lexically_broken = lex_errors.iter().any(|e| {
            let at = e.span.start as usize;
            first.0 <= at && at < last.2.max(first.0 + 1)
        });
        if lexically_broken || cx.errors.len() >= recover::MAX_ERRORS {
            pieces.push(Piece::Parsed(vec![recover::error_item(toks)]));
            continue;
        }
        // A chunk that parses cleanly costs its tokens once, parsed here or
        // not: the budget runs out at the same chunk either way.
        if cx.budget >= toks.len() && src.get(first.0..last.2).is_some_and(&mut *reuse) {
            cx.budget -= toks.len();
            pieces.push(Piece::Reused(Span::new(first.0, last.2)));
            continue;
        }
        let next = tokens.get(chunk.tokens.end).cloned();
        let unclosed = chunk.unclosed.map(|o| tokens[o].clone());
        pieces.push(Piece::Parsed(cx.parse_chunk(toks, next, unclosed)));
    }
    let mut broken_names: Vec<String> = cx.broken_names.into_iter().collect();
    broken_names.sort();
    (pieces, cx.errors, broken_names)
}

/// The state of one file's recovering parse.
struct Recovery<'a> {
    src: &'a str,
    holes: Vec<(usize, usize)>,
    errors: Vec<SyntaxError>,
    /// The identifiers of the text replaced by error nodes.
    broken_names: std::collections::HashSet<String>,
    budget: usize,
}

impl Recovery<'_> {
    /// Parses one chunk (one item, or the tokens between two), recovering
    /// from its errors; see [`recover`].
    fn parse_chunk(
        &mut self,
        chunk: &[lexer::Spanned],
        next: Option<lexer::Spanned>,
        unclosed: Option<lexer::Spanned>,
    ) -> Vec<ast::Item> {
        let mut toks: Vec<lexer::Spanned> = chunk.to_vec();
        // Errors before this offset come from a replacement, not the text.
        let mut frontier = 0usize;
        let mut base = toks.clone();
        let mut at = 0;
        let mut level = 0;
        loop {
            if self.budget < toks.len() {
                return vec![recover::error_item(chunk)];
            }
            self.budget -= toks.len();
            let e = match grammar::FileParser::new().parse(toks.iter().cloned().map(Ok)) {
                Ok(file) => return file.items,
                Err(e) => e,
            };
            let (idx, offset) = recover::error_location(&e, &toks);
            if offset >= frontier {
                if self.errors.len() >= recover::MAX_ERRORS {
                    return vec![recover::error_item(chunk)];
                }
                let (error, reparse) = self.report(e, &toks, idx, next.as_ref(), unclosed.as_ref());
                let fixed = error
                    .fix
                    .as_ref()
                    .filter(|_| reparse)
                    .and_then(|f| habits::apply(&toks, f));
                self.errors.push(error);
                if let Some(fixed) = fixed {
                    // Parse again as the habit meant; an error at or before
                    // this one now comes from the fix and is not reported.
                    frontier = offset + 1;
                    at = fixed.partition_point(|t| t.0 < offset);
                    base = fixed.clone();
                    toks = fixed;
                    level = 0;
                    continue;
                }
                frontier = offset + 1;
                base = toks;
                at = idx;
                level = 0;
            } else {
                level += 1;
            }
            match recover::splice(&base, at, level) {
                Some(s) => {
                    for (_, t, _) in &base[s.cut.clone()] {
                        if let Tok::Ident(name) = t {
                            self.broken_names.insert(name.clone());
                        }
                    }
                    frontier = frontier.max(s.replaced_end);
                    level = s.level;
                    toks = s.tokens;
                }
                None => return vec![recover::error_item(chunk)],
            }
        }
    }

    /// The error to report. The end of a chunk that is not the end of the
    /// file is where the next item starts: an error there is about that
    /// item's first token, or, when the chunk was cut inside its unclosed
    /// body, about that body's `{`.
    fn report(
        &self,
        e: ParseError<usize, Tok, SyntaxError>,
        toks: &[lexer::Spanned],
        idx: usize,
        next: Option<&lexer::Spanned>,
        unclosed: Option<&lexer::Spanned>,
    ) -> (SyntaxError, bool) {
        let e = match (e, next) {
            (ParseError::UnrecognizedEof { .. }, Some(n)) if unclosed.is_some() => {
                let (l, open, r) = unclosed.cloned().unwrap_or_else(|| n.clone());
                let (open, close) = match open {
                    Tok::LParen => ("(", ")"),
                    Tok::LBracket => ("[", "]"),
                    _ => ("{", "}"),
                };
                let line = 1 + self.line_of(n.0);
                let error = SyntaxError {
                    code: "E0010",
                    message: format!("unclosed `{open}`"),
                    span: Span::new(l, r),
                    label: format!("this `{open}` is never closed"),
                    help: Some(format!(
                        "the next item starts on line {line}, before a `{close}` closes this"
                    )),
                    fix: None,
                };
                return (error, false);
            }
            (ParseError::UnrecognizedEof { expected, .. }, Some(n)) => {
                ParseError::UnrecognizedToken {
                    token: n.clone(),
                    expected,
                }
            }
            (e, _) => e,
        };
        let expected: &[String] = match &e {
            ParseError::UnrecognizedToken { expected, .. }
            | ParseError::UnrecognizedEof { expected, .. } => expected,
            _ => &[],
        };
        if let Some(hint) = habits::recognise(self.src, toks, idx, next, expected) {
            return (hint.error, hint.reparse);
        }
        let mut error = convert_error(e, self.src.len());
        let at = error.span.start as usize;
        if self.holes.iter().any(|(a, b)| *a <= at && at <= *b) {
            error.help = Some(BRACE_HELP.to_string());
        }
        (error, false)
    }

    /// The 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.src.len());
        self.src.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
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
            fix: None,
        },
        ParseError::UnrecognizedEof { location, expected } => SyntaxError {
            code: "E0008",
            message: "unexpected end of file".to_string(),
            span: Span::new(location.min(len), location.min(len)),
            label: expected_label(&expected).unwrap_or_else(|| "the file ends here".to_string()),
            help: None,
            fix: None,
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
            fix: None,
        },
        ParseError::ExtraToken { token: (l, tok, r) } => SyntaxError {
            code: "E0001",
            message: format!("unexpected {tok}"),
            span: Span::new(l, r),
            label: "not expected here".to_string(),
            help: None,
            fix: None,
        },
        ParseError::User { error } => error,
    }
}

/// "expected `)` or `,`", when the list of what could come is short enough to
/// help; `None` when it is not.
fn expected_label(expected: &[String]) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    // The recovery token is never something to write.
    let expected: Vec<&String> = expected.iter().filter(|t| *t != "\"<error>\"").collect();
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
        _ if expected.iter().any(|t| *t == "\"int\"") => Some("expected an expression".to_string()),
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
        "formatspec" => "a format spec (`:` and, say, `.2`)".to_string(),
        other => format!("`{}`", other.replace("\\\"", "\"")),
    }
}

#[cfg(test)]
mod tests;
