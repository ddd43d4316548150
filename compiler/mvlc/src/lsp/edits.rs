//! Formatting (`mvl_syntax::format`, as `mvlc fmt`), code actions from the
//! diagnostics' suggestions, inlay hints for the inferred types of
//! bindings written without one, and semantic tokens.

use super::analysis;
use super::docs::{path_to_uri, LineMap};
use super::Server;
use lsp_types as lsp;
use mvl_compiler::db::{self, Db};
use mvl_compiler::sema::ir::NameTarget;
use mvl_syntax::lexer::Tok;
use std::collections::HashMap;

pub fn formatting(
    server: &mut Server,
    p: lsp::DocumentFormattingParams,
) -> Result<Option<Vec<lsp::TextEdit>>, String> {
    let (path, _) = server.program_for(&p.text_document.uri)?;
    let text = server.text_of(&path);
    // A file with syntax errors is left as it is, as `mvlc fmt` does.
    let Ok(formatted) = mvl_syntax::format::format_source(&text) else {
        return Ok(None);
    };
    if formatted == text {
        return Ok(Some(Vec::new()));
    }
    let map = LineMap::new(&text);
    Ok(Some(vec![lsp::TextEdit {
        range: lsp::Range::new(lsp::Position::new(0, 0), map.position(text.len() as u32)),
        new_text: formatted,
    }]))
}

// `WorkspaceEdit::changes` is keyed by `Uri` (lsp-types); its inner cell
// is fluent-uri's, and no key is changed while in the map.
#[allow(clippy::mutable_key_type)]
pub fn code_actions(
    server: &mut Server,
    p: lsp::CodeActionParams,
) -> Result<Option<lsp::CodeActionResponse>, String> {
    let (path, program) = server.program_for(&p.text_document.uri)?;
    let db = &server.db;
    let file = db.file(&path);
    let id = file.id(db);
    let text = file.text(db);
    let map = LineMap::new(text);
    let want = p.range;
    let mut out = Vec::new();
    for d in db::check_diagnostics(db, program) {
        if d.primary.file != id || d.suggestions.is_empty() {
            continue;
        }
        let range = map.range(d.primary.span);
        let overlaps = range.start <= want.end && want.start <= range.end;
        if !overlaps {
            continue;
        }
        let lsp_diag = super::diagnostics::to_lsp(db, &d);
        for s in &d.suggestions {
            let target = db.source(s.file);
            let Some(uri) = path_to_uri(target.path(db)) else {
                continue;
            };
            let edit = lsp::TextEdit {
                range: LineMap::new(target.text(db)).range(s.span),
                new_text: s.replacement.clone(),
            };
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: s.message.clone(),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp_diag.clone()]),
                edit: Some(lsp::WorkspaceEdit {
                    changes: Some(HashMap::from([(uri, vec![edit])])),
                    ..Default::default()
                }),
                is_preferred: Some(d.suggestions.len() == 1),
                ..Default::default()
            }));
        }
    }
    Ok(Some(out))
}

pub fn inlay_hints(
    server: &mut Server,
    p: lsp::InlayHintParams,
) -> Result<Option<Vec<lsp::InlayHint>>, String> {
    let (path, program) = server.program_for(&p.text_document.uri)?;
    let db = &server.db;
    let file = db.file(&path);
    let text = file.text(db);
    let map = LineMap::new(text);
    let mut out = Vec::new();
    for item in &db::parse(db, file).items {
        let item_ref = item.id;
        for u in analysis::uses_in_item(db, program, item_ref) {
            if !u.is_def || !matches!(u.target, NameTarget::Local(_)) {
                continue;
            }
            let name = &text[u.span.start as usize..u.span.end as usize];
            // Hidden locals of the desugaring have no name in the text.
            if name == "self"
                || name.is_empty()
                || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            let annotated = text[u.span.end as usize..].trim_start().starts_with(':');
            let Some(ty) = u.ty.filter(|_| !annotated) else {
                continue;
            };
            let at = map.position(u.span.end);
            if at < p.range.start || at > p.range.end {
                continue;
            }
            out.push(lsp::InlayHint {
                position: at,
                label: lsp::InlayHintLabel::String(format!(": {ty}")),
                kind: Some(lsp::InlayHintKind::TYPE),
                text_edits: None,
                tooltip: None,
                padding_left: None,
                padding_right: None,
                data: None,
            });
        }
    }
    out.sort_by_key(|h| (h.position.line, h.position.character));
    Ok(Some(out))
}

const TOKEN_TYPES: &[lsp::SemanticTokenType] = &[
    lsp::SemanticTokenType::KEYWORD,
    lsp::SemanticTokenType::STRING,
    lsp::SemanticTokenType::NUMBER,
    lsp::SemanticTokenType::COMMENT,
    lsp::SemanticTokenType::FUNCTION,
    lsp::SemanticTokenType::VARIABLE,
    lsp::SemanticTokenType::TYPE,
    lsp::SemanticTokenType::PROPERTY,
    lsp::SemanticTokenType::ENUM_MEMBER,
    lsp::SemanticTokenType::METHOD,
];

pub fn legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend {
        token_types: TOKEN_TYPES.to_vec(),
        token_modifiers: Vec::new(),
    }
}

pub fn semantic_tokens(
    server: &mut Server,
    p: lsp::SemanticTokensParams,
) -> Result<Option<lsp::SemanticTokensResult>, String> {
    let (path, program) = server.program_for(&p.text_document.uri)?;
    let db = &server.db;
    let file = db.file(&path);
    let text = file.text(db);
    let map = LineMap::new(text);
    // What the checker says each name is.
    let mut names: HashMap<u32, u32> = HashMap::new();
    for item in &db::parse(db, file).items {
        let item_ref = item.id;
        for u in analysis::uses_in_item(db, program, item_ref) {
            let kind = match u.target {
                NameTarget::Local(_) => 5,
                NameTarget::Fn(_) | NameTarget::Native(_) => 4,
                NameTarget::Type(_) => 6,
                NameTarget::Field(..) => 7,
                NameTarget::Variant(..) => 8,
            };
            names.insert(u.span.start, kind);
        }
    }
    let lexed = mvl_syntax::lexer::lex_with_trivia(text);
    let mut spans: Vec<(u32, u32, u32)> = Vec::new();
    for (start, tok, end) in &lexed.tokens {
        let kind = match tok {
            Tok::Ident(_) => match names.get(&(*start as u32)) {
                Some(k) => *k,
                None => continue,
            },
            Tok::Int(_) | Tok::Float(_) => 2,
            Tok::Str(_) | Tok::StrStart(_) | Tok::StrMid(_) | Tok::StrEnd(_) => 1,
            Tok::True | Tok::False => 0,
            t if t.text().chars().all(|c| c.is_ascii_lowercase()) && !t.text().is_empty() => 0,
            _ => continue,
        };
        spans.push((*start as u32, *end as u32, kind));
    }
    for c in &lexed.comments {
        spans.push((c.span.start, c.span.end, 3));
    }
    spans.sort();
    let mut data = Vec::new();
    let (mut line, mut col) = (0u32, 0u32);
    for (start, end, kind) in spans {
        let a = map.position(start);
        let b = map.position(end);
        // A token over several lines (a block comment, a string) is
        // marked on its first line.
        let length = if a.line == b.line {
            b.character - a.character
        } else {
            let line_end = text[start as usize..]
                .find('\n')
                .map_or(text.len(), |i| start as usize + i);
            map.position(line_end as u32).character - a.character
        };
        if length == 0 {
            continue;
        }
        let delta_line = a.line - line;
        let delta_start = if delta_line == 0 {
            a.character - col
        } else {
            a.character
        };
        data.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length,
            token_type: kind,
            token_modifiers_bitset: 0,
        });
        line = a.line;
        col = a.character;
    }
    Ok(Some(lsp::SemanticTokensResult::Tokens(
        lsp::SemanticTokens {
            result_id: None,
            data,
        },
    )))
}
