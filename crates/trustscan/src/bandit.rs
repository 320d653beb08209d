//! `check --bandit-config`: Bandit's test selection and plugin settings, as Bandit's own
//! functional tests configure them.

use std::path::Path;
use trustscan_python::Options;

/// Options from a Bandit-style JSON configuration: `{"tests": [IDs] | null, "config":
/// {"B101": {"skips": [...]}, ...}}` (used to run Bandit's own functional tests).
pub fn options(path: &Path, honor_nosec: bool) -> Result<Options, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut o = Options {
        honor_nosec,
        ..Default::default()
    };
    if let Some(tests) = v.get("tests").and_then(|t| t.as_array()) {
        o.select = Some(
            tests
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
        );
    }
    let cfg = v.get("config").cloned().unwrap_or_default();
    let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(|x| x.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(b101) = cfg.get("B101") {
        o.assert_skips = strings(b101.get("skips"));
    }
    if let Some(b) = cfg.get("B110").and_then(|c| c.get("check_typed_exception")) {
        o.try_except_pass_typed = b.as_bool().unwrap_or(false);
    }
    if let Some(b) = cfg.get("B112").and_then(|c| c.get("check_typed_exception")) {
        o.try_except_continue_typed = b.as_bool().unwrap_or(false);
    }
    if let Some(m) = cfg.get("markupsafe_xss") {
        o.markup_names_extend = strings(m.get("extend_markup_names"));
        o.markup_allowed_calls = strings(m.get("allowed_calls"));
    }
    Ok(o)
}
