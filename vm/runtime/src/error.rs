//! Runtime errors: a message and the MVL stack trace at the point of
//! failure, innermost frame first, rendered as
//!
//! ```text
//! error: integer overflow
//!   at fact (examples/overflow.mvl:3)
//!   at main (examples/overflow.mvl:9)
//! ```

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
    /// Innermost first.
    pub trace: Vec<TraceFrame>,
}

/// Traces longer than this show their two ends only.
const SHOWN_AT_EACH_END: usize = 10;

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        let n = self.trace.len();
        for (i, frame) in self.trace.iter().enumerate() {
            if n > 2 * SHOWN_AT_EACH_END && i == SHOWN_AT_EACH_END {
                writeln!(f, "  ... {} more frames ...", n - 2 * SHOWN_AT_EACH_END)?;
            }
            if n > 2 * SHOWN_AT_EACH_END && (SHOWN_AT_EACH_END..n - SHOWN_AT_EACH_END).contains(&i)
            {
                continue;
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
