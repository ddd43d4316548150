//! A loaded program: the verified module and everything precomputed from it
//! that execution reads but never changes.
//!
//! A [`Program`] is immutable and `Send + Sync`: several VMs (or, later,
//! several fibers on several cores) can share one behind an `Arc`. It holds
//! no heap values; what a run allocates from it (the constant strings, the
//! shared payload-less variants) lives in [`crate::interp::ModuleState`].

use crate::native::{NativeFn, NativeRegistry};
use crate::value::Value;
use mvm_bytecode::ops::ValType;
use mvm_bytecode::{Module, Op, TypeKind, Verified, VerifyErrors};
use std::fmt;

/// Why a module could not be loaded.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadError {
    Verify(VerifyErrors),
    UnknownNative(String),
    /// A library or a program's imports could not be linked (see
    /// [`crate::link_libraries`]); the message names the item.
    Link(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Verify(e) => write!(f, "{e}"),
            LoadError::UnknownNative(n) => {
                write!(f, "the native function `{n}` is not provided by this VM")
            }
            LoadError::Link(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// The prelude's `Option` type, found once at load time so that natives
/// returning an `Option` pay no lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionType {
    pub ty: u32,
    pub some: u32,
    pub none: u32,
}

/// A verified module with its natives resolved.
pub struct Program {
    module: Module,
    natives: Vec<NativeFn>,
    /// For each type descriptor, the index of its first payload-less
    /// variant in [`crate::interp::ModuleState`]'s shared variants (and
    /// how many variant slots precede it); structs take no slots.
    variant_base: Vec<u32>,
    /// How many shared variant slots there are.
    variant_slots: u32,
    option: Option<OptionType>,
    /// Per function, whether its signature has a parameter whose type a
    /// call through a function value must check ([`Program::wrong_argument`]).
    checked_params: Vec<bool>,
}

impl Program {
    /// Resolves the natives of a verified module against `registry`.
    pub fn new(verified: Verified, registry: &NativeRegistry) -> Result<Program, LoadError> {
        let module = verified.into_module();
        if module.is_library() {
            return Err(LoadError::Link(format!(
                "`{}` is a library: it has no entry function; run a program that imports it",
                module.library
            )));
        }
        if let Some(i) = module.imports.first() {
            return Err(LoadError::Link(format!(
                "the module imports `{}::{}`, which is not linked (libraries are linked by `mvm run`)",
                i.module, i.name
            )));
        }
        let mut natives = Vec::with_capacity(module.natives.len());
        for name in &module.natives {
            match registry.get(name) {
                Some(f) => natives.push(f),
                None => return Err(LoadError::UnknownNative(name.clone())),
            }
        }
        let mut variant_base = Vec::with_capacity(module.types.len());
        let mut slots = 0u32;
        for t in &module.types {
            variant_base.push(slots);
            if let TypeKind::Enum(vs) = &t.kind {
                slots = slots.saturating_add(vs.len() as u32);
            }
        }
        let option = module
            .types
            .iter()
            .enumerate()
            .find_map(|(i, t)| match &t.kind {
                TypeKind::Enum(vs) if t.name == "Option" => {
                    let some = vs.iter().position(|v| v.0 == "Some" && v.1 == 1)?;
                    let none = vs.iter().position(|v| v.0 == "None" && v.1 == 0)?;
                    Some(OptionType {
                        ty: i as u32,
                        some: some as u32,
                        none: none as u32,
                    })
                }
                _ => None,
            });
        let checked_params = module
            .functions
            .iter()
            .map(|f| f.params.iter().any(|t| t.class().is_proved()))
            .collect();
        Ok(Program {
            module,
            natives,
            variant_base,
            variant_slots: slots,
            option,
            checked_params,
        })
    }

    /// Verifies `module` and resolves its natives.
    pub fn load(module: Module, registry: &NativeRegistry) -> Result<Program, LoadError> {
        Program::new(Verified::new(module).map_err(LoadError::Verify)?, registry)
    }

    pub fn module(&self) -> &Module {
        &self.module
    }

    /// The code of function `f` (a verified index).
    #[inline]
    pub fn code(&self, f: usize) -> &[Op] {
        &self.module.functions[f].code
    }

    #[inline]
    pub fn n_regs(&self, f: usize) -> usize {
        self.module.functions[f].n_regs as usize
    }

    #[inline]
    pub fn arity(&self, f: usize) -> usize {
        self.module.functions[f].arity as usize
    }

    /// The first of `args` that does not hold the type function `f`'s
    /// signature gives its parameter (its index and the type), of the types
    /// the verifier proves ([`mvm_bytecode::ops::Class::is_proved`]): the
    /// check a call through a function value or from the host makes, since
    /// the function's code takes its arguments' types as proved.
    #[inline]
    pub fn wrong_argument(&self, f: usize, args: &[Value]) -> Option<(usize, ValType)> {
        if !self.checked_params.get(f).copied().unwrap_or(false) {
            return None;
        }
        let params = &self.module.functions.get(f)?.params;
        params
            .iter()
            .zip(args)
            .enumerate()
            .find_map(|(i, (&t, v))| {
                let holds = match t {
                    ValType::Int => matches!(v, Value::Int(_)),
                    ValType::Float => matches!(v, Value::Float(_)),
                    ValType::Bool => matches!(v, Value::Bool(_)),
                    _ => true,
                };
                (!holds).then_some((i, t))
            })
    }

    #[inline]
    pub fn native(&self, n: usize) -> NativeFn {
        self.natives[n]
    }

    /// The slot of variant `variant` of enum `ty` among the shared
    /// payload-less variants.
    #[inline]
    pub fn variant_slot(&self, ty: u32, variant: u32) -> usize {
        self.variant_base[ty as usize] as usize + variant as usize
    }

    pub fn variant_slots(&self) -> usize {
        self.variant_slots as usize
    }

    /// The prelude's `Option`, if the module has it.
    pub fn option(&self) -> Option<OptionType> {
        self.option
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    /// A program can be shared between threads (several VMs, later
    /// several cores).
    #[test]
    fn a_program_is_send_and_sync() {
        assert_send_sync::<Program>();
    }
}
