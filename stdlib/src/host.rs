//! The modules that reach the world, every one through the runtime's
//! `Host`: `env` (arguments, environment), `io` (standard input), `fs`
//! (files), `time` (clocks, sleeping), `random` (the VM's generator), and
//! the prelude's `eprint`/`eprintln` (standard error).

use crate::{arg, fail, int_arg, option, str_arg};
use mvm_runtime::display::display;
use mvm_runtime::{HostError, HostResult, NativeCtx, NativeError, NativeRegistry, Object, Value};

type R = Result<Value, NativeError>;

/// A host call's value, or the runtime error it is (a refused call ends
/// the program; so does a failure the program cannot see as a value).
fn fatal<T>(r: HostResult<T>) -> Result<T, NativeError> {
    r.map_err(|e| match e {
        HostError::Fatal(m) | HostError::Failed(m) => NativeError::Error(m),
    })
}

/// `Ok(v)` or `Err(message)` of the prelude's `Result`, for a host call
/// whose failure the program sees; a refused call is a runtime error.
fn result<T>(
    ctx: &mut NativeCtx<'_>,
    r: HostResult<T>,
    ok: impl FnOnce(&mut NativeCtx<'_>, T) -> Value,
) -> R {
    let (variant, payload) = match r {
        Ok(v) => ("Ok", ok(ctx, v)),
        Err(HostError::Failed(m)) => ("Err", ctx.heap.alloc_str(&m)),
        Err(HostError::Fatal(m)) => return fail(m),
    };
    let Some((ty, index)) = ctx.variant("Result", variant) else {
        return fail("the prelude's `Result` type is missing from this module");
    };
    Ok(ctx.heap.alloc(Object::Variant {
        ty,
        variant: index,
        fields: Box::new([payload]),
    }))
}

fn strings(ctx: &mut NativeCtx<'_>, xs: Vec<String>) -> Value {
    let items = xs.iter().map(|s| ctx.heap.alloc_str(s)).collect();
    ctx.heap.alloc(Object::Array(items))
}

fn write_err(ctx: &mut NativeCtx<'_>, args: &[Value], newline: bool) -> R {
    let mut text = display(ctx.heap, ctx.module, arg(args, 0)?);
    if newline {
        text.push('\n');
    }
    match ctx.host.write_stderr(text.as_bytes()) {
        Ok(()) => Ok(Value::Unit),
        Err(HostError::Fatal(m)) => fail(m),
        Err(HostError::Failed(_)) => Err(NativeError::Exit(mvm_runtime::EXIT_OUTPUT_ERROR)),
    }
}

pub fn register(r: &mut NativeRegistry) {
    r.register("eprint", |ctx, args| write_err(ctx, args, false));
    r.register("eprintln", |ctx, args| write_err(ctx, args, true));

    r.register("env::args", |ctx, _| {
        let args = fatal(ctx.host.args())?;
        Ok(strings(ctx, args))
    });
    r.register("env::var", |ctx, args| {
        let name = str_arg(ctx, args, 0)?;
        let v = fatal(ctx.host.env_var(&name))?;
        let v = v.map(|s| ctx.heap.alloc_str(&s));
        option(ctx, v)
    });

    r.register("io::read_line", |ctx, _| {
        let line = fatal(ctx.host.read_line())?;
        let v = line.map(|s| ctx.heap.alloc_str(&s));
        option(ctx, v)
    });
    r.register("io::read_all", |ctx, _| {
        let all = fatal(ctx.host.read_all())?;
        Ok(ctx.heap.alloc_str(&all))
    });

    r.register("fs::read", |ctx, args| {
        let path = str_arg(ctx, args, 0)?;
        let r = ctx.host.read_file(&path);
        result(ctx, r, |ctx, text| ctx.heap.alloc_str(&text))
    });
    r.register("fs::write", |ctx, args| write_file(ctx, args, false));
    r.register("fs::append", |ctx, args| write_file(ctx, args, true));
    r.register("fs::exists", |ctx, args| {
        let path = str_arg(ctx, args, 0)?;
        Ok(Value::Bool(fatal(ctx.host.exists(&path))?))
    });
    r.register("fs::list", |ctx, args| {
        let path = str_arg(ctx, args, 0)?;
        let r = ctx.host.list_dir(&path);
        result(ctx, r, strings)
    });
    r.register("fs::remove", |ctx, args| {
        let path = str_arg(ctx, args, 0)?;
        let r = ctx.host.remove(&path);
        result(ctx, r, |_, ()| Value::Unit)
    });
    r.register("fs::mkdir", |ctx, args| {
        let path = str_arg(ctx, args, 0)?;
        let r = ctx.host.mkdir(&path);
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
    let r = ctx.host.write_file(&path, &text, append);
    result(ctx, r, |_, ()| Value::Unit)
}
