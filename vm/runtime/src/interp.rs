//! The interpreter: a register machine over a verified [`Program`].
//!
//! Execution is sliced (principle 4 of the architecture): [`Vm::run`] runs
//! one [`Fiber`] for a budget of instructions and returns why it stopped
//! ([`Step`]). The state it works on is split by what shares it: the
//! immutable [`Program`] (shareable between VMs and threads), the [`Heap`],
//! the [`ModuleState`] (values made once per load: constant strings, the
//! shared payload-less variants; later, globals and linked modules) and the
//! fibers (registers and frames). A scheduler over several fibers calls
//! `run` on each in turn; the dispatch loop does not know how many exist.
//!
//! **The dispatch loop** ([`execute`]) does per instruction only the
//! instruction's own work. The instruction count is kept per straight-line
//! segment (added up at every taken jump, call and return), and the one
//! "does anything want attention" test, the budget, runs only at backward
//! jumps and calls, which every loop and recursion passes through; a
//! collection is considered only after instructions that allocate
//! (`alloc` in the instruction table) and after natives. So `--fuel N`
//! stops a program at the first backward jump or call after N instructions.
//!
//! **Calls copy nothing** (see [`crate::fiber`]): the callee's register
//! window starts at the caller's first argument register; a closure's
//! captured values follow its arguments; natives read their arguments as a
//! slice of the caller's registers. No call allocates on the host unless
//! the register file or the frame stack grows past its deepest point so far.
//!
//! Where the verifier could not prove a register's type (it came out of a
//! call or a container), the typed instruction still checks it and fails
//! with a runtime error (never a panic) on a hand-written module that
//! breaks it.

use crate::error::RuntimeError;
use crate::fiber::{trace_of, Fiber, Frame};
use crate::heap::{GcConfig, Heap, Object};
use crate::host::Host;
use crate::native::{Cost, Meter, NativeCtx, NativeError, NativeRegistry};
use crate::observe::{Hooks, NoHooks};
use crate::program::{LoadError, Program};
use crate::proved;
use crate::value::Value;
use mvm_bytecode::{Constant, Module, Op, TypeKind};
use std::sync::Arc;

/// Limits of one VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmConfig {
    /// The deepest call nesting allowed before `stack overflow`.
    pub max_frames: usize,
    /// The most instructions the program may execute (`--fuel`).
    pub fuel: Option<u64>,
    /// The heap limit and the collector's stress mode.
    pub gc: GcConfig,
}

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            max_frames: 1_000_000,
            fuel: None,
            gc: GcConfig::default(),
        }
    }
}

impl VmConfig {
    /// The defaults, with stress mode if `MVM_GC_STRESS` asks for it.
    pub fn from_env() -> VmConfig {
        let mut c = VmConfig::default();
        c.gc.stress = GcConfig::stress_from_env();
        c
    }
}

/// Why a slice of execution stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// The fiber's outermost function returned this value.
    Finished(Value),
    /// The instruction budget ran out; call `run` again to go on.
    BudgetSpent,
    /// The program called `exit(code)`.
    Exit(i32),
    Error(RuntimeError),
}

/// How a whole run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Finished,
    Exit(i32),
    Error(RuntimeError),
}

/// The values a load of a program makes once: its constants (strings
/// allocated in the heap) and one shared object per payload-less variant.
/// They are roots of every collection, with the embedder's globals. Linking
/// a module ([`crate::link`]) extends them.
#[derive(Clone, Debug, Default)]
pub struct ModuleState {
    pub constants: Vec<Value>,
    /// Indexed by [`Program::variant_slot`]; `Unit` for variants with a
    /// payload.
    pub variants: Vec<Value>,
    /// Values an embedder keeps alive between calls (a session's bindings).
    pub globals: Vec<Value>,
}

impl ModuleState {
    pub fn new(program: &Program, heap: &mut Heap) -> ModuleState {
        let module = program.module();
        let constants = module
            .constants
            .iter()
            .map(|c| match c {
                Constant::Int(i) => Value::Int(*i),
                Constant::Float(x) => Value::Float(*x),
                Constant::Str(s) => heap.alloc_str(s),
            })
            .collect();
        let mut variants = vec![Value::Unit; program.variant_slots()];
        for (ty, t) in module.types.iter().enumerate() {
            if let TypeKind::Enum(vs) = &t.kind {
                for (variant, (_, payload)) in vs.iter().enumerate() {
                    if *payload == 0 {
                        variants[program.variant_slot(ty as u32, variant as u32)] =
                            heap.alloc(Object::Variant {
                                ty: ty as u32,
                                variant: variant as u32,
                                fields: Box::new([]),
                            });
                    }
                }
            }
        }
        ModuleState {
            constants,
            variants,
            globals: Vec::new(),
        }
    }

    fn roots(&self) -> impl Iterator<Item = Value> + '_ {
        self.constants
            .iter()
            .chain(&self.variants)
            .chain(&self.globals)
            .copied()
    }
}

/// Names a fiber of a [`Vm`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FiberId(pub usize);

/// A loaded program with its heap, state and fibers: plain data.
pub struct Vm {
    pub(crate) program: Arc<Program>,
    pub(crate) heap: Heap,
    pub(crate) state: ModuleState,
    pub(crate) fibers: Vec<Fiber>,
    config: VmConfig,
    /// Fuel spent so far, by every fiber (for `--fuel`): instructions
    /// executed and the work charged inside them (see `native`).
    executed: u64,
    /// The part of `executed` that is work charged inside instructions.
    charged: u64,
    /// The random generator (`rand*` instructions).
    rng: crate::random::Rng,
    /// Objects and bytes the heap held once the module state was made:
    /// what the program allocates is counted from there (`--stats`).
    loaded: (u64, u64),
}

/// A runtime error raised inside the dispatch loop, before its trace is
/// attached.
struct Fault(String);

type Result<T> = std::result::Result<T, Fault>;

#[cold]
#[inline(never)]
fn fault<T>(message: impl Into<String>) -> Result<T> {
    Err(Fault(message.into()))
}

#[cold]
#[inline(never)]
fn type_fault<T>(op: &str, wanted: &str, found: Value) -> Result<T> {
    fault(format!("`{op}` expects {wanted}, found {}", found.kind()))
}

#[inline(always)]
fn int(v: Value, op: &str) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(i),
        other => type_fault(op, "an Int", other),
    }
}

#[inline(always)]
fn float(v: Value, op: &str) -> Result<f64> {
    match v {
        Value::Float(x) => Ok(x),
        other => type_fault(op, "a Float", other),
    }
}

#[inline(always)]
fn boolean(v: Value, op: &str) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(b),
        other => type_fault(op, "a Bool", other),
    }
}

#[inline(always)]
fn overflow<T>(r: Option<T>) -> Result<T> {
    match r {
        Some(v) => Ok(v),
        None => fault("integer overflow"),
    }
}

/// What an out-of-memory charge that a collection did not help says.
const OUT_OF_MEMORY: &str =
    "out of memory: this operation needs more than the heap limit leaves free (the `--max-heap` limit)";

/// Structural equality, charged two steps per pair of values compared.
fn equal(
    heap: &Heap,
    meter: &mut Meter,
    a: Value,
    b: Value,
) -> std::result::Result<bool, NativeError> {
    let most = meter.affordable(heap, Cost::steps(2), u64::MAX);
    match heap.equal_within(a, b, most) {
        Some((same, steps)) => {
            meter.charge(heap, Cost::steps(steps.saturating_mul(2)))?;
            Ok(same)
        }
        None => {
            meter.charge(heap, Cost::steps(most.saturating_add(1).saturating_mul(2)))?;
            Ok(false)
        }
    }
}

/// Two Strings joined, charged before they are copied.
fn concat(
    heap: &Heap,
    meter: &mut Meter,
    a: Value,
    b: Value,
    wrong: &str,
) -> std::result::Result<String, NativeError> {
    let (Some(x), Some(y)) = (heap.str(a), heap.str(b)) else {
        return Err(NativeError::Error(wrong.to_string()));
    };
    let n = x.len() as u64 + y.len() as u64;
    meter.charge(heap, Cost::output(n))?;
    let mut s = String::with_capacity(n as usize);
    s.push_str(x);
    s.push_str(y);
    Ok(s)
}

fn div_int(a: i64, b: i64) -> Result<i64> {
    if b == 0 {
        return fault("division by zero");
    }
    overflow(a.checked_div(b))
}

fn rem_int(a: i64, b: i64) -> Result<i64> {
    if b == 0 {
        return fault("division by zero");
    }
    Ok(a.wrapping_rem(b))
}

fn shift(b: i64) -> Result<u32> {
    if (0..=63).contains(&b) {
        Ok(b as u32)
    } else {
        fault(format!("shift amount {b} out of range (0 to 63)"))
    }
}

impl Vm {
    /// Verifies `module`, resolves its natives against `registry`, and
    /// prepares to run its entry function.
    pub fn new(
        module: Module,
        registry: &NativeRegistry,
        config: VmConfig,
    ) -> std::result::Result<Vm, LoadError> {
        Ok(Vm::with_program(
            Arc::new(Program::load(module, registry)?),
            config,
        ))
    }

    /// A VM for an already loaded program, with one fiber about to run its
    /// entry function.
    pub fn with_program(program: Arc<Program>, config: VmConfig) -> Vm {
        let mut heap = Heap::new(config.gc);
        // Checked when the program first runs (see `run_fiber`).
        heap.hold_module(program.module().memory_bytes());
        let state = ModuleState::new(&program, &mut heap);
        let main = Fiber::new(&program, program.module().entry);
        let loaded = (heap.allocated_objects(), heap.allocated_bytes());
        Vm {
            loaded,
            program,
            heap,
            state,
            fibers: vec![main],
            config,
            executed: 0,
            charged: 0,
            rng: crate::random::Rng::default(),
        }
    }

    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    pub fn module(&self) -> &Module {
        self.program.module()
    }

    pub fn heap(&self) -> &Heap {
        &self.heap
    }

    /// The main fiber's call stack, outermost first (for reflection and
    /// debuggers).
    pub fn frames(&self) -> &[Frame] {
        self.fibers.first().map_or(&[], |f| &f.frames)
    }

    /// Fuel spent so far: instructions executed, and the work charged
    /// inside them.
    pub fn executed(&self) -> u64 {
        self.executed
    }

    /// Instructions executed so far (the fuel spent less the work charged
    /// inside them): what the profiler counts.
    pub fn instructions(&self) -> u64 {
        self.executed - self.charged
    }

    /// Objects the program has allocated so far, freed or not (those the
    /// module state made at load not counted).
    pub fn allocations(&self) -> u64 {
        self.heap.allocated_objects() - self.loaded.0
    }

    /// Bytes the program has allocated so far (objects and containers
    /// growing; the module state made at load not counted).
    pub fn allocated_bytes(&self) -> u64 {
        self.heap.allocated_bytes() - self.loaded.1
    }

    /// Adds a fiber that will run function `func` (of no arguments).
    pub fn spawn(&mut self, func: u32) -> Option<FiberId> {
        let f = self.program.module().functions.get(func as usize)?;
        if f.arity != 0 {
            return None;
        }
        self.fibers.push(Fiber::new(&self.program, func));
        Some(FiberId(self.fibers.len() - 1))
    }

    /// Runs the main fiber until the program ends.
    pub fn run_to_end(&mut self, host: &mut dyn Host) -> Outcome {
        self.run_to_end_observed(host, &mut NoHooks)
    }

    /// Runs the main fiber until the program ends, with `hooks` observing
    /// every instruction.
    pub fn run_to_end_observed<H: Hooks>(&mut self, host: &mut dyn Host, hooks: &mut H) -> Outcome {
        let outcome = loop {
            match self.run_fiber_observed(FiberId(0), host, 1 << 20, hooks) {
                Step::BudgetSpent => {
                    // Between slices, the host's limits (`--max-time`).
                    if let Err(message) = host.check_limits() {
                        let (trace, omitted) = trace_of(self.program.module(), self.frames());
                        break Outcome::Error(RuntimeError {
                            message,
                            trace,
                            omitted,
                        });
                    }
                }
                Step::Finished(_) => break Outcome::Finished,
                Step::Exit(code) => break Outcome::Exit(code),
                Step::Error(e) => break Outcome::Error(e),
            }
        };
        if H::ACTIVE {
            hooks.finish(self);
        }
        outcome
    }

    /// Runs the main fiber for about `budget` instructions.
    pub fn run(&mut self, host: &mut dyn Host, budget: u64) -> Step {
        self.run_fiber(FiberId(0), host, budget)
    }

    /// Runs fiber `id` for about `budget` instructions: it stops at the
    /// first backward jump or call after the budget is spent.
    pub fn run_fiber(&mut self, id: FiberId, host: &mut dyn Host, budget: u64) -> Step {
        self.run_fiber_observed(id, host, budget, &mut NoHooks)
    }

    /// [`Vm::run_fiber`] with `hooks` observing every instruction (the loop
    /// is compiled once per kind of hooks; [`NoHooks`] costs nothing).
    pub fn run_fiber_observed<H: Hooks>(
        &mut self,
        id: FiberId,
        host: &mut dyn Host,
        budget: u64,
        hooks: &mut H,
    ) -> Step {
        let Some(slot) = self.fibers.get_mut(id.0) else {
            return Step::Finished(Value::Unit);
        };
        if slot.is_done() {
            return Step::Finished(Value::Unit);
        }
        if !self.heap.fixed_bytes_fit() {
            let (trace, omitted) = trace_of(self.program.module(), &slot.frames);
            return Step::Error(RuntimeError {
                message: format!(
                    "out of memory: the loaded module ({} bytes) and the call stack exceed the heap limit of {} bytes (the `--max-heap` limit)",
                    self.heap.module_bytes(),
                    self.config.gc.max_heap.unwrap_or_default()
                ),
                trace,
                omitted,
            });
        }
        // Fuel is spent in slices: the slice never runs past what is left.
        let fuel_left = self.config.fuel.map(|f| f.saturating_sub(self.executed));
        let slice = fuel_left.map_or(budget, |left| budget.min(left));
        // The running fiber is taken out of the list, so that the others
        // stay reachable as roots while it runs.
        let mut fiber = std::mem::take(slot);
        let mut cx = Context {
            program: &self.program,
            heap: &mut self.heap,
            state: &self.state,
            others: &mut self.fibers,
            config: &self.config,
            executed: 0,
            charged: 0,
            fuel: self.config.fuel.zip(fuel_left),
            rng: &mut self.rng,
        };
        let result = execute(&mut cx, &mut fiber, host, slice, hooks);
        if H::ACTIVE {
            hooks.pause(cx.heap);
        }
        let spent = cx.executed;
        self.executed += spent;
        self.charged += cx.charged;
        let step = match result {
            Ok(Step::BudgetSpent) if fuel_left.is_some_and(|left| left <= budget) => {
                fault(format!(
                    "out of fuel: the program ran more than {} instructions (the `--fuel` limit)",
                    self.config.fuel.unwrap_or_default()
                ))
            }
            other => other,
        };
        let step = match step {
            Ok(step) => step,
            Err(Fault(message)) => {
                let (trace, omitted) = trace_of(self.program.module(), &fiber.frames);
                Step::Error(RuntimeError {
                    message,
                    trace,
                    omitted,
                })
            }
        };
        self.fibers[id.0] = fiber;
        step
    }
}

/// What the dispatch loop works on besides the running fiber.
struct Context<'a> {
    program: &'a Program,
    heap: &'a mut Heap,
    state: &'a ModuleState,
    /// Every fiber; the running one's slot is empty while it runs.
    others: &'a mut [Fiber],
    config: &'a VmConfig,
    /// Fuel spent in this slice: instructions, and work charged.
    executed: u64,
    /// The work charged in this slice (a part of `executed`).
    charged: u64,
    /// The `--fuel` limit and what was left of it when the slice began.
    fuel: Option<(u64, u64)>,
    /// The VM's random generator (`rand*` instructions and natives).
    rng: &'a mut crate::random::Rng,
}

impl Context<'_> {
    /// The fuel limit and what is left of it after `spent` more
    /// instructions of this slice (for a native's [`Meter`]).
    fn fuel_now(&self, spent: u64) -> Option<(u64, u64)> {
        self.fuel
            .map(|(limit, left)| (limit, left.saturating_sub(self.executed + spent)))
    }

    /// A safe point: collects with every live register of every fiber and
    /// the module state as roots.
    fn collect_garbage(&mut self, regs: &mut [Value], frames: &[Frame]) -> Result<()> {
        let program = self.program;
        let mut roots: Vec<Value> = crate::fiber::live_roots(program, regs, frames).to_vec();
        for other in self.others.iter_mut() {
            roots.extend_from_slice(other.roots(program));
        }
        roots.extend(self.state.roots());
        let fits = self.heap.collect(roots.iter().copied());
        if self.config.gc.stress {
            if let Err(broken) = self.heap.check_invariants(&roots) {
                return fault(format!(
                    "internal error: a heap invariant is broken: {broken}"
                ));
            }
        }
        if fits {
            Ok(())
        } else {
            let limit = self.config.gc.max_heap.unwrap_or_default();
            fault(format!(
                "out of memory: live data ({} bytes), the call stack and the module ({} bytes) exceed the heap limit of {limit} bytes (the `--max-heap` limit)",
                self.heap.stats.live_bytes,
                self.heap.fixed_bytes()
            ))
        }
    }
}

/// Runs `fiber` for about `budget` instructions (see the module docs).
/// The top frame's `pc` is exact whenever this returns.
fn execute<H: Hooks>(
    cx: &mut Context<'_>,
    fiber: &mut Fiber,
    host: &mut dyn Host,
    budget: u64,
    hooks: &mut H,
) -> Result<Step> {
    let Some(top) = fiber.frames.last().copied() else {
        return Ok(Step::Finished(Value::Unit));
    };
    let mut func = top.func as usize;
    let mut pc = top.pc as usize;
    let result = dispatch(cx, fiber, host, budget, &mut func, &mut pc, hooks);
    if let Some(fr) = fiber.frames.last_mut() {
        fr.pc = pc as u32;
    }
    result
}

/// The dispatch loop proper; `pc_out` is where the top frame stands when it
/// returns. `hooks` sees every instruction before it runs (nothing at all
/// with [`NoHooks`]: the loop is monomorphised per kind of hooks).
fn dispatch<H: Hooks>(
    cx: &mut Context<'_>,
    fiber: &mut Fiber,
    host: &mut dyn Host,
    budget: u64,
    func_io: &mut usize,
    pc_io: &mut usize,
    hooks: &mut H,
) -> Result<Step> {
    let program = cx.program;
    let state = cx.state;
    let max_frames = cx.config.max_frames;
    let mut func = *func_io;
    let mut code = program.code(func);
    let mut pc = *pc_io;
    let mut base = fiber.frames.last().map_or(0, |f| f.base as usize);
    let Fiber { regs, frames } = fiber;
    // The current frame's registers: the register file from its base.
    let mut w: &mut [Value] = &mut regs[base..];
    // The first instruction of the straight-line run being executed: the
    // instruction count grows by `pc - seg` at every transfer of control.
    let mut seg = pc;
    let mut executed: u64 = 0;
    macro_rules! r {
        ($reg:expr) => {
            (*proved::reg(w, $reg.0))
        };
    }
    // Ends the current straight-line run (the instruction just executed
    // included) and starts one at `$to`.
    macro_rules! transfer {
        ($to:expr) => {{
            executed += (pc - seg) as u64;
            pc = $to;
            seg = pc;
        }};
    }
    // Leaves the loop with the count and position made exact.
    macro_rules! leave {
        ($result:expr) => {{
            executed += (pc - seg) as u64;
            cx.executed += executed;
            *func_io = func;
            *pc_io = pc;
            return $result;
        }};
    }
    macro_rules! fail {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => leave!(Err(e)),
            }
        };
    }
    // The one "wants attention" test, before backward jumps and calls: the
    // instruction then runs first when the fiber resumes. A slice always
    // runs at least one instruction, so any budget makes progress.
    macro_rules! attention {
        (before) => {
            let done = executed + (pc - 1 - seg) as u64;
            if done >= budget && done > 0 {
                pc -= 1;
                if H::ACTIVE {
                    hooks.retract(func, pc);
                }
                leave!(Ok(Step::BudgetSpent));
            }
        };
    }
    // A taken jump: a backward one first asks for attention.
    macro_rules! jump {
        ($target:expr) => {{
            let t = $target.0 as usize;
            if t < pc {
                attention!(before);
            }
            transfer!(t);
        }};
    }
    // A point after an allocation: collect if the heap asks for it.
    macro_rules! safe_point {
        () => {
            if cx.heap.wants_collection() {
                if let Some(fr) = frames.last_mut() {
                    fr.pc = pc as u32;
                }
                let heap_ok = cx.collect_garbage(regs, frames);
                w = &mut regs[base..];
                fail!(heap_ok);
            }
        };
    }
    // Work that grows with the operands (natives, concatenation, `tostr`)
    // is charged before it is done (see `native`): `$body` runs with a
    // fresh `Meter` `$m`, and once more after a collection if its memory
    // fits only then; the fuel it charged is counted. The value is the
    // body's result with `Collect` settled.
    macro_rules! metered {
        (|$m:ident| $body:expr) => {{
            let mut collected = false;
            loop {
                #[allow(unused_mut)]
                let mut $m = Meter::new(cx.fuel_now(executed + (pc - seg) as u64), collected);
                let result: std::result::Result<_, NativeError> = $body;
                executed += $m.spent();
                cx.charged += $m.spent();
                if !matches!(result, Err(NativeError::Collect)) || collected {
                    break result;
                }
                collected = true;
                if let Some(fr) = frames.last_mut() {
                    fr.pc = pc as u32;
                }
                fail!(cx.collect_garbage(regs, frames));
                w = &mut regs[base..];
            }
        }};
    }
    // The value of a metered instruction's work, or its runtime error.
    macro_rules! charged {
        ($result:expr) => {
            match $result {
                Ok(v) => v,
                Err(NativeError::Error(message)) => leave!(Err(Fault(message))),
                Err(_) => leave!(fault(OUT_OF_MEMORY)),
            }
        };
    }
    // Pushes a frame for `callee` whose window starts at caller register
    // `args`, and switches to it.
    macro_rules! enter {
        ($callee:expr, $args:expr, $dst:expr) => {{
            if frames.len() >= max_frames {
                leave!(fault("stack overflow"));
            }
            if let Some(fr) = frames.last_mut() {
                fr.pc = pc as u32;
            }
            executed += (pc - seg) as u64;
            let callee = $callee as usize;
            let new_base = base + $args.0 as usize;
            let need = new_base + program.n_regs(callee);
            if regs.len() < need || frames.len() == frames.capacity() {
                // The stacks grow (rarely): they count against `--max-heap`.
                let (regs_had, frames_had) = (regs.capacity(), frames.capacity());
                if regs.len() < need {
                    regs.resize(need, Value::Unit);
                }
                frames.reserve(1);
                let grown = (regs.capacity() - regs_had) * std::mem::size_of::<Value>()
                    + (frames.capacity() - frames_had) * std::mem::size_of::<Frame>();
                if grown > 0 && !cx.heap.grow_stacks(grown) {
                    leave!(fault(format!(
                        "out of memory: the call stack ({} bytes, {} frames) and live data exceed the heap limit of {} bytes (the `--max-heap` limit)",
                        cx.heap.stack_bytes(),
                        frames.len(),
                        cx.config.gc.max_heap.unwrap_or_default()
                    )));
                }
            }
            frames.push(Frame {
                func: callee as u32,
                pc: 0,
                base: new_base as u32,
                ret: $dst.0,
            });
            func = callee;
            code = program.code(func);
            base = new_base;
            w = &mut regs[base..];
            pc = 0;
            seg = 0;
            if H::ACTIVE {
                hooks.call(func);
            }
        }};
    }
    // Field `$index` of the tuple, struct or variant in `$obj` (what the
    // `getfield` family reads).
    macro_rules! field {
        ($obj:expr, $index:expr) => {
            match cx.heap.object(r!($obj)) {
                Some(
                    Object::Tuple(xs)
                    | Object::Struct { fields: xs, .. }
                    | Object::Variant { fields: xs, .. },
                ) if (($index.0 as usize) < xs.len()) => xs[$index.0 as usize],
                _ => leave!(fault(format!(
                    "`getfield` cannot read field {} here",
                    $index.0
                ))),
            }
        };
    }
    // Element `$idx` of the array in `$arr` (what the `getidx` family reads).
    macro_rules! element {
        ($arr:expr, $idx:expr) => {{
            let i = proved::int(r!($idx));
            match cx.heap.object(r!($arr)) {
                Some(Object::Array(xs)) => match usize::try_from(i).ok().and_then(|i| xs.get(i)) {
                    Some(v) => *v,
                    None => leave!(fault(format!(
                        "index out of bounds: the index is {i} but the length is {}",
                        xs.len()
                    ))),
                },
                _ => leave!(fault("`getidx` expects an array")),
            }
        }};
    }
    loop {
        let op = proved::op(code, pc);
        if H::ACTIVE {
            hooks.step(func, pc, op, frames, cx.heap);
        }
        pc += 1;
        match *op {
            Op::Nop {} => {}
            Op::Mov { dst, src } => r!(dst) = r!(src),
            Op::LoadInt { dst, imm } => r!(dst) = Value::Int(imm.0 as i64),
            Op::LoadConst { dst, k } => r!(dst) = state.constants[k.0 as usize],
            Op::LoadTrue { dst } => r!(dst) = Value::Bool(true),
            Op::LoadFalse { dst } => r!(dst) = Value::Bool(false),
            Op::LoadUnit { dst } => r!(dst) = Value::Unit,
            Op::LoadFn { dst, func } => r!(dst) = Value::Fn(func.0),
            Op::AsInt { dst, src } => r!(dst) = Value::Int(fail!(int(r!(src), "asi"))),
            Op::AsFloat { dst, src } => r!(dst) = Value::Float(fail!(float(r!(src), "asf"))),
            Op::AsBool { dst, src } => r!(dst) = Value::Bool(fail!(boolean(r!(src), "asb"))),

            Op::AddInt { dst, a, b } => {
                r!(dst) = Value::Int(fail!(overflow(
                    proved::int(r!(a)).checked_add(proved::int(r!(b))),
                )))
            }
            Op::SubInt { dst, a, b } => {
                r!(dst) = Value::Int(fail!(overflow(
                    proved::int(r!(a)).checked_sub(proved::int(r!(b))),
                )))
            }
            Op::MulInt { dst, a, b } => {
                r!(dst) = Value::Int(fail!(overflow(
                    proved::int(r!(a)).checked_mul(proved::int(r!(b))),
                )))
            }
            Op::DivInt { dst, a, b } => {
                r!(dst) = Value::Int(fail!(div_int(proved::int(r!(a)), proved::int(r!(b)))))
            }
            Op::RemInt { dst, a, b } => {
                r!(dst) = Value::Int(fail!(rem_int(proved::int(r!(a)), proved::int(r!(b)))))
            }
            Op::NegInt { dst, src } => {
                r!(dst) = Value::Int(fail!(overflow(proved::int(r!(src)).checked_neg())))
            }
            Op::BitAnd { dst, a, b } => {
                r!(dst) = Value::Int(proved::int(r!(a)) & proved::int(r!(b)))
            }
            Op::BitOr { dst, a, b } => {
                r!(dst) = Value::Int(proved::int(r!(a)) | proved::int(r!(b)))
            }
            Op::BitXor { dst, a, b } => {
                r!(dst) = Value::Int(proved::int(r!(a)) ^ proved::int(r!(b)))
            }
            Op::Shl { dst, a, b } => {
                r!(dst) =
                    Value::Int(proved::int(r!(a)).wrapping_shl(fail!(shift(proved::int(r!(b))))))
            }
            Op::Shr { dst, a, b } => {
                r!(dst) =
                    Value::Int(proved::int(r!(a)).wrapping_shr(fail!(shift(proved::int(r!(b))))))
            }

            Op::AddIntImm { dst, a, imm } => {
                r!(dst) = Value::Int(fail!(overflow(
                    proved::int(r!(a)).checked_add(imm.0 as i64)
                )))
            }
            Op::EqIntImm { dst, a, imm } => {
                r!(dst) = Value::Bool(proved::int(r!(a)) == imm.0 as i64)
            }
            Op::LtIntImm { dst, a, imm } => {
                r!(dst) = Value::Bool(proved::int(r!(a)) < imm.0 as i64)
            }
            Op::LeIntImm { dst, a, imm } => {
                r!(dst) = Value::Bool(proved::int(r!(a)) <= imm.0 as i64)
            }
            Op::GtIntImm { dst, a, imm } => {
                r!(dst) = Value::Bool(proved::int(r!(a)) > imm.0 as i64)
            }
            Op::GeIntImm { dst, a, imm } => {
                r!(dst) = Value::Bool(proved::int(r!(a)) >= imm.0 as i64)
            }

            Op::AddFloat { dst, a, b } => {
                r!(dst) = Value::Float(proved::float(r!(a)) + proved::float(r!(b)))
            }
            Op::SubFloat { dst, a, b } => {
                r!(dst) = Value::Float(proved::float(r!(a)) - proved::float(r!(b)))
            }
            Op::MulFloat { dst, a, b } => {
                r!(dst) = Value::Float(proved::float(r!(a)) * proved::float(r!(b)))
            }
            Op::DivFloat { dst, a, b } => {
                r!(dst) = Value::Float(proved::float(r!(a)) / proved::float(r!(b)))
            }
            Op::RemFloat { dst, a, b } => {
                r!(dst) = Value::Float(proved::float(r!(a)) % proved::float(r!(b)))
            }
            Op::NegFloat { dst, src } => r!(dst) = Value::Float(-proved::float(r!(src))),

            Op::Concat { dst, a, b } => {
                let (x, y) = (r!(a), r!(b));
                let joined = charged!(metered!(|m| concat(
                    cx.heap,
                    &mut m,
                    x,
                    y,
                    "`concat` expects two Strings"
                )));
                r!(dst) = cx.heap.alloc_str(&joined);
                safe_point!();
            }
            Op::ToStr { dst, src } => {
                let v = r!(src);
                if cx.heap.str(v).is_some() {
                    r!(dst) = v;
                } else {
                    let text = charged!(metered!(|m| m.display(cx.heap, program.module(), v)));
                    r!(dst) = cx.heap.alloc_str(&text);
                    safe_point!();
                }
            }

            Op::EqInt { dst, a, b } => {
                r!(dst) = Value::Bool(proved::int(r!(a)) == proved::int(r!(b)))
            }
            Op::LtInt { dst, a, b } => {
                r!(dst) = Value::Bool(proved::int(r!(a)) < proved::int(r!(b)))
            }
            Op::LeInt { dst, a, b } => {
                r!(dst) = Value::Bool(proved::int(r!(a)) <= proved::int(r!(b)))
            }
            Op::EqFloat { dst, a, b } => {
                r!(dst) = Value::Bool(proved::float(r!(a)) == proved::float(r!(b)))
            }
            Op::LtFloat { dst, a, b } => {
                r!(dst) = Value::Bool(proved::float(r!(a)) < proved::float(r!(b)))
            }
            Op::LeFloat { dst, a, b } => {
                r!(dst) = Value::Bool(proved::float(r!(a)) <= proved::float(r!(b)))
            }
            Op::LtStr { dst, a, b } | Op::LeStr { dst, a, b } => {
                let less = matches!(op, Op::LtStr { .. });
                let r = match (cx.heap.str(r!(a)), cx.heap.str(r!(b))) {
                    (Some(x), Some(y)) => {
                        // Bounded by the strings: counted after.
                        executed += x.len().min(y.len()) as u64 / crate::native::BYTES_PER_FUEL;
                        if less {
                            x < y
                        } else {
                            x <= y
                        }
                    }
                    _ => leave!(fault("string comparison expects two Strings")),
                };
                r!(dst) = Value::Bool(r);
            }
            Op::Eq { dst, a, b } | Op::Ne { dst, a, b } => {
                // Charged by the pairs compared, stopped where fuel ends.
                let (x, y) = (r!(a), r!(b));
                let same = if matches!((x, y), (Value::Obj(_), Value::Obj(_))) {
                    charged!(metered!(|m| equal(cx.heap, &mut m, x, y)))
                } else {
                    // Not two objects: one step, nothing to charge.
                    cx.heap.equal(x, y)
                };
                r!(dst) = Value::Bool(same == matches!(op, Op::Eq { .. }));
            }
            Op::Not { dst, src } => r!(dst) = Value::Bool(!proved::boolean(r!(src))),

            Op::Add { dst, a, b } => {
                r!(dst) = match (r!(a), r!(b)) {
                    (Value::Int(x), Value::Int(y)) => Value::Int(fail!(overflow(x.checked_add(y)))),
                    (Value::Float(x), Value::Float(y)) => Value::Float(x + y),
                    (x, y) => {
                        let s = charged!(metered!(|m| concat(
                            cx.heap,
                            &mut m,
                            x,
                            y,
                            "`+` expects two Ints, two Floats or two Strings"
                        )));
                        cx.heap.alloc_str(&s)
                    }
                };
                safe_point!();
            }
            Op::Sub { dst, a, b }
            | Op::Mul { dst, a, b }
            | Op::Div { dst, a, b }
            | Op::Rem { dst, a, b } => {
                r!(dst) = match (r!(a), r!(b)) {
                    (Value::Int(x), Value::Int(y)) => Value::Int(match op {
                        Op::Sub { .. } => fail!(overflow(x.checked_sub(y))),
                        Op::Mul { .. } => fail!(overflow(x.checked_mul(y))),
                        Op::Div { .. } => fail!(div_int(x, y)),
                        _ => fail!(rem_int(x, y)),
                    }),
                    (Value::Float(x), Value::Float(y)) => Value::Float(match op {
                        Op::Sub { .. } => x - y,
                        Op::Mul { .. } => x * y,
                        Op::Div { .. } => x / y,
                        _ => x % y,
                    }),
                    _ => {
                        leave!(fault(format!(
                            "`{}` expects two Ints or two Floats",
                            op.mnemonic()
                        )))
                    }
                }
            }
            Op::Neg { dst, src } => {
                r!(dst) = match r!(src) {
                    Value::Int(x) => Value::Int(fail!(overflow(x.checked_neg()))),
                    Value::Float(x) => Value::Float(-x),
                    _ => leave!(fault("`neg` expects an Int or a Float")),
                }
            }
            Op::Lt { dst, a, b } | Op::Le { dst, a, b } => {
                let ord = fail!(compare(cx.heap, r!(a), r!(b)));
                if let (Some(x), Some(y)) = (cx.heap.str(r!(a)), cx.heap.str(r!(b))) {
                    // Bounded by the strings: counted after.
                    executed += x.len().min(y.len()) as u64 / crate::native::BYTES_PER_FUEL;
                }
                r!(dst) = Value::Bool(if matches!(op, Op::Lt { .. }) {
                    ord.is_lt()
                } else {
                    ord.is_le()
                });
            }

            Op::Jmp { target } => jump!(target),
            Op::JmpIf { cond, target } => {
                if proved::boolean(r!(cond)) {
                    jump!(target);
                }
            }
            Op::JmpIfNot { cond, target } => {
                if !proved::boolean(r!(cond)) {
                    jump!(target);
                }
            }
            Op::JmpLtInt { a, b, target } => {
                let (x, y) = (proved::int(r!(a)), proved::int(r!(b)));
                if x < y {
                    jump!(target);
                }
            }
            Op::JmpLeInt { a, b, target } => {
                let (x, y) = (proved::int(r!(a)), proved::int(r!(b)));
                if x <= y {
                    jump!(target);
                }
            }
            Op::JmpEqInt { a, b, target } => {
                let (x, y) = (proved::int(r!(a)), proved::int(r!(b)));
                if x == y {
                    jump!(target);
                }
            }
            Op::JmpNeInt { a, b, target } => {
                let (x, y) = (proved::int(r!(a)), proved::int(r!(b)));
                if x != y {
                    jump!(target);
                }
            }
            Op::JmpLtIntImm { a, imm, target } => {
                let (x, y) = (proved::int(r!(a)), imm.0 as i64);
                if x < y {
                    jump!(target);
                }
            }
            Op::JmpLeIntImm { a, imm, target } => {
                let (x, y) = (proved::int(r!(a)), imm.0 as i64);
                if x <= y {
                    jump!(target);
                }
            }
            Op::JmpGtIntImm { a, imm, target } => {
                let (x, y) = (proved::int(r!(a)), imm.0 as i64);
                if x > y {
                    jump!(target);
                }
            }
            Op::JmpGeIntImm { a, imm, target } => {
                let (x, y) = (proved::int(r!(a)), imm.0 as i64);
                if x >= y {
                    jump!(target);
                }
            }
            Op::JmpEqIntImm { a, imm, target } => {
                let (x, y) = (proved::int(r!(a)), imm.0 as i64);
                if x == y {
                    jump!(target);
                }
            }
            Op::JmpNeIntImm { a, imm, target } => {
                let (x, y) = (proved::int(r!(a)), imm.0 as i64);
                if x != y {
                    jump!(target);
                }
            }

            Op::Call {
                dst,
                func: callee,
                args,
                argc: _,
            } => {
                attention!(before);
                enter!(callee.0, args, dst);
            }
            Op::CallValue {
                dst,
                callee,
                args,
                argc,
            } => {
                attention!(before);
                let target = match r!(callee) {
                    Value::Fn(f) => f,
                    v => match cx.heap.object(v) {
                        Some(Object::Closure { func, .. }) => *func,
                        _ => leave!(fault(format!(
                            "called a value that is not a function ({})",
                            v.kind()
                        ))),
                    },
                };
                let closure = r!(callee);
                let n_captures = match cx.heap.object(closure) {
                    Some(Object::Closure { captures, .. }) => captures.len(),
                    _ => 0,
                };
                if program.arity(target as usize) != n_captures + argc.0 as usize {
                    leave!(fault(
                        "called a function with the wrong number of arguments"
                    ));
                }
                let passed = &w[args.0 as usize..args.0 as usize + argc.0 as usize];
                if let Some((i, t)) = program.wrong_argument(target as usize, passed) {
                    leave!(fault(format!(
                        "called `{}` with {} for its parameter {} of type {}",
                        program.module().functions[target as usize].name,
                        passed[i].kind(),
                        i + 1,
                        t.name()
                    )));
                }
                enter!(target, args, dst);
                // A closure's captured values follow its arguments.
                if let Some(Object::Closure { captures, .. }) = cx.heap.object(closure) {
                    let at = argc.0 as usize;
                    w[at..at + captures.len()].copy_from_slice(captures);
                }
            }
            Op::CallNative {
                dst,
                native,
                args,
                argc,
            } => {
                if let Some(fr) = frames.last_mut() {
                    fr.pc = pc as u32;
                }
                if H::ACTIVE {
                    hooks.native(native.0 as usize);
                }
                let f = program.native(native.0 as usize);
                let start = args.0 as usize;
                let mut kept = None;
                let result = metered!(|m| {
                    let mut ctx = NativeCtx {
                        heap: cx.heap,
                        host,
                        program,
                        variants: &state.variants,
                        frames,
                        regs: w,
                        meter: m,
                        rng: cx.rng,
                        kept: &mut kept,
                    };
                    let result = f(&mut ctx, &w[start..start + argc.0 as usize]);
                    m = ctx.meter;
                    result
                });
                match result {
                    Ok(v) => r!(dst) = v,
                    Err(NativeError::Exit(code)) => leave!(Ok(Step::Exit(code))),
                    Err(NativeError::Error(message)) => leave!(Err(Fault(message))),
                    Err(NativeError::Collect) => leave!(fault(OUT_OF_MEMORY)),
                }
                safe_point!();
            }
            Op::Unreachable {} => {
                leave!(fault(
                    "internal error: code the compiler proved unreachable was reached"
                ))
            }
            Op::Ret { src } => {
                let value = r!(src);
                let done = frames.pop();
                let (Some(done), Some(caller)) = (done, frames.last().copied()) else {
                    leave!(Ok(Step::Finished(value)));
                };
                executed += (pc - seg) as u64;
                func = caller.func as usize;
                code = program.code(func);
                pc = caller.pc as usize;
                seg = pc;
                base = caller.base as usize;
                w = &mut regs[base..];
                r!(mvm_bytecode::ops::Reg(done.ret)) = value;
            }
            Op::MakeClosure {
                dst,
                func: f,
                start,
                count,
            } => {
                let s = start.0 as usize;
                let captures: Box<[Value]> = w[s..s + count.0 as usize].into();
                r!(dst) = cx.heap.alloc(Object::Closure {
                    func: f.0,
                    captures,
                });
                safe_point!();
            }

            Op::NewArray { dst, start, count } => {
                let s = start.0 as usize;
                let items = w[s..s + count.0 as usize].to_vec();
                r!(dst) = cx.heap.alloc(Object::Array(items));
                safe_point!();
            }
            Op::NewTuple { dst, start, count } => {
                let s = start.0 as usize;
                let items: Box<[Value]> = w[s..s + count.0 as usize].into();
                r!(dst) = cx.heap.alloc(Object::Tuple(items));
                safe_point!();
            }
            Op::NewStruct {
                dst,
                ty,
                start,
                count,
            } => {
                let s = start.0 as usize;
                let fields: Box<[Value]> = w[s..s + count.0 as usize].into();
                r!(dst) = cx.heap.alloc(Object::Struct { ty: ty.0, fields });
                safe_point!();
            }
            Op::NewVariant {
                dst,
                ty,
                variant,
                start,
                count,
            } => {
                r!(dst) = if count.0 == 0 {
                    // Values without payload are immutable: one object
                    // per variant serves every use (`None`, `Leaf`).
                    state.variants[program.variant_slot(ty.0, variant.0 as u32)]
                } else {
                    let s = start.0 as usize;
                    let fields: Box<[Value]> = w[s..s + count.0 as usize].into();
                    cx.heap.alloc(Object::Variant {
                        ty: ty.0,
                        variant: variant.0 as u32,
                        fields,
                    })
                };
                safe_point!();
            }
            Op::GetField { dst, obj, index } => r!(dst) = field!(obj, index),
            Op::GetFieldInt { dst, obj, index } => {
                r!(dst) = Value::Int(fail!(int(field!(obj, index), "getfieldi")))
            }
            Op::GetFieldFloat { dst, obj, index } => {
                r!(dst) = Value::Float(fail!(float(field!(obj, index), "getfieldf")))
            }
            Op::GetFieldBool { dst, obj, index } => {
                r!(dst) = Value::Bool(fail!(boolean(field!(obj, index), "getfieldb")))
            }
            Op::SetField {
                dst,
                obj,
                index,
                src,
            } => {
                let value = r!(src);
                let i = index.0 as usize;
                // The copy is built field by field (not through `Object`'s
                // clone), its one allocation the boxed fields.
                let copy = match cx.heap.object(r!(obj)) {
                    Some(Object::Tuple(xs)) if i < xs.len() => {
                        let mut xs = xs.clone();
                        xs[i] = value;
                        Object::Tuple(xs)
                    }
                    Some(Object::Struct { ty, fields }) if i < fields.len() => {
                        let mut fields = fields.clone();
                        fields[i] = value;
                        Object::Struct { ty: *ty, fields }
                    }
                    Some(Object::Tuple(_) | Object::Struct { .. }) => leave!(fault(format!(
                        "`setfield` cannot write field {} here",
                        index.0
                    ))),
                    _ => leave!(fault("`setfield` expects a tuple or a struct")),
                };
                r!(dst) = cx.heap.alloc(copy);
                safe_point!();
            }
            Op::UpdateField {
                dst,
                obj,
                index,
                src,
            } => {
                let value = r!(src);
                let target = r!(obj);
                let slot = match target {
                    Value::Obj(o) => match cx.heap.get_mut(o) {
                        Some(Object::Tuple(xs) | Object::Struct { fields: xs, .. }) => {
                            xs.get_mut(index.0 as usize)
                        }
                        _ => leave!(fault("`updfield` expects a tuple or a struct")),
                    },
                    _ => leave!(fault("`updfield` expects a tuple or a struct")),
                };
                match slot {
                    Some(s) => *s = value,
                    None => leave!(fault(format!(
                        "`updfield` cannot write field {} here",
                        index.0
                    ))),
                }
                r!(dst) = target;
            }
            Op::JmpVariant {
                obj,
                variant,
                target,
            } => {
                let is = match cx.heap.object(r!(obj)) {
                    Some(Object::Variant { variant: v, .. }) => *v == variant.0 as u32,
                    _ => leave!(fault("`jvar` expects an enum value")),
                };
                if is {
                    jump!(target);
                }
            }
            Op::JmpNotVariant {
                obj,
                variant,
                target,
            } => {
                let is = match cx.heap.object(r!(obj)) {
                    Some(Object::Variant { variant: v, .. }) => *v == variant.0 as u32,
                    _ => leave!(fault("`jnvar` expects an enum value")),
                };
                if !is {
                    jump!(target);
                }
            }
            Op::VariantIs { dst, obj, variant } => {
                let is = match cx.heap.object(r!(obj)) {
                    Some(Object::Variant { variant: v, .. }) => *v == variant.0 as u32,
                    _ => leave!(fault("`isvar` expects an enum value")),
                };
                r!(dst) = Value::Bool(is);
            }
            Op::GetIndex { dst, arr, idx } => r!(dst) = element!(arr, idx),
            Op::GetIndexInt { dst, arr, idx } => {
                r!(dst) = Value::Int(fail!(int(element!(arr, idx), "getidxi")))
            }
            Op::GetIndexFloat { dst, arr, idx } => {
                r!(dst) = Value::Float(fail!(float(element!(arr, idx), "getidxf")))
            }
            Op::GetIndexBool { dst, arr, idx } => {
                r!(dst) = Value::Bool(fail!(boolean(element!(arr, idx), "getidxb")))
            }
            Op::SetIndex { arr, idx, src } => {
                let i = proved::int(r!(idx));
                let value = r!(src);
                let target = r!(arr);
                match target {
                    Value::Obj(o) => {
                        match cx.heap.get_mut(o) {
                            Some(Object::Array(xs)) => {
                                let len = xs.len();
                                match usize::try_from(i).ok().and_then(|i| xs.get_mut(i)) {
                                    Some(slot) => *slot = value,
                                    None => leave!(fault(format!("index out of bounds: the index is {i} but the length is {len}"))),
                                }
                            }
                            _ => leave!(fault("`setidx` expects an array")),
                        }
                    }
                    _ => leave!(fault("`setidx` expects an array")),
                }
            }
            Op::Len { dst, src } => {
                let n = match cx.heap.object(r!(src)) {
                    Some(Object::Array(xs)) => xs.len(),
                    _ => leave!(fault("`len` expects an array")),
                };
                r!(dst) = Value::Int(n as i64);
            }
            Op::Push { arr, src } => {
                let v = r!(src);
                // What the array's buffer grew by, as the heap sizes it.
                let grown = match r!(arr) {
                    Value::Obj(o) => match cx.heap.get_mut(o) {
                        Some(Object::Array(xs)) => {
                            let had = xs.capacity();
                            xs.push(v);
                            xs.capacity() - had
                        }
                        _ => leave!(fault("`push` expects an array")),
                    },
                    _ => leave!(fault("`push` expects an array")),
                };
                cx.heap.account(grown * std::mem::size_of::<Value>());
                safe_point!();
            }
            Op::MapGet { dst, map, key } => {
                let (m, k) = (r!(map), r!(key));
                let v = charged!(metered!(|m2| crate::maps::get(
                    cx.heap,
                    &mut m2,
                    program,
                    &state.variants,
                    m,
                    k
                )));
                r!(dst) = v;
                safe_point!();
            }
            Op::MapInsert { dst, map, key, src } => {
                let (m, k, v) = (r!(map), r!(key), r!(src));
                let old = match (k, cx.fuel, cx.heap.config.max_heap) {
                    (Value::Int(i), None, None) => {
                        // No limit to check: the charge `insert` would make
                        // (one key part), counted here, as `mapfind` does.
                        let fuel = crate::maps::KEY_PART.fuel();
                        executed += fuel;
                        cx.charged += fuel;
                        charged!(crate::maps::insert_int(
                            cx.heap,
                            program,
                            &state.variants,
                            m,
                            i,
                            v
                        ))
                    }
                    _ => charged!(metered!(|m2| crate::maps::insert(
                        cx.heap,
                        &mut m2,
                        program,
                        &state.variants,
                        m,
                        k,
                        v
                    ))),
                };
                r!(dst) = old;
                safe_point!();
            }
            Op::MapFind {
                dst,
                map,
                key,
                miss,
            } => {
                let (m, k) = (r!(map), r!(key));
                let found = match (k, cx.fuel, cx.heap.config.max_heap) {
                    (Value::Int(i), None, None) => {
                        // No limit to check: the charge `find` would make
                        // (one key part), counted here.
                        let fuel = crate::maps::KEY_PART.fuel();
                        executed += fuel;
                        cx.charged += fuel;
                        charged!(crate::maps::find_int(cx.heap, m, i))
                    }
                    _ => charged!(metered!(|m2| crate::maps::find(cx.heap, &mut m2, m, k))),
                };
                match found {
                    Some(v) => r!(dst) = v,
                    None => {
                        r!(dst) = Value::Unit;
                        jump!(miss);
                    }
                }
            }
            Op::MapFindInt {
                dst,
                map,
                key,
                miss,
            } => {
                let (m, k) = (r!(map), r!(key));
                let found = match (k, cx.fuel, cx.heap.config.max_heap) {
                    (Value::Int(i), None, None) => {
                        // As `mapfind`.
                        let fuel = crate::maps::KEY_PART.fuel();
                        executed += fuel;
                        cx.charged += fuel;
                        charged!(crate::maps::find_int(cx.heap, m, i))
                    }
                    _ => charged!(metered!(|m2| crate::maps::find(cx.heap, &mut m2, m, k))),
                };
                match found {
                    Some(v) => r!(dst) = Value::Int(fail!(int(v, "mapfindi"))),
                    None => {
                        r!(dst) = Value::Int(0);
                        jump!(miss);
                    }
                }
            }
            Op::MapHas { dst, map, key } => {
                let (m, k) = (r!(map), r!(key));
                let has = charged!(metered!(|m2| crate::maps::contains(cx.heap, &mut m2, m, k)));
                r!(dst) = Value::Bool(has);
            }
            Op::SqrtFloat { dst, src } => r!(dst) = Value::Float(proved::float(r!(src)).sqrt()),
            Op::AbsFloat { dst, src } => r!(dst) = Value::Float(proved::float(r!(src)).abs()),
            Op::IntToFloat { dst, src } => r!(dst) = Value::Float(proved::int(r!(src)) as f64),
            Op::AbsInt { dst, src } => {
                r!(dst) = Value::Int(fail!(overflow(proved::int(r!(src)).checked_abs())))
            }
            Op::NewCell { dst, src } => {
                let v = r!(src);
                r!(dst) = cx.heap.alloc(Object::Cell(v));
                safe_point!();
            }
            Op::GetCell { dst, cell } => {
                let v = match cx.heap.object(r!(cell)) {
                    Some(Object::Cell(v)) => *v,
                    _ => leave!(fault("`getcell` expects a cell")),
                };
                r!(dst) = v;
            }
            Op::RandInt { dst, lo, hi } => {
                let (lo, hi) = (proved::int(r!(lo)), proved::int(r!(hi)));
                r!(dst) = Value::Int(fail!(cx.rng.int(lo, hi, host).map_err(Fault)));
            }
            Op::RandFloat { dst } => {
                r!(dst) = Value::Float(fail!(cx.rng.float(host).map_err(Fault)));
            }
            Op::RandSeed { src } => cx.rng.seed(proved::int(r!(src)) as u64),
            Op::SetCell { cell, src } => {
                let v = r!(src);
                match r!(cell) {
                    Value::Obj(o) => match cx.heap.get_mut(o) {
                        Some(Object::Cell(slot)) => *slot = v,
                        _ => leave!(fault("`setcell` expects a cell")),
                    },
                    _ => leave!(fault("`setcell` expects a cell")),
                }
            }
        }
    }
}

/// The order of two Ints, Floats or Strings; `None` for anything else. NaN
/// compares as unordered (every comparison with it is false).
pub fn compare_values(heap: &Heap, a: Value, b: Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(&y)),
        (Value::Float(x), Value::Float(y)) => {
            Some(x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Greater))
        }
        _ => match (heap.str(a), heap.str(b)) {
            (Some(x), Some(y)) => Some(x.cmp(y)),
            _ => None,
        },
    }
}

/// Orders two Ints, Floats or Strings (generic `<` and `<=`).
fn compare(heap: &Heap, a: Value, b: Value) -> Result<std::cmp::Ordering> {
    match compare_values(heap, a, b) {
        Some(o) => Ok(o),
        None => fault("`<` expects two Ints, two Floats or two Strings"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::CaptureHost;
    use mvm_bytecode::ops::{Count, Func, Imm, Label, Reg};
    use mvm_bytecode::Function;

    fn module(functions: Vec<Function>) -> Module {
        Module {
            functions,
            files: vec!["t.mvl".into()],
            ..Module::default()
        }
    }

    fn function(name: &str, arity: u16, n_regs: u16, code: Vec<Op>) -> Function {
        Function {
            name: name.into(),
            arity,
            params: vec![mvm_bytecode::ops::ValType::Any; arity as usize],
            result: mvm_bytecode::ops::ValType::Any,
            n_regs,
            file: 0,
            code,
            lines: vec![],
            inlined: vec![],
        }
    }

    /// A loop counting to 1000, run in slices of 10 instructions.
    #[test]
    fn execution_is_sliced() {
        let code = vec![
            Op::LoadInt {
                dst: Reg(0),
                imm: Imm(0),
            },
            Op::LoadInt {
                dst: Reg(1),
                imm: Imm(1000),
            },
            Op::LoadInt {
                dst: Reg(2),
                imm: Imm(1),
            },
            Op::LtInt {
                dst: Reg(3),
                a: Reg(0),
                b: Reg(1),
            },
            Op::JmpIfNot {
                cond: Reg(3),
                target: Label(7),
            },
            Op::AddInt {
                dst: Reg(0),
                a: Reg(0),
                b: Reg(2),
            },
            Op::Jmp { target: Label(3) },
            Op::Ret { src: Reg(0) },
        ];
        let mut vm = Vm::new(
            module(vec![function("main", 0, 4, code)]),
            &NativeRegistry::default(),
            VmConfig::default(),
        )
        .expect("loads");
        let mut host = CaptureHost::default();
        let mut slices = 0;
        loop {
            match vm.run(&mut host, 10) {
                Step::BudgetSpent => slices += 1,
                Step::Finished(v) => {
                    assert_eq!(v, Value::Int(1000));
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(slices > 300, "{slices}");
    }

    /// A budget of one instruction still makes progress at every slice
    /// (a slice never stops before its first instruction), even when the
    /// first instruction is a call or a backward jump.
    #[test]
    fn the_smallest_budget_makes_progress() {
        let leaf = function(
            "leaf",
            0,
            1,
            vec![
                Op::LoadInt {
                    dst: Reg(0),
                    imm: Imm(7),
                },
                Op::Ret { src: Reg(0) },
            ],
        );
        let main = function(
            "main",
            0,
            1,
            vec![
                Op::Call {
                    dst: Reg(0),
                    func: Func(0),
                    args: Reg(0),
                    argc: Count(0),
                },
                Op::Ret { src: Reg(0) },
            ],
        );
        let mut m = module(vec![leaf, main]);
        m.entry = 1;
        let mut vm = Vm::new(m, &NativeRegistry::default(), VmConfig::default()).expect("loads");
        let mut host = CaptureHost::default();
        for _ in 0..10 {
            match vm.run(&mut host, 1) {
                Step::BudgetSpent => continue,
                Step::Finished(v) => {
                    assert_eq!(v, Value::Int(7));
                    return;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        panic!("no progress with a budget of 1");
    }

    /// Unbounded recursion ends in `stack overflow` at the configured depth.
    #[test]
    fn deep_recursion_is_a_clean_error() {
        let rec = function(
            "rec",
            0,
            1,
            vec![
                Op::Call {
                    dst: Reg(0),
                    func: Func(0),
                    args: Reg(0),
                    argc: Count(0),
                },
                Op::Ret { src: Reg(0) },
            ],
        );
        let mut vm = Vm::new(
            module(vec![rec]),
            &NativeRegistry::default(),
            VmConfig {
                max_frames: 500,
                ..VmConfig::default()
            },
        )
        .expect("loads");
        match vm.run_to_end(&mut CaptureHost::default()) {
            Outcome::Error(e) => {
                assert_eq!(e.message, "stack overflow");
                // Only the frames a trace shows are kept; the rest counted.
                assert_eq!(e.depth(), 500);
                assert_eq!(e.trace.len(), 20);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    /// An error in code inlined twice deep shows the frames of the inlined
    /// functions, each at its line, and the function around them at the
    /// line of its call; code after the inlined range shows no extra frame.
    #[test]
    fn inlined_code_shows_its_virtual_frames() {
        let (r0, r1, r2) = (Reg(0), Reg(1), Reg(2));
        let mut main = function(
            "main",
            0,
            3,
            vec![
                Op::LoadInt {
                    dst: r0,
                    imm: Imm(1),
                },
                Op::LoadInt {
                    dst: r1,
                    imm: Imm(0),
                },
                Op::DivInt {
                    dst: r2,
                    a: r0,
                    b: r1,
                },
                Op::Ret { src: r2 },
            ],
        );
        main.lines = vec![
            mvm_bytecode::LineEntry { pc: 0, line: 10 },
            mvm_bytecode::LineEntry { pc: 1, line: 3 },
        ];
        let frame = |name: &str, call_line| mvm_bytecode::InlineFrame {
            function: name.into(),
            file: 0,
            call_line,
        };
        main.inlined = vec![mvm_bytecode::InlineEntry {
            start: 1,
            end: 3,
            frames: vec![frame("h", 7), frame("g", 11)],
        }];
        let mut vm = Vm::new(
            module(vec![main]),
            &NativeRegistry::default(),
            VmConfig::default(),
        )
        .expect("loads");
        match vm.run_to_end(&mut CaptureHost::default()) {
            Outcome::Error(e) => {
                let shown: Vec<(String, u32)> = e
                    .trace
                    .iter()
                    .map(|f| (f.function.clone(), f.line))
                    .collect();
                let want = [("h", 3), ("g", 7), ("main", 11)];
                let want: Vec<(String, u32)> =
                    want.iter().map(|(f, l)| (f.to_string(), *l)).collect();
                assert_eq!(shown, want);
                assert_eq!(e.depth(), 3);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    /// A hand-written module that adds a Bool the verifier could not see
    /// (it comes back from a call) gets a runtime error, not a panic.
    #[test]
    fn reaching_unreachable_code_is_a_runtime_error() {
        let main = function("main", 0, 1, vec![Op::Unreachable {}]);
        let mut vm = Vm::new(
            module(vec![main]),
            &NativeRegistry::default(),
            VmConfig::default(),
        )
        .expect("loads");
        match vm.run_to_end(&mut CaptureHost::default()) {
            Outcome::Error(e) => assert!(e.message.contains("proved unreachable"), "{}", e.message),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// `mapfindi` writes the Int it finds, jumps with 0 when the key is
    /// missing, and refuses a value of another type.
    #[test]
    fn mapfindi_checks_the_value_it_finds() {
        let run = |value: &str, key: i64| {
            let text = format!(
                ".file 0 \"t.mvl\"
.enum 0 \"Option\" \"None\"/0 \"Some\"/1
.native 0 \"Map::new\"
.fn 0 \"main\" arity=0 regs=5 file=0
    calln r0, n0, r0, 0
    loadi r1, 7
    {value}
    mapins r3, r0, r1, r2
    loadi r1, {key}
    mapfindi r4, r0, r1, miss
    addik r4, r4, 1
    ret r4
miss:
    addik r4, r4, 100
    ret r4
"
            );
            let module = mvm_bytecode::asm::assemble(&text).expect("assembles");
            let mut natives = NativeRegistry::default();
            natives.register("Map::new", |ctx, _| {
                Ok(ctx.heap.alloc(Object::Map(Box::default())))
            });
            let mut vm = Vm::new(module, &natives, VmConfig::default()).expect("loads");
            vm.run(&mut CaptureHost::default(), u64::MAX)
        };
        assert_eq!(run("loadi r2, 41", 7), Step::Finished(Value::Int(42)));
        assert_eq!(run("loadi r2, 41", 8), Step::Finished(Value::Int(100)));
        match run("true r2", 7) {
            Step::Error(e) => assert!(
                e.message.contains("`mapfindi` expects an Int, found Bool"),
                "{}",
                e.message
            ),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn type_confusion_is_an_error() {
        let yes = function(
            "yes",
            0,
            1,
            vec![Op::LoadTrue { dst: Reg(0) }, Op::Ret { src: Reg(0) }],
        );
        let call_yes = Op::Call {
            dst: Reg(0),
            func: Func(0),
            args: Reg(0),
            argc: Count(0),
        };
        let add = Op::AddInt {
            dst: Reg(0),
            a: Reg(0),
            b: Reg(0),
        };
        let ret = Op::Ret { src: Reg(0) };
        let run = |main: Vec<Op>, callee: Function| {
            let mut m = module(vec![callee, function("main", 0, 2, main)]);
            m.entry = 1;
            let mut vm = Vm::new(m, &NativeRegistry::default(), VmConfig::default())?;
            Ok::<_, LoadError>(vm.run_to_end(&mut CaptureHost::default()))
        };
        let error = |outcome: std::result::Result<Outcome, LoadError>| match outcome {
            Ok(Outcome::Error(e)) => e.message,
            other => panic!("unexpected {other:?}"),
        };
        // `yes` promises nothing of its result: adding it is not proved.
        let refused = run(vec![call_yes, add, ret], yes.clone()).expect_err("unproved");
        assert!(
            refused.to_string().contains("is not known here"),
            "{refused}"
        );
        // Checked first, it is a runtime error.
        let checked = Op::AsInt {
            dst: Reg(0),
            src: Reg(0),
        };
        let e = error(run(vec![call_yes, checked, add, ret], yes));
        assert!(e.contains("`asi` expects an Int, found Bool"), "{e}");
        // A call through a function value checks the arguments against the
        // callee's signature.
        let mut inc = function("inc", 1, 1, vec![add, ret]);
        inc.params = vec![mvm_bytecode::ops::ValType::Int];
        inc.result = mvm_bytecode::ops::ValType::Int;
        let main = vec![
            Op::LoadFn {
                dst: Reg(1),
                func: Func(0),
            },
            Op::LoadTrue { dst: Reg(0) },
            Op::CallValue {
                dst: Reg(0),
                callee: Reg(1),
                args: Reg(0),
                argc: Count(1),
            },
            ret,
        ];
        let e = error(run(main, inc));
        assert!(
            e.contains("called `inc` with Bool for its parameter 1 of type Int"),
            "{e}"
        );
    }
}
