//! Markdown for pull-request comments: the verdict first, a line per loading API, then the
//! findings and payloads that decide it, as tables. Text from the repository (messages,
//! snippets, paths) is escaped so it cannot break the table or inject markup.

use crate::FindingView;
use std::fmt::Write;
use trustscan_core::{Finding, Judgement, PayloadFile, Reachability, Scan};

/// Findings listed per target (the rest are counted).
const ROWS: usize = 50;
/// Findings or payload files beyond which a target's tables are folded.
const FOLD_OVER: usize = 10;

/// The hidden first line: a bot that posts the report as a pull-request comment finds its
/// own comment by it and updates it instead of adding another.
pub const MARKDOWN_MARKER: &str = "<!-- trustscan-report -->";

pub fn render_scans_markdown(scans: &[Scan], view: FindingView) -> String {
    let mut out = format!("{MARKDOWN_MARKER}\n");
    let sorted = crate::summary::worst_first(scans);
    if scans.len() > 1 {
        let _ = writeln!(
            out,
            "### trustscan: {}\n\n| verdict | target | why |\n|---|---|---|",
            crate::summary::verdict_counts(scans)
        );
        for s in &sorted {
            let _ = writeln!(
                out,
                "| **{}** | `{}` | {} |",
                s.verdict.word(),
                code(&s.plan.target),
                cell(&s.reason)
            );
        }
        out.push('\n');
    }
    for (i, s) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        scan(&mut out, s, view, scans.len() > 1);
    }
    out
}

/// One target; `fold`: its findings and payloads in a `<details>` block (several targets).
fn scan(out: &mut String, s: &Scan, view: FindingView, fold: bool) {
    let (v, reason) = (s.verdict, &s.reason);
    let _ = writeln!(
        out,
        "### trustscan: **{}** `{}`\n\n{}\n",
        v.word(),
        code(&s.plan.target),
        cell(&reason)
    );
    if let Some(line) = crate::text::remote_line(&s.plan.snapshot) {
        let _ = writeln!(out, "{}\n", cell(&line));
    }
    for api in &s.plan.apis {
        let _ = writeln!(
            out,
            "- {}: {}",
            api.ecosystem.display_name(),
            cell(&crate::api_headline(api, s))
        );
    }
    if s.plan.apis.is_empty() {
        let _ = writeln!(out, "- no loading API applies to this repository");
    }
    let long = s
        .code
        .as_ref()
        .is_some_and(|c| c.findings.iter().filter(|f| view.shows(f)).count() > FOLD_OVER)
        || view.payloads(&s.payloads).len() > FOLD_OVER;
    let fold = fold || long;
    if fold {
        out.push_str("\n<details><summary>Findings and payloads</summary>\n");
    }
    if let Some(c) = &s.code {
        let shown: Vec<&Finding> = c.findings.iter().filter(|f| view.shows(f)).collect();
        // One row per line of code, whatever the number of rules that flag it.
        let lines = crate::summary::by_line(&shown);
        let _ = writeln!(
            out,
            "\n**Code**: {} Python files, {} findings ({} lines listed).",
            c.files_analyzed,
            c.findings.len(),
            lines.len().min(ROWS)
        );
        if !lines.is_empty() {
            let _ = writeln!(
                out,
                "\n| severity | rule | where | reachability | message |\n|---|---|---|---|---|"
            );
            for line in lines.iter().take(ROWS) {
                let f = line.lead();
                let _ = writeln!(
                    out,
                    "| {} | {} (CWE-{}) | `{}:{}` | {} | {} |",
                    f.severity,
                    cell(&line.rules()),
                    f.cwe,
                    code(&f.location.file),
                    f.location.line,
                    reach(f.reachability),
                    cell(&f.message)
                );
            }
        }
    }
    let flagged: Vec<&PayloadFile> = view.payloads(&s.payloads);
    if !s.payloads.is_empty() {
        let _ = writeln!(
            out,
            "\n**Payloads**: {} files, {} not safe.",
            s.payloads.len(),
            s.payloads
                .iter()
                .filter(|p| p.verdict != Judgement::Safe)
                .count()
        );
    }
    if !flagged.is_empty() {
        let _ = writeln!(
            out,
            "\n| verdict | file | format | loaded at | why |\n|---|---|---|---|---|"
        );
        for p in flagged.iter().take(ROWS) {
            let why = p
                .parts
                .iter()
                .filter(|x| x.verdict != Judgement::Safe)
                .flat_map(|x| x.reasons.first())
                .next()
                .map(String::as_str)
                .unwrap_or("");
            let loaded = if p.loaded_by.is_empty() {
                "—".to_string()
            } else {
                cell(&p.loaded_by.join(", "))
            };
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                p.verdict.word(),
                code(&p.path),
                p.format,
                loaded,
                cell(why)
            );
        }
    }
    if fold {
        out.push_str("\n</details>\n");
    }
}

fn reach(r: Reachability) -> &'static str {
    match r {
        Reachability::RunsAtLoad => "runs at load",
        Reachability::ReachableFromLoad => "reachable from load",
        Reachability::NotReached => "not reached",
    }
}

/// Text for a table cell: one line, `|` and markup characters escaped, at most 300 chars.
fn cell(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == 300 {
            out.push('…');
            break;
        }
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a code span: one line, backticks and pipes replaced (a code span cannot
/// escape them).
fn code(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '`' => '\'',
            '|' => '¦',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_tables_or_inject_markup() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("[x](http://e) <img>"), "\\[x\\](http://e) \\<img\\>");
        assert_eq!(cell(&"x".repeat(400)).chars().count(), 301);
        assert_eq!(code("a`b|c\n"), "a'b¦c ");
    }
}
