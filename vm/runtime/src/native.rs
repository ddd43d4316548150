//! The native API: how the standard library's Rust half plugs into the VM.
//!
//! A native is a plain function over values. It sees the heap, the module's
//! type descriptors and the [`Host`] through a [`NativeCtx`], and never
//! anything else of the VM. Natives are resolved by name when a module is
//! loaded, against a [`NativeRegistry`].

use crate::error::TraceFrame;
use crate::fiber::{trace_frame, Frame};
use crate::heap::{Heap, Object};
use crate::host::Host;
use crate::program::Program;
use crate::value::Value;
use mvm_bytecode::{Module, TypeKind};
use std::collections::HashMap;

/// What a native may touch.
pub struct NativeCtx<'a> {
    pub heap: &'a mut Heap,
    pub host: &'a mut dyn Host,
    pub module: &'a Module,
    pub program: &'a Program,
    /// The shared payload-less variants (see `ModuleState`).
    pub variants: &'a [Value],
    /// The call stack (outermost first); the last frame called the native.
    pub frames: &'a [Frame],
    /// The registers of the frame that called the native, from its first.
    pub regs: &'a [Value],
    /// The VM's random generator.
    pub rng: &'a mut crate::random::Rng,
}

impl NativeCtx<'_> {
    /// The MVL stack trace at the call, innermost first, every frame.
    pub fn call_stack(&self) -> Vec<TraceFrame> {
        self.frames
            .iter()
            .rev()
            .map(|f| trace_frame(self.module, f))
            .collect()
    }

    /// `Some(v)` or `None` of the prelude's `Option`, without a lookup:
    /// `None` is the shared value, `Some` one allocation.
    pub fn option(&mut self, v: Option<Value>) -> Result<Value, NativeError> {
        let Some(opt) = self.program.option() else {
            return Err(NativeError::Error(
                "the prelude's `Option` type is missing from this module".into(),
            ));
        };
        Ok(match v {
            Some(v) => self.heap.alloc(Object::Variant {
                ty: opt.ty,
                variant: opt.some,
                fields: Box::new([v]),
            }),
            None => self.variants[self.program.variant_slot(opt.ty, opt.none)],
        })
    }

    /// The registers of the frame that called the native.
    pub fn caller_registers(&self) -> &[Value] {
        let n = self
            .frames
            .last()
            .map_or(0, |f| self.program.n_regs(f.func as usize));
        &self.regs[..n.min(self.regs.len())]
    }

    /// The index of the enum type named `name` (such as the prelude's
    /// `Option`), and the index of its variant `variant`.
    pub fn variant(&self, name: &str, variant: &str) -> Option<(u32, u32)> {
        self.module
            .types
            .iter()
            .enumerate()
            .find_map(|(i, t)| match &t.kind {
                TypeKind::Enum(vs) if t.name == name => vs
                    .iter()
                    .position(|v| v.0 == variant)
                    .map(|v| (i as u32, v as u32)),
                _ => None,
            })
    }
}

/// How a native can fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NativeError {
    /// A runtime error with this message (the VM adds the stack trace).
    Error(String),
    /// The program asked to exit with this code.
    Exit(i32),
}

pub type NativeFn = fn(&mut NativeCtx<'_>, &[Value]) -> Result<Value, NativeError>;

/// Natives by name.
#[derive(Clone, Default)]
pub struct NativeRegistry {
    by_name: HashMap<String, NativeFn>,
}

impl NativeRegistry {
    pub fn register(&mut self, name: &str, f: NativeFn) {
        self.by_name.insert(name.to_string(), f);
    }

    pub fn get(&self, name: &str) -> Option<NativeFn> {
        self.by_name.get(name).copied()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(|k| k.as_str())
    }
}
