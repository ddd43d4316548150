//! The global environment: every item of every file, entered by
//! item collection (`collect` in `sema/mod.rs`) before any body is inferred.
//!
//! Namespaces are per module. The prelude is module 0, the user's root file
//! module 1, each imported file one more module, named by its file stem, and
//! the standard library's modules (`gc`, `reflect`) come last; every module
//! sees those without an import.
//! An unqualified name is looked up in the current module, then in the
//! prelude; `geometry::area` names an item of an imported module;
//! `Shape::Circle` and `Point::new` name a variant or an associated function
//! of a type.
//!
//! User types ([`AdtDef`]) record their fields and variants with the type
//! parameters as `Ty::Gen(i)`; `infer::Checker::instantiate_fields` replaces them.

use super::ir::{FnId, NativeId};
use super::types::{AdtId, Ty, TyCon};
use crate::diagnostic::closest_name;
use crate::source::Anchor;
use mvl_syntax::ast::{self, Span};
use std::collections::HashMap;
use std::sync::Arc;

/// The environment's tables, looked up on every name a body writes:
/// foldhash's fast hasher (as `db::FastMap`), since their keys are the
/// program's own names, not input that could mount hash flooding.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A module's index: 0 the prelude, 1 the root file, then the imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(pub u32);

pub const PRELUDE: ModuleId = ModuleId(0);

/// What a value name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Global {
    Fn(FnId),
    Native(NativeId),
    /// A `const`: a function of no arguments, called at each use.
    Const(FnId),
}

/// The types methods hang on, by the head of the receiver's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MethodKey {
    Int,
    Float,
    Bool,
    Str,
    Unit,
    Array,
    Map,
    Set,
    Tree,
    Graph,
    Tuple,
    Fn,
    Adt(AdtId),
}

impl MethodKey {
    pub fn of(ty: &Ty) -> Option<MethodKey> {
        Some(match ty {
            Ty::Int => MethodKey::Int,
            Ty::Float => MethodKey::Float,
            Ty::Bool => MethodKey::Bool,
            Ty::Str => MethodKey::Str,
            Ty::Unit => MethodKey::Unit,
            Ty::Fn(..) => MethodKey::Fn,
            Ty::App(TyCon::Array, _) => MethodKey::Array,
            Ty::App(TyCon::Map, _) => MethodKey::Map,
            Ty::App(TyCon::Set, _) => MethodKey::Set,
            Ty::App(TyCon::Tree, _) => MethodKey::Tree,
            Ty::App(TyCon::Graph, _) => MethodKey::Graph,
            Ty::App(TyCon::Tuple, _) => MethodKey::Tuple,
            Ty::App(TyCon::Adt(id), _) => MethodKey::Adt(*id),
            Ty::Var(_) | Ty::Gen(_) => return None,
        })
    }

    /// The prefix of native method names in the runtime's registry.
    pub fn native_prefix(self, env: &Env) -> String {
        match self {
            MethodKey::Adt(id) => env.adts[id.0 as usize].name.clone(),
            key => super::builtin::of_key(key)
                .map_or("?", |b| b.name)
                .to_string(),
        }
    }
}

/// A method or associated function of a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Method {
    pub target: Global,
    /// Whether the first parameter is `self` (a method) or not (an
    /// associated function such as `Map::new`).
    pub has_self: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AdtDef {
    pub name: String,
    pub module: ModuleId,
    pub file: Anchor,
    pub name_span: Span,
    pub type_params: Vec<String>,
    pub kind: AdtKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AdtKind {
    Struct(Vec<FieldDef>),
    Enum(Vec<VariantDef>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldDef {
    pub name: String,
    /// With the type's parameters as `Ty::Gen(i)`.
    pub ty: Ty,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VariantDef {
    pub name: String,
    pub fields: Vec<Ty>,
}

/// One module: its name (for `name::item`) and the modules it imports.
#[derive(Clone, Debug, PartialEq)]
pub struct ModuleInfo {
    pub name: String,
    pub file: Anchor,
    pub imports: HashMap<String, ModuleId>,
    /// Modules this one imports that were not found: reported once, at the
    /// `import`, and silent in every path that names them.
    pub missing: std::collections::HashSet<String>,
}

/// The environment a body is checked in. The program's (in
/// `Declarations`) holds every value; a body's scope ([`Env::restricted`])
/// holds only the values named like the paths its bodies write, in every
/// module. The "did you mean" answers for names it cannot find are asked
/// of the whole environment when inference meets such a name
/// ([`NameHint`], `infer::Checker::near`), so its diagnostics are those
/// of the whole environment. The other tables are shared (`Arc`), so a
/// scope is cheap to make and to compare.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Env {
    pub modules: Arc<Vec<ModuleInfo>>,
    pub adts: Arc<Vec<AdtDef>>,
    pub types: Arc<FastMap<(ModuleId, String), AdtId>>,
    pub values: FastMap<(ModuleId, String), Global>,
    pub methods: Arc<FastMap<(MethodKey, String), Method>>,
    /// Whether `values` is restricted (a body's scope): the closest names
    /// are then not in it.
    pub restricted: bool,
}

/// A "did you mean" question for a name that resolves to nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameHint {
    /// `name` written alone in `module`: the closest value of `module` or
    /// the prelude.
    Value(ModuleId, String),
    /// `m::name`, `m` a module: the closest value of module `m`.
    Item(ModuleId, String),
}

impl Env {
    /// An unqualified value name seen from `module`.
    pub fn value(&self, module: ModuleId, name: &str) -> Option<Global> {
        self.values
            .get(&(module, name.to_string()))
            .or_else(|| self.values.get(&(PRELUDE, name.to_string())))
            .copied()
    }

    /// An unqualified type name seen from `module`.
    pub fn adt(&self, module: ModuleId, name: &str) -> Option<AdtId> {
        self.types
            .get(&(module, name.to_string()))
            .or_else(|| self.types.get(&(PRELUDE, name.to_string())))
            .copied()
    }

    /// The module `name` as imported by `module`.
    pub fn imported(&self, module: ModuleId, name: &str) -> Option<ModuleId> {
        self.modules
            .get(module.0 as usize)
            .and_then(|m| m.imports.get(name))
            .copied()
    }

    pub fn adt_def(&self, id: AdtId) -> &AdtDef {
        &self.adts[id.0 as usize]
    }

    /// The variant `name` of enum `id`, with its index.
    pub fn variant(&self, id: AdtId, name: &str) -> Option<(u32, &VariantDef)> {
        match &self.adt_def(id).kind {
            AdtKind::Enum(vs) => vs
                .iter()
                .enumerate()
                .find(|(_, v)| v.name == name)
                .map(|(i, v)| (i as u32, v)),
            AdtKind::Struct(_) => None,
        }
    }

    /// A variant that may be named without its enum: those of the prelude's
    /// enums (`Some`, `None`, `Ok`, `Err`). The prelude is the first file
    /// collected, so its enums come first: the search stops at the first
    /// type of another module rather than scan every type of the program
    /// (it runs for every name a pattern binds).
    pub fn bare_variant(&self, name: &str) -> Option<(AdtId, u32)> {
        self.adts
            .iter()
            .take_while(|a| a.module == PRELUDE)
            .enumerate()
            .find_map(|(i, _)| {
                self.variant(AdtId(i as u32), name)
                    .map(|(v, _)| (AdtId(i as u32), v))
            })
    }

    /// The answer to `hint` over this environment's values (the whole
    /// program's, for a scope's question).
    pub fn near(&self, hint: &NameHint) -> Option<String> {
        let names = self.values.keys().filter(|(m, _)| match hint {
            NameHint::Value(module, _) => m == module || *m == PRELUDE,
            NameHint::Item(module, _) => m == module,
        });
        let name = match hint {
            NameHint::Value(_, n) | NameHint::Item(_, n) => n,
        };
        closest_name(name, names.map(|(_, n)| n.as_str())).map(str::to_string)
    }

    /// This environment for bodies whose paths are `paths` (see
    /// `infer::References`): the values named like the last segment of a
    /// path, in every module; the other tables shared.
    pub fn restricted(&self, paths: &[Vec<String>]) -> Env {
        let mut values = FastMap::default();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for path in paths {
            let Some(name) = path.last() else { continue };
            if !seen.insert(name.as_str()) {
                continue;
            }
            for m in 0..self.modules.len() {
                let key = (ModuleId(m as u32), name.clone());
                if let Some(g) = self.values.get(&key) {
                    values.insert(key, *g);
                }
            }
        }
        Env {
            modules: self.modules.clone(),
            adts: self.adts.clone(),
            types: self.types.clone(),
            values,
            methods: self.methods.clone(),
            restricted: true,
        }
    }

    /// Adds the values of `other`, a scope of the same environment (the
    /// members of one component).
    pub fn extend(&mut self, other: &Env) {
        self.values
            .extend(other.values.iter().map(|(k, v)| (k.clone(), *v)));
    }

    /// All method names, for "did you mean" hints.
    pub fn method_names(&self, key: MethodKey) -> Vec<&str> {
        self.methods
            .keys()
            .filter(|(k, _)| *k == key)
            .map(|(_, n)| n.as_str())
            .collect()
    }
}

/// The written name of a path, `a::b::c`.
pub fn path_name(path: &[ast::Ident]) -> String {
    path.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join("::")
}
