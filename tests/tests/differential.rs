//! Differential testing: random well-typed MVL programs are compiled and run
//! twice, by `mvlc run` and by `mvm run` on the written `.mvb`; both must
//! print the same output and end with the same exit code (a program may
//! legitimately end in a runtime error such as `integer overflow`), and the
//! verifier must accept everything the compiler emits. A third run, by
//! `mvlc run -O0` (no MIR passes), must print the same output and the same
//! errors with the same stack traces, and end with the same code.

use mvlc::driver::{compile_file, execute, Session};

use mvl_tests::Rng;

/// Generates programs: functions over Ints that only call earlier ones (so
/// every program terminates), with locals, loops, branches, arrays, strings
/// and printing.
struct Gen {
    rng: Rng,
    out: String,
}

impl Gen {
    /// An Int expression over the variables `vars` and functions `0..fns`.
    fn int_expr(&mut self, vars: &[String], fns: usize, depth: u32) -> String {
        let leaf = depth == 0 || self.rng.chance(30);
        if leaf {
            return if !vars.is_empty() && self.rng.chance(60) {
                vars[self.rng.below(vars.len() as u64) as usize].clone()
            } else {
                format!("{}", self.rng.below(20) as i64 - 5)
            };
        }
        match self.rng.below(8) {
            0..=3 => {
                let op = ["+", "-", "*", "/", "%", "&", "|", "^"][self.rng.below(8) as usize];
                let a = self.int_expr(vars, fns, depth - 1);
                let b = self.int_expr(vars, fns, depth - 1);
                format!("({a} {op} {b})")
            }
            4 => {
                let c = self.bool_expr(vars, fns, depth - 1);
                let a = self.int_expr(vars, fns, depth - 1);
                let b = self.int_expr(vars, fns, depth - 1);
                format!("(if {c} {{ {a} }} else {{ {b} }})")
            }
            5 if fns > 0 => {
                let f = self.rng.below(fns as u64);
                let a = self.int_expr(vars, fns, depth - 1);
                let b = self.int_expr(vars, fns, depth - 1);
                format!("f{f}({a}, {b})")
            }
            6 => {
                let a = self.int_expr(vars, fns, depth - 1);
                format!("[{a}, 1, 2].len() + [{a}, 7][1]")
            }
            _ => {
                let a = self.int_expr(vars, fns, depth - 1);
                format!("(-{a})")
            }
        }
    }

    fn bool_expr(&mut self, vars: &[String], fns: usize, depth: u32) -> String {
        let op = ["<", "<=", "==", "!=", ">", ">="][self.rng.below(6) as usize];
        let a = self.int_expr(vars, fns, depth);
        let b = self.int_expr(vars, fns, depth);
        if self.rng.chance(20) {
            format!("!({a} {op} {b})")
        } else {
            format!("{a} {op} {b}")
        }
    }

    /// Statements of a body with locals `vars` (mutable ones extend it).
    fn body(&mut self, vars: &mut Vec<String>, fns: usize, statements: u32, print: bool) {
        for _ in 0..statements {
            match self.rng.below(6) {
                0 | 1 => {
                    let name = format!("v{}", vars.len());
                    let e = self.int_expr(vars, fns, 3);
                    self.out.push_str(&format!("    var {name} = {e};\n"));
                    vars.push(name);
                }
                2 if vars.iter().any(|v| v.starts_with('v')) => {
                    let mutable: Vec<&String> =
                        vars.iter().filter(|v| v.starts_with('v')).collect();
                    let v = mutable[self.rng.below(mutable.len() as u64) as usize].clone();
                    let e = self.int_expr(vars, fns, 3);
                    self.out.push_str(&format!("    {v} = {e};\n"));
                }
                3 if vars.iter().any(|v| v.starts_with('v')) => {
                    let mutable: Vec<&String> =
                        vars.iter().filter(|v| v.starts_with('v')).collect();
                    let v = mutable[self.rng.below(mutable.len() as u64) as usize].clone();
                    let n = self.rng.below(6);
                    let e = self.int_expr(vars, fns, 2);
                    self.out.push_str(&format!(
                        "    for i in 0..{n} {{ {v} = {v} % 1000 + i + {e}; }}\n"
                    ));
                }
                4 if print => {
                    let e = self.int_expr(vars, fns, 3);
                    let c = self.bool_expr(vars, fns, 1);
                    self.out
                        .push_str(&format!("    println(\"{{ {e} }} {{ {c} }}\");\n"));
                }
                _ => {
                    let e = self.int_expr(vars, fns, 2);
                    self.out.push_str(&format!(
                        "    var w{} = 0;\n    while w{} < 3 {{ w{} += 1; }}\n",
                        vars.len(),
                        vars.len(),
                        vars.len()
                    ));
                    if print {
                        self.out
                            .push_str(&format!("    print({e});\n    println(\"\");\n"));
                    }
                }
            }
        }
    }

    fn program(&mut self) -> String {
        self.out.clear();
        let n_fns = 1 + self.rng.below(4) as usize;
        for f in 0..n_fns {
            self.out
                .push_str(&format!("fn f{f}(a: Int, b: Int) -> Int {{\n"));
            let mut vars = vec!["a".to_string(), "b".to_string()];
            let statements = 1 + self.rng.below(4) as u32;
            self.body(&mut vars, f, statements, false);
            let e = self.int_expr(&vars, f, 3);
            self.out.push_str(&format!("    {e}\n}}\n\n"));
        }
        self.out.push_str("fn main() {\n");
        let mut vars = Vec::new();
        let statements = 3 + self.rng.below(6) as u32;
        self.body(&mut vars, n_fns, statements, true);
        self.out.push_str("}\n");
        self.out.clone()
    }
}

#[test]
fn random_programs_agree_between_mvlc_and_mvm() {
    let dir = std::env::temp_dir().join(format!("mvl-differential-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut gen = Gen {
        rng: Rng(0x2545_f491_4f6c_dd1d),
        out: String::new(),
    };
    let mut ran = 0;
    for i in 0..150 {
        let source = gen.program();
        let path = dir.join(format!("p{i}.mvl")).to_string_lossy().into_owned();
        std::fs::write(&path, &source).expect("write program");
        let module = match compile_file(&path, false, &mut Session::captured()) {
            Ok(m) => m,
            Err(_) => {
                let mut s = Session::captured();
                execute(&["check".into(), path.clone()], &mut s);
                panic!(
                    "a generated program does not compile:\n{source}\n{}",
                    String::from_utf8_lossy(&s.stderr)
                );
            }
        };
        if let Err(e) = mvm_bytecode::verify(&module) {
            panic!("the verifier refused the compiler's output ({e}) for:\n{source}");
        }
        let mvb = dir.join(format!("p{i}.mvb")).to_string_lossy().into_owned();
        std::fs::write(&mvb, module.to_bytes()).expect("write .mvb");
        let mut session = Session::captured();
        let code = execute(
            &[
                "run".into(),
                "--fuel".into(),
                "1000000".into(),
                path.clone(),
            ],
            &mut session,
        );
        // No generated program comes near the fuel (loops of a few
        // rounds, calls only to earlier functions), so the instruction
        // counts of the two levels, which differ, decide nothing here.
        let mut unoptimised = Session::captured();
        let o0_code = execute(
            &[
                "run".into(),
                "-O0".into(),
                "--fuel".into(),
                "1000000".into(),
                path,
            ],
            &mut unoptimised,
        );
        assert_eq!(code, o0_code, "-O0 and -O exit codes differ for:\n{source}");
        assert_eq!(
            session.stdout, unoptimised.stdout,
            "-O0 and -O outputs differ for:\n{source}"
        );
        assert_eq!(
            session.stderr, unoptimised.stderr,
            "-O0 and -O errors differ for:\n{source}"
        );
        let mut io = mvm::Io::captured();
        let vm_code = mvm::execute(
            &["run".into(), "--fuel".into(), "1000000".into(), mvb],
            &mut io,
        );
        assert_eq!(code, vm_code as i32, "exit codes differ for:\n{source}");
        assert_eq!(session.stdout, io.stdout, "outputs differ for:\n{source}");
        assert!(
            session.stderr.ends_with(&io.stderr),
            "errors differ for:\n{source}"
        );
        if code == 0 {
            ran += 1;
        }
    }
    // Most programs must run to the end, or the comparison proves little.
    assert!(
        ran > 50,
        "only {ran} of 150 generated programs ran to the end"
    );
}
