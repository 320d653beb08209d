//! The trustscan command line: parse arguments, open targets, plan, render, exit.

mod check;
mod code;
mod gate;
mod payloads;
mod signatures;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use trustscan_core::LoadPlan;
use trustscan_payload::policy::Verdict as PayloadVerdict;
use trustscan_report::{Scan, Verdict};
use trustscan_source::{OpenOptions, Target};

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
    allow: payloads::AllowArgs,
}

#[derive(clap::Args)]
struct Args {
    /// Directories (a checkout, a Hugging Face cache entry `models--org--name` or one of its
    /// `snapshots/<commit>`, a ModelScope or OpenCSG download) or cached hub repositories
    /// (`hf:org/name[@rev]`, `ms:owner/name[@rev]`, `csg:owner/name`, `gh:owner/repo[@ref]`).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Revision (branch, tag or commit) to read inside a cache entry; default `main`
    /// (`master` for ModelScope).
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
    allow: payloads::AllowArgs,
    /// Add the YARA rules (`*.yar`, `*.yara`) under this directory to the bundled pack.
    #[arg(long, value_name = "DIR")]
    yara_rules: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Shown {
    Reached,
    All,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (args, scan) = match &cli.command {
        Command::Plan(a) => (a, None),
        Command::Scan(a) => (&a.common, Some(a)),
        Command::Check(a) => return check_command(a),
        Command::Rules { id } => return rules_command(id.as_deref()),
    };
    let options = trustscan_load::PlanOptions {
        hf_cache: args
            .hf_cache
            .clone()
            .or_else(|| Some(trustscan_source::hf_hub_cache_dir())),
    };
    let open_options = OpenOptions {
        revision: args.revision.clone(),
        max_files: args.max_files,
        hf_cache: args.hf_cache.clone(),
    };
    let payload_options = match scan.map(|s| s.allow.options()) {
        Some(Err(e)) => {
            eprintln!("trustscan: {e}");
            return ExitCode::from(exit::ERROR);
        }
        Some(Ok(o)) => o,
        None => Default::default(),
    };
    let sigs = match scan.map(|s| match &s.yara_rules {
        Some(dir) => trustscan_signatures::Signatures::with_user_rules(dir),
        None => trustscan_signatures::Signatures::bundled(),
    }) {
        Some(Err(e)) => {
            eprintln!("trustscan: signatures: {e}");
            return ExitCode::from(exit::ERROR);
        }
        Some(Ok(s)) => Some(s),
        None => None,
    };
    let engine = scan.map(|s| {
        trustscan_python::Engine::new(trustscan_python::Options {
            honor_nosec: s.honor_nosec,
            honor_noqa: s.honor_noqa,
            ..Default::default()
        })
    });
    let mut scans: Vec<Scan> = Vec::new();
    let mut had_error = false;
    for text in &args.targets {
        let opened = Target::parse(text)
            .map_err(|e| e.to_string())
            .and_then(|t| trustscan_source::open(&t, &open_options).map_err(|e| e.to_string()));
        match opened {
            Ok(snapshot) => {
                let clock = std::time::Instant::now();
                let plan = trustscan_load::plan(text, snapshot.as_ref(), &options);
                let threads = scan
                    .and_then(|s| s.jobs)
                    .unwrap_or_else(trustscan_python::default_threads);
                let planned = clock.elapsed();
                let (code, payloads) = match &engine {
                    Some(engine) => {
                        let mut code = code::analyse(engine, &plan, snapshot.as_ref(), threads);
                        let analysed = clock.elapsed();
                        let p = payloads::scan(&plan, snapshot.as_ref(), threads, &payload_options);
                        if let Some(sigs) = &sigs {
                            code.findings.extend(signatures::scan(
                                sigs,
                                &plan,
                                snapshot.as_ref(),
                                &p,
                                threads,
                            ));
                            trustscan_python::sort_findings(&mut code.findings);
                        }
                        if std::env::var_os("TRUSTSCAN_TIMINGS").is_some() {
                            eprintln!(
                                "trustscan: {text}: plan {planned:?}, code {:?}, payloads and \
                                 signatures {:?}",
                                analysed - planned,
                                clock.elapsed() - analysed
                            );
                        }
                        (Some(code), p)
                    }
                    None => (None, Vec::new()),
                };
                scans.push(Scan {
                    plan,
                    code,
                    payloads,
                });
            }
            Err(e) => {
                had_error = true;
                eprintln!("trustscan: {text}: {e}");
            }
        }
    }
    let rendered = match (args.format, scan) {
        (Format::Markdown | Format::Sarif | Format::Html, None) => {
            eprintln!(
                "trustscan: --format markdown, html and sarif are for scan (sarif also for check)"
            );
            return ExitCode::from(exit::ERROR);
        }
        (Format::Sarif, Some(_)) => sarif(
            scans
                .iter()
                .map(|s| trustscan_report::SarifTarget {
                    root: &s.plan.target,
                    verdict: Some(trustscan_report::verdict(s)),
                    findings: s.code.iter().flat_map(|c| c.findings.iter()).collect(),
                    payloads: &s.payloads,
                })
                .collect(),
        ),
        (Format::Markdown, Some(a)) => trustscan_report::render_scans_markdown(
            &scans,
            trustscan_report::FindingView {
                all: matches!(a.findings, Shown::All),
                min_severity: a.min_severity.into(),
            },
        ),
        (Format::Html, Some(a)) => trustscan_report::render_scans_html(
            &scans,
            trustscan_report::FindingView {
                all: matches!(a.findings, Shown::All),
                min_severity: a.min_severity.into(),
            },
        ),
        (Format::Json, None) => {
            let plans: Vec<LoadPlan> = scans.iter().map(|s| s.plan.clone()).collect();
            trustscan_report::render_plans_json(&plans)
        }
        (Format::Json, Some(_)) => trustscan_report::render_scans_json(&scans),
        (Format::Text, None) => scans
            .iter()
            .map(|s| trustscan_report::render_plan_text(&s.plan))
            .collect::<Vec<_>>()
            .join("\n"),
        (Format::Text, Some(a)) => {
            let view = trustscan_report::FindingView {
                all: matches!(a.findings, Shown::All),
                min_severity: a.min_severity.into(),
            };
            scans
                .iter()
                .map(|s| trustscan_report::render_scan_text(s, view))
                .collect::<Vec<_>>()
                .join("")
        }
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(rendered.as_bytes()).is_err() {
        // A closed pipe (`| head`) is not an error worth a message.
        return ExitCode::from(exit::ERROR);
    }
    let code = if had_error {
        exit::ERROR
    } else if let Some(a) = scan {
        let mut outcome = gate::Outcome::default();
        for s in &scans {
            outcome.merge(scan_outcome(s));
        }
        gate::exit_code(&outcome, &a.gate)
    } else if scans.iter().any(|s| s.plan.is_inconclusive()) {
        exit::INCONCLUSIVE
    } else {
        exit::CLEAN
    };
    ExitCode::from(code)
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

/// What a scan means for gating.
fn scan_outcome(s: &Scan) -> gate::Outcome {
    let (v, _) = trustscan_report::verdict(s);
    let payload = |v| s.payloads.iter().any(|p| p.report.verdict == v);
    gate::Outcome {
        dangerous: v == Verdict::Dangerous,
        review: v == Verdict::Review,
        inconclusive: v == Verdict::Inconclusive
            || s.plan.is_inconclusive()
            || payload(PayloadVerdict::Inconclusive),
        suspicious_payload: payload(PayloadVerdict::Suspicious),
        findings: s
            .code
            .iter()
            .flat_map(|c| c.findings.iter())
            .map(|f| (f.severity, Some(f.reachability)))
            .collect(),
    }
}

fn check_command(args: &CheckArgs) -> ExitCode {
    if matches!(args.format, Format::Markdown | Format::Html) {
        eprintln!("trustscan: --format markdown and html are for scan");
        return ExitCode::from(exit::ERROR);
    }
    let payload_options = match args.allow.options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("trustscan: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    let mut options = match &args.bandit_config {
        Some(path) => match check::bandit_options(path, args.honor_nosec) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("trustscan: {e}");
                return ExitCode::from(exit::ERROR);
            }
        },
        None => trustscan_python::Options {
            honor_nosec: args.honor_nosec,
            ..Default::default()
        },
    };
    options.honor_noqa = args.honor_noqa;
    if !args.select.is_empty() {
        options.select = Some(args.select.iter().cloned().collect());
    }
    options.ignore.extend(args.ignore.iter().cloned());
    let check::Discovered {
        python: mut files,
        other,
        named,
        errors,
    } = check::discover(&args.paths);
    for e in &errors {
        eprintln!("trustscan: {e}");
    }
    let threads = args.jobs.unwrap_or_else(trustscan_python::default_threads);
    // Every other file is judged by content; those named directly that are no payload
    // format are read as Python, as `bandit` reads any file it is given.
    let mut payloads = Vec::new();
    for (path, judged) in other
        .iter()
        .zip(payloads::parallel_map(&other, threads, |p| {
            check::judge(p, &payload_options)
        }))
    {
        match judged {
            Some(p) if p.report.is_payload() => payloads.push(p),
            _ if named.contains(path) => files.push(path.clone()),
            _ => {}
        }
    }
    let flagged = |p: &&trustscan_report::PayloadFile| {
        matches!(
            p.report.verdict,
            PayloadVerdict::Suspicious | PayloadVerdict::Dangerous
        )
    };
    files.sort();
    // Building the rule engine costs milliseconds: only when there is Python to check.
    let reports = if files.is_empty() {
        Vec::new()
    } else {
        check::run(&trustscan_python::Engine::new(options), &files, threads)
    };
    let total: usize = reports.iter().map(|(_, r)| r.findings.len()).sum::<usize>()
        + payloads.iter().filter(flagged).count();
    let out = match args.format {
        Format::Sarif => sarif(vec![trustscan_report::SarifTarget {
            root: "",
            verdict: None,
            findings: reports
                .iter()
                .flat_map(|(_, r)| r.findings.iter())
                .collect(),
            payloads: &payloads,
        }]),
        Format::Json => {
            let files: Vec<serde_json::Value> = reports
                .iter()
                .map(|(path, r)| {
                    serde_json::json!({
                        "path": path,
                        "findings": r.findings,
                        "notes": r.notes,
                        "nosec": r.nosec,
                        "skipped_tests": r.skipped_tests,
                    })
                })
                .collect();
            let doc = serde_json::json!({
                "schema": "trustscan.check/1",
                "files": files,
                "payloads": payloads.iter().map(trustscan_report::payload_json).collect::<Vec<_>>(),
            });
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
        // Markdown and HTML were refused above.
        Format::Text | Format::Markdown | Format::Html => {
            let mut s = String::new();
            for (path, r) in &reports {
                for f in &r.findings {
                    s.push_str(&format!(
                        "{}:{}:{}: {} {} [{} severity, {} confidence, CWE-{}] {}\n    {}\n",
                        path,
                        f.location.line,
                        f.location.column,
                        f.rule,
                        f.name,
                        f.severity,
                        f.confidence,
                        f.cwe,
                        f.message,
                        f.snippet.trim()
                    ));
                }
                for n in &r.notes {
                    s.push_str(&format!("{path}: note: {n}\n"));
                }
            }
            for p in &payloads {
                trustscan_report::payload_text(&mut s, p, "");
            }
            s.push_str(&format!(
                "{total} findings in {} files\n",
                reports.len() + payloads.len()
            ));
            s
        }
    };
    if std::io::stdout().lock().write_all(out.as_bytes()).is_err() {
        return ExitCode::from(exit::ERROR);
    }
    if !errors.is_empty() {
        return ExitCode::from(exit::ERROR);
    }
    let payload = |v| payloads.iter().any(|p| p.report.verdict == v);
    let outcome = gate::Outcome {
        dangerous: payload(PayloadVerdict::Dangerous),
        review: total > 0,
        inconclusive: reports.iter().any(|(_, r)| !r.notes.is_empty())
            || payload(PayloadVerdict::Inconclusive),
        suspicious_payload: payload(PayloadVerdict::Suspicious),
        // `check` computes no reachability: every finding counts.
        findings: reports
            .iter()
            .flat_map(|(_, r)| r.findings.iter())
            .map(|f| (f.severity, None))
            .collect(),
    };
    ExitCode::from(gate::exit_code(&outcome, &args.gate))
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
