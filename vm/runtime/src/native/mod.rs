//! The native API: how the standard library's Rust half plugs into the VM.
//!
//! A native is a plain function over values. It sees the heap, the module's
//! type descriptors and the [`Host`] through a [`NativeCtx`], and never
//! anything else of the VM. Natives are resolved by name when a module is
//! loaded, against a [`NativeRegistry`].
//!
//! This module also owns **the charging of work**. One native call is one
//! instruction, but its work may grow with its arguments (`join`,
//! `replace`, `sort`, a map key's image). Every native whose work or result
//! grows with its input states that cost *before* doing the work, with
//! [`NativeCtx::charge`] and a [`Cost`]: the memory it will hold (its
//! result and its own buffers) is checked against `--max-heap` beside what
//! the heap, the call stack and the module already hold, then the steps
//! (elements visited, compared, hashed or made) and bytes (read, copied or
//! written) become fuel ([`Cost::fuel`]), spent against `--fuel` and
//! counted in the slice's budget. A charge that does not fit is the runtime
//! error `out of memory` or `out of fuel`, returned at once, with nothing
//! made. The heap's count includes garbage not yet collected, so a memory
//! charge that fits only after a collection returns [`NativeError::Collect`]:
//! the VM collects (the arguments are in registers, so they survive) and
//! calls the native once more. A native therefore charges before it changes
//! anything. A native whose effect on the host has happened before it can
//! know its cost (a line read, a file read) makes the host call and
//! charges its result through [`NativeCtx::host_call`]: a collection then
//! keeps the result for the second attempt, so the effect happens once.
//! The interpreter charges its own growing instructions (concatenation,
//! `tostr`, `==`) through the same [`Meter`]. The constants
//! relating fuel to time are stated in `lang-spec/evaluation.md`, Limits,
//! and measured by `bench/limits.py`.

mod objects;

pub use objects::{Graph, TreeMap, View};

use crate::error::TraceFrame;
use crate::fiber::{frame_depth, frame_trace, Frame};
use crate::heap::{Heap, Object, OBJECT_BYTES, VALUE_BYTES};
use crate::host::Host;
use crate::program::Program;
use crate::value::Value;
use mvm_bytecode::{Module, TypeKind};
use std::collections::HashMap;

/// What a native may touch: the host and the random generator directly;
/// the heap only through the methods of [`objects`](self::objects) (typed
/// access, making and growing objects, each counted by the heap), the
/// program's declarations through [`NativeCtx::module`], the call stack
/// through [`NativeCtx::call_stack`].
pub struct NativeCtx<'a> {
    pub(crate) heap: &'a mut Heap,
    pub host: &'a mut dyn Host,
    pub(crate) program: &'a Program,
    /// The shared payload-less variants (see `ModuleState`).
    pub(crate) variants: &'a [Value],
    /// The call stack (outermost first); the last frame called the native.
    pub(crate) frames: &'a [Frame],
    /// The registers of the frame that called the native, from its first.
    pub(crate) regs: &'a [Value],
    /// What this call has charged and may still charge.
    pub(crate) meter: Meter,
    /// The VM's random generator.
    pub rng: &'a mut crate::random::Rng,
    /// A host call's result kept from this call's first attempt (see
    /// [`NativeCtx::host_call`]).
    pub(crate) kept: &'a mut Kept,
}

/// What a native call keeps of its first attempt for its second, after a
/// collection: the result of the host call it made (see
/// [`NativeCtx::host_call`]); `None` for every other call.
pub type Kept = Option<Box<dyn std::any::Any>>;

/// Without `--max-heap`, one call may still charge at most this many bytes
/// (1 GiB), so that no input makes the host ask for terabytes.
pub const MAX_CALL_MEMORY: u64 = 1 << 30;

/// Bytes read, copied or written that cost one unit of fuel (see
/// `lang-spec/evaluation.md`, Limits).
pub const BYTES_PER_FUEL: u64 = 16;

/// The fuel of making one heap object (allocating it, and later sweeping
/// and freeing it), in steps.
pub const OBJECT_STEPS: u64 = 16;

/// The steps of one part of a map or set key's image (building, hashing,
/// comparing and dropping it).
pub const KEY_PART_STEPS: u64 = 8;

/// What a native's work will cost, charged before it is done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Elements visited, compared, hashed or made: one unit of fuel each.
    pub steps: u64,
    /// Bytes read, copied or written: one unit of fuel per
    /// [`BYTES_PER_FUEL`].
    pub bytes: u64,
    /// Bytes of memory the call will hold at once: its result and its own
    /// buffers.
    pub memory: u64,
}

impl Cost {
    /// `steps` elements.
    pub fn steps(steps: u64) -> Cost {
        Cost {
            steps,
            ..Cost::default()
        }
    }

    /// Making a String of `bytes` bytes: the work of writing them, and
    /// twice the memory, since the text is built in a buffer and then
    /// copied into the heap's string.
    pub fn output(bytes: u64) -> Cost {
        Cost {
            steps: 1,
            bytes,
            memory: bytes.saturating_mul(2),
        }
    }

    /// The fuel this cost spends.
    #[inline]
    pub fn fuel(&self) -> u64 {
        self.steps
            .saturating_add(self.bytes.div_ceil(BYTES_PER_FUEL))
    }

    /// Making `n` heap objects (the work only: their memory is the
    /// caller's to state, with [`Cost::holding`]).
    pub fn objects(n: u64) -> Cost {
        Cost::steps(n.saturating_mul(OBJECT_STEPS))
    }

    /// The memory of `objects` new objects holding `values` values and
    /// `text` bytes of String in all (no work: see [`Cost::objects`]).
    pub fn holding(objects: u64, values: u64, text: u64) -> Cost {
        Cost {
            steps: 0,
            bytes: 0,
            memory: objects
                .saturating_mul(OBJECT_BYTES as u64)
                .saturating_add(values.saturating_mul(VALUE_BYTES as u64))
                .saturating_add(text),
        }
    }

    /// Copying the members of `set` into a new set: their key images'
    /// parts, and the entries and images held.
    pub fn set_copy(set: &crate::heap::KeyMap<Value>) -> Cost {
        let memory: u64 = set
            .keys()
            .map(|k| (crate::heap::SET_ENTRY_BYTES + k.heap_size()) as u64)
            .sum();
        Cost {
            steps: memory / std::mem::size_of::<crate::heap::Key>() as u64 * KEY_PART_STEPS,
            bytes: 0,
            memory,
        }
    }

    /// Making an array of `n` elements: a step per element, and its memory.
    pub fn array(n: u64) -> Cost {
        Cost::steps(n).and(Cost::holding(1, n, 0))
    }

    /// Making `n` pairs (tuples of two): the work of making them, and
    /// their memory.
    pub fn pairs(n: u64) -> Cost {
        Cost::objects(n).and(Cost::holding(n, n.saturating_mul(2), 0))
    }

    /// Both costs (a sum, saturating).
    pub fn and(self, other: Cost) -> Cost {
        Cost {
            steps: self.steps.saturating_add(other.steps),
            bytes: self.bytes.saturating_add(other.bytes),
            memory: self.memory.saturating_add(other.memory),
        }
    }
}

/// One native call's account: the fuel it may spend and has spent, the
/// memory it has charged.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meter {
    /// The `--fuel` limit, if any, and what was left of it at the call.
    fuel: Option<(u64, u64)>,
    spent: u64,
    charged_memory: u64,
    /// The heap was collected for this call already (a second attempt).
    collected: bool,
}

impl Meter {
    /// A call with `fuel` = (limit, left) and whether the heap was just
    /// collected for it.
    #[inline]
    pub fn new(fuel: Option<(u64, u64)>, collected: bool) -> Meter {
        Meter {
            fuel,
            collected,
            ..Meter::default()
        }
    }

    /// The fuel this call has charged.
    #[inline]
    pub fn spent(&self) -> u64 {
        self.spent
    }

    /// Charges `cost` against the fuel left and the memory `heap` leaves
    /// free (see the module docs).
    #[inline]
    pub fn charge(&mut self, heap: &Heap, cost: Cost) -> Result<(), NativeError> {
        // Memory first: a call that cannot fit is out of memory, however
        // much fuel is left.
        if cost.memory > 0 {
            let need = self.charged_memory.saturating_add(cost.memory);
            if let Err((message, garbage)) = memory_check(heap, need) {
                return Err(if garbage && !self.collected {
                    NativeError::Collect
                } else {
                    NativeError::Error(message)
                });
            }
            self.charged_memory = need;
        }
        self.spent = self.spent.saturating_add(cost.fuel());
        if let Some((limit, left)) = self.fuel {
            if self.spent > left {
                return Err(NativeError::Error(out_of_fuel(limit)));
            }
        }
        Ok(())
    }

    /// How many items, each costing `each` (fuel and memory), this call
    /// can still pay for, capped at `cap`.
    pub fn affordable(&self, heap: &Heap, each: Cost, cap: u64) -> u64 {
        let by_fuel = match self.fuel {
            Some((_, left)) if each.fuel() > 0 => left.saturating_sub(self.spent) / each.fuel(),
            _ => u64::MAX,
        };
        let by_memory = self
            .free_memory(heap)
            .checked_div(each.memory)
            .unwrap_or(u64::MAX);
        cap.min(by_fuel).min(by_memory)
    }

    /// The bytes this call may still charge.
    fn free_memory(&self, heap: &Heap) -> u64 {
        let in_use = (heap.stats.heap_bytes as u64)
            .saturating_add(heap.fixed_bytes() as u64)
            .saturating_add(self.charged_memory);
        heap.config
            .max_heap
            .map_or(MAX_CALL_MEMORY.saturating_sub(self.charged_memory), |max| {
                (max as u64).saturating_sub(in_use)
            })
    }

    /// The most bytes of output this call can still pay for in fuel and
    /// memory, capped at `cap`: what may be made when its length is not
    /// known in advance (a display form).
    pub fn affordable_bytes(&self, heap: &Heap, cap: u64) -> u64 {
        // A display form costs a step per byte too (see [`Meter::display`]).
        let by_fuel = self
            .fuel
            .map_or(u64::MAX, |(_, left)| left.saturating_sub(self.spent) / 2);
        // Text is held twice (see [`Cost::output`]).
        cap.min(by_fuel).min(self.free_memory(heap) / 2)
    }

    /// The display form of `v` (as `print` shows it), charged: one step
    /// per value shown, and its bytes, made and held. It is built only as
    /// far as the call can afford; a form cut short by that is the error
    /// its whole charge would have been.
    pub fn display(
        &mut self,
        heap: &Heap,
        module: &Module,
        v: Value,
    ) -> Result<String, NativeError> {
        if let Some(s) = heap.str(v) {
            self.charge(heap, Cost::output(s.len() as u64))?;
            return Ok(s.to_string());
        }
        let cap = crate::display::MAX_LEN as u64;
        let afford = self.affordable_bytes(heap, cap);
        let (text, steps, cut) = crate::display::display_within(heap, module, v, afford);
        if cut && afford < cap {
            let more = afford.saturating_add(1);
            self.charge(heap, Cost::output(more).and(Cost::steps(more)))?;
        }
        // Formatting costs about a step per byte written, besides the
        // values visited.
        let n = text.len() as u64;
        self.charge(
            heap,
            Cost::output(n).and(Cost::steps(steps.saturating_add(n))),
        )?;
        Ok(text)
    }
}

/// How much memory is free under `--max-heap` (or [`MAX_CALL_MEMORY`]
/// without one) for an operation needing `need` bytes: the out-of-memory
/// message when it does not fit, and whether a collection might free enough.
#[inline]
pub fn memory_check(heap: &Heap, need: u64) -> Result<(), (String, bool)> {
    let in_use = (heap.stats.heap_bytes as u64).saturating_add(heap.fixed_bytes() as u64);
    match heap.config.max_heap {
        Some(max) if in_use.saturating_add(need) > max as u64 => {
            let garbage = heap.stats.heap_bytes > heap.stats.live_bytes;
            Err((
                format!(
                    "out of memory: this operation needs {need} bytes, more than the heap limit of {max} bytes leaves beside the {in_use} bytes in use by data, the call stack and the module (the `--max-heap` limit)"
                ),
                garbage,
            ))
        }
        None if need > MAX_CALL_MEMORY => Err((
            format!(
                "out of memory: this operation needs {need} bytes, more than one operation may make ({MAX_CALL_MEMORY} bytes)"
            ),
            false,
        )),
        _ => Ok(()),
    }
}

/// The out-of-fuel message, as the interpreter words it.
pub fn out_of_fuel(limit: u64) -> String {
    format!("out of fuel: the program ran more than {limit} instructions (the `--fuel` limit)")
}

impl<'a> NativeCtx<'a> {
    /// The running module's declarations (type descriptors, functions,
    /// files), for the natives that describe values and the program
    /// (printing, reflection). Borrowed from the program, not from the
    /// context, so the heap stays free to change while it is read.
    pub fn module(&self) -> &'a Module {
        self.program.module()
    }

    /// Charges `cost` before the work it describes (see the module docs):
    /// `out of fuel` or `out of memory` when it does not fit, or
    /// [`NativeError::Collect`] when a collection might make it fit.
    pub fn charge(&mut self, cost: Cost) -> Result<(), NativeError> {
        self.meter.charge(self.heap, cost)
    }

    /// The result of `call` on the host, with `cost(&result)` charged for
    /// the values to be made of it, before they are made (as
    /// [`NativeCtx::charge`]). The host is called once per native call: when
    /// the charge asks for a collection, the result is kept, and the
    /// call's second attempt gets it instead of calling the host again, so
    /// that no input is read twice and no effect happens twice.
    pub fn host_call<T: 'static>(
        &mut self,
        call: impl FnOnce(&mut dyn Host) -> T,
        cost: impl FnOnce(&T) -> Cost,
    ) -> Result<T, NativeError> {
        let made = match self.kept.take().map(|k| k.downcast::<T>()) {
            Some(Ok(made)) => *made,
            _ => call(&mut *self.host),
        };
        match self.charge(cost(&made)) {
            Ok(()) => Ok(made),
            Err(NativeError::Collect) => {
                *self.kept = Some(Box::new(made));
                Err(NativeError::Collect)
            }
            Err(e) => Err(e),
        }
    }

    /// The display form of `v` (as `print` shows it), charged (see
    /// [`Meter::display`]).
    pub fn display(&mut self, v: Value) -> Result<String, NativeError> {
        self.meter.display(self.heap, self.program.module(), v)
    }

    /// How many frames [`NativeCtx::call_stack`] lists.
    pub fn call_depth(&self) -> usize {
        let module = self.program.module();
        self.frames.iter().map(|f| frame_depth(module, f)).sum()
    }

    /// The MVL stack trace at the call, innermost first, every frame,
    /// inlined functions included as the frames they would have been.
    pub fn call_stack(&self) -> Vec<TraceFrame> {
        self.frames
            .iter()
            .rev()
            .flat_map(|f| frame_trace(self.program.module(), f))
            .collect()
    }

    /// `Some(v)` or `None` of the prelude's `Option`, without a lookup:
    /// `None` is the shared value, `Some` one allocation.
    pub fn option(&mut self, v: Option<Value>) -> Result<Value, NativeError> {
        let Some(opt) = self.program.option() else {
            return Err(NativeError::Error(
                "the prelude's `Option` type is missing from this module".into(),
            ));
        };
        Ok(match v {
            Some(v) => self.heap.alloc(Object::Variant {
                ty: opt.ty,
                variant: opt.some,
                fields: Box::new([v]),
            }),
            None => self.variants[self.program.variant_slot(opt.ty, opt.none)],
        })
    }

    /// The registers of the frame that called the native.
    pub fn caller_registers(&self) -> &[Value] {
        let n = self
            .frames
            .last()
            .map_or(0, |f| self.program.n_regs(f.func as usize));
        &self.regs[..n.min(self.regs.len())]
    }

    /// The index of the enum type named `name` (such as the prelude's
    /// `Option`), and the index of its variant `variant`.
    pub fn variant(&self, name: &str, variant: &str) -> Option<(u32, u32)> {
        self.module()
            .types
            .iter()
            .enumerate()
            .find_map(|(i, t)| match &t.kind {
                TypeKind::Enum(vs) if t.name == name => vs
                    .iter()
                    .position(|v| v.0 == variant)
                    .map(|v| (i as u32, v as u32)),
                _ => None,
            })
    }
}

/// How a native can fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NativeError {
    /// A runtime error with this message (the VM adds the stack trace).
    Error(String),
    /// The program asked to exit with this code.
    Exit(i32),
    /// A memory charge fits only if garbage is collected first (only
    /// [`NativeCtx::charge`] and [`NativeCtx::host_call`] return it): the
    /// VM collects and calls the native again, once.
    Collect,
}

pub type NativeFn = fn(&mut NativeCtx<'_>, &[Value]) -> Result<Value, NativeError>;

/// Natives by name (hashed with foldhash: every run registers them all
/// at start-up, where SipHash cost a measurable share of `mvlc run` on a
/// small program).
#[derive(Clone, Default)]
pub struct NativeRegistry {
    by_name: HashMap<String, NativeFn, foldhash::fast::RandomState>,
}

impl NativeRegistry {
    pub fn register(&mut self, name: &str, f: NativeFn) {
        self.by_name.insert(name.to_string(), f);
    }

    pub fn get(&self, name: &str) -> Option<NativeFn> {
        self.by_name.get(name).copied()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(|k| k.as_str())
    }
}
