use crate::literal::{Keywords, Lit, arg_at, call_args};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{self, High, Medium};

rule! {
    /// B505 weak_cryptographic_key.
    ///
    /// ## What it does
    /// Reports DSA, RSA and elliptic-curve keys generated with `cryptography`, PyCrypto or
    /// PyCryptodome below the recommended sizes: under 1024 bits (DSA, RSA) or 160 bits (EC) is
    /// high severity, under 2048 (DSA, RSA) or 224 (EC) medium.
    ///
    /// ## Why is this bad?
    /// Short keys can be factored or brute-forced with today's computing power: whatever they
    /// sign or encrypt can be forged or read.
    pub struct WeakCryptographicKey {
        id: "B505",
        name: "weak_cryptographic_key",
        cwe: 326,
        severity: High,
        confidence: High,
        kinds: [Call],
        example: "rsa.generate_private_key(public_exponent=65537, key_size=1024)",
    }
}

/// Bandit's default thresholds: (size, severity below it), strictest first.
const DSA_SIZES: [(u64, Level); 2] = [(1024, High), (2048, Medium)];
const RSA_SIZES: [(u64, Level); 2] = [(1024, High), (2048, Medium)];
const EC_SIZES: [(u64, Level); 2] = [(160, High), (224, Medium)];

/// The key size of each named curve Bandit knows; any other curve counts as 224 bits.
const CURVE_SIZES: &[(&str, u64)] = &[
    ("SECT571K1", 571),
    ("SECT571R1", 570),
    ("SECP521R1", 521),
    ("BrainpoolP512R1", 512),
    ("SECT409K1", 409),
    ("SECT409R1", 409),
    ("BrainpoolP384R1", 384),
    ("SECP384R1", 384),
    ("SECT283K1", 283),
    ("SECT283R1", 283),
    ("BrainpoolP256R1", 256),
    ("SECP256K1", 256),
    ("SECP256R1", 256),
    ("SECT233K1", 233),
    ("SECT233R1", 233),
    ("SECP224R1", 224),
    ("SECP192R1", 192),
    ("SECT163K1", 163),
    ("SECT163R2", 163),
];

#[derive(Clone, Copy)]
enum KeyType {
    Dsa,
    Rsa,
    Ec,
}

impl KeyType {
    fn label(self) -> &'static str {
        match self {
            KeyType::Dsa => "DSA",
            KeyType::Rsa => "RSA",
            KeyType::Ec => "EC",
        }
    }

    fn sizes(self) -> &'static [(u64, Level); 2] {
        match self {
            KeyType::Dsa => &DSA_SIZES,
            KeyType::Rsa => &RSA_SIZES,
            KeyType::Ec => &EC_SIZES,
        }
    }
}

/// Bandit's `_classify_key_size`. A string (a variable's name) is skipped; a value Python
/// cannot compare with an int (bytes, a list, ...) raises, which also reports nothing.
fn classify(key_type: KeyType, key_size: &Lit) -> Option<Issue> {
    for &(size, level) in key_type.sizes() {
        if key_size.lt_int(size)? {
            return Some(Issue::new(
                level,
                High,
                format!(
                    "{} key sizes below {size} bits are considered breakable. ",
                    key_type.label()
                ),
            ));
        }
    }
    None
}

/// Python's `a or b`.
fn or(a: Lit, b: impl FnOnce() -> Option<Lit>) -> Option<Lit> {
    if a.truthy() { Some(a) } else { b() }
}

/// `keyword or positional argument or 2048`.
fn key_size(
    call: &trustscan_pyparse::syntax::ExprCall,
    keyword: &str,
    position: usize,
) -> Option<Lit> {
    let keywords = Keywords::of(call).ok()?;
    let size = or(keywords.value(keyword), || arg_at(call, position).ok())?;
    or(size, || Some(Lit::int(2048)))
}

fn cryptography_io(call: &trustscan_pyparse::syntax::ExprCall, qualname: &str) -> Option<Issue> {
    let key_type = match qualname {
        "cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key" => KeyType::Dsa,
        "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key" => KeyType::Rsa,
        "cryptography.hazmat.primitives.asymmetric.ec.generate_private_key" => KeyType::Ec,
        _ => return None,
    };
    match key_type {
        KeyType::Dsa => classify(key_type, &key_size(call, "key_size", 0)?),
        KeyType::Rsa => classify(key_type, &key_size(call, "key_size", 1)?),
        KeyType::Ec => {
            let keywords = Keywords::of(call).ok()?;
            // `curve or (len(args) > 0 and args[0])`: with no argument, `False`.
            let curve = or(keywords.value("curve"), || {
                call_args(call)
                    .ok()
                    .map(|args| args.into_iter().next().unwrap_or(Lit::None))
            })?;
            // `curve in curve_key_sizes` hashes the value.
            if !curve.hashable() {
                return None;
            }
            let size = curve
                .as_str()
                .and_then(|c| CURVE_SIZES.iter().find(|(name, _)| *name == c))
                .map_or(224, |(_, size)| *size);
            classify(key_type, &Lit::int(size))
        }
    }
}

fn pycrypto(call: &trustscan_pyparse::syntax::ExprCall, qualname: &str) -> Option<Issue> {
    let key_type = match qualname {
        "Crypto.PublicKey.DSA.generate" | "Cryptodome.PublicKey.DSA.generate" => KeyType::Dsa,
        "Crypto.PublicKey.RSA.generate" | "Cryptodome.PublicKey.RSA.generate" => KeyType::Rsa,
        _ => return None,
    };
    classify(key_type, &key_size(call, "bits", 0)?)
}

impl Rule for WeakCryptographicKey {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["generate_private_key", "generate"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        cryptography_io(call, &ctx.qualname).or_else(|| pycrypto(call, &ctx.qualname))
    }
}

#[cfg(test)]
mod tests {
    fn found(src: &str) -> Vec<(u32, String)> {
        crate::rules::findings_of(&["B505"], src)
            .into_iter()
            .map(|f| (f.location.line, format!("{:?} {}", f.severity, f.message)))
            .collect()
    }

    #[test]
    fn python_value_semantics() {
        let src = "from cryptography.hazmat.primitives.asymmetric import rsa, ec\n\
                   rsa.generate_private_key(65537, 0, key_size=0)\n\
                   rsa.generate_private_key(65537, 512.0)\n\
                   rsa.generate_private_key(65537, b'512')\n\
                   rsa.generate_private_key(65537, [512])\n\
                   ec.generate_private_key(ec.SECP192R1(), b)\n\
                   ec.generate_private_key(ec.SECP192R1, b)\n\
                   ec.generate_private_key(curve=[1])\n";
        let found = found(src);
        let lines: Vec<u32> = found.iter().map(|f| f.0).collect();
        // 0 is falsy, so `or 2048` gives 2048; a float compares; bytes and lists raise; a
        // called curve is not a literal (224 bits); an unhashable curve raises.
        assert_eq!(lines, vec![3, 7]);
        assert!(found[0].1.starts_with("High RSA key sizes below 1024"));
        assert!(found[1].1.starts_with("Medium EC key sizes below 224"));
    }
}
