//! Criterion bench: a whole device-code flow and a whole PKCE flow replayed from the recorded
//! transcripts `fixtures/exchanges/{device_code,authorization_code}/happy_path/exchange.json`
//! (registration, authorization, pending poll or stray redirect, token), waits excluded.
//!
//! The transcripts are embedded and turned into responses once, outside the measured loop; each
//! iteration builds the flow, drains every output and feeds every response, redirect and timeout.
//! The format is described in `docs/exchanges.md`; only the fields a replay needs are read here.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use serde_json::Value;
use sso_oidc::{
    Endpoint, Entropy, Flow, FlowConfig, Input, Output, RedirectUri, Timestamp,
    VERIFIER_ENTROPY_LEN,
};

/// What the replay feeds next, in transcript order.
#[derive(Clone)]
enum Step {
    /// Answer the next `Transmit` with this response at `start + at`.
    Response(u64, http::Response<Vec<u8>>),
    /// Feed this redirect query at `start + at` while the flow waits.
    Redirect(u64, String),
    /// The flow must wait until `start + at`; feed the timeout then (the wait itself is skipped).
    WaitUntil(u64),
}

/// A transcript reduced to what a replay needs.
struct Transcript {
    kind: String,
    config: FlowConfig,
    redirect_port: u16,
    entropy: Option<Entropy>,
    start: Timestamp,
    steps: Vec<Step>,
    access_token: String,
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// The transcripts, embedded at compile time (the crate's lints forbid filesystem calls).
const DEVICE_CODE_HAPPY_PATH: &str =
    include_str!("../../../fixtures/exchanges/device_code/happy_path/exchange.json");
const AUTHORIZATION_CODE_HAPPY_PATH: &str =
    include_str!("../../../fixtures/exchanges/authorization_code/happy_path/exchange.json");

fn load(case: &str, text: &str) -> Transcript {
    let json: Value = serde_json::from_str(text).unwrap();
    assert_eq!(json["version"], 1, "{case}");
    let flow = &json["flow"];
    let mut config = FlowConfig::new(
        Endpoint::parse(flow["oidc_endpoint"].as_str().unwrap()).unwrap(),
        flow["start_url"].as_str().unwrap(),
        flow["region"].as_str().unwrap(),
    );
    config.scopes = flow["scopes"]
        .as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    config.session_name = flow["session_name"].as_str().map(str::to_owned);
    let entropy = json.get("entropy").map(|e| {
        let verifier: [u8; VERIFIER_ENTROPY_LEN] =
            hex(e["verifier_hex"].as_str().unwrap()).try_into().unwrap();
        let state: [u8; 16] = hex(e["state_hex"].as_str().unwrap()).try_into().unwrap();
        Entropy::new(verifier, state)
    });
    let mut steps = Vec::new();
    for step in json["steps"].as_array().unwrap() {
        let at = step["at"].as_u64().unwrap_or(0);
        if let Some(response) = step.get("response") {
            assert!(
                step.get("driver_retries").is_none(),
                "happy paths have no retries"
            );
            let mut builder = http::Response::builder()
                .status(u16::try_from(response["status"].as_u64().unwrap()).unwrap());
            if let Some(headers) = response["headers"].as_object() {
                for (name, value) in headers {
                    builder = builder.header(name.as_str(), value.as_str().unwrap());
                }
            }
            let body = match (response.get("body"), response.get("raw_body")) {
                (Some(body), _) if !body.is_null() => serde_json::to_vec(body).unwrap(),
                (_, Some(raw)) => raw.as_str().unwrap().as_bytes().to_vec(),
                _ => Vec::new(),
            };
            steps.push(Step::Response(at, builder.body(body).unwrap()));
        } else if let Some(query) = step.get("redirect") {
            steps.push(Step::Redirect(at, query.as_str().unwrap().to_owned()));
        } else if let Some(until) = step.get("wait_until") {
            steps.push(Step::WaitUntil(until.as_u64().unwrap()));
        }
    }
    Transcript {
        kind: flow["kind"].as_str().unwrap().to_owned(),
        config,
        redirect_port: flow["redirect_port"]
            .as_u64()
            .map_or(0, |p| u16::try_from(p).unwrap()),
        entropy,
        start: Timestamp::from_unix_ms(json["start"].as_u64().unwrap()),
        steps,
        access_token: json["outcome"]["tokens"]["access_token"]
            .as_str()
            .unwrap()
            .to_owned(),
    }
}

/// Replays `transcript` through a fresh flow; returns the access token obtained.
fn replay(transcript: &Transcript) -> String {
    let start = transcript.start;
    let at = |offset: u64| start.saturating_add(std::time::Duration::from_millis(offset));
    let mut flow = match transcript.kind.as_str() {
        "device_code" => Flow::device_code(transcript.config.clone(), start),
        "authorization_code" => Flow::authorization_code(
            transcript.config.clone(),
            RedirectUri::loopback(transcript.redirect_port),
            transcript.entropy.as_ref().unwrap(),
            start,
        ),
        other => panic!("no bench for {other}"),
    };
    let mut steps = transcript.steps.iter();
    loop {
        match flow.poll_output() {
            Output::Transmit { id, request, .. } => {
                black_box(&request);
                let Some(Step::Response(offset, response)) = steps.next() else {
                    panic!("the transcript has no response here");
                };
                let input = Input::Response {
                    id,
                    now: at(*offset),
                    response: response.clone(),
                };
                flow.handle_input(input).unwrap();
            }
            Output::Event(event) => {
                black_box(event);
            }
            Output::Wait { .. } => match steps.next() {
                Some(Step::Redirect(offset, query)) => {
                    let input = Input::Redirect {
                        now: at(*offset),
                        query: query.clone(),
                    };
                    flow.handle_input(input).unwrap();
                }
                Some(Step::WaitUntil(offset)) => {
                    flow.handle_input(Input::Timeout { now: at(*offset) })
                        .unwrap();
                }
                _ => panic!("the flow waits but the transcript has nothing to feed"),
            },
            Output::Done(result) => {
                return result.unwrap().access_token.expose_secret().to_owned();
            }
            _ => unreachable!(),
        }
    }
}

fn flows(c: &mut Criterion) {
    for (name, case, text) in [
        (
            "device_code_flow",
            "device_code/happy_path",
            DEVICE_CODE_HAPPY_PATH,
        ),
        (
            "authorization_code_flow",
            "authorization_code/happy_path",
            AUTHORIZATION_CODE_HAPPY_PATH,
        ),
    ] {
        let transcript = load(case, text);
        // Check the replay once outside the measurement: the bench must run the real flow.
        assert_eq!(replay(&transcript), transcript.access_token, "{case}");
        c.bench_function(name, |b| b.iter(|| black_box(replay(&transcript))));
    }
}

criterion_group!(benches, flows);
criterion_main!(benches);
