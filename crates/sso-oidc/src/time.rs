//! `Timestamp`: wall-clock time as milliseconds since the Unix epoch, passed in by the caller.
//!
//! The core never reads a clock. Expiries are persisted (token cache) and written into replay
//! fixtures, which `std::time::Instant` cannot be, so every time value is a plain Unix timestamp.

use std::time::Duration;

/// The longest access-token lifetime taken from a server's `expiresIn`: 90 days, the longest
/// session IAM Identity Center can be configured for (real tokens last about 1 or 8 hours).
/// Longer values are shortened to it, so that an absurd `expiresIn` cannot write an expiry
/// that no reader of the cache can parse.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

/// The longest device-code lifetime taken from `StartDeviceAuthorization` (real ones: 600 s).
pub const MAX_DEVICE_CODE_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The longest client-registration lifetime taken from `clientSecretExpiresAt` (real ones:
/// about 90 days).
pub const MAX_REGISTRATION_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// The longest role-credential lifetime taken from `GetRoleCredentials`' `expiration`: 366
/// days. A permission set's sessions last at most 12 hours, but the SDKs take any date (their
/// own test data uses months), so only values no date format can hold are cut.
pub const MAX_ROLE_CREDENTIALS_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// Milliseconds since the Unix epoch (1970-01-01T00:00:00Z).
///
/// Arithmetic saturates: a server that sends an absurd `expiresIn` cannot make it overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The epoch itself.
    pub const UNIX_EPOCH: Self = Self(0);

    /// A timestamp from milliseconds since the epoch.
    #[must_use]
    pub const fn from_unix_millis(millis: u64) -> Self {
        Self(millis)
    }

    /// A timestamp from whole seconds since the epoch (the unit of `clientSecretExpiresAt`).
    #[must_use]
    pub const fn from_unix_seconds(seconds: u64) -> Self {
        Self(seconds.saturating_mul(1000))
    }

    /// Milliseconds since the epoch.
    #[must_use]
    pub const fn as_unix_millis(self) -> u64 {
        self.0
    }

    /// Whole seconds since the epoch, rounded down.
    #[must_use]
    pub const fn as_unix_seconds(self) -> u64 {
        self.0 / 1000
    }

    /// `self + duration`, saturating at the largest representable time.
    #[must_use]
    pub fn saturating_add(self, duration: Duration) -> Self {
        let millis = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        Self(self.0.saturating_add(millis))
    }

    /// `self - duration`, saturating at the epoch.
    #[must_use]
    pub fn saturating_sub(self, duration: Duration) -> Self {
        let millis = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        Self(self.0.saturating_sub(millis))
    }

    /// How long after `earlier` this is, or zero if it is not later.
    #[must_use]
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}
