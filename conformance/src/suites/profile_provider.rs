//! The `profile-provider` suite: the SDK's `profile-provider/` cases (SSO profiles, a global
//! endpoint override, session-only profiles asked for credentials, and `credential_process`
//! profiles) through the same runner as the `credential-provider` suite.

use crate::Context;
use crate::report::SuiteReport;
use crate::suites::credential_provider;
use crate::suites::sdk_case;

/// Runs the suite.
pub(crate) fn run(context: &Context) -> SuiteReport {
    sdk_case::run_suite(context, "profile-provider", credential_provider::run_case)
}
