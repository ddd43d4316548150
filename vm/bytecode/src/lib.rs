//! The MVM bytecode: the single definition of the instruction set ([`ops`]),
//! the in-memory module ([`module`]) and its `.mvb` file form, shared by the
//! compiler (which produces it) and the runtime (which loads and runs it).
//!
//! This crate knows nothing about MVL source or about executing code.

pub mod asm;
pub mod disasm;
pub mod format;
pub mod module;
pub mod ops;
pub mod reader;
pub mod verify;

pub use asm::{assemble, assemble_with, AsmError, LineReader, RawInstruction, RawOperand};
pub use disasm::{disassemble, disassemble_function, disassemble_with, LineWriter};
pub use module::{
    Constant, Export, Function, Import, InlineEntry, InlineFrame, LineEntry, Module, TypeDesc,
    TypeKind,
};
pub use ops::{Class, Flags, Op, OpInfo, Operand, OperandKind, OperandMut, Produces, ValType, OPS};
pub use reader::{DecodeError, Reader};
pub use verify::{verify, Verified, VerifyError, VerifyErrors};
