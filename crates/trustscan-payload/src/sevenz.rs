//! 7z archives. nullifAI (payload-evasions §7) stored PyTorch checkpoints in 7z, which
//! scanners skipped; every member is read here, whatever its name, within a decoder memory
//! limit and the caller's inflation caps.

use std::io::Read;

/// Decoder dictionaries and headers may use this much memory (KiB).
const MEMORY_LIMIT_KB: usize = 256 * 1024;

/// A member's name and its bytes, or why they could not be read.
pub type Member = (String, Result<Vec<u8>, String>);

/// The file members of a 7z archive, each inflated to at most `cap` bytes and all of them
/// to at most `total` bytes; `Err` when the archive itself cannot be read.
pub fn members(
    data: &[u8],
    cap: usize,
    total: usize,
    max_members: usize,
) -> Result<Vec<Member>, String> {
    let mut reader = sevenz_rust2::ArchiveReader::new_with_memory_limit(
        std::io::Cursor::new(data),
        sevenz_rust2::Password::empty(),
        MEMORY_LIMIT_KB,
    )
    .map_err(|e| format!("cannot read the 7z archive: {e}"))?;
    reader.set_thread_count(1);
    let mut out: Vec<Member> = Vec::new();
    let mut used = 0usize;
    let result = reader.for_each_entries(|entry, r| {
        if entry.is_directory() {
            return Ok(true);
        }
        if out.len() >= max_members {
            out.push((
                entry.name().to_string(),
                Err(format!("the archive has more than {max_members} members")),
            ));
            return Ok(false);
        }
        let limit = cap.min(total.saturating_sub(used));
        let mut bytes = Vec::new();
        let read = r
            .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
            .read_to_end(&mut bytes);
        let member = match read {
            Err(e) => Err(format!("cannot inflate: {e}")),
            Ok(_) if bytes.len() > limit => Err(format!(
                "it inflates to more than {} MiB (a bomb or too large to inspect)",
                limit >> 20
            )),
            Ok(_) => {
                used += bytes.len();
                Ok(bytes)
            }
        };
        let over = member.is_err();
        out.push((entry.name().to_string(), member));
        // After a failure the block's remaining members cannot be trusted to line up.
        Ok(!over)
    });
    if let Err(e) = result {
        out.push((
            String::new(),
            Err(format!("cannot read the 7z archive: {e}")),
        ));
    }
    Ok(out)
}
