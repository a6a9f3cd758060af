//! The portal: pagination, role credentials, authentication, logout, throttling, failures,
//! latency.

use std::time::{Duration, Instant};

use sso_emulator::{Emulator, FailureRule};

use crate::support::{start, start_default};

#[tokio::test]
async fn list_accounts_pages_by_twenty_by_default() {
    let ctx = start(Emulator::builder().accounts(45)).await;
    let token = ctx.access_token().await;
    let mut ids = Vec::new();
    let mut path = "/assignment/accounts".to_owned();
    let mut pages = 0;
    loop {
        let reply = ctx.portal_get(&path, &token).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let list = reply.body["accountList"].as_array().unwrap();
        pages += 1;
        assert_eq!(list.len(), if pages < 3 { 20 } else { 5 });
        for account in list {
            assert_eq!(account["accountId"].as_str().unwrap().len(), 12);
            assert!(account["accountName"].is_string() && account["emailAddress"].is_string());
            ids.push(account["accountId"].as_str().unwrap().to_owned());
        }
        match reply.body.get("nextToken").and_then(|t| t.as_str()) {
            Some(next) => path = format!("/assignment/accounts?next_token={next}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 45);
    assert_eq!(ctx.emu.stats().list_accounts, 3);
}

#[tokio::test]
async fn list_accounts_honours_max_result_and_is_deterministic() {
    let a = start(Emulator::builder().accounts(5)).await;
    let b = start(Emulator::builder().accounts(5)).await;
    let (ta, tb) = (a.access_token().await, b.access_token().await);
    let ra = a.portal_get("/assignment/accounts?max_result=2", &ta).await;
    let rb = b.portal_get("/assignment/accounts?max_result=2", &tb).await;
    assert_eq!(ra.body["accountList"].as_array().unwrap().len(), 2);
    assert_eq!(ra.body["accountList"], rb.body["accountList"]);
    assert!(ra.body["nextToken"].is_string());
}

#[tokio::test]
async fn list_accounts_with_bad_max_result_is_invalid_request() {
    let ctx = start_default().await;
    let token = ctx.access_token().await;
    for bad in ["0", "101", "ten"] {
        let reply = ctx
            .portal_get(&format!("/assignment/accounts?max_result={bad}"), &token)
            .await;
        reply.assert_portal_error(400, "InvalidRequestException");
    }
}

#[tokio::test]
async fn list_accounts_with_forged_next_token_is_invalid_request() {
    let ctx = start_default().await;
    let token = ctx.access_token().await;
    let reply = ctx
        .portal_get("/assignment/accounts?next_token=garbage", &token)
        .await;
    reply.assert_portal_error(400, "InvalidRequestException");
}

#[tokio::test]
async fn list_account_roles_pages_and_checks_the_account() {
    let ctx = start(Emulator::builder().accounts(2).roles_per_account(3)).await;
    let token = ctx.access_token().await;
    let accounts = ctx.portal_get("/assignment/accounts", &token).await;
    let account_id = accounts.body["accountList"][0]["accountId"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = ctx
        .portal_get(
            &format!("/assignment/roles?account_id={account_id}&max_result=2"),
            &token,
        )
        .await;
    let roles = first.body["roleList"].as_array().unwrap();
    assert_eq!(roles.len(), 2, "{first:?}");
    assert_eq!(roles[0]["roleName"], "AdministratorAccess");
    assert_eq!(roles[0]["accountId"], account_id.as_str());
    let next = first.str("nextToken");
    let second = ctx
        .portal_get(
            &format!("/assignment/roles?account_id={account_id}&next_token={next}"),
            &token,
        )
        .await;
    assert_eq!(second.body["roleList"].as_array().unwrap().len(), 1);
    assert!(second.body.get("nextToken").is_none());
    // A roles token is not an accounts token.
    ctx.portal_get(&format!("/assignment/accounts?next_token={next}"), &token)
        .await
        .assert_portal_error(400, "InvalidRequestException");
    ctx.portal_get("/assignment/roles", &token)
        .await
        .assert_portal_error(400, "InvalidRequestException");
    ctx.portal_get("/assignment/roles?account_id=000000000000", &token)
        .await
        .assert_portal_error(404, "ResourceNotFoundException");
}

#[tokio::test]
async fn get_role_credentials_returns_keys_with_expiry_in_milliseconds() {
    let ctx = start_default().await;
    let token = ctx.access_token().await;
    let reply = ctx
        .portal_get(
            "/federation/credentials?role_name=ReadOnlyAccess&account_id=111111111111",
            &token,
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let creds = &reply.body["roleCredentials"];
    // The key id names the role; its length is within the model's 16–128.
    let key = creds["accessKeyId"].as_str().unwrap();
    assert!(key.starts_with("ASIAEMUREADONLYACCESS"), "{key}");
    assert!((16..=128).contains(&key.len()), "{key}");
    assert_eq!(creds["secretAccessKey"].as_str().unwrap().len(), 40);
    assert!(
        creds["sessionToken"]
            .as_str()
            .unwrap()
            .starts_with("emu-st-")
    );
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let expiration = creds["expiration"].as_i64().unwrap();
    assert!(
        (expiration - now_ms - 3_600_000).abs() < 10_000,
        "{expiration} vs {now_ms}"
    );
}

#[tokio::test]
async fn get_role_credentials_for_unknown_role_is_not_found() {
    let ctx = start_default().await;
    let token = ctx.access_token().await;
    let reply = ctx
        .portal_get(
            "/federation/credentials?role_name=Nope&account_id=111111111111",
            &token,
        )
        .await;
    reply.assert_portal_error(404, "ResourceNotFoundException");
    let missing = ctx
        .portal_get("/federation/credentials?account_id=111111111111", &token)
        .await;
    missing.assert_portal_error(400, "InvalidRequestException");
}

#[tokio::test]
async fn unknown_or_missing_token_is_unauthorized_with_the_aws_message() {
    let ctx = start_default().await;
    let reply = ctx
        .portal_get("/assignment/accounts", "emu-at-unknown")
        .await;
    reply.assert_portal_error(401, "UnauthorizedException");
    assert_eq!(
        reply.body,
        serde_json::json!({"message": "Session token not found or invalid"})
    );
    let no_header = ctx.get("/assignment/accounts").await;
    no_header.assert_portal_error(401, "UnauthorizedException");
}

#[tokio::test]
async fn logout_revokes_the_access_and_refresh_tokens() {
    let ctx = start_default().await;
    let (client, login) = ctx.login().await;
    let token = login.str("accessToken");
    let reply = ctx.logout(&token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(reply.text.is_empty());
    ctx.portal_get("/assignment/accounts", &token)
        .await
        .assert_portal_error(401, "UnauthorizedException");
    ctx.logout(&token)
        .await
        .assert_portal_error(401, "UnauthorizedException");
    ctx.refresh(&client, &login.str("refreshToken"))
        .await
        .assert_oidc_error(400, "InvalidGrantException", "invalid_grant");
    assert_eq!(ctx.emu.stats().logout, 2);
}

#[tokio::test]
async fn every_nth_portal_call_is_throttled() {
    let ctx = start(Emulator::builder().throttle_every(3)).await;
    let token = ctx.access_token().await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let reply = ctx.portal_get("/assignment/accounts", &token).await;
        if reply.status == 429 {
            reply.assert_portal_error(429, "TooManyRequestsException");
        }
        statuses.push(reply.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
    let stats = ctx.emu.stats();
    assert_eq!((stats.throttled, stats.list_accounts), (2, 6));
}

#[tokio::test]
async fn injected_failures_answer_5xx_then_recover() {
    let ctx = start_default().await;
    let token = ctx.access_token().await;
    ctx.emu
        .update_config(|c| {
            c.failures = vec![
                FailureRule::internal_error("ListAccounts", 1),
                FailureRule::unavailable("ListAccounts", 1),
            ];
        })
        .unwrap();
    ctx.portal_get("/assignment/accounts", &token)
        .await
        .assert_portal_error(500, "InternalServerException");
    ctx.portal_get("/assignment/accounts", &token)
        .await
        .assert_portal_error(503, "ServiceUnavailableException");
    assert_eq!(
        ctx.portal_get("/assignment/accounts", &token).await.status,
        200
    );
    assert_eq!(ctx.emu.stats().injected_failures, 2);
    assert!(ctx.emu.config().failures.is_empty());
}

#[tokio::test]
async fn an_issued_access_token_works_on_the_portal_until_logout() {
    let ctx = start_default().await;
    let token = ctx.emu.issue_access_token();
    assert!(token.starts_with("emu-at-"), "{token}");
    assert_eq!(
        ctx.portal_get("/assignment/accounts", &token).await.status,
        200
    );
    assert_eq!(ctx.emu.stats().create_token, 0);
    assert_eq!(ctx.logout(&token).await.status, 200);
    ctx.portal_get("/assignment/accounts", &token)
        .await
        .assert_portal_error(401, "UnauthorizedException");
}

#[tokio::test]
async fn an_injected_failure_can_target_one_account() {
    let ctx = start(Emulator::builder().accounts(2).roles_per_account(1)).await;
    let token = ctx.access_token().await;
    let accounts = ctx.portal_get("/assignment/accounts", &token).await;
    let ids: Vec<String> = accounts.body["accountList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accountId"].as_str().unwrap().to_owned())
        .collect();
    ctx.emu
        .update_config(|c| {
            c.failures =
                vec![FailureRule::internal_error("ListAccountRoles", 1).for_account(&ids[1])];
        })
        .unwrap();
    let roles = |id: &str| format!("/assignment/roles?account_id={id}");
    // The other account is not affected and does not use up the rule.
    assert_eq!(ctx.portal_get(&roles(&ids[0]), &token).await.status, 200);
    ctx.portal_get(&roles(&ids[1]), &token)
        .await
        .assert_portal_error(500, "InternalServerException");
    assert_eq!(ctx.portal_get(&roles(&ids[1]), &token).await.status, 200);
    assert_eq!(ctx.emu.stats().injected_failures, 1);
}

#[tokio::test]
async fn injected_failure_on_create_token_uses_the_oidc_shape() {
    let ctx = start(Emulator::builder().fail(FailureRule::internal_error("CreateToken", 1))).await;
    let client = ctx.register_pkce().await;
    let code = ctx.auth_code(&client).await;
    let reply = ctx
        .exchange(
            &client,
            &code,
            crate::support::REDIRECT,
            crate::support::VERIFIER,
        )
        .await;
    reply.assert_oidc_error(500, "InternalServerException", "server_error");
    // The failure answered before the handler ran, so the code is still good.
    assert_eq!(
        ctx.exchange(
            &client,
            &code,
            crate::support::REDIRECT,
            crate::support::VERIFIER
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn latency_delays_api_answers_but_not_the_control_api() {
    let ctx = start(Emulator::builder().latency(Duration::from_millis(150))).await;
    let started = Instant::now();
    let reply = ctx.portal_get("/assignment/accounts", "emu-at-x").await;
    assert_eq!(reply.status, 401);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    assert_eq!(ctx.get("/emulator/stats").await.status, 200);
    assert!(started.elapsed() < Duration::from_millis(150));
}
