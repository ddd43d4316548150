//! Formatting for output: `Float.to_fixed`, `Int.to_string_radix`,
//! `String.pad_left` and `String.pad_right`, and the format specs of
//! string interpolation (`"{x:>8.2}"`, the `__format` native). Each charges
//! the string it makes before making it (see `mvm_runtime::native`).

use crate::text::scan;
use crate::{arg, fail, float_arg, int_arg, str_arg};
use mvm_runtime::display::MAX_LEN;
use mvm_runtime::{Cost, NativeCtx, NativeError, NativeRegistry, Value};

/// The most digits `to_fixed` writes after the point.
const MAX_FIXED_DIGITS: i64 = 100;

/// The widest `pad_left`/`pad_right` pads to (a bigger string is a
/// runtime error, not a host allocation without bound).
const MAX_PAD_WIDTH: i64 = 1 << 24;

pub fn register(r: &mut NativeRegistry) {
    r.register("Float::to_fixed", |ctx, args| {
        let (x, digits) = (float_arg(args, 0)?, int_arg(args, 1)?);
        if !(0..=MAX_FIXED_DIGITS).contains(&digits) {
            return fail(format!(
                "to_fixed({digits}): the number of digits must be between 0 and {MAX_FIXED_DIGITS}"
            ));
        }
        // At most 309 digits before the point, a sign and the point.
        ctx.charge(Cost::output(312 + digits as u64))?;
        let s = if x.is_finite() {
            format!("{x:.*}", digits as usize)
        } else {
            mvm_runtime::display::float(x)
        };
        Ok(ctx.new_str(&s))
    });
    r.register("Int::to_string_radix", |ctx, args| {
        let (n, base) = (int_arg(args, 0)?, int_arg(args, 1)?);
        if !(2..=36).contains(&base) {
            return fail(format!(
                "to_string_radix({base}): the base must be between 2 and 36"
            ));
        }
        // At most 64 digits and a sign.
        ctx.charge(Cost::output(65))?;
        let s = radix(n, base as u32);
        Ok(ctx.new_str(&s))
    });
    r.register("__format", format_spec);
    r.register("String::pad_left", |ctx, args| pad(ctx, args, true));
    r.register("String::pad_right", |ctx, args| pad(ctx, args, false));
}

/// `__format(value, fill, align, width, precision, flags)`: an
/// interpolation hole with a format spec, as the compiler passes it (align
/// 0 default, 1 `<`, 2 `>`, 3 `^`; width and precision -1 when absent;
/// flags 1 `0`, 2 `?`). A Float with a precision has that many digits
/// after the point; anything else with one is cut to that many
/// characters. The value is then padded to `width` with `fill` (numbers
/// align right by default, everything else left); `0` pads a number with
/// zeros after its sign.
fn format_spec(ctx: &mut NativeCtx<'_>, args: &[Value]) -> Result<Value, NativeError> {
    let v = arg(args, 0)?;
    let fill = str_arg(ctx, args, 1)?.chars().next().unwrap_or(' ');
    // The most a Float's fixed form takes: 309 digits before the point, a
    // sign, the point and the digits after it.
    const FIXED_BYTES: u64 = 312 + MAX_FIXED_DIGITS as u64;
    let (align, width, precision, flags) = (
        int_arg(args, 2)?,
        int_arg(args, 3)?,
        int_arg(args, 4)?,
        int_arg(args, 5)?,
    );
    let (zero, debug) = (flags & 1 != 0, flags & 2 != 0);
    let numeric = matches!(v, Value::Int(_) | Value::Float(_));
    let mut body = match v {
        Value::Float(x) if precision >= 0 && x.is_finite() => {
            ctx.charge(Cost::output(FIXED_BYTES))?;
            format!("{x:.*}", precision.min(MAX_FIXED_DIGITS) as usize)
        }
        // A String quoted: at most two bytes per byte and the quotes, and
        // never more than the display's cut.
        _ if debug => match ctx.shared_str(v) {
            Some(s) => {
                let most = (2 * s.len() as u64 + 2).min(MAX_LEN as u64 + 8);
                ctx.charge(Cost::output(most))?;
                ctx.debug(v)
            }
            None => ctx.display(v)?,
        },
        _ => ctx.display(v)?,
    };
    if precision >= 0 && !matches!(v, Value::Float(_) | Value::Int(_)) {
        if let Some((cut, _)) = body.char_indices().nth(precision as usize) {
            body.truncate(cut);
        }
    }
    let len = body.chars().count() as i64;
    if width <= len {
        return Ok(ctx.new_str(&body));
    }
    let missing = (width - len).min(MAX_PAD_WIDTH) as usize;
    let padding = missing as u64 * fill.len_utf8() as u64;
    ctx.charge(Cost::output(body.len() as u64 + padding))?;
    let out = if zero && numeric && align == 0 {
        let (sign, digits) = match body.strip_prefix('-') {
            Some(rest) => ("-", rest.to_string()),
            None => ("", body.clone()),
        };
        format!("{sign}{}{digits}", "0".repeat(missing))
    } else {
        let pad = |n: usize| std::iter::repeat_n(fill, n).collect::<String>();
        match (align, numeric) {
            (1, _) | (0, false) => format!("{body}{}", pad(missing)),
            (3, _) => format!("{}{body}{}", pad(missing / 2), pad(missing - missing / 2)),
            _ => format!("{}{body}", pad(missing)),
        }
    };
    Ok(ctx.new_str(&out))
}

/// `n` in base `base` (2 to 36), lowercase digits, `-` before a negative.
fn radix(n: i64, base: u32) -> String {
    let mut m = n.unsigned_abs();
    let mut digits = Vec::new();
    loop {
        let d = (m % base as u64) as u32;
        digits.push(std::char::from_digit(d, base).unwrap_or('?'));
        m /= base as u64;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

fn pad(ctx: &mut NativeCtx<'_>, args: &[Value], left: bool) -> Result<Value, NativeError> {
    let s = str_arg(ctx, args, 0)?;
    let width = int_arg(args, 1)?;
    let fill = str_arg(ctx, args, 2)?;
    let name = if left { "pad_left" } else { "pad_right" };
    let mut chars = fill.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return fail(format!(
            "{name}: the fill must be one character, not {:?}",
            &*fill
        ));
    };
    if width > MAX_PAD_WIDTH {
        return fail(format!(
            "{name}({width}, ..): the width is more than {MAX_PAD_WIDTH}"
        ));
    }
    ctx.charge(scan(s.len()))?;
    let len = s.chars().count() as i64;
    if len >= width {
        return Ok(args[0]);
    }
    let fill_bytes = (width - len) as u64 * c.len_utf8() as u64;
    ctx.charge(Cost::output(s.len() as u64 + fill_bytes))?;
    let padding: String = std::iter::repeat_n(c, (width - len) as usize).collect();
    let out = if left {
        padding + &s
    } else {
        s.to_string() + &padding
    };
    Ok(ctx.new_str(&out))
}

#[cfg(test)]
mod tests {
    use super::radix;

    #[test]
    fn radix_covers_the_extremes() {
        assert_eq!(radix(255, 16), "ff");
        assert_eq!(radix(-5, 2), "-101");
        assert_eq!(radix(0, 36), "0");
        assert_eq!(radix(i64::MIN, 2), format!("-1{}", "0".repeat(63)));
        assert_eq!(radix(i64::MAX, 36), "1y2p0ij32e8e7");
    }
}
