//! `sso export-credentials`: print a profile's credentials (protocol.md §7), byte for byte as
//! `aws configure export-credentials` prints them.
//!
//! The credentials come from the driver's one call, [`sso_driver::Sso::credentials`]: the
//! whole chain of `aws configure export-credentials` (environment keys unless `--profile` names
//! a profile, then the profile's source: assume-role chains, web identity, SSO, a
//! `credential_process`, static keys; then container credentials and IMDS). A warm path (an SSO
//! or assumed-role entry cached in `~/.aws/cli/cache` for more than 15 minutes, static or
//! environment keys) starts no runtime and builds no HTTP client. A browser login is never
//! started. This module only renders.
//!
//! `_AWS_CLI_PROFILE_CHAIN` (the AWS CLI's recursion guard) is deliberately not honoured:
//! `aws configure export-credentials --profile P` on a profile whose `credential_process` is
//! `sso export-credentials --profile P` (a common setup) sets the chain to `P` before running
//! us; honouring it would report a cycle that does not exist. `sso` keeps its own chain.

use std::io::IsTerminal as _;
use std::time::Duration;

use sso_driver::Sso;
use sso_driver::env::Env;
use sso_driver::prompt::{MfaCode, Prompt, UserCode};
use sso_driver::sso::Credentials;
use sso_driver::sso::Resolved;
use sso_driver::sso::{CredentialsRequest, Selection};

use crate::Context;
use crate::args::ExportFormat;
use crate::convert;
use crate::error::CliError;
use crate::export::{self, ExportCredentials};
use crate::options::CredentialsSection;

/// Runs `sso export-credentials` for the selection of `--profile` (environment keys first
/// without it); `wait_for_login` is `--wait-for-login SECS`. With `--credentials-file`, writes
/// section `[NAME]` (by default the selected profile's) of the credentials file instead of
/// printing ([`Sso::write_credentials`]).
pub(crate) fn run(
    ctx: &Context,
    format: ExportFormat,
    wait_for_login: Option<u64>,
    credentials_file: Option<CredentialsSection>,
) -> Result<(), CliError> {
    let sso = open(&ctx.env, ctx.global.selection())?;
    let resolved = credentials(&sso, wait_for_login)?;
    let profile = sso.profile_name();
    let name = match &credentials_file {
        None => return print(&to_export(&resolved.credentials), format),
        Some(CredentialsSection::SelectedProfile) => profile,
        Some(CredentialsSection::Named(name)) => name.as_str(),
    };
    let path = sso
        .write_credentials(name, &resolved.credentials)
        .map_err(crate::commands::settings::settings_error)?;
    let until = resolved
        .credentials
        .expiration
        .map(|at| format!(", valid until {at}"))
        .unwrap_or_default();
    crate::term::eprint(&format!(
        "Wrote the credentials of profile `{profile}` to [{name}] in {}{until}\n",
        path.display()
    ));
    Ok(())
}

/// Prints credentials to stdout in the given format; a value that is not credential text
/// ([`export::render`]) is an error and nothing is printed.
pub(crate) fn print(credentials: &ExportCredentials, format: ExportFormat) -> Result<(), CliError> {
    crate::write_stdout(&export::render(credentials, format)?)
}

/// The handle of the credential commands over `env`: a named profile ([`Selection::Profile`]:
/// environment keys are ignored), or the default chain ([`Selection::Default`]: environment
/// keys first). The config's warnings are not printed: stderr belongs to the tool that runs us.
pub(crate) fn open(env: &Env, selection: Selection) -> Result<Sso, CliError> {
    convert::open_quiet(env, selection)
}

/// The credentials of `selection` through the driver's chain, shared by `exec` and `serve`
/// (each renewal of the server opens the files again), over `env`.
pub(crate) fn profile_credentials(env: &Env, selection: &Selection) -> Result<Resolved, CliError> {
    credentials(&open(env, selection.clone())?, None)
}

/// The credentials of `sso`'s selection, with `--wait-for-login SECS` (`None`: the login's
/// `sso_wait_for_login`, else no wait). Prints the expiry warning ([`crate::expiry`]).
pub(crate) fn credentials(sso: &Sso, wait_for_login: Option<u64>) -> Result<Resolved, CliError> {
    let request = CredentialsRequest::default()
        .wait_for_login(wait_for_login.map(Duration::from_secs))
        .check_login_expiry(crate::expiry::wanted());
    let resolved = sso
        .credentials(&request, &MfaTerminal)
        .map_err(convert::chain_error)?;
    crate::expiry::warn_resolved(&resolved);
    Ok(resolved)
}

/// Asks for MFA codes on the terminal (stderr for the prompt, the terminal's keys for the
/// answer, not echoed; never stdout, which carries the credentials); nobody to ask without a
/// terminal.
pub(crate) struct MfaTerminal;

impl Prompt for MfaTerminal {
    fn show_user_code(&self, _code: &UserCode<'_>, _browser_opening: bool) {}
    fn show_authorize_url(&self, _url: &str, _browser_opening: bool) {}
    fn waiting(&self, _deadline_unix_ms: u64) {}
    fn signed_in(&self, _start_url: &str) {}

    fn mfa_code(&self, mfa_serial: &str) -> Option<MfaCode> {
        if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
            return None;
        }
        let serial = crate::term::printable(mfa_serial);
        // The code is not echoed (it is a one-time password, and may be on a shared screen).
        let line = crate::term::read_hidden_line(&format!("Enter MFA code for {serial}: "));
        let line = line.ok()??;
        let code = line.trim();
        (!code.is_empty()).then(|| MfaCode::new(code))
    }
}

/// Credentials as `export-credentials` prints them: no token or expiration lines when the
/// profile has none (static keys).
pub(crate) fn to_export(credentials: &Credentials) -> ExportCredentials {
    ExportCredentials {
        access_key_id: credentials.access_key_id.clone(),
        secret_access_key: credentials.secret_access_key.clone(),
        session_token: credentials.session_token.clone(),
        expiration: credentials.expiration.map(isoformat),
    }
}

/// Python's `datetime.isoformat()` of a UTC expiry as the AWS CLI prints it:
/// `2024-01-01T00:00:00+00:00` (the cache stores whole seconds).
pub(crate) fn isoformat(at: sso_cache::Timestamp) -> String {
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
