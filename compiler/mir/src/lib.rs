//! The MVL mid-level IR (MIR): one function body as a control-flow graph of
//! basic blocks over typed values, between the checker's typed IR and MVM
//! bytecode.
//!
//! A body has values (locals and temporaries, [`Value`], each with a
//! [`MirTy`]), parameters (the first values, in the order the arguments
//! arrive), and blocks ([`BlockId`]); a block is a list of statements, each
//! carrying the source line it came from, and one [`Terminator`]. Values are
//! not in SSA form: a local may be assigned in several places. The types are
//! the small lattice instruction selection needs, not the language's.
//!
//! What lives where: the data types here, the text form in [`print`], the
//! checks every producer and pass must satisfy in [`verify`], the analyses
//! (control-flow graph, dominators, natural loops, liveness, call graph) in
//! [`analysis`], and code generation to an `mvm_bytecode::Function`
//! (instruction selection and register allocation by liveness) in
//! [`codegen`]. This crate knows nothing of MVL source or of `mvlc`.

pub mod analysis;
pub mod codegen;
pub mod passes;
pub mod print;
pub mod verify;

/// A local or temporary of one body: an index into [`Body::values`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(pub u32);

/// A basic block of one body: an index into [`Body::blocks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub u32);

/// A function a body names: an index into [`Body::funcs`], whose meaning
/// (which function of the program) belongs to the producer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncRef(pub u32);

/// What instruction selection needs to know of a value's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MirTy {
    Int,
    Float,
    Bool,
    Str,
    Unit,
    /// A heap cell holding a variable shared with closures.
    Cell,
    /// Anything else (arrays, tuples, structs, enums, functions), or a type
    /// variable of a generic function: only generic instructions apply.
    Any,
}

/// The class of an operator's operands, which picks the instruction
/// (`AddInt`, `AddFloat`, `Concat`, or the generic `Add`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpClass {
    Int,
    Float,
    Str,
    /// Bool, unit, functions, aggregates: only `==`/`!=` apply.
    Other,
    /// A type variable: the generic instruction.
    Generic,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValueInfo {
    pub ty: MirTy,
    /// The source name of a local; `None` for a temporary.
    pub name: Option<String>,
}

/// A constant operand.
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    Unit,
}

impl Const {
    pub fn ty(&self) -> MirTy {
        match self {
            Const::Int(_) => MirTy::Int,
            Const::Float(_) => MirTy::Float,
            Const::Bool(_) => MirTy::Bool,
            Const::Str(_) => MirTy::Str,
            Const::Unit => MirTy::Unit,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Value(Value),
    Const(Const),
}

impl Operand {
    pub fn value(&self) -> Option<Value> {
        match self {
            Operand::Value(v) => Some(*v),
            Operand::Const(_) => None,
        }
    }
}

/// Binary operators. `a > b` is lowered as `b < a`, `a >= b` as `b <= a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Not,
    Neg,
}

/// Operations that are one instruction of the VM, named by what they mean
/// (the producer decides which calls they replace).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Intrinsic {
    /// The number of elements of an array.
    Len,
    IntToFloat,
    AbsInt,
    SqrtFloat,
    AbsFloat,
    /// A random Int in `lo .. hi` from the VM's generator.
    RandInt,
    /// A random Float in `[0, 1)`.
    RandFloat,
    /// `map.get(key)`: an `Option` of the value the map holds for the key.
    MapGet,
    /// `map.insert(key, value)`: an `Option` of the value it replaced.
    MapInsert,
    /// `map.contains_key(key)`: a Bool.
    MapHas,
    /// `reflect::call_stack()`: the MVL frames active where it runs,
    /// innermost first, as an array of `reflect::Frame`. It observes the
    /// call stack, so no pass may move it across a call or duplicate it,
    /// and an inlined body keeps its virtual frame. It runs as a call of
    /// the native with this index in the program's import table (the one
    /// that builds the frames).
    CallStack(u32),
}

impl Intrinsic {
    pub fn arity(self) -> usize {
        match self {
            Intrinsic::RandFloat | Intrinsic::CallStack(_) => 0,
            Intrinsic::RandInt | Intrinsic::MapGet | Intrinsic::MapHas => 2,
            Intrinsic::MapInsert => 3,
            _ => 1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Intrinsic::Len => "len",
            Intrinsic::IntToFloat => "int_to_float",
            Intrinsic::AbsInt => "abs_int",
            Intrinsic::SqrtFloat => "sqrt_float",
            Intrinsic::AbsFloat => "abs_float",
            Intrinsic::RandInt => "rand_int",
            Intrinsic::RandFloat => "rand_float",
            Intrinsic::MapGet => "map_get",
            Intrinsic::MapInsert => "map_insert",
            Intrinsic::MapHas => "map_has",
            Intrinsic::CallStack(_) => "call_stack",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Callee {
    Fn(FuncRef),
    /// A native of the program's import table, by index.
    Native(u32),
    /// A function value.
    Value(Operand),
}

/// What an aggregate construction builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Aggregate {
    Tuple,
    Array,
    /// A struct of the type with this descriptor index.
    Struct(u32),
    /// Variant `.1` of the enum with descriptor index `.0`.
    Variant(u32, u32),
    /// A closure of the function, capturing the operands.
    Closure(FuncRef),
}

/// The right-hand side of an assignment.
#[derive(Clone, Debug, PartialEq)]
pub enum Rvalue {
    Use(Operand),
    Binary(BinOp, OpClass, Operand, Operand),
    Unary(UnOp, OpClass, Operand),
    /// The display string of a value.
    ToStr(Operand),
    Call(Callee, Vec<Operand>),
    Intrinsic(Intrinsic, Vec<Operand>),
    Aggregate(Aggregate, Vec<Operand>),
    /// Field `index` of a tuple, struct or variant payload.
    Field(Operand, u32),
    /// A copy of the tuple or struct with field `index` replaced.
    WithField(Operand, u32, Operand),
    /// The same, but it may write the field of the tuple or struct the
    /// first operand holds and yield that object: only where no one can
    /// see the old value (the `in_place` pass proves it).
    UpdateField(Operand, u32, Operand),
    Index(Operand, Operand),
    /// Whether the enum value is the variant with this index.
    VariantIs(Operand, u32),
    FnRef(FuncRef),
    NewCell(Operand),
    GetCell(Operand),
}

impl Rvalue {
    /// Calls `f` on each operand, in evaluation order.
    pub fn for_each_operand<'a>(&'a self, mut f: impl FnMut(&'a Operand)) {
        match self {
            Rvalue::Use(a)
            | Rvalue::Unary(_, _, a)
            | Rvalue::ToStr(a)
            | Rvalue::Field(a, _)
            | Rvalue::VariantIs(a, _)
            | Rvalue::NewCell(a)
            | Rvalue::GetCell(a) => f(a),
            Rvalue::Binary(_, _, a, b)
            | Rvalue::Index(a, b)
            | Rvalue::WithField(a, _, b)
            | Rvalue::UpdateField(a, _, b) => {
                f(a);
                f(b);
            }
            Rvalue::Call(callee, args) => {
                if let Callee::Value(c) = callee {
                    f(c);
                }
                args.iter().for_each(f);
            }
            Rvalue::Intrinsic(_, xs) | Rvalue::Aggregate(_, xs) => xs.iter().for_each(f),
            Rvalue::FnRef(_) => {}
        }
    }

    pub fn for_each_operand_mut(&mut self, mut f: impl FnMut(&mut Operand)) {
        match self {
            Rvalue::Use(a)
            | Rvalue::Unary(_, _, a)
            | Rvalue::ToStr(a)
            | Rvalue::Field(a, _)
            | Rvalue::VariantIs(a, _)
            | Rvalue::NewCell(a)
            | Rvalue::GetCell(a) => f(a),
            Rvalue::Binary(_, _, a, b)
            | Rvalue::Index(a, b)
            | Rvalue::WithField(a, _, b)
            | Rvalue::UpdateField(a, _, b) => {
                f(a);
                f(b);
            }
            Rvalue::Call(callee, args) => {
                if let Callee::Value(c) = callee {
                    f(c);
                }
                args.iter_mut().for_each(f);
            }
            Rvalue::Intrinsic(_, xs) | Rvalue::Aggregate(_, xs) => xs.iter_mut().for_each(f),
            Rvalue::FnRef(_) => {}
        }
    }

    /// Whether evaluating it has no effect and cannot fail, so it may be
    /// removed when its value is unused, or computed once for two uses.
    /// (Checked Int arithmetic can fail; so can indexing and calls.)
    pub fn is_pure(&self) -> bool {
        match self {
            Rvalue::Use(_)
            | Rvalue::FnRef(_)
            | Rvalue::Field(..)
            | Rvalue::VariantIs(..)
            | Rvalue::ToStr(_)
            | Rvalue::GetCell(_) => true,
            Rvalue::Unary(UnOp::Not, ..) => true,
            Rvalue::Unary(UnOp::Neg, class, _) => *class == OpClass::Float,
            Rvalue::Binary(op, class, ..) => match class {
                OpClass::Float => true,
                OpClass::Int => {
                    op.is_comparison() || matches!(op, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor)
                }
                OpClass::Str | OpClass::Other => op.is_comparison(),
                OpClass::Generic => false,
            },
            Rvalue::Intrinsic(i, _) => matches!(
                i,
                Intrinsic::Len | Intrinsic::IntToFloat | Intrinsic::SqrtFloat | Intrinsic::AbsFloat
            ),
            _ => false,
        }
    }
}

/// A statement with no value.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// `array[index] = value`
    SetIndex(Operand, Operand, Operand),
    /// Stores into a cell.
    SetCell(Operand, Operand),
    /// Appends to an array.
    Push(Operand, Operand),
    /// Seeds the VM's random generator.
    RandSeed(Operand),
    /// Evaluates an rvalue for its effect; its value is discarded.
    Eval(Rvalue),
}

impl Effect {
    pub fn for_each_operand<'a>(&'a self, mut f: impl FnMut(&'a Operand)) {
        match self {
            Effect::SetIndex(a, b, c) => {
                f(a);
                f(b);
                f(c);
            }
            Effect::SetCell(a, b) | Effect::Push(a, b) => {
                f(a);
                f(b);
            }
            Effect::RandSeed(a) => f(a),
            Effect::Eval(rv) => rv.for_each_operand(f),
        }
    }

    pub fn for_each_operand_mut(&mut self, mut f: impl FnMut(&mut Operand)) {
        match self {
            Effect::SetIndex(a, b, c) => {
                f(a);
                f(b);
                f(c);
            }
            Effect::SetCell(a, b) | Effect::Push(a, b) => {
                f(a);
                f(b);
            }
            Effect::RandSeed(a) => f(a),
            Effect::Eval(rv) => rv.for_each_operand_mut(f),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Assign(Value, Rvalue),
    Effect(Effect),
}

/// A statement and the 1-based source line it came from (0 when unknown):
/// the line a runtime error in it is reported at, in the file of its inline
/// scope's function when it has one.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub line: u32,
    /// The inlined call it came from, `None` for the body's own code.
    pub scope: Option<ScopeId>,
}

/// An inline scope of one body: an index into [`Body::scopes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeId(pub u32);

/// A call whose callee's body was inlined here: the virtual frame a stack
/// trace shows for the statements (and terminators) of that body.
#[derive(Clone, Debug, PartialEq)]
pub struct InlineScope {
    /// The inlined function's name, as a trace prints it.
    pub function: String,
    /// Its source file (the producer's index, the bytecode's file table).
    pub file: u32,
    /// The inlined function, in this body's table of functions: the
    /// producer's key to where its lines count from (a statement in this
    /// scope carries a line of the inlined function, as that function's
    /// own body counted it; see [`crate::passes::inline`]).
    pub callee: FuncRef,
    /// The line of the inlined call, in the function around it (the
    /// parent scope's function, or the body's own), counted as that
    /// function's statements are.
    pub call_line: u32,
    /// The scope the call itself was in: `None` when it was in the body's
    /// own code.
    pub parent: Option<ScopeId>,
}

impl Stmt {
    /// The value it assigns, if any.
    pub fn def(&self) -> Option<Value> {
        match &self.kind {
            StmtKind::Assign(v, _) => Some(*v),
            StmtKind::Effect(_) => None,
        }
    }

    pub fn for_each_use<'a>(&'a self, mut f: impl FnMut(Value)) {
        let mut g = |o: &'a Operand| {
            if let Operand::Value(v) = o {
                f(*v)
            }
        };
        match &self.kind {
            StmtKind::Assign(_, rv) => rv.for_each_operand(&mut g),
            StmtKind::Effect(e) => e.for_each_operand(&mut g),
        }
    }

    pub fn for_each_operand_mut(&mut self, f: impl FnMut(&mut Operand)) {
        match &mut self.kind {
            StmtKind::Assign(_, rv) => rv.for_each_operand_mut(f),
            StmtKind::Effect(e) => e.for_each_operand_mut(f),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Terminator {
    Goto(BlockId),
    /// To `then` when the Bool operand is true, else to `els`.
    Branch {
        cond: Operand,
        then: BlockId,
        els: BlockId,
    },
    Return(Operand),
    /// Never reached (after an exhaustive `match`, the checker proved it).
    Unreachable,
}

impl Terminator {
    pub fn successors(&self) -> Vec<BlockId> {
        match self {
            Terminator::Goto(b) => vec![*b],
            Terminator::Branch { then, els, .. } => vec![*then, *els],
            Terminator::Return(_) | Terminator::Unreachable => Vec::new(),
        }
    }

    pub fn operand(&self) -> Option<&Operand> {
        match self {
            Terminator::Branch { cond, .. } => Some(cond),
            Terminator::Return(v) => Some(v),
            _ => None,
        }
    }

    pub fn operand_mut(&mut self) -> Option<&mut Operand> {
        match self {
            Terminator::Branch { cond, .. } => Some(cond),
            Terminator::Return(v) => Some(v),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub term: Terminator,
    /// The line of the terminator.
    pub line: u32,
    /// The inline scope of the terminator.
    pub scope: Option<ScopeId>,
}

/// One function body. Block 0 is the entry; the parameters are values
/// `0..params`, holding the arguments (for a closure, its captures follow
/// its parameters) on entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Body {
    pub name: String,
    pub params: u32,
    /// The type of what the function returns (what every `Return`
    /// returns): the result of its bytecode signature.
    pub result: MirTy,
    pub values: Vec<ValueInfo>,
    pub blocks: Vec<Block>,
    /// The number of functions [`FuncRef`]s index; their identity is the
    /// producer's.
    pub n_funcs: u32,
    /// The inline scopes [`Stmt::scope`] and [`Block::scope`] name.
    pub scopes: Vec<InlineScope>,
}

impl Body {
    pub fn new(name: impl Into<String>) -> Body {
        Body {
            name: name.into(),
            params: 0,
            result: MirTy::Any,
            values: Vec::new(),
            blocks: Vec::new(),
            n_funcs: 0,
            scopes: Vec::new(),
        }
    }

    pub fn ty(&self, v: Value) -> MirTy {
        self.values.get(v.0 as usize).map_or(MirTy::Any, |i| i.ty)
    }

    pub fn operand_ty(&self, o: &Operand) -> MirTy {
        match o {
            Operand::Value(v) => self.ty(*v),
            Operand::Const(c) => c.ty(),
        }
    }

    /// A new value of type `ty`, named for a local.
    pub fn new_value(&mut self, ty: MirTy, name: Option<String>) -> Value {
        self.values.push(ValueInfo { ty, name });
        Value(self.values.len() as u32 - 1)
    }

    /// A new block ending in `Unreachable` until its terminator is set.
    pub fn new_block(&mut self) -> BlockId {
        self.blocks.push(Block {
            stmts: Vec::new(),
            term: Terminator::Unreachable,
            line: 0,
            scope: None,
        });
        BlockId(self.blocks.len() as u32 - 1)
    }

    pub fn block(&self, b: BlockId) -> &Block {
        &self.blocks[b.0 as usize]
    }

    pub fn block_mut(&mut self, b: BlockId) -> &mut Block {
        &mut self.blocks[b.0 as usize]
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Hand-built bodies, and the operand and statement builders, shared
    //! by the modules' tests.
    use super::*;

    pub fn val(v: Value) -> Operand {
        Operand::Value(v)
    }

    pub fn int(k: i64) -> Operand {
        Operand::Const(Const::Int(k))
    }

    /// `v = rv`, at line 1.
    pub fn assign(v: Value, rv: Rvalue) -> Stmt {
        Stmt {
            kind: StmtKind::Assign(v, rv),
            line: 1,
            scope: None,
        }
    }

    /// An effect statement, at line 1.
    pub fn effect(e: Effect) -> Stmt {
        Stmt {
            kind: StmtKind::Effect(e),
            line: 1,
            scope: None,
        }
    }

    /// `fn f(n) { var total = 0; var i = 0; while i < n { total = total + i % 7; i = i + 1 }; total }`
    pub fn counting_loop() -> Body {
        let mut b = Body::new("f");
        let n = b.new_value(MirTy::Int, Some("n".into()));
        b.params = 1;
        let total = b.new_value(MirTy::Int, Some("total".into()));
        let i = b.new_value(MirTy::Int, Some("i".into()));
        let c = b.new_value(MirTy::Bool, None);
        let r = b.new_value(MirTy::Int, None);
        let entry = b.new_block();
        let head = b.new_block();
        let body = b.new_block();
        let exit = b.new_block();
        b.block_mut(entry).stmts = vec![
            assign(total, Rvalue::Use(int(0))),
            assign(i, Rvalue::Use(int(0))),
        ];
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
        b.block_mut(body).stmts = vec![
            assign(r, Rvalue::Binary(BinOp::Rem, OpClass::Int, val(i), int(7))),
            assign(
                total,
                Rvalue::Binary(BinOp::Add, OpClass::Int, val(total), val(r)),
            ),
            assign(i, Rvalue::Binary(BinOp::Add, OpClass::Int, val(i), int(1))),
        ];
        b.block_mut(body).term = Terminator::Goto(head);
        b.block_mut(exit).term = Terminator::Return(val(total));
        b
    }
}
