//! The options that choose and restrict the host a program runs with
//! ([`HOST_OPTIONS`]), applied to the runtime's `HostOptions`
//! ([`apply_host_option`]); `HostOptions::host` builds the host they ask
//! for.

use super::limits::parse_size;
use super::OptionArg;
use mvm_runtime::HostOptions;

/// The host options, for the tools' help text.
pub const HOST_OPTIONS: &str = "  --seed N          seed the random generator with N (default: from the system)
  --sandbox         grant nothing but standard input, output and error
  --allow-read=PATH[,PATH...]   grant reading below these paths (implies --sandbox)
  --allow-write=PATH[,PATH...]  grant writing below these paths (implies --sandbox)
  --allow-env[=NAME,...]        grant reading these (or all) environment variables (implies --sandbox)
  --max-output SIZE at most SIZE bytes of output (default 16M under --sandbox)
  --max-time SECS   at most SECS seconds of wall-clock time
  --record FILE     write every host call and its result to FILE
  --replay FILE     answer every host call from the recording FILE
";

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// Applies one option of [`HOST_OPTIONS`] to `host`: `Ok(false)` if
/// `option` is not one of them, `Ok(true)` once applied (its value taken
/// after `=` or as the next argument; `--allow-env`'s only after `=`), or a
/// message.
pub fn apply_host_option(host: &mut HostOptions, option: &mut OptionArg) -> Result<bool, String> {
    let name = option.name();
    match name {
        "--sandbox" => {
            option.no_value()?;
            host.sandbox = true;
        }
        "--allow-env" => {
            // Without a value, every variable: so never the next argument.
            let names = match option.inline_value() {
                None => Vec::new(),
                Some(v) => Some(list(v)).filter(|l| !l.is_empty()).ok_or_else(|| {
                    "--allow-env= needs names: --allow-env=NAME[,NAME...], or --allow-env alone for every variable".to_string()
                })?,
            };
            host.sandbox = true;
            host.allow_env = Some(names);
        }
        "--allow-read" | "--allow-write" => {
            let what = "paths: PATH[,PATH...]";
            let paths = Some(list(option.value(what)?))
                .filter(|l| !l.is_empty())
                .ok_or_else(|| format!("{name} needs {what}"))?;
            host.sandbox = true;
            if name == "--allow-read" {
                host.allow_read.extend(paths);
            } else {
                host.allow_write.extend(paths);
            }
        }
        "--seed" => {
            let v = option.value("a number")?;
            let seed = v
                .parse::<u64>()
                .or_else(|_| v.parse::<i64>().map(|n| n as u64))
                .map_err(|_| format!("--seed needs a number, not `{v}`"))?;
            host.seed = Some(seed);
        }
        "--max-output" => {
            let v = option.value("a size such as 16M")?;
            host.max_output = Some(
                parse_size(v)
                    .ok_or_else(|| format!("--max-output needs a size such as 16M, not `{v}`"))?
                    as u64,
            );
        }
        "--max-time" => {
            let v = option.value("a number of seconds")?;
            let secs = v
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
                .ok_or_else(|| {
                    format!("--max-time needs a positive number of seconds, not `{v}`")
                })?;
            host.max_time = Some(secs);
        }
        "--record" => host.record = Some(option.value("a file")?.to_string()),
        "--replay" => host.replay = Some(option.value("a file")?.to_string()),
        _ => return Ok(false),
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_options_take_their_value_after_an_equals_sign_or_next() {
        let mut h = HostOptions::default();
        let mut apply = |arg, next| {
            let mut option = OptionArg::split(arg, next);
            apply_host_option(&mut h, &mut option).map(|known| known.then(|| option.taken()))
        };
        assert_eq!(apply("--seed", Some("-1")), Ok(Some(2)));
        assert_eq!(apply("--max-output=1K", Some("x")), Ok(Some(1)));
        assert_eq!(apply("--allow-read=a,,b", None), Ok(Some(1)));
        assert_eq!(apply("--allow-read", Some("c")), Ok(Some(2)));
        assert_eq!(apply("--allow-env", Some("HOME")), Ok(Some(1)));
        assert_eq!(apply("--max-time", Some("1.5")), Ok(Some(2)));
        assert_eq!(apply("--sandbox", Some("x")), Ok(Some(1)));
        assert_eq!(apply("--fuel", Some("1")), Ok(None));
        assert_eq!(
            apply("--sandbox=yes", None),
            Err("--sandbox takes no value".to_string())
        );
        assert_eq!(
            apply("--allow-write=,", None),
            Err("--allow-write needs paths: PATH[,PATH...]".to_string())
        );
        assert_eq!(
            apply("--allow-write", None),
            Err("--allow-write needs paths: PATH[,PATH...]".to_string())
        );
        assert!(apply("--allow-env=", None).is_err());
        assert_eq!(
            apply("--max-output", Some("lots")),
            Err("--max-output needs a size such as 16M, not `lots`".to_string())
        );
        assert_eq!(
            apply("--record", None),
            Err("--record needs a file".to_string())
        );
        assert_eq!(
            apply("--replay=", Some("r.rec")),
            Err("--replay needs a file".to_string())
        );
        assert_eq!(
            h,
            HostOptions {
                seed: Some(u64::MAX),
                sandbox: true,
                allow_read: vec!["a".into(), "b".into(), "c".into()],
                allow_env: Some(Vec::new()),
                max_output: Some(1 << 10),
                max_time: Some(1.5),
                ..HostOptions::default()
            }
        );
    }
}
