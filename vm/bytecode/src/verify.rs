//! The verifier: what must hold of a [`Module`] before any of it runs.
//!
//! Checked today: every operand in range for its kind (registers below the
//! function's register count, constant, function, native and type indices
//! inside their tables, jump targets inside the function), register ranges
//! of calls and constructors inside the frame, `Call` passing the callee's
//! arity, constructors matching their type descriptor, each function ending
//! in `Ret` or `Jmp`, line tables sorted, and an entry function of arity 0.
//! Operand kinds are checked generically from the instruction table, so a
//! new instruction is verified without touching this file.
//!
//! Not checked yet (the interpreter still checks these at run time, as
//! runtime errors): that typed instructions only see registers holding their
//! type on every path. That dataflow pass is planned here.

use crate::module::{Module, TypeKind};
use crate::ops::{Op, Operand};
use std::fmt;

/// Why a module was refused: where (function and instruction) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    pub function: Option<String>,
    pub pc: Option<usize>,
    pub message: String,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.function, self.pc) {
            (Some(name), Some(pc)) => {
                write!(f, "in `{name}` at instruction {pc}: {}", self.message)
            }
            (Some(name), None) => write!(f, "in `{name}`: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for VerifyError {}

/// Checks `module`; the first problem found is returned.
pub fn verify(module: &Module) -> Result<(), VerifyError> {
    let module_err = |message: String| VerifyError {
        function: None,
        pc: None,
        message,
    };
    let Some(entry) = module.functions.get(module.entry as usize) else {
        return Err(module_err(format!(
            "the entry function #{} does not exist",
            module.entry
        )));
    };
    if entry.arity != 0 {
        return Err(module_err(format!(
            "the entry function `{}` must take no arguments",
            entry.name
        )));
    }
    for f in &module.functions {
        let err = |pc: Option<usize>, message: String| VerifyError {
            function: Some(f.name.clone()),
            pc,
            message,
        };
        if f.arity > f.n_regs {
            return Err(err(
                None,
                format!("arity {} exceeds its {} registers", f.arity, f.n_regs),
            ));
        }
        if !module.files.is_empty() && f.file as usize >= module.files.len() {
            return Err(err(None, format!("file index {} out of range", f.file)));
        }
        if !f.lines.windows(2).all(|w| w[0].pc <= w[1].pc) {
            return Err(err(None, "line table is not sorted".to_string()));
        }
        match f.code.last() {
            Some(Op::Ret { .. } | Op::Jmp { .. }) => {}
            Some(_) => {
                return Err(err(
                    Some(f.code.len() - 1),
                    "the last instruction must be `ret` or `jmp`".into(),
                ))
            }
            None => {
                return Err(err(
                    None,
                    "a function must have at least one instruction".into(),
                ))
            }
        }
        for (pc, op) in f.code.iter().enumerate() {
            let at = |message: String| err(Some(pc), message);
            for (field, operand) in op.operands() {
                let (ok, what) = match operand {
                    Operand::Reg(r) => (
                        r < f.n_regs,
                        format!("register r{r} (the frame has {})", f.n_regs),
                    ),
                    Operand::Const(k) => (
                        (k as usize) < module.constants.len(),
                        format!("constant #{k} (there are {})", module.constants.len()),
                    ),
                    Operand::Func(i) => (
                        (i as usize) < module.functions.len(),
                        format!("function #{i} (there are {})", module.functions.len()),
                    ),
                    Operand::Native(i) => (
                        (i as usize) < module.natives.len(),
                        format!("native #{i} (there are {})", module.natives.len()),
                    ),
                    Operand::Label(t) => (
                        (t as usize) < f.code.len(),
                        format!(
                            "jump target {t} (the function has {} instructions)",
                            f.code.len()
                        ),
                    ),
                    Operand::TypeIdx(t) => (
                        (t as usize) < module.types.len(),
                        format!("type #{t} (there are {})", module.types.len()),
                    ),
                    Operand::Count(_) | Operand::Imm(_) => (true, String::new()),
                };
                if !ok {
                    return Err(at(format!(
                        "operand `{field}` of `{}` is out of range: {what}",
                        op.mnemonic()
                    )));
                }
            }
            let range = |start: u16, count: u16| -> Result<(), VerifyError> {
                if start as usize + count as usize > f.n_regs as usize {
                    return Err(err(
                        Some(pc),
                        format!(
                            "registers r{start}..r{} of `{}` are outside the frame of {}",
                            start as usize + count as usize,
                            op.mnemonic(),
                            f.n_regs
                        ),
                    ));
                }
                Ok(())
            };
            match *op {
                Op::Call {
                    func, args, argc, ..
                } => {
                    range(args.0, argc.0)?;
                    let callee = &module.functions[func.0 as usize];
                    if callee.arity != argc.0 {
                        return Err(at(format!(
                            "`call` passes {} argument(s) to `{}`, which takes {}",
                            argc.0, callee.name, callee.arity
                        )));
                    }
                }
                Op::CallValue { args, argc, .. } | Op::CallNative { args, argc, .. } => {
                    range(args.0, argc.0)?
                }
                Op::MakeClosure {
                    func, start, count, ..
                } => {
                    range(start.0, count.0)?;
                    let callee = &module.functions[func.0 as usize];
                    if count.0 > callee.arity {
                        return Err(at(format!(
                            "`closure` captures {} value(s) but `{}` takes only {}",
                            count.0, callee.name, callee.arity
                        )));
                    }
                }
                Op::NewArray { start, count, .. } | Op::NewTuple { start, count, .. } => {
                    range(start.0, count.0)?
                }
                Op::NewStruct {
                    ty, start, count, ..
                } => {
                    range(start.0, count.0)?;
                    match &module.types[ty.0 as usize].kind {
                        TypeKind::Struct(fields) if fields.len() == count.0 as usize => {}
                        _ => return Err(at(format!("`newstruct` does not fit type #{}", ty.0))),
                    }
                }
                Op::NewVariant {
                    ty,
                    variant,
                    start,
                    count,
                    ..
                } => {
                    range(start.0, count.0)?;
                    match &module.types[ty.0 as usize].kind {
                        TypeKind::Enum(vs)
                            if vs.get(variant.0 as usize).is_some_and(|v| v.1 == count.0) => {}
                        _ => return Err(at(format!("`newvar` does not fit type #{}", ty.0))),
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::Function;
    use crate::ops::{Label, Reg};

    fn one(code: Vec<Op>, n_regs: u16) -> Module {
        Module {
            functions: vec![Function {
                name: "main".into(),
                arity: 0,
                n_regs,
                file: 0,
                code,
                lines: vec![],
            }],
            files: vec!["a.mvl".into()],
            ..Module::default()
        }
    }

    #[test]
    fn accepts_a_good_function() {
        assert!(verify(&one(
            vec![Op::LoadUnit { dst: Reg(0) }, Op::Ret { src: Reg(0) }],
            1
        ))
        .is_ok());
    }

    #[test]
    fn refuses_bad_registers_jumps_and_endings() {
        let e = verify(&one(vec![Op::Ret { src: Reg(3) }], 1)).expect_err("register");
        assert!(e.message.contains("r3"), "{e}");
        let e = verify(&one(vec![Op::Jmp { target: Label(7) }], 1)).expect_err("label");
        assert!(e.message.contains("jump target 7"), "{e}");
        let e = verify(&one(vec![Op::LoadUnit { dst: Reg(0) }], 1)).expect_err("ending");
        assert!(e.message.contains("last instruction"), "{e}");
        assert!(verify(&Module::default()).is_err());
    }
}
