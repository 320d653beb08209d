use super::loading::{self, Target, arg, bool_value, quote};
use crate::resolve::Resolver;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{High, Low, Medium};
use trustscan_pyparse::syntax::{self as ast, Expr};

rule! {
    /// TS105 unpinned_hub_download.
    ///
    /// ## What it does
    /// Reports downloads from model hubs other than Hugging Face that are not pinned to an
    /// immutable commit, with Bandit B615's semantics: a download is pinned only when its
    /// revision argument is a literal 40-hex commit SHA; `"master"`, `"main"`, tags, branches
    /// and variables are unpinned. Covered: ModelScope (`snapshot_download`,
    /// `model_file_download`, `dataset_snapshot_download`, `MsDataset.load`,
    /// `Model.from_pretrained` and the other `modelscope` `from_pretrained` wrappers,
    /// `pipeline(model=...)` with a hub id), OpenCSG (`pycsghub` `snapshot_download`,
    /// `file_download`, `repo_reader` `from_pretrained`), openMind (`openmind_hub`
    /// `snapshot_download`, `om_hub_download`), `torch.hub.load`/`list`/`help` of a GitHub
    /// repository without a `:<40-hex>` ref, and `torch.hub.load_state_dict_from_url` /
    /// `download_url_to_file` without `check_hash=True` / `hash_prefix` (integrity
    /// unchecked). Local paths (starting with `.`, `/`, `~`, or built with `os.path`/`pathlib`)
    /// are not downloads. Hugging Face's own `from_pretrained`/`hf_hub_download` are B615's.
    ///
    /// ## Why is this bad?
    /// A branch or tag can be moved and a repository name can be re-registered after
    /// deletion: the next load fetches whatever is there now, weights and code alike (CWE-494,
    /// download of code without integrity check).
    ///
    /// ## Example
    /// ```python
    /// from modelscope import snapshot_download
    /// model_dir = snapshot_download("example-org/example-model", revision="master")
    /// ```
    pub struct UnpinnedHubDownload {
        id: "TS105",
        name: "unpinned_hub_download",
        cwe: 494,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "snapshot_download(\"example-org/example-model\", revision=\"master\")",
    }
}

static LAST: crate::rules::Names = crate::rules::Names::new(&[
    "snapshot_download",
    "model_file_download",
    "dataset_snapshot_download",
    "dataset_file_download",
    "file_download",
    "om_hub_download",
    "load",
    "from_pretrained",
    "pipeline",
    "list",
    "help",
    "load_state_dict_from_url",
    "load_url",
    "download_url_to_file",
]);

/// How a download names its repository and its revision.
struct Spec {
    /// Keyword and position of the repository id.
    repo: (&'static str, Option<usize>),
    /// Keyword and position of the revision.
    revision: (&'static str, Option<usize>),
    hub: &'static str,
}

fn spec(f: &str) -> Option<Spec> {
    let (module, func) = f.rsplit_once('.')?;
    let root = module.split('.').next().unwrap_or("");
    let s = |repo, revision, hub| {
        Some(Spec {
            repo,
            revision,
            hub,
        })
    };
    match (root, func) {
        ("modelscope", "snapshot_download") => {
            s(("model_id", Some(0)), ("revision", Some(1)), "ModelScope")
        }
        ("modelscope", "dataset_snapshot_download") => {
            s(("dataset_id", Some(0)), ("revision", Some(1)), "ModelScope")
        }
        ("modelscope", "model_file_download") => {
            s(("model_id", Some(0)), ("revision", Some(2)), "ModelScope")
        }
        ("modelscope", "dataset_file_download") => {
            s(("dataset_id", Some(0)), ("revision", None), "ModelScope")
        }
        ("modelscope", "load") if module.ends_with("MsDataset") => s(
            ("dataset_name", Some(0)),
            ("version", Some(3)),
            "ModelScope",
        ),
        ("modelscope", "from_pretrained") => s(
            ("model_name_or_path", Some(0)),
            ("revision", None),
            "ModelScope",
        ),
        ("modelscope", "pipeline") => s(("model", Some(1)), ("model_revision", None), "ModelScope"),
        ("pycsghub", "snapshot_download" | "file_download") => {
            s(("repo_id", Some(0)), ("revision", None), "OpenCSG")
        }
        ("pycsghub", "from_pretrained") => s(
            ("pretrained_model_name_or_path", Some(0)),
            ("revision", None),
            "OpenCSG",
        ),
        ("openmind_hub", "snapshot_download" | "om_hub_download") => {
            s(("repo_id", Some(0)), ("revision", None), "openMind")
        }
        _ => None,
    }
}

impl Rule for UnpinnedHubDownload {
    fn method_names(&self) -> Option<Vec<&'static str>> {
        Some(LAST.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        let r = Resolver::new(ctx);
        let f = loading::callee_if(&r, call, &LAST);
        if f.is_empty() {
            return None;
        }
        match f.as_str() {
            "torch.hub.load" | "torch.hub.list" | "torch.hub.help" => torch_hub(ctx, &r, call, &f),
            "torch.hub.load_state_dict_from_url" | "torch.utils.model_zoo.load_url" => {
                let check = arg(call, "check_hash", Some(4));
                if check.is_some_and(|c| bool_value(&r, c) != Some(false)) {
                    return None;
                }
                unchecked_url(ctx, &r, call, &f, "check_hash=True")
            }
            "torch.hub.download_url_to_file" => {
                let hash = arg(call, "hash_prefix", Some(2));
                if hash.is_some_and(|h| !matches!(h, Expr::NoneLiteral(_))) {
                    return None;
                }
                unchecked_url(ctx, &r, call, &f, "hash_prefix")
            }
            _ => hub_download(ctx, &r, call, &f),
        }
    }
}

fn hub_download<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
    f: &str,
) -> Option<Issue> {
    let spec = spec(f)?;
    let is_pipeline = spec.repo.0 == "model";
    let repo = arg(call, spec.repo.0, spec.repo.1)
        .or_else(|| arg(call, "repo_id", None))
        .or_else(|| arg(call, "model_id", None))?;
    let target = loading::target(ctx, r, repo);
    let (confidence, what) = match &target {
        Target::Repo(id) => (High, quote(id)),
        Target::Unknown(_) if !is_pipeline => (Low, target.describe("a repository id")),
        _ => return None,
    };
    let revision = arg(call, spec.revision.0, spec.revision.1);
    let state = match revision {
        None => "without a revision (the default branch)".to_string(),
        Some(e) => match r.fold_str(e) {
            Some(s) if loading::is_commit_sha(&s) => return None,
            Some(s) => format!("at the moving revision {}", quote(&s)),
            None if matches!(e, Expr::NoneLiteral(_)) => {
                "without a revision (the default branch)".to_string()
            }
            None => "with a revision chosen at run time, not a literal commit".to_string(),
        },
    };
    Some(Issue::new(
        Medium,
        confidence,
        format!(
            "{f} fetches {what} from {} {state}: pin {}={} to a full 40-hex commit so the \
             files cannot change under this model.",
            spec.hub,
            spec.revision.0,
            quote("<commit sha>")
        ),
    ))
}

fn torch_hub<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
    f: &str,
) -> Option<Issue> {
    let source = arg(call, "source", None).and_then(|s| r.fold_str(s));
    if source.as_deref() == Some("local") {
        return None;
    }
    let repo = arg(call, "repo_or_dir", Some(0)).or_else(|| arg(call, "github", None))?;
    let target = loading::target(ctx, r, repo);
    let spec = match &target {
        Target::Repo(s) => s.clone(),
        Target::Local(_) => return None,
        Target::Unknown(_) => {
            return Some(Issue::new(
                Medium,
                Low,
                format!(
                    "{f} fetches {} from GitHub; unless the name ends in ':<40-hex commit>' \
                     the default branch or a movable tag is downloaded.",
                    target.describe("a repository")
                ),
            ));
        }
        Target::Url(_) => return None,
    };
    let (name, reference) = match spec.split_once(':') {
        Some((n, r)) => (n, Some(r)),
        None => (spec.as_str(), None),
    };
    let state = match reference {
        Some(r) if loading::is_commit_sha(r) => return None,
        Some(r) => format!("at the branch or tag {} (can move)", quote(r)),
        None => "at its default branch (main, else master)".to_string(),
    };
    Some(Issue::new(
        Medium,
        High,
        format!(
            "{f} downloads the GitHub repository {} {state}: its hubconf.py and weights are \
             whatever that ref points to at load time; pin '{name}:<40-hex commit>'.",
            quote(name)
        ),
    ))
}

fn unchecked_url<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
    f: &str,
    fix: &str,
) -> Option<Issue> {
    let url = arg(call, "url", Some(0))?;
    let target = loading::target(ctx, r, url);
    let severity = match &target {
        Target::Url(u) if u.starts_with("http://") => High,
        Target::Local(_) => Low,
        _ => Medium,
    };
    Some(Issue::new(
        severity,
        High,
        format!(
            "{f} downloads {} without an integrity check ({fix}): any bytes served at that \
             URL are accepted and cached.",
            target.describe("a URL")
        ),
    ))
}
