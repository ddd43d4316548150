//! Adding compiled code to a running VM: [`Vm::link`] joins a further
//! module to the loaded program, and [`Vm::call`] runs one of its functions
//! to the end on a fiber of its own.
//!
//! A linked module is verified on its own first (its indices are its own),
//! then its parts join the program's:
//!
//! - **natives** by name (each resolved against the registry once);
//! - **types** by their descriptor: a struct or enum whose name, fields or
//!   variants equal a loaded one's *is* that type (so values made before
//!   the link keep comparing equal with values made after it); any other
//!   is added (a redefined `Point` with other fields is a new type, and the
//!   old `Point`'s values keep printing as before);
//! - **constants** by value, the new ones made in the heap once;
//! - **functions** by version: a function of the module whose name,
//!   signature, code, lines and callees are those of the latest loaded function of
//!   that name *is* that function; every other is added as a new version.
//!   The test is a greatest fixed point (every same-named pair is assumed
//!   equal, then pairs whose code differs once calls are mapped through the
//!   assumption are dropped until none is), so mutually recursive functions
//!   are recognised and a caller of a changed function is itself a new
//!   version: later calls run the new code, while frames already running
//!   (and closures already made) go on with the old versions and everything
//!   they call, which stay loaded.
//!
//! Indices of loaded functions, types and constants never change, so the
//! fibers, the heap and the module state stay valid; the joined module is
//! verified again as a whole before the VM switches to it, so what runs is
//! always a verified module.
//!
//! [`link_libraries`] is the other way modules join: a program built
//! against libraries (`mvlc build --extern`) and the libraries it names,
//! joined into one module before it runs. Imports are resolved by name
//! against the libraries' exports and checked by each item's type
//! fingerprint; a call to an import's stand-in becomes a call to the
//! library's function.

use crate::interp::{FiberId, Step, Vm};
use crate::native::NativeRegistry;
use crate::program::{LoadError, Program};
use crate::value::Value;
use crate::{Fiber, Host};
use mvm_bytecode::{Constant, Module, Op, OperandMut, TypeKind, Verified};
use std::collections::HashMap;
use std::sync::Arc;

/// What one [`Vm::link`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Linked {
    /// For each function of the linked module, its index in the VM.
    pub functions: Vec<u32>,
    /// The names of the functions added as new versions of a function
    /// already loaded (a redefinition, or a caller of one).
    pub redefined: Vec<String>,
    /// How many functions were added (new versions and new names).
    pub added: usize,
}

impl Vm {
    /// Joins `module` to the running program (see the module docs).
    /// Nothing already loaded changes; on an error the VM is as before.
    pub fn link(&mut self, module: Module, registry: &NativeRegistry) -> Result<Linked, LoadError> {
        let module = Verified::new(module)
            .map_err(LoadError::Verify)?
            .into_module();
        let old = self.program.module();
        let mut joined = old.clone();

        for n in &module.natives {
            if !joined.natives.contains(n) && registry.get(n).is_none() {
                return Err(LoadError::UnknownNative(n.clone()));
            }
        }
        let first_new_constant = joined.constants.len();
        let remap = Remap::join(&mut joined, &module);
        let files = &remap.files;

        // The latest loaded version of each name.
        let mut latest: HashMap<&str, u32> = HashMap::new();
        for (i, f) in old.functions.iter().enumerate() {
            latest.insert(f.name.as_str(), i as u32);
        }
        let mut count: HashMap<&str, usize> = HashMap::new();
        for f in &module.functions {
            *count.entry(f.name.as_str()).or_default() += 1;
        }
        let mut same: Vec<Option<u32>> = module
            .functions
            .iter()
            .map(|f| {
                let o = *latest.get(f.name.as_str())?;
                let g = &old.functions[o as usize];
                (count[f.name.as_str()] == 1
                    && g.arity == f.arity
                    && g.n_regs == f.n_regs
                    && g.code.len() == f.code.len()
                    && g.lines.len() == f.lines.len())
                .then_some(o)
            })
            .collect();
        let map_op = |op: &Op, funcs: &dyn Fn(u32) -> Option<u32>| remap.op(op, funcs);
        loop {
            let mut changed = false;
            for i in 0..module.functions.len() {
                let Some(o) = same[i] else { continue };
                let f = &module.functions[i];
                let g = &old.functions[o as usize];
                let equal = files[f.file as usize] == g.file
                    && f.params == g.params
                    && f.result == g.result
                    && f.lines == g.lines
                    && f.inlined.len() == g.inlined.len()
                    && f.inlined.iter().zip(&g.inlined).all(|(a, b)| {
                        a.start == b.start
                            && a.end == b.end
                            && a.frames.iter().zip(&b.frames).all(|(x, y)| {
                                x.function == y.function
                                    && x.call_line == y.call_line
                                    && files.get(x.file as usize) == Some(&y.file)
                            })
                            && a.frames.len() == b.frames.len()
                    })
                    && f.code.iter().zip(&g.code).all(|(a, b)| {
                        map_op(a, &|c| same.get(c as usize).copied().flatten()) == Some(*b)
                    });
                if !equal {
                    same[i] = None;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let mut index = Vec::with_capacity(module.functions.len());
        let mut next = joined.functions.len() as u32;
        for s in &same {
            index.push(s.unwrap_or_else(|| {
                next += 1;
                next - 1
            }));
        }
        let mut redefined = Vec::new();
        let mut added = 0;
        for (i, f) in module.functions.iter().enumerate() {
            if same[i].is_some() {
                continue;
            }
            added += 1;
            if latest.contains_key(f.name.as_str()) {
                redefined.push(f.name.clone());
            }
            let mut f = f.clone();
            for op in &mut f.code {
                // Every callee has an index by now.
                if let Some(mapped) = map_op(op, &|c| index.get(c as usize).copied()) {
                    *op = mapped;
                }
            }
            f.file = files[f.file as usize];
            for fr in f.inlined.iter_mut().flat_map(|e| &mut e.frames) {
                fr.file = files.get(fr.file as usize).copied().unwrap_or(0);
            }
            joined.functions.push(f);
        }
        joined.entry = index
            .get(module.entry as usize)
            .copied()
            .unwrap_or(old.entry);

        let program = Program::load(joined, registry)?;
        // The new constants and shared variants, made once.
        let state = &mut self.state;
        for c in &program.module().constants[first_new_constant..] {
            state.constants.push(match c {
                Constant::Int(i) => Value::Int(*i),
                Constant::Float(x) => Value::Float(*x),
                Constant::Str(s) => self.heap.alloc_str(s),
            });
        }
        let first_new_type = self.program.module().types.len();
        state.variants.resize(program.variant_slots(), Value::Unit);
        for (ty, t) in program
            .module()
            .types
            .iter()
            .enumerate()
            .skip(first_new_type)
        {
            if let TypeKind::Enum(vs) = &t.kind {
                for (variant, (_, payload)) in vs.iter().enumerate() {
                    if *payload == 0 {
                        state.variants[program.variant_slot(ty as u32, variant as u32)] =
                            self.heap.alloc(crate::Object::Variant {
                                ty: ty as u32,
                                variant: variant as u32,
                                fields: Box::new([]),
                            });
                    }
                }
            }
        }
        self.heap.hold_module(program.module().memory_bytes());
        self.program = Arc::new(program);
        Ok(Linked {
            functions: index,
            redefined,
            added,
        })
    }

    /// Runs function `func` with `args` on a fiber of its own until it
    /// returns, fails or exits; `between` is asked after every slice of
    /// `budget` instructions whether to go on (`Err(message)` stops the
    /// call with that runtime error: an interrupt, a time limit). The
    /// fiber is gone afterwards; the value returned is not a root, so keep
    /// it (in [`crate::ModuleState::globals`]) before anything allocates.
    pub fn call(
        &mut self,
        func: u32,
        args: &[Value],
        host: &mut dyn Host,
        budget: u64,
        between: &mut dyn FnMut() -> Result<(), String>,
    ) -> Step {
        let program = self.program.clone();
        let Some(f) = program.module().functions.get(func as usize) else {
            return Step::Error(crate::RuntimeError {
                message: format!("no function {func} to call"),
                trace: Vec::new(),
                omitted: 0,
            });
        };
        if f.arity as usize != args.len() {
            return Step::Error(crate::RuntimeError {
                message: format!(
                    "`{}` takes {} arguments, {} given",
                    f.name,
                    f.arity,
                    args.len()
                ),
                trace: Vec::new(),
                omitted: 0,
            });
        }
        if let Some((i, t)) = program.wrong_argument(func as usize, args) {
            return Step::Error(crate::RuntimeError {
                message: format!(
                    "`{}` takes {} for its parameter {}, given {}",
                    f.name,
                    t.name(),
                    i + 1,
                    args[i].kind()
                ),
                trace: Vec::new(),
                omitted: 0,
            });
        }
        let mut fiber = Fiber::new(&program, func);
        fiber.regs[..args.len()].copy_from_slice(args);
        self.fibers.push(fiber);
        let id = FiberId(self.fibers.len() - 1);
        let step = loop {
            match self.run_fiber(id, host, budget) {
                Step::BudgetSpent => {
                    if let Err(message) = between() {
                        let frames = &self.fibers[id.0].frames;
                        let (trace, omitted) = crate::fiber::trace_of(program.module(), frames);
                        break Step::Error(crate::RuntimeError {
                            message,
                            trace,
                            omitted,
                        });
                    }
                }
                other => break other,
            }
        };
        self.fibers.truncate(id.0);
        step
    }

    /// Values the embedder keeps alive across calls (a session's bindings):
    /// roots of every collection.
    pub fn globals_mut(&mut self) -> &mut Vec<Value> {
        &mut self.state.globals
    }
}

/// Joins `program` and the `libraries` it imports (and those they import)
/// into one module, ready for [`Program::load`] (which verifies the whole).
/// Each module is verified alone first; libraries join before the modules
/// that import them, whatever order they are given in. Every import must
/// find an export of its name in its library, of the same kind and with
/// the same type fingerprint: otherwise the error names the item and both
/// types. Nothing here panics on any input.
pub fn link_libraries(program: Module, libraries: Vec<Module>) -> Result<Module, LoadError> {
    let mut pending = Vec::with_capacity(libraries.len());
    for lib in libraries {
        if !lib.is_library() {
            return Err(LoadError::Link(
                "a module given as a library is a program (build it with `mvlc build --lib`)"
                    .to_string(),
            ));
        }
        if pending.iter().any(|m: &Module| m.library == lib.library) {
            return Err(LoadError::Link(format!(
                "the library `{}` is given twice",
                lib.library
            )));
        }
        let name = lib.library.clone();
        let lib = Verified::new(lib)
            .map_err(|e| LoadError::Link(format!("the library `{name}` does not verify: {e}")))?
            .into_module();
        pending.push(lib);
    }
    if program.is_library() {
        return Err(LoadError::Link(format!(
            "`{}` is a library: it has no entry function; run a program that imports it",
            program.library
        )));
    }
    let program = Verified::new(program)
        .map_err(LoadError::Verify)?
        .into_module();
    let mut joined = Module::default();
    let mut done: Vec<String> = Vec::new();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|m| m.imports.iter().all(|i| done.contains(&i.module)));
        let Some(ready) = ready else {
            let names: Vec<&str> = pending.iter().map(|m| m.library.as_str()).collect();
            return Err(LoadError::Link(format!(
                "the libraries {} import each other, or a library none was given",
                names.join(", ")
            )));
        };
        let lib = pending.remove(ready);
        append(&mut joined, &lib, &done)?;
        done.push(lib.library);
    }
    append(&mut joined, &program, &done)?;
    Ok(joined)
}

/// Appends the verified module `m` to `joined`, its imports resolved
/// against the exports already there (`libraries` names the libraries
/// joined so far).
fn append(joined: &mut Module, m: &Module, libraries: &[String]) -> Result<(), LoadError> {
    let who = if m.is_library() {
        format!("the library `{}`", m.library)
    } else {
        "the program".to_string()
    };
    // Each stand-in function's target in `joined`.
    let mut resolved: HashMap<u32, u32> = HashMap::new();
    for import in &m.imports {
        let key = format!("{}::{}", import.module, import.name);
        if !libraries.contains(&import.module) {
            return Err(LoadError::Link(format!(
                "{who} imports `{key}`, but no library `{}` is linked",
                import.module
            )));
        }
        let Some(export) = joined.exports.iter().find(|e| e.name == key) else {
            return Err(LoadError::Link(format!(
                "{who} imports `{key}`, which the library `{}` does not export (any more)",
                import.module
            )));
        };
        if export.ty != import.ty || export.function.is_some() != import.function.is_some() {
            return Err(LoadError::Link(format!(
                "`{key}` does not match: {who} was compiled against `{}`, but the library `{}` has `{}`",
                import.ty, import.module, export.ty
            )));
        }
        if let (Some(stand_in), Some(target)) = (import.function, export.function) {
            let want = m.functions.get(stand_in as usize).map(|f| f.arity);
            let have = joined.functions.get(target as usize).map(|f| f.arity);
            if want.is_none() || want != have {
                return Err(LoadError::Link(format!(
                    "`{key}` does not match: {who} calls it with {} argument(s), the library's takes {}",
                    want.unwrap_or(0),
                    have.unwrap_or(0)
                )));
            }
            resolved.insert(stand_in, target);
        }
    }
    let remap = Remap::join(joined, m);
    let mut index = Vec::with_capacity(m.functions.len());
    let mut next = joined.functions.len() as u32;
    for i in 0..m.functions.len() as u32 {
        index.push(match resolved.get(&i) {
            Some(target) => *target,
            None => {
                next += 1;
                next - 1
            }
        });
    }
    for (i, f) in m.functions.iter().enumerate() {
        if resolved.contains_key(&(i as u32)) {
            continue;
        }
        let mut f = f.clone();
        // Verified: every operand is in range of its table.
        for op in &mut f.code {
            if let Some(mapped) = remap.op(op, &|g| index.get(g as usize).copied()) {
                *op = mapped;
            }
        }
        f.file = remap.files.get(f.file as usize).copied().unwrap_or(0);
        for fr in f.inlined.iter_mut().flat_map(|e| &mut e.frames) {
            fr.file = remap.files.get(fr.file as usize).copied().unwrap_or(0);
        }
        joined.functions.push(f);
    }
    for e in &m.exports {
        let mut e = e.clone();
        e.function = e.function.map(|f| index[f as usize]);
        joined.exports.push(e);
    }
    if !m.is_library() {
        joined.entry = index.get(m.entry as usize).copied().unwrap_or(0);
    }
    Ok(())
}

/// Where each entry of a module's tables went in the module it joins:
/// natives and files by name, types by their latest equal descriptor,
/// constants by value (a Float by its bits).
struct Remap {
    natives: Vec<u32>,
    types: Vec<u32>,
    constants: Vec<u32>,
    files: Vec<u32>,
}

impl Remap {
    /// Adds to `joined`'s tables what `m` needs and they lack.
    fn join(joined: &mut Module, m: &Module) -> Remap {
        let natives = m
            .natives
            .iter()
            .map(|n| position_or_push(&mut joined.natives, n))
            .collect();
        let types = m
            .types
            .iter()
            .map(|t| match joined.types.iter().rposition(|u| u == t) {
                Some(i) => i as u32,
                None => {
                    joined.types.push(t.clone());
                    joined.types.len() as u32 - 1
                }
            })
            .collect();
        let constants = m
            .constants
            .iter()
            .map(|c| intern(&mut joined.constants, c))
            .collect();
        let files = m
            .files
            .iter()
            .map(|f| position_or_push(&mut joined.files, f))
            .collect();
        Remap {
            natives,
            types,
            constants,
            files,
        }
    }

    /// `op` with its table operands moved to the joined tables and its
    /// function operands through `funcs`; `None` when one has no target.
    /// `op` is verified, so every operand is in range of its table.
    fn op(&self, op: &Op, funcs: &dyn Fn(u32) -> Option<u32>) -> Option<Op> {
        let mut op = *op;
        let mut ok = true;
        op.for_each_operand_mut(|o| match o {
            OperandMut::Func(f) => match funcs(f.0) {
                Some(g) => f.0 = g,
                None => ok = false,
            },
            OperandMut::Const(k) => k.0 = self.constants[k.0 as usize],
            OperandMut::Native(n) => n.0 = self.natives[n.0 as usize],
            OperandMut::TypeIdx(t) => t.0 = self.types[t.0 as usize],
            _ => {}
        });
        ok.then_some(op)
    }
}

fn position_or_push(pool: &mut Vec<String>, s: &str) -> u32 {
    match pool.iter().position(|t| t == s) {
        Some(i) => i as u32,
        None => {
            pool.push(s.to_string());
            pool.len() as u32 - 1
        }
    }
}

fn intern(pool: &mut Vec<Constant>, c: &Constant) -> u32 {
    let same = |a: &Constant| match (a, c) {
        (Constant::Float(x), Constant::Float(y)) => x.to_bits() == y.to_bits(),
        _ => a == c,
    };
    match pool.iter().position(same) {
        Some(i) => i as u32,
        None => {
            pool.push(c.clone());
            pool.len() as u32 - 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CaptureHost, Heap, Object, VmConfig};
    use mvm_bytecode::assemble;

    /// `f(x) = x + k` and `g(x) = f(x) * 2`, then `main` calling `g(5)`.
    fn program(k: i32, extra: &str) -> Module {
        assemble(&format!(
            ".entry 2
.file 0 \"lib\"
.fn 0 \"f\" arity=1 regs=2 file=0 sig=(Int)->Int
    loadi r1, {k}
    addi r1, r0, r1
    ret r1
.fn 1 \"g\" arity=1 regs=3 file=0 sig=(Int)->Int
    call r1, f0, r0, 1
    loadi r2, 2
    muli r1, r1, r2
    ret r1
.fn 2 \"main\" arity=0 regs=2 file=0
    loadi r0, 5
    call r1, f1, r0, 1
    ret r1
{extra}"
        ))
        .expect("assembles")
    }

    fn call(vm: &mut Vm, f: u32, args: &[Value]) -> Step {
        let mut host = CaptureHost::default();
        vm.call(f, args, &mut host, 1000, &mut || Ok(()))
    }

    fn vm(module: Module) -> Vm {
        Vm::new(module, &NativeRegistry::default(), VmConfig::default()).expect("loads")
    }

    /// The host's call checks the arguments against the signature, as the
    /// function's code takes their types as proved.
    #[test]
    fn a_call_checks_its_arguments_against_the_signature() {
        let mut vm = vm(program(1, ""));
        assert_eq!(
            call(&mut vm, 1, &[Value::Int(2)]),
            Step::Finished(Value::Int(6))
        );
        match call(&mut vm, 1, &[Value::Bool(true)]) {
            Step::Error(e) => assert!(
                e.message
                    .contains("`g` takes Int for its parameter 1, given Bool"),
                "{}",
                e.message
            ),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn an_unchanged_module_links_to_the_loaded_functions() {
        let mut vm = vm(program(1, ""));
        let linked = vm
            .link(program(1, ""), &NativeRegistry::default())
            .expect("links");
        assert_eq!(linked.functions, vec![0, 1, 2]);
        assert_eq!(linked.added, 0);
        assert_eq!(vm.module().functions.len(), 3);
        assert_eq!(call(&mut vm, 2, &[]), Step::Finished(Value::Int(12)));
    }

    #[test]
    fn a_changed_function_and_its_callers_become_new_versions() {
        let mut vm = vm(program(1, ""));
        let linked = vm
            .link(program(10, ""), &NativeRegistry::default())
            .expect("links");
        // f changed; g and main call it, so they are new versions too.
        assert_eq!(linked.functions, vec![3, 4, 5]);
        assert_eq!(linked.redefined, vec!["f", "g", "main"]);
        assert_eq!(call(&mut vm, 5, &[]), Step::Finished(Value::Int(30)));
        // The old versions stay loaded and keep their old callees.
        assert_eq!(call(&mut vm, 2, &[]), Step::Finished(Value::Int(12)));
        assert_eq!(
            call(&mut vm, 1, &[Value::Int(1)]),
            Step::Finished(Value::Int(4))
        );
    }

    #[test]
    fn mutual_recursion_is_recognised_as_unchanged() {
        let text = ".entry 2
.file 0 \"m\"
.fn 0 \"even\" arity=1 regs=3 file=0 sig=(Int)->Bool
    loadi r1, 0
    eqi r2, r0, r1
    jmpif r2, yes
    loadi r1, 1
    subi r1, r0, r1
    call r2, f1, r1, 1
    ret r2
yes:
    true r2
    ret r2
.fn 1 \"odd\" arity=1 regs=3 file=0 sig=(Int)->Bool
    loadi r1, 0
    eqi r2, r0, r1
    jmpif r2, no
    loadi r1, 1
    subi r1, r0, r1
    call r2, f0, r1, 1
    ret r2
no:
    false r2
    ret r2
.fn 2 \"main\" arity=0 regs=1 file=0
    true r0
    ret r0
";
        let module = assemble(text).expect("assembles");
        let mut vm = vm(module.clone());
        let linked = vm.link(module, &NativeRegistry::default()).expect("links");
        assert_eq!(linked.functions, vec![0, 1, 2]);
        assert_eq!(
            call(&mut vm, 0, &[Value::Int(10)]),
            Step::Finished(Value::Bool(true))
        );
    }

    #[test]
    fn types_join_by_descriptor_and_constants_are_made_once() {
        let point = ".struct 0 \"Point\" \"x\" \"y\"\n";
        let mut vm = vm(program(1, point));
        let extra = ".struct 0 \"Point\" \"x\" \"y\" \"z\"
.struct 1 \"Point\" \"x\" \"y\"
.const 0 \"hello\"
.fn 3 \"make\" arity=0 regs=3 file=0
    loadk r0, k0
    loadi r1, 2
    newstruct r2, t1, r0, 2
    ret r2
";
        let linked = vm
            .link(program(1, extra), &NativeRegistry::default())
            .expect("links");
        assert_eq!(
            vm.module().types.len(),
            2,
            "the same Point joins, the other is new"
        );
        assert_eq!(linked.functions[3], 3);
        let Step::Finished(Value::Obj(r)) = call(&mut vm, 3, &[]) else {
            panic!("make returns a struct");
        };
        let heap: &Heap = vm.heap();
        let Some(Object::Struct { ty, fields }) = heap.get(r) else {
            panic!("a struct");
        };
        assert_eq!(*ty, 0, "t1 of the linked module is the loaded Point");
        assert_eq!(heap.str(fields[0]), Some("hello"));
    }

    #[test]
    fn a_module_that_does_not_verify_changes_nothing() {
        let mut vm = vm(program(1, ""));
        let mut bad = program(2, "");
        bad.functions[0].code.pop();
        assert!(vm.link(bad, &NativeRegistry::default()).is_err());
        assert_eq!(vm.module().functions.len(), 3);
        assert_eq!(call(&mut vm, 2, &[]), Step::Finished(Value::Int(12)));
    }

    #[test]
    fn an_unknown_native_is_a_load_error() {
        let mut vm = vm(program(1, ""));
        let err = vm
            .link(
                program(1, ".native 0 \"nope\"\n"),
                &NativeRegistry::default(),
            )
            .expect_err("refused");
        assert_eq!(err, LoadError::UnknownNative("nope".to_string()));
    }
}
