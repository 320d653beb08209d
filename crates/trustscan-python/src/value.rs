//! Argument values as Bandit's `Context` reads them (`call_args`, `get_call_arg_value`,
//! `check_call_arg_value`): literals become Python values, `True`/`False`/`None` become the
//! strings `"True"`/`"False"`/`"None"`, a name becomes its identifier, an attribute its last
//! component, anything else `None`.

use trustscan_pyparse::syntax::{Expr, ExprCall, Number};

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Bytes(Vec<u8>),
    Int(i128),
    Float(f64),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Set(Vec<Value>),
    /// A dict literal (Bandit keeps the nodes; rules only test for its presence).
    Dict,
    /// Anything Bandit turns into `None`.
    Unknown,
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Python equality with a string (`arg_value == "True"`).
    pub fn is(&self, s: &str) -> bool {
        self.as_str() == Some(s)
    }
}

/// Bandit's `_get_literal_value`.
pub fn literal(expr: &Expr) -> Value {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match expr {
        Expr::StringLiteral(s) => Value::Str(s.value.to_str().to_string()),
        Expr::BytesLiteral(b) => Value::Bytes(b.value.bytes().collect()),
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => i
                .as_i64()
                .map(|v| Value::Int(v as i128))
                .unwrap_or(Value::Unknown),
            Number::Float(f) => Value::Float(*f),
            Number::Complex { .. } => Value::Unknown,
        },
        Expr::BooleanLiteral(b) => Value::Str(if b.value { "True" } else { "False" }.into()),
        Expr::NoneLiteral(_) => Value::Str("None".into()),
        Expr::EllipsisLiteral(_) => Value::Unknown,
        Expr::List(l) => Value::List(l.elts.iter().map(literal).collect()),
        Expr::Tuple(t) => Value::Tuple(t.elts.iter().map(literal).collect()),
        Expr::Set(s) => Value::Set(s.elts.iter().map(literal).collect()),
        Expr::Dict(_) => Value::Dict,
        Expr::Name(n) => Value::Str(n.id.to_string()),
        _ => Value::Unknown,
    })
}

/// An argument as `call_args` holds it: an attribute's last component, else its literal.
pub fn arg_value(expr: &Expr) -> Value {
    match expr {
        Expr::Attribute(a) => Value::Str(a.attr.to_string()),
        e => literal(e),
    }
}

/// `get_call_arg_value(name)`: the keyword's value, when given.
pub fn keyword(call: &ExprCall, name: &str) -> Option<Value> {
    call.arguments
        .keywords
        .iter()
        .rev()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
        .map(|k| arg_value(&k.value))
}

/// `check_call_arg_value(name, values)`: `Some(true)` when the keyword is given and equals one
/// of `values`, `Some(false)` when given otherwise, `None` when absent (or `None`-valued).
pub fn check_keyword(call: &ExprCall, name: &str, values: &[&str]) -> Option<bool> {
    match keyword(call, name) {
        None | Some(Value::Unknown) => None,
        Some(v) => Some(values.iter().any(|s| v.is(s))),
    }
}

/// `get_call_arg_at_position(i)`: an attribute's last component, or the literal.
pub fn arg_at(call: &ExprCall, i: usize) -> Option<Value> {
    call.arguments.args.get(i).map(arg_value)
}
