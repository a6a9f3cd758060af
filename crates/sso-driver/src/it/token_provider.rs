//! `token::fresh_token` against the emulator: use as is, refresh on expiry (keeping unknown
//! fields), single flight within a process, failures, legacy profiles.

use std::time::Duration;

use crate::clock::{SystemClock, WallClock as _};
use crate::token::{TokenError, cached_token, fresh_token};
use sso_cache::{CachedToken, Timestamp};
use sso_emulator::{Emulator, FailureRule};

use super::signin_support::Setup;

fn now() -> Timestamp {
    Timestamp::from_unix_millis(i64::try_from(SystemClock.now_unix_ms()).unwrap())
}

/// Rewrites the cached token of `target` to expire at `expires_at`, with an extra field.
fn age_token(setup: &Setup, target: &crate::context::SsoTarget, expires_at: Timestamp) {
    let mut token: CachedToken = setup.token(target);
    token.expires_at = expires_at;
    token
        .unknown
        .insert("x-custom", serde_json::Value::String("kept".to_owned()));
    setup
        .sso_cache()
        .write(&target.token_key(), &token)
        .unwrap();
}

#[tokio::test]
async fn a_fresh_token_is_used_as_is() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    setup.device_login(&target).await;
    let before = setup.token(&target);
    let token = fresh_token(&setup.http, &setup.sso_cache(), &target, &SystemClock)
        .await
        .unwrap();
    assert_eq!(token, before);
    assert_eq!(setup.emu.stats().create_token_refresh_token, 0);
    assert_eq!(
        cached_token(&setup.sso_cache(), &target).unwrap(),
        Some(before)
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_written_back_keeping_fields() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    setup.device_login(&target).await;
    let old = setup.token(&target);
    age_token(
        &setup,
        &target,
        now().saturating_sub(Duration::from_secs(60)),
    );

    let token = fresh_token(&setup.http, &setup.sso_cache(), &target, &SystemClock)
        .await
        .unwrap();
    assert_eq!(setup.emu.stats().create_token_refresh_token, 1);
    assert_ne!(token.access_token, old.access_token);
    assert!(token.expires_at > now().saturating_add(Duration::from_secs(3000)));
    assert_eq!(setup.token(&target), token);
    let json = setup.token_json(&target);
    assert_eq!(json["x-custom"], "kept");
    assert_eq!(json["startUrl"], "https://d-123.awsapps.com/start");
    assert_eq!(json["region"], "us-east-1");
    assert_eq!(json["clientId"], old.client_id.as_deref().unwrap());
    assert_eq!(
        json["registrationExpiresAt"],
        old.registration_expires_at.unwrap().to_string()
    );
    // The emulator rotates refresh tokens.
    assert_ne!(token.refresh_token, old.refresh_token);
    assert!(token.refresh_token.is_some());

    // Used as is afterwards.
    fresh_token(&setup.http, &setup.sso_cache(), &target, &SystemClock)
        .await
        .unwrap();
    assert_eq!(setup.emu.stats().create_token_refresh_token, 1);
}

#[tokio::test]
async fn concurrent_callers_refresh_once() {
    let setup = Setup::start(Emulator::builder().latency(Duration::from_millis(100))).await;
    let target = setup.session("my-sso");
    setup.device_login(&target).await;
    age_token(
        &setup,
        &target,
        now().saturating_sub(Duration::from_secs(60)),
    );
    let cache = setup.sso_cache();
    let (a, b, c) = tokio::join!(
        fresh_token(&setup.http, &cache, &target, &SystemClock),
        fresh_token(&setup.http, &cache, &target, &SystemClock),
        fresh_token(&setup.http, &cache, &target, &SystemClock),
    );
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(a.access_token, b.access_token);
    assert_eq!(a.access_token, c.access_token);
    assert_eq!(setup.emu.stats().create_token_refresh_token, 1);
}

#[tokio::test]
async fn advisory_refresh_failure_keeps_the_old_token() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    setup.device_login(&target).await;
    // 12 minutes left: inside the advisory window.
    age_token(
        &setup,
        &target,
        now().saturating_add(Duration::from_secs(12 * 60)),
    );
    let before = setup.token(&target);
    setup
        .emu
        .update_config(|c| c.failures = vec![FailureRule::internal_error("CreateToken", 10)])
        .unwrap();
    let token = fresh_token(&setup.http, &setup.sso_cache(), &target, &SystemClock)
        .await
        .unwrap();
    assert_eq!(token, before);
    assert!(setup.emu.stats().create_token_refresh_token >= 1);
}

#[tokio::test]
async fn expired_and_refresh_refused_is_an_error() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    setup.device_login(&target).await;
    let mut token = setup.token(&target);
    token.expires_at = now().saturating_sub(Duration::from_secs(60));
    token.refresh_token = Some(sso_cache::RefreshToken::new("emu-rt-not-a-real-one"));
    setup
        .sso_cache()
        .write(&target.token_key(), &token)
        .unwrap();
    let token = setup.token(&target);
    let error = fresh_token(&setup.http, &setup.sso_cache(), &target, &SystemClock)
        .await
        .unwrap_err();
    assert!(
        matches!(error, TokenError::RefreshFailed { .. }),
        "{error:?}"
    );
    assert!(
        !format!("{error:?} {error}").contains("emu-rt-"),
        "{error:?}"
    );
    // The cache is left as it was.
    assert_eq!(setup.token(&target), token);
}

#[tokio::test]
async fn legacy_profiles_never_refresh() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.profile("legacy");
    setup.device_login(&target).await;
    age_token(
        &setup,
        &target,
        now().saturating_add(Duration::from_secs(60)),
    );
    // Within the mandatory window, but a legacy token is used until it expires.
    fresh_token(&setup.http, &setup.sso_cache(), &target, &SystemClock)
        .await
        .unwrap();
    age_token(
        &setup,
        &target,
        now().saturating_sub(Duration::from_secs(60)),
    );
    let error = fresh_token(&setup.http, &setup.sso_cache(), &target, &SystemClock)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            TokenError::Expired {
                can_refresh: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(setup.emu.stats().create_token_refresh_token, 0);
}

#[tokio::test]
async fn missing_and_corrupt_tokens() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    let error = fresh_token(&setup.http, &setup.sso_cache(), &target, &SystemClock)
        .await
        .unwrap_err();
    let path = setup.sso_cache().entry_path(&target.token_key());
    assert!(
        matches!(&error, TokenError::NotLoggedIn { path: p } if *p == path),
        "{error:?}"
    );
    assert_eq!(cached_token(&setup.sso_cache(), &target).unwrap(), None);

    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "{not json").unwrap();
    let error = fresh_token(&setup.http, &setup.sso_cache(), &target, &SystemClock)
        .await
        .unwrap_err();
    assert!(matches!(error, TokenError::BadCache(_)), "{error:?}");
    assert!(
        error.to_string().contains(path.to_str().unwrap()),
        "{error}"
    );
}

/// Makes the token's lock file uncreatable (a directory in its place), as a cache directory
/// the user cannot write does; root ignores permission bits, so this works for every user.
fn block_the_lock(setup: &Setup, target: &crate::context::SsoTarget) {
    let entry = setup.sso_cache().entry_path(&target.token_key());
    let mut lock = entry.into_os_string();
    lock.push(".lock");
    let lock = std::path::PathBuf::from(lock);
    let _ = std::fs::remove_file(&lock);
    std::fs::create_dir_all(lock.join("blocker")).unwrap();
}

#[tokio::test]
async fn a_valid_token_is_used_when_the_cache_cannot_be_locked() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    setup.device_login(&target).await;
    block_the_lock(&setup, &target);
    // 13 minutes left (advisory window), then 5 (mandatory but still valid).
    for left in [13 * 60, 5 * 60] {
        age_token(
            &setup,
            &target,
            now().saturating_add(Duration::from_secs(left)),
        );
        let before = setup.token(&target);
        let token = fresh_token(&setup.http, &setup.sso_cache(), &target, &SystemClock)
            .await
            .unwrap_or_else(|e| panic!("{left} s left: {e}"));
        assert_eq!(token, before);
    }
    // An expired token still needs the refresh, so the failure is the error.
    age_token(
        &setup,
        &target,
        now().saturating_sub(Duration::from_secs(60)),
    );
    let error = fresh_token(&setup.http, &setup.sso_cache(), &target, &SystemClock)
        .await
        .unwrap_err();
    assert!(matches!(error, TokenError::BadCache(_)), "{error}");
}

/// Forwards to the emulator, but first puts a non-empty directory where the token file is, so
/// that writing the refreshed token back fails.
struct UnwritableAfterRead<'a> {
    http: &'a crate::http::HttpClient,
    entry: std::path::PathBuf,
}

impl crate::transport::Transport for UnwritableAfterRead<'_> {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl std::future::Future<
        Output = Result<http::Response<Vec<u8>>, crate::http::TransportError>,
    > + Send {
        if self.entry.is_file() {
            std::fs::remove_file(&self.entry).unwrap();
            std::fs::create_dir_all(self.entry.join("blocker")).unwrap();
        }
        crate::transport::Transport::send(self.http, request)
    }
}

#[tokio::test]
async fn a_refreshed_token_that_cannot_be_saved_is_used_anyway() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    setup.device_login(&target).await;
    age_token(
        &setup,
        &target,
        now().saturating_add(Duration::from_secs(13 * 60)),
    );
    let before = setup.token(&target);
    let transport = UnwritableAfterRead {
        http: &setup.http,
        entry: setup.sso_cache().entry_path(&target.token_key()),
    };
    let token = fresh_token(&transport, &setup.sso_cache(), &target, &SystemClock)
        .await
        .unwrap();
    assert_eq!(setup.emu.stats().create_token_refresh_token, 1);
    assert_ne!(token.access_token, before.access_token);
    assert!(token.expires_at > now().saturating_add(Duration::from_secs(3000)));
}
