//! Reading the operands the verifier proved: the one module of the project
//! with `unsafe` code (the workspace denies it everywhere else, and the test
//! `unsafe_code_stays_in_proved_rs` in `tests/tests/hostile_runtime.rs` keeps it here).
//!
//! An instruction whose operand has the class Int, Float or Bool
//! ([`mvm_bytecode::ops::Class::is_proved`]) reads it through these
//! functions without testing what it holds. The guarantee they rely on is
//! the verifier's (`mvm_bytecode::verify`, register types): a module runs
//! only as a `Verified` one, and that refuses any module in which such an
//! operand could hold anything else on some path to the instruction. Every
//! path writes a value of the class there: an instruction whose result has
//! that type, a checking cast (`asi`, `asf`, `asb`) or checking read
//! (`getfieldi`, ...), an argument typed by the function's signature (which
//! the verifier checks at every `call`, and `callv` and `Vm::call` check at
//! run time, `interp.rs` and `link.rs`), or a call's result typed by the
//! callee's signature (whose every `ret` the verifier checks).
//!
//! Measured (`valgrind --tool=callgrind mvm run --fuel 20000000`, the same
//! bytecode): against the same functions with a safe `match` that panics on
//! the other arm, the loop benchmark runs 12.6% fewer host instructions,
//! mandelbrot 20%, fib 3.4% (bench/README.md, "Proved operands").
//!
//! Debug builds, and so the test suite and the fuzz targets (cargo-fuzz
//! builds with debug assertions), test the value instead and panic on a
//! verifier bug, so the fuzzers find any hole in the guarantee.

#![allow(unsafe_code)]

use crate::value::Value;

/// The Int in `v`, an operand the verifier proved holds one.
#[inline(always)]
pub fn int(v: Value) -> i64 {
    match v {
        Value::Int(i) => i,
        _ if cfg!(debug_assertions) => unproved("an Int", v),
        // SAFETY: `v` is an operand of class Int of an instruction of a
        // verified module, which holds an Int on every path (module docs).
        _ => unsafe { std::hint::unreachable_unchecked() },
    }
}

/// The Float in `v`, an operand the verifier proved holds one.
#[inline(always)]
pub fn float(v: Value) -> f64 {
    match v {
        Value::Float(x) => x,
        _ if cfg!(debug_assertions) => unproved("a Float", v),
        // SAFETY: `v` is an operand of class Float of an instruction of a
        // verified module, which holds a Float on every path (module docs).
        _ => unsafe { std::hint::unreachable_unchecked() },
    }
}

/// The Bool in `v`, an operand the verifier proved holds one.
#[inline(always)]
pub fn boolean(v: Value) -> bool {
    match v {
        Value::Bool(b) => b,
        _ if cfg!(debug_assertions) => unproved("a Bool", v),
        // SAFETY: `v` is an operand of class Bool of an instruction of a
        // verified module, which holds a Bool on every path (module docs).
        _ => unsafe { std::hint::unreachable_unchecked() },
    }
}

#[cold]
#[inline(never)]
fn unproved(wanted: &str, found: Value) -> ! {
    panic!(
        "the verifier proved a register holds {wanted}, but it holds {} (a verifier bug)",
        found.kind()
    )
}
