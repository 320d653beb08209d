//! Source decoding as CPython does it (PEP 263): a UTF-8 BOM, or a `coding` cookie on the
//! first or second line, else UTF-8.

use encoding_rs::Encoding;

/// Source text ready for the parser.
#[derive(Clone, Debug)]
pub struct DecodedSource {
    pub text: String,
    /// The encoding CPython would use (`utf-8` unless a BOM or cookie says otherwise).
    pub encoding: String,
    /// Why CPython would refuse to decode the file (an unknown encoding, invalid bytes).
    /// The text is then a lossy decoding, still worth analysing.
    pub problem: Option<String>,
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// [`decode_source`] taking the bytes: plain UTF-8 (no BOM, no other cookie) becomes the
/// text without a copy.
pub fn decode_source_owned(bytes: Vec<u8>) -> DecodedSource {
    let plain =
        !bytes.starts_with(BOM) && coding_cookie(&bytes).is_none_or(|c| normalize(&c) == "utf-8");
    if !plain {
        return decode_source(&bytes);
    }
    match String::from_utf8(bytes) {
        Ok(text) => DecodedSource {
            text,
            encoding: "utf-8".into(),
            problem: None,
        },
        Err(e) => decode_source(e.as_bytes()),
    }
}

/// Decode Python source bytes the way the interpreter would before compiling them.
pub fn decode_source(bytes: &[u8]) -> DecodedSource {
    let (has_bom, body) = match bytes.strip_prefix(BOM) {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let cookie = coding_cookie(body);
    let mut problem = None;
    let label = match (&cookie, has_bom) {
        (Some(c), true) if normalize(c) != "utf-8" => {
            problem = Some(format!(
                "encoding problem: {c} with a UTF-8 byte-order mark (CPython refuses this file)"
            ));
            "utf-8".to_string()
        }
        (Some(c), _) => c.clone(),
        (None, _) => "utf-8".to_string(),
    };
    let normalized = normalize(&label);
    if normalized == "utf-8" {
        return match std::str::from_utf8(body) {
            Ok(t) => DecodedSource {
                text: t.to_string(),
                encoding: "utf-8".into(),
                problem,
            },
            Err(e) => DecodedSource {
                text: String::from_utf8_lossy(body).into_owned(),
                encoding: "utf-8".into(),
                problem: problem.or_else(|| {
                    Some(format!(
                        "invalid UTF-8 at byte {} (CPython refuses to compile this file)",
                        e.valid_up_to() + if has_bom { 3 } else { 0 }
                    ))
                }),
            },
        };
    }
    // ISO-8859-1 maps every byte to the code point of the same value; encoding_rs would
    // substitute windows-1252 for it, which differs in 0x80..0x9f.
    if normalized == "latin-1" {
        return DecodedSource {
            text: body.iter().map(|&b| b as char).collect(),
            encoding: "latin-1".into(),
            problem,
        };
    }
    match Encoding::for_label(normalized.as_bytes()) {
        Some(enc) => {
            let (text, _, had_errors) = enc.decode(body);
            DecodedSource {
                text: text.into_owned(),
                encoding: enc.name().to_ascii_lowercase(),
                problem: problem.or_else(|| {
                    had_errors.then(|| {
                        format!("bytes invalid in the declared encoding {label} (CPython refuses to compile this file)")
                    })
                }),
            }
        }
        None => DecodedSource {
            text: String::from_utf8_lossy(body).into_owned(),
            encoding: label.clone(),
            problem: Some(format!(
                "unknown or unsupported source encoding {label:?}; decoded as UTF-8 for analysis"
            )),
        },
    }
}

/// The `coding[:=]` cookie of line 1, or of line 2 when line 1 is blank or a comment
/// (`^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`).
fn coding_cookie(body: &[u8]) -> Option<String> {
    let mut lines = body.split(|&b| b == b'\n').take(2);
    let first = lines.next()?;
    if let Some(c) = cookie_in_line(first) {
        return Some(c);
    }
    let first_trim: Vec<u8> = first
        .iter()
        .copied()
        .skip_while(|b| matches!(b, b' ' | b'\t' | b'\x0c' | b'\r'))
        .collect();
    if !(first_trim.is_empty() || first_trim[0] == b'#') {
        return None;
    }
    cookie_in_line(lines.next()?)
}

fn cookie_in_line(line: &[u8]) -> Option<String> {
    let start = line
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\x0c'))?;
    if line[start] != b'#' {
        return None;
    }
    let comment = &line[start..];
    let at = memchr::memmem::find(comment, b"coding")?;
    let rest = &comment[at + 6..];
    if !matches!(rest.first(), Some(b':') | Some(b'=')) {
        // `coding` may occur again later on the line, e.g. "# encoding-coding: x".
        return cookie_in_line_from(comment, at + 6);
    }
    let value: String = rest[1..]
        .iter()
        .skip_while(|b| matches!(b, b' ' | b'\t'))
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        .map(|&b| b as char)
        .collect();
    (!value.is_empty()).then_some(value)
}

fn cookie_in_line_from(comment: &[u8], from: usize) -> Option<String> {
    let mut line = b"#".to_vec();
    line.extend_from_slice(&comment[from..]);
    cookie_in_line(&line)
}

/// CPython's `get_normal_name`: `utf-8*` → `utf-8`, latin-1 aliases → `latin-1`.
fn normalize(label: &str) -> String {
    let lower = label.to_ascii_lowercase().replace('_', "-");
    if lower == "utf-8" || lower.starts_with("utf-8-") || lower == "utf8" {
        return "utf-8".into();
    }
    if [
        "latin-1",
        "iso-8859-1",
        "iso-latin-1",
        "latin1",
        "l1",
        "iso8859-1",
    ]
    .iter()
    .any(|p| lower == *p || lower.starts_with(&format!("{p}-")))
    {
        return "latin-1".into();
    }
    lower
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_boms_choose_the_encoding() {
        let d = decode_source(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n");
        assert_eq!(d.encoding, "latin-1");
        assert!(d.text.contains('é'));
        assert!(d.problem.is_none());

        let d =
            decode_source(b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx='\x80'\n");
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.contains('€'));

        // A cookie on line 2 only counts when line 1 is a comment or blank.
        let d = decode_source(b"x = 1\n# coding: latin-1\n");
        assert_eq!(d.encoding, "utf-8");

        let d = decode_source(b"\xef\xbb\xbfx = 1\n");
        assert_eq!(d.text, "x = 1\n");
        assert!(d.problem.is_none());
    }

    #[test]
    fn bad_input_is_decoded_lossily_with_a_problem() {
        let d = decode_source(b"x = '\xff\xfe'\n");
        assert!(d.problem.unwrap().contains("invalid UTF-8 at byte 5"));
        assert!(d.text.starts_with("x = '"));

        let d = decode_source(b"# coding: klingon\nx = 1\n");
        assert!(d.problem.unwrap().contains("klingon"));

        let d = decode_source(b"\xef\xbb\xbf# coding: latin-1\n");
        assert!(d.problem.is_some());
    }

    #[test]
    fn owned_decoding_agrees_with_borrowed() {
        let inputs: [&[u8]; 8] = [
            b"x = 1\n",
            b"# coding: utf-8\nx = '\xc3\xa9'\n",
            b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
            b"\xef\xbb\xbfx = 1\n",
            b"\xef\xbb\xbf# coding: latin-1\n",
            b"x = '\xff\xfe'\n",
            b"# coding: klingon\nx = 1\n",
            b"",
        ];
        for bytes in inputs {
            let (owned, borrowed) = (decode_source_owned(bytes.to_vec()), decode_source(bytes));
            assert_eq!(
                (owned.text, owned.encoding, owned.problem),
                (borrowed.text, borrowed.encoding, borrowed.problem),
                "{bytes:?}"
            );
        }
    }
}
