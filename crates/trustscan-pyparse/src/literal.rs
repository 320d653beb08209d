//! Python literal values a loader reads out of a file without running it (`dependencies = [...]`,
//! `_base_ = '...'`, `custom_imports = dict(imports=[...])`), and path expressions built from
//! `__file__`.

use ruff_python_ast::{Expr, Number, Operator, UnaryOp};
use trustscan_core::relpath::push_keeping_climbs;

/// A value known without running the file; `Unknown` keeps the source text.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    List(Vec<Literal>),
    /// Keys in source order; `dict(a=1)` gives string keys.
    Dict(Vec<(Literal, Literal)>),
    Unknown(String),
}

impl Literal {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Literal::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A string or a list/tuple of strings, as `_base_` and `dependencies` allow.
    pub fn strings(&self) -> Option<Vec<String>> {
        match self {
            Literal::Str(s) => Some(vec![s.clone()]),
            Literal::List(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Literal> {
        match self {
            Literal::Dict(items) => items
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Literals nested deeper than this become `Unknown`: configs never nest that deep, and a
/// deep value would make every later clone or drop recurse.
const MAX_LITERAL_DEPTH: usize = 32;

pub(crate) fn literal(expr: &Expr, src: &str) -> Literal {
    literal_at(expr, src, 0)
}

fn literal_at(expr: &Expr, src: &str, depth: usize) -> Literal {
    if depth > MAX_LITERAL_DEPTH {
        return unknown(expr, src);
    }
    let literal = |e: &Expr, src: &str| literal_at(e, src, depth + 1);
    match expr {
        Expr::StringLiteral(s) => Literal::Str(s.value.to_str().to_string()),
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => i
                .as_i64()
                .map(Literal::Int)
                .unwrap_or_else(|| unknown(expr, src)),
            Number::Float(f) => Literal::Float(*f),
            Number::Complex { .. } => unknown(expr, src),
        },
        Expr::BooleanLiteral(b) => Literal::Bool(b.value),
        Expr::NoneLiteral(_) => Literal::None,
        Expr::UnaryOp(u) if u.op == UnaryOp::USub => match literal(&u.operand, src) {
            Literal::Int(i) => Literal::Int(-i),
            Literal::Float(f) => Literal::Float(-f),
            _ => unknown(expr, src),
        },
        Expr::List(l) => Literal::List(l.elts.iter().map(|e| literal(e, src)).collect()),
        Expr::Tuple(t) => Literal::List(t.elts.iter().map(|e| literal(e, src)).collect()),
        Expr::Set(s) => Literal::List(s.elts.iter().map(|e| literal(e, src)).collect()),
        Expr::Dict(d) => {
            let mut items = Vec::new();
            for item in &d.items {
                match &item.key {
                    Some(k) => items.push((literal(k, src), literal(&item.value, src))),
                    None => return unknown(expr, src),
                }
            }
            Literal::Dict(items)
        }
        Expr::Call(call) if is_name(&call.func, "dict") && call.arguments.args.is_empty() => {
            let mut items = Vec::new();
            for kw in call.arguments.keywords.iter() {
                match &kw.arg {
                    Some(name) => items.push((
                        Literal::Str(name.as_str().to_string()),
                        literal(&kw.value, src),
                    )),
                    None => return unknown(expr, src),
                }
            }
            Literal::Dict(items)
        }
        Expr::BinOp(b) if b.op == Operator::Add => {
            match (literal(&b.left, src), literal(&b.right, src)) {
                (Literal::Str(a), Literal::Str(c)) => Literal::Str(a + &c),
                (Literal::List(mut a), Literal::List(c)) => {
                    a.extend(c);
                    Literal::List(a)
                }
                _ => unknown(expr, src),
            }
        }
        _ => unknown(expr, src),
    }
}

fn unknown(expr: &Expr, src: &str) -> Literal {
    Literal::Unknown(crate::facts::snippet(
        src,
        ruff_text_size::Ranged::range(expr),
        120,
    ))
}

pub(crate) fn is_name(expr: &Expr, id: &str) -> bool {
    matches!(expr, Expr::Name(n) if n.id.as_str() == id)
}

/// `a.b.c` as `["a", "b", "c"]` for a chain of names and attributes.
pub(crate) fn dotted(expr: &Expr) -> Option<Vec<&str>> {
    match expr {
        Expr::Name(n) => Some(vec![n.id.as_str()]),
        Expr::Attribute(a) => {
            let mut v = dotted(&a.value)?;
            v.push(a.attr.as_str());
            Some(v)
        }
        _ => None,
    }
}

/// A path computed from `__file__`, a literal, or something the scanner cannot know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathValue {
    /// `__file__` itself.
    File,
    /// A directory relative to the file's own directory; components may start with `..`.
    FromFileDir(Vec<String>),
    /// A literal path (absolute, or relative to the unknown working directory).
    Literal(String),
    Unknown(String),
}

impl PathValue {
    fn parent(self) -> PathValue {
        match self {
            PathValue::File => PathValue::FromFileDir(Vec::new()),
            PathValue::FromFileDir(mut v) => {
                push_keeping_climbs(&mut v, [".."]);
                PathValue::FromFileDir(v)
            }
            PathValue::Literal(s) => PathValue::Literal(match s.rsplit_once('/') {
                Some((head, _)) => head.to_string(),
                None => String::new(),
            }),
            u => u,
        }
    }

    fn join(self, part: &str) -> PathValue {
        match self {
            PathValue::FromFileDir(mut v) => {
                if part.starts_with('/') {
                    return PathValue::Literal(part.to_string());
                }
                push_keeping_climbs(&mut v, part.split('/'));
                PathValue::FromFileDir(v)
            }
            PathValue::Literal(s) if part.starts_with('/') || s.is_empty() => {
                PathValue::Literal(part.to_string())
            }
            PathValue::Literal(s) => PathValue::Literal(format!("{s}/{part}")),
            PathValue::File => PathValue::Unknown(format!("__file__/{part}")),
            u => u,
        }
    }
}

/// Evaluate the common spellings of "a directory next to this file".
pub(crate) fn path_value(expr: &Expr, src: &str) -> PathValue {
    path_value_at(expr, src, 0)
}

fn path_value_at(expr: &Expr, src: &str, depth: usize) -> PathValue {
    if depth > MAX_LITERAL_DEPTH {
        return PathValue::Unknown(crate::facts::snippet(
            src,
            ruff_text_size::Ranged::range(expr),
            120,
        ));
    }
    let path_value = |e: &Expr, src: &str| path_value_at(e, src, depth + 1);
    let unknown = || {
        PathValue::Unknown(crate::facts::snippet(
            src,
            ruff_text_size::Ranged::range(expr),
            120,
        ))
    };
    match expr {
        Expr::Name(n) if n.id.as_str() == "__file__" => PathValue::File,
        Expr::StringLiteral(s) => PathValue::Literal(s.value.to_str().to_string()),
        Expr::Attribute(a) if a.attr.as_str() == "parent" => path_value(&a.value, src).parent(),
        Expr::BinOp(b) if b.op == Operator::Div => match &*b.right {
            Expr::StringLiteral(s) => path_value(&b.left, src).join(s.value.to_str()),
            _ => unknown(),
        },
        Expr::Call(call) => {
            let args = &call.arguments.args;
            let Some(func) = dotted(&call.func) else {
                // `Path(__file__).resolve()` and friends: a method call on a path.
                if let Expr::Attribute(a) = &*call.func
                    && matches!(a.attr.as_str(), "resolve" | "absolute" | "expanduser")
                {
                    return path_value(&a.value, src);
                }
                return unknown();
            };
            let name = func.join(".");
            let last = *func.last().unwrap_or(&"");
            match (name.as_str(), last) {
                ("os.path.dirname", _) | ("dirname", _) | ("osp.dirname", _) if args.len() == 1 => {
                    path_value(&args[0], src).parent()
                }
                (_, "abspath" | "realpath" | "normpath" | "expanduser")
                    if args.len() == 1
                        && (name.starts_with("os.path.")
                            || name.starts_with("osp.")
                            || func.len() == 1) =>
                {
                    path_value(&args[0], src)
                }
                ("str" | "Path" | "pathlib.Path" | "os.fspath", _) if args.len() == 1 => {
                    path_value(&args[0], src)
                }
                ("os.path.join" | "join" | "osp.join", _) if !args.is_empty() => {
                    let mut v = path_value(&args[0], src);
                    for a in &args[1..] {
                        match a {
                            Expr::StringLiteral(s) => v = v.join(s.value.to_str()),
                            _ => return unknown(),
                        }
                    }
                    v
                }
                ("os.getcwd", _) if args.is_empty() => PathValue::Literal(String::new()),
                _ => match &*call.func {
                    Expr::Attribute(a) if matches!(a.attr.as_str(), "resolve" | "absolute") => {
                        path_value(&a.value, src)
                    }
                    _ => unknown(),
                },
            }
        }
        _ => unknown(),
    }
}
