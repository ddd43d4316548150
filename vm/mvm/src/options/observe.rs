//! The options that switch observers on ([`OBSERVE_OPTIONS`]), each
//! naming the file to write, applied to the runtime's `ObserveOptions`
//! ([`apply_observe_option`]), which makes the observers and writes what
//! they saw.

use super::OptionArg;
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
/// `=` or as the next argument): `Ok(false)` if `option` is not one,
/// `Ok(true)` once applied, or a message.
pub fn apply_observe_option(
    observe: &mut ObserveOptions,
    option: &mut OptionArg,
) -> Result<bool, String> {
    let slot = match option.name() {
        "--stats" => {
            option.no_value()?;
            observe.stats = true;
            return Ok(true);
        }
        "--profile" => &mut observe.profile,
        "--profile-svg" => &mut observe.profile_svg,
        "--profile-alloc" => &mut observe.profile_alloc,
        "--profile-alloc-svg" => &mut observe.profile_alloc_svg,
        "--coverage" => &mut observe.coverage,
        _ => return Ok(false),
    };
    *slot = Some(option.value("a FILE to write")?.to_string());
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observe_options_name_their_files() {
        let mut o = ObserveOptions::default();
        let mut apply = |arg, next| {
            let mut option = OptionArg::split(arg, next);
            apply_observe_option(&mut o, &mut option).map(|known| known.then(|| option.taken()))
        };
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
            apply("--profile-alloc", None),
            Err("--profile-alloc needs a FILE to write".to_string())
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
