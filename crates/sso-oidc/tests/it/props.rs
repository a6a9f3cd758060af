//! Property tests: verifiers, and arbitrary response sequences through every flow.

use proptest::prelude::*;
use sso_oidc::{
    ClientRegistration, ClientSecret, Entropy, Flow, Input, Output, RedirectUri, RefreshToken,
    VERIFIER_ENTROPY_LEN,
};

use crate::support::{DEVICE_OK, REGISTER_OK, T0, TOKEN_OK, config, oauth_error, ok, response};

proptest! {
    #[test]
    fn any_entropy_makes_a_valid_verifier(bytes in proptest::collection::vec(any::<u8>(), VERIFIER_ENTROPY_LEN)) {
        let bytes: [u8; VERIFIER_ENTROPY_LEN] = bytes.try_into().unwrap();
        let verifier = sso_oidc::code_verifier(&bytes);
        prop_assert!(sso_oidc::is_valid_verifier(verifier.expose_secret()));
        prop_assert_eq!(verifier.expose_secret().len(), 64);
        prop_assert_eq!(sso_oidc::code_challenge(&verifier).len(), 43);
    }

    #[test]
    fn any_response_sequence_ends_cleanly(
        kind in 0u8..3,
        steps in proptest::collection::vec((0usize..12, 0u64..20_000, 0u8..4), 0..40),
        statuses in proptest::collection::vec(100u16..600, 40),
        bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 40),
        error_types in proptest::collection::vec("[A-Za-z:#/._-]{0,40}", 40),
    ) {
        let entropy = Entropy::new([9; VERIFIER_ENTROPY_LEN], [4; 16]);
        let state = entropy.state();
        let client = ClientRegistration {
            client_id: "c".into(),
            client_secret: ClientSecret::new("s"),
            expires_at: T0.saturating_add(std::time::Duration::from_secs(86_400)),
            issued_at: None,
            scopes: Vec::new(),
            grant_types: Vec::new(),
        };
        let mut flow = match kind {
            0 => Flow::device_code(config(), T0),
            1 => Flow::authorization_code(config(), RedirectUri::loopback(9), &entropy, T0),
            _ => Flow::refresh(config(), client, RefreshToken::new("r"), T0),
        };
        let mut now = T0;
        let mut done = false;
        let mut interval = None;
        let mut in_flight = 0;
        let mut in_flight_index = 0usize;
        let mut steps = steps.into_iter();
        for _ in 0..500 {
            let output = flow.poll_output();
            if let Some(current) = flow.poll_interval() {
                prop_assert!(interval.is_none_or(|previous| current >= previous));
                interval = Some(current);
            }
            match output {
                Output::Transmit { id, .. } => {
                    prop_assert!(!done);
                    in_flight += 1;
                    prop_assert_eq!(in_flight, 1);
                    let Some((pick, delay, _)) = steps.next() else { return Ok(()) };
                    let response = match pick {
                        0 => ok(REGISTER_OK),
                        1 => ok(DEVICE_OK),
                        2 => ok(TOKEN_OK),
                        3 => oauth_error("AuthorizationPendingException", "authorization_pending"),
                        4 => oauth_error("SlowDownException", "slow_down"),
                        5 => oauth_error("ExpiredTokenException", "expired_token"),
                        6 => response(500, None, "oops"),
                        7 => response(429, Some("TooManyRequestsException"), "{}"),
                        8 => ok("{"),
                        9 => ok("{}"),
                        // Any status with any bytes, with or without an arbitrary error type.
                        10 => http::Response::builder()
                            .status(statuses[in_flight_index % 40])
                            .body(bodies[in_flight_index % 40].clone())
                            .unwrap(),
                        _ => response(
                            statuses[in_flight_index % 40],
                            Some(error_types[in_flight_index % 40].as_str()),
                            &String::from_utf8_lossy(&bodies[in_flight_index % 40]),
                        ),
                    };
                    in_flight_index += 1;
                    now = now.saturating_add(std::time::Duration::from_millis(delay));
                    in_flight -= 1;
                    let fed = flow.handle_input(Input::Response { id, now, response });
                    prop_assert!(fed.is_ok());
                }
                Output::Event(_) => prop_assert!(!done),
                Output::Wait { until } => {
                    if done {
                        prop_assert_eq!(until, None);
                        return Ok(());
                    }
                    if let Some(until) = until {
                        prop_assert!(until >= now);
                    }
                    let Some((_, delay, action)) = steps.next() else { return Ok(()) };
                    let input = match (until, action) {
                        (_, 0) => Input::Redirect { now, query: format!("code=x&state={state}") },
                        (_, 1) => Input::Redirect { now, query: "favicon".into() },
                        (Some(until), _) => {
                            now = until.max(now);
                            Input::Timeout { now }
                        }
                        (None, _) => {
                            now = now.saturating_add(std::time::Duration::from_millis(delay));
                            Input::Timeout { now }
                        }
                    };
                    prop_assert!(flow.handle_input(input).is_ok());
                }
                Output::Done(_) => {
                    prop_assert!(!done);
                    done = true;
                }
                _ => {}
            }
        }
    }
}
