//! Target syntax: what the user writes on the command line.

use std::fmt;
use std::path::PathBuf;
use trustscan_core::Platform;

/// A repository the user names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A directory: a plain checkout, a cache entry (`models--org--name`), a cache snapshot
    /// (`.../snapshots/<commit>`), a ModelScope or OpenCSG download directory.
    Path(PathBuf),
    /// `hf:org/name[@rev]`, `ms:owner/name[@rev]`, `csg:owner/name[@rev]`, `gh:owner/repo[@ref]`,
    /// looked up in the platform's local cache.
    Hub {
        platform: Platform,
        repo_id: String,
        revision: Option<String>,
    },
    /// `mmlab:package/model-name[@ref]`: an OpenMMLab model by its model-zoo name (`mmdet`,
    /// `mmpretrain`, ...), read from the package's GitHub repository.
    Zoo {
        package: String,
        model: String,
        revision: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError(pub String);

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TargetError {}

impl Target {
    /// Parse `hf:org/name@rev` and friends; anything else is a path.
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let prefixes = [
            ("hf:", Platform::HuggingFace),
            ("ms:", Platform::Modelscope),
            ("csg:", Platform::Opencsg),
            ("gh:", Platform::Github),
        ];
        for (prefix, platform) in prefixes {
            if let Some(rest) = text.strip_prefix(prefix) {
                let (repo_id, revision) = match rest.split_once('@') {
                    Some((id, rev)) if !rev.is_empty() => (id, Some(rev.to_string())),
                    Some(_) => {
                        return Err(TargetError(format!(
                            "target {text:?} has an empty revision after '@'"
                        )));
                    }
                    None => (rest, None),
                };
                validate_repo_id(text, repo_id, platform)?;
                return Ok(Target::Hub {
                    platform,
                    repo_id: repo_id.to_string(),
                    revision,
                });
            }
        }
        if let Some(rest) = text.strip_prefix("mmlab:") {
            let (id, revision) = match rest.split_once('@') {
                Some((id, rev)) if !rev.is_empty() => (id, Some(rev.to_string())),
                Some(_) => {
                    return Err(TargetError(format!(
                        "target {text:?} has an empty revision after '@'"
                    )));
                }
                None => (rest, None),
            };
            let ok = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            };
            return match id.split_once('/') {
                Some((package, model)) if ok(package) && ok(model) => Ok(Target::Zoo {
                    package: package.to_string(),
                    model: model.to_string(),
                    revision,
                }),
                _ => Err(TargetError(format!(
                    "target {text:?}: expected mmlab:package/model-name, e.g. \
                     mmlab:mmdet/rtmdet_tiny_8xb32-300e_coco"
                ))),
            };
        }
        if text.is_empty() {
            return Err(TargetError("the target is empty".into()));
        }
        Ok(Target::Path(PathBuf::from(text)))
    }
}

fn validate_repo_id(text: &str, repo_id: &str, platform: Platform) -> Result<(), TargetError> {
    let parts: Vec<&str> = repo_id.split('/').collect();
    // Hugging Face still serves a few legacy ids without an owner (e.g. `gpt2`).
    let shape_ok = parts.len() == 2 || (parts.len() == 1 && platform == Platform::HuggingFace);
    let chars_ok = parts.iter().all(|p| {
        !p.is_empty()
            && p != &"."
            && p != &".."
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    });
    if shape_ok && chars_ok && !repo_id.contains("--") {
        Ok(())
    } else {
        Err(TargetError(format!(
            "target {text:?}: {repo_id:?} is not a repository id of the form owner/name \
             (letters, digits, '-', '_' and '.', no '--')"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_targets_parse_with_and_without_revision() {
        assert_eq!(
            Target::parse("hf:THUDM/chatglm2-6b@v1.0").unwrap(),
            Target::Hub {
                platform: Platform::HuggingFace,
                repo_id: "THUDM/chatglm2-6b".into(),
                revision: Some("v1.0".into())
            }
        );
        assert_eq!(
            Target::parse("ms:damo/nlp").unwrap(),
            Target::Hub {
                platform: Platform::Modelscope,
                repo_id: "damo/nlp".into(),
                revision: None
            }
        );
        assert_eq!(
            Target::parse("mmlab:mmdet/rtmdet_tiny_8xb32-300e_coco@v3.3.0").unwrap(),
            Target::Zoo {
                package: "mmdet".into(),
                model: "rtmdet_tiny_8xb32-300e_coco".into(),
                revision: Some("v3.3.0".into())
            }
        );
        assert_eq!(
            Target::parse("some/dir").unwrap(),
            Target::Path("some/dir".into())
        );
    }

    #[test]
    fn malformed_repo_ids_are_refused() {
        for bad in [
            "hf:a/b/c",
            "hf:../x",
            "ms:solo",
            "hf:a--b/c",
            "hf:a/b@",
            "gh:a/b c",
            "hf:",
            "mmlab:mmdet",
            "mmlab:mmdet/a b",
            "mmlab:/x",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
