//! The host a tool runs a program with: what the command line chose
//! ([`HostOptions`], plain data; the options are parsed by the `mvm`
//! crate's `options` module, which `mvlc run` shares), the sandbox and the
//! host those choices make ([`HostOptions::host`]: a [`RunHost`]), and what
//! the run left to report ([`Finished`]).

use super::sandbox::{Access, EnvAccess};
use super::{
    CaptureHost, Grant, Host, HostResult, Input, OsHost, Output, Recorder, Replayer, Sandbox,
};

/// What the host options asked for (`--seed`, `--sandbox`, `--allow-*`,
/// `--max-output`, `--max-time`, `--record`, `--replay`; filled in by
/// `mvm::options::apply_host_option`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostOptions {
    pub seed: Option<u64>,
    pub sandbox: bool,
    pub allow_read: Vec<String>,
    pub allow_write: Vec<String>,
    /// `None`: not named; `Some([])`: every variable.
    pub allow_env: Option<Vec<String>>,
    pub max_output: Option<u64>,
    pub max_time: Option<f64>,
    pub record: Option<String>,
    pub replay: Option<String>,
}

impl HostOptions {
    /// The sandbox these options describe; a message if a granted path
    /// cannot be resolved.
    pub fn sandbox(&self) -> Result<Sandbox, String> {
        let mut sandbox = if self.sandbox {
            Sandbox::nothing()
        } else {
            Sandbox::everything()
        };
        if self.sandbox {
            let grants = |paths: &[String], cwd: &std::path::Path| {
                paths
                    .iter()
                    .map(|p| Grant::new(p, cwd))
                    .collect::<Result<Vec<_>, _>>()
            };
            sandbox.read = Access::Only(grants(&self.allow_read, &sandbox.cwd)?);
            sandbox.write = Access::Only(grants(&self.allow_write, &sandbox.cwd)?);
            sandbox.env = match &self.allow_env {
                Some(names) if names.is_empty() => EnvAccess::All,
                Some(names) => EnvAccess::Only(names.clone()),
                None => EnvAccess::Only(Vec::new()),
            };
        }
        if self.max_output.is_some() {
            sandbox.max_output = self.max_output;
        }
        sandbox.max_time = self.max_time.map(std::time::Duration::from_secs_f64);
        Ok(sandbox)
    }

    /// The host to run a program with `args`: the process's streams, or
    /// with `captured_input` memory streams (tests). A message for a usage
    /// problem (both `--record` and `--replay`, a grant that cannot be
    /// resolved, a recording that cannot be read or written).
    pub fn host(
        &self,
        args: Vec<String>,
        captured_input: Option<Vec<u8>>,
    ) -> Result<RunHost, String> {
        let capture = captured_input.is_some();
        let (stdout, stderr) = if capture {
            (Output::Memory(Vec::new()), Output::Memory(Vec::new()))
        } else {
            (
                Output::Stdout(std::io::BufWriter::with_capacity(
                    1 << 16,
                    std::io::stdout(),
                )),
                Output::Stderr(std::io::stderr()),
            )
        };
        if let Some(path) = &self.replay {
            if self.record.is_some() {
                return Err("--record and --replay cannot be used together".into());
            }
            return Ok(RunHost::Replay(Replayer::open(path, stdout, stderr)?));
        }
        let input = match captured_input {
            Some(bytes) => Input::Memory(std::io::Cursor::new(bytes)),
            None => Input::Process(std::io::stdin().lock()),
        };
        let mut os = OsHost::with_streams(args, self.sandbox()?, input, stdout, stderr);
        os.set_seed(self.seed);
        match &self.record {
            Some(path) => Recorder::create(os, path)
                .map(RunHost::Record)
                .map_err(|e| format!("cannot write the recording `{path}`: {e}")),
            None => Ok(RunHost::Os(os)),
        }
    }
}

/// The host a tool runs a program with.
pub enum RunHost {
    Os(OsHost),
    Record(Recorder<OsHost>),
    Replay(Replayer),
    Capture(CaptureHost),
}

/// What a run left for the tool to report.
#[derive(Default)]
pub struct Finished {
    /// Captured output (memory streams only).
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The first error writing the program's output.
    pub output_error: Option<std::io::Error>,
    /// A replay whose program ended before the recording did: the run
    /// fails with this message (exit code 2).
    pub problem: Option<String>,
    /// The recording could not be written (exit code 74).
    pub record_error: Option<String>,
}

fn take(out: &mut Output) -> Vec<u8> {
    match out {
        Output::Memory(v) => std::mem::take(v),
        _ => Vec::new(),
    }
}

impl RunHost {
    fn host(&mut self) -> &mut dyn Host {
        match self {
            RunHost::Os(h) => h,
            RunHost::Record(h) => h,
            RunHost::Replay(h) => h,
            RunHost::Capture(h) => h,
        }
    }

    /// Flushes everything and says what to report.
    pub fn finish(&mut self) -> Finished {
        let mut f = Finished::default();
        match self {
            RunHost::Os(h) => {
                f.output_error = h.finish();
                f.stdout = take(&mut h.stdout);
                f.stderr = take(&mut h.stderr);
            }
            RunHost::Record(r) => {
                f.output_error = r.inner.finish();
                f.stdout = take(&mut r.inner.stdout);
                f.stderr = take(&mut r.inner.stderr);
                if let Some(e) = r.finish() {
                    f.record_error = Some(format!("cannot write the recording: {e}"));
                }
            }
            RunHost::Replay(r) => {
                let _ = Host::flush(r);
                f.stdout = take(&mut r.stdout);
                f.stderr = take(&mut r.stderr);
                if r.diverged.is_none() && r.unused() > 0 {
                    f.problem = Some(format!(
                        "replay diverged from the recording: the program ended with {} recorded events left",
                        r.unused()
                    ));
                }
            }
            RunHost::Capture(c) => {
                f.stdout = std::mem::take(&mut c.stdout);
                f.stderr = std::mem::take(&mut c.stderr);
            }
        }
        f
    }
}

impl Host for RunHost {
    fn write_stdout(&mut self, bytes: &[u8]) -> HostResult<()> {
        self.host().write_stdout(bytes)
    }
    fn write_stderr(&mut self, bytes: &[u8]) -> HostResult<()> {
        self.host().write_stderr(bytes)
    }
    fn flush(&mut self) -> HostResult<()> {
        self.host().flush()
    }
    fn read_line(&mut self) -> HostResult<Option<String>> {
        self.host().read_line()
    }
    fn read_all(&mut self) -> HostResult<String> {
        self.host().read_all()
    }
    fn args(&mut self) -> HostResult<Vec<String>> {
        self.host().args()
    }
    fn env_var(&mut self, name: &str) -> HostResult<Option<String>> {
        self.host().env_var(name)
    }
    fn read_file(&mut self, path: &str) -> HostResult<String> {
        self.host().read_file(path)
    }
    fn write_file(&mut self, path: &str, text: &str, append: bool) -> HostResult<()> {
        self.host().write_file(path, text, append)
    }
    fn exists(&mut self, path: &str) -> HostResult<bool> {
        self.host().exists(path)
    }
    fn list_dir(&mut self, path: &str) -> HostResult<Vec<String>> {
        self.host().list_dir(path)
    }
    fn remove(&mut self, path: &str) -> HostResult<()> {
        self.host().remove(path)
    }
    fn mkdir(&mut self, path: &str) -> HostResult<()> {
        self.host().mkdir(path)
    }
    fn now_ms(&mut self) -> HostResult<i64> {
        self.host().now_ms()
    }
    fn monotonic_ns(&mut self) -> HostResult<i64> {
        self.host().monotonic_ns()
    }
    fn sleep_ms(&mut self, ms: i64) -> HostResult<()> {
        self.host().sleep_ms(ms)
    }
    fn random_seed(&mut self) -> HostResult<u64> {
        self.host().random_seed()
    }
    fn check_limits(&mut self) -> Result<(), String> {
        self.host().check_limits()
    }
}
