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
            let (_, after) = live.after_each(body, BlockId(bi as u32));
            let mut k = 0;
            let stmts = std::mem::take(&mut body.blocks[bi].stmts);
            let kept: Vec<Stmt> = stmts
                .into_iter()
                .filter(|s| {
                    let dead = match &s.kind {
                        StmtKind::Assign(d, Rvalue::Use(Operand::Value(v))) if v == d => true,
                        StmtKind::Assign(d, rv) => rv.is_pure() && !after[k].contains(*d),
                        StmtKind::Effect(Effect::Eval(rv)) => rv.is_pure(),
                        StmtKind::Effect(_) => false,
                    };
                    k += 1;
                    removed |= dead;
                    !dead
                })
                .collect();
            body.blocks[bi].stmts = kept;
        }
        if !removed {
            return changed;
        }
        changed = true;
    }
}
