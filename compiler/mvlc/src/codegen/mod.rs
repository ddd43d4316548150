//! Code generation: typed IR to MVM bytecode, one function at a time, then
//! linked into a [`Module`].
//!
//! Register allocation is deliberately simple: local `i` of a function lives
//! in register `i` for the whole function (parameters first, so the
//! arguments land in place), and temporaries are allocated above the locals
//! in stack order (a temporary is released when the expression that needed
//! it is done). Arguments of a call occupy consecutive temporaries.
//!
//! The operand type of each operator, read through the program's final
//! substitution, picks the instruction: `AddInt` for Int, `AddFloat` for
//! Float, `Concat` for String, and the generic `Add` when the type is still a
//! variable (inside a generic function).
//!
//! Invariant handed to the VM: every function ends in `Ret` or `Jmp`, every
//! register operand is below `n_regs`, and each call passes as many arguments
//! as its callee declares (the VM's validator checks all three).

use crate::sema::ir::{self, Callee, ExprKind, FnId, Local, LocalId, PatternKind, Place};
use crate::sema::types::{Ty, TypeTable};
use crate::sema::{env::Env, FnInfo, NativeInfo};
use mvl_syntax::ast::{BinOp, Span, UnaryOp};
use mvm_bytecode::ops::{Const, Count, Func, Imm, Label, Native, Reg, TypeIdx};
use mvm_bytecode::{Constant, Function, LineEntry, Module, Op, OperandMut, TypeDesc, TypeKind};
use std::collections::HashMap;

/// Why a function could not be lowered (limits of the bytecode format).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodegenError {
    pub message: String,
    pub span: Span,
}

/// One lowered function with its own constants (indices local to it until
/// [`link`] merges them into the module's pool).
#[derive(Clone, Debug, PartialEq)]
pub struct LoweredFn {
    pub function: Function,
    pub constants: Vec<Constant>,
    /// The functions its `Func` operands name: operand `k` means
    /// `callees[k]` until [`link`] gives each function its index.
    pub callees: Vec<FnId>,
}

/// Maps byte offsets of one source text to 1-based line numbers: the
/// offsets where its lines start. Built once per file (the query
/// `db::line_index`) and shared by lowering and diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> u32 {
        self.starts.partition_point(|s| *s <= offset) as u32
    }

    /// The byte range of the 1-based `line`, without its `\n`.
    pub fn line_range(&self, line: u32) -> std::ops::Range<usize> {
        let i = (line.max(1) - 1) as usize;
        let start = self.starts.get(i).copied().unwrap_or(self.len);
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.len, |next| next - 1)
            .max(start);
        start..end
    }
}

/// Lowers one function of a program that checked without errors: `info`,
/// whose types are read through `table` (its component's), in the file
/// with index `file_index`, its lines counted by `lines`.
pub fn lower_function(
    info: &FnInfo,
    table: &TypeTable,
    natives: &[NativeInfo],
    file_index: u32,
    lines: &LineIndex,
) -> Result<LoweredFn, CodegenError> {
    let Some(body) = &info.body else {
        return Err(CodegenError {
            message: format!("`{}` has no checked body", info.name),
            span: info.span,
        });
    };
    // Registers: parameters, then captures (a closure's captured values
    // follow its arguments in the callee's window), then every other local
    // this function declares, then temporaries.
    let mut order: Vec<LocalId> = body.params.clone();
    order.extend(body.captures.iter().copied());
    collect_declared(&body.body, &mut order);
    let mut regs = HashMap::new();
    for id in order {
        let next = regs.len();
        regs.entry(id).or_insert(next);
    }
    let n_locals = regs.len();
    let mut cx = FnGen {
        table,
        natives,
        locals: &body.locals,
        regs,
        code: Vec::new(),
        lines: Vec::new(),
        line_index: lines,
        constants: Vec::new(),
        callees: Vec::new(),
        next_temp: n_locals,
        max_regs: n_locals.max(1),
        loops: Vec::new(),
        error: None,
    };
    // A boxed parameter moves into its cell on entry.
    for p in &body.params {
        if cx.is_boxed(*p) {
            let r = cx.reg(*p);
            cx.emit(Op::NewCell { dst: r, src: r }, info.span);
        }
    }
    let dst = cx.temp();
    cx.compile_into(&body.body, dst);
    cx.emit(Op::Ret { src: dst }, body.body.span);
    if let Some(err) = cx.error {
        return Err(err);
    }
    if cx.max_regs > u16::MAX as usize {
        return Err(CodegenError {
            message: format!(
                "`{}` needs {} registers; a function may use at most {}",
                info.name,
                cx.max_regs,
                u16::MAX
            ),
            span: info.span,
        });
    }
    Ok(LoweredFn {
        function: Function {
            name: info.name.clone(),
            arity: (body.captures.len() + body.params.len()) as u16,
            n_regs: cx.max_regs as u16,
            file: file_index,
            code: cx.code,
            lines: cx.lines,
        },
        constants: cx.constants,
        callees: cx.callees,
    })
}

/// The locals a function body declares (not those of the closures inside
/// it, whose bodies are separate functions), in order of declaration.
fn collect_declared(e: &ir::Expr, out: &mut Vec<LocalId>) {
    crate::with_stack(|| collect_declared_here(e, out))
}

fn collect_declared_here(e: &ir::Expr, out: &mut Vec<LocalId>) {
    match &e.kind {
        ExprKind::ForRange { var, .. } => out.push(*var),
        ExprKind::ForArray { pattern, .. } => pattern.bindings(out),
        ExprKind::Block(stmts, _) => {
            for s in stmts {
                if let ir::Stmt::Let(p, _) = s {
                    p.bindings(out);
                }
            }
        }
        ExprKind::Match(_, arms) => arms.iter().for_each(|a| a.pattern.bindings(out)),
        _ => {}
    }
    e.for_each_child(|c| collect_declared(c, out));
}

/// Merges lowered functions into one module, in the order given (which
/// becomes their index), pooling and de-duplicating their constants and
/// turning each function's callee table into module indices.
pub fn link(
    functions: Vec<(FnId, LoweredFn)>,
    natives: Vec<String>,
    files: Vec<String>,
    types: Vec<TypeDesc>,
    entry: FnId,
) -> Module {
    let index: HashMap<FnId, u32> = functions
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i as u32))
        .collect();
    let entry = index.get(&entry).copied().unwrap_or(0);
    let mut module = Module {
        natives,
        files,
        types,
        exports: vec![mvm_bytecode::Export {
            name: "main".to_string(),
            function: Some(entry),
            ty: String::new(),
        }],
        entry,
        ..Module::default()
    };
    for (_, lowered) in functions {
        let callees: Vec<u32> = lowered
            .callees
            .iter()
            .map(|c| index.get(c).copied().unwrap_or(0))
            .collect();
        let mut function = lowered.function;
        let remap: Vec<u32> = lowered
            .constants
            .into_iter()
            .map(|c| intern_constant(&mut module.constants, c))
            .collect();
        for op in &mut function.code {
            op.for_each_operand_mut(|o| match o {
                OperandMut::Const(k) => {
                    if let Some(global) = remap.get(k.0 as usize) {
                        *k = Const(*global);
                    }
                }
                OperandMut::Func(f) => {
                    if let Some(global) = callees.get(f.0 as usize) {
                        *f = Func(*global);
                    }
                }
                _ => {}
            });
        }
        module.functions.push(function);
    }
    module
}

/// The VM's descriptors of the program's structs and enums, indexed like
/// [`crate::sema::types::AdtId`].
pub fn type_descriptors(env: &Env) -> Vec<TypeDesc> {
    use crate::sema::env::AdtKind;
    env.adts
        .iter()
        .map(|a| TypeDesc {
            name: a.name.clone(),
            kind: match &a.kind {
                AdtKind::Struct(fields) => {
                    TypeKind::Struct(fields.iter().map(|f| f.name.clone()).collect())
                }
                AdtKind::Enum(vs) => TypeKind::Enum(
                    vs.iter()
                        .map(|v| (v.name.clone(), v.fields.len().min(u16::MAX as usize) as u16))
                        .collect(),
                ),
            },
        })
        .collect()
}

fn intern_constant(pool: &mut Vec<Constant>, c: Constant) -> u32 {
    let same = |a: &Constant| match (a, &c) {
        (Constant::Float(x), Constant::Float(y)) => x.to_bits() == y.to_bits(),
        _ => *a == c,
    };
    match pool.iter().position(same) {
        Some(i) => i as u32,
        None => {
            pool.push(c);
            pool.len() as u32 - 1
        }
    }
}

struct LoopLabels {
    /// Where `continue` goes, when already known (`while`).
    continue_target: Option<usize>,
    /// Jumps to patch to the `continue` target once known (`for`).
    continue_jumps: Vec<usize>,
    break_jumps: Vec<usize>,
}

struct FnGen<'a> {
    table: &'a TypeTable,
    natives: &'a [crate::sema::NativeInfo],
    locals: &'a [Local],
    /// The register of each local of this function.
    regs: HashMap<LocalId, usize>,
    code: Vec<Op>,
    lines: Vec<LineEntry>,
    line_index: &'a LineIndex,
    constants: Vec<Constant>,
    /// The functions named so far; a `Func` operand indexes it.
    callees: Vec<FnId>,
    next_temp: usize,
    max_regs: usize,
    loops: Vec<LoopLabels>,
    error: Option<CodegenError>,
}

/// The operand type class that selects an instruction.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Operands {
    Int,
    Float,
    Str,
    /// Bool, (), functions: only `==`/`!=` apply.
    Other,
    /// A type variable: use the generic instruction.
    Generic,
}

impl FnGen<'_> {
    fn emit(&mut self, op: Op, span: Span) -> usize {
        let line = self.line_index.line(span.start as usize);
        if self.lines.last().is_none_or(|l| l.line != line) {
            self.lines.push(LineEntry {
                pc: self.code.len() as u32,
                line,
            });
        }
        self.code.push(op);
        self.code.len() - 1
    }

    fn here(&self) -> usize {
        self.code.len()
    }

    /// Points the jump at `at` to `target`.
    fn patch(&mut self, at: usize, target: usize) {
        if let Some(op) = self.code.get_mut(at) {
            op.for_each_operand_mut(|o| {
                if let OperandMut::Label(t) = o {
                    *t = Label(target as u32);
                }
            });
        }
    }

    fn temp(&mut self) -> Reg {
        let r = self.next_temp;
        self.next_temp += 1;
        self.max_regs = self.max_regs.max(self.next_temp);
        Reg(r.min(u16::MAX as usize) as u16)
    }

    fn reg(&self, id: LocalId) -> Reg {
        let r = self.regs.get(&id).copied().unwrap_or(0);
        Reg(r.min(u16::MAX as usize) as u16)
    }

    fn is_boxed(&self, id: LocalId) -> bool {
        self.locals.get(id.0 as usize).is_some_and(|l| l.boxed)
    }

    /// Stores `src` into local `id`: into its cell if it is boxed (a new
    /// cell: this is a declaration).
    fn declare_local(&mut self, id: LocalId, src: Reg, span: Span) {
        let r = self.reg(id);
        if self.is_boxed(id) {
            self.emit(Op::NewCell { dst: r, src }, span);
        } else if r != src {
            self.emit(Op::Mov { dst: r, src }, span);
        }
    }

    /// Overwrites the value of an existing local.
    fn write_local(&mut self, id: LocalId, src: Reg, span: Span) {
        let r = self.reg(id);
        if self.is_boxed(id) {
            self.emit(Op::SetCell { cell: r, src }, span);
        } else if r != src {
            self.emit(Op::Mov { dst: r, src }, span);
        }
    }

    /// Compiles `items` into consecutive new temporaries; returns the first
    /// register and the count.
    fn compile_list(&mut self, items: &[ir::Expr], span: Span) -> (Reg, Count) {
        let base = self.next_temp;
        let regs: Vec<Reg> = items.iter().map(|_| self.temp()).collect();
        for (item, reg) in items.iter().zip(&regs) {
            self.compile_into(item, *reg);
        }
        if items.len() > u16::MAX as usize && self.error.is_none() {
            self.error = Some(CodegenError {
                message: "too many elements in one expression".to_string(),
                span,
            });
        }
        // An empty list names register 0, which every frame has.
        let start = if items.is_empty() {
            0
        } else {
            base.min(u16::MAX as usize)
        };
        (
            Reg(start as u16),
            Count(items.len().min(u16::MAX as usize) as u16),
        )
    }

    /// The operand naming function `id` (resolved to its index by [`link`]).
    fn func(&mut self, id: FnId) -> Func {
        let k = match self.callees.iter().position(|c| *c == id) {
            Some(k) => k,
            None => {
                self.callees.push(id);
                self.callees.len() - 1
            }
        };
        Func(k as u32)
    }

    fn constant(&mut self, c: Constant) -> Const {
        Const(intern_constant(&mut self.constants, c))
    }

    fn operands(&self, ty: &Ty) -> Operands {
        match self.table.shallow_ref(ty) {
            Ty::Int => Operands::Int,
            Ty::Float => Operands::Float,
            Ty::Str => Operands::Str,
            Ty::Var(_) | Ty::Gen(_) => Operands::Generic,
            Ty::Bool | Ty::Unit | Ty::Fn(..) | Ty::App(..) => Operands::Other,
        }
    }

    /// Compiles `e` and returns the register holding its value: a local's
    /// own register when `e` is a local, else a new temporary.
    fn compile_any(&mut self, e: &ir::Expr) -> Reg {
        if let ExprKind::Local(id) = e.kind {
            if !self.is_boxed(id) {
                return self.reg(id);
            }
        }
        let dst = self.temp();
        self.compile_into(e, dst);
        dst
    }

    fn compile_into(&mut self, e: &ir::Expr, dst: Reg) {
        crate::with_stack(|| self.compile_here(e, dst))
    }

    fn compile_here(&mut self, e: &ir::Expr, dst: Reg) {
        let span = e.span;
        match &e.kind {
            ExprKind::Unit | ExprKind::Error | ExprKind::Pending(_) => {
                self.emit(Op::LoadUnit { dst }, span);
            }
            ExprKind::Int(n) => {
                if let Ok(imm) = i32::try_from(*n) {
                    self.emit(Op::LoadInt { dst, imm: Imm(imm) }, span);
                } else {
                    let k = self.constant(Constant::Int(*n));
                    self.emit(Op::LoadConst { dst, k }, span);
                }
            }
            ExprKind::Float(x) => {
                let k = self.constant(Constant::Float(*x));
                self.emit(Op::LoadConst { dst, k }, span);
            }
            ExprKind::Bool(b) => {
                let op = if *b {
                    Op::LoadTrue { dst }
                } else {
                    Op::LoadFalse { dst }
                };
                self.emit(op, span);
            }
            ExprKind::Str(s) => {
                let k = self.constant(Constant::Str(s.clone()));
                self.emit(Op::LoadConst { dst, k }, span);
            }
            ExprKind::Local(id) => {
                let src = self.reg(*id);
                if self.is_boxed(*id) {
                    self.emit(Op::GetCell { dst, cell: src }, span);
                } else if src != dst {
                    self.emit(Op::Mov { dst, src }, span);
                }
            }
            ExprKind::FnRef(id) => {
                let func = self.func(*id);
                self.emit(Op::LoadFn { dst, func }, span);
            }
            ExprKind::Interp(parts) => self.compile_interp(parts, dst, span),
            ExprKind::Unary(op, inner) => {
                let mark = self.next_temp;
                let src = self.compile_any(inner);
                let op = match (op, self.operands(&inner.ty)) {
                    (UnaryOp::Not, _) => Op::Not { dst, src },
                    (UnaryOp::Neg, Operands::Int) => Op::NegInt { dst, src },
                    (UnaryOp::Neg, Operands::Float) => Op::NegFloat { dst, src },
                    (UnaryOp::Neg, _) => Op::Neg { dst, src },
                };
                self.emit(op, span);
                self.next_temp = mark;
            }
            ExprKind::Binary(op, lhs, rhs) => {
                let mark = self.next_temp;
                if let Some(form) = self.immediate_form(*op, lhs, rhs) {
                    let a = self.compile_any(lhs);
                    self.emit(form.op(dst, a), span);
                } else {
                    let a = self.compile_before(lhs, rhs);
                    let b = self.compile_any(rhs);
                    let kind = self.operands(&lhs.ty);
                    self.emit_binary(*op, kind, dst, a, b, span);
                }
                self.next_temp = mark;
            }
            ExprKind::And(lhs, rhs) | ExprKind::Or(lhs, rhs) => {
                self.compile_into(lhs, dst);
                let jump = if matches!(e.kind, ExprKind::And(..)) {
                    Op::JmpIfNot {
                        cond: dst,
                        target: Label(0),
                    }
                } else {
                    Op::JmpIf {
                        cond: dst,
                        target: Label(0),
                    }
                };
                let at = self.emit(jump, span);
                self.compile_into(rhs, dst);
                let end = self.here();
                self.patch(at, end);
            }
            ExprKind::Assign(place, value) => {
                self.compile_assign(place, value, span);
                self.emit(Op::LoadUnit { dst }, span);
            }
            ExprKind::Call(callee, args) => self.compile_call(callee, args, dst, span),
            ExprKind::If(cond, then, els) => {
                let to_else = self.compile_jump_unless(cond, span);
                self.compile_into(then, dst);
                let to_end = self.emit(Op::Jmp { target: Label(0) }, span);
                let else_start = self.here();
                self.patch(to_else, else_start);
                match els {
                    Some(els) => self.compile_into(els, dst),
                    None => {
                        self.emit(Op::LoadUnit { dst }, span);
                    }
                }
                let end = self.here();
                self.patch(to_end, end);
            }
            ExprKind::While(cond, body) => {
                let top = self.here();
                let exit = self.compile_jump_unless(cond, span);
                self.loops.push(LoopLabels {
                    continue_target: Some(top),
                    continue_jumps: Vec::new(),
                    break_jumps: vec![exit],
                });
                self.compile_discard(body);
                self.emit(
                    Op::Jmp {
                        target: Label(top as u32),
                    },
                    span,
                );
                self.close_loop(top);
                self.emit(Op::LoadUnit { dst }, span);
            }
            ExprKind::Loop(body) => {
                // No exit but the `break`s; nothing falls through, so the
                // loop writes no value (sema reads `loop`'s from a local).
                let top = self.here();
                self.loops.push(LoopLabels {
                    continue_target: Some(top),
                    continue_jumps: Vec::new(),
                    break_jumps: Vec::new(),
                });
                self.compile_discard(body);
                self.emit(
                    Op::Jmp {
                        target: Label(top as u32),
                    },
                    span,
                );
                self.close_loop(top);
            }
            ExprKind::ForRange {
                var,
                start,
                end,
                inclusive,
                body,
            } => {
                let mark = self.next_temp;
                // The loop counts in a temporary; the variable gets a copy
                // each round (a closure may capture it).
                let counter = self.temp();
                self.compile_into(start, counter);
                let limit = self.temp();
                self.compile_into(end, limit);
                let test = self.temp();
                let top = self.here();
                let cmp = if *inclusive {
                    Op::LeInt {
                        dst: test,
                        a: counter,
                        b: limit,
                    }
                } else {
                    Op::LtInt {
                        dst: test,
                        a: counter,
                        b: limit,
                    }
                };
                self.emit(cmp, span);
                let exit = self.emit(
                    Op::JmpIfNot {
                        cond: test,
                        target: Label(0),
                    },
                    span,
                );
                self.declare_local(*var, counter, span);
                self.loops.push(LoopLabels {
                    continue_target: None,
                    continue_jumps: Vec::new(),
                    break_jumps: vec![exit],
                });
                self.compile_discard(body);
                let step = self.here();
                if *inclusive {
                    // Stop before incrementing past `end`, which may be Int's maximum.
                    self.emit(
                        Op::EqInt {
                            dst: test,
                            a: counter,
                            b: limit,
                        },
                        span,
                    );
                    let done = self.emit(
                        Op::JmpIf {
                            cond: test,
                            target: Label(0),
                        },
                        span,
                    );
                    if let Some(l) = self.loops.last_mut() {
                        l.break_jumps.push(done);
                    }
                }
                self.emit(
                    Op::LoadInt {
                        dst: test,
                        imm: Imm(1),
                    },
                    span,
                );
                self.emit(
                    Op::AddInt {
                        dst: counter,
                        a: counter,
                        b: test,
                    },
                    span,
                );
                self.emit(
                    Op::Jmp {
                        target: Label(top as u32),
                    },
                    span,
                );
                self.close_loop(step);
                self.next_temp = mark;
                self.emit(Op::LoadUnit { dst }, span);
            }
            ExprKind::Break | ExprKind::Continue => {
                let at = self.emit(Op::Jmp { target: Label(0) }, span);
                let is_break = matches!(e.kind, ExprKind::Break);
                let known = self.loops.last().and_then(|l| l.continue_target);
                match (self.loops.last_mut(), is_break) {
                    (Some(l), true) => l.break_jumps.push(at),
                    (Some(l), false) => match known {
                        Some(t) => {
                            self.patch(at, t);
                        }
                        None => l.continue_jumps.push(at),
                    },
                    (None, _) => {}
                }
            }
            ExprKind::Return(value) => {
                let mark = self.next_temp;
                let r = self.compile_any(value);
                self.emit(Op::Ret { src: r }, span);
                self.next_temp = mark;
            }
            ExprKind::Tuple(items) => {
                let mark = self.next_temp;
                let (start, count) = self.compile_list(items, span);
                self.emit(Op::NewTuple { dst, start, count }, span);
                self.next_temp = mark;
            }
            ExprKind::Array(items) => {
                let mark = self.next_temp;
                let (start, count) = self.compile_list(items, span);
                self.emit(Op::NewArray { dst, start, count }, span);
                self.next_temp = mark;
            }
            ExprKind::Struct(adt, fields) => {
                let mark = self.next_temp;
                let (start, count) = self.compile_list(fields, span);
                self.emit(
                    Op::NewStruct {
                        dst,
                        ty: TypeIdx(adt.0),
                        start,
                        count,
                    },
                    span,
                );
                self.next_temp = mark;
            }
            ExprKind::Variant(adt, v, fields) => {
                let mark = self.next_temp;
                let (start, count) = self.compile_list(fields, span);
                let variant = Count((*v).min(u16::MAX as u32) as u16);
                self.emit(
                    Op::NewVariant {
                        dst,
                        ty: TypeIdx(adt.0),
                        variant,
                        start,
                        count,
                    },
                    span,
                );
                self.next_temp = mark;
            }
            ExprKind::Field(obj, index) => {
                let mark = self.next_temp;
                let o = self.compile_any(obj);
                let index = Count((*index).min(u16::MAX as u32) as u16);
                self.emit(Op::GetField { dst, obj: o, index }, span);
                self.next_temp = mark;
            }
            ExprKind::Index(arr, idx) => {
                let mark = self.next_temp;
                let a = self.compile_before(arr, idx);
                let i = self.compile_any(idx);
                self.emit(
                    Op::GetIndex {
                        dst,
                        arr: a,
                        idx: i,
                    },
                    span,
                );
                self.next_temp = mark;
            }
            ExprKind::Closure(func, captures) => {
                let mark = self.next_temp;
                let base = self.next_temp;
                for c in captures {
                    // A boxed variable passes its cell; any other its value.
                    let t = self.temp();
                    let r = self.reg(*c);
                    self.emit(Op::Mov { dst: t, src: r }, span);
                }
                let start = Reg(if captures.is_empty() {
                    0
                } else {
                    base.min(u16::MAX as usize)
                } as u16);
                let count = Count(captures.len().min(u16::MAX as usize) as u16);
                let func = self.func(*func);
                self.emit(
                    Op::MakeClosure {
                        dst,
                        func,
                        start,
                        count,
                    },
                    span,
                );
                self.next_temp = mark;
            }
            ExprKind::Match(scrutinee, arms) => self.compile_match(scrutinee, arms, dst, span),
            ExprKind::ForArray {
                pattern,
                array,
                body,
            } => {
                let mark = self.next_temp;
                let arr = self.temp();
                self.compile_into(array, arr);
                let i = self.temp();
                let len = self.temp();
                let elem = self.temp();
                self.emit(
                    Op::LoadInt {
                        dst: i,
                        imm: Imm(0),
                    },
                    span,
                );
                let top = self.here();
                self.emit(Op::Len { dst: len, src: arr }, span);
                self.emit(
                    Op::LtInt {
                        dst: len,
                        a: i,
                        b: len,
                    },
                    span,
                );
                let exit = self.emit(
                    Op::JmpIfNot {
                        cond: len,
                        target: Label(0),
                    },
                    span,
                );
                self.emit(
                    Op::GetIndex {
                        dst: elem,
                        arr,
                        idx: i,
                    },
                    span,
                );
                let mut fails = Vec::new();
                self.compile_pattern(pattern, elem, &mut fails);
                self.loops.push(LoopLabels {
                    continue_target: None,
                    continue_jumps: Vec::new(),
                    break_jumps: vec![exit],
                });
                self.compile_discard(body);
                let step = self.here();
                for f in fails {
                    self.patch(f, step);
                }
                self.emit(
                    Op::LoadInt {
                        dst: len,
                        imm: Imm(1),
                    },
                    span,
                );
                self.emit(
                    Op::AddInt {
                        dst: i,
                        a: i,
                        b: len,
                    },
                    span,
                );
                self.emit(
                    Op::Jmp {
                        target: Label(top as u32),
                    },
                    span,
                );
                self.close_loop(step);
                self.next_temp = mark;
                self.emit(Op::LoadUnit { dst }, span);
            }
            ExprKind::Block(stmts, tail) => {
                for stmt in stmts {
                    match stmt {
                        ir::Stmt::Let(pattern, value) => {
                            let mark = self.next_temp;
                            match pattern.kind {
                                PatternKind::Bind(id) if !self.is_boxed(id) => {
                                    let r = self.reg(id);
                                    self.compile_into(value, r);
                                }
                                _ => {
                                    let v = self.compile_any(value);
                                    let mut fails = Vec::new();
                                    self.compile_pattern(pattern, v, &mut fails);
                                    // An irrefutable pattern never fails.
                                    let end = self.here();
                                    for f in fails {
                                        self.patch(f, end);
                                    }
                                }
                            }
                            self.next_temp = mark;
                        }
                        ir::Stmt::Expr(e) => self.compile_discard(e),
                    }
                }
                match tail {
                    Some(t) => self.compile_into(t, dst),
                    None => {
                        self.emit(Op::LoadUnit { dst }, span);
                    }
                }
            }
        }
    }

    /// `place = value`.
    fn compile_assign(&mut self, place: &Place, value: &ir::Expr, span: Span) {
        let mark = self.next_temp;
        match place {
            Place::Local(id) if !self.is_boxed(*id) => {
                // Evaluate into a temporary first: the value may read the
                // variable (`x = [x]`) while it is being built.
                let v = self.temp();
                self.compile_into(value, v);
                let r = self.reg(*id);
                self.emit(Op::Mov { dst: r, src: v }, span);
            }
            Place::Index(arr, idx) => {
                // Left to right: the array, the index, then the value.
                let a = self.temp();
                self.compile_into(arr, a);
                let i = self.temp();
                self.compile_into(idx, i);
                let v = self.compile_any(value);
                self.emit(
                    Op::SetIndex {
                        arr: a,
                        idx: i,
                        src: v,
                    },
                    span,
                );
            }
            _ => {
                let v = self.compile_any(value);
                self.write_place(place, v, span);
            }
        }
        self.next_temp = mark;
    }

    /// Reads the current value of a place into a register.
    fn read_place(&mut self, place: &Place, span: Span) -> Reg {
        match place {
            Place::Local(id) => {
                if self.is_boxed(*id) {
                    let t = self.temp();
                    let r = self.reg(*id);
                    self.emit(Op::GetCell { dst: t, cell: r }, span);
                    t
                } else {
                    self.reg(*id)
                }
            }
            Place::Index(arr, idx) => {
                let a = self.compile_any(arr);
                let i = self.compile_any(idx);
                let t = self.temp();
                self.emit(
                    Op::GetIndex {
                        dst: t,
                        arr: a,
                        idx: i,
                    },
                    span,
                );
                t
            }
            Place::Field(base, index, _) => {
                let b = self.read_place(base, span);
                let t = self.temp();
                let index = Count((*index).min(u16::MAX as u32) as u16);
                self.emit(
                    Op::GetField {
                        dst: t,
                        obj: b,
                        index,
                    },
                    span,
                );
                t
            }
        }
    }

    /// Stores register `v` into a place. A field is replaced by building a
    /// copy of the value holding it and storing that copy back.
    fn write_place(&mut self, place: &Place, v: Reg, span: Span) {
        match place {
            Place::Local(id) => self.write_local(*id, v, span),
            Place::Index(arr, idx) => {
                let a = self.compile_any(arr);
                let i = self.compile_any(idx);
                self.emit(
                    Op::SetIndex {
                        arr: a,
                        idx: i,
                        src: v,
                    },
                    span,
                );
            }
            Place::Field(base, index, _) => {
                let old = self.read_place(base, span);
                let new = self.temp();
                let index = Count((*index).min(u16::MAX as u32) as u16);
                self.emit(
                    Op::SetField {
                        dst: new,
                        obj: old,
                        index,
                        src: v,
                    },
                    span,
                );
                self.write_place(base, new, span);
            }
        }
    }

    /// Tests the arms in order: the first whose pattern matches and whose
    /// guard holds gives the value.
    fn compile_match(&mut self, scrutinee: &ir::Expr, arms: &[ir::Arm], dst: Reg, span: Span) {
        let mark = self.next_temp;
        let s = self.temp();
        self.compile_into(scrutinee, s);
        let mut to_end = Vec::new();
        for arm in arms {
            let arm_mark = self.next_temp;
            let mut fails = Vec::new();
            self.compile_pattern(&arm.pattern, s, &mut fails);
            if let Some(g) = &arm.guard {
                let c = self.compile_any(g);
                fails.push(self.emit(
                    Op::JmpIfNot {
                        cond: c,
                        target: Label(0),
                    },
                    g.span,
                ));
            }
            self.next_temp = arm_mark;
            self.compile_into(&arm.body, dst);
            to_end.push(self.emit(Op::Jmp { target: Label(0) }, arm.body.span));
            let next = self.here();
            for f in fails {
                self.patch(f, next);
            }
        }
        // Exhaustiveness was checked; this is never reached.
        self.emit(Op::LoadUnit { dst }, span);
        let end = self.here();
        for j in to_end {
            self.patch(j, end);
        }
        self.next_temp = mark;
    }

    /// Tests `pattern` against the value in `v`, binding its variables;
    /// pushes the jumps taken when it does not match onto `fails`.
    fn compile_pattern(&mut self, pattern: &ir::Pattern, v: Reg, fails: &mut Vec<usize>) {
        let span = pattern.span;
        let mark = self.next_temp;
        match &pattern.kind {
            PatternKind::Wildcard | PatternKind::Unit => {}
            PatternKind::Bind(id) => self.declare_local(*id, v, span),
            PatternKind::Bool(b) => {
                let op = if *b {
                    Op::JmpIfNot {
                        cond: v,
                        target: Label(0),
                    }
                } else {
                    Op::JmpIf {
                        cond: v,
                        target: Label(0),
                    }
                };
                fails.push(self.emit(op, span));
            }
            PatternKind::Int(n) => {
                let t = self.temp();
                self.compile_into(
                    &ir::Expr {
                        kind: ExprKind::Int(*n),
                        ty: Ty::Int,
                        span,
                    },
                    t,
                );
                self.emit(Op::EqInt { dst: t, a: v, b: t }, span);
                fails.push(self.emit(
                    Op::JmpIfNot {
                        cond: t,
                        target: Label(0),
                    },
                    span,
                ));
            }
            PatternKind::Float(x) => {
                let t = self.temp();
                let k = self.constant(Constant::Float(*x));
                self.emit(Op::LoadConst { dst: t, k }, span);
                self.emit(Op::EqFloat { dst: t, a: v, b: t }, span);
                fails.push(self.emit(
                    Op::JmpIfNot {
                        cond: t,
                        target: Label(0),
                    },
                    span,
                ));
            }
            PatternKind::Str(text) => {
                let t = self.temp();
                let k = self.constant(Constant::Str(text.clone()));
                self.emit(Op::LoadConst { dst: t, k }, span);
                self.emit(Op::Eq { dst: t, a: v, b: t }, span);
                fails.push(self.emit(
                    Op::JmpIfNot {
                        cond: t,
                        target: Label(0),
                    },
                    span,
                ));
            }
            PatternKind::Range(lo, hi) => {
                let t = self.temp();
                let b = self.temp();
                for (bound, below) in [(*lo, true), (*hi, false)] {
                    self.compile_into(
                        &ir::Expr {
                            kind: ExprKind::Int(bound),
                            ty: Ty::Int,
                            span,
                        },
                        b,
                    );
                    let op = if below {
                        Op::LeInt { dst: t, a: b, b: v }
                    } else {
                        Op::LeInt { dst: t, a: v, b }
                    };
                    self.emit(op, span);
                    fails.push(self.emit(
                        Op::JmpIfNot {
                            cond: t,
                            target: Label(0),
                        },
                        span,
                    ));
                }
            }
            PatternKind::Tuple(items) => {
                for (i, p) in items.iter().enumerate() {
                    self.compile_subpattern(p, v, i as u32, fails);
                }
            }
            PatternKind::Struct(_, fields) => {
                for (i, p) in fields {
                    self.compile_subpattern(p, v, *i, fails);
                }
            }
            PatternKind::Variant(_, variant, items) => {
                let t = self.temp();
                let variant = Count((*variant).min(u16::MAX as u32) as u16);
                self.emit(
                    Op::VariantIs {
                        dst: t,
                        obj: v,
                        variant,
                    },
                    span,
                );
                fails.push(self.emit(
                    Op::JmpIfNot {
                        cond: t,
                        target: Label(0),
                    },
                    span,
                ));
                for (i, p) in items.iter().enumerate() {
                    self.compile_subpattern(p, v, i as u32, fails);
                }
            }
            PatternKind::Or(alts) => {
                let mut matched = Vec::new();
                for (i, alt) in alts.iter().enumerate() {
                    if i + 1 == alts.len() {
                        self.compile_pattern(alt, v, fails);
                    } else {
                        let mut alt_fails = Vec::new();
                        self.compile_pattern(alt, v, &mut alt_fails);
                        matched.push(self.emit(Op::Jmp { target: Label(0) }, span));
                        let next = self.here();
                        for f in alt_fails {
                            self.patch(f, next);
                        }
                    }
                }
                let ok = self.here();
                for m in matched {
                    self.patch(m, ok);
                }
            }
        }
        self.next_temp = mark;
    }

    /// Tests field `index` of the value in `v` against `p`, unless `p`
    /// matches anything without binding.
    fn compile_subpattern(&mut self, p: &ir::Pattern, v: Reg, index: u32, fails: &mut Vec<usize>) {
        if matches!(p.kind, PatternKind::Wildcard) {
            return;
        }
        let t = self.temp();
        let index = Count(index.min(u16::MAX as u32) as u16);
        self.emit(
            Op::GetField {
                dst: t,
                obj: v,
                index,
            },
            p.span,
        );
        self.compile_pattern(p, t, fails);
    }

    /// Compiles `first`, which is evaluated before `then`: a local is read
    /// from its own register only when `then` cannot change it; otherwise
    /// its value is copied first, so evaluation stays left to right.
    fn compile_before(&mut self, first: &ir::Expr, then: &ir::Expr) -> Reg {
        let simple = |e: &ir::Expr| {
            matches!(
                e.kind,
                ExprKind::Int(_)
                    | ExprKind::Float(_)
                    | ExprKind::Bool(_)
                    | ExprKind::Str(_)
                    | ExprKind::Unit
                    | ExprKind::Local(_)
                    | ExprKind::FnRef(_)
            )
        };
        if matches!(first.kind, ExprKind::Local(_)) && !simple(then) {
            let t = self.temp();
            self.compile_into(first, t);
            t
        } else {
            self.compile_any(first)
        }
    }

    /// Compiles `e` for its effect only.
    fn compile_discard(&mut self, e: &ir::Expr) {
        let mark = self.next_temp;
        let r = self.temp();
        self.compile_into(e, r);
        self.next_temp = mark;
    }

    /// Patches the innermost loop's pending jumps: `continue`s to
    /// `continue_target`, `break`s to the current position.
    fn close_loop(&mut self, continue_target: usize) {
        let Some(labels) = self.loops.pop() else {
            return;
        };
        let end = self.here();
        for at in labels.break_jumps {
            self.patch(at, end);
        }
        for at in labels.continue_jumps {
            self.patch(at, continue_target);
        }
    }

    /// Compiles `cond` and a jump taken when it is false, to be patched;
    /// returns the jump's index. An Int comparison becomes one
    /// compare-and-branch instruction on its negation (for Ints, `!(a < b)`
    /// is `b <= a`); anything else a Bool in a temporary and `jmpifnot`.
    fn compile_jump_unless(&mut self, cond: &ir::Expr, span: Span) -> usize {
        let mark = self.next_temp;
        let target = Label(0);
        if let ExprKind::Binary(op, lhs, rhs) = &cond.kind {
            let op = *op;
            let compares = matches!(
                op,
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
            );
            if compares && self.operands(&lhs.ty) == Operands::Int {
                let literal = match rhs.kind {
                    ExprKind::Int(n) => i32::try_from(n).ok().map(Imm),
                    _ => None,
                };
                let jump = if let Some(imm) = literal {
                    let a = self.compile_any(lhs);
                    match op {
                        BinOp::Lt => Op::JmpGeIntImm { a, imm, target },
                        BinOp::Le => Op::JmpGtIntImm { a, imm, target },
                        BinOp::Gt => Op::JmpLeIntImm { a, imm, target },
                        BinOp::Ge => Op::JmpLtIntImm { a, imm, target },
                        BinOp::Eq => Op::JmpNeIntImm { a, imm, target },
                        _ => Op::JmpEqIntImm { a, imm, target },
                    }
                } else {
                    let a = self.compile_before(lhs, rhs);
                    let b = self.compile_any(rhs);
                    match op {
                        BinOp::Lt => Op::JmpLeInt { a: b, b: a, target },
                        BinOp::Le => Op::JmpLtInt { a: b, b: a, target },
                        BinOp::Gt => Op::JmpLeInt { a, b, target },
                        BinOp::Ge => Op::JmpLtInt { a, b, target },
                        BinOp::Eq => Op::JmpNeInt { a, b, target },
                        _ => Op::JmpEqInt { a, b, target },
                    }
                };
                self.next_temp = mark;
                return self.emit(jump, cond.span);
            }
        }
        let c = self.compile_any(cond);
        self.next_temp = mark;
        self.emit(Op::JmpIfNot { cond: c, target }, span)
    }

    /// For `lhs op n`, where `lhs` is an Int and `n` an Int literal that
    /// fits 32 bits (`x + 1`, `x - 1`, `i < n`, `n == 0`), the instruction
    /// that takes `n` as an immediate, as a function of its registers.
    fn immediate_form(&self, op: BinOp, lhs: &ir::Expr, rhs: &ir::Expr) -> Option<ImmForm> {
        if self.operands(&lhs.ty) != Operands::Int {
            return None;
        }
        let ExprKind::Int(n) = rhs.kind else {
            return None;
        };
        let n = if op == BinOp::Sub {
            n.checked_neg()?
        } else {
            n
        };
        let imm = Imm(i32::try_from(n).ok()?);
        let kind = match op {
            BinOp::Add | BinOp::Sub => ImmKind::Add,
            BinOp::Eq => ImmKind::Eq,
            BinOp::Lt => ImmKind::Lt,
            BinOp::Le => ImmKind::Le,
            BinOp::Gt => ImmKind::Gt,
            BinOp::Ge => ImmKind::Ge,
            _ => return None,
        };
        Some(ImmForm { kind, imm })
    }

    fn emit_binary(&mut self, op: BinOp, kind: Operands, dst: Reg, a: Reg, b: Reg, span: Span) {
        use Operands as K;
        let instr = match (op, kind) {
            (BinOp::Add, K::Int) => Op::AddInt { dst, a, b },
            (BinOp::Add, K::Float) => Op::AddFloat { dst, a, b },
            (BinOp::Add, K::Str) => Op::Concat { dst, a, b },
            (BinOp::Add, _) => Op::Add { dst, a, b },
            (BinOp::Sub, K::Int) => Op::SubInt { dst, a, b },
            (BinOp::Sub, K::Float) => Op::SubFloat { dst, a, b },
            (BinOp::Sub, _) => Op::Sub { dst, a, b },
            (BinOp::Mul, K::Int) => Op::MulInt { dst, a, b },
            (BinOp::Mul, K::Float) => Op::MulFloat { dst, a, b },
            (BinOp::Mul, _) => Op::Mul { dst, a, b },
            (BinOp::Div, K::Int) => Op::DivInt { dst, a, b },
            (BinOp::Div, K::Float) => Op::DivFloat { dst, a, b },
            (BinOp::Div, _) => Op::Div { dst, a, b },
            (BinOp::Rem, K::Int) => Op::RemInt { dst, a, b },
            (BinOp::Rem, K::Float) => Op::RemFloat { dst, a, b },
            (BinOp::Rem, _) => Op::Rem { dst, a, b },
            (BinOp::BitAnd, _) => Op::BitAnd { dst, a, b },
            (BinOp::BitOr, _) => Op::BitOr { dst, a, b },
            (BinOp::BitXor, _) => Op::BitXor { dst, a, b },
            (BinOp::Shl, _) => Op::Shl { dst, a, b },
            (BinOp::Shr, _) => Op::Shr { dst, a, b },
            (BinOp::Lt | BinOp::Gt, k) => {
                let (a, b) = if op == BinOp::Gt { (b, a) } else { (a, b) };
                match k {
                    K::Int => Op::LtInt { dst, a, b },
                    K::Float => Op::LtFloat { dst, a, b },
                    K::Str => Op::LtStr { dst, a, b },
                    _ => Op::Lt { dst, a, b },
                }
            }
            (BinOp::Le | BinOp::Ge, k) => {
                let (a, b) = if op == BinOp::Ge { (b, a) } else { (a, b) };
                match k {
                    K::Int => Op::LeInt { dst, a, b },
                    K::Float => Op::LeFloat { dst, a, b },
                    K::Str => Op::LeStr { dst, a, b },
                    _ => Op::Le { dst, a, b },
                }
            }
            (BinOp::Eq, K::Int) => Op::EqInt { dst, a, b },
            (BinOp::Eq, K::Float) => Op::EqFloat { dst, a, b },
            (BinOp::Eq, _) => Op::Eq { dst, a, b },
            (BinOp::Ne, K::Int) => {
                self.emit(Op::EqInt { dst, a, b }, span);
                Op::Not { dst, src: dst }
            }
            (BinOp::Ne, K::Float) => {
                self.emit(Op::EqFloat { dst, a, b }, span);
                Op::Not { dst, src: dst }
            }
            (BinOp::Ne, _) => Op::Ne { dst, a, b },
            // `&&` and `||` are `ExprKind::And`/`Or`, compiled with jumps.
            (BinOp::And | BinOp::Or, _) => Op::Eq { dst, a, b },
        };
        self.emit(instr, span);
    }

    fn compile_interp(&mut self, parts: &[ir::Expr], dst: Reg, span: Span) {
        let mark = self.next_temp;
        let acc = self.temp();
        let empty = self.constant(Constant::Str(String::new()));
        self.emit(Op::LoadConst { dst: acc, k: empty }, span);
        for part in parts {
            let piece = self.compile_any(part);
            let text = if self.operands(&part.ty) == Operands::Str {
                piece
            } else {
                let s = self.temp();
                self.emit(Op::ToStr { dst: s, src: piece }, part.span);
                s
            };
            self.emit(
                Op::Concat {
                    dst: acc,
                    a: acc,
                    b: text,
                },
                part.span,
            );
            self.next_temp = mark + 1;
        }
        self.emit(Op::Mov { dst, src: acc }, span);
        self.next_temp = mark;
    }

    fn compile_call(&mut self, callee: &Callee, args: &[ir::Expr], dst: Reg, span: Span) {
        // `reflect::type_of(x)` is the static type of `x`, known here.
        if let (Callee::Native(id), [arg]) = (callee, args) {
            if self
                .natives
                .get(id.0 as usize)
                .is_some_and(|n| n.name == "reflect::type_of")
            {
                self.compile_discard(arg);
                let name = self.table.display(&arg.ty);
                let k = self.constant(Constant::Str(name));
                self.emit(Op::LoadConst { dst, k }, span);
                return;
            }
        }
        let mark = self.next_temp;
        let callee_reg = match callee {
            Callee::Value(v) => Some(self.compile_any(v)),
            _ => None,
        };
        let (args_reg, argc) = if args.is_empty() {
            // A call's window starts at its arguments, above every live
            // register, even when there are none.
            (self.temp(), Count(0))
        } else {
            self.compile_list(args, span)
        };
        if let Callee::Native(id) = callee {
            let name = self.natives.get(id.0 as usize).map(|n| n.name.as_str());
            if let Some(ops) = name.and_then(|n| intrinsic(n, dst, args_reg, argc)) {
                for op in ops {
                    self.emit(op, span);
                }
                self.next_temp = mark;
                return;
            }
        }
        let op = match (callee, callee_reg) {
            (Callee::Fn(id), _) => Op::Call {
                dst,
                func: self.func(*id),
                args: args_reg,
                argc,
            },
            (Callee::Native(id), _) => Op::CallNative {
                dst,
                native: Native(id.0),
                args: args_reg,
                argc,
            },
            (Callee::Value(_), Some(callee)) => Op::CallValue {
                dst,
                callee,
                args: args_reg,
                argc,
            },
            (Callee::Value(_), None) => Op::LoadUnit { dst },
        };
        self.emit(op, span);
        self.next_temp = mark;
    }
}

/// The natives of the standard library that are one instruction: the call
/// `name(args)` as that instruction, or `None` for any other native. This
/// table is the one place that knows them; the native stays registered (for
/// hand-written bytecode and function values).
fn intrinsic(name: &str, dst: Reg, args: Reg, argc: Count) -> Option<Vec<Op>> {
    let arg = |i: u16| Reg(args.0 + i);
    let src = arg(0);
    let op = match (name, argc.0) {
        ("Array::len", 1) => Op::Len { dst, src },
        ("Int::to_float", 1) => Op::IntToFloat { dst, src },
        ("Int::abs", 1) => Op::AbsInt { dst, src },
        ("Float::sqrt", 1) => Op::SqrtFloat { dst, src },
        ("Float::abs", 1) => Op::AbsFloat { dst, src },
        // The VM's random generator is reached through instructions.
        ("random::int", 2) => Op::RandInt {
            dst,
            lo: src,
            hi: arg(1),
        },
        ("random::float", 0) => Op::RandFloat { dst },
        ("random::seed", 1) => return Some(vec![Op::RandSeed { src }, Op::LoadUnit { dst }]),
        // `push` returns unit.
        ("Array::push", 2) => {
            return Some(vec![
                Op::Push {
                    arr: src,
                    src: arg(1),
                },
                Op::LoadUnit { dst },
            ])
        }
        _ => return None,
    };
    Some(vec![op])
}

/// An Int instruction with an immediate operand (see
/// `FnGen::immediate_form`).
#[derive(Clone, Copy)]
struct ImmForm {
    kind: ImmKind,
    imm: Imm,
}

#[derive(Clone, Copy)]
enum ImmKind {
    Add,
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl ImmForm {
    fn op(self, dst: Reg, a: Reg) -> Op {
        let imm = self.imm;
        match self.kind {
            ImmKind::Add => Op::AddIntImm { dst, a, imm },
            ImmKind::Eq => Op::EqIntImm { dst, a, imm },
            ImmKind::Lt => Op::LtIntImm { dst, a, imm },
            ImmKind::Le => Op::LeIntImm { dst, a, imm },
            ImmKind::Gt => Op::GtIntImm { dst, a, imm },
            ImmKind::Ge => Op::GeIntImm { dst, a, imm },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn line_index_is_one_based() {
        let idx = LineIndex::new("a\nbc\n\nd");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(2), 2);
        assert_eq!(idx.line(5), 3);
        assert_eq!(idx.line(6), 4);
        assert_eq!(idx.line_range(1), 0..1);
        assert_eq!(idx.line_range(2), 2..4);
        assert_eq!(idx.line_range(3), 5..5);
        assert_eq!(idx.line_range(4), 6..7);
        assert_eq!(LineIndex::new("a\n").line_range(2), 2..2);
    }
}
