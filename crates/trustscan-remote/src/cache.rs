//! trustscan's own cache of remote repositories, keyed by platform, repository and commit:
//!
//! ```text
//! <root>/<platform>/<owner>--<name>/refs/<revision>          the commit a revision resolved to
//! <root>/<platform>/<owner>--<name>/<commit>/listing.json     the file list
//! <root>/<platform>/<owner>--<name>/<commit>/files/<path>     sparse copy: real bytes where fetched
//! <root>/<platform>/<owner>--<name>/<commit>/ranges/<path>    which byte ranges of it are real
//! ```
//!
//! A commit never changes, so what was fetched once is never fetched again, and `--offline`
//! scans what is here. Files are sparse: a 5 GB checkpoint of which 70 KB were read takes
//! 70 KB of disk.

use std::fs;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::hub::{Listing, RemoteEntry, encode, is_commit, safe_path};
use trustscan_core::Platform;

/// `TRUSTSCAN_CACHE`, else `$XDG_CACHE_HOME/trustscan`, else `~/.cache/trustscan`; remote
/// repositories go under `remote/`.
pub fn default_root() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("TRUSTSCAN_CACHE")
        .or_else(|| env("XDG_CACHE_HOME").map(|p| p.join("trustscan")))
        .or_else(|| env("HOME").map(|p| p.join(".cache").join("trustscan")))
        .unwrap_or_else(|| PathBuf::from(".trustscan-cache"))
        .join("remote")
}

fn platform_dir(p: Platform) -> &'static str {
    match p {
        Platform::HuggingFace => "huggingface",
        Platform::Modelscope => "modelscope",
        Platform::Opencsg => "opencsg",
        Platform::Github => "github",
        // Never cached: a local directory is read in place.
        Platform::Local => "local",
    }
}

/// One repository's corner of the cache.
pub struct RepoCache {
    dir: PathBuf,
}

impl RepoCache {
    pub fn new(root: &Path, platform: Platform, repo: &str) -> RepoCache {
        RepoCache {
            dir: root
                .join(platform_dir(platform))
                .join(repo.replace('/', "--")),
        }
    }

    /// The commit `revision` resolved to when last listed (a commit id is its own answer).
    pub fn commit_of(&self, revision: &str) -> Option<String> {
        if is_commit(revision) {
            return Some(revision.to_ascii_lowercase());
        }
        let c = fs::read_to_string(self.dir.join("refs").join(encode(revision))).ok()?;
        let c = c.trim();
        // Normally a commit id; a revision name where the hub gives no commit (ModelScope).
        (!c.is_empty() && !c.contains('\n')).then(|| c.to_string())
    }

    pub fn listing(&self, commit: &str) -> Option<Listing> {
        let text = fs::read(self.commit_dir(commit).join("listing.json")).ok()?;
        parse_listing(&text)
    }

    /// Records a listing and the revision it came from.
    pub fn store_listing(&self, l: &Listing) -> io::Result<()> {
        let dir = self.commit_dir(&l.commit);
        fs::create_dir_all(&dir)?;
        write_atomic(&dir.join("listing.json"), &listing_json(l))?;
        fs::create_dir_all(self.dir.join("refs"))?;
        write_atomic(
            &self.dir.join("refs").join(encode(&l.revision)),
            l.commit.as_bytes(),
        )
    }

    /// A revision name stands in for the commit on hubs that give none (ModelScope, see
    /// `hub::modelscope`): encoded, so it is one directory whatever it contains.
    fn commit_dir(&self, commit: &str) -> PathBuf {
        self.dir.join(encode(commit))
    }

    /// The size of a file outside the repository fetched for this commit's scan (`urls.json`).
    pub fn url_file_size(&self, commit: &str, url: &str) -> Option<u64> {
        let text = fs::read(self.commit_dir(commit).join("urls.json")).ok()?;
        let v: serde_json::Value = serde_json::from_slice(&text).ok()?;
        v.get(url)?.as_u64()
    }

    pub fn store_url_file_size(&self, commit: &str, url: &str, size: u64) -> io::Result<()> {
        let path = self.commit_dir(commit).join("urls.json");
        let mut v: serde_json::Map<String, serde_json::Value> = fs::read(&path)
            .ok()
            .and_then(|t| serde_json::from_slice(&t).ok())
            .unwrap_or_default();
        v.insert(url.to_string(), size.into());
        fs::create_dir_all(self.commit_dir(commit))?;
        write_atomic(&path, serde_json::Value::Object(v).to_string().as_bytes())
    }

    /// Drops what is cached under a revision name that is not a commit id: the branch may
    /// have moved since, so its bytes cannot be trusted to match the new listing.
    pub fn forget_unpinned(&self, commit: &str) -> io::Result<()> {
        let dir = self.commit_dir(commit);
        if is_commit(commit) || !dir.exists() {
            return Ok(());
        }
        fs::remove_dir_all(dir)
    }

    /// The sparse copy of one file (created empty at its full length when new).
    pub fn file(&self, commit: &str, entry: &RemoteEntry) -> io::Result<SparseFile> {
        if !safe_path(&entry.path) {
            return Err(io::Error::other(format!("unsafe path {:?}", entry.path)));
        }
        let base = self.commit_dir(commit);
        SparseFile::open(
            base.join("files").join(&entry.path),
            base.join("ranges").join(&entry.path),
            entry.size,
        )
    }
}

impl RepoCache {
    /// The sparse copy of a file if one exists (never creates it).
    pub fn existing_file(&self, commit: &str, entry: &RemoteEntry) -> Option<SparseFile> {
        let base = self.commit_dir(commit);
        let data = base.join("files").join(&entry.path);
        if !safe_path(&entry.path) || !fs::metadata(&data).is_ok_and(|m| m.len() == entry.size) {
            return None;
        }
        SparseFile::open(data, base.join("ranges").join(&entry.path), entry.size).ok()
    }

    /// The commit of the default branch when listed before: `main`, then `master`, then the
    /// only revision recorded.
    pub fn default_commit(&self) -> Option<String> {
        for r in ["main", "master"] {
            if let Some(c) = self.commit_of(r) {
                return Some(c);
            }
        }
        let refs: Vec<_> = fs::read_dir(self.dir.join("refs"))
            .ok()?
            .flatten()
            .collect();
        match refs.as_slice() {
            [only] => self.commit_of(&only.file_name().to_string_lossy()),
            _ => None,
        }
    }
}

/// A local file of a remote file's full length holding the bytes fetched so far.
pub struct SparseFile {
    data: PathBuf,
    ranges_path: PathBuf,
    size: u64,
    /// Sorted, disjoint, non-adjacent `[start, end)` ranges of real bytes.
    ranges: Vec<(u64, u64)>,
}

impl SparseFile {
    fn open(data: PathBuf, ranges_path: PathBuf, size: u64) -> io::Result<SparseFile> {
        let mut ranges = fs::read(&ranges_path)
            .ok()
            .and_then(|t| parse_ranges(&t, size))
            .unwrap_or_default();
        // Ranges without their data file (a cache half deleted) are worthless.
        let ok = fs::metadata(&data).is_ok_and(|m| m.len() == size);
        if !ok {
            ranges.clear();
            if let Some(d) = data.parent() {
                fs::create_dir_all(d)?;
            }
            let f = fs::File::create(&data)?;
            f.set_len(size)?;
        }
        Ok(SparseFile {
            data,
            ranges_path,
            size,
            ranges,
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn ranges(&self) -> &[(u64, u64)] {
        &self.ranges
    }

    pub fn bytes_present(&self) -> u64 {
        self.ranges.iter().map(|(s, e)| e - s).sum()
    }

    pub fn is_complete(&self) -> bool {
        self.size == 0 || self.ranges == [(0, self.size)]
    }

    /// The parts of `[start, end)` not yet here.
    pub fn missing(&self, start: u64, end: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut at = start;
        for &(s, e) in &self.ranges {
            if e <= at {
                continue;
            }
            if s >= end {
                break;
            }
            if s > at {
                out.push((at, s));
            }
            at = at.max(e);
            if at >= end {
                break;
            }
        }
        if at < end {
            out.push((at, end));
        }
        out
    }

    /// Stores `bytes` at `start` and records the range (persisted before returning).
    pub fn write(&mut self, start: u64, bytes: &[u8]) -> io::Result<()> {
        let end = start + bytes.len() as u64;
        if end > self.size {
            return Err(io::Error::other("write past the end of the file"));
        }
        if bytes.is_empty() {
            return Ok(());
        }
        let f = fs::OpenOptions::new().write(true).open(&self.data)?;
        f.write_all_at(bytes, start)?;
        self.ranges.push((start, end));
        self.ranges.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(self.ranges.len());
        for &(s, e) in &self.ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.ranges = merged;
        if let Some(d) = self.ranges_path.parent() {
            fs::create_dir_all(d)?;
        }
        let text = serde_json::json!({ "size": self.size, "ranges": self.ranges });
        write_atomic(&self.ranges_path, text.to_string().as_bytes())
    }

    /// Bytes `[start, end)`, which must be present.
    pub fn read(&self, start: u64, end: u64) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; (end - start) as usize];
        fs::File::open(&self.data)?.read_exact_at(&mut buf, start)?;
        Ok(buf)
    }

    /// The whole file as one mapped view (zeros where nothing was fetched).
    pub fn map(&self) -> io::Result<memmap2::Mmap> {
        let f = fs::File::open(&self.data)?;
        // SAFETY: read-only private map of a cache file only this process writes; the writes
        // that may follow only fill ranges the map's readers do not use (see `missing`).
        unsafe { memmap2::Mmap::map(&f) }
    }
}

/// Writes through a temporary file next to `path` (unique per process and call: threads
/// write ranges of different files at once) and renames it over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}-{n}", std::process::id()));
    let tmp = path.with_file_name(name);
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path)
}

fn parse_ranges(text: &[u8], size: u64) -> Option<Vec<(u64, u64)>> {
    let v: serde_json::Value = serde_json::from_slice(text).ok()?;
    if v.get("size")?.as_u64()? != size {
        return None;
    }
    let mut out = Vec::new();
    let mut last_end = 0;
    for r in v.get("ranges")?.as_array()? {
        let (s, e) = (r.get(0)?.as_u64()?, r.get(1)?.as_u64()?);
        // Anything not sorted and inside the file means a damaged record: start over.
        if s >= e || e > size || s < last_end {
            return None;
        }
        last_end = e;
        out.push((s, e));
    }
    Some(out)
}

fn listing_json(l: &Listing) -> Vec<u8> {
    let files: Vec<serde_json::Value> = l
        .files
        .iter()
        .map(|f| serde_json::json!({ "path": f.path, "size": f.size, "oid": f.oid }))
        .collect();
    serde_json::json!({
        "revision": l.revision,
        "commit": l.commit,
        "files": files,
        "notes": l.notes,
    })
    .to_string()
    .into_bytes()
}

fn parse_listing(text: &[u8]) -> Option<Listing> {
    let v: serde_json::Value = serde_json::from_slice(text).ok()?;
    let files = v
        .get("files")?
        .as_array()?
        .iter()
        .map(|f| {
            Some(RemoteEntry {
                path: f.get("path")?.as_str()?.to_string(),
                size: f.get("size")?.as_u64()?,
                oid: f.get("oid").and_then(|o| o.as_str()).map(str::to_string),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    if !files.iter().all(|f| safe_path(&f.path)) {
        return None;
    }
    Some(Listing {
        revision: v.get("revision")?.as_str()?.to_string(),
        commit: v.get("commit")?.as_str()?.to_string(),
        files,
        notes: v
            .get("notes")?
            .as_array()?
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_files_track_ranges_and_survive_reopening() {
        let root = tempfile::tempdir().unwrap();
        let cache = RepoCache::new(root.path(), Platform::HuggingFace, "org/name");
        let commit = "a".repeat(40);
        let entry = RemoteEntry {
            path: "sub/model.bin".into(),
            size: 1000,
            oid: None,
        };
        let mut f = cache.file(&commit, &entry).unwrap();
        assert_eq!(f.missing(0, 1000), vec![(0, 1000)]);
        f.write(100, &[1; 100]).unwrap();
        f.write(300, &[2; 100]).unwrap();
        f.write(200, &[3; 50]).unwrap();
        assert_eq!(f.ranges(), &[(100, 250), (300, 400)]);
        assert_eq!(f.missing(0, 1000), vec![(0, 100), (250, 300), (400, 1000)]);
        assert_eq!(f.missing(120, 240), vec![]);
        assert_eq!(f.read(195, 205).unwrap(), [1, 1, 1, 1, 1, 3, 3, 3, 3, 3]);
        let again = cache.file(&commit, &entry).unwrap();
        assert_eq!(again.ranges(), &[(100, 250), (300, 400)]);
        assert_eq!(again.map().unwrap().len(), 1000);
        assert!(f.write(990, &[0; 20]).is_err());
        let evil = RemoteEntry {
            path: "../x".into(),
            size: 1,
            oid: None,
        };
        assert!(cache.file(&commit, &evil).is_err());
    }

    #[test]
    fn listings_and_refs_round_trip() {
        let root = tempfile::tempdir().unwrap();
        let cache = RepoCache::new(root.path(), Platform::Modelscope, "o/n");
        let l = Listing {
            revision: "master".into(),
            commit: "b".repeat(40),
            files: vec![RemoteEntry {
                path: "a.py".into(),
                size: 3,
                oid: Some("x".into()),
            }],
            notes: vec!["n".into()],
        };
        cache.store_listing(&l).unwrap();
        assert_eq!(cache.commit_of("master"), Some("b".repeat(40)));
        assert_eq!(cache.commit_of("dev"), None);
        assert_eq!(cache.listing(&l.commit), Some(l));
    }
}
