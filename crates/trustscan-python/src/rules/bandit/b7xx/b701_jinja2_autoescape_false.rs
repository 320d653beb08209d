use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::{Ctx, Node};
use std::collections::VecDeque;
use trustscan_core::Level::{High, Medium};
use trustscan_pyparse::syntax::{self as ast, Expr, InterpolatedStringElement};

rule! {
    /// B701 jinja2_autoescape_false.
    ///
    /// ## What it does
    /// Reports `jinja2.Environment(...)` calls that do not turn autoescaping on: without an
    /// `autoescape` keyword or with `autoescape=False` (high confidence), or with a value other
    /// than `True` or a `select_autoescape(...)` call (medium confidence).
    ///
    /// ## Why is this bad?
    /// Jinja2 does not escape HTML by default; templates rendering user data then allow
    /// cross-site scripting.
    pub struct Jinja2AutoescapeFalse {
        id: "B701",
        name: "jinja2_autoescape_false",
        cwe: 94,
        severity: High,
        confidence: High,
        kinds: [Call],
        example: "env = jinja2.Environment(loader=loader)",
    }
}

/// The nodes of Python's tree below a call that can hold a `keyword` (leaves are left out:
/// they change nothing in the order keywords are met).
#[derive(Clone, Copy)]
enum Py<'a> {
    Expr(&'a Expr),
    Keyword(&'a ast::Keyword),
    Comprehension(&'a ast::Comprehension),
    Arguments(&'a ast::Parameters),
    FormattedValue(&'a ast::InterpolatedElement),
    FormatSpec(&'a ast::InterpolatedStringFormatSpec),
}

/// `ast.iter_child_nodes` in Python's field order.
fn children<'a>(node: Py<'a>, out: &mut VecDeque<Py<'a>>) {
    let mut e = |x: &'a Expr| out.push_back(Py::Expr(x));
    match node {
        Py::Keyword(k) => e(&k.value),
        Py::Comprehension(c) => {
            e(&c.target);
            e(&c.iter);
            c.ifs.iter().for_each(e);
        }
        Py::Arguments(p) => {
            // posonlyargs, args, vararg, kwonlyargs (no annotations in a lambda),
            // kw_defaults, kwarg, defaults.
            p.kwonlyargs
                .iter()
                .filter_map(|a| a.default.as_deref())
                .for_each(&mut e);
            p.posonlyargs
                .iter()
                .chain(p.args.iter())
                .filter_map(|a| a.default.as_deref())
                .for_each(e);
        }
        Py::FormattedValue(i) => {
            e(&i.expression);
            if let Some(spec) = &i.format_spec {
                out.push_back(Py::FormatSpec(spec));
            }
        }
        Py::FormatSpec(spec) => {
            for el in spec.elements.iter() {
                if let InterpolatedStringElement::Interpolation(i) = el {
                    out.push_back(Py::FormattedValue(i));
                }
            }
        }
        Py::Expr(x) => expr_children(x, out),
    }
}

fn expr_children<'a>(x: &'a Expr, out: &mut VecDeque<Py<'a>>) {
    let mut e = |x: &'a Expr| out.push_back(Py::Expr(x));
    match x {
        Expr::BoolOp(b) => b.values.iter().for_each(e),
        Expr::Named(n) => {
            e(&n.target);
            e(&n.value);
        }
        Expr::BinOp(b) => {
            e(&b.left);
            e(&b.right);
        }
        Expr::UnaryOp(u) => e(&u.operand),
        Expr::Lambda(l) => {
            if let Some(p) = &l.parameters {
                out.push_back(Py::Arguments(p));
            }
            out.push_back(Py::Expr(&l.body));
        }
        Expr::If(i) => {
            e(&i.test);
            e(&i.body);
            e(&i.orelse);
        }
        Expr::Dict(d) => {
            d.items
                .iter()
                .filter_map(|i| i.key.as_ref())
                .for_each(&mut e);
            d.items.iter().map(|i| &i.value).for_each(e);
        }
        Expr::Set(s) => s.elts.iter().for_each(e),
        Expr::List(l) => l.elts.iter().for_each(e),
        Expr::Tuple(t) => t.elts.iter().for_each(e),
        Expr::ListComp(c) => {
            e(&c.elt);
            comprehensions(&c.generators, out);
        }
        Expr::SetComp(c) => {
            e(&c.elt);
            comprehensions(&c.generators, out);
        }
        Expr::Generator(c) => {
            e(&c.elt);
            comprehensions(&c.generators, out);
        }
        Expr::DictComp(c) => {
            if let Some(k) = &c.key {
                e(k);
            }
            e(&c.value);
            comprehensions(&c.generators, out);
        }
        Expr::Await(a) => e(&a.value),
        Expr::Yield(y) => {
            if let Some(v) = &y.value {
                e(v);
            }
        }
        Expr::YieldFrom(y) => e(&y.value),
        Expr::Compare(c) => {
            e(&c.left);
            c.comparators.iter().for_each(e);
        }
        Expr::Call(c) => {
            e(&c.func);
            c.arguments.args.iter().for_each(e);
            for k in c.arguments.keywords.iter() {
                out.push_back(Py::Keyword(k));
            }
        }
        // One `JoinedStr` for the whole implicit concatenation; its literal pieces are leaves.
        Expr::FString(f) => {
            for part in f.value.iter() {
                if let ast::FStringPart::FString(fs) = part {
                    for el in fs.elements.iter() {
                        if let InterpolatedStringElement::Interpolation(i) = el {
                            out.push_back(Py::FormattedValue(i));
                        }
                    }
                }
            }
        }
        Expr::Attribute(a) => e(&a.value),
        Expr::Subscript(s) => {
            e(&s.value);
            e(&s.slice);
        }
        Expr::Starred(s) => e(&s.value),
        Expr::Slice(s) => {
            [&s.lower, &s.upper, &s.step]
                .into_iter()
                .filter_map(|x| x.as_deref())
                .for_each(e);
        }
        Expr::TString(_)
        | Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_)
        | Expr::EllipsisLiteral(_)
        | Expr::Name(_)
        | Expr::IpyEscapeCommand(_) => {}
    }
}

fn comprehensions<'a>(generators: &'a [ast::Comprehension], out: &mut VecDeque<Py<'a>>) {
    for g in generators {
        out.push_back(Py::Comprehension(g));
    }
}

impl Rule for Jinja2AutoescapeFalse {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["Environment"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let Node::Expr(root @ Expr::Call(_)) = ctx.node else {
            return None;
        };
        if ctx.name() != "Environment" || !ctx.qualname.split('.').any(|p| p == "jinja2") {
            return None;
        }
        // `ast.walk` is breadth first: the first `autoescape` keyword met anywhere below the
        // call decides, even one of a nested call.
        let mut queue = VecDeque::from([Py::Expr(root)]);
        while let Some(node) = queue.pop_front() {
            if let Py::Keyword(k) = node
                && k.arg.as_ref().is_some_and(|a| a.as_str() == "autoescape")
            {
                return decide(&k.value);
            }
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || children(node, &mut queue));
        }
        Some(META.issue(
            "By default, jinja2 sets autoescape to False. Consider using autoescape=True or use \
             the select_autoescape function to mitigate XSS vulnerabilities.",
        ))
    }
}

fn decide(value: &Expr) -> Option<Issue> {
    match value {
        Expr::BooleanLiteral(b) if !b.value => Some(META.issue(
            "Using jinja2 templates with autoescape=False is dangerous and can lead to XSS. Use \
             autoescape=True or use the select_autoescape function to mitigate XSS \
             vulnerabilities.",
        )),
        Expr::BooleanLiteral(_) => None,
        Expr::Call(c)
            if match &*c.func {
                Expr::Attribute(a) => a.attr.as_str() == "select_autoescape",
                Expr::Name(n) => n.id.as_str() == "select_autoescape",
                _ => false,
            } =>
        {
            None
        }
        _ => Some(Issue::new(
            High,
            Medium,
            "Using jinja2 templates with autoescape=False is dangerous and can lead to XSS. \
             Ensure autoescape=True or use the select_autoescape function to mitigate XSS \
             vulnerabilities.",
        )),
    }
}

#[cfg(test)]
mod tests {
    fn found(src: &str) -> Vec<(u32, String)> {
        crate::rules::findings_of(&["B701"], src)
            .into_iter()
            .map(|f| (f.location.line, f.confidence.to_string().to_lowercase()))
            .collect()
    }

    #[test]
    fn breadth_first_keyword_search() {
        let f = found(
            "import jinja2\n\
             jinja2.Environment(loader=f(autoescape=False), autoescape=True)\n\
             jinja2.Environment(f(autoescape=False), x=g(autoescape=True))\n\
             jinja2.Environment(x=[g(autoescape=True)], y=f(autoescape=False))\n\
             jinja2.Environment(autoescape=jinja2.select_autoescape())\n\
             jinja2.Environment(autoescape=x)\n\
             jinja2.Environment(**kw)\n",
        );
        assert_eq!(
            f,
            [
                // Line 2: the call's own `autoescape=True` is met first.
                // Line 3: a call among the arguments is one level above a keyword's call.
                (3, "high".to_string()),
                // `y=f(...)` is met before the list's element `g(...)`.
                (4, "high".to_string()),
                (6, "medium".to_string()),
                (7, "high".to_string()),
            ]
        );
    }
}
