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

use crate::sema::ir::{self, Callee, ExprKind, FnId, LocalId};
use crate::sema::types::{Ty, TypeTable};
use crate::sema::CheckedProgram;
use mvl_syntax::ast::{BinOp, Span, UnaryOp};
use mvm_bytecode::ops::{Const, Count, Func, Imm, Label, Native, Reg};
use mvm_bytecode::{Constant, Function, LineEntry, Module, Op};

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
}

/// Maps byte offsets of one source text to 1-based line numbers.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn line(&self, offset: usize) -> u32 {
        self.starts.partition_point(|s| *s <= offset) as u32
    }
}

/// Lowers function `id` of a program that checked without errors.
pub fn lower_function(
    program: &CheckedProgram,
    id: FnId,
    file_index: u32,
    lines: &LineIndex,
) -> Result<LoweredFn, CodegenError> {
    let info = &program.functions[id.0 as usize];
    let Some(body) = &info.body else {
        return Err(CodegenError {
            message: format!("`{}` has no checked body", info.name),
            span: info.span,
        });
    };
    let n_locals = body.locals.len();
    let mut cx = FnGen {
        table: &program.table,
        code: Vec::new(),
        lines: Vec::new(),
        line_index: lines,
        constants: Vec::new(),
        next_temp: n_locals,
        max_regs: n_locals.max(1),
        loops: Vec::new(),
        error: None,
    };
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
            arity: body.params.len() as u16,
            n_regs: cx.max_regs as u16,
            file: file_index,
            code: cx.code,
            lines: cx.lines,
        },
        constants: cx.constants,
    })
}

/// Merges lowered functions (in [`FnId`] order) into one module, pooling
/// and de-duplicating their constants.
pub fn link(
    functions: Vec<LoweredFn>,
    natives: Vec<String>,
    files: Vec<String>,
    entry: FnId,
) -> Module {
    let mut module = Module {
        natives,
        files,
        entry: entry.0,
        ..Module::default()
    };
    for lowered in functions {
        let mut function = lowered.function;
        let remap: Vec<u32> = lowered
            .constants
            .into_iter()
            .map(|c| intern_constant(&mut module.constants, c))
            .collect();
        for op in &mut function.code {
            if let Op::LoadConst { k, .. } = op {
                if let Some(global) = remap.get(k.0 as usize) {
                    *k = Const(*global);
                }
            }
        }
        module.functions.push(function);
    }
    module
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
    code: Vec<Op>,
    lines: Vec<LineEntry>,
    line_index: &'a LineIndex,
    constants: Vec<Constant>,
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
        let label = Label(target as u32);
        match self.code.get_mut(at) {
            Some(Op::Jmp { target: t }) => *t = label,
            Some(Op::JmpIf { target: t, .. }) | Some(Op::JmpIfNot { target: t, .. }) => {
                *t = label
            }
            _ => {}
        }
    }

    fn temp(&mut self) -> Reg {
        let r = self.next_temp;
        self.next_temp += 1;
        self.max_regs = self.max_regs.max(self.next_temp);
        Reg(r.min(u16::MAX as usize) as u16)
    }

    fn local(id: LocalId) -> Reg {
        Reg(id.0.min(u16::MAX as u32) as u16)
    }

    fn constant(&mut self, c: Constant) -> Const {
        Const(intern_constant(&mut self.constants, c))
    }

    fn operands(&self, ty: &Ty) -> Operands {
        match self.table.resolve(ty) {
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
            return Self::local(id);
        }
        let dst = self.temp();
        self.compile_into(e, dst);
        dst
    }

    fn compile_into(&mut self, e: &ir::Expr, dst: Reg) {
        let span = e.span;
        match &e.kind {
            ExprKind::Unit | ExprKind::Error => {
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
                let op = if *b { Op::LoadTrue { dst } } else { Op::LoadFalse { dst } };
                self.emit(op, span);
            }
            ExprKind::Str(s) => {
                let k = self.constant(Constant::Str(s.clone()));
                self.emit(Op::LoadConst { dst, k }, span);
            }
            ExprKind::Local(id) => {
                let src = Self::local(*id);
                if src != dst {
                    self.emit(Op::Mov { dst, src }, span);
                }
            }
            ExprKind::FnRef(id) => {
                self.emit(Op::LoadFn { dst, func: Func(id.0) }, span);
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
                let a = self.compile_any(lhs);
                let b = self.compile_any(rhs);
                let kind = self.operands(&lhs.ty);
                self.emit_binary(*op, kind, dst, a, b, span);
                self.next_temp = mark;
            }
            ExprKind::And(lhs, rhs) | ExprKind::Or(lhs, rhs) => {
                self.compile_into(lhs, dst);
                let jump = if matches!(e.kind, ExprKind::And(..)) {
                    Op::JmpIfNot { cond: dst, target: Label(0) }
                } else {
                    Op::JmpIf { cond: dst, target: Label(0) }
                };
                let at = self.emit(jump, span);
                self.compile_into(rhs, dst);
                let end = self.here();
                self.patch(at, end);
            }
            ExprKind::Assign(id, value) => {
                self.compile_into(value, Self::local(*id));
                self.emit(Op::LoadUnit { dst }, span);
            }
            ExprKind::Call(callee, args) => self.compile_call(callee, args, dst, span),
            ExprKind::If(cond, then, els) => {
                let mark = self.next_temp;
                let c = self.compile_any(cond);
                self.next_temp = mark;
                let to_else = self.emit(Op::JmpIfNot { cond: c, target: Label(0) }, span);
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
                let mark = self.next_temp;
                let c = self.compile_any(cond);
                self.next_temp = mark;
                let exit = self.emit(Op::JmpIfNot { cond: c, target: Label(0) }, span);
                self.loops.push(LoopLabels {
                    continue_target: Some(top),
                    continue_jumps: Vec::new(),
                    break_jumps: vec![exit],
                });
                self.compile_discard(body);
                self.emit(Op::Jmp { target: Label(top as u32) }, span);
                self.close_loop(top);
                self.emit(Op::LoadUnit { dst }, span);
            }
            ExprKind::ForRange {
                var,
                start,
                end,
                inclusive,
                body,
            } => {
                let mark = self.next_temp;
                let counter = Self::local(*var);
                self.compile_into(start, counter);
                let limit = self.temp();
                self.compile_into(end, limit);
                let test = self.temp();
                let top = self.here();
                let cmp = if *inclusive {
                    Op::LeInt { dst: test, a: counter, b: limit }
                } else {
                    Op::LtInt { dst: test, a: counter, b: limit }
                };
                self.emit(cmp, span);
                let exit = self.emit(Op::JmpIfNot { cond: test, target: Label(0) }, span);
                self.loops.push(LoopLabels {
                    continue_target: None,
                    continue_jumps: Vec::new(),
                    break_jumps: vec![exit],
                });
                self.compile_discard(body);
                let step = self.here();
                if *inclusive {
                    // Stop before incrementing past `end`, which may be Int's maximum.
                    self.emit(Op::EqInt { dst: test, a: counter, b: limit }, span);
                    let done = self.emit(Op::JmpIf { cond: test, target: Label(0) }, span);
                    if let Some(l) = self.loops.last_mut() {
                        l.break_jumps.push(done);
                    }
                }
                self.emit(Op::LoadInt { dst: test, imm: Imm(1) }, span);
                self.emit(Op::AddInt { dst: counter, a: counter, b: test }, span);
                self.emit(Op::Jmp { target: Label(top as u32) }, span);
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
            ExprKind::Block(stmts, tail) => {
                for stmt in stmts {
                    match stmt {
                        ir::Stmt::Let(id, value) => self.compile_into(value, Self::local(*id)),
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
            self.emit(Op::Concat { dst: acc, a: acc, b: text }, part.span);
            self.next_temp = mark + 1;
        }
        self.emit(Op::Mov { dst, src: acc }, span);
        self.next_temp = mark;
    }

    fn compile_call(&mut self, callee: &Callee, args: &[ir::Expr], dst: Reg, span: Span) {
        let mark = self.next_temp;
        let callee_reg = match callee {
            Callee::Value(v) => Some(self.compile_any(v)),
            _ => None,
        };
        let base = self.next_temp;
        let arg_regs: Vec<Reg> = args.iter().map(|_| self.temp()).collect();
        for (arg, reg) in args.iter().zip(&arg_regs) {
            self.compile_into(arg, *reg);
        }
        let args_reg = Reg(base.min(u16::MAX as usize) as u16);
        let argc = Count(args.len().min(u16::MAX as usize) as u16);
        if args.len() > u16::MAX as usize && self.error.is_none() {
            self.error = Some(CodegenError {
                message: "too many arguments in one call".to_string(),
                span,
            });
        }
        let op = match (callee, callee_reg) {
            (Callee::Fn(id), _) => Op::Call {
                dst,
                func: Func(id.0),
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
    }
}
