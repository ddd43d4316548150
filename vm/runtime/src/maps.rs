//! The Map operations the interpreter runs as instructions (`mapget`,
//! `mapfind`, `mapins`, `maphas`) and the natives `Map::get`, `Map::insert` and
//! `Map::contains_key` run as calls: one implementation for both, so a
//! program behaves and is charged the same whichever way it reaches them.
//! Also the charged building of a key's image ([`key_of`]), which every
//! Map and Set native uses.
//!
//! Each operation charges its work before doing it (see [`crate::native`]):
//! the key's image, part by part; an insertion's new entry is counted by
//! the heap once it is there.

use crate::heap::{Heap, Key, MapEntry, Object, KEY_PART_BYTES, MAX_KEY_PARTS};
use crate::map_table::MapTable;
use crate::native::{Cost, Meter, NativeError, KEY_PART_STEPS, MAX_CALL_MEMORY};
use crate::program::Program;
use crate::value::Value;

/// What one part of a key image costs to build and hold.
pub const KEY_PART: Cost = Cost {
    steps: KEY_PART_STEPS,
    bytes: 0,
    memory: KEY_PART_BYTES as u64,
};

/// What building a key image of `n` parts costs.
pub fn key_parts(n: usize) -> Cost {
    Cost {
        steps: (n as u64).saturating_mul(KEY_PART_STEPS),
        bytes: 0,
        memory: (n as u64).saturating_mul(KEY_PART_BYTES as u64),
    }
}

/// The bytes a new Map entry of the general form holds besides its key
/// image's parts (the Ints form counts what its arrays grow by).
pub const MAP_ENTRY_BYTES: usize = crate::map_table::GENERAL_ENTRY_BYTES;

/// The key image of a map or set key, charged as it is built (one step and
/// one image node per part: it is built only as far as the call can pay
/// for), or the runtime error for a value too large (or cyclic) to be one.
#[inline]
pub fn key_of(heap: &Heap, meter: &mut Meter, v: Value) -> Result<Key, NativeError> {
    // A key of one part is charged its one part: the same charge and the
    // same refusal as the general path below (which, when not even one
    // part is affordable, charges one to name the limit), without asking
    // what is affordable first.
    if let Some(key) = heap.one_part_key(v) {
        meter.charge(heap, KEY_PART)?;
        return Ok(key);
    }
    let afford = meter.affordable(heap, KEY_PART, MAX_KEY_PARTS as u64) as usize;
    match heap.key_within(v, afford) {
        Ok((key, n)) => {
            meter.charge(heap, key_parts(n))?;
            Ok(key)
        }
        Err(message) => {
            if afford < MAX_KEY_PARTS {
                // Cut short by the budget: the charge of one more part than
                // it allows says which limit.
                meter.charge(heap, key_parts(afford + 1))?;
            }
            Err(NativeError::Error(message))
        }
    }
}

fn error<T>(message: &str) -> Result<T, NativeError> {
    Err(NativeError::Error(message.to_string()))
}

fn map_mut(heap: &mut Heap, map: Value) -> Result<&mut MapTable, NativeError> {
    match map {
        Value::Obj(r) => match heap.get_mut(r) {
            Some(Object::Map(m)) => Ok(&mut **m),
            _ => error("expected a map"),
        },
        _ => error("expected a map"),
    }
}

/// `Some(v)` or `None` of the prelude's `Option` (`variants` are the
/// shared payload-less variants, see `ModuleState`).
pub fn option(
    heap: &mut Heap,
    program: &Program,
    variants: &[Value],
    v: Option<Value>,
) -> Result<Value, NativeError> {
    let Some(opt) = program.option() else {
        return error("the prelude's `Option` type is missing from this module");
    };
    Ok(match v {
        Some(v) => heap.alloc(Object::Variant {
            ty: opt.ty,
            variant: opt.some,
            fields: Box::new([v]),
        }),
        None => variants[program.variant_slot(opt.ty, opt.none)],
    })
}

/// `map.get(key)`: `Some(value)` of the entry whose key equals `key`, or
/// `None`. An entry's `Some(value)` is made once (see [`MapEntry`]).
pub fn get(
    heap: &mut Heap,
    meter: &mut Meter,
    program: &Program,
    variants: &[Value],
    map: Value,
    key: Value,
) -> Result<Value, NativeError> {
    let key = key_of(heap, meter, key)?;
    let Some(entry) = map_ref(heap, map)?.get(&key) else {
        return option(heap, program, variants, None);
    };
    if let Some(some) = entry.some {
        return Ok(Value::Obj(some));
    }
    let some = option(heap, program, variants, Some(entry.value))?;
    if let (Value::Obj(r), Ok(m)) = (some, map_mut(heap, map)) {
        m.set_some(&key, r);
    }
    Ok(some)
}

/// The value of the entry whose key equals `key`, if there is one: what
/// `mapfind` reads, with no `Option` made (charged as [`get`] is).
pub fn find(
    heap: &Heap,
    meter: &mut Meter,
    map: Value,
    key: Value,
) -> Result<Option<Value>, NativeError> {
    if let Value::Int(k) = key {
        // A key of one part, charged as `key_of` charges it.
        meter.charge(heap, KEY_PART)?;
        return find_int(heap, map, k);
    }
    let key = key_of(heap, meter, key)?;
    Ok(map_ref(heap, map)?.get(&key).map(|entry| entry.value))
}

/// [`find`] of an Int key, its charge (one [`KEY_PART`]) left to the
/// caller: the interpreter adds it to its count itself when the run has
/// neither a fuel nor a heap limit, where no charge of it can fail.
#[inline(always)]
pub fn find_int(heap: &Heap, map: Value, k: i64) -> Result<Option<Value>, NativeError> {
    Ok(map_ref(heap, map)?.find_int(k))
}

// A key part's memory is always within what one operation may make, so
// without `--max-heap` its charge cannot fail (see `find_int`).
const _: () = assert!((KEY_PART_BYTES as u64) <= MAX_CALL_MEMORY);

#[inline(always)]
fn map_ref(heap: &Heap, map: Value) -> Result<&MapTable, NativeError> {
    match map {
        Value::Obj(r) => match heap.get(r) {
            Some(Object::Map(m)) => Ok(&**m),
            _ => error("expected a map"),
        },
        _ => error("expected a map"),
    }
}

/// `map.insert(key, value)`: the entry for `key` now holds `value`; the
/// result is `Some` of the value it replaced, or `None` for a new entry
/// (which keeps its place at the end of the insertion order; a replaced
/// entry keeps its place).
pub fn insert(
    heap: &mut Heap,
    meter: &mut Meter,
    program: &Program,
    variants: &[Value],
    map: Value,
    key: Value,
    value: Value,
) -> Result<Value, NativeError> {
    let image = key_of(heap, meter, key)?;
    let bytes = MAP_ENTRY_BYTES + image.heap_size();
    let m = map_mut(heap, map)?;
    let had = m.int_bytes();
    let old = m
        .insert(image, MapEntry::new(key, value))
        .map(|old| old.value);
    // The Ints form's size is known exactly and at once: what it grew by
    // (when it grew) is counted; otherwise a new entry's estimate.
    let grown = match (had, m.int_bytes()) {
        (Some(had), Some(now)) => now.saturating_sub(had),
        _ if old.is_none() => bytes,
        _ => 0,
    };
    heap.account(grown);
    option(heap, program, variants, old)
}

/// [`insert`] of an Int key, its charge (one [`KEY_PART`]) left to the
/// caller as for [`find_int`]: the same entry, result and accounting,
/// without making the key's image.
#[inline]
pub fn insert_int(
    heap: &mut Heap,
    program: &Program,
    variants: &[Value],
    map: Value,
    k: i64,
    value: Value,
) -> Result<Value, NativeError> {
    let (old, grown) = map_mut(heap, map)?.insert_int(k, value);
    heap.account(grown);
    option(heap, program, variants, old)
}

/// `map.contains_key(key)`.
pub fn contains(
    heap: &mut Heap,
    meter: &mut Meter,
    map: Value,
    key: Value,
) -> Result<bool, NativeError> {
    let key = key_of(heap, meter, key)?;
    Ok(map_ref(heap, map)?.contains_key(&key))
}
