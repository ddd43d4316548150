//! The MVL lexer: source text to a flat list of tokens with byte spans.
//!
//! The lexer never stops at the first problem: a bad character, escape or
//! number becomes a [`SyntaxError`] and lexing goes on, so one run reports
//! every lexical error of a file.
//!
//! String interpolation is resolved here. `"a {x + 1} b"` becomes
//! `StrStart("a ")`, the tokens of `x + 1`, `StrEnd(" b")`; with several
//! holes the text between them is a `StrMid`. A string without holes is a
//! single `Str`. A mode stack tracks which `}` closes a hole, so strings nest
//! inside holes to any depth the nesting limit allows.
//!
//! The lexer also enforces the nesting limit ([`MAX_NESTING`]) on brackets
//! and prefix operators, so that later recursive passes over the tree cannot
//! exhaust the stack on hostile input.

use crate::ast::Span;
use crate::SyntaxError;
use std::fmt;

/// The deepest nesting of `(`, `[`, `{` and interpolation holes accepted.
pub const MAX_NESTING: usize = 256;

/// The longest run of prefix operators (`- - - x`, `!!!b`) accepted.
pub const MAX_PREFIX_RUN: usize = 256;

/// After this many lexical errors the rest of the file is not lexed: it is
/// probably not MVL at all.
pub const MAX_ERRORS: usize = 50;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    Int(i64),
    Float(f64),
    /// A string literal without interpolation, escapes decoded.
    Str(String),
    /// The text of an interpolated string up to its first `{`.
    StrStart(String),
    /// The text between a `}` and the next `{` of an interpolated string.
    StrMid(String),
    /// The text after the last `}` of an interpolated string.
    StrEnd(String),
    /// The format spec of an interpolation hole, after its `:` (`.2` in
    /// `"{x:.2}"`).
    FormatSpec(String),

    // Keywords.
    Fn,
    Let,
    Var,
    If,
    Else,
    /// The `else` of `let p = e else { .. };`, told apart from an `if`'s
    /// `else` after lexing (see [`mark_let_else`]).
    LetElse,
    While,
    For,
    In,
    Loop,
    Break,
    Continue,
    Return,
    True,
    False,
    Match,
    Struct,
    Enum,
    Impl,
    Import,
    Const,
    Native,
    /// `test` where a test item starts: at the top level, before a string
    /// (`test "adds numbers" { .. }`); anywhere else `test` is a name.
    Test,

    // Punctuation.
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Semi,
    Colon,
    ColonColon,
    Dot,
    DotDot,
    DotDotEq,
    Arrow,
    FatArrow,
    Eq,
    EqEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Amp,
    AmpAmp,
    Pipe,
    PipePipe,
    Caret,
    Shl,
    /// `>>`: a shift, or the end of two type argument lists in
    /// `Option<Option<Int>>` (the grammar accepts both).
    Shr,
    Bang,
    /// `?`: the postfix operator that propagates a `None` or an `Err`.
    Question,
    PlusEq,
    MinusEq,
    StarEq,
    SlashEq,
    PercentEq,
    AmpEq,
    PipeEq,
    CaretEq,
    ShlEq,
    ShrEq,
    Underscore,
    /// Never produced by the lexer: error recovery puts it in place of text
    /// that did not parse, and the grammar reads it as an error expression.
    Error,
}

impl Tok {
    fn keyword(word: &str) -> Option<Tok> {
        Some(match word {
            "fn" => Tok::Fn,
            "let" => Tok::Let,
            "var" => Tok::Var,
            "if" => Tok::If,
            "else" => Tok::Else,
            "while" => Tok::While,
            "for" => Tok::For,
            "in" => Tok::In,
            "loop" => Tok::Loop,
            "break" => Tok::Break,
            "continue" => Tok::Continue,
            "return" => Tok::Return,
            "true" => Tok::True,
            "false" => Tok::False,
            "match" => Tok::Match,
            "struct" => Tok::Struct,
            "enum" => Tok::Enum,
            "impl" => Tok::Impl,
            "import" => Tok::Import,
            "const" => Tok::Const,
            "native" => Tok::Native,
            "_" => Tok::Underscore,
            _ => return None,
        })
    }
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(name) => write!(f, "identifier `{name}`"),
            Tok::Int(_) | Tok::Float(_) => f.write_str("number"),
            Tok::Str(_) | Tok::StrStart(_) => f.write_str("string"),
            Tok::StrMid(_) | Tok::StrEnd(_) => f.write_str("string text"),
            Tok::FormatSpec(_) => f.write_str("format spec"),
            Tok::Error => f.write_str("text that did not parse"),
            other => write!(f, "`{}`", other.text()),
        }
    }
}

impl Tok {
    /// The fixed spelling of a keyword or punctuation token.
    pub fn text(&self) -> &'static str {
        match self {
            Tok::Fn => "fn",
            Tok::Let => "let",
            Tok::Var => "var",
            Tok::If => "if",
            Tok::Else | Tok::LetElse => "else",
            Tok::While => "while",
            Tok::For => "for",
            Tok::In => "in",
            Tok::Loop => "loop",
            Tok::Break => "break",
            Tok::Continue => "continue",
            Tok::Return => "return",
            Tok::True => "true",
            Tok::False => "false",
            Tok::Match => "match",
            Tok::Struct => "struct",
            Tok::Enum => "enum",
            Tok::Impl => "impl",
            Tok::Import => "import",
            Tok::Const => "const",
            Tok::Native => "native",
            Tok::Test => "test",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
            Tok::Semi => ";",
            Tok::Colon => ":",
            Tok::ColonColon => "::",
            Tok::Dot => ".",
            Tok::DotDot => "..",
            Tok::DotDotEq => "..=",
            Tok::Arrow => "->",
            Tok::FatArrow => "=>",
            Tok::Eq => "=",
            Tok::EqEq => "==",
            Tok::Ne => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::Amp => "&",
            Tok::AmpAmp => "&&",
            Tok::Pipe => "|",
            Tok::PipePipe => "||",
            Tok::Caret => "^",
            Tok::Shl => "<<",
            Tok::Shr => ">>",
            Tok::Bang => "!",
            Tok::Question => "?",
            Tok::PlusEq => "+=",
            Tok::MinusEq => "-=",
            Tok::StarEq => "*=",
            Tok::SlashEq => "/=",
            Tok::PercentEq => "%=",
            Tok::AmpEq => "&=",
            Tok::PipeEq => "|=",
            Tok::CaretEq => "^=",
            Tok::ShlEq => "<<=",
            Tok::ShrEq => ">>=",
            Tok::Underscore => "_",
            Tok::Error => "<error>",
            Tok::Ident(_)
            | Tok::Int(_)
            | Tok::Float(_)
            | Tok::Str(_)
            | Tok::StrStart(_)
            | Tok::StrMid(_)
            | Tok::StrEnd(_)
            | Tok::FormatSpec(_) => "",
        }
    }
}

/// A token and the bytes it covers.
pub type Spanned = (usize, Tok, usize);

/// A comment, kept as trivia beside the tokens: the formatter puts it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The comment's bytes, from `//` to the end of its line (without the
    /// newline) or from `/*` to its closing `*/`.
    pub span: Span,
    /// `/* ... */` rather than `// ...`.
    pub block: bool,
}

/// What [`lex_with_trivia`] returns: the tokens, the lexical errors and the
/// comments, each list in source order.
pub struct Lexed {
    pub tokens: Vec<Spanned>,
    pub errors: Vec<SyntaxError>,
    pub comments: Vec<Comment>,
}

/// What an open bracket on the mode stack is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Open {
    Paren,
    Bracket,
    Brace,
    /// The `{` of an interpolation hole: its `}` resumes the string.
    Hole,
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Spanned>,
    errors: Vec<SyntaxError>,
    open: Vec<(Open, usize)>,
    prefix_run: usize,
    /// Set once the nesting limit was hit; the rest of the file is skipped.
    gave_up: bool,
    comments: Vec<Comment>,
}

/// Splits `src` into tokens. Every lexical error is reported; the tokens
/// returned are a best effort around them.
pub fn lex(src: &str) -> (Vec<Spanned>, Vec<SyntaxError>) {
    let lexed = lex_with_trivia(src);
    (lexed.tokens, lexed.errors)
}

/// [`lex`], also returning the comments (the only trivia that carries
/// meaning for people; whitespace is recomputed by the formatter).
pub fn lex_with_trivia(src: &str) -> Lexed {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        tokens: Vec::new(),
        errors: Vec::new(),
        open: Vec::new(),
        prefix_run: 0,
        gave_up: false,
        comments: Vec::new(),
    };
    lx.run();
    mark_let_else(&mut lx.tokens);
    Lexed {
        tokens: lx.tokens,
        errors: lx.errors,
        comments: lx.comments,
    }
}

/// Turns the `else` of each `let p = e else { .. };` into [`Tok::LetElse`],
/// so that the LR(1) grammar needs no look-ahead past `e` to tell it from
/// the `else` of an `if` ending `e`. That `else` is the first one of the
/// statement outside every bracket, after its `=`, that does not follow a
/// `}`: as in Rust, `e` itself must not end with `}` (parenthesise it).
fn mark_let_else(tokens: &mut [Spanned]) {
    for i in 0..tokens.len() {
        let starts_let = matches!(tokens[i].1, Tok::Let | Tok::Var)
            && !(i > 0 && matches!(tokens[i - 1].1, Tok::If | Tok::While));
        if !starts_let {
            continue;
        }
        let mut depth = 0usize;
        let mut seen_eq = false;
        for j in i + 1..tokens.len() {
            match tokens[j].1 {
                Tok::LParen | Tok::LBracket | Tok::LBrace | Tok::StrStart(_) => depth += 1,
                Tok::RParen | Tok::RBracket | Tok::RBrace | Tok::StrEnd(_) => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                Tok::Semi | Tok::Let | Tok::Var | Tok::Fn if depth == 0 => break,
                Tok::Eq if depth == 0 => seen_eq = true,
                Tok::Else if depth == 0 && seen_eq && !matches!(tokens[j - 1].1, Tok::RBrace) => {
                    tokens[j].1 = Tok::LetElse;
                    break;
                }
                _ => {}
            }
        }
    }
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.bytes.get(self.pos + n).copied()
    }

    fn error(
        &mut self,
        code: &'static str,
        message: String,
        start: usize,
        end: usize,
        label: &str,
    ) {
        if self.errors.len() >= MAX_ERRORS {
            self.gave_up = true;
            return;
        }
        self.errors.push(SyntaxError {
            code,
            message,
            span: Span::new(start, end),
            label: label.to_string(),
            help: None,
            fix: None,
        });
    }

    /// Adds the literal-brace hint to the last error when a string of the
    /// file has an interpolation hole (which is where such errors come from).
    fn hint_braces(&mut self) {
        let has_holes = self
            .tokens
            .iter()
            .any(|(_, t, _)| matches!(t, Tok::StrStart(_)));
        if let Some(e) = self.errors.last_mut().filter(|_| has_holes) {
            e.help = Some(crate::BRACE_HELP.to_string());
        }
    }

    fn push(&mut self, start: usize, tok: Tok) {
        let is_prefix = matches!(tok, Tok::Minus | Tok::Bang);
        let prev_allows_prefix = match self.tokens.last() {
            None => true,
            Some((_, t, _)) => !matches!(
                t,
                Tok::Ident(_)
                    | Tok::Int(_)
                    | Tok::Float(_)
                    | Tok::Str(_)
                    | Tok::StrEnd(_)
                    | Tok::RParen
                    | Tok::RBracket
                    | Tok::RBrace
                    | Tok::Question
                    | Tok::True
                    | Tok::False
            ),
        };
        if is_prefix && prev_allows_prefix {
            self.prefix_run += 1;
            if self.prefix_run > MAX_PREFIX_RUN {
                self.error(
                    "E0006",
                    format!("more than {MAX_PREFIX_RUN} prefix operators in a row"),
                    start,
                    self.pos,
                    "nesting limit reached here",
                );
                self.gave_up = true;
            }
        } else {
            self.prefix_run = 0;
        }
        self.tokens.push((start, tok, self.pos));
    }

    fn open(&mut self, kind: Open, start: usize) {
        if self.open.len() >= MAX_NESTING {
            self.error(
                "E0006",
                format!("brackets nested more than {MAX_NESTING} deep"),
                start,
                start + 1,
                "nesting limit reached here",
            );
            self.gave_up = true;
        }
        self.open.push((kind, start));
    }

    fn run(&mut self) {
        while !self.gave_up {
            self.skip_trivia();
            let Some(c) = self.peek() else { break };
            let start = self.pos;
            match c {
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.ident(),
                b'0'..=b'9' => self.number(),
                b'"' => {
                    self.pos += 1;
                    self.string_body(start, true);
                }
                b'{' => {
                    self.pos += 1;
                    self.open(Open::Brace, start);
                    self.push(start, Tok::LBrace);
                }
                b'}' => {
                    self.pos += 1;
                    match self.open.last() {
                        Some((Open::Hole, _)) => {
                            self.open.pop();
                            self.string_body(start, false);
                        }
                        Some((Open::Brace, _)) => {
                            self.open.pop();
                            self.push(start, Tok::RBrace);
                        }
                        _ => self.push(start, Tok::RBrace),
                    }
                }
                b'(' | b'[' => {
                    self.pos += 1;
                    let (kind, tok) = if c == b'(' {
                        (Open::Paren, Tok::LParen)
                    } else {
                        (Open::Bracket, Tok::LBracket)
                    };
                    self.open(kind, start);
                    self.push(start, tok);
                }
                b')' | b']' => {
                    self.pos += 1;
                    let kind = if c == b')' {
                        Open::Paren
                    } else {
                        Open::Bracket
                    };
                    if matches!(self.open.last(), Some((k, _)) if *k == kind) {
                        self.open.pop();
                    }
                    self.push(
                        start,
                        if c == b')' {
                            Tok::RParen
                        } else {
                            Tok::RBracket
                        },
                    );
                }
                _ => self.punct(c, start),
            }
        }
        if let Some(&(Open::Hole, at)) = self.open.iter().find(|(k, _)| *k == Open::Hole) {
            if !self.gave_up && !self.errors.iter().any(|e| e.code == "E0002") {
                self.error(
                    "E0002",
                    "unterminated string interpolation".to_string(),
                    at,
                    at + 1,
                    "this `{` is never closed by a `}`",
                );
                self.hint_braces();
            }
        }
    }

    fn skip_trivia(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') if self.peek_at(1) == Some(b'/') => {
                    let start = self.pos;
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                    // A `\r` before the newline is line-ending, not comment.
                    let mut end = self.pos;
                    if self.bytes[start..end].ends_with(b"\r") {
                        end -= 1;
                    }
                    self.comments.push(Comment {
                        span: Span::new(start, end),
                        block: false,
                    });
                }
                Some(b'/') if self.peek_at(1) == Some(b'*') => {
                    let start = self.pos;
                    if self.block_comment() {
                        self.comments.push(Comment {
                            span: Span::new(start, self.pos),
                            block: true,
                        });
                    }
                }
                _ => return,
            }
        }
    }

    /// Skips a block comment; false when it never ends (reported).
    fn block_comment(&mut self) -> bool {
        let start = self.pos;
        self.pos += 2;
        let mut depth = 1usize;
        while depth > 0 {
            match (self.peek(), self.peek_at(1)) {
                (None, _) => {
                    self.error(
                        "E0007",
                        "unterminated block comment".to_string(),
                        start,
                        start + 2,
                        "this comment is never closed by `*/`",
                    );
                    return false;
                }
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    self.pos += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.pos += 2;
                }
                _ => self.pos += 1,
            }
        }
        true
    }

    fn ident(&mut self) {
        let start = self.pos;
        while matches!(
            self.peek(),
            Some(b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_')
        ) {
            self.pos += 1;
        }
        let word = &self.src[start..self.pos];
        let mut tok = Tok::keyword(word).unwrap_or_else(|| Tok::Ident(word.to_string()));
        // `var` after `::` or `fn` is a name (`env::var`), not the keyword.
        if tok == Tok::Var && matches!(self.tokens.last(), Some((_, Tok::ColonColon | Tok::Fn, _)))
        {
            tok = Tok::Ident(word.to_string());
        }
        // `test "name"` at the top level starts a test item.
        if word == "test" && self.open.is_empty() {
            let rest = &self.src.as_bytes()[self.pos..];
            let next = rest.iter().find(|b| !b.is_ascii_whitespace());
            if next == Some(&b'"') {
                tok = Tok::Test;
            }
        }
        self.push(start, tok);
    }

    fn number(&mut self) {
        let start = self.pos;
        // After `.`, digits are a tuple index (`t.0.1`), never a float.
        let after_dot = matches!(self.tokens.last(), Some((_, Tok::Dot, end)) if *end == start);
        let radix = match (self.peek(), self.peek_at(1)) {
            (Some(b'0'), Some(b'x')) => 16,
            (Some(b'0'), Some(b'b')) => 2,
            (Some(b'0'), Some(b'o')) => 8,
            _ => 10,
        };
        if radix != 10 {
            self.pos += 2;
            let digits_start = self.pos;
            while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
                self.pos += 1;
            }
            let digits: String = self.src[digits_start..self.pos]
                .chars()
                .filter(|&c| c != '_')
                .collect();
            match u64::from_str_radix(&digits, radix) {
                Ok(v) if v <= i64::MAX as u64 => self.push(start, Tok::Int(v as i64)),
                Ok(_) => self.bad_number(start, "integer literal is larger than the largest Int"),
                Err(_) => self.bad_number(start, "invalid digits in number literal"),
            }
            return;
        }
        self.digits();
        let mut is_float = false;
        if !after_dot && self.peek() == Some(b'.') && matches!(self.peek_at(1), Some(b'0'..=b'9')) {
            is_float = true;
            self.pos += 1;
            self.digits();
        }
        if !after_dot && matches!(self.peek(), Some(b'e' | b'E')) {
            let save = self.pos;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if matches!(self.peek(), Some(b'0'..=b'9')) {
                is_float = true;
                self.digits();
            } else {
                self.pos = save;
            }
        }
        if matches!(self.peek(), Some(c) if c.is_ascii_alphabetic() || c == b'_') {
            while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
                self.pos += 1;
            }
            self.bad_number(start, "invalid suffix on number literal");
            return;
        }
        let text: String = self.src[start..self.pos]
            .chars()
            .filter(|&c| c != '_')
            .collect();
        if is_float {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => self.push(start, Tok::Float(v)),
                _ => self.bad_number(start, "float literal is out of range"),
            }
        } else {
            match text.parse::<i64>() {
                Ok(v) => self.push(start, Tok::Int(v)),
                // `-9223372036854775808` is the smallest Int: the literal
                // after a prefix minus may be one more than the largest.
                Err(_) if text == "9223372036854775808" && self.after_prefix_minus(start) => {
                    self.push(start, Tok::Int(i64::MIN))
                }
                Err(_) => self.bad_number(start, "integer literal is larger than the largest Int"),
            }
        }
    }

    /// Whether the last token is a `-` in prefix position, right before the
    /// number starting at `start`.
    fn after_prefix_minus(&self, start: usize) -> bool {
        let n = self.tokens.len();
        matches!(self.tokens.last(), Some((_, Tok::Minus, end)) if *end == start)
            && (n < 2
                || !matches!(
                    self.tokens[n - 2].1,
                    Tok::Ident(_)
                        | Tok::Int(_)
                        | Tok::Float(_)
                        | Tok::Str(_)
                        | Tok::StrEnd(_)
                        | Tok::RParen
                        | Tok::RBracket
                        | Tok::RBrace
                        | Tok::Question
                ))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9' | b'_')) {
            self.pos += 1;
        }
    }

    fn bad_number(&mut self, start: usize, message: &str) {
        let end = self.pos;
        self.error("E0005", message.to_string(), start, end, "this literal");
        // Stand in a valid literal so parsing can go on.
        self.push(start, Tok::Int(0));
    }

    /// Lexes string text from `self.pos` up to the closing `"` or the next
    /// hole. `start` is where the token begins (the `"` or the `}` of a hole);
    /// `first` is whether this is the string's first piece.
    fn string_body(&mut self, start: usize, first: bool) {
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                let at = if first {
                    start
                } else {
                    self.string_start(start)
                };
                self.error(
                    "E0002",
                    "unterminated string".to_string(),
                    at,
                    at + 1,
                    "this string is never closed by a `\"`",
                );
                self.hint_braces();
                let tok = if first {
                    Tok::Str(text)
                } else {
                    Tok::StrEnd(text)
                };
                self.push(start, tok);
                return;
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    let tok = if first {
                        Tok::Str(text)
                    } else {
                        Tok::StrEnd(text)
                    };
                    self.push(start, tok);
                    return;
                }
                b'{' => {
                    let hole = self.pos;
                    self.pos += 1;
                    let tok = if first {
                        Tok::StrStart(text)
                    } else {
                        Tok::StrMid(text)
                    };
                    self.push(start, tok);
                    self.open(Open::Hole, hole);
                    return;
                }
                b'\\' => self.escape(&mut text),
                _ => {
                    // Copy one whole UTF-8 character.
                    let ch = self.src[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    text.push(ch);
                    self.pos += ch.len_utf8().max(1);
                }
            }
        }
    }

    /// Where the string containing the hole that ended at `hole_end` began,
    /// for the error of a string left open after a hole.
    fn string_start(&self, fallback: usize) -> usize {
        self.tokens
            .iter()
            .rev()
            .find(|(_, t, _)| matches!(t, Tok::StrStart(_)))
            .map_or(fallback, |(s, _, _)| *s)
    }

    fn escape(&mut self, text: &mut String) {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else { return };
        let decoded = match c {
            b'n' => Some('\n'),
            b't' => Some('\t'),
            b'r' => Some('\r'),
            b'0' => Some('\0'),
            b'\\' => Some('\\'),
            b'"' => Some('"'),
            b'\'' => Some('\''),
            b'{' => Some('{'),
            b'}' => Some('}'),
            b'u' => {
                self.pos += 1;
                return self.unicode_escape(start, text);
            }
            _ => None,
        };
        match decoded {
            Some(ch) => {
                text.push(ch);
                self.pos += 1;
            }
            None => {
                let ch = self.src[self.pos..].chars().next().unwrap_or('?');
                self.pos += ch.len_utf8();
                self.error(
                    "E0003",
                    format!("unknown escape sequence `\\{ch}`"),
                    start,
                    self.pos,
                    "not a valid escape",
                );
                let help = "the escapes are \\n \\t \\r \\0 \\\\ \\\" \\' \\{ \\} and \\u{...}";
                if let Some(e) = self.errors.last_mut() {
                    e.label = format!("not a valid escape; {help}");
                }
            }
        }
    }

    /// `\u{1F600}`: after the `u`.
    fn unicode_escape(&mut self, start: usize, text: &mut String) {
        if self.peek() != Some(b'{') {
            self.error(
                "E0003",
                "`\\u` must be followed by `{hex digits}`".to_string(),
                start,
                self.pos,
                "like `\\u{1F600}`",
            );
            return;
        }
        self.pos += 1;
        let digits_start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_hexdigit()) {
            self.pos += 1;
        }
        let digits = &self.src[digits_start..self.pos];
        let closed = self.peek() == Some(b'}');
        if closed {
            self.pos += 1;
        }
        let ch = u32::from_str_radix(digits, 16)
            .ok()
            .and_then(char::from_u32);
        match ch {
            Some(ch) if closed && digits.len() <= 6 => text.push(ch),
            _ => self.error(
                "E0003",
                "invalid unicode escape".to_string(),
                start,
                self.pos,
                "expected 1 to 6 hex digits of a Unicode scalar value, then `}`",
            ),
        }
    }

    fn punct(&mut self, c: u8, start: usize) {
        let next = self.peek_at(1);
        // `:` directly inside an interpolation hole starts its format spec
        // (`"{x:.2}"`): everything up to the hole's `}`.
        if c == b':' && next != Some(b':') && matches!(self.open.last(), Some((Open::Hole, _))) {
            let end = self.src[start..]
                .find('}')
                .map(|i| start + i)
                .unwrap_or(self.src.len());
            let spec = self.src[start + 1..end].to_string();
            self.pos = end;
            if let Err(why) = crate::ast::FormatSpec::parse(&spec) {
                self.error(
                    "E0011",
                    format!("invalid format spec `{spec}`: {why}"),
                    start,
                    end,
                    "a format spec is [[fill]align][0][width][.precision][?]",
                );
            }
            self.push(start, Tok::FormatSpec(spec));
            return;
        }
        let next2 = self.peek_at(2);
        let (tok, len) = match (c, next) {
            (b':', Some(b':')) => (Tok::ColonColon, 2),
            (b':', _) => (Tok::Colon, 1),
            (b',', _) => (Tok::Comma, 1),
            (b';', _) => (Tok::Semi, 1),
            (b'?', _) => (Tok::Question, 1),
            (b'.', Some(b'.')) if next2 == Some(b'=') => (Tok::DotDotEq, 3),
            (b'.', Some(b'.')) => (Tok::DotDot, 2),
            (b'.', _) => (Tok::Dot, 1),
            (b'-', Some(b'>')) => (Tok::Arrow, 2),
            (b'-', Some(b'=')) => (Tok::MinusEq, 2),
            (b'-', _) => (Tok::Minus, 1),
            (b'=', Some(b'>')) => (Tok::FatArrow, 2),
            (b'=', Some(b'=')) => (Tok::EqEq, 2),
            (b'=', _) => (Tok::Eq, 1),
            (b'!', Some(b'=')) => (Tok::Ne, 2),
            (b'!', _) => (Tok::Bang, 1),
            (b'<', Some(b'=')) => (Tok::Le, 2),
            (b'<', Some(b'<')) if next2 == Some(b'=') => (Tok::ShlEq, 3),
            (b'<', Some(b'<')) => (Tok::Shl, 2),
            (b'<', _) => (Tok::Lt, 1),
            (b'>', Some(b'=')) => (Tok::Ge, 2),
            (b'>', Some(b'>')) if next2 == Some(b'=') => (Tok::ShrEq, 3),
            (b'>', Some(b'>')) => (Tok::Shr, 2),
            (b'>', _) => (Tok::Gt, 1),
            (b'+', Some(b'=')) => (Tok::PlusEq, 2),
            (b'+', _) => (Tok::Plus, 1),
            (b'*', Some(b'=')) => (Tok::StarEq, 2),
            (b'*', _) => (Tok::Star, 1),
            (b'/', Some(b'=')) => (Tok::SlashEq, 2),
            (b'/', _) => (Tok::Slash, 1),
            (b'%', Some(b'=')) => (Tok::PercentEq, 2),
            (b'%', _) => (Tok::Percent, 1),
            (b'&', Some(b'&')) => (Tok::AmpAmp, 2),
            (b'&', Some(b'=')) => (Tok::AmpEq, 2),
            (b'&', _) => (Tok::Amp, 1),
            (b'|', Some(b'|')) => (Tok::PipePipe, 2),
            (b'|', Some(b'=')) => (Tok::PipeEq, 2),
            (b'|', _) => (Tok::Pipe, 1),
            (b'^', Some(b'=')) => (Tok::CaretEq, 2),
            (b'^', _) => (Tok::Caret, 1),
            _ => {
                let ch = self.src[start..].chars().next().unwrap_or('?');
                self.pos += ch.len_utf8();
                let shown = if ch.is_control() || ch.is_whitespace() {
                    format!("{:?}", ch)
                } else {
                    format!("`{ch}`")
                };
                self.error(
                    "E0004",
                    format!("invalid character {shown} in source"),
                    start,
                    self.pos,
                    "not part of MVL's syntax",
                );
                return;
            }
        };
        self.pos += len;
        self.push(start, tok);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        let (t, e) = lex(src);
        assert!(e.is_empty(), "{e:?}");
        t.into_iter().map(|(_, t, _)| t).collect()
    }

    #[test]
    fn var_is_a_name_after_a_path_or_fn() {
        let var = || Tok::Ident("var".into());
        assert_eq!(
            toks("env::var fn var var x"),
            vec![
                Tok::Ident("env".into()),
                Tok::ColonColon,
                var(),
                Tok::Fn,
                var(),
                Tok::Var,
                Tok::Ident("x".into()),
            ]
        );
    }

    #[test]
    fn interpolation_nests() {
        let t = toks(r#""a {f("x{1}")} b""#);
        assert_eq!(
            t,
            vec![
                Tok::StrStart("a ".into()),
                Tok::Ident("f".into()),
                Tok::LParen,
                Tok::StrStart("x".into()),
                Tok::Int(1),
                Tok::StrEnd("".into()),
                Tok::RParen,
                Tok::StrEnd(" b".into()),
            ]
        );
    }

    #[test]
    fn numbers_and_tuple_fields() {
        assert_eq!(
            toks("1_000 0xff 2.5e-3 t.0.1"),
            vec![
                Tok::Int(1000),
                Tok::Int(255),
                Tok::Float(0.0025),
                Tok::Ident("t".into()),
                Tok::Dot,
                Tok::Int(0),
                Tok::Dot,
                Tok::Int(1),
            ]
        );
        assert_eq!(toks("0..10"), vec![Tok::Int(0), Tok::DotDot, Tok::Int(10)]);
    }

    #[test]
    fn errors_are_all_reported() {
        let (_, e) = lex("let s = \"\\q\"; # 99999999999999999999");
        let codes: Vec<_> = e.iter().map(|e| e.code).collect();
        assert_eq!(codes, vec!["E0003", "E0004", "E0005"]);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let src = "(".repeat(100_000);
        let (_, e) = lex(&src);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].code, "E0006");
    }

    #[test]
    fn nested_block_comments() {
        assert_eq!(toks("/* a /* b */ c */ x"), vec![Tok::Ident("x".into())]);
        let (_, e) = lex("/* /* */");
        assert_eq!(e[0].code, "E0007");
    }
}
