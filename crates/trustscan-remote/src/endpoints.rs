//! Where each platform lives and which token goes with it: the command line wins over the
//! environment, which wins over the public default. Tokens are only ever attached to their own
//! platform's origin (see [`crate::Client::set_token`]) and never printed.

use crate::http::{Client, FetchError, redact};
use trustscan_core::Platform;

/// Endpoint variables, most preferred first, and the public default; `None` for a local
/// directory, which has no hub.
fn endpoint_vars(platform: Platform) -> Option<(&'static [&'static str], &'static str)> {
    Some(match platform {
        Platform::Local => return None,
        Platform::HuggingFace => (&["HF_ENDPOINT"], "https://huggingface.co"),
        // MODELSCOPE_DOMAIN is the deprecated spelling modelscope-hub still reads.
        Platform::Modelscope => (
            &["MODELSCOPE_ENDPOINT", "MODELSCOPE_DOMAIN"],
            "https://modelscope.cn",
        ),
        Platform::Opencsg => (&["CSGHUB_DOMAIN"], "https://hub.opencsg.com"),
        // GitHub Actions sets GITHUB_API_URL (GitHub Enterprise runners point it elsewhere).
        Platform::Github => (&["GITHUB_API_URL"], "https://api.github.com"),
    })
}

/// Token variables, most preferred first. `CSGHUB_TOKEN` is what csghub-sdk's README sets;
/// ModelScope's SDK logs in with a token passed to it, and both names below are the ones its
/// users export (unverified against the SDK itself).
pub fn token_vars(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::Local => &[],
        Platform::HuggingFace => &["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"],
        Platform::Modelscope => &["MODELSCOPE_API_TOKEN", "MODELSCOPE_TOKEN"],
        Platform::Opencsg => &["CSGHUB_TOKEN"],
        Platform::Github => &["GITHUB_TOKEN"],
    }
}

/// A token that does not show itself in `{:?}` or `{}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub platform: Platform,
    /// `scheme://host[:port][/prefix]`, no trailing slash.
    pub base: String,
    /// Where the value came from (`--endpoint`, an environment variable, or `default`).
    pub base_from: String,
    pub token: Option<Secret>,
}

impl Endpoint {
    /// Resolves the endpoint and token; `env` is `std::env::var(..).ok()` outside tests.
    pub fn resolve(
        platform: Platform,
        cli_endpoint: Option<&str>,
        cli_token: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Endpoint, FetchError> {
        let (vars, default) = endpoint_vars(platform).ok_or(FetchError::NoHub)?;
        let nonempty =
            |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let (base, base_from) = match nonempty(cli_endpoint.map(str::to_string)) {
            Some(b) => (b, "--endpoint".to_string()),
            None => vars
                .iter()
                .find_map(|v| nonempty(env(v)).map(|b| (b, (*v).to_string())))
                .unwrap_or_else(|| (default.to_string(), "default".to_string())),
        };
        let base = base.trim_end_matches('/').to_string();
        // Same rules as requests: http(s) only, no user info (it would be a credential in a URL).
        if crate::http::origin_of(&base).is_none() || base.contains('?') || base.contains('#') {
            return Err(FetchError::BadUrl {
                url: format!("{} (from {base_from})", redact(&base)),
            });
        }
        let token = nonempty(cli_token.map(str::to_string))
            .or_else(|| token_vars(platform).iter().find_map(|v| nonempty(env(v))))
            .map(Secret);
        Ok(Endpoint {
            platform,
            base,
            base_from,
            token,
        })
    }

    /// Gives the client this endpoint's token, bound to this endpoint's origin only.
    pub fn install_token(&self, client: &mut Client) -> Result<(), FetchError> {
        match &self.token {
            Some(t) => client.set_token(&self.base, t.expose()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn command_line_beats_environment_beats_default() {
        let e = env(&[
            ("HF_ENDPOINT", "https://mirror.example/"),
            ("HF_TOKEN", " hf_env "),
        ]);
        let d = Endpoint::resolve(Platform::HuggingFace, None, None, &e).unwrap();
        assert_eq!(
            (d.base.as_str(), d.base_from.as_str()),
            ("https://mirror.example", "HF_ENDPOINT")
        );
        assert_eq!(d.token.as_ref().map(Secret::expose), Some("hf_env"));
        let d = Endpoint::resolve(
            Platform::HuggingFace,
            Some("http://127.0.0.1:9"),
            Some("cli"),
            &e,
        )
        .unwrap();
        assert_eq!(
            (d.base.as_str(), d.base_from.as_str()),
            ("http://127.0.0.1:9", "--endpoint")
        );
        assert_eq!(d.token.as_ref().map(Secret::expose), Some("cli"));
        let d = Endpoint::resolve(Platform::Opencsg, None, None, &env(&[])).unwrap();
        assert_eq!(
            (d.base.as_str(), d.token.clone()),
            ("https://hub.opencsg.com", None)
        );
        // Deprecated spelling still read, the current one preferred.
        let e = env(&[
            ("MODELSCOPE_DOMAIN", "https://old.example"),
            ("MODELSCOPE_ENDPOINT", "https://new.example"),
        ]);
        assert_eq!(
            Endpoint::resolve(Platform::Modelscope, None, None, &e)
                .unwrap()
                .base,
            "https://new.example"
        );
        let e = env(&[("MODELSCOPE_DOMAIN", "https://old.example")]);
        assert_eq!(
            Endpoint::resolve(Platform::Modelscope, None, None, &e)
                .unwrap()
                .base,
            "https://old.example"
        );
        // Empty values count as unset.
        let e = env(&[
            ("HF_ENDPOINT", " "),
            ("HF_TOKEN", ""),
            ("HUGGING_FACE_HUB_TOKEN", "legacy"),
        ]);
        let d = Endpoint::resolve(Platform::HuggingFace, None, None, &e).unwrap();
        assert_eq!(d.base, "https://huggingface.co");
        assert_eq!(d.token.as_ref().map(Secret::expose), Some("legacy"));
    }

    #[test]
    fn bad_endpoints_are_refused_and_tokens_hidden() {
        for bad in [
            "ftp://x",
            "https://user:pw@x",
            "not a url",
            "https://x/?a=1",
        ] {
            let e = Endpoint::resolve(Platform::Github, Some(bad), None, &env(&[])).unwrap_err();
            assert!(!e.to_string().contains("pw"), "{e}");
        }
        let d = Endpoint::resolve(Platform::Github, None, Some("ghp_SECRET"), &env(&[])).unwrap();
        assert!(!format!("{d:?}").contains("SECRET"));
    }
}
