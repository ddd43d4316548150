//! The capability sandbox against escape attempts: every way of naming a
//! path outside what `--allow-read`/`--allow-write` grant (`..` chains,
//! absolute paths, symlinks and hard links inside the granted folder that
//! lead out, `/proc/self`, very long paths, NUL and invalid UTF-8 in names,
//! a path swapped between check and use) is refused, and the secret
//! outside never reaches the program's output or is changed. Positive
//! controls show that what is granted works, so the refusals are not an
//! accident of a broken program.
//!
//! Every test runs `mvlc run` in-process with its working directory at
//! one fixture folder (made once, shared by the tests of this binary).

use mvlc::driver::{execute, Session};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

const SECRET: &str = "TOP-SECRET-CONTENTS";

/// The fixture: `granted/` (the folder tests grant) with files and links
/// inside, and secrets beside it.
fn root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let t = std::env::temp_dir().join(format!("mvl-sandbox-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&t);
        let g = t.join("granted");
        std::fs::create_dir_all(g.join("sub")).expect("fixture");
        std::fs::create_dir_all(t.join("outside")).expect("fixture");
        std::fs::create_dir_all(t.join("granted2")).expect("fixture");
        let write = |p: PathBuf, s: &str| std::fs::write(p, s).expect("fixture");
        write(t.join("secret.txt"), SECRET);
        write(t.join("secret2.txt"), SECRET);
        write(t.join("outside/x.txt"), SECRET);
        write(t.join("granted2/s.txt"), SECRET);
        write(g.join("ok.txt"), "fine");
        write(g.join("sub/inner.txt"), "inner");
        write(g.join("race"), "SAFE");
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(t.join("secret.txt"), g.join("link_out")).expect("fixture");
            symlink("../secret.txt", g.join("link_rel_out")).expect("fixture");
            symlink(t.join("outside"), g.join("link_dir_out")).expect("fixture");
            symlink("/etc", g.join("link_abs")).expect("fixture");
            symlink("/proc/self/root", g.join("link_proc")).expect("fixture");
            symlink("ok.txt", g.join("link_in")).expect("fixture");
            symlink(t.join("created_outside.txt"), g.join("dangling")).expect("fixture");
            symlink("loop_b", g.join("loop_a")).expect("fixture");
            symlink("loop_a", g.join("loop_b")).expect("fixture");
            symlink(&g, t.join("link_to_granted")).expect("fixture");
            std::fs::hard_link(t.join("secret2.txt"), g.join("hard.txt")).expect("fixture");
            // A name that is not UTF-8, linking out.
            use std::os::unix::ffi::OsStrExt;
            let bad = std::ffi::OsStr::from_bytes(b"bad\xff\xfename");
            symlink(t.join("secret.txt"), g.join(bad)).expect("fixture");
        }
        std::env::set_current_dir(&t).expect("cd fixture");
        t
    })
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `program` (the body of `main`) with `flags` before the file.
fn run(flags: &[&str], main_body: &str) -> Run {
    static N: AtomicUsize = AtomicUsize::new(0);
    let t = root();
    let file = t.join(format!("prog{}.mvl", N.fetch_add(1, Ordering::SeqCst)));
    std::fs::write(&file, format!("fn main() {{\n{main_body}\n}}\n")).expect("write program");
    let mut args: Vec<String> = vec!["run".into()];
    args.extend(flags.iter().map(|f| f.to_string()));
    args.push(file.to_string_lossy().into_owned());
    let mut session = Session::captured();
    let code = execute(&args, &mut session);
    Run {
        code,
        stdout: String::from_utf8_lossy(&session.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&session.stderr).into_owned(),
    }
}

/// The MVL string literal for `s`.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

const READ: &[&str] = &["--sandbox", "--allow-read=granted"];
const RW: &[&str] = &["--sandbox", "--allow-read=granted", "--allow-write=granted"];

/// Reading `path` under `flags` is refused: a runtime error naming the
/// permission, exit 2, with a stack trace, and no secret in the output.
fn assert_read_denied(flags: &[&str], path: &str) {
    let r = run(flags, &format!("println(fs::read({}));", lit(path)));
    assert_eq!(r.code, 2, "{path}: {} {}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("error: permission denied: reading"),
        "{path}: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("  at main ("),
        "{path}: no trace: {}",
        r.stderr
    );
    assert!(
        !r.stdout.contains(SECRET) && !r.stderr.contains(SECRET),
        "{path} leaked"
    );
}

/// Reading `path` fails without a secret, as a refusal or an `Err`.
fn assert_read_fails(flags: &[&str], path: &str) {
    let r = run(flags, &format!("println(fs::read({}));", lit(path)));
    assert!(
        !r.stdout.contains(SECRET) && !r.stderr.contains(SECRET),
        "{path} leaked"
    );
    let refused = r.code == 2 && r.stderr.contains("permission denied");
    let failed = r.code == 0 && r.stdout.starts_with("Err(");
    assert!(
        refused || failed,
        "{path}: {} {} {}",
        r.code,
        r.stdout,
        r.stderr
    );
}

fn secret_intact() {
    let t = root();
    for f in ["secret.txt", "secret2.txt", "outside/x.txt"] {
        assert_eq!(
            std::fs::read_to_string(t.join(f)).ok().as_deref(),
            Some(SECRET),
            "{f}"
        );
    }
}

// Positive controls: what is granted works.

#[test]
fn granted_files_are_readable() {
    let r = run(
        READ,
        r#"println(fs::read("granted/ok.txt")); println(fs::read("granted/sub/inner.txt")); println(fs::read("granted/./sub/../ok.txt")); println(fs::read("granted/link_in")); println(fs::list("granted/sub")); println(fs::exists("granted/ok.txt"));"#,
    );
    assert_eq!(
        r.stdout,
        "Ok(\"fine\")\nOk(\"inner\")\nOk(\"fine\")\nOk(\"fine\")\nOk([\"inner.txt\"])\ntrue\n",
        "{}",
        r.stderr
    );
    assert_eq!(r.code, 0);
}

#[test]
fn granted_folders_are_writable() {
    let r = run(
        RW,
        r#"println(fs::write("granted/w/new.txt", "a")); println(fs::mkdir("granted/w")); println(fs::write("granted/w/new.txt", "a")); println(fs::append("granted/w/new.txt", "b")); println(fs::read("granted/w/new.txt")); println(fs::remove("granted/w/new.txt")); println(fs::remove("granted/w"));"#,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with("Err(\"writing granted/w/new.txt: "),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1..],
        [
            "Ok(())",
            "Ok(())",
            "Ok(())",
            "Ok(\"ab\")",
            "Ok(())",
            "Ok(())"
        ]
    );
}

#[test]
fn without_the_sandbox_everything_is_granted() {
    let r = run(&[], r#"println(fs::read("secret.txt").is_ok());"#);
    assert_eq!(r.stdout, "true\n");
}

// Escape attempts by reading.

#[test]
fn dot_dot_out_of_the_grant() {
    assert_read_denied(READ, "granted/../secret.txt");
}

#[test]
fn dot_dot_chain_from_a_subfolder() {
    assert_read_denied(READ, "granted/sub/../../secret.txt");
}

#[test]
fn a_hundred_dot_dots() {
    assert_read_denied(READ, &format!("granted/{}etc/passwd", "../".repeat(100)));
}

#[test]
fn dot_dot_into_a_sibling_with_the_same_prefix() {
    assert_read_denied(READ, "granted/../granted2/s.txt");
    assert_read_denied(READ, "granted2/s.txt");
}

#[test]
fn absolute_paths() {
    assert_read_denied(READ, "/etc/passwd");
    assert_read_denied(READ, &root().join("secret.txt").to_string_lossy());
}

#[test]
fn an_absolute_path_through_the_grant_and_out() {
    let p = root().join("granted/../outside/x.txt");
    assert_read_denied(READ, &p.to_string_lossy());
}

#[test]
fn a_symlink_inside_pointing_out() {
    assert_read_denied(READ, "granted/link_out");
}

#[test]
fn a_relative_symlink_inside_pointing_out() {
    assert_read_denied(READ, "granted/link_rel_out");
}

#[test]
fn a_symlinked_folder_inside_pointing_out() {
    assert_read_denied(READ, "granted/link_dir_out/x.txt");
}

#[test]
fn a_symlink_to_an_absolute_system_folder() {
    assert_read_denied(READ, "granted/link_abs/passwd");
}

#[test]
fn proc_self_root() {
    assert_read_denied(READ, "/proc/self/root/etc/passwd");
}

#[test]
fn proc_self_cwd() {
    assert_read_denied(READ, "/proc/self/cwd/secret.txt");
}

#[test]
fn a_symlink_inside_to_proc_self() {
    assert_read_denied(READ, "granted/link_proc/etc/passwd");
}

#[test]
fn a_hard_link_inside_to_a_file_outside() {
    assert_read_denied(READ, "granted/hard.txt");
    let r = run(READ, r#"println(fs::read("granted/hard.txt"));"#);
    assert!(r.stderr.contains("hard links"), "{}", r.stderr);
}

#[test]
fn a_very_long_path() {
    let long = format!("granted/{}x", "a/".repeat(5000));
    assert_read_fails(READ, &long);
    let long_up = format!("granted/{}secret.txt", "sub/../".repeat(3000));
    assert_read_fails(READ, &long_up);
}

#[test]
fn a_very_long_name() {
    assert_read_fails(READ, &format!("granted/{}", "n".repeat(100_000)));
}

#[test]
fn a_nul_in_the_path() {
    let r = run(
        READ,
        r#"println(fs::read("granted/ok.txt\u{0}../../secret.txt"));"#,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("Err(") && r.stdout.contains("NUL"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_name_that_is_not_utf8() {
    // The listing shows it (lossily); the lossy name names no file, and
    // the real one, a link out, cannot be spelled in MVL.
    let r = run(
        READ,
        r#"let names = fs::list("granted").unwrap(); for n in names { if n.starts_with("bad") { println(fs::read("granted/" + n)); } }"#,
    );
    assert!(!r.stdout.contains(SECRET), "leaked");
    assert!(r.stdout.starts_with("Err("), "{} {}", r.stdout, r.stderr);
}

#[test]
fn a_symlink_loop() {
    assert_read_fails(READ, "granted/loop_a");
}

#[test]
fn a_trailing_slash_on_a_link_out() {
    assert_read_denied(READ, "granted/link_out/");
}

#[test]
fn a_tilde_is_not_home() {
    assert_read_denied(READ, "~/.bashrc");
}

#[test]
fn a_grant_given_through_a_symlink() {
    let flags = ["--sandbox", "--allow-read=link_to_granted"];
    assert_read_denied(&flags, "link_to_granted/../secret.txt");
    let r = run(&flags, r#"println(fs::read("link_to_granted/ok.txt"));"#);
    assert_eq!(r.stdout, "Ok(\"fine\")\n", "{}", r.stderr);
}

#[test]
fn a_file_grant_grants_only_that_file() {
    let flags = ["--sandbox", "--allow-read=granted/ok.txt"];
    assert_read_denied(&flags, "granted/sub/inner.txt");
    assert_read_denied(&flags, "granted/link_out");
    let r = run(&flags, r#"println(fs::read("granted/ok.txt"));"#);
    assert_eq!(r.stdout, "Ok(\"fine\")\n", "{}", r.stderr);
}

#[test]
fn listing_and_checking_outside() {
    for body in [
        r#"println(fs::list("/"));"#,
        r#"println(fs::list("granted/.."));"#,
        r#"println(fs::list("granted/link_dir_out"));"#,
        r#"println(fs::exists("/etc/passwd"));"#,
        r#"println(fs::exists("secret.txt"));"#,
    ] {
        let r = run(READ, body);
        assert_eq!(r.code, 2, "{body}: {} {}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("permission denied"),
            "{body}: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{body}: {}", r.stdout);
    }
}

#[test]
fn a_symlink_swapped_between_check_and_use() {
    // Another thread makes `granted/race` a link to the secret and back,
    // as fast as it can, while the program reads it again and again.
    let t = root();
    let race = t.join("granted/race");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flipper = {
        let (race, stop, secret) = (race.clone(), stop.clone(), t.join("secret.txt"));
        std::thread::spawn(move || {
            let tmp_link = race.with_extension("l");
            let tmp_file = race.with_extension("f");
            while !stop.load(Ordering::SeqCst) {
                let _ = std::fs::remove_file(&tmp_link);
                #[cfg(unix)]
                let _ = std::os::unix::fs::symlink(&secret, &tmp_link);
                let _ = std::fs::rename(&tmp_link, &race);
                let _ = std::fs::write(&tmp_file, "SAFE");
                let _ = std::fs::rename(&tmp_file, &race);
            }
        })
    };
    let r = run(
        READ,
        r#"var safe = 0; var refused = 0; for _ in 0..3000 { match fs::read("granted/race") { Ok(s) => { if s == "SAFE" { safe += 1; } else { println(s); } } Err(_) => { refused += 1; } } } println("safe {safe}");"#,
    );
    stop.store(true, Ordering::SeqCst);
    let _ = flipper.join();
    let _ = std::fs::write(&race, "SAFE");
    assert!(
        !r.stdout.contains(SECRET) && !r.stderr.contains(SECRET),
        "leaked"
    );
    // Either every read was safe, or one was refused (a runtime error).
    assert!(
        r.stdout.contains("safe ") || r.stderr.contains("permission denied"),
        "{} {}",
        r.stdout,
        r.stderr
    );
}

// Escape attempts by writing.

fn assert_write_denied(body: &str) {
    let r = run(RW, body);
    assert_eq!(r.code, 2, "{body}: {} {}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("permission denied"),
        "{body}: {}",
        r.stderr
    );
    secret_intact();
}

#[test]
fn writing_out_with_dot_dot() {
    assert_write_denied(r#"println(fs::write("granted/../secret.txt", "owned"));"#);
}

#[test]
fn writing_through_a_symlink_out() {
    assert_write_denied(r#"println(fs::write("granted/link_out", "owned"));"#);
}

#[test]
fn appending_through_a_hard_link() {
    assert_write_denied(r#"println(fs::append("granted/hard.txt", "owned"));"#);
}

#[test]
fn creating_through_a_dangling_symlink() {
    assert_write_denied(r#"println(fs::write("granted/dangling", "owned"));"#);
    assert!(!root().join("created_outside.txt").exists());
}

#[test]
fn creating_a_folder_outside() {
    assert_write_denied(r#"println(fs::mkdir("granted/../made_outside"));"#);
    assert_write_denied(r#"println(fs::mkdir("granted/link_dir_out/made"));"#);
    assert!(!root().join("made_outside").exists());
    assert!(!root().join("outside/made").exists());
}

#[test]
fn removing_outside() {
    assert_write_denied(r#"println(fs::remove("granted/../secret.txt"));"#);
    assert_write_denied(r#"println(fs::remove("granted/link_dir_out/x.txt"));"#);
}

#[test]
fn reading_is_not_writing() {
    let r = run(READ, r#"println(fs::write("granted/ok.txt", "owned"));"#);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .contains("permission denied: writing granted/ok.txt needs --allow-write"));
    assert_eq!(
        std::fs::read_to_string(root().join("granted/ok.txt"))
            .ok()
            .as_deref(),
        Some("fine")
    );
}

// The environment and the limits.

#[test]
fn the_environment_is_granted_by_name() {
    let r = run(&["--sandbox"], r#"println(env::var("PATH"));"#);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .contains("permission denied: reading the environment variable PATH needs --allow-env"));
    let r = run(
        &["--allow-env=PATH"],
        r#"println(env::var("PATH").is_some()); println(env::var("HOME"));"#,
    );
    assert_eq!(r.stdout, "true\n", "{}", r.stderr);
    assert_eq!(r.code, 2);
    let r = run(&["--allow-env"], r#"println(env::var("PATH").is_some());"#);
    assert_eq!(r.stdout, "true\n");
}

#[test]
fn the_output_limit() {
    let r = run(
        &["--sandbox", "--max-output", "1K"],
        r#"for i in 0..1000 { println("line {i}"); }"#,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("output limit exceeded"), "{}", r.stderr);
    assert!(r.stdout.len() <= 1024);
}

#[test]
fn the_time_limit_stops_a_busy_loop_and_a_sleep() {
    let start = std::time::Instant::now();
    let r = run(
        &["--sandbox", "--max-time", "0.3"],
        "var n = 0; loop { n += 1; }",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("out of time"), "{}", r.stderr);
    assert!(r.stderr.contains("  at main ("), "{}", r.stderr);
    let r = run(
        &["--sandbox", "--max-time", "0.3"],
        "time::sleep_ms(60000);",
    );
    assert!(r.stderr.contains("out of time"), "{}", r.stderr);
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}
