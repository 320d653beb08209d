use crate::literal::Keywords;
use crate::pyast::keyword_line;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B508 snmp_insecure_version.
    ///
    /// ## What it does
    /// Reports `pysnmp.hlapi.CommunityData` built with `mpModel=0` or `mpModel=1` (SNMPv1 or
    /// SNMPv2c).
    ///
    /// ## Why is this bad?
    /// SNMPv1 and v2c authenticate with a community string sent in clear text and encrypt
    /// nothing: anyone on the network can read it and then query or reconfigure the device.
    pub struct SnmpInsecureVersion {
        id: "B508",
        name: "snmp_insecure_version",
        cwe: 319,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "CommunityData('public', mpModel=0)",
    }
}

impl Rule for SnmpInsecureVersion {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["CommunityData"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if ctx.qualname != "pysnmp.hlapi.CommunityData" {
            return None;
        }
        // `check_call_arg_value("mpModel", 0)`: Python equality, so `0.0` matches too.
        let model = Keywords::of(call).ok()?.get("mpModel").cloned()?;
        if !(model.eq_int(0) || model.eq_int(1)) {
            return None;
        }
        let mut issue =
            META.issue("The use of SNMPv1 and SNMPv2 is insecure. You should use SNMPv3 if able.");
        issue.line = keyword_line(ctx, call, "CommunityData");
        Some(issue)
    }
}
