use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B702 use_of_mako_templates.
    ///
    /// ## What it does
    /// Reports calls of `mako...Template(...)` (a qualified name with a `mako` component ending in
    /// `Template`).
    ///
    /// ## Why is this bad?
    /// Mako renders expressions without HTML escaping unless a filter is given for each one, so
    /// templates rendering user data allow cross-site scripting.
    pub struct UseOfMakoTemplates {
        id: "B702",
        name: "use_of_mako_templates",
        cwe: 80,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "mako.template.Template(source).render(name=user_input)",
    }
}

impl Rule for UseOfMakoTemplates {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["Template"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        (ctx.name() == "Template" && ctx.qualname.split('.').any(|p| p == "mako")).then(|| {
            META.issue(
                "Mako templates allow HTML/JS rendering by default and are inherently open to \
                 XSS attacks. Ensure variables in all templates are properly sanitized via the \
                 'n', 'h' or 'x' flags (depending on context). For example, to HTML escape the \
                 variable 'data' do ${ data |h }.",
            )
        })
    }
}
