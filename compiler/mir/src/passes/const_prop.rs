//! Constant folding and propagation.
//!
//! Propagation: a value assigned a constant exactly once (and not a
//! parameter) is that constant wherever it is read; within a block, a value
//! assigned a constant is that constant until its next assignment. Folding:
//! an operator or conversion whose operands are all constants becomes its
//! result, only when evaluating it cannot fail: checked Int arithmetic folds
//! only when it does not overflow, division and remainder only by a
//! non-zero divisor, so a program that fails still fails, at the statement
//! (and line) it failed at before.

use super::{substitute, Counts};
use crate::*;

pub fn run(body: &mut Body) -> bool {
    let mut changed = false;
    // Within blocks: fold, and carry constants forward to the next
    // assignment of their value.
    for block in &mut body.blocks {
        let mut known: Vec<(Value, Const)> = Vec::new();
        let lookup = |known: &[(Value, Const)], v: Value| {
            known.iter().rev().find(|k| k.0 == v).map(|k| k.1.clone())
        };
        for s in &mut block.stmts {
            s.for_each_operand_mut(|o| {
                if let Operand::Value(v) = o {
                    if let Some(c) = lookup(&known, *v) {
                        *o = Operand::Const(c);
                        changed = true;
                    }
                }
            });
            if let StmtKind::Assign(d, rv) = &mut s.kind {
                if let Some(c) = fold(rv) {
                    if *rv != Rvalue::Use(Operand::Const(c.clone())) {
                        *rv = Rvalue::Use(Operand::Const(c));
                        changed = true;
                    }
                }
                let d = *d;
                known.retain(|k| k.0 != d);
                if let Rvalue::Use(Operand::Const(c)) = rv {
                    known.push((d, c.clone()));
                }
            }
        }
        if let Some(o) = block.term.operand_mut() {
            if let Operand::Value(v) = o {
                if let Some(c) = lookup(&known, *v) {
                    *o = Operand::Const(c);
                    changed = true;
                }
            }
        }
    }
    // Across blocks: values assigned once, a constant.
    let counts = Counts::new(body);
    let mut constant: Vec<Option<Const>> = vec![None; body.values.len()];
    for block in &body.blocks {
        for s in &block.stmts {
            if let StmtKind::Assign(d, Rvalue::Use(Operand::Const(c))) = &s.kind {
                if d.0 >= body.params && counts.defs[d.0 as usize] == 1 {
                    constant[d.0 as usize] = Some(c.clone());
                }
            }
        }
    }
    if constant.iter().any(Option::is_some) {
        changed |= substitute(body, |v| constant[v.0 as usize].clone().map(Operand::Const));
    }
    changed
}

/// The constant `rv` evaluates to, when its operands are constants and
/// evaluating it cannot fail.
pub fn fold(rv: &Rvalue) -> Option<Const> {
    use Const::*;
    match rv {
        Rvalue::Binary(op, class, Operand::Const(a), Operand::Const(b)) => {
            fold_binary(*op, *class, a, b)
        }
        Rvalue::Unary(op, _, Operand::Const(a)) => match (op, a) {
            (UnOp::Not, Bool(x)) => Some(Bool(!x)),
            (UnOp::Neg, Int(x)) => x.checked_neg().map(Int),
            (UnOp::Neg, Float(x)) if !x.is_nan() => Some(Float(-x)),
            _ => None,
        },
        Rvalue::Intrinsic(Intrinsic::IntToFloat, xs) => match xs.as_slice() {
            [Operand::Const(Int(x))] => Some(Float(*x as f64)),
            _ => None,
        },
        _ => None,
    }
}

fn fold_binary(op: BinOp, class: OpClass, a: &Const, b: &Const) -> Option<Const> {
    use Const::*;
    match (class, a, b) {
        (OpClass::Int, Int(x), Int(y)) => {
            let (x, y) = (*x, *y);
            match op {
                BinOp::Add => x.checked_add(y).map(Int),
                BinOp::Sub => x.checked_sub(y).map(Int),
                BinOp::Mul => x.checked_mul(y).map(Int),
                // `checked_div` is `None` for a zero divisor and for the
                // one overflowing quotient, both runtime errors.
                BinOp::Div => x.checked_div(y).map(Int),
                // The VM's remainder wraps (`MIN % -1` is 0); only a zero
                // divisor fails.
                BinOp::Rem => (y != 0).then(|| Int(x.wrapping_rem(y))),
                BinOp::BitAnd => Some(Int(x & y)),
                BinOp::BitOr => Some(Int(x | y)),
                BinOp::BitXor => Some(Int(x ^ y)),
                // Shifts by 0..=63 only; any other count is an error.
                BinOp::Shl => (0..=63).contains(&y).then(|| Int(x.wrapping_shl(y as u32))),
                BinOp::Shr => (0..=63).contains(&y).then(|| Int(x.wrapping_shr(y as u32))),
                BinOp::Eq => Some(Bool(x == y)),
                BinOp::Ne => Some(Bool(x != y)),
                BinOp::Lt => Some(Bool(x < y)),
                BinOp::Le => Some(Bool(x <= y)),
            }
        }
        (OpClass::Float, Float(x), Float(y)) => {
            let (x, y) = (*x, *y);
            // A NaN result stays computed at run time: its sign bit is the
            // hardware's, and the bytecode's text form has one NaN, so a
            // folded one would not survive disassembly and reassembly.
            let float = |r: f64| (!r.is_nan()).then_some(Float(r));
            match op {
                BinOp::Add => float(x + y),
                BinOp::Sub => float(x - y),
                BinOp::Mul => float(x * y),
                BinOp::Div => float(x / y),
                BinOp::Eq => Some(Bool(x == y)),
                BinOp::Ne => Some(Bool(x != y)),
                BinOp::Lt => Some(Bool(x < y)),
                BinOp::Le => Some(Bool(x <= y)),
                _ => None,
            }
        }
        (OpClass::Other, Bool(x), Bool(y)) => match op {
            BinOp::Eq => Some(Bool(x == y)),
            BinOp::Ne => Some(Bool(x != y)),
            _ => None,
        },
        (OpClass::Str, Str(x), Str(y)) => match op {
            BinOp::Eq => Some(Bool(x == y)),
            BinOp::Ne => Some(Bool(x != y)),
            _ => None,
        },
        _ => None,
    }
}
