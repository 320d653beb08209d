//! A snapshot read from the local file system.
//!
//! Listing never follows a symlink out of the repository (for a Hugging Face cache snapshot the
//! repository is the whole `models--org--name` entry, because snapshot files link into its
//! `blobs/`), never opens special files (a FIFO named `config.json` would block a reader
//! forever), survives symlink loops and stops at a file budget with an inconclusive note.

use crate::layout::Located;
use crate::{FileEntry, FileKind, OpenOptions, ReadError, Snapshot, SourceError};
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use trustscan_core::{Note, SnapshotInfo};

/// Default listing budget; a repository above it is reported inconclusive.
pub const DEFAULT_MAX_FILES: usize = 1_000_000;
/// Directory depth beyond which listing stops (no loader imports that deep).
const MAX_DEPTH: usize = 64;

pub struct LocalSnapshot {
    info: SnapshotInfo,
    files: Vec<FileEntry>,
    /// File-system path of each entry of `files` (same order), relative to `root`; differs from
    /// the entry's path only when the name is not UTF-8.
    fs_paths: Vec<PathBuf>,
    dirs: Vec<String>,
    notes: Vec<Note>,
    root: PathBuf,
    containment: PathBuf,
    /// The containment directory and the root's path inside it, for opening files with the
    /// kernel refusing any step out of it (Linux's openat2); `None` where that is unavailable.
    beneath: Option<Beneath>,
}

struct Beneath {
    dir: File,
    root: PathBuf,
    /// Cleared when the kernel refuses openat2 itself (too old, or filtered).
    works: std::sync::atomic::AtomicBool,
}

impl LocalSnapshot {
    pub(crate) fn open(
        located: Located,
        options: &OpenOptions,
    ) -> Result<LocalSnapshot, SourceError> {
        let Located {
            root,
            containment,
            mut info,
            mut notes,
        } = located;
        let containment = fs::canonicalize(&containment).map_err(|e| {
            SourceError::Io(format!("cannot resolve {}: {e}", containment.display()))
        })?;
        let max_files = options.max_files.unwrap_or(DEFAULT_MAX_FILES);
        let listing = walk(&root, &containment, max_files, &mut notes)?;
        info.files = listing.files.len();
        let beneath = Beneath::new(&containment, &root);
        Ok(LocalSnapshot {
            info,
            files: listing.files,
            fs_paths: listing.fs_paths,
            dirs: listing.dirs,
            notes,
            root,
            containment,
            beneath,
        })
    }

    fn index(&self, path: &str) -> Option<usize> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
    }

    fn open_file(&self, path: &str) -> Result<(File, u64), ReadError> {
        let i = self.index(path).ok_or(ReadError::NotFound)?;
        let entry = &self.files[i];
        match &entry.kind {
            FileKind::Regular => {}
            FileKind::EscapingSymlink { target } => {
                return Err(ReadError::Escapes {
                    target: target.clone(),
                });
            }
            FileKind::BrokenSymlink { .. } => return Err(ReadError::NotFound),
        }
        let io = |e: std::io::Error| ReadError::Io(format!("{path}: {e}"));
        // Check again at read time, on what is actually opened: the tree may have changed
        // since it was listed. Opening never blocks, so a FIFO swapped in is refused below.
        let file = match self
            .beneath
            .as_ref()
            .and_then(|b| b.open(&self.fs_paths[i]))
        {
            Some(file) => file,
            None => {
                let full = self.root.join(&self.fs_paths[i]);
                let file = open_nonblocking(&full).map_err(io)?;
                let real = opened_path(&file, &full).map_err(io)?;
                if !real.starts_with(&self.containment) {
                    return Err(ReadError::Escapes {
                        target: real.display().to_string(),
                    });
                }
                file
            }
        };
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(ReadError::Io(format!("{path}: not a regular file")));
        }
        Ok((file, meta.len()))
    }
}

impl Snapshot for LocalSnapshot {
    fn info(&self) -> &SnapshotInfo {
        &self.info
    }

    fn files(&self) -> &[FileEntry] {
        &self.files
    }

    fn dirs(&self) -> &[String] {
        &self.dirs
    }

    fn notes(&self) -> &[Note] {
        &self.notes
    }

    /// In a Hugging Face cache snapshot, a file huggingface_hub asked the Hub for and was
    /// told does not exist is recorded as `<entry>/.no_exist/<commit>/<path>`
    /// (`huggingface_hub/file_download.py`, `_cache_commit_hash_for_specific_revision` and
    /// the `.no_exist` handling of `hf_hub_download`); any other missing file was not
    /// downloaded.
    fn absence(&self, path: &str) -> crate::Absence {
        let commit = match (&self.info.layout[..], &self.info.commit) {
            ("huggingface-cache", Some(c)) => c,
            _ => return crate::Absence::Absent,
        };
        if path.is_empty()
            || path
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return crate::Absence::Absent;
        }
        let recorded = self.containment.join(".no_exist").join(commit).join(path);
        if recorded.is_file() {
            crate::Absence::NotInRepository
        } else {
            crate::Absence::NotDownloaded
        }
    }

    fn read(&self, path: &str, limit: u64) -> Result<Vec<u8>, ReadError> {
        let (file, size) = self.open_file(path)?;
        if size > limit {
            return Err(ReadError::TooLarge { size, limit });
        }
        let mut out = Vec::with_capacity(size as usize);
        // `take` guards against a file that grows while it is read.
        file.take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|e| ReadError::Io(format!("{path}: {e}")))?;
        if out.len() as u64 > limit {
            return Err(ReadError::TooLarge {
                size: out.len() as u64,
                limit,
            });
        }
        Ok(out)
    }

    fn view(&self, path: &str) -> Result<crate::Bytes, ReadError> {
        let (file, _) = self.open_file(path)?;
        crate::map_file(&file).map_err(|e| ReadError::Io(format!("{path}: {e}")))
    }

    fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>, ReadError> {
        let (mut file, size) = self.open_file(path)?;
        if offset >= size {
            return Ok(Vec::new());
        }
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| ReadError::Io(format!("{path}: {e}")))?;
        let want = len.min(size - offset);
        let mut out = Vec::with_capacity(want as usize);
        file.take(want)
            .read_to_end(&mut out)
            .map_err(|e| ReadError::Io(format!("{path}: {e}")))?;
        Ok(out)
    }
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

impl Beneath {
    #[cfg(target_os = "linux")]
    fn new(containment: &Path, root: &Path) -> Option<Beneath> {
        use std::os::unix::fs::OpenOptionsExt;
        let root = fs::canonicalize(root).ok()?;
        let root = root.strip_prefix(containment).ok()?.to_path_buf();
        let dir = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH | libc::O_DIRECTORY)
            .open(containment)
            .ok()?;
        Some(Beneath {
            dir,
            root,
            works: std::sync::atomic::AtomicBool::new(true),
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn new(_containment: &Path, _root: &Path) -> Option<Beneath> {
        None
    }

    /// The file at `rel` (from the root), opened in one step that the kernel keeps inside the
    /// containment directory. `None` when that fails for any reason (an absolute symlink, a
    /// step out, a missing file, no openat2): the caller's general path then decides.
    #[cfg(target_os = "linux")]
    fn open(&self, rel: &Path) -> Option<File> {
        use std::os::fd::{AsRawFd, FromRawFd};
        use std::os::unix::ffi::OsStrExt;
        use std::sync::atomic::Ordering;
        if !self.works.load(Ordering::Relaxed) {
            return None;
        }
        let path = std::ffi::CString::new(self.root.join(rel).as_os_str().as_bytes()).ok()?;
        // The kernel's `struct open_how` (libc's is non-exhaustive).
        #[repr(C)]
        struct OpenHow {
            flags: u64,
            mode: u64,
            resolve: u64,
        }
        let how = OpenHow {
            flags: (libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC) as u64,
            mode: 0,
            resolve: libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS,
        };
        // SAFETY: the path is NUL-terminated, `how` lives across the call and its size is
        // passed; a returned descriptor is owned by nothing else.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                self.dir.as_raw_fd(),
                path.as_ptr(),
                &how as *const OpenHow,
                std::mem::size_of::<OpenHow>(),
            )
        };
        if fd < 0 {
            let e = std::io::Error::last_os_error().raw_os_error();
            if matches!(e, Some(libc::ENOSYS | libc::EPERM | libc::E2BIG)) {
                self.works.store(false, Ordering::Relaxed);
            }
            return None;
        }
        // SAFETY: `fd` was just opened and is owned by nothing else.
        Some(unsafe { File::from_raw_fd(fd as i32) })
    }

    #[cfg(not(target_os = "linux"))]
    fn open(&self, _rel: &Path) -> Option<File> {
        None
    }
}

/// Where an opened file really is: one `readlink` of its descriptor on Linux (canonicalizing
/// the path costs one per component, and a deep package has many), else the canonical path.
fn opened_path(file: &File, path: &Path) -> std::io::Result<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        if let Ok(p) = fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
            return Ok(p);
        }
    }
    let _ = file;
    fs::canonicalize(path)
}

/// Version-control metadata directories (or, for a git worktree or submodule, the `.git` file
/// pointing at one).
const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn"];

struct Listing {
    files: Vec<FileEntry>,
    fs_paths: Vec<PathBuf>,
    dirs: Vec<String>,
}

fn walk(
    root: &Path,
    containment: &Path,
    max_files: usize,
    notes: &mut Vec<Note>,
) -> Result<Listing, SourceError> {
    let mut entries: Vec<(FileEntry, PathBuf)> = Vec::new();
    let mut dirs = Vec::new();
    let mut visited = HashSet::new();
    if let Ok(real) = fs::canonicalize(root) {
        visited.insert(real);
    }
    // (relative file-system path, display path, depth)
    let mut stack: Vec<(PathBuf, String, usize)> = vec![(PathBuf::new(), String::new(), 0)];
    let mut budget_hit = false;
    while let Some((rel_fs, rel, depth)) = stack.pop() {
        let dir = root.join(&rel_fs);
        let read = match fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) if rel.is_empty() => {
                return Err(SourceError::Io(format!(
                    "cannot list {}: {e}",
                    root.display()
                )));
            }
            Err(e) => {
                notes.push(Note::inconclusive(
                    Some(&rel),
                    format!("directory could not be listed: {e}"),
                ));
                continue;
            }
        };
        for item in read {
            let item = match item {
                Ok(i) => i,
                Err(e) => {
                    notes.push(Note::inconclusive(
                        Some(&rel),
                        format!("directory entry could not be read: {e}"),
                    ));
                    continue;
                }
            };
            if entries.len() >= max_files {
                budget_hit = true;
                break;
            }
            let os_name = item.file_name();
            let name = os_name.to_string_lossy().into_owned();
            let child_fs = rel_fs.join(&os_name);
            let child = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if os_name.to_str().is_none() {
                notes.push(Note::warning(
                    Some(&child),
                    "file name is not valid UTF-8; shown with replacement characters",
                ));
            }
            // Version-control metadata is history, not what a loader reads: a pickle committed
            // and deleted would otherwise stay in the verdict (as a loose zlib object) until
            // `git gc`. The working tree is scanned.
            if VCS_DIRS.contains(&name.as_str()) {
                notes.push(Note::info(
                    Some(&child),
                    "version-control metadata skipped: the working tree is scanned, not its history",
                ));
                continue;
            }
            let Ok(file_type) = item.file_type() else {
                notes.push(Note::inconclusive(
                    Some(&child),
                    "file type could not be read",
                ));
                continue;
            };
            if file_type.is_dir() {
                if depth + 1 > MAX_DEPTH {
                    notes.push(Note::inconclusive(
                        Some(&child),
                        format!("directory nesting deeper than {MAX_DEPTH} levels was not listed"),
                    ));
                    continue;
                }
                dirs.push(child.clone());
                stack.push((child_fs, child, depth + 1));
            } else if file_type.is_file() {
                let size = item.metadata().map(|m| m.len()).unwrap_or(0);
                entries.push((
                    FileEntry {
                        path: child,
                        size,
                        kind: FileKind::Regular,
                    },
                    child_fs,
                ));
            } else if file_type.is_symlink() {
                let link = fs::read_link(root.join(&child_fs))
                    .map(|t| t.display().to_string())
                    .unwrap_or_default();
                match fs::canonicalize(root.join(&child_fs)) {
                    Err(_) => entries.push((
                        FileEntry {
                            path: child,
                            size: 0,
                            kind: FileKind::BrokenSymlink { target: link },
                        },
                        child_fs,
                    )),
                    Ok(real) if !real.starts_with(containment) => {
                        notes.push(Note::warning(
                            Some(&child),
                            format!(
                                "symlink leads outside the repository (to {link}); it was not \
                                 followed, but a loader would follow it"
                            ),
                        ));
                        entries.push((
                            FileEntry {
                                path: child,
                                size: 0,
                                kind: FileKind::EscapingSymlink { target: link },
                            },
                            child_fs,
                        ));
                    }
                    Ok(real) if real.is_dir() => {
                        if !visited.insert(real) {
                            notes.push(Note::warning(
                                Some(&child),
                                "symlinked directory was already listed (a symlink loop or \
                                 alias); not listed again",
                            ));
                            continue;
                        }
                        if depth < MAX_DEPTH {
                            dirs.push(child.clone());
                            stack.push((child_fs, child, depth + 1));
                        }
                    }
                    Ok(real) if real.is_file() => {
                        let size = fs::metadata(&real).map(|m| m.len()).unwrap_or(0);
                        entries.push((
                            FileEntry {
                                path: child,
                                size,
                                kind: FileKind::Regular,
                            },
                            child_fs,
                        ));
                    }
                    Ok(_) => notes.push(Note::warning(
                        Some(&child),
                        "symlink to a special file (device, FIFO or socket); not read",
                    )),
                }
            } else {
                notes.push(Note::warning(
                    Some(&child),
                    "special file (device, FIFO or socket); not read",
                ));
            }
        }
        if budget_hit {
            break;
        }
    }
    if budget_hit {
        notes.push(Note::inconclusive(
            None,
            format!(
                "the repository has more than {max_files} files; listing stopped there, so the \
                 plan may miss files"
            ),
        ));
    }
    entries.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    entries.dedup_by(|a, b| a.0.path == b.0.path);
    dirs.sort();
    dirs.dedup();
    let (files, fs_paths) = entries.into_iter().unzip();
    Ok(Listing {
        files,
        fs_paths,
        dirs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OpenOptions, Target, open};
    use std::os::unix::fs::symlink;

    fn write(path: &Path, body: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, body).unwrap();
    }

    #[test]
    fn lists_files_sorted_and_refuses_escaping_symlinks() {
        let outside = tempfile::tempdir().unwrap();
        write(&outside.path().join("secret.py"), "print('outside')");
        let repo = tempfile::tempdir().unwrap();
        write(&repo.path().join("b.py"), "x = 1");
        write(&repo.path().join("pkg/a.py"), "y = 2");
        symlink(
            outside.path().join("secret.py"),
            repo.path().join("evil.py"),
        )
        .unwrap();
        symlink("b.py", repo.path().join("alias.py")).unwrap();
        symlink("missing.py", repo.path().join("broken.py")).unwrap();
        symlink(repo.path(), repo.path().join("pkg/loop")).unwrap();

        let snap = open(&Target::Path(repo.path().into()), &OpenOptions::default()).unwrap();
        let paths: Vec<&str> = snap.files().iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["alias.py", "b.py", "broken.py", "evil.py", "pkg/a.py"]
        );
        assert_eq!(snap.read("alias.py", 100).unwrap(), b"x = 1");
        assert!(matches!(
            snap.read("evil.py", 100),
            Err(ReadError::Escapes { .. })
        ));
        assert_eq!(snap.read("broken.py", 100), Err(ReadError::NotFound));
        assert_eq!(snap.read("../etc/passwd", 100), Err(ReadError::NotFound));
        assert!(
            snap.notes()
                .iter()
                .any(|n| n.file.as_deref() == Some("evil.py"))
        );
        assert!(
            snap.notes()
                .iter()
                .any(|n| n.file.as_deref() == Some("pkg/loop"))
        );
        assert!(matches!(
            snap.read("b.py", 2),
            Err(ReadError::TooLarge { size: 5, .. })
        ));
        assert_eq!(snap.read_range("b.py", 2, 2).unwrap(), b"= ");
        assert_eq!(snap.read_range("b.py", 4, 100).unwrap(), b"1");
        assert!(snap.read_range("b.py", 10, 1).unwrap().is_empty());
    }

    #[test]
    fn version_control_metadata_is_skipped_with_a_note() {
        let repo = tempfile::tempdir().unwrap();
        write(&repo.path().join("config.json"), "{}");
        // A loose object of a pickle committed and deleted since; a submodule's `.git` file.
        write(&repo.path().join(".git/objects/ab/cdef"), "x");
        write(&repo.path().join("sub/.git"), "gitdir: ../.git/modules/sub");
        write(&repo.path().join(".hg/store/data"), "x");
        let snap = open(&Target::Path(repo.path().into()), &OpenOptions::default()).unwrap();
        let paths: Vec<&str> = snap.files().iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["config.json"]);
        let skipped: Vec<&str> = snap
            .notes()
            .iter()
            .filter(|n| n.message.contains("version-control metadata"))
            .filter_map(|n| n.file.as_deref())
            .collect();
        assert_eq!(skipped.len(), 3, "{skipped:?}");
    }

    #[test]
    fn huggingface_cache_entry_resolves_ref_and_follows_blob_links() {
        let cache = tempfile::tempdir().unwrap();
        let entry = cache.path().join("models--org--name");
        let commit = "0123456789abcdef0123456789abcdef01234567";
        write(&entry.join("refs/main"), &format!("{commit}\n"));
        write(&entry.join("blobs/aaaa"), "{\"model_type\": \"x\"}");
        let snap_dir = entry.join("snapshots").join(commit);
        fs::create_dir_all(&snap_dir).unwrap();
        symlink("../../blobs/aaaa", snap_dir.join("config.json")).unwrap();

        let snap = open(&Target::Path(entry.clone()), &OpenOptions::default()).unwrap();
        assert_eq!(snap.info().repo_id.as_deref(), Some("org/name"));
        assert_eq!(snap.info().commit.as_deref(), Some(commit));
        assert_eq!(snap.info().revision.as_deref(), Some("main"));
        assert_eq!(
            snap.read("config.json", 100).unwrap(),
            b"{\"model_type\": \"x\"}"
        );
        // What the Hub said is absent, and what was not downloaded.
        write(
            &entry.join(".no_exist").join(commit).join("tokenizer.json"),
            "",
        );
        assert_eq!(
            snap.absence("tokenizer.json"),
            crate::Absence::NotInRepository
        );
        assert_eq!(snap.absence("modeling_x.py"), crate::Absence::NotDownloaded);
        assert_eq!(snap.absence("../x"), crate::Absence::Absent);

        // The snapshot directory itself is recognised too.
        let snap = open(&Target::Path(snap_dir), &OpenOptions::default()).unwrap();
        assert_eq!(snap.info().layout, "huggingface-cache");
        assert_eq!(snap.read("config.json", 100).unwrap().len(), 19);

        // An unknown revision is a clear error that lists what exists.
        let err = open(
            &Target::Path(entry),
            &OpenOptions {
                revision: Some("v2".into()),
                ..Default::default()
            },
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("main") && err.contains(commit), "{err}");
    }

    #[test]
    fn file_budget_makes_the_listing_inconclusive() {
        let repo = tempfile::tempdir().unwrap();
        for i in 0..20 {
            write(&repo.path().join(format!("f{i}.py")), "");
        }
        let snap = open(
            &Target::Path(repo.path().into()),
            &OpenOptions {
                max_files: Some(5),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(snap.files().len(), 5);
        assert!(
            snap.notes()
                .iter()
                .any(|n| n.level == trustscan_core::NoteLevel::Inconclusive)
        );
    }

    #[test]
    fn fifo_is_listed_as_a_note_and_never_opened() {
        let repo = tempfile::tempdir().unwrap();
        let fifo = repo.path().join("config.json");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let snap = open(&Target::Path(repo.path().into()), &OpenOptions::default()).unwrap();
        assert!(snap.files().is_empty());
        assert_eq!(snap.read("config.json", 10), Err(ReadError::NotFound));
        assert!(
            snap.notes()
                .iter()
                .any(|n| n.message.contains("special file"))
        );
    }

    #[test]
    fn a_file_swapped_after_listing_is_checked_again_when_read() {
        let outside = tempfile::tempdir().unwrap();
        write(&outside.path().join("secret.py"), "print('outside')");
        let repo = tempfile::tempdir().unwrap();
        for name in ["a.py", "b.py", "dir/c.py"] {
            write(&repo.path().join(name), "x = 1");
        }
        let snap = open(&Target::Path(repo.path().into()), &OpenOptions::default()).unwrap();
        assert_eq!(snap.files().len(), 3);
        // A symlink out of the repository, a FIFO (opening it for reading would block) and a
        // directory replaced by a symlink out, all after the listing.
        fs::remove_file(repo.path().join("a.py")).unwrap();
        symlink(outside.path().join("secret.py"), repo.path().join("a.py")).unwrap();
        fs::remove_file(repo.path().join("b.py")).unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(repo.path().join("b.py"))
            .status()
            .unwrap();
        assert!(status.success());
        fs::remove_dir_all(repo.path().join("dir")).unwrap();
        write(&outside.path().join("c.py"), "print('outside')");
        symlink(outside.path(), repo.path().join("dir")).unwrap();

        assert!(matches!(
            snap.read("a.py", 100),
            Err(ReadError::Escapes { .. })
        ));
        assert!(matches!(snap.view("a.py"), Err(ReadError::Escapes { .. })));
        assert!(matches!(
            snap.read("b.py", 100),
            Err(ReadError::Io(m)) if m.contains("not a regular file")
        ));
        assert!(matches!(
            snap.read_range("dir/c.py", 0, 5),
            Err(ReadError::Escapes { .. })
        ));
    }
}

#[cfg(test)]
mod layout_tests {
    use crate::{OpenOptions, Target, open};
    use std::fs;
    use trustscan_core::Platform;

    fn touch(path: &std::path::Path) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "{}").unwrap();
    }

    #[test]
    fn modelscope_cache_layouts_name_the_repository() {
        let cache = tempfile::tempdir().unwrap();
        // modelscope-hub: models/owner--name/snapshots/<revision>/
        let snap = cache.path().join("models/damo--nlp_demo/snapshots/master");
        touch(&snap.join("configuration.json"));
        let s = open(&Target::Path(snap.clone()), &OpenOptions::default()).unwrap();
        assert_eq!(s.info().platform, Platform::Modelscope);
        assert_eq!(s.info().repo_id.as_deref(), Some("damo/nlp_demo"));
        assert_eq!(s.info().revision.as_deref(), Some("master"));
        // The entry directory resolves to its master snapshot.
        let s = open(
            &Target::Path(cache.path().join("models/damo--nlp_demo")),
            &OpenOptions::default(),
        )
        .unwrap();
        assert_eq!(s.info().layout, "modelscope-cache");
        // Legacy: <cache>/hub/models/owner/name with dots encoded as ___.
        let legacy = cache
            .path()
            .join("modelscope/hub/models/Qwen/Qwen3___5-0___8B");
        touch(&legacy.join("configuration.json"));
        let s = open(&Target::Path(legacy), &OpenOptions::default()).unwrap();
        assert_eq!(s.info().layout, "modelscope-legacy-cache");
        assert_eq!(s.info().repo_id.as_deref(), Some("Qwen/Qwen3.5-0.8B"));
    }

    #[test]
    fn opencsg_downloads_are_recognised_by_their_index_files() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("OpenCSG/csg-wukong-1B");
        touch(&repo.join("config.json"));
        fs::write(repo.join(".mdl"), b"\x80\x04not read").unwrap();
        let s = open(&Target::Path(repo), &OpenOptions::default()).unwrap();
        assert_eq!(s.info().platform, Platform::Opencsg);
        assert_eq!(s.info().repo_id.as_deref(), Some("OpenCSG/csg-wukong-1B"));
    }

    #[test]
    fn hub_targets_are_looked_up_in_the_named_cache() {
        let cache = tempfile::tempdir().unwrap();
        let entry = cache.path().join("models--org--name");
        let commit = "a".repeat(40);
        touch(&entry.join("snapshots").join(&commit).join("config.json"));
        fs::create_dir_all(entry.join("refs")).unwrap();
        fs::write(entry.join("refs/main"), &commit).unwrap();
        let options = OpenOptions {
            hf_cache: Some(cache.path().to_path_buf()),
            ..Default::default()
        };
        let s = open(&Target::parse("hf:org/name").unwrap(), &options).unwrap();
        assert_eq!(s.info().commit.as_deref(), Some(commit.as_str()));
        let err = open(&Target::parse("hf:org/other").unwrap(), &options)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("not in the local Hugging Face cache"), "{err}");
    }

    #[test]
    fn a_plain_directory_is_local() {
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("config.json"));
        let s = open(&Target::Path(dir.path().into()), &OpenOptions::default()).unwrap();
        assert_eq!(s.info().platform, Platform::Local);
        assert_eq!(s.info().layout, "directory");
    }
}
