//! The vocabulary every `sso` crate shares: one [`Timestamp`] and one set of secret types.
//!
//! `sso-oidc`, `sso-sts` and `sso-cache` speak of the same instants and the same secrets; this
//! crate defines them once, so a token read from the cache is the protocol's token and an
//! expiry parsed from a file is the flow's expiry, with no conversion in between.
//! Like rust-analyzer's `stdx`, it is a foundation with no IO of any kind: no clock, no
//! environment, no filesystem, no sockets (its `clippy.toml` bans them). Time arrives as values.
//!
//! - [`Timestamp`]: an instant as signed milliseconds since the Unix epoch, with the AWS CLI's
//!   text formats (RFC 3339 to the second for the caches, Python's `isoformat()` for assumed-role
//!   entries) and a parser for everything botocore reads.
//! - Secret newtypes ([`AccessToken`], [`SecretAccessKey`], ...): a redacting `Debug`, no
//!   `Display`, zeroized on drop, the value only through `expose_secret()`.
//!
//! ```
//! use sso_base::{AccessToken, Timestamp};
//! use std::time::Duration;
//!
//! let now = Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
//! let expires_at = now.saturating_add(Duration::from_secs(8 * 3600));
//! assert_eq!(expires_at.to_rfc3339_seconds(), "2024-01-01T08:00:00Z");
//!
//! let token = AccessToken::new("example");
//! assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
//! assert_eq!(token.expose_secret(), "example");
//! ```

#![deny(missing_docs)]

mod secret;
mod time;

pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, CodeVerifier, DeviceCode, IdToken, MfaCode,
    RefreshToken, SecretAccessKey, SessionToken, WebIdentityToken,
};
pub use time::{Timestamp, TimestampError};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
