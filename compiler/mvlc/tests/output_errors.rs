//! The real `mvlc` binary writing into a closed pipe and into a full
//! device: a write error ends the program, quietly for a closed pipe (as
//! for Unix tools), with a message for any other error; exit code 74.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn program(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mvlc-output-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// Waits for `child`, killing it (and failing) after 60 seconds.
fn wait(child: &mut Child) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the program did not stop");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

const FOREVER: &str = "fn main() { var i = 0; while true { println(\"line {i}\"); i += 1; } }";

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    let path = program("forever.mvl", FOREVER);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mvlc"))
        .arg("run")
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mvlc starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("a first line");
    // The reader is gone (like `| head -1`): the program must stop.
    assert_eq!(first, "line 0\n");
    let status = wait(&mut child);
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert_eq!(status.code(), Some(74));
    assert_eq!(err, "", "no message for a closed pipe");
}

#[test]
fn a_full_device_is_an_output_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not on this system
    };
    for (name, text) in [
        ("hello.mvl", "fn main() { println(\"hello\"); }"),
        ("forever_full.mvl", FOREVER),
    ] {
        let path = program(name, text);
        let mut child = Command::new(env!("CARGO_BIN_EXE_mvlc"))
            .arg("run")
            .arg(&path)
            .stdout(full.try_clone().expect("clone"))
            .stderr(Stdio::piped())
            .spawn()
            .expect("mvlc starts");
        let status = wait(&mut child);
        let mut err = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut err)
            .expect("stderr");
        assert_eq!(status.code(), Some(74), "{name}: {err}");
        assert!(
            err.contains("cannot write the program's output"),
            "{name}: {err}"
        );
        assert!(err.lines().count() == 1, "{name}: one message: {err}");
    }
}
