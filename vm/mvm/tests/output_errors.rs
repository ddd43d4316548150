//! The real `mvm` binary writing into a closed pipe and into a full
//! device: a write error ends the program, quietly for a closed pipe (as
//! for Unix tools), with a message for any other error; exit code 74.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Assembles `text` into a `.mvb` file.
fn program(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mvm-output-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    let module = mvm_bytecode::assemble(text).expect("assembles");
    std::fs::write(&path, module.to_bytes()).expect("write");
    path
}

/// `main` printing `line` and then `text` forever (or once).
fn asm(text: &str, forever: bool) -> String {
    format!(
        ".file 0 \"t.mvasm\"\n.const 0 \"{text}\"\n.native 0 \"println\"\n\
         .fn \"main\" arity=0 regs=2\n.line 1\n    loadk r0, k0\ntop:\n    \
         calln r1, n0, r0, 1\n    {}\n",
        if forever { "jmp top" } else { "ret r1" }
    )
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

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    let path = program("forever.mvb", &asm("line 0", true));
    let mut child = Command::new(env!("CARGO_BIN_EXE_mvm"))
        .arg("run")
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mvm starts");
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
        ("hello.mvb", asm("hello", false)),
        ("forever_full.mvb", asm("line", true)),
    ] {
        let path = program(name, &text);
        let mut child = Command::new(env!("CARGO_BIN_EXE_mvm"))
            .arg("run")
            .arg(&path)
            .stdout(full.try_clone().expect("clone"))
            .stderr(Stdio::piped())
            .spawn()
            .expect("mvm starts");
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
