//! The transformers releases whose behaviour is modelled, and their tables.

use std::collections::HashSet;
use std::sync::OnceLock;
use trustscan_core::VersionScope;

/// A transformers release line with its own loading behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TfVersion {
    /// 4.57, the last 4.x line.
    V4,
    /// 5.x (read from 5.24).
    V5,
}

pub const ALL: [TfVersion; 2] = [TfVersion::V4, TfVersion::V5];

fn lines(text: &'static str) -> HashSet<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

impl TfVersion {
    pub fn label(self) -> &'static str {
        match self {
            TfVersion::V4 => "4.57",
            TfVersion::V5 => "5.x",
        }
    }

    /// The release read and tested (`transformers.__version__`).
    pub fn full(self) -> &'static str {
        match self {
            TfVersion::V4 => "4.57.6",
            TfVersion::V5 => "5.24.0",
        }
    }

    pub fn scope(self) -> VersionScope {
        VersionScope::new("transformers", self.label())
    }

    /// Is `name` an attribute of `transformers.utils.import_utils` in this version?
    pub fn import_utils_has(self, name: &str) -> bool {
        static V4: OnceLock<HashSet<&'static str>> = OnceLock::new();
        static V5: OnceLock<HashSet<&'static str>> = OnceLock::new();
        match self {
            TfVersion::V4 => V4.get_or_init(|| {
                lines(include_str!(
                    "../../data/transformers-v4-import-utils-names.txt"
                ))
            }),
            TfVersion::V5 => V5.get_or_init(|| {
                lines(include_str!(
                    "../../data/transformers-v5-import-utils-names.txt"
                ))
            }),
        }
        .contains(name)
    }

    /// AutoConfig without `model_type`: 4.57 picks a known model type contained in the path
    /// string the user passed (longest first); 5.x raises instead.
    pub fn model_type_in_path(self, path: &str) -> Option<&'static str> {
        if self == TfVersion::V5 {
            return None;
        }
        self.model_types()
            .iter()
            .filter(|t| path.contains(**t))
            .max_by_key(|t| (t.len(), std::cmp::Reverse(**t)))
            .copied()
    }

    /// Does this version have built-in classes for `model_type`?
    pub fn knows_model_type(self, model_type: &str) -> bool {
        self.model_types().contains(model_type)
    }

    fn model_types(self) -> &'static HashSet<&'static str> {
        static V4: OnceLock<HashSet<&'static str>> = OnceLock::new();
        static V5: OnceLock<HashSet<&'static str>> = OnceLock::new();
        match self {
            TfVersion::V4 => {
                V4.get_or_init(|| lines(include_str!("../../data/transformers-v4-model-types.txt")))
            }
            TfVersion::V5 => {
                V5.get_or_init(|| lines(include_str!("../../data/transformers-v5-model-types.txt")))
            }
        }
    }
}
