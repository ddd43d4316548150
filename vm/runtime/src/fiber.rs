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
/// frame's function, file, and the line of the instruction it is executing,
/// a frame executing inlined code expanded into the virtual frames of the
/// functions inlined there ([`frame_trace`]), so the trace is the one the
/// code would show without inlining. Of a deep stack only the
/// [`SHOWN_AT_EACH_END`] frames at each end are materialised; the second
/// value counts the frames left out between them.
pub fn trace_of(module: &Module, frames: &[Frame]) -> (Vec<TraceFrame>, usize) {
    let total: usize = frames.iter().map(|fr| frame_depth(module, fr)).sum();
    if total <= 2 * SHOWN_AT_EACH_END {
        return (
            frames
                .iter()
                .rev()
                .flat_map(|fr| frame_trace(module, fr))
                .collect(),
            0,
        );
    }
    let mut inner = Vec::with_capacity(2 * SHOWN_AT_EACH_END);
    for fr in frames.iter().rev() {
        if inner.len() >= SHOWN_AT_EACH_END {
            break;
        }
        inner.extend(frame_trace(module, fr));
    }
    inner.truncate(SHOWN_AT_EACH_END);
    // The outermost, collected outermost first, then turned around.
    let mut outer = Vec::with_capacity(SHOWN_AT_EACH_END);
    for fr in frames {
        if outer.len() >= SHOWN_AT_EACH_END {
            break;
        }
        outer.extend(frame_trace(module, fr).into_iter().rev());
    }
    outer.truncate(SHOWN_AT_EACH_END);
    inner.extend(outer.into_iter().rev());
    (inner, total - 2 * SHOWN_AT_EACH_END)
}

/// How many trace frames one frame shows: one, and one per function
/// inlined where it is executing.
pub fn frame_depth(module: &Module, fr: &Frame) -> usize {
    module.functions.get(fr.func as usize).map_or(1, |f| {
        1 + f.inlined_at(fr.pc.saturating_sub(1) as usize).len()
    })
}

/// What a trace shows of one frame, innermost first: the functions inlined
/// at the instruction it is executing (the module's inline-frame table),
/// then its own function at the line of the call inlined there.
pub fn frame_trace(module: &Module, fr: &Frame) -> Vec<TraceFrame> {
    let own = trace_frame(module, fr);
    let Some(f) = module.functions.get(fr.func as usize) else {
        return vec![own];
    };
    let inlined = f.inlined_at(fr.pc.saturating_sub(1) as usize);
    if inlined.is_empty() {
        return vec![own];
    }
    let file = |i: u32| {
        module
            .files
            .get(i as usize)
            .cloned()
            .unwrap_or_else(|| "?".to_string())
    };
    let mut out = Vec::with_capacity(inlined.len() + 1);
    let mut line = own.line;
    for v in inlined {
        out.push(TraceFrame {
            function: v.function.clone(),
            file: file(v.file),
            line,
        });
        line = v.call_line;
    }
    out.push(TraceFrame { line, ..own });
    out
}

/// What a trace shows of one frame's own function, at the line of the
/// instruction it is executing (inlined code not expanded).
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
