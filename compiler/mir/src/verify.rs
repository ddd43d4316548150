//! The MIR verifier: what every producer and every pass must leave true.
//!
//! - there is an entry block and the parameters are values of the body;
//! - every jump target is a block of the body, every value operand a value;
//! - every use of a value in a reachable block comes after an assignment to
//!   it on every path from the entry (parameters are assigned on entry);
//! - operators get operands of their class (`add.int` two Ints, ...), a
//!   comparison and a branch condition are Bool, a cell operation a cell;
//! - an intrinsic gets as many operands as it takes;
//! - what a `Return` returns is of the body's result type ([`Body::result`]).
//!
//! It reports every problem found, each naming the block.

use crate::analysis::{predecessors, reverse_postorder, ValueSet};
use crate::*;

/// Checks `body`; the list of what is wrong, if anything.
pub fn verify(body: &Body) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let n_values = body.values.len();
    if body.blocks.is_empty() {
        return Err(vec![format!("`{}` has no entry block", body.name)]);
    }
    if body.params as usize > n_values {
        errors.push(format!(
            "{} parameters but {} values",
            body.params, n_values
        ));
    }
    let in_range = |v: Value| (v.0 as usize) < n_values;
    // A scope's parent comes before it, so every chain ends.
    for (i, s) in body.scopes.iter().enumerate() {
        if s.parent.is_some_and(|p| p.0 as usize >= i) {
            errors.push(format!("scope s{i}: its parent does not come before it"));
        }
        if s.callee.0 >= body.n_funcs {
            errors.push(format!(
                "scope s{i}: inlines fn{}, which does not exist",
                s.callee.0
            ));
        }
    }
    let scope_ok = |s: Option<ScopeId>| s.is_none_or(|s| (s.0 as usize) < body.scopes.len());
    for (i, block) in body.blocks.iter().enumerate() {
        if !scope_ok(block.scope) || !block.stmts.iter().all(|s| scope_ok(s.scope)) {
            errors.push(format!("b{i}: names an inline scope that does not exist"));
        }
    }
    for (i, block) in body.blocks.iter().enumerate() {
        for s in block.term.successors() {
            if s.0 as usize >= body.blocks.len() {
                errors.push(format!("b{i}: jumps to b{}, which does not exist", s.0));
            }
        }
        let mut bad = Vec::new();
        for s in &block.stmts {
            s.for_each_use(|v| {
                if !in_range(v) {
                    bad.push(v)
                }
            });
            if let Some(d) = s.def() {
                if !in_range(d) {
                    bad.push(d);
                }
            }
        }
        if let Some(Operand::Value(v)) = block.term.operand() {
            if !in_range(*v) {
                bad.push(*v);
            }
        }
        for v in bad {
            errors.push(format!("b{i}: %{} is not a value of the body", v.0));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    check_assigned(body, &mut errors);
    for (i, block) in body.blocks.iter().enumerate() {
        for s in &block.stmts {
            check_types(body, s, i, &mut errors);
        }
        match &block.term {
            Terminator::Branch { cond, .. }
                if !matches!(body.operand_ty(cond), MirTy::Bool | MirTy::Any) =>
            {
                errors.push(format!(
                    "b{i}: branch on {}, which is not a Bool",
                    crate::print::operand(body, cond)
                ));
            }
            Terminator::Return(v) => {
                // As for a copy: a unit constant stands for a value never
                // read (what a body whose end is unreachable returns).
                let t = body.operand_ty(v);
                let placeholder = *v == Operand::Const(Const::Unit);
                if t != body.result && t != MirTy::Any && body.result != MirTy::Any && !placeholder
                {
                    errors.push(format!(
                        "b{i}: returns {}, of type {}, but the result is {}",
                        crate::print::operand(body, v),
                        crate::print::ty_name(t),
                        crate::print::ty_name(body.result)
                    ));
                }
            }
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Definite assignment: a forward dataflow whose meet is intersection.
fn check_assigned(body: &Body, errors: &mut Vec<String>) {
    let n = body.values.len();
    let order = reverse_postorder(body);
    let preds = predecessors(body);
    let mut reachable = vec![false; body.blocks.len()];
    for b in &order {
        reachable[b.0 as usize] = true;
    }
    let mut all = ValueSet::new(n);
    for v in 0..n {
        all.insert(Value(v as u32));
    }
    let mut entry = ValueSet::new(n);
    for p in 0..body.params {
        entry.insert(Value(p));
    }
    // out[b]: assigned on every path to the end of b (start optimistic).
    let mut out = vec![all.clone(); body.blocks.len()];
    let transfer = |b: BlockId, mut set: ValueSet| {
        for s in &body.block(b).stmts {
            if let Some(d) = s.def() {
                set.insert(d);
            }
        }
        set
    };
    let input = |b: BlockId, out: &[ValueSet]| {
        if b.0 == 0 {
            return entry.clone();
        }
        let mut set = all.clone();
        for p in &preds[b.0 as usize] {
            if reachable[p.0 as usize] {
                set.intersect(&out[p.0 as usize]);
            }
        }
        set
    };
    let mut changed = true;
    while changed {
        changed = false;
        for b in &order {
            let new = transfer(*b, input(*b, &out));
            if new != out[b.0 as usize] {
                out[b.0 as usize] = new;
                changed = true;
            }
        }
    }
    for b in &order {
        let mut set = input(*b, &out);
        let block = body.block(*b);
        for s in &block.stmts {
            s.for_each_use(|v| {
                if !set.contains(v) {
                    errors.push(format!(
                        "b{}: {} is used before it is assigned on some path",
                        b.0,
                        crate::print::value(body, v)
                    ));
                }
            });
            if let Some(d) = s.def() {
                set.insert(d);
            }
        }
        if let Some(Operand::Value(v)) = block.term.operand() {
            if !set.contains(*v) {
                errors.push(format!(
                    "b{}: {} is used before it is assigned on some path",
                    b.0,
                    crate::print::value(body, *v)
                ));
            }
        }
    }
}

fn class_admits(class: OpClass, t: MirTy) -> bool {
    t == MirTy::Any
        || match class {
            OpClass::Int => t == MirTy::Int,
            OpClass::Float => t == MirTy::Float,
            OpClass::Str => t == MirTy::Str,
            OpClass::Other => true,
            OpClass::Generic => true,
        }
}

fn check_types(body: &Body, s: &Stmt, block: usize, errors: &mut Vec<String>) {
    let text = || crate::print::stmt(body, s);
    let rv = match &s.kind {
        StmtKind::Assign(_, rv) | StmtKind::Effect(Effect::Eval(rv)) => rv,
        StmtKind::Effect(Effect::SetCell(c, _)) => {
            if !matches!(body.operand_ty(c), MirTy::Cell | MirTy::Any) {
                errors.push(format!("b{block}: `{}` stores into a non-cell", text()));
            }
            return;
        }
        StmtKind::Effect(_) => return,
    };
    let dst = s.def().map(|d| body.ty(d));
    match rv {
        Rvalue::Binary(op, class, a, b) => {
            let shift_or_bits = matches!(
                op,
                BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Shl | BinOp::Shr
            );
            for o in [a, b] {
                let t = body.operand_ty(o);
                if !class_admits(*class, t)
                    || (shift_or_bits && !matches!(t, MirTy::Int | MirTy::Any))
                {
                    errors.push(format!(
                        "b{block}: `{}`: operand of type {}",
                        text(),
                        crate::print::ty_name(t)
                    ));
                }
            }
            if op.is_comparison() && dst.is_some_and(|t| !matches!(t, MirTy::Bool | MirTy::Any)) {
                errors.push(format!("b{block}: `{}`: a comparison is a Bool", text()));
            }
        }
        Rvalue::Unary(UnOp::Neg, class, a) if !class_admits(*class, body.operand_ty(a)) => {
            errors.push(format!("b{block}: `{}`: operand of the wrong type", text()));
        }
        Rvalue::Intrinsic(i, args) if args.len() != i.arity() => {
            errors.push(format!(
                "b{block}: `{}`: {} takes {} operands",
                text(),
                i.name(),
                i.arity()
            ));
        }
        Rvalue::GetCell(c) if !matches!(body.operand_ty(c), MirTy::Cell | MirTy::Any) => {
            errors.push(format!("b{block}: `{}` reads a non-cell", text()));
        }
        Rvalue::NewCell(_) if dst.is_some_and(|t| !matches!(t, MirTy::Cell | MirTy::Any)) => {
            errors.push(format!(
                "b{block}: `{}`: a new cell goes into a cell",
                text()
            ));
        }
        Rvalue::Use(o) => {
            let t = body.operand_ty(o);
            if let Some(d) = dst {
                // A unit constant stands for a value never read (the
                // checker's placeholder for a `loop`'s result before it breaks).
                let placeholder = *o == Operand::Const(Const::Unit);
                if d != t && d != MirTy::Any && t != MirTy::Any && !placeholder {
                    errors.push(format!(
                        "b{block}: `{}` copies a {} into a {}",
                        text(),
                        crate::print::ty_name(t),
                        crate::print::ty_name(d)
                    ));
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::verify;
    use crate::testing::counting_loop;
    use crate::*;

    fn errors_of(b: &Body) -> Vec<String> {
        verify(b).err().unwrap_or_default()
    }

    #[test]
    fn the_counting_loop_verifies() {
        assert_eq!(verify(&counting_loop()), Ok(()));
    }

    #[test]
    fn a_use_before_assignment_on_one_path_is_reported() {
        let mut b = counting_loop();
        // Assign `total` only inside the loop: the exit reads it unassigned
        // when the loop runs zero times.
        b.block_mut(BlockId(0)).stmts.remove(0);
        let errors = errors_of(&b);
        assert!(
            errors.iter().any(|e| e.contains("%1.total is used before")),
            "{errors:?}"
        );
    }

    #[test]
    fn bad_targets_types_and_values_are_reported() {
        let mut b = counting_loop();
        b.block_mut(BlockId(2)).term = Terminator::Goto(BlockId(9));
        assert!(errors_of(&b)[0].contains("b9, which does not exist"));
        let mut b = counting_loop();
        b.block_mut(BlockId(3)).term = Terminator::Return(Operand::Value(Value(40)));
        assert!(errors_of(&b)[0].contains("%40 is not a value"));
        let mut b = counting_loop();
        b.block_mut(BlockId(1)).term = Terminator::Branch {
            cond: Operand::Value(Value(1)),
            then: BlockId(2),
            els: BlockId(3),
        };
        assert!(errors_of(&b)[0].contains("not a Bool"));
        let mut b = counting_loop();
        b.block_mut(BlockId(2)).stmts[0].kind = StmtKind::Assign(
            Value(4),
            Rvalue::Binary(
                BinOp::Add,
                OpClass::Int,
                Operand::Value(Value(2)),
                Operand::Const(Const::Float(1.0)),
            ),
        );
        assert!(errors_of(&b)[0].contains("operand of type Float"));
    }

    #[test]
    fn a_return_of_another_type_than_the_result_is_reported() {
        let mut b = counting_loop();
        b.result = MirTy::Int;
        assert_eq!(verify(&b), Ok(()));
        b.result = MirTy::Str;
        let errors = errors_of(&b);
        assert!(
            errors
                .iter()
                .any(|e| e.contains("b3: returns %1.total, of type Int, but the result is String")),
            "{errors:?}"
        );
        // A unit constant is the placeholder of an unreachable end.
        b.block_mut(BlockId(3)).term = Terminator::Return(Operand::Const(Const::Unit));
        assert_eq!(verify(&b), Ok(()));
        b.block_mut(BlockId(3)).term = Terminator::Return(Operand::Const(Const::Float(1.0)));
        assert!(errors_of(&b)[0].contains("of type Float, but the result is String"));
    }
}
