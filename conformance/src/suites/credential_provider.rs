//! The `default-credential-provider-chain` and `profile-provider` suites: the SDK's complete
//! provider cases (`full/`: environment, static keys, `credential_process`, SSO, assume-role
//! chains over STS, web identity, container credentials, IMDSv2) run through the driver's
//! credential chain ([`sso_driver::chain`], what `sso export-credentials` uses) with each case's
//! environment, files and recorded traffic replayed through the driver's `Transport`.
//!
//! The default-chain suite runs [`sso_driver::chain::resolve`] (the whole chain of the selected
//! profile); the profile-provider suite [`sso_driver::chain::resolve_profile`] (the profile's
//! own source, as the SDK's `ProfileFileCredentialsProvider`).

use serde_json::Value;
use sso_driver::chain;
use sso_driver::context::{AwsContext, ContextError};
use sso_driver::credentials::Credentials;
use sso_driver::prompt::SilentPrompt;

use crate::Context;
use crate::report::SuiteReport;
use crate::suites::sdk_case::{self, Expected, FixedClock, SdkCase};

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
    let aws = match AwsContext::load(&case.env, None) {
        Err(ContextError::Location(_)) => AwsContext::without_files(&case.env),
        other => other.map_err(|e| e.to_string())?,
    };
    let resolved = if profile_only {
        sdk_case::block_on(chain::resolve_profile(
            &case.replay,
            &aws,
            aws.selected_profile(),
            &SilentPrompt,
            &FixedClock,
        ))?
    } else {
        sdk_case::block_on(chain::resolve(
            &case.replay,
            &aws,
            false,
            &SilentPrompt,
            &FixedClock,
        ))?
    };
    resolved.map(|r| r.credentials).map_err(|e| e.to_string())
}
