//! One self-contained HTML5 document for all scanned targets: per target the verdict and its
//! reason, a headline per loading API, each API's load plan as a tree of `<details>`, the
//! findings grouped by reachability and severity, each linked to its line in the embedded
//! code, and the payload files.
//!
//! Everything from the repository (paths, snippets, messages, pickle globals) is hostile:
//! it is escaped, element ids are built from indices only, and the document carries no script
//! and a Content-Security-Policy that forbids every fetch, so even markup that slipped through
//! could neither run nor load anything. Links to code work without script: Chromium opens a
//! closed `<details>` when a fragment link targets an element inside it.

use crate::text::{entry_point_text, failure_text, note_line, reach_word, step_tags};
use crate::{FindingView, api_headline};
use std::collections::BTreeMap;
use std::fmt::Write;
use trustscan_core::Judgement;
use trustscan_core::PayloadFile;
use trustscan_core::Scan;
use trustscan_core::{ApiPlan, CodeReport, Finding, Note, Reachability, Step, StepKind, Subject};

/// Globals and calls listed per payload part (`--format json` lists them all).
const LISTED: usize = 100;

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>trustscan: {title}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 72em; padding: 0 1em; color: #1b1b1b; }
code, pre, .mono { font-family: ui-monospace, monospace; font-size: 13px; }
section.target { border-top: 3px solid #888; margin-top: 2em; }
.verdict { font-size: 1.5em; margin: .4em 0; }
.word { padding: 0 .3em; border-radius: 3px; color: #fff; }
.v-safe .word { background: #2e7d32; }
.v-review .word { background: #b26a00; }
.v-inconclusive .word { background: #555; }
.v-dangerous .word { background: #c62828; }
.reason { font-weight: normal; font-size: .7em; }
details { margin: .2em 0 .2em 1em; }
summary { cursor: pointer; }
.tag { color: #555; }
.why, .evidence { margin: .1em 0; color: #333; }
.failure { color: #c62828; }
.finding { border-left: 3px solid #bbb; padding: .2em .6em; margin: .5em 0; }
.sev-high { border-color: #c62828; }
.sev-medium { border-color: #b26a00; }
pre.code { background: #f6f6f6; padding: .4em; overflow-x: auto; }
.line { display: block; }
.line:target { background: #ffe082; }
.ln { display: inline-block; min-width: 4em; color: #888; user-select: none; }
.payload { margin: .5em 0; }
</style>
</head>
<body>
"#;

/// All scans as one HTML document; `view` picks the findings and payload files listed, as
/// for the text report.
pub fn render_scans_html(scans: &[Scan], view: FindingView) -> String {
    let sorted = crate::summary::worst_first(scans);
    let targets: Vec<&str> = sorted.iter().map(|s| s.plan.target.as_str()).collect();
    let mut title = targets
        .iter()
        .take(3)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if targets.len() > 3 {
        title += &format!(" and {} more", targets.len() - 3);
    }
    let mut out = HEAD.replace("{title}", &esc(&title));
    if scans.len() > 1 {
        summary(&mut out, &sorted, scans);
    }
    for (t, s) in sorted.iter().enumerate() {
        target(&mut out, &format!("t{t}"), s, view);
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// Several targets: a count per verdict and a row per target (worst first, linked to its
/// section) with the reason that decided it.
fn summary(out: &mut String, sorted: &[&Scan], scans: &[Scan]) {
    let _ = writeln!(
        out,
        "<section class=\"summary\">\n<h1>{}</h1>\n<table>\n<tr><th>verdict</th><th>target</th><th>why</th></tr>",
        esc(&crate::summary::verdict_counts(scans))
    );
    for (t, s) in sorted.iter().enumerate() {
        let _ = writeln!(
            out,
            "<tr class=\"v-{}\"><td>{}</td><td><a href=\"#t{t}\"><code>{}</code></a></td><td>{}</td></tr>",
            s.verdict.word().to_lowercase(),
            s.verdict.word(),
            esc(&s.plan.target),
            esc(&s.reason)
        );
    }
    out.push_str("</table>\n</section>\n");
}

/// HTML text: markup characters as entities, control characters (but tabs and newlines)
/// as U+FFFD so that nothing invisible survives.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn target(out: &mut String, id: &str, s: &Scan, view: FindingView) {
    let (v, reason) = (s.verdict, &s.reason);
    let _ = writeln!(
        out,
        "<section class=\"target v-{}\" id=\"{id}\">\n<h1 class=\"verdict\"><span class=\"word\">{}</span> <span class=\"reason\">{}</span></h1>",
        v.word().to_lowercase(),
        v.word(),
        esc(&reason)
    );
    let _ = writeln!(out, "<p>Target: <code>{}</code></p>", esc(&s.plan.target));
    if let Some(line) = crate::text::remote_line(&s.plan.snapshot) {
        let _ = writeln!(out, "<p class=\"source\">{}</p>", esc(&line));
    }
    out.push_str("<ul class=\"headlines\">\n");
    for api in &s.plan.apis {
        let _ = writeln!(
            out,
            "<li>{}: {}</li>",
            api.ecosystem.display_name(),
            esc(&api_headline(api, s))
        );
    }
    if s.plan.apis.is_empty() {
        out.push_str("<li>no loading API applies to this repository</li>\n");
    }
    out.push_str("</ul>\n");

    // The findings listed, by index in the report (ids stay stable), and the files they are in.
    let shown: Vec<(usize, &Finding)> = s
        .code
        .iter()
        .flat_map(|c| c.findings.iter().enumerate())
        .filter(|(_, f)| view.shows(f))
        .collect();
    let mut files: BTreeMap<&str, Vec<(usize, &Finding)>> = BTreeMap::new();
    for &(i, f) in &shown {
        files
            .entry(f.location.file.as_str())
            .or_default()
            .push((i, f));
    }
    let file_id = |path: &str| {
        files
            .keys()
            .position(|k| *k == path)
            .map(|n| format!("{id}-file{n}"))
    };

    // What a reader looks for first: the findings with their snippets, and the payloads;
    // then the plan that explains them, and the code they are in.
    if let Some(code) = &s.code {
        findings(out, id, code, &shown);
    }
    payloads(out, &s.payloads, view);
    out.push_str("<h2>Load plan</h2>\n");
    for api in &s.plan.apis {
        plan_api(out, api, &file_id);
    }
    notes(out, "Repository notes", &s.plan.notes);
    code_section(out, id, &files);
    out.push_str("</section>\n");
}

fn plan_api(out: &mut String, api: &ApiPlan, file_id: &dyn Fn(&str) -> Option<String>) {
    let _ = writeln!(
        out,
        "<details class=\"api\" open>\n<summary><b>{} {}</b> <span class=\"tag\">[{}]</span></summary>",
        api.ecosystem.display_name(),
        esc(&api.api),
        esc(&api.versions_modeled.join(", "))
    );
    let _ = writeln!(out, "<p>call: <code>{}</code>", esc(&api.call));
    if let Some(via) = &api.via {
        let _ = write!(out, "<br>via: {}", esc(via));
    }
    let _ = writeln!(
        out,
        "<br>loads: {}<br>trust: {}</p>",
        esc(&api.semantics),
        esc(&api.trust)
    );
    if api.steps.is_empty() {
        out.push_str("<p>Nothing is executed, installed, fetched or deserialized.</p>\n");
    }
    out.push_str("<ol class=\"steps\">\n");
    let failure = |out: &mut String, f: &trustscan_core::Failure| {
        let _ = writeln!(out, "<li class=\"failure\">{}</li>", esc(&failure_text(f)));
    };
    for (i, step) in api.steps.iter().enumerate() {
        for f in api.failures.iter().filter(|f| f.after_steps == i) {
            failure(out, f);
        }
        plan_step(out, step, file_id);
    }
    for f in api
        .failures
        .iter()
        .filter(|f| f.after_steps >= api.steps.len())
    {
        failure(out, f);
    }
    out.push_str("</ol>\n");
    if !api.entry_points.is_empty() {
        out.push_str("<details open><summary>then calls</summary><ul>\n");
        for e in &api.entry_points {
            let _ = writeln!(out, "<li>{}</li>", esc(&entry_point_text(e)));
        }
        out.push_str("</ul></details>\n");
    }
    notes(out, "Notes", &api.notes);
    let _ = writeln!(out, "<p>summary: {}</p>\n</details>", esc(&api.summary()));
}

/// A step as a tree node: what it does to what, then why (the reason chain) and its detail.
fn plan_step(out: &mut String, step: &Step, file_id: &dyn Fn(&str) -> Option<String>) {
    let format = step
        .format
        .map(|f| format!(" ({})", f.description()))
        .unwrap_or_default();
    // An executed file of this repository links to its findings.
    let link = match (&step.kind, &step.subject) {
        (
            StepKind::ExecuteFile,
            Subject::File {
                path,
                repository: None,
            },
        ) => file_id(path)
            .map(|fid| format!(" <a href=\"#{fid}\">findings</a>"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "<li class=\"step\"><details open><summary><b>{}</b> <code>{}</code>{} <span class=\"tag\">[{}]</span>{link}</summary>",
        step.kind.verb(),
        esc(&step.subject.to_string()),
        esc(&format),
        esc(&step_tags(step))
    );
    if !step.reason.is_empty() {
        out.push_str("<ul class=\"why\">\n");
        for r in &step.reason {
            let _ = writeln!(out, "<li>{}</li>", esc(&r.to_string()));
        }
        out.push_str("</ul>\n");
    }
    if let Some(d) = &step.detail {
        let _ = writeln!(out, "<p>{}</p>", esc(d));
    }
    out.push_str("</details></li>\n");
}

fn notes(out: &mut String, title: &str, notes: &[Note]) {
    if notes.is_empty() {
        return;
    }
    let _ = writeln!(out, "<details open><summary>{title}</summary><ul>");
    for n in notes {
        let _ = writeln!(out, "<li>{}</li>", esc(&note_line(n)));
    }
    out.push_str("</ul></details>\n");
}

/// Findings by reachability, then severity; not-reached groups start closed.
fn findings(out: &mut String, id: &str, code: &CodeReport, shown: &[(usize, &Finding)]) {
    let _ = writeln!(
        out,
        "<h2>Findings</h2>\n<p>{} Python files analysed, {} findings, {} listed.</p>",
        code.files_analyzed,
        code.findings.len(),
        shown.len()
    );
    // One entry per line of code, whatever the number of rules that flag it.
    let index: std::collections::HashMap<*const Finding, usize> = shown
        .iter()
        .map(|&(i, f)| (f as *const Finding, i))
        .collect();
    let listed: Vec<&Finding> = shown.iter().map(|(_, f)| *f).collect();
    let lines = crate::summary::by_line(&listed);
    let mut i = 0;
    while i < lines.len() {
        let lead = lines[i].lead();
        let key = (lead.reachability, lead.severity);
        let n = lines[i..]
            .iter()
            .take_while(|l| (l.lead().reachability, l.lead().severity) == key)
            .count();
        let _ = writeln!(
            out,
            "<details class=\"group\"{}><summary>{}, {} severity: {n}</summary>",
            if key.0 == Reachability::NotReached {
                ""
            } else {
                " open"
            },
            reach_word(key.0),
            key.1,
        );
        for line in &lines[i..i + n] {
            let ids: Vec<String> = line
                .findings
                .iter()
                .map(|f| format!("{id}-f{}", index[&(*f as *const Finding)]))
                .collect();
            finding(out, &ids, line);
        }
        out.push_str("</details>\n");
        i += n;
    }
    notes(out, "Code notes", &code.notes);
}

/// One line of code and what every rule says about it; `ids`: each finding's anchor (the
/// first is the entry's own, the code view links to all of them).
fn finding(out: &mut String, ids: &[String], line: &crate::summary::LineFindings) {
    let f = line.lead();
    let fid = &ids[0];
    let loc = &f.location;
    let _ = writeln!(
        out,
        "<div class=\"finding sev-{}\" id=\"{fid}\" data-findings=\"{}\">",
        f.severity,
        line.findings.len()
    );
    for other in &ids[1..] {
        let _ = writeln!(out, "<span id=\"{other}\"></span>");
    }
    let _ = writeln!(
        out,
        "<p><b>{}</b> CWE-{}, {} severity, {} confidence, {}: <a class=\"code-link\" href=\"#{fid}-L{}\">{}:{}:{}</a> in <code>{}</code></p>",
        esc(&line.rules()),
        f.cwe,
        f.severity,
        f.confidence,
        reach_word(f.reachability),
        loc.line,
        esc(&loc.file),
        loc.line,
        loc.column,
        esc(&f.scope),
    );
    for g in &line.findings {
        let lead = if line.findings.len() > 1 {
            format!("{}: ", g.rule)
        } else {
            String::new()
        };
        let _ = writeln!(out, "<p>{}{}</p>", esc(&lead), esc(&g.message));
    }
    let _ = writeln!(
        out,
        "<pre class=\"snippet\">{}</pre>",
        esc(f.snippet.trim())
    );
    if !f.evidence.is_empty() {
        out.push_str("<ol class=\"evidence\">\n");
        for e in &f.evidence {
            let _ = writeln!(out, "<li><code>{}</code></li>", esc(e));
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</div>\n");
}

/// Per file, closed: each listed finding's snippet with its line numbers, each line a link
/// target (`t0-f3-L42`) and linking back to its finding.
fn code_section(out: &mut String, id: &str, files: &BTreeMap<&str, Vec<(usize, &Finding)>>) {
    if files.is_empty() {
        return;
    }
    out.push_str("<h2>Code</h2>\n");
    for (n, (path, list)) in files.iter().enumerate() {
        let _ = writeln!(
            out,
            "<details class=\"file\" id=\"{id}-file{n}\"><summary><code>{}</code>: {} finding{}</summary>",
            esc(path),
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        );
        let mut list = list.clone();
        list.sort_by_key(|(i, f)| (f.location.line, *i));
        for (i, f) in list {
            let fid = format!("{id}-f{i}");
            let _ = write!(
                out,
                "<p><a href=\"#{fid}\">{} {}</a></p>\n<pre class=\"code\">",
                esc(&f.rule),
                esc(&f.name)
            );
            // The snippet is the finding's own text (the renderer reads no file); a snippet of
            // several lines numbers them from the finding's line.
            for (k, text) in f.snippet.split('\n').enumerate() {
                let line = f.location.line as usize + k;
                let _ = write!(
                    out,
                    "<span class=\"line\" id=\"{fid}-L{line}\"><span class=\"ln\">{line}</span>{}</span>",
                    esc(text.trim_end_matches('\r'))
                );
            }
            out.push_str("</pre>\n");
        }
        out.push_str("</details>\n");
    }
}

fn payloads(out: &mut String, payloads: &[PayloadFile], view: FindingView) {
    if payloads.is_empty() {
        return;
    }
    let count = |v| payloads.iter().filter(|p| p.verdict == v).count();
    let _ = writeln!(
        out,
        "<h2>Payloads</h2>\n<p>{} files: {} dangerous, {} suspicious, {} inconclusive, {} safe.</p>",
        payloads.len(),
        count(Judgement::Dangerous),
        count(Judgement::Suspicious),
        count(Judgement::Inconclusive),
        count(Judgement::Safe),
    );
    for p in view.payloads(payloads) {
        let when = if p.loaded_by.is_empty() {
            String::new()
        } else {
            format!(", deserialized at load by {}", p.loaded_by.join(", "))
        };
        let _ = writeln!(
            out,
            "<details class=\"payload\" open><summary><b>{}</b> <code>{}</code> ({}{})</summary>",
            p.verdict.word().to_uppercase(),
            esc(&p.path),
            esc(&p.format),
            esc(&when)
        );
        if let Some(line) = crate::payload::weights_only_line(p) {
            let _ = writeln!(out, "<p class=\"weights-only\">{}</p>", esc(&line));
        }
        for part in p.parts.iter().filter(|x| x.verdict != Judgement::Safe) {
            let _ = writeln!(
                out,
                "<p><code>{}</code> {}: {}</p>\n<ul>",
                esc(&part.location),
                esc(&part.format),
                part.verdict.word()
            );
            for r in &part.reasons {
                let _ = writeln!(out, "<li>{}</li>", esc(r));
            }
            out.push_str("</ul>\n");
            if let Some(a) = &part.pickle {
                capped(
                    out,
                    "globals",
                    false,
                    a.imports
                        .iter()
                        .map(|i| format!("{}.{} (byte {})", i.module, i.name, i.offset)),
                );
                // What unpickling would call is the point: shown open.
                capped(
                    out,
                    "calls",
                    true,
                    a.calls.iter().map(|c| {
                        format!("{}{} ({} at byte {})", c.callee, c.args, c.opcode, c.offset)
                    }),
                );
            }
        }
        out.push_str("</details>\n");
    }
}

/// A titled list of at most `LISTED` items, with a count of the rest (folded unless `open`).
fn capped(out: &mut String, title: &str, open: bool, items: impl ExactSizeIterator<Item = String>) {
    let n = items.len();
    if n == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "<details{}><summary>{title}: {n}</summary><ul class=\"mono\">",
        if open { " open" } else { "" }
    );
    for item in items.take(LISTED) {
        let _ = writeln!(out, "<li>{}</li>", esc(&item));
    }
    if n > LISTED {
        let _ = writeln!(
            out,
            "<li>... {} more (--format json lists them)</li>",
            n - LISTED
        );
    }
    out.push_str("</ul></details>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustscan_core::{Level, LoadPlan, Location};
    use trustscan_core::{PayloadPart, PickleFacts, PickleImport};

    const HOSTILE: &str = "x\"'><script>alert(1)</script><img src=//e/x>\u{0}";

    /// A scan whose every repository-controlled string is hostile: the executed file's name,
    /// a finding's message, snippet and evidence, a payload's path, reasons and globals.
    fn hostile_scan() -> Scan {
        let file = format!("mod_{HOSTILE}.py");
        let plan: LoadPlan = serde_json::from_value(serde_json::json!({
            "schema": "trustscan.plan/1",
            "target": HOSTILE,
            "snapshot": {"platform": "local", "layout": "directory", "root": HOSTILE, "files": 2},
            "classification": {
                "study_needs_custom_code": false, "study_matches": [],
                "plan_executes_repository_code": true,
                "executed_but_not_matched": [], "matched_but_not_executed": []
            },
            "apis": [{
                "ecosystem": "transformers", "api": "AutoModel.from_pretrained",
                "call": HOSTILE, "semantics": "local directory", "versions_modeled": ["4.57"],
                "trust": "trust_remote_code", "failures": [], "notes": [],
                "steps": [{
                    "kind": "execute-file",
                    "subject": {"type": "file", "path": file},
                    "reason": [{"link": "config-key", "file": "config.json", "key": HOSTILE}],
                    "gate": {"gate": "trust-remote-code"},
                    "certainty": {"certainty": "definite"}
                }]
            }],
            "notes": [{"level": "warning", "file": HOSTILE, "message": HOSTILE}]
        }))
        .unwrap();
        let finding = |rule: &str, line, reachability| Finding {
            rule: rule.into(),
            name: "exec_used".into(),
            cwe: 78,
            severity: Level::High,
            confidence: Level::High,
            location: Location {
                file: file.clone(),
                line,
                column: 1,
                end_line: line,
                end_column: 2,
                context: [line, line],
            },
            scope: HOSTILE.into(),
            snippet: format!("exec('{HOSTILE}')"),
            message: HOSTILE.into(),
            reachability,
            evidence: vec![HOSTILE.into()],
            fingerprint: String::new(),
        };
        let code = CodeReport {
            files_analyzed: 1,
            findings: vec![
                finding("B102", 3, Reachability::RunsAtLoad),
                finding("TS101", 3, Reachability::RunsAtLoad),
                finding("B102", 9, Reachability::NotReached),
            ],
            ..Default::default()
        };
        let payload = PayloadFile {
            path: HOSTILE.into(),
            reachability: Reachability::NotReached,
            loaded_by: vec![],
            format: "pickle".into(),
            verdict: Judgement::Dangerous,
            parts: vec![PayloadPart {
                location: HOSTILE.into(),
                format: "pickle".into(),
                verdict: Judgement::Dangerous,
                reasons: vec![HOSTILE.into()],
                pickle: Some(PickleFacts {
                    imports: vec![PickleImport {
                        module: "os".into(),
                        name: HOSTILE.into(),
                        offset: 2,
                    }],
                    ..Default::default()
                }),
            }],
            weights_only_refuses: None,
        };
        Scan {
            plan,
            code: Some(code),
            payloads: vec![payload],
            // What the audit decides for a dangerous payload: its path is in the reason.
            verdict: trustscan_core::Verdict::Dangerous,
            reason: format!("dangerous pickle in the repository: {HOSTILE}"),
            code_at_load: Vec::new(),
            suppressed: 0,
            not_downloaded: Vec::new(),
        }
    }

    const ALL: FindingView = FindingView {
        all: true,
        min_severity: Level::Low,
        color: false,
        verbose: false,
    };

    /// Values of `attr="..."` in the document.
    fn attrs<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
        let key = format!("{attr}=\"");
        html.match_indices(&key)
            .map(|(i, _)| {
                let rest = &html[i + key.len()..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect()
    }

    #[test]
    fn hostile_text_is_escaped() {
        let html = render_scans_html(&[hostile_scan()], ALL);
        // The document has no script of its own: any `<script` would come from the input.
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"));
        assert!(!html.contains('\u{0}'));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("x&quot;&#39;&gt;"));
        // Every place the input reaches is rendered (escaped), not dropped.
        assert!(html.matches("&lt;script&gt;").count() >= 10);
        // Only the document's own origin-less fragments are linked.
        assert!(attrs(&html, "href").iter().all(|h| h.starts_with('#')));
        assert!(attrs(&html, "src").is_empty());
    }

    #[test]
    fn rendering_is_deterministic() {
        let a = render_scans_html(&[hostile_scan(), hostile_scan()], ALL);
        let b = render_scans_html(&[hostile_scan(), hostile_scan()], ALL);
        assert_eq!(a, b);
    }

    #[test]
    fn every_link_has_its_target_and_ids_are_unique() {
        let html = render_scans_html(&[hostile_scan(), hostile_scan()], ALL);
        let ids = attrs(&html, "id");
        let unique: std::collections::BTreeSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "duplicate ids");
        let hrefs = attrs(&html, "href");
        // Each entry links to its line (two lines), each code block back to its finding
        // (three), the executed file to its findings: 2 + 3 + 1 per target; and the summary
        // to each target.
        assert_eq!(hrefs.len(), 14, "{hrefs:?}");
        for h in hrefs {
            assert!(ids.contains(&&h[1..]), "no id for {h}");
        }
        // The two findings on line 3 keep distinct line targets.
        assert!(ids.contains(&"t1-f0-L3") && ids.contains(&"t1-f1-L3"));
    }

    #[test]
    fn verdict_comes_first_and_view_filters_findings() {
        let html = render_scans_html(&[hostile_scan()], ALL);
        let body = &html[html.find("<body>").unwrap()..];
        let first = body.find("<h1").unwrap();
        assert!(
            body[first..]
                .starts_with("<h1 class=\"verdict\"><span class=\"word\">DANGEROUS</span>")
        );
        // An entry per line of code: B102 and TS101 share line 3.
        let count = |h: &str| h.matches("<div class=\"finding ").count();
        assert_eq!(count(&html), 2);
        assert!(html.contains("data-findings=\"2\""));
        let reached = FindingView {
            all: false,
            min_severity: Level::Low,
            color: false,
            verbose: false,
        };
        assert_eq!(count(&render_scans_html(&[hostile_scan()], reached)), 1);
    }
}
