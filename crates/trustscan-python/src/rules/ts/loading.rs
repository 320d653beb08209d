//! Helpers shared by TS102–TS106: arguments and literal flags of a call, whether an
//! argument names a hub repository, a URL or a local path, where a URL points, what data a
//! call sends, and the calls of the enclosing function.
//!
//! Everything here reads literals and the resolver's bindings; nothing is evaluated.

use super::preview;
use super::support::{self, Folder, UNKNOWN};
use crate::resolve::Resolver;
use crate::walk::{Ctx, Node};
use std::collections::HashSet;
use std::net::IpAddr;
use trustscan_pyparse::syntax::visitor::{self, Visitor};
use trustscan_pyparse::syntax::{self as ast, Expr, Stmt};

/// A call's argument by keyword, else by position (`None`: keyword only).
pub fn arg<'a>(call: &'a ast::ExprCall, name: &str, pos: Option<usize>) -> Option<&'a Expr> {
    match pos {
        Some(p) => call.arguments.find_argument_value(name, p),
        None => call.arguments.find_keyword(name).map(|k| &k.value),
    }
}

/// The value of a boolean literal, or of a name bound once to one.
pub fn bool_value<'a>(r: &Resolver<'_, '_, 'a>, e: &'a Expr) -> Option<bool> {
    match e {
        Expr::BooleanLiteral(b) => Some(b.value),
        Expr::Name(n) => match r.single(n.id.as_str())? {
            Expr::BooleanLiteral(b) => Some(b.value),
            _ => None,
        },
        _ => None,
    }
}

/// A full 40-hex commit SHA: the only revision that cannot move.
pub fn is_commit_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The canonical name of what a call calls, methods of known classes included
/// (`requests.Session().get`), when its last component is one of `last`; else empty.
/// Attribute calls are first filtered by their attribute name so most calls never reach
/// the resolver (whose answers the rules dispatched on one call share).
pub fn callee_if<'a>(
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
    last: &crate::rules::Names,
) -> String {
    if let Expr::Attribute(a) = &*call.func
        && !last.contains(a.attr.as_str())
    {
        return String::new();
    }
    filtered(&method_callee(r, &call.func), last)
}

/// `name` when its last component (a function's or a method's name) is one of `last`,
/// else empty.
fn filtered(name: &str, last: &crate::rules::Names) -> String {
    let tail = name.rsplit(['.', ')']).next().unwrap_or(name);
    if last.contains(tail) {
        name.to_string()
    } else {
        String::new()
    }
}

/// The canonical name of a function or method: `HfApi().whoami` and `api.whoami` after
/// `api = HfApi()` are `huggingface_hub.HfApi().whoami`; module objects obtained with
/// `__import__`/`getattr` stay modules (`__import__("torch").load` is `torch.load`).
pub fn method_callee<'a>(r: &Resolver<'_, '_, 'a>, func: &'a Expr) -> String {
    if let Expr::Attribute(a) = func {
        let inner = match &*a.value {
            Expr::Call(c) => Some(c),
            Expr::Name(n) => match r.single(n.id.as_str()) {
                Some(Expr::Call(c)) => Some(c),
                _ => None,
            },
            _ => None,
        };
        if let Some(c) = inner {
            let class = r.callee(&c.func);
            let returns_object = !matches!(
                class.as_str(),
                "" | "__import__"
                    | "importlib.import_module"
                    | "importlib.__import__"
                    | "getattr"
                    | "globals"
                    | "locals"
                    | "vars"
            );
            if returns_object {
                return format!("{class}().{}", a.attr.as_str());
            }
        }
    }
    r.callee(func)
}

/// What a repository or path argument names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A repository id on a hub (`org/name`, `gpt2`).
    Repo(String),
    /// A URL.
    Url(String),
    /// A local path (literal, built from `__file__` or with `os.path`/`pathlib`).
    Local(String),
    /// Not known statically; the partial text when some of it folded.
    Unknown(Option<String>),
}

impl Target {
    /// The target for a message: the quoted value, or `<noun> computed at run time`.
    pub fn describe(&self, noun: &str) -> String {
        match self {
            Target::Repo(s) | Target::Local(s) | Target::Url(s) => quote(s),
            Target::Unknown(Some(s)) => format!("{} (partly computed)", quote(s)),
            Target::Unknown(None) => format!("{noun} computed at run time"),
        }
    }

    pub fn is_local(&self) -> bool {
        matches!(self, Target::Local(_))
    }
}

/// Classify a repository-id, URL or path argument.
pub fn target<'a>(ctx: &Ctx<'_, 'a>, r: &Resolver<'_, '_, 'a>, e: &'a Expr) -> Target {
    let text = Folder::new(ctx, r).text(e);
    if is_path_expr(r, e) {
        return Target::Local(text.unwrap_or_else(|| preview(ctx.source(ast_range(e)), 80)));
    }
    match text {
        Some(text) => classify_text(text),
        None => Target::Unknown(None),
    }
}

fn classify_text(text: String) -> Target {
    let t = text.trim();
    if t.contains("://") {
        return Target::Url(t.to_string());
    }
    if t.starts_with(UNKNOWN) {
        return Target::Unknown(Some(t.to_string()));
    }
    if is_local_path(t) {
        return Target::Local(t.to_string());
    }
    if t.contains(UNKNOWN) {
        return Target::Unknown(Some(t.to_string()));
    }
    let repo_like = !t.is_empty()
        && t.matches('/').count() <= 1
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':'));
    if repo_like {
        Target::Repo(t.to_string())
    } else {
        Target::Local(t.to_string())
    }
}

/// A path that cannot be a hub id: relative or absolute file system paths and the path
/// markers of the folder (`<here>`, `<home>`, ...).
pub fn is_local_path(t: &str) -> bool {
    let b = t.as_bytes();
    t.starts_with('.')
        || t.starts_with('/')
        || t.starts_with('~')
        || t.starts_with('\\')
        || t.starts_with('<')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// `os.path.join(...)`, `Path(...)`, `p / "x"`, `x.joinpath(...)`: a file system path.
pub fn is_path_expr<'a>(r: &Resolver<'_, '_, 'a>, e: &'a Expr) -> bool {
    match e {
        Expr::Call(c) => {
            let f = r.callee(&c.func);
            f.starts_with("os.path.")
                || f.starts_with("pathlib.")
                || f.starts_with("posixpath.")
                || f.starts_with("ntpath.")
                || matches!(
                    f.as_str(),
                    "os.getcwd" | "tempfile.mkdtemp" | "tempfile.gettempdir"
                )
                || matches!(&*c.func, Expr::Attribute(a)
                    if matches!(a.attr.as_str(), "joinpath" | "with_suffix" | "with_name" | "resolve"))
        }
        Expr::BinOp(b) => b.op == ast::Operator::Div,
        Expr::Name(n) => n.id.as_str() == "__file__",
        _ => false,
    }
}

fn ast_range(e: &Expr) -> trustscan_pyparse::syntax::TextRange {
    use trustscan_pyparse::syntax::Ranged;
    e.range()
}

/// A value for a message, quoted and shortened.
pub fn quote(s: &str) -> String {
    format!("'{}'", preview(&support::display(s), 100))
}

/// Where a URL or host points, for grading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// This machine or a private network (`localhost`, `127.0.0.1`, `10.x`).
    Local,
    /// A literal public IP address instead of a name.
    RawIp(String),
    /// A paste site, URL shortener, webhook collector or tunnel.
    Suspicious(String),
    /// A host name.
    Named(String),
    /// Not known.
    Unknown,
}

/// Hosts (and URL prefixes) that serve as drop boxes, redirectors or tunnels.
const SUSPICIOUS: &[&str] = &[
    "pastebin.com",
    "paste.ee",
    "hastebin.com",
    "ghostbin.com",
    "rentry.co",
    "rentry.org",
    "dpaste.com",
    "dpaste.org",
    "termbin.com",
    "controlc.com",
    "transfer.sh",
    "file.io",
    "0x0.st",
    "temp.sh",
    "gofile.io",
    "anonfiles.com",
    "webhook.site",
    "requestbin.net",
    "pipedream.net",
    "hookbin.com",
    "beeceptor.com",
    "hooks.slack.com",
    "api.telegram.org",
    "ngrok.io",
    "ngrok.app",
    "ngrok-free.app",
    "ngrok-free.dev",
    "trycloudflare.com",
    "serveo.net",
    "loca.lt",
    "localtunnel.me",
    "bit.ly",
    "tinyurl.com",
    "goo.gl",
    "is.gd",
    "cutt.ly",
    "rebrand.ly",
    "ow.ly",
    "t.ly",
    "shorturl.at",
    "rb.gy",
    "burpcollaborator.net",
    "oastify.com",
    "oast.fun",
    "oast.pro",
    "oast.live",
    "oast.site",
    "oast.online",
    "oast.me",
    "interact.sh",
    "dnslog.cn",
    "ceye.io",
    "canarytokens.com",
];

/// Webhook endpoints on otherwise ordinary hosts.
const SUSPICIOUS_PATHS: &[&str] = &[
    "discord.com/api/webhooks",
    "discordapp.com/api/webhooks",
    "canary.discord.com/api/webhooks",
    "ptb.discord.com/api/webhooks",
];

/// The scheme (lowercase, empty when absent) and host of a URL or `host[:port]` text.
pub fn split_url(text: &str) -> (String, String) {
    let t = text.trim();
    let (scheme, rest) = match t.find("://") {
        Some(i) => (t[..i].to_ascii_lowercase(), &t[i + 3..]),
        None => (String::new(), t),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(inner) = authority.strip_prefix('[') {
        inner.split(']').next().unwrap_or("")
    } else if authority.matches(':').count() > 1 {
        // A bare IPv6 address.
        authority
    } else {
        authority.split(':').next().unwrap_or("")
    };
    (scheme, host.to_ascii_lowercase())
}

/// Where a URL (or host name) points.
pub fn host_of(text: &str) -> Host {
    let lower = text.to_ascii_lowercase();
    if let Some(p) = SUSPICIOUS_PATHS.iter().find(|p| lower.contains(*p)) {
        return Host::Suspicious((*p).to_string());
    }
    let (_, host) = split_url(text);
    if host.is_empty() || host.contains(UNKNOWN) {
        return Host::Unknown;
    }
    if host == "localhost" || host.ends_with(".localhost") || host.ends_with(".local") {
        return Host::Local;
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        let local = match ip {
            IpAddr::V4(v4) => {
                v4.is_loopback() || v4.is_private() || v4.is_unspecified() || v4.is_link_local()
            }
            IpAddr::V6(v6) => v6.is_loopback() || v6.is_unspecified(),
        };
        return if local {
            Host::Local
        } else {
            Host::RawIp(host)
        };
    }
    if let Some(s) = SUSPICIOUS
        .iter()
        .find(|s| host == **s || host.ends_with(&format!(".{s}")))
    {
        return Host::Suspicious((*s).to_string());
    }
    Host::Named(host)
}

/// What sensitive data an expression carries, if any: environment variables, file
/// contents, tokens or the machine's identity (the shape of exfiltration).
pub fn sensitive<'a>(r: &Resolver<'_, '_, 'a>, e: &'a Expr) -> Option<&'static str> {
    let mut seen = HashSet::new();
    sensitive_at(r, e, 0, &mut seen)
}

fn sensitive_at<'a>(
    r: &Resolver<'_, '_, 'a>,
    e: &'a Expr,
    depth: u32,
    seen: &mut HashSet<&'a str>,
) -> Option<&'static str> {
    if depth > 10 {
        return None;
    }
    let d = depth + 1;
    match e {
        Expr::Name(n) => {
            let id = n.id.as_str();
            if r.callee(e) == "os.environ" {
                return Some("the environment variables");
            }
            if !seen.insert(id) {
                return None;
            }
            r.values(id)
                .into_iter()
                .find_map(|v| sensitive_at(r, v, d, seen))
        }
        Expr::Attribute(a) => {
            if r.callee(e) == "os.environ" {
                return Some("the environment variables");
            }
            sensitive_at(r, &a.value, d, seen)
        }
        Expr::Subscript(s) => {
            if r.callee(&s.value) == "os.environ" {
                return Some("an environment variable");
            }
            sensitive_at(r, &s.value, d, seen)
        }
        Expr::Call(c) => {
            let f = r.callee(&c.func);
            match f.as_str() {
                "os.getenv" | "os.getenvb" | "os.environ.get" => {
                    return Some("an environment variable");
                }
                "os.environ.copy" | "os.environ.items" | "os.environ.keys"
                | "os.environ.values" => return Some("the environment variables"),
                "open" | "io.open" | "codecs.open" => return Some("file contents"),
                "getpass.getuser" | "socket.gethostname" | "platform.node" | "platform.uname"
                | "uuid.getnode" | "os.getlogin" | "os.uname" => {
                    return Some("the machine's identity (user or host name)");
                }
                "huggingface_hub.get_token"
                | "huggingface_hub.HfFolder.get_token"
                | "huggingface_hub.utils.get_token" => return Some("the Hub access token"),
                _ => {}
            }
            if let Expr::Attribute(a) = &*c.func {
                if matches!(
                    a.attr.as_str(),
                    "read" | "read_text" | "read_bytes" | "readlines"
                ) {
                    return Some("file contents");
                }
                if let Some(s) = sensitive_at(r, &a.value, d, seen) {
                    return Some(s);
                }
            }
            c.arguments
                .args
                .iter()
                .chain(c.arguments.keywords.iter().map(|k| &k.value))
                .find_map(|x| sensitive_at(r, x, d, seen))
        }
        Expr::Dict(dict) => dict.items.iter().find_map(|i| {
            i.key
                .as_ref()
                .and_then(|k| sensitive_at(r, k, d, seen))
                .or_else(|| sensitive_at(r, &i.value, d, seen))
        }),
        Expr::List(ast::ExprList { elts, .. })
        | Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::Set(ast::ExprSet { elts, .. }) => {
            elts.iter().find_map(|x| sensitive_at(r, x, d, seen))
        }
        Expr::DictComp(c) => sensitive_at(r, &c.value, d, seen).or_else(|| {
            c.generators
                .iter()
                .find_map(|g| sensitive_at(r, &g.iter, d, seen))
        }),
        Expr::ListComp(c) => c
            .generators
            .iter()
            .find_map(|g| sensitive_at(r, &g.iter, d, seen)),
        Expr::BinOp(b) => {
            sensitive_at(r, &b.left, d, seen).or_else(|| sensitive_at(r, &b.right, d, seen))
        }
        Expr::FString(f) => f.value.elements().find_map(|el| match el {
            ast::InterpolatedStringElement::Interpolation(i) => {
                sensitive_at(r, &i.expression, d, seen)
            }
            _ => None,
        }),
        Expr::Starred(s) => sensitive_at(r, &s.value, d, seen),
        _ => None,
    }
}

/// Sensitive data placed into a URL after its start (`f"https://x/?k={os.environ[...]}"`);
/// a URL that is itself read from the environment is configuration, not exfiltration.
pub fn sensitive_in_url<'a>(r: &Resolver<'_, '_, 'a>, e: &'a Expr) -> Option<&'static str> {
    match e {
        Expr::FString(f) => {
            let mut elements = f.value.elements().peekable();
            if matches!(
                elements.peek(),
                Some(ast::InterpolatedStringElement::Interpolation(_))
            ) {
                elements.next();
            }
            elements.find_map(|el| match el {
                ast::InterpolatedStringElement::Interpolation(i) => sensitive(r, &i.expression),
                _ => None,
            })
        }
        Expr::BinOp(b) if b.op == ast::Operator::Add => sensitive(r, &b.right),
        Expr::Name(n) => match r.single(n.id.as_str()) {
            Some(v) if !matches!(v, Expr::Name(_)) => sensitive_in_url(r, v),
            _ => None,
        },
        _ => None,
    }
}

/// The statements of the scope the node runs in: the enclosing function, else the module.
pub fn scope_body<'a>(ctx: &Ctx<'_, 'a>) -> &'a [Stmt] {
    ctx.parents
        .iter()
        .rev()
        .find_map(|p| match *p {
            Node::Stmt(Stmt::FunctionDef(f)) => Some(&f.body[..]),
            Node::Module(m) => Some(&m.body[..]),
            _ => None,
        })
        .unwrap_or(&[])
}

/// Every call in `body`, in source order, not entering nested functions or classes.
/// Bounded by the file's resolution budget.
pub fn calls_in<'a>(ctx: &Ctx<'_, 'a>, body: &'a [Stmt]) -> Vec<&'a ast::ExprCall> {
    struct Calls<'c, 'w, 'a> {
        ctx: &'c Ctx<'w, 'a>,
        out: Vec<&'a ast::ExprCall>,
        stop: bool,
    }
    impl<'a> Visitor<'a> for Calls<'_, '_, 'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if self.stop || matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                return;
            }
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || visitor::walk_stmt(self, stmt));
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.stop {
                return;
            }
            if let Expr::Call(c) = expr {
                if !self.ctx.file.spend(1) || self.out.len() >= 50_000 {
                    self.stop = true;
                    return;
                }
                self.out.push(c);
            }
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || visitor::walk_expr(self, expr));
        }
    }
    let mut v = Calls {
        ctx,
        out: Vec::new(),
        stop: false,
    };
    for s in body {
        v.visit_stmt(s);
    }
    v.out
}

/// Source text without whitespace, for comparing two expressions.
pub fn same_text(ctx: &Ctx, a: &Expr, b: &Expr) -> bool {
    let norm = |e: &Expr| -> String {
        ctx.source(ast_range(e))
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    let (x, y) = (norm(a), norm(b));
    !x.is_empty() && x == y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(host_of("http://127.0.0.1:8000/x"), Host::Local);
        assert_eq!(host_of("https://10.0.0.5/"), Host::Local);
        assert_eq!(
            host_of("http://203.0.113.7:4444"),
            Host::RawIp("203.0.113.7".into())
        );
        assert_eq!(
            host_of("https://pastebin.com/raw/x"),
            Host::Suspicious("pastebin.com".into())
        );
        assert_eq!(
            host_of("https://abc.ngrok-free.app/"),
            Host::Suspicious("ngrok-free.app".into())
        );
        assert_eq!(
            host_of("https://discord.com/api/webhooks/1/x"),
            Host::Suspicious("discord.com/api/webhooks".into())
        );
        assert_eq!(
            host_of("https://user@example.invalid:8443/p"),
            Host::Named("example.invalid".into())
        );
        assert_eq!(host_of("https://…/x"), Host::Unknown);
        assert_eq!(host_of("[::1]"), Host::Local);
    }

    #[test]
    fn targets() {
        assert_eq!(
            classify_text("org/name".into()),
            Target::Repo("org/name".into())
        );
        assert_eq!(classify_text("gpt2".into()), Target::Repo("gpt2".into()));
        assert_eq!(
            classify_text("./ckpt".into()),
            Target::Local("./ckpt".into())
        );
        assert_eq!(
            classify_text("<here>/x".into()),
            Target::Local("<here>/x".into())
        );
        assert_eq!(classify_text("a/b/c".into()), Target::Local("a/b/c".into()));
        assert!(matches!(
            classify_text("https://example.invalid/x".into()),
            Target::Url(_)
        ));
        assert!(matches!(
            classify_text("…/x".into()),
            Target::Unknown(Some(_))
        ));
        assert!(is_commit_sha("0123456789abcdef0123456789abcdef01234567"));
        assert!(!is_commit_sha("0123456"));
    }
}
