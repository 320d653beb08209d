//! Every model repository snapshot in the local hub caches, for `trustscan cache`.
//!
//! Hugging Face: `<cache>/models--org--name/snapshots/<commit>/`, refs in `refs/<name>` files
//! holding a commit. ModelScope: `<cache>/models/owner--name/snapshots/<revision>/`, and the
//! legacy `<cache>/hub/models/owner/name___x/` and `<cache>/models/owner/name___x/` (dots in
//! names encoded as `___`). Datasets and spaces are not models and are left out.

use std::fs;
use std::path::{Path, PathBuf};
use trustscan_core::Platform;

/// One downloaded revision of one repository.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CachedSnapshot {
    pub platform: Platform,
    pub repo_id: String,
    /// The commit (Hugging Face) or revision name (ModelScope); empty for legacy layouts,
    /// which keep one unnamed revision.
    pub revision: String,
    /// The refs that point at it (`main`, `refs/pr/1`).
    pub refs: Vec<String>,
    /// The directory to scan.
    pub path: PathBuf,
}

/// The snapshots under a Hugging Face hub cache and a ModelScope cache (either may be
/// missing), sorted; directories that cannot be read are reported, not skipped silently.
pub fn cached_snapshots(hf: &Path, modelscope: &Path) -> (Vec<CachedSnapshot>, Vec<String>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for (folder, path) in subdirs(hf, &mut errors) {
        let Some(rest) = folder.strip_prefix("models--") else {
            continue;
        };
        let repo_id = rest.replacen("--", "/", 1);
        let refs = hf_refs(&path.join("refs"));
        for (commit, snapshot) in subdirs(&path.join("snapshots"), &mut errors) {
            found.push(CachedSnapshot {
                platform: Platform::HuggingFace,
                repo_id: repo_id.clone(),
                refs: refs
                    .iter()
                    .filter(|(_, c)| *c == commit)
                    .map(|(r, _)| r.clone())
                    .collect(),
                revision: commit,
                path: snapshot,
            });
        }
    }
    let models = modelscope.join("models");
    for (folder, path) in subdirs(&models, &mut errors) {
        if let Some((owner, name)) = folder.split_once("--")
            && path.join("snapshots").is_dir()
        {
            for (revision, snapshot) in subdirs(&path.join("snapshots"), &mut errors) {
                found.push(CachedSnapshot {
                    platform: Platform::Modelscope,
                    repo_id: format!("{owner}/{name}"),
                    refs: Vec::new(),
                    revision,
                    path: snapshot,
                });
            }
        } else {
            legacy_modelscope(&folder, &path, &mut found, &mut errors);
        }
    }
    for (owner, path) in subdirs(&modelscope.join("hub").join("models"), &mut errors) {
        legacy_modelscope(&owner, &path, &mut found, &mut errors);
    }
    found.sort();
    (found, errors)
}

/// `owner/name___x/` directories of the legacy ModelScope layout.
fn legacy_modelscope(
    owner: &str,
    dir: &Path,
    found: &mut Vec<CachedSnapshot>,
    errors: &mut Vec<String>,
) {
    for (name, path) in subdirs(dir, errors) {
        found.push(CachedSnapshot {
            platform: Platform::Modelscope,
            repo_id: format!("{owner}/{}", name.replace("___", ".")),
            revision: String::new(),
            refs: Vec::new(),
            path,
        });
    }
}

/// Subdirectories (not symlinks, not hidden: ModelScope's `._____temp` download area)
/// by name; a missing directory has none.
fn subdirs(dir: &Path, errors: &mut Vec<String>) -> Vec<(String, PathBuf)> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            errors.push(format!("{}: {e}", dir.display()));
            return Vec::new();
        }
    };
    let mut out: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    out.sort();
    out
}

/// `(ref name, commit)` for every file under `refs/` (`main`, `pr/1`).
fn hf_refs(refs: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![(refs.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(name) = e.file_name().into_string() else {
                continue;
            };
            let full = format!("{prefix}{name}");
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push((e.path(), format!("{full}/"))),
                // A ref file holds one commit hash; anything bigger is not a ref.
                Ok(t) if t.is_file() => {
                    if let Ok(text) = fs::read_to_string(e.path())
                        && text.len() <= 128
                    {
                        out.push((full, text.trim().to_string()));
                    }
                }
                _ => {}
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(p: &Path) {
        fs::create_dir_all(p).unwrap();
    }

    #[test]
    fn finds_every_layout_and_nothing_else() {
        let t = tempfile::tempdir().unwrap();
        let hf = t.path().join("hf");
        let ms = t.path().join("ms");
        let entry = hf.join("models--org--name");
        dir(&entry.join("snapshots/aaa"));
        dir(&entry.join("snapshots/bbb"));
        dir(&entry.join("refs/pr"));
        fs::write(entry.join("refs/main"), "aaa").unwrap();
        fs::write(entry.join("refs/pr/1"), "bbb\n").unwrap();
        dir(&hf.join("datasets--org--data/snapshots/ccc"));
        dir(&hf.join(".locks/models--org--name"));
        dir(&ms.join("models/Qwen--Qwen3/snapshots/master"));
        dir(&ms.join("models/owner/old___model"));
        dir(&ms.join("hub/models/Qwen/Qwen3___5-0___8B"));
        dir(&ms.join("models/._____temp/x"));
        let (found, errors) = cached_snapshots(&hf, &ms);
        assert!(errors.is_empty(), "{errors:?}");
        let got: Vec<(Platform, &str, &str, Vec<&str>)> = found
            .iter()
            .map(|s| {
                (
                    s.platform,
                    s.repo_id.as_str(),
                    s.revision.as_str(),
                    s.refs.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (Platform::HuggingFace, "org/name", "aaa", vec!["main"]),
                (Platform::HuggingFace, "org/name", "bbb", vec!["pr/1"]),
                (Platform::Modelscope, "Qwen/Qwen3", "master", vec![]),
                (Platform::Modelscope, "Qwen/Qwen3.5-0.8B", "", vec![]),
                (Platform::Modelscope, "owner/old.model", "", vec![]),
            ]
        );
        assert!(found.iter().all(|s| s.path.is_dir()));
    }

    #[test]
    fn missing_caches_are_empty() {
        let t = tempfile::tempdir().unwrap();
        let (found, errors) = cached_snapshots(&t.path().join("a"), &t.path().join("b"));
        assert!(found.is_empty() && errors.is_empty());
    }
}
