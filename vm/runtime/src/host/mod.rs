//! The host interface: every effect a program has on the world crosses
//! [`Host`] (standard input, output and error, program arguments, the
//! environment, files, clocks, sleeping and the random seed), so that it
//! can be captured (tests), sandboxed, recorded and replayed. Nothing else
//! in the workspace's runtime or standard library touches the operating
//! system.
//!
//! | host | what it is |
//! | --- | --- |
//! | [`OsHost`] (`os.rs`) | the real operating system, through the capabilities of a [`Sandbox`] (`sandbox.rs`): everything by default, only what `--allow-*` names under `--sandbox` |
//! | [`Recorder`] (`record.rs`) | wraps another host and writes every call and its result to a recording |
//! | [`Replayer`] (`record.rs`) | answers every call from a recording, touching nothing |
//! | [`CaptureHost`] (`capture.rs`) | memory only: given input, captured output, no files or environment (tests, the REPL) |
//!
//! [`HostOptions`] (`run.rs`) is what the command-line options that choose
//! and restrict a host asked for (parsed by the `mvm` crate's `options`
//! module, shared by `mvlc run` and `mvm run`); it builds the [`RunHost`]
//! a tool runs a program with.

mod capture;
mod os;
mod record;
mod run;
mod sandbox;

pub use capture::CaptureHost;
pub use os::{Input, OsHost, Output};
pub use record::{Recorder, Replayer, RECORD_FORMAT_VERSION};
pub use run::{Finished, HostOptions, RunHost};
pub use sandbox::{Grant, Sandbox, DEFAULT_MAX_OUTPUT};

/// How a host call can fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostError {
    /// The call may not be made (the sandbox refuses it, a limit is passed,
    /// a replay diverges): a runtime error with this message, which ends
    /// the program with its stack trace.
    Fatal(String),
    /// The operating system refused (a missing file, a full disk): the
    /// message names the path and the system's reason, and the program
    /// sees it as a value (`Err(message)`).
    Failed(String),
}

pub type HostResult<T> = Result<T, HostError>;

/// The one interface for effects. Paths are as the program wrote them;
/// the host resolves them (relative to the working directory).
pub trait Host {
    /// Writes program output. A `Failed` error (a closed pipe, a full disk)
    /// ends the program with exit code [`EXIT_OUTPUT_ERROR`]; the host keeps
    /// the error for the tool to report (see [`OsHost::finish`]).
    fn write_stdout(&mut self, bytes: &[u8]) -> HostResult<()>;
    /// Writes to standard error (`eprint`), as `write_stdout`.
    fn write_stderr(&mut self, bytes: &[u8]) -> HostResult<()>;
    /// Makes written output visible (before exiting, say).
    fn flush(&mut self) -> HostResult<()> {
        Ok(())
    }
    /// One line of standard input without its line ending (`\n` or
    /// `\r\n`); `None` at the end of input.
    fn read_line(&mut self) -> HostResult<Option<String>>;
    /// The rest of standard input.
    fn read_all(&mut self) -> HostResult<String>;
    /// The program's arguments (after the file name).
    fn args(&mut self) -> HostResult<Vec<String>>;
    /// An environment variable; `None` if unset (or not valid UTF-8).
    fn env_var(&mut self, name: &str) -> HostResult<Option<String>>;
    /// The whole text of a file.
    fn read_file(&mut self, path: &str) -> HostResult<String>;
    /// Writes (or with `append`, appends) `text` to a file, creating it.
    fn write_file(&mut self, path: &str, text: &str, append: bool) -> HostResult<()>;
    /// Whether something exists at `path`.
    fn exists(&mut self, path: &str) -> HostResult<bool>;
    /// The names in a folder, sorted.
    fn list_dir(&mut self, path: &str) -> HostResult<Vec<String>>;
    /// Removes a file or an empty folder.
    fn remove(&mut self, path: &str) -> HostResult<()>;
    /// Creates a folder and any missing parents.
    fn mkdir(&mut self, path: &str) -> HostResult<()>;
    /// Wall-clock time: milliseconds since the Unix epoch.
    fn now_ms(&mut self) -> HostResult<i64>;
    /// A monotonic clock in nanoseconds (from an arbitrary start).
    fn monotonic_ns(&mut self) -> HostResult<i64>;
    /// Sleeps for `ms` milliseconds (0 or less: not at all).
    fn sleep_ms(&mut self, ms: i64) -> HostResult<()>;
    /// The seed of the VM's random generator, asked for once, when the
    /// program first draws a random number without calling `random::seed`.
    fn random_seed(&mut self) -> HostResult<u64>;
    /// Asked between slices of execution: an error (`--max-time` passed)
    /// ends the program with this message.
    fn check_limits(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// The exit code a program ends with when its output cannot be written
/// (sysexits' EX_IOERR).
pub const EXIT_OUTPUT_ERROR: i32 = 74;
