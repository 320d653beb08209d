//! TS112 obfuscation. PLACEHOLDER: to be written (see the helper's task).

use super::super::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{High, Medium};

pub struct Obfuscation;

static META: Meta = Meta {
    id: "TS112",
    name: "obfuscation",
    cwe: 506,
    severity: High,
    confidence: Medium,
    rationale: "PLACEHOLDER",
    example: "PLACEHOLDER",
};

impl Rule for Obfuscation {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Call]
    }

    fn check(&self, _ctx: &Ctx, _options: &Options) -> Option<Issue> {
        None
    }
}
