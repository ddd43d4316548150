//! Copy propagation: removes the moves lowering leaves (the result of an
//! `if` or block moved into its destination, an operator's result computed
//! into a temporary and then moved into the local it assigns).
//!
//! Three rewrites:
//! - within a block, after `a = b`, reads of `a` read `b` until either is
//!   assigned again;
//! - across blocks, `a = b` where both hold one value for the whole body
//!   ([`Counts::is_fixed`]): every read of `a` reads `b`;
//! - coalescing: `t = rv; ...; x = t` in one block, `t` a temporary assigned
//!   and read only there, and `x` neither read nor assigned in between,
//!   becomes `x = rv; ...` (so the move disappears).
//!
//! A move between values of different types (an unknown value into an Int
//! one, which code generation turns into a check) is never propagated.
//!
//! The moves left dead are removed by [`super::dce`].

use super::{substitute, Counts};
use crate::*;

pub fn run(body: &mut Body) -> bool {
    let mut changed = local(body);
    changed |= global(body);
    changed |= coalesce(body);
    changed
}

fn local(body: &mut Body) -> bool {
    let mut changed = false;
    // A copy between values of different types (an unknown value into an
    // Int one) is a check, not a copy: it is never propagated.
    let types: Vec<MirTy> = body.values.iter().map(|v| v.ty).collect();
    let same_type = |a: Value, b: Value| types.get(a.0 as usize) == types.get(b.0 as usize);
    for block in &mut body.blocks {
        // (a, b): `a` currently holds what `b` holds.
        let mut copies: Vec<(Value, Value)> = Vec::new();
        let lookup = |copies: &[(Value, Value)], v: Value| {
            copies.iter().rev().find(|c| c.0 == v).map(|c| c.1)
        };
        for s in &mut block.stmts {
            s.for_each_operand_mut(|o| {
                if let Operand::Value(v) = o {
                    if let Some(b) = lookup(&copies, *v) {
                        *o = Operand::Value(b);
                        changed = true;
                    }
                }
            });
            if let StmtKind::Assign(d, rv) = &s.kind {
                let d = *d;
                copies.retain(|c| c.0 != d && c.1 != d);
                if let Rvalue::Use(Operand::Value(b)) = rv {
                    if *b != d && same_type(d, *b) {
                        copies.push((d, *b));
                    }
                }
            }
        }
        if let Some(Operand::Value(v)) = block.term.operand_mut() {
            if let Some(b) = lookup(&copies, *v) {
                *v = b;
                changed = true;
            }
        }
    }
    changed
}

fn global(body: &mut Body) -> bool {
    let counts = Counts::new(body);
    let mut source: Vec<Option<Value>> = vec![None; body.values.len()];
    for block in &body.blocks {
        for s in &block.stmts {
            if let StmtKind::Assign(a, Rvalue::Use(Operand::Value(b))) = &s.kind {
                if a != b
                    && body.ty(*a) == body.ty(*b)
                    && counts.is_fixed(body, *a)
                    && counts.is_fixed(body, *b)
                {
                    source[a.0 as usize] = Some(*b);
                }
            }
        }
    }
    if source.iter().all(Option::is_none) {
        return false;
    }
    // Follow chains (`a = b`, `b = c`) to their end; each step goes to a
    // value assigned earlier on every path, so there is no cycle.
    let resolve = |mut v: Value| {
        let mut steps = 0;
        while let Some(s) = source[v.0 as usize] {
            v = s;
            steps += 1;
            if steps > source.len() {
                break;
            }
        }
        v
    };
    let resolved: Vec<Option<Value>> = (0..body.values.len())
        .map(|i| source[i].map(|_| resolve(Value(i as u32))))
        .collect();
    substitute(body, |v| resolved[v.0 as usize].map(Operand::Value))
}

pub(super) fn coalesce(body: &mut Body) -> bool {
    let counts = Counts::new(body);
    let mut changed = false;
    for bi in 0..body.blocks.len() {
        let mut j = 0;
        while j < body.blocks[bi].stmts.len() {
            if let Some(i) = coalescible(body, &counts, bi, j) {
                let block = &mut body.blocks[bi];
                let StmtKind::Assign(x, _) = block.stmts[j].kind else {
                    unreachable!("coalescible checked the move")
                };
                if let StmtKind::Assign(t, _) = &mut block.stmts[i].kind {
                    *t = x;
                }
                block.stmts.remove(j);
                changed = true;
            } else {
                j += 1;
            }
        }
    }
    changed
}

/// For the move at `j` in block `bi`, `x = t`: the index of the statement
/// assigning `t` it can be merged into, if the coalescing rule allows.
fn coalescible(body: &Body, counts: &Counts, bi: usize, j: usize) -> Option<usize> {
    let stmts = &body.blocks[bi].stmts;
    let StmtKind::Assign(x, Rvalue::Use(Operand::Value(t))) = &stmts[j].kind else {
        return None;
    };
    let (x, t) = (*x, *t);
    if x == t
        || t.0 < body.params
        || counts.defs[t.0 as usize] != 1
        || counts.uses[t.0 as usize] != 1
        || body.ty(t) != body.ty(x)
    {
        return None;
    }
    let i = (0..j).rev().find(|&i| stmts[i].def() == Some(t))?;
    let touches_x = stmts[i + 1..j].iter().any(|s| {
        let mut reads = false;
        s.for_each_use(|v| reads |= v == x);
        reads || s.def() == Some(x)
    });
    (!touches_x).then_some(i)
}
