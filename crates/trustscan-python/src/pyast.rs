//! Python's view of ruff nodes, as Bandit's rules see them: which expressions are
//! `ast.Constant`s, what `str()` of a constant prints, the line Python gives a node or a
//! keyword argument, and what Bandit's `Context` knows of a file's imports.

use crate::literal::{Lit, literal};
use crate::walk::{Ctx, FileState, Node, node_lineno};
use trustscan_pyparse::syntax::{Expr, ExprCall, Ranged, Stmt};

/// Whether Python's tree holds an `ast.Constant` here (f-strings are `JoinedStr`).
pub fn is_constant(e: &Expr) -> bool {
    matches!(
        e,
        Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
    )
}

/// The value of an `ast.Constant` holding a `str`.
pub fn str_constant(e: &Expr) -> Option<&str> {
    match e {
        Expr::StringLiteral(s) => Some(s.value.to_str()),
        _ => None,
    }
}

/// `str(node.value)` of an `ast.Constant`.
pub fn constant_str(e: &Expr) -> Option<String> {
    match e {
        Expr::NoneLiteral(_) => Some("None".into()),
        Expr::BooleanLiteral(b) => Some(if b.value { "True" } else { "False" }.into()),
        e if is_constant(e) => literal(e).ok().map(|v| match v {
            // A constant has no `None` literal other than the one above.
            Lit::None => String::new(),
            v => v.py_str(),
        }),
        _ => None,
    }
}

/// Python's `lineno` of an expression.
pub fn expr_line(file: &FileState, e: &Expr) -> u32 {
    file.line(e.range().start())
}

/// Python's `lineno` of a statement (a decorated definition starts at `def`/`class`).
pub fn stmt_line(file: &FileState, s: &Stmt) -> u32 {
    node_lineno(file, &Node::Stmt(s))
}

/// Bandit's `get_lineno_for_call_arg(name)`: the line of the first keyword `name`'s value.
pub fn keyword_line(ctx: &Ctx, call: &ExprCall, name: &str) -> Option<u32> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
        .map(|k| expr_line(ctx.file, &k.value))
}

/// Bandit's `is_module_imported_like(module)`: `module` is a substring of an import so far.
pub fn imported_like(ctx: &Ctx, module: &str) -> bool {
    ctx.file.imports.iter().any(|i| i.contains(module))
}

/// The line Bandit (on Python 3.11) reports a string constant at: the literal pieces of an
/// f-string carry the location of the whole `JoinedStr`, not their own.
pub fn string_line(ctx: &Ctx) -> Option<u32> {
    match (ctx.node, ctx.parent()) {
        (Node::FStringPiece(_), Some(parent)) => Some(ctx.file.line(parent.range().start())),
        _ => None,
    }
}

/// The class name of the node in Python's `ast` module.
pub fn py_class(e: &Expr) -> &'static str {
    match e {
        Expr::BoolOp(_) => "BoolOp",
        Expr::Named(_) => "NamedExpr",
        Expr::BinOp(_) => "BinOp",
        Expr::UnaryOp(_) => "UnaryOp",
        Expr::Lambda(_) => "Lambda",
        Expr::If(_) => "IfExp",
        Expr::Dict(_) => "Dict",
        Expr::Set(_) => "Set",
        Expr::ListComp(_) => "ListComp",
        Expr::SetComp(_) => "SetComp",
        Expr::DictComp(_) => "DictComp",
        Expr::Generator(_) => "GeneratorExp",
        Expr::Await(_) => "Await",
        Expr::Yield(_) => "Yield",
        Expr::YieldFrom(_) => "YieldFrom",
        Expr::Compare(_) => "Compare",
        Expr::Call(_) => "Call",
        Expr::FString(_) => "JoinedStr",
        Expr::TString(_) => "TemplateStr",
        Expr::Attribute(_) => "Attribute",
        Expr::Subscript(_) => "Subscript",
        Expr::Starred(_) => "Starred",
        Expr::Name(_) => "Name",
        Expr::List(_) => "List",
        Expr::Tuple(_) => "Tuple",
        Expr::Slice(_) => "Slice",
        Expr::IpyEscapeCommand(_) => "expr",
        _ => "Constant",
    }
}
