//! The refresh-token grant with rotation, access-token expiry, and CreateToken's other errors.

use serde_json::json;
use sso_emulator::Emulator;

use crate::support::{start, start_default};

#[tokio::test]
async fn refresh_rotates_and_the_old_refresh_token_dies() {
    let ctx = start_default().await;
    let (client, first) = ctx.login().await;
    let old_refresh = first.str("refreshToken");
    ctx.emu.reset_stats();
    let second = ctx.refresh(&client, &old_refresh).await;
    assert_eq!(second.status, 200, "{second:?}");
    let new_refresh = second.str("refreshToken");
    assert_ne!(new_refresh, old_refresh);
    assert_ne!(second.str("accessToken"), first.str("accessToken"));
    assert_eq!(ctx.emu.stats().create_token_refresh_token, 1);

    let reused = ctx.refresh(&client, &old_refresh).await;
    reused.assert_oidc_error(400, "InvalidGrantException", "invalid_grant");
    assert_eq!(
        reused.body["error_description"],
        "Invalid refresh token provided"
    );
    assert_eq!(ctx.refresh(&client, &new_refresh).await.status, 200);
    assert_eq!(ctx.emu.stats().create_token_refresh_token, 3);
}

#[tokio::test]
async fn refresh_token_of_another_client_is_invalid_grant_and_survives() {
    let ctx = start_default().await;
    let (owner, first) = ctx.login().await;
    let other = ctx.register_pkce().await;
    let refresh = first.str("refreshToken");
    ctx.refresh(&other, &refresh).await.assert_oidc_error(
        400,
        "InvalidGrantException",
        "invalid_grant",
    );
    assert_eq!(ctx.refresh(&owner, &refresh).await.status, 200);
}

#[tokio::test]
async fn registration_without_scopes_gets_no_refresh_token() {
    let ctx = start(Emulator::builder().auto_approve(true)).await;
    let client = ctx
        .register(json!({"clientName": "botocore-client-1", "clientType": "public"}))
        .await;
    let device_code = ctx.start_device(&client).await.str("deviceCode");
    let reply = ctx.poll_device(&client, &device_code).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.get("refreshToken").is_none(), "{reply:?}");
}

#[tokio::test]
async fn access_token_expires_after_its_lifetime() {
    let ctx = start(Emulator::builder().token_lifetime(std::time::Duration::from_secs(60))).await;
    let (_, reply) = ctx.login().await;
    assert_eq!(reply.body["expiresIn"], 60);
    let token = reply.str("accessToken");
    assert_eq!(
        ctx.portal_get("/assignment/accounts", &token).await.status,
        200
    );
    ctx.advance_clock(61);
    ctx.portal_get("/assignment/accounts", &token)
        .await
        .assert_portal_error(401, "UnauthorizedException");
}

#[tokio::test]
async fn expired_client_registration_is_invalid_client() {
    let ctx =
        start(Emulator::builder().registration_lifetime(std::time::Duration::from_secs(100))).await;
    let client = ctx.register_device().await;
    ctx.advance_clock(101);
    ctx.start_device(&client).await.assert_oidc_error(
        401,
        "InvalidClientException",
        "invalid_client",
    );
}

#[tokio::test]
async fn unknown_grant_type_is_unsupported() {
    let ctx = start_default().await;
    let client = ctx.register_device().await;
    let body =
        json!({"clientId": client.id, "clientSecret": client.secret, "grantType": "password"});
    ctx.post_json("/token", &body).await.assert_oidc_error(
        400,
        "UnsupportedGrantTypeException",
        "unsupported_grant_type",
    );
    assert_eq!(ctx.emu.stats().create_token_other, 1);
}

#[tokio::test]
async fn device_client_cannot_use_the_authorization_code_grant() {
    let ctx = start_default().await;
    let client = ctx.register_device().await;
    let body = json!({"clientId": client.id, "clientSecret": client.secret, "grantType": "authorization_code",
        "code": "c", "redirectUri": "http://127.0.0.1:1/oauth/callback", "codeVerifier": "v"});
    ctx.post_json("/token", &body).await.assert_oidc_error(
        400,
        "UnauthorizedClientException",
        "unauthorized_client",
    );
}

#[tokio::test]
async fn create_token_without_grant_type_is_invalid_request() {
    let ctx = start_default().await;
    let client = ctx.register_device().await;
    let body = json!({"clientId": client.id, "clientSecret": client.secret});
    ctx.post_json("/token", &body).await.assert_oidc_error(
        400,
        "InvalidRequestException",
        "invalid_request",
    );
}
