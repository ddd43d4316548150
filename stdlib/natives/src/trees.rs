//! The methods of `Tree<K, V>` (a B-tree ordered by key: Ints, Floats,
//! Strings, or tuples of them) and `Graph<N, E>` (a directed graph on
//! petgraph; node ids are Ints from 0 in the order nodes were added). Calls
//! whose work or result grows with the tree or graph charge it first (see
//! `mvm_runtime::native`).

use crate::{arg, fail, int_arg, option};
use mvm_runtime::{Cost, Graph, NativeCtx, NativeError, NativeRegistry, OrdKey, TreeMap, Value};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

type R = Result<Value, NativeError>;

/// Visiting `n` elements (or nodes and edges) and making an array of `out`
/// values, `tuples` of them pairs: charged before the work (see
/// `mvm_runtime::native`).
fn work(ctx: &mut NativeCtx<'_>, n: usize, out: usize, tuples: usize) -> Result<(), NativeError> {
    ctx.charge(
        Cost::steps(n as u64)
            .and(Cost::holding(1, out as u64, 0))
            .and(Cost::pairs(tuples as u64)),
    )
}

fn tree<'a>(ctx: &'a NativeCtx<'_>, args: &[Value]) -> Result<&'a TreeMap, NativeError> {
    ctx.tree(arg(args, 0)?)
}

fn key(ctx: &NativeCtx<'_>, v: Value) -> Result<OrdKey, NativeError> {
    ctx.ord_key(v).ok_or_else(|| {
        NativeError::Error("a Tree key must be an Int, a Float, a String or a tuple of them".into())
    })
}

fn pair(ctx: &mut NativeCtx<'_>, kv: Option<(Value, Value)>) -> R {
    let v = kv.map(|(k, v)| ctx.new_tuple(vec![k, v]));
    option(ctx, v)
}

fn pairs(ctx: &mut NativeCtx<'_>, kvs: Vec<(Value, Value)>) -> R {
    let items = kvs
        .into_iter()
        .map(|(k, v)| ctx.new_tuple(vec![k, v]))
        .collect();
    Ok(ctx.new_array(items))
}

fn graph<'a>(ctx: &'a NativeCtx<'_>, args: &[Value]) -> Result<&'a Graph, NativeError> {
    ctx.graph(arg(args, 0)?)
}

/// Argument `i` as a node id of `g`.
fn node(g: &Graph, args: &[Value], i: usize) -> Result<NodeIndex, NativeError> {
    let id = int_arg(args, i)?;
    match usize::try_from(id) {
        Ok(n) if n < g.node_count() => Ok(NodeIndex::new(n)),
        _ => fail(format!(
            "no node {id} in a graph of {} nodes",
            g.node_count()
        )),
    }
}

fn ints(ctx: &mut NativeCtx<'_>, ids: impl IntoIterator<Item = usize>) -> Value {
    let items = ids.into_iter().map(|i| Value::Int(i as i64)).collect();
    ctx.new_array(items)
}

pub fn register(r: &mut NativeRegistry) {
    r.register("Tree::new", |ctx, _| Ok(ctx.new_tree()));
    r.register("Tree::insert", |ctx, args| {
        let (k, v) = (arg(args, 1)?, arg(args, 2)?);
        let ok = key(ctx, k)?;
        let old = ctx.tree_insert(arg(args, 0)?, ok, k, v)?;
        option(ctx, old)
    });
    r.register("Tree::get", |ctx, args| {
        let ok = key(ctx, arg(args, 1)?)?;
        let v = tree(ctx, args)?.get(&ok).map(|(_, v)| *v);
        option(ctx, v)
    });
    r.register("Tree::remove", |ctx, args| {
        let ok = key(ctx, arg(args, 1)?)?;
        let v = ctx.tree_remove(arg(args, 0)?, &ok)?;
        option(ctx, v)
    });
    r.register("Tree::contains_key", |ctx, args| {
        let ok = key(ctx, arg(args, 1)?)?;
        Ok(Value::Bool(tree(ctx, args)?.contains_key(&ok)))
    });
    r.register("Tree::len", |ctx, args| {
        Ok(Value::Int(tree(ctx, args)?.len() as i64))
    });
    r.register("Tree::min", |ctx, args| {
        let kv = tree(ctx, args)?.values().next().copied();
        pair(ctx, kv)
    });
    r.register("Tree::max", |ctx, args| {
        let kv = tree(ctx, args)?.values().next_back().copied();
        pair(ctx, kv)
    });
    r.register("Tree::range", |ctx, args| {
        let (lo, hi) = (key(ctx, arg(args, 1)?)?, key(ctx, arg(args, 2)?)?);
        let n = tree(ctx, args)?.len();
        work(ctx, n, n, n)?;
        let t = tree(ctx, args)?;
        let kvs: Vec<(Value, Value)> = if lo < hi {
            t.range(lo..hi).map(|(_, kv)| *kv).collect()
        } else {
            Vec::new()
        };
        pairs(ctx, kvs)
    });
    r.register("Tree::keys", |ctx, args| {
        let n = tree(ctx, args)?.len();
        work(ctx, n, n, 0)?;
        let ks = tree(ctx, args)?.values().map(|(k, _)| *k).collect();
        Ok(ctx.new_array(ks))
    });
    r.register("Tree::values", |ctx, args| {
        let n = tree(ctx, args)?.len();
        work(ctx, n, n, 0)?;
        let vs = tree(ctx, args)?.values().map(|(_, v)| *v).collect();
        Ok(ctx.new_array(vs))
    });
    r.register("Tree::entries", |ctx, args| {
        let n = tree(ctx, args)?.len();
        work(ctx, n, n, n)?;
        let kvs = tree(ctx, args)?.values().copied().collect();
        pairs(ctx, kvs)
    });

    r.register("Graph::new", |ctx, _| Ok(ctx.new_graph()));
    r.register("Graph::add_node", |ctx, args| {
        let id = ctx.graph_add_node(arg(args, 0)?, arg(args, 1)?)?;
        Ok(Value::Int(id as i64))
    });
    r.register("Graph::add_edge", |ctx, args| {
        let w = arg(args, 3)?;
        let g = graph(ctx, args)?;
        let (a, b) = (node(g, args, 1)?, node(g, args, 2)?);
        ctx.graph_add_edge(arg(args, 0)?, a.index(), b.index(), w)?;
        Ok(Value::Unit)
    });
    r.register("Graph::node", |ctx, args| {
        let g = graph(ctx, args)?;
        let n = node(g, args, 1)?;
        Ok(g[n])
    });
    r.register("Graph::node_count", |ctx, args| {
        Ok(Value::Int(graph(ctx, args)?.node_count() as i64))
    });
    r.register("Graph::edge_count", |ctx, args| {
        Ok(Value::Int(graph(ctx, args)?.edge_count() as i64))
    });
    r.register("Graph::nodes", |ctx, args| {
        let n = graph(ctx, args)?.node_count();
        work(ctx, n, n, 0)?;
        Ok(ints(ctx, 0..n))
    });
    r.register("Graph::neighbors", |ctx, args| {
        let e = graph(ctx, args)?.edge_count();
        work(ctx, e, e, 0)?;
        let g = graph(ctx, args)?;
        let n = node(g, args, 1)?;
        // petgraph lists the newest edge first; report them in the order added.
        let mut ids: Vec<usize> = g.neighbors(n).map(|m| m.index()).collect();
        ids.reverse();
        Ok(ints(ctx, ids))
    });
    r.register("Graph::edges_from", |ctx, args| {
        let e = graph(ctx, args)?.edge_count();
        work(ctx, e, e, e)?;
        let g = graph(ctx, args)?;
        let n = node(g, args, 1)?;
        let mut es: Vec<(Value, Value)> = g
            .edges(n)
            .map(|e| (Value::Int(e.target().index() as i64), *e.weight()))
            .collect();
        es.reverse();
        pairs(ctx, es)
    });
    r.register("Graph::bfs", |ctx, args| {
        let g = graph(ctx, args)?;
        let (v, e) = (g.node_count(), g.edge_count());
        // O(V + E), with the algorithm's own tables of a few words per node.
        work(ctx, 4 * (v + e), 4 * v + e, 0)?;
        let g = graph(ctx, args)?;
        let start = node(g, args, 1)?;
        let order = walk(g, start, false);
        Ok(ints(ctx, order))
    });
    r.register("Graph::dfs", |ctx, args| {
        let g = graph(ctx, args)?;
        let (v, e) = (g.node_count(), g.edge_count());
        // O(V + E), with the algorithm's own tables of a few words per node.
        work(ctx, 4 * (v + e), 4 * v + e, 0)?;
        let g = graph(ctx, args)?;
        let start = node(g, args, 1)?;
        let order = walk(g, start, true);
        Ok(ints(ctx, order))
    });
    r.register("Graph::topo_sort", |ctx, args| {
        let g = graph(ctx, args)?;
        let (v, e) = (g.node_count(), g.edge_count());
        // O(V + E), with the algorithm's own tables of a few words per node.
        work(ctx, 4 * (v + e), 4 * v + e, 0)?;
        let g = graph(ctx, args)?;
        let order = petgraph::algo::toposort(g, None)
            .ok()
            .map(|o| o.into_iter().map(|n| n.index()).collect::<Vec<_>>());
        let v = order.map(|o| ints(ctx, o));
        option(ctx, v)
    });
    r.register("Graph::scc", |ctx, args| {
        let g = graph(ctx, args)?;
        let (v, e) = (g.node_count(), g.edge_count());
        // O(V + E), with the algorithm's own tables of a few words per node.
        work(ctx, 4 * (v + e), 4 * v + e, 0)?;
        let g = graph(ctx, args)?;
        // Kosaraju's algorithm: petgraph's is iterative, its Tarjan's
        // recursive (a long path would overflow the host stack).
        let mut comps: Vec<Vec<usize>> = petgraph::algo::kosaraju_scc(g)
            .into_iter()
            .map(|c| {
                let mut ids: Vec<usize> = c.into_iter().map(|n| n.index()).collect();
                ids.sort();
                ids
            })
            .collect();
        comps.sort();
        let items = comps.into_iter().map(|c| ints(ctx, c)).collect();
        Ok(ctx.new_array(items))
    });
}

/// Breadth-first (or depth-first) order of the nodes reachable from
/// `start`, visiting neighbours in the order their edges were added.
fn walk(g: &Graph, start: NodeIndex, depth_first: bool) -> Vec<usize> {
    let mut seen = vec![false; g.node_count()];
    let mut order = Vec::new();
    let mut pending = std::collections::VecDeque::from([start]);
    while let Some(n) = if depth_first {
        pending.pop_back()
    } else {
        pending.pop_front()
    } {
        if seen[n.index()] {
            continue;
        }
        seen[n.index()] = true;
        order.push(n.index());
        let mut next: Vec<NodeIndex> = g.neighbors(n).collect();
        // petgraph yields the newest edge first.
        if !depth_first {
            next.reverse();
        }
        for m in next {
            if !seen[m.index()] {
                pending.push_back(m);
            }
        }
    }
    order
}
