use super::b502_ssl_with_bad_version::BAD_PROTOCOL_VERSIONS;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::{Ctx, Node};
use trustscan_pyparse::syntax::{Expr, Stmt};

rule! {
    /// B503 ssl_with_bad_defaults.
    ///
    /// ## What it does
    /// Reports function definitions whose positional parameters default to a broken SSL/TLS
    /// protocol version (`def connect(version=ssl.PROTOCOL_SSLv3)`).
    ///
    /// ## Why is this bad?
    /// Every caller that relies on the default gets a protocol version with published attacks,
    /// without seeing it at the call site.
    pub struct SslWithBadDefaults {
        id: "B503",
        name: "ssl_with_bad_defaults",
        cwe: 327,
        severity: Medium,
        confidence: Medium,
        kinds: [FunctionDef],
        example: "def connect(host, version=ssl.PROTOCOL_SSLv3): ...",
    }
}

impl Rule for SslWithBadDefaults {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let Node::Stmt(Stmt::FunctionDef(f)) = ctx.node else {
            return None;
        };
        // Bandit's `function_def_defaults_qual` covers `args.defaults` (positional parameters
        // only, not keyword-only ones) and keeps an attribute's last component; any other
        // default becomes "".
        let p = &f.parameters;
        p.posonlyargs
            .iter()
            .chain(p.args.iter())
            .filter_map(|a| a.default.as_deref())
            .any(|d| matches!(d, Expr::Attribute(a) if BAD_PROTOCOL_VERSIONS.contains(&a.attr.as_str())))
            .then(|| {
                META.issue(
                    "Function definition identified with insecure SSL/TLS protocol version by \
                     default, possible security issue.",
                )
            })
    }
}
