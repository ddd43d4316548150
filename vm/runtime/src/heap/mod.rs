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
//!
//! The parts: the objects, what each costs and what it refers to in
//! `objects.rs`; the mark and sweep and its invariants in `collector.rs`;
//! equality, hashing and ordering of values (structural `==`, the [`Key`]
//! and [`OrdKey`] images) in `keys.rs`. This file holds the heap itself: its
//! slots, allocation, the accounting of bytes against the limit and the
//! accessors.

mod collector;
mod keys;
mod objects;

pub use keys::{Key, KeyMap, OrdKey, TotalF64, KEY_PART_BYTES, MAX_KEY_DEPTH, MAX_KEY_PARTS};
pub use objects::{
    MapEntry, Object, GRAPH_EDGE_BYTES, GRAPH_NODE_BYTES, OBJECT_BYTES, SET_ENTRY_BYTES,
    TREE_ENTRY_BYTES, VALUE_BYTES,
};

use crate::chars::CharIndex;
use crate::value::{ObjRef, Value};
use std::sync::Arc;

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

/// Collections are not considered below this many allocated bytes.
const MIN_THRESHOLD: usize = 4 << 20;

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
}
