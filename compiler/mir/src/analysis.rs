//! Analyses of bodies: the control-flow graph as a petgraph graph (one node
//! per block, node `i` is block `i`), reverse postorder, dominators
//! (petgraph's Cooper–Harvey–Kennedy), natural loops from back edges,
//! liveness of values (a backward dataflow over blocks), and the call graph
//! of a set of bodies with its strongly connected components.

use crate::*;
#[cfg(test)]
use petgraph::algo::dominators;
use petgraph::graph::{DiGraph, NodeIndex};

/// The control-flow graph of a body: node `i` is block `i`.
pub fn cfg(body: &Body) -> DiGraph<(), ()> {
    let mut g = DiGraph::with_capacity(body.blocks.len(), body.blocks.len() * 2);
    for _ in &body.blocks {
        g.add_node(());
    }
    for (i, block) in body.blocks.iter().enumerate() {
        for s in block.term.successors() {
            if (s.0 as usize) < body.blocks.len() {
                g.add_edge(NodeIndex::new(i), NodeIndex::new(s.0 as usize), ());
            }
        }
    }
    g
}

/// The blocks reachable from the entry, in reverse postorder (the entry
/// first; every block before its successors, save along back edges).
pub fn reverse_postorder(body: &Body) -> Vec<BlockId> {
    let mut order: Vec<BlockId> = postorder(&Successors::of(body))
        .into_iter()
        .map(|b| BlockId(b as u32))
        .collect();
    order.reverse();
    order
}

/// Each block's successors (at most two), in the order of its terminator,
/// leaving out targets that are not blocks (the verifier reports them).
struct Successors(Vec<([usize; 2], usize)>);

impl Successors {
    fn of(body: &Body) -> Successors {
        let blocks = body.blocks.len();
        Successors(
            body.blocks
                .iter()
                .map(|b| {
                    let mut out = ([0; 2], 0);
                    let mut push = |t: BlockId| {
                        if (t.0 as usize) < blocks {
                            out.0[out.1] = t.0 as usize;
                            out.1 += 1;
                        }
                    };
                    match &b.term {
                        Terminator::Goto(t) => push(*t),
                        Terminator::Branch { then, els, .. } => {
                            push(*then);
                            push(*els);
                        }
                        Terminator::Return(_) | Terminator::Unreachable => {}
                    }
                    out
                })
                .collect(),
        )
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn of_block(&self, b: usize) -> &[usize] {
        let (targets, n) = &self.0[b];
        &targets[..*n]
    }
}

/// The blocks reachable from the entry (block 0) in postorder, without
/// building a graph: the order petgraph's `DfsPostOrder` gives on [`cfg`]
/// (whose neighbours come newest edge first, so a block's successors are
/// pushed last to first), which passes and code generation rely on.
fn postorder(succs: &Successors) -> Vec<usize> {
    if succs.len() == 0 {
        return Vec::new();
    }
    let mut discovered = vec![false; succs.len()];
    let mut finished = vec![false; succs.len()];
    let mut order = Vec::with_capacity(succs.len());
    let mut stack: Vec<usize> = vec![0];
    while let Some(&b) = stack.last() {
        if !discovered[b] {
            discovered[b] = true;
            for &s in succs.of_block(b).iter().rev() {
                if !discovered[s] {
                    stack.push(s);
                }
            }
        } else {
            stack.pop();
            if !finished[b] {
                finished[b] = true;
                order.push(b);
            }
        }
    }
    order
}

/// The predecessors of every block.
pub fn predecessors(body: &Body) -> Vec<Vec<BlockId>> {
    let mut preds = vec![Vec::new(); body.blocks.len()];
    for (i, block) in body.blocks.iter().enumerate() {
        for s in block.term.successors() {
            if let Some(p) = preds.get_mut(s.0 as usize) {
                p.push(BlockId(i as u32));
            }
        }
    }
    preds
}

/// The dominator tree of the reachable blocks: each one's immediate
/// dominator (the entry's is itself; `None` for an unreachable block), by
/// the iterative algorithm of Cooper, Harvey and Kennedy over the reverse
/// postorder (dominators are unique: a test compares them with petgraph's).
pub struct DomTree {
    idom: Vec<Option<usize>>,
}

impl DomTree {
    pub fn new(body: &Body) -> DomTree {
        let succs = Successors::of(body);
        let post = postorder(&succs);
        let n = succs.len();
        let mut rank = vec![usize::MAX; n];
        for (i, b) in post.iter().enumerate() {
            rank[*b] = i;
        }
        let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
        for b in 0..n {
            for &s in succs.of_block(b) {
                preds[s].push(b);
            }
        }
        let mut idom: Vec<Option<usize>> = vec![None; n];
        if n == 0 {
            return DomTree { idom };
        }
        idom[0] = Some(0);
        let intersect = |idom: &[Option<usize>], mut a: usize, mut b: usize| {
            while a != b {
                while rank[a] < rank[b] {
                    a = idom[a].unwrap_or(0);
                }
                while rank[b] < rank[a] {
                    b = idom[b].unwrap_or(0);
                }
            }
            a
        };
        let mut changed = true;
        while changed {
            changed = false;
            for &b in post.iter().rev().skip(1) {
                let mut new: Option<usize> = None;
                for &p in &preds[b] {
                    if idom[p].is_none() {
                        continue;
                    }
                    new = Some(match new {
                        None => p,
                        Some(q) => intersect(&idom, p, q),
                    });
                }
                if new.is_some() && idom[b] != new {
                    idom[b] = new;
                    changed = true;
                }
            }
        }
        DomTree { idom }
    }

    /// Whether `a` dominates `b` (every block dominates itself; an
    /// unreachable block is dominated by nothing).
    pub fn dominates(&self, a: BlockId, b: BlockId) -> bool {
        let (a, mut x) = (a.0 as usize, b.0 as usize);
        if self.idom.get(x).copied().flatten().is_none() {
            return false;
        }
        loop {
            if x == a {
                return true;
            }
            match self.idom[x] {
                Some(up) if up != x => x = up,
                _ => return false,
            }
        }
    }

    pub fn immediate_dominator(&self, b: BlockId) -> Option<BlockId> {
        let b = b.0 as usize;
        match self.idom.get(b).copied().flatten() {
            Some(d) if d != b => Some(BlockId(d as u32)),
            _ => None,
        }
    }
}

/// A natural loop: its header and the blocks of its body (header included),
/// sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loop {
    pub header: BlockId,
    pub blocks: Vec<BlockId>,
}

/// The natural loops: one per header, the union of the bodies of its back
/// edges (an edge `t -> h` where `h` dominates `t`). Outer loops come
/// before the loops nested in them.
pub fn natural_loops(body: &Body) -> Vec<Loop> {
    let doms = DomTree::new(body);
    let preds = predecessors(body);
    natural_loops_of(body, &doms, &preds, &reverse_postorder(body))
}

/// [`natural_loops`] from the body's dominator tree, predecessors and
/// reverse postorder, for a caller that needs them too.
pub fn natural_loops_of(
    body: &Body,
    doms: &DomTree,
    preds: &[Vec<BlockId>],
    rpo: &[BlockId],
) -> Vec<Loop> {
    let mut loops: Vec<Loop> = Vec::new();
    for &h in rpo {
        let tails: Vec<BlockId> = preds[h.0 as usize]
            .iter()
            .copied()
            .filter(|t| doms.dominates(h, *t))
            .collect();
        if tails.is_empty() {
            continue;
        }
        let mut inside = vec![false; body.blocks.len()];
        inside[h.0 as usize] = true;
        let mut stack = tails;
        while let Some(b) = stack.pop() {
            if std::mem::replace(&mut inside[b.0 as usize], true) {
                continue;
            }
            stack.extend(preds[b.0 as usize].iter().copied());
        }
        let blocks = (0..body.blocks.len() as u32)
            .map(BlockId)
            .filter(|b| inside[b.0 as usize])
            .collect();
        loops.push(Loop { header: h, blocks });
    }
    loops
}

/// A fixed-size set of values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueSet {
    words: Vec<u64>,
}

impl ValueSet {
    pub fn new(n: usize) -> ValueSet {
        ValueSet {
            words: vec![0; n.div_ceil(64)],
        }
    }

    pub fn contains(&self, v: Value) -> bool {
        let i = v.0 as usize;
        self.words
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    pub fn insert(&mut self, v: Value) {
        let i = v.0 as usize;
        if let Some(w) = self.words.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    pub fn remove(&mut self, v: Value) {
        let i = v.0 as usize;
        if let Some(w) = self.words.get_mut(i / 64) {
            *w &= !(1 << (i % 64));
        }
    }

    /// Adds every member of `other`; whether anything was added.
    pub fn union(&mut self, other: &ValueSet) -> bool {
        let mut changed = false;
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            let new = *a | *b;
            changed |= new != *a;
            *a = new;
        }
        changed
    }

    /// Keeps only the members of `other`.
    pub fn intersect(&mut self, other: &ValueSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= *b;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Value> + '_ {
        self.words.iter().enumerate().flat_map(|(i, w)| {
            (0..64)
                .filter(move |b| w >> b & 1 == 1)
                .map(move |b| Value((i * 64 + b) as u32))
        })
    }
}

/// The values live on entry to and on exit from each block.
pub struct Liveness {
    pub live_in: Vec<ValueSet>,
    pub live_out: Vec<ValueSet>,
}

impl Liveness {
    pub fn new(body: &Body) -> Liveness {
        let n = body.values.len();
        let blocks = body.blocks.len();
        // Per block: the values used before any assignment (gen) and those
        // assigned (kill), `words` words each, in one buffer.
        let words = n.div_ceil(64);
        let bit = |v: Value| (v.0 as usize / 64, 1u64 << (v.0 % 64));
        let mut gen = vec![0u64; words * blocks];
        let mut kill = vec![0u64; words * blocks];
        for (i, block) in body.blocks.iter().enumerate() {
            let (g, k) = (
                &mut gen[i * words..(i + 1) * words],
                &mut kill[i * words..(i + 1) * words],
            );
            for s in &block.stmts {
                s.for_each_use(|v| {
                    let (w, m) = bit(v);
                    if w < words && k[w] & m == 0 {
                        g[w] |= m;
                    }
                });
                if let Some(d) = s.def() {
                    let (w, m) = bit(d);
                    if w < words {
                        k[w] |= m;
                    }
                }
            }
            if let Some(Operand::Value(v)) = block.term.operand() {
                let (w, m) = bit(*v);
                if w < words && k[w] & m == 0 {
                    g[w] |= m;
                }
            }
        }
        let mut live_in: Vec<ValueSet> = (0..blocks)
            .map(|i| ValueSet {
                words: gen[i * words..(i + 1) * words].to_vec(),
            })
            .collect();
        let mut live_out = vec![ValueSet::new(n); blocks];
        // The blocks reachable from the entry in postorder (any order
        // reaches the same fixpoint; this one takes few rounds), each round
        // computed word by word in place.
        let succs = Successors::of(body);
        let order = postorder(&succs);
        let mut out = vec![0u64; words];
        let mut changed = true;
        while changed {
            changed = false;
            for &i in &order {
                out.fill(0);
                for &s in succs.of_block(i) {
                    for (o, w) in out.iter_mut().zip(&live_in[s].words) {
                        *o |= *w;
                    }
                }
                // live in = gen | (live out - kill)
                let (g, k) = (
                    &gen[i * words..(i + 1) * words],
                    &kill[i * words..(i + 1) * words],
                );
                for (j, w) in live_in[i].words.iter_mut().enumerate() {
                    let new = g[j] | (out[j] & !k[j]);
                    if new != *w {
                        *w = new;
                        changed = true;
                    }
                }
                if live_out[i].words != out {
                    live_out[i].words.copy_from_slice(&out);
                    changed = true;
                }
            }
        }
        Liveness { live_in, live_out }
    }

    /// The values live after each statement of block `b` (index `k` is after
    /// statement `k`; the last entry is the block's live-out), and the values
    /// live before its first statement.
    pub fn after_each(&self, body: &Body, b: BlockId) -> (ValueSet, Vec<ValueSet>) {
        let block = body.block(b);
        let mut live = self.live_out[b.0 as usize].clone();
        if let Some(Operand::Value(v)) = block.term.operand() {
            live.insert(*v);
        }
        let mut after = vec![live.clone(); block.stmts.len()];
        for (k, s) in block.stmts.iter().enumerate().rev() {
            after[k] = live.clone();
            if let Some(d) = s.def() {
                live.remove(d);
            }
            s.for_each_use(|v| live.insert(v));
        }
        (live, after)
    }
}

/// The call graph of a set of bodies: node `i` is `bodies[i]`, with an edge
/// to each body it calls, names as a value, or makes a closure of.
pub struct CallGraph {
    pub graph: DiGraph<(), ()>,
}

impl CallGraph {
    /// `resolve(i, f)` says which body `f` of `bodies[i]` is, if it is one of
    /// them.
    pub fn new(bodies: &[&Body], resolve: impl Fn(usize, FuncRef) -> Option<usize>) -> CallGraph {
        let mut graph = DiGraph::new();
        for _ in bodies {
            graph.add_node(());
        }
        for (i, body) in bodies.iter().enumerate() {
            let mut add = |f: FuncRef| {
                if let Some(j) = resolve(i, f) {
                    if j < bodies.len() {
                        graph.update_edge(NodeIndex::new(i), NodeIndex::new(j), ());
                    }
                }
            };
            for block in &body.blocks {
                for s in &block.stmts {
                    let rv = match &s.kind {
                        StmtKind::Assign(_, rv) | StmtKind::Effect(Effect::Eval(rv)) => rv,
                        StmtKind::Effect(_) => continue,
                    };
                    match rv {
                        Rvalue::Call(Callee::Fn(f), _)
                        | Rvalue::FnRef(f)
                        | Rvalue::Aggregate(Aggregate::Closure(f), _) => add(*f),
                        _ => {}
                    }
                }
            }
        }
        CallGraph { graph }
    }

    /// Whether body `i` can reach itself (directly or through others).
    pub fn is_recursive(&self, i: usize) -> bool {
        let n = NodeIndex::new(i);
        if self.graph.contains_edge(n, n) {
            return true;
        }
        petgraph::algo::tarjan_scc(&self.graph)
            .iter()
            .any(|c| c.len() > 1 && c.contains(&n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::counting_loop;

    #[test]
    fn the_loop_header_dominates_its_body() {
        let b = counting_loop();
        let doms = DomTree::new(&b);
        assert!(doms.dominates(BlockId(1), BlockId(2)));
        assert!(doms.dominates(BlockId(0), BlockId(3)));
        assert!(!doms.dominates(BlockId(2), BlockId(3)));
        assert_eq!(doms.immediate_dominator(BlockId(3)), Some(BlockId(1)));
        assert_eq!(
            natural_loops(&b),
            vec![Loop {
                header: BlockId(1),
                blocks: vec![BlockId(1), BlockId(2)]
            }]
        );
        assert_eq!(
            reverse_postorder(&b)[0],
            BlockId(0),
            "the entry comes first"
        );
    }

    /// The reverse postorder is the one petgraph's `DfsPostOrder` gives on
    /// the control-flow graph, and the dominators are petgraph's, on bodies
    /// of every shape: branches to one block twice, loops, blocks nothing
    /// reaches.
    #[test]
    fn reverse_postorder_and_dominators_are_petgraphs() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for size in 1..40u64 {
            for _ in 0..20 {
                let mut b = Body::new("f");
                let cond = b.new_value(MirTy::Bool, None);
                for _ in 0..size {
                    b.new_block();
                }
                for i in 0..size {
                    let term = match next(4) {
                        0 => Terminator::Goto(BlockId(next(size) as u32)),
                        1 | 2 => Terminator::Branch {
                            cond: Operand::Value(cond),
                            then: BlockId(next(size) as u32),
                            els: BlockId(next(size) as u32),
                        },
                        _ => Terminator::Return(Operand::Value(cond)),
                    };
                    b.block_mut(BlockId(i as u32)).term = term;
                }
                let g = cfg(&b);
                let mut dfs = petgraph::visit::DfsPostOrder::new(&g, NodeIndex::new(0));
                let mut expected = Vec::new();
                while let Some(n) = dfs.next(&g) {
                    expected.push(BlockId(n.index() as u32));
                }
                expected.reverse();
                assert_eq!(reverse_postorder(&b), expected);
                let ours = DomTree::new(&b);
                let theirs = dominators::simple_fast(&g, NodeIndex::new(0));
                for x in 0..size as usize {
                    let bx = BlockId(x as u32);
                    assert_eq!(
                        ours.immediate_dominator(bx),
                        theirs
                            .immediate_dominator(NodeIndex::new(x))
                            .map(|d| BlockId(d.index() as u32)),
                    );
                    for y in 0..size as usize {
                        let by = BlockId(y as u32);
                        let expected = theirs
                            .dominators(NodeIndex::new(y))
                            .is_some_and(|mut it| it.any(|d| d.index() == x));
                        assert_eq!(ours.dominates(bx, by), expected, "{x} dom {y}");
                    }
                }
            }
        }
    }

    #[test]
    fn liveness_of_the_loop() {
        let b = counting_loop();
        let live = Liveness::new(&b);
        let names = |s: &ValueSet| s.iter().map(|v| v.0).collect::<Vec<_>>();
        // n, total and i are live around the loop; the temporaries are not.
        assert_eq!(names(&live.live_in[1]), vec![0, 1, 2]);
        assert_eq!(names(&live.live_out[2]), vec![0, 1, 2]);
        assert_eq!(names(&live.live_in[3]), vec![1]);
        let (before, after) = live.after_each(&b, BlockId(2));
        assert_eq!(names(&before), vec![0, 1, 2]);
        assert_eq!(names(&after[0]), vec![0, 1, 2, 4]);
    }

    #[test]
    fn call_graph_finds_recursion() {
        let mut f = Body::new("f");
        let r = f.new_value(MirTy::Any, None);
        let entry = f.new_block();
        f.block_mut(entry).stmts.push(Stmt {
            kind: StmtKind::Assign(r, Rvalue::Call(Callee::Fn(FuncRef(0)), Vec::new())),
            line: 1,
            scope: None,
        });
        f.block_mut(entry).term = Terminator::Return(Operand::Value(r));
        let g = counting_loop();
        // f calls itself through FuncRef(0); g calls nothing.
        let graph = CallGraph::new(&[&f, &g], |i, _| (i == 0).then_some(0));
        assert!(graph.is_recursive(0));
        assert!(!graph.is_recursive(1));
    }
}
