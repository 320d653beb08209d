//! The study's "needs custom code" criteria (arXiv 2601.14163), kept beside the precise plan
//! so the study can be reproduced and its misses shown.

use serde::{Deserialize, Serialize};

/// One file-name criterion of the study.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum StudyCriterion {
    /// README front matter tags the repository `custom_code`.
    CustomCodeTag,
    /// A file named `tokenizer.py`.
    TokenizerPy,
    /// A file named `__init__.py`.
    InitPy,
    /// A file named `hubconf.py`.
    HubconfPy,
    /// A `.py` file whose name starts `modeling_`.
    ModelingPrefix,
    /// A `.py` file whose name starts `tokenization_`.
    TokenizationPrefix,
    /// A `.py` file whose name starts `configuration_`.
    ConfigurationPrefix,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct StudyMatch {
    pub criterion: StudyCriterion,
    /// The file that matched (`README.md` for the tag).
    pub file: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct CustomCodeClassification {
    /// The study's verdict: some criterion matched.
    pub study_needs_custom_code: bool,
    pub study_matches: Vec<StudyMatch>,
    /// The plan's verdict: some loading API executes a file of this repository.
    pub plan_executes_repository_code: bool,
    /// Files some API executes that no study criterion names (the study's misses).
    pub executed_but_not_matched: Vec<String>,
    /// Files a criterion names that no API executes.
    pub matched_but_not_executed: Vec<String>,
}
