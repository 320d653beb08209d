use super::password::{looks_like_password, message};
use crate::pyast::{constant_str, is_constant, str_constant};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::{Ctx, Node};
use trustscan_pyparse::syntax::{Expr, Stmt};

rule! {
    /// B105 hardcoded_password_string.
    ///
    /// ## What it does
    /// Reports string literals given to something whose name looks like a password (`password`,
    /// `pass`, `passwd`, `pwd`, `token`, `secret`, `secrete`, alone or as an `_`-separated part):
    /// assigned to such a variable or attribute, as the value of such a dict key, assigned to
    /// such a subscript, or compared with such a variable or attribute.
    ///
    /// ## Why is this bad?
    /// A credential in the source is known to everyone who can read the code or the package it
    /// ships in, and cannot be rotated without a release.
    pub struct HardcodedPasswordString {
        id: "B105",
        name: "hardcoded_password_string",
        cwe: 259,
        severity: Low,
        confidence: Medium,
        kinds: [Str],
        example: "DB_PASSWORD = 'hunter2'",
    }
}

impl Rule for HardcodedPasswordString {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        // Only a real `Constant` node has these parents; an f-string's pieces sit in a
        // `JoinedStr`.
        let Node::Expr(node @ Expr::StringLiteral(s)) = ctx.node else {
            return None;
        };
        let value = s.value.to_str();
        let report = |v: &str| Some(META.issue(message(v)));
        match ctx.parent()? {
            // `candidate = "..."`
            Node::Stmt(Stmt::Assign(a)) => {
                let hit = a.targets.iter().any(|t| match t {
                    Expr::Name(n) => looks_like_password(n.id.as_str()),
                    Expr::Attribute(at) => looks_like_password(at.attr.as_str()),
                    _ => false,
                });
                if hit { report(value) } else { None }
            }
            // `{"candidate": "..."}`: the key's value, if it is any constant.
            Node::Expr(Expr::Dict(d)) => {
                let item = d
                    .items
                    .iter()
                    .find(|it| it.key.as_ref().is_some_and(|k| std::ptr::eq(k, node)))?;
                if !looks_like_password(value) || !is_constant(&item.value) {
                    return None;
                }
                report(&constant_str(&item.value)?)
            }
            // `d["candidate"] = "..."`
            Node::Expr(Expr::Subscript(_)) => {
                if !looks_like_password(value) {
                    return None;
                }
                let grand = ctx.parents.len().checked_sub(2)?;
                match ctx.parents[grand] {
                    Node::Stmt(Stmt::Assign(a)) => report(str_constant(&a.value)?),
                    _ => None,
                }
            }
            // `candidate == "..."`: the first comparator, whichever string this is.
            Node::Expr(Expr::Compare(c)) => {
                let name = match &*c.left {
                    Expr::Name(n) => n.id.as_str(),
                    Expr::Attribute(a) => a.attr.as_str(),
                    _ => return None,
                };
                if !looks_like_password(name) {
                    return None;
                }
                report(str_constant(c.comparators.first()?)?)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    fn lines(src: &str) -> Vec<(u32, String)> {
        crate::rules::findings_of(&["B105"], src)
            .into_iter()
            .map(|f| (f.location.line, f.message))
            .collect()
    }

    #[test]
    fn parents() {
        let f = lines(
            "password = 'a'\n\
             x = {'token': None, 'pwd': 3, 'secret': y}\n\
             d['password'] = 'b'\n\
             d['password'] = f'b'\n\
             if password == 'c' == 'd': pass\n\
             if 'e' == password: pass\n\
             password: str = 'f'\n",
        );
        let msgs: Vec<_> = f.iter().map(|(l, m)| format!("{l}:{m}")).collect();
        assert_eq!(
            msgs,
            [
                "1:Possible hardcoded password: 'a'",
                "2:Possible hardcoded password: 'None'",
                "2:Possible hardcoded password: '3'",
                "3:Possible hardcoded password: 'b'",
                "5:Possible hardcoded password: 'c'",
                "5:Possible hardcoded password: 'c'",
            ]
        );
    }
}
