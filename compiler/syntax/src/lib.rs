//! MVL syntax: the lexer, the lalrpop grammar and the AST.
//!
//! This crate turns source text into an [`ast::File`] plus a list of syntax
//! errors. It knows nothing about salsa, names, types or bytecode.

pub mod ast;
