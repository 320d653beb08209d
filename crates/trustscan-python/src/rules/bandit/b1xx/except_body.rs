//! What B110 and B112 share: Bandit's test of an `except` clause whose whole body is one
//! statement.

use crate::walk::{Ctx, Node};
use trustscan_pyparse::syntax::{Expr, Stmt};

/// The single statement of the handler's body, if Bandit looks at this handler: untyped or
/// `except Exception:` clauses, or any clause when `typed` (`check_typed_exception`) is set.
pub fn lone_statement<'a>(ctx: &Ctx<'_, 'a>, typed: bool) -> Option<&'a Stmt> {
    let Node::ExceptHandler(h) = ctx.node else {
        return None;
    };
    let [only] = &h.body[..] else {
        return None;
    };
    // `getattr(node.type, "id", None) != "Exception"`: only a bare name has an id.
    if !typed
        && let Some(t) = &h.type_
        && !matches!(&**t, Expr::Name(n) if n.id.as_str() == "Exception")
    {
        return None;
    }
    Some(only)
}
