//! Test helpers: responses, a standard config, and a `Script` that plays the server.

use sso_oidc::{
    Endpoint, Event, ExchangeId, Flow, FlowConfig, FlowError, Input, Output, Timestamp, Tokens,
};

pub(crate) const T0: Timestamp = Timestamp::from_unix_millis(1_700_000_000_000);

pub(crate) fn response(
    status: u16,
    error_type: Option<&str>,
    body: &str,
) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(status);
    if let Some(error_type) = error_type {
        builder = builder.header("x-amzn-ErrorType", error_type);
    }
    builder.body(body.as_bytes().to_vec()).unwrap()
}

pub(crate) fn ok(body: &str) -> http::Response<Vec<u8>> {
    response(200, None, body)
}

pub(crate) fn oauth_error(code: &str, error: &str) -> http::Response<Vec<u8>> {
    let status = if code == "InvalidClientException" {
        401
    } else {
        400
    };
    response(
        status,
        Some(code),
        &format!(r#"{{"error":"{error}","error_description":"{error} happened"}}"#),
    )
}

pub(crate) fn config() -> FlowConfig {
    let mut config = FlowConfig::new(
        Endpoint::parse("https://oidc.us-east-1.amazonaws.com").unwrap(),
        "https://d-123.awsapps.com/start",
        "us-east-1",
    );
    config.session_name = Some("my-sso".to_owned());
    config
}

pub(crate) const REGISTER_OK: &str = r#"{"clientId":"cid","clientSecret":"csecret","clientIdIssuedAt":1700000000,"clientSecretExpiresAt":1707776000}"#;
pub(crate) const DEVICE_OK: &str = r#"{"deviceCode":"dc","userCode":"ABCD-EFGH","verificationUri":"https://device.sso.us-east-1.amazonaws.com/","verificationUriComplete":"https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH","expiresIn":600,"interval":1}"#;
pub(crate) const TOKEN_OK: &str =
    r#"{"accessToken":"at","tokenType":"Bearer","expiresIn":3600,"refreshToken":"rt"}"#;

/// Plays the server: each `expect_*` drains outputs and checks the next meaningful one.
pub(crate) struct Script {
    pub(crate) flow: Flow,
    pub(crate) now: Timestamp,
    pending: Option<ExchangeId>,
    pub(crate) events: Vec<Event>,
}

impl Script {
    pub(crate) fn new(flow: Flow) -> Self {
        Self {
            flow,
            now: T0,
            pending: None,
            events: Vec::new(),
        }
    }

    /// Next non-event output (events are collected).
    pub(crate) fn next(&mut self) -> Output {
        loop {
            match self.flow.poll_output() {
                Output::Event(event) => self.events.push(event),
                other => return other,
            }
        }
    }

    /// Expects a request to `path` and returns its JSON body (or `Null`).
    pub(crate) fn expect_request(&mut self, method: &str, path: &str) -> serde_json::Value {
        match self.next() {
            Output::Transmit { id, request, .. } => {
                assert_eq!(request.method().as_str(), method);
                assert_eq!(request.uri().path(), path);
                self.pending = Some(id);
                if request.body().is_empty() {
                    serde_json::Value::Null
                } else {
                    serde_json::from_slice(request.body()).unwrap()
                }
            }
            other => panic!("expected a {method} {path} request, got {other:?}"),
        }
    }

    pub(crate) fn respond(&mut self, response: http::Response<Vec<u8>>) {
        let id = self.pending.take().expect("a request is outstanding");
        self.flow
            .handle_input(Input::Response {
                id,
                now: self.now,
                response,
            })
            .unwrap();
    }

    /// Expects `Wait { until: now + millis }` and feeds the timeout at that time.
    pub(crate) fn expect_wait(&mut self, millis: u64) {
        let expected = self
            .now
            .saturating_add(std::time::Duration::from_millis(millis));
        match self.next() {
            Output::Wait { until: Some(until) } => assert_eq!(until, expected),
            other => panic!("expected a wait of {millis} ms, got {other:?}"),
        }
        self.now = expected;
        self.flow
            .handle_input(Input::Timeout { now: self.now })
            .unwrap();
    }

    pub(crate) fn redirect(&mut self, query: &str) {
        assert!(matches!(self.next(), Output::Wait { until: Some(_) }));
        self.flow
            .handle_input(Input::Redirect {
                now: self.now,
                query: query.to_owned(),
            })
            .unwrap();
    }

    pub(crate) fn expect_done(&mut self) -> Result<Tokens, FlowError> {
        match self.next() {
            Output::Done(result) => {
                assert!(matches!(
                    self.flow.poll_output(),
                    Output::Wait { until: None }
                ));
                result
            }
            other => panic!("expected Done, got {other:?}"),
        }
    }
}
