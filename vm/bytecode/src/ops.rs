//! The MVM instruction set, declared once.
//!
//! Every instruction is one line of [`define_ops!`]: its Rust name, its opcode
//! byte, its assembly mnemonic, its operands with their kinds, the register
//! types it needs and leaves (see [`OpInfo::types`]), and a one-line doc in
//! the notation `R[a] := ...`. The [`Op`] enum, its encoder and decoder, the
//! operand listing used by the disassembler, the assembler's constructor, the
//! verifier's type rules and the opcode table of `lang-spec/bytecode.md`
//! ([`OPS`]) all expand from
//! that one list. Nothing else in the workspace may list opcodes by hand.
//!
//! Encoding: one opcode byte, then each operand little-endian at its kind's
//! width (see [`OperandKind::width`]). Jump targets are instruction indices
//! within the function, so every in-range target is an instruction boundary.

use crate::reader::{DecodeError, Reader};

/// The kind of an operand, which fixes its width and how the verifier checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperandKind {
    /// A register of the current frame (`u16`).
    Reg,
    /// An index into the module's constant pool (`u32`).
    Const,
    /// An index into the module's function table (`u32`).
    Func,
    /// An index into the module's native import table (`u32`).
    Native,
    /// A jump target: an instruction index in the same function (`u32`).
    Label,
    /// A small count, such as a number of arguments (`u16`).
    Count,
    /// A signed immediate (`i32`).
    Imm,
    /// An index into the module's table of type descriptors (`u32`).
    TypeIdx,
}

impl OperandKind {
    /// How many bytes the operand takes in the encoding.
    pub const fn width(self) -> usize {
        match self {
            OperandKind::Reg | OperandKind::Count => 2,
            OperandKind::Const
            | OperandKind::Func
            | OperandKind::Native
            | OperandKind::Label
            | OperandKind::Imm
            | OperandKind::TypeIdx => 4,
        }
    }

    /// The name used in the spec's opcode table and in assembler errors.
    pub const fn name(self) -> &'static str {
        match self {
            OperandKind::Reg => "reg",
            OperandKind::Const => "const",
            OperandKind::Func => "func",
            OperandKind::Native => "native",
            OperandKind::Label => "label",
            OperandKind::Count => "count",
            OperandKind::Imm => "imm",
            OperandKind::TypeIdx => "type",
        }
    }
}

/// An operand value, tagged with its kind: what the disassembler prints and
/// what the assembler builds instructions from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    Reg(u16),
    Const(u32),
    Func(u32),
    Native(u32),
    Label(u32),
    Count(u16),
    Imm(i32),
    TypeIdx(u32),
}

impl Operand {
    pub fn kind(self) -> OperandKind {
        match self {
            Operand::Reg(_) => OperandKind::Reg,
            Operand::Const(_) => OperandKind::Const,
            Operand::Func(_) => OperandKind::Func,
            Operand::Native(_) => OperandKind::Native,
            Operand::Label(_) => OperandKind::Label,
            Operand::Count(_) => OperandKind::Count,
            Operand::Imm(_) => OperandKind::Imm,
            Operand::TypeIdx(_) => OperandKind::TypeIdx,
        }
    }
}

/// Per-kind Rust representation, encoding and decoding of operands.
pub trait OperandCodec: Sized + Copy {
    const KIND: OperandKind;
    fn encode(self, out: &mut Vec<u8>);
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
    fn to_operand(self) -> Operand;
    fn from_operand(op: Operand) -> Option<Self>;
    fn as_mut_operand(&mut self) -> OperandMut<'_>;
}

macro_rules! operand_types {
    ($($kind:ident($repr:ty), $read:ident;)*) => {$(
        #[doc = concat!("An operand of kind `", stringify!($kind), "`.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $kind(pub $repr);

        impl OperandCodec for $kind {
            const KIND: OperandKind = OperandKind::$kind;
            fn encode(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.0.to_le_bytes());
            }
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($kind(r.$read()?))
            }
            fn to_operand(self) -> Operand {
                Operand::$kind(self.0)
            }
            fn from_operand(op: Operand) -> Option<Self> {
                match op {
                    Operand::$kind(v) => Some($kind(v)),
                    _ => None,
                }
            }
            fn as_mut_operand(&mut self) -> OperandMut<'_> {
                OperandMut::$kind(self)
            }
        }
    )*};
}

operand_types! {
    Reg(u16), u16;
    Const(u32), u32;
    Func(u32), u32;
    Native(u32), u32;
    Label(u32), u32;
    Count(u16), u16;
    Imm(i32), i32;
    TypeIdx(u32), u32;
}

/// A register type, as the verifier tracks it and the table states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    Int,
    Float,
    Bool,
    Str,
    Unit,
    Fn,
    /// Any heap object other than a String (array, tuple, struct, closure,
    /// cell, map and the other collections).
    Obj,
    /// Not known: the paths reaching here disagree, or the value came out
    /// of a call or a container.
    Any,
}

impl ValType {
    /// The name used in the spec's opcode table and in verifier errors.
    pub const fn name(self) -> &'static str {
        match self {
            ValType::Int => "Int",
            ValType::Float => "Float",
            ValType::Bool => "Bool",
            ValType::Str => "String",
            ValType::Unit => "unit",
            ValType::Fn => "function",
            ValType::Obj => "object",
            ValType::Any => "anything",
        }
    }

    /// Every type, in the order of their codes in the file form.
    pub const ALL: [ValType; 8] = [
        ValType::Int,
        ValType::Float,
        ValType::Bool,
        ValType::Str,
        ValType::Unit,
        ValType::Fn,
        ValType::Obj,
        ValType::Any,
    ];

    /// The byte that stands for the type in a `.mvb` file.
    pub fn code(self) -> u8 {
        ValType::ALL.iter().position(|&t| t == self).unwrap_or(7) as u8
    }

    /// The type a file byte stands for.
    pub fn from_code(code: u8) -> Option<ValType> {
        ValType::ALL.get(code as usize).copied()
    }

    /// The name of the type in a function's signature in assembly text
    /// (`sig=(Int*Any)->Bool`).
    pub const fn asm_name(self) -> &'static str {
        match self {
            ValType::Int => "Int",
            ValType::Float => "Float",
            ValType::Bool => "Bool",
            ValType::Str => "String",
            ValType::Unit => "Unit",
            ValType::Fn => "Fn",
            ValType::Obj => "Obj",
            ValType::Any => "Any",
        }
    }

    /// The class a register must satisfy to hold a value of this type.
    pub const fn class(self) -> Class {
        match self {
            ValType::Int => Class::Int,
            ValType::Float => Class::Float,
            ValType::Bool => Class::Bool,
            ValType::Str => Class::Str,
            ValType::Unit => Class::Unit,
            ValType::Fn => Class::Fn,
            ValType::Obj => Class::Obj,
            ValType::Any => Class::Any,
        }
    }
}

/// What an instruction requires of a register it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    Int,
    Float,
    Bool,
    Str,
    Unit,
    Fn,
    Obj,
    /// Any value (only that it has been written).
    Any,
    /// An Int or a Float.
    Num,
    /// An Int, a Float or a String (what generic `+` and `<` accept).
    Add,
    /// A function or a closure object.
    Callable,
    /// The result type of the function the instruction is in (its
    /// signature's `result`: what `ret` must return).
    Returned,
}

impl Class {
    /// Whether a register known to hold `t` satisfies the class.
    /// `Returned` stands for the signature's result type, which the
    /// verifier puts in its place ([`Class::of_result`]) before asking.
    pub fn admits(self, t: ValType) -> bool {
        use ValType as T;
        match self {
            Class::Any | Class::Returned => true,
            Class::Num => matches!(t, T::Int | T::Float),
            Class::Add => matches!(t, T::Int | T::Float | T::Str),
            Class::Callable => matches!(t, T::Fn | T::Obj),
            Class::Int => t == T::Int,
            Class::Float => t == T::Float,
            Class::Bool => t == T::Bool,
            Class::Str => t == T::Str,
            Class::Unit => t == T::Unit,
            Class::Fn => t == T::Fn,
            Class::Obj => t == T::Obj,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Class::Int => "an Int",
            Class::Float => "a Float",
            Class::Bool => "a Bool",
            Class::Str => "a String",
            Class::Unit => "unit",
            Class::Fn => "a function",
            Class::Obj => "an object",
            Class::Any => "a value",
            Class::Num => "an Int or a Float",
            Class::Add => "an Int, a Float or a String",
            Class::Callable => "a function or a closure",
            Class::Returned => "the function's result type",
        }
    }

    /// Whether the verifier must prove a register holds the class before
    /// the instruction reads it: the interpreter then takes the value as
    /// it is, without a check. Int, Float and Bool are; an object's kind
    /// is told by the object itself (reading it is a match on it anyway),
    /// and generic instructions dispatch on what they find.
    pub const fn is_proved(self) -> bool {
        matches!(self, Class::Int | Class::Float | Class::Bool)
    }

    /// The class itself, or for `Returned` the class of `result`, the
    /// result type of the function the instruction is in.
    pub const fn of_result(self, result: ValType) -> Class {
        match self {
            Class::Returned => result.class(),
            other => other,
        }
    }
}

/// The type an instruction leaves in a register it writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Produces {
    /// Always this type.
    Is(ValType),
    /// The type of this register before the instruction.
    Copy(Reg),
    /// The type of this constant.
    Const(Const),
    /// The type both registers hold, when they agree; otherwise `Any`.
    Same(Reg, Reg),
    /// The result type of this function's signature. The instruction calls
    /// it with its window as the arguments, which must hold the
    /// signature's parameter types.
    Returns(Func),
}

/// Facts about an instruction that the dispatch loop, the verifier and the
/// tools act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flags {
    /// Execution never falls through to the next instruction (`jmp`, `ret`).
    pub end: bool,
    /// May allocate on the heap: a point where a collection may be due.
    pub alloc: bool,
    /// Calls a function or a native.
    pub call: bool,
    /// Runs a callee in a register window that starts at the instruction's
    /// window (its arguments): every register from there up is overwritten.
    pub frame: bool,
}

/// What the spec's opcode table, the assembler and the verifier know about
/// one instruction, as data.
#[derive(Clone, Copy, Debug)]
pub struct OpInfo {
    pub name: &'static str,
    pub code: u8,
    pub mnemonic: &'static str,
    pub operands: &'static [(&'static str, OperandKind)],
    pub doc: &'static str,
    /// The registers read, each with the class it must hold.
    pub reads: &'static [(&'static str, Class)],
    /// The registers written, each with the rule for its new type (as text,
    /// for the spec's table).
    pub writes: &'static [(&'static str, &'static str)],
    /// A register window (start register and count operands) the
    /// instruction reads.
    pub window: Option<(&'static str, &'static str)>,
    pub flags: Flags,
}

/// The whole instruction set, handed to a callback macro: every consumer
/// (the [`Op`] enum, its encoder, decoder, operand visitors and type rules,
/// the table [`OPS`]) expands from this one list. Each entry is
///
/// ```text
/// /// doc, in the notation R[dst] := ...
/// Name = opcode, "mnemonic" { operand: Kind, ... }
///     reads(reg: Class, ...) writes(reg: Rule, ...) window(start, count) flags(...);
/// ```
///
/// `reads` lists every register the instruction reads and the [`Class`] it
/// requires; `writes` every register it writes and its [`Produces`] rule
/// (`Int`, `Copy(src)`, `Const(k)`, `Same(a, b)`, `Returns(func)`, ...); `window` a run of
/// registers `start .. start + count` it reads (arguments, elements);
/// `flags` are [`Flags`] fields. A test checks that every register operand
/// is named by exactly one of `reads`, `writes` or `window`.
#[macro_export]
macro_rules! for_each_op {
    ($callback:ident) => {
        $crate::__op_table! { $callback }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __op_table {
    ($callback:ident) => {
        $callback! {
            /// Does nothing.
            Nop = 0x00, "nop" {}
                reads() writes() window() flags();
            /// R[dst] := R[src]
            Mov = 0x01, "mov" { dst: Reg, src: Reg }
                reads(src: Any) writes(dst: Copy(src)) window() flags();
            /// R[dst] := imm (an Int)
            LoadInt = 0x02, "loadi" { dst: Reg, imm: Imm }
                reads() writes(dst: Int) window() flags();
            /// R[dst] := K[k]
            LoadConst = 0x03, "loadk" { dst: Reg, k: Const }
                reads() writes(dst: Const(k)) window() flags();
            /// R[dst] := true
            LoadTrue = 0x04, "true" { dst: Reg }
                reads() writes(dst: Bool) window() flags();
            /// R[dst] := false
            LoadFalse = 0x05, "false" { dst: Reg }
                reads() writes(dst: Bool) window() flags();
            /// R[dst] := ()
            LoadUnit = 0x06, "unit" { dst: Reg }
                reads() writes(dst: Unit) window() flags();
            /// R[dst] := the function F[func] as a value
            LoadFn = 0x07, "loadfn" { dst: Reg, func: Func }
                reads() writes(dst: Fn) window() flags();
            /// R[dst] := R[src], which must hold an Int (a runtime error otherwise: where a value
            /// of unknown type, out of a container, a function value or a native, enters typed code)
            AsInt = 0x08, "asi" { dst: Reg, src: Reg }
                reads(src: Any) writes(dst: Int) window() flags();
            /// R[dst] := R[src], which must hold a Float (a runtime error otherwise)
            AsFloat = 0x09, "asf" { dst: Reg, src: Reg }
                reads(src: Any) writes(dst: Float) window() flags();
            /// R[dst] := R[src], which must hold a Bool (a runtime error otherwise)
            AsBool = 0x0a, "asb" { dst: Reg, src: Reg }
                reads(src: Any) writes(dst: Bool) window() flags();

            /// R[dst] := R[a] + R[b] (Int; overflow is a runtime error)
            AddInt = 0x10, "addi" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Int) window() flags();
            /// R[dst] := R[a] - R[b] (Int; overflow is a runtime error)
            SubInt = 0x11, "subi" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Int) window() flags();
            /// R[dst] := R[a] * R[b] (Int; overflow is a runtime error)
            MulInt = 0x12, "muli" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Int) window() flags();
            /// R[dst] := R[a] / R[b] (Int, truncating; zero divisor or overflow is a runtime error)
            DivInt = 0x13, "divi" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Int) window() flags();
            /// R[dst] := R[a] % R[b] (Int, sign of the dividend; zero divisor is a runtime error)
            RemInt = 0x14, "remi" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Int) window() flags();
            /// R[dst] := -R[src] (Int; overflow is a runtime error)
            NegInt = 0x15, "negi" { dst: Reg, src: Reg }
                reads(src: Int) writes(dst: Int) window() flags();
            /// R[dst] := R[a] & R[b] (Int)
            BitAnd = 0x16, "band" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Int) window() flags();
            /// R[dst] := R[a] | R[b] (Int)
            BitOr = 0x17, "bor" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Int) window() flags();
            /// R[dst] := R[a] ^ R[b] (Int)
            BitXor = 0x18, "bxor" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Int) window() flags();
            /// R[dst] := R[a] << R[b] (Int; a shift outside 0..=63 is a runtime error)
            Shl = 0x19, "shl" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Int) window() flags();
            /// R[dst] := R[a] >> R[b] (Int, arithmetic; a shift outside 0..=63 is a runtime error)
            Shr = 0x1a, "shr" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Int) window() flags();
            /// R[dst] := R[a] + imm (Int; overflow is a runtime error; also `x - n` as `x + -n`)
            AddIntImm = 0x1b, "addik" { dst: Reg, a: Reg, imm: Imm }
                reads(a: Int) writes(dst: Int) window() flags();
            /// R[dst] := R[a] == imm (Int)
            EqIntImm = 0x1c, "eqik" { dst: Reg, a: Reg, imm: Imm }
                reads(a: Int) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] < imm (Int)
            LtIntImm = 0x1d, "ltik" { dst: Reg, a: Reg, imm: Imm }
                reads(a: Int) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] <= imm (Int)
            LeIntImm = 0x1e, "leik" { dst: Reg, a: Reg, imm: Imm }
                reads(a: Int) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] > imm (Int)
            GtIntImm = 0x1f, "gtik" { dst: Reg, a: Reg, imm: Imm }
                reads(a: Int) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] >= imm (Int)
            GeIntImm = 0x2a, "geik" { dst: Reg, a: Reg, imm: Imm }
                reads(a: Int) writes(dst: Bool) window() flags();

            /// R[dst] := R[a] + R[b] (Float)
            AddFloat = 0x20, "addf" { dst: Reg, a: Reg, b: Reg }
                reads(a: Float, b: Float) writes(dst: Float) window() flags();
            /// R[dst] := R[a] - R[b] (Float)
            SubFloat = 0x21, "subf" { dst: Reg, a: Reg, b: Reg }
                reads(a: Float, b: Float) writes(dst: Float) window() flags();
            /// R[dst] := R[a] * R[b] (Float)
            MulFloat = 0x22, "mulf" { dst: Reg, a: Reg, b: Reg }
                reads(a: Float, b: Float) writes(dst: Float) window() flags();
            /// R[dst] := R[a] / R[b] (Float, IEEE: a zero divisor gives an infinity or NaN)
            DivFloat = 0x23, "divf" { dst: Reg, a: Reg, b: Reg }
                reads(a: Float, b: Float) writes(dst: Float) window() flags();
            /// R[dst] := R[a] % R[b] (Float, sign of the dividend)
            RemFloat = 0x24, "remf" { dst: Reg, a: Reg, b: Reg }
                reads(a: Float, b: Float) writes(dst: Float) window() flags();
            /// R[dst] := the square root of R[src] (Float)
            SqrtFloat = 0x26, "sqrtf" { dst: Reg, src: Reg }
                reads(src: Float) writes(dst: Float) window() flags();
            /// R[dst] := |R[src]| (Float)
            AbsFloat = 0x27, "absf" { dst: Reg, src: Reg }
                reads(src: Float) writes(dst: Float) window() flags();
            /// R[dst] := R[src] as a Float (Int, rounded to nearest)
            IntToFloat = 0x2b, "itof" { dst: Reg, src: Reg }
                reads(src: Int) writes(dst: Float) window() flags();
            /// R[dst] := |R[src]| (Int; the smallest Int is an overflow)
            AbsInt = 0x2c, "absi" { dst: Reg, src: Reg }
                reads(src: Int) writes(dst: Int) window() flags();
            /// R[dst] := -R[src] (Float)
            NegFloat = 0x25, "negf" { dst: Reg, src: Reg }
                reads(src: Float) writes(dst: Float) window() flags();

            /// R[dst] := R[a] ++ R[b] (String)
            Concat = 0x28, "concat" { dst: Reg, a: Reg, b: Reg }
                reads(a: Str, b: Str) writes(dst: Str) window() flags(alloc);
            /// R[dst] := the display form of R[src] as a String (what `print` would write)
            ToStr = 0x29, "tostr" { dst: Reg, src: Reg }
                reads(src: Any) writes(dst: Str) window() flags(alloc);

            /// R[dst] := R[a] == R[b] (Int)
            EqInt = 0x30, "eqi" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] < R[b] (Int)
            LtInt = 0x31, "lti" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] <= R[b] (Int)
            LeInt = 0x32, "lei" { dst: Reg, a: Reg, b: Reg }
                reads(a: Int, b: Int) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] == R[b] (Float, IEEE: NaN is unequal to itself)
            EqFloat = 0x33, "eqf" { dst: Reg, a: Reg, b: Reg }
                reads(a: Float, b: Float) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] < R[b] (Float)
            LtFloat = 0x34, "ltf" { dst: Reg, a: Reg, b: Reg }
                reads(a: Float, b: Float) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] <= R[b] (Float)
            LeFloat = 0x35, "lef" { dst: Reg, a: Reg, b: Reg }
                reads(a: Float, b: Float) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] < R[b] (String, by bytes)
            LtStr = 0x36, "lts" { dst: Reg, a: Reg, b: Reg }
                reads(a: Str, b: Str) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] <= R[b] (String, by bytes)
            LeStr = 0x37, "les" { dst: Reg, a: Reg, b: Reg }
                reads(a: Str, b: Str) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] == R[b] (any type, structural)
            Eq = 0x38, "eq" { dst: Reg, a: Reg, b: Reg }
                reads(a: Any, b: Any) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] != R[b] (any type, structural)
            Ne = 0x39, "ne" { dst: Reg, a: Reg, b: Reg }
                reads(a: Any, b: Any) writes(dst: Bool) window() flags();
            /// R[dst] := !R[src] (Bool)
            Not = 0x3a, "not" { dst: Reg, src: Reg }
                reads(src: Bool) writes(dst: Bool) window() flags();

            /// R[dst] := R[a] + R[b] on whatever Int, Float or String both hold (generic code)
            Add = 0x40, "add" { dst: Reg, a: Reg, b: Reg }
                reads(a: Add, b: Add) writes(dst: Same(a, b)) window() flags(alloc);
            /// R[dst] := R[a] - R[b] on whatever Int or Float both hold (generic code)
            Sub = 0x41, "sub" { dst: Reg, a: Reg, b: Reg }
                reads(a: Num, b: Num) writes(dst: Same(a, b)) window() flags();
            /// R[dst] := R[a] * R[b] on whatever Int or Float both hold (generic code)
            Mul = 0x42, "mul" { dst: Reg, a: Reg, b: Reg }
                reads(a: Num, b: Num) writes(dst: Same(a, b)) window() flags();
            /// R[dst] := R[a] / R[b] on whatever Int or Float both hold (generic code)
            Div = 0x43, "div" { dst: Reg, a: Reg, b: Reg }
                reads(a: Num, b: Num) writes(dst: Same(a, b)) window() flags();
            /// R[dst] := R[a] % R[b] on whatever Int or Float both hold (generic code)
            Rem = 0x44, "rem" { dst: Reg, a: Reg, b: Reg }
                reads(a: Num, b: Num) writes(dst: Same(a, b)) window() flags();
            /// R[dst] := -R[src] on an Int or Float (generic code)
            Neg = 0x45, "neg" { dst: Reg, src: Reg }
                reads(src: Num) writes(dst: Same(src, src)) window() flags();
            /// R[dst] := R[a] < R[b] on whatever Int, Float or String both hold (generic code)
            Lt = 0x46, "lt" { dst: Reg, a: Reg, b: Reg }
                reads(a: Add, b: Add) writes(dst: Bool) window() flags();
            /// R[dst] := R[a] <= R[b] on whatever Int, Float or String both hold (generic code)
            Le = 0x47, "le" { dst: Reg, a: Reg, b: Reg }
                reads(a: Add, b: Add) writes(dst: Bool) window() flags();

            /// Continue at instruction `target`.
            Jmp = 0x50, "jmp" { target: Label }
                reads() writes() window() flags(end);
            /// If R[cond] (a Bool) is true, continue at `target`.
            JmpIf = 0x51, "jmpif" { cond: Reg, target: Label }
                reads(cond: Bool) writes() window() flags();
            /// If R[cond] (a Bool) is false, continue at `target`.
            JmpIfNot = 0x52, "jmpifnot" { cond: Reg, target: Label }
                reads(cond: Bool) writes() window() flags();
            /// If R[a] < R[b] (Int), continue at `target`.
            JmpLtInt = 0x53, "jlti" { a: Reg, b: Reg, target: Label }
                reads(a: Int, b: Int) writes() window() flags();
            /// If R[a] <= R[b] (Int), continue at `target`.
            JmpLeInt = 0x54, "jlei" { a: Reg, b: Reg, target: Label }
                reads(a: Int, b: Int) writes() window() flags();
            /// If R[a] == R[b] (Int), continue at `target`.
            JmpEqInt = 0x55, "jeqi" { a: Reg, b: Reg, target: Label }
                reads(a: Int, b: Int) writes() window() flags();
            /// If R[a] != R[b] (Int), continue at `target`.
            JmpNeInt = 0x56, "jnei" { a: Reg, b: Reg, target: Label }
                reads(a: Int, b: Int) writes() window() flags();
            /// If R[a] < imm (Int), continue at `target`.
            JmpLtIntImm = 0x57, "jltik" { a: Reg, imm: Imm, target: Label }
                reads(a: Int) writes() window() flags();
            /// If R[a] <= imm (Int), continue at `target`.
            JmpLeIntImm = 0x58, "jleik" { a: Reg, imm: Imm, target: Label }
                reads(a: Int) writes() window() flags();
            /// If R[a] > imm (Int), continue at `target`.
            JmpGtIntImm = 0x59, "jgtik" { a: Reg, imm: Imm, target: Label }
                reads(a: Int) writes() window() flags();
            /// If R[a] >= imm (Int), continue at `target`.
            JmpGeIntImm = 0x5a, "jgeik" { a: Reg, imm: Imm, target: Label }
                reads(a: Int) writes() window() flags();
            /// If R[a] == imm (Int), continue at `target`.
            JmpEqIntImm = 0x5b, "jeqik" { a: Reg, imm: Imm, target: Label }
                reads(a: Int) writes() window() flags();
            /// If R[a] != imm (Int), continue at `target`.
            JmpNeIntImm = 0x5c, "jneik" { a: Reg, imm: Imm, target: Label }
                reads(a: Int) writes() window() flags();
            /// If the enum value R[obj] is variant `variant`, continue at `target`.
            JmpVariant = 0x5d, "jvar" { obj: Reg, variant: Count, target: Label }
                reads(obj: Obj) writes() window() flags();
            /// If the enum value R[obj] is not variant `variant`, continue at `target`.
            JmpNotVariant = 0x5e, "jnvar" { obj: Reg, variant: Count, target: Label }
                reads(obj: Obj) writes() window() flags();

            /// R[dst] := F[func](R[args], .., R[args + argc - 1])
            Call = 0x60, "call" { dst: Reg, func: Func, args: Reg, argc: Count }
                reads() writes(dst: Returns(func)) window(args, argc) flags(call, frame);
            /// R[dst] := R[callee](R[args], .., R[args + argc - 1]) where R[callee] is a function value
            CallValue = 0x61, "callv" { dst: Reg, callee: Reg, args: Reg, argc: Count }
                reads(callee: Callable) writes(dst: Any) window(args, argc) flags(call, frame);
            /// R[dst] := N[native](R[args], .., R[args + argc - 1]), a function of the native standard library
            CallNative = 0x62, "calln" { dst: Reg, native: Native, args: Reg, argc: Count }
                reads() writes(dst: Any) window(args, argc) flags(call);
            /// Return R[src] to the caller.
            Ret = 0x63, "ret" { src: Reg }
                reads(src: Returned) writes() window() flags(end);
            /// A runtime error: code the compiler proved unreachable was reached (where a `match`
            /// the checker found exhaustive falls through its last test)
            Unreachable = 0x65, "unreachable" {}
                reads() writes() window() flags(end);
            /// R[dst] := a closure of F[func] capturing R[start], .., R[start + count - 1],
            /// which the function receives in the registers after its arguments
            MakeClosure = 0x64, "closure" { dst: Reg, func: Func, start: Reg, count: Count }
                reads() writes(dst: Obj) window(start, count) flags(alloc);

            /// R[dst] := a new array of R[start], .., R[start + count - 1]
            NewArray = 0x70, "newarr" { dst: Reg, start: Reg, count: Count }
                reads() writes(dst: Obj) window(start, count) flags(alloc);
            /// R[dst] := a new tuple of R[start], .., R[start + count - 1]
            NewTuple = 0x71, "newtup" { dst: Reg, start: Reg, count: Count }
                reads() writes(dst: Obj) window(start, count) flags(alloc);
            /// R[dst] := a new struct of type T[ty] with fields R[start], .. (declaration order)
            NewStruct = 0x72, "newstruct" { dst: Reg, ty: TypeIdx, start: Reg, count: Count }
                reads() writes(dst: Obj) window(start, count) flags(alloc);
            /// R[dst] := variant `variant` of enum T[ty] with payload R[start], ..
            NewVariant = 0x73, "newvar" { dst: Reg, ty: TypeIdx, variant: Count, start: Reg, count: Count }
                reads() writes(dst: Obj) window(start, count) flags(alloc);
            /// R[dst] := field `index` of the tuple, struct or variant payload R[obj]
            GetField = 0x74, "getfield" { dst: Reg, obj: Reg, index: Count }
                reads(obj: Obj) writes(dst: Any) window() flags();
            /// R[dst] := field `index` of R[obj] as `getfield`, which must hold an Int (a runtime error otherwise)
            GetFieldInt = 0x8a, "getfieldi" { dst: Reg, obj: Reg, index: Count }
                reads(obj: Obj) writes(dst: Int) window() flags();
            /// R[dst] := field `index` of R[obj] as `getfield`, which must hold a Float (a runtime error otherwise)
            GetFieldFloat = 0x8b, "getfieldf" { dst: Reg, obj: Reg, index: Count }
                reads(obj: Obj) writes(dst: Float) window() flags();
            /// R[dst] := field `index` of R[obj] as `getfield`, which must hold a Bool (a runtime error otherwise)
            GetFieldBool = 0x8c, "getfieldb" { dst: Reg, obj: Reg, index: Count }
                reads(obj: Obj) writes(dst: Bool) window() flags();
            /// R[dst] := a copy of the tuple or struct R[obj] with field `index` set to R[src]
            SetField = 0x75, "setfield" { dst: Reg, obj: Reg, index: Count, src: Reg }
                reads(obj: Obj, src: Any) writes(dst: Obj) window() flags(alloc);
            /// Sets field `index` of the tuple or struct R[obj] to R[src] in place, then R[dst] := R[obj]
            /// (the compiler emits it only where no other reference to the object is ever read)
            UpdateField = 0x7e, "updfield" { dst: Reg, obj: Reg, index: Count, src: Reg }
                reads(obj: Obj, src: Any) writes(dst: Obj) window() flags();
            /// R[dst] := whether the enum value R[obj] is variant `variant`
            VariantIs = 0x76, "isvar" { dst: Reg, obj: Reg, variant: Count }
                reads(obj: Obj) writes(dst: Bool) window() flags();
            /// R[dst] := R[arr][R[idx]] (an index out of bounds is a runtime error)
            GetIndex = 0x77, "getidx" { dst: Reg, arr: Reg, idx: Reg }
                reads(arr: Obj, idx: Int) writes(dst: Any) window() flags();
            /// R[dst] := R[arr][R[idx]] as `getidx`, which must hold an Int (a runtime error otherwise)
            GetIndexInt = 0x8d, "getidxi" { dst: Reg, arr: Reg, idx: Reg }
                reads(arr: Obj, idx: Int) writes(dst: Int) window() flags();
            /// R[dst] := R[arr][R[idx]] as `getidx`, which must hold a Float (a runtime error otherwise)
            GetIndexFloat = 0x8e, "getidxf" { dst: Reg, arr: Reg, idx: Reg }
                reads(arr: Obj, idx: Int) writes(dst: Float) window() flags();
            /// R[dst] := R[arr][R[idx]] as `getidx`, which must hold a Bool (a runtime error otherwise)
            GetIndexBool = 0x8f, "getidxb" { dst: Reg, arr: Reg, idx: Reg }
                reads(arr: Obj, idx: Int) writes(dst: Bool) window() flags();
            /// R[arr][R[idx]] := R[src] (an index out of bounds is a runtime error)
            SetIndex = 0x78, "setidx" { arr: Reg, idx: Reg, src: Reg }
                reads(arr: Obj, idx: Int, src: Any) writes() window() flags();
            /// R[dst] := the number of elements of the array R[src]
            Len = 0x79, "len" { dst: Reg, src: Reg }
                reads(src: Obj) writes(dst: Int) window() flags();
            /// Appends R[src] to the array R[arr] (what `xs.push(v)` does)
            Push = 0x7d, "push" { arr: Reg, src: Reg }
                reads(arr: Obj, src: Any) writes() window() flags(alloc);
            /// R[dst] := `Some` of the value the map R[map] holds for the key R[key], or `None` (what `m.get(k)` does)
            MapGet = 0x83, "mapget" { dst: Reg, map: Reg, key: Reg }
                reads(map: Obj, key: Any) writes(dst: Obj) window() flags(alloc);
            /// The map R[map] holds R[src] for the key R[key]; R[dst] := `Some` of the value replaced, or `None` (what `m.insert(k, v)` does)
            MapInsert = 0x84, "mapins" { dst: Reg, map: Reg, key: Reg, src: Reg }
                reads(map: Obj, key: Any, src: Any) writes(dst: Obj) window() flags(alloc);
            /// R[dst] := whether the map R[map] has an entry for the key R[key] (what `m.contains_key(k)` does)
            MapHas = 0x85, "maphas" { dst: Reg, map: Reg, key: Reg }
                reads(map: Obj, key: Any) writes(dst: Bool) window() flags();
            /// R[dst] := the value the map R[map] holds for the key R[key]; if it holds none,
            /// R[dst] := unit and continue at `miss` (what `match m.get(k)` selects when only the
            /// `Some` payload is read: no `Option` is made)
            MapFind = 0x86, "mapfind" { dst: Reg, map: Reg, key: Reg, miss: Label }
                reads(map: Obj, key: Any) writes(dst: Any) window() flags();
            /// R[dst] := the value the map R[map] holds for the key R[key] as `mapfind`, which must be
            /// an Int (a runtime error otherwise); if it holds none, R[dst] := 0 and continue at `miss`
            MapFindInt = 0x87, "mapfindi" { dst: Reg, map: Reg, key: Reg, miss: Label }
                reads(map: Obj, key: Any) writes(dst: Int) window() flags();

            /// R[dst] := a new cell holding R[src] (a variable shared with closures)
            NewCell = 0x7a, "newcell" { dst: Reg, src: Reg }
                reads(src: Any) writes(dst: Obj) window() flags(alloc);
            /// R[dst] := the value in cell R[cell]
            GetCell = 0x7b, "getcell" { dst: Reg, cell: Reg }
                reads(cell: Obj) writes(dst: Any) window() flags();
            /// The cell R[cell] := R[src]
            SetCell = 0x7c, "setcell" { cell: Reg, src: Reg }
                reads(cell: Obj, src: Any) writes() window() flags();

            /// R[dst] := a uniform random Int in R[lo] .. R[hi] (R[hi] excluded; the VM's generator; lo >= hi is a runtime error)
            RandInt = 0x80, "randi" { dst: Reg, lo: Reg, hi: Reg }
                reads(lo: Int, hi: Int) writes(dst: Int) window() flags();
            /// R[dst] := a uniform random Float in [0, 1) (the VM's generator)
            RandFloat = 0x81, "randf" { dst: Reg }
                reads() writes(dst: Float) window() flags();
            /// Seeds the VM's random generator with the Int R[src]
            RandSeed = 0x82, "rseed" { src: Reg }
                reads(src: Int) writes() window() flags();
        }
    };
}

macro_rules! produces {
    (Copy, $a:ident) => {
        Produces::Copy($a)
    };
    (Const, $k:ident) => {
        Produces::Const($k)
    };
    (Same, $a:ident, $b:ident) => {
        Produces::Same($a, $b)
    };
    (Returns, $f:ident) => {
        Produces::Returns($f)
    };
    ($t:ident) => {
        Produces::Is(ValType::$t)
    };
}

macro_rules! define_ops {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident = $code:literal, $mnemonic:literal { $($field:ident : $kind:ident),* $(,)? }
            reads($($rf:ident : $rc:ident),*)
            writes($($wf:ident : $wres:ident $(($($warg:ident),+))?),*)
            window($($ws:ident, $wc:ident)?)
            flags($($flag:ident),*);
    )*) => {
        /// One decoded MVM instruction. See the module docs for the encoding.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Op {
            $( $(#[doc = $doc])+ $name { $($field: $kind),* }, )*
        }

        /// Every instruction's name, opcode, mnemonic, operands, doc and
        /// rules, in opcode order.
        pub const OPS: &[OpInfo] = &[
            $(OpInfo {
                name: stringify!($name),
                code: $code,
                mnemonic: $mnemonic,
                operands: &[$((stringify!($field), OperandKind::$kind)),*],
                doc: concat!($($doc),+),
                reads: &[$((stringify!($rf), Class::$rc)),*],
                writes: &[$((stringify!($wf), concat!(stringify!($wres) $(, "(", stringify!($($warg),+), ")")?))),*],
                window: define_ops!(@window $($ws, $wc)?),
                flags: Flags { $($flag: true,)* ..Flags { end: false, alloc: false, call: false, frame: false } },
            },)*
        ];

        impl Op {
            /// The opcode byte.
            pub fn code(&self) -> u8 {
                match self { $(Op::$name { .. } => $code,)* }
            }

            /// The assembly mnemonic.
            pub fn mnemonic(&self) -> &'static str {
                match self { $(Op::$name { .. } => $mnemonic,)* }
            }

            /// The instruction's flags.
            #[inline]
            pub fn flags(&self) -> Flags {
                match self { $(Op::$name { .. } => Flags { $($flag: true,)* ..Flags { end: false, alloc: false, call: false, frame: false } },)* }
            }

            /// The operands in declaration order, each with its field name.
            pub fn operands(&self) -> Vec<(&'static str, Operand)> {
                match *self {
                    $(Op::$name { $($field),* } => vec![$((stringify!($field), $field.to_operand())),*],)*
                }
            }

            /// Calls `f` on each operand in place, so that a pass (jump
            /// patching, constant remapping at link time) can rewrite one
            /// kind of operand without listing instructions.
            pub fn for_each_operand_mut(&mut self, mut f: impl FnMut(OperandMut<'_>)) {
                match self {
                    $(Op::$name { $($field),* } => { $(f($field.as_mut_operand());)* let _ = &mut f; })*
                }
            }

            /// Calls `f` on every register read with the class it must hold.
            /// Registers of a window are not included: see [`Op::window`].
            #[allow(unused_variables)]
            pub fn for_each_read(&self, mut f: impl FnMut(&'static str, Reg, Class)) {
                match *self {
                    $(Op::$name { $($field),* } => { $(f(stringify!($rf), $rf, Class::$rc);)* let _ = &mut f; })*
                }
            }

            /// Calls `f` on every register written with the rule for its
            /// new type.
            #[allow(unused_variables)]
            pub fn for_each_write(&self, mut f: impl FnMut(Reg, Produces)) {
                match *self {
                    $(Op::$name { $($field),* } => { $(f($wf, produces!($wres $(, $($warg),+)?));)* let _ = &mut f; })*
                }
            }

            /// The window of registers the instruction reads, as its first
            /// register and count.
            #[allow(unused_variables)]
            pub fn window(&self) -> Option<(Reg, Count)> {
                match *self {
                    $(Op::$name { $($field),* } => define_ops!(@window_value $($ws, $wc)?),)*
                }
            }

            /// Appends the instruction's encoding to `out`.
            pub fn encode(&self, out: &mut Vec<u8>) {
                match *self {
                    $(Op::$name { $($field),* } => {
                        out.push($code);
                        $($field.encode(out);)*
                    })*
                }
            }

            /// Reads one instruction; fails on an unknown opcode or a short read.
            pub fn decode(r: &mut Reader<'_>) -> Result<Op, DecodeError> {
                let at = r.position();
                let code = r.u8()?;
                match code {
                    $($code => Ok(Op::$name { $($field: <$kind as OperandCodec>::decode(r)?),* }),)*
                    _ => Err(DecodeError::new(at, format!("unknown opcode 0x{code:02x}"))),
                }
            }

            /// Builds an instruction from its mnemonic and operands, as the
            /// assembler reads them. Fails with a message naming what is wrong.
            pub fn from_parts(mnemonic: &str, operands: &[Operand]) -> Result<Op, String> {
                match mnemonic {
                    $($mnemonic => {
                        const KINDS: &[OperandKind] = &[$(OperandKind::$kind),*];
                        if operands.len() != KINDS.len() {
                            return Err(format!(
                                "`{}` takes {} operand(s), found {}",
                                $mnemonic, KINDS.len(), operands.len()
                            ));
                        }
                        #[allow(unused_mut, unused_variables)]
                        let mut it = operands.iter().copied().enumerate();
                        Ok(Op::$name { $($field: {
                            let (i, o) = it.next().ok_or_else(|| "missing operand".to_string())?;
                            <$kind as OperandCodec>::from_operand(o).ok_or_else(|| format!(
                                "operand {} of `{}` must be a {}, found a {}",
                                i + 1, $mnemonic, OperandKind::$kind.name(), o.kind().name()
                            ))?
                        }),* })
                    })*
                    _ => Err(format!("unknown instruction `{mnemonic}`")),
                }
            }
        }
    };
    (@window) => { None };
    (@window $ws:ident, $wc:ident) => { Some((stringify!($ws), stringify!($wc))) };
    (@window_value) => { None };
    (@window_value $ws:ident, $wc:ident) => { Some(($ws, $wc)) };
}

/// One operand, borrowed mutably, tagged with its kind.
pub enum OperandMut<'a> {
    Reg(&'a mut Reg),
    Const(&'a mut Const),
    Func(&'a mut Func),
    Native(&'a mut Native),
    Label(&'a mut Label),
    Count(&'a mut Count),
    Imm(&'a mut Imm),
    TypeIdx(&'a mut TypeIdx),
}

for_each_op!(define_ops);

/// The opcode table of `lang-spec/bytecode.md`, as markdown.
pub fn opcode_table() -> String {
    let mut out = String::from(
        "| opcode | mnemonic | operands | standard spelling | reads | writes | effect |\n| --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for info in OPS {
        let operands: Vec<String> = info
            .operands
            .iter()
            .map(|(name, kind)| format!("{name}:{}", kind.name()))
            .collect();
        let mut reads: Vec<String> = info
            .reads
            .iter()
            .map(|(name, class)| format!("{name}:{class:?}"))
            .collect();
        if let Some((start, count)) = info.window {
            reads.push(format!("{start}[..{count}]"));
        }
        let mut writes: Vec<String> = info
            .writes
            .iter()
            .map(|(name, rule)| format!("{name}:{rule}"))
            .collect();
        let flags = info.flags;
        for (on, word) in [
            (flags.end, "end"),
            (flags.alloc, "alloc"),
            (flags.call, "call"),
        ] {
            if on {
                writes.push(format!("*{word}*"));
            }
        }
        let cell = |parts: Vec<String>| {
            if parts.is_empty() {
                "—".to_string()
            } else {
                parts.join(" ")
            }
        };
        // The standard spelling as a template of a syntax file's `[ops]`.
        let names: Vec<String> = info
            .operands
            .iter()
            .map(|(name, _)| format!("{{{name}}}"))
            .collect();
        let spelling = format!("{} {}", info.mnemonic, names.join(", "));
        out.push_str(&format!(
            "| 0x{:02x} | `{}` | {} | `{}` | {} | {} | {} |\n",
            info.code,
            info.mnemonic,
            operands.join(", "),
            spelling.trim_end(),
            cell(reads),
            cell(writes),
            info.doc.trim().replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's opcode table is generated from [`OPS`]; this fails when it
    /// is stale. `UPDATE_SPEC=1` rewrites it.
    #[test]
    fn spec_opcode_table_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../lang-spec/bytecode.md");
        let text = std::fs::read_to_string(path).expect("lang-spec/bytecode.md exists");
        let (begin, end) = ("<!-- opcodes:begin -->\n", "<!-- opcodes:end -->");
        let start = text.find(begin).expect("begin marker") + begin.len();
        let stop = text.find(end).expect("end marker");
        let expected = opcode_table();
        if text[start..stop] != expected {
            if std::env::var_os("UPDATE_SPEC").is_some() {
                let updated = format!("{}{}{}", &text[..start], expected, &text[stop..]);
                std::fs::write(path, updated).expect("spec is writable");
            } else {
                panic!("lang-spec/bytecode.md's opcode table is out of date: run UPDATE_SPEC=1 cargo test -p mvm-bytecode");
            }
        }
    }

    /// Every register operand has exactly one role: read (with a class),
    /// written (with a rule), or the start of a window.
    #[test]
    fn every_register_operand_has_one_role() {
        for info in OPS {
            for (name, kind) in info.operands {
                let roles = info.reads.iter().filter(|(r, _)| r == name).count()
                    + info.writes.iter().filter(|(w, _)| w == name).count()
                    + usize::from(info.window.is_some_and(|(s, _)| s == *name));
                let expected = usize::from(*kind == OperandKind::Reg);
                assert_eq!(roles, expected, "operand `{name}` of `{}`", info.mnemonic);
            }
            if let Some((_, count)) = info.window {
                assert!(
                    info.operands.contains(&(count, OperandKind::Count)),
                    "the window count of `{}` is a count operand",
                    info.mnemonic
                );
            }
        }
    }

    #[test]
    fn opcodes_and_mnemonics_are_unique() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for info in OPS {
            assert!(
                codes.insert(info.code),
                "duplicate opcode 0x{:02x}",
                info.code
            );
            assert!(
                names.insert(info.mnemonic),
                "duplicate mnemonic {}",
                info.mnemonic
            );
        }
    }

    #[test]
    fn every_instruction_roundtrips_through_its_encoding() {
        for info in OPS {
            let operands: Vec<Operand> = info
                .operands
                .iter()
                .map(|(_, k)| match k {
                    OperandKind::Reg => Operand::Reg(3),
                    OperandKind::Const => Operand::Const(70000),
                    OperandKind::Func => Operand::Func(5),
                    OperandKind::Native => Operand::Native(6),
                    OperandKind::Label => Operand::Label(7),
                    OperandKind::Count => Operand::Count(2),
                    OperandKind::Imm => Operand::Imm(-9),
                    OperandKind::TypeIdx => Operand::TypeIdx(1),
                })
                .collect();
            let op = Op::from_parts(info.mnemonic, &operands).expect("builds");
            let mut bytes = Vec::new();
            op.encode(&mut bytes);
            let mut r = Reader::new(&bytes);
            assert_eq!(Op::decode(&mut r), Ok(op));
            assert!(r.is_at_end());
        }
    }
}
