//! Sources: turn a target the user names into a [`Snapshot`], one immutable view of one
//! repository revision that lists files and reads bytes or byte ranges lazily.
//!
//! Only local layouts exist so far (a directory, a Hugging Face cache entry, a ModelScope
//! cache snapshot, an OpenCSG download directory); the trait is shaped so that a remote hub
//! can serve the same reads with HTTP range requests.

mod cache;
mod layout;
mod local;
mod target;

pub use cache::{CachedSnapshot, cached_snapshots};
pub use layout::{hf_hub_cache_dir, modelscope_cache_dir};
pub use local::LocalSnapshot;
pub use target::{Target, TargetError};

use std::fmt;
use trustscan_core::{Note, SnapshotInfo};

/// Why a snapshot lacks a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Absence {
    /// It is not there (a directory, a repository listing: the repository has no such file).
    Absent,
    /// A cache snapshot lacks it and the hub has answered that the repository has none
    /// (`huggingface_hub` records that under `.no_exist/<commit>/`).
    NotInRepository,
    /// A cache snapshot lacks it and nothing says the repository does: it was not downloaded
    /// (a partial download, such as the one a refused `trust_remote_code` leaves).
    NotDownloaded,
}

/// What a path in a snapshot is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file, or a symlink whose target stays inside the repository.
    Regular,
    /// A symlink leading outside the repository: listed, never followed or read.
    EscapingSymlink { target: String },
    /// A symlink that points nowhere.
    BrokenSymlink { target: String },
}

/// One file of a snapshot. Paths are repository-relative and use `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub kind: FileKind,
}

impl FileEntry {
    pub fn is_readable(&self) -> bool {
        self.kind == FileKind::Regular
    }

    /// The last path component.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Why bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    NotFound,
    /// The path is a symlink leading outside the repository; it is never followed.
    Escapes {
        target: String,
    },
    TooLarge {
        size: u64,
        limit: u64,
    },
    Io(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => write!(f, "no such file in the repository"),
            ReadError::Escapes { target } => write!(
                f,
                "symlink leads outside the repository (to {target}); not followed"
            ),
            ReadError::TooLarge { size, limit } => write!(
                f,
                "file is {size} bytes, above the {limit}-byte limit for this kind of file"
            ),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// A file's bytes: mapped from disk, or read into memory.
pub enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
    /// A remote file fetched in part: the full length, real bytes only in `present`
    /// (sorted, disjoint `[start, end)` ranges), zeros elsewhere.
    Partial {
        map: memmap2::Mmap,
        present: Vec<(u64, u64)>,
    },
}

impl Bytes {
    /// The ranges holding real bytes, for a partly fetched file; `None` when all are real.
    pub fn present(&self) -> Option<&[(u64, u64)]> {
        match self {
            Bytes::Partial { present, .. } => Some(present),
            _ => None,
        }
    }
}

/// Whether `[start, end)` lies inside one of the sorted, disjoint `ranges`.
pub fn covered(ranges: &[(u64, u64)], start: u64, end: u64) -> bool {
    let i = ranges.partition_point(|&(_, e)| e <= start);
    ranges.get(i).is_some_and(|&(s, e)| s <= start && end <= e)
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) | Bytes::Partial { map: m, .. } => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// Map a local file read-only; small and empty files are read instead (mmap refuses length 0).
pub fn map_file(file: &std::fs::File) -> std::io::Result<Bytes> {
    let len = file.metadata()?.len();
    // Below this size one read costs less than setting up, faulting in and tearing down a map.
    if len < 256 << 10 {
        let mut out = Vec::with_capacity(len as usize);
        std::io::Read::read_to_end(&mut std::io::Read::take(file, len), &mut out)?;
        return Ok(Bytes::Owned(out));
    }
    // SAFETY: the map is read-only and private to this process. Another process truncating
    // the file while it is mapped would fault the reader (SIGBUS); scanning a file that is
    // being rewritten is not supported (README, "Limits").
    unsafe { memmap2::Mmap::map(file) }.map(Bytes::Mapped)
}

/// One immutable revision of one repository.
pub trait Snapshot: Send + Sync {
    fn info(&self) -> &SnapshotInfo;
    /// Every file, sorted by path.
    fn files(&self) -> &[FileEntry];
    /// Every directory (repository-relative, without the root itself), sorted.
    fn dirs(&self) -> &[String];
    /// What the source noticed while listing: escaping symlinks, unreadable names, budgets.
    fn notes(&self) -> &[Note];
    /// The whole file, refused when it is larger than `limit`.
    fn read(&self, path: &str, limit: u64) -> Result<Vec<u8>, ReadError>;
    /// `len` bytes from `offset` (fewer at the end of the file).
    fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>, ReadError>;
    /// The whole file as one view without reading it: a multi-gigabyte checkpoint costs only
    /// the pages the payload scanner touches (its zip directory and its pickle).
    fn view(&self, path: &str) -> Result<Bytes, ReadError> {
        self.read(path, u64::MAX).map(Bytes::Owned)
    }

    /// For a file that is not in the repository but stands in for a URL a loader downloads
    /// (an OpenMMLab checkpoint): that URL.
    fn url_of(&self, path: &str) -> Option<&str> {
        let _ = path;
        None
    }

    /// For a repository read over HTTP: the endpoint and what was transferred so far.
    fn remote(&self) -> Option<trustscan_core::RemoteInfo> {
        None
    }

    /// Why a file the snapshot does not hold is absent, as far as the source can tell.
    fn absence(&self, path: &str) -> Absence {
        let _ = path;
        Absence::Absent
    }

    fn file(&self, path: &str) -> Option<&FileEntry> {
        let files = self.files();
        files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &files[i])
    }

    fn has_file(&self, path: &str) -> bool {
        self.file(path).is_some()
    }

    fn has_dir(&self, path: &str) -> bool {
        path.is_empty()
            || self
                .dirs()
                .binary_search_by(|d| d.as_str().cmp(path))
                .is_ok()
    }

    /// Read a small text file (configs): `Ok(None)` when absent.
    fn read_text(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, ReadError> {
        match self.read(path, limit) {
            Ok(b) => Ok(Some(b)),
            Err(ReadError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Options for opening a target.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Revision (branch, tag or commit) to pick inside a cache entry.
    pub revision: Option<String>,
    /// Stop listing after this many files (`None`: the default budget).
    pub max_files: Option<usize>,
    /// Hugging Face cache for `hf:` targets (`None`: the cache huggingface_hub uses).
    pub hf_cache: Option<std::path::PathBuf>,
}

/// Why a target could not be opened.
#[derive(Debug)]
pub enum SourceError {
    Target(TargetError),
    NotFound(String),
    Layout(String),
    Io(String),
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Target(e) => write!(f, "{e}"),
            SourceError::NotFound(m) | SourceError::Layout(m) | SourceError::Io(m) => {
                write!(f, "{m}")
            }
        }
    }
}

impl std::error::Error for SourceError {}

/// Open what a target names.
pub fn open(target: &Target, options: &OpenOptions) -> Result<Box<dyn Snapshot>, SourceError> {
    let located = layout::locate(target, options)?;
    Ok(Box::new(LocalSnapshot::open(located, options)?))
}

/// Open a plain directory as the named layout says (used by tests and by callers that already
/// know the directory).
pub fn open_path(path: &str, options: &OpenOptions) -> Result<Box<dyn Snapshot>, SourceError> {
    open(&Target::Path(path.into()), options)
}
