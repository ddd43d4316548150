//! Code generation: each function's typed IR lowered to MIR (`crate::lower`),
//! checked by the MIR verifier, optimised by the MIR passes
//! (`mvl_mir::passes::optimise`, verified after each in debug builds), and
//! turned into MVM bytecode by the MIR's
//! code generator (`mvl_mir::codegen`: instruction selection and register
//! allocation by liveness); then the functions are linked into a [`Module`].
//!
//! Invariant handed to the VM: every function ends in an instruction that
//! does not fall through, every register operand is below `n_regs`, and each
//! call passes as many arguments as its callee declares (the VM's validator
//! checks all three).

use crate::sema::ir::FnId;
use crate::sema::types::TypeTable;
use crate::sema::{env::Env, FnInfo, NativeInfo};
use mvl_syntax::ast::Span;
use mvm_bytecode::ops::{Const, Func};
use mvm_bytecode::{Constant, Function, Module, Operand, OperandMut, TypeDesc, TypeKind};
use std::collections::HashMap;

/// Why a function could not be lowered (limits of the bytecode format).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodegenError {
    pub message: String,
    pub span: Span,
}

/// One lowered function with its own constants (indices local to it until
/// [`link`] merges them into the module's pool).
#[derive(Clone, Debug, PartialEq)]
pub struct LoweredFn {
    pub function: Function,
    pub constants: Vec<Constant>,
    /// The functions its `Func` operands name: operand `k` means
    /// `callees[k]` until [`link`] gives each function its index.
    pub callees: Vec<FnId>,
    /// For each entry of `function.inlined`, the function each of its
    /// frames inlined (parallel to the entry's frames). The lines of an
    /// inlined body count from the first line of that function's item,
    /// as its own lowering counts them, so that a caller's lowering does
    /// not change when the callee only moves; [`place_lines`] makes them
    /// lines of the file when linking.
    pub inlined_fns: Vec<Vec<FnId>>,
    /// Every function inlined into it (whether or not any of its code was
    /// left): linking links them as if called, so that the program holds
    /// the functions it calls at every level (`reflect::functions()`).
    pub inlined: Vec<FnId>,
}

/// A function a caller may inline (at `-O`): its optimised MIR (its lines,
/// and its inline scopes' call lines, counted from its item's first line),
/// the functions its `FuncRef`s name, and the index of its file.
#[derive(Clone, Debug, PartialEq)]
pub struct InlineBody {
    pub body: mvl_mir::Body,
    pub callees: Vec<FnId>,
    pub file: u32,
}

/// Turns the lines of `f`, each counted from the first line of the
/// function the instruction came from (its own, or an inlined one's), into
/// lines of their files: `own` is the line `f`'s item starts at,
/// `firsts[i][j]` the line the item of frame `j` of inline entry `i`
/// starts at. An instruction the line table did not cover stays uncovered.
pub fn place_lines(f: &mut Function, own: u32, firsts: &[Vec<u32>]) {
    let shift = |line: u32, first: u32| line.saturating_add(first.saturating_sub(1));
    for (entry, firsts) in f.inlined.iter_mut().zip(firsts) {
        let n = entry.frames.len();
        for j in 0..n {
            // Frame j was called from frame j + 1's function, the last
            // from `f` itself.
            let around = firsts.get(j + 1).copied().unwrap_or(own);
            entry.frames[j].call_line = shift(entry.frames[j].call_line, around);
        }
    }
    if f.inlined.is_empty() {
        for entry in &mut f.lines {
            entry.line = shift(entry.line, own);
        }
        return;
    }
    // Inlined code: the line table is rebuilt instruction by instruction,
    // since one entry may span code of several functions.
    let mut lines = Vec::with_capacity(f.lines.len());
    let mut next = 0;
    let mut current: Option<u32> = None;
    for pc in 0..f.code.len() {
        while next < f.lines.len() && f.lines[next].pc as usize <= pc {
            current = Some(f.lines[next].line);
            next += 1;
        }
        let Some(line) = current else { continue };
        let k = f.inlined.partition_point(|e| e.start as usize <= pc);
        let first = match k.checked_sub(1) {
            Some(i) if (f.inlined[i].end as usize) > pc => firsts
                .get(i)
                .and_then(|fr| fr.first())
                .copied()
                .unwrap_or(own),
            _ => own,
        };
        let line = shift(line, first);
        if lines.last().map(|l: &mvm_bytecode::LineEntry| l.line) != Some(line) {
            lines.push(mvm_bytecode::LineEntry {
                pc: pc as u32,
                line,
            });
        }
    }
    f.lines = lines;
}

/// Maps byte offsets of one source text to 1-based line numbers: the
/// offsets where its lines start. Built once per file (the query
/// `db::line_index`) and shared by lowering and diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> u32 {
        self.starts.partition_point(|s| *s <= offset) as u32
    }

    /// The byte range of the 1-based `line`, without its `\n`.
    pub fn line_range(&self, line: u32) -> std::ops::Range<usize> {
        let i = (line.max(1) - 1) as usize;
        let start = self.starts.get(i).copied().unwrap_or(self.len);
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.len, |next| next - 1)
            .max(start);
        start..end
    }
}

/// How much the compiler optimises (`mvlc run|build|test -O0` or `-O`):
/// whether the MIR passes ([`mvl_mir::passes::optimise`]) run between
/// lowering and bytecode generation. Both levels agree on every observable
/// behaviour (lang-spec/evaluation.md, "Optimisation").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OptLevel {
    /// `-O0`: the MIR as lowered, verified, straight to bytecode.
    O0,
    /// `-O` (the default): the MIR pass pipeline runs.
    #[default]
    O,
}

/// Lowers one function of a program that checked without errors: `info`,
/// whose types are read through `table` (its component's), in the file
/// with index `file_index`, its lines counted by `lines`, optimised when
/// `opt` says so, with the calls of the functions `inline` hands over
/// inlined (see [`lower_mir`]).
#[allow(clippy::too_many_arguments)]
pub fn lower_function<'a>(
    info: &FnInfo,
    table: &TypeTable,
    natives: &[NativeInfo],
    file_index: u32,
    lines: &LineIndex,
    opt: OptLevel,
    callees: crate::lower::CalleeFacts<'_>,
    inline: &dyn Fn(FnId) -> Option<&'a InlineBody>,
) -> Result<LoweredFn, CodegenError> {
    let lowered = lower_mir(info, table, natives, lines, opt, callees, inline)?;
    let generated =
        mvl_mir::codegen::generate(&lowered.body, file_index).map_err(|e| CodegenError {
            message: e.0,
            span: info.span,
        })?;
    let inlined_fns = generated
        .inline_callees
        .iter()
        .map(|frames| {
            frames
                .iter()
                .map(|f| lowered.callees.get(f.0 as usize).copied())
                .collect::<Option<Vec<FnId>>>()
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| CodegenError {
            message: format!(
                "internal error: an inline scope of `{}` names no function",
                info.name
            ),
            span: info.span,
        })?;
    let mut inlined: Vec<FnId> = lowered
        .body
        .scopes
        .iter()
        .filter_map(|s| lowered.callees.get(s.callee.0 as usize).copied())
        .collect();
    inlined.sort();
    inlined.dedup();
    Ok(LoweredFn {
        function: generated.function,
        constants: generated.constants,
        callees: lowered.callees,
        inlined_fns,
        inlined,
    })
}

/// The MIR code generation receives for one function: lowered, verified
/// and, when `opt` says so, optimised, with the calls of the functions
/// `inline` hands over inlined (`mvl_mir::passes::inline`) and the
/// pipeline run again (what `--emit=mir` and `--emit=mir-opt` print). The
/// statements of an inlined body keep its lines, counted from its own
/// item's first line; their scope names the function.
pub fn lower_mir<'a>(
    info: &FnInfo,
    table: &TypeTable,
    natives: &[NativeInfo],
    lines: &LineIndex,
    opt: OptLevel,
    callees: crate::lower::CalleeFacts<'_>,
    inline: &dyn Fn(FnId) -> Option<&'a InlineBody>,
) -> Result<crate::lower::Lowered, CodegenError> {
    let mut lowered = crate::lower::lower(info, table, natives, lines, callees)?;
    if let Err(errors) = mvl_mir::verify::verify(&lowered.body) {
        return Err(CodegenError {
            message: format!(
                "internal error: the MIR of `{}` does not verify: {}",
                info.name,
                errors.join("; ")
            ),
            span: info.span,
        });
    }
    if opt == OptLevel::O {
        let internal = |message: String| CodegenError {
            message: format!("internal error: {message}"),
            span: info.span,
        };
        mvl_mir::passes::optimise(&mut lowered.body).map_err(internal)?;
        let bodies: Vec<Option<&InlineBody>> =
            lowered.callees.iter().map(|id| inline(*id)).collect();
        if bodies.iter().any(Option::is_some) {
            let mut callees = lowered.callees.clone();
            let changed = mvl_mir::passes::inline::run(
                &mut lowered.body,
                &|f| {
                    let b = bodies.get(f.0 as usize).copied().flatten()?;
                    Some(mvl_mir::passes::inline::Inlinable {
                        body: &b.body,
                        file: b.file,
                    })
                },
                &mut |f, g| {
                    // The callee's function `g`, in the caller's table
                    // (added when missing).
                    let id = bodies
                        .get(f.0 as usize)
                        .copied()
                        .flatten()
                        .and_then(|b| b.callees.get(g.0 as usize).copied());
                    let Some(id) = id else { return g };
                    let k = callees.iter().position(|c| *c == id).unwrap_or_else(|| {
                        callees.push(id);
                        callees.len() - 1
                    });
                    mvl_mir::FuncRef(k as u32)
                },
            );
            if changed {
                lowered.callees = callees;
                lowered.body.n_funcs = lowered.body.n_funcs.max(lowered.callees.len() as u32);
                if let Err(errors) = mvl_mir::verify::verify(&lowered.body) {
                    return Err(internal(format!(
                        "the MIR of `{}` does not verify after inlining: {}",
                        info.name,
                        errors.join("; ")
                    )));
                }
                mvl_mir::passes::optimise(&mut lowered.body).map_err(internal)?;
            }
        }
    }
    Ok(lowered)
}

/// Merges lowered functions into one module, in the order given (which
/// becomes their index), pooling and de-duplicating their constants and
/// turning each function's callee table into module indices.
pub fn link(
    functions: Vec<(FnId, LoweredFn)>,
    natives: Vec<String>,
    files: Vec<String>,
    types: Vec<TypeDesc>,
    entry: FnId,
) -> Module {
    let index: HashMap<FnId, u32> = functions
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i as u32))
        .collect();
    let entry = index.get(&entry).copied().unwrap_or(0);
    let mut module = Module {
        natives,
        files,
        types,
        exports: vec![mvm_bytecode::Export {
            name: "main".to_string(),
            function: Some(entry),
            ty: String::new(),
        }],
        entry,
        ..Module::default()
    };
    let mut pool = ConstPool::default();
    for (_, lowered) in functions {
        let callees: Vec<u32> = lowered
            .callees
            .iter()
            .map(|c| index.get(c).copied().unwrap_or(0))
            .collect();
        let mut function = lowered.function;
        let remap: Vec<u32> = lowered
            .constants
            .into_iter()
            .map(|c| pool.intern(&mut module.constants, c))
            .collect();
        for op in &mut function.code {
            op.for_each_operand_mut(|o| match o {
                OperandMut::Const(k) => {
                    if let Some(global) = remap.get(k.0 as usize) {
                        *k = Const(*global);
                    }
                }
                OperandMut::Func(f) => {
                    if let Some(global) = callees.get(f.0 as usize) {
                        *f = Func(*global);
                    }
                }
                _ => {}
            });
        }
        module.functions.push(function);
    }
    module
}

/// The `fnK` operands `function`'s code keeps, each `K` once, in order.
pub fn used_callees(function: &Function) -> Vec<u32> {
    let mut used: Vec<u32> = function
        .code
        .iter()
        .flat_map(|op| op.operands())
        .filter_map(|(_, o)| match o {
            Operand::Func(k) => Some(k),
            _ => None,
        })
        .collect();
    used.sort_unstable();
    used.dedup();
    used
}

/// Leaves out of `module`'s natives those no instruction names, keeping
/// the others' order and renumbering the operands that name them.
pub fn drop_unused_natives(module: &mut Module) {
    let mut used = vec![false; module.natives.len()];
    for f in &module.functions {
        for op in &f.code {
            for (_, o) in op.operands() {
                if let Operand::Native(n) = o {
                    if let Some(u) = used.get_mut(n as usize) {
                        *u = true;
                    }
                }
            }
        }
    }
    let mut remap = vec![0u32; used.len()];
    let mut kept = Vec::new();
    for (i, name) in std::mem::take(&mut module.natives).into_iter().enumerate() {
        if used[i] {
            remap[i] = kept.len() as u32;
            kept.push(name);
        }
    }
    module.natives = kept;
    for f in &mut module.functions {
        for op in &mut f.code {
            op.for_each_operand_mut(|o| {
                if let OperandMut::Native(n) = o {
                    if let Some(new) = remap.get(n.0 as usize) {
                        n.0 = *new;
                    }
                }
            });
        }
    }
}

/// The VM's descriptors of the program's structs and enums, indexed like
/// [`crate::sema::types::AdtId`].
pub fn type_descriptors(env: &Env) -> Vec<TypeDesc> {
    use crate::sema::env::AdtKind;
    env.adts
        .iter()
        .map(|a| TypeDesc {
            name: a.name.clone(),
            kind: match &a.kind {
                AdtKind::Struct(fields) => {
                    TypeKind::Struct(fields.iter().map(|f| f.name.clone()).collect())
                }
                AdtKind::Enum(vs) => TypeKind::Enum(
                    vs.iter()
                        .map(|v| (v.name.clone(), v.fields.len().min(u16::MAX as usize) as u16))
                        .collect(),
                ),
            },
        })
        .collect()
}

/// The constants of a module being linked, each once, and where each is
/// in the pool: a hash lookup per constant, not a search of the pool.
#[derive(Default)]
struct ConstPool {
    index: crate::db::FastMap<ConstKey, u32>,
}

/// A constant as the pool tells them apart: Floats by their bits (so
/// `0.0` and `-0.0` stay two constants, and a NaN equals itself).
#[derive(PartialEq, Eq, Hash)]
enum ConstKey {
    Int(i64),
    Float(u64),
    Str(String),
}

impl ConstPool {
    fn intern(&mut self, pool: &mut Vec<Constant>, c: Constant) -> u32 {
        let key = match &c {
            Constant::Int(i) => ConstKey::Int(*i),
            Constant::Float(x) => ConstKey::Float(x.to_bits()),
            Constant::Str(s) => ConstKey::Str(s.clone()),
        };
        *self.index.entry(key).or_insert_with(|| {
            pool.push(c);
            pool.len() as u32 - 1
        })
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn the_constant_pool_holds_each_constant_once() {
        use mvm_bytecode::Constant;
        let mut pool = Vec::new();
        let mut index = super::ConstPool::default();
        let mut intern = |c| index.intern(&mut pool, c);
        assert_eq!(intern(Constant::Str("a".into())), 0);
        assert_eq!(intern(Constant::Int(1)), 1);
        assert_eq!(intern(Constant::Float(0.0)), 2);
        assert_eq!(intern(Constant::Float(-0.0)), 3);
        assert_eq!(intern(Constant::Float(f64::NAN)), 4);
        assert_eq!(intern(Constant::Str("a".into())), 0);
        assert_eq!(intern(Constant::Int(1)), 1);
        assert_eq!(intern(Constant::Float(-0.0)), 3);
        assert_eq!(intern(Constant::Float(f64::NAN)), 4);
        assert_eq!(intern(Constant::Str("b".into())), 5);
        assert_eq!(pool.len(), 6);
    }

    #[test]
    fn line_index_is_one_based() {
        let idx = LineIndex::new("a\nbc\n\nd");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(2), 2);
        assert_eq!(idx.line(5), 3);
        assert_eq!(idx.line(6), 4);
        assert_eq!(idx.line_range(1), 0..1);
        assert_eq!(idx.line_range(2), 2..4);
        assert_eq!(idx.line_range(3), 5..5);
        assert_eq!(idx.line_range(4), 6..7);
        assert_eq!(LineIndex::new("a\n").line_range(2), 2..2);
    }
}
