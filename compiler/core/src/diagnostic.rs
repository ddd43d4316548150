//! Compile diagnostics as values: a code, a message, a primary span and
//! secondary labels, notes and a help line.
//!
//! Queries return [`Diagnostic`]s as part of their values (gathered by
//! `db::check_diagnostics`); nothing in the compiler prints them. Rendering happens once, at the edge, in
//! [`crate::render`]. Codes are stable: the table below is the registry; a code
//! is never reused for a different error.

use crate::source::{Anchor, FileId, ItemRef};
use mvl_syntax::ast::Span;

/// Every diagnostic code the compiler emits, with a one-line meaning.
pub const CODES: &[(&str, &str)] = &[
    ("E0001", "unexpected token"),
    ("E0002", "unterminated string"),
    ("E0003", "unknown escape sequence"),
    ("E0004", "invalid character"),
    ("E0005", "invalid number literal"),
    ("E0006", "nesting too deep"),
    ("E0007", "unterminated block comment"),
    ("E0008", "unexpected end of file"),
    ("E0009", "source file is not valid UTF-8"),
    ("E0010", "unclosed bracket before the next item"),
    ("E0011", "invalid format spec"),
    ("E0012", "syntax from another language"),
    ("E0101", "unknown name"),
    ("E0102", "duplicate definition"),
    ("E0103", "no `main` function"),
    ("E0104", "unknown type"),
    ("E0105", "construct not supported yet"),
    ("E0106", "`break` or `continue` outside a loop"),
    ("E0107", "invalid assignment target"),
    ("E0108", "module not found"),
    ("E0109", "import cycle"),
    ("E0110", "unknown field"),
    ("E0111", "unknown method"),
    ("E0112", "`match` does not cover every case"),
    ("E0113", "refutable pattern where every value must match"),
    ("E0114", "missing or extra fields in a struct literal"),
    ("E0115", "pattern does not fit the type"),
    ("E0201", "mismatched types"),
    ("E0202", "wrong number of arguments"),
    ("E0203", "assignment to an immutable binding"),
    ("E0204", "operator not defined for this type"),
    ("E0205", "called value is not a function"),
    ("E0206", "infinite type"),
    ("E0207", "wrong number of type arguments"),
    ("E0208", "type annotations needed"),
    ("E0209", "a cycle of method calls needs an annotation"),
    ("E0210", "type too large to check"),
    ("E0211", "function type in a key"),
    ("E0212", "patterns too complex to check"),
    ("W0001", "unreachable pattern"),
    ("W0002", "minus sign applied after a method call"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// A span in a particular file, with the text shown beside it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub file: FileId,
    /// The item `span` counts from (`None`: the file's start). The
    /// diagnostics `db` hands out always count from the file's start.
    pub item: Option<ItemRef>,
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// The primary label: where the problem is.
    pub primary: Label,
    /// Other places that explain it (where a type was decided, ...).
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    /// Fixes a tool can apply (the language server's code actions, a
    /// `--fix`), each also shown to people as a help line.
    pub suggestions: Vec<Suggestion>,
    /// A module whose `import` would fix this diagnostic if its file exists
    /// beside the program's root. Checking does no I/O, so it only names
    /// the module; `db` looks for the file and, when it is there, adds the
    /// help and the suggestion (and clears this).
    pub import_fix: Option<String>,
}

/// An edit that fixes a diagnostic: replace `span` of `file` (empty to
/// insert) with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Suggestion {
    /// Says what the edit does: "annotate the parameter".
    pub message: String,
    pub file: FileId,
    /// As in [`Label::item`].
    pub item: Option<ItemRef>,
    pub span: Span,
    pub replacement: String,
}

impl Diagnostic {
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        at: impl Into<Anchor>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        let at = at.into();
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: Label {
                file: at.file,
                item: at.item,
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            suggestions: Vec::new(),
            import_fix: None,
        }
    }

    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        at: impl Into<Anchor>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        let at = at.into();
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, at, span, label)
        }
    }

    pub fn with_label(
        mut self,
        at: impl Into<Anchor>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        let at = at.into();
        self.secondary.push(Label {
            file: at.file,
            item: at.item,
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_suggestion(
        mut self,
        message: impl Into<String>,
        at: impl Into<Anchor>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        let at = at.into();
        self.suggestions.push(Suggestion {
            message: message.into(),
            file: at.file,
            item: at.item,
            span,
            replacement: replacement.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The candidate closest to `name` by edit distance, if it is close enough to
/// be a plausible misspelling: what "did you mean" hints use.
pub fn closest_name<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Edit distance over chars where swapping two neighbours counts as one edit
/// (optimal string alignment): `psuh` is one edit from `push`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(closest_name("totl", ["total", "count"]), Some("total"));
        assert_eq!(closest_name("x", ["total"]), None);
        assert_eq!(closest_name("psuh", ["push", "pop"]), Some("push"));
    }

    /// `lang-spec/diagnostics.md` lists every code with its meaning.
    #[test]
    fn spec_lists_every_code() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../lang-spec/diagnostics.md"
        );
        let spec = std::fs::read_to_string(path).expect("lang-spec/diagnostics.md exists");
        for (code, meaning) in CODES {
            let row = format!("| {code} | {meaning} |");
            assert!(
                spec.contains(&row),
                "lang-spec/diagnostics.md lacks the row `{row}`"
            );
        }
    }

    #[test]
    fn codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for (code, _) in CODES {
            assert!(seen.insert(code), "duplicate code {code}");
        }
    }
}
