use crate::literal::Keywords;
use crate::pyast::keyword_line;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B614 pytorch_load.
    ///
    /// ## What it does
    /// In files that import `torch`, reports `torch.load` and `torch.serialization.load` calls
    /// not given `weights_only=True`.
    ///
    /// ## Why is this bad?
    /// Without `weights_only=True`, `torch.load` unpickles the file: a crafted checkpoint runs
    /// arbitrary code the moment it is loaded.
    pub struct PytorchLoad {
        id: "B614",
        name: "pytorch_load",
        cwe: 502,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "model.load_state_dict(torch.load(path))",
    }
}

impl Rule for PytorchLoad {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["load"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if ctx.qualname != "torch.load" && ctx.qualname != "torch.serialization.load" {
            return None;
        }
        // Bandit needs `torch` itself among the imports (`import torch`), not `torch.x`.
        if !ctx.file.imports.contains("torch") {
            return None;
        }
        let keywords = Keywords::of(call).ok()?;
        if keywords
            .get("weights_only")
            .is_some_and(|v| v.eq_str("True"))
        {
            return None;
        }
        let mut issue = META.issue("Use of unsafe PyTorch load");
        issue.line = keyword_line(ctx, call, "load");
        Some(issue)
    }
}
