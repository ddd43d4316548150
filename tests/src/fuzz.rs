//! What each fuzz target does with one input. `fuzz/fuzz_targets/*.rs` calls
//! these under libFuzzer (nightly, `cargo fuzz`); `tests/tests/fuzz_corpus.rs`
//! replays the stored corpora through them on stable, in CI. A target fails
//! by panicking (or overflowing the stack, or hanging): every function here
//! must return normally on any input.

use mvm_bytecode::Module;

/// The lexer and parser on any text.
pub fn parse(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = mvl_syntax::parse_file(text);
    }
}

/// The whole front end: parse, check, lower, link, render diagnostics; then
/// a short run of what it compiled.
pub fn front_end(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut db = mvl_compiler::db::Database::default();
    let program = db.program("fuzz-input.mvl", text.to_string());
    let module = mvl_compiler::db::compile(&db, program).clone();
    let diagnostics = mvl_compiler::db::diagnostics(&db, program);
    let _ = mvl_compiler::render::render(&db, &diagnostics, false);
    // What the compiler emits, the verifier must accept, and it must run
    // (briefly, with a collection after every allocation) without a panic.
    if let Some(module) = module {
        if let Err(e) = mvm_bytecode::verify(&module) {
            panic!("the verifier refused the compiler's output: {e}");
        }
        let config = limited(true);
        let natives = mvl_stdlib::registry();
        match mvm_runtime::Vm::new((*module).clone(), &natives, config) {
            Ok(mut vm) => {
                let _ = vm.run_to_end(&mut mvm_runtime::CaptureHost::default());
            }
            Err(e) => panic!("the VM refused the compiler's output: {e}"),
        }
    }
}

/// Small limits, so that a fuzzed program cannot run long or grow large.
fn limited(stress: bool) -> mvm_runtime::VmConfig {
    mvm_runtime::VmConfig {
        max_frames: 1_000,
        fuel: Some(20_000),
        gc: mvm_runtime::GcConfig {
            max_heap: Some(16 << 20),
            stress,
        },
    }
}

/// The `.mvb` loader, the verifier, and a fuel-limited run (in stress mode
/// for one input in two). Two oracles: the input read as an instruction
/// stream re-encodes to the bytes it was decoded from, and a module that
/// loads writes bytes that load back to the same module (decode(encode(x))
/// == x), and the disassembly assembles back to those bytes.
pub fn bytecode(data: &[u8]) {
    instruction_roundtrip(data);
    let Ok(module) = Module::from_bytes(data) else {
        return;
    };
    let bytes = module.to_bytes();
    match Module::from_bytes(&bytes) {
        Ok(back) => assert_eq!(back, module, "a module does not survive its own encoding"),
        Err(e) => panic!("a loaded module's own encoding does not load: {e}"),
    }
    let text = mvm_bytecode::disassemble(&module);
    if let Ok(reassembled) = mvm_bytecode::assemble(&text) {
        assert_eq!(
            reassembled.to_bytes(),
            bytes,
            "the disassembly does not assemble back to the same bytes"
        );
    }
    let natives = mvl_stdlib::registry();
    // One input in two also runs with a collection after every allocation.
    let config = limited(data.len() % 2 == 1);
    if module.is_library() {
        // A hostile library: linked with a program built against the real
        // one, as `mvm run` would (the corpus holds that library).
        let (program, _) = library_program();
        if let Ok(joined) = mvm_runtime::link_libraries(program.clone(), vec![module.clone()]) {
            if let Ok(mut vm) = mvm_runtime::Vm::new(joined, &natives, config) {
                let _ = vm.run_to_end(&mut mvm_runtime::CaptureHost::default());
            }
        }
    }
    if let Ok(mut vm) = mvm_runtime::Vm::new(module, &natives, config) {
        let _ = vm.run_to_end(&mut mvm_runtime::CaptureHost::default());
    }
}

/// `tests/libraries/main.mvl` built against `tests/libraries/geometry.mvl`
/// as a library (`mvlc build --lib` and `--extern`, in memory), and that
/// library; compiled once.
pub fn library_program() -> &'static (Module, Module) {
    static BUILT: std::sync::OnceLock<(Module, Module)> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = crate::workspace_root().join("tests/libraries");
        let read = |name: &str| {
            let path = dir.join(name).to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("tests/libraries is readable");
            (path, text)
        };
        let (path, text) = read("geometry.mvl");
        let mut db = mvl_compiler::db::Database::default();
        let lib = db.program(&path, text);
        let (mut library, index) =
            mvl_compiler::db::compile_library(&db, lib).expect("geometry compiles");
        mvl_compiler::library::make_library(&db, lib, "geometry", &mut library, &index)
            .expect("geometry is a library");
        let (path, text) = read("main.mvl");
        let mut db = mvl_compiler::db::Database::default();
        let interface = [(library.library.clone(), library.interface.clone())];
        let main = db.program_with_externs(&path, text, &interface);
        let mut program = (*mvl_compiler::db::compile(&db, main)
            .clone()
            .expect("main compiles"))
        .clone();
        mvl_compiler::library::resolve_externs(&mut program, std::slice::from_ref(&library));
        (program, library)
    })
}

/// Decodes `data` as a stream of instructions for as long as it can; each
/// decoded instruction must encode to exactly the bytes it came from.
fn instruction_roundtrip(data: &[u8]) {
    let mut reader = mvm_bytecode::Reader::new(data);
    loop {
        let at = reader.position();
        let Ok(op) = mvm_bytecode::Op::decode(&mut reader) else {
            return;
        };
        let mut out = Vec::new();
        op.encode(&mut out);
        assert_eq!(
            out.as_slice(),
            &data[at..reader.position()],
            "{op:?} re-encodes differently"
        );
    }
}

/// The assembler on any text, and the verifier on what it produces.
pub fn assembler(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(module) = mvm_bytecode::assemble(text) {
        let _ = mvm_bytecode::verify(&module);
        let _ = module.to_bytes();
    }
}

/// A REPL session fed the input line by line (continuing while brackets
/// are open), as `mvlc repl` reads it; at most 20 inputs per session, each
/// interrupted after about 16 million instructions (as Ctrl-C would).
pub fn repl(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut session = mvlc::repl::Repl::new(mvm_runtime::CaptureHost::default());
    let mut slices = 0u32;
    session.interrupted = Box::new(move || {
        slices += 1;
        slices.is_multiple_of(256)
    });
    let mut pending = String::new();
    let mut inputs = 0;
    for line in text.lines() {
        pending.push_str(line);
        pending.push('\n');
        if mvlc::repl::is_complete(&pending) {
            let _ = session.eval(&pending);
            pending.clear();
            inputs += 1;
            if inputs == 20 {
                return;
            }
        }
    }
}

/// The `limits` target: the bytes seed a generated hostile program
/// ([`crate::hostile_gen`]), which must compile and stay within the
/// resource oracle's time and memory bounds under `--max-heap 64M` and
/// `--fuel`.
pub fn limits(data: &[u8]) {
    let mut seed = [0u8; 8];
    for (i, b) in data.iter().enumerate() {
        seed[i % 8] ^= b.rotate_left(i as u32 / 8);
    }
    let len = data.len().clamp(1, 40);
    let source = crate::hostile_gen::program(u64::from_le_bytes(seed), len);
    crate::hostile_gen::check(&source);
}
