//! Static analysis of Jinja2 chat templates (GGUF `tokenizer.chat_template*`,
//! `tokenizer_config.json` `chat_template`, `chat_template.jinja`) for sandbox escapes
//! (payload-evasions §31; CVE-2024-34359: llama-cpp-python rendered GGUF templates in an
//! unsandboxed environment, so `{{ x.__class__.__mro__[1].__subclasses__() }}` reached
//! `os.popen`). Nothing is rendered: a small lexer that follows Jinja's (blocks `{{ }}`,
//! `{% %}`, comments `{# #}`, `{% raw %}`, whitespace-control `-`/`+`, brackets that keep a
//! block open, strings whose escapes are decoded the way Jinja does with Python's
//! `unicode-escape`) yields the tokens of the code parts, and markers are looked for there.
//!
//! Dangerous: dunder or name-mangled identifiers (`__class__`, `_TemplateReference__context`),
//! string literals naming dunders (`|attr('__class__')`, `['__globals__']`, `'\x5f\x5f...'`),
//! dunders assembled from pieces (`'__cla' ~ 'ss__'`, `['_','_','class']|join`,
//! `'__ssalc__'|reverse`), frame/code attributes (`f_globals`, `gi_frame`), process
//! spawning names (`popen`, `subprocess`, `eval`, `os.`), computed `attr()` names combined
//! with character-building tricks. Suspicious: weaker markers that real chat templates do not
//! use (`lipsum`, attributes of Jinja globals such as `cycler.x` or `namespace.x`, `config`,
//! `request`, `self`, `{% include %}`/`{% import %}`, `attr()` with a computed name, `%c`
//! formats, `|string` indexed for characters, a template that does not lex). Plain
//! `namespace(...)` calls, `raise_exception`, `tojson`, `strftime_now` are ordinary.

use crate::Inspection;
use serde_json::Value;
use trustscan_core::Judgement;

/// Dunders that appear in published Jinja sandbox escapes.
const KNOWN_DUNDERS: &[&str] = &[
    "__class__",
    "__mro__",
    "__subclasses__",
    "__globals__",
    "__builtins__",
    "__init__",
    "__import__",
    "__getattribute__",
    "__base__",
    "__bases__",
    "__dict__",
    "__code__",
    "__func__",
    "__self__",
    "__module__",
    "__getitem__",
    "__loader__",
    "__spec__",
    "__reduce__",
    "__reduce_ex__",
    "__closure__",
    "__call__",
    "__name__",
    "__qualname__",
    "__func_globals__",
];

/// Dunder cores that, next to bare underscores, spell an escape.
const DUNDER_CORES: &[&str] = &[
    "class",
    "mro",
    "subclasses",
    "globals",
    "builtins",
    "getattribute",
    "bases",
];

/// Frame, generator and code attributes: walking them reaches globals without dunders.
const FRAME_ATTRS: &[&str] = &[
    "f_globals",
    "f_locals",
    "f_builtins",
    "f_back",
    "gi_frame",
    "gi_code",
    "cr_frame",
    "ag_frame",
    "tb_frame",
    "co_code",
    "func_globals",
];

/// Names whose mere presence means spawning processes or evaluating code.
const EXEC_NAMES: &[&str] = &[
    "popen",
    "Popen",
    "subprocess",
    "check_output",
    "getoutput",
    "getstatusoutput",
    "spawnv",
    "execv",
    "execve",
    "eval",
    "exec",
    "execfile",
    "import_module",
    "load_module",
    "system",
];

/// Jinja and Flask globals used as gadget roots: their attributes lead to module globals.
const ROOTS: &[&str] = &[
    "lipsum",
    "cycler",
    "joiner",
    "namespace",
    "range",
    "dict",
    "config",
    "request",
    "self",
    "url_for",
    "get_flashed_messages",
    "session",
];

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Name,
    Str,
    Num,
    Op,
}

#[derive(Clone, Debug)]
struct Tok {
    kind: Kind,
    text: String,
    line: usize,
}

/// Inspect a template file (`chat_template.jinja`). Jinja reads templates as UTF-8; other
/// bytes are inconclusive.
pub fn inspect(data: &[u8]) -> Inspection {
    let mut ins = Inspection::new("jinja");
    match std::str::from_utf8(data) {
        Ok(text) => {
            let (v, reasons) = judge(text);
            for r in reasons {
                ins.flag(v, r);
            }
        }
        Err(e) => ins.flag(
            Judgement::Inconclusive,
            format!("the template is not UTF-8 at byte {}", e.valid_up_to()),
        ),
    }
    ins
}

/// The chat templates of a `tokenizer_config.json`: `chat_template` as a string, or a list
/// of `{"name", "template"}` (transformers' named templates). `None` when the JSON is not an
/// object or has no `chat_template`.
pub fn tokenizer_config_templates(json: &[u8]) -> Option<Vec<(String, String)>> {
    let root: Value = serde_json::from_slice(json).ok()?;
    match root.as_object()?.get("chat_template")? {
        Value::String(t) => Some(vec![("chat_template".into(), t.clone())]),
        Value::Array(list) => Some(
            list.iter()
                .filter_map(|e| {
                    let name = e.get("name").and_then(Value::as_str).unwrap_or("?");
                    let t = e.get("template").and_then(Value::as_str)?;
                    Some((format!("chat_template[{name}]"), t.to_string()))
                })
                .collect(),
        ),
        _ => Some(Vec::new()),
    }
}

/// Inspect a `tokenizer_config.json`: every chat template judged, reasons naming it. `None`
/// when it holds no `chat_template`.
pub fn inspect_tokenizer_config(json: &[u8]) -> Option<Inspection> {
    let templates = tokenizer_config_templates(json)?;
    let mut ins = Inspection::new("tokenizer_config");
    let root: Value = serde_json::from_slice(json).ok()?;
    let declared = root.get("chat_template");
    let count = declared.and_then(Value::as_array).map_or(1, Vec::len);
    if templates.len() != count {
        ins.flag(
            Judgement::Suspicious,
            "chat_template is neither a string nor a list of {name, template}",
        );
    }
    let mut found = Vec::new();
    for (name, text) in templates {
        let (v, reasons) = judge(&text);
        found.extend(reasons.into_iter().map(|r| (v, format!("{name}: {r}"))));
    }
    // Most serious template first.
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (v, r) in found {
        ins.flag(v, r);
    }
    Some(ins)
}

/// Judge a template's source: the verdict and the reasons, most serious first.
pub fn judge(text: &str) -> (Judgement, Vec<String>) {
    let (blocks, plain, lex_error) = lex(text);
    let mut found: Vec<(Judgement, String)> = Vec::new();
    if let Some(e) = lex_error {
        found.push((
            Judgement::Suspicious,
            format!("the template does not lex: {e}"),
        ));
    }
    let mut all_strings: Vec<&Tok> = Vec::new();
    let mut underscore_only = false;
    let mut char_tricks = false;
    let mut computed_attr = false;
    for block in &blocks {
        analyse_block(
            block,
            &mut found,
            &mut char_tricks,
            &mut computed_attr,
            &mut underscore_only,
        );
        all_strings.extend(block.iter().filter(|t| t.kind == Kind::Str));
    }
    // Dunders spelled across several literals, or backwards, anywhere in the template.
    let joined: String = all_strings.iter().map(|t| t.text.as_str()).collect();
    let reversed: String = joined.chars().rev().collect();
    for d in KNOWN_DUNDERS {
        if !all_strings.iter().any(|t| t.text.contains(d))
            && (joined.contains(d) || reversed.contains(d))
        {
            found.push((
                Judgement::Dangerous,
                format!("string pieces join (or reverse) into {d}"),
            ));
        }
    }
    for t in &all_strings {
        // Format placeholders stand for the underscores: "%s%sclass%s%s"|format('_', ...).
        let mut bare = t.text.clone();
        for p in ["%s", "%c", "{}", "{0}", "{1}"] {
            bare = bare.replace(p, "");
        }
        let core = bare.trim_matches('_');
        let rev: String = core.chars().rev().collect();
        if let Some(c) = DUNDER_CORES.iter().find(|c| **c == core || **c == rev) {
            if underscore_only || char_tricks {
                found.push((
                    Judgement::Dangerous,
                    format!(
                        "line {}: string {c:?} next to bare underscores or character tricks builds __{c}__",
                        t.line
                    ),
                ));
            } else {
                found.push((
                    Judgement::Suspicious,
                    format!("line {}: string {:?} names a dunder core", t.line, t.text),
                ));
            }
        }
    }
    // Text is output, but `{% set x %}__class__{% endset %}` turns it into a string.
    if let Some(d) = KNOWN_DUNDERS.iter().find(|d| plain.contains(*d)) {
        let v = if computed_attr {
            Judgement::Dangerous
        } else {
            Judgement::Suspicious
        };
        found.push((v, format!("the template text contains {d}")));
    }
    if computed_attr && (char_tricks || underscore_only) {
        found.push((
            Judgement::Dangerous,
            "attr() with a computed name together with character-building tricks".into(),
        ));
    }
    // Most serious first, each reason once, bounded.
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    let verdict = found.first().map_or(Judgement::Safe, |f| f.0);
    let mut reasons: Vec<String> = Vec::new();
    for (_, r) in found {
        if !reasons.contains(&r) && reasons.len() < 32 {
            reasons.push(r);
        }
    }
    (verdict, reasons)
}

fn analyse_block(
    toks: &[Tok],
    found: &mut Vec<(Judgement, String)>,
    char_tricks: &mut bool,
    computed_attr: &mut bool,
    underscore_only: &mut bool,
) {
    let at = |i: usize| toks.get(i);
    let is_op = |i: usize, s: &str| at(i).is_some_and(|t| t.kind == Kind::Op && t.text == s);
    let is_name = |i: usize, s: &str| at(i).is_some_and(|t| t.kind == Kind::Name && t.text == s);
    // Statements that load other templates through the environment's loader.
    if let Some(t) = toks.first().filter(|t| t.kind == Kind::Name)
        && matches!(t.text.as_str(), "include" | "import" | "extends" | "from")
    {
        found.push((
            Judgement::Suspicious,
            format!("line {}: {{% {} %}} loads another template", t.line, t.text),
        ));
    }
    for (i, t) in toks.iter().enumerate() {
        let line = t.line;
        match t.kind {
            Kind::Name => {
                let n = t.text.as_str();
                let after_dot = i > 0 && is_op(i - 1, ".");
                if is_dunder(n) {
                    // Name the root of a chain such as lipsum.__globals__.
                    let root = (0..i)
                        .rev()
                        .take(8)
                        .filter_map(at)
                        .find(|r| r.kind == Kind::Name && ROOTS.contains(&r.text.as_str()));
                    let why = match root {
                        Some(r) => format!("line {line}: gadget chain from {} reaches {n}", r.text),
                        None => format!("line {line}: dunder attribute or name {n}"),
                    };
                    found.push((Judgement::Dangerous, why));
                } else if n.contains("__") {
                    found.push((
                        Judgement::Dangerous,
                        format!("line {line}: name-mangled private attribute {n}"),
                    ));
                } else if FRAME_ATTRS.contains(&n) {
                    found.push((
                        Judgement::Dangerous,
                        format!("line {line}: frame or code attribute {n}"),
                    ));
                } else if EXEC_NAMES.contains(&n)
                    && (n != "system" || (after_dot && is_op(i + 1, "(")))
                {
                    found.push((
                        Judgement::Dangerous,
                        format!("line {line}: {n} (process spawning or code evaluation)"),
                    ));
                } else if matches!(n, "os" | "sys" | "builtins" | "importlib") && !after_dot {
                    let v = if is_op(i + 1, ".") || is_op(i + 1, "[") {
                        Judgement::Dangerous
                    } else {
                        Judgement::Suspicious
                    };
                    found.push((v, format!("line {line}: module name {n}")));
                } else if !after_dot && ROOTS.contains(&n) {
                    if n == "lipsum" {
                        found.push((
                            Judgement::Suspicious,
                            format!("line {line}: lipsum, a Jinja global used as a gadget root"),
                        ));
                    } else if is_op(i + 1, ".")
                        || is_op(i + 1, "[")
                        || (is_op(i + 1, "|") && is_name(i + 2, "attr"))
                        || matches!(n, "config" | "request" | "self" | "session")
                    {
                        found.push((
                            Judgement::Suspicious,
                            format!("line {line}: attribute access on the Jinja global {n}"),
                        ));
                    }
                } else if n == "mro" && after_dot {
                    found.push((Judgement::Suspicious, format!("line {line}: .mro")));
                } else if n == "attr" && i > 0 && is_op(i - 1, "|") {
                    // |attr('literal') is judged by its literal; a computed name is opaque.
                    let literal = is_op(i + 1, "(")
                        && at(i + 2).is_some_and(|t| t.kind == Kind::Str)
                        && is_op(i + 3, ")");
                    if !literal {
                        *computed_attr = true;
                        found.push((
                            Judgement::Suspicious,
                            format!("line {line}: attr() with a computed attribute name"),
                        ));
                    }
                } else if n == "string" && i > 0 && is_op(i - 1, "|") {
                    // (()|select|string)[24] is '_': characters taken from reprs.
                    let mut k = i + 1;
                    while is_op(k, ")") {
                        k += 1;
                    }
                    if is_op(k, "[")
                        || (is_op(k, "|")
                            && (is_name(k + 1, "list")
                                || is_name(k + 1, "first")
                                || is_name(k + 1, "last")))
                    {
                        *char_tricks = true;
                        found.push((
                            Judgement::Suspicious,
                            format!("line {line}: characters taken from a |string repr"),
                        ));
                    }
                } else if n == "reverse" && i > 0 && is_op(i - 1, "|") {
                    let after_str = i >= 2 && at(i - 2).is_some_and(|t| t.kind == Kind::Str);
                    if after_str {
                        *char_tricks = true;
                    }
                }
            }
            Kind::Str => {
                let s = t.text.as_str();
                if let Some(d) = KNOWN_DUNDERS.iter().find(|d| s.contains(*d)) {
                    found.push((
                        Judgement::Dangerous,
                        format!("line {line}: string literal names {d}"),
                    ));
                } else if let Some(d) = dunder_in(s) {
                    found.push((
                        Judgement::Suspicious,
                        format!("line {line}: string literal holds the dunder {d}"),
                    ));
                }
                if let Some(f) = FRAME_ATTRS.iter().find(|f| s == **f) {
                    found.push((
                        Judgement::Dangerous,
                        format!("line {line}: string literal names {f}"),
                    ));
                }
                if EXEC_NAMES.contains(&s) && s != "system" && s != "exec" {
                    found.push((
                        Judgement::Dangerous,
                        format!("line {line}: string literal {s:?}"),
                    ));
                }
                if matches!(s, "os" | "sys" | "builtins" | "subprocess" | "importlib") {
                    found.push((
                        Judgement::Suspicious,
                        format!("line {line}: string literal names the module {s}"),
                    ));
                }
                if !s.is_empty() && s.chars().all(|c| c == '_') {
                    *underscore_only = true;
                }
                if s.contains("%c") {
                    *char_tricks = true;
                    found.push((
                        Judgement::Suspicious,
                        format!("line {line}: %c format builds characters from numbers"),
                    ));
                }
            }
            Kind::Num | Kind::Op => {}
        }
    }
}

fn is_dunder(n: &str) -> bool {
    n.len() > 4 && n.starts_with("__") && n.ends_with("__")
}

/// The first `__word__` in `s`.
fn dunder_in(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(p) = s.get(i..).and_then(|r| r.find("__")) {
        let start = i + p;
        let mut j = start + 2;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        let word = &s[start..j];
        if is_dunder(word) && word[2..word.len() - 2].bytes().any(|c| c != b'_') {
            return Some(word);
        }
        i = start + 2;
    }
    None
}

/// The tokens of each code block (`{{ }}` and `{% %}`), and the first lexing error.
/// Also returns the template's text (what is output verbatim, raw blocks included).
fn lex(src: &str) -> (Vec<Vec<Tok>>, String, Option<String>) {
    let s: Vec<char> = src.chars().collect();
    let mut blocks = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let mut line = 1;
    let bump_lines = |from: usize, to: usize, line: &mut usize| {
        *line += s[from..to.min(s.len())]
            .iter()
            .filter(|&&c| c == '\n')
            .count();
    };
    while i < s.len() {
        // Find the next block start.
        let Some(p) = (i..s.len().saturating_sub(1))
            .find(|&k| s[k] == '{' && matches!(s[k + 1], '{' | '%' | '#'))
        else {
            break;
        };
        text.extend(&s[i..p]);
        bump_lines(i, p, &mut line);
        let kind = s[p + 1];
        i = p + 2;
        if kind == '#' {
            match find(&s, i, &['#', '}']) {
                Some(e) => {
                    bump_lines(i, e + 2, &mut line);
                    i = e + 2;
                }
                None => {
                    return (
                        blocks,
                        text,
                        Some(format!("line {line}: unterminated comment")),
                    );
                }
            }
            continue;
        }
        let close = if kind == '{' { '}' } else { '%' };
        let start_line = line;
        let (toks, end, err) = lex_code(&s, i, close, &mut line);
        i = end;
        // {% raw %} ... {% endraw %}: the content is text.
        let is_raw =
            kind == '%' && toks.len() == 1 && toks[0].kind == Kind::Name && toks[0].text == "raw";
        blocks.push(toks);
        if let Some(e) = err {
            return (blocks, text, Some(format!("line {start_line}: {e}")));
        }
        if is_raw {
            match find_endraw(&s, i) {
                Some(e) => {
                    text.extend(&s[i..e]);
                    bump_lines(i, e, &mut line);
                    i = e;
                }
                None => {
                    return (
                        blocks,
                        text,
                        Some(format!("line {line}: unterminated raw block")),
                    );
                }
            }
        }
    }
    text.extend(&s[i.min(s.len())..]);
    (blocks, text, None)
}

fn find(s: &[char], from: usize, pat: &[char]) -> Option<usize> {
    (from..s.len()).find(|&k| s[k..].starts_with(pat))
}

/// The index just past `{%-? endraw -?%}` following `from`.
fn find_endraw(s: &[char], from: usize) -> Option<usize> {
    let mut k = from;
    while let Some(p) = find(s, k, &['{', '%']) {
        let mut j = p + 2;
        if matches!(s.get(j), Some('-' | '+')) {
            j += 1;
        }
        while s.get(j).is_some_and(|c| c.is_whitespace()) {
            j += 1;
        }
        if s[j.min(s.len())..].starts_with(&['e', 'n', 'd', 'r', 'a', 'w']) {
            j += 6;
            while s.get(j).is_some_and(|c| c.is_whitespace()) {
                j += 1;
            }
            if matches!(s.get(j), Some('-' | '+')) {
                j += 1;
            }
            if s.get(j) == Some(&'%') && s.get(j + 1) == Some(&'}') {
                return Some(j + 2);
            }
        }
        k = p + 2;
    }
    None
}

/// Tokens from `i` to the block's end delimiter (`close` then `}`), which only counts
/// when no bracket is open (as in Jinja's lexer). Returns the tokens, the index after the
/// block and an error if it never ends.
fn lex_code(
    s: &[char],
    mut i: usize,
    close: char,
    line: &mut usize,
) -> (Vec<Tok>, usize, Option<String>) {
    let mut toks = Vec::new();
    let mut depth: usize = 0;
    // Whitespace control right after the opener.
    if matches!(s.get(i), Some('-' | '+')) {
        i += 1;
    }
    loop {
        let Some(&c) = s.get(i) else {
            return (toks, i, Some("unterminated block".into()));
        };
        if depth == 0 {
            let mut j = i;
            if matches!(c, '-' | '+') {
                j += 1;
            }
            if s.get(j) == Some(&close) && s.get(j + 1) == Some(&'}') {
                return (toks, j + 2, None);
            }
        }
        if c == '\n' {
            *line += 1;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tline = *line;
        if c == '\'' || c == '"' {
            match lex_string(s, i, line) {
                Ok((text, end)) => {
                    toks.push(Tok {
                        kind: Kind::Str,
                        text,
                        line: tline,
                    });
                    i = end;
                }
                Err(e) => return (toks, s.len(), Some(e)),
            }
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let st = i;
            while s.get(i).is_some_and(|c| c.is_alphanumeric() || *c == '_') {
                i += 1;
            }
            toks.push(Tok {
                kind: Kind::Name,
                text: s[st..i].iter().collect(),
                line: tline,
            });
            continue;
        }
        if c.is_ascii_digit() {
            let st = i;
            while s
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            {
                i += 1;
            }
            toks.push(Tok {
                kind: Kind::Num,
                text: s[st..i].iter().collect(),
                line: tline,
            });
            continue;
        }
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        toks.push(Tok {
            kind: Kind::Op,
            text: c.to_string(),
            line: tline,
        });
        i += 1;
    }
}

/// A string literal at `i`, decoded as Jinja does (`unicode-escape`).
fn lex_string(s: &[char], i: usize, line: &mut usize) -> Result<(String, usize), String> {
    let q = s[i];
    let mut out = String::new();
    let mut k = i + 1;
    loop {
        let Some(&c) = s.get(k) else {
            return Err("unterminated string literal".into());
        };
        k += 1;
        if c == '\n' {
            *line += 1;
        }
        if c == q {
            return Ok((out, k));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = s.get(k) else {
            return Err("unterminated string literal".into());
        };
        k += 1;
        let hex = |k: usize, n: usize| -> Option<char> {
            let h: String = s.get(k..k + n)?.iter().collect();
            if !h.chars().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            char::from_u32(u32::from_str_radix(&h, 16).ok()?)
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            '\n' => *line += 1,
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                // Jinja's decoding fails on a bad escape, so the template would not compile.
                let ch = hex(k, n).ok_or("bad \\x/\\u escape in a string literal")?;
                out.push(ch);
                k += n;
            }
            '0'..='7' => {
                let mut v = e as u32 - '0' as u32;
                for _ in 0..2 {
                    match s.get(k).and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            k += 1;
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            'N' => {
                // \N{NAME}: resolve the names that spell identifiers' punctuation.
                let end = find(s, k, &['}']).ok_or("bad \\N escape")?;
                let name: String = s.get(k + 1..end).unwrap_or(&[]).iter().collect();
                k = end + 1;
                match name.to_ascii_uppercase().as_str() {
                    "LOW LINE" | "LOWLINE" => out.push('_'),
                    "FULL STOP" => out.push('.'),
                    _ => out.push_str(&format!("\\N{{{name}}}")),
                }
            }
            other => {
                // Python keeps unknown escapes verbatim.
                out.push('\\');
                out.push(other);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BENIGN: &[(&str, &str)] = &[
        (
            "llama3",
            r#"{{- bos_token }}
{%- if custom_tools is defined %}{%- set tools = custom_tools %}{%- endif %}
{%- if not tools_in_user_message is defined %}{%- set tools_in_user_message = true %}{%- endif %}
{%- if not date_string is defined %}
    {%- if strftime_now is defined %}{%- set date_string = strftime_now("%d %b %Y") %}
    {%- else %}{%- set date_string = "26 Jul 2024" %}{%- endif %}
{%- endif %}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}{%- set system_message = "" %}{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{{- "Today Date: " + date_string + "\n\n" }}
{%- if tools is not none %}{%- for t in tools %}{{- t | tojson(indent=4) }}{{- "\n\n" }}{%- endfor %}{%- endif %}
{{- system_message }}{{- "<|eot_id|>" }}
{%- for message in messages %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif %}"#,
        ),
        (
            "chatml",
            "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
        ),
        (
            "mistral",
            "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
        ),
        (
            "qwen-namespace",
            r#"{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if message.tool_calls %}{%- for tool_call in message.tool_calls %}
        {{- '<tool_call>\n{"name": "' }}{{- tool_call.function.name }}{{- '", "arguments": ' }}{{- tool_call.function.arguments | tojson }}{{- '}\n</tool_call>' }}
    {%- endfor %}{%- endif %}
{%- endfor %}"#,
        ),
        (
            "gemma",
            "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}",
        ),
        (
            "phi3-raw-comment",
            "{# Phi-3: {{ __class__ }} in a comment is text #}{% raw %}{{ literal braces }}{% endraw %}{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}",
        ),
        (
            "zephyr-loop",
            "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
        ),
        (
            "deepseek-cycler-dict",
            "{% set sep = joiner(', ') %}{% set row = cycler('odd', 'even') %}{% set d = dict(a=1) %}{% for m in messages %}{{ sep() }}{{ row.next() }}{{ m.content | replace('_', ' ') }}{% for i in range(3) %}{{ i }}{% endfor %}{% endfor %}{{ {'k': {'v': 1}} | tojson }}",
        ),
        (
            "command-r-macro",
            "{% macro render(m) %}{{ m['content'] | e }}{% endmacro %}{% set ns = namespace(found=false) %}{% for m in messages %}{% if m.role == 'tool' %}{% set ns.found = true %}{% endif %}{{ render(m) }}{% endfor %}{{ '<|END_OF_TURN_TOKEN|>' if ns.found else '' }}",
        ),
        (
            "hermes-tools-macro",
            r#"{%- macro json_to_python_type(json_spec) %}
{%- set basic_type_map = {"string": "str", "number": "float", "integer": "int", "boolean": "bool"} %}
{%- if basic_type_map[json_spec.type] is defined %}{{- basic_type_map[json_spec.type] }}
{%- elif json_spec.type == "array" %}{{- "list[" + json_to_python_type(json_spec|items) + "]" }}
{%- elif json_spec.type == "object" %}{%- if json_spec.additionalProperties is defined %}{{- "dict[str, " + json_to_python_type(json_spec.additionalProperties) + ']' }}{%- else %}{{- "dict" }}{%- endif %}
{%- else %}{{- "Any" }}{%- endif %}
{%- endmacro %}
{%- for tool in tools %}{%- if tool.function is defined %}{%- set tool = tool.function %}{%- endif %}
{{- '{"type": "function", "function": ' }}{{- '"name": "' + tool.name + '", ' }}
{%- for param_name, param_fields in tool.parameters.properties|items %}{{- param_name + ": " + json_to_python_type(param_fields) }}{%- if not loop.last %}{{- ", " }}{%- endif %}{%- endfor %}
{%- endfor %}
{%- for message in messages %}{%- if message.content is string %}{{ '<|im_start|>' + message.role + '
' + message.content + '<|im_end|>
' }}{%- endif %}{%- endfor %}"#,
        ),
        (
            "reasoning-split",
            r#"{% set ns = namespace(is_first=false, is_tool=false, system_prompt='') %}{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}{{ bos_token }}{{ ns.system_prompt }}{%- for message in messages %}{%- if message['role'] == 'assistant' and message['content'] is not none %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{ '<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>' }}{%- endif %}{%- endfor %}"#,
        ),
        (
            "granite-dates",
            r#"{%- if not date_string is defined %}{%- set date_string = strftime_now("%B %d, %Y") %}{%- endif %}{%- if tools %}{{- '<|start_of_role|>available_tools<|end_of_role|>
' }}{{- tools | tojson(indent=4) }}{%- endif %}{%- for message in messages %}{{- '<|start_of_role|>' + message['role'] + '<|end_of_role|>' + message['content'] + '<|end_of_text|>
' }}{%- if loop.last and add_generation_prompt %}{{- '<|start_of_role|>assistant<|end_of_role|>' }}{%- endif %}{%- endfor %}"#,
        ),
    ];

    const MALICIOUS: &[(&str, &str)] = &[
        (
            "mro-subclasses",
            "{{ ''.__class__.__mro__[1].__subclasses__()[40]('/etc/passwd').read() }}",
        ),
        (
            "lipsum-globals",
            "{{ lipsum.__globals__['os'].popen('id').read() }}",
        ),
        (
            "cycler-init",
            "{% for m in messages %}{{ cycler.__init__.__globals__.os.popen('id').read() }}{% endfor %}",
        ),
        ("attr-filter", "{{ ()|attr('__class__')|attr('__base__') }}"),
        ("subscript", "{{ joiner['__init__']['__globals__'] }}"),
        ("hex-escape", r"{{ x|attr('\x5f\x5fclass\x5f\x5f') }}"),
        (
            "unicode-escape",
            r#"{{ x|attr("\u005f\u005fglobals\u005f\u005f") }}"#,
        ),
        ("concat", "{{ x|attr('__cla' ~ 'ss__') }}"),
        (
            "join",
            "{% set a = ['_','_','class','_','_']|join %}{{ x|attr(a) }}",
        ),
        ("reverse", "{{ x|attr('__ssalc__'|reverse) }}"),
        (
            "template-reference",
            "{{ self._TemplateReference__context.cycler.__init__ }}",
        ),
        ("range-globals", "{{ range.__init__.__globals__ }}"),
        (
            "namespace-init",
            "{{ namespace.__init__.__globals__.os.system('id') }}",
        ),
        (
            "underscore-pieces",
            "{% set u = '_' %}{% set n = u ~ u ~ 'globals' ~ u ~ u %}{{ lipsum|attr(n) }}",
        ),
        (
            "string-repr-chars",
            "{% set u = (()|select|string)[24] %}{{ x|attr(u*2 ~ 'class' ~ u*2) }}",
        ),
        (
            "raw-close-trick",
            "{% raw %}x{% endraw %}{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}",
        ),
        ("brace-balancing", "{{ {'a': '}}'}.__class__ }}"),
        ("octal", r"{{ x|attr('\137\137class\137\137') }}"),
        (
            "frame-walk",
            "{{ (x for x in [1]).gi_frame.f_back.f_globals }}",
        ),
        ("eval", "{{ x.eval('1') }}"),
        (
            "format-placeholders",
            "{{ x[('%s%sglobals%s%s'|format('_', '_', '_', '_'))] }}",
        ),
        (
            "multiplied-underscores",
            "{{ x['_' * 2 + 'class' + '_' * 2] }}",
        ),
        (
            "block-set",
            "{% set a %}__globals__{% endset %}{{ lipsum|attr(a) }}",
        ),
    ];

    #[test]
    fn benign_templates_are_safe() {
        for (name, t) in BENIGN {
            let (v, r) = judge(t);
            assert_eq!(v, Judgement::Safe, "{name}: {r:?}");
        }
    }

    #[test]
    fn malicious_templates_are_dangerous() {
        for (name, t) in MALICIOUS {
            let (v, r) = judge(t);
            assert_eq!(v, Judgement::Dangerous, "{name}: {r:?}");
            assert!(!r.is_empty());
        }
    }

    #[test]
    fn reasons_name_the_chain() {
        let (_, r) = judge("{{ lipsum.__globals__ }}");
        assert!(
            r[0].contains("gadget chain from lipsum reaches __globals__"),
            "{r:?}"
        );
        let (_, r) = judge("{{ x|attr('\\x5f\\x5fclass\\x5f\\x5f') }}");
        assert!(r.iter().any(|r| r.contains("names __class__")), "{r:?}");
    }

    #[test]
    fn weak_markers_are_suspicious() {
        for t in [
            "{{ lipsum }}",
            "{{ x|attr(name) }}",
            "{% include 'other.jinja' %}",
            "{{ config.items() }}",
            "{{ cycler.x }}",
            "{{ 'os' }}",
            "{{ x",
            "{{ 'abc }}",
            "{{ '%c' % 95 }}",
            "{# __class__ #}{% raw %}{{ x.__class__ }}{% endraw %}",
            "hello __class__ {{ x }}",
        ] {
            let (v, r) = judge(t);
            assert_eq!(v, Judgement::Suspicious, "{t}: {r:?}");
        }
    }

    #[test]
    fn tokenizer_configs_and_files() {
        let cfg = br#"{"bos_token": "<s>", "chat_template": [
            {"name": "default", "template": "{{ messages[0]['content'] }}"},
            {"name": "tool_use", "template": "{{ cycler.__init__.__globals__ }}"}]}"#;
        let i = inspect_tokenizer_config(cfg).unwrap();
        assert_eq!(i.verdict, Judgement::Dangerous);
        assert!(
            i.reasons[0].starts_with("chat_template[tool_use]: "),
            "{:?}",
            i.reasons
        );
        let cfg = br#"{"chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}"}"#;
        assert_eq!(
            inspect_tokenizer_config(cfg).unwrap().verdict,
            Judgement::Safe
        );
        let cfg = br#"{"chat_template": 3}"#;
        assert_eq!(
            inspect_tokenizer_config(cfg).unwrap().verdict,
            Judgement::Suspicious
        );
        assert!(inspect_tokenizer_config(br#"{"model_max_length": 512}"#).is_none());
        assert!(inspect_tokenizer_config(b"not json").is_none());
        assert_eq!(inspect(b"{{ x }}").verdict, Judgement::Safe);
        assert_eq!(inspect(b"{{ x }}").format, "jinja");
        assert_eq!(inspect(&[b'{', 0xff]).verdict, Judgement::Inconclusive);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for t in [
            "",
            "{",
            "{{",
            "{%",
            "{#",
            "}}",
            "{{'\\",
            "{{'\\x",
            "{{'\\N{",
            "{% raw %}",
            "{{-",
            "{{ ((((",
            "{{ ')))' }}",
            "{% raw -%}{%- endraw %}",
            "\u{10ffff}{{\u{10ffff}}}",
        ] {
            let _ = judge(t);
        }
        // Every prefix of every sample.
        for (_, t) in BENIGN.iter().chain(MALICIOUS) {
            let chars: Vec<char> = t.chars().collect();
            for n in 0..chars.len() {
                let p: String = chars[..n].iter().collect();
                let _ = judge(&p);
            }
        }
    }
}
