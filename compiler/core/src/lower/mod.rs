//! Lowering: one function's typed IR (`sema::ir`, types read through its
//! component's final `TypeTable`) to a MIR body (`mvl_mir`).
//!
//! Every local of the function is one MIR value (a `var` captured by a
//! closure, `boxed`, is a value holding its cell); every intermediate result
//! a temporary. The parameters come first, then a closure's captures (the
//! order the VM delivers them in). Each loop form is lowered once, here:
//! `while` and `for` to a test block, a body and a step, `loop` to a body
//! jumping back; `&&`, `||` and `!` in a condition become branches. `match`
//! becomes a decision tree built from its rows ([`dtree`]: each variant
//! tag, literal or field tested at most once on a path, each arm body
//! lowered once, guards in arm order), or, past the tree's size budget,
//! ordered tests, each pattern a chain of tests branching to the next arm;
//! `match (a, b)` builds no tuple when no arm needs it whole.
//! Operators carry the class of their operands (`add.int`, `add.float`,
//! `add.str`, or `add.generic` inside a generic function); the natives that
//! are one instruction (`Array::len`, `Array::push`, `random::*`, ...) and
//! `reflect::type_of` (the static type of its argument, a string constant)
//! are recognised in one table, [`native_op`]. Every statement carries the
//! line of the expression it came from, so runtime errors and stack traces
//! name the line of the operation that failed.
//!
//! Evaluation order is left to right: an operand that is a local is read in
//! place only when nothing evaluated after it can assign it; otherwise it is
//! copied first.

mod dtree;

use crate::codegen::{CodegenError, LineIndex};
use crate::sema::ir::{self, Callee, ExprKind, FnId, LocalId, PatternKind, Place};
use crate::sema::types::{Ty, TypeTable};
use crate::sema::{FnInfo, NativeInfo};
use mvl_mir::{
    Aggregate, BinOp, BlockId, Body, Const, Effect, FuncRef, Intrinsic, MirTy, OpClass, Operand,
    Rvalue, Stmt, StmtKind, Terminator, UnOp, Value,
};
use mvl_syntax::ast::{self, Span, UnaryOp};
use std::collections::HashMap;

/// The MIR of one function and the functions its [`FuncRef`]s name.
pub struct Lowered {
    pub body: Body,
    pub callees: Vec<FnId>,
}

/// The MIR type of a resolved type (`Any` for a variable, an aggregate or
/// a function).
fn mir_ty_of(ty: &Ty) -> MirTy {
    match ty {
        Ty::Int => MirTy::Int,
        Ty::Float => MirTy::Float,
        Ty::Bool => MirTy::Bool,
        Ty::Str => MirTy::Str,
        Ty::Unit => MirTy::Unit,
        _ => MirTy::Any,
    }
}

/// The MIR type of a function's result by its scheme.
pub fn scheme_result(scheme: &crate::sema::types::Scheme) -> MirTy {
    match &scheme.ty {
        Ty::Fn(_, ret) => mir_ty_of(ret),
        _ => MirTy::Any,
    }
}

/// What lowering a function may know of the functions it calls: the value
/// of a `const` when it is known (`db::const_value`), and the MIR type of
/// what a function returns by its signature (`db::fn_returns`).
#[derive(Clone, Copy)]
pub struct CalleeFacts<'a> {
    pub consts: &'a dyn Fn(FnId) -> Option<Const>,
    pub returns: &'a dyn Fn(FnId) -> MirTy,
}

/// Lowers `info`, a function of a program that checked without errors.
pub fn lower(
    info: &FnInfo,
    table: &TypeTable,
    natives: &[NativeInfo],
    lines: &LineIndex,
    callees: CalleeFacts<'_>,
) -> Result<Lowered, CodegenError> {
    let Some(fn_body) = &info.body else {
        return Err(CodegenError {
            message: format!("`{}` has no checked body", info.name),
            span: info.span,
        });
    };
    let mut cx = Cx {
        table,
        natives,
        consts: callees.consts,
        returns: callees.returns,
        locals_info: &fn_body.locals,
        lines,
        body: Body::new(info.name.clone()),
        cur: BlockId(0),
        locals: HashMap::new(),
        loops: Vec::new(),
        callees: Vec::new(),
        error: None,
    };
    cx.cur = cx.body.new_block();
    let arrivals: Vec<LocalId> = fn_body
        .params
        .iter()
        .chain(&fn_body.captures)
        .copied()
        .collect();
    for id in &arrivals {
        let ty = if cx.is_boxed(*id) {
            MirTy::Cell
        } else {
            cx.local_ty(*id)
        };
        let v = cx.body.new_value(ty, cx.local_name(*id));
        cx.locals.insert(*id, v);
    }
    cx.body.params = arrivals.len() as u32;
    // A boxed parameter moves into a cell on entry.
    for p in &fn_body.params {
        if cx.is_boxed(*p) {
            let arg = cx.locals[p];
            cx.body.values[arg.0 as usize].ty = MirTy::Any;
            let cell = cx.body.new_value(MirTy::Cell, cx.local_name(*p));
            cx.push(
                StmtKind::Assign(cell, Rvalue::NewCell(Operand::Value(arg))),
                info.span,
            );
            cx.locals.insert(*p, cell);
        }
    }
    cx.body.result = cx.mir_ty(&fn_body.body.ty);
    let result = cx.expr(&fn_body.body, Dest::Any);
    cx.finish(Terminator::Return(result), fn_body.body.span);
    if let Some(err) = cx.error {
        return Err(err);
    }
    cx.body.n_funcs = cx.callees.len() as u32;
    Ok(Lowered {
        body: cx.body,
        callees: cx.callees,
    })
}

/// Where an expression's value goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dest {
    /// Nowhere: it is evaluated for its effects.
    Discard,
    /// Into this value.
    Into(Value),
    /// Anywhere: the result operand is returned.
    Any,
}

struct Cx<'a> {
    table: &'a TypeTable,
    natives: &'a [NativeInfo],
    /// The value of a `const`, when it is known (`db::const_value`).
    consts: &'a dyn Fn(FnId) -> Option<Const>,
    /// The MIR type of what a function returns, as its signature says
    /// (`Any` for a type variable): a call whose type here is more precise
    /// checks its result (see [`Cx::call`]).
    returns: &'a dyn Fn(FnId) -> MirTy,
    locals_info: &'a [ir::Local],
    lines: &'a LineIndex,
    body: Body,
    cur: BlockId,
    locals: HashMap<LocalId, Value>,
    /// The innermost loop last: (where `continue` goes, where `break` goes).
    loops: Vec<(BlockId, BlockId)>,
    callees: Vec<FnId>,
    error: Option<CodegenError>,
}

/// Whether evaluating `e` may assign the (unboxed) local `id`: only an
/// assignment written in this function can (a closure that assigns a
/// variable gets it boxed). A large expression is assumed to, so the look is
/// bounded.
fn may_assign(e: &ir::Expr, id: LocalId) -> bool {
    fn root(p: &Place) -> Option<LocalId> {
        match p {
            Place::Local(x) => Some(*x),
            Place::Field(base, _, _) => root(base),
            Place::Index(..) => None,
        }
    }
    fn walk(e: &ir::Expr, id: LocalId, budget: &mut u32) -> bool {
        if *budget == 0 {
            return true;
        }
        *budget -= 1;
        if let ExprKind::Assign(place, _) = &e.kind {
            if root(place) == Some(id) {
                return true;
            }
        }
        let mut found = false;
        e.for_each_child(|c| found = found || walk(c, id, budget));
        found
    }
    walk(e, id, &mut 64)
}

impl Cx<'_> {
    fn line(&self, span: Span) -> u32 {
        self.lines.line(span.start as usize)
    }

    fn is_boxed(&self, id: LocalId) -> bool {
        self.locals_info.get(id.0 as usize).is_some_and(|l| l.boxed)
    }

    fn local_name(&self, id: LocalId) -> Option<String> {
        self.locals_info.get(id.0 as usize).map(|l| l.name.clone())
    }

    fn local_ty(&self, id: LocalId) -> MirTy {
        self.locals_info
            .get(id.0 as usize)
            .map_or(MirTy::Any, |l| self.mir_ty(&l.ty))
    }

    fn mir_ty(&self, ty: &Ty) -> MirTy {
        mir_ty_of(self.table.shallow_ref(ty))
    }

    fn class(&self, ty: &Ty) -> OpClass {
        match self.table.shallow_ref(ty) {
            Ty::Int => OpClass::Int,
            Ty::Float => OpClass::Float,
            Ty::Str => OpClass::Str,
            Ty::Var(_) | Ty::Gen(_) => OpClass::Generic,
            Ty::Bool | Ty::Unit | Ty::Fn(..) | Ty::App(..) => OpClass::Other,
        }
    }

    /// The value of local `id` (its cell, if boxed).
    fn local(&mut self, id: LocalId) -> Value {
        if let Some(v) = self.locals.get(&id) {
            return *v;
        }
        let ty = if self.is_boxed(id) {
            MirTy::Cell
        } else {
            self.local_ty(id)
        };
        let v = self.body.new_value(ty, self.local_name(id));
        self.locals.insert(id, v);
        v
    }

    fn temp(&mut self, ty: MirTy) -> Value {
        self.body.new_value(ty, None)
    }

    fn func(&mut self, id: FnId) -> FuncRef {
        let k = match self.callees.iter().position(|c| *c == id) {
            Some(k) => k,
            None => {
                self.callees.push(id);
                self.callees.len() - 1
            }
        };
        FuncRef(k as u32)
    }

    fn push(&mut self, kind: StmtKind, span: Span) {
        let line = self.line(span);
        let b = self.cur;
        self.body.block_mut(b).stmts.push(Stmt {
            kind,
            line,
            scope: None,
        });
    }

    /// Ends the current block in a branch on the Int comparison `a op b`:
    /// to `then` when it holds, to `els` otherwise.
    fn branch_on_int(
        &mut self,
        op: BinOp,
        a: Operand,
        b: Operand,
        then: BlockId,
        els: BlockId,
        span: Span,
    ) {
        self.branch_on(op, OpClass::Int, a, b, then, els, span);
    }

    /// Ends the current block in a branch on the comparison `a op b` of
    /// operands of `class`.
    #[allow(clippy::too_many_arguments)]
    fn branch_on(
        &mut self,
        op: BinOp,
        class: OpClass,
        a: Operand,
        b: Operand,
        then: BlockId,
        els: BlockId,
        span: Span,
    ) {
        let c = self.temp(MirTy::Bool);
        self.push(StmtKind::Assign(c, Rvalue::Binary(op, class, a, b)), span);
        self.finish(
            Terminator::Branch {
                cond: Operand::Value(c),
                then,
                els,
            },
            span,
        );
    }

    /// Ends the current block with `term`.
    fn finish(&mut self, term: Terminator, span: Span) {
        let line = self.line(span);
        let b = self.cur;
        let block = self.body.block_mut(b);
        block.term = term;
        block.line = line;
    }

    /// Ends the current block with a jump to `to` and continues in `to`.
    fn goto_and_enter(&mut self, to: BlockId, span: Span) {
        self.finish(Terminator::Goto(to), span);
        self.cur = to;
    }

    /// Continues in a new block nothing jumps to (after `break`, `return`).
    fn enter_dead(&mut self) {
        self.cur = self.body.new_block();
    }

    /// Puts `rv`, of type `ty`, where `dest` says; the operand holding it.
    fn assign(&mut self, dest: Dest, ty: &Ty, rv: Rvalue, span: Span) -> Operand {
        match dest {
            Dest::Discard => {
                if !matches!(rv, Rvalue::Use(_) | Rvalue::FnRef(_)) {
                    self.push(StmtKind::Effect(Effect::Eval(rv)), span);
                }
                Operand::Const(Const::Unit)
            }
            Dest::Into(v) => {
                self.push(StmtKind::Assign(v, rv), span);
                Operand::Value(v)
            }
            Dest::Any => {
                if let Rvalue::Use(o) = rv {
                    return o;
                }
                let t = self.temp(self.mir_ty(ty));
                self.push(StmtKind::Assign(t, rv), span);
                Operand::Value(t)
            }
        }
    }

    /// Puts an operand where `dest` says.
    fn deliver(&mut self, dest: Dest, ty: &Ty, o: Operand, span: Span) -> Operand {
        match dest {
            Dest::Into(v) if o != Operand::Value(v) => self.assign(dest, ty, Rvalue::Use(o), span),
            Dest::Discard => Operand::Const(Const::Unit),
            _ => o,
        }
    }

    fn expr(&mut self, e: &ir::Expr, dest: Dest) -> Operand {
        crate::with_stack(|| self.expr_here(e, dest))
    }

    /// Evaluates `first`, which comes before `then`: a local is copied when
    /// `then` could assign it.
    fn before(&mut self, first: &ir::Expr, then: &[&ir::Expr]) -> Operand {
        let copy = match first.kind {
            ExprKind::Local(id) => !self.is_boxed(id) && then.iter().any(|t| may_assign(t, id)),
            _ => false,
        };
        if copy {
            let t = self.temp(self.mir_ty(&first.ty));
            self.expr(first, Dest::Into(t))
        } else {
            self.expr(first, Dest::Any)
        }
    }

    /// Evaluates `items` left to right.
    fn list(&mut self, items: &[ir::Expr], span: Span) -> Vec<Operand> {
        if items.len() > u16::MAX as usize && self.error.is_none() {
            self.error = Some(CodegenError {
                message: "too many elements in one expression".to_string(),
                span,
            });
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let rest: Vec<&ir::Expr> = items[i + 1..].iter().collect();
            out.push(self.before(item, &rest));
        }
        out
    }

    fn expr_here(&mut self, e: &ir::Expr, dest: Dest) -> Operand {
        let span = e.span;
        let ty = &e.ty;
        let unit = Operand::Const(Const::Unit);
        match &e.kind {
            ExprKind::Unit | ExprKind::Error | ExprKind::Pending(_) => {
                self.deliver(dest, ty, unit, span)
            }
            ExprKind::Int(n) => self.deliver(dest, ty, Operand::Const(Const::Int(*n)), span),
            ExprKind::Float(x) => self.deliver(dest, ty, Operand::Const(Const::Float(*x)), span),
            ExprKind::Bool(b) => self.deliver(dest, ty, Operand::Const(Const::Bool(*b)), span),
            ExprKind::Str(s) => self.deliver(dest, ty, Operand::Const(Const::Str(s.clone())), span),
            ExprKind::Local(id) => {
                let v = self.local(*id);
                if self.is_boxed(*id) {
                    self.assign(dest, ty, Rvalue::GetCell(Operand::Value(v)), span)
                } else {
                    self.deliver(dest, ty, Operand::Value(v), span)
                }
            }
            ExprKind::FnRef(id) => {
                let f = self.func(*id);
                self.assign(dest, ty, Rvalue::FnRef(f), span)
            }
            ExprKind::Interp(parts) => {
                // The first piece starts the text; each next one is appended.
                let acc = self.temp(MirTy::Str);
                if parts.is_empty() {
                    self.push(
                        StmtKind::Assign(
                            acc,
                            Rvalue::Use(Operand::Const(Const::Str(String::new()))),
                        ),
                        span,
                    );
                }
                for (i, part) in parts.iter().enumerate() {
                    let piece = self.expr(part, Dest::Any);
                    let is_str = self.class(&part.ty) == OpClass::Str;
                    if i == 0 {
                        let rv = if is_str {
                            Rvalue::Use(piece)
                        } else {
                            Rvalue::ToStr(piece)
                        };
                        self.push(StmtKind::Assign(acc, rv), part.span);
                        continue;
                    }
                    let text = if is_str {
                        piece
                    } else {
                        let s = self.temp(MirTy::Str);
                        self.push(StmtKind::Assign(s, Rvalue::ToStr(piece)), part.span);
                        Operand::Value(s)
                    };
                    self.push(
                        StmtKind::Assign(
                            acc,
                            Rvalue::Binary(BinOp::Add, OpClass::Str, Operand::Value(acc), text),
                        ),
                        part.span,
                    );
                }
                self.deliver(dest, ty, Operand::Value(acc), span)
            }
            ExprKind::Unary(op, inner) => {
                let src = self.expr(inner, Dest::Any);
                let op = match op {
                    UnaryOp::Not => UnOp::Not,
                    UnaryOp::Neg => UnOp::Neg,
                };
                let class = self.class(&inner.ty);
                self.assign(dest, ty, Rvalue::Unary(op, class, src), span)
            }
            ExprKind::Binary(op, lhs, rhs) => {
                let a = self.before(lhs, &[rhs]);
                let b = self.expr(rhs, Dest::Any);
                let class = self.class(&lhs.ty);
                use ast::BinOp as B;
                let (op, a, b) = match op {
                    B::Add => (BinOp::Add, a, b),
                    B::Sub => (BinOp::Sub, a, b),
                    B::Mul => (BinOp::Mul, a, b),
                    B::Div => (BinOp::Div, a, b),
                    B::Rem => (BinOp::Rem, a, b),
                    B::BitAnd => (BinOp::BitAnd, a, b),
                    B::BitOr => (BinOp::BitOr, a, b),
                    B::BitXor => (BinOp::BitXor, a, b),
                    B::Shl => (BinOp::Shl, a, b),
                    B::Shr => (BinOp::Shr, a, b),
                    B::Eq => (BinOp::Eq, a, b),
                    B::Ne => (BinOp::Ne, a, b),
                    B::Lt => (BinOp::Lt, a, b),
                    B::Le => (BinOp::Le, a, b),
                    B::Gt => (BinOp::Lt, b, a),
                    B::Ge => (BinOp::Le, b, a),
                    // `&&` and `||` are `ExprKind::And`/`Or`.
                    B::And | B::Or => (BinOp::Eq, a, b),
                };
                self.assign(dest, ty, Rvalue::Binary(op, class, a, b), span)
            }
            ExprKind::And(..) | ExprKind::Or(..) => {
                if dest == Dest::Discard {
                    let join = self.body.new_block();
                    self.cond(e, join, join);
                    self.cur = join;
                    return unit;
                }
                let t = self.temp(MirTy::Bool);
                let then = self.body.new_block();
                let els = self.body.new_block();
                let join = self.body.new_block();
                self.cond(e, then, els);
                self.cur = then;
                self.push(
                    StmtKind::Assign(t, Rvalue::Use(Operand::Const(Const::Bool(true)))),
                    span,
                );
                self.finish(Terminator::Goto(join), span);
                self.cur = els;
                self.push(
                    StmtKind::Assign(t, Rvalue::Use(Operand::Const(Const::Bool(false)))),
                    span,
                );
                self.goto_and_enter(join, span);
                self.deliver(dest, ty, Operand::Value(t), span)
            }
            ExprKind::Assign(place, value) => {
                self.assign_place(place, value, span);
                self.deliver(dest, ty, unit, span)
            }
            ExprKind::Call(callee, args) => self.call(callee, args, ty, dest, span),
            ExprKind::If(c, then, els) => {
                let dest = self.join_dest(dest, ty);
                let then_b = self.body.new_block();
                let else_b = self.body.new_block();
                let join = self.body.new_block();
                self.cond(c, then_b, else_b);
                self.cur = then_b;
                self.expr(then, dest);
                self.finish(Terminator::Goto(join), span);
                self.cur = else_b;
                match els {
                    Some(els) => {
                        self.expr(els, dest);
                    }
                    None => {
                        self.deliver(dest, ty, unit.clone(), span);
                    }
                }
                self.goto_and_enter(join, span);
                self.joined(dest)
            }
            ExprKind::While(c, body) => {
                let head = self.body.new_block();
                let body_b = self.body.new_block();
                let exit = self.body.new_block();
                self.goto_and_enter(head, span);
                self.cond(c, body_b, exit);
                self.cur = body_b;
                self.loops.push((head, exit));
                self.expr(body, Dest::Discard);
                self.loops.pop();
                self.finish(Terminator::Goto(head), span);
                self.cur = exit;
                self.deliver(dest, ty, unit, span)
            }
            ExprKind::Loop(body) => {
                let head = self.body.new_block();
                let exit = self.body.new_block();
                self.goto_and_enter(head, span);
                self.loops.push((head, exit));
                self.expr(body, Dest::Discard);
                self.loops.pop();
                self.finish(Terminator::Goto(head), span);
                self.cur = exit;
                // Never falls through: sema reads `loop`'s value from a local.
                self.deliver(dest, ty, unit, span)
            }
            ExprKind::ForRange {
                var,
                start,
                end,
                inclusive,
                body,
            } => {
                self.for_range(*var, start, end, *inclusive, body, span);
                self.deliver(dest, ty, unit, span)
            }
            ExprKind::ForArray {
                pattern,
                array,
                body,
            } => {
                let arr = self.temp(MirTy::Any);
                self.expr(array, Dest::Into(arr));
                let i = self.temp(MirTy::Int);
                self.push(
                    StmtKind::Assign(i, Rvalue::Use(Operand::Const(Const::Int(0)))),
                    span,
                );
                let head = self.body.new_block();
                let body_b = self.body.new_block();
                let step = self.body.new_block();
                let exit = self.body.new_block();
                self.goto_and_enter(head, span);
                let len = self.temp(MirTy::Int);
                self.push(
                    StmtKind::Assign(
                        len,
                        Rvalue::Intrinsic(Intrinsic::Len, vec![Operand::Value(arr)]),
                    ),
                    span,
                );
                self.branch_on_int(
                    BinOp::Lt,
                    Operand::Value(i),
                    Operand::Value(len),
                    body_b,
                    exit,
                    span,
                );
                self.cur = body_b;
                let elem = self.temp(self.mir_ty(&pattern.ty));
                self.push(
                    StmtKind::Assign(elem, Rvalue::Index(Operand::Value(arr), Operand::Value(i))),
                    span,
                );
                self.pattern(pattern, Operand::Value(elem), step);
                self.loops.push((step, exit));
                self.expr(body, Dest::Discard);
                self.loops.pop();
                self.goto_and_enter(step, span);
                self.push(
                    StmtKind::Assign(
                        i,
                        Rvalue::Binary(
                            BinOp::Add,
                            OpClass::Int,
                            Operand::Value(i),
                            Operand::Const(Const::Int(1)),
                        ),
                    ),
                    span,
                );
                self.finish(Terminator::Goto(head), span);
                self.cur = exit;
                self.deliver(dest, ty, unit, span)
            }
            ExprKind::Break | ExprKind::Continue => {
                if let Some((cont, brk)) = self.loops.last().copied() {
                    let to = if matches!(e.kind, ExprKind::Break) {
                        brk
                    } else {
                        cont
                    };
                    self.finish(Terminator::Goto(to), span);
                    self.enter_dead();
                }
                // What follows is unreachable: nothing to deliver.
                unit
            }
            ExprKind::Return(value) => {
                let r = self.expr(value, Dest::Any);
                self.finish(Terminator::Return(r), span);
                self.enter_dead();
                unit
            }
            ExprKind::Tuple(items) => {
                let xs = self.list(items, span);
                self.assign(dest, ty, Rvalue::Aggregate(Aggregate::Tuple, xs), span)
            }
            ExprKind::Array(items) => {
                let xs = self.list(items, span);
                self.assign(dest, ty, Rvalue::Aggregate(Aggregate::Array, xs), span)
            }
            ExprKind::Struct(adt, fields) => {
                let xs = self.list(fields, span);
                self.assign(
                    dest,
                    ty,
                    Rvalue::Aggregate(Aggregate::Struct(adt.0), xs),
                    span,
                )
            }
            ExprKind::Variant(adt, v, fields) => {
                let xs = self.list(fields, span);
                self.assign(
                    dest,
                    ty,
                    Rvalue::Aggregate(Aggregate::Variant(adt.0, *v), xs),
                    span,
                )
            }
            ExprKind::Field(obj, index) => {
                let o = self.expr(obj, Dest::Any);
                self.assign(dest, ty, Rvalue::Field(o, *index), span)
            }
            ExprKind::Index(arr, idx) => {
                let a = self.before(arr, &[idx]);
                let i = self.expr(idx, Dest::Any);
                self.assign(dest, ty, Rvalue::Index(a, i), span)
            }
            ExprKind::Closure(func, captures) => {
                // A boxed variable passes its cell; any other its value.
                let xs: Vec<Operand> = captures
                    .iter()
                    .map(|c| Operand::Value(self.local(*c)))
                    .collect();
                let f = self.func(*func);
                self.assign(dest, ty, Rvalue::Aggregate(Aggregate::Closure(f), xs), span)
            }
            ExprKind::Match(scrutinee, arms) => self.lower_match(scrutinee, arms, ty, dest, span),
            ExprKind::Block(stmts, tail) => {
                for stmt in stmts {
                    match stmt {
                        ir::Stmt::Let(pattern, value) => match pattern.kind {
                            PatternKind::Bind(id) if !self.is_boxed(id) => {
                                let v = self.local(id);
                                self.expr(value, Dest::Into(v));
                            }
                            _ => {
                                let v = self.expr(value, Dest::Any);
                                // An irrefutable pattern never fails.
                                let never = self.body.new_block();
                                self.pattern(pattern, v, never);
                            }
                        },
                        ir::Stmt::Expr(e) => {
                            self.expr(e, Dest::Discard);
                        }
                    }
                }
                match tail {
                    Some(t) => self.expr(t, dest),
                    None => self.deliver(dest, ty, unit, span),
                }
            }
        }
    }

    /// The destination every branch of an `if` or `match` writes: a new
    /// temporary when the value is wanted anywhere (nothing for a unit).
    fn join_dest(&mut self, dest: Dest, ty: &Ty) -> Dest {
        match dest {
            Dest::Any if self.mir_ty(ty) == MirTy::Unit => Dest::Discard,
            Dest::Any => Dest::Into(self.temp(self.mir_ty(ty))),
            d => d,
        }
    }

    fn joined(&self, dest: Dest) -> Operand {
        match dest {
            Dest::Into(v) => Operand::Value(v),
            _ => Operand::Const(Const::Unit),
        }
    }

    /// Branches to `then` when the Bool `c` holds, else to `els`.
    fn cond(&mut self, c: &ir::Expr, then: BlockId, els: BlockId) {
        match &c.kind {
            ExprKind::And(a, b) => {
                let mid = self.body.new_block();
                self.cond(a, mid, els);
                self.cur = mid;
                self.cond(b, then, els);
            }
            ExprKind::Or(a, b) => {
                let mid = self.body.new_block();
                self.cond(a, then, mid);
                self.cur = mid;
                self.cond(b, then, els);
            }
            ExprKind::Unary(UnaryOp::Not, inner) => self.cond(inner, els, then),
            _ => {
                let v = self.expr(c, Dest::Any);
                self.finish(Terminator::Branch { cond: v, then, els }, c.span);
            }
        }
    }

    fn for_range(
        &mut self,
        var: LocalId,
        start: &ir::Expr,
        end: &ir::Expr,
        inclusive: bool,
        body: &ir::Expr,
        span: Span,
    ) {
        // The loop counts in a temporary and the variable gets a copy each
        // round (a closure may capture it); a variable no closure captures
        // and nothing assigns is the counter itself.
        let plain = self
            .locals_info
            .get(var.0 as usize)
            .is_some_and(|l| !l.boxed && !l.mutable);
        let counter = if plain {
            self.local(var)
        } else {
            self.temp(MirTy::Int)
        };
        self.expr(start, Dest::Into(counter));
        let limit = self.temp(MirTy::Int);
        self.expr(end, Dest::Into(limit));
        let head = self.body.new_block();
        let body_b = self.body.new_block();
        let step = self.body.new_block();
        let exit = self.body.new_block();
        self.goto_and_enter(head, span);
        let op = if inclusive { BinOp::Le } else { BinOp::Lt };
        self.branch_on_int(
            op,
            Operand::Value(counter),
            Operand::Value(limit),
            body_b,
            exit,
            span,
        );
        self.cur = body_b;
        self.declare(var, Operand::Value(counter), span);
        self.loops.push((step, exit));
        self.expr(body, Dest::Discard);
        self.loops.pop();
        self.goto_and_enter(step, span);
        if inclusive {
            // Stop before incrementing past `end`, which may be Int's maximum.
            let incr = self.body.new_block();
            self.branch_on_int(
                BinOp::Eq,
                Operand::Value(counter),
                Operand::Value(limit),
                exit,
                incr,
                span,
            );
            self.cur = incr;
        }
        self.push(
            StmtKind::Assign(
                counter,
                Rvalue::Binary(
                    BinOp::Add,
                    OpClass::Int,
                    Operand::Value(counter),
                    Operand::Const(Const::Int(1)),
                ),
            ),
            span,
        );
        self.finish(Terminator::Goto(head), span);
        self.cur = exit;
    }

    /// Binds local `id` to `v` (in a new cell if it is boxed).
    fn declare(&mut self, id: LocalId, v: Operand, span: Span) {
        let l = self.local(id);
        let rv = if self.is_boxed(id) {
            Rvalue::NewCell(v)
        } else {
            Rvalue::Use(v)
        };
        if rv != Rvalue::Use(Operand::Value(l)) {
            self.push(StmtKind::Assign(l, rv), span);
        }
    }

    /// `place = value`.
    fn assign_place(&mut self, place: &Place, value: &ir::Expr, span: Span) {
        match place {
            Place::Local(id) if !self.is_boxed(*id) => {
                let l = self.local(*id);
                // `&&`, `||` and interpolation build their value in steps, and
                // may read the variable between them.
                let direct = !matches!(
                    value.kind,
                    ExprKind::And(..) | ExprKind::Or(..) | ExprKind::Interp(_)
                );
                if direct {
                    self.expr(value, Dest::Into(l));
                } else {
                    let v = self.expr(value, Dest::Any);
                    self.push(StmtKind::Assign(l, Rvalue::Use(v)), span);
                }
            }
            Place::Index(arr, idx) => {
                // Left to right: the array, the index, then the value.
                let a = self.before(arr, &[idx, value]);
                let i = self.before(idx, &[value]);
                let v = self.expr(value, Dest::Any);
                self.push(StmtKind::Effect(Effect::SetIndex(a, i, v)), span);
            }
            _ => {
                let v = self.expr(value, Dest::Any);
                self.write_place(place, v, span);
            }
        }
    }

    /// The current value of a place.
    fn read_place(&mut self, place: &Place, span: Span) -> Operand {
        match place {
            Place::Local(id) => {
                let l = self.local(*id);
                if self.is_boxed(*id) {
                    let t = self.temp(self.local_ty(*id));
                    self.push(
                        StmtKind::Assign(t, Rvalue::GetCell(Operand::Value(l))),
                        span,
                    );
                    Operand::Value(t)
                } else {
                    Operand::Value(l)
                }
            }
            Place::Index(arr, idx) => {
                let a = self.expr(arr, Dest::Any);
                let i = self.expr(idx, Dest::Any);
                let t = self.temp(MirTy::Any);
                self.push(StmtKind::Assign(t, Rvalue::Index(a, i)), span);
                Operand::Value(t)
            }
            Place::Field(base, index, _) => {
                let b = self.read_place(base, span);
                let t = self.temp(MirTy::Any);
                self.push(StmtKind::Assign(t, Rvalue::Field(b, *index)), span);
                Operand::Value(t)
            }
        }
    }

    /// Stores `v` into a place: a field by building a copy of the value
    /// holding it and storing that back.
    fn write_place(&mut self, place: &Place, v: Operand, span: Span) {
        match place {
            Place::Local(id) => {
                let l = self.local(*id);
                if self.is_boxed(*id) {
                    self.push(
                        StmtKind::Effect(Effect::SetCell(Operand::Value(l), v)),
                        span,
                    );
                } else if v != Operand::Value(l) {
                    self.push(StmtKind::Assign(l, Rvalue::Use(v)), span);
                }
            }
            Place::Index(arr, idx) => {
                let a = self.expr(arr, Dest::Any);
                let i = self.expr(idx, Dest::Any);
                self.push(StmtKind::Effect(Effect::SetIndex(a, i, v)), span);
            }
            Place::Field(base, index, _) => {
                let old = self.read_place(base, span);
                let new = self.temp(MirTy::Any);
                self.push(
                    StmtKind::Assign(new, Rvalue::WithField(old, *index, v)),
                    span,
                );
                self.write_place(base, Operand::Value(new), span);
            }
        }
    }

    fn call(
        &mut self,
        callee: &Callee,
        args: &[ir::Expr],
        ty: &Ty,
        dest: Dest,
        span: Span,
    ) -> Operand {
        if let (Callee::Fn(id), []) = (callee, args) {
            // A `const` whose value is known: the value, not a call.
            if let Some(value) = (self.consts)(*id) {
                return self.deliver(dest, ty, Operand::Const(value), span);
            }
        }
        let native = match callee {
            Callee::Native(id) => self.natives.get(id.0 as usize).map(|n| n.name.as_str()),
            _ => None,
        };
        if let (Some(NativeOp::TypeOf), [arg]) = (native.and_then(native_op), args) {
            // The static type of the argument, which is still evaluated.
            self.expr(arg, Dest::Discard);
            let name = self.table.display(&arg.ty);
            return self.deliver(dest, ty, Operand::Const(Const::Str(name)), span);
        }
        let callee_op = match callee {
            Callee::Value(v) => {
                let refs: Vec<&ir::Expr> = args.iter().collect();
                Some(self.before(v, &refs))
            }
            _ => None,
        };
        let xs = self.list(args, span);
        if let Some(op) = native.and_then(native_op) {
            match (op, xs.as_slice()) {
                (NativeOp::Intrinsic(i), _) if xs.len() == i.arity() => {
                    return self.assign(dest, ty, Rvalue::Intrinsic(i, xs), span);
                }
                (NativeOp::Push, [arr, v]) => {
                    self.push(StmtKind::Effect(Effect::Push(arr.clone(), v.clone())), span);
                    return self.deliver(dest, ty, Operand::Const(Const::Unit), span);
                }
                (NativeOp::Seed, [v]) => {
                    self.push(StmtKind::Effect(Effect::RandSeed(v.clone())), span);
                    return self.deliver(dest, ty, Operand::Const(Const::Unit), span);
                }
                (NativeOp::CallStack, []) => {
                    if let Callee::Native(id) = callee {
                        let rv = Rvalue::Intrinsic(Intrinsic::CallStack(id.0), xs);
                        return self.assign(dest, ty, rv, span);
                    }
                }
                _ => {}
            }
        }
        let want = self.mir_ty(ty);
        let callee = match callee {
            Callee::Fn(id) => {
                if matches!(want, MirTy::Int | MirTy::Float | MirTy::Bool)
                    && (self.returns)(*id) != want
                {
                    // A generic function's result, an Int here: the call's
                    // value is of unknown type until a copy checks it.
                    let f = mvl_mir::Callee::Fn(self.func(*id));
                    let t = self.temp(MirTy::Any);
                    self.push(StmtKind::Assign(t, Rvalue::Call(f, xs)), span);
                    let u = match dest {
                        Dest::Discard => return Operand::Const(Const::Unit),
                        Dest::Into(v) => v,
                        Dest::Any => self.temp(want),
                    };
                    self.push(StmtKind::Assign(u, Rvalue::Use(Operand::Value(t))), span);
                    return Operand::Value(u);
                }
                mvl_mir::Callee::Fn(self.func(*id))
            }
            Callee::Native(id) => mvl_mir::Callee::Native(id.0),
            Callee::Value(_) => {
                mvl_mir::Callee::Value(callee_op.unwrap_or(Operand::Const(Const::Unit)))
            }
        };
        self.assign(dest, ty, Rvalue::Call(callee, xs), span)
    }

    /// The first arm whose pattern matches and whose guard holds gives the
    /// value: by a decision tree ([`dtree`]), or by ordered tests.
    fn lower_match(
        &mut self,
        scrutinee: &ir::Expr,
        arms: &[ir::Arm],
        ty: &Ty,
        dest: Dest,
        span: Span,
    ) -> Operand {
        let guarded = arms.iter().any(|a| a.guard.is_some());
        if let ExprKind::Tuple(items) = &scrutinee.kind {
            if !arms.iter().any(|a| dtree::needs_whole(&a.pattern)) {
                return self.match_tuple(items, arms, guarded, ty, dest, span);
            }
        }
        let s = if guarded {
            // A guard may assign the variable matched on.
            let t = self.temp(self.mir_ty(&scrutinee.ty));
            self.expr(scrutinee, Dest::Into(t))
        } else {
            self.expr(scrutinee, Dest::Any)
        };
        let dest = self.join_dest(dest, ty);
        let join = self.body.new_block();
        let whole = dtree::Scrutinee::Whole(s.clone(), &scrutinee.ty);
        if !self.match_tree(&whole, arms, dest, join, span) {
            self.match_ordered(&s, arms, dest, join, span);
        }
        self.cur = join;
        self.joined(dest)
    }

    /// `match (a, b, ..)` where no arm needs the tuple itself: its elements
    /// are evaluated, left to right, and matched without building it.
    fn match_tuple(
        &mut self,
        items: &[ir::Expr],
        arms: &[ir::Arm],
        guarded: bool,
        ty: &Ty,
        dest: Dest,
        span: Span,
    ) -> Operand {
        let mut xs = self.list(items, span);
        if guarded {
            // A guard may assign a variable matched on.
            for (x, item) in xs.iter_mut().zip(items) {
                if matches!(item.kind, ExprKind::Local(_)) {
                    let t = self.temp(self.mir_ty(&item.ty));
                    self.push(StmtKind::Assign(t, Rvalue::Use(x.clone())), item.span);
                    *x = Operand::Value(t);
                }
            }
        }
        let tys = items.iter().map(|i| self.mir_ty(&i.ty)).collect();
        let dest = self.join_dest(dest, ty);
        let join = self.body.new_block();
        let parts = dtree::Scrutinee::Parts(xs.clone(), tys);
        if !self.match_tree(&parts, arms, dest, join, span) {
            let t = self.temp(MirTy::Any);
            self.push(
                StmtKind::Assign(t, Rvalue::Aggregate(Aggregate::Tuple, xs)),
                span,
            );
            self.match_ordered(&Operand::Value(t), arms, dest, join, span);
        }
        self.cur = join;
        self.joined(dest)
    }

    /// Lowers `match` as ordered tests, arm after arm, each pattern a chain
    /// of tests branching to the next arm: where [`Cx::match_tree`] builds
    /// no tree.
    fn match_ordered(
        &mut self,
        s: &Operand,
        arms: &[ir::Arm],
        dest: Dest,
        join: BlockId,
        span: Span,
    ) {
        for arm in arms {
            let next = self.body.new_block();
            self.pattern(&arm.pattern, s.clone(), next);
            if let Some(g) = &arm.guard {
                let body_b = self.body.new_block();
                self.cond(g, body_b, next);
                self.cur = body_b;
            }
            self.expr(&arm.body, dest);
            self.finish(Terminator::Goto(join), arm.body.span);
            self.cur = next;
        }
        // Exhaustiveness was checked: no value gets here.
        self.finish(Terminator::Unreachable, span);
    }

    /// Tests `pattern` against `v`, binding its variables; continues in a
    /// new current block when it matches, goes to `fail` when not.
    fn pattern(&mut self, pattern: &ir::Pattern, v: Operand, fail: BlockId) {
        crate::with_stack(|| self.pattern_here(pattern, v, fail))
    }

    /// Branches on the Bool `c`: on to a new block when it is `want`, to `fail` when not.
    fn test(&mut self, c: Operand, want: bool, fail: BlockId, span: Span) {
        let ok = self.body.new_block();
        let (then, els) = if want { (ok, fail) } else { (fail, ok) };
        self.finish(Terminator::Branch { cond: c, then, els }, span);
        self.cur = ok;
    }

    fn compare(
        &mut self,
        op: BinOp,
        class: OpClass,
        a: Operand,
        b: Operand,
        fail: BlockId,
        span: Span,
    ) {
        let t = self.temp(MirTy::Bool);
        self.push(StmtKind::Assign(t, Rvalue::Binary(op, class, a, b)), span);
        self.test(Operand::Value(t), true, fail, span);
    }

    fn pattern_here(&mut self, pattern: &ir::Pattern, v: Operand, fail: BlockId) {
        let span = pattern.span;
        match &pattern.kind {
            PatternKind::Wildcard | PatternKind::Unit => {}
            PatternKind::Bind(id) => self.declare(*id, v, span),
            PatternKind::Bool(b) => self.test(v, *b, fail, span),
            PatternKind::Int(n) => self.compare(
                BinOp::Eq,
                OpClass::Int,
                v,
                Operand::Const(Const::Int(*n)),
                fail,
                span,
            ),
            PatternKind::Float(x) => self.compare(
                BinOp::Eq,
                OpClass::Float,
                v,
                Operand::Const(Const::Float(*x)),
                fail,
                span,
            ),
            PatternKind::Str(text) => self.compare(
                BinOp::Eq,
                OpClass::Other,
                v,
                Operand::Const(Const::Str(text.clone())),
                fail,
                span,
            ),
            PatternKind::Range(lo, hi) => {
                self.compare(
                    BinOp::Le,
                    OpClass::Int,
                    Operand::Const(Const::Int(*lo)),
                    v.clone(),
                    fail,
                    span,
                );
                self.compare(
                    BinOp::Le,
                    OpClass::Int,
                    v,
                    Operand::Const(Const::Int(*hi)),
                    fail,
                    span,
                );
            }
            PatternKind::Tuple(items) => {
                for (i, p) in items.iter().enumerate() {
                    self.subpattern(p, v.clone(), i as u32, fail);
                }
            }
            PatternKind::Struct(_, fields) => {
                for (i, p) in fields {
                    self.subpattern(p, v.clone(), *i, fail);
                }
            }
            PatternKind::Variant(_, variant, items) => {
                let t = self.temp(MirTy::Bool);
                self.push(
                    StmtKind::Assign(t, Rvalue::VariantIs(v.clone(), *variant)),
                    span,
                );
                self.test(Operand::Value(t), true, fail, span);
                for (i, p) in items.iter().enumerate() {
                    self.subpattern(p, v.clone(), i as u32, fail);
                }
            }
            PatternKind::Or(alts) => {
                let matched = self.body.new_block();
                for (i, alt) in alts.iter().enumerate() {
                    if i + 1 == alts.len() {
                        self.pattern(alt, v.clone(), fail);
                    } else {
                        let next = self.body.new_block();
                        self.pattern(alt, v.clone(), next);
                        self.finish(Terminator::Goto(matched), span);
                        self.cur = next;
                    }
                }
                self.goto_and_enter(matched, span);
            }
        }
    }

    /// Tests field `index` of `v` against `p`, unless `p` matches anything
    /// without binding.
    fn subpattern(&mut self, p: &ir::Pattern, v: Operand, index: u32, fail: BlockId) {
        if matches!(p.kind, PatternKind::Wildcard) {
            return;
        }
        let t = self.temp(self.mir_ty(&p.ty));
        self.push(StmtKind::Assign(t, Rvalue::Field(v, index)), p.span);
        self.pattern(p, Operand::Value(t), fail);
    }
}

/// What a native call becomes when it is not a call.
#[derive(Clone, Copy)]
enum NativeOp {
    Intrinsic(Intrinsic),
    Push,
    Seed,
    /// `reflect::type_of`: the argument's static type.
    TypeOf,
    /// `reflect::call_stack`: [`Intrinsic::CallStack`], run by this native.
    CallStack,
}

/// The natives of the standard library that are an operation of the MIR:
/// this table is the one place that knows them (the native stays
/// registered, for hand-written bytecode and function values).
fn native_op(name: &str) -> Option<NativeOp> {
    Some(match name {
        "Array::len" => NativeOp::Intrinsic(Intrinsic::Len),
        "Int::to_float" => NativeOp::Intrinsic(Intrinsic::IntToFloat),
        "Int::abs" => NativeOp::Intrinsic(Intrinsic::AbsInt),
        "Float::sqrt" => NativeOp::Intrinsic(Intrinsic::SqrtFloat),
        "Float::abs" => NativeOp::Intrinsic(Intrinsic::AbsFloat),
        "random::int" => NativeOp::Intrinsic(Intrinsic::RandInt),
        "random::float" => NativeOp::Intrinsic(Intrinsic::RandFloat),
        "random::seed" => NativeOp::Seed,
        "Array::push" => NativeOp::Push,
        "Map::get" => NativeOp::Intrinsic(Intrinsic::MapGet),
        "Map::insert" => NativeOp::Intrinsic(Intrinsic::MapInsert),
        "Map::contains_key" => NativeOp::Intrinsic(Intrinsic::MapHas),
        "reflect::type_of" => NativeOp::TypeOf,
        "reflect::call_stack" => NativeOp::CallStack,
        _ => return None,
    })
}
