//! The MIR optimiser: passes that rewrite a [`Body`] in place, one file
//! each, and the pipeline `mvlc` runs at its default level (at `-O0` it runs
//! none).
//!
//! - [`const_prop`]: constant folding and propagation;
//! - [`copy_prop`]: copy propagation and coalescing of a temporary into the
//!   move that consumes it;
//! - [`cse`]: common-subexpression elimination within a block (an
//!   operation computed again on the same operands, with no call or write
//!   in between that could change its result, reuses the first value);
//! - [`dce`]: removal of pure statements whose value is never used;
//! - [`licm`]: loop-invariant code motion of statements that cannot fail
//!   or have effects to a preheader;
//! - [`simplify_cfg`]: branch folding, jump threading through empty blocks,
//!   merging of straight-line blocks, removal of unreachable blocks;
//! - [`inline`]: calls of small functions the producer hands over replaced
//!   by a copy of their body in an inline scope of its own (run by the
//!   producer, which knows the other functions' bodies, before the
//!   pipeline);
//! - [`in_place`]: field writes to a tuple or struct no one else can see
//!   update it in place (run once, after the others: [`FINAL`]).
//!
//! Every pass keeps the verifier's invariants; in debug builds (and so in
//! every test) [`optimise`] runs the verifier after each pass and reports the
//! first pass that broke them. Nothing here changes what a program prints,
//! returns or where it fails: a statement that can fail (checked Int
//! arithmetic, indexing, calls, allocation) is neither removed nor folded
//! unless its result is known not to fail.

pub mod const_prop;
pub mod copy_prop;
pub mod cse;
pub mod dce;
pub mod in_place;
pub mod inline;
pub mod licm;
pub mod simplify_cfg;

use crate::*;

/// One pass: its name (in dumps and errors) and the rewrite, which says
/// whether it changed anything.
pub struct Pass {
    pub name: &'static str,
    pub run: fn(&mut Body) -> bool,
}

/// The default pipeline, in order; [`optimise`] repeats it until nothing
/// changes (at most [`MAX_ROUNDS`] times).
pub const PIPELINE: &[Pass] = &[
    Pass {
        name: "const_prop",
        run: const_prop::run,
    },
    Pass {
        name: "copy_prop",
        run: copy_prop::run,
    },
    Pass {
        name: "cse",
        run: cse::run,
    },
    Pass {
        name: "dce",
        run: dce::run,
    },
    Pass {
        name: "licm",
        run: licm::run,
    },
    Pass {
        name: "simplify_cfg",
        run: simplify_cfg::run,
    },
];

/// Passes run once after the pipeline reaches its fixed point: their
/// rewrites rely on facts a later pass could break.
pub const FINAL: &[Pass] = &[Pass {
    name: "in_place",
    run: in_place::run,
}];

/// How many times the pipeline runs at most: each pass enables the others
/// (folding makes branches constant, simplification makes blocks longer),
/// but a few rounds reach what more would.
pub const MAX_ROUNDS: usize = 4;

/// Runs [`PIPELINE`] over `body`, then [`FINAL`]. In debug builds the
/// verifier checks the body after every pass; the error names the pass and
/// what is wrong.
pub fn optimise(body: &mut Body) -> Result<(), String> {
    optimise_traced(body, &mut |_, _| {})
}

/// Where a pass ran in [`optimise`]: in which round of [`PIPELINE`]
/// (counting from 1), or in [`FINAL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Round(usize),
    Final,
}

/// [`optimise`], calling `trace` after every pass that changed the body
/// with the pass, where it ran and the body it left (the per-pass MIR
/// snapshots of the tests read it). The one pipeline loop: `optimise` is
/// this with a trace that does nothing.
pub fn optimise_traced(
    body: &mut Body,
    trace: &mut dyn FnMut(Step<'_>, &Body),
) -> Result<(), String> {
    for round in 1..=MAX_ROUNDS {
        let mut changed = false;
        for pass in PIPELINE {
            if run_pass(pass, body)? {
                changed = true;
                trace(
                    Step {
                        pass,
                        stage: Stage::Round(round),
                    },
                    body,
                );
            }
        }
        if !changed {
            break;
        }
    }
    for pass in FINAL {
        if run_pass(pass, body)? {
            trace(
                Step {
                    pass,
                    stage: Stage::Final,
                },
                body,
            );
        }
    }
    Ok(())
}

/// One pass that changed the body, as [`optimise_traced`] reports it.
#[derive(Clone, Copy)]
pub struct Step<'a> {
    pub pass: &'a Pass,
    pub stage: Stage,
}

impl std::fmt::Display for Step<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.stage {
            Stage::Round(r) => write!(f, "{} (round {r})", self.pass.name),
            Stage::Final => write!(f, "{} (final)", self.pass.name),
        }
    }
}

/// Runs one pass, verifying its result in debug builds.
pub fn run_pass(pass: &Pass, body: &mut Body) -> Result<bool, String> {
    let changed = (pass.run)(body);
    if cfg!(debug_assertions) {
        if let Err(errors) = crate::verify::verify(body) {
            return Err(format!(
                "the MIR of `{}` does not verify after pass {}: {}",
                body.name,
                pass.name,
                errors.join("; ")
            ));
        }
    }
    Ok(changed)
}

/// How many times each value is assigned, and used (terminators included),
/// over the whole body.
pub(crate) struct Counts {
    pub defs: Vec<u32>,
    pub uses: Vec<u32>,
}

impl Counts {
    pub fn new(body: &Body) -> Counts {
        let n = body.values.len();
        let mut defs = vec![0; n];
        let mut uses = vec![0; n];
        for block in &body.blocks {
            for s in &block.stmts {
                s.for_each_use(|v| uses[v.0 as usize] += 1);
                if let Some(d) = s.def() {
                    defs[d.0 as usize] += 1;
                }
            }
            if let Some(Operand::Value(v)) = block.term.operand() {
                uses[v.0 as usize] += 1;
            }
        }
        Counts { defs, uses }
    }

    /// Whether `v` holds one value for the whole body wherever it is read:
    /// a parameter never assigned, or another value assigned exactly once.
    /// (The verifier's definite assignment makes every read of such a value
    /// come after its one assignment.)
    pub fn is_fixed(&self, body: &Body, v: Value) -> bool {
        let defs = self.defs[v.0 as usize];
        if v.0 < body.params {
            defs == 0
        } else {
            defs == 1
        }
    }
}

/// Replaces every read of a value by `f`'s answer for it, if any, in every
/// statement and terminator; whether anything changed.
pub(crate) fn substitute(body: &mut Body, f: impl Fn(Value) -> Option<Operand>) -> bool {
    let mut changed = false;
    let mut rewrite = |o: &mut Operand| {
        if let Operand::Value(v) = o {
            if let Some(new) = f(*v) {
                *o = new;
                changed = true;
            }
        }
    };
    for block in &mut body.blocks {
        for s in &mut block.stmts {
            s.for_each_operand_mut(&mut rewrite);
        }
        if let Some(o) = block.term.operand_mut() {
            rewrite(o);
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(k: i64) -> Operand {
        Operand::Const(Const::Int(k))
    }

    fn assign(v: Value, rv: Rvalue, line: u32) -> Stmt {
        Stmt {
            kind: StmtKind::Assign(v, rv),
            line,
            scope: None,
        }
    }

    fn add(a: Operand, b: Operand) -> Rvalue {
        Rvalue::Binary(BinOp::Add, OpClass::Int, a, b)
    }

    /// `fn f() { let a = 2 + 3; let b = a * 4; b }`, and `tail` appended.
    fn straight(tail: Vec<(Rvalue, u32)>) -> Body {
        let mut b = Body::new("f");
        let a = b.new_value(MirTy::Int, Some("a".into()));
        let r = b.new_value(MirTy::Int, Some("b".into()));
        let entry = b.new_block();
        let mut stmts = vec![
            assign(a, add(int(2), int(3)), 1),
            assign(
                r,
                Rvalue::Binary(BinOp::Mul, OpClass::Int, Operand::Value(a), int(4)),
                2,
            ),
        ];
        for (rv, line) in tail {
            let t = b.new_value(MirTy::Int, None);
            stmts.push(assign(t, rv, line));
        }
        b.block_mut(entry).stmts = stmts;
        b.block_mut(entry).term = Terminator::Return(Operand::Value(r));
        b
    }

    #[test]
    fn folds_and_propagates_constants() {
        let mut b = straight(Vec::new());
        optimise(&mut b).expect("the passes keep the body verified");
        assert!(b.blocks[0].stmts.is_empty(), "{}", crate::print::body(&b));
        assert_eq!(b.blocks[0].term, Terminator::Return(int(20)));
    }

    #[test]
    fn keeps_arithmetic_that_fails_at_its_line() {
        let mut b = straight(vec![
            (add(int(i64::MAX), int(1)), 7),
            (Rvalue::Binary(BinOp::Div, OpClass::Int, int(1), int(0)), 8),
            (Rvalue::Binary(BinOp::Rem, OpClass::Int, int(1), int(0)), 9),
            (
                Rvalue::Binary(BinOp::Div, OpClass::Int, int(i64::MIN), int(-1)),
                10,
            ),
            (
                Rvalue::Binary(BinOp::Shl, OpClass::Int, int(1), int(64)),
                11,
            ),
        ]);
        optimise(&mut b).expect("the passes keep the body verified");
        let lines: Vec<u32> = b.blocks[0].stmts.iter().map(|s| s.line).collect();
        assert_eq!(lines, [7, 8, 9, 10, 11], "{}", crate::print::body(&b));
        assert_eq!(b.blocks[0].term, Terminator::Return(int(20)));
    }

    #[test]
    fn folds_what_cannot_fail() {
        for (rv, want) in [
            (
                Rvalue::Binary(BinOp::Rem, OpClass::Int, int(i64::MIN), int(-1)),
                Const::Int(0),
            ),
            (
                Rvalue::Binary(BinOp::Div, OpClass::Int, int(-7), int(2)),
                Const::Int(-3),
            ),
            (
                Rvalue::Binary(BinOp::Lt, OpClass::Int, int(1), int(2)),
                Const::Bool(true),
            ),
            (
                Rvalue::Unary(UnOp::Not, OpClass::Other, Operand::Const(Const::Bool(true))),
                Const::Bool(false),
            ),
            (
                Rvalue::Intrinsic(Intrinsic::IntToFloat, vec![int(3)]),
                Const::Float(3.0),
            ),
        ] {
            assert_eq!(const_prop::fold(&rv), Some(want));
        }
        assert_eq!(
            const_prop::fold(&Rvalue::Unary(UnOp::Neg, OpClass::Int, int(i64::MIN))),
            None
        );
    }

    #[test]
    fn coalesces_a_temporary_into_its_move_and_drops_dead_pure_code() {
        // x = x + 1 through a temporary; an unused comparison; a call whose
        // value is unused.
        let mut b = Body::new("g");
        let x = b.new_value(MirTy::Int, Some("x".into()));
        b.params = 1;
        let t = b.new_value(MirTy::Int, None);
        let c = b.new_value(MirTy::Bool, None);
        let u = b.new_value(MirTy::Any, None);
        b.n_funcs = 1;
        let entry = b.new_block();
        b.block_mut(entry).stmts = vec![
            assign(t, add(Operand::Value(x), int(1)), 1),
            assign(x, Rvalue::Use(Operand::Value(t)), 1),
            assign(
                c,
                Rvalue::Binary(BinOp::Lt, OpClass::Int, Operand::Value(x), int(3)),
                2,
            ),
            assign(
                u,
                Rvalue::Call(Callee::Fn(FuncRef(0)), vec![Operand::Value(x)]),
                3,
            ),
        ];
        b.block_mut(entry).term = Terminator::Return(Operand::Value(x));
        optimise(&mut b).expect("the passes keep the body verified");
        // The reads of `x` after the move read `t`, so the move is dead: one
        // add, no move, the comparison gone, the call kept.
        assert_eq!(
            b.blocks[0].stmts,
            vec![
                assign(t, add(Operand::Value(x), int(1)), 1),
                assign(
                    u,
                    Rvalue::Call(Callee::Fn(FuncRef(0)), vec![Operand::Value(t)]),
                    3
                ),
            ],
            "{}",
            crate::print::body(&b)
        );
        assert_eq!(b.blocks[0].term, Terminator::Return(Operand::Value(t)));
        // Coalescing on its own: the temporary's assignment takes the
        // move's destination.
        let mut b2 = Body::new("k");
        let x = b2.new_value(MirTy::Int, Some("x".into()));
        b2.params = 1;
        let t = b2.new_value(MirTy::Int, None);
        let e = b2.new_block();
        b2.block_mut(e).stmts = vec![
            assign(t, add(Operand::Value(x), int(1)), 1),
            assign(x, Rvalue::Use(Operand::Value(t)), 1),
        ];
        b2.block_mut(e).term = Terminator::Return(Operand::Value(x));
        assert!(copy_prop::coalesce(&mut b2));
        assert_eq!(
            b2.blocks[0].stmts,
            [assign(x, add(Operand::Value(x), int(1)), 1)]
        );
        crate::verify::verify(&b2).expect("coalescing keeps the body verified");
    }

    #[test]
    fn folds_a_constant_branch_and_merges_and_removes_blocks() {
        // b0: c = 1 < 2; branch c b1 b2; b1: goto b3; b2: return 0; b3: return 1
        let mut b = Body::new("h");
        let c = b.new_value(MirTy::Bool, None);
        let b0 = b.new_block();
        let b1 = b.new_block();
        let b2 = b.new_block();
        let b3 = b.new_block();
        b.block_mut(b0).stmts = vec![assign(
            c,
            Rvalue::Binary(BinOp::Lt, OpClass::Int, int(1), int(2)),
            1,
        )];
        b.block_mut(b0).term = Terminator::Branch {
            cond: Operand::Value(c),
            then: b1,
            els: b2,
        };
        b.block_mut(b1).term = Terminator::Goto(b3);
        b.block_mut(b2).term = Terminator::Return(int(0));
        b.block_mut(b3).term = Terminator::Return(int(1));
        b.block_mut(b3).line = 4;
        optimise(&mut b).expect("the passes keep the body verified");
        assert_eq!(b.blocks.len(), 1, "{}", crate::print::body(&b));
        assert_eq!(b.blocks[0].term, Terminator::Return(int(1)));
        assert_eq!(b.blocks[0].line, 4);
    }

    #[test]
    fn keeps_the_counting_loop_verified_and_shaped() {
        let mut b = crate::testing::counting_loop();
        optimise(&mut b).expect("the passes keep the body verified");
        // The entry's constants reach the loop through values assigned
        // twice, so they stay; the loop keeps its header and body.
        assert_eq!(crate::analysis::natural_loops(&b).len(), 1);
        crate::verify::verify(&b).expect("verified");
    }

    #[test]
    fn traces_each_pass_that_changed_the_body() {
        let mut traced = straight(Vec::new());
        let mut steps = Vec::new();
        optimise_traced(&mut traced, &mut |step, b| {
            crate::verify::verify(b).expect("verified after each pass");
            steps.push((step.to_string(), crate::print::body(b)));
        })
        .expect("the passes keep the body verified");
        assert_eq!(steps[0].0, "const_prop (round 1)");
        // Folding left `a` and `b` unused; dead-code elimination removes them.
        assert!(steps.iter().any(|(s, _)| s == "dce (round 1)"), "{steps:?}");
        // The last step left the body the untraced pipeline leaves.
        let mut plain = straight(Vec::new());
        optimise(&mut plain).expect("verified");
        assert_eq!(
            steps.last().map(|s| s.1.clone()),
            Some(crate::print::body(&plain))
        );
        assert_eq!(traced, plain);
    }

    #[test]
    #[cfg(debug_assertions)]
    fn reports_the_pass_that_breaks_the_body() {
        fn breaks(body: &mut Body) -> bool {
            body.blocks[0].term = Terminator::Goto(BlockId(99));
            true
        }
        let pass = Pass {
            name: "breaks",
            run: breaks,
        };
        let mut b = straight(Vec::new());
        let Err(err) = run_pass(&pass, &mut b) else {
            panic!("the broken body verified")
        };
        assert!(err.contains("after pass breaks"), "{err}");
    }
}
