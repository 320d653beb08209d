//! trustscan's vocabulary: the types every stage shares. No I/O lives here.
//!
//! A *target* names a repository; a source turns it into a *snapshot* ([`SnapshotInfo`]
//! describes it). The load stage turns a snapshot into a [`LoadPlan`]: for every loading API
//! that applies, an ordered list of [`Step`]s, each with the chain of [`ReasonLink`]s that
//! leads to it. Later stages add [`Finding`]s in its code and [`PayloadFile`]s judged without
//! being deserialized; the audit gathers them into a [`Scan`] with one [`Verdict`].

pub mod base64;
pub mod classification;
pub mod finding;
pub mod payload;
pub mod plan;
pub mod relpath;
pub mod scan;
pub mod snapshot;
pub mod text;
pub mod verdict;

pub use classification::{CustomCodeClassification, StudyCriterion, StudyMatch};
pub use finding::{CodeReport, Finding, GraphStats, Level, Location, Reachability, RuleInfo};
pub use payload::{
    Judgement, PayloadFile, PayloadPart, PayloadReport, PickleCall, PickleError, PickleFacts,
    PickleImport,
};
pub use plan::{
    ApiPlan, Certainty, Ecosystem, EntryPoint, Failure, Gate, LoadPlan, Note, NoteLevel,
    PLAN_SCHEMA, PayloadFormat, ReasonLink, Step, StepKind, Subject, VersionScope,
};
pub use scan::{CheckedFile, CodeAtLoad, Scan};
pub use snapshot::{PartialFile, Platform, RemoteInfo, SnapshotInfo, ZooModel, ZooWeights};
pub use verdict::Verdict;
