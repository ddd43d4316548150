//! The real `mvlc` binary recording a run that reads standard input, a
//! file, the clocks and random numbers, and replaying it with standard
//! input empty and the file deleted: the output is byte for byte the same.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const PROGRAM: &str = r#"
fn main() {
    var lines = [];
    while let Some(line) = io::read_line() { lines.push(line); }
    println("stdin: {lines}");
    println("file: {fs::read(env::args()[0])}");
    println("clock: {time::now_ms()} {time::monotonic_ns()}");
    println("random: {random::int(0, 1000000000)} {random::float()}");
    eprintln("done");
}
"#;

fn mvlc(args: &[&std::ffi::OsStr], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mvlc"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mvlc starts");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(bytes).expect("write stdin");
    }
    child.wait_with_output().expect("mvlc ends")
}

#[test]
fn a_replay_needs_neither_stdin_nor_the_file() {
    let dir = std::env::temp_dir().join(format!("mvlc-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let prog = dir.join("prog.mvl");
    let data = dir.join("data.txt");
    let rec = dir.join("run.rec");
    std::fs::write(&prog, PROGRAM).expect("write");
    std::fs::write(&data, "the file's text").expect("write");
    let os = |p: &std::path::Path| p.as_os_str().to_owned();
    let (prog, data, rec) = (os(&prog), os(&data), os(&rec));
    let record = mvlc(
        &["run".as_ref(), "--record".as_ref(), &rec, &prog, &data],
        Some(b"first\nsecond\n"),
    );
    assert!(
        record.status.success(),
        "{}",
        String::from_utf8_lossy(&record.stderr)
    );
    let out = String::from_utf8_lossy(&record.stdout).into_owned();
    assert!(out.contains("stdin: [\"first\", \"second\"]"), "{out}");
    assert!(out.contains("file: Ok(\"the file's text\")"), "{out}");
    std::fs::remove_file(&data).expect("delete the file");
    let replay = mvlc(
        &["run".as_ref(), "--replay".as_ref(), &rec, &prog, &data],
        None,
    );
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    assert_eq!(replay.stdout, record.stdout);
    assert_eq!(replay.stderr, record.stderr);
    // Without the recording the same command sees what is really there.
    let live = mvlc(&["run".as_ref(), &prog, &data], None);
    assert_ne!(live.stdout, record.stdout);
}
