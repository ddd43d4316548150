//! The developer tools of `mvlc run`: the profiler (`--profile`,
//! `--profile-svg`, `--profile-alloc`, `--profile-alloc-svg`) and coverage
//! (`--coverage`, checked by Debian's `genhtml` where it is installed).

use std::collections::BTreeMap;
use std::path::PathBuf;

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mvl-tools-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(name: &str, text: &str) -> String {
    let path = temp_dir().join(name);
    std::fs::write(&path, text).expect("write");
    path.to_string_lossy().into_owned()
}

fn mvlc(args: &[&str]) -> (i32, String, String) {
    mvl_tests::run_mvlc(args, None)
}

/// `hot` runs a loop of 3000 rounds under `helper`; `cold` is called five
/// times; `alloc_heavy` builds strings; `never` is never called.
const PROGRAM: &str = "\
fn hot(n) {
    var s = 0;
    var i = 0;
    while i < n {
        s += i * i % 7;
        i += 1;
    }
    s
}

fn cold(n) { n + 1 }

fn helper() { hot(3000) }

fn alloc_heavy() {
    var parts = [];
    for i in 0..200 {
        parts.push(\"item {i}\");
    }
    parts.len()
}

fn never() { 42 }

fn main() {
    var t = 0;
    for i in 0..5 {
        t += cold(i);
    }
    println(helper() + t);
    println(alloc_heavy());
}
";

/// Parses folded stacks into stack -> count.
fn folded(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .map(|l| {
            let (stack, count) = l.rsplit_once(' ').expect("stack and count");
            (stack.to_string(), count.parse().expect("a count"))
        })
        .collect()
}

fn hottest(stacks: &BTreeMap<String, u64>) -> &str {
    stacks
        .iter()
        .max_by_key(|(_, c)| **c)
        .map(|(s, _)| s.as_str())
        .expect("a stack")
}

#[test]
fn the_profile_names_the_hot_function() {
    let src = write("hot.mvl", PROGRAM);
    let dir = temp_dir();
    let file = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let (code, out, err) = mvlc(&[
        "run",
        "--profile",
        &file("p.folded"),
        "--profile-svg",
        &file("p.svg"),
        "--profile-alloc",
        &file("a.folded"),
        "--profile-alloc-svg",
        &file("a.svg"),
        &src,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "6014\n200\n");
    let text = std::fs::read_to_string(file("p.folded")).expect("the profile");
    let stacks = folded(&text);
    assert_eq!(hottest(&stacks), "main;helper;hot", "{text}");
    assert!(stacks["main;helper;hot"] > 3000 * 5, "{text}");
    assert!(stacks.contains_key("main;cold"), "{text}");
    assert!(!text.contains("never"), "{text}");
    // The allocation profile: the strings are made in alloc_heavy (the
    // interpolation's natives appear above it).
    let alloc = std::fs::read_to_string(file("a.folded")).expect("the alloc profile");
    let bytes = folded(&alloc);
    assert!(hottest(&bytes).starts_with("main;alloc_heavy"), "{alloc}");
    assert!(!bytes.keys().any(|s| s.contains("hot")), "{alloc}");
    for svg in ["p.svg", "a.svg"] {
        let svg = std::fs::read_to_string(file(svg)).expect("an svg");
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{svg}");
        assert!(svg.contains("alloc_heavy"), "no frame in the flame graph");
    }
}

/// The profile counts every instruction the VM executes, once, whatever
/// the slices the run is cut into.
#[test]
fn the_profile_is_exact_and_deterministic() {
    let mut db = mvl_compiler::db::Database::default();
    let program = db.program("hot.mvl", PROGRAM.to_string());
    let module = mvl_compiler::db::compile(&db, program)
        .clone()
        .expect("compiles");
    let natives = mvl_stdlib::registry();
    let mut profiles = Vec::new();
    for budget in [1u64 << 20, 7, 1] {
        let mut vm =
            mvm_runtime::Vm::new((*module).clone(), &natives, Default::default()).expect("loads");
        let mut profiler = mvm_runtime::Profiler::new(&module);
        let mut host = mvm_runtime::CaptureHost::default();
        loop {
            match vm.run_fiber_observed(mvm_runtime::FiberId(0), &mut host, budget, &mut profiler) {
                mvm_runtime::Step::BudgetSpent => continue,
                mvm_runtime::Step::Finished(_) => break,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            profiler.total_instructions(),
            vm.instructions(),
            "budget {budget}"
        );
        profiles.push((
            profiler.folded(&module, mvm_runtime::Measure::Instructions),
            profiler.folded(&module, mvm_runtime::Measure::Bytes),
        ));
    }
    assert_eq!(profiles[0], profiles[1]);
    assert_eq!(profiles[0], profiles[2]);
}

/// Coverage: exact line counts from the line tables, function calls, and
/// zero for what never ran. At `-O0`, so that the code counted is the code
/// as written (`-O` inlines `hot` and `cold` and folds code away).
#[test]
fn coverage_counts_lines_and_functions() {
    let src = write("cov.mvl", PROGRAM);
    let info = temp_dir().join("cov.info").to_string_lossy().into_owned();
    let (code, _, err) = mvlc(&["run", "-O0", "--coverage", &info, &src]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&info).expect("the tracefile");
    let record = text
        .split("end_of_record\n")
        .find(|r| r.contains("cov.mvl"))
        .expect("a record for the program");
    assert!(!text.contains("<prelude>"), "{text}");
    let field = |prefix: &str| -> BTreeMap<String, u64> {
        record
            .lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .map(|l| {
                let (a, b) = l.split_once(',').expect("two fields");
                if prefix == "FNDA:" {
                    (b.to_string(), a.parse().expect("a count"))
                } else {
                    (a.to_string(), b.parse().expect("a count"))
                }
            })
            .collect()
    };
    let calls = field("FNDA:");
    assert_eq!(calls["hot"], 1);
    assert_eq!(calls["cold"], 5);
    assert_eq!(calls["never"], 0);
    assert_eq!(calls["main"], 1);
    let lines = field("DA:");
    // Line 5 (`s += i * i % 7;`) runs 3000 times, line 4 (the condition)
    // 3001; `cold`'s line 5 times; `never`'s not at all.
    assert_eq!(lines["5"], 3000, "{record}");
    assert_eq!(lines["4"], 3001, "{record}");
    assert_eq!(lines["11"], 5, "{record}");
    assert_eq!(lines["23"], 0, "{record}");
    assert!(record.contains("FN:1,hot\n"), "{record}");
    assert!(record.contains("FNF:6\nFNH:5\n"), "{record}");
    // Debian's genhtml reads it (CI installs lcov; skipped where absent).
    if std::process::Command::new("genhtml")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let html = temp_dir().join("html");
        let out = std::process::Command::new("genhtml")
            .args(["--output-directory", &html.to_string_lossy(), &info])
            .output()
            .expect("genhtml runs");
        assert!(
            out.status.success(),
            "genhtml: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(html.join("index.html").exists());
    } else {
        eprintln!("genhtml is not installed: the tracefile was not checked by it");
    }
}

#[test]
fn observer_options_are_checked() {
    let src = write("opts.mvl", "fn main() { println(1); }");
    let (code, _, err) = mvlc(&["run", "--profile"]);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("--profile needs a FILE"), "{err}");
    let (code, out, err) = mvlc(&["run", "--coverage", "/nonexistent-dir/c.info", &src]);
    assert_eq!(code, 74, "{err}");
    assert_eq!(out, "1\n");
    assert!(err.contains("cannot write"), "{err}");
    // A runtime error still writes the profile, and exits 2.
    let bad = write("bad.mvl", "fn main() { let xs = [1]; println(xs[3]); }");
    let p = temp_dir().join("bad.folded").to_string_lossy().into_owned();
    let (code, _, err) = mvlc(&["run", "--profile", &p, &bad]);
    assert_eq!(code, 2, "{err}");
    assert!(std::fs::read_to_string(&p).is_ok_and(|t| t.starts_with("main ")));
}

/// At `-O`, which inlines `cold` (into `main`'s loop) and `helper`, the
/// tracefile counts their lines in their own places and each entry into
/// their inlined code as a call: here the same tracefile as at `-O0` but
/// for the two loop conditions, whose first test `-O` folds (the loops
/// test at their end), so that they count as many as their bodies, not one
/// more; and the profile shows the inlined `helper` as a frame of its own.
#[test]
fn coverage_and_profile_see_inlined_calls() {
    let src = write(
        "inl.mvl",
        "fn hot(n) {\n    var s = 0;\n    var i = 0;\n    while i < n {\n        s += i * i % 7;\n        i += 1;\n    }\n    s\n}\n\nfn cold(n) { n + 1 }\n\nfn helper() { hot(3000) }\n\nfn main() {\n    var t = 0;\n    for i in 0..5 {\n        t += cold(i);\n    }\n    println(helper() + t);\n}\n",
    );
    let (code, mir, err) = mvlc(&["build", "--emit=mir-opt", &src]);
    assert_eq!(code, 0, "{err}");
    assert!(
        mir.contains("inlined cold") && mir.contains("inlined helper"),
        "{mir}"
    );
    let dir = temp_dir();
    let file = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let (o, o0, p) = (file("inl-O.info"), file("inl-O0.info"), file("inl.folded"));
    assert_eq!(mvlc(&["run", "--coverage", &o, "--profile", &p, &src]).0, 0);
    assert_eq!(mvlc(&["run", "-O0", "--coverage", &o0, &src]).0, 0);
    let at_o = std::fs::read_to_string(&o).expect("tracefile");
    assert!(
        at_o.contains("FNDA:5,cold\n") && at_o.contains("FNDA:1,helper\n"),
        "{at_o}"
    );
    let at_o0 = std::fs::read_to_string(&o0).expect("tracefile");
    for (line, o0_count) in [("DA:4,", "3001"), ("DA:17,", "6")] {
        assert!(at_o0.contains(&format!("{line}{o0_count}\n")), "{at_o0}");
    }
    let unfolded = at_o
        .replace("DA:4,3000\n", "DA:4,3001\n")
        .replace("DA:17,5\n", "DA:17,6\n");
    assert_eq!(unfolded, at_o0);
    let profile = std::fs::read_to_string(&p).expect("profile");
    assert!(
        folded(&profile).contains_key("main;helper;hot"),
        "{profile}"
    );
}

/// `mvm run` takes the same options and, on the built module, writes the
/// same profile as `mvlc run`.
#[test]
fn mvm_run_profiles_bytecode_alike() {
    let src = write("same.mvl", PROGRAM);
    let mvb = src.replace(".mvl", ".mvb");
    assert_eq!(mvlc(&["build", &src, "-o", &mvb]).0, 0);
    let dir = temp_dir();
    let from_source = dir.join("src.folded").to_string_lossy().into_owned();
    let from_bytecode = dir.join("mvb.folded").to_string_lossy().into_owned();
    assert_eq!(mvlc(&["run", "--profile", &from_source, &src]).0, 0);
    let args: Vec<String> = ["run", "--profile", &from_bytecode, &mvb]
        .iter()
        .map(|a| a.to_string())
        .collect();
    let mut io = mvm::Io::captured();
    assert_eq!(mvm::execute(&args, &mut io), 0);
    let a = std::fs::read_to_string(&from_source).expect("profile of mvlc run");
    let b = std::fs::read_to_string(&from_bytecode).expect("profile of mvm run");
    assert!(a.contains("main;helper;hot "), "{a}");
    assert_eq!(a, b);
}

/// The observers' options go with the host's (`--seed`, `--sandbox`,
/// `--record`, `--replay`) in both tools, in any order and in the `=`
/// form; a replay observes the same run as its recording; after the file,
/// `--profile` is the program's argument.
#[test]
fn observers_work_with_the_host_options() {
    let src = write(
        "hosted.mvl",
        "fn main() {\n    println(env::args());\n    var t = 0;\n    for i in 0..50 {\n        t += random::int(0, 10);\n    }\n    println(t);\n}\n",
    );
    let mvb = src.replace(".mvl", ".mvb");
    assert_eq!(mvlc(&["build", &src, "-o", &mvb]).0, 0);
    let dir = temp_dir();
    let file = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let (p1, c1, rec) = (file("h1.folded"), file("h1.info"), file("h.rec"));
    let (code, out, err) = mvlc(&[
        "run",
        "--seed",
        "7",
        "--profile",
        &p1,
        "--sandbox",
        "--coverage",
        &c1,
        "--record",
        &rec,
        &src,
        "a",
        "b",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("[\"a\", \"b\"]\n"), "{out}");
    let profile = std::fs::read_to_string(&p1).expect("profile");
    let coverage = std::fs::read_to_string(&c1).expect("coverage");
    assert!(profile.starts_with("main "), "{profile}");
    assert!(coverage.contains("FNDA:1,main"), "{coverage}");

    let p2 = file("h2.folded");
    let (code, replayed, err) = mvlc(&[
        "run",
        "--replay",
        &rec,
        &format!("--profile={p2}"),
        &src,
        "a",
        "b",
    ]);
    assert_eq!((code, replayed.as_str()), (0, out.as_str()), "{err}");
    assert_eq!(std::fs::read_to_string(&p2).ok().as_ref(), Some(&profile));

    let (p3, c3) = (file("h3.folded"), file("h3.info"));
    let args: Vec<String> = [
        "run",
        "--sandbox",
        &format!("--coverage={c3}"),
        "--seed",
        "7",
        "--profile",
        &p3,
        &mvb,
        "a",
        "b",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let mut io = mvm::Io::captured();
    assert_eq!(mvm::execute(&args, &mut io), 0);
    assert_eq!(String::from_utf8_lossy(&io.stdout), out);
    assert_eq!(std::fs::read_to_string(&p3).ok().as_ref(), Some(&profile));
    assert_eq!(std::fs::read_to_string(&c3).ok().as_ref(), Some(&coverage));

    let p4 = file("h4.folded");
    let (code, out, err) = mvlc(&["run", "--seed", "7", &src, "--profile", &p4]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!("[\"--profile\", \"{p4}\"]")),
        "{out}"
    );
    assert!(!std::path::Path::new(&p4).exists());
}
