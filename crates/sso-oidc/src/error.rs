//! Errors: `ServiceError` (what the service said), `ResponseError` (a response we could not use),
//! `FlowError` (why a flow ended) and `MisuseError` (a caller bug).
//!
//! Split by who is at fault: protocol and server failures end a flow with `FlowError`; only
//! caller bugs (a stale `ExchangeId`, input after `Done`) come back from `handle_input`.

use std::fmt;

use crate::flow::ExchangeId;
use crate::retry::RetryKind;

/// The operation a request or response belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// SSO-OIDC `RegisterClient`.
    RegisterClient,
    /// SSO-OIDC `StartDeviceAuthorization`.
    StartDeviceAuthorization,
    /// SSO-OIDC `CreateToken`.
    CreateToken,
    /// Portal `ListAccounts`.
    ListAccounts,
    /// Portal `ListAccountRoles`.
    ListAccountRoles,
    /// Portal `GetRoleCredentials`.
    GetRoleCredentials,
    /// Portal `Logout`.
    Logout,
}

impl Operation {
    /// The model's operation name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::RegisterClient => "RegisterClient",
            Self::StartDeviceAuthorization => "StartDeviceAuthorization",
            Self::CreateToken => "CreateToken",
            Self::ListAccounts => "ListAccounts",
            Self::ListAccountRoles => "ListAccountRoles",
            Self::GetRoleCredentials => "GetRoleCredentials",
            Self::Logout => "Logout",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every error code modelled by the SSO-OIDC and portal services, plus anything else.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `AuthorizationPendingException` (RFC 8628 `authorization_pending`).
    AuthorizationPending,
    /// `SlowDownException` (RFC 8628 `slow_down`).
    SlowDown,
    /// `ExpiredTokenException`: the device code or authorization code expired.
    ExpiredToken,
    /// `AccessDeniedException`: the user denied the request.
    AccessDenied,
    /// `InvalidRequestException` (both services).
    InvalidRequest,
    /// `InvalidClientException` (HTTP 401): bad or expired client id/secret.
    InvalidClient,
    /// `InvalidGrantException`: e.g. a dead refresh token.
    InvalidGrant,
    /// `UnauthorizedClientException`.
    UnauthorizedClient,
    /// `UnsupportedGrantTypeException`.
    UnsupportedGrantType,
    /// `InvalidScopeException`.
    InvalidScope,
    /// `InvalidClientMetadataException` (RegisterClient).
    InvalidClientMetadata,
    /// `InvalidRedirectUriException` (RegisterClient).
    InvalidRedirectUri,
    /// `InternalServerException` (HTTP 500).
    InternalServer,
    /// `InvalidRequestRegionException` (CreateTokenWithIAM only; kept for completeness).
    InvalidRequestRegion,
    /// Portal `UnauthorizedException` (HTTP 401): the access token is invalid or expired.
    Unauthorized,
    /// Portal `TooManyRequestsException` (HTTP 429).
    TooManyRequests,
    /// Portal `ResourceNotFoundException` (HTTP 404).
    ResourceNotFound,
    /// Any other code, as found (possibly just the HTTP status as a string, as botocore does).
    Other(String),
}

impl ErrorCode {
    /// Maps a code as found on the wire (already cut at `:` and `#`).
    #[must_use]
    pub fn parse(code: &str) -> Self {
        match code {
            "AuthorizationPendingException" => Self::AuthorizationPending,
            "SlowDownException" => Self::SlowDown,
            "ExpiredTokenException" => Self::ExpiredToken,
            "AccessDeniedException" => Self::AccessDenied,
            "InvalidRequestException" => Self::InvalidRequest,
            "InvalidClientException" => Self::InvalidClient,
            "InvalidGrantException" => Self::InvalidGrant,
            "UnauthorizedClientException" => Self::UnauthorizedClient,
            "UnsupportedGrantTypeException" => Self::UnsupportedGrantType,
            "InvalidScopeException" => Self::InvalidScope,
            "InvalidClientMetadataException" => Self::InvalidClientMetadata,
            "InvalidRedirectUriException" => Self::InvalidRedirectUri,
            "InternalServerException" => Self::InternalServer,
            "InvalidRequestRegionException" => Self::InvalidRequestRegion,
            "UnauthorizedException" => Self::Unauthorized,
            "TooManyRequestsException" => Self::TooManyRequests,
            "ResourceNotFoundException" => Self::ResourceNotFound,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The code as it appears on the wire.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::AuthorizationPending => "AuthorizationPendingException",
            Self::SlowDown => "SlowDownException",
            Self::ExpiredToken => "ExpiredTokenException",
            Self::AccessDenied => "AccessDeniedException",
            Self::InvalidRequest => "InvalidRequestException",
            Self::InvalidClient => "InvalidClientException",
            Self::InvalidGrant => "InvalidGrantException",
            Self::UnauthorizedClient => "UnauthorizedClientException",
            Self::UnsupportedGrantType => "UnsupportedGrantTypeException",
            Self::InvalidScope => "InvalidScopeException",
            Self::InvalidClientMetadata => "InvalidClientMetadataException",
            Self::InvalidRedirectUri => "InvalidRedirectUriException",
            Self::InternalServer => "InternalServerException",
            Self::InvalidRequestRegion => "InvalidRequestRegionException",
            Self::Unauthorized => "UnauthorizedException",
            Self::TooManyRequests => "TooManyRequestsException",
            Self::ResourceNotFound => "ResourceNotFoundException",
            Self::Other(code) => code,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error response from SSO-OIDC or the portal, decoded the way botocore does.
///
/// The code comes from `x-amzn-ErrorType` (cut at the first `:` and after the last `#`), else
/// the body's `code`/`Code`, else `__type`, else the HTTP status as a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    /// The HTTP status.
    pub status: u16,
    /// The decoded error code.
    pub code: ErrorCode,
    /// Body `message`/`Message` (portal errors).
    pub message: Option<String>,
    /// Body `error`: the OAuth error code (OIDC errors).
    pub error: Option<String>,
    /// Body `error_description` (OIDC errors).
    pub error_description: Option<String>,
    /// Body `reason` (e.g. `KMS_AccessDeniedException`).
    pub reason: Option<String>,
    /// The raw body (lossy UTF-8), kept for codes we do not model.
    pub body: Option<String>,
}

impl ServiceError {
    /// Throttling or transient, as [`crate::retry::classify_error`] names it (botocore's
    /// standard retry mode); `None` for any other error. `SlowDownException` is not throttling
    /// (botocore agrees): it is a state of the device-code grant.
    #[must_use]
    pub fn retry_kind(&self) -> Option<RetryKind> {
        crate::retry::classify_error(self.status, Some(self.code.as_str()))
    }

    /// Whether a driver may retry the same request: throttling and transient errors
    /// ([`ServiceError::retry_kind`]), and any other server error (HTTP 5xx).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        self.status >= 500 || self.retry_kind().is_some()
    }

    /// The most specific human-readable explanation the service gave.
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.error_description
            .as_deref()
            .or(self.message.as_deref())
            .or(self.error.as_deref())
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the service answered {} (HTTP {})",
            self.code, self.status
        )?;
        if let Some(description) = self.description() {
            write!(f, ": {description}")?;
        } else if let Some(body) = &self.body {
            write!(f, ": {body}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceError {}

/// A response that could not be turned into an operation's output.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The service answered with an error.
    #[error("{operation} failed: {error}")]
    Service {
        /// The operation.
        operation: Operation,
        /// What the service said (boxed: error paths are cold, results stay small).
        error: Box<ServiceError>,
    },
    /// A success status with a body we cannot read; a service or proxy problem, not retryable.
    #[error(
        "{operation} returned HTTP {status} with an unreadable body: {detail}; check the endpoint configuration"
    )]
    Malformed {
        /// The operation.
        operation: Operation,
        /// The HTTP status.
        status: u16,
        /// What was wrong.
        detail: String,
    },
    /// A readable answer with a lifetime no real service sends (a token that is expired on
    /// arrival, credentials that expired before they were issued); not retryable.
    #[error(
        "{operation} returned {detail}; the service or the endpoint configuration is broken, try again later or check AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC"
    )]
    Lifetime {
        /// The operation.
        operation: Operation,
        /// What was wrong, e.g. "a token with `expiresIn` 0".
        detail: String,
    },
}

impl ResponseError {
    /// Whether a driver may retry the same request (see [`ServiceError::is_retryable`]).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Service { error, .. } => error.is_retryable(),
            Self::Malformed { .. } | Self::Lifetime { .. } => false,
        }
    }

    /// The service error, if the service sent one.
    #[must_use]
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Self::Service { error, .. } => Some(error.as_ref()),
            Self::Malformed { .. } | Self::Lifetime { .. } => None,
        }
    }
}

/// A transport-level failure the driver reports after its own retries gave up.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The connection could not be established (DNS, refused, TLS).
    Connect(String),
    /// The request timed out.
    TimedOut,
    /// Any other IO failure while sending or receiving.
    Io(String),
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connect(why) => write!(f, "could not connect: {why}"),
            Self::TimedOut => f.write_str("the request timed out"),
            Self::Io(why) => write!(f, "connection failed: {why}"),
        }
    }
}

/// Why a flow ended without tokens. Delivered once, in `Output::Done(Err(..))`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// A request got an error or unreadable response (includes retryable ones the driver gave
    /// up on, `InvalidGrantException` on refresh, and `InvalidClientException`).
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// The device code or the authorization expired before the user approved it
    /// (`ExpiredTokenException`, the device code's `expiresIn`, or no redirect within 600 s).
    #[error(
        "the pending authorization to retrieve an SSO token has expired; run the login again to restart the flow"
    )]
    AuthorizationExpired,
    /// The user (or a policy) denied the request (`AccessDeniedException`).
    #[error("the sign-in request was denied{}; run the login again and approve the request", describe(.description.as_deref()))]
    AccessDenied {
        /// The service's `error_description`, if any.
        description: Option<String>,
    },
    /// The loopback redirect carried `error=...` (RFC 6749 section 4.1.2.1).
    #[error("error loading authorization code: the authorization redirect reported `{error}`{}; run the login again", describe(.description.as_deref()))]
    AuthorizationFailed {
        /// The `error` parameter.
        error: String,
        /// The `error_description` parameter, if any.
        description: Option<String>,
    },
    /// The redirect carried our `state` but no `code`.
    #[error(
        "error loading authorization code: the redirect has no `code` parameter; run the login again"
    )]
    MissingAuthorizationCode,
    /// The client registration given to a refresh flow has expired; a new login is needed.
    #[error(
        "the client registration has expired, so the token cannot be refreshed; run the login again"
    )]
    RegistrationExpired,
    /// The driver reported a transport failure (after its own retries).
    #[error("{operation} could not be sent: {failure}; check the network and the endpoint")]
    Transport {
        /// The operation whose request failed.
        operation: Operation,
        /// What failed.
        failure: TransportFailure,
    },
    /// The driver cancelled the flow (`Input::Cancel`).
    #[error("the login was cancelled")]
    Cancelled,
}

fn describe(description: Option<&str>) -> String {
    description.map(|d| format!(" ({d})")).unwrap_or_default()
}

/// A caller bug: input that the call-order contract forbids. The flow's state is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MisuseError {
    /// A response or transport failure for an exchange that is not outstanding.
    #[error("no outstanding exchange {0:?}: feed each response once, for the last Transmit only")]
    UnknownExchange(ExchangeId),
    /// Input after the flow yielded `Done`.
    #[error("the flow has already finished: stop feeding input after Output::Done")]
    AfterDone,
}
