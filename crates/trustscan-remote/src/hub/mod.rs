//! Hub APIs: resolve `owner/name@revision` to one commit, list every file at that commit, and
//! say where each file's bytes are. One module per platform; each reads only the JSON fields
//! it needs and refuses answers that do not have them.

pub mod csghub;
pub mod github;
pub mod hf;
pub mod modelscope;

use crate::http::{Client, FetchError, Fetched};
use trustscan_core::Platform;

/// JSON listings larger than this are refused (a listing of 100,000 files is ~20 MB).
pub const MAX_LISTING_BYTES: u64 = 64 << 20;
/// Pages followed before a listing is called unbounded.
pub const MAX_PAGES: usize = 1000;

/// One file of a remote repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEntry {
    /// Repository-relative, `/`-separated.
    pub path: String,
    pub size: u64,
    /// The blob id when the hub gives one (git sha1, or the LFS sha256).
    pub oid: Option<String>,
}

/// A repository at one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The revision asked for, or the platform's default branch.
    pub revision: String,
    /// The commit it resolved to; every file URL names it, so all files come from one revision.
    pub commit: String,
    /// Sorted by path, no directories, no duplicates.
    pub files: Vec<RemoteEntry>,
    /// What the user should know about the listing (re-walks after truncation, ...).
    pub notes: Vec<String>,
}

pub trait Hub: Send + Sync {
    fn platform(&self) -> Platform;
    /// The endpoint base this hub talks to (for reports and cache keys).
    fn base(&self) -> &str;
    /// Resolve `revision` (`None`: the default branch) and list every file at that commit.
    fn list(
        &self,
        client: &Client,
        repo: &str,
        revision: Option<&str>,
    ) -> Result<Listing, FetchError>;
    /// Where the raw bytes of `path` at `commit` are served (Range requests honoured or not:
    /// the client copes with both).
    fn file_url(&self, repo: &str, commit: &str, path: &str) -> String;
    /// A browsable address of the repository, for reports.
    fn repo_url(&self, repo: &str) -> String;
}

/// GET a JSON document (at most [`MAX_LISTING_BYTES`]).
pub fn get_json(client: &Client, url: &str) -> Result<(serde_json::Value, Fetched), FetchError> {
    let f = client.get(url, None, MAX_LISTING_BYTES)?;
    if f.total_len.is_some_and(|l| l > MAX_LISTING_BYTES) {
        return Err(bad(&f.final_url, "the listing is larger than 64 MiB"));
    }
    let v = serde_json::from_slice(&f.body)
        .map_err(|e| bad(&f.final_url, &format!("not JSON: {e}")))?;
    Ok((v, f))
}

/// A `BadResponse` naming the URL.
pub fn bad(url: &str, reason: &str) -> FetchError {
    FetchError::BadResponse {
        url: crate::http::redact(url),
        reason: reason.to_string(),
    }
}

/// Percent-encodes one path segment or query value (RFC 3986 unreserved characters stay).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a repository path, keeping its `/` separators.
pub fn encode_path(path: &str) -> String {
    path.split('/').map(encode).collect::<Vec<_>>().join("/")
}

/// A repository-relative path a hub returned, checked before it names a cache file: no
/// absolute paths, no `..`, no empty or `.` components, no backslashes or control characters.
pub fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// Sorts and de-duplicates entries, and drops unsafe paths with a note each.
pub fn finish(mut files: Vec<RemoteEntry>, notes: &mut Vec<String>) -> Vec<RemoteEntry> {
    files.retain(|f| {
        let ok = safe_path(&f.path);
        if !ok {
            notes.push(format!(
                "the hub listed a file named {:?}, which is not a safe repository path; skipped",
                f.path
            ));
        }
        ok
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    files
}

/// A commit id: 40 (SHA-1) or 64 (SHA-256) hex digits.
pub fn is_commit(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The commit id in a response's `sha` field; `what` names the response in the error.
pub fn commit_field(
    value: &serde_json::Value,
    url: &str,
    what: &str,
) -> Result<String, FetchError> {
    value
        .get("sha")
        .and_then(|s| s.as_str())
        .filter(|s| is_commit(s))
        .map(str::to_string)
        .ok_or_else(|| bad(url, &format!("no commit id (`sha`) in {what}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_checked_and_encoded() {
        for bad in ["", "/etc/passwd", "a/../b", "a//b", "./a", "a\\b", "a\nb"] {
            assert!(!safe_path(bad), "{bad:?}");
        }
        assert!(safe_path("sub dir/model.bin"));
        assert_eq!(encode_path("a b/c?d#e.py"), "a%20b/c%3Fd%23e.py");
        assert_eq!(encode("refs/pr/1"), "refs%2Fpr%2F1");
        assert!(is_commit(&"a".repeat(40)) && !is_commit("main"));
    }
}
