use super::preview;
use super::support;
use crate::fold;
use crate::resolve::Resolver;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::{Ctx, Kind, Node};
use trustscan_core::Level::{self, High, Low, Medium};
use trustscan_core::base64::{self, Dialect};
use trustscan_pyparse::syntax::{self as ast, Expr, Ranged, Stmt};

rule! {
    /// TS112 obfuscation.
    ///
    /// ## What it does
    /// Reports the marks obfuscated payloads leave in source code:
    /// - long encoded blobs: string or bytes literals of at least 512 characters that are
    ///   base64 (entropy ≥ 5.0 bits per character), hex (≥ 3.5 bits) or binary bytes (≥ 7.0
    ///   bits per byte, compressed or encrypted data), with at most 5 % whitespace; pieces
    ///   joined with `+` are measured together;
    /// - `chr()` joins of 8 or more integers (`"".join(chr(c) for c in [...])`,
    ///   `map(chr, ...)`, `chr(105) + chr(109) + ...`) and `bytes([...])` lists that spell code;
    /// - string reversal `[::-1]` of literals that read as code or as a dangerous name;
    /// - `codecs.decode(..., "rot13")`;
    /// - attribute names for `getattr`/`setattr`/`hasattr` that are decoded or split into
    ///   pieces (`getattr(os, "sys" + "tem")`);
    /// - `\x`/`\u`/octal-escaped literals whose text is printable (`"\x69\x6d\x70\x6f\x72\x74"`
    ///   is `"import"`): nobody escapes printable text but to hide it;
    /// - introspection escapes: `().__class__.__base__.__subclasses__()`, indexing a function's
    ///   `__globals__` or a frame's `f_globals`/`f_locals`, and replacing `func.__code__`.
    ///
    /// Obfuscation inside the argument of `exec`/`eval`/`compile` is left to TS101, names passed
    /// to `__import__` to TS111. Severity is Medium when the hidden text reads as code or a
    /// dangerous name (and for escapes and rot13), High when an escaped literal is executed,
    /// Low for bare blobs.
    ///
    /// ## Why is this bad?
    /// Legitimate model code has nothing to hide from its reader. Encoded blobs, character-code
    /// arithmetic and introspection tricks are how payloads keep strings such as `os.system` out
    /// of review and out of signature scanners (CWE-506: embedded malicious code).
    ///
    /// ## Example
    /// ```python
    /// name = "".join(chr(c) for c in [115, 117, 98, 112, 114, 111, 99, 101, 115, 115])
    /// run = getattr(__import__("os"), "metsys"[::-1])
    /// ```
    pub struct Obfuscation {
        id: "TS112",
        name: "obfuscation",
        cwe: 506,
        severity: Medium,
        confidence: Medium,
        kinds: [Str, Bytes, Call, Subscript, Assign],
        example: "getattr(__import__(\"os\"), \"metsys\"[::-1])",
    }
}

/// A blob must be at least this long (characters or bytes) to be reported.
const BLOB_MIN: usize = 512;
/// Entropy thresholds, bits per symbol. Random data of 512 symbols measures about 5.9
/// (base64), 3.97 (hex) and 7.6 (bytes); English text without spaces stays below 4.5.
const BASE64_ENTROPY: f64 = 5.0;
const HEX_ENTROPY: f64 = 3.5;
const BINARY_ENTROPY: f64 = 7.0;
/// Fewest `chr()` codes worth reporting.
const CHR_MIN: usize = 8;

const ATTR_FUNCS: &[&str] = &["getattr", "setattr", "hasattr", "delattr"];

impl Rule for Obfuscation {
    fn method_names(&self) -> Option<Vec<&'static str>> {
        // The attributes `call` looks at; other method calls return before resolving.
        Some(vec!["__subclasses__", "update", "join", "decode", "encode"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        match (ctx.kind, ctx.node) {
            (Kind::Str | Kind::Bytes, Node::Expr(e)) => {
                literal_blob(ctx, e).or_else(|| escaped_literal(ctx, e))
            }
            (Kind::Call, Node::Expr(Expr::Call(c))) => call(ctx, c),
            (Kind::Subscript, Node::Expr(Expr::Subscript(s))) => subscript(ctx, s),
            (Kind::Assign, Node::Stmt(Stmt::Assign(a))) => {
                let replaced = a
                    .targets
                    .iter()
                    .any(|t| matches!(t, Expr::Attribute(at) if at.attr.as_str() == "__code__"));
                replaced.then(|| {
                    Issue::new(
                        Medium,
                        High,
                        "A function's __code__ is replaced: the function keeps its name and \
                         signature while running different bytecode, hidden from review.",
                    )
                })
            }
            _ => None,
        }
    }
}

fn shannon(data: impl Iterator<Item = u8>) -> (f64, usize) {
    let mut counts = [0usize; 256];
    let mut n = 0usize;
    for b in data {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return (0.0, 0);
    }
    let total = n as f64;
    let h = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total;
            -p * p.log2()
        })
        .sum();
    (h, n)
}

/// Whether a node sits in something another rule reports: an exec-family call (TS101),
/// an `__import__` name (TS111), or a `getattr`-family name (reported at that call).
fn reported_elsewhere<'a>(ctx: &Ctx<'_, 'a>, r: &Resolver<'_, '_, 'a>, attr_calls: bool) -> bool {
    support::inside_call(ctx, r, |f| {
        support::is_code_runner(f)
            || matches!(
                f,
                "__import__" | "importlib.import_module" | "importlib.__import__"
            )
            || (attr_calls && ATTR_FUNCS.contains(&f))
    })
}

/// What kind of blob a literal is, if it is one: (kind, entropy, length).
fn blob_kind(bytes: &[u8], is_bytes: bool) -> Option<(&'static str, f64, usize)> {
    let spaces = bytes.iter().filter(|b| b.is_ascii_whitespace()).count();
    if bytes.len() < BLOB_MIN || spaces * 20 > bytes.len() {
        return None;
    }
    let body = || bytes.iter().copied().filter(|b| !b.is_ascii_whitespace());
    if body().all(|b| b.is_ascii_hexdigit()) {
        let (h, n) = shannon(body());
        return (h >= HEX_ENTROPY && n >= BLOB_MIN).then_some(("hex", h, n));
    }
    if body().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')) {
        let (h, n) = shannon(body());
        return (h >= BASE64_ENTROPY && n >= BLOB_MIN).then_some(("base64", h, n));
    }
    if is_bytes {
        let (h, n) = shannon(bytes.iter().copied());
        return (h >= BINARY_ENTROPY).then_some(("binary", h, n));
    }
    None
}

/// A long high-entropy literal (or `+`-joined pieces measured together).
fn literal_blob<'a>(ctx: &Ctx<'_, 'a>, e: &'a Expr) -> Option<Issue> {
    let (bytes, is_bytes): (Vec<u8>, bool) = match e {
        Expr::StringLiteral(s) => {
            let v = s.value.to_str();
            if v.len() >= BLOB_MIN {
                (v.as_bytes().to_vec(), false)
            } else if v.len() >= 40 {
                // A piece of a `+` chain: measured once, at its leftmost piece.
                let top = chain_top(ctx, e)?;
                let mut joined = Vec::new();
                for piece in add_leaves(top) {
                    let Expr::StringLiteral(s) = piece else {
                        return None;
                    };
                    joined.extend_from_slice(s.value.to_str().as_bytes());
                }
                (joined, false)
            } else {
                return None;
            }
        }
        Expr::BytesLiteral(b) => {
            if ctx.string.is_none_or(|s| s.len() < BLOB_MIN / 2) {
                return None;
            }
            (b.value.bytes().collect(), true)
        }
        _ => return None,
    };
    let (kind, entropy, len) = blob_kind(&bytes, is_bytes)?;
    let r = Resolver::new(ctx);
    if support::inside_code_runner(ctx, &r) {
        return None;
    }
    let decoded = match kind {
        "base64" => base64::decode(
            &bytes,
            Dialect::Python {
                urlsafe: bytes.contains(&b'-') || bytes.contains(&b'_'),
            },
        ),
        "hex" => fold::hex_decode(&bytes),
        _ => None,
    }
    .and_then(|d| String::from_utf8(d).ok())
    .filter(|t| support::printable(t));
    let code_like = decoded.as_deref().is_some_and(support::looks_like_code);
    let decoder = support::inside_call(ctx, &r, |f| {
        f.contains("b64decode")
            || f.contains("decompress")
            || f.contains("unhexlify")
            || f.ends_with("fromhex")
            || f == "codecs.decode"
            || f.starts_with("marshal.")
    });
    let severity = if code_like || decoder { Medium } else { Low };
    let shown = decoded
        .map(|t| format!("; it decodes to: {}", preview(&t, 100)))
        .unwrap_or_default();
    Some(Issue::new(
        severity,
        Medium,
        format!(
            "A {len}-character {kind} literal (entropy {entropy:.2} bits per symbol){}{shown}: \
             an encoded blob in model code hides its content from review and from signature \
             scanners.",
            if decoder { " is decoded here" } else { "" }
        ),
    ))
}

/// The top of the `+` chain whose leftmost operand is `me`; `None` for other operands, so
/// a chain is measured once and each of its pieces costs O(1).
fn chain_top<'a>(ctx: &Ctx<'_, 'a>, me: &'a Expr) -> Option<&'a Expr> {
    let mut current = me;
    let mut top = None;
    for p in ctx.parents.iter().rev() {
        match p {
            Node::Expr(e @ Expr::BinOp(b))
                if b.op == ast::Operator::Add && std::ptr::eq(&*b.left, current) =>
            {
                top = Some(*e);
                current = e;
            }
            _ => break,
        }
    }
    top
}

/// The operands of a left-nested `+` chain, in order (iterative: chains can be long).
fn add_leaves(top: &Expr) -> Vec<&Expr> {
    let mut rights = Vec::new();
    let mut e = top;
    while let Expr::BinOp(b) = e {
        if b.op != ast::Operator::Add {
            break;
        }
        rights.push(&*b.right);
        e = &b.left;
    }
    rights.push(e);
    rights.reverse();
    rights
}

/// A literal written with escapes although its text is printable.
fn escaped_literal<'a>(ctx: &Ctx<'_, 'a>, e: &'a Expr) -> Option<Issue> {
    let src = ctx.source(e.range());
    if !src.contains('\\') {
        return None;
    }
    let prefix: String = src
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    if prefix.contains(['r', 'R']) {
        return None;
    }
    let (printable_escapes, _) = count_escapes(src);
    if printable_escapes < 4 {
        return None;
    }
    let value: Vec<u8> = match e {
        Expr::StringLiteral(s) => s.value.to_str().as_bytes().to_vec(),
        Expr::BytesLiteral(b) => b.value.bytes().collect(),
        _ => return None,
    };
    let text = String::from_utf8(value).ok()?;
    if !support::printable(&text) || printable_escapes * 2 < text.chars().count() {
        return None;
    }
    let r = Resolver::new(ctx);
    let executed = support::inside_code_runner(ctx, &r);
    let severity: Level = if executed {
        High
    } else if support::looks_like_code(&text) {
        Medium
    } else {
        Low
    };
    Some(Issue::new(
        severity,
        High,
        format!(
            "A literal spells printable text with escape sequences ({printable_escapes} \
             escapes): it reads {:?}{}; nobody escapes plain text except to hide it from \
             readers and scanners.",
            preview(&text, 100),
            if executed { " and is executed" } else { "" }
        ),
    ))
}

/// (escapes that encode a printable ASCII character, all escapes) in a literal's source.
fn count_escapes(src: &str) -> (usize, usize) {
    let b = src.as_bytes();
    let (mut printable, mut all) = (0usize, 0usize);
    let mut i = 0usize;
    let hex_at = |from: usize, n: usize| -> Option<u32> {
        let s = src.get(from..from + n)?;
        u32::from_str_radix(s, 16).ok()
    };
    while i + 1 < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let next = b[i + 1];
        let (value, len) = match next {
            b'x' => (hex_at(i + 2, 2), 4),
            b'u' => (hex_at(i + 2, 4), 6),
            b'U' => (hex_at(i + 2, 8), 10),
            b'0'..=b'7' => {
                let digits = b[i + 1..]
                    .iter()
                    .take(3)
                    .take_while(|c| (b'0'..=b'7').contains(c))
                    .count();
                let s = src.get(i + 1..i + 1 + digits).unwrap_or("");
                (u32::from_str_radix(s, 8).ok(), 1 + digits)
            }
            _ => (None, 2),
        };
        if let Some(v) = value {
            all += 1;
            if (0x20..0x7f).contains(&v) {
                printable += 1;
            }
        }
        i += len;
    }
    (printable, all)
}

fn call<'a>(ctx: &Ctx<'_, 'a>, c: &'a ast::ExprCall) -> Option<Issue> {
    // Cheap shape tests first; the resolver only for candidates.
    let attr = match &*c.func {
        Expr::Attribute(a) => Some(a.attr.as_str()),
        _ => None,
    };
    match attr {
        Some("__subclasses__") => return subclasses_escape(c),
        Some("update") => {
            if let Expr::Attribute(a) = &*c.func
                && let Expr::Attribute(inner) = &*a.value
                && matches!(
                    inner.attr.as_str(),
                    "__globals__" | "f_globals" | "f_locals"
                )
            {
                return Some(Issue::new(
                    Medium,
                    High,
                    format!(
                        "{}.update(...) rewrites another scope's variables through \
                         introspection, out of sight of the code that uses them.",
                        inner.attr.as_str()
                    ),
                ));
            }
            return None;
        }
        Some("join") => return chr_join(ctx, c),
        Some("decode" | "encode") | None => {}
        Some(_) => return None,
    }
    let r = Resolver::new(ctx);
    let f = r.callee(&c.func);
    match f.as_str() {
        "chr" => chr_chain(ctx, &r),
        "codecs.decode" | "codecs.encode" => {
            let codec = r.fold_str(c.arguments.args.get(1)?)?;
            if !matches!(
                codec.to_ascii_lowercase().replace('-', "_").as_str(),
                "rot13" | "rot_13"
            ) {
                return None;
            }
            if reported_elsewhere(ctx, &r, true) {
                return None;
            }
            let text = c.arguments.args.first().and_then(|a| r.fold_str(a));
            let shown = text
                .as_deref()
                .map(|t| format!(": it reads {:?}", preview(&rot13(t), 100)))
                .unwrap_or_default();
            Some(Issue::new(
                Medium,
                High,
                format!(
                    "{f}(..., {codec:?}) undoes a rot13 encoding{shown}; text is rot13-encoded \
                     only to hide it."
                ),
            ))
        }
        "bytes" | "bytearray" => {
            let Some(Expr::List(l)) = c.arguments.args.first() else {
                return None;
            };
            if l.elts.len() < CHR_MIN || !l.elts.iter().all(|e| matches!(e, Expr::NumberLiteral(_)))
            {
                return None;
            }
            let text = r.fold_str(ctx_expr(ctx)?)?;
            if !support::printable(&text) || !support::looks_like_code(&text) {
                return None;
            }
            if reported_elsewhere(ctx, &r, true) {
                return None;
            }
            Some(Issue::new(
                Medium,
                High,
                format!(
                    "{f}() of {} character codes spells {:?}: code written as numbers to hide \
                     it from readers and scanners.",
                    l.elts.len(),
                    preview(&text, 100)
                ),
            ))
        }
        func if ATTR_FUNCS.contains(&func) => hidden_attribute(&r, func, c),
        _ => None,
    }
}

fn ctx_expr<'a>(ctx: &Ctx<'_, 'a>) -> Option<&'a Expr> {
    match ctx.node {
        Node::Expr(e) => Some(e),
        _ => None,
    }
}

fn rot13(t: &str) -> String {
    t.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a' + 13) % 26) + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A' + 13) % 26) + b'A') as char,
            _ => c,
        })
        .collect()
}

/// `"".join(chr(c) for c in [...])`, `"".join(map(chr, [...]))`.
fn chr_join<'a>(ctx: &Ctx<'_, 'a>, c: &'a ast::ExprCall) -> Option<Issue> {
    let arg = c.arguments.args.first()?;
    let shaped = match arg {
        Expr::Generator(ast::ExprGenerator { elt, .. })
        | Expr::ListComp(ast::ExprListComp { elt, .. }) => {
            matches!(&**elt, Expr::Call(inner) if matches!(&*inner.func, Expr::Name(n) if n.id.as_str() == "chr"))
        }
        Expr::Call(m) => {
            matches!(&*m.func, Expr::Name(n) if n.id.as_str() == "map")
                && matches!(m.arguments.args.first(), Some(Expr::Name(n)) if n.id.as_str() == "chr")
        }
        _ => false,
    };
    if !shaped {
        return None;
    }
    let r = Resolver::new(ctx);
    let text = r.fold_str(ctx_expr(ctx)?)?;
    if text.chars().count() < CHR_MIN || reported_elsewhere(ctx, &r, true) {
        return None;
    }
    Some(chr_issue(&text))
}

fn chr_issue(text: &str) -> Issue {
    let severity = if support::looks_like_code(text) {
        Medium
    } else {
        Low
    };
    Issue::new(
        severity,
        High,
        format!(
            "A string is built from {} chr() character codes and spells {:?}: text written \
             as numbers is hidden from readers and scanners.",
            text.chars().count(),
            preview(text, 100)
        ),
    )
}

/// `chr(105) + chr(109) + ...`: reported once, at the leftmost `chr`.
fn chr_chain<'a>(ctx: &Ctx<'_, 'a>, r: &Resolver<'_, '_, 'a>) -> Option<Issue> {
    let top = chain_top(ctx, ctx_expr(ctx)?)?;
    let mut text = String::new();
    for piece in add_leaves(top) {
        let Expr::Call(c) = piece else {
            return None;
        };
        let (Expr::Name(f), [Expr::NumberLiteral(n)]) = (&*c.func, &c.arguments.args[..]) else {
            return None;
        };
        let code = n.value.as_int().and_then(|i| i.as_u64())?;
        if f.id.as_str() != "chr" {
            return None;
        }
        text.push(char::from_u32(u32::try_from(code).ok()?)?);
    }
    if text.chars().count() < CHR_MIN || reported_elsewhere(ctx, r, true) {
        return None;
    }
    Some(chr_issue(&text))
}

/// `getattr(obj, <decoded or split name>)`.
fn hidden_attribute<'a>(
    r: &Resolver<'_, '_, 'a>,
    func: &str,
    c: &'a ast::ExprCall,
) -> Option<Issue> {
    let name = c.arguments.args.get(1)?;
    if matches!(name, Expr::StringLiteral(_) | Expr::Name(_)) {
        return None;
    }
    let text = r.fold_str(name)?;
    let how = match r.decoded_source(name) {
        Some(source) => format!("produced by {source}"),
        None if matches!(name, Expr::BinOp(_)) && support::looks_like_code(&text) => {
            "split into pieces".to_string()
        }
        None => return None,
    };
    Some(Issue::new(
        Medium,
        High,
        format!(
            "{func}() with the attribute name {text:?} {how}: the name is hidden so readers \
             and scanners miss what is accessed."
        ),
    ))
}

/// `().__class__.__base__.__subclasses__()`.
fn subclasses_escape(c: &ast::ExprCall) -> Option<Issue> {
    let Expr::Attribute(a) = &*c.func else {
        return None;
    };
    let mut e = &*a.value;
    let mut climbs = false;
    loop {
        match e {
            Expr::Attribute(x) => {
                if matches!(
                    x.attr.as_str(),
                    "__class__" | "__base__" | "__bases__" | "__mro__"
                ) {
                    climbs = true;
                }
                e = &x.value;
            }
            Expr::Subscript(s) => e = &s.value,
            Expr::Call(inner) => e = &inner.func,
            _ => break,
        }
    }
    climbs.then(|| {
        Issue::new(
            Medium,
            High,
            "__subclasses__() reached by climbing __class__/__base__/__mro__: the sandbox-escape \
             idiom for reaching os or subprocess classes without importing them.",
        )
    })
}

fn subscript<'a>(ctx: &Ctx<'_, 'a>, s: &'a ast::ExprSubscript) -> Option<Issue> {
    if let Expr::Attribute(a) = &*s.value
        && matches!(
            a.attr.as_str(),
            "__globals__" | "f_globals" | "f_locals" | "f_builtins"
        )
    {
        // Writes, and reads of what payloads fetch this way; reading `f_locals["self"]`
        // for debugging or test tooling stays quiet.
        let r = Resolver::new(ctx);
        let key = r.fold_str(&s.slice);
        let fetches = key.as_deref().is_some_and(|k| {
            matches!(
                k,
                "__builtins__"
                    | "__import__"
                    | "os"
                    | "sys"
                    | "subprocess"
                    | "socket"
                    | "eval"
                    | "exec"
                    | "compile"
                    | "open"
                    | "getattr"
                    | "importlib"
            )
        });
        if s.ctx == ast::ExprContext::Load && !fetches {
            return None;
        }
        return Some(Issue::new(
            Medium,
            High,
            format!(
                "{}[...] reaches into another scope's variables through introspection, the \
                 way payloads fetch os or builtins without naming them.",
                a.attr.as_str()
            ),
        ));
    }
    if !fold::is_reverse_slice(&s.slice)
        || !matches!(
            &*s.value,
            Expr::StringLiteral(_) | Expr::BytesLiteral(_) | Expr::Name(_)
        )
    {
        return None;
    }
    let r = Resolver::new(ctx);
    let text = r.fold_str(ctx_expr(ctx)?)?;
    if !support::looks_like_code(&text) || reported_elsewhere(ctx, &r, true) {
        return None;
    }
    Some(Issue::new(
        Medium,
        High,
        format!(
            "A reversed string literal reads {:?}: text is stored backwards only to hide it \
             from readers and scanners.",
            preview(&text, 100)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_blobs() {
        assert_eq!(count_escapes(r#""\x69\x6d\x70\x6f""#), (4, 4));
        assert_eq!(count_escapes(r#""\x1b[0m""#), (0, 1));
        assert_eq!(count_escapes(r#""\151\155""#), (2, 2));
        let random: Vec<u8> = (0..600u32)
            .map(|i| {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    [((i * 7919 + i / 3) % 64) as usize]
            })
            .collect();
        assert!(blob_kind(&random, false).is_some());
        assert!(blob_kind(&[b'a'; 600], false).is_none());
        assert!(blob_kind(b"short", false).is_none());
    }
}
