//! The optimiser, pass by pass, as data: every `tests/mir/*.mvl` is
//! checked and lowered, and the MIR of each of its functions is compared
//! with the file's insta snapshot in `tests/snapshots/` (`mir__NAME.snap`):
//! the body as lowered, then the body after every pass that changed it
//! (`after const_prop (round 1)`, `after in_place (final)`), through
//! `mvl_mir::passes::optimise_traced`, the pipeline `-O` runs. The MIR
//! verifier checks the body after each pass, and the last body must be the
//! one `-O` hands to code generation, unless calls were inlined into it
//! (`mvl_mir::passes::inline`, which needs the callees' bodies, so it is
//! not a step of the traced pipeline): then the body `-O` generates
//! follows, `after inline, then the pipeline again (-O)`, verified. Each
//! file is small, so that its
//! snapshot can be read; each is a test of its own
//! (`cargo test -p mvl-tests --test mir_passes -- licm`).

use mvl_compiler::codegen::OptLevel;
use mvl_compiler::db::{self, Database};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The snapshot text of one program, or why it could not be made.
fn passes_of(path: &str, source: &str) -> Result<String, String> {
    let mut db = Database::default();
    let program = db.program(path, source.to_string());
    let diags = db::check_diagnostics(&db, program);
    if let Some(d) = diags.iter().find(|d| d.is_error()) {
        return Err(format!("{path}: {} {}", d.code, d.message));
    }
    let optimised = db::user_mir(&db, program, OptLevel::O);
    let mut out = String::new();
    for (f, opt) in db::user_mir(&db, program, OptLevel::O0)
        .into_iter()
        .zip(optimised)
    {
        let mut body = f.body.map_err(|e| format!("{path}: `{}`: {e}", f.name))?;
        out.push_str(&format!("==== {} ====\n", f.name));
        for (k, callee) in f.callees.iter().enumerate() {
            out.push_str(&format!("// fn{k} = {callee}\n"));
        }
        out.push_str("---- as lowered\n");
        out.push_str(&mvl_mir::print::body(&body));
        let mut broken = None;
        mvl_mir::passes::optimise_traced(&mut body, &mut |step, b| {
            if let Err(errors) = mvl_mir::verify::verify(b) {
                broken.get_or_insert(format!("after {step}: {}", errors.join("; ")));
            }
            out.push_str(&format!("---- after {step}\n"));
            out.push_str(&mvl_mir::print::body(b));
        })
        .map_err(|e| format!("{path}: {e}"))?;
        if let Some(e) = broken {
            return Err(format!("{path}: `{}` does not verify {e}", f.name));
        }
        let opt_callees = opt.callees;
        let opt = opt.body.map_err(|e| format!("{path}: `{}`: {e}", f.name))?;
        if !opt.scopes.is_empty() {
            if let Err(errors) = mvl_mir::verify::verify(&opt) {
                return Err(format!(
                    "{path}: `{}` after inlining: {}",
                    f.name,
                    errors.join("; ")
                ));
            }
            for (k, callee) in opt_callees.iter().enumerate().skip(f.callees.len()) {
                out.push_str(&format!("// fn{k} = {callee} (named by an inlined body)\n"));
            }
            out.push_str("---- after inline, then the pipeline again (-O)\n");
            out.push_str(&mvl_mir::print::body(&opt));
        } else if mvl_mir::print::body(&body) != mvl_mir::print::body(&opt) {
            return Err(format!(
                "{path}: `{}`: the traced pipeline left a body -O does not generate",
                f.name
            ));
        }
        out.push('\n');
    }
    Ok(out)
}

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let root = mvl_tests::workspace_root();
    std::env::set_current_dir(&root).expect("workspace root exists");
    let mut files: Vec<String> = std::fs::read_dir("tests/mir")
        .expect("tests/mir exists")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".mvl").map(str::to_string)
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 6,
        "found {} programs in tests/mir",
        files.len()
    );
    let trials = files
        .into_iter()
        .map(|name| {
            libtest_mimic::Trial::test(name.clone(), move || {
                let path = format!("tests/mir/{name}.mvl");
                let source = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                let output = passes_of(&path, &source)?;
                catch_unwind(AssertUnwindSafe(|| {
                    insta::with_settings!({
                        snapshot_path => "../snapshots",
                        prepend_module_to_snapshot => false,
                        description => format!("the MIR of {path}, pass by pass"),
                        omit_expression => true,
                    }, {
                        insta::assert_snapshot!(format!("mir__{name}"), output);
                    });
                }))
                .map_err(|_| format!("{path}: the MIR changed (see its .snap.new)").into())
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
