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
//! Any profile works, as with the AWS CLI ([`sso_driver::credentials::profile_source`] picks the
//! source with the SDKs' precedence): SSO keys as above; a `credential_process` is run (with
//! `SSO_PROFILE_CHAIN` set, so that a process that calls `sso` for a profile already being
//! resolved is refused instead of looping); static keys are printed as they are (two lines, or
//! three with `aws_session_token`). `role_arn` and `web_identity_token_file` profiles are
//! refused with an error that names the key.
//!
//! `_AWS_CLI_PROFILE_CHAIN` (the AWS CLI's recursion guard) is deliberately not honoured:
//! `aws configure export-credentials --profile P` on a profile whose `credential_process` is
//! `sso export-credentials --profile P` (a common setup) sets the chain to `P` before running
//! us; honouring it would report a cycle that does not exist. `sso` keeps its own chain.

use sso_config::ProfileView;
use sso_driver::clock::{SystemClock, WallClock as _};
use sso_driver::context::{AwsContext, SsoTarget};
use sso_driver::credentials::{self, Credentials, ProfileSource};

use crate::Context;
use crate::args::ExportFormat;
use crate::convert;
use crate::error::CliError;
use crate::export::{self, ExportCredentials};
use crate::values::ProfileName;

/// Runs `sso export-credentials`; with `--credentials-file`, writes section `[NAME]` of the
/// credentials file instead of printing ([`sso_driver::settings::write_credentials`]).
pub fn run(
    _ctx: &Context,
    profile: ProfileName,
    format: ExportFormat,
    credentials_file: Option<ProfileName>,
) -> Result<(), CliError> {
    let resolved = profile_credentials(&profile)?;
    match credentials_file {
        None => print(&to_export(&resolved.credentials), format),
        Some(name) => {
            let aws = convert::load_context(Some(profile.as_str()))?;
            let path =
                sso_driver::settings::write_credentials(&aws, name.as_str(), &resolved.credentials)
                    .map_err(crate::commands::settings::settings_error)?;
            let until = resolved
                .credentials
                .expiration
                .map(|at| format!(", valid until {at}"))
                .unwrap_or_default();
            crate::commands::list::warn(&format!(
                "Wrote the credentials of profile `{profile}` to [{name}] in {}{until}\n",
                path.display()
            ));
            Ok(())
        }
    }
}

/// Prints credentials to stdout in the given format.
pub fn print(credentials: &ExportCredentials, format: ExportFormat) -> Result<(), CliError> {
    crate::write_stdout(&export::render(credentials, format))
}

/// A profile's credentials and what the commands that use them also need.
#[derive(Debug)]
pub struct ProfileCredentials {
    /// The credentials.
    pub credentials: Credentials,
    /// The profile's `region`, if set.
    pub region: Option<String>,
    /// The SSO login behind them, for an SSO profile.
    pub target: Option<SsoTarget>,
}

/// The credentials of any profile ([`credentials::profile_source`]): for an SSO profile the
/// role credentials from the cache when they are valid for more than 15 minutes (no runtime,
/// no TLS), else fetched; a `credential_process` run; or the static keys.
///
/// Shared by `export-credentials`, `exec` and `console`.
pub fn profile_credentials(profile: &ProfileName) -> Result<ProfileCredentials, CliError> {
    let aws = convert::load_context(Some(profile.as_str()))?;
    let region = aws
        .profiles()
        .profile(profile.as_str())
        .and_then(|props| ProfileView(props).region())
        .map(|value| value.as_str().to_owned());
    let source =
        credentials::profile_source(&aws, profile.as_str()).map_err(convert::source_error)?;
    let (credentials, target) = match source {
        ProfileSource::Sso(target) => {
            let target = *target;
            let credentials = sso_credentials(&aws, profile, &target)?;
            (Credentials::from(credentials), Some(target))
        }
        ProfileSource::Process(process) => {
            tracing::debug!(profile = %process.profile, chain = %process.chain.join(","), "credentials from the credential_process");
            let credentials = process
                .run()
                .map_err(|error| convert::process_error(&error, &process))?;
            (credentials, None)
        }
        ProfileSource::Static(credentials) => {
            tracing::debug!("static credentials from the profile");
            (credentials, None)
        }
        other => {
            return Err(CliError::Bug {
                message: format!("unhandled credential source {other:?}"),
            });
        }
    };
    Ok(ProfileCredentials {
        credentials,
        region,
        target,
    })
}

/// The role credentials of an SSO profile: the cache first (no runtime, no TLS), else the
/// token (refreshed if needed) and `GetRoleCredentials`.
fn sso_credentials(
    aws: &AwsContext,
    profile: &ProfileName,
    target: &SsoTarget,
) -> Result<sso_cache::RoleCredentials, CliError> {
    check_role(aws, profile.as_str(), target)?;
    let cli_cache = convert::cli_cache(aws)?;
    let now = sso_driver::convert::unix_ms_to_cache_time(SystemClock.now_unix_ms());
    let cached = credentials::cached_role_credentials(&cli_cache, target, now)
        .map_err(|e| convert::credentials_error(e, target))?;
    if let Some(credentials) = cached {
        tracing::debug!("cached role credentials are valid");
        return Ok(credentials);
    }
    let sso_cache = convert::sso_cache(aws)?;
    let http = convert::http_client_for_profile(aws, Some(profile.as_str()))?;
    let runtime = crate::runtime()?;
    runtime
        .block_on(credentials::role_credentials(
            &http,
            &sso_cache,
            &cli_cache,
            target,
            &SystemClock,
        ))
        .map_err(|e| convert::credentials_error(e, target))
}

/// `target` (of `profile`) must name an account and a role; a profile without them is shown at
/// its place in the config file with the AWS CLI's message.
fn check_role(aws: &AwsContext, profile: &str, target: &SsoTarget) -> Result<(), CliError> {
    if target.account_id.is_none() || target.role_name.is_none() {
        let settings = aws
            .profiles()
            .resolve_sso(profile)
            .map_err(|e| convert::resolve_error(&e))?;
        if let Err(error) = settings.role() {
            return Err(convert::resolve_error(&error));
        }
    }
    Ok(())
}

/// Credentials as `export-credentials` prints them: no token or expiration lines when the
/// profile has none (static keys).
pub fn to_export(credentials: &Credentials) -> ExportCredentials {
    ExportCredentials {
        access_key_id: credentials.access_key_id.clone(),
        secret_access_key: credentials.secret_access_key.clone(),
        session_token: credentials.session_token.clone(),
        expiration: credentials.expiration.map(isoformat),
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
