//! `sso export-credentials`: print a profile's credentials (protocol.md §7), byte for byte as
//! `aws configure export-credentials` prints them.
//!
//! The warm path (role credentials cached in `~/.aws/cli/cache` for more than 15 minutes) is
//! what `credential_process = sso export-credentials --profile P` hits on nearly every call,
//! so it starts no async runtime and builds no HTTP client (no TLS trust roots are loaded):
//! load the config, compute the cache key, read one file, print. Only on a miss is a
//! current-thread tokio runtime and an `HttpClient` built, to refresh the token if needed and
//! call `GetRoleCredentials` ([`sso_driver::credentials::role_credentials`]). A browser login
//! is never started.
//!
//! `_AWS_CLI_PROFILE_CHAIN` (the AWS CLI's recursion guard) is deliberately not honoured:
//! `sso` never runs a `credential_process`, so no loop can pass through it, while
//! `aws configure export-credentials --profile P` on a profile whose `credential_process` is
//! `sso export-credentials --profile P` (a common setup) sets the chain to `P` before running
//! us; honouring it would report a cycle that does not exist.

use sso_cache::RoleCredentials;
use sso_driver::clock::{SystemClock, WallClock as _};
use sso_driver::context::{AwsContext, SsoTarget};
use sso_driver::credentials;

use crate::Context;
use crate::args::ExportFormat;
use crate::convert;
use crate::error::CliError;
use crate::export::{self, ExportCredentials, Secret};
use crate::values::ProfileName;

/// Runs `sso export-credentials`.
pub fn run(_ctx: &Context, profile: ProfileName, format: ExportFormat) -> Result<(), CliError> {
    let credentials = profile_credentials(&profile)?.0;
    print(&to_export(&credentials), format)
}

/// Prints credentials to stdout in the given format.
pub fn print(credentials: &ExportCredentials, format: ExportFormat) -> Result<(), CliError> {
    crate::write_stdout(&export::render(credentials, format))
}

/// The role credentials of an SSO profile, from the cache when they are valid for more than
/// 15 minutes (no runtime, no TLS), else fetched; with the profile's resolved target.
///
/// Shared by `export-credentials` and `exec`.
pub fn profile_credentials(
    profile: &ProfileName,
) -> Result<(RoleCredentials, SsoTarget), CliError> {
    let aws = convert::load_context(Some(profile.as_str()))?;
    let target = role_target(&aws, profile.as_str())?;
    let cli_cache = aws.cli_cache().ok_or_else(no_home)?;
    let now = sso_driver::convert::unix_ms_to_cache_time(SystemClock.now_unix_ms());
    let cached = credentials::cached_role_credentials(&cli_cache, &target, now)
        .map_err(|e| convert::credentials_error(e, &target))?;
    if let Some(credentials) = cached {
        tracing::debug!("cached role credentials are valid");
        return Ok((credentials, target));
    }
    let sso_cache = aws.sso_cache().ok_or_else(no_home)?;
    let http = convert::http_client_for_profile(&aws, Some(profile.as_str()))?;
    let runtime = runtime()?;
    let credentials = runtime
        .block_on(credentials::role_credentials(
            &http,
            &sso_cache,
            &cli_cache,
            &target,
            &SystemClock,
        ))
        .map_err(|e| convert::credentials_error(e, &target))?;
    Ok((credentials, target))
}

/// The target of `profile`, which must name an account and a role; a profile without them is
/// shown at its place in the config file with the AWS CLI's message.
fn role_target(aws: &AwsContext, profile: &str) -> Result<SsoTarget, CliError> {
    let target = aws
        .target_for_profile(profile)
        .map_err(convert::context_error)?;
    if target.account_id.is_none() || target.role_name.is_none() {
        let settings = aws
            .profiles()
            .resolve_sso(profile)
            .map_err(|e| convert::resolve_error(&e))?;
        if let Err(error) = settings.role() {
            return Err(convert::resolve_error(&error));
        }
    }
    Ok(target)
}

/// The runtime of the commands that go to the network: one thread, IO and timers.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::Bug {
            message: format!("could not start the async runtime: {error}"),
        })
}

fn no_home() -> CliError {
    CliError::Usage {
        message: "no home directory: cannot find the AWS caches".to_owned(),
        help: Some("set HOME (USERPROFILE on Windows)".to_owned()),
    }
}

/// Cached role credentials as `export-credentials` prints them.
pub fn to_export(credentials: &RoleCredentials) -> ExportCredentials {
    ExportCredentials {
        access_key_id: credentials.access_key_id.clone(),
        secret_access_key: Secret::new(credentials.secret_access_key.expose_secret()),
        session_token: Some(Secret::new(credentials.session_token.expose_secret())),
        expiration: Some(isoformat(credentials.expiration)),
    }
}

/// Python's `datetime.isoformat()` of a UTC expiry as the AWS CLI prints it:
/// `2024-01-01T00:00:00+00:00` (the cache stores whole seconds).
pub fn isoformat(at: sso_cache::Timestamp) -> String {
    let text = at.to_string();
    match text.strip_suffix('Z') {
        Some(stem) => format!("{stem}+00:00"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::isoformat;

    #[test]
    fn expiration_prints_like_python_isoformat() {
        let at = sso_cache::Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
        assert_eq!(isoformat(at), "2024-01-01T00:00:00+00:00");
    }
}
