//! The one base64 decoder (RFC 4648), in the two dialects its callers need: Python's
//! lenient `b64decode` (the Python rules fold decoded literals) and the strict check that a
//! string inside a pickle is an encoded payload.

/// How a caller reads base64 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Python's `b64decode` (`urlsafe`: `urlsafe_b64decode`) without `validate`: bytes
    /// outside the alphabet are discarded and the first `=` ends the data. Never fails.
    Python { urlsafe: bool },
    /// Standard and URL-safe letters alike, padding optional, `=`, spaces and line breaks
    /// skipped; any other byte means the text is not base64 (`None`).
    Embedded,
}

/// What one byte of the text is to a dialect.
enum Byte {
    Sextet(u8),
    Skip,
    End,
    Invalid,
}

fn classify(b: u8, dialect: Dialect) -> Byte {
    let standard = matches!(
        dialect,
        Dialect::Python { urlsafe: false } | Dialect::Embedded
    );
    let urlsafe = matches!(
        dialect,
        Dialect::Python { urlsafe: true } | Dialect::Embedded
    );
    match b {
        b'A'..=b'Z' => Byte::Sextet(b - b'A'),
        b'a'..=b'z' => Byte::Sextet(b - b'a' + 26),
        b'0'..=b'9' => Byte::Sextet(b - b'0' + 52),
        b'+' if standard => Byte::Sextet(62),
        b'/' if standard => Byte::Sextet(63),
        b'-' if urlsafe => Byte::Sextet(62),
        b'_' if urlsafe => Byte::Sextet(63),
        _ => match dialect {
            Dialect::Python { .. } if b == b'=' => Byte::End,
            Dialect::Python { .. } => Byte::Skip,
            Dialect::Embedded if matches!(b, b'=' | b'\n' | b'\r' | b' ') => Byte::Skip,
            Dialect::Embedded => Byte::Invalid,
        },
    }
}

/// The bytes `text` encodes; leftover bits of an incomplete last group are dropped.
pub fn decode(text: &[u8], dialect: Dialect) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in text {
        let v = match classify(b, dialect) {
            Byte::Sextet(v) => v,
            Byte::Skip => continue,
            Byte::End => break,
            Byte::Invalid => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PYTHON: Dialect = Dialect::Python { urlsafe: false };

    #[test]
    fn rfc4648_vectors() {
        for (enc, dec) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            for dialect in [PYTHON, Dialect::Embedded] {
                assert_eq!(decode(enc.as_bytes(), dialect).unwrap(), dec.as_bytes());
            }
        }
    }

    #[test]
    fn python_skips_strangers_and_stops_at_padding() {
        let urlsafe = Dialect::Python { urlsafe: true };
        assert_eq!(decode(b"_-8=", urlsafe).unwrap(), [0xff, 0xef]);
        assert_eq!(decode(b"Zm!9v", PYTHON).unwrap(), b"foo");
        assert_eq!(decode(b"Zg==Zm8=", PYTHON).unwrap(), b"f");
        // `-` and `_` are strangers to the standard alphabet.
        assert_eq!(decode(b"Zm-9v", PYTHON).unwrap(), b"foo");
    }

    #[test]
    fn embedded_takes_both_alphabets_and_rejects_strangers() {
        assert_eq!(decode(b"aGVs\nbG8", Dialect::Embedded).unwrap(), b"hello");
        assert_eq!(
            decode(b"-_-_", Dialect::Embedded).unwrap(),
            [0xfb, 0xff, 0xbf]
        );
        assert!(decode(b"not base64!", Dialect::Embedded).is_none());
    }
}
