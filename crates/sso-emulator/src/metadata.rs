//! The container-credentials endpoint (`GET /container/credentials`, what ECS and EKS Pod
//! Identity agents serve) and IMDSv2 (`PUT /latest/api/token`, then the role list and the role's
//! credentials under `/latest/meta-data/iam/security-credentials/`), on the same listener.
//!
//! The container endpoint requires the `Authorization` header to equal the
//! `container_authorization_token` knob byte for byte; IMDS requires a live session token in
//! `x-aws-ec2-metadata-token` (IMDSv1 requests are refused with 401, as on instances that
//! require IMDSv2). Credentials are issued through the same table as STS's, so they can sign a
//! following `AssumeRole`. Errors are short plain-text bodies, as those services send.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;
use serde_json::json;

use crate::keys::{Principal, STATIC_USER_ACCOUNT, rfc3339};
use crate::router::Req;
use crate::secret::Secret;
use crate::state::{Inner, Shared};
use crate::wire::{Resp, json_response};

/// The path prefix of the IMDS credential documents.
pub(crate) const IMDS_CREDENTIALS_PREFIX: &str = "/latest/meta-data/iam/security-credentials/";
/// The IMDSv2 token TTL header.
const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
/// The IMDSv2 token header.
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
/// The longest IMDSv2 token TTL (six hours).
const MAX_TTL_SECS: u64 = 21_600;
/// Lifetime of container and instance credentials (both services hand out about six hours).
const CREDENTIALS_LIFETIME_SECS: u64 = 6 * 3600;

/// A plain-text answer.
pub(crate) fn text_response(status: StatusCode, text: &str) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::from(text.to_owned())));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

/// `GET /container/credentials`.
pub(crate) fn container_credentials(shared: &Shared, req: &Req) -> Resp {
    let mut inner = shared.lock();
    let sent = req
        .headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    if sent != Some(inner.config.container_authorization_token.as_bytes()) {
        return text_response(
            StatusCode::UNAUTHORIZED,
            "Authorization header is missing or does not match\n",
        );
    }
    let role = inner.config.container_role.clone();
    let (arn, body) = issue(&mut inner, &role, "emulator-container");
    let mut body = body;
    body["RoleArn"] = json!(arn);
    json_response(StatusCode::OK, &body)
}

/// `PUT /latest/api/token`.
pub(crate) fn imds_token(shared: &Shared, req: &Req) -> Resp {
    let ttl = req
        .headers
        .get(TTL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ttl| (1..=MAX_TTL_SECS).contains(ttl));
    let Some(ttl) = ttl else {
        return text_response(
            StatusCode::BAD_REQUEST,
            "x-aws-ec2-metadata-token-ttl-seconds must be between 1 and 21600\n",
        );
    };
    let mut inner = shared.lock();
    let token = Secret::new(inner.random_token("emu-imds-", 48));
    let ttl_ms = i64::try_from(ttl.saturating_mul(1000)).unwrap_or(i64::MAX);
    let expires = inner.now_ms().saturating_add(ttl_ms);
    let now = inner.now_ms();
    inner.imds_tokens.retain(|_, at| *at > now);
    inner.imds_tokens.insert(token.clone(), expires);
    let mut resp = text_response(StatusCode::OK, token.expose());
    if let Ok(value) = HeaderValue::from_str(&ttl.to_string()) {
        resp.headers_mut().insert(TTL_HEADER, value);
    }
    resp
}

/// `GET /latest/meta-data/iam/security-credentials/` and `.../{role}`.
pub(crate) fn imds_credentials(shared: &Shared, req: &Req, role: Option<&str>) -> Resp {
    let mut inner = shared.lock();
    let now = inner.now_ms();
    let live = req
        .headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|token| inner.imds_tokens.get(token))
        .is_some_and(|at| *at > now);
    if !live {
        return text_response(StatusCode::UNAUTHORIZED, "Unauthorized\n");
    }
    let configured = inner.config.imds_role.clone();
    match role {
        None => text_response(StatusCode::OK, &configured),
        Some(role) if role == configured => {
            let (_, mut body) = issue(&mut inner, &configured, "i-0emulator0instance");
            let updated = rfc3339(now);
            body["Code"] = json!("Success");
            body["LastUpdated"] = json!(updated);
            body["Type"] = json!("AWS-HMAC");
            json_response(StatusCode::OK, &body)
        }
        Some(_) => text_response(StatusCode::NOT_FOUND, "Not Found\n"),
    }
}

/// Issues credentials for `role` in the first seeded account; the role ARN and the JSON
/// document both endpoints share.
fn issue(inner: &mut Inner, role: &str, session: &str) -> (String, serde_json::Value) {
    let principal = Principal::assumed_role(STATIC_USER_ACCOUNT, role, session);
    let arn = format!("arn:aws:iam::{STATIC_USER_ACCOUNT}:role/{role}");
    let issued = inner.issue_credentials(role, principal, CREDENTIALS_LIFETIME_SECS);
    let body = json!({
        "AccessKeyId": issued.access_key_id,
        "SecretAccessKey": issued.secret_access_key.expose(),
        "Token": issued.session_token.expose(),
        "AccountId": STATIC_USER_ACCOUNT,
        "Expiration": rfc3339(issued.expires_at_ms),
    });
    (arn, body)
}
