//! The replay server of the `exchanges-driver` suite: an HTTP server on `127.0.0.1` that answers
//! a transcript's requests with the recorded responses, in order, after checking each incoming
//! request against the recorded one with [`RequestSpec::check`] (method, path, query as a set,
//! the recorded headers, the JSON body as a value) and its timing against the driver's clock.
//!
//! A request that does not match is answered `400` with the error code `ReplayMismatch` (a code
//! no machine treats as retryable), and the mismatch is kept so that the case fails with it
//! rather than with the driver's reaction to the odd answer. The server also keeps the order in
//! which requests and the prompt's events happened, which the suite compares with the
//! transcript's step order.

use std::convert::Infallible;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use super::super::transcript::{RequestSpec, ResponseSpec};

/// One recorded request and its response.
#[derive(Debug)]
pub(crate) struct Exchange {
    /// The transcript step it came from (for messages).
    pub(crate) step: usize,
    /// The step's time, absolute Unix milliseconds.
    pub(crate) at: u64,
    /// The end of the `wait_until` step recorded since the previous request, absolute.
    pub(crate) after_wait: Option<u64>,
    /// What the request must look like.
    pub(crate) request: RequestSpec,
    /// What to answer.
    pub(crate) response: ResponseSpec,
}

/// What happened, in order: requests served and events shown by the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Observed {
    /// The request of transcript step `step` was served.
    Request {
        /// Its transcript step.
        step: usize,
    },
    /// `Prompt::show_user_code`.
    ShowUserCode {
        /// The code shown.
        user_code: String,
        /// The page shown.
        verification_uri: String,
    },
    /// The URL the driver would open in the browser (PKCE authorize URL, or the device flow's
    /// complete verification URI).
    OpenBrowser {
        /// The URL, byte for byte.
        url: String,
    },
}

/// The replay shared by the server, the transport and the prompt of one case.
#[derive(Debug)]
pub(crate) struct Replay {
    exchanges: Vec<Exchange>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The next exchange to serve.
    next: usize,
    /// The driver's clock when the transport began the current send.
    sent_at: Option<u64>,
    /// `at` of the last exchange served during the current send.
    served_at: Option<u64>,
    /// Mismatches, in order.
    failures: Vec<String>,
    observed: Vec<Observed>,
    /// `(recorded, actual)` replacements applied to expected values (the loopback port).
    substitutions: Vec<(String, String)>,
}

impl Replay {
    /// A replay of `exchanges`, in order.
    pub(crate) fn new(exchanges: Vec<Exchange>) -> Self {
        Self {
            exchanges,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The transport is about to send a request at driver time `now` (absolute ms).
    pub(crate) fn begin_send(&self, now: u64) {
        let mut state = self.state();
        state.sent_at = Some(now);
        state.served_at = None;
    }

    /// The send is over: the absolute time of the last response served during it, if any.
    pub(crate) fn end_send(&self) -> Option<u64> {
        let mut state = self.state();
        state.sent_at = None;
        state.served_at.take()
    }

    /// Records an event shown by the prompt.
    pub(crate) fn observe(&self, event: Observed) {
        self.state().observed.push(event);
    }

    /// Records a failure found outside the server (the browser, the prompt).
    pub(crate) fn fail(&self, why: String) {
        self.state().failures.push(why);
    }

    /// From now on, `recorded` in an expected value stands for `actual`.
    pub(crate) fn substitute(&self, recorded: String, actual: String) {
        self.state().substitutions.push((recorded, actual));
    }

    /// Applies the substitutions to an expected string.
    pub(crate) fn substituted(&self, text: &str) -> String {
        substitute_str(text, &self.state().substitutions)
    }

    /// What happened, in order.
    pub(crate) fn observed(&self) -> Vec<Observed> {
        self.state().observed.clone()
    }

    /// `Err` with the first mismatch, or when the driver stopped before the last exchange.
    pub(crate) fn finish(&self) -> Result<(), String> {
        let state = self.state();
        if let Some(first) = state.failures.first() {
            let more = state.failures.len() - 1;
            return Err(if more == 0 {
                first.clone()
            } else {
                format!("{first} (and {more} more)")
            });
        }
        match self.exchanges.get(state.next) {
            Some(missing) => Err(format!(
                "step {}: the driver never sent {} {} ({} of {} recorded requests served)",
                missing.step,
                missing.request.method,
                missing.request.path,
                state.next,
                self.exchanges.len()
            )),
            None => Ok(()),
        }
    }

    /// Checks one incoming request and returns the response to send.
    fn answer(&self, request: &http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        let mut state = self.state();
        let Some(exchange) = self.exchanges.get(state.next) else {
            let why = format!(
                "unexpected request after the last recorded one: {} {}",
                request.method(),
                request.uri().path()
            );
            state.failures.push(why.clone());
            return mismatch(&why);
        };
        let step = exchange.step;
        let expected = substitute_request(&exchange.request, &state.substitutions);
        let timing = match state.sent_at {
            Some(sent) => check_timing(exchange, sent),
            None => Err("a request arrived outside a send of the driver's transport".to_owned()),
        };
        let checked = expected.check(request).and(timing);
        let response = checked.and_then(|()| exchange.response.to_response());
        match response {
            Ok(response) => {
                state.next += 1;
                state.served_at = Some(exchange.at);
                state.observed.push(Observed::Request { step });
                response
            }
            Err(why) => {
                let why = format!("step {step}: {why}");
                state.failures.push(why.clone());
                mismatch(&why)
            }
        }
    }
}

/// The driver must have waited at least until the recorded wait ended, and not be later than
/// the recorded request.
fn check_timing(exchange: &Exchange, sent: u64) -> Result<(), String> {
    if let Some(wait) = exchange.after_wait
        && sent < wait
    {
        return Err(format!(
            "sent at {sent} ms, before the recorded wait ended at {wait} ms (Unix time)"
        ));
    }
    if sent > exchange.at {
        return Err(format!(
            "sent at {sent} ms, after the recorded {} ms (Unix time)",
            exchange.at
        ));
    }
    Ok(())
}

fn mismatch(why: &str) -> http::Response<Vec<u8>> {
    let body = serde_json::json!({ "error": "replay_mismatch", "error_description": why });
    let mut response = http::Response::new(body.to_string().into_bytes());
    *response.status_mut() = http::StatusCode::BAD_REQUEST;
    response.headers_mut().insert(
        "x-amzn-errortype",
        http::HeaderValue::from_static("ReplayMismatch"),
    );
    response
}

fn substitute_str(text: &str, substitutions: &[(String, String)]) -> String {
    substitutions
        .iter()
        .fold(text.to_owned(), |text, (from, to)| text.replace(from, to))
}

fn substitute_value(value: &Value, substitutions: &[(String, String)]) -> Value {
    match value {
        Value::String(text) => Value::String(substitute_str(text, substitutions)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| substitute_value(item, substitutions))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| (key.clone(), substitute_value(item, substitutions)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn substitute_request(spec: &RequestSpec, substitutions: &[(String, String)]) -> RequestSpec {
    let mut spec = spec.clone();
    if substitutions.is_empty() {
        return spec;
    }
    for value in spec.query.values_mut() {
        *value = substitute_str(value, substitutions);
    }
    spec.body = spec.body.map(|body| substitute_value(&body, substitutions));
    spec
}

/// The running server; dropping it stops it and closes every connection.
#[derive(Debug)]
pub(crate) struct ReplayServer {
    url: String,
    task: JoinHandle<()>,
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ReplayServer {
    /// Binds `127.0.0.1` on a free port and serves `replay` on the current runtime.
    pub(crate) async fn start(replay: Arc<Replay>) -> std::io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let replay = Arc::clone(&replay);
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let replay = Arc::clone(&replay);
                        async move { Ok::<_, Infallible>(serve(&replay, request).await) }
                    });
                    // A client that goes away mid-request is the driver's business.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self { url, task })
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }
}

async fn serve(replay: &Replay, request: http::Request<Incoming>) -> http::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let response = match body.collect().await {
        Ok(body) => {
            let request = http::Request::from_parts(parts, body.to_bytes().to_vec());
            replay.answer(&request)
        }
        Err(error) => {
            let why = format!("could not read a request body: {error}");
            replay.fail(why.clone());
            mismatch(&why)
        }
    };
    response.map(|body| Full::new(Bytes::from(body)))
}
