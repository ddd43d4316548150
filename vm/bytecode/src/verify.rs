//! The verifier: what must hold of a [`Module`] before any of it runs.
//!
//! [`Verified::new`] is the only way to get a [`Verified`] module, and the
//! runtime runs nothing else. Every function is checked, whatever its size,
//! and every problem found is reported (up to [`MAX_ERRORS`]).
//!
//! **Structure.** Every operand in range for its kind (registers below the
//! function's register count, constant, function, native and type indices
//! inside their tables, jump targets inside the function), register windows
//! (arguments, elements) inside the frame, `call` passing the callee's
//! arity, `closure` capturing no more than the callee takes, constructors
//! matching their type descriptor, each function ending in an instruction
//! that does not fall through, line tables sorted, file indices in range,
//! an entry function of arity 0 (a library has none), and exports and
//! imports naming functions that exist (each import its own stand-in).
//! Whether the imports are satisfied is the linker's business
//! (`mvm_runtime::link_libraries`): the runtime loads no module with
//! imports left. The operand checks are generic over
//! the instruction table ([`crate::ops`]): a new instruction is checked
//! without touching this file.
//!
//! **Register types.** Then a dataflow over each function's basic blocks
//! computes, at every instruction, what each register holds on every path
//! reaching it (reads are checked once it has settled, so the order blocks
//! are visited in changes nothing): a [`ValType`] (`Any` where paths
//! disagree or the value came out of a container, a function value, a
//! native or a function whose signature promises nothing), or nothing yet.
//! Arguments start as the function's signature types them. The rules are
//! the table's `reads` (the [`Class`] each operand requires; `Returned`,
//! what `ret` reads, is the signature's result) and `writes` (the
//! [`Produces`] rule of each result; an instruction whose result is
//! `Returns(func)` calls that function, so its window must hold the
//! callee's parameter types). An instruction that reads a register nothing
//! may have written yet, or whose operand holds the wrong type on every
//! path (a Float where `addi` needs an Int), is refused; so is an operand
//! of a proved class (Int, Float, Bool: [`Class::is_proved`]) whose type is
//! `Any`, since the interpreter reads those unchecked (`mvm_runtime::proved`).
//! For the other classes, where the type is `Any`, the instruction's own
//! check of its operand remains.
//!
//! **Bounded work.** The lattice per register has height three (nothing
//! yet, a type, `Any`; "maybe unwritten" on top), so each block's entry
//! state changes at most three times per register and the dataflow ends
//! after `O(blocks x registers)` visits. Each visit is charged its length
//! plus the frame size against [`WORK_BUDGET`], and the per-block states
//! against [`STATE_BUDGET`]; a module beyond either is refused with an error
//! that says so, in bounded time, before anything runs.

use crate::module::{Constant, Function, Module, TypeKind};
use crate::ops::{Class, Op, Operand, Produces, ValType};
use std::fmt;

/// At most this many problems are reported for one module.
pub const MAX_ERRORS: usize = 50;

/// The most work units (instructions visited plus registers merged) the
/// type dataflow may spend on one module.
pub const WORK_BUDGET: u64 = 400_000_000;

/// The most register states (basic blocks times registers, summed over the
/// functions) the type dataflow may hold at once for one function.
pub const STATE_BUDGET: usize = 64 << 20;

/// One problem: where (function and instruction) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    pub function: Option<String>,
    pub pc: Option<usize>,
    pub message: String,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.function, self.pc) {
            (Some(name), Some(pc)) => {
                write!(f, "in `{name}` at instruction {pc}: {}", self.message)
            }
            (Some(name), None) => write!(f, "in `{name}`: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// Every problem found in a module (at least one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyErrors {
    pub errors: Vec<VerifyError>,
    /// Whether more problems were found than are listed.
    pub truncated: bool,
}

impl VerifyErrors {
    /// The first problem.
    pub fn first(&self) -> Option<&VerifyError> {
        self.errors.first()
    }
}

impl fmt::Display for VerifyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        if self.truncated {
            write!(f, "\n(further problems not listed)")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyErrors {}

/// A module that passed [`verify`]: only this runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    module: Module,
}

impl Verified {
    /// Verifies `module`.
    pub fn new(module: Module) -> Result<Verified, VerifyErrors> {
        verify(&module)?;
        Ok(Verified { module })
    }

    pub fn module(&self) -> &Module {
        &self.module
    }

    pub fn into_module(self) -> Module {
        self.module
    }
}

/// Collects problems, up to [`MAX_ERRORS`].
struct Report {
    errors: Vec<VerifyError>,
    truncated: bool,
}

impl Report {
    fn push(&mut self, function: Option<&Function>, pc: Option<usize>, message: String) {
        if self.errors.len() >= MAX_ERRORS {
            self.truncated = true;
            return;
        }
        self.errors.push(VerifyError {
            function: function.map(|f| f.name.clone()),
            pc,
            message,
        });
    }

    fn full(&self) -> bool {
        self.truncated
    }
}

/// Checks `module` (see the module docs); every problem found is returned.
pub fn verify(module: &Module) -> Result<(), VerifyErrors> {
    verify_counting(module).0
}

/// [`verify`], also returning the work units the type dataflow spent.
fn verify_counting(module: &Module) -> (Result<(), VerifyErrors>, u64) {
    let mut report = Report {
        errors: Vec::new(),
        truncated: false,
    };
    match module.functions.get(module.entry as usize) {
        _ if module.is_library() => {}
        None => report.push(
            None,
            None,
            format!("the entry function #{} does not exist", module.entry),
        ),
        Some(entry) if entry.arity != 0 => report.push(
            None,
            None,
            format!("the entry function `{}` must take no arguments", entry.name),
        ),
        Some(_) => {}
    }
    let mut stand_ins = std::collections::HashSet::new();
    for import in &module.imports {
        let Some(f) = import.function else { continue };
        if f as usize >= module.functions.len() {
            report.push(
                None,
                None,
                format!(
                    "the import `{}::{}` names function #{f}, which does not exist",
                    import.module, import.name
                ),
            );
        } else if !stand_ins.insert(f) {
            report.push(
                None,
                None,
                format!(
                    "the import `{}::{}` names function #{f}, the stand-in of another import",
                    import.module, import.name
                ),
            );
        }
    }
    for export in &module.exports {
        let Some(f) = export.function else { continue };
        if f as usize >= module.functions.len() {
            report.push(
                None,
                None,
                format!(
                    "the export `{}` names function #{f}, which does not exist",
                    export.name
                ),
            );
        }
    }
    let mut work = WORK_BUDGET;
    for f in &module.functions {
        if report.full() {
            break;
        }
        let before = report.errors.len();
        check_structure(module, f, &mut report);
        if report.errors.len() == before {
            check_types(module, f, &mut work, &mut report);
        }
    }
    let spent = WORK_BUDGET - work;
    if report.errors.is_empty() {
        (Ok(()), spent)
    } else {
        (
            Err(VerifyErrors {
                errors: report.errors,
                truncated: report.truncated,
            }),
            spent,
        )
    }
}

/// The inline-frame table: sorted, disjoint, non-empty ranges within the
/// code, each with frames whose files exist.
fn check_inlined(module: &Module, f: &Function, report: &mut Report) {
    let mut prev_end = 0;
    for (i, e) in f.inlined.iter().enumerate() {
        let problem = if e.start >= e.end || e.end as usize > f.code.len() {
            Some(format!(
                "inline entry {i}: range {}..{} is empty or outside the {} instructions",
                e.start,
                e.end,
                f.code.len()
            ))
        } else if e.start < prev_end {
            Some(format!(
                "inline entry {i}: the table is not sorted or its ranges overlap"
            ))
        } else if e.frames.is_empty() {
            Some(format!("inline entry {i} has no frames"))
        } else {
            e.frames
                .iter()
                .find(|fr| !module.files.is_empty() && fr.file as usize >= module.files.len())
                .map(|fr| format!("inline entry {i}: file index {} out of range", fr.file))
        };
        if let Some(message) = problem {
            report.push(Some(f), None, message);
            return;
        }
        prev_end = e.end;
    }
}

/// Operand ranges, windows and the per-instruction facts of one function.
fn check_structure(module: &Module, f: &Function, report: &mut Report) {
    let err =
        |report: &mut Report, pc: Option<usize>, message: String| report.push(Some(f), pc, message);
    if f.arity > f.n_regs {
        err(
            report,
            None,
            format!("arity {} exceeds its {} registers", f.arity, f.n_regs),
        );
    }
    if f.params.len() != f.arity as usize {
        err(
            report,
            None,
            format!(
                "its signature has {} parameter type(s) for arity {}",
                f.params.len(),
                f.arity
            ),
        );
    }
    if !module.files.is_empty() && f.file as usize >= module.files.len() {
        err(report, None, format!("file index {} out of range", f.file));
    }
    if !f.lines.windows(2).all(|w| w[0].pc <= w[1].pc) {
        err(report, None, "line table is not sorted".to_string());
    }
    check_inlined(module, f, report);
    match f.code.last() {
        Some(op) if op.flags().end => {}
        Some(op) => err(
            report,
            Some(f.code.len() - 1),
            format!(
                "the last instruction must not fall through (it is `{}`)",
                op.mnemonic()
            ),
        ),
        None => err(
            report,
            None,
            "a function must have at least one instruction".into(),
        ),
    }
    for (pc, op) in f.code.iter().enumerate() {
        if report.full() {
            return;
        }
        let mut in_range = true;
        for (field, operand) in op.operands() {
            let (ok, what) = match operand {
                Operand::Reg(r) => (
                    r < f.n_regs,
                    format!("register r{r} (the frame has {})", f.n_regs),
                ),
                Operand::Const(k) => (
                    (k as usize) < module.constants.len(),
                    format!("constant #{k} (there are {})", module.constants.len()),
                ),
                Operand::Func(i) => (
                    (i as usize) < module.functions.len(),
                    format!("function #{i} (there are {})", module.functions.len()),
                ),
                Operand::Native(i) => (
                    (i as usize) < module.natives.len(),
                    format!("native #{i} (there are {})", module.natives.len()),
                ),
                Operand::Label(t) => (
                    (t as usize) < f.code.len(),
                    format!(
                        "jump target {t} (the function has {} instructions)",
                        f.code.len()
                    ),
                ),
                Operand::TypeIdx(t) => (
                    (t as usize) < module.types.len(),
                    format!("type #{t} (there are {})", module.types.len()),
                ),
                Operand::Count(_) | Operand::Imm(_) => (true, String::new()),
            };
            if !ok {
                in_range = false;
                err(
                    report,
                    Some(pc),
                    format!(
                        "operand `{field}` of `{}` is out of range: {what}",
                        op.mnemonic()
                    ),
                );
            }
        }
        if let Some((start, count)) = op.window() {
            let end = start.0 as usize + count.0 as usize;
            // An empty window may start just past the frame's last register
            // (where a call's arguments would go).
            if end > f.n_regs as usize {
                in_range = false;
                err(
                    report,
                    Some(pc),
                    format!(
                        "registers r{}..r{end} of `{}` are outside the frame of {}",
                        start.0,
                        op.mnemonic(),
                        f.n_regs
                    ),
                );
            }
        }
        if in_range {
            if let Some(message) = check_facts(module, op) {
                err(report, Some(pc), message);
            }
        }
    }
}

/// What an instruction's operands must agree with elsewhere in the module:
/// the callee's arity, the constructed type's shape. Only instructions that
/// name another table entry have such facts.
fn check_facts(module: &Module, op: &Op) -> Option<String> {
    match *op {
        Op::Call { func, argc, .. } => {
            let callee = &module.functions[func.0 as usize];
            (callee.arity != argc.0).then(|| {
                format!(
                    "`call` passes {} argument(s) to `{}`, which takes {}",
                    argc.0, callee.name, callee.arity
                )
            })
        }
        Op::MakeClosure { func, count, .. } => {
            let callee = &module.functions[func.0 as usize];
            (count.0 > callee.arity).then(|| {
                format!(
                    "`closure` captures {} value(s) but `{}` takes only {}",
                    count.0, callee.name, callee.arity
                )
            })
        }
        Op::NewStruct { ty, count, .. } => match &module.types[ty.0 as usize].kind {
            TypeKind::Struct(fields) if fields.len() == count.0 as usize => None,
            _ => Some(format!("`newstruct` does not fit type #{}", ty.0)),
        },
        Op::NewVariant {
            ty, variant, count, ..
        } => match &module.types[ty.0 as usize].kind {
            TypeKind::Enum(vs) if vs.get(variant.0 as usize).is_some_and(|v| v.1 == count.0) => {
                None
            }
            _ => Some(format!("`newvar` does not fit type #{}", ty.0)),
        },
        _ => None,
    }
}

/// What a register holds at a point of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// Written with a value of this type on every path here.
    Holds(ValType),
    /// Not written on some path here: it must not be read.
    Unwritten,
}

impl Slot {
    fn join(self, other: Slot) -> Slot {
        match (self, other) {
            (Slot::Holds(a), Slot::Holds(b)) if a == b => self,
            (Slot::Holds(_), Slot::Holds(_)) => Slot::Holds(ValType::Any),
            _ => Slot::Unwritten,
        }
    }
}

/// The type of a constant.
fn constant_type(c: Option<&Constant>) -> ValType {
    match c {
        Some(Constant::Int(_)) => ValType::Int,
        Some(Constant::Float(_)) => ValType::Float,
        Some(Constant::Str(_)) => ValType::Str,
        None => ValType::Any,
    }
}

/// The register-type dataflow over one function (see the module docs).
fn check_types(module: &Module, f: &Function, work: &mut u64, report: &mut Report) {
    let n_regs = f.n_regs as usize;
    let n = f.code.len();
    // Basic blocks: a block starts at 0, at every jump target and after
    // every instruction that jumps or does not fall through.
    let mut leader = vec![false; n + 1];
    leader[0] = true;
    for (pc, op) in f.code.iter().enumerate() {
        let mut jumps = false;
        for (_, o) in op.operands() {
            if let Operand::Label(t) = o {
                leader[t as usize] = true;
                jumps = true;
            }
        }
        if jumps || op.flags().end {
            leader[pc + 1] = true;
        }
    }
    let starts: Vec<usize> = (0..n).filter(|&pc| leader[pc]).collect();
    let block_of = |pc: usize| starts.partition_point(|&s| s <= pc) - 1;
    if starts.len().saturating_mul(n_regs.max(1)) > STATE_BUDGET {
        report.push(
            Some(f),
            None,
            format!(
                "too large to verify: {} blocks of {} registers exceed the verifier's budget of {} register states",
                starts.len(),
                n_regs,
                STATE_BUDGET
            ),
        );
        return;
    }
    let mut entry = vec![Slot::Unwritten; n_regs];
    for (slot, &t) in entry.iter_mut().zip(&f.params) {
        *slot = Slot::Holds(t);
    }
    let mut states: Vec<Option<Vec<Slot>>> = vec![None; starts.len()];
    states[0] = Some(entry);
    let mut pending = vec![0usize];
    let mut queued = vec![false; starts.len()];
    queued[0] = true;
    while let Some(b) = pending.pop() {
        queued[b] = false;
        let Some(mut state) = states[b].clone() else {
            continue;
        };
        let start = starts[b];
        let end = starts.get(b + 1).copied().unwrap_or(n);
        let cost = (end - start + n_regs) as u64;
        if *work < cost {
            report.push(
                Some(f),
                None,
                format!(
                    "too complex to verify: the register-type analysis exceeded its budget of {WORK_BUDGET} steps for this module"
                ),
            );
            return;
        }
        *work -= cost;
        for pc in start..end {
            // Reads are checked once the states are final (below): a block
            // reached first from one predecessor may be reached later from
            // another with less known.
            let _ = step(module, f, &f.code[pc], &mut state, false);
        }
        let last = &f.code[end - 1];
        let mut succs: Vec<usize> = Vec::new();
        for (_, o) in last.operands() {
            if let Operand::Label(t) = o {
                succs.push(block_of(t as usize));
            }
        }
        if !last.flags().end && end < n {
            succs.push(b + 1);
        }
        for s in succs {
            let changed = match &mut states[s] {
                None => {
                    states[s] = Some(state.clone());
                    true
                }
                Some(old) => {
                    let mut changed = false;
                    for (o, new) in old.iter_mut().zip(&state) {
                        let joined = o.join(*new);
                        if joined != *o {
                            *o = joined;
                            changed = true;
                        }
                    }
                    changed
                }
            };
            if changed && !queued[s] {
                queued[s] = true;
                pending.push(s);
            }
        }
    }
    for (b, state) in states.iter().enumerate() {
        let Some(mut state) = state.clone() else {
            continue;
        };
        let end = starts.get(b + 1).copied().unwrap_or(n);
        for pc in starts[b]..end {
            if let Err(message) = step(module, f, &f.code[pc], &mut state, true) {
                report.push(Some(f), Some(pc), message);
                return;
            }
        }
    }
}

/// Applies one instruction's rules to `state`, or, when `check`, says why
/// its reads are refused. `f` is the function the instruction is in.
fn step(
    module: &Module,
    f: &Function,
    op: &Op,
    state: &mut [Slot],
    check: bool,
) -> Result<(), String> {
    let mut problem = None;
    let mut read = |field: &str, r: usize, class: Class| {
        if problem.is_some() {
            return;
        }
        let class = class.of_result(f.result);
        match state[r] {
            Slot::Unwritten => {
                problem = Some(format!(
                    "`{}` reads r{r} (operand `{field}`), which is not written on every path here",
                    op.mnemonic()
                ))
            }
            Slot::Holds(ValType::Any) if class.is_proved() => {
                problem = Some(format!(
                    "`{}` needs {} in r{r} (operand `{field}`), but what it holds is not known here (check it first with `asi`, `asf` or `asb`)",
                    op.mnemonic(),
                    class.name(),
                ))
            }
            Slot::Holds(t) if t != ValType::Any && !class.admits(t) => {
                problem = Some(format!(
                    "`{}` needs {} in r{r} (operand `{field}`), but it holds {} on every path here",
                    op.mnemonic(),
                    class.name(),
                    t.name()
                ))
            }
            Slot::Holds(_) => {}
        }
    };
    op.for_each_read(|field, r, class| read(field, r.0 as usize, class));
    // An instruction naming a function with a window passes the window to
    // it: a call as its arguments (its first parameters), a closure as its
    // captured values (its last ones). They must hold those parameters'
    // types.
    let mut callee = None;
    for (_, o) in op.operands() {
        if let Operand::Func(func) = o {
            callee = module.functions.get(func as usize);
        }
    }
    if let Some((start, count)) = op.window() {
        let first = match callee {
            Some(c) if !op.flags().frame => (c.arity as usize).saturating_sub(count.0 as usize),
            _ => 0,
        };
        for (i, r) in (start.0 as usize..start.0 as usize + count.0 as usize).enumerate() {
            let class = callee
                .and_then(|c| c.params.get(first + i))
                .map_or(Class::Any, |t| t.class());
            let field = match callee {
                Some(_) if op.flags().frame => "argument",
                Some(_) => "captured value",
                None => "window",
            };
            read(field, r, class);
        }
    }
    if let Some(message) = problem.filter(|_| check) {
        return Err(message);
    }
    if op.flags().frame {
        // The callee's window starts at the arguments and may use every
        // register from there up.
        if let Some((start, _)) = op.window() {
            for slot in &mut state[start.0 as usize..] {
                *slot = Slot::Unwritten;
            }
        }
    }
    let before = state.to_vec();
    let type_of = |r: crate::ops::Reg| match before[r.0 as usize] {
        Slot::Holds(t) => t,
        Slot::Unwritten => ValType::Any,
    };
    op.for_each_write(|r, rule| {
        let t = match rule {
            Produces::Is(t) => t,
            Produces::Copy(src) => type_of(src),
            Produces::Const(k) => constant_type(module.constants.get(k.0 as usize)),
            Produces::Returns(func) => module
                .functions
                .get(func.0 as usize)
                .map_or(ValType::Any, |c| c.result),
            Produces::Same(a, b) => {
                let (x, y) = (type_of(a), type_of(b));
                if x == y {
                    x
                } else {
                    ValType::Any
                }
            }
        };
        state[r.0 as usize] = Slot::Holds(t);
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::Function;
    use crate::ops::{Imm, Label, Reg};

    fn one(code: Vec<Op>, n_regs: u16) -> Module {
        Module {
            functions: vec![Function {
                name: "main".into(),
                arity: 0,
                params: vec![],
                result: ValType::Any,
                n_regs,
                file: 0,
                code,
                lines: vec![],
                inlined: vec![],
            }],
            files: vec!["a.mvl".into()],
            ..Module::default()
        }
    }

    fn first_error(m: &Module) -> VerifyError {
        verify(m)
            .expect_err("refused")
            .first()
            .cloned()
            .expect("one error")
    }

    #[test]
    fn rejects_a_bad_inline_frame_table() {
        use crate::module::{InlineEntry, InlineFrame};
        let code = vec![
            Op::LoadUnit { dst: Reg(0) },
            Op::LoadUnit { dst: Reg(0) },
            Op::Ret { src: Reg(0) },
        ];
        let frame = |file| InlineFrame {
            function: "g".into(),
            file,
            call_line: 1,
        };
        let entry = |start, end, frames| InlineEntry { start, end, frames };
        let cases = [
            (vec![entry(0, 4, vec![frame(0)])], "outside"),
            (vec![entry(1, 1, vec![frame(0)])], "empty"),
            (
                vec![entry(0, 2, vec![frame(0)]), entry(1, 3, vec![frame(0)])],
                "overlap",
            ),
            (vec![entry(0, 2, Vec::new())], "no frames"),
            (vec![entry(0, 2, vec![frame(5)])], "file index 5"),
        ];
        for (inlined, words) in cases {
            let mut m = one(code.clone(), 1);
            m.functions[0].inlined = inlined;
            let e = first_error(&m);
            assert!(e.message.contains(words), "{words}: {}", e.message);
        }
        let mut m = one(code, 1);
        m.functions[0].inlined = vec![entry(0, 2, vec![frame(0)]), entry(2, 3, vec![frame(0)])];
        assert!(verify(&m).is_ok());
    }

    #[test]
    fn accepts_a_good_function() {
        assert!(verify(&one(
            vec![Op::LoadUnit { dst: Reg(0) }, Op::Ret { src: Reg(0) }],
            1
        ))
        .is_ok());
    }

    #[test]
    fn judges_reads_by_every_path_whatever_the_visiting_order() {
        // The join block (pc 5) is first reached from the fall-through path,
        // where r1 holds a Bool; the jump's path brings an Int, so it holds
        // either and `addi` is refused: its operands must be proved.
        let (r0, r1, r2) = (Reg(0), Reg(1), Reg(2));
        let mut m = one(
            vec![
                Op::LoadTrue { dst: r0 },
                Op::JmpIf {
                    cond: r0,
                    target: Label(4),
                },
                Op::LoadFalse { dst: r1 },
                Op::Jmp { target: Label(5) },
                Op::LoadInt {
                    dst: r1,
                    imm: Imm(1),
                },
                Op::AddInt {
                    dst: r2,
                    a: r1,
                    b: r1,
                },
                Op::Ret { src: r2 },
            ],
            3,
        );
        let e = first_error(&m);
        assert!(e.message.contains("is not known here"), "{e}");
        assert_eq!(e.pc, Some(5));
        // Checked first, it is proved.
        m.functions[0].code[5] = Op::AsInt { dst: r1, src: r1 };
        m.functions[0].code.insert(
            6,
            Op::AddInt {
                dst: r2,
                a: r1,
                b: r1,
            },
        );
        assert_eq!(verify(&m), Ok(()));
    }

    #[test]
    fn refuses_a_definite_type_error() {
        let m = one(
            vec![
                Op::LoadTrue { dst: Reg(0) },
                Op::AddInt {
                    dst: Reg(0),
                    a: Reg(0),
                    b: Reg(0),
                },
                Op::Ret { src: Reg(0) },
            ],
            1,
        );
        let e = first_error(&m);
        assert!(e.message.contains("needs an Int"), "{e}");
        assert_eq!(e.pc, Some(1));
        // Int on one path and unit on the other: unproven, refused.
        let m = one(
            vec![
                Op::LoadTrue { dst: Reg(1) },
                Op::LoadInt {
                    dst: Reg(0),
                    imm: Imm(1),
                },
                Op::JmpIf {
                    cond: Reg(1),
                    target: Label(4),
                },
                Op::LoadUnit { dst: Reg(0) },
                Op::AddInt {
                    dst: Reg(0),
                    a: Reg(0),
                    b: Reg(0),
                },
                Op::Ret { src: Reg(0) },
            ],
            2,
        );
        let e = first_error(&m);
        assert!(e.message.contains("`addi` needs an Int in r0"), "{e}");
        assert_eq!(e.pc, Some(4));
    }

    #[test]
    fn refuses_a_read_before_any_write() {
        let e = first_error(&one(vec![Op::Ret { src: Reg(0) }], 1));
        assert!(e.message.contains("not written"), "{e}");
        // Written on one path only.
        let m = one(
            vec![
                Op::LoadTrue { dst: Reg(1) },
                Op::JmpIf {
                    cond: Reg(1),
                    target: Label(3),
                },
                Op::LoadUnit { dst: Reg(0) },
                Op::Ret { src: Reg(0) },
            ],
            2,
        );
        let e = first_error(&m);
        assert_eq!(e.pc, Some(3), "{e}");
    }

    #[test]
    fn refuses_bad_registers_jumps_and_endings() {
        let e = first_error(&one(vec![Op::Ret { src: Reg(3) }], 1));
        assert!(e.message.contains("r3"), "{e}");
        let e = first_error(&one(vec![Op::Jmp { target: Label(7) }], 1));
        assert!(e.message.contains("jump target 7"), "{e}");
        let e = first_error(&one(vec![Op::LoadUnit { dst: Reg(0) }], 1));
        assert!(e.message.contains("last instruction"), "{e}");
        assert!(verify(&Module::default()).is_err());
    }

    /// Imports and exports must name functions of the module, each import
    /// a stand-in of its own.
    #[test]
    fn refuses_dangling_imports_and_exports() {
        let mut m = one(
            vec![Op::LoadUnit { dst: Reg(0) }, Op::Ret { src: Reg(0) }],
            1,
        );
        let import = |name: &str, function| crate::module::Import {
            module: "geometry".into(),
            name: name.into(),
            function: Some(function),
            ty: "fn() -> ()".into(),
        };
        m.imports.push(import("area", 0));
        verify(&m).expect("an import with its stand-in verifies");
        m.imports.push(import("perimeter", 0));
        m.imports.push(import("volume", 5));
        m.exports.push(crate::module::Export {
            name: "gone".into(),
            function: Some(9),
            ty: String::new(),
        });
        let errors = verify(&m).expect_err("refused");
        assert_eq!(errors.errors.len(), 3, "{errors}");
        assert!(
            errors.errors[0].message.contains("stand-in of another"),
            "{errors}"
        );
        assert!(errors.errors[1].message.contains("#5"), "{errors}");
        assert!(
            errors.errors[2].message.contains("does not exist"),
            "{errors}"
        );
    }

    /// A library has no entry function.
    #[test]
    fn a_library_needs_no_entry() {
        let mut m = one(
            vec![Op::LoadUnit { dst: Reg(0) }, Op::Ret { src: Reg(0) }],
            1,
        );
        m.functions[0].arity = 1;
        m.functions[0].params = vec![ValType::Any];
        assert!(verify(&m).is_err(), "a program's entry takes no arguments");
        m.library = "geometry".into();
        verify(&m).expect("a library verifies");
    }

    /// A module of `main` (calling function 1 with `args`) and `callee`
    /// (of signature `params -> result`, returning its first argument).
    fn caller_and_callee(args: Vec<Op>, params: Vec<ValType>, result: ValType) -> Module {
        let argc = params.len() as u16;
        let mut code = args;
        code.push(Op::Call {
            dst: Reg(0),
            func: crate::ops::Func(1),
            args: Reg(0),
            argc: crate::ops::Count(argc),
        });
        code.push(Op::AddInt {
            dst: Reg(0),
            a: Reg(0),
            b: Reg(0),
        });
        code.push(Op::Ret { src: Reg(0) });
        let mut m = one(code, argc.max(1));
        m.functions.push(Function {
            name: "callee".into(),
            arity: argc,
            params,
            result,
            n_regs: argc.max(1),
            file: 0,
            code: vec![Op::Ret { src: Reg(0) }],
            lines: vec![],
            inlined: vec![],
        });
        m
    }

    /// The signature: parameters typed on entry, arguments checked at a
    /// `call`, the result given to its destination and checked at `ret`.
    #[test]
    fn signatures_type_calls_and_returns() {
        let int = Op::LoadInt {
            dst: Reg(0),
            imm: Imm(1),
        };
        let float = Op::LoadConst {
            dst: Reg(0),
            k: crate::ops::Const(0),
        };
        let mut m = caller_and_callee(vec![int], vec![ValType::Int], ValType::Int);
        verify(&m).expect("an Int passed, an Int returned, an Int added");

        // The callee's parameter is an Int on entry: returning it as a
        // Float is refused.
        m.functions[1].result = ValType::Float;
        let e = verify(&m).expect_err("an Int returned as a Float");
        assert!(e.to_string().contains("`ret` needs a Float"), "{e}");

        // The call's destination holds the callee's result: a Float added
        // as an Int is refused.
        m.functions[1].params = vec![ValType::Float];
        m.constants = vec![Constant::Float(0.5)];
        m.functions[0].code[0] = float;
        let e = verify(&m).expect_err("a Float result added as an Int");
        assert!(e.to_string().contains("`addi` needs an Int"), "{e}");

        // An argument of the wrong type is refused at the call.
        let mut m = caller_and_callee(vec![float], vec![ValType::Int], ValType::Int);
        m.constants = vec![Constant::Float(0.5)];
        let e = verify(&m).expect_err("a Float passed for an Int");
        assert!(
            e.to_string()
                .contains("`call` needs an Int in r0 (operand `argument`)"),
            "{e}"
        );

        // A signature must have a type for every parameter.
        let mut m = caller_and_callee(vec![int], vec![ValType::Int], ValType::Int);
        m.functions[1].params.clear();
        let e = verify(&m).expect_err("a short signature");
        assert!(
            e.to_string().contains("0 parameter type(s) for arity 1"),
            "{e}"
        );
    }

    /// A closure's captured values are its function's last parameters:
    /// they must hold those parameters' types.
    #[test]
    fn closure_captures_are_typed_by_the_signature() {
        let closure = |capture: Op| {
            let mut m = one(
                vec![
                    capture,
                    Op::MakeClosure {
                        dst: Reg(1),
                        func: crate::ops::Func(1),
                        start: Reg(0),
                        count: crate::ops::Count(1),
                    },
                    Op::Ret { src: Reg(1) },
                ],
                2,
            );
            m.functions.push(Function {
                name: "add".into(),
                arity: 2,
                params: vec![ValType::Int, ValType::Int],
                result: ValType::Int,
                n_regs: 2,
                file: 0,
                code: vec![
                    Op::AddInt {
                        dst: Reg(0),
                        a: Reg(0),
                        b: Reg(1),
                    },
                    Op::Ret { src: Reg(0) },
                ],
                lines: vec![],
                inlined: vec![],
            });
            m
        };
        let int = Op::LoadInt {
            dst: Reg(0),
            imm: Imm(2),
        };
        verify(&closure(int)).expect("an Int captured for an Int");
        let e = first_error(&closure(Op::LoadTrue { dst: Reg(0) }));
        assert!(
            e.message
                .contains("`closure` needs an Int in r0 (operand `captured value`)"),
            "{e}"
        );
    }

    /// Every problem is reported, not only the first.
    #[test]
    fn reports_every_problem() {
        let m = one(
            vec![
                Op::Mov {
                    dst: Reg(5),
                    src: Reg(0),
                },
                Op::Jmp { target: Label(9) },
            ],
            1,
        );
        let errors = verify(&m).expect_err("refused");
        assert_eq!(errors.errors.len(), 2, "{errors}");
    }

    /// A big function is checked like a small one: a type error at the end
    /// of 200,000 instructions over 300 registers is found.
    #[test]
    fn no_size_cut_off() {
        let mut code = vec![Op::LoadInt {
            dst: Reg(0),
            imm: Imm(0),
        }];
        for i in 1..200_000u32 {
            code.push(Op::Mov {
                dst: Reg((i % 300) as u16),
                src: Reg(0),
            });
        }
        code.push(Op::LoadTrue { dst: Reg(1) });
        code.push(Op::NegInt {
            dst: Reg(2),
            src: Reg(1),
        });
        code.push(Op::Ret { src: Reg(2) });
        let e = first_error(&one(code, 300));
        assert!(e.message.contains("needs an Int"), "{e}");
    }

    /// A loop that moves each register's type one register further per
    /// trip (the case that made the old per-instruction dataflow cubic)
    /// converges within the bound the module docs state: at most three
    /// changes per register at each block entry.
    #[test]
    fn a_shifting_loop_is_verified_in_bounded_work() {
        let n: u16 = 2000;
        let mut code = vec![Op::LoadTrue { dst: Reg(0) }];
        for r in 1..n {
            code.push(Op::LoadInt {
                dst: Reg(r),
                imm: Imm(0),
            });
        }
        let head = code.len() as u32;
        for r in (1..n).rev() {
            code.push(Op::Mov {
                dst: Reg(r),
                src: Reg(r - 1),
            });
        }
        code.push(Op::JmpIf {
            cond: Reg(0),
            target: Label(head),
        });
        code.push(Op::Ret { src: Reg(n - 1) });
        let len = code.len() as u64;
        let (result, spent) = verify_counting(&one(code, n));
        assert!(result.is_ok(), "{result:?}");
        let blocks = 3;
        let bound = blocks * 3 * (n as u64 + 1) * (len + n as u64);
        assert!(spent <= bound, "{spent} > {bound}");
        // And it really took many trips: more than one per register.
        assert!(spent > n as u64 * len, "{spent}");
    }
}
