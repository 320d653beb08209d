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
}
