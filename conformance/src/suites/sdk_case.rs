//! One case of the AWS SDK for Rust's provider test data (`token-provider/`,
//! `credential-provider/`, `profile-provider/`), loaded and made runnable (protocol.md §8).
//!
//! A case is a folder with `env.json` (environment variables), `fs/` (mounted as `/`),
//! `http-traffic.json` (recorded exchanges, the smithy `dvr` format) and `test-case.json` (the
//! expected token, credentials or error). [`SdkCase::load`] copies `fs/` into a fresh temporary
//! directory and rewrites absolute paths in the environment (`HOME=/home`) into it, so the
//! driver reads the case's files through its ordinary code, and [`SdkCase::sso`] is the
//! use-case handle loaded from them, wired to the case's traffic and clock. [`Replay`] is a
//! [`sso_driver::transport::Transport`] that answers each request with the next recorded
//! response after checking method, scheme, host, path, the query as a set and the
//! `x-amz-sso_bearer_token` header (which the Rust runner does not check).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::Value;
use sso_driver::Sso;
use sso_driver::clock::WallClock;
use sso_driver::env::Env;
use sso_driver::sso::Selection;
use sso_driver::transport::{Transport, TransportError, TransportErrorKind};

use crate::Context;
use crate::report::SuiteReport;

/// The instant the SDK's runner pins its clock to (2021-08-16T20:52:53Z), in milliseconds.
pub(crate) const CASE_TIME_MS: u64 = 1_629_147_173_000;

/// A clock that always reads [`CASE_TIME_MS`].
pub(crate) struct FixedClock;

impl WallClock for FixedClock {
    fn now_unix_ms(&self) -> u64 {
        CASE_TIME_MS
    }
}

/// What a case expects.
#[derive(Debug, Clone)]
pub(crate) enum Expected {
    /// A token (`token`, `expiration`) or credentials (`access_key_id`, ...), as raw JSON.
    Ok(serde_json::Map<String, Value>),
    /// An error whose message (in the Rust SDK) contains this text.
    ErrorContains(String),
}

/// A loaded case with its files in a temporary directory (removed on drop).
pub(crate) struct SdkCase {
    /// The environment, with paths moved into the temporary root.
    pub(crate) env: Env,
    /// The expected outcome.
    pub(crate) expected: Expected,
    /// The recorded traffic.
    pub(crate) replay: Arc<Replay>,
    /// Keeps the temporary directory alive as long as the case.
    _root: tempfile::TempDir,
}

impl SdkCase {
    /// The use-case handle of the case: its environment and files, nothing selected (the
    /// SDK's default), its recorded traffic as the transport and its pinned clock.
    pub(crate) fn sso(&self) -> Result<Sso, String> {
        Ok(Sso::load(&self.env, Selection::Default)
            .map_err(|e| e.to_string())?
            .with_transport(Arc::clone(&self.replay))
            .with_clock(FixedClock))
    }

    /// Loads the case in `dir`.
    pub(crate) fn load(dir: &Path) -> Result<Self, String> {
        let root = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
        let fs = dir.join("fs");
        if fs.is_dir() {
            copy_tree(&fs, root.path())?;
        }
        let raw: BTreeMap<String, String> = read_json(&dir.join("env.json"))?;
        let vars: BTreeMap<String, String> = raw
            .into_iter()
            .map(|(key, value)| {
                // Paths move into the temporary root; URI paths (the container credentials'
                // relative URI) are not files.
                let value = if value.starts_with('/') && !key.ends_with("_URI") {
                    format!("{}{value}", root.path().display())
                } else {
                    value
                };
                (key, value)
            })
            .collect();
        for file in ["home/.aws/config", "home/.aws/credentials"] {
            rebase_file_paths(&root.path().join(file), root.path())?;
        }
        let env = Env::from_vars(vars);
        let case: TestCase = read_json(&dir.join("test-case.json"))?;
        let expected = match case.result {
            CaseResult::Ok(map) => Expected::Ok(map),
            CaseResult::ErrorContains(text) => Expected::ErrorContains(text),
        };
        let traffic_path = dir.join("http-traffic.json");
        let replay = Arc::new(if traffic_path.is_file() {
            Replay::from_traffic(&read_json(&traffic_path)?)?
        } else {
            Replay::default()
        });
        Ok(Self {
            env,
            expected,
            replay,
            _root: root,
        })
    }
}

/// Rewrites `key = /path` lines of a case's config file whose path exists under `root` (the
/// case's `fs/`, e.g. `web_identity_token_file = /token.jwt`) to point into `root`.
fn rebase_file_paths(file: &Path, root: &Path) -> Result<(), String> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Ok(());
    };
    let rebased: Vec<String> = text
        .lines()
        .map(|line| match line.split_once('=') {
            Some((key, value))
                if value.trim().starts_with('/')
                    && root.join(value.trim().trim_start_matches('/')).exists() =>
            {
                format!("{key}= {}{}", root.display(), value.trim())
            }
            _ => line.to_owned(),
        })
        .collect();
    std::fs::write(file, rebased.join("\n") + "\n").map_err(|e| format!("{}: {e}", file.display()))
}

/// Every case folder under `dir`, sorted by name.
pub(crate) fn case_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.join("test-case.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

#[derive(Deserialize)]
struct TestCase {
    result: CaseResult,
}

#[derive(Deserialize)]
enum CaseResult {
    Ok(serde_json::Map<String, Value>),
    ErrorContains(String),
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        if source.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
            copy_tree(&source, &target)?;
        } else {
            std::fs::copy(&source, &target).map_err(|e| format!("{}: {e}", target.display()))?;
        }
    }
    Ok(())
}

/// A recorded response: status, headers and body, or the transport error message.
type RecordedResponse = Result<(u16, Vec<(String, String)>, Vec<u8>), String>;

/// One recorded request/response pair.
#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    uri: String,
    headers: BTreeMap<String, Vec<String>>,
    response: RecordedResponse,
}

/// Recorded traffic served in order; mismatches are collected, not panicked on.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    pending: Mutex<VecDeque<Exchange>>,
    problems: Mutex<Vec<String>>,
}

impl Replay {
    fn from_traffic(traffic: &Value) -> Result<Self, String> {
        let events = traffic
            .get("events")
            .and_then(Value::as_array)
            .ok_or("http-traffic.json: no `events` array")?;
        let mut by_connection: BTreeMap<u64, Exchange> = BTreeMap::new();
        let mut order = Vec::new();
        for event in events {
            let id = event
                .get("connection_id")
                .and_then(Value::as_u64)
                .ok_or("event without connection_id")?;
            let exchange = by_connection.entry(id).or_insert_with(|| {
                order.push(id);
                Exchange {
                    method: String::new(),
                    uri: String::new(),
                    headers: BTreeMap::new(),
                    response: Err("no response recorded".to_owned()),
                }
            });
            let action = event.get("action").ok_or("event without action")?;
            if let Some(request) = action.pointer("/Request/request") {
                exchange.method = str_at(request, "method");
                exchange.uri = str_at(request, "uri");
                exchange.headers = headers_at(request);
            } else if let Some(response) = action.pointer("/Response/response") {
                exchange.response = match response.get("Ok") {
                    Some(ok) => {
                        let status = ok
                            .get("status")
                            .and_then(Value::as_u64)
                            .and_then(|s| u16::try_from(s).ok())
                            .ok_or("response without status")?;
                        let headers = headers_at(ok)
                            .into_iter()
                            .filter(|(name, _)| name != "content-length")
                            .flat_map(|(name, values)| {
                                values.into_iter().map(move |v| (name.clone(), v))
                            })
                            .collect();
                        Ok((status, headers, Vec::new()))
                    }
                    None => Err(response
                        .get("Err")
                        .map_or_else(|| "error".to_owned(), Value::to_string)),
                };
            } else if let Some(data) = action.get("Data") {
                let response_side =
                    data.get("direction").and_then(Value::as_str) == Some("Response");
                let bytes = match data.pointer("/data/Utf8").and_then(Value::as_str) {
                    Some(text) => text.as_bytes().to_vec(),
                    None => Vec::new(),
                };
                if response_side && let Ok((_, _, body)) = &mut exchange.response {
                    body.extend_from_slice(&bytes);
                }
            }
        }
        let pending = order
            .into_iter()
            .filter_map(|id| by_connection.remove(&id))
            .collect();
        Ok(Self {
            pending: Mutex::new(pending),
            ..Self::default()
        })
    }

    /// Requests that did not match the recording, and recorded exchanges never requested.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = lock(&self.problems).clone();
        let left = lock(&self.pending).len();
        if left > 0 {
            problems.push(format!("{left} recorded exchange(s) were never requested"));
        }
        problems
    }

    fn answer(
        &self,
        request: &http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let url = request.uri().to_string();
        let Some(exchange) = lock(&self.pending).pop_front() else {
            lock(&self.problems).push(format!("unexpected request {} {url}", request.method()));
            return Err(TransportError::new(
                TransportErrorKind::Connect,
                &url,
                "no recorded exchange left",
            ));
        };
        if let Err(problem) = compare(&exchange, request) {
            lock(&self.problems).push(problem);
        }
        match exchange.response {
            Ok((status, headers, body)) => {
                let mut builder = http::Response::builder().status(status);
                for (name, value) in headers {
                    builder = builder.header(name, value);
                }
                builder.body(body).map_err(|e| {
                    TransportError::new(TransportErrorKind::Io, &url, format!("bad recording: {e}"))
                })
            }
            Err(message) => Err(TransportError::new(TransportErrorKind::Io, &url, message)),
        }
    }
}

impl Transport for Replay {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.answer(&request)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn str_at(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn headers_at(value: &Value) -> BTreeMap<String, Vec<String>> {
    value
        .get("headers")
        .and_then(Value::as_object)
        .map(|headers| {
            headers
                .iter()
                .map(|(name, values)| {
                    let values = values
                        .as_array()
                        .map(|vs| {
                            vs.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default();
                    (name.to_ascii_lowercase(), values)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Method, scheme, authority and path equal; query parameters equal as a set; the bearer token
/// header equal when recorded.
fn compare(exchange: &Exchange, request: &http::Request<Vec<u8>>) -> Result<(), String> {
    let recorded: http::Uri = exchange
        .uri
        .parse()
        .map_err(|e| format!("recorded URI {}: {e}", exchange.uri))?;
    let actual = request.uri();
    let query_set = |uri: &http::Uri| -> BTreeSet<String> {
        uri.query()
            .unwrap_or_default()
            .split('&')
            .filter(|part| !part.is_empty())
            .map(str::to_owned)
            .collect()
    };
    if !exchange
        .method
        .eq_ignore_ascii_case(request.method().as_str())
        || recorded.scheme() != actual.scheme()
        || recorded.authority() != actual.authority()
        || recorded.path() != actual.path()
        || query_set(&recorded) != query_set(actual)
    {
        return Err(format!(
            "expected {} {}, got {} {actual}",
            exchange.method,
            exchange.uri,
            request.method()
        ));
    }
    if let Some(expected) = exchange.headers.get("x-amz-sso_bearer_token") {
        let actual: Vec<String> = request
            .headers()
            .get_all("x-amz-sso_bearer_token")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        if &actual != expected {
            return Err(format!(
                "the x-amz-sso_bearer_token header of {} differs from the recording",
                exchange.uri
            ));
        }
    }
    Ok(())
}

/// Runs every case of `shared/conformance/aws-sdk-rust/{suite}/` through `run_case`, reported
/// under the folder's last component.
pub(crate) fn run_suite(
    context: &Context,
    suite: &'static str,
    run_case: fn(&SdkCase) -> Result<(), String>,
) -> SuiteReport {
    let name: &'static str = suite.rsplit('/').next().unwrap_or(suite);
    let mut report = SuiteReport::new(name);
    let Some(dir) = context.aws_sdk_rust().map(|d| d.join(suite)) else {
        report.skip(
            "suite",
            format!(
                "{} not found: every case skipped",
                context.shared.join("aws-sdk-rust").join(suite).display()
            ),
        );
        return report;
    };
    let cases = case_dirs(&dir);
    if cases.is_empty() {
        report.fail("suite", format!("no case found under {}", dir.display()));
    }
    for case_dir in cases {
        let name = case_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let outcome = SdkCase::load(&case_dir).and_then(|case| run_case(&case));
        report.record(name, outcome);
    }
    report
}

/// Fails when the recorded traffic was not matched exactly.
pub(crate) fn check_replay(case: &SdkCase) -> Result<(), String> {
    let problems = case.replay.problems();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("traffic: {}", problems.join("; ")))
    }
}

/// Compares one expected string field with what we produced.
pub(crate) fn expect_field(
    want: &serde_json::Map<String, Value>,
    key: &str,
    got: &str,
) -> Result<(), String> {
    match want.get(key).and_then(Value::as_str) {
        Some(expected) if expected == got => Ok(()),
        Some(expected) => Err(format!("{key}: expected {expected:?}, got {got:?}")),
        None => Ok(()),
    }
}
