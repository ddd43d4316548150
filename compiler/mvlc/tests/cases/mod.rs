//! What the data-driven tests of this folder share: every case file of a
//! folder under `tests/` is one named test (libtest-mimic), and a case's
//! output is compared with its insta snapshot.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};

/// Runs `run(name, path)` as one test per file of `tests/FOLDER` whose name
/// ends in `.EXT`, in name order (`name` is the file's stem), and exits.
pub fn run_cases(folder: &str, ext: &str, run: fn(&str, &Path) -> Result<(), Failed>) -> ! {
    let args = Arguments::from_args();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == ext));
    files.sort();
    assert!(!files.is_empty(), "no cases in {}", dir.display());
    let trials = files
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Trial::test(name.clone(), move || run(&name, &path))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit()
}

/// Compares `output` with the snapshot `NAME.snap` in `tests/FOLDER`,
/// described by `description`; a difference fails the case (and leaves a
/// `.snap.new` to review).
pub fn snapshot(folder: &str, name: &str, description: String, output: &str) -> Result<(), Failed> {
    let result = std::panic::catch_unwind(|| {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests")
                .join(folder),
        );
        settings.set_prepend_module_to_snapshot(false);
        settings.set_description(description);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(name.to_string(), output));
    });
    result.map_err(|_| Failed::from(format!("{name}: output changed (see the .snap.new)")))
}
