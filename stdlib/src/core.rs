//! Output, exiting, failing, sorting, and the methods of Int and Float.

use crate::{arg, fail, float_arg, int_arg};
use mvm_runtime::display::display;
use mvm_runtime::{NativeCtx, NativeError, NativeRegistry, Object, Value};

pub fn register(r: &mut NativeRegistry) {
    r.register("print", |ctx, args| write(ctx, args, false));
    r.register("println", |ctx, args| write(ctx, args, true));
    r.register("exit", |_, args| {
        let code = int_arg(args, 0)?;
        Err(NativeError::Exit(
            code.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
        ))
    });
    r.register("panic", |ctx, args| {
        let text = display(ctx.heap, ctx.module, arg(args, 0)?);
        fail(text)
    });
    r.register("__sort", sort);

    r.register("Int::to_float", |_, args| {
        Ok(Value::Float(int_arg(args, 0)? as f64))
    });
    r.register("Int::to_string", |ctx, args| {
        let s = int_arg(args, 0)?.to_string();
        Ok(ctx.heap.alloc_str(&s))
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
        Ok(ctx.heap.alloc_str(&s))
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

fn write(ctx: &mut NativeCtx<'_>, args: &[Value], newline: bool) -> Result<Value, NativeError> {
    let mut text = display(ctx.heap, ctx.module, arg(args, 0)?);
    if newline {
        text.push('\n');
    }
    // Output that cannot be written (a closed pipe, a full disk) ends the
    // program; the tool reports why.
    match ctx.host.write_stdout(text.as_bytes()) {
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
fn sort_order(heap: &mvm_runtime::Heap, a: Value, b: Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => Some(match (x.is_nan(), y.is_nan()) {
            (false, false) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
            (a_nan, b_nan) => a_nan.cmp(&b_nan),
        }),
        _ => mvm_runtime::interp::compare_values(heap, a, b),
    }
}

/// Sorts an array of Ints, Floats or Strings in place (stable).
fn sort(ctx: &mut NativeCtx<'_>, args: &[Value]) -> Result<Value, NativeError> {
    let Value::Obj(r) = arg(args, 0)? else {
        return fail("`sort` expects an array");
    };
    let items = match ctx.heap.get(r) {
        Some(Object::Array(xs)) => xs.clone(),
        _ => return fail("`sort` expects an array"),
    };
    let mut bad = false;
    let mut sorted = items;
    sorted.sort_by(|a, b| {
        sort_order(ctx.heap, *a, *b).unwrap_or_else(|| {
            bad = true;
            std::cmp::Ordering::Equal
        })
    });
    if bad {
        return fail("`sort` can only order Ints, Floats or Strings");
    }
    if let Some(Object::Array(xs)) = ctx.heap.get_mut(r) {
        *xs = sorted;
    }
    Ok(Value::Unit)
}
