//! Sans-IO core for SSO-OIDC (RFC 8628, RFC 7636) and the IAM Identity Center portal API.
//!
//! This crate is deterministic: it contains no networking code, reads no clock, environment
//! or file, and draws no randomness. Time arrives as a [`Timestamp`] (Unix milliseconds) on
//! every call, entropy for PKCE and `state` as [`Entropy`] bytes, responses as
//! `http::Response<Vec<u8>>` values; requests leave as `http::Request<Vec<u8>>` values. The
//! driver (`sso-driver`) owns every side effect.
//!
//! # What is here
//!
//! - [`Flow`]: the device-code, authorization-code (PKCE) and refresh-token logins as one state
//!   machine driven by [`Flow::handle_input`] and [`Flow::poll_output`].
//! - [`oidc`] and [`portal`]: one request builder and one response parser per operation
//!   (RegisterClient, StartDeviceAuthorization, CreateToken; ListAccounts, ListAccountRoles,
//!   GetRoleCredentials, Logout), plus the [`portal::AccountPager`] and [`portal::RolePager`].
//! - [`callback`]: a loopback callback URL pasted by the user (paste-back PKCE), checked and
//!   turned into the query a flow takes.
//! - [`resolve_endpoint`]: partitions, FIPS, dual-stack and configured endpoint overrides;
//!   [`Partition`], the one partition table (DNS suffixes, console sign-in domains).
//! - [`vanity`]: vanity start URLs: which hosts are AWS-owned portals, the region in a portal
//!   host, what the answer to a probe means (the driver sends the probe).
//! - [`refresh_decision`]: when a cached token may and must be refreshed.
//! - [`retry::classify_error`]: botocore's throttling and transient-error rules, shared with
//!   `sso-sts`.
//! - [`Timestamp`] and the secret newtypes ([`AccessToken`], ...: a redacting `Debug`, zeroized
//!   on drop), re-exported from `sso-base`, so that `sso-cache` and `sso-sts` share them.
//!
//! # The driver loop
//!
//! After constructing a flow and after every `handle_input`, drain `poll_output` until it
//! returns `Wait` or `Done` (str0m's rule). In prose:
//!
//! 1. Build a [`FlowConfig`] (endpoint, start URL, region, scopes, session name, cached
//!    registration) and construct the flow with the current time.
//! 2. Loop on `poll_output()`:
//!    - `Transmit { id, request, .. }`: send it. Feed `Input::Response { id, now, response }`
//!      whatever the status. If `ResponseError::is_retryable` holds for the parsed error
//!      (`oidc::`/`portal::` parsers, or [`classify_response`]), the driver may re-send the same
//!      request under its own retry policy instead. When the transport fails for good, feed
//!      `Input::TransportFailed`.
//!    - `Event(..)`: show the user code, open the browser, cache a new client registration.
//!    - `Wait { until: Some(t) }`: sleep until `t`, then feed `Input::Timeout { now }` with the
//!      *current* time. `Wait { until: None }`: wait for the response or the redirect (feed each
//!      loopback request as `Input::Redirect { now, query }`), or Ctrl-C (`Input::Cancel`).
//!    - `Done(result)`: stop; write `Tokens` to the token cache.
//!
//! Times must not decrease. `handle_input` errors ([`MisuseError`]) are driver bugs; protocol
//! and service failures arrive as `Done(Err(FlowError))`.
//!
//! ```
//! use sso_oidc::{Endpoint, Flow, FlowConfig, Output, Timestamp};
//!
//! let endpoint = Endpoint::parse("https://oidc.us-east-1.amazonaws.com").unwrap();
//! let config = FlowConfig::new(endpoint, "https://d-123.awsapps.com/start", "us-east-1");
//! let mut flow = Flow::device_code(config, Timestamp::from_unix_millis(1_700_000_000_000));
//! match flow.poll_output() {
//!     Output::Transmit { request, .. } => assert_eq!(request.uri().path(), "/client/register"),
//!     other => panic!("unexpected {other:?}"),
//! }
//! assert!(matches!(flow.poll_output(), Output::Wait { until: None }));
//! ```
//!
//! # Limitations
//!
//! - The flow does not retry: retry policy (attempts, backoff) belongs to the driver, which
//!   classifies responses with `is_retryable`.
//! - Request bodies (`Vec<u8>`) hold secrets in the clear and are not zeroized; the driver
//!   should drop them promptly.
//! - The device flow stops polling at the device code's `expiresIn` (the CLI has no such
//!   client-side deadline) and does not re-poll immediately after the first attempt (the CLI
//!   does); both follow RFC 8628 more closely.

#![deny(missing_docs)]

pub mod callback;
mod endpoint;
mod error;
mod flow;
pub mod headless;
pub mod oidc;
pub mod pacing;
mod pkce;
pub mod portal;
mod refresh;
pub mod retry;
mod time;
pub mod vanity;
mod wire;

pub use endpoint::{
    ConsoleDomains, Endpoint, EndpointError, EndpointOverrides, EndpointParams, Partition, Service,
    resolve_endpoint,
};
pub use error::{
    ErrorCode, FlowError, MisuseError, Operation, ResponseError, ServiceError, TransportFailure,
};
pub use flow::{
    ClientRegistration, DEFAULT_POLL_INTERVAL, Event, ExchangeId, Flow, FlowConfig, FlowKind,
    Input, Output, REDIRECT_TIMEOUT, SLOW_DOWN_INCREMENT, Tokens,
};
pub use pkce::{
    DEFAULT_SCOPE, Entropy, RedirectUri, VERIFIER_ENTROPY_LEN, VERIFIER_LEN, authorize_url,
    code_challenge, code_verifier, is_valid_verifier, uuid_v4,
};
pub use refresh::{
    ADVISORY_REFRESH_WINDOW, MANDATORY_REFRESH_WINDOW, REGISTRATION_EXPIRY_MARGIN, RefreshDecision,
    has_refresh_material, refresh_decision,
};
pub use sso_base::Timestamp;
pub use sso_base::{
    AccessToken, AuthorizationCode, ClientSecret, CodeVerifier, DeviceCode, IdToken, MfaCode,
    RefreshToken, SecretAccessKey, SessionToken, WebIdentityToken,
};
pub use time::{
    MAX_DEVICE_CODE_LIFETIME, MAX_REGISTRATION_LIFETIME, MAX_ROLE_CREDENTIALS_LIFETIME,
    MAX_TOKEN_LIFETIME,
};

/// Decodes any response as the service error it carries, or `None` for a 2xx status.
///
/// Lets a driver apply its retry policy (`ServiceError::is_retryable`) before feeding a
/// response to a flow or pager.
#[must_use]
pub fn classify_response(response: &http::Response<Vec<u8>>) -> Option<ServiceError> {
    (!response.status().is_success()).then(|| wire::service_error(response))
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
