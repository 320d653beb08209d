//! OpenCSG / CSGHub (`csghub-sdk` 0.9.3, reference/loaders.md §4), `csg` source prefix only:
//! `csg/api/models/{repo}/revision/{rev}` answers Hugging Face-shaped model info (`sha`,
//! `siblings[].rfilename`/`size`), sometimes wrapped in `{"data": ...}`, and
//! `csg/{repo}/resolve/{rev}/{path}` serves the bytes. That `resolve` accepts a commit id in
//! place of a branch name is assumed from the Hugging Face shape, not verified against CSGHub.

use super::{Hub, Listing, RemoteEntry, bad, commit_field, encode, encode_path, finish, get_json};
use crate::http::{Client, FetchError};
use trustscan_core::Platform;

pub struct CsgHub {
    base: String,
}

impl CsgHub {
    /// `base`: the endpoint (`https://hub.opencsg.com`, or `CSGHUB_DOMAIN`).
    pub fn new(base: &str) -> CsgHub {
        CsgHub {
            base: base.trim_end_matches('/').to_string(),
        }
    }
}

/// The model info object: top level, or under `data` (CSGHub's own API envelope).
fn model_info(v: &serde_json::Value) -> Option<&serde_json::Value> {
    let has = |o: &serde_json::Value| o.get("sha").is_some() || o.get("siblings").is_some();
    if has(v) {
        Some(v)
    } else {
        v.get("data").filter(|d| has(d))
    }
}

impl Hub for CsgHub {
    fn platform(&self) -> Platform {
        Platform::Opencsg
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
            "{}/csg/api/models/{repo}/revision/{}",
            self.base,
            encode(&revision)
        );
        let (v, f) = get_json(client, &url)?;
        let info = model_info(&v).ok_or_else(|| {
            bad(
                &f.final_url,
                "no model info (`sha`, `siblings`) in the answer",
            )
        })?;
        let commit = commit_field(&info, &f.final_url, "the model info")?;
        let siblings = info
            .get("siblings")
            .and_then(|s| s.as_array())
            .ok_or_else(|| bad(&f.final_url, "no `siblings` array in the model info"))?;
        let mut files = Vec::with_capacity(siblings.len());
        for s in siblings {
            let path = s.get("rfilename").and_then(|p| p.as_str());
            // Sizes decide what is fetched: a missing one is an error, never "empty file".
            let size = s.get("size").and_then(|n| n.as_u64());
            let (Some(path), Some(size)) = (path, size) else {
                return Err(bad(&f.final_url, "a sibling without `rfilename` or `size`"));
            };
            // Hugging Face's `blobs=True` shape, when the hub gives it: LFS sha256, else blob id.
            let oid = s
                .pointer("/lfs/sha256")
                .or_else(|| s.get("blobId"))
                .and_then(|o| o.as_str())
                .filter(|o| !o.is_empty())
                .map(str::to_string);
            files.push(RemoteEntry {
                path: path.to_string(),
                size,
                oid,
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
            "{}/csg/{repo}/resolve/{commit}/{}",
            self.base,
            encode_path(path)
        )
    }

    fn repo_url(&self, repo: &str) -> String {
        format!("{}/models/{repo}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_envelope() {
        let h = CsgHub::new("https://hub.opencsg.com/");
        assert_eq!(
            h.file_url("o/n", "abc", "a b/c.bin"),
            "https://hub.opencsg.com/csg/o/n/resolve/abc/a%20b/c.bin"
        );
        assert_eq!(h.repo_url("o/n"), "https://hub.opencsg.com/models/o/n");
        let inner = serde_json::json!({"sha": "x", "siblings": []});
        assert_eq!(model_info(&inner), Some(&inner));
        let wrapped = serde_json::json!({"msg": "OK", "data": inner.clone()});
        assert_eq!(model_info(&wrapped), Some(&inner));
        assert_eq!(model_info(&serde_json::json!({"data": {"x": 1}})), None);
    }
}
