//! User-defined assembly syntaxes (`mvm dis --syntax FILE`, `mvm asm
//! --syntax FILE`): loading a TOML syntax file, checking that its
//! templates are complete and unambiguous, printing instructions with them
//! and reading them back with a parser built at run time with chumsky.
//!
//! A syntax file (see `lang-spec/bytecode.md`) sets the comment marker,
//! how each kind of index operand is written (`register = "%{n}"`,
//! `label = "@{n}"`, ...) and, in `[ops]`, a template per instruction over
//! the operand names of the instruction table (`addi = "{dst} = {a} +
//! {b}"`). An instruction not in `[ops]` keeps the standard spelling
//! (`mnemonic op, op`) with the file's operand forms. Directives are the
//! same in every syntax.
//!
//! Every template is turned into a small automaton over characters. Two
//! checks make the greedy chumsky parser read exactly what the printer
//! writes: within a template, nothing that may repeat (the digits of an
//! operand, a run of spaces) is followed by something that could continue
//! it; between templates (and against label and directive lines, the
//! comment marker and quotes), no line matches two of them, which is the
//! emptiness of the product automaton. A failed check is a diagnostic
//! pointing into the syntax file, with an example line that is ambiguous.

use chumsky::prelude::*;
use mvm_bytecode::asm::Standard;
use mvm_bytecode::{
    LineReader, LineWriter, Op, OpInfo, Operand, OperandKind, RawInstruction, RawOperand, OPS,
};
use std::collections::{HashMap, HashSet, VecDeque};
use std::ops::Range;

/// A problem in a syntax file: where (bytes of the file) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Range<usize>,
    pub message: String,
    /// A second place involved (the other template of an ambiguity).
    pub other: Option<(Range<usize>, String)>,
    pub note: Option<String>,
}

impl SyntaxError {
    fn new(span: Range<usize>, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            span,
            message: message.into(),
            other: None,
            note: None,
        }
    }
}

/// Renders the errors of the syntax file `path` with ariadne.
pub fn render_errors(path: &str, text: &str, errors: &[SyntaxError]) -> String {
    use ariadne::{Config, IndexType, Label, Report, ReportKind};
    let mut out = Vec::new();
    let mut cache = ariadne::sources(vec![(path.to_string(), text.to_string())]);
    let clamp = |r: &Range<usize>| {
        let end = r.end.min(text.len());
        r.start.min(end)..end
    };
    for e in errors {
        let mut report = Report::build(ReportKind::Error, (path.to_string(), clamp(&e.span)))
            .with_config(
                Config::default()
                    .with_color(false)
                    .with_index_type(IndexType::Byte),
            )
            .with_message(&e.message)
            .with_label(Label::new((path.to_string(), clamp(&e.span))));
        if let Some((span, message)) = &e.other {
            report = report
                .with_label(Label::new((path.to_string(), clamp(span))).with_message(message));
        }
        if let Some(note) = &e.note {
            report = report.with_note(note);
        }
        if report.finish().write(&mut cache, &mut out).is_err() {
            out.extend_from_slice(format!("error: {path}: {}\n", e.message).as_bytes());
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------
// Character classes and automata: the language of a template.

/// A set of characters a template step accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Set {
    Char(char),
    /// `0-9`
    Digit,
    /// `A-Z a-z 0-9 _` (label names)
    Word,
    /// a space or a tab
    Space,
    Any,
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Set {
    fn contains(self, c: char) -> bool {
        match self {
            Set::Char(d) => c == d,
            Set::Digit => c.is_ascii_digit(),
            Set::Word => is_word(c),
            Set::Space => c == ' ' || c == '\t',
            Set::Any => true,
        }
    }

    /// A character in both sets, if any.
    fn meet(self, other: Set) -> Option<char> {
        let sample = |s: Set| match s {
            Set::Char(c) => Some(c),
            Set::Digit => Some('1'),
            Set::Word => Some('x'),
            Set::Space => Some(' '),
            Set::Any => None,
        };
        match (sample(self), sample(other)) {
            (None, None) => Some('x'),
            (Some(c), None) => Some(c),
            (None, Some(c)) => Some(c),
            (Some(a), Some(b)) => {
                if other.contains(a) {
                    Some(a)
                } else if self.contains(b) {
                    Some(b)
                } else {
                    None
                }
            }
        }
    }
}

/// One step of a template at the character level.
#[derive(Clone, Copy, Debug)]
enum Atom {
    /// exactly one character of the set
    One(Set),
    /// one or more
    Many(Set),
    /// zero or more
    Star(Set),
    /// zero or one
    Maybe(Set),
}

impl Atom {
    fn set(self) -> Set {
        match self {
            Atom::One(s) | Atom::Many(s) | Atom::Star(s) | Atom::Maybe(s) => s,
        }
    }

    fn nullable(self) -> bool {
        matches!(self, Atom::Star(_) | Atom::Maybe(_))
    }

    fn repeats(self) -> bool {
        !matches!(self, Atom::One(_))
    }
}

/// A nondeterministic automaton with ε-moves; state 0 starts, `accept` ends.
struct Nfa {
    moves: Vec<Vec<(Set, usize)>>,
    eps: Vec<Vec<usize>>,
    accept: usize,
}

impl Nfa {
    fn new(atoms: &[Atom]) -> Nfa {
        let n = atoms.len();
        let mut nfa = Nfa {
            moves: vec![Vec::new(); n + 1],
            eps: vec![Vec::new(); n + 1],
            accept: n,
        };
        for (i, a) in atoms.iter().enumerate() {
            match *a {
                Atom::One(s) => nfa.moves[i].push((s, i + 1)),
                Atom::Maybe(s) => {
                    nfa.moves[i].push((s, i + 1));
                    nfa.eps[i].push(i + 1);
                }
                Atom::Many(s) | Atom::Star(s) => {
                    let l = nfa.moves.len();
                    nfa.moves.push(vec![(s, l)]);
                    nfa.eps.push(vec![i + 1]);
                    nfa.moves[i].push((s, l));
                    if matches!(a, Atom::Star(_)) {
                        nfa.eps[i].push(i + 1);
                    }
                }
            }
        }
        nfa
    }

    fn closure(&self, state: usize) -> Vec<usize> {
        let mut seen = vec![state];
        let mut i = 0;
        while let Some(&s) = seen.get(i) {
            for &t in &self.eps[s] {
                if !seen.contains(&t) {
                    seen.push(t);
                }
            }
            i += 1;
        }
        seen
    }
}

/// A line both automata accept, if there is one (breadth-first over the
/// product, so the example is a shortest one).
fn common_line(a: &Nfa, b: &Nfa) -> Option<String> {
    let ca: Vec<Vec<usize>> = (0..a.moves.len()).map(|s| a.closure(s)).collect();
    let cb: Vec<Vec<usize>> = (0..b.moves.len()).map(|s| b.closure(s)).collect();
    type Pair = (usize, usize);
    // Each reached pair of states, with the pair and character it came from.
    let mut parent: HashMap<Pair, Option<(Pair, char)>> = HashMap::new();
    let mut queue = VecDeque::new();
    parent.insert((0, 0), None);
    queue.push_back((0, 0));
    while let Some((p, q)) = queue.pop_front() {
        if ca[p].contains(&a.accept) && cb[q].contains(&b.accept) {
            let mut text = Vec::new();
            let mut at = (p, q);
            while let Some(Some((from, c))) = parent.get(&at) {
                text.push(*c);
                at = *from;
            }
            text.reverse();
            return Some(text.into_iter().collect());
        }
        for &p1 in &ca[p] {
            for &q1 in &cb[q] {
                for &(s, p2) in &a.moves[p1] {
                    for &(t, q2) in &b.moves[q1] {
                        if let Some(c) = s.meet(t) {
                            if let std::collections::hash_map::Entry::Vacant(e) =
                                parent.entry((p2, q2))
                            {
                                e.insert(Some(((p, q), c)));
                                queue.push_back((p2, q2));
                            }
                        }
                    }
                }
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Operand forms and templates.

/// How an index operand is written: `prefix`, the number, `suffix`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Form {
    prefix: String,
    suffix: String,
}

impl Form {
    fn atoms(&self, body: Atom, out: &mut Vec<Atom>) {
        out.extend(self.prefix.chars().map(|c| Atom::One(Set::Char(c))));
        out.push(body);
        out.extend(self.suffix.chars().map(|c| Atom::One(Set::Char(c))));
    }
}

/// The form used only if a kind had none (never: `load` sets them all).
static STANDARD_FORM: Form = Form {
    prefix: String::new(),
    suffix: String::new(),
};

/// The keys of a syntax file that give operand forms, their kinds and
/// their standard forms.
const FORMS: &[(&str, FormKind, &str)] = &[
    ("register", FormKind::Reg, "r{n}"),
    ("label", FormKind::Label, "L{n}"),
    ("constant", FormKind::Const, "k{n}"),
    ("function", FormKind::Func, "f{n}"),
    ("native", FormKind::Native, "n{n}"),
    ("type", FormKind::Type, "t{n}"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FormKind {
    Reg,
    Label,
    Const,
    Func,
    Native,
    Type,
}

fn form_kind(kind: OperandKind) -> Option<FormKind> {
    match kind {
        OperandKind::Reg => Some(FormKind::Reg),
        OperandKind::Label => Some(FormKind::Label),
        OperandKind::Const => Some(FormKind::Const),
        OperandKind::Func => Some(FormKind::Func),
        OperandKind::Native => Some(FormKind::Native),
        OperandKind::TypeIdx => Some(FormKind::Type),
        OperandKind::Count | OperandKind::Imm => None,
    }
}

/// A piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    /// Literal text without spaces.
    Text(String),
    /// A run of spaces, printed as written; when it separates two word
    /// characters at least one space is required when reading.
    Space { text: String, required: bool },
    /// An operand, by its index in the instruction's operand list.
    Operand(usize),
}

/// The spelling of one instruction.
#[derive(Clone, Debug)]
struct Template {
    info: &'static OpInfo,
    pieces: Vec<Piece>,
    /// Where the template is in the syntax file, when `[ops]` gives it.
    span: Option<Range<usize>>,
    /// Where each piece starts in the file, when known.
    piece_spans: Vec<Option<Range<usize>>>,
}

/// A loaded, checked syntax.
#[derive(Debug)]
pub struct Syntax {
    comment: String,
    /// Each form with where the file sets it (empty when it does not).
    forms: Vec<(FormKind, Form, Range<usize>)>,
    /// One per instruction of [`OPS`], in its order.
    templates: Vec<Template>,
    /// The index of each opcode's template.
    by_code: HashMap<u8, usize>,
}

/// Where a string value's characters start in the file, when they are
/// written there one for one (no escapes), so offsets inside the string
/// can be pointed at.
fn content_start(file: &str, span: &Range<usize>, value: &str) -> Option<usize> {
    let raw = file.get(span.clone())?;
    for quote in ["\"\"\"", "'''", "\"", "'"] {
        if let Some(inner) = raw.strip_prefix(quote).and_then(|r| r.strip_suffix(quote)) {
            return (inner == value).then_some(span.start + quote.len());
        }
    }
    None
}

/// Parses a form such as `%{n}`.
fn parse_form(value: &str, span: Range<usize>, key: &str) -> Result<Form, SyntaxError> {
    let Some((prefix, suffix)) = value.split_once("{n}") else {
        return Err(SyntaxError::new(
            span,
            format!("the `{key}` form must contain `{{n}}` where the number goes"),
        ));
    };
    if suffix.contains("{n}") {
        return Err(SyntaxError::new(
            span,
            format!("the `{key}` form contains `{{n}}` more than once"),
        ));
    }
    let bad = |c: char| c.is_whitespace() || matches!(c, '{' | '}' | '"') || c.is_control();
    if prefix.chars().chain(suffix.chars()).any(bad) {
        return Err(SyntaxError::new(
            span,
            format!("the `{key}` form may not contain spaces, braces or quotes around `{{n}}`"),
        ));
    }
    Ok(Form {
        prefix: prefix.to_string(),
        suffix: suffix.to_string(),
    })
}

impl Syntax {
    /// Loads a syntax file's text, reporting every problem found.
    pub fn load(text: &str) -> Result<Syntax, Vec<SyntaxError>> {
        let table = match toml::de::DeTable::parse(text) {
            Ok(t) => t,
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                return Err(vec![SyntaxError::new(
                    span,
                    format!("not a TOML file: {}", e.message()),
                )]);
            }
        };
        let mut errors = Vec::new();
        let mut comment = (";".to_string(), None);
        let mut forms: Vec<(FormKind, Form, Range<usize>)> = Vec::new();
        let mut custom: HashMap<&'static str, (String, Range<usize>, Range<usize>)> =
            HashMap::new();
        let mut given: HashMap<String, (String, Range<usize>)> = HashMap::new();
        for (key, value) in table.get_ref().iter() {
            let name: &str = key.get_ref();
            let span = value.span();
            use toml::de::DeValue;
            match (name, value.get_ref()) {
                ("ops", DeValue::Table(ops)) => {
                    for (op, template) in ops.iter() {
                        let mnemonic: &str = op.get_ref();
                        let Some(info) = OPS.iter().find(|i| i.mnemonic == mnemonic) else {
                            let mut e = SyntaxError::new(
                                op.span(),
                                format!("`{mnemonic}` is not an instruction"),
                            );
                            e.note = Some(
                                "the mnemonics are those of the opcode table of lang-spec/bytecode.md"
                                    .to_string(),
                            );
                            errors.push(e);
                            continue;
                        };
                        match template.get_ref() {
                            DeValue::String(s) => {
                                custom.insert(
                                    info.mnemonic,
                                    (s.to_string(), template.span(), op.span()),
                                );
                            }
                            _ => errors.push(SyntaxError::new(
                                template.span(),
                                format!("the template of `{mnemonic}` must be a string"),
                            )),
                        }
                    }
                }
                ("ops", _) => errors.push(SyntaxError::new(span, "`ops` must be a table")),
                (_, DeValue::String(s))
                    if name == "comment" || FORMS.iter().any(|(k, _, _)| *k == name) =>
                {
                    given.insert(name.to_string(), (s.to_string(), span));
                }
                (_, _) if name == "comment" || FORMS.iter().any(|(k, _, _)| *k == name) => {
                    errors.push(SyntaxError::new(span, format!("`{name}` must be a string")))
                }
                _ => {
                    let mut e = SyntaxError::new(key.span(), format!("unknown key `{name}`"));
                    e.note = Some(
                        "the keys are comment, register, label, constant, function, native, type and the table [ops]"
                            .to_string(),
                    );
                    errors.push(e);
                }
            }
        }
        if let Some((marker, span)) = given.get("comment") {
            let bad = marker.is_empty()
                || marker.chars().any(|c| {
                    c.is_whitespace() || is_word(c) || matches!(c, '-' | '"' | '.' | '{' | '}')
                });
            if bad {
                errors.push(SyntaxError::new(
                    span.clone(),
                    "the comment marker must be non-empty, without spaces, letters, digits, `_`, `-`, `.`, braces or quotes",
                ));
            } else {
                comment = (marker.clone(), Some(span.clone()));
            }
        }
        for (key, kind, standard) in FORMS {
            let (value, span) = given
                .get(*key)
                .cloned()
                .unwrap_or_else(|| (standard.to_string(), 0..0));
            match parse_form(&value, span.clone(), key) {
                Ok(form) => forms.push((*kind, form, span)),
                Err(e) => {
                    errors.push(e);
                    let form = parse_form(standard, 0..0, key).map_err(|e| vec![e])?;
                    forms.push((*kind, form, 0..0));
                }
            }
        }
        let mut syntax = Syntax {
            comment: comment.0,
            forms,
            templates: Vec::new(),
            by_code: HashMap::new(),
        };
        for (i, info) in OPS.iter().enumerate() {
            syntax.by_code.insert(info.code, i);
            let template = match custom.get(info.mnemonic) {
                Some((text_value, span, _)) => {
                    match syntax.parse_template(info, text_value, span.clone(), text) {
                        Ok(t) => t,
                        Err(e) => {
                            errors.push(e);
                            syntax.standard_template(info)
                        }
                    }
                }
                None => syntax.standard_template(info),
            };
            syntax.templates.push(template);
        }
        if errors.is_empty() {
            syntax.check(&mut errors);
        }
        if errors.is_empty() {
            Ok(syntax)
        } else {
            errors.sort_by_key(|e| e.span.start);
            Err(errors)
        }
    }

    fn form(&self, kind: FormKind) -> &Form {
        self.forms
            .iter()
            .find(|(k, _, _)| *k == kind)
            .map(|(_, f, _)| f)
            .unwrap_or(&STANDARD_FORM)
    }

    /// The standard spelling of `info` with this syntax's operand forms.
    fn standard_template(&self, info: &'static OpInfo) -> Template {
        let mut pieces = vec![Piece::Text(info.mnemonic.to_string())];
        for i in 0..info.operands.len() {
            if i == 0 {
                let pad = " ".repeat(11usize.saturating_sub(info.mnemonic.len()).max(1));
                pieces.push(Piece::Space {
                    text: pad,
                    required: false,
                });
            } else {
                pieces.push(Piece::Text(",".to_string()));
                pieces.push(Piece::Space {
                    text: " ".to_string(),
                    required: false,
                });
            }
            pieces.push(Piece::Operand(i));
        }
        let n = pieces.len();
        let mut t = Template {
            info,
            pieces,
            span: None,
            piece_spans: vec![None; n],
        };
        self.settle_spaces(&mut t);
        t
    }

    /// Parses a template of `[ops]`; `span` is the TOML string's place.
    fn parse_template(
        &self,
        info: &'static OpInfo,
        value: &str,
        span: Range<usize>,
        file: &str,
    ) -> Result<Template, SyntaxError> {
        let start = content_start(file, &span, value);
        let at = |r: Range<usize>| match start {
            Some(s) => s + r.start..s + r.end,
            None => span.clone(),
        };
        let mnemonic = info.mnemonic;
        let names: Vec<&str> = info.operands.iter().map(|(n, _)| *n).collect();
        let list = if names.is_empty() {
            "it has none".to_string()
        } else {
            format!("its operands are {}", names.join(", "))
        };
        let mut pieces = Vec::new();
        let mut spans = Vec::new();
        let mut used: Vec<Option<Range<usize>>> = vec![None; names.len()];
        let chars: Vec<(usize, char)> = value.char_indices().collect();
        let mut i = 0;
        let push_char = |pieces: &mut Vec<Piece>,
                         spans: &mut Vec<Option<Range<usize>>>,
                         c: char,
                         r: Range<usize>| {
            let space = c == ' ' || c == '\t';
            match pieces.last_mut() {
                Some(Piece::Space { text, .. }) if space => text.push(c),
                Some(Piece::Text(text)) if !space => text.push(c),
                _ => {
                    pieces.push(if space {
                        Piece::Space {
                            text: c.to_string(),
                            required: false,
                        }
                    } else {
                        Piece::Text(c.to_string())
                    });
                    spans.push(Some(at(r)));
                }
            }
        };
        while let Some(&(off, c)) = chars.get(i) {
            let next = chars.get(i + 1).map(|&(_, c)| c);
            if (c == '{' && next == Some('{')) || (c == '}' && next == Some('}')) {
                push_char(&mut pieces, &mut spans, c, off..off + 2);
                i += 2;
                continue;
            }
            if c == '}' {
                return Err(SyntaxError::new(
                    at(off..off + 1),
                    format!("a lone `}}` in the template of `{mnemonic}` (write `}}}}` for the character)"),
                ));
            }
            if c == '{' {
                let Some(close) = value[off..].find('}') else {
                    return Err(SyntaxError::new(
                        at(off..value.len()),
                        format!("an unclosed `{{` in the template of `{mnemonic}`"),
                    ));
                };
                let name = &value[off + 1..off + close];
                let r = off..off + close + 1;
                let Some(index) = names.iter().position(|n| *n == name) else {
                    let mut e =
                        SyntaxError::new(at(r), format!("`{mnemonic}` has no operand `{name}`"));
                    e.note = Some(format!(
                        "{list} (lang-spec/bytecode.md lists every instruction's operands)"
                    ));
                    return Err(e);
                };
                if let Some(first) = &used[index] {
                    let mut e = SyntaxError::new(
                        at(r),
                        format!("the template of `{mnemonic}` uses `{{{name}}}` twice"),
                    );
                    e.other = Some((first.clone(), "first used here".to_string()));
                    return Err(e);
                }
                used[index] = Some(at(r.clone()));
                pieces.push(Piece::Operand(index));
                spans.push(Some(at(r)));
                while chars.get(i).is_some_and(|&(o, _)| o < off + close + 1) {
                    i += 1;
                }
                continue;
            }
            if c == '"' || c.is_control() && c != '\t' {
                return Err(SyntaxError::new(
                    at(off..off + c.len_utf8()),
                    format!(
                        "the template of `{mnemonic}` may not contain quotes or control characters"
                    ),
                ));
            }
            push_char(&mut pieces, &mut spans, c, off..off + c.len_utf8());
            i += 1;
        }
        // Spaces at either end are not part of the instruction.
        while matches!(pieces.last(), Some(Piece::Space { .. })) {
            pieces.pop();
            spans.pop();
        }
        while matches!(pieces.first(), Some(Piece::Space { .. })) {
            pieces.remove(0);
            spans.remove(0);
        }
        if pieces.is_empty() {
            return Err(SyntaxError::new(
                span,
                format!("the template of `{mnemonic}` is empty"),
            ));
        }
        let missing: Vec<String> = names
            .iter()
            .zip(&used)
            .filter(|(_, u)| u.is_none())
            .map(|(n, _)| format!("{{{n}}}"))
            .collect();
        if !missing.is_empty() {
            let mut e = SyntaxError::new(
                span,
                format!(
                    "the template of `{mnemonic}` is incomplete: it does not use {}",
                    missing.join(", ")
                ),
            );
            e.note = Some(format!("every operand must appear once; {list}"));
            return Err(e);
        }
        let mut t = Template {
            info,
            pieces,
            span: Some(span),
            piece_spans: spans,
        };
        self.settle_spaces(&mut t);
        Ok(t)
    }

    /// A space must stay a space (is required) where it separates two
    /// characters that could both belong to one word.
    fn settle_spaces(&self, t: &mut Template) {
        for i in 0..t.pieces.len() {
            if !matches!(t.pieces[i], Piece::Space { .. }) || i == 0 {
                continue;
            }
            let before = self.piece_atoms(t.info, &t.pieces[i - 1]);
            let after = t
                .pieces
                .get(i + 1)
                .map(|p| self.piece_atoms(t.info, p))
                .unwrap_or_default();
            let wordy = |s: Set| s.meet(Set::Word).is_some();
            let last = before.last().is_some_and(|a| wordy(a.set()));
            let mut first = false;
            for a in &after {
                first |= wordy(a.set());
                if !a.nullable() {
                    break;
                }
            }
            if let Piece::Space { required, .. } = &mut t.pieces[i] {
                *required = last && first;
            }
        }
    }

    fn operand_atoms(&self, kind: OperandKind, out: &mut Vec<Atom>) {
        match kind {
            OperandKind::Count => out.push(Atom::Many(Set::Digit)),
            OperandKind::Imm => {
                out.push(Atom::Maybe(Set::Char('-')));
                out.push(Atom::Many(Set::Digit));
            }
            OperandKind::Label => self.form(FormKind::Label).atoms(Atom::Many(Set::Word), out),
            other => {
                let kind = form_kind(other).expect("an index operand has a form");
                self.form(kind).atoms(Atom::Many(Set::Digit), out);
            }
        }
    }

    fn piece_atoms(&self, info: &OpInfo, piece: &Piece) -> Vec<Atom> {
        let mut out = Vec::new();
        match piece {
            Piece::Text(s) => out.extend(s.chars().map(|c| Atom::One(Set::Char(c)))),
            Piece::Space { required: true, .. } => out.push(Atom::Many(Set::Space)),
            Piece::Space {
                required: false, ..
            } => out.push(Atom::Star(Set::Space)),
            Piece::Operand(i) => self.operand_atoms(info.operands[*i].1, &mut out),
        }
        out
    }

    /// The template's atoms, each with the index of its piece.
    fn atoms(&self, t: &Template) -> Vec<(Atom, usize)> {
        let mut out = Vec::new();
        for (i, p) in t.pieces.iter().enumerate() {
            out.extend(self.piece_atoms(t.info, p).into_iter().map(|a| (a, i)));
        }
        out
    }

    fn describe(&self, t: &Template, piece: usize) -> String {
        match &t.pieces[piece] {
            Piece::Text(s) => format!("`{s}`"),
            Piece::Space { .. } => "the spaces".to_string(),
            Piece::Operand(i) => format!("`{{{}}}`", t.info.operands[*i].0),
        }
    }

    fn template_place(&self, t: &Template, piece: Option<usize>) -> Range<usize> {
        piece
            .and_then(|p| t.piece_spans.get(p).cloned().flatten())
            .or_else(|| t.span.clone())
            .unwrap_or_else(|| self.form_place(t))
    }

    /// Where to point for a standard-spelled instruction: at the first of
    /// its operand forms the file sets (what the file changed about it).
    fn form_place(&self, t: &Template) -> Range<usize> {
        t.info
            .operands
            .iter()
            .filter_map(|(_, k)| form_kind(*k))
            .map(|k| self.form_span(k))
            .find(|s| !s.is_empty())
            .unwrap_or(0..0)
    }

    fn form_span(&self, kind: FormKind) -> Range<usize> {
        self.forms
            .iter()
            .find(|(k, _, _)| *k == kind)
            .map_or(0..0, |(_, _, s)| s.clone())
    }

    /// Checks determinism within templates and disjointness between them.
    fn check(&self, errors: &mut Vec<SyntaxError>) {
        // Within a template: what repeats must not run into what follows.
        for t in &self.templates {
            let atoms = self.atoms(t);
            for (i, (a, piece)) in atoms.iter().enumerate() {
                if !a.repeats() {
                    continue;
                }
                for (b, next_piece) in &atoms[i + 1..] {
                    if let Some(c) = a.set().meet(b.set()) {
                        let mut e = SyntaxError::new(
                            self.template_place(t, Some(*piece)),
                            format!(
                                "the template of `{}` is ambiguous: {} can run into {} (both may read `{c}`)",
                                t.info.mnemonic,
                                self.describe(t, *piece),
                                self.describe(t, *next_piece),
                            ),
                        );
                        e.note = Some("put text that cannot continue it between them".to_string());
                        errors.push(e);
                        break;
                    }
                    if !b.nullable() {
                        break;
                    }
                }
            }
        }
        if !errors.is_empty() {
            return;
        }
        // Between templates, and against the other kinds of lines.
        let nfas: Vec<Nfa> = self
            .templates
            .iter()
            .map(|t| {
                Nfa::new(
                    &self
                        .atoms(t)
                        .into_iter()
                        .map(|(a, _)| a)
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let mut label_line = Vec::new();
        self.form(FormKind::Label)
            .atoms(Atom::Many(Set::Word), &mut label_line);
        label_line.push(Atom::Star(Set::Space));
        label_line.push(Atom::One(Set::Char(':')));
        let directive = [Atom::One(Set::Char('.')), Atom::Star(Set::Any)];
        let containing = |s: &str| {
            let mut atoms = vec![Atom::Star(Set::Any)];
            atoms.extend(s.chars().map(|c| Atom::One(Set::Char(c))));
            atoms.push(Atom::Star(Set::Any));
            atoms
        };
        let others = [
            (
                Nfa::new(&label_line),
                "is also a label definition".to_string(),
            ),
            (
                Nfa::new(&directive),
                "would be read as a directive".to_string(),
            ),
            (
                Nfa::new(&containing(&self.comment)),
                format!("contains the comment marker `{}`", self.comment),
            ),
        ];
        if let Some(line) = common_line(&others[0].0, &others[1].0) {
            errors.push(SyntaxError::new(
                self.form_span(FormKind::Label),
                format!("a label definition such as `{line}` would be read as a directive"),
            ));
        }
        for (i, t) in self.templates.iter().enumerate() {
            for (nfa, what) in &others {
                if let Some(line) = common_line(nfa, &nfas[i]) {
                    let mut e = SyntaxError::new(
                        self.template_place(t, None),
                        format!("an instruction `{}` {what}", t.info.mnemonic),
                    );
                    e.note = Some(format!("for example `{line}`"));
                    errors.push(e);
                }
            }
            for (j, u) in self.templates.iter().enumerate().skip(i + 1) {
                if let Some(line) = common_line(&nfas[i], &nfas[j]) {
                    // Point at the template the file gives; name the other.
                    let (first, second) = if t.span.is_some() { (t, u) } else { (u, t) };
                    let mut e = SyntaxError::new(
                        self.template_place(first, None),
                        format!(
                            "the templates of `{}` and `{}` are ambiguous: both read `{line}`",
                            first.info.mnemonic, second.info.mnemonic
                        ),
                    );
                    match &second.span {
                        Some(s) => {
                            e.other = Some((
                                s.clone(),
                                format!("the template of `{}`", second.info.mnemonic),
                            ))
                        }
                        None => {
                            e.note = Some(format!(
                                "`{}` keeps the standard spelling `{}`",
                                second.info.mnemonic,
                                self.example(second)
                            ))
                        }
                    }
                    errors.push(e);
                }
            }
        }
    }

    /// A template with its operand names in braces (for messages).
    fn example(&self, t: &Template) -> String {
        let mut s = String::new();
        for p in &t.pieces {
            match p {
                Piece::Text(x) => s.push_str(x),
                Piece::Space { .. } => s.push(' '),
                Piece::Operand(i) => {
                    s.push('{');
                    s.push_str(t.info.operands[*i].0);
                    s.push('}');
                }
            }
        }
        s
    }

    fn show(&self, o: Operand) -> String {
        let form = |k: FormKind, n: String| {
            let f = self.form(k);
            format!("{}{n}{}", f.prefix, f.suffix)
        };
        match o {
            Operand::Reg(r) => form(FormKind::Reg, r.to_string()),
            Operand::Const(k) => form(FormKind::Const, k.to_string()),
            Operand::Func(f) => form(FormKind::Func, f.to_string()),
            Operand::Native(n) => form(FormKind::Native, n.to_string()),
            Operand::TypeIdx(t) => form(FormKind::Type, t.to_string()),
            Operand::Label(l) => form(FormKind::Label, l.to_string()),
            Operand::Count(c) => c.to_string(),
            Operand::Imm(i) => i.to_string(),
        }
    }

    /// The parsers for reading assembly text `'t` long with this syntax.
    pub fn reader<'t>(&'t self) -> SyntaxReader<'t> {
        let alternatives: Vec<P<'t, RawInstruction>> = self
            .templates
            .iter()
            .map(|t| self.template_parser(t))
            .collect();
        let instruction = choice(alternatives).boxed();
        let label = self
            .form_parser(FormKind::Label, word())
            .then_ignore(one_of(" \t").repeated())
            .then_ignore(just(':'))
            .then_ignore(end())
            .boxed();
        SyntaxReader {
            syntax: self,
            instruction,
            label,
        }
    }

    fn form_parser<'t>(&'t self, kind: FormKind, body: P<'t, String>) -> P<'t, String> {
        let form = self.form(kind);
        just(form.prefix.clone())
            .ignore_then(body)
            .then_ignore(just(form.suffix.clone()))
            .boxed()
    }

    fn operand_parser<'t>(&'t self, kind: OperandKind) -> P<'t, RawOperand> {
        fn number<'t, T: std::str::FromStr + 't>(p: P<'t, String>, what: &'static str) -> P<'t, T> {
            p.try_map(move |s, span| {
                s.parse::<T>()
                    .map_err(|_| Rich::custom(span, format!("{s} is too large for {what}")))
            })
            .boxed()
        }
        let value = RawOperand::Value;
        match kind {
            OperandKind::Reg => number(self.form_parser(FormKind::Reg, digits()), "a register")
                .map(move |n| value(Operand::Reg(n)))
                .boxed(),
            OperandKind::Const => number(self.form_parser(FormKind::Const, digits()), "a constant")
                .map(move |n| value(Operand::Const(n)))
                .boxed(),
            OperandKind::Func => number(self.form_parser(FormKind::Func, digits()), "a function")
                .map(move |n| value(Operand::Func(n)))
                .boxed(),
            OperandKind::Native => number(self.form_parser(FormKind::Native, digits()), "a native")
                .map(move |n| value(Operand::Native(n)))
                .boxed(),
            OperandKind::TypeIdx => number(self.form_parser(FormKind::Type, digits()), "a type")
                .map(move |n| value(Operand::TypeIdx(n)))
                .boxed(),
            OperandKind::Count => number(digits(), "a count")
                .map(move |n| value(Operand::Count(n)))
                .boxed(),
            OperandKind::Imm => {
                let signed = just('-')
                    .or_not()
                    .then(digits())
                    .map(|(minus, d)| match minus {
                        Some(_) => format!("-{d}"),
                        None => d,
                    })
                    .boxed();
                number(signed, "an immediate")
                    .map(move |n| value(Operand::Imm(n)))
                    .boxed()
            }
            OperandKind::Label => self
                .form_parser(FormKind::Label, word())
                .map(RawOperand::Label)
                .boxed(),
        }
    }

    /// A parser that reads exactly the lines of template `t`.
    fn template_parser<'t>(&'t self, t: &'t Template) -> P<'t, RawInstruction> {
        let mut seq: P<'t, Vec<(usize, RawOperand)>> = empty().to(Vec::new()).boxed();
        for piece in &t.pieces {
            seq = match piece {
                Piece::Text(s) => seq.then_ignore(just(s.clone())).boxed(),
                Piece::Space { required, .. } => seq
                    .then_ignore(one_of(" \t").repeated().at_least(usize::from(*required)))
                    .boxed(),
                Piece::Operand(i) => {
                    let i = *i;
                    seq.then(self.operand_parser(t.info.operands[i].1))
                        .map(move |(mut v, o)| {
                            v.push((i, o));
                            v
                        })
                        .boxed()
                }
            };
        }
        let info = t.info;
        seq.then_ignore(end())
            .map(move |mut v| {
                v.sort_by_key(|(i, _)| *i);
                (info, v.into_iter().map(|(_, o)| o).collect())
            })
            .boxed()
    }
}

type P<'t, O> = Boxed<'t, 't, &'t str, O, extra::Err<Rich<'t, char>>>;

fn digits<'t>() -> P<'t, String> {
    any()
        .filter(|c: &char| c.is_ascii_digit())
        .repeated()
        .at_least(1)
        .collect::<String>()
        .boxed()
}

fn word<'t>() -> P<'t, String> {
    any()
        .filter(|c: &char| is_word(*c))
        .repeated()
        .at_least(1)
        .collect::<String>()
        .boxed()
}

/// A syntax's parsers, built for one text.
pub struct SyntaxReader<'t> {
    syntax: &'t Syntax,
    instruction: P<'t, RawInstruction>,
    label: P<'t, String>,
}

impl<'t> LineReader<'t> for SyntaxReader<'t> {
    fn comment(&self) -> &str {
        &self.syntax.comment
    }

    fn label_definition(&self, line: &'t str) -> Option<String> {
        self.label.parse(line).into_result().ok()
    }

    fn instruction(&self, line: &'t str) -> Result<RawInstruction, String> {
        self.instruction
            .parse(line)
            .into_result()
            .map_err(|errors| {
                let custom = errors.iter().find_map(|e| match e.reason() {
                    chumsky::error::RichReason::Custom(m) => Some(m.clone()),
                    _ => None,
                });
                match (custom, errors.first()) {
                    (Some(m), _) => m,
                    (None, Some(e)) => {
                        let column = line[..e.span().start.min(line.len())].chars().count() + 1;
                        let found = match e.found() {
                            Some(c) => format!("`{c}`"),
                            None => "the end of the line".to_string(),
                        };
                        format!(
                        "no instruction of this syntax reads `{line}` (at column {column}: {found})"
                    )
                    }
                    (None, None) => format!("no instruction of this syntax reads `{line}`"),
                }
            })
    }
}

impl LineWriter for Syntax {
    fn comment(&self) -> &str {
        &self.comment
    }

    fn instruction(&self, op: &Op) -> String {
        let Some(t) = self.by_code.get(&op.code()).map(|&i| &self.templates[i]) else {
            return LineWriter::instruction(&Standard, op);
        };
        let operands = op.operands();
        let mut out = String::new();
        for p in &t.pieces {
            match p {
                Piece::Text(s) => out.push_str(s),
                Piece::Space { text, .. } => out.push_str(text),
                Piece::Operand(i) => out.push_str(&self.show(operands[*i].1)),
            }
        }
        out
    }

    fn label_definition(&self, pc: u32) -> String {
        format!("{}:", self.show(Operand::Label(pc)))
    }
}

/// The instructions whose template `[ops]` sets, for tests and tools.
pub fn custom_mnemonics(syntax: &Syntax) -> HashSet<&'static str> {
    syntax
        .templates
        .iter()
        .filter(|t| t.span.is_some())
        .map(|t| t.info.mnemonic)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<SyntaxError> {
        Syntax::load(text).expect_err("the syntax is refused")
    }

    fn roundtrip(syntax: &Syntax, text: &str) {
        let module = mvm_bytecode::assemble(text).expect("standard text assembles");
        let custom = mvm_bytecode::disassemble_with(&module, syntax);
        let back = mvm_bytecode::assemble_with(&custom, &syntax.reader())
            .unwrap_or_else(|e| panic!("{e}\n{custom}"));
        assert_eq!(back.to_bytes(), module.to_bytes(), "{custom}");
    }

    const PROGRAM: &str = r#"
        .native 0 "println"
        .const 0 "hello"
        .fn "main" arity=0 regs=3
            loadk r0, k0
            loadi r1, -5
        top:
            addik r1, r1, 1
            jltik r1, 3, top
            addi r2, r1, r1
            calln r2, n0, r0, 1
            ret r2
    "#;

    #[test]
    fn the_standard_forms_round_trip() {
        let s = Syntax::load("").expect("an empty file is the standard syntax");
        roundtrip(&s, PROGRAM);
        assert!(custom_mnemonics(&s).is_empty());
    }

    #[test]
    fn templates_print_and_read() {
        let s = Syntax::load(
            r##"
            comment = "#"
            register = "%{n}"
            label = "@{n}"
            [ops]
            addi = "{dst} = {a} + {b}"
            addik = "{dst} = {a} + {imm}"
            jltik = "if {a} < {imm} goto {target}"
            "##,
        )
        .expect("loads");
        roundtrip(&s, PROGRAM);
        let module = mvm_bytecode::assemble(PROGRAM).expect("assembles");
        let text = mvm_bytecode::disassemble_with(&module, &s);
        assert!(text.contains("    %2 = %1 + %1\n"), "{text}");
        assert!(text.contains("if %1 < 3 goto @2"), "{text}");
        assert!(text.contains("@2:\n"), "{text}");
        // Reading is lenient about spaces where no word is split.
        let hand = text.replace("%2 = %1 + %1", "%2=%1+%1");
        let back = mvm_bytecode::assemble_with(&hand, &s.reader()).expect("reads");
        assert_eq!(back.to_bytes(), module.to_bytes());
    }

    #[test]
    fn incomplete_and_unknown_operands_are_refused() {
        let text = "[ops]\naddi = \"{dst} = {a}\"\n";
        let e = errors(text);
        assert!(e[0].message.contains("does not use {b}"), "{e:?}");
        assert_eq!(&text[e[0].span.clone()], "\"{dst} = {a}\"");
        let text = "[ops]\naddi = \"{dst} = {a} + {c}\"\n";
        let e = errors(text);
        assert!(e[0].message.contains("no operand `c`"), "{e:?}");
        assert_eq!(&text[e[0].span.clone()], "{c}");
        let e = errors("[ops]\nfrobnicate = \"x\"\n");
        assert!(e[0].message.contains("not an instruction"), "{e:?}");
        let e = errors("colour = \"red\"\n");
        assert!(e[0].message.contains("unknown key"), "{e:?}");
        let e = errors("register = \"%\"\n");
        assert!(e[0].message.contains("{n}"), "{e:?}");
    }

    #[test]
    fn ambiguous_templates_are_refused() {
        // Two instructions spelled alike.
        let text = "[ops]\naddi = \"{dst} = {a} + {b}\"\nadd = \"{dst} = {a} + {b}\"\n";
        let e = errors(text);
        assert!(e[0].message.contains("ambiguous"), "{e:?}");
        assert!(e[0].other.is_some(), "{e:?}");
        // A template that reads like another's standard spelling.
        let e = errors("[ops]\naddi = \"subi {dst}, {a}, {b}\"\n");
        assert!(
            e[0].message.contains("`addi` and `subi`")
                || e[0].message.contains("`subi` and `addi`"),
            "{e:?}"
        );
        // Digits running into digits.
        let e = errors("register = \"{n}\"\n[ops]\naddi = \"{dst} {a}{b}\"\n");
        assert!(e[0].message.contains("run into"), "{e:?}");
        // A template that reads as a directive or a label.
        let e = errors("[ops]\nnop = \".nop\"\n");
        assert!(e[0].message.contains("directive"), "{e:?}");
        let e = errors("[ops]\nnop = \"L1:\"\n");
        assert!(e[0].message.contains("label"), "{e:?}");
        // A template containing the comment marker.
        let e = errors("comment = \"#\"\n[ops]\nnop = \"# nothing\"\n");
        assert!(e[0].message.contains("comment marker"), "{e:?}");
    }

    #[test]
    fn diagnostics_point_into_the_file() {
        let text = "[ops]\naddi = \"{dst} = {a} + {c}\"\n";
        let shown = render_errors("bad.toml", text, &errors(text));
        assert!(shown.contains("bad.toml:2:"), "{shown}");
        assert!(shown.contains("no operand `c`"), "{shown}");
    }

    /// Hand-written code in a syntax: named labels, comments, directives.
    #[test]
    fn hand_written_code_in_a_syntax_assembles() {
        let s = Syntax::load(
            "comment = \"#\"\nregister = \"%{n}\"\nlabel = \"@{n}\"\n[ops]\naddik = \"{dst} = {a} + {imm}\"\njltik = \"if {a} < {imm} goto {target}\"\nret = \"return {src}\"\n",
        )
        .expect("loads");
        let text = "# counts to three\n.fn \"main\" arity=0 regs=1\n    loadi %0, 0   # the counter\n@again:\n    %0 = %0 + 1\n    if %0 < 3 goto @again\n    return %0\n";
        let m = mvm_bytecode::assemble_with(text, &s.reader()).expect("assembles");
        let standard = mvm_bytecode::assemble(
            ".fn \"main\" arity=0 regs=1\n loadi r0, 0\nagain:\n addik r0, r0, 1\n jltik r0, 3, again\n ret r0\n",
        )
        .expect("assembles");
        assert_eq!(m.to_bytes(), standard.to_bytes());
        let e = mvm_bytecode::assemble_with(
            ".fn \"main\" arity=0 regs=1\n    if %0 < 3 goto @nowhere\n    return %0\n",
            &s.reader(),
        )
        .expect_err("an unknown label");
        assert!(e.message.contains("nowhere"), "{e}");
    }

    #[test]
    fn bad_lines_are_errors_not_panics() {
        let s = Syntax::load("register = \"%{n}\"\n[ops]\naddi = \"{dst} = {a} + {b}\"\n")
            .expect("loads");
        let text = ".fn \"main\" arity=0 regs=1\n    %0 = %1 +\n";
        let e = mvm_bytecode::assemble_with(text, &s.reader()).expect_err("fails");
        assert_eq!(e.line, 2);
        let text = ".fn \"main\" arity=0 regs=1\n    %99999999 = %1 + %1\n";
        let e = mvm_bytecode::assemble_with(text, &s.reader()).expect_err("fails");
        assert!(e.message.contains("too large"), "{e}");
    }
}
