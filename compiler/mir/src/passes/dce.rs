//! Dead-code elimination: removes assignments of pure right-hand sides
//! ([`Rvalue::is_pure`]) whose value is not live afterwards, and pure
//! expressions evaluated only for their effect, and moves of a value to
//! itself. Calls, allocation, and
//! anything that can fail (checked arithmetic, indexing) stay, whether or
//! not their value is used.

use crate::analysis::Liveness;
use crate::*;

pub fn run(body: &mut Body) -> bool {
    let mut changed = false;
    // Removing one statement can make the statements feeding it dead.
    loop {
        let live = Liveness::new(body);
        let mut removed = false;
        for bi in 0..body.blocks.len() {
            // Walked backwards from the live-out, as `Liveness::after_each`
            // does, without a set per statement: `live` is what is live
            // after statement `k` when it is judged.
            let block = &body.blocks[bi];
            let mut live = live.live_out[bi].clone();
            if let Some(Operand::Value(v)) = block.term.operand() {
                live.insert(*v);
            }
            let mut dead = vec![false; block.stmts.len()];
            for (k, s) in block.stmts.iter().enumerate().rev() {
                dead[k] = match &s.kind {
                    StmtKind::Assign(d, Rvalue::Use(Operand::Value(v))) if v == d => true,
                    StmtKind::Assign(d, rv) => rv.is_pure() && !live.contains(*d),
                    StmtKind::Effect(Effect::Eval(rv)) => rv.is_pure(),
                    StmtKind::Effect(_) => false,
                };
                if let Some(d) = s.def() {
                    live.remove(d);
                }
                s.for_each_use(|v| live.insert(v));
            }
            if dead.contains(&true) {
                removed = true;
                let stmts = std::mem::take(&mut body.blocks[bi].stmts);
                body.blocks[bi].stmts = stmts
                    .into_iter()
                    .zip(dead)
                    .filter(|(_, dead)| !dead)
                    .map(|(s, _)| s)
                    .collect();
            }
        }
        if !removed {
            return changed;
        }
        changed = true;
    }
}
