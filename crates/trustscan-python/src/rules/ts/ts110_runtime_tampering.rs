//! TS110 runtime_tampering. PLACEHOLDER: to be written (see the helper's task).

use super::super::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{High, Medium};

pub struct RuntimeTampering;

static META: Meta = Meta {
    id: "TS110",
    name: "runtime_tampering",
    cwe: 913,
    severity: High,
    confidence: Medium,
    rationale: "PLACEHOLDER",
    example: "PLACEHOLDER",
};

impl Rule for RuntimeTampering {
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
