//! The `.mvb` file form of a [`Module`]: [`Module::to_bytes`] and
//! [`Module::from_bytes`]. The layout is documented byte by byte in
//! `lang-spec/bytecode.md`; in short, all integers little-endian:
//!
//! ```text
//! magic "MVB\0"  version u16
//! constants:  u32 count, then per constant a tag (0 Int i64, 1 Float f64, 2 Str string)
//! types:      u32 count, then name string, kind u8 (0 struct, 1 enum),
//!             u32 count of field names (string) or variants (string, u16 arity)
//! natives:    u32 count of strings
//! files:      u32 count of strings
//! library:    name string (empty for a program), interface string
//! exports:    u32 count of (name string, type string, kind u8: 0 function + u32, 1 type)
//! imports:    u32 count of (module string, name string, type string,
//!             kind u8: 0 function + u32 stand-in, 1 type)
//! functions:  u32 count, then name string, arity u16, arity parameter types u8,
//!             result type u8, n_regs u16, file u32,
//!             u32 instruction count + instructions, u32 line count + (pc u32, line u32),
//!             u32 inline-entry count + (start u32, end u32, u32 frame count +
//!             (function string, file u32, call line u32))
//! entry u32
//! ```
//!
//! A string is a `u32` byte length and that many bytes of UTF-8. Decoding
//! trusts nothing: every count is checked against the bytes left before
//! anything is allocated, and trailing bytes are an error.

use crate::module::{
    Constant, Export, Function, Import, InlineEntry, InlineFrame, LineEntry, Module, TypeDesc,
    TypeKind,
};
use crate::ops::{Op, ValType};
use crate::reader::{DecodeError, Reader};

/// The first four bytes of every `.mvb` file.
pub const MAGIC: &[u8; 4] = b"MVB\0";
/// The format version this build reads and writes.
pub const VERSION: u16 = 4;

fn put_item(out: &mut Vec<u8>, function: Option<u32>) {
    match function {
        Some(f) => {
            out.push(0);
            put_u32(out, f);
        }
        None => out.push(1),
    }
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    put_u32(out, u32::try_from(n).unwrap_or(u32::MAX));
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

impl Module {
    /// The module as `.mvb` bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        put_u16(&mut out, VERSION);
        put_len(&mut out, self.constants.len());
        for c in &self.constants {
            match c {
                Constant::Int(i) => {
                    out.push(0);
                    out.extend_from_slice(&i.to_le_bytes());
                }
                Constant::Float(x) => {
                    out.push(1);
                    out.extend_from_slice(&x.to_le_bytes());
                }
                Constant::Str(s) => {
                    out.push(2);
                    put_str(&mut out, s);
                }
            }
        }
        put_len(&mut out, self.types.len());
        for t in &self.types {
            put_str(&mut out, &t.name);
            match &t.kind {
                TypeKind::Struct(fields) => {
                    out.push(0);
                    put_len(&mut out, fields.len());
                    for f in fields {
                        put_str(&mut out, f);
                    }
                }
                TypeKind::Enum(variants) => {
                    out.push(1);
                    put_len(&mut out, variants.len());
                    for (name, arity) in variants {
                        put_str(&mut out, name);
                        put_u16(&mut out, *arity);
                    }
                }
            }
        }
        put_len(&mut out, self.natives.len());
        for n in &self.natives {
            put_str(&mut out, n);
        }
        put_len(&mut out, self.files.len());
        for f in &self.files {
            put_str(&mut out, f);
        }
        put_str(&mut out, &self.library);
        put_str(&mut out, &self.interface);
        put_len(&mut out, self.exports.len());
        for e in &self.exports {
            put_str(&mut out, &e.name);
            put_str(&mut out, &e.ty);
            put_item(&mut out, e.function);
        }
        put_len(&mut out, self.imports.len());
        for i in &self.imports {
            put_str(&mut out, &i.module);
            put_str(&mut out, &i.name);
            put_str(&mut out, &i.ty);
            put_item(&mut out, i.function);
        }
        put_len(&mut out, self.functions.len());
        for f in &self.functions {
            put_str(&mut out, &f.name);
            put_u16(&mut out, f.arity);
            // The verifier holds `params` to `arity` entries; the file form
            // has exactly `arity` of them whatever the value in memory.
            for i in 0..f.arity as usize {
                out.push(f.params.get(i).copied().unwrap_or(ValType::Any).code());
            }
            out.push(f.result.code());
            put_u16(&mut out, f.n_regs);
            put_u32(&mut out, f.file);
            put_len(&mut out, f.code.len());
            for op in &f.code {
                op.encode(&mut out);
            }
            put_len(&mut out, f.lines.len());
            for l in &f.lines {
                put_u32(&mut out, l.pc);
                put_u32(&mut out, l.line);
            }
            put_len(&mut out, f.inlined.len());
            for e in &f.inlined {
                put_u32(&mut out, e.start);
                put_u32(&mut out, e.end);
                put_len(&mut out, e.frames.len());
                for fr in &e.frames {
                    put_str(&mut out, &fr.function);
                    put_u32(&mut out, fr.file);
                    put_u32(&mut out, fr.call_line);
                }
            }
        }
        put_u32(&mut out, self.entry);
        out
    }

    /// Reads a module from `.mvb` bytes. The result is well-formed but not
    /// yet verified: run [`crate::verify::verify`] before executing it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Module, DecodeError> {
        Module::from_bytes_within(bytes, usize::MAX)
    }

    /// [`Module::from_bytes`], refusing (with a [`DecodeError`] marked
    /// `out_of_memory`) before allocating once the decoded module would
    /// take more than `budget` bytes by [`Module::memory_bytes`]' measure:
    /// a file of a few bytes per instruction expands to 16 bytes per
    /// instruction in memory.
    pub fn from_bytes_within(bytes: &[u8], budget: usize) -> Result<Module, DecodeError> {
        use std::mem::size_of;
        let mut r = Reader::with_budget(bytes, budget);
        let magic = r.bytes(4)?;
        if magic != MAGIC {
            return Err(DecodeError::new(
                0,
                "not an MVM bytecode file (bad magic number)",
            ));
        }
        let version = r.u16()?;
        if version != VERSION {
            let advice = if version < VERSION {
                "an older format: build it again with this mvlc"
            } else {
                "a newer format: run it with the mvm of the mvlc that built it"
            };
            return Err(DecodeError::new(
                4,
                format!(
                    "format version {version} is not supported (this mvm reads version {VERSION}; {advice})"
                ),
            ));
        }
        let mut module = Module::default();
        // The smallest constant is an empty string: a tag and a length.
        let n = r.count(5, "constant")?;
        r.hold(n * size_of::<Constant>(), "constants")?;
        for _ in 0..n {
            let at = r.position();
            let c = match r.u8()? {
                0 => Constant::Int(r.i64()?),
                1 => Constant::Float(r.f64()?),
                2 => Constant::Str(r.string("string constant")?),
                tag => return Err(DecodeError::new(at, format!("unknown constant tag {tag}"))),
            };
            module.constants.push(c);
        }
        let n = r.count(9, "type")?;
        r.hold(n * size_of::<TypeDesc>(), "types")?;
        for _ in 0..n {
            let name = r.string("type name")?;
            let at = r.position();
            let kind = match r.u8()? {
                0 => {
                    let m = r.count(4, "field")?;
                    let mut fields = Vec::with_capacity(m);
                    for _ in 0..m {
                        fields.push(r.string("field name")?);
                    }
                    TypeKind::Struct(fields)
                }
                1 => {
                    let m = r.count(6, "variant")?;
                    let mut variants = Vec::with_capacity(m);
                    for _ in 0..m {
                        let name = r.string("variant name")?;
                        variants.push((name, r.u16()?));
                    }
                    TypeKind::Enum(variants)
                }
                k => return Err(DecodeError::new(at, format!("unknown type kind {k}"))),
            };
            module.types.push(TypeDesc { name, kind });
        }
        let n = r.count(4, "native")?;
        for _ in 0..n {
            module.natives.push(r.string("native name")?);
        }
        let n = r.count(4, "file")?;
        for _ in 0..n {
            module.files.push(r.string("file name")?);
        }
        module.library = r.string("library name")?;
        module.interface = r.string("library interface")?;
        let n = r.count(9, "export")?;
        for _ in 0..n {
            let name = r.string("export name")?;
            let ty = r.string("export type")?;
            let function = item(&mut r)?;
            module.exports.push(Export { name, function, ty });
        }
        let n = r.count(13, "import")?;
        for _ in 0..n {
            let module_name = r.string("import module")?;
            let name = r.string("import name")?;
            let ty = r.string("import type")?;
            let function = item(&mut r)?;
            module.imports.push(Import {
                module: module_name,
                name,
                function,
                ty,
            });
        }
        let n = r.count(20, "function")?;
        r.hold(n * size_of::<Function>(), "functions")?;
        for _ in 0..n {
            let name = r.string("function name")?;
            let arity = r.u16()?;
            let mut params = Vec::with_capacity(arity.min(256) as usize);
            for _ in 0..arity {
                params.push(val_type(&mut r, "parameter type")?);
            }
            let result = val_type(&mut r, "result type")?;
            let n_regs = r.u16()?;
            let file = r.u32()?;
            let n_ops = r.count(1, "instruction")?;
            r.hold(n_ops * size_of::<Op>(), "instructions")?;
            let mut code = Vec::with_capacity(n_ops);
            for _ in 0..n_ops {
                code.push(Op::decode(&mut r)?);
            }
            let n_lines = r.count(8, "line entry")?;
            r.hold(n_lines * size_of::<LineEntry>(), "line table")?;
            let mut lines = Vec::with_capacity(n_lines);
            for _ in 0..n_lines {
                let pc = r.u32()?;
                let line = r.u32()?;
                lines.push(LineEntry { pc, line });
            }
            let n_inlined = r.count(12, "inline entry")?;
            r.hold(n_inlined * size_of::<InlineEntry>(), "inline-frame table")?;
            let mut inlined = Vec::with_capacity(n_inlined);
            for _ in 0..n_inlined {
                let start = r.u32()?;
                let end = r.u32()?;
                let n_frames = r.count(12, "inline frame")?;
                r.hold(n_frames * size_of::<InlineFrame>(), "inline frames")?;
                let mut frames = Vec::with_capacity(n_frames);
                for _ in 0..n_frames {
                    let function = r.string("inlined function name")?;
                    let file = r.u32()?;
                    let call_line = r.u32()?;
                    frames.push(InlineFrame {
                        function,
                        file,
                        call_line,
                    });
                }
                inlined.push(InlineEntry { start, end, frames });
            }
            module.functions.push(Function {
                name,
                arity,
                params,
                result,
                n_regs,
                file,
                code,
                lines,
                inlined,
            });
        }
        module.entry = r.u32()?;
        if !r.is_at_end() {
            return Err(DecodeError::new(
                r.position(),
                format!(
                    "{} unexpected byte(s) after the end of the module",
                    r.remaining()
                ),
            ));
        }
        Ok(module)
    }
}

/// An export's or import's kind: a function and its index, or a type.
fn item(r: &mut Reader<'_>) -> Result<Option<u32>, DecodeError> {
    let at = r.position();
    match r.u8()? {
        0 => Ok(Some(r.u32()?)),
        1 => Ok(None),
        k => Err(DecodeError::new(at, format!("unknown item kind {k}"))),
    }
}

/// A register type of a function's signature.
fn val_type(r: &mut Reader<'_>, what: &str) -> Result<ValType, DecodeError> {
    let at = r.position();
    let code = r.u8()?;
    ValType::from_code(code).ok_or_else(|| DecodeError::new(at, format!("unknown {what} {code}")))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ops::{Const, Count, Func, Imm, Reg};

    pub(crate) fn sample() -> Module {
        Module {
            constants: vec![
                Constant::Int(1 << 40),
                Constant::Float(0.5),
                Constant::Str("hé".into()),
            ],
            types: vec![
                TypeDesc {
                    name: "Point".into(),
                    kind: TypeKind::Struct(vec!["x".into(), "y".into()]),
                },
                TypeDesc {
                    name: "Option".into(),
                    kind: TypeKind::Enum(vec![("None".into(), 0), ("Some".into(), 1)]),
                },
            ],
            natives: vec!["println".into()],
            files: vec!["a.mvl".into()],
            exports: vec![
                Export {
                    name: "main".into(),
                    function: Some(0),
                    ty: "fn() -> ()".into(),
                },
                Export {
                    name: "lib::Point".into(),
                    function: None,
                    ty: "struct Point { x: Float, y: Float }".into(),
                },
            ],
            imports: vec![Import {
                module: "geometry".into(),
                name: "area".into(),
                function: Some(0),
                ty: "fn(Shape) -> Float".into(),
            }],
            library: "lib".into(),
            interface: "struct Point { x: Float, y: Float }\n".into(),
            functions: vec![Function {
                name: "main".into(),
                arity: 0,
                params: vec![],
                result: ValType::Unit,
                n_regs: 3,
                file: 0,
                code: vec![
                    Op::LoadInt {
                        dst: Reg(0),
                        imm: Imm(-5),
                    },
                    Op::LoadConst {
                        dst: Reg(1),
                        k: Const(2),
                    },
                    Op::CallNative {
                        dst: Reg(2),
                        native: crate::ops::Native(0),
                        args: Reg(1),
                        argc: Count(1),
                    },
                    Op::LoadFn {
                        dst: Reg(2),
                        func: Func(0),
                    },
                    Op::Ret { src: Reg(2) },
                ],
                lines: vec![LineEntry { pc: 0, line: 1 }, LineEntry { pc: 2, line: 3 }],
                inlined: vec![InlineEntry {
                    start: 1,
                    end: 3,
                    frames: vec![InlineFrame {
                        function: "show".into(),
                        file: 0,
                        call_line: 2,
                    }],
                }],
            }],
            entry: 0,
        }
    }

    #[test]
    fn roundtrip() {
        let m = sample();
        let bytes = m.to_bytes();
        assert_eq!(Module::from_bytes(&bytes), Ok(m));
    }

    #[test]
    fn every_truncation_and_bit_flip_is_an_error_not_a_panic() {
        let bytes = sample().to_bytes();
        for len in 0..bytes.len() {
            assert!(Module::from_bytes(&bytes[..len]).is_err());
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                let _ = Module::from_bytes(&b);
            }
        }
    }

    /// Every module that writes also loads: a pool of empty strings (5
    /// bytes each, the smallest constant) is not mistaken for a truncated
    /// file.
    #[test]
    fn many_small_constants_load() {
        let m = Module {
            constants: vec![Constant::Str(String::new()); 40],
            ..Module::default()
        };
        let back = Module::from_bytes(&m.to_bytes()).expect("loads");
        assert_eq!(back, m);
    }

    #[test]
    fn huge_counts_are_refused_before_allocating() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&VERSION.to_le_bytes());
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        let err = Module::from_bytes(&bytes).expect_err("must fail");
        assert!(err.message.contains("constant count"), "{err}");
    }

    #[test]
    fn newer_versions_are_refused_clearly() {
        let mut bytes = sample().to_bytes();
        bytes[4] = 9;
        let err = Module::from_bytes(&bytes).expect_err("must fail");
        assert!(err.message.contains("version 9"), "{err}");
        assert!(err.message.contains("newer format"), "{err}");
    }

    /// A file of the first format (no library section, exports without a
    /// fingerprint) is refused by its version, before anything is read.
    #[test]
    fn version_1_files_are_refused_with_advice() {
        let mut bytes = sample().to_bytes();
        bytes[4] = 1;
        let err = Module::from_bytes(&bytes).expect_err("must fail");
        assert_eq!(err.offset, 4);
        assert!(err.message.contains("version 1"), "{err}");
        assert!(err.message.contains("build it again"), "{err}");
    }
}
