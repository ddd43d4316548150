//! `mvlc repl` in a real terminal, driven through tmux: a multi-line
//! definition, recalling an entry with the up arrow, Ctrl-C during a long
//! loop (the session stays) and a later call, and the history file written
//! to the data folder. Needs `tmux` (`.ci/run` installs it).

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    name: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(args)
            .output()
            .expect("tmux runs (install it: apt-get install tmux)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", &self.name])
    }

    /// Waits until the screen shows `text` `times` times.
    fn wait_for(&self, text: &str, times: usize) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if screen.matches(text).count() >= times {
                return screen;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "waited for {text:?} ({times}x); the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}

#[test]
fn a_session_in_a_terminal() {
    let data = std::env::temp_dir().join(format!("mvl-terminal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let t = Tmux {
        name: format!("mvl-repl-{}", std::process::id()),
    };
    let command = format!(
        "XDG_DATA_HOME={} {} repl",
        data.display(),
        env!("CARGO_BIN_EXE_mvlc")
    );
    t.run(&[
        "new-session",
        "-d",
        "-s",
        &t.name,
        "-x",
        "100",
        "-y",
        "40",
        &command,
    ]);
    t.wait_for(">", 1);
    // A definition over three lines: the editor continues while `{` is open.
    t.keys(&["fn sq(x) {", "Enter"]);
    t.wait_for("...", 1);
    t.keys(&["  x * x", "Enter"]);
    t.keys(&["}", "Enter"]);
    t.keys(&["sq(7)", "Enter"]);
    t.wait_for("49 : Int", 1);
    // The up arrow recalls the last entry.
    t.keys(&["Up"]);
    t.keys(&["Enter"]);
    t.wait_for("49 : Int", 2);
    // Ctrl-C interrupts a loop that would never end; the session stays.
    t.keys(&["var n = 0", "Enter"]);
    t.keys(&["loop { n += 1 }", "Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    t.keys(&["C-c"]);
    t.wait_for("error: interrupted", 1);
    t.keys(&["sq(9)", "Enter"]);
    let screen = t.wait_for("81 : Int", 1);
    assert!(screen.contains("...   x * x"), "{screen}");
    t.keys(&["C-d"]);
    let history = data.join("mvl/repl_history");
    let started = Instant::now();
    while !std::fs::read_to_string(&history).is_ok_and(|h| h.contains("sq(9)")) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no history in {}",
            history.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = std::fs::remove_dir_all(&data);
}
