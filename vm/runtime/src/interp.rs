//! The interpreter: a register machine over a verified [`Module`].
//!
//! Execution is sliced (principle 4 of the architecture): [`Vm::run`] runs
//! for at most a budget of instructions and returns why it stopped
//! ([`Step`]). Frames live on an explicit stack, never on the host's: an MVL
//! call pushes a [`Frame`] and a window of registers, so a runaway recursion
//! ends in the `stack overflow` runtime error when the frame count reaches
//! [`VmConfig::max_frames`], whatever the host's own stack.
//!
//! Every instruction re-checks the types it needs and fails with a runtime
//! error (never a panic) on a hand-written module that breaks them; the
//! verifier already guarantees operands are in range.

use crate::display;
use crate::error::{RuntimeError, TraceFrame};
use crate::heap::{GcConfig, Heap, Object};
use crate::host::Host;
use crate::native::{NativeCtx, NativeError, NativeFn, NativeRegistry};
use crate::value::Value;
use mvm_bytecode::{Constant, Module, Op, Verified, VerifyErrors};
use std::fmt;

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

/// The limit options `mvlc run` and `mvm run` share, for their help text.
pub const LIMIT_OPTIONS: &str = "  --max-stack N     at most N nested calls (default 1000000)
  --fuel N          at most N instructions executed
  --max-heap SIZE   at most SIZE bytes of live data (K, M or G suffix: 64M)
  --gc-stress       collect garbage after every allocation (also: MVM_GC_STRESS=1)
";

impl VmConfig {
    /// The defaults, with stress mode if `MVM_GC_STRESS` asks for it.
    pub fn from_env() -> VmConfig {
        let mut c = VmConfig::default();
        c.gc.stress = GcConfig::stress_from_env();
        c
    }

    /// Applies one command-line option of [`LIMIT_OPTIONS`]. Returns
    /// `Ok(None)` if `flag` is not one of them, `Ok(Some(n))` with the number
    /// of arguments it took (1 or 2), or a message for a bad value.
    pub fn apply_option(
        &mut self,
        flag: &str,
        value: Option<&str>,
    ) -> std::result::Result<Option<usize>, String> {
        let number = |what: &str| -> std::result::Result<u64, String> {
            value
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| format!("{flag} needs {what}"))
        };
        match flag {
            "--max-stack" => self.max_frames = number("a number of frames")?.max(1) as usize,
            "--fuel" => self.fuel = Some(number("a number of instructions")?),
            "--max-heap" => {
                let size = value
                    .and_then(crate::heap::parse_size)
                    .ok_or_else(|| format!("{flag} needs a size such as 64M, 512K or 1G"))?;
                self.gc.max_heap = Some(size);
            }
            "--gc-stress" => {
                self.gc.stress = true;
                return Ok(Some(1));
            }
            _ => return Ok(None),
        }
        Ok(Some(2))
    }
}

/// Why a slice of execution stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// `main` returned this value.
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

/// Why a module could not be loaded.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadError {
    Verify(VerifyErrors),
    UnknownNative(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Verify(e) => write!(f, "{e}"),
            LoadError::UnknownNative(n) => {
                write!(f, "the native function `{n}` is not provided by this VM")
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// One activation: which function, where in it, where its registers start
/// and which register of the caller receives its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    pub func: u32,
    pub pc: u32,
    pub base: u32,
    pub ret: u16,
}

/// A loaded program and its whole state: plain data.
pub struct Vm {
    module: Module,
    natives: Vec<NativeFn>,
    heap: Heap,
    /// Constants materialised as values (strings allocated once).
    constants: Vec<Value>,
    regs: Vec<Value>,
    frames: Vec<Frame>,
    config: VmConfig,
    /// Instructions executed so far (for `--fuel`).
    executed: u64,
    /// The shared object of each payload-less enum variant made so far.
    unit_variants: std::collections::HashMap<(u32, u32), Value>,
    /// Each function's code, shared with the dispatch loop.
    codes: Vec<std::rc::Rc<[Op]>>,
}

/// A runtime error raised inside the dispatch loop, before its trace is
/// attached.
struct Fault(String);

type Result<T> = std::result::Result<T, Fault>;

fn fault<T>(message: impl Into<String>) -> Result<T> {
    Err(Fault(message.into()))
}

fn int(v: Value, op: &str) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(i),
        other => fault(format!("`{op}` expects an Int, found {}", other.kind())),
    }
}

fn float(v: Value, op: &str) -> Result<f64> {
    match v {
        Value::Float(x) => Ok(x),
        other => fault(format!("`{op}` expects a Float, found {}", other.kind())),
    }
}

fn boolean(v: Value, op: &str) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(b),
        other => fault(format!("`{op}` expects a Bool, found {}", other.kind())),
    }
}

fn overflow<T>(r: Option<T>) -> Result<T> {
    r.ok_or_else(|| Fault("integer overflow".to_string()))
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
        let module = Verified::new(module)
            .map_err(LoadError::Verify)?
            .into_module();
        let mut natives = Vec::with_capacity(module.natives.len());
        for name in &module.natives {
            match registry.get(name) {
                Some(f) => natives.push(f),
                None => return Err(LoadError::UnknownNative(name.clone())),
            }
        }
        let mut heap = Heap::new(config.gc);
        let constants = module
            .constants
            .iter()
            .map(|c| match c {
                Constant::Int(i) => Value::Int(*i),
                Constant::Float(x) => Value::Float(*x),
                Constant::Str(s) => heap.alloc_str(s),
            })
            .collect();
        let codes = module
            .functions
            .iter()
            .map(|f| f.code.as_slice().into())
            .collect();
        let entry = module.entry;
        let n_regs = module
            .functions
            .get(entry as usize)
            .map_or(0, |f| f.n_regs as usize);
        Ok(Vm {
            module,
            natives,
            heap,
            constants,
            regs: vec![Value::Unit; n_regs],
            frames: vec![Frame {
                func: entry,
                pc: 0,
                base: 0,
                ret: 0,
            }],
            config,
            executed: 0,
            unit_variants: std::collections::HashMap::new(),
            codes,
        })
    }

    pub fn module(&self) -> &Module {
        &self.module
    }

    pub fn heap(&self) -> &Heap {
        &self.heap
    }

    /// The call stack, outermost first (for reflection and debuggers).
    pub fn frames(&self) -> &[Frame] {
        &self.frames
    }

    /// Runs until the program ends.
    pub fn run_to_end(&mut self, host: &mut dyn Host) -> Outcome {
        loop {
            match self.run(host, 1 << 20) {
                Step::BudgetSpent => continue,
                Step::Finished(_) => return Outcome::Finished,
                Step::Exit(code) => return Outcome::Exit(code),
                Step::Error(e) => return Outcome::Error(e),
            }
        }
    }

    /// The MVL stack trace of the current frames, innermost first.
    fn trace(&self) -> Vec<TraceFrame> {
        trace_of(&self.module, &self.frames)
    }

    /// Runs at most `budget` instructions.
    pub fn run(&mut self, host: &mut dyn Host, budget: u64) -> Step {
        if self.frames.is_empty() {
            return Step::Finished(Value::Unit);
        }
        match self.dispatch(host, budget) {
            Ok(step) => step,
            Err(Fault(message)) => {
                let trace = self.trace();
                Step::Error(RuntimeError { message, trace })
            }
        }
    }

    fn dispatch(&mut self, host: &mut dyn Host, budget: u64) -> Result<Step> {
        // Fuel is spent in slices: the slice never runs past what is left.
        let fuel_left = self.config.fuel.map(|f| f.saturating_sub(self.executed));
        let slice = fuel_left.map_or(budget, |left| budget.min(left));
        let mut pc_now = 0usize;
        let mut left = slice;
        let result = self.run_slice(host, &mut left, &mut pc_now);
        self.executed += slice - left;
        // `run_slice` keeps the top frame's pc current only where it must
        // (calls, natives); on the way out it is made exact, so that a
        // trace or the next slice starts from the right instruction.
        if let Some(fr) = self.frames.last_mut() {
            if result.is_err() || matches!(result, Ok(Step::BudgetSpent)) {
                fr.pc = pc_now as u32;
            }
        }
        match result {
            Ok(Step::BudgetSpent) if fuel_left.is_some_and(|left| left <= budget) => {
                fault(format!(
                    "out of fuel: the program ran more than {} instructions (the `--fuel` limit)",
                    self.config.fuel.unwrap_or_default()
                ))
            }
            other => other,
        }
    }

    /// Runs at most `budget` instructions; `pc_out` always holds the pc of
    /// the instruction being executed (plus one), for the caller to store.
    fn run_slice(
        &mut self,
        host: &mut dyn Host,
        budget_out: &mut u64,
        pc_out: &mut usize,
    ) -> Result<Step> {
        let Some(top) = self.frames.last().copied() else {
            return Ok(Step::Finished(Value::Unit));
        };
        let mut budget = *budget_out;
        let mut func = top.func as usize;
        // The current function's code, swapped on calls and returns.
        let mut code = self.codes[func].clone();
        let mut pc = top.pc as usize;
        let mut base = top.base as usize;
        macro_rules! save_pc {
            () => {
                if let Some(fr) = self.frames.last_mut() {
                    fr.pc = pc as u32;
                }
            };
        }
        macro_rules! r {
            ($reg:expr) => {
                self.regs[base + $reg.0 as usize]
            };
        }
        loop {
            if budget == 0 {
                *pc_out = pc;
                *budget_out = 0;
                return Ok(Step::BudgetSpent);
            }
            budget -= 1;
            *budget_out = budget;
            if self.heap.wants_collection() {
                *pc_out = pc;
                self.collect_garbage()?;
            }
            let Some(&op) = code.get(pc) else {
                save_pc!();
                return fault("execution ran past the end of a function");
            };
            pc += 1;
            *pc_out = pc;
            match op {
                Op::Nop {} => {}
                Op::Mov { dst, src } => r!(dst) = r!(src),
                Op::LoadInt { dst, imm } => r!(dst) = Value::Int(imm.0 as i64),
                Op::LoadConst { dst, k } => r!(dst) = self.constants[k.0 as usize],
                Op::LoadTrue { dst } => r!(dst) = Value::Bool(true),
                Op::LoadFalse { dst } => r!(dst) = Value::Bool(false),
                Op::LoadUnit { dst } => r!(dst) = Value::Unit,
                Op::LoadFn { dst, func } => r!(dst) = Value::Fn(func.0),

                Op::AddInt { dst, a, b } => {
                    r!(dst) = Value::Int(overflow(
                        int(r!(a), "addi")?.checked_add(int(r!(b), "addi")?),
                    )?)
                }
                Op::SubInt { dst, a, b } => {
                    r!(dst) = Value::Int(overflow(
                        int(r!(a), "subi")?.checked_sub(int(r!(b), "subi")?),
                    )?)
                }
                Op::MulInt { dst, a, b } => {
                    r!(dst) = Value::Int(overflow(
                        int(r!(a), "muli")?.checked_mul(int(r!(b), "muli")?),
                    )?)
                }
                Op::DivInt { dst, a, b } => {
                    r!(dst) = Value::Int(div_int(int(r!(a), "divi")?, int(r!(b), "divi")?)?)
                }
                Op::RemInt { dst, a, b } => {
                    r!(dst) = Value::Int(rem_int(int(r!(a), "remi")?, int(r!(b), "remi")?)?)
                }
                Op::NegInt { dst, src } => {
                    r!(dst) = Value::Int(overflow(int(r!(src), "negi")?.checked_neg())?)
                }
                Op::BitAnd { dst, a, b } => {
                    r!(dst) = Value::Int(int(r!(a), "band")? & int(r!(b), "band")?)
                }
                Op::BitOr { dst, a, b } => {
                    r!(dst) = Value::Int(int(r!(a), "bor")? | int(r!(b), "bor")?)
                }
                Op::BitXor { dst, a, b } => {
                    r!(dst) = Value::Int(int(r!(a), "bxor")? ^ int(r!(b), "bxor")?)
                }
                Op::Shl { dst, a, b } => {
                    r!(dst) =
                        Value::Int(int(r!(a), "shl")?.wrapping_shl(shift(int(r!(b), "shl")?)?))
                }
                Op::Shr { dst, a, b } => {
                    r!(dst) =
                        Value::Int(int(r!(a), "shr")?.wrapping_shr(shift(int(r!(b), "shr")?)?))
                }

                Op::AddFloat { dst, a, b } => {
                    r!(dst) = Value::Float(float(r!(a), "addf")? + float(r!(b), "addf")?)
                }
                Op::SubFloat { dst, a, b } => {
                    r!(dst) = Value::Float(float(r!(a), "subf")? - float(r!(b), "subf")?)
                }
                Op::MulFloat { dst, a, b } => {
                    r!(dst) = Value::Float(float(r!(a), "mulf")? * float(r!(b), "mulf")?)
                }
                Op::DivFloat { dst, a, b } => {
                    r!(dst) = Value::Float(float(r!(a), "divf")? / float(r!(b), "divf")?)
                }
                Op::RemFloat { dst, a, b } => {
                    r!(dst) = Value::Float(float(r!(a), "remf")? % float(r!(b), "remf")?)
                }
                Op::NegFloat { dst, src } => r!(dst) = Value::Float(-float(r!(src), "negf")?),

                Op::Concat { dst, a, b } => {
                    let joined = match (self.heap.str(r!(a)), self.heap.str(r!(b))) {
                        (Some(x), Some(y)) => {
                            let mut s = String::with_capacity(x.len() + y.len());
                            s.push_str(x);
                            s.push_str(y);
                            s
                        }
                        _ => return fault("`concat` expects two Strings"),
                    };
                    r!(dst) = self.heap.alloc_str(&joined);
                }
                Op::ToStr { dst, src } => {
                    let v = r!(src);
                    if self.heap.str(v).is_some() {
                        r!(dst) = v;
                    } else {
                        let text = display::display(&self.heap, &self.module, v);
                        r!(dst) = self.heap.alloc_str(&text);
                    }
                }

                Op::EqInt { dst, a, b } => {
                    r!(dst) = Value::Bool(int(r!(a), "eqi")? == int(r!(b), "eqi")?)
                }
                Op::LtInt { dst, a, b } => {
                    r!(dst) = Value::Bool(int(r!(a), "lti")? < int(r!(b), "lti")?)
                }
                Op::LeInt { dst, a, b } => {
                    r!(dst) = Value::Bool(int(r!(a), "lei")? <= int(r!(b), "lei")?)
                }
                Op::EqFloat { dst, a, b } => {
                    r!(dst) = Value::Bool(float(r!(a), "eqf")? == float(r!(b), "eqf")?)
                }
                Op::LtFloat { dst, a, b } => {
                    r!(dst) = Value::Bool(float(r!(a), "ltf")? < float(r!(b), "ltf")?)
                }
                Op::LeFloat { dst, a, b } => {
                    r!(dst) = Value::Bool(float(r!(a), "lef")? <= float(r!(b), "lef")?)
                }
                Op::LtStr { dst, a, b } | Op::LeStr { dst, a, b } => {
                    let less = matches!(op, Op::LtStr { .. });
                    let r = match (self.heap.str(r!(a)), self.heap.str(r!(b))) {
                        (Some(x), Some(y)) => {
                            if less {
                                x < y
                            } else {
                                x <= y
                            }
                        }
                        _ => return fault("string comparison expects two Strings"),
                    };
                    r!(dst) = Value::Bool(r);
                }
                Op::Eq { dst, a, b } => r!(dst) = Value::Bool(self.heap.equal(r!(a), r!(b))),
                Op::Ne { dst, a, b } => r!(dst) = Value::Bool(!self.heap.equal(r!(a), r!(b))),
                Op::Not { dst, src } => r!(dst) = Value::Bool(!boolean(r!(src), "not")?),

                Op::Add { dst, a, b } => {
                    r!(dst) = match (r!(a), r!(b)) {
                        (Value::Int(x), Value::Int(y)) => Value::Int(overflow(x.checked_add(y))?),
                        (Value::Float(x), Value::Float(y)) => Value::Float(x + y),
                        (x, y) => match (self.heap.str(x), self.heap.str(y)) {
                            (Some(p), Some(q)) => {
                                let s = format!("{p}{q}");
                                self.heap.alloc_str(&s)
                            }
                            _ => return fault("`+` expects two Ints, two Floats or two Strings"),
                        },
                    }
                }
                Op::Sub { dst, a, b }
                | Op::Mul { dst, a, b }
                | Op::Div { dst, a, b }
                | Op::Rem { dst, a, b } => {
                    r!(dst) = match (r!(a), r!(b)) {
                        (Value::Int(x), Value::Int(y)) => Value::Int(match op {
                            Op::Sub { .. } => overflow(x.checked_sub(y))?,
                            Op::Mul { .. } => overflow(x.checked_mul(y))?,
                            Op::Div { .. } => div_int(x, y)?,
                            _ => rem_int(x, y)?,
                        }),
                        (Value::Float(x), Value::Float(y)) => Value::Float(match op {
                            Op::Sub { .. } => x - y,
                            Op::Mul { .. } => x * y,
                            Op::Div { .. } => x / y,
                            _ => x % y,
                        }),
                        _ => {
                            return fault(format!(
                                "`{}` expects two Ints or two Floats",
                                op.mnemonic()
                            ))
                        }
                    }
                }
                Op::Neg { dst, src } => {
                    r!(dst) = match r!(src) {
                        Value::Int(x) => Value::Int(overflow(x.checked_neg())?),
                        Value::Float(x) => Value::Float(-x),
                        _ => return fault("`neg` expects an Int or a Float"),
                    }
                }
                Op::Lt { dst, a, b } | Op::Le { dst, a, b } => {
                    let ord = self.compare(r!(a), r!(b))?;
                    r!(dst) = Value::Bool(if matches!(op, Op::Lt { .. }) {
                        ord.is_lt()
                    } else {
                        ord.is_le()
                    });
                }

                Op::Jmp { target } => pc = target.0 as usize,
                Op::JmpIf { cond, target } => {
                    if boolean(r!(cond), "jmpif")? {
                        pc = target.0 as usize;
                    }
                }
                Op::JmpIfNot { cond, target } => {
                    if !boolean(r!(cond), "jmpifnot")? {
                        pc = target.0 as usize;
                    }
                }

                Op::Call {
                    dst,
                    func: callee,
                    args,
                    argc,
                } => {
                    save_pc!();
                    let args_at = base + args.0 as usize;
                    self.push_frame(callee.0, &[], args_at, argc.0 as usize, dst.0)?;
                    func = callee.0 as usize;
                    code = self.codes[func].clone();
                    pc = 0;
                    base = self.regs.len() - self.module.functions[func].n_regs as usize;
                }
                Op::CallValue {
                    dst,
                    callee,
                    args,
                    argc,
                } => {
                    save_pc!();
                    let (target, captures): (u32, Vec<Value>) = match r!(callee) {
                        Value::Fn(f) => (f, Vec::new()),
                        v => match self.heap.object(v) {
                            Some(Object::Closure { func, captures }) => (*func, captures.to_vec()),
                            _ => {
                                return fault(format!(
                                    "called a value that is not a function ({})",
                                    v.kind()
                                ))
                            }
                        },
                    };
                    let arity = self
                        .module
                        .functions
                        .get(target as usize)
                        .map_or(0, |f| f.arity as usize);
                    if arity != captures.len() + argc.0 as usize {
                        return fault("called a function with the wrong number of arguments");
                    }
                    let args_at = base + args.0 as usize;
                    self.push_frame(target, &captures, args_at, argc.0 as usize, dst.0)?;
                    func = target as usize;
                    code = self.codes[func].clone();
                    pc = 0;
                    base = self.regs.len() - self.module.functions[func].n_regs as usize;
                }
                Op::CallNative {
                    dst,
                    native,
                    args,
                    argc,
                } => {
                    save_pc!();
                    let start = base + args.0 as usize;
                    let argv: Vec<Value> = self.regs[start..start + argc.0 as usize].to_vec();
                    let f = self.natives[native.0 as usize];
                    let mut ctx = NativeCtx {
                        heap: &mut self.heap,
                        host,
                        module: &self.module,
                        frames: &self.frames,
                        regs: &self.regs,
                    };
                    match f(&mut ctx, &argv) {
                        Ok(v) => r!(dst) = v,
                        Err(NativeError::Exit(code)) => return Ok(Step::Exit(code)),
                        Err(NativeError::Error(message)) => return Err(Fault(message)),
                    }
                }
                Op::Ret { src } => {
                    let value = r!(src);
                    let Some(done) = self.frames.pop() else {
                        return Ok(Step::Finished(value));
                    };
                    self.regs.truncate(done.base as usize);
                    let Some(caller) = self.frames.last().copied() else {
                        return Ok(Step::Finished(value));
                    };
                    func = caller.func as usize;
                    code = self.codes[func].clone();
                    pc = caller.pc as usize;
                    base = caller.base as usize;
                    r!(mvm_bytecode::ops::Reg(done.ret)) = value;
                }
                Op::MakeClosure {
                    dst,
                    func: f,
                    start,
                    count,
                } => {
                    let s = base + start.0 as usize;
                    let captures: Box<[Value]> = self.regs[s..s + count.0 as usize].into();
                    r!(dst) = self.heap.alloc(Object::Closure {
                        func: f.0,
                        captures,
                    });
                }

                Op::NewArray { dst, start, count } => {
                    let s = base + start.0 as usize;
                    let items = self.regs[s..s + count.0 as usize].to_vec();
                    r!(dst) = self.heap.alloc(Object::Array(items));
                }
                Op::NewTuple { dst, start, count } => {
                    let s = base + start.0 as usize;
                    let items: Box<[Value]> = self.regs[s..s + count.0 as usize].into();
                    r!(dst) = self.heap.alloc(Object::Tuple(items));
                }
                Op::NewStruct {
                    dst,
                    ty,
                    start,
                    count,
                } => {
                    let s = base + start.0 as usize;
                    let fields: Box<[Value]> = self.regs[s..s + count.0 as usize].into();
                    r!(dst) = self.heap.alloc(Object::Struct { ty: ty.0, fields });
                }
                Op::NewVariant {
                    dst,
                    ty,
                    variant,
                    start,
                    count,
                } => {
                    let key = (ty.0, variant.0 as u32);
                    if count.0 == 0 {
                        // Values without payload are immutable: one object
                        // per variant serves every use (`None`, `Leaf`).
                        if let Some(v) = self.unit_variants.get(&key) {
                            r!(dst) = *v;
                            continue;
                        }
                    }
                    let s = base + start.0 as usize;
                    let fields: Box<[Value]> = self.regs[s..s + count.0 as usize].into();
                    let v = self.heap.alloc(Object::Variant {
                        ty: key.0,
                        variant: key.1,
                        fields,
                    });
                    if count.0 == 0 {
                        self.unit_variants.insert(key, v);
                    }
                    r!(dst) = v;
                }
                Op::GetField { dst, obj, index } => {
                    let v = match self.heap.object(r!(obj)) {
                        Some(
                            Object::Tuple(xs)
                            | Object::Struct { fields: xs, .. }
                            | Object::Variant { fields: xs, .. },
                        ) => xs.get(index.0 as usize).copied(),
                        _ => None,
                    };
                    match v {
                        Some(v) => r!(dst) = v,
                        None => {
                            return fault(format!("`getfield` cannot read field {} here", index.0))
                        }
                    }
                }
                Op::SetField {
                    dst,
                    obj,
                    index,
                    src,
                } => {
                    let value = r!(src);
                    let copy = match self.heap.object(r!(obj)) {
                        Some(o @ (Object::Tuple(_) | Object::Struct { .. })) => {
                            let mut o = o.clone();
                            let slot = match &mut o {
                                Object::Tuple(xs) | Object::Struct { fields: xs, .. } => {
                                    xs.get_mut(index.0 as usize)
                                }
                                _ => None,
                            };
                            match slot {
                                Some(s) => *s = value,
                                None => {
                                    return fault(format!(
                                        "`setfield` cannot write field {} here",
                                        index.0
                                    ))
                                }
                            }
                            o
                        }
                        _ => return fault("`setfield` expects a tuple or a struct"),
                    };
                    r!(dst) = self.heap.alloc(copy);
                }
                Op::VariantIs { dst, obj, variant } => {
                    let is = match self.heap.object(r!(obj)) {
                        Some(Object::Variant { variant: v, .. }) => *v == variant.0 as u32,
                        _ => return fault("`isvar` expects an enum value"),
                    };
                    r!(dst) = Value::Bool(is);
                }
                Op::GetIndex { dst, arr, idx } => {
                    let i = int(r!(idx), "getidx")?;
                    let v = match self.heap.object(r!(arr)) {
                        Some(Object::Array(xs)) => {
                            match usize::try_from(i).ok().and_then(|i| xs.get(i)) {
                                Some(v) => *v,
                                None => {
                                    return fault(format!(
                                    "index out of bounds: the index is {i} but the length is {}",
                                    xs.len()
                                ))
                                }
                            }
                        }
                        _ => return fault("`getidx` expects an array"),
                    };
                    r!(dst) = v;
                }
                Op::SetIndex { arr, idx, src } => {
                    let i = int(r!(idx), "setidx")?;
                    let value = r!(src);
                    let target = r!(arr);
                    match target {
                        Value::Obj(o) => match self.heap.get_mut(o) {
                            Some(Object::Array(xs)) => {
                                let len = xs.len();
                                match usize::try_from(i).ok().and_then(|i| xs.get_mut(i)) {
                                    Some(slot) => *slot = value,
                                    None => return fault(format!("index out of bounds: the index is {i} but the length is {len}")),
                                }
                            }
                            _ => return fault("`setidx` expects an array"),
                        },
                        _ => return fault("`setidx` expects an array"),
                    }
                }
                Op::Len { dst, src } => {
                    let n = match self.heap.object(r!(src)) {
                        Some(Object::Array(xs)) => xs.len(),
                        _ => return fault("`len` expects an array"),
                    };
                    r!(dst) = Value::Int(n as i64);
                }
                Op::NewCell { dst, src } => {
                    let v = r!(src);
                    r!(dst) = self.heap.alloc(Object::Cell(v));
                }
                Op::GetCell { dst, cell } => {
                    let v = match self.heap.object(r!(cell)) {
                        Some(Object::Cell(v)) => *v,
                        _ => return fault("`getcell` expects a cell"),
                    };
                    r!(dst) = v;
                }
                Op::SetCell { cell, src } => {
                    let v = r!(src);
                    match r!(cell) {
                        Value::Obj(o) => match self.heap.get_mut(o) {
                            Some(Object::Cell(slot)) => *slot = v,
                            _ => return fault("`setcell` expects a cell"),
                        },
                        _ => return fault("`setcell` expects a cell"),
                    }
                }
            }
        }
    }

    /// A safe point: collects with every register of every frame and the
    /// constants as roots.
    fn collect_garbage(&mut self) -> Result<()> {
        // Roots: every register of every frame, the constants, and the
        // shared payload-less variants.
        let roots = self
            .regs
            .iter()
            .copied()
            .chain(self.constants.iter().copied())
            .chain(self.unit_variants.values().copied());
        if self.heap.collect(roots) {
            Ok(())
        } else {
            let limit = self.config.gc.max_heap.unwrap_or_default();
            fault(format!(
                "out of memory: live data ({} bytes) exceeds the heap limit of {limit} bytes (the `--max-heap` limit)",
                self.heap.stats.live_bytes
            ))
        }
    }

    /// Pushes a frame for `callee`: its registers start with `prefix` (a
    /// closure's captures), then `argc` arguments copied from `args_at`.
    fn push_frame(
        &mut self,
        callee: u32,
        prefix: &[Value],
        args_at: usize,
        argc: usize,
        ret: u16,
    ) -> Result<()> {
        if self.frames.len() >= self.config.max_frames {
            return fault("stack overflow");
        }
        let n_regs = self
            .module
            .functions
            .get(callee as usize)
            .map_or(0, |f| f.n_regs as usize);
        if prefix.len() + argc > n_regs {
            return fault("a call passes more arguments than the callee has registers");
        }
        let new_base = self.regs.len();
        self.regs.resize(new_base + n_regs, Value::Unit);
        for (i, v) in prefix.iter().enumerate() {
            self.regs[new_base + i] = *v;
        }
        for i in 0..argc {
            self.regs[new_base + prefix.len() + i] = self.regs[args_at + i];
        }
        self.frames.push(Frame {
            func: callee,
            pc: 0,
            base: new_base as u32,
            ret,
        });
        Ok(())
    }

    /// Orders two Ints, Floats or Strings (generic `<` and `<=`).
    fn compare(&self, a: Value, b: Value) -> Result<std::cmp::Ordering> {
        compare_values(&self.heap, a, b)
            .ok_or_else(|| Fault("`<` expects two Ints, two Floats or two Strings".into()))
    }
}

/// The MVL stack trace of `frames` (outermost first), innermost first: each
/// frame's function, file, and the line of the instruction it is executing.
pub fn trace_of(module: &Module, frames: &[Frame]) -> Vec<TraceFrame> {
    frames
        .iter()
        .rev()
        .map(|fr| {
            let f = module.functions.get(fr.func as usize);
            TraceFrame {
                function: f.map_or("?".to_string(), |f| f.name.clone()),
                file: f
                    .and_then(|f| module.files.get(f.file as usize))
                    .cloned()
                    .unwrap_or_else(|| "?".to_string()),
                line: f.map_or(0, |f| f.line_at(fr.pc.saturating_sub(1) as usize)),
            }
        })
        .collect()
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
            n_regs,
            file: 0,
            code,
            lines: vec![],
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
                assert_eq!(e.trace.len(), 500);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    /// A hand-written module that adds a Bool the verifier could not see
    /// (it comes back from a call) gets a runtime error, not a panic.
    #[test]
    fn type_confusion_is_an_error() {
        let yes = function(
            "yes",
            0,
            1,
            vec![Op::LoadTrue { dst: Reg(0) }, Op::Ret { src: Reg(0) }],
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
                Op::AddInt {
                    dst: Reg(0),
                    a: Reg(0),
                    b: Reg(0),
                },
                Op::Ret { src: Reg(0) },
            ],
        );
        let mut m = module(vec![yes, main]);
        m.entry = 1;
        let mut vm = Vm::new(m, &NativeRegistry::default(), VmConfig::default()).expect("loads");
        match vm.run_to_end(&mut CaptureHost::default()) {
            Outcome::Error(e) => assert!(e.message.contains("expects an Int"), "{}", e.message),
            other => panic!("unexpected {other:?}"),
        }
    }
}
