//! What B113 and B501 share: the HTTP calls of `requests` and `httpx` Bandit looks at.

use crate::walk::Ctx;

/// The `requests` functions that send a request.
const HTTP_VERBS: &[&str] = &["get", "options", "head", "post", "put", "patch", "delete"];

/// httpx's request functions and clients besides the HTTP verbs.
const HTTPX_EXTRA: &[&str] = &["request", "stream", "Client", "AsyncClient"];

/// The `httpx` names that send a request or build a client.
fn is_httpx_attr(name: &str) -> bool {
    HTTP_VERBS.contains(&name) || HTTPX_EXTRA.contains(&name)
}

/// Every last name [`http_module`] accepts.
pub fn http_names() -> Vec<&'static str> {
    crate::rules::last_parts(
        HTTP_VERBS
            .iter()
            .copied()
            .chain(HTTPX_EXTRA.iter().copied()),
    )
}

/// The module a call's qualified name starts with, when it is `requests` (with an HTTP verb)
/// or `httpx` (with a request or client name).
pub fn http_module<'c>(ctx: &'c Ctx) -> Option<&'c str> {
    let module = ctx.qualname.split('.').next().unwrap_or("");
    let verb = HTTP_VERBS.contains(&ctx.name());
    match module {
        "requests" if verb => Some(module),
        "httpx" if is_httpx_attr(ctx.name()) => Some(module),
        _ => None,
    }
}
