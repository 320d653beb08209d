//! A snapshot seen through the eyes of a loader: cached reads of JSON configs and Python files,
//! content sniffing, and notes that say what could not be read and why.

use serde_json::Value;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use trustscan_core::{Note, PayloadFormat};
use trustscan_payload::sniff::{self, Format};
use trustscan_pyparse::{Analysis, Options};
use trustscan_source::{Absence, ReadError, Snapshot};

/// Configs larger than this are not read (no real config comes close).
pub const MAX_CONFIG_BYTES: u64 = 64 << 20;
/// Python files larger than this are not read.
pub const MAX_PYTHON_BYTES: u64 = 64 << 20;

/// A JSON config as a loader would see it.
#[derive(Clone, Debug)]
pub enum Json {
    Absent,
    Value(Value),
    /// Present but unusable; the reason names what is wrong (a Git LFS pointer, invalid JSON,
    /// an unreadable file).
    Unreadable(String),
}

impl Json {
    pub fn value(&self) -> Option<&Value> {
        match self {
            Json::Value(v) => Some(v),
            _ => None,
        }
    }

    pub fn exists(&self) -> bool {
        !matches!(self, Json::Absent)
    }
}

/// A Python file as a loader would see it.
#[derive(Debug)]
pub struct PyFile {
    /// Raw bytes (transformers reads them as strict UTF-8 for its regexes).
    pub bytes: Vec<u8>,
    pub analysis: Analysis,
}

/// The note on a file a cache snapshot lacks because it was not downloaded.
pub const NOT_DOWNLOADED: &str = "not downloaded: the cache snapshot lacks it and the Hub never \
     said the repository has none (a partial download, such as a refused trust_remote_code \
     leaves)";

pub struct Repo<'a> {
    pub snapshot: &'a dyn Snapshot,
    json: RefCell<HashMap<String, Rc<Json>>>,
    python: RefCell<HashMap<String, Rc<Result<PyFile, String>>>>,
    notes: RefCell<BTreeSet<Note>>,
}

impl<'a> Repo<'a> {
    pub fn new(snapshot: &'a dyn Snapshot) -> Repo<'a> {
        Repo {
            snapshot,
            json: RefCell::default(),
            python: RefCell::default(),
            notes: RefCell::default(),
        }
    }

    pub fn has_file(&self, path: &str) -> bool {
        self.snapshot.has_file(path)
    }

    pub fn has_dir(&self, path: &str) -> bool {
        self.snapshot.has_dir(path)
    }

    /// Files whose path starts with `prefix` (the listing is sorted, so they are contiguous).
    pub fn files_with_prefix(&self, prefix: &str) -> &[trustscan_source::FileEntry] {
        let files = self.snapshot.files();
        let start = files.partition_point(|f| f.path.as_str() < prefix);
        let len = files[start..].partition_point(|f| f.path.starts_with(prefix));
        &files[start..start + len]
    }

    /// A file loading needs that the snapshot lacks, as the reason loading stops: "the
    /// repository has no file X", or, in a cache snapshot whose download left it out, "X was
    /// not downloaded" (and an inconclusive note on the file says so).
    pub fn missing(&self, path: &str) -> String {
        match self.snapshot.absence(path) {
            Absence::NotDownloaded => {
                self.note(Note::inconclusive(Some(path), NOT_DOWNLOADED));
                format!("{path} was not downloaded (the cache holds a partial download)")
            }
            Absence::Absent | Absence::NotInRepository => {
                format!("the repository has no file {path}")
            }
        }
    }

    /// Record a repository-level note once.
    pub fn note(&self, note: Note) {
        self.notes.borrow_mut().insert(note);
    }

    pub fn take_notes(&self) -> Vec<Note> {
        std::mem::take(&mut *self.notes.borrow_mut())
            .into_iter()
            .collect()
    }

    /// Read and parse a JSON file the way Python's `json.load` would accept it.
    pub fn json(&self, path: &str) -> Rc<Json> {
        if let Some(j) = self.json.borrow().get(path) {
            return j.clone();
        }
        let parsed = Rc::new(self.read_json(path));
        if let Json::Unreadable(reason) = &*parsed {
            self.note(Note::inconclusive(Some(path), reason.clone()));
        }
        self.json
            .borrow_mut()
            .insert(path.to_string(), parsed.clone());
        parsed
    }

    fn read_json(&self, path: &str) -> Json {
        let bytes = match self.snapshot.read_text(path, MAX_CONFIG_BYTES) {
            Ok(None) => return Json::Absent,
            Ok(Some(b)) => b,
            Err(e) => return Json::Unreadable(format!("cannot read: {e}")),
        };
        if sniff::by_magic(&bytes, bytes.len() as u64) == Some(Format::LfsPointer) {
            return Json::Unreadable(
                "is a Git LFS pointer, not JSON: the real file was not downloaded, so what it \
                 configures is unknown"
                    .into(),
            );
        }
        let text = match std::str::from_utf8(&bytes) {
            Ok(t) => t,
            Err(e) => {
                return Json::Unreadable(format!(
                    "is not valid UTF-8 (byte {}); Python's json loader would fail on it",
                    e.valid_up_to()
                ));
            }
        };
        match parse_python_json(text) {
            Ok(v) => Json::Value(v),
            Err(e) => Json::Unreadable(format!("is not valid JSON: {e}")),
        }
    }

    /// Read and analyse a Python file once.
    pub fn python(&self, path: &str) -> Rc<Result<PyFile, String>> {
        if let Some(p) = self.python.borrow().get(path) {
            return p.clone();
        }
        let result = match self.snapshot.read(path, MAX_PYTHON_BYTES) {
            Ok(bytes) => {
                let analysis = trustscan_pyparse::analyze(&bytes, &Options::default());
                if let Some(reason) = &analysis.skipped {
                    self.note(Note::inconclusive(Some(path), reason.clone()));
                }
                Ok(PyFile { bytes, analysis })
            }
            Err(ReadError::Escapes { target }) => Err(format!(
                "symlink leads outside the repository (to {target}); its content was not analysed"
            )),
            Err(e) => Err(format!("cannot read: {e}")),
        };
        if let Err(reason) = &result {
            self.note(Note::inconclusive(Some(path), reason.clone()));
        }
        let rc = Rc::new(result);
        self.python
            .borrow_mut()
            .insert(path.to_string(), rc.clone());
        rc
    }

    /// What the first bytes of a file say it is, as loaders that never look at its name see
    /// it ([`sniff::sniff`]); `None` when they cannot be read (a hub that errs, a symlink
    /// leaving the repository): a failed read says nothing about the content.
    pub fn sniff(&self, path: &str) -> Option<Format> {
        let size = self.snapshot.file(path)?.size;
        let head = self.snapshot.read_range(path, 0, sniff::HEAD as u64).ok()?;
        Some(sniff::sniff(&head, size))
    }
}

/// How `torch.load` treats content of this format: a zip is torch's archive, anything else
/// is unpickled as the legacy format (`torch/serialization.py`: `_is_zipfile` tests the
/// first four bytes, then `_legacy_load`) unless it is a format torch refuses first.
pub fn torch_load_format(format: Format) -> PayloadFormat {
    match format {
        Format::Zip => PayloadFormat::TorchZip,
        Format::Safetensors => PayloadFormat::Safetensors,
        Format::Gguf => PayloadFormat::Gguf,
        Format::Npy => PayloadFormat::Numpy,
        Format::LfsPointer => PayloadFormat::LfsPointer,
        Format::Hdf5 | Format::Empty => PayloadFormat::Unknown,
        Format::Tar
        | Format::SevenZ
        | Format::Compressed(_)
        | Format::TorchLegacy
        | Format::Pickle
        | Format::Onnx
        | Format::Jinja
        | Format::TokenizerConfig
        | Format::KerasConfig
        | Format::Other => PayloadFormat::TorchLegacy,
    }
}

/// Python's `json.loads` also accepts `NaN`, `Infinity` and `-Infinity`; serde_json does not.
/// Parse as-is first, then with those constants replaced by `null` outside strings.
pub fn parse_python_json(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(v),
        Err(first) => {
            let replaced = replace_nonfinite(text);
            if replaced != text {
                serde_json::from_str::<Value>(&replaced).map_err(|_| first.to_string())
            } else {
                Err(first.to_string())
            }
        }
    }
}

fn replace_nonfinite(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        let mut matched = false;
        for token in ["-Infinity", "Infinity", "NaN"] {
            if rest.starts_with(token) {
                out.push_str("null");
                rest = &rest[token.len()..];
                matched = true;
                break;
            }
        }
        if !matched {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_json_constants_are_accepted() {
        let v = parse_python_json(r#"{"a": NaN, "b": "NaN", "c": -Infinity}"#).unwrap();
        assert!(v["a"].is_null());
        assert_eq!(v["b"], "NaN");
        assert!(parse_python_json("{").is_err());
    }

    #[test]
    fn torch_load_sees_a_zip_or_a_pickle() {
        let format = |head: &[u8]| torch_load_format(sniff::sniff(head, 64));
        assert_eq!(format(b"PK\x03\x04rest"), PayloadFormat::TorchZip);
        assert_eq!(
            format(b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"),
            PayloadFormat::TorchLegacy
        );
        assert_eq!(
            format(b"version https://git-lfs.github.com/spec/v1\n"),
            PayloadFormat::LfsPointer
        );
        let mut st = 20u64.to_le_bytes().to_vec();
        st.extend_from_slice(b"{\"a\":1}");
        assert_eq!(format(&st), PayloadFormat::Safetensors);
        assert_eq!(format(b"GGUF\x03\x00"), PayloadFormat::Gguf);
        assert_eq!(format(b"anything else"), PayloadFormat::TorchLegacy);
        assert_eq!(
            torch_load_format(sniff::sniff(b"", 0)),
            PayloadFormat::Unknown
        );
    }
}
