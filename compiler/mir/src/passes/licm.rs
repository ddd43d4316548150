//! Loop-invariant code motion: an assignment inside a natural loop whose
//! operands do not change in the loop is moved to the loop's preheader (a
//! block created when the loop has none), so it runs once per entry to the
//! loop instead of once per iteration.
//!
//! Only [`hoistable`] right-hand sides move: they cannot fail, have no
//! effect, allocate nothing and read no mutable state, so running one on a
//! path where the loop would not have (a loop that runs zero times, a
//! conditional inside the loop) changes nothing but time, and they are a
//! single cheap instruction. An assignment `d = rv` moves only when `d` is
//! assigned nowhere else in the loop and is not live on entry to the header
//! (so every read of `d` in the loop, and after it along a path through the
//! loop, reads this assignment), and when it is in a block that dominates
//! every back edge of the loop (it runs on every iteration, so moving it
//! cannot make a loop that rarely takes a branch do more work).

use crate::analysis::{natural_loops_of, predecessors, reverse_postorder, DomTree, Liveness, Loop};
use crate::*;

/// Whether `rv` may run where it did not before: no failure, effect,
/// allocation or read of mutable state. `Len` reads an array's length,
/// which a push (or a call, which may push) changes, so it is hoistable
/// only when `loop_writes_arrays` is false.
pub fn hoistable(rv: &Rvalue, loop_writes_arrays: bool) -> bool {
    match rv {
        // A cell is mutable; a display string is an allocation.
        Rvalue::GetCell(_) | Rvalue::ToStr(_) => false,
        Rvalue::Intrinsic(Intrinsic::Len, _) => !loop_writes_arrays,
        _ => rv.is_pure(),
    }
}

pub fn run(body: &mut Body) -> bool {
    let mut changed = false;
    // Each round moves at least one statement out of one loop; the
    // analyses are recomputed after it (a new preheader is a new block).
    for _ in 0..64 {
        if !hoist_one_loop(body) {
            break;
        }
        changed = true;
    }
    changed
}

/// Hoists what it can out of the innermost loop that has something to
/// hoist; whether it hoisted anything.
fn hoist_one_loop(body: &mut Body) -> bool {
    // The analyses once per round, shared by the loops and their
    // statements.
    let rpo = reverse_postorder(body);
    if !has_retreating_edge(body, &rpo) {
        // No cycle, so no loop: the dominator tree is not needed.
        return false;
    }
    let doms = DomTree::new(body);
    let preds = predecessors(body);
    let loops = natural_loops_of(body, &doms, &preds, &rpo);
    if loops.is_empty() {
        return false;
    }
    let live = Liveness::new(body);
    // Inner loops come after the loops they are nested in.
    for lp in loops.iter().rev() {
        let hoisted = invariant_stmts(body, lp, &doms, &preds, &live, &rpo);
        if hoisted.is_empty() {
            continue;
        }
        let Some(pre) = preheader(body, lp, &preds) else {
            continue;
        };
        // Take the statements out in reverse so the indices stay valid,
        // then append them to the preheader in their original order.
        let mut moved = Vec::with_capacity(hoisted.len());
        for &(b, k) in hoisted.iter().rev() {
            moved.push(body.blocks[b.0 as usize].stmts.remove(k));
        }
        moved.reverse();
        body.block_mut(pre).stmts.extend(moved);
        return true;
    }
    false
}

/// The statements of `lp` that may move to its preheader, as (block, index)
/// in an order where each comes after the statements it reads.
/// Whether some edge between reachable blocks goes to a block that does not
/// come later in the reverse postorder `rpo`: every loop's back edge does
/// (its header dominates its tail, so comes first).
fn has_retreating_edge(body: &Body, rpo: &[BlockId]) -> bool {
    let mut rank = vec![usize::MAX; body.blocks.len()];
    for (i, b) in rpo.iter().enumerate() {
        rank[b.0 as usize] = i;
    }
    rpo.iter().any(|b| {
        body.block(*b).term.successors().iter().any(|s| {
            rank.get(s.0 as usize)
                .is_some_and(|r| *r <= rank[b.0 as usize])
        })
    })
}

fn invariant_stmts(
    body: &Body,
    lp: &Loop,
    doms: &DomTree,
    preds: &[Vec<BlockId>],
    live: &Liveness,
    rpo: &[BlockId],
) -> Vec<(BlockId, usize)> {
    let n = body.values.len();
    let inside = |b: BlockId| lp.blocks.binary_search(&b).is_ok();
    // The header has no predecessor outside the loop when it is the entry:
    // no preheader can be made.
    if !preds[lp.header.0 as usize].iter().any(|p| !inside(*p)) {
        return Vec::new();
    }
    let latches: Vec<BlockId> = preds[lp.header.0 as usize]
        .iter()
        .copied()
        .filter(|p| inside(*p))
        .collect();
    let mut defs_in_loop = vec![0u32; n];
    let mut writes_arrays = false;
    for &b in &lp.blocks {
        for s in &body.block(b).stmts {
            if let Some(d) = s.def() {
                defs_in_loop[d.0 as usize] += 1;
            }
            match &s.kind {
                StmtKind::Effect(Effect::Push(..))
                | StmtKind::Assign(_, Rvalue::Call(..))
                | StmtKind::Effect(Effect::Eval(Rvalue::Call(..))) => writes_arrays = true,
                _ => {}
            }
        }
    }
    // Blocks in reverse postorder restricted to the loop: a definition's
    // block dominates its uses inside the loop, so it comes first.
    let order: Vec<BlockId> = rpo.iter().copied().filter(|b| inside(*b)).collect();
    let mut invariant = vec![false; n];
    let mut out = Vec::new();
    for b in order {
        if !latches.iter().all(|l| doms.dominates(b, *l)) {
            continue;
        }
        for (k, s) in body.block(b).stmts.iter().enumerate() {
            let StmtKind::Assign(d, rv) = &s.kind else {
                continue;
            };
            if !hoistable(rv, writes_arrays)
                || defs_in_loop[d.0 as usize] != 1
                || live.live_in[lp.header.0 as usize].contains(*d)
            {
                continue;
            }
            let mut ok = true;
            rv.for_each_operand(|o| {
                if let Operand::Value(v) = o {
                    ok &= defs_in_loop[v.0 as usize] == 0 || invariant[v.0 as usize];
                }
            });
            if ok {
                invariant[d.0 as usize] = true;
                out.push((b, k));
            }
        }
    }
    out
}

/// The block every entry to `lp` passes just before its header: the one
/// predecessor outside the loop when it jumps only to the header, else a
/// new block that the outside predecessors now jump to.
pub(crate) fn preheader(body: &mut Body, lp: &Loop, preds: &[Vec<BlockId>]) -> Option<BlockId> {
    let h = lp.header;
    let outside: Vec<BlockId> = preds[h.0 as usize]
        .iter()
        .copied()
        .filter(|p| lp.blocks.binary_search(p).is_err())
        .collect();
    match outside.as_slice() {
        [] => None,
        [p] if body.block(*p).term == Terminator::Goto(h) => Some(*p),
        _ => {
            let (line, scope) = (body.block(h).line, body.block(h).scope);
            let pre = body.new_block();
            body.block_mut(pre).term = Terminator::Goto(h);
            body.block_mut(pre).line = line;
            body.block_mut(pre).scope = scope;
            for p in outside {
                match &mut body.block_mut(p).term {
                    Terminator::Goto(t) => *t = pre,
                    Terminator::Branch { then, els, .. } => {
                        if *then == h {
                            *then = pre;
                        }
                        if *els == h {
                            *els = pre;
                        }
                    }
                    Terminator::Return(_) | Terminator::Unreachable => {}
                }
            }
            Some(pre)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assign, effect, int, val};

    fn fmul(a: Operand, b: Operand) -> Rvalue {
        Rvalue::Binary(BinOp::Mul, OpClass::Float, a, b)
    }

    /// `fn f(n: Int, x: Float, a) { var s = 0.0; var i = 0; while i < n
    /// { BODY; i = i + 1 }; s }`: `build` fills the loop body's block (and
    /// may add blocks), given (body, n, x, a, s, i, the loop body block,
    /// the latch block it must end at).
    fn loop_with(
        entry_branches: bool,
        build: impl FnOnce(&mut Body, [Value; 5], BlockId, BlockId),
    ) -> Body {
        let mut b = Body::new("f");
        let n = b.new_value(MirTy::Int, Some("n".into()));
        let x = b.new_value(MirTy::Float, Some("x".into()));
        let a = b.new_value(MirTy::Any, Some("a".into()));
        b.params = 3;
        let s = b.new_value(MirTy::Float, Some("s".into()));
        let i = b.new_value(MirTy::Int, Some("i".into()));
        let c = b.new_value(MirTy::Bool, None);
        let entry = b.new_block();
        let head = b.new_block();
        let lbody = b.new_block();
        let latch = b.new_block();
        let exit = b.new_block();
        b.block_mut(entry).stmts = vec![
            assign(s, Rvalue::Use(Operand::Const(Const::Float(0.0)))),
            assign(i, Rvalue::Use(int(0))),
        ];
        b.block_mut(entry).term = if entry_branches {
            Terminator::Branch {
                cond: Operand::Const(Const::Bool(true)),
                then: head,
                els: exit,
            }
        } else {
            Terminator::Goto(head)
        };
        b.block_mut(head).stmts = vec![assign(
            c,
            Rvalue::Binary(BinOp::Lt, OpClass::Int, val(i), val(n)),
        )];
        b.block_mut(head).term = Terminator::Branch {
            cond: val(c),
            then: lbody,
            els: exit,
        };
        b.block_mut(lbody).term = Terminator::Goto(latch);
        b.block_mut(latch).stmts = vec![assign(
            i,
            Rvalue::Binary(BinOp::Add, OpClass::Int, val(i), int(1)),
        )];
        b.block_mut(latch).term = Terminator::Goto(head);
        b.block_mut(exit).term = Terminator::Return(val(s));
        build(&mut b, [n, x, a, s, i], lbody, latch);
        crate::verify::verify(&b).expect("the test body verifies");
        b
    }

    fn hoist(mut b: Body) -> Body {
        run(&mut b);
        crate::verify::verify(&b).expect("licm keeps the body verified");
        b
    }

    #[test]
    fn hoists_invariant_float_arithmetic_in_order_to_the_entry() {
        let mut vals = Vec::new();
        let b = hoist(loop_with(false, |b, [_, x, _, s, _], lbody, _| {
            let f = b.new_value(MirTy::Float, None);
            let g = b.new_value(MirTy::Float, None);
            b.block_mut(lbody).stmts = vec![
                assign(f, fmul(val(x), val(x))),
                assign(
                    g,
                    Rvalue::Binary(BinOp::Add, OpClass::Float, val(f), val(x)),
                ),
                assign(
                    s,
                    Rvalue::Binary(BinOp::Add, OpClass::Float, val(s), val(g)),
                ),
            ];
            vals = vec![f, g, s];
        }));
        let text = crate::print::body(&b);
        // f and g now follow the entry's two statements; the accumulation
        // into s (assigned twice) stays.
        assert_eq!(b.blocks.len(), 5, "{text}");
        let entry_defs: Vec<_> = b.blocks[0].stmts.iter().filter_map(|s| s.def()).collect();
        assert_eq!(entry_defs[2..], [vals[0], vals[1]], "{text}");
        let body_defs: Vec<_> = b.blocks[2].stmts.iter().filter_map(|s| s.def()).collect();
        assert_eq!(body_defs, [vals[2]], "{text}");
    }

    #[test]
    fn makes_a_preheader_when_the_entry_branches() {
        let b = hoist(loop_with(true, |b, [_, x, _, s, _], lbody, _| {
            let f = b.new_value(MirTy::Float, None);
            b.block_mut(lbody).stmts = vec![
                assign(f, fmul(val(x), val(x))),
                assign(
                    s,
                    Rvalue::Binary(BinOp::Add, OpClass::Float, val(s), val(f)),
                ),
            ];
        }));
        let text = crate::print::body(&b);
        assert_eq!(b.blocks.len(), 6, "{text}");
        let pre = &b.blocks[5];
        assert_eq!(pre.stmts.len(), 1, "{text}");
        assert_eq!(pre.term, Terminator::Goto(BlockId(1)), "{text}");
        assert!(
            matches!(
                b.blocks[0].term,
                Terminator::Branch {
                    then: BlockId(5),
                    els: BlockId(4),
                    ..
                }
            ),
            "{text}"
        );
        assert_eq!(b.blocks[2].stmts.len(), 1, "{text}");
    }

    #[test]
    fn keeps_what_can_fail_or_varies_or_runs_conditionally() {
        let before = loop_with(false, |b, [n, x, a, s, i], lbody, latch| {
            // Unconditionally: n / 3 can fail (checked Int division); i * x
            // varies; len(a) reads an array the loop pushes to; n + 1 can
            // overflow.
            let q = b.new_value(MirTy::Int, None);
            let fi = b.new_value(MirTy::Float, None);
            let v = b.new_value(MirTy::Float, None);
            let l = b.new_value(MirTy::Int, None);
            let o = b.new_value(MirTy::Int, None);
            // Conditionally: x * x in a block that does not run on every
            // iteration, and n / i guarded by i != 0.
            let g = b.new_value(MirTy::Bool, None);
            let w = b.new_value(MirTy::Float, None);
            let r = b.new_value(MirTy::Int, None);
            let cond = b.new_block();
            b.block_mut(lbody).stmts = vec![
                assign(q, Rvalue::Binary(BinOp::Div, OpClass::Int, val(n), int(3))),
                assign(fi, Rvalue::Intrinsic(Intrinsic::IntToFloat, vec![val(i)])),
                assign(v, fmul(val(fi), val(x))),
                assign(l, Rvalue::Intrinsic(Intrinsic::Len, vec![val(a)])),
                assign(o, Rvalue::Binary(BinOp::Add, OpClass::Int, val(n), int(1))),
                effect(Effect::Push(val(a), val(q))),
                assign(g, Rvalue::Binary(BinOp::Ne, OpClass::Int, val(i), int(0))),
            ];
            b.block_mut(lbody).term = Terminator::Branch {
                cond: val(g),
                then: cond,
                els: latch,
            };
            b.block_mut(cond).stmts = vec![
                assign(w, fmul(val(x), val(x))),
                assign(r, Rvalue::Binary(BinOp::Div, OpClass::Int, val(n), val(i))),
                assign(
                    s,
                    Rvalue::Binary(BinOp::Add, OpClass::Float, val(s), val(w)),
                ),
            ];
            b.block_mut(cond).term = Terminator::Goto(latch);
        });
        let after = hoist(before.clone());
        assert_eq!(
            crate::print::body(&after),
            crate::print::body(&before),
            "nothing may move"
        );
    }

    #[test]
    fn hoists_len_when_the_loop_changes_no_array() {
        let b = hoist(loop_with(false, |b, [_, _, a, _, _], lbody, _| {
            let l = b.new_value(MirTy::Int, None);
            let e = b.new_value(MirTy::Any, None);
            b.block_mut(lbody).stmts = vec![
                assign(l, Rvalue::Intrinsic(Intrinsic::Len, vec![val(a)])),
                effect(Effect::SetIndex(val(a), int(0), val(l))),
                assign(e, Rvalue::Field(val(a), 0)),
                effect(Effect::Eval(Rvalue::Use(val(e)))),
            ];
        }));
        let text = crate::print::body(&b);
        assert_eq!(b.blocks[0].stmts.len(), 4, "{text}");
        assert_eq!(b.blocks[2].stmts.len(), 2, "{text}");
    }

    #[test]
    fn does_not_hoist_a_value_live_into_the_loop() {
        // s = x * x inside the loop, but s (0.0 before the loop) is read at
        // the exit when the loop runs zero times: moving it would change
        // the result.
        let before = loop_with(false, |b, [_, x, _, s, _], lbody, _| {
            b.block_mut(lbody).stmts = vec![assign(s, fmul(val(x), val(x)))];
        });
        let after = hoist(before.clone());
        assert_eq!(crate::print::body(&after), crate::print::body(&before));
    }
}
