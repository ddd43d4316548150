//! The built-in types by name: the one table that type annotations
//! (`Map<K, V>`), paths (`Map::new`, `Array::filled`), the methods table
//! and the names of natives (`Map::insert`), hints about annotations and the
//! display of types read. A built-in type is added here and nowhere else.

use super::env::MethodKey;
use super::types::{Ty, TyCon};

/// One built-in type.
pub struct Builtin {
    /// Its name in source, which is also the prefix of its natives' names
    /// in the runtime's registry (`Map` in `Map::insert`).
    pub name: &'static str,
    /// How many type arguments an annotation gives it; `None` when it is
    /// not written by name in a type (`[T]`, `()`, tuples, functions).
    pub params: Option<usize>,
    /// Whether a path reaches its associated functions (`Array::filled`).
    pub in_paths: bool,
    /// The head of the receiver's type its methods hang on.
    pub key: MethodKey,
    /// The type named with these arguments (as many as `params`).
    pub make: fn(Vec<Ty>) -> Ty,
}

const fn named(
    name: &'static str,
    params: usize,
    key: MethodKey,
    make: fn(Vec<Ty>) -> Ty,
) -> Builtin {
    Builtin {
        name,
        params: Some(params),
        in_paths: true,
        key,
        make,
    }
}

const fn unnamed(name: &'static str, in_paths: bool, key: MethodKey) -> Builtin {
    Builtin {
        name,
        params: None,
        in_paths,
        key,
        make: |_| Ty::Unit,
    }
}

pub const BUILTINS: &[Builtin] = &[
    named("Int", 0, MethodKey::Int, |_| Ty::Int),
    named("Float", 0, MethodKey::Float, |_| Ty::Float),
    named("Bool", 0, MethodKey::Bool, |_| Ty::Bool),
    named("String", 0, MethodKey::Str, |_| Ty::Str),
    named("Map", 2, MethodKey::Map, |a| Ty::app(TyCon::Map, a)),
    named("Set", 1, MethodKey::Set, |a| Ty::app(TyCon::Set, a)),
    named("Tree", 2, MethodKey::Tree, |a| Ty::app(TyCon::Tree, a)),
    named("Graph", 2, MethodKey::Graph, |a| Ty::app(TyCon::Graph, a)),
    unnamed("Array", true, MethodKey::Array),
    unnamed("Unit", false, MethodKey::Unit),
    unnamed("Tuple", false, MethodKey::Tuple),
    unnamed("Fn", false, MethodKey::Fn),
];

/// The built-in type an annotation names `name`.
pub fn in_annotations(name: &str) -> Option<&'static Builtin> {
    BUILTINS
        .iter()
        .find(|b| b.name == name && b.params.is_some())
}

/// The built-in type a path's `name::` prefix names.
pub fn in_paths(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name && b.in_paths)
}

/// The built-in type whose methods hang on `key` (`None` for a user type).
pub fn of_key(key: MethodKey) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.key == key)
}

/// The name of a built-in collection's type constructor (`Map`), `None`
/// for arrays, tuples and user types, which are not written by name.
pub fn con_name(con: &TyCon) -> Option<&'static str> {
    let key = match con {
        TyCon::Map => MethodKey::Map,
        TyCon::Set => MethodKey::Set,
        TyCon::Tree => MethodKey::Tree,
        TyCon::Graph => MethodKey::Graph,
        TyCon::Array | TyCon::Tuple | TyCon::Adt(_) => return None,
    };
    of_key(key).map(|b| b.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each built-in's type has the methods key the table gives it, so
    /// annotations and method calls agree.
    #[test]
    fn the_keys_agree_with_the_types() {
        for b in BUILTINS {
            if let Some(n) = b.params {
                let ty = (b.make)(vec![Ty::Int; n]);
                assert_eq!(MethodKey::of(&ty), Some(b.key), "{}", b.name);
            }
        }
    }
}
