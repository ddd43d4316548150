//! The command-line options of the VM's limits that `mvlc run` and
//! `mvm run` share: their help text ([`LIMIT_OPTIONS`]), applying one to a
//! [`VmConfig`] ([`VmConfig::apply_option`]) and sizes with a K, M or G
//! suffix ([`parse_size`], also read by the host's options). Kept out of
//! the interpreter and the heap, which only see the resulting
//! [`VmConfig`]; the host's options are in `host/options.rs`, the
//! observers' in `observe.rs`.

use crate::interp::VmConfig;

/// The limit options `mvlc run` and `mvm run` share, for their help text.
pub const LIMIT_OPTIONS: &str = "  --max-stack N     at most N nested calls (default 1000000)
  --fuel N          at most N instructions executed
  --max-heap SIZE   at most SIZE bytes of live data (K, M or G suffix: 64M)
  --gc-stress       collect garbage after every allocation (also: MVM_GC_STRESS=1)
";

impl VmConfig {
    /// Applies one command-line option of [`LIMIT_OPTIONS`]. Returns
    /// `Ok(None)` if `flag` is not one of them, `Ok(Some(n))` with the number
    /// of arguments it took (1 or 2), or a message for a bad value.
    pub fn apply_option(
        &mut self,
        flag: &str,
        value: Option<&str>,
    ) -> Result<Option<usize>, String> {
        let number = |what: &str| -> Result<u64, String> {
            value
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| format!("{flag} needs {what}"))
        };
        match flag {
            "--max-stack" => self.max_frames = number("a number of frames")?.max(1) as usize,
            "--fuel" => self.fuel = Some(number("a number of instructions")?),
            "--max-heap" => {
                let size = value
                    .and_then(parse_size)
                    .ok_or_else(|| format!("{flag} needs a size such as 64M, 512K or 1G"))?;
                self.gc.max_heap = Some(size);
            }
            "--gc-stress" => {
                self.gc.stress = true;
                return Ok(Some(1));
            }
            _ => return Ok(None),
        }
        Ok(Some(2))
    }
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
        assert_eq!(c.apply_option("--fuel", Some("10")), Ok(Some(2)));
        assert_eq!(c.apply_option("--max-heap", Some("2M")), Ok(Some(2)));
        assert_eq!(c.apply_option("--max-stack", Some("0")), Ok(Some(2)));
        assert_eq!(c.apply_option("--gc-stress", None), Ok(Some(1)));
        assert_eq!(c.apply_option("--seed", Some("1")), Ok(None));
        assert!(c.apply_option("--fuel", Some("x")).is_err());
        assert!(c.apply_option("--max-heap", None).is_err());
        assert_eq!(
            (c.fuel, c.gc.max_heap, c.max_frames, c.gc.stress),
            (Some(10), Some(2 << 20), 1, true)
        );
    }
}
