//! A bounds-checked little-endian byte reader: every read of a `.mvb` goes
//! through it, and every failure names the byte offset where it happened.

use std::fmt;

/// A malformed `.mvb`: what is wrong and at which byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub offset: usize,
    pub message: String,
    /// The file is not malformed, but decoding it would need more memory
    /// than the budget given (see [`crate::Module::from_bytes_within`]).
    pub out_of_memory: bool,
}

impl DecodeError {
    pub fn new(offset: usize, message: impl Into<String>) -> DecodeError {
        DecodeError {
            offset,
            message: message.into(),
            out_of_memory: false,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for DecodeError {}

/// Reads from a byte slice; never panics, never reads past the end.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// The memory what has been read will take once decoded (an estimate,
    /// see [`Reader::hold`]), and the most it may take.
    memory: usize,
    budget: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader::with_budget(bytes, usize::MAX)
    }

    /// A reader whose decoded items may take at most `budget` bytes.
    pub fn with_budget(bytes: &'a [u8], budget: usize) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            memory: 0,
            budget,
        }
    }

    /// Counts `bytes` of memory about to be allocated for decoded items:
    /// an error, before the allocation, once past the budget.
    pub fn hold(&mut self, bytes: usize, what: &str) -> Result<(), DecodeError> {
        self.memory = self.memory.saturating_add(bytes);
        if self.memory > self.budget {
            return Err(DecodeError {
                offset: self.pos,
                message: format!(
                    "out of memory: decoding the {what} would take the module past {} bytes in memory",
                    self.budget
                ),
                out_of_memory: true,
            });
        }
        Ok(())
    }

    /// The memory held so far.
    pub fn memory(&self) -> usize {
        self.memory
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub fn is_at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(DecodeError::new(
                self.pos,
                format!(
                    "unexpected end of file: needed {n} byte(s), {} left",
                    self.remaining()
                ),
            ));
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    pub fn f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// A count that precedes `count` items of at least `min_item_size` bytes
    /// each: refused when the rest of the file could not hold them, so no
    /// allocation is ever sized by an unchecked length.
    pub fn count(&mut self, min_item_size: usize, what: &str) -> Result<usize, DecodeError> {
        let at = self.pos;
        let n = self.u32()? as usize;
        if n.saturating_mul(min_item_size.max(1)) > self.remaining() {
            return Err(DecodeError::new(
                at,
                format!(
                    "{what} count {n} is larger than the {} byte(s) left could hold",
                    self.remaining()
                ),
            ));
        }
        Ok(n)
    }

    /// A `u32` length followed by that many bytes of UTF-8.
    pub fn string(&mut self, what: &str) -> Result<String, DecodeError> {
        let n = self.count(1, what)?;
        self.hold(n + std::mem::size_of::<String>(), what)?;
        let at = self.pos;
        let raw = self.bytes(n)?;
        String::from_utf8(raw.to_vec())
            .map_err(|_| DecodeError::new(at, format!("{what} is not valid UTF-8")))
    }
}
