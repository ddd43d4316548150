//! The print form of values, as `print` and string interpolation show them:
//! Ints `42`, Floats in the shortest form that reads back to the same value
//! with `.0` when whole (`1.0`, `0.30000000000000004`, `1e300`), Strings raw
//! at top level and quoted inside containers, arrays `[1, 2]`, tuples
//! `(1, "a")`, structs `Point { x: 1.0, y: 2.0 }`, variants `Some(3)` and
//! `None`, maps `{"a": 1}` and sets `{1, 2}` in insertion order, trees
//! `{1: "a"}` in key order, graphs `Graph { nodes: [..], edges: [(0, 1, w)] }`.

use crate::heap::{Heap, Object};
use crate::value::Value;
use mvm_bytecode::{Module, TypeKind};
use std::fmt::Write;

/// Containers nested deeper than this print as `...` (a cyclic structure
/// through cells cannot loop forever).
const MAX_DEPTH: usize = 200;

/// The display form of `v`; strings raw.
pub fn display(heap: &Heap, module: &Module, v: Value) -> String {
    let mut out = String::new();
    write_value(heap, module, v, false, 0, &mut out);
    out
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
    }
    out.push('"');
}

fn write_value(
    heap: &Heap,
    module: &Module,
    v: Value,
    quoted: bool,
    depth: usize,
    out: &mut String,
) {
    if depth > MAX_DEPTH {
        out.push_str("...");
        return;
    }
    let list = |xs: &[Value], out: &mut String| {
        for (i, x) in xs.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_value(heap, module, *x, true, depth + 1, out);
        }
    };
    match v {
        Value::Unit => out.push_str("()"),
        Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(x) => out.push_str(&float(x)),
        Value::Fn(f) => {
            let name = module
                .functions
                .get(f as usize)
                .map_or("?", |f| f.name.as_str());
            let _ = write!(out, "<fn {name}>");
        }
        Value::Obj(r) => match heap.get(r) {
            None => out.push_str("<invalid>"),
            Some(Object::Str(s)) => {
                if quoted {
                    quote(s, out);
                } else {
                    out.push_str(s);
                }
            }
            Some(Object::Array(xs)) => {
                out.push('[');
                list(xs, out);
                out.push(']');
            }
            Some(Object::Tuple(xs)) => {
                out.push('(');
                list(xs, out);
                if xs.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Some(Object::Struct { ty, fields }) => {
                let desc = module.types.get(*ty as usize);
                out.push_str(desc.map_or("?", |d| d.name.as_str()));
                if fields.is_empty() {
                    out.push_str(" {}");
                    return;
                }
                out.push_str(" { ");
                for (i, f) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let name = match desc.map(|d| &d.kind) {
                        Some(TypeKind::Struct(names)) => names.get(i).map_or("?", |s| s.as_str()),
                        _ => "?",
                    };
                    out.push_str(name);
                    out.push_str(": ");
                    write_value(heap, module, *f, true, depth + 1, out);
                }
                out.push_str(" }");
            }
            Some(Object::Variant {
                ty,
                variant,
                fields,
            }) => {
                let name = match module.types.get(*ty as usize).map(|d| &d.kind) {
                    Some(TypeKind::Enum(vs)) => {
                        vs.get(*variant as usize).map_or("?", |v| v.0.as_str())
                    }
                    _ => "?",
                };
                out.push_str(name);
                if !fields.is_empty() {
                    out.push('(');
                    list(fields, out);
                    out.push(')');
                }
            }
            Some(Object::Closure { func, .. }) => {
                let name = module
                    .functions
                    .get(*func as usize)
                    .map_or("?", |f| f.name.as_str());
                let _ = write!(out, "<fn {name}>");
            }
            Some(Object::Cell(x)) => write_value(heap, module, *x, quoted, depth + 1, out),
            Some(Object::Map(m)) => {
                out.push('{');
                for (i, (k, v)) in m.values().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_value(heap, module, *k, true, depth + 1, out);
                    out.push_str(": ");
                    write_value(heap, module, *v, true, depth + 1, out);
                }
                out.push('}');
            }
            Some(Object::Set(s)) => {
                out.push('{');
                let xs: Vec<Value> = s.values().copied().collect();
                list(&xs, out);
                out.push('}');
            }
            Some(Object::Tree(t)) => {
                out.push('{');
                for (i, (k, v)) in t.values().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_value(heap, module, *k, true, depth + 1, out);
                    out.push_str(": ");
                    write_value(heap, module, *v, true, depth + 1, out);
                }
                out.push('}');
            }
            Some(Object::Graph(g)) => {
                out.push_str("Graph { nodes: [");
                let nodes: Vec<Value> = g.node_weights().copied().collect();
                list(&nodes, out);
                out.push_str("], edges: [");
                for (i, e) in g.raw_edges().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(out, "({}, {}, ", e.source().index(), e.target().index());
                    write_value(heap, module, e.weight, true, depth + 1, out);
                    out.push(')');
                }
                out.push_str("] }");
            }
        },
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
