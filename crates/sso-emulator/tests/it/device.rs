//! Registration and the device authorization grant: pending, slow_down, approve, deny, expiry.

use serde_json::json;
use sso_emulator::Emulator;

use crate::support::{start, start_default};

#[tokio::test]
async fn register_client_returns_ids_and_expiry_in_epoch_seconds() {
    let ctx =
        start(Emulator::builder().registration_lifetime(std::time::Duration::from_secs(1000)))
            .await;
    let reply = ctx
        .post_json(
            "/client/register",
            &json!({"clientName": "botocore-client-x", "clientType": "public"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(reply.str("clientId").starts_with("emu-client-"));
    assert!(reply.str("clientSecret").starts_with("emu-cs-"));
    let issued = reply.body["clientIdIssuedAt"].as_i64().unwrap();
    let expires = reply.body["clientSecretExpiresAt"].as_i64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Seconds, not milliseconds.
    assert!((issued - now as i64).abs() < 5, "{issued} vs {now}");
    assert_eq!(expires - issued, 1000);
    assert_eq!(ctx.emu.stats().register_client, 1);
}

#[tokio::test]
async fn register_client_without_name_is_invalid_request() {
    let ctx = start_default().await;
    let reply = ctx
        .post_json("/client/register", &json!({"clientType": "public"}))
        .await;
    reply.assert_oidc_error(400, "InvalidRequestException", "invalid_request");
}

#[tokio::test]
async fn register_client_with_confidential_type_is_invalid_metadata() {
    let ctx = start_default().await;
    let reply = ctx
        .post_json(
            "/client/register",
            &json!({"clientName": "x", "clientType": "confidential"}),
        )
        .await;
    reply.assert_oidc_error(
        400,
        "InvalidClientMetadataException",
        "invalid_client_metadata",
    );
}

#[tokio::test]
async fn register_client_with_unknown_grant_is_unsupported() {
    let ctx = start_default().await;
    let body = json!({"clientName": "x", "clientType": "public", "grantTypes": ["password"]});
    let reply = ctx.post_json("/client/register", &body).await;
    reply.assert_oidc_error(
        400,
        "UnsupportedGrantTypeException",
        "unsupported_grant_type",
    );
}

#[tokio::test]
async fn register_client_with_bad_redirect_uri_is_rejected() {
    let ctx = start_default().await;
    let body = json!({"clientName": "x", "clientType": "public",
        "grantTypes": ["authorization_code"], "redirectUris": ["not a url"]});
    let reply = ctx.post_json("/client/register", &body).await;
    reply.assert_oidc_error(400, "InvalidRedirectUriException", "invalid_redirect_uri");
}

#[tokio::test]
async fn register_client_with_blank_scope_is_invalid_scope() {
    let ctx = start_default().await;
    let body =
        json!({"clientName": "x", "clientType": "public", "scopes": ["sso:account:access", ""]});
    ctx.post_json("/client/register", &body)
        .await
        .assert_oidc_error(400, "InvalidScopeException", "invalid_scope");
}

#[tokio::test]
async fn bad_json_is_invalid_request() {
    let ctx = start_default().await;
    for path in ["/client/register", "/device_authorization", "/token"] {
        let reply = ctx.post_raw(path, "{not json").await;
        reply.assert_oidc_error(400, "InvalidRequestException", "invalid_request");
        assert!(
            reply
                .error_type
                .unwrap()
                .contains(":http://internal.amazon.com/coral/")
        );
    }
}

#[tokio::test]
async fn device_authorization_returns_user_code_and_emulator_urls() {
    let ctx = start_default().await;
    let client = ctx.register_device().await;
    let reply = ctx.start_device(&client).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let user_code = reply.str("userCode");
    assert_eq!(user_code.len(), 9);
    assert!(user_code.chars().enumerate().all(|(i, c)| if i == 4 {
        c == '-'
    } else {
        c.is_ascii_uppercase()
    }));
    assert_eq!(reply.str("verificationUri"), ctx.url("/device"));
    assert_eq!(
        reply.str("verificationUriComplete"),
        ctx.url(&format!("/device?user_code={user_code}"))
    );
    assert_eq!(reply.body["expiresIn"], 600);
    assert_eq!(reply.body["interval"], 1);
    assert!(reply.str("deviceCode").starts_with("emu-dc-"));
    let page = ctx.get(&format!("/device?user_code={user_code}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains(&user_code) && page.text.contains("/emulator/device/approve"));
    assert_eq!(ctx.emu.pending_user_codes(), vec![user_code]);
}

#[tokio::test]
async fn device_authorization_with_wrong_secret_is_invalid_client() {
    let ctx = start_default().await;
    let mut client = ctx.register_device().await;
    client.secret.push('x');
    ctx.start_device(&client).await.assert_oidc_error(
        401,
        "InvalidClientException",
        "invalid_client",
    );
}

#[tokio::test]
async fn device_authorization_with_bad_start_url_is_invalid_request() {
    let ctx = start_default().await;
    let client = ctx.register_device().await;
    let body = json!({"clientId": client.id, "clientSecret": client.secret, "startUrl": "nope"});
    ctx.post_json("/device_authorization", &body)
        .await
        .assert_oidc_error(400, "InvalidRequestException", "invalid_request");
}

#[tokio::test]
async fn device_poll_is_pending_until_approved_over_http() {
    let ctx = start_default().await;
    let client = ctx.register_device().await;
    let auth = ctx.start_device(&client).await;
    let device_code = auth.str("deviceCode");
    ctx.poll_device(&client, &device_code)
        .await
        .assert_oidc_error(
            400,
            "AuthorizationPendingException",
            "authorization_pending",
        );
    let approve = ctx
        .post_json(
            "/emulator/device/approve",
            &json!({"userCode": auth.str("userCode")}),
        )
        .await;
    assert_eq!(approve.status, 200, "{approve:?}");
    assert_eq!(approve.body["status"], "approved");
    ctx.advance_clock(2);
    let token = ctx.poll_device(&client, &device_code).await;
    assert_eq!(token.status, 200, "{token:?}");
    assert!(token.str("accessToken").starts_with("emu-at-"));
    assert_eq!(token.body["tokenType"], "Bearer");
    assert_eq!(token.body["expiresIn"], 3600);
    assert!(token.str("refreshToken").starts_with("emu-rt-"));
    assert_eq!(ctx.emu.stats().create_token_device_code, 2);
}

#[tokio::test]
async fn device_poll_faster_than_interval_is_slow_down_and_interval_grows() {
    let ctx = start_default().await;
    let client = ctx.register_device().await;
    let device_code = ctx.start_device(&client).await.str("deviceCode");
    ctx.poll_device(&client, &device_code)
        .await
        .assert_oidc_error(
            400,
            "AuthorizationPendingException",
            "authorization_pending",
        );
    ctx.poll_device(&client, &device_code)
        .await
        .assert_oidc_error(400, "SlowDownException", "slow_down");
    // The interval is now 1 + 5 s: 2 s later is still too fast.
    ctx.advance_clock(2);
    ctx.poll_device(&client, &device_code)
        .await
        .assert_oidc_error(400, "SlowDownException", "slow_down");
    ctx.advance_clock(12);
    ctx.poll_device(&client, &device_code)
        .await
        .assert_oidc_error(
            400,
            "AuthorizationPendingException",
            "authorization_pending",
        );
}

#[tokio::test]
async fn slow_down_knob_forces_slow_down() {
    let ctx = start(Emulator::builder().enforce_poll_interval(false)).await;
    let client = ctx.register_device().await;
    let device_code = ctx.start_device(&client).await.str("deviceCode");
    ctx.emu.update_config(|c| c.slow_down_polls = 1).unwrap();
    ctx.poll_device(&client, &device_code)
        .await
        .assert_oidc_error(400, "SlowDownException", "slow_down");
    ctx.poll_device(&client, &device_code)
        .await
        .assert_oidc_error(
            400,
            "AuthorizationPendingException",
            "authorization_pending",
        );
    assert_eq!(ctx.emu.config().slow_down_polls, 0);
}

#[tokio::test]
async fn denied_device_code_is_access_denied() {
    let ctx = start_default().await;
    let client = ctx.register_device().await;
    let auth = ctx.start_device(&client).await;
    ctx.emu.deny_device(&auth.str("userCode")).unwrap();
    let reply = ctx.poll_device(&client, &auth.str("deviceCode")).await;
    reply.assert_oidc_error(400, "AccessDeniedException", "access_denied");
}

#[tokio::test]
async fn deny_knob_denies_pending_device_codes() {
    let ctx = start(Emulator::builder().deny(true)).await;
    let client = ctx.register_device().await;
    let auth = ctx.start_device(&client).await;
    ctx.poll_device(&client, &auth.str("deviceCode"))
        .await
        .assert_oidc_error(400, "AccessDeniedException", "access_denied");
}

#[tokio::test]
async fn expired_device_code_is_expired_token() {
    let ctx = start_default().await;
    let client = ctx.register_device().await;
    let auth = ctx.start_device(&client).await;
    ctx.advance_clock(601);
    ctx.poll_device(&client, &auth.str("deviceCode"))
        .await
        .assert_oidc_error(400, "ExpiredTokenException", "expired_token");
    let err = ctx.emu.approve_device(&auth.str("userCode")).unwrap_err();
    assert!(
        matches!(err, sso_emulator::DeviceDecisionError::Expired(_)),
        "{err}"
    );
}

#[tokio::test]
async fn device_code_is_single_use() {
    let ctx = start(Emulator::builder().auto_approve(true)).await;
    let client = ctx.register_device().await;
    let device_code = ctx.start_device(&client).await.str("deviceCode");
    assert_eq!(ctx.poll_device(&client, &device_code).await.status, 200);
    ctx.poll_device(&client, &device_code)
        .await
        .assert_oidc_error(400, "InvalidGrantException", "invalid_grant");
}

#[tokio::test]
async fn auto_approve_gives_a_token_on_the_first_poll() {
    let ctx = start(Emulator::builder().auto_approve(true)).await;
    let client = ctx.register_device().await;
    let device_code = ctx.start_device(&client).await.str("deviceCode");
    let reply = ctx.poll_device(&client, &device_code).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(ctx.emu.pending_user_codes().is_empty());
}

#[tokio::test]
async fn approve_all_approves_every_pending_code() {
    let ctx = start_default().await;
    let client = ctx.register_device().await;
    let first = ctx.start_device(&client).await.str("deviceCode");
    let second = ctx.start_device(&client).await.str("deviceCode");
    let reply = ctx.post_json("/emulator/approve-all", &json!({})).await;
    assert_eq!(reply.body["approved"], 2, "{reply:?}");
    assert_eq!(ctx.poll_device(&client, &first).await.status, 200);
    assert_eq!(ctx.poll_device(&client, &second).await.status, 200);
}

#[tokio::test]
async fn device_page_form_approves_and_get_link_denies() {
    let ctx = start_default().await;
    let client = ctx.register_device().await;
    let first = ctx.start_device(&client).await;
    let reply = ctx
        .post_form(
            "/emulator/device/approve",
            &format!("user_code={}", first.str("userCode")),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.text.contains("approved"), "{reply:?}");
    assert_eq!(
        ctx.poll_device(&client, &first.str("deviceCode"))
            .await
            .status,
        200
    );

    let second = ctx.start_device(&client).await;
    let user_code = second.str("userCode").to_lowercase().replace('-', "");
    let reply = ctx
        .get(&format!("/emulator/device/deny?user_code={user_code}"))
        .await;
    assert_eq!(reply.body["status"], "denied", "{reply:?}");
    ctx.poll_device(&client, &second.str("deviceCode"))
        .await
        .assert_oidc_error(400, "AccessDeniedException", "access_denied");
    // Deciding twice is refused.
    let again = ctx
        .get(&format!("/emulator/device/approve?user_code={user_code}"))
        .await;
    again.assert_portal_error(400, "InvalidRequestException");
}

#[tokio::test]
async fn approving_an_unknown_user_code_is_not_found() {
    let ctx = start_default().await;
    let reply = ctx
        .post_json(
            "/emulator/device/approve",
            &json!({"user_code": "BCDF-GHJK"}),
        )
        .await;
    reply.assert_portal_error(404, "ResourceNotFoundException");
    assert!(ctx.emu.approve_device("BCDF-GHJK").is_err());
    let page = ctx.get("/device?user_code=BCDF-GHJK").await;
    assert_eq!(page.status, 404);
}
