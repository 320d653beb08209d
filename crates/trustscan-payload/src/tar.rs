//! A tar reader over bytes in memory: the legacy `torch.save` tar layout (`sys_info`,
//! `pickle`, `storages`, `tensors`) and tarballs people wrap models in. Members are returned
//! as byte ranges, never extracted; names are only labels (a `../` name cannot escape
//! anything here), but links and odd names are reported by the caller.

use crate::sniff::magic;

/// One regular-file or link member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub range: std::ops::Range<usize>,
    /// For hard and symbolic links: where they point (extracting them is an archive slip).
    pub link: Option<String>,
}

/// Regular-file members, at most `max_members` of them (more is an error).
pub fn members(data: &[u8], max_members: usize) -> Result<Vec<Member>, String> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    // GNU `L` and pax `path=` records name the member that follows.
    let mut long_name: Option<String> = None;
    while let Some(header) = data.get(pos..pos + 512) {
        if header.iter().all(|&b| b == 0) {
            break; // end-of-archive marker
        }
        let size = octal_or_binary(&header[124..136])
            .ok_or_else(|| format!("the tar header at byte {pos} has an unreadable size"))?;
        let body = pos + 512;
        let end = usize::try_from(size)
            .ok()
            .and_then(|s| body.checked_add(s))
            .filter(|&e| e <= data.len())
            .ok_or_else(|| format!("the tar member at byte {pos} runs past the end of the data"))?;
        let kind = header[156];
        match kind {
            b'L' => long_name = Some(c_string(&data[body..end])),
            b'x' => {
                if let Some(p) = pax_path(&data[body..end]) {
                    long_name = Some(p);
                }
            }
            b'0' | 0 | b'7' | b'1' | b'2' => {
                if out.len() >= max_members {
                    return Err(format!(
                        "the tar archive has more than {max_members} members"
                    ));
                }
                // Hard and symbolic links carry no body, only where they point.
                let link = matches!(kind, b'1' | b'2').then(|| c_string(&header[157..257]));
                out.push(Member {
                    name: long_name.take().unwrap_or_else(|| ustar_name(header)),
                    range: if link.is_some() {
                        body..body
                    } else {
                        body..end
                    },
                    link,
                });
            }
            _ => long_name = None, // directories, links, devices: nothing to read
        }
        // Bodies are padded to whole 512-byte blocks.
        pos = end
            .checked_add(511)
            .map(|e| e / 512 * 512)
            .ok_or("tar offsets overflow")?;
    }
    Ok(out)
}

/// A size field: NUL/space-terminated octal, or GNU base-256 (high bit set) for large files.
fn octal_or_binary(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let mut v: u64 = (field[0] & 0x7f) as u64;
        for &b in &field[1..] {
            v = v.checked_mul(256)?.checked_add(b as u64)?;
        }
        return Some(v);
    }
    let text: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|b| *b == b' ')
        .take_while(|b| (b'0'..=b'7').contains(b))
        .collect();
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(std::str::from_utf8(&text).ok()?, 8).ok()
}

fn c_string(b: &[u8]) -> String {
    let end = memchr::memchr(0, b).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn ustar_name(header: &[u8]) -> String {
    let name = c_string(&header[0..100]);
    // Only ustar headers have the prefix field (POSIX.1-1988).
    let at = magic::TAR_USTAR_AT;
    let prefix = if header[at..at + magic::TAR_USTAR.len()] == *magic::TAR_USTAR {
        c_string(&header[345..500])
    } else {
        String::new()
    };
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

/// The `path` record of a pax extended header (`<len> path=<name>\n` records).
fn pax_path(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    text.lines().find_map(|line| {
        let (_, record) = line.split_once(' ')?;
        record.strip_prefix("path=").map(str::to_string)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, size: usize, kind: u8) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let s = format!("{size:011o}\0");
        h[124..136].copy_from_slice(s.as_bytes());
        h[156] = kind;
        h[257..263].copy_from_slice(b"ustar\0");
        h
    }

    fn archive(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, body) in members {
            out.extend(header(name, body.len(), b'0'));
            out.extend_from_slice(body);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.extend([0u8; 1024]);
        out
    }

    #[test]
    fn members_and_their_bytes() {
        let t = archive(&[("sys_info", b"abc"), ("pickle", &[1u8; 600])]);
        assert_eq!(
            crate::sniff::by_magic(&t, t.len() as u64),
            Some(crate::sniff::Format::Tar)
        );
        let m = members(&t, 10).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].name, "sys_info");
        assert_eq!(&t[m[0].range.clone()], b"abc");
        assert_eq!(t[m[1].range.clone()].len(), 600);
        assert!(members(&t, 1).unwrap_err().contains("more than 1"));
    }

    #[test]
    fn truncation_is_an_error_or_fewer_members_never_a_panic() {
        let t = archive(&[("a", &[7u8; 1000]), ("b", b"xyz")]);
        for cut in 0..t.len() {
            if let Ok(m) = members(&t[..cut], 10) {
                assert!(m.len() <= 2);
            }
        }
        // A size near u64::MAX in base-256.
        let mut h = header("x", 0, b'0');
        h[124] = 0xff;
        h[125..136].fill(0xff);
        assert!(members(&h, 10).is_err());
    }
}
