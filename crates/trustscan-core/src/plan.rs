//! The load plan: what loading a repository executes, fetches, installs or deserializes.

use crate::classification::CustomCodeClassification;
use crate::snapshot::SnapshotInfo;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Version of the JSON document produced by `trustscan plan --format json`.
/// Bump the number when a field changes meaning or disappears (adding fields is compatible).
pub const PLAN_SCHEMA: &str = "trustscan.plan/1";

/// Everything one snapshot would do when loaded, for every loading API that applies.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LoadPlan {
    pub schema: String,
    /// The target as the user wrote it.
    pub target: String,
    pub snapshot: SnapshotInfo,
    /// The study's (arXiv 2601.14163) file-name criteria, compared with this plan.
    pub classification: CustomCodeClassification,
    pub apis: Vec<ApiPlan>,
    /// Repository-level notes: unreadable files, escaping symlinks, budgets hit.
    pub notes: Vec<Note>,
}

impl LoadPlan {
    /// True when some note says part of the repository could not be analysed.
    pub fn is_inconclusive(&self) -> bool {
        self.notes
            .iter()
            .any(|n| n.level == NoteLevel::Inconclusive)
            || self
                .apis
                .iter()
                .any(|a| a.notes.iter().any(|n| n.level == NoteLevel::Inconclusive))
    }
}

/// The library whose loader a plan describes.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Ecosystem {
    Transformers,
    TorchHub,
    Modelscope,
    Opencsg,
    Mmengine,
    Diffusers,
    SentenceTransformers,
}

impl Ecosystem {
    pub fn display_name(self) -> &'static str {
        match self {
            Ecosystem::Transformers => "transformers",
            Ecosystem::TorchHub => "torch.hub",
            Ecosystem::Modelscope => "ModelScope",
            Ecosystem::Opencsg => "OpenCSG",
            Ecosystem::Mmengine => "mmengine",
            Ecosystem::Diffusers => "diffusers",
            Ecosystem::SentenceTransformers => "sentence-transformers",
        }
    }
}

/// One loading API applied to the snapshot, e.g. `AutoModelForCausalLM.from_pretrained`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ApiPlan {
    pub ecosystem: Ecosystem,
    /// Short name of the API, e.g. `AutoModelForCausalLM.from_pretrained`.
    pub api: String,
    /// The call a user would write to load this way.
    pub call: String,
    /// A wrapper that forwards to this API (e.g. ModelScope's HF-compatible classes).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub via: Option<String>,
    /// How the loader sees the snapshot: as a local directory or as a Hub repository.
    pub semantics: String,
    /// Library versions this plan models, e.g. `["transformers 4.57", "transformers 5.x"]`.
    pub versions_modeled: Vec<String>,
    /// What the user's opt-in (trust_remote_code, trust_repo, ...) changes, in one sentence.
    pub trust: String,
    pub steps: Vec<Step>,
    /// What the loader calls once the files have run (classes it constructs, functions it
    /// calls): where code reachable from loading starts.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub entry_points: Vec<EntryPoint>,
    /// Where loading would stop with an error, if it would.
    pub failures: Vec<Failure>,
    pub notes: Vec<Note>,
}

impl ApiPlan {
    /// Steps that apply to one modeled version (`None`: the steps common to all versions
    /// plus every version-specific one).
    pub fn steps_for<'a>(&'a self, version: Option<&'a str>) -> impl Iterator<Item = &'a Step> {
        self.steps
            .iter()
            .filter(move |s| match (version, &s.versions) {
                (_, None) | (None, Some(_)) => true,
                (Some(v), Some(scope)) => scope.label() == v,
            })
    }

    /// Repository files (this repository's, not other repositories') the plan executes.
    pub fn executed_files(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for s in &self.steps {
            if s.kind == StepKind::ExecuteFile
                && let Subject::File {
                    path,
                    repository: None,
                } = &s.subject
                && !out.contains(&path.as_str())
            {
                out.push(path);
            }
        }
        out
    }

    /// The one-line account of this plan: what loading it would run and deserialize.
    pub fn summary(&self) -> String {
        let mut files = Vec::new();
        let mut other_repo_files = Vec::new();
        let mut repos = Vec::new();
        let mut pickles = Vec::new();
        let mut unsafe_yaml = Vec::new();
        let mut payloads = Vec::new();
        let mut templates = Vec::new();
        let mut installs = Vec::new();
        let mut conditional = false;
        for s in &self.steps {
            let key = s.subject.to_string();
            let list = match (s.kind, &s.subject) {
                (
                    StepKind::ExecuteFile,
                    Subject::File {
                        repository: None, ..
                    },
                ) => &mut files,
                (StepKind::ExecuteFile, _) => &mut other_repo_files,
                (StepKind::FetchRepository, _) => &mut repos,
                (StepKind::DeserializePayload, _) => match s.format {
                    Some(PayloadFormat::YamlUnsafe) => &mut unsafe_yaml,
                    Some(f) if f.runs_code_when_loaded() => &mut pickles,
                    _ => &mut payloads,
                },
                (StepKind::CompileTemplate, _) => &mut templates,
                (StepKind::InstallPackage, _) => &mut installs,
                _ => continue,
            };
            if !list.contains(&key) {
                list.push(key);
                conditional |= matches!(s.certainty, Certainty::Conditional { .. });
            }
        }
        let mut parts = Vec::new();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if files.is_empty() && other_repo_files.is_empty() {
            parts.push("executes no repository code".to_string());
        } else {
            if !files.is_empty() {
                parts.push(format!(
                    "executes {}",
                    plural(files.len(), "repository file", "repository files")
                ));
            }
            if !other_repo_files.is_empty() {
                parts.push(format!(
                    "executes {} from other repositories",
                    plural(other_repo_files.len(), "file", "files")
                ));
            }
        }
        if !repos.is_empty() {
            parts.push(format!(
                "fetches code from {}",
                plural(repos.len(), "other repository", "other repositories")
            ));
        }
        if !installs.is_empty() {
            parts.push(format!(
                "pip-installs {}",
                plural(installs.len(), "requirement", "requirements")
            ));
        }
        if !pickles.is_empty() {
            parts.push(format!(
                "{} would be deserialized",
                plural(pickles.len(), "pickle-based file", "pickle-based files")
            ));
        }
        if !unsafe_yaml.is_empty() {
            parts.push(format!(
                "{} would be read with an unsafe YAML loader",
                plural(unsafe_yaml.len(), "file", "files")
            ));
        }
        if !payloads.is_empty() {
            parts.push(format!(
                "{} would be read",
                plural(
                    payloads.len(),
                    "data-only weight file",
                    "data-only weight files"
                )
            ));
        }
        if !templates.is_empty() {
            parts.push(format!(
                "{} would be compiled",
                plural(templates.len(), "chat template", "chat templates")
            ));
        }
        let mut line = format!("{} loading {}", self.api_label(), parts.join("; "));
        if conditional {
            line.push_str(" (some only under conditions)");
        }
        if !self.failures.is_empty() {
            line.push_str("; loading fails");
            if self.failures.iter().all(|f| f.versions.is_some()) {
                let scopes: Vec<String> = self
                    .failures
                    .iter()
                    .filter_map(|f| f.versions.as_ref().map(|v| v.label()))
                    .collect();
                line.push_str(&format!(" on {}", scopes.join(", ")));
            }
        }
        line
    }

    /// `AutoModelForCausalLM` for `AutoModelForCausalLM.from_pretrained`.
    pub fn api_label(&self) -> &str {
        self.api
            .strip_suffix(".from_pretrained")
            .unwrap_or(&self.api)
    }
}

/// A callable the loader invokes after executing the files.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryPoint {
    /// The callable's name in its module, e.g. `ChatGLMForConditionalGeneration` or `resnet18`.
    pub name: String,
    /// The file that defines it, when it is a repository file.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
    /// What the loader does with it, e.g. "class constructed by from_pretrained".
    pub role: String,
    pub certainty: Certainty,
    /// For a class: the methods the loader (or its base classes) call on it besides
    /// constructing it, e.g. `from_pretrained`, `_init_weights`, `tie_weights`. Reachability
    /// starts from these when the class overrides them.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub invokes: Vec<String>,
}

/// One thing loading would do.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    pub subject: Subject,
    /// The chain of reasons that leads to this step, from the loader's first read to the
    /// subject, e.g. `config.json auto_map.AutoModel -> modeling_x.py -> "from .y import" -> y.py`.
    pub reason: Vec<ReasonLink>,
    /// What the caller must pass for this step to happen.
    pub gate: Gate,
    pub certainty: Certainty,
    /// `None`: every modeled library version does this.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub versions: Option<VersionScope>,
    /// For payloads: the content-sniffed format.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub format: Option<PayloadFormat>,
    /// One sentence of detail: how the loader reads it, what is special about it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detail: Option<String>,
}

impl Step {
    pub fn new(kind: StepKind, subject: Subject, reason: Vec<ReasonLink>, gate: Gate) -> Step {
        Step {
            kind,
            subject,
            reason,
            gate,
            certainty: Certainty::Definite,
            versions: None,
            format: None,
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Step {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_certainty(mut self, certainty: Certainty) -> Step {
        self.certainty = certainty;
        self
    }

    pub fn with_format(mut self, format: PayloadFormat) -> Step {
        self.format = Some(format);
        self
    }

    pub fn reason_text(&self) -> String {
        self.reason
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(" -> ")
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// A file of the repository (or of another repository) runs as Python or native code.
    ExecuteFile,
    /// An installed package is imported (its import-time code runs).
    ImportPackage,
    /// A package is pip-installed (its build and install code runs).
    InstallPackage,
    /// Code is fetched from another repository or location.
    FetchRepository,
    /// A file is copied into the loader's module cache, importable later but not run at load.
    CopyFile,
    /// A serialized file is deserialized (pickle-based ones execute callables).
    DeserializePayload,
    /// A template (Jinja) is compiled.
    CompileTemplate,
}

impl StepKind {
    pub fn verb(self) -> &'static str {
        match self {
            StepKind::ExecuteFile => "execute",
            StepKind::ImportPackage => "import",
            StepKind::InstallPackage => "install",
            StepKind::FetchRepository => "fetch",
            StepKind::CopyFile => "copy",
            StepKind::DeserializePayload => "deserialize",
            StepKind::CompileTemplate => "compile",
        }
    }
}

/// What a step acts on.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Subject {
    /// A file; `repository` is `None` for the scanned repository itself.
    File {
        path: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        repository: Option<String>,
    },
    /// An installed Python package, by import name.
    Package { name: String },
    /// A pip requirement line, verbatim.
    Requirement { spec: String },
    /// Another repository, e.g. `hf:org/name` or the diffusers community-pipeline mirror.
    Repository {
        id: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        revision: Option<String>,
    },
    /// A URL the loader fetches (checkpoint URLs).
    Url { url: String },
    /// A value inside a file (a template string stored under a key).
    Value { file: String, key: String },
}

impl Subject {
    pub fn file(path: impl Into<String>) -> Subject {
        Subject::File {
            path: path.into(),
            repository: None,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::File {
                path,
                repository: None,
            } => write!(f, "{path}"),
            Subject::File {
                path,
                repository: Some(r),
            } => write!(f, "{r}:{path}"),
            Subject::Package { name } => write!(f, "package {name}"),
            Subject::Requirement { spec } => write!(f, "requirement {spec:?}"),
            Subject::Repository { id, revision: None } => write!(f, "{id}"),
            Subject::Repository {
                id,
                revision: Some(r),
            } => write!(f, "{id}@{r}"),
            Subject::Url { url } => write!(f, "{url}"),
            Subject::Value { file, key } => write!(f, "{file} {key}"),
        }
    }
}

/// One link in a reason chain.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(tag = "link", rename_all = "kebab-case")]
pub enum ReasonLink {
    /// A key of a configuration file, e.g. `config.json` `auto_map.AutoModel`.
    ConfigKey {
        file: String,
        key: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        value: Option<String>,
    },
    /// A file the chain passes through.
    File { path: String },
    /// An import statement (or other line) in a file.
    Line {
        file: String,
        line: u32,
        text: String,
    },
    /// A loader rule, e.g. "ModelScope imports every .py file when allow_remote is set".
    Rule { text: String },
}

impl fmt::Display for ReasonLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReasonLink::ConfigKey { file, key, .. } => write!(f, "{file} {key}"),
            ReasonLink::File { path } => write!(f, "{path}"),
            ReasonLink::Line { text, line, .. } => write!(f, "\"{text}\" (line {line})"),
            ReasonLink::Rule { text } => write!(f, "[{text}]"),
        }
    }
}

/// What the caller must do for a step to happen.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(tag = "gate", rename_all = "kebab-case")]
pub enum Gate {
    /// Happens with the API's default arguments: no opt-in protects the user.
    Default,
    /// Needs `trust_remote_code=True` (or the loader's equivalent trust decision).
    TrustRemoteCode,
    /// Needs an explicit option, e.g. `use_safetensors=False`.
    Option { option: String },
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gate::Default => write!(f, "by default"),
            Gate::TrustRemoteCode => write!(f, "with trust_remote_code=True"),
            Gate::Option { option } => write!(f, "with {option}"),
        }
    }
}

/// Whether a step always happens once its gate is open.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(tag = "certainty", rename_all = "kebab-case")]
pub enum Certainty {
    Definite,
    /// Happens only if a runtime condition holds (an `if` test, an exception, an
    /// environment the scanner cannot see).
    Conditional {
        condition: String,
    },
}

/// A library version range a step or failure is specific to.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionScope {
    pub library: String,
    /// e.g. `4.57`, `5.x`.
    pub versions: String,
}

impl VersionScope {
    pub fn new(library: &str, versions: &str) -> VersionScope {
        VersionScope {
            library: library.to_string(),
            versions: versions.to_string(),
        }
    }

    pub fn label(&self) -> String {
        format!("{} {}", self.library, self.versions)
    }
}

/// Content-sniffed format of a deserialized file.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum PayloadFormat {
    Safetensors,
    /// `torch.save` zip archive (`data.pkl` inside).
    TorchZip,
    /// Legacy `torch.save` pickle stream or tar.
    TorchLegacy,
    Pickle,
    Numpy,
    Gguf,
    /// YAML read with PyYAML's unsafe loader (python/object tags execute).
    YamlUnsafe,
    /// A Git LFS pointer: the real content was not downloaded.
    LfsPointer,
    Unknown,
}

impl PayloadFormat {
    /// Formats whose loading can invoke arbitrary callables.
    pub fn runs_code_when_loaded(self) -> bool {
        matches!(
            self,
            PayloadFormat::TorchZip
                | PayloadFormat::TorchLegacy
                | PayloadFormat::Pickle
                | PayloadFormat::YamlUnsafe
        )
    }

    /// Formats whose loader unpickles the file (`torch.load`, `pickle.load`).
    pub fn is_pickle_based(self) -> bool {
        matches!(
            self,
            PayloadFormat::TorchZip | PayloadFormat::TorchLegacy | PayloadFormat::Pickle
        )
    }

    pub fn description(self) -> &'static str {
        match self {
            PayloadFormat::Safetensors => "safetensors (data only)",
            PayloadFormat::TorchZip => "torch zip archive (pickle-based)",
            PayloadFormat::TorchLegacy => "legacy torch serialization (pickle-based)",
            PayloadFormat::Pickle => "pickle",
            PayloadFormat::Numpy => "numpy array",
            PayloadFormat::Gguf => "GGUF",
            PayloadFormat::YamlUnsafe => "YAML read with an unsafe loader",
            PayloadFormat::LfsPointer => "Git LFS pointer (content not downloaded)",
            PayloadFormat::Unknown => "unknown format",
        }
    }
}

/// Where and why loading would stop with an error.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Failure {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub versions: Option<VersionScope>,
    /// Number of steps that happen before the failure (`0`: it fails before anything runs).
    pub after_steps: usize,
    pub message: String,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum NoteLevel {
    Info,
    Warning,
    /// Something could not be analysed; the plan may be incomplete.
    Inconclusive,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Note {
    pub level: NoteLevel,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file: Option<String>,
    pub message: String,
}

impl Note {
    pub fn new(level: NoteLevel, file: Option<&str>, message: impl Into<String>) -> Note {
        Note {
            level,
            file: file.map(str::to_string),
            message: message.into(),
        }
    }
    pub fn info(file: Option<&str>, message: impl Into<String>) -> Note {
        Note::new(NoteLevel::Info, file, message)
    }
    pub fn warning(file: Option<&str>, message: impl Into<String>) -> Note {
        Note::new(NoteLevel::Warning, file, message)
    }
    pub fn inconclusive(file: Option<&str>, message: impl Into<String>) -> Note {
        Note::new(NoteLevel::Inconclusive, file, message)
    }
}
