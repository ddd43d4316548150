//! Replays every stored fuzz corpus (`fuzz/corpus/<target>/`) through its
//! target on stable, so CI re-checks every input the fuzzers ever kept.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = mvl_tests::workspace_root().join("fuzz/corpus").join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "the {target} corpus is empty");
    for path in inputs {
        let data = std::fs::read(&path).expect("corpus file is readable");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The compiler runs on a big stack in `mvlc`; give it the same here.
        let worker = std::thread::Builder::new()
            .stack_size(512 << 20)
            .spawn(move || run(&data))
            .expect("thread starts");
        assert!(
            worker.join().is_ok(),
            "fuzz target {target} failed on {name}"
        );
    }
}

fn exists(target: &str) -> bool {
    Path::new(&mvl_tests::workspace_root().join("fuzz/corpus").join(target)).is_dir()
}

#[test]
fn parse_corpus() {
    replay("parse", mvl_tests::fuzz::parse);
}

#[test]
fn front_end_corpus() {
    replay("front_end", mvl_tests::fuzz::front_end);
}

#[test]
fn bytecode_corpus() {
    replay("bytecode", mvl_tests::fuzz::bytecode);
}

#[test]
fn assembler_corpus() {
    if exists("assembler") {
        replay("assembler", mvl_tests::fuzz::assembler);
    }
}

#[test]
fn repl_corpus() {
    replay("repl", mvl_tests::fuzz::repl);
}
