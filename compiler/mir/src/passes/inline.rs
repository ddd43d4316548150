//! Inlining: a call of a small function whose body the producer hands over
//! is replaced by a copy of that body, so the call's frame, its argument
//! moves and its return go.
//!
//! Which callees may be inlined is the producer's decision (it knows the
//! program's call graph and says which functions are in no recursive
//! cycle: see [`crate::analysis::CallGraph::is_recursive`]); this pass
//! takes any body it is given that is small: at most [`MAX_SIZE`]
//! statements and blocks together. It inlines one level: the copied body's
//! own calls stay calls, so the result is bounded whatever it is given, and
//! at most [`MAX_INLINED`] calls a body.
//!
//! Stack traces stay truthful: the copied statements and terminators carry
//! a new [`InlineScope`] (the callee's name and file, the line of the call,
//! and the call's own scope as its parent), which code generation turns into
//! the function's inline-frame table, so a runtime error inside the copy,
//! and `reflect::call_stack()` there, show the callee's frame at the
//! callee's line and the caller's at the line of the call. The copy keeps
//! the callee's lines as the callee's own body counts them: the scope
//! names the callee ([`InlineScope::callee`], a [`FuncRef`] of the caller),
//! so the producer, which counts each function's lines from its own first
//! line, knows where the lines of each scope count from, and a callee that
//! only moves in its file leaves its callers' MIR as it was.
//!
//! The copy assigns the arguments to fresh copies of the callee's
//! parameters at the call's line, runs the callee's blocks, and each
//! `return v` becomes `dest = v` and a jump to the rest of the caller's
//! block. Only calls whose argument types and result type are those the
//! callee declares are inlined (a generic callee called at a more precise
//! type keeps its call, so no value changes type).

use crate::*;

/// The largest callee inlined: statements plus blocks.
pub const MAX_SIZE: usize = 16;

/// At most this many calls are inlined into one body.
pub const MAX_INLINED: usize = 32;

/// A function this pass may inline: its body (its lines as it counts
/// them) and the index of its source file.
pub struct Inlinable<'a> {
    pub body: &'a Body,
    pub file: u32,
}

/// Whether `body` is small enough to inline.
pub fn is_small(body: &Body) -> bool {
    body.blocks.len() + body.blocks.iter().map(|b| b.stmts.len()).sum::<usize>() <= MAX_SIZE
}

/// Inlines into `body` the calls `Callee::Fn(f)` for which `callee(f)`
/// gives a small body. `import(f, g)` is the caller's [`FuncRef`] for the
/// function the callee's body `f` names as `g` (the producer adds it to
/// the caller's table when missing). Says whether it changed anything.
pub fn run<'a>(
    body: &mut Body,
    callee: &dyn Fn(FuncRef) -> Option<Inlinable<'a>>,
    import: &mut dyn FnMut(FuncRef, FuncRef) -> FuncRef,
) -> bool {
    let mut inlined = 0;
    // The caller's blocks, and the continuations made: never the copies.
    let mut work: Vec<BlockId> = (0..body.blocks.len() as u32).map(BlockId).collect();
    while let Some(b) = work.pop() {
        if inlined >= MAX_INLINED {
            break;
        }
        let found = body.block(b).stmts.iter().enumerate().find_map(|(k, s)| {
            let (dest, f, args) = match &s.kind {
                StmtKind::Assign(d, Rvalue::Call(Callee::Fn(f), args)) => (Some(*d), *f, args),
                StmtKind::Effect(Effect::Eval(Rvalue::Call(Callee::Fn(f), args))) => {
                    (None, *f, args)
                }
                _ => return None,
            };
            let c = callee(f)?;
            fits(body, c.body, dest, args).then_some((k, f, c))
        });
        let Some((k, f, c)) = found else { continue };
        let cont = inline_at(body, b, k, f, &c, import);
        inlined += 1;
        work.push(cont);
        work.push(b);
    }
    inlined > 0
}

/// Whether the call `dest = f(args)` of `callee` can be inlined: a small
/// body, the arity and the types agree.
fn fits(body: &Body, callee: &Body, dest: Option<Value>, args: &[Operand]) -> bool {
    if !is_small(callee) || callee.params as usize != args.len() {
        return false;
    }
    let args_fit = args
        .iter()
        .enumerate()
        .all(|(i, a)| body.operand_ty(a) == callee.ty(Value(i as u32)));
    let result_fits = dest.is_none_or(|d| {
        callee.blocks.iter().all(|blk| match &blk.term {
            Terminator::Return(o) => callee.operand_ty(o) == body.ty(d),
            _ => true,
        })
    });
    args_fit && result_fits
}

/// Inlines the call that is statement `k` of block `b`; returns the block
/// holding what followed the call.
fn inline_at(
    body: &mut Body,
    b: BlockId,
    k: usize,
    f: FuncRef,
    c: &Inlinable<'_>,
    import: &mut dyn FnMut(FuncRef, FuncRef) -> FuncRef,
) -> BlockId {
    let callee = c.body;
    let call = body.block_mut(b).stmts.remove(k);
    let (dest, args) = match call.kind {
        StmtKind::Assign(d, Rvalue::Call(_, args)) => (Some(d), args),
        StmtKind::Effect(Effect::Eval(Rvalue::Call(_, args))) => (None, args),
        _ => (None, Vec::new()),
    };
    // The rest of the caller's block.
    let cont = body.new_block();
    let rest = body.block_mut(b).stmts.split_off(k);
    let (term, line, scope) = {
        let blk = body.block(b);
        (blk.term.clone(), blk.line, blk.scope)
    };
    *body.block_mut(cont) = Block {
        stmts: rest,
        term,
        line,
        scope,
    };
    // The scopes: the call's first, then the callee's own inside it.
    let here = ScopeId(body.scopes.len() as u32);
    body.scopes.push(InlineScope {
        function: callee.name.clone(),
        file: c.file,
        callee: f,
        call_line: call.line,
        parent: call.scope,
    });
    let scope_base = body.scopes.len() as u32;
    let mut n_funcs = body.n_funcs;
    for s in &callee.scopes {
        let mine = import(f, s.callee);
        n_funcs = n_funcs.max(mine.0 + 1);
        body.scopes.push(InlineScope {
            parent: Some(s.parent.map_or(here, |p| ScopeId(scope_base + p.0))),
            callee: mine,
            ..s.clone()
        });
    }
    let map_scope = |s: Option<ScopeId>| Some(s.map_or(here, |s| ScopeId(scope_base + s.0)));
    // The callee's values and blocks, renumbered.
    let value_base = body.values.len() as u32;
    body.values.extend(callee.values.iter().cloned());
    let block_base = body.blocks.len() as u32;
    let map_value = |v: Value| Value(value_base + v.0);
    let map_op = |o: &mut Operand| {
        if let Operand::Value(v) = o {
            *v = map_value(*v);
        }
    };
    let mut rename = |g: FuncRef| {
        let mine = import(f, g);
        n_funcs = n_funcs.max(mine.0 + 1);
        mine
    };
    for blk in &callee.blocks {
        let mut stmts = Vec::with_capacity(blk.stmts.len() + 1);
        for s in &blk.stmts {
            let mut s = s.clone();
            s.for_each_operand_mut(map_op);
            match &mut s.kind {
                StmtKind::Assign(d, rv) => {
                    *d = map_value(*d);
                    rename_funcs(rv, &mut rename);
                }
                StmtKind::Effect(Effect::Eval(rv)) => rename_funcs(rv, &mut rename),
                StmtKind::Effect(_) => {}
            }
            s.scope = map_scope(s.scope);
            stmts.push(s);
        }
        let scope = map_scope(blk.scope);
        let term = match &blk.term {
            Terminator::Goto(t) => Terminator::Goto(BlockId(block_base + t.0)),
            Terminator::Branch { cond, then, els } => {
                let mut cond = cond.clone();
                map_op(&mut cond);
                Terminator::Branch {
                    cond,
                    then: BlockId(block_base + then.0),
                    els: BlockId(block_base + els.0),
                }
            }
            Terminator::Return(o) => {
                if let Some(d) = dest {
                    let mut o = o.clone();
                    map_op(&mut o);
                    stmts.push(Stmt {
                        kind: StmtKind::Assign(d, Rvalue::Use(o)),
                        line: blk.line,
                        scope,
                    });
                }
                Terminator::Goto(cont)
            }
            Terminator::Unreachable => Terminator::Unreachable,
        };
        body.blocks.push(Block {
            stmts,
            term,
            line: blk.line,
            scope,
        });
    }
    body.n_funcs = n_funcs;
    // The call: the arguments into the parameters, then the copied entry.
    let caller = body.block_mut(b);
    for (i, a) in args.into_iter().enumerate() {
        caller.stmts.push(Stmt {
            kind: StmtKind::Assign(Value(value_base + i as u32), Rvalue::Use(a)),
            line: call.line,
            scope: call.scope,
        });
    }
    caller.term = Terminator::Goto(BlockId(block_base));
    caller.line = call.line;
    caller.scope = call.scope;
    cont
}

/// Renames the functions an rvalue names.
fn rename_funcs(rv: &mut Rvalue, rename: &mut dyn FnMut(FuncRef) -> FuncRef) {
    match rv {
        Rvalue::Call(Callee::Fn(g), _)
        | Rvalue::FnRef(g)
        | Rvalue::Aggregate(Aggregate::Closure(g), _) => *g = rename(*g),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assign, int, val};

    /// `fn half(n: Int) -> Int { n / 2 }` at line 2, which calls nothing.
    fn half() -> Body {
        let mut b = Body::new("half");
        let n = b.new_value(MirTy::Int, Some("n".into()));
        b.params = 1;
        let r = b.new_value(MirTy::Int, None);
        let e = b.new_block();
        let mut s = assign(r, Rvalue::Binary(BinOp::Div, OpClass::Int, val(n), int(2)));
        s.line = 2;
        b.block_mut(e).stmts = vec![s];
        b.block_mut(e).term = Terminator::Return(val(r));
        b.block_mut(e).line = 1;
        b
    }

    /// `fn main() { let x = half(10); x + 1 }`, the call at line 7.
    fn main_calling_half() -> Body {
        let mut b = Body::new("main");
        let x = b.new_value(MirTy::Int, Some("x".into()));
        let y = b.new_value(MirTy::Int, None);
        let e = b.new_block();
        let mut call = assign(x, Rvalue::Call(Callee::Fn(FuncRef(0)), vec![int(10)]));
        call.line = 7;
        let mut add = assign(y, Rvalue::Binary(BinOp::Add, OpClass::Int, val(x), int(1)));
        add.line = 8;
        b.block_mut(e).stmts = vec![call, add];
        b.block_mut(e).term = Terminator::Return(val(y));
        b.block_mut(e).line = 6;
        b.n_funcs = 1;
        b
    }

    #[test]
    fn a_small_call_becomes_the_callee_body_in_a_scope_of_its_own() {
        let callee = half();
        let mut b = main_calling_half();
        let changed = run(
            &mut b,
            &|f| {
                (f == FuncRef(0)).then_some(Inlinable {
                    body: &callee,
                    file: 3,
                })
            },
            &mut |_, g| g,
        );
        assert!(changed);
        assert_eq!(crate::verify::verify(&b), Ok(()));
        assert_eq!(
            b.scopes,
            vec![InlineScope {
                function: "half".into(),
                file: 3,
                callee: FuncRef(0),
                call_line: 7,
                parent: None,
            }]
        );
        let calls = b
            .blocks
            .iter()
            .flat_map(|blk| &blk.stmts)
            .filter(|s| matches!(s.kind, StmtKind::Assign(_, Rvalue::Call(..))))
            .count();
        assert_eq!(calls, 0, "{}", crate::print::body(&b));
        // The division keeps the callee's line, in the callee's scope.
        let div = b
            .blocks
            .iter()
            .flat_map(|blk| &blk.stmts)
            .find(|s| matches!(s.kind, StmtKind::Assign(_, Rvalue::Binary(BinOp::Div, ..))))
            .expect("the division");
        assert_eq!((div.line, div.scope), (2, Some(ScopeId(0))));
        // What followed the call is still the caller's, at its line.
        let add = b
            .blocks
            .iter()
            .flat_map(|blk| &blk.stmts)
            .find(|s| matches!(s.kind, StmtKind::Assign(_, Rvalue::Binary(BinOp::Add, ..))))
            .expect("the addition");
        assert_eq!((add.line, add.scope), (8, None));
        // In the bytecode, the division shows `half` called at line 7.
        let f = crate::codegen::generate(&b, 0).expect("main").function;
        let div = f
            .code
            .iter()
            .position(|op| op.mnemonic().starts_with("div"))
            .expect("a division");
        assert_eq!(f.line_at(div), 2);
        let frames: Vec<(&str, u32, u32)> = f
            .inlined_at(div)
            .iter()
            .map(|fr| (fr.function.as_str(), fr.file, fr.call_line))
            .collect();
        assert_eq!(frames, vec![("half", 3, 7)]);
    }

    #[test]
    fn large_mistyped_or_unknown_callees_keep_their_calls() {
        let mut big = half();
        let r = Value(1);
        let mut s = assign(r, Rvalue::Binary(BinOp::Div, OpClass::Int, val(r), int(2)));
        s.line = 2;
        big.block_mut(BlockId(0)).stmts = vec![s; MAX_SIZE];
        let mut any = half();
        any.values[0].ty = MirTy::Any;
        for callee in [&big, &any] {
            let mut b = main_calling_half();
            let before = b.clone();
            let changed = run(
                &mut b,
                &|_| {
                    Some(Inlinable {
                        body: callee,
                        file: 0,
                    })
                },
                &mut |_, g| g,
            );
            assert!(!changed);
            assert_eq!(b, before);
        }
        let mut b = main_calling_half();
        assert!(!run(&mut b, &|_| None, &mut |_, g| g));
    }

    /// A callee that itself had a call inlined: its scope nests inside the
    /// new one, and the functions it names are the caller's by `import`.
    #[test]
    fn nested_scopes_and_callee_functions_are_renumbered() {
        let mut callee = half();
        callee.scopes.push(InlineScope {
            function: "quarter".into(),
            file: 1,
            callee: FuncRef(1),
            call_line: 2,
            parent: None,
        });
        callee.block_mut(BlockId(0)).stmts[0].scope = Some(ScopeId(0));
        let t = callee.new_value(MirTy::Any, None);
        let mut fref = assign(t, Rvalue::FnRef(FuncRef(0)));
        fref.line = 2;
        callee.block_mut(BlockId(0)).stmts.push(fref);
        let mut b = main_calling_half();
        run(
            &mut b,
            &|_| {
                Some(Inlinable {
                    body: &callee,
                    file: 0,
                })
            },
            &mut |f, g| {
                assert_eq!(f, FuncRef(0));
                FuncRef(5 + g.0)
            },
        );
        assert_eq!(crate::verify::verify(&b), Ok(()));
        assert_eq!(b.n_funcs, 7);
        assert_eq!(b.scopes[1].parent, Some(ScopeId(0)));
        // The nested scope names `quarter` as the caller knows it.
        assert_eq!(
            (b.scopes[0].callee, b.scopes[1].callee),
            (FuncRef(0), FuncRef(6))
        );
        let stmts: Vec<&Stmt> = b.blocks.iter().flat_map(|blk| &blk.stmts).collect();
        assert!(stmts
            .iter()
            .any(|s| matches!(s.kind, StmtKind::Assign(_, Rvalue::FnRef(FuncRef(5))))));
        assert!(stmts.iter().any(|s| s.scope == Some(ScopeId(1))));
    }
}
