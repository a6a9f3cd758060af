//! SSO-OIDC operations as plain functions: build an `http::Request`, parse an `http::Response`.
//!
//! Bindings follow `sso-oidc.json` (rest-json): `POST /client/register`,
//! `POST /device_authorization`, `POST /token`, camelCase JSON bodies with absent members
//! omitted, no `Authorization` header (the operations are `smithy.api#noAuth`). Time members
//! `clientIdIssuedAt`/`clientSecretExpiresAt` are epoch **seconds**; `expiresIn`/`interval` are
//! seconds relative to the response, bounded by the `MAX_*_LIFETIME` constants (refused when 0
//! or less, shortened when longer). The flows in [`crate::Flow`] use these functions; drivers
//! and test servers may call them directly.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint;
use crate::error::{Operation, ResponseError};
use crate::time::{MAX_DEVICE_CODE_LIFETIME, MAX_TOKEN_LIFETIME};
use crate::wire;
use sso_base::Timestamp;
use sso_base::{
    AccessToken, AuthorizationCode, ClientSecret, CodeVerifier, DeviceCode, IdToken, RefreshToken,
};

/// The device-code grant type (RFC 8628 section 3.4).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The authorization-code grant type (RFC 6749 section 4.1.3).
pub const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";
/// The refresh-token grant type (RFC 6749 section 6).
pub const REFRESH_TOKEN_GRANT: &str = "refresh_token";

/// `RegisterClient` input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegisterClientInput {
    /// `clientName`, e.g. `botocore-client-my-session`.
    pub client_name: String,
    /// `scopes`; omitted when `None`.
    pub scopes: Option<Vec<String>>,
    /// `grantTypes`; omitted when `None`.
    pub grant_types: Option<Vec<String>>,
    /// `redirectUris`; omitted when `None`.
    pub redirect_uris: Option<Vec<String>>,
    /// `issuerUrl`; omitted when `None`.
    pub issuer_url: Option<String>,
}

/// `RegisterClient` output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterClientOutput {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`.
    pub client_secret: ClientSecret,
    /// `clientIdIssuedAt` (epoch seconds on the wire).
    pub client_id_issued_at: Option<Timestamp>,
    /// `clientSecretExpiresAt` (epoch seconds on the wire).
    pub client_secret_expires_at: Timestamp,
}

/// `StartDeviceAuthorization` output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceAuthorization {
    /// `deviceCode`.
    pub device_code: DeviceCode,
    /// `userCode`, shown to the user.
    pub user_code: String,
    /// `verificationUri`.
    pub verification_uri: String,
    /// `verificationUriComplete` (with the user code filled in).
    pub verification_uri_complete: Option<String>,
    /// `expiresIn`, at most [`MAX_DEVICE_CODE_LIFETIME`] (0 or less is refused as
    /// [`ResponseError::Lifetime`]).
    pub expires_in: Duration,
    /// `interval`, if sent (RFC 8628 section 3.2: default 5 s).
    pub interval: Option<Duration>,
}

/// The grant a `CreateToken` request uses.
#[derive(Clone, Copy, Debug)]
pub enum Grant<'a> {
    /// RFC 8628 device code.
    DeviceCode(&'a DeviceCode),
    /// RFC 6749 authorization code with the RFC 7636 verifier.
    AuthorizationCode {
        /// The code from the redirect.
        code: &'a AuthorizationCode,
        /// The redirect URI used in the authorize request, port included.
        redirect_uri: &'a str,
        /// The PKCE verifier.
        code_verifier: &'a CodeVerifier,
    },
    /// RFC 6749 section 6 refresh.
    RefreshToken(&'a RefreshToken),
}

/// `CreateToken` output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenResponse {
    /// `accessToken`.
    pub access_token: AccessToken,
    /// `tokenType` (`Bearer`).
    pub token_type: Option<String>,
    /// `expiresIn`, at most [`MAX_TOKEN_LIFETIME`] (0 or less is refused as
    /// [`ResponseError::Lifetime`]).
    pub expires_in: Duration,
    /// `refreshToken`, if issued.
    pub refresh_token: Option<RefreshToken>,
    /// `idToken`, if sent.
    pub id_token: Option<IdToken>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RegisterClientBody<'a> {
    client_name: &'a str,
    client_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scopes: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_uris: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grant_types: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer_url: Option<&'a str>,
}

/// Builds `POST /client/register`. `clientType` is always `public` (the only allowed value).
#[must_use]
pub fn register_client(endpoint: &Endpoint, input: &RegisterClientInput) -> http::Request<Vec<u8>> {
    let body = RegisterClientBody {
        client_name: &input.client_name,
        client_type: "public",
        scopes: input.scopes.as_deref(),
        redirect_uris: input.redirect_uris.as_deref(),
        grant_types: input.grant_types.as_deref(),
        issuer_url: input.issuer_url.as_deref(),
    };
    wire::request(
        http::Method::POST,
        endpoint,
        "/client/register",
        "",
        &[],
        Some(wire::json(&body)),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterClientWire {
    client_id: Option<String>,
    client_secret: Option<String>,
    client_id_issued_at: Option<i64>,
    client_secret_expires_at: Option<i64>,
}

/// Parses a `RegisterClient` response.
pub fn parse_register_client(
    response: &http::Response<Vec<u8>>,
) -> Result<RegisterClientOutput, ResponseError> {
    let op = Operation::RegisterClient;
    let wire: RegisterClientWire = wire::decode(op, response)?;
    let epoch = |s: i64| Timestamp::from_unix_seconds(s.max(0));
    Ok(RegisterClientOutput {
        client_id: wire::required(op, response, wire.client_id, "clientId")?,
        client_secret: ClientSecret::new(wire::required(
            op,
            response,
            wire.client_secret,
            "clientSecret",
        )?),
        client_id_issued_at: wire.client_id_issued_at.map(epoch),
        client_secret_expires_at: epoch(wire::required(
            op,
            response,
            wire.client_secret_expires_at,
            "clientSecretExpiresAt",
        )?),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StartDeviceAuthorizationBody<'a> {
    client_id: &'a str,
    client_secret: &'a str,
    start_url: &'a str,
}

/// Builds `POST /device_authorization`.
#[must_use]
pub fn start_device_authorization(
    endpoint: &Endpoint,
    client_id: &str,
    client_secret: &ClientSecret,
    start_url: &str,
) -> http::Request<Vec<u8>> {
    let body = StartDeviceAuthorizationBody {
        client_id,
        client_secret: client_secret.expose_secret(),
        start_url,
    };
    wire::request(
        http::Method::POST,
        endpoint,
        "/device_authorization",
        "",
        &[],
        Some(wire::json(&body)),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeviceAuthorizationWire {
    device_code: Option<String>,
    user_code: Option<String>,
    verification_uri: Option<String>,
    verification_uri_complete: Option<String>,
    expires_in: Option<i64>,
    interval: Option<i64>,
}

/// Parses a `StartDeviceAuthorization` response.
pub fn parse_start_device_authorization(
    response: &http::Response<Vec<u8>>,
) -> Result<DeviceAuthorization, ResponseError> {
    let op = Operation::StartDeviceAuthorization;
    let wire: DeviceAuthorizationWire = wire::decode(op, response)?;
    Ok(DeviceAuthorization {
        device_code: DeviceCode::new(wire::required(
            op,
            response,
            wire.device_code,
            "deviceCode",
        )?),
        user_code: wire::required(op, response, wire.user_code, "userCode")?,
        verification_uri: wire::required(op, response, wire.verification_uri, "verificationUri")?,
        verification_uri_complete: wire.verification_uri_complete,
        expires_in: wire::lifetime(
            op,
            wire::required(op, response, wire.expires_in, "expiresIn")?,
            "expiresIn",
            MAX_DEVICE_CODE_LIFETIME,
        )?,
        interval: wire.interval.filter(|i| *i > 0).map(wire::seconds),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateTokenBody<'a> {
    client_id: &'a str,
    client_secret: &'a str,
    grant_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_verifier: Option<&'a str>,
}

/// Builds `POST /token` for `grant`. No `scope` is sent: the model says it has no effect.
#[must_use]
pub fn create_token(
    endpoint: &Endpoint,
    client_id: &str,
    client_secret: &ClientSecret,
    grant: Grant<'_>,
) -> http::Request<Vec<u8>> {
    let mut body = CreateTokenBody {
        client_id,
        client_secret: client_secret.expose_secret(),
        grant_type: "",
        device_code: None,
        code: None,
        refresh_token: None,
        redirect_uri: None,
        code_verifier: None,
    };
    match grant {
        Grant::DeviceCode(device_code) => {
            body.grant_type = DEVICE_CODE_GRANT;
            body.device_code = Some(device_code.expose_secret());
        }
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            body.grant_type = AUTHORIZATION_CODE_GRANT;
            body.code = Some(code.expose_secret());
            body.redirect_uri = Some(redirect_uri);
            body.code_verifier = Some(code_verifier.expose_secret());
        }
        Grant::RefreshToken(refresh_token) => {
            body.grant_type = REFRESH_TOKEN_GRANT;
            body.refresh_token = Some(refresh_token.expose_secret());
        }
    }
    wire::request(
        http::Method::POST,
        endpoint,
        "/token",
        "",
        &[],
        Some(wire::json(&body)),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenWire {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<i64>,
    refresh_token: Option<String>,
    id_token: Option<String>,
}

/// Parses a `CreateToken` response.
pub fn parse_create_token(
    response: &http::Response<Vec<u8>>,
) -> Result<TokenResponse, ResponseError> {
    let op = Operation::CreateToken;
    let wire: TokenWire = wire::decode(op, response)?;
    Ok(TokenResponse {
        access_token: AccessToken::new(wire::required(
            op,
            response,
            wire.access_token,
            "accessToken",
        )?),
        token_type: wire.token_type,
        expires_in: wire::lifetime(
            op,
            wire::required(op, response, wire.expires_in, "expiresIn")?,
            "expiresIn",
            MAX_TOKEN_LIFETIME,
        )?,
        refresh_token: wire
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(RefreshToken::new),
        id_token: wire.id_token.map(IdToken::new),
    })
}
