//! The objects of the heap: the [`Object`] enum and a Map's [`MapEntry`],
//! what every object costs in bytes (the estimates the heap counts against
//! its limit) and which values it refers to (what the collector traces).

use super::{Key, KeyMap, OrdKey};
use crate::map_table::MapTable;
use crate::value::{ObjRef, Value};
use std::collections::BTreeMap;
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
    #[inline]
    pub(super) fn size(&self) -> usize {
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
    pub(super) fn each_child(&self, mut f: impl FnMut(Value)) {
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
