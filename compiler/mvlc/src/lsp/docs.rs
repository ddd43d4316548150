//! The open documents, positions and URIs: what the editor's view of a file
//! (UTF-16 line and column, `file://` URIs, incremental edits) becomes in
//! the compiler's (byte offsets, paths).

use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use mvl_syntax::ast::Span;
use std::collections::HashMap;
use std::str::FromStr;

/// One open buffer: the editor's text is the source of truth for its path.
pub struct Doc {
    pub uri: Uri,
    pub version: i32,
    pub text: String,
}

/// The open buffers, by path.
#[derive(Default)]
pub struct Docs {
    pub open: HashMap<String, Doc>,
}

impl Docs {
    pub fn text(&self, path: &str) -> Option<&str> {
        self.open.get(path).map(|d| d.text.as_str())
    }
}

/// Applies the editor's changes, in order (a change without a range
/// replaces the whole text).
pub fn apply_changes(text: &mut String, changes: &[TextDocumentContentChangeEvent]) {
    for change in changes {
        match change.range {
            Some(range) => {
                let start = offset(text, range.start) as usize;
                let end = (offset(text, range.end) as usize).max(start);
                text.replace_range(start..end, &change.text);
            }
            None => *text = change.text.clone(),
        }
    }
}

/// The byte offset of an LSP position (UTF-16 column) in `text`, clamped
/// to the line's end and the text's end.
pub fn offset(text: &str, pos: Position) -> u32 {
    let line_start = match pos.line {
        0 => 0,
        // One search for the line's start, not one per line before it.
        n => match memchr::memchr_iter(b'\n', text.as_bytes()).nth(n as usize - 1) {
            Some(i) => i + 1,
            None => return text.len() as u32,
        },
    };
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut units = 0u32;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= pos.character {
            return (line_start + i) as u32;
        }
        units += c.len_utf16() as u32;
    }
    line_end as u32
}

/// Line starts of a text, for turning many offsets into positions.
pub struct LineMap<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineMap<'t> {
    pub fn new(text: &'t str) -> LineMap<'t> {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineMap { text, starts }
    }

    /// The LSP position of a byte offset (UTF-16 column).
    pub fn position(&self, offset: u32) -> Position {
        let offset = (offset as usize).min(self.text.len());
        let line = self.starts.partition_point(|s| *s <= offset) - 1;
        let start = self.starts[line];
        let col: usize = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        Position::new(line as u32, col as u32)
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }
}

/// The path a `file://` URI names (percent-decoded), or `None` for another
/// scheme.
pub fn uri_to_path(uri: &Uri) -> Option<String> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) =
                u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or(""), 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The `file://` URI of a path (made absolute), percent-encoding what a
/// URI path cannot hold.
pub fn path_to_uri(path: &str) -> Option<Uri> {
    if path.starts_with('<') {
        return None;
    }
    let abs = std::path::absolute(path).ok()?;
    let mut s = String::from("file://");
    for b in abs.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                s.push(b as char)
            }
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    Uri::from_str(&s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "ab\né😀x\n";
        let map = LineMap::new(text);
        let x = text.find('x').unwrap_or(0) as u32;
        assert_eq!(map.position(x), Position::new(1, 3));
        assert_eq!(offset(text, Position::new(1, 3)), x);
        assert_eq!(offset(text, Position::new(1, 99)), x + 1);
        assert_eq!(offset(text, Position::new(9, 0)), text.len() as u32);
    }

    #[test]
    fn uris_round_trip() {
        let uri = path_to_uri("/tmp/a b/c.mvl").unwrap_or_else(|| panic!("no uri"));
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/c.mvl");
        assert_eq!(uri_to_path(&uri).as_deref(), Some("/tmp/a b/c.mvl"));
    }

    #[test]
    fn incremental_edits_apply_in_order() {
        let mut text = "fn main() {\n    1\n}\n".to_string();
        let change = |l1, c1, l2, c2, t: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: t.to_string(),
        };
        apply_changes(
            &mut text,
            &[change(1, 4, 1, 5, "2 + 3"), change(1, 4, 1, 5, "7")],
        );
        assert_eq!(text, "fn main() {\n    7 + 3\n}\n");
    }
}
