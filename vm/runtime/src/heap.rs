//! The heap: every object a program allocates, addressed by [`ObjRef`]
//! handles.
//!
//! Objects live in one `Vec`, and a handle is an index into it. There is no
//! garbage collector yet: objects are never freed, so a long-running program
//! that allocates keeps growing. The design leaves room for one: handles are
//! indices, so a mark-and-sweep over the roots (registers, cells reachable
//! from them) can free slots into a free list without moving anything.
//!
//! Maps and sets hash their keys structurally: a key is copied into a
//! [`Key`], an owned, hashable image of the value.

use crate::value::{ObjRef, Value};
use indexmap::IndexMap;

#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    Str(Box<str>),
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
    /// Insertion-ordered; each entry keeps the original key value.
    Map(IndexMap<Key, (Value, Value)>),
    Set(IndexMap<Key, Value>),
}

/// A hashable, owned image of a value, for map and set keys. Two values
/// have equal keys exactly when they are structurally equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Unit,
    Bool(bool),
    Int(i64),
    /// The bits of the float, with `-0.0` as `0.0` so that equal floats
    /// are equal keys.
    Float(u64),
    Str(Box<str>),
    Fn(u32),
    /// Tuples, structs, variants, arrays: a tag and the parts.
    Seq(u32, u32, Box<[Key]>),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Heap {
    objects: Vec<Object>,
}

impl Heap {
    pub fn alloc(&mut self, object: Object) -> Value {
        self.objects.push(object);
        Value::Obj(ObjRef(self.objects.len() as u32 - 1))
    }

    pub fn get(&self, r: ObjRef) -> Option<&Object> {
        self.objects.get(r.0 as usize)
    }

    pub fn get_mut(&mut self, r: ObjRef) -> Option<&mut Object> {
        self.objects.get_mut(r.0 as usize)
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

    /// The text of a string value.
    pub fn str(&self, v: Value) -> Option<&str> {
        match self.object(v) {
            Some(Object::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// How many objects are allocated (for reflection and tests).
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Structural equality, as `==` in MVL.
    pub fn equal(&self, a: Value, b: Value) -> bool {
        self.equal_depth(a, b, 0)
    }

    fn equal_depth(&self, a: Value, b: Value, depth: usize) -> bool {
        if depth > 10_000 {
            return false;
        }
        match (a, b) {
            (Value::Unit, Value::Unit) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::Fn(x), Value::Fn(y)) => x == y,
            (Value::Obj(x), Value::Obj(y)) if x == y => true,
            (Value::Obj(x), Value::Obj(y)) => {
                let all = |xs: &[Value], ys: &[Value]| {
                    xs.len() == ys.len()
                        && xs
                            .iter()
                            .zip(ys)
                            .all(|(p, q)| self.equal_depth(*p, *q, depth + 1))
                };
                match (self.get(x), self.get(y)) {
                    (Some(Object::Str(p)), Some(Object::Str(q))) => p == q,
                    (Some(Object::Array(p)), Some(Object::Array(q))) => all(p, q),
                    (Some(Object::Tuple(p)), Some(Object::Tuple(q))) => all(p, q),
                    (
                        Some(Object::Struct { ty: t1, fields: f1 }),
                        Some(Object::Struct { ty: t2, fields: f2 }),
                    ) => t1 == t2 && all(f1, f2),
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
                    ) => t1 == t2 && v1 == v2 && all(f1, f2),
                    (Some(Object::Map(p)), Some(Object::Map(q))) => {
                        p.len() == q.len()
                            && p.iter().all(|(k, (_, v))| {
                                q.get(k)
                                    .is_some_and(|(_, w)| self.equal_depth(*v, *w, depth + 1))
                            })
                    }
                    (Some(Object::Set(p)), Some(Object::Set(q))) => {
                        p.len() == q.len() && p.keys().all(|k| q.contains_key(k))
                    }
                    (Some(Object::Cell(p)), Some(Object::Cell(q))) => {
                        self.equal_depth(*p, *q, depth + 1)
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// The key image of a value (for maps and sets).
    pub fn key(&self, v: Value) -> Key {
        self.key_depth(v, 0)
    }

    fn key_depth(&self, v: Value, depth: usize) -> Key {
        if depth > 10_000 {
            return Key::Unit;
        }
        let seq = |tag: u32, sub: u32, xs: &[Value]| {
            Key::Seq(
                tag,
                sub,
                xs.iter().map(|x| self.key_depth(*x, depth + 1)).collect(),
            )
        };
        match v {
            Value::Unit => Key::Unit,
            Value::Bool(b) => Key::Bool(b),
            Value::Int(i) => Key::Int(i),
            Value::Float(x) => Key::Float(if x == 0.0 { 0 } else { x.to_bits() }),
            Value::Fn(f) => Key::Fn(f),
            Value::Obj(r) => match self.get(r) {
                Some(Object::Str(s)) => Key::Str(s.clone()),
                Some(Object::Array(xs)) => seq(0, 0, xs),
                Some(Object::Tuple(xs)) => seq(1, 0, xs),
                Some(Object::Struct { ty, fields }) => {
                    seq(ty.wrapping_mul(2).wrapping_add(2), 0, fields)
                }
                Some(Object::Variant {
                    ty,
                    variant,
                    fields,
                }) => seq(ty.wrapping_mul(2).wrapping_add(3), *variant, fields),
                Some(Object::Cell(x)) => self.key_depth(*x, depth + 1),
                Some(Object::Map(m)) => {
                    let parts: Vec<Value> = m.values().flat_map(|(k, v)| [*k, *v]).collect();
                    seq(u32::MAX, 0, &parts)
                }
                Some(Object::Set(s)) => {
                    let parts: Vec<Value> = s.values().copied().collect();
                    seq(u32::MAX - 1, 0, &parts)
                }
                Some(Object::Closure { func, .. }) => Key::Fn(*func),
                None => Key::Unit,
            },
        }
    }
}
