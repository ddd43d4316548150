//! publishDiagnostics: the command line's diagnostics (`db::check_diagnostics`,
//! what `mvlc check` reports) for every open file, computed on a clone of
//! the database on a worker thread, so that a later edit cancels the
//! computation (salsa cancels the clone's queries when the server writes
//! an input) instead of waiting for it.

use super::docs::{path_to_uri, LineMap};
use lsp_types as lsp;
use mvl_compiler::db::{self, Database, Program};
use mvl_compiler::diagnostic::{Diagnostic, Severity};
use mvl_compiler::source::FileId;
use mvl_syntax::ast::Span;
use std::collections::HashMap;

/// The diagnostics of each open file (by path), for one state of the texts.
pub type Published = HashMap<String, Vec<lsp::Diagnostic>>;

/// The diagnostics of every open file. A file's come from every open
/// program that holds it (its own, and those of open files importing it);
/// "no `main`" (E0103) only when no other open program imports the file.
pub fn compute(db: &Database, programs: &[(String, Program)]) -> Published {
    let mut out: Published = programs
        .iter()
        .map(|(p, _)| (p.clone(), Vec::new()))
        .collect();
    let imported: Vec<(String, Vec<String>)> = programs
        .iter()
        .map(|(root, program)| {
            let files = db::program_files(db, *program)
                .iter()
                .map(|f| f.path(db).clone())
                .filter(|p| p != root)
                .collect();
            (root.clone(), files)
        })
        .collect();
    let mut maps = HashMap::new();
    for (root, program) in programs {
        let imported_elsewhere = imported
            .iter()
            .any(|(other, files)| other != root && files.contains(root));
        for d in db::check_diagnostics(db, *program) {
            let path = mvl_compiler::db::Db::source(db, d.primary.file)
                .path(db)
                .clone();
            let Some(list) = out.get_mut(&path) else {
                continue;
            };
            if d.code == "E0103" && (path != *root || imported_elsewhere) {
                continue;
            }
            let converted = convert(db, &d, &mut maps);
            if !list.contains(&converted) {
                list.push(converted);
            }
        }
    }
    out
}

/// One diagnostic as LSP shows it: the code, the severity, the primary
/// label's range, the message with its label, notes and help, and the
/// secondary labels as related locations.
pub fn to_lsp(db: &Database, d: &Diagnostic) -> lsp::Diagnostic {
    convert(db, d, &mut HashMap::new())
}

/// [`to_lsp`], with the line maps of the files already seen (a file's map
/// is built once per publication, not once per diagnostic).
fn convert<'db>(
    db: &'db Database,
    d: &Diagnostic,
    maps: &mut HashMap<FileId, LineMap<'db>>,
) -> lsp::Diagnostic {
    let mut range = |file: FileId, span: Span| {
        maps.entry(file)
            .or_insert_with(|| LineMap::new(mvl_compiler::db::Db::source(db, file).text(db)))
            .range(span)
    };
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message.push_str(&format!(": {}", d.primary.message));
    }
    for n in &d.notes {
        message.push_str(&format!("\nnote: {n}"));
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            let f = mvl_compiler::db::Db::source(db, l.file);
            let uri = path_to_uri(f.path(db))?;
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(uri, range(l.file, l.span)),
                message: l.message.clone(),
            })
        })
        .collect();
    lsp::Diagnostic {
        range: range(d.primary.file, d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        source: Some("mvlc".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}
