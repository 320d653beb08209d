//! Payload analysis: what deserializing a file would import and call, decided without
//! deserializing it. This first part models pickle (protocols 0-5) at the opcode level and
//! judges streams with an allowlist-first policy; containers, formats and the CLI come next
//! (README, "Layout").

pub mod pickle;
pub mod policy;
pub mod zip;

/// Every pickle in a file: the file itself, or each pickle entry of a zip archive (PyTorch's
/// format), as (entry name or empty, analysis). `Err` when an archive cannot be read.
pub fn pickles_in(
    data: &[u8],
    budget: &pickle::Budget,
) -> Result<Vec<(String, pickle::Analysis)>, String> {
    if !data.starts_with(b"PK\x03\x04") {
        return Ok(vec![(String::new(), pickle::analyze(data, budget))]);
    }
    let entries = zip::entries(data)?;
    zip::pickle_entries(&entries)
        .into_iter()
        .map(|e| Ok((e.name.clone(), pickle::analyze(zip::read(data, e)?, budget))))
        .collect()
}
