//! Where hubs' client libraries put repositories on disk, and how to recognise them.
//!
//! Hugging Face (`huggingface_hub`): `<cache>/models--org--name/{refs/<ref>, snapshots/<commit>/…,
//! blobs/<etag>}`, snapshot files being relative symlinks into `blobs/`.
//! ModelScope (`modelscope-hub`): `<cache>/models/owner--name/snapshots/<revision>/…`, legacy
//! `<cache>/hub/models/owner/name___x` (dots in names encoded as `___`).
//! OpenCSG (`csghub-sdk`): downloads land in `./owner/name/` with `.msc`/`.mdl`/`.mv` index files.
//! torch.hub: `<TORCH_HOME>/hub/owner_name_ref/`.

use crate::{OpenOptions, SourceError, Target};
use std::env;
use std::fs;
use std::path::{Component, Path, PathBuf};
use trustscan_core::{Note, Platform, SnapshotInfo};

/// A directory to list, with what is known about it.
pub(crate) struct Located {
    /// The directory whose files make up the snapshot.
    pub root: PathBuf,
    /// Symlinks may lead anywhere below this directory (a cache entry's `blobs/`), no further.
    pub containment: PathBuf,
    pub info: SnapshotInfo,
    pub notes: Vec<Note>,
}

/// `HF_HUB_CACHE` > `HUGGINGFACE_HUB_CACHE` > `$HF_HOME/hub` > `$XDG_CACHE_HOME/huggingface/hub`
/// > `~/.cache/huggingface/hub`, as `huggingface_hub.constants` reads them.
pub fn hf_hub_cache_dir() -> PathBuf {
    if let Some(p) = env_path("HF_HUB_CACHE").or_else(|| env_path("HUGGINGFACE_HUB_CACHE")) {
        return p;
    }
    if let Some(home) = env_path("HF_HOME") {
        return home.join("hub");
    }
    xdg_cache().join("huggingface").join("hub")
}

/// `MODELSCOPE_CACHE` or `~/.cache/modelscope`.
pub fn modelscope_cache_dir() -> PathBuf {
    env_path("MODELSCOPE_CACHE").unwrap_or_else(|| xdg_home_cache().join("modelscope"))
}

fn csghub_cache_dir() -> PathBuf {
    env_path("CSGHUB_CACHE").unwrap_or_else(|| xdg_home_cache().join("csg").join("hub"))
}

fn torch_hub_dir() -> PathBuf {
    env_path("TORCH_HOME")
        .unwrap_or_else(|| xdg_cache().join("torch"))
        .join("hub")
}

fn env_path(name: &str) -> Option<PathBuf> {
    env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn xdg_cache() -> PathBuf {
    env_path("XDG_CACHE_HOME").unwrap_or_else(xdg_home_cache)
}

fn xdg_home_cache() -> PathBuf {
    env_path("HOME")
        .unwrap_or_else(|| PathBuf::from("/"))
        .join(".cache")
}

fn info(platform: Platform, layout: &str, root: &Path) -> SnapshotInfo {
    SnapshotInfo {
        platform,
        layout: layout.to_string(),
        root: root.display().to_string(),
        repo_id: None,
        revision: None,
        commit: None,
        files: 0,
        remote: None,
        model: None,
    }
}

pub(crate) fn locate(target: &Target, options: &OpenOptions) -> Result<Located, SourceError> {
    match target {
        Target::Path(p) => locate_path(p, options),
        Target::Hub {
            platform,
            repo_id,
            revision,
        } => {
            let revision = revision.clone().or_else(|| options.revision.clone());
            locate_cached(*platform, repo_id, revision, options)
        }
        // No library caches a model-zoo entry as one directory: it is always read remotely.
        Target::Zoo { package, model, .. } => Err(SourceError::NotFound(format!(
            "mmlab:{package}/{model} has no local copy (model-zoo names are read from the \
             package's repository)"
        ))),
    }
}

fn locate_path(given: &Path, options: &OpenOptions) -> Result<Located, SourceError> {
    let meta = fs::metadata(given)
        .map_err(|e| SourceError::NotFound(format!("cannot open {}: {e}", given.display())))?;
    if !meta.is_dir() {
        return Err(SourceError::Layout(format!(
            "{} is not a directory; a model repository is a directory",
            given.display()
        )));
    }
    // Recognise layouts on the absolute path (`.` inside a snapshot is still a snapshot), but
    // show the user the path they typed.
    let path = fs::canonicalize(given)
        .map_err(|e| SourceError::Io(format!("cannot resolve {}: {e}", given.display())))?;
    let mut located = locate_dir(&path, options)?;
    if located.root == path {
        located.info.root = given.display().to_string();
    }
    Ok(located)
}

fn locate_dir(path: &Path, options: &OpenOptions) -> Result<Located, SourceError> {
    let name = file_name(path);
    let parent = path.parent().map(file_name).unwrap_or_default();
    let grandparent = path
        .parent()
        .and_then(Path::parent)
        .map(file_name)
        .unwrap_or_default();

    // Hugging Face cache entry: models--org--name/ (also one whose download never made a
    // snapshot: refs/ or blobs/ alone)
    if let Some(repo_id) = hf_repo_id_from_folder(&name)
        && ["snapshots", "refs", "blobs"]
            .iter()
            .any(|d| path.join(d).is_dir())
    {
        return hf_entry(path, &repo_id, options.revision.clone());
    }
    // Hugging Face cache snapshot: models--org--name/snapshots/<commit>/
    if parent == "snapshots"
        && let Some(repo_id) = hf_repo_id_from_folder(&grandparent)
    {
        let entry = path.parent().and_then(Path::parent).unwrap_or(path);
        let mut located = hf_snapshot(entry, &repo_id, &name)?;
        located.root = path.to_path_buf();
        return Ok(located);
    }
    // ModelScope cache: models/owner--name/snapshots/<revision>/
    if parent == "snapshots"
        && let Some((owner, repo)) = grandparent.split_once("--")
        && path.ancestors().nth(3).map(file_name).as_deref() == Some("models")
    {
        let mut located = plain(path, Platform::Modelscope, "modelscope-cache");
        located.info.repo_id = Some(format!("{owner}/{repo}"));
        located.info.revision = Some(name);
        return Ok(located);
    }
    if path.join("snapshots").is_dir()
        && let Some((owner, repo)) = name.split_once("--")
        && parent == "models"
    {
        return ms_entry(path, &format!("{owner}/{repo}"), options.revision.clone());
    }
    // ModelScope legacy cache: .../hub/models/owner/name___x or .../models/owner/name under a
    // directory named `modelscope`.
    let under_modelscope = path.ancestors().any(|a| file_name(a) == "modelscope")
        || env_path("MODELSCOPE_CACHE").is_some_and(|c| path.starts_with(c));
    if under_modelscope && grandparent == "models" {
        let mut located = plain(path, Platform::Modelscope, "modelscope-legacy-cache");
        located.info.repo_id = Some(format!("{parent}/{}", name.replace("___", ".")));
        return Ok(located);
    }
    // OpenCSG download: csghub-sdk writes .msc/.mdl/.mv index files beside the files.
    if [".msc", ".mdl", ".mv"]
        .iter()
        .any(|f| path.join(f).is_file())
    {
        let mut located = plain(path, Platform::Opencsg, "csghub-download");
        if !parent.is_empty() {
            located.info.repo_id = Some(format!("{parent}/{name}"));
        }
        return Ok(located);
    }
    Ok(plain(path, Platform::Local, "directory"))
}

fn locate_cached(
    platform: Platform,
    repo_id: &str,
    revision: Option<String>,
    options: &OpenOptions,
) -> Result<Located, SourceError> {
    let (owner, name) = repo_id.split_once('/').unwrap_or(("", repo_id));
    match platform {
        Platform::HuggingFace => {
            let cache = options.hf_cache.clone().unwrap_or_else(hf_hub_cache_dir);
            let folder = cache.join(format!("models--{}", repo_id.replace('/', "--")));
            if !folder.is_dir() {
                return Err(SourceError::NotFound(format!(
                    "hf:{repo_id} is not in the local Hugging Face cache ({})",
                    cache.display()
                )));
            }
            hf_entry(&folder, repo_id, revision)
        }
        Platform::Modelscope => {
            let cache = modelscope_cache_dir();
            let entry = cache.join("models").join(format!("{owner}--{name}"));
            if entry.join("snapshots").is_dir() {
                return ms_entry(&entry, repo_id, revision);
            }
            let encoded = name.replace('.', "___");
            for legacy in [
                cache.join("hub").join("models").join(owner).join(&encoded),
                cache.join("models").join(owner).join(&encoded),
                cache.join("hub").join(owner).join(name),
                cache.join(owner).join(name),
            ] {
                if legacy.is_dir() {
                    let mut located =
                        plain(&legacy, Platform::Modelscope, "modelscope-legacy-cache");
                    located.info.repo_id = Some(repo_id.to_string());
                    located.info.revision = revision;
                    return Ok(located);
                }
            }
            Err(SourceError::NotFound(format!(
                "ms:{repo_id} is not in the local ModelScope cache ({})",
                cache.display()
            )))
        }
        Platform::Opencsg => {
            let cache = csghub_cache_dir();
            let dir = cache.join(owner).join(name);
            if !dir.is_dir() {
                return Err(SourceError::NotFound(format!(
                    "csg:{repo_id} is not in the local OpenCSG cache ({}; csghub-sdk downloads \
                     to ./{repo_id} by default: name that directory to scan it)",
                    cache.display()
                )));
            }
            let mut located = plain(&dir, Platform::Opencsg, "csghub-cache");
            located.info.repo_id = Some(repo_id.to_string());
            located.info.revision = revision;
            Ok(located)
        }
        Platform::Github => {
            let hub = torch_hub_dir();
            let refs: Vec<String> = match &revision {
                Some(r) => vec![r.clone()],
                None => vec!["main".into(), "master".into()],
            };
            for r in &refs {
                let dir = hub.join(format!("{owner}_{name}_{}", r.replace('/', "_")));
                if dir.is_dir() {
                    let mut located = plain(&dir, Platform::Github, "torch-hub-cache");
                    located.info.repo_id = Some(repo_id.to_string());
                    located.info.revision = Some(r.clone());
                    return Ok(located);
                }
            }
            Err(SourceError::NotFound(format!(
                "gh:{repo_id} is not in the local torch.hub cache ({})",
                hub.display()
            )))
        }
        Platform::Local => Err(SourceError::Layout("a local target needs a path".into())),
    }
}

fn plain(path: &Path, platform: Platform, layout: &str) -> Located {
    Located {
        root: path.to_path_buf(),
        containment: path.to_path_buf(),
        info: info(platform, layout, path),
        notes: Vec::new(),
    }
}

/// `models--org--name` → `org/name` (also datasets/spaces, which share the layout).
fn hf_repo_id_from_folder(folder: &str) -> Option<String> {
    let rest = folder
        .strip_prefix("models--")
        .or_else(|| folder.strip_prefix("datasets--"))
        .or_else(|| folder.strip_prefix("spaces--"))?;
    if rest.is_empty() {
        return None;
    }
    Some(rest.replacen("--", "/", 1))
}

fn read_ref(entry: &Path, name: &str) -> Option<String> {
    // A ref name may contain '/', e.g. refs/pr/1; never allow it to climb out of refs/.
    if Path::new(name)
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let text = fs::read_to_string(entry.join("refs").join(name)).ok()?;
    let commit = text.trim();
    is_commit_hash(commit).then(|| commit.to_string())
}

fn is_commit_hash(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn list_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn hf_entry(entry: &Path, repo_id: &str, revision: Option<String>) -> Result<Located, SourceError> {
    let snapshots = list_names(&entry.join("snapshots"));
    if snapshots.is_empty() {
        return Err(SourceError::NotFound(format!(
            "{}: the Hugging Face cache entry of {repo_id} holds no snapshot: nothing was \
             downloaded, or the download was interrupted (hf:{repo_id} reads it from the hub)",
            entry.display()
        )));
    }
    let wanted = revision.clone().unwrap_or_else(|| "main".to_string());
    let commit = if let Some(c) = read_ref(entry, &wanted) {
        c
    } else if snapshots.iter().any(|s| s == &wanted) {
        wanted.clone()
    } else if revision.is_none() && snapshots.len() == 1 {
        snapshots[0].clone()
    } else {
        let refs = list_names(&entry.join("refs"));
        return Err(SourceError::NotFound(format!(
            "{}: revision {wanted:?} is neither a ref (refs: {}) nor a snapshot (snapshots: {}); \
             pick one with --revision",
            entry.display(),
            if refs.is_empty() {
                "none".into()
            } else {
                refs.join(", ")
            },
            if snapshots.is_empty() {
                "none".into()
            } else {
                snapshots.join(", ")
            },
        )));
    };
    let mut located = hf_snapshot(entry, repo_id, &commit)?;
    if revision.is_some() || read_ref(entry, "main").as_deref() == Some(commit.as_str()) {
        located.info.revision = Some(wanted);
    }
    Ok(located)
}

fn hf_snapshot(entry: &Path, repo_id: &str, commit: &str) -> Result<Located, SourceError> {
    let root = entry.join("snapshots").join(commit);
    if !root.is_dir() {
        return Err(SourceError::NotFound(format!(
            "{}: snapshot {commit} is not in the cache (an interrupted download?)",
            entry.display()
        )));
    }
    let mut located = plain(&root, Platform::HuggingFace, "huggingface-cache");
    located.containment = entry.to_path_buf();
    located.info.repo_id = Some(repo_id.to_string());
    located.info.commit = Some(commit.to_string());
    // The ref that points at this commit, for the report.
    located.info.revision = list_names(&entry.join("refs"))
        .into_iter()
        .find(|r| read_ref(entry, r).as_deref() == Some(commit));
    if !is_commit_hash(commit) {
        located.notes.push(Note::warning(
            None,
            format!("snapshot folder {commit:?} is not a 40-hex commit hash"),
        ));
    }
    Ok(located)
}

fn ms_entry(entry: &Path, repo_id: &str, revision: Option<String>) -> Result<Located, SourceError> {
    let snapshots = list_names(&entry.join("snapshots"));
    let wanted = match revision {
        Some(r) => r,
        None if snapshots.iter().any(|s| s == "master") => "master".into(),
        None if snapshots.len() == 1 => snapshots[0].clone(),
        None => {
            return Err(SourceError::NotFound(format!(
                "{}: several snapshots ({}); pick one with --revision",
                entry.display(),
                snapshots.join(", ")
            )));
        }
    };
    let root = entry.join("snapshots").join(&wanted);
    if !snapshots.contains(&wanted) || !root.is_dir() {
        return Err(SourceError::NotFound(format!(
            "{}: no snapshot {wanted:?} (snapshots: {})",
            entry.display(),
            snapshots.join(", ")
        )));
    }
    let mut located = plain(&root, Platform::Modelscope, "modelscope-cache");
    located.info.repo_id = Some(repo_id.to_string());
    located.info.revision = Some(wanted);
    Ok(located)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
