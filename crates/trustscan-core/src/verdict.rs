//! What a scan concludes about one repository: the one word for humans and CI gates.

use serde::{Deserialize, Serialize};

/// A repository's verdict, for the headline and the exit code; least serious first.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum Verdict {
    /// Loading runs no repository code and deserializes nothing pickle-based.
    Safe,
    /// No loading API recognises the target and it holds no payload file: nothing loadable
    /// was found (a wrong path, a download that did not happen). Never a pass.
    Unrecognised,
    /// Part of the repository could not be analysed.
    Inconclusive,
    /// Loading runs repository code, installs packages, fetches code or unpickles.
    Review,
    /// A dangerous payload, or a model-loading rule of high severity in code that runs or
    /// is called at load.
    Dangerous,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Safe => "SAFE",
            Verdict::Unrecognised => "UNRECOGNISED",
            Verdict::Inconclusive => "INCONCLUSIVE",
            Verdict::Review => "REVIEW",
            Verdict::Dangerous => "DANGEROUS",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}
