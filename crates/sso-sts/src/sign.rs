//! SigV4 signing of STS requests with the `aws-sigv4` crate; the time is an argument.

use std::time::UNIX_EPOCH;

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::HeaderValue;
use sso_base::{SecretAccessKey, SessionToken, Timestamp};

use crate::error::{SignError, StsOperation};

/// The service name in the signature's scope.
pub const SIGNING_NAME: &str = "sts";

/// The credentials a request is signed with: static keys, or a session's keys and token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningCredentials {
    /// The access key id (not secret).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretAccessKey,
    /// The session token of temporary credentials, sent as `X-Amz-Security-Token`.
    pub session_token: Option<SessionToken>,
}

/// Signs `request` in place for STS in `region` at `now`: adds `X-Amz-Date`, `Authorization`
/// and, for temporary credentials, `X-Amz-Security-Token` (both marked sensitive).
pub(crate) fn sign_request(
    operation: StsOperation,
    request: &mut http::Request<Vec<u8>>,
    credentials: &SigningCredentials,
    region: &str,
    now: Timestamp,
) -> Result<(), SignError> {
    let failed = |detail: String| SignError::Signing { operation, detail };
    let identity: Identity = aws_credential_types::Credentials::new(
        credentials.access_key_id.clone(),
        credentials.secret_access_key.expose_secret(),
        credentials
            .session_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
        None,
        "sso-sts",
    )
    .into();
    let time = UNIX_EPOCH + now.saturating_duration_since(Timestamp::UNIX_EPOCH);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SIGNING_NAME)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| failed(e.to_string()))?
        .into();
    let uri = request.uri().to_string();
    let headers = request
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)));
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri.as_str(),
        headers,
        SignableBody::Bytes(request.body()),
    )
    .map_err(|e| failed(e.to_string()))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| failed(e.to_string()))?
        .into_parts();
    instructions.apply_to_request_http1x(request);
    for name in ["authorization", "x-amz-security-token"] {
        if let Some(value) = request.headers_mut().get_mut(name) {
            value.set_sensitive(true);
        }
    }
    Ok(())
}

/// The `Host` header for a URI: its authority, as the transport will send it.
pub(crate) fn host_header(uri: &http::Uri) -> Option<HeaderValue> {
    let authority = uri.authority()?;
    HeaderValue::from_str(authority.as_str()).ok()
}
