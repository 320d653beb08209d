//! The loading APIs transformers offers for a snapshot, and what the model-side ones do:
//! AutoConfig, AutoModel*, the custom generate function, pipeline().

use super::dynamic::Env;
use super::flow::{CONFIG, Flow, origin};
use super::version::TfVersion;
use super::{ApiOutcome, ApiSpec, processors, weights};
use crate::pyimport::Abort;
use crate::repo::Repo;
use serde_json::Value;
use trustscan_core::{Certainty, Gate, Note, ReasonLink, Step, StepKind, Subject};

const CUSTOM_GENERATE: &str = "custom_generate/generate.py";
const ADAPTER: &str = "adapter_config.json";

fn spec(
    api: &str,
    run: impl Fn(&mut Flow) -> Result<(), Abort> + 'static,
    trust: impl Fn(&Repo) -> String + 'static,
) -> ApiSpec {
    ApiSpec {
        api: format!("{api}.from_pretrained"),
        call_args: ", trust_remote_code=True".into(),
        run: Box::new(move |repo: &Repo, v: TfVersion, env: &Env| -> ApiOutcome {
            let mut f = Flow::new(repo, v, env);
            let result = run(&mut f);
            if let Err(a) = result {
                f.fail(a);
            }
            f.finish()
        }),
        trust: Box::new(trust),
    }
}

fn auto_map_keys(repo: &Repo, file: &str) -> Vec<String> {
    match repo.json(file).value().and_then(|v| v.get("auto_map")) {
        Some(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Which APIs apply, from the files present.
pub fn specs(repo: &Repo) -> Vec<ApiSpec> {
    let mut out = Vec::new();
    let has = |f: &str| repo.json(f).exists();
    if has(CONFIG) {
        out.push(spec(
            "AutoConfig",
            |f| f.auto_config(),
            |repo| trust_text(repo, &[(CONFIG, "AutoConfig")]),
        ));
        let mut model_keys: Vec<String> = auto_map_keys(repo, CONFIG)
            .into_iter()
            .filter(|k| k.starts_with("AutoModel") || k.starts_with("AutoBackbone"))
            .collect();
        if model_keys.is_empty() {
            model_keys.push("AutoModel".into());
        }
        for key in model_keys {
            let (k, k2) = (key.clone(), key.clone());
            out.push(spec(
                &key,
                move |f| auto_model(f, &k),
                move |repo| trust_text(repo, &[(CONFIG, "AutoConfig"), (CONFIG, &k2)]),
            ));
        }
        if repo
            .json(CONFIG)
            .value()
            .and_then(|c| c.get("custom_pipelines"))
            .is_some_and(|p| p.as_object().is_some_and(|o| !o.is_empty()))
        {
            let mut p = spec("pipeline", pipeline, |repo| {
                trust_text(
                    repo,
                    &[(CONFIG, "AutoConfig"), (CONFIG, "custom_pipelines")],
                )
            });
            p.api = "pipeline".into();
            p.call_args = ", trust_remote_code=True".into();
            out.push(p);
        }
    }
    // The tokenizer and processor loaders apply when the repository carries what they read.
    let in_json = |file: &str, keys: &[&str]| {
        repo.json(file).value().is_some_and(|v| {
            keys.iter().any(|k| {
                v.get(*k).is_some()
                    || v.get("auto_map").and_then(|m| m.get(*k)).is_some()
                    || ["feature_extractor", "image_processor", "video_processor"]
                        .iter()
                        .any(|n| v.get(*n).and_then(|inner| inner.get(*k)).is_some())
            })
        })
    };
    let preprocessors = ["preprocessor_config.json", "processor_config.json"];
    if has("tokenizer_config.json")
        || in_json(CONFIG, &["AutoTokenizer"])
        || processors::TOKENIZER_FILES.iter().any(|t| repo.has_file(t))
    {
        out.push(spec("AutoTokenizer", processors::auto_tokenizer, |repo| {
            trust_text(
                repo,
                &[
                    ("tokenizer_config.json", "AutoTokenizer"),
                    (CONFIG, "AutoConfig"),
                ],
            )
        }));
    }
    let image_keys = [
        "image_processor_type",
        "AutoImageProcessor",
        "feature_extractor_type",
        "AutoFeatureExtractor",
    ];
    if preprocessors.iter().any(|p| in_json(p, &image_keys))
        || in_json(CONFIG, &["AutoImageProcessor"])
    {
        out.push(spec(
            "AutoImageProcessor",
            processors::auto_image_processor,
            |repo| {
                trust_text(
                    repo,
                    &[
                        ("preprocessor_config.json", "AutoImageProcessor"),
                        (CONFIG, "AutoConfig"),
                    ],
                )
            },
        ));
    }
    let fe_keys = ["feature_extractor_type", "AutoFeatureExtractor"];
    if preprocessors.iter().any(|p| in_json(p, &fe_keys))
        || in_json(CONFIG, &["AutoFeatureExtractor"])
    {
        out.push(spec(
            "AutoFeatureExtractor",
            processors::auto_feature_extractor,
            |repo| {
                trust_text(
                    repo,
                    &[
                        ("preprocessor_config.json", "AutoFeatureExtractor"),
                        (CONFIG, "AutoConfig"),
                    ],
                )
            },
        ));
    }
    if has("video_preprocessor_config.json") || in_json(CONFIG, &["AutoVideoProcessor"]) {
        out.push(spec(
            "AutoVideoProcessor",
            processors::auto_video_processor,
            |repo| {
                trust_text(
                    repo,
                    &[
                        ("video_preprocessor_config.json", "AutoVideoProcessor"),
                        (CONFIG, "AutoConfig"),
                    ],
                )
            },
        ));
    }
    let processor_keys = ["processor_class", "AutoProcessor"];
    if has("processor_config.json")
        || has("preprocessor_config.json")
        || has("video_preprocessor_config.json")
        || ["tokenizer_config.json", CONFIG]
            .iter()
            .any(|f| in_json(f, &processor_keys))
    {
        out.push(spec("AutoProcessor", processors::auto_processor, |repo| {
            trust_text(
                repo,
                &[
                    ("processor_config.json", "AutoProcessor"),
                    (CONFIG, "AutoConfig"),
                ],
            )
        }));
    }
    out
}

/// `AutoModel*.from_pretrained`: the adapter redirect, AutoConfig, the model class named by
/// `auto_map[<class>]`, the weights, the custom generate function.
fn auto_model(f: &mut Flow, key: &str) -> Result<(), Abort> {
    adapter_redirect(f);
    f.auto_config()?;
    match f.config_auto_map(key) {
        Some(Value::String(class_ref)) => {
            let file = f.config_file();
            f.load(
                &class_ref,
                origin(&file, &format!("auto_map.{key}"), &class_ref),
                "model class: its from_pretrained and constructor run, then the weights load",
            )?;
        }
        Some(other) => {
            return Err(Abort {
                message: format!(
                    "AttributeError: auto_map.{key} is {other}, not a class reference"
                ),
            });
        }
        None => {}
    }
    weights::weight_steps(f.repo, f.v, &mut f.s.steps, &mut f.s.notes);
    custom_generate(f)
}

/// `adapter_config.json` `base_model_name_or_path`: with PEFT installed, loading switches to
/// that model (4.57 always, 5.x only when this directory has no config.json).
fn adapter_redirect(f: &mut Flow) {
    let Some(base) = f
        .repo
        .json(ADAPTER)
        .value()
        .and_then(|a| a.get("base_model_name_or_path"))
        .and_then(|b| b.as_str())
        .map(str::to_string)
    else {
        return;
    };
    let redirects = match f.v {
        TfVersion::V4 => true,
        TfVersion::V5 => !f.is_local() || !f.repo.has_file(CONFIG),
    };
    if !redirects {
        return;
    }
    let step = Step::new(
        StepKind::FetchRepository,
        Subject::Repository {
            id: base.clone(),
            revision: None,
        },
        origin(ADAPTER, "base_model_name_or_path", &base),
        Gate::Default,
    )
    .with_certainty(Certainty::Conditional {
        condition: "if peft is installed".into(),
    })
    .with_detail(
        "the configuration, code and weights of the base model load instead of this \
         directory's: scan that repository too",
    );
    f.push(step);
}

/// `custom_generate/generate.py` replaces `generate` of a model that can generate. 5.x
/// requires trust_remote_code; 4.57 runs a local one without any opt-in and checks a Hub
/// one's imports before asking.
fn custom_generate(f: &mut Flow) -> Result<(), Abort> {
    if !f.repo.has_file(CUSTOM_GENERATE) {
        return Ok(());
    }
    let (imports_gate, exec_gate) = match (f.v, f.is_local()) {
        (TfVersion::V4, true) => (Gate::Default, Gate::Default),
        (TfVersion::V4, false) => (Gate::Default, Gate::TrustRemoteCode),
        (TfVersion::V5, _) => (Gate::TrustRemoteCode, Gate::TrustRemoteCode),
    };
    let chain = vec![ReasonLink::Rule {
        text: "from_pretrained of a model that can generate loads custom_generate/generate.py"
            .into(),
    }];
    f.s.load_module_file(
        CUSTOM_GENERATE,
        chain,
        imports_gate,
        exec_gate,
        Some("if the model class can generate".into()),
    )?;
    if f.repo.has_file("custom_generate/requirements.txt") {
        f.note(Note::info(
            Some("custom_generate/requirements.txt"),
            "versions are checked against installed packages; nothing is installed",
        ));
    }
    Ok(())
}

/// `pipeline(model=path, trust_remote_code=True)` with `config.json` `custom_pipelines`: the
/// configuration, the pipeline class, then the model and its components.
fn pipeline(f: &mut Flow) -> Result<(), Abort> {
    adapter_redirect(f);
    f.auto_config()?;
    let pipelines = f
        .config()
        .value()
        .and_then(|c| c.get("custom_pipelines"))
        .and_then(|p| p.as_object())
        .cloned()
        .unwrap_or_default();
    if pipelines.len() > 1 {
        return Err(Abort {
            message: format!(
                "RuntimeError: config.json defines {} custom pipelines; pipeline() needs a task \
                 to choose one",
                pipelines.len()
            ),
        });
    }
    let Some((task, def)) = pipelines.into_iter().next() else {
        return Ok(());
    };
    let file = f.config_file();
    let Some(impl_ref) = def.get("impl").and_then(|i| i.as_str()) else {
        return Err(Abort {
            message: format!("RuntimeError: custom pipeline {task:?} has no \"impl\""),
        });
    };
    f.load(
        impl_ref,
        origin(&file, &format!("custom_pipelines.{task}.impl"), impl_ref),
        "pipeline class: constructed with the model and its components",
    )?;
    // The model: the first "pt" class that loads (each is an Auto class, see its own plan).
    let first_auto = def
        .get("pt")
        .and_then(|p| p.as_array())
        .and_then(|a| a.first())
        .and_then(|c| c.as_str())
        .map(str::to_string);
    if let Some(auto) = first_auto
        && let Some(Value::String(class_ref)) = f.config_auto_map(&auto)
    {
        f.load(
            &class_ref,
            origin(&file, &format!("auto_map.{auto}"), &class_ref),
            "model class loaded by pipeline()",
        )?;
    }
    Ok(())
}

/// What `trust_remote_code` changes for an API, in one sentence.
fn trust_text(repo: &Repo, refs: &[(&str, &str)]) -> String {
    let remote = refs.iter().any(|(file, key)| {
        repo.json(file).value().is_some_and(|v| {
            v.get("auto_map").and_then(|m| m.get(*key)).is_some() || v.get(*key).is_some()
        })
    });
    if !remote && !repo.has_file(CUSTOM_GENERATE) {
        return "no repository code is involved: trust_remote_code changes nothing".into();
    }
    let model_type = repo
        .json(CONFIG)
        .value()
        .and_then(|c| c.get("model_type"))
        .and_then(|m| m.as_str())
        .map(str::to_string);
    let mut text = match model_type {
        Some(mt) if TfVersion::V5.knows_model_type(&mt) || TfVersion::V4.knows_model_type(&mt) => {
            format!(
                "without trust_remote_code=True transformers silently uses its built-in {mt:?} \
                 classes and runs none of the gated steps; with it, the repository's code wins \
                 over the built-in classes"
            )
        }
        _ => "without trust_remote_code=True transformers asks interactively (15-second \
              timeout) and raises ValueError when not confirmed; none of the gated steps run"
            .into(),
    };
    if repo.has_file(CUSTOM_GENERATE) {
        text.push_str(
            "; transformers 4.57 runs a local custom_generate/generate.py even without it",
        );
    }
    text
}
