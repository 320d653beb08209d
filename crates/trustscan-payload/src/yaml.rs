//! YAML read with PyYAML's unsafe loaders (`yaml.load(..., Loader=yaml.Loader)`,
//! `yaml.unsafe_load`, `UnsafeLoader`; what mmengine's config loader and old training scripts
//! use): Python tags construct and call Python objects while the document is read. The tags
//! come from PyYAML's `constructor.py` (`Constructor.add_multi_constructor` for
//! `tag:yaml.org,2002:python/object`, `/object/apply`, `/object/new`, `/name`, `/module`,
//! and the `python/` scalar tags), spelled `!!python/...` with the default tag handle, or
//! through a `%TAG` directive that binds any handle to `tag:yaml.org,2002:python/`.
//! The document is not parsed: a tag anywhere is judged, as the loader would meet it.

use crate::Inspection;
use trustscan_core::Judgement;

/// Spellings of the Python tag family (PyYAML's `!!` handle expands to `tag:yaml.org,2002:`).
const PYTHON_TAGS: &[&[u8]] = &[b"!!python/", b"tag:yaml.org,2002:python/"];

/// Tags reported per file (the count says how many more).
const SHOWN: usize = 5;

pub fn inspect(data: &[u8]) -> Inspection {
    let mut ins = Inspection::new("yaml");
    let mut found: Vec<String> = Vec::new();
    for tag in PYTHON_TAGS {
        for at in memchr::memmem::find_iter(data, tag) {
            // The tag's name runs to the next space, quote or flow indicator.
            let rest = &data[at..];
            let end = rest
                .iter()
                .position(|b| b" \t\r\n'\",[]{}".contains(b))
                .unwrap_or(rest.len())
                .min(200);
            let text = String::from_utf8_lossy(&rest[..end]).into_owned();
            found.push(format!("{text} at byte {at}"));
        }
    }
    if found.is_empty() {
        return ins;
    }
    let n = found.len();
    let mut reasons: Vec<(Judgement, String)> = found
        .into_iter()
        .take(SHOWN)
        .map(|t| {
            (
                Judgement::Dangerous,
                format!(
                    "Python tag {t}: an unsafe YAML loader constructs and calls Python objects"
                ),
            )
        })
        .collect();
    if n > SHOWN {
        reasons.push((
            Judgement::Dangerous,
            format!("... and {} more Python tags", n - SHOWN),
        ));
    }
    ins.flag_all(reasons);
    ins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_tags_are_dangerous_and_plain_yaml_is_not() {
        let plain = inspect(b"model:\n  type: ResNet\n  depth: 50\n");
        assert_eq!(plain.verdict, Judgement::Safe);
        assert!(plain.reasons.is_empty());
        let apply = inspect(b"x: !!python/object/apply:os.system ['id']\n");
        assert_eq!(apply.verdict, Judgement::Dangerous);
        assert!(
            apply.reasons[0].contains("!!python/object/apply:os.system at byte 3"),
            "{:?}",
            apply.reasons
        );
        // A %TAG directive binds another handle to the same family.
        let directive = inspect(
            b"%TAG !p! tag:yaml.org,2002:python/\n---\nx: !p!object/apply:os.system [id]\n",
        );
        assert_eq!(directive.verdict, Judgement::Dangerous);
    }
}
