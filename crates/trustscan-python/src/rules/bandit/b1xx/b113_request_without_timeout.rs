use crate::literal::Keywords;
use crate::rules::bandit::http::{http_module, http_names};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B113 request_without_timeout.
    ///
    /// ## What it does
    /// Reports `requests` HTTP calls (`get`, `post`, ...) made without a `timeout`, and `requests`
    /// or `httpx` calls (including `httpx.Client`/`AsyncClient`/`request`/`stream`) whose
    /// `timeout` is set to `None`.
    ///
    /// ## Why is this bad?
    /// Without a timeout a request to an unresponsive server waits forever: the program hangs and
    /// whatever it holds (workers, connections, locks) is never released.
    pub struct RequestWithoutTimeout {
        id: "B113",
        name: "request_without_timeout",
        cwe: 400,
        severity: Medium,
        confidence: Low,
        kinds: [Call],
        example: "requests.get(url)",
    }
}

impl Rule for RequestWithoutTimeout {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(http_names())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        let module = http_module(ctx)?;
        let keywords = Keywords::of(call).ok()?;
        let timeout = keywords.check("timeout", &["None"]);
        if module == "requests" && timeout.is_none() {
            return Some(META.issue(format!("Call to {module} without timeout")));
        }
        (timeout == Some(true))
            .then(|| META.issue(format!("Call to {module} with timeout set to None")))
    }
}

#[cfg(test)]
mod tests {
    fn lines(src: &str) -> Vec<(u32, String)> {
        crate::rules::findings_of(&["B113"], src)
            .into_iter()
            .map(|f| (f.location.line, f.message))
            .collect()
    }

    #[test]
    fn non_literal_timeout_counts_as_missing() {
        // Bandit's `check_call_arg_value` sees a call's result as `None`: "no timeout".
        let found =
            lines("import requests\nrequests.get(u, timeout=t())\nrequests.get(u, timeout=...)\n");
        assert_eq!(
            found,
            vec![(2, "Call to requests without timeout".to_string())]
        );
    }

    #[test]
    fn unhashable_set_literal_silences_the_call() {
        // Building `call_keywords` raises TypeError in Bandit, so the test reports nothing.
        let found =
            lines("import requests\nrequests.get(u, x={[1]})\nrequests.get(u, x={(1, 2)})\n");
        assert_eq!(
            found,
            vec![(3, "Call to requests without timeout".to_string())]
        );
        let found = lines("import httpx\nhttpx.get(u, timeout=None, x={(1, [2])})\n");
        assert!(found.is_empty());
        let found = lines("import httpx\nhttpx.Client(timeout=None)\nhttpx.Client()\n");
        assert_eq!(
            found,
            vec![(2, "Call to httpx with timeout set to None".to_string())]
        );
    }
}
