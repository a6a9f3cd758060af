//! The HTTP client: `http::Request<Vec<u8>>` in, `http::Response<Vec<u8>>` out, over reqwest.
//!
//! [`HttpClient::send`] retries throttling (429 and throttling error codes), 500/502/503/504,
//! timeouts and connection failures a bounded number of times with full-jitter exponential
//! backoff, honouring `Retry-After` up to a bound, like botocore's standard retry mode
//! (protocol.md §2.1).
//! It returns the final response whatever its status: interpreting statuses and bodies is the
//! `sso-oidc` machine's job. [`HttpClient::send_once`] never retries, for callers whose retries
//! are protocol-driven.
//! Proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`, extra trust roots from
//! `AWS_CA_BUNDLE` or the profile's `ca_bundle`.
//!
//! Response bodies are read as they stream in and the read stops with
//! [`TransportErrorKind::ResponseTooLarge`] once [`MAX_RESPONSE_BODY_BYTES`] is passed, so a
//! broken or hostile server cannot make the client buffer an endless body.
//!
//! This module never logs or prints headers or bodies, and prints URLs only through
//! [`redact_url`].

mod redact;
mod retry;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::{Method, StatusCode};
use url::Url;

use crate::env::Env;

pub(crate) use self::redact::redact_url;
pub(crate) use self::retry::full_jitter_backoff;

/// The largest response body read, 4 MiB. The largest real answers (a page of 100 accounts
/// from the portal, a console federation answer) are a few tens of KiB; a longer body is
/// refused as it streams in, before more than this is held in memory.
pub const MAX_RESPONSE_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Settings for an [`HttpClient`]; start from [`HttpConfig::default`].
#[derive(Clone)]
pub struct HttpConfig {
    connect_timeout: Duration,
    read_timeout: Duration,
    max_attempts: u32,
    backoff_base: Duration,
    backoff_cap: Duration,
    retry_after_cap: Duration,
    ca_bundle: Option<PathBuf>,
    user_agent: Option<String>,
    observer: Option<Arc<dyn AttemptObserver>>,
}

impl Default for HttpConfig {
    /// 10 s connect timeout, 60 s read timeout, 3 attempts in total, backoff from 200 ms up to
    /// 5 s, `Retry-After` honoured up to 20 s, no extra CA bundle, no observer.
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            max_attempts: 3,
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(5),
            retry_after_cap: Duration::from_secs(20),
            ca_bundle: None,
            user_agent: None,
            observer: None,
        }
    }
}

impl HttpConfig {
    /// How long to wait for a TCP (and TLS) connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long any single read may stall, including the wait for the response headers.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Attempts in total for [`HttpClient::send`], first try included; `1` disables retries
    /// and `0` is treated as `1`.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The base and the cap of the full-jitter exponential backoff.
    pub fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_cap = cap;
        self
    }

    /// The longest `Retry-After` honoured; longer requests are shortened to this.
    pub fn retry_after_cap(mut self, cap: Duration) -> Self {
        self.retry_after_cap = cap;
        self
    }

    /// A PEM file of extra trust roots (the profile's `ca_bundle`).
    ///
    /// As in botocore, `AWS_CA_BUNDLE` in the environment takes precedence over this setting.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }

    /// The default `User-Agent` header; a request's own header wins.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Called after every attempt, for progress output and benchmarks.
    pub fn observer(mut self, observer: Arc<dyn AttemptObserver>) -> Self {
        self.observer = Some(observer);
        self
    }
}

impl fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpConfig")
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_cap", &self.backoff_cap)
            .field("retry_after_cap", &self.retry_after_cap)
            .field("ca_bundle", &self.ca_bundle)
            .field("user_agent", &self.user_agent)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

/// Receives one call per HTTP attempt (see [`HttpConfig::observer`]).
pub trait AttemptObserver: Send + Sync {
    /// An attempt finished; `attempt.retry_in` says whether and when another follows.
    fn attempt_finished(&self, attempt: &Attempt<'_>);
}

/// What one attempt did, as reported to an [`AttemptObserver`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// The request method.
    pub method: &'a Method,
    /// The request URL, its query redacted.
    pub url: &'a str,
    /// 1 for the first attempt of a request.
    pub number: u32,
    /// The status received, or the kind of transport failure.
    pub outcome: AttemptOutcome,
    /// The delay before the next attempt, or `None` when this attempt is the last.
    pub retry_in: Option<Duration>,
}

/// The result of one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// A complete response arrived with this status.
    Status(StatusCode),
    /// No complete response arrived.
    Failed(TransportErrorKind),
}

/// Counters over the life of an [`HttpClient`] and its clones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpStats {
    /// Calls to `send` and `send_once`.
    pub requests: u64,
    /// Attempts made, first tries included.
    pub attempts: u64,
    /// Attempts that were retries.
    pub retries: u64,
}

/// Errors building an [`HttpClient`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientBuildError {
    /// The CA bundle file could not be read.
    #[error("could not read the CA bundle {path} (from {origin}): {source}")]
    CaBundleUnreadable {
        /// The configured path.
        path: PathBuf,
        /// `AWS_CA_BUNDLE` or `ca_bundle`.
        origin: &'static str,
        /// The IO error.
        source: std::io::Error,
    },
    /// The CA bundle file was read but holds no usable PEM certificate.
    #[error("the CA bundle {path} (from {origin}) is not a valid PEM certificate bundle: {reason}")]
    CaBundleInvalid {
        /// The configured path.
        path: PathBuf,
        /// `AWS_CA_BUNDLE` or `ca_bundle`.
        origin: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A proxy variable does not hold a usable URL (its value is not repeated: it may hold a
    /// password).
    #[error("the proxy URL in {variable} is invalid; expected e.g. http://proxy.example.com:3128")]
    InvalidProxy {
        /// The environment variable.
        variable: &'static str,
    },
    /// reqwest refused the configuration.
    #[error("could not set up the HTTP client: {0}")]
    Build(#[source] reqwest::Error),
}

/// What kind of transport failure happened, for callers that react differently to each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection (TCP, TLS or proxy) could not be established.
    Connect,
    /// The connection was not established within the connect timeout.
    ConnectTimeout,
    /// The server stopped sending for longer than the read timeout.
    ReadTimeout,
    /// The connection failed after it was established.
    Io,
    /// The request itself cannot be sent (for example a URL that is not http or https).
    InvalidRequest,
    /// The response body is longer than [`MAX_RESPONSE_BODY_BYTES`]; it was not read further.
    ResponseTooLarge,
}

impl TransportErrorKind {
    /// Whether [`HttpClient::send`] retries this kind of failure.
    pub fn is_retryable(self) -> bool {
        !matches!(self, Self::InvalidRequest | Self::ResponseTooLarge)
    }
}

/// A request that got no complete HTTP response.
///
/// The message names the URL (redacted) and what failed, e.g. "could not connect to
/// `https://oidc.us-east-1.amazonaws.com`: connection refused".
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct TransportError {
    kind: TransportErrorKind,
    url: String,
    detail: String,
    attempts: u32,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    /// What failed.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The redacted URL of the request.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many attempts were made before giving up.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    fn describe(&self) -> String {
        let Self { url, detail, .. } = self;
        let mut message = match self.kind {
            TransportErrorKind::Connect => format!("could not connect to {url}: {detail}"),
            TransportErrorKind::ConnectTimeout => {
                format!("could not connect to {url}: {detail} (connect timeout)")
            }
            TransportErrorKind::ReadTimeout => {
                format!("no response from {url}: {detail} (read timeout)")
            }
            TransportErrorKind::Io => format!("the connection to {url} failed: {detail}"),
            TransportErrorKind::InvalidRequest => {
                format!("cannot send a request to {url}: {detail}")
            }
            TransportErrorKind::ResponseTooLarge => {
                format!("the response from {url} is too large: {detail}")
            }
        };
        if self.attempts > 1 {
            message.push_str(&format!(" ({} attempts)", self.attempts));
        }
        message
    }

    /// A failure that did not come from reqwest: a replayed or simulated transport (tests, the
    /// conformance harness) reporting that no response exists for `url`.
    pub fn new(kind: TransportErrorKind, url: &str, detail: impl Into<String>) -> Self {
        let url = match Url::parse(url) {
            Ok(parsed) => redact_url(&parsed),
            Err(_) => "<invalid URL>".to_owned(),
        };
        Self {
            kind,
            url,
            detail: detail.into(),
            attempts: 1,
            source: None,
        }
    }

    fn invalid_request(url: String, detail: impl Into<String>) -> Self {
        Self {
            kind: TransportErrorKind::InvalidRequest,
            url,
            detail: detail.into(),
            attempts: 1,
            source: None,
        }
    }
}

/// An HTTP client with timeouts, bounded retries, proxies and extra trust roots.
///
/// Cloning is cheap and clones share the connection pool and the [`HttpStats`].
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    config: Arc<HttpConfig>,
    counters: Arc<Counters>,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    attempts: AtomicU64,
    retries: AtomicU64,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// Builds a client; `env` supplies the proxy variables and `AWS_CA_BUNDLE`.
    ///
    /// With [`Env::process`], proxies are left to reqwest, which reads `HTTPS_PROXY`,
    /// `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (and their lower-case forms) when the client is
    /// built. With a fixed map, the same variables are read from the map and nothing from the
    /// process.
    pub fn new(config: HttpConfig, env: &Env) -> Result<Self, ClientBuildError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            // The vanity-URL probe must see redirects (protocol.md §5.4); OIDC and the portal
            // never redirect, and following one would turn a POST into a GET.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(user_agent) = &config.user_agent {
            builder = builder.user_agent(user_agent.as_str());
        }
        if !env.is_process() {
            builder = configure_proxies(builder.no_proxy(), env)?;
        }
        let bundle = match env.var("AWS_CA_BUNDLE") {
            Some(path) => Some((PathBuf::from(path), "AWS_CA_BUNDLE")),
            None => config.ca_bundle.clone().map(|path| (path, "ca_bundle")),
        };
        if let Some((path, origin)) = &bundle {
            for certificate in read_ca_bundle(path, origin)? {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder.build().map_err(|error| match &bundle {
            // The bundle is the only input reqwest validates at build time.
            Some((path, origin)) => ClientBuildError::CaBundleInvalid {
                path: path.clone(),
                origin,
                reason: error.to_string(),
            },
            None => ClientBuildError::Build(error),
        })?;
        Ok(Self {
            client,
            config: Arc::new(config),
            counters: Arc::default(),
        })
    }

    /// Sends `request`, retrying throttling, server errors and transport failures.
    ///
    /// Returns the last response whatever its status (a 400 is returned at once, a 503 after
    /// the last attempt), or the last transport error.
    pub async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.send_with_attempts(request, self.config.max_attempts)
            .await
    }

    /// Sends `request` exactly once, for callers whose retries are protocol-driven.
    pub async fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.send_with_attempts(request, 1).await
    }

    /// The counters accumulated so far by this client and its clones.
    pub fn stats(&self) -> HttpStats {
        HttpStats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            attempts: self.counters.attempts.load(Ordering::Relaxed),
            retries: self.counters.retries.load(Ordering::Relaxed),
        }
    }

    async fn send_with_attempts(
        &self,
        request: http::Request<Vec<u8>>,
        max_attempts: u32,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let (parts, body) = request.into_parts();
        let uri = parts.uri.to_string();
        let url = Url::parse(&uri).map_err(|error| {
            TransportError::invalid_request(redact::redact_str(&uri), error.to_string())
        })?;
        let redacted = redact_url(&url);
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TransportError::invalid_request(
                redacted,
                "only http and https URLs are supported",
            ));
        }
        let mut attempt = 1;
        loop {
            self.counters.attempts.fetch_add(1, Ordering::Relaxed);
            if attempt > 1 {
                self.counters.retries.fetch_add(1, Ordering::Relaxed);
            }
            let result = self.attempt(&parts, &url, &body).await;
            let retry_after = match &result {
                Ok(response) => {
                    sso_oidc::retry::classify_head(response.status(), response.headers())
                        .map(|_| retry::retry_after(response.headers()))
                }
                Err(error) if error.kind.is_retryable() => Some(None),
                Err(_) => None,
            };
            let retry_in = retry_after
                .filter(|_| attempt < max_attempts)
                .map(|retry_after| {
                    retry::retry_delay(
                        attempt,
                        self.config.backoff_base,
                        self.config.backoff_cap,
                        retry_after,
                        self.config.retry_after_cap,
                        fastrand::f64(),
                    )
                });
            let outcome = match &result {
                Ok(response) => AttemptOutcome::Status(response.status()),
                Err(error) => AttemptOutcome::Failed(error.kind),
            };
            tracing::debug!(
                method = %parts.method,
                url = %redacted,
                attempt,
                outcome = ?outcome,
                retry_in_ms = retry_in.map(|delay| delay.as_millis() as u64),
                "http attempt"
            );
            if let Some(observer) = &self.config.observer {
                observer.attempt_finished(&Attempt {
                    method: &parts.method,
                    url: &redacted,
                    number: attempt,
                    outcome,
                    retry_in,
                });
            }
            match retry_in {
                Some(delay) => {
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                None => {
                    return result.map_err(|mut error| {
                        error.attempts = attempt;
                        error
                    });
                }
            }
        }
    }

    async fn attempt(
        &self,
        parts: &http::request::Parts,
        url: &Url,
        body: &[u8],
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let mut request = reqwest::Request::new(parts.method.clone(), url.clone());
        *request.headers_mut() = parts.headers.clone();
        if !body.is_empty() || parts.method != Method::GET {
            *request.body_mut() = Some(body.to_vec().into());
        }
        let fail = |error: reqwest::Error| self.transport_error(url, error);
        let mut response = self.client.execute(request).await.map_err(fail)?;
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let too_large = || TransportError {
            kind: TransportErrorKind::ResponseTooLarge,
            url: redact_url(url),
            detail: format!(
                "more than {} MiB; refusing to read it",
                MAX_RESPONSE_BODY_BYTES / (1024 * 1024)
            ),
            attempts: 1,
            source: None,
        };
        let declared = response.content_length().unwrap_or(0);
        if usize::try_from(declared).map_or(true, |length| length > MAX_RESPONSE_BODY_BYTES) {
            return Err(too_large());
        }
        // Not more than the declared length up front: a lying header must not reserve memory.
        let mut body = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BODY_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let mut out = http::Response::new(body);
        *out.status_mut() = status;
        *out.version_mut() = version;
        *out.headers_mut() = headers;
        Ok(out)
    }

    fn transport_error(&self, url: &Url, error: reqwest::Error) -> TransportError {
        // reqwest's own message contains the full URL, query included.
        let error = error.without_url();
        let kind = if error.is_timeout() {
            if error.is_connect() {
                TransportErrorKind::ConnectTimeout
            } else {
                TransportErrorKind::ReadTimeout
            }
        } else if error.is_connect() {
            TransportErrorKind::Connect
        } else if error.is_builder() {
            TransportErrorKind::InvalidRequest
        } else {
            TransportErrorKind::Io
        };
        let detail = match kind {
            TransportErrorKind::ConnectTimeout => {
                format!(
                    "no connection within {}",
                    format_duration(self.config.connect_timeout)
                )
            }
            TransportErrorKind::ReadTimeout => {
                format!(
                    "nothing received for {}",
                    format_duration(self.config.read_timeout)
                )
            }
            _ => root_cause(&error),
        };
        TransportError {
            kind,
            url: redact_url(url),
            detail,
            attempts: 1,
            source: Some(Box::new(error)),
        }
    }
}

/// `reqwest::Proxy::http`, `https` or `all`.
type MakeProxy = fn(String) -> reqwest::Result<reqwest::Proxy>;

fn configure_proxies(
    mut builder: reqwest::ClientBuilder,
    env: &Env,
) -> Result<reqwest::ClientBuilder, ClientBuildError> {
    let no_proxy = env
        .first_var(&["NO_PROXY", "no_proxy"])
        .and_then(|list| reqwest::NoProxy::from_string(&list));
    // Order matters: reqwest uses the first proxy that matches a URL.
    let variables: [(&str, &str, MakeProxy); 3] = [
        ("HTTPS_PROXY", "https_proxy", reqwest::Proxy::https),
        ("HTTP_PROXY", "http_proxy", reqwest::Proxy::http),
        ("ALL_PROXY", "all_proxy", reqwest::Proxy::all),
    ];
    for (upper, lower, make) in variables {
        let Some(value) = env.first_var(&[upper, lower]) else {
            continue;
        };
        let variable = if env.var(upper).is_some() {
            upper
        } else {
            lower
        };
        let proxy = make(value).map_err(|_| ClientBuildError::InvalidProxy { variable })?;
        builder = builder.proxy(proxy.no_proxy(no_proxy.clone()));
    }
    Ok(builder)
}

fn read_ca_bundle(
    path: &Path,
    origin: &'static str,
) -> Result<Vec<reqwest::Certificate>, ClientBuildError> {
    let pem = std::fs::read(path).map_err(|source| ClientBuildError::CaBundleUnreadable {
        path: path.to_path_buf(),
        origin,
        source,
    })?;
    let invalid = |reason: String| ClientBuildError::CaBundleInvalid {
        path: path.to_path_buf(),
        origin,
        reason,
    };
    let certificates =
        reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| invalid(root_cause(&error)))?;
    if certificates.is_empty() {
        return Err(invalid("no BEGIN CERTIFICATE block found".to_owned()));
    }
    Ok(certificates)
}

/// The most specific description in an error's source chain, in the lower case of our messages.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    let mut io_error = None;
    while let Some(source) = current.source() {
        if let Some(io) = source.downcast_ref::<std::io::Error>() {
            io_error = Some(io);
        }
        current = source;
    }
    let phrase = io_error.and_then(|io| match io.kind() {
        std::io::ErrorKind::ConnectionRefused => Some("connection refused".to_owned()),
        std::io::ErrorKind::ConnectionReset => Some("connection reset by the server".to_owned()),
        std::io::ErrorKind::ConnectionAborted => Some("connection aborted".to_owned()),
        std::io::ErrorKind::UnexpectedEof => Some("the server closed the connection".to_owned()),
        _ => None,
    });
    phrase.unwrap_or_else(|| lowercase_first(&current.to_string()))
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "10 s" for whole seconds, "250 ms" otherwise.
fn format_duration(duration: Duration) -> String {
    if duration.subsec_millis() == 0 && duration.as_secs() > 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{format_duration, lowercase_first};

    #[test]
    fn durations_print_in_seconds_or_milliseconds() {
        assert_eq!(format_duration(Duration::from_secs(60)), "60 s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500 ms");
        assert_eq!(lowercase_first("Connection refused"), "connection refused");
    }
}
