//! Cross-crate integration tests live in `tests/tests/`; this library holds
//! what they share: finding the workspace and the example programs, and the
//! entry points of the fuzz targets ([`fuzz`]), which the cargo-fuzz crate in
//! `fuzz/` and the stable corpus-replay test both call.

pub mod fuzz;
pub mod hostile_gen;

/// A small deterministic generator (xorshift), so that generated tests
/// reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

use std::path::{Path, PathBuf};

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Every example program under `examples/`, as paths relative to the
/// workspace root with `/` separators, sorted. A file whose first line is
/// `// library` is a module imported by another example, not a program, and
/// is skipped.
pub fn example_programs() -> Vec<String> {
    let root = workspace_root();
    let mut found = Vec::new();
    let mut dirs = vec![root.join("examples")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "mvl") && !is_library(&path) {
                if let Ok(rel) = path.strip_prefix(&root) {
                    found.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
    }
    found.sort();
    found
}

fn is_library(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| {
        text.lines()
            .next()
            .is_some_and(|l| l.trim() == "// library")
    })
}
