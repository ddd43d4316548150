//! Output, exiting, failing, sorting, and the methods of Int and Float.

use crate::{arg, fail, float_arg, int_arg};
use mvm_runtime::{Cost, NativeCtx, NativeError, NativeRegistry, Value};
use std::borrow::Cow;

pub fn register(r: &mut NativeRegistry) {
    r.register("print", |ctx, args| write(ctx, args, false, false));
    r.register("println", |ctx, args| write(ctx, args, true, false));
    r.register("exit", |_, args| {
        let code = int_arg(args, 0)?;
        Err(NativeError::Exit(
            code.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
        ))
    });
    r.register("panic", |ctx, args| {
        let text = ctx.display(arg(args, 0)?)?;
        fail(text)
    });
    r.register("__sort", sort);

    r.register("Int::to_float", |_, args| {
        Ok(Value::Float(int_arg(args, 0)? as f64))
    });
    r.register("Int::to_string", |ctx, args| {
        let s = int_arg(args, 0)?.to_string();
        Ok(ctx.new_str(&s))
    });
    r.register("Int::abs", |_, args| {
        match int_arg(args, 0)?.checked_abs() {
            Some(v) => Ok(Value::Int(v)),
            None => fail("integer overflow"),
        }
    });
    r.register("Int::pow", |_, args| {
        let (base, exp) = (int_arg(args, 0)?, int_arg(args, 1)?);
        if exp < 0 {
            return fail(format!("negative exponent {exp} in `pow`"));
        }
        let power = match u32::try_from(exp) {
            Ok(e) => base.checked_pow(e),
            // An exponent beyond u32: only 0, 1 and -1 have a power that fits.
            Err(_) => match base {
                0 | 1 => Some(base),
                -1 => Some(if exp % 2 == 0 { 1 } else { -1 }),
                _ => None,
            },
        };
        match power {
            Some(v) => Ok(Value::Int(v)),
            None => fail("integer overflow"),
        }
    });

    r.register("Float::to_int", |_, args| {
        let x = float_arg(args, 0)?;
        if x.is_nan() || x < i64::MIN as f64 || x >= i64::MAX as f64 {
            return fail(format!("cannot convert {x:?} to an Int"));
        }
        Ok(Value::Int(x.trunc() as i64))
    });
    r.register("Float::to_string", |ctx, args| {
        let s = mvm_runtime::display::float(float_arg(args, 0)?);
        Ok(ctx.new_str(&s))
    });
    r.register("Float::sqrt", |_, args| {
        Ok(Value::Float(float_arg(args, 0)?.sqrt()))
    });
    r.register("Float::abs", |_, args| {
        Ok(Value::Float(float_arg(args, 0)?.abs()))
    });
    r.register("Float::floor", |_, args| {
        Ok(Value::Float(float_arg(args, 0)?.floor()))
    });
    r.register("Float::ceil", |_, args| {
        Ok(Value::Float(float_arg(args, 0)?.ceil()))
    });
    r.register("Float::round", |_, args| {
        Ok(Value::Float(float_arg(args, 0)?.round()))
    });
    r.register("Float::pow", |_, args| {
        Ok(Value::Float(float_arg(args, 0)?.powf(float_arg(args, 1)?)))
    });
}

/// `print` and `println` (to standard error: `eprint` and `eprintln`).
pub(crate) fn write(
    ctx: &mut NativeCtx<'_>,
    args: &[Value],
    newline: bool,
    to_stderr: bool,
) -> Result<Value, NativeError> {
    let v = arg(args, 0)?;
    // A String is written as it is, without a copy unless a newline
    // follows it; anything else is its display form, charged as it is
    // made. The text is written at once, the newline with it: one event of
    // a recording per call (`lang-spec/record.md`).
    let shared = ctx.shared_str(v);
    let text: Cow<'_, str> = match &shared {
        Some(s) => {
            let copy = if newline { s.len() as u64 + 1 } else { 0 };
            ctx.charge(Cost {
                steps: 1,
                bytes: s.len() as u64,
                memory: copy,
            })?;
            if newline {
                let mut line = String::with_capacity(s.len() + 1);
                line.push_str(s);
                line.push('\n');
                Cow::Owned(line)
            } else {
                Cow::Borrowed(&**s)
            }
        }
        None => {
            // Display's charge counts its text twice: room for the newline.
            let mut text = ctx.display(v)?;
            if newline {
                text.push('\n');
            }
            Cow::Owned(text)
        }
    };
    // Output that cannot be written (a closed pipe, a full disk) ends the
    // program; the tool reports why.
    let written = if to_stderr {
        ctx.host.write_stderr(text.as_bytes())
    } else {
        ctx.host.write_stdout(text.as_bytes())
    };
    match written {
        Ok(()) => Ok(Value::Unit),
        // A limit (`--max-output`) or a replay that diverges.
        Err(mvm_runtime::HostError::Fatal(m)) => fail(m),
        Err(mvm_runtime::HostError::Failed(_)) => {
            Err(NativeError::Exit(mvm_runtime::EXIT_OUTPUT_ERROR))
        }
    }
}

/// The order `sort` uses: `<` on Ints and Strings; on Floats `<` with every
/// NaN after every other Float (NaNs equal among themselves, so they keep
/// their order), a total order, which `<` alone is not.
fn sort_order(ctx: &NativeCtx<'_>, a: Value, b: Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => Some(match (x.is_nan(), y.is_nan()) {
            (false, false) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
            (a_nan, b_nan) => a_nan.cmp(&b_nan),
        }),
        _ => ctx.compare(a, b),
    }
}

/// Sorts an array of Ints, Floats or Strings in place (stable). Charged
/// before it starts: n⌈log₂ n⌉ comparisons, and a sorted copy plus the
/// merge buffer (half the array); comparing Strings also costs their bytes, which are counted as
/// they are compared: once that passes what the call can pay for, the
/// remaining comparisons are skipped and the call is out of fuel.
fn sort(ctx: &mut NativeCtx<'_>, args: &[Value]) -> Result<Value, NativeError> {
    let a = arg(args, 0)?;
    let Ok(n) = ctx.array(a).map(|xs| xs.len() as u64) else {
        return fail("`sort` expects an array");
    };
    let log = u64::from(n.max(2).next_power_of_two().trailing_zeros());
    ctx.charge(Cost::steps(n.saturating_mul(log)).and(Cost::holding(0, n + n / 2, 0)))?;
    // The bytes of Strings the comparisons may still read.
    let budget = ctx.affordable_bytes(u64::MAX);
    let mut read = 0u64;
    let mut bad = false;
    let mut sorted = ctx.array(a)?.to_vec();
    let cx = &*ctx;
    sorted.sort_by(|a, b| {
        if bad || read > budget {
            return std::cmp::Ordering::Equal;
        }
        if let (Some(x), Some(y)) = (cx.str(*a), cx.str(*b)) {
            read += x.len().min(y.len()) as u64;
        }
        sort_order(cx, *a, *b).unwrap_or_else(|| {
            bad = true;
            std::cmp::Ordering::Equal
        })
    });
    if bad {
        return fail("`sort` can only order Ints, Floats or Strings");
    }
    ctx.charge(Cost {
        steps: 0,
        bytes: read,
        memory: 0,
    })?;
    ctx.array_mut(a)?.copy_from_slice(&sorted);
    Ok(Value::Unit)
}
