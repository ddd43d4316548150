//! Analyses of bodies: the control-flow graph as a petgraph graph (one node
//! per block, node `i` is block `i`), reverse postorder, dominators
//! (petgraph's Cooper–Harvey–Kennedy), natural loops from back edges,
//! liveness of values (a backward dataflow over blocks), and the call graph
//! of a set of bodies with its strongly connected components.

use crate::*;
use petgraph::algo::dominators::{self, Dominators};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::DfsPostOrder;

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
    if body.blocks.is_empty() {
        return Vec::new();
    }
    let g = cfg(body);
    let mut dfs = DfsPostOrder::new(&g, NodeIndex::new(0));
    let mut order = Vec::new();
    while let Some(n) = dfs.next(&g) {
        order.push(BlockId(n.index() as u32));
    }
    order.reverse();
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

/// The dominator tree of the reachable blocks.
pub struct DomTree {
    doms: Option<Dominators<NodeIndex>>,
}

impl DomTree {
    pub fn new(body: &Body) -> DomTree {
        if body.blocks.is_empty() {
            return DomTree { doms: None };
        }
        let g = cfg(body);
        DomTree {
            doms: Some(dominators::simple_fast(&g, NodeIndex::new(0))),
        }
    }

    /// Whether `a` dominates `b` (every block dominates itself; an
    /// unreachable block is dominated by nothing).
    pub fn dominates(&self, a: BlockId, b: BlockId) -> bool {
        let Some(doms) = &self.doms else {
            return false;
        };
        doms.dominators(NodeIndex::new(b.0 as usize))
            .is_some_and(|mut it| it.any(|d| d.index() == a.0 as usize))
    }

    pub fn immediate_dominator(&self, b: BlockId) -> Option<BlockId> {
        self.doms
            .as_ref()?
            .immediate_dominator(NodeIndex::new(b.0 as usize))
            .map(|n| BlockId(n.index() as u32))
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
    let mut loops: Vec<Loop> = Vec::new();
    for h in reverse_postorder(body) {
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
        // assigned (kill).
        let mut gen = vec![ValueSet::new(n); blocks];
        let mut kill = vec![ValueSet::new(n); blocks];
        for (i, block) in body.blocks.iter().enumerate() {
            for s in &block.stmts {
                s.for_each_use(|v| {
                    if !kill[i].contains(v) {
                        gen[i].insert(v);
                    }
                });
                if let Some(d) = s.def() {
                    kill[i].insert(d);
                }
            }
            if let Some(Operand::Value(v)) = block.term.operand() {
                if !kill[i].contains(*v) {
                    gen[i].insert(*v);
                }
            }
        }
        let mut live_in = gen.clone();
        let mut live_out = vec![ValueSet::new(n); blocks];
        let mut order = reverse_postorder(body);
        order.reverse();
        let mut changed = true;
        while changed {
            changed = false;
            for b in &order {
                let i = b.0 as usize;
                let mut out = ValueSet::new(n);
                for s in body.blocks[i].term.successors() {
                    if let Some(l) = live_in.get(s.0 as usize) {
                        out.union(l);
                    }
                }
                let mut inn = out.clone();
                for v in kill[i].iter() {
                    inn.remove(v);
                }
                inn.union(&gen[i]);
                if inn != live_in[i] || out != live_out[i] {
                    changed = true;
                    live_in[i] = inn;
                    live_out[i] = out;
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
