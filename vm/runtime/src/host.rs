//! The host interface: every effect a program has on the world crosses
//! [`Host`], so that it can be captured (tests), sandboxed, recorded and
//! replayed. Today that is standard output; clock, randomness, files and
//! network join here.

use std::io::Write;

pub trait Host {
    /// Writes program output.
    fn write_stdout(&mut self, bytes: &[u8]);
    /// Makes written output visible (before exiting, say).
    fn flush(&mut self) {}
}

/// The process's real standard output, buffered.
pub struct StdHost {
    out: std::io::BufWriter<std::io::Stdout>,
}

impl StdHost {
    pub fn new() -> StdHost {
        StdHost {
            out: std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()),
        }
    }
}

impl Default for StdHost {
    fn default() -> Self {
        StdHost::new()
    }
}

impl Host for StdHost {
    fn write_stdout(&mut self, bytes: &[u8]) {
        // A closed pipe is not the program's error: output is dropped.
        let _ = self.out.write_all(bytes);
    }

    fn flush(&mut self) {
        let _ = self.out.flush();
    }
}

impl Drop for StdHost {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

/// Output captured in memory (tests, the language server, the REPL).
#[derive(Default)]
pub struct CaptureHost {
    pub stdout: Vec<u8>,
}

impl Host for CaptureHost {
    fn write_stdout(&mut self, bytes: &[u8]) {
        self.stdout.extend_from_slice(bytes);
    }
}
