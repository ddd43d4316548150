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
    let (code, _, err) = mvl_tests::run_mvlc(args, None);
    (code, err)
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
    mvl_tests::run_mvlc(args, None)
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
        vec!["run", "--allow-read=", &src],
        vec!["run", "--allow-env=", &src],
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

/// An option's value comes after `=` or as the next argument, the same for
/// every kind of option and both tools: `--fuel=N` stops the program where
/// `--fuel N` does, a host option (`--seed=N`) and an observer's
/// (`--coverage=FILE`) work as with a space, and an option that takes no
/// value refuses one.
#[test]
fn option_values_follow_an_equals_sign_or_come_next() {
    let src = write(
        "equals.mvl",
        "fn main() { var i = 0; while i < 100000 { i += 1; } println(random::int(0, 1000000)); }",
    );
    let mvb = src.replace(".mvl", ".mvb");
    assert_eq!(mvlc(&["build", &src, "-o", &mvb]).0, 0);
    let mvm_out = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let mut io = mvm::Io::captured();
        let code = mvm::execute(&args, &mut io);
        (
            code as i32,
            String::from_utf8_lossy(&io.stdout).into_owned(),
            String::from_utf8_lossy(&io.stderr).into_owned(),
        )
    };
    // Too little fuel: the same runtime error either way.
    let spaced = mvlc_out(&["run", "--fuel", "1000", &src]);
    assert_eq!(spaced.0, 2, "{spaced:?}");
    assert!(spaced.2.contains("out of fuel"), "{spaced:?}");
    assert_eq!(mvlc_out(&["run", "--fuel=1000", &src]), spaced);
    let spaced = mvm_out(&["run", "--fuel", "1000", &mvb]);
    assert_eq!(spaced.0, 2, "{spaced:?}");
    assert!(spaced.2.contains("out of fuel"), "{spaced:?}");
    assert_eq!(mvm_out(&["run", "--fuel=1000", &mvb]), spaced);
    // Enough: the same output either way.
    let spaced = mvlc_out(&["run", "--fuel", "10000000", "--seed", "7", &src]);
    assert_eq!(spaced.0, 0, "{spaced:?}");
    assert_eq!(
        mvlc_out(&["run", "--fuel=10000000", "--seed=7", &src]),
        spaced
    );
    let by_mvm = mvm_out(&["run", "--fuel=10000000", "--seed=7", &mvb]);
    assert_eq!(
        by_mvm,
        mvm_out(&["run", "--fuel", "10000000", "--seed", "7", &mvb])
    );
    assert_eq!(by_mvm.1, spaced.1);
    // An observer's file after `=`.
    let inline = temp_dir().join("equals_inline.info");
    let next = temp_dir().join("equals_next.info");
    let coverage = |flag: &str, path: &std::path::Path| {
        let path = path.to_string_lossy().into_owned();
        let args = match flag {
            "=" => vec!["run".to_string(), format!("--coverage={path}"), mvb.clone()],
            _ => vec![
                "run".to_string(),
                "--coverage".into(),
                path.clone(),
                mvb.clone(),
            ],
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(mvm_out(&args).0, 0, "{args:?}");
        std::fs::read_to_string(&path).expect("the coverage file")
    };
    let written = coverage("=", &inline);
    assert!(written.contains("equals.mvl"), "{written}");
    assert_eq!(written, coverage(" ", &next));
    // A value given to an option that takes none.
    for (flag, message) in [
        ("--stats=yes", "--stats takes no value"),
        ("--gc-stress=1", "--gc-stress takes no value"),
        ("--sandbox=yes", "--sandbox takes no value"),
    ] {
        let (code, err) = mvlc(&["run", flag, &src]);
        assert_eq!(code, 64, "{flag}: {err}");
        assert!(err.contains(message), "{flag}: {err}");
        let (code, err) = mvm(&["run", flag, &mvb]);
        assert_eq!(code, 64, "mvm {flag}: {err}");
        assert!(err.contains(message), "mvm {flag}: {err}");
    }
    // A missing value, or an empty one.
    for args in [["run", "--fuel"], ["run", "--fuel="]] {
        let (code, err) = mvm(&args);
        assert_eq!(code, 64, "{args:?}: {err}");
        assert!(
            err.contains("--fuel needs a number of instructions"),
            "{err}"
        );
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

/// `mvlc fmt --check` names the files that would change and exits 1;
/// `mvlc fmt` rewrites them; a file with syntax errors is left untouched
/// with its diagnostics shown (exit 1).
#[test]
fn fmt_check_rewrite_and_syntax_errors() {
    let dir = temp_dir().join("fmt");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).expect("dir");
    let messy = dir.join("sub/messy.mvl");
    let tidy = dir.join("tidy.mvl");
    let broken = dir.join("broken.mvl");
    std::fs::write(&messy, "fn main(){println( 1+2 );}").expect("write");
    std::fs::write(&tidy, "fn main() {\n    println(1);\n}\n").expect("write");
    std::fs::write(&broken, "fn main() { let = 1; }\n").expect("write");
    let d = dir.to_string_lossy().into_owned();
    let (m, t) = (messy.to_string_lossy(), tidy.to_string_lossy());

    let (code, out, err) = mvlc_out(&["fmt", "--check", &m, &t]);
    assert_eq!((code, out.trim(), err.as_str()), (1, &*m, ""));
    let (code, out, _) = mvlc_out(&["fmt", "--check", &t]);
    assert_eq!((code, out.as_str()), (0, ""));

    let (code, _, err) = mvlc_out(&["fmt", &d]);
    assert_eq!(code, 1, "the broken file fails the run: {err}");
    assert!(
        err.contains("[E0001]") && err.contains("broken.mvl"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&messy).expect("read"),
        "fn main() {\n    println(1 + 2);\n}\n"
    );
    assert_eq!(
        std::fs::read_to_string(&broken).expect("read"),
        "fn main() { let = 1; }\n"
    );
    std::fs::remove_file(&broken).expect("remove");
    assert_eq!(mvlc_out(&["fmt", "--check", &d]).0, 0);
    assert_eq!(mvlc_out(&["fmt", "--bogus"]).0, 64);
    assert_eq!(mvlc_out(&["fmt", "no/such/file.mvl"]).0, 64);
}

/// `--message-format short` is one line per diagnostic; `json` one object
/// per line with code, severity, message, file, spans, labels and
/// suggestions (parsed here); `--color` decides colour in every style but
/// JSON.
#[test]
fn message_formats_and_colour() {
    let bad = write(
        "formats.mvl",
        "fn main() {\n    let total = 1;\n    let s = \"é\"; println(totl);\n    println(s);\n    let x: Int = \"s\";\n}\n",
    );
    let root = mvl_tests::workspace_root();
    let ambiguous = root.join("examples/errors/ambiguous_type.mvl");
    let ambiguous = ambiguous.to_string_lossy();

    let (code, short) = mvlc(&["check", "--message-format", "short", &bad]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = short.lines().collect();
    assert!(lines.len() >= 3, "{short}");
    assert_eq!(
        lines[0],
        format!("{bad}:3:26: error[E0101]: cannot find `totl` in this scope")
    );
    assert!(
        lines.contains(
            &format!("{bad}:5:18: error[E0201]: mismatched types: expected `Int`, found `String`")
                .as_str()
        ),
        "{short}"
    );
    assert!(lines
        .last()
        .is_some_and(|l| l.starts_with("error: could not compile: ")));

    // The same for build and run, and with `=`.
    for cmd in ["build", "run"] {
        let (code, out) = mvlc(&[cmd, "--message-format=short", &bad]);
        assert_eq!((code, out.lines().next()), (1, Some(lines[0])), "{cmd}");
    }

    let (code, json) = mvlc(&["check", "--message-format", "json", &bad]);
    assert_eq!(code, 1);
    let objects: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(objects.len(), lines.len() - 1, "one object per diagnostic");
    let first = &objects[0];
    assert_eq!(first["code"], "E0101");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["message"], "cannot find `totl` in this scope");
    assert_eq!(first["file"], bad.as_str());
    assert_eq!(first["help"], "did you mean `total`?");
    let span = &first["span"];
    let text = std::fs::read_to_string(&bad).expect("read");
    let (start, end) = (
        span["byte_start"].as_u64().expect("byte_start") as usize,
        span["byte_end"].as_u64().expect("byte_end") as usize,
    );
    assert_eq!(&text[start..end], "totl");
    // Columns count characters: `é` is two bytes, one column.
    assert_eq!(
        (&span["line_start"], &span["column_start"]),
        (&3.into(), &26.into())
    );
    assert_eq!(
        (&span["line_end"], &span["column_end"]),
        (&3.into(), &30.into())
    );
    assert_eq!(first["labels"][0]["message"], "not found");
    assert_eq!(first["labels"][0]["primary"], true);

    // A suggestion carries its replacement text and where it goes.
    let (code, json) = mvlc(&["check", "--message-format", "json", &ambiguous]);
    assert_eq!(code, 1);
    let d: serde_json::Value =
        serde_json::from_str(json.lines().next().expect("a line")).expect("json");
    assert_eq!(d["code"], "E0208");
    assert_eq!(d["labels"].as_array().map(Vec::len), Some(2));
    let s = &d["suggestions"][0];
    assert_eq!(s["replacement"], ": String");
    assert_eq!(
        (&s["line_start"], &s["column_start"]),
        (&2.into(), &14.into())
    );
    assert_eq!(s["byte_start"], s["byte_end"], "an insertion");

    // Colour: never by default when captured, always on request, never in JSON.
    assert!(!short.contains('\u{1b}'));
    for format in ["human", "short"] {
        let (_, out) = mvlc(&[
            "check",
            "--color",
            "always",
            "--message-format",
            format,
            &bad,
        ]);
        assert!(out.contains("\u{1b}["), "{format}: {out}");
        let (_, out) = mvlc(&["check", "--color=never", "--message-format", format, &bad]);
        assert!(!out.contains('\u{1b}'), "{format}: {out}");
    }
    let (_, out) = mvlc(&[
        "check",
        "--color",
        "always",
        "--message-format",
        "json",
        &bad,
    ]);
    assert!(!out.contains('\u{1b}'));

    // Bad values are usage errors.
    assert_eq!(mvlc(&["check", "--message-format", "xml", &bad]).0, 64);
    assert_eq!(mvlc(&["check", "--color", "sometimes", &bad]).0, 64);
    assert_eq!(
        mvlc(&["run", &bad, "--message-format"]).0,
        1,
        "after FILE: the program's arguments"
    );
    assert_eq!(mvlc(&["check", &bad, "--message-format"]).0, 64);
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

/// `--emit=mir` prints each function's MIR, with the file's lines, and
/// writes no bytecode; a program with errors gets its diagnostics instead.
#[test]
fn build_emits_mir() {
    let src = write(
        "emit_mir.mvl",
        "fn twice(n: Int) -> Int {\n    n * 2\n}\n\nfn main() {\n    println(\"{twice(21)}\");\n}\n",
    );
    let (code, out, err) = mvlc_out(&["build", &src, "--emit=mir"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("fn twice(%0.n: Int) {"), "{out}");
    assert!(out.contains("mul.int %0.n, 2  @2"), "{out}");
    assert!(out.contains("// fn0 = twice\nfn main() {"), "{out}");
    assert!(out.contains("call fn0(21)  @6"), "{out}");
    assert!(!std::path::Path::new(&src).with_extension("mvb").exists());
    let bad = write("emit_mir_bad.mvl", "fn main() { let x: Int = true; }\n");
    let (code, out, err) = mvlc_out(&["build", &bad, "--emit=mir"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.is_empty() && err.contains("E0"), "{err}");
}

/// `--emit=mir-opt` prints the MIR after the optimiser, `--emit=mir` the MIR
/// as lowered: the constant arithmetic of `a * 3 + 4` and the branch on it
/// are folded away in the one and still there in the other; with `-O0`,
/// `--emit=mir-opt` is `--emit=mir`.
#[test]
fn build_emits_optimised_mir() {
    let src = write(
        "emit_mir_opt.mvl",
        "fn main() {\n    let a = 2;\n    let b = a * 3 + 4;\n    if b > 5 { println(\"{b}\"); } else { println(\"no\"); }\n}\n",
    );
    let (code, raw, err) = mvlc_out(&["build", &src, "--emit=mir"]);
    assert_eq!(code, 0, "{err}");
    assert!(raw.contains("mul.int"), "{raw}");
    assert!(raw.contains("branch"), "{raw}");
    let (code, opt, err) = mvlc_out(&["build", &src, "--emit=mir-opt"]);
    assert_eq!(code, 0, "{err}");
    assert!(opt.contains("fn main() {"), "{opt}");
    assert!(!opt.contains("mul.int") && !opt.contains("branch"), "{opt}");
    assert!(!opt.contains("\"no\""), "{opt}");
    assert!(opt.len() < raw.len(), "{raw}\n---\n{opt}");
    assert!(!std::path::Path::new(&src).with_extension("mvb").exists());
    let (code, o0, err) = mvlc_out(&["build", "-O0", &src, "--emit=mir-opt"]);
    assert_eq!((code, o0.as_str()), (0, raw.as_str()), "{err}");
    let bad = write("emit_mir_opt_bad.mvl", "fn main() { let x: Int = true; }\n");
    let (code, out, err) = mvlc_out(&["build", &bad, "--emit=mir-opt"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.is_empty() && err.contains("E0"), "{err}");
}

/// `-O0` builds without the MIR passes: the constants `-O` folds are still
/// computed at run time (more bytecode), and both print the same.
#[test]
fn o0_builds_without_the_passes() {
    let src = write(
        "opt_levels.mvl",
        "fn main() {\n    let a = 2;\n    let b = a * 3 + 4;\n    if b > 5 { println(\"{b}\"); } else { println(\"no\"); }\n}\n",
    );
    let o0 = temp_dir()
        .join("opt_levels_o0.mvb")
        .to_string_lossy()
        .into_owned();
    let o = temp_dir()
        .join("opt_levels_o.mvb")
        .to_string_lossy()
        .into_owned();
    let (code, _, err) = mvlc_out(&["build", "-O0", &src, "-o", &o0]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = mvlc_out(&["build", &src, "-O", "-o", &o]);
    assert_eq!(code, 0, "{err}");
    let unoptimised = std::fs::read(&o0).expect("-O0 output");
    let optimised = std::fs::read(&o).expect("-O output");
    assert!(
        unoptimised.len() > optimised.len(),
        "-O0 {} bytes, -O {} bytes",
        unoptimised.len(),
        optimised.len()
    );
    for level in ["-O0", "-O"] {
        let (code, out, err) = mvlc_out(&["run", level, &src]);
        assert_eq!((code, out.as_str()), (0, "10\n"), "{level}: {err}");
    }
    assert_eq!(mvlc_out(&["build", "-O2", &src]).0, 64);
}

/// The `--stats` lines of a run, without the bytes line (an estimate that
/// follows the heap's object sizes).
fn stats_of(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| {
            [
                "instructions: ",
                "calls: ",
                "native calls: ",
                "allocations: ",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `mvm run --stats` counts what ran, checked by hand on the two
/// hand-written programs: countdown runs 3 set-up instructions, 5 loop
/// iterations of 5, the exit test's 2 and 3 to print "liftoff" (33; 6
/// `calln`); factorial runs `fact(20)` (19 frames of 7 instructions and
/// the base case's 4) and `fact(25)`, which overflows in `fact(21)`'s
/// `muli` (19 x 7 + 4 below it, 5 x 5 above, and the failing `muli`),
/// and 7 of `main`: 307 instructions, 20 + 25 calls, 2 natives. An error
/// still prints the totals, after the program's output.
#[test]
fn mvm_stats_count_what_ran() {
    let root = mvl_tests::workspace_root();
    for (name, code, expected) in [
        (
            "countdown",
            0,
            "instructions: 33\ncalls: 0\nnative calls: 6\nallocations: 0\n",
        ),
        (
            "factorial",
            2,
            "instructions: 307\ncalls: 45\nnative calls: 2\nallocations: 0\n",
        ),
    ] {
        let text = std::fs::read_to_string(root.join(format!("examples/asm/{name}.mvasm")))
            .expect("the example");
        let asm = write(&format!("stats_{name}.mvasm"), &text);
        let mvb = asm.replace(".mvasm", ".mvb");
        assert_eq!(mvm(&["asm", &asm, "-o", &mvb]).0, 0);
        let (got, err) = mvm(&["run", "--stats", &mvb]);
        assert_eq!(got, code, "{err}");
        assert_eq!(stats_of(&err), expected, "{name}: {err}");
        assert!(err.contains("allocated bytes: 0\n"), "{err}");
        // Without the option, nothing of it.
        let (_, err) = mvm(&["run", &mvb]);
        assert_eq!(stats_of(&err), "", "{err}");
    }
    let (code, err) = mvm(&["run", "--stats=yes", "x.mvb"]);
    assert_eq!(code, 64);
    assert!(err.contains("--stats takes no value"), "{err}");
}

/// `mvlc run --stats` prints what `mvm run --stats` prints for the same
/// bytecode; calls and allocations follow the program (3 calls of the
/// recursive `fact`; 1 + 200 arrays and 200 strings of `to_string`, then
/// what printing makes), and none of it depends on when the collector
/// runs.
#[test]
fn mvlc_stats_match_mvm_and_ignore_the_collector() {
    let src = write(
        "stats.mvl",
        "fn fact(n: Int) -> Int { if n <= 1 { 1 } else { n * fact(n - 1) } }
fn main() {
    let a = [fact(3), 7];
    var i = 0;
    var last = \"\";
    while i < 200 {
        let b = [i, i + 1];
        last = b[1].to_string();
        i += 1;
    }
    println(\"{a} {last}\");
}",
    );
    let mvb = src.replace(".mvl", ".mvb");
    assert_eq!(mvlc(&["build", &src, "-o", &mvb]).0, 0);
    let (code, out, err) = mvlc_out(&["run", "--stats", &src]);
    assert_eq!((code, out.as_str()), (0, "[6, 7] 200\n"), "{err}");
    let counts = stats_of(&err);
    assert_eq!(counts.lines().count(), 4, "{err}");
    assert!(counts.contains("\ncalls: 3\n"), "{err}");
    let allocations: u64 = counts
        .lines()
        .find_map(|l| l.strip_prefix("allocations: "))
        .and_then(|n| n.parse().ok())
        .expect("an allocations line");
    assert!((401..420).contains(&allocations), "{err}");
    assert_eq!(mvm(&["run", "--stats", &mvb]).1, err);
    assert_eq!(mvm(&["run", "--stats", "--gc-stress", &mvb]).1, err);
    assert_eq!(mvlc_out(&["run", "--gc-stress", "--stats", &src]).2, err);
    assert_eq!(mvlc_out(&["run", &src]).2, "");
}
