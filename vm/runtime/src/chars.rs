//! Character positions in strings. MVL counts string positions in
//! characters, the heap stores UTF-8: a [`CharIndex`] maps a character
//! position to its byte offset without rescanning the text, so slicing a
//! string character by character in a loop is linear, not quadratic. The
//! heap keeps the index of the string last asked about
//! ([`crate::Heap::char_index`]).

use std::sync::Arc;

/// Characters between two recorded byte offsets of a non-ASCII text: a
/// lookup walks at most this many characters.
const STRIDE: usize = 64;

/// The character positions of one string.
#[derive(Clone, Debug)]
pub struct CharIndex {
    text: Arc<str>,
    chars: usize,
    /// The byte offset of every `STRIDE`th character, or nothing when the
    /// text is ASCII (a character's byte offset is then its position).
    marks: Vec<usize>,
}

impl CharIndex {
    /// Scans `text` once.
    pub fn new(text: Arc<str>) -> CharIndex {
        let mut marks = Vec::new();
        let chars = if text.is_ascii() {
            text.len()
        } else {
            let mut n = 0;
            for (b, _) in text.char_indices() {
                if n % STRIDE == 0 {
                    marks.push(b);
                }
                n += 1;
            }
            n
        };
        CharIndex { text, chars, marks }
    }

    /// The text indexed.
    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    /// Its length in characters.
    pub fn chars(&self) -> usize {
        self.chars
    }

    /// The byte offset where character `i` starts, the text's length for
    /// `i == chars()`, nothing past that.
    pub fn byte(&self, i: usize) -> Option<usize> {
        if i > self.chars {
            return None;
        }
        if self.marks.is_empty() {
            // ASCII (a non-ASCII text has a first character, so a mark).
            return Some(i);
        }
        if i == self.chars {
            return Some(self.text.len());
        }
        let from = *self.marks.get(i / STRIDE)?;
        self.text[from..]
            .char_indices()
            .nth(i % STRIDE)
            .map(|(b, _)| from + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every position agrees with a plain scan, on ASCII, mixed and
    /// multi-byte texts, across several strides.
    #[test]
    fn byte_offsets_match_a_scan() {
        let texts = [
            String::new(),
            "abc".to_string(),
            "é".to_string(),
            "aé€😀".repeat(70),
            "x".repeat(200) + "é",
            "é".to_string() + &"x".repeat(200),
        ];
        for t in texts {
            let index = CharIndex::new(t.as_str().into());
            let scan: Vec<usize> = t.char_indices().map(|(b, _)| b).chain([t.len()]).collect();
            assert_eq!(index.chars(), t.chars().count());
            for (i, b) in scan.iter().enumerate() {
                assert_eq!(index.byte(i), Some(*b), "position {i} of {t:?}");
            }
            assert_eq!(index.byte(scan.len()), None);
        }
    }
}
