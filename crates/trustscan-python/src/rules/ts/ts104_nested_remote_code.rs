use super::loading::{self, Target, arg, bool_value, quote};
use crate::resolve::Resolver;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{self, High, Low, Medium};
use trustscan_pyparse::syntax::{self as ast, Expr, Ranged};

rule! {
    /// TS104 nested_remote_code.
    ///
    /// ## What it does
    /// Reports model code that itself loads more remote code:
    /// - any call with `trust_remote_code=True` (or a name bound to `True`): `from_pretrained`,
    ///   `pipeline`, `load_dataset`, ... of another repository (High for a hub id, Medium
    ///   when the id is computed or the revision is a pinned commit, Low for a local path);
    /// - `torch.hub.load`/`list`/`help` of a GitHub repository, which imports its
    ///   `hubconf.py` (High; Low with `source="local"`);
    /// - transformers' and diffusers' dynamic-module loaders
    ///   (`get_class_from_dynamic_module`, `get_class_in_module`, `get_cached_module_file`);
    /// - diffusers `custom_pipeline=` naming a hub repository or URL (High) or a community
    ///   pipeline (Medium: fetched from the community mirror without `trust_remote_code`);
    /// - a hub download (`hf_hub_download`, `snapshot_download`, ModelScope's
    ///   `snapshot_download`/`model_file_download`) in the same function as an import or
    ///   execution of files (`importlib.import_module`, `spec_from_file_location`,
    ///   `runpy.run_path`, `sys.path.insert`/`append`, `exec(open(...).read())`): reported on
    ///   the download, High.
    ///
    /// Loading modules from a file path on its own is TS111's (dynamic_import).
    ///
    /// ## Why is this bad?
    /// The user reviewed (or trusted) one repository; nested remote code pulls in another,
    /// which nobody reviewed, can change at any time, and runs with the same privileges
    /// (CWE-94). Downloading files and importing them by hand also bypasses the
    /// `trust_remote_code` checks the libraries would apply.
    ///
    /// ## Example
    /// ```python
    /// helper = AutoModel.from_pretrained("other-org/helper", trust_remote_code=True)
    /// ```
    pub struct NestedRemoteCode {
        id: "TS104",
        name: "nested_remote_code",
        cwe: 94,
        severity: High,
        confidence: High,
        kinds: [Call],
        example: "AutoModel.from_pretrained(\"other-org/helper\", trust_remote_code=True)",
    }
}

/// Last names of the functions this rule looks at by name.
static LAST: crate::rules::Names = crate::rules::Names::new(&[
    "load",
    "list",
    "help",
    "get_class_from_dynamic_module",
    "get_class_in_module",
    "get_cached_module_file",
    "hf_hub_download",
    "snapshot_download",
    "model_file_download",
]);

/// Hub downloads that fetch another repository's files.
const DOWNLOADS: &[&str] = &[
    "huggingface_hub.hf_hub_download",
    "huggingface_hub.snapshot_download",
    "huggingface_hub.file_download.hf_hub_download",
    "huggingface_hub._snapshot_download.snapshot_download",
    "huggingface_hub.HfApi().hf_hub_download",
    "huggingface_hub.HfApi().snapshot_download",
    "modelscope.snapshot_download",
    "modelscope.model_file_download",
    "modelscope.hub.snapshot_download.snapshot_download",
    "modelscope.hub.file_download.model_file_download",
];

/// Calls that import or execute files once they are on disk.
const IMPORTERS: &[&str] = &[
    "importlib.import_module",
    "importlib.util.spec_from_file_location",
    "importlib.machinery.SourceFileLoader",
    "imp.load_source",
    "imp.load_module",
    "runpy.run_path",
    "runpy.run_module",
    "sys.path.insert",
    "sys.path.append",
    "sys.path.extend",
    "__import__",
];

impl Rule for NestedRemoteCode {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        let keywords = &call.arguments.keywords;
        let has = |k: &str| {
            keywords
                .iter()
                .any(|x| x.arg.as_ref().is_some_and(|a| a == k))
        };
        let trust = has("trust_remote_code");
        let custom = has("custom_pipeline");
        let r = Resolver::new(ctx);
        if trust && let Some(issue) = trust_remote_code(ctx, &r, call) {
            return Some(issue);
        }
        if custom && let Some(issue) = custom_pipeline(ctx, &r, call) {
            return Some(issue);
        }
        let f = loading::callee_if(&r, call, &LAST);
        if f.is_empty() {
            return None;
        }
        match f.as_str() {
            "torch.hub.load" | "torch.hub.list" | "torch.hub.help" => torch_hub(ctx, &r, call, &f),
            _ if DOWNLOADS.contains(&f.as_str()) => download_then_import(ctx, &r, call, &f),
            _ => dynamic_module(ctx, &r, call, &f),
        }
    }
}

/// The callee for a message: its canonical name, else its source text.
fn display_callee<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
) -> String {
    let f = loading::method_callee(r, &call.func);
    if f.is_empty() {
        super::preview(ctx.source(call.func.range()), 60)
    } else {
        f
    }
}

/// The repository a loading call names: `model=` for pipelines, else the first argument
/// or the usual keywords.
fn repo_arg<'a>(call: &'a ast::ExprCall, callee: &str) -> Option<&'a Expr> {
    if callee == "pipeline" || callee.ends_with(".pipeline") {
        return arg(call, "model", Some(1));
    }
    call.arguments.find_positional(0).or_else(|| {
        [
            "pretrained_model_name_or_path",
            "model_name_or_path",
            "model_name",
            "model_id",
            "repo_id",
            "path",
            "model",
        ]
        .iter()
        .find_map(|k| arg(call, k, None))
    })
}

fn trust_remote_code<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
) -> Option<Issue> {
    let value = arg(call, "trust_remote_code", None)?;
    if bool_value(r, value) != Some(true) {
        return None;
    }
    let callee = display_callee(ctx, r, call);
    let repo = repo_arg(call, &callee).map(|e| loading::target(ctx, r, e));
    let pinned = ["revision", "code_revision", "model_revision"]
        .iter()
        .filter_map(|k| arg(call, k, None))
        .filter_map(|e| r.fold_str(e))
        .any(|s| loading::is_commit_sha(&s));
    let (severity, what) = match &repo {
        Some(Target::Repo(id)) if !pinned => (
            High,
            format!(
                "runs Python code from the repository {} at whatever revision is current",
                quote(id)
            ),
        ),
        Some(Target::Repo(id)) => (
            Medium,
            format!(
                "runs Python code from the repository {} (pinned to a commit)",
                quote(id)
            ),
        ),
        Some(Target::Url(u)) => (High, format!("runs Python code fetched from {}", quote(u))),
        Some(t @ Target::Local(_)) => (
            Low,
            format!(
                "runs Python code from the local path {}",
                t.describe("a path")
            ),
        ),
        Some(t @ Target::Unknown(_)) => (
            Medium,
            format!("runs Python code from {}", t.describe("a repository")),
        ),
        None => (
            Medium,
            "passes trust_remote_code=True on, so whatever it loads may run its repository's \
             code"
                .to_string(),
        ),
    };
    if callee == "dict" {
        return Some(Issue::new(
            Medium,
            Medium,
            "dict(trust_remote_code=True) builds loader arguments that enable remote code: \
             whatever is loaded with them runs its repository's Python code.",
        ));
    }
    Some(Issue::new(
        severity,
        High,
        format!(
            "{callee} is called with trust_remote_code=True and {what}: code this scan did not \
             review executes when the model loads."
        ),
    ))
}

fn custom_pipeline<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
) -> Option<Issue> {
    let value = arg(call, "custom_pipeline", None)?;
    let callee = display_callee(ctx, r, call);
    let (severity, what) = match loading::target(ctx, r, value) {
        Target::Url(u) => (High, format!("the pipeline code at {}", quote(&u))),
        Target::Repo(id) if id.contains('/') => (
            High,
            format!("pipeline.py from the repository {}", quote(&id)),
        ),
        Target::Repo(name) => (
            Medium,
            format!(
                "the community pipeline {} from diffusers' community mirror (no \
                 trust_remote_code check applies)",
                quote(&name)
            ),
        ),
        _ => return None,
    };
    Some(Issue::new(
        severity,
        High,
        format!("{callee} with custom_pipeline downloads and runs {what}."),
    ))
}

fn torch_hub<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
    f: &str,
) -> Option<Issue> {
    let repo = arg(call, "repo_or_dir", Some(0)).or_else(|| arg(call, "github", None))?;
    let local = arg(call, "source", None)
        .and_then(|s| r.fold_str(s))
        .as_deref()
        == Some("local");
    let target = loading::target(ctx, r, repo);
    if local || target.is_local() {
        return Some(Issue::new(
            Low,
            Medium,
            format!(
                "{f} imports hubconf.py from the local directory {}: every module it imports \
                 runs too.",
                target.describe("a directory")
            ),
        ));
    }
    let pinned = matches!(&target, Target::Repo(s)
        if s.split_once(':').is_some_and(|(_, r)| loading::is_commit_sha(r)));
    let (severity, at) = if pinned {
        (Medium, " (pinned to a commit)")
    } else {
        (High, "")
    };
    Some(Issue::new(
        severity,
        High,
        format!(
            "{f} downloads the GitHub repository {}{at} and imports its hubconf.py (and \
             whatever it imports): code from another repository runs when this model loads.",
            target.describe("a repository")
        ),
    ))
}

fn dynamic_module<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
    f: &str,
) -> Option<Issue> {
    let (module, func) = f.rsplit_once('.')?;
    if !(module.ends_with("dynamic_module_utils") || module.ends_with("dynamic_modules_utils")) {
        return None;
    }
    let describe = |e: Option<&'a Expr>, noun: &str| -> String {
        e.map(|e| loading::target(ctx, r, e).describe(noun))
            .unwrap_or_else(|| format!("{noun} computed at run time"))
    };
    let (severity, message): (Level, String) = match func {
        "get_class_from_dynamic_module" => {
            let class = arg(call, "class_reference", Some(0)).and_then(|e| r.fold_str(e));
            let repo = arg(call, "pretrained_model_name_or_path", Some(1));
            let class = class
                .map(|c| format!("class {}", quote(&c)))
                .unwrap_or_else(|| "a class named at run time".into());
            (
                High,
                format!(
                    "{f} fetches and executes the module of {class} from {}: the same \
                     mechanism as trust_remote_code, called directly.",
                    describe(repo, "a repository")
                ),
            )
        }
        "get_class_in_module" => (
            High,
            format!(
                "{f} executes the module file {}: its top-level code runs in this process.",
                describe(arg(call, "module_path", Some(1)), "a path")
            ),
        ),
        "get_cached_module_file" => (
            Medium,
            format!(
                "{f} downloads the code file {} of {} into the dynamic-module cache, where it \
                 is imported from.",
                describe(arg(call, "module_file", Some(1)), "a name"),
                describe(
                    arg(call, "pretrained_model_name_or_path", Some(0)),
                    "a repository"
                )
            ),
        ),
        _ => return None,
    };
    Some(Issue::new(severity, High, message))
}

fn download_then_import<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
    f: &str,
) -> Option<Issue> {
    let repo = arg(call, "repo_id", Some(0))
        .or_else(|| arg(call, "model_id", None))
        .map(|e| loading::target(ctx, r, e));
    if repo.as_ref().is_some_and(Target::is_local) {
        return None;
    }
    let importer = loading::calls_in(ctx, loading::scope_body(ctx))
        .into_iter()
        .find_map(|c| {
            let name = r.callee(&c.func);
            if IMPORTERS.contains(&name.as_str()) {
                let literal = name == "importlib.import_module" || name == "__import__";
                // A literal module name is an ordinary import, unless the download went
                // onto sys.path first (reported through sys.path then).
                if literal
                    && c.arguments
                        .args
                        .first()
                        .is_some_and(|a| r.fold_str(a).is_some())
                {
                    return None;
                }
                return Some((name, ctx.file.line(c.range().start())));
            }
            if matches!(name.as_str(), "exec" | "eval" | "compile")
                && c.arguments.args.first().is_some_and(|a| reads_file(r, a))
            {
                return Some((format!("{name}(open(...).read())"), 0));
            }
            None
        })?;
    let (how, line) = importer;
    let at = if line > 0 {
        format!(" (line {line})")
    } else {
        String::new()
    };
    let what = repo
        .map(|t| t.describe("a repository"))
        .unwrap_or_else(|| "another repository".into());
    Some(Issue::new(
        High,
        High,
        format!(
            "{f} downloads {what} and the same function loads code with {how}{at}: code from \
             another repository runs without the trust_remote_code checks the libraries \
             apply."
        ),
    ))
}

/// `open(...).read()` and the like.
fn reads_file<'a>(r: &Resolver<'_, '_, 'a>, e: &'a Expr) -> bool {
    match e {
        Expr::Call(c) => match &*c.func {
            Expr::Attribute(a) if matches!(a.attr.as_str(), "read" | "read_text") => true,
            _ => c.arguments.args.first().is_some_and(|x| reads_file(r, x)),
        },
        Expr::Name(n) => r.single(n.id.as_str()).is_some_and(|v| reads_file(r, v)),
        _ => false,
    }
}
