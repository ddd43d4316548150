//! Renders diagnostics for people, with ariadne: the code, the message, the
//! source lines with labelled spans, notes and help. The one renderer of the
//! project; the CLI and the REPL call it, the language server maps the same
//! [`Diagnostic`] values to LSP instead.

use crate::db::{Db, SourceFile};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::FileId;
use ariadne::{Cache, Config, IndexType, Label, Report, ReportKind};
use std::ops::Range;

/// Renders `diags` as text; `color` adds ANSI colours (for terminals).
pub fn render(db: &dyn Db, diags: &[Diagnostic], color: bool) -> String {
    /// More diagnostics than this are counted, not shown.
    const SHOWN: usize = 100;
    let mut out = Vec::new();
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
        render_one(db, d, color, &mut sources, &mut out);
    }
    if diags.len() > SHOWN {
        out.extend_from_slice(
            format!(
                "... and {} more diagnostics not shown\n",
                diags.len() - SHOWN
            )
            .as_bytes(),
        );
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        let plural = if errors == 1 { "" } else { "s" };
        out.extend_from_slice(
            format!("error: could not compile: {errors} error{plural}\n").as_bytes(),
        );
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
    format!("{}{}", &before[word_start..], s.replacement)
}
