//! `match` as a decision tree, built from the match's rows before any MIR
//! is emitted (Maranget, "Compiling pattern matching to good decision
//! trees", 2008).
//!
//! The matrix has one row per arm (an or-pattern becomes one row per
//! alternative when its column is reached, in the order written) and one
//! column per *occurrence*: the scrutinee, or a field of an occurrence,
//! read from its parent only on the paths that test or bind it, once per
//! path. At each node:
//!
//! - bindings (`x`) become wildcards, the row remembering which
//!   occurrence the local takes; columns that are all wildcards go;
//! - when the first row is all wildcards its arm is chosen (a *leaf*): its
//!   bindings are assigned, and when it has a guard that fails, the tree
//!   goes on with the rows below of the other arms (so guards run only
//!   when their arm's pattern matched, in arm order, each at most once:
//!   an or-pattern whose guard failed is not tried again with another
//!   alternative, as in the ordered lowering);
//! - otherwise a column where the first row has a pattern is picked: a
//!   tuple or struct column is expanded into its fields (no test); else
//!   the column whose patterns reach furthest down from the first row
//!   without a wildcard (Maranget's "needed prefix"; leftmost on a tie),
//!   and the first row's pattern there is tested: a variant or a Bool
//!   splits the rows into those that need it (payloads expanded) and the
//!   rest; an Int, Float or String literal or an Int range splits them
//!   into those that may still match when it holds and those that may
//!   when it does not.
//!
//! A test whose outcome is known is not made: every value reaching a node
//! matches one of its unguarded rows (the checker proved the match
//! exhaustive, and splitting keeps that true), so when every row names the
//! same variant or Bool at the column, the value has it. An enum of `n`
//! variants is thus told apart with at most `n - 1` tests of its tag, each
//! a fused `jvar`/`jnvar` in the bytecode.
//!
//! Every arm body is lowered once, in a block each leaf of the arm jumps
//! to; a guard is lowered at each leaf of its arm (its failure continues
//! differently at each). A tree is built within a budget of nodes
//! proportional to the size of the patterns: past it (some matrices have
//! trees exponential in their size) the match is lowered as ordered
//! tests, arm after arm, as is a matrix whose patterns do not fit their
//! columns (which a checked program never has).

use super::{Cx, Dest};
use crate::sema::ir::{self, LocalId, PatternKind};
use crate::sema::types::Ty;
use mvl_mir::{BinOp, BlockId, Const, MirTy, OpClass, Operand, Rvalue, StmtKind, Terminator};
use mvl_syntax::ast::Span;

/// An occurrence: an index into [`Tree::occs`]; 0 is the scrutinee.
type OccId = usize;

struct Occ {
    /// The occurrence this one is a field of, and the field's index.
    parent: Option<(OccId, u32)>,
    ty: MirTy,
}

/// What a node tests of its occurrence.
#[derive(Clone, Copy)]
enum Test<'a> {
    /// Whether the enum value is this variant.
    Variant(u32),
    /// Whether the Bool is true.
    Bool,
    Int(i64),
    Float(f64),
    Str(&'a str),
    /// `lo <= v && v <= hi`.
    Range(i64, i64),
}

enum Decision<'a> {
    /// No value gets here.
    Fail,
    /// The arm is chosen: its bindings (local, occurrence), and where to go
    /// on when its guard fails (`Some` exactly when it has one).
    Leaf {
        arm: usize,
        binds: Vec<(LocalId, OccId)>,
        guard_failed: Option<Box<Decision<'a>>>,
    },
    Test {
        occ: OccId,
        test: Test<'a>,
        /// The pattern the test comes from (its line).
        span: Span,
        yes: Box<Decision<'a>>,
        no: Box<Decision<'a>>,
    },
}

/// A row of the matrix: a pattern per column (`None`: a wildcard).
#[derive(Clone)]
struct Row<'a> {
    cells: Vec<Option<&'a ir::Pattern>>,
    arm: usize,
    binds: Vec<(LocalId, OccId)>,
}

/// Why no tree was built: the ordered lowering is used instead.
struct NoTree;

struct Builder<'t> {
    occs: Vec<Occ>,
    /// How many fields of the scrutinee are known without reading them:
    /// occurrences `1..=parts` (a `match (a, b)` builds no tuple).
    parts: usize,
    guarded: Vec<bool>,
    nodes: usize,
    limit: usize,
    mir_ty: &'t dyn Fn(&Ty) -> MirTy,
}

/// The number of nodes of a pattern.
fn size(p: &ir::Pattern) -> usize {
    1 + match &p.kind {
        PatternKind::Tuple(ps) | PatternKind::Variant(_, _, ps) | PatternKind::Or(ps) => {
            ps.iter().map(size).sum()
        }
        PatternKind::Struct(_, fs) => fs.iter().map(|(_, p)| size(p)).sum(),
        _ => 0,
    }
}

/// The values an Int pattern matches, as an interval (empty when
/// `lo > hi`).
fn interval(t: Test<'_>) -> Option<(i64, i64)> {
    match t {
        Test::Int(n) => Some((n, n)),
        Test::Range(lo, hi) => Some((lo, hi)),
        _ => None,
    }
}

/// How the values a literal or range pattern matches relate to those
/// passing a test of the same column.
struct Relation {
    /// Every value passing the test matches the pattern.
    covers: bool,
    /// No value passing the test matches the pattern.
    disjoint: bool,
    /// Every value matching the pattern passes the test.
    within: bool,
}

fn relate(p: Test<'_>, t: Test<'_>) -> Option<Relation> {
    let same = |same: bool| Relation {
        covers: same,
        disjoint: !same,
        within: same,
    };
    Some(match (p, t) {
        (Test::Float(a), Test::Float(b)) => same(a == b || a.to_bits() == b.to_bits()),
        (Test::Str(a), Test::Str(b)) => same(a == b),
        _ => {
            let ((plo, phi), (tlo, thi)) = (interval(p)?, interval(t)?);
            Relation {
                covers: plo <= tlo && thi <= phi,
                disjoint: thi < plo || phi < tlo,
                within: plo > phi || (tlo <= plo && phi <= thi),
            }
        }
    })
}

/// A literal or range pattern as the test it makes.
fn literal(p: &ir::Pattern) -> Option<Test<'_>> {
    Some(match &p.kind {
        PatternKind::Int(n) => Test::Int(*n),
        PatternKind::Float(x) => Test::Float(*x),
        PatternKind::Str(s) => Test::Str(s),
        PatternKind::Range(lo, hi) => Test::Range(*lo, *hi),
        _ => return None,
    })
}

/// `row` with its column `c` replaced by `with`.
fn splice<'a>(row: &Row<'a>, c: usize, with: Vec<Option<&'a ir::Pattern>>) -> Row<'a> {
    let mut cells = Vec::with_capacity(row.cells.len() + with.len());
    cells.extend_from_slice(&row.cells[..c]);
    cells.extend(with);
    cells.extend_from_slice(&row.cells[c + 1..]);
    Row {
        cells,
        arm: row.arm,
        binds: row.binds.clone(),
    }
}

fn splice_cols(cols: &[OccId], c: usize, with: &[OccId]) -> Vec<OccId> {
    let mut out = cols[..c].to_vec();
    out.extend_from_slice(with);
    out.extend_from_slice(&cols[c + 1..]);
    out
}

impl<'a> Builder<'_> {
    fn field(&mut self, parent: OccId, index: u32, ty: &Ty) -> OccId {
        if parent == 0 && (index as usize) < self.parts {
            return index as usize + 1;
        }
        let ty = (self.mir_ty)(ty);
        self.occs.push(Occ {
            parent: Some((parent, index)),
            ty,
        });
        self.occs.len() - 1
    }

    fn build(&mut self, rows: Vec<Row<'a>>, cols: Vec<OccId>) -> Result<Decision<'a>, NoTree> {
        crate::with_stack(|| self.build_here(rows, cols))
    }

    fn build_here(
        &mut self,
        mut rows: Vec<Row<'a>>,
        mut cols: Vec<OccId>,
    ) -> Result<Decision<'a>, NoTree> {
        self.nodes += 1;
        if self.nodes > self.limit {
            return Err(NoTree);
        }
        loop {
            for row in &mut rows {
                for (c, cell) in row.cells.iter_mut().enumerate() {
                    match cell.map(|p| &p.kind) {
                        Some(PatternKind::Bind(id)) => {
                            row.binds.push((*id, cols[c]));
                            *cell = None;
                        }
                        Some(PatternKind::Wildcard | PatternKind::Unit) => *cell = None,
                        _ => {}
                    }
                }
            }
            let used: Vec<bool> = (0..cols.len())
                .map(|c| rows.iter().any(|r| r.cells[c].is_some()))
                .collect();
            if used.contains(&false) {
                for row in &mut rows {
                    let mut k = 0;
                    row.cells.retain(|_| {
                        k += 1;
                        used[k - 1]
                    });
                }
                let mut k = 0;
                cols.retain(|_| {
                    k += 1;
                    used[k - 1]
                });
            }
            let Some(first) = rows.first() else {
                return Ok(Decision::Fail);
            };
            let Some(c) = pick(&rows) else {
                let arm = first.arm;
                let binds = first.binds.clone();
                let guard_failed = if self.guarded.get(arm).copied().unwrap_or(false) {
                    let rest: Vec<Row<'a>> =
                        rows[1..].iter().filter(|r| r.arm != arm).cloned().collect();
                    Some(Box::new(self.build(rest, cols)?))
                } else {
                    None
                };
                return Ok(Decision::Leaf {
                    arm,
                    binds,
                    guard_failed,
                });
            };
            let is_or =
                |r: &Row<'a>| matches!(r.cells[c].map(|p| &p.kind), Some(PatternKind::Or(_)));
            if rows.iter().any(is_or) {
                rows = expand_or(rows, c);
                continue;
            }
            let Some(p) = first.cells[c] else {
                return Err(NoTree);
            };
            match &p.kind {
                PatternKind::Tuple(items) => {
                    let occ = cols[c];
                    let fields: Vec<OccId> = items
                        .iter()
                        .enumerate()
                        .map(|(k, q)| self.field(occ, k as u32, &q.ty))
                        .collect();
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let with = match r.cells[c].map(|q| &q.kind) {
                            None => vec![None; items.len()],
                            Some(PatternKind::Tuple(qs)) if qs.len() == items.len() => {
                                qs.iter().map(Some).collect()
                            }
                            _ => return Err(NoTree),
                        };
                        out.push(splice(r, c, with));
                    }
                    rows = out;
                    cols = splice_cols(&cols, c, &fields);
                }
                PatternKind::Struct(..) => {
                    // The fields any row names, in index order, each typed
                    // by the first pattern naming it.
                    let mut named: Vec<(u32, &'a ir::Pattern)> = Vec::new();
                    for r in &rows {
                        match r.cells[c].map(|q| &q.kind) {
                            Some(PatternKind::Struct(_, fs)) => {
                                for (i, q) in fs {
                                    if !named.iter().any(|(j, _)| j == i) {
                                        named.push((*i, q));
                                    }
                                }
                            }
                            None => {}
                            _ => return Err(NoTree),
                        }
                    }
                    named.sort_by_key(|(i, _)| *i);
                    let occ = cols[c];
                    let fields: Vec<OccId> = named
                        .iter()
                        .map(|(i, q)| self.field(occ, *i, &q.ty))
                        .collect();
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let with = match r.cells[c].map(|q| &q.kind) {
                            Some(PatternKind::Struct(_, fs)) => named
                                .iter()
                                .map(|(i, _)| fs.iter().find(|(j, _)| j == i).map(|(_, q)| q))
                                .collect(),
                            _ => vec![None; named.len()],
                        };
                        out.push(splice(r, c, with));
                    }
                    rows = out;
                    cols = splice_cols(&cols, c, &fields);
                }
                PatternKind::Variant(_, v, items) => {
                    return self.switch_variant(rows, cols, c, *v, items, p.span)
                }
                PatternKind::Bool(b) => return self.switch_bool(rows, cols, c, *b, p.span),
                _ => {
                    let Some(t) = literal(p) else {
                        return Err(NoTree);
                    };
                    return self.switch_literal(rows, cols, c, t, p.span);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn switch_variant(
        &mut self,
        rows: Vec<Row<'a>>,
        cols: Vec<OccId>,
        c: usize,
        v: u32,
        items: &'a [ir::Pattern],
        span: Span,
    ) -> Result<Decision<'a>, NoTree> {
        let occ = cols[c];
        let fields: Vec<OccId> = items
            .iter()
            .enumerate()
            .map(|(k, q)| self.field(occ, k as u32, &q.ty))
            .collect();
        let (mut yes, mut no) = (Vec::new(), Vec::new());
        let mut undecided = false;
        for r in rows {
            match r.cells[c].map(|q| &q.kind) {
                Some(PatternKind::Variant(_, w, qs)) if *w == v && qs.len() == items.len() => {
                    yes.push(splice(&r, c, qs.iter().map(Some).collect()));
                }
                Some(PatternKind::Variant(_, w, _)) if *w != v => {
                    undecided = true;
                    no.push(r);
                }
                None => {
                    undecided = true;
                    yes.push(splice(&r, c, vec![None; items.len()]));
                    no.push(r);
                }
                _ => return Err(NoTree),
            }
        }
        let yes_cols = splice_cols(&cols, c, &fields);
        if !undecided {
            // Every row names this variant: the value is it.
            return self.build(yes, yes_cols);
        }
        Ok(Decision::Test {
            occ,
            test: Test::Variant(v),
            span,
            yes: Box::new(self.build(yes, yes_cols)?),
            no: Box::new(self.build(no, cols)?),
        })
    }

    fn switch_bool(
        &mut self,
        rows: Vec<Row<'a>>,
        cols: Vec<OccId>,
        c: usize,
        b: bool,
        span: Span,
    ) -> Result<Decision<'a>, NoTree> {
        let occ = cols[c];
        let (mut on_true, mut on_false) = (Vec::new(), Vec::new());
        let mut undecided = false;
        for r in rows {
            let rest = splice(&r, c, Vec::new());
            match r.cells[c].map(|q| &q.kind) {
                Some(PatternKind::Bool(x)) => {
                    undecided |= *x != b;
                    if *x {
                        on_true.push(rest);
                    } else {
                        on_false.push(rest);
                    }
                }
                None => {
                    undecided = true;
                    on_true.push(rest.clone());
                    on_false.push(rest);
                }
                _ => return Err(NoTree),
            }
        }
        let rest_cols = splice_cols(&cols, c, &[]);
        if !undecided {
            let rows = if b { on_true } else { on_false };
            return self.build(rows, rest_cols);
        }
        Ok(Decision::Test {
            occ,
            test: Test::Bool,
            span,
            yes: Box::new(self.build(on_true, rest_cols.clone())?),
            no: Box::new(self.build(on_false, rest_cols)?),
        })
    }

    fn switch_literal(
        &mut self,
        rows: Vec<Row<'a>>,
        cols: Vec<OccId>,
        c: usize,
        t: Test<'a>,
        span: Span,
    ) -> Result<Decision<'a>, NoTree> {
        let (mut yes, mut no) = (Vec::new(), Vec::new());
        for r in rows {
            let Some(p) = r.cells[c] else {
                yes.push(r.clone());
                no.push(r);
                continue;
            };
            let rel = literal(p).and_then(|q| relate(q, t)).ok_or(NoTree)?;
            if rel.covers {
                let mut y = r.clone();
                y.cells[c] = None;
                yes.push(y);
            } else if !rel.disjoint {
                yes.push(r.clone());
            }
            if !rel.within {
                no.push(r);
            }
        }
        Ok(Decision::Test {
            occ: cols[c],
            test: t,
            span,
            yes: Box::new(self.build(yes, cols.clone())?),
            no: Box::new(self.build(no, cols)?),
        })
    }
}

/// The column to look at next: `None` when the first row is all
/// wildcards. A tuple or struct the first row names there is expanded
/// first; otherwise the column with the longest run of patterns from the
/// first row down, the leftmost of equals.
fn pick(rows: &[Row<'_>]) -> Option<usize> {
    let first = rows.first()?;
    let mut best: Option<(usize, usize)> = None;
    for (c, cell) in first.cells.iter().enumerate() {
        let Some(p) = cell else { continue };
        if matches!(p.kind, PatternKind::Tuple(_) | PatternKind::Struct(..)) {
            return Some(c);
        }
        let run = rows.iter().take_while(|r| r.cells[c].is_some()).count();
        if best.is_none_or(|(_, b)| run > b) {
            best = Some((c, run));
        }
    }
    best.map(|(c, _)| c)
}

/// Each row whose column `c` is an or-pattern becomes a row per
/// alternative (nested ones flattened), in the order written.
fn expand_or<'a>(rows: Vec<Row<'a>>, c: usize) -> Vec<Row<'a>> {
    fn alternatives<'a>(p: &'a ir::Pattern, out: &mut Vec<&'a ir::Pattern>) {
        match &p.kind {
            PatternKind::Or(alts) => alts.iter().for_each(|a| alternatives(a, out)),
            _ => out.push(p),
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        match r.cells[c] {
            Some(
                p @ ir::Pattern {
                    kind: PatternKind::Or(_),
                    ..
                },
            ) => {
                let mut alts = Vec::new();
                alternatives(p, &mut alts);
                for a in alts {
                    let mut row = r.clone();
                    row.cells[c] = Some(a);
                    out.push(row);
                }
            }
            _ => out.push(r),
        }
    }
    out
}

/// What is matched on.
pub(super) enum Scrutinee<'a> {
    /// A value.
    Whole(Operand, &'a Ty),
    /// The elements of a tuple expression, evaluated, and their types: the
    /// tuple is not built (no arm binds it whole, see [`needs_whole`]).
    Parts(Vec<Operand>, Vec<MirTy>),
}

/// Whether matching `p` needs the value itself, not only its fields: a
/// tuple pattern or a wildcard does not.
pub(super) fn needs_whole(p: &ir::Pattern) -> bool {
    match &p.kind {
        PatternKind::Tuple(_) | PatternKind::Wildcard => false,
        PatternKind::Or(alts) => alts.iter().any(needs_whole),
        _ => true,
    }
}

/// The arms' blocks, made as the first leaf of each arm needs one.
struct Arms<'a> {
    arms: &'a [ir::Arm],
    blocks: Vec<Option<BlockId>>,
    /// The `match`'s span.
    span: Span,
}

impl Cx<'_> {
    /// Lowers `match` as a decision tree (see the module doc); `false`,
    /// having emitted nothing, when it builds none.
    pub(super) fn match_tree(
        &mut self,
        scrutinee: &Scrutinee<'_>,
        arms: &[ir::Arm],
        dest: Dest,
        join: BlockId,
        span: Span,
    ) -> bool {
        let table = self.table;
        let mir_ty = |t: &Ty| super::mir_ty_of(table.shallow_ref(t));
        let pattern_size: usize = arms.iter().map(|a| size(&a.pattern)).sum();
        let mut occs = vec![Occ {
            parent: None,
            ty: match scrutinee {
                Scrutinee::Whole(_, ty) => mir_ty(ty),
                Scrutinee::Parts(..) => MirTy::Any,
            },
        }];
        let mut known = vec![match scrutinee {
            Scrutinee::Whole(s, _) => Some(s.clone()),
            Scrutinee::Parts(..) => None,
        }];
        if let Scrutinee::Parts(xs, tys) = scrutinee {
            for (k, (x, ty)) in xs.iter().zip(tys).enumerate() {
                occs.push(Occ {
                    parent: Some((0, k as u32)),
                    ty: *ty,
                });
                known.push(Some(x.clone()));
            }
        }
        let mut b = Builder {
            parts: occs.len() - 1,
            occs,
            guarded: arms.iter().map(|a| a.guard.is_some()).collect(),
            nodes: 0,
            limit: 64 + 4 * (pattern_size + arms.len()),
            mir_ty: &mir_ty,
        };
        let rows = arms
            .iter()
            .enumerate()
            .map(|(arm, a)| Row {
                cells: vec![Some(&a.pattern)],
                arm,
                binds: Vec::new(),
            })
            .collect();
        let Ok(tree) = b.build(rows, vec![0]) else {
            return false;
        };
        let occs = b.occs;
        let mut state: Vec<Option<Operand>> = vec![None; occs.len()];
        state[..known.len()].clone_from_slice(&known);
        let mut m = Arms {
            arms,
            blocks: vec![None; arms.len()],
            span,
        };
        self.emit_decision(&tree, &occs, state, &mut m);
        for (arm, block) in arms.iter().zip(m.blocks) {
            if let Some(block) = block {
                self.cur = block;
                self.expr(&arm.body, dest);
                self.finish(Terminator::Goto(join), arm.body.span);
            }
        }
        true
    }

    fn emit_decision(
        &mut self,
        d: &Decision<'_>,
        occs: &[Occ],
        state: Vec<Option<Operand>>,
        m: &mut Arms<'_>,
    ) {
        crate::with_stack(|| self.emit_here(d, occs, state, m))
    }

    fn emit_here(
        &mut self,
        d: &Decision<'_>,
        occs: &[Occ],
        mut state: Vec<Option<Operand>>,
        m: &mut Arms<'_>,
    ) {
        match d {
            Decision::Fail => {
                // Exhaustiveness was checked: no value gets here.
                self.finish(Terminator::Unreachable, m.span);
            }
            Decision::Leaf {
                arm,
                binds,
                guard_failed,
            } => {
                let a = &m.arms[*arm];
                let span = a.pattern.span;
                for (id, occ) in binds {
                    let v = self.occurrence(*occ, occs, &mut state, span);
                    self.declare(*id, v, span);
                }
                let body = match m.blocks[*arm] {
                    Some(b) => b,
                    None => {
                        let b = self.body.new_block();
                        m.blocks[*arm] = Some(b);
                        b
                    }
                };
                match (&a.guard, guard_failed) {
                    (Some(g), Some(rest)) => {
                        let failed = self.body.new_block();
                        self.cond(g, body, failed);
                        self.cur = failed;
                        self.emit_decision(rest, occs, state, m);
                    }
                    _ => self.finish(Terminator::Goto(body), span),
                }
            }
            Decision::Test {
                occ,
                test,
                span,
                yes,
                no,
            } => {
                let span = *span;
                let v = self.occurrence(*occ, occs, &mut state, span);
                let yes_b = self.body.new_block();
                let no_b = self.body.new_block();
                match *test {
                    Test::Bool => self.finish(
                        Terminator::Branch {
                            cond: v,
                            then: yes_b,
                            els: no_b,
                        },
                        span,
                    ),
                    Test::Variant(variant) => {
                        let t = self.temp(MirTy::Bool);
                        self.push(StmtKind::Assign(t, Rvalue::VariantIs(v, variant)), span);
                        self.finish(
                            Terminator::Branch {
                                cond: Operand::Value(t),
                                then: yes_b,
                                els: no_b,
                            },
                            span,
                        );
                    }
                    Test::Int(n) => {
                        self.branch_on_int(BinOp::Eq, v, int(n), yes_b, no_b, span);
                    }
                    Test::Float(x) => {
                        let c = Operand::Const(Const::Float(x));
                        self.branch_on(BinOp::Eq, OpClass::Float, v, c, yes_b, no_b, span);
                    }
                    Test::Str(text) => {
                        let c = Operand::Const(Const::Str(text.to_string()));
                        self.branch_on(BinOp::Eq, OpClass::Other, v, c, yes_b, no_b, span);
                    }
                    Test::Range(lo, hi) => {
                        // A bound at Int's end holds of every Int.
                        if lo != i64::MIN && hi != i64::MAX {
                            let mid = self.body.new_block();
                            self.branch_on_int(BinOp::Le, int(lo), v.clone(), mid, no_b, span);
                            self.cur = mid;
                            self.branch_on_int(BinOp::Le, v, int(hi), yes_b, no_b, span);
                        } else if lo != i64::MIN {
                            self.branch_on_int(BinOp::Le, int(lo), v, yes_b, no_b, span);
                        } else if hi != i64::MAX {
                            self.branch_on_int(BinOp::Le, v, int(hi), yes_b, no_b, span);
                        } else {
                            self.finish(Terminator::Goto(yes_b), span);
                        }
                    }
                }
                self.cur = yes_b;
                self.emit_decision(yes, occs, state.clone(), m);
                self.cur = no_b;
                self.emit_decision(no, occs, state, m);
            }
        }
    }

    /// The value of an occurrence on this path: a field is read from its
    /// parent the first time the path needs it.
    fn occurrence(
        &mut self,
        occ: OccId,
        occs: &[Occ],
        state: &mut Vec<Option<Operand>>,
        span: Span,
    ) -> Operand {
        if let Some(v) = &state[occ] {
            return v.clone();
        }
        let Some((parent, index)) = occs[occ].parent else {
            // The scrutinee is known, unless it is a tuple no arm needs
            // whole (`needs_whole`), and then no path asks for it.
            return Operand::Const(Const::Unit);
        };
        let p = self.occurrence(parent, occs, state, span);
        let t = self.temp(occs[occ].ty);
        self.push(StmtKind::Assign(t, Rvalue::Field(p, index)), span);
        state[occ] = Some(Operand::Value(t));
        Operand::Value(t)
    }
}

fn int(n: i64) -> Operand {
    Operand::Const(Const::Int(n))
}
