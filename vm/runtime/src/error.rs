//! Runtime errors: a message and the MVL stack trace at the point of
//! failure, innermost frame first, rendered as
//!
//! ```text
//! error: integer overflow
//!   at fact (examples/overflow.mvl:3)
//!   at main (examples/overflow.mvl:9)
//! ```
//!
//! A deep stack keeps only the frames it shows (see
//! [`crate::fiber::trace_of`]) and counts the others.

use crate::fiber::SHOWN_AT_EACH_END;
use std::fmt;

/// One frame of an MVL stack trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceFrame {
    pub function: String,
    pub file: String,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeError {
    pub message: String,
    /// Innermost first; for a deep stack, the innermost and outermost
    /// frames only.
    pub trace: Vec<TraceFrame>,
    /// How many frames between the two ends of `trace` are left out.
    pub omitted: usize,
}

impl RuntimeError {
    /// The depth of the stack at the failure.
    pub fn depth(&self) -> usize {
        self.trace.len() + self.omitted
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        for (i, frame) in self.trace.iter().enumerate() {
            if self.omitted > 0 && i == SHOWN_AT_EACH_END {
                writeln!(f, "  ... {} more frames ...", self.omitted)?;
            }
            if frame.line > 0 {
                writeln!(f, "  at {} ({}:{})", frame.function, frame.file, frame.line)?;
            } else {
                writeln!(f, "  at {} ({})", frame.function, frame.file)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for RuntimeError {}
