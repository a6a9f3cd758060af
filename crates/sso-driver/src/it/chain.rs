//! The whole credential chain ([`crate::Sso::credentials`]) against the emulator's
//! SSO portal, STS, container and IMDS endpoints: a three-hop chain (SSO → role A → role B)
//! cached in the AWS CLI's format and read back warm, MFA through an injected prompt, web
//! identity, container and instance sources, environment precedence and cycle detection.

use std::sync::Mutex;

use crate::Sso;
use crate::clock::{SystemClock, WallClock as _};
use crate::context::AwsContext;
use crate::env::Env;
use crate::prompt::{MfaCode, Prompt, SilentPrompt, UserCode};
use crate::sso::{ChainError, CredentialsRequest, Resolved, Selection, SourceError, SourceKind};
use crate::transport::{HttpClient, HttpConfig};
use sso_emulator::{BlockingEmulator, Emulator, EmulatorBuilder, Operation};

const CONTAINER_TOKEN: &str = "container-authorization-secret-0451";
const MFA_SERIAL: &str = "arn:aws:iam::111111111111:mfa/alice";
/// The AWS CLI's cache key of role B's arguments: SHA-1 of Python's
/// `json.dumps({"RoleArn": "arn:aws:iam::333333333333:role/RoleB", "RoleSessionName": "hop-b"}, sort_keys=True)`.
const ROLE_B_CLI_KEY: &str = "0f73ea2d53f7042eee2f8831312d03683a12e7f0";
/// The same for role A (session `hop-a`).
const ROLE_A_CLI_KEY: &str = "ae44f7330f2871f2a2735b88518c8787e91f113e";

fn config(home: &std::path::Path) -> String {
    let token = home.join("token.jwt");
    let token = token.display();
    format!(
        "\
[profile sso]
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
region = eu-west-1

[sso-session my-sso]
sso_start_url = https://d-123.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile role-a]
role_arn = arn:aws:iam::222222222222:role/RoleA
source_profile = sso
role_session_name = hop-a

[profile role-b]
role_arn = arn:aws:iam::333333333333:role/RoleB
source_profile = role-a
role_session_name = hop-b

[profile mfa]
role_arn = arn:aws:iam::222222222222:role/MfaRole
source_profile = sso
mfa_serial = {MFA_SERIAL}

[profile web]
role_arn = arn:aws:iam::222222222222:role/WebRole
web_identity_token_file = {token}
role_session_name = web

[profile from-container]
role_arn = arn:aws:iam::222222222222:role/FromContainer
credential_source = EcsContainer

[profile from-imds]
role_arn = arn:aws:iam::222222222222:role/FromInstance
credential_source = Ec2InstanceMetadata

[profile static-user]
aws_access_key_id = AKIAEMULATORUSER
aws_secret_access_key = emulator-user-secret

[profile from-static]
role_arn = arn:aws:iam::222222222222:role/FromStatic
source_profile = static-user

[profile cyc-a]
role_arn = arn:aws:iam::222222222222:role/CycA
source_profile = cyc-b

[profile cyc-b]
role_arn = arn:aws:iam::222222222222:role/CycB
source_profile = cyc-a
"
    )
}

/// A JWT-shaped web identity token (the emulator reads its claims, never its signature); the
/// payload is `{"sub":"system:serviceaccount:ns:app","aud":"sts.amazonaws.com","iss":"https://oidc.example"}`.
fn jwt() -> String {
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6YXBwIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20iLCJpc3MiOiJodHRwczovL29pZGMuZXhhbXBsZSJ9.c2lnbmF0dXJl".to_owned()
}

struct World {
    emu: BlockingEmulator,
    home: tempfile::TempDir,
}

impl World {
    fn new(builder: EmulatorBuilder) -> Self {
        let emu = builder
            .seed(11)
            .static_keys("AKIAEMULATORUSER", "emulator-user-secret")
            .container_authorization_token(CONTAINER_TOKEN)
            .start_blocking()
            .unwrap();
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), config(home.path())).unwrap();
        std::fs::write(home.path().join("token.jwt"), jwt()).unwrap();
        let world = Self { emu, home };
        world.sign_in();
        world
    }

    /// Writes an SSO token valid for an hour, as `sso login` would.
    fn sign_in(&self) {
        let env = self.env(&[]);
        let ctx = AwsContext::load(&env, None).unwrap();
        let target = ctx.target_for_profile("sso").unwrap();
        let token = self.emu.issue_access_token();
        super::credentials::write_token(&ctx.sso_cache().unwrap(), &target, &token);
        self.emu.reset_stats();
    }

    /// The environment: every endpoint at the emulator, IMDS off unless `extra` turns it on.
    fn env(&self, extra: &[(&str, &str)]) -> Env {
        let mut vars: Vec<(String, String)> = vec![
            ("HOME".into(), self.home.path().display().to_string()),
            ("AWS_ENDPOINT_URL_SSO".into(), self.emu.url().into()),
            ("AWS_ENDPOINT_URL_SSO_OIDC".into(), self.emu.url().into()),
            ("AWS_ENDPOINT_URL_STS".into(), self.emu.url().into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ];
        for (name, value) in extra {
            vars.retain(|(n, _)| n != name);
            vars.push(((*name).into(), (*value).into()));
        }
        Env::from_vars(vars)
    }

    fn get_with(
        &self,
        env: &Env,
        selection: Selection,
        prompt: &dyn Prompt,
    ) -> Result<Resolved, ChainError> {
        // One attempt per request: a failure shows at once.
        let http = HttpClient::new(HttpConfig::default().max_attempts(1), env).unwrap();
        Sso::load(env, selection)
            .map_err(SourceError::from)?
            .with_transport(http)
            .credentials(&CredentialsRequest::default(), prompt)
    }

    fn get(&self, profile: &str) -> Result<Resolved, ChainError> {
        self.get_with(
            &self.env(&[]),
            Selection::Profile(profile.into()),
            &SilentPrompt,
        )
    }

    fn cli_cache_file(&self, key: &str) -> std::path::PathBuf {
        self.home.path().join(format!(".aws/cli/cache/{key}.json"))
    }
}

/// Asserts that an access key id names the role it was issued for (the emulator's
/// `ASIAEMU<ROLE>…`).
#[track_caller]
fn assert_key(access_key_id: &str, prefix: &str) {
    assert!(
        access_key_id.starts_with(prefix),
        "{access_key_id} does not start with {prefix}"
    );
}

/// Every error and `Debug` rendering of `result`, for leak checks.
fn rendered(result: &Result<Resolved, ChainError>) -> String {
    match result {
        Ok(resolved) => format!("{resolved:?}"),
        Err(err) => {
            let mut text = format!("{err} {err:?}");
            let mut source = std::error::Error::source(err);
            while let Some(cause) = source {
                text.push_str(&format!(" {cause}"));
                source = cause.source();
            }
            text
        }
    }
}

#[test]
fn three_hop_chain_is_signed_hop_by_hop_cached_and_read_back_warm() {
    let world = World::new(Emulator::builder());
    let resolved = world.get("role-b").unwrap();
    assert_eq!(resolved.kind, SourceKind::AssumeRole);
    let key_b = resolved.credentials.access_key_id.clone();
    assert_key(&key_b, "ASIAEMUROLEB");
    let stats = world.emu.stats();
    assert_eq!(stats.get_role_credentials, 1);
    assert_eq!(stats.assume_role, 2);
    // Each hop is signed by the previous hop's keys, and the emulator verified both.
    let calls = world.emu.sts_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        calls[0].role_arn.as_deref(),
        Some("arn:aws:iam::222222222222:role/RoleA")
    );
    assert_key(
        calls[0].caller_access_key_id.as_deref().unwrap(),
        "ASIAEMUREADONLYACCESS",
    );
    assert_eq!(
        calls[1].caller_arn.as_deref(),
        Some("arn:aws:sts::222222222222:assumed-role/RoleA/hop-a")
    );
    assert_key(
        calls[1].caller_access_key_id.as_deref().unwrap(),
        "ASIAEMUROLEA",
    );
    assert_eq!(
        calls[1].issued_access_key_id.as_deref(),
        Some(key_b.as_str())
    );
    assert!(calls.iter().all(|c| c.error_code.is_none()));

    // Both hops are in ~/.aws/cli/cache under the keys the AWS CLI computes, in its format.
    let text = std::fs::read_to_string(world.cli_cache_file(ROLE_B_CLI_KEY)).unwrap();
    let entry: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(entry["Credentials"]["AccessKeyId"], key_b.as_str());
    assert!(
        entry["Credentials"]["Expiration"]
            .as_str()
            .unwrap()
            .ends_with("+00:00"),
        "{text}"
    );
    assert_eq!(
        entry["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::333333333333:assumed-role/RoleB/hop-b"
    );
    assert!(!text.contains('\n'), "one line, as json.dumps writes it");
    assert!(world.cli_cache_file(ROLE_A_CLI_KEY).exists());

    // Warm: the cached entry answers, no network call at all.
    world.emu.reset_stats();
    let again = world.get("role-b").unwrap();
    assert_eq!(again.credentials.access_key_id, key_b);
    assert_eq!(world.emu.stats(), sso_emulator::Stats::default());
    assert!(world.emu.sts_calls().is_empty());
}

/// A prompt that answers MFA codes and remembers which device it was asked for.
struct MfaPrompt {
    code: &'static str,
    asked: Mutex<Vec<String>>,
}

impl Prompt for MfaPrompt {
    fn show_user_code(&self, _code: &UserCode<'_>, _browser_opening: bool) {}
    fn show_authorize_url(&self, _url: &str, _browser_opening: bool) {}
    fn waiting(&self, _deadline_unix_ms: u64) {}
    fn signed_in(&self, _start_url: &str) {}
    fn mfa_code(&self, mfa_serial: &str) -> Option<MfaCode> {
        self.asked.lock().unwrap().push(mfa_serial.to_owned());
        Some(MfaCode::new(self.code))
    }
}

#[test]
fn mfa_serial_and_code_reach_sts() {
    let world = World::new(Emulator::builder().mfa_code("402911"));
    let prompt = MfaPrompt {
        code: "402911",
        asked: Mutex::new(Vec::new()),
    };
    let env = world.env(&[]);
    let resolved = world
        .get_with(&env, Selection::Profile("mfa".into()), &prompt)
        .unwrap();
    assert_key(&resolved.credentials.access_key_id, "ASIAEMUMFAROLE");
    assert_eq!(*prompt.asked.lock().unwrap(), [MFA_SERIAL]);
    let calls = world.emu.sts_calls();
    assert_eq!(calls[0].serial_number.as_deref(), Some(MFA_SERIAL));
    assert_eq!(calls[0].token_code.as_deref(), Some("402911"));

    // A wrong code: STS's AccessDenied, and the code appears in no message.
    std::fs::remove_dir_all(world.home.path().join(".aws/cli/cache")).unwrap();
    let wrong = MfaPrompt {
        code: "999731",
        asked: Mutex::new(Vec::new()),
    };
    let result = world.get_with(&env, Selection::Profile("mfa".into()), &wrong);
    let text = rendered(&result);
    assert!(result.is_err());
    assert!(text.contains("AccessDenied"), "{text}");
    assert!(!text.contains("999731"), "{text}");

    // Without a prompt that can ask, the chain fails before calling STS.
    world.emu.reset_stats();
    let result = world.get_with(&env, Selection::Profile("mfa".into()), &SilentPrompt);
    assert!(result.is_err());
    assert_eq!(world.emu.stats().assume_role, 0);
}

#[test]
fn web_identity_from_the_profile_and_from_the_environment() {
    let world = World::new(Emulator::builder());
    let resolved = world.get("web").unwrap();
    assert_eq!(resolved.kind, SourceKind::WebIdentity);
    assert_key(&resolved.credentials.access_key_id, "ASIAEMUWEBROLE");
    assert_eq!(world.emu.stats().assume_role_with_web_identity, 1);
    let calls = world.emu.sts_calls();
    assert_eq!(calls[0].operation, Operation::AssumeRoleWithWebIdentity);
    assert_eq!(calls[0].role_session_name.as_deref(), Some("web"));

    // The environment variables of EKS's IRSA, with no profile at all.
    let token = world.home.path().join("token.jwt");
    let env = world.env(&[
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
        ("AWS_ROLE_ARN", "arn:aws:iam::444444444444:role/IrsaRole"),
        ("AWS_ROLE_SESSION_NAME", "irsa"),
    ]);
    let resolved = world
        .get_with(&env, Selection::Default, &SilentPrompt)
        .unwrap();
    assert_key(&resolved.credentials.access_key_id, "ASIAEMUIRSAROLE");
    let result = Ok(resolved);
    assert!(!rendered(&result).contains(&jwt()));

    // A token STS refuses: its error is reported, the token is not.
    let refused = "opaque-access-token-not-a-jwt-5512";
    std::fs::write(world.home.path().join("token.jwt"), refused).unwrap();
    std::fs::remove_dir_all(world.home.path().join(".aws/cli/cache")).unwrap();
    let result = world.get("web");
    let text = rendered(&result);
    assert!(text.contains("InvalidIdentityToken"), "{text}");
    assert!(!text.contains(refused), "{text}");
}

#[test]
fn container_credentials_and_a_role_on_top() {
    let world = World::new(Emulator::builder());
    let url = world.emu.container_credentials_url();
    let env = world.env(&[
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", CONTAINER_TOKEN),
    ]);
    let resolved = world
        .get_with(&env, Selection::Default, &SilentPrompt)
        .unwrap();
    assert_eq!(resolved.kind, SourceKind::Container);
    assert_key(&resolved.credentials.access_key_id, "ASIAEMUCONTAINERROLE");
    assert!(resolved.credentials.expiration.is_some());

    let resolved = world
        .get_with(
            &env,
            Selection::Profile("from-container".into()),
            &SilentPrompt,
        )
        .unwrap();
    assert_key(&resolved.credentials.access_key_id, "ASIAEMUFROMCONTAINER");
    let calls = world.emu.sts_calls();
    assert_key(
        calls[0].caller_access_key_id.as_deref().unwrap(),
        "ASIAEMUCONTAINERROLE",
    );
    assert_eq!(world.emu.stats().container_credentials, 2);

    // A wrong token: refused, and neither token appears in the error.
    let env = world.env(&[
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-token-7781"),
    ]);
    let result = world.get_with(&env, Selection::Default, &SilentPrompt);
    let text = rendered(&result);
    assert!(result.is_err());
    assert!(text.contains("401"), "{text}");
    assert!(
        !text.contains("wrong-token-7781") && !text.contains(CONTAINER_TOKEN),
        "{text}"
    );
}

#[test]
fn instance_metadata_v2_and_a_role_on_top() {
    let world = World::new(Emulator::builder());
    let env = world.env(&[
        ("AWS_EC2_METADATA_DISABLED", "false"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", world.emu.url()),
    ]);
    let resolved = world
        .get_with(&env, Selection::Default, &SilentPrompt)
        .unwrap();
    assert_eq!(resolved.kind, SourceKind::InstanceMetadata);
    assert_key(&resolved.credentials.access_key_id, "ASIAEMUINSTANCEROLE");
    let stats = world.emu.stats();
    assert_eq!(
        (
            stats.imds_token,
            stats.imds_role_list,
            stats.imds_credentials
        ),
        (1, 1, 1)
    );

    let resolved = world
        .get_with(&env, Selection::Profile("from-imds".into()), &SilentPrompt)
        .unwrap();
    assert_key(&resolved.credentials.access_key_id, "ASIAEMUFROMINSTANCE");
    assert_key(
        world.emu.sts_calls()[0]
            .caller_access_key_id
            .as_deref()
            .unwrap(),
        "ASIAEMUINSTANCEROLE",
    );
}

#[test]
fn static_keys_of_a_source_profile_sign_the_assume_role() {
    let world = World::new(Emulator::builder());
    let resolved = world.get("from-static").unwrap();
    assert_key(&resolved.credentials.access_key_id, "ASIAEMUFROMSTATIC");
    let calls = world.emu.sts_calls();
    assert_eq!(
        calls[0].caller_arn.as_deref(),
        Some("arn:aws:iam::111111111111:user/emulator-user")
    );
}

#[test]
fn environment_keys_win_unless_a_profile_is_named() {
    let world = World::new(Emulator::builder());
    let env = world.env(&[
        ("AWS_ACCESS_KEY_ID", "AKIAFROMENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
        ("AWS_PROFILE", "role-b"),
    ]);
    let resolved = world
        .get_with(&env, Selection::Default, &SilentPrompt)
        .unwrap();
    assert_eq!(resolved.kind, SourceKind::Environment);
    assert_eq!(resolved.credentials.access_key_id, "AKIAFROMENV");
    assert_eq!(world.emu.stats(), sso_emulator::Stats::default());

    let resolved = world
        .get_with(&env, Selection::Profile("role-b".into()), &SilentPrompt)
        .unwrap();
    assert_key(&resolved.credentials.access_key_id, "ASIAEMUROLEB");
    assert_eq!(world.emu.stats().assume_role, 2);
}

#[test]
fn a_source_profile_cycle_is_named_and_nothing_is_sent() {
    let world = World::new(Emulator::builder());
    let result = world.get("cyc-a");
    let text = rendered(&result);
    assert!(result.is_err());
    assert!(text.contains("cyc-a") && text.contains("cyc-b"), "{text}");
    assert_eq!(world.emu.stats(), sso_emulator::Stats::default());
}

#[test]
fn get_caller_identity_names_the_final_role_and_a_bad_signature_is_refused() {
    let world = World::new(Emulator::builder());
    let credentials = world.get("role-b").unwrap().credentials;
    let endpoint = sso_sts::StsEndpoint::custom(world.emu.url(), "eu-west-1").unwrap();
    let now = sso_sts::Timestamp::from_unix_ms(SystemClock.now_unix_ms());
    let signing = |secret: &str| sso_sts::SigningCredentials {
        access_key_id: credentials.access_key_id.clone(),
        secret_access_key: sso_sts::SecretAccessKey::new(secret),
        session_token: credentials
            .session_token
            .as_ref()
            .map(|t| sso_sts::SessionToken::new(t.expose_secret())),
    };
    let client = HttpClient::new(HttpConfig::default().max_attempts(1), &world.env(&[])).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let good = signing(credentials.secret_access_key.expose_secret());
    let request = sso_sts::get_caller_identity_request(&endpoint, &good, now).unwrap();
    let response = runtime.block_on(client.send(request)).unwrap();
    let identity = sso_sts::parse_get_caller_identity(&response).unwrap();
    assert_eq!(
        identity.arn,
        "arn:aws:sts::333333333333:assumed-role/RoleB/hop-b"
    );
    assert_eq!(identity.account, "333333333333");
    assert!(identity.user_id.ends_with(":hop-b"));

    let bad = signing("not-the-secret-access-key-of-role-b");
    let request = sso_sts::get_caller_identity_request(&endpoint, &bad, now).unwrap();
    let response = runtime.block_on(client.send(request)).unwrap();
    let err = sso_sts::parse_get_caller_identity(&response).unwrap_err();
    assert!(err.to_string().contains("SignatureDoesNotMatch"), "{err}");
    assert_eq!(world.emu.stats().get_caller_identity, 2);
}
