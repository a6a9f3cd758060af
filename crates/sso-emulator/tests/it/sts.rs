//! STS, container and IMDS endpoints over HTTP with unsigned or hand-built requests: the
//! error documents, the unsigned web identity call, the knobs and counters. Signed calls are
//! tested end to end through the client's signer in the driver's tests (a signer here would be
//! a third implementation to trust).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sso_emulator::{Emulator, FailureRule, Operation};

use crate::support::{Ctx, Reply, start, start_default};

const ROLE: &str = "arn:aws:iam::222222222222:role/WebRole";

fn jwt() -> String {
    let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"system:serviceaccount:ns:app","aud":"sts.amazonaws.com","iss":"https://oidc.example"}"#);
    format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln")
}

fn web_identity_form(token: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "AssumeRoleWithWebIdentity")
        .append_pair("Version", "2011-06-15")
        .append_pair("RoleArn", ROLE)
        .append_pair("RoleSessionName", "app")
        .append_pair("WebIdentityToken", token)
        .finish()
}

/// Asserts an STS `<ErrorResponse>` with `code`.
#[track_caller]
fn assert_sts_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status.as_u16(), status, "{reply:?}");
    assert!(
        reply
            .text
            .starts_with("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"),
        "{reply:?}"
    );
    assert!(
        reply.text.contains(&format!("<Code>{code}</Code>")),
        "{reply:?}"
    );
    assert!(reply.text.contains("<RequestId>"), "{reply:?}");
}

fn between<'t>(text: &'t str, tag: &str) -> &'t str {
    let open = format!("<{tag}>");
    let start = text.find(&open).unwrap() + open.len();
    let end = text[start..].find(&format!("</{tag}>")).unwrap();
    &text[start..start + end]
}

async fn sts(ctx: &Ctx, form: &str) -> Reply {
    ctx.post_urlencoded("/", form).await
}

#[tokio::test]
async fn web_identity_issues_keys_named_after_the_role() {
    let ctx = start_default().await;
    let reply = sts(&ctx, &web_identity_form(&jwt())).await;
    assert_eq!(reply.status.as_u16(), 200, "{reply:?}");
    let text = &reply.text;
    assert!(text.starts_with(
        "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    ));
    assert!(
        between(text, "AccessKeyId").starts_with("ASIAEMUWEBROLE"),
        "{text}"
    );
    assert_eq!(
        between(text, "SubjectFromWebIdentityToken"),
        "system:serviceaccount:ns:app"
    );
    assert_eq!(between(text, "Provider"), "https://oidc.example");
    assert_eq!(
        between(text, "Arn"),
        "arn:aws:sts::222222222222:assumed-role/WebRole/app"
    );
    assert!(between(text, "Expiration").ends_with('Z'));
    assert_eq!(ctx.emu.stats().assume_role_with_web_identity, 1);
    let calls = ctx.emu.sts_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].operation, Operation::AssumeRoleWithWebIdentity);
    assert_eq!(calls[0].caller_access_key_id, None);

    let reply = sts(&ctx, &web_identity_form("not-a-jwt")).await;
    assert_sts_error(&reply, 400, "InvalidIdentityToken");
}

#[tokio::test]
async fn signed_operations_need_a_valid_signature() {
    let ctx = start_default().await;
    let form = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2FA&RoleSessionName=s";
    assert_sts_error(&sts(&ctx, form).await, 403, "MissingAuthenticationToken");
    let reply = ctx
        .post_with_headers(
            "/",
            "Action=GetCallerIdentity&Version=2011-06-15",
            &[
                ("x-amz-date", "20260101T000000Z"),
                (
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
                ),
            ],
        )
        .await;
    assert_sts_error(&reply, 403, "InvalidClientTokenId");
    let reply = ctx
        .post_with_headers(
            "/",
            "Action=GetCallerIdentity&Version=2011-06-15",
            &[("authorization", "AWS4-HMAC-SHA256 Credential=AK/2026")],
        )
        .await;
    assert_sts_error(&reply, 400, "IncompleteSignature");
    assert_sts_error(
        &sts(&ctx, "Action=Nope&Version=2011-06-15").await,
        400,
        "InvalidAction",
    );
    assert_sts_error(
        &sts(&ctx, "Version=2011-06-15").await,
        400,
        "MissingParameter",
    );
    assert_eq!(ctx.emu.stats().assume_role, 1);
    assert_eq!(ctx.emu.stats().get_caller_identity, 2);
}

#[tokio::test]
async fn sts_knobs_throttle_and_fail() {
    let ctx = start(Emulator::builder().sts_throttle_every(2).fail(
        FailureRule::unavailable("AssumeRoleWithWebIdentity", 1).for_account("222222222222"),
    ))
    .await;
    let form = web_identity_form(&jwt());
    assert_sts_error(&sts(&ctx, &form).await, 503, "ServiceUnavailable");
    // Injected failures do not count towards the throttling knob (as for the portal).
    assert_eq!(sts(&ctx, &form).await.status.as_u16(), 200);
    assert_sts_error(&sts(&ctx, &form).await, 400, "Throttling");
    let stats = ctx.emu.stats();
    assert_eq!(stats.assume_role_with_web_identity, 3);
    assert_eq!((stats.throttled, stats.injected_failures), (1, 1));
    // Knob answers never reach the handler's log.
    assert_eq!(ctx.emu.sts_calls().len(), 1);
}

#[tokio::test]
async fn container_endpoint_checks_the_authorization_token() {
    let ctx = start(Emulator::builder().container_authorization_token("tok-123")).await;
    let path = "/container/credentials";
    assert_eq!(ctx.get_with_headers(path, &[]).await.status.as_u16(), 401);
    let reply = ctx
        .get_with_headers(path, &[("authorization", "Bearer tok-123")])
        .await;
    assert_eq!(reply.status.as_u16(), 401);
    let reply = ctx
        .get_with_headers(path, &[("authorization", "tok-123")])
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{reply:?}");
    assert!(reply.str("AccessKeyId").starts_with("ASIAEMUCONTAINERROLE"));
    assert!(reply.str("Expiration").ends_with('Z'));
    for key in ["SecretAccessKey", "Token", "AccountId", "RoleArn"] {
        assert!(!reply.str(key).is_empty());
    }
    assert_eq!(ctx.emu.container_credentials_url(), ctx.url(path));
    assert_eq!(ctx.emu.stats().container_credentials, 3);
}

#[tokio::test]
async fn imds_v2_token_role_list_and_credentials() {
    let ctx = start_default().await;
    let list = "/latest/meta-data/iam/security-credentials/";
    // IMDSv1 (no token) is refused.
    assert_eq!(ctx.get_with_headers(list, &[]).await.status.as_u16(), 401);
    let reply = ctx.put_with_headers("/latest/api/token", &[]).await;
    assert_eq!(reply.status.as_u16(), 400);
    let reply = ctx
        .put_with_headers(
            "/latest/api/token",
            &[("x-aws-ec2-metadata-token-ttl-seconds", "21600")],
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200);
    let token = reply.text.clone();
    let auth = [("x-aws-ec2-metadata-token", token.as_str())];
    let role = ctx.get_with_headers(list, &auth).await.text;
    assert_eq!(role, "InstanceRole");
    let reply = ctx.get_with_headers(&format!("{list}{role}"), &auth).await;
    assert_eq!(reply.status.as_u16(), 200);
    assert_eq!(reply.str("Code"), "Success");
    assert!(reply.str("AccessKeyId").starts_with("ASIAEMUINSTANCEROLE"));
    assert_eq!(
        ctx.get_with_headers(&format!("{list}Other"), &auth)
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        ctx.get_with_headers(
            &format!("{list}{role}"),
            &[("x-aws-ec2-metadata-token", "bogus")]
        )
        .await
        .status
        .as_u16(),
        401
    );
    let stats = ctx.emu.stats();
    assert_eq!(
        (
            stats.imds_token,
            stats.imds_role_list,
            stats.imds_credentials
        ),
        (2, 2, 3)
    );
}
