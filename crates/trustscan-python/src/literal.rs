//! Python values as Bandit's `Context` builds them from literals (`_get_literal_value`,
//! `call_args`, `call_keywords`, `get_call_arg_value`, `check_call_arg_value`,
//! `get_call_arg_at_position`), and their `str()`/`repr()` for messages. Every rule that reads
//! an argument's value reads it through this one model.
//!
//! The corners of Python that decide rule outcomes: integers have no size limit (a chmod mode
//! beyond 64 bits is still an `int`); `True`, `False` and `None` become the strings `"True"`,
//! `"False"` and `"None"`; `...` and imaginary numbers are real constants, not `None` (so
//! `timeout=...` counts as given); a name becomes its identifier and an attribute argument its
//! last component; and building a `set` from a literal holding a list, set or dict raises
//! `TypeError`. Bandit's `call_args` and `call_keywords` evaluate every argument, so such a
//! literal anywhere among them makes the whole test raise and report nothing for that call
//! ([`Raise`]).

use trustscan_pyparse::syntax::{Expr, ExprCall, Number};

/// An arbitrary-precision non-negative integer (a literal is never negative: `-1` is a unary
/// operation), as little-endian 32-bit limbs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PyInt(Vec<u32>);

impl PyInt {
    /// From ruff's text of an integer literal: decimal, or the source token (`0x…`, `0o…`,
    /// `0b…`, possibly with `_`) for one beyond 64 bits.
    pub fn parse(text: &str) -> Option<PyInt> {
        let t: String = text.chars().filter(|c| *c != '_').collect();
        let lower = t.to_ascii_lowercase();
        let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
            (16, d)
        } else if let Some(d) = lower.strip_prefix("0o") {
            (8, d)
        } else if let Some(d) = lower.strip_prefix("0b") {
            (2, d)
        } else {
            (10, lower.as_str())
        };
        if digits.is_empty() {
            return None;
        }
        let mut limbs: Vec<u32> = vec![0];
        for c in digits.chars() {
            let d = c.to_digit(radix)?;
            let mut carry = d as u64;
            for limb in limbs.iter_mut() {
                let v = (*limb as u64) * radix as u64 + carry;
                *limb = v as u32;
                carry = v >> 32;
            }
            if carry > 0 {
                limbs.push(carry as u32);
            }
        }
        Some(PyInt(limbs))
    }

    pub fn from_int(i: &trustscan_pyparse::syntax::Int) -> Option<PyInt> {
        PyInt::parse(&i.to_string())
    }

    /// The value, when it fits in 64 bits.
    pub fn to_u64(&self) -> Option<u64> {
        match self.0.iter().skip(2).all(|l| *l == 0) {
            true => Some(self.low()),
            false => None,
        }
    }

    /// The lowest 64 bits (enough for every bit test Bandit makes).
    pub fn low(&self) -> u64 {
        let lo = self.0.first().copied().unwrap_or(0) as u64;
        let hi = self.0.get(1).copied().unwrap_or(0) as u64;
        lo | (hi << 32)
    }

    /// Python's `str(n)`.
    pub fn decimal(&self) -> String {
        let mut limbs = self.0.clone();
        let mut chunks = Vec::new();
        loop {
            let mut rem: u64 = 0;
            for limb in limbs.iter_mut().rev() {
                let v = (rem << 32) | *limb as u64;
                *limb = (v / 1_000_000_000) as u32;
                rem = v % 1_000_000_000;
            }
            chunks.push(rem as u32);
            while limbs.len() > 1 && *limbs.last().unwrap_or(&1) == 0 {
                limbs.pop();
            }
            if limbs.iter().all(|l| *l == 0) {
                break;
            }
        }
        let mut out = chunks.pop().unwrap_or(0).to_string();
        for c in chunks.iter().rev() {
            out.push_str(&format!("{c:09}"));
        }
        out
    }

    /// Python's `oct(n)`.
    pub fn oct(&self) -> String {
        let bits = self.0.len() * 32;
        let mut digits = String::new();
        let mut i = 0;
        while i < bits {
            let mut d = 0u32;
            for b in 0..3 {
                let bit = i + b;
                if bit < bits && (self.0[bit / 32] >> (bit % 32)) & 1 == 1 {
                    d |= 1 << b;
                }
            }
            digits.push(char::from(b'0' + d as u8));
            i += 3;
        }
        let digits: String = digits.chars().rev().collect();
        let trimmed = digits.trim_start_matches('0');
        format!("0o{}", if trimmed.is_empty() { "0" } else { trimmed })
    }
}

impl From<u64> for PyInt {
    fn from(n: u64) -> PyInt {
        match n >> 32 {
            0 => PyInt(vec![n as u32]),
            high => PyInt(vec![n as u32, high as u32]),
        }
    }
}

/// A value of Bandit's `_get_literal_value` (Python's `None` when Bandit does not understand
/// the expression).
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    None,
    Str(String),
    Bytes(Vec<u8>),
    Int(PyInt),
    Float(f64),
    /// An imaginary literal (`2j`): its imaginary part (its real part is 0).
    Complex(f64),
    Ellipsis,
    List(Vec<Lit>),
    Tuple(Vec<Lit>),
    /// Without repeats, in insertion order.
    Set(Vec<Lit>),
    /// `dict(zip(keys, values))` of AST nodes: only whether it is empty matters.
    Dict {
        empty: bool,
    },
}

/// Python raised while Bandit built a value; the test then reports nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raise;

impl Lit {
    pub fn int(n: u64) -> Lit {
        Lit::Int(PyInt::from(n))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Lit::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Python `value == "s"`.
    pub fn eq_str(&self, s: &str) -> bool {
        self.as_str() == Some(s)
    }

    /// Python `value == n` for an int `n` (floats and complex numbers compare by value).
    pub fn eq_int(&self, n: u64) -> bool {
        match self {
            Lit::Int(i) => i.to_u64() == Some(n),
            Lit::Float(f) => *f == n as f64,
            Lit::Complex(im) => *im == 0.0 && n == 0,
            _ => false,
        }
    }

    /// Python `value < n` for a number (`None` where Python cannot compare it with an int).
    pub fn lt_int(&self, n: u64) -> Option<bool> {
        match self {
            Lit::Int(i) => Some(i.to_u64().is_some_and(|v| v < n)),
            Lit::Float(f) => Some(*f < n as f64),
            _ => None,
        }
    }

    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Lit::None => false,
            Lit::Str(s) => !s.is_empty(),
            Lit::Bytes(b) => !b.is_empty(),
            Lit::Int(i) => i.to_u64() != Some(0),
            Lit::Float(f) => *f != 0.0,
            Lit::Complex(im) => *im != 0.0,
            Lit::Ellipsis => true,
            Lit::List(v) | Lit::Tuple(v) | Lit::Set(v) => !v.is_empty(),
            Lit::Dict { empty } => !empty,
        }
    }

    /// Whether Python can hash it (put it in a set, look it up in a dict).
    pub fn hashable(&self) -> bool {
        match self {
            Lit::List(_) | Lit::Set(_) | Lit::Dict { .. } => false,
            Lit::Tuple(items) => items.iter().all(Lit::hashable),
            _ => true,
        }
    }

    /// Python's `str(value)`.
    pub fn py_str(&self) -> String {
        match self {
            Lit::Str(s) => s.clone(),
            other => other.py_repr(),
        }
    }

    /// Python's `repr(value)`.
    pub fn py_repr(&self) -> String {
        match self {
            Lit::None => "None".into(),
            Lit::Str(s) => str_repr(s),
            Lit::Bytes(b) => bytes_repr(b),
            Lit::Int(i) => i.decimal(),
            Lit::Float(f) => float_repr(*f, true),
            Lit::Complex(im) => format!("{}j", float_repr(*im, false)),
            Lit::Ellipsis => "Ellipsis".into(),
            Lit::List(items) => format!("[{}]", join_repr(items)),
            Lit::Tuple(items) if items.len() == 1 => format!("({},)", items[0].py_repr()),
            Lit::Tuple(items) => format!("({})", join_repr(items)),
            Lit::Set(items) if items.is_empty() => "set()".into(),
            Lit::Set(items) => format!("{{{}}}", join_repr(items)),
            // A dict of AST nodes: its repr names node classes and addresses only.
            Lit::Dict { .. } => "{...}".into(),
        }
    }
}

fn join_repr(items: &[Lit]) -> String {
    items
        .iter()
        .map(Lit::py_repr)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Bandit's `_get_literal_value`.
pub fn literal(expr: &Expr) -> Result<Lit, Raise> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        Ok(match expr {
            Expr::StringLiteral(s) => Lit::Str(s.value.to_str().to_string()),
            Expr::BytesLiteral(b) => Lit::Bytes(b.value.bytes().collect()),
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => PyInt::from_int(i).map(Lit::Int).unwrap_or(Lit::None),
                Number::Float(f) => Lit::Float(*f),
                Number::Complex { imag, .. } => Lit::Complex(*imag),
            },
            Expr::BooleanLiteral(b) => Lit::Str(if b.value { "True" } else { "False" }.into()),
            Expr::NoneLiteral(_) => Lit::Str("None".into()),
            Expr::EllipsisLiteral(_) => Lit::Ellipsis,
            Expr::List(l) => Lit::List(l.elts.iter().map(literal).collect::<Result<_, _>>()?),
            Expr::Tuple(t) => Lit::Tuple(t.elts.iter().map(literal).collect::<Result<_, _>>()?),
            Expr::Set(s) => {
                let mut items: Vec<Lit> = Vec::new();
                for e in s.elts.iter() {
                    let v = literal(e)?;
                    if !v.hashable() {
                        return Err(Raise);
                    }
                    if !items.contains(&v) {
                        items.push(v);
                    }
                }
                Lit::Set(items)
            }
            Expr::Dict(d) => Lit::Dict {
                empty: d.items.is_empty(),
            },
            Expr::Name(n) => Lit::Str(n.id.to_string()),
            _ => Lit::None,
        })
    })
}

/// An argument as `call_args`/`call_keywords` hold it: an attribute's name, else its literal.
pub fn arg_value(expr: &Expr) -> Result<Lit, Raise> {
    match expr {
        Expr::Attribute(a) => Ok(Lit::Str(a.attr.to_string())),
        e => literal(e),
    }
}

/// Bandit's `call_args`: every positional argument evaluated.
pub fn call_args(call: &ExprCall) -> Result<Vec<Lit>, Raise> {
    call.arguments.args.iter().map(arg_value).collect()
}

/// `get_call_arg_at_position(i)` (`None` when there is no such argument).
pub fn arg_at(call: &ExprCall, i: usize) -> Result<Lit, Raise> {
    match call.arguments.args.get(i) {
        Some(e) => arg_value(e),
        None => Ok(Lit::None),
    }
}

/// `call_keywords`: every keyword evaluated (so one unhashable set literal raises), as a dict
/// (the last of repeated names wins; `**x` is stored under `None`).
pub struct Keywords(Vec<(Option<String>, Lit)>);

impl Keywords {
    pub fn of(call: &ExprCall) -> Result<Keywords, Raise> {
        let mut out: Vec<(Option<String>, Lit)> = Vec::new();
        for k in call.arguments.keywords.iter() {
            let name = k.arg.as_ref().map(|a| a.to_string());
            let v = arg_value(&k.value)?;
            match out.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = v,
                None => out.push((name, v)),
            }
        }
        Ok(Keywords(out))
    }

    /// `name in call_keywords`.
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n.as_deref() == Some(name))
    }

    /// `call_keywords.get(name)`: `None` when absent.
    pub fn get(&self, name: &str) -> Option<&Lit> {
        self.0
            .iter()
            .find(|(n, _)| n.as_deref() == Some(name))
            .map(|(_, v)| v)
    }

    /// `get_call_arg_value(name)`: absent and non-literal are both Python `None`.
    pub fn value(&self, name: &str) -> Lit {
        self.get(name).cloned().unwrap_or(Lit::None)
    }

    /// `check_call_arg_value(name, values)`: `None` when absent or `None`-valued, else whether
    /// it equals one of the strings.
    pub fn check(&self, name: &str, values: &[&str]) -> Option<bool> {
        match self.get(name) {
            None | Some(Lit::None) => None,
            Some(v) => Some(values.iter().any(|s| v.eq_str(s))),
        }
    }
}

/// Whether Python's `str.isprintable()` holds for a character, near enough for messages:
/// control, format, separator (other than space) and private-use characters are not.
fn printable(c: char) -> bool {
    !(c.is_control()
        || matches!(c,
            '\u{a0}' | '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{1680}' | '\u{180e}'
            | '\u{2000}'..='\u{200f}' | '\u{2028}'..='\u{202f}' | '\u{205f}'..='\u{206f}'
            | '\u{3000}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}' | '\u{e000}'..='\u{f8ff}'
            | '\u{f0000}'..='\u{10ffff}'))
}

/// Python's `repr(str)`.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if printable(c) => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr(bytes)`.
pub fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::from("b");
    out.push(quote as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote as char);
    out
}

/// Python's `repr(float)` (`add_dot_0`), or the imaginary part of a complex (without).
pub fn float_repr(f: f64, add_dot_0: bool) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    // Rust's `{:e}` gives the shortest round-tripping digits, as Python's repr does.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let decpt = exp + 1;
    let body = if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{first}{frac}e{esign}{:02}", exp.abs())
    } else if decpt <= 0 {
        format!("0.{}{digits}", "0".repeat((-decpt) as usize))
    } else if decpt as usize >= digits.len() {
        let zeros = "0".repeat(decpt as usize - digits.len());
        if add_dot_0 {
            format!("{digits}{zeros}.0")
        } else {
            format!("{digits}{zeros}")
        }
    } else {
        let (int, frac) = digits.split_at(decpt as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_of_any_size() {
        let i = PyInt::parse("511").unwrap();
        assert_eq!(i.oct(), "0o777");
        assert_eq!(i.decimal(), "511");
        let big = PyInt::parse("0x1_0000_0000_0000_01ff").unwrap();
        assert_eq!(big.low() & 0o777, 0o777);
        assert_eq!(big.decimal(), "18446744073709552127");
        assert_eq!(big.oct(), "0o2000000000000000000777");
        assert_eq!(PyInt::parse("0").unwrap().oct(), "0o0");
    }

    #[test]
    fn python_reprs() {
        assert_eq!(float_repr(1e16, true), "1e+16");
        assert_eq!(float_repr(1.5e-7, true), "1.5e-07");
        assert_eq!(float_repr(0.0001, true), "0.0001");
        assert_eq!(float_repr(3.0, true), "3.0");
        assert_eq!(float_repr(0.1, true), "0.1");
        assert_eq!(float_repr(123.456, true), "123.456");
        assert_eq!(float_repr(2.0, false), "2");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("\u{202e}"), "'\\u202e'");
        assert_eq!(bytes_repr(b"a\x00'"), "b\"a\\x00'\"");
    }
}
