//! Payload judgements: what deserializing a file would import and call, decided without
//! deserializing it, file by file and part by part (a pickle stream, an archive member, a
//! format-level finding).

use serde::{Deserialize, Serialize};
use std::fmt;

/// How dangerous deserializing a payload (or one part of it) is, most serious last.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Judgement {
    Safe,
    /// Something off the allowlist, and no known gadget: never silently accepted.
    Suspicious,
    /// Could not be read to its end: what follows the break is unknown.
    Inconclusive,
    Dangerous,
}

impl Judgement {
    pub fn word(self) -> &'static str {
        match self {
            Judgement::Safe => "safe",
            Judgement::Suspicious => "suspicious",
            Judgement::Inconclusive => "inconclusive",
            Judgement::Dangerous => "dangerous",
        }
    }
}

impl fmt::Display for Judgement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// The format of content that is no payload format at all.
pub const NOT_A_PAYLOAD: &str = "other";

/// What the payload scanner found in one file's bytes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PayloadReport {
    /// The outermost format recognised: `torch-zip`, `pickle`, `gzip`, ..., or `other`
    /// when the content is no payload format at all.
    pub format: String,
    /// The most serious part's judgement (`Safe` without parts).
    pub verdict: Judgement,
    pub parts: Vec<PayloadPart>,
}

impl PayloadReport {
    /// Whether the file is a payload format (a container, a serialization format), as
    /// opposed to text or data no loader deserializes.
    pub fn is_payload(&self) -> bool {
        self.format != NOT_A_PAYLOAD
    }

    /// A report for a file that could not be judged: `reason` says why (inconclusive, never
    /// clean).
    pub fn unreadable(reason: String) -> PayloadReport {
        PayloadReport {
            format: "unreadable".into(),
            verdict: Judgement::Inconclusive,
            parts: vec![PayloadPart {
                location: String::new(),
                format: "unreadable".into(),
                verdict: Judgement::Inconclusive,
                reasons: vec![reason],
                pickle: None,
            }],
        }
    }
}

/// One judged part of a file: a pickle stream, a format-level finding, or why a container
/// could not be read.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PayloadPart {
    /// Where in the file: empty for the file itself, else archive members joined by `!`
    /// and decompression shown as `[gzip]` (`model.tar.gz` → `[gzip]!archive/data.pkl`).
    pub location: String,
    /// `pickle`, `torch-legacy`, `zip`, `npy`, ...
    pub format: String,
    pub verdict: Judgement,
    /// Most serious first.
    pub reasons: Vec<String>,
    /// For pickle streams: what the unpickler would look up and call.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub pickle: Option<PickleFacts>,
}

/// What reading one pickle stream found.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PickleFacts {
    /// Pickles read (a stream may hold several, one after another).
    pub pickles: usize,
    /// Highest protocol announced by a `PROTO` opcode.
    pub protocol: u8,
    pub imports: Vec<PickleImport>,
    pub calls: Vec<PickleCall>,
    /// Why reading stopped before the end of the data, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<PickleError>,
}

/// A global the unpickler would look up (`find_class(module, name)`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct PickleImport {
    pub module: String,
    pub name: String,
    /// Byte offset of the opcode that looks it up.
    pub offset: usize,
}

/// A call the unpickler would make.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PickleCall {
    /// What is called: `module.name` for a global, else a description (`<result of ...>`).
    pub callee: String,
    /// The arguments, rendered as Python literals where they are constants.
    pub args: String,
    /// `REDUCE`, `NEWOBJ`, `BUILD`, ...
    pub opcode: String,
    pub offset: usize,
}

/// Where and why a stream could not be read further.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PickleError {
    pub offset: usize,
    pub reason: String,
}

impl fmt::Display for PickleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.reason)
    }
}

/// A payload file of a scanned repository (or a `check` argument), judged, with whether
/// loading deserializes it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PayloadFile {
    pub path: String,
    /// The report's outermost format.
    pub format: String,
    /// The report's judgement.
    pub verdict: Judgement,
    /// `runs-at-load` when a loading API of the plan deserializes it; else `not-reached`.
    pub reachability: crate::Reachability,
    /// The loading APIs that deserialize it (empty: none does).
    pub loaded_by: Vec<String>,
    pub parts: Vec<PayloadPart>,
    /// For a file holding pickles: the globals they look up that torch's `weights_only`
    /// unpickler refuses (loaded that way, the load fails at the first instead of calling
    /// it); empty when that unpickler would load it all.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub weights_only_refuses: Option<Vec<String>>,
}

impl PayloadFile {
    pub fn new(
        path: String,
        report: PayloadReport,
        reachability: crate::Reachability,
        loaded_by: Vec<String>,
    ) -> PayloadFile {
        PayloadFile {
            path,
            format: report.format,
            verdict: report.verdict,
            reachability,
            loaded_by,
            parts: report.parts,
            weights_only_refuses: None,
        }
    }

    /// Whether the file's content is a payload format ([`PayloadReport::is_payload`]).
    pub fn is_payload(&self) -> bool {
        self.format != NOT_A_PAYLOAD
    }

    /// The fingerprint baselines record: the path and every part's location, judgement and
    /// reasons, so an entry stops matching when the content gives other reasons.
    pub fn fingerprint(&self) -> String {
        let mut fields = vec![self.path.as_str()];
        for part in &self.parts {
            fields.extend(part.fields());
        }
        hex(&sha256_of_fields(fields))
    }

    /// One part's fingerprint (SARIF has a result per part).
    pub fn part_fingerprint(&self, part: &PayloadPart) -> String {
        hex(&sha256_of_fields(
            std::iter::once(self.path.as_str()).chain(part.fields()),
        ))
    }
}

impl PayloadPart {
    /// What identifies a part's result: its location, judgement and reasons (in any order).
    fn fields(&self) -> impl Iterator<Item = &str> {
        let mut reasons: Vec<&str> = self.reasons.iter().map(String::as_str).collect();
        reasons.sort_unstable();
        [self.location.as_str(), self.verdict.word()]
            .into_iter()
            .chain(reasons)
    }
}

/// SHA-256 over fields, each followed by a NUL (so `("ab", "c")` and `("a", "bc")` differ).
pub fn sha256_of_fields<'a>(fields: impl IntoIterator<Item = &'a str>) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for field in fields {
        h.update(field.as_bytes());
        h.update([0u8]);
    }
    h.finalize().into()
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
