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
/// sources ([`MODULES`]) and, with the prelude's, their items as parsed
/// when this crate was built ([`parsed`]).
macro_rules! stdlib_modules {
    ($($name:literal),* $(,)?) => {
        /// The standard library's modules, by name: compiled with every
        /// program and visible from every module without an import
        /// (`gc::collect()`).
        pub const MODULES: &[(&str, &str)] = &[$(($name, include_str!(concat!($name, ".mvl")))),*];

        /// Each file's source and its build-time items' index and trees.
        const PARSED: &[(&str, &[u8], &[u8])] = &[
            (
                PRELUDE,
                include_bytes!(concat!(env!("OUT_DIR"), "/prelude.ast")),
                include_bytes!(concat!(env!("OUT_DIR"), "/prelude.trees")),
            ),
            $((
                include_str!(concat!($name, ".mvl")),
                include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".ast")),
                include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".trees")),
            )),*
        ];
    };
}

stdlib_modules!("gc", "reflect", "env", "io", "fs", "time", "random");

/// One of the standard library's files as parsed when this crate was built.
#[derive(Clone, Copy, Debug)]
pub struct Parsed {
    /// The file's text.
    pub source: &'static str,
    /// Its items' index: each item's span and summary
    /// (`mvl_syntax::rebase::PrebuiltFile`, postcard-encoded).
    pub index: &'static [u8],
    /// The items' headers and full trees, each postcard-encoded on its
    /// own, where the index says.
    pub trees: &'static [u8],
}

/// The standard library file `source` as parsed when this crate was built,
/// when `source` is the text of one of its files and it parsed without
/// errors. The compiler decodes the index at start-up, and an item's header
/// and tree only when it needs them, instead of parsing the library on
/// every run.
pub fn parsed(source: &str) -> Option<Parsed> {
    PARSED
        .iter()
        .find(|(text, index, _)| *text == source && !index.is_empty())
        .map(|(text, index, trees)| Parsed {
            source: text,
            index,
            trees,
        })
}
