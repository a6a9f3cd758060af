//! The `default-token-provider-chain` suite: the SDK's `full/default-token-provider-chain/`
//! cases run through the use-case handle's token provider ([`sso_driver::Sso::access_token`]:
//! the cached token, refreshed when due) with the case's environment, files and recorded
//! traffic, at the SDK runner's fixed time.

use crate::Context;
use crate::report::SuiteReport;
use crate::suites::sdk_case::{self, Expected, SdkCase};

/// Runs the suite.
pub(crate) fn run(context: &Context) -> SuiteReport {
    sdk_case::run_suite(context, "full/default-token-provider-chain", run_case)
}

fn run_case(case: &SdkCase) -> Result<(), String> {
    let outcome = resolve(case);
    sdk_case::check_replay(case)?;
    match (&case.expected, outcome) {
        (Expected::Ok(want), Ok((token, expiration))) => {
            sdk_case::expect_field(want, "token", &token)?;
            sdk_case::expect_field(want, "expiration", &expiration)
        }
        (Expected::Ok(_), Err(error)) => Err(format!("expected a token, got: {error}")),
        (Expected::ErrorContains(_), Err(_)) => Ok(()),
        (Expected::ErrorContains(want), Ok(_)) => Err(format!(
            "expected an error containing {want:?}, got a token"
        )),
    }
}

fn resolve(case: &SdkCase) -> Result<(String, String), String> {
    let token = case.sso()?.access_token().map_err(|e| e.to_string())?;
    Ok((
        token.access_token.expose_secret().to_owned(),
        token.expires_at.to_rfc3339_seconds(),
    ))
}
