//! The study's "needs custom code" criteria (arXiv 2601.14163): the repository is tagged
//! `custom_code` in its README front matter, or has a file named `tokenizer.py`, `__init__.py`
//! or `hubconf.py`, or a `.py` file whose name starts `modeling_`, `tokenization_` or
//! `configuration_`. File names are matched anywhere in the tree (the study worked from Hub
//! file listings).

use crate::repo::Repo;
use std::collections::BTreeSet;
use trustscan_core::{ApiPlan, CustomCodeClassification, StudyCriterion, StudyMatch};

pub fn classify(repo: &Repo, apis: &[ApiPlan]) -> CustomCodeClassification {
    let mut matches = Vec::new();
    if readme_tags_custom_code(repo) {
        matches.push(StudyMatch {
            criterion: StudyCriterion::CustomCodeTag,
            file: "README.md".into(),
        });
    }
    for f in repo.snapshot.files() {
        let name = f.name();
        let criterion = match name {
            "tokenizer.py" => Some(StudyCriterion::TokenizerPy),
            "__init__.py" => Some(StudyCriterion::InitPy),
            "hubconf.py" => Some(StudyCriterion::HubconfPy),
            n if n.ends_with(".py") && n.starts_with("modeling_") => {
                Some(StudyCriterion::ModelingPrefix)
            }
            n if n.ends_with(".py") && n.starts_with("tokenization_") => {
                Some(StudyCriterion::TokenizationPrefix)
            }
            n if n.ends_with(".py") && n.starts_with("configuration_") => {
                Some(StudyCriterion::ConfigurationPrefix)
            }
            _ => None,
        };
        if let Some(criterion) = criterion {
            matches.push(StudyMatch {
                criterion,
                file: f.path.clone(),
            });
        }
    }
    let executed: BTreeSet<&str> = apis.iter().flat_map(|a| a.executed_files()).collect();
    let matched: BTreeSet<&str> = matches
        .iter()
        .filter(|m| m.criterion != StudyCriterion::CustomCodeTag)
        .map(|m| m.file.as_str())
        .collect();
    CustomCodeClassification {
        study_needs_custom_code: !matches.is_empty(),
        plan_executes_repository_code: !executed.is_empty(),
        executed_but_not_matched: executed
            .difference(&matched)
            .map(|s| s.to_string())
            .collect(),
        matched_but_not_executed: matched
            .difference(&executed)
            .map(|s| s.to_string())
            .collect(),
        study_matches: matches,
    }
}

/// Does `README.md` front matter list `custom_code` among its tags?
fn readme_tags_custom_code(repo: &Repo) -> bool {
    let Ok(Some(bytes)) = repo.snapshot.read_text("README.md", 1 << 20) else {
        return false;
    };
    let text = String::from_utf8_lossy(&bytes);
    let text = text.trim_start_matches('\u{feff}');
    let Some(rest) = text.strip_prefix("---") else {
        return false;
    };
    let front = match rest.find("\n---") {
        Some(end) => &rest[..end],
        None => return false,
    };
    // Tags appear as a YAML list (`tags:\n- custom_code`) or inline (`tags: [custom_code]`).
    let mut in_tags = false;
    for line in front.lines() {
        let trimmed = line.trim();
        if let Some(value) = trimmed.strip_prefix("tags:") {
            in_tags = true;
            if value
                .trim()
                .trim_matches(|c| c == '[' || c == ']')
                .split(',')
                .any(|t| t.trim().trim_matches(|c| c == '"' || c == '\'') == "custom_code")
            {
                return true;
            }
            continue;
        }
        if in_tags {
            if let Some(item) = trimmed.strip_prefix('-') {
                if item.trim().trim_matches(|c| c == '"' || c == '\'') == "custom_code" {
                    return true;
                }
            } else if !trimmed.is_empty() && !line.starts_with(' ') {
                in_tags = false;
            }
        }
    }
    false
}
