//! The options of the VM's limits ([`LIMIT_OPTIONS`]): applying one to a
//! `VmConfig` ([`apply_limit_option`]), and sizes with a K, M or G suffix
//! ([`parse_size`], also read by `--max-output` in `host.rs`).

use super::OptionArg;
use mvm_runtime::VmConfig;

/// The limit options `mvlc run` and `mvm run` share, for their help text.
pub const LIMIT_OPTIONS: &str = "  --max-stack N     at most N nested calls (default 1000000)
  --fuel N          at most N instructions executed
  --max-heap SIZE   at most SIZE bytes of live data (K, M or G suffix: 64M)
  --gc-stress       collect garbage after every allocation (also: MVM_GC_STRESS=1)
";

/// Applies one command-line option of [`LIMIT_OPTIONS`] to `config`.
/// Returns `Ok(false)` if `option` is not one of them, `Ok(true)` once
/// applied (its value taken after `=` or as the next argument), or a
/// message for a missing or bad value.
pub fn apply_limit_option(config: &mut VmConfig, option: &mut OptionArg) -> Result<bool, String> {
    let name = option.name();
    let mut number = |what: &str| -> Result<u64, String> {
        let v = option.value(what)?;
        v.parse::<u64>()
            .map_err(|_| format!("{name} needs {what}, not `{v}`"))
    };
    match name {
        "--max-stack" => {
            // No room even for `main`: a usage error, not a limit silently
            // raised to 1.
            let frames = number("a number of frames")?;
            if frames == 0 {
                return Err(format!("{name} needs at least 1 frame"));
            }
            config.max_frames = frames as usize;
        }
        "--fuel" => config.fuel = Some(number("a number of instructions")?),
        "--max-heap" => {
            let what = "a size such as 64M, 512K or 1G";
            let v = option.value(what)?;
            let size = parse_size(v).ok_or_else(|| format!("{name} needs {what}, not `{v}`"))?;
            config.gc.max_heap = Some(size);
        }
        "--gc-stress" => {
            option.no_value()?;
            config.gc.stress = true;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Parses a size with an optional K, M or G suffix (powers of 1024):
/// `64M`, `512K`, `1G`, `4096`.
pub fn parse_size(text: &str) -> Option<usize> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().last()? {
        (i, 'k' | 'K') => (&t[..i], 1usize << 10),
        (i, 'm' | 'M') => (&t[..i], 1 << 20),
        (i, 'g' | 'G') => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    digits.parse::<usize>().ok()?.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_a_binary_suffix() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("512K"), Some(512 << 10));
        assert_eq!(parse_size("64m"), Some(64 << 20));
        assert_eq!(parse_size(" 1G "), Some(1 << 30));
        assert_eq!(parse_size("M"), None);
        assert_eq!(parse_size("-1K"), None);
        assert_eq!(parse_size("99999999999999999999G"), None);
    }

    #[test]
    fn limit_options_apply_to_the_config() {
        let mut c = VmConfig::default();
        let mut apply = |arg, next| {
            let mut option = OptionArg::split(arg, next);
            apply_limit_option(&mut c, &mut option).map(|known| known.then(|| option.taken()))
        };
        assert_eq!(apply("--fuel", Some("10")), Ok(Some(2)));
        assert_eq!(apply("--max-heap=2M", Some("x")), Ok(Some(1)));
        assert_eq!(apply("--max-stack", Some("1")), Ok(Some(2)));
        assert_eq!(apply("--gc-stress", Some("x")), Ok(Some(1)));
        assert_eq!(apply("--seed", Some("1")), Ok(None));
        assert_eq!(
            apply("--fuel", Some("x")),
            Err("--fuel needs a number of instructions, not `x`".to_string())
        );
        assert_eq!(
            apply("--fuel=", Some("5")),
            Err("--fuel needs a number of instructions".to_string())
        );
        assert!(apply("--max-heap", None).is_err());
        assert_eq!(
            apply("--max-stack=0", None),
            Err("--max-stack needs at least 1 frame".to_string())
        );
        assert_eq!(
            apply("--gc-stress=1", None),
            Err("--gc-stress takes no value".to_string())
        );
        assert_eq!(
            (c.fuel, c.gc.max_heap, c.max_frames, c.gc.stress),
            (Some(10), Some(2 << 20), 1, true)
        );
    }

    #[test]
    fn fuel_takes_its_value_either_way() {
        for args in [["--fuel=10", "main.mvb"], ["--fuel", "10"]] {
            let mut c = VmConfig::default();
            let mut option = OptionArg::split(args[0], Some(args[1]));
            assert_eq!(apply_limit_option(&mut c, &mut option), Ok(true));
            assert_eq!(c.fuel, Some(10), "{args:?}");
        }
    }
}
