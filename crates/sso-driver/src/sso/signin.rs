//! The sign-in use case of [`crate::Sso`]: everything `sso login` does between the user's flags
//! and a token in the cache.
//!
//! 1. A vanity start URL (not on an AWS-owned host) is probed once for its portal, as AWS CLI
//!    2.36 does (protocol.md §5.4); the sign-in goes to the portal, the cache keys keep the
//!    configured URL, and a portal in another region than `sso_region` is used (and reported
//!    as [`SignInEvent::PortalRegion`]).
//! 2. The flow is chosen ([`sso_oidc::headless::choose_login_flow`]): the device-code flag, then
//!    `SSO_LOGIN_FLOW`, then the login's `sso_login_flow`, then whether a browser can be opened
//!    here; an unusual choice is reported ([`SignInEvent::FlowChosen`]).
//! 3. The loopback port: the request's, else `sso_redirect_port`, else any free port.
//! 4. The login runs; when PKCE cannot open a browser, the fallback (paste-back when stdin is a
//!    terminal, else the device code) runs instead ([`SignInEvent::BrowserFailed`]).

use sso_config::Value;

use crate::browser::Platform;
pub use crate::browser::{AttemptFailure, BrowserError, FailedAttempt};
use crate::clock::MonotonicClock;
use crate::context::{AwsContext, REDIRECT_PORT_KEY, SsoTarget};
use crate::headless;
use crate::login::{self, LoginOptions};
pub use crate::login::{LoginError, LoginOutcome, PastedQueries};
pub use crate::loopback::LoopbackError;
use crate::prompt::Prompt;
use crate::sso::Error;
use crate::vanity;
pub use crate::vanity::VanityError;
pub use sso_oidc::callback::{PasteError, check_state, parse_pasted_callback};
pub use sso_oidc::headless::{
    ChoiceSource, FlowChoice, HostFacts, LOGIN_FLOW_ENV, LoginFlow, LoginFlowError,
};

/// How to sign in: the user's choices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignInRequest {
    /// Use the device-code flow (`--use-device-code`).
    pub use_device_code: bool,
    /// Do not open a browser; only show the URL (`--no-browser`).
    pub no_browser: bool,
    /// The loopback port (`--redirect-port`); beats `sso_redirect_port`.
    pub redirect_port: Option<u16>,
    /// Someone can type at this process's stdin (paste-back is possible).
    pub stdin_is_terminal: bool,
}

/// What happened during a sign-in that the user should be told, besides the [`Prompt`]'s codes
/// and URLs.
#[derive(Debug)]
#[non_exhaustive]
pub enum SignInEvent<'a> {
    /// The vanity start URL leads to a portal in `region`, not the configured `sso_region`;
    /// the sign-in goes there.
    PortalRegion {
        /// The login as configured.
        configured: &'a SsoTarget,
        /// The portal's region.
        region: &'a str,
    },
    /// The flow was chosen for a reason worth a line (not the flag, not the ordinary
    /// detection of a browser).
    FlowChosen(&'a FlowChoice),
    /// PKCE could not open a browser; signing in with `fallback` instead.
    BrowserFailed {
        /// Why the browser did not open.
        error: &'a BrowserError,
        /// The flow used instead.
        fallback: LoginFlow,
    },
}

/// The caller's side of a sign-in: the [`Prompt`] plus the events and the attempts.
pub trait SignInPrompt: Prompt {
    /// Something the user should know (see [`SignInEvent`]).
    fn event(&self, event: &SignInEvent<'_>);

    /// An attempt with `flow` starts. For [`LoginFlow::Paste`], the prompt returns
    /// the queries it will read from the user (the authorize URL is shown to it first), raced
    /// with the loopback listener.
    fn attempt_started(&self, flow: LoginFlow) -> Option<PastedQueries>;

    /// The attempt ended (stop spinners).
    fn attempt_ended(&self);
}

/// Nothing to tell and nothing to paste: with [`crate::prompt::SilentPrompt`] a sign-in
/// reports nothing, which suits embedders that show the code their own way (or an emulator that
/// approves it at once).
impl SignInPrompt for crate::prompt::SilentPrompt {
    fn event(&self, _event: &SignInEvent<'_>) {}

    fn attempt_started(&self, _flow: LoginFlow) -> Option<PastedQueries> {
        None
    }

    fn attempt_ended(&self) {}
}

/// A finished sign-in.
#[derive(Debug)]
#[non_exhaustive]
pub struct SignedIn {
    /// What the login produced.
    pub outcome: LoginOutcome,
    /// The login signed in to (with the portal's URL and region for a vanity start URL).
    pub target: SsoTarget,
    /// When it ended (ms since the epoch), for "valid for ..." lines.
    pub ended_unix_ms: u64,
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignInError {
    /// The setup: the login does not resolve, no home directory, the HTTP client or runtime.
    #[error(transparent)]
    Setup(#[from] Error),
    /// The vanity start URL could not be resolved to its portal.
    #[error("{source}")]
    Vanity {
        /// Why.
        #[source]
        source: VanityError,
        /// The configured start URL.
        start_url: String,
        /// Where it is written, when it is in the files.
        origin: Option<sso_config::Origin>,
    },
    /// `SSO_LOGIN_FLOW` or `sso_login_flow` names no flow; `setting` is the value where the
    /// config file has it.
    #[error("{source}")]
    LoginFlow {
        /// Why.
        #[source]
        source: LoginFlowError,
        /// The config value, with its place in the file.
        setting: Option<Box<Value>>,
    },
    /// `sso_redirect_port` is not a port number.
    #[error("invalid {REDIRECT_PORT_KEY} `{value}`: expected a port number from 1 to 65535")]
    RedirectPort {
        /// What the config says.
        value: String,
        /// The config value, with its place in the file.
        setting: Option<Box<Value>>,
    },
    /// The login itself failed.
    #[error("{source}")]
    Login {
        /// Why.
        #[source]
        source: LoginError,
        /// The login.
        target: Box<SsoTarget>,
    },
}

/// Signs in to `target` (see the module documentation).
pub(crate) fn sign_in(
    sso: &crate::Sso,
    target: &SsoTarget,
    request: &SignInRequest,
    prompt: &dyn SignInPrompt,
) -> Result<SignedIn, SignInError> {
    let aws = sso.config();
    let cache = aws.sso_cache().ok_or(Error::NoHome)?;
    let http = sso.http()?;
    let runtime = sso.runtime()?;
    let signing_in = portal_target(sso, target, prompt)?;
    let target = signing_in.as_ref().unwrap_or(target);
    let host = headless::probe_host(request.stdin_is_terminal);
    let choice = flow_choice(aws, target, request.use_device_code, &host)?;
    if !is_ordinary(&choice) {
        prompt.event(&SignInEvent::FlowChosen(&choice));
    }
    // Where nobody sits at this machine's browser, the device code is not opened in it either.
    let no_browser =
        request.no_browser || (choice.headless && choice.flow == LoginFlow::DeviceCode);
    let run = |flow: LoginFlow, no_browser: bool| -> Result<_, SignInError> {
        let mut options = LoginOptions::new(flow);
        if flow.is_pkce() {
            options.redirect_port = redirect_port(target, request.redirect_port)?;
        }
        options.no_browser = no_browser || flow == LoginFlow::Paste;
        options.browser_env = aws.env().clone();
        options.pasted = prompt.attempt_started(flow);
        options.entropy = sso.pkce_entropy().cloned();
        let clock = MonotonicClock::new(sso.clock());
        let result = runtime.block_on(login::login(http, &cache, target, &options, prompt, &clock));
        prompt.attempt_ended();
        Ok(result.map(|outcome| (outcome, clock.now_unix_ms())))
    };
    let result = match run(choice.flow, no_browser)? {
        Err(LoginError::BrowserNotOpened(error)) => {
            let fallback = fallback_flow(&host);
            prompt.event(&SignInEvent::BrowserFailed {
                error: &error,
                fallback,
            });
            run(fallback, true)?
        }
        other => other,
    };
    match result {
        Ok((outcome, ended_unix_ms)) => Ok(SignedIn {
            outcome,
            target: target.clone(),
            ended_unix_ms,
        }),
        Err(source) => Err(SignInError::Login {
            source,
            target: Box::new(target.clone()),
        }),
    }
}

/// The portal behind a vanity start URL, probed once; `None` for an AWS-owned start URL
/// (nothing sent).
fn portal_target(
    sso: &crate::Sso,
    target: &SsoTarget,
    prompt: &dyn SignInPrompt,
) -> Result<Option<SsoTarget>, SignInError> {
    if !vanity::needs_resolution(&target.start_url) {
        return Ok(None);
    }
    let resolved = sso
        .runtime()?
        .block_on(vanity::resolve(
            sso.http()?,
            &target.start_url,
            vanity::PROBE_TIMEOUT,
        ))
        .map_err(|source| SignInError::Vanity {
            source,
            start_url: target.start_url.clone(),
            origin: target.origins.start_url.clone(),
        })?;
    tracing::debug!(url = %resolved.url, region = ?resolved.region, "resolved the vanity start URL");
    let signing_in = sso
        .config()
        .signing_in_at(target, &resolved)
        .map_err(Error::Context)?;
    if signing_in.region != target.region {
        prompt.event(&SignInEvent::PortalRegion {
            configured: target,
            region: &signing_in.region,
        });
    }
    Ok(Some(signing_in))
}

/// Whether `choice` is an ordinary one that needs no line: the flag, or PKCE because a browser
/// can be opened here.
pub fn is_ordinary(choice: &FlowChoice) -> bool {
    choice.source == ChoiceSource::Flag
        || (choice.source == ChoiceSource::Detected && choice.flow == LoginFlow::Pkce)
}

/// The flow used when PKCE cannot open a browser: paste-back when stdin is a terminal, else
/// the device code.
pub fn fallback_flow(host: &HostFacts) -> LoginFlow {
    if host.stdin_is_terminal {
        LoginFlow::Paste
    } else {
        LoginFlow::DeviceCode
    }
}

fn flow_choice(
    aws: &AwsContext,
    target: &SsoTarget,
    use_device_code: bool,
    host: &HostFacts,
) -> Result<FlowChoice, SignInError> {
    let env_override = aws.env().var(LOGIN_FLOW_ENV);
    sso_oidc::headless::choose_login_flow(
        &|name| aws.env().var(name),
        headless::desktop(Platform::current()),
        host,
        use_device_code,
        env_override.as_deref(),
        target.login_flow.as_ref().map(Value::as_str),
        target.is_legacy(),
    )
    .map_err(|source| SignInError::LoginFlow {
        setting: match source {
            LoginFlowError::Config(_) => target.login_flow.clone().map(Box::new),
            _ => None,
        },
        source,
    })
}

/// The loopback port: `flag`, else `sso_redirect_port`, else any free port.
fn redirect_port(target: &SsoTarget, flag: Option<u16>) -> Result<Option<u16>, SignInError> {
    if flag.is_some() {
        return Ok(flag);
    }
    let Some(value) = &target.redirect_port else {
        return Ok(None);
    };
    match parse_port(value.as_str()) {
        Some(port) => Ok(Some(port)),
        None => Err(SignInError::RedirectPort {
            value: value.as_str().trim().to_owned(),
            setting: Some(Box::new(value.clone())),
        }),
    }
}

/// A port number from 1 to 65535.
fn parse_port(raw: &str) -> Option<u16> {
    raw.trim().parse::<u16>().ok().filter(|port| *port != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_that_does_not_open_falls_back_to_what_detection_would_choose() {
        let terminal = HostFacts {
            stdin_is_terminal: true,
            ..HostFacts::default()
        };
        assert_eq!(fallback_flow(&terminal), LoginFlow::Paste);
        assert_eq!(fallback_flow(&HostFacts::default()), LoginFlow::DeviceCode);
    }

    #[test]
    fn ports_are_1_to_65535() {
        assert_eq!(parse_port(" 8400 "), Some(8400));
        assert_eq!(parse_port("65535"), Some(65535));
        for bad in ["0", "65536", "-1", "84OO", ""] {
            assert_eq!(parse_port(bad), None, "{bad:?}");
        }
    }
}
