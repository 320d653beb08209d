//! B113 request_without_timeout.
//!
//! ## What it does
//! Reports `requests` HTTP calls (`get`, `post`, ...) made without a `timeout`, and `requests`
//! or `httpx` calls (including `httpx.Client`/`AsyncClient`/`request`/`stream`) whose
//! `timeout` is set to `None`.
//!
//! ## Why is this bad?
//! Without a timeout a request to an unresponsive server waits forever: the program hangs and
//! whatever it holds (workers, connections, locks) is never released.

use super::pyval::Keywords;
use crate::rules::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{Low, Medium};

pub struct RequestWithoutTimeout;

static META: Meta = Meta {
    id: "B113",
    name: "request_without_timeout",
    cwe: 400,
    severity: Medium,
    confidence: Low,
    rationale: "An HTTP request without a timeout can hang forever on an unresponsive server, \
                tying up the process and what it holds.",
    example: "requests.get(url)",
};

/// The `requests` functions that send a request.
pub(super) const HTTP_VERBS: &[&str] =
    &["get", "options", "head", "post", "put", "patch", "delete"];

/// httpx's request functions and clients besides the HTTP verbs.
const HTTPX_EXTRA: &[&str] = &["request", "stream", "Client", "AsyncClient"];

/// The `httpx` names that send a request or build a client.
pub(super) fn is_httpx_attr(name: &str) -> bool {
    HTTP_VERBS.contains(&name) || HTTPX_EXTRA.contains(&name)
}

/// Every last name [`http_module`] accepts.
pub(super) fn http_names() -> Vec<&'static str> {
    crate::rules::last_parts(
        HTTP_VERBS
            .iter()
            .copied()
            .chain(HTTPX_EXTRA.iter().copied()),
    )
}

/// The module a call's qualified name starts with, when it is `requests` (with an HTTP verb)
/// or `httpx` (with a request or client name).
pub(super) fn http_module<'c>(ctx: &'c Ctx) -> Option<&'c str> {
    let module = ctx.qualname.split('.').next().unwrap_or("");
    let verb = HTTP_VERBS.contains(&ctx.name());
    match module {
        "requests" if verb => Some(module),
        "httpx" if is_httpx_attr(ctx.name()) => Some(module),
        _ => None,
    }
}

impl Rule for RequestWithoutTimeout {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Call]
    }

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
