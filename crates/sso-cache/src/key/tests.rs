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

/// botocore's own test vectors (`tests/unit/test_credentials.py`) and protocol.md §11.4.
#[test]
fn assumed_role_keys_match_botocore() {
    let policy: serde_json::Value = serde_json::from_str(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": "*"}]}"#,
    )
    .unwrap();
    let cases = [
        (
            AssumeRoleKeyArgs {
                role_arn: "myrole",
                ..AssumeRoleKeyArgs::default()
            },
            "793d6e2f27667ab2da104824407e486bfec24a47",
        ),
        (
            AssumeRoleKeyArgs {
                role_arn: "arn:aws:iam::role/foo-role",
                ..AssumeRoleKeyArgs::default()
            },
            "75c539f0711ba78c5b9e488d0add95f178a54d74",
        ),
        (
            AssumeRoleKeyArgs {
                role_arn: "myrole",
                role_session_name: Some("my_session_name"),
                ..AssumeRoleKeyArgs::default()
            },
            "2964201f5648c8be5b9460a9cf842d73a266daf2",
        ),
        (
            AssumeRoleKeyArgs {
                role_arn: "myrole",
                policy: Some(&policy),
                ..AssumeRoleKeyArgs::default()
            },
            "176f223d915e82456c253545e192aa21d68f5ab8",
        ),
        (
            AssumeRoleKeyArgs {
                role_arn: "arn:aws:iam::123:role/role-name",
                ..AssumeRoleKeyArgs::default()
            },
            "c29461feeacfbed43017d20612606ff76abc073d",
        ),
        (
            AssumeRoleKeyArgs {
                role_arn: "arn:aws:iam::123456789012:role/Admin",
                role_session_name: Some("me"),
                external_id: Some("x"),
                serial_number: Some("arn:aws:iam::123456789012:mfa/me"),
                duration_seconds: Some(3600),
                policy: None,
            },
            "32934de29c56fb61dc9202d7f8d07a74fde25a39",
        ),
    ];
    for (args, key) in cases {
        assert_eq!(CacheKey::for_assumed_role(&args).as_str(), key, "{args:?}");
    }
}
