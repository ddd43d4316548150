//! Fuzz target `repl`: see `tests/src/fuzz.rs` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mvl_tests::fuzz::repl(data);
});
