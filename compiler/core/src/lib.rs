//! The MVL compiler core: source text to MVM bytecode, with no runtime.
//!
//! Layers, each in its own module:
//! - [`db`]: the salsa database, inputs and the query pipeline
//!   (parse → declarations → call graph → inference per component → lower
//!   per function → link); diagnostics are part of the queries' values.
//! - [`sema`]: item collection, name resolution, Hindley–Milner inference,
//!   producing the typed IR. Pure, no salsa.
//! - [`lower`]: one function's typed IR to MIR (`mvl-mir`), and
//!   [`codegen`]: that MIR verified and turned into bytecode by `mvl-mir`,
//!   one function at a time, then linked.
//! - [`library`]: libraries' interfaces, exports and fingerprints.
//! - [`source`]: the identity of files ([`source::FileId`]) that
//!   everything after parsing holds instead of salsa inputs.
//! - [`diagnostic`] (the values and the code registry) and [`render`] (the
//!   one place that turns them into text).
//!
//! Parsing lives in the `mvl-syntax` crate, the standard library's MVL
//! source in `mvl-stdlib-source`, the instruction set in `mvm-bytecode`.
//! This crate never depends on the runtime (`mvm-runtime`) or the natives
//! (`mvl-stdlib`): running programs, the command line, the REPL and the
//! language server are the `mvlc` crate's.

pub mod codegen;
pub mod db;
pub mod diagnostic;
pub mod library;
pub mod lower;
pub mod render;
pub mod sema;
pub mod source;

/// Runs `f`, first growing the stack onto the heap if less than 256 KiB is
/// left: every pass that recurses over a syntax tree or IR goes through it
/// at each level, so no program text, however deeply nested, can overflow
/// the compiler's stack.
pub fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(256 * 1024, 8 * 1024 * 1024, f)
}
