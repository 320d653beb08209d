//! Hugging Face (`huggingface_hub` 2.4 `hf_api.py`, reference/loaders.md §11.2): the revision
//! endpoint gives the commit, the tree endpoint at that commit lists the files (paginated with
//! `Link: <...>; rel="next"`), and `resolve/<commit>/<path>` serves the bytes (a redirect to a
//! CDN for LFS files; Range is re-sent on every hop by the client).

use super::{Hub, Listing, RemoteEntry, bad, commit_field, encode, encode_path, finish, get_json};
use crate::http::{Client, FetchError};
use trustscan_core::Platform;

pub struct HuggingFace {
    base: String,
}

impl HuggingFace {
    /// `base`: the endpoint (`https://huggingface.co`, a mirror, or `HF_ENDPOINT`).
    pub fn new(base: &str) -> HuggingFace {
        HuggingFace {
            base: base.trim_end_matches('/').to_string(),
        }
    }
}

impl Hub for HuggingFace {
    fn platform(&self) -> Platform {
        Platform::HuggingFace
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
        let revision = revision.unwrap_or("main").to_string();
        let url = format!(
            "{}/api/models/{repo}/revision/{}",
            self.base,
            encode(&revision)
        );
        let (info, f) = get_json(client, &url)?;
        let commit = commit_field(&info, &f.final_url, "the model info")?;
        let mut files = Vec::new();
        let mut next = Some(format!(
            "{}/api/models/{repo}/tree/{commit}?recursive=true",
            self.base
        ));
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > super::MAX_PAGES {
                return Err(bad(&url, "the tree listing has more than 1000 pages"));
            }
            let (page, f) = get_json(client, &url)?;
            let entries = page
                .as_array()
                .ok_or_else(|| bad(&f.final_url, "the tree listing is not a JSON array"))?;
            for e in entries {
                if e.get("type").and_then(|t| t.as_str()) != Some("file") {
                    continue;
                }
                let path = e.get("path").and_then(|p| p.as_str());
                let size = e.get("size").and_then(|s| s.as_u64());
                let (Some(path), Some(size)) = (path, size) else {
                    return Err(bad(&f.final_url, "a file entry without `path` or `size`"));
                };
                // LFS files: the sha256 of the content, which is also the cache's blob name.
                let oid = e
                    .pointer("/lfs/oid")
                    .or_else(|| e.get("oid"))
                    .and_then(|o| o.as_str())
                    .map(str::to_string);
                files.push(RemoteEntry {
                    path: path.to_string(),
                    size,
                    oid,
                });
            }
            next = f.link_next.map(|n| {
                if n.starts_with('/') {
                    format!(
                        "{}{n}",
                        crate::http::origin_of(&self.base).unwrap_or_default()
                    )
                } else {
                    n
                }
            });
        }
        let mut notes = Vec::new();
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
            "{}/{repo}/resolve/{commit}/{}",
            self.base,
            encode_path(path)
        )
    }

    fn repo_url(&self, repo: &str) -> String {
        format!("{}/{repo}", self.base)
    }
}
