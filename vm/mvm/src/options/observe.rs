//! The options that switch observers on ([`OBSERVE_OPTIONS`]), each
//! naming the file to write, applied to the runtime's `ObserveOptions`
//! ([`apply_observe_option`]), which makes the observers and writes what
//! they saw.

use mvm_runtime::ObserveOptions;

/// The options of `mvlc run` and `mvm run` that switch observers on, each
/// naming the file to write.
pub const OBSERVE_OPTIONS: &str =
    "  --profile FILE    write the instructions executed per call stack (folded stacks)
  --profile-svg FILE        the same as a flame graph (SVG)
  --profile-alloc FILE      the bytes allocated per call stack (folded stacks)
  --profile-alloc-svg FILE  the same as a flame graph (SVG)
  --coverage FILE   write line and function coverage (an lcov tracefile)
  --stats           print instructions executed, calls and allocations on stderr
";

/// Applies one option of [`OBSERVE_OPTIONS`] to `observe` (its file after
/// `=` or as the next argument): `Ok(None)` if `flag` is not one,
/// `Ok(Some(n))` with the arguments it took, or a message.
pub fn apply_observe_option(
    observe: &mut ObserveOptions,
    flag: &str,
    value: Option<&str>,
) -> Result<Option<usize>, String> {
    if let Some(rest) = flag.strip_prefix("--stats") {
        if rest.is_empty() {
            observe.stats = true;
            return Ok(Some(1));
        }
        if rest.starts_with('=') {
            return Err("--stats takes no value".to_string());
        }
    }
    let (flag, value, taken) = match flag.split_once('=') {
        Some((name, inline)) => (name, Some(inline), 1),
        None => (flag, value, 2),
    };
    let slot = match flag {
        "--profile" => &mut observe.profile,
        "--profile-svg" => &mut observe.profile_svg,
        "--profile-alloc" => &mut observe.profile_alloc,
        "--profile-alloc-svg" => &mut observe.profile_alloc_svg,
        "--coverage" => &mut observe.coverage,
        _ => return Ok(None),
    };
    match value {
        Some(v) if !v.is_empty() => {
            *slot = Some(v.to_string());
            Ok(Some(taken))
        }
        _ => Err(format!("{flag} needs a FILE to write")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observe_options_name_their_files() {
        let mut o = ObserveOptions::default();
        let mut apply = |flag, value| apply_observe_option(&mut o, flag, value);
        assert_eq!(apply("--profile", Some("p.folded")), Ok(Some(2)));
        assert_eq!(apply("--coverage=c.info", Some("x")), Ok(Some(1)));
        assert_eq!(apply("--stats", Some("x")), Ok(Some(1)));
        assert_eq!(apply("--statsx", None), Ok(None));
        assert_eq!(apply("--seed", Some("1")), Ok(None));
        assert_eq!(
            apply("--stats=yes", None),
            Err("--stats takes no value".to_string())
        );
        assert_eq!(
            apply("--profile-svg=", None),
            Err("--profile-svg needs a FILE to write".to_string())
        );
        assert_eq!(
            o,
            ObserveOptions {
                profile: Some("p.folded".into()),
                coverage: Some("c.info".into()),
                stats: true,
                ..ObserveOptions::default()
            }
        );
    }
}
