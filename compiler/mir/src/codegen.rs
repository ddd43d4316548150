//! Code generation: one MIR body to one `mvm_bytecode::Function`, by
//! instruction selection and register allocation by liveness.
//!
//! **Layout.** Jumps go past empty blocks that only jump on; the blocks left
//! are laid out in a reverse postorder that puts a branch's `then` right
//! after its test and a loop's exit after its body ([`layout`]); a `goto` to
//! the next block is no instruction, a branch falls through to whichever of
//! its targets comes next.
//!
//! **Selection.** A comparison of Ints that only feeds the branch ending its
//! block becomes one compare-and-branch instruction (`jlti`, `jgeik`, ...),
//! and so does a variant test (`jvar`, `jnvar`); a `map_get` whose `Option`
//! is only tested and unwrapped (`match m.get(k) { Some(v) => .., None =>
//! .. }`, `if let Some(v) = m.get(k)`) becomes one `mapfind`, which makes
//! no `Option` ([`map_finds`]), or `mapfindi` when the payload is read only
//! as an Int, which checks it as it reads it (no `asi` follows, see
//! [`int_finds`]);
//! an Int operand that is a constant fitting 32 bits selects the immediate
//! form (`addik`, `ltik`; `x - n` as `x + -n`); the operand class picks the
//! typed instruction (`addi`, `addf`, `concat`) or the generic one. A
//! discarded value gets no instruction of its own (`eval` of a call writes
//! a register nobody reads; nothing loads a unit for it).
//!
//! **Constants in loops.** A constant that an instruction inside a loop
//! would load into a scratch register on every iteration (a Float, a
//! string, an Int with no immediate form there, a Bool stored into an
//! array) becomes a value assigned once at the end of the preheader of the
//! outermost loop around it ([`hoist_constants`]), so the load runs once
//! per entry to the loop; allocation by liveness then keeps it in a
//! register over the loop. Immediates, call arguments and aggregate
//! elements (loaded straight into their window slots) and copies of a
//! constant stay as they are.
//!
//! **Allocation.** Every value has one live interval over the linear order
//! (from its first definition or the start of the first block it is live
//! into, to its last use or the end of the last block it is live out of);
//! intervals get the lowest register free over them, parameters registers
//! `0..params`. A call's register window starts above every register whose
//! value lives across it (the VM overwrites the caller's registers from the
//! window up); an argument that dies at its call is given its slot in that
//! window when it is defined, if that slot is free, so no copy is needed;
//! otherwise the arguments are copied into a window above everything live.
//! Aggregates (`newarr`, `newtup`, ..., `closure`) take their operands in
//! consecutive registers the same way.
//!
//! **Lines.** Each instruction carries its statement's line (0: the line of
//! the instruction before it), so a runtime error in any instruction is
//! reported at the source line of the statement it came from.
//!
//! Invariant handed to the VM's verifier: the function ends in an
//! instruction that does not fall through, every register is below
//! `n_regs`, every register read was written on every path before.

use crate::analysis::{natural_loops, predecessors, Liveness};
use crate::passes::licm::preheader;
use crate::*;
use mvm_bytecode::ops::{Const as K, Count, Func, Imm, Label, Native, Reg, TypeIdx, ValType};
use mvm_bytecode::{Constant, Function, InlineEntry, InlineFrame, LineEntry, Op, OperandMut};
use std::collections::{HashMap, HashSet};

/// A generated function with its own constants (`Const` operands index
/// [`Generated::constants`]; `Func` operands are the body's [`FuncRef`]s).
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub function: Function,
    pub constants: Vec<Constant>,
    /// For each entry of the function's inline-frame table, the
    /// [`InlineScope::callee`] of each of its frames (parallel to
    /// `function.inlined[i].frames`): how the producer finds where each
    /// frame's lines count from.
    pub inline_callees: Vec<Vec<FuncRef>>,
}

/// The inline-frame table of code whose instruction `pc` came from inline
/// scope `scopes[pc]`: one entry per run of instructions of the same scope,
/// its frames the scope and its parents, innermost first. A scope chain
/// that does not end (a malformed body) stops at the scopes it has seen.
/// With it, each frame's [`InlineScope::callee`].
fn inline_table(body: &Body, scopes: &[Option<ScopeId>]) -> (Vec<InlineEntry>, Vec<Vec<FuncRef>>) {
    let mut table: Vec<InlineEntry> = Vec::new();
    let mut callees: Vec<Vec<FuncRef>> = Vec::new();
    let mut pc = 0;
    while pc < scopes.len() {
        let Some(scope) = scopes[pc] else {
            pc += 1;
            continue;
        };
        let start = pc;
        while pc < scopes.len() && scopes[pc] == Some(scope) {
            pc += 1;
        }
        let mut frames = Vec::new();
        let mut of = Vec::new();
        let mut at = Some(scope);
        while let Some(s) = at.and_then(|s| body.scopes.get(s.0 as usize)) {
            if frames.len() > body.scopes.len() {
                break;
            }
            frames.push(InlineFrame {
                function: s.function.clone(),
                file: s.file,
                call_line: s.call_line,
            });
            of.push(s.callee);
            at = s.parent;
        }
        if !frames.is_empty() {
            table.push(InlineEntry {
                start: start as u32,
                end: pc as u32,
                frames,
            });
            callees.push(of);
        }
    }
    (table, callees)
}

/// Why a body could not become bytecode (limits of the format).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitError(pub String);

/// Generates the function `name` of file `file` from `body`.
pub fn generate(body: &Body, file: u32) -> Result<Generated, LimitError> {
    let hoisted = hoist_constants(body);
    let body = hoisted.as_ref().unwrap_or(body);
    let found = map_finds(body);
    let (body, finds) = match &found {
        Some((b, finds)) => (b, finds.clone()),
        None => (body, vec![false; body.blocks.len()]),
    };
    let int_finds = int_finds(body, &finds);
    let thread = threaded(body);
    let order = layout(body, &thread);
    let live = Liveness::new(body);
    let fused = fused_branches(body, &live);
    let alloc = allocate(body, &order, &live);
    let mut g = Gen {
        body,
        alloc: &alloc,
        code: Vec::new(),
        lines: Vec::new(),
        constants: Vec::new(),
        patches: Vec::new(),
        n_regs: alloc.n_regs,
        line: 0,
        scope: None,
        scopes: Vec::new(),
        current_across: Vec::new(),
        thread,
        int_finds,
    };
    let mut starts = HashMap::new();
    for (pos, b) in order.iter().enumerate() {
        starts.insert(*b, g.code.len());
        let block = body.block(*b);
        let next = order.get(pos + 1).copied();
        let find = finds[b.0 as usize];
        let fuse = fused[b.0 as usize] && !find;
        let n = block.stmts.len() - if find { 2 } else { usize::from(fuse) };
        let (_, after) = live.after_each(body, *b);
        for (k, s) in block.stmts.iter().take(n).enumerate() {
            g.line = s.line;
            g.scope = s.scope;
            g.current_across = after[k].iter().filter(|v| Some(*v) != s.def()).collect();
            g.stmt(s);
        }
        (g.line, g.scope) = match block.stmts.get(n) {
            // A `mapfind` runs the `get`: its errors are the `get`'s line's.
            Some(s) if fuse || find => (s.line, s.scope),
            _ => (block.line, block.scope),
        };
        if find {
            g.current_across = after[n]
                .iter()
                .filter(|v| Some(*v) != block.stmts[n].def())
                .collect();
            g.map_find(block, next);
        } else {
            g.terminator(block, fuse, next);
        }
    }
    if g.code.is_empty() {
        let s = g.scratch(0);
        g.emit(Op::LoadUnit { dst: s });
        g.emit(Op::Ret { src: s });
    }
    for (at, target) in std::mem::take(&mut g.patches) {
        let pc = starts.get(&target).copied().unwrap_or(0) as u32;
        if let Some(op) = g.code.get_mut(at) {
            op.for_each_operand_mut(|o| {
                if let OperandMut::Label(t) = o {
                    *t = Label(pc);
                }
            });
        }
    }
    if g.n_regs > u16::MAX as usize {
        return Err(LimitError(format!(
            "`{}` needs {} registers; a function may use at most {}",
            body.name,
            g.n_regs,
            u16::MAX
        )));
    }
    let (inlined, inline_callees) = inline_table(body, &g.scopes);
    Ok(Generated {
        function: Function {
            name: body.name.clone(),
            arity: body.params.min(u16::MAX as u32) as u16,
            params: (0..body.params.min(u16::MAX as u32))
                .map(|p| val_type(body.ty(Value(p))))
                .collect(),
            result: val_type(body.result),
            n_regs: g.n_regs.max(1) as u16,
            file,
            code: g.code,
            lines: g.lines,
            inlined,
        },
        constants: g.constants,
        inline_callees,
    })
}

/// Where a jump to each block really goes: past the empty blocks that only
/// jump on (a loop's exit that is the join of an `if`, ...).
/// The read `op` into `dst`, in its form that checks the value is a `ty`
/// (`getfieldi` for `getfield`, ...), when it has one.
fn typed_read(op: &Op, dst: Reg, ty: MirTy) -> Option<Op> {
    Some(match (*op, ty) {
        (Op::GetField { dst: d, obj, index }, MirTy::Int) if d == dst => {
            Op::GetFieldInt { dst, obj, index }
        }
        (Op::GetField { dst: d, obj, index }, MirTy::Float) if d == dst => {
            Op::GetFieldFloat { dst, obj, index }
        }
        (Op::GetField { dst: d, obj, index }, MirTy::Bool) if d == dst => {
            Op::GetFieldBool { dst, obj, index }
        }
        (Op::GetIndex { dst: d, arr, idx }, MirTy::Int) if d == dst => {
            Op::GetIndexInt { dst, arr, idx }
        }
        (Op::GetIndex { dst: d, arr, idx }, MirTy::Float) if d == dst => {
            Op::GetIndexFloat { dst, arr, idx }
        }
        (Op::GetIndex { dst: d, arr, idx }, MirTy::Bool) if d == dst => {
            Op::GetIndexBool { dst, arr, idx }
        }
        _ => return None,
    })
}

/// Whether `code`, the instructions of one statement, leaves in `dst` a
/// value the verifier knows nothing of (by the table's write rules: a
/// result `Any`, or a copy of one made in `code`). A call's result is the
/// callee's signature's, which lowering makes agree with the MIR.
fn written_any(code: &[Op], dst: Reg) -> bool {
    use mvm_bytecode::ops::Produces;
    // Registers written in `code`: whether each holds an unknown value.
    let mut any: HashMap<u16, bool> = HashMap::new();
    for op in code {
        let mut writes = Vec::new();
        op.for_each_write(|r, rule| {
            let unknown = match rule {
                Produces::Is(t) => t == ValType::Any,
                Produces::Copy(src) => any.get(&src.0).copied().unwrap_or(false),
                Produces::Const(_) | Produces::Same(..) | Produces::Returns(_) => false,
            };
            writes.push((r.0, unknown));
        });
        any.extend(writes);
    }
    any.get(&dst.0).copied().unwrap_or(false)
}

/// The register type of a value of this MIR type, as a signature states it.
fn val_type(t: MirTy) -> ValType {
    match t {
        MirTy::Int => ValType::Int,
        MirTy::Float => ValType::Float,
        MirTy::Bool => ValType::Bool,
        MirTy::Str => ValType::Str,
        MirTy::Unit => ValType::Unit,
        MirTy::Cell => ValType::Obj,
        MirTy::Any => ValType::Any,
    }
}

fn threaded(body: &Body) -> Vec<BlockId> {
    let n = body.blocks.len();
    (0..n as u32)
        .map(|i| {
            let mut b = BlockId(i);
            for _ in 0..n {
                let block = body.block(b);
                match block.term {
                    Terminator::Goto(t) if block.stmts.is_empty() && t != b => b = t,
                    _ => break,
                }
            }
            b
        })
        .collect()
}

/// The order blocks are laid out in: the reverse postorder of a depth-first
/// walk from the entry over the threaded jumps that visits a branch's `els`
/// before its `then`, so `then` follows its test, a loop's body its test,
/// and what follows a loop or an `if` comes after all of it.
fn layout(body: &Body, thread: &[BlockId]) -> Vec<BlockId> {
    let n = body.blocks.len();
    if n == 0 {
        return Vec::new();
    }
    let succs = |b: BlockId| -> Vec<BlockId> {
        let mut s: Vec<BlockId> = body
            .block(b)
            .term
            .successors()
            .iter()
            .map(|t| thread[t.0 as usize])
            .collect();
        s.reverse();
        s
    };
    let mut seen = vec![false; n];
    let mut post = Vec::with_capacity(n);
    let mut stack = vec![(BlockId(0), succs(BlockId(0)), 0usize)];
    seen[0] = true;
    while let Some((b, ss, i)) = stack.last_mut() {
        if let Some(s) = ss.get(*i).copied() {
            *i += 1;
            if !seen[s.0 as usize] {
                seen[s.0 as usize] = true;
                let next = succs(s);
                stack.push((s, next, 0));
            }
        } else {
            post.push(*b);
            stack.pop();
        }
    }
    post.reverse();
    post
}

/// Per block: whether its last statement is an Int comparison or a variant
/// test that only feeds its branch, and so becomes part of a
/// compare-and-branch (`jlti`, ..., `jvar`, `jnvar`).
fn fused_branches(body: &Body, live: &Liveness) -> Vec<bool> {
    body.blocks
        .iter()
        .enumerate()
        .map(|(i, block)| {
            let Terminator::Branch {
                cond: Operand::Value(c),
                ..
            } = &block.term
            else {
                return false;
            };
            match block.stmts.last().map(|s| &s.kind) {
                Some(StmtKind::Assign(d, Rvalue::Binary(op, OpClass::Int, a, b))) => {
                    d == c
                        && op.is_comparison()
                        && !live.live_out[i].contains(*c)
                        && a.value() != Some(*c)
                        && b.value() != Some(*c)
                        && (a.value().is_some() || b.value().is_some())
                }
                Some(StmtKind::Assign(d, Rvalue::VariantIs(Operand::Value(x), _))) => {
                    d == c && !live.live_out[i].contains(*c) && x != c
                }
                _ => false,
            }
        })
        .collect()
}

/// The variant indices of the prelude's `Option` (declared `None, Some(T)`),
/// which `map_get` returns.
const OPTION_NONE: u32 = 0;
const OPTION_SOME: u32 = 1;

/// The blocks reachable from `from` without passing through `avoid`
/// (`from` included, `avoid` excluded).
fn reachable_avoiding(body: &Body, from: BlockId, avoid: BlockId) -> Vec<bool> {
    let mut seen = vec![false; body.blocks.len()];
    let mut stack = vec![from];
    while let Some(b) = stack.pop() {
        if b == avoid || seen[b.0 as usize] {
            continue;
        }
        seen[b.0 as usize] = true;
        stack.extend(body.block(b).term.successors());
    }
    seen
}

/// The `Option` tests and payload reads that make a block's
/// `%o = map_get(m, k); %t = %o is variant v; branch %t, ..` a `mapfind`:
/// `body` with them rewritten, and per block whether it ends in one.
///
/// `mapfind dst, m, k, Lmiss` writes the value found into `%o`'s register
/// (no `Option` is made) and jumps to the `None` successor when there is
/// none. That is exact when `%o` is assigned nowhere else and every other
/// use of it is a read of the payload (`%o.0`), which becomes a copy of
/// `%o`, or a variant test, which becomes a constant, each in a block that
/// only the `Some` edge reaches, or (tests only) only the `None` edge,
/// since the last time through the `get`'s block. A branch on such a
/// constant then branches on the constant, and a test nothing else reads
/// is dropped. `None` when no block qualifies.
fn map_finds(body: &Body) -> Option<(Body, Vec<bool>)> {
    let mut defs = vec![0u32; body.values.len()];
    for b in &body.blocks {
        for s in &b.stmts {
            if let Some(d) = s.def() {
                if let Some(n) = defs.get_mut(d.0 as usize) {
                    *n += 1;
                }
            }
        }
    }
    let mut out: Option<Body> = None;
    let mut finds = vec![false; body.blocks.len()];
    for (i, find) in finds.iter_mut().enumerate() {
        let cur = out.as_ref().unwrap_or(body);
        let bid = BlockId(i as u32);
        let block = cur.block(bid);
        let Terminator::Branch {
            cond: Operand::Value(c),
            then,
            els,
        } = &block.term
        else {
            continue;
        };
        let [.., get, test] = block.stmts.as_slice() else {
            continue;
        };
        let (
            StmtKind::Assign(o, Rvalue::Intrinsic(Intrinsic::MapGet, _)),
            StmtKind::Assign(t, Rvalue::VariantIs(Operand::Value(x), v)),
        ) = (&get.kind, &test.kind)
        else {
            continue;
        };
        let (o, v) = (*o, *v);
        if t != c || *x != o || *c == o || (v != OPTION_SOME && v != OPTION_NONE) {
            continue;
        }
        let (some, none) = if v == OPTION_SOME {
            (*then, *els)
        } else {
            (*els, *then)
        };
        if some == none || some == bid || none == bid || defs.get(o.0 as usize) != Some(&1) {
            continue;
        }
        let by_some = reachable_avoiding(cur, some, bid);
        let by_none = reachable_avoiding(cur, none, bid);
        // Every use of `%o` and of `%t`, but the test and the branch.
        let mut rewrites: Vec<(usize, usize, Rvalue)> = Vec::new();
        let mut fits = true;
        let mut t_used = false;
        for (j, b) in cur.blocks.iter().enumerate() {
            for (k, s) in b.stmts.iter().enumerate() {
                if j == i && k + 1 == block.stmts.len() {
                    continue;
                }
                let mut uses_o = false;
                s.for_each_use(|u| {
                    uses_o |= u == o;
                    t_used |= u == *t;
                });
                if !uses_o {
                    continue;
                }
                let (only_some, only_none) = (by_some[j] && !by_none[j], by_none[j] && !by_some[j]);
                match &s.kind {
                    StmtKind::Assign(_, Rvalue::Field(_, 0)) if only_some => {
                        rewrites.push((j, k, Rvalue::Use(Operand::Value(o))))
                    }
                    StmtKind::Assign(_, Rvalue::VariantIs(_, w)) if only_some || only_none => {
                        let known = if only_some {
                            *w == OPTION_SOME
                        } else {
                            *w == OPTION_NONE
                        };
                        rewrites.push((j, k, Rvalue::Use(Operand::Const(Const::Bool(known)))))
                    }
                    _ => fits = false,
                }
            }
            match b.term.operand() {
                Some(Operand::Value(u)) if *u == o || (*u == *t && j != i) => fits = false,
                _ => {}
            }
        }
        if !fits || t_used {
            continue;
        }
        let new = out.get_or_insert_with(|| body.clone());
        for (j, k, rv) in rewrites {
            if let StmtKind::Assign(_, old) = &mut new.blocks[j].stmts[k].kind {
                *old = rv;
            }
        }
        *find = true;
    }
    let mut new = out?;
    fold_known_branches(&mut new);
    Some((new, finds))
}

/// The `Option`s `%o` of the blocks [`map_finds`] chose (`finds`) whose
/// payload is read, and read only into Int values: their `mapfind` is
/// `mapfindi`, which checks the value found is an Int, so the copies of `%o`
/// that read the payload need no `asi`.
fn int_finds(body: &Body, finds: &[bool]) -> HashSet<Value> {
    let mut out = HashSet::new();
    for (b, _) in body.blocks.iter().zip(finds).filter(|(_, f)| **f) {
        let Some(StmtKind::Assign(o, Rvalue::Intrinsic(Intrinsic::MapGet, _))) =
            b.stmts.len().checked_sub(2).map(|i| &b.stmts[i].kind)
        else {
            continue;
        };
        // After `map_finds`, every read of `%o` but the block's own test
        // is a payload read made a copy.
        let mut reads = body
            .blocks
            .iter()
            .flat_map(|b| &b.stmts)
            .filter_map(|s| match &s.kind {
                StmtKind::Assign(x, Rvalue::Use(Operand::Value(u))) if u == o => Some(*x),
                _ => None,
            });
        let mut any = false;
        if reads.all(|x| {
            any = true;
            body.ty(x) == MirTy::Int
        }) && any
        {
            out.insert(*o);
        }
    }
    out
}

/// Makes each branch on a value assigned a constant Bool by its block's
/// last statement, read nowhere else, a branch on the constant, and drops
/// the assignment.
fn fold_known_branches(body: &mut Body) {
    let mut uses = vec![0u32; body.values.len()];
    for b in &body.blocks {
        for s in &b.stmts {
            s.for_each_use(|u| {
                if let Some(n) = uses.get_mut(u.0 as usize) {
                    *n += 1;
                }
            });
        }
        if let Some(Operand::Value(u)) = b.term.operand() {
            if let Some(n) = uses.get_mut(u.0 as usize) {
                *n += 1;
            }
        }
    }
    for b in &mut body.blocks {
        let Terminator::Branch {
            cond: cond @ Operand::Value(_),
            ..
        } = &mut b.term
        else {
            continue;
        };
        let Some(Stmt {
            kind: StmtKind::Assign(d, Rvalue::Use(Operand::Const(k @ Const::Bool(_)))),
            ..
        }) = b.stmts.last()
        else {
            continue;
        };
        if *cond == Operand::Value(*d) && uses.get(d.0 as usize) == Some(&1) {
            *cond = Operand::Const(k.clone());
            b.stmts.pop();
        }
    }
}

/// At most this many constants of one loop are kept in registers.
const MAX_HOISTED: usize = 32;

/// A constant as a key: Floats by their bits.
#[derive(Clone, PartialEq, Eq, Hash)]
enum ConstKey {
    Int(i64),
    Float(u64),
    Bool(bool),
    Str(String),
    Unit,
}

fn const_key(c: &Const) -> ConstKey {
    match c {
        Const::Int(n) => ConstKey::Int(*n),
        Const::Float(x) => ConstKey::Float(x.to_bits()),
        Const::Bool(b) => ConstKey::Bool(*b),
        Const::Str(s) => ConstKey::Str(s.clone()),
        Const::Unit => ConstKey::Unit,
    }
}

fn operands(kind: &StmtKind) -> Vec<&Operand> {
    let mut out = Vec::new();
    match kind {
        StmtKind::Assign(_, rv) => rv.for_each_operand(|o| out.push(o)),
        StmtKind::Effect(e) => e.for_each_operand(|o| out.push(o)),
    }
    out
}

/// Per operand of `kind`, in `for_each_operand` order: whether code
/// generation loads it into a scratch register when it is a constant. It
/// does for every operand but an immediate ([`int_imm_form`],
/// [`compare_imm`]), a call's argument or an aggregate's element (loaded
/// straight into its window slot) and a copied constant (loaded straight
/// into the destination). `fused`: `kind` is the comparison of a
/// compare-and-branch.
fn loaded_operands(kind: &StmtKind, fused: bool) -> Vec<bool> {
    let n = operands(kind).len();
    let rv = match kind {
        StmtKind::Assign(_, rv) | StmtKind::Effect(Effect::Eval(rv)) => rv,
        StmtKind::Effect(_) => return vec![true; n],
    };
    match rv {
        Rvalue::Use(_) | Rvalue::Call(..) | Rvalue::Aggregate(..) | Rvalue::FnRef(_) => {
            vec![false; n]
        }
        Rvalue::Binary(op, class, a, b) => {
            let imm = if fused {
                compare_imm(a, b).is_some()
            } else {
                *class == OpClass::Int && int_imm_form(*op, a, b, Reg(0), |_| Reg(0)).is_some()
            };
            vec![!imm; n]
        }
        _ => vec![true; n],
    }
}

/// `body` with each constant that a loop would load into a scratch register
/// on every iteration (see [`loaded_operands`]) replaced by a value
/// assigned once, at the end of the preheader of the outermost loop around
/// it (made when missing): the load leaves the loop, and allocation by
/// liveness keeps the value in a register over the whole loop. At most
/// [`MAX_HOISTED`] constants per loop, the first met; `None` when there is
/// nothing to hoist.
fn hoist_constants(body: &Body) -> Option<Body> {
    let loops = natural_loops(body);
    if loops.is_empty() {
        return None;
    }
    let live = Liveness::new(body);
    let fused = fused_branches(body, &live);
    // Outer loops come first: the first loop holding a block is its
    // outermost one.
    let mut outermost: Vec<Option<usize>> = vec![None; body.blocks.len()];
    for (i, lp) in loops.iter().enumerate() {
        for b in &lp.blocks {
            outermost[b.0 as usize].get_or_insert(i);
        }
    }
    let mut out: Option<Body> = None;
    for (i, lp) in loops.iter().enumerate() {
        if lp.blocks.iter().any(|b| outermost[b.0 as usize] != Some(i)) {
            continue;
        }
        let mut consts: Vec<Const> = Vec::new();
        let mut keys: HashMap<ConstKey, usize> = HashMap::new();
        for b in &lp.blocks {
            let block = body.block(*b);
            let last = block.stmts.len().wrapping_sub(1);
            for (k, s) in block.stmts.iter().enumerate() {
                let mask = loaded_operands(&s.kind, fused[b.0 as usize] && k == last);
                for (o, loaded) in operands(&s.kind).into_iter().zip(mask) {
                    if let (Operand::Const(c), true) = (o, loaded) {
                        if keys.len() < MAX_HOISTED && !keys.contains_key(&const_key(c)) {
                            keys.insert(const_key(c), consts.len());
                            consts.push(c.clone());
                        }
                    }
                }
            }
        }
        if consts.is_empty() {
            continue;
        }
        let new = out.get_or_insert_with(|| body.clone());
        let preds = predecessors(new);
        let Some(pre) = preheader(new, lp, &preds) else {
            continue;
        };
        let (line, scope) = (new.block(lp.header).line, new.block(lp.header).scope);
        let values: Vec<Value> = consts
            .into_iter()
            .map(|c| {
                let v = new.new_value(c.ty(), None);
                new.block_mut(pre).stmts.push(Stmt {
                    kind: StmtKind::Assign(v, Rvalue::Use(Operand::Const(c))),
                    line,
                    scope,
                });
                v
            })
            .collect();
        for b in &lp.blocks {
            let fuse = fused[b.0 as usize];
            let block = new.block_mut(*b);
            let last = block.stmts.len().wrapping_sub(1);
            for (k, s) in block.stmts.iter_mut().enumerate() {
                let mut mask = loaded_operands(&s.kind, fuse && k == last).into_iter();
                s.for_each_operand_mut(|o| {
                    let loaded = mask.next().unwrap_or(false);
                    if let (Operand::Const(c), true) = (&*o, loaded) {
                        if let Some(j) = keys.get(&const_key(c)) {
                            *o = Operand::Value(values[*j]);
                        }
                    }
                });
            }
        }
    }
    out
}

/// Registers of values; the frame size they need.
struct Allocation {
    reg: Vec<u16>,
    /// Register count before the two scratch registers.
    n_regs: usize,
}

/// An operand list that needs consecutive registers: a call's arguments or
/// an aggregate's elements, at linear position `pos`.
struct Window {
    pos: usize,
    /// The values live across it (after it, save the one it defines).
    across: Vec<Value>,
}

fn window_operands(rv: &Rvalue) -> Option<&[Operand]> {
    match rv {
        Rvalue::Call(_, args) | Rvalue::Aggregate(_, args) => Some(args),
        // Runs as a call of its native, with the window of one.
        Rvalue::Intrinsic(Intrinsic::CallStack(_), args) => Some(args),
        _ => None,
    }
}

fn allocate(body: &Body, order: &[BlockId], live: &Liveness) -> Allocation {
    let n = body.values.len();
    let mut start = vec![usize::MAX; n];
    let mut end = vec![0usize; n];
    let touch = |v: Value, p: usize, start: &mut [usize], end: &mut [usize]| {
        let i = v.0 as usize;
        if i < start.len() {
            start[i] = start[i].min(p);
            end[i] = end[i].max(p);
        }
    };
    for p in 0..body.params {
        touch(Value(p), 0, &mut start, &mut end);
    }
    // Positions: statement k of a block reads at 2p and writes at 2p + 1.
    let mut pos = 1;
    // Window slot wishes: value -> (window, slot).
    let mut windows: Vec<Window> = Vec::new();
    let mut wish: HashMap<Value, (usize, usize)> = HashMap::new();
    for b in order {
        let block = body.block(*b);
        let block_start = 2 * pos;
        for v in live.live_in[b.0 as usize].iter() {
            touch(v, block_start, &mut start, &mut end);
        }
        let (_, after) = live.after_each(body, *b);
        for (k, s) in block.stmts.iter().enumerate() {
            let p = pos + k;
            s.for_each_use(|v| touch(v, 2 * p, &mut start, &mut end));
            if let Some(d) = s.def() {
                touch(d, 2 * p + 1, &mut start, &mut end);
            }
            let rv = match &s.kind {
                StmtKind::Assign(_, rv) | StmtKind::Effect(Effect::Eval(rv)) => rv,
                StmtKind::Effect(_) => continue,
            };
            if let Some(args) = window_operands(rv) {
                let across: Vec<Value> = after[k].iter().filter(|v| Some(*v) != s.def()).collect();
                let w = windows.len();
                for (slot, a) in args.iter().enumerate() {
                    if let Operand::Value(v) = a {
                        if !after[k].contains(*v) && v.0 >= body.params {
                            wish.entry(*v).or_insert((w, slot));
                        }
                    }
                }
                windows.push(Window { pos: 2 * p, across });
            }
        }
        pos += block.stmts.len();
        let block_end = 2 * pos + 1;
        if let Some(Operand::Value(v)) = block.term.operand() {
            touch(*v, 2 * pos, &mut start, &mut end);
        }
        for v in live.live_out[b.0 as usize].iter() {
            touch(v, block_end, &mut start, &mut end);
        }
        pos += 1;
    }
    // A wish only holds for a value defined once, used once, before its call.
    let mut defs = vec![0u32; n];
    for block in &body.blocks {
        for s in &block.stmts {
            if let Some(d) = s.def() {
                defs[d.0 as usize] += 1;
            }
        }
    }
    let mut reg = vec![0u16; n];
    // busy[r]: the last position register r is taken until.
    let mut busy: Vec<usize> = Vec::new();
    let mut by_start: Vec<usize> = (0..n).filter(|i| start[*i] != usize::MAX).collect();
    by_start.sort_by_key(|i| (start[*i], *i));
    let mut assigned = vec![false; n];
    let take = |r: usize, until: usize, busy: &mut Vec<usize>| {
        if busy.len() <= r {
            busy.resize(r + 1, 0);
        }
        busy[r] = until;
    };
    for p in 0..body.params as usize {
        take(p, end[p], &mut busy);
        reg[p] = p as u16;
        assigned[p] = true;
    }
    // `free(r, s)`: register r holds nothing live at position s or later.
    let free = |r: usize, s: usize, busy: &[usize]| busy.get(r).is_none_or(|u| *u < s);
    for i in by_start {
        if assigned[i] {
            continue;
        }
        let v = Value(i as u32);
        let s = start[i];
        let mut chosen = None;
        if let Some((w, slot)) = wish.get(&v).copied().filter(|_| defs[i] == 1) {
            let window = &windows[w];
            if end[i] <= window.pos {
                let base = window
                    .across
                    .iter()
                    .filter(|a| assigned[a.0 as usize])
                    .map(|a| reg[a.0 as usize] as usize + 1)
                    .max()
                    .unwrap_or(0);
                let r = base + slot;
                if free(r, s, &busy) {
                    chosen = Some(r);
                }
            }
        }
        let r = chosen.unwrap_or_else(|| (0..).find(|r| free(*r, s, &busy)).unwrap_or(0));
        take(r, end[i], &mut busy);
        reg[i] = r.min(u16::MAX as usize) as u16;
        assigned[i] = true;
    }
    Allocation {
        n_regs: busy.len().max(body.params as usize),
        reg,
    }
}

struct Gen<'a> {
    body: &'a Body,
    alloc: &'a Allocation,
    code: Vec<Op>,
    lines: Vec<LineEntry>,
    constants: Vec<Constant>,
    /// Jumps to point at a block once its first instruction is known.
    patches: Vec<(usize, BlockId)>,
    n_regs: usize,
    line: u32,
    /// The values live across the statement being generated.
    current_across: Vec<Value>,
    /// The inline scope of the statement being generated.
    scope: Option<ScopeId>,
    /// The inline scope of each instruction emitted, by pc.
    scopes: Vec<Option<ScopeId>>,
    /// Where a jump to each block really goes (see [`threaded`]).
    thread: Vec<BlockId>,
    /// The `Option`s found by `mapfindi` (see [`int_finds`]).
    int_finds: HashSet<Value>,
}

fn reg(r: usize) -> Reg {
    Reg(r.min(u16::MAX as usize) as u16)
}

fn count(n: usize) -> Count {
    Count(n.min(u16::MAX as usize) as u16)
}

fn imm_of(o: &Operand) -> Option<Imm> {
    match o {
        Operand::Const(Const::Int(n)) => i32::try_from(*n).ok().map(Imm),
        _ => None,
    }
}

/// The immediate instruction for the Int operation `a op b` into `dst`,
/// when one operand is a value and the other a constant that fits 32 bits
/// and the operator has such a form: `x op n`, and `n op x` where it
/// commutes or flips (`x - n` is `x + -n`; `n < x` is `x > n`).
fn int_imm_form(
    op: BinOp,
    a: &Operand,
    b: &Operand,
    dst: Reg,
    reg_of: impl Fn(Value) -> Reg,
) -> Option<Op> {
    match (a.value(), imm_of(b), imm_of(a), b.value()) {
        (Some(x), Some(imm), _, _) => {
            let x = reg_of(x);
            match op {
                BinOp::Add => Some(Op::AddIntImm { dst, a: x, imm }),
                BinOp::Sub => imm.0.checked_neg().map(|n| Op::AddIntImm {
                    dst,
                    a: x,
                    imm: Imm(n),
                }),
                BinOp::Eq => Some(Op::EqIntImm { dst, a: x, imm }),
                BinOp::Lt => Some(Op::LtIntImm { dst, a: x, imm }),
                BinOp::Le => Some(Op::LeIntImm { dst, a: x, imm }),
                _ => None,
            }
        }
        (_, _, Some(imm), Some(x)) => {
            let x = reg_of(x);
            match op {
                BinOp::Add => Some(Op::AddIntImm { dst, a: x, imm }),
                BinOp::Eq => Some(Op::EqIntImm { dst, a: x, imm }),
                BinOp::Lt => Some(Op::GtIntImm { dst, a: x, imm }),
                BinOp::Le => Some(Op::GeIntImm { dst, a: x, imm }),
                _ => None,
            }
        }
        _ => None,
    }
}

/// For a compare-and-branch of `a` and `b`: the value and the immediate
/// when one operand is a constant that fits 32 bits (every relation has an
/// immediate form), and whether they were swapped (`n < x` is `x > n`).
fn compare_imm(a: &Operand, b: &Operand) -> Option<(Value, Imm, bool)> {
    match (a.value(), imm_of(b), imm_of(a), b.value()) {
        (Some(x), Some(imm), _, _) => Some((x, imm, false)),
        (_, _, Some(imm), Some(x)) => Some((x, imm, true)),
        _ => None,
    }
}

impl Gen<'_> {
    fn emit(&mut self, op: Op) -> usize {
        self.scopes.push(self.scope);
        if self.line != 0 && self.lines.last().is_none_or(|l| l.line != self.line) {
            self.lines.push(LineEntry {
                pc: self.code.len() as u32,
                line: self.line,
            });
        }
        self.code.push(op);
        self.code.len() - 1
    }

    fn jump(&mut self, op: Op, target: BlockId) {
        let at = self.emit(op);
        self.patches.push((at, target));
    }

    /// Scratch register `i` (0 or 1): above every allocated register.
    fn scratch(&mut self, i: usize) -> Reg {
        let r = self.alloc.n_regs + i;
        self.n_regs = self.n_regs.max(r + 1);
        reg(r)
    }

    fn value_reg(&self, v: Value) -> Reg {
        Reg(self.alloc.reg.get(v.0 as usize).copied().unwrap_or(0))
    }

    fn constant(&mut self, c: Constant) -> K {
        let same = |a: &Constant| match (a, &c) {
            (Constant::Float(x), Constant::Float(y)) => x.to_bits() == y.to_bits(),
            _ => *a == c,
        };
        let k = match self.constants.iter().position(same) {
            Some(k) => k,
            None => {
                self.constants.push(c);
                self.constants.len() - 1
            }
        };
        K(k as u32)
    }

    /// Loads a constant into `dst`.
    fn load(&mut self, c: &Const, dst: Reg) {
        let op = match c {
            Const::Int(n) => match i32::try_from(*n) {
                Ok(imm) => Op::LoadInt { dst, imm: Imm(imm) },
                Err(_) => {
                    let k = self.constant(Constant::Int(*n));
                    Op::LoadConst { dst, k }
                }
            },
            Const::Float(x) => {
                let k = self.constant(Constant::Float(*x));
                Op::LoadConst { dst, k }
            }
            Const::Str(s) => {
                let k = self.constant(Constant::Str(s.clone()));
                Op::LoadConst { dst, k }
            }
            Const::Bool(true) => Op::LoadTrue { dst },
            Const::Bool(false) => Op::LoadFalse { dst },
            Const::Unit => Op::LoadUnit { dst },
        };
        self.emit(op);
    }

    /// The register holding an operand: a value's own, or scratch `i`
    /// loaded with the constant.
    fn operand(&mut self, o: &Operand, i: usize) -> Reg {
        match o {
            Operand::Value(v) => self.value_reg(*v),
            Operand::Const(c) => {
                let s = self.scratch(i);
                self.load(c, s);
                s
            }
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Assign(d, rv) => {
                let dst = self.value_reg(*d);
                let start = self.code.len();
                self.rvalue(rv, Some(dst));
                // A value of unknown type (out of a container, a function
                // value, a native, or a value the MIR types `Any`) that the
                // MIR types Int, Float or Bool is checked once here, so the
                // code using it is proved (the verifier insists on it).
                let from_any = match rv {
                    // A payload `mapfindi` found is a proved Int.
                    Rvalue::Use(Operand::Value(v)) => {
                        self.body.ty(*v) == MirTy::Any && !self.int_finds.contains(v)
                    }
                    _ => written_any(&self.code[start..], dst),
                };
                let ty = self.body.ty(*d);
                // The read this statement ended with, in its checking form
                // (a field or an element read checks what it reads).
                let typed = self.code[start..]
                    .last()
                    .and_then(|op| typed_read(op, dst, ty));
                if let (true, Some(typed)) = (from_any, typed) {
                    if let Some(last) = self.code.last_mut() {
                        *last = typed;
                    }
                } else if from_any {
                    match ty {
                        MirTy::Int => self.emit(Op::AsInt { dst, src: dst }),
                        MirTy::Float => self.emit(Op::AsFloat { dst, src: dst }),
                        MirTy::Bool => self.emit(Op::AsBool { dst, src: dst }),
                        _ => 0,
                    };
                }
            }
            StmtKind::Effect(e) => match e {
                Effect::SetIndex(a, i, x) => {
                    let arr = self.operand(a, 0);
                    let idx = self.operand(i, 1);
                    let src = match x {
                        Operand::Value(v) => self.value_reg(*v),
                        Operand::Const(c) => {
                            let s = self.scratch(2);
                            self.load(c, s);
                            s
                        }
                    };
                    self.emit(Op::SetIndex { arr, idx, src });
                }
                Effect::SetCell(c, x) => {
                    let cell = self.operand(c, 0);
                    let src = self.operand(x, 1);
                    self.emit(Op::SetCell { cell, src });
                }
                Effect::Push(a, x) => {
                    let arr = self.operand(a, 0);
                    let src = self.operand(x, 1);
                    self.emit(Op::Push { arr, src });
                }
                Effect::RandSeed(x) => {
                    let src = self.operand(x, 0);
                    self.emit(Op::RandSeed { src });
                }
                Effect::Eval(rv) => self.rvalue(rv, None),
            },
        }
    }

    /// Puts `ops` in consecutive registers; the first one. In place when
    /// the values are already there (as allocation tries to arrange) and
    /// above every register that must survive (`floor`), else copied to a
    /// window above everything live.
    fn window(&mut self, ops: &[Operand], keep: Option<Reg>, floor: usize, live_top: usize) -> Reg {
        if ops.is_empty() {
            return reg(floor);
        }
        let first = ops.iter().enumerate().find_map(|(i, o)| {
            o.value()
                .map(|v| self.value_reg(v).0 as usize)
                .and_then(|r| r.checked_sub(i))
        });
        let in_place = |base: usize, g: &Gen<'_>| {
            base >= floor
                && ops.iter().enumerate().all(|(i, o)| match o {
                    Operand::Value(v) => g.value_reg(*v).0 as usize == base + i,
                    Operand::Const(_) => true,
                })
        };
        let base = match first {
            Some(b) if in_place(b, self) && self.constants_clobber_nothing(b, ops, keep) => b,
            _ => live_top.max(floor),
        };
        for (i, o) in ops.iter().enumerate() {
            let slot = reg(base + i);
            match o {
                Operand::Value(v) => {
                    let src = self.value_reg(*v);
                    if src != slot {
                        self.emit(Op::Mov { dst: slot, src });
                    }
                }
                Operand::Const(c) => self.load(c, slot),
            }
        }
        self.n_regs = self.n_regs.max(base + ops.len());
        reg(base)
    }

    /// Whether loading the constant operands into their slots of a window
    /// at `base` leaves every other operand (and `keep`) and every value
    /// live across the statement intact.
    fn constants_clobber_nothing(&self, base: usize, ops: &[Operand], keep: Option<Reg>) -> bool {
        ops.iter().enumerate().all(|(i, o)| match o {
            Operand::Const(_) => {
                keep.is_none_or(|k| k.0 as usize != base + i)
                    && self
                        .current_across
                        .iter()
                        .all(|v| self.value_reg(*v).0 as usize != base + i)
                    && ops.iter().all(|p| {
                        p.value()
                            .is_none_or(|v| self.value_reg(v).0 as usize != base + i)
                    })
            }
            Operand::Value(_) => true,
        })
    }

    fn rvalue(&mut self, rv: &Rvalue, dst: Option<Reg>) {
        let dst_or = |g: &mut Gen<'_>| dst.unwrap_or_else(|| g.scratch(0));
        match rv {
            Rvalue::Use(o) => {
                let Some(dst) = dst else { return };
                match o {
                    Operand::Value(v) => {
                        let src = self.value_reg(*v);
                        if src != dst {
                            self.emit(Op::Mov { dst, src });
                        }
                    }
                    Operand::Const(c) => self.load(c, dst),
                }
            }
            Rvalue::Binary(op, class, a, b) => {
                let dst = dst_or(self);
                self.binary(*op, *class, a, b, dst);
            }
            Rvalue::Unary(op, class, a) => {
                let dst = dst_or(self);
                let src = self.operand(a, 0);
                let op = match (op, class) {
                    (UnOp::Not, _) => Op::Not { dst, src },
                    (UnOp::Neg, OpClass::Int) => Op::NegInt { dst, src },
                    (UnOp::Neg, OpClass::Float) => Op::NegFloat { dst, src },
                    (UnOp::Neg, _) => Op::Neg { dst, src },
                };
                self.emit(op);
            }
            Rvalue::ToStr(a) => {
                let dst = dst_or(self);
                let src = self.operand(a, 0);
                self.emit(Op::ToStr { dst, src });
            }
            Rvalue::Call(callee, args) => {
                // The window starts above every register that must survive
                // the call; the callee value is read before anything moves.
                let (floor, live_top) = self.call_bounds(args, callee);
                let callee_reg = match callee {
                    Callee::Value(Operand::Value(v)) => Some(self.value_reg(*v)),
                    _ => None,
                };
                let base = self.window(args, callee_reg, floor, live_top);
                let argc = count(args.len());
                let dst = dst.unwrap_or(base);
                let op = match callee {
                    Callee::Fn(f) => Op::Call {
                        dst,
                        func: Func(f.0),
                        args: base,
                        argc,
                    },
                    Callee::Native(n) => Op::CallNative {
                        dst,
                        native: Native(*n),
                        args: base,
                        argc,
                    },
                    Callee::Value(_) => Op::CallValue {
                        dst,
                        callee: callee_reg.unwrap_or(Reg(0)),
                        args: base,
                        argc,
                    },
                };
                self.emit(op);
            }
            Rvalue::Aggregate(kind, xs) => {
                let dst = dst_or(self);
                let start = if xs.is_empty() {
                    Reg(0)
                } else {
                    let (_, top) = self.call_bounds(xs, &Callee::Native(0));
                    self.window(xs, None, 0, top)
                };
                let c = count(xs.len());
                let op = match kind {
                    Aggregate::Tuple => Op::NewTuple {
                        dst,
                        start,
                        count: c,
                    },
                    Aggregate::Array => Op::NewArray {
                        dst,
                        start,
                        count: c,
                    },
                    Aggregate::Struct(t) => Op::NewStruct {
                        dst,
                        ty: TypeIdx(*t),
                        start,
                        count: c,
                    },
                    Aggregate::Variant(t, v) => Op::NewVariant {
                        dst,
                        ty: TypeIdx(*t),
                        variant: count(*v as usize),
                        start,
                        count: c,
                    },
                    Aggregate::Closure(f) => Op::MakeClosure {
                        dst,
                        func: Func(f.0),
                        start,
                        count: c,
                    },
                };
                self.emit(op);
            }
            Rvalue::Intrinsic(i, args) => {
                if let Intrinsic::CallStack(n) = i {
                    // A call of its native, its window placed as any call's.
                    let call = Rvalue::Call(Callee::Native(*n), Vec::new());
                    return self.rvalue(&call, dst);
                }
                let dst = dst_or(self);
                let a = args.first().map(|o| self.operand(o, 0));
                let b = args.get(1).map(|o| self.operand(o, 1));
                let c = args.get(2).map(|o| self.operand(o, 2));
                let src = a.unwrap_or(Reg(0));
                let op = match i {
                    Intrinsic::Len => Op::Len { dst, src },
                    Intrinsic::IntToFloat => Op::IntToFloat { dst, src },
                    Intrinsic::AbsInt => Op::AbsInt { dst, src },
                    Intrinsic::SqrtFloat => Op::SqrtFloat { dst, src },
                    Intrinsic::AbsFloat => Op::AbsFloat { dst, src },
                    Intrinsic::RandInt => Op::RandInt {
                        dst,
                        lo: src,
                        hi: b.unwrap_or(Reg(0)),
                    },
                    Intrinsic::RandFloat => Op::RandFloat { dst },
                    Intrinsic::MapGet => Op::MapGet {
                        dst,
                        map: src,
                        key: b.unwrap_or(Reg(0)),
                    },
                    Intrinsic::MapInsert => Op::MapInsert {
                        dst,
                        map: src,
                        key: b.unwrap_or(Reg(0)),
                        src: c.unwrap_or(Reg(0)),
                    },
                    Intrinsic::MapHas => Op::MapHas {
                        dst,
                        map: src,
                        key: b.unwrap_or(Reg(0)),
                    },
                    // Returned above.
                    Intrinsic::CallStack(_) => return,
                };
                self.emit(op);
            }
            Rvalue::Field(o, index) => {
                let dst = dst_or(self);
                let obj = self.operand(o, 0);
                self.emit(Op::GetField {
                    dst,
                    obj,
                    index: count(*index as usize),
                });
            }
            Rvalue::WithField(o, index, x) => {
                let dst = dst_or(self);
                let obj = self.operand(o, 0);
                let src = self.operand(x, 1);
                self.emit(Op::SetField {
                    dst,
                    obj,
                    index: count(*index as usize),
                    src,
                });
            }
            Rvalue::UpdateField(o, index, x) => {
                let dst = dst_or(self);
                let obj = self.operand(o, 0);
                let src = self.operand(x, 1);
                self.emit(Op::UpdateField {
                    dst,
                    obj,
                    index: count(*index as usize),
                    src,
                });
            }
            Rvalue::Index(a, i) => {
                let dst = dst_or(self);
                let arr = self.operand(a, 0);
                let idx = self.operand(i, 1);
                self.emit(Op::GetIndex { dst, arr, idx });
            }
            Rvalue::VariantIs(o, v) => {
                let dst = dst_or(self);
                let obj = self.operand(o, 0);
                self.emit(Op::VariantIs {
                    dst,
                    obj,
                    variant: count(*v as usize),
                });
            }
            Rvalue::FnRef(f) => {
                let dst = dst_or(self);
                self.emit(Op::LoadFn {
                    dst,
                    func: Func(f.0),
                });
            }
            Rvalue::NewCell(o) => {
                let dst = dst_or(self);
                let src = self.operand(o, 0);
                self.emit(Op::NewCell { dst, src });
            }
            Rvalue::GetCell(o) => {
                let dst = dst_or(self);
                let cell = self.operand(o, 0);
                self.emit(Op::GetCell { dst, cell });
            }
        }
    }

    /// For the call being generated: the lowest register its window may
    /// start at (above every value live across it) and one above every
    /// register in use at it (where a copied window goes).
    fn call_bounds(&self, args: &[Operand], callee: &Callee) -> (usize, usize) {
        let floor = self
            .current_across
            .iter()
            .map(|v| self.value_reg(*v).0 as usize + 1)
            .max()
            .unwrap_or(0);
        let mut top = floor;
        for o in args.iter().chain(match callee {
            Callee::Value(c) => Some(c),
            _ => None,
        }) {
            if let Some(v) = o.value() {
                top = top.max(self.value_reg(v).0 as usize + 1);
            }
        }
        (floor, top)
    }

    fn binary(&mut self, op: BinOp, class: OpClass, a: &Operand, b: &Operand, dst: Reg) {
        if class == OpClass::Int {
            if let Some(form) = int_imm_form(op, a, b, dst, |v| self.value_reg(v)) {
                self.emit(form);
                return;
            }
        }
        let ra = self.operand(a, 0);
        let rb = self.operand(b, 1);
        let (a, b) = (ra, rb);
        use OpClass as C;
        let instr = match (op, class) {
            (BinOp::Add, C::Int) => Op::AddInt { dst, a, b },
            (BinOp::Add, C::Float) => Op::AddFloat { dst, a, b },
            (BinOp::Add, C::Str) => Op::Concat { dst, a, b },
            (BinOp::Add, _) => Op::Add { dst, a, b },
            (BinOp::Sub, C::Int) => Op::SubInt { dst, a, b },
            (BinOp::Sub, C::Float) => Op::SubFloat { dst, a, b },
            (BinOp::Sub, _) => Op::Sub { dst, a, b },
            (BinOp::Mul, C::Int) => Op::MulInt { dst, a, b },
            (BinOp::Mul, C::Float) => Op::MulFloat { dst, a, b },
            (BinOp::Mul, _) => Op::Mul { dst, a, b },
            (BinOp::Div, C::Int) => Op::DivInt { dst, a, b },
            (BinOp::Div, C::Float) => Op::DivFloat { dst, a, b },
            (BinOp::Div, _) => Op::Div { dst, a, b },
            (BinOp::Rem, C::Int) => Op::RemInt { dst, a, b },
            (BinOp::Rem, C::Float) => Op::RemFloat { dst, a, b },
            (BinOp::Rem, _) => Op::Rem { dst, a, b },
            (BinOp::BitAnd, _) => Op::BitAnd { dst, a, b },
            (BinOp::BitOr, _) => Op::BitOr { dst, a, b },
            (BinOp::BitXor, _) => Op::BitXor { dst, a, b },
            (BinOp::Shl, _) => Op::Shl { dst, a, b },
            (BinOp::Shr, _) => Op::Shr { dst, a, b },
            (BinOp::Lt, C::Int) => Op::LtInt { dst, a, b },
            (BinOp::Lt, C::Float) => Op::LtFloat { dst, a, b },
            (BinOp::Lt, C::Str) => Op::LtStr { dst, a, b },
            (BinOp::Lt, _) => Op::Lt { dst, a, b },
            (BinOp::Le, C::Int) => Op::LeInt { dst, a, b },
            (BinOp::Le, C::Float) => Op::LeFloat { dst, a, b },
            (BinOp::Le, C::Str) => Op::LeStr { dst, a, b },
            (BinOp::Le, _) => Op::Le { dst, a, b },
            (BinOp::Eq, C::Int) => Op::EqInt { dst, a, b },
            (BinOp::Eq, C::Float) => Op::EqFloat { dst, a, b },
            (BinOp::Eq, _) => Op::Eq { dst, a, b },
            (BinOp::Ne, C::Int) => {
                self.emit(Op::EqInt { dst, a, b });
                Op::Not { dst, src: dst }
            }
            (BinOp::Ne, C::Float) => {
                self.emit(Op::EqFloat { dst, a, b });
                Op::Not { dst, src: dst }
            }
            (BinOp::Ne, _) => Op::Ne { dst, a, b },
        };
        self.emit(instr);
    }

    fn terminator(&mut self, block: &Block, fused: bool, next: Option<BlockId>) {
        let to = |b: &BlockId| self.thread.get(b.0 as usize).copied().unwrap_or(*b);
        match &block.term {
            Terminator::Goto(t) => {
                let t = to(t);
                if Some(t) != next {
                    self.jump(Op::Jmp { target: Label(0) }, t);
                }
            }
            Terminator::Branch { then, els, .. } if to(then) == to(els) => {
                let t = to(then);
                if Some(t) != next {
                    self.jump(Op::Jmp { target: Label(0) }, t);
                }
            }
            Terminator::Branch { cond, then, els } => {
                let (then, els) = (to(then), to(els));
                match cond {
                    Operand::Const(c) => {
                        let t = if *c == Const::Bool(false) { els } else { then };
                        if Some(t) != next {
                            self.jump(Op::Jmp { target: Label(0) }, t);
                        }
                    }
                    Operand::Value(c) => {
                        // Jump to `then` when true unless `then` is next: then
                        // jump to `els` when false.
                        let (target, when) = if Some(then) == next {
                            (els, false)
                        } else {
                            (then, true)
                        };
                        let op = match block.stmts.last().map(|s| &s.kind) {
                            Some(StmtKind::Assign(_, Rvalue::Binary(op, _, a, b))) if fused => {
                                self.compare_jump(*op, a, b, when)
                            }
                            Some(StmtKind::Assign(_, Rvalue::VariantIs(o, v))) if fused => {
                                let obj = self.operand(o, 0);
                                let variant = count(*v as usize);
                                let target = Label(0);
                                if when {
                                    Op::JmpVariant {
                                        obj,
                                        variant,
                                        target,
                                    }
                                } else {
                                    Op::JmpNotVariant {
                                        obj,
                                        variant,
                                        target,
                                    }
                                }
                            }
                            _ => {
                                let cond = self.value_reg(*c);
                                if when {
                                    Op::JmpIf {
                                        cond,
                                        target: Label(0),
                                    }
                                } else {
                                    Op::JmpIfNot {
                                        cond,
                                        target: Label(0),
                                    }
                                }
                            }
                        };
                        self.jump(op, target);
                        let other = if target == then { els } else { then };
                        if Some(other) != next {
                            self.jump(Op::Jmp { target: Label(0) }, other);
                        }
                    }
                }
            }
            Terminator::Return(o) => {
                let src = self.operand(o, 0);
                self.emit(Op::Ret { src });
            }
            Terminator::Unreachable => {
                self.emit(Op::Unreachable {});
            }
        }
    }

    /// The end of a block [`map_finds`] chose: its `map_get` and the test
    /// of it as one `mapfind`, which falls through to the `Some` successor
    /// (jumping there when it is not next) and jumps to the `None` one.
    fn map_find(&mut self, block: &Block, next: Option<BlockId>) {
        let to = |b: &BlockId| self.thread.get(b.0 as usize).copied().unwrap_or(*b);
        let [.., get, test] = block.stmts.as_slice() else {
            return;
        };
        let (
            StmtKind::Assign(o, Rvalue::Intrinsic(Intrinsic::MapGet, args)),
            StmtKind::Assign(_, Rvalue::VariantIs(_, v)),
            Terminator::Branch { then, els, .. },
        ) = (&get.kind, &test.kind, &block.term)
        else {
            return;
        };
        let (some, none) = if *v == OPTION_SOME {
            (to(then), to(els))
        } else {
            (to(els), to(then))
        };
        let map = match args.first() {
            Some(a) => self.operand(a, 0),
            None => Reg(0),
        };
        let key = match args.get(1) {
            Some(k) => self.operand(k, 1),
            None => Reg(0),
        };
        let dst = self.value_reg(*o);
        let miss = Label(0);
        let find = if self.int_finds.contains(o) {
            Op::MapFindInt {
                dst,
                map,
                key,
                miss,
            }
        } else {
            Op::MapFind {
                dst,
                map,
                key,
                miss,
            }
        };
        self.jump(find, none);
        if Some(some) != next {
            self.jump(Op::Jmp { target: Label(0) }, some);
        }
    }

    /// The compare-and-branch instruction jumping when `a op b` is `when`.
    fn compare_jump(&mut self, op: BinOp, a: &Operand, b: &Operand, when: bool) -> Op {
        let target = Label(0);
        // Normalise to `x op' imm` or `x op' y` with the jump taken on true.
        #[derive(Clone, Copy)]
        enum Rel {
            Lt,
            Le,
            Gt,
            Ge,
            Eq,
            Ne,
        }
        let rel = match op {
            BinOp::Lt => Rel::Lt,
            BinOp::Le => Rel::Le,
            BinOp::Eq => Rel::Eq,
            _ => Rel::Ne,
        };
        let negate = |r: Rel| match r {
            Rel::Lt => Rel::Ge,
            Rel::Le => Rel::Gt,
            Rel::Gt => Rel::Le,
            Rel::Ge => Rel::Lt,
            Rel::Eq => Rel::Ne,
            Rel::Ne => Rel::Eq,
        };
        let flip = |r: Rel| match r {
            Rel::Lt => Rel::Gt,
            Rel::Le => Rel::Ge,
            Rel::Gt => Rel::Lt,
            Rel::Ge => Rel::Le,
            r => r,
        };
        let rel = if when { rel } else { negate(rel) };
        if let Some((x, imm, flipped)) = compare_imm(a, b) {
            let rel = if flipped { flip(rel) } else { rel };
            let a = self.value_reg(x);
            return match rel {
                Rel::Lt => Op::JmpLtIntImm { a, imm, target },
                Rel::Le => Op::JmpLeIntImm { a, imm, target },
                Rel::Gt => Op::JmpGtIntImm { a, imm, target },
                Rel::Ge => Op::JmpGeIntImm { a, imm, target },
                Rel::Eq => Op::JmpEqIntImm { a, imm, target },
                Rel::Ne => Op::JmpNeIntImm { a, imm, target },
            };
        }
        let ra = self.operand(a, 0);
        let rb = self.operand(b, 1);
        match rel {
            Rel::Lt => Op::JmpLtInt {
                a: ra,
                b: rb,
                target,
            },
            Rel::Le => Op::JmpLeInt {
                a: ra,
                b: rb,
                target,
            },
            Rel::Gt => Op::JmpLtInt {
                a: rb,
                b: ra,
                target,
            },
            Rel::Ge => Op::JmpLeInt {
                a: rb,
                b: ra,
                target,
            },
            Rel::Eq => Op::JmpEqInt {
                a: ra,
                b: rb,
                target,
            },
            Rel::Ne => Op::JmpNeInt {
                a: ra,
                b: rb,
                target,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::counting_loop;
    use mvm_bytecode::Module;

    /// `main() { f(10) }` with `f` the counting loop, as a verified module.
    fn module() -> Module {
        module_calling(&counting_loop(), MirTy::Int)
    }

    /// A module of `callee` (function 0, returning a `result`) and a `main`
    /// that calls it with 10 and returns what it returns.
    fn module_calling(callee: &Body, result: MirTy) -> Module {
        let mut main = Body::new("main");
        let r = main.new_value(result, None);
        let entry = main.new_block();
        main.block_mut(entry).stmts.push(Stmt {
            kind: StmtKind::Assign(
                r,
                Rvalue::Call(Callee::Fn(FuncRef(0)), vec![Operand::Const(Const::Int(10))]),
            ),
            line: 1,
            scope: None,
        });
        main.block_mut(entry).term = Terminator::Return(Operand::Value(r));
        let f = generate(callee, 0).expect("f");
        let main = generate(&main, 0).expect("main");
        let mut constants = f.constants;
        constants.extend(main.constants);
        Module {
            functions: vec![f.function, main.function],
            constants,
            files: vec!["t.mvl".into()],
            entry: 1,
            ..Module::default()
        }
    }

    /// Code from inline scopes gets an inline-frame entry per run of one
    /// scope, its frames the scope chain innermost first; the body's own
    /// code gets none.
    #[test]
    fn inline_scopes_become_the_inline_frame_table() {
        use crate::testing::{assign, int, val};
        let mut b = Body::new("main");
        let x = b.new_value(MirTy::Int, None);
        let y = b.new_value(MirTy::Int, None);
        let entry = b.new_block();
        b.scopes = vec![
            InlineScope {
                function: "g".into(),
                file: 0,
                callee: FuncRef(0),
                call_line: 9,
                parent: None,
            },
            InlineScope {
                function: "h".into(),
                file: 1,
                callee: FuncRef(1),
                call_line: 4,
                parent: Some(ScopeId(0)),
            },
        ];
        let in_scope = |mut s: Stmt, scope, line| {
            s.scope = scope;
            s.line = line;
            s
        };
        b.block_mut(entry).stmts = vec![
            in_scope(assign(x, Rvalue::Use(int(7))), Some(ScopeId(0)), 3),
            in_scope(
                assign(y, Rvalue::Binary(BinOp::Div, OpClass::Int, int(1), val(x))),
                Some(ScopeId(1)),
                2,
            ),
        ];
        b.block_mut(entry).term = Terminator::Return(val(y));
        b.block_mut(entry).line = 9;
        b.n_funcs = 2;
        let generated = generate(&b, 0).expect("main");
        assert_eq!(
            generated.inline_callees,
            vec![vec![FuncRef(0)], vec![FuncRef(1), FuncRef(0)]]
        );
        let f = generated.function;
        let frames = |pc: usize| -> Vec<(String, u32, u32)> {
            f.inlined_at(pc)
                .iter()
                .map(|fr| (fr.function.clone(), fr.file, fr.call_line))
                .collect()
        };
        let div = f
            .code
            .iter()
            .position(|op| op.mnemonic().starts_with("div"))
            .expect("a division");
        assert_eq!(
            frames(div),
            vec![("h".to_string(), 1, 4), ("g".to_string(), 0, 9)]
        );
        assert_eq!(f.line_at(div), 2);
        let ret = f.code.len() - 1;
        assert!(frames(ret).is_empty(), "{:?}", f.inlined);
        assert_eq!(f.line_at(ret), 9);
        let mut m = module();
        m.functions = vec![f];
        m.files = vec!["a.mvl".into(), "b.mvl".into()];
        m.entry = 0;
        assert_eq!(mvm_bytecode::verify(&m), Ok(()));
    }

    #[test]
    fn the_counting_loop_is_five_instructions_a_round_and_verifies() {
        let m = module();
        assert_eq!(mvm_bytecode::verify(&m), Ok(()));
        let text = mvm_bytecode::disassemble(&m);
        let ops: Vec<&str> = m.functions[0].code.iter().map(|o| o.mnemonic()).collect();
        // Two initialisations and the 7 of `i % 7`, loaded once before the
        // loop, then per round: the fused test, the body's three operations
        // and the jump back; `main` computes its argument in the call's
        // window.
        assert_eq!(
            ops,
            ["loadi", "loadi", "loadi", "jlei", "remi", "addi", "addik", "jmp", "ret"],
            "{text}"
        );
        let main: Vec<&str> = m.functions[1].code.iter().map(|o| o.mnemonic()).collect();
        assert_eq!(main, ["loadi", "call", "ret"], "{text}");
        assert!(m.functions[0].n_regs <= 6, "{text}");
    }

    /// `fn g(n) { var x = 0.0; var i = 0; while i < n { var j = 0;
    /// while j < n { x = x * 0.5 + 2.0; j = j + 1 }; x = x + 2.0;
    /// i = i + 1 }; x }`: a nested loop of Float constants.
    fn nested_float_loop() -> Body {
        let mut b = Body::new("g");
        let n = b.new_value(MirTy::Int, Some("n".into()));
        b.params = 1;
        let x = b.new_value(MirTy::Float, Some("x".into()));
        let i = b.new_value(MirTy::Int, Some("i".into()));
        let j = b.new_value(MirTy::Int, Some("j".into()));
        let c = b.new_value(MirTy::Bool, None);
        let d = b.new_value(MirTy::Bool, None);
        let t = b.new_value(MirTy::Float, None);
        let [entry, outer, outer_body, inner, inner_body, latch, exit] =
            [(); 7].map(|_| b.new_block());
        let int = |k| Operand::Const(Const::Int(k));
        let float = |k| Operand::Const(Const::Float(k));
        let val = Operand::Value;
        let assign = |v, rv| Stmt {
            kind: StmtKind::Assign(v, rv),
            line: 3,
            scope: None,
        };
        let lt = |a, b| Rvalue::Binary(BinOp::Lt, OpClass::Int, val(a), val(b));
        let fop = |op, a, b| Rvalue::Binary(op, OpClass::Float, a, b);
        let inc = |v| assign(v, Rvalue::Binary(BinOp::Add, OpClass::Int, val(v), int(1)));
        b.block_mut(entry).stmts = vec![
            assign(x, Rvalue::Use(float(0.0))),
            assign(i, Rvalue::Use(int(0))),
        ];
        b.block_mut(entry).term = Terminator::Goto(outer);
        b.block_mut(outer).stmts = vec![assign(c, lt(i, n))];
        b.block_mut(outer).term = Terminator::Branch {
            cond: val(c),
            then: outer_body,
            els: exit,
        };
        b.block_mut(outer_body).stmts = vec![assign(j, Rvalue::Use(int(0)))];
        b.block_mut(outer_body).term = Terminator::Goto(inner);
        b.block_mut(inner).stmts = vec![assign(d, lt(j, n))];
        b.block_mut(inner).term = Terminator::Branch {
            cond: val(d),
            then: inner_body,
            els: latch,
        };
        b.block_mut(inner_body).stmts = vec![
            assign(t, fop(BinOp::Mul, val(x), float(0.5))),
            assign(x, fop(BinOp::Add, val(t), float(2.0))),
            inc(j),
        ];
        b.block_mut(inner_body).term = Terminator::Goto(inner);
        b.block_mut(latch).stmts = vec![assign(x, fop(BinOp::Add, val(x), float(2.0))), inc(i)];
        b.block_mut(latch).term = Terminator::Goto(outer);
        b.block_mut(exit).term = Terminator::Return(val(x));
        b
    }

    #[test]
    fn constants_a_loop_loads_are_loaded_once_before_the_outermost_loop() {
        let m = module_calling(&nested_float_loop(), MirTy::Float);
        assert_eq!(mvm_bytecode::verify(&m), Ok(()));
        let text = mvm_bytecode::disassemble(&m);
        let ops: Vec<&str> = m.functions[0].code.iter().map(|o| o.mnemonic()).collect();
        // The initialisations (`x`'s 0.0 a `loadk`) and the two Float
        // constants (2.0 once for both loops) before the outer test; no
        // load inside either loop but the reset of `j`, a copy of a
        // constant into its register.
        let first_test = ops.iter().position(|o| o.starts_with('j')).expect("a test");
        assert_eq!(
            ops[..first_test].iter().filter(|o| **o == "loadk").count(),
            3,
            "{text}"
        );
        assert_eq!(
            ops[first_test..]
                .iter()
                .filter(|o| o.starts_with("load"))
                .count(),
            1,
            "{text}"
        );
        // Inner round: test, mulf, addf, addik, jmp.
        assert_eq!(ops.iter().filter(|o| **o == "mulf").count(), 1, "{text}");
    }
}
