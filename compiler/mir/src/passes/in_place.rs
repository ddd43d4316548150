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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::assign;

    /// `p = struct0[1, 2]; <between>; q = p with .0 = 3; return q`: which
    /// statements of the result are in-place updates.
    fn body(between: impl Fn(Value, Value) -> Vec<Stmt>, ret_p: bool) -> Body {
        let mut b = Body::new("f");
        let arg = b.new_value(MirTy::Any, Some("arg".into()));
        b.params = 1;
        let p = b.new_value(MirTy::Any, Some("p".into()));
        let q = b.new_value(MirTy::Any, Some("q".into()));
        let entry = b.new_block();
        let int = |k| Operand::Const(Const::Int(k));
        let mut stmts = vec![assign(
            p,
            Rvalue::Aggregate(Aggregate::Struct(0), vec![int(1), int(2)]),
        )];
        stmts.extend(between(p, arg));
        stmts.push(assign(q, Rvalue::WithField(Operand::Value(p), 0, int(3))));
        b.block_mut(entry).stmts = stmts;
        b.block_mut(entry).term = Terminator::Return(Operand::Value(if ret_p { p } else { q }));
        b
    }

    fn updates(b: &Body) -> usize {
        b.blocks
            .iter()
            .flat_map(|bl| &bl.stmts)
            .filter(|s| matches!(s.kind, StmtKind::Assign(_, Rvalue::UpdateField(..))))
            .count()
    }

    #[test]
    fn a_fresh_dead_struct_is_updated_in_place() {
        let mut b = body(|_, _| Vec::new(), false);
        assert!(run(&mut b));
        assert_eq!(updates(&b), 1);
        crate::verify::verify(&b).expect("verifies");
    }

    #[test]
    fn a_struct_still_live_is_copied() {
        let mut b = body(|_, _| Vec::new(), true);
        assert!(!run(&mut b));
    }

    #[test]
    fn a_field_read_does_not_share() {
        let mut b = body(
            |p, arg| vec![assign(arg, Rvalue::Field(Operand::Value(p), 1))],
            false,
        );
        assert!(run(&mut b));
    }

    #[test]
    fn every_escape_keeps_the_copy() {
        let escapes: Vec<fn(Value, Value) -> Vec<Stmt>> = vec![
            // Stored in an array, passed to a call, captured, stored by
            // index, put in a cell.
            |p, arg| {
                vec![assign(
                    arg,
                    Rvalue::Aggregate(Aggregate::Array, vec![Operand::Value(p)]),
                )]
            },
            |p, arg| {
                vec![assign(
                    arg,
                    Rvalue::Call(Callee::Fn(FuncRef(0)), vec![Operand::Value(p)]),
                )]
            },
            |p, arg| {
                vec![assign(
                    arg,
                    Rvalue::Aggregate(Aggregate::Closure(FuncRef(0)), vec![Operand::Value(p)]),
                )]
            },
            |p, arg| {
                vec![Stmt {
                    kind: StmtKind::Effect(Effect::SetIndex(
                        Operand::Value(arg),
                        Operand::Const(Const::Int(0)),
                        Operand::Value(p),
                    )),
                    line: 1,
                    scope: None,
                }]
            },
            |p, arg| vec![assign(arg, Rvalue::NewCell(Operand::Value(p)))],
            // The object held in another struct's field.
            |p, arg| {
                vec![assign(
                    arg,
                    Rvalue::WithField(Operand::Value(arg), 0, Operand::Value(p)),
                )]
            },
        ];
        for between in escapes {
            let mut b = body(between, false);
            assert!(!run(&mut b), "{}", crate::print::body(&b));
        }
    }

    #[test]
    fn a_copy_moves_uniqueness_only_when_its_source_dies() {
        // r = p; q = r with .0 = 3 (p dead): in place.
        let mut b = Body::new("f");
        let p = b.new_value(MirTy::Any, None);
        let r = b.new_value(MirTy::Any, None);
        let q = b.new_value(MirTy::Any, None);
        let entry = b.new_block();
        let one = Operand::Const(Const::Int(1));
        b.block_mut(entry).stmts = vec![
            assign(p, Rvalue::Aggregate(Aggregate::Tuple, vec![one.clone()])),
            assign(r, Rvalue::Use(Operand::Value(p))),
            assign(q, Rvalue::WithField(Operand::Value(r), 0, one.clone())),
        ];
        b.block_mut(entry).term = Terminator::Return(Operand::Value(q));
        let mut moved = b.clone();
        assert!(run(&mut moved));
        // The same, but p is returned as well: both copies are kept.
        let both = b.new_value(MirTy::Any, None);
        b.block_mut(entry).stmts.push(assign(
            both,
            Rvalue::Aggregate(Aggregate::Tuple, vec![Operand::Value(p), Operand::Value(q)]),
        ));
        b.block_mut(entry).term = Terminator::Return(Operand::Value(both));
        assert!(!run(&mut b));
    }

    #[test]
    fn nothing_is_unique_at_a_block_entry() {
        // A parameter (the caller may still hold it) is never updated.
        let mut b = Body::new("f");
        let p = b.new_value(MirTy::Any, None);
        b.params = 1;
        let q = b.new_value(MirTy::Any, None);
        let entry = b.new_block();
        b.block_mut(entry).stmts = vec![assign(
            q,
            Rvalue::WithField(Operand::Value(p), 0, Operand::Const(Const::Int(1))),
        )];
        b.block_mut(entry).term = Terminator::Return(Operand::Value(q));
        assert!(!run(&mut b));
    }
}
