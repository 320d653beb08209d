//! TS111 dynamic_import. PLACEHOLDER: to be written (see the helper's task).

use super::super::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{High, Medium};

pub struct DynamicImport;

static META: Meta = Meta {
    id: "TS111",
    name: "dynamic_import",
    cwe: 470,
    severity: High,
    confidence: Medium,
    rationale: "PLACEHOLDER",
    example: "PLACEHOLDER",
};

impl Rule for DynamicImport {
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
