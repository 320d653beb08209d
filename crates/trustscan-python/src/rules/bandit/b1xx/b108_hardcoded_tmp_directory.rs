use crate::pyast::string_line;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B108 hardcoded_tmp_directory.
    ///
    /// ## What it does
    /// Reports strings that start with a shared temporary directory (by default `/tmp`,
    /// `/var/tmp` and `/dev/shm`; Bandit's `tmp_dirs` setting).
    ///
    /// ## Why is this bad?
    /// Any local user can create files in those directories: a predictable path there can be
    /// pre-created or symlinked by an attacker to read, replace or redirect what the program
    /// writes.
    pub struct HardcodedTmpDirectory {
        id: "B108",
        name: "hardcoded_tmp_directory",
        cwe: 377,
        severity: Medium,
        confidence: Medium,
        kinds: [Str],
        example: "open('/tmp/cache.bin', 'wb')",
    }
}

impl Rule for HardcodedTmpDirectory {
    fn check(&self, ctx: &Ctx, options: &Options) -> Option<Issue> {
        let s = ctx.string?;
        if !options.tmp_dirs.iter().any(|d| s.starts_with(d.as_str())) {
            return None;
        }
        let mut issue = META.issue("Probable insecure usage of temp file/directory.");
        issue.line = string_line(ctx);
        Some(issue)
    }
}
