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
//! Then a dataflow over each function's control-flow graph computes, for
//! every instruction, the type each register holds on every path reaching it
//! (Int, Float, Bool, String, unit, function, object, or "any" where paths
//! disagree or the value comes from a call or a container). An instruction
//! whose operand definitely holds the wrong type (a Float where `addi`
//! needs an Int, a register read before anything was written to it) is
//! refused. The rules come from each instruction's `types` in the
//! instruction table. Where the type is "any", the interpreter's own check
//! remains and reports a runtime error.

use crate::module::{Constant, Module, TypeKind};
use crate::ops::{Op, OpInfo, Operand, OPS};
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
        check_types(module, f).map_err(|(pc, message)| err(Some(pc), message))?;
    }
    Ok(())
}

/// What a register holds at a point of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RegType {
    Int,
    Float,
    Bool,
    Str,
    Unit,
    Fn,
    Obj,
    Any,
}

impl RegType {
    fn join(self, other: RegType) -> RegType {
        if self == other {
            self
        } else {
            RegType::Any
        }
    }

    fn name(self) -> &'static str {
        match self {
            RegType::Int => "an Int",
            RegType::Float => "a Float",
            RegType::Bool => "a Bool",
            RegType::Str => "a String",
            RegType::Unit => "nothing written yet (unit)",
            RegType::Fn => "a function",
            RegType::Obj => "an object",
            RegType::Any => "anything",
        }
    }

    fn parse(word: &str) -> Option<RegType> {
        Some(match word {
            "int" => RegType::Int,
            "float" => RegType::Float,
            "bool" => RegType::Bool,
            "str" => RegType::Str,
            "unit" => RegType::Unit,
            "fn" => RegType::Fn,
            "obj" => RegType::Obj,
            "any" => RegType::Any,
            _ => return None,
        })
    }

    /// Whether a register of this type may be used where `class` is
    /// required. `Any` always may: the interpreter checks it at run time.
    fn fits(self, class: &str) -> bool {
        use RegType as T;
        match (self, class) {
            (T::Any, _) | (_, "any") => true,
            (T::Int | T::Float, "num") => true,
            (T::Int | T::Float | T::Str, "add") => true,
            (T::Fn | T::Obj, "callable") => true,
            (t, c) => RegType::parse(c) == Some(t),
        }
    }
}

/// The largest `registers x instructions` the type dataflow runs on; a
/// bigger function is checked by the interpreter alone.
const DATAFLOW_LIMIT: usize = 50_000_000;

/// The register-type dataflow over one function (see the module docs).
fn check_types(module: &Module, f: &crate::module::Function) -> Result<(), (usize, String)> {
    let n_regs = f.n_regs as usize;
    let n = f.code.len();
    if n_regs.saturating_mul(n) > DATAFLOW_LIMIT {
        return Ok(());
    }
    let mut infos: [Option<&OpInfo>; 256] = [None; 256];
    for info in OPS {
        infos[info.code as usize] = Some(info);
    }
    let mut entry = vec![RegType::Unit; n_regs];
    for slot in entry.iter_mut().take(f.arity as usize) {
        *slot = RegType::Any;
    }
    let mut states: Vec<Option<Vec<RegType>>> = vec![None; n];
    states[0] = Some(entry);
    let mut work = vec![0usize];
    while let Some(pc) = work.pop() {
        let Some(state) = states[pc].clone() else {
            continue;
        };
        let op = f.code[pc];
        let Some(info) = infos[op.code() as usize] else {
            continue;
        };
        let operands = op.operands();
        let reg_of = |field: &str| -> Option<usize> {
            operands.iter().find_map(|(name, o)| match o {
                Operand::Reg(r) if *name == field => Some(*r as usize),
                _ => None,
            })
        };
        let mut out = state.clone();
        let mut falls_through = true;
        for word in info.types.split_whitespace() {
            if word == "end" {
                falls_through = false;
            } else if let Some((field, class)) = word.split_once(':') {
                if let Some(r) = reg_of(field) {
                    let t = state[r];
                    if !t.fits(class) {
                        return Err((
                            pc,
                            format!(
                                "`{}` needs {} in r{r} (operand `{field}`), but it holds {} on every path here",
                                op.mnemonic(),
                                RegType::parse(class).map_or(class, |c| c.name()),
                                t.name()
                            ),
                        ));
                    }
                }
            } else if let Some((field, result)) = word.split_once('=') {
                let Some(dst) = reg_of(field) else { continue };
                let arg = |i: usize| -> RegType {
                    let inner = result
                        .split_once('(')
                        .map_or("", |(_, r)| r.trim_end_matches(')'));
                    inner
                        .split(',')
                        .nth(i)
                        .and_then(|name| reg_of(name.trim()))
                        .map_or(RegType::Any, |r| state[r])
                };
                let t = if result.starts_with("copy(") {
                    arg(0)
                } else if result.starts_with("same(") {
                    let (a, b) = (arg(0), arg(1));
                    if a == b {
                        a
                    } else {
                        RegType::Any
                    }
                } else if result.starts_with("const(") {
                    let k = operands.iter().find_map(|(_, o)| match o {
                        Operand::Const(k) => Some(*k as usize),
                        _ => None,
                    });
                    match k.and_then(|k| module.constants.get(k)) {
                        Some(Constant::Int(_)) => RegType::Int,
                        Some(Constant::Float(_)) => RegType::Float,
                        Some(Constant::Str(_)) => RegType::Str,
                        None => RegType::Any,
                    }
                } else {
                    RegType::parse(result).unwrap_or(RegType::Any)
                };
                out[dst] = t;
            }
        }
        let mut next: Vec<usize> = operands
            .iter()
            .filter_map(|(_, o)| match o {
                Operand::Label(t) => Some(*t as usize),
                _ => None,
            })
            .collect();
        if falls_through && pc + 1 < n {
            next.push(pc + 1);
        }
        for succ in next {
            let merged = match &states[succ] {
                None => out.clone(),
                Some(old) => old.iter().zip(&out).map(|(a, b)| a.join(*b)).collect(),
            };
            if states[succ].as_ref() != Some(&merged) {
                states[succ] = Some(merged);
                work.push(succ);
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
    fn refuses_a_definite_type_error() {
        use crate::ops::Imm;
        let m = one(
            vec![
                Op::LoadTrue { dst: Reg(0) },
                Op::AddInt {
                    dst: Reg(0),
                    a: Reg(0),
                    b: Reg(0),
                },
                Op::Ret { src: Reg(0) },
            ],
            1,
        );
        let e = verify(&m).expect_err("bool into addi");
        assert!(e.message.contains("needs an Int"), "{e}");
        assert_eq!(e.pc, Some(1));
        // Int on one path and Float on the other: unproven, left to run time.
        let m = one(
            vec![
                Op::LoadTrue { dst: Reg(1) },
                Op::LoadInt {
                    dst: Reg(0),
                    imm: Imm(1),
                },
                Op::JmpIf {
                    cond: Reg(1),
                    target: Label(4),
                },
                Op::LoadUnit { dst: Reg(0) },
                Op::AddInt {
                    dst: Reg(0),
                    a: Reg(0),
                    b: Reg(0),
                },
                Op::Ret { src: Reg(0) },
            ],
            2,
        );
        assert!(verify(&m).is_ok());
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
