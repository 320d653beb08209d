//! AutoTokenizer, AutoFeatureExtractor, AutoImageProcessor, AutoVideoProcessor and
//! AutoProcessor: which files each reads, where it finds a class reference, when it runs the
//! configuration code first, per transformers version.

use super::flow::{CONFIG, Flow, object_or_empty, origin};
use super::templates;
use super::version::TfVersion;
use crate::pyimport::Abort;
use serde_json::Value;
use trustscan_core::{Certainty, Note};

/// A single-purpose loader tried when no processor class exists.
type Loader = fn(&mut Flow) -> Result<(), Abort>;

const TOKENIZER_CONFIG: &str = "tokenizer_config.json";
const PREPROCESSOR: &str = "preprocessor_config.json";
const PROCESSOR: &str = "processor_config.json";
const VIDEO_PREPROCESSOR: &str = "video_preprocessor_config.json";

/// A class reference and where it came from.
struct Ref {
    value: Value,
    file: String,
    key: String,
}

fn lookup(dict: &Value, key: &str, file: &str, map_key: &str) -> Option<Ref> {
    dict.get("auto_map")
        .and_then(|m| m.get(map_key))
        .filter(|v| !v.is_null())
        .map(|v| Ref {
            value: v.clone(),
            file: file.to_string(),
            key: key.to_string(),
        })
}

fn str_field(dict: &Value, key: &str) -> Option<String> {
    dict.get(key).and_then(|v| v.as_str()).map(str::to_string)
}

fn unreadable(file: &str) -> Abort {
    Abort {
        message: format!("OSError: {file} cannot be read as JSON"),
    }
}

/// Load a class reference that must be a string.
fn load_str(f: &mut Flow, r: &Ref, class_ref: &str, role: &str) -> Result<(), Abort> {
    f.load(class_ref, origin(&r.file, &r.key, class_ref), role)
}

/// AutoTokenizer. 5.x always runs AutoConfig first and catches its ValueError/OSError, then
/// reads `tokenizer_config.json` (never config.json's auto_map) and prefers the fast class.
/// 4.57 reads `tokenizer_config.json` first and runs AutoConfig only when it names no
/// `tokenizer_class`; config.json's `auto_map.AutoTokenizer` then overrides.
pub fn auto_tokenizer(f: &mut Flow) -> Result<(), Abort> {
    let tc =
        object_or_empty(f.repo, TOKENIZER_CONFIG).ok_or_else(|| unreadable(TOKENIZER_CONFIG))?;
    let tc_auto = match tc.get("auto_map") {
        Some(Value::Array(pair)) => Some(Ref {
            value: Value::Array(pair.clone()),
            file: TOKENIZER_CONFIG.into(),
            key: "auto_map".into(),
        }),
        Some(Value::Object(_)) => lookup(
            &tc,
            "auto_map.AutoTokenizer",
            TOKENIZER_CONFIG,
            "AutoTokenizer",
        ),
        _ => None,
    };
    let chosen = match f.v {
        TfVersion::V5 => {
            let r = f.auto_config();
            f.swallow(
                r,
                &["ValueError", "OSError", "FileNotFoundError"],
                "the configuration code",
            )?;
            tc_auto
        }
        TfVersion::V4 => {
            if str_field(&tc, "tokenizer_class").is_none() {
                f.auto_config()?;
                let file = f.config_file();
                match f.config_auto_map("AutoTokenizer") {
                    Some(v) => Some(Ref {
                        value: v,
                        file,
                        key: "auto_map.AutoTokenizer".into(),
                    }),
                    None => tc_auto,
                }
            } else {
                tc_auto
            }
        }
    };
    if let Some(r) = chosen {
        // Both versions index the value as a [slow, fast] pair.
        let class_ref = match &r.value {
            Value::Array(pair) => {
                let fast = pair.get(1).filter(|v| !v.is_null());
                match fast.or_else(|| pair.first()) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => {
                        return Err(Abort {
                            message: format!(
                                "TypeError: {} {} has neither a fast nor a slow class",
                                r.file, r.key
                            ),
                        });
                    }
                    Some(other) => {
                        return Err(Abort {
                            message: format!("TypeError: {} {} holds {other}", r.file, r.key),
                        });
                    }
                }
            }
            Value::String(s) => {
                // `"mod.Cls"[1]` is one character: never a usable reference.
                return Err(Abort {
                    message: format!(
                        "ValueError: {} {} is the string {s:?}; transformers indexes it as a \
                         [slow, fast] pair and gets the character {:?}",
                        r.file,
                        r.key,
                        s.chars().nth(1).unwrap_or(' ')
                    ),
                });
            }
            other => {
                return Err(Abort {
                    message: format!("TypeError: {} {} holds {other}", r.file, r.key),
                });
            }
        };
        load_str(
            f,
            &r,
            &class_ref,
            "tokenizer class: its from_pretrained runs",
        )?;
    } else {
        builtin_tokenizer(f, &tc)?;
    }
    templates::tokenizer_templates(f);
    Ok(())
}

/// Files a built-in tokenizer can be built from.
pub const TOKENIZER_FILES: [&str; 7] = [
    "tokenizer.json",
    "tokenizer.model",
    "vocab.json",
    "vocab.txt",
    "spiece.model",
    "sentencepiece.bpe.model",
    "merges.txt",
];

/// Without repository code the tokenizer is a built-in class: 4.57 needs a class name (from
/// tokenizer_config.json or a built-in configuration), 5.x needs tokenizer files.
fn builtin_tokenizer(f: &Flow, tc: &Value) -> Result<(), Abort> {
    let ok = match f.v {
        TfVersion::V4 => {
            str_field(tc, "tokenizer_class").is_some() || f.config_auto_map("AutoConfig").is_none()
        }
        TfVersion::V5 => TOKENIZER_FILES.iter().any(|t| f.repo.has_file(t)),
    };
    if ok {
        Ok(())
    } else {
        Err(Abort {
            message: format!(
                "ValueError: transformers {} finds no tokenizer class or tokenizer files to build \
                 a tokenizer from",
                f.v.label()
            ),
        })
    }
}

/// A loader that found neither a class reference nor a `*_type` raises.
fn unrecognized(what: &str) -> Abort {
    Abort {
        message: format!("ValueError: Unrecognized {what}: no {what} class is named anywhere"),
    }
}

/// The dictionary a feature extractor reads: 5.x prefers a nested `feature_extractor` (or
/// `audio_processor`) entry of `processor_config.json`, then `preprocessor_config.json`;
/// 4.57 takes the first of `preprocessor_config.json`, `processor_config.json`.
fn feature_extractor_dict(f: &Flow) -> Result<(Value, String), Abort> {
    dict_source(
        f,
        &["feature_extractor", "audio_processor"],
        &[PREPROCESSOR],
        &[PREPROCESSOR, PROCESSOR],
        "feature_extractor",
    )
}

/// The shared shape of `get_*_dict`: 5.x: a nested entry of processor_config.json, else the
/// first existing 5.x file; 4.57: the first existing 4.57 file, then its nested entry.
fn dict_source(
    f: &Flow,
    nested_v5: &[&str],
    files_v5: &[&str],
    files_v4: &[&str],
    nested_v4: &str,
) -> Result<(Value, String), Abort> {
    let read = |file: &str| -> Result<Option<Value>, Abort> {
        match &*f.repo.json(file) {
            crate::repo::Json::Absent => Ok(None),
            crate::repo::Json::Value(v) => Ok(Some(v.clone())),
            crate::repo::Json::Unreadable(_) => Err(unreadable(file)),
        }
    };
    match f.v {
        TfVersion::V5 => {
            if let Some(p) = read(PROCESSOR)? {
                for key in nested_v5 {
                    if let Some(inner) = p.get(*key).filter(|v| v.is_object()) {
                        return Ok((inner.clone(), format!("{PROCESSOR} {key}")));
                    }
                }
            }
            for file in files_v5 {
                if let Some(v) = read(file)? {
                    return Ok((v, file.to_string()));
                }
            }
        }
        TfVersion::V4 => {
            for file in files_v4 {
                if let Some(v) = read(file)? {
                    let inner = v.get(nested_v4).filter(|x| x.is_object()).cloned();
                    return Ok(match inner {
                        Some(i) => (i, format!("{file} {nested_v4}")),
                        None => (v, file.to_string()),
                    });
                }
            }
        }
    }
    Err(Abort {
        message: format!(
            "OSError: none of {} exists",
            match f.v {
                TfVersion::V5 => files_v5.join(", "),
                TfVersion::V4 => files_v4.join(", "),
            }
        ),
    })
}

/// AutoFeatureExtractor: the dict's `feature_extractor_type` / `auto_map`; AutoConfig (and
/// config.json's auto_map) only when the dict names neither.
pub fn auto_feature_extractor(f: &mut Flow) -> Result<(), Abort> {
    let (dict, file) = feature_extractor_dict(f)?;
    let mut r = lookup(
        &dict,
        "auto_map.AutoFeatureExtractor",
        &file,
        "AutoFeatureExtractor",
    );
    if r.is_none() && str_field(&dict, "feature_extractor_type").is_none() {
        f.auto_config()?;
        let cfile = f.config_file();
        if let Some(v) = f.config_auto_map("AutoFeatureExtractor") {
            r = Some(Ref {
                value: v,
                file: cfile,
                key: "auto_map.AutoFeatureExtractor".into(),
            });
        }
    }
    match r {
        Some(r) => {
            let class_ref = string_ref(&r)?;
            load_str(f, &r, &class_ref, "feature extractor class")
        }
        None if str_field(&dict, "feature_extractor_type").is_some() => Ok(()),
        None => Err(unrecognized("feature extractor")),
    }
}

fn string_ref(r: &Ref) -> Result<String, Abort> {
    match &r.value {
        Value::String(s) => Ok(s.clone()),
        other => Err(Abort {
            message: format!(
                "AttributeError: {} {} is {}, and this loader only accepts a string",
                r.file,
                r.key,
                kind_of(other)
            ),
        }),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "a list",
        Value::Object(_) => "a dict",
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
    }
}

/// 5.x `_resolve_auto_map_class_ref`: a string as is; a list `[pil, torchvision]`; a dict by
/// backend. The backend is `torchvision` when it is installed, else `pil` (the caller can
/// force one), so a list or dict yields one reference per environment.
fn backend_candidates(
    r: &Ref,
    default_torchvision_only: bool,
) -> Result<Vec<(String, Option<String>)>, Abort> {
    let pick = |backend: &str| -> Option<String> {
        match &r.value {
            Value::String(s) => Some(s.clone()),
            Value::Array(list) => {
                let tv = list.get(1).filter(|v| !v.is_null());
                let chosen = if backend == "torchvision" && list.len() > 1 && tv.is_some() {
                    tv
                } else {
                    list.first()
                };
                chosen.and_then(|v| v.as_str()).map(str::to_string)
            }
            Value::Object(map) => map
                .get(backend)
                .filter(|v| !v.is_null() && v.as_str() != Some(""))
                .or_else(|| map.values().next())
                .and_then(|v| v.as_str())
                .map(str::to_string),
            _ => None,
        }
    };
    let backends: &[&str] = if default_torchvision_only {
        &["torchvision"]
    } else {
        &["torchvision", "pil"]
    };
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for b in backends {
        let Some(c) = pick(b) else {
            return Err(Abort {
                message: format!(
                    "TypeError: {} {} holds no usable class reference",
                    r.file, r.key
                ),
            });
        };
        if let Some(existing) = out.iter_mut().find(|(x, _)| *x == c) {
            existing.1 = None;
        } else {
            let cond = match *b {
                "torchvision" if !default_torchvision_only => {
                    Some("if torchvision is installed".to_string())
                }
                "pil" => Some("if torchvision is not installed".to_string()),
                _ => None,
            };
            out.push((c, cond));
        }
    }
    if out.len() == 1 {
        out[0].1 = None;
    }
    Ok(out)
}

/// Load each candidate, conditionally when the environment decides between them.
fn load_candidates(
    f: &mut Flow,
    r: &Ref,
    candidates: Vec<(String, Option<String>)>,
    role: &str,
) -> Result<(), Abort> {
    for (class_ref, condition) in candidates {
        let before = f.s.steps.len();
        let result = load_str(f, r, &class_ref, role);
        if let Some(c) = &condition {
            for s in &mut f.s.steps[before..] {
                s.certainty = Certainty::Conditional {
                    condition: c.clone(),
                };
            }
            if let Err(a) = result {
                f.note(Note::info(None, format!("{c}: {}", a.message)));
            }
        } else {
            result?;
        }
    }
    Ok(())
}

/// What differs between the image- and video-processor loaders.
struct ProcessorKind {
    name: &'static str,
    type_key: &'static str,
    map_key: &'static str,
    /// The older kind whose entries are rewritten into this one
    /// (`FeatureExtractor` → `ImageProcessor`, `ImageProcessor` → `VideoProcessor`).
    older_type_key: &'static str,
    older_map_key: &'static str,
    rewrite: (&'static str, &'static str),
    /// Whether a rewritten older `*_type` counts as a class name (a built-in feature
    /// extractor always has an image-processor twin; a video twin may not exist).
    older_type_counts: bool,
    /// 5.x backend when the caller names none: `torchvision` only for video processors.
    torchvision_default: bool,
}

const IMAGE: ProcessorKind = ProcessorKind {
    name: "image processor",
    type_key: "image_processor_type",
    map_key: "AutoImageProcessor",
    older_type_key: "feature_extractor_type",
    older_map_key: "AutoFeatureExtractor",
    rewrite: ("FeatureExtractor", "ImageProcessor"),
    older_type_counts: true,
    torchvision_default: false,
};

const VIDEO: ProcessorKind = ProcessorKind {
    name: "video processor",
    type_key: "video_processor_type",
    map_key: "AutoVideoProcessor",
    older_type_key: "image_processor_type",
    older_map_key: "AutoImageProcessor",
    rewrite: ("ImageProcessor", "VideoProcessor"),
    older_type_counts: false,
    torchvision_default: true,
};

/// AutoImageProcessor: the dict comes from `config.json` for a local timm checkpoint.
pub fn auto_image_processor(f: &mut Flow) -> Result<(), Abort> {
    let timm = f.is_local()
        && f.repo
            .json(CONFIG)
            .value()
            .is_some_and(|c| c.get("pretrained_cfg").is_some());
    let (dict, file) = if timm {
        (
            f.repo.json(CONFIG).value().cloned().unwrap_or_default(),
            CONFIG.to_string(),
        )
    } else {
        dict_source(
            f,
            &["image_processor"],
            &[PREPROCESSOR],
            &[PREPROCESSOR, PROCESSOR],
            "image_processor",
        )?
    };
    load_processor(f, &IMAGE, &dict, &file)
}

/// AutoVideoProcessor.
pub fn auto_video_processor(f: &mut Flow) -> Result<(), Abort> {
    let (dict, file) = dict_source(
        f,
        &["video_processor"],
        &[VIDEO_PREPROCESSOR, PREPROCESSOR],
        &[VIDEO_PREPROCESSOR, PREPROCESSOR, PROCESSOR],
        "video_processor",
    )?;
    load_processor(f, &VIDEO, &dict, &file)
}

/// The shared resolution of the image and video loaders: the dict's `*_type` and
/// `auto_map`; else the older kind's entries, rewritten as whole strings; then the
/// configuration (5.x whenever `*_type` is missing, its auto_map winning; 4.57 only when
/// nothing was found); then the class, by backend in 5.x.
fn load_processor(
    f: &mut Flow,
    kind: &ProcessorKind,
    dict: &Value,
    file: &str,
) -> Result<(), Abort> {
    let mut type_name = str_field(dict, kind.type_key);
    let mut r = lookup(
        dict,
        &format!("auto_map.{}", kind.map_key),
        file,
        kind.map_key,
    );
    if r.is_none() && type_name.is_none() {
        if kind.older_type_counts {
            type_name = str_field(dict, kind.older_type_key)
                .map(|t| t.replace(kind.rewrite.0, kind.rewrite.1));
        }
        if let Some(older) = lookup(
            dict,
            &format!("auto_map.{}", kind.older_map_key),
            file,
            kind.older_map_key,
        ) {
            match &older.value {
                Value::String(s) => {
                    r = Some(Ref {
                        value: Value::String(s.replace(kind.rewrite.0, kind.rewrite.1)),
                        ..older
                    })
                }
                other => {
                    return Err(Abort {
                        message: format!(
                            "AttributeError: {file} auto_map.{} is {}",
                            kind.older_map_key,
                            kind_of(other)
                        ),
                    });
                }
            }
        }
    }
    let run_config = match f.v {
        TfVersion::V5 => type_name.is_none(),
        TfVersion::V4 => type_name.is_none() && r.is_none(),
    };
    if run_config {
        let result = f.auto_config();
        match f.v {
            TfVersion::V5 => f.swallow(result, &["ValueError"], "the configuration code")?,
            TfVersion::V4 => result?,
        }
        let cfile = f.config_file();
        if let Some(v) = f.config_auto_map(kind.map_key) {
            r = Some(Ref {
                value: v,
                file: cfile,
                key: format!("auto_map.{}", kind.map_key),
            });
        }
    }
    let Some(r) = r else {
        return if type_name.is_some() {
            Ok(())
        } else {
            Err(unrecognized(kind.name))
        };
    };
    let candidates = match f.v {
        TfVersion::V5 => backend_candidates(&r, kind.torchvision_default)?,
        TfVersion::V4 => vec![(string_ref(&r)?, None)],
    };
    load_candidates(f, &r, candidates, &format!("{} class", kind.name))
}

/// AutoProcessor: reads processor_config.json, then an image or video preprocessor config,
/// then tokenizer_config.json, then the configuration, stopping at the first that names a
/// `processor_class`; each `auto_map.AutoProcessor` it meets overrides the previous one.
/// Without any processor it falls back to the tokenizer and the other processor loaders.
pub fn auto_processor(f: &mut Flow) -> Result<(), Abort> {
    let mut processor_class: Option<String> = None;
    let mut r: Option<Ref> = None;
    let consider =
        |dict: &Value, file: &str, processor_class: &mut Option<String>, r: &mut Option<Ref>| {
            if let Some(c) = str_field(dict, "processor_class") {
                *processor_class = Some(c);
            }
            if let Some(found) = lookup(dict, "auto_map.AutoProcessor", file, "AutoProcessor") {
                *r = Some(found);
            }
        };
    if let Some(p) = f.repo.json(PROCESSOR).value().cloned() {
        consider(&p, PROCESSOR, &mut processor_class, &mut r);
    }
    if processor_class.is_none() {
        if f.repo.json(PREPROCESSOR).exists() {
            let (d, file) = dict_source(
                f,
                &["image_processor"],
                &[PREPROCESSOR],
                &[PREPROCESSOR, PROCESSOR],
                "image_processor",
            )?;
            consider(&d, &file, &mut processor_class, &mut r);
        } else if f.repo.json(VIDEO_PREPROCESSOR).exists() {
            let (d, file) = dict_source(
                f,
                &["video_processor"],
                &[VIDEO_PREPROCESSOR, PREPROCESSOR],
                &[VIDEO_PREPROCESSOR, PREPROCESSOR, PROCESSOR],
                "video_processor",
            )?;
            consider(&d, &file, &mut processor_class, &mut r);
        }
    }
    if processor_class.is_none()
        && let Some(t) = f.repo.json(TOKENIZER_CONFIG).value().cloned()
    {
        consider(&t, TOKENIZER_CONFIG, &mut processor_class, &mut r);
    }
    if processor_class.is_none() {
        let result = f.auto_config();
        match f.v {
            TfVersion::V5 => f.swallow(result, &["ValueError"], "the configuration code")?,
            TfVersion::V4 => result?,
        }
        let cfile = f.config_file();
        if let Some(c) = f.config_str("processor_class") {
            processor_class = Some(c);
        }
        if let Some(v) = f.config_auto_map("AutoProcessor") {
            r = Some(Ref {
                value: v,
                file: cfile,
                key: "auto_map.AutoProcessor".into(),
            });
        }
    }
    templates::processor_templates(f);
    if let Some(r) = r {
        let class_ref = string_ref(&r)?;
        load_str(
            f,
            &r,
            &class_ref,
            "processor class: its from_pretrained loads the sub-processors",
        )?;
        f.note(Note::info(
            None,
            "a processor's from_pretrained usually loads its tokenizer and image processor \
             through the Auto classes: their plans apply too",
        ));
        return Ok(());
    }
    if processor_class.is_some() {
        return Ok(());
    }
    // No processor at all: fall back to the single-purpose loaders, first success wins
    // (5.x ignores every error on the way; 4.57 moves on after an error).
    let loaders: &[(&str, Loader)] = match f.v {
        TfVersion::V5 => &[
            ("AutoTokenizer", auto_tokenizer),
            ("AutoImageProcessor", auto_image_processor),
            ("AutoVideoProcessor", auto_video_processor),
            ("AutoFeatureExtractor", auto_feature_extractor),
        ],
        TfVersion::V4 => &[
            ("AutoTokenizer", auto_tokenizer),
            ("AutoImageProcessor", auto_image_processor),
            ("AutoFeatureExtractor", auto_feature_extractor),
        ],
    };
    for (name, loader) in loaders {
        match loader(f) {
            Ok(()) => return Ok(()),
            Err(a) => f.note(Note::info(
                None,
                format!(
                    "transformers {}: the {name} fallback fails ({}); the next one is tried",
                    f.v.label(),
                    a.message
                ),
            )),
        }
    }
    Err(Abort {
        message: "ValueError: Unrecognized processing class: no processor, tokenizer, image \
                  processor or feature extractor can be built"
            .into(),
    })
}
