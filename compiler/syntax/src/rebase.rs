//! Moving a tree's spans: [`rebase_item`] makes every span of an item
//! relative to the item's start, so that an item's tree does not change when
//! text before it does. The compiler's per-item queries hold items this way
//! and add the item's offset back only where a position is shown.

use crate::ast::*;

/// Subtracts `origin` from every span inside `item` (saturating at 0).
pub fn rebase_item(item: &mut Item, origin: u32) {
    let mut m = Mover { origin };
    m.item(item);
}

struct Mover {
    origin: u32,
}

impl Mover {
    fn span(&self, s: &mut Span) {
        s.start = s.start.saturating_sub(self.origin);
        s.end = s.end.saturating_sub(self.origin);
    }

    fn ident(&self, i: &mut Ident) {
        self.span(&mut i.span);
    }

    fn item(&mut self, item: &mut Item) {
        match item {
            Item::Fn(f) => self.func(f),
            Item::Struct(s) => {
                self.ident(&mut s.name);
                s.type_params.iter_mut().for_each(|p| self.ident(p));
                for f in &mut s.fields {
                    self.ident(&mut f.name);
                    self.ty(&mut f.ty);
                    self.span(&mut f.span);
                }
                self.span(&mut s.span);
            }
            Item::Enum(e) => {
                self.ident(&mut e.name);
                e.type_params.iter_mut().for_each(|p| self.ident(p));
                for v in &mut e.variants {
                    self.ident(&mut v.name);
                    v.fields.iter_mut().for_each(|t| self.ty(t));
                    self.span(&mut v.span);
                }
                self.span(&mut e.span);
            }
            Item::Impl(i) => {
                i.type_params.iter_mut().for_each(|p| self.ident(p));
                self.ty(&mut i.target);
                i.methods.iter_mut().for_each(|m| self.func(m));
                self.span(&mut i.span);
            }
            Item::Import(i) => {
                self.ident(&mut i.module);
                self.span(&mut i.span);
            }
            Item::Const(c) => {
                self.ident(&mut c.name);
                if let Some(t) = &mut c.ty {
                    self.ty(t);
                }
                self.expr(&mut c.value);
                self.span(&mut c.span);
            }
            Item::Test(t) => {
                self.span(&mut t.name_span);
                self.block(&mut t.body);
                self.span(&mut t.span);
            }
            Item::Error(e) => {
                e.names.iter_mut().for_each(|n| self.ident(n));
                self.span(&mut e.span);
            }
        }
    }

    fn func(&mut self, f: &mut FnDecl) {
        self.ident(&mut f.name);
        f.type_params.iter_mut().for_each(|p| self.ident(p));
        f.params.iter_mut().for_each(|p| self.param(p));
        if let Some(t) = &mut f.ret {
            self.ty(t);
        }
        if let Some(b) = &mut f.body {
            self.block(b);
        }
        self.span(&mut f.span);
    }

    fn param(&mut self, p: &mut Param) {
        self.ident(&mut p.name);
        if let Some(t) = &mut p.ty {
            self.ty(t);
        }
        if let Some(q) = &mut p.pattern {
            self.pattern(q);
        }
        self.span(&mut p.span);
    }

    fn ty(&mut self, t: &mut TypeExpr) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match t {
            TypeExpr::Named { path, args, span } => {
                path.iter_mut().for_each(|p| self.ident(p));
                args.iter_mut().for_each(|a| self.ty(a));
                self.span(span);
            }
            TypeExpr::Tuple(items, span) => {
                items.iter_mut().for_each(|a| self.ty(a));
                self.span(span);
            }
            TypeExpr::Array(inner, span) => {
                self.ty(inner);
                self.span(span);
            }
            TypeExpr::Fn { params, ret, span } => {
                params.iter_mut().for_each(|a| self.ty(a));
                if let Some(r) = ret {
                    self.ty(r);
                }
                self.span(span);
            }
        })
    }

    fn block(&mut self, b: &mut Block) {
        for s in &mut b.stmts {
            match s {
                Stmt::Let {
                    pattern,
                    ty,
                    value,
                    span,
                    ..
                } => {
                    self.pattern(pattern);
                    if let Some(t) = ty {
                        self.ty(t);
                    }
                    self.expr(value);
                    self.span(span);
                }
                Stmt::LetElse {
                    pattern,
                    ty,
                    value,
                    els,
                    span,
                    ..
                } => {
                    self.pattern(pattern);
                    if let Some(t) = ty {
                        self.ty(t);
                    }
                    self.expr(value);
                    self.block(els);
                    self.span(span);
                }
                Stmt::Expr(e) => self.expr(e),
                Stmt::Item(i) => self.item(i),
                Stmt::Error(span) => self.span(span),
            }
        }
        if let Some(t) = &mut b.tail {
            self.expr(t);
        }
        self.span(&mut b.span);
    }

    fn pattern(&mut self, p: &mut Pattern) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            match &mut p.kind {
                PatternKind::Wildcard | PatternKind::Lit(_) | PatternKind::Range(..) => {}
                PatternKind::Binding(i) => self.ident(i),
                PatternKind::Tuple(ps) | PatternKind::Or(ps) => {
                    ps.iter_mut().for_each(|q| self.pattern(q))
                }
                PatternKind::Variant(path, ps, _) => {
                    path.iter_mut().for_each(|i| self.ident(i));
                    ps.iter_mut().for_each(|q| self.pattern(q));
                }
                PatternKind::Struct(path, fields, _) => {
                    path.iter_mut().for_each(|i| self.ident(i));
                    for f in fields {
                        self.ident(&mut f.name);
                        if let Some(q) = &mut f.pattern {
                            self.pattern(q);
                        }
                        self.span(&mut f.span);
                    }
                }
            }
            self.span(&mut p.span);
        })
    }

    fn expr(&mut self, e: &mut Expr) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expr_here(e))
    }

    fn expr_here(&mut self, e: &mut Expr) {
        use ExprKind as E;
        match &mut e.kind {
            E::Lit(_) | E::Continue | E::Error | E::Break(None) | E::Return(None) => {}
            E::Interp(parts) => {
                for part in parts {
                    if let InterpPart::Expr(x) = part {
                        self.expr(x);
                    }
                }
            }
            E::Path(path) => path.iter_mut().for_each(|i| self.ident(i)),
            E::Unary(_, x)
            | E::Try(x)
            | E::Break(Some(x))
            | E::Return(Some(x))
            | E::Format(x, _, _) => self.expr(x),
            E::Binary(_, a, b) | E::Assign(a, b) | E::CompoundAssign(_, a, b) | E::Index(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            E::Range { start, end, .. } => {
                self.expr(start);
                self.expr(end);
            }
            E::Call(callee, args) => {
                self.expr(callee);
                args.iter_mut().for_each(|a| self.expr(a));
            }
            E::MethodCall(recv, name, args) => {
                self.expr(recv);
                self.ident(name);
                args.iter_mut().for_each(|a| self.expr(a));
            }
            E::Field(x, name) => {
                self.expr(x);
                self.ident(name);
            }
            E::TupleField(x, _, span) => {
                self.expr(x);
                self.span(span);
            }
            E::If(c, then, els) => {
                self.expr(c);
                self.block(then);
                if let Some(x) = els {
                    self.expr(x);
                }
            }
            E::IfLet(p, v, then, els) => {
                self.pattern(p);
                self.expr(v);
                self.block(then);
                if let Some(x) = els {
                    self.expr(x);
                }
            }
            E::While(c, body) => {
                self.expr(c);
                self.block(body);
            }
            E::WhileLet(p, v, body) => {
                self.pattern(p);
                self.expr(v);
                self.block(body);
            }
            E::Loop(body) | E::Block(body) => self.block(body),
            E::For(p, it, body) => {
                self.pattern(p);
                self.expr(it);
                self.block(body);
            }
            E::Match(x, arms) => {
                self.expr(x);
                for arm in arms {
                    self.pattern(&mut arm.pattern);
                    if let Some(g) = &mut arm.guard {
                        self.expr(g);
                    }
                    self.expr(&mut arm.body);
                    self.span(&mut arm.span);
                }
            }
            E::Closure(params, body) => {
                params.iter_mut().for_each(|p| self.param(p));
                self.expr(body);
            }
            E::Tuple(xs) | E::Array(xs) => xs.iter_mut().for_each(|x| self.expr(x)),
            E::StructLit(path, fields, base) => {
                path.iter_mut().for_each(|i| self.ident(i));
                for f in fields {
                    self.ident(&mut f.name);
                    self.expr(&mut f.value);
                    self.span(&mut f.span);
                }
                if let Some(b) = base {
                    self.expr(b);
                }
            }
        }
        self.span(&mut e.span);
    }
}

/// What the program's declarations read of an item's [`header`]: the
/// header without the types of a function that has a body (its parameters'
/// and return types; a method's too). Declaring names, types and methods
/// needs a function's name, its parameters' names (`self`, and whether
/// `main` has any) and whether it has a body, never its types, which only
/// its own scheme reads; so editing a signature leaves the declarations
/// unchanged. (A parameter's span shrinks to its name's.) A `native fn` keeps its types: its scheme is declared here.
pub fn summary(header: &Item) -> Item {
    fn func(f: &FnDecl) -> FnDecl {
        if f.body.is_none() {
            return f.clone();
        }
        // Field by field: cloning the whole declaration would copy the
        // types only to drop them.
        FnDecl {
            name: f.name.clone(),
            type_params: f.type_params.clone(),
            params: f
                .params
                .iter()
                .map(|p| Param {
                    name: p.name.clone(),
                    ty: None,
                    pattern: p.pattern.clone(),
                    // The parameter's span covers its type.
                    span: p.name.span,
                })
                .collect(),
            ret: None,
            body: f.body.clone(),
            span: f.span,
        }
    }
    match header {
        Item::Fn(f) => Item::Fn(func(f)),
        // Not `..i.clone()`, which would copy every method only to drop it.
        Item::Impl(i) => Item::Impl(ImplDecl {
            type_params: i.type_params.clone(),
            target: i.target.clone(),
            methods: i.methods.iter().map(func).collect(),
            span: i.span,
        }),
        other => other.clone(),
    }
}

/// A copy of `item` without its bodies: every function body emptied (a
/// `native fn` keeps having none) and a constant's value replaced by an
/// error expression, with nothing that tells a body's length (a function's
/// span ends with its name). What declarations are read from, so that
/// editing a body leaves them unchanged.
pub fn header(item: &Item) -> Item {
    fn func(f: &FnDecl) -> FnDecl {
        FnDecl {
            name: f.name.clone(),
            type_params: f.type_params.clone(),
            params: f.params.iter().map(param).collect(),
            ret: f.ret.as_ref().map(ty),
            body: f.body.as_ref().map(|_| Block {
                stmts: Vec::new(),
                tail: None,
                span: Span::default(),
            }),
            span: Span {
                start: f.span.start,
                end: f.name.span.end,
            },
        }
    }
    fn param(p: &Param) -> Param {
        Param {
            name: p.name.clone(),
            ty: p.ty.as_ref().map(ty),
            pattern: p.pattern.clone(),
            span: p.span,
        }
    }
    // Types may be nested deeply (the checker reports it): copy them
    // without overflowing the stack.
    fn ty(t: &TypeExpr) -> TypeExpr {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match t {
            TypeExpr::Named { path, args, span } => TypeExpr::Named {
                path: path.clone(),
                args: args.iter().map(ty).collect(),
                span: *span,
            },
            TypeExpr::Tuple(items, span) => TypeExpr::Tuple(items.iter().map(ty).collect(), *span),
            TypeExpr::Array(inner, span) => TypeExpr::Array(Box::new(ty(inner)), *span),
            TypeExpr::Fn { params, ret, span } => TypeExpr::Fn {
                params: params.iter().map(ty).collect(),
                ret: ret.as_ref().map(|r| Box::new(ty(r))),
                span: *span,
            },
        })
    }
    match item {
        Item::Fn(f) => Item::Fn(func(f)),
        Item::Struct(s) => Item::Struct(StructDecl {
            name: s.name.clone(),
            type_params: s.type_params.clone(),
            fields: s
                .fields
                .iter()
                .map(|f| FieldDecl {
                    name: f.name.clone(),
                    ty: ty(&f.ty),
                    span: f.span,
                })
                .collect(),
            span: s.span,
        }),
        Item::Enum(e) => Item::Enum(EnumDecl {
            name: e.name.clone(),
            type_params: e.type_params.clone(),
            variants: e
                .variants
                .iter()
                .map(|v| VariantDecl {
                    name: v.name.clone(),
                    fields: v.fields.iter().map(ty).collect(),
                    span: v.span,
                })
                .collect(),
            span: e.span,
        }),
        Item::Impl(i) => Item::Impl(ImplDecl {
            type_params: i.type_params.clone(),
            target: ty(&i.target),
            methods: i.methods.iter().map(func).collect(),
            span: Span {
                start: i.span.start,
                end: i.target.span().end,
            },
        }),
        Item::Import(i) => Item::Import(i.clone()),
        Item::Const(c) => Item::Const(ConstDecl {
            name: c.name.clone(),
            ty: c.ty.as_ref().map(ty),
            value: Expr {
                kind: ExprKind::Error,
                span: Span::default(),
            },
            span: Span {
                start: c.span.start,
                end: c.name.span.end,
            },
        }),
        Item::Test(t) => Item::Test(TestDecl {
            name: t.name.clone(),
            name_span: t.name_span,
            body: Block {
                stmts: Vec::new(),
                tail: None,
                span: Span::default(),
            },
            span: Span {
                start: t.span.start,
                end: t.name_span.end,
            },
        }),
        Item::Error(e) => Item::Error(e.clone()),
    }
}

/// A file's items as the standard library's build script prepares them
/// (`stdlib/source/build.rs`), so that the compiler reads each item's
/// summary at start-up and decodes its header and full tree only when a
/// query asks for them: the items' index, and beside it one blob of the
/// items' headers and trees, each encoded on its own.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PrebuiltFile {
    pub items: Vec<PrebuiltItem>,
    /// See [`File::broken_names`].
    pub broken_names: Vec<String>,
}

/// One item of a [`PrebuiltFile`]: where it lies in its file, its
/// [`summary`] (spans counted from the item's start), and where its
/// [`header`] and its full tree (likewise) lie in the blob of trees.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PrebuiltItem {
    pub span: Span,
    pub summary: Item,
    pub header: std::ops::Range<u32>,
    pub tree: std::ops::Range<u32>,
}

/// `file`'s items, each made relative to its start (the tree, its header
/// and its summary), with where each lies in the file: what
/// [`PrebuiltFile`] holds, the trees still to encode.
pub fn prebuilt_items(file: File) -> Vec<(Span, Item, Item, Item)> {
    file.items
        .into_iter()
        .map(|mut item| {
            let span = item.span();
            rebase_item(&mut item, span.start);
            let header = header(&item);
            let summary = summary(&header);
            (span, item, header, summary)
        })
        .collect()
}
