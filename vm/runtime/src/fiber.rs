//! Fibers: a call stack of [`Frame`]s over one register file, as plain data,
//! and the MVL stack trace read off it.
//!
//! Register windows overlap as in Lua: a call's arguments sit in
//! consecutive registers at the top of the caller's live temporaries, and
//! the callee's window starts right there, so its parameters are the
//! caller's argument registers and nothing is copied. The callee's other
//! registers hold whatever was there before; the verifier guarantees that
//! no register is read before it is written, and that the caller treats
//! every register from the arguments up as overwritten by the call.
//!
//! The register file only grows (to the deepest window so far); registers
//! above the live frames are cleared at each collection so that they do
//! not keep garbage alive.

use crate::error::TraceFrame;
use crate::program::Program;
use crate::value::Value;
use mvm_bytecode::Module;

/// One activation: which function, where in it, where its registers start
/// and which register of the caller receives its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    pub func: u32,
    /// The next instruction to run in this frame (for a caller: the one
    /// after its call).
    pub pc: u32,
    pub base: u32,
    pub ret: u16,
}

/// A thread of MVL execution: its registers and frames.
#[derive(Clone, Debug, Default)]
pub struct Fiber {
    pub regs: Vec<Value>,
    pub frames: Vec<Frame>,
}

impl Fiber {
    /// A fiber about to run function `func` with no arguments.
    pub fn new(program: &Program, func: u32) -> Fiber {
        Fiber {
            regs: vec![Value::Unit; program.n_regs(func as usize)],
            frames: vec![Frame {
                func,
                pc: 0,
                base: 0,
                ret: 0,
            }],
        }
    }

    /// Whether the fiber's outermost function has returned.
    pub fn is_done(&self) -> bool {
        self.frames.is_empty()
    }

    /// Clears the registers above the live frames and returns the live
    /// ones: the fiber's roots for a collection.
    pub fn roots(&mut self, program: &Program) -> &[Value] {
        live_roots(program, &mut self.regs, &self.frames)
    }
}

/// The registers of `frames` (everything below the highest window end),
/// after clearing those above, so that they keep nothing alive.
pub fn live_roots<'r>(program: &Program, regs: &'r mut [Value], frames: &[Frame]) -> &'r [Value] {
    let live = frames
        .iter()
        .map(|f| f.base as usize + program.n_regs(f.func as usize))
        .max()
        .unwrap_or(0)
        .min(regs.len());
    for r in &mut regs[live..] {
        *r = Value::Unit;
    }
    &regs[..live]
}

/// Frames shown at each end of a long trace; those between are counted.
pub const SHOWN_AT_EACH_END: usize = 10;

/// The MVL stack trace of `frames` (outermost first), innermost first: each
/// frame's function, file, and the line of the instruction it is executing.
/// Of a deep stack only the [`SHOWN_AT_EACH_END`] frames at each end are
/// materialised; the second value counts the frames left out between them.
pub fn trace_of(module: &Module, frames: &[Frame]) -> (Vec<TraceFrame>, usize) {
    let frame = |fr: &Frame| trace_frame(module, fr);
    let n = frames.len();
    if n <= 2 * SHOWN_AT_EACH_END {
        return (frames.iter().rev().map(frame).collect(), 0);
    }
    let inner = frames[n - SHOWN_AT_EACH_END..].iter().rev().map(frame);
    let outer = frames[..SHOWN_AT_EACH_END].iter().rev().map(frame);
    (inner.chain(outer).collect(), n - 2 * SHOWN_AT_EACH_END)
}

/// What a trace shows of one frame.
pub fn trace_frame(module: &Module, fr: &Frame) -> TraceFrame {
    let f = module.functions.get(fr.func as usize);
    TraceFrame {
        function: f.map_or("?".to_string(), |f| f.name.clone()),
        file: f
            .and_then(|f| module.files.get(f.file as usize))
            .cloned()
            .unwrap_or_else(|| "?".to_string()),
        line: f.map_or(0, |f| f.line_at(fr.pc.saturating_sub(1) as usize)),
    }
}
