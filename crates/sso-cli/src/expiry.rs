//! The expiry warning: when the SSO token a command used cannot be refreshed and expires within
//! 15 minutes ([`sso_driver::Sso::expires_without_refresh`]), one line on stderr, once per
//! run and only when stderr is a terminal, so that users sign in before a long job rather than
//! in the middle of it. `credential_process` callers (stderr captured) never see it.

use std::io::{IsTerminal as _, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};

use sso_driver::Sso;
use sso_driver::sso::SsoTarget;

use crate::convert::login_target;

/// Whether this run already warned.
static WARNED: AtomicBool = AtomicBool::new(false);

/// Warns (see the module documentation) about the selected login's cached token;
/// `refresh_tried` says the command just got its token through the refreshing provider.
pub(crate) fn warn_login(sso: &Sso, refresh_tried: bool) {
    if !wanted() {
        return;
    }
    let Ok(target) = sso.login() else {
        return;
    };
    let Some(expires_at) = sso.expires_without_refresh(&target, refresh_tried) else {
        return;
    };
    if WARNED.swap(true, Ordering::Relaxed) {
        return;
    }
    let line = warning_line(&target, expires_at, sso.now());
    // Nowhere to report a failed write to stderr.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Whether this run may still print the warning (stderr is a terminal and it has not warned),
/// so whether [`sso_driver::sso::CredentialsRequest::check_login_expiry`] is worth its file read.
pub(crate) fn wanted() -> bool {
    std::io::stderr().is_terminal() && !WARNED.load(Ordering::Relaxed)
}

/// Warns (see the module documentation) about the SSO login behind `resolved`, as the chain
/// found it ([`sso_driver::sso::Resolved::expires_without_refresh`]).
pub(crate) fn warn_resolved(resolved: &sso_driver::sso::Resolved) {
    let (Some(expires_at), Some(target)) = (
        resolved.expires_without_refresh,
        resolved.sso_target.as_ref(),
    ) else {
        return;
    };
    if !wanted() || WARNED.swap(true, Ordering::Relaxed) {
        return;
    }
    let now = sso_driver::sso::now();
    let line = warning_line(target, expires_at, now);
    // Nowhere to report a failed write to stderr.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// How long until `at`, as the spinner says it ([`crate::spinner::format_left`]: `9m 41s`,
/// `1h 02m`), or `expired`.
pub(crate) fn time_left(at: sso_cache::Timestamp, now: sso_cache::Timestamp) -> String {
    let left_ms = at.unix_millis().saturating_sub(now.unix_millis());
    match u64::try_from(left_ms) {
        Ok(ms) if ms > 0 => crate::spinner::format_left(std::time::Duration::from_millis(ms)),
        _ => "expired".to_owned(),
    }
}

/// The warning, one line: when, how soon, and what to run.
pub(crate) fn warning_line(
    target: &SsoTarget,
    expires_at: sso_cache::Timestamp,
    now: sso_cache::Timestamp,
) -> String {
    let left_ms =
        u64::try_from(expires_at.unix_millis().saturating_sub(now.unix_millis())).unwrap_or(0);
    let minutes = left_ms.div_ceil(60_000);
    format!(
        "warning: the sign-in to {} expires at {expires_at} (in {minutes} min) and cannot be refreshed; run `sso login {}` now to avoid an interruption\n",
        target.describe(),
        login_target(target)
    )
}

#[cfg(test)]
mod tests {
    use sso_cache::Timestamp;

    use super::time_left;

    #[test]
    fn time_left_reads_as_the_spinner_says_it() {
        let base = 1_000_000_000_000;
        let now = Timestamp::from_unix_millis(base);
        let at = |ms: i64| Timestamp::from_unix_millis(base + ms);
        let minute = 60_000;
        assert_eq!(time_left(at(-1), now), "expired");
        assert_eq!(time_left(now, now), "expired");
        assert_eq!(time_left(at(1_000), now), "1s");
        assert_eq!(time_left(at(42 * minute), now), "42m 00s");
        assert_eq!(time_left(at(185 * minute), now), "3h 05m");
        assert_eq!(time_left(at(1500 * minute), now), "25h 00m");
    }
}
