//! Parses the standard library's `.mvl` files when the crate is built and
//! writes, for each, its items' index (`OUT_DIR/NAME.ast`: each item's
//! span and summary, `mvl_syntax::rebase::PrebuiltFile`) and its items'
//! headers and full trees (`OUT_DIR/NAME.trees`), postcard-encoded, one
//! after the other, so that the compiler decodes at start-up only the
//! summaries and, later, the headers and trees of the items a program
//! reaches, instead of parsing the library on every run (see
//! `mvl_stdlib_source::parsed`).
//! A file with syntax errors gets empty encodings: `mvlc` then parses it
//! itself and reports them.

use mvl_syntax::rebase::{prebuilt_items, PrebuiltFile, PrebuiltItem};
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
        let (index, trees) = if errors.is_empty() {
            let broken_names = tree.broken_names.clone();
            let mut trees: Vec<u8> = Vec::new();
            let mut items = Vec::new();
            for (span, item, header, summary) in prebuilt_items(tree) {
                let at = trees.len() as u32;
                trees.extend(postcard::to_allocvec(&header).expect("a header encodes"));
                let middle = trees.len() as u32;
                trees.extend(postcard::to_allocvec(&item).expect("an item encodes"));
                items.push(PrebuiltItem {
                    span,
                    summary,
                    header: at..middle,
                    tree: middle..trees.len() as u32,
                });
            }
            let file = PrebuiltFile {
                items,
                broken_names,
            };
            (
                postcard::to_allocvec(&file).expect("an index encodes"),
                trees,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let name = path.file_stem().expect("a file name").to_string_lossy();
        fs::write(out.join(format!("{name}.ast")), index).expect("OUT_DIR is writable");
        fs::write(out.join(format!("{name}.trees")), trees).expect("OUT_DIR is writable");
    }
}
