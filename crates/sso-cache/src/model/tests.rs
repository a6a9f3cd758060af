//! Tests for the cache file formats: field order, escaping, tolerant reading, bad files.

use super::*;

const CLI_TOKEN: &str = r#"{"startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1", "accessToken": "AT", "expiresAt": "2024-01-01T08:00:00Z", "clientId": "CID", "clientSecret": "CS", "registrationExpiresAt": "2024-04-01T00:00:00Z", "refreshToken": "RT"}"#;

fn token(json: &str) -> Result<CachedToken, BadEntry> {
    CachedToken::from_json(json.as_bytes())
}

#[test]
fn token_round_trips_byte_for_byte_in_cli_order() {
    let parsed = token(CLI_TOKEN).expect("valid token");
    assert_eq!(parsed.access_token.expose_secret(), "AT");
    assert_eq!(
        parsed.expires_at,
        Timestamp::from_unix_seconds(1_704_096_000)
    );
    assert_eq!(
        parsed
            .refresh_token
            .as_ref()
            .map(RefreshToken::expose_secret),
        Some("RT")
    );
    assert_eq!(parsed.to_json().as_str(), CLI_TOKEN);
}

#[test]
fn token_without_refresh_token_omits_it() {
    let json = r#"{"startUrl": "u", "region": "r", "accessToken": "AT", "expiresAt": "2024-01-01T08:00:00Z"}"#;
    assert_eq!(token(json).expect("valid").to_json().as_str(), json);
}

#[test]
fn reads_rust_sdk_order_case_insensitively_and_rewrites_in_cli_order() {
    let sdk = r#"{"AccessToken":"AT","EXPIRESAT":"2024-01-01T08:00:00+00:00","refreshtoken":"RT","clientId":"CID","clientSecret":"CS","registrationExpiresAt":"2024-04-01T00:00:00UTC","region":"us-east-1","startUrl":"https://d-123.awsapps.com/start"}"#;
    assert_eq!(token(sdk).expect("valid").to_json().as_str(), CLI_TOKEN);
}

#[test]
fn unknown_fields_survive_a_rewrite_after_known_ones() {
    let json = r#"{"accessToken": "AT", "future": {"n": [1, 2.5, "é"]}, "expiresAt": "2024-01-01T08:00:00Z", "x": null}"#;
    let parsed = token(json).expect("valid");
    assert_eq!(parsed.unknown.keys().collect::<Vec<_>>(), ["future", "x"]);
    assert_eq!(
        parsed.to_json().as_str(),
        r#"{"accessToken": "AT", "expiresAt": "2024-01-01T08:00:00Z", "future": {"n": [1, 2.5, "\u00e9"]}, "x": null}"#
    );
    assert!(!format!("{:?}", parsed.unknown).contains('é'));
}

#[test]
fn non_ascii_values_are_escaped_like_python() {
    let mut parsed = token(CLI_TOKEN).expect("valid");
    parsed.start_url = Some("https://exämple.com/start\u{1F600}".into());
    assert!(
        parsed
            .to_json()
            .starts_with(r#"{"startUrl": "https://ex\u00e4mple.com/start\ud83d\ude00", "#)
    );
}

#[test]
fn every_bad_token_file_is_a_typed_reason() {
    let cases: &[(&str, BadEntry)] = &[
        ("", BadEntry::Empty),
        ("  \n", BadEntry::Empty),
        (
            r#"{"accessToken": "AT", "expiresAt": "2024-01"#,
            BadEntry::Truncated,
        ),
        ("not json", BadEntry::NotJson(String::new())),
        ("[1, 2]", BadEntry::NotAnObject),
        (
            r#"{"expiresAt": "2024-01-01T00:00:00Z"}"#,
            BadEntry::MissingField("accessToken"),
        ),
        (
            r#"{"accessToken": "AT"}"#,
            BadEntry::MissingField("expiresAt"),
        ),
        (
            r#"{"accessToken": "AT", "expiresAt": null}"#,
            BadEntry::MissingField("expiresAt"),
        ),
        (
            r#"{"accessToken": 5, "expiresAt": "2024-01-01T00:00:00Z"}"#,
            BadEntry::WrongType {
                field: "accessToken",
                expected: "a string",
            },
        ),
        (
            r#"{"accessToken": "AT", "expiresAt": 1704067200}"#,
            BadEntry::WrongType {
                field: "expiresAt",
                expected: "a string",
            },
        ),
        (
            r#"{"accessToken": "AT", "expiresAt": "tomorrow"}"#,
            BadEntry::BadTimestamp {
                field: "expiresAt",
                value: "tomorrow".into(),
            },
        ),
        (
            r#"{"accessToken": "AT", "expiresAt": "2024-01-01T00:00:00Z", "refreshToken": ["x"]}"#,
            BadEntry::WrongType {
                field: "refreshToken",
                expected: "a string",
            },
        ),
    ];
    for (json, expected) in cases {
        let got = token(json);
        match (expected, &got) {
            (BadEntry::NotJson(_), Err(BadEntry::NotJson(message))) => assert!(!message.is_empty()),
            _ => assert_eq!(got.as_ref().err(), Some(expected), "{json}"),
        }
    }
}

#[test]
fn bad_entry_messages_read_well_after_a_path() {
    assert_eq!(
        BadEntry::MissingField("accessToken").to_string(),
        "`accessToken` is missing"
    );
    assert_eq!(
        BadEntry::Expired(Timestamp::from_unix_seconds(0)).to_string(),
        "expired at 1970-01-01T00:00:00Z"
    );
}

#[test]
fn debug_of_entries_redacts_secrets() {
    let rendered = format!("{:?}", token(CLI_TOKEN).expect("valid"));
    for secret in ["\"AT\"", "\"CS\"", "\"RT\""] {
        assert!(!rendered.contains(secret), "{rendered}");
    }
    let creds = RoleCredentials::from_json(CLI_CREDENTIALS.as_bytes()).expect("valid");
    let rendered = format!("{creds:?}");
    assert!(
        !rendered.contains("SECRET") && !rendered.contains("SESSION"),
        "{rendered}"
    );
}

#[test]
fn token_expiry_helpers() {
    let t = token(CLI_TOKEN).expect("valid");
    let at = t.expires_at;
    assert!(t.is_expired(at));
    assert!(!t.is_expired(at.saturating_sub(Duration::from_millis(1))));
    assert!(t.expires_within(at.saturating_sub(Duration::from_secs(899)), EXPIRY_WINDOW));
    assert!(!t.expires_within(at.saturating_sub(Duration::from_secs(900)), EXPIRY_WINDOW));
    let reg = t.registration_expires_at.expect("present");
    assert!(t.can_refresh(reg.saturating_sub(Duration::from_secs(1))));
    assert!(!t.can_refresh(reg));
    let mut no_refresh = t.clone();
    no_refresh.refresh_token = None;
    assert!(!no_refresh.can_refresh(at));
}

const DEVICE_REGISTRATION: &str =
    r#"{"clientId": "CID", "clientSecret": "CS", "expiresAt": "2024-04-01T00:00:00Z"}"#;
const PKCE_REGISTRATION: &str = r#"{"clientId": "CID", "clientSecret": "CS", "expiresAt": "2024-04-01T00:00:00Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}"#;

#[test]
fn registrations_round_trip() {
    for json in [DEVICE_REGISTRATION, PKCE_REGISTRATION] {
        let parsed = ClientRegistration::from_json(json.as_bytes()).expect("valid");
        assert_eq!(parsed.to_json().as_str(), json);
    }
}

#[test]
fn registration_reuse_follows_flow_and_fifteen_minute_margin() {
    let device = ClientRegistration::from_json(DEVICE_REGISTRATION.as_bytes()).expect("valid");
    let pkce = ClientRegistration::from_json(PKCE_REGISTRATION.as_bytes()).expect("valid");
    let expires = device.expires_at;
    let early = expires.saturating_sub(Duration::from_secs(900));
    let late = expires.saturating_sub(Duration::from_secs(899));
    assert!(device.is_reusable(RegistrationFlow::DeviceCode, early, EXPIRY_WINDOW));
    assert!(!device.is_reusable(RegistrationFlow::DeviceCode, late, EXPIRY_WINDOW));
    assert!(!device.is_reusable(RegistrationFlow::AuthorizationCode, early, EXPIRY_WINDOW));
    assert!(pkce.is_reusable(RegistrationFlow::AuthorizationCode, early, EXPIRY_WINDOW));
    assert!(!pkce.is_reusable(RegistrationFlow::DeviceCode, early, EXPIRY_WINDOW));
    assert!(!pkce.is_reusable(RegistrationFlow::AuthorizationCode, late, EXPIRY_WINDOW));
}

#[test]
fn bad_registrations() {
    let missing = ClientRegistration::from_json(
        br#"{"clientId": "CID", "expiresAt": "2024-04-01T00:00:00Z"}"#,
    );
    assert_eq!(missing, Err(BadEntry::MissingField("clientSecret")));
    let scopes = ClientRegistration::from_json(
        br#"{"clientId": "CID", "clientSecret": "CS", "expiresAt": "2024-04-01T00:00:00Z", "scopes": "x"}"#,
    );
    assert_eq!(
        scopes,
        Err(BadEntry::WrongType {
            field: "scopes",
            expected: "a list of strings"
        })
    );
}

const CLI_CREDENTIALS: &str = r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "SECRET", "SessionToken": "SESSION", "Expiration": "2024-01-01T00:00:00Z", "AccountId": "123456789012"}}"#;

#[test]
fn role_credentials_round_trip_and_freshness() {
    let creds = RoleCredentials::from_json(CLI_CREDENTIALS.as_bytes()).expect("valid");
    assert_eq!(creds.to_json().as_str(), CLI_CREDENTIALS);
    let exp = creds.expiration;
    assert!(creds.is_fresh(exp.saturating_sub(EXPIRY_WINDOW), EXPIRY_WINDOW));
    assert!(!creds.is_fresh(exp.saturating_sub(Duration::from_secs(899)), EXPIRY_WINDOW));
    assert!(creds.is_fresh(
        exp.saturating_sub(Duration::from_secs(61)),
        Duration::from_secs(60)
    ));
}

#[test]
fn bad_role_credentials() {
    let assume_role = br#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2024-01-01T00:00:00Z"}}"#;
    assert_eq!(
        RoleCredentials::from_json(assume_role),
        Err(BadEntry::NotSso)
    );
    assert_eq!(
        RoleCredentials::from_json(br#"{"ProviderType": "sso"}"#),
        Err(BadEntry::MissingField("Credentials"))
    );
    let no_token = br#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "Expiration": "2024-01-01T00:00:00Z"}}"#;
    assert_eq!(
        RoleCredentials::from_json(no_token),
        Err(BadEntry::MissingField("SessionToken"))
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = CachedToken::from_json(&bytes);
            let _ = ClientRegistration::from_json(&bytes);
            let _ = RoleCredentials::from_json(&bytes);
        }

        #[test]
        fn any_token_survives_write_then_read(
            access in "\\PC*",
            start_url in proptest::option::of("\\PC*"),
            refresh in proptest::option::of("[ -~]{0,20}"),
            secs in 0i64..253_402_300_799,
        ) {
            let token = CachedToken {
                start_url,
                region: Some("us-east-1".into()),
                access_token: AccessToken::new(access),
                expires_at: Timestamp::from_unix_seconds(secs),
                client_id: None,
                client_secret: None,
                registration_expires_at: None,
                refresh_token: refresh.map(RefreshToken::new),
                unknown: UnknownFields::new(),
            };
            let json = token.to_json();
            prop_assert!(json.is_ascii());
            prop_assert_eq!(CachedToken::from_json(json.as_bytes()), Ok(token));
        }
    }
}
