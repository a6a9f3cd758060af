//! The longest lifetimes taken from a server's answers.
//!
//! The core never reads a clock: time arrives as `sso_base::Timestamp` values (Unix
//! milliseconds), the workspace's one time type, which this crate re-exports.

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
