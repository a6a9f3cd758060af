//! The control API: config, stats, unknown routes, and the blocking helper.

use std::io::{Read as _, Write as _};

use serde_json::json;
use sso_emulator::{Emulator, Stats};

use crate::support::start_default;

#[tokio::test]
async fn config_can_be_read_and_patched_over_http() {
    let ctx = start_default().await;
    let before = ctx.get("/emulator/config").await;
    assert_eq!(before.body["page_size"], 20);
    assert_eq!(before.body["auto_approve"], false);
    let after = ctx
        .post_json(
            "/emulator/config",
            &json!({"auto_approve": true, "throttle_every": 4,
            "failures": [{"operation": "Logout", "count": 2, "status": 503}]}),
        )
        .await;
    assert_eq!(after.status, 200, "{after:?}");
    assert_eq!(after.body["auto_approve"], true);
    assert_eq!(after.body["page_size"], 20);
    let config = ctx.emu.config();
    assert!(config.auto_approve);
    assert_eq!(config.throttle_every, 4);
    assert_eq!(
        config.failures,
        vec![sso_emulator::FailureRule::unavailable("Logout", 2)]
    );
}

#[tokio::test]
async fn bad_config_patch_is_invalid_request() {
    let ctx = start_default().await;
    ctx.post_raw("/emulator/config", "{nope")
        .await
        .assert_portal_error(400, "InvalidRequestException");
    ctx.post_json("/emulator/config", &json!({"no_such_knob": 1}))
        .await
        .assert_portal_error(400, "InvalidRequestException");
    ctx.post_json("/emulator/config", &json!({"page_size": 0}))
        .await
        .assert_portal_error(400, "InvalidRequestException");
    assert_eq!(ctx.emu.config().page_size, 20);
}

#[tokio::test]
async fn stats_over_http_match_in_process_stats_and_reset() {
    let ctx = start_default().await;
    let (_, login) = ctx.login().await;
    ctx.portal_get("/assignment/accounts", &login.str("accessToken"))
        .await;
    let over_http: Stats = serde_json::from_value(ctx.get("/emulator/stats").await.body).unwrap();
    assert_eq!(over_http, ctx.emu.stats());
    assert_eq!(
        (
            over_http.register_client,
            over_http.authorize,
            over_http.create_token_authorization_code,
            over_http.list_accounts
        ),
        (1, 1, 1, 1)
    );
    let reset = ctx.post_json("/emulator/stats/reset", &json!({})).await;
    assert_eq!(reset.body["list_accounts"], 0);
    assert_eq!(ctx.emu.stats(), Stats::default());
}

#[tokio::test]
async fn unknown_route_is_not_found_with_an_error_body() {
    let ctx = start_default().await;
    let reply = ctx.get("/nope").await;
    reply.assert_portal_error(404, "UnknownOperationException");
    assert!(reply.body["message"].as_str().unwrap().contains("/nope"));
    ctx.get("/token")
        .await
        .assert_portal_error(404, "UnknownOperationException");
    ctx.get("/emulator/nope")
        .await
        .assert_portal_error(404, "UnknownOperationException");
}

#[test]
fn blocking_emulator_serves_callers_without_async() {
    let emu = Emulator::builder().accounts(7).start_blocking().unwrap();
    assert!(emu.url().starts_with("http://127.0.0.1:"));
    emu.update_config(|c| c.throttle_every = 9).unwrap();
    let mut stream = std::net::TcpStream::connect(emu.addr()).unwrap();
    write!(
        stream,
        "GET /emulator/config HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("\"accounts\":7") && response.contains("\"throttle_every\":9"),
        "{response}"
    );
    let addr = emu.addr();
    emu.shutdown();
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[tokio::test]
async fn sts_and_metadata_knobs_are_patched_and_checked() {
    let ctx = start_default().await;
    let after = ctx
        .post_json(
            "/emulator/config",
            &json!({"sts_throttle_every": 3, "mfa_code": "246810",
                "static_access_key_id": "AKIAPATCHED", "static_secret_access_key": "patched-secret",
                "container_authorization_token": "patched-token", "imds_role": "Patched"}),
        )
        .await;
    assert_eq!(after.status, 200, "{after:?}");
    let config = ctx.emu.config();
    assert_eq!(config.sts_throttle_every, 3);
    assert_eq!(config.mfa_code.as_deref(), Some("246810"));
    assert_eq!(config.static_access_key_id.as_deref(), Some("AKIAPATCHED"));
    assert_eq!(config.container_authorization_token, "patched-token");
    assert_eq!(config.imds_role, "Patched");
    for bad in [
        json!({"imds_role": "no/slash"}),
        json!({"container_role": ""}),
        json!({"container_authorization_token": "line\nbreak"}),
    ] {
        ctx.post_json("/emulator/config", &bad)
            .await
            .assert_portal_error(400, "InvalidRequestException");
    }
    // One half of a static key pair is refused at start.
    let mut half = sso_emulator::Config::default();
    half.static_access_key_id = Some("AKIAHALF".to_owned());
    assert!(Emulator::builder().config(half).start().await.is_err());
}
