//! The worked examples of protocol.md §4.1, §4.2 and §4.5.

use super::*;

#[test]
fn token_keys_match_the_cli_and_the_rust_sdk() {
    for (input, file) in [
        ("admin", "d033e22ae348aeb5660fc2140aec35850c4da997.json"),
        ("dev", "34c6fceca75e456f25e7e99531e2425c6c1de443.json"),
        ("test", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3.json"),
        (
            "https://d-92671207e4.awsapps.com/start",
            "13f9d35043871d073ab260e020f0ffde092cb14b.json",
        ),
        (
            "https://ssotest.awsapps.com/start",
            "dace00cba5f8355ec9d274ceb2bcebdfbeed0e12.json",
        ),
    ] {
        assert_eq!(CacheKey::for_session(input).file_name(), file);
        assert_eq!(CacheKey::for_start_url(input).file_name(), file);
    }
}

#[test]
fn start_url_is_not_normalized() {
    assert_ne!(
        CacheKey::for_start_url("https://ssotest.awsapps.com/start"),
        CacheKey::for_start_url("https://ssotest.awsapps.com/start/")
    );
}

#[test]
fn registration_key_matches_the_worked_examples() {
    let scopes = vec!["sso:account:access".to_owned()];
    let with_session = RegistrationKeyArgs {
        start_url: "https://d-123.awsapps.com/start",
        region: "us-east-1",
        scopes: Some(&scopes),
        session_name: Some("my-sso"),
    };
    assert_eq!(
        CacheKey::for_registration(&with_session).as_str(),
        "41703fba9789c2c8f9b7faa73b70bebb72c62cc9"
    );
    let legacy = RegistrationKeyArgs {
        start_url: "https://d-123.awsapps.com/start",
        region: "us-east-1",
        scopes: None,
        session_name: None,
    };
    assert_eq!(
        CacheKey::for_registration(&legacy).as_str(),
        "334df8a025b4d748342a2fb4eaa316ea48c5576c"
    );
}

#[test]
fn role_credential_key_matches_the_worked_examples() {
    assert_eq!(
        CacheKey::for_role_credentials("123456789012", "ReadOnly", Login::Session("my-sso"))
            .as_str(),
        "31b260dab331b2af063485cea75f7b8b3cf54c71"
    );
    assert_eq!(
        CacheKey::for_role_credentials(
            "123456789012",
            "ReadOnly",
            Login::StartUrl("https://d-123.awsapps.com/start")
        )
        .as_str(),
        "49d74a5adea274d356f0d1ec5a815460b5c8e31d"
    );
}

#[test]
fn stems_cannot_escape_the_directory() {
    assert!(CacheKey::from_stem("botocore-client-id-us-east-1").is_ok());
    for bad in ["", ".", "..", "../x", "a/b", "a\\b", "a\0b"] {
        assert_eq!(CacheKey::from_stem(bad), Err(InvalidKey), "{bad:?}");
    }
}
