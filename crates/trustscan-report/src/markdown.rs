//! Markdown for pull-request comments: the verdict first, a line per loading API, then the
//! findings and payloads that decide it, as tables. Text from the repository (messages,
//! snippets, paths) is escaped so it cannot break the table or inject markup.

use crate::FindingView;
use std::fmt::Write;
use trustscan_core::Judgement;
use trustscan_core::PayloadFile;
use trustscan_core::Reachability;
use trustscan_core::Scan;

/// Findings listed per target (the rest are counted).
const ROWS: usize = 50;

pub fn render_scans_markdown(scans: &[Scan], view: FindingView) -> String {
    let mut out = String::new();
    for (i, s) in scans.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        scan(&mut out, s, view);
    }
    out
}

fn scan(out: &mut String, s: &Scan, view: FindingView) {
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
    if let Some(c) = &s.code {
        let shown: Vec<_> = c.findings.iter().filter(|f| view.shows(f)).collect();
        let _ = writeln!(
            out,
            "\n**Code**: {} Python files, {} findings ({} listed).",
            c.files_analyzed,
            c.findings.len(),
            shown.len().min(ROWS)
        );
        if !shown.is_empty() {
            let _ = writeln!(
                out,
                "\n| severity | rule | where | reachability | message |\n|---|---|---|---|---|"
            );
            for f in shown.iter().take(ROWS) {
                let _ = writeln!(
                    out,
                    "| {} | {} {} (CWE-{}) | `{}:{}` | {} | {} |",
                    f.severity,
                    f.rule,
                    f.name,
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
