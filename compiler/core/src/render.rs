//! Turns diagnostics into text, in one of three styles
//! ([`MessageFormat`], `--message-format`): `human`, with ariadne (the code,
//! the message, the source lines with labelled spans, notes and help);
//! `short`, one line per diagnostic; `json`, one object per line for tools.
//! The one renderer of the project; the CLI and the REPL call it, the
//! language server maps the same [`Diagnostic`] values to LSP instead.

use crate::db::{Db, SourceFile};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::FileId;
use ariadne::{Cache, Config, IndexType, Label, Report, ReportKind};
use std::ops::Range;

/// How diagnostics are written (`--message-format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MessageFormat {
    /// For people: source snippets with labels, notes and help.
    #[default]
    Human,
    /// One line per diagnostic: `file:line:col: error[E0201]: message`.
    Short,
    /// One JSON object per line (see `lang-spec/diagnostics.md`).
    Json,
}

impl MessageFormat {
    /// The format named `name` (`human`, `short` or `json`).
    pub fn from_name(name: &str) -> Option<MessageFormat> {
        match name {
            "human" => Some(MessageFormat::Human),
            "short" => Some(MessageFormat::Short),
            "json" => Some(MessageFormat::Json),
            _ => None,
        }
    }
}

/// Renders `diags` in `format`; `color` adds ANSI colours (for terminals;
/// never in JSON).
pub fn render_as(db: &dyn Db, diags: &[Diagnostic], format: MessageFormat, color: bool) -> String {
    match format {
        MessageFormat::Human => render(db, diags, color),
        MessageFormat::Short => render_short(db, diags, color),
        MessageFormat::Json => render_json(db, diags),
    }
}

/// The closing line of a failed compilation (human and short styles).
fn summary(diags: &[Diagnostic]) -> Option<String> {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let plural = if errors == 1 { "" } else { "s" };
    (errors > 0).then(|| format!("error: could not compile: {errors} error{plural}\n"))
}

/// A position in a file: 1-based line, and 1-based column counted in
/// characters.
fn line_col(db: &dyn Db, file: FileId, offset: u32) -> (u32, usize) {
    let source = db.source(file);
    let text = source.text(db);
    let at = clamp(text, offset, offset).start;
    let lines = crate::db::line_index(db, source);
    let line = lines.line(at);
    let start = lines.line_range(line).start.min(at);
    (line, text[start..at].chars().count() + 1)
}

/// Past this many bytes of rendered diagnostics (human and short styles)
/// the rest are counted, not shown; with each type in a message at most
/// `sema::types::MAX_DISPLAY` bytes, one diagnostic stays small, so the
/// output of a failed compilation stays near this size.
const MAX_RENDERED: usize = 256 << 10;

fn render_short(db: &dyn Db, diags: &[Diagnostic], color: bool) -> String {
    let mut out = String::new();
    let mut shown = 0;
    for d in diags {
        if out.len() >= MAX_RENDERED {
            break;
        }
        shown += 1;
        let (line, col) = line_col(db, d.primary.file, d.primary.span.start);
        let path = db.source(d.primary.file).path(db);
        let (kind, paint) = match d.severity {
            Severity::Error => ("error", "\x1b[1;31m"),
            Severity::Warning => ("warning", "\x1b[1;33m"),
        };
        let head = format!("{kind}[{}]", d.code);
        let head = if color {
            format!("{paint}{head}\x1b[0m")
        } else {
            head
        };
        out.push_str(&format!("{path}:{line}:{col}: {head}: {}\n", d.message));
    }
    if diags.len() > shown {
        let rest = diags.len() - shown;
        out.push_str(&format!("... and {rest} more diagnostics not shown\n"));
    }
    out.push_str(&summary(diags).unwrap_or_default());
    out
}

/// A span as JSON: its file, byte offsets and line/column start and end.
fn json_span(db: &dyn Db, file: FileId, span: mvl_syntax::ast::Span) -> serde_json::Value {
    let (line_start, column_start) = line_col(db, file, span.start);
    let (line_end, column_end) = line_col(db, file, span.end);
    serde_json::json!({
        "file": db.source(file).path(db),
        "byte_start": span.start,
        "byte_end": span.end,
        "line_start": line_start,
        "column_start": column_start,
        "line_end": line_end,
        "column_end": column_end,
    })
}

fn render_json(db: &dyn Db, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let label = |l: &crate::diagnostic::Label, primary: bool| {
            let mut v = json_span(db, l.file, l.span);
            v["message"] = l.message.clone().into();
            v["primary"] = primary.into();
            v
        };
        let labels: Vec<serde_json::Value> = std::iter::once(label(&d.primary, true))
            .chain(d.secondary.iter().map(|l| label(l, false)))
            .collect();
        let suggestions: Vec<serde_json::Value> = d
            .suggestions
            .iter()
            .map(|s| {
                let mut v = json_span(db, s.file, s.span);
                v["message"] = s.message.clone().into();
                v["replacement"] = s.replacement.clone().into();
                v
            })
            .collect();
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let value = serde_json::json!({
            "code": d.code,
            "severity": severity,
            "message": d.message,
            "file": db.source(d.primary.file).path(db),
            "span": json_span(db, d.primary.file, d.primary.span),
            "labels": labels,
            "notes": d.notes,
            "help": d.help,
            "suggestions": suggestions,
        });
        out.push_str(&value.to_string());
        out.push('\n');
    }
    out
}

/// E0009, the one diagnostic about a file that has no text to point into:
/// `path`'s `bytes` are not UTF-8 from `at` on.
pub fn render_not_utf8(
    path: &str,
    bytes: &[u8],
    at: usize,
    format: MessageFormat,
    color: bool,
) -> String {
    let message = format!("`{path}` is not valid UTF-8 (first invalid byte at offset {at})");
    let valid = std::str::from_utf8(&bytes[..at.min(bytes.len())]).unwrap_or_default();
    let line = valid.matches('\n').count() + 1;
    let column = valid
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    let (bold, reset) = if color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("", "")
    };
    match format {
        MessageFormat::Human => format!("{bold}error[E0009]{reset}: {message}\n"),
        MessageFormat::Short => format!(
            "{path}:{line}:{column}: {bold}error[E0009]{reset}: {message}\nerror: could not compile: 1 error\n"
        ),
        MessageFormat::Json => {
            let span = serde_json::json!({
                "file": path,
                "byte_start": at,
                "byte_end": at + 1,
                "line_start": line,
                "column_start": column,
                "line_end": line,
                "column_end": column + 1,
            });
            let mut label = span.clone();
            label["message"] = "not UTF-8 from here".into();
            label["primary"] = true.into();
            let value = serde_json::json!({
                "code": "E0009",
                "severity": "error",
                "message": message,
                "file": path,
                "span": span,
                "labels": [label],
                "notes": [],
                "help": null,
                "suggestions": [],
            });
            format!("{value}\n")
        }
    }
}

/// Renders `diags` for people (the `human` style); `color` adds ANSI
/// colours (for terminals).
pub fn render(db: &dyn Db, diags: &[Diagnostic], color: bool) -> String {
    /// More diagnostics than this are counted, not shown.
    const SHOWN: usize = 100;
    let mut out = Vec::new();
    let mut shown = 0;
    // ariadne's view of each file (its text split into lines) is made once
    // for all the diagnostics, not once per diagnostic.
    let mut files: Vec<SourceFile> = Vec::new();
    for d in diags.iter().take(SHOWN) {
        for f in std::iter::once(d.primary.file).chain(d.secondary.iter().map(|l| l.file)) {
            let f = db.source(f);
            if !files.contains(&f) {
                files.push(f);
            }
        }
    }
    let mut sources = ariadne::sources(
        files
            .iter()
            .map(|f| (f.path(db).clone(), f.text(db).as_str())),
    );
    for d in diags.iter().take(SHOWN) {
        if out.len() >= MAX_RENDERED {
            break;
        }
        render_one(db, d, color, &mut sources, &mut out);
        shown += 1;
    }
    if diags.len() > shown {
        out.extend_from_slice(
            format!(
                "... and {} more diagnostics not shown\n",
                diags.len() - shown
            )
            .as_bytes(),
        );
    }
    if let Some(line) = summary(diags) {
        out.extend_from_slice(line.as_bytes());
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A span clamped to its text and to character boundaries, so that the
/// renderer never sees an impossible range.
fn clamp(text: &str, start: u32, end: u32) -> Range<usize> {
    let mut s = (start as usize).min(text.len());
    let mut e = (end as usize).min(text.len()).max(s);
    while !text.is_char_boundary(s) {
        s -= 1;
    }
    while !text.is_char_boundary(e) {
        e += 1;
    }
    s..e
}

/// Source lines longer than this are not shown: the diagnostic names the
/// place instead (a 2 MB line would otherwise be printed per error).
const MAX_SHOWN_LINE: usize = 1000;

fn render_one(
    db: &dyn Db,
    d: &Diagnostic,
    color: bool,
    sources: &mut impl Cache<String>,
    out: &mut Vec<u8>,
) {
    let primary = db.source(d.primary.file);
    let text = primary.text(db);
    let start = (d.primary.span.start as usize).min(text.len());
    let lines = crate::db::line_index(db, primary);
    let line = lines.line(start);
    let line_range = lines.line_range(line);
    if line_range.len() > MAX_SHOWN_LINE {
        let col = start - line_range.start + 1;
        let kind = if d.is_error() { "Error" } else { "Warning" };
        let mut plain = format!(
            "[{}] {kind}: {}\n   --> {}:{line}:{col} ({}; the line is too long to show)\n",
            d.code,
            d.message,
            primary.path(db),
            d.primary.message
        );
        if let Some(h) = &d.help {
            plain.push_str(&format!("   help: {h}\n"));
        }
        out.extend_from_slice(plain.as_bytes());
        return;
    }
    let mut files: Vec<FileId> = vec![d.primary.file];
    for l in &d.secondary {
        if !files.contains(&l.file) {
            files.push(l.file);
        }
    }
    let span = |f: FileId, s: mvl_syntax::ast::Span| {
        let f = db.source(f);
        (f.path(db).clone(), clamp(f.text(db), s.start, s.end))
    };

    let kind = match d.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let config = Config::default()
        .with_color(color)
        .with_index_type(IndexType::Byte);
    let mut report = Report::build(kind, span(d.primary.file, d.primary.span))
        .with_config(config)
        .with_code(d.code)
        .with_message(&d.message);
    // Labels in source order: ariadne starts a new snippet whenever a label
    // lies above the previous one.
    let mut labels: Vec<&crate::diagnostic::Label> =
        std::iter::once(&d.primary).chain(&d.secondary).collect();
    labels.sort_by_key(|l| (files.iter().position(|f| *f == l.file), l.span.start));
    for l in labels {
        report = report.with_label(Label::new(span(l.file, l.span)).with_message(&l.message));
    }
    for n in &d.notes {
        report = report.with_note(n);
    }
    if let Some(h) = &d.help {
        report = report.with_help(h);
    }
    for s in &d.suggestions {
        // A suggestion that says what the help says (`did you mean `x`?`)
        // is the help's fix for tools, shown once.
        if d.help.as_deref() == Some(s.message.as_str()) {
            continue;
        }
        report = report.with_help(format!("{}: `{}`", s.message, suggested_text(db, s)));
    }
    if report.finish().write(&mut *sources, &mut *out).is_err() {
        // Fall back to a plain line rather than lose the diagnostic.
        out.extend_from_slice(
            format!("[{}] {}: {}\n", d.code, primary.path(db), d.message).as_bytes(),
        );
    }
}

/// What the source reads like once suggestion `s` is applied: the text it
/// inserts, with the word it is attached to.
fn suggested_text(db: &dyn Db, s: &crate::diagnostic::Suggestion) -> String {
    let text = db.source(s.file).text(db);
    let range = clamp(text, s.span.start, s.span.end);
    // The identifier just before an insertion point (`v` in `v: Point`).
    let before = &text[..range.start];
    let word_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map(|i| i + 1)
        .unwrap_or(0);
    format!("{}{}", &before[word_start..], s.replacement.trim_end())
}
