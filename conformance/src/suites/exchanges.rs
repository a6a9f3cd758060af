//! The `exchanges` suite: replays every `fixtures/exchanges/**/exchange.json` transcript
//! straight through the `sso-oidc` machines (no sockets) and checks each emitted request,
//! event, wait and the final outcome. The format is documented in `docs/exchanges.md`.
//! [`driver`] is the second suite, `exchanges-driver`: the same transcripts through `sso-driver`
//! against a replay server.

pub(crate) mod driver;
mod transcript;

use std::time::Duration;

use sso_oidc::portal::AccountPager;
use sso_oidc::{
    AccessToken, ClientRegistration, ClientSecret, Endpoint, Entropy, Event, Flow, FlowConfig,
    FlowError, Input, Output, RedirectUri, RefreshToken, Timestamp, Tokens,
};

use crate::Context;
use crate::report::SuiteReport;
use transcript::{EventSpec, OutcomeSpec, Step, Transcript};

/// Runs the suite.
pub(crate) fn run(context: &Context) -> SuiteReport {
    let mut report = SuiteReport::new("exchanges");
    let dir = context.root.join("fixtures/exchanges");
    let cases = transcript::discover(&dir);
    if cases.is_empty() {
        report.fail(
            "fixtures",
            format!("no exchange.json found under {}", dir.display()),
        );
    }
    for (name, path) in cases {
        let outcome = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|text| transcript::parse_transcript(&text))
            .and_then(|t| replay(&t));
        report.record(name, outcome);
    }
    report
}

/// Replays one transcript through the pure machines.
fn replay(transcript: &Transcript) -> Result<(), String> {
    if transcript.flow.kind == "list_accounts" {
        return replay_pager(transcript);
    }
    let start = Timestamp::from_unix_ms(transcript.start);
    let mut flow = build_flow(transcript, start)?;
    let mut now = start;
    let mut held: Option<(sso_oidc::ExchangeId, http::Request<Vec<u8>>)> = None;
    for (index, step) in transcript.steps.iter().enumerate() {
        let at = |offset: u64| Timestamp::from_unix_ms(transcript.start + offset);
        let fail = |why: String| format!("step {index}: {why}");
        if let Some(event) = &step.event {
            match flow.poll_output() {
                Output::Event(actual) => check_event(event, &actual).map_err(fail)?,
                other => {
                    return Err(fail(format!(
                        "expected event {}, got {other:?}",
                        event.kind
                    )));
                }
            }
        } else if let Some(wait_until) = step.wait_until {
            let expected = at(wait_until);
            match flow.poll_output() {
                Output::Wait { until: Some(until) } if until == expected => {}
                other => {
                    return Err(fail(format!(
                        "expected Wait until +{wait_until} ms, got {other:?}"
                    )));
                }
            }
            now = expected;
            flow.handle_input(Input::Timeout { now })
                .map_err(|e| fail(e.to_string()))?;
        } else if let Some(query) = &step.redirect {
            now = now.max(at(step.at));
            match flow.poll_output() {
                Output::Wait { .. } => {}
                other => {
                    return Err(fail(format!(
                        "expected to wait for the redirect, got {other:?}"
                    )));
                }
            }
            flow.handle_input(Input::Redirect {
                now,
                query: query.clone(),
            })
            .map_err(|e| fail(e.to_string()))?;
        } else if let (Some(expected), Some(response)) = (&step.request, &step.response) {
            let (id, request) = match held.take() {
                Some(held) => held,
                None => match flow.poll_output() {
                    Output::Transmit { id, request, .. } => (id, request),
                    other => {
                        return Err(fail(format!(
                            "expected {} {}, got {other:?}",
                            expected.method, expected.path
                        )));
                    }
                },
            };
            expected.check(&request).map_err(fail)?;
            now = now.max(at(step.at));
            let response = response.to_response().map_err(fail)?;
            if step.driver_retries {
                check_retryable(&response).map_err(fail)?;
                held = Some((id, request));
            } else {
                flow.handle_input(Input::Response { id, now, response })
                    .map_err(|e| fail(e.to_string()))?;
            }
        }
    }
    if held.is_some() {
        return Err(
            "the last request step says driver_retries but no retry step follows".to_owned(),
        );
    }
    match flow.poll_output() {
        Output::Done(result) => check_outcome(&transcript.outcome, result, transcript.start)?,
        other => return Err(format!("expected Done after the last step, got {other:?}")),
    }
    match flow.poll_output() {
        Output::Wait { until: None } => Ok(()),
        other => Err(format!("expected nothing after Done, got {other:?}")),
    }
}

fn check_retryable(response: &http::Response<Vec<u8>>) -> Result<(), String> {
    match sso_oidc::classify_response(response) {
        Some(error) if error.is_retryable() => Ok(()),
        Some(error) => Err(format!("driver_retries on a non-retryable error: {error}")),
        None => Err("driver_retries on a success response".to_owned()),
    }
}

fn build_flow(transcript: &Transcript, start: Timestamp) -> Result<Flow, String> {
    let spec = &transcript.flow;
    let endpoint = Endpoint::parse(
        spec.oidc_endpoint
            .as_deref()
            .ok_or("flow.oidc_endpoint is required")?,
    )
    .map_err(|e| e.to_string())?;
    let mut config = FlowConfig::new(endpoint, spec.start_url.clone(), spec.region.clone());
    config.scopes = spec.scopes.clone();
    config.session_name = spec.session_name.clone();
    config.registration = spec.registration.as_ref().map(|r| ClientRegistration {
        client_id: r.client_id.clone(),
        client_secret: ClientSecret::new(r.client_secret.clone()),
        expires_at: Timestamp::from_unix_ms(r.expires_at),
        issued_at: None,
        scopes: r.scopes.clone(),
        grant_types: r.grant_types.clone(),
    });
    match spec.kind.as_str() {
        "device_code" => Ok(Flow::device_code(config, start)),
        "authorization_code" => {
            let entropy = transcript
                .entropy
                .as_ref()
                .ok_or("authorization_code needs entropy")?;
            let entropy = Entropy::new(
                transcript::hex_bytes(&entropy.verifier_hex)?,
                transcript::hex_bytes(&entropy.state_hex)?,
            );
            let port = spec
                .redirect_port
                .ok_or("authorization_code needs redirect_port")?;
            Ok(Flow::authorization_code(
                config,
                RedirectUri::loopback(port),
                &entropy,
                start,
            ))
        }
        "refresh" => {
            let client = config
                .registration
                .clone()
                .ok_or("refresh needs a registration")?;
            let token = spec
                .refresh_token
                .clone()
                .ok_or("refresh needs refresh_token")?;
            Ok(Flow::refresh(
                config,
                client,
                RefreshToken::new(token),
                start,
            ))
        }
        other => Err(format!("unknown flow kind `{other}`")),
    }
}

fn same(want: Option<&String>, got: &str) -> bool {
    want.is_none_or(|w| w == got)
}

fn check_event(expected: &EventSpec, actual: &Event) -> Result<(), String> {
    let matches = match (expected.kind.as_str(), actual) {
        ("client_registered", Event::ClientRegistered(r)) => {
            same(expected.client_id.as_ref(), &r.client_id)
        }
        (
            "show_user_code",
            Event::ShowUserCode {
                user_code,
                verification_uri,
                ..
            },
        ) => {
            same(expected.user_code.as_ref(), user_code)
                && same(expected.verification_uri.as_ref(), verification_uri)
        }
        ("open_browser", Event::OpenBrowser { url }) => same(expected.url.as_ref(), url),
        _ => false,
    };
    if matches {
        Ok(())
    } else {
        Err(format!("expected event {expected:?}, got {actual:?}"))
    }
}

/// The transcript name of a flow error.
fn error_name(error: &FlowError) -> String {
    match error {
        FlowError::Response(e) => match e.service_error() {
            Some(service) => format!("service:{}", service.code),
            None => "malformed".to_owned(),
        },
        FlowError::AuthorizationExpired => "authorization_expired".to_owned(),
        FlowError::AccessDenied { .. } => "access_denied".to_owned(),
        FlowError::AuthorizationFailed { error, .. } => format!("authorization_failed:{error}"),
        FlowError::MissingAuthorizationCode => "missing_authorization_code".to_owned(),
        FlowError::RegistrationExpired => "registration_expired".to_owned(),
        FlowError::Transport { .. } => "transport".to_owned(),
        FlowError::Cancelled => "cancelled".to_owned(),
        other => format!("other:{other}"),
    }
}

fn check_outcome(
    expected: &OutcomeSpec,
    actual: Result<Tokens, FlowError>,
    start: u64,
) -> Result<(), String> {
    match (expected, actual) {
        (
            OutcomeSpec {
                tokens: Some(want), ..
            },
            Ok(got),
        ) => {
            let expires_at = Timestamp::from_unix_ms(start)
                .saturating_add(Duration::from_millis(want.expires_at));
            let checks = [
                (
                    got.access_token.expose_secret() == want.access_token,
                    "access_token",
                ),
                (got.expires_at == expires_at, "expires_at"),
                (
                    got.refresh_token.as_ref().map(RefreshToken::expose_secret)
                        == want.refresh_token.as_deref(),
                    "refresh_token",
                ),
                (got.registration.client_id == want.client_id, "client_id"),
            ];
            match checks.iter().find(|(ok, _)| !ok) {
                Some((_, field)) => Err(format!("tokens differ in {field}: got {got:?}")),
                None => Ok(()),
            }
        }
        (
            OutcomeSpec {
                error: Some(want), ..
            },
            Err(got),
        ) if error_name(&got) == *want => Ok(()),
        (expected, actual) => Err(format!("expected {expected:?}, got {actual:?}")),
    }
}

/// Replays a `list_accounts` transcript through the `AccountPager`.
fn replay_pager(transcript: &Transcript) -> Result<(), String> {
    let spec = &transcript.flow;
    let endpoint = Endpoint::parse(
        spec.portal_endpoint
            .as_deref()
            .ok_or("list_accounts needs portal_endpoint")?,
    )
    .map_err(|e| e.to_string())?;
    let token = AccessToken::new(
        spec.access_token
            .clone()
            .ok_or("list_accounts needs access_token")?,
    );
    let mut pager = AccountPager::new(&endpoint, &token, spec.page_size);
    let mut accounts = Vec::new();
    for (index, step) in transcript.steps.iter().enumerate() {
        let fail = |why: String| format!("step {index}: {why}");
        let Step {
            request: Some(expected),
            response: Some(response),
            ..
        } = step
        else {
            return Err(fail(
                "list_accounts transcripts have only request steps".to_owned(),
            ));
        };
        let request = pager
            .next_request()
            .ok_or_else(|| fail("the pager has finished".to_owned()))?;
        expected.check(&request).map_err(fail)?;
        let response = response.to_response().map_err(fail)?;
        match pager.handle_response(&response) {
            Ok(page) => accounts.extend(page.into_iter().map(|a| a.account_id)),
            Err(error) if step.driver_retries && error.is_retryable() => {}
            Err(error) => return Err(fail(error.to_string())),
        }
    }
    if let Some(request) = pager.next_request() {
        return Err(format!("the pager wants another page: {}", request.uri()));
    }
    match &transcript.outcome.accounts {
        Some(want) if *want == accounts => Ok(()),
        want => Err(format!("expected accounts {want:?}, got {accounts:?}")),
    }
}
