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
//! The parts behind it take plain values and stay public for embedders with their own runtime
//! and for replaying recorded traffic:
//!
//! - [`http`]: `http::Request<Vec<u8>>` in, `http::Response<Vec<u8>>` out, with timeouts,
//!   bounded retries, proxies and extra trust roots;
//! - [`loopback`]: the `127.0.0.1` listener that receives the authorization-code redirect;
//! - [`browser`]: opening a URL in the user's browser without blocking;
//! - [`prompt`]: the trait through which the caller shows codes and URLs (the driver never
//!   prints);
//! - [`clock`]: wall-clock milliseconds that never go backwards, and sleeping until one;
//! - [`env`](mod@env): the process environment as an explicit input;
//! - [`context`]: the user's config files loaded, and a profile or sso-session resolved into an
//!   [`context::SsoTarget`] (endpoints, cache keys);
//! - [`transport`]: the [`transport::Transport`] trait every network call goes through;
//! - [`login`]: running a device-code or PKCE login to completion ([`login::login`]);
//! - [`logout`]: revoking and deleting cached tokens and role credentials ([`logout::logout`]);
//! - [`token`]: the token provider ([`token::fresh_token`]): the cached SSO token, refreshed
//!   single-flight when it is about to expire;
//! - [`portal`]: listing accounts and roles (one account, or many at once through an adaptive
//!   AIMD pool) and `GetRoleCredentials`;
//! - [`credentials`]: the role-credential provider of SSO profiles, sharing the AWS CLI's
//!   `~/.aws/cli/cache`, with a synchronous warm path ([`credentials::cached_role_credentials`]);
//! - [`vanity`]: the probe of a vanity start URL for the AWS-owned portal and its region (the
//!   rules are `sso_oidc::vanity`'s);
//! - [`serve`]: a container-credentials server on `127.0.0.1` (`sso serve`, `sso exec
//!   --server`), refreshing from a [`serve::CredentialSource`] before expiry.
//!
//! Private, and reached through [`Sso`]: the config-file edits under a lock, the settings of
//! `configure`, `credential_process`, single-flight fetches, the console federation exchange,
//! the flow choice with this host's facts, and the conversions between protocol and cache
//! values.

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
