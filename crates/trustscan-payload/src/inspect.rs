//! One entry point for any file: sniff its content (`crate::sniff`), open containers and
//! compression wrappers recursively within budgets, and judge every pickle stream and
//! format-level finding inside. The file's verdict is its most serious part's; a container
//! that cannot be opened, a budget that runs out or a stream that breaks is inconclusive,
//! never clean.

use crate::compress;
use crate::pickle::{self, Analysis};
use crate::policy;
use crate::sniff::{self, Format, Unpickler};
use crate::{
    Inspection, gguf, h5, keras, npy, onnx, safetensors, sevenz, tar, template, torch_legacy, zip,
};
use trustscan_core::{Judgement, PayloadPart, PayloadReport, PickleError, PickleFacts};

/// Budgets for one file, and the user's allowlist extension.
#[derive(Clone, Debug)]
pub struct Options {
    /// Containers inside containers (a gzip of a tar of a zip is depth 3).
    pub max_depth: usize,
    /// Bytes one compressed stream or zip member may inflate to.
    pub max_inflated: usize,
    /// Bytes all of a file's compressed content may inflate to, together.
    pub max_total_inflated: usize,
    /// Members read from one archive.
    pub max_members: usize,
    pub pickle: pickle::Budget,
    /// Globals the user allows besides the built-in allowlist.
    pub allow: policy::Allowlist,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_depth: 6,
            max_inflated: 512 << 20,
            max_total_inflated: 2 << 30,
            max_members: 100_000,
            pickle: pickle::Budget::default(),
            allow: policy::Allowlist::default(),
        }
    }
}

/// Inspect a whole file's bytes (a file without a name: only content decides).
pub fn inspect(data: &[u8], options: &Options) -> PayloadReport {
    inspect_file(data, "", options)
}

/// Inspect a whole file's bytes. Content decides the format; `name` (the file's path) only
/// picks among formats that have no magic number (ONNX, Jinja templates, tokenizer and
/// Keras configs), as their loaders do, judges content nothing recognises as a pickle when
/// a loader unpickles files of that name (`crate::sniff::unpickler`), and flags a
/// `.safetensors` name on other content.
pub fn inspect_file(data: &[u8], name: &str, options: &Options) -> PayloadReport {
    let mut walk = Walk::new(options);
    let format = walk.visit(data, "", name, 0);
    walk.report(format)
}

/// [`inspect_file`] over a file that is only partly present (a remote file fetched by byte
/// ranges, zeros elsewhere): members of the outermost zip whose local header is absent
/// (`present(offset)` false) are not read. The fetcher leaves out only torch's tensor
/// storages, which no loader unpickles; everything else it fetched.
pub fn inspect_partial(
    data: &[u8],
    name: &str,
    options: &Options,
    present: &dyn Fn(u64) -> bool,
) -> PayloadReport {
    let mut walk = Walk::new(options);
    walk.present = Some(present);
    let format = walk.visit(data, "", name, 0);
    walk.report(format)
}

/// Read the whole data as a pickle stream, whatever it looks like: for files a loader is
/// known to unpickle (`torch.load` treats anything that is not a zip as a pickle).
pub fn as_pickle(data: &[u8], options: &Options) -> PayloadReport {
    let mut walk = Walk::new(options);
    let analysis = pickle::analyze(data, &options.pickle);
    walk.pickle("", "pickle", data, analysis, 0);
    walk.report("pickle")
}

/// Judge the data as YAML read with an unsafe loader (the plan says which files are).
pub fn as_unsafe_yaml(data: &[u8], options: &Options) -> PayloadReport {
    let mut walk = Walk::new(options);
    let i = crate::yaml::inspect(data);
    walk.inspection(data, "", 0, i);
    walk.report("yaml")
}

struct Walk<'l> {
    options: &'l Options,
    inflated: usize,
    parts: Vec<PayloadPart>,
    /// Inside a TorchScript archive, whose pickles name TorchScript classes (`__torch__.*`,
    /// resolved by torch.jit from the archive's own compiled code, never imported) and
    /// torch.jit's pickle helpers.
    torchscript: bool,
    /// For a partly fetched file: whether the byte at an offset of the outermost data is there.
    present: Option<&'l dyn Fn(u64) -> bool>,
}

impl<'l> Walk<'l> {
    fn new(options: &'l Options) -> Walk<'l> {
        Walk {
            options,
            inflated: 0,
            parts: Vec::new(),
            torchscript: false,
            present: None,
        }
    }

    /// The file's report: its outermost format and its most serious part's verdict.
    fn report(self, format: &'static str) -> PayloadReport {
        let verdict = self
            .parts
            .iter()
            .map(|p| p.verdict)
            .max()
            .unwrap_or(Judgement::Safe);
        PayloadReport {
            format: format.into(),
            verdict,
            parts: self.parts,
        }
    }

    /// What one more stream may inflate to: its own cap, within what the file has left.
    fn inflation_cap(&self) -> usize {
        self.options.max_inflated.min(
            self.options
                .max_total_inflated
                .saturating_sub(self.inflated),
        )
    }

    fn part(&mut self, location: &str, format: &'static str, verdict: Judgement, reason: String) {
        self.parts.push(PayloadPart {
            location: location.to_string(),
            format: format.into(),
            verdict,
            reasons: vec![reason],
            pickle: None,
        });
    }

    fn inconclusive(&mut self, location: &str, format: &'static str, reason: String) {
        self.part(location, format, Judgement::Inconclusive, reason);
    }

    /// Archive members that would land outside the extraction directory, or links, when a
    /// loader or a user extracts the archive (payload-evasions §33).
    fn slip(&mut self, location: &str, name: &str, link: Option<&str>) {
        let name_n = name.replace('\\', "/");
        let escapes = name_n.starts_with('/')
            || name_n.split('/').any(|c| c == "..")
            || name_n.as_bytes().get(1) == Some(&b':');
        if escapes {
            self.part(
                location,
                "archive-member",
                Judgement::Suspicious,
                format!("member name {name:?} escapes the extraction directory"),
            );
        }
        if let Some(target) = link {
            self.part(
                location,
                "archive-member",
                Judgement::Suspicious,
                format!(
                    "a link to {target:?}: extracting it can write or read outside the archive"
                ),
            );
        }
    }

    /// Judge `data` found at `location` (`name`: its file or member name); returns its
    /// format.
    fn visit(&mut self, data: &[u8], location: &str, name: &str, depth: usize) -> &'static str {
        if depth > self.options.max_depth {
            self.inconclusive(
                location,
                "nested",
                format!(
                    "containers nested deeper than {} levels",
                    self.options.max_depth
                ),
            );
            return "nested";
        }
        let format = self.sniffed(data, location, name, depth);
        // A loader that routes by extension would hand this to safetensors, which fails;
        // a file that pretends to be safe weights deserves a look.
        if name.ends_with(".safetensors") && !matches!(format, "safetensors" | "lfs-pointer") {
            self.part(
                location,
                format,
                Judgement::Suspicious,
                format!("named .safetensors but its content is {format}"),
            );
        }
        format
    }

    /// Recognise the content in the sniffer's order (`crate::sniff`: magic numbers, a zip's
    /// end record, a headerless pickle, then the name) and judge it.
    fn sniffed(&mut self, data: &[u8], location: &str, name: &str, depth: usize) -> &'static str {
        match sniff::by_magic(data, data.len() as u64) {
            Some(format) => self.read(format, data, location, name, depth),
            None => self.headerless(data, location, name, depth),
        }
    }

    /// Content without a magic number: the steps of sniffing that need all its bytes.
    fn headerless(
        &mut self,
        data: &[u8],
        location: &str,
        name: &str,
        depth: usize,
    ) -> &'static str {
        // Python's zipfile finds an archive by its end record, whatever the first bytes are
        // (a prefixed or mangled first header): a readable directory makes it a zip.
        match zip::entries(data) {
            Ok(_) => return self.zip(data, location, depth),
            // A mangled archive is not silently "no payload".
            Err(e) if data.starts_with(sniff::magic::ZIP_PREFIX) => {
                self.inconclusive(location, "zip", format!("cannot read the zip archive: {e}"));
                return "zip";
            }
            Err(_) => {}
        }
        if let Some(a) = headerless_pickle(data, sniff::unpickler(name), &self.options.pickle) {
            self.pickle(location, "pickle", data, a, depth);
            return "pickle";
        }
        self.read(sniff::by_name(name), data, location, name, depth)
    }

    /// Judge content of a known format with its reader.
    fn read(
        &mut self,
        format: Format,
        data: &[u8],
        location: &str,
        name: &str,
        depth: usize,
    ) -> &'static str {
        match format {
            Format::Zip => self.zip(data, location, depth),
            Format::Tar => self.tar(data, location, depth),
            Format::SevenZ => self.sevenz(data, location, depth),
            Format::Compressed(w) => match compress::decompress(w, data, self.inflation_cap()) {
                Ok(inner) => {
                    self.inflated += inner.len();
                    let inner_name = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
                    let at = format!("{location}[{}]", w.name());
                    self.visit(&inner, &at, inner_name, depth + 1);
                    w.name()
                }
                // Not compressed after all: sniff on as if no magic number had matched.
                Err(_) if sniff::weak_magic(w) => self.headerless(data, location, name, depth),
                Err(e) => {
                    self.inconclusive(location, w.name(), e);
                    w.name()
                }
            },
            Format::TorchLegacy => {
                let budget = pickle::Budget {
                    max_pickles: sniff::TORCH_LEGACY_PICKLES,
                    ..self.options.pickle.clone()
                };
                let a = pickle::analyze(data, &budget);
                self.pickle(location, "torch-legacy", data, a, depth);
                "torch-legacy"
            }
            Format::Pickle => {
                let a = pickle::analyze(data, &self.options.pickle);
                self.pickle(location, "pickle", data, a, depth);
                "pickle"
            }
            Format::Npy => self.inspection(data, location, depth, npy::inspect(data)),
            Format::Hdf5 => self.inspection(data, location, depth, h5::inspect(data)),
            Format::Gguf => self.inspection(data, location, depth, gguf::inspect(data)),
            Format::Safetensors => {
                let i = safetensors::inspect(data, data.len() as u64);
                self.inspection(data, location, depth, i)
            }
            Format::LfsPointer => {
                self.inconclusive(
                    location,
                    "lfs-pointer",
                    "a Git LFS pointer: the real content was not downloaded".into(),
                );
                "lfs-pointer"
            }
            Format::Onnx => self.inspection(data, location, depth, onnx::inspect(data)),
            Format::Jinja => self.inspection(data, location, depth, template::inspect(data)),
            Format::TokenizerConfig => match template::inspect_tokenizer_config(data) {
                Some(i) => self.inspection(data, location, depth, i),
                // No chat template: it may still be a Keras config, as any `.json`.
                None => self.read(Format::KerasConfig, data, location, name, depth),
            },
            Format::KerasConfig => {
                let config = memchr::memmem::find(data, b"\"class_name\"")
                    .and_then(|_| keras::inspect_config(data));
                match config {
                    Some(i) => self.inspection(data, location, depth, i),
                    None => "other",
                }
            }
            Format::Empty | Format::Other => "other",
        }
    }

    /// Judge a pickle stream analysed from `data`, then the payloads it carries as constants.
    fn pickle(
        &mut self,
        location: &str,
        format: &'static str,
        data: &[u8],
        mut analysis: Analysis,
        depth: usize,
    ) {
        let (verdict, reasons) = if self.torchscript {
            let mut allow = self.options.allow.clone();
            for entry in ["__torch__.*", "torch.jit._pickle.*"] {
                let _ = allow.add(entry);
            }
            policy::judge_with(&analysis, &allow)
        } else {
            policy::judge_with(&analysis, &self.options.allow)
        };
        // joblib's array wrapper marks a joblib file (its arrays sit inside the stream).
        let format = if analysis
            .imports
            .iter()
            .any(|i| i.module == "joblib.numpy_pickle")
        {
            "joblib"
        } else {
            format
        };
        let embedded = std::mem::take(&mut analysis.embedded);
        let decoded = std::mem::take(&mut analysis.decoded);
        self.parts.push(PayloadPart {
            location: location.to_string(),
            format: format.into(),
            verdict,
            reasons,
            pickle: Some(facts(analysis)),
        });
        for range in embedded {
            let at = format!("{location}@{}", range.start);
            if let Some(inner) = data.get(range) {
                self.visit(inner, &at, "", depth + 1);
            }
        }
        for (offset, bytes) in decoded {
            self.visit(
                &bytes,
                &format!("{location}@{offset}[base64]"),
                "",
                depth + 1,
            );
        }
    }

    /// Format-level findings of a format reader, and its embedded pickles.
    fn inspection(
        &mut self,
        data: &[u8],
        location: &str,
        depth: usize,
        i: Inspection,
    ) -> &'static str {
        if i.verdict != Judgement::Safe || !i.reasons.is_empty() {
            self.parts.push(PayloadPart {
                location: location.to_string(),
                format: i.format.into(),
                verdict: i.verdict,
                reasons: i.reasons,
                pickle: None,
            });
        }
        for (label, range) in i.pickles {
            let inner = data.get(range).unwrap_or_default();
            let at = join(location, &label);
            let a = pickle::analyze(inner, &self.options.pickle);
            self.pickle(&at, "pickle", inner, a, depth + 1);
        }
        i.format
    }

    fn zip(&mut self, data: &[u8], location: &str, depth: usize) -> &'static str {
        let entries = match zip::entries(data) {
            Ok(e) => e,
            Err(e) => {
                self.inconclusive(location, "zip", format!("cannot read the zip archive: {e}"));
                return "zip";
            }
        };
        if entries.len() > self.options.max_members {
            self.inconclusive(
                location,
                "zip",
                format!(
                    "the archive has {} entries, more than the {} read",
                    entries.len(),
                    self.options.max_members
                ),
            );
        }
        let format = zip_kind(&entries);
        let outer_torchscript = self.torchscript;
        self.torchscript = format == "torchscript";
        for e in entries.iter().take(self.options.max_members) {
            if e.name.ends_with('/') {
                continue;
            }
            if depth == 0 && self.present.is_some_and(|p| !p(e.local_header_offset)) {
                continue;
            }
            let at = join(location, &e.name);
            self.slip(&at, &e.name, None);
            let cap = self.inflation_cap();
            match zip::contents(data, e, cap) {
                Ok(bytes) => {
                    if let std::borrow::Cow::Owned(v) = &bytes {
                        self.inflated += v.len();
                    }
                    // torch.load unpickles `data.pkl` whatever it looks like: the sniffer
                    // judges such a name as a pickle when nothing else recognises it.
                    self.visit(&bytes, &at, &e.name, depth + 1);
                }
                Err(err) => self.inconclusive(&at, format, err),
            }
        }
        self.torchscript = outer_torchscript;
        format
    }

    fn tar(&mut self, data: &[u8], location: &str, depth: usize) -> &'static str {
        match tar::members(data, self.options.max_members) {
            Ok(members) => {
                let legacy = members.iter().any(|m| m.name == "pickle")
                    && members.iter().any(|m| m.name == "sys_info");
                for m in members {
                    let at = join(location, &m.name);
                    self.slip(&at, &m.name, m.link.as_deref());
                    let body = &data[m.range];
                    if m.link.is_some() {
                    } else if legacy && (m.name == "storages" || m.name == "tensors") {
                        let a = torch_legacy::records(body, &m.name, &self.options.pickle);
                        self.pickle(&at, "torch-legacy-records", body, a, depth + 1);
                    } else {
                        self.visit(body, &at, &m.name, depth + 1);
                    }
                }
                if legacy { "torch-legacy-tar" } else { "tar" }
            }
            Err(e) => {
                self.inconclusive(location, "tar", format!("cannot read the tar archive: {e}"));
                "tar"
            }
        }
    }

    fn sevenz(&mut self, data: &[u8], location: &str, depth: usize) -> &'static str {
        let total = self
            .options
            .max_total_inflated
            .saturating_sub(self.inflated);
        match sevenz::members(
            data,
            self.options.max_inflated,
            total,
            self.options.max_members,
        ) {
            Ok(members) => {
                for (name, bytes) in members {
                    let at = join(location, &name);
                    self.slip(&at, &name, None);
                    match bytes {
                        Ok(b) => {
                            self.inflated += b.len();
                            self.visit(&b, &at, &name, depth + 1);
                        }
                        Err(e) => self.inconclusive(&at, "7z", e),
                    }
                }
            }
            Err(e) => self.inconclusive(location, "7z", e),
        }
        "7z"
    }
}

/// What a report keeps of a stream's analysis.
fn facts(a: Analysis) -> PickleFacts {
    PickleFacts {
        pickles: a.pickles,
        protocol: a.protocol,
        imports: a.imports,
        calls: a.calls,
        error: a.error.map(|e| PickleError {
            offset: e.offset,
            reason: e.reason,
        }),
    }
}

fn join(location: &str, name: &str) -> String {
    if location.is_empty() {
        name.to_string()
    } else {
        format!("{location}!{name}")
    }
}

/// What a zip archive holds, by its entries' names (labels only: every entry is sniffed).
fn zip_kind(entries: &[zip::Entry]) -> &'static str {
    let has = |suffix: &str| entries.iter().any(|e| e.name.ends_with(suffix));
    if has("constants.pkl") && entries.iter().any(|e| e.name.contains("/code/")) {
        "torchscript"
    } else if has("data.pkl") {
        "torch-zip"
    } else if has("config.json") && has("metadata.json") {
        "keras"
    } else if !entries.is_empty() && entries.iter().all(|e| e.name.ends_with(".npy")) {
        "npz"
    } else {
        "zip"
    }
}

/// A protocol 0 or 1 pickle has no header: it is recognised by parsing (sniffing step 3).
/// The stream counts when it looks up a global whose names are Python identifiers and then
/// finishes a pickle or makes a call — what a payload must do, and what text files do not;
/// or when it looks up a global the policy classes as dangerous, whatever follows (the
/// unpickler has resolved it before any later byte can fail); or, in a file a loader
/// unpickles by its name, when it looks any global up at all.
fn headerless_pickle(
    data: &[u8],
    unpickler: Option<Unpickler>,
    budget: &pickle::Budget,
) -> Option<Analysis> {
    if !sniff::may_start_headerless_pickle(data) {
        return None;
    }
    let a = pickle::analyze(data, budget);
    let identifiers = |s: &str| {
        !s.is_empty()
            && s.split('.').all(|p| {
                p.chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && p.chars().all(|c| c.is_alphanumeric() || c == '_')
            })
    };
    let named = a
        .imports
        .iter()
        .any(|i| identifiers(&i.module) && identifiers(&i.name));
    let dangerous = a.imports.iter().any(|i| {
        matches!(
            policy::classify(&i.module, &i.name),
            policy::Class::Dangerous(_)
        )
    });
    let counts = match unpickler {
        Some(Unpickler::Pickle) => true,
        Some(Unpickler::TorchLoad) => named,
        None => named && (a.pickles > 0 || !a.calls.is_empty()),
    };
    (counts || dangerous).then_some(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_not_a_pickle_but_an_old_protocol_payload_is() {
        let l = Options::default();
        for text in [
            &b"class Foo:\n    pass\n"[..],
            b"cat\ndog\n",
            b"(defun x)",
            b"{\"a\": 1}",
            b"",
        ] {
            assert_eq!(inspect(text, &l).format, "other", "{text:?}");
        }
        let r = inspect(b"cos\nsystem\n(S'id'\ntR.", &l);
        assert_eq!(r.format, "pickle");
        assert_eq!(r.verdict, Judgement::Dangerous);
        // Broken after the call: still a pickle, and still dangerous.
        let r = inspect(b"cposix\nsystem\n(S'id'\ntR\xff", &l);
        assert_eq!(r.verdict, Judgement::Dangerous);
    }

    #[test]
    fn a_broken_old_pickle_naming_a_dangerous_global_is_judged_whatever_its_name() {
        let l = Options::default();
        // Protocol 0: GLOBAL builtins exec, MARK, the code, then a byte that is no opcode,
        // before any call: the unpickler has imported exec by then.
        let broken = b"cbuiltins\nexec\n(Vprint(1)\n\xff";
        for name in ["model.pkl", "notes.txt", ""] {
            let r = inspect_file(broken, name, &l);
            assert_eq!(r.format, "pickle", "{name}");
            assert_eq!(r.verdict, Judgement::Dangerous, "{name}");
        }
        // Naming an unknown global and breaking is not enough without a name that says
        // pickle: text can look like that.
        let unknown = b"cmylib\nLoader\n\xff";
        assert_eq!(inspect_file(unknown, "notes.txt", &l).format, "other");
        // torch.load unpickles a `.bin` that is not a zip: looking a global up counts.
        let r = inspect_file(unknown, "pytorch_model.bin", &l);
        assert_eq!(r.format, "pickle");
        assert_eq!(r.verdict, Judgement::Inconclusive);
        // ... but other binary data under torch's names stays what it is.
        for data in [&b"\x00\x01\x02binary"[..], b"(not a global)", b""] {
            assert_eq!(inspect_file(data, "weights.bin", &l).format, "other");
        }
        // pickle.load unpickles a `.pkl` whatever it holds: content nothing recognises is a
        // pickle that breaks, inconclusive, never "not a payload".
        for data in [&b"not a pickle"[..], b"\x00\x01"] {
            let r = inspect_file(data, "dir/model.pkl", &l);
            assert_eq!(r.format, "pickle", "{data:?}");
            assert_eq!(r.verdict, Judgement::Inconclusive, "{data:?}");
        }
        // An empty one fails to load before anything runs.
        let r = inspect_file(b"", "model.pkl", &l);
        assert_eq!((r.format.as_str(), r.verdict), ("pickle", Judgement::Safe));
        // Magic numbers still come first.
        let r = inspect_file(b"\x80\x04N.", "model.pkl", &l);
        assert_eq!((r.format.as_str(), r.verdict), ("pickle", Judgement::Safe));
    }

    #[test]
    fn wrappers_nest_within_budgets() {
        use std::io::Write;
        let payload = b"\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R.";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(payload).unwrap();
        let gz = gz.finish().unwrap();
        let r = inspect(&gz, &Options::default());
        assert_eq!(r.format, "gzip");
        assert_eq!(r.verdict, Judgement::Dangerous);
        assert_eq!(r.parts[0].location, "[gzip]");
        // Too deep: inconclusive, never clean.
        let mut nested = payload.to_vec();
        for _ in 0..4 {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&nested).unwrap();
            nested = gz.finish().unwrap();
        }
        let shallow = Options {
            max_depth: 2,
            ..Options::default()
        };
        let r = inspect(&nested, &shallow);
        assert_eq!(r.verdict, Judgement::Inconclusive);
        assert!(r.parts[0].reasons[0].contains("deeper than 2"));
        // A bomb: inflating past the cap is inconclusive.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![0u8; 4 << 20]).unwrap();
        let bomb = gz.finish().unwrap();
        let small = Options {
            max_inflated: 1 << 20,
            ..Options::default()
        };
        let r = inspect(&bomb, &small);
        assert_eq!(r.verdict, Judgement::Inconclusive);
        assert!(r.parts[0].reasons[0].contains("more than 1 MiB"));
    }
}
