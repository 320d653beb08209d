//! One traversal of a module in the order Bandit's node visitor uses (Python's `ast` field
//! order, depth first), keeping Bandit's file-global import aliases as it goes, and handing
//! each node a rule cares about to the dispatcher with its context.
//!
//! Python's tree differs from ruff's in a few places that matter for parity: a function's
//! body is visited before its decorators; `elif` is an `If` nested in `orelse`; the literal
//! parts of an f-string (merged across implicit concatenation) are `Constant` strings; any
//! string expression statement counts as a docstring; `Dict` visits all keys, then all
//! values.

use rustc_hash::FxHashMap as HashMap;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;
use trustscan_pyparse::syntax::{
    self as ast, Expr, InterpolatedStringElement, LineIndex, Ranged, Stmt, TextRange,
};

/// The node types rules subscribe to (Bandit's check types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Call,
    Import,
    ImportFrom,
    Str,
    Bytes,
    FunctionDef,
    ExceptHandler,
    Assert,
    /// Assignment statements (`=`, `+=`, annotated), before their children.
    Assign,
    /// Subscript expressions (`x[k]`, in any context: load, store, `del`), before their
    /// children.
    Subscript,
    /// The whole file, once, after the tree. Last: the engine sizes its rule table by it.
    File,
}

/// A node of Python's tree, as far as rules need it.
#[derive(Clone, Copy, Debug)]
pub enum Node<'a> {
    Module(&'a ast::ModModule),
    Stmt(&'a Stmt),
    Expr(&'a Expr),
    ExceptHandler(&'a ast::ExceptHandlerExceptHandler),
    Keyword(&'a ast::Keyword),
    Parameters(&'a ast::Parameters),
    Parameter(&'a ast::Parameter),
    Comprehension(&'a ast::Comprehension),
    WithItem(&'a ast::WithItem),
    MatchCase(&'a ast::MatchCase),
    /// An `elif` clause: Python nests it as an `If` in the previous test's `orelse`.
    Elif(&'a ast::ElifElseClause),
    /// A string constant that is a piece of an f-string.
    FStringPiece(TextRange),
    /// The format spec of an f-string replacement field (Python's nested `JoinedStr`).
    FormatSpec(TextRange),
    /// A `match` pattern.
    Pattern(&'a ast::Pattern),
}

impl Node<'_> {
    pub fn range(&self) -> TextRange {
        match self {
            Node::Module(_) => TextRange::default(),
            Node::Stmt(s) => s.range(),
            Node::Expr(e) => e.range(),
            Node::ExceptHandler(h) => h.range,
            Node::Keyword(k) => k.range,
            Node::Parameters(p) => p.range,
            Node::Parameter(p) => p.range,
            Node::Comprehension(c) => c.range,
            Node::WithItem(w) => w.range,
            Node::MatchCase(m) => m.range,
            Node::Elif(e) => e.range,
            Node::FStringPiece(r) | Node::FormatSpec(r) => *r,
            Node::Pattern(p) => p.range(),
        }
    }
}

/// What the visitor knows about the file while walking it.
pub struct FileState<'f> {
    pub path: &'f str,
    pub text: &'f str,
    pub index: &'f LineIndex,
    /// Every module imported so far (Bandit's `imports`).
    pub imports: BTreeSet<String>,
    /// Local name → qualified name, from imports seen so far (Bandit's `import_aliases`).
    pub aliases: HashMap<String, String>,
    /// Work left for the rules' name resolution in this file (see [`FileState::spend`]).
    pub fuel: Cell<u64>,
    /// Name bindings per scope (keyed by the scope's address), built on first use by the
    /// resolver so each scope is scanned once however many names are looked up.
    pub bindings: RefCell<HashMap<usize, Rc<Bindings<'f>>>>,
    /// Callees resolved for the rules on the node being dispatched (the node's address,
    /// then each expression's address and canonical name): the rules share one resolution.
    pub callees: RefCell<(usize, Vec<(usize, String)>)>,
}

/// A scope's names and every value assigned to each; a name bound some other way (loop
/// variable, import, nested `def`) is present with no values.
pub type Bindings<'a> = HashMap<&'a str, Vec<&'a Expr>>;

/// Resolution steps one file may take: ample for real code, a bound for generated files.
pub const FILE_FUEL: u64 = 20_000_000;

impl FileState<'_> {
    /// Take `n` units of resolution work; false once the file's budget is spent (the
    /// resolver then answers "unknown").
    pub fn spend(&self, n: u64) -> bool {
        let left = self.fuel.get();
        self.fuel.set(left.saturating_sub(n));
        left >= n
    }

    pub fn line(&self, offset: trustscan_pyparse::syntax::TextSize) -> u32 {
        self.index.line_index(offset).get() as u32
    }

    /// 1-based (line, column in characters).
    pub fn position(&self, offset: trustscan_pyparse::syntax::TextSize) -> (u32, u32) {
        let line = self.index.line_index(offset);
        let start = self.index.line_start(line, self.text);
        let col = self
            .text
            .get(usize::from(start)..usize::from(offset))
            .map(|s| s.chars().count())
            .unwrap_or(0);
        (line.get() as u32, col as u32 + 1)
    }
}

/// A node handed to the rules, with what Bandit's context holds for it.
pub struct Ctx<'w, 'a> {
    pub file: &'w FileState<'a>,
    pub kind: Kind,
    pub node: Node<'a>,
    /// Ancestors, nearest last.
    pub parents: &'w [Node<'a>],
    /// Calls: the called name resolved through import aliases (`os.system`).
    /// Functions: the function's name. Imports: the imported module.
    pub qualname: String,
    /// Where the last component of `qualname` starts (see [`Ctx::name`]).
    name_at: usize,
    /// Strings: the value as Python's `Constant` holds it.
    pub string: Option<&'w str>,
    /// Imports: the module of the last alias (Bandit's `context["module"]`).
    pub module: Option<String>,
}

impl<'a> Ctx<'_, 'a> {
    /// The last component of `qualname` (`system`).
    pub fn name(&self) -> &str {
        &self.qualname[self.name_at..]
    }

    /// First and last line Bandit attributes to the node (nosec applies to these); computed
    /// only for nodes that get an issue.
    pub fn lines(&self) -> (u32, u32) {
        match self.kind {
            // Bandit's file-level context spans lines 0-1: a `# nosec` there (or on the
            // issue's own line) applies.
            Kind::File => (0, 1),
            // A string is attributed to its parent's lines.
            Kind::Str | Kind::Bytes => self
                .parents
                .last()
                .map(|p| node_lines(self.file, p))
                .unwrap_or((1, 1)),
            _ => node_lines(self.file, &self.node),
        }
    }

    pub fn parent(&self) -> Option<Node<'a>> {
        self.parents.last().copied()
    }

    pub fn call(&self) -> Option<&'a ast::ExprCall> {
        match self.node {
            Node::Expr(Expr::Call(c)) => Some(c),
            _ => None,
        }
    }

    pub fn lineno(&self) -> u32 {
        node_lineno(self.file, &self.node)
    }

    pub fn source(&self, range: TextRange) -> &str {
        self.file.text.get(range.to_std_range()).unwrap_or("")
    }
}

/// Python's `lineno` of a node: a decorated definition starts at `def`/`class`, not at its
/// first decorator.
pub fn node_lineno(file: &FileState, node: &Node) -> u32 {
    match node {
        Node::Stmt(Stmt::FunctionDef(f)) => file.line(f.name.range.start()),
        Node::Stmt(Stmt::ClassDef(c)) => file.line(c.name.range.start()),
        n => file.line(n.range().start()),
    }
}

/// Bandit's `linerange`: from `lineno` to `end_lineno`.
fn node_lines(file: &FileState, node: &Node) -> (u32, u32) {
    let start = node_lineno(file, node);
    let end = file.line(node.range().end());
    (start, end.max(start))
}

/// Resolve `a.b.c` through the aliases as Bandit's `_get_attr_qual_name` does. Bandit
/// looks each longer prefix up again, but its aliases (like these) are bound names, never
/// dotted, so only the root can match.
pub fn qual_name(expr: &Expr, aliases: &HashMap<String, String>) -> String {
    match expr {
        Expr::Name(n) => aliases
            .get(n.id.as_str())
            .cloned()
            .unwrap_or_else(|| n.id.to_string()),
        Expr::Attribute(a) => {
            let mut name = qual_name(&a.value, aliases);
            name.push('.');
            name.push_str(a.attr.as_str());
            name
        }
        _ => String::new(),
    }
}

/// Bandit's `get_call_name`.
pub fn call_name(call: &ast::ExprCall, aliases: &HashMap<String, String>) -> String {
    match &*call.func {
        Expr::Name(_) | Expr::Attribute(_) => qual_name(&call.func, aliases),
        _ => String::new(),
    }
}

/// Receives each node with its context.
pub trait Dispatch {
    /// Whether any rule looks at nodes of this kind (the walker skips building the
    /// context of the others).
    fn wants(&self, _kind: Kind) -> bool {
        true
    }
    fn dispatch(&mut self, ctx: &Ctx);
}

pub struct Walker<'w, 'a, D: Dispatch> {
    pub file: FileState<'a>,
    parents: Vec<Node<'a>>,
    dispatch: &'w mut D,
}

impl<'w, 'a, D: Dispatch> Walker<'w, 'a, D> {
    pub fn new(file: FileState<'a>, dispatch: &'w mut D) -> Self {
        Walker {
            file,
            parents: Vec::new(),
            dispatch,
        }
    }

    pub fn walk_module(&mut self, module: &'a ast::ModModule) {
        self.parents = vec![Node::Module(module)];
        self.body(&module.body);
        self.parents.clear();
        let ctx = Ctx {
            file: &self.file,
            kind: Kind::File,
            node: Node::Module(module),
            parents: &self.parents,
            qualname: String::new(),
            name_at: 0,
            string: None,
            module: None,
        };
        self.dispatch.dispatch(&ctx);
    }

    fn emit(
        &mut self,
        kind: Kind,
        node: Node<'a>,
        qualname: String,
        string: Option<&str>,
        module: Option<String>,
    ) {
        if !self.dispatch.wants(kind) {
            return;
        }
        let ctx = Ctx {
            file: &self.file,
            kind,
            node,
            parents: &self.parents,
            name_at: qualname.rfind('.').map_or(0, |i| i + 1),
            qualname,
            string,
            module,
        };
        self.dispatch.dispatch(&ctx);
    }

    fn within(&mut self, node: Node<'a>, f: impl FnOnce(&mut Self)) {
        self.parents.push(node);
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || f(self));
        self.parents.pop();
    }

    fn body(&mut self, stmts: &'a [Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn exprs(&mut self, exprs: impl IntoIterator<Item = &'a Expr>) {
        for e in exprs {
            self.expr(e);
        }
    }

    fn stmt(&mut self, s: &'a Stmt) {
        let node = Node::Stmt(s);
        match s {
            Stmt::FunctionDef(f) => {
                if !f.is_async {
                    self.emit(Kind::FunctionDef, node, f.name.to_string(), None, None);
                }
                self.within(node, |w| {
                    w.parameters(&f.parameters);
                    w.body(&f.body);
                    w.exprs(f.decorator_list.iter().map(|d| &d.expression));
                    if let Some(r) = &f.returns {
                        w.expr(r);
                    }
                });
            }
            Stmt::ClassDef(c) => self.within(node, |w| {
                if let Some(args) = &c.arguments {
                    w.exprs(args.args.iter());
                    for k in args.keywords.iter() {
                        w.keyword(k);
                    }
                }
                w.body(&c.body);
                w.exprs(c.decorator_list.iter().map(|d| &d.expression));
            }),
            Stmt::Import(i) => {
                let mut module = None;
                for alias in &i.names {
                    let name = alias.name.to_string();
                    if let Some(asname) = &alias.asname {
                        self.file.aliases.insert(asname.to_string(), name.clone());
                    }
                    self.file.imports.insert(name.clone());
                    module = Some(name);
                }
                self.emit(Kind::Import, node, String::new(), None, module);
            }
            Stmt::ImportFrom(i) => match &i.module {
                // `from . import x` is handled like `import x` by Bandit.
                None => {
                    let mut module = None;
                    for alias in &i.names {
                        let name = alias.name.to_string();
                        if let Some(asname) = &alias.asname {
                            self.file.aliases.insert(asname.to_string(), name.clone());
                        }
                        self.file.imports.insert(name.clone());
                        module = Some(name);
                    }
                    self.emit(Kind::Import, node, String::new(), None, module);
                }
                Some(m) => {
                    let module = m.to_string();
                    let mut last = String::new();
                    for alias in &i.names {
                        let full = format!("{module}.{}", alias.name.as_str());
                        let local = alias.asname.as_ref().unwrap_or(&alias.name).to_string();
                        self.file.aliases.insert(local, full.clone());
                        self.file.imports.insert(full);
                        last = alias.name.to_string();
                    }
                    self.emit(Kind::ImportFrom, node, last, None, Some(module));
                }
            },
            Stmt::Assert(a) => {
                self.emit(Kind::Assert, node, String::new(), None, None);
                self.within(node, |w| {
                    w.expr(&a.test);
                    if let Some(m) = &a.msg {
                        w.expr(m);
                    }
                });
            }
            Stmt::Try(t) => self.within(node, |w| {
                w.body(&t.body);
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    let hn = Node::ExceptHandler(h);
                    w.emit(Kind::ExceptHandler, hn, String::new(), None, None);
                    w.within(hn, |w| {
                        if let Some(t) = &h.type_ {
                            w.expr(t);
                        }
                        w.body(&h.body);
                    });
                }
                w.body(&t.orelse);
                w.body(&t.finalbody);
            }),
            Stmt::If(i) => self.within(node, |w| {
                w.expr(&i.test);
                w.body(&i.body);
                w.elifs(&i.elif_else_clauses);
            }),
            Stmt::For(f) => self.within(node, |w| {
                w.expr(&f.target);
                w.expr(&f.iter);
                w.body(&f.body);
                w.body(&f.orelse);
            }),
            Stmt::While(wh) => self.within(node, |w| {
                w.expr(&wh.test);
                w.body(&wh.body);
                w.body(&wh.orelse);
            }),
            Stmt::With(wi) => self.within(node, |w| {
                for item in &wi.items {
                    let n = Node::WithItem(item);
                    w.within(n, |w| {
                        w.expr(&item.context_expr);
                        if let Some(v) = &item.optional_vars {
                            w.expr(v);
                        }
                    });
                }
                w.body(&wi.body);
            }),
            Stmt::Match(m) => self.within(node, |w| {
                w.expr(&m.subject);
                for case in &m.cases {
                    let n = Node::MatchCase(case);
                    w.within(n, |w| {
                        w.pattern(&case.pattern);
                        if let Some(g) = &case.guard {
                            w.expr(g);
                        }
                        w.body(&case.body);
                    });
                }
            }),
            Stmt::Return(r) => self.within(node, |w| w.exprs(r.value.as_deref())),
            Stmt::Delete(d) => self.within(node, |w| w.exprs(d.targets.iter())),
            Stmt::Assign(a) => {
                self.emit(Kind::Assign, node, String::new(), None, None);
                self.within(node, |w| {
                    w.exprs(a.targets.iter());
                    w.expr(&a.value);
                })
            }
            Stmt::AugAssign(a) => {
                self.emit(Kind::Assign, node, String::new(), None, None);
                self.within(node, |w| {
                    w.expr(&a.target);
                    w.expr(&a.value);
                })
            }
            Stmt::AnnAssign(a) => {
                self.emit(Kind::Assign, node, String::new(), None, None);
                self.within(node, |w| {
                    w.expr(&a.target);
                    w.expr(&a.annotation);
                    w.exprs(a.value.as_deref());
                })
            }
            Stmt::TypeAlias(t) => self.within(node, |w| {
                w.expr(&t.name);
                w.expr(&t.value);
            }),
            Stmt::Raise(r) => self.within(node, |w| {
                w.exprs(r.exc.as_deref());
                w.exprs(r.cause.as_deref());
            }),
            Stmt::Expr(e) => self.within(node, |w| w.expr(&e.value)),
            Stmt::Global(_)
            | Stmt::Nonlocal(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::IpyEscapeCommand(_) => {}
        }
    }

    /// `elif`/`else` clauses, nested like Python's `If.orelse`.
    fn elifs(&mut self, clauses: &'a [ast::ElifElseClause]) {
        let Some((first, rest)) = clauses.split_first() else {
            return;
        };
        match &first.test {
            Some(test) => {
                let n = Node::Elif(first);
                self.within(n, |w| {
                    w.expr(test);
                    w.body(&first.body);
                    w.elifs(rest);
                });
            }
            None => self.body(&first.body),
        }
    }

    fn parameters(&mut self, p: &'a ast::Parameters) {
        let n = Node::Parameters(p);
        self.within(n, |w| {
            // Python's `arguments`: posonlyargs, args, vararg, kwonlyargs, kw_defaults,
            // kwarg, defaults.
            for a in p.posonlyargs.iter().chain(p.args.iter()) {
                w.parameter(&a.parameter);
            }
            if let Some(v) = &p.vararg {
                w.parameter(v);
            }
            for a in p.kwonlyargs.iter() {
                w.parameter(&a.parameter);
            }
            for a in p.kwonlyargs.iter() {
                w.exprs(a.default.as_deref());
            }
            if let Some(k) = &p.kwarg {
                w.parameter(k);
            }
            for a in p.posonlyargs.iter().chain(p.args.iter()) {
                w.exprs(a.default.as_deref());
            }
        });
    }

    fn parameter(&mut self, p: &'a ast::Parameter) {
        if let Some(a) = &p.annotation {
            let n = Node::Parameter(p);
            self.within(n, |w| w.expr(a));
        }
    }

    fn keyword(&mut self, k: &'a ast::Keyword) {
        let n = Node::Keyword(k);
        self.within(n, |w| w.expr(&k.value));
    }

    fn comprehensions(&mut self, generators: &'a [ast::Comprehension]) {
        for g in generators {
            let n = Node::Comprehension(g);
            self.within(n, |w| {
                w.expr(&g.target);
                w.expr(&g.iter);
                w.exprs(g.ifs.iter());
            });
        }
    }

    fn expr(&mut self, e: &'a Expr) {
        let node = Node::Expr(e);
        match e {
            Expr::Call(c) => {
                let qualname = call_name(c, &self.file.aliases);
                self.emit(Kind::Call, node, qualname, None, None);
                self.within(node, |w| {
                    w.expr(&c.func);
                    w.exprs(c.arguments.args.iter());
                    for k in c.arguments.keywords.iter() {
                        w.keyword(k);
                    }
                });
            }
            Expr::StringLiteral(s) => {
                if !self.is_docstring() {
                    self.emit(Kind::Str, node, String::new(), Some(s.value.to_str()), None);
                }
            }
            Expr::BytesLiteral(b) => {
                if self.dispatch.wants(Kind::Bytes) && !self.is_docstring() {
                    let bytes: Vec<u8> = b.value.bytes().collect();
                    let value = String::from_utf8_lossy(&bytes).into_owned();
                    self.emit(Kind::Bytes, node, String::new(), Some(&value), None);
                }
            }
            Expr::FString(f) => self.within(node, |w| w.fstring(f)),
            Expr::BoolOp(b) => self.within(node, |w| w.exprs(b.values.iter())),
            Expr::Named(n) => self.within(node, |w| {
                w.expr(&n.target);
                w.expr(&n.value);
            }),
            Expr::BinOp(b) => self.within(node, |w| {
                w.expr(&b.left);
                w.expr(&b.right);
            }),
            Expr::UnaryOp(u) => self.within(node, |w| w.expr(&u.operand)),
            Expr::Lambda(l) => self.within(node, |w| {
                if let Some(p) = &l.parameters {
                    w.parameters(p);
                }
                w.expr(&l.body);
            }),
            Expr::If(i) => self.within(node, |w| {
                w.expr(&i.test);
                w.expr(&i.body);
                w.expr(&i.orelse);
            }),
            Expr::Dict(d) => self.within(node, |w| {
                for item in &d.items {
                    if let Some(k) = &item.key {
                        w.expr(k);
                    }
                }
                for item in &d.items {
                    w.expr(&item.value);
                }
            }),
            Expr::Set(s) => self.within(node, |w| w.exprs(s.elts.iter())),
            Expr::List(l) => self.within(node, |w| w.exprs(l.elts.iter())),
            Expr::Tuple(t) => self.within(node, |w| w.exprs(t.elts.iter())),
            Expr::ListComp(c) => self.within(node, |w| {
                w.expr(&c.elt);
                w.comprehensions(&c.generators);
            }),
            Expr::SetComp(c) => self.within(node, |w| {
                w.expr(&c.elt);
                w.comprehensions(&c.generators);
            }),
            Expr::Generator(c) => self.within(node, |w| {
                w.expr(&c.elt);
                w.comprehensions(&c.generators);
            }),
            Expr::DictComp(c) => self.within(node, |w| {
                if let Some(k) = &c.key {
                    w.expr(k);
                }
                w.expr(&c.value);
                w.comprehensions(&c.generators);
            }),
            Expr::Await(a) => self.within(node, |w| w.expr(&a.value)),
            Expr::Yield(y) => self.within(node, |w| w.exprs(y.value.as_deref())),
            Expr::YieldFrom(y) => self.within(node, |w| w.expr(&y.value)),
            Expr::Compare(c) => self.within(node, |w| {
                w.expr(&c.left);
                w.exprs(c.comparators.iter());
            }),
            Expr::Attribute(a) => self.within(node, |w| w.expr(&a.value)),
            Expr::Subscript(s) => {
                self.emit(Kind::Subscript, node, String::new(), None, None);
                self.within(node, |w| {
                    w.expr(&s.value);
                    w.expr(&s.slice);
                })
            }
            Expr::Starred(s) => self.within(node, |w| w.expr(&s.value)),
            Expr::Slice(s) => self.within(node, |w| {
                w.exprs(s.lower.as_deref());
                w.exprs(s.upper.as_deref());
                w.exprs(s.step.as_deref());
            }),
            Expr::TString(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
            | Expr::Name(_)
            | Expr::IpyEscapeCommand(_) => {}
        }
    }

    /// Python's `JoinedStr`: literal text (merged across implicit concatenation) as string
    /// constants, interpolated expressions as themselves.
    fn fstring(&mut self, f: &'a ast::ExprFString) {
        let mut pending: Option<(String, TextRange)> = None;
        let flush = |w: &mut Self, pending: &mut Option<(String, TextRange)>| {
            if let Some((value, range)) = pending.take() {
                w.emit(
                    Kind::Str,
                    Node::FStringPiece(range),
                    String::new(),
                    Some(&value),
                    None,
                );
            }
        };
        let push =
            |pending: &mut Option<(String, TextRange)>, text: &str, range: TextRange| match pending
            {
                Some((v, r)) => {
                    v.push_str(text);
                    *r = r.cover(range);
                }
                None => *pending = Some((text.to_string(), range)),
            };
        for part in f.value.iter() {
            match part {
                ast::FStringPart::Literal(l) => push(&mut pending, &l.value, l.range),
                ast::FStringPart::FString(fs) => {
                    for el in fs.elements.iter() {
                        match el {
                            InterpolatedStringElement::Literal(l) => {
                                push(&mut pending, &l.value, l.range)
                            }
                            InterpolatedStringElement::Interpolation(i) => {
                                flush(self, &mut pending);
                                self.expr(&i.expression);
                                if let Some(spec) = &i.format_spec {
                                    self.format_spec(spec);
                                }
                            }
                        }
                    }
                }
            }
        }
        flush(self, &mut pending);
    }

    /// A replacement field's format spec: its literal text is a string constant too.
    fn format_spec(&mut self, spec: &'a ast::InterpolatedStringFormatSpec) {
        self.within(Node::FormatSpec(spec.range), |w| {
            for el in spec.elements.iter() {
                match el {
                    InterpolatedStringElement::Literal(l) => w.emit(
                        Kind::Str,
                        Node::FStringPiece(l.range),
                        String::new(),
                        Some(&l.value),
                        None,
                    ),
                    InterpolatedStringElement::Interpolation(inner) => {
                        w.expr(&inner.expression);
                        if let Some(spec) = &inner.format_spec {
                            w.format_spec(spec);
                        }
                    }
                }
            }
        });
    }

    /// A `match` pattern, in Python's field order (values and class names are expressions).
    fn pattern(&mut self, p: &'a ast::Pattern) {
        use ast::Pattern as P;
        self.within(Node::Pattern(p), |w| match p {
            P::MatchValue(v) => w.expr(&v.value),
            P::MatchSequence(s) => s.patterns.iter().for_each(|p| w.pattern(p)),
            P::MatchMapping(m) => {
                w.exprs(m.keys.iter());
                m.patterns.iter().for_each(|p| w.pattern(p));
            }
            P::MatchClass(c) => {
                w.expr(&c.cls);
                c.arguments.patterns.iter().for_each(|p| w.pattern(p));
                c.arguments
                    .keywords
                    .iter()
                    .for_each(|k| w.pattern(&k.pattern));
            }
            P::MatchAs(a) => {
                if let Some(p) = &a.pattern {
                    w.pattern(p);
                }
            }
            P::MatchOr(o) => o.patterns.iter().for_each(|p| w.pattern(p)),
            P::MatchSingleton(_) | P::MatchStar(_) => {}
        });
    }

    /// Bandit skips string constants whose parent is an expression statement.
    fn is_docstring(&self) -> bool {
        matches!(self.parents.last(), Some(Node::Stmt(Stmt::Expr(_))))
    }
}
