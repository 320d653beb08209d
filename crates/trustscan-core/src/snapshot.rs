//! What a source knows about the snapshot it opened.

use serde::{Deserialize, Serialize};

/// Where a snapshot's files come from.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// A plain directory: no hub metadata.
    Local,
    HuggingFace,
    Modelscope,
    Opencsg,
    Github,
}

/// One immutable view of one repository revision.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SnapshotInfo {
    pub platform: Platform,
    /// How the files are laid out, e.g. `directory`, `huggingface-cache`, `modelscope-cache`,
    /// `csghub-download`.
    pub layout: String,
    /// The directory the files are read from, as given or resolved.
    pub root: String,
    /// `org/name` when the layout names the repository.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub repo_id: Option<String>,
    /// The branch, tag or revision name that was resolved (e.g. `main`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub revision: Option<String>,
    /// The commit the files belong to, when known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub commit: Option<String>,
    /// Number of regular files listed.
    pub files: usize,
    /// For a repository read from a hub over HTTP: where from and what it cost.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub remote: Option<RemoteInfo>,
    /// For an OpenMMLab model named by its model-zoo name: what the name resolved to.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub model: Option<ZooModel>,
}

/// An OpenMMLab model-zoo entry (a `Models` item of a package's `metafile.yml`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ZooModel {
    pub name: String,
    /// The metafile that lists it.
    pub metafile: String,
    /// The config file `Config.fromfile` runs (repository-relative).
    pub config: String,
    /// Checkpoint URLs, and where each appears in the snapshot (`checkpoints/<file>`).
    pub weights: Vec<ZooWeights>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ZooWeights {
    pub url: String,
    pub path: String,
}

/// What reading a repository from a hub transferred, so a user can see that auditing a
/// multi-gigabyte checkpoint moved kilobytes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RemoteInfo {
    /// The endpoint base (`https://huggingface.co`, a mirror, ...).
    pub endpoint: String,
    /// No network was used: everything came from trustscan's cache.
    pub offline: bool,
    /// Body bytes received over the network during this scan (listing included).
    pub bytes_transferred: u64,
    /// HTTP requests sent (retries and redirect hops included).
    pub requests: u64,
    /// What downloading every file of the revision would have moved.
    pub repository_bytes: u64,
    /// Files of which only some bytes were read (headers, zip directories, pickles), by path.
    pub partial_files: Vec<PartialFile>,
}

/// A file the scan read only in part.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PartialFile {
    pub path: String,
    pub size: u64,
    /// Bytes of it the analysis has (fetched now or cached earlier).
    pub bytes_read: u64,
}
