//! The `credential-provider` suite: the SDK's `credential-provider/` SSO cases (legacy profiles,
//! FIPS and dual-stack endpoints, a missing token file, a server error) run through the
//! driver's credential providers with each case's environment, files and recorded traffic.
//!
//! The profile's source is picked by the driver's own chain,
//! [`sso_driver::credentials::profile_source`] (what `sso export-credentials` uses): a
//! `credential_process` is run, SSO keys go through
//! [`sso_driver::credentials::role_credentials`]. [`run_case`] is shared with the
//! `profile-provider` suite.

use serde_json::Value;
use sso_driver::context::AwsContext;
use sso_driver::credentials::{Credentials, ProfileSource, profile_source, role_credentials};

use crate::Context;
use crate::report::SuiteReport;
use crate::suites::sdk_case::{self, Expected, FixedClock, SdkCase};

/// Runs the suite.
pub(crate) fn run(context: &Context) -> SuiteReport {
    sdk_case::run_suite(context, "credential-provider", run_case)
}

/// Resolves the selected profile's credentials and compares them with the expected result.
pub(crate) fn run_case(case: &SdkCase) -> Result<(), String> {
    let outcome = resolve(case);
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

fn resolve(case: &SdkCase) -> Result<Credentials, String> {
    let aws = AwsContext::load(&case.env, None).map_err(|e| e.to_string())?;
    match profile_source(&aws, aws.selected_profile()).map_err(|e| e.to_string())? {
        ProfileSource::Sso(target) => {
            let sso_cache = aws.sso_cache().ok_or("no home directory")?;
            let cli_cache = aws.cli_cache().ok_or("no home directory")?;
            sdk_case::block_on(role_credentials(
                &case.replay,
                &sso_cache,
                &cli_cache,
                &target,
                &FixedClock,
            ))?
            .map(Credentials::from)
            .map_err(|e| e.to_string())
        }
        ProfileSource::Process(process) => process.run().map_err(|e| e.to_string()),
        ProfileSource::Static(credentials) => Ok(credentials),
        other => Err(format!("unexpected credential source {other:?}")),
    }
}
