//! The recorded-exchange transcript format (version 1): the serde twin of `sso-oidc`'s inputs
//! and outputs, documented in `docs/exchanges.md`.
//!
//! Kept apart from the runner so the driver's replay (a real HTTP server feeding the same
//! transcripts to `sso-driver`) can reuse [`parse_transcript`], [`RequestSpec::check`] and
//! [`ResponseSpec::to_response`]. No `untagged` or `flatten`: a step is one struct whose kind
//! is whichever single kind field is present, which keeps serde's error messages precise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// The only version this harness reads.
pub(crate) const VERSION: u32 = 1;

/// One transcript file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Transcript {
    /// Format version; must be [`VERSION`].
    pub(crate) version: u32,
    /// One line saying what the case shows.
    pub(crate) docs: String,
    /// The flow to build.
    pub(crate) flow: FlowSpec,
    /// Entropy for the authorization-code flow.
    #[serde(default)]
    pub(crate) entropy: Option<EntropySpec>,
    /// Absolute start time, Unix milliseconds; every `at` is relative to it.
    pub(crate) start: u64,
    /// The exchange, in order.
    pub(crate) steps: Vec<Step>,
    /// How it ends.
    pub(crate) outcome: OutcomeSpec,
}

/// Which machine to run and its configuration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FlowSpec {
    /// `device_code`, `authorization_code`, `refresh` or `list_accounts`.
    pub(crate) kind: String,
    /// SSO-OIDC endpoint (flows).
    #[serde(default)]
    pub(crate) oidc_endpoint: Option<String>,
    /// Portal endpoint (`list_accounts`).
    #[serde(default)]
    pub(crate) portal_endpoint: Option<String>,
    /// Start URL.
    #[serde(default)]
    pub(crate) start_url: String,
    /// Region.
    #[serde(default)]
    pub(crate) region: String,
    /// Configured scopes.
    #[serde(default)]
    pub(crate) scopes: Vec<String>,
    /// sso-session name (`null` for legacy).
    #[serde(default)]
    pub(crate) session_name: Option<String>,
    /// Cached registration.
    #[serde(default)]
    pub(crate) registration: Option<RegistrationSpec>,
    /// Loopback port (`authorization_code`).
    #[serde(default)]
    pub(crate) redirect_port: Option<u16>,
    /// Refresh token (`refresh`).
    #[serde(default)]
    pub(crate) refresh_token: Option<String>,
    /// Access token (`list_accounts`).
    #[serde(default)]
    pub(crate) access_token: Option<String>,
    /// `max_result` asked for on every page (`list_accounts`); `None` asks for none.
    #[serde(default)]
    pub(crate) page_size: Option<u32>,
}

/// A client registration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegistrationSpec {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    /// Absolute, Unix milliseconds.
    pub(crate) expires_at: u64,
    #[serde(default)]
    pub(crate) scopes: Vec<String>,
    #[serde(default)]
    pub(crate) grant_types: Vec<String>,
}

/// Entropy as hex: 128 verifier bytes and 16 state bytes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntropySpec {
    pub(crate) verifier_hex: String,
    pub(crate) state_hex: String,
}

/// One step. Exactly one of `request`, `event`, `wait_until`, `redirect` is present.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Step {
    /// Time of the step relative to `start` (ms). Ignored by `wait_until` steps.
    #[serde(default)]
    pub(crate) at: u64,
    /// The request the machine must emit now.
    #[serde(default)]
    pub(crate) request: Option<RequestSpec>,
    /// The response to feed back (with `request`).
    #[serde(default)]
    pub(crate) response: Option<ResponseSpec>,
    /// With `request`: the response is retryable and the driver re-sends the same request, so
    /// the machine never sees it and the next step expects the same request again.
    #[serde(default)]
    pub(crate) driver_retries: bool,
    /// The event the machine must emit now.
    #[serde(default)]
    pub(crate) event: Option<EventSpec>,
    /// The machine must ask to wait until `start + wait_until`; the timeout is fed then.
    #[serde(default)]
    pub(crate) wait_until: Option<u64>,
    /// A loopback request's raw query string, fed at `at`.
    #[serde(default)]
    pub(crate) redirect: Option<String>,
}

/// What a request must look like. Headers are a subset check (names case-insensitive); the
/// body is compared as JSON (`null` or absent: empty body); query pairs are order-free.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestSpec {
    pub(crate) method: String,
    pub(crate) path: String,
    #[serde(default)]
    pub(crate) query: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) body: Option<Value>,
}

/// A response to feed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResponseSpec {
    pub(crate) status: u16,
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// JSON body (serialized compactly); absent means empty.
    #[serde(default)]
    pub(crate) body: Option<Value>,
    /// A raw text body instead of JSON.
    #[serde(default)]
    pub(crate) raw_body: Option<String>,
}

/// An expected event; only the fields present are compared.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventSpec {
    /// `client_registered`, `show_user_code` or `open_browser`.
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) client_id: Option<String>,
    #[serde(default)]
    pub(crate) user_code: Option<String>,
    #[serde(default)]
    pub(crate) verification_uri: Option<String>,
    #[serde(default)]
    pub(crate) url: Option<String>,
}

/// How the case ends: exactly one field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutcomeSpec {
    #[serde(default)]
    pub(crate) tokens: Option<TokensSpec>,
    /// An error name (see docs/exchanges.md), e.g. `authorization_expired`,
    /// `service:InvalidGrantException`.
    #[serde(default)]
    pub(crate) error: Option<String>,
    /// Account ids, in order (`list_accounts`).
    #[serde(default)]
    pub(crate) accounts: Option<Vec<String>>,
}

/// Expected tokens.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokensSpec {
    pub(crate) access_token: String,
    /// Relative to `start` (ms).
    pub(crate) expires_at: u64,
    #[serde(default)]
    pub(crate) refresh_token: Option<String>,
    pub(crate) client_id: String,
}

/// Parses and checks one transcript.
pub(crate) fn parse_transcript(text: &str) -> Result<Transcript, String> {
    let transcript: Transcript =
        serde_json::from_str(text).map_err(|e| format!("invalid transcript: {e}"))?;
    if transcript.version != VERSION {
        return Err(format!(
            "unsupported transcript version {} (this harness reads {VERSION})",
            transcript.version
        ));
    }
    if transcript.docs.trim().is_empty() || transcript.docs.contains('\n') {
        return Err("`docs` must be one non-empty line".to_owned());
    }
    for (index, step) in transcript.steps.iter().enumerate() {
        let kinds = usize::from(step.request.is_some())
            + usize::from(step.event.is_some())
            + usize::from(step.wait_until.is_some())
            + usize::from(step.redirect.is_some());
        if kinds != 1 {
            return Err(format!(
                "step {index}: exactly one of request, event, wait_until, redirect is required"
            ));
        }
        if step.request.is_some() != step.response.is_some() {
            return Err(format!(
                "step {index}: a request step needs a response, and only it"
            ));
        }
    }
    let outcomes = usize::from(transcript.outcome.tokens.is_some())
        + usize::from(transcript.outcome.error.is_some())
        + usize::from(transcript.outcome.accounts.is_some());
    if outcomes != 1 {
        return Err("outcome needs exactly one of tokens, error, accounts".to_owned());
    }
    Ok(transcript)
}

/// Every `exchange.json` under `dir` (sorted), named by its path relative to `dir`.
pub(crate) fn discover(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "exchange.json") {
                let name = path
                    .parent()
                    .and_then(|p| p.strip_prefix(dir).ok())
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                found.push((name, path));
            }
        }
    }
    found.sort();
    found
}

impl RequestSpec {
    /// Compares a request the machine emitted with this expectation.
    pub(crate) fn check(&self, request: &http::Request<Vec<u8>>) -> Result<(), String> {
        if request.method().as_str() != self.method {
            return Err(format!("method {} != {}", request.method(), self.method));
        }
        if request.uri().path() != self.path {
            return Err(format!("path {} != {}", request.uri().path(), self.path));
        }
        let query: BTreeMap<String, String> = request
            .uri()
            .query()
            .map(url_decode_pairs)
            .unwrap_or_default();
        if query != self.query {
            return Err(format!("query {query:?} != {:?}", self.query));
        }
        for (name, value) in &self.headers {
            let actual = request
                .headers()
                .get(name.as_str())
                .and_then(|v| v.to_str().ok());
            if actual != Some(value.as_str()) {
                return Err(format!("header {name}: {actual:?} != {value:?}"));
            }
        }
        let body = if request.body().is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(request.body())
                .map_err(|e| format!("request body is not JSON: {e}"))?
        };
        let expected = self.body.clone().unwrap_or(Value::Null);
        if body != expected {
            return Err(format!("body {body} != {expected}"));
        }
        Ok(())
    }
}

fn url_decode_pairs(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl ResponseSpec {
    /// The `http::Response` to feed.
    pub(crate) fn to_response(&self) -> Result<http::Response<Vec<u8>>, String> {
        let body = match (&self.body, &self.raw_body) {
            (Some(json), None) => serde_json::to_vec(json).map_err(|e| e.to_string())?,
            (None, Some(raw)) => raw.as_bytes().to_vec(),
            (None, None) => Vec::new(),
            (Some(_), Some(_)) => return Err("a response has either body or raw_body".to_owned()),
        };
        let mut builder = http::Response::builder().status(self.status);
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder
            .body(body)
            .map_err(|e| format!("invalid response: {e}"))
    }
}

/// Decodes hex into exactly `N` bytes.
pub(crate) fn hex_bytes<const N: usize>(hex: &str) -> Result<[u8; N], String> {
    let hex = hex.trim();
    if hex.len() != N * 2 {
        return Err(format!("expected {} hex digits, got {}", N * 2, hex.len()));
    }
    let mut out = [0; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte =
            u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).map_err(|e| format!("bad hex: {e}"))?;
    }
    Ok(out)
}
