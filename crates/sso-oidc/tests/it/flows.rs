//! Flow scripts: the test plays the server step by step (h2-support style).

use serde_json::json;
use sso_oidc::{
    ClientRegistration, ClientSecret, Entropy, Event, Flow, FlowError, Input, MisuseError, Output,
    RedirectUri, RefreshToken, Timestamp, VERIFIER_ENTROPY_LEN,
};

use crate::support::{DEVICE_OK, REGISTER_OK, Script, T0, TOKEN_OK, config, oauth_error, ok};

fn registration(grant_types: &[&str], expires_at: Timestamp) -> ClientRegistration {
    ClientRegistration {
        client_id: "cached".into(),
        client_secret: ClientSecret::new("cached-secret"),
        expires_at,
        issued_at: None,
        scopes: vec!["sso:account:access".into()],
        grant_types: grant_types.iter().map(|g| (*g).to_owned()).collect(),
    }
}

fn device_until_polling(script: &mut Script) {
    let body = script.expect_request("POST", "/client/register");
    assert_eq!(
        body,
        json!({"clientName": "botocore-client-my-sso", "clientType": "public"})
    );
    script.respond(ok(REGISTER_OK));
    let body = script.expect_request("POST", "/device_authorization");
    assert_eq!(
        body,
        json!({"clientId": "cid", "clientSecret": "csecret", "startUrl": "https://d-123.awsapps.com/start"})
    );
    script.respond(ok(DEVICE_OK));
    script.expect_request("POST", "/token");
}

#[test]
fn device_flow_pending_slow_down_success() {
    let mut script = Script::new(Flow::device_code(config(), T0));
    device_until_polling(&mut script);
    script.respond(oauth_error(
        "AuthorizationPendingException",
        "authorization_pending",
    ));
    script.expect_wait(1_000);
    script.expect_request("POST", "/token");
    script.respond(oauth_error("SlowDownException", "slow_down"));
    assert_eq!(script.flow.poll_interval().map(|i| i.as_secs()), Some(6));
    script.expect_wait(6_000);
    script.expect_request("POST", "/token");
    script.respond(oauth_error(
        "AuthorizationPendingException",
        "authorization_pending",
    ));
    script.expect_wait(6_000);
    script.expect_request("POST", "/token");
    script.respond(ok(TOKEN_OK));
    let tokens = script.expect_done().unwrap();
    assert_eq!(tokens.access_token.expose_secret(), "at");
    assert_eq!(
        tokens.expires_at,
        Timestamp::from_unix_millis(script.now.unix_millis() + 3_600_000)
    );
    assert_eq!(tokens.registration.client_id, "cid");
    // Events: registration, then the prompt once, after the first pending answer.
    assert!(
        matches!(&script.events[0], Event::ClientRegistered(r) if r.client_id == "cid" && r.grant_types.is_empty())
    );
    assert!(
        matches!(&script.events[1], Event::ShowUserCode { user_code, .. } if user_code == "ABCD-EFGH")
    );
    assert!(
        matches!(&script.events[2], Event::OpenBrowser { url } if url.ends_with("user_code=ABCD-EFGH"))
    );
    assert_eq!(script.events.len(), 3);
}

/// RFC 8628 section 3.2: without `interval` (or with a useless one) the client polls every 5 s.
#[test]
fn device_flow_polls_every_five_seconds_by_default() {
    for interval in ["", r#","interval":0"#, r#","interval":-3"#] {
        let mut script = Script::new(Flow::device_code(config(), T0));
        script.expect_request("POST", "/client/register");
        script.respond(ok(REGISTER_OK));
        script.expect_request("POST", "/device_authorization");
        script.respond(ok(&format!(
            r#"{{"deviceCode":"dc","userCode":"U","verificationUri":"https://v/","expiresIn":600{interval}}}"#
        )));
        script.expect_request("POST", "/token");
        script.respond(oauth_error(
            "AuthorizationPendingException",
            "authorization_pending",
        ));
        assert_eq!(
            script.flow.poll_interval(),
            Some(sso_oidc::DEFAULT_POLL_INTERVAL),
            "{interval}"
        );
        script.expect_wait(5_000);
        script.expect_request("POST", "/token");
        script.respond(oauth_error("SlowDownException", "slow_down"));
        script.expect_wait(10_000);
        script.expect_request("POST", "/token");
        script.respond(ok(TOKEN_OK));
        assert!(script.expect_done().is_ok());
    }
}

#[test]
fn device_flow_immediate_token_shows_nothing() {
    let mut config = config();
    config.registration = Some(registration(
        &[],
        T0.saturating_add(std::time::Duration::from_secs(3600)),
    ));
    let mut script = Script::new(Flow::device_code(config, T0));
    let body = script.expect_request("POST", "/device_authorization");
    assert_eq!(body["clientId"], "cached");
    script.respond(ok(DEVICE_OK));
    script.expect_request("POST", "/token");
    script.respond(ok(TOKEN_OK));
    assert!(script.expect_done().is_ok());
    assert!(script.events.is_empty());
}

#[test]
fn device_flow_endings() {
    for (code, error, expected) in [
        (
            "ExpiredTokenException",
            "expired_token",
            FlowError::AuthorizationExpired,
        ),
        (
            "AccessDeniedException",
            "access_denied",
            FlowError::AccessDenied {
                description: Some("access_denied happened".into()),
            },
        ),
    ] {
        let mut script = Script::new(Flow::device_code(config(), T0));
        device_until_polling(&mut script);
        script.respond(oauth_error(code, error));
        assert_eq!(script.expect_done().unwrap_err(), expected);
    }
    let mut script = Script::new(Flow::device_code(config(), T0));
    device_until_polling(&mut script);
    script.respond(oauth_error("InvalidClientException", "invalid_client"));
    let error = script.expect_done().unwrap_err();
    assert!(
        matches!(&error, FlowError::Response(e) if e.service_error().unwrap().status == 401),
        "{error}"
    );
}

#[test]
fn device_flow_stops_at_client_side_deadline() {
    let mut script = Script::new(Flow::device_code(config(), T0));
    device_until_polling(&mut script);
    script.respond(oauth_error("SlowDownException", "slow_down"));
    let deadline = T0.saturating_add(std::time::Duration::from_secs(600));
    let mut polls = 1;
    loop {
        match script.next() {
            Output::Transmit { id, .. } => {
                polls += 1;
                let response = oauth_error("SlowDownException", "slow_down");
                script
                    .flow
                    .handle_input(Input::Response {
                        id,
                        now: script.now,
                        response,
                    })
                    .unwrap();
            }
            Output::Wait { until: Some(until) } => {
                assert!(until <= deadline);
                script.now = until;
                script
                    .flow
                    .handle_input(Input::Timeout { now: until })
                    .unwrap();
            }
            Output::Done(result) => {
                assert_eq!(result.unwrap_err(), FlowError::AuthorizationExpired);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    // Intervals 6, 11, 16, ... seconds: 1 + 6 + 11 + ... + 41 + 46 = 231 <= 600 < 1 + ... + 51.
    assert!(polls > 10, "{polls}");
    assert_eq!(script.now, deadline);
}

fn pkce_flow() -> (Script, String) {
    let entropy = Entropy::new([7; VERIFIER_ENTROPY_LEN], [1; 16]);
    let state = entropy.state();
    let flow = Flow::authorization_code(config(), RedirectUri::loopback(55555), &entropy, T0);
    (Script::new(flow), state)
}

fn pkce_until_redirect(script: &mut Script) {
    let body = script.expect_request("POST", "/client/register");
    assert_eq!(
        body,
        json!({"clientName": "botocore-client-my-sso", "clientType": "public", "scopes": ["sso:account:access"],
               "redirectUris": ["http://127.0.0.1/oauth/callback"], "grantTypes": ["authorization_code", "refresh_token"],
               "issuerUrl": "https://d-123.awsapps.com/start"})
    );
    script.respond(ok(REGISTER_OK));
}

#[test]
fn pkce_happy_path_ignores_stray_requests() {
    let (mut script, state) = pkce_flow();
    pkce_until_redirect(&mut script);
    script.redirect("");
    script.redirect("foo=bar");
    script.redirect(&format!("code=the-code&state={state}"));
    let body = script.expect_request("POST", "/token");
    assert_eq!(body["grantType"], "authorization_code");
    assert_eq!(body["code"], "the-code");
    assert_eq!(body["redirectUri"], "http://127.0.0.1:55555/oauth/callback");
    let verifier = body["codeVerifier"].as_str().unwrap().to_owned();
    assert!(sso_oidc::is_valid_verifier(&verifier));
    script.respond(ok(TOKEN_OK));
    let tokens = script.expect_done().unwrap();
    assert_eq!(tokens.refresh_token.unwrap().expose_secret(), "rt");
    assert_eq!(
        tokens.registration.grant_types,
        ["authorization_code", "refresh_token"]
    );
    let Event::OpenBrowser { url } = &script.events[1] else {
        panic!("{:?}", script.events)
    };
    let challenge = sso_oidc::code_challenge(&sso_oidc::CodeVerifier::new(verifier));
    assert!(
        url.ends_with(&format!("&code_challenge={challenge}")),
        "{url}"
    );
    assert!(url.contains(&format!("&state={state}&")), "{url}");
}

#[test]
fn pkce_redirects_without_our_state_are_ignored() {
    for stray in [
        "code=c&state=wrong",
        "code=c",
        "code=c&state=",
        "state=",
        "error=access_denied",
        "error=access_denied&error_description=nope&state=wrong",
    ] {
        let (mut script, state) = pkce_flow();
        pkce_until_redirect(&mut script);
        script.redirect(stray);
        assert!(script.flow.awaits_redirect(), "{stray}");
        script.redirect(&format!("code=the-code&state={state}"));
        assert!(!script.flow.awaits_redirect());
        let body = script.expect_request("POST", "/token");
        assert_eq!(body["code"], "the-code", "{stray}");
        script.respond(ok(TOKEN_OK));
        script.expect_done().unwrap();
    }
}

#[test]
fn pkce_redirect_failures() {
    let (mut script, state) = pkce_flow();
    pkce_until_redirect(&mut script);
    script.redirect(&format!(
        "error=access_denied&error_description=nope&state={state}"
    ));
    assert_eq!(
        script.expect_done().unwrap_err(),
        FlowError::AuthorizationFailed {
            error: "access_denied".into(),
            description: Some("nope".into()),
        }
    );
    let (mut script, state) = pkce_flow();
    pkce_until_redirect(&mut script);
    script.redirect(&format!("state={state}"));
    assert_eq!(
        script.expect_done().unwrap_err(),
        FlowError::MissingAuthorizationCode
    );
}

#[test]
fn pkce_redirect_times_out_after_600_s() {
    let (mut script, _) = pkce_flow();
    pkce_until_redirect(&mut script);
    script.expect_wait(600_000);
    assert_eq!(
        script.expect_done().unwrap_err(),
        FlowError::AuthorizationExpired
    );
}

#[test]
fn registration_reuse_rules() {
    let fresh = T0.saturating_add(std::time::Duration::from_secs(16 * 60));
    let stale = T0.saturating_add(std::time::Duration::from_secs(15 * 60));
    // The PKCE flow reuses only authorization-code registrations that are fresh.
    let entropy = Entropy::new([0; VERIFIER_ENTROPY_LEN], [0; 16]);
    for (grants, expires_at, reused) in [
        (&["authorization_code", "refresh_token"][..], fresh, true),
        (&["authorization_code", "refresh_token"][..], stale, false),
        (&[][..], fresh, false),
    ] {
        let mut config = config();
        config.registration = Some(registration(grants, expires_at));
        let mut script = Script::new(Flow::authorization_code(
            config,
            RedirectUri::loopback(1),
            &entropy,
            T0,
        ));
        let first = script.next();
        assert_eq!(
            matches!(first, Output::Wait { .. }),
            reused,
            "{grants:?} {expires_at:?}"
        );
        assert_eq!(matches!(first, Output::Transmit { .. }), !reused);
    }
    // The device flow reuses only the others.
    for (grants, expires_at, reused) in [
        (&[][..], fresh, true),
        (&[][..], stale, false),
        (&["authorization_code"][..], fresh, false),
    ] {
        let mut config = config();
        config.registration = Some(registration(grants, expires_at));
        let mut script = Script::new(Flow::device_code(config, T0));
        let path = if reused {
            "/device_authorization"
        } else {
            "/client/register"
        };
        script.expect_request("POST", path);
    }
    // Legacy profiles name the client after the time.
    let mut config = config();
    config.session_name = None;
    let mut script = Script::new(Flow::device_code(config, T0));
    assert_eq!(
        script.expect_request("POST", "/client/register")["clientName"],
        "botocore-client-1700000000"
    );
}

/// A cached client the service no longer knows (Identity Center deleted it, or the instance
/// was replaced) is replaced by a new registration once; a new client rejected too ends the
/// login with the service's error instead of registering again.
#[test]
fn device_flow_replaces_a_cached_client_the_service_rejects() {
    let fresh = T0.saturating_add(std::time::Duration::from_secs(16 * 60));
    let mut config = config();
    config.registration = Some(registration(&[], fresh));
    let mut script = Script::new(Flow::device_code(config, T0));
    let body = script.expect_request("POST", "/device_authorization");
    assert_eq!(body["clientId"], "cached");
    script.respond(oauth_error("InvalidClientException", "invalid_client"));
    device_until_polling(&mut script);
    script.respond(ok(TOKEN_OK));
    let tokens = script.expect_done().unwrap();
    assert_eq!(tokens.registration.client_id, "cid");
    assert!(matches!(&script.events[0], Event::ClientRegistered(r) if r.client_id == "cid"));

    // The new client rejected as well: no second registration.
    let mut script = Script::new(Flow::device_code(crate::support::config(), T0));
    script.expect_request("POST", "/client/register");
    script.respond(ok(REGISTER_OK));
    script.expect_request("POST", "/device_authorization");
    script.respond(oauth_error("InvalidClientException", "invalid_client"));
    let error = script.expect_done().unwrap_err();
    assert!(
        matches!(&error, FlowError::Response(e) if e.service_error().is_some_and(|e| e.code.as_str() == "InvalidClientException")),
        "{error:?}"
    );

    // Any other refusal of the cached client is the login's error, as before.
    let mut config = crate::support::config();
    config.registration = Some(registration(&[], fresh));
    let mut script = Script::new(Flow::device_code(config, T0));
    script.expect_request("POST", "/device_authorization");
    script.respond(oauth_error(
        "UnauthorizedClientException",
        "unauthorized_client",
    ));
    assert!(script.expect_done().is_err());
    assert!(script.events.is_empty());
}

#[test]
fn refresh_keeps_old_refresh_token_and_reports_invalid_grant() {
    let client = registration(
        &["authorization_code", "refresh_token"],
        T0.saturating_add(std::time::Duration::from_secs(86_400)),
    );
    let mut script = Script::new(Flow::refresh(
        config(),
        client.clone(),
        RefreshToken::new("old-rt"),
        T0,
    ));
    let body = script.expect_request("POST", "/token");
    assert_eq!(
        body,
        json!({"clientId": "cached", "clientSecret": "cached-secret", "grantType": "refresh_token", "refreshToken": "old-rt"})
    );
    script.respond(ok(r#"{"accessToken":"new-at","expiresIn":3600}"#));
    let tokens = script.expect_done().unwrap();
    assert_eq!(tokens.refresh_token.unwrap().expose_secret(), "old-rt");
    assert_eq!(tokens.access_token.expose_secret(), "new-at");

    let mut script = Script::new(Flow::refresh(
        config(),
        client.clone(),
        RefreshToken::new("old-rt"),
        T0,
    ));
    script.expect_request("POST", "/token");
    script.respond(ok(
        r#"{"accessToken":"new-at","expiresIn":3600,"refreshToken":"new-rt"}"#,
    ));
    assert_eq!(
        script
            .expect_done()
            .unwrap()
            .refresh_token
            .unwrap()
            .expose_secret(),
        "new-rt"
    );

    let mut script = Script::new(Flow::refresh(
        config(),
        client.clone(),
        RefreshToken::new("old-rt"),
        T0,
    ));
    script.expect_request("POST", "/token");
    script.respond(oauth_error("InvalidGrantException", "invalid_grant"));
    let error = script.expect_done().unwrap_err();
    assert!(
        error.to_string().contains("InvalidGrantException"),
        "{error}"
    );

    let expired = registration(&[], T0);
    let mut script = Script::new(Flow::refresh(
        config(),
        expired,
        RefreshToken::new("rt"),
        T0,
    ));
    assert_eq!(
        script.expect_done().unwrap_err(),
        FlowError::RegistrationExpired
    );
}

#[test]
fn misuse_is_reported_and_harmless() {
    let mut script = Script::new(Flow::device_code(config(), T0));
    let Output::Transmit { id, .. } = script.next() else {
        panic!()
    };
    let stale = Input::TransportFailed {
        id,
        now: T0,
        failure: sso_oidc::TransportFailure::TimedOut,
    };
    script.flow.handle_input(Input::Cancel { now: T0 }).unwrap();
    assert_eq!(script.expect_done().unwrap_err(), FlowError::Cancelled);
    assert_eq!(script.flow.handle_input(stale), Err(MisuseError::AfterDone));

    let mut flow = Flow::device_code(config(), T0);
    let Output::Transmit { id, .. } = flow.poll_output() else {
        panic!()
    };
    flow.handle_input(Input::Response {
        id,
        now: T0,
        response: ok(REGISTER_OK),
    })
    .unwrap();
    let stale = Input::Response {
        id,
        now: T0,
        response: ok(REGISTER_OK),
    };
    assert_eq!(
        flow.handle_input(stale),
        Err(MisuseError::UnknownExchange(id))
    );
    // The flow is unchanged: the device authorization request is still the next thing to send.
    assert!(matches!(
        flow.poll_output(),
        Output::Event(Event::ClientRegistered(_))
    ));
    assert!(matches!(flow.poll_output(), Output::Transmit { .. }));
}

#[test]
fn transport_failure_ends_the_flow() {
    let mut flow = Flow::device_code(config(), T0);
    let Output::Transmit { id, .. } = flow.poll_output() else {
        panic!()
    };
    flow.handle_input(Input::TransportFailed {
        id,
        now: T0,
        failure: sso_oidc::TransportFailure::TimedOut,
    })
    .unwrap();
    let Output::Done(Err(error)) = flow.poll_output() else {
        panic!()
    };
    assert!(
        error
            .to_string()
            .starts_with("RegisterClient could not be sent"),
        "{error}"
    );
}

#[test]
fn input_and_output_debug_hide_bodies_and_codes() {
    let input = Input::Redirect {
        now: T0,
        query: "code=hunter2&state=x".into(),
    };
    assert!(!format!("{input:?}").contains("hunter2"));
    let input = Input::Response {
        id: first_id(),
        now: T0,
        response: ok(r#"{"accessToken":"hunter2"}"#),
    };
    assert!(!format!("{input:?}").contains("hunter2"));
    let mut flow = Flow::refresh(
        config(),
        registration(&[], T0.saturating_add(std::time::Duration::from_secs(3600))),
        RefreshToken::new("hunter2"),
        T0,
    );
    let output = flow.poll_output();
    assert!(matches!(output, Output::Transmit { .. }));
    let debug = format!("{output:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("cached-secret"),
        "{debug}"
    );
}

fn first_id() -> sso_oidc::ExchangeId {
    let mut flow = Flow::device_code(config(), T0);
    match flow.poll_output() {
        Output::Transmit { id, .. } => id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_absurd_registration_expiry_is_shortened() {
    let (mut script, _) = pkce_flow();
    script.expect_request("POST", "/client/register");
    script.respond(ok(
        r#"{"clientId":"cid","clientSecret":"csecret","clientIdIssuedAt":1700000000,"clientSecretExpiresAt":9223372036854775807}"#,
    ));
    assert!(matches!(script.next(), Output::Wait { .. }));
    let Event::ClientRegistered(registration) = &script.events[0] else {
        panic!("{:?}", script.events)
    };
    assert_eq!(
        registration.expires_at,
        T0.saturating_add(sso_oidc::MAX_REGISTRATION_LIFETIME)
    );
}
