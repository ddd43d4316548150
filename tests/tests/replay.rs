//! Record and replay: a run that reads standard input, a file, the
//! environment, both clocks and random numbers is recorded, then replayed
//! with no standard input and the file deleted, and prints exactly the
//! same; a program that asks the host for something else than the
//! recording has is stopped with a clear divergence error.

use std::path::PathBuf;

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("mvl-replay-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn mvlc(args: &[String], stdin: Option<&[u8]>) -> (i32, String, String) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    mvl_tests::run_mvlc(&args, stdin)
}

const PROGRAM: &str = r#"
fn main() {
    let file = env::args()[0];
    var total = 0;
    while let Some(line) = io::read_line() {
        total += line.parse_int().unwrap_or(0);
    }
    println("stdin total: {total}");
    let text = fs::read(file).unwrap();
    println("file: {text.trim()}");
    println("PATH set: {env::var("PATH").is_some()}");
    let t0 = time::monotonic_ns();
    println("now: {time::now_ms()}");
    var rolls = [];
    for _ in 0..5 { rolls.push(random::int(1, 7)); }
    println("rolls: {rolls} {random::float()}");
    eprintln("elapsed: {time::monotonic_ns() - t0}");
    println(fs::write(file + ".out", "written"));
}
"#;

#[test]
fn a_recorded_run_replays_to_identical_output_without_stdin_or_the_file() {
    let d = dir();
    let prog = d.join("prog.mvl");
    let data = d.join("data.txt");
    let rec = d.join("run.rec");
    std::fs::write(&prog, PROGRAM).expect("write");
    std::fs::write(&data, "hello from a file\n").expect("write");
    let s = |p: &PathBuf| p.to_string_lossy().into_owned();
    let recorded = mvlc(
        &["run".into(), "--record".into(), s(&rec), s(&prog), s(&data)],
        Some(b"1\n2\n39\n"),
    );
    assert_eq!(recorded.0, 0, "{}", recorded.2);
    assert!(recorded.1.contains("stdin total: 42"), "{}", recorded.1);
    // The recording names what was read.
    let text = std::fs::read_to_string(&rec).expect("a recording");
    assert!(text.starts_with("mvm-recording 1\n"), "{text}");
    for kind in [
        "args",
        "read_line",
        "read_file",
        "env",
        "now_ms",
        "monotonic_ns",
        "seed",
        "write_file",
        "stdout",
        "stderr",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(kind)),
            "no {kind} event in:\n{text}"
        );
    }
    // Nothing of the host is there any more: no stdin, no file.
    std::fs::remove_file(&data).expect("delete the input");
    std::fs::remove_file(d.join("data.txt.out")).expect("delete the output");
    let replayed = mvlc(&["run".into(), "--replay".into(), s(&rec), s(&prog)], None);
    assert_eq!(replayed, recorded);
    assert!(
        !d.join("data.txt.out").exists(),
        "replay touched the file system"
    );
    // Twice, the same.
    let again = mvlc(
        &["run".into(), "--replay".into(), s(&rec), s(&prog)],
        Some(b"other input\n"),
    );
    assert_eq!(again, recorded);
}

#[test]
fn a_program_that_diverges_is_stopped() {
    let d = dir();
    let rec = d.join("small.rec");
    let a = d.join("a.mvl");
    let b = d.join("b.mvl");
    std::fs::write(
        &a,
        "fn main() { println(io::read_line()); println(time::now_ms() > 0); }",
    )
    .expect("write");
    std::fs::write(
        &b,
        "fn main() { println(io::read_line()); println(fs::read(\"x\")); }",
    )
    .expect("write");
    let s = |p: &PathBuf| p.to_string_lossy().into_owned();
    let first = mvlc(
        &["run".into(), "--record".into(), s(&rec), s(&a)],
        Some(b"line\n"),
    );
    assert_eq!(first.0, 0, "{}", first.2);
    let (code, stdout, stderr) = mvlc(&["run".into(), "--replay".into(), s(&rec), s(&b)], None);
    assert_eq!(code, 2);
    assert_eq!(stdout, "Some(\"line\")\n");
    assert!(
        stderr.contains("replay diverged from the recording")
            && stderr.contains("the program asks for `read_file \"x\"` where line 4 has `now_ms`"),
        "{stderr}"
    );
    assert!(stderr.contains("  at main ("), "{stderr}");
    // A program that ends early leaves events unused: also a divergence.
    let c = d.join("c.mvl");
    std::fs::write(&c, "fn main() { println(io::read_line()); }").expect("write");
    let (code, _, stderr) = mvlc(&["run".into(), "--replay".into(), s(&rec), s(&c)], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("recorded events left"), "{stderr}");
}

#[test]
fn a_bad_recording_is_a_usage_error() {
    let d = dir();
    let bad = d.join("bad.rec");
    std::fs::write(&bad, "not a recording\n").expect("write");
    let p = d.join("p.mvl");
    std::fs::write(&p, "fn main() { }").expect("write");
    let s = |p: &PathBuf| p.to_string_lossy().into_owned();
    let (code, _, stderr) = mvlc(&["run".into(), "--replay".into(), s(&bad), s(&p)], None);
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("is not a recording"), "{stderr}");
    let (code, _, stderr) = mvlc(
        &[
            "run".into(),
            "--replay".into(),
            s(&d.join("none.rec")),
            s(&p),
        ],
        None,
    );
    assert_eq!(code, 64);
    assert!(stderr.contains("cannot read the recording"), "{stderr}");
}
