//! One remote file as a [`RangedReader`]: its length and tail come from a single suffix request,
//! and later reads are pinned to the ETag that first answer carried.

use std::io;
use std::sync::Mutex;

use crate::http::{ByteRange, Client, FetchError};
use crate::range_zip::RangedReader;

pub struct RemoteFile<'c> {
    client: &'c Client,
    url: String,
    len: u64,
    etag: Option<String>,
    /// The commit a branch resolved to when opened (Hugging Face `X-Repo-Commit`).
    commit: Option<String>,
    /// The window fetched when opening (a zip's tail, a header's start): later reads inside it
    /// cost no request.
    tail: Vec<u8>,
    tail_start: u64,
    /// Reads served without a request (for accounting in tests and reports).
    cache_hits: Mutex<u64>,
}

impl<'c> RemoteFile<'c> {
    /// Opens `url` by fetching its last `tail` bytes (at least one): for zips, whose directory
    /// is at the end.
    pub fn open(client: &'c Client, url: &str, tail: u64) -> Result<RemoteFile<'c>, FetchError> {
        Self::open_window(client, url, ByteRange::Suffix(tail.max(1)))
    }

    /// Opens `url` by fetching its first `head` bytes (at least one): for safetensors and GGUF,
    /// whose headers are at the start.
    pub fn open_head(
        client: &'c Client,
        url: &str,
        head: u64,
    ) -> Result<RemoteFile<'c>, FetchError> {
        Self::open_window(
            client,
            url,
            ByteRange::Span {
                start: 0,
                end: head.max(1),
            },
        )
    }

    fn open_window(
        client: &'c Client,
        url: &str,
        window: ByteRange,
    ) -> Result<RemoteFile<'c>, FetchError> {
        let limit = match window {
            ByteRange::Suffix(n) => n,
            ByteRange::Span { start, end } => end - start,
        };
        let f = client.get(url, Some(window), limit)?;
        let len = match f.total_len {
            Some(l) => l,
            None => {
                return Err(FetchError::BadResponse {
                    url: f.final_url,
                    reason: "the server did not say how long the file is".into(),
                });
            }
        };
        Ok(RemoteFile {
            client,
            url: url.to_string(),
            len,
            etag: f.etag,
            commit: f.hub.repo_commit,
            tail_start: f.start,
            tail: f.body,
            cache_hits: Mutex::new(0),
        })
    }

    pub fn etag(&self) -> Option<&str> {
        self.etag.as_deref()
    }

    /// The commit the file was read at, when the hub said; later reads are checked against it.
    pub fn commit(&self) -> Option<&str> {
        self.commit.as_deref()
    }

    pub fn cache_hits(&self) -> u64 {
        *self.cache_hits.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fetch(&self, offset: u64, len: usize) -> Result<Vec<u8>, FetchError> {
        let end = offset.saturating_add(len as u64);
        let f = self.client.get(
            &self.url,
            Some(ByteRange::Span { start: offset, end }),
            len as u64,
        )?;
        // A file that changes between two range reads would splice two versions together.
        if let (Some(expected), Some(found)) = (&self.etag, &f.etag)
            && expected != found
        {
            return Err(FetchError::Changed {
                url: f.final_url,
                expected: expected.clone(),
                found: found.clone(),
            });
        }
        // Same for a branch that moved to another commit between two reads.
        if let (Some(expected), Some(found)) = (&self.commit, &f.hub.repo_commit)
            && expected != found
        {
            return Err(FetchError::Changed {
                url: f.final_url,
                expected: expected.clone(),
                found: found.clone(),
            });
        }
        if f.body.len() != len {
            return Err(FetchError::Truncated {
                url: f.final_url,
                expected: len as u64,
                received: f.body.len() as u64,
            });
        }
        Ok(f.body)
    }
}

impl RangedReader for RemoteFile<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let end = offset
            .checked_add(len as u64)
            .filter(|&e| e <= self.len)
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        if len == 0 {
            return Ok(Vec::new());
        }
        if offset >= self.tail_start && end <= self.tail_start + self.tail.len() as u64 {
            *self.cache_hits.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            let s = (offset - self.tail_start) as usize;
            return Ok(self.tail[s..s + len].to_vec());
        }
        // The FetchError travels inside the io::Error; callers can downcast it back.
        self.fetch(offset, len).map_err(io::Error::other)
    }
}
