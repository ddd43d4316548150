//! The command-line options of running a program that `mvlc run` and
//! `mvm run` share, parsed here once for both: the VM's limits
//! (`limits.rs`: [`LIMIT_OPTIONS`], [`apply_limit_option`], sizes with a
//! K, M or G suffix in [`parse_size`]), the host's (`host.rs`:
//! [`HOST_OPTIONS`], [`apply_host_option`]) and the observers' (`observe.rs`:
//! [`OBSERVE_OPTIONS`], [`apply_observe_option`]), their help text
//! ([`help`]) and all three at once ([`RunOptions`]).
//!
//! [`RunOptions::apply`] splits each argument once into an [`OptionArg`]:
//! the option's name, its value after `=` if it has one, and the next
//! argument. So every option that takes a value takes it either way,
//! `--fuel=10` or `--fuel 10`, and one that takes none refuses
//! `--stats=yes`.
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
        "{LIMIT_OPTIONS}{HOST_OPTIONS}\nProfiler, coverage and statistics (written however the program ends):\n{OBSERVE_OPTIONS}\nAn option's value is the next argument or follows `=`: --fuel 10 or --fuel=10\n(--allow-env's only after `=`).\n"
    )
}

/// One command-line argument as [`RunOptions::apply`] splits it for the
/// parsers of each kind of option: the option's name (`--fuel`), its value
/// after `=` if it has one (`--fuel=10`), and the argument after it, the
/// value otherwise (`--fuel 10`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptionArg<'a> {
    name: &'a str,
    inline: Option<&'a str>,
    next: Option<&'a str>,
    took_next: bool,
}

impl<'a> OptionArg<'a> {
    /// Splits `arg` (`--name=value` or `--name`), followed by `next` on
    /// the command line. An argument not starting with `--` (a file) is
    /// its own name, with no inline value.
    pub fn split(arg: &'a str, next: Option<&'a str>) -> OptionArg<'a> {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if arg.starts_with("--") => (name, Some(value)),
            _ => (arg, None),
        };
        OptionArg {
            name,
            inline,
            next,
            took_next: false,
        }
    }

    /// The option's name, without any `=value`.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The value of an option that needs one: after `=`, or else the next
    /// argument (which it then takes). Missing or empty, the message
    /// "NAME needs WHAT".
    pub fn value(&mut self, what: &str) -> Result<&'a str, String> {
        let value = match self.inline {
            Some(v) => Some(v),
            None => {
                self.took_next = self.next.is_some();
                self.next
            }
        };
        value
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("{} needs {what}", self.name))
    }

    /// The value after `=` of an option whose value is optional (it never
    /// takes the next argument).
    pub fn inline_value(&self) -> Option<&'a str> {
        self.inline
    }

    /// For an option that takes no value: a message if it was given one
    /// after `=`.
    pub fn no_value(&self) -> Result<(), String> {
        match self.inline {
            Some(_) => Err(format!("{} takes no value", self.name)),
            None => Ok(()),
        }
    }

    /// The number of arguments the option took: 2 if its value was the
    /// next argument, else 1.
    pub fn taken(&self) -> usize {
        if self.took_next {
            2
        } else {
            1
        }
    }
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

    /// Applies the option `arg` of [`help`], its value after `=` or the
    /// next argument `next`: `Ok(None)` if `arg` is none of them,
    /// `Ok(Some(n))` with the number of arguments it took (1 or 2), or a
    /// message for a missing or bad value, or a value given to an option
    /// that takes none.
    pub fn apply(&mut self, arg: &str, next: Option<&str>) -> Result<Option<usize>, String> {
        let mut option = OptionArg::split(arg, next);
        let known = apply_observe_option(&mut self.observe, &mut option)?
            || apply_limit_option(&mut self.config, &mut option)?
            || apply_host_option(&mut self.host, &mut option)?;
        Ok(known.then(|| option.taken()))
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
        assert_eq!(o.apply("a=b.mvl", Some("x")), Ok(None));
        assert_eq!(o.apply("--frobnicate", None), Ok(None));
        assert_eq!(o.apply("--frobnicate=1", None), Ok(None));
        assert!(o.apply("--max-time", Some("0")).is_err());
        assert_eq!(
            o.apply("--gc-stress=yes", None),
            Err("--gc-stress takes no value".to_string())
        );
        assert!(o.observe.stats);
        assert_eq!(o.observe.coverage.as_deref(), Some("c.info"));
        assert_eq!(o.config.fuel, Some(10));
        assert_eq!(o.host.seed, Some(7));
    }

    /// Every option that takes a value takes it after `=` or as the next
    /// argument, one kind like another.
    #[test]
    fn values_follow_an_equals_sign_or_come_next() {
        for (arg, value) in [
            ("--max-stack", "5"),
            ("--fuel", "10"),
            ("--max-heap", "2M"),
            ("--seed", "7"),
            ("--allow-read", "data"),
            ("--allow-write", "out"),
            ("--max-output", "1K"),
            ("--max-time", "2"),
            ("--record", "r.rec"),
            ("--replay", "r.rec"),
            ("--profile", "p.folded"),
            ("--profile-svg", "p.svg"),
            ("--profile-alloc", "a.folded"),
            ("--profile-alloc-svg", "a.svg"),
            ("--coverage", "c.info"),
        ] {
            let mut inline = RunOptions::from_env();
            let joined = format!("{arg}={value}");
            assert_eq!(inline.apply(&joined, Some("main.mvb")), Ok(Some(1)));
            let mut next = RunOptions::from_env();
            assert_eq!(next.apply(arg, Some(value)), Ok(Some(2)));
            assert_eq!(inline, next, "{arg}");
            assert_ne!(inline, RunOptions::from_env(), "{arg}");
            let missing = next.apply(arg, None).expect_err("a missing value");
            assert!(missing.starts_with(&format!("{arg} needs ")), "{missing}");
        }
        for flag in ["--gc-stress", "--sandbox", "--stats"] {
            let mut o = RunOptions::from_env();
            assert_eq!(o.apply(flag, Some("main.mvb")), Ok(Some(1)));
            assert_eq!(
                o.apply(&format!("{flag}=1"), None),
                Err(format!("{flag} takes no value"))
            );
        }
    }

    #[test]
    fn the_help_lists_every_kind() {
        let text = help();
        for flag in ["--max-heap", "--allow-read", "--profile-svg", "--stats"] {
            assert!(text.contains(flag), "{flag} missing from\n{text}");
        }
    }
}
