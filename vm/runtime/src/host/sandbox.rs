//! The capability sandbox: what an [`super::OsHost`] may touch. By default
//! everything; under `--sandbox` nothing but standard input, output and
//! error, the clocks and the random seed, plus what `--allow-read`,
//! `--allow-write` and `--allow-env` grant back, and the `--max-output`
//! and `--max-time` limits. The guarantees and their limits are stated in
//! `lang-spec/sandbox.md`.
//!
//! **Confinement.** A granted path is resolved once, when the sandbox is
//! made (`..`, symlinks and relative parts: `std::fs::canonicalize`), and
//! its folder is opened as a capability (`cap_std::fs::Dir`). A path the
//! program names is resolved the same way only to choose the grant it
//! falls under and the part of it below the grant; the file is then opened
//! *through the grant's folder* with that relative part, and cap-std
//! refuses any step of the walk (a `..`, a symlink, an absolute link, a
//! component swapped by another process between the check and the use)
//! that would leave the folder. A regular file with more than one hard
//! link is refused too: its other names may lie outside the grant.

use super::{HostError, HostResult};
use cap_std::fs::Dir;
use std::path::{Component, Path, PathBuf};

/// The default of `--max-output` under `--sandbox`: 16 MiB.
pub const DEFAULT_MAX_OUTPUT: u64 = 16 << 20;

/// One granted path: a folder (everything below it) or a single file.
pub struct Grant {
    /// The granted path, resolved.
    pub path: PathBuf,
    /// The folder opened as a capability: the granted folder, or a granted
    /// file's folder.
    dir: Dir,
    /// For a granted file, its name in `dir`.
    file: Option<PathBuf>,
}

impl Grant {
    /// Resolves and opens `path`; a message if it cannot be granted.
    pub fn new(path: &str, cwd: &Path) -> Result<Grant, String> {
        let resolved = resolve(&cwd.join(path))
            .ok_or_else(|| format!("cannot grant `{path}`: it cannot be resolved"))?;
        let open = |p: &Path| {
            Dir::open_ambient_dir(p, cap_std::ambient_authority())
                .map_err(|e| format!("cannot grant `{path}`: {e}"))
        };
        if resolved.is_dir() {
            let dir = open(&resolved)?;
            Ok(Grant {
                path: resolved,
                dir,
                file: None,
            })
        } else {
            // A file (which may not exist yet, for --allow-write).
            let (Some(parent), Some(name)) = (resolved.parent(), resolved.file_name()) else {
                return Err(format!("cannot grant `{path}`"));
            };
            let dir = open(parent)?;
            Ok(Grant {
                file: Some(PathBuf::from(name)),
                path: resolved,
                dir,
            })
        }
    }

    /// The part of `resolved` below this grant, if it lies under it.
    fn relative(&self, resolved: &Path) -> Option<PathBuf> {
        match &self.file {
            Some(name) => (resolved == self.path).then(|| name.clone()),
            None => resolved.strip_prefix(&self.path).ok().map(|rel| {
                if rel.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    rel.to_path_buf()
                }
            }),
        }
    }
}

/// Access to files of one kind (reading, writing).
pub enum Access {
    All,
    Only(Vec<Grant>),
}

/// Access to the environment.
pub enum EnvAccess {
    All,
    Only(Vec<String>),
}

/// What a host may do.
pub struct Sandbox {
    pub read: Access,
    pub write: Access,
    pub env: EnvAccess,
    /// The most bytes the program may write to stdout and stderr together.
    pub max_output: Option<u64>,
    /// The wall-clock time the program may run.
    pub max_time: Option<std::time::Duration>,
    /// Whether this is `--sandbox` (for messages and the hard-link rule).
    pub confined: bool,
    /// The working directory relative paths start from.
    pub cwd: PathBuf,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::everything()
    }
}

/// Where a checked path is to be used: anywhere (no sandbox) or below a
/// grant's folder.
pub(crate) enum Place<'a> {
    Ambient(PathBuf),
    Confined(&'a Dir, PathBuf),
}

/// What an operation needs, for its check and its messages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    Read,
    Write,
}

impl Sandbox {
    /// Every capability (what `mvlc run` grants by default).
    pub fn everything() -> Sandbox {
        Sandbox {
            read: Access::All,
            write: Access::All,
            env: EnvAccess::All,
            max_output: None,
            max_time: None,
            confined: false,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        }
    }

    /// `--sandbox`: nothing but the standard streams, until granted.
    pub fn nothing() -> Sandbox {
        Sandbox {
            read: Access::Only(Vec::new()),
            write: Access::Only(Vec::new()),
            env: EnvAccess::Only(Vec::new()),
            max_output: Some(DEFAULT_MAX_OUTPUT),
            max_time: None,
            confined: true,
            ..Sandbox::everything()
        }
    }

    /// Checks that the program may `verb` (`reading`, `writing`, ...) the
    /// path it wrote as `path`, and says where to do it.
    pub(crate) fn place(&self, path: &str, need: Need, verb: &str) -> HostResult<Place<'_>> {
        if path.contains('\0') {
            return Err(HostError::Failed(format!(
                "{verb} {path:?}: the path contains a NUL character"
            )));
        }
        let absolute = self.cwd.join(path);
        let access = match need {
            Need::Read => &self.read,
            Need::Write => &self.write,
        };
        let grants = match access {
            Access::All => return Ok(Place::Ambient(absolute)),
            Access::Only(grants) => grants,
        };
        let denied = || {
            let flag = match need {
                Need::Read => "--allow-read",
                Need::Write => "--allow-write",
            };
            HostError::Fatal(format!("permission denied: {verb} {path} needs {flag}"))
        };
        let resolved = resolve(&absolute).ok_or_else(denied)?;
        // The deepest grant the path falls under.
        grants
            .iter()
            .filter_map(|g| g.relative(&resolved).map(|rel| (g, rel)))
            .max_by_key(|(g, _)| g.path.components().count())
            .map(|(g, rel)| Place::Confined(&g.dir, rel))
            .ok_or_else(denied)
    }

    /// Whether the program may read (or write) anything at `path`: for
    /// `fs::exists`, which needs either.
    pub(crate) fn place_any(&self, path: &str) -> HostResult<Place<'_>> {
        match self.place(path, Need::Read, "reading") {
            Err(HostError::Fatal(_)) => self.place(path, Need::Write, "checking").map_err(|_| {
                HostError::Fatal(format!(
                    "permission denied: checking {path} needs --allow-read or --allow-write"
                ))
            }),
            other => other,
        }
    }

    /// Checks that the program may read the environment variable `name`.
    pub(crate) fn check_env(&self, name: &str) -> HostResult<()> {
        match &self.env {
            EnvAccess::All => Ok(()),
            EnvAccess::Only(names) if names.iter().any(|n| n == name) => Ok(()),
            EnvAccess::Only(_) => Err(HostError::Fatal(format!(
                "permission denied: reading the environment variable {name} needs --allow-env"
            ))),
        }
    }
}

/// `path` (absolute) with `.`, `..` and symlinks resolved: the longest
/// part that exists is canonicalised, and the rest (which does not exist
/// yet) appended; `None` if the rest has a `..` or the path is too long to
/// resolve.
fn resolve(path: &Path) -> Option<PathBuf> {
    let mut existing = path.to_path_buf();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        match std::fs::canonicalize(&existing) {
            Ok(mut base) => {
                for part in rest.iter().rev() {
                    base.push(part);
                }
                return Some(base);
            }
            Err(_) => {
                let name = existing.file_name()?.to_os_string();
                // `file_name` is None for a path ending in `..`.
                rest.push(name);
                if !existing.pop() {
                    return None;
                }
                // A `.`/`..` in the part that does not exist: refuse.
                if existing
                    .components()
                    .next_back()
                    .is_some_and(|c| matches!(c, Component::ParentDir | Component::CurDir))
                {
                    return None;
                }
            }
        }
    }
}

/// Whether an error from a confined operation is cap-std refusing a walk
/// that leaves the folder.
pub(crate) fn is_escape(e: &std::io::Error) -> bool {
    (e.kind() == std::io::ErrorKind::PermissionDenied && e.to_string().contains("outside"))
        || e.raw_os_error() == Some(18) // EXDEV from openat2's RESOLVE_BENEATH
}
