//! One loading call of one transformers version: the session it runs in, the errors it
//! raises or swallows, the classes it ends up calling, and the configuration it reads.

use super::ApiOutcome;
use super::dynamic::{Env, Loaded, Mode, Session};
use super::version::TfVersion;
use crate::pyimport::Abort;
use crate::repo::{Json, Repo};
use serde_json::Value;
use std::rc::Rc;
use trustscan_core::{EntryPoint, Failure, Gate, Note, ReasonLink, Step, StepKind, Subject};

pub const CONFIG: &str = "config.json";

pub struct Flow<'r, 'a> {
    pub repo: &'r Repo<'a>,
    pub v: TfVersion,
    pub s: Session<'r, 'a>,
    failures: Vec<Failure>,
    entries: Vec<EntryPoint>,
}

/// `file key` as the first link of a reason chain.
pub fn origin(file: &str, key: &str, value: &str) -> Vec<ReasonLink> {
    vec![ReasonLink::ConfigKey {
        file: file.into(),
        key: key.into(),
        value: Some(value.into()),
    }]
}

/// The exception class an abort message starts with (`ValueError: ...`).
pub fn kind(a: &Abort) -> &str {
    a.message.split(':').next().unwrap_or("")
}

impl<'r, 'a> Flow<'r, 'a> {
    pub fn new(repo: &'r Repo<'a>, v: TfVersion, env: &Env) -> Self {
        Flow {
            repo,
            v,
            s: Session::new(repo, v, env),
            failures: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// The string the user passes to from_pretrained.
    pub fn path_text(&self) -> String {
        match &self.s.mode {
            Mode::Hub { repo_id } => repo_id.clone(),
            Mode::Local => self.repo.snapshot.info().root.clone(),
        }
    }

    pub fn is_local(&self) -> bool {
        self.s.mode == Mode::Local
    }

    /// Record where loading stops.
    pub fn fail(&mut self, a: Abort) {
        if !a.message.is_empty() {
            self.failures.push(Failure {
                versions: None,
                after_steps: self.s.steps.len(),
                message: a.message,
            });
        }
    }

    /// `get_class_from_dynamic_module(class_ref)`, recording the class it returns.
    pub fn load(
        &mut self,
        class_ref: &str,
        origin: Vec<ReasonLink>,
        role: &str,
    ) -> Result<(), Abort> {
        if let Loaded::Class(mut e) = self
            .s
            .load_class(class_ref, origin, Gate::TrustRemoteCode)?
        {
            e.role = role.to_string();
            e.invokes = super::hooks::invoked_by_loader(role);
            if !self.entries.contains(&e) {
                self.entries.push(e);
            }
        }
        Ok(())
    }

    /// A call whose errors of the given kinds the caller catches: the steps taken before the
    /// error stay, loading goes on.
    pub fn swallow(
        &mut self,
        result: Result<(), Abort>,
        kinds: &[&str],
        what: &str,
    ) -> Result<(), Abort> {
        match result {
            Err(a) if kinds.contains(&kind(&a)) || kinds.contains(&"*") => {
                self.s.notes.push(Note::info(
                    None,
                    format!(
                        "transformers {}: {what} fails ({}) and the error is caught; loading \
                         continues",
                        self.v.label(),
                        a.message
                    ),
                ));
                Ok(())
            }
            other => other,
        }
    }

    pub fn push(&mut self, step: Step) {
        self.s.steps.push(step);
    }

    pub fn note(&mut self, note: Note) {
        self.s.notes.push(note);
    }

    pub fn finish(self) -> ApiOutcome {
        let mut steps = self.s.steps.clone();
        if self.failures.is_empty() {
            for f in self.s.copied_not_executed() {
                let mut step = Step::new(
                    StepKind::CopyFile,
                    Subject::file(&f),
                    vec![ReasonLink::Rule {
                        text: "transformers copies every file a relative import names, even in \
                               a docstring"
                            .into(),
                    }],
                    Gate::TrustRemoteCode,
                );
                step.detail = Some(
                    "copied into the dynamic-module cache but not run at load; repository code \
                     can import it later"
                        .into(),
                );
                steps.push(step);
            }
        }
        ApiOutcome {
            steps,
            failures: self.failures,
            entry_points: self.entries,
            notes: self.s.notes,
        }
    }

    /// The configuration file `from_pretrained` reads: `config.json`, or the file its
    /// `configuration_files` list selects for this transformers version.
    pub fn config_file(&self) -> String {
        let json = self.repo.json(CONFIG);
        let Some(files) = json
            .value()
            .and_then(|c| c.get("configuration_files"))
            .and_then(|f| f.as_array())
        else {
            return CONFIG.to_string();
        };
        // get_configuration_file: names sorted as strings; the last config.<v>.json with
        // v <= __version__ wins, and the scan stops at the first greater one.
        let mut names: Vec<&str> = files.iter().filter_map(|f| f.as_str()).collect();
        names.sort();
        let mut chosen = CONFIG.to_string();
        for name in names {
            let Some(version) = name
                .strip_prefix("config.")
                .and_then(|n| n.strip_suffix(".json"))
            else {
                continue;
            };
            match parse_version(version) {
                Some(v) if v <= parse_version(self.v.full()).unwrap_or_default() => {
                    chosen = name.to_string()
                }
                _ => break,
            }
        }
        chosen
    }

    pub fn config(&self) -> Rc<Json> {
        self.repo.json(&self.config_file())
    }

    /// `auto_map[key]` of the configuration as a raw JSON value.
    pub fn config_auto_map(&self, key: &str) -> Option<Value> {
        self.config()
            .value()?
            .get("auto_map")?
            .get(key)
            .filter(|v| !v.is_null())
            .cloned()
    }

    pub fn config_str(&self, key: &str) -> Option<String> {
        self.config()
            .value()?
            .get(key)?
            .as_str()
            .map(str::to_string)
    }

    /// `AutoConfig.from_pretrained(path, trust_remote_code=True)`.
    pub fn auto_config(&mut self) -> Result<(), Abort> {
        let file = self.config_file();
        let json = self.repo.json(&file);
        let cfg = match &*json {
            Json::Absent => {
                return Err(Abort {
                    message: format!(
                        "ValueError: there is no {file}, so AutoConfig cannot tell the model type"
                    ),
                });
            }
            Json::Unreadable(reason) => {
                return Err(Abort {
                    message: format!("ValueError: {file} {reason}"),
                });
            }
            Json::Value(v) => v.clone(),
        };
        match cfg.get("auto_map").and_then(|m| m.get("AutoConfig")) {
            Some(Value::String(class_ref)) => self.load(
                class_ref,
                origin(&file, "auto_map.AutoConfig", class_ref),
                "configuration class: from_pretrained builds it",
            ),
            Some(other) => Err(Abort {
                message: format!(
                    "TypeError: {file} auto_map.AutoConfig is {other}, not a class reference"
                ),
            }),
            None => self.builtin_config(&cfg, &file),
        }
    }

    /// Without a remote configuration class `model_type` must name a built-in one; 4.57
    /// also accepts a known model type contained in the path string.
    fn builtin_config(&self, cfg: &Value, file: &str) -> Result<(), Abort> {
        match cfg.get("model_type").and_then(|m| m.as_str()) {
            Some(mt) if self.v.knows_model_type(mt) => Ok(()),
            Some(mt) => Err(Abort {
                message: format!(
                    "ValueError: transformers {} does not recognize model_type {mt:?} and {file} \
                     names no AutoConfig class",
                    self.v.label()
                ),
            }),
            None if self.v.model_type_in_path(&self.path_text()).is_some() => Ok(()),
            None => Err(Abort {
                message: format!(
                    "ValueError: {file} has no model_type and no AutoConfig class (Unrecognized \
                     model)"
                ),
            }),
        }
    }
}

fn parse_version(text: &str) -> Option<Vec<u64>> {
    text.split('.').map(|p| p.parse().ok()).collect()
}

/// A file's JSON object, or an empty object when it is absent (transformers' default).
pub fn object_or_empty(repo: &Repo, file: &str) -> Option<Value> {
    match &*repo.json(file) {
        Json::Absent => Some(Value::Object(Default::default())),
        Json::Value(v) => Some(v.clone()),
        Json::Unreadable(_) => None,
    }
}
