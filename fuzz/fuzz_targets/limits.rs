#![no_main]
//! Generated hostile programs (`mvl_tests::hostile_gen`) under the resource
//! oracle: the fuzzer's bytes choose the program.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mvl_tests::fuzz::limits(data);
});
