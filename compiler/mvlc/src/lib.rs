//! The MVL compiler: source text to MVM bytecode.
//!
//! Layers, each in its own module:
//! - [`db`]: the salsa database, inputs and the query pipeline
//!   (parse → check → lower → link); diagnostics are accumulated there.
//! - [`sema`]: item collection, name resolution, Hindley–Milner inference,
//!   producing the typed IR. Pure, no salsa.
//! - [`codegen`]: typed IR to bytecode, one function at a time, then linked.
//! - [`diagnostic`] (the values and the code registry) and [`render`] (the
//!   one place that turns them into text).
//! - [`driver`]: the `mvlc` command line, on top of all of the above.
//!
//! Parsing lives in the `mvl-syntax` crate; the instruction set in
//! `mvm-bytecode`; execution in `mvm-runtime`.

pub mod codegen;
pub mod db;
pub mod diagnostic;
pub mod driver;
pub mod render;
pub mod sema;
