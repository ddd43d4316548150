//! The `mvlc` command and the tools users meet: the command line
//! ([`driver`]), `mvlc test` ([`test_runner`]), the REPL ([`repl`], its line
//! editor [`editor`]) and the language server ([`lsp`]).
//!
//! Compiling is the compiler core's (`mvl-compiler`: the database, checking,
//! lowering, diagnostics), which never depends on the runtime; this crate
//! joins it to the runtime (`mvm-runtime`) and the standard library's
//! natives (`mvl-stdlib`) to run what it compiled.

pub mod driver;
pub mod editor;
pub mod lsp;
pub mod repl;
pub mod test_runner;
