//! The text form of a body, for `--emit=mir` and snapshot tests: one line
//! per statement, `bN:` before each block, values as `%N` (with a local's
//! name: `%N.name`), the source line of each statement at the end.

use crate::*;
use std::fmt::Write;

/// The whole body as text.
pub fn body(b: &Body) -> String {
    let mut out = String::new();
    let params: Vec<String> = (0..b.params).map(|p| value_decl(b, Value(p))).collect();
    let _ = writeln!(out, "fn {}({}) {{", b.name, params.join(", "));
    for (i, info) in b.values.iter().enumerate().skip(b.params as usize) {
        let _ = writeln!(
            out,
            "    let {}: {}",
            value(b, Value(i as u32)),
            ty_name(info.ty)
        );
    }
    for (i, s) in b.scopes.iter().enumerate() {
        let parent = s.parent.map_or(String::new(), |p| format!(" in s{}", p.0));
        let _ = writeln!(
            out,
            "    scope s{i}: inlined {} = fn{} (file {}) called @{}{parent}",
            s.function, s.callee.0, s.file, s.call_line
        );
    }
    let at = |line: u32, scope: Option<ScopeId>| match scope {
        Some(s) => format!("@{line} in s{}", s.0),
        None => format!("@{line}"),
    };
    for (i, block) in b.blocks.iter().enumerate() {
        let _ = writeln!(out, "  b{i}:");
        for s in &block.stmts {
            let _ = writeln!(out, "    {}  {}", stmt(b, s), at(s.line, s.scope));
        }
        let term = terminator(b, &block.term);
        let _ = writeln!(out, "    {term}  {}", at(block.line, block.scope));
    }
    out.push_str("}\n");
    out
}

fn value_decl(b: &Body, v: Value) -> String {
    format!("{}: {}", value(b, v), ty_name(b.ty(v)))
}

pub fn ty_name(t: MirTy) -> &'static str {
    match t {
        MirTy::Int => "Int",
        MirTy::Float => "Float",
        MirTy::Bool => "Bool",
        MirTy::Str => "String",
        MirTy::Unit => "()",
        MirTy::Cell => "cell",
        MirTy::Any => "any",
    }
}

pub fn value(b: &Body, v: Value) -> String {
    match b.values.get(v.0 as usize).and_then(|i| i.name.as_deref()) {
        Some(name) => format!("%{}.{name}", v.0),
        None => format!("%{}", v.0),
    }
}

pub fn operand(b: &Body, o: &Operand) -> String {
    match o {
        Operand::Value(v) => value(b, *v),
        Operand::Const(c) => match c {
            Const::Int(n) => n.to_string(),
            Const::Float(x) => format!("{x:?}"),
            Const::Bool(x) => x.to_string(),
            Const::Str(s) => format!("{s:?}"),
            Const::Unit => "()".to_string(),
        },
    }
}

fn list(b: &Body, xs: &[Operand]) -> String {
    xs.iter()
        .map(|o| operand(b, o))
        .collect::<Vec<_>>()
        .join(", ")
}

fn class(c: OpClass) -> &'static str {
    match c {
        OpClass::Int => "int",
        OpClass::Float => "float",
        OpClass::Str => "str",
        OpClass::Other => "other",
        OpClass::Generic => "generic",
    }
}

pub fn rvalue(b: &Body, rv: &Rvalue) -> String {
    match rv {
        Rvalue::Use(o) => operand(b, o),
        Rvalue::Binary(op, c, x, y) => format!(
            "{}.{} {}, {}",
            format!("{op:?}").to_lowercase(),
            class(*c),
            operand(b, x),
            operand(b, y)
        ),
        Rvalue::Unary(op, c, x) => format!(
            "{}.{} {}",
            format!("{op:?}").to_lowercase(),
            class(*c),
            operand(b, x)
        ),
        Rvalue::ToStr(x) => format!("tostr {}", operand(b, x)),
        Rvalue::Call(callee, args) => {
            let f = match callee {
                Callee::Fn(f) => format!("fn{}", f.0),
                Callee::Native(n) => format!("native{n}"),
                Callee::Value(v) => operand(b, v),
            };
            format!("call {f}({})", list(b, args))
        }
        Rvalue::Intrinsic(Intrinsic::CallStack(n), _) => format!("call_stack(native{n})"),
        Rvalue::Intrinsic(i, args) => format!("{}({})", i.name(), list(b, args)),
        Rvalue::Aggregate(a, xs) => {
            let head = match a {
                Aggregate::Tuple => "tuple".to_string(),
                Aggregate::Array => "array".to_string(),
                Aggregate::Struct(t) => format!("struct{t}"),
                Aggregate::Variant(t, v) => format!("variant{t}.{v}"),
                Aggregate::Closure(f) => format!("closure fn{}", f.0),
            };
            format!("{head}[{}]", list(b, xs))
        }
        Rvalue::Field(x, i) => format!("{}.{i}", operand(b, x)),
        Rvalue::WithField(x, i, y) => {
            format!("{} with .{i} = {}", operand(b, x), operand(b, y))
        }
        Rvalue::UpdateField(x, i, y) => {
            format!("{} in place .{i} = {}", operand(b, x), operand(b, y))
        }
        Rvalue::Index(x, i) => format!("{}[{}]", operand(b, x), operand(b, i)),
        Rvalue::VariantIs(x, v) => format!("{} is variant {v}", operand(b, x)),
        Rvalue::FnRef(f) => format!("fn{}", f.0),
        Rvalue::NewCell(x) => format!("newcell {}", operand(b, x)),
        Rvalue::GetCell(x) => format!("getcell {}", operand(b, x)),
    }
}

pub fn stmt(b: &Body, s: &Stmt) -> String {
    match &s.kind {
        StmtKind::Assign(v, rv) => format!("{} = {}", value(b, *v), rvalue(b, rv)),
        StmtKind::Effect(e) => match e {
            Effect::SetIndex(a, i, x) => {
                format!("{}[{}] = {}", operand(b, a), operand(b, i), operand(b, x))
            }
            Effect::SetCell(c, x) => format!("setcell {}, {}", operand(b, c), operand(b, x)),
            Effect::Push(a, x) => format!("push {}, {}", operand(b, a), operand(b, x)),
            Effect::RandSeed(x) => format!("rand_seed {}", operand(b, x)),
            Effect::Eval(rv) => format!("eval {}", rvalue(b, rv)),
        },
    }
}

pub fn terminator(b: &Body, t: &Terminator) -> String {
    match t {
        Terminator::Goto(t) => format!("goto b{}", t.0),
        Terminator::Branch { cond, then, els } => {
            format!("branch {}, b{}, b{}", operand(b, cond), then.0, els.0)
        }
        Terminator::Return(v) => format!("return {}", operand(b, v)),
        Terminator::Unreachable => "unreachable".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn prints_the_counting_loop() {
        let text = super::body(&crate::testing::counting_loop());
        assert_eq!(
            text,
            "fn f(%0.n: Int) {
    let %1.total: Int
    let %2.i: Int
    let %3: Bool
    let %4: Int
  b0:
    %1.total = 0  @1
    %2.i = 0  @1
    goto b1  @0
  b1:
    %3 = lt.int %2.i, %0.n  @1
    branch %3, b2, b3  @0
  b2:
    %4 = rem.int %2.i, 7  @1
    %1.total = add.int %1.total, %4  @1
    %2.i = add.int %2.i, 1  @1
    goto b1  @0
  b3:
    return %1.total  @0
}
"
        );
    }
}
