//! The modules that reach the world, every one through the runtime's
//! `Host`: `env` (arguments, environment), `io` (standard input), `fs`
//! (files), `time` (clocks, sleeping), `random` (the VM's generator), and
//! the prelude's `eprint`/`eprintln` (standard error).
//!
//! What a host call returns (a line, a file, a list of names) is charged
//! before it becomes values (see `mvm_runtime::native`); the host call is
//! made through `NativeCtx::host_call`, so that a collection between the
//! charge and the values does not read the input twice. What is written is
//! charged before it is written.

use crate::text::{scan, strings};
use crate::{fail, int_arg, option, str_arg};
use mvm_runtime::{Cost, HostError, HostResult, NativeCtx, NativeError, NativeRegistry, Value};

type R = Result<Value, NativeError>;

/// A host call's value, or the runtime error it is (a refused call ends
/// the program; so does a failure the program cannot see as a value).
fn fatal<T>(r: HostResult<T>) -> Result<T, NativeError> {
    r.map_err(|e| match e {
        HostError::Fatal(m) | HostError::Failed(m) => NativeError::Error(m),
    })
}

/// The cost of making a String of `text`.
fn text_cost(text: &str) -> Cost {
    Cost::output(text.len() as u64)
}

/// The cost of making a String of `text`, if there is one.
fn maybe_text_cost(text: &Option<String>) -> Cost {
    text.as_deref().map_or(Cost::default(), text_cost)
}

/// The cost of making an array of the strings `xs`.
fn strings_cost(xs: &[String]) -> Cost {
    strings(xs.len(), xs.iter().map(String::len).sum())
}

/// The cost of a host call's result or its failure's message, `ok` for a
/// success.
fn result_cost<T>(r: &HostResult<T>, ok: impl FnOnce(&T) -> Cost) -> Cost {
    match r {
        Ok(v) => ok(v),
        Err(HostError::Failed(m) | HostError::Fatal(m)) => text_cost(m),
    }
}

/// `Ok(v)` or `Err(message)` of the prelude's `Result`, for a host call
/// whose failure the program sees (already charged); a refused call is a
/// runtime error.
fn result<T>(
    ctx: &mut NativeCtx<'_>,
    r: HostResult<T>,
    ok: impl FnOnce(&mut NativeCtx<'_>, T) -> Value,
) -> R {
    let (variant, payload) = match r {
        Ok(v) => ("Ok", ok(ctx, v)),
        Err(HostError::Failed(m)) => ("Err", ctx.new_str(&m)),
        Err(HostError::Fatal(m)) => return fail(m),
    };
    let Some((ty, index)) = ctx.variant("Result", variant) else {
        return fail("the prelude's `Result` type is missing from this module");
    };
    Ok(ctx.new_variant(ty, index, vec![payload]))
}

/// An array of the strings `xs` (already charged).
fn string_array(ctx: &mut NativeCtx<'_>, xs: Vec<String>) -> Value {
    let items = xs.iter().map(|s| ctx.new_str(s)).collect();
    ctx.new_array(items)
}

pub fn register(r: &mut NativeRegistry) {
    r.register("eprint", |ctx, args| {
        crate::core::write(ctx, args, false, true)
    });
    r.register("eprintln", |ctx, args| {
        crate::core::write(ctx, args, true, true)
    });

    r.register("env::args", |ctx, _| {
        let args = ctx.host_call(|h| h.args(), |r| result_cost(r, |xs| strings_cost(xs)))?;
        let args = fatal(args)?;
        Ok(string_array(ctx, args))
    });
    r.register("env::var", |ctx, args| {
        let name = str_arg(ctx, args, 0)?;
        ctx.charge(scan(name.len()))?;
        let v = ctx.host_call(|h| h.env_var(&name), |r| result_cost(r, maybe_text_cost))?;
        let v = fatal(v)?;
        let v = v.map(|s| ctx.new_str(&s));
        option(ctx, v)
    });

    r.register("io::read_line", |ctx, _| {
        let line = ctx.host_call(|h| h.read_line(), |r| result_cost(r, maybe_text_cost))?;
        let line = fatal(line)?;
        let v = line.map(|s| ctx.new_str(&s));
        option(ctx, v)
    });
    r.register("io::read_all", |ctx, _| {
        let all = ctx.host_call(|h| h.read_all(), |r| result_cost(r, |s| text_cost(s)))?;
        let all = fatal(all)?;
        Ok(ctx.new_str(&all))
    });

    r.register("fs::read", |ctx, args| {
        let path = str_arg(ctx, args, 0)?;
        ctx.charge(scan(path.len()))?;
        let r = ctx.host_call(|h| h.read_file(&path), |r| result_cost(r, |s| text_cost(s)))?;
        result(ctx, r, |ctx, text| ctx.new_str(&text))
    });
    r.register("fs::write", |ctx, args| write_file(ctx, args, false));
    r.register("fs::append", |ctx, args| write_file(ctx, args, true));
    r.register("fs::exists", |ctx, args| {
        let path = str_arg(ctx, args, 0)?;
        Ok(Value::Bool(fatal(ctx.host.exists(&path))?))
    });
    r.register("fs::list", |ctx, args| {
        let path = str_arg(ctx, args, 0)?;
        ctx.charge(scan(path.len()))?;
        let r = ctx.host_call(
            |h| h.list_dir(&path),
            |r| result_cost(r, |xs| strings_cost(xs)),
        )?;
        result(ctx, r, string_array)
    });
    r.register("fs::remove", |ctx, args| {
        let path = str_arg(ctx, args, 0)?;
        ctx.charge(scan(path.len()))?;
        let r = ctx.host_call(
            |h| h.remove(&path),
            |r| result_cost(r, |()| Cost::default()),
        )?;
        result(ctx, r, |_, ()| Value::Unit)
    });
    r.register("fs::mkdir", |ctx, args| {
        let path = str_arg(ctx, args, 0)?;
        ctx.charge(scan(path.len()))?;
        let r = ctx.host_call(|h| h.mkdir(&path), |r| result_cost(r, |()| Cost::default()))?;
        result(ctx, r, |_, ()| Value::Unit)
    });

    r.register("time::now_ms", |ctx, _| {
        Ok(Value::Int(fatal(ctx.host.now_ms())?))
    });
    r.register("time::monotonic_ns", |ctx, _| {
        Ok(Value::Int(fatal(ctx.host.monotonic_ns())?))
    });
    r.register("time::sleep_ms", |ctx, args| {
        let ms = int_arg(args, 0)?;
        fatal(ctx.host.sleep_ms(ms))?;
        Ok(Value::Unit)
    });

    // The `rand*` instructions do these; the natives serve function values
    // and hand-written bytecode, on the same generator.
    r.register("random::int", |ctx, args| {
        let (lo, hi) = (int_arg(args, 0)?, int_arg(args, 1)?);
        match ctx.rng.int(lo, hi, ctx.host) {
            Ok(n) => Ok(Value::Int(n)),
            Err(m) => fail(m),
        }
    });
    r.register("random::float", |ctx, _| match ctx.rng.float(ctx.host) {
        Ok(x) => Ok(Value::Float(x)),
        Err(m) => fail(m),
    });
    r.register("random::seed", |ctx, args| {
        ctx.rng.seed(int_arg(args, 0)? as u64);
        Ok(Value::Unit)
    });
}

fn write_file(ctx: &mut NativeCtx<'_>, args: &[Value], append: bool) -> R {
    let path = str_arg(ctx, args, 0)?;
    let text = str_arg(ctx, args, 1)?;
    ctx.charge(scan(path.len() + text.len()))?;
    let r = ctx.host_call(
        |h| h.write_file(&path, &text, append),
        |r| result_cost(r, |()| Cost::default()),
    )?;
    result(ctx, r, |_, ()| Value::Unit)
}
