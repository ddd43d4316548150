//! Error recovery: how one syntax error is kept from hiding the rest of a
//! file.
//!
//! Two levels, both working on the token stream around the LR parser rather
//! than inside it (so the parser's own error messages and expected-token
//! lists are exactly those of a parser without recovery):
//!
//! 1. **Items.** The tokens are cut into chunks, one per item, at the item
//!    keywords (`fn NAME`, `struct`, `enum`, `impl`, `import`, `const`,
//!    `native`) that stand outside every bracket; an item also ends where
//!    its body's `}` (or, for `const`, `import` and `native fn`, its `;`)
//!    closes. Tokens between items form a chunk of their own. Each chunk is
//!    parsed separately, so a broken item cannot take its neighbours with it.
//!    A function whose body `{` is never closed ends, as a last resort, where
//!    an item keyword starts a line at column 0.
//! 2. **Statements.** When a chunk does not parse, the statement holding the
//!    error (inside the innermost block around it) is replaced by the
//!    [`Tok::Error`] token, which the grammar reads as an error expression
//!    (an error statement when a `;` follows), and the chunk is parsed
//!    again. `let x = <broken>;` keeps its name: `let x = <error>;`. A
//!    missing `}` at the end of a block is inserted. If the parser still
//!    fails at or before the replaced text, the replacement was not enough
//!    and a larger one is tried: the whole block's contents, then the
//!    statement around the enclosing block, and so on; when no block is left
//!    the item becomes an [`Item::Error`].
//!
//! Only the first error of each broken region is reported: an error after
//! a replacement counts only when it lies beyond the replaced text.

use crate::ast::{ErrorItem, Ident, Item, Span};
use crate::lexer::{Spanned, Tok};
use crate::SyntaxError;
use lalrpop_util::ParseError;

/// At most this many syntax errors (lexical and grammatical together) are
/// reported; the rest of the file is then not parsed.
pub const MAX_ERRORS: usize = crate::lexer::MAX_ERRORS;

/// A chunk of the token stream: one item, or the tokens between items.
pub(crate) struct Chunk {
    pub tokens: std::ops::Range<usize>,
    /// Set when the chunk was cut at a column-0 item keyword inside its
    /// unclosed body: the index of the innermost bracket open there.
    pub unclosed: Option<usize>,
}

fn is_opener(t: &Tok) -> bool {
    matches!(
        t,
        Tok::LParen | Tok::LBracket | Tok::LBrace | Tok::StrStart(_)
    )
}

/// Whether `closer` closes a group opened by `opener`.
fn closes(closer: &Tok, opener: &Tok) -> bool {
    matches!(
        (opener, closer),
        (Tok::LParen, Tok::RParen)
            | (Tok::LBracket, Tok::RBracket)
            | (Tok::LBrace, Tok::RBrace)
            | (Tok::StrStart(_), Tok::StrEnd(_))
    )
}

fn is_closer(t: &Tok) -> bool {
    matches!(
        t,
        Tok::RParen | Tok::RBracket | Tok::RBrace | Tok::StrEnd(_)
    )
}

/// The bracket structure of a token list, matched forgivingly: a closer
/// that matches an opener further down the stack ends the unclosed groups
/// above it; a closer that matches nothing is an ordinary token; `;`, `let`
/// and `var` end the unclosed `(`, `[` and strings back to the nearest `{`
/// (they never stand inside those in a correct program).
struct Groups {
    /// The innermost group (its opener's index) around each token; a group's
    /// opener and closer belong to the group around it.
    parent: Vec<Option<usize>>,
    /// For an opener: the index of its closer, or where it implicitly ended.
    end: Vec<usize>,
    /// For an opener: whether a matching closer was found.
    closed: Vec<bool>,
    /// For a closer: the group it closes.
    closes: Vec<Option<usize>>,
    /// The groups still open at the end, outermost first.
    open_at_end: Vec<usize>,
}

impl Groups {
    fn new(tokens: &[Spanned]) -> Groups {
        let n = tokens.len();
        let mut g = Groups {
            parent: vec![None; n],
            end: vec![n; n],
            closed: vec![false; n],
            closes: vec![None; n],
            open_at_end: Vec::new(),
        };
        let mut stack: Vec<usize> = Vec::new();
        for (i, (_, t, _)) in tokens.iter().enumerate() {
            if matches!(t, Tok::Semi | Tok::Var) || is_let_statement(tokens, i) {
                while let Some(&top) = stack.last() {
                    if matches!(tokens[top].1, Tok::LBrace) {
                        break;
                    }
                    g.end[top] = i;
                    stack.pop();
                }
            }
            if is_closer(t) {
                if let Some(pos) = stack.iter().rposition(|&o| closes(t, &tokens[o].1)) {
                    while stack.len() > pos + 1 {
                        if let Some(o) = stack.pop() {
                            g.end[o] = i;
                        }
                    }
                    if let Some(o) = stack.pop() {
                        g.end[o] = i;
                        g.closed[o] = true;
                        g.closes[i] = Some(o);
                    }
                }
                g.parent[i] = stack.last().copied();
                continue;
            }
            g.parent[i] = stack.last().copied();
            if is_opener(t) {
                stack.push(i);
            }
        }
        g.open_at_end = stack;
        g
    }
}

/// Whether token `i` starts an item.
fn item_start(tokens: &[Spanned], i: usize) -> bool {
    match &tokens[i].1 {
        Tok::Struct
        | Tok::Enum
        | Tok::Impl
        | Tok::Import
        | Tok::Const
        | Tok::Native
        | Tok::Test => true,
        Tok::Fn => {
            matches!(tokens.get(i + 1), Some((_, Tok::Ident(_), _)))
                && !(i > 0 && matches!(tokens[i - 1].1, Tok::Native))
        }
        _ => false,
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum ChunkKind {
    /// `fn`, `struct`, `enum`, `impl`: ends with its body's `}`.
    Body,
    /// `import`, `const`, `native fn`: ends with `;`.
    Semi,
    /// Tokens that start no item.
    Junk,
}

fn chunk_kind(t: &Tok) -> ChunkKind {
    match t {
        Tok::Fn | Tok::Struct | Tok::Enum | Tok::Impl | Tok::Test => ChunkKind::Body,
        Tok::Import | Tok::Const | Tok::Native => ChunkKind::Semi,
        _ => ChunkKind::Junk,
    }
}

/// Cuts `tokens` into chunks (see the module documentation).
pub(crate) fn chunks(src: &str, tokens: &[Spanned]) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut from = 0;
    // Each cut at column 0 starts the bracket matching afresh; past the
    // error cap there is no point (and garbage could make it quadratic).
    let mut cuts_left = MAX_ERRORS;
    while from < tokens.len() {
        let rest = &tokens[from..];
        let g = Groups::new(rest);
        let mut start = 0;
        let mut i = 0;
        let mut restart = None;
        while i < rest.len() {
            if i > start && g.parent[i].is_none() && item_start(rest, i) {
                out.push(Chunk {
                    tokens: from + start..from + i,
                    unclosed: None,
                });
                start = i;
            }
            let kind = chunk_kind(&rest[start].1);
            let top = g.parent[i].is_none();
            if top && kind == ChunkKind::Body && matches!(rest[i].1, Tok::LBrace) {
                if g.closed[i] {
                    let after = g.end[i] + 1;
                    out.push(Chunk {
                        tokens: from + start..from + after,
                        unclosed: None,
                    });
                    start = after;
                    i = after;
                    continue;
                }
                // An unclosed body: cut at an item keyword starting a line.
                let column0 = (i + 1..rest.len()).find(|&j| {
                    item_start(rest, j)
                        && (rest[j].0 == 0 || src.as_bytes().get(rest[j].0 - 1) == Some(&b'\n'))
                });
                let may_cut = cuts_left > 0 && !matches!(rest[start].1, Tok::Impl);
                if let (Some(j), true) = (column0, may_cut) {
                    cuts_left -= 1;
                    // The innermost bracket still open there is the likely
                    // culprit: the body's `{` only if all inside it closed.
                    let inner = Groups::new(&rest[start..j]).open_at_end.last().copied();
                    out.push(Chunk {
                        tokens: from + start..from + j,
                        unclosed: Some(from + inner.map_or(i, |o| start + o)),
                    });
                    restart = Some(from + j);
                    break;
                }
                // Otherwise the chunk runs to the end of the file.
                i = rest.len();
                continue;
            }
            if top && kind == ChunkKind::Semi && matches!(rest[i].1, Tok::Semi) {
                out.push(Chunk {
                    tokens: from + start..from + i + 1,
                    unclosed: None,
                });
                start = i + 1;
            }
            i += 1;
        }
        match restart {
            Some(next) => from = next,
            None => {
                if start < rest.len() {
                    out.push(Chunk {
                        tokens: from + start..tokens.len(),
                        unclosed: None,
                    });
                }
                break;
            }
        }
    }
    out
}

/// The names a broken chunk seems to declare.
fn declared_names(tokens: &[Spanned]) -> Vec<Ident> {
    tokens
        .windows(2)
        .filter_map(|w| match (&w[0].1, &w[1]) {
            (
                Tok::Fn | Tok::Struct | Tok::Enum | Tok::Const | Tok::Import,
                (l, Tok::Ident(name), r),
            ) => Some(Ident {
                name: name.clone(),
                span: Span::new(*l, *r),
            }),
            _ => None,
        })
        .collect()
}

/// An item for a chunk that could not be recovered.
pub(crate) fn error_item(tokens: &[Spanned]) -> Item {
    let span = match (tokens.first(), tokens.last()) {
        (Some(a), Some(b)) => Span::new(a.0, b.2),
        _ => Span::default(),
    };
    Item::Error(ErrorItem {
        names: declared_names(tokens),
        declares_type: matches!(
            tokens.first().map(|t| &t.1),
            Some(Tok::Struct | Tok::Enum | Tok::Impl)
        ),
        span,
    })
}

/// What kind of group a `{` is, for recovery.
#[derive(Clone, Copy, PartialEq)]
enum BlockKind {
    /// Statements.
    Block,
    /// The methods of an `impl`.
    Items,
}

/// Whether the group opened at `o` holds statements (or methods), and can
/// take an error statement.
fn block_kind(tokens: &[Spanned], g: &Groups, o: usize) -> Option<BlockKind> {
    if !matches!(tokens[o].1, Tok::LBrace) {
        return None;
    }
    if g.parent[o].is_none() {
        // A top-level `{` is an item's body.
        return match tokens.first().map(|t| &t.1) {
            Some(Tok::Struct | Tok::Enum) => None,
            Some(Tok::Impl) => Some(BlockKind::Items),
            _ => Some(BlockKind::Block),
        };
    }
    // The arms of a `match`.
    let arms = (o + 1..g.end[o].min(tokens.len()))
        .any(|j| g.parent[j] == Some(o) && matches!(tokens[j].1, Tok::FatArrow));
    (!arms).then_some(BlockKind::Block)
}

/// Whether token `i` is a `let` that starts a statement: not the `let` of
/// `if let` or `while let`.
fn is_let_statement(tokens: &[Spanned], i: usize) -> bool {
    matches!(tokens[i].1, Tok::Let) && !(i > 0 && matches!(tokens[i - 1].1, Tok::If | Tok::While))
}

/// Tokens that start a statement after a block-like statement's `}`.
fn starts_statement(t: &Tok) -> bool {
    matches!(
        t,
        Tok::Ident(_)
            | Tok::Int(_)
            | Tok::Float(_)
            | Tok::Str(_)
            | Tok::StrStart(_)
            | Tok::True
            | Tok::False
            | Tok::Let
            | Tok::Var
            | Tok::If
            | Tok::While
            | Tok::Loop
            | Tok::For
            | Tok::Match
            | Tok::Return
            | Tok::Break
            | Tok::Continue
            | Tok::Fn
            | Tok::Bang
    )
}

/// A replacement: the new tokens, and the end (byte offset) of the text it
/// replaced.
pub(crate) struct Splice {
    pub tokens: Vec<Spanned>,
    pub replaced_end: usize,
    /// The level it was made at, to ask for a larger one next time.
    pub level: usize,
    /// The tokens replaced, as indices into the tokens given.
    pub cut: std::ops::Range<usize>,
}

/// The replacement for the error at token `at` (`tokens.len()` for the end
/// of the chunk) at `level` or the first level above it that changes
/// anything: level `2k` replaces the statement around the error in the
/// `k`-th enclosing block (0 the innermost), level `2k + 1` that block's
/// whole contents. `None` when no block is left.
pub(crate) fn splice(tokens: &[Spanned], at: usize, level: usize) -> Option<Splice> {
    let g = Groups::new(tokens);
    let n = tokens.len();
    // The groups around the error, innermost first.
    let mut chain = Vec::new();
    if at >= n {
        chain.extend(g.open_at_end.iter().rev().copied());
    } else {
        if let Some(o) = g.closes[at] {
            chain.push(o);
        }
        let mut p = g.parent[at];
        while let Some(o) = p {
            chain.push(o);
            p = g.parent[o];
        }
    }
    // Two levels per block around the error; which groups are blocks is
    // only worked out as far as needed.
    let mut first_level = 0;
    for o in chain {
        let Some(kind) = block_kind(tokens, &g, o) else {
            continue;
        };
        for whole in [false, true] {
            let this = first_level;
            first_level += 1;
            if this < level {
                continue;
            }
            if let Some((tokens, replaced_end, cut)) = splice_in(tokens, &g, at, o, kind, whole) {
                return Some(Splice {
                    tokens,
                    replaced_end,
                    level: this,
                    cut,
                });
            }
        }
    }
    None
}

/// Replaces the statement around `at` in the block opened at `b` (or, if
/// `whole`, all of its contents); `None` if that changes nothing.
fn splice_in(
    tokens: &[Spanned],
    g: &Groups,
    at: usize,
    b: usize,
    kind: BlockKind,
    whole: bool,
) -> Option<(Vec<Spanned>, usize, std::ops::Range<usize>)> {
    let n = tokens.len();
    let end = g.end[b].min(n);
    // The block's own tokens (not those of groups inside it).
    let kids: Vec<usize> = (b + 1..end).filter(|&j| g.parent[j] == Some(b)).collect();
    // Where each statement starts, as indices into `kids`.
    let mut starts: Vec<usize> = Vec::new();
    for (k, &j) in kids.iter().enumerate() {
        let t = &tokens[j].1;
        let boundary = k == 0
            || match kind {
                BlockKind::Items => matches!(t, Tok::Fn | Tok::Native),
                BlockKind::Block => {
                    let prev = &tokens[kids[k - 1]].1;
                    matches!(prev, Tok::Semi)
                        || matches!(t, Tok::Var)
                        || is_let_statement(tokens, j)
                        || (matches!(prev, Tok::RBrace) && starts_statement(t))
                }
            };
        if boundary {
            starts.push(k);
        }
    }
    // Statement `s` covers tokens `range(s)`.
    let range = |s: usize| -> (usize, usize) {
        let first = kids[starts[s]];
        let last = match starts.get(s + 1) {
            Some(&k) => kids[k],
            None => end,
        };
        (first, last)
    };
    let unclosed_here = !g.closed[b] && at >= end;
    let (from, to) = if whole {
        if kids.is_empty() {
            return None;
        }
        (b + 1, end)
    } else if at >= end || g.closes.get(at).copied().flatten() == Some(b) {
        // At the block's end: its last statement is broken.
        match starts.len() {
            0 => (end, end),
            s => {
                let (first, last) = range(s - 1);
                let ends_with_semi = matches!(tokens[kids[kids.len() - 1]].1, Tok::Semi);
                if ends_with_semi && unclosed_here {
                    (end, end)
                } else {
                    (first, last)
                }
            }
        }
    } else {
        // The block's own token at or around `at`.
        let mut c = at;
        while g.parent[c] != Some(b) {
            c = g.parent[c]?;
        }
        let k = kids.iter().position(|&j| j == c)?;
        let mut s = starts.iter().rposition(|&st| st <= k)?;
        let at_start = starts[s] == k && c == at;
        if at_start && s > 0 {
            let (_, prev_last) = range(s - 1);
            let prev_semi = matches!(tokens[prev_last - 1].1, Tok::Semi);
            if !prev_semi {
                s -= 1;
            }
        }
        range(s)
    };
    // The replacement.
    let mut new: Vec<Spanned> = Vec::new();
    if from < to {
        let keep_semi = kind == BlockKind::Block
            && !whole
            && matches!(tokens[to - 1].1, Tok::Semi)
            && g.parent[to - 1] == Some(b);
        let body_end = if keep_semi { to - 1 } else { to };
        let mut first = from;
        if kind == BlockKind::Block && !whole {
            let is_let = matches!(tokens[from].1, Tok::Let | Tok::Var)
                && matches!(tokens.get(from + 1), Some((_, Tok::Ident(_), _)))
                && from + 2 < body_end
                && matches!(tokens[from + 2].1, Tok::Eq | Tok::Colon)
                && at > from + 1;
            if is_let {
                new.push(tokens[from].clone());
                new.push(tokens[from + 1].clone());
                let p = tokens[from + 1].2;
                new.push((p, Tok::Eq, p));
                first = from + 2;
            }
        }
        if kind == BlockKind::Block && first < body_end {
            new.push((tokens[first].0, Tok::Error, tokens[body_end - 1].2));
        }
        let is_let = !new.is_empty() && matches!(new[0].1, Tok::Let | Tok::Var);
        if keep_semi {
            new.push(tokens[to - 1].clone());
        } else if kind == BlockKind::Block && (is_let || to < end) && first < body_end {
            let p = tokens[body_end - 1].2;
            new.push((p, Tok::Semi, p));
        }
    }
    if unclosed_here {
        let p = if end > 0 { tokens[end - 1].2 } else { 0 };
        new.push((p, Tok::RBrace, p));
        // At the very end, the brackets around the block are closed too,
        // innermost first.
        if at >= n {
            let outer: Vec<usize> = g
                .open_at_end
                .iter()
                .copied()
                .take_while(|&o| o != b)
                .collect();
            for &o in outer.iter().rev() {
                let close = match tokens[o].1 {
                    Tok::LParen => Tok::RParen,
                    Tok::LBracket => Tok::RBracket,
                    Tok::StrStart(_) => Tok::StrEnd(String::new()),
                    _ => Tok::RBrace,
                };
                new.push((p, close, p));
            }
        }
    }
    let old = &tokens[from..to];
    if !unclosed_here && old == new.as_slice() {
        return None;
    }
    let replaced_end = if to > from {
        tokens[to - 1].2
    } else {
        tokens.get(end.saturating_sub(1)).map_or(0, |t| t.2)
    };
    let mut out = Vec::with_capacity(n - (to - from) + new.len());
    out.extend_from_slice(&tokens[..from]);
    out.extend(new);
    out.extend_from_slice(&tokens[to..]);
    Some((out, replaced_end, from..to))
}

/// Where a parse error is: the index of the offending token in `tokens`
/// (`tokens.len()` at the end) and its byte offset.
pub(crate) fn error_location(
    e: &ParseError<usize, Tok, SyntaxError>,
    tokens: &[Spanned],
) -> (usize, usize) {
    let find = |l: usize, r: usize| -> usize {
        let from = tokens.partition_point(|t| t.0 < l);
        (from..tokens.len())
            .take_while(|&i| tokens[i].0 == l)
            .find(|&i| tokens[i].2 == r)
            .unwrap_or(from)
    };
    match e {
        ParseError::UnrecognizedToken {
            token: (l, _, r), ..
        }
        | ParseError::ExtraToken { token: (l, _, r) } => (find(*l, *r), *l),
        ParseError::InvalidToken { location } => (find(*location, *location + 1), *location),
        ParseError::UnrecognizedEof { location, .. } => (tokens.len(), *location),
        ParseError::User { error } => {
            let l = error.span.start as usize;
            (find(l, error.span.end as usize), l)
        }
    }
}
