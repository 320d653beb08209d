//! ModelScope (modelscope-hub, reference/loaders.md §3.3): `repo/files?Revision=&Recursive=True`
//! lists the repository in one unpaginated answer, and `repo?Revision=&FilePath=` serves a file's
//! bytes (the SDK resumes downloads there with `Range` and checks `Content-Range`).
//!
//! The listing is silently cut at 3000 entries (`REPO_FILES_TRUNCATION_LIMIT`); an answer that
//! long is distrusted and the tree is walked again one directory at a time (`Recursive=False&Root=`),
//! as the SDK does; that those answers give each entry's full `Path` (not its name under `Root`)
//! is assumed, and a directory answer that breaks the assumption is refused. The API has no documented "revision → commit" answer in our reference, so the
//! commit comes from the per-entry `Revision` field when every entry agrees on one commit id;
//! otherwise the files are fetched by revision name and the listing says so.

use std::collections::{BTreeSet, VecDeque};

use super::{Hub, Listing, RemoteEntry, bad, encode, finish, get_json, is_commit};
use crate::http::{Client, FetchError};
use trustscan_core::Platform;

/// modelscope-hub's `REPO_FILES_TRUNCATION_LIMIT`: an answer with this many entries may be cut.
pub const TRUNCATION_LIMIT: usize = 3000;
/// Directory listings requested in a re-walk before the repository is called unbounded.
const MAX_DIRECTORIES: usize = 20_000;

pub struct ModelScope {
    base: String,
}

impl ModelScope {
    /// `base`: the endpoint (`https://modelscope.cn`, or `MODELSCOPE_ENDPOINT`).
    pub fn new(base: &str) -> ModelScope {
        ModelScope {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    fn files_url(&self, repo: &str, revision: &str, root: Option<&str>) -> String {
        let mut url = format!(
            "{}/api/v1/models/{repo}/repo/files?Revision={}",
            self.base,
            encode(revision)
        );
        match root {
            None => url.push_str("&Recursive=True"),
            Some("") => url.push_str("&Recursive=False"),
            Some(dir) => url.push_str(&format!("&Recursive=False&Root={}", encode(dir))),
        }
        url
    }

    /// One `repo/files` answer's entries, after checking the `Code`/`Success` envelope.
    fn fetch_entries(&self, client: &Client, url: &str) -> Result<Vec<Entry>, FetchError> {
        let (v, f) = get_json(client, url)?;
        check_envelope(&v, &f.final_url)?;
        let files = v
            .pointer("/Data/Files")
            .and_then(|x| x.as_array())
            .ok_or_else(|| bad(&f.final_url, "no `Data.Files` array in the file listing"))?;
        files
            .iter()
            .map(|e| {
                Entry::parse(e).ok_or_else(|| {
                    bad(
                        &f.final_url,
                        "an entry without `Path`, `Type` or (for a file) `Size`",
                    )
                })
            })
            .collect()
    }
}

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    /// The `Type` as the hub wrote it.
    Other(String),
}

/// The fields of one `Data.Files` entry we use.
struct Entry {
    path: String,
    kind: Kind,
    size: u64,
    sha256: Option<String>,
    revision: Option<String>,
}

impl Entry {
    fn parse(e: &serde_json::Value) -> Option<Entry> {
        let path = e.get("Path")?.as_str()?.to_string();
        let kind = match e.get("Type")?.as_str()? {
            "blob" => Kind::File,
            "tree" => Kind::Dir,
            // Anything else (a submodule, a future type) has no bytes of its own to scan.
            other => Kind::Other(other.to_string()),
        };
        // Sizes decide what is fetched: a file without one is refused, not taken as empty.
        let size = match kind {
            Kind::File => e.get("Size")?.as_u64()?,
            _ => 0,
        };
        let text = |k: &str| {
            e.get(k)
                .and_then(|x| x.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Some(Entry {
            path,
            kind,
            size,
            sha256: text("Sha256"),
            revision: text("Revision"),
        })
    }
}

/// ModelScope reports failures inside a 200 answer: `{"Code": 10010205001, "Message": ..., "Success": false}`.
fn check_envelope(v: &serde_json::Value, url: &str) -> Result<(), FetchError> {
    let code_ok = match v.get("Code") {
        None => true,
        Some(c) => c.as_i64() == Some(200) || c.as_str() == Some("200"),
    };
    let success_ok = v.get("Success").and_then(|s| s.as_bool()) != Some(false);
    if code_ok && success_ok {
        return Ok(());
    }
    let code = v.get("Code").map(|c| c.to_string()).unwrap_or_default();
    let message: String = v
        .get("Message")
        .and_then(|m| m.as_str())
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    Err(bad(
        url,
        &format!("the hub reported an error (Code {code}): {message:?}"),
    ))
}

impl Hub for ModelScope {
    fn platform(&self) -> Platform {
        Platform::Modelscope
    }

    fn base(&self) -> &str {
        &self.base
    }

    fn list(
        &self,
        client: &Client,
        repo: &str,
        revision: Option<&str>,
    ) -> Result<Listing, FetchError> {
        let revision = revision.unwrap_or("master").to_string();
        let mut notes = Vec::new();
        let mut entries = self.fetch_entries(client, &self.files_url(repo, &revision, None))?;
        if entries.len() >= TRUNCATION_LIMIT {
            entries = self.rewalk(client, repo, &revision)?;
            notes.push(format!(
                "the recursive file listing returned {TRUNCATION_LIMIT} or more entries (where \
                 ModelScope silently truncates), so the repository was listed again one \
                 directory at a time"
            ));
        }
        let commit = if is_commit(&revision) {
            revision.clone()
        } else {
            // Every entry naming the same commit: the files are those of that commit, whether
            // the field is the branch head or each file's last change.
            let revs: BTreeSet<&str> = entries
                .iter()
                .filter_map(|e| e.revision.as_deref())
                .collect();
            let all_have = entries.iter().all(|e| e.revision.is_some());
            match revs.into_iter().collect::<Vec<_>>().as_slice() {
                [one] if all_have && is_commit(one) => one.to_string(),
                _ => {
                    notes.push(format!(
                        "ModelScope's listing did not name one commit for revision {revision:?}; \
                         files are fetched by the revision name, so a push during the scan could \
                         mix two versions of the repository"
                    ));
                    revision.clone()
                }
            }
        };
        let mut files = Vec::new();
        for e in entries {
            match e.kind {
                Kind::File => files.push(RemoteEntry {
                    path: e.path,
                    size: e.size,
                    oid: e.sha256,
                }),
                Kind::Dir => {}
                Kind::Other(t) => notes.push(format!(
                    "the hub listed {:?} with type {t:?}, which is neither a file nor a directory; skipped",
                    e.path
                )),
            }
        }
        let files = finish(files, &mut notes);
        Ok(Listing {
            revision,
            commit,
            files,
            notes,
        })
    }

    fn file_url(&self, repo: &str, commit: &str, path: &str) -> String {
        format!(
            "{}/api/v1/models/{repo}/repo?Revision={}&FilePath={}",
            self.base,
            encode(commit),
            encode(path)
        )
    }

    fn repo_url(&self, repo: &str) -> String {
        format!("{}/models/{repo}", self.base)
    }
}

impl ModelScope {
    /// Breadth-first, one non-recursive listing per directory, starting at the root.
    fn rewalk(
        &self,
        client: &Client,
        repo: &str,
        revision: &str,
    ) -> Result<Vec<Entry>, FetchError> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([String::new()]);
        let mut listed = 0usize;
        while let Some(dir) = queue.pop_front() {
            listed += 1;
            if listed > MAX_DIRECTORIES {
                return Err(bad(
                    &self.files_url(repo, revision, None),
                    &format!("the repository has more than {MAX_DIRECTORIES} directories"),
                ));
            }
            let url = self.files_url(repo, revision, Some(&dir));
            let entries = self.fetch_entries(client, &url)?;
            let shown = if dir.is_empty() { "/" } else { dir.as_str() };
            if entries.len() >= TRUNCATION_LIMIT {
                return Err(bad(
                    &url,
                    &format!(
                        "directory {shown:?} alone lists {TRUNCATION_LIMIT} or more entries, \
                         where ModelScope truncates: the repository cannot be listed completely"
                    ),
                ));
            }
            for e in entries {
                // Each entry must sit directly under the directory asked for; otherwise the
                // server ignored `Root` and walking on could loop.
                let parent = e.path.rsplit_once('/').map_or("", |(p, _)| p);
                if parent != dir {
                    return Err(bad(
                        &url,
                        &format!(
                            "listing directory {shown:?} returned {:?}, which is not directly in it",
                            e.path
                        ),
                    ));
                }
                if e.kind == Kind::Dir && seen.insert(e.path.clone()) {
                    queue.push_back(e.path.clone());
                }
                out.push(e);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let ms = ModelScope::new("https://modelscope.cn/");
        assert_eq!(
            ms.file_url("Qwen/Qwen3", "master", "sub dir/a&b.bin"),
            "https://modelscope.cn/api/v1/models/Qwen/Qwen3/repo?Revision=master&FilePath=sub%20dir%2Fa%26b.bin"
        );
        assert_eq!(
            ms.repo_url("Qwen/Qwen3"),
            "https://modelscope.cn/models/Qwen/Qwen3"
        );
        assert_eq!(
            ms.files_url("o/n", "v1.0", Some("a b")),
            "https://modelscope.cn/api/v1/models/o/n/repo/files?Revision=v1.0&Recursive=False&Root=a%20b"
        );
    }

    #[test]
    fn envelope_errors_quote_a_cleaned_message() {
        let ok = serde_json::json!({"Code": 200, "Success": true});
        assert!(check_envelope(&ok, "http://h/x").is_ok());
        let long = format!("no\u{7}such {}", "x".repeat(500));
        let e = check_envelope(
            &serde_json::json!({"Code": 10010205001u64, "Message": long, "Success": false}),
            "http://h/x",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("10010205001") && e.contains("nosuch"), "{e}");
        assert!(!e.contains('\u{7}') && !e.contains(&"x".repeat(200)), "{e}");
        let e = check_envelope(
            &serde_json::json!({"Code": 200, "Success": false}),
            "http://h/x",
        );
        assert!(e.is_err());
    }
}
