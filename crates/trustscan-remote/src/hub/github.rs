//! GitHub, for torch.hub repositories (reference/loaders.md §2.1), through the REST API:
//! `repos/{repo}` gives the default branch, `repos/{repo}/commits/{ref}` the commit, and
//! `repos/{repo}/git/trees/{sha}?recursive=1` every path at it (`truncated: true` past GitHub's
//! limits, then each tree is listed on its own). Bytes come from the web host's
//! `{owner}/{repo}/raw/{commit}/{path}`, which on github.com redirects to
//! raw.githubusercontent.com (the client drops the token on that hop, so private repositories
//! are not readable this way).
//!
//! torch.hub itself downloads `zipball/{ref}` and does not pin a commit; listing one commit
//! instead keeps every file of a scan from the same revision. For GitHub Enterprise the web
//! base is taken as the API base minus `/api/v3` and the `raw` path is assumed to work the same
//! way: unverified.

use std::collections::VecDeque;

use super::{Hub, Listing, RemoteEntry, bad, commit_field, encode, encode_path, finish, get_json};
use crate::http::{Client, FetchError};
use trustscan_core::Platform;

/// Trees listed one by one after a truncated recursive listing, before giving up.
const MAX_TREES: usize = 20_000;

pub struct GitHub {
    api: String,
    web: String,
}

impl GitHub {
    /// `api_base`: `https://api.github.com`, `https://HOST/api/v3` (Enterprise), or
    /// `GITHUB_API_URL`.
    pub fn new(api_base: &str) -> GitHub {
        let api = api_base.trim_end_matches('/').to_string();
        let web = web_base_of(&api);
        GitHub { api, web }
    }

    /// Where file bytes and browsable pages are served; a token for the API is also needed there
    /// (bind it to this origin too).
    pub fn web_base(&self) -> &str {
        &self.web
    }

    /// One tree's entries and its `truncated` flag.
    fn tree(
        &self,
        client: &Client,
        repo: &str,
        sha: &str,
        recursive: bool,
    ) -> Result<(Vec<TreeEntry>, bool, String), FetchError> {
        let url = format!(
            "{}/repos/{repo}/git/trees/{}{}",
            self.api,
            encode(sha),
            if recursive { "?recursive=1" } else { "" }
        );
        let (v, f) = get_json(client, &url)?;
        let entries = v
            .get("tree")
            .and_then(|t| t.as_array())
            .ok_or_else(|| bad(&f.final_url, "no `tree` array in the tree listing"))?
            .iter()
            .map(|e| {
                TreeEntry::parse(e).ok_or_else(|| {
                    bad(&f.final_url, "a tree entry without `path`, `type` or `sha`")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let truncated = v.get("truncated").and_then(|t| t.as_bool()) == Some(true);
        Ok((entries, truncated, f.final_url))
    }

    /// Breadth-first from the commit's root tree, each tree listed without `recursive`.
    fn rewalk(
        &self,
        client: &Client,
        repo: &str,
        commit: &str,
    ) -> Result<Vec<TreeEntry>, FetchError> {
        let mut out = Vec::new();
        let mut queue = VecDeque::from([(String::new(), commit.to_string())]);
        let mut listed = 0usize;
        while let Some((prefix, sha)) = queue.pop_front() {
            listed += 1;
            if listed > MAX_TREES {
                return Err(bad(
                    &format!("{}/repos/{repo}/git/trees/{commit}", self.api),
                    &format!("the repository has more than {MAX_TREES} directories"),
                ));
            }
            let (entries, truncated, url) = self.tree(client, repo, &sha, false)?;
            if truncated {
                let shown = if prefix.is_empty() { "/" } else { &prefix };
                return Err(bad(
                    &url,
                    &format!(
                        "directory {shown:?} alone is too large for GitHub's tree API: the \
                         repository cannot be listed completely"
                    ),
                ));
            }
            for mut e in entries {
                if !prefix.is_empty() {
                    e.path = format!("{prefix}/{}", e.path);
                }
                if e.kind == "tree" {
                    queue.push_back((e.path.clone(), e.sha.clone()));
                }
                out.push(e);
            }
        }
        Ok(out)
    }
}

/// `https://api.github.com` → `https://github.com`; `https://HOST/api/v3` → `https://HOST`;
/// anything else (a proxy, a test server) serves both from the same base.
fn web_base_of(api: &str) -> String {
    let api = api.trim_end_matches('/');
    if api.eq_ignore_ascii_case("https://api.github.com") {
        return "https://github.com".to_string();
    }
    match api.strip_suffix("/api/v3") {
        Some(web) if !web.is_empty() => web.to_string(),
        _ => api.to_string(),
    }
}

struct TreeEntry {
    path: String,
    /// `blob`, `tree` or `commit` (a submodule).
    kind: String,
    mode: String,
    sha: String,
    size: Option<u64>,
}

impl TreeEntry {
    fn parse(e: &serde_json::Value) -> Option<TreeEntry> {
        let s = |k: &str| e.get(k).and_then(|x| x.as_str()).map(str::to_string);
        Some(TreeEntry {
            path: s("path")?,
            kind: s("type")?,
            mode: s("mode").unwrap_or_default(),
            sha: s("sha")?,
            size: e.get("size").and_then(|x| x.as_u64()),
        })
    }
}

impl Hub for GitHub {
    fn platform(&self) -> Platform {
        Platform::Github
    }

    fn base(&self) -> &str {
        &self.api
    }

    fn list(
        &self,
        client: &Client,
        repo: &str,
        revision: Option<&str>,
    ) -> Result<Listing, FetchError> {
        let revision = match revision {
            Some(r) => r.to_string(),
            None => {
                let url = format!("{}/repos/{repo}", self.api);
                let (v, f) = get_json(client, &url)?;
                v.get("default_branch")
                    .and_then(|b| b.as_str())
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| bad(&f.final_url, "no `default_branch` in the repository"))?
                    .to_string()
            }
        };
        // Also for a commit id: checks it exists here and expands an abbreviated one.
        let url = format!("{}/repos/{repo}/commits/{}", self.api, encode(&revision));
        let (v, f) = get_json(client, &url)?;
        let commit = commit_field(&v, &f.final_url, "the commit")?;
        let mut notes = Vec::new();
        let (mut entries, truncated, _) = self.tree(client, repo, &commit, true)?;
        if truncated {
            entries = self.rewalk(client, repo, &commit)?;
            notes.push(
                "GitHub truncated the recursive tree listing, so the repository was listed \
                 again one directory at a time"
                    .to_string(),
            );
        }
        let mut files = Vec::new();
        for e in entries {
            match e.kind.as_str() {
                "tree" => {}
                "commit" => notes.push(format!(
                    "{:?} is a submodule (commit {}); its files are in another repository and \
                     were not listed",
                    e.path, e.sha
                )),
                // Git's mode for a symbolic link: the blob is the link target's name, not code.
                "blob" if e.mode == "120000" => notes.push(format!(
                    "{:?} is a symbolic link; skipped (its target is not followed)",
                    e.path
                )),
                "blob" => {
                    let Some(size) = e.size else {
                        return Err(bad(
                            &format!("{}/repos/{repo}/git/trees/{commit}", self.api),
                            &format!("blob {:?} has no `size`", e.path),
                        ));
                    };
                    files.push(RemoteEntry {
                        path: e.path,
                        size,
                        oid: Some(e.sha),
                    });
                }
                other => notes.push(format!(
                    "{:?} has type {other:?}, which is neither a file nor a directory; skipped",
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
        format!("{}/{repo}/raw/{commit}/{}", self.web, encode_path(path))
    }

    fn repo_url(&self, repo: &str) -> String {
        format!("{}/{repo}", self.web)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_base_follows_the_api_base() {
        assert_eq!(
            GitHub::new("https://api.github.com/").web_base(),
            "https://github.com"
        );
        assert_eq!(
            GitHub::new("https://ghe.example.com/api/v3").web_base(),
            "https://ghe.example.com"
        );
        assert_eq!(
            GitHub::new("http://127.0.0.1:8080").web_base(),
            "http://127.0.0.1:8080"
        );
        let g = GitHub::new("https://api.github.com");
        assert_eq!(
            g.file_url("pytorch/vision", "abc", "hub conf.py"),
            "https://github.com/pytorch/vision/raw/abc/hub%20conf.py"
        );
        assert_eq!(
            g.repo_url("pytorch/vision"),
            "https://github.com/pytorch/vision"
        );
        assert_eq!(g.base(), "https://api.github.com");
    }
}
