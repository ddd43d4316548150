//! The methods of `Tree<K, V>` (a B-tree ordered by key: Ints, Floats,
//! Strings, or tuples of them) and `Graph<N, E>` (a directed graph on
//! petgraph; node ids are Ints from 0 in the order nodes were added). Calls
//! whose work or result grows with the tree or graph charge it first (see
//! `mvm_runtime::native`).

use crate::{arg, fail, int_arg, option};
use mvm_runtime::{
    Cost, NativeCtx, NativeError, NativeRegistry, Object, OrdKey, Value, OBJECT_BYTES,
};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::BTreeMap;

type R = Result<Value, NativeError>;

/// Visiting `n` elements (or nodes and edges) and making an array of `out`
/// values, `tuples` of them pairs: charged before the work (see
/// `mvm_runtime::native`).
fn work(ctx: &mut NativeCtx<'_>, n: usize, out: usize, tuples: usize) -> Result<(), NativeError> {
    let v = std::mem::size_of::<Value>() as u64;
    ctx.charge(Cost {
        steps: n as u64 + Cost::objects(tuples as u64).steps,
        bytes: 0,
        memory: OBJECT_BYTES as u64
            + out as u64 * v
            + tuples as u64 * (OBJECT_BYTES as u64 + 2 * v),
    })
}

type TreeMap = BTreeMap<OrdKey, (Value, Value)>;

fn tree<'a>(ctx: &'a mut NativeCtx<'_>, args: &[Value]) -> Result<&'a mut TreeMap, NativeError> {
    match arg(args, 0)? {
        Value::Obj(r) => match ctx.heap.get_mut(r) {
            Some(Object::Tree(t)) => Ok(&mut **t),
            _ => fail("expected a tree"),
        },
        v => fail(format!("expected a tree, found {}", v.kind())),
    }
}

fn key(ctx: &NativeCtx<'_>, v: Value) -> Result<OrdKey, NativeError> {
    ctx.heap.ord_key(v).ok_or_else(|| {
        NativeError::Error("a Tree key must be an Int, a Float, a String or a tuple of them".into())
    })
}

fn pair(ctx: &mut NativeCtx<'_>, kv: Option<(Value, Value)>) -> R {
    let v = kv.map(|(k, v)| ctx.heap.alloc(Object::Tuple(Box::new([k, v]))));
    option(ctx, v)
}

fn pairs(ctx: &mut NativeCtx<'_>, kvs: Vec<(Value, Value)>) -> R {
    let items = kvs
        .into_iter()
        .map(|(k, v)| ctx.heap.alloc(Object::Tuple(Box::new([k, v]))))
        .collect();
    Ok(ctx.heap.alloc(Object::Array(items)))
}

type Graph = DiGraph<Value, Value>;

fn graph<'a>(ctx: &'a mut NativeCtx<'_>, args: &[Value]) -> Result<&'a mut Graph, NativeError> {
    match arg(args, 0)? {
        Value::Obj(r) => match ctx.heap.get_mut(r) {
            Some(Object::Graph(g)) => Ok(&mut **g),
            _ => fail("expected a graph"),
        },
        v => fail(format!("expected a graph, found {}", v.kind())),
    }
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
    ctx.heap.alloc(Object::Array(items))
}

pub fn register(r: &mut NativeRegistry) {
    r.register("Tree::new", |ctx, _| {
        Ok(ctx.heap.alloc(Object::Tree(Box::default())))
    });
    r.register("Tree::insert", |ctx, args| {
        let (k, v) = (arg(args, 1)?, arg(args, 2)?);
        let ok = key(ctx, k)?;
        let old = tree(ctx, args)?.insert(ok, (k, v)).map(|(_, old)| old);
        if old.is_none() {
            ctx.heap.account(64);
        }
        option(ctx, old)
    });
    r.register("Tree::get", |ctx, args| {
        let ok = key(ctx, arg(args, 1)?)?;
        let v = tree(ctx, args)?.get(&ok).map(|(_, v)| *v);
        option(ctx, v)
    });
    r.register("Tree::remove", |ctx, args| {
        let ok = key(ctx, arg(args, 1)?)?;
        let v = tree(ctx, args)?.remove(&ok).map(|(_, v)| v);
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
        Ok(ctx.heap.alloc(Object::Array(ks)))
    });
    r.register("Tree::values", |ctx, args| {
        let n = tree(ctx, args)?.len();
        work(ctx, n, n, 0)?;
        let vs = tree(ctx, args)?.values().map(|(_, v)| *v).collect();
        Ok(ctx.heap.alloc(Object::Array(vs)))
    });
    r.register("Tree::entries", |ctx, args| {
        let n = tree(ctx, args)?.len();
        work(ctx, n, n, n)?;
        let kvs = tree(ctx, args)?.values().copied().collect();
        pairs(ctx, kvs)
    });

    r.register("Graph::new", |ctx, _| {
        Ok(ctx.heap.alloc(Object::Graph(Box::default())))
    });
    r.register("Graph::add_node", |ctx, args| {
        let v = arg(args, 1)?;
        let id = graph(ctx, args)?.add_node(v);
        ctx.heap.account(48);
        Ok(Value::Int(id.index() as i64))
    });
    r.register("Graph::add_edge", |ctx, args| {
        let w = arg(args, 3)?;
        let g = graph(ctx, args)?;
        let (a, b) = (node(g, args, 1)?, node(g, args, 2)?);
        g.add_edge(a, b, w);
        ctx.heap.account(48);
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
        let order = petgraph::algo::toposort(&*g, None)
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
        let mut comps: Vec<Vec<usize>> = petgraph::algo::kosaraju_scc(&*g)
            .into_iter()
            .map(|c| {
                let mut ids: Vec<usize> = c.into_iter().map(|n| n.index()).collect();
                ids.sort();
                ids
            })
            .collect();
        comps.sort();
        let items = comps.into_iter().map(|c| ints(ctx, c)).collect();
        Ok(ctx.heap.alloc(Object::Array(items)))
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
