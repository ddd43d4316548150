//! Libraries on the command line (`lang-spec/modules.md`, Libraries):
//! `mvlc build --lib`, `mvlc build --extern`, and `mvm run` finding,
//! verifying and linking the libraries a program imports. The sources are
//! in `tests/libraries/`; each test works in a folder of its own, holding
//! only what it copies there (the library's source is never beside the
//! program when it is built against the `.mvb`).

use std::path::{Path, PathBuf};

fn folder(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mvl-libraries-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Copies `tests/libraries/NAME` into `dir` as `as_name`.
fn copy(dir: &Path, name: &str, as_name: &str) -> String {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("libraries")
        .join(name);
    let to = dir.join(as_name);
    std::fs::copy(&from, &to).expect("copy");
    to.to_string_lossy().into_owned()
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

/// `(exit code, stdout, stderr)` of an `mvlc` command.
fn mvlc(args: &[&str]) -> (i32, String, String) {
    mvl_tests::run_mvlc(args, None)
}

/// `(exit code, stdout, stderr)` of an `mvm` command.
fn mvm(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut io = mvm::Io::captured();
    let code = mvm::execute(&args, &mut io);
    (
        code as i32,
        String::from_utf8_lossy(&io.stdout).into_owned(),
        String::from_utf8_lossy(&io.stderr).into_owned(),
    )
}

/// Builds `tests/libraries/SOURCE` as the library `geometry.mvb` in `dir`,
/// leaving no source behind.
fn build_library(dir: &Path, source: &str) -> String {
    let src = copy(dir, source, "geometry.mvl");
    let lib = path(dir, "geometry.mvb");
    let (code, _, err) = mvlc(&["build", "--lib", &src, "-o", &lib]);
    assert_eq!(code, 0, "{err}");
    std::fs::remove_file(&src).expect("remove the library's source");
    lib
}

/// `main.mvl` built against `geometry.mvb` in `dir`.
fn build_main(dir: &Path) -> String {
    let src = copy(dir, "main.mvl", "main.mvl");
    let lib = path(dir, "geometry.mvb");
    let main = path(dir, "main.mvb");
    let (code, _, err) = mvlc(&["build", &src, "--extern", &lib, "-o", &main]);
    assert_eq!(code, 0, "{err}");
    main
}

const OUTPUT: &str = "5.0\n6.0\n3.0\n200\nPoint { x: 0.0, y: 0.0 }\n";

#[test]
fn a_program_runs_with_the_library_it_was_built_against() {
    let dir = folder("runs");
    build_library(&dir, "geometry.mvl");
    let main = build_main(&dir);
    assert!(!dir.join("geometry.mvl").exists());
    let (code, out, err) = mvm(&["run", &main]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, OUTPUT, ""));
    // The program holds none of the library's code: it imports it.
    let (_, listing, _) = mvm(&["dis", &main]);
    assert!(
        listing.contains(".import \"geometry\" \"area\" f"),
        "{listing}"
    );
    assert!(!listing.contains("\"area\" arity"), "{listing}");
}

#[test]
fn a_rebuilt_body_changes_the_behaviour_of_the_unchanged_program() {
    let dir = folder("body");
    build_library(&dir, "geometry.mvl");
    let main = build_main(&dir);
    let before = std::fs::read(&main).expect("main.mvb");
    build_library(&dir, "geometry_body.mvl");
    assert_eq!(std::fs::read(&main).expect("main.mvb"), before);
    let (code, out, err) = mvm(&["run", &main]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, OUTPUT.replace("\n3.0\n", "\n3.14\n"));
}

#[test]
fn an_incompatible_signature_is_refused_naming_the_item_and_both_types() {
    let dir = folder("signature");
    build_library(&dir, "geometry.mvl");
    let main = build_main(&dir);
    build_library(&dir, "geometry_signature.mvl");
    let (code, out, err) = mvm(&["run", &main]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "error: cannot link `{main}`: `geometry::area` does not match: the program was \
             compiled against `fn(Shape) -> Float`, but the library `geometry` has \
             `fn(Shape, Float) -> Float`\n"
        )
    );
}

#[test]
fn a_missing_library_is_a_clear_error_and_module_path_finds_it() {
    let dir = folder("missing");
    let lib = build_library(&dir, "geometry.mvl");
    let main = build_main(&dir);
    let elsewhere = dir.join("libs");
    std::fs::create_dir_all(&elsewhere).expect("libs");
    std::fs::rename(&lib, elsewhere.join("geometry.mvb")).expect("move");
    let (code, _, err) = mvm(&["run", &main]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!(
            "error: `{main}` imports the library `geometry`, but there is no `geometry.mvb` \
             beside it or in a --module-path folder"
        )),
        "{err}"
    );
    let libs = elsewhere.to_string_lossy().into_owned();
    let (code, out, err) = mvm(&["run", "--module-path", &libs, &main]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, OUTPUT, ""));
}

/// A hostile library never panics `mvm`: every truncation and a flipped
/// byte at every offset of a real library is refused as an invalid file,
/// a verifier error or a link error (exit 1), or runs (exit 0 or 2), as
/// the VM trusts nothing a file says.
#[test]
fn a_corrupted_library_is_refused_without_a_panic() {
    let dir = folder("corrupt");
    let lib = build_library(&dir, "geometry.mvl");
    let main = build_main(&dir);
    let good = std::fs::read(&lib).expect("geometry.mvb");
    let mut refused = 0;
    let mut check = |bytes: &[u8], what: &str| {
        std::fs::write(&lib, bytes).expect("write");
        let (code, _, err) = mvm(&["run", "--fuel", "100000", &main]);
        assert!(matches!(code, 0..=2), "{what}: exit {code}: {err}");
        if code == 1 {
            assert!(err.starts_with("error: "), "{what}: {err}");
            refused += 1;
        }
    };
    for len in (0..good.len()).step_by(3) {
        check(&good[..len], &format!("cut at {len}"));
    }
    for at in (0..good.len()).step_by(2) {
        let mut bad = good.clone();
        bad[at] ^= 0xa5;
        check(&bad, &format!("byte {at} flipped"));
    }
    assert!(refused > good.len() / 3, "only {refused} refused");
    // A structural problem the decoder cannot see is the verifier's.
    let mut module = mvm_bytecode::Module::from_bytes(&good).expect("decodes");
    module.functions[0].code.clear();
    std::fs::write(&lib, module.to_bytes()).expect("write");
    let (code, _, err) = mvm(&["run", &main]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the library `geometry` does not verify"),
        "{err}"
    );
    // A library of the first format is refused by its version.
    let mut old = good.clone();
    old[4] = 1;
    std::fs::write(&lib, old).expect("write");
    let (code, _, err) = mvm(&["run", &main]);
    assert_eq!(code, 1);
    assert!(err.contains("format version 1 is not supported"), "{err}");
}

#[test]
fn without_extern_a_program_embeds_its_modules() {
    let dir = folder("embed");
    copy(&dir, "geometry.mvl", "geometry.mvl");
    let src = copy(&dir, "main.mvl", "main.mvl");
    let main = path(&dir, "main.mvb");
    assert_eq!(mvlc(&["build", &src, "-o", &main]).0, 0);
    std::fs::remove_file(dir.join("geometry.mvl")).expect("remove");
    let (code, out, err) = mvm(&["run", &main]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, OUTPUT, ""));
}

#[test]
fn what_an_interface_cannot_state_is_refused_by_name() {
    let dir = folder("unstatable");
    let src = path(&dir, "ops.mvl");
    std::fs::write(
        &src,
        "fn add(a, b) { a + b }\nfn inc(x: Int) -> Int { x + 1 }\n",
    )
    .expect("write");
    let (code, _, err) = mvlc(&["build", "--lib", &src, "-o", &path(&dir, "ops.mvb")]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot export `add`"), "{err}");
    assert!(!err.contains("`inc`"), "{err}");
}

#[test]
fn extern_takes_only_a_library_named_as_its_file() {
    let dir = folder("extern");
    let lib = build_library(&dir, "geometry.mvl");
    let renamed = path(&dir, "shapes.mvb");
    std::fs::copy(&lib, &renamed).expect("copy");
    let src = copy(&dir, "main.mvl", "main.mvl");
    let (code, _, err) = mvlc(&["build", &src, "--extern", &renamed]);
    assert_eq!(code, 1);
    assert!(err.contains("holds the library `geometry`"), "{err}");
    let (code, _, err) = mvlc(&["build", &src, "--extern", &src]);
    assert_eq!(code, 1);
    assert!(err.contains("invalid library file"), "{err}");
    // A library is not a program.
    let (code, _, err) = mvm(&["run", &lib]);
    assert_eq!(code, 1);
    assert!(err.contains("is a library"), "{err}");
}

/// The program and library the `bytecode` fuzz target links a hostile
/// library against (the corpus holds the library as
/// `library_geometry.mvb`) link and run as `mvm run` does.
#[test]
fn the_fuzz_targets_program_links_with_its_library() {
    let (program, library) = mvl_tests::fuzz::library_program();
    let stored = std::fs::read(
        mvl_tests::workspace_root().join("fuzz/corpus/bytecode/library_geometry.mvb"),
    )
    .expect("the corpus's library");
    let stored = mvm_bytecode::Module::from_bytes(&stored).expect("decodes");
    assert_eq!(
        stored.exports, library.exports,
        "rebuild the corpus's library"
    );
    let joined =
        mvm_runtime::link_libraries(program.clone(), vec![library.clone()]).expect("links");
    let natives = mvl_stdlib::registry();
    let mut vm =
        mvm_runtime::Vm::new(joined, &natives, mvm_runtime::VmConfig::default()).expect("loads");
    let mut host = mvm_runtime::CaptureHost::default();
    assert!(matches!(
        vm.run_to_end(&mut host),
        mvm_runtime::Outcome::Finished
    ));
    assert_eq!(String::from_utf8_lossy(&host.stdout), OUTPUT);
}

/// A library built against another is linked with it: `mvm run` finds
/// `geometry.mvb` for `shapes.mvb`, and the library a rebuilt `geometry`
/// changes is seen through `shapes`.
#[test]
fn a_library_may_import_a_library() {
    let dir = folder("chain");
    let geometry = build_library(&dir, "geometry.mvl");
    let src = copy(&dir, "shapes.mvl", "shapes.mvl");
    let shapes = path(&dir, "shapes.mvb");
    let (code, _, err) = mvlc(&["build", "--lib", &src, "--extern", &geometry, "-o", &shapes]);
    assert_eq!(code, 0, "{err}");
    std::fs::remove_file(&src).expect("remove");
    let src = copy(&dir, "uses_shapes.mvl", "uses_shapes.mvl");
    let main = path(&dir, "uses_shapes.mvb");
    let (code, _, err) = mvlc(&["build", &src, "--extern", &shapes, "-o", &main]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        mvm(&["run", &main]),
        (0, "3.0\n".to_string(), String::new())
    );
    build_library(&dir, "geometry_body.mvl");
    assert_eq!(
        mvm(&["run", &main]),
        (0, "3.14\n".to_string(), String::new())
    );
    build_library(&dir, "geometry_signature.mvl");
    let (code, _, err) = mvm(&["run", &main]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the library `shapes` was compiled against `fn(Shape) -> Float`"),
        "{err}"
    );
}
