//! The host interface: every effect a program has on the world crosses
//! [`Host`], so that it can be captured (tests), sandboxed, recorded and
//! replayed. Today that is standard output; clock, randomness, files and
//! network join here.

use std::io::Write;

pub trait Host {
    /// Writes program output. An error (a closed pipe, a full disk) ends
    /// the program: the native that wrote stops it, and the tool reports the
    /// error (see [`StdHost::finish`]).
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// Makes written output visible (before exiting, say).
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The exit code a program ends with when its output cannot be written
/// (sysexits' EX_IOERR).
pub const EXIT_OUTPUT_ERROR: i32 = 74;

/// The process's real standard output, buffered.
pub struct StdHost {
    out: std::io::BufWriter<std::io::Stdout>,
    /// The first write error; once set, nothing more is written.
    error: Option<std::io::Error>,
}

impl StdHost {
    pub fn new() -> StdHost {
        StdHost {
            out: std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()),
            error: None,
        }
    }

    fn failed(&mut self, e: std::io::Error) -> std::io::Error {
        let copy = std::io::Error::new(e.kind(), e.to_string());
        self.error.get_or_insert(e);
        copy
    }

    /// Flushes what is buffered and returns the first error writing met, if
    /// any: the tool turns it into exit code [`EXIT_OUTPUT_ERROR`], with a
    /// message unless it is a closed pipe (which, as for Unix tools, only
    /// means the reader has seen enough).
    pub fn finish(&mut self) -> Option<std::io::Error> {
        let _ = Host::flush(self);
        self.error.take()
    }
}

impl Default for StdHost {
    fn default() -> Self {
        StdHost::new()
    }
}

impl Host for StdHost {
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(e) = &self.error {
            return Err(std::io::Error::new(e.kind(), e.to_string()));
        }
        self.out.write_all(bytes).map_err(|e| self.failed(e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if let Some(e) = &self.error {
            return Err(std::io::Error::new(e.kind(), e.to_string()));
        }
        self.out.flush().map_err(|e| self.failed(e))
    }
}

impl Drop for StdHost {
    fn drop(&mut self) {
        if self.error.is_none() {
            let _ = self.out.flush();
        }
    }
}

/// Output captured in memory (tests, the language server, the REPL).
#[derive(Default)]
pub struct CaptureHost {
    pub stdout: Vec<u8>,
}

impl Host for CaptureHost {
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stdout.extend_from_slice(bytes);
        Ok(())
    }
}
