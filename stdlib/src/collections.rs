//! The methods of arrays, maps and sets. Maps and sets keep insertion
//! order; their keys are compared structurally (see `mvm_runtime::Key`).

use crate::{arg, fail, int_arg, option, str_arg};
use mvm_runtime::display::display;
use mvm_runtime::{NativeCtx, NativeError, NativeRegistry, ObjRef, Object, Value};

type R = Result<Value, NativeError>;

fn obj(args: &[Value], what: &str) -> Result<ObjRef, NativeError> {
    match arg(args, 0)? {
        Value::Obj(r) => Ok(r),
        other => fail(format!("expected {what}, found {}", other.kind())),
    }
}

fn array<'a>(
    ctx: &'a mut NativeCtx<'_>,
    args: &[Value],
) -> Result<&'a mut Vec<Value>, NativeError> {
    let r = obj(args, "an array")?;
    match ctx.heap.get_mut(r) {
        Some(Object::Array(xs)) => Ok(xs),
        _ => fail("expected an array"),
    }
}

fn index(args: &[Value], i: usize, len: usize, inclusive: bool) -> Result<usize, NativeError> {
    let n = int_arg(args, i)?;
    let limit = if inclusive {
        len
    } else {
        len.saturating_sub(1)
    };
    match usize::try_from(n) {
        Ok(k) if k <= limit && (inclusive || len > 0) => Ok(k),
        _ => fail(format!(
            "index out of bounds: the index is {n} but the length is {len}"
        )),
    }
}

/// The key image of a map or set key, or the runtime error for a value too
/// large (or cyclic) to be one.
fn key_of(ctx: &NativeCtx<'_>, v: Value) -> Result<mvm_runtime::Key, NativeError> {
    ctx.heap.key(v).map_err(NativeError::Error)
}

pub fn register(r: &mut NativeRegistry) {
    r.register("Array::len", |ctx, args| {
        Ok(Value::Int(array(ctx, args)?.len() as i64))
    });
    r.register("Array::push", |ctx, args| {
        let v = arg(args, 1)?;
        array(ctx, args)?.push(v);
        ctx.heap.account(std::mem::size_of::<Value>());
        Ok(Value::Unit)
    });
    r.register("Array::pop", |ctx, args| {
        let v = array(ctx, args)?.pop();
        option(ctx, v)
    });
    r.register("Array::first", |ctx, args| {
        let v = array(ctx, args)?.first().copied();
        option(ctx, v)
    });
    r.register("Array::last", |ctx, args| {
        let v = array(ctx, args)?.last().copied();
        option(ctx, v)
    });
    r.register("Array::insert", |ctx, args| {
        let v = arg(args, 2)?;
        let xs = array(ctx, args)?;
        let i = index(args, 1, xs.len(), true)?;
        xs.insert(i, v);
        Ok(Value::Unit)
    });
    r.register("Array::remove", |ctx, args| {
        let xs = array(ctx, args)?;
        let i = index(args, 1, xs.len(), false)?;
        Ok(xs.remove(i))
    });
    r.register("Array::reverse", |ctx, args| {
        array(ctx, args)?.reverse();
        Ok(Value::Unit)
    });
    r.register("Array::copy", |ctx, args| {
        let xs = array(ctx, args)?.clone();
        Ok(ctx.heap.alloc(Object::Array(xs)))
    });
    r.register("Array::slice", |ctx, args| {
        let xs = array(ctx, args)?;
        let len = xs.len();
        let (start, end) = (int_arg(args, 1)?, int_arg(args, 2)?);
        if start < 0 || end < start || end as usize > len {
            return fail(format!(
                "slice {start}..{end} out of range for an array of length {len}"
            ));
        }
        let part = xs[start as usize..end as usize].to_vec();
        Ok(ctx.heap.alloc(Object::Array(part)))
    });
    r.register("Array::filled", |ctx, args| {
        let (n, x) = (int_arg(args, 0)?, arg(args, 1)?);
        if n < 0 {
            return fail(format!(
                "cannot make an array of {n} elements: the length is negative"
            ));
        }
        // Refused before allocating, like `String::repeat`: more than the
        // heap limit (or 1 GiB without one) would never fit.
        let bytes = (n as u64).saturating_mul(std::mem::size_of::<Value>() as u64);
        let limit = ctx.heap.config.max_heap.map_or(1 << 30, |m| m as u64);
        if bytes > limit.min(1 << 30) {
            return fail(format!(
                "out of memory: an array of {n} elements needs {bytes} bytes, more than the heap allows"
            ));
        }
        let xs = vec![x; n as usize];
        Ok(ctx.heap.alloc(Object::Array(xs)))
    });
    r.register("Array::join", |ctx, args| {
        let sep = str_arg(ctx, args, 1)?;
        let xs = array(ctx, args)?.clone();
        // At most 1 GiB, like `String::repeat`: an array holding one value
        // many times must not make the host build an unbounded string.
        let mut joined = String::new();
        for (i, x) in xs.iter().enumerate() {
            if i > 0 {
                joined.push_str(&sep);
            }
            joined.push_str(&display(ctx.heap, ctx.module, *x));
            if joined.len() > 1 << 30 {
                return fail(format!(
                    "cannot join {} elements: the result would exceed 1 GiB",
                    xs.len()
                ));
            }
        }
        Ok(ctx.heap.alloc_str(&joined))
    });

    r.register("Map::new", |ctx, _| {
        Ok(ctx.heap.alloc(Object::Map(Box::default())))
    });
    r.register("Map::insert", |ctx, args| {
        let (k, v) = (arg(args, 1)?, arg(args, 2)?);
        let key = key_of(ctx, k)?;
        let old = map(ctx, args)?.insert(key, (k, v)).map(|(_, old)| old);
        if old.is_none() {
            ctx.heap.account(64);
        }
        option(ctx, old)
    });
    r.register("Map::get", |ctx, args| {
        let key = key_of(ctx, arg(args, 1)?)?;
        let v = map(ctx, args)?.get(&key).map(|(_, v)| *v);
        option(ctx, v)
    });
    r.register("Map::remove", |ctx, args| {
        let key = key_of(ctx, arg(args, 1)?)?;
        let v = map(ctx, args)?.shift_remove(&key).map(|(_, v)| v);
        option(ctx, v)
    });
    r.register("Map::contains_key", |ctx, args| {
        let key = key_of(ctx, arg(args, 1)?)?;
        Ok(Value::Bool(map(ctx, args)?.contains_key(&key)))
    });
    r.register("Map::len", |ctx, args| {
        Ok(Value::Int(map(ctx, args)?.len() as i64))
    });
    r.register("Map::keys", |ctx, args| {
        let ks = map(ctx, args)?.values().map(|(k, _)| *k).collect();
        Ok(ctx.heap.alloc(Object::Array(ks)))
    });
    r.register("Map::values", |ctx, args| {
        let vs = map(ctx, args)?.values().map(|(_, v)| *v).collect();
        Ok(ctx.heap.alloc(Object::Array(vs)))
    });
    r.register("Map::entries", entries);

    r.register("Set::new", |ctx, _| {
        Ok(ctx.heap.alloc(Object::Set(Box::default())))
    });
    r.register("Set::insert", |ctx, args| {
        let v = arg(args, 1)?;
        let key = key_of(ctx, v)?;
        let new = set(ctx, args)?.insert(key, v).is_none();
        if new {
            ctx.heap.account(48);
        }
        Ok(Value::Bool(new))
    });
    r.register("Set::union", |ctx, args| {
        set_op(ctx, args, |a, b| {
            a.iter()
                .chain(b.iter())
                .map(|(k, v)| (k.clone(), *v))
                .collect()
        })
    });
    r.register("Set::intersection", |ctx, args| {
        set_op(ctx, args, |a, b| {
            a.iter()
                .filter(|(k, _)| b.contains_key(*k))
                .map(|(k, v)| (k.clone(), *v))
                .collect()
        })
    });
    r.register("Set::difference", |ctx, args| {
        set_op(ctx, args, |a, b| {
            a.iter()
                .filter(|(k, _)| !b.contains_key(*k))
                .map(|(k, v)| (k.clone(), *v))
                .collect()
        })
    });
    crate::trees::register(r);
    r.register("Set::remove", |ctx, args| {
        let key = key_of(ctx, arg(args, 1)?)?;
        Ok(Value::Bool(set(ctx, args)?.shift_remove(&key).is_some()))
    });
    r.register("Set::contains", |ctx, args| {
        let key = key_of(ctx, arg(args, 1)?)?;
        Ok(Value::Bool(set(ctx, args)?.contains_key(&key)))
    });
    r.register("Set::len", |ctx, args| {
        Ok(Value::Int(set(ctx, args)?.len() as i64))
    });
    r.register("Set::to_array", |ctx, args| {
        let xs = set(ctx, args)?.values().copied().collect();
        Ok(ctx.heap.alloc(Object::Array(xs)))
    });
}

fn map<'a>(
    ctx: &'a mut NativeCtx<'_>,
    args: &[Value],
) -> Result<&'a mut mvm_runtime::KeyMap<(Value, Value)>, NativeError> {
    let r = obj(args, "a map")?;
    match ctx.heap.get_mut(r) {
        Some(Object::Map(m)) => Ok(&mut **m),
        _ => fail("expected a map"),
    }
}

fn set<'a>(
    ctx: &'a mut NativeCtx<'_>,
    args: &[Value],
) -> Result<&'a mut mvm_runtime::KeyMap<Value>, NativeError> {
    let r = obj(args, "a set")?;
    match ctx.heap.get_mut(r) {
        Some(Object::Set(s)) => Ok(&mut **s),
        _ => fail("expected a set"),
    }
}

type SetMap = mvm_runtime::KeyMap<Value>;

/// A new set from two sets (`self` and the argument), in insertion order.
fn set_op(ctx: &mut NativeCtx<'_>, args: &[Value], f: impl Fn(&SetMap, &SetMap) -> SetMap) -> R {
    let other = match arg(args, 1)? {
        Value::Obj(r) => r,
        v => return fail(format!("expected a set, found {}", v.kind())),
    };
    let b = match ctx.heap.get(other) {
        Some(Object::Set(s)) => (**s).clone(),
        _ => return fail("expected a set"),
    };
    let a = set(ctx, args)?.clone();
    let out = f(&a, &b);
    Ok(ctx.heap.alloc(Object::Set(Box::new(out))))
}

/// `[(key, value)]` in insertion order: what `for (k, v) in map` walks.
fn entries(ctx: &mut NativeCtx<'_>, args: &[Value]) -> R {
    let pairs: Vec<(Value, Value)> = map(ctx, args)?.values().copied().collect();
    let items = pairs
        .into_iter()
        .map(|(k, v)| ctx.heap.alloc(Object::Tuple(Box::new([k, v]))))
        .collect();
    Ok(ctx.heap.alloc(Object::Array(items)))
}
