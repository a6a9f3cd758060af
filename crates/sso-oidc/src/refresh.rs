//! When a cached token may or must be refreshed: one documented window, as a pure function.
//!
//! We follow botocore's windows (protocol.md section 4.4) because this is a reimplementation of
//! the AWS CLI: refreshing is *advised* within 15 minutes of expiry and *mandatory* within
//! 10 minutes. (The Rust SDK uses a single 5-minute buffer.) The decision never leaves a gap:
//! a token counts as [`RefreshDecision::Expired`] only when it is past its expiry **and** there
//! is nothing to refresh it with; with refresh material an expired token is `MustRefresh`,
//! because a refresh token outlives its access token. The refresh itself is
//! [`crate::Flow::refresh`]; its response keeps the old refresh token when none is returned.

use std::time::Duration;

use sso_base::Timestamp;

/// Within this much of expiry a refresh is attempted, but failure is not fatal.
pub const ADVISORY_REFRESH_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Within this much of expiry a refresh is required before the token is used.
pub const MANDATORY_REFRESH_WINDOW: Duration = Duration::from_secs(10 * 60);
/// A client registration within this much of its expiry is not reused (protocol.md 4.2).
pub const REGISTRATION_EXPIRY_MARGIN: Duration = Duration::from_secs(15 * 60);

/// What to do with a cached access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshDecision {
    /// More than 15 minutes left, or no refresh material and not yet expired: use it.
    UseAsIs,
    /// 10 to 15 minutes left and refreshable: refresh, but on failure keep using the token.
    RefreshAdvised,
    /// Under 10 minutes left (or expired) and refreshable: refresh before use; on failure the
    /// token may be used only while it has not expired.
    MustRefresh,
    /// Expired and not refreshable: a new login is needed.
    Expired,
}

/// Decides what to do with a token expiring at `expires_at`.
///
/// `has_refresh_material` means a refresh token plus a client id and secret whose registration
/// has not expired (see [`has_refresh_material`]).
#[must_use]
pub fn refresh_decision(
    expires_at: Timestamp,
    now: Timestamp,
    has_refresh_material: bool,
) -> RefreshDecision {
    let remaining = expires_at.saturating_duration_since(now);
    let expired = expires_at <= now;
    match (has_refresh_material, expired) {
        (false, true) => RefreshDecision::Expired,
        (false, false) => RefreshDecision::UseAsIs,
        (true, true) => RefreshDecision::MustRefresh,
        (true, false) if remaining <= MANDATORY_REFRESH_WINDOW => RefreshDecision::MustRefresh,
        (true, false) if remaining <= ADVISORY_REFRESH_WINDOW => RefreshDecision::RefreshAdvised,
        (true, false) => RefreshDecision::UseAsIs,
    }
}

/// Whether a refresh can be attempted: there is a refresh token, a client secret, and the
/// registration expires in the future (botocore's condition).
#[must_use]
pub fn has_refresh_material(
    has_refresh_token: bool,
    has_client_secret: bool,
    registration_expires_at: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    has_refresh_token && has_client_secret && registration_expires_at.is_some_and(|t| t > now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn check(minutes_left: i64, material: bool, expected: RefreshDecision) {
        let now = Timestamp::from_unix_millis(1_000 * MIN);
        let expires_at = Timestamp::from_unix_millis((1_000 + minutes_left) * MIN);
        let expires_at = if minutes_left < 0 {
            now.saturating_sub(Duration::from_secs(minutes_left.unsigned_abs() * 60))
        } else {
            expires_at
        };
        assert_eq!(
            refresh_decision(expires_at, now, material),
            expected,
            "{minutes_left} min"
        );
    }

    #[test]
    fn windows() {
        use RefreshDecision::*;
        check(60, true, UseAsIs);
        check(16, true, UseAsIs);
        check(15, true, RefreshAdvised);
        check(11, true, RefreshAdvised);
        check(10, true, MustRefresh);
        check(1, true, MustRefresh);
        check(0, true, MustRefresh);
        check(-5, true, MustRefresh);
        check(60, false, UseAsIs);
        check(5, false, UseAsIs);
        check(0, false, Expired);
        check(-5, false, Expired);
    }

    #[test]
    fn no_gap_between_expired_and_refreshable() {
        let now = Timestamp::from_unix_millis(10 * MIN);
        for offset in 0..(30 * 60) {
            let expires_at = Timestamp::from_unix_millis(offset * 1000);
            assert_ne!(
                refresh_decision(expires_at, now, true),
                RefreshDecision::Expired
            );
            if refresh_decision(expires_at, now, false) == RefreshDecision::Expired {
                assert!(expires_at <= now);
            }
        }
    }

    #[test]
    fn material_needs_live_registration() {
        let now = Timestamp::from_unix_millis(5);
        assert!(has_refresh_material(
            true,
            true,
            Some(Timestamp::from_unix_millis(6)),
            now
        ));
        assert!(!has_refresh_material(true, true, Some(now), now));
        assert!(!has_refresh_material(true, true, None, now));
        assert!(!has_refresh_material(
            false,
            true,
            Some(Timestamp::from_unix_millis(6)),
            now
        ));
    }
}
