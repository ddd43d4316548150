//! Semantic analysis: item collection, name resolution and type inference,
//! producing the typed IR ([`ir`]) that code generation consumes.
//!
//! Pipeline: [`check_program`] collects the items of every file into one
//! global namespace, builds the call graph of the user functions (petgraph),
//! and infers its strongly connected components in dependency order (callees
//! first). Each component is inferred with monomorphic types for its own
//! members, then generalised once ([`types::TypeTable::generalise`]), so
//! mutually recursive functions share one inference and every later caller
//! instantiates their schemes.
//!
//! This module is pure: no salsa, no I/O. It returns diagnostics as values;
//! `db` accumulates them.

pub mod infer;
pub mod ir;
pub mod types;

use crate::db::SourceFile;
use crate::diagnostic::{closest_name, Diagnostic};
use indexmap::IndexMap;
use ir::{FnBody, FnId, NativeId};
use mvl_syntax::ast::{self, Span};
use petgraph::graph::DiGraph;
use types::{Scheme, Ty, TypeTable};

/// What a global name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Global {
    Fn(FnId),
    Native(NativeId),
}

/// A user function after checking.
#[derive(Clone, Debug, PartialEq)]
pub struct FnInfo {
    pub name: String,
    pub file: SourceFile,
    pub span: Span,
    pub name_span: Span,
    pub scheme: Scheme,
    /// `None` when the body did not check; codegen never runs then.
    pub body: Option<FnBody>,
}

/// A native function declared by the standard library prelude.
#[derive(Clone, Debug, PartialEq)]
pub struct NativeInfo {
    pub name: String,
    pub scheme: Scheme,
}

/// A whole program after type inference.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CheckedProgram {
    pub functions: Vec<FnInfo>,
    pub natives: Vec<NativeInfo>,
    /// The final substitution: read every IR type through it.
    pub table: TypeTable,
    pub main: Option<FnId>,
}

/// One parsed file handed to the checker.
pub struct FileAst<'a> {
    pub file: SourceFile,
    pub ast: &'a ast::File,
    /// The standard library's prelude may declare `native fn`s.
    pub is_stdlib: bool,
}

/// Type-checks a whole program: the stdlib prelude and the user's files.
pub fn check_program(files: &[FileAst<'_>]) -> (CheckedProgram, Vec<Diagnostic>) {
    let mut checker = infer::Checker::default();
    let decls = collect_items(&mut checker, files);

    // The call graph over user functions; an edge f -> g when f's body
    // names g. Shadowing by a local is ignored, which can only merge more
    // functions into one component (less polymorphism, never unsoundness).
    let mut graph = DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..decls.len()).map(|i| graph.add_node(i)).collect();
    for (i, decl) in decls.iter().enumerate() {
        let mut names = Vec::new();
        if let Some(body) = &decl.ast.body {
            infer::referenced_names(body, &mut names);
        }
        for name in names {
            if let Some(Global::Fn(callee)) = checker.globals.get(name.as_str()) {
                graph.add_edge(nodes[i], nodes[callee.0 as usize], ());
            }
        }
    }
    // Tarjan yields components in reverse topological order: callees first.
    for component in petgraph::algo::tarjan_scc(&graph) {
        let members: Vec<usize> = component.iter().map(|n| graph[*n]).collect();
        checker.infer_component(&members, &decls);
    }

    let main = match checker.globals.get("main") {
        Some(Global::Fn(id)) => {
            let info = &checker.functions[id.0 as usize];
            if let Ty::Fn(params, _) = &info.scheme.ty {
                if !params.is_empty() {
                    checker.diags.push(Diagnostic::error(
                        "E0202",
                        "`main` must take no parameters",
                        info.file,
                        info.name_span,
                        "defined with parameters here",
                    ));
                }
            }
            Some(*id)
        }
        _ => {
            if let Some(user) = files.iter().find(|f| !f.is_stdlib) {
                let names: Vec<&str> = checker.functions.iter().map(|f| f.name.as_str()).collect();
                let mut diag = Diagnostic::error(
                    "E0103",
                    "this program has no `main` function",
                    user.file,
                    Span::new(0, 0),
                    "execution starts at `fn main()`, which is missing",
                );
                if let Some(near) = closest_name("main", names) {
                    diag = diag.with_help(format!("did you mean to call `{near}` `main`?"));
                } else {
                    diag = diag.with_help("add `fn main() { ... }`");
                }
                checker.diags.push(diag);
            }
            None
        }
    };

    let program = CheckedProgram {
        functions: checker.functions,
        natives: checker.natives,
        table: checker.table,
        main,
    };
    (program, checker.diags)
}

/// A user function as declared, waiting for inference.
pub struct FnDecl<'a> {
    pub file: SourceFile,
    pub ast: &'a ast::FnDecl,
}

/// Enters every item into the global namespace; reports duplicates and the
/// items this version of the compiler does not accept yet.
fn collect_items<'a>(checker: &mut infer::Checker, files: &[FileAst<'a>]) -> Vec<FnDecl<'a>> {
    let mut decls = Vec::new();
    let mut first_seen: IndexMap<String, (SourceFile, Span)> = IndexMap::new();
    for file in files {
        for item in &file.ast.items {
            let ast::Item::Fn(f) = item else {
                checker.diags.push(Diagnostic::error(
                    "E0105",
                    "only `fn` items are supported so far",
                    file.file,
                    item.span(),
                    "this item is not supported yet",
                ));
                continue;
            };
            if let Some((prev_file, prev_span)) = first_seen.get(&f.name.name) {
                checker.diags.push(
                    Diagnostic::error(
                        "E0102",
                        format!("`{}` is defined more than once", f.name.name),
                        file.file,
                        f.name.span,
                        "defined again here",
                    )
                    .with_label(*prev_file, *prev_span, "first defined here"),
                );
                continue;
            }
            first_seen.insert(f.name.name.clone(), (file.file, f.name.span));
            match &f.body {
                None if file.is_stdlib => {
                    let scheme = checker.native_scheme(file.file, f);
                    let id = NativeId(checker.natives.len() as u32);
                    checker.natives.push(NativeInfo {
                        name: f.name.name.clone(),
                        scheme,
                    });
                    checker.globals.insert(f.name.name.clone(), Global::Native(id));
                }
                None => checker.diags.push(Diagnostic::error(
                    "E0105",
                    "`native fn` is reserved for the standard library",
                    file.file,
                    f.span,
                    "a function here needs a body",
                )),
                Some(_) => {
                    let id = FnId(checker.functions.len() as u32);
                    checker.functions.push(FnInfo {
                        name: f.name.name.clone(),
                        file: file.file,
                        span: f.span,
                        name_span: f.name.span,
                        scheme: Scheme::mono(Ty::Unit),
                        body: None,
                    });
                    checker.globals.insert(f.name.name.clone(), Global::Fn(id));
                    decls.push(FnDecl { file: file.file, ast: f });
                }
            }
        }
    }
    decls
}
