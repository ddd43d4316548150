//! [`CaptureHost`]: a host in memory, for tests and the REPL: standard
//! input from a buffer, output captured, no files, no environment, a clock
//! that stands still at 0 and the random seed 0, so that a run is the
//! same every time.

use super::{Host, HostError, HostResult};

#[derive(Default)]
pub struct CaptureHost {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Standard input, read from `input_at` on.
    pub input: Vec<u8>,
    pub input_at: usize,
    pub args: Vec<String>,
}

fn no_files<T>(verb: &str, path: &str) -> HostResult<T> {
    Err(HostError::Fatal(format!(
        "permission denied: {verb} {path}: this host has no file system"
    )))
}

impl Host for CaptureHost {
    fn write_stdout(&mut self, bytes: &[u8]) -> HostResult<()> {
        self.stdout.extend_from_slice(bytes);
        Ok(())
    }

    fn write_stderr(&mut self, bytes: &[u8]) -> HostResult<()> {
        self.stderr.extend_from_slice(bytes);
        Ok(())
    }

    fn read_line(&mut self) -> HostResult<Option<String>> {
        let rest = self.input.get(self.input_at..).unwrap_or_default();
        if rest.is_empty() {
            return Ok(None);
        }
        let end = rest.iter().position(|&b| b == b'\n');
        let mut line = &rest[..end.unwrap_or(rest.len())];
        self.input_at += end.map_or(rest.len(), |e| e + 1);
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        Ok(Some(String::from_utf8_lossy(line).into_owned()))
    }

    fn read_all(&mut self) -> HostResult<String> {
        let rest = self.input.get(self.input_at..).unwrap_or_default();
        let s = String::from_utf8_lossy(rest).into_owned();
        self.input_at = self.input.len();
        Ok(s)
    }

    fn args(&mut self) -> HostResult<Vec<String>> {
        Ok(self.args.clone())
    }

    fn env_var(&mut self, name: &str) -> HostResult<Option<String>> {
        Err(HostError::Fatal(format!(
            "permission denied: reading the environment variable {name}: this host has no environment"
        )))
    }

    fn read_file(&mut self, path: &str) -> HostResult<String> {
        no_files("reading", path)
    }

    fn write_file(&mut self, path: &str, _: &str, _: bool) -> HostResult<()> {
        no_files("writing", path)
    }

    fn exists(&mut self, path: &str) -> HostResult<bool> {
        no_files("checking", path)
    }

    fn list_dir(&mut self, path: &str) -> HostResult<Vec<String>> {
        no_files("listing", path)
    }

    fn remove(&mut self, path: &str) -> HostResult<()> {
        no_files("removing", path)
    }

    fn mkdir(&mut self, path: &str) -> HostResult<()> {
        no_files("creating the folder", path)
    }

    fn now_ms(&mut self) -> HostResult<i64> {
        Ok(0)
    }

    fn monotonic_ns(&mut self) -> HostResult<i64> {
        Ok(0)
    }

    fn sleep_ms(&mut self, _: i64) -> HostResult<()> {
        Ok(())
    }

    fn random_seed(&mut self) -> HostResult<u64> {
        Ok(0)
    }
}
