//! The console use case of [`Sso`]: a federated AWS console sign-in URL for the selection's
//! credentials, and opening it (`sso console`).
//!
//! The credentials come from [`Sso::credentials`], exactly as for `export-credentials`. They
//! must be temporary: the federation endpoint refuses long-term keys, so credentials without a
//! session token are refused before any request. They are exchanged at the federation endpoint
//! of the region's partition (or `SSO_FEDERATION_ENDPOINT`, for tests and proxies) for a
//! sign-in token, and the login URL carries the start URL (SSO profiles) as `Issuer`, so that
//! an expired console session leads back to the access portal.
//!
//! The region: the request's, else `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`,
//! else an SSO profile's SSO region; none means the global endpoint.

use crate::browser::{self, BrowserError, Platform};
use crate::chain::{ChainError, Resolved};
pub use crate::console::ConsoleError;
use crate::console::{self, ConsoleCredentials};
use crate::context::SsoTarget;
use crate::env::Env;
use crate::headless;
use crate::prompt::Prompt;
use crate::sso::{CredentialsRequest, Error, Sso};

/// The environment variable that replaces the federation endpoint (tests, proxies).
pub const FEDERATION_ENDPOINT_ENV: &str = "SSO_FEDERATION_ENDPOINT";

/// The per-profile browser command of `sso console` ([`ConsoleRequest::browser`] wins).
pub const CONSOLE_BROWSER_KEY: &str = "sso_console_browser";

/// Which console page, in which region, and how to open it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsoleRequest {
    /// A console page (an `https://` URL); beats `service`.
    pub destination: Option<String>,
    /// A console service shortcut (`s3`, `ec2`, ...).
    pub service: Option<String>,
    /// The console's region.
    pub region: Option<String>,
    /// The browser command; beats the profile's `sso_console_browser`.
    pub browser: Option<String>,
    /// Wrap the URL for Firefox's Multi-Account Containers, one container per profile.
    pub firefox_container: bool,
}

/// A console sign-in URL and what it was made from.
#[derive(Debug)]
#[non_exhaustive]
pub struct ConsoleSignIn {
    /// The URL: it signs in whoever opens it within 15 minutes.
    pub url: String,
    /// The credentials it was made from, and where they came from.
    pub resolved: Resolved,
}

/// How [`Sso::open_console`] went.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConsoleOpened {
    /// A browser was started.
    Opened,
    /// No browser can be opened here (SSH, a container, CI without a display): the caller
    /// should hand the URL over.
    NoBrowserHere,
    /// No browser could be started.
    Failed(BrowserError),
}

/// Why no console URL was made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsoleUseError {
    /// The service shortcut names no console page.
    #[error("`{0}` is not a console service name")]
    UnknownService(String),
    /// No credentials for the selection.
    #[error(transparent)]
    Credentials(#[from] ChainError),
    /// The credentials are long-term keys; the console sign-in needs temporary ones.
    #[error(
        "the profile `{profile}` has long-term access keys; the console sign-in needs temporary credentials (a session token)"
    )]
    LongTermKeys {
        /// The profile.
        profile: String,
    },
    /// The federation endpoint, the destination or the exchange failed; `target` is the SSO
    /// login behind the credentials, when there is one.
    #[error("{source}")]
    Console {
        /// Why.
        #[source]
        source: ConsoleError,
        /// The login to sign in to again.
        target: Option<Box<SsoTarget>>,
    },
    /// The setup: the HTTP client or the runtime.
    #[error(transparent)]
    Setup(#[from] Error),
}

impl Sso {
    /// A console sign-in URL for the selection's credentials (see the module documentation).
    /// `prompt` is asked for MFA codes.
    ///
    /// # Errors
    ///
    /// [`ConsoleUseError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, prompt::SilentPrompt};
    /// # use sso_driver::sso::{CredentialsRequest, Selection, console::ConsoleRequest};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sso = Sso::load(&Env::process(), Selection::Profile("dev".into()))?;
    /// let request = ConsoleRequest { service: Some("s3".into()), ..Default::default() };
    /// let signed_in = sso.console_url(&request, &CredentialsRequest::default(), &SilentPrompt)?;
    /// sso.open_console(&signed_in.url, &request, false);
    /// # Ok(()) }
    /// ```
    pub fn console_url(
        &self,
        request: &ConsoleRequest,
        credentials: &CredentialsRequest,
        prompt: &dyn Prompt,
    ) -> Result<ConsoleSignIn, ConsoleUseError> {
        if let Some(service) = &request.service
            && console::service_destination(service, None)
                .ok()
                .flatten()
                .is_none()
        {
            return Err(ConsoleUseError::UnknownService(service.clone()));
        }
        let resolved = self.credentials(credentials, prompt)?;
        let target = resolved.sso_target.as_ref();
        let console_error = |source| ConsoleUseError::Console {
            source,
            target: target.cloned().map(Box::new),
        };
        let Some(session_token) = &resolved.credentials.session_token else {
            return Err(ConsoleUseError::LongTermKeys {
                profile: self.profile_name().to_owned(),
            });
        };
        let env = self.config().env();
        let region = request
            .region
            .clone()
            .or_else(|| console_region(env, resolved.region.as_deref(), target));
        let endpoint = match env
            .var(FEDERATION_ENDPOINT_ENV)
            .filter(|v| !v.trim().is_empty())
        {
            Some(endpoint) => endpoint.trim().to_owned(),
            None => console::federation_endpoint(region.as_deref())
                .map_err(console_error)?
                .to_owned(),
        };
        let destination = match (&request.destination, &request.service) {
            (Some(destination), _) => destination.clone(),
            (None, Some(service)) => console::service_destination(service, region.as_deref())
                .map_err(console_error)?
                .unwrap_or_default(),
            (None, None) => {
                console::console_destination(region.as_deref()).map_err(console_error)?
            }
        };
        let creds = ConsoleCredentials::new(
            resolved.credentials.access_key_id.clone(),
            resolved.credentials.secret_access_key.clone(),
            session_token.clone(),
        );
        let url = self
            .runtime()?
            .block_on(console::console_url(
                self.http()?,
                &creds,
                &endpoint,
                &destination,
                target.map(|t| t.start_url.as_str()),
                None,
            ))
            .map_err(console_error)?;
        let url = if request.firefox_container {
            console::firefox_container_url(self.profile_name(), &url)
        } else {
            url
        };
        Ok(ConsoleSignIn { url, resolved })
    }

    /// Opens `url` in a browser: the request's command, else the profile's
    /// `sso_console_browser` (used even where no display is detected: the user said how),
    /// else Firefox for a container URL, else the system's browser unless none can be opened
    /// here. `stdin_is_terminal` feeds the headless detection.
    pub fn open_console(
        &self,
        url: &str,
        request: &ConsoleRequest,
        stdin_is_terminal: bool,
    ) -> ConsoleOpened {
        let platform = Platform::current();
        let env = self.config().env();
        let chosen = request
            .browser
            .clone()
            .or_else(|| {
                self.config()
                    .profiles()
                    .profile(self.profile_name())
                    .and_then(|props| props.get_str(CONSOLE_BROWSER_KEY))
                    .map(str::to_owned)
            })
            .filter(|command| !command.trim().is_empty());
        if chosen.is_none() && headless::no_browser_here(env, platform, stdin_is_terminal) {
            return ConsoleOpened::NoBrowserHere;
        }
        let command = chosen.or_else(|| request.firefox_container.then(|| "firefox".to_owned()));
        let opened = match &command {
            Some(command) => {
                browser::open_with(browser::browser_commands(url, Some(command), platform))
            }
            None => browser::open_url(url, env, platform),
        };
        match opened {
            Ok(_) => ConsoleOpened::Opened,
            Err(error) => ConsoleOpened::Failed(error),
        }
    }
}

/// The region the console opens in when none is asked for: `AWS_REGION`,
/// `AWS_DEFAULT_REGION`, the profile's `region`, else the SSO region of an SSO profile; `None`
/// (the global endpoint) when nothing names one.
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

#[cfg(test)]
mod tests {
    use super::console_region;
    use crate::context::AwsContext;
    use crate::env::Env;

    #[test]
    fn region_precedence() {
        let aws = Env::from_vars([("HOME", "/nonexistent")]);
        let target = AwsContext::load(&aws, None)
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
