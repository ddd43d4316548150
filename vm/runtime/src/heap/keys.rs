//! Equality, hashing and ordering of values, which are one law (principle
//! 12 of the architecture): structural equality ([`Heap::equal`], `==` in
//! MVL), the hashable, owned [`Key`] image of a value that maps and sets
//! hash ([`Heap::key`]) in a [`KeyMap`], and the [`OrdKey`] trees order
//! their keys by ([`Heap::ord_key`]). Equality and key images work through
//! explicit work lists (any nesting depth); every image is bounded in its
//! parts and depth.

use super::{Heap, Object};
use crate::value::{ObjRef, Value};
use indexmap::IndexMap;
use std::collections::HashSet;
use std::sync::Arc;

/// The table behind Sets, and behind Maps with
/// [`MapTable`](crate::map_table::MapTable): insertion-ordered (`indexmap`),
/// hashed with foldhash. Keys are small owned images ([`Key`]) whose hashing
/// is a few multiplications for Ints and one pass over a String's bytes;
/// foldhash is among the fastest hashers for such keys while its per-process
/// random seed keeps an untrusted program from choosing colliding keys
/// (iteration order is insertion order, so the seed never shows).
pub type KeyMap<V> = IndexMap<Key, V, foldhash::fast::RandomState>;

/// A tree key: Ints and Floats in numeric order (Floats by IEEE total
/// order), Strings by their bytes, tuples of those lexicographically.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OrdKey {
    Int(i64),
    Float(TotalF64),
    Str(Arc<str>),
    Tuple(Box<[OrdKey]>),
}

/// A Float ordered by `f64::total_cmp`.
#[derive(Clone, Copy, Debug)]
pub struct TotalF64(pub f64);

impl PartialEq for TotalF64 {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0).is_eq()
    }
}

impl Eq for TotalF64 {}

impl PartialOrd for TotalF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TotalF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The most parts (scalars, strings and containers) one map or set key may
/// have; see [`Heap::key`].
pub const MAX_KEY_PARTS: usize = 1 << 20;

/// The deepest nesting a map or set key may have (its image is hashed and
/// compared recursively).
pub const MAX_KEY_DEPTH: usize = 10_000;

/// The elements of an array-like object (array, tuple, struct, variant);
/// none for anything else.
fn elements(o: Option<&Object>) -> &[Value] {
    match o {
        Some(Object::Array(xs)) => xs,
        Some(
            Object::Tuple(xs)
            | Object::Struct { fields: xs, .. }
            | Object::Variant { fields: xs, .. },
        ) => xs,
        _ => &[],
    }
}

/// A hashable, owned image of a value, for map and set keys. Two values
/// have equal keys exactly when they are structurally equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Unit,
    Bool(bool),
    Int(i64),
    /// The bits of the float, with `-0.0` as `0.0` so that equal floats
    /// are equal keys.
    Float(u64),
    Str(Arc<str>),
    Fn(u32),
    /// Tuples, structs, variants, arrays: a tag and the parts.
    Seq(u32, u32, Box<[Key]>),
}

impl Key {
    /// The bytes this image holds beyond its own node: the parts of a
    /// sequence, and a string's text (shared with the string, but the key
    /// may outlive it). Recursive, like the image's hashing and equality,
    /// which [`MAX_KEY_DEPTH`] bounds.
    pub fn heap_size(&self) -> usize {
        match self {
            Key::Str(s) => s.len(),
            Key::Seq(_, _, parts) => parts
                .iter()
                .map(|k| std::mem::size_of::<Key>() + k.heap_size())
                .sum(),
            _ => 0,
        }
    }
}

/// What one part of a key image costs in memory while it is built, at
/// most (see [`Heap::key_within`]): its node in the finished image, its
/// node among the finished parts not yet gathered and the copy gathering
/// makes, and its task.
pub const KEY_PART_BYTES: usize = 3 * std::mem::size_of::<Key>() + 32;

impl Heap {
    /// Structural equality, as `==` in MVL.
    pub fn equal(&self, a: Value, b: Value) -> bool {
        self.equal_within(a, b, u64::MAX)
            .is_some_and(|(same, _)| same)
    }

    /// Structural equality, and the steps it took (pairs of values compared,
    /// and a step per 16 bytes of Strings compared); `None` once it would
    /// take more than `max_steps`.
    pub fn equal_within(&self, a: Value, b: Value, max_steps: u64) -> Option<(bool, u64)> {
        let mut steps = 0u64;
        // An explicit work list of pairs still to compare: any depth of
        // nesting (a long linked list) compares without host recursion.
        // Each pair of objects is compared once: a pair met again is either
        // equal already or still being compared (on a cycle), and either
        // way adds nothing, so values with shared parts (a tree whose two
        // children are one node, 60 levels deep) compare in time linear in
        // their distinct nodes, and cyclic values terminate.
        // Two array-like objects' elements are compared one pair at a time
        // (`Items`), so the list holds a task per open pair of containers,
        // not one per element.
        enum Work {
            Pair(Value, Value),
            Items(ObjRef, ObjRef, usize),
        }
        // Comparing scalars or Strings (the common case) allocates neither
        // the work list nor the set of pairs met: the first pair is taken
        // from `first`, and only containers push work or enter `seen`.
        let mut first = Some(Work::Pair(a, b));
        let mut work = Vec::new();
        let mut seen: HashSet<(u32, u32), foldhash::fast::RandomState> = HashSet::default();
        while let Some(task) = first.take().or_else(|| work.pop()) {
            let (a, b) = match task {
                Work::Pair(a, b) => (a, b),
                Work::Items(x, y, i) => {
                    let (xs, ys) = (elements(self.get(x)), elements(self.get(y)));
                    if let (Some(p), Some(q)) = (xs.get(i), ys.get(i)) {
                        work.push(Work::Items(x, y, i + 1));
                        work.push(Work::Pair(*p, *q));
                    }
                    continue;
                }
            };
            steps += 1;
            if steps > max_steps {
                return None;
            }
            if let (Value::Obj(x), Value::Obj(y)) = (a, b) {
                // A String holds no values: it is not met again on a cycle.
                let leaf = matches!(self.get(x), Some(Object::Str(_)));
                if !leaf && !seen.insert((x.0, y.0)) {
                    continue;
                }
            }
            let same = match (a, b) {
                (Value::Unit, Value::Unit) => true,
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x), Value::Int(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::Fn(x), Value::Fn(y)) => x == y,
                (Value::Obj(x), Value::Obj(y)) => {
                    let mut pairs = |xs: &[Value], ys: &[Value]| {
                        if xs.len() == ys.len() && !xs.is_empty() {
                            work.push(Work::Items(x, y, 0));
                        }
                        xs.len() == ys.len()
                    };
                    match (self.get(x), self.get(y)) {
                        (Some(Object::Str(p)), Some(Object::Str(q))) => {
                            steps += p.len().min(q.len()) as u64 / 16;
                            p == q
                        }
                        (Some(Object::Array(p)), Some(Object::Array(q))) => pairs(p, q),
                        (Some(Object::Tuple(p)), Some(Object::Tuple(q))) => pairs(p, q),
                        (
                            Some(Object::Struct { ty: t1, fields: f1 }),
                            Some(Object::Struct { ty: t2, fields: f2 }),
                        ) => t1 == t2 && pairs(f1, f2),
                        (
                            Some(Object::Variant {
                                ty: t1,
                                variant: v1,
                                fields: f1,
                            }),
                            Some(Object::Variant {
                                ty: t2,
                                variant: v2,
                                fields: f2,
                            }),
                        ) => t1 == t2 && v1 == v2 && pairs(f1, f2),
                        (Some(Object::Map(p)), Some(Object::Map(q))) => {
                            p.same_keys(q, |a, b| work.push(Work::Pair(a, b)))
                        }
                        (Some(Object::Set(p)), Some(Object::Set(q))) => {
                            p.len() == q.len() && p.keys().all(|k| q.contains_key(k))
                        }
                        (Some(Object::Tree(p)), Some(Object::Tree(q))) => {
                            p.len() == q.len()
                                && p.iter().all(|(k, (_, v))| match q.get(k) {
                                    Some((_, w)) => {
                                        work.push(Work::Pair(*v, *w));
                                        true
                                    }
                                    None => false,
                                })
                        }
                        (Some(Object::Cell(p)), Some(Object::Cell(q))) => {
                            work.push(Work::Pair(*p, *q));
                            true
                        }
                        // A graph is equal only to itself (its key is its
                        // identity too).
                        (Some(Object::Graph(_)), Some(Object::Graph(_))) => x == y,
                        _ => false,
                    }
                }
                _ => false,
            };
            if !same {
                return Some((false, steps));
            }
        }
        Some((true, steps))
    }

    /// The ordered key of a value (for trees); `None` for a value that has
    /// no order (only Ints, Floats, Strings and tuples of them do).
    /// A key of more than [`MAX_KEY_PARTS`] parts (a tuple sharing its
    /// parts, 30 levels deep) has none either.
    pub fn ord_key(&self, v: Value) -> Option<OrdKey> {
        self.ord_key_depth(v, 0, &mut 0)
    }

    fn ord_key_depth(&self, v: Value, depth: usize, parts: &mut usize) -> Option<OrdKey> {
        *parts += 1;
        if depth > 1000 || *parts > MAX_KEY_PARTS {
            return None;
        }
        match v {
            Value::Int(i) => Some(OrdKey::Int(i)),
            // `-0.0 == 0.0`, so they are one key (NaN equals nothing).
            Value::Float(x) => Some(OrdKey::Float(TotalF64(if x == 0.0 { 0.0 } else { x }))),
            Value::Obj(_) => match self.object(v)? {
                Object::Str(s) => Some(OrdKey::Str(s.clone())),
                Object::Tuple(xs) => xs
                    .iter()
                    .map(|x| self.ord_key_depth(*x, depth + 1, parts))
                    .collect::<Option<Vec<_>>>()
                    .map(|ks| OrdKey::Tuple(ks.into())),
                _ => None,
            },
            _ => None,
        }
    }

    /// The key image of `v` if it has one part (a scalar or a String): the
    /// image [`Heap::key_within`] makes of it, found without its work list.
    pub fn one_part_key(&self, v: Value) -> Option<Key> {
        Some(match v {
            Value::Unit => Key::Unit,
            Value::Bool(b) => Key::Bool(b),
            Value::Int(i) => Key::Int(i),
            Value::Float(x) => Key::Float(if x == 0.0 { 0 } else { x.to_bits() }),
            Value::Fn(f) => Key::Fn(f),
            Value::Obj(r) => match self.get(r) {
                Some(Object::Str(s)) => Key::Str(s.clone()),
                _ => return None,
            },
        })
    }

    /// The key image of a value (for maps and sets), built with an explicit
    /// work list (any nesting depth). A value whose image would have more
    /// than [`MAX_KEY_PARTS`] parts (counting shared parts once per use, so
    /// a cyclic value always) is refused with a message.
    pub fn key(&self, v: Value) -> Result<Key, String> {
        self.key_within(v, MAX_KEY_PARTS).map(|(k, _)| k)
    }

    /// The key image of `v` and its number of parts, if it has at most
    /// `max_parts` (and at most [`MAX_KEY_PARTS`]): a caller with a smaller
    /// budget stops building as soon as the image would not fit it.
    pub fn key_within(&self, v: Value, max_parts: usize) -> Result<(Key, usize), String> {
        let max_parts = max_parts.min(MAX_KEY_PARTS);
        // A key of one part (a scalar or a String, the common case) needs no
        // work list: the image the loop below would build, without its two
        // host allocations.
        if max_parts >= 1 {
            if let Some(key) = self.one_part_key(v) {
                return Ok((key, 1));
            }
        }
        enum Task {
            /// A value and how deeply it is nested in the key.
            Visit(Value, usize),
            /// Gather the last `n` finished keys into one sequence.
            Build(u32, u32, usize),
            /// The same for the entries of a map or set: groups of `width`
            /// keys sorted, so that the image does not depend on the order
            /// of insertion (which `==` ignores).
            BuildSorted(u32, usize, usize),
        }
        let mut tasks = vec![Task::Visit(v, 0)];
        let mut done: Vec<Key> = Vec::new();
        let mut parts = 0usize;
        while let Some(task) = tasks.pop() {
            let v = match task {
                Task::Build(tag, sub, n) => {
                    let items = done.split_off(done.len().saturating_sub(n));
                    done.push(Key::Seq(tag, sub, items.into()));
                    continue;
                }
                Task::BuildSorted(tag, n, width) => {
                    let items = done.split_off(done.len().saturating_sub(n));
                    let mut groups: Vec<&[Key]> = items.chunks(width.max(1)).collect();
                    groups.sort();
                    let sorted: Vec<Key> = groups.concat();
                    done.push(Key::Seq(tag, 0, sorted.into()));
                    continue;
                }
                Task::Visit(v, depth) => (v, depth),
            };
            let (v, depth) = v;
            parts += 1;
            if parts > max_parts {
                return Err(format!(
                    "this value is too large to be a map or set key (more than {MAX_KEY_PARTS} parts, or cyclic)"
                ));
            }
            if depth > MAX_KEY_DEPTH {
                return Err(format!(
                    "this value is nested too deeply to be a map or set key (more than {MAX_KEY_DEPTH} levels)"
                ));
            }
            // `sorted`: the width of the groups to sort (map and set entries).
            let mut seq =
                |tag: u32, sub: u32, sorted: Option<usize>, xs: &mut dyn Iterator<Item = Value>| {
                    let start = tasks.len();
                    let mut n = 0;
                    for x in xs {
                        tasks.push(Task::Visit(x, depth + 1));
                        n += 1;
                    }
                    tasks[start..].reverse();
                    let build = match sorted {
                        Some(width) => Task::BuildSorted(tag, n, width),
                        None => Task::Build(tag, sub, n),
                    };
                    tasks.insert(start, build);
                };
            let key = match v {
                Value::Unit => Key::Unit,
                Value::Bool(b) => Key::Bool(b),
                Value::Int(i) => Key::Int(i),
                Value::Float(x) => Key::Float(if x == 0.0 { 0 } else { x.to_bits() }),
                Value::Fn(f) => Key::Fn(f),
                Value::Obj(r) => match self.get(r) {
                    Some(Object::Str(s)) => Key::Str(s.clone()),
                    Some(Object::Array(xs)) => {
                        seq(0, 0, None, &mut xs.iter().copied());
                        continue;
                    }
                    Some(Object::Tuple(xs)) => {
                        seq(1, 0, None, &mut xs.iter().copied());
                        continue;
                    }
                    Some(Object::Struct { ty, fields }) => {
                        seq(
                            ty.wrapping_mul(2).wrapping_add(2),
                            0,
                            None,
                            &mut fields.iter().copied(),
                        );
                        continue;
                    }
                    Some(Object::Variant {
                        ty,
                        variant,
                        fields,
                    }) => {
                        seq(
                            ty.wrapping_mul(2).wrapping_add(3),
                            *variant,
                            None,
                            &mut fields.iter().copied(),
                        );
                        continue;
                    }
                    Some(Object::Cell(x)) => {
                        tasks.push(Task::Visit(*x, depth));
                        continue;
                    }
                    Some(Object::Map(m)) => {
                        seq(
                            u32::MAX,
                            0,
                            Some(2),
                            &mut m.values().flat_map(|e| [e.key, e.value]),
                        );
                        continue;
                    }
                    Some(Object::Set(s)) => {
                        seq(u32::MAX - 1, 0, Some(1), &mut s.values().copied());
                        continue;
                    }
                    Some(Object::Tree(t)) => {
                        seq(
                            u32::MAX - 2,
                            0,
                            None,
                            &mut t.values().flat_map(|(k, v)| [*k, *v]),
                        );
                        continue;
                    }
                    Some(Object::Closure { func, .. }) => Key::Fn(*func),
                    Some(Object::Graph(_)) => Key::Seq(u32::MAX - 3, r.0, Box::new([])),
                    None => Key::Unit,
                },
            };
            done.push(key);
        }
        Ok((done.pop().unwrap_or(Key::Unit), parts))
    }
}

/// Principle 12 of the architecture: equality, hashing and ordering are one
/// law. For random values (with the hard cases: `-0.0` and `0.0`, NaN,
/// maps and sets filled in different orders, nesting), `a == b` implies
/// equal keys (so equal hashes) and equal order keys.
#[cfg(test)]
mod law_tests {
    use super::*;
    use crate::heap::{GcConfig, MapEntry};
    use crate::map_table::MapTable;
    use std::hash::BuildHasher;

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            // xorshift64*
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// A random value; small ranges so that equal values are common.
    fn value(heap: &mut Heap, rng: &mut Rng, depth: u32) -> Value {
        let leaf = depth == 0 || rng.below(3) == 0;
        match if leaf { rng.below(4) } else { 4 + rng.below(5) } {
            0 => Value::Int(rng.below(3) as i64),
            1 => Value::Float([0.0, -0.0, 1.5, f64::NAN][rng.below(4) as usize]),
            2 => heap.alloc_str(["a", "b", ""][rng.below(3) as usize]),
            3 => Value::Bool(rng.below(2) == 0),
            4 => {
                let n = rng.below(3) as usize;
                let xs: Vec<Value> = (0..n).map(|_| value(heap, rng, depth - 1)).collect();
                heap.alloc(Object::Tuple(xs.into()))
            }
            5 => {
                let n = rng.below(3) as usize;
                let xs: Vec<Value> = (0..n).map(|_| value(heap, rng, depth - 1)).collect();
                heap.alloc(Object::Array(xs))
            }
            6 => {
                let payload = rng.below(2) as usize;
                let xs: Vec<Value> = (0..payload).map(|_| value(heap, rng, depth - 1)).collect();
                heap.alloc(Object::Variant {
                    ty: 0,
                    variant: payload as u32,
                    fields: xs.into(),
                })
            }
            7 => {
                // The same entries in a random order.
                let mut entries: Vec<(i64, Value)> = (0..rng.below(4) as i64)
                    .map(|k| (k, Value::Int(k * 10)))
                    .collect();
                if rng.below(2) == 0 {
                    entries.reverse();
                }
                let mut m = MapTable::default();
                for (k, v) in entries {
                    m.insert(Key::Int(k), MapEntry::new(Value::Int(k), v));
                }
                heap.alloc(Object::Map(Box::new(m)))
            }
            _ => {
                let mut items: Vec<i64> = (0..rng.below(4) as i64).collect();
                if rng.below(2) == 0 {
                    items.reverse();
                }
                let mut s: KeyMap<Value> = KeyMap::default();
                for k in items {
                    s.insert(Key::Int(k), Value::Int(k));
                }
                heap.alloc(Object::Set(Box::new(s)))
            }
        }
    }

    #[test]
    fn equal_values_have_equal_keys_hashes_and_order_keys() {
        let mut heap = Heap::new(GcConfig::default());
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let hasher = foldhash::fast::RandomState::default();
        let values: Vec<Value> = (0..400).map(|_| value(&mut heap, &mut rng, 3)).collect();
        let mut equal_pairs = 0;
        for a in &values {
            for b in &values {
                if !heap.equal(*a, *b) {
                    continue;
                }
                equal_pairs += 1;
                let (ka, kb) = (heap.key(*a), heap.key(*b));
                assert_eq!(ka, kb, "equal values with different keys");
                let ka = ka.expect("a small value is a key");
                assert_eq!(hasher.hash_one(&ka), hasher.hash_one(kb.expect("key")));
                assert_eq!(heap.ord_key(*a), heap.ord_key(*b));
            }
        }
        // The generator must produce equal values that are not the same
        // object, or the test shows nothing.
        assert!(equal_pairs > values.len() + 100, "{equal_pairs}");
    }
}

#[cfg(test)]
mod invariant_tests {
    use super::*;
    use crate::heap::GcConfig;

    /// A tuple whose two halves are one value, 40 levels deep, has 2^40
    /// leaves: it is no tree key (and finding that out is quick), while a
    /// small tuple is.
    #[test]
    fn shared_tuples_are_no_exponential_ord_key() {
        let mut heap = Heap::new(GcConfig::default());
        let mut t = heap.alloc(Object::Tuple(Box::new([Value::Int(1), Value::Int(2)])));
        assert!(heap.ord_key(t).is_some());
        for _ in 0..40 {
            t = heap.alloc(Object::Tuple(Box::new([t, t])));
        }
        assert_eq!(heap.ord_key(t), None);
    }
}
