//! [`OsHost`]: the real operating system, the one place in the runtime
//! that touches it, always through the capabilities of its [`Sandbox`].

use super::sandbox::{is_escape, Need, Place, Sandbox};
use super::{Host, HostError, HostResult};
use std::io::{BufRead, Read, Write};
use std::time::{Duration, Instant, SystemTime};

/// Where standard input comes from.
pub enum Input {
    /// The process's standard input.
    Process(std::io::StdinLock<'static>),
    /// These bytes (tests).
    Memory(std::io::Cursor<Vec<u8>>),
}

/// Where standard output or error goes.
pub enum Output {
    /// The process's standard output, buffered.
    Stdout(std::io::BufWriter<std::io::Stdout>),
    /// The process's standard error, unbuffered.
    Stderr(std::io::Stderr),
    /// Memory (tests).
    Memory(Vec<u8>),
}

impl Output {
    fn stdout() -> Output {
        Output::Stdout(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout(),
        ))
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(bytes),
            Output::Stderr(w) => w.write_all(bytes),
            Output::Memory(v) => {
                v.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::Stderr(w) => w.flush(),
            Output::Memory(_) => Ok(()),
        }
    }

    /// What was written, for a memory output.
    pub fn captured(&self) -> &[u8] {
        match self {
            Output::Memory(v) => v,
            _ => &[],
        }
    }
}

/// The operating system as the program's host.
pub struct OsHost {
    pub sandbox: Sandbox,
    args: Vec<String>,
    input: Input,
    pub stdout: Output,
    pub stderr: Output,
    /// The first error writing the output met; once set, nothing more is
    /// written.
    error: Option<std::io::Error>,
    /// Bytes written to stdout and stderr (for `--max-output`).
    written: u64,
    started: Instant,
    /// `--seed N`: the random seed, instead of one from the system.
    seed: Option<u64>,
}

impl OsHost {
    /// The process's own streams.
    pub fn new(args: Vec<String>, sandbox: Sandbox) -> OsHost {
        OsHost::with_streams(
            args,
            sandbox,
            Input::Process(std::io::stdin().lock()),
            Output::stdout(),
            Output::Stderr(std::io::stderr()),
        )
    }

    /// Given streams (tests capture output in memory).
    pub fn with_streams(
        args: Vec<String>,
        sandbox: Sandbox,
        input: Input,
        stdout: Output,
        stderr: Output,
    ) -> OsHost {
        OsHost {
            sandbox,
            args,
            input,
            stdout,
            stderr,
            error: None,
            written: 0,
            started: Instant::now(),
            seed: None,
        }
    }

    /// Fixes the random seed (`--seed N`).
    pub fn set_seed(&mut self, seed: Option<u64>) {
        self.seed = seed;
    }

    /// Flushes what is buffered and returns the first error writing met, if
    /// any: the tool turns it into exit code [`super::EXIT_OUTPUT_ERROR`],
    /// with a message unless it is a closed pipe (which, as for Unix tools,
    /// only means the reader has seen enough).
    pub fn finish(&mut self) -> Option<std::io::Error> {
        let _ = Host::flush(self);
        self.error.take()
    }

    fn write(&mut self, to_stderr: bool, bytes: &[u8]) -> HostResult<()> {
        if let Some(e) = &self.error {
            return Err(HostError::Failed(e.to_string()));
        }
        if let Some(max) = self.sandbox.max_output {
            if self.written + bytes.len() as u64 > max {
                return Err(HostError::Fatal(format!(
                    "output limit exceeded: the program wrote more than {max} bytes (the `--max-output` limit)"
                )));
            }
        }
        self.written += bytes.len() as u64;
        let out = if to_stderr {
            // Standard error shows after what standard output has so far.
            if let Err(e) = self.stdout.flush() {
                return Err(self.failed(e));
            }
            &mut self.stderr
        } else {
            &mut self.stdout
        };
        out.write_all(bytes).map_err(|e| self.failed(e))
    }

    fn failed(&mut self, e: std::io::Error) -> HostError {
        let message = e.to_string();
        self.error.get_or_insert(e);
        HostError::Failed(message)
    }

    /// The time left under `--max-time`, if it applies.
    fn time_left(&self) -> Option<Duration> {
        self.sandbox
            .max_time
            .map(|max| max.saturating_sub(self.started.elapsed()))
    }

    fn out_of_time(&self) -> String {
        let max = self.sandbox.max_time.unwrap_or_default();
        format!(
            "out of time: the program ran longer than {} seconds (the `--max-time` limit)",
            max.as_secs_f64()
        )
    }
}

/// The message of a failed file operation: the path as the program wrote
/// it and the system's reason.
fn os_error(verb: &str, path: &str, e: std::io::Error) -> HostError {
    if is_escape(&e) {
        let flag = if verb == "reading" || verb == "listing" {
            "--allow-read"
        } else {
            "--allow-write"
        };
        return HostError::Fatal(format!(
            "permission denied: {verb} {path} leads outside what {flag} grants"
        ));
    }
    HostError::Failed(format!("{verb} {path}: {e}"))
}

/// Text of bytes that should be UTF-8.
fn text(verb: &str, path: &str, bytes: Vec<u8>) -> HostResult<String> {
    String::from_utf8(bytes)
        .map_err(|_| HostError::Failed(format!("{verb} {path}: the file is not valid UTF-8 text")))
}

/// Refuses a file with several hard links under the sandbox: another of
/// its names may lie outside the grant.
#[cfg(unix)]
fn check_links(verb: &str, path: &str, meta: &std::fs::Metadata, flag: &str) -> HostResult<()> {
    use std::os::unix::fs::MetadataExt;
    if meta.is_file() && meta.nlink() > 1 {
        return Err(HostError::Fatal(format!(
            "permission denied: {verb} {path}: the file has {} hard links, and another may lie outside what {flag} grants",
            meta.nlink()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_links(_: &str, _: &str, _: &std::fs::Metadata, _: &str) -> HostResult<()> {
    Ok(())
}

impl Host for OsHost {
    fn write_stdout(&mut self, bytes: &[u8]) -> HostResult<()> {
        self.write(false, bytes)
    }

    fn write_stderr(&mut self, bytes: &[u8]) -> HostResult<()> {
        self.write(true, bytes)
    }

    fn flush(&mut self) -> HostResult<()> {
        if let Some(e) = &self.error {
            return Err(HostError::Failed(e.to_string()));
        }
        self.stdout.flush().map_err(|e| self.failed(e))?;
        self.stderr.flush().map_err(|e| self.failed(e))
    }

    fn read_line(&mut self) -> HostResult<Option<String>> {
        let mut line = Vec::new();
        let n = match &mut self.input {
            Input::Process(r) => r.read_until(b'\n', &mut line),
            Input::Memory(r) => r.read_until(b'\n', &mut line),
        }
        .map_err(|e| HostError::Failed(format!("reading standard input: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        Ok(Some(match String::from_utf8(line) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }))
    }

    fn read_all(&mut self) -> HostResult<String> {
        let mut all = Vec::new();
        match &mut self.input {
            Input::Process(r) => r.read_to_end(&mut all),
            Input::Memory(r) => r.read_to_end(&mut all),
        }
        .map_err(|e| HostError::Failed(format!("reading standard input: {e}")))?;
        Ok(match String::from_utf8(all) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    fn args(&mut self) -> HostResult<Vec<String>> {
        Ok(self.args.clone())
    }

    fn env_var(&mut self, name: &str) -> HostResult<Option<String>> {
        self.sandbox.check_env(name)?;
        if name.is_empty() || name.contains(['=', '\0']) {
            return Ok(None);
        }
        Ok(std::env::var(name).ok())
    }

    fn read_file(&mut self, path: &str) -> HostResult<String> {
        let verb = "reading";
        match self.sandbox.place(path, Need::Read, verb)? {
            Place::Ambient(p) => {
                let bytes = std::fs::read(p).map_err(|e| os_error(verb, path, e))?;
                text(verb, path, bytes)
            }
            Place::Confined(dir, rel) => {
                let file = dir.open(&rel).map_err(|e| os_error(verb, path, e))?;
                let mut file = file.into_std();
                let meta = file.metadata().map_err(|e| os_error(verb, path, e))?;
                check_links(verb, path, &meta, "--allow-read")?;
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes)
                    .map_err(|e| os_error(verb, path, e))?;
                text(verb, path, bytes)
            }
        }
    }

    fn write_file(&mut self, path: &str, text: &str, append: bool) -> HostResult<()> {
        let verb = if append { "appending to" } else { "writing" };
        let mut file = match self.sandbox.place(path, Need::Write, verb)? {
            Place::Ambient(p) => std::fs::OpenOptions::new()
                .create(true)
                .append(append)
                .write(true)
                .truncate(!append)
                .open(p)
                .map_err(|e| os_error(verb, path, e))?,
            Place::Confined(dir, rel) => {
                // Opened without truncating, so that a refused file is
                // left as it was.
                let mut options = cap_std::fs::OpenOptions::new();
                options.create(true).write(true).append(append);
                let file = dir
                    .open_with(&rel, &options)
                    .map_err(|e| os_error(verb, path, e))?
                    .into_std();
                let meta = file.metadata().map_err(|e| os_error(verb, path, e))?;
                check_links(verb, path, &meta, "--allow-write")?;
                if !append {
                    file.set_len(0).map_err(|e| os_error(verb, path, e))?;
                }
                file
            }
        };
        file.write_all(text.as_bytes())
            .map_err(|e| os_error(verb, path, e))
    }

    fn exists(&mut self, path: &str) -> HostResult<bool> {
        Ok(match self.sandbox.place_any(path)? {
            Place::Ambient(p) => p.exists(),
            Place::Confined(dir, rel) => dir.exists(rel),
        })
    }

    fn list_dir(&mut self, path: &str) -> HostResult<Vec<String>> {
        let verb = "listing";
        let entries: Vec<std::io::Result<std::ffi::OsString>> =
            match self.sandbox.place(path, Need::Read, verb)? {
                Place::Ambient(p) => std::fs::read_dir(p)
                    .map_err(|e| os_error(verb, path, e))?
                    .map(|e| e.map(|e| e.file_name()))
                    .collect(),
                Place::Confined(dir, rel) => dir
                    .read_dir(rel)
                    .map_err(|e| os_error(verb, path, e))?
                    .map(|e| e.map(|e| e.file_name()))
                    .collect(),
            };
        let mut names = Vec::with_capacity(entries.len());
        for e in entries {
            let name = e.map_err(|e| os_error(verb, path, e))?;
            names.push(name.to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }

    fn remove(&mut self, path: &str) -> HostResult<()> {
        let verb = "removing";
        match self.sandbox.place(path, Need::Write, verb)? {
            Place::Ambient(p) => {
                let meta = std::fs::symlink_metadata(&p).map_err(|e| os_error(verb, path, e))?;
                if meta.is_dir() {
                    std::fs::remove_dir(&p)
                } else {
                    std::fs::remove_file(&p)
                }
            }
            Place::Confined(dir, rel) => {
                let meta = dir
                    .symlink_metadata(&rel)
                    .map_err(|e| os_error(verb, path, e))?;
                if meta.is_dir() {
                    dir.remove_dir(&rel)
                } else {
                    dir.remove_file(&rel)
                }
            }
        }
        .map_err(|e| os_error(verb, path, e))
    }

    fn mkdir(&mut self, path: &str) -> HostResult<()> {
        let verb = "creating the folder";
        match self.sandbox.place(path, Need::Write, verb)? {
            Place::Ambient(p) => std::fs::create_dir_all(p),
            Place::Confined(dir, rel) => dir.create_dir_all(rel),
        }
        .map_err(|e| os_error(verb, path, e))
    }

    fn now_ms(&mut self) -> HostResult<i64> {
        let since = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        Ok(since.as_millis().min(i64::MAX as u128) as i64)
    }

    fn monotonic_ns(&mut self) -> HostResult<i64> {
        Ok(self.started.elapsed().as_nanos().min(i64::MAX as u128) as i64)
    }

    fn sleep_ms(&mut self, ms: i64) -> HostResult<()> {
        let wanted = Duration::from_millis(ms.max(0) as u64);
        match self.time_left() {
            Some(left) if left < wanted => {
                std::thread::sleep(left);
                Err(HostError::Fatal(self.out_of_time()))
            }
            _ => {
                std::thread::sleep(wanted);
                Ok(())
            }
        }
    }

    fn random_seed(&mut self) -> HostResult<u64> {
        if let Some(seed) = self.seed {
            return Ok(seed);
        }
        // The system's randomness as std exposes it: the keys of a new
        // hasher, mixed with the clock.
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        Ok(h.finish())
    }

    fn check_limits(&mut self) -> Result<(), String> {
        match self.time_left() {
            Some(left) if left.is_zero() => Err(self.out_of_time()),
            _ => Ok(()),
        }
    }
}

impl Drop for OsHost {
    fn drop(&mut self) {
        if self.error.is_none() {
            let _ = self.stdout.flush();
        }
    }
}
