//! Fuzz target `oidc_responses`: arbitrary response statuses, headers, bodies, redirects and
//! time steps fed to every `sso_oidc::Flow` kind never panic, always end in `Done` or `Wait`,
//! never emit anything after `Done`, never shrink the poll interval, and never ask to wait for
//! a time before the last `now`. The portal parsers get the same bodies.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sso_oidc::{
    ClientRegistration, ClientSecret, Endpoint, Entropy, Flow, FlowConfig, Input, Output,
    RedirectUri, RefreshToken, Timestamp,
};

/// Reads bytes off the front of the input, yielding zeros when it runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        head
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let mut now = Timestamp::from_unix_millis(1_700_000_000_000);
    let Ok(endpoint) = Endpoint::parse("https://oidc.us-east-1.amazonaws.com") else {
        return;
    };
    let mut config = FlowConfig::new(endpoint, "https://d-123.awsapps.com/start", "us-east-1");
    config.session_name = Some("fuzz".to_owned());
    let registration = ClientRegistration {
        client_id: "cid".to_owned(),
        client_secret: ClientSecret::new("secret"),
        expires_at: Timestamp::from_unix_millis(1_800_000_000_000),
        issued_at: None,
        scopes: Vec::new(),
        grant_types: Vec::new(),
    };
    let entropy = Entropy::new([3; sso_oidc::VERIFIER_ENTROPY_LEN], [5; 16]);
    let state = entropy.state();
    let mut flow = match input.byte() % 3 {
        0 => Flow::device_code(config, now),
        1 => Flow::authorization_code(config, RedirectUri::loopback(4242), &entropy, now),
        _ => Flow::refresh(config, registration, RefreshToken::new("rt"), now),
    };
    let mut done = false;
    let mut interval = None;
    for _ in 0..64 {
        let output = flow.poll_output();
        if let Some(current) = flow.poll_interval() {
            assert!(
                interval.is_none_or(|previous| current >= previous),
                "interval shrank"
            );
            interval = Some(current);
        }
        match output {
            Output::Transmit { id, .. } => {
                assert!(!done, "request after done");
                let status = 100 + u16::from(input.byte()) * 2;
                let len = usize::from(input.byte());
                let body = input.take(len).to_vec();
                let mut response = http::Response::new(body.clone());
                *response.status_mut() =
                    http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
                if input.byte() % 2 == 0 {
                    if let Ok(value) = http::HeaderValue::from_bytes(input.take(24)) {
                        response.headers_mut().insert("x-amzn-errortype", value);
                    }
                }
                let _ = sso_oidc::portal::parse_list_accounts(&response);
                let _ = sso_oidc::portal::parse_get_role_credentials(&response);
                now = Timestamp::from_unix_ms(
                    now.unix_ms() + u64::from(input.byte()) * 100,
                );
                assert!(
                    flow.handle_input(Input::Response { id, now, response })
                        .is_ok()
                );
            }
            Output::Event(_) => assert!(!done, "event after done"),
            Output::Wait { until } => {
                if done {
                    assert_eq!(until, None);
                    return;
                }
                if let Some(until) = until {
                    assert!(until >= now, "deadline in the past");
                }
                let step = input.byte();
                if input.0.is_empty() {
                    return;
                }
                match step % 4 {
                    0 | 1 => {
                        now = until.unwrap_or(now).max(now);
                        let _ = flow.handle_input(Input::Timeout { now });
                    }
                    2 => {
                        let query = match input.byte() % 4 {
                            0 => format!("code=c&state={state}"),
                            1 => "error=access_denied".to_owned(),
                            2 => String::from_utf8_lossy(input.take(32)).into_owned(),
                            _ => "state=nope&code=c".to_owned(),
                        };
                        let _ = flow.handle_input(Input::Redirect { now, query });
                    }
                    _ => {
                        now = Timestamp::from_unix_ms(
                            now.unix_ms() + u64::from(input.byte()) * 1000,
                        );
                        let _ = flow.handle_input(Input::Timeout { now });
                    }
                }
            }
            Output::Done(_) => {
                assert!(!done, "done twice");
                done = true;
            }
            _ => {}
        }
    }
});
