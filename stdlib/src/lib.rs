//! The MVL standard library.
