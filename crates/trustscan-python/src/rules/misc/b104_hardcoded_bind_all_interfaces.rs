//! B104 hardcoded_bind_all_interfaces.
//!
//! ## What it does
//! Reports the string `"0.0.0.0"` anywhere outside a docstring.
//!
//! ## Why is this bad?
//! A server bound to `0.0.0.0` listens on every interface of the machine, including public
//! ones, which exposes a service that was probably meant for local use only.

use super::pyast::string_line;
use crate::rules::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::Medium;

pub struct HardcodedBindAllInterfaces;

static META: Meta = Meta {
    id: "B104",
    name: "hardcoded_bind_all_interfaces",
    cwe: 605,
    severity: Medium,
    confidence: Medium,
    rationale: "Binding to 0.0.0.0 listens on every interface of the machine, public ones \
                included, exposing a service probably meant to be local.",
    example: "app.run(host='0.0.0.0')",
};

impl Rule for HardcodedBindAllInterfaces {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Str]
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        if ctx.string != Some("0.0.0.0") {
            return None;
        }
        let mut issue = META.issue("Possible binding to all interfaces.");
        issue.line = string_line(ctx);
        Some(issue)
    }
}
