//! The print form of values, as `print` and string interpolation show them:
//! Ints `42`, Floats in the shortest form that reads back to the same value
//! with `.0` when whole (`1.0`, `0.30000000000000004`, `1e300`), Strings raw
//! at top level and quoted inside containers, arrays `[1, 2]`, tuples
//! `(1, "a")`, structs `Point { x: 1.0, y: 2.0 }`, variants `Some(3)` and
//! `None`, maps `{"a": 1}` and sets `{1, 2}` in insertion order, trees
//! `{1: "a"}` in key order, graphs `Graph { nodes: [..], edges: [(0, 1, w)] }`.

use crate::heap::{Heap, Object};
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
    if let Some(s) = heap.str(v) {
        return s.to_string();
    }
    let mut out = String::new();
    write_value(heap, module, v, &mut out);
    out
}

/// The debug form of `v` (`"{v:?}"`): as it shows inside a container, a
/// String quoted with its escapes.
pub fn debug(heap: &Heap, module: &Module, v: Value) -> String {
    match heap.str(v) {
        Some(s) => {
            let mut out = String::new();
            quote(s, &mut out);
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

fn quote(s: &str, out: &mut String) {
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
        if out.len() > MAX_LEN {
            return;
        }
    }
    out.push('"');
}

/// One step of printing: the work list replaces recursion, so that no depth
/// of nesting needs host stack.
enum Task<'a> {
    /// A value, quoted if a String, at this depth of nesting.
    Value(Value, bool, usize),
    Text(&'a str),
    Owned(String),
    /// The end of an object's display: it is no longer on the path.
    Leave(ObjRef),
}

/// The tasks that display `xs` separated by commas.
fn list<'a>(xs: &[Value], depth: usize, tasks: &mut Vec<Task<'a>>) {
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            tasks.push(Task::Text(", "));
        }
        tasks.push(Task::Value(*x, true, depth + 1));
    }
}

fn write_value(heap: &Heap, module: &Module, v: Value, out: &mut String) {
    // The objects being displayed, outermost first: meeting one again is a
    // cycle.
    let mut path: HashSet<ObjRef> = HashSet::new();
    let mut stack = vec![Task::Value(v, false, 0)];
    while let Some(task) = stack.pop() {
        if out.len() > MAX_LEN {
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
            Task::Value(v, quoted, depth) => (v, quoted, depth),
        };
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
                    quote(s, out);
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
        let mut tasks: Vec<Task> = Vec::new();
        match object {
            Object::Str(_) | Object::Closure { .. } => {}
            Object::Array(xs) => {
                tasks.push(Task::Text("["));
                list(xs, depth, &mut tasks);
                tasks.push(Task::Text("]"));
            }
            Object::Tuple(xs) => {
                tasks.push(Task::Text("("));
                list(xs, depth, &mut tasks);
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
                    for (i, f) in fields.iter().enumerate() {
                        if i > 0 {
                            tasks.push(Task::Text(", "));
                        }
                        let name = match desc.map(|d| &d.kind) {
                            Some(TypeKind::Struct(names)) => {
                                names.get(i).map_or("?", |s| s.as_str())
                            }
                            _ => "?",
                        };
                        tasks.push(Task::Text(name));
                        tasks.push(Task::Text(": "));
                        tasks.push(Task::Value(*f, true, depth + 1));
                    }
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
                    list(fields, depth, &mut tasks);
                    tasks.push(Task::Text(")"));
                }
            }
            Object::Cell(x) => tasks.push(Task::Value(*x, quoted, depth + 1)),
            Object::Map(m) => {
                tasks.push(Task::Text("{"));
                for (i, (k, v)) in m.values().enumerate() {
                    if i > 0 {
                        tasks.push(Task::Text(", "));
                    }
                    tasks.push(Task::Value(*k, true, depth + 1));
                    tasks.push(Task::Text(": "));
                    tasks.push(Task::Value(*v, true, depth + 1));
                }
                tasks.push(Task::Text("}"));
            }
            Object::Set(s) => {
                tasks.push(Task::Text("{"));
                let xs: Vec<Value> = s.values().copied().collect();
                list(&xs, depth, &mut tasks);
                tasks.push(Task::Text("}"));
            }
            Object::Tree(t) => {
                tasks.push(Task::Text("{"));
                for (i, (k, v)) in t.values().enumerate() {
                    if i > 0 {
                        tasks.push(Task::Text(", "));
                    }
                    tasks.push(Task::Value(*k, true, depth + 1));
                    tasks.push(Task::Text(": "));
                    tasks.push(Task::Value(*v, true, depth + 1));
                }
                tasks.push(Task::Text("}"));
            }
            Object::Graph(g) => {
                tasks.push(Task::Text("Graph { nodes: ["));
                let nodes: Vec<Value> = g.node_weights().copied().collect();
                list(&nodes, depth, &mut tasks);
                tasks.push(Task::Text("], edges: ["));
                // The edges' ends are written now, into a buffer of text
                // the tasks borrow.
                let edges = g.raw_edges();
                let mut ends = Vec::with_capacity(edges.len());
                for e in edges {
                    ends.push(format!("({}, {}, ", e.source().index(), e.target().index()));
                }
                for (i, (e, end)) in edges.iter().zip(ends).enumerate() {
                    if i > 0 {
                        tasks.push(Task::Text(", "));
                    }
                    tasks.push(Task::Owned(end));
                    tasks.push(Task::Value(e.weight, true, depth + 1));
                    tasks.push(Task::Text(")"));
                }
                tasks.push(Task::Text("] }"));
            }
        }
        stack.push(Task::Leave(r));
        stack.extend(tasks.into_iter().rev());
    }
    if out.len() > MAX_LEN {
        let mut cut = MAX_LEN;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("...");
    }
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
