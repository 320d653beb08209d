//! Facts about one module that loaders act on: its imports (with the blocks around each, so a
//! caller can decide whether it runs when the module is executed), the names it binds at
//! module level, literal assignments, and edits of `sys.path`.

use crate::literal::{self, Literal, PathValue, dotted, is_name};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, CmpOp, Expr, Stmt, UnaryOp};
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextRange};

/// Everything extracted from one module.
#[derive(Clone, Debug, Default)]
pub struct ModuleFacts {
    /// Import statements and literal dynamic imports, in source order.
    pub imports: Vec<ImportFact>,
    /// Names bound at module level (outside functions and classes).
    pub bindings: Vec<Binding>,
    /// Module-level `NAME = <value>` assignments.
    pub assignments: Vec<Assignment>,
    /// Module-level `sys.path.insert/append/extend` calls.
    pub sys_path_edits: Vec<SysPathEdit>,
    /// Dynamic imports whose module name is not a literal.
    pub unresolved_dynamic_imports: Vec<DynamicImport>,
    /// Errors the parser recovered from (CPython would refuse the file).
    pub syntax_errors: Vec<SyntaxIssue>,
    /// Deepest nesting of statements and expressions.
    pub max_depth: usize,
}

/// The block an import (or other statement) sits in, innermost last.
#[derive(Clone, Debug, PartialEq)]
pub enum Enclosure {
    Function {
        name: String,
    },
    Class {
        name: String,
    },
    /// One `if`/`elif` test; `must_hold` is false for the tests an `elif`/`else` branch
    /// needs to be false.
    If {
        test: String,
        /// Names of functions called (as plain names) anywhere in the test.
        called_names: Vec<String>,
        /// The test's value at runtime when it is known (`TYPE_CHECKING`, literals,
        /// `__name__ == "__main__"` for an imported module).
        known_value: Option<bool>,
        must_hold: bool,
    },
    Try {
        part: TryPart,
        star: bool,
    },
    With {
        items: String,
    },
    Loop {
        part: LoopPart,
    },
    Match {
        pattern: String,
    },
    /// A lambda or generator expression: defined at load, run later.
    Deferred,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryPart {
    Body,
    Handler,
    Else,
    Finally,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopPart {
    Body,
    Else,
}

/// Whether a statement runs when its module is executed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AtLoad {
    Always,
    Conditional(String),
    Never(String),
}

/// Decide whether a statement inside `enclosures` runs when the module body is executed.
pub fn at_load(enclosures: &[Enclosure]) -> AtLoad {
    let mut conditions = Vec::new();
    for e in enclosures {
        match e {
            Enclosure::Function { name } => {
                return AtLoad::Never(format!("inside function {name}()"));
            }
            Enclosure::Deferred => return AtLoad::Never("inside a lambda or generator".into()),
            Enclosure::Class { .. } | Enclosure::With { .. } => {}
            Enclosure::If {
                test,
                known_value,
                must_hold,
                ..
            } => match known_value {
                Some(v) if v != must_hold => {
                    return AtLoad::Never(format!(
                        "`{test}` is {} at runtime",
                        if *v { "true" } else { "false" }
                    ));
                }
                Some(_) => {}
                None if *must_hold => conditions.push(format!("if {test}")),
                None => conditions.push(format!("if not ({test})")),
            },
            Enclosure::Try { part, .. } => match part {
                TryPart::Body | TryPart::Finally => {}
                TryPart::Handler => conditions.push("when the try block raises".into()),
                TryPart::Else => conditions.push("when the try block does not raise".into()),
            },
            Enclosure::Loop { .. } => conditions.push("inside a loop".into()),
            Enclosure::Match { pattern } => conditions.push(format!("in case {pattern}")),
        }
    }
    if conditions.is_empty() {
        AtLoad::Always
    } else {
        AtLoad::Conditional(conditions.join(", "))
    }
}

/// One import: `import a.b` (one fact per name), `from .x import y, z`, or a literal
/// `importlib.import_module("a")` / `__import__("a")`.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportFact {
    /// Position in statement order (a statement's imports share it).
    pub seq: u32,
    pub line: u32,
    /// The statement's first line, trimmed.
    pub text: String,
    pub is_from: bool,
    /// The module named; `None` for `from . import x`.
    pub module: Option<String>,
    pub level: u32,
    /// Names of a `from` import (`*` for a star import); empty for `import a`.
    pub names: Vec<String>,
    /// PEP 810 `lazy import`: deferred until first use.
    pub lazy: bool,
    /// A call such as `importlib.import_module("a")` rather than a statement.
    pub dynamic: bool,
    pub enclosures: Vec<Enclosure>,
}

impl ImportFact {
    pub fn at_load(&self) -> AtLoad {
        if self.lazy {
            return AtLoad::Never("lazy import".into());
        }
        at_load(&self.enclosures)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DynamicImport {
    pub line: u32,
    pub text: String,
    pub enclosures: Vec<Enclosure>,
}

/// What a module-level name is bound to.
#[derive(Clone, Debug, PartialEq)]
pub enum BindingKind {
    Function,
    Class,
    /// `x = lambda ...`
    Lambda,
    /// `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`.
    Module {
        module: String,
    },
    /// `from m import n [as x]`.
    Imported {
        module: Option<String>,
        level: u32,
        name: String,
    },
    /// `from m import *`: unknown names.
    Star {
        module: Option<String>,
        level: u32,
    },
    /// Any other assignment.
    Value,
    /// Removed with `del`.
    Deleted,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub name: String,
    pub kind: BindingKind,
    pub line: u32,
    pub seq: u32,
    pub enclosures: Vec<Enclosure>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    pub name: String,
    pub value: Literal,
    pub line: u32,
    pub enclosures: Vec<Enclosure>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SysPathOp {
    /// `sys.path.insert(index, p)`; `None` when the index is not a literal.
    Insert(Option<i64>),
    Append,
    Extend,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SysPathEdit {
    pub seq: u32,
    pub line: u32,
    pub text: String,
    pub op: SysPathOp,
    pub paths: Vec<PathValue>,
    pub enclosures: Vec<Enclosure>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxIssue {
    pub line: u32,
    pub message: String,
}

/// The first line of `range` in `src`, trimmed and cut to `max` characters.
pub fn snippet(src: &str, range: TextRange, max: usize) -> String {
    let start = usize::from(range.start()).min(src.len());
    let end = usize::from(range.end()).min(src.len()).max(start);
    let text = src.get(start..end).unwrap_or("");
    let first = text.lines().next().unwrap_or("").trim();
    if first.chars().count() > max {
        let cut: String = first.chars().take(max).collect();
        format!("{cut}…")
    } else {
        first.to_string()
    }
}

pub(crate) fn extract(module: &ast::ModModule, src: &str, index: &LineIndex) -> ModuleFacts {
    let mut c = Collector {
        src,
        index,
        enclosures: Vec::new(),
        seq: 0,
        depth: 0,
        facts: ModuleFacts::default(),
    };
    c.body(&module.body);
    c.facts
}

struct Collector<'s> {
    src: &'s str,
    index: &'s LineIndex,
    enclosures: Vec<Enclosure>,
    seq: u32,
    depth: usize,
    facts: ModuleFacts,
}

impl<'s> Collector<'s> {
    fn line(&self, range: TextRange) -> u32 {
        self.index.line_index(range.start()).get() as u32
    }

    fn snippet(&self, range: TextRange) -> String {
        snippet(self.src, range, 120)
    }

    fn at_module_level(&self) -> bool {
        !self.enclosures.iter().any(|e| {
            matches!(
                e,
                Enclosure::Function { .. } | Enclosure::Class { .. } | Enclosure::Deferred
            )
        })
    }

    fn within<F: FnOnce(&mut Self)>(&mut self, e: Enclosure, f: F) {
        self.enclosures.push(e);
        f(self);
        self.enclosures.pop();
    }

    fn body(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        self.depth += 1;
        self.facts.max_depth = self.facts.max_depth.max(self.depth);
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.stmt_inner(s));
        self.depth -= 1;
    }

    fn bind(&mut self, name: &str, kind: BindingKind, range: TextRange) {
        if self.at_module_level() {
            let line = self.line(range);
            self.facts.bindings.push(Binding {
                name: name.to_string(),
                kind,
                line,
                seq: self.seq,
                enclosures: self.enclosures.clone(),
            });
        }
    }

    fn bind_target(&mut self, target: &Expr, value: Option<&Expr>) {
        match target {
            Expr::Name(n) => {
                let kind = match value {
                    Some(Expr::Lambda(_)) => BindingKind::Lambda,
                    _ => BindingKind::Value,
                };
                self.bind(n.id.as_str(), kind, n.range);
                if let Some(v) = value
                    && self.at_module_level()
                {
                    let line = self.line(n.range);
                    self.facts.assignments.push(Assignment {
                        name: n.id.to_string(),
                        value: literal::literal(v, self.src),
                        line,
                        enclosures: self.enclosures.clone(),
                    });
                }
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.bind_target(e, None)),
            Expr::List(l) => l.elts.iter().for_each(|e| self.bind_target(e, None)),
            Expr::Starred(s) => self.bind_target(&s.value, None),
            _ => {}
        }
    }

    fn stmt_inner(&mut self, s: &Stmt) {
        self.seq += 1;
        match s {
            Stmt::Import(i) => {
                let line = self.line(i.range);
                let text = self.snippet(i.range);
                for alias in &i.names {
                    let module = alias.name.as_str().to_string();
                    self.facts.imports.push(ImportFact {
                        seq: self.seq,
                        line,
                        text: text.clone(),
                        is_from: false,
                        module: Some(module.clone()),
                        level: 0,
                        names: Vec::new(),
                        lazy: i.is_lazy,
                        dynamic: false,
                        enclosures: self.enclosures.clone(),
                    });
                    match &alias.asname {
                        Some(as_name) => {
                            self.bind(as_name.as_str(), BindingKind::Module { module }, i.range)
                        }
                        None => {
                            let top = module.split('.').next().unwrap_or("").to_string();
                            self.bind(&top.clone(), BindingKind::Module { module: top }, i.range)
                        }
                    }
                }
            }
            Stmt::ImportFrom(f) => {
                let line = self.line(f.range);
                let module = f.module.as_ref().map(|m| m.as_str().to_string());
                let names: Vec<String> = f
                    .names
                    .iter()
                    .map(|a| a.name.as_str().to_string())
                    .collect();
                self.facts.imports.push(ImportFact {
                    seq: self.seq,
                    line,
                    text: self.snippet(f.range),
                    is_from: true,
                    module: module.clone(),
                    level: f.level,
                    names,
                    lazy: f.is_lazy,
                    dynamic: false,
                    enclosures: self.enclosures.clone(),
                });
                for alias in &f.names {
                    let name = alias.name.as_str();
                    if name == "*" {
                        self.bind(
                            "*",
                            BindingKind::Star {
                                module: module.clone(),
                                level: f.level,
                            },
                            f.range,
                        );
                    } else {
                        let bound = alias.asname.as_ref().map_or(name, |a| a.as_str());
                        self.bind(
                            bound,
                            BindingKind::Imported {
                                module: module.clone(),
                                level: f.level,
                                name: name.to_string(),
                            },
                            f.range,
                        );
                    }
                }
            }
            Stmt::FunctionDef(f) => {
                for d in &f.decorator_list {
                    self.expr(&d.expression);
                }
                // Defaults and annotations are evaluated when the `def` runs.
                for p in f.parameters.iter_non_variadic_params() {
                    if let Some(d) = &p.default {
                        self.expr(d);
                    }
                }
                self.bind(f.name.as_str(), BindingKind::Function, f.range);
                let name = f.name.as_str().to_string();
                self.within(Enclosure::Function { name }, |c| c.body(&f.body));
            }
            Stmt::ClassDef(cl) => {
                for d in &cl.decorator_list {
                    self.expr(&d.expression);
                }
                if let Some(args) = &cl.arguments {
                    for a in args.args.iter() {
                        self.expr(a);
                    }
                    for k in args.keywords.iter() {
                        self.expr(&k.value);
                    }
                }
                self.bind(cl.name.as_str(), BindingKind::Class, cl.range);
                let name = cl.name.as_str().to_string();
                self.within(Enclosure::Class { name }, |c| c.body(&cl.body));
            }
            Stmt::If(i) => {
                self.expr(&i.test);
                let first = self.if_enclosure(&i.test, true);
                self.within(first.clone(), |c| c.body(&i.body));
                let mut prior = vec![first];
                for clause in &i.elif_else_clauses {
                    let pushed = prior.len();
                    for p in &prior {
                        let mut negated = p.clone();
                        if let Enclosure::If { must_hold, .. } = &mut negated {
                            *must_hold = false;
                        }
                        self.enclosures.push(negated);
                    }
                    match &clause.test {
                        Some(test) => {
                            self.expr(test);
                            let e = self.if_enclosure(test, true);
                            self.within(e.clone(), |c| c.body(&clause.body));
                            prior.push(e);
                        }
                        None => self.body(&clause.body),
                    }
                    self.enclosures.truncate(self.enclosures.len() - pushed);
                }
            }
            Stmt::Try(t) => {
                let star = t.is_star;
                self.within(
                    Enclosure::Try {
                        part: TryPart::Body,
                        star,
                    },
                    |c| c.body(&t.body),
                );
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    self.within(
                        Enclosure::Try {
                            part: TryPart::Handler,
                            star,
                        },
                        |c| {
                            if let Some(ty) = &h.type_ {
                                c.expr(ty);
                            }
                            if let Some(name) = &h.name {
                                c.bind(name.as_str(), BindingKind::Value, h.range);
                            }
                            c.body(&h.body)
                        },
                    );
                }
                self.within(
                    Enclosure::Try {
                        part: TryPart::Else,
                        star,
                    },
                    |c| c.body(&t.orelse),
                );
                self.within(
                    Enclosure::Try {
                        part: TryPart::Finally,
                        star,
                    },
                    |c| c.body(&t.finalbody),
                );
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.expr(&item.context_expr);
                    if let Some(v) = &item.optional_vars {
                        self.bind_target(v, None);
                    }
                }
                let items = w
                    .items
                    .iter()
                    .map(|i| self.snippet(i.context_expr.range()))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.within(Enclosure::With { items }, |c| c.body(&w.body));
            }
            Stmt::For(f) => {
                self.expr(&f.iter);
                self.within(
                    Enclosure::Loop {
                        part: LoopPart::Body,
                    },
                    |c| {
                        c.bind_target(&f.target, None);
                        c.body(&f.body)
                    },
                );
                self.within(
                    Enclosure::Loop {
                        part: LoopPart::Else,
                    },
                    |c| c.body(&f.orelse),
                );
            }
            Stmt::While(w) => {
                self.expr(&w.test);
                self.within(
                    Enclosure::Loop {
                        part: LoopPart::Body,
                    },
                    |c| c.body(&w.body),
                );
                self.within(
                    Enclosure::Loop {
                        part: LoopPart::Else,
                    },
                    |c| c.body(&w.orelse),
                );
            }
            Stmt::Match(m) => {
                self.expr(&m.subject);
                for case in &m.cases {
                    let pattern = self.snippet(case.pattern.range());
                    self.within(Enclosure::Match { pattern }, |c| {
                        if let Some(g) = &case.guard {
                            c.expr(g);
                        }
                        c.body(&case.body)
                    });
                }
            }
            Stmt::Assign(a) => {
                self.expr(&a.value);
                for t in &a.targets {
                    self.bind_target(t, Some(&a.value));
                    if !matches!(t, Expr::Name(_)) {
                        self.expr(t);
                    }
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    self.expr(v);
                }
                self.bind_target(&a.target, a.value.as_deref());
            }
            Stmt::Delete(d) => {
                for t in &d.targets {
                    if let Expr::Name(n) = t {
                        self.bind(n.id.as_str(), BindingKind::Deleted, n.range);
                    }
                }
            }
            other => visitor::walk_stmt(self, other),
        }
    }

    fn if_enclosure(&self, test: &Expr, must_hold: bool) -> Enclosure {
        let mut names = CallNames::default();
        names.visit_expr(test);
        Enclosure::If {
            test: self.snippet(test.range()),
            called_names: names.names,
            known_value: known_truth(test),
            must_hold,
        }
    }

    fn expr(&mut self, e: &Expr) {
        self.visit_expr(e);
    }

    fn call(&mut self, call: &ast::ExprCall) {
        let Some(func) = dotted(&call.func) else {
            return;
        };
        let args = &call.arguments.args;
        let range = call.range();
        match func.as_slice() {
            ["sys", "path", op @ ("insert" | "append" | "extend")] => {
                let (op, path_args): (SysPathOp, Vec<&Expr>) = match *op {
                    "insert" if args.len() == 2 => {
                        let index = match literal::literal(&args[0], self.src) {
                            Literal::Int(i) => Some(i),
                            _ => None,
                        };
                        (SysPathOp::Insert(index), vec![&args[1]])
                    }
                    "append" if args.len() == 1 => (SysPathOp::Append, vec![&args[0]]),
                    "extend" if args.len() == 1 => match &args[0] {
                        Expr::List(l) => (SysPathOp::Extend, l.elts.iter().collect()),
                        Expr::Tuple(t) => (SysPathOp::Extend, t.elts.iter().collect()),
                        other => (SysPathOp::Extend, vec![other]),
                    },
                    _ => return,
                };
                let paths = path_args
                    .into_iter()
                    .map(|a| literal::path_value(a, self.src))
                    .collect();
                let line = self.line(range);
                self.facts.sys_path_edits.push(SysPathEdit {
                    seq: self.seq,
                    line,
                    text: self.snippet(range),
                    op,
                    paths,
                    enclosures: self.enclosures.clone(),
                });
            }
            ["importlib", "import_module"]
            | ["import_module"]
            | ["__import__"]
            | ["builtins", "__import__"] => {
                let line = self.line(range);
                let has_package = call
                    .arguments
                    .keywords
                    .iter()
                    .any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "package"))
                    || (func != ["__import__"] && args.len() > 1);
                match args.first().map(|a| literal::literal(a, self.src)) {
                    Some(Literal::Str(name)) if !name.starts_with('.') && !has_package => {
                        self.facts.imports.push(ImportFact {
                            seq: self.seq,
                            line,
                            text: self.snippet(range),
                            is_from: false,
                            module: Some(name),
                            level: 0,
                            names: Vec::new(),
                            lazy: false,
                            dynamic: true,
                            enclosures: self.enclosures.clone(),
                        });
                    }
                    _ => self.facts.unresolved_dynamic_imports.push(DynamicImport {
                        line,
                        text: self.snippet(range),
                        enclosures: self.enclosures.clone(),
                    }),
                }
            }
            _ => {}
        }
    }
}

impl<'a> Visitor<'a> for Collector<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.stmt(stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.depth += 1;
        self.facts.max_depth = self.facts.max_depth.max(self.depth);
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match expr {
            Expr::Lambda(_) | Expr::Generator(_) => {
                self.enclosures.push(Enclosure::Deferred);
                visitor::walk_expr(self, expr);
                self.enclosures.pop();
            }
            Expr::Call(call) => {
                self.call(call);
                visitor::walk_expr(self, expr);
            }
            _ => visitor::walk_expr(self, expr),
        });
        self.depth -= 1;
    }
}

/// Names of plain-name calls anywhere in an expression, like `ast.walk` would find them.
#[derive(Default)]
struct CallNames {
    names: Vec<String>,
}

impl<'a> Visitor<'a> for CallNames {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr
            && let Expr::Name(n) = &*call.func
        {
            self.names.push(n.id.to_string());
        }
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || visitor::walk_expr(self, expr));
    }
}

/// The runtime value of an `if` test in an imported module, when it is certain.
fn known_truth(test: &Expr) -> Option<bool> {
    match test {
        Expr::BooleanLiteral(b) => Some(b.value),
        Expr::NoneLiteral(_) => Some(false),
        Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => Some(i.as_u64() != Some(0)),
            _ => None,
        },
        Expr::Name(n) if n.id.as_str() == "TYPE_CHECKING" => Some(false),
        Expr::Attribute(a) if a.attr.as_str() == "TYPE_CHECKING" => Some(false),
        Expr::UnaryOp(u) if u.op == UnaryOp::Not => known_truth(&u.operand).map(|v| !v),
        Expr::Compare(c)
            if c.ops.len() == 1
                && is_name(&c.left, "__name__")
                && matches!(&c.comparators[0], Expr::StringLiteral(s) if s.value.to_str() == "__main__") =>
        {
            match c.ops[0] {
                CmpOp::Eq => Some(false),
                CmpOp::NotEq => Some(true),
                _ => None,
            }
        }
        _ => None,
    }
}

/// How deeply statements and expressions nest, for callers that need nothing else (the
/// rule engine): the same measure as [`ModuleFacts::max_depth`], without collecting facts.
pub(crate) fn max_depth(module: &ast::ModModule) -> usize {
    struct Depth {
        depth: usize,
        max: usize,
    }
    impl Depth {
        fn enter(&mut self, f: impl FnOnce(&mut Self)) {
            self.depth += 1;
            self.max = self.max.max(self.depth);
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || f(self));
            self.depth -= 1;
        }
    }
    impl<'a> Visitor<'a> for Depth {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            self.enter(|d| visitor::walk_stmt(d, stmt));
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            self.enter(|d| visitor::walk_expr(d, expr));
        }
    }
    let mut d = Depth { depth: 0, max: 0 };
    d.visit_body(&module.body);
    d.max
}

/// What one pass over the tokens of a file that parsed without errors tells: a bound on
/// its AST depth, and the nesting CPython's tokenizer limits.
pub(crate) struct TokenMeasures {
    /// An upper bound on [`max_depth`], so most files skip that walk. Statements nest at
    /// most two deeper than the indentation (a compound statement's body on its own line is
    /// indented; one on the same line is simple), and every level of expression spans
    /// strictly more tokens than the one inside it, so expressions nest no deeper than
    /// their logical line has tokens.
    pub depth_bound: usize,
    /// Brackets outside string literals (an f-string's fields are inside its literal, as
    /// CPython 3.11 tokenizes them) and indentation levels: what
    /// [`crate::measure_nesting`] finds in the text, without reading it again.
    pub nesting: crate::Nesting,
}

pub(crate) fn token_measures(tokens: &ruff_python_ast::token::Tokens) -> TokenMeasures {
    use ruff_python_ast::token::TokenKind;
    let (mut indent, mut line, mut max_line) = (0usize, 0usize, 0usize);
    let (mut brackets, mut in_string) = (0usize, 0usize);
    let mut nesting = crate::Nesting::default();
    for t in tokens.iter() {
        match t.kind() {
            TokenKind::Indent => {
                indent += 1;
                nesting.max_indent_levels = nesting.max_indent_levels.max(indent);
            }
            TokenKind::Dedent => indent = indent.saturating_sub(1),
            TokenKind::Newline => {
                max_line = max_line.max(line);
                line = 0;
            }
            kind => {
                line += 1;
                match kind {
                    TokenKind::FStringStart | TokenKind::TStringStart => in_string += 1,
                    TokenKind::FStringEnd | TokenKind::TStringEnd => {
                        in_string = in_string.saturating_sub(1)
                    }
                    TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace if in_string == 0 => {
                        brackets += 1;
                        nesting.max_bracket_depth = nesting.max_bracket_depth.max(brackets);
                    }
                    TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace if in_string == 0 => {
                        brackets = brackets.saturating_sub(1)
                    }
                    _ => {}
                }
            }
        }
    }
    TokenMeasures {
        depth_bound: nesting.max_indent_levels + 2 + max_line.max(line),
        nesting,
    }
}
