//! The identity of source files as every stage after parsing sees them.
//!
//! Sema, codegen and diagnostics hold a [`FileId`], a plain number, never
//! the salsa input behind it: only `db` maps one to the other
//! (`db::Db::source`). A file keeps its id for the life of the database,
//! whatever edits it goes through, so nothing computed from one file is
//! renumbered by an edit of another.

/// An opaque file identity, stable across edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// What a file is: a fact of the input, given when the file enters the
/// database, never guessed from its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A file of the user's program (the root file or a module it imports).
    User,
    /// The standard library's prelude: seen by every module without an
    /// import, not importable, and the one place `native fn`s may be declared.
    Prelude,
    /// A standard library module (`gc`, `reflect`): seen by every module
    /// without an import, and may declare `native fn`s.
    StdlibModule,
}

impl FileKind {
    /// Whether the file belongs to the standard library.
    pub fn is_stdlib(self) -> bool {
        !matches!(self, FileKind::User)
    }
}
