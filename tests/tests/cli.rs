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

fn mvlc_out(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut session = Session::captured();
    let code = execute(&args, &mut session);
    (
        code,
        String::from_utf8_lossy(&session.stdout).into_owned(),
        String::from_utf8_lossy(&session.stderr).into_owned(),
    )
}

/// Everything after the file is the program's, options included; both
/// tools give the same arguments and, with `--seed`, the same numbers.
#[test]
fn arguments_after_the_file_and_the_seed() {
    let src = write(
        "args.mvl",
        "fn main() { println(env::args()); println([random::int(0, 1000000), random::int(0, 1000000)]); }",
    );
    let mvb = src.replace(".mvl", ".mvb");
    assert_eq!(mvlc(&["build", &src, "-o", &mvb]).0, 0);
    let (code, out, err) = mvlc_out(&["run", "--seed", "7", &src, "--help", "--fuel", "1", "x y"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("[\"--help\", \"--fuel\", \"1\", \"x y\"]\n"),
        "{out}"
    );
    let mut io = mvm::Io::captured();
    let args: Vec<String> = ["run", "--seed", "7", &mvb, "--help", "--fuel", "1", "x y"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(mvm::execute(&args, &mut io), 0);
    assert_eq!(String::from_utf8_lossy(&io.stdout), out);
    // Another seed, other numbers; the same seed, the same ones.
    let (_, other, _) = mvlc_out(&["run", "--seed", "8", &src]);
    let (_, same, _) = mvlc_out(&["run", "--seed", "7", &src]);
    assert_ne!(other.lines().nth(1), out.lines().nth(1));
    assert_eq!(same.lines().nth(1), out.lines().nth(1));
}

#[test]
fn host_option_errors_are_usage_errors() {
    let src = write("plain.mvl", "fn main() { }");
    let mvb = src.replace(".mvl", ".mvb");
    assert_eq!(mvlc(&["build", &src, "-o", &mvb]).0, 0);
    for bad in [
        vec!["run", "--seed", "x", &src],
        vec!["run", "--allow-read", &src],
        vec!["run", "--max-time", "-1", &src],
        vec!["run", "--max-output", "lots", &src],
        vec!["run", "--allow-read=/no/such/folder/at/all", &src],
        vec!["run", "--record", "/no/such/folder/r.rec", &src],
    ] {
        let (code, err) = mvlc(&bad);
        assert_eq!(code, 64, "{bad:?}: {err}");
        let with_mvb: Vec<&str> = bad
            .iter()
            .map(|a| if *a == src { mvb.as_str() } else { a })
            .collect();
        let (code, err) = mvm(&with_mvb);
        assert_eq!(code, 64, "mvm {bad:?}: {err}");
    }
}

/// `mvm run` records and replays like `mvlc run` (one host interface), and
/// a recording made by one replays under the other.
#[test]
fn mvm_records_and_replays() {
    let src = write(
        "rec.mvl",
        "fn main() { println(io::read_line()); println(random::int(0, 1000000)); println(time::now_ms() > 0); }",
    );
    let mvb = src.replace(".mvl", ".mvb");
    let rec = temp_dir().join("mvm.rec").to_string_lossy().into_owned();
    assert_eq!(mvlc(&["build", &src, "-o", &mvb]).0, 0);
    let run = |args: &[&str], stdin: &[u8]| {
        let mut io = mvm::Io::captured();
        io.stdin = Some(stdin.to_vec());
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let code = mvm::execute(&args, &mut io);
        (code, String::from_utf8_lossy(&io.stdout).into_owned())
    };
    let recorded = run(&["run", "--record", &rec, &mvb], b"typed\n");
    assert_eq!(recorded.0, 0);
    assert!(
        recorded.1.starts_with("Some(\"typed\")\n"),
        "{}",
        recorded.1
    );
    assert_eq!(run(&["run", "--replay", &rec, &mvb], b""), recorded);
    let mut session = Session::captured();
    let code = execute(
        &["run".into(), "--replay".into(), rec.clone(), src.clone()],
        &mut session,
    );
    assert_eq!(
        (
            code as u8,
            String::from_utf8_lossy(&session.stdout).into_owned()
        ),
        recorded
    );
}
