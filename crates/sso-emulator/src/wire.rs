//! Response shapes on the wire: AWS-style errors ([`ApiError`]: status, `x-amzn-ErrorType`
//! header, body) and the JSON, HTML and redirect responses the handlers build.
//!
//! OIDC errors carry `{"error","error_description"}` and portal errors `{"message"}`
//! (docs/protocol.md §2.4, §3). The header value mimics AWS: `Code:http://internal.amazon.com/coral/{namespace}/`,
//! which every AWS SDK cuts at the first `:`.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;
use serde_json::{Value, json};

/// The response type of every handler.
pub(crate) type Resp = Response<Full<Bytes>>;

/// The namespace in OIDC error headers.
const OIDC_NAMESPACE: &str = "com.amazonaws.sso.oidc";
/// The namespace in portal error headers.
const PORTAL_NAMESPACE: &str = "com.amazonaws.switchboard.portal";

/// The modeled SSO-OIDC errors (docs/protocol.md §2.4), plus a 503 for failure injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OidcError {
    AuthorizationPending,
    SlowDown,
    ExpiredToken,
    AccessDenied,
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    InvalidClientMetadata,
    InvalidRedirectUri,
    InternalServer,
    ServiceUnavailable,
}

impl OidcError {
    fn code(self) -> &'static str {
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
            Self::ServiceUnavailable => "ServiceUnavailableException",
        }
    }

    /// The OAuth `error` value (RFC 6749 §5.2, RFC 8628 §3.5).
    fn oauth_error(self) -> &'static str {
        match self {
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::ExpiredToken => "expired_token",
            Self::AccessDenied => "access_denied",
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidClientMetadata => "invalid_client_metadata",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InternalServer => "server_error",
            Self::ServiceUnavailable => "temporarily_unavailable",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::InternalServer => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// The modeled portal errors (docs/protocol.md §3), plus 5xx for failure injection and the
/// answer to unknown routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PortalError {
    InvalidRequest,
    Unauthorized,
    TooManyRequests,
    ResourceNotFound,
    InternalServer,
    ServiceUnavailable,
    UnknownOperation,
}

impl PortalError {
    fn code(self) -> &'static str {
        match self {
            Self::InvalidRequest => "InvalidRequestException",
            Self::Unauthorized => "UnauthorizedException",
            Self::TooManyRequests => "TooManyRequestsException",
            Self::ResourceNotFound => "ResourceNotFoundException",
            Self::InternalServer => "InternalServerException",
            Self::ServiceUnavailable => "ServiceUnavailableException",
            Self::UnknownOperation => "UnknownOperationException",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::InvalidRequest => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::ResourceNotFound | Self::UnknownOperation => StatusCode::NOT_FOUND,
            Self::InternalServer => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// An error answer: status, error code for `x-amzn-ErrorType`, and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    status: StatusCode,
    header: String,
    body: Value,
}

impl ApiError {
    /// An SSO-OIDC error with an `error_description`.
    pub(crate) fn oidc(kind: OidcError, description: &str) -> Self {
        Self {
            status: kind.status(),
            header: format!(
                "{}:http://internal.amazon.com/coral/{OIDC_NAMESPACE}/",
                kind.code()
            ),
            body: json!({ "error": kind.oauth_error(), "error_description": description }),
        }
    }

    /// A portal error with a `message`.
    pub(crate) fn portal(kind: PortalError, message: &str) -> Self {
        Self {
            status: kind.status(),
            header: format!(
                "{}:http://internal.amazon.com/coral/{PORTAL_NAMESPACE}/",
                kind.code()
            ),
            body: json!({ "message": message }),
        }
    }

    /// The portal's answer to a missing, unknown, expired or revoked access token.
    pub(crate) fn unauthorized() -> Self {
        Self::portal(
            PortalError::Unauthorized,
            "Session token not found or invalid",
        )
    }

    /// Replaces the status (failure injection with an unusual status code).
    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub(crate) fn into_response(self) -> Resp {
        let mut resp = json_response(self.status, &self.body);
        if let Ok(value) = HeaderValue::from_str(&self.header) {
            resp.headers_mut().insert("x-amzn-errortype", value);
        }
        resp
    }
}

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A 200 response with an empty body (Logout).
pub(crate) fn empty_response() -> Resp {
    Response::new(Full::new(Bytes::new()))
}

/// An HTML page.
pub(crate) fn html_response(status: StatusCode, html: String) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::from(html)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

/// A 302 to `location`.
pub(crate) fn redirect_response(location: &str) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::FOUND;
    if let Ok(value) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, value);
    }
    resp
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
