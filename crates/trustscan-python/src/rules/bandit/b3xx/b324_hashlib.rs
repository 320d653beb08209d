use crate::literal::{Keywords, Lit, call_args};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{High, Medium};

rule! {
    /// B324 hashlib (insecure hash functions).
    ///
    /// ## What it does
    /// Reports MD4, MD5 and SHA-1 built through `hashlib` (`hashlib.md5()`, `hashlib.new("md5")`)
    /// unless `usedforsecurity=False` says they are not used for security, and the weak
    /// `crypt` methods (`METHOD_CRYPT`, `METHOD_MD5`, `METHOD_BLOWFISH`) passed to `crypt.crypt`
    /// or `crypt.mksalt`.
    ///
    /// ## Why is this bad?
    /// These hashes have practical collision (and for `crypt`'s old methods, brute-force)
    /// attacks: signatures, integrity checks and password hashes built on them can be forged.
    pub struct Hashlib {
        id: "B324",
        name: "hashlib_insecure_functions",
        cwe: 327,
        severity: High,
        confidence: High,
        kinds: [Call],
        example: "hashlib.md5(password).hexdigest()",
    }
}

const WEAK_HASHES: &[&str] = &["md4", "md5", "sha", "sha1"];
const WEAK_CRYPT_HASHES: &[&str] = &["METHOD_CRYPT", "METHOD_MD5", "METHOD_BLOWFISH"];

/// `usedforsecurity` absent (Bandit's default `"True"`) or `True`.
fn for_security(keywords: &Keywords) -> bool {
    keywords
        .get("usedforsecurity")
        .is_none_or(|v| v.eq_str("True"))
}

fn hashlib_func(call: &trustscan_pyparse::syntax::ExprCall, func: &str) -> Option<Issue> {
    let keywords = Keywords::of(call).ok()?;
    let weak = if WEAK_HASHES.contains(&func) {
        func.to_string()
    } else if func == "new" {
        let args = call_args(call).ok()?;
        let name = match args.first() {
            Some(first) => first.clone(),
            None => keywords.value("name"),
        };
        match name {
            Lit::Str(s) if WEAK_HASHES.contains(&s.to_lowercase().as_str()) => s,
            _ => return None,
        }
    } else {
        return None;
    };
    for_security(&keywords).then(|| {
        META.issue(format!(
            "Use of weak {} hash for security. Consider usedforsecurity=False",
            weak.to_uppercase()
        ))
    })
}

fn crypt_func(call: &trustscan_pyparse::syntax::ExprCall, func: &str) -> Option<Issue> {
    let args = call_args(call).ok()?;
    let keywords = Keywords::of(call).ok()?;
    let (index, keyword) = if func == "crypt" {
        (1, "salt")
    } else {
        (0, "method")
    };
    let name = match args.get(index) {
        Some(v) => v.clone(),
        None => keywords.value(keyword),
    };
    match name {
        Lit::Str(s) if WEAK_CRYPT_HASHES.contains(&s.as_str()) => Some(Issue::new(
            Medium,
            High,
            format!("Use of insecure crypt.{} hash function.", s.to_uppercase()),
        )),
        _ => None,
    }
}

impl Rule for Hashlib {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(crate::rules::last_parts(
            WEAK_HASHES
                .iter()
                .copied()
                .chain(["new", "crypt", "mksalt"]),
        ))
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        let func = ctx.name();
        let has_part = |p: &str| ctx.qualname.split('.').any(|q| q == p);
        if has_part("hashlib") {
            hashlib_func(call, func)
        } else if (func == "crypt" || func == "mksalt") && has_part("crypt") {
            crypt_func(call, func)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    fn found(src: &str) -> Vec<(u32, String)> {
        crate::rules::findings_of(&["B324"], src)
            .into_iter()
            .map(|f| (f.location.line, f.message))
            .collect()
    }

    #[test]
    fn usedforsecurity_must_be_a_literal_false_like_value() {
        let src = "import hashlib\nhashlib.md5(b'x', usedforsecurity=False)\n\
                   hashlib.md5(b'x', usedforsecurity=flag())\nhashlib.new('MD5')\n\
                   hashlib.new(name='sha')\nhashlib.new(*a)\n";
        assert_eq!(
            found(src),
            vec![
                (
                    4,
                    "Use of weak MD5 hash for security. Consider usedforsecurity=False".into()
                ),
                (
                    5,
                    "Use of weak SHA hash for security. Consider usedforsecurity=False".into()
                ),
            ]
        );
    }

    #[test]
    fn crypt_methods() {
        let src = "import crypt\ncrypt.crypt('pw', crypt.METHOD_MD5)\n\
                   crypt.mksalt(method=crypt.METHOD_SHA512)\ncrypt.mksalt(crypt.METHOD_CRYPT)\n";
        assert_eq!(
            found(src),
            vec![
                (2, "Use of insecure crypt.METHOD_MD5 hash function.".into()),
                (
                    4,
                    "Use of insecure crypt.METHOD_CRYPT hash function.".into()
                ),
            ]
        );
    }
}
