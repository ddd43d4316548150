//! The disassembler: a readable listing of a [`Module`], with each
//! instruction's operands annotated (constants inline, function and native
//! names, jump targets as labels, the source line). Operands are listed
//! generically from the instruction table, never by a per-opcode match.

use crate::module::{Constant, Module, TypeKind};
use crate::ops::{Op, Operand};
use std::collections::BTreeSet;
use std::fmt::Write;

fn show_constant(c: &Constant) -> String {
    match c {
        Constant::Int(i) => i.to_string(),
        Constant::Float(x) => format!("{x:?}"),
        Constant::Str(s) => format!("{s:?}"),
    }
}

/// The whole module as text.
pub fn disassemble(module: &Module) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "; MVM module: {} function(s), entry #{}",
        module.functions.len(),
        module.entry
    );
    for (i, f) in module.files.iter().enumerate() {
        let _ = writeln!(out, ".file {i} {f:?}");
    }
    for (i, c) in module.constants.iter().enumerate() {
        let _ = writeln!(out, ".const {i} {}", show_constant(c));
    }
    for (i, n) in module.natives.iter().enumerate() {
        let _ = writeln!(out, ".native {i} {n}");
    }
    for (i, t) in module.types.iter().enumerate() {
        match &t.kind {
            TypeKind::Struct(fields) => {
                let _ = writeln!(out, ".struct {i} {} {{ {} }}", t.name, fields.join(", "));
            }
            TypeKind::Enum(vs) => {
                let vs: Vec<String> = vs.iter().map(|(n, a)| format!("{n}/{a}")).collect();
                let _ = writeln!(out, ".enum {i} {} {{ {} }}", t.name, vs.join(", "));
            }
        }
    }
    for (fi, f) in module.functions.iter().enumerate() {
        let file = module
            .files
            .get(f.file as usize)
            .map_or("?", |s| s.as_str());
        let _ = writeln!(
            out,
            "\n.fn {fi} {} arity={} regs={}   ; {file}",
            f.name, f.arity, f.n_regs
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
        let mut last_line = 0;
        for (pc, op) in f.code.iter().enumerate() {
            if targets.contains(&(pc as u32)) {
                let _ = writeln!(out, "L{pc}:");
            }
            let operands: Vec<String> = op
                .operands()
                .iter()
                .map(|(_, o)| show_operand(*o))
                .collect();
            let mut text = format!("    {:<10} {}", op.mnemonic(), operands.join(", "));
            let notes = annotate(module, op);
            let line = f.line_at(pc);
            let mut comment = Vec::new();
            if !notes.is_empty() {
                comment.push(notes);
            }
            if line != last_line {
                comment.push(format!("line {line}"));
                last_line = line;
            }
            if !comment.is_empty() {
                while text.len() < 44 {
                    text.push(' ');
                }
                text.push_str(" ; ");
                text.push_str(&comment.join(", "));
            }
            let _ = writeln!(out, "{}", text.trim_end());
        }
    }
    out
}

fn show_operand(o: Operand) -> String {
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
