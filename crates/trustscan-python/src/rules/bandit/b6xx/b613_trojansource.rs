use crate::literal::str_repr;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B613 trojansource.
    ///
    /// ## What it does
    /// Reports a source file containing Unicode bidirectional control characters (the
    /// "Trojan Source" characters U+202A–U+202E, U+2066–U+2069 and U+200F), once, at the first
    /// line holding one.
    ///
    /// ## Why is this bad?
    /// Bidirectional overrides make editors and review tools display code in a different order
    /// than the interpreter reads it, so a reviewed line can hide logic that runs differently.
    pub struct Trojansource {
        id: "B613",
        name: "trojansource",
        cwe: 838,
        severity: High,
        confidence: Medium,
        kinds: [File],
        example: "access_level = \"user\u{202e} \u{2066}# Check if admin\u{2069} \u{2066}\"",
    }
}

/// In the order Bandit tries them on each line.
const BIDI: [char; 10] = [
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200f}',
];

/// Python's `str.splitlines()`: the line boundaries it knows, `\r\n` counting as one.
fn splitlines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = rest.char_indices().find(|(_, c)| {
            matches!(
                c,
                '\n' | '\r'
                    | '\u{0b}'
                    | '\u{0c}'
                    | '\u{1c}'
                    | '\u{1d}'
                    | '\u{1e}'
                    | '\u{85}'
                    | '\u{2028}'
                    | '\u{2029}'
            )
        });
        match cut {
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
            Some((i, c)) => {
                let line = &rest[..i];
                let width = if rest[i..].starts_with("\r\n") {
                    2
                } else {
                    c.len_utf8()
                };
                rest = &rest[i + width..];
                Some(line)
            }
        }
    })
}

impl Rule for Trojansource {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        // A cheap scan first: every listed character is E2 80 8F, E2 80 AA-AE or E2 81 A6-A9
        // in UTF-8, and most files (even those with other non-ASCII text) have none.
        let b = ctx.file.text.as_bytes();
        memchr::memchr_iter(0xE2, b).find(|&i| {
            matches!(
                b.get(i + 1..i + 3),
                Some([0x80, 0x8F | 0xAA..=0xAE] | [0x81, 0xA6..=0xA9])
            )
        })?;
        for (i, line) in splitlines(ctx.file.text).enumerate() {
            if let Some(c) = BIDI.iter().find(|c| line.contains(**c)) {
                let mut issue = META.issue(format!(
                    "A Python source file contains bidirectional control characters ({}).",
                    str_repr(&c.to_string())
                ));
                issue.line = Some(i as u32 + 1);
                return Some(issue);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::splitlines;

    #[test]
    fn python_line_boundaries() {
        let v: Vec<_> = splitlines("a\r\nb\x0cc\u{2028}d\n\ne").collect();
        assert_eq!(v, ["a", "b", "c", "d", "", "e"]);
        assert_eq!(splitlines("a\n").count(), 1);
    }

    #[test]
    fn first_line_first_listed_character() {
        let src = "x = 1\x0c\ny = '\u{2066}\u{202e}'\nz = '\u{202a}'\n";
        let f = crate::rules::findings_of(&["B613"], src);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].location.line, 3,
            "a form feed ends a line for splitlines"
        );
        assert!(f[0].message.contains("'\\u202e'"), "{}", f[0].message);
    }
}
