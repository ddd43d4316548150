//! The heap: every object a program allocates, addressed by [`ObjRef`]
//! handles, and its garbage collector.
//!
//! Objects live in slots of one `Vec`; a handle is a slot index, so objects
//! never move and handles stay valid. The collector is a precise
//! mark-and-sweep: [`Heap::collect`] marks everything reachable from the
//! roots it is given (the VM passes every register of every frame and its
//! constants) with an explicit work list, so deep structures cannot
//! overflow the host stack, then frees every unmarked slot into a free list
//! that later allocations reuse. Cycles are collected like anything else.
//!
//! Collection happens only at the interpreter's safe points, never inside an
//! allocation: a native may hold fresh objects in Rust variables while it
//! builds a result, so [`Heap::alloc`] only counts bytes and raises
//! [`Heap::wants_collection`], and the VM collects before its next
//! instruction. A collection is due when the bytes allocated since the last
//! one exceed the live bytes after it (with a floor), when the heap would
//! pass its limit, after every allocation in stress mode (every k-th in a
//! big heap, see [`GcConfig::stress`]), or when the program
//! asks (`gc::collect()`). Sizes are estimates of what each object costs.
//!
//! Maps and sets hash their keys structurally: a key is copied into a
//! [`Key`], an owned, hashable image of the value. Trees order their keys
//! (Ints, Floats or Strings) by [`OrdKey`].

use crate::chars::CharIndex;
use crate::map_table::MapTable;
use crate::value::{ObjRef, Value};
use indexmap::IndexMap;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub enum Object {
    /// Shared, not copied, when a native reads it or a key is made of it.
    Str(Arc<str>),
    Array(Vec<Value>),
    Tuple(Box<[Value]>),
    Struct {
        ty: u32,
        fields: Box<[Value]>,
    },
    Variant {
        ty: u32,
        variant: u32,
        fields: Box<[Value]>,
    },
    /// A function with the values (or cells) it captured.
    Closure {
        func: u32,
        captures: Box<[Value]>,
    },
    /// A variable shared between a function and its closures.
    Cell(Value),
    /// Insertion-ordered, with an index of its own for Int keys (see
    /// [`MapTable`]); each entry keeps the original key value (see
    /// [`MapEntry`]). (The big collections are boxed so that every slot
    /// stays small.)
    Map(Box<MapTable>),
    Set(Box<KeyMap<Value>>),
    /// Ordered by key; each entry keeps the original key value.
    Tree(Box<BTreeMap<OrdKey, (Value, Value)>>),
    /// A directed graph with a value on every node and edge.
    Graph(Box<petgraph::graph::DiGraph<Value, Value>>),
}

/// The bytes of one value an object holds (an element, a field).
pub const VALUE_BYTES: usize = std::mem::size_of::<Value>();

/// The bytes of one Set entry besides its key's image: the member, its
/// bucket's hash and index, and the table's slot.
pub const SET_ENTRY_BYTES: usize = 2 * VALUE_BYTES + 40;

/// The bytes of one Tree entry: its key value, its value and its order
/// key, and the B-tree's share of a node.
pub const TREE_ENTRY_BYTES: usize = 3 * VALUE_BYTES + 48;

/// The bytes of one Graph node and of one edge: the value and petgraph's
/// links.
pub const GRAPH_NODE_BYTES: usize = VALUE_BYTES + 24;
pub const GRAPH_EDGE_BYTES: usize = VALUE_BYTES + 32;

impl Object {
    /// An estimate of the bytes the object occupies.
    fn size(&self) -> usize {
        const V: usize = VALUE_BYTES;
        OBJECT_BYTES
            + match self {
                Object::Str(s) => s.len(),
                Object::Array(xs) => xs.capacity() * V,
                Object::Tuple(xs)
                | Object::Struct { fields: xs, .. }
                | Object::Variant { fields: xs, .. } => xs.len() * V,
                Object::Closure { captures, .. } => captures.len() * V,
                Object::Cell(_) => V,
                // The key images are owned by the table: they count too.
                Object::Map(m) => m.heap_bytes(),
                Object::Set(s) => {
                    s.capacity() * SET_ENTRY_BYTES + s.keys().map(Key::heap_size).sum::<usize>()
                }
                Object::Tree(t) => t.len() * TREE_ENTRY_BYTES,
                Object::Graph(g) => {
                    g.node_count() * GRAPH_NODE_BYTES + g.edge_count() * GRAPH_EDGE_BYTES
                }
            }
    }

    /// Calls `f` on every value the object refers to.
    fn each_child(&self, mut f: impl FnMut(Value)) {
        match self {
            Object::Str(_) => {}
            Object::Array(xs) => xs.iter().copied().for_each(f),
            Object::Tuple(xs)
            | Object::Struct { fields: xs, .. }
            | Object::Variant { fields: xs, .. } => xs.iter().copied().for_each(f),
            Object::Closure { captures, .. } => captures.iter().copied().for_each(f),
            Object::Cell(v) => f(*v),
            Object::Map(m) => m.each_child(f),
            Object::Set(s) => s.values().copied().for_each(f),
            Object::Tree(t) => t.values().for_each(|(k, v)| {
                f(*k);
                f(*v);
            }),
            Object::Graph(g) => {
                g.node_weights().copied().for_each(&mut f);
                g.edge_weights().copied().for_each(f);
            }
        }
    }
}

/// What every object costs besides its contents: its slot, its mark and
/// its share of the collector's work list, and its own allocation's header
/// (a String's reference counts) and the allocator's bookkeeping and
/// rounding of it.
pub const OBJECT_BYTES: usize = std::mem::size_of::<Option<Object>>() + 48;

/// The table behind Sets, and behind Maps with [`MapTable`]: insertion-ordered (`indexmap`), hashed
/// with foldhash. Keys are small owned images ([`Key`]) whose hashing is a
/// few multiplications for Ints and one pass over a String's bytes;
/// foldhash is among the fastest hashers for such keys while its per-process
/// random seed keeps an untrusted program from choosing colliding keys
/// (iteration order is insertion order, so the seed never shows).
pub type KeyMap<V> = IndexMap<Key, V, foldhash::fast::RandomState>;

/// One entry of a Map: the key as the program gave it, its value, and the
/// `Some(value)` that `Map::get` returned for it, if it was asked for.
///
/// `Option` values are immutable and MVL compares values structurally, never
/// by identity, so one `Some(value)` object can serve every `get` of the
/// entry: the first `get` allocates it and stores it here, later ones return
/// it (a lookup loop allocates nothing after its first round). Whatever
/// replaces the entry's value makes a new entry (`Map::insert`), so the
/// cached object always holds the current value. The collector traces it as
/// one of the map's children.
#[derive(Clone, Copy, Debug)]
pub struct MapEntry {
    pub key: Value,
    pub value: Value,
    pub some: Option<ObjRef>,
}

impl MapEntry {
    /// An entry whose `Some(value)` has not been made yet.
    pub fn new(key: Value, value: Value) -> MapEntry {
        MapEntry {
            key,
            value,
            some: None,
        }
    }
}

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

/// What the collector has done, for `gc::stats()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcStats {
    pub collections: u64,
    /// Bytes of the objects that survived the last collection.
    pub live_bytes: usize,
    /// Bytes of all objects now (live at the last collection plus those
    /// allocated since).
    pub heap_bytes: usize,
    /// The largest `heap_bytes` seen.
    pub peak_bytes: usize,
    /// Bytes allocated before the last collection, since the heap was
    /// made ([`Heap::allocated_bytes`] adds those since).
    pub allocated_before: u64,
    /// Objects freed by every collection so far ([`Heap::allocated_objects`]
    /// adds those alive now).
    pub freed_objects: u64,
}

/// How the collector behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcConfig {
    /// The most bytes live data may take; more is "out of memory".
    pub max_heap: Option<usize>,
    /// Collect at the first safe point after every allocation (to shake
    /// out missing roots in tests) while live data is at most
    /// [`STRESS_EVERY_UP_TO`] bytes; beyond, after every k-th allocation, k
    /// growing with the live data, so that stress mode costs a bounded
    /// factor instead of making big programs quadratic.
    pub stress: bool,
}

/// Stress mode collects after every allocation up to this many bytes of
/// live data.
pub const STRESS_EVERY_UP_TO: usize = 16 << 10;

impl GcConfig {
    /// Stress mode when the environment variable `MVM_GC_STRESS` is set to
    /// anything but `0`: how CI runs the examples with a collection after
    /// every allocation.
    pub fn stress_from_env() -> bool {
        std::env::var_os("MVM_GC_STRESS").is_some_and(|v| v != "0")
    }
}

/// The most parts (scalars, strings and containers) one map or set key may
/// have; see [`Heap::key`].
pub const MAX_KEY_PARTS: usize = 1 << 20;

/// The deepest nesting a map or set key may have (its image is hashed and
/// compared recursively).
pub const MAX_KEY_DEPTH: usize = 10_000;

/// Collections are not considered below this many allocated bytes.
const MIN_THRESHOLD: usize = 4 << 20;

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

#[derive(Clone, Debug, Default)]
pub struct Heap {
    slots: Vec<Option<Object>>,
    /// Bytes of the fibers' registers and frames (see [`Heap::grow_stacks`]).
    stack_bytes: usize,
    /// Bytes of the loaded module (see [`Heap::hold_module`]).
    module_bytes: usize,
    /// Allocations since stress mode last asked for a collection.
    stress_count: usize,
    free: Vec<u32>,
    live_objects: usize,
    allocated_since: usize,
    threshold: usize,
    requested: bool,
    /// Whether a collection is due: kept current by every change to the
    /// counters, so that the interpreter's per-instruction check is one load.
    due: bool,
    /// The character positions of the string last sliced or measured
    /// (see [`Heap::char_index`]); dropped by every collection, so it keeps
    /// no dead string alive across one.
    char_index: Option<CharIndex>,
    pub config: GcConfig,
    pub stats: GcStats,
}

impl Heap {
    pub fn new(config: GcConfig) -> Heap {
        Heap {
            config,
            threshold: MIN_THRESHOLD,
            ..Heap::default()
        }
    }

    pub fn alloc(&mut self, object: Object) -> Value {
        if self.config.stress {
            self.stress_count += 1;
            if self.stress_count >= (self.stats.live_bytes / STRESS_EVERY_UP_TO).max(1) {
                self.stress_count = 0;
                self.requested = true;
            }
        }
        self.account(object.size());
        self.live_objects += 1;
        let slot = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(object);
                i
            }
            None => {
                self.slots.push(Some(object));
                self.slots.len() as u32 - 1
            }
        };
        Value::Obj(ObjRef(slot))
    }

    /// Bytes allocated since the heap was made, freed or not (what
    /// `mvlc run --profile-alloc` counts; kept at collections, so that
    /// allocating costs nothing more for it).
    pub fn allocated_bytes(&self) -> u64 {
        self.stats.allocated_before + self.allocated_since as u64
    }

    /// Objects allocated since the heap was made, freed or not (what
    /// `--stats` counts; kept at collections, so that allocating costs
    /// nothing more for it).
    pub fn allocated_objects(&self) -> u64 {
        self.stats.freed_objects + self.live_objects as u64
    }

    /// Records `bytes` more in use (an allocation, or a container growing).
    pub fn account(&mut self, bytes: usize) {
        self.allocated_since += bytes;
        self.stats.heap_bytes += bytes;
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.stats.heap_bytes);
        // Past the limit (live data, the stacks and the module), at once:
        // so `out of memory` is found at the first allocation after which
        // live data does not fit, in stress mode or not.
        self.due = self.requested
            || self.allocated_since > self.threshold.max(MIN_THRESHOLD)
            || self
                .config
                .max_heap
                .is_some_and(|max| self.stats.heap_bytes.saturating_add(self.fixed_bytes()) > max);
    }

    /// Records that the fibers' register files and frame stacks grew by
    /// `bytes` (they never shrink). They count against the heap limit like
    /// live data; returns whether the total still fits.
    pub fn grow_stacks(&mut self, bytes: usize) -> bool {
        self.stack_bytes = self.stack_bytes.saturating_add(bytes);
        self.fits(self.stats.live_bytes)
    }

    /// Records that the loaded module takes `bytes` (its code, constants
    /// and tables, see `Module::memory_bytes`): they count against the heap
    /// limit like live data. Returns whether they fit.
    pub fn hold_module(&mut self, bytes: usize) -> bool {
        self.module_bytes = bytes;
        self.fits(self.stats.live_bytes)
    }

    /// Whether `live` bytes of objects and the fixed bytes fit the limit.
    fn fits(&self, live: usize) -> bool {
        self.config
            .max_heap
            .is_none_or(|max| live.saturating_add(self.fixed_bytes()) <= max)
    }

    /// Whether the fixed bytes alone fit the limit.
    pub fn fixed_bytes_fit(&self) -> bool {
        self.fits(0)
    }

    /// The bytes the fibers' register files and frame stacks take.
    pub fn stack_bytes(&self) -> usize {
        self.stack_bytes
    }

    /// The bytes held besides objects, which count against the limit
    /// like them: the register files, frame stacks and the loaded module.
    pub fn fixed_bytes(&self) -> usize {
        self.stack_bytes.saturating_add(self.module_bytes)
    }

    /// The bytes of the loaded module.
    pub fn module_bytes(&self) -> usize {
        self.module_bytes
    }

    /// Whether the VM should collect at its next safe point.
    #[inline]
    pub fn wants_collection(&self) -> bool {
        self.due
    }

    /// Asks for a collection at the next safe point (`gc::collect()`).
    pub fn request_collection(&mut self) {
        self.requested = true;
        self.due = true;
    }

    /// Frees every object not reachable from `roots`; returns whether the
    /// live data fits the heap limit.
    pub fn collect(&mut self, roots: impl IntoIterator<Item = Value>) -> bool {
        self.char_index = None;
        let mut marks = vec![false; self.slots.len()];
        let mut work: Vec<u32> = Vec::new();
        let push = |v: Value, marks: &mut Vec<bool>, work: &mut Vec<u32>| {
            if let Value::Obj(r) = v {
                if let Some(m) = marks.get_mut(r.0 as usize) {
                    if !*m {
                        *m = true;
                        work.push(r.0);
                    }
                }
            }
        };
        for v in roots {
            push(v, &mut marks, &mut work);
        }
        while let Some(i) = work.pop() {
            if let Some(Some(o)) = self.slots.get(i as usize) {
                o.each_child(|c| push(c, &mut marks, &mut work));
            }
        }
        let mut live = 0;
        let objects_before = self.live_objects;
        self.live_objects = 0;
        for (i, slot) in self.slots.iter_mut().enumerate() {
            match slot {
                Some(o) if marks[i] => {
                    live += o.size();
                    self.live_objects += 1;
                }
                Some(_) => {
                    *slot = None;
                    self.free.push(i as u32);
                }
                None => {}
            }
        }
        self.stats.collections += 1;
        self.stats.freed_objects += (objects_before - self.live_objects) as u64;
        self.stats.live_bytes = live;
        self.stats.heap_bytes = live;
        self.stats.allocated_before += self.allocated_since as u64;
        self.allocated_since = 0;
        self.requested = false;
        self.due = false;
        self.threshold = live.max(MIN_THRESHOLD);
        self.fits(live)
    }

    /// Checks the collector's invariants right after a collection, given
    /// the same roots: every root and every child of a live object names a
    /// live slot (nothing reachable was freed), the free list names exactly
    /// the empty slots, once each, and the live count is right. Stress mode
    /// runs it after every collection (see `Vm`), so a missing root shows up
    /// in the tests as an error instead of a later wrong result.
    pub fn check_invariants(&self, roots: &[Value]) -> Result<(), String> {
        let live = |v: Value| match v {
            Value::Obj(r) => self.get(r).is_some(),
            _ => true,
        };
        if let Some(bad) = roots.iter().find(|v| !live(**v)) {
            return Err(format!("a root names a freed object: {bad:?}"));
        }
        let mut count = 0;
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some(o) = slot {
                count += 1;
                let mut dangling = None;
                o.each_child(|c| {
                    if !live(c) {
                        dangling = Some(c);
                    }
                });
                if let Some(c) = dangling {
                    return Err(format!("object #{i} refers to a freed object: {c:?}"));
                }
            }
        }
        if count != self.live_objects {
            return Err(format!(
                "{count} live objects, but the heap counts {}",
                self.live_objects
            ));
        }
        let mut free = vec![false; self.slots.len()];
        for &f in &self.free {
            let i = f as usize;
            if i >= self.slots.len() || self.slots[i].is_some() || free[i] {
                return Err(format!("the free list names slot #{i} wrongly"));
            }
            free[i] = true;
        }
        if self.free.len() + count != self.slots.len() {
            return Err("an empty slot is missing from the free list".to_string());
        }
        Ok(())
    }

    pub fn get(&self, r: ObjRef) -> Option<&Object> {
        self.slots.get(r.0 as usize).and_then(|s| s.as_ref())
    }

    pub fn get_mut(&mut self, r: ObjRef) -> Option<&mut Object> {
        self.slots.get_mut(r.0 as usize).and_then(|s| s.as_mut())
    }

    /// The object behind a value, if it is one.
    pub fn object(&self, v: Value) -> Option<&Object> {
        match v {
            Value::Obj(r) => self.get(r),
            _ => None,
        }
    }

    pub fn alloc_str(&mut self, s: &str) -> Value {
        self.alloc(Object::Str(s.into()))
    }

    /// The character positions of `text`, kept for the string last asked
    /// about: asking again about the same string scans nothing. The index
    /// holds its own reference to the text, so the pointer comparison
    /// cannot match a freed allocation reused by another string.
    pub fn char_index(&mut self, text: &Arc<str>) -> &CharIndex {
        if !matches!(&self.char_index, Some(c) if Arc::ptr_eq(c.text(), text)) {
            self.char_index = None;
        }
        self.char_index
            .get_or_insert_with(|| CharIndex::new(text.clone()))
    }

    /// The shared text of a string value (a reference count, no copy).
    pub fn shared_str(&self, v: Value) -> Option<Arc<str>> {
        match self.object(v) {
            Some(Object::Str(s)) => Some(s.clone()),
            _ => None,
        }
    }

    /// The text of a string value.
    pub fn str(&self, v: Value) -> Option<&str> {
        match self.object(v) {
            Some(Object::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// How many objects are alive (as of the last collection, plus those
    /// allocated since).
    pub fn len(&self) -> usize {
        self.live_objects
    }

    pub fn is_empty(&self) -> bool {
        self.live_objects == 0
    }

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
        let mut work = vec![Work::Pair(a, b)];
        let mut seen: HashSet<(u32, u32), foldhash::fast::RandomState> = HashSet::default();
        while let Some(task) = work.pop() {
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
                if !seen.insert((x.0, y.0)) {
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

    /// The checker notices a root the collector was not given.
    #[test]
    fn a_missing_root_breaks_an_invariant() {
        let mut heap = Heap::new(GcConfig::default());
        let inner = heap.alloc_str("inner");
        let outer = heap.alloc(Object::Array(vec![inner]));
        heap.collect([outer]);
        assert_eq!(heap.check_invariants(&[outer]), Ok(()));
        heap.collect([]);
        let broken = heap
            .check_invariants(&[outer])
            .expect_err("outer was freed");
        assert!(broken.contains("freed"), "{broken}");
    }
}
