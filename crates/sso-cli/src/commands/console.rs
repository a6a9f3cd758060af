//! `sso console`: open the AWS Management Console signed in as a profile's role.
//!
//! The credentials come from [`export_credentials::profile_credentials`], exactly as for
//! `export-credentials` (for SSO: the cache when valid, else the token, refreshed if needed,
//! and `GetRoleCredentials`; never a browser sign-in; a `credential_process` is run). They must
//! be temporary: the federation endpoint refuses long-term keys, so a profile whose
//! credentials have no session token is refused before any request. [`sso_driver::console::console_url`]
//! exchanges them at the federation endpoint of the region's partition (or
//! `SSO_FEDERATION_ENDPOINT`, for tests and proxies) for a sign-in token and builds the login
//! URL, with the start URL (SSO profiles) as `Issuer` so that an expired console session leads
//! back to the access portal.
//!
//! The URL signs in whoever opens it within 15 minutes, so it goes to stdout only with
//! `--print` or when no browser can be opened here; otherwise the browser opens it and stderr
//! says so.

use std::io::IsTerminal as _;

use sso_driver::browser::{self, Platform};
use sso_driver::console::{self, ConsoleCredentials, ConsoleError};
use sso_driver::context::SsoTarget;
use sso_driver::env::Env;
use sso_driver::headless::{self, HostFacts};

use crate::Context;
use crate::commands::export_credentials;
use crate::convert;
use crate::error::CliError;
use crate::values::ProfileName;

/// The environment variable that replaces the federation endpoint (tests, proxies).
pub const FEDERATION_ENDPOINT_ENV: &str = "SSO_FEDERATION_ENDPOINT";

/// The per-profile browser command of `sso console` (`--browser` wins over it).
pub const CONSOLE_BROWSER_KEY: &str = "sso_console_browser";

/// How `sso console` opens the page: `--service`, `--region`, `--browser`,
/// `--firefox-container`.
#[derive(Debug, Default)]
pub struct ConsoleOpen {
    /// `--service`: a console page shortcut.
    pub service: Option<String>,
    /// `--region`.
    pub region: Option<crate::values::Region>,
    /// `--browser CMD`.
    pub browser: Option<String>,
    /// `--firefox-container`.
    pub firefox_container: bool,
}

/// Runs `sso console`.
pub fn run(
    _ctx: &Context,
    profile: ProfileName,
    explicit: bool,
    destination: Option<String>,
    print: bool,
    open: &ConsoleOpen,
) -> Result<(), CliError> {
    if let Some(destination) = &destination {
        check_destination(destination)?;
    }
    if let Some(service) = &open.service
        && console::service_destination(service, None)
            .ok()
            .flatten()
            .is_none()
    {
        return Err(CliError::Usage {
            message: format!(
                "invalid value for --service: `{}` is not a console service name",
                crate::term::printable(service)
            ),
            help: Some(
                "use the name in the console's address, e.g. s3, ec2, cloudformation, or pass --destination URL"
                    .to_owned(),
            ),
        });
    }
    let resolved = export_credentials::profile_credentials(&profile, explicit)?;
    let target = resolved.sso_target.as_ref();
    let Some(session_token) = &resolved.credentials.session_token else {
        return Err(CliError::Usage {
            message: format!(
                "the profile `{}` has long-term access keys; the console sign-in needs temporary credentials (a session token)",
                profile.as_str()
            ),
            help: Some(
                "use an SSO profile, or a credential_process that returns a SessionToken"
                    .to_owned(),
            ),
        });
    };
    let aws = convert::load_context(Some(profile.as_str()))?;
    let env = aws.env();
    let region = match &open.region {
        Some(region) => Some(region.as_str().to_owned()),
        None => console_region(env, resolved.region.as_deref(), target),
    };
    let endpoint = match env
        .var(FEDERATION_ENDPOINT_ENV)
        .filter(|v| !v.trim().is_empty())
    {
        Some(endpoint) => endpoint.trim().to_owned(),
        None => console::federation_endpoint(region.as_deref())
            .map_err(|e| console_error(e, target))?
            .to_owned(),
    };
    let destination = match (destination, &open.service) {
        (Some(destination), _) => destination,
        (None, Some(service)) => console::service_destination(service, region.as_deref())
            .map_err(|e| console_error(e, target))?
            .unwrap_or_default(),
        (None, None) => {
            console::console_destination(region.as_deref()).map_err(|e| console_error(e, target))?
        }
    };
    let creds = ConsoleCredentials::new(
        resolved.credentials.access_key_id.clone(),
        sso_oidc::SecretAccessKey::new(resolved.credentials.secret_access_key.expose_secret()),
        sso_oidc::SessionToken::new(session_token.expose_secret()),
    );
    let http = convert::http_client_for_profile(&aws, Some(profile.as_str()))?;
    let runtime = crate::runtime()?;
    let url = runtime
        .block_on(console::console_url(
            &http,
            &creds,
            &endpoint,
            &destination,
            target.map(|t| t.start_url.as_str()),
            None,
        ))
        .map_err(|e| console_error(e, target))?;
    let url = if open.firefox_container {
        console::firefox_container_url(profile.as_str(), &url)
    } else {
        url
    };
    if print {
        return crate::write_stdout(&format!("{url}\n"));
    }
    let platform = Platform::current();
    // A browser named for the console (flag or profile setting) is used even where detection
    // sees no display: the user said how to open it.
    let chosen = open
        .browser
        .clone()
        .or_else(|| {
            aws.profiles()
                .profile(profile.as_str())
                .and_then(|props| props.get_str(CONSOLE_BROWSER_KEY))
                .map(str::to_owned)
        })
        .filter(|command| !command.trim().is_empty());
    let headless = chosen.is_none()
        && headless::choose_login_flow(
            env,
            platform,
            &HostFacts::probe(std::io::stdin().is_terminal()),
            false,
            None,
            None,
            false,
        )
        .is_ok_and(|choice| choice.headless);
    if headless {
        say(
            "No browser can be opened here; open this URL yourself within 15 minutes (it signs in whoever opens it):\n",
        );
        return crate::write_stdout(&format!("{url}\n"));
    }
    let command = chosen.or_else(|| open.firefox_container.then(|| "firefox".to_owned()));
    let opened = match &command {
        Some(command) => {
            browser::open_with(browser::browser_commands(&url, Some(command), platform))
        }
        None => browser::open_url(&url, env, platform),
    };
    match opened {
        Ok(_) => {
            say(&format!(
                "Opened the AWS console for profile `{}` in your browser.\n",
                profile.as_str()
            ));
            Ok(())
        }
        Err(error) => {
            tracing::debug!(%error, "could not open a browser");
            say(
                "Could not start a browser; open this URL yourself within 15 minutes (it signs in whoever opens it):\n",
            );
            crate::write_stdout(&format!("{url}\n"))
        }
    }
}

/// The region the console opens in: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's
/// `region`, else the SSO region of an SSO profile; `None` (the global endpoint) when nothing
/// names one.
fn console_region(
    env: &Env,
    profile_region: Option<&str>,
    target: Option<&SsoTarget>,
) -> Option<String> {
    env.first_var(&["AWS_REGION", "AWS_DEFAULT_REGION"])
        .filter(|v| !v.trim().is_empty())
        .or_else(|| profile_region.map(str::to_owned))
        .or_else(|| target.map(|t| t.region.clone()))
        .map(|region| region.trim().to_owned())
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
    use sso_driver::env::Env;

    use super::{check_destination, console_region};

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

    #[test]
    fn region_precedence() {
        let aws = Env::from_vars([("HOME", "/nonexistent")]);
        let target = sso_driver::context::AwsContext::load(&aws, None)
            .unwrap()
            .target_from_values(None, "https://d-1.awsapps.com/start", "us-east-1", &[])
            .unwrap();
        assert_eq!(console_region(&aws, None, None), None);
        assert_eq!(
            console_region(&aws, None, Some(&target)).as_deref(),
            Some("us-east-1")
        );
        assert_eq!(
            console_region(&aws, Some("eu-west-1"), Some(&target)).as_deref(),
            Some("eu-west-1")
        );
        let env = Env::from_vars([("AWS_DEFAULT_REGION", "ap-south-1")]);
        assert_eq!(
            console_region(&env, Some("eu-west-1"), Some(&target)).as_deref(),
            Some("ap-south-1")
        );
        let env = Env::from_vars([
            ("AWS_DEFAULT_REGION", "ap-south-1"),
            ("AWS_REGION", "cn-north-1"),
        ]);
        assert_eq!(
            console_region(&env, None, None).as_deref(),
            Some("cn-north-1")
        );
    }
}
