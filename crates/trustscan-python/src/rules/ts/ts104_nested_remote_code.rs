//! TS104 nested_remote_code. PLACEHOLDER: to be written (see the helper's task).

use super::super::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{High, Medium};

pub struct NestedRemoteCode;

static META: Meta = Meta {
    id: "TS104",
    name: "nested_remote_code",
    cwe: 94,
    severity: High,
    confidence: Medium,
    rationale: "PLACEHOLDER",
    example: "PLACEHOLDER",
};

impl Rule for NestedRemoteCode {
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
