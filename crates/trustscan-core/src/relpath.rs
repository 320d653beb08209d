//! The one normaliser of relative `/` paths: `.` and empty components vanish, `..` cancels
//! the component before it. Callers differ only in what a `..` with nothing left to cancel
//! means: [`join_within`] fails (a path that leaves the repository), [`push_keeping_climbs`]
//! keeps it (a path relative to a directory it may leave).

/// What a `..` does when no component is left to cancel.
#[derive(Clone, Copy)]
enum Above {
    /// The path climbs out of its root: normalising fails.
    Fail,
    /// The `..` stays, leading the path (a path relative to a directory it may leave).
    Keep,
}

/// Applies the components `rel` to the path `parts`; `None` when a `..` climbs above the root
/// under [`Above::Fail`].
fn apply<'a, S>(
    parts: &mut Vec<S>,
    rel: impl IntoIterator<Item = &'a str>,
    above: Above,
) -> Option<()>
where
    S: AsRef<str> + From<&'a str>,
{
    for c in rel {
        match c {
            "" | "." => {}
            ".." => match above {
                Above::Fail => {
                    parts.pop()?;
                }
                Above::Keep if parts.last().is_none_or(|p| p.as_ref() == "..") => {
                    parts.push("..".into())
                }
                Above::Keep => {
                    parts.pop();
                }
            },
            c => parts.push(c.into()),
        }
    }
    Some(())
}

/// Applies the components `rel` to the path `parts`, where a `..` with nothing to cancel
/// stays at the front (`a` + `../../b` is `../b`).
pub fn push_keeping_climbs<'a, S>(parts: &mut Vec<S>, rel: impl IntoIterator<Item = &'a str>)
where
    S: AsRef<str> + From<&'a str>,
{
    // Keeping climbs never fails.
    let _ = apply(parts, rel, Above::Keep);
}

/// The directory `dir` joined with the relative components `rel`, normalised; `None` when the
/// result would climb above the root.
pub fn join_within<'a>(dir: &'a str, rel: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    apply(&mut parts, dir.split('/'), Above::Fail)?;
    apply(&mut parts, rel, Above::Fail)?;
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_stay_inside_the_root() {
        assert_eq!(join_within("x", ["..", "lib"]).as_deref(), Some("lib"));
        assert_eq!(
            join_within("a//b/", "./c/../d.py".split('/')).as_deref(),
            Some("a/b/d.py")
        );
        assert_eq!(
            join_within("configs/det", "../_base_/model.py".split('/')).as_deref(),
            Some("configs/_base_/model.py")
        );
        assert_eq!(join_within("", [".."]), None);
        assert_eq!(join_within("a", "../..".split('/')), None);
    }

    #[test]
    fn kept_climbs_lead_the_path() {
        let mut parts: Vec<String> = vec!["a".into()];
        push_keeping_climbs(&mut parts, "../../b/./c/..".split('/'));
        assert_eq!(parts, ["..", "b"]);
    }
}
