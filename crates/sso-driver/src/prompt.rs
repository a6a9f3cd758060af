//! The trait through which the caller shows a login's progress to the user.
//!
//! The driver never prints: the CLI implements [`Prompt`] (stdout text, QR code, spinner) and
//! an embedding application can route the same calls to its own UI.
//! The calls arrive in this order: [`Prompt::browser_failed`] (device-code flow, only when the
//! browser could not be opened), [`Prompt::show_user_code`] (device-code flow) or
//! [`Prompt::show_authorize_url`] (authorization-code flow), then [`Prompt::waiting`], then
//! [`Prompt::signed_in`] on success. Failures are not reported here: they come back as the
//! driver's error value. When another process is already signing in to the same login,
//! [`Prompt::waiting_for_sign_in`] comes first, then either [`Prompt::signed_in`] (its token is
//! reused) or [`Prompt::taking_over`] and the calls above.
//! Times are Unix milliseconds, the unit of [`crate::clock`].

/// What the device-code flow asks the user to do (RFC 8628 §3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserCode<'a> {
    /// The page where the user types the code.
    pub verification_uri: &'a str,
    /// The code to type, e.g. `ABCD-EFGH`; short-lived and only useful with the device code,
    /// so it may be shown.
    pub user_code: &'a str,
    /// The page with the code filled in, when the server sent one; this is the URL the driver
    /// opens in the browser.
    pub verification_uri_complete: Option<&'a str>,
    /// When the code stops working, in Unix milliseconds.
    pub expires_at_unix_ms: u64,
}

impl<'a> UserCode<'a> {
    /// Groups the fields; see the field docs.
    pub fn new(
        verification_uri: &'a str,
        user_code: &'a str,
        verification_uri_complete: Option<&'a str>,
        expires_at_unix_ms: u64,
    ) -> Self {
        Self {
            verification_uri,
            user_code,
            verification_uri_complete,
            expires_at_unix_ms,
        }
    }
}

/// Shows a login's progress; implemented by the CLI, called by the driver.
///
/// Implementations must not block for long: they run on the driver's task.
pub trait Prompt: Send + Sync {
    /// Device-code flow: show where to go and which code to enter.
    ///
    /// `browser_opening` says whether the driver is about to try opening
    /// `verification_uri_complete` (it is `false` with `--no-browser`), which changes the
    /// wording the AWS CLI uses (protocol.md §2.8).
    fn show_user_code(&self, code: &UserCode<'_>, browser_opening: bool);

    /// Authorization-code flow: show the authorize URL, which the driver is about to open when
    /// `browser_opening` is `true`. The URL carries the PKCE challenge and `state`, neither of
    /// which is secret.
    fn show_authorize_url(&self, url: &str, browser_opening: bool);

    /// Device-code flow: the browser could not be opened, so the code is shown with
    /// `browser_opening` false right after this call. The default does nothing. (In the
    /// authorization-code flow the login fails instead, with
    /// [`crate::login::LoginError::BrowserNotOpened`].)
    fn browser_failed(&self, error: &crate::browser::BrowserError) {
        let _ = error;
    }

    /// The driver now waits for the user, at most until `deadline_unix_ms`.
    fn waiting(&self, deadline_unix_ms: u64);

    /// The login succeeded for `start_url` (the configured start URL).
    fn signed_in(&self, start_url: &str);

    /// Another process on this machine is signing in to the same login: the driver waits for
    /// it and reuses its token (then [`Prompt::signed_in`] follows), or takes over when it ends
    /// without one ([`Prompt::taking_over`]). `holder` is who signs in, as its lock file says
    /// (`None` when it does not say). Called again when another waiter took over meanwhile.
    fn waiting_for_sign_in(&self, holder: Option<&sso_cache::LockHolder>) {
        let _ = holder;
    }

    /// The sign-in waited for ended without a usable token (it failed, was cancelled, or its
    /// process died): this one signs in now; the usual calls follow.
    fn taking_over(&self) {}

    /// Asks the user for the current code of the MFA device `mfa_serial` (an AssumeRole with
    /// `mfa_serial`); `None` when nobody can be asked (no terminal), which fails the call with
    /// a clear error. The default asks nobody.
    fn mfa_code(&self, mfa_serial: &str) -> Option<MfaCode> {
        let _ = mfa_serial;
        None
    }
}

pub use sso_oidc::MfaCode;

/// A [`Prompt`] that shows nothing, for embedders that only need the tokens and for
/// benchmarks; a device-code login cannot succeed with it unless the code reaches the user by
/// another route.
#[derive(Clone, Copy, Debug, Default)]
pub struct SilentPrompt;

impl Prompt for SilentPrompt {
    fn show_user_code(&self, _code: &UserCode<'_>, _browser_opening: bool) {}
    fn show_authorize_url(&self, _url: &str, _browser_opening: bool) {}
    fn waiting(&self, _deadline_unix_ms: u64) {}
    fn signed_in(&self, _start_url: &str) {}
}

/// How long until `deadline_unix_ms` (as [`Prompt::waiting`] gives it) by the system clock;
/// zero once it has passed.
pub fn time_until(deadline_unix_ms: u64) -> std::time::Duration {
    use crate::clock::WallClock as _;
    crate::clock::duration_until(crate::clock::SystemClock.now_unix_ms(), deadline_unix_ms)
}
