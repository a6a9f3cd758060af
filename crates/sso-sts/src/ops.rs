//! The three operations: request builders (query protocol, `POST /`, form body) and response
//! parsers (XML), per `sts.json` and protocol.md §11.3.4, §11.6 and §11.11.

use http::header::{CONTENT_TYPE, HOST};
use http::{HeaderValue, Method};
use sso_base::{MfaCode, SecretAccessKey, SessionToken, Timestamp, WebIdentityToken};

use crate::endpoint::StsEndpoint;
use crate::error::{SignError, StsOperation, StsResponseError};
use crate::sign::{SigningCredentials, host_header, sign_request};
use crate::xml::{self, Element};

/// The STS API version every request names.
pub const API_VERSION: &str = "2011-06-15";

/// The query protocol's content type, as botocore sends it.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// `AssumeRole` input: the members a profile can set (protocol.md §11.3.1), plus `Policy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleParams {
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName` (required by STS; the caller generates a default).
    pub role_session_name: String,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `DurationSeconds` (STS accepts 900 to 43200).
    pub duration_seconds: Option<u32>,
    /// `SerialNumber`: the MFA device's serial or ARN.
    pub serial_number: Option<String>,
    /// `TokenCode`: the MFA code, sent with `SerialNumber`.
    pub token_code: Option<MfaCode>,
    /// `Policy`: an inline session policy (JSON text).
    pub policy: Option<String>,
}

impl AssumeRoleParams {
    /// Just the role and the session name.
    #[must_use]
    pub fn new(role_arn: impl Into<String>, role_session_name: impl Into<String>) -> Self {
        Self {
            role_arn: role_arn.into(),
            role_session_name: role_session_name.into(),
            external_id: None,
            duration_seconds: None,
            serial_number: None,
            token_code: None,
            policy: None,
        }
    }
}

/// `AssumeRoleWithWebIdentity` input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebIdentityParams {
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName`.
    pub role_session_name: String,
    /// `WebIdentityToken`: the token file's content, sent unchanged (a trailing newline too).
    pub web_identity_token: WebIdentityToken,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
    /// `Policy`.
    pub policy: Option<String>,
}

/// `Credentials` of an assume-role response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsCredentials {
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `SecretAccessKey`.
    pub secret_access_key: SecretAccessKey,
    /// `SessionToken`.
    pub session_token: SessionToken,
    /// `Expiration`.
    pub expiration: Timestamp,
}

impl StsCredentials {
    /// These credentials as the signing credentials of the next hop of a role chain.
    #[must_use]
    pub fn to_signing_credentials(&self) -> SigningCredentials {
        SigningCredentials {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: Some(self.session_token.clone()),
        }
    }
}

/// `AssumedRoleUser`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumedRoleUser {
    /// `AssumedRoleId`: `AROA…:<session name>`.
    pub assumed_role_id: String,
    /// `Arn`: `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
}

impl AssumedRoleUser {
    /// The account of the ARN (its fifth field), as botocore's `_add_account_id_to_response`.
    #[must_use]
    pub fn account_id(&self) -> Option<&str> {
        account_of_arn(&self.arn)
    }
}

/// The account id in an ARN's fifth field, if it has one.
#[must_use]
pub fn account_of_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|account| !account.is_empty())
}

/// The output of `AssumeRole` and `AssumeRoleWithWebIdentity`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssumedRole {
    /// `Credentials`.
    pub credentials: StsCredentials,
    /// `AssumedRoleUser`.
    pub assumed_role_user: Option<AssumedRoleUser>,
    /// `PackedPolicySize`.
    pub packed_policy_size: Option<u32>,
    /// `SourceIdentity`.
    pub source_identity: Option<String>,
    /// `SubjectFromWebIdentityToken` (web identity only).
    pub subject_from_web_identity_token: Option<String>,
    /// `Provider` (web identity only).
    pub provider: Option<String>,
    /// `Audience` (web identity only).
    pub audience: Option<String>,
    /// `ResponseMetadata/RequestId`.
    pub request_id: Option<String>,
}

/// The output of `GetCallerIdentity`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallerIdentity {
    /// `UserId`.
    pub user_id: String,
    /// `Account`.
    pub account: String,
    /// `Arn`.
    pub arn: String,
    /// `ResponseMetadata/RequestId`.
    pub request_id: Option<String>,
}

/// Builds the signed `AssumeRole` request.
///
/// # Errors
///
/// The signer refused the inputs.
pub fn assume_role_request(
    endpoint: &StsEndpoint,
    params: &AssumeRoleParams,
    credentials: &SigningCredentials,
    now: Timestamp,
) -> Result<http::Request<Vec<u8>>, SignError> {
    let operation = StsOperation::AssumeRole;
    let duration = params.duration_seconds.map(|d| d.to_string());
    let mut form = Form::new(operation);
    form.pair("RoleArn", &params.role_arn);
    form.pair("RoleSessionName", &params.role_session_name);
    form.opt("Policy", params.policy.as_deref());
    form.opt("DurationSeconds", duration.as_deref());
    form.opt("ExternalId", params.external_id.as_deref());
    form.opt("SerialNumber", params.serial_number.as_deref());
    form.opt(
        "TokenCode",
        params.token_code.as_ref().map(MfaCode::expose_secret),
    );
    let mut request = form.into_request(endpoint);
    sign_request(
        operation,
        &mut request,
        credentials,
        &endpoint.signing_region,
        now,
    )?;
    Ok(request)
}

/// Builds the `AssumeRoleWithWebIdentity` request. It is sent unsigned (the model's
/// `smithy.api#noAuth`): the token is the credential.
#[must_use]
pub fn assume_role_with_web_identity_request(
    endpoint: &StsEndpoint,
    params: &WebIdentityParams,
) -> http::Request<Vec<u8>> {
    let duration = params.duration_seconds.map(|d| d.to_string());
    let mut form = Form::new(StsOperation::AssumeRoleWithWebIdentity);
    form.pair("RoleArn", &params.role_arn);
    form.pair("RoleSessionName", &params.role_session_name);
    form.pair(
        "WebIdentityToken",
        params.web_identity_token.expose_secret(),
    );
    form.opt("Policy", params.policy.as_deref());
    form.opt("DurationSeconds", duration.as_deref());
    form.into_request(endpoint)
}

/// Builds the signed `GetCallerIdentity` request.
///
/// # Errors
///
/// The signer refused the inputs.
pub fn get_caller_identity_request(
    endpoint: &StsEndpoint,
    credentials: &SigningCredentials,
    now: Timestamp,
) -> Result<http::Request<Vec<u8>>, SignError> {
    let operation = StsOperation::GetCallerIdentity;
    let mut request = Form::new(operation).into_request(endpoint);
    sign_request(
        operation,
        &mut request,
        credentials,
        &endpoint.signing_region,
        now,
    )?;
    Ok(request)
}

/// Parses an `AssumeRole` response (any status).
///
/// # Errors
///
/// STS's error, or a body without the required members.
pub fn parse_assume_role(
    response: &http::Response<Vec<u8>>,
) -> Result<AssumedRole, StsResponseError> {
    parse_assumed_role(StsOperation::AssumeRole, response)
}

/// Parses an `AssumeRoleWithWebIdentity` response (any status).
///
/// # Errors
///
/// STS's error, or a body without the required members.
pub fn parse_assume_role_with_web_identity(
    response: &http::Response<Vec<u8>>,
) -> Result<AssumedRole, StsResponseError> {
    parse_assumed_role(StsOperation::AssumeRoleWithWebIdentity, response)
}

/// Parses a `GetCallerIdentity` response (any status).
///
/// # Errors
///
/// STS's error, or a body without the required members.
pub fn parse_get_caller_identity(
    response: &http::Response<Vec<u8>>,
) -> Result<CallerIdentity, StsResponseError> {
    let operation = StsOperation::GetCallerIdentity;
    xml::with_result(operation, response, |result, request_id| {
        Ok(CallerIdentity {
            user_id: result.required("UserId")?,
            account: result.required("Account")?,
            arn: result.required("Arn")?,
            request_id,
        })
    })
}

fn parse_assumed_role(
    operation: StsOperation,
    response: &http::Response<Vec<u8>>,
) -> Result<AssumedRole, StsResponseError> {
    xml::with_result(operation, response, |result, request_id| {
        let credentials = result
            .child("Credentials")
            .ok_or("`Credentials` is missing")?;
        let expiration = credentials.required("Expiration")?;
        let credentials = StsCredentials {
            access_key_id: credentials.required("AccessKeyId")?,
            secret_access_key: SecretAccessKey::new(credentials.required("SecretAccessKey")?),
            session_token: SessionToken::new(credentials.required("SessionToken")?),
            expiration: xml::parse_timestamp(&expiration)
                .ok_or("`Expiration` is not an ISO 8601 timestamp")?,
        };
        let assumed_role_user = match result.child("AssumedRoleUser") {
            Some(user) => Some(AssumedRoleUser {
                assumed_role_id: user.required("AssumedRoleId")?,
                arn: user.required("Arn")?,
            }),
            None => None,
        };
        let packed_policy_size = match result.text("PackedPolicySize") {
            Some(size) => Some(
                size.trim()
                    .parse()
                    .map_err(|_| "`PackedPolicySize` is not a number")?,
            ),
            None => None,
        };
        Ok(AssumedRole {
            credentials,
            assumed_role_user,
            packed_policy_size,
            source_identity: result.text("SourceIdentity"),
            subject_from_web_identity_token: result.text("SubjectFromWebIdentityToken"),
            provider: result.text("Provider"),
            audience: result.text("Audience"),
            request_id,
        })
    })
}

/// A query-protocol body under construction: `Action=…&Version=…&…`.
struct Form {
    serializer: url::form_urlencoded::Serializer<'static, String>,
}

impl Form {
    fn new(operation: StsOperation) -> Self {
        let mut serializer = url::form_urlencoded::Serializer::new(String::with_capacity(256));
        serializer.append_pair("Action", operation.name());
        serializer.append_pair("Version", API_VERSION);
        Self { serializer }
    }

    fn pair(&mut self, name: &str, value: &str) {
        self.serializer.append_pair(name, value);
    }

    fn opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.pair(name, value);
        }
    }

    fn into_request(mut self, endpoint: &StsEndpoint) -> http::Request<Vec<u8>> {
        let body = self.serializer.finish().into_bytes();
        let mut request = http::Request::new(body);
        *request.method_mut() = Method::POST;
        *request.uri_mut() = http::Uri::try_from(endpoint.endpoint.as_str())
            .expect("Endpoint::parse admits only valid request targets");
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(FORM_CONTENT_TYPE));
        if let Some(host) = host_header(request.uri()) {
            request.headers_mut().insert(HOST, host);
        }
        request
    }
}

/// The parsers' helper on a result element.
impl Element<'_, '_> {
    fn required(&self, name: &'static str) -> Result<String, String> {
        self.text(name)
            .ok_or_else(|| format!("`{name}` is missing"))
    }
}

#[cfg(test)]
mod tests;
