//! The methods of arrays, maps and sets. Maps and sets keep insertion
//! order; their keys are compared structurally (see `mvm_runtime::Key`).
//! Each charges its work before doing it (see `mvm_runtime::native`): the
//! elements it visits or moves and the memory it makes, a key's image
//! included.

use crate::{arg, fail, int_arg, option, str_arg};
use mvm_runtime::{Cost, KeyMap, NativeCtx, NativeError, NativeRegistry, Value};

/// Visiting (or moving) `n` elements.
fn visit(n: usize) -> Cost {
    Cost::steps(n as u64)
}

/// Making a new array of `n` elements.
fn new_array(n: usize) -> Cost {
    Cost::array(n as u64)
}

type R = Result<Value, NativeError>;

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

pub fn register(r: &mut NativeRegistry) {
    r.register("Array::len", |ctx, args| {
        Ok(Value::Int(ctx.array(arg(args, 0)?)?.len() as i64))
    });
    r.register("Array::push", |ctx, args| {
        ctx.array_push(arg(args, 0)?, arg(args, 1)?)?;
        Ok(Value::Unit)
    });
    r.register("Array::pop", |ctx, args| {
        let v = ctx.array_pop(arg(args, 0)?)?;
        option(ctx, v)
    });
    r.register("Array::first", |ctx, args| {
        let v = ctx.array(arg(args, 0)?)?.first().copied();
        option(ctx, v)
    });
    r.register("Array::last", |ctx, args| {
        let v = ctx.array(arg(args, 0)?)?.last().copied();
        option(ctx, v)
    });
    r.register("Array::insert", |ctx, args| {
        let (a, v) = (arg(args, 0)?, arg(args, 2)?);
        let n = ctx.array(a)?.len();
        ctx.charge(visit(n))?;
        let i = index(args, 1, n, true)?;
        ctx.array_insert(a, i, v)?;
        Ok(Value::Unit)
    });
    r.register("Array::remove", |ctx, args| {
        let a = arg(args, 0)?;
        let n = ctx.array(a)?.len();
        ctx.charge(visit(n))?;
        let i = index(args, 1, n, false)?;
        ctx.array_remove(a, i)
    });
    r.register("Array::reverse", |ctx, args| {
        let a = arg(args, 0)?;
        let n = ctx.array(a)?.len();
        ctx.charge(visit(n))?;
        ctx.array_mut(a)?.reverse();
        Ok(Value::Unit)
    });
    r.register("Array::copy", |ctx, args| {
        let a = arg(args, 0)?;
        let n = ctx.array(a)?.len();
        ctx.charge(new_array(n))?;
        let xs = ctx.array(a)?.to_vec();
        Ok(ctx.new_array(xs))
    });
    r.register("Array::slice", |ctx, args| {
        let a = arg(args, 0)?;
        let len = ctx.array(a)?.len();
        let (start, end) = (int_arg(args, 1)?, int_arg(args, 2)?);
        if start < 0 || end < start || end as usize > len {
            return fail(format!(
                "slice {start}..{end} out of range for an array of length {len}"
            ));
        }
        ctx.charge(new_array((end - start) as usize))?;
        let part = ctx.array(a)?[start as usize..end as usize].to_vec();
        Ok(ctx.new_array(part))
    });
    r.register("Array::filled", |ctx, args| {
        let (n, x) = (int_arg(args, 0)?, arg(args, 1)?);
        if n < 0 {
            return fail(format!(
                "cannot make an array of {n} elements: the length is negative"
            ));
        }
        ctx.charge(new_array(n as usize))?;
        let xs = vec![x; n as usize];
        Ok(ctx.new_array(xs))
    });
    r.register("Array::join", |ctx, args| {
        let a = arg(args, 0)?;
        let sep = str_arg(ctx, args, 1)?;
        let n = ctx.array(a)?.len();
        // The separators first: their total is known before anything is
        // built; each element's display form is charged as it is made.
        let seps = (sep.len() as u64).saturating_mul(n.saturating_sub(1) as u64);
        ctx.charge(Cost::output(seps).and(visit(n)))?;
        let mut joined = String::new();
        for i in 0..n {
            let Some(x) = ctx.array(a)?.get(i).copied() else {
                break;
            };
            if i > 0 {
                joined.push_str(&sep);
            }
            match ctx.shared_str(x) {
                Some(s) => {
                    ctx.charge(Cost::output(s.len() as u64))?;
                    joined.push_str(&s);
                }
                None => joined.push_str(&ctx.display(x)?),
            }
        }
        Ok(ctx.new_str(&joined))
    });

    r.register("Map::new", |ctx, _| Ok(ctx.new_map()));
    r.register("Map::insert", |ctx, args| {
        ctx.map_insert(arg(args, 0)?, arg(args, 1)?, arg(args, 2)?)
    });
    r.register("Map::get", |ctx, args| {
        ctx.map_get(arg(args, 0)?, arg(args, 1)?)
    });
    r.register("Map::remove", |ctx, args| {
        let v = ctx.map_remove(arg(args, 0)?, arg(args, 1)?)?;
        option(ctx, v)
    });
    r.register("Map::contains_key", |ctx, args| {
        Ok(Value::Bool(ctx.map_contains(arg(args, 0)?, arg(args, 1)?)?))
    });
    r.register("Map::len", |ctx, args| {
        Ok(Value::Int(ctx.map(arg(args, 0)?)?.len() as i64))
    });
    r.register("Map::keys", |ctx, args| {
        let m = arg(args, 0)?;
        let n = ctx.map(m)?.len();
        ctx.charge(new_array(n))?;
        let ks = ctx.map(m)?.values().map(|e| e.key).collect();
        Ok(ctx.new_array(ks))
    });
    r.register("Map::values", |ctx, args| {
        let m = arg(args, 0)?;
        let n = ctx.map(m)?.len();
        ctx.charge(new_array(n))?;
        let vs = ctx.map(m)?.values().map(|e| e.value).collect();
        Ok(ctx.new_array(vs))
    });
    r.register("Map::entries", entries);

    r.register("Set::new", |ctx, _| Ok(ctx.new_set(KeyMap::default())));
    r.register("Set::insert", |ctx, args| {
        Ok(Value::Bool(ctx.set_insert(arg(args, 0)?, arg(args, 1)?)?))
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
        Ok(Value::Bool(ctx.set_remove(arg(args, 0)?, arg(args, 1)?)?))
    });
    r.register("Set::contains", |ctx, args| {
        Ok(Value::Bool(ctx.set_contains(arg(args, 0)?, arg(args, 1)?)?))
    });
    r.register("Set::len", |ctx, args| {
        Ok(Value::Int(ctx.set(arg(args, 0)?)?.len() as i64))
    });
    r.register("Set::to_array", |ctx, args| {
        let s = arg(args, 0)?;
        let n = ctx.set(s)?.len();
        ctx.charge(new_array(n))?;
        let xs = ctx.set(s)?.values().copied().collect();
        Ok(ctx.new_array(xs))
    });
}

type SetMap = KeyMap<Value>;

/// A new set from two sets (`self` and the argument), in insertion order.
/// Charged before it is built: a step per member of each, and at most both
/// sets' entries and key images.
fn set_op(ctx: &mut NativeCtx<'_>, args: &[Value], f: impl Fn(&SetMap, &SetMap) -> SetMap) -> R {
    let (a, b) = (arg(args, 0)?, arg(args, 1)?);
    let (na, nb) = (ctx.set(a)?.len(), ctx.set(b)?.len());
    ctx.charge(visit(na + nb))?;
    let copy = Cost::set_copy(ctx.set(a)?).and(Cost::set_copy(ctx.set(b)?));
    ctx.charge(copy)?;
    let out = f(ctx.set(a)?, ctx.set(b)?);
    // The new set's size counts its key images.
    Ok(ctx.new_set(out))
}

/// `[(key, value)]` in insertion order: what `for (k, v) in map` walks.
fn entries(ctx: &mut NativeCtx<'_>, args: &[Value]) -> R {
    let m = arg(args, 0)?;
    let n = ctx.map(m)?.len();
    ctx.charge(new_array(n).and(Cost::pairs(n as u64)))?;
    let pairs: Vec<(Value, Value)> = ctx.map(m)?.values().map(|e| (e.key, e.value)).collect();
    let items = pairs
        .into_iter()
        .map(|(k, v)| ctx.new_tuple(vec![k, v]))
        .collect();
    Ok(ctx.new_array(items))
}
