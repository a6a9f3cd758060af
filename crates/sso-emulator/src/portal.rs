//! The SSO portal service: `ListAccounts`, `ListAccountRoles`, `GetRoleCredentials` and
//! `Logout`, authenticated by the `x-amz-sso_bearer_token` header (docs/protocol.md §3).
//!
//! Role credentials are issued through the same table as STS's (their access key id names the
//! role), so they can sign a following `AssumeRole`.
//!
//! Pagination uses opaque `next_token`s that encode the listing and the offset; the page size
//! is `max_result` (1–100) or the `page_size` knob.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use serde_json::{Value, json};

use crate::keys::Principal;
use crate::router::Req;
use crate::state::{Inner, Shared};
use crate::wire::{ApiError, PortalError, Resp, empty_response, json_response};

/// The session name of role credentials (AWS uses the signed-in user's name).
const SSO_SESSION_NAME: &str = "emulator-user";

/// The header that carries the access token.
const BEARER_HEADER: &str = "x-amz-sso_bearer_token";

/// The session of the request's access token, or 401 `UnauthorizedException`.
fn authenticate(inner: &Inner, req: &Req) -> Result<u64, ApiError> {
    req.headers
        .get(BEARER_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|token| inner.session_of(token))
        .ok_or_else(ApiError::unauthorized)
}

fn invalid_request(message: &str) -> ApiError {
    ApiError::portal(PortalError::InvalidRequest, message)
}

/// A required query parameter, or `InvalidRequestException` naming it.
fn required_param<'a>(req: &'a Req, name: &str) -> Result<&'a str, ApiError> {
    req.query_param(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid_request(&format!("{name} is required")))
}

/// The requested page: `(offset, size)` from `next_token` and `max_result`. `listing` names what
/// is listed, so a token from one listing is rejected by another.
fn page_of(inner: &Inner, req: &Req, listing: &str) -> Result<(usize, usize), ApiError> {
    let size = match req.query_param("max_result") {
        None => inner.config.page_size,
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| invalid_request("max_result must be an integer between 1 and 100"))?,
    };
    let offset = match req.query_param("next_token") {
        None | Some("") => 0,
        Some(token) => URL_SAFE_NO_PAD
            .decode(token.trim_start_matches("emu-next-"))
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| {
                text.strip_prefix(&format!("{listing}|"))?
                    .parse::<usize>()
                    .ok()
            })
            .ok_or_else(|| invalid_request("Invalid next token"))?,
    };
    Ok((offset, size as usize))
}

/// The token for the page starting at `offset` of `listing`.
fn next_token(listing: &str, offset: usize) -> String {
    format!(
        "emu-next-{}",
        URL_SAFE_NO_PAD.encode(format!("{listing}|{offset}"))
    )
}

/// Builds `{"<key>": items[offset..offset+size], "nextToken"?}`.
fn page_response(key: &str, items: Vec<Value>, total: usize, offset: usize, listing: &str) -> Resp {
    let end = offset + items.len();
    let mut body = json!({ key: items });
    if end < total {
        body["nextToken"] = json!(next_token(listing, end));
    }
    json_response(StatusCode::OK, &body)
}

/// `GET /assignment/accounts`.
pub(crate) fn list_accounts(shared: &Shared, req: &Req) -> Result<Resp, ApiError> {
    let mut inner = shared.lock();
    authenticate(&inner, req)?;
    let (offset, size) = page_of(&inner, req, "accounts")?;
    let accounts = &inner.directory().accounts;
    let items = accounts
        .iter()
        .skip(offset)
        .take(size)
        .map(|a| json!({ "accountId": a.id, "accountName": a.name, "emailAddress": a.email }))
        .collect();
    Ok(page_response(
        "accountList",
        items,
        accounts.len(),
        offset,
        "accounts",
    ))
}

/// `GET /assignment/roles`.
pub(crate) fn list_account_roles(shared: &Shared, req: &Req) -> Result<Resp, ApiError> {
    let mut inner = shared.lock();
    authenticate(&inner, req)?;
    let account_id = required_param(req, "account_id")?;
    let listing = format!("roles:{account_id}");
    let (offset, size) = page_of(&inner, req, &listing)?;
    let directory = inner.directory();
    if !directory.has_account(account_id) {
        return Err(ApiError::portal(
            PortalError::ResourceNotFound,
            "Account not found",
        ));
    }
    let items = directory
        .roles
        .iter()
        .skip(offset)
        .take(size)
        .map(|role| json!({ "roleName": role, "accountId": account_id }))
        .collect();
    Ok(page_response(
        "roleList",
        items,
        directory.roles.len(),
        offset,
        &listing,
    ))
}

/// `GET /federation/credentials`.
pub(crate) fn get_role_credentials(shared: &Shared, req: &Req) -> Result<Resp, ApiError> {
    let mut inner = shared.lock();
    authenticate(&inner, req)?;
    let role_name = required_param(req, "role_name")?;
    let account_id = required_param(req, "account_id")?;
    if !inner.directory().has_role(account_id, role_name) {
        return Err(ApiError::portal(PortalError::ResourceNotFound, "No access"));
    }
    let (account_id, role_name) = (account_id.to_owned(), role_name.to_owned());
    let principal = Principal::assumed_role(&account_id, &role_name, SSO_SESSION_NAME);
    let lifetime = inner.config.role_credentials_lifetime_secs;
    let issued = inner.issue_credentials(&role_name, principal, lifetime);
    let body = json!({ "roleCredentials": {
        "accessKeyId": issued.access_key_id,
        "secretAccessKey": issued.secret_access_key.expose(),
        "sessionToken": issued.session_token.expose(),
        "expiration": issued.expires_at_ms,
    }});
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /logout`: revokes the access token and every token of its session.
pub(crate) fn logout(shared: &Shared, req: &Req) -> Result<Resp, ApiError> {
    let mut inner = shared.lock();
    let session = authenticate(&inner, req)?;
    inner.revoke_session(session);
    Ok(empty_response())
}
