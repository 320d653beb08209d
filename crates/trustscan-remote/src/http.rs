//! A blocking HTTP client a user can trust with a hub token and a metered connection.
//!
//! Policy lives here, not in ureq: we follow redirects ourselves (so the token is dropped as soon as a
//! hop leaves the token's origin, and `Range` is re-sent on every hop), we retry 429/5xx with capped
//! exponential backoff and jitter honouring `Retry-After`, we cap every body at what the caller needs
//! (a server that ignores `Range` and answers 200 is read only up to the requested end), we check
//! `Content-Length`/`Content-Range` against what arrived, and we count every body byte read.

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ureq::http;

/// Which bytes of a resource to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `[start, end)`; `end > start`.
    Span { start: u64, end: u64 },
    /// The last `n` bytes (`bytes=-n`): one request gives a zip's tail and the file length.
    Suffix(u64),
}

impl ByteRange {
    fn header(self) -> String {
        match self {
            ByteRange::Span { start, end } => format!("bytes={}-{}", start, end.saturating_sub(1)),
            ByteRange::Suffix(n) => format!("bytes=-{n}"),
        }
    }
}

/// Everything that can go wrong, each naming the URL (query and user info removed: they can hold
/// tokens or signatures).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: not found (404{detail})")]
    NotFound { url: String, detail: String },
    #[error("{url}: authentication required (401){detail}")]
    Unauthorized { url: String, detail: String },
    #[error("{url}: gated repository: accept its conditions on the hub and pass a token")]
    Gated { url: String },
    #[error("{url}: access forbidden (403){detail}")]
    Forbidden { url: String, detail: String },
    #[error("{url}: rate limited (429){}", retry_after.map(|d| format!(", server asks to wait {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        url: String,
        retry_after: Option<Duration>,
    },
    #[error("{url}: requested range not satisfiable (416)")]
    RangeNotSatisfiable { url: String },
    #[error("{url}: HTTP status {status}")]
    Http { url: String, status: u16 },
    #[error("{url}: body truncated: expected {expected} bytes, received {received}")]
    Truncated {
        url: String,
        expected: u64,
        received: u64,
    },
    #[error(
        "{url}: server ignored the byte range and the wanted bytes start {start} bytes in (limit {limit})"
    )]
    RangeIgnored { url: String, start: u64, limit: u64 },
    #[error("{url}: body larger than the {limit}-byte limit")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: invalid response: {reason}")]
    BadResponse { url: String, reason: String },
    #[error("{url}: redirect refused: {reason}")]
    BadRedirect { url: String, reason: String },
    #[error("{url}: more than {max} redirects")]
    TooManyRedirects { url: String, max: u32 },
    #[error("{url}: resource changed while being read ({expected} became {found})")]
    Changed {
        url: String,
        expected: String,
        found: String,
    },
    #[error("{url}: timed out ({what})")]
    Timeout { url: String, what: String },
    #[error("{url}: {message}")]
    Io { url: String, message: String },
    #[error("{url}: host not found (check the endpoint)")]
    HostNotFound { url: String },
    #[error("{url}: empty byte range requested")]
    EmptyRange { url: String },
    #[error("{url}: invalid URL")]
    BadUrl { url: String },
    #[error("a local directory has no hub")]
    NoHub,
}

impl FetchError {
    /// Transient failures worth another attempt. Timeouts are not retried: a stalled server would
    /// otherwise cost `attempts x timeout` of the user's time.
    fn retryable(&self) -> bool {
        matches!(
            self,
            FetchError::RateLimited { .. }
                | FetchError::Http {
                    status: 500..=599,
                    ..
                }
                | FetchError::Truncated { .. }
                | FetchError::Io { .. }
        )
    }
}

/// Sleeping and wall-clock time, injectable so tests neither sleep nor depend on the date.
pub trait Clock: Send + Sync {
    fn sleep(&self, d: Duration);
    fn now_unix(&self) -> SystemTime;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d)
    }
    fn now_unix(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Knobs; the defaults suit a hub over the internet.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub connect_timeout: Duration,
    /// Longest silence while waiting for headers or body bytes.
    pub read_timeout: Duration,
    /// Whole exchange (headers and body) for one attempt.
    pub call_timeout: Duration,
    /// Attempts after the first one.
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// A `Retry-After` longer than this is not waited for: the caller gets `RateLimited`.
    pub max_retry_after: Duration,
    pub max_redirects: u32,
    /// Requests in flight per origin.
    pub per_host_concurrency: usize,
    /// Minimum spacing between request starts per origin.
    pub per_host_interval: Duration,
    /// With a 200 answer to a ranged request, how many leading bytes we accept to read and drop.
    pub max_ignored_range_skip: u64,
    pub user_agent: String,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            call_timeout: Duration::from_secs(300),
            max_retries: 4,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            max_redirects: 8,
            per_host_concurrency: 4,
            per_host_interval: Duration::from_millis(0),
            max_ignored_range_skip: 1 << 20,
            user_agent: concat!("trustscan/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

/// One successful answer.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The bytes asked for: the whole body, or exactly the requested span (shorter only when the
    /// resource ends first).
    pub body: Vec<u8>,
    /// Offset of `body[0]` in the resource.
    pub start: u64,
    /// Length of the whole resource when the server said (`Content-Range` total or a 200's length).
    pub total_len: Option<u64>,
    /// False when the server answered 200 to a ranged request.
    pub range_honoured: bool,
    /// The final response's `ETag` (the CDN's, after a redirect).
    pub etag: Option<String>,
    /// Hub metadata, from whichever hop carried it first — on Hugging Face the hub's redirect,
    /// not the CDN's answer: `X-Repo-Commit` (the commit a branch resolved to), `X-Linked-Etag`
    /// (the blob id: sha256 for LFS files) and `X-Linked-Size` (the real file size).
    pub hub: HubHeaders,
    /// Final URL after redirects, redacted.
    pub final_url: String,
    /// The `Link: <...>; rel="next"` target (paginated listings), as the server wrote it.
    pub link_next: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HubHeaders {
    pub repo_commit: Option<String>,
    pub linked_etag: Option<String>,
    pub linked_size: Option<u64>,
}

impl HubHeaders {
    fn absorb(&mut self, resp: &http::Response<ureq::Body>) {
        if self.repo_commit.is_none() {
            self.repo_commit = header(resp, "x-repo-commit");
        }
        if self.linked_etag.is_none() {
            self.linked_etag = header(resp, "x-linked-etag");
        }
        if self.linked_size.is_none() {
            self.linked_size = header(resp, "x-linked-size").and_then(|v| v.trim().parse().ok());
        }
    }
}

/// The parts of a URL we need; `ureq` parses it again for the request.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url {
    scheme: String,
    /// Lower-cased `host[:port]` without user info.
    authority: String,
    /// Path and query, starting with `/`.
    path_query: String,
}

impl Url {
    fn parse(s: &str) -> Option<Url> {
        let (scheme, rest) = s.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        // User info in a URL would be sent to whoever it names, and may be a secret: refuse it.
        if authority.is_empty()
            || authority.contains('@')
            || authority.chars().any(|c| c.is_whitespace())
        {
            return None;
        }
        let mut path_query = rest[end..].split('#').next().unwrap_or("").to_string();
        if !path_query.starts_with('/') {
            path_query.insert(0, '/');
        }
        Some(Url {
            scheme,
            authority: authority.to_ascii_lowercase(),
            path_query,
        })
    }

    fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }

    fn full(&self) -> String {
        format!("{}{}", self.origin(), self.path_query)
    }

    /// Without the query: pre-signed CDN URLs carry credentials there.
    fn redacted(&self) -> String {
        let path = self.path_query.split('?').next().unwrap_or("/");
        format!("{}{}", self.origin(), path)
    }

    /// Resolves a `Location` header value against this URL.
    fn join(&self, loc: &str) -> Option<Url> {
        if loc.contains("://") {
            return Url::parse(loc);
        }
        if let Some(rest) = loc.strip_prefix("//") {
            return Url::parse(&format!("{}://{}", self.scheme, rest));
        }
        let path_query = if loc.starts_with('/') {
            loc.to_string()
        } else if loc.starts_with('?') {
            format!(
                "{}{}",
                self.path_query.split('?').next().unwrap_or("/"),
                loc
            )
        } else {
            let path = self.path_query.split('?').next().unwrap_or("/");
            let dir = &path[..path.rfind('/').map(|i| i + 1).unwrap_or(0)];
            format!("{dir}{loc}")
        };
        Some(Url {
            scheme: self.scheme.clone(),
            authority: self.authority.clone(),
            path_query,
        })
    }
}

/// `scheme://host[:port]` of an acceptable URL (http/https, no user info), else None.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    Url::parse(url).map(|u| u.origin())
}

/// Redacts a URL for messages, whether or not it parses.
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Some(u) => u.redacted(),
        None => {
            let mut s = url.split(['?', '#']).next().unwrap_or("").to_string();
            // Drop user info (`user:password@`) from whatever URL-like text this is.
            if let Some(i) = s.find("://") {
                let auth_end = s[i + 3..].find('/').map_or(s.len(), |j| i + 3 + j);
                if let Some(at) = s[i + 3..auth_end].rfind('@') {
                    s.replace_range(i + 3..i + 3 + at + 1, "");
                }
            }
            s.chars().take(200).collect()
        }
    }
}

#[derive(Default)]
struct HostState {
    in_flight: usize,
    next_start: Option<Instant>,
}

/// Per-origin concurrency and spacing.
struct HostLimiter {
    hosts: Mutex<HashMap<String, HostState>>,
    freed: Condvar,
}

struct HostPermit<'a> {
    limiter: &'a HostLimiter,
    origin: String,
}

impl Drop for HostPermit<'_> {
    fn drop(&mut self) {
        let mut hosts = self.limiter.hosts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = hosts.get_mut(&self.origin) {
            h.in_flight = h.in_flight.saturating_sub(1);
        }
        self.limiter.freed.notify_all();
    }
}

impl HostLimiter {
    fn acquire(
        &self,
        origin: &str,
        max: usize,
        interval: Duration,
        clock: &dyn Clock,
    ) -> HostPermit<'_> {
        let wait = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                let h = hosts.entry(origin.to_string()).or_default();
                if h.in_flight < max.max(1) {
                    break;
                }
                hosts = self.freed.wait(hosts).unwrap_or_else(|e| e.into_inner());
            }
            let h = hosts.entry(origin.to_string()).or_default();
            h.in_flight += 1;
            // Reserve the next start slot so concurrent callers space out instead of bunching.
            let now = Instant::now();
            let start = h.next_start.map_or(now, |t| t.max(now));
            h.next_start = Some(start + interval);
            start.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            clock.sleep(wait);
        }
        HostPermit {
            limiter: self,
            origin: origin.to_string(),
        }
    }
}

/// The client. Cheap to share by reference across threads.
pub struct Client {
    agent: ureq::Agent,
    config: ClientConfig,
    clock: Arc<dyn Clock>,
    /// Origin (`scheme://host[:port]`) to bearer token.
    tokens: HashMap<String, String>,
    limiter: HostLimiter,
    transferred: AtomicU64,
    requests: AtomicU64,
    jitter_state: AtomicU64,
}

impl std::fmt::Debug for Client {
    // Hand-written so a token can never reach a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("token_origins", &self.tokens.keys().collect::<Vec<_>>())
            .field("transferred", &self.bytes_transferred())
            .finish()
    }
}

impl Client {
    pub fn new(config: ClientConfig) -> Client {
        Client::with_clock(config, Arc::new(SystemClock))
    }

    pub fn with_clock(config: ClientConfig, clock: Arc<dyn Clock>) -> Client {
        let agent_config = ureq::Agent::config_builder()
            // We decide what a status means and where a redirect may take the token.
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_per_read(Some(config.read_timeout))
            .timeout_per_call(Some(config.call_timeout))
            .user_agent(config.user_agent.as_str())
            // Ranges address stored bytes; a transparently decoded body would break them.
            .accept_encoding("identity")
            // Small buffer: after an ignored Range we stop reading, and what sits unread in the
            // buffer was transferred for nothing.
            .input_buffer_size(16 * 1024)
            .build();
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Client {
            agent: agent_config.new_agent(),
            config,
            clock,
            tokens: HashMap::new(),
            limiter: HostLimiter {
                hosts: Mutex::new(HashMap::new()),
                freed: Condvar::new(),
            },
            transferred: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            jitter_state: AtomicU64::new(seed | 1),
        }
    }

    /// Sends `Authorization: Bearer <token>` to `origin` (`https://huggingface.co`) and nowhere else.
    pub fn set_token(&mut self, origin: &str, token: &str) -> Result<(), FetchError> {
        let u = Url::parse(origin).ok_or_else(|| FetchError::BadUrl {
            url: redact(origin),
        })?;
        self.tokens.insert(u.origin(), token.trim().to_string());
        Ok(())
    }

    /// Body bytes received over the network (all attempts, including bytes read then dropped).
    pub fn bytes_transferred(&self) -> u64 {
        self.transferred.load(Ordering::Relaxed)
    }

    /// HTTP requests sent, counting retries and redirect hops.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// GET `url` (all of it, or `range`), keeping at most `limit` body bytes.
    pub fn get(
        &self,
        url: &str,
        range: Option<ByteRange>,
        limit: u64,
    ) -> Result<Fetched, FetchError> {
        let parsed = Url::parse(url).ok_or_else(|| FetchError::BadUrl { url: redact(url) })?;
        if matches!(range, Some(ByteRange::Span { start, end }) if end <= start)
            || matches!(range, Some(ByteRange::Suffix(0)))
        {
            return Err(FetchError::EmptyRange {
                url: parsed.redacted(),
            });
        }
        let mut attempt = 0u32;
        loop {
            match self.get_once(&parsed, range, limit) {
                Ok(f) => return Ok(f),
                Err((e, retry_after)) => {
                    if !e.retryable() || attempt >= self.config.max_retries {
                        return Err(e);
                    }
                    let delay = match retry_after {
                        Some(d) if d > self.config.max_retry_after => return Err(e),
                        Some(d) => d,
                        None => self.backoff(attempt),
                    };
                    self.clock.sleep(delay);
                    attempt += 1;
                }
            }
        }
    }

    /// Full jitter over `[d/2, d]` with `d = min(max, base * 2^attempt)`: spreads retries of many
    /// clients without ever retrying immediately.
    fn backoff(&self, attempt: u32) -> Duration {
        let d = self
            .config
            .backoff_base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.config.backoff_max);
        // xorshift: jitter needs spread, not cryptographic quality.
        let mut x = self.jitter_state.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter_state.store(x, Ordering::Relaxed);
        let frac = (x >> 11) as f64 / (1u64 << 53) as f64;
        d.mul_f64(0.5 + 0.5 * frac)
    }

    /// One attempt, following redirects. On error, also returns the server's `Retry-After`.
    fn get_once(
        &self,
        start: &Url,
        range: Option<ByteRange>,
        limit: u64,
    ) -> Result<Fetched, (FetchError, Option<Duration>)> {
        let token = self.tokens.get(&start.origin());
        let mut url = start.clone();
        let mut send_token = token.is_some();
        let mut hops = 0u32;
        let mut hub = HubHeaders::default();
        loop {
            let redacted = url.redacted();
            let io_err = |e: ureq::Error| (map_ureq_error(&redacted, e), None);
            let mut req = self
                .agent
                .get(url.full())
                .header("Accept-Encoding", "identity");
            if let Some(r) = range {
                req = req.header("Range", r.header());
            }
            if send_token && let Some(t) = token {
                req = req.header("Authorization", format!("Bearer {t}"));
            }
            let permit = self.limiter.acquire(
                &url.origin(),
                self.config.per_host_concurrency,
                self.config.per_host_interval,
                self.clock.as_ref(),
            );
            self.requests.fetch_add(1, Ordering::Relaxed);
            let resp = req.call().map_err(io_err)?;
            let status = resp.status().as_u16();
            hub.absorb(&resp);
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                drop(permit);
                hops += 1;
                if hops > self.config.max_redirects {
                    return Err((
                        FetchError::TooManyRedirects {
                            url: start.redacted(),
                            max: self.config.max_redirects,
                        },
                        None,
                    ));
                }
                let loc = header(&resp, "location").ok_or_else(|| {
                    (
                        FetchError::BadRedirect {
                            url: redacted.clone(),
                            reason: format!("{status} without Location"),
                        },
                        None,
                    )
                })?;
                let next = url.join(&loc).ok_or_else(|| {
                    (
                        FetchError::BadRedirect {
                            url: redacted.clone(),
                            reason: "unusable Location".into(),
                        },
                        None,
                    )
                })?;
                if url.scheme == "https" && next.scheme == "http" {
                    return Err((
                        FetchError::BadRedirect {
                            url: redacted,
                            reason: "downgrade from https to http".into(),
                        },
                        None,
                    ));
                }
                // Once a hop leaves the token's origin, the token stays behind for good.
                if next.origin() != start.origin() {
                    send_token = false;
                }
                url = next;
                continue;
            }
            let result = self
                .read_response(&redacted, resp, status, range, limit, token.is_some())
                .map(|f| Fetched { hub, ..f });
            drop(permit);
            return result;
        }
    }

    fn read_response(
        &self,
        url: &str,
        mut resp: http::Response<ureq::Body>,
        status: u16,
        range: Option<ByteRange>,
        limit: u64,
        had_token: bool,
    ) -> Result<Fetched, (FetchError, Option<Duration>)> {
        let url_s = url.to_string();
        let err = |e: FetchError| (e, None);
        let detail = error_detail(&resp);
        match status {
            200 | 206 => {}
            404 | 410 => return Err(err(FetchError::NotFound { url: url_s, detail })),
            401 | 403 => {
                // Hugging Face says why in X-Error-Code; a missing repo reads as 401 without a token.
                let code = header(&resp, "x-error-code").unwrap_or_default();
                return Err(err(match code.as_str() {
                    "GatedRepo" => FetchError::Gated { url: url_s },
                    "RepoNotFound" | "EntryNotFound" | "RevisionNotFound" => {
                        FetchError::NotFound { url: url_s, detail }
                    }
                    _ if status == 401 => FetchError::Unauthorized {
                        url: url_s,
                        detail: if had_token {
                            "; the token was refused".into()
                        } else {
                            "; no token was sent".into()
                        },
                    },
                    _ => FetchError::Forbidden { url: url_s, detail },
                }));
            }
            416 => return Err(err(FetchError::RangeNotSatisfiable { url: url_s })),
            429 => {
                let ra = retry_after(&resp, self.clock.now_unix());
                return Err((
                    FetchError::RateLimited {
                        url: url_s,
                        retry_after: ra,
                    },
                    ra,
                ));
            }
            _ => {
                let ra = if status == 503 {
                    retry_after(&resp, self.clock.now_unix())
                } else {
                    None
                };
                return Err((FetchError::Http { url: url_s, status }, ra));
            }
        }
        let content_length =
            header(&resp, "content-length").and_then(|v| v.trim().parse::<u64>().ok());
        let etag = header(&resp, "etag");
        // What to keep from the body stream: skip `skip` bytes, then keep up to `keep`.
        let (start, skip, keep, total_len, honoured) = if status == 206 {
            let Some(r) = range else {
                return Err(err(FetchError::BadResponse {
                    url: url_s,
                    reason: "206 to a request without Range".into(),
                }));
            };
            let cr = header(&resp, "content-range").unwrap_or_default();
            let (first, last, total) = parse_content_range(&cr).ok_or_else(|| {
                err(FetchError::BadResponse {
                    url: url_s.clone(),
                    reason: format!("bad Content-Range {cr:?}"),
                })
            })?;
            let ok = match r {
                ByteRange::Span { start, end } => first == start && last < end,
                ByteRange::Suffix(n) => total.is_none_or(|t| first == t.saturating_sub(n)),
            };
            if !ok {
                return Err(err(FetchError::BadResponse {
                    url: url_s,
                    reason: format!(
                        "Content-Range {cr:?} does not match the requested {}",
                        r.header()
                    ),
                }));
            }
            // `bytes 0-18446744073709551615/*` would overflow: hostile, refused.
            let Some(len) = (last - first).checked_add(1) else {
                return Err(err(FetchError::BadResponse {
                    url: url_s,
                    reason: format!("bad Content-Range {cr:?}"),
                }));
            };
            if content_length.is_some_and(|cl| cl != len) {
                return Err(err(FetchError::BadResponse {
                    url: url_s,
                    reason: format!(
                        "Content-Length {content_length:?} disagrees with Content-Range {cr:?}"
                    ),
                }));
            }
            if len > limit {
                return Err(err(FetchError::TooLarge { url: url_s, limit }));
            }
            (first, 0, len, total, true)
        } else {
            match range {
                None => {
                    if content_length.is_some_and(|cl| cl > limit) {
                        return Err(err(FetchError::TooLarge { url: url_s, limit }));
                    }
                    (0, 0, limit, content_length, true)
                }
                Some(r) => {
                    // Range ignored: read the prefix up to what was wanted, then hang up.
                    let (start, end) = match r {
                        ByteRange::Span { start, end } => (start, end),
                        ByteRange::Suffix(n) => match content_length {
                            Some(cl) => (cl.saturating_sub(n), cl),
                            None => {
                                return Err(err(FetchError::RangeIgnored {
                                    url: url_s,
                                    start: u64::MAX,
                                    limit: self.config.max_ignored_range_skip,
                                }));
                            }
                        },
                    };
                    if start > self.config.max_ignored_range_skip {
                        return Err(err(FetchError::RangeIgnored {
                            url: url_s,
                            start,
                            limit: self.config.max_ignored_range_skip,
                        }));
                    }
                    let keep = (end - start).min(limit);
                    if end - start > limit {
                        return Err(err(FetchError::TooLarge { url: url_s, limit }));
                    }
                    (start, start, keep, content_length, false)
                }
            }
        };
        let mut reader = resp.body_mut().as_reader();
        let mut skipped = 0u64;
        let mut body = Vec::with_capacity(keep.min(1 << 20) as usize);
        let mut buf = vec![0u8; 16 * 1024];
        let stop_at = skip + keep;
        let mut got = 0u64;
        // For a plain GET, read one byte past the limit to tell "exactly limit" from "more".
        let read_cap = if range.is_none() && status == 200 {
            stop_at.saturating_add(1)
        } else {
            stop_at
        };
        while got < read_cap {
            let want = (read_cap - got).min(buf.len() as u64) as usize;
            let n = match reader.read(&mut buf[..want]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    self.transferred.fetch_add(got, Ordering::Relaxed);
                    return Err(err(map_read_error(url, e, content_length, got)));
                }
            };
            let chunk = &buf[..n];
            let mut from = 0usize;
            if skipped < skip {
                let s = ((skip - skipped) as usize).min(n);
                skipped += s as u64;
                from = s;
            }
            body.extend_from_slice(&chunk[from..]);
            got += n as u64;
        }
        self.transferred.fetch_add(got, Ordering::Relaxed);
        if range.is_none() && got > limit {
            return Err(err(FetchError::TooLarge { url: url_s, limit }));
        }
        body.truncate(keep as usize);
        // Short reads: a 206 must deliver its whole span; a 200 must deliver its Content-Length
        // (or, when the range was ignored, at least up to where the resource ends).
        let expected = if honoured && status == 206 {
            Some(keep)
        } else {
            content_length.map(|cl| cl.min(stop_at))
        };
        if let Some(exp) = expected
            && got < exp
        {
            return Err(err(FetchError::Truncated {
                url: url_s,
                expected: exp,
                received: got,
            }));
        }
        Ok(Fetched {
            body,
            start,
            total_len,
            range_honoured: honoured,
            etag,
            hub: HubHeaders::default(),
            final_url: url_s,
            link_next: header(&resp, "link").and_then(|l| link_next(&l)),
        })
    }
}

/// The target of `rel="next"` in a `Link` header (RFC 8288; GitHub and Hugging Face paginate
/// with it).
fn link_next(value: &str) -> Option<String> {
    value.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            })
            .then(|| target.to_string())
    })
}

fn header(resp: &http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Hugging Face's `X-Error-Message`, short and printable, for the error text.
fn error_detail(resp: &http::Response<ureq::Body>) -> String {
    match header(resp, "x-error-message") {
        Some(m) => {
            let m: String = m.chars().filter(|c| !c.is_control()).take(200).collect();
            format!(": {m}")
        }
        None => String::new(),
    }
}

/// `bytes first-last/total` (total may be `*`).
fn parse_content_range(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes")?.trim_start();
    let (span, total) = rest.split_once('/')?;
    let (a, b) = span.trim().split_once('-')?;
    let first: u64 = a.trim().parse().ok()?;
    let last: u64 = b.trim().parse().ok()?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse::<u64>().ok()?),
    };
    if last < first || total.is_some_and(|t| last >= t) {
        return None;
    }
    Some((first, last, total))
}

/// `Retry-After`: delta-seconds or an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn retry_after(resp: &http::Response<ureq::Body>, now: SystemTime) -> Option<Duration> {
    let v = header(resp, "retry-after")?;
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(v)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

pub(crate) fn parse_http_date(v: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day: u32 = parts[1].parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[2])? as u32
        + 1;
    let year: i64 = parts[3].parse().ok()?;
    let hms: Vec<u64> = parts[4]
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    if hms.len() != 3
        || hms[0] > 23
        || hms[1] > 59
        || hms[2] > 60
        || !(1..=31).contains(&day)
        || year < 1970
    {
        return None;
    }
    // Days from civil date (proleptic Gregorian), Howard Hinnant's formulation.
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m as i64 + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days as u64 * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2];
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

fn map_ureq_error(url: &str, e: ureq::Error) -> FetchError {
    let url = url.to_string();
    match e {
        ureq::Error::Timeout(t) => FetchError::Timeout {
            url,
            what: format!("{t:?}"),
        },
        ureq::Error::Io(io) => map_io(url, io),
        // Not retried (a mistyped endpoint should fail at once, not after a minute of backoff).
        ureq::Error::HostNotFound => FetchError::HostNotFound { url },
        ureq::Error::BadUri(_) => FetchError::BadUrl { url },
        other => FetchError::Io {
            url,
            message: other.to_string(),
        },
    }
}

fn map_io(url: String, io: io::Error) -> FetchError {
    // ureq wraps its own errors (timeouts among them) in io::Error while a body is read.
    if let Some(inner) = io.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>())
        && let ureq::Error::Timeout(t) = inner
    {
        return FetchError::Timeout {
            url,
            what: format!("{t:?}"),
        };
    }
    // std's resolver reports getaddrinfo failures with this text and no specific kind: a
    // name that does not resolve is a mistyped endpoint or no network, not worth retrying.
    if io.to_string().contains("failed to lookup address") {
        return FetchError::HostNotFound { url };
    }
    match io.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => FetchError::Timeout {
            url,
            what: "read".into(),
        },
        _ => FetchError::Io {
            url,
            message: io.to_string(),
        },
    }
}

fn map_read_error(url: &str, e: io::Error, content_length: Option<u64>, got: u64) -> FetchError {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        return FetchError::Truncated {
            url: url.to_string(),
            expected: content_length.unwrap_or(got + 1),
            received: got,
        };
    }
    map_io(url.to_string(), e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_parsing_rejects_nonsense() {
        assert_eq!(
            parse_content_range("bytes 0-99/1000"),
            Some((0, 99, Some(1000)))
        );
        assert_eq!(parse_content_range("bytes 5-5/*"), Some((5, 5, None)));
        assert_eq!(parse_content_range("bytes 9-5/100"), None);
        assert_eq!(parse_content_range("bytes 0-100/100"), None);
        assert_eq!(parse_content_range("items 0-1/2"), None);
        assert_eq!(parse_content_range("bytes 0-18446744073709551616/1"), None);
    }

    #[test]
    fn http_date() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(t.duration_since(UNIX_EPOCH).unwrap().as_secs(), 784_111_777);
        assert!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST").is_none());
        assert!(parse_http_date("garbage").is_none());
    }

    #[test]
    fn url_join_and_redaction() {
        let u = Url::parse("https://Hub.example:8443/a/b/c?token=secret").unwrap();
        assert_eq!(u.redacted(), "https://hub.example:8443/a/b/c");
        assert_eq!(
            u.join("/x?y").unwrap().full(),
            "https://hub.example:8443/x?y"
        );
        assert_eq!(
            u.join("d").unwrap().full(),
            "https://hub.example:8443/a/b/d"
        );
        assert_eq!(
            u.join("//cdn.example/z").unwrap().origin(),
            "https://cdn.example"
        );
        assert!(Url::parse("https://user:pw@host/").is_none());
        assert!(Url::parse("file:///etc/passwd").is_none());
        assert_eq!(redact("http://h/p?sig=abc"), "http://h/p");
        assert_eq!(redact("https://user:pw@h/p"), "https://h/p");
        assert_eq!(redact("gopher://a:b@c@d/e?f"), "gopher://d/e");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let cfg = ClientConfig {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_secs(1),
            ..ClientConfig::default()
        };
        let c = Client::new(cfg);
        for attempt in 0..20 {
            let d = c.backoff(attempt);
            let full = Duration::from_millis(100)
                .saturating_mul(1 << attempt.min(16))
                .min(Duration::from_secs(1));
            assert!(
                d >= full / 2 && d <= full,
                "attempt {attempt}: {d:?} vs {full:?}"
            );
        }
    }
}
