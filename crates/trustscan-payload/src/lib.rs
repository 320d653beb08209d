//! Payload analysis: what deserializing a file would import and call, decided without
//! deserializing it. This first part models pickle (protocols 0-5) at the opcode level and
//! judges streams with an allowlist-first policy; containers, formats and the CLI come next
//! (README, "Layout").

pub mod pickle;
pub mod policy;
