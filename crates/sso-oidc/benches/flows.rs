//! Criterion bench: a whole device-code flow and a whole PKCE flow over an in-memory script
//! (registration, authorization, one pending poll, token), waits excluded.

#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use sso_oidc::{Endpoint, Entropy, Flow, FlowConfig, Input, Output, RedirectUri, Timestamp};

fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

const REGISTER: &str = r#"{"clientId":"cid","clientSecret":"csecret","clientIdIssuedAt":1700000000,"clientSecretExpiresAt":1707776000}"#;
const DEVICE: &str = r#"{"deviceCode":"dc","userCode":"ABCD-EFGH","verificationUri":"https://device.sso.us-east-1.amazonaws.com/","verificationUriComplete":"https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH","expiresIn":600,"interval":1}"#;
const PENDING: &str = r#"{"error":"authorization_pending","error_description":"pending"}"#;
const TOKEN: &str =
    r#"{"accessToken":"at","tokenType":"Bearer","expiresIn":28800,"refreshToken":"rt"}"#;

fn config() -> FlowConfig {
    let mut config = FlowConfig::new(
        Endpoint::parse("https://oidc.us-east-1.amazonaws.com").unwrap(),
        "https://d-123.awsapps.com/start",
        "us-east-1",
    );
    config.session_name = Some("bench".to_owned());
    config
}

/// Drives `flow`, answering each transmit from `script` in order; returns whether it succeeded.
fn drive(mut flow: Flow, script: &[(u16, &str)], mut redirect: Option<&str>) -> bool {
    let mut now = Timestamp::from_unix_millis(1_700_000_000_000);
    let mut script = script.iter();
    loop {
        match flow.poll_output() {
            Output::Transmit { id, request, .. } => {
                black_box(&request);
                let (status, body) = script.next().unwrap();
                let mut response = response(*status, body);
                if *status != 200 {
                    response.headers_mut().insert(
                        "x-amzn-errortype",
                        "AuthorizationPendingException".parse().unwrap(),
                    );
                }
                flow.handle_input(Input::Response { id, now, response })
                    .unwrap();
            }
            Output::Event(event) => {
                black_box(event);
            }
            Output::Wait { until } => match (redirect.take(), until) {
                (Some(query), _) => {
                    let query = query.to_owned();
                    flow.handle_input(Input::Redirect { now, query }).unwrap();
                }
                (None, Some(until)) => {
                    now = until;
                    flow.handle_input(Input::Timeout { now }).unwrap();
                }
                (None, None) => unreachable!("nothing to wait for in a scripted run"),
            },
            Output::Done(result) => return result.is_ok(),
            _ => unreachable!(),
        }
    }
}

fn flows(c: &mut Criterion) {
    c.bench_function("device_code_flow", |b| {
        b.iter(|| {
            let flow = Flow::device_code(config(), Timestamp::from_unix_millis(1_700_000_000_000));
            assert!(drive(
                flow,
                &[(200, REGISTER), (200, DEVICE), (400, PENDING), (200, TOKEN)],
                None
            ));
        });
    });
    let entropy = Entropy::new([7; sso_oidc::VERIFIER_ENTROPY_LEN], [0; 16]);
    let query = format!("code=abc&state={}", entropy.state());
    c.bench_function("authorization_code_flow", |b| {
        b.iter(|| {
            let flow = Flow::authorization_code(
                config(),
                RedirectUri::loopback(55555),
                &entropy,
                Timestamp::from_unix_millis(1_700_000_000_000),
            );
            assert!(drive(flow, &[(200, REGISTER), (200, TOKEN)], Some(&query)));
        });
    });
}

criterion_group!(benches, flows);
criterion_main!(benches);
