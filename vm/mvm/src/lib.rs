//! `mvm`: runs, verifies, disassembles and assembles MVM bytecode. The
//! command line lives here as a library ([`execute`]) so that tests run it
//! in-process with its output captured ([`Io`]); `main.rs` only calls it.
//! The options of running a program, which `mvlc run` shares, are parsed
//! in [`options`].
//!
//! Exit codes: 0 success; 1 a `.mvb` that is malformed or fails
//! verification; 2 a runtime error (message and MVL stack trace on
//! stderr); 64 a usage error or an unreadable file; 74 an output error (a
//! file or stdout that cannot be written); a program's own `exit(n)` exits
//! `n` modulo 256.

pub mod options;
pub mod syntax;

use mvm_bytecode::Module;
use mvm_runtime::Outcome;
use std::io::Write;

/// Where the output of one command goes: the process's streams, or memory.
pub struct Io {
    pub capture: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// A captured run's standard input for the program (none: empty).
    pub stdin: Option<Vec<u8>>,
}

impl Io {
    pub fn real() -> Io {
        Io {
            capture: false,
            stdout: Vec::new(),
            stderr: Vec::new(),
            stdin: None,
        }
    }

    pub fn captured() -> Io {
        Io {
            capture: true,
            ..Io::real()
        }
    }

    fn out(&mut self, text: &str) {
        if self.capture {
            self.stdout.extend_from_slice(text.as_bytes());
        } else {
            let mut o = std::io::stdout().lock();
            let _ = o.write_all(text.as_bytes());
            let _ = o.flush();
        }
    }

    fn err(&mut self, text: &str) {
        if self.capture {
            self.stderr.extend_from_slice(text.as_bytes());
        } else {
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(text.as_bytes());
        }
    }
}

const USAGE: &str = "\
mvm: the MVM virtual machine

Usage:
  mvm run [OPTIONS] FILE.mvb [ARGS]  run a bytecode program
  mvm dis [--syntax S.toml] FILE.mvb print a readable listing of it
  mvm verify FILE.mvb                check it without running it
  mvm asm [--syntax S.toml] FILE.mvasm [-o OUT.mvb]
                                     assemble text (default: FILE.mvb)
  mvm help                           show this help

Exit codes: 0 success, 1 invalid bytecode file, 2 runtime error,
64 usage error, 74 output error (a file or stdout that cannot be written),
and a program's own exit(n) exits n modulo 256.
";

const RUN_USAGE: &str = "\
Usage: mvm run [OPTIONS] FILE.mvb [ARGS...]

Verifies and runs FILE.mvb (as written by `mvlc build`) with ARGS as its
arguments (`env::args()`). Only the program's output goes to stdout; a
runtime error's message and stack trace go to stderr (exit code 2).
Options come before FILE.mvb.

A program built against libraries (`mvlc build --extern LIB.mvb`) runs
with them: each library it imports, say `geometry`, is read from
`geometry.mvb` beside FILE.mvb, or else from the folders given with
`--module-path DIR` (in order), verified and linked; an import whose type
no longer matches the library's is refused with both types (exit code 1).

Options:
  --module-path DIR   another folder to find libraries in (repeatable)

Limits (exceeding one is a runtime error, exit code 2):
";

const DIS_USAGE: &str = "\
Usage: mvm dis [--syntax SYNTAX.toml] FILE.mvb

Prints the module's constants, natives, types and functions, one
instruction per line with its operands explained and its source line.
--syntax prints instructions, labels and comments in a user-defined
assembly syntax (see lang-spec/bytecode.md; examples/asm/syntaxes/ has
some), which `mvm asm --syntax` reads back to the same bytes.
";

const VERIFY_USAGE: &str = "\
Usage: mvm verify FILE.mvb

Checks that FILE.mvb is well-formed and passes the verifier; runs nothing.
";

const ASM_USAGE: &str = "\
Usage: mvm asm [--syntax SYNTAX.toml] FILE.mvasm [-o OUT.mvb]

Assembles MVM assembly (the text `mvm dis` prints) into bytecode, written to
OUT.mvb (default: FILE.mvb next to the source). The result is verified
before it is written. See lang-spec/bytecode.md for the syntax; --syntax
reads a user-defined one instead (what `mvm dis --syntax` prints).
";

const EXIT_INVALID: u8 = 1;
const EXIT_RUNTIME: u8 = 2;
const EXIT_USAGE: u8 = 64;
/// An output file or the program's standard output could not be written
/// (sysexits' EX_IOERR).
const EXIT_IO_ERROR: u8 = 74;

fn wants_help(args: &[String]) -> bool {
    args.iter().any(|a| a == "--help" || a == "-h")
}

fn usage_error(io: &mut Io, message: &str, usage: &str) -> u8 {
    io.err(&format!("mvm: {message}\n\n{usage}"));
    EXIT_USAGE
}

/// Runs one `mvm` command (`args` without the program name); returns the
/// exit code.
pub fn execute(args: &[String], io: &mut Io) -> u8 {
    let Some(command) = args.first() else {
        io.err(USAGE);
        return EXIT_USAGE;
    };
    let rest = &args[1..];
    let help = |io: &mut Io, text: &str| {
        io.out(text);
        0
    };
    match command.as_str() {
        "help" | "--help" | "-h" => help(io, USAGE),
        "--version" | "-V" => help(io, &format!("mvm {}\n", env!("CARGO_PKG_VERSION"))),
        // After the file, `--help` is the program's argument.
        "run" if rest.first().is_some_and(|a| a == "--help" || a == "-h") => {
            help(io, &format!("{RUN_USAGE}{}", options::help()))
        }
        "dis" if wants_help(rest) => help(io, DIS_USAGE),
        "verify" if wants_help(rest) => help(io, VERIFY_USAGE),
        "asm" if wants_help(rest) => help(io, ASM_USAGE),
        "run" => cmd_run(rest, io),
        "dis" => cmd_dis(rest, io),
        "verify" => match rest {
            [path] => match load(path, io).map(|m| mvm_bytecode::verify(&m)) {
                Ok(Ok(())) => {
                    io.out(&format!("{path}: ok\n"));
                    0
                }
                Ok(Err(e)) => {
                    io.err(&format!("error: `{path}` does not verify: {e}\n"));
                    EXIT_INVALID
                }
                Err(code) => code,
            },
            _ => usage_error(io, "`verify` takes one FILE.mvb", VERIFY_USAGE),
        },
        "asm" => cmd_asm(rest, io),
        other => usage_error(io, &format!("unknown command `{other}`"), USAGE),
    }
}

/// Reads and decodes a `.mvb` file (not yet verified).
fn load(path: &str, io: &mut Io) -> Result<Module, u8> {
    load_within(path, None, io)
}

/// Reads and decodes a `.mvb` file for a run under `max_heap`: the file's
/// bytes and the decoded module count against it (while decoding, both are
/// held), and a file that cannot fit is refused before it is read or
/// decoded, as the runtime error `out of memory` (exit 2).
fn load_within(path: &str, max_heap: Option<usize>, io: &mut Io) -> Result<Module, u8> {
    let too_big = |io: &mut Io, what: &str| {
        io.err(&format!(
            "error: out of memory: {what} `{path}` needs more than the heap limit of {} bytes (the `--max-heap` limit)\n",
            max_heap.unwrap_or_default()
        ));
        EXIT_RUNTIME
    };
    if let (Some(max), Ok(meta)) = (max_heap, std::fs::metadata(path)) {
        if meta.len() > max as u64 {
            return Err(too_big(io, "reading"));
        }
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            io.err(&format!("mvm: cannot read `{path}`: {e}\n"));
            return Err(EXIT_USAGE);
        }
    };
    let budget = max_heap.map_or(usize::MAX, |max| max.saturating_sub(bytes.len()));
    Module::from_bytes_within(&bytes, budget).map_err(|e| {
        if e.out_of_memory {
            too_big(io, "loading")
        } else {
            io.err(&format!("error: invalid bytecode file `{path}`: {e}\n"));
            EXIT_INVALID
        }
    })
}

/// `module` joined with the libraries it imports (and those they import),
/// found beside `path` or in the `module_path` folders; a module without
/// imports is returned as it is.
fn with_libraries(
    module: Module,
    path: &str,
    module_path: &[String],
    max_heap: Option<usize>,
    io: &mut Io,
) -> Result<Module, u8> {
    if module.imports.is_empty() {
        return Ok(module);
    }
    let beside = std::path::Path::new(path)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let mut folders = vec![beside];
    folders.extend(module_path.iter().map(std::path::PathBuf::from));
    let mut wanted: Vec<(String, String)> = module
        .imports
        .iter()
        .map(|i| (i.module.clone(), path.to_string()))
        .collect();
    let mut libraries: Vec<Module> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    while let Some((name, importer)) = wanted.pop() {
        if names.contains(&name) {
            continue;
        }
        let file = format!("{name}.mvb");
        let Some(found) = folders.iter().map(|d| d.join(&file)).find(|p| p.is_file()) else {
            let looked: Vec<String> = folders
                .iter()
                .map(|d| d.join(&file).to_string_lossy().into_owned())
                .collect();
            io.err(&format!(
                "error: `{importer}` imports the library `{name}`, but there is no `{file}` beside it or in a --module-path folder (looked for {})\n",
                looked.join(", ")
            ));
            return Err(EXIT_INVALID);
        };
        let found = found.to_string_lossy().into_owned();
        let lib = load_within(&found, max_heap, io)?;
        if lib.library != name {
            let holds = match lib.is_library() {
                true => format!("the library `{}`", lib.library),
                false => "a program, not a library".to_string(),
            };
            io.err(&format!(
                "error: `{found}` holds {holds}; `{importer}` imports `{name}`\n"
            ));
            return Err(EXIT_INVALID);
        }
        wanted.extend(
            lib.imports
                .iter()
                .map(|i| (i.module.clone(), found.clone())),
        );
        names.push(name);
        libraries.push(lib);
    }
    mvm_runtime::link_libraries(module, libraries).map_err(|e| {
        io.err(&format!("error: cannot link `{path}`: {e}\n"));
        EXIT_INVALID
    })
}

/// Takes `--syntax FILE` out of `args` and loads it: `Ok(None)` without
/// one; `Err(code)` after reporting an unreadable or refused file.
fn syntax_option(
    args: &mut Vec<String>,
    io: &mut Io,
    usage: &str,
) -> Result<Option<syntax::Syntax>, u8> {
    let Some(at) = args.iter().position(|a| a == "--syntax") else {
        return Ok(None);
    };
    if at + 1 >= args.len() {
        return Err(usage_error(io, "--syntax needs a SYNTAX.toml file", usage));
    }
    let path = args.remove(at + 1);
    args.remove(at);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            io.err(&format!("mvm: cannot read `{path}`: {e}\n"));
            return Err(EXIT_USAGE);
        }
    };
    match syntax::Syntax::load(&text) {
        Ok(s) => Ok(Some(s)),
        Err(errors) => {
            io.err(&syntax::render_errors(&path, &text, &errors));
            Err(EXIT_INVALID)
        }
    }
}

fn cmd_dis(args: &[String], io: &mut Io) -> u8 {
    let mut args = args.to_vec();
    let syntax = match syntax_option(&mut args, io, DIS_USAGE) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match args.as_slice() {
        [path] if !path.starts_with('-') => match load(path, io) {
            Ok(module) => {
                io.out(&match &syntax {
                    Some(s) => mvm_bytecode::disassemble_with(&module, s),
                    None => mvm_bytecode::disassemble(&module),
                });
                0
            }
            Err(code) => code,
        },
        _ => usage_error(io, "`dis` takes one FILE.mvb", DIS_USAGE),
    }
}

fn cmd_asm(args: &[String], io: &mut Io) -> u8 {
    let mut args = args.to_vec();
    let syntax = match syntax_option(&mut args, io, ASM_USAGE) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (input, output) = match args.as_slice() {
        [input] => (input.clone(), None),
        [input, o, out] if o == "-o" => (input.clone(), Some(out.clone())),
        _ => {
            return usage_error(
                io,
                "`asm` takes FILE.mvasm and optionally -o OUT.mvb",
                ASM_USAGE,
            )
        }
    };
    let text = match std::fs::read_to_string(&input) {
        Ok(t) => t,
        Err(e) => {
            io.err(&format!("mvm: cannot read `{input}`: {e}\n"));
            return EXIT_USAGE;
        }
    };
    let assembled = match &syntax {
        Some(s) => mvm_bytecode::assemble_with(&text, &s.reader()),
        None => mvm_bytecode::assemble(&text),
    };
    let module = match assembled {
        Ok(m) => m,
        Err(e) => {
            io.err(&format!("error: {input}:{e}\n"));
            return EXIT_INVALID;
        }
    };
    if let Err(e) = mvm_bytecode::verify(&module) {
        io.err(&format!("error: `{input}` does not verify: {e}\n"));
        return EXIT_INVALID;
    }
    let output = output.unwrap_or_else(|| {
        std::path::Path::new(&input)
            .with_extension("mvb")
            .to_string_lossy()
            .into_owned()
    });
    match std::fs::write(&output, module.to_bytes()) {
        Ok(()) => 0,
        Err(e) => {
            io.err(&format!("mvm: cannot write `{output}`: {e}\n"));
            EXIT_IO_ERROR
        }
    }
}

fn cmd_run(args: &[String], io: &mut Io) -> u8 {
    let mut run = options::RunOptions::from_env();
    let mut path = None;
    let mut module_path: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--module-path" {
            match args.get(i + 1) {
                Some(dir) => module_path.push(dir.clone()),
                None => return usage_error(io, "--module-path needs a folder", RUN_USAGE),
            }
            i += 2;
            continue;
        }
        if let Some(dir) = arg.strip_prefix("--module-path=") {
            module_path.push(dir.to_string());
            i += 1;
            continue;
        }
        match run.apply(arg, args.get(i + 1).map(|s| s.as_str())) {
            Ok(Some(n)) => i += n,
            Err(message) => return usage_error(io, &message, RUN_USAGE),
            Ok(None) if arg.starts_with('-') && arg.len() > 1 => {
                return usage_error(io, &format!("unknown option `{arg}`"), RUN_USAGE)
            }
            // Arguments after the file belong to the program.
            Ok(None) => {
                path = Some(arg.to_string());
                i += 1;
                break;
            }
        }
    }
    let Some(path) = path else {
        return usage_error(io, "missing FILE.mvb", RUN_USAGE);
    };
    let options::RunOptions {
        config,
        host: host_options,
        observe,
    } = run;
    let module = match load_within(&path, config.gc.max_heap, io) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let module = match with_libraries(module, &path, &module_path, config.gc.max_heap, io) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let program_args = args[i..].to_vec();
    let natives = mvl_stdlib::registry();
    let input = io.capture.then(|| io.stdin.clone().unwrap_or_default());
    let mut host = match host_options.host(program_args, input) {
        Ok(h) => h,
        Err(message) => return usage_error(io, &message, RUN_USAGE),
    };
    // With observers, a copy of the module names what they saw.
    let mut observed = None;
    let outcome = if observe.any() {
        let (observers, _) = observed.insert((observe.observers(&module), module.clone()));
        observers.run_module(module, &natives, config, &mut host)
    } else {
        mvm_runtime::run_module(module, &natives, config, &mut host)
    };
    let finished = host.finish();
    drop(host);
    io.stdout.extend_from_slice(&finished.stdout);
    io.stderr.extend_from_slice(&finished.stderr);
    // The profile and coverage are written whatever the program's end.
    let observe_error = observed
        .as_ref()
        .and_then(|(o, module)| observe.write(o, module).err());
    if let Some(message) = &observe_error {
        io.err(&format!("mvm run: {message}\n"));
    }
    if let Some(report) = observed.as_ref().and_then(|(o, _)| observe.report(o)) {
        io.err(&report);
    }
    if let Some(message) = finished.record_error {
        io.err(&format!("mvm run: {message}\n"));
        return EXIT_IO_ERROR;
    }
    if let Some(e) = finished.output_error {
        // A closed pipe ends the program quietly, as for Unix tools.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            io.err(&format!(
                "mvm run: cannot write the program's output: {e}\n"
            ));
        }
        if !matches!(outcome, Ok(Outcome::Error(_))) {
            return EXIT_IO_ERROR;
        }
    }
    if let (Some(problem), Ok(Outcome::Finished | Outcome::Exit(_))) = (finished.problem, &outcome)
    {
        io.err(&format!("mvm run: {problem}\n"));
        return EXIT_RUNTIME;
    }
    match outcome {
        // As for standard output, a runtime error's code wins.
        Ok(Outcome::Finished | Outcome::Exit(_)) if observe_error.is_some() => EXIT_IO_ERROR,
        Ok(Outcome::Finished) => 0,
        Ok(Outcome::Exit(code)) => code.rem_euclid(256) as u8,
        Ok(Outcome::Error(e)) => {
            io.err(&e.to_string());
            EXIT_RUNTIME
        }
        Err(e) => {
            io.err(&format!("error: invalid bytecode file `{path}`: {e}\n"));
            EXIT_INVALID
        }
    }
}
