//! Configuration: `trustscan.toml`, or `[tool.trustscan]` in `pyproject.toml`, found from the
//! working directory upward (the first directory holding either wins, as ruff finds its
//! configuration), or named with `--config`. Command-line flags win over it.
//!
//! `scan` does not read a configuration it discovers inside a scanned target: the author of a
//! downloaded repository would otherwise decide what the scan of their repository reports.
//! Naming it with `--config` (the user's own repository, in pre-commit or CI) reads it.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use trustscan_core::PayloadFile;
use trustscan_core::{CodeAtLoad, Finding, Level};

#[derive(clap::Args, Clone, Debug, Default)]
pub struct ConfigArgs {
    /// Read the configuration from this file (`trustscan.toml`, or a `pyproject.toml` with a
    /// `[tool.trustscan]` table) instead of searching from the working directory up.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Read no configuration file.
    #[arg(long)]
    pub no_config: bool,
    /// Suppress the findings and payloads recorded in this baseline file (by fingerprint).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every finding and every payload that is not safe in this baseline file, then
    /// exit 0 (findings the configuration already drops are not recorded).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

/// The settings a configuration file can hold (kebab-case keys, as in the README).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Keep only findings whose rule ID starts with one of these (`B6`, `TS1`, `TS_`).
    #[serde(default)]
    pub select: Vec<String>,
    /// Drop findings whose rule ID starts with one of these.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Rule ID -> severity.
    #[serde(default)]
    pub severity: BTreeMap<String, crate::Severity>,
    /// fnmatch patterns: findings and payload files in matching paths are dropped, and
    /// `check` skips matching files.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Pickle globals allowed besides the built-in allowlist (as `--allow-global`).
    #[serde(default)]
    pub allow_globals: Vec<String>,
    pub allowlist: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub yara_rules: Option<PathBuf>,
    pub fail_on: Option<crate::Severity>,
    pub fail_on_reachability: Option<crate::gate::ReachGate>,
    pub strict: Option<bool>,
    pub inconclusive: Option<crate::gate::OnInconclusive>,
    pub fail_on_code: Option<bool>,
    pub honor_nosec: Option<bool>,
    pub honor_noqa: Option<bool>,
}

/// A configuration and the file it came from (paths in it are relative to that file).
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Config,
    pub file: Option<PathBuf>,
}

impl Loaded {
    /// A path from the configuration, relative to the file's directory.
    pub fn path(&self, p: &Path) -> PathBuf {
        match self.file.as_deref().and_then(Path::parent) {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p.to_path_buf(),
        }
    }

    /// `Err` when `select` or `ignore` holds a prefix no rule ID starts with (`user`: the
    /// user's signatures, whose names count too).
    pub fn check_rule_ids(
        &self,
        user: Option<&trustscan_signatures::Signatures>,
    ) -> Result<(), String> {
        let c = &self.config;
        if c.select.is_empty() && c.ignore.is_empty() && c.severity.is_empty() {
            return Ok(());
        }
        let known = crate::rule_ids::KnownIds::new(user)?;
        let place = |key: &str| match &self.file {
            Some(f) => format!("{key} in {}", f.display()),
            None => key.to_string(),
        };
        known.check_prefixes(&place("select"), &c.select)?;
        known.check_prefixes(&place("ignore"), &c.ignore)?;
        let rated: Vec<String> = c.severity.keys().cloned().collect();
        known.check_ids(&place("severity"), &rated)
    }

    /// What the audit drops, re-rates and suppresses: rule selection and ignores, severity
    /// overrides and excludes from the configuration, the fingerprints of `baseline`.
    pub fn filters(&self, baseline: Option<&Baseline>) -> trustscan_audit::Filters {
        let c = &self.config;
        trustscan_audit::Filters {
            select: c.select.clone(),
            ignore: c.ignore.clone(),
            severity: c
                .severity
                .iter()
                .map(|(rule, s)| (rule.clone(), Level::from(*s)))
                .collect(),
            exclude: c.exclude.clone(),
            suppressed: baseline.map(|b| b.fingerprints.clone()).unwrap_or_default(),
        }
    }
}

/// Read the configuration `args` names, or the one found from the working directory up.
/// `targets`: directories being scanned, whose own configuration files are not read unless
/// named.
pub fn load(args: &ConfigArgs, targets: &[PathBuf]) -> Result<Loaded, String> {
    if args.no_config {
        return Ok(Loaded::default());
    }
    if let Some(file) = &args.config {
        return read(file)?
            .map(|config| Loaded {
                config,
                file: Some(file.clone()),
            })
            .ok_or_else(|| format!("{}: no [tool.trustscan] table", file.display()));
    }
    let cwd = std::env::current_dir().map_err(|e| format!("working directory: {e}"))?;
    let targets: Vec<PathBuf> = targets
        .iter()
        .filter_map(|t| std::fs::canonicalize(t).ok())
        .collect();
    for dir in cwd.ancestors() {
        for name in ["trustscan.toml", "pyproject.toml"] {
            let file = dir.join(name);
            if !file.is_file() {
                continue;
            }
            if targets.iter().any(|t| dir.starts_with(t)) {
                eprintln!(
                    "trustscan: not reading {}: it is inside a scanned target (name it with \
                     --config if it is yours)",
                    file.display()
                );
                return Ok(Loaded::default());
            }
            if let Some(config) = read(&file)? {
                return Ok(Loaded {
                    config,
                    file: Some(file),
                });
            }
        }
    }
    Ok(Loaded::default())
}

/// A file's configuration: the whole of a `trustscan.toml`, the `[tool.trustscan]` table of a
/// `pyproject.toml` (`None` without one).
fn read(file: &Path) -> Result<Option<Config>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let bad = |e: toml::de::Error| format!("{}: {e}", file.display());
    if file.file_name().is_some_and(|n| n == "pyproject.toml") {
        let doc: toml::Table = toml::from_str(&text).map_err(bad)?;
        match doc.get("tool").and_then(|t| t.get("trustscan")) {
            Some(table) => {
                Ok(Some(Config::deserialize(table.clone()).map_err(|e| {
                    format!("{}: [tool.trustscan]: {e}", file.display())
                })?))
            }
            None => Ok(None),
        }
    } else {
        toml::from_str(&text).map(Some).map_err(bad)
    }
}

/// Fingerprints to suppress: `trustscan.baseline/1` files that `--write-baseline` writes.
#[derive(Debug, Default)]
pub struct Baseline {
    pub file: PathBuf,
    pub fingerprints: std::collections::BTreeSet<String>,
}

pub const BASELINE_SCHEMA: &str = "trustscan.baseline/1";

impl Loaded {
    /// The baseline `--baseline` or the configuration names, read.
    pub fn baseline(&self, args: &ConfigArgs) -> Result<Option<Baseline>, String> {
        let file = args
            .baseline
            .clone()
            .or_else(|| self.config.baseline.as_deref().map(|p| self.path(p)));
        file.map(Baseline::read).transpose()
    }
}

impl Baseline {
    pub fn read(file: PathBuf) -> Result<Baseline, String> {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        if doc["schema"] != BASELINE_SCHEMA {
            return Err(format!(
                "{}: not a trustscan baseline (no \"schema\": \"{BASELINE_SCHEMA}\")",
                file.display()
            ));
        }
        let mut fingerprints = std::collections::BTreeSet::new();
        for key in ["findings", "payloads", "code"] {
            for entry in doc[key].as_array().into_iter().flatten() {
                match entry["fingerprint"].as_str() {
                    Some(f) => fingerprints.insert(f.to_string()),
                    None => {
                        return Err(format!(
                            "{}: a {key} entry has no fingerprint",
                            file.display()
                        ));
                    }
                };
            }
        }
        Ok(Baseline { file, fingerprints })
    }

    /// Say on standard error how much the baseline suppressed.
    pub fn report_suppressed(&self, n: usize) {
        if n > 0 {
            eprintln!(
                "trustscan: {n} findings and payloads suppressed by the baseline {}",
                self.file.display()
            );
        }
    }
}

/// Write the baseline `--write-baseline` names.
pub fn write_baseline<'a>(
    file: &Path,
    findings: impl Iterator<Item = &'a Finding>,
    payloads: impl Iterator<Item = &'a PayloadFile>,
    code: impl Iterator<Item = &'a CodeAtLoad>,
) -> Result<(), String> {
    std::fs::write(file, baseline_json(findings, payloads, code))
        .map_err(|e| format!("{}: {e}", file.display()))?;
    eprintln!("trustscan: wrote the baseline {}", file.display());
    Ok(())
}

/// A baseline document recording these findings, the payloads that are not safe and the code
/// loading runs, sorted so that the file is stable under version control.
fn baseline_json<'a>(
    findings: impl Iterator<Item = &'a Finding>,
    payloads: impl Iterator<Item = &'a PayloadFile>,
    code: impl Iterator<Item = &'a CodeAtLoad>,
) -> String {
    let mut f: Vec<serde_json::Value> = findings
        .map(|f| {
            serde_json::json!({
                "fingerprint": f.fingerprint,
                "rule": f.rule,
                "file": f.location.file,
                "line": f.location.line,
            })
        })
        .collect();
    let mut p: Vec<serde_json::Value> = payloads
        .filter(|p| p.verdict != trustscan_core::Judgement::Safe)
        .map(|p| {
            serde_json::json!({
                "fingerprint": p.fingerprint(),
                "file": p.path,
                "verdict": p.verdict.word(),
            })
        })
        .collect();
    let key = |v: &serde_json::Value| (v["file"].to_string(), v["fingerprint"].to_string());
    f.sort_by_key(key);
    f.dedup();
    p.sort_by_key(key);
    p.dedup();
    let mut c: Vec<serde_json::Value> = code
        .map(|c| serde_json::json!({"fingerprint": c.fingerprint, "kind": c.kind, "subject": c.subject}))
        .collect();
    c.sort_by_key(|v| (v["subject"].to_string(), v["fingerprint"].to_string()));
    c.dedup();
    let mut doc = serde_json::json!({
        "schema": BASELINE_SCHEMA,
        "findings": f,
        "payloads": p,
    });
    if !c.is_empty() {
        doc["code"] = c.into();
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
