//! Which weight files `PreTrainedModel.from_pretrained` deserializes
//! (`modeling_utils._get_resolved_checkpoint_files`): `config.json` `transformers_weights` if
//! set, else `model.safetensors`, its index, `pytorch_model.bin`, its index, in that order;
//! `.bin` only when no safetensors exist or `use_safetensors=False`. `.bin` files go through
//! `torch.load(weights_only=True)`, which transformers allows only on torch >= 2.6.

use super::version::TfVersion;
use crate::repo::{Repo, torch_load_format};
use std::collections::BTreeSet;
use trustscan_core::{Gate, Note, PayloadFormat, ReasonLink, Step, StepKind, Subject};
use trustscan_payload::sniff::Format;

const SAFE: &str = "model.safetensors";
const SAFE_INDEX: &str = "model.safetensors.index.json";
const BIN: &str = "pytorch_model.bin";
const BIN_INDEX: &str = "pytorch_model.bin.index.json";

/// Append the weight-loading steps for a default `from_pretrained` call.
pub fn weight_steps(repo: &Repo, _v: TfVersion, steps: &mut Vec<Step>, notes: &mut Vec<Note>) {
    let explicit = repo
        .json("config.json")
        .value()
        .and_then(|c| c.get("transformers_weights"))
        .and_then(|w| w.as_str())
        .map(str::to_string);
    if let Some(name) = explicit {
        let rule = ReasonLink::ConfigKey {
            file: "config.json".into(),
            key: "transformers_weights".into(),
            value: Some(name.clone()),
        };
        if name.ends_with(".safetensors.index.json") {
            shards(repo, &name, vec![rule], Gate::Default, steps, notes);
        } else {
            payload(repo, &name, vec![rule], Gate::Default, steps, notes);
        }
        return;
    }
    let safe = [SAFE, SAFE_INDEX].into_iter().find(|f| repo.has_file(f));
    let bin = [BIN, BIN_INDEX].into_iter().find(|f| repo.has_file(f));
    let why = |file: &str, text: &str| {
        vec![ReasonLink::Rule {
            text: format!("from_pretrained loads {file}: {text}"),
        }]
    };
    match (safe, bin) {
        (Some(s), other) => {
            add(
                repo,
                s,
                why(s, "safetensors are preferred"),
                Gate::Default,
                steps,
                notes,
            );
            if let Some(b) = other {
                add(
                    repo,
                    b,
                    why(b, "only when safetensors are refused"),
                    Gate::Option {
                        option: "use_safetensors=False".into(),
                    },
                    steps,
                    notes,
                );
            }
        }
        (None, Some(b)) => add(
            repo,
            b,
            why(b, "no safetensors weights exist"),
            Gate::Default,
            steps,
            notes,
        ),
        (None, None) => notes.push(Note::info(
            None,
            "no model weights (model.safetensors, pytorch_model.bin or their indexes): \
             from_pretrained would fail after the code ran",
        )),
    }
}

fn add(
    repo: &Repo,
    file: &str,
    reason: Vec<ReasonLink>,
    gate: Gate,
    steps: &mut Vec<Step>,
    notes: &mut Vec<Note>,
) {
    if file.ends_with(".index.json") {
        shards(repo, file, reason, gate, steps, notes);
    } else {
        payload(repo, file, reason, gate, steps, notes);
    }
}

/// Every shard an index's `weight_map` names.
fn shards(
    repo: &Repo,
    index: &str,
    reason: Vec<ReasonLink>,
    gate: Gate,
    steps: &mut Vec<Step>,
    notes: &mut Vec<Note>,
) {
    let json = repo.json(index);
    let Some(map) = json
        .value()
        .and_then(|v| v.get("weight_map"))
        .and_then(|m| m.as_object())
    else {
        notes.push(Note::inconclusive(
            Some(index),
            "weight index without a readable weight_map: the shards it names are unknown",
        ));
        return;
    };
    let files: BTreeSet<&str> = map.values().filter_map(|v| v.as_str()).collect();
    let dir = index
        .rsplit_once('/')
        .map(|(d, _)| format!("{d}/"))
        .unwrap_or_default();
    for f in files {
        let mut chain = reason.clone();
        chain.push(ReasonLink::ConfigKey {
            file: index.to_string(),
            key: "weight_map".into(),
            value: Some(f.to_string()),
        });
        payload(
            repo,
            &format!("{dir}{f}"),
            chain,
            gate.clone(),
            steps,
            notes,
        );
    }
}

fn payload(
    repo: &Repo,
    file: &str,
    reason: Vec<ReasonLink>,
    gate: Gate,
    steps: &mut Vec<Step>,
    notes: &mut Vec<Note>,
) {
    if !repo.has_file(file) {
        notes.push(Note::warning(
            Some(file),
            "named as weights but missing: from_pretrained would fail",
        ));
        return;
    }
    let Some(sniffed) = repo.sniff(file) else {
        // A read that failed (a hub that errs, a symlink leaving the repository) says
        // nothing about the content: no format is claimed.
        notes.push(Note::inconclusive(
            Some(file),
            "could not be read, so what loading it runs is unknown",
        ));
        steps.push(
            Step::new(
                StepKind::DeserializePayload,
                Subject::file(file),
                reason,
                gate,
            )
            .with_format(PayloadFormat::Unknown)
            .with_detail("could not be read: its format is unknown"),
        );
        return;
    };
    let safetensors_name = file.ends_with(".safetensors");
    let format = if safetensors_name {
        match sniffed {
            Format::Safetensors => PayloadFormat::Safetensors,
            Format::LfsPointer => PayloadFormat::LfsPointer,
            _ => PayloadFormat::Unknown,
        }
    } else {
        torch_load_format(sniffed)
    };
    let detail = match format {
        PayloadFormat::Safetensors => "safetensors: a JSON header and raw tensor bytes; \
                                       loading runs no code"
            .to_string(),
        PayloadFormat::LfsPointer => {
            notes.push(Note::inconclusive(
                Some(file),
                "is a Git LFS pointer: the weights were not downloaded, so their format is unknown",
            ));
            "Git LFS pointer: the real file was not downloaded".to_string()
        }
        PayloadFormat::Unknown if safetensors_name => {
            notes.push(Note::warning(
                Some(file),
                "named .safetensors but its content is not a safetensors header",
            ));
            "named .safetensors but is not safetensors: the safetensors loader rejects it".into()
        }
        f if f.runs_code_when_loaded() => format!(
            "{}: read with torch.load(weights_only=True), which transformers only allows \
             on torch >= 2.6; a restricted unpickler, still a pickle stream",
            f.description()
        ),
        f => format!("{}: torch.load would reject it", f.description()),
    };
    steps.push(
        Step::new(
            StepKind::DeserializePayload,
            Subject::file(file),
            reason,
            gate,
        )
        .with_format(format)
        .with_detail(detail),
    );
}
