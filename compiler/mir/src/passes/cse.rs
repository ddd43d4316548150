//! Common-subexpression elimination within a block: `d = rv; ...; e = rv`,
//! the second computing the same operation on the same operands with
//! nothing in between that could change its result, becomes `e = d` (a
//! move that [`super::copy_prop`] and [`super::dce`] then remove).
//!
//! What is reused ([`key`]): operators (`add.int`, `lt.float`, `concat`, ...),
//! `tostr`, the intrinsics other than the random ones, field reads, variant
//! tests, element reads, cell reads and function references. Never calls,
//! random draws, or anything that allocates an object with an identity or
//! one a later pass may write in place (aggregates, `with_field`, cells):
//! two uses of one array must not become one array. Operands are compared
//! exactly: constants by value, Floats by their bits (so `x * 0.0` and
//! `x * -0.0` stay two), and `a + b` is not `b + a`.
//!
//! An entry stops being available when:
//! - the value holding it, or one of its operands, is assigned again (MIR
//!   is not SSA);
//! - for a read of mutable state, something may write that state: element
//!   reads and `len` are killed by `set_index`, `push` and calls; cell reads
//!   by `set_cell` and calls; field reads by `update_field` (the only
//!   statement that changes a tuple or struct in place) and calls; `tostr`
//!   and `==`/`!=`/generic operators of values that may hold arrays
//!   (`any`), which read through them, by any of these;
//! - a call comes in between, whatever the expression (a call may write
//!   anything; and a value live across a call must be kept below the
//!   call's register window and moved into the next call's arguments,
//!   which costs as much as recomputing a one-instruction operation: with
//!   reuse across calls binary_trees ran 2% more instructions, from
//!   `make(depth - 1), make(depth - 1)`).
//!
//! Operations that can fail are reused too: checked Int arithmetic
//! (overflow, division by zero), `abs_int`, element reads (out of bounds, a
//! missing key). Within one block the statements run in order and only a
//! failure leaves the block before its terminator, so when the second
//! occurrence runs, the first ran on the same operands (nothing killed the
//! entry, so neither the operands nor the state read changed) and did not
//! fail; every operation here is deterministic, so the second would have
//! computed the same value without failing. The failure, if any, still
//! happens at the first occurrence, at its line. What can differ is only
//! the work charged (a reused `tostr` or concatenation is not charged
//! again), which `--fuel` and `--stats` count by design.

use crate::*;
use std::collections::HashMap;

/// An operand compared exactly: Floats by bits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Opnd {
    Value(Value),
    Int(i64),
    Float(u64),
    Bool(bool),
    Str(String),
    Unit,
}

fn opnd(o: &Operand) -> Opnd {
    match o {
        Operand::Value(v) => Opnd::Value(*v),
        Operand::Const(Const::Int(k)) => Opnd::Int(*k),
        Operand::Const(Const::Float(f)) => Opnd::Float(f.to_bits()),
        Operand::Const(Const::Bool(b)) => Opnd::Bool(*b),
        Operand::Const(Const::Str(s)) => Opnd::Str(s.clone()),
        Operand::Const(Const::Unit) => Opnd::Unit,
    }
}

/// What a reusable right-hand side computes, for comparison.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Binary(BinOp, OpClass, Opnd, Opnd),
    Unary(UnOp, OpClass, Opnd),
    ToStr(Opnd),
    Intrinsic(Intrinsic, Vec<Opnd>),
    Field(Opnd, u32),
    Index(Opnd, Opnd),
    VariantIs(Opnd, u32),
    FnRef(FuncRef),
    GetCell(Opnd),
}

/// The mutable state a right-hand side reads, or a statement may write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mem {
    /// Array (and map) elements and lengths.
    Elements,
    Cells,
    /// Fields of tuples and structs (written only by `update_field`).
    Fields,
    /// All of them (a display string or a comparison of an `any` value
    /// reads through it; a call may write anything).
    All,
}

const KINDS: [Mem; 4] = [Mem::Elements, Mem::Cells, Mem::Fields, Mem::All];

fn slot(m: Mem) -> usize {
    match m {
        Mem::Elements => 0,
        Mem::Cells => 1,
        Mem::Fields => 2,
        Mem::All => 3,
    }
}

/// Whether a write to `w` may change what a read of `r` sees.
fn clobbers(w: Mem, r: Mem) -> bool {
    w == Mem::All || r == Mem::All || w == r
}

/// The key of `rv` if it may be reused, with the state it reads.
fn key(body: &Body, rv: &Rvalue) -> Option<(Key, Option<Mem>)> {
    // Operands of type `any` may hold arrays, which equality, display and
    // generic operators read through.
    let deep = |os: &[&Operand]| {
        os.iter()
            .any(|o| matches!(body.operand_ty(o), MirTy::Any | MirTy::Cell))
            .then_some(Mem::All)
    };
    Some(match rv {
        Rvalue::Binary(op, class, a, b) => (
            Key::Binary(*op, *class, opnd(a), opnd(b)),
            match class {
                OpClass::Int | OpClass::Float | OpClass::Str => None,
                OpClass::Other | OpClass::Generic => deep(&[a, b]),
            },
        ),
        Rvalue::Unary(op, class, a) => (
            Key::Unary(*op, *class, opnd(a)),
            match class {
                OpClass::Int | OpClass::Float | OpClass::Str => None,
                OpClass::Other | OpClass::Generic => deep(&[a]),
            },
        ),
        Rvalue::ToStr(a) => (Key::ToStr(opnd(a)), deep(&[a])),
        Rvalue::Intrinsic(i, xs) => {
            let mem = match i {
                // A random draw differs each time; a Map's contents change
                // under `insert`, which this pass does not track.
                Intrinsic::RandInt
                | Intrinsic::RandFloat
                | Intrinsic::MapGet
                | Intrinsic::MapInsert
                | Intrinsic::MapHas
                // The frames it lists are the caller's state, like a call.
                | Intrinsic::CallStack(_) => return None,
                Intrinsic::Len => Some(Mem::Elements),
                Intrinsic::IntToFloat
                | Intrinsic::AbsInt
                | Intrinsic::SqrtFloat
                | Intrinsic::AbsFloat => None,
            };
            (Key::Intrinsic(*i, xs.iter().map(opnd).collect()), mem)
        }
        Rvalue::Field(a, i) => (Key::Field(opnd(a), *i), Some(Mem::Fields)),
        Rvalue::Index(a, i) => (Key::Index(opnd(a), opnd(i)), Some(Mem::Elements)),
        Rvalue::VariantIs(a, i) => (Key::VariantIs(opnd(a), *i), None),
        Rvalue::FnRef(f) => (Key::FnRef(*f), None),
        Rvalue::GetCell(c) => (Key::GetCell(opnd(c)), Some(Mem::Cells)),
        Rvalue::Use(_)
        | Rvalue::Call(..)
        | Rvalue::Aggregate(..)
        | Rvalue::WithField(..)
        | Rvalue::UpdateField(..)
        | Rvalue::NewCell(_) => return None,
    })
}

/// The state a statement may write.
fn writes(kind: &StmtKind) -> Option<Mem> {
    match kind {
        StmtKind::Assign(_, Rvalue::Call(..))
        | StmtKind::Effect(Effect::Eval(Rvalue::Call(..))) => Some(Mem::All),
        StmtKind::Assign(_, Rvalue::UpdateField(..))
        | StmtKind::Effect(Effect::Eval(Rvalue::UpdateField(..))) => Some(Mem::Fields),
        StmtKind::Effect(Effect::SetIndex(..) | Effect::Push(..)) => Some(Mem::Elements),
        StmtKind::Effect(Effect::SetCell(..)) => Some(Mem::Cells),
        StmtKind::Assign(..) | StmtKind::Effect(Effect::RandSeed(_) | Effect::Eval(_)) => None,
    }
}

/// The expressions available at one point of a block.
#[derive(Default)]
struct Available {
    /// Each reusable expression and the value holding it.
    holder: HashMap<Key, Value>,
    /// The keys that name a value (as an operand or as the holder): killed
    /// when it is assigned. Lists may hold keys already killed (removing
    /// one again is harmless).
    by_value: HashMap<Value, Vec<Key>>,
    /// The keys reading each kind of state ([`slot`]).
    by_mem: [Vec<Key>; 4],
}

impl Available {
    fn kill_value(&mut self, v: Value) {
        for k in self.by_value.remove(&v).unwrap_or_default() {
            self.holder.remove(&k);
        }
    }

    fn kill_mem(&mut self, w: Mem) {
        if w == Mem::All {
            // A call: nothing is reused across it (see the module doc).
            *self = Available::default();
            return;
        }
        for r in KINDS {
            if clobbers(w, r) {
                for k in std::mem::take(&mut self.by_mem[slot(r)]) {
                    self.holder.remove(&k);
                }
            }
        }
    }

    fn insert(&mut self, key: Key, mem: Option<Mem>, d: Value, rv: &Rvalue) {
        let mut names = vec![d];
        rv.for_each_operand(|o| {
            if let Operand::Value(v) = o {
                names.push(*v);
            }
        });
        for v in names {
            self.by_value.entry(v).or_default().push(key.clone());
        }
        if let Some(m) = mem {
            self.by_mem[slot(m)].push(key.clone());
        }
        self.holder.insert(key, d);
    }
}

pub fn run(body: &mut Body) -> bool {
    let mut changed = false;
    for bi in 0..body.blocks.len() {
        let mut avail = Available::default();
        for si in 0..body.blocks[bi].stmts.len() {
            let mut replace = None;
            let stmt = &body.blocks[bi].stmts[si];
            if let StmtKind::Assign(d, rv) = &stmt.kind {
                let d = *d;
                let found = key(body, rv);
                if let Some((k, _)) = &found {
                    if let Some(&first) = avail.holder.get(k) {
                        if body.ty(first) == body.ty(d) {
                            replace = Some(first);
                        }
                    }
                }
                if let Some(w) = writes(&stmt.kind) {
                    avail.kill_mem(w);
                }
                avail.kill_value(d);
                if replace.is_none() {
                    if let Some((k, mem)) = found {
                        let mut reads_d = false;
                        rv.for_each_operand(|o| reads_d |= *o == Operand::Value(d));
                        // `i = i + 1`: after it, `i + 1` is not what `i` holds.
                        if !reads_d {
                            avail.insert(k, mem, d, rv);
                        }
                    }
                }
            } else if let Some(w) = writes(&stmt.kind) {
                avail.kill_mem(w);
            }
            if let Some(first) = replace {
                if let StmtKind::Assign(_, rv) = &mut body.blocks[bi].stmts[si].kind {
                    *rv = Rvalue::Use(Operand::Value(first));
                    changed = true;
                }
                // `d` now holds what `first` holds: still available as
                // `first`, and `d`'s old entries are gone.
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assign, effect, int, val};

    /// A body with parameters of the given types, one block running
    /// `stmts(params, temps)` (`temps` values of type `ty`, made first),
    /// returning unit; after the pass, whether each temp was replaced by
    /// a move (in order).
    fn cse(
        params: &[MirTy],
        temps: &[MirTy],
        stmts: impl Fn(&[Value], &[Value]) -> Vec<Stmt>,
    ) -> Vec<Option<Value>> {
        let mut b = Body::new("t");
        let ps: Vec<Value> = params.iter().map(|t| b.new_value(*t, None)).collect();
        b.params = ps.len() as u32;
        let ts: Vec<Value> = temps.iter().map(|t| b.new_value(*t, None)).collect();
        b.n_funcs = 1;
        let e = b.new_block();
        b.block_mut(e).stmts = stmts(&ps, &ts);
        b.block_mut(e).term = Terminator::Return(Operand::Const(Const::Unit));
        crate::verify::verify(&b).expect("the test body verifies");
        run(&mut b);
        crate::verify::verify(&b).expect("cse keeps the body verified");
        ts.iter()
            .map(|t| {
                b.blocks[0].stmts.iter().find_map(|s| match &s.kind {
                    StmtKind::Assign(d, Rvalue::Use(Operand::Value(src))) if d == t => Some(*src),
                    _ => None,
                })
            })
            .collect()
    }

    fn bin(op: BinOp, class: OpClass, a: Operand, b: Operand) -> Rvalue {
        Rvalue::Binary(op, class, a, b)
    }

    #[test]
    fn reuses_checked_arithmetic_and_pure_operators() {
        use MirTy::*;
        let got = cse(
            &[Int, Int, Float],
            &[Int, Int, Int, Bool, Bool, Float, Float],
            |p, t| {
                vec![
                    assign(t[0], bin(BinOp::Mul, OpClass::Int, val(p[0]), val(p[1]))),
                    assign(t[1], bin(BinOp::Mul, OpClass::Int, val(p[0]), val(p[1]))),
                    // Division can fail; the second cannot if the first did not.
                    assign(t[2], bin(BinOp::Div, OpClass::Int, val(p[0]), val(p[1]))),
                    assign(t[3], bin(BinOp::Lt, OpClass::Int, val(p[0]), int(3))),
                    assign(t[4], bin(BinOp::Lt, OpClass::Int, val(p[0]), int(3))),
                    assign(
                        t[5],
                        Rvalue::Intrinsic(Intrinsic::IntToFloat, vec![val(p[0])]),
                    ),
                    assign(
                        t[6],
                        Rvalue::Intrinsic(Intrinsic::IntToFloat, vec![val(p[0])]),
                    ),
                ]
            },
        );
        assert_eq!(
            got,
            [
                None,
                Some(Value(3)),
                None,
                None,
                Some(Value(6)),
                None,
                Some(Value(8))
            ]
        );
    }

    #[test]
    fn reuses_element_and_field_reads_when_nothing_writes() {
        use MirTy::*;
        let got = cse(&[Any, Int, Any], &[Int, Int, Int, Int], |p, t| {
            vec![
                assign(t[0], Rvalue::Index(val(p[0]), val(p[1]))),
                assign(t[1], Rvalue::Field(val(p[2]), 1)),
                assign(t[2], Rvalue::Index(val(p[0]), val(p[1]))),
                assign(t[3], Rvalue::Field(val(p[2]), 1)),
            ]
        });
        assert_eq!(got, [None, None, Some(Value(3)), Some(Value(4))]);
    }

    #[test]
    fn writes_and_calls_kill_reads_of_what_they_may_change() {
        use MirTy::*;
        // (statement in between, whether `xs[i]`, `len(xs)`, `get(c)`,
        // `s.0` are reused after it)
        type Between = Box<dyn Fn(&[Value], Value) -> Stmt>;
        let between: Vec<(Between, [bool; 4])> = vec![
            (
                Box::new(|p, _| effect(Effect::SetIndex(val(p[0]), int(0), int(1)))),
                [false, false, true, true],
            ),
            (
                Box::new(|p, _| effect(Effect::Push(val(p[0]), int(1)))),
                [false, false, true, true],
            ),
            (
                Box::new(|p, _| effect(Effect::SetCell(val(p[2]), int(1)))),
                [true, true, false, true],
            ),
            (
                Box::new(|p, u| assign(u, Rvalue::UpdateField(val(p[3]), 0, int(1)))),
                [true, true, true, false],
            ),
            (
                Box::new(|_, u| assign(u, Rvalue::Call(Callee::Fn(FuncRef(0)), Vec::new()))),
                [false, false, false, false],
            ),
            (
                Box::new(|_, _| effect(Effect::RandSeed(int(1)))),
                [true, true, true, true],
            ),
        ];
        for (k, (stmt, want)) in between.iter().enumerate() {
            let got = cse(
                &[Any, Int, Cell, Any],
                &[Int, Int, Int, Int, Any, Int, Int, Int, Int],
                |p, t| {
                    vec![
                        assign(t[0], Rvalue::Index(val(p[0]), val(p[1]))),
                        assign(t[1], Rvalue::Intrinsic(Intrinsic::Len, vec![val(p[0])])),
                        assign(t[2], Rvalue::GetCell(val(p[2]))),
                        assign(t[3], Rvalue::Field(val(p[3]), 0)),
                        stmt(p, t[4]),
                        assign(t[5], Rvalue::Index(val(p[0]), val(p[1]))),
                        assign(t[6], Rvalue::Intrinsic(Intrinsic::Len, vec![val(p[0])])),
                        assign(t[7], Rvalue::GetCell(val(p[2]))),
                        assign(t[8], Rvalue::Field(val(p[3]), 0)),
                    ]
                },
            );
            let reused: Vec<bool> = got[5..].iter().map(Option::is_some).collect();
            assert_eq!(reused, want, "case {k}");
        }
    }

    #[test]
    fn nothing_is_reused_across_a_call() {
        use MirTy::*;
        let got = cse(&[Int], &[Int, Any, Int], |p, t| {
            vec![
                assign(t[0], bin(BinOp::Sub, OpClass::Int, val(p[0]), int(1))),
                assign(t[1], Rvalue::Call(Callee::Fn(FuncRef(0)), vec![val(t[0])])),
                assign(t[2], bin(BinOp::Sub, OpClass::Int, val(p[0]), int(1))),
            ]
        });
        assert_eq!(got, [None, None, None]);
    }

    #[test]
    fn reassigning_an_operand_or_the_holder_kills_the_entry() {
        use MirTy::*;
        let got = cse(&[Int, Int], &[Int, Int, Int, Int, Int], |p, t| {
            vec![
                assign(t[0], bin(BinOp::Add, OpClass::Int, val(p[0]), val(p[1]))),
                assign(p[0], Rvalue::Use(int(5))),
                assign(t[1], bin(BinOp::Add, OpClass::Int, val(p[0]), val(p[1]))),
                assign(t[2], bin(BinOp::Sub, OpClass::Int, val(p[0]), val(p[1]))),
                assign(t[2], Rvalue::Use(int(0))),
                assign(t[3], bin(BinOp::Sub, OpClass::Int, val(p[0]), val(p[1]))),
                // `p1 = p1 + 1` is not available as `p1 + 1` afterwards.
                assign(p[1], bin(BinOp::Add, OpClass::Int, val(p[1]), int(1))),
                assign(t[4], bin(BinOp::Add, OpClass::Int, val(p[1]), int(1))),
            ]
        });
        assert_eq!(got, [None, None, None, None, None]);
    }

    #[test]
    fn never_merges_effects_allocations_or_different_operands() {
        use MirTy::*;
        let zero = |neg: bool| Operand::Const(Const::Float(if neg { -0.0 } else { 0.0 }));
        let got = cse(
            &[Float, Int, Any],
            &[
                Float, Float, Float, Float, Any, Any, Any, Any, Cell, Cell, Int, Int,
            ],
            |p, t| {
                vec![
                    assign(
                        t[0],
                        bin(BinOp::Mul, OpClass::Float, val(p[0]), zero(false)),
                    ),
                    assign(t[1], bin(BinOp::Mul, OpClass::Float, val(p[0]), zero(true))),
                    assign(t[2], Rvalue::Intrinsic(Intrinsic::RandFloat, Vec::new())),
                    assign(t[3], Rvalue::Intrinsic(Intrinsic::RandFloat, Vec::new())),
                    assign(t[4], Rvalue::Aggregate(Aggregate::Array, vec![val(p[1])])),
                    assign(t[5], Rvalue::Aggregate(Aggregate::Array, vec![val(p[1])])),
                    assign(t[6], Rvalue::Call(Callee::Fn(FuncRef(0)), vec![val(p[1])])),
                    assign(t[7], Rvalue::Call(Callee::Fn(FuncRef(0)), vec![val(p[1])])),
                    assign(t[8], Rvalue::NewCell(val(p[1]))),
                    assign(t[9], Rvalue::NewCell(val(p[1]))),
                    assign(t[10], bin(BinOp::Sub, OpClass::Int, val(p[1]), int(1))),
                    assign(t[11], bin(BinOp::Sub, OpClass::Int, int(1), val(p[1]))),
                ]
            },
        );
        assert!(got.iter().all(Option::is_none), "{got:?}");
    }

    #[test]
    fn works_within_a_block_only() {
        let mut b = Body::new("t");
        let x = b.new_value(MirTy::Int, None);
        b.params = 1;
        let s = b.new_value(MirTy::Int, None);
        let u = b.new_value(MirTy::Int, None);
        let b0 = b.new_block();
        let b1 = b.new_block();
        b.block_mut(b0).stmts = vec![assign(s, bin(BinOp::Add, OpClass::Int, val(x), int(1)))];
        b.block_mut(b0).term = Terminator::Goto(b1);
        b.block_mut(b1).stmts = vec![assign(u, bin(BinOp::Add, OpClass::Int, val(x), int(1)))];
        b.block_mut(b1).term = Terminator::Return(val(u));
        assert!(!run(&mut b));
    }
}
