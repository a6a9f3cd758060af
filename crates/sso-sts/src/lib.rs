//! Sans-IO core for AWS STS: `AssumeRole`, `AssumeRoleWithWebIdentity` and `GetCallerIdentity`.
//!
//! Like `sso-oidc`, this crate performs no IO: no sockets, clock, environment, files or
//! randomness. Requests leave as `http::Request<Vec<u8>>` values, signed with SigV4 by the
//! `aws-sigv4` crate at the `now` the caller passes in; responses come back as
//! `http::Response<Vec<u8>>` values and are parsed from STS's XML (query protocol, API version
//! `2011-06-15`). The driver sends, retries and caches.
//!
//! # What is here
//!
//! - [`resolve_sts_endpoint`]: regional endpoints with the partition, FIPS and dual-stack rules
//!   of `sso_oidc::resolve_endpoint`, the global endpoint (`aws-global`, no region, the
//!   `legacy` setting), configured endpoint URLs, and the signing region of each.
//! - Request builders: [`assume_role_request`] and [`get_caller_identity_request`] (signed),
//!   [`assume_role_with_web_identity_request`] (unsigned, as the model says).
//! - Parsers: [`parse_assume_role`], [`parse_assume_role_with_web_identity`],
//!   [`parse_get_caller_identity`]; errors decode to [`StsServiceError`], whose
//!   [`StsServiceError::retry_kind`] applies botocore's standard retry rules.
//!
//! - [`console`]: the federated console sign-in (the `getSigninToken` request and its answer,
//!   the login URL, the partition's console hosts from `sso_oidc::Partition`).
//!
//! Secrets use `sso-base`'s redacting, zeroizing types ([`SecretAccessKey`], [`SessionToken`],
//! [`WebIdentityToken`], [`MfaCode`]), so a role chain passes one set of types from the SSO
//! portal's credentials to STS and back.
//!
//! ```
//! use sso_sts::{
//!     AssumeRoleParams, SecretAccessKey, SigningCredentials, StsEndpointParams, Timestamp,
//!     assume_role_request, resolve_sts_endpoint,
//! };
//!
//! let endpoint = resolve_sts_endpoint(&StsEndpointParams {
//!     region: Some("eu-west-1".to_owned()),
//!     ..StsEndpointParams::default()
//! })?;
//! let source = SigningCredentials {
//!     access_key_id: "AKIDEXAMPLE".to_owned(),
//!     secret_access_key: SecretAccessKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
//!     session_token: None,
//! };
//! let params = AssumeRoleParams::new("arn:aws:iam::123456789012:role/Admin", "me");
//! let now = Timestamp::from_unix_seconds(1_700_000_000);
//! let request = assume_role_request(&endpoint, &params, &source, now)?;
//! assert_eq!(request.uri(), "https://sts.eu-west-1.amazonaws.com/");
//! assert!(request.headers()["authorization"].to_str()?.starts_with(
//!     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/sts/aws4_request"
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod console;
mod endpoint;
mod error;
mod ops;
mod sign;
mod xml;

pub use endpoint::{
    GLOBAL_ENDPOINT, GLOBAL_SIGNING_REGION, LEGACY_GLOBAL_REGIONS, RegionalEndpoints, StsEndpoint,
    StsEndpointError, StsEndpointParams, resolve_sts_endpoint,
};
pub use error::{SignError, StsOperation, StsResponseError, StsServiceError};
pub use ops::{
    API_VERSION, AssumeRoleParams, AssumedRole, AssumedRoleUser, CallerIdentity, FORM_CONTENT_TYPE,
    StsCredentials, WebIdentityParams, account_of_arn, assume_role_request,
    assume_role_with_web_identity_request, get_caller_identity_request, parse_assume_role,
    parse_assume_role_with_web_identity, parse_get_caller_identity,
};
pub use sign::{SIGNING_NAME, SigningCredentials};
pub use sso_base::{MfaCode, SecretAccessKey, SessionToken, Timestamp, WebIdentityToken};
pub use sso_oidc::EndpointOverrides;
pub use sso_oidc::retry::RetryKind;
pub use xml::MAX_RESPONSE_BYTES;

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
