use super::support::{self, Folder, Place};
use crate::resolve::Resolver;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::{Ctx, Node};
use trustscan_core::Level::{High, Medium};
use trustscan_pyparse::syntax::{self as ast, Expr, Stmt};

rule! {
    /// TS108 credential_access.
    ///
    /// ## What it does
    /// Reports reads of the user's credentials: environment variables that hold secrets
    /// (`os.environ[...]`, `os.environ.get`, `os.getenv` of `HF_TOKEN`, `AWS_SECRET_ACCESS_KEY`,
    /// `OPENAI_API_KEY`, `*_TOKEN`, `*_API_KEY`, `*PASSWORD*`, ...), whole-environment dumps
    /// (`dict(os.environ)`, `os.environ.copy()`, unfiltered `os.environ.items()`; copies that only
    /// feed a child process's `env=` stay quiet), the Hugging Face token
    /// through `huggingface_hub` (`get_token()`, `HfFolder.get_token()`, `HfApi().whoami()`),
    /// and files that store credentials (`~/.ssh/*`, `~/.netrc`, `~/.aws/credentials`,
    /// `~/.config/gcloud`, `~/.kube/config`, `~/.docker/config.json`, the Hugging Face token
    /// file, `~/.git-credentials`, `~/.pypirc`, browser password and cookie stores,
    /// `/etc/shadow`, ...) read with `open`, `Path.read_text`/`read_bytes`, `shutil.copy*`,
    /// `sqlite3.connect`, archive `add`/`write`, or listed with `os.listdir`/`glob`. Paths built
    /// with `os.path.expanduser`, `Path.home()`, `$HOME` and `os.path.join` are folded.
    /// Environment reads of tokens are Medium (libraries read `HF_TOKEN` legitimately);
    /// credential files are High.
    ///
    /// ## Why is this bad?
    /// Model code has no business with the user's SSH keys, cloud credentials or browser
    /// cookies; reading them is the first half of credential theft: the secret is exposed to
    /// the model's author, an unauthorized actor (CWE-200). Even a token read from the
    /// environment leaves with the next network request.
    ///
    /// ## Example
    /// ```python
    /// key = open(os.path.expanduser("~/.ssh/id_rsa")).read()
    /// token = os.environ["HF_TOKEN"]
    /// ```
    pub struct CredentialAccess {
        id: "TS108",
        name: "credential_access",
        cwe: 200,
        severity: High,
        confidence: High,
        kinds: [Call, Subscript],
        example: "open(os.path.expanduser(\"~/.aws/credentials\")).read()",
    }
}

/// Method and function names worth resolving.
static NAMES: crate::rules::Names = crate::rules::Names::new(&[
    "get",
    "getenv",
    "getenvb",
    "pop",
    "__getitem__",
    "copy",
    "items",
    "values",
    "dumps",
    "get_token",
    "get_stored_tokens",
    "whoami",
    "open",
    "read_text",
    "read_bytes",
    "iterdir",
    "glob",
    "rglob",
    "iglob",
    "copy2",
    "copyfile",
    "copytree",
    "move",
    "make_archive",
    "connect",
    "listdir",
    "scandir",
    "walk",
    "netrc",
    "read",
    "add",
    "write",
]);

const TOKEN_APIS: &[&str] = &[
    "huggingface_hub.get_token",
    "huggingface_hub.utils.get_token",
    "huggingface_hub.utils._token.get_token",
    "huggingface_hub.HfFolder.get_token",
    "huggingface_hub.HfFolder().get_token",
    "huggingface_hub.utils.HfFolder.get_token",
    "huggingface_hub.get_stored_tokens",
    "huggingface_hub.utils.get_stored_tokens",
    "huggingface_hub.whoami",
    "huggingface_hub.hf_api.whoami",
    "huggingface_hub.HfApi().whoami",
    "huggingface_hub.hf_api.HfApi().whoami",
];

impl Rule for CredentialAccess {
    fn method_names(&self) -> Option<Vec<&'static str>> {
        Some(NAMES.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        match ctx.node {
            Node::Expr(Expr::Subscript(s)) => subscript(ctx, s),
            Node::Expr(Expr::Call(c)) => call(ctx, c),
            _ => None,
        }
    }
}

/// `os.environ["HF_TOKEN"]` (read).
fn subscript<'a>(ctx: &Ctx<'_, 'a>, s: &'a ast::ExprSubscript) -> Option<Issue> {
    if s.ctx != ast::ExprContext::Load
        || !matches!(
            &*s.slice,
            Expr::StringLiteral(_) | Expr::Name(_) | Expr::BinOp(_) | Expr::Call(_)
        )
    {
        return None;
    }
    // An attribute resolves to a name ending in that attribute (import aliases never hold
    // dots): only `<...>.environ[...]` can be the environment.
    if let Expr::Attribute(a) = &*s.value
        && !matches!(a.attr.as_str(), "environ" | "environb")
    {
        return None;
    }
    let r = Resolver::new(ctx);
    let environ = || {
        let base = r.callee(&s.value);
        (base == "os.environ" || base == "os.environb").then_some(base)
    };
    // The cheaper test first: a literal key is read as it is, a computed one is folded.
    let secret_key = || {
        let key = r.fold_str(&s.slice)?;
        secret_variable(&key).map(|secret| (key, secret))
    };
    let ((key, (label, confidence)), base) = if let Expr::StringLiteral(_) = &*s.slice {
        (secret_key()?, environ()?)
    } else {
        let base = environ()?;
        (secret_key()?, base)
    };
    Some(env_issue(&format!("{base}[...]"), &key, label, confidence))
}

fn env_issue(how: &str, key: &str, label: &str, confidence: trustscan_core::Level) -> Issue {
    Issue::new(
        Medium,
        confidence,
        format!(
            "{how} reads the environment variable {key} ({label}): code run at model load \
             can read the user's credentials and send them anywhere."
        ),
    )
}

fn call<'a>(ctx: &Ctx<'_, 'a>, c: &'a ast::ExprCall) -> Option<Issue> {
    if !support::may_be(c, &NAMES) {
        return None;
    }
    let r = Resolver::new(ctx);
    let f = super::loading::method_callee(&r, &c.func);
    let args = &c.arguments;
    match f.as_str() {
        "os.getenv"
        | "os.getenvb"
        | "os.environ.get"
        | "os.environ.pop"
        | "os.environ.__getitem__"
        | "os.environb.get" => {
            let key = r.fold_str(args.find_argument_value("key", 0)?)?;
            let (label, confidence) = secret_variable(&key)?;
            return Some(env_issue(&f, &key, label, confidence));
        }
        "os.environ.copy" | "os.environ.items" | "os.environ.values" => {
            return environment_dump(ctx, &f);
        }
        "dict" | "str" | "repr" | "list" | "json.dumps" | "copy.copy" | "copy.deepcopy"
        | "pickle.dumps" => {
            let arg = args.args.first()?;
            if r.callee(arg) != "os.environ" {
                return None;
            }
            return environment_dump(ctx, &format!("{f}(os.environ)"));
        }
        _ => {}
    }
    if TOKEN_APIS.contains(&f.as_str()) {
        return Some(Issue::new(
            Medium,
            High,
            format!(
                "{f}() retrieves the user's Hugging Face token or account: code run at model \
                 load can use it to act as the user on the Hub or send it away."
            ),
        ));
    }
    let folder = Folder::new(ctx, &r);
    let (how, path) = match f.as_str() {
        "open" | "io.open" | "codecs.open" | "builtins.open" | "io.FileIO" => {
            if writes(&r, args.find_argument_value("mode", 1)) {
                return None;
            }
            (f.clone(), args.find_argument_value("file", 0)?)
        }
        "os.open" => (f.clone(), args.find_argument_value("path", 0)?),
        "shutil.copy" | "shutil.copy2" | "shutil.copyfile" | "shutil.copytree" | "shutil.move" => {
            (f.clone(), args.find_argument_value("src", 0)?)
        }
        "sqlite3.connect" => (f.clone(), args.find_argument_value("database", 0)?),
        "os.listdir" | "os.scandir" | "os.walk" | "glob.glob" | "glob.iglob" => {
            (f.clone(), args.args.first()?)
        }
        "netrc.netrc" => match args.find_argument_value("file", 0) {
            Some(p) => (f.clone(), p),
            None => {
                return Some(Issue::new(
                    High,
                    High,
                    "netrc.netrc() reads ~/.netrc (stored login passwords): code run at \
                     model load can read the user's credentials and send them anywhere.",
                ));
            }
        },
        _ => {
            // Methods of a path or an archive: `p.read_text()`, `tar.add(p)`.
            let Expr::Attribute(a) = &*c.func else {
                return None;
            };
            match a.attr.as_str() {
                "read_text" | "read_bytes" | "iterdir" | "glob" | "rglob" => {
                    (format!("Path.{}", a.attr.as_str()), &*a.value)
                }
                "open" => {
                    if writes(&r, args.find_argument_value("mode", 0)) {
                        return None;
                    }
                    ("Path.open".to_string(), &*a.value)
                }
                "add" | "write" | "read" => (format!(".{}", a.attr.as_str()), args.args.first()?),
                _ => return None,
            }
        }
    };
    let folded = folder.text(path)?;
    if !matches!(support::place(&folded), Place::Home | Place::Absolute) {
        return None;
    }
    let label = credential_file(&folded)?;
    Some(Issue::new(
        High,
        High,
        format!(
            "{how} reads {} ({label}): code run at model load can read the user's credentials \
             and send them anywhere.",
            support::display(&folded)
        ),
    ))
}

/// Whether an `open` mode writes without reading (`"w"`, `"a"`, `"x"`; `"r+"` reads).
fn writes<'a>(r: &Resolver<'_, '_, 'a>, mode: Option<&'a Expr>) -> bool {
    match mode.and_then(|m| r.fold_str(m)) {
        Some(m) => !m.contains('r') && m.contains(['w', 'a', 'x', '+']),
        None => false,
    }
}

/// A whole-environment copy, unless it only feeds a child process's environment
/// (`env=os.environ.copy()`, `env = dict(os.environ)`).
fn environment_dump(ctx: &Ctx, what: &str) -> Option<Issue> {
    for p in ctx.parents.iter().rev() {
        match p {
            // `for k, v in os.environ.items() if k.startswith("APP_")`: a filtered lookup.
            Node::Comprehension(g) if !g.ifs.is_empty() => return None,
            Node::Keyword(k) if k.arg.as_ref().is_some_and(|a| a.as_str().contains("env")) => {
                return None;
            }
            Node::Stmt(Stmt::Assign(a)) => {
                let env_named = a.targets.iter().any(|t| match t {
                    Expr::Name(n) => n.id.to_ascii_lowercase().contains("env"),
                    Expr::Attribute(at) => at.attr.to_ascii_lowercase().contains("env"),
                    _ => false,
                });
                if env_named {
                    return None;
                }
                break;
            }
            Node::Stmt(_) => break,
            _ => {}
        }
    }
    Some(Issue::new(
        Medium,
        Medium,
        format!(
            "{what} copies the whole environment, with every token and key in it: code run \
             at model load that collects it can send all of the user's secrets at once."
        ),
    ))
}

/// Whether an environment variable name holds a secret: a label, and the confidence
/// (High for well-known names, Medium for pattern matches).
fn secret_variable(name: &str) -> Option<(&'static str, trustscan_core::Level)> {
    const KNOWN: &[(&str, &str)] = &[
        ("HF_TOKEN", "Hugging Face access token"),
        ("HUGGING_FACE_HUB_TOKEN", "Hugging Face access token"),
        ("HUGGINGFACE_TOKEN", "Hugging Face access token"),
        ("HUGGINGFACEHUB_API_TOKEN", "Hugging Face access token"),
        ("HF_API_TOKEN", "Hugging Face access token"),
        ("AWS_ACCESS_KEY_ID", "AWS access key"),
        ("AWS_SECRET_ACCESS_KEY", "AWS secret key"),
        ("AWS_SESSION_TOKEN", "AWS session token"),
        (
            "GOOGLE_APPLICATION_CREDENTIALS",
            "Google Cloud service-account key file",
        ),
        ("OPENAI_API_KEY", "OpenAI API key"),
        ("ANTHROPIC_API_KEY", "Anthropic API key"),
        ("GITHUB_TOKEN", "GitHub token"),
        ("GH_TOKEN", "GitHub token"),
        ("WANDB_API_KEY", "Weights & Biases API key"),
        ("MODELSCOPE_API_TOKEN", "ModelScope token"),
        ("KAGGLE_KEY", "Kaggle API key"),
        ("COMET_API_KEY", "Comet API key"),
        ("NEPTUNE_API_TOKEN", "Neptune API token"),
    ];
    let upper = name.to_ascii_uppercase();
    if let Some((_, label)) = KNOWN.iter().find(|(k, _)| *k == upper) {
        return Some((label, High));
    }
    if [
        "DISABLE",
        "ENABLE",
        "_PATH",
        "_FILE",
        "_DIR",
        "TOKENIZER",
        "_TOKENS",
        "_URL",
    ]
    .iter()
    .any(|x| upper.contains(x))
    {
        return None;
    }
    if let Some(prefix) = upper.strip_suffix("_TOKEN") {
        let word = prefix.rsplit('_').next().unwrap_or(prefix);
        if matches!(
            word,
            "PAD"
                | "BOS"
                | "EOS"
                | "UNK"
                | "SEP"
                | "CLS"
                | "MASK"
                | "MAX"
                | "NUM"
                | "START"
                | "END"
        ) {
            return None;
        }
        return Some(("a token", Medium));
    }
    let label =
        if upper.starts_with("AZURE_") && (upper.contains("KEY") || upper.contains("SECRET")) {
            "an Azure key"
        } else if upper.contains("SECRET") {
            "a secret"
        } else if upper.ends_with("_API_KEY") || upper.ends_with("APIKEY") {
            "an API key"
        } else if upper.contains("PASSWORD") || upper.contains("PASSWD") {
            "a password"
        } else if upper.contains("ACCESS_KEY") || upper.contains("PRIVATE_KEY") {
            "a key"
        } else {
            return None;
        };
    Some((label, Medium))
}

/// What credential store a folded path is, if any.
fn credential_file(path: &str) -> Option<&'static str> {
    let norm = support::normalize(path);
    let lower = norm.to_ascii_lowercase();
    let lower = lower.trim_end_matches('/');
    let base = norm.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let base_lower = base.to_ascii_lowercase();
    let under = |dir: &str| lower.contains(&format!("{dir}/")) || lower.ends_with(dir);
    Some(
        if ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"]
            .iter()
            .any(|k| base_lower.starts_with(k))
        {
            "an SSH private key"
        } else if under("/.ssh") {
            "SSH keys and configuration"
        } else if base_lower == ".netrc" || base_lower == "_netrc" {
            "stored login passwords"
        } else if under("/.aws") {
            "AWS credentials"
        } else if under("/.config/gcloud") {
            "Google Cloud credentials"
        } else if under("/.azure") {
            "Azure CLI tokens"
        } else if lower.ends_with("/.kube/config") || under("/.kube") {
            "Kubernetes credentials"
        } else if lower.ends_with("/.docker/config.json") {
            "Docker registry credentials"
        } else if lower.contains("huggingface/token") || lower.contains("huggingface/stored_tokens")
        {
            "the Hugging Face token"
        } else if base_lower == ".git-credentials" {
            "stored Git credentials"
        } else if lower.ends_with("/.config/gh/hosts.yml") {
            "the GitHub CLI token"
        } else if base_lower == ".pypirc" || base_lower == ".npmrc" {
            "package registry tokens"
        } else if under("/.gnupg") {
            "GnuPG private keys"
        } else if matches!(base, "Login Data" | "Cookies" | "Local State" | "Web Data")
            || matches!(
                base_lower.as_str(),
                "logins.json" | "key4.db" | "key3.db" | "cookies.sqlite" | "signons.sqlite"
            )
        {
            "a browser's saved passwords or cookies"
        } else if matches!(lower, "/etc/shadow" | "/etc/gshadow" | "/etc/master.passwd") {
            "system password hashes"
        } else if lower.contains("/library/keychains") {
            "the macOS keychain"
        } else if base_lower == "wallet.dat" || under("/.electrum") || under("/.bitcoin") {
            "a cryptocurrency wallet"
        } else if matches!(
            base_lower.as_str(),
            ".bash_history" | ".zsh_history" | ".python_history"
        ) {
            "shell history, which often holds secrets"
        } else {
            return None;
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_files() {
        assert!(secret_variable("HF_TOKEN").is_some());
        assert!(secret_variable("MY_SERVICE_TOKEN").is_some());
        assert!(secret_variable("AZURE_OPENAI_KEY").is_some());
        assert!(secret_variable("DB_PASSWORD").is_some());
        assert!(secret_variable("PAD_TOKEN").is_none());
        assert!(secret_variable("HF_HUB_DISABLE_IMPLICIT_TOKEN").is_none());
        assert!(secret_variable("TOKENIZERS_PARALLELISM").is_none());
        assert!(secret_variable("CUDA_VISIBLE_DEVICES").is_none());
        assert!(credential_file("<home>/.ssh/id_rsa").is_some());
        assert!(credential_file("<home>/.cache/huggingface/token").is_some());
        assert!(credential_file("<home>/.config/google-chrome/Default/Login Data").is_some());
        assert!(credential_file("<home>/.cache/huggingface/hub").is_none());
        assert!(credential_file("/etc/hosts").is_none());
    }
}
