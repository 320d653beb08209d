//! Signature matching with YARA-X over the code that runs when a model loads and over the
//! strings recovered from its payloads (pickle arguments, templates, configs).
//!
//! The bundled rule pack (`rules/*.yar`, one file per category) is curated for load-time
//! payloads in model repositories: reverse and bind shells, download-and-execute, miners,
//! credential exfiltration, obfuscated execution and techniques of documented malicious
//! models. It is compiled when the crate is built (`build.rs`), loaded once
//! ([`Signatures::bundled`]) and applied to many buffers ([`Signatures::scan`]); nothing
//! scanned is ever executed.
//!
//! Rule metadata convention: `description`, `severity` (`high`/`medium`/`low`) and
//! `category` (`reverse-shell`, `download-exec`, `miner`, `exfiltration`, `obfuscated-exec`,
//! `known-malicious`). Users' rules may omit them (see [`Signatures::with_user_rules`]).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use trustscan_core::Level;

// The pack's sources and how they are compiled, shared with `build.rs`, which compiles them
// ahead of time.
include!("pack.rs");

/// The bundled pack compiled by `build.rs` ([`yara_x::Rules::serialize`], without native code).
const PRECOMPILED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/bundled.yarx"));

/// Categories the bundled rules use.
pub const CATEGORIES: &[&str] = &[
    "reverse-shell",
    "download-exec",
    "miner",
    "exfiltration",
    "obfuscated-exec",
    "known-malicious",
];

/// Wall-clock budget of one scan. YARA-X checks it about once a second, so a scan stops
/// within roughly a second after it.
pub const SCAN_TIMEOUT: Duration = Duration::from_secs(10);

/// Matches kept per pattern (bounds memory on hostile input; conditions that count
/// occurrences use small thresholds).
const MAX_MATCHES_PER_PATTERN: usize = 10_000;

/// Length, in characters, of [`Match::excerpt`].
pub const EXCERPT_CHARS: usize = 120;

/// Characters of context kept before the first match in an excerpt.
const EXCERPT_BEFORE: usize = 40;

/// A compiled rule set: the bundled pack, possibly with users' rules. Share it read-only
/// across threads; each thread keeps its own scanner for it (see [`Signatures::try_scan`]).
pub struct Signatures {
    rules: Arc<yara_x::Rules>,
    /// Identifies this set in the per-thread scanner cache.
    id: u64,
}

/// Source of [`Signatures::id`].
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Scanners kept per thread (one per rule set recently used on the thread).
const CACHED_SCANNERS: usize = 4;

/// A scanner for one rule set, kept by the thread that created it. Creating a YARA-X
/// scanner instantiates a WebAssembly module, which costs far more than scanning a typical
/// source file, so each thread reuses its scanner.
struct CachedScanner {
    // Field order matters: the scanner borrows `rules`, so it is declared (and dropped) first.
    scanner: yara_x::Scanner<'static>,
    id: u64,
    _rules: Arc<yara_x::Rules>,
}

impl CachedScanner {
    fn new(sigs: &Signatures) -> CachedScanner {
        let rules = Arc::clone(&sigs.rules);
        // SAFETY: the scanner borrows the rules inside the `Arc` heap allocation, which does
        // not move and stays alive as long as `_rules`, a field of the same struct that is
        // dropped after `scanner`. The `'static` reference never leaves this struct.
        let borrowed: &'static yara_x::Rules = unsafe { &*Arc::as_ptr(&rules) };
        let mut scanner = yara_x::Scanner::new(borrowed);
        scanner
            .set_timeout(SCAN_TIMEOUT)
            .max_matches_per_pattern(MAX_MATCHES_PER_PATTERN);
        CachedScanner {
            scanner,
            id: sigs.id,
            _rules: rules,
        }
    }
}

thread_local! {
    /// Most recently used first.
    static SCANNERS: RefCell<Vec<CachedScanner>> = const { RefCell::new(Vec::new()) };
}

/// One rule that matched one buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// Rule identifier (`TS_RevShell_DevTcpRedirect`).
    pub rule: String,
    /// `trustscan` for the bundled pack, `user:<file>` for users' rules.
    pub namespace: String,
    /// The rule's `description` metadata (the rule name when absent).
    pub description: String,
    /// The rule's `severity` metadata (`medium` when absent or unknown).
    pub severity: Level,
    /// The rule's `category` metadata (`user` when absent).
    pub category: String,
    /// Byte offset of the rule's first pattern match (0 for rules without patterns).
    pub offset: usize,
    /// At most [`EXCERPT_CHARS`] characters around the first match, on one line, with
    /// control characters, backslashes and invalid UTF-8 escaped.
    pub excerpt: String,
}

impl Signatures {
    fn new(rules: yara_x::Rules) -> Signatures {
        Signatures {
            rules: Arc::new(rules),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The bundled pack, as `build.rs` compiled it when the crate was built (its conditions'
    /// WebAssembly is turned into native code here, a few milliseconds), or compiled from
    /// source if those bytes do not load. Load it once and share it.
    pub fn bundled() -> Result<Signatures, String> {
        Signatures::bundled_precompiled().or_else(|_| Signatures::bundled_from_source())
    }

    /// The bundled pack as `build.rs` compiled it; `Err` when those bytes do not load.
    pub fn bundled_precompiled() -> Result<Signatures, String> {
        yara_x::Rules::deserialize(PRECOMPILED)
            .map(Signatures::new)
            .map_err(|e| format!("the precompiled rule pack does not load: {e}"))
    }

    /// The bundled pack compiled from its sources: about 60 ms in a release build (regular
    /// expressions and atoms take most of it), seconds in an unoptimised one.
    pub fn bundled_from_source() -> Result<Signatures, String> {
        let mut compiler = new_compiler();
        add_bundled(&mut compiler)?;
        Ok(Signatures::new(compiler.build()))
    }

    /// The bundled pack plus every `*.yar`/`*.yara` file under `dir`, recursively, in path
    /// order. Each file gets its own namespace (`user:<path relative to dir>`), so rule names
    /// may repeat across files. Errors name the file and the line.
    ///
    /// Users' rules may omit the metadata convention: a missing description becomes the rule
    /// name, a missing or unknown severity `medium` (`critical` counts as `high`, `info` as
    /// `low`), a missing category `user`. Slow patterns are accepted (with the slowness that
    /// implies); every scan stays bounded by [`SCAN_TIMEOUT`].
    pub fn with_user_rules(dir: &Path) -> Result<Signatures, String> {
        let mut files = Vec::new();
        collect_rule_files(dir, &mut files)?;
        files.sort();
        let mut compiler = new_compiler();
        add_bundled(&mut compiler)?;
        compiler.error_on_slow_pattern(false);
        compiler.error_on_slow_loop(false);
        for path in &files {
            let text = std::fs::read(path)
                .map_err(|e| format!("{}: cannot read the rule file: {e}", path.display()))?;
            let text = String::from_utf8(text)
                .map_err(|_| format!("{}: the rule file is not UTF-8 text", path.display()))?;
            let rel = path.strip_prefix(dir).unwrap_or(path);
            compiler.new_namespace(&format!("user:{}", rel.display()));
            let origin = path.display().to_string();
            compiler
                .add_source(yara_x::SourceCode::from(text.as_str()).with_origin(origin.as_str()))
                .map_err(|e| one_line_error(&origin, &e.to_string()))?;
        }
        Ok(Signatures::new(compiler.build()))
    }

    /// Matches in one buffer (a file's bytes, a string recovered from a pickle, a template),
    /// sorted by offset then rule. Never panics; a scan that exceeds [`SCAN_TIMEOUT`] returns
    /// no matches — use [`Signatures::try_scan`] to tell that apart from a clean buffer.
    pub fn scan(&self, data: &[u8]) -> Vec<Match> {
        self.try_scan(data).unwrap_or_default()
    }

    /// Like [`Signatures::scan`], but a scan that could not finish (timeout) is an error with
    /// one sentence saying why, so callers can report the buffer as inconclusive.
    ///
    /// The scan runs on this thread's cached scanner for this rule set (created on first use).
    pub fn try_scan(&self, data: &[u8]) -> Result<Vec<Match>, String> {
        SCANNERS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut cache) => {
                let at = match cache.iter().position(|c| c.id == self.id) {
                    Some(at) => at,
                    None => {
                        cache.truncate(CACHED_SCANNERS - 1);
                        cache.push(CachedScanner::new(self));
                        cache.len() - 1
                    }
                };
                // Most recently used first.
                let entry = cache.remove(at);
                cache.insert(0, entry);
                scan_with(&mut cache[0].scanner, data)
            }
            // Not reachable (scanning calls back into nothing of ours); stay correct anyway.
            Err(_) => scan_with(&mut CachedScanner::new(self).scanner, data),
        })
    }

    /// Rule count (for reports).
    pub fn len(&self) -> usize {
        self.rules.iter().len()
    }

    /// True when there are no rules (never for a set that includes the bundled pack).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// (namespace, rule, description, severity, category) of every rule, in compilation
    /// order (for `trustscan rules`-style listings and tests).
    pub fn rules(&self) -> Vec<RuleInfo> {
        self.rules
            .iter()
            .map(|r| {
                let meta = Meta::of(&r);
                RuleInfo {
                    rule: r.identifier().to_string(),
                    namespace: r.namespace().to_string(),
                    description: meta.description,
                    severity: meta.severity,
                    category: meta.category,
                    severity_text: meta.severity_text,
                }
            })
            .collect()
    }
}

/// Description of one compiled rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub rule: String,
    pub namespace: String,
    pub description: String,
    pub severity: Level,
    pub category: String,
    /// The `severity` metadata as written (empty when absent), to check the convention.
    pub severity_text: String,
}

impl Drop for Signatures {
    fn drop(&mut self) {
        // Release this thread's scanner now; other threads release theirs when they scan
        // with other rule sets or exit.
        let _ = SCANNERS.try_with(|cell| {
            if let Ok(mut cache) = cell.try_borrow_mut() {
                cache.retain(|c| c.id != self.id);
            }
        });
    }
}

fn scan_with(scanner: &mut yara_x::Scanner<'_>, data: &[u8]) -> Result<Vec<Match>, String> {
    let results = match scanner.scan(data) {
        Ok(r) => r,
        Err(yara_x::ScanError::Timeout) => {
            return Err(format!(
                "the signature scan stopped after its {} s budget",
                SCAN_TIMEOUT.as_secs()
            ));
        }
        Err(e) => return Err(format!("the signature scan failed: {e}")),
    };
    let mut out: Vec<Match> = results
        .matching_rules()
        .map(|rule| to_match(&rule, data))
        .collect();
    out.sort_by(|a, b| (a.offset, &a.namespace, &a.rule).cmp(&(b.offset, &b.namespace, &b.rule)));
    Ok(out)
}

/// Compiler warnings on the bundled pack (slow patterns, suspicious conditions), rendered
/// one per line. The pack ships with none; a test keeps it that way.
pub fn bundled_warnings() -> Vec<String> {
    let mut compiler = new_compiler();
    if let Err(e) = add_bundled(&mut compiler) {
        return vec![e];
    }
    compiler
        .warnings()
        .iter()
        .map(|w| w.to_string().replace('\n', " | "))
        .collect()
}

/// `*.yar` / `*.yara` files under `dir`, recursively (symbolic links to directories are not
/// followed, so a link cycle cannot loop).
fn collect_rule_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot list the rule directory: {e}", dir.display()))?;
    for entry in entries {
        let entry =
            entry.map_err(|e| format!("{}: cannot list the rule directory: {e}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("{}: cannot read the file type: {e}", path.display()))?;
        if kind.is_dir() {
            collect_rule_files(&path, out)?;
        } else if path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| x.eq_ignore_ascii_case("yar") || x.eq_ignore_ascii_case("yara"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// YARA-X renders errors as a multi-line report (`error[E001]: title`, ` --> file:line:col`,
/// then a source excerpt). Keep one line: `file:line:col: error[E001]: title`.
struct Meta {
    description: String,
    severity: Level,
    severity_text: String,
    category: String,
}

impl Meta {
    fn of(rule: &yara_x::Rule<'_, '_>) -> Meta {
        let mut description = None;
        let mut severity_text = String::new();
        let mut category = None;
        for (key, value) in rule.metadata() {
            let text = match value {
                yara_x::MetaValue::String(s) => s.to_string(),
                yara_x::MetaValue::Bytes(b) => String::from_utf8_lossy(b.as_ref()).into_owned(),
                yara_x::MetaValue::Integer(i) => i.to_string(),
                yara_x::MetaValue::Float(f) => f.to_string(),
                yara_x::MetaValue::Bool(b) => b.to_string(),
            };
            match key {
                "description" => description = Some(text),
                "severity" => severity_text = text,
                "category" => category = Some(text),
                _ => {}
            }
        }
        let severity = match severity_text.to_ascii_lowercase().as_str() {
            "high" | "critical" => Level::High,
            "low" | "info" | "informational" => Level::Low,
            _ => Level::Medium,
        };
        Meta {
            description: description.unwrap_or_else(|| rule.identifier().to_string()),
            severity,
            severity_text,
            category: category.unwrap_or_else(|| "user".to_string()),
        }
    }
}

fn to_match(rule: &yara_x::Rule<'_, '_>, data: &[u8]) -> Match {
    let meta = Meta::of(rule);
    // The first match of the rule's main patterns; context patterns are `private` in the
    // pack and only count when the rule matched through them alone.
    let earliest = |patterns: yara_x::Patterns<'_, '_>| {
        patterns
            .filter_map(|p| p.matches().map(|m| m.range()).min_by_key(|r| r.start))
            .min_by_key(|r| r.start)
    };
    let first =
        earliest(rule.patterns()).or_else(|| earliest(rule.patterns().include_private(true)));
    let (offset, excerpt) = match first {
        Some(range) => (range.start, excerpt(data, range.start)),
        None => (0, String::new()),
    };
    Match {
        rule: rule.identifier().to_string(),
        namespace: rule.namespace().to_string(),
        description: meta.description,
        severity: meta.severity,
        category: meta.category,
        offset,
        excerpt,
    }
}

/// Up to [`EXCERPT_CHARS`] escaped characters: at most [`EXCERPT_BEFORE`] of context before
/// `at`, the rest from `at` on.
fn excerpt(data: &[u8], at: usize) -> String {
    let at = at.min(data.len());
    // 4 bytes per character is enough raw input for any escaped character count.
    let before_raw = &data[at.saturating_sub(EXCERPT_BEFORE * 4)..at];
    let after_raw = &data[at..data.len().min(at + EXCERPT_CHARS * 4)];
    let before: Vec<String> = escape_units(before_raw);
    let after: Vec<String> = escape_units(after_raw);
    let mut out = String::new();
    let mut used = 0;
    // Context before: the last units that fit in EXCERPT_BEFORE characters.
    let mut keep = 0;
    let mut width = 0;
    for unit in before.iter().rev() {
        let w = unit.chars().count();
        if width + w > EXCERPT_BEFORE {
            break;
        }
        width += w;
        keep += 1;
    }
    for unit in &before[before.len() - keep..] {
        out.push_str(unit);
        used += unit.chars().count();
    }
    for unit in &after {
        let w = unit.chars().count();
        if used + w > EXCERPT_CHARS {
            break;
        }
        out.push_str(unit);
        used += w;
    }
    out
}

/// The buffer as display units: a printable character as itself; `\n`, `\r`, `\t`, `\\` as
/// two-character escapes; other control characters as `\u{..}`; bytes that are not UTF-8 as
/// `\xNN`. The first and last characters of a raw window may be cut UTF-8 sequences; they
/// come out as `\xNN`, which is honest about what the window holds.
fn escape_units(raw: &[u8]) -> Vec<String> {
    let mut units = Vec::with_capacity(raw.len());
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            units.push(match c {
                '\n' => "\\n".to_string(),
                '\r' => "\\r".to_string(),
                '\t' => "\\t".to_string(),
                '\\' => "\\\\".to_string(),
                c if c.is_control() => format!("\\u{{{:x}}}", c as u32),
                c => c.to_string(),
            });
        }
        for b in chunk.invalid() {
            units.push(format!("\\x{b:02x}"));
        }
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_bounded_single_line_and_escaped() {
        let mut data = vec![b'a'; 1000];
        data[500..510].copy_from_slice(b"X\n\t\\\x00\xff\xfeYZW");
        let e = excerpt(&data, 500);
        assert!(e.chars().count() <= EXCERPT_CHARS);
        assert!(!e.contains('\n'));
        assert!(e.starts_with(&"a".repeat(EXCERPT_BEFORE)));
        assert!(e.contains("X\\n\\t\\\\\\u{0}\\xff\\xfeYZW"), "{e}");
        assert_eq!(excerpt(b"", 0), "");
        assert_eq!(excerpt(b"abc", 3), "abc");
        // Wide escapes never push the excerpt past its bound.
        let e = excerpt(&[0u8; 1000], 500);
        assert!(e.chars().count() <= EXCERPT_CHARS, "{e}");
    }

    #[test]
    fn one_line_errors_name_file_and_line() {
        let report = "error[E001]: syntax error\n --> /x/r.yar:3:5\n  |\n3 | foo\n  | ^^^\n";
        assert_eq!(
            one_line_error("/x/r.yar", report),
            "/x/r.yar:3:5: error[E001]: syntax error"
        );
    }
}
