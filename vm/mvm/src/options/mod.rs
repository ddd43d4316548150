//! The command-line options of running a program that `mvlc run` and
//! `mvm run` share, parsed here once for both: the VM's limits
//! (`limits.rs`: [`LIMIT_OPTIONS`], [`apply_limit_option`], sizes with a
//! K, M or G suffix in [`parse_size`]), the host's (`host.rs`:
//! [`HOST_OPTIONS`], [`apply_host_option`]) and the observers' (`observe.rs`:
//! [`OBSERVE_OPTIONS`], [`apply_observe_option`]), their help text
//! ([`help`]) and all three at once ([`RunOptions`]).
//!
//! The runtime sees only what they produce, plain data it acts on:
//! `mvm_runtime::VmConfig` (the interpreter and the heap),
//! `mvm_runtime::HostOptions` (which builds the host, `HostOptions::host`)
//! and `mvm_runtime::ObserveOptions` (which makes the observers and writes
//! what they saw).

mod host;
mod limits;
mod observe;

pub use host::{apply_host_option, HOST_OPTIONS};
pub use limits::{apply_limit_option, parse_size, LIMIT_OPTIONS};
pub use observe::{apply_observe_option, OBSERVE_OPTIONS};

use mvm_runtime::{HostOptions, ObserveOptions, VmConfig};

/// The help text of every option [`RunOptions::apply`] takes, for the
/// tools' `run --help`.
pub fn help() -> String {
    format!(
        "{LIMIT_OPTIONS}{HOST_OPTIONS}\nProfiler, coverage and statistics (written however the program ends):\n{OBSERVE_OPTIONS}"
    )
}

/// What the shared options of a run chose.
#[derive(Clone, Debug, PartialEq)]
pub struct RunOptions {
    /// The VM's limits.
    pub config: VmConfig,
    /// The host to run with.
    pub host: HostOptions,
    /// The observers, and the files they write.
    pub observe: ObserveOptions,
}

impl RunOptions {
    /// No option given: the default limits with those the environment
    /// sets (`VmConfig::from_env`), the operating system's host, no
    /// observers.
    pub fn from_env() -> RunOptions {
        RunOptions {
            config: VmConfig::from_env(),
            host: HostOptions::default(),
            observe: ObserveOptions::default(),
        }
    }

    /// Applies one option of [`help`], its value after `=` or the next
    /// argument `value`: `Ok(None)` if `flag` is none of them,
    /// `Ok(Some(n))` with the number of arguments it took (1 or 2), or a
    /// message for a bad value.
    pub fn apply(&mut self, flag: &str, value: Option<&str>) -> Result<Option<usize>, String> {
        if let Some(n) = apply_observe_option(&mut self.observe, flag, value)? {
            return Ok(Some(n));
        }
        if let Some(n) = apply_limit_option(&mut self.config, flag, value)? {
            return Ok(Some(n));
        }
        apply_host_option(&mut self.host, flag, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_options_try_each_kind() {
        let mut o = RunOptions::from_env();
        assert_eq!(o.apply("--stats", None), Ok(Some(1)));
        assert_eq!(o.apply("--fuel", Some("10")), Ok(Some(2)));
        assert_eq!(o.apply("--seed=7", Some("x")), Ok(Some(1)));
        assert_eq!(o.apply("--coverage", Some("c.info")), Ok(Some(2)));
        assert_eq!(o.apply("main.mvl", Some("x")), Ok(None));
        assert_eq!(o.apply("--frobnicate", None), Ok(None));
        assert!(o.apply("--max-time", Some("0")).is_err());
        assert!(o.observe.stats);
        assert_eq!(o.observe.coverage.as_deref(), Some("c.info"));
        assert_eq!(o.config.fuel, Some(10));
        assert_eq!(o.host.seed, Some(7));
    }

    #[test]
    fn the_help_lists_every_kind() {
        let text = help();
        for flag in ["--max-heap", "--allow-read", "--profile-svg", "--stats"] {
            assert!(text.contains(flag), "{flag} missing from\n{text}");
        }
    }
}
