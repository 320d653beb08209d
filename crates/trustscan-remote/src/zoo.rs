//! OpenMMLab models by model-zoo name (`mmlab:mmdet/rtmdet_tiny_8xb32-300e_coco`): the name is
//! looked up in the package repository's metafiles (`model-index.yml` imports one
//! `metafile.yml` per model family; each lists `Models` with `Name`, `Config` and `Weights`),
//! as `mim download` and the inferencers do (reference/loaders.md §5.2).

use serde_json::Value;
use trustscan_core::{ZooModel, ZooWeights};
use trustscan_source::Snapshot;

/// The GitHub repository of each package `mim` knows by name.
pub const PACKAGES: &[(&str, &str)] = &[
    ("mmdet", "open-mmlab/mmdetection"),
    ("mmdet3d", "open-mmlab/mmdetection3d"),
    ("mmpretrain", "open-mmlab/mmpretrain"),
    ("mmcls", "open-mmlab/mmclassification"),
    ("mmseg", "open-mmlab/mmsegmentation"),
    ("mmpose", "open-mmlab/mmpose"),
    ("mmocr", "open-mmlab/mmocr"),
    ("mmaction2", "open-mmlab/mmaction2"),
    ("mmagic", "open-mmlab/mmagic"),
    ("mmrotate", "open-mmlab/mmrotate"),
    ("mmtrack", "open-mmlab/mmtracking"),
    ("mmyolo", "open-mmlab/mmyolo"),
];

/// Metafiles are small; a larger one is refused.
const MAX_METAFILE: u64 = 8 << 20;

pub fn repository(package: &str) -> Option<&'static str> {
    PACKAGES
        .iter()
        .find(|(p, _)| *p == package)
        .map(|(_, r)| *r)
}

/// The metafiles to search, most likely first: those `model-index.yml` imports (or every
/// `metafile.yml`), ordered so that a family directory the name starts with comes first
/// (`rtmdet_tiny_...` is in `configs/rtmdet/metafile.yml`).
fn metafiles(snapshot: &dyn Snapshot, model: &str) -> Vec<String> {
    let imported: Option<Vec<String>> = snapshot
        .read_text("model-index.yml", MAX_METAFILE)
        .ok()
        .flatten()
        .and_then(|b| serde_saphyr::from_str::<Value>(&String::from_utf8_lossy(&b)).ok())
        .and_then(|v| {
            v.get("Import")?.as_array().map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(|s| s.trim_start_matches("./").to_string()))
                    .collect()
            })
        });
    let mut found = imported.unwrap_or_else(|| {
        snapshot
            .files()
            .iter()
            .filter(|f| matches!(f.name(), "metafile.yml" | "metafile.yaml"))
            .map(|f| f.path.clone())
            .collect()
    });
    let family = |p: &String| {
        let dir = p.rsplit('/').nth(1).unwrap_or("").to_ascii_lowercase();
        let m = model.to_ascii_lowercase();
        // Longest family directory that starts the name first; the rest in their order.
        std::cmp::Reverse(if !dir.is_empty() && m.starts_with(&dir) {
            dir.len()
        } else {
            0
        })
    };
    found.sort_by_key(family);
    found
}

/// Finds `model` (its `Name`, or its config's file name without `.py`) and names where each
/// checkpoint will appear in the snapshot (`checkpoints/<file name>`).
pub fn find(snapshot: &dyn Snapshot, model: &str) -> Result<ZooModel, String> {
    let mut names = Vec::new();
    for metafile in metafiles(snapshot, model) {
        let bytes = match snapshot.read_text(&metafile, MAX_METAFILE) {
            Ok(Some(b)) => b,
            Ok(None) => continue,
            Err(e) => return Err(format!("{metafile}: {e}")),
        };
        let doc: Value = serde_saphyr::from_str(&String::from_utf8_lossy(&bytes))
            .map_err(|e| format!("{metafile} is not valid YAML: {e}"))?;
        for m in doc
            .get("Models")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = m.get("Name").and_then(Value::as_str).unwrap_or_default();
            let config = m.get("Config").and_then(Value::as_str).unwrap_or_default();
            let stem = config
                .rsplit('/')
                .next()
                .unwrap_or("")
                .trim_end_matches(".py");
            if name != model && stem != model {
                names.push(name.to_string());
                continue;
            }
            if config.is_empty() {
                return Err(format!("{metafile}: model {name} names no Config"));
            }
            let urls: Vec<String> = match m.get("Weights") {
                Some(Value::String(w)) => vec![w.clone()],
                Some(Value::Array(ws)) => ws
                    .iter()
                    .filter_map(|w| w.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            let weights = urls
                .into_iter()
                .map(|url| {
                    let file = url
                        .split(['?', '#'])
                        .next()
                        .unwrap_or("")
                        .rsplit('/')
                        .next()
                        .filter(|f| crate::hub::safe_path(f))
                        .unwrap_or("checkpoint.pth")
                        .to_string();
                    ZooWeights {
                        path: format!("checkpoints/{file}"),
                        url,
                    }
                })
                .collect();
            return Ok(ZooModel {
                name: name.to_string(),
                metafile: metafile.clone(),
                config: config.trim_start_matches("./").to_string(),
                weights,
            });
        }
    }
    let lower = model.to_ascii_lowercase();
    let mut close: Vec<&String> = names
        .iter()
        .filter(|n| {
            let n = n.to_ascii_lowercase();
            n.contains(&lower)
                || lower.contains(&n)
                || n.split('_').next() == lower.split('_').next()
        })
        .collect();
    close.sort();
    close.dedup();
    close.truncate(5);
    Err(if close.is_empty() {
        format!("no model named {model:?} in the package's metafiles")
    } else {
        format!(
            "no model named {model:?} in the package's metafiles; close names: {}",
            close
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}
