//! Async driver running the sso-oidc machines over HTTP, the loopback listener and the caches.
//!
//! This is the only crate of the workspace that opens sockets or spawns processes.
//!
//! **The entry point is [`Sso`]** ([`sso`]): one handle per invocation, made from the
//! environment and the user's selection, with one synchronous method per user operation (sign
//! in, sign out, credentials for a profile, whoami, status, listing, populate, the console, the
//! configure wizard's backend and the `configure` settings). It owns the loaded config, both
//! caches, the clock, and an HTTP client and runtime built on first need; the values and errors
//! it returns are re-exported in [`sso`].
//!
//! Besides the handle and its values, the crate exports only what the handle takes:
//!
//! - [`env`](mod@env): the process environment as an explicit input;
//! - [`prompt`]: the trait through which the caller shows codes and URLs and answers MFA
//!   questions (the driver never prints);
//! - [`transport`]: the [`transport::Transport`] every network call goes through, and the
//!   [`transport::HttpClient`] the handle builds when none is injected
//!   ([`Sso::with_transport`]);
//! - [`clock`]: wall-clock milliseconds ([`Sso::with_clock`]);
//! - [`serve`]: a container-credentials server on `127.0.0.1` (`sso serve`, `sso exec
//!   --server`), refreshing from a [`serve::CredentialSource`] before expiry.
//!
//! The parts behind [`Sso`] are private: the HTTP client's retries, the loopback listener, the
//! browser, the login and token providers, listing through the adaptive pool, the credential
//! chain and its SSO, STS and metadata sources, sign-out, the vanity probe, the config-file
//! edits under a lock, the settings of `configure`, `credential_process`, single-flight
//! fetches, the console federation exchange and the flow choice with this host's facts. Their
//! pure rules live in `sso-oidc`, `sso-sts`, `sso-config` and `sso-cache`.

#![deny(missing_docs)]

pub(crate) mod browser;
pub(crate) mod chain;
pub mod clock;
pub(crate) mod config_file;
pub(crate) mod console;
pub(crate) mod context;
pub(crate) mod convert;
pub(crate) mod credentials;
pub mod env;
pub(crate) mod headless;
pub(crate) mod http;
/// The parts' tests over the emulator and wiremock, moved in-crate because the parts are private.
#[cfg(test)]
mod it;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod loopback;
pub(crate) mod portal;
pub(crate) mod process;
pub mod prompt;
pub mod serve;
pub(crate) mod settings;
pub(crate) mod single_flight;
pub mod sso;
pub(crate) mod token;
pub mod transport;
pub(crate) mod vanity;

pub use sso::Sso;

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
