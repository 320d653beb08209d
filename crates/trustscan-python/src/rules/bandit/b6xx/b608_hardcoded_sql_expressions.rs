use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::{Ctx, Node};
use regex::Regex;
use std::sync::LazyLock;
use trustscan_core::Level::{Low, Medium};
use trustscan_pyparse::syntax::{self as ast, Expr, InterpolatedStringElement, Ranged};

rule! {
    /// B608 hardcoded_sql_expressions.
    ///
    /// ## What it does
    /// Reports string literals that look like SQL (`SELECT ... FROM`, `DELETE FROM`,
    /// `INSERT INTO ... VALUES`, `UPDATE ... SET`) and take part in building a string: an operand
    /// of `+`/`%` (with the other literal operands of the same expression), the receiver of
    /// `.format()` or `.replace()`, or the text of an f-string. The confidence is MEDIUM when the
    /// built string is passed straight to a method named `execute` or `executemany` (and no
    /// `.replace()` is involved), LOW otherwise.
    ///
    /// ## Why is this bad?
    /// A query assembled from data by string operations lets that data change the query: SQL
    /// injection. Parameterised queries keep values out of the SQL text.
    pub struct HardcodedSqlExpressions {
        id: "B608",
        name: "hardcoded_sql_expressions",
        cwe: 89,
        severity: Medium,
        confidence: Medium,
        kinds: [Str],
        example: "cursor.execute(\"SELECT * FROM users WHERE name = '%s'\" % name)",
    }
}

/// Bandit's `SIMPLE_SQL_RE`, `(select\s.*from\s|delete\s+from\s|insert\s+into\s.*values[\s(]|
/// update\s.*set\s)` with `re.IGNORECASE | re.DOTALL`, spelled out with the characters
/// Python's `re` matches: case-insensitive `i` also matches `İ` and `ı`, `s` also `ſ`, and
/// `\s` also the information separators U+001C–U+001F.
static SQL_RE: LazyLock<Regex> = LazyLock::new(|| {
    const WS: &str = r"[\s\x1c-\x1f]";
    fn word(w: &str) -> String {
        w.chars()
            .map(|c| match c {
                'i' => r"[Ii\x{130}\x{131}]".to_string(),
                's' => r"[Ss\x{17f}]".to_string(),
                c => format!("[{}{}]", c.to_ascii_uppercase(), c),
            })
            .collect()
    }
    let (select, from, delete, insert, into, values, update, set) = (
        word("select"),
        word("from"),
        word("delete"),
        word("insert"),
        word("into"),
        word("values"),
        word("update"),
        word("set"),
    );
    Regex::new(&format!(
        r"(?s){select}{WS}.*{from}{WS}|{delete}{WS}+{from}{WS}|{insert}{WS}+{into}{WS}.*{values}[\s\x1c-\x1f(]|{update}{WS}.*{set}{WS}"
    ))
    .expect("valid regex")
});

/// A node of Python's tree above the string: the walker's nodes, plus the `FormattedValue`
/// that Python puts between an f-string and each interpolated expression.
#[derive(Clone, Copy)]
enum Up<'a> {
    Node(Node<'a>),
    FormattedValue,
}

/// Python's ancestors of the string, nearest last.
fn python_parents<'a>(ctx: &Ctx<'_, 'a>) -> Vec<Up<'a>> {
    let mut out = Vec::with_capacity(ctx.parents.len() + 2);
    for (i, p) in ctx.parents.iter().enumerate() {
        out.push(Up::Node(*p));
        let below_is_expr = match ctx.parents.get(i + 1) {
            Some(_) => true,
            // The string itself: a literal piece of the f-string sits in it directly.
            None => !matches!(ctx.node, Node::FStringPiece(_)),
        };
        if matches!(p, Node::Expr(Expr::FString(_))) && below_is_expr {
            out.push(Up::FormattedValue);
        }
    }
    out
}

fn as_expr<'a>(up: Option<&Up<'a>>) -> Option<&'a Expr> {
    match up {
        Some(Up::Node(Node::Expr(e))) => Some(e),
        _ => None,
    }
}

/// Bandit's `concat_string` below the top of a `BinOp` chain: the string literals among the
/// operands, left to right, skipping the subtree of `stop` (the string's own parent).
fn concat_operands<'a>(node: &'a ast::ExprBinOp, stop: &ast::ExprBinOp, out: &mut Vec<&'a str>) {
    if std::ptr::eq(node, stop) {
        return;
    }
    for side in [&*node.left, &*node.right] {
        match side {
            Expr::BinOp(b) => {
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || concat_operands(b, stop, out))
            }
            Expr::StringLiteral(s) => out.push(s.value.to_str()),
            _ => {}
        }
    }
}

/// The literal text of an f-string (merged across implicit concatenation, with the text of
/// `{expr=}` debug expressions) and where its first literal piece starts (the walker emits
/// no piece for debug text, so that piece makes Bandit's one test of the f-string).
fn fstring_text(f: &ast::ExprFString) -> (String, Option<ast::TextSize>) {
    let mut text = String::new();
    let mut first = None;
    let add = |text: &mut String,
               first: &mut Option<ast::TextSize>,
               value: &str,
               range: ast::TextRange| {
        first.get_or_insert(range.start());
        text.push_str(value);
    };
    for part in f.value.iter() {
        match part {
            ast::FStringPart::Literal(l) => add(&mut text, &mut first, &l.value, l.range),
            ast::FStringPart::FString(fs) => {
                for el in fs.elements.iter() {
                    match el {
                        InterpolatedStringElement::Literal(l) => {
                            add(&mut text, &mut first, &l.value, l.range)
                        }
                        // Python keeps the text of `{expr=}` as a constant of its own.
                        InterpolatedStringElement::Interpolation(i) => {
                            if let Some(d) = &i.debug_text {
                                text.push_str(d.as_str());
                            }
                        }
                    }
                }
            }
        }
    }
    (text, first)
}

struct Evaluation {
    execute_call: bool,
    statement: String,
    str_replace: bool,
}

/// Bandit's `_evaluate_ast`.
fn evaluate(ctx: &Ctx, value: &str) -> Evaluation {
    let ups = python_parents(ctx);
    let n = ups.len();
    let mut statement = String::new();
    let mut str_replace = false;
    let mut wrapper: Option<&Expr> = None;
    match ups.last() {
        Some(Up::Node(Node::Expr(Expr::BinOp(stop)))) => {
            // Climb to the top of the chain of binary operations.
            let mut top = n - 1;
            while top > 0 && matches!(as_expr(ups.get(top - 1)), Some(Expr::BinOp(_))) {
                top -= 1;
            }
            let mut bits = vec![value];
            if let Some(Expr::BinOp(t)) = as_expr(ups.get(top)) {
                concat_operands(t, stop, &mut bits);
            }
            statement = bits.join(" ");
            wrapper = top.checked_sub(1).and_then(|i| as_expr(ups.get(i)));
        }
        Some(Up::Node(Node::Expr(Expr::Attribute(a))))
            if matches!(a.attr.as_str(), "format" | "replace") =>
        {
            statement = value.to_string();
            // Wrapper -> Call -> Attribute -> Str.
            wrapper = n.checked_sub(3).and_then(|i| as_expr(ups.get(i)));
            str_replace = a.attr.as_str() == "replace";
        }
        Some(Up::Node(Node::Expr(Expr::FString(f)))) => {
            // One test for the whole f-string, made by its first literal piece.
            let (text, first) = fstring_text(f);
            if matches!(ctx.node, Node::FStringPiece(_)) && first == Some(ctx.node.range().start())
            {
                statement = text;
                wrapper = n.checked_sub(2).and_then(|i| as_expr(ups.get(i)));
            }
        }
        _ => {}
    }
    let execute_call = match wrapper {
        Some(Expr::Call(c)) => {
            let name = match &*c.func {
                Expr::Attribute(a) => a.attr.as_str(),
                Expr::Name(n) => n.id.as_str(),
                _ => "",
            };
            matches!(name, "execute" | "executemany")
        }
        _ => false,
    };
    Evaluation {
        execute_call,
        statement,
        str_replace,
    }
}

impl Rule for HardcodedSqlExpressions {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let value = ctx.string?;
        // Only a string right under a `+`/`%` chain, `.format`/`.replace` or (as a literal
        // piece) an f-string makes a statement: the ancestors are not gathered for the rest.
        let may_build = match ctx.parents.last() {
            Some(Node::Expr(Expr::BinOp(_))) => true,
            Some(Node::Expr(Expr::Attribute(a))) => matches!(a.attr.as_str(), "format" | "replace"),
            Some(Node::Expr(Expr::FString(_))) => matches!(ctx.node, Node::FStringPiece(_)),
            _ => false,
        };
        if !may_build {
            return None;
        }
        let e = evaluate(ctx, value);
        if e.statement.is_empty() || !SQL_RE.is_match(&e.statement) {
            return None;
        }
        let confidence = if e.execute_call && !e.str_replace {
            Medium
        } else {
            Low
        };
        let mut issue = Issue::new(
            Medium,
            confidence,
            "Possible SQL injection vector through string-based query construction.",
        );
        // Python (3.11, Bandit's interpreter here) places an f-string's literal pieces at
        // the start of the whole f-string.
        if let (Node::FStringPiece(r), Some(Node::Expr(f))) = (ctx.node, ctx.parent()) {
            let at = ctx.file.line(f.range().start());
            if at != ctx.file.line(r.start()) {
                issue.line = Some(at);
            }
        }
        Some(issue)
    }
}

#[cfg(test)]
mod tests {
    fn lines(src: &str) -> Vec<(u32, String)> {
        crate::rules::findings_of(&["B608"], src)
            .iter()
            .map(|f| (f.location.line, format!("{:?}", f.confidence)))
            .collect()
    }

    #[test]
    fn concat_chain_uses_literals_outside_own_operation() {
        // "SELECT " sees " FROM " further up the chain; " FROM " alone is not SQL.
        let got = lines("q = 'SELECT ' + a + ' FROM ' + t\n");
        assert_eq!(got.len(), 1);
        // The literal next to the string in its own operation is not part of the statement.
        assert!(lines("q = 'SELECT x' + ' FROM t'\n").is_empty());
    }

    #[test]
    fn execute_wrapper_raises_confidence() {
        let got = lines("cur.execute('SELECT %s FROM t' % x)\n");
        assert_eq!(got, vec![(1, "Medium".to_string())]);
        let got = lines("cur.execute('SELECT * FROM t WHERE a=X'.replace('X', v))\n");
        assert_eq!(got, vec![(1, "Low".to_string())]);
        let got = lines("cur.execute(sql='SELECT %s FROM t' % x)\n");
        assert_eq!(got, vec![(1, "Low".to_string())]);
    }

    #[test]
    fn fstring_reported_once_at_its_start() {
        let got = lines("cur.execute(\n    f'{a}'\n    f'SELECT {b} FROM {c}')\n");
        assert_eq!(got, vec![(2, "Medium".to_string())]);
    }

    #[test]
    fn fstring_debug_text_is_part_of_the_statement() {
        assert_eq!(lines("q = f'UPDATE t {set = }'\n").len(), 1);
        assert!(lines("q = f'UPDATE t {set}'\n").is_empty());
    }

    #[test]
    fn sql_pattern_matches_like_python() {
        use super::SQL_RE;
        assert!(SQL_RE.is_match("ſelect a\x1cfrom t"));
        assert!(SQL_RE.is_match("INSERT\tINTO t VALUES("));
        assert!(SQL_RE.is_match("\u{131}nsert \u{130}nto t values "));
        assert!(SQL_RE.is_match("update t\nset a=1"));
        assert!(!SQL_RE.is_match("selection from"));
        assert!(!SQL_RE.is_match("\u{212a}"));
    }
}
