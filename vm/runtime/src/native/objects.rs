//! What a native sees of the heap: the objects its arguments refer to,
//! read through typed accessors (or, to describe any value, a read-only
//! [`View`]), and objects made and grown through [`NativeCtx`] methods.
//! The heap counts every object it is given and every entry these methods
//! add, with the sizes it states itself (`heap::Object::size` and the
//! entry sizes beside it), so no native counts bytes. Growth that can fail
//! for memory (an array's buffer doubling) is charged here before it
//! happens. The `Object` enum, the heap and the interpreter stay behind
//! this API: a native cannot put a value where the collector would not
//! see it, nor grow an object without the heap knowing.
//!
//! Charging the *work* of a call (steps, bytes, the memory of what it is
//! about to make) stays the native's: it knows its sizes before it starts
//! (see the parent module, and [`Cost`]'s constructors for objects).

use super::{Cost, NativeCtx, NativeError};
use crate::chars::CharIndex;
use crate::heap::{
    GcStats, Key, KeyMap, Object, OrdKey, GRAPH_EDGE_BYTES, GRAPH_NODE_BYTES, SET_ENTRY_BYTES,
    TREE_ENTRY_BYTES, VALUE_BYTES,
};
use crate::map_table::MapTable;
use crate::maps;
use crate::value::Value;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A Tree's entries, by key: each keeps its original key value.
pub type TreeMap = BTreeMap<OrdKey, (Value, Value)>;

/// A Graph: a value on every node and edge.
pub type Graph = DiGraph<Value, Value>;

/// A read-only view of the object a value refers to: what describing any
/// value (reflection, display) needs, without the heap's representation.
#[derive(Clone, Copy, Debug)]
pub enum View<'a> {
    Str(&'a str),
    Array(&'a [Value]),
    Tuple(&'a [Value]),
    Struct {
        ty: u32,
        fields: &'a [Value],
    },
    Variant {
        ty: u32,
        variant: u32,
        fields: &'a [Value],
    },
    /// A function value with captures: the function's index.
    Closure {
        func: u32,
    },
    Cell(Value),
    Map(&'a MapTable),
    Set(&'a KeyMap<Value>),
    Tree(&'a TreeMap),
    Graph(&'a Graph),
}

fn expected<T>(what: &str, v: Value) -> Result<T, NativeError> {
    Err(NativeError::Error(match v {
        Value::Obj(_) => format!("expected {what}"),
        other => format!("expected {what}, found {}", other.kind()),
    }))
}

impl NativeCtx<'_> {
    fn object(&self, v: Value) -> Option<&Object> {
        self.heap.object(v)
    }

    fn object_mut(&mut self, v: Value) -> Option<&mut Object> {
        match v {
            Value::Obj(r) => self.heap.get_mut(r),
            _ => None,
        }
    }

    /// What `v` refers to, if it is an object.
    pub fn view(&self, v: Value) -> Option<View<'_>> {
        Some(match self.object(v)? {
            Object::Str(s) => View::Str(s),
            Object::Array(xs) => View::Array(xs),
            Object::Tuple(xs) => View::Tuple(xs),
            Object::Struct { ty, fields } => View::Struct { ty: *ty, fields },
            Object::Variant {
                ty,
                variant,
                fields,
            } => View::Variant {
                ty: *ty,
                variant: *variant,
                fields,
            },
            Object::Closure { func, .. } => View::Closure { func: *func },
            Object::Cell(v) => View::Cell(*v),
            Object::Map(m) => View::Map(m),
            Object::Set(s) => View::Set(s),
            Object::Tree(t) => View::Tree(t),
            Object::Graph(g) => View::Graph(g),
        })
    }

    /// The text of a String value.
    pub fn str(&self, v: Value) -> Option<&str> {
        self.heap.str(v)
    }

    /// The text of a String value, shared (not copied).
    pub fn shared_str(&self, v: Value) -> Option<Arc<str>> {
        self.heap.shared_str(v)
    }

    /// Where the characters of `text` start (made once per text and kept).
    pub fn char_index(&mut self, text: &Arc<str>) -> &CharIndex {
        self.heap.char_index(text)
    }

    /// The elements of an array.
    pub fn array(&self, v: Value) -> Result<&[Value], NativeError> {
        match self.object(v) {
            Some(Object::Array(xs)) => Ok(xs),
            _ => expected("an array", v),
        }
    }

    /// The elements of an array, to change in place (its length stays).
    pub fn array_mut(&mut self, v: Value) -> Result<&mut [Value], NativeError> {
        match self.object_mut(v) {
            Some(Object::Array(xs)) => Ok(xs),
            _ => expected("an array", v),
        }
    }

    fn array_vec(&mut self, v: Value) -> Result<&mut Vec<Value>, NativeError> {
        match self.object_mut(v) {
            Some(Object::Array(xs)) => Ok(xs),
            _ => expected("an array", v),
        }
    }

    /// Makes room for one more element of array `a`: when its buffer is
    /// full it is about to double, and the new buffer is charged first.
    fn array_room(&mut self, a: Value) -> Result<(), NativeError> {
        let xs = self.array_vec(a)?;
        let (len, had) = (xs.len(), xs.capacity());
        if len == had {
            let memory = (had.max(4) as u64 * 2).saturating_mul(VALUE_BYTES as u64);
            self.charge(Cost {
                steps: 1,
                bytes: 0,
                memory,
            })?;
        }
        Ok(())
    }

    /// Applies `grow` to array `a` and counts what its buffer grew by.
    fn array_grow<T>(
        &mut self,
        a: Value,
        grow: impl FnOnce(&mut Vec<Value>) -> T,
    ) -> Result<T, NativeError> {
        self.array_room(a)?;
        let xs = self.array_vec(a)?;
        let had = xs.capacity();
        let out = grow(xs);
        let grown = (xs.capacity() - had) * VALUE_BYTES;
        self.heap.account(grown);
        Ok(out)
    }

    /// Appends `x` to array `a`.
    pub fn array_push(&mut self, a: Value, x: Value) -> Result<(), NativeError> {
        self.array_grow(a, |xs| xs.push(x))
    }

    /// Inserts `x` at `i` (at most the length) of array `a`.
    pub fn array_insert(&mut self, a: Value, i: usize, x: Value) -> Result<(), NativeError> {
        let len = self.array(a)?.len();
        if i > len {
            return Err(NativeError::Error(format!(
                "index out of bounds: the index is {i} but the length is {len}"
            )));
        }
        self.array_grow(a, |xs| xs.insert(i, x))
    }

    /// Removes and returns element `i` (below the length) of array `a`.
    pub fn array_remove(&mut self, a: Value, i: usize) -> Result<Value, NativeError> {
        let xs = self.array_vec(a)?;
        if i >= xs.len() {
            let len = xs.len();
            return Err(NativeError::Error(format!(
                "index out of bounds: the index is {i} but the length is {len}"
            )));
        }
        Ok(xs.remove(i))
    }

    /// Removes and returns the last element of array `a`.
    pub fn array_pop(&mut self, a: Value) -> Result<Option<Value>, NativeError> {
        Ok(self.array_vec(a)?.pop())
    }

    /// The entries of a map.
    pub fn map(&self, v: Value) -> Result<&MapTable, NativeError> {
        match self.object(v) {
            Some(Object::Map(m)) => Ok(m),
            _ => expected("a map", v),
        }
    }

    /// `map.get(key)`, as the instruction `mapget` runs it.
    pub fn map_get(&mut self, map: Value, key: Value) -> Result<Value, NativeError> {
        maps::get(
            self.heap,
            &mut self.meter,
            self.program,
            self.variants,
            map,
            key,
        )
    }

    /// `map.insert(key, value)`, as the instruction `mapins` runs it.
    pub fn map_insert(
        &mut self,
        map: Value,
        key: Value,
        value: Value,
    ) -> Result<Value, NativeError> {
        maps::insert(
            self.heap,
            &mut self.meter,
            self.program,
            self.variants,
            map,
            key,
            value,
        )
    }

    /// `map.contains_key(key)`, as the instruction `maphas` runs it.
    pub fn map_contains(&mut self, map: Value, key: Value) -> Result<bool, NativeError> {
        maps::contains(self.heap, &mut self.meter, map, key)
    }

    /// Removes the entry of `key` from `map` (the others keep their
    /// order), returning its value.
    pub fn map_remove(&mut self, map: Value, key: Value) -> Result<Option<Value>, NativeError> {
        let key = self.key_of(key)?;
        match self.object_mut(map) {
            Some(Object::Map(m)) => Ok(m.shift_remove(&key).map(|e| e.value)),
            _ => expected("a map", map),
        }
    }

    /// The key image of a map or set key, charged as it is built (see
    /// `maps::key_of`).
    pub fn key_of(&mut self, v: Value) -> Result<Key, NativeError> {
        maps::key_of(self.heap, &mut self.meter, v)
    }

    /// The members of a set, by key image.
    pub fn set(&self, v: Value) -> Result<&KeyMap<Value>, NativeError> {
        match self.object(v) {
            Some(Object::Set(s)) => Ok(s),
            _ => expected("a set", v),
        }
    }

    /// Adds `v` to set `s`: whether it was not there.
    pub fn set_insert(&mut self, s: Value, v: Value) -> Result<bool, NativeError> {
        let key = self.key_of(v)?;
        let bytes = SET_ENTRY_BYTES + key.heap_size();
        let new = match self.object_mut(s) {
            Some(Object::Set(set)) => set.insert(key, v).is_none(),
            _ => return expected("a set", s),
        };
        if new {
            self.heap.account(bytes);
        }
        Ok(new)
    }

    /// Removes `v` from set `s`: whether it was there.
    pub fn set_remove(&mut self, s: Value, v: Value) -> Result<bool, NativeError> {
        let key = self.key_of(v)?;
        match self.object_mut(s) {
            Some(Object::Set(set)) => Ok(set.shift_remove(&key).is_some()),
            _ => expected("a set", s),
        }
    }

    /// Whether set `s` holds `v`.
    pub fn set_contains(&mut self, s: Value, v: Value) -> Result<bool, NativeError> {
        let key = self.key_of(v)?;
        Ok(self.set(s)?.contains_key(&key))
    }

    /// The entries of a tree.
    pub fn tree(&self, v: Value) -> Result<&TreeMap, NativeError> {
        match self.object(v) {
            Some(Object::Tree(t)) => Ok(t),
            _ => expected("a tree", v),
        }
    }

    /// The order key of a Tree key, or `None` for a value that is not one
    /// (an Int, a Float, a String or a tuple of them).
    pub fn ord_key(&self, v: Value) -> Option<OrdKey> {
        self.heap.ord_key(v)
    }

    /// `tree.insert(key, value)` with `key`'s order key `ok`: the value it
    /// replaced.
    pub fn tree_insert(
        &mut self,
        t: Value,
        ok: OrdKey,
        key: Value,
        value: Value,
    ) -> Result<Option<Value>, NativeError> {
        let old = match self.object_mut(t) {
            Some(Object::Tree(tree)) => tree.insert(ok, (key, value)).map(|(_, old)| old),
            _ => return expected("a tree", t),
        };
        if old.is_none() {
            self.heap.account(TREE_ENTRY_BYTES);
        }
        Ok(old)
    }

    /// Removes the entry of order key `ok` from tree `t`: its value.
    pub fn tree_remove(&mut self, t: Value, ok: &OrdKey) -> Result<Option<Value>, NativeError> {
        match self.object_mut(t) {
            Some(Object::Tree(tree)) => Ok(tree.remove(ok).map(|(_, v)| v)),
            _ => expected("a tree", t),
        }
    }

    /// A graph's nodes and edges.
    pub fn graph(&self, v: Value) -> Result<&Graph, NativeError> {
        match self.object(v) {
            Some(Object::Graph(g)) => Ok(g),
            _ => expected("a graph", v),
        }
    }

    fn graph_mut(&mut self, v: Value) -> Result<&mut Graph, NativeError> {
        match self.object_mut(v) {
            Some(Object::Graph(g)) => Ok(g),
            _ => expected("a graph", v),
        }
    }

    /// Adds a node holding `v` to graph `g`: its id.
    pub fn graph_add_node(&mut self, g: Value, v: Value) -> Result<usize, NativeError> {
        let id = self.graph_mut(g)?.add_node(v).index();
        self.heap.account(GRAPH_NODE_BYTES);
        Ok(id)
    }

    /// Adds an edge holding `w` from node `a` to node `b` (ids of `g`).
    pub fn graph_add_edge(
        &mut self,
        g: Value,
        a: usize,
        b: usize,
        w: Value,
    ) -> Result<(), NativeError> {
        let graph = self.graph_mut(g)?;
        let n = graph.node_count();
        if let Some(bad) = [a, b].into_iter().find(|id| *id >= n) {
            return Err(NativeError::Error(format!(
                "no node {bad} in a graph of {n} nodes"
            )));
        }
        graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), w);
        self.heap.account(GRAPH_EDGE_BYTES);
        Ok(())
    }

    /// A new String.
    pub fn new_str(&mut self, s: &str) -> Value {
        self.heap.alloc_str(s)
    }

    /// A new array of `xs`.
    pub fn new_array(&mut self, xs: Vec<Value>) -> Value {
        self.heap.alloc(Object::Array(xs))
    }

    /// A new tuple of `xs`.
    pub fn new_tuple(&mut self, xs: Vec<Value>) -> Value {
        self.heap.alloc(Object::Tuple(xs.into_boxed_slice()))
    }

    /// A new value of struct type `ty` (a type index of the module) with
    /// `fields` in declaration order.
    pub fn new_struct(&mut self, ty: u32, fields: Vec<Value>) -> Value {
        self.heap.alloc(Object::Struct {
            ty,
            fields: fields.into_boxed_slice(),
        })
    }

    /// A new value of variant `variant` of enum type `ty`, with `fields`.
    /// A variant without fields is shared: [`NativeCtx::unit_variant`].
    pub fn new_variant(&mut self, ty: u32, variant: u32, fields: Vec<Value>) -> Value {
        self.heap.alloc(Object::Variant {
            ty,
            variant,
            fields: fields.into_boxed_slice(),
        })
    }

    /// The shared value of payload-less variant `variant` of enum type
    /// `ty`.
    pub fn unit_variant(&self, ty: u32, variant: u32) -> Value {
        self.variants[self.program.variant_slot(ty, variant)]
    }

    /// A new, empty Map.
    pub fn new_map(&mut self) -> Value {
        self.heap.alloc(Object::Map(Box::default()))
    }

    /// A new Set of `members` (its size counts their key images).
    pub fn new_set(&mut self, members: KeyMap<Value>) -> Value {
        self.heap.alloc(Object::Set(Box::new(members)))
    }

    /// A new, empty Tree.
    pub fn new_tree(&mut self) -> Value {
        self.heap.alloc(Object::Tree(Box::default()))
    }

    /// A new, empty Graph.
    pub fn new_graph(&mut self) -> Value {
        self.heap.alloc(Object::Graph(Box::default()))
    }

    /// The order of two Ints, Floats or Strings as `<` compares them;
    /// `None` for anything else (and for NaN).
    pub fn compare(&self, a: Value, b: Value) -> Option<std::cmp::Ordering> {
        crate::interp::compare_values(self.heap, a, b)
    }

    /// The collector's counts (what `gc::stats()` reports).
    pub fn gc_stats(&self) -> GcStats {
        self.heap.stats
    }

    /// Asks for a collection at the next safe point (`gc::collect()`).
    pub fn request_collection(&mut self) {
        self.heap.request_collection()
    }

    /// The most bytes of output this call can still pay for, capped at
    /// `cap` (see `Meter::affordable_bytes`).
    pub fn affordable_bytes(&self, cap: u64) -> u64 {
        self.meter.affordable_bytes(self.heap, cap)
    }

    /// The debug form of `v` (as `{v:?}` shows it), not charged: the
    /// caller charges it as output.
    pub fn debug(&self, v: Value) -> String {
        crate::display::debug(self.heap, self.program.module(), v)
    }
}
