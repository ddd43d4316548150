//! The MVM runtime: values and the heap, the sliced interpreter, the native
//! API the standard library plugs into, the host interface every effect
//! crosses, the random generator, and runtime errors with MVL stack traces.
//!
//! Entry point: [`Program::load`] verifies a [`mvm_bytecode::Module`] and
//! resolves its natives; [`Vm::with_program`] (or [`Vm::new`], both at once)
//! gives it a heap, its module state and a main fiber; [`Vm::run`] runs a
//! slice of it; [`run_module`] runs a whole program.

pub mod chars;
pub mod display;
pub mod error;
pub mod fiber;
pub mod heap;
pub mod host;
pub mod interp;
pub mod link;
pub mod map_table;
pub mod maps;
pub mod native;
pub mod observe;
pub mod program;
pub mod proved;
pub mod random;
pub mod value;

pub use chars::CharIndex;
pub use error::{RuntimeError, TraceFrame};
pub use fiber::{Fiber, Frame};
pub use heap::{
    GcConfig, GcStats, Heap, Key, KeyMap, MapEntry, Object, OrdKey, TotalF64, KEY_PART_BYTES,
    MAX_KEY_PARTS, OBJECT_BYTES, VALUE_BYTES,
};
pub use host::{
    CaptureHost, Finished, Host, HostError, HostOptions, HostResult, OsHost, RunHost,
    EXIT_OUTPUT_ERROR,
};
pub use interp::{FiberId, ModuleState, Outcome, Step, Vm, VmConfig};
pub use link::{link_libraries, Linked};
pub use native::{
    Cost, Graph, Kept, Meter, NativeCtx, NativeError, NativeFn, NativeRegistry, TreeMap, View,
    BYTES_PER_FUEL, KEY_PART_STEPS, MAX_CALL_MEMORY, OBJECT_STEPS,
};
pub use observe::{Coverage, Hooks, Measure, NoHooks, ObserveOptions, Observers, Profiler};
pub use program::{LoadError, Program};
pub use value::{ObjRef, Value};

/// Loads and runs `module` to the end.
pub fn run_module(
    module: mvm_bytecode::Module,
    natives: &NativeRegistry,
    config: VmConfig,
    host: &mut dyn Host,
) -> Result<Outcome, LoadError> {
    run_module_observed(module, natives, config, host, &mut NoHooks)
}

/// Loads and runs `module` to the end with `hooks` observing every
/// instruction (see [`observe`]).
pub fn run_module_observed<H: Hooks>(
    module: mvm_bytecode::Module,
    natives: &NativeRegistry,
    config: VmConfig,
    host: &mut dyn Host,
    hooks: &mut H,
) -> Result<Outcome, LoadError> {
    let mut vm = Vm::new(module, natives, config)?;
    let outcome = vm.run_to_end_observed(host, hooks);
    // A failure here is kept by the host for the tool to report.
    let _ = host.flush();
    Ok(outcome)
}
