//! The methods of String. Lengths and positions count characters (Unicode
//! scalar values), not bytes. Each charges its work before doing it (see
//! `mvm_runtime::native`): the bytes it scans, and the bytes and strings it
//! makes. `len` and `substring` find character positions through the heap's
//! character index (`mvm_runtime::CharIndex`), so a loop over a string's
//! characters scans it once.

use crate::{arg, fail, int_arg, option, str_arg};
use mvm_runtime::{Cost, NativeCtx, NativeError, NativeRegistry, Value};

type R = Result<Value, NativeError>;

/// Scanning `n` bytes: work, no memory.
pub(crate) fn scan(n: usize) -> Cost {
    Cost {
        steps: 1,
        bytes: n as u64,
        memory: 0,
    }
}

/// Making `parts` strings of `bytes` bytes in all, in a new array.
pub(crate) fn strings(parts: usize, bytes: usize) -> Cost {
    let (parts, bytes) = (parts as u64, bytes as u64);
    // Each string is an object, and an element of the array; their text is
    // written once.
    Cost::objects(parts)
        .and(Cost::holding(parts, parts, bytes))
        .and(Cost {
            steps: 0,
            bytes,
            memory: 0,
        })
}

/// A new string `text`, charged.
fn new_str(ctx: &mut NativeCtx<'_>, text: &str) -> R {
    ctx.charge(Cost::output(text.len() as u64))?;
    Ok(ctx.new_str(text))
}

/// An array of the given strings (made here, charged by the caller).
fn str_array<'s>(ctx: &mut NativeCtx<'_>, parts: impl Iterator<Item = &'s str>) -> R {
    let items = parts.map(|p| ctx.new_str(p)).collect();
    Ok(ctx.new_array(items))
}

pub fn register(r: &mut NativeRegistry) {
    r.register("String::len", |ctx, args| {
        let s = str_arg(ctx, args, 0)?;
        ctx.charge(scan(s.len()))?;
        Ok(Value::Int(ctx.char_index(&s).chars() as i64))
    });
    r.register("String::split", |ctx, args| {
        let (s, sep) = (str_arg(ctx, args, 0)?, str_arg(ctx, args, 1)?);
        if sep.is_empty() {
            // Every character: its count is known from the length alone
            // (at most one per byte), so the charge comes first.
            ctx.charge(strings(s.len(), s.len()))?;
            let mut buf = [0; 4];
            let items = s
                .chars()
                .map(|c| ctx.new_str(c.encode_utf8(&mut buf)))
                .collect();
            return Ok(ctx.new_array(items));
        }
        // Searching preprocesses the separator: a long one costs its length
        // on every call, even against a short string.
        ctx.charge(scan(s.len() + sep.len()))?;
        let parts = s.matches(sep.as_ref()).count() + 1;
        ctx.charge(Cost::steps(parts as u64))?;
        ctx.charge(strings(parts, s.len()))?;
        str_array(ctx, s.split(sep.as_ref()))
    });
    r.register("String::trim", |ctx, args| {
        let s = str_arg(ctx, args, 0)?;
        ctx.charge(scan(s.len()))?;
        if s.trim().len() == s.len() {
            return arg(args, 0);
        }
        new_str(ctx, s.trim())
    });
    r.register("String::contains", |ctx, args| {
        let (s, part) = (str_arg(ctx, args, 0)?, str_arg(ctx, args, 1)?);
        ctx.charge(scan(s.len() + part.len()))?;
        Ok(Value::Bool(s.contains(part.as_ref())))
    });
    r.register("String::starts_with", |ctx, args| {
        let (s, part) = (str_arg(ctx, args, 0)?, str_arg(ctx, args, 1)?);
        ctx.charge(scan(part.len()))?;
        Ok(Value::Bool(s.starts_with(part.as_ref())))
    });
    r.register("String::ends_with", |ctx, args| {
        let (s, part) = (str_arg(ctx, args, 0)?, str_arg(ctx, args, 1)?);
        ctx.charge(scan(part.len()))?;
        Ok(Value::Bool(s.ends_with(part.as_ref())))
    });
    r.register("String::to_upper", |ctx, args| {
        let s = str_arg(ctx, args, 0)?;
        // A character's case mapping is at most three times its bytes;
        // mapping costs about a step per byte.
        ctx.charge(Cost::steps(s.len() as u64).and(Cost::output(3 * s.len() as u64)))?;
        let s = s.to_uppercase();
        Ok(ctx.new_str(&s))
    });
    r.register("String::to_lower", |ctx, args| {
        let s = str_arg(ctx, args, 0)?;
        ctx.charge(Cost::steps(s.len() as u64).and(Cost::output(3 * s.len() as u64)))?;
        let s = s.to_lowercase();
        Ok(ctx.new_str(&s))
    });
    r.register("String::chars", |ctx, args| {
        let s = str_arg(ctx, args, 0)?;
        ctx.charge(strings(s.len(), s.len()))?;
        let mut buf = [0; 4];
        let items = s
            .chars()
            .map(|c| ctx.new_str(c.encode_utf8(&mut buf)))
            .collect();
        Ok(ctx.new_array(items))
    });
    r.register("String::replace", |ctx, args| {
        let (s, from, to) = (
            str_arg(ctx, args, 0)?,
            str_arg(ctx, args, 1)?,
            str_arg(ctx, args, 2)?,
        );
        if from.is_empty() {
            return arg(args, 0);
        }
        // Count first: the result's length is then known, and charged,
        // before it is built.
        ctx.charge(scan(s.len() + from.len()))?;
        let n = s.matches(from.as_ref()).count() as u64;
        let len = (s.len() as u64 - n * from.len() as u64)
            .saturating_add(n.saturating_mul(to.len() as u64));
        // Each match costs a few steps, counted and replaced.
        ctx.charge(Cost::output(len).and(Cost::steps(n.saturating_mul(4))))?;
        let out = s.replace(&*from, &to);
        Ok(ctx.new_str(&out))
    });
    r.register("String::substring", |ctx, args| {
        let s = str_arg(ctx, args, 0)?;
        let (start, end) = (int_arg(args, 1)?, int_arg(args, 2)?);
        // Charged as a scan whether or not the heap's character index
        // already knows the string: the charge depends on the call alone,
        // not on what earlier calls or a collection left behind.
        ctx.charge(scan(s.len()))?;
        let index = ctx.char_index(&s);
        let n = index.chars() as i64;
        let range = if start < 0 || end < start || end > n {
            None
        } else {
            index.byte(start as usize).zip(index.byte(end as usize))
        };
        match range {
            Some((a, b)) => new_str(ctx, &s[a..b]),
            None => fail(format!(
                "substring {start}..{end} out of range for a string of length {n}"
            )),
        }
    });
    r.register("String::index_of", |ctx, args| {
        let (s, part) = (str_arg(ctx, args, 0)?, str_arg(ctx, args, 1)?);
        ctx.charge(scan(2 * s.len() + part.len()))?;
        let found = s
            .find(part.as_ref())
            .map(|b| Value::Int(s[..b].chars().count() as i64));
        option(ctx, found)
    });
    r.register("String::parse_int", |ctx, args| {
        let s = str_arg(ctx, args, 0)?;
        ctx.charge(scan(s.len()))?;
        let v = s.trim().parse::<i64>().ok().map(Value::Int);
        option(ctx, v)
    });
    r.register("String::parse_float", |ctx, args| {
        let s = str_arg(ctx, args, 0)?;
        ctx.charge(scan(s.len()))?;
        let v = s.trim().parse::<f64>().ok().map(Value::Float);
        option(ctx, v)
    });
    r.register("String::repeat", |ctx, args| {
        let (s, n) = (str_arg(ctx, args, 0)?, int_arg(args, 1)?);
        if n < 0 {
            return fail(format!("cannot repeat a string {n} times"));
        }
        ctx.charge(Cost::output((s.len() as u64).saturating_mul(n as u64)))?;
        let out = s.repeat(n as usize);
        Ok(ctx.new_str(&out))
    });
}
