//! The methods of arrays, maps and sets. Maps and sets keep insertion
//! order; their keys are compared structurally (see `mvm_runtime::Key`).
//! Each charges its work before doing it (see `mvm_runtime::native`): the
//! elements it visits or moves and the memory it makes, a key's image
//! included.

use crate::{arg, fail, int_arg, option, str_arg};
use mvm_runtime::{
    maps, Cost, Key, NativeCtx, NativeError, NativeRegistry, ObjRef, Object, Value, KEY_PART_STEPS,
    OBJECT_BYTES,
};

/// The bytes of one value in an array.
const V: u64 = std::mem::size_of::<Value>() as u64;

/// Visiting (or moving) `n` elements.
fn visit(n: usize) -> Cost {
    Cost::steps(n as u64)
}

/// Making a new array of `n` elements.
fn new_array(n: usize) -> Cost {
    Cost {
        steps: n as u64,
        bytes: 0,
        memory: OBJECT_BYTES as u64 + (n as u64).saturating_mul(V),
    }
}

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

/// The key image of a map or set key, charged as it is built (see
/// `mvm_runtime::maps::key_of`).
fn key_of(ctx: &mut NativeCtx<'_>, v: Value) -> Result<Key, NativeError> {
    maps::key_of(ctx.heap, &mut ctx.meter, v)
}

/// What a new entry holding `key` adds to the heap's count.
fn entry_bytes(key: &Key, entry: usize) -> usize {
    entry + key.heap_size()
}

pub fn register(r: &mut NativeRegistry) {
    r.register("Array::len", |ctx, args| {
        Ok(Value::Int(array(ctx, args)?.len() as i64))
    });
    r.register("Array::push", |ctx, args| {
        let v = arg(args, 1)?;
        let xs = array(ctx, args)?;
        let (len, had) = (xs.len(), xs.capacity());
        if len == had {
            // The array's buffer is about to grow (double): the new one is
            // charged first, and counted exactly once it is there.
            let memory = (had.max(4) as u64 * 2).saturating_mul(V);
            ctx.charge(Cost {
                steps: 1,
                bytes: 0,
                memory,
            })?;
        }
        let xs = array(ctx, args)?;
        xs.push(v);
        let grown = (xs.capacity() - had) * std::mem::size_of::<Value>();
        ctx.heap.account(grown);
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
        let n = array(ctx, args)?.len();
        ctx.charge(visit(n))?;
        let xs = array(ctx, args)?;
        let i = index(args, 1, xs.len(), true)?;
        xs.insert(i, v);
        Ok(Value::Unit)
    });
    r.register("Array::remove", |ctx, args| {
        let n = array(ctx, args)?.len();
        ctx.charge(visit(n))?;
        let xs = array(ctx, args)?;
        let i = index(args, 1, xs.len(), false)?;
        Ok(xs.remove(i))
    });
    r.register("Array::reverse", |ctx, args| {
        let n = array(ctx, args)?.len();
        ctx.charge(visit(n))?;
        array(ctx, args)?.reverse();
        Ok(Value::Unit)
    });
    r.register("Array::copy", |ctx, args| {
        let n = array(ctx, args)?.len();
        ctx.charge(new_array(n))?;
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
        ctx.charge(new_array((end - start) as usize))?;
        let xs = array(ctx, args)?;
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
        ctx.charge(new_array(n as usize))?;
        let xs = vec![x; n as usize];
        Ok(ctx.heap.alloc(Object::Array(xs)))
    });
    r.register("Array::join", |ctx, args| {
        let sep = str_arg(ctx, args, 1)?;
        let n = array(ctx, args)?.len();
        // The separators first: their total is known before anything is
        // built; each element's display form is charged as it is made.
        let seps = (sep.len() as u64).saturating_mul(n.saturating_sub(1) as u64);
        ctx.charge(Cost::output(seps).and(visit(n)))?;
        let mut joined = String::new();
        for i in 0..n {
            let Some(x) = array(ctx, args)?.get(i).copied() else {
                break;
            };
            if i > 0 {
                joined.push_str(&sep);
            }
            match ctx.heap.shared_str(x) {
                Some(s) => {
                    ctx.charge(Cost::output(s.len() as u64))?;
                    joined.push_str(&s);
                }
                None => joined.push_str(&ctx.display(x)?),
            }
        }
        Ok(ctx.heap.alloc_str(&joined))
    });

    r.register("Map::new", |ctx, _| {
        Ok(ctx.heap.alloc(Object::Map(Box::default())))
    });
    r.register("Map::insert", |ctx, args| {
        let (m, k, v) = (arg(args, 0)?, arg(args, 1)?, arg(args, 2)?);
        maps::insert(ctx.heap, &mut ctx.meter, ctx.program, ctx.variants, m, k, v)
    });
    r.register("Map::get", |ctx, args| {
        let (m, k) = (arg(args, 0)?, arg(args, 1)?);
        maps::get(ctx.heap, &mut ctx.meter, ctx.program, ctx.variants, m, k)
    });
    r.register("Map::remove", |ctx, args| {
        let key = key_of(ctx, arg(args, 1)?)?;
        let v = map(ctx, args)?.shift_remove(&key).map(|e| e.value);
        option(ctx, v)
    });
    r.register("Map::contains_key", |ctx, args| {
        let (m, k) = (arg(args, 0)?, arg(args, 1)?);
        Ok(Value::Bool(maps::contains(ctx.heap, &mut ctx.meter, m, k)?))
    });
    r.register("Map::len", |ctx, args| {
        Ok(Value::Int(map(ctx, args)?.len() as i64))
    });
    r.register("Map::keys", |ctx, args| {
        let n = map(ctx, args)?.len();
        ctx.charge(new_array(n))?;
        let ks = map(ctx, args)?.values().map(|e| e.key).collect();
        Ok(ctx.heap.alloc(Object::Array(ks)))
    });
    r.register("Map::values", |ctx, args| {
        let n = map(ctx, args)?.len();
        ctx.charge(new_array(n))?;
        let vs = map(ctx, args)?.values().map(|e| e.value).collect();
        Ok(ctx.heap.alloc(Object::Array(vs)))
    });
    r.register("Map::entries", entries);

    r.register("Set::new", |ctx, _| {
        Ok(ctx.heap.alloc(Object::Set(Box::default())))
    });
    r.register("Set::insert", |ctx, args| {
        let v = arg(args, 1)?;
        let key = key_of(ctx, v)?;
        let bytes = entry_bytes(&key, 48);
        let new = set(ctx, args)?.insert(key, v).is_none();
        if new {
            ctx.heap.account(bytes);
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
        let n = set(ctx, args)?.len();
        ctx.charge(new_array(n))?;
        let xs = set(ctx, args)?.values().copied().collect();
        Ok(ctx.heap.alloc(Object::Array(xs)))
    });
}

fn map<'a>(
    ctx: &'a mut NativeCtx<'_>,
    args: &[Value],
) -> Result<&'a mut mvm_runtime::map_table::MapTable, NativeError> {
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
/// Charged before it is built: a step per member of each, and at most both
/// sets' entries and key images.
fn set_op(ctx: &mut NativeCtx<'_>, args: &[Value], f: impl Fn(&SetMap, &SetMap) -> SetMap) -> R {
    let other = match arg(args, 1)? {
        Value::Obj(r) => r,
        v => return fail(format!("expected a set, found {}", v.kind())),
    };
    let (na, nb) = (set(ctx, args)?.len(), set_at(ctx, other)?.len());
    ctx.charge(visit(na + nb))?;
    let keys = |s: &SetMap| s.keys().map(|k| entry_bytes(k, 48) as u64).sum::<u64>();
    let memory = keys(set(ctx, args)?) + keys(set_at(ctx, other)?);
    // Copying a key image costs its parts' steps.
    ctx.charge(Cost {
        steps: memory / std::mem::size_of::<Key>() as u64 * KEY_PART_STEPS,
        bytes: 0,
        memory,
    })?;
    let a = obj(args, "a set")?;
    let out = match (ctx.heap.get(a), ctx.heap.get(other)) {
        (Some(Object::Set(a)), Some(Object::Set(b))) => f(a, b),
        _ => return fail("expected a set"),
    };
    // The new set's size counts its key images.
    Ok(ctx.heap.alloc(Object::Set(Box::new(out))))
}

fn set_at<'a>(ctx: &'a mut NativeCtx<'_>, r: ObjRef) -> Result<&'a SetMap, NativeError> {
    match ctx.heap.get(r) {
        Some(Object::Set(s)) => Ok(&**s),
        _ => fail("expected a set"),
    }
}

/// `[(key, value)]` in insertion order: what `for (k, v) in map` walks.
fn entries(ctx: &mut NativeCtx<'_>, args: &[Value]) -> R {
    let n = map(ctx, args)?.len();
    let tuple = OBJECT_BYTES as u64 + 2 * V;
    ctx.charge(new_array(n).and(Cost {
        steps: Cost::objects(n as u64).steps,
        bytes: 0,
        memory: (n as u64).saturating_mul(tuple),
    }))?;
    let pairs: Vec<(Value, Value)> = map(ctx, args)?.values().map(|e| (e.key, e.value)).collect();
    let items = pairs
        .into_iter()
        .map(|(k, v)| ctx.heap.alloc(Object::Tuple(Box::new([k, v]))))
        .collect();
    Ok(ctx.heap.alloc(Object::Array(items)))
}
