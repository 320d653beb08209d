use crate::literal::{Keywords, Lit, arg_at};
use crate::pyast::{imported_like, is_constant, keyword_line};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B615 huggingface_unsafe_download.
    ///
    /// ## What it does
    /// In files that import `transformers`, `datasets` or `huggingface_hub`, reports downloads
    /// from the Hugging Face Hub (`from_pretrained`, `load_dataset`, `hf_hub_download`,
    /// `snapshot_download`) not pinned to a commit: no `revision`/`commit_id`, or one that does
    /// not look like a commit hash (seven or more hexadecimal digits). Local paths (`./`, `../`,
    /// `/`) and revisions given as expressions are not reported.
    ///
    /// ## Why is this bad?
    /// A branch or tag can be moved: whoever controls the repository (or takes it over) can
    /// change the files, including code and pickles, that the next run downloads and loads.
    pub struct HuggingfaceUnsafeDownload {
        id: "B615",
        name: "huggingface_unsafe_download",
        cwe: 494,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "AutoModel.from_pretrained(\"org/model\")",
    }
}

/// Function name → the module that must be part of the qualified name.
const UNSAFE: &[(&str, &str)] = &[
    ("from_pretrained", "transformers"),
    ("load_dataset", "datasets"),
    ("hf_hub_download", "huggingface_hub"),
    ("snapshot_download", "huggingface_hub"),
    ("repository_id", "huggingface_hub"),
];

/// Looks like a commit hash once quotes are stripped: seven or more hexadecimal digits.
fn is_commit_hash(revision: &str) -> bool {
    let r = revision.trim_matches(|c| c == '"' || c == '\'');
    r.chars().count() >= 7 && r.chars().all(|c| c.is_ascii_hexdigit())
}

impl Rule for HuggingfaceUnsafeDownload {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(UNSAFE.iter().map(|(f, _)| *f).collect())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        // The cheap name tests first: the import scan is a substring search per import.
        let func = ctx.name();
        let (_, module) = UNSAFE.iter().find(|(f, _)| *f == func)?;
        if !ctx.qualname.split('.').any(|p| p == *module)
            || !["transformers", "datasets", "huggingface_hub"]
                .iter()
                .any(|m| imported_like(ctx, m))
        {
            return None;
        }
        // A revision given as an expression cannot be judged: Bandit gives it the benefit of
        // the doubt.
        let dynamic = call.arguments.keywords.iter().any(|k| {
            k.arg
                .as_ref()
                .is_some_and(|a| a.as_str() == "revision" || a.as_str() == "commit_id")
                && !is_constant(&k.value)
        });
        if dynamic {
            return None;
        }
        let keywords = Keywords::of(call).ok()?;
        let revision = keywords.value("revision");
        let revision = if revision.truthy() {
            revision
        } else {
            keywords.value("commit_id")
        };
        if let Lit::Str(r) = &revision
            && is_commit_hash(r)
        {
            return None;
        }
        if let Lit::Str(first) = arg_at(call, 0).ok()?
            && ["./", "/", "../"].iter().any(|p| first.starts_with(p))
        {
            return None;
        }
        let mut issue = META.issue(format!(
            "Unsafe Hugging Face Hub download without revision pinning in {func}()"
        ));
        issue.line = keyword_line(ctx, call, func);
        Some(issue)
    }
}

#[cfg(test)]
mod tests {
    fn lines(src: &str) -> Vec<u32> {
        crate::rules::findings_of(&["B615"], src)
            .into_iter()
            .map(|f| f.location.line)
            .collect()
    }

    #[test]
    fn revisions() {
        let src = "from transformers import AutoModel\n\
                   AutoModel.from_pretrained('m', revision='\"abcdef1\"')\n\
                   AutoModel.from_pretrained('m', revision=None)\n\
                   AutoModel.from_pretrained('m', revision='', commit_id='abcdef12')\n\
                   AutoModel.from_pretrained('m', revision=-1)\n\
                   AutoModel.from_pretrained('m', revision=f'{x}')\n\
                   AutoModel.from_pretrained('m', revision='main')\n\
                   AutoModel.from_pretrained('./m')\n\
                   AutoModel.from_pretrained(b'./m')\n";
        // Quotes are stripped; `None` is the string "None"; an empty revision falls back to
        // commit_id; `-1` and f-strings are not constants; bytes are not a local path.
        assert_eq!(lines(src), vec![3, 7, 9]);
    }
}
