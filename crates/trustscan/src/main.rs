//! The trustscan command line: flags and configuration in, the audit library's results
//! rendered out, exit codes that gate CI.

mod allow;
mod bandit;
mod cache;
mod config;
mod gate;
mod progress;
mod remote;
mod rule_ids;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use trustscan_audit::{Analyses, Auditor, OpenSettings, PendingSignatures, Scan};
use trustscan_core::{Judgement, LoadPlan};

// The analysis allocates many small strings and tree nodes on two threads; mimalloc makes
// `scan` markedly faster than the system allocator (bench/python_bench.py).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What code runs when you load this model repository, and how dangerous is it?
#[derive(Parser)]
#[command(name = "trustscan", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print, for every loading API that applies, everything loading would execute, install,
    /// fetch or deserialize, each with the chain of reasons that leads to it.
    Plan(Args),
    /// Plan each target, analyse its Python code with reachability from the plan, and print
    /// the verdict, a line per loading API and the findings; the exit code tells safe,
    /// review-needed, inconclusive and dangerous apart.
    Scan(ScanArgs),
    /// Run the Python security rules on files and directories (like `bandit -r`).
    Check(CheckArgs),
    /// List the rules, or explain one (`trustscan rules B602`).
    Rules {
        /// A rule ID to explain.
        id: Option<String>,
    },
    /// List every model in the local Hugging Face and ModelScope caches with its verdict:
    /// what you have already downloaded, and what loading it would do.
    Cache(cache::CacheArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    gate: gate::GateArgs,
    /// Python files, or directories searched for `*.py` and `*.pyw`.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Count `# nosec` comments (off by default: in a model repository the author of the
    /// code being checked wrote them).
    #[arg(long)]
    honor_nosec: bool,
    /// Count `# noqa:` comments naming rules: ruff's `S307` for B307, or `TS101` (a bare
    /// `# noqa` never counts); off by default, as for `# nosec`.
    #[arg(long)]
    honor_noqa: bool,
    /// Only these rule IDs (comma-separated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these rule IDs (comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Bandit-style test selection and plugin settings as JSON (`{"tests": [...], "config":
    /// {"B101": {"skips": [...]}}}`).
    #[arg(long, value_name = "FILE")]
    bandit_config: Option<PathBuf>,
    /// Worker threads (default: every core).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    #[command(flatten)]
    allow: allow::AllowArgs,
    #[command(flatten)]
    config: config::ConfigArgs,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(clap::Args)]
struct Args {
    /// Directories (a checkout, a Hugging Face cache entry `models--org--name` or one of its
    /// `snapshots/<commit>`, a ModelScope or OpenCSG download) or hub repositories
    /// (`hf:org/name[@rev]`, `ms:owner/name[@rev]`, `csg:owner/name[@rev]`,
    /// `gh:owner/repo[@ref]`: the local cache's copy, else read from the hub) or OpenMMLab
    /// models by model-zoo name (`mmlab:mmdet/rtmdet_tiny_8xb32-300e_coco[@ref]`).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Revision (branch, tag or commit) to read, for targets that name none; default `main`
    /// (`master` for ModelScope, the default branch on GitHub).
    #[arg(long)]
    revision: Option<String>,
    /// Hugging Face cache for `hf:` targets and for code that auto_map takes from other
    /// repositories (`org/repo--module.Class`). Default: the cache huggingface_hub uses
    /// (HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub).
    #[arg(long, value_name = "DIR")]
    hf_cache: Option<PathBuf>,
    /// Stop listing a repository after this many files (the plan is then inconclusive).
    #[arg(long, value_name = "N")]
    max_files: Option<usize>,
    #[command(flatten)]
    remote: remote::RemoteArgs,
}

#[derive(clap::Args)]
struct ScanArgs {
    #[command(flatten)]
    common: Args,
    #[command(flatten)]
    gate: gate::GateArgs,
    /// Which findings the text report lists: those in code that runs or is called at load,
    /// or all (JSON always has all).
    #[arg(long, value_enum, default_value_t = Shown::Reached)]
    findings: Shown,
    /// The lowest severity the text report lists.
    #[arg(long, value_enum, default_value_t = Severity::Medium)]
    min_severity: Severity,
    /// Text: also the lines most readers skip (the study's criteria, counts that are zero,
    /// the call graph's size).
    #[arg(long, short)]
    verbose: bool,
    /// Count `# nosec` comments in the repository (off by default: the repository's author
    /// wrote them).
    #[arg(long)]
    honor_nosec: bool,
    /// Count `# noqa:` comments naming rules: ruff's `S307` for B307, or `TS101` (a bare
    /// `# noqa` never counts); off by default, as for `# nosec`.
    #[arg(long)]
    honor_noqa: bool,
    /// Worker threads for the Python and payload analysis (default: every core).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    #[command(flatten)]
    allow: allow::AllowArgs,
    /// Add the YARA rules (`*.yar`, `*.yara`) under this directory to the bundled pack.
    #[arg(long, value_name = "DIR")]
    yara_rules: Option<PathBuf>,
    #[command(flatten)]
    config: config::ConfigArgs,
    /// Colours in the text report: `auto` when standard output is a terminal and `NO_COLOR`
    /// is not set.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            Color::Always => true,
            Color::Never => false,
            // https://no-color.org: any non-empty value turns colours off.
            Color::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Shown {
    Reached,
    All,
}

#[derive(Clone, Copy, Debug, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Severity {
    Low,
    Medium,
    High,
}

impl From<Severity> for trustscan_core::Level {
    fn from(s: Severity) -> Self {
        match s {
            Severity::Low => trustscan_core::Level::Low,
            Severity::Medium => trustscan_core::Level::Medium,
            Severity::High => trustscan_core::Level::High,
        }
    }
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Format {
    Text,
    Json,
    /// `scan` only: for pull-request comments.
    Markdown,
    /// `scan`, `check`: SARIF 2.1.0 for code-scanning services.
    Sarif,
    /// `scan` only: one self-contained HTML document (no script, no fetches).
    Html,
}

/// Exit codes, documented in the README.
mod exit {
    pub const CLEAN: u8 = 0;
    pub const REVIEW: u8 = 1;
    pub const ERROR: u8 = 2;
    pub const INCONCLUSIVE: u8 = 3;
    pub const DANGEROUS: u8 = 4;
    pub const UNRECOGNISED: u8 = 5;
}

fn main() -> ExitCode {
    no_huge_pages();
    let cli = Cli::parse();
    match &cli.command {
        Command::Plan(a) => plan_command(a),
        Command::Scan(a) => scan_command(a),
        Command::Check(a) => check_command(a),
        Command::Rules { id } => rules_command(id.as_deref()),
        Command::Cache(a) => cache::command(a),
    }
}

/// mimalloc asks for transparent huge pages: the kernel then zeroes 2 MiB at a time, most of
/// it never used by the small allocations here. Without them `scan` of the transformers
/// package peaked at ~150 MB instead of ~210 MB (bench/python_bench.py).
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and only sets a flag of
    // this process; a failure (old kernel) leaves things as they were.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Print a message and return the usage-error exit code.
fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("trustscan: {message}");
    ExitCode::from(exit::ERROR)
}

/// Write the report; a closed pipe (`| head`) is not an error worth a message.
fn emit(text: &str) -> bool {
    std::io::stdout().lock().write_all(text.as_bytes()).is_ok()
}

impl Args {
    /// How this command's targets are opened.
    fn open_settings(&self) -> OpenSettings {
        OpenSettings {
            hf_cache: self.hf_cache.clone(),
            revision: self.revision.clone(),
            max_files: self.max_files,
            hub: self.remote.settings(),
        }
    }
}

/// Audit every target; the scans, and whether one could not be audited (its error is printed
/// as it happens).
fn audit_all(auditor: &Auditor, targets: &[String]) -> (Vec<Scan>, bool) {
    let progress = progress::Progress::auto();
    let results = auditor.audit_all(targets, &progress);
    progress.clear();
    match results {
        Ok(results) => {
            let had_error = results.iter().any(Result::is_err);
            (results.into_iter().flatten().collect(), had_error)
        }
        Err(e) => {
            eprintln!("trustscan: {e}");
            (Vec::new(), true)
        }
    }
}

fn plan_command(args: &Args) -> ExitCode {
    if matches!(args.format, Format::Markdown | Format::Sarif | Format::Html) {
        return fail("--format markdown, html and sarif are for scan (sarif also for check)");
    }
    let (scans, had_error) = audit_all(&Auditor::new(args.open_settings(), None), &args.targets);
    let rendered = match args.format {
        Format::Json => {
            let plans: Vec<LoadPlan> = scans.iter().map(|s| s.plan.clone()).collect();
            trustscan_report::render_plans_json(&plans)
        }
        _ => scans
            .iter()
            .map(|s| trustscan_report::render_plan_text(&s.plan))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    if !emit(&rendered) || had_error {
        return ExitCode::from(exit::ERROR);
    }
    if scans.iter().any(|s| s.plan.is_inconclusive()) {
        ExitCode::from(exit::INCONCLUSIVE)
    } else if scans.iter().any(|s| s.plan.apis.is_empty()) {
        ExitCode::from(exit::UNRECOGNISED)
    } else {
        ExitCode::from(exit::CLEAN)
    }
}

/// What `scan` and `cache` share: the analyses with the configuration applied (`filters`:
/// what it drops, re-rates and suppresses).
fn analyses(
    config: &config::Loaded,
    filters: trustscan_audit::Filters,
    allow: &allow::AllowArgs,
    yara_rules: Option<&PathBuf>,
    honor_nosec: bool,
    honor_noqa: bool,
    jobs: Option<usize>,
) -> Result<Analyses, String> {
    let c = &config.config;
    let payload = allow.options(config)?;
    let yara_rules = yara_rules
        .cloned()
        .or_else(|| c.yara_rules.as_deref().map(|p| config.path(p)));
    // A user's rules are compiled now, so a mistake in them stops the run before any work;
    // the bundled pack (compiled when trustscan was built) loads while the first target is
    // planned and analysed.
    let user = yara_rules
        .map(|dir| trustscan_signatures::Signatures::with_user_rules(&dir))
        .transpose()
        .map_err(|e| format!("signatures: {e}"))?;
    config.check_rule_ids(user.as_ref())?;
    let signatures = match user {
        Some(sigs) => PendingSignatures::ready(sigs),
        None => PendingSignatures::spawn(trustscan_signatures::Signatures::bundled),
    };
    let engine = trustscan_python::Engine::new(trustscan_python::Options {
        honor_nosec: honor_nosec || c.honor_nosec == Some(true),
        honor_noqa: honor_noqa || c.honor_noqa == Some(true),
        ..Default::default()
    });
    Ok(Analyses {
        engine,
        payload,
        signatures,
        threads: jobs.unwrap_or_else(trustscan_audit::default_threads),
        filters,
    })
}

fn scan_command(a: &ScanArgs) -> ExitCode {
    let args = &a.common;
    let local: Vec<PathBuf> = args.targets.iter().map(PathBuf::from).collect();
    let config = match config::load(&a.config, &local) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let gate = a.gate.resolve(&config.config);
    // A baseline being written records what the configuration keeps, before any baseline.
    let baseline = match a.config.write_baseline {
        Some(_) => None,
        None => match config.baseline(&a.config) {
            Ok(b) => b,
            Err(e) => return fail(e),
        },
    };
    let filters = config.filters(baseline.as_ref());
    let analyses = match analyses(
        &config,
        filters,
        &a.allow,
        a.yara_rules.as_ref(),
        a.honor_nosec,
        a.honor_noqa,
        a.jobs,
    ) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let auditor = Auditor::new(args.open_settings(), Some(analyses));
    let (scans, had_error) = audit_all(&auditor, &args.targets);
    if let Some(file) = &a.config.write_baseline {
        let findings = scans.iter().flat_map(Scan::findings);
        let payloads = scans.iter().flat_map(|s| &s.payloads);
        let code = scans.iter().flat_map(|s| &s.code_at_load);
        if let Err(e) = config::write_baseline(file, findings, payloads, code) {
            return fail(e);
        }
        return ExitCode::from(if had_error { exit::ERROR } else { exit::CLEAN });
    }
    if let Some(b) = &baseline {
        b.report_suppressed(scans.iter().map(|s| s.suppressed).sum());
    }
    let view = trustscan_report::FindingView {
        all: matches!(a.findings, Shown::All),
        min_severity: a.min_severity.into(),
        color: a.color.enabled(),
        verbose: a.verbose,
    };
    let rendered = match args.format {
        Format::Sarif => sarif(
            scans
                .iter()
                .map(|s| trustscan_report::SarifTarget {
                    root: &s.plan.target,
                    verdict: Some((s.verdict, s.reason.clone())),
                    findings: s.findings().collect(),
                    payloads: &s.payloads,
                })
                .collect(),
        ),
        Format::Markdown => trustscan_report::render_scans_markdown(&scans, view),
        Format::Html => trustscan_report::render_scans_html(&scans, view),
        Format::Json => trustscan_report::render_scans_json(&scans),
        Format::Text => trustscan_report::render_scans_text(&scans, view),
    };
    if !emit(&rendered) || had_error {
        return ExitCode::from(exit::ERROR);
    }
    // Code a baseline records is allowed to run (`--fail-on-code`).
    let allowed = baseline.map(|b| b.fingerprints).unwrap_or_default();
    let mut outcome = gate::Outcome::default();
    for s in &scans {
        outcome.merge(gate::Outcome::of_scan(s, &allowed));
    }
    ExitCode::from(gate::exit_code(&outcome, &gate))
}

/// A SARIF log of the targets, with every Python rule's metadata (SARIF lists them all,
/// not only those that fired).
fn sarif(targets: Vec<trustscan_report::SarifTarget>) -> String {
    let rules: Vec<trustscan_core::RuleInfo> = trustscan_python::Engine::new(Default::default())
        .metas()
        .iter()
        .map(|m| m.info())
        .collect();
    trustscan_report::render_sarif(&trustscan_report::SarifInput {
        tool_version: env!("CARGO_PKG_VERSION"),
        rules: &rules,
        targets,
    })
}

fn check_command(args: &CheckArgs) -> ExitCode {
    if matches!(args.format, Format::Markdown | Format::Html) {
        return fail("--format markdown and html are for scan");
    }
    // `check` is for the user's own code: a configuration found among the paths is theirs.
    let config = match config::load(&args.config, &[]) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let gate = args.gate.resolve(&config.config);
    if args.gate.fail_on_code {
        return fail("--fail-on-code is for scan and cache: check runs no loading API");
    }
    if let Err(e) = config.check_rule_ids(None).and_then(|_| {
        if args.select.is_empty() && args.ignore.is_empty() {
            return Ok(());
        }
        let known = rule_ids::KnownIds::new(None)?;
        known.check_python_ids("--select", &args.select)?;
        known.check_python_ids("--ignore", &args.ignore)
    }) {
        return fail(e);
    }
    let payload = match args.allow.options(&config) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let honor_nosec = args.honor_nosec || config.config.honor_nosec == Some(true);
    let mut rules = match &args.bandit_config {
        Some(path) => match bandit::options(path, honor_nosec) {
            Ok(o) => o,
            Err(e) => return fail(e),
        },
        None => trustscan_python::Options {
            honor_nosec,
            ..Default::default()
        },
    };
    rules.honor_noqa = args.honor_noqa || config.config.honor_noqa == Some(true);
    if !args.select.is_empty() {
        rules.select = Some(args.select.iter().cloned().collect());
    }
    rules.ignore.extend(args.ignore.iter().cloned());
    let baseline = match args.config.write_baseline {
        Some(_) => None,
        None => match config.baseline(&args.config) {
            Ok(b) => b,
            Err(e) => return fail(e),
        },
    };
    let options = trustscan_audit::CheckOptions {
        rules,
        payload,
        threads: args.jobs.unwrap_or_else(trustscan_audit::default_threads),
        filters: config.filters(baseline.as_ref()),
    };
    let progress = progress::Progress::auto();
    let checked = trustscan_audit::check(&args.paths, &options, &progress);
    progress.clear();
    for e in &checked.errors {
        eprintln!("trustscan: {e}");
    }
    let (files, payloads) = (&checked.files, &checked.payloads);
    if let Some(file) = &args.config.write_baseline {
        let findings = files.iter().flat_map(|f| &f.findings);
        if let Err(e) = config::write_baseline(file, findings, payloads.iter(), [].iter()) {
            return fail(e);
        }
        return ExitCode::from(if checked.errors.is_empty() {
            exit::CLEAN
        } else {
            exit::ERROR
        });
    }
    if let Some(b) = &baseline {
        b.report_suppressed(checked.suppressed);
    }
    let out = match args.format {
        Format::Sarif => sarif(vec![trustscan_report::SarifTarget {
            root: "",
            verdict: None,
            findings: files.iter().flat_map(|f| f.findings.iter()).collect(),
            payloads,
        }]),
        Format::Json => trustscan_report::render_check_json(files, payloads),
        // Markdown and HTML were refused above.
        Format::Text | Format::Markdown | Format::Html => {
            trustscan_report::render_check_text(files, payloads, args.color.enabled())
        }
    };
    if !emit(&out) || !checked.errors.is_empty() {
        return ExitCode::from(exit::ERROR);
    }
    if files.is_empty() && payloads.is_empty() {
        eprintln!("trustscan: nothing to check: no Python file and no payload file was found");
    }
    let payload = |v| payloads.iter().any(|p| p.verdict == v);
    let outcome = gate::Outcome {
        dangerous: payload(Judgement::Dangerous),
        review: trustscan_report::check_total(files, payloads) > 0,
        inconclusive: files.iter().any(|f| !f.notes.is_empty()) || payload(Judgement::Inconclusive),
        // Nothing to check is not a pass (a wrong path).
        unrecognised: files.is_empty() && payloads.is_empty(),
        partial_download: false,
        unallowed_code: false,
        suspicious_payload: payload(Judgement::Suspicious),
        // `check` computes no reachability: every finding counts.
        findings: files
            .iter()
            .flat_map(|f| f.findings.iter())
            .map(|f| (f.severity, None))
            .collect(),
    };
    ExitCode::from(gate::exit_code(&outcome, &gate))
}

/// The first sentence of a rule's rationale, for the one-line-per-rule listing.
fn first_sentence(text: &str) -> &str {
    text.find(". ").map_or(text, |i| &text[..=i])
}

fn rules_command(id: Option<&str>) -> ExitCode {
    let engine = trustscan_python::Engine::new(Default::default());
    let metas = engine.metas();
    let mut out = String::new();
    match id {
        None => {
            out.push_str(&format!(
                "{:<6} {:<40} {:<8} {:<8} {:<10} {}\n",
                "ID", "NAME", "CWE", "SEVERITY", "CONFIDENCE", "RATIONALE"
            ));
            for m in &metas {
                out.push_str(&format!(
                    "{:<6} {:<40} CWE-{:<4} {:<8} {:<10} {}\n",
                    m.id,
                    m.name,
                    m.cwe,
                    // Levels print without padding support: pad their text.
                    m.severity.to_string(),
                    m.confidence.to_string(),
                    first_sentence(m.rationale)
                ));
            }
        }
        Some(id) => match metas
            .iter()
            .find(|m| m.id.eq_ignore_ascii_case(id) || m.name == id)
        {
            Some(m) => out.push_str(&format!(
                "{} {}\nCWE-{}, default severity {}, confidence {}\n\n{}\n\nExample:\n    {}\n",
                m.id, m.name, m.cwe, m.severity, m.confidence, m.rationale, m.example
            )),
            None => {
                eprintln!("trustscan: no rule {id}; `trustscan rules` lists them");
                return ExitCode::from(exit::ERROR);
            }
        },
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::from(exit::CLEAN)
}
