//! The engine: rules compiled once, applied to many files.

use crate::nosec::NosecLines;
use crate::rules::{self, Issue, Meta, Options, Rule};
use crate::summary::{self, ModuleSummary, exec_scope};
use crate::walk::{Ctx, Dispatch, FileState, Kind, Walker, node_lineno};
use rustc_hash::FxHashMap;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use trustscan_core::{Finding, Location, Reachability};
use trustscan_pyparse::syntax::{Expr, OneIndexed, Ranged};

/// Rules and options, shared read-only by every file checked.
pub struct Engine {
    rules: Vec<Box<dyn Rule>>,
    /// Rules by the kind of node they check (indexed by `Kind as usize`).
    by_kind: Vec<Vec<usize>>,
    /// Call rules by the called name, for calls of a method (`x.name(...)`) and for the
    /// others: most calls (`self.proj(x)`) concern few rules ([`Rule::call_names`]).
    methods: CallGate,
    calls: CallGate,
    names: HashMap<String, String>,
    pub options: Options,
}

/// What checking one file gives.
#[derive(Debug, Default)]
pub struct FileReport {
    pub findings: Vec<Finding>,
    /// Why the file could not be analysed fully (parse errors, limits).
    pub notes: Vec<String>,
    /// Issues silenced by a bare `# nosec` (counted only when nosec is honoured).
    pub nosec: usize,
    /// Issues silenced by a `# nosec` naming their test.
    pub skipped_tests: usize,
    /// The module's part of the call graph (from [`Engine::analyze`]).
    pub summary: Option<ModuleSummary>,
}

impl Engine {
    pub fn new(options: Options) -> Arc<Engine> {
        let rules = rules::all();
        let mut by_kind: Vec<Vec<usize>> = vec![Vec::new(); Kind::File as usize + 1];
        for (i, r) in rules.iter().enumerate() {
            // Table-driven rules (several IDs) check their own entries' IDs per issue.
            if r.metas().len() == 1 && !options.enabled(r.meta().id) {
                continue;
            }
            for k in r.kinds() {
                by_kind[*k as usize].push(i);
            }
        }
        let call_rules = &by_kind[Kind::Call as usize];
        let names: Vec<_> = call_rules.iter().map(|&i| rules[i].call_names()).collect();
        let calls = CallGate::new(call_rules, &names);
        let method_names: Vec<_> = call_rules
            .iter()
            .zip(names)
            .map(|(&i, names)| match (names, rules[i].method_names()) {
                (Some(a), Some(b)) => Some(a.into_iter().filter(|n| b.contains(n)).collect()),
                (a, b) => a.or(b),
            })
            .collect();
        let methods = CallGate::new(call_rules, &method_names);
        let names = rules::id_lookup(&rules);
        Arc::new(Engine {
            rules,
            by_kind,
            methods,
            calls,
            names,
            options,
        })
    }

    /// The rules to run on a node: for calls, those its name may concern.
    fn rules_for(&self, ctx: &Ctx) -> &[usize] {
        if ctx.kind != Kind::Call {
            return &self.by_kind[ctx.kind as usize];
        }
        let name = ctx.name();
        match ctx.call().map(|c| &*c.func) {
            Some(Expr::Attribute(_)) => self.methods.rules(name),
            // A call through an alias (`from os import system as run; run(c)`): rules that
            // read the written name (Bandit's `__import__`) see another one; all of them run.
            Some(Expr::Name(n)) if n.id.as_str() != name => &self.by_kind[Kind::Call as usize],
            _ => self.calls.rules(name),
        }
    }

    /// Every rule description, in ID order.
    pub fn metas(&self) -> Vec<&'static Meta> {
        let mut m: Vec<&'static Meta> = self.rules.iter().flat_map(|r| r.metas()).collect();
        m.sort_by_key(|m| m.id);
        m
    }

    /// Check one file. Never panics on any input.
    pub fn check(self: &Arc<Self>, path: &str, bytes: Vec<u8>) -> FileReport {
        self.run(path, bytes, false)
    }

    /// Check one file and summarize it for the call graph, from the same parse.
    pub fn analyze(self: &Arc<Self>, path: &str, bytes: Vec<u8>) -> FileReport {
        self.run(path, bytes, true)
    }

    fn run(self: &Arc<Self>, path: &str, bytes: Vec<u8>, summarize: bool) -> FileReport {
        let engine = self.clone();
        let path_owned = path.to_string();
        let result = trustscan_pyparse::with_parsed(bytes, &Default::default(), move |parsed| {
            let comments = parsed.comments.iter().map(|r| {
                (
                    parsed.index.line_index(r.start()).get() as u32,
                    parsed.text.get(r.to_std_range()).unwrap_or(""),
                )
            });
            let (nosec, noqa) = (engine.options.honor_nosec, engine.options.honor_noqa);
            let nosec = if nosec || noqa {
                NosecLines::parse(comments, nosec, noqa, |t| engine.names.get(t).cloned())
            } else {
                NosecLines::default()
            };
            let mut run = Run {
                engine: &engine,
                nosec,
                report: FileReport::default(),
                seen: BTreeSet::new(),
            };
            if let Some(refusal) = &parsed.cpython_refusal {
                run.report.notes.push(format!(
                    "CPython would refuse this file ({refusal}); the findings come from the \
                     error-recovering parser"
                ));
            }
            let file = FileState {
                path: &path_owned,
                text: &parsed.text,
                index: &parsed.index,
                imports: BTreeSet::new(),
                aliases: Default::default(),
                fuel: std::cell::Cell::new(crate::walk::FILE_FUEL),
                bindings: Default::default(),
                callees: Default::default(),
            };
            Walker::new(file, &mut run).walk_module(&parsed.module);
            if summarize {
                run.report.summary = Some(summary::summarize(&parsed.module, &parsed.index));
            }
            run.report
        });
        match result {
            Ok(r) => r,
            Err(reason) => FileReport {
                notes: vec![format!("not analysed: {reason}")],
                ..Default::default()
            },
        }
    }
}

struct Run<'e> {
    engine: &'e Engine,
    nosec: NosecLines,
    report: FileReport,
    /// (rule, line, column) already reported, for stable fingerprints.
    seen: BTreeSet<(String, u32, u32)>,
}

impl Dispatch for Run<'_> {
    fn wants(&self, kind: Kind) -> bool {
        !self.engine.by_kind[kind as usize].is_empty()
    }

    fn dispatch(&mut self, ctx: &Ctx) {
        let engine = self.engine;
        let rules = engine.rules_for(ctx);
        for &i in rules {
            let rule = &engine.rules[i];
            if let Some(issue) = rule.check(ctx, &engine.options) {
                self.record(ctx, rule.meta(), issue);
            }
        }
        // Tests run debug builds: every rule a call's name left out must indeed find nothing.
        if cfg!(debug_assertions) && ctx.kind == Kind::Call {
            for &i in &engine.by_kind[Kind::Call as usize] {
                let rule = &engine.rules[i];
                assert!(
                    rules.contains(&i) || rule.check(ctx, &engine.options).is_none(),
                    "{} reports on a call named {:?}, which its call_names or method_names leave out",
                    rule.meta().id,
                    ctx.name()
                );
            }
        }
    }
}

/// The call rules to run on calls of one shape, by the called name.
struct CallGate {
    /// For each name some rule is limited to: the rules to run on calls of it, in rule order.
    named: FxHashMap<&'static str, Vec<usize>>,
    /// The rules to run on calls of any other name.
    other: Vec<usize>,
}

impl CallGate {
    /// `limits[k]`: the names rule `call_rules[k]` reports on (`None`: any).
    fn new(call_rules: &[usize], limits: &[Option<Vec<&'static str>>]) -> CallGate {
        let select = |name: Option<&str>| -> Vec<usize> {
            call_rules
                .iter()
                .zip(limits)
                .filter(|(_, limit)| match (limit, name) {
                    (None, _) => true,
                    (Some(names), Some(name)) => names.contains(&name),
                    (Some(_), None) => false,
                })
                .map(|(&i, _)| i)
                .collect()
        };
        let mut named = FxHashMap::default();
        for &name in limits.iter().flatten().flatten() {
            named.entry(name).or_insert_with(|| select(Some(name)));
        }
        CallGate {
            named,
            other: select(None),
        }
    }

    fn rules(&self, name: &str) -> &[usize] {
        self.named.get(name).unwrap_or(&self.other)
    }
}

impl Run<'_> {
    fn record(&mut self, ctx: &Ctx, meta: &'static Meta, issue: Issue) {
        let id = issue.id.unwrap_or(meta.id);
        let entry = if issue.id.is_some() {
            self.engine
                .rules
                .iter()
                .flat_map(|r| r.metas())
                .find(|m| m.id == id)
                .unwrap_or(meta)
        } else {
            meta
        };
        let line = issue
            .line
            .unwrap_or_else(|| node_lineno(ctx.file, &ctx.node));
        if self.nosec.silences(id, line, ctx.lines()) {
            // Bandit counts a bare nosec and a nosec naming the test apart.
            if self.nosec.names_tests(line, ctx.lines()) {
                self.report.skipped_tests += 1;
            } else {
                self.report.nosec += 1;
            }
            return;
        }
        let range = ctx.node.range();
        let (start_line, column) = if issue.line.is_some() || range.is_empty() {
            (line, 1)
        } else {
            let (l, c) = ctx.file.position(range.start());
            (l.max(line), c)
        };
        let (end_line, end_column) = if range.is_empty() {
            (line, 1)
        } else {
            ctx.file.position(range.end())
        };
        let snippet = source_line(ctx.file, line);
        let scope = exec_scope(ctx.parents, range);
        let occurrence = {
            let mut n = 0;
            while !self.seen.insert((id.to_string(), line, column + n)) {
                n += 1;
            }
            n
        };
        self.report.findings.push(Finding {
            rule: id.to_string(),
            name: entry.name.to_string(),
            cwe: entry.cwe,
            severity: issue.severity,
            confidence: issue.confidence,
            location: Location {
                file: ctx.file.path.to_string(),
                line: start_line.max(1),
                column,
                end_line: end_line.max(start_line),
                end_column,
                context: {
                    let (a, b) = ctx.lines();
                    [a, b]
                },
            },
            fingerprint: fingerprint(&[
                id,
                ctx.file.path,
                &scope,
                snippet.trim(),
                &occurrence.to_string(),
            ]),
            scope,
            snippet,
            message: issue.message,
            reachability: Reachability::NotReached,
            evidence: Vec::new(),
        });
    }
}

fn source_line(file: &FileState, line: u32) -> String {
    let Some(start) = line.checked_sub(1).map(|l| {
        file.index
            .line_start(OneIndexed::from_zero_indexed(l as usize), file.text)
    }) else {
        return String::new();
    };
    let rest = file.text.get(usize::from(start)..).unwrap_or("");
    let l = rest.lines().next().unwrap_or("");
    if l.chars().count() > 200 {
        format!("{}…", l.chars().take(200).collect::<String>())
    } else {
        l.to_string()
    }
}

/// FNV-1a over the parts: stable across runs and line shifts.
fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
