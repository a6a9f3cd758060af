//! Unit tests of the chain: planning precedence and conflicts, MFA through the prompt, the
//! assumed-role cache written in the AWS CLI's format, secrets kept out of `Debug` and errors.

#![allow(clippy::unwrap_used)]

use std::sync::Mutex;

use super::*;
use crate::clock::SystemClock;
use crate::env::Env;
use crate::http::TransportError;
use crate::prompt::{MfaCode, SilentPrompt, UserCode};

const CONFIG: &str = "\
[profile base]
aws_access_key_id = AKIABASE
aws_secret_access_key = base-secret

[profile a]
role_arn = arn:aws:iam::111111111111:role/A
source_profile = base

[profile b]
role_arn = arn:aws:iam::222222222222:role/B
source_profile = a
role_session_name = me

[profile mfa]
role_arn = arn:aws:iam::111111111111:role/Mfa
source_profile = base
mfa_serial = arn:aws:iam::111111111111:mfa/me

[profile both]
role_arn = arn:aws:iam::111111111111:role/X
source_profile = base
credential_source = Environment

[profile lower]
role_arn = arn:aws:iam::111111111111:role/X
credential_source = environment

[profile self]
role_arn = arn:aws:iam::111111111111:role/Self
source_profile = self
aws_access_key_id = AKIASELF
aws_secret_access_key = self-secret

[profile loop1]
role_arn = arn:aws:iam::111111111111:role/L1
source_profile = loop2

[profile loop2]
role_arn = arn:aws:iam::111111111111:role/L2
source_profile = loop1

[profile process-and-keys]
credential_process = never-run
aws_access_key_id = AKIACONFIG
aws_secret_access_key = config-secret
";

const CREDENTIALS: &str = "\
[process-and-keys]
aws_access_key_id = AKIACREDFILE
aws_secret_access_key = cred-secret
";

fn context(vars: &[(&str, &str)], profile: Option<&str>) -> (tempfile::TempDir, AwsContext) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
    std::fs::write(dir.path().join(".aws/config"), CONFIG).unwrap();
    std::fs::write(dir.path().join(".aws/credentials"), CREDENTIALS).unwrap();
    let mut all = vec![("HOME".to_owned(), dir.path().display().to_string())];
    all.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let ctx = AwsContext::load(&Env::from_vars(all), profile).unwrap();
    (dir, ctx)
}

/// Answers every STS call with credentials named after the role, recording the bodies.
#[derive(Default)]
struct FakeSts {
    bodies: Mutex<Vec<String>>,
}

impl Transport for FakeSts {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let body = String::from_utf8(request.body().clone()).unwrap();
        let role = body
            .split('&')
            .find_map(|p| p.strip_prefix("RoleArn="))
            .unwrap()
            .rsplit("%2F")
            .next()
            .unwrap()
            .to_owned();
        self.bodies.lock().unwrap().push(body);
        let xml = format!(
            "<AssumeRoleResponse><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn:aws:sts::999999999999:assumed-role/{role}/s</Arn></AssumedRoleUser><Credentials><AccessKeyId>ASIA{role}</AccessKeyId><SecretAccessKey>secret-{role}</SecretAccessKey><SessionToken>token-{role}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>req</RequestId></ResponseMetadata></AssumeRoleResponse>"
        );
        Ok(http::Response::builder()
            .status(200)
            .body(xml.into_bytes())
            .unwrap())
    }
}

struct CodePrompt;

impl Prompt for CodePrompt {
    fn show_user_code(&self, _: &UserCode<'_>, _: bool) {}
    fn show_authorize_url(&self, _: &str, _: bool) {}
    fn waiting(&self, _: u64) {}
    fn signed_in(&self, _: &str) {}
    fn mfa_code(&self, _serial: &str) -> Option<MfaCode> {
        Some(MfaCode::new("123456"))
    }
}

fn run<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn environment_keys_win_unless_a_profile_is_named() {
    let vars = [
        ("AWS_ACCESS_KEY_ID", "AKIAENV"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ];
    let (_dir, ctx) = context(&vars, None);
    assert!(matches!(plan::plan(&ctx, false).unwrap(), Source::Env(_)));
    let (_dir, ctx) = context(&vars, Some("base"));
    assert!(matches!(plan::plan(&ctx, true).unwrap(), Source::Static(_)));
    let (_dir, ctx) = context(&[("AWS_ACCESS_KEY_ID", "AKIAENV")], None);
    assert!(matches!(
        plan::plan(&ctx, false),
        Err(SourceError::PartialEnv { .. })
    ));
}

#[test]
fn credentials_file_keys_beat_credential_process() {
    let (_dir, ctx) = context(&[], Some("process-and-keys"));
    let Source::Static(credentials) = plan::plan(&ctx, true).unwrap() else {
        panic!("not static");
    };
    assert_eq!(credentials.access_key_id, "AKIACREDFILE");
}

#[test]
fn conflicts_and_cycles_are_named() {
    let (_dir, ctx) = context(&[], Some("both"));
    assert!(matches!(
        plan::plan(&ctx, true),
        Err(SourceError::BothSources { .. })
    ));
    let (_dir, ctx) = context(&[], Some("lower"));
    assert!(matches!(
        plan::plan(&ctx, true),
        Err(SourceError::BadCredentialSource { .. })
    ));
    let (_dir, ctx) = context(&[], Some("loop1"));
    let error = plan::plan(&ctx, true).unwrap_err();
    assert!(
        error.to_string().contains("loop1 -> loop2 -> loop1"),
        "{error}"
    );
    // A self-reference with static keys is allowed: the keys assume the role.
    let (_dir, ctx) = context(&[], Some("self"));
    let Source::AssumeRole(role) = plan::plan(&ctx, true).unwrap() else {
        panic!("not a role");
    };
    assert!(matches!(role.source, Source::Static(_)));
}

#[test]
fn a_two_hop_chain_assumes_in_order_and_caches_each_hop_in_the_cli_format() {
    let (dir, ctx) = context(&[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")], Some("b"));
    let sts = FakeSts::default();
    let resolved = run(resolve(&sts, &ctx, true, &SilentPrompt, &SystemClock)).unwrap();
    assert_eq!(resolved.credentials.access_key_id, "ASIAB");
    assert_eq!(
        resolved.credentials.account_id.as_deref(),
        Some("999999999999")
    );
    assert_eq!(resolved.kind, SourceKind::AssumeRole);
    let bodies = sts.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2);
    assert!(bodies[0].contains("role%2FA"), "{}", bodies[0]);
    assert!(bodies[1].contains("RoleSessionName=me"), "{}", bodies[1]);
    // Both entries are in ~/.aws/cli/cache; the second run needs no call.
    let entries = std::fs::read_dir(dir.path().join(".aws/cli/cache"))
        .unwrap()
        .count();
    assert_eq!(entries, 2);
    let again = run(resolve(&sts, &ctx, true, &SilentPrompt, &SystemClock)).unwrap();
    assert_eq!(again.credentials.access_key_id, "ASIAB");
    assert_eq!(sts.bodies.lock().unwrap().len(), 2);
    // The warm path reads them synchronously.
    let source = plan::plan(&ctx, true).unwrap();
    let now = sso_cache::Timestamp::from_unix_ms(SystemClock.now_unix_ms());
    assert!(cached(&source, &Caches::of(&ctx), now).unwrap().is_some());
}

#[test]
fn mfa_codes_come_from_the_prompt_and_never_show() {
    let (_dir, ctx) = context(
        &[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")],
        Some("mfa"),
    );
    let sts = FakeSts::default();
    let error = run(resolve(&sts, &ctx, true, &SilentPrompt, &SystemClock)).unwrap_err();
    assert!(
        matches!(error, ChainError::MfaUnavailable { .. }),
        "{error}"
    );
    assert!(sts.bodies.lock().unwrap().is_empty());
    let resolved = run(resolve(&sts, &ctx, true, &CodePrompt, &SystemClock)).unwrap();
    let body = sts.bodies.lock().unwrap()[0].clone();
    assert!(body.contains("TokenCode=123456"), "{body}");
    assert!(body.contains("SerialNumber=arn"), "{body}");
    let shown = format!("{resolved:?}");
    assert!(
        !shown.contains("secret-Mfa") && !shown.contains("token-Mfa"),
        "{shown}"
    );
    assert!(!format!("{:?}", MfaCode::new("654321")).contains("654321"));
}
