//! Reading the operands the verifier proved, and the registers and
//! instructions it proved in range: the one module of the project with
//! `unsafe` code (the workspace denies it everywhere else, and the test
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
//! mandelbrot 20%, fib 3.4% (bench/README.md, "Proved operands"); reading
//! registers and fetching instructions unchecked, loop 23.6%, sieve 18.2%,
//! fib 11.0% ("Registers and instructions in range").
//!
//! Debug builds, and so the test suite and the fuzz targets (cargo-fuzz
//! builds with debug assertions), test the value instead and panic on a
//! verifier bug, so the fuzzers find any hole in the guarantee.

#![allow(unsafe_code)]

use crate::value::Value;
use mvm_bytecode::Op;

/// Register `r` of the running frame: `w` is the register file from the
/// frame's base.
///
/// The guarantee: the verifier refuses any function with a register operand
/// at or past its `n_regs` (`mvm_bytecode::verify`, operand ranges), and the
/// dispatch loop keeps `w` at least `n_regs` long for the running function:
/// a fiber's register file starts with its entry function's registers
/// (`Fiber::new`, `fiber.rs`), a call grows it to the callee's base plus the
/// callee's registers before switching to it (`enter!` in `interp.rs`), and
/// nothing ever shrinks it, so every frame below keeps its registers too.
#[inline(always)]
pub fn reg(w: &mut [Value], r: u16) -> &mut Value {
    let i = r as usize;
    if cfg!(debug_assertions) {
        let len = w.len();
        return w.get_mut(i).unwrap_or_else(|| unproved_reg(i, len));
    }
    // SAFETY: `i` is a register operand of the running function of a
    // verified module, below its `n_regs`, and `w` holds at least `n_regs`
    // values (see above).
    unsafe { w.get_unchecked_mut(i) }
}

/// The instruction at `pc` of the running function's `code`.
///
/// The guarantee: the verifier refuses an empty function, a jump target
/// outside the function and a last instruction that can fall through
/// (`mvm_bytecode::verify`), so `pc` is always in range: it starts at 0,
/// moves to a verified target or past an instruction that is not the last,
/// and a return resumes the caller just past its call, which is not its last
/// instruction either (a call can fall through). A fiber stopped by its
/// budget resumes at the instruction it did not run.
#[inline(always)]
pub fn op(code: &[Op], pc: usize) -> &Op {
    if cfg!(debug_assertions) {
        return code.get(pc).unwrap_or_else(|| unproved_pc(pc, code.len()));
    }
    // SAFETY: `pc` is in range of the running function's verified code
    // (see above).
    unsafe { code.get_unchecked(pc) }
}

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
fn unproved_reg(i: usize, len: usize) -> ! {
    panic!("register {i} is past the frame's {len} registers (a verifier or interpreter bug)")
}

#[cold]
#[inline(never)]
fn unproved_pc(pc: usize, len: usize) -> ! {
    panic!("instruction {pc} is past the function's {len} (a verifier or interpreter bug)")
}

#[cold]
#[inline(never)]
fn unproved(wanted: &str, found: Value) -> ! {
    panic!(
        "the verifier proved a register holds {wanted}, but it holds {} (a verifier bug)",
        found.kind()
    )
}
