//! The `mvlc` command line: `run`, `build` and `check`, their options, and
//! the exit codes of `lang-spec/evaluation.md` (0 ok, 1 compile error, 2 runtime error, 64
//! usage error, the program's own `exit(n)`).
//!
//! [`execute`] does the work with its output either on the real streams or
//! captured in memory ([`Session`]), so the example suite runs the very same
//! code path as users do without spawning processes.

use mvl_compiler::codegen::OptLevel;
use mvl_compiler::db::{self, Database};
use mvl_compiler::render::{self, MessageFormat};
use mvm_bytecode::Module;
use std::io::{IsTerminal, Write};

pub const EXIT_OK: i32 = 0;
pub const EXIT_COMPILE_ERROR: i32 = 1;
pub const EXIT_RUNTIME_ERROR: i32 = 2;
pub const EXIT_USAGE: i32 = 64;
/// An output file or the program's standard output could not be written
/// (sysexits' EX_IOERR).
pub const EXIT_IO_ERROR: i32 = 74;

/// The compiler recurses over syntax trees; this is the stack it gets.
const COMPILER_STACK_BYTES: usize = 512 * 1024 * 1024;

const USAGE: &str = "\
mvlc: the MVL compiler

Usage:
  mvlc run [OPTIONS] FILE.mvl [ARGS...]   compile and run a program
  mvlc build FILE.mvl [-o OUT.mvb]        write bytecode (default: FILE.mvb)
  mvlc check FILE.mvl                     type-check only; report diagnostics
  mvlc fmt [--check] [FILES or DIRS...]   format source files in the canonical style
  mvlc test [--filter TEXT] [FILES or DIRS...]   run the `test` items
  mvlc repl                               an interactive session
  mvlc lsp                                the language server, on stdin and stdout
  mvlc help                               show this help

Options for run: limits (--max-stack N, --fuel N, --max-heap SIZE,
--gc-stress), --seed N, the sandbox (--sandbox, --allow-read=PATH,
--allow-write=PATH, --allow-env, --max-output SIZE, --max-time SECS),
--record FILE / --replay FILE, and the profiler and coverage (--profile FILE,
--profile-svg FILE, --profile-alloc FILE, --profile-alloc-svg FILE,
--coverage FILE) (see `mvlc run --help`).

Options for run, build and test: -O0 compiles without the MIR optimisation
passes, -O with them (the default).

Options for run, build, check, fmt and test:
  --message-format human|short|json   how diagnostics are written (default human)
  --color auto|always|never           colour diagnostics (default auto: when
                                      stderr is a terminal and NO_COLOR is unset)

Exit codes: 0 success, 1 compile error, 2 runtime error, 64 usage error,
74 output error (a file or stdout that cannot be written), and a program's
own exit(n) exits n modulo 256.
";

const RUN_USAGE: &str = "\
Usage: mvlc run [OPTIONS] FILE.mvl [ARGS...]

Compiles FILE.mvl and runs it with ARGS as its arguments (`env::args()`).
Only the program's own output goes to stdout; diagnostics and runtime
errors go to stderr. Options come before FILE.

Options:
  --message-format human|short|json   how diagnostics are written
  --color auto|always|never           colour diagnostics
  -O0               compile without the MIR optimisation passes
  -O                optimise (the default)
  -h, --help        show this help

Limits (exceeding one is a runtime error, exit code 2):
";

const BUILD_USAGE: &str = "\
Usage: mvlc build [-O0|-O] [--lib] [--extern LIB.mvb]... FILE.mvl [-o OUT.mvb]

Compiles FILE.mvl to MVM bytecode, written to OUT.mvb (default: FILE.mvb
next to the source). Run it with `mvm run OUT.mvb`.

Options:
  --lib             build a library: FILE.mvl needs no `main`; its
                    functions and types are exported, and their
                    signatures written into OUT.mvb for --extern
  --extern LIB.mvb  compile against the library LIB.mvb (imported as the
                    stem of its name) instead of embedding its source:
                    `mvm run` links LIB.mvb, found beside OUT.mvb or in a
                    --module-path folder, when the program runs
  -O0                                 compile without the MIR optimisation
                                      passes
  -O                                  optimise (the default)
  --emit=mir                          print the MIR of each function of the
                                      program's files instead (nothing written)
  --emit=mir-opt                      the same after the optimiser: the MIR
                                      code generation receives (with -O0, the
                                      same as --emit=mir)
  --message-format human|short|json   how diagnostics are written
  --color auto|always|never           colour diagnostics
";

const CHECK_USAGE: &str = "\
Usage: mvlc check [OPTIONS] FILE.mvl

Type-checks FILE.mvl and reports every diagnostic; runs nothing.
Exit code 0 when there are no errors, 1 otherwise.

Options:
  --message-format human|short|json   how diagnostics are written
  --color auto|always|never           colour diagnostics
";

/// Where the output of one command goes.
pub struct Session {
    /// Capture stdout and stderr in the fields below instead of writing to
    /// the process's streams.
    pub capture: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Colour diagnostics (by default only for a terminal, without
    /// `NO_COLOR`; `--color` decides otherwise).
    pub color: bool,
    /// A captured session's standard input for the program (none: empty).
    pub stdin: Option<Vec<u8>>,
    /// How diagnostics are written (`--message-format`).
    pub message_format: MessageFormat,
    /// `-O0` or `-O` (the default) for run, build and test.
    pub opt_level: OptLevel,
}

impl Session {
    /// Renders `diags` (if any) to stderr in the session's message format
    /// and colours.
    pub fn diagnostics(&mut self, db: &dyn db::Db, diags: &[mvl_compiler::diagnostic::Diagnostic]) {
        if !diags.is_empty() {
            let text = render::render_as(db, diags, self.message_format, self.color);
            self.err(&text);
        }
    }

    /// Output to the process's real streams.
    pub fn real() -> Session {
        Session {
            capture: false,
            stdout: Vec::new(),
            stderr: Vec::new(),
            color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            stdin: None,
            message_format: MessageFormat::Human,
            opt_level: OptLevel::O,
        }
    }

    /// Output captured in memory, without colour.
    pub fn captured() -> Session {
        Session {
            capture: true,
            stdout: Vec::new(),
            stderr: Vec::new(),
            color: false,
            stdin: None,
            message_format: MessageFormat::Human,
            opt_level: OptLevel::O,
        }
    }

    pub fn err(&mut self, text: &str) {
        if self.capture {
            self.stderr.extend_from_slice(text.as_bytes());
        } else {
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(text.as_bytes());
            let _ = e.flush();
        }
    }
}

/// Runs `mvlc` with `args` (without the program name) on the real streams,
/// on a thread with a stack deep enough for deeply nested programs.
pub fn main_with_args(args: Vec<String>) -> i32 {
    let worker = std::thread::Builder::new()
        .name("mvlc".to_string())
        .stack_size(COMPILER_STACK_BYTES)
        .spawn(move || execute(&args, &mut Session::real()));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("mvlc: internal error (this is a bug in mvlc; please report it)");
            70
        }
    }
}

/// `--message-format FORMAT` and `--color WHEN` (also as `--opt=value`),
/// which every command reporting diagnostics takes: applies `arg` (with
/// `next`, its value) to the session and returns how many arguments it
/// used, 0 when `arg` is neither.
pub(crate) fn diagnostic_option(
    arg: &str,
    next: Option<&String>,
    session: &mut Session,
) -> Result<usize, String> {
    let (name, inline) = match arg.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (arg, None),
    };
    if name != "--message-format" && name != "--color" {
        return Ok(0);
    }
    let (value, used) = match (inline, next) {
        (Some(v), _) => (v, 1),
        (None, Some(v)) => (v.as_str(), 2),
        (None, None) => return Err(format!("{name} needs a value")),
    };
    if name == "--message-format" {
        session.message_format = MessageFormat::from_name(value).ok_or_else(|| {
            format!("--message-format must be human, short or json, not `{value}`")
        })?;
    } else {
        session.color = match value {
            "always" => true,
            "never" => false,
            "auto" => {
                !session.capture
                    && std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none()
            }
            _ => {
                return Err(format!(
                    "--color must be auto, always or never, not `{value}`"
                ))
            }
        };
    }
    Ok(used)
}

/// Options of `mvlc run`: those `mvm run` shares (the VM's limits, the
/// host's options, the profiler and coverage, parsed by `mvm::options`),
/// and the program's arguments.
struct RunOptions {
    vm: mvm::options::RunOptions,
    args: Vec<String>,
}

/// Runs one `mvlc` command; returns the process exit code.
pub fn execute(args: &[String], session: &mut Session) -> i32 {
    let Some(command) = args.first() else {
        session.err(USAGE);
        return EXIT_USAGE;
    };
    let rest = &args[1..];
    match command.as_str() {
        "help" | "--help" | "-h" => {
            print_out(session, USAGE.as_bytes());
            EXIT_OK
        }
        "--version" | "-V" => {
            print_out(
                session,
                format!("mvlc {}\n", env!("CARGO_PKG_VERSION")).as_bytes(),
            );
            EXIT_OK
        }
        "run" => cmd_run(rest, session),
        "build" => cmd_build(rest, session),
        "check" => cmd_check(rest, session),
        "fmt" => cmd_fmt(rest, session),
        "test" => crate::test_runner::cmd_test(rest, session),
        "repl" => cmd_repl(rest, session),
        "lsp" if rest.is_empty() => crate::lsp::run(),
        "lsp" => {
            session.err("mvlc lsp: takes no arguments (it speaks LSP on stdin and stdout)\n");
            EXIT_USAGE
        }
        other => {
            session.err(&format!("mvlc: unknown command `{other}`\n\n{USAGE}"));
            EXIT_USAGE
        }
    }
}

const REPL_USAGE: &str = "\
Usage: mvlc repl

An interactive session on one live VM: enter items (fn, struct, enum, impl,
const, import) and statements; `let` and `var` bindings and items persist
and can be redefined, and an expression's value is shown with its type
(`[1, 4, 9] : [Int]`). Each entry is compiled against the session's earlier
definitions and runs once. Input continues on the next line while a bracket
is open or a line ends in an operator. `:help` lists the commands; `:quit`
or the end of input leaves.

When standard input is not a terminal the session reads it as a script: no
prompts, output only; the exit code is 1 if any entry failed (0 otherwise),
or the code the program passed to `exit`.
";

/// `mvlc repl`: reads entries from stdin until `:quit`, `exit(n)` or its end.
fn cmd_repl(args: &[String], session: &mut Session) -> i32 {
    use mvm_runtime::host::{Input, OsHost, Output, Sandbox};
    use std::io::BufRead;
    if wants_help(args) {
        print_out(session, REPL_USAGE.as_bytes());
        return EXIT_OK;
    }
    if let Some(arg) = args.first() {
        let what = if arg.starts_with('-') && arg.len() > 1 {
            "unknown option"
        } else {
            "unexpected argument"
        };
        session.err(&format!("mvlc repl: {what} `{arg}`\n\n{REPL_USAGE}"));
        return EXIT_USAGE;
    }
    let interactive = std::io::stdin().is_terminal() && !session.capture;
    // The session reads standard input itself: the program sees an empty one.
    let out = if session.capture {
        Output::Memory(Vec::new())
    } else {
        // Interactively every write is shown at once; a script's output is
        // buffered (boundedly) and flushed after each entry.
        let capacity = if interactive { 0 } else { 1 << 16 };
        Output::Stdout(std::io::BufWriter::with_capacity(
            capacity,
            std::io::stdout(),
        ))
    };
    let err = if session.capture {
        Output::Memory(Vec::new())
    } else {
        Output::Stderr(std::io::stderr())
    };
    let host = OsHost::with_streams(
        Vec::new(),
        Sandbox::default(),
        Input::Memory(std::io::Cursor::new(Vec::new())),
        out,
        err,
    );
    let mut repl = crate::repl::Repl::new(host);
    if interactive {
        return interactive_repl(session, repl);
    }
    let mut pending = String::new();
    let mut failed = false;
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        pending.push_str(&line);
        pending.push('\n');
        if !pending.trim_start().starts_with(':') && !crate::repl::is_complete(&pending) {
            continue;
        }
        let reply = repl.eval(&pending);
        pending.clear();
        for output in [&mut repl.host.stdout, &mut repl.host.stderr] {
            if let Output::Memory(bytes) = output {
                let bytes = std::mem::take(bytes);
                session.stdout.extend_from_slice(&bytes);
            }
        }
        print_out(session, reply.output.as_bytes());
        if !reply.errors.is_empty() {
            session.err(&reply.errors);
        }
        failed |= reply.failed;
        if let Some(code) = reply.exit {
            return code;
        }
        if reply.quit {
            break;
        }
    }
    // Input that ended inside an open bracket or after an operator.
    if !pending.trim().is_empty() {
        session.err(&format!(
            "error: the input ended inside an unfinished entry:\n{pending}"
        ));
        failed = true;
    }
    if failed && !interactive {
        EXIT_COMPILE_ERROR
    } else {
        EXIT_OK
    }
}

/// The session at a terminal: the line editor reads entries (see
/// `crate::editor`), Ctrl-C interrupts a running entry, Ctrl-D leaves.
fn interactive_repl(
    session: &mut Session,
    mut repl: crate::repl::Repl<mvm_runtime::OsHost>,
) -> i32 {
    use std::sync::atomic::Ordering;
    let names: crate::editor::Names = Default::default();
    let mut editor = crate::editor::Editor::new(names.clone());
    let flag = editor.interrupt.clone();
    repl.interrupted = Box::new(move || flag.swap(false, Ordering::SeqCst));
    loop {
        if let Ok(mut n) = names.lock() {
            *n = repl.names();
        }
        let text = match editor.read() {
            crate::editor::Read::Entry(text) => text,
            crate::editor::Read::Cancelled => continue,
            crate::editor::Read::End => return EXIT_OK,
        };
        editor.interrupt.store(false, Ordering::SeqCst);
        let reply = repl.eval(&text);
        print_out(session, reply.output.as_bytes());
        if !reply.errors.is_empty() {
            session.err(&reply.errors);
        }
        if let Some(code) = reply.exit {
            return code;
        }
        if reply.quit {
            return EXIT_OK;
        }
    }
}

pub(crate) fn print_out(session: &mut Session, bytes: &[u8]) {
    if session.capture {
        session.stdout.extend_from_slice(bytes);
    } else {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(bytes);
        let _ = out.flush();
    }
}

/// Whether `path` is a `.mvb` file (by its name or its first bytes).
fn is_bytecode(path: &str) -> bool {
    if path.ends_with(".mvb") {
        return true;
    }
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok_and(|()| &magic == mvm_bytecode::format::MAGIC)
}

pub(crate) fn wants_help(args: &[String]) -> bool {
    args.first().is_some_and(|a| a == "--help" || a == "-h")
}

fn cmd_run(args: &[String], session: &mut Session) -> i32 {
    if wants_help(args) {
        print_out(
            session,
            format!("{RUN_USAGE}{}", mvm::options::help()).as_bytes(),
        );
        return EXIT_OK;
    }
    let mut options = RunOptions {
        vm: mvm::options::RunOptions::from_env(),
        args: Vec::new(),
    };
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match diagnostic_option(arg, args.get(i + 1), session) {
            Ok(0) => {}
            Ok(n) => {
                i += n;
                continue;
            }
            Err(message) => {
                session.err(&format!("mvlc run: {message}\n\n{RUN_USAGE}"));
                return EXIT_USAGE;
            }
        }
        if opt_option(arg, session) {
            i += 1;
            continue;
        }
        match options.vm.apply(arg, args.get(i + 1).map(|s| s.as_str())) {
            Ok(Some(n)) => i += n,
            Err(message) => {
                session.err(&format!("mvlc run: {message}\n\n{RUN_USAGE}"));
                return EXIT_USAGE;
            }
            Ok(None) if arg.starts_with('-') && arg.len() > 1 => {
                session.err(&format!("mvlc run: unknown option `{arg}`\n\n{RUN_USAGE}"));
                return EXIT_USAGE;
            }
            Ok(None) => break,
        }
    }
    let Some(path) = args.get(i) else {
        session.err(&format!("mvlc run: missing FILE\n\n{RUN_USAGE}"));
        return EXIT_USAGE;
    };
    options.args = args[i + 1..].to_vec();
    if is_bytecode(path) {
        session.err(&format!(
            "mvlc run: `{path}` is bytecode, not MVL source: run it with `mvm run {path}`\n"
        ));
        return EXIT_USAGE;
    }
    // Coverage reports the functions no call reached too.
    let every_function = options.vm.observe.coverage.is_some();
    match compile_file(path, every_function, session) {
        Ok(module) => run_module(&module, &options, session),
        Err(code) => code,
    }
}

fn cmd_build(args: &[String], session: &mut Session) -> i32 {
    if wants_help(args) {
        print_out(session, BUILD_USAGE.as_bytes());
        return EXIT_OK;
    }
    let mut input = None;
    let mut output = None;
    let mut lib = false;
    let mut externs: Vec<String> = Vec::new();
    // `Some(optimised)`: print the MIR (after the optimiser when
    // `optimised`) instead of building.
    let mut emit_mir: Option<bool> = None;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match diagnostic_option(arg, args.get(i + 1), session) {
            Ok(0) => {}
            Ok(n) => {
                i += n;
                continue;
            }
            Err(message) => {
                session.err(&format!("mvlc build: {message}\n\n{BUILD_USAGE}"));
                return EXIT_USAGE;
            }
        }
        if opt_option(arg, session) {
            i += 1;
            continue;
        }
        match arg.as_str() {
            "--lib" => {
                lib = true;
                i += 1;
            }
            "--extern" => {
                let Some(file) = args.get(i + 1) else {
                    session.err(&format!(
                        "mvlc build: --extern needs a library file\n\n{BUILD_USAGE}"
                    ));
                    return EXIT_USAGE;
                };
                externs.push(file.clone());
                i += 2;
            }
            "--emit=mir" => {
                emit_mir = Some(false);
                i += 1;
            }
            "--emit=mir-opt" => {
                emit_mir = Some(true);
                i += 1;
            }
            "-o" | "--output" => {
                let Some(out) = args.get(i + 1) else {
                    session.err(&format!(
                        "mvlc build: -o needs a file name\n\n{BUILD_USAGE}"
                    ));
                    return EXIT_USAGE;
                };
                output = Some(out.clone());
                i += 2;
            }
            a if a.starts_with('-') && a.len() > 1 => {
                session.err(&format!(
                    "mvlc build: unknown option `{a}`\n\n{BUILD_USAGE}"
                ));
                return EXIT_USAGE;
            }
            a if input.is_none() => {
                input = Some(a.to_string());
                i += 1;
            }
            a => {
                session.err(&format!(
                    "mvlc build: unexpected argument `{a}`\n\n{BUILD_USAGE}"
                ));
                return EXIT_USAGE;
            }
        }
    }
    let Some(input) = input else {
        session.err(&format!("mvlc build: missing FILE\n\n{BUILD_USAGE}"));
        return EXIT_USAGE;
    };
    if let Some(optimised) = emit_mir {
        let level = if optimised {
            session.opt_level
        } else {
            OptLevel::O0
        };
        return emit_mir_of(&input, level, session);
    }
    let output = output.unwrap_or_else(|| {
        std::path::Path::new(&input)
            .with_extension("mvb")
            .to_string_lossy()
            .into_owned()
    });
    let module = match build_file(&input, lib, &externs, session) {
        Ok(m) => m,
        Err(code) => return code,
    };
    match std::fs::write(&output, module.to_bytes()) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            session.err(&format!("mvlc build: cannot write `{output}`: {e}\n"));
            EXIT_IO_ERROR
        }
    }
}

fn cmd_check(args: &[String], session: &mut Session) -> i32 {
    if wants_help(args) {
        print_out(session, CHECK_USAGE.as_bytes());
        return EXIT_OK;
    }
    let mut files = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match diagnostic_option(arg, args.get(i + 1), session) {
            Ok(0) if arg.starts_with('-') && arg.len() > 1 => {
                session.err(&format!(
                    "mvlc check: unknown option `{arg}`\n\n{CHECK_USAGE}"
                ));
                return EXIT_USAGE;
            }
            Ok(0) => {
                files.push(arg);
                i += 1;
            }
            Ok(n) => i += n,
            Err(message) => {
                session.err(&format!("mvlc check: {message}\n\n{CHECK_USAGE}"));
                return EXIT_USAGE;
            }
        }
    }
    let [path] = files.as_slice() else {
        session.err(&format!(
            "mvlc check: expected exactly one FILE\n\n{CHECK_USAGE}"
        ));
        return EXIT_USAGE;
    };
    match check_file(path, session) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}

const FMT_USAGE: &str = "\
Usage: mvlc fmt [--check] [FILES or DIRS...]

Rewrites each FILE in the canonical style (lang-spec/style.md); a DIR means
every .mvl file under it (hidden folders and `target` skipped). Without
FILES, formats standard input to standard output. A file with syntax errors
is left untouched and its diagnostics are shown.

Options:
  --check       change nothing: name each file that would change, on stdout
  --message-format human|short|json   how syntax errors are written
  --color auto|always|never           colour syntax errors
  -h, --help    show this help

Exit codes: 0 done (or, with --check, every file already formatted), 1 a
file has syntax errors or (with --check) would change, 64 usage error or a
FILE that cannot be read, 74 a file or standard output that cannot be
written.
";

/// `mvlc fmt`: formats files in place, or checks that they are formatted.
fn cmd_fmt(args: &[String], session: &mut Session) -> i32 {
    if wants_help(args) {
        print_out(session, FMT_USAGE.as_bytes());
        return EXIT_OK;
    }
    let mut check = false;
    let mut paths = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        i += 1;
        match diagnostic_option(arg, args.get(i), session) {
            Ok(0) => {}
            Ok(n) => {
                i += n - 1;
                continue;
            }
            Err(message) => {
                session.err(&format!("mvlc fmt: {message}\n\n{FMT_USAGE}"));
                return EXIT_USAGE;
            }
        }
        match arg.as_str() {
            "--check" => check = true,
            a if a.starts_with('-') && a.len() > 1 => {
                session.err(&format!("mvlc fmt: unknown option `{a}`\n\n{FMT_USAGE}"));
                return EXIT_USAGE;
            }
            a => paths.push(a.to_string()),
        }
    }
    if paths.is_empty() {
        return fmt_stdin(check, session);
    }
    let mut files = Vec::new();
    let mut code = EXIT_OK;
    for p in &paths {
        let path = std::path::Path::new(p);
        if path.is_dir() {
            collect_sources(path, &mut files);
        } else if path.exists() {
            files.push(p.clone());
        } else {
            session.err(&format!("mvlc fmt: `{p}` does not exist\n"));
            code = worse(code, EXIT_USAGE);
        }
    }
    for file in &files {
        code = worse(code, fmt_file(file, check, session));
    }
    code
}

/// The graver of two exit codes of `mvlc fmt`.
fn worse(a: i32, b: i32) -> i32 {
    let rank = |c: i32| match c {
        EXIT_OK => 0,
        EXIT_COMPILE_ERROR => 1,
        EXIT_USAGE => 2,
        _ => 3,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// Every `.mvl` file under `dir`, sorted, skipping hidden folders and
/// `target`.
pub(crate) fn collect_sources(dir: &std::path::Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<std::path::PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let skip = name
            .as_deref()
            .is_some_and(|n| n.starts_with('.') || n == "target");
        if path.is_dir() {
            if !skip {
                collect_sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "mvl") {
            out.push(path.to_string_lossy().into_owned());
        }
    }
}

/// Formats `text` (from `path`); on syntax errors renders them and returns
/// `None`.
fn format_text(path: &str, text: &str, session: &mut Session) -> Option<String> {
    match mvl_syntax::format::format_source(text) {
        Ok(formatted) => Some(formatted),
        Err(mvl_syntax::format::FormatError::Unsafe(why)) => {
            session.err(&format!(
                "mvlc fmt: `{path}` left untouched: {why} (this is a bug in mvlc fmt; please report it)\n"
            ));
            None
        }
        Err(mvl_syntax::format::FormatError::Syntax(_)) => {
            let mut db = Database::default();
            let file = db.set_file(path, text.to_string());
            let diags = db::parse(&db, file).errors.clone();
            session.diagnostics(&db, &diags);
            None
        }
    }
}

fn fmt_file(path: &str, check: bool, session: &mut Session) -> i32 {
    let text = match read_source(path, session) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let Some(formatted) = format_text(path, &text, session) else {
        return EXIT_COMPILE_ERROR;
    };
    if formatted == text {
        return EXIT_OK;
    }
    if check {
        print_out(session, format!("{path}\n").as_bytes());
        return EXIT_COMPILE_ERROR;
    }
    match std::fs::write(path, formatted) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            session.err(&format!("mvlc fmt: cannot write `{path}`: {e}\n"));
            EXIT_IO_ERROR
        }
    }
}

/// `mvlc fmt` without files: standard input to standard output.
fn fmt_stdin(check: bool, session: &mut Session) -> i32 {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes) {
        session.err(&format!("mvlc fmt: cannot read standard input: {e}\n"));
        return EXIT_IO_ERROR;
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = render::render_not_utf8(
                "<stdin>",
                e.as_bytes(),
                at,
                session.message_format,
                session.color,
            );
            session.err(&text);
            return EXIT_COMPILE_ERROR;
        }
    };
    let Some(formatted) = format_text("<stdin>", &text, session) else {
        return EXIT_COMPILE_ERROR;
    };
    if check {
        if formatted == text {
            return EXIT_OK;
        }
        print_out(session, b"<stdin>\n");
        return EXIT_COMPILE_ERROR;
    }
    if session.capture {
        session.stdout.extend_from_slice(formatted.as_bytes());
        return EXIT_OK;
    }
    let mut out = std::io::stdout().lock();
    match out
        .write_all(formatted.as_bytes())
        .and_then(|()| out.flush())
    {
        Ok(()) => EXIT_OK,
        // A closed pipe ends the output quietly, as for Unix tools.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_IO_ERROR,
        Err(e) => {
            drop(out);
            session.err(&format!("mvlc fmt: cannot write the output: {e}\n"));
            EXIT_IO_ERROR
        }
    }
}

/// Reads, parses and type-checks `path` without lowering it, rendering
/// every diagnostic to stderr. On failure returns the exit code to use.
pub fn check_file(path: &str, session: &mut Session) -> Result<(), i32> {
    let text = read_source(path, session)?;
    let mut db = Database::default();
    let program = db.program(path, text);
    db::prime(&db, program);
    let has_main = db::declarations(&db, program).main.is_some();
    let diags = db::check_diagnostics(&db, program);
    session.diagnostics(&db, &diags);
    release(db, session);
    if has_main && !diags.iter().any(|d| d.is_error()) {
        Ok(())
    } else {
        Err(EXIT_COMPILE_ERROR)
    }
}

/// Drops the database, except in a process of its own: its trees and
/// tables die with the process, and freeing them one by one takes a tenth
/// of the time of checking a large program.
fn release(db: Database, session: &Session) {
    if session.capture {
        drop(db);
    } else {
        std::mem::forget(db);
    }
}

/// The text of the source file `path`, or the exit code to use after
/// reporting why it cannot be read.
pub(crate) fn read_source(path: &str, session: &mut Session) -> Result<String, i32> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            session.err(&format!("mvlc: cannot read `{path}`: {e}\n"));
            return Err(EXIT_USAGE);
        }
    };
    match String::from_utf8(bytes) {
        Ok(t) => Ok(t),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = render::render_not_utf8(
                path,
                e.as_bytes(),
                at,
                session.message_format,
                session.color,
            );
            session.err(&text);
            Err(EXIT_COMPILE_ERROR)
        }
    }
}

/// `mvlc build --emit=mir` (`level` is `-O0`) or `--emit=mir-opt`: the
/// program's diagnostics, then, if it has no errors, the MIR of its
/// functions at `level` on stdout.
fn emit_mir_of(path: &str, level: OptLevel, session: &mut Session) -> i32 {
    let text = match read_source(path, session) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut db = Database::default();
    let program = db.program(path, text);
    let diags = db::diagnostics(&db, program);
    session.diagnostics(&db, &diags);
    let code = if diags.iter().any(|d| d.is_error()) {
        EXIT_COMPILE_ERROR
    } else {
        let mir = db::program_mir(&db, program, level);
        print_out(session, mir.as_bytes());
        EXIT_OK
    };
    release(db, session);
    code
}

/// `-O0` or `-O` (of run, build and test): sets the session's level and
/// says whether `arg` was one of them.
pub fn opt_option(arg: &str, session: &mut Session) -> bool {
    match arg {
        "-O0" => session.opt_level = OptLevel::O0,
        "-O" => session.opt_level = OptLevel::O,
        _ => return false,
    }
    true
}

/// Reads and compiles `path`, rendering every diagnostic to stderr: with
/// every user function when `every_function`, otherwise only what `main`
/// reaches. On failure returns the exit code to use.
pub fn compile_file(
    path: &str,
    every_function: bool,
    session: &mut Session,
) -> Result<Module, i32> {
    let text = read_source(path, session)?;
    let mut db = Database::default();
    let program = db.program(path, text);
    db.set_opt_level(program, session.opt_level);
    db::prime(&db, program);
    let module = if every_function {
        db::compile(&db, program).clone()
    } else {
        db::compile_reachable(&db, program).clone()
    };
    let diags = db::diagnostics(&db, program);
    session.diagnostics(&db, &diags);
    release(db, session);
    match module {
        Some(m) if !diags.iter().any(|d| d.is_error()) => Ok((*m).clone()),
        _ => Err(EXIT_COMPILE_ERROR),
    }
}

/// Reads and compiles `path` for `mvlc build`: as a library when `lib`,
/// against the libraries in the `.mvb` files `externs`. On failure returns
/// the exit code to use, after reporting why.
fn build_file(
    path: &str,
    lib: bool,
    externs: &[String],
    session: &mut Session,
) -> Result<Module, i32> {
    let mut libraries = Vec::new();
    for file in externs {
        libraries.push(read_library(file, session)?);
    }
    let text = read_source(path, session)?;
    let mut db = Database::default();
    let interfaces: Vec<(String, String)> = libraries
        .iter()
        .map(|l| (l.library.clone(), l.interface.clone()))
        .collect();
    let program = db.program_with_externs(path, text, &interfaces);
    db.set_opt_level(program, session.opt_level);
    db::prime(&db, program);
    let result = if lib {
        let diags = db::library_diagnostics(&db, program);
        session.diagnostics(&db, &diags);
        match db::compile_library(&db, program) {
            Some((mut module, index)) => {
                let name = std::path::Path::new(path)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                match mvl_compiler::library::make_library(&db, program, &name, &mut module, &index)
                {
                    Ok(()) => Ok(module),
                    Err(errors) => {
                        for e in errors {
                            session.err(&format!("error: {e}\n"));
                        }
                        Err(EXIT_COMPILE_ERROR)
                    }
                }
            }
            None if diags.iter().any(|d| d.is_error()) => Err(EXIT_COMPILE_ERROR),
            None => {
                session.err(&format!(
                    "error: `{path}` declares no function: a library needs at least one\n"
                ));
                Err(EXIT_COMPILE_ERROR)
            }
        }
    } else {
        let module = db::compile_reachable(&db, program).clone();
        let diags = db::diagnostics(&db, program);
        session.diagnostics(&db, &diags);
        match module {
            Some(m) if !diags.iter().any(|d| d.is_error()) => Ok((*m).clone()),
            _ => Err(EXIT_COMPILE_ERROR),
        }
    };
    release(db, session);
    let mut module = result?;
    mvl_compiler::library::resolve_externs(&mut module, &libraries);
    Ok(module)
}

/// The library in the `.mvb` file `path` (`--extern`), whose name must be
/// its file's stem (the name `mvm run` looks for it by).
fn read_library(path: &str, session: &mut Session) -> Result<Module, i32> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            session.err(&format!(
                "mvlc build: cannot read the library `{path}`: {e}\n"
            ));
            return Err(EXIT_USAGE);
        }
    };
    let module = match Module::from_bytes(&bytes) {
        Ok(m) => m,
        Err(e) => {
            session.err(&format!("error: invalid library file `{path}`: {e}\n"));
            return Err(EXIT_COMPILE_ERROR);
        }
    };
    let stem = std::path::Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !module.is_library() {
        session.err(&format!(
            "error: `{path}` is a program, not a library (build it with `mvlc build --lib`)\n"
        ));
        return Err(EXIT_COMPILE_ERROR);
    }
    if module.library != stem {
        session.err(&format!(
            "error: `{path}` holds the library `{}`: name the file `{}.mvb`, as `mvm run` looks for it by that name\n",
            module.library, module.library
        ));
        return Err(EXIT_COMPILE_ERROR);
    }
    Ok(module)
}

/// Runs a compiled module, with the program's output on stdout and a runtime
/// error's message and stack trace on stderr.
fn run_module(module: &Module, options: &RunOptions, session: &mut Session) -> i32 {
    let config = options.vm.config;
    let natives = mvl_stdlib::registry();
    let input = session
        .capture
        .then(|| session.stdin.clone().unwrap_or_default());
    let mut host = match options.vm.host.host(options.args.clone(), input) {
        Ok(h) => h,
        Err(message) => {
            session.err(&format!("mvlc run: {message}\n"));
            return EXIT_USAGE;
        }
    };
    let mut observed = None;
    let outcome = if options.vm.observe.any() {
        let observers = observed.insert(options.vm.observe.observers(module));
        observers.run_module(module.clone(), &natives, config, &mut host)
    } else {
        mvm_runtime::run_module(module.clone(), &natives, config, &mut host)
    };
    let finished = host.finish();
    drop(host);
    session.stdout.extend_from_slice(&finished.stdout);
    session.stderr.extend_from_slice(&finished.stderr);
    // The profile and coverage are written whatever the program's end.
    let observe_error = observed
        .as_ref()
        .and_then(|o| options.vm.observe.write(o, module).err());
    if let Some(message) = &observe_error {
        session.err(&format!("mvlc run: {message}\n"));
    }
    if let Some(report) = observed.as_ref().and_then(|o| options.vm.observe.report(o)) {
        session.err(&report);
    }
    if let Some(message) = finished.record_error {
        session.err(&format!("mvlc run: {message}\n"));
        return EXIT_IO_ERROR;
    }
    if let Some(e) = finished.output_error {
        // A closed pipe ends the program quietly, as for Unix tools.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            session.err(&format!(
                "mvlc run: cannot write the program's output: {e}\n"
            ));
        }
        if !matches!(outcome, Ok(mvm_runtime::Outcome::Error(_))) {
            return EXIT_IO_ERROR;
        }
    }
    if let (Some(problem), Ok(mvm_runtime::Outcome::Finished | mvm_runtime::Outcome::Exit(_))) =
        (finished.problem, &outcome)
    {
        session.err(&format!("mvlc run: {problem}\n"));
        return EXIT_RUNTIME_ERROR;
    }
    match outcome {
        // As for standard output, a runtime error's code wins.
        Ok(mvm_runtime::Outcome::Finished | mvm_runtime::Outcome::Exit(_))
            if observe_error.is_some() =>
        {
            EXIT_IO_ERROR
        }
        Ok(mvm_runtime::Outcome::Finished) => EXIT_OK,
        Ok(mvm_runtime::Outcome::Exit(code)) => code.rem_euclid(256),
        Ok(mvm_runtime::Outcome::Error(e)) => {
            session.err(&e.to_string());
            EXIT_RUNTIME_ERROR
        }
        Err(e) => {
            // The compiler produced a module the VM refuses: a compiler bug.
            session.err(&format!(
                "mvlc: internal error: the compiled program does not load: {e}\n"
            ));
            70
        }
    }
}
