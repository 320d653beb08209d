//! A token-level pre-pass for CPython's hard tokenizer limits: more than 200 nested brackets
//! ("too many nested parentheses") or more than 100 indentation levels ("too many levels of
//! indentation") make CPython refuse to compile a file, so nothing in it can run.

/// `MAXLEVEL` in CPython's tokenizer.
pub const CPYTHON_MAX_BRACKET_DEPTH: usize = 200;
/// `MAXINDENT` in CPython's tokenizer.
pub const CPYTHON_MAX_INDENT_LEVELS: usize = 100;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Nesting {
    pub max_bracket_depth: usize,
    pub max_indent_levels: usize,
}

impl Nesting {
    /// Why CPython would refuse to compile the file, if it would.
    pub fn cpython_refusal(&self) -> Option<String> {
        if self.max_bracket_depth > CPYTHON_MAX_BRACKET_DEPTH {
            Some(format!(
                "brackets nest {} deep; CPython refuses more than {CPYTHON_MAX_BRACKET_DEPTH} \
                 (\"too many nested parentheses\")",
                self.max_bracket_depth
            ))
        } else if self.max_indent_levels > CPYTHON_MAX_INDENT_LEVELS {
            Some(format!(
                "indentation nests {} levels; CPython refuses more than \
                 {CPYTHON_MAX_INDENT_LEVELS} (\"too many levels of indentation\")",
                self.max_indent_levels
            ))
        } else {
            None
        }
    }
}

/// Measure bracket and indentation nesting, skipping strings and comments.
pub fn measure_nesting(src: &str) -> Nesting {
    let b = src.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    let mut out = Nesting::default();
    let mut indents: Vec<usize> = vec![0];
    let mut at_line_start = true;
    let mut continuation = false;
    while i < b.len() {
        if at_line_start {
            at_line_start = false;
            let mut col = 0;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b' ' => col += 1,
                    b'\t' => col = (col / 8 + 1) * 8,
                    b'\x0c' => col = 0,
                    _ => break,
                }
                j += 1;
            }
            let blank = j >= b.len() || matches!(b[j], b'\n' | b'\r' | b'#');
            if depth == 0 && !continuation && !blank {
                if col > *indents.last().unwrap_or(&0) {
                    indents.push(col);
                    out.max_indent_levels = out.max_indent_levels.max(indents.len() - 1);
                } else {
                    while indents.len() > 1 && col < *indents.last().unwrap_or(&0) {
                        indents.pop();
                    }
                }
            }
            continuation = false;
            i = j;
            continue;
        }
        let c = b[i];
        match c {
            b'\n' => {
                at_line_start = true;
                i += 1;
            }
            b'\\' if b.get(i + 1) == Some(&b'\n') => {
                continuation = true;
                i += 2;
                at_line_start = true;
            }
            b'\\' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => {
                continuation = true;
                i += 3;
                at_line_start = true;
            }
            b'#' => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p);
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                out.max_bracket_depth = out.max_bracket_depth.max(depth);
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'\'' | b'"' => i = skip_string(b, i),
            // Most bytes are none of the above: skip them in one run.
            _ => {
                i += 1 + b[i + 1..]
                    .iter()
                    .take_while(|&&c| !SPECIAL[c as usize])
                    .count()
            }
        }
    }
    out
}

/// The bytes [`measure_nesting`] acts on outside strings.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let bytes = b"\n\\#()[]{}'\"";
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// Skip a string literal starting at the quote at `i`; returns the index after it.
fn skip_string(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let triple = b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < b.len() {
        // Only the quote, a backslash and (single-quoted) a line end matter.
        let next = if triple {
            memchr::memchr2(q, b'\\', &b[j..])
        } else {
            memchr::memchr3(q, b'\\', b'\n', &b[j..])
        };
        let Some(at) = next else { break };
        j += at;
        let c = b[j];
        if c == b'\\' {
            j += 2;
            continue;
        }
        if triple {
            if c == q && b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q) {
                return j + 3;
            }
        } else if c == q {
            return j + 1;
        } else if c == b'\n' {
            // Unterminated single-quoted string: the tokenizer stops it at the line end.
            return j;
        }
        j += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let n = measure_nesting("x = ((1))  # (((((\ny = '((((' + \"\"\"\n((((\n\"\"\"\n");
        assert_eq!(n.max_bracket_depth, 2);
        assert!(n.cpython_refusal().is_none());
    }

    #[test]
    fn escapes_and_unterminated_strings_end_where_the_tokenizer_ends_them() {
        // An escaped quote does not close the string; an escaped backslash before it does.
        let n = measure_nesting("x = 'a\\'(((' + \"b\\\"[[[\" + '\\\\'(\n");
        assert_eq!(n.max_bracket_depth, 1);
        let n = measure_nesting("x = '''(\\''' ((\n'''\ny = (1)\n");
        assert_eq!(n.max_bracket_depth, 1);
        // A single-quoted string stops at the line end; the next line counts again.
        let n = measure_nesting("x = '((\ny = [[1]]\n");
        assert_eq!(n.max_bracket_depth, 2);
    }

    #[test]
    fn cpython_limits_are_exact() {
        let ok = format!("x = {}1{}\n", "(".repeat(200), ")".repeat(200));
        assert!(measure_nesting(&ok).cpython_refusal().is_none());
        let bad = format!("x = {}1{}\n", "(".repeat(201), ")".repeat(201));
        assert!(measure_nesting(&bad).cpython_refusal().is_some());

        let indent = |levels: usize| {
            let mut s = String::new();
            for i in 0..levels {
                s.push_str(&" ".repeat(i));
                s.push_str("if x:\n");
            }
            s.push_str(&" ".repeat(levels));
            s.push_str("pass\n");
            s
        };
        assert_eq!(measure_nesting(&indent(100)).max_indent_levels, 100);
        assert!(measure_nesting(&indent(100)).cpython_refusal().is_none());
        assert!(measure_nesting(&indent(101)).cpython_refusal().is_some());
    }

    #[test]
    fn indentation_inside_brackets_and_continuations_is_ignored() {
        let n = measure_nesting("x = [\n        1,\n            2]\ny = 1 + \\\n      2\n");
        assert_eq!(n.max_indent_levels, 0);
    }
}
