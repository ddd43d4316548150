//! The command lines' exit codes and usage errors, `mvlc` and `mvm` alike,
//! run in-process with their output captured; and (in `output_errors`) the
//! real binaries writing into a closed pipe and a full device.

use mvlc::driver::{execute, Session};

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mvl-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(name: &str, text: &str) -> String {
    let path = temp_dir().join(name);
    std::fs::write(&path, text).expect("write");
    path.to_string_lossy().into_owned()
}

fn mvlc(args: &[&str]) -> (i32, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut session = Session::captured();
    let code = execute(&args, &mut session);
    (code, String::from_utf8_lossy(&session.stderr).into_owned())
}

fn mvm(args: &[&str]) -> (i32, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut io = mvm::Io::captured();
    let code = mvm::execute(&args, &mut io);
    (
        code as i32,
        String::from_utf8_lossy(&io.stderr).into_owned(),
    )
}

/// `exit(n)` exits `n` modulo 256 from both tools.
#[test]
fn exit_codes_are_reduced_modulo_256() {
    for (n, expected) in [
        ("3", 3),
        ("300", 44),
        ("-1", 255),
        ("256", 0),
        ("-256", 0),
        ("9223372036854775807", 255),
    ] {
        let src = write(
            &format!("exit_{n}.mvl"),
            &format!("fn main() {{ exit({n}); }}"),
        );
        let mvb = src.replace(".mvl", ".mvb");
        assert_eq!(mvlc(&["run", &src]).0, expected, "mvlc run, exit({n})");
        assert_eq!(mvlc(&["build", &src, "-o", &mvb]).0, 0);
        assert_eq!(mvm(&["run", &mvb]).0, expected, "mvm run, exit({n})");
    }
}

#[test]
fn max_stack_zero_is_a_usage_error() {
    let src = write("hello.mvl", "fn main() { println(1); }");
    let mvb = src.replace(".mvl", ".mvb");
    assert_eq!(mvlc(&["build", &src, "-o", &mvb]).0, 0);
    let (code, err) = mvlc(&["run", "--max-stack", "0", &src]);
    assert_eq!(code, 64);
    assert!(err.contains("--max-stack"), "{err}");
    let (code, err) = mvm(&["run", "--max-stack", "0", &mvb]);
    assert_eq!(code, 64);
    assert!(err.contains("--max-stack"), "{err}");
    assert_eq!(mvlc(&["run", "--max-stack", "1", &src]).0, 0);
    assert_eq!(mvm(&["run", "--max-stack", "1", &mvb]).0, 0);
}

#[test]
fn repl_refuses_options_and_arguments() {
    let (code, err) = mvlc(&["repl", "--frobnicate"]);
    assert_eq!(code, 64);
    assert!(err.contains("unknown option `--frobnicate`"), "{err}");
    let (code, err) = mvlc(&["repl", "file.mvl"]);
    assert_eq!(code, 64);
    assert!(err.contains("unexpected argument `file.mvl`"), "{err}");
}

#[test]
fn mvlc_run_of_bytecode_points_to_mvm() {
    let src = write("tiny.mvl", "fn main() { println(1); }");
    let mvb = src.replace(".mvl", ".mvb");
    assert_eq!(mvlc(&["build", &src, "-o", &mvb]).0, 0);
    let (code, err) = mvlc(&["run", &mvb]);
    assert_eq!(code, 64);
    assert!(err.contains("mvm run"), "{err}");
    // Found by its first bytes too, whatever its name.
    let renamed = mvb.replace(".mvb", ".bin");
    std::fs::copy(&mvb, &renamed).expect("copy");
    let (code, err) = mvlc(&["run", &renamed]);
    assert_eq!(code, 64);
    assert!(err.contains("mvm run"), "{err}");
}

#[test]
fn unwritable_output_is_an_io_error() {
    let src = write("out.mvl", "fn main() { println(1); }");
    let nowhere = "/nonexistent-dir/out.mvb";
    let (code, err) = mvlc(&["build", &src, "-o", nowhere]);
    assert_eq!(code, 74, "{err}");
    assert!(err.contains("cannot write"), "{err}");
    let asm = write(
        "hello.mvasm",
        &std::fs::read_to_string(mvl_tests::workspace_root().join("examples/asm/hello.mvasm"))
            .expect("the hello example"),
    );
    let (code, err) = mvm(&["asm", &asm, "-o", nowhere]);
    assert_eq!(code, 74, "{err}");
    assert!(err.contains("cannot write"), "{err}");
}

/// `mvm dis --syntax` and `mvm asm --syntax` with a shipped syntax give
/// back the same bytes; a refused syntax file is a diagnostic pointing into
/// it (exit 1), an unreadable one or a missing argument a usage error.
#[test]
fn assembly_syntax_options() {
    let root = mvl_tests::workspace_root();
    let syntax = root.join("examples/asm/syntaxes/infix.toml");
    let syntax = syntax.to_string_lossy().into_owned();
    let src = write(
        "syn.mvl",
        "fn main() { var i = 0; while i < 3 { i += 1; } println(i); }",
    );
    let mvb = src.replace(".mvl", ".mvb");
    assert_eq!(mvlc(&["build", &src, "-o", &mvb]).0, 0);
    let mut io = mvm::Io::captured();
    let args: Vec<String> = ["dis", "--syntax", &syntax, &mvb]
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(mvm::execute(&args, &mut io), 0);
    let text = String::from_utf8_lossy(&io.stdout).into_owned();
    assert!(text.contains("goto @"), "{text}");
    let asm = write("syn.s", &text);
    let again = src.replace(".mvl", ".again.mvb");
    let (code, err) = mvm(&["asm", &asm, "--syntax", &syntax, "-o", &again]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&mvb).ok(), std::fs::read(&again).ok());
    // The standard assembler does not read it.
    assert_eq!(mvm(&["asm", &asm, "-o", &again]).0, 1);

    let bad = write("bad.toml", "[ops]\naddi = \"{dst} = {a} + {c}\"\n");
    let (code, err) = mvm(&["dis", "--syntax", &bad, &mvb]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("bad.toml:2:") && err.contains("no operand `c`"),
        "{err}"
    );
    let (code, err) = mvm(&["asm", "--syntax", "/nonexistent.toml", &asm]);
    assert_eq!(code, 64, "{err}");
    assert_eq!(mvm(&["dis", &mvb, "--syntax"]).0, 64);
}
