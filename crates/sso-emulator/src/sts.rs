//! The emulated STS: `AssumeRole`, `AssumeRoleWithWebIdentity` and `GetCallerIdentity` over the
//! query protocol (`POST /` with a form body `Action=…&Version=2011-06-15&…`), answering with
//! STS's XML documents and `<ErrorResponse>` errors.
//!
//! Signed operations are verified by [`crate::sigv4`] against the secret of the access key in
//! the `Authorization` header: credentials the emulator issued (GetRoleCredentials, AssumeRole,
//! web identity, container, IMDS) or the configured static pair. Temporary credentials must come
//! with their `X-Amz-Security-Token` and must not have expired. Every call is recorded
//! ([`StsCall`]) so tests can see which role signed the next hop and what reached STS.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

use crate::keys::{Issued, Principal, rfc3339};
use crate::router::Req;
use crate::sigv4::{self, Rejection};
use crate::state::{Inner, Shared};
use crate::stats::Operation;
use crate::wire::{Resp, escape_html};

/// The XML namespace of every STS document.
const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The only API version.
const VERSION: &str = "2011-06-15";
/// STS's default session length and the bounds of `DurationSeconds`.
const DEFAULT_DURATION_SECS: u64 = 3600;
const MIN_DURATION_SECS: u64 = 900;
const MAX_DURATION_SECS: u64 = 43_200;

/// One call that reached an STS handler (after the knobs), as the emulator understood it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StsCall {
    /// Which operation.
    pub operation: Operation,
    /// `RoleArn`, for the assume operations.
    pub role_arn: Option<String>,
    /// `RoleSessionName`.
    pub role_session_name: Option<String>,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `DurationSeconds`.
    pub duration_seconds: Option<String>,
    /// `SerialNumber` (the MFA device).
    pub serial_number: Option<String>,
    /// `TokenCode` (the MFA one-time code); redacted in `Debug`.
    pub token_code: Option<String>,
    /// The access key id that signed the request (`None` for web identity).
    pub caller_access_key_id: Option<String>,
    /// The ARN of the principal that signed the request.
    pub caller_arn: Option<String>,
    /// The access key id issued in the answer, when the call succeeded.
    pub issued_access_key_id: Option<String>,
    /// The STS error code of the answer, when the call failed.
    pub error_code: Option<String>,
}

impl fmt::Debug for StsCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsCall")
            .field("operation", &self.operation)
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .field("external_id", &self.external_id)
            .field("duration_seconds", &self.duration_seconds)
            .field("serial_number", &self.serial_number)
            .field(
                "token_code",
                &self.token_code.as_ref().map(|_| "<redacted>"),
            )
            .field("caller_access_key_id", &self.caller_access_key_id)
            .field("caller_arn", &self.caller_arn)
            .field("issued_access_key_id", &self.issued_access_key_id)
            .field("error_code", &self.error_code)
            .finish()
    }
}

impl StsCall {
    fn new(operation: Operation, params: &Params) -> Self {
        Self {
            operation,
            role_arn: params.get("RoleArn").map(str::to_owned),
            role_session_name: params.get("RoleSessionName").map(str::to_owned),
            external_id: params.get("ExternalId").map(str::to_owned),
            duration_seconds: params.get("DurationSeconds").map(str::to_owned),
            serial_number: params.get("SerialNumber").map(str::to_owned),
            token_code: params.get("TokenCode").map(str::to_owned),
            caller_access_key_id: None,
            caller_arn: None,
            issued_access_key_id: None,
            error_code: None,
        }
    }
}

/// The STS errors the emulator answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StsErrorKind {
    MissingAuthenticationToken,
    IncompleteSignature,
    InvalidClientTokenId,
    SignatureDoesNotMatch,
    ExpiredToken,
    AccessDenied,
    ValidationError,
    InvalidAction,
    MissingParameter,
    InvalidIdentityToken,
    Throttling,
    InternalFailure,
    ServiceUnavailable,
}

impl StsErrorKind {
    fn code(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationToken",
            Self::IncompleteSignature => "IncompleteSignature",
            Self::InvalidClientTokenId => "InvalidClientTokenId",
            Self::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            Self::ExpiredToken => "ExpiredToken",
            Self::AccessDenied => "AccessDenied",
            Self::ValidationError => "ValidationError",
            Self::InvalidAction => "InvalidAction",
            Self::MissingParameter => "MissingParameter",
            Self::InvalidIdentityToken => "InvalidIdentityToken",
            Self::Throttling => "Throttling",
            Self::InternalFailure => "InternalFailure",
            Self::ServiceUnavailable => "ServiceUnavailable",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::MissingAuthenticationToken
            | Self::InvalidClientTokenId
            | Self::SignatureDoesNotMatch
            | Self::AccessDenied => StatusCode::FORBIDDEN,
            Self::InternalFailure => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// `Sender` for the caller's mistakes, `Receiver` for the service's.
    fn fault(self) -> &'static str {
        match self {
            Self::InternalFailure | Self::ServiceUnavailable => "Receiver",
            _ => "Sender",
        }
    }
}

/// An STS error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StsError {
    kind: StsErrorKind,
    message: String,
    status: Option<StatusCode>,
}

impl StsError {
    pub(crate) fn new(kind: StsErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: None,
        }
    }

    /// Replaces the status (failure injection with an unusual status code).
    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
    pub(crate) fn into_response(self, request_id: &str) -> Resp {
        let body = format!(
            "<ErrorResponse xmlns=\"{NAMESPACE}\">\n  <Error>\n    <Type>{}</Type>\n    \
             <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  \
             <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
            self.kind.fault(),
            self.kind.code(),
            escape_html(&self.message),
        );
        xml_response(
            self.status.unwrap_or_else(|| self.kind.status()),
            request_id,
            body,
        )
    }
}

/// The form parameters of a query-protocol request (the body; the query string as well).
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn of(req: &Req) -> Self {
        let mut pairs: Vec<(String, String)> = req.query.clone();
        pairs.extend(url::form_urlencoded::parse(&req.body).into_owned());
        Self(pairs)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> Result<&str, StsError> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            StsError::new(
                StsErrorKind::MissingParameter,
                format!("The request must contain the parameter {name}"),
            )
        })
    }

    /// The account of a well-formed `RoleArn`, for failure rules restricted to an account.
    pub(crate) fn role_account(&self) -> Option<&str> {
        self.get("RoleArn")
            .and_then(|arn| role_arn_parts(arn).ok())
            .map(|(account, _)| account)
    }
}

/// The operation a request to `POST /` asks for, or the error to answer.
pub(crate) fn operation_of(params: &Params) -> Result<Operation, StsError> {
    let action = params.required("Action")?;
    let operation = Operation::sts(action).ok_or_else(|| {
        StsError::new(
            StsErrorKind::InvalidAction,
            format!("Could not find operation {action} for version {VERSION}"),
        )
    })?;
    match params.get("Version") {
        Some(VERSION) => Ok(operation),
        Some(other) => Err(StsError::new(
            StsErrorKind::InvalidAction,
            format!("Could not find operation {action} for version {other}"),
        )),
        None => Err(StsError::new(
            StsErrorKind::MissingParameter,
            "The request must contain the parameter Version",
        )),
    }
}

/// Runs the STS `operation` and records the call.
pub(crate) fn handle(shared: &Shared, req: &Req, operation: Operation, params: &Params) -> Resp {
    let mut inner = shared.lock();
    let request_id = request_id(&mut inner);
    let mut call = StsCall::new(operation, params);
    let result = match operation {
        Operation::AssumeRole => assume_role(&mut inner, req, params, &mut call),
        Operation::AssumeRoleWithWebIdentity => web_identity(&mut inner, params, &mut call),
        _ => caller_identity(&mut inner, req, &mut call),
    };
    let response = match result {
        Ok(body) => {
            let name = operation.name();
            let body = format!(
                "<{name}Response xmlns=\"{NAMESPACE}\">\n  <{name}Result>\n{body}  </{name}Result>\n  \
                 <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n\
                 </{name}Response>\n"
            );
            xml_response(StatusCode::OK, &request_id, body)
        }
        Err(err) => {
            call.error_code = Some(err.kind.code().to_owned());
            err.into_response(&request_id)
        }
    };
    inner.sts_calls_log.push(call);
    response
}

/// The answer of an injected failure or of the throttling knob.
pub(crate) fn knob_answer(shared: &Shared, err: StsError) -> Resp {
    let request_id = request_id(&mut shared.lock());
    err.into_response(&request_id)
}

/// The principal of a verified signed request.
fn authenticate(inner: &Inner, req: &Req, call: &mut StsCall) -> Result<Principal, StsError> {
    let auth = sigv4::parse_authorization(req).map_err(rejection)?;
    call.caller_access_key_id = Some(auth.access_key_id.clone());
    if auth.service != "sts" {
        return Err(StsError::new(
            StsErrorKind::SignatureDoesNotMatch,
            format!(
                "Credential should be scoped to correct service: 'sts', not '{}'",
                auth.service
            ),
        ));
    }
    let key = inner.key(&auth.access_key_id).ok_or_else(|| {
        StsError::new(
            StsErrorKind::InvalidClientTokenId,
            "The security token included in the request is invalid.",
        )
    })?;
    sigv4::verify(req, &auth, key.secret_access_key.expose()).map_err(rejection)?;
    if let Some(expected) = &key.session_token {
        let sent = req
            .headers
            .get("x-amz-security-token")
            .and_then(|v| v.to_str().ok());
        if sent != Some(expected.expose()) {
            return Err(StsError::new(
                StsErrorKind::InvalidClientTokenId,
                "The security token included in the request is invalid.",
            ));
        }
        if !auth
            .signed_headers
            .iter()
            .any(|h| h == "x-amz-security-token")
        {
            return Err(StsError::new(
                StsErrorKind::SignatureDoesNotMatch,
                "X-Amz-Security-Token must be signed",
            ));
        }
    }
    if key.expires_at_ms.is_some_and(|at| at <= inner.now_ms()) {
        return Err(StsError::new(
            StsErrorKind::ExpiredToken,
            "The security token included in the request is expired",
        ));
    }
    call.caller_arn = Some(key.principal.arn.clone());
    Ok(key.principal)
}

fn rejection(rejection: Rejection) -> StsError {
    match rejection {
        Rejection::Missing => StsError::new(
            StsErrorKind::MissingAuthenticationToken,
            "Request is missing Authentication Token",
        ),
        Rejection::Malformed(detail) => StsError::new(StsErrorKind::IncompleteSignature, detail),
        Rejection::Mismatch => StsError::new(
            StsErrorKind::SignatureDoesNotMatch,
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details.",
        ),
    }
}

/// `(account, role name)` of `arn:aws:iam::123456789012:role/path/Name`.
fn role_arn_parts(arn: &str) -> Result<(&str, &str), StsError> {
    let invalid = || StsError::new(StsErrorKind::ValidationError, format!("{arn} is invalid"));
    let rest = arn.strip_prefix("arn:").ok_or_else(invalid)?;
    let mut parts = rest.splitn(5, ':');
    let (Some(_partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(invalid());
    };
    let name = resource
        .strip_prefix("role/")
        .and_then(|path| path.rsplit('/').next())
        .filter(|name| !name.is_empty())
        .ok_or_else(invalid)?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    Ok((account, name))
}

/// `RoleSessionName`: 2–64 characters of `[\w+=,.@-]`.
fn session_name(params: &Params) -> Result<&str, StsError> {
    let name = params.required("RoleSessionName")?;
    let valid = (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if valid {
        Ok(name)
    } else {
        Err(StsError::new(
            StsErrorKind::ValidationError,
            "1 validation error detected: Value at 'roleSessionName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        ))
    }
}

/// `DurationSeconds` within 900–43200, or the default hour.
fn duration(params: &Params) -> Result<u64, StsError> {
    match params.get("DurationSeconds") {
        None => Ok(DEFAULT_DURATION_SECS),
        Some(raw) => raw
            .parse::<u64>()
            .ok()
            .filter(|d| (MIN_DURATION_SECS..=MAX_DURATION_SECS).contains(d))
            .ok_or_else(|| {
                StsError::new(
                    StsErrorKind::ValidationError,
                    "1 validation error detected: Value at 'durationSeconds' failed to satisfy \
                     constraint: Member must have value between 900 and 43200",
                )
            }),
    }
}

fn assume_role(
    inner: &mut Inner,
    req: &Req,
    params: &Params,
    call: &mut StsCall,
) -> Result<String, StsError> {
    let caller = authenticate(inner, req, call)?;
    let role_arn = params.required("RoleArn")?;
    let (account, role) = role_arn_parts(role_arn)?;
    let session = session_name(params)?;
    let lifetime = duration(params)?;
    match (params.get("SerialNumber"), params.get("TokenCode")) {
        (None, None) => {}
        (Some(_), Some(code)) => {
            let accepted = match &inner.config.mfa_code {
                Some(expected) => code == expected,
                None => code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
            };
            if !accepted {
                return Err(StsError::new(
                    StsErrorKind::AccessDenied,
                    "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                ));
            }
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(StsError::new(
                StsErrorKind::AccessDenied,
                format!(
                    "User: {} is not authorized to perform: sts:AssumeRole on resource: \
                     {role_arn}: MultiFactorAuthentication needs both SerialNumber and TokenCode",
                    caller.arn
                ),
            ));
        }
    }
    let principal = Principal::assumed_role(account, role, session);
    let user = assumed_role_user(&principal);
    let issued = inner.issue_credentials(role, principal, lifetime);
    call.issued_access_key_id = Some(issued.access_key_id.clone());
    Ok(format!("{user}{}", credentials_xml(&issued)))
}

fn web_identity(
    inner: &mut Inner,
    params: &Params,
    call: &mut StsCall,
) -> Result<String, StsError> {
    let role_arn = params.required("RoleArn")?;
    let (account, role) = role_arn_parts(role_arn)?;
    let session = session_name(params)?;
    let lifetime = duration(params)?;
    let token = params.required("WebIdentityToken")?;
    let claims = jwt_claims(token).ok_or_else(|| {
        StsError::new(
            StsErrorKind::InvalidIdentityToken,
            "The ID Token provided is not a valid JWT. (You may see this error if you sent an \
             Access Token)",
        )
    })?;
    let claim = |name: &str| {
        claims
            .get(name)
            .and_then(|v| v.as_str().map(str::to_owned))
            .or_else(|| {
                // `aud` may be a list.
                claims
                    .get(name)?
                    .as_array()?
                    .first()?
                    .as_str()
                    .map(str::to_owned)
            })
    };
    let subject = claim("sub").unwrap_or_else(|| "emulator-subject".to_owned());
    let audience = claim("aud").unwrap_or_else(|| "sts.amazonaws.com".to_owned());
    let provider = claim("iss").unwrap_or_else(|| "emulator.invalid".to_owned());
    let principal = Principal::assumed_role(account, role, session);
    let user = assumed_role_user(&principal);
    let issued = inner.issue_credentials(role, principal, lifetime);
    call.issued_access_key_id = Some(issued.access_key_id.clone());
    Ok(format!(
        "    <SubjectFromWebIdentityToken>{}</SubjectFromWebIdentityToken>\n    \
         <Audience>{}</Audience>\n{user}{}    <Provider>{}</Provider>\n",
        escape_html(&subject),
        escape_html(&audience),
        credentials_xml(&issued),
        escape_html(&provider),
    ))
}

fn caller_identity(inner: &mut Inner, req: &Req, call: &mut StsCall) -> Result<String, StsError> {
    let principal = authenticate(inner, req, call)?;
    Ok(format!(
        "    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n",
        escape_html(&principal.arn),
        escape_html(&principal.user_id),
        escape_html(&principal.account),
    ))
}

/// The claims of a JWT-shaped token (three dot-separated parts, a JSON object in the middle),
/// without checking the signature: the emulator trusts every identity provider.
fn jwt_claims(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(claims) => Some(claims),
        _ => None,
    }
}

fn assumed_role_user(principal: &Principal) -> String {
    format!(
        "    <AssumedRoleUser>\n      <AssumedRoleId>{}</AssumedRoleId>\n      \
         <Arn>{}</Arn>\n    </AssumedRoleUser>\n",
        escape_html(&principal.user_id),
        escape_html(&principal.arn),
    )
}

fn credentials_xml(issued: &Issued) -> String {
    format!(
        "    <Credentials>\n      <AccessKeyId>{}</AccessKeyId>\n      \
         <SecretAccessKey>{}</SecretAccessKey>\n      <SessionToken>{}</SessionToken>\n      \
         <Expiration>{}</Expiration>\n    </Credentials>\n",
        issued.access_key_id,
        escape_html(issued.secret_access_key.expose()),
        escape_html(issued.session_token.expose()),
        rfc3339(issued.expires_at_ms),
    )
}

/// A request id in STS's UUID shape.
fn request_id(inner: &mut Inner) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    let raw = inner.random_string("", HEX, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &raw[..8],
        &raw[8..12],
        &raw[12..16],
        &raw[16..20],
        &raw[20..]
    )
}

fn xml_response(status: StatusCode, request_id: &str, body: String) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-amzn-requestid", value);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert_eq!(
            role_arn_parts("arn:aws:iam::123456789012:role/Admin").unwrap(),
            ("123456789012", "Admin")
        );
        assert_eq!(
            role_arn_parts("arn:aws:iam::123456789012:role/team/x/Dev").unwrap(),
            ("123456789012", "Dev")
        );
        for bad in [
            "arn:aws:iam::12345:role/Admin",
            "arn:aws:iam::123456789012:user/Admin",
            "arn:aws:s3:::bucket",
            "Admin",
        ] {
            assert!(role_arn_parts(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn jwt_claims_need_three_parts_and_a_json_payload() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"me","aud":["a"]}"#);
        let claims = jwt_claims(&format!("e30.{payload}.sig")).unwrap();
        assert_eq!(claims["sub"], "me");
        assert!(jwt_claims("not-a-jwt").is_none());
        assert!(jwt_claims("a.b.c").is_none());
    }

    #[test]
    fn debug_redacts_the_mfa_code() {
        let params = Params(vec![("TokenCode".to_owned(), "123456".to_owned())]);
        let call = StsCall::new(Operation::AssumeRole, &params);
        assert!(!format!("{call:?}").contains("123456"));
    }
}
