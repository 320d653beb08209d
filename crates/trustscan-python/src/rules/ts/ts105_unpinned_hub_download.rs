//! TS105 unpinned_hub_download. PLACEHOLDER: to be written (see the helper's task).

use super::super::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{High, Medium};

pub struct UnpinnedHubDownload;

static META: Meta = Meta {
    id: "TS105",
    name: "unpinned_hub_download",
    cwe: 494,
    severity: High,
    confidence: Medium,
    rationale: "PLACEHOLDER",
    example: "PLACEHOLDER",
};

impl Rule for UnpinnedHubDownload {
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
