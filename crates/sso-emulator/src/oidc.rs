//! The SSO-OIDC service: `RegisterClient`, `StartDeviceAuthorization`, `CreateToken` (device
//! code, authorization code with PKCE, refresh token with rotation), the browser endpoint
//! `/authorize` and the device approval page `/device`.
//!
//! Request and response bodies follow the Smithy model `sso-oidc.json` (camelCase JSON);
//! errors follow docs/protocol.md §2.4.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use sha2::{Digest, Sha256};
use url::Url;

use crate::router::Req;
use crate::secret::Secret;
use crate::state::{
    AuthCode, Client, DEVICE_CODE_GRANT, DeviceAuth, DeviceStatus, Inner, IssuedTokens, Shared,
    normalize_user_code,
};
use crate::wire::{
    ApiError, OidcError, Resp, escape_html, html_response, json_response, redirect_response,
};

/// Grant types a client may register.
const KNOWN_GRANT_TYPES: [&str; 3] = ["authorization_code", DEVICE_CODE_GRANT, "refresh_token"];

/// Parses a JSON body; anything unreadable is `InvalidRequestException`, as AWS answers.
fn parse_body<T: DeserializeOwned>(req: &Req) -> Result<T, ApiError> {
    serde_json::from_slice(&req.body)
        .map_err(|_| ApiError::oidc(OidcError::InvalidRequest, "Invalid request"))
}

/// A required string member, or `InvalidRequestException` naming it.
fn required<'a>(value: Option<&'a String>, name: &str) -> Result<&'a str, ApiError> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(ApiError::oidc(
            OidcError::InvalidRequest,
            &format!("{name} is required"),
        )),
    }
}

/// The `grantType` of a CreateToken body, for the counters (read before anything can fail).
pub(crate) fn grant_type_of(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("grantType")?.as_str().map(str::to_owned)
}

/// Finds the client and checks its secret and expiry.
fn authenticate_client<'a>(
    inner: &'a Inner,
    client_id: &str,
    client_secret: &str,
) -> Result<&'a Client, ApiError> {
    let client = inner
        .clients
        .get(client_id)
        .filter(|c| c.secret.expose() == client_secret)
        .ok_or_else(|| ApiError::oidc(OidcError::InvalidClient, "Invalid client"))?;
    if client.expires_at_secs <= inner.now_secs() {
        return Err(ApiError::oidc(
            OidcError::InvalidClient,
            "Client registration has expired",
        ));
    }
    Ok(client)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterClientRequest {
    client_name: Option<String>,
    client_type: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    issuer_url: Option<String>,
}

/// `POST /client/register`.
pub(crate) fn register_client(shared: &Shared, req: &Req) -> Result<Resp, ApiError> {
    let body: RegisterClientRequest = parse_body(req)?;
    required(body.client_name.as_ref(), "clientName")?;
    if required(body.client_type.as_ref(), "clientType")? != "public" {
        return Err(ApiError::oidc(
            OidcError::InvalidClientMetadata,
            "Invalid client type",
        ));
    }
    if let Some(bad) = body
        .grant_types
        .iter()
        .find(|g| !KNOWN_GRANT_TYPES.contains(&g.as_str()))
    {
        let message = format!("Unsupported grant type: {bad}");
        return Err(ApiError::oidc(OidcError::UnsupportedGrantType, &message));
    }
    if body
        .scopes
        .iter()
        .any(|s| s.is_empty() || s.contains(char::is_whitespace))
    {
        return Err(ApiError::oidc(OidcError::InvalidScope, "Invalid scope"));
    }
    let bad_redirect = body.redirect_uris.iter().any(|uri| {
        Url::parse(uri).map_or(true, |u| {
            !matches!(u.scheme(), "http" | "https") || u.fragment().is_some()
        })
    });
    let needs_redirect =
        body.grant_types.iter().any(|g| g == "authorization_code") && body.redirect_uris.is_empty();
    if bad_redirect || needs_redirect {
        return Err(ApiError::oidc(
            OidcError::InvalidRedirectUri,
            "Invalid redirect URI",
        ));
    }
    if body
        .issuer_url
        .as_deref()
        .is_some_and(|u| Url::parse(u).is_err())
    {
        return Err(ApiError::oidc(
            OidcError::InvalidRequest,
            "Invalid issuer URL",
        ));
    }

    let mut inner = shared.lock();
    let client_id = inner.random_token("emu-client-", 22);
    let client_secret = Secret::new(inner.random_token("emu-cs-", 96));
    let issued_at = inner.now_secs();
    let lifetime = i64::try_from(inner.config.registration_lifetime_secs).unwrap_or(i64::MAX);
    let expires_at = issued_at.saturating_add(lifetime);
    let response = json!({
        "clientId": client_id,
        "clientSecret": client_secret.expose(),
        "clientIdIssuedAt": issued_at,
        "clientSecretExpiresAt": expires_at,
    });
    let client = Client {
        secret: client_secret,
        scopes: body.scopes,
        redirect_uris: body.redirect_uris,
        grant_types: body.grant_types,
        expires_at_secs: expires_at,
    };
    inner.clients.insert(client_id, client);
    Ok(json_response(StatusCode::OK, &response))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartDeviceAuthorizationRequest {
    client_id: Option<String>,
    client_secret: Option<String>,
    start_url: Option<String>,
}

/// `POST /device_authorization`.
pub(crate) fn start_device_authorization(shared: &Shared, req: &Req) -> Result<Resp, ApiError> {
    let body: StartDeviceAuthorizationRequest = parse_body(req)?;
    let client_id = required(body.client_id.as_ref(), "clientId")?;
    let client_secret = required(body.client_secret.as_ref(), "clientSecret")?;
    let start_url = required(body.start_url.as_ref(), "startUrl")?;
    if Url::parse(start_url).map_or(true, |u| !matches!(u.scheme(), "http" | "https")) {
        return Err(ApiError::oidc(
            OidcError::InvalidRequest,
            "Invalid start URL",
        ));
    }

    let mut inner = shared.lock();
    let client = authenticate_client(&inner, client_id, client_secret)?;
    if !client.allows_grant(DEVICE_CODE_GRANT) {
        let message = "Client is not registered for the device code grant";
        return Err(ApiError::oidc(OidcError::UnauthorizedClient, message));
    }
    let scopes = client.scopes.clone();
    let device_code = Secret::new(inner.random_token("emu-dc-", 64));
    let user_code = inner.new_user_code();
    let expires_in = inner.config.code_lifetime_secs;
    let interval = inner.config.poll_interval_secs;
    let status = if inner.config.auto_approve && !inner.config.deny {
        DeviceStatus::Approved
    } else {
        DeviceStatus::Pending
    };
    let lifetime_ms = i64::try_from(expires_in.saturating_mul(1000)).unwrap_or(i64::MAX);
    let device = DeviceAuth {
        client_id: client_id.to_owned(),
        user_code: user_code.clone(),
        scopes,
        expires_at_ms: inner.now_ms().saturating_add(lifetime_ms),
        status,
        interval_secs: interval,
        last_poll_ms: None,
    };
    let response = json!({
        "deviceCode": device_code.expose(),
        "userCode": user_code,
        "verificationUri": format!("{}/device", shared.base_url()),
        "verificationUriComplete": format!("{}/device?user_code={user_code}", shared.base_url()),
        "expiresIn": expires_in,
        "interval": interval,
    });
    inner.user_codes.insert(user_code, device_code.clone());
    inner.devices.insert(device_code, device);
    Ok(json_response(StatusCode::OK, &response))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateTokenRequest {
    client_id: Option<String>,
    client_secret: Option<String>,
    grant_type: Option<String>,
    device_code: Option<String>,
    code: Option<String>,
    refresh_token: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    // `scope` is accepted and ignored: the model says it "has no effect".
    #[serde(default, rename = "scope")]
    _scope: Option<Vec<String>>,
}

/// `POST /token`.
pub(crate) fn create_token(shared: &Shared, req: &Req) -> Result<Resp, ApiError> {
    let body: CreateTokenRequest = parse_body(req)?;
    let client_id = required(body.client_id.as_ref(), "clientId")?;
    let client_secret = required(body.client_secret.as_ref(), "clientSecret")?;
    let grant_type = required(body.grant_type.as_ref(), "grantType")?;

    let mut inner = shared.lock();
    let client = authenticate_client(&inner, client_id, client_secret)?;
    if !KNOWN_GRANT_TYPES.contains(&grant_type) {
        let message = format!("Unsupported grant type: {grant_type}");
        return Err(ApiError::oidc(OidcError::UnsupportedGrantType, &message));
    }
    if !client.allows_grant(grant_type) {
        let message = format!("Client is not registered for the {grant_type} grant");
        return Err(ApiError::oidc(OidcError::UnauthorizedClient, &message));
    }
    let issued = match grant_type {
        DEVICE_CODE_GRANT => {
            let device_code = required(body.device_code.as_ref(), "deviceCode")?;
            device_code_grant(&mut inner, client_id, device_code)?
        }
        "authorization_code" => {
            let code = required(body.code.as_ref(), "code")?;
            let redirect_uri = required(body.redirect_uri.as_ref(), "redirectUri")?;
            let verifier = required(body.code_verifier.as_ref(), "codeVerifier")?;
            authorization_code_grant(&mut inner, client_id, code, redirect_uri, verifier)?
        }
        _ => {
            let refresh_token = required(body.refresh_token.as_ref(), "refreshToken")?;
            refresh_token_grant(&mut inner, client_id, refresh_token)?
        }
    };
    let mut response = json!({
        "accessToken": issued.access_token.expose(),
        "tokenType": "Bearer",
        "expiresIn": issued.expires_in,
    });
    if let Some(refresh) = &issued.refresh_token {
        response["refreshToken"] = json!(refresh.expose());
    }
    Ok(json_response(StatusCode::OK, &response))
}

/// Whether a first token for a client with `scopes` comes with a refresh token.
fn gives_refresh(inner: &Inner, scopes: &[String]) -> bool {
    !inner.config.refresh_requires_scopes || !scopes.is_empty()
}

/// The device code grant (RFC 8628 §3.4, §3.5).
fn device_code_grant(
    inner: &mut Inner,
    client_id: &str,
    device_code: &str,
) -> Result<IssuedTokens, ApiError> {
    let now = inner.now_ms();
    let force_slow_down = inner.config.slow_down_polls > 0;
    let enforce_interval = inner.config.enforce_poll_interval;
    let deny = inner.config.deny;
    let invalid = || ApiError::oidc(OidcError::InvalidGrant, "Invalid device code provided");
    let device = inner
        .devices
        .get_mut(device_code)
        .filter(|d| d.client_id == client_id)
        .ok_or_else(invalid)?;
    if device.status == DeviceStatus::Consumed {
        return Err(invalid());
    }
    if device.expires_at_ms <= now {
        return Err(ApiError::oidc(
            OidcError::ExpiredToken,
            "Device code has expired",
        ));
    }
    if deny && device.status == DeviceStatus::Pending {
        device.status = DeviceStatus::Denied;
    }
    let last_poll = device.last_poll_ms.replace(now);
    match device.status {
        DeviceStatus::Denied => Err(ApiError::oidc(
            OidcError::AccessDenied,
            "Authorization was denied by the user",
        )),
        DeviceStatus::Approved => {
            device.status = DeviceStatus::Consumed;
            let scopes = device.scopes.clone();
            let with_refresh = gives_refresh(inner, &scopes);
            Ok(inner.issue_tokens(client_id, &scopes, None, with_refresh))
        }
        DeviceStatus::Pending | DeviceStatus::Consumed => {
            let interval_ms =
                i64::try_from(device.interval_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
            let too_fast =
                enforce_interval && last_poll.is_some_and(|last| now - last < interval_ms);
            if force_slow_down || too_fast {
                device.interval_secs += 5;
                if force_slow_down {
                    inner.config.slow_down_polls -= 1;
                }
                return Err(ApiError::oidc(
                    OidcError::SlowDown,
                    "Client is polling too fast",
                ));
            }
            Err(ApiError::oidc(
                OidcError::AuthorizationPending,
                "Authorization is pending",
            ))
        }
    }
}

/// The authorization code grant with PKCE (RFC 7636 §4.6). The code is single-use: any
/// attempt that names it consumes it, whether or not the rest checks out.
fn authorization_code_grant(
    inner: &mut Inner,
    client_id: &str,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<IssuedTokens, ApiError> {
    let now = inner.now_ms();
    let grant = inner.auth_codes.remove(code).ok_or_else(|| {
        ApiError::oidc(
            OidcError::InvalidGrant,
            "Invalid authorization code provided",
        )
    })?;
    if grant.client_id != client_id {
        return Err(ApiError::oidc(
            OidcError::InvalidGrant,
            "Invalid authorization code provided",
        ));
    }
    if grant.expires_at_ms <= now {
        return Err(ApiError::oidc(
            OidcError::ExpiredToken,
            "Authorization code has expired",
        ));
    }
    if grant.redirect_uri != redirect_uri {
        return Err(ApiError::oidc(
            OidcError::InvalidGrant,
            "Redirect URI mismatch",
        ));
    }
    if s256(verifier) != grant.code_challenge.expose() {
        return Err(ApiError::oidc(
            OidcError::InvalidGrant,
            "Invalid code verifier",
        ));
    }
    let with_refresh = gives_refresh(inner, &grant.scopes);
    Ok(inner.issue_tokens(client_id, &grant.scopes, None, with_refresh))
}

/// The refresh token grant with rotation: the presented token dies, a new one is issued.
fn refresh_token_grant(
    inner: &mut Inner,
    client_id: &str,
    refresh_token: &str,
) -> Result<IssuedTokens, ApiError> {
    let invalid = || ApiError::oidc(OidcError::InvalidGrant, "Invalid refresh token provided");
    if inner
        .refresh_tokens
        .get(refresh_token)
        .is_none_or(|g| g.client_id != client_id)
    {
        return Err(invalid());
    }
    let grant = inner
        .refresh_tokens
        .remove(refresh_token)
        .ok_or_else(invalid)?;
    Ok(inner.issue_tokens(client_id, &grant.scopes, Some(grant.session), true))
}

/// The PKCE S256 challenge of `verifier`.
fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `requested` matches the registered redirect URI `registered`: equal, or — for a
/// loopback registration without a port — the same URI with any port (RFC 8252 §7.3).
fn redirect_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(reg), Ok(req)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    let loopback = matches!(reg.host_str(), Some("127.0.0.1" | "[::1]" | "localhost"));
    loopback
        && reg.scheme() == "http"
        && reg.port().is_none()
        && !registered.contains(":80/")
        && req.scheme() == reg.scheme()
        && req.host_str() == reg.host_str()
        && req.port().is_some()
        && req.path() == reg.path()
        && req.query() == reg.query()
}

/// `GET /authorize`: checks the PKCE request and redirects back at once with a code (the
/// emulator's user is always signed in and always consents, unless the `deny` knob is set).
///
/// An unknown client or redirect URI is answered directly (RFC 6749 §4.1.2.1 forbids
/// redirecting then); other problems redirect with an OAuth `error`.
pub(crate) fn authorize(shared: &Shared, req: &Req) -> Result<Resp, ApiError> {
    let param = |name: &str| req.query_param(name).filter(|v| !v.is_empty());
    let client_id = param("client_id")
        .ok_or_else(|| ApiError::oidc(OidcError::InvalidRequest, "client_id is required"))?;
    let redirect_uri = param("redirect_uri")
        .ok_or_else(|| ApiError::oidc(OidcError::InvalidRequest, "redirect_uri is required"))?;
    let state = req.query_param("state");

    let mut inner = shared.lock();
    let now = inner.now_ms();
    let client = inner
        .clients
        .get(client_id)
        .filter(|c| c.expires_at_secs > now.div_euclid(1000))
        .ok_or_else(|| ApiError::oidc(OidcError::InvalidClient, "Invalid client"))?;
    if !client
        .redirect_uris
        .iter()
        .any(|r| redirect_matches(r, redirect_uri))
    {
        return Err(ApiError::oidc(
            OidcError::InvalidRequest,
            "Invalid redirect_uri",
        ));
    }
    let redirect_error = |error: &str| redirect_with(redirect_uri, &[("error", error)], state);
    if param("response_type") != Some("code") {
        return Ok(redirect_error("unsupported_response_type"));
    }
    if !client.allows_grant("authorization_code") {
        return Ok(redirect_error("unauthorized_client"));
    }
    let challenge = param("code_challenge").filter(|c| {
        c.len() == 43
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    let (Some("S256"), Some(challenge)) = (param("code_challenge_method"), challenge) else {
        return Ok(redirect_error("invalid_request"));
    };
    let requested: Vec<String> = param("scopes")
        .map(|s| {
            s.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if requested.iter().any(|s| !client.scopes.contains(s)) {
        return Ok(redirect_error("invalid_scope"));
    }
    let scopes = if requested.is_empty() {
        client.scopes.clone()
    } else {
        requested
    };
    if inner.config.deny {
        return Ok(redirect_error("access_denied"));
    }
    let code = Secret::new(inner.random_token("emu-ac-", 48));
    let lifetime_ms =
        i64::try_from(inner.config.code_lifetime_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    let grant = AuthCode {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        code_challenge: Secret::new(challenge.to_owned()),
        scopes,
        expires_at_ms: now.saturating_add(lifetime_ms),
    };
    let response = redirect_with(redirect_uri, &[("code", code.expose())], state);
    inner.auth_codes.insert(code, grant);
    Ok(response)
}

/// A 302 to `redirect_uri` with `params` and `state` added to its query.
fn redirect_with(redirect_uri: &str, params: &[(&str, &str)], state: Option<&str>) -> Resp {
    match Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (k, v) in params {
                    query.append_pair(k, v);
                }
                if let Some(state) = state {
                    query.append_pair("state", state);
                }
            }
            redirect_response(url.as_str())
        }
        Err(_) => ApiError::oidc(OidcError::InvalidRequest, "Invalid redirect_uri").into_response(),
    }
}

/// `GET /device[?user_code=...]`: the approval page `verificationUri(Complete)` points at.
pub(crate) fn device_page(shared: &Shared, req: &Req) -> Resp {
    let Some(user_code) = req.query_param("user_code").map(normalize_user_code) else {
        let body = "<p>Enter the code shown by your terminal.</p>\
            <form method=\"get\" action=\"/device\"><input name=\"user_code\" placeholder=\"ABCD-EFGH\" autofocus>\
            <button type=\"submit\">Next</button></form>";
        return html_response(StatusCode::OK, page(body));
    };
    let inner = shared.lock();
    let now = inner.now_ms();
    let device = inner
        .user_codes
        .get(&user_code)
        .and_then(|dc| inner.devices.get(dc));
    let code = escape_html(&user_code);
    let (status, body) = match device {
        None => (
            StatusCode::NOT_FOUND,
            format!("<p>No sign-in request has the code <b>{code}</b>.</p>"),
        ),
        Some(d) if d.expires_at_ms <= now => (
            StatusCode::OK,
            format!("<p>The code <b>{code}</b> has expired.</p>"),
        ),
        Some(d) if d.status != DeviceStatus::Pending => (
            StatusCode::OK,
            format!("<p>The request with code <b>{code}</b> was already handled.</p>"),
        ),
        Some(_) => (
            StatusCode::OK,
            format!(
                "<p>Allow the request with code <b id=\"user-code\">{code}</b> to access your AWS accounts?</p>\
                 <form method=\"post\" action=\"/emulator/device/approve\"><input type=\"hidden\" name=\"user_code\" value=\"{code}\">\
                 <button type=\"submit\">Approve</button></form>\
                 <form method=\"post\" action=\"/emulator/device/deny\"><input type=\"hidden\" name=\"user_code\" value=\"{code}\">\
                 <button type=\"submit\">Deny</button></form>"
            ),
        ),
    };
    html_response(status, page(&body))
}

/// Wraps `body` in the emulator's HTML page.
pub(crate) fn page(body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>SSO emulator</title></head>\
         <body><h1>SSO emulator</h1>{body}</body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn portless_loopback_registration_accepts_any_port() {
        let reg = "http://127.0.0.1/oauth/callback";
        assert!(redirect_matches(
            reg,
            "http://127.0.0.1:55555/oauth/callback"
        ));
        assert!(redirect_matches(reg, reg));
        assert!(!redirect_matches(reg, "http://127.0.0.1:55555/other"));
        assert!(!redirect_matches(
            reg,
            "http://evil.example:55555/oauth/callback"
        ));
        assert!(!redirect_matches(
            reg,
            "https://127.0.0.1:55555/oauth/callback"
        ));
        let with_port = "http://127.0.0.1:4000/oauth/callback";
        assert!(redirect_matches(with_port, with_port));
        assert!(!redirect_matches(
            with_port,
            "http://127.0.0.1:4001/oauth/callback"
        ));
    }
}
