//! The `credential-provider` suite: the SDK's `credential-provider/` SSO cases (legacy profiles,
//! FIPS and dual-stack endpoints, a missing token file, a server error) run through the
//! driver's credential providers with each case's environment, files and recorded traffic.
//!
//! The profile's source decides the provider, as in the SDKs' profile chain: a
//! `credential_process` runs [`sso_driver::process`]; SSO keys use
//! [`sso_driver::credentials::role_credentials`]. [`run_case`] is shared with the
//! `profile-provider` suite.

use serde_json::Value;
use sso_driver::context::AwsContext;
use sso_driver::credentials::role_credentials;
use sso_driver::process::run_credential_process;

use crate::Context;
use crate::report::SuiteReport;
use crate::suites::sdk_case::{self, Expected, FixedClock, SdkCase};

/// Runs the suite.
pub(crate) fn run(context: &Context) -> SuiteReport {
    sdk_case::run_suite(context, "credential-provider", run_case)
}

/// Credentials as the cases state them.
struct Resolved {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    account_id: Option<String>,
    expiry: Option<i64>,
}

/// Resolves the selected profile's credentials and compares them with the expected result.
pub(crate) fn run_case(case: &SdkCase) -> Result<(), String> {
    let outcome = resolve(case);
    sdk_case::check_replay(case)?;
    match (&case.expected, outcome) {
        (Expected::Ok(want), Ok(got)) => {
            sdk_case::expect_field(want, "access_key_id", &got.access_key_id)?;
            sdk_case::expect_field(want, "secret_access_key", &got.secret_access_key)?;
            if let Some(token) = &got.session_token {
                sdk_case::expect_field(want, "session_token", token)?;
            } else if want.contains_key("session_token") {
                return Err("expected a session token, got none".to_owned());
            }
            if want.contains_key("account_id") {
                sdk_case::expect_field(
                    want,
                    "account_id",
                    got.account_id.as_deref().unwrap_or("<none>"),
                )?;
            }
            match (want.get("expiry").and_then(Value::as_i64), got.expiry) {
                (Some(expected), Some(actual)) if expected != actual => {
                    Err(format!("expiry: expected {expected}, got {actual}"))
                }
                (Some(_), None) => Err("expected an expiry, got none".to_owned()),
                _ => Ok(()),
            }
        }
        (Expected::Ok(_), Err(error)) => Err(format!("expected credentials, got: {error}")),
        // The SDK's messages are Rust-SDK specific (protocol.md §8): an error is what counts.
        (Expected::ErrorContains(_), Err(_)) => Ok(()),
        (Expected::ErrorContains(want), Ok(_)) => Err(format!(
            "expected an error containing {want:?}, got credentials"
        )),
    }
}

fn resolve(case: &SdkCase) -> Result<Resolved, String> {
    let aws = AwsContext::load(&case.env, None).map_err(|e| e.to_string())?;
    let profile = aws.selected_profile().to_owned();
    let properties = aws.profiles().profile(&profile);
    if let Some(command) = properties.and_then(|p| p.get_str("credential_process")) {
        let fallback = properties.and_then(|p| p.get_str("aws_account_id"));
        let creds = run_credential_process(command, fallback).map_err(|e| e.to_string())?;
        return Ok(Resolved {
            access_key_id: creds.access_key_id,
            secret_access_key: creds.secret_access_key.expose_secret().to_owned(),
            session_token: creds.session_token.map(|t| t.expose_secret().to_owned()),
            account_id: creds.account_id,
            expiry: creds.expiration.map(|t| t.unix_millis() / 1000),
        });
    }
    let target = aws
        .target_for_profile(&profile)
        .map_err(|e| e.to_string())?;
    let sso_cache = aws.sso_cache().ok_or("no home directory")?;
    let cli_cache = aws.cli_cache().ok_or("no home directory")?;
    let creds = sdk_case::block_on(role_credentials(
        &case.replay,
        &sso_cache,
        &cli_cache,
        &target,
        &FixedClock,
    ))?
    .map_err(|e| e.to_string())?;
    Ok(Resolved {
        access_key_id: creds.access_key_id.clone(),
        secret_access_key: creds.secret_access_key.expose_secret().to_owned(),
        session_token: Some(creds.session_token.expose_secret().to_owned()),
        account_id: creds.account_id.clone(),
        expiry: Some(creds.expiration.unix_millis() / 1000),
    })
}
