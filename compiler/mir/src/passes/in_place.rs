//! In-place field update: rewrites `new = with_field(old, i, v)` (a copy of
//! the tuple or struct `old` with field `i` replaced) into
//! `new = update_field(old, i, v)`, which writes the field of `old`'s object
//! itself, when no one can observe the difference.
//!
//! MVL tuples and structs are values: `let b = a; a.x = 1` leaves `b.x` as it
//! was. A runtime value carries no ownership bit, so the proof is the
//! compiler's. The pass follows *objects*, not values: each tuple or struct
//! the body builds (an `aggregate`, or a `with_field` copy) gets a token, a
//! copy `w = v` makes `w` hold the same token as `v`, and any other use of a
//! value (passing it to a call, storing it in an aggregate, an array or a
//! cell, capturing it, returning it) lets its object *escape*: from then on
//! no value holds that token. Reading a field, comparing or printing a value
//! shares nothing. The write may happen in place when `old` holds a token
//! and every other value holding it is dead after the statement (and `v` is
//! not the object itself).
//!
//! Tokens cross blocks by a forward must-analysis over the CFG (a greatest
//! fixed point: blocks not yet reached assume nothing against them). At a
//! block's entry a live value holds a token when it holds one at the end of
//! every predecessor; values that hold the same token at the end of some
//! predecessor share one at the entry. The entry block assumes nothing, so
//! parameters, and values read from globals, cells, arrays or fields, are
//! never updated in place.
//!
//! A struct carried around a loop, updated in the loop but not unique when
//! the loop starts (a local loaded from an array, say), would be copied on
//! every iteration. The pass then tries one copy in the loop's preheader
//! (`t = v.i; v = v with .i = t`), which makes it unique at the header, and
//! keeps that copy only if it turns writes inside the loop into in-place
//! ones: one copy per loop entry instead of one per iteration.
//!
//! The pass runs once, after the rest of the pipeline, so no later rewrite
//! can introduce a use of a value whose object it changed.

use std::collections::{HashMap, HashSet};

use crate::analysis::{natural_loops, predecessors, reverse_postorder, Liveness, ValueSet};
use crate::passes::licm;
use crate::*;

/// Rounds of the fixed point at most; a body that needs more is left as it
/// is (no rewrite relies on an unfinished analysis).
const MAX_ROUNDS: usize = 64;

/// Preheader copies tried per body at most: each trial re-runs the
/// analysis, so this keeps the pass linear in the body's size.
const MAX_TRIALS: usize = 16;

pub fn run(body: &mut Body) -> bool {
    let has_copies = body
        .blocks
        .iter()
        .flat_map(|b| &b.stmts)
        .any(|s| matches!(s.kind, StmtKind::Assign(_, Rvalue::WithField(..))));
    if !has_copies {
        return false;
    }
    let mut changed = rewrite(body);
    let mut tried: Vec<(BlockId, Value)> = Vec::new();
    while tried.len() < MAX_TRIALS {
        let Some(trial) = next_trial(body, &tried) else {
            break;
        };
        tried.push((trial.header, trial.value));
        let mut copied = body.clone();
        if !copy_before_loop(&mut copied, &trial) {
            continue;
        }
        rewrite(&mut copied);
        if in_place_writes(&copied, &trial.blocks) > in_place_writes(body, &trial.blocks) {
            *body = copied;
            changed = true;
        }
    }
    changed
}

/// Which object a value holds, as far as the pass can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Token {
    /// The object statement `stmt` of `block` built.
    Built { block: u32, stmt: u32 },
    /// The object a class of values holds on entry to `block`, named by the
    /// class's least value.
    Entry { block: u32, value: u32 },
}

/// The token of each value (`None`: shared, or not known) at one point of a
/// block, and the tokens that escaped since the block's entry.
#[derive(Clone, Debug)]
struct Holders {
    token: Vec<Option<Token>>,
    escaped: HashSet<Token>,
}

impl Holders {
    fn of(&self, v: Value) -> Option<Token> {
        self.token[v.0 as usize].filter(|t| !self.escaped.contains(t))
    }

    fn escape(&mut self, v: Value) {
        if let Some(t) = self.of(v) {
            self.escaped.insert(t);
        }
    }

    fn escape_operand(&mut self, o: &Operand) {
        if let Operand::Value(v) = o {
            self.escape(*v);
        }
    }

    /// Whether `d = with_field(old, _, x)` may write `old`'s object, `t`,
    /// in place: no value but `d` that holds `t` is live after it, and `x`
    /// is not `t` itself.
    fn may_update(&self, t: Token, d: Value, x: &Operand, live_after: &ValueSet) -> bool {
        if let Operand::Value(x) = x {
            if self.of(*x) == Some(t) {
                return false;
            }
        }
        (0..self.token.len() as u32)
            .map(Value)
            .all(|u| u == d || self.of(u) != Some(t) || !live_after.contains(u))
    }

    /// Applies statement `k` of `block`; whether it is a `with_field` that
    /// may be an in-place write.
    fn step(&mut self, block: u32, k: u32, stmt: &Stmt, live_after: &ValueSet) -> bool {
        let StmtKind::Assign(d, rv) = &stmt.kind else {
            stmt.for_each_use(|x| self.escape(x));
            return false;
        };
        let mut in_place_copy = false;
        let token = match rv {
            Rvalue::Use(Operand::Value(s)) => self.of(*s),
            // Reading, comparing or printing a value keeps no reference
            // to its object.
            Rvalue::Field(..)
            | Rvalue::Binary(..)
            | Rvalue::Unary(..)
            | Rvalue::ToStr(_)
            | Rvalue::VariantIs(..) => None,
            Rvalue::WithField(o, _, x) | Rvalue::UpdateField(o, _, x) => {
                let old = match o {
                    Operand::Value(o) => self.of(*o),
                    Operand::Const(_) => None,
                };
                let update = match rv {
                    Rvalue::UpdateField(..) => true,
                    _ => old.is_some_and(|t| self.may_update(t, *d, x, live_after)),
                };
                in_place_copy = update && matches!(rv, Rvalue::WithField(..));
                self.escape_operand(x);
                if update {
                    old
                } else {
                    Some(Token::Built { block, stmt: k })
                }
            }
            Rvalue::Aggregate(Aggregate::Tuple | Aggregate::Struct(_), xs) => {
                xs.iter().for_each(|x| self.escape_operand(x));
                Some(Token::Built { block, stmt: k })
            }
            _ => {
                rv.for_each_operand(|x| self.escape_operand(x));
                None
            }
        };
        self.token[d.0 as usize] = token;
        in_place_copy
    }
}

/// The tokens on entry to each block (`None` for a block not reachable),
/// at the analysis's fixed point.
struct Analysis {
    liveness: Liveness,
    entry: Vec<Option<Vec<Option<Token>>>>,
}

impl Analysis {
    fn of(body: &Body) -> Option<Analysis> {
        let liveness = Liveness::new(body);
        let preds = predecessors(body);
        let rpo = reverse_postorder(body);
        let n = body.values.len();
        let blocks = body.blocks.len();
        let mut entry: Vec<Option<Vec<Option<Token>>>> = vec![None; blocks];
        let mut exit: Vec<Option<Holders>> = vec![None; blocks];
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            for (i, &b) in rpo.iter().enumerate() {
                let at_entry = if i == 0 {
                    vec![None; n]
                } else {
                    let exits: Vec<&Holders> = preds[b.0 as usize]
                        .iter()
                        .filter_map(|p| exit[p.0 as usize].as_ref())
                        .collect();
                    meet(&exits, &liveness.live_in[b.0 as usize], b, n)
                };
                if entry[b.0 as usize].as_ref() == Some(&at_entry) {
                    continue;
                }
                let mut holders = Holders {
                    token: at_entry.clone(),
                    escaped: HashSet::new(),
                };
                let (_, after) = liveness.after_each(body, b);
                for (k, stmt) in body.block(b).stmts.iter().enumerate() {
                    holders.step(b.0, k as u32, stmt, &after[k]);
                }
                entry[b.0 as usize] = Some(at_entry);
                exit[b.0 as usize] = Some(holders);
                changed = true;
            }
            if !changed {
                return Some(Analysis { liveness, entry });
            }
        }
        None
    }

    /// The `with_field` statements that may write in place, as (block,
    /// statement index).
    fn in_place(&self, body: &Body) -> Vec<(BlockId, usize)> {
        let mut found = Vec::new();
        for (b, at_entry) in self.entry.iter().enumerate() {
            let Some(at_entry) = at_entry else { continue };
            let block = BlockId(b as u32);
            let mut holders = Holders {
                token: at_entry.clone(),
                escaped: HashSet::new(),
            };
            let (_, after) = self.liveness.after_each(body, block);
            for (k, stmt) in body.block(block).stmts.iter().enumerate() {
                if holders.step(block.0, k as u32, stmt, &after[k]) {
                    found.push((block, k));
                }
            }
        }
        found
    }
}

/// The tokens on entry to `b` from its predecessors' exits (those reached
/// so far). Live values that hold the same token at some exit may hold the
/// same object on entry, so they form one class; a class holds a token on
/// entry only when each of its values holds one at every exit (a value
/// that may share its object with a value the analysis lost track of is
/// not unique).
fn meet(exits: &[&Holders], live_in: &ValueSet, b: BlockId, n: usize) -> Vec<Option<Token>> {
    let mut at_entry = vec![None; n];
    if exits.is_empty() {
        return at_entry;
    }
    let live: Vec<Value> = live_in.iter().collect();
    // Union-find over the live values, the root of a class its least value.
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn root(parent: &mut [u32], v: u32) -> u32 {
        let mut r = v;
        while parent[r as usize] != r {
            r = parent[r as usize];
        }
        let mut v = v;
        while parent[v as usize] != r {
            let next = parent[v as usize];
            parent[v as usize] = r;
            v = next;
        }
        r
    }
    for h in exits {
        let mut first: HashMap<Token, u32> = HashMap::new();
        for v in &live {
            let Some(t) = h.of(*v) else { continue };
            let f = *first.entry(t).or_insert(v.0);
            let (a, c) = (root(&mut parent, f), root(&mut parent, v.0));
            let (lo, hi) = (a.min(c), a.max(c));
            parent[hi as usize] = lo;
        }
    }
    let held_everywhere = |v: Value| exits.iter().all(|h| h.of(v).is_some());
    let mut lost = vec![false; n];
    for v in &live {
        if !held_everywhere(*v) {
            let r = root(&mut parent, v.0);
            lost[r as usize] = true;
        }
    }
    for v in live {
        let r = root(&mut parent, v.0);
        if !lost[r as usize] {
            at_entry[v.0 as usize] = Some(Token::Entry {
                block: b.0,
                value: r,
            });
        }
    }
    at_entry
}

/// Rewrites every `with_field` that may write in place; whether any was.
fn rewrite(body: &mut Body) -> bool {
    let Some(analysis) = Analysis::of(body) else {
        return false;
    };
    let found = analysis.in_place(body);
    for &(b, k) in &found {
        let stmt = &mut body.block_mut(b).stmts[k];
        if let StmtKind::Assign(_, rv) = &mut stmt.kind {
            if let Rvalue::WithField(o, i, x) = rv {
                *rv = Rvalue::UpdateField(o.clone(), *i, x.clone());
            }
        }
    }
    !found.is_empty()
}

/// A value carried into a loop and copied by a `with_field` inside it
/// (which the analysis could not make in place).
struct Trial {
    header: BlockId,
    blocks: Vec<BlockId>,
    value: Value,
    field: u32,
    ty: MirTy,
}

/// The next (loop, value) worth a preheader copy that `tried` does not
/// hold, innermost loops first.
fn next_trial(body: &Body, tried: &[(BlockId, Value)]) -> Option<Trial> {
    let analysis = Analysis::of(body)?;
    for lp in natural_loops(body).iter().rev() {
        let h = lp.header.0 as usize;
        if analysis.entry[h].is_none() {
            continue;
        }
        for &b in &lp.blocks {
            for stmt in &body.block(b).stmts {
                let StmtKind::Assign(_, Rvalue::WithField(Operand::Value(v), field, x)) =
                    &stmt.kind
                else {
                    continue;
                };
                if analysis.liveness.live_in[h].contains(*v) && !tried.contains(&(lp.header, *v)) {
                    let ty = match x {
                        Operand::Value(x) => body.values[x.0 as usize].ty,
                        Operand::Const(_) => MirTy::Any,
                    };
                    return Some(Trial {
                        header: lp.header,
                        blocks: lp.blocks.clone(),
                        value: *v,
                        field: *field,
                        ty,
                    });
                }
            }
        }
    }
    None
}

/// Appends `t = v.field; v = v with .field = t` to the loop's preheader
/// (made if it has none); false if the loop has no way in.
fn copy_before_loop(body: &mut Body, trial: &Trial) -> bool {
    let lp = crate::analysis::Loop {
        header: trial.header,
        blocks: trial.blocks.clone(),
    };
    let preds = predecessors(body);
    let Some(pre) = licm::preheader(body, &lp, &preds) else {
        return false;
    };
    let t = body.new_value(trial.ty, None);
    let v = trial.value;
    let (line, scope) = {
        let p = body.block(pre);
        (p.line, p.scope)
    };
    let stmt = |kind| Stmt { kind, line, scope };
    let stmts = &mut body.block_mut(pre).stmts;
    stmts.push(stmt(StmtKind::Assign(
        t,
        Rvalue::Field(Operand::Value(v), trial.field),
    )));
    stmts.push(stmt(StmtKind::Assign(
        v,
        Rvalue::WithField(Operand::Value(v), trial.field, Operand::Value(t)),
    )));
    true
}

/// The in-place writes among the statements of `blocks`.
fn in_place_writes(body: &Body, blocks: &[BlockId]) -> usize {
    blocks
        .iter()
        .flat_map(|b| &body.block(*b).stmts)
        .filter(|s| matches!(s.kind, StmtKind::Assign(_, Rvalue::UpdateField(..))))
        .count()
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assign, effect, int, val};

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
    fn a_parameter_is_never_updated_in_place() {
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

    /// `b0: p = (1); [extra]; goto b1 | b1: q = p with .0 = 2; return q`
    fn across_a_jump(extra: impl Fn(&mut Body, Value) -> Vec<Stmt>) -> Body {
        let mut b = Body::new("f");
        let p = b.new_value(MirTy::Any, Some("p".into()));
        let q = b.new_value(MirTy::Any, Some("q".into()));
        let b0 = b.new_block();
        let b1 = b.new_block();
        let mut stmts = vec![assign(p, Rvalue::Aggregate(Aggregate::Tuple, vec![int(1)]))];
        stmts.extend(extra(&mut b, p));
        b.block_mut(b0).stmts = stmts;
        b.block_mut(b0).term = Terminator::Goto(b1);
        b.block_mut(b1).stmts = vec![assign(q, Rvalue::WithField(val(p), 0, int(2)))];
        b.block_mut(b1).term = Terminator::Return(val(q));
        b
    }

    #[test]
    fn uniqueness_crosses_a_jump() {
        let mut b = across_a_jump(|_, _| Vec::new());
        assert!(run(&mut b));
        assert_eq!(updates(&b), 1);
        // The same object escaping before the jump stays copied.
        let mut b = across_a_jump(|b, p| {
            let a = b.new_value(MirTy::Any, None);
            vec![assign(a, Rvalue::Aggregate(Aggregate::Array, vec![val(p)]))]
        });
        assert!(!run(&mut b));
    }

    #[test]
    fn a_value_sharing_the_object_on_one_path_keeps_the_copy() {
        // b0: p = (1); branch c b1 b2 | b1: w = p; goto b3 | b2: w = (5); goto b3
        // b3: q = p with .0 = 2; return (q, w)   -- w may be p's object.
        let mut b = Body::new("f");
        let c = b.new_value(MirTy::Bool, Some("c".into()));
        b.params = 1;
        let p = b.new_value(MirTy::Any, Some("p".into()));
        let w = b.new_value(MirTy::Any, Some("w".into()));
        let q = b.new_value(MirTy::Any, Some("q".into()));
        let r = b.new_value(MirTy::Any, Some("r".into()));
        let [b0, b1, b2, b3] = [b.new_block(), b.new_block(), b.new_block(), b.new_block()];
        b.block_mut(b0).stmts = vec![assign(p, Rvalue::Aggregate(Aggregate::Tuple, vec![int(1)]))];
        b.block_mut(b0).term = Terminator::Branch {
            cond: val(c),
            then: b1,
            els: b2,
        };
        b.block_mut(b1).stmts = vec![assign(w, Rvalue::Use(val(p)))];
        b.block_mut(b1).term = Terminator::Goto(b3);
        b.block_mut(b2).stmts = vec![assign(w, Rvalue::Aggregate(Aggregate::Tuple, vec![int(5)]))];
        b.block_mut(b2).term = Terminator::Goto(b3);
        b.block_mut(b3).stmts = vec![
            assign(q, Rvalue::WithField(val(p), 0, int(2))),
            assign(r, Rvalue::Aggregate(Aggregate::Tuple, vec![val(q), val(w)])),
        ];
        b.block_mut(b3).term = Terminator::Return(val(r));
        crate::verify::verify(&b).expect("verifies");
        assert!(!run(&mut b), "{}", crate::print::body(&b));
        // Without the copy on the first path, p is unique at the join.
        b.block_mut(b1).stmts = vec![assign(w, Rvalue::Aggregate(Aggregate::Tuple, vec![int(6)]))];
        assert!(run(&mut b));
        assert_eq!(updates(&b), 1);
    }

    /// `fn f(s, n, out) { var i = 0; while i < n { s = s with .0 = i;
    /// [in the loop]; i = i + 1 }; s }`: `s`, a parameter, is not unique
    /// when the loop starts.
    fn carried_around_a_loop(in_loop: impl Fn(Value, Value) -> Vec<Stmt>) -> Body {
        let mut b = Body::new("f");
        let s = b.new_value(MirTy::Any, Some("s".into()));
        let n = b.new_value(MirTy::Int, Some("n".into()));
        let out = b.new_value(MirTy::Any, Some("out".into()));
        b.params = 3;
        let i = b.new_value(MirTy::Int, Some("i".into()));
        let c = b.new_value(MirTy::Bool, None);
        let [entry, head, body, exit] =
            [b.new_block(), b.new_block(), b.new_block(), b.new_block()];
        b.block_mut(entry).stmts = vec![assign(i, Rvalue::Use(int(0)))];
        b.block_mut(entry).term = Terminator::Goto(head);
        b.block_mut(head).stmts = vec![assign(
            c,
            Rvalue::Binary(BinOp::Lt, OpClass::Int, val(i), val(n)),
        )];
        b.block_mut(head).term = Terminator::Branch {
            cond: val(c),
            then: body,
            els: exit,
        };
        let mut stmts = vec![assign(s, Rvalue::WithField(val(s), 0, val(i)))];
        stmts.extend(in_loop(s, out));
        stmts.push(assign(
            i,
            Rvalue::Binary(BinOp::Add, OpClass::Int, val(i), int(1)),
        ));
        b.block_mut(body).stmts = stmts;
        b.block_mut(body).term = Terminator::Goto(head);
        b.block_mut(exit).term = Terminator::Return(val(s));
        b
    }

    #[test]
    fn a_struct_carried_around_a_loop_is_copied_once_before_it() {
        let mut b = carried_around_a_loop(|_, _| Vec::new());
        assert!(run(&mut b));
        crate::verify::verify(&b).expect("verifies");
        // The write in the loop is in place; the copy is in the entry
        // block, the loop's preheader.
        let body = &b.blocks[2].stmts;
        assert!(matches!(
            body[0].kind,
            StmtKind::Assign(_, Rvalue::UpdateField(..))
        ));
        let entry = &b.blocks[0].stmts;
        assert_eq!(entry.len(), 3, "{}", crate::print::body(&b));
        assert!(matches!(
            entry[1].kind,
            StmtKind::Assign(_, Rvalue::Field(..))
        ));
        assert!(matches!(
            entry[2].kind,
            StmtKind::Assign(_, Rvalue::WithField(..))
        ));
    }

    #[test]
    fn no_copy_before_a_loop_that_shares_the_struct() {
        // Each iteration pushes `s` onto an array: every write must copy,
        // and a copy before the loop would only add one.
        let mut b = carried_around_a_loop(|s, out| vec![effect(Effect::Push(val(out), val(s)))]);
        let before = b.clone();
        assert!(!run(&mut b));
        assert_eq!(b, before);
    }
}
