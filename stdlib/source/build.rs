//! Parses the standard library's `.mvl` files when the crate is built and
//! writes each syntax tree, postcard-encoded, to `OUT_DIR/NAME.ast`, so that
//! the compiler decodes them at start-up instead of parsing them on every run
//! (see `mvl_stdlib_source::parsed`). A file with syntax errors gets an empty
//! encoding: `mvlc` then parses it itself and reports them.

use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=src");
    for entry in fs::read_dir("src").expect("stdlib/source/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|e| e != "mvl") {
            continue;
        }
        let text = fs::read_to_string(&path).expect("a stdlib file is readable");
        let (tree, errors) = mvl_syntax::parse_file(&text);
        let bytes = if errors.is_empty() {
            postcard::to_allocvec(&tree).expect("a syntax tree encodes")
        } else {
            Vec::new()
        };
        let name = path.file_stem().expect("a file name").to_string_lossy();
        fs::write(out.join(format!("{name}.ast")), bytes).expect("OUT_DIR is writable");
    }
}
