//! The `default-credential-provider-chain` and `profile-provider` suites: the SDK's complete
//! provider cases (`full/`: environment, static keys, `credential_process`, SSO, assume-role
//! chains over STS, web identity, container credentials, IMDSv2) run through the use case of
//! `sso export-credentials`, [`sso_driver::Sso::credentials`], with each case's environment,
//! files, recorded traffic (the handle's injected transport) and pinned clock.
//!
//! The default-chain suite asks for the whole chain of the selected profile; the
//! profile-provider suite for the profile's own source alone
//! ([`CredentialsRequest::profile_only`], as the SDK's `ProfileFileCredentialsProvider`).

use serde_json::Value;
use sso_driver::prompt::SilentPrompt;
use sso_driver::sso::{Credentials, CredentialsRequest};

use crate::Context;
use crate::report::SuiteReport;
use crate::suites::sdk_case::{self, Expected, SdkCase};

/// Runs the `default-credential-provider-chain` suite.
pub(crate) fn run_default_chain(context: &Context) -> SuiteReport {
    sdk_case::run_suite(context, "full/default-credential-provider-chain", |case| {
        run_case(case, false)
    })
}

/// Runs the `profile-provider` suite.
pub(crate) fn run_profile_provider(context: &Context) -> SuiteReport {
    sdk_case::run_suite(context, "full/profile-provider", |case| {
        run_case(case, true)
    })
}

/// Resolves the credentials and compares them with the expected result.
fn run_case(case: &SdkCase, profile_only: bool) -> Result<(), String> {
    let outcome = resolve(case, profile_only);
    sdk_case::check_replay(case)?;
    match (&case.expected, outcome) {
        (Expected::Ok(want), Ok(got)) => {
            sdk_case::expect_field(want, "access_key_id", &got.access_key_id)?;
            sdk_case::expect_field(
                want,
                "secret_access_key",
                got.secret_access_key.expose_secret(),
            )?;
            if let Some(token) = &got.session_token {
                sdk_case::expect_field(want, "session_token", token.expose_secret())?;
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
            let expiry = got.expiration.map(|at| at.unix_millis() / 1000);
            match (want.get("expiry").and_then(Value::as_i64), expiry) {
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

fn resolve(case: &SdkCase, profile_only: bool) -> Result<Credentials, String> {
    let request = CredentialsRequest::default().profile_only(profile_only);
    case.sso()?
        .credentials(&request, &SilentPrompt)
        .map(|resolved| resolved.credentials)
        .map_err(|e| e.to_string())
}
