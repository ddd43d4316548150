//! The canonical formatter: a parsed file and its comments back to text in
//! the one style of `lang-spec/style.md`.
//!
//! The tree is turned into a small pretty-printing document ([`Doc`]: text,
//! line breaks that are spaces when their group fits, nesting and groups, in
//! the manner of Wadler's "prettier printer"), which [`render`] lays out in
//! [`WIDTH`] columns: a group is printed on one line when it fits in what is
//! left of the line, otherwise its breaks become newlines and its inner
//! groups are tried again. Comments are not in the tree: they come from the
//! lexer as trivia and are put back at the nearest statement, item, arm,
//! field or list element (see the style guide for where).
//!
//! The printer writes the same tokens as the source, spelled the same way
//! (literals and strings are copied from the source text); only whitespace,
//! optional commas and semicolons, and parentheses change: the ones the
//! reader wrote around an operand are kept, redundant ones elsewhere are
//! dropped, and the ones the grammar needs are always there. So formatting
//! never changes what a program means.

use crate::ast::*;
use crate::lexer::{Comment, Spanned, Tok};
use crate::SyntaxError;

/// The line width the formatter aims at.
pub const WIDTH: usize = 100;

/// Array elements at most this wide are filled, several to a line.
const FILL_WIDTH: usize = 16;

/// The indentation of one nesting level, in spaces.
const INDENT: usize = 4;

/// Why a file was not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The file has syntax errors (all of them, as the parser reports them).
    Syntax(Vec<SyntaxError>),
    /// The formatted text would not parse to the same tree, or would lose a
    /// comment: a bug in the formatter, caught before any file is written.
    Unsafe(String),
}

/// Formats a whole source file. A file with syntax errors is not formatted:
/// its errors are returned instead. The result is checked before it is
/// returned: it parses to the same tree (ignoring byte positions) and keeps
/// every comment.
pub fn format_source(src: &str) -> Result<String, FormatError> {
    let parsed = crate::parse_file_with_trivia(src);
    if !parsed.errors.is_empty() {
        return Err(FormatError::Syntax(parsed.errors));
    }
    let mut f = Formatter {
        src,
        tokens: &parsed.tokens,
        comments: &parsed.comments,
        next: 0,
    };
    let doc = f.file(&parsed.file);
    let out = render(&doc, WIDTH);
    let again = crate::parse_file_with_trivia(&out);
    if !again.errors.is_empty() {
        let e = &again.errors[0];
        return Err(FormatError::Unsafe(format!(
            "the formatted text does not parse ({}: {} at byte {})",
            e.code, e.message, e.span.start
        )));
    }
    if without_spans(&format!("{:?}", parsed.file)) != without_spans(&format!("{:?}", again.file)) {
        return Err(FormatError::Unsafe(
            "the formatted text parses to a different tree".to_string(),
        ));
    }
    let texts = |p: &crate::Parsed, s: &str| -> Vec<String> {
        p.comments
            .iter()
            .map(|c| s[c.span.range()].trim_end().to_string())
            .collect()
    };
    if texts(&parsed, src) != texts(&again, &out) {
        return Err(FormatError::Unsafe(
            "the formatted text lost or reordered a comment".to_string(),
        ));
    }
    Ok(out)
}

/// A tree's debug text without its byte positions.
fn without_spans(debug: &str) -> String {
    const MARK: &str = "Span { start: ";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find(MARK) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match rest.find('}') {
            Some(j) => rest = &rest[j + 1..],
            None => break,
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------- documents

/// A document to lay out.
enum Doc {
    Text(String),
    /// A space when its group is flat, a newline when it is broken.
    Line,
    /// Nothing when its group is flat, a newline when it is broken.
    Soft,
    /// Always a newline (and it breaks every group around it).
    Hard,
    /// Text printed only when the group is broken (a trailing comma).
    IfBreak(&'static str),
    Cat(Vec<Doc>),
    /// The newlines inside are indented one level more.
    Nest(Box<Doc>),
    /// Printed flat if it fits, else broken; the flag tells whether it holds
    /// a hard newline (then it is always broken).
    Group(Box<Doc>, bool),
}

fn text(s: impl Into<String>) -> Doc {
    Doc::Text(s.into())
}

fn cat(v: Vec<Doc>) -> Doc {
    Doc::Cat(v)
}

fn nest(d: Doc) -> Doc {
    Doc::Nest(Box::new(d))
}

fn group(d: Doc) -> Doc {
    let hard = has_hard(&d);
    Doc::Group(Box::new(d), hard)
}

fn has_hard(d: &Doc) -> bool {
    match d {
        Doc::Hard => true,
        Doc::Cat(v) => v.iter().any(has_hard),
        Doc::Nest(d) => has_hard(d),
        Doc::Group(_, hard) => *hard,
        Doc::Text(_) | Doc::Line | Doc::Soft | Doc::IfBreak(_) => false,
    }
}

/// Lays `doc` out in `width` columns. Trailing spaces are never written;
/// the result ends with one newline unless it is empty.
fn render(doc: &Doc, width: usize) -> String {
    let mut out = String::new();
    let mut col = 0usize;
    // (indent, flat, doc), the next to print last.
    let mut stack: Vec<(usize, bool, &Doc)> = vec![(0, false, doc)];
    while let Some((ind, flat, d)) = stack.pop() {
        match d {
            Doc::Text(s) => {
                out.push_str(s);
                col = match s.rfind('\n') {
                    Some(p) => s[p + 1..].chars().count(),
                    None => col + s.chars().count(),
                };
            }
            Doc::Line if flat => {
                out.push(' ');
                col += 1;
            }
            Doc::Soft if flat => {}
            Doc::Line | Doc::Soft | Doc::Hard => {
                newline(&mut out, ind);
                col = ind;
            }
            Doc::IfBreak(s) => {
                if !flat {
                    out.push_str(s);
                    col += s.chars().count();
                }
            }
            Doc::Cat(v) => {
                for x in v.iter().rev() {
                    stack.push((ind, flat, x));
                }
            }
            Doc::Nest(x) => stack.push((ind + INDENT, flat, x)),
            Doc::Group(x, hard) => {
                let fits_flat = flat || (!hard && fits(width.saturating_sub(col), x, &stack));
                stack.push((ind, fits_flat, x));
            }
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn newline(out: &mut String, indent: usize) {
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Whether `doc`, printed flat, and what follows it up to the next newline
/// fit in `left` columns.
fn fits(left: usize, doc: &Doc, rest: &[(usize, bool, &Doc)]) -> bool {
    let mut left = left as isize;
    let mut todo: Vec<(bool, &Doc)> = vec![(true, doc)];
    let mut rest = rest.iter().rev();
    loop {
        let Some((flat, d)) = todo.pop().or_else(|| rest.next().map(|(_, f, d)| (*f, *d))) else {
            return true;
        };
        match d {
            Doc::Text(s) => match s.find('\n') {
                Some(p) => return left >= s[..p].chars().count() as isize,
                None => left -= s.chars().count() as isize,
            },
            Doc::Line if flat => left -= 1,
            Doc::Soft if flat => {}
            Doc::Line | Doc::Soft | Doc::Hard => return left >= 0,
            Doc::IfBreak(s) => {
                if !flat {
                    left -= s.len() as isize;
                }
            }
            Doc::Cat(v) => todo.extend(v.iter().rev().map(|x| (flat, x))),
            Doc::Nest(x) => todo.push((flat, x)),
            Doc::Group(x, hard) => todo.push((flat && !hard, x)),
        }
        if left < 0 {
            return false;
        }
    }
}

// ---------------------------------------------------------------- precedence

/// How tightly an expression binds, as the grammar's levels: an operand
/// position accepts an expression of at least some level unparenthesised.
fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Closure(..) | ExprKind::Return(_) | ExprKind::Break(_) | ExprKind::Continue => 0,
        ExprKind::Assign(..) | ExprKind::CompoundAssign(..) => 1,
        ExprKind::Range { .. } => 2,
        ExprKind::Binary(op, ..) => binop_level(*op),
        ExprKind::Unary(..) => 12,
        ExprKind::Lit(Literal::Int(n)) if *n < 0 => 12,
        ExprKind::Lit(Literal::Float(x)) if x.is_sign_negative() => 12,
        ExprKind::Field(..)
        | ExprKind::MethodCall(..)
        | ExprKind::Call(..)
        | ExprKind::Index(..)
        | ExprKind::TupleField(..)
        | ExprKind::Try(_) => 13,
        _ => 14,
    }
}

fn binop_level(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 3,
        BinOp::And => 4,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 5,
        BinOp::BitOr => 6,
        BinOp::BitXor => 7,
        BinOp::BitAnd => 8,
        BinOp::Shl | BinOp::Shr => 9,
        BinOp::Add | BinOp::Sub => 10,
        BinOp::Mul | BinOp::Div | BinOp::Rem => 11,
    }
}

/// The levels the two operands of `op` need.
fn operand_levels(op: BinOp) -> (u8, u8) {
    let l = binop_level(op);
    if l == 5 {
        // Comparisons do not chain.
        (6, 6)
    } else {
        (l, l + 1)
    }
}

/// `if`, `match`, loops and blocks: they end a statement by themselves.
fn is_block_like(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::If(..)
            | ExprKind::IfLet(..)
            | ExprKind::While(..)
            | ExprKind::WhileLet(..)
            | ExprKind::Loop(_)
            | ExprKind::For(..)
            | ExprKind::Match(..)
            | ExprKind::Block(_)
    )
}

/// A child in an operand position, with the level that position needs.
struct Operand<'e> {
    expr: &'e Expr,
    min: u8,
}

/// The operands of `e` that are printed before or after it without
/// brackets of its own between: the children whose text touches `e`'s
/// outside (left spine first).
fn operands(e: &Expr) -> Vec<Operand<'_>> {
    let op = |expr, min| Operand { expr, min };
    match &e.kind {
        ExprKind::Binary(o, a, b) => {
            let (la, lb) = operand_levels(*o);
            vec![op(a, la), op(b, lb)]
        }
        ExprKind::Assign(a, b) | ExprKind::CompoundAssign(_, a, b) => vec![op(a, 2), op(b, 0)],
        ExprKind::Range { start, end, .. } => vec![op(start, 3), op(end, 3)],
        ExprKind::Unary(_, x) => vec![op(x, 12)],
        ExprKind::Field(x, _)
        | ExprKind::MethodCall(x, ..)
        | ExprKind::Index(x, _)
        | ExprKind::TupleField(x, ..)
        | ExprKind::Try(x) => vec![op(x, 13)],
        ExprKind::Call(x, _) => vec![op(x, 13)],
        ExprKind::Return(Some(x)) | ExprKind::Break(Some(x)) => vec![op(x, 0)],
        ExprKind::Closure(_, body) => vec![op(body, 0)],
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------- the printer

struct Formatter<'a> {
    src: &'a str,
    tokens: &'a [Spanned],
    comments: &'a [Comment],
    /// The first comment not printed yet.
    next: usize,
}

/// Where an expression stands, for the parentheses the grammar requires.
#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Any,
    /// An expression statement, a block's tail or a match arm's body: it
    /// must not start with a block-like expression.
    Stmt,
    /// The head of `if`, `while`, `for` and `match`: no struct literal,
    /// closure, `return` or `break` outside brackets.
    NoStruct,
    /// The value of `let ... else`: it must not end with `}`.
    LetElse,
}

impl<'a> Formatter<'a> {
    fn slice(&self, span: Span) -> &'a str {
        self.src.get(span.range()).unwrap_or("")
    }

    /// The index of the first token starting at or after `pos`.
    fn token_at(&self, pos: usize) -> usize {
        self.tokens.partition_point(|t| t.0 < pos)
    }

    /// The start of the first token of kind `tok` at or after `pos`.
    fn find_token(&self, pos: usize, tok: &Tok) -> Option<usize> {
        self.tokens[self.token_at(pos)..]
            .iter()
            .find(|t| &t.1 == tok)
            .map(|t| t.0)
    }

    /// Whether the reader wrote parentheses right around `e`.
    fn parenthesized(&self, e: &Expr) -> bool {
        let i = self.token_at(e.span.start as usize);
        let j = self.token_at(e.span.end as usize);
        i > 0
            && matches!(self.tokens[i - 1].1, Tok::LParen)
            && matches!(self.tokens.get(j), Some((_, Tok::RParen, _)))
    }

    /// Whether an operand gets parentheses: when its level is too low for
    /// its place, or when the reader wrote them.
    fn operand_parens(&self, o: &Operand<'_>) -> bool {
        level(o.expr) < o.min || self.parenthesized(o.expr)
    }

    /// Whether `e`, printed as it is, starts with a block-like expression
    /// that is not `e` itself.
    fn starts_block_like(&self, e: &Expr) -> bool {
        let mut cur = e;
        loop {
            let first = match &cur.kind {
                ExprKind::Binary(..)
                | ExprKind::Assign(..)
                | ExprKind::CompoundAssign(..)
                | ExprKind::Range { .. }
                | ExprKind::Field(..)
                | ExprKind::MethodCall(..)
                | ExprKind::Index(..)
                | ExprKind::TupleField(..)
                | ExprKind::Try(_)
                | ExprKind::Call(..) => operands(cur).into_iter().next(),
                _ => None,
            };
            let Some(first) = first else { return false };
            if self.operand_parens(&first) {
                return false;
            }
            if is_block_like(first.expr) {
                return true;
            }
            cur = first.expr;
        }
    }

    /// Whether `e` has, outside brackets, something the head of an `if`
    /// cannot hold.
    fn breaks_no_struct(&self, e: &Expr) -> bool {
        if matches!(
            e.kind,
            ExprKind::StructLit(..)
                | ExprKind::Closure(..)
                | ExprKind::Return(_)
                | ExprKind::Break(_)
                | ExprKind::Continue
        ) {
            return true;
        }
        operands(e)
            .iter()
            .any(|o| !self.operand_parens(o) && self.breaks_no_struct(o.expr))
    }

    /// Whether `e` printed as it is ends with `}`.
    fn ends_with_brace(&self, e: &Expr) -> bool {
        if is_block_like(e) || matches!(e.kind, ExprKind::StructLit(..)) {
            return true;
        }
        let last = match &e.kind {
            ExprKind::Binary(..)
            | ExprKind::Assign(..)
            | ExprKind::CompoundAssign(..)
            | ExprKind::Range { .. }
            | ExprKind::Unary(..)
            | ExprKind::Return(Some(_))
            | ExprKind::Break(Some(_))
            | ExprKind::Closure(..) => operands(e).pop(),
            _ => None,
        };
        last.is_some_and(|o| !self.operand_parens(&o) && self.ends_with_brace(o.expr))
    }

    // ------------------------------------------------------------ comments

    /// The next comment not printed yet.
    fn peek_comment(&self) -> Option<&'a Comment> {
        self.comments.get(self.next)
    }

    /// Whether a comment not printed yet starts in `from..to`.
    fn comment_within(&self, from: usize, to: usize) -> bool {
        self.comments[self.next..]
            .iter()
            .map(|c| c.span.start as usize)
            .find(|&s| s >= from)
            .is_some_and(|s| s < to)
    }

    /// Marks the comments inside `span` as printed (they are part of text
    /// copied from the source).
    fn skip_comments_in(&mut self, span: Span) {
        while self
            .peek_comment()
            .is_some_and(|c| c.span.start >= span.start && c.span.end <= span.end)
        {
            self.next += 1;
        }
    }

    fn comment_text(&self, c: &Comment) -> String {
        self.slice(c.span).trim_end().to_string()
    }

    /// Whether the source between two offsets has an empty line.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        from < to && self.slice(Span::new(from, to)).matches('\n').count() >= 2
    }

    /// Whether the source between two offsets is all on one line.
    fn same_line(&self, from: usize, to: usize) -> bool {
        from <= to && !self.slice(Span::new(from, to)).contains('\n')
    }

    /// Lays out `elems` one per line, with the comments before, between
    /// and after them (up to `close`), blank lines between paragraphs kept
    /// (at most one). `print` returns an element's text and whether a
    /// separator `,` follows it.
    fn vertical<T>(
        &mut self,
        elems: &[T],
        span: impl Fn(&T) -> Span,
        mut print: impl FnMut(&mut Self, &T, bool) -> Doc,
        close: usize,
    ) -> Doc {
        let mut parts = Vec::new();
        let mut prev_end: Option<usize> = None;
        for (i, e) in elems.iter().enumerate() {
            let sp = span(e);
            let start = sp.start as usize;
            self.leading_comments(start, &mut parts, &mut prev_end);
            if let Some(p) = prev_end {
                parts.push(Doc::Hard);
                if self.blank_between(p, start) {
                    parts.push(Doc::Hard);
                }
            }
            let last = i + 1 == elems.len();
            parts.push(print(self, e, last));
            let end = sp.end as usize;
            prev_end = Some(end);
            // Comments the element's own text did not place, and a comment
            // on the same line after it.
            let next_start = elems.get(i + 1).map_or(close, |n| span(n).start as usize);
            while let Some(c) = self.peek_comment() {
                let cs = c.span.start as usize;
                let inside = cs < end;
                let trailing = cs < next_start && self.same_line(end, cs);
                if !(inside || trailing) {
                    break;
                }
                parts.push(text(" "));
                parts.push(text(self.comment_text(c)));
                prev_end = Some(prev_end.unwrap_or(0).max(c.span.end as usize));
                self.next += 1;
            }
        }
        self.leading_comments(close, &mut parts, &mut prev_end);
        cat(parts)
    }

    /// The comments before `pos`, each on its own line.
    fn leading_comments(&mut self, pos: usize, parts: &mut Vec<Doc>, prev_end: &mut Option<usize>) {
        while let Some(c) = self
            .peek_comment()
            .filter(|c| (c.span.start as usize) < pos)
        {
            let cs = c.span.start as usize;
            if let Some(p) = *prev_end {
                parts.push(Doc::Hard);
                if self.blank_between(p, cs) {
                    parts.push(Doc::Hard);
                }
            }
            parts.push(text(self.comment_text(c)));
            *prev_end = Some(c.span.end as usize);
            self.next += 1;
        }
    }

    /// `open` elements `close`, one per line, for a body in braces; `{}`
    /// when there is nothing, not even a comment.
    fn braced<T>(
        &mut self,
        span: Span,
        elems: &[T],
        elem_span: impl Fn(&T) -> Span,
        print: impl FnMut(&mut Self, &T, bool) -> Doc,
    ) -> Doc {
        let close = (span.end as usize).saturating_sub(1);
        if elems.is_empty() && !self.comment_within(span.start as usize, close) {
            return text("{}");
        }
        let body = self.vertical(elems, elem_span, print, close);
        cat(vec![
            text("{"),
            nest(cat(vec![Doc::Hard, body])),
            Doc::Hard,
            text("}"),
        ])
    }

    /// A bracketed, comma-separated list: on one line if it fits, else one
    /// element per line with a trailing comma; always the latter when a
    /// comment is inside. `open_pos` and `close_pos` are where its brackets
    /// are.
    #[allow(clippy::too_many_arguments)]
    fn list<T>(
        &mut self,
        open: &'static str,
        close: &'static str,
        open_pos: usize,
        close_pos: usize,
        elems: &[T],
        span: impl Fn(&T) -> Span,
        mut print: impl FnMut(&mut Self, &T) -> Doc,
        spaced: bool,
    ) -> Doc {
        if self.comment_within(open_pos, close_pos) {
            let body = self.vertical(
                elems,
                span,
                |f, e, _| {
                    let d = print(f, e);
                    cat(vec![d, text(",")])
                },
                close_pos,
            );
            return cat(vec![
                text(open),
                nest(cat(vec![Doc::Hard, body])),
                Doc::Hard,
                text(close),
            ]);
        }
        if elems.is_empty() {
            return text(format!("{open}{close}"));
        }
        let edge = || if spaced { Doc::Line } else { Doc::Soft };
        let mut inner = vec![edge()];
        for (i, e) in elems.iter().enumerate() {
            if i > 0 {
                inner.push(text(","));
                inner.push(Doc::Line);
            }
            inner.push(print(self, e));
        }
        inner.push(Doc::IfBreak(","));
        group(cat(vec![text(open), nest(cat(inner)), edge(), text(close)]))
    }

    // ------------------------------------------------------------ items

    fn file(&mut self, file: &File) -> Doc {
        self.vertical(
            &file.items,
            Item::span,
            |f, it, _| f.item(it),
            self.src.len(),
        )
    }

    fn item(&mut self, it: &Item) -> Doc {
        match it {
            Item::Fn(f) => self.fn_decl(f),
            Item::Struct(s) => {
                let head = format!("struct {}{} ", s.name, type_params(&s.type_params));
                let body = self.braced(
                    s.span,
                    &s.fields,
                    |f| f.span,
                    |f, fd, _| text(format!("{}: {},", fd.name, f.ty(&fd.ty))),
                );
                cat(vec![text(head), body])
            }
            Item::Enum(en) => {
                let head = format!("enum {}{} ", en.name, type_params(&en.type_params));
                let body = self.braced(
                    en.span,
                    &en.variants,
                    |v| v.span,
                    |f, v, _| {
                        if v.fields.is_empty() {
                            text(format!("{},", v.name))
                        } else {
                            let tys: Vec<String> = v.fields.iter().map(|t| f.ty(t)).collect();
                            text(format!("{}({}),", v.name, tys.join(", ")))
                        }
                    },
                );
                cat(vec![text(head), body])
            }
            Item::Impl(im) => {
                let head = format!(
                    "impl{} {} ",
                    type_params(&im.type_params),
                    self.ty(&im.target)
                );
                let body = self.braced(im.span, &im.methods, |m| m.span, |f, m, _| f.fn_decl(m));
                cat(vec![text(head), body])
            }
            Item::Import(im) => text(format!("import {};", im.module)),
            Item::Const(c) => {
                let ty =
                    c.ty.as_ref()
                        .map(|t| format!(": {}", self.ty(t)))
                        .unwrap_or_default();
                let value = self.expr(&c.value, Ctx::Any);
                cat(vec![
                    text(format!("const {}{ty} = ", c.name)),
                    value,
                    text(";"),
                ])
            }
            Item::Test(t) => {
                let name = self.slice(t.name_span).to_string();
                cat(vec![
                    text(format!("test {name} ")),
                    self.block(&t.body, true),
                ])
            }
            Item::Error(e) => {
                self.skip_comments_in(e.span);
                text(self.slice(e.span))
            }
        }
    }

    fn fn_decl(&mut self, f: &FnDecl) -> Doc {
        let native = if f.body.is_none() { "native " } else { "" };
        let mut parts = vec![text(format!(
            "{native}fn {}{}",
            f.name,
            type_params(&f.type_params)
        ))];
        let after_name = f.name.span.end as usize;
        let open = self
            .find_token(after_name, &Tok::LParen)
            .unwrap_or(after_name);
        let last_param_end = f.params.last().map_or(open + 1, |p| p.span.end as usize);
        let close = self
            .find_token(last_param_end, &Tok::RParen)
            .unwrap_or(last_param_end);
        let params = self.list(
            "(",
            ")",
            open,
            close,
            &f.params,
            |p| p.span,
            |fm, p| text(fm.param(p)),
            false,
        );
        parts.push(params);
        if let Some(r) = &f.ret {
            parts.push(text(format!(" -> {}", self.ty(r))));
        }
        match &f.body {
            Some(b) => {
                parts.push(text(" "));
                parts.push(self.block(b, true));
            }
            None => parts.push(text(";")),
        }
        cat(parts)
    }

    fn param(&self, p: &Param) -> String {
        let name = match &p.pattern {
            Some(q) => self.pattern(q),
            None => p.name.to_string(),
        };
        match &p.ty {
            Some(t) => format!("{name}: {}", self.ty(t)),
            None => name,
        }
    }

    // ------------------------------------------------------------ types

    fn ty(&self, t: &TypeExpr) -> String {
        match t {
            TypeExpr::Named { path, args, .. } => {
                let mut s = path_str(path);
                if !args.is_empty() {
                    let a: Vec<String> = args.iter().map(|a| self.ty(a)).collect();
                    s.push('<');
                    s.push_str(&a.join(", "));
                    s.push('>');
                }
                s
            }
            TypeExpr::Tuple(items, _) => {
                let a: Vec<String> = items.iter().map(|a| self.ty(a)).collect();
                format!("({})", a.join(", "))
            }
            TypeExpr::Array(inner, _) => format!("[{}]", self.ty(inner)),
            TypeExpr::Fn { params, ret, .. } => {
                let a: Vec<String> = params.iter().map(|a| self.ty(a)).collect();
                match ret {
                    Some(r) => format!("fn({}) -> {}", a.join(", "), self.ty(r)),
                    None => format!("fn({})", a.join(", ")),
                }
            }
        }
    }

    // ------------------------------------------------------------ patterns

    fn pattern(&self, p: &Pattern) -> String {
        match &p.kind {
            PatternKind::Wildcard => "_".to_string(),
            PatternKind::Binding(id) => id.to_string(),
            PatternKind::Lit(Literal::Unit) => "()".to_string(),
            PatternKind::Lit(_) => signed(self.slice(p.span)),
            PatternKind::Range(..) => {
                let s = self.slice(p.span);
                match s.split_once("..=") {
                    Some((a, b)) => format!("{}..={}", signed(a), signed(b)),
                    None => s.to_string(),
                }
            }
            PatternKind::Tuple(items) => {
                let a: Vec<String> = items.iter().map(|x| self.pattern(x)).collect();
                if a.len() == 1 {
                    format!("({},)", a[0])
                } else {
                    format!("({})", a.join(", "))
                }
            }
            PatternKind::Variant(path, args, rest) => {
                let mut a: Vec<String> = args.iter().map(|x| self.pattern(x)).collect();
                if *rest {
                    a.push("..".to_string());
                }
                // A lone name without `()` would be a binding.
                if a.is_empty() && path.len() > 1 {
                    path_str(path)
                } else {
                    format!("{}({})", path_str(path), a.join(", "))
                }
            }
            PatternKind::Struct(path, fields, rest) => {
                let mut a: Vec<String> = fields
                    .iter()
                    .map(|f| match &f.pattern {
                        Some(p) => format!("{}: {}", f.name, self.pattern(p)),
                        None => f.name.to_string(),
                    })
                    .collect();
                if *rest {
                    a.push("..".to_string());
                }
                if a.is_empty() {
                    format!("{} {{}}", path_str(path))
                } else {
                    format!("{} {{ {} }}", path_str(path), a.join(", "))
                }
            }
            PatternKind::Or(alts) => {
                let a: Vec<String> = alts
                    .iter()
                    .map(|x| match x.kind {
                        PatternKind::Or(_) => format!("({})", self.pattern(x)),
                        _ => self.pattern(x),
                    })
                    .collect();
                a.join(" | ")
            }
        }
    }

    // ------------------------------------------------------------ blocks

    /// A block; `force` puts its contents on their own lines even when it
    /// is only a short value (function and loop bodies).
    fn block(&mut self, b: &Block, force: bool) -> Doc {
        let (start, close) = (
            b.span.start as usize,
            (b.span.end as usize).saturating_sub(1),
        );
        let commented = self.comment_within(start, close);
        if b.stmts.is_empty() && b.tail.is_none() && !commented {
            return text("{}");
        }
        if let (true, false, true, Some(tail)) = (b.stmts.is_empty(), force, !commented, &b.tail) {
            let t = self.expr(tail, Ctx::Stmt);
            return cat(vec![
                text("{"),
                nest(cat(vec![Doc::Line, t])),
                Doc::Line,
                text("}"),
            ]);
        }
        enum Entry<'s> {
            Stmt(&'s Stmt),
            Tail(&'s Expr),
        }
        let mut entries: Vec<Entry<'_>> = b.stmts.iter().map(Entry::Stmt).collect();
        entries.extend(b.tail.as_deref().map(Entry::Tail));
        let has_tail = b.tail.is_some();
        let body = self.vertical(
            &entries,
            |e| match e {
                Entry::Stmt(s) => stmt_span(s),
                Entry::Tail(t) => t.span,
            },
            |f, e, last| match e {
                Entry::Stmt(s) => f.stmt(s, last && !has_tail),
                Entry::Tail(t) => f.expr(t, Ctx::Stmt),
            },
            close,
        );
        cat(vec![
            text("{"),
            nest(cat(vec![Doc::Hard, body])),
            Doc::Hard,
            text("}"),
        ])
    }

    /// A statement; `last` when it ends a block that has no value (then a
    /// block-like expression keeps its `;`, which tells it from the value).
    fn stmt(&mut self, s: &Stmt, last: bool) -> Doc {
        match s {
            Stmt::Let {
                mutable,
                pattern,
                ty,
                value,
                ..
            } => {
                let head = self.let_head(*mutable, pattern, ty.as_ref());
                let v = self.expr(value, Ctx::Any);
                cat(vec![text(head), v, text(";")])
            }
            Stmt::LetElse {
                mutable,
                pattern,
                ty,
                value,
                els,
                ..
            } => {
                let head = self.let_head(*mutable, pattern, ty.as_ref());
                let v = self.expr(value, Ctx::LetElse);
                let e = self.block(els, false);
                group(cat(vec![text(head), v, text(" else "), e, text(";")]))
            }
            Stmt::Expr(e) if is_block_like(e) => {
                let d = self.expr(e, Ctx::Stmt);
                if last {
                    cat(vec![d, text(";")])
                } else {
                    d
                }
            }
            Stmt::Expr(e) => {
                let d = self.expr(e, Ctx::Stmt);
                cat(vec![d, text(";")])
            }
            Stmt::Item(it) => self.item(it),
            Stmt::Error(span) => {
                self.skip_comments_in(*span);
                text(self.slice(*span))
            }
        }
    }

    fn let_head(&self, mutable: bool, pattern: &Pattern, ty: Option<&TypeExpr>) -> String {
        let kw = if mutable { "var" } else { "let" };
        let ty = ty.map(|t| format!(": {}", self.ty(t))).unwrap_or_default();
        format!("{kw} {}{ty} = ", self.pattern(pattern))
    }

    // ------------------------------------------------------------ expressions

    /// An expression in a place of kind `ctx`, parenthesised when that
    /// place requires it.
    fn expr(&mut self, e: &Expr, ctx: Ctx) -> Doc {
        let wrap = match ctx {
            Ctx::Any => false,
            Ctx::Stmt => self.starts_block_like(e),
            Ctx::NoStruct => self.breaks_no_struct(e),
            Ctx::LetElse => self.ends_with_brace(e),
        };
        let d = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.expr_inner(e));
        if wrap {
            cat(vec![text("("), d, text(")")])
        } else {
            d
        }
    }

    fn operand(&mut self, o: Operand<'_>) -> Doc {
        let parens = self.operand_parens(&o);
        let d = self.expr(o.expr, Ctx::Any);
        if parens {
            cat(vec![text("("), d, text(")")])
        } else {
            d
        }
    }

    fn expr_inner(&mut self, e: &Expr) -> Doc {
        match &e.kind {
            ExprKind::Lit(Literal::Unit) => text("()"),
            ExprKind::Lit(_) => text(self.slice(e.span)),
            ExprKind::Interp(_) | ExprKind::Format(..) | ExprKind::StructLit(_, _, Some(_)) => {
                self.skip_comments_in(e.span);
                text(self.slice(e.span))
            }
            ExprKind::Error => {
                self.skip_comments_in(e.span);
                text(self.slice(e.span))
            }
            ExprKind::Path(p) => text(path_str(p)),
            ExprKind::Unary(op, x) => {
                let sym = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Not => "!",
                };
                // `-5` would be read as the literal -5, not a negation.
                let literal = matches!(x.kind, ExprKind::Lit(Literal::Int(_) | Literal::Float(_)));
                let d = if literal && *op == UnaryOp::Neg {
                    let inner = self.expr(x, Ctx::Any);
                    cat(vec![text("("), inner, text(")")])
                } else {
                    self.operand(Operand { expr: x, min: 12 })
                };
                cat(vec![text(sym), d])
            }
            ExprKind::Binary(..) => self.binary_chain(e),
            ExprKind::Assign(t, v) | ExprKind::CompoundAssign(_, t, v) => {
                let op = match &e.kind {
                    ExprKind::CompoundAssign(op, ..) => format!(" {}= ", op.symbol()),
                    _ => " = ".to_string(),
                };
                let a = self.operand(Operand { expr: t, min: 2 });
                let b = self.operand(Operand { expr: v, min: 0 });
                cat(vec![a, text(op), b])
            }
            ExprKind::Range {
                start,
                end,
                inclusive,
            } => {
                let a = self.operand(Operand {
                    expr: start,
                    min: 3,
                });
                let b = self.operand(Operand { expr: end, min: 3 });
                cat(vec![a, text(if *inclusive { "..=" } else { ".." }), b])
            }
            ExprKind::Call(callee, args) => {
                // A field as callee would be read as a method call.
                let field = matches!(callee.kind, ExprKind::Field(..));
                let c = self.operand(Operand {
                    expr: callee,
                    min: if field { 14 } else { 13 },
                });
                let a = self.args(callee.span.end as usize, e.span.end as usize, args);
                cat(vec![c, a])
            }
            ExprKind::MethodCall(recv, m, args) => {
                let r = self.operand(Operand {
                    expr: recv,
                    min: 13,
                });
                let a = self.args(m.span.end as usize, e.span.end as usize, args);
                cat(vec![r, text(format!(".{m}")), a])
            }
            ExprKind::Field(recv, f) => {
                let r = self.operand(Operand {
                    expr: recv,
                    min: 13,
                });
                cat(vec![r, text(format!(".{f}"))])
            }
            ExprKind::TupleField(recv, i, _) => {
                let r = self.operand(Operand {
                    expr: recv,
                    min: 13,
                });
                cat(vec![r, text(format!(".{i}"))])
            }
            ExprKind::Index(recv, i) => {
                let r = self.operand(Operand {
                    expr: recv,
                    min: 13,
                });
                let i = self.expr(i, Ctx::Any);
                cat(vec![r, text("["), i, text("]")])
            }
            ExprKind::Try(x) => {
                let r = self.operand(Operand { expr: x, min: 13 });
                cat(vec![r, text("?")])
            }
            ExprKind::If(..) | ExprKind::IfLet(..) => {
                let mut parts = Vec::new();
                self.if_chain(e, &mut parts);
                group(cat(parts))
            }
            ExprKind::While(c, body) => {
                let c = self.expr(c, Ctx::NoStruct);
                let b = self.block(body, true);
                cat(vec![text("while "), c, text(" "), b])
            }
            ExprKind::WhileLet(p, v, body) => {
                let head = format!("while let {} = ", self.pattern(p));
                let v = self.expr(v, Ctx::NoStruct);
                let b = self.block(body, true);
                cat(vec![text(head), v, text(" "), b])
            }
            ExprKind::Loop(body) => {
                let b = self.block(body, true);
                cat(vec![text("loop "), b])
            }
            ExprKind::For(p, it, body) => {
                let head = format!("for {} in ", self.pattern(p));
                let it = self.expr(it, Ctx::NoStruct);
                let b = self.block(body, true);
                cat(vec![text(head), it, text(" "), b])
            }
            ExprKind::Break(v) | ExprKind::Return(v) => {
                let kw = if matches!(e.kind, ExprKind::Break(_)) {
                    "break"
                } else {
                    "return"
                };
                match v {
                    Some(v) => {
                        let d = self.operand(Operand { expr: v, min: 0 });
                        cat(vec![text(format!("{kw} ")), d])
                    }
                    None => text(kw),
                }
            }
            ExprKind::Continue => text("continue"),
            ExprKind::Block(b) => {
                let d = self.block(b, true);
                group(d)
            }
            ExprKind::Match(s, arms) => {
                let s = self.expr(s, Ctx::NoStruct);
                let body = self.braced(e.span, arms, |a| a.span, |f, a, _| f.arm(a));
                cat(vec![text("match "), s, text(" "), body])
            }
            ExprKind::Closure(params, body) => {
                let ps: Vec<String> = params.iter().map(|p| self.param(p)).collect();
                let head = if ps.is_empty() {
                    "||".to_string()
                } else {
                    format!("|{}|", ps.join(", "))
                };
                let b = match &body.kind {
                    ExprKind::Block(b) if !self.parenthesized(body) => {
                        let d = self.block(b, false);
                        group(d)
                    }
                    _ => self.operand(Operand { expr: body, min: 0 }),
                };
                cat(vec![text(format!("{head} ")), b])
            }
            ExprKind::Tuple(items) => {
                if items.len() == 1 {
                    let d = self.expr(&items[0], Ctx::Any);
                    return cat(vec![text("("), d, text(",)")]);
                }
                let (open, close) = (
                    e.span.start as usize,
                    (e.span.end as usize).saturating_sub(1),
                );
                self.list(
                    "(",
                    ")",
                    open,
                    close,
                    items,
                    |x| x.span,
                    |f, x| f.expr(x, Ctx::Any),
                    false,
                )
            }
            ExprKind::Array(items) if self.fillable(e.span, items) => {
                // Short literals and names: as many on a line as fit.
                let mut inner = vec![Doc::Soft];
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        inner.push(text(","));
                        inner.push(group(Doc::Line));
                    }
                    inner.push(self.expr(x, Ctx::Any));
                }
                inner.push(Doc::IfBreak(","));
                group(cat(vec![text("["), nest(cat(inner)), Doc::Soft, text("]")]))
            }
            ExprKind::Array(items) => {
                let (open, close) = (
                    e.span.start as usize,
                    (e.span.end as usize).saturating_sub(1),
                );
                self.list(
                    "[",
                    "]",
                    open,
                    close,
                    items,
                    |x| x.span,
                    |f, x| f.expr(x, Ctx::Any),
                    false,
                )
            }
            ExprKind::StructLit(path, fields, None) => {
                let last = path
                    .last()
                    .map_or(e.span.start as usize, |p| p.span.end as usize);
                let open = self.find_token(last, &Tok::LBrace).unwrap_or(last);
                let close = (e.span.end as usize).saturating_sub(1);
                let fields = self.list(
                    "{",
                    "}",
                    open,
                    close,
                    fields,
                    |fi| fi.span,
                    |f, fi| {
                        let shorthand = matches!(&fi.value.kind,
                            ExprKind::Path(p) if p.len() == 1 && p[0].name == fi.name.name);
                        if shorthand {
                            text(fi.name.to_string())
                        } else {
                            let v = f.expr(&fi.value, Ctx::Any);
                            cat(vec![text(format!("{}: ", fi.name)), v])
                        }
                    },
                    true,
                );
                cat(vec![text(format!("{} ", path_str(path))), fields])
            }
        }
    }

    /// Whether an array is filled rather than broken one element per
    /// line: it has more than one element, each a literal or a name of at
    /// most [`FILL_WIDTH`] characters, and no comment inside.
    fn fillable(&self, span: Span, items: &[Expr]) -> bool {
        items.len() > 1
            && !self.comment_within(span.start as usize, span.end as usize)
            && items.iter().all(|x| {
                matches!(x.kind, ExprKind::Lit(_) | ExprKind::Path(_))
                    && self.slice(x.span).chars().count() <= FILL_WIDTH
                    && !self.slice(x.span).contains('\n')
            })
    }

    /// `a + b - c`: operands of one level on one line, or each operator
    /// starting a line of its own, indented.
    fn binary_chain(&mut self, e: &Expr) -> Doc {
        let ExprKind::Binary(op, ..) = &e.kind else {
            return self.expr_inner(e);
        };
        let lvl = binop_level(*op);
        // The left spine of operators of this level, if not parenthesised.
        let mut chain: Vec<(BinOp, &Expr)> = Vec::new();
        let mut cur = e;
        while let ExprKind::Binary(o, a, b) = &cur.kind {
            if binop_level(*o) != lvl || (lvl == 5 && !chain.is_empty()) {
                break;
            }
            if !std::ptr::eq(cur, e) && self.parenthesized(cur) {
                break;
            }
            chain.push((*o, b));
            cur = a;
            if lvl == 5 {
                break;
            }
        }
        chain.reverse();
        let (left_min, right_min) = operand_levels(*op);
        let first = self.operand(Operand {
            expr: cur,
            min: left_min,
        });
        let mut rest = Vec::new();
        for (o, b) in chain {
            rest.push(Doc::Line);
            let d = self.operand(Operand {
                expr: b,
                min: right_min,
            });
            rest.push(text(format!("{} ", o.symbol())));
            rest.push(d);
        }
        group(cat(vec![first, nest(cat(rest))]))
    }

    /// `if c { .. } else if d { .. } else { .. }` into `parts`.
    fn if_chain(&mut self, e: &Expr, parts: &mut Vec<Doc>) {
        let (then, els) = match &e.kind {
            ExprKind::If(c, then, els) => {
                let c = self.expr(c, Ctx::NoStruct);
                parts.push(text("if "));
                parts.push(c);
                (then, els)
            }
            ExprKind::IfLet(p, v, then, els) => {
                parts.push(text(format!("if let {} = ", self.pattern(p))));
                let v = self.expr(v, Ctx::NoStruct);
                parts.push(v);
                (then, els)
            }
            _ => return,
        };
        parts.push(text(" "));
        parts.push(self.block(then, false));
        if let Some(els) = els {
            parts.push(text(" else "));
            match &els.kind {
                ExprKind::If(..) | ExprKind::IfLet(..) => self.if_chain(els, parts),
                ExprKind::Block(b) => parts.push(self.block(b, false)),
                _ => parts.push(self.expr(els, Ctx::Any)),
            }
        }
    }

    fn arm(&mut self, a: &MatchArm) -> Doc {
        let mut head = self.pattern(&a.pattern);
        let mut parts = Vec::new();
        if let Some(g) = &a.guard {
            head.push_str(" if ");
            parts.push(text(head));
            parts.push(self.expr(g, Ctx::Any));
            parts.push(text(" => "));
        } else {
            head.push_str(" => ");
            parts.push(text(head));
        }
        if is_block_like(&a.body) {
            let d = match &a.body.kind {
                ExprKind::Block(b) => group(self.block(b, false)),
                _ => self.expr(&a.body, Ctx::Stmt),
            };
            parts.push(d);
        } else {
            parts.push(self.expr(&a.body, Ctx::Stmt));
            parts.push(text(","));
        }
        cat(parts)
    }

    /// The arguments of a call, from the `(` after `after` to the `)` that
    /// ends the call at `end`.
    fn args(&mut self, after: usize, end: usize, args: &[Expr]) -> Doc {
        let open = self.find_token(after, &Tok::LParen).unwrap_or(after);
        let close = end.saturating_sub(1);
        // A closure with a block body, or a `match`, as the last argument
        // stays on the call's line and only its body breaks.
        let hug = args.last().is_some_and(|l| match &l.kind {
            ExprKind::Closure(_, body) => matches!(body.kind, ExprKind::Block(_)),
            ExprKind::Match(..) => true,
            _ => false,
        }) && !self.comment_within(open, close);
        if hug {
            let mut parts = vec![text("(")];
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    parts.push(text(", "));
                }
                let d = self.expr(a, Ctx::Any);
                parts.push(if i + 1 < args.len() { group(d) } else { d });
            }
            parts.push(text(")"));
            return cat(parts);
        }
        self.list(
            "(",
            ")",
            open,
            close,
            args,
            |x| x.span,
            |f, x| f.expr(x, Ctx::Any),
            false,
        )
    }
}

fn stmt_span(s: &Stmt) -> Span {
    match s {
        Stmt::Let { span, .. } | Stmt::LetElse { span, .. } | Stmt::Error(span) => *span,
        Stmt::Expr(e) => e.span,
        Stmt::Item(it) => it.span(),
    }
}

fn path_str(path: &[Ident]) -> String {
    path.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join("::")
}

fn type_params(tps: &[Ident]) -> String {
    if tps.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = tps.iter().map(|i| i.name.as_str()).collect();
        format!("<{}>", names.join(", "))
    }
}

/// A literal pattern as written, with no space after a leading minus.
fn signed(s: &str) -> String {
    let s = s.trim();
    match s.strip_prefix('-') {
        Some(rest) => format!("-{}", rest.trim_start()),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Formats, checks that formatting again changes nothing, and returns the text.
    fn fmt(src: &str) -> String {
        let once = format_source(src).unwrap_or_else(|e| panic!("{e:?}"));
        let twice = format_source(&once).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(once, twice, "not idempotent");
        once
    }

    #[test]
    fn tricky_constructs_keep_their_parentheses_and_semicolons() {
        let src = r#"
// header comment

/* block
   comment */
struct P { x: Int, y: Int }
enum E<T> { A, B(T, Int), }
fn id<T>(x: T) -> T { x }
fn main() {
    let p = P { x: 1, y: 2 };
    let a = (1 + 2) * 3;   // trailing
    let b = 1 + (2 * 3);
    let c = - 5;
    let d = -(-5);
    let e = - -5;
    let f = (p.x);
    if (P { x: 1, y: 2 }).x == 1 { println("a"); }
    match p { P { x, .. } => println(x), }
    let t = (1,);
    let (q,) = t;
    let n: Option<Option<Option<Int>>> = None;
    let o = Some(3);
    let Some(z) = (match o { Some(v) => Some(v), None => None }) else { return; };
    let w = if true { 1 } else { 2 };
    (if true { 1 } else { 2 }).to_string();
    { let k = 1; println(k); };
    for i in 0..3 {
        // inside loop


        println(i); /* after */
    }
    let g = |a, _| { a + 1 };
    let h = || 3;
    println(g(1, 2) + h());
    let arr = [1, 2, 3];
    println(arr[0]);
    var s = 0;
    s += 1;
    s = s << 2 >> 1;
    let r = 1..=3;
    println("{s} {a} {b} {c} {d} {e} {f} {w} {z} {q}");
    let m = match s { 0 | 1 => "small", n if n > 10 => "big", _ => { "mid" } };
    println(m);
    let neg = match c { -5 => 1, -10..=-6 => 2, _ => 3 };
    println(neg);
    if s > 0 { 1 } else { 2 };
}
"#;
        let expected = r#"
// header comment

/* block
   comment */
struct P {
    x: Int,
    y: Int,
}
enum E<T> {
    A,
    B(T, Int),
}
fn id<T>(x: T) -> T {
    x
}
fn main() {
    let p = P { x: 1, y: 2 };
    let a = (1 + 2) * 3; // trailing
    let b = 1 + (2 * 3);
    let c = -(5);
    let d = -(-5);
    let e = -(-5);
    let f = p.x;
    if (P { x: 1, y: 2 }).x == 1 {
        println("a");
    }
    match p {
        P { x, .. } => println(x),
    }
    let t = (1,);
    let (q,) = t;
    let n: Option<Option<Option<Int>>> = None;
    let o = Some(3);
    let Some(z) = (match o {
        Some(v) => Some(v),
        None => None,
    }) else {
        return;
    };
    let w = if true { 1 } else { 2 };
    (if true { 1 } else { 2 }).to_string();
    {
        let k = 1;
        println(k);
    }
    for i in 0..3 {
        // inside loop

        println(i); /* after */
    }
    let g = |a, _| { a + 1 };
    let h = || 3;
    println(g(1, 2) + h());
    let arr = [1, 2, 3];
    println(arr[0]);
    var s = 0;
    s += 1;
    s = s << 2 >> 1;
    let r = 1..=3;
    println("{s} {a} {b} {c} {d} {e} {f} {w} {z} {q}");
    let m = match s {
        0 | 1 => "small",
        n if n > 10 => "big",
        _ => { "mid" }
    };
    println(m);
    let neg = match c {
        -5 => 1,
        -10..=-6 => 2,
        _ => 3,
    };
    println(neg);
    if s > 0 { 1 } else { 2 };
}
"#;
        assert_eq!(fmt(src), expected.trim_start());
    }

    #[test]
    fn long_lines_break_at_brackets_and_operators() {
        let src = r#"
fn main() {
    let total = some_function_name(first_argument_value, second_argument_value, third_value_here);
    let cond = alpha_value_number_one && beta_value_number_two || gamma_value_number_three && delta_value_four_;
    foo(1, // one
        2);
    items.for_each(|x| { println(x); });
    let v = [
        1, 2, 3,
    ];
}
"#;
        let expected = r#"
fn main() {
    let total = some_function_name(first_argument_value, second_argument_value, third_value_here);
    let cond = alpha_value_number_one && beta_value_number_two
        || gamma_value_number_three && delta_value_four_;
    foo(
        1, // one
        2,
    );
    items.for_each(|x| {
        println(x);
    });
    let v = [1, 2, 3];
}
"#;
        assert_eq!(fmt(src), expected.trim_start());
    }

    #[test]
    fn arrays_of_short_elements_are_filled() {
        let items: Vec<String> = (0..40).map(|i| format!("\"item{i}\"")).collect();
        let src = format!("fn main() {{ let xs = [{}]; }}", items.join(", "));
        let out = fmt(&src);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[1], "    let xs = [");
        assert!(
            lines[2].starts_with("        \"item0\", \"item1\", "),
            "{out}"
        );
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH), "{out}");
        assert!(out.contains("\"item39\",\n    ];"), "{out}");
    }

    #[test]
    fn syntax_errors_are_returned_not_formatted() {
        assert!(matches!(
            format_source("fn main() { let x = ; }"),
            Err(FormatError::Syntax(e)) if e[0].code == "E0001"
        ));
    }

    #[test]
    fn every_line_fits_when_it_can() {
        let src = "fn main() { f(aaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbbbb, cccccccccccccccccccccccccc, dddddddddddddddddddddd, eeeeeeeeee); }\n";
        let out = fmt(src);
        assert!(out.lines().all(|l| l.chars().count() <= WIDTH), "{out}");
        assert!(out.contains("\n        aaaaaaaaaaaaaaaaaaaa,\n"), "{out}");
    }

    #[test]
    fn comments_and_blank_lines_are_kept() {
        let src = "// a\nfn main() {\n    let x = 1;\n\n\n    // b\n    println(x); // c\n    /* d */\n}\n// e\n";
        assert_eq!(
            fmt(src),
            "// a\nfn main() {\n    let x = 1;\n\n    // b\n    println(x); // c\n    /* d */\n}\n// e\n"
        );
    }

    #[test]
    fn empty_and_comment_only_files() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("  // only\n\n"), "// only\n");
    }
}
