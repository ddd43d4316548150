//! The options that choose and restrict the host a program runs with
//! ([`HOST_OPTIONS`]), applied to the runtime's `HostOptions`
//! ([`apply_host_option`]); `HostOptions::host` builds the host they ask
//! for.

use super::limits::parse_size;
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

/// Applies one option of [`HOST_OPTIONS`] to `host`: `Ok(None)` if `flag`
/// is not one of them, `Ok(Some(n))` with the arguments it took, or a
/// message.
pub fn apply_host_option(
    host: &mut HostOptions,
    flag: &str,
    value: Option<&str>,
) -> Result<Option<usize>, String> {
    let (name, inline) = match flag.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (flag, None),
    };
    // The value: after `=`, or the next argument (then 2 are taken).
    let (value, taken) = match inline {
        Some(v) => (Some(v), 1),
        None => (value, 2),
    };
    let need = |what: &str| value.ok_or_else(|| format!("{name} needs {what}"));
    match name {
        "--sandbox" if inline.is_none() => {
            host.sandbox = true;
            return Ok(Some(1));
        }
        "--allow-env" => {
            host.sandbox = true;
            host.allow_env = Some(inline.map(list).unwrap_or_default());
            return Ok(Some(1));
        }
        "--allow-read" | "--allow-write" => {
            let Some(paths) = inline.map(list).filter(|l| !l.is_empty()) else {
                return Err(format!("{name} needs paths: {name}=PATH[,PATH...]"));
            };
            host.sandbox = true;
            if name == "--allow-read" {
                host.allow_read.extend(paths);
            } else {
                host.allow_write.extend(paths);
            }
            return Ok(Some(1));
        }
        "--seed" => {
            let v = need("a number")?;
            let seed = v
                .parse::<u64>()
                .or_else(|_| v.parse::<i64>().map(|n| n as u64))
                .map_err(|_| format!("--seed needs a number, not `{v}`"))?;
            host.seed = Some(seed);
        }
        "--max-output" => {
            let v = need("a size such as 16M")?;
            host.max_output = Some(
                parse_size(v)
                    .ok_or_else(|| format!("--max-output needs a size such as 16M, not `{v}`"))?
                    as u64,
            );
        }
        "--max-time" => {
            let v = need("a number of seconds")?;
            let secs = v
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
                .ok_or_else(|| {
                    format!("--max-time needs a positive number of seconds, not `{v}`")
                })?;
            host.max_time = Some(secs);
        }
        "--record" => host.record = Some(need("a file")?.to_string()),
        "--replay" => host.replay = Some(need("a file")?.to_string()),
        _ => return Ok(None),
    }
    Ok(Some(taken))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_options_take_their_value_after_an_equals_sign_or_next() {
        let mut h = HostOptions::default();
        let mut apply = |flag, value| apply_host_option(&mut h, flag, value);
        assert_eq!(apply("--seed", Some("-1")), Ok(Some(2)));
        assert_eq!(apply("--max-output=1K", Some("x")), Ok(Some(1)));
        assert_eq!(apply("--allow-read=a,,b", None), Ok(Some(1)));
        assert_eq!(apply("--allow-env", Some("HOME")), Ok(Some(1)));
        assert_eq!(apply("--max-time", Some("1.5")), Ok(Some(2)));
        assert_eq!(apply("--fuel", Some("1")), Ok(None));
        assert_eq!(apply("--sandbox=yes", None), Ok(None));
        assert_eq!(
            apply("--allow-write", Some("out")),
            Err("--allow-write needs paths: --allow-write=PATH[,PATH...]".to_string())
        );
        assert_eq!(
            apply("--max-output", Some("lots")),
            Err("--max-output needs a size such as 16M, not `lots`".to_string())
        );
        assert_eq!(
            apply("--record", None),
            Err("--record needs a file".to_string())
        );
        assert_eq!(
            h,
            HostOptions {
                seed: Some(u64::MAX),
                sandbox: true,
                allow_read: vec!["a".into(), "b".into()],
                allow_env: Some(Vec::new()),
                max_output: Some(1 << 10),
                max_time: Some(1.5),
                ..HostOptions::default()
            }
        );
    }
}
