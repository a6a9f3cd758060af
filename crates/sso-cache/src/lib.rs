//! On-disk SSO token, client-registration and role-credential caches, compatible with the AWS CLI v2.
//!
//! The AWS CLI, boto3, Terraform (through the SDKs) and `sso` share one login through these files:
//!
//! | directory | entry | key | type |
//! | --- | --- | --- | --- |
//! | `~/.aws/sso/cache` | SSO token | [`CacheKey::for_session`] / [`CacheKey::for_start_url`] | [`CachedToken`] |
//! | `~/.aws/sso/cache` | client registration | [`CacheKey::for_registration`] | [`ClientRegistration`] |
//! | `~/.aws/cli/cache` | SSO role credentials | [`CacheKey::for_role_credentials`] | [`RoleCredentials`] |
//! | `~/.aws/cli/cache` | assumed-role credentials (assume role, web identity) | [`CacheKey::for_assumed_role`] | [`AssumedRoleCredentials`] |
//!
//! The crate never reads `HOME`, the environment or the clock: the caller passes the directory
//! and `now`. It has no network dependency. Files are written exactly as the AWS CLI writes them
//! (one line of Python `json.dumps`), atomically (0600 temporary file, fsync, rename), and a lock
//! beside an entry lets many processes refresh a token or fetch credentials once, and sign in
//! once ([`CacheDir::lock_sign_in`]). On Unix a lock file exists only while it is held.
//!
//! ```
//! use sso_cache::{AccessToken, CacheDir, CacheKey, CachedToken, Timestamp, UnknownFields};
//! use std::time::Duration;
//!
//! # let tmp = std::env::temp_dir().join(format!("sso-cache-doc-{}", std::process::id()));
//! let cache = CacheDir::new(tmp.join("sso/cache")); // the caller resolves ~/.aws/sso/cache
//! let key = CacheKey::for_session("my-sso");
//! let now = Timestamp::from_unix_seconds(1_700_000_000); // the caller reads the clock
//!
//! let token = CachedToken {
//!     start_url: Some("https://d-123.awsapps.com/start".into()),
//!     region: Some("us-east-1".into()),
//!     access_token: AccessToken::new("example"),
//!     expires_at: now.saturating_add(Duration::from_secs(8 * 3600)),
//!     client_id: None,
//!     client_secret: None,
//!     registration_expires_at: None,
//!     refresh_token: None,
//!     unknown: UnknownFields::new(),
//! };
//! cache.write(&key, &token)?;
//!
//! // The driver's refresh protocol: check, lock, re-check, refresh, write.
//! let cached: CachedToken = cache.read(&key)?.expect("just written");
//! if cached.expires_within(now, Duration::from_secs(15 * 60)) {
//!     let guard = cache.lock_token(&key, Duration::from_secs(30))?;
//!     if let Some(again) = guard.read()? {
//!         if again.expires_within(now, Duration::from_secs(15 * 60)) {
//!             // ...refresh over the network, then: guard.write(&refreshed)?;
//!         }
//!     }
//! }
//! assert!(!cached.is_expired(now));
//! # std::fs::remove_dir_all(&tmp).ok();
//! # Ok::<(), sso_cache::CacheError>(())
//! ```

#![deny(missing_docs)]

mod error;
pub mod file;
mod key;
mod model;
mod pyjson;
mod store;

pub use error::CacheError;
pub use key::{AssumeRoleKeyArgs, CacheKey, InvalidKey, Login, RegistrationKeyArgs};
pub use model::{
    AssumedRoleCredentials, AssumedRoleUser, BadEntry, CacheEntry, CachedToken, ClientRegistration,
    EXPIRY_WINDOW, MAX_ENTRY_BYTES, RegistrationFlow, RoleCredentials, UnknownFields,
};
pub use pyjson::python_json_string;
pub use sso_base::{
    AccessToken, ClientSecret, RefreshToken, SecretAccessKey, SessionToken, Timestamp,
    TimestampError,
};
pub use store::{
    CacheDir, CredentialFile, EntryLock, LockHolder, SignInLock, TokenFile, TokenLock,
};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
