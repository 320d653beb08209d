//! The trustscan command line: parse arguments, open targets, plan, render, exit.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use trustscan_core::LoadPlan;
use trustscan_report::Verdict;
use trustscan_source::{OpenOptions, Target};

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
    /// Plan each target and print a verdict line per loading API; the exit code tells clean,
    /// review-needed and inconclusive apart.
    Scan(Args),
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

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Exit codes, documented in the README.
mod exit {
    pub const CLEAN: u8 = 0;
    pub const REVIEW: u8 = 1;
    pub const ERROR: u8 = 2;
    pub const INCONCLUSIVE: u8 = 3;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (args, scan) = match &cli.command {
        Command::Plan(a) => (a, false),
        Command::Scan(a) => (a, true),
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
    let mut plans: Vec<LoadPlan> = Vec::new();
    let mut had_error = false;
    for text in &args.targets {
        let opened = Target::parse(text)
            .map_err(|e| e.to_string())
            .and_then(|t| trustscan_source::open(&t, &open_options).map_err(|e| e.to_string()));
        match opened {
            Ok(snapshot) => plans.push(trustscan_load::plan(text, snapshot.as_ref(), &options)),
            Err(e) => {
                had_error = true;
                eprintln!("trustscan: {text}: {e}");
            }
        }
    }
    let rendered = match (args.format, scan) {
        (Format::Json, _) => trustscan_report::render_plans_json(&plans),
        (Format::Text, false) => plans
            .iter()
            .map(trustscan_report::render_plan_text)
            .collect::<Vec<_>>()
            .join("\n"),
        (Format::Text, true) => plans
            .iter()
            .map(trustscan_report::render_scan_text)
            .collect::<Vec<_>>()
            .join(""),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(rendered.as_bytes()).is_err() {
        // A closed pipe (`| head`) is not an error worth a message.
        return ExitCode::from(exit::ERROR);
    }
    let code = if had_error {
        exit::ERROR
    } else {
        let worst = plans
            .iter()
            .map(|p| {
                if scan {
                    trustscan_report::verdict(p).0
                } else if p.is_inconclusive() {
                    Verdict::Inconclusive
                } else {
                    Verdict::Clean
                }
            })
            .max()
            .unwrap_or(Verdict::Clean);
        match worst {
            Verdict::Clean => exit::CLEAN,
            Verdict::Review => exit::REVIEW,
            Verdict::Inconclusive => exit::INCONCLUSIVE,
        }
    };
    ExitCode::from(code)
}
