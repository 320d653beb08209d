//! `# nosec` comments, read as Bandit reads them: `#\s*nosec:?\s*(tests)?`, where tests are
//! IDs (`B101`) or names (`assert_used`) separated by commas or spaces; and, when asked for
//! separately, `# noqa:` with codes, where ruff's Bandit port numbers (`S307`) stand for Bandit's IDs (`B307`) and `TS`
//! IDs for themselves. A bare `# noqa` (a linter's blanket silence, common in real code) is
//! not honoured: Bandit ignores it and results stay Bandit's. In a scanned model repository
//! these comments are attacker-controlled, so they count only when the user asks.

use regex::Regex;
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// Line → the tests a `# nosec` on that line silences (empty: all of them).
#[derive(Debug, Default)]
pub struct NosecLines(HashMap<u32, BTreeSet<String>>);

fn comment_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"#\s*nosec:?\s*(?P<tests>[^#]+)?#?").expect("static regex"))
}

fn noqa_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"(?i)#\s*noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)")
            .expect("static regex")
    })
}

/// Rule IDs named by a `# noqa:` code list (unknown codes are dropped).
fn noqa_ids(codes: &str, id_of: &impl Fn(&str) -> Option<String>) -> BTreeSet<String> {
    codes
        .split([',', ' ', '\t'])
        .filter(|c| !c.is_empty())
        .filter_map(|c| {
            let c = c.to_ascii_uppercase();
            match c.strip_prefix('S') {
                Some(n) if n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()) => {
                    id_of(&format!("B{n}"))
                }
                _ => id_of(&c),
            }
        })
        .collect()
}

fn tests_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"(?i)(?:(B\d+|[a-z\d_]+),?)+").expect("static regex"))
}

impl NosecLines {
    /// `comments`: (line, comment text). `id_of` maps a test ID or name to its ID.
    pub fn parse<'c>(
        comments: impl IntoIterator<Item = (u32, &'c str)>,
        nosec: bool,
        noqa: bool,
        id_of: impl Fn(&str) -> Option<String>,
    ) -> NosecLines {
        let mut map = HashMap::new();
        for (line, text) in comments {
            if noqa && let Some(codes) = noqa_re().captures(text).and_then(|m| m.name("codes")) {
                let ids = noqa_ids(codes.as_str(), &id_of);
                if !ids.is_empty() {
                    map.insert(line, ids);
                }
            }
            let Some(m) = comment_re().captures(text).filter(|_| nosec) else {
                continue;
            };
            let mut ids = BTreeSet::new();
            if let Some(tests) = m.name("tests") {
                for t in tests_re().captures_iter(tests.as_str()) {
                    if let Some(id) = t.get(1).and_then(|g| id_of(g.as_str())) {
                        ids.insert(id);
                    }
                }
            }
            // A bare nosec (empty: every test) wins over codes on the same line.
            match map.entry(line) {
                Entry::Vacant(v) => {
                    v.insert(ids);
                }
                Entry::Occupied(mut o) => {
                    if ids.is_empty() {
                        o.get_mut().clear();
                    } else if !o.get().is_empty() {
                        o.get_mut().extend(ids);
                    }
                }
            }
        }
        NosecLines(map)
    }

    /// Whether an issue of `test_id` at `lineno`, attributed to `lines`, is silenced:
    /// Bandit merges the tests named on the issue's own line with those of the first
    /// annotated line of the node's range.
    pub fn silences(&self, test_id: &str, lineno: u32, lines: (u32, u32)) -> bool {
        let base = self.0.get(&lineno);
        let context = (lines.0..=lines.1).find_map(|l| self.0.get(&l));
        if base.is_none() && context.is_none() {
            return false;
        }
        let mut tests: BTreeSet<&String> = BTreeSet::new();
        tests.extend(base.into_iter().flatten());
        tests.extend(context.into_iter().flatten());
        tests.is_empty() || tests.iter().any(|t| t.as_str() == test_id)
    }

    /// Whether the `# nosec` comments that apply name specific tests.
    pub fn names_tests(&self, lineno: u32, lines: (u32, u32)) -> bool {
        let base = self.0.get(&lineno);
        let context = (lines.0..=lines.1).find_map(|l| self.0.get(&l));
        base.into_iter().chain(context).any(|t| !t.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_of(t: &str) -> Option<String> {
        match t {
            "assert_used" | "B101" => Some("B101".into()),
            "B602" => Some("B602".into()),
            _ => None,
        }
    }

    #[test]
    fn nosec_forms() {
        let n = NosecLines::parse(
            [
                (1, "# nosec"),
                (2, "#nosec: B602, assert_used"),
                (3, "# NOSEC"),
                (4, "# nosec B999"),
            ],
            true,
            false,
            id_of,
        );
        assert!(n.silences("B307", 1, (1, 1)));
        assert!(n.silences("B101", 2, (2, 2)));
        assert!(n.silences("B602", 2, (2, 2)));
        assert!(!n.silences("B307", 2, (2, 2)));
        assert!(
            !n.silences("B307", 3, (3, 3)),
            "the match is case-sensitive"
        );
        // Unknown IDs are dropped: an empty set silences everything.
        assert!(n.silences("B307", 4, (4, 4)));
        // A nosec anywhere in the node's lines applies.
        assert!(n.silences("B307", 9, (1, 9)));
        assert!(!n.silences("B307", 9, (9, 9)));
    }

    #[test]
    fn noqa_with_codes_only() {
        let n = NosecLines::parse(
            [
                (1, "# noqa"),
                (2, "# noqa: S101, E501"),
                (3, "# noqa: F401"),
                (4, "# noqa: S602 # nosec: B101"),
                (5, "assert x  # nosec"),
            ],
            true,
            true,
            id_of,
        );
        assert!(
            !n.silences("B101", 1, (1, 1)),
            "a bare noqa is not honoured"
        );
        assert!(n.silences("B101", 2, (2, 2)));
        assert!(!n.silences("B602", 2, (2, 2)));
        assert!(!n.silences("B101", 3, (3, 3)), "other linters' codes");
        assert!(n.silences("B602", 4, (4, 4)) && n.silences("B101", 4, (4, 4)));
        let only_noqa =
            NosecLines::parse([(2, "# noqa: S101"), (5, "# nosec")], false, true, id_of);
        assert!(only_noqa.silences("B101", 2, (2, 2)));
        assert!(!only_noqa.silences("B101", 5, (5, 5)));
    }
}
