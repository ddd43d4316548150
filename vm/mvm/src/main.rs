//! `mvm`: runs, disassembles and (later) assembles MVM bytecode.
//!
//! Exit codes: 0 success; 1 a `.mvb` that is malformed or fails
//! verification; 2 a runtime error (message and MVL stack trace on
//! stderr); 64 a usage error or an unreadable file; a program's own
//! `exit(n)` exits `n`.

use mvm_bytecode::Module;
use mvm_runtime::{Outcome, StdHost, VmConfig};
use std::process::ExitCode;

const USAGE: &str = "\
mvm: the MVM virtual machine

Usage:
  mvm run [--max-stack N] FILE.mvb   run a bytecode program
  mvm dis FILE.mvb                   print a readable listing of it
  mvm verify FILE.mvb                check it without running it
  mvm asm FILE.mvasm -o OUT.mvb      assemble (not available yet)
  mvm help                           show this help

Exit codes: 0 success, 1 invalid bytecode file, 2 runtime error,
64 usage error, and a program's own exit(n) exits n.
";

const RUN_USAGE: &str = "\
Usage: mvm run [--max-stack N] FILE.mvb

Verifies and runs FILE.mvb (as written by `mvlc build`). Only the program's
output goes to stdout; a runtime error's message and stack trace go to
stderr (exit code 2).

Options:
  --max-stack N     at most N nested calls (default 100000)
";

const DIS_USAGE: &str = "\
Usage: mvm dis FILE.mvb

Prints the module's constants, natives, types and functions, one
instruction per line with its operands explained and its source line.
";

const VERIFY_USAGE: &str = "\
Usage: mvm verify FILE.mvb

Checks that FILE.mvb is well-formed and passes the verifier; runs nothing.
";

const EXIT_INVALID: u8 = 1;
const EXIT_RUNTIME: u8 = 2;
const EXIT_USAGE: u8 = 64;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(run_cli(&args))
}

fn wants_help(args: &[String]) -> bool {
    args.iter().any(|a| a == "--help" || a == "-h")
}

fn usage_error(message: &str, usage: &str) -> u8 {
    eprintln!("mvm: {message}\n\n{usage}");
    EXIT_USAGE
}

fn run_cli(args: &[String]) -> u8 {
    let Some(command) = args.first() else {
        eprint!("{USAGE}");
        return EXIT_USAGE;
    };
    let rest = &args[1..];
    match command.as_str() {
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            0
        }
        "--version" | "-V" => {
            println!("mvm {}", env!("CARGO_PKG_VERSION"));
            0
        }
        "run" if wants_help(rest) => {
            print!("{RUN_USAGE}");
            0
        }
        "dis" if wants_help(rest) => {
            print!("{DIS_USAGE}");
            0
        }
        "verify" if wants_help(rest) => {
            print!("{VERIFY_USAGE}");
            0
        }
        "run" => cmd_run(rest),
        "dis" => match rest {
            [path] => match load(path) {
                Ok(module) => {
                    print!("{}", mvm_bytecode::disassemble(&module));
                    0
                }
                Err(code) => code,
            },
            _ => usage_error("`dis` takes one FILE.mvb", DIS_USAGE),
        },
        "verify" => match rest {
            [path] => match load(path).map(|m| mvm_bytecode::verify(&m)) {
                Ok(Ok(())) => {
                    println!("{path}: ok");
                    0
                }
                Ok(Err(e)) => {
                    eprintln!("error: `{path}` does not verify: {e}");
                    EXIT_INVALID
                }
                Err(code) => code,
            },
            _ => usage_error("`verify` takes one FILE.mvb", VERIFY_USAGE),
        },
        "asm" => {
            eprintln!("mvm asm: the assembler is not available yet");
            EXIT_USAGE
        }
        other => usage_error(&format!("unknown command `{other}`"), USAGE),
    }
}

/// Reads and decodes a `.mvb` file (not yet verified).
fn load(path: &str) -> Result<Module, u8> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("mvm: cannot read `{path}`: {e}");
            return Err(EXIT_USAGE);
        }
    };
    Module::from_bytes(&bytes).map_err(|e| {
        eprintln!("error: invalid bytecode file `{path}`: {e}");
        EXIT_INVALID
    })
}

fn cmd_run(args: &[String]) -> u8 {
    let mut config = VmConfig::default();
    let mut path = None;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "--max-stack" => {
                let Some(n) = args.get(i + 1).and_then(|v| v.parse::<usize>().ok()) else {
                    return usage_error("--max-stack needs a number of frames", RUN_USAGE);
                };
                config.max_frames = n.max(1);
                i += 2;
            }
            a if a.starts_with('-') && a.len() > 1 => {
                return usage_error(&format!("unknown option `{a}`"), RUN_USAGE)
            }
            a if path.is_none() => {
                path = Some(a.to_string());
                i += 1;
            }
            // Arguments after the file belong to the program.
            _ => break,
        }
    }
    let Some(path) = path else {
        return usage_error("missing FILE.mvb", RUN_USAGE);
    };
    let module = match load(&path) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let natives = mvl_stdlib::registry();
    let mut host = StdHost::new();
    match mvm_runtime::run_module(module, &natives, config, &mut host) {
        Ok(Outcome::Finished) => 0,
        Ok(Outcome::Exit(code)) => code.clamp(0, 255) as u8,
        Ok(Outcome::Error(e)) => {
            drop(host);
            eprint!("{e}");
            EXIT_RUNTIME
        }
        Err(e) => {
            eprintln!("error: invalid bytecode file `{path}`: {e}");
            EXIT_INVALID
        }
    }
}
