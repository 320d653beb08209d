use crate::literal::{Keywords, Lit, arg_at};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B506 yaml_load.
    ///
    /// ## What it does
    /// In files that import `yaml`, reports `yaml.load` calls not given `SafeLoader` or
    /// `CSafeLoader` (as `Loader=` or as the second positional argument).
    ///
    /// ## Why is this bad?
    /// PyYAML's full and unsafe loaders construct arbitrary Python objects from tags in the
    /// document, so loading untrusted YAML can run code.
    pub struct YamlLoad {
        id: "B506",
        name: "yaml_load",
        cwe: 20,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "config = yaml.load(open(path), Loader=yaml.Loader)",
    }
}

impl Rule for YamlLoad {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["load"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        // Checked first (cheap): without them no condition below can give an issue.
        if ctx.name() != "load"
            || !ctx.qualname.split('.').any(|p| p == "yaml")
            || !ctx.file.imports.contains("yaml")
        {
            return None;
        }
        // Bandit evaluates every condition before `all()`: one that raises ends the test.
        let keywords = Keywords::of(call).ok()?;
        let second = arg_at(call, 1).ok()?;
        let safe = |v: &str| matches!(&second, Lit::Str(s) if s == v);
        let hit = keywords.check("Loader", &["SafeLoader"]) != Some(true)
            && keywords.check("Loader", &["CSafeLoader"]) != Some(true)
            && !safe("SafeLoader")
            && !safe("CSafeLoader");
        hit.then(|| {
            META.issue(
                "Use of unsafe yaml load. Allows instantiation of arbitrary objects. Consider \
                 yaml.safe_load().",
            )
        })
    }
}
