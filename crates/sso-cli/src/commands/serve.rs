//! `sso serve [--profile P] [--port N]`: a profile's credentials served on `127.0.0.1` in the
//! container-credentials format until Ctrl-C ([`sso_driver::serve`] does the serving and the
//! renewing), and the [`ChainSource`] that `sso exec --server` shares.
//!
//! This module prints the variables to give the SDKs (stdout: shell lines and `#` comments, so
//! the whole output can be pasted into a shell), turns the chain's errors into the short
//! messages clients receive, and waits for Ctrl-C, which ends the server with exit code 0.

use std::sync::Arc;

use sso_driver::serve::{
    BlockingServer, CredentialSource, Credentials, FailureKind, ServeError, SourceFailure,
    SystemClock,
};
use sso_driver::sso::Selection;

use crate::Context;
use crate::commands::export_credentials::{self, profile_credentials};
use crate::error::{CliError, exit_code};

/// The variables that must not reach a client of the server: static keys and profiles would win
/// over the container provider, `..._RELATIVE_URI` over `..._FULL_URI`, and
/// `..._TOKEN_FILE` over `..._TOKEN`.
pub(crate) const SHADOWING_VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// Runs `sso serve`.
pub(crate) fn run(ctx: &Context, port: u16) -> Result<(), CliError> {
    let selection = ctx.global.selection();
    // A first fetch: the profile and region to print, and the credentials served until they
    // need renewing. Without a sign-in (or the network) the server starts anyway and answers
    // with the advice until the user signs in.
    let sso = export_credentials::open(&ctx.env, selection.clone())?;
    let (initial, region) = match export_credentials::credentials(&sso, None) {
        Ok(resolved) => {
            require_temporary(&resolved.credentials)?;
            (Some(resolved.credentials), resolved.region)
        }
        Err(error)
            if matches!(
                error.exit_code(),
                exit_code::LOGIN_REQUIRED | exit_code::NETWORK
            ) =>
        {
            crate::term::eprint(&format!(
                "sso serve: no credentials yet; clients get an error until this is fixed:\n{}",
                crate::error::render(&error, false, false)
            ));
            (None, None)
        }
        Err(error) => return Err(error),
    };
    let source = Arc::new(ChainSource::new(ctx.env.clone(), selection));
    let server = BlockingServer::start(port, source, Arc::new(SystemClock), initial)
        .map_err(|error| serve_error(error, port))?;
    crate::write_stdout(&instructions(
        sso.profile_name(),
        &server.server().url(),
        server.server().token().expose_secret(),
        region.as_deref(),
    ))?;
    server
        .wait_for_interrupt()
        .map_err(|source| CliError::Failed {
            message: format!("cannot wait for Ctrl-C: {source}"),
            help: None,
        })?;
    crate::term::eprint("sso serve: stopped\n");
    Ok(())
}

/// Refuses long-term keys: the container format needs a session token (botocore's provider
/// fails without one).
pub(crate) fn require_temporary(credentials: &Credentials) -> Result<(), CliError> {
    if credentials.session_token.is_some() {
        return Ok(());
    }
    Err(CliError::Failed {
        message: "the profile gives long-term keys (no session token), which cannot be served as container credentials".to_owned(),
        help: Some("use a profile with temporary credentials (SSO, role_arn), or `sso exec` without --server".to_owned()),
    })
}

/// The driver's [`ServeError`] as the user sees it.
pub(crate) fn serve_error(error: ServeError, port: u16) -> CliError {
    match error {
        ServeError::PortInUse { .. } => CliError::Usage {
            message: error.to_string(),
            help: Some(format!(
                "choose another --port than {port}, or omit it for a free port"
            )),
        },
        other => CliError::Failed {
            message: format!("cannot start the credential server: {other}"),
            help: None,
        },
    }
}

/// What `sso serve` prints: lines to paste into a shell, and `#` comments.
fn instructions(profile: &str, url: &str, token: &str, region: Option<&str>) -> String {
    let profile = crate::term::printable(profile);
    let mut out = format!(
        "# sso serve: credentials of profile `{profile}` on {url} until Ctrl-C.\n\
         # In the shell of the programs that should use them:\n\
         export AWS_CONTAINER_CREDENTIALS_FULL_URI={url}\n\
         export AWS_CONTAINER_AUTHORIZATION_TOKEN={token}\n\
         unset {}\n",
        SHADOWING_VARIABLES.join(" ")
    );
    if let Some(region) = region.filter(|r| crate::export::is_credential_text(r)) {
        out.push_str(&format!(
            "export AWS_REGION={region} AWS_DEFAULT_REGION={region}\n"
        ));
    }
    out.push_str(
        "# In Docker, share the host's network (the server listens on 127.0.0.1 only):\n\
         #   docker run --network host -e AWS_CONTAINER_CREDENTIALS_FULL_URI \\\n\
         #     -e AWS_CONTAINER_AUTHORIZATION_TOKEN IMAGE\n\
         # host.docker.internal (--add-host=host.docker.internal:host-gateway) does not work:\n\
         # the server is not reachable from a bridge network, and the SDKs accept plain http\n\
         # only to loopback addresses (127.0.0.1, localhost).\n",
    );
    out
}

/// The credential chain of a selection, as a [`CredentialSource`]: what `sso
/// export-credentials` would print, with the chain's errors turned into short messages that
/// end with what to run.
pub(crate) struct ChainSource {
    env: sso_driver::env::Env,
    selection: Selection,
}

impl ChainSource {
    /// The chain of `selection` over `env` (a named profile ignores the environment's keys).
    pub(crate) fn new(env: sso_driver::env::Env, selection: Selection) -> Self {
        Self { env, selection }
    }
}

impl CredentialSource for ChainSource {
    fn fetch(&self) -> Result<Credentials, SourceFailure> {
        let resolved = profile_credentials(&self.env, &self.selection).map_err(|e| failure(&e))?;
        require_temporary(&resolved.credentials).map_err(|e| failure(&e))?;
        Ok(resolved.credentials)
    }
}

/// A [`CliError`] as a client of the server sees it: the message and the help line.
pub(crate) fn failure(error: &CliError) -> SourceFailure {
    let kind = match error.exit_code() {
        exit_code::LOGIN_REQUIRED => FailureKind::SignInRequired,
        exit_code::NETWORK => FailureKind::Unavailable,
        _ => FailureKind::Failed,
    };
    let mut message = format!("sso: cannot get credentials: {error}");
    if let Some(help) = miette::Diagnostic::help(error) {
        message.push_str(&format!("\nhelp: {help}"));
    }
    SourceFailure::new(kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_are_shell_lines_and_comments() {
        let text = instructions(
            "dev",
            "http://127.0.0.1:4242/credentials",
            "abc123",
            Some("eu-west-1"),
        );
        for line in text.lines() {
            assert!(
                line.starts_with('#') || line.starts_with("export ") || line.starts_with("unset "),
                "{line}"
            );
        }
        assert!(text.contains(
            "\nexport AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:4242/credentials\n"
        ));
        assert!(text.contains("\nexport AWS_CONTAINER_AUTHORIZATION_TOKEN=abc123\n"));
        assert!(text.contains("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
        assert!(text.contains("--network host"));
        assert!(text.contains("export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1\n"));
        let hostile = instructions("dev", "u", "t", Some("eu;rm -rf"));
        assert!(!hostile.contains("rm -rf"));
    }

    #[test]
    fn login_errors_become_sign_in_failures_with_the_advice() {
        let error = CliError::Usage {
            message: "bad".to_owned(),
            help: Some("do this".to_owned()),
        };
        let failure = failure(&error);
        assert_eq!(failure.kind, FailureKind::Failed);
        assert!(failure.message.contains("bad"));
        assert!(failure.message.contains("help: do this"));
    }
}
