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
    /// A library's interface, read from its `.mvb` (`mvlc build --extern`):
    /// importable like a user module; its `fn`s are declared bodyless
    /// (`native fn`), their code is the library's.
    Interface,
}

impl FileKind {
    /// Whether the file belongs to the standard library.
    pub fn is_stdlib(self) -> bool {
        matches!(self, FileKind::Prelude | FileKind::StdlibModule)
    }
}

/// An item's identity within the database: stable across edits of its own
/// text and of everything around it (it is derived from the file, the item's
/// kind and name, and which occurrence of that name it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemRef(pub u32);

/// What a span's offsets count from: the start of one item of a file, or
/// (`item` `None`) the start of the file. Everything the checker produces
/// counts from its item, so an edit before an item changes nothing computed
/// from it; `db` adds the item's offset back where a position is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Anchor {
    pub file: FileId,
    pub item: Option<ItemRef>,
}

impl Anchor {
    /// Offsets from the start of `item` in `file`.
    pub fn item(file: FileId, item: ItemRef) -> Anchor {
        Anchor {
            file,
            item: Some(item),
        }
    }
}

impl From<FileId> for Anchor {
    fn from(file: FileId) -> Anchor {
        Anchor { file, item: None }
    }
}
