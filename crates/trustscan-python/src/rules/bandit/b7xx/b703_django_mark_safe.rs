use crate::pyast::{expr_line, is_constant, stmt_line};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::{Ctx, FileState, Node};
use trustscan_pyparse::syntax::{
    Expr, ExprCall, ExprName, Operator, Ranged, Stmt, StmtFunctionDef,
};

rule! {
    /// B703 django_mark_safe.
    ///
    /// ## What it does
    /// In files that import anything whose name contains `django.utils.safestring`, reports calls
    /// of `mark_safe`, `SafeText`, `SafeUnicode`, `SafeString` and `SafeBytes` whose argument is
    /// not a string literal, unless Bandit's small data-flow check proves it built from string
    /// literals only: a variable assigned (in every branch before the call, in the same function
    /// or module) only literals or such variables, or a `"...".format(...)` / `"..." % (...)` of
    /// such values.
    ///
    /// ## Why is this bad?
    /// `mark_safe` tells Django not to escape a string in templates; built from user data it is
    /// cross-site scripting.
    pub struct DjangoMarkSafe {
        id: "B703",
        name: "django_mark_safe",
        cwe: 80,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "mark_safe('<b>%s</b>' % request.GET['name'])",
    }
}

const AFFECTED: [&str; 5] = [
    "mark_safe",
    "SafeText",
    "SafeUnicode",
    "SafeString",
    "SafeBytes",
];

/// Python raised (an `AttributeError`/`IndexError` in Bandit's assignment search, or a
/// `RecursionError`): the test reports nothing.
struct Crash;

/// Bandit gives up (with a `RecursionError`) long before this many nested evaluations.
const MAX_DEPTH: usize = 200;

/// What `DeepAssignation.is_assigned` returns.
enum Assigned<'a> {
    /// `False`.
    Nothing,
    One(Target<'a>),
    /// A list (false when empty).
    Many(Vec<Target<'a>>),
}

#[derive(Clone, Copy)]
enum Target<'a> {
    Expr(&'a Expr),
    /// A `with` statement binding the variable (`with ... as var`).
    With,
}

/// The function (or module) whose body Bandit searches for assignments.
struct Eval<'f, 'a> {
    file: &'f FileState<'a>,
    func: Option<&'a StmtFunctionDef>,
    body: &'a [Stmt],
    /// `evaluate_var` calls in progress: a repeat recurses forever in Bandit.
    stack: Vec<(&'a str, u32)>,
}

/// A call as `evaluate_call` sees it: a real one, or `"..." % x` rewritten as
/// `"...".format(*x)` by Bandit's `transform2call`.
struct CallView<'a> {
    evaluate: bool,
    args: Vec<&'a Expr>,
    line: u32,
}

impl<'a> CallView<'a> {
    fn real(file: &FileState, c: &'a ExprCall) -> CallView<'a> {
        let format_of_constant = matches!(&*c.func,
            Expr::Attribute(a) if is_constant(&a.value) && a.attr.as_str() == "format");
        CallView {
            evaluate: format_of_constant && c.arguments.keywords.is_empty(),
            args: c.arguments.args.iter().collect(),
            line: file.line(c.range().start()),
        }
    }
}

impl<'f, 'a> Eval<'f, 'a> {
    fn is_param(&self, name: &str) -> bool {
        self.func.is_some_and(|f| {
            f.parameters
                .args
                .iter()
                .any(|a| a.parameter.name.as_str() == name)
        })
    }

    fn assigned_in(
        &self,
        var: &str,
        stmts: &'a [Stmt],
        out: &mut Vec<Target<'a>>,
    ) -> Result<(), Crash> {
        for s in stmts {
            match self.assigned(var, s)? {
                Assigned::Nothing => {}
                Assigned::One(t) => out.push(t),
                Assigned::Many(v) => out.extend(v),
            }
        }
        Ok(())
    }

    /// `DeepAssignation.is_assigned` for the variable `var`.
    fn assigned(&self, var: &str, node: &'a Stmt) -> Result<Assigned<'a>, Crash> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            let mut list = Vec::new();
            Ok(match node {
                Stmt::FunctionDef(f) if !f.is_async => {
                    self.assigned_in(var, &f.body, &mut list)?;
                    Assigned::Many(list)
                }
                Stmt::With(w) if !w.is_async => {
                    let mut assigned = Assigned::Nothing;
                    for item in &w.items {
                        let binds = matches!(item.optional_vars.as_deref(),
                            Some(Expr::Name(n)) if n.id.as_str() == var);
                        assigned = if binds {
                            Assigned::One(Target::With)
                        } else {
                            let mut v = Vec::new();
                            self.assigned_in(var, &w.body, &mut v)?;
                            Assigned::Many(v)
                        };
                    }
                    assigned
                }
                Stmt::Try(t) if !t.is_star => {
                    self.assigned_in(var, &t.body, &mut list)?;
                    for h in &t.handlers {
                        let trustscan_pyparse::syntax::ExceptHandler::ExceptHandler(h) = h;
                        self.assigned_in(var, &h.body, &mut list)?;
                    }
                    self.assigned_in(var, &t.orelse, &mut list)?;
                    self.assigned_in(var, &t.finalbody, &mut list)?;
                    Assigned::Many(list)
                }
                Stmt::If(i) => {
                    // `elif` is an `If` in `orelse`; its list is flattened into this one.
                    self.assigned_in(var, &i.body, &mut list)?;
                    for clause in &i.elif_else_clauses {
                        self.assigned_in(var, &clause.body, &mut list)?;
                    }
                    Assigned::Many(list)
                }
                Stmt::For(f) if !f.is_async => {
                    self.assigned_in(var, &f.body, &mut list)?;
                    self.assigned_in(var, &f.orelse, &mut list)?;
                    Assigned::Many(list)
                }
                Stmt::While(w) => {
                    self.assigned_in(var, &w.body, &mut list)?;
                    self.assigned_in(var, &w.orelse, &mut list)?;
                    Assigned::Many(list)
                }
                Stmt::AugAssign(a) => match &*a.target {
                    Expr::Name(n) if n.id.as_str() == var => Assigned::One(Target::Expr(&a.value)),
                    _ => Assigned::Nothing,
                },
                Stmt::Assign(a) => match (a.targets.first(), &*a.value) {
                    (Some(Expr::Name(n)), _) if n.id.as_str() == var => {
                        Assigned::One(Target::Expr(&a.value))
                    }
                    (Some(Expr::Tuple(names)), Expr::Tuple(values)) => {
                        let mut assigned = Assigned::Nothing;
                        for (pos, name) in names.elts.iter().enumerate() {
                            // `name.id` raises for anything but a name, `elts[pos]` past
                            // the end of the values.
                            let Expr::Name(n) = name else {
                                return Err(Crash);
                            };
                            if n.id.as_str() == var {
                                let v = values.elts.get(pos).ok_or(Crash)?;
                                assigned = Assigned::One(Target::Expr(v));
                                break;
                            }
                        }
                        assigned
                    }
                    _ => Assigned::Nothing,
                },
                _ => Assigned::Nothing,
            })
        })
    }

    /// `evaluate_var`: whether the variable holds only string literals at line `until`.
    fn var(&mut self, var: &'a ExprName, until: u32) -> Result<bool, Crash> {
        let name = var.id.as_str();
        if self.is_param(name) {
            return Ok(false);
        }
        if self.stack.contains(&(name, until)) || self.stack.len() > MAX_DEPTH {
            return Err(Crash);
        }
        self.stack.push((name, until));
        let mut secure = false;
        for node in self.body {
            let line = stmt_line(self.file, node);
            if line >= until {
                break;
            }
            match self.assigned(name, node)? {
                Assigned::Nothing => {}
                Assigned::Many(v) if v.is_empty() => {}
                Assigned::One(Target::Expr(e)) => match e {
                    Expr::StringLiteral(_) => secure = true,
                    Expr::Name(n) => secure = self.var(n, expr_line(self.file, e))?,
                    Expr::Call(c) => secure = self.call(CallView::real(self.file, c))?,
                    _ => {
                        secure = false;
                        break;
                    }
                },
                Assigned::One(Target::With) => {
                    secure = false;
                    break;
                }
                Assigned::Many(items) => {
                    let mut ok = 0;
                    for &t in &items {
                        match t {
                            Target::Expr(Expr::StringLiteral(_)) => ok += 1,
                            Target::Expr(Expr::Name(n)) => {
                                if self.var(n, line)? {
                                    ok += 1;
                                } else {
                                    break;
                                }
                            }
                            _ => break,
                        }
                    }
                    if ok == items.len() {
                        secure = true;
                    } else {
                        secure = false;
                        break;
                    }
                }
            }
        }
        self.stack.pop();
        Ok(secure)
    }

    /// `evaluate_call`: whether a `"...".format(...)` has only literal or secure arguments.
    fn call(&mut self, call: CallView<'a>) -> Result<bool, Crash> {
        if !call.evaluate {
            return Ok(false);
        }
        let mut args = call.args;
        let mut ok = 0;
        let mut i = 0;
        while i < args.len() {
            let arg = args[i];
            match arg {
                Expr::StringLiteral(_) => ok += 1,
                Expr::Name(n) => {
                    if self.var(n, call.line)? {
                        ok += 1;
                    } else {
                        break;
                    }
                }
                Expr::Call(c) => {
                    let view = CallView::real(self.file, c);
                    if stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.call(view))? {
                        ok += 1;
                    } else {
                        break;
                    }
                }
                Expr::Starred(s) if matches!(&*s.value, Expr::List(_) | Expr::Tuple(_)) => {
                    match &*s.value {
                        Expr::List(l) => args.extend(l.elts.iter()),
                        Expr::Tuple(t) => args.extend(t.elts.iter()),
                        _ => {}
                    }
                    ok += 1;
                }
                _ => break,
            }
            i += 1;
        }
        Ok(ok == args.len())
    }
}

/// The module's statements, searched for a module-level call.
fn module_body<'a>(ctx: &Ctx<'_, 'a>) -> &'a [Stmt] {
    match ctx.parents.first() {
        Some(Node::Module(m)) => &m.body,
        _ => &[],
    }
}

fn check_risk<'a>(ctx: &Ctx<'_, 'a>, call: &'a ExprCall) -> Result<bool, Crash> {
    let xss = &call.arguments.args[0];
    // The nearest enclosing `def` (not `async def`, not a class), else the module.
    let func = ctx.parents.iter().rev().find_map(|p| match *p {
        Node::Stmt(Stmt::FunctionDef(f)) if !f.is_async => Some(f),
        _ => None,
    });
    let body = match func {
        Some(f) => &f.body[..],
        None => module_body(ctx),
    };
    let mut eval = Eval {
        file: ctx.file,
        func,
        body,
        stack: Vec::new(),
    };
    let line = ctx.lineno();
    match xss {
        Expr::Name(n) => {
            if eval.is_param(n.id.as_str()) {
                Ok(false)
            } else {
                eval.var(n, line)
            }
        }
        Expr::Call(c) => eval.call(CallView::real(ctx.file, c)),
        Expr::BinOp(b) if b.op == Operator::Mod && matches!(&*b.left, Expr::StringLiteral(_)) => {
            let args = match &*b.right {
                Expr::Tuple(t) => t.elts.iter().collect(),
                other => vec![other],
            };
            eval.call(CallView {
                evaluate: true,
                args,
                line: ctx.file.line(b.range().start()),
            })
        }
        _ => Ok(false),
    }
}

impl Rule for DjangoMarkSafe {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(AFFECTED.to_vec())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if !AFFECTED.contains(&ctx.name())
            || !ctx
                .file
                .imports
                .iter()
                .any(|i| i.contains("django.utils.safestring"))
        {
            return None;
        }
        // `node.args[0]`: no argument raises.
        let first = call.arguments.args.first()?;
        if matches!(first, Expr::StringLiteral(_)) {
            return None;
        }
        match check_risk(ctx, call) {
            Ok(false) => Some(META.issue("Potential XSS on mark_safe function.")),
            Ok(true) | Err(Crash) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    fn lines(src: &str) -> Vec<u32> {
        crate::rules::findings_of(&["B703"], src)
            .into_iter()
            .map(|f| f.location.line)
            .collect()
    }

    #[test]
    fn data_flow_corners() {
        let f = lines(
            "from django.utils.safestring import mark_safe\n\
             def a():\n    x, y.z = '1', '2'\n    mark_safe(x)\n\
             def b():\n    x = (\n        x)\n    mark_safe(x)\n\
             def c():\n    x = 'a'\n    def inner():\n        x = y\n    mark_safe(x)\n\
             def d():\n    x = 'a'\n    y = x\n    mark_safe('{}{}'.format(x, *[y]))\n\
             def e():\n    x = 'a'\n    mark_safe('%s' % (x, 'b'))\n    mark_safe(b'%s' % x)\n\
             def g():\n    with open(p) as x:\n        pass\n    mark_safe(x)\n",
        );
        // a: a tuple target that is not a name raises in Bandit; b: `x = (x)` spread over two
        // lines recurses forever; c: a nested def's assignment counts; d, first of e: only
        // literals; second of e: bytes; g: bound by `with`.
        assert_eq!(f, [13, 21, 25]);
    }
}
