//! The bytecode platform against every example: `mvm run` prints what
//! `mvlc run` prints, a disassembly reassembles to the same bytes, and no
//! mutation of a `.mvb` makes the loader or the VM panic.

use mvlc::driver::{compile_file, execute, Session};
use mvm_bytecode::Module;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Every example that compiles, with its module.
fn compiled_examples() -> Vec<(String, Module)> {
    std::env::set_current_dir(mvl_tests::workspace_root()).expect("workspace root exists");
    mvl_tests::example_programs()
        .into_iter()
        .filter_map(|path| {
            let module = compile_file(&path, false, &mut Session::captured()).ok()?;
            Some((path, module))
        })
        .collect()
}

fn temp_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mvl-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn mvm_run_prints_what_mvlc_run_prints() {
    let examples = compiled_examples();
    assert!(
        examples.len() >= 50,
        "only {} examples compiled",
        examples.len()
    );
    let mut differ = Vec::new();
    for (path, module) in &examples {
        if std::fs::read_to_string(path).is_ok_and(|t| t.contains("// run-with:")) {
            continue; // runs with limits; covered by the examples suite
        }
        let mvb = temp_file(&format!("{}.mvb", path.replace('/', "_")));
        std::fs::write(&mvb, module.to_bytes()).expect("write .mvb");
        let setup = mvl_tests::ExampleSetup::of(path);
        let mut session = Session::captured();
        session.stdin = setup.stdin.clone();
        let code = execute(&setup.command(path), &mut session);
        let mut io = mvm::Io::captured();
        io.stdin = setup.stdin.clone();
        let vm_code = mvm::execute(&setup.command(&mvb.to_string_lossy()), &mut io);
        // mvlc may also print compile warnings before a runtime error.
        if code != vm_code as i32
            || session.stdout != io.stdout
            || !session.stderr.ends_with(&io.stderr)
        {
            differ.push(path.clone());
        }
    }
    assert!(
        differ.is_empty(),
        "mvm run differs from mvlc run for {differ:#?}"
    );
}

#[test]
fn disassembly_reassembles_to_identical_bytes() {
    for (path, module) in compiled_examples() {
        let text = mvm_bytecode::disassemble(&module);
        let back = mvm_bytecode::assemble(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            back.to_bytes() == module.to_bytes(),
            "{path}: asm(dis(x)) != x"
        );
    }
}

/// Every shipped assembly syntax (`examples/asm/syntaxes/`), loaded.
fn shipped_syntaxes() -> Vec<(String, mvm::syntax::Syntax)> {
    std::env::set_current_dir(mvl_tests::workspace_root()).expect("workspace root exists");
    let mut paths: Vec<_> = std::fs::read_dir("examples/asm/syntaxes")
        .expect("examples/asm/syntaxes exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).expect("readable");
            let syntax = mvm::syntax::Syntax::load(&text)
                .unwrap_or_else(|e| panic!("{}", mvm::syntax::render_errors(&name, &text, &e)));
            (name, syntax)
        })
        .collect()
}

/// Under every shipped syntax, every example (compiled, and the
/// hand-written `.mvasm` ones) disassembles to text that assembles back to
/// identical bytes; and each syntax really changes the text of every
/// instruction its `[ops]` respells that the examples use.
#[test]
fn every_syntax_round_trips_every_example() {
    let syntaxes = shipped_syntaxes();
    assert!(syntaxes.len() >= 2, "ship at least two syntaxes");
    let mut modules = compiled_examples();
    for entry in std::fs::read_dir("examples/asm")
        .expect("examples/asm")
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "mvasm") {
            let text = std::fs::read_to_string(&path).expect("readable");
            let module = mvm_bytecode::assemble(&text).expect("assembles");
            modules.push((path.to_string_lossy().into_owned(), module));
        }
    }
    for (name, syntax) in &syntaxes {
        let respelt = mvm::syntax::custom_mnemonics(syntax);
        assert!(!respelt.is_empty(), "{name} respells nothing");
        let mut seen = std::collections::HashSet::new();
        for (path, module) in &modules {
            let text = mvm_bytecode::disassemble_with(module, syntax);
            let back = mvm_bytecode::assemble_with(&text, &syntax.reader())
                .unwrap_or_else(|e| panic!("{name} on {path}: {e}"));
            assert!(
                back.to_bytes() == module.to_bytes(),
                "{name} on {path}: asm(dis(x)) != x"
            );
            let standard = mvm_bytecode::disassemble(module);
            for f in &module.functions {
                for op in &f.code {
                    if respelt.contains(op.mnemonic()) {
                        seen.insert(op.mnemonic());
                    }
                }
            }
            if module
                .functions
                .iter()
                .any(|f| f.code.iter().any(|op| respelt.contains(op.mnemonic())))
            {
                assert_ne!(text, standard, "{name} on {path} changed nothing");
            }
        }
        assert!(
            seen.len() >= 10,
            "{name}: the examples use only {seen:?} of its templates"
        );
    }
}

use mvl_tests::Rng;

/// Flips bytes, truncates, duplicates and splices each example's bytecode;
/// every mutant must be refused cleanly or run (within a budget) without a
/// panic.
#[test]
fn mutated_bytecode_never_panics() {
    let natives = mvl_stdlib::registry();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut mutants = 0;
    let mut loaded = 0;
    for (path, module) in compiled_examples() {
        let bytes = module.to_bytes();
        for round in 0..150 {
            let mut b = bytes.clone();
            match round % 5 {
                0 | 1 => {
                    for _ in 0..1 + rng.below(4) as usize {
                        let i = rng.below(b.len() as u64) as usize;
                        b[i] ^= 1 << rng.below(8) as u32;
                    }
                }
                2 => {
                    let i = rng.below(b.len() as u64) as usize;
                    b[i] = rng.next_u64() as u8;
                }
                3 => b.truncate(rng.below(b.len() as u64) as usize),
                _ => {
                    let (x, y) = (
                        rng.below(b.len() as u64) as usize,
                        rng.below(b.len() as u64) as usize,
                    );
                    let (lo, hi) = (x.min(y), x.max(y));
                    let chunk = b[lo..hi].to_vec();
                    let at = rng.below(b.len() as u64) as usize;
                    b.splice(at..at, chunk);
                }
            }
            mutants += 1;
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let Ok(m) = Module::from_bytes(&b) else {
                    return false;
                };
                let Ok(mut vm) = mvm_runtime::Vm::new(
                    m,
                    &natives,
                    mvm_runtime::VmConfig {
                        max_frames: 1000,
                        ..Default::default()
                    },
                ) else {
                    return false;
                };
                let _ = vm.run(&mut mvm_runtime::CaptureHost::default(), 20_000);
                true
            }));
            match outcome {
                Ok(true) => loaded += 1,
                Ok(false) => {}
                Err(_) => panic!("{path}: mutant {round} made the VM panic"),
            }
        }
    }
    assert!(mutants > 5000, "{mutants}");
    assert!(
        loaded > 0,
        "no mutant loaded at all: the test would prove nothing"
    );
}

/// The hand-written `.mvasm` programs under `examples/asm/` assemble, verify
/// and run; their output is snapshot-tested like the `.mvl` examples.
#[test]
fn assembly_examples_run() {
    std::env::set_current_dir(mvl_tests::workspace_root()).expect("workspace root exists");
    let mut programs: Vec<_> = std::fs::read_dir("examples/asm")
        .expect("examples/asm exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "mvasm"))
        .collect();
    programs.sort();
    assert!(
        programs.len() >= 3,
        "expected at least three .mvasm examples"
    );
    for path in programs {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mvb = temp_file(&format!("asm-{stem}.mvb"));
        let src = path.to_string_lossy().into_owned();
        let out = mvb.to_string_lossy().into_owned();
        let mut io = mvm::Io::captured();
        let asm_code = mvm::execute(
            &["asm".into(), src.clone(), "-o".into(), out.clone()],
            &mut io,
        );
        assert_eq!(
            asm_code,
            0,
            "{src}: {}",
            String::from_utf8_lossy(&io.stderr)
        );
        let mut io = mvm::Io::captured();
        let code = mvm::execute(&["run".into(), out], &mut io);
        let shown = format!(
            "exit: {code}\n--- stdout\n{}--- stderr\n{}",
            String::from_utf8_lossy(&io.stdout),
            String::from_utf8_lossy(&io.stderr)
        );
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            description => format!("mvm asm {src} && mvm run"),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("asm__{stem}"), shown);
        });
    }
}

/// Codegen selects the immediate, compare-and-branch and intrinsic
/// instructions: an Int loop bound and step, an Int `if`, and `len`/`push`
/// compile to `jgeik`, `addik`, `jlei`, `len` and `push`, not to a
/// temporary, a compare, a `jmpifnot` and native calls.
#[test]
fn codegen_selects_fused_and_immediate_instructions() {
    let source = "fn main() {
        let xs = [1, 2];
        var i = 0;
        var n = 5;
        while i < 10 { i += 1; }
        if n < i { xs.push(n); }
        println(xs.len());
    }";
    let mut db = mvl_compiler::db::Database::default();
    let program = db.program("select.mvl", source.to_string());
    let module = mvl_compiler::db::compile(&db, program)
        .clone()
        .expect("compiles");
    let text = mvm_bytecode::disassemble(&module);
    let main = &text[text.find("\"main\" arity").expect("main is there")..];
    for mnemonic in ["jgeik", "addik", "jlei", "len ", "push "] {
        assert!(main.contains(mnemonic), "no `{mnemonic}` in:\n{main}");
    }
    for absent in ["jmpifnot", "Array::len", "Array::push"] {
        assert!(!main.contains(absent), "`{absent}` in:\n{main}");
    }
}

/// A variant test that only feeds its branch (each arm of a `match` on an
/// enum, an `if let`) compiles to one `jvar`/`jnvar`, not an `isvar` into
/// a register and a `jmpif`/`jmpifnot` (the examples run such code).
#[test]
fn codegen_fuses_variant_tests_into_their_branches() {
    let source = "enum Shape { Dot, Circle(Int), Square(Int) }
    fn area(s) {
        match s { Shape::Dot => 0, Shape::Circle(r) => 3 * r * r, Shape::Square(w) => w * w }
    }
    fn main() {
        let m = Map::new();
        m.insert(1, 10);
        var total = 0;
        for k in 0..3 { if let Some(v) = m.get(k) { total += v; } }
        println(area(Shape::Dot) + area(Shape::Circle(2)) + area(Shape::Square(3)) + total);
    }";
    let mut db = mvl_compiler::db::Database::default();
    let program = db.program("variants.mvl", source.to_string());
    let module = mvl_compiler::db::compile(&db, program)
        .clone()
        .expect("compiles");
    assert_eq!(mvm_bytecode::verify(&module), Ok(()));
    let text = mvm_bytecode::disassemble(&module);
    for (name, fused) in [("\"area\" arity", "jnvar"), ("\"main\" arity", "mapfind")] {
        let f = function_text(&text, name);
        assert!(
            f.contains(fused) || (fused == "jnvar" && f.contains("jvar ")),
            "no fused test in:\n{f}"
        );
        for absent in ["isvar", "jmpif"] {
            assert!(!f.contains(absent), "`{absent}` in:\n{f}");
        }
    }
}

/// The listing of the function whose header contains `name`.
fn function_text<'a>(text: &'a str, name: &str) -> &'a str {
    let f = &text[text.find(name).expect("function is there")..];
    &f[..f.find("\n.fn ").unwrap_or(f.len())]
}

/// How many instructions of mnemonic `op` a listing holds.
fn count_op(f: &str, op: &str) -> usize {
    f.lines()
        .filter(|l| l.split_whitespace().next() == Some(op))
        .count()
}

#[test]
fn codegen_selects_mapfind_where_only_the_payload_of_a_get_is_read() {
    // `found`: a `match` (either arm first) and an `if let` whose `Option`
    // is only tested and unwrapped: three `mapfind`s, no `Option` made.
    // `kept`: the `Option` itself is used, so it stays a `mapget`; and a
    // `get` tested in a loop that goes round through it again. The Int
    // payloads of `found` are `mapfindi`s (no `asi`); `named`'s String
    // payload and `has`'s unread one are plain `mapfind`s.
    let source = "fn named(m: Map<Int, String>, k: Int) -> String {
        match m.get(k) { Some(s) => s, None => \"\" }
    }
    fn has(m: Map<Int, Int>, k: Int) -> Bool {
        match m.get(k) { Some(_) => true, None => false }
    }
    fn found(m: Map<Int, Int>, n: Int) -> Int {
        var sum = 0;
        for k in 0..n {
            match m.get(k) { Some(v) => sum += v, None => sum -= 1 }
            match m.get(k + 1) { None => sum -= 2, Some(v) => sum += v * 3 }
            if let Some(v) = m.get(k * 2) { sum += v; }
        }
        sum
    }
    fn kept(m: Map<Int, Int>) -> Int {
        let o = m.get(1);
        println(o);
        match o { Some(v) => v, None => 0 }
    }
    fn main() {
        let m = Map::new();
        for k in 0..6 { m.insert(k * 2, k); }
        println(found(m, 8));
        println(kept(m));
        println(has(m, 2));
        let names = Map::new();
        names.insert(1, \"one\");
        println(named(names, 1));
    }";
    let mut db = mvl_compiler::db::Database::default();
    let program = db.program("finds.mvl", source.to_string());
    let module = mvl_compiler::db::compile(&db, program)
        .clone()
        .expect("compiles");
    assert_eq!(mvm_bytecode::verify(&module), Ok(()));
    let text = mvm_bytecode::disassemble(&module);
    let found = function_text(&text, "\"found\" arity");
    assert_eq!(count_op(found, "mapfindi"), 3, "{found}");
    for absent in [
        "mapfind", "asi", "mapget", "getfield", "isvar", "jvar", "jnvar", "jmpif", "jmpifnot",
    ] {
        assert_eq!(count_op(found, absent), 0, "`{absent}` in:\n{found}");
    }
    let kept = function_text(&text, "\"kept\" arity");
    assert_eq!(count_op(kept, "mapfind"), 0, "{kept}");
    assert_eq!(count_op(kept, "mapfindi"), 0, "{kept}");
    for name in ["\"named\" arity", "\"has\" arity"] {
        let f = function_text(&text, name);
        assert_eq!(count_op(f, "mapfind"), 1, "{f}");
        assert_eq!(count_op(f, "mapfindi"), 0, "{f}");
    }
    assert_eq!(count_op(kept, "mapget"), 1, "{kept}");
}
