//! Libraries (`lang-spec/modules.md`, Libraries): what `mvlc build --lib`
//! adds to a compiled module, and what `mvlc build --extern` does to a
//! program compiled against libraries.
//!
//! A library's `.mvb` records its **exports** (every function, method and
//! type of its root file, named `library::item`, each with its type
//! fingerprint: a function's signature as users write it, a type's
//! declaration) and its **interface**: those declarations as MVL text, the
//! functions bodyless (`native fn area(x0: Shape) -> Float;`). A program
//! built with `--extern geometry.mvb` is checked against that interface,
//! which enters the database as the module `geometry` (`FileKind::Interface`);
//! its functions are declared like natives, so a call to one compiles to a
//! `calln` of `geometry::area`. [`resolve_externs`] then turns each such
//! call into a call of an import's stand-in function and records the import
//! with the fingerprint the program was compiled against; `mvm run` links
//! the stand-ins to the library's functions (`mvm_runtime::link_libraries`)
//! and refuses an import whose fingerprint the library no longer has.
//!
//! What an interface cannot state is refused at `--lib` with the item
//! named: a signature whose type variables carry a class (`+`, `<`, `==` on
//! an unannotated parameter: annotate it), an associated function (no
//! `self`) of a generic type, a type of another module in a signature.
//! Constants are not exported.

use crate::db::{self, Db, Program};
use crate::sema::env::{AdtKind, Env, Global, MethodKey, ModuleId, PRELUDE};
use crate::sema::ir::FnId;
use crate::sema::types::{Class, Ty, TyCon};
use crate::sema::DeclKind;
use mvm_bytecode::ops::{Func, Reg, ValType};
use mvm_bytecode::{Export, Function, Import, Module, Op, OperandMut};
use std::collections::HashMap;

/// The root file's module.
const ROOT: ModuleId = ModuleId(1);

/// Makes `module`, compiled from `program`'s root file (`index` maps each
/// function to its place in `module`), the library `name`: its exports and
/// interface. The errors name each item an interface cannot state.
pub fn make_library(
    db: &dyn Db,
    program: Program,
    name: &str,
    module: &mut Module,
    index: &HashMap<FnId, u32>,
) -> Result<(), Vec<String>> {
    let decls = db::declarations(db, program);
    let env = &decls.env;
    let mut errors = Vec::new();
    let mut interface =
        format!("// The interface of the library `{name}`, written by `mvlc build --lib`.\n");
    let mut exports = Vec::new();
    for adt in env.adts.iter().filter(|a| a.module == ROOT) {
        let gens = &adt.type_params;
        let head = with_params(&adt.name, gens);
        let text = match &adt.kind {
            AdtKind::Struct(fields) => {
                let fields: Result<Vec<String>, String> = fields
                    .iter()
                    .map(|f| Ok(format!("{}: {}", f.name, render(env, &f.ty, gens)?)))
                    .collect();
                fields.map(|f| format!("struct {head} {{ {} }}", f.join(", ")))
            }
            AdtKind::Enum(variants) => {
                let variants: Result<Vec<String>, String> = variants
                    .iter()
                    .map(|v| {
                        if v.fields.is_empty() {
                            return Ok(v.name.clone());
                        }
                        let fields: Result<Vec<String>, String> =
                            v.fields.iter().map(|t| render(env, t, gens)).collect();
                        Ok(format!("{}({})", v.name, fields?.join(", ")))
                    })
                    .collect();
                variants.map(|v| format!("enum {head} {{ {} }}", v.join(", ")))
            }
        };
        match text {
            Ok(text) => {
                interface.push_str(&text);
                interface.push('\n');
                exports.push(Export {
                    name: format!("{name}::{}", adt.name),
                    function: None,
                    ty: text,
                });
            }
            Err(why) => errors.push(format!("cannot export the type `{}`: {why}", adt.name)),
        }
    }
    // Each method's type and whether it takes `self`.
    let mut methods: HashMap<FnId, (MethodKey, String, bool)> = HashMap::new();
    for ((key, method), m) in env.methods.iter() {
        if let Global::Fn(id) = m.target {
            methods.insert(id, (*key, method.clone(), m.has_self));
        }
    }
    for d in &decls.decls {
        if d.module != ROOT || !matches!(d.kind, DeclKind::Fn | DeclKind::Method) {
            continue;
        }
        let (Some(scheme), Some(&function)) = (db::fn_scheme(db, program, d.id), index.get(&d.id))
        else {
            continue;
        };
        let declared = declare_fn(
            env,
            &d.name,
            &scheme.ty,
            &scheme.classes,
            methods.get(&d.id),
        );
        match declared {
            Ok((text, fingerprint)) => {
                interface.push_str(&text);
                interface.push('\n');
                exports.push(Export {
                    name: format!("{name}::{}", d.name),
                    function: Some(function),
                    ty: fingerprint,
                });
            }
            Err(why) => errors.push(format!("cannot export `{}`: {why}", d.name)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    module.library = name.to_string();
    module.interface = interface;
    module.exports = exports;
    module.entry = 0;
    Ok(())
}

/// A function's interface declaration and its fingerprint.
fn declare_fn(
    env: &Env,
    name: &str,
    ty: &Ty,
    classes: &[Class],
    method: Option<&(MethodKey, String, bool)>,
) -> Result<(String, String), String> {
    if classes.iter().any(|c| *c != Class::ANY) {
        return Err(
            "its type has a constrained type variable (an operator applied to an unannotated \
             parameter), which an interface cannot state: annotate its parameters"
                .to_string(),
        );
    }
    let Ty::Fn(params, ret) = ty else {
        return Err("it is not a function".to_string());
    };
    let mut gens: Vec<String> = (0..classes.len()).map(gen_name).collect();
    // A method of a generic type: the impl's parameters are its receiver's.
    let mut impl_params = Vec::new();
    let mut head = String::new();
    if let Some((key, method, has_self)) = method {
        let MethodKey::Adt(id) = key else {
            return Err("a method of a built-in type".to_string());
        };
        let adt = &env.adts[id.0 as usize];
        if !adt.type_params.is_empty() {
            let receiver = match (has_self, params.first()) {
                (true, Some(Ty::App(TyCon::Adt(r), args))) if r == id => Some(args),
                _ => None,
            };
            let Some(args) = receiver else {
                return Err(format!(
                    "an associated function of the generic type `{}` (without `self`) cannot \
                     be stated in an interface",
                    adt.name
                ));
            };
            for (arg, param) in args.iter().zip(&adt.type_params) {
                match arg {
                    Ty::Gen(g) if !impl_params.contains(g) => {
                        gens[*g as usize] = param.clone();
                        impl_params.push(*g);
                    }
                    _ => return Err("its receiver's type is not the impl's".to_string()),
                }
            }
            // The method's own parameters must not take the impl's names.
            let mut next = 0;
            for g in 0..gens.len() as u32 {
                if impl_params.contains(&g) {
                    continue;
                }
                while adt.type_params.contains(&gen_name(next)) {
                    next += 1;
                }
                gens[g as usize] = gen_name(next);
                next += 1;
            }
        }
        head = format!(
            "impl{} {} {{ ",
            params_list(&adt.type_params),
            with_params(&adt.name, &adt.type_params)
        );
        let _ = method;
    }
    let own: Vec<String> = (0..gens.len() as u32)
        .filter(|g| !impl_params.contains(g))
        .map(|g| gens[g as usize].clone())
        .collect();
    let has_self = method.is_some_and(|m| m.2);
    let mut shown = Vec::new();
    let mut declared = Vec::new();
    for (i, p) in params.iter().enumerate() {
        let t = render(env, p, &gens)?;
        declared.push(if i == 0 && has_self {
            "self".to_string()
        } else {
            format!("x{i}: {t}")
        });
        shown.push(t);
    }
    let ret = render(env, ret, &gens)?;
    let short = name.rsplit("::").next().unwrap_or(name);
    let text = format!(
        "{head}native fn {short}{}({}) -> {ret};{}",
        params_list(&own),
        declared.join(", "),
        if head.is_empty() { "" } else { " }" }
    );
    Ok((text, format!("fn({}) -> {ret}", shown.join(", "))))
}

fn params_list(params: &[String]) -> String {
    match params.is_empty() {
        true => String::new(),
        false => format!("<{}>", params.join(", ")),
    }
}

fn with_params(name: &str, params: &[String]) -> String {
    format!("{name}{}", params_list(params))
}

/// `a`, `b`, ...: a signature's type variables.
fn gen_name(i: usize) -> String {
    let letter = (b'a' + (i % 26) as u8) as char;
    match i < 26 {
        true => letter.to_string(),
        false => format!("{letter}{}", i / 26),
    }
}

/// `ty` as MVL source text, in the library's own namespace.
fn render(env: &Env, ty: &Ty, gens: &[String]) -> Result<String, String> {
    let list = |tys: &[Ty]| -> Result<String, String> {
        let parts: Result<Vec<String>, String> = tys.iter().map(|t| render(env, t, gens)).collect();
        Ok(parts?.join(", "))
    };
    Ok(match ty {
        Ty::Int => "Int".to_string(),
        Ty::Float => "Float".to_string(),
        Ty::Bool => "Bool".to_string(),
        Ty::Str => "String".to_string(),
        Ty::Unit => "()".to_string(),
        Ty::Fn(params, ret) => format!("fn({}) -> {}", list(params)?, render(env, ret, gens)?),
        Ty::App(con, args) => match con {
            TyCon::Array => format!("[{}]", list(args)?),
            TyCon::Tuple => format!("({})", list(args)?),
            TyCon::Map => format!("Map<{}>", list(args)?),
            TyCon::Set => format!("Set<{}>", list(args)?),
            TyCon::Tree => format!("Tree<{}>", list(args)?),
            TyCon::Graph => format!("Graph<{}>", list(args)?),
            TyCon::Adt(id) => {
                let adt = &env.adts[id.0 as usize];
                if adt.module != ROOT && adt.module != PRELUDE {
                    return Err(format!(
                        "its type names `{}`, a type of another module",
                        adt.name
                    ));
                }
                match args.is_empty() {
                    true => adt.name.clone(),
                    false => format!("{}<{}>", adt.name, list(args)?),
                }
            }
        },
        Ty::Gen(i) => gens
            .get(*i as usize)
            .cloned()
            .ok_or_else(|| "its type is not fully known".to_string())?,
        Ty::Var(_) => return Err("its type is not fully known".to_string()),
    })
}

/// Turns every call of a library's function in `module` (a `calln` of a
/// native its interface declared) into a call of an import's stand-in, and
/// records the imports, of functions and of every type the libraries
/// export, with the fingerprints of `libraries`, the libraries the program
/// was compiled against.
pub fn resolve_externs(module: &mut Module, libraries: &[Module]) {
    let export_of = |name: &str| {
        libraries.iter().find_map(|lib| {
            let e = lib.exports.iter().find(|e| e.name == name)?;
            let f = lib.functions.get(e.function? as usize)?;
            Some((lib, e, f.arity))
        })
    };
    if module.files.is_empty() {
        module.files.push(String::new());
    }
    // Each native's new index, or the stand-in that replaces it.
    let mut natives = Vec::new();
    let mut kept = Vec::new();
    let mut stand_ins: Vec<Option<u32>> = Vec::new();
    let mut imports = Vec::new();
    let mut added = Vec::new();
    for native in &module.natives {
        match export_of(native) {
            Some((lib, export, arity)) => {
                let stand_in = (module.functions.len() + added.len()) as u32;
                added.push(Function {
                    name: native.clone(),
                    arity,
                    // Linking puts the library's function, with its
                    // signature, in its place before anything runs.
                    params: vec![ValType::Any; arity as usize],
                    result: ValType::Any,
                    n_regs: arity.max(1),
                    file: 0,
                    code: vec![Op::LoadUnit { dst: Reg(0) }, Op::Ret { src: Reg(0) }],
                    lines: Vec::new(),
                    inlined: Vec::new(),
                });
                imports.push(Import {
                    module: lib.library.clone(),
                    name: short_name(&lib.library, native),
                    function: Some(stand_in),
                    ty: export.ty.clone(),
                });
                natives.push(0);
                stand_ins.push(Some(stand_in));
            }
            None => {
                natives.push(kept.len() as u32);
                kept.push(native.clone());
                stand_ins.push(None);
            }
        }
    }
    for f in &mut module.functions {
        for op in &mut f.code {
            if let Op::CallNative {
                dst,
                native,
                args,
                argc,
            } = *op
            {
                if let Some(Some(stand_in)) = stand_ins.get(native.0 as usize) {
                    *op = Op::Call {
                        dst,
                        func: Func(*stand_in),
                        args,
                        argc,
                    };
                    continue;
                }
            }
            op.for_each_operand_mut(|o| {
                if let OperandMut::Native(n) = o {
                    n.0 = natives.get(n.0 as usize).copied().unwrap_or(n.0);
                }
            });
        }
    }
    module.functions.extend(added);
    module.natives = kept;
    for lib in libraries {
        for e in lib.exports.iter().filter(|e| e.function.is_none()) {
            imports.push(Import {
                module: lib.library.clone(),
                name: short_name(&lib.library, &e.name),
                function: None,
                ty: e.ty.clone(),
            });
        }
    }
    module.imports = imports;
}

fn short_name(library: &str, name: &str) -> String {
    name.strip_prefix(library)
        .and_then(|n| n.strip_prefix("::"))
        .unwrap_or(name)
        .to_string()
}
