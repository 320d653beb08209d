//! A directory that is no model repository but holds some (`scan examples/` instead of
//! `scan examples/*/`): each of them loads on its own, so the scan says so and how to scan
//! them; an UNRECOGNISED verdict stays, with them named in its reason.

use std::path::Path;
use trustscan_source::{OpenOptions, Target};

/// Subdirectories looked at, at most (a site-packages has hundreds).
const MAX_CHILDREN: usize = 256;
/// Files listed in each, at most: enough for any loader's marker files.
const MAX_FILES: usize = 4096;
/// Repositories named in the reason.
const NAMED: usize = 5;

/// The names of `dir`'s subdirectories that are model repositories of their own (a loading
/// API recognises them), in name order.
pub fn repositories_below(dir: &Path, plan_options: &trustscan_load::PlanOptions) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut children: Vec<std::path::PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    children.sort();
    let options = OpenOptions {
        max_files: Some(MAX_FILES),
        ..Default::default()
    };
    children
        .iter()
        .take(MAX_CHILDREN)
        .filter(|child| {
            let Ok(snapshot) = trustscan_source::open(&Target::Path(child.to_path_buf()), &options)
            else {
                return false;
            };
            let text = child.display().to_string();
            !trustscan_load::plan(&text, snapshot.as_ref(), plan_options)
                .apis
                .is_empty()
        })
        .filter_map(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect()
}

/// "N of its directories are model repositories (a, b, ...): scan them with ...".
pub fn advice(dir: &Path, found: &[String]) -> String {
    let names = trustscan_core::text::listed(found, NAMED);
    let shown = dir.display().to_string();
    let shown = shown.trim_end_matches('/');
    format!(
        "{} of its directories {} ({names}), each loaded on its own: scan them with \
         `trustscan scan {shown}/*/`",
        found.len(),
        if found.len() == 1 {
            "is a model repository"
        } else {
            "are model repositories"
        },
    )
}
