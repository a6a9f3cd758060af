//! The role-credential provider against the emulator: cache miss, hit, near-expiry refetch,
//! and the errors of profiles that cannot give credentials.

use std::time::Duration;

use crate::clock::{SystemClock, WallClock as _};
use crate::context::{AwsContext, SsoTarget};
use crate::credentials::{self, CredentialsError};
use crate::env::Env;
use crate::token::TokenError;
use sso_cache::{
    CacheDir, CacheKey, CachedToken, Login, RoleCredentials, Timestamp, UnknownFields,
};
use sso_emulator::{Emulator, RunningEmulator};

use super::portal::{client, emulator_token};

const CONFIG: &str = "\
[profile dev]
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
region = eu-west-1

[profile session-only]
sso_session = my-sso

[profile legacy]
sso_start_url = https://d-123.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111119030
sso_role_name = AdministratorAccess

[sso-session my-sso]
sso_start_url = https://d-123.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

/// Writes `access_token`, valid for an hour, as the cached token of `target` (what `sso login`
/// leaves behind).
pub(crate) fn write_token(sso_cache: &CacheDir, target: &SsoTarget, access_token: &str) {
    let now = Timestamp::from_unix_ms(SystemClock.now_unix_ms());
    let entry = CachedToken {
        start_url: Some(target.start_url.clone()),
        region: Some(target.region.clone()),
        access_token: sso_cache::AccessToken::new(access_token),
        expires_at: now.saturating_add(Duration::from_secs(3600)),
        client_id: None,
        client_secret: None,
        registration_expires_at: None,
        refresh_token: None,
        unknown: UnknownFields::new(),
    };
    sso_cache.write(&target.token_key(), &entry).unwrap();
}

struct Setup {
    emu: RunningEmulator,
    _home: tempfile::TempDir,
    ctx: AwsContext,
    sso_cache: CacheDir,
    cli_cache: CacheDir,
}

impl Setup {
    async fn new() -> Self {
        let emu = Emulator::builder()
            .auto_approve(true)
            .seed(7)
            .start()
            .await
            .unwrap();
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), CONFIG).unwrap();
        let env = Env::from_vars([
            ("HOME", home.path().to_str().unwrap()),
            ("AWS_ENDPOINT_URL_SSO", emu.url()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", emu.url()),
        ]);
        let ctx = AwsContext::load(&env, None).unwrap();
        let sso_cache = ctx.sso_cache().unwrap();
        let cli_cache = ctx.cli_cache().unwrap();
        Self {
            emu,
            _home: home,
            ctx,
            sso_cache,
            cli_cache,
        }
    }

    /// Writes a token valid for an hour for `target`, as `sso login` would.
    async fn log_in(&self, target: &SsoTarget) {
        let token = emulator_token(&self.emu).await;
        write_token(&self.sso_cache, target, token.expose_secret());
        self.emu.reset_stats();
    }

    async fn fetch(&self, target: &SsoTarget) -> Result<RoleCredentials, CredentialsError> {
        credentials::role_credentials(
            &client(),
            &self.sso_cache,
            &self.cli_cache,
            target,
            &SystemClock,
        )
        .await
    }
}

#[tokio::test]
async fn miss_then_hit_then_refetch_near_expiry() {
    let setup = Setup::new().await;
    let target = setup.ctx.target_for_profile("dev").unwrap();
    setup.log_in(&target).await;

    // Miss: one GetRoleCredentials, and an entry in the AWS CLI's format under its key.
    let first = setup.fetch(&target).await.unwrap();
    assert_eq!(setup.emu.stats().get_role_credentials, 1);
    let key =
        CacheKey::for_role_credentials("111111111111", "ReadOnlyAccess", Login::Session("my-sso"));
    assert_eq!(credentials::role_cache_key(&target).unwrap(), key);
    let path = setup.cli_cache.entry_path(&key);
    let text = std::fs::read_to_string(&path).unwrap();
    let expected_start = format!(
        "{{\"ProviderType\": \"sso\", \"Credentials\": {{\"AccessKeyId\": \"{}\", \"SecretAccessKey\": \"",
        first.access_key_id
    );
    assert!(text.starts_with(&expected_start), "{text}");
    assert!(
        text.ends_with(", \"AccountId\": \"111111111111\"}}"),
        "{text}"
    );
    assert!(text.contains(&format!("\"Expiration\": \"{}\"", first.expiration)));

    // Hit: no network at all, not even for the token.
    setup.emu.reset_stats();
    let second = setup.fetch(&target).await.unwrap();
    assert_eq!(second.access_key_id, first.access_key_id);
    assert_eq!(setup.emu.stats(), sso_emulator::Stats::default());
    let now = Timestamp::from_unix_ms(SystemClock.now_unix_ms());
    let warm = credentials::cached_role_credentials(&setup.cli_cache, &target, now)
        .unwrap()
        .unwrap();
    assert_eq!(warm.access_key_id, first.access_key_id);

    // Within 15 minutes of expiry: refetched and rewritten.
    let mut stale = second.clone();
    stale.expiration = now.saturating_add(Duration::from_secs(10 * 60));
    stale.access_key_id = "ASIASTALE".to_owned();
    setup.cli_cache.write(&key, &stale).unwrap();
    assert!(
        credentials::cached_role_credentials(&setup.cli_cache, &target, now)
            .unwrap()
            .is_none()
    );
    let third = setup.fetch(&target).await.unwrap();
    assert_ne!(third.access_key_id, "ASIASTALE");
    assert_eq!(setup.emu.stats().get_role_credentials, 1);
    let reread: RoleCredentials = setup.cli_cache.read(&key).unwrap().unwrap();
    assert_eq!(reread.access_key_id, third.access_key_id);
}

#[tokio::test]
async fn legacy_profiles_key_by_start_url() {
    let setup = Setup::new().await;
    let target = setup.ctx.target_for_profile("legacy").unwrap();
    setup.log_in(&target).await;
    setup.fetch(&target).await.unwrap();
    let key = CacheKey::for_role_credentials(
        "111111119030",
        "AdministratorAccess",
        Login::StartUrl("https://d-123.awsapps.com/start"),
    );
    assert!(setup.cli_cache.entry_path(&key).exists());
}

#[tokio::test]
async fn a_corrupt_entry_is_a_miss_and_is_overwritten() {
    let setup = Setup::new().await;
    let target = setup.ctx.target_for_profile("dev").unwrap();
    setup.log_in(&target).await;
    let path = setup
        .cli_cache
        .entry_path(&credentials::role_cache_key(&target).unwrap());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "{\"ProviderType\": \"sso\", \"Cred").unwrap();
    setup.fetch(&target).await.unwrap();
    assert_eq!(setup.emu.stats().get_role_credentials, 1);
    assert!(std::fs::read_to_string(&path).unwrap().ends_with("}}"));
}

#[tokio::test]
async fn a_session_only_profile_names_the_missing_keys() {
    let setup = Setup::new().await;
    let target = setup.ctx.target_for_profile("session-only").unwrap();
    let error = setup.fetch(&target).await.unwrap_err();
    match &error {
        CredentialsError::NotARoleProfile { profile, missing } => {
            assert_eq!(profile, "session-only");
            assert_eq!(missing, &["sso_role_name", "sso_account_id"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.to_string().starts_with(
        "The profile \"session-only\" is configured to use SSO but is missing required configuration: sso_role_name, sso_account_id"
    ));
    assert_eq!(setup.emu.stats(), sso_emulator::Stats::default());
}

#[tokio::test]
async fn without_a_login_the_error_says_to_log_in() {
    let setup = Setup::new().await;
    let target = setup.ctx.target_for_profile("dev").unwrap();
    let error = setup.fetch(&target).await.unwrap_err();
    assert!(error.needs_login(), "{error:?}");
    assert!(matches!(
        error,
        CredentialsError::Token {
            source: TokenError::NotLoggedIn { .. },
            ..
        }
    ));
    assert!(
        error
            .to_string()
            .ends_with("the sso-session `my-sso` needs a new sign-in"),
        "{error}"
    );
}

#[tokio::test]
async fn a_revoked_token_is_a_portal_error_that_needs_login() {
    let setup = Setup::new().await;
    let target = setup.ctx.target_for_profile("dev").unwrap();
    setup.log_in(&target).await;
    let token: CachedToken = setup.sso_cache.read(&target.token_key()).unwrap().unwrap();
    let endpoint = sso_oidc::Endpoint::parse(setup.emu.url()).unwrap();
    let request = sso_oidc::portal::logout(&endpoint, &token.access_token);
    crate::transport::Transport::send(&client(), request)
        .await
        .unwrap();
    let error = setup.fetch(&target).await.unwrap_err();
    assert!(
        matches!(error, CredentialsError::Portal { .. }),
        "{error:?}"
    );
    assert!(error.needs_login());
}
