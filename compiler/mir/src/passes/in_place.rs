//! In-place field update: rewrites `new = with_field(old, i, v)` (a copy of
//! the tuple or struct `old` with field `i` replaced) into
//! `new = update_field(old, i, v)`, which writes the field of `old`'s object
//! itself, when no one can observe the difference.
//!
//! MVL tuples and structs are values: `let b = a; a.x = 1` leaves `b.x` as it
//! was. A runtime value carries no ownership bit, so the proof is the
//! compiler's: the object `old` refers to must be reachable from `old` alone,
//! and `old` must be dead after the statement. The pass proves the first by
//! a forward scan of each block that tracks which values hold a *unique*
//! object: one this block just built (`aggregate` of a tuple or struct, or a
//! `with_field`/`update_field`, which yields a fresh or a unique object),
//! whose handle has not been copied anywhere since. Any use of a unique value
//! other than reading one of its fields (`field`) or being the object of the
//! update makes it not unique: passing it to a call, storing it in an
//! aggregate, an array or a cell, capturing it, returning it, copying it to
//! another value (unless the source dies there, which moves the uniqueness).
//! Nothing is assumed at a block's entry, so values from parameters, globals,
//! cells, arrays, fields and other blocks are never updated in place.
//!
//! The pass runs once, after the rest of the pipeline, so no later rewrite
//! can introduce a use of a value whose object it changed.

use crate::analysis::Liveness;
use crate::*;

pub fn run(body: &mut Body) -> bool {
    let liveness = Liveness::new(body);
    let mut changed = false;
    for b in 0..body.blocks.len() {
        let block = BlockId(b as u32);
        let (_, after) = liveness.after_each(body, block);
        let mut unique = vec![false; body.values.len()];
        let stmts = &mut body.block_mut(block).stmts;
        for (k, stmt) in stmts.iter_mut().enumerate() {
            let live_after = &after[k];
            // Rewrite first: the object operand must be unique now and dead
            // after this statement.
            if let StmtKind::Assign(_, rv @ Rvalue::WithField(Operand::Value(_), _, _)) =
                &mut stmt.kind
            {
                if let Rvalue::WithField(Operand::Value(old), i, v) = rv {
                    let src_is_old = *v == Operand::Value(*old);
                    if unique[old.0 as usize] && !live_after.contains(*old) && !src_is_old {
                        *rv = Rvalue::UpdateField(Operand::Value(*old), *i, v.clone());
                        changed = true;
                    }
                }
            }
            // Then update what is unique.
            let fresh = match &stmt.kind {
                StmtKind::Assign(_, rv) => match rv {
                    Rvalue::Aggregate(Aggregate::Tuple | Aggregate::Struct(_), _)
                    | Rvalue::WithField(..) => Some(true),
                    Rvalue::UpdateField(Operand::Value(old), _, _) => Some(unique[old.0 as usize]),
                    Rvalue::Use(Operand::Value(src)) => {
                        Some(unique[src.0 as usize] && !live_after.contains(*src))
                    }
                    _ => Some(false),
                },
                StmtKind::Effect(_) => None,
            };
            // Every use but a field read or the object of an update or copy
            // escapes; the object of an update moves to its result.
            match &stmt.kind {
                StmtKind::Assign(_, Rvalue::Field(..)) => {}
                StmtKind::Assign(_, Rvalue::WithField(_, _, v)) => {
                    if let Operand::Value(x) = v {
                        unique[x.0 as usize] = false;
                    }
                }
                _ => stmt.for_each_use(|x| unique[x.0 as usize] = false),
            }
            if let (Some(f), Some(d)) = (fresh, stmt.def()) {
                unique[d.0 as usize] = f;
            }
        }
    }
    changed
}
