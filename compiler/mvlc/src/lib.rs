//! The MVL compiler.
