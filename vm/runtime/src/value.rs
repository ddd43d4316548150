//! Values: what registers hold. Scalars are stored inline; everything else
//! is an [`ObjRef`], a handle (an index) into the [`crate::heap::Heap`].
//! Values hold no host pointers, so the whole VM state is plain data.

/// A handle to a heap object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Unit,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A top-level function used as a value: its index in the module.
    Fn(u32),
    Obj(ObjRef),
}

impl Value {
    /// A short name of the value's kind, for runtime type errors.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Unit => "unit",
            Value::Bool(_) => "Bool",
            Value::Int(_) => "Int",
            Value::Float(_) => "Float",
            Value::Fn(_) => "function",
            Value::Obj(_) => "object",
        }
    }
}
