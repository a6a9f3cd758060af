//! `sso console`: open the AWS Management Console signed in as a profile's role.
//!
//! One use-case call, [`sso_driver::Sso::console_url`]: the credentials exactly as for
//! `export-credentials` (for SSO: the cache when valid, else the token, refreshed if needed,
//! and `GetRoleCredentials`; never a browser sign-in; a `credential_process` is run), which
//! must be temporary (long-term keys are refused before any request), exchanged at the
//! federation endpoint of the region's partition (or `SSO_FEDERATION_ENDPOINT`, for tests and
//! proxies) for a sign-in token, and the login URL with the start URL (SSO profiles) as
//! `Issuer`, so that an expired console session leads back to the access portal. Then
//! [`sso_driver::Sso::open_console`] opens it.
//!
//! The URL signs in whoever opens it within 15 minutes, so it goes to stdout only with
//! `--print` or when no browser can be opened here; otherwise the browser opens it and stderr
//! says so.

use std::io::IsTerminal as _;

use sso_driver::sso::CredentialsRequest;
use sso_driver::sso::SsoTarget;
use sso_driver::sso::console::ConsoleError;
use sso_driver::sso::console::{
    ConsoleOpened, ConsoleRequest, ConsoleUseError, FEDERATION_ENDPOINT_ENV,
};

use crate::Context;
use crate::commands::export_credentials::{self, MfaTerminal};
use crate::convert;
use crate::error::CliError;

/// How `sso console` opens the page: `--service`, `--region`, `--browser`,
/// `--firefox-container`.
#[derive(Debug, Default)]
pub(crate) struct ConsoleOpen {
    /// `--service`: a console page shortcut.
    pub(crate) service: Option<String>,
    /// `--region`.
    pub(crate) region: Option<crate::values::Region>,
    /// `--browser CMD`.
    pub(crate) browser: Option<String>,
    /// `--firefox-container`.
    pub(crate) firefox_container: bool,
}

/// Runs `sso console`.
pub(crate) fn run(
    ctx: &Context,
    destination: Option<String>,
    print: bool,
    open: &ConsoleOpen,
) -> Result<(), CliError> {
    if let Some(destination) = &destination {
        check_destination(destination)?;
    }
    let sso = export_credentials::open(&ctx.env, ctx.global.selection())?;
    let request = ConsoleRequest {
        destination,
        service: open.service.clone(),
        region: open.region.as_ref().map(|r| r.as_str().to_owned()),
        browser: open.browser.clone(),
        firefox_container: open.firefox_container,
    };
    let credentials = CredentialsRequest::default().check_login_expiry(crate::expiry::wanted());
    let signed_in = sso
        .console_url(&request, &credentials, &MfaTerminal)
        .map_err(console_use_error)?;
    crate::expiry::warn_resolved(&signed_in.resolved);
    let url = signed_in.url;
    if print {
        return crate::write_stdout(&format!("{url}\n"));
    }
    match sso.open_console(&url, &request, std::io::stdin().is_terminal()) {
        ConsoleOpened::Opened => {
            say(&format!(
                "Opened the AWS console for profile `{}` in your browser.\n",
                sso.profile_name()
            ));
            Ok(())
        }
        ConsoleOpened::NoBrowserHere => {
            say(
                "No browser can be opened here; open this URL yourself within 15 minutes (it signs in whoever opens it):\n",
            );
            crate::write_stdout(&format!("{url}\n"))
        }
        ConsoleOpened::Failed(error) => {
            tracing::debug!(%error, "could not open a browser");
            say(
                "Could not start a browser; open this URL yourself within 15 minutes (it signs in whoever opens it):\n",
            );
            crate::write_stdout(&format!("{url}\n"))
        }
        _ => crate::write_stdout(&format!("{url}\n")),
    }
}

/// A failed console sign-in as the user sees it.
fn console_use_error(error: ConsoleUseError) -> CliError {
    match error {
        ConsoleUseError::UnknownService(service) => CliError::Usage {
            message: format!(
                "invalid value for --service: `{}` is not a console service name",
                crate::term::printable(&service)
            ),
            help: Some(
                "use the name in the console's address, e.g. s3, ec2, cloudformation, or pass --destination URL"
                    .to_owned(),
            ),
        },
        ConsoleUseError::Credentials(error) => convert::chain_error(error),
        error @ ConsoleUseError::LongTermKeys { .. } => CliError::Usage {
            message: error.to_string(),
            help: Some(
                "use an SSO profile, or a credential_process that returns a SessionToken"
                    .to_owned(),
            ),
        },
        ConsoleUseError::Console { source, target } => console_error(source, target.as_deref()),
        ConsoleUseError::Setup(error) => convert::sso_error(error),
        other => CliError::Bug {
            message: other.to_string(),
        },
    }
}

/// `--destination` must be an absolute `https` URL (a console page).
fn check_destination(destination: &str) -> Result<(), CliError> {
    match url::Url::parse(destination) {
        Ok(url) if url.scheme() == "https" && url.host_str().is_some() => Ok(()),
        _ => Err(CliError::Usage {
            message: format!(
                "invalid value for --destination: `{destination}` is not an https:// URL"
            ),
            help: Some(
                "give a console page, e.g. https://console.aws.amazon.com/s3/home".to_owned(),
            ),
        }),
    }
}

/// A [`ConsoleError`] as the user sees it.
fn console_error(error: ConsoleError, target: Option<&SsoTarget>) -> CliError {
    match error {
        error @ ConsoleError::UnsupportedPartition { .. } => CliError::Usage {
            message: error.to_string(),
            help: Some(format!(
                "set {FEDERATION_ENDPOINT_ENV} to the partition's federation endpoint and pass --destination"
            )),
        },
        error @ (ConsoleError::InvalidEndpoint { .. } | ConsoleError::SessionDuration { .. }) => {
            CliError::Usage {
                message: error.to_string(),
                help: Some(format!(
                    "fix {FEDERATION_ENDPOINT_ENV} (an https:// URL without a query), or unset it"
                )),
            }
        }
        ConsoleError::Status { status } => CliError::ServerRefused {
            operation: "getSigninToken".to_owned(),
            code: format!("HTTP {status}"),
            message: "the federation endpoint refused the role credentials".to_owned(),
            help: match target {
                Some(target) => format!(
                    "the credentials may have expired or been revoked; run `sso login {}` and try again",
                    convert::login_target(target)
                ),
                None => "the credentials may have expired or been revoked, or be long-term keys; check the profile's credential_process".to_owned(),
            },
        },
        error @ ConsoleError::MalformedResponse => CliError::ServerRefused {
            operation: "getSigninToken".to_owned(),
            code: "malformed response".to_owned(),
            message: error.to_string(),
            help: format!("check {FEDERATION_ENDPOINT_ENV} and your proxy settings"),
        },
        ConsoleError::Transport(source) => CliError::Network {
            endpoint: source.url().to_owned(),
            source: Box::new(source),
        },
        other => CliError::Bug {
            message: other.to_string(),
        },
    }
}

fn say(text: &str) {
    crate::term::eprint(text);
}

#[cfg(test)]
mod tests {
    use super::check_destination;

    #[test]
    fn destination_must_be_https() {
        assert!(check_destination("https://console.aws.amazon.com/s3/home").is_ok());
        for bad in [
            "http://console.aws.amazon.com/",
            "console.aws.amazon.com",
            "javascript:x",
        ] {
            let error = check_destination(bad).unwrap_err();
            assert_eq!(error.exit_code(), 2);
            assert!(error.to_string().contains("--destination"), "{error}");
        }
    }
}
