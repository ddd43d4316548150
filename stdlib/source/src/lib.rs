//! The MVL standard library's MVL source: the prelude ([`PRELUDE`],
//! `prelude.mvl`: Option, Result and the methods of the built-in types, in
//! MVL or declared `native`) and the modules every program sees without an
//! import ([`MODULES`]), with their syntax trees as parsed when this crate
//! was built ([`parsed`]).
//!
//! This is all the compiler needs of the library: it depends on this crate,
//! never on the runtime. The Rust functions behind the `native fn`
//! declarations are in `mvl-stdlib` (`stdlib/natives`), which the runtime's
//! users register.

/// The prelude's MVL source, compiled with every program.
pub const PRELUDE: &str = include_str!("prelude.mvl");

/// Declares the standard library's modules from one list of names: their
/// sources ([`MODULES`]) and, with the prelude's, their syntax trees as
/// parsed when this crate was built ([`parsed`]).
macro_rules! stdlib_modules {
    ($($name:literal),* $(,)?) => {
        /// The standard library's modules, by name: compiled with every
        /// program and visible from every module without an import
        /// (`gc::collect()`).
        pub const MODULES: &[(&str, &str)] = &[$(($name, include_str!(concat!($name, ".mvl")))),*];

        /// Each file's source and its build-time syntax tree.
        const PARSED: &[(&str, &[u8])] = &[
            (PRELUDE, include_bytes!(concat!(env!("OUT_DIR"), "/prelude.ast"))),
            $((
                include_str!(concat!($name, ".mvl")),
                include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".ast")),
            )),*
        ];
    };
}

stdlib_modules!("gc", "reflect", "env", "io", "fs", "time", "random");

/// The syntax tree of `source` as parsed when this crate was built
/// (`mvl_syntax::ast::File`, postcard-encoded), when `source` is the text
/// of one of the standard library's files and it parsed without errors.
/// The compiler decodes it instead of parsing the library on every run.
pub fn parsed(source: &str) -> Option<&'static [u8]> {
    PARSED
        .iter()
        .find(|(text, bytes)| *text == source && !bytes.is_empty())
        .map(|(_, bytes)| *bytes)
}
