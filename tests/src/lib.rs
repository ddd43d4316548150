//! Cross-crate integration tests live in `tests/tests/`; this library holds
//! what they share: finding the workspace and the example programs, and the
//! entry points of the fuzz targets ([`fuzz`]), which the cargo-fuzz crate in
//! `fuzz/` and the stable corpus-replay test both call.

pub mod fuzz;
pub mod hostile_gen;

/// Runs one `mvlc` command in-process (standard input `stdin`, none when
/// `None`) and returns its exit code, stdout and stderr.
pub fn run_mvlc(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut session = mvlc::driver::Session::captured();
    session.stdin = stdin.map(<[u8]>::to_vec);
    let code = mvlc::driver::execute(&args, &mut session);
    (
        code,
        String::from_utf8_lossy(&session.stdout).into_owned(),
        String::from_utf8_lossy(&session.stderr).into_owned(),
    )
}

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

/// An example's test name: its path under `examples/` without `.mvl`
/// (`errors/missing_module`).
pub fn example_name(path: &str) -> String {
    path.trim_start_matches("examples/")
        .trim_end_matches(".mvl")
        .to_string()
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

/// How the suites run one example, from comments among its first five
/// lines: `// run-with: FLAGS` (options of `mvlc run`, before the file),
/// `// args: ARGS` (the program's arguments, after it) and `// stdin: FILE`
/// (a file, relative to the workspace root, given as standard input).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExampleSetup {
    pub flags: Vec<String>,
    pub args: Vec<String>,
    pub stdin: Option<Vec<u8>>,
}

impl ExampleSetup {
    /// The setup of the example at `path` (relative to the current
    /// directory, the workspace root).
    pub fn of(path: &str) -> ExampleSetup {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut setup = ExampleSetup::default();
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect();
        for line in text.lines().take(5) {
            if let Some(f) = line.strip_prefix("// run-with:") {
                setup.flags = words(f);
            } else if let Some(a) = line.strip_prefix("// args:") {
                setup.args = words(a);
            } else if let Some(file) = line.strip_prefix("// stdin:") {
                let file = file.trim();
                let bytes = std::fs::read(file)
                    .unwrap_or_else(|e| panic!("{path}: its stdin file `{file}`: {e}"));
                setup.stdin = Some(bytes);
            }
        }
        setup
    }

    /// The arguments of `mvlc run` (or `mvm run`) for `file`.
    pub fn command(&self, file: &str) -> Vec<String> {
        let mut args = vec!["run".to_string()];
        args.extend(self.flags.iter().cloned());
        args.push(file.to_string());
        args.extend(self.args.iter().cloned());
        args
    }
}
