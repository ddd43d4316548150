//! The print form of values, as `print` and string interpolation show them:
//! Ints `42`, Floats in the shortest form that reads back to the same value
//! with `.0` when whole (`1.0`, `0.30000000000000004`, `1e300`), Strings raw
//! at top level and quoted inside containers, arrays `[1, 2]`, tuples
//! `(1, "a")`, structs `Point { x: 1.0, y: 2.0 }`, variants `Some(3)` and
//! `None`, maps `{"a": 1}` and sets `{1, 2}` in insertion order, trees
//! `{1: "a"}` in key order, graphs `Graph { nodes: [..], edges: [(0, 1, w)] }`.

use crate::heap::{Heap, Object, OrdKey};
use crate::value::{ObjRef, Value};
use mvm_bytecode::{Module, TypeKind};
use std::collections::HashSet;
use std::fmt::Write;

/// Containers nested deeper than this print as `...`.
pub const MAX_DEPTH: usize = 200;

/// The longest display form of one value, in bytes: a longer one is cut
/// here (at a character boundary) and ends in `...`, so that a value whose
/// parts are shared many times over (a tree of depth 60 whose two children
/// are the same value) cannot print exponentially much. A String printed by
/// itself is its whole text whatever its length.
pub const MAX_LEN: usize = 1 << 20;

/// What a value that contains itself prints in place of the repetition.
pub const CYCLE: &str = "<cycle>";

/// The display form of `v`; strings raw.
pub fn display(heap: &Heap, module: &Module, v: Value) -> String {
    display_within(heap, module, v, MAX_LEN as u64).0
}

/// The display form of `v`, at most `max_len` bytes long (and never more
/// than [`MAX_LEN`]); also the number of steps (values and container
/// entries visited) it took, which is at most about one per byte written,
/// and whether it was cut. A form cut at [`MAX_LEN`] ends in `...`. The
/// traversal keeps one task per open container, not one per element, so
/// its own memory is proportional to the nesting depth, not to the size
/// of the value. A String at top level is its whole text, whatever its
/// length.
pub fn display_within(heap: &Heap, module: &Module, v: Value, max_len: u64) -> (String, u64, bool) {
    if let Some(s) = heap.str(v) {
        return (s.to_string(), 1, false);
    }
    let max = (max_len.min(MAX_LEN as u64)) as usize;
    let mut out = String::new();
    let steps = write_value(heap, module, v, &mut out, max);
    let cut = out.len() > max;
    if cut {
        let mut at = max;
        while !out.is_char_boundary(at) {
            at -= 1;
        }
        out.truncate(at);
        if max == MAX_LEN {
            out.push_str("...");
        }
    }
    (out, steps, cut)
}

/// The debug form of `v` (`"{v:?}"`): as it shows inside a container, a
/// String quoted with its escapes (cut after [`MAX_LEN`] bytes, as inside
/// a container).
pub fn debug(heap: &Heap, module: &Module, v: Value) -> String {
    match heap.str(v) {
        Some(s) => {
            let mut out = String::new();
            quote(s, &mut out, MAX_LEN);
            out
        }
        None => display(heap, module, v),
    }
}

/// Floats: shortest round-trip form, `.0` when whole; Rust's `{:?}` does
/// exactly that (`1e300`, `inf`, `NaN`).
pub fn float(x: f64) -> String {
    format!("{x:?}")
}

fn quote(s: &str, out: &mut String, max: usize) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
        if out.len() > max {
            return;
        }
    }
    out.push('"');
}

/// Which entries of an object a [`Task::Entries`] walks.
#[derive(Clone, Copy)]
enum Entries {
    /// Array elements, tuple items, variant payloads: `a, b`.
    Items,
    /// Struct fields: `name: value, ...`.
    Fields,
    /// Map entries `k: v`.
    Map,
    /// Set members.
    Set,
    /// Graph node values.
    Nodes,
    /// Graph edges `(from, to, value)`.
    Edges,
}

/// One step of printing: the work list replaces recursion, so that no depth
/// of nesting needs host stack.
enum Task<'a> {
    /// A value, quoted if a String, at this depth of nesting.
    Value(Value, bool, usize),
    Text(&'a str),
    Owned(String),
    /// The entries of object `.0` from index `.2` on, at depth `.3`.
    Entries(ObjRef, Entries, usize, usize),
    /// The entries of tree `.0` after key `.1` (from the first if `None`).
    TreeFrom(ObjRef, Option<OrdKey>, usize),
    /// The end of an object's display: it is no longer on the path.
    Leave(ObjRef),
}

/// The fields of an object's entries list (array-like objects).
fn items(o: &Object) -> &[Value] {
    match o {
        Object::Array(xs) => xs,
        Object::Tuple(xs)
        | Object::Struct { fields: xs, .. }
        | Object::Variant { fields: xs, .. } => xs,
        _ => &[],
    }
}

/// Writes the display of `v` into `out`, stopping once it is longer than
/// `max`; returns the steps taken.
fn write_value(heap: &Heap, module: &Module, v: Value, out: &mut String, max: usize) -> u64 {
    // The objects being displayed, outermost first: meeting one again is a
    // cycle.
    let mut path: HashSet<ObjRef, foldhash::fast::RandomState> = HashSet::default();
    let mut stack = vec![Task::Value(v, false, 0)];
    let mut steps = 0u64;
    // One entry's tasks, in order (pushed reversed).
    let mut entry: Vec<Task> = Vec::with_capacity(4);
    while let Some(task) = stack.pop() {
        if out.len() > max {
            break;
        }
        let (v, quoted, depth) = match task {
            Task::Text(t) => {
                out.push_str(t);
                continue;
            }
            Task::Owned(t) => {
                out.push_str(&t);
                continue;
            }
            Task::Leave(r) => {
                path.remove(&r);
                continue;
            }
            Task::Entries(r, kind, i, depth) => {
                steps += 1;
                let Some(o) = heap.get(r) else { continue };
                let d = depth + 1;
                match (kind, o) {
                    (Entries::Items, o) => match items(o).get(i) {
                        Some(x) => entry.push(Task::Value(*x, true, d)),
                        None => continue,
                    },
                    (Entries::Fields, Object::Struct { ty, fields }) => {
                        let Some(f) = fields.get(i) else { continue };
                        let name = match module.types.get(*ty as usize).map(|d| &d.kind) {
                            Some(TypeKind::Struct(names)) => {
                                names.get(i).map_or("?", |s| s.as_str())
                            }
                            _ => "?",
                        };
                        entry.push(Task::Text(name));
                        entry.push(Task::Text(": "));
                        entry.push(Task::Value(*f, true, d));
                    }
                    (Entries::Map, Object::Map(m)) => {
                        let Some(e) = m.get_index(i) else {
                            continue;
                        };
                        entry.push(Task::Value(e.key, true, d));
                        entry.push(Task::Text(": "));
                        entry.push(Task::Value(e.value, true, d));
                    }
                    (Entries::Set, Object::Set(s)) => match s.get_index(i) {
                        Some((_, x)) => entry.push(Task::Value(*x, true, d)),
                        None => continue,
                    },
                    (Entries::Nodes, Object::Graph(g)) => match g.raw_nodes().get(i) {
                        Some(n) => entry.push(Task::Value(n.weight, true, d)),
                        None => continue,
                    },
                    (Entries::Edges, Object::Graph(g)) => {
                        let Some(e) = g.raw_edges().get(i) else {
                            continue;
                        };
                        entry.push(Task::Owned(format!(
                            "({}, {}, ",
                            e.source().index(),
                            e.target().index()
                        )));
                        entry.push(Task::Value(e.weight, true, d));
                        entry.push(Task::Text(")"));
                    }
                    _ => continue,
                }
                stack.push(Task::Entries(r, kind, i + 1, depth));
                stack.extend(entry.drain(..).rev());
                if i > 0 {
                    stack.push(Task::Text(", "));
                }
                continue;
            }
            Task::TreeFrom(r, after, depth) => {
                steps += 1;
                let Some(Object::Tree(t)) = heap.get(r) else {
                    continue;
                };
                let next = match &after {
                    None => t.iter().next(),
                    Some(k) => t
                        .range((std::ops::Bound::Excluded(k), std::ops::Bound::Unbounded))
                        .next(),
                };
                let Some((key, (k, x))) = next else { continue };
                stack.push(Task::TreeFrom(r, Some(key.clone()), depth));
                stack.push(Task::Value(*x, true, depth + 1));
                stack.push(Task::Text(": "));
                stack.push(Task::Value(*k, true, depth + 1));
                if after.is_some() {
                    stack.push(Task::Text(", "));
                }
                continue;
            }
            Task::Value(v, quoted, depth) => (v, quoted, depth),
        };
        steps += 1;
        if depth > MAX_DEPTH {
            out.push_str("...");
            continue;
        }
        let r = match v {
            Value::Unit => {
                out.push_str("()");
                continue;
            }
            Value::Bool(b) => {
                out.push_str(if b { "true" } else { "false" });
                continue;
            }
            Value::Int(i) => {
                let _ = write!(out, "{i}");
                continue;
            }
            Value::Float(x) => {
                out.push_str(&float(x));
                continue;
            }
            Value::Fn(f) => {
                let name = module
                    .functions
                    .get(f as usize)
                    .map_or("?", |f| f.name.as_str());
                let _ = write!(out, "<fn {name}>");
                continue;
            }
            Value::Obj(r) => r,
        };
        let object = match heap.get(r) {
            None => {
                out.push_str("<invalid>");
                continue;
            }
            Some(Object::Str(s)) => {
                if quoted {
                    quote(s, out, max);
                } else {
                    out.push_str(s);
                }
                continue;
            }
            Some(Object::Closure { func, .. }) => {
                let name = module
                    .functions
                    .get(*func as usize)
                    .map_or("?", |f| f.name.as_str());
                let _ = write!(out, "<fn {name}>");
                continue;
            }
            Some(o) => o,
        };
        if !path.insert(r) {
            out.push_str(CYCLE);
            continue;
        }
        // The object's display, in order; pushed reversed below.
        let tasks = &mut entry;
        let all = |kind| Task::Entries(r, kind, 0, depth);
        match object {
            Object::Str(_) | Object::Closure { .. } => {}
            Object::Array(_) => {
                tasks.push(Task::Text("["));
                tasks.push(all(Entries::Items));
                tasks.push(Task::Text("]"));
            }
            Object::Tuple(xs) => {
                tasks.push(Task::Text("("));
                tasks.push(all(Entries::Items));
                if xs.len() == 1 {
                    tasks.push(Task::Text(","));
                }
                tasks.push(Task::Text(")"));
            }
            Object::Struct { ty, fields } => {
                let desc = module.types.get(*ty as usize);
                tasks.push(Task::Text(desc.map_or("?", |d| d.name.as_str())));
                if fields.is_empty() {
                    tasks.push(Task::Text(" {}"));
                } else {
                    tasks.push(Task::Text(" { "));
                    tasks.push(all(Entries::Fields));
                    tasks.push(Task::Text(" }"));
                }
            }
            Object::Variant {
                ty,
                variant,
                fields,
            } => {
                let name = match module.types.get(*ty as usize).map(|d| &d.kind) {
                    Some(TypeKind::Enum(vs)) => {
                        vs.get(*variant as usize).map_or("?", |v| v.0.as_str())
                    }
                    _ => "?",
                };
                tasks.push(Task::Text(name));
                if !fields.is_empty() {
                    tasks.push(Task::Text("("));
                    tasks.push(all(Entries::Items));
                    tasks.push(Task::Text(")"));
                }
            }
            Object::Cell(x) => tasks.push(Task::Value(*x, quoted, depth + 1)),
            Object::Map(_) => {
                tasks.push(Task::Text("{"));
                tasks.push(all(Entries::Map));
                tasks.push(Task::Text("}"));
            }
            Object::Set(_) => {
                tasks.push(Task::Text("{"));
                tasks.push(all(Entries::Set));
                tasks.push(Task::Text("}"));
            }
            Object::Tree(_) => {
                tasks.push(Task::Text("{"));
                tasks.push(Task::TreeFrom(r, None, depth));
                tasks.push(Task::Text("}"));
            }
            Object::Graph(_) => {
                tasks.push(Task::Text("Graph { nodes: ["));
                tasks.push(all(Entries::Nodes));
                tasks.push(Task::Text("], edges: ["));
                tasks.push(all(Entries::Edges));
                tasks.push(Task::Text("] }"));
            }
        }
        stack.push(Task::Leave(r));
        stack.extend(tasks.drain(..).rev());
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_shortest_round_trip() {
        assert_eq!(float(1.0), "1.0");
        assert_eq!(float(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(float(1e300), "1e300");
        assert_eq!(float(-0.5), "-0.5");
    }

    #[test]
    fn strings_are_raw_at_top_and_quoted_inside() {
        let mut heap = Heap::default();
        let module = Module::default();
        let s = heap.alloc_str("a\"b");
        assert_eq!(display(&heap, &module, s), "a\"b");
        let arr = heap.alloc(Object::Array(vec![s, Value::Int(1)]));
        assert_eq!(display(&heap, &module, arr), "[\"a\\\"b\", 1]");
    }
}
