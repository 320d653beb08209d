//! A remote repository revision as a [`Snapshot`]: listed once, pinned to one commit, and read
//! lazily through trustscan's cache. Small files and files whose format needs every byte are
//! fetched whole (within `fetch_limit`); weights are fetched by what their format needs — a
//! zip's directory and every member except torch's tensor storages, a safetensors header, a
//! GGUF header, the HDF5 metadata blocks, the pickles at the start of a legacy torch file —
//! so the payload inspector sees the same bytes it would see locally wherever it looks.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};

use trustscan_core::{Note, PartialFile, RemoteInfo, SnapshotInfo};
use trustscan_source::{Bytes, FileEntry, FileKind, ReadError, Snapshot};

use crate::cache::{RepoCache, SparseFile};
use crate::fetch_plan;
use crate::http::{ByteRange, Client, FetchError};
use crate::hub::{Hub, Listing, RemoteEntry};
use crate::range_zip::RangedReader;
use trustscan_payload::sniff::{self, Needs};

/// Files up to this size are fetched whole when read.
pub const SMALL_FILE: u64 = 4 << 20;

#[derive(Debug, Clone)]
pub struct RemoteOptions {
    /// trustscan's cache root (see [`crate::cache::default_root`]).
    pub cache_root: std::path::PathBuf,
    /// Use only the cache: no request is sent.
    pub offline: bool,
    /// Most bytes fetched for one file whose format needs all of them (an `.npy`, a plain
    /// pickle, an ONNX graph, a large JSON file); above it the file is inconclusive.
    pub fetch_limit: u64,
    /// Stop listing after this many files (the plan is then inconclusive).
    pub max_files: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    NotCached(String),
    #[error("trustscan cache: {0}")]
    Cache(#[from] io::Error),
}

pub struct RemoteSnapshot {
    hub: Box<dyn Hub>,
    /// `None` offline.
    client: Option<Client>,
    repo: String,
    commit: String,
    cache: RepoCache,
    fetch_limit: u64,
    info: SnapshotInfo,
    entries: HashMap<String, RemoteEntry>,
    files: Vec<FileEntry>,
    dirs: Vec<String>,
    notes: Vec<Note>,
    /// One lock per file: two readers of a file never fetch the same bytes twice.
    locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// Files that stand in for URLs outside the repository (OpenMMLab checkpoints): path → URL.
    url_files: HashMap<String, String>,
    /// The ETag each file's first answer carried in this run: later answers must match, so
    /// ranges of one file never come from two versions (a URL outside the hub has no commit).
    etags: Mutex<HashMap<String, String>>,
    /// Files whose fetch failed after the client's retries: every later read of them in this
    /// run gets the same error at once instead of another round of retries.
    failed: Mutex<HashMap<String, String>>,
}

impl RemoteSnapshot {
    /// Lists `repo` at `revision` (or finds the listing in the cache) and pins it to a commit.
    pub fn open(
        hub: Box<dyn Hub>,
        client: Option<Client>,
        repo: &str,
        revision: Option<&str>,
        options: &RemoteOptions,
    ) -> Result<RemoteSnapshot, OpenError> {
        let cache = RepoCache::new(&options.cache_root, hub.platform(), repo);
        let cached = match revision {
            Some(r) => cache.commit_of(r),
            None => cache.default_commit(),
        }
        .and_then(|c| cache.listing(&c));
        let listing = match (&client, cached) {
            // A commit id names immutable content: the cached listing is the answer.
            (_, Some(l)) if options.offline || revision.is_some_and(crate::hub::is_commit) => l,
            (Some(client), _) if !options.offline => {
                let l = hub.list(client, repo, revision)?;
                cache.forget_unpinned(&l.commit)?;
                cache.store_listing(&l)?;
                l
            }
            _ => {
                return Err(OpenError::NotCached(format!(
                    "{repo}{} is not in trustscan's cache ({}) and --offline forbids fetching it",
                    revision.map(|r| format!("@{r}")).unwrap_or_default(),
                    options.cache_root.display()
                )));
            }
        };
        Ok(Self::from_listing(
            hub, client, repo, listing, cache, options,
        ))
    }

    fn from_listing(
        hub: Box<dyn Hub>,
        client: Option<Client>,
        repo: &str,
        listing: Listing,
        cache: RepoCache,
        options: &RemoteOptions,
    ) -> RemoteSnapshot {
        let mut notes: Vec<Note> = listing
            .notes
            .iter()
            .map(|n| Note::info(None, n.clone()))
            .collect();
        let max_files = options.max_files.unwrap_or(1_000_000);
        let mut listed = listing.files;
        if listed.len() > max_files {
            listed.truncate(max_files);
            notes.push(Note::inconclusive(
                None,
                format!(
                    "the repository has more than {max_files} files; listing stopped there, so \
                     the plan may miss what the rest would load"
                ),
            ));
        }
        let files: Vec<FileEntry> = listed
            .iter()
            .map(|e| FileEntry {
                path: e.path.clone(),
                size: e.size,
                kind: FileKind::Regular,
            })
            .collect();
        let info = SnapshotInfo {
            platform: hub.platform(),
            layout: "remote".into(),
            root: hub.repo_url(repo),
            repo_id: Some(repo.to_string()),
            revision: Some(listing.revision.clone()),
            commit: Some(listing.commit.clone()),
            files: files.len(),
            remote: None,
            model: None,
        };
        let mut snapshot = RemoteSnapshot {
            entries: listed.into_iter().map(|e| (e.path.clone(), e)).collect(),
            hub,
            client,
            repo: repo.to_string(),
            commit: listing.commit,
            cache,
            fetch_limit: options.fetch_limit,
            info,
            files,
            dirs: Vec::new(),
            notes,
            locks: Mutex::new(HashMap::new()),
            url_files: HashMap::new(),
            etags: Mutex::new(HashMap::new()),
            failed: Mutex::new(HashMap::new()),
        };
        snapshot.rebuild_dirs();
        snapshot
    }

    pub fn client(&self) -> Option<&Client> {
        self.client.as_ref()
    }

    pub fn info_mut(&mut self) -> &mut SnapshotInfo {
        &mut self.info
    }

    /// Keeps only `keep` (files not listed are dropped): the snapshot of one model-zoo entry
    /// inside a package's repository.
    pub fn restrict(&mut self, keep: &std::collections::BTreeSet<String>) {
        self.files.retain(|f| keep.contains(&f.path));
        self.entries.retain(|p, _| keep.contains(p));
        self.rebuild_dirs();
    }

    fn rebuild_dirs(&mut self) {
        let mut dirs: Vec<String> = self
            .files
            .iter()
            .flat_map(|f| {
                let parts: Vec<&str> = f.path.split('/').collect();
                (1..parts.len())
                    .map(|i| parts[..i].join("/"))
                    .collect::<Vec<_>>()
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        self.dirs = dirs;
        self.info.files = self.files.len();
    }

    /// Adds `path` as the file at `url` (outside the repository), read like the others. Its
    /// size comes from a one-byte request, or from the cache offline.
    pub fn add_url_file(&mut self, path: &str, url: &str) -> Result<(), OpenError> {
        if self.entries.contains_key(path) || !crate::hub::safe_path(path) {
            return Err(OpenError::NotCached(format!(
                "{path} cannot stand for {url}: the name is taken or unsafe"
            )));
        }
        let size = match (&self.client, self.cache.url_file_size(&self.commit, url)) {
            (_, Some(size)) => size,
            (Some(client), None) => {
                let f = client.get(url, Some(ByteRange::Suffix(1)), 1)?;
                let size = f.total_len.ok_or_else(|| {
                    crate::hub::bad(&f.final_url, "the server did not say how long the file is")
                })?;
                self.cache.store_url_file_size(&self.commit, url, size)?;
                size
            }
            (None, None) => {
                return Err(OpenError::NotCached(format!(
                    "{url} is not in trustscan's cache and --offline forbids fetching it"
                )));
            }
        };
        let e = RemoteEntry {
            path: path.to_string(),
            size,
            oid: None,
        };
        self.entries.insert(path.to_string(), e);
        let at = self.files.partition_point(|f| f.path.as_str() < path);
        self.files.insert(
            at,
            FileEntry {
                path: path.to_string(),
                size,
                kind: FileKind::Regular,
            },
        );
        self.url_files.insert(path.to_string(), url.to_string());
        self.rebuild_dirs();
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        match self.url_files.get(path) {
            Some(u) => u.clone(),
            None => self.hub.file_url(&self.repo, &self.commit, path),
        }
    }

    fn entry(&self, path: &str) -> Result<&RemoteEntry, ReadError> {
        self.entries.get(path).ok_or(ReadError::NotFound)
    }

    fn lock(&self, path: &str) -> Arc<Mutex<()>> {
        let mut m = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        m.entry(path.to_string()).or_default().clone()
    }

    fn sparse(&self, e: &RemoteEntry) -> Result<SparseFile, ReadError> {
        self.cache
            .file(&self.commit, e)
            .map_err(|err| ReadError::Io(format!("trustscan cache: {err}")))
    }

    /// Makes `[start, end)` of the file present, fetching what is missing.
    fn ensure(&self, e: &RemoteEntry, start: u64, end: u64) -> Result<SparseFile, ReadError> {
        let end = end.min(e.size);
        let lock = self.lock(&e.path);
        let _held = lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut file = self.sparse(e)?;
        let missing = file.missing(start, end);
        if !missing.is_empty()
            && let Some(earlier) = self
                .failed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&e.path)
        {
            return Err(ReadError::Io(earlier.clone()));
        }
        for (s, t) in missing {
            let Some(client) = &self.client else {
                return Err(ReadError::Io(format!(
                    "bytes {s}..{t} are not in trustscan's cache and --offline forbids fetching them"
                )));
            };
            let url = self.url(&e.path);
            let range = (s > 0 || t < e.size).then_some(ByteRange::Span { start: s, end: t });
            let f = client.get(&url, range, t - s).map_err(|err| {
                let message = err.to_string();
                self.failed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(e.path.clone(), message.clone());
                ReadError::Io(message)
            })?;
            // A mirror that serves another version of the file would splice two versions.
            // (A URL outside the hub carries no commit header; its size was taken once.)
            if let Some(total) = f.total_len
                && total != e.size
            {
                return Err(ReadError::Io(format!(
                    "{}: the hub listed {} bytes but serves {total}",
                    f.final_url, e.size
                )));
            }
            if let Some(c) = &f.hub.repo_commit
                && !c.eq_ignore_ascii_case(&self.commit)
            {
                return Err(ReadError::Io(format!(
                    "{}: served from commit {c}, not the pinned {}",
                    f.final_url, self.commit
                )));
            }
            if let Some(tag) = &f.etag {
                let mut etags = self.etags.lock().unwrap_or_else(|e| e.into_inner());
                let first = etags.entry(e.path.clone()).or_insert_with(|| tag.clone());
                if first != tag {
                    return Err(ReadError::Io(format!(
                        "{}: the file changed while being read (ETag {first} became {tag})",
                        f.final_url
                    )));
                }
            }
            if f.start != s || f.body.len() as u64 != t - s {
                return Err(ReadError::Io(format!(
                    "{}: asked for bytes {s}..{t}, received {} bytes at {}",
                    f.final_url,
                    f.body.len(),
                    f.start
                )));
            }
            file.write(s, &f.body)
                .map_err(|err| ReadError::Io(format!("trustscan cache: {err}")))?;
        }
        Ok(file)
    }

    fn whole(&self, e: &RemoteEntry, limit: u64) -> Result<SparseFile, ReadError> {
        if e.size > limit {
            return Err(ReadError::TooLarge {
                size: e.size,
                limit,
            });
        }
        self.ensure(e, 0, e.size)
    }

    /// Fetches what the payload inspector will read of a file too large to fetch whole.
    fn fetch_for_inspection(&self, e: &RemoteEntry) -> Result<(), ReadError> {
        let r = Recorder { snap: self, e };
        let io_err = |err: io::Error| ReadError::Io(err.to_string());
        let limit = self.fetch_limit;
        match fetch_plan::needs(&r, &e.path).map_err(io_err)? {
            Needs::ZipIndex => fetch_plan::zip(&r, limit),
            Needs::GgufHeader => fetch_plan::gguf(&r, limit),
            Needs::SafetensorsHeader(n) if n > limit => Err(ReadError::TooLarge { size: n, limit }),
            Needs::SafetensorsHeader(n) => r.read_at(8, n as usize).map(drop).map_err(io_err),
            Needs::LeadingPickles(n) => fetch_plan::leading_pickles(&r, n, limit),
            Needs::Hdf5Metadata => fetch_plan::hdf5(&r),
            Needs::Whole => self.whole(e, limit).map(drop),
            Needs::Head => Ok(()),
        }
    }
}

/// Reads through the snapshot, fetching and caching what is missing: the format planners see
/// a plain [`RangedReader`].
pub(crate) struct Recorder<'s> {
    snap: &'s RemoteSnapshot,
    e: &'s RemoteEntry,
}

impl RangedReader for Recorder<'_> {
    fn len(&self) -> u64 {
        self.e.size
    }

    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let end = offset
            .checked_add(len as u64)
            .filter(|&e| e <= self.e.size)
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        if len == 0 {
            return Ok(Vec::new());
        }
        let f = self
            .snap
            .ensure(self.e, offset, end)
            .map_err(|e| io::Error::other(e.to_string()))?;
        f.read(offset, end)
    }
}

impl fetch_plan::Source for Recorder<'_> {
    fn view(&self) -> io::Result<memmap2::Mmap> {
        self.snap
            .sparse(self.e)
            .map_err(|e| io::Error::other(e.to_string()))?
            .map()
    }
}

/// A read error as a `ReadError`, keeping the fetch error's text.
pub(crate) fn read_error(e: impl std::fmt::Display) -> ReadError {
    ReadError::Io(e.to_string())
}

impl Snapshot for RemoteSnapshot {
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

    fn read(&self, path: &str, limit: u64) -> Result<Vec<u8>, ReadError> {
        let e = self.entry(path)?;
        let f = self.whole(e, limit)?;
        f.read(0, e.size).map_err(read_error)
    }

    fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>, ReadError> {
        let e = self.entry(path)?;
        let start = offset.min(e.size);
        let end = offset.saturating_add(len).min(e.size);
        if start == end {
            return Ok(Vec::new());
        }
        let f = self.ensure(e, start, end)?;
        f.read(start, end).map_err(read_error)
    }

    fn view(&self, path: &str) -> Result<Bytes, ReadError> {
        let e = self.entry(path)?;
        if e.size == 0 {
            return Ok(Bytes::Owned(Vec::new()));
        }
        // A format without a magic number is chosen by name and read whole: its first bytes
        // say nothing, so they are not fetched first.
        let named = sniff::by_name(path);
        let whole_by_name = !named.has_magic_number() && named.needs(&[], e.size) == Needs::Whole;
        if e.size <= SMALL_FILE || whole_by_name {
            self.whole(e, self.fetch_limit)?;
        } else {
            self.fetch_for_inspection(e)?;
        }
        let f = self.sparse(e)?;
        let map = f.map().map_err(read_error)?;
        Ok(if f.is_complete() {
            Bytes::Mapped(map)
        } else {
            Bytes::Partial {
                map,
                present: f.ranges().to_vec(),
            }
        })
    }

    fn url_of(&self, path: &str) -> Option<&str> {
        self.url_files.get(path).map(String::as_str)
    }

    fn remote(&self) -> Option<RemoteInfo> {
        let mut partial_files = Vec::new();
        for f in &self.files {
            let Some(e) = self.entries.get(&f.path) else {
                continue;
            };
            if let Some(s) = self.cache.existing_file(&self.commit, e)
                && !s.is_complete()
                && s.bytes_present() > 0
            {
                partial_files.push(PartialFile {
                    path: f.path.clone(),
                    size: e.size,
                    bytes_read: s.bytes_present(),
                });
            }
        }
        Some(RemoteInfo {
            endpoint: self.hub.base().to_string(),
            offline: self.client.is_none(),
            bytes_transferred: self.client.as_ref().map_or(0, Client::bytes_transferred),
            requests: self.client.as_ref().map_or(0, Client::requests_sent),
            repository_bytes: self.files.iter().map(|f| f.size).sum(),
            partial_files,
        })
    }
}
