//! Plain-text rendering for terminals.

use std::fmt::Write;
use trustscan_core::Scan;
use trustscan_core::{
    ApiPlan, Certainty, CodeReport, EntryPoint, Finding, Gate, Level, LoadPlan, Note, NoteLevel,
    Platform, Reachability, SnapshotInfo, Step, StudyCriterion,
};

/// Steps of a finding's call path shown in text (its start and its end).
const EVIDENCE_SHOWN: usize = 12;

/// The full plan: every API, every step with its reason chain.
pub fn render_plan_text(plan: &LoadPlan) -> String {
    let mut out = String::new();
    header(&mut out, plan);
    if plan.apis.is_empty() {
        let _ = writeln!(
            out,
            "\nNo loading API applies: no config.json, tokenizer or processor config, \
             hubconf.py, configuration.json, model_index.json, modules.json or Python config \
             was recognised."
        );
    }
    for api in &plan.apis {
        render_api(&mut out, api);
    }
    render_notes(&mut out, "Repository notes", &plan.notes);
    out
}

/// Which findings the text report lists (JSON always has all of them).
#[derive(Clone, Copy, Debug)]
pub struct FindingView {
    /// List not-reached findings too (and safe payload files).
    pub all: bool,
    /// Hide findings below this severity.
    pub min_severity: Level,
    /// ANSI colours for the verdict and severities (terminals only).
    pub color: bool,
    /// Also the lines most readers skip: the study's criteria, counts that are zero, the
    /// call graph's size.
    pub verbose: bool,
}

/// `text` in an ANSI colour (`31` red, `33` yellow, ...) when `on`.
fn paint(text: &str, sgr: &str, on: bool) -> String {
    if on {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// A severity word, coloured by level when `on`.
pub fn paint_level(level: Level, on: bool) -> String {
    paint(&level.to_string(), level_sgr(level), on)
}

fn level_sgr(level: Level) -> &'static str {
    match level {
        Level::High => "1;31",
        Level::Medium => "33",
        Level::Low => "36",
    }
}

fn paint_verdict(v: trustscan_core::Verdict, on: bool) -> String {
    let sgr = match v {
        trustscan_core::Verdict::Dangerous => "1;41;97",
        trustscan_core::Verdict::Review => "1;33",
        trustscan_core::Verdict::Inconclusive => "1;35",
        trustscan_core::Verdict::Safe => "1;32",
        trustscan_core::Verdict::Unrecognised => "1;35",
    };
    paint(v.word(), sgr, on)
}

impl FindingView {
    pub fn shows(&self, f: &Finding) -> bool {
        (self.all || f.reachability != Reachability::NotReached) && f.severity >= self.min_severity
    }

    /// The payload files to list: not safe ones (all with `all`), most serious first, then
    /// those loading deserializes.
    pub fn payloads<'p>(
        &self,
        payloads: &'p [trustscan_core::PayloadFile],
    ) -> Vec<&'p trustscan_core::PayloadFile> {
        let mut shown: Vec<&trustscan_core::PayloadFile> = payloads
            .iter()
            .filter(|p| self.all || p.verdict != trustscan_core::Judgement::Safe)
            .collect();
        shown.sort_by_key(|p| (std::cmp::Reverse(p.verdict), p.reachability, &p.path));
        shown
    }
}

/// The scan verdict: the verdict word, one summary line per API, the findings in the code
/// the plan runs, and notes.
pub fn render_scan_text(scan: &Scan, view: FindingView) -> String {
    let (plan, code) = (&scan.plan, scan.code.as_ref());
    let mut out = String::new();
    let (v, reason) = (scan.verdict, &scan.reason);
    let _ = writeln!(
        out,
        "{}  {}  ({reason})",
        paint_verdict(v, view.color),
        plan.target
    );
    if let Some(line) = remote_line(&plan.snapshot) {
        let _ = writeln!(out, "  {line}");
    }
    if plan.apis.is_empty() {
        let _ = writeln!(out, "  no loading API applies to this repository");
    }
    for api in &plan.apis {
        let _ = writeln!(
            out,
            "  {}: {}",
            api.ecosystem.display_name(),
            crate::api_headline(api, scan)
        );
    }
    if view.verbose {
        study_line(&mut out, plan, "  ");
    }
    // The snapshot's own warnings (a symlink out of the repository, a directory of
    // repositories) and every inconclusive note.
    let important: Vec<&Note> = plan
        .notes
        .iter()
        .filter(|n| n.level != NoteLevel::Info)
        .chain(
            plan.apis
                .iter()
                .flat_map(|a| a.notes.iter())
                .filter(|n| n.level == NoteLevel::Inconclusive),
        )
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for n in important.into_iter().filter(|n| seen.insert(*n)) {
        let _ = writeln!(out, "  {}", note_line(n));
    }
    if let Some(code) = code {
        render_code(&mut out, code, view);
    }
    render_payloads(&mut out, scan, view);
    out
}

/// Scans worst first; with several, a summary first: a count per verdict and one line per
/// target with the reason that decided it.
pub fn render_scans_text(scans: &[Scan], view: FindingView) -> String {
    let sorted = crate::summary::worst_first(scans);
    let mut out = String::new();
    if scans.len() > 1 {
        let _ = writeln!(out, "{}", crate::summary::verdict_counts(scans));
        for s in &sorted {
            let _ = writeln!(
                out,
                "  {:<12}  {}  ({})",
                paint_verdict(s.verdict, view.color),
                s.plan.target,
                s.reason
            );
        }
        out.push('\n');
    }
    for (i, s) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out += &render_scan_text(s, view);
    }
    out
}

/// Payload files: a count line, then every file that is not safe (all with `--findings
/// all`), deserialized-at-load ones first, each with how loading reads it; Git LFS pointers
/// as one entry.
fn render_payloads(out: &mut String, scan: &Scan, view: FindingView) {
    let payloads = &scan.payloads;
    if payloads.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "  payloads: {} file{}: {}",
        payloads.len(),
        if payloads.len() == 1 { "" } else { "s" },
        crate::summary::judgement_counts(payloads)
    );
    for entry in crate::summary::collapse_lfs(view.payloads(payloads)) {
        match entry {
            crate::summary::PayloadEntry::File(p) => {
                crate::payload_text(out, p, "    ");
                for how in load_details(&scan.plan, &p.path) {
                    let _ = writeln!(out, "      read by {how}");
                }
                if let Some(line) = crate::payload::weights_only_line(p) {
                    let _ = writeln!(out, "      {line}");
                }
            }
            crate::summary::PayloadEntry::LfsPointers(files) => {
                let _ = writeln!(
                    out,
                    "    INCONCLUSIVE {} Git LFS pointers: the real content was not downloaded \
                     (git lfs pull, or scan the hub target): {}",
                    files.len(),
                    trustscan_core::text::listed(
                        &files.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(),
                        3
                    )
                );
            }
        }
    }
}

/// How each loading API that deserializes `path` reads it (`transformers AutoModel:
/// torch.load(weights_only=True) ...`), from the plan's steps.
pub(crate) fn load_details(plan: &LoadPlan, path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for api in &plan.apis {
        for s in &api.steps {
            let names_it = match &s.subject {
                trustscan_core::Subject::File {
                    path: p,
                    repository: None,
                } => p == path,
                // A checkpoint URL, held in the snapshot under its file name.
                trustscan_core::Subject::Url { url } => {
                    url.rsplit('/').next() == path.rsplit('/').next()
                }
                _ => false,
            };
            if s.kind != trustscan_core::StepKind::DeserializePayload || !names_it {
                continue;
            }
            let Some(detail) = &s.detail else { continue };
            let line = format!(
                "{} {}: {detail}",
                api.ecosystem.display_name(),
                api.api_label()
            );
            if !out.contains(&line) {
                out.push(line);
            }
        }
    }
    out
}

pub(crate) fn reach_word(r: Reachability) -> &'static str {
    match r {
        Reachability::RunsAtLoad => "runs at load",
        Reachability::ReachableFromLoad => "reachable from load",
        Reachability::NotReached => "not reached",
    }
}

fn render_code(out: &mut String, code: &CodeReport, view: FindingView) {
    if !view.verbose && code.files_analyzed == 0 && code.notes.is_empty() {
        return;
    }
    let count = |r| code.findings.iter().filter(|f| f.reachability == r).count();
    let counts: Vec<String> = [
        (Reachability::RunsAtLoad, "run at load"),
        (Reachability::ReachableFromLoad, "reachable from load"),
        (Reachability::NotReached, "not reached"),
    ]
    .iter()
    .map(|(r, word)| (count(*r), word))
    .filter(|(n, _)| view.verbose || *n > 0)
    .map(|(n, word)| format!("{n} {word}"))
    .collect();
    let scopes = if view.verbose {
        format!(", {} scopes in the call graph", code.call_graph.scopes)
    } else {
        String::new()
    };
    let n = code.findings.len();
    let _ = writeln!(
        out,
        "  code: {} Python file{}{scopes}; {n} finding{}{}",
        code.files_analyzed,
        if code.files_analyzed == 1 { "" } else { "s" },
        if n == 1 { "" } else { "s" },
        if counts.is_empty() {
            String::new()
        } else {
            format!(": {}", counts.join(", "))
        },
    );
    let shown: Vec<&Finding> = code.findings.iter().filter(|f| view.shows(f)).collect();
    // One entry per line of code, under a heading per reachability and severity of its
    // strongest finding.
    let lines = crate::summary::by_line(&shown);
    let mut group = None;
    for (i, line) in lines.iter().enumerate() {
        let f = line.lead();
        if group != Some((f.reachability, f.severity)) {
            group = Some((f.reachability, f.severity));
            let n = lines[i..]
                .iter()
                .take_while(|l| {
                    (l.lead().reachability, l.lead().severity) == (f.reachability, f.severity)
                })
                .count();
            let _ = writeln!(
                out,
                "   {} severity, {}: {n}",
                paint(
                    &f.severity.to_string().to_uppercase(),
                    level_sgr(f.severity),
                    view.color
                ),
                reach_word(f.reachability)
            );
        }
        let _ = writeln!(
            out,
            "    {}/{} {}  {}:{}:{}  {}  [CWE-{}, in {}]",
            paint(
                &f.severity.to_string().to_uppercase(),
                level_sgr(f.severity),
                view.color
            ),
            f.confidence.to_string().to_uppercase(),
            line.rules(),
            f.location.file,
            f.location.line,
            f.location.column,
            reach_word(f.reachability),
            f.cwe,
            f.scope,
        );
        for g in &line.findings {
            let lead = if line.findings.len() > 1 {
                format!("{}: ", g.rule)
            } else {
                String::new()
            };
            let _ = writeln!(out, "      {lead}{}", g.message);
        }
        let _ = writeln!(out, "      | {}", f.snippet.trim());
        // A long call path keeps its two ends; JSON has every step.
        let n = f.evidence.len();
        for (i, e) in f.evidence.iter().enumerate() {
            if n > EVIDENCE_SHOWN && i >= EVIDENCE_SHOWN / 2 && i < n - EVIDENCE_SHOWN / 2 {
                if i == EVIDENCE_SHOWN / 2 {
                    let hidden = n - EVIDENCE_SHOWN;
                    let _ = writeln!(
                        out,
                        "        ... {hidden} more calls (--format json lists them)"
                    );
                }
                continue;
            }
            let lead = if i == 0 { "via:" } else { "  ->" };
            let _ = writeln!(out, "      {lead} {e}");
        }
    }
    let hidden = code.findings.len() - shown.len();
    if hidden > 0 {
        let _ = writeln!(
            out,
            "    ({hidden} more findings below {} severity or not reached at load; \
             --findings all --min-severity low lists them, --format json has them all)",
            view.min_severity
        );
    }
    for n in &code.notes {
        let _ = writeln!(out, "  code note: {}", note_text(n));
    }
}

fn header(out: &mut String, plan: &LoadPlan) {
    let _ = writeln!(out, "Load plan for {}", plan.target);
    let _ = writeln!(out, "  repository: {}", describe_snapshot(&plan.snapshot));
    study_line(out, plan, "  ");
}

fn study_line(out: &mut String, plan: &LoadPlan, indent: &str) {
    let c = &plan.classification;
    let criteria: Vec<String> = c
        .study_matches
        .iter()
        .take(5)
        .map(|m| match m.criterion {
            StudyCriterion::CustomCodeTag => "custom_code tag".to_string(),
            _ => m.file.clone(),
        })
        .collect();
    let more = c.study_matches.len().saturating_sub(5);
    let study = if c.study_needs_custom_code {
        format!(
            "needs custom code ({}{})",
            criteria.join(", "),
            if more > 0 {
                format!(", +{more} more")
            } else {
                String::new()
            }
        )
    } else {
        "no custom code".to_string()
    };
    let _ = writeln!(
        out,
        "{indent}study criteria (arXiv 2601.14163): {study}; this plan: {}",
        if c.plan_executes_repository_code {
            "repository code runs"
        } else {
            "no repository code runs"
        }
    );
    if !c.executed_but_not_matched.is_empty() {
        let _ = writeln!(
            out,
            "{indent}  runs but no study criterion names it: {}",
            c.executed_but_not_matched.join(", ")
        );
    }
}

fn describe_snapshot(s: &SnapshotInfo) -> String {
    let platform = match s.platform {
        Platform::Local => "local directory",
        Platform::HuggingFace => "Hugging Face",
        Platform::Modelscope => "ModelScope",
        Platform::Opencsg => "OpenCSG",
        Platform::Github => "GitHub (torch.hub)",
    };
    let mut d = format!("{} ({}, {} files)", s.root, platform, s.files);
    if let Some(id) = &s.repo_id {
        let _ = write!(d, "; repo {id}");
    }
    if let Some(r) = &s.revision {
        let _ = write!(d, " @ {r}");
    }
    if let Some(c) = &s.commit {
        let _ = write!(d, " (commit {c})");
    }
    if let Some(r) = &s.remote {
        let _ = write!(d, "\n  {}", transfer_summary(r));
        for p in &r.partial_files {
            let _ = write!(
                d,
                "\n  {}: {} of {} read (headers, directory and pickles)",
                p.path,
                human_bytes(p.bytes_read),
                human_bytes(p.size)
            );
        }
    }
    d
}

/// For a repository read from a hub: the commit scanned (what a user pins, `revision=`, to
/// load exactly that) and what reading it cost.
pub(crate) fn remote_line(s: &SnapshotInfo) -> Option<String> {
    let r = s.remote.as_ref()?;
    let commit = s.commit.as_deref().unwrap_or("unknown");
    Some(format!("commit {commit}; {}", transfer_summary(r)))
}

/// What reading a repository from a hub cost.
fn transfer_summary(r: &trustscan_core::RemoteInfo) -> String {
    if r.offline {
        format!(
            "offline: read from trustscan's cache of {} (the revision holds {})",
            r.endpoint,
            human_bytes(r.repository_bytes)
        )
    } else {
        format!(
            "read from {}: transferred {} in {} requests (the revision holds {})",
            r.endpoint,
            human_bytes(r.bytes_transferred),
            r.requests,
            human_bytes(r.repository_bytes)
        )
    }
}

/// `69.2 KB`, `5.0 GB` (decimal units, as hubs show sizes).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} bytes")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn render_api(out: &mut String, api: &ApiPlan) {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} {}  [{}]",
        api.ecosystem.display_name(),
        api.api,
        api.versions_modeled.join(", ")
    );
    let _ = writeln!(out, "  call: {}", api.call);
    if let Some(via) = &api.via {
        let _ = writeln!(out, "  via: {via}");
    }
    let _ = writeln!(out, "  loads: {}", api.semantics);
    let _ = writeln!(out, "  trust: {}", api.trust);
    if api.steps.is_empty() {
        let _ = writeln!(
            out,
            "  (nothing is executed, installed, fetched or deserialized)"
        );
    }
    let width = api.steps.len().to_string().len();
    for (i, step) in api.steps.iter().enumerate() {
        for f in api.failures.iter().filter(|f| f.after_steps == i) {
            failure_line(out, f);
        }
        render_step(out, i + 1, width, step);
    }
    for f in api
        .failures
        .iter()
        .filter(|f| f.after_steps >= api.steps.len())
    {
        failure_line(out, f);
    }
    if !api.entry_points.is_empty() {
        let _ = writeln!(out, "  then calls:");
        for e in &api.entry_points {
            let _ = writeln!(out, "    {}", entry_point_text(e));
        }
    }
    render_notes(out, "  notes", &api.notes);
    let _ = writeln!(out, "  summary: {}", api.summary());
}

/// What the loader calls, where, and on what condition.
pub(crate) fn entry_point_text(e: &EntryPoint) -> String {
    let place = match (&e.file, e.line) {
        (Some(f), Some(l)) => format!(" ({f}:{l})"),
        (Some(f), None) => format!(" ({f})"),
        _ => String::new(),
    };
    let cond = match &e.certainty {
        Certainty::Definite => String::new(),
        Certainty::Conditional { condition } => format!(" [{condition}]"),
    };
    format!("{}{place}: {}{cond}", e.name, e.role)
}

pub(crate) fn failure_text(f: &trustscan_core::Failure) -> String {
    let scope = f
        .versions
        .as_ref()
        .map(|v| format!(" [{} only]", v.label()))
        .unwrap_or_default();
    format!("loading fails here{scope}: {}", f.message)
}

fn failure_line(out: &mut String, f: &trustscan_core::Failure) {
    let _ = writeln!(out, "  ✗ {}", failure_text(f));
}

/// What a step needs and when it happens: its gate, versions and condition.
pub(crate) fn step_tags(step: &Step) -> String {
    let mut tags = Vec::new();
    match &step.gate {
        Gate::Default => tags.push("no opt-in".to_string()),
        Gate::TrustRemoteCode => tags.push("trust_remote_code=True".to_string()),
        Gate::Option { option } => tags.push(option.clone()),
    }
    if let Some(v) = &step.versions {
        tags.push(format!("{} only", v.label()));
    }
    if let Certainty::Conditional { condition } = &step.certainty {
        tags.push(condition.clone());
    }
    tags.join("; ")
}

fn render_step(out: &mut String, n: usize, width: usize, step: &Step) {
    let format = step
        .format
        .map(|f| format!(" ({})", f.description()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {n:>width$}. {:<11} {}{format}  [{}]",
        step.kind.verb(),
        step.subject,
        step_tags(step)
    );
    if !step.reason.is_empty() {
        let _ = writeln!(
            out,
            "  {:>width$}  {:<11} {}",
            "",
            "why:",
            step.reason_text()
        );
    }
    if let Some(d) = &step.detail {
        let _ = writeln!(out, "  {:>width$}  {:<11} {d}", "", "");
    }
}

fn note_text(n: &Note) -> String {
    match &n.file {
        Some(f) => format!("{f}: {}", n.message),
        None => n.message.clone(),
    }
}

fn render_notes(out: &mut String, title: &str, notes: &[Note]) {
    if notes.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:");
    let indent = if title.starts_with(' ') { "    " } else { "  " };
    for n in notes {
        let _ = writeln!(out, "{indent}- {}", note_line(n));
    }
}

/// A note with its level: `warning: config.json: ...`.
pub(crate) fn note_line(n: &Note) -> String {
    let level = match n.level {
        NoteLevel::Info => "info",
        NoteLevel::Warning => "warning",
        NoteLevel::Inconclusive => "inconclusive",
    };
    format!("{level}: {}", note_text(n))
}
