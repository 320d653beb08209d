//! Opening targets: a directory or a cache entry as it is on disk; a hub target (`hf:`,
//! `ms:`, `csg:`, `gh:`) from the platform's local cache when it has it (what the library
//! would load offline), otherwise from the hub over HTTP through trustscan's own cache,
//! fetching only what the analysis reads; an OpenMMLab model by its model-zoo name.

use std::path::PathBuf;
use trustscan_core::Platform;
use trustscan_remote::hub::{
    Hub, csghub::CsgHub, github::GitHub, hf::HuggingFace, modelscope::ModelScope,
};
use trustscan_remote::{Client, ClientConfig, Endpoint, RemoteOptions, RemoteSnapshot};
use trustscan_source::{OpenOptions, Snapshot, SourceError, Target};

/// Most bytes fetched for one file whose format needs all of them, by default.
pub const DEFAULT_FETCH_LIMIT: u64 = 64 << 20;

/// How targets are opened.
#[derive(Clone, Debug, Default)]
pub struct OpenSettings {
    /// The Hugging Face cache for `hf:` targets and for code that auto_map takes from other
    /// repositories (`None`: the cache huggingface_hub uses).
    pub hf_cache: Option<PathBuf>,
    /// The revision to read for targets that name none.
    pub revision: Option<String>,
    /// Stop listing a repository after this many files (the plan is then inconclusive).
    pub max_files: Option<usize>,
    pub hub: HubSettings,
}

/// How hub targets are reached.
#[derive(Clone, Debug)]
pub struct HubSettings {
    /// The hub's address (a mirror, a private deployment): wins over HF_ENDPOINT,
    /// MODELSCOPE_ENDPOINT, CSGHUB_DOMAIN and GITHUB_API_URL; all hub targets of one run must
    /// then be on one platform.
    pub endpoint: Option<String>,
    /// Never use the network: hub targets come from the platform's local cache or from
    /// trustscan's cache of earlier remote scans.
    pub offline: bool,
    /// Ask the hub even when the platform's local cache has the repository.
    pub prefer_hub: bool,
    /// trustscan's cache of remote repositories (`None`: the default place).
    pub cache: Option<PathBuf>,
    /// Most bytes fetched from a hub for one file whose format needs all of them.
    pub fetch_limit: u64,
}

impl Default for HubSettings {
    fn default() -> HubSettings {
        HubSettings {
            endpoint: None,
            offline: false,
            prefer_hub: false,
            cache: None,
            fetch_limit: DEFAULT_FETCH_LIMIT,
        }
    }
}

impl OpenSettings {
    /// `Err` when `--endpoint` would apply to hub targets on different platforms.
    pub fn check_targets(&self, targets: &[String]) -> Result<(), String> {
        if self.hub.endpoint.is_none() {
            return Ok(());
        }
        let mut platforms: Vec<Platform> = targets
            .iter()
            .filter_map(|t| match Target::parse(t) {
                Ok(Target::Hub { platform, .. }) => Some(platform),
                Ok(Target::Zoo { .. }) => Some(Platform::Github),
                _ => None,
            })
            .collect();
        platforms.sort();
        platforms.dedup();
        if platforms.len() > 1 {
            return Err(
                "--endpoint names one hub, but the targets are on several platforms: \
                 set HF_ENDPOINT, MODELSCOPE_ENDPOINT, CSGHUB_DOMAIN or GITHUB_API_URL instead"
                    .into(),
            );
        }
        Ok(())
    }

    /// Open a target: a directory, a hub target found in the platform's local cache, or a
    /// hub target read over HTTP.
    pub fn open(&self, target: &Target) -> Result<Box<dyn Snapshot>, String> {
        let options = &OpenOptions {
            revision: self.revision.clone(),
            max_files: self.max_files,
            hf_cache: self.hf_cache.clone(),
        };
        if let Target::Zoo {
            package,
            model,
            revision,
        } = target
        {
            return self.open_zoo(package, model, revision.as_deref(), options);
        }
        let Target::Hub {
            platform,
            repo_id,
            revision,
        } = target
        else {
            return trustscan_source::open(target, options).map_err(|e| e.to_string());
        };
        let local_miss = if self.hub.prefer_hub {
            None
        } else {
            match trustscan_source::open(target, options) {
                Ok(s) => return Ok(s),
                Err(SourceError::NotFound(m)) => Some(m),
                Err(e) => return Err(e.to_string()),
            }
        };
        let revision = revision.clone().or_else(|| options.revision.clone());
        self.open_remote(*platform, repo_id, revision.as_deref(), options)
            .map(|s| Box::new(s) as Box<dyn Snapshot>)
            .map_err(|e| match local_miss {
                Some(m) if self.hub.offline => format!("{m}; {e}"),
                Some(m) => format!("{m}; reading it from the hub failed: {e}"),
                None => e.to_string(),
            })
    }

    fn open_remote(
        &self,
        platform: Platform,
        repo: &str,
        revision: Option<&str>,
        options: &OpenOptions,
    ) -> Result<RemoteSnapshot, String> {
        let remote_options = RemoteOptions {
            cache_root: self
                .hub
                .cache
                .clone()
                .unwrap_or_else(trustscan_remote::cache::default_root),
            offline: self.hub.offline,
            fetch_limit: self.hub.fetch_limit,
            max_files: options.max_files,
        };
        let (hub, client, endpoint) = self.hub(platform)?;
        RemoteSnapshot::open(
            hub,
            (!self.hub.offline).then_some(client),
            repo,
            revision,
            &remote_options,
        )
        .map_err(|e| access_hint(&e, &endpoint))
    }

    /// An OpenMMLab model by model-zoo name: the package's GitHub repository, narrowed to
    /// the model's config, the bases it runs and its metafile, plus its checkpoints (read
    /// from their URLs like repository files).
    fn open_zoo(
        &self,
        package: &str,
        model: &str,
        revision: Option<&str>,
        options: &OpenOptions,
    ) -> Result<Box<dyn Snapshot>, String> {
        let repo = trustscan_remote::zoo::repository(package).ok_or_else(|| {
            let known: Vec<&str> = trustscan_remote::zoo::PACKAGES
                .iter()
                .map(|(p, _)| *p)
                .collect();
            format!(
                "{package} is not an OpenMMLab package trustscan knows ({})",
                known.join(", ")
            )
        })?;
        let revision = revision
            .map(str::to_string)
            .or_else(|| options.revision.clone());
        let mut snap = self.open_remote(Platform::Github, repo, revision.as_deref(), options)?;
        let found =
            trustscan_remote::zoo::find(&snap, model).map_err(|e| format!("{repo}: {e}"))?;
        let mut keep: std::collections::BTreeSet<String> =
            trustscan_load::mmengine::config_files(&snap, &found.config)
                .into_iter()
                .collect();
        keep.insert(found.config.clone());
        keep.insert(found.metafile.clone());
        snap.restrict(&keep);
        for w in &found.weights {
            snap.add_url_file(&w.path, &w.url)
                .map_err(|e| e.to_string())?;
        }
        let info = snap.info_mut();
        info.layout = "openmmlab-model-zoo".into();
        info.model = Some(found);
        Ok(Box::new(snap))
    }

    /// The platform's API client, with its token bound to its own origin.
    fn hub(&self, platform: Platform) -> Result<(Box<dyn Hub>, Client, Endpoint), String> {
        let env = |k: &str| std::env::var(k).ok();
        // Tokens come from the environment only: a token on the command line shows in `ps`.
        let endpoint = Endpoint::resolve(platform, self.hub.endpoint.as_deref(), None, &env)
            .map_err(|e| e.to_string())?;
        let mut client = Client::new(ClientConfig {
            // At most 50 requests a second to one host: polite to hubs, unnoticeable here.
            per_host_interval: std::time::Duration::from_millis(20),
            ..ClientConfig::default()
        });
        endpoint
            .install_token(&mut client)
            .map_err(|e| e.to_string())?;
        let base = endpoint.base.as_str();
        let hub: Box<dyn Hub> = match platform {
            Platform::Local => return Err(trustscan_remote::FetchError::NoHub.to_string()),
            Platform::HuggingFace => Box::new(HuggingFace::new(base)),
            Platform::Modelscope => Box::new(ModelScope::new(base)),
            Platform::Opencsg => Box::new(CsgHub::new(base)),
            Platform::Github => {
                let gh = GitHub::new(base);
                // Raw files come from the web host, not the API host: the token goes there too.
                if let Some(t) = &endpoint.token {
                    client
                        .set_token(gh.web_base(), t.expose())
                        .map_err(|e| e.to_string())?;
                }
                Box::new(gh)
            }
        };
        Ok((hub, client, endpoint))
    }
}

/// The error, with what to do when access was refused: which token variable to set, or that
/// the token given was not enough. Hubs answer "not found" for private repositories too.
fn access_hint(e: &trustscan_remote::OpenError, endpoint: &Endpoint) -> String {
    use trustscan_remote::{FetchError as F, OpenError::Fetch};
    let vars = trustscan_remote::token_vars(endpoint.platform).join(" or ");
    let hint = match (e, &endpoint.token) {
        (Fetch(F::NotFound { .. }), None) => format!(" (if the repository is private, set {vars})"),
        (Fetch(F::Unauthorized { .. } | F::Forbidden { .. } | F::Gated { .. }), None) => {
            format!(" (a private or gated repository needs a token: set {vars})")
        }
        (Fetch(F::Unauthorized { .. } | F::Forbidden { .. } | F::Gated { .. }), Some(_)) => {
            format!(" (the token from {vars} was refused or lacks access)")
        }
        _ => String::new(),
    };
    format!("{e}{hint}")
}
