use crate::pyast::keyword_line;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B509 snmp_weak_cryptography.
    ///
    /// ## What it does
    /// Reports `pysnmp.hlapi.UsmUserData` built with fewer than three positional arguments, that
    /// is SNMPv3 without an authentication or privacy key (noAuthNoPriv, authNoPriv).
    ///
    /// ## Why is this bad?
    /// SNMPv3 without privacy sends everything, credentials included, in clear text.
    pub struct SnmpWeakCryptography {
        id: "B509",
        name: "snmp_weak_cryptography",
        cwe: 319,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "UsmUserData('securityName')",
    }
}

impl Rule for SnmpWeakCryptography {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["UsmUserData"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if ctx.qualname != "pysnmp.hlapi.UsmUserData" || call.arguments.args.len() >= 3 {
            return None;
        }
        let mut issue = META.issue(
            "You should not use SNMPv3 without encryption. noAuthNoPriv & authNoPriv is \
             insecure",
        );
        issue.line = keyword_line(ctx, call, "UsmUserData");
        Some(issue)
    }
}
