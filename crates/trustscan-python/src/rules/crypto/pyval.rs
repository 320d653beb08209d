//! Call arguments as Bandit's `Context` turns them into Python values, exactly enough for the
//! comparisons the crypto rules make.
//!
//! This differs from the shared `value.rs` in the corners that decide these rules' outcomes:
//! an `...`, a complex number or an integer beyond 64 bits is a real (non-`None`) constant to
//! Bandit, so `timeout=...` counts as "timeout given"; and building a Python `set` from a
//! literal holding a list, set or dict raises `TypeError`, which makes Bandit's
//! `call_keywords`/`call_args` raise and the whole test report nothing for that call.

use crate::walk::Ctx;
use trustscan_pyparse::syntax::{Expr, ExprCall, Number, Ranged};

/// Bandit's `_get_literal_value` result (with `call_args`' attribute rule applied).
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    /// Python's `None`: the expression is not a literal Bandit understands.
    None,
    Str(String),
    Bytes(Vec<u8>),
    /// Integers beyond `i64` saturate (a literal is never negative: `-1` is a unary
    /// operation), which keeps every comparison these rules make.
    Int(i128),
    Float(f64),
    Complex(f64, f64),
    Ellipsis,
    List(Vec<Lit>),
    Tuple(Vec<Lit>),
    Set(Vec<Lit>),
    /// A dict literal: Bandit keeps `dict(zip(keys, values))`; only whether it is empty
    /// matters.
    Dict {
        empty: bool,
    },
}

/// Python raised while Bandit built the value (the test then reports nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raise;

impl Lit {
    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Lit::None => false,
            Lit::Str(s) => !s.is_empty(),
            Lit::Bytes(b) => !b.is_empty(),
            Lit::Int(i) => *i != 0,
            Lit::Float(f) => *f != 0.0,
            Lit::Complex(re, im) => *re != 0.0 || *im != 0.0,
            Lit::Ellipsis => true,
            Lit::List(v) | Lit::Tuple(v) | Lit::Set(v) => !v.is_empty(),
            Lit::Dict { empty } => !empty,
        }
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
    pub fn eq_int(&self, n: i128) -> bool {
        match self {
            Lit::Int(i) => *i == n,
            Lit::Float(f) => *f == n as f64,
            Lit::Complex(re, im) => *im == 0.0 && *re == n as f64,
            _ => false,
        }
    }

    /// Whether Python can hash the value (set elements and dict lookups need it).
    pub fn hashable(&self) -> bool {
        match self {
            Lit::List(_) | Lit::Set(_) | Lit::Dict { .. } => false,
            Lit::Tuple(v) => v.iter().all(Lit::hashable),
            _ => true,
        }
    }
}

/// Bandit's `_get_literal_value`.
pub fn literal(expr: &Expr) -> Result<Lit, Raise> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        Ok(match expr {
            Expr::StringLiteral(s) => Lit::Str(s.value.to_str().to_string()),
            Expr::BytesLiteral(b) => Lit::Bytes(b.value.bytes().collect()),
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => Lit::Int(i.as_i64().map(i128::from).unwrap_or(i128::MAX)),
                Number::Float(f) => Lit::Float(*f),
                Number::Complex { real, imag } => Lit::Complex(*real, *imag),
            },
            Expr::BooleanLiteral(b) => Lit::Str(if b.value { "True" } else { "False" }.into()),
            Expr::NoneLiteral(_) => Lit::Str("None".into()),
            Expr::EllipsisLiteral(_) => Lit::Ellipsis,
            Expr::List(l) => Lit::List(l.elts.iter().map(literal).collect::<Result<_, _>>()?),
            Expr::Tuple(t) => Lit::Tuple(t.elts.iter().map(literal).collect::<Result<_, _>>()?),
            Expr::Set(s) => {
                let elts = s.elts.iter().map(literal).collect::<Result<Vec<_>, _>>()?;
                // `set.add` of an unhashable value raises TypeError.
                if !elts.iter().all(Lit::hashable) {
                    return Err(Raise);
                }
                Lit::Set(elts)
            }
            Expr::Dict(d) => Lit::Dict {
                empty: d.items.is_empty(),
            },
            Expr::Name(n) => Lit::Str(n.id.to_string()),
            _ => Lit::None,
        })
    })
}

/// One argument as `call_args`/`call_keywords` hold it: an attribute's last component, else
/// its literal value.
pub fn arg_value(expr: &Expr) -> Result<Lit, Raise> {
    match expr {
        Expr::Attribute(a) => Ok(Lit::Str(a.attr.to_string())),
        e => literal(e),
    }
}

/// Bandit's `call_args`.
pub fn call_args(call: &ExprCall) -> Result<Vec<Lit>, Raise> {
    call.arguments.args.iter().map(arg_value).collect()
}

/// Bandit's `call_keywords`: every keyword's value (the `**` entries under `None`); the last
/// of repeated keywords wins, as in the dict Bandit builds.
pub struct Keywords<'a> {
    entries: Vec<(Option<&'a str>, Lit)>,
}

impl<'a> Keywords<'a> {
    pub fn of(call: &'a ExprCall) -> Result<Keywords<'a>, Raise> {
        let entries = call
            .arguments
            .keywords
            .iter()
            .map(|k| Ok((k.arg.as_ref().map(|a| a.as_str()), arg_value(&k.value)?)))
            .collect::<Result<_, Raise>>()?;
        Ok(Keywords { entries })
    }

    /// `keywords.get(name)`: `None` when absent.
    pub fn get(&self, name: &str) -> Option<&Lit> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| *k == Some(name))
            .map(|(_, v)| v)
    }

    /// Bandit's `get_call_arg_value(name)`: absent and non-literal are both Python `None`.
    pub fn value(&self, name: &str) -> Lit {
        self.get(name).cloned().unwrap_or(Lit::None)
    }

    /// Bandit's `check_call_arg_value(name, values)`: `None` when the argument is absent or
    /// not a literal, else whether it equals one of `values`.
    pub fn check(&self, name: &str, values: &[&str]) -> Option<bool> {
        match self.get(name) {
            None | Some(Lit::None) => None,
            Some(v) => Some(values.iter().any(|s| v.eq_str(s))),
        }
    }
}

/// Bandit's `get_call_arg_at_position(i)`: Python `None` when there is no such argument.
pub fn arg_at(call: &ExprCall, i: usize) -> Result<Lit, Raise> {
    match call.arguments.args.get(i) {
        Some(e) => arg_value(e),
        None => Ok(Lit::None),
    }
}

/// Bandit's `get_lineno_for_call_arg(name)`: the line of the first keyword `name`'s value.
pub fn keyword_line(ctx: &Ctx, call: &ExprCall, name: &str) -> Option<u32> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
        .map(|k| ctx.file.line(k.value.start()))
}

/// Bandit's `is_module_imported_like(module)`: `module` is a substring of an import so far.
pub fn imported_like(ctx: &Ctx, module: &str) -> bool {
    ctx.file.imports.iter().any(|i| i.contains(module))
}
