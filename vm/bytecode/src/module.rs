//! A compiled MVM module in memory: what `mvlc` produces, what a `.mvb` file
//! holds and what the VM loads. See `lang-spec/bytecode.md` for the file form.

use crate::ops::{Op, ValType};

/// One entry of the constant pool.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Int(i64),
    Float(f64),
    Str(String),
}

/// Maps instructions back to source lines: the entry with the largest `pc`
/// not above an instruction's index gives its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineEntry {
    pub pc: u32,
    pub line: u32,
}

/// One function whose body the compiler inlined into another: a virtual
/// frame of a stack trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineFrame {
    /// The inlined function's name, as a trace prints it.
    pub function: String,
    /// Index into [`Module::files`] of its source file.
    pub file: u32,
    /// The line of the call that was inlined, in the function around it
    /// (the next frame of the chain, or the function the code is in).
    pub call_line: u32,
}

/// Instructions `start .. end` of a function came from inlined bodies:
/// `frames`, innermost first, are the virtual frames a stack trace shows
/// above the function's own at those instructions (the innermost at the
/// line the line table gives, each other at the call line of the one
/// inside it, the function's own at the outermost's call line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineEntry {
    pub start: u32,
    pub end: u32,
    pub frames: Vec<InlineFrame>,
}

/// One function: its code runs in a frame of `n_regs` registers, the first
/// `arity` of which hold the arguments on entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: String,
    pub arity: u16,
    /// The signature: the type of each of the `arity` arguments (the
    /// verifier checks there are that many) and of the returned value.
    /// The verifier assumes the parameters' types on entry, checks that a
    /// `call` of the function passes them and that every `ret` returns the
    /// result's type, and gives a `call`'s destination that type. `Any`
    /// promises nothing.
    pub params: Vec<ValType>,
    pub result: ValType,
    pub n_regs: u16,
    /// Index into [`Module::files`] of the source file it came from.
    pub file: u32,
    pub code: Vec<Op>,
    /// Sorted by `pc`.
    pub lines: Vec<LineEntry>,
    /// The inline-frame table: sorted by `start`, the ranges not
    /// overlapping, each non-empty, within the code, with at least one
    /// frame (the verifier checks it). Empty for code nothing was
    /// inlined into.
    pub inlined: Vec<InlineEntry>,
}

impl Function {
    /// The source line of instruction `pc`, 0 when unknown.
    pub fn line_at(&self, pc: usize) -> u32 {
        let idx = self.lines.partition_point(|e| (e.pc as usize) <= pc);
        if idx == 0 {
            0
        } else {
            self.lines[idx - 1].line
        }
    }

    /// The virtual frames of instruction `pc`, innermost first (see
    /// [`InlineEntry`]); empty outside inlined code.
    pub fn inlined_at(&self, pc: usize) -> &[InlineFrame] {
        let idx = self.inlined.partition_point(|e| (e.start as usize) <= pc);
        match idx.checked_sub(1).and_then(|i| self.inlined.get(i)) {
            Some(e) if pc < e.end as usize => &e.frames,
            _ => &[],
        }
    }
}

/// An item made visible to other modules under a name: a function (with
/// its index) or a type (`function` `None`). A library's exports are named
/// `library::item` (`geometry::area`, `geometry::Point::norm`,
/// `geometry::Point`); a program's one export is its `main`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub name: String,
    pub function: Option<u32>,
    /// The item's type fingerprint: a function's signature as users write
    /// it (`fn(Shape) -> Float`), a type's declaration (`struct Point { x:
    /// Float, y: Float }`). An import links only to an export whose
    /// fingerprint is the one it was compiled against.
    pub ty: String,
}

/// An item expected from another module, as the module was compiled
/// against it: `geometry` `area` of type `fn(Shape) -> Float`. A function
/// import names a stand-in function of this module (same arity; the linker
/// replaces every call to it by a call to the export), a type import
/// (`function` `None`) only checks that the library still declares the type
/// the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub function: Option<u32>,
    pub ty: String,
}

/// What the VM knows of a user type: enough to print its values and, later,
/// to reflect on them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeDesc {
    pub name: String,
    pub kind: TypeKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeKind {
    /// A struct and its field names, in declaration order.
    Struct(Vec<String>),
    /// An enum and its variants: name and payload size.
    Enum(Vec<(String, u16)>),
}

/// A whole program or library.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Module {
    pub constants: Vec<Constant>,
    /// Type descriptors, indexed by the `ty` operand of `NewStruct` and
    /// `NewVariant`.
    pub types: Vec<TypeDesc>,
    pub functions: Vec<Function>,
    /// Names of the native functions this module calls, resolved by name
    /// against the VM's native registry on load.
    pub natives: Vec<String>,
    /// Source file paths, for stack traces.
    pub files: Vec<String>,
    /// Items other modules may link against, by name.
    pub exports: Vec<Export>,
    /// Items this module expects a library to provide, by module and item
    /// name. A module with imports runs only once the linker has resolved
    /// them (`mvm_runtime::link_libraries`); the loader refuses it alone.
    pub imports: Vec<Import>,
    /// For a library (`mvlc build --lib`), the name programs import it by
    /// (`geometry`); empty for a program. A library has no entry function.
    pub library: String,
    /// For a library, its interface: the declarations of its exported
    /// types and functions as MVL text (`native fn area(s: Shape) ->
    /// Float;`), which `mvlc build --extern` checks a program against.
    pub interface: String,
    /// The function run by `mvm run` (the program's `main`).
    pub entry: u32,
}

impl Module {
    /// Whether the module is a library (built with `mvlc build --lib`).
    pub fn is_library(&self) -> bool {
        !self.library.is_empty()
    }

    /// The bytes the module takes in memory (an estimate: every vector's
    /// items and every string's text with its header), as
    /// [`Module::from_bytes_within`] counts them while decoding. A loaded
    /// module counts against the VM's heap limit.
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let s = |t: &String| t.len() + size_of::<String>();
        let constants: usize = self
            .constants
            .iter()
            .map(|c| match c {
                Constant::Str(t) => s(t),
                _ => 0,
            })
            .sum::<usize>()
            + self.constants.len() * size_of::<Constant>();
        let types: usize = self
            .types
            .iter()
            .map(|t| {
                s(&t.name)
                    + match &t.kind {
                        TypeKind::Struct(fs) => fs.iter().map(s).sum::<usize>(),
                        TypeKind::Enum(vs) => vs
                            .iter()
                            .map(|v| s(&v.0) + size_of::<(String, u16)>())
                            .sum(),
                    }
            })
            .sum::<usize>()
            + self.types.len() * size_of::<TypeDesc>();
        let functions: usize = self
            .functions
            .iter()
            .map(|f| {
                s(&f.name)
                    + f.code.len() * size_of::<Op>()
                    + f.lines.len() * size_of::<LineEntry>()
                    + f.inlined
                        .iter()
                        .map(|e| {
                            size_of::<InlineEntry>()
                                + e.frames
                                    .iter()
                                    .map(|fr| size_of::<InlineFrame>() + s(&fr.function))
                                    .sum::<usize>()
                        })
                        .sum::<usize>()
            })
            .sum::<usize>()
            + self.functions.len() * size_of::<Function>();
        let names: usize = self.natives.iter().chain(&self.files).map(s).sum::<usize>()
            + self
                .exports
                .iter()
                .map(|e| s(&e.name) + s(&e.ty))
                .chain(
                    self.imports
                        .iter()
                        .map(|i| s(&i.module) + s(&i.name) + s(&i.ty)),
                )
                .sum::<usize>()
            + s(&self.library)
            + s(&self.interface);
        constants + types + functions + names
    }
}
