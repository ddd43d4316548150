//! Control-flow simplification:
//! - a branch on a constant, or to the same block both ways, becomes a jump;
//! - jump threading: a jump to an empty block that only jumps on goes to
//!   that block's target instead;
//! - a jump to an empty block that only returns becomes that return (the
//!   branches of an `if` in tail position return themselves, and copy
//!   propagation then returns their values where they are);
//! - a jump to a small block of scalar arithmetic that ends in a branch (a
//!   loop's test, or its step and test) becomes a copy of that block: a
//!   loop tests at its end and branches back instead of jumping back to its
//!   test (loop rotation), and the arms of a `match` in a loop step and test
//!   themselves (one jump less per iteration each);
//! - a block whose only predecessor jumps to it unconditionally is merged
//!   into that predecessor;
//! - blocks the entry does not reach are removed and the rest renumbered in
//!   their order (the entry stays block 0).

use crate::analysis::{predecessors, reverse_postorder};
use crate::*;

pub fn run(body: &mut Body) -> bool {
    let mut changed = fold_branches(body);
    changed |= thread_jumps(body);
    changed |= duplicate_tests(body);
    changed |= merge_blocks(body);
    changed |= remove_unreachable(body);
    changed
}

fn fold_branches(body: &mut Body) -> bool {
    let mut changed = false;
    for block in &mut body.blocks {
        if let Terminator::Branch { cond, then, els } = &block.term {
            let target = match cond {
                Operand::Const(Const::Bool(c)) => Some(if *c { *then } else { *els }),
                _ if then == els => Some(*then),
                _ => None,
            };
            if let Some(t) = target {
                block.term = Terminator::Goto(t);
                changed = true;
            }
        }
    }
    changed
}

/// Where a jump to `b` ends up after passing through empty blocks that only
/// jump (stopping at a cycle of them, and never at the entry, which has its
/// own meaning).
fn final_target(body: &Body, mut b: BlockId) -> BlockId {
    let mut seen = Vec::new();
    loop {
        let block = body.block(b);
        match block.term {
            Terminator::Goto(next)
                if block.stmts.is_empty() && b.0 != 0 && !seen.contains(&next) =>
            {
                seen.push(b);
                if next == b {
                    return b;
                }
                b = next;
            }
            _ => return b,
        }
    }
}

fn thread_jumps(body: &mut Body) -> bool {
    let mut changed = false;
    for i in 0..body.blocks.len() {
        let mut term = body.blocks[i].term.clone();
        match &mut term {
            Terminator::Goto(t) => {
                let f = final_target(body, *t);
                let target = body.block(f);
                if let (Terminator::Return(_), true, true) =
                    (&target.term, target.stmts.is_empty(), f.0 != 0)
                {
                    let (line, scope) = (target.line, target.scope);
                    term = target.term.clone();
                    body.blocks[i].line = line;
                    body.blocks[i].scope = scope;
                    changed = true;
                } else if f != *t {
                    *t = f;
                    changed = true;
                }
            }
            Terminator::Branch { then, els, .. } => {
                for t in [then, els] {
                    let f = final_target(body, *t);
                    if f != *t {
                        *t = f;
                        changed = true;
                    }
                }
            }
            Terminator::Return(_) | Terminator::Unreachable => {}
        }
        body.blocks[i].term = term;
    }
    changed
}

/// The most statements a test copied into the blocks that jump to it may
/// have (`i < n`, or `i < xs.len()`).
const MAX_TEST_STATEMENTS: usize = 2;

/// Whether a copy of `rv` is as cheap as the jump it saves: a pure
/// operation, or checked Int arithmetic (which may fail, at its own line,
/// in whichever copy runs).
fn scalar(rv: &Rvalue) -> bool {
    rv.is_pure()
        || matches!(
            rv,
            Rvalue::Binary(_, OpClass::Int, ..) | Rvalue::Unary(UnOp::Neg, OpClass::Int, _)
        )
}

fn duplicate_tests(body: &mut Body) -> bool {
    let mut changed = false;
    for i in 0..body.blocks.len() {
        let Terminator::Goto(t) = body.blocks[i].term else {
            continue;
        };
        let test = body.block(t);
        let small = test.stmts.len() <= MAX_TEST_STATEMENTS
            && test
                .stmts
                .iter()
                .all(|s| matches!(&s.kind, StmtKind::Assign(_, rv) if scalar(rv)));
        if t.0 == 0 || t.0 as usize == i || !small {
            continue;
        }
        if let Terminator::Branch { .. } = test.term {
            let test = test.clone();
            let block = &mut body.blocks[i];
            block.stmts.extend(test.stmts);
            block.term = test.term;
            block.line = test.line;
            block.scope = test.scope;
            changed = true;
        }
    }
    changed
}

fn merge_blocks(body: &mut Body) -> bool {
    let mut changed = false;
    let mut preds = predecessors(body);
    for a in reverse_postorder(body) {
        // Merge as long as `a` ends in a jump to a block only it reaches.
        while let Terminator::Goto(b) = body.block(a).term {
            if b == a || b.0 == 0 || preds[b.0 as usize].len() != 1 {
                break;
            }
            let taken = std::mem::replace(
                body.block_mut(b),
                Block {
                    stmts: Vec::new(),
                    term: Terminator::Unreachable,
                    line: 0,
                    scope: None,
                },
            );
            for s in taken.term.successors() {
                for p in &mut preds[s.0 as usize] {
                    if *p == b {
                        *p = a;
                    }
                }
            }
            preds[b.0 as usize].clear();
            let block = body.block_mut(a);
            block.stmts.extend(taken.stmts);
            block.term = taken.term;
            block.line = taken.line;
            block.scope = taken.scope;
            changed = true;
        }
    }
    changed
}

fn remove_unreachable(body: &mut Body) -> bool {
    let mut reachable = vec![false; body.blocks.len()];
    for b in reverse_postorder(body) {
        reachable[b.0 as usize] = true;
    }
    if reachable.iter().all(|r| *r) {
        return false;
    }
    let mut new_id = vec![None; body.blocks.len()];
    let mut next = 0;
    for (i, r) in reachable.iter().enumerate() {
        if *r {
            new_id[i] = Some(BlockId(next));
            next += 1;
        }
    }
    let blocks = std::mem::take(&mut body.blocks);
    for (i, mut block) in blocks.into_iter().enumerate() {
        if !reachable[i] {
            continue;
        }
        let map =
            |b: &mut BlockId| *b = new_id[b.0 as usize].expect("successor of a reachable block");
        match &mut block.term {
            Terminator::Goto(t) => map(t),
            Terminator::Branch { then, els, .. } => {
                map(then);
                map(els);
            }
            Terminator::Return(_) | Terminator::Unreachable => {}
        }
        body.blocks.push(block);
    }
    true
}
