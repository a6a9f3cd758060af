//! `sso login`: sign in to an sso-session (or a legacy profile) and cache the token.
//!
//! Resolves the target with sso-driver, picks the flow (PKCE for sso-sessions, the device code
//! for legacy profiles, `--use-device-code` or `sso_login_flow = device-code`), and runs
//! [`sso_driver::login::login`] on a current-thread tokio runtime. The AWS CLI's texts
//! (protocol.md §2.8) go to **stderr**, so that the URL and the code reach the user even when
//! stdout is redirected and the sign-in can be finished on another device; a
//! [`crate::spinner::Spinner`] shows the time left while waiting. On success stdout gets
//! `Successfully logged into Start URL: {url}` and which login is signed in until when.

use std::io::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sso_driver::clock::{MonotonicClock, SystemClock, WallClock as _};
use sso_driver::context::SsoTarget;
use sso_driver::login::{LoginFlow, LoginOutcome};
use sso_driver::prompt::{Prompt, UserCode};

use crate::Context;
use crate::convert;
use crate::error::CliError;
use crate::options::LoginSelector;
use crate::spinner::{Spinner, format_left};

/// How to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginOptions {
    /// What to sign in to.
    pub target: LoginSelector,
    /// `--use-device-code`.
    pub use_device_code: bool,
    /// `--no-browser`.
    pub no_browser: bool,
    /// `--redirect-port`.
    pub redirect_port: Option<u16>,
}

/// Runs `sso login`.
pub fn run(ctx: &Context, options: LoginOptions) -> Result<(), CliError> {
    let cli_profile = ctx.global.profile.as_ref().map(|p| p.as_str().to_owned());
    let aws = convert::load_context(cli_profile.as_deref())?;
    let (target, profile) = match &options.target {
        LoginSelector::Session(session) => (aws.target_for_session(session.as_str()), None),
        LoginSelector::Profile(profile) => (
            aws.target_for_profile(profile.as_str()),
            Some(profile.as_str()),
        ),
    };
    let target = target.map_err(convert::context_error)?;
    let sso_cache = aws.sso_cache().ok_or_else(no_home)?;
    let flow = choose_flow(&target, options.use_device_code);
    let http = convert::http_client_for_profile(&aws, profile)?;
    let mut login_options = sso_driver::login::LoginOptions::new(flow);
    login_options.no_browser = options.no_browser;
    login_options.redirect_port = options.redirect_port;
    login_options.browser_env = aws.env().clone();
    let prompt = TerminalPrompt::default();
    let clock = MonotonicClock::new(SystemClock);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::Bug {
            message: format!("cannot start the async runtime: {error}"),
        })?;
    let result = runtime.block_on(sso_driver::login::login(
        &http,
        &sso_cache,
        &target,
        &login_options,
        &prompt,
        &clock,
    ));
    prompt.stop_spinner();
    let outcome = result.map_err(|error| convert::login_error(error, &target))?;
    crate::write_stdout(&success_text(&outcome, &target, clock.now_unix_ms()))
}

/// PKCE for sso-sessions unless the device code is asked for (flag or `sso_login_flow`);
/// always the device code for legacy profiles.
pub(crate) fn choose_flow(target: &SsoTarget, use_device_code: bool) -> LoginFlow {
    let configured_device = target
        .login_flow
        .as_deref()
        .is_some_and(|flow| flow.trim().eq_ignore_ascii_case("device-code"));
    if use_device_code || configured_device || target.is_legacy() {
        LoginFlow::DeviceCode
    } else {
        LoginFlow::Pkce
    }
}

fn no_home() -> CliError {
    CliError::Usage {
        message: "cannot find the home directory for ~/.aws/sso/cache".to_owned(),
        help: Some("set HOME (USERPROFILE on Windows)".to_owned()),
    }
}

/// What stdout shows after a successful login.
pub fn success_text(outcome: &LoginOutcome, target: &SsoTarget, now_unix_ms: u64) -> String {
    let left = Duration::from_millis(
        u64::try_from(outcome.expires_at.unix_millis())
            .unwrap_or(0)
            .saturating_sub(now_unix_ms),
    );
    let refresh = if outcome.refreshable {
        "; it is refreshed automatically"
    } else {
        ""
    };
    format!(
        "Successfully logged into Start URL: {}\nSigned in to {} until {} (in {}){refresh}.\n",
        outcome.start_url,
        target.describe(),
        outcome.expires_at,
        format_left(left),
    )
}

/// The device-code prompt, as the AWS CLI words it (protocol.md §2.8), plus the complete
/// verification URL when the browser is opened too.
pub fn user_code_text(code: &UserCode<'_>, browser_opening: bool) -> String {
    let mut text = if browser_opening {
        format!(
            "Attempting to open your default browser.\nIf the browser does not open or you wish to use a different device to authorize this request, open the following URL:\n\n{}\n\nThen enter the code:\n\n{}\n",
            code.verification_uri, code.user_code
        )
    } else {
        format!(
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{}\n\nThen enter the code:\n\n{}\n",
            code.verification_uri, code.user_code
        )
    };
    if let Some(complete) = code.verification_uri_complete {
        text.push_str(&format!(
            "\nAlternatively, you may visit the following URL which will autofill the code upon loading:\n{complete}\n"
        ));
    }
    text
}

/// The authorization-code prompt, as the AWS CLI words it (protocol.md §2.8).
pub fn authorize_url_text(url: &str, browser_opening: bool) -> String {
    if browser_opening {
        format!(
            "Attempting to open your default browser. If the browser does not open, open the following URL.\nIf you are unable to open the URL on this device, run this command again with the '--use-device-code' option.\n\n{url}\n"
        )
    } else {
        format!(
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{url}\n"
        )
    }
}

/// The [`Prompt`] of the terminal: texts on stderr, then a spinner with the time left.
#[derive(Debug, Default)]
pub(crate) struct TerminalPrompt {
    spinner: Mutex<Option<Spinner>>,
    device_code: Mutex<bool>,
}

impl TerminalPrompt {
    fn say(text: &str) {
        // Nowhere to report a failed write to stderr.
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }

    pub(crate) fn stop_spinner(&self) {
        let spinner = self
            .spinner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(spinner) = spinner {
            spinner.finish();
        }
    }
}

impl Prompt for TerminalPrompt {
    fn show_user_code(&self, code: &UserCode<'_>, browser_opening: bool) {
        *self
            .device_code
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        Self::say(&user_code_text(code, browser_opening));
    }

    fn show_authorize_url(&self, url: &str, browser_opening: bool) {
        Self::say(&authorize_url_text(url, browser_opening));
    }

    fn waiting(&self, deadline_unix_ms: u64) {
        let now = SystemClock.now_unix_ms();
        let deadline = Instant::now() + Duration::from_millis(deadline_unix_ms.saturating_sub(now));
        let device = *self
            .device_code
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let message = if device {
            "waiting for the code to be approved"
        } else {
            "waiting for approval in the browser"
        };
        Self::say("\n");
        let spinner = Spinner::start(message, deadline);
        *self
            .spinner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(spinner);
    }

    fn signed_in(&self, _start_url: &str) {
        self.stop_spinner();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_texts_match_the_aws_cli() {
        let code = UserCode::new(
            "https://device.sso.us-east-1.amazonaws.com/",
            "ABCD-EFGH",
            Some("https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH"),
            0,
        );
        insta::assert_snapshot!(user_code_text(&code, true), @r"
        Attempting to open your default browser.
        If the browser does not open or you wish to use a different device to authorize this request, open the following URL:

        https://device.sso.us-east-1.amazonaws.com/

        Then enter the code:

        ABCD-EFGH

        Alternatively, you may visit the following URL which will autofill the code upon loading:
        https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH
        ");
        assert!(user_code_text(&code, false).starts_with(
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\nhttps://device.sso.us-east-1.amazonaws.com/\n"
        ));
    }

    #[test]
    fn authorize_texts_match_the_aws_cli() {
        insta::assert_snapshot!(authorize_url_text("https://x/authorize?a=b", true), @r"
        Attempting to open your default browser. If the browser does not open, open the following URL.
        If you are unable to open the URL on this device, run this command again with the '--use-device-code' option.

        https://x/authorize?a=b
        ");
        assert_eq!(
            authorize_url_text("u", false),
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\nu\n"
        );
    }
}
