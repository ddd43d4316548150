//! The disassembler: a module as `.mvasm` text, which the assembler
//! ([`crate::asm`]) reads back to the very same bytes.
//!
//! Directives give the tables (`.const`, `.native`, `.struct`, `.enum`,
//! `.file`, `.export`, `.import`, `.entry`); each function starts with
//! `.fn` and lists one instruction per line, with `L<pc>:` labels on jump
//! targets and `.line N` where the line table has an entry, then an
//! `.inline START END "name" FILE LINE ...` per inline-frame entry. Operands are
//! listed generically from the instruction table, never by a per-opcode
//! match; a comment after `;` names what an index operand refers to.
//!
//! How an instruction, a label and a comment are spelled is a
//! [`LineWriter`]: [`Standard`] by default, a user-defined syntax with
//! `mvm dis --syntax` (the same spelling the assembler then reads).

use crate::asm::Standard;
use crate::module::{Constant, Module, TypeKind};
use crate::ops::{Op, Operand, ValType};
use std::collections::BTreeSet;
use std::fmt::Write;

/// A constant as the assembler reads it: Ints plain, Floats always with a
/// `.`, an exponent, `inf` or `NaN`, Strings quoted with escapes.
pub fn show_constant(c: &Constant) -> String {
    match c {
        Constant::Int(i) => i.to_string(),
        Constant::Float(x) => format!("{x:?}"),
        Constant::Str(s) => format!("{s:?}"),
    }
}

/// How one spelling of assembly writes instructions, labels and comments.
pub trait LineWriter {
    /// The comment marker.
    fn comment(&self) -> &str;
    /// An instruction, without indentation or comment.
    fn instruction(&self, op: &Op) -> String;
    /// The line that defines the label of instruction `pc`.
    fn label_definition(&self, pc: u32) -> String;
}

impl LineWriter for Standard {
    fn comment(&self) -> &str {
        ";"
    }

    fn instruction(&self, op: &Op) -> String {
        let operands: Vec<String> = op
            .operands()
            .iter()
            .map(|(_, o)| show_operand(*o))
            .collect();
        format!("{:<10} {}", op.mnemonic(), operands.join(", "))
            .trim_end()
            .to_string()
    }

    fn label_definition(&self, pc: u32) -> String {
        format!("L{pc}:")
    }
}

/// The whole module as `.mvasm` text, in the standard spelling.
pub fn disassemble(module: &Module) -> String {
    disassemble_with(module, &Standard)
}

/// The whole module as `.mvasm` text, in the spelling `writer` gives.
pub fn disassemble_with(module: &Module, writer: &dyn LineWriter) -> String {
    let c = writer.comment();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{c} MVM module: {} function(s)",
        module.functions.len()
    );
    let _ = writeln!(out, ".entry {}", module.entry);
    for (i, f) in module.files.iter().enumerate() {
        let _ = writeln!(out, ".file {i} {f:?}");
    }
    for (i, c) in module.constants.iter().enumerate() {
        let _ = writeln!(out, ".const {i} {}", show_constant(c));
    }
    for (i, n) in module.natives.iter().enumerate() {
        let _ = writeln!(out, ".native {i} {n:?}");
    }
    for (i, t) in module.types.iter().enumerate() {
        match &t.kind {
            TypeKind::Struct(fields) => {
                let fields: Vec<String> = fields.iter().map(|f| format!("{f:?}")).collect();
                let _ = writeln!(out, ".struct {i} {:?} {}", t.name, fields.join(" "));
            }
            TypeKind::Enum(vs) => {
                let vs: Vec<String> = vs.iter().map(|(n, a)| format!("{n:?}/{a}")).collect();
                let _ = writeln!(out, ".enum {i} {:?} {}", t.name, vs.join(" "));
            }
        }
    }
    if module.is_library() {
        let _ = writeln!(out, ".library {:?}", module.library);
        let _ = writeln!(out, ".interface {:?}", module.interface);
    }
    let item = |f: Option<u32>| f.map_or_else(|| "type".to_string(), |f| format!("f{f}"));
    for e in &module.exports {
        let _ = writeln!(out, ".export {:?} {} {:?}", e.name, item(e.function), e.ty);
    }
    for i in &module.imports {
        let _ = writeln!(
            out,
            ".import {:?} {:?} {} {:?}",
            i.module,
            i.name,
            item(i.function),
            i.ty
        );
    }
    for fi in 0..module.functions.len() {
        function_text(module, fi, writer, &mut out);
    }
    out
}

/// Function `fi` of `module` as `.mvasm` text (`mvlc repl`'s `:dis`).
pub fn disassemble_function(module: &Module, fi: usize) -> String {
    let mut out = String::new();
    function_text(module, fi, &Standard, &mut out);
    out
}

fn function_text(module: &Module, fi: usize, writer: &dyn LineWriter, out: &mut String) {
    let c = writer.comment();
    let Some(f) = module.functions.get(fi) else {
        return;
    };
    let file = module
        .files
        .get(f.file as usize)
        .map_or("?", |s| s.as_str());
    // As the file form writes it: `arity` parameter types.
    let params: Vec<&str> = (0..f.arity as usize)
        .map(|i| f.params.get(i).copied().unwrap_or(ValType::Any).asm_name())
        .collect();
    let _ = writeln!(
        out,
        "\n.fn {fi} {:?} arity={} regs={} file={} sig=({})->{}   {c} {file}",
        f.name,
        f.arity,
        f.n_regs,
        f.file,
        params.join("*"),
        f.result.asm_name()
    );
    let targets: BTreeSet<u32> = f
        .code
        .iter()
        .flat_map(|op| op.operands())
        .filter_map(|(_, o)| match o {
            Operand::Label(t) => Some(t),
            _ => None,
        })
        .collect();
    let mut lines = f.lines.iter().peekable();
    for (pc, op) in f.code.iter().enumerate() {
        while let Some(l) = lines.next_if(|l| l.pc as usize <= pc) {
            let _ = writeln!(
                out,
                ".line {}{}",
                l.line,
                if l.pc as usize == pc {
                    String::new()
                } else {
                    format!(" @{}", l.pc)
                }
            );
        }
        if targets.contains(&(pc as u32)) {
            let _ = writeln!(out, "{}", writer.label_definition(pc as u32));
        }
        let mut text = format!("    {}", writer.instruction(op));
        let notes = annotate(module, op);
        if !notes.is_empty() {
            while text.chars().count() < 40 {
                text.push(' ');
            }
            text.push(' ');
            text.push_str(c);
            text.push(' ');
            text.push_str(&notes);
        }
        let _ = writeln!(out, "{}", text.trim_end());
    }
    for l in lines {
        let _ = writeln!(out, ".line {} @{}", l.line, l.pc);
    }
    for e in &f.inlined {
        let mut text = format!(".inline {} {}", e.start, e.end);
        for fr in &e.frames {
            let _ = write!(text, " {:?} {} {}", fr.function, fr.file, fr.call_line);
        }
        let _ = writeln!(out, "{text}");
    }
}

pub fn show_operand(o: Operand) -> String {
    match o {
        Operand::Reg(r) => format!("r{r}"),
        Operand::Const(k) => format!("k{k}"),
        Operand::Func(f) => format!("f{f}"),
        Operand::Native(n) => format!("n{n}"),
        Operand::Label(l) => format!("L{l}"),
        Operand::Count(c) => c.to_string(),
        Operand::Imm(i) => i.to_string(),
        Operand::TypeIdx(t) => format!("t{t}"),
    }
}

/// Names and values behind an instruction's index operands.
fn annotate(module: &Module, op: &Op) -> String {
    let mut notes = Vec::new();
    for (_, o) in op.operands() {
        match o {
            Operand::Const(k) => {
                if let Some(c) = module.constants.get(k as usize) {
                    notes.push(show_constant(c));
                }
            }
            Operand::Func(f) => {
                if let Some(func) = module.functions.get(f as usize) {
                    notes.push(func.name.clone());
                }
            }
            Operand::Native(n) => {
                if let Some(name) = module.natives.get(n as usize) {
                    notes.push(name.clone());
                }
            }
            Operand::TypeIdx(t) => {
                if let Some(ty) = module.types.get(t as usize) {
                    notes.push(ty.name.clone());
                }
            }
            _ => {}
        }
    }
    notes.join(" ")
}
