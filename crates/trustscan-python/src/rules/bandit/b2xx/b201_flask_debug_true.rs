use crate::literal::Keywords;
use crate::pyast::{imported_like, keyword_line};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B201 flask_debug_true.
    ///
    /// ## What it does
    /// In files that import anything whose name contains `flask`, reports calls of a `.run`
    /// method given `debug=True`.
    ///
    /// ## Why is this bad?
    /// Flask's debug mode serves the Werkzeug debugger, whose console runs arbitrary Python sent
    /// by whoever can reach the server.
    pub struct FlaskDebugTrue {
        id: "B201",
        name: "flask_debug_true",
        cwe: 94,
        severity: High,
        confidence: Medium,
        kinds: [Call],
        example: "app.run(debug=True)",
    }
}

impl Rule for FlaskDebugTrue {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["run"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if !ctx.qualname.ends_with(".run") || !imported_like(ctx, "flask") {
            return None;
        }
        if Keywords::of(call).ok()?.check("debug", &["True"]) != Some(true) {
            return None;
        }
        let mut issue = META.issue(
            "A Flask app appears to be run with debug=True, which exposes the Werkzeug \
             debugger and allows the execution of arbitrary code.",
        );
        issue.line = keyword_line(ctx, call, "debug");
        Some(issue)
    }
}
