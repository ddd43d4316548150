//! The native half of the MVL standard library: the Rust functions behind
//! the `native fn` declarations of the library's MVL source (the
//! `mvl-stdlib-source` crate), all registered in [`registry`].
//!
//! A native's registry name is its declared name (`print`), or for a
//! method `Type::method` (`Array::push`, `String::split`, `Map::new`). The
//! natives use only the runtime's public native API (`NativeCtx`).
//!
//! | module | natives |
//! | --- | --- |
//! | [`core`] | `print`, `println`, `exit`, `panic`, `__sort`, Int and Float methods |
//! | [`text`] | String methods |
//! | [`collections`] | Array, Map and Set methods |
//! | [`trees`] | Tree and Graph methods |
//! | [`system`] | the `gc` and `reflect` modules |
//! | [`host`] | `eprint`, `eprintln` and the `env`, `io`, `fs`, `time` and `random` modules, all through the runtime's `Host` |
//! | [`format`] | `Float.to_fixed`, `Int.to_string_radix`, `String.pad_left`/`pad_right` |

pub mod collections;
pub mod core;
pub mod format;
pub mod host;
pub mod system;
pub mod text;
pub mod trees;

use mvm_runtime::{NativeCtx, NativeError, NativeRegistry, Value};

/// Every native of the standard library.
pub fn registry() -> NativeRegistry {
    let mut r = NativeRegistry::default();
    core::register(&mut r);
    text::register(&mut r);
    collections::register(&mut r);
    system::register(&mut r);
    host::register(&mut r);
    format::register(&mut r);
    r
}

/// A runtime error from a native.
pub(crate) fn fail<T>(message: impl Into<String>) -> Result<T, NativeError> {
    Err(NativeError::Error(message.into()))
}

/// Argument `i`, or an error (only a hand-written module can get this wrong).
pub(crate) fn arg(args: &[Value], i: usize) -> Result<Value, NativeError> {
    args.get(i)
        .copied()
        .ok_or_else(|| NativeError::Error(format!("missing argument {}", i + 1)))
}

pub(crate) fn int_arg(args: &[Value], i: usize) -> Result<i64, NativeError> {
    match arg(args, i)? {
        Value::Int(n) => Ok(n),
        other => fail(format!("expected an Int, found {}", other.kind())),
    }
}

pub(crate) fn float_arg(args: &[Value], i: usize) -> Result<f64, NativeError> {
    match arg(args, i)? {
        Value::Float(x) => Ok(x),
        other => fail(format!("expected a Float, found {}", other.kind())),
    }
}

pub(crate) fn str_arg(
    ctx: &NativeCtx<'_>,
    args: &[Value],
    i: usize,
) -> Result<std::sync::Arc<str>, NativeError> {
    let v = arg(args, i)?;
    match ctx.shared_str(v) {
        Some(s) => Ok(s),
        None => fail(format!("expected a String, found {}", v.kind())),
    }
}

/// The index of the struct type a stdlib module (`gc`, `reflect`) declares
/// as `name` with exactly these `fields`. A program may declare a struct of
/// the same name, so the name alone does not find it: the stdlib's modules
/// are compiled after every user module, so their types come last, and the
/// search starts from the end; the field list must match too, so a struct
/// built by a native always has the fields its type declares.
pub(crate) fn stdlib_struct(ctx: &NativeCtx<'_>, name: &str, fields: &[&str]) -> Option<u32> {
    ctx.module()
        .types
        .iter()
        .rposition(|t| {
            t.name == name
                && matches!(&t.kind, mvm_bytecode::TypeKind::Struct(fs)
                    if fs.len() == fields.len() && fs.iter().zip(fields).all(|(a, b)| a == b))
        })
        .map(|i| i as u32)
}

/// `Some(v)` or `None` of the prelude's `Option`.
pub(crate) fn option(ctx: &mut NativeCtx<'_>, v: Option<Value>) -> Result<Value, NativeError> {
    ctx.option(v)
}
