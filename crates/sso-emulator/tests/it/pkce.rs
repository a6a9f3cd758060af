//! `/authorize` and the authorization-code exchange with PKCE.

use sso_emulator::Emulator;

use crate::support::{
    CHALLENGE, REDIRECT, VERIFIER, challenge_of, query_param, start, start_default,
};

#[tokio::test]
async fn authorize_redirects_to_any_port_with_code_and_state() {
    let ctx = start_default().await;
    let client = ctx.register_pkce().await;
    let reply = ctx.authorize(&client.id, &[]).await;
    assert_eq!(reply.status, 302, "{reply:?}");
    let location = reply.location.unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:55555/oauth/callback?"),
        "{location}"
    );
    assert!(
        query_param(&location, "code")
            .unwrap()
            .starts_with("emu-ac-")
    );
    assert_eq!(
        query_param(&location, "state").unwrap(),
        "00000000-0000-0000-0000-000000000000"
    );
    assert_eq!(ctx.emu.stats().authorize, 1);
}

#[tokio::test]
async fn authorize_with_unknown_client_answers_without_redirect() {
    let ctx = start_default().await;
    let reply = ctx.authorize("emu-client-nope", &[]).await;
    reply.assert_oidc_error(401, "InvalidClientException", "invalid_client");
    assert!(reply.location.is_none());
}

#[tokio::test]
async fn authorize_with_unregistered_redirect_answers_without_redirect() {
    let ctx = start_default().await;
    let client = ctx.register_pkce().await;
    for bad in [
        "http://localhost:55555/oauth/callback",
        "http://127.0.0.1:55555/elsewhere",
        "https://127.0.0.1:1/oauth/callback",
    ] {
        let reply = ctx.authorize(&client.id, &[("redirect_uri", bad)]).await;
        reply.assert_oidc_error(400, "InvalidRequestException", "invalid_request");
        assert!(reply.location.is_none());
    }
}

#[tokio::test]
async fn authorize_with_plain_challenge_method_redirects_invalid_request() {
    let ctx = start_default().await;
    let client = ctx.register_pkce().await;
    let reply = ctx
        .authorize(&client.id, &[("code_challenge_method", "plain")])
        .await;
    assert_eq!(reply.status, 302);
    let location = reply.location.unwrap();
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("invalid_request")
    );
    assert!(query_param(&location, "code").is_none());
    assert!(query_param(&location, "state").is_some());
}

#[tokio::test]
async fn authorize_with_token_response_type_is_unsupported() {
    let ctx = start_default().await;
    let client = ctx.register_pkce().await;
    let reply = ctx
        .authorize(&client.id, &[("response_type", "token")])
        .await;
    assert_eq!(
        query_param(&reply.location.unwrap(), "error").as_deref(),
        Some("unsupported_response_type")
    );
}

#[tokio::test]
async fn authorize_with_unregistered_scope_is_invalid_scope() {
    let ctx = start_default().await;
    let client = ctx.register_pkce().await;
    let reply = ctx
        .authorize(
            &client.id,
            &[("scopes", "sso:account:access codewhisperer:completions")],
        )
        .await;
    assert_eq!(
        query_param(&reply.location.unwrap(), "error").as_deref(),
        Some("invalid_scope")
    );
}

#[tokio::test]
async fn authorize_for_a_device_client_is_unauthorized_client() {
    let ctx = start_default().await;
    let client = ctx
        .register(serde_json::json!({"clientName": "x", "clientType": "public",
            "grantTypes": ["refresh_token"], "redirectUris": [crate::support::REGISTERED_REDIRECT]}))
        .await;
    let reply = ctx.authorize(&client.id, &[]).await;
    assert_eq!(
        query_param(&reply.location.unwrap(), "error").as_deref(),
        Some("unauthorized_client")
    );
}

#[tokio::test]
async fn deny_knob_redirects_access_denied() {
    let ctx = start(Emulator::builder().deny(true)).await;
    let client = ctx.register_pkce().await;
    let reply = ctx.authorize(&client.id, &[]).await;
    let location = reply.location.unwrap();
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("access_denied")
    );
    assert!(query_param(&location, "state").is_some());
}

#[tokio::test]
async fn code_exchange_with_correct_verifier_returns_tokens() {
    let ctx = start_default().await;
    let (_, reply) = ctx.login().await;
    assert!(reply.str("accessToken").starts_with("emu-at-"));
    assert!(reply.str("refreshToken").starts_with("emu-rt-"));
    assert_eq!(reply.body["tokenType"], "Bearer");
    assert_eq!(reply.body["expiresIn"], 3600);
    let stats = ctx.emu.stats();
    assert_eq!(
        (
            stats.create_token,
            stats.create_token_authorization_code,
            stats.tokens_issued
        ),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn code_exchange_with_wrong_verifier_is_invalid_grant() {
    let ctx = start_default().await;
    let client = ctx.register_pkce().await;
    let code = ctx.auth_code(&client).await;
    let wrong = "x".repeat(64);
    assert_ne!(challenge_of(&wrong), CHALLENGE);
    ctx.exchange(&client, &code, REDIRECT, &wrong)
        .await
        .assert_oidc_error(400, "InvalidGrantException", "invalid_grant");
}

#[tokio::test]
async fn code_exchange_with_other_redirect_uri_is_invalid_grant() {
    let ctx = start_default().await;
    let client = ctx.register_pkce().await;
    let code = ctx.auth_code(&client).await;
    let other = "http://127.0.0.1:55556/oauth/callback";
    ctx.exchange(&client, &code, other, VERIFIER)
        .await
        .assert_oidc_error(400, "InvalidGrantException", "invalid_grant");
}

#[tokio::test]
async fn code_exchange_by_another_client_is_invalid_grant() {
    let ctx = start_default().await;
    let owner = ctx.register_pkce().await;
    let thief = ctx.register_pkce().await;
    let code = ctx.auth_code(&owner).await;
    ctx.exchange(&thief, &code, REDIRECT, VERIFIER)
        .await
        .assert_oidc_error(400, "InvalidGrantException", "invalid_grant");
}

#[tokio::test]
async fn code_exchange_with_wrong_client_secret_is_invalid_client() {
    let ctx = start_default().await;
    let mut client = ctx.register_pkce().await;
    let code = ctx.auth_code(&client).await;
    client.secret = "emu-cs-wrong".to_owned();
    ctx.exchange(&client, &code, REDIRECT, VERIFIER)
        .await
        .assert_oidc_error(401, "InvalidClientException", "invalid_client");
}

#[tokio::test]
async fn authorization_code_is_single_use() {
    let ctx = start_default().await;
    let client = ctx.register_pkce().await;
    let code = ctx.auth_code(&client).await;
    assert_eq!(
        ctx.exchange(&client, &code, REDIRECT, VERIFIER)
            .await
            .status,
        200
    );
    ctx.exchange(&client, &code, REDIRECT, VERIFIER)
        .await
        .assert_oidc_error(400, "InvalidGrantException", "invalid_grant");
}

#[tokio::test]
async fn expired_authorization_code_is_expired_token() {
    let ctx = start_default().await;
    let client = ctx.register_pkce().await;
    let code = ctx.auth_code(&client).await;
    ctx.advance_clock(601);
    ctx.exchange(&client, &code, REDIRECT, VERIFIER)
        .await
        .assert_oidc_error(400, "ExpiredTokenException", "expired_token");
}

#[tokio::test]
async fn code_exchange_without_verifier_is_invalid_request() {
    let ctx = start_default().await;
    let client = ctx.register_pkce().await;
    let code = ctx.auth_code(&client).await;
    let body = serde_json::json!({"clientId": client.id, "clientSecret": client.secret,
        "grantType": "authorization_code", "code": code, "redirectUri": REDIRECT});
    ctx.post_json("/token", &body).await.assert_oidc_error(
        400,
        "InvalidRequestException",
        "invalid_request",
    );
}
