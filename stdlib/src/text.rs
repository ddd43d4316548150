//! The methods of String. Lengths and positions count characters (Unicode
//! scalar values), not bytes.

use crate::{fail, int_arg, option, str_arg};
use mvm_runtime::{NativeRegistry, Object, Value};

pub fn register(r: &mut NativeRegistry) {
    r.register("String::len", |ctx, args| {
        Ok(Value::Int(str_arg(ctx, args, 0)?.chars().count() as i64))
    });
    r.register("String::split", |ctx, args| {
        let (s, sep) = (str_arg(ctx, args, 0)?, str_arg(ctx, args, 1)?);
        let parts: Vec<String> = if sep.is_empty() {
            s.chars().map(|c| c.to_string()).collect()
        } else {
            s.split(sep.as_ref()).map(str::to_string).collect()
        };
        let items = parts.iter().map(|p| ctx.heap.alloc_str(p)).collect();
        Ok(ctx.heap.alloc(Object::Array(items)))
    });
    r.register("String::trim", |ctx, args| {
        let s = str_arg(ctx, args, 0)?;
        Ok(ctx.heap.alloc_str(s.trim()))
    });
    r.register("String::contains", |ctx, args| {
        Ok(Value::Bool(
            str_arg(ctx, args, 0)?.contains(str_arg(ctx, args, 1)?.as_ref()),
        ))
    });
    r.register("String::starts_with", |ctx, args| {
        Ok(Value::Bool(
            str_arg(ctx, args, 0)?.starts_with(str_arg(ctx, args, 1)?.as_ref()),
        ))
    });
    r.register("String::ends_with", |ctx, args| {
        Ok(Value::Bool(
            str_arg(ctx, args, 0)?.ends_with(str_arg(ctx, args, 1)?.as_ref()),
        ))
    });
    r.register("String::to_upper", |ctx, args| {
        let s = str_arg(ctx, args, 0)?.to_uppercase();
        Ok(ctx.heap.alloc_str(&s))
    });
    r.register("String::to_lower", |ctx, args| {
        let s = str_arg(ctx, args, 0)?.to_lowercase();
        Ok(ctx.heap.alloc_str(&s))
    });
    r.register("String::chars", |ctx, args| {
        let s = str_arg(ctx, args, 0)?;
        let items = s
            .chars()
            .map(|c| ctx.heap.alloc_str(c.encode_utf8(&mut [0; 4])))
            .collect();
        Ok(ctx.heap.alloc(Object::Array(items)))
    });
    r.register("String::replace", |ctx, args| {
        let (s, from, to) = (
            str_arg(ctx, args, 0)?,
            str_arg(ctx, args, 1)?,
            str_arg(ctx, args, 2)?,
        );
        if from.is_empty() {
            return Ok(ctx.heap.alloc_str(&s));
        }
        let out = s.replace(&*from, &to);
        Ok(ctx.heap.alloc_str(&out))
    });
    r.register("String::substring", |ctx, args| {
        let s = str_arg(ctx, args, 0)?;
        let (start, end) = (int_arg(args, 1)?, int_arg(args, 2)?);
        let n = s.chars().count() as i64;
        if start < 0 || end < start || end > n {
            return fail(format!(
                "substring {start}..{end} out of range for a string of length {n}"
            ));
        }
        let out: String = s
            .chars()
            .skip(start as usize)
            .take((end - start) as usize)
            .collect();
        Ok(ctx.heap.alloc_str(&out))
    });
    r.register("String::index_of", |ctx, args| {
        let (s, part) = (str_arg(ctx, args, 0)?, str_arg(ctx, args, 1)?);
        let found = s
            .find(part.as_ref())
            .map(|b| Value::Int(s[..b].chars().count() as i64));
        option(ctx, found)
    });
    r.register("String::parse_int", |ctx, args| {
        let v = str_arg(ctx, args, 0)?
            .trim()
            .parse::<i64>()
            .ok()
            .map(Value::Int);
        option(ctx, v)
    });
    r.register("String::parse_float", |ctx, args| {
        let v = str_arg(ctx, args, 0)?
            .trim()
            .parse::<f64>()
            .ok()
            .map(Value::Float);
        option(ctx, v)
    });
    r.register("String::repeat", |ctx, args| {
        let (s, n) = (str_arg(ctx, args, 0)?, int_arg(args, 1)?);
        if n < 0 || (s.len() as i64).saturating_mul(n) > (1 << 30) {
            return fail(format!("cannot repeat a string {n} times"));
        }
        let out = s.repeat(n as usize);
        Ok(ctx.heap.alloc_str(&out))
    });
}
