//! A quick seeded run of the hostile program generator
//! (`mvl_tests::hostile_gen`) with its resource oracle: every generated
//! program compiles, and its run under `--max-heap 64M` and `--fuel` ends
//! within the time bound and the memory bound. The process's peak memory
//! is measured, so this binary holds one test, run alone. The cargo-fuzz
//! target `limits` searches the same space without end.

use mvl_tests::hostile_gen;

#[test]
fn generated_hostile_programs_stay_within_their_limits() {
    // The oracle's memory measure is real: 32 MB of array shows.
    let run = hostile_gen::run(
        "fn main() {\n    let a = Array::filled(2000000, 1);\n    println(a.len());\n}\n",
        10_000_000,
    );
    assert_eq!(run.outcome, "finished");
    if cfg!(target_os = "linux") {
        assert!(run.grew.is_some(), "no memory measure on Linux");
    }
    if let Some(grew) = run.grew {
        assert!(grew >= 30 << 20, "grew by {grew} bytes");
    }
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for seed in 1..=60u64 {
        let source = hostile_gen::program(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15), 12);
        let run = hostile_gen::check(&source);
        assert_ne!(
            run.outcome, "did not compile",
            "the generator made an ill-typed program:\n{source}"
        );
        let kind = match run.outcome.as_str() {
            o if o.starts_with("out of fuel") => "out of fuel",
            o if o.starts_with("out of memory") => "out of memory",
            "finished" => "finished",
            _ => "other runtime error",
        };
        *outcomes.entry(kind.to_string()).or_default() += 1;
    }
    // The batch must reach both limits, or it tests little.
    assert!(
        outcomes.contains_key("out of fuel") && outcomes.contains_key("out of memory"),
        "{outcomes:?}"
    );
}
