//! The `gc` and `reflect` modules: the collector and the program's view of
//! its own values and call stack.

use crate::{arg, fail, stdlib_struct};
use mvm_bytecode::TypeKind;
use mvm_runtime::{Cost, NativeCtx, NativeError, NativeRegistry, Value, View};

type R = Result<Value, NativeError>;

/// Making `objects` objects holding `values` values and `text` bytes of
/// Strings in all: charged before they are made (see
/// `mvm_runtime::native`).
fn making(
    ctx: &mut NativeCtx<'_>,
    objects: usize,
    values: usize,
    text: usize,
) -> Result<(), NativeError> {
    let (objects, values, text) = (objects as u64, values as u64, text as u64);
    ctx.charge(
        Cost::objects(objects)
            .and(Cost::holding(objects, values, text))
            .and(Cost {
                steps: 0,
                bytes: text,
                memory: 0,
            }),
    )
}

pub fn register(r: &mut NativeRegistry) {
    r.register("gc::collect", |ctx, _| {
        ctx.request_collection();
        Ok(Value::Unit)
    });
    r.register("gc::stats", |ctx, _| {
        let s = ctx.gc_stats();
        let fields = ["collections", "live_bytes", "heap_bytes", "peak_bytes"];
        let Some(ty) = stdlib_struct(ctx, "GcStats", &fields) else {
            return fail("the `gc` module's `GcStats` type is missing from this module");
        };
        let as_int = |n: u64| Value::Int(n.min(i64::MAX as u64) as i64);
        let fields = vec![
            as_int(s.collections),
            as_int(s.live_bytes as u64),
            as_int(s.heap_bytes as u64),
            as_int(s.peak_bytes as u64),
        ];
        Ok(ctx.new_struct(ty, fields))
    });
    r.register("reflect::type_of", |ctx, args| {
        // The compiler replaces calls with the static type; this is what a
        // hand-written module gets: the runtime kind.
        let v = arg(args, 0)?;
        let name = runtime_type(ctx, v);
        Ok(ctx.new_str(&name))
    });
    r.register("reflect::fields", |ctx, args| {
        let names: Vec<String> = match ctx.view(arg(args, 0)?) {
            Some(View::Struct { ty, .. }) => {
                match ctx.module().types.get(ty as usize).map(|t| &t.kind) {
                    Some(TypeKind::Struct(fs)) => fs.clone(),
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        };
        let items = names.iter().map(|n| ctx.new_str(n)).collect();
        Ok(ctx.new_array(items))
    });
    r.register("reflect::to_dyn", |ctx, args| {
        to_dyn(ctx, arg(args, 0)?, 0, &mut Walk::default())
    });
    r.register("reflect::call_stack", |ctx, _| {
        let Some(ty) = stdlib_struct(ctx, "Frame", &["function", "file", "line"]) else {
            return fail("the `reflect` module's `Frame` type is missing from this module");
        };
        // Three objects a frame (the struct and two Strings), charged
        // before the names are even looked up.
        let n = ctx.call_depth();
        making(ctx, 3 * n + 1, 4 * n, 64 * n)?;
        let frames = ctx.call_stack();
        let text: usize = frames.iter().map(|f| f.function.len() + f.file.len()).sum();
        making(ctx, 0, 0, text)?;
        let mut items = Vec::with_capacity(frames.len());
        for f in frames {
            let function = ctx.new_str(&f.function);
            let file = ctx.new_str(&f.file);
            let fields = vec![function, file, Value::Int(f.line as i64)];
            items.push(ctx.new_struct(ty, fields));
        }
        Ok(ctx.new_array(items))
    });
    r.register("reflect::registers", |ctx, _| {
        let n = ctx.caller_registers().len();
        making(ctx, 1, n, 0)?;
        let regs: Vec<Value> = ctx.caller_registers().to_vec();
        let mut walk = Walk::default();
        let mut items = Vec::with_capacity(regs.len());
        for v in regs {
            items.push(to_dyn(ctx, v, 0, &mut walk)?);
        }
        Ok(ctx.new_array(items))
    });
    r.register("reflect::functions", |ctx, _| {
        let text: usize = ctx.module().functions.iter().map(|f| f.name.len()).sum();
        let n = ctx.module().functions.len();
        making(ctx, n + 1, n, text)?;
        let names: Vec<String> = ctx
            .module()
            .functions
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let items = names.iter().map(|n| ctx.new_str(n)).collect();
        Ok(ctx.new_array(items))
    });
}

/// The name of a value's kind as the runtime sees it.
fn runtime_type(ctx: &NativeCtx<'_>, v: Value) -> String {
    match v {
        Value::Unit => "()".into(),
        Value::Bool(_) => "Bool".into(),
        Value::Int(_) => "Int".into(),
        Value::Float(_) => "Float".into(),
        Value::Fn(_) => "fn".into(),
        Value::Obj(_) => match ctx.view(v) {
            Some(View::Str(_)) => "String".into(),
            Some(View::Array(_)) => "array".into(),
            Some(View::Tuple(_)) => "tuple".into(),
            Some(View::Struct { ty, .. } | View::Variant { ty, .. }) => ctx
                .module()
                .types
                .get(ty as usize)
                .map_or("?".into(), |t| t.name.clone()),
            Some(View::Map(_)) => "Map".into(),
            Some(View::Set(_)) => "Set".into(),
            Some(View::Tree(_)) => "Tree".into(),
            Some(View::Graph(_)) => "Graph".into(),
            Some(View::Closure { .. }) => "fn".into(),
            Some(View::Cell(_)) => "cell".into(),
            None => "?".into(),
        },
    }
}

/// The most `Dyn` values one call of `to_dyn` or `registers` builds: past
/// it, what is left is `Opaque("...")`, so that a value sharing its parts
/// many times over cannot make a native allocate without bound (the heap
/// limit is checked only between instructions).
const MAX_DYN_NODES: usize = 100_000;

/// The state of one description: the objects on the path from the value
/// described down (one met again is a cycle), and the nodes built so far.
#[derive(Default)]
struct Walk {
    path: std::collections::HashSet<mvm_runtime::ObjRef>,
    built: usize,
}

/// Builds the prelude's `Dyn` description of `v`: nested deeper than 200,
/// past [`MAX_DYN_NODES`], or inside itself, a part is `Opaque("...")` or
/// `Opaque("<cycle>")`. The recursion is at most 200 deep.
fn to_dyn(ctx: &mut NativeCtx<'_>, v: Value, depth: usize, walk: &mut Walk) -> R {
    let Value::Obj(r) = v else {
        return dyn_of(ctx, v, depth, walk);
    };
    if walk.path.contains(&r) {
        let s = ctx.new_str(mvm_runtime::display::CYCLE);
        return dyn_variant(ctx, "Opaque", vec![s]);
    }
    walk.path.insert(r);
    let d = dyn_of(ctx, v, depth, walk);
    walk.path.remove(&r);
    d
}

fn dyn_variant(ctx: &mut NativeCtx<'_>, variant: &str, fields: Vec<Value>) -> R {
    let Some((ty, index)) = ctx.variant("Dyn", variant) else {
        return fail("the prelude's `Dyn` type is missing from this module");
    };
    Ok(ctx.new_variant(ty, index, fields))
}

/// What describing an object needs of it, copied out of the heap (so that
/// describing its parts may make objects).
enum Shape {
    Str,
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Record(u32, Vec<Value>),
    Variant(u32, u32, Vec<Value>),
    Map(Vec<(Value, Value)>),
    Function(u32),
    Cell(Value),
    /// A Set, Tree or Graph: described by its kind only.
    Opaque,
}

fn shape(ctx: &NativeCtx<'_>, v: Value) -> Option<Shape> {
    Some(match ctx.view(v)? {
        View::Str(_) => Shape::Str,
        View::Array(xs) => Shape::List(xs.to_vec()),
        View::Tuple(xs) => Shape::Tuple(xs.to_vec()),
        View::Struct { ty, fields } => Shape::Record(ty, fields.to_vec()),
        View::Variant {
            ty,
            variant,
            fields,
        } => Shape::Variant(ty, variant, fields.to_vec()),
        View::Map(m) => Shape::Map(m.values().map(|e| (e.key, e.value)).collect()),
        View::Closure { func } => Shape::Function(func),
        View::Cell(inner) => Shape::Cell(inner),
        View::Set(_) | View::Tree(_) | View::Graph(_) => Shape::Opaque,
    })
}

fn dyn_of(ctx: &mut NativeCtx<'_>, v: Value, depth: usize, walk: &mut Walk) -> R {
    let make = dyn_variant;
    walk.built += 1;
    // A node is a few objects (its variant, a list or pair, a name).
    making(ctx, 4, 6, 16)?;
    if depth > 200 || walk.built > MAX_DYN_NODES {
        let s = ctx.new_str("...");
        return make(ctx, "Opaque", vec![s]);
    }
    let list = |ctx: &mut NativeCtx<'_>, xs: Vec<Value>, walk: &mut Walk| -> R {
        let mut items = Vec::with_capacity(xs.len());
        for x in xs {
            items.push(to_dyn(ctx, x, depth + 1, walk)?);
        }
        Ok(ctx.new_array(items))
    };
    match v {
        Value::Unit => make(ctx, "Unit", vec![]),
        Value::Bool(_) => make(ctx, "Bool", vec![v]),
        Value::Int(_) => make(ctx, "Int", vec![v]),
        Value::Float(_) => make(ctx, "Float", vec![v]),
        Value::Fn(f) => {
            let name = ctx
                .module()
                .functions
                .get(f as usize)
                .map_or("?".to_string(), |f| f.name.clone());
            let s = ctx.new_str(&name);
            make(ctx, "Function", vec![s])
        }
        Value::Obj(_) => {
            let Some(object) = shape(ctx, v) else {
                let s = ctx.new_str("?");
                return make(ctx, "Opaque", vec![s]);
            };
            match object {
                Shape::Str => make(ctx, "Str", vec![v]),
                Shape::List(xs) => {
                    let l = list(ctx, xs, walk)?;
                    make(ctx, "List", vec![l])
                }
                Shape::Tuple(xs) => {
                    let l = list(ctx, xs, walk)?;
                    make(ctx, "Tuple", vec![l])
                }
                Shape::Record(ty, fields) => {
                    let (name, names) = match ctx.module().types.get(ty as usize) {
                        Some(t) => match &t.kind {
                            TypeKind::Struct(fs) => (t.name.clone(), fs.clone()),
                            TypeKind::Enum(_) => (t.name.clone(), Vec::new()),
                        },
                        None => ("?".to_string(), Vec::new()),
                    };
                    let mut pairs = Vec::with_capacity(fields.len());
                    for (i, f) in fields.iter().enumerate() {
                        let n = ctx.new_str(names.get(i).map_or("?", |s| s.as_str()));
                        let d = to_dyn(ctx, *f, depth + 1, walk)?;
                        pairs.push(ctx.new_tuple(vec![n, d]));
                    }
                    let name = ctx.new_str(&name);
                    let arr = ctx.new_array(pairs);
                    make(ctx, "Record", vec![name, arr])
                }
                Shape::Variant(ty, variant, fields) => {
                    let (name, vname) = match ctx.module().types.get(ty as usize) {
                        Some(t) => match &t.kind {
                            TypeKind::Enum(vs) => (
                                t.name.clone(),
                                vs.get(variant as usize).map_or("?".into(), |v| v.0.clone()),
                            ),
                            TypeKind::Struct(_) => (t.name.clone(), "?".into()),
                        },
                        None => ("?".into(), "?".into()),
                    };
                    let payload = list(ctx, fields, walk)?;
                    let (name, vname) = (ctx.new_str(&name), ctx.new_str(&vname));
                    make(ctx, "Variant", vec![name, vname, payload])
                }
                Shape::Map(entries) => {
                    let mut pairs = Vec::with_capacity(entries.len());
                    for (k, val) in entries {
                        let dk = to_dyn(ctx, k, depth + 1, walk)?;
                        let dv = to_dyn(ctx, val, depth + 1, walk)?;
                        pairs.push(ctx.new_tuple(vec![dk, dv]));
                    }
                    let arr = ctx.new_array(pairs);
                    make(ctx, "Map", vec![arr])
                }
                Shape::Function(func) => {
                    let name = ctx
                        .module()
                        .functions
                        .get(func as usize)
                        .map_or("?".to_string(), |f| f.name.clone());
                    let s = ctx.new_str(&name);
                    make(ctx, "Function", vec![s])
                }
                Shape::Cell(inner) => to_dyn(ctx, inner, depth + 1, walk),
                Shape::Opaque => {
                    let name = runtime_type(ctx, v);
                    let s = ctx.new_str(&name);
                    make(ctx, "Opaque", vec![s])
                }
            }
        }
    }
}
