//! Chat templates a tokenizer or processor carries. transformers compiles them with Jinja's
//! `ImmutableSandboxedEnvironment` when `apply_chat_template` is called: template injection is
//! contained by the sandbox, but the template still decides what the model is told.

use super::flow::Flow;
use super::version::TfVersion;
use serde_json::Value;
use trustscan_core::{Certainty, Gate, ReasonLink, Step, StepKind, Subject};

const JINJA: &str = "chat_template.jinja";
const LEGACY_JSON: &str = "chat_template.json";
const DIR: &str = "additional_chat_templates/";

fn compile_step(subject: Subject, reason: Vec<ReasonLink>) -> Step {
    Step::new(StepKind::CompileTemplate, subject, reason, Gate::Default)
        .with_certainty(Certainty::Conditional {
            condition: "when apply_chat_template is called".into(),
        })
        .with_detail("Jinja chat template, compiled in jinja2's ImmutableSandboxedEnvironment")
}

/// Template files: `chat_template.jinja` and `additional_chat_templates/*.jinja`.
fn template_files(f: &Flow) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if f.repo.has_file(JINJA) {
        out.push(JINJA.into());
    }
    out.extend(
        f.repo
            .files_with_prefix(DIR)
            .iter()
            .filter(|e| e.path.ends_with(".jinja") && !e.path[DIR.len()..].contains('/'))
            .map(|e| e.path.clone()),
    );
    out
}

/// Templates stored under `key` of a JSON file: a string, or a list of `{name, template}`.
fn key_steps(f: &Flow, file: &str, key: &str) -> Vec<Step> {
    let json = f.repo.json(file);
    let Some(value) = json.value().and_then(|v| v.get(key)) else {
        return Vec::new();
    };
    let reason = |k: String| {
        vec![ReasonLink::ConfigKey {
            file: file.into(),
            key: k,
            value: None,
        }]
    };
    match value {
        Value::String(_) => vec![compile_step(
            Subject::Value {
                file: file.into(),
                key: key.into(),
            },
            reason(key.into()),
        )],
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter(|(_, t)| t.get("template").is_some())
            .map(|(i, t)| {
                let name = t.get("name").and_then(|n| n.as_str()).unwrap_or("?");
                compile_step(
                    Subject::Value {
                        file: file.into(),
                        key: format!("{key}[{i}] ({name})"),
                    },
                    reason(format!("{key}[{i}]")),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn file_steps(files: &[String], rule: &str) -> Vec<Step> {
    files
        .iter()
        .map(|path| {
            compile_step(
                Subject::file(path),
                vec![ReasonLink::Rule { text: rule.into() }],
            )
        })
        .collect()
}

/// A tokenizer's templates: template files override `tokenizer_config.json` `chat_template`.
pub fn tokenizer_templates(f: &mut Flow) {
    let files = template_files(f);
    let steps = if files.is_empty() {
        key_steps(f, "tokenizer_config.json", "chat_template")
    } else {
        file_steps(&files, "the tokenizer loads chat template files")
    };
    for s in steps {
        f.push(s);
    }
}

/// A processor's templates: legacy `chat_template.json`, template files, and the
/// `chat_template` key of `processor_config.json` (which wins over files in 5.x, loses in 4.57).
pub fn processor_templates(f: &mut Flow) {
    let files = template_files(f);
    let key = key_steps(f, "processor_config.json", "chat_template");
    let mut steps = Vec::new();
    if f.repo.has_file(LEGACY_JSON) {
        steps.extend(key_steps(f, LEGACY_JSON, "chat_template"));
    }
    let key_wins = f.v == TfVersion::V5 && !key.is_empty();
    if key_wins || files.is_empty() {
        steps.extend(key);
    } else {
        steps.extend(file_steps(
            &files,
            "the processor loads chat template files",
        ));
    }
    for s in steps {
        f.push(s);
    }
}
