//! The portal calls against the emulator: pagination, the concurrent role listing under
//! throttling and failures, and `GetRoleCredentials`.

use std::sync::Mutex;
use std::time::Duration;

use crate::http::{HttpClient, HttpConfig, TransportError};
use crate::portal::{self, PoolConfig};
use crate::transport::Transport;
use sso_emulator::{Emulator, RunningEmulator};
use sso_oidc::{AccessToken, Endpoint};

/// An HTTP client that does not retry (so the counters are exact) and reads no process proxy.
pub(crate) fn client() -> HttpClient {
    HttpClient::new(
        HttpConfig::default().max_attempts(1),
        &crate::env::Env::from_vars([("HOME", "/nonexistent")]),
    )
    .unwrap()
}

/// A valid access token of a new session of the emulator.
pub(crate) async fn emulator_token(emu: &RunningEmulator) -> AccessToken {
    AccessToken::new(emu.issue_access_token())
}

async fn start(builder: sso_emulator::EmulatorBuilder) -> (RunningEmulator, Endpoint, AccessToken) {
    let emu = builder.auto_approve(true).seed(7).start().await.unwrap();
    let token = emulator_token(&emu).await;
    emu.reset_stats();
    let endpoint = Endpoint::parse(emu.url()).unwrap();
    (emu, endpoint, token)
}

/// The ids of the emulator's first `n` accounts (its seed spaces them 7919 apart).
fn account_ids(n: u64) -> Vec<String> {
    (0..n).map(account_id).collect()
}

fn account_id(index: u64) -> String {
    format!("{}", 111_111_111_111 + index * 7919)
}

fn fast_pool() -> PoolConfig {
    PoolConfig::default().backoff(Duration::from_millis(5), Duration::from_millis(100))
}

#[tokio::test]
async fn accounts_are_listed_across_pages() {
    // The emulator's own page size (10) is overridden by the `max_result` that is sent.
    let (emu, endpoint, token) = start(Emulator::builder().accounts(245).page_size(10)).await;
    let accounts = portal::list_accounts(&client(), &endpoint, &token)
        .await
        .unwrap();
    assert_eq!(accounts.len(), 245);
    assert_eq!(accounts[0].account_id, "111111111111");
    assert!(accounts.iter().all(|a| a.account_name.is_some()));
    let mut ids: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 245);
    assert_eq!(emu.stats().list_accounts, 3);
}

#[tokio::test]
async fn roles_are_listed_across_pages() {
    let (emu, endpoint, token) = start(
        Emulator::builder()
            .accounts(2)
            .roles_per_account(212)
            .page_size(5),
    )
    .await;
    let roles = portal::list_roles(&client(), &endpoint, &token, &account_id(1))
        .await
        .unwrap();
    assert_eq!(roles.len(), 212);
    assert!(roles.iter().all(|r| r.account_id == account_id(1)));
    assert!(roles.iter().any(|r| r.role_name == "AdministratorAccess"));
    assert_eq!(emu.stats().list_account_roles, 3);
}

#[tokio::test]
async fn an_invalid_token_is_unauthorized() {
    let (_emu, endpoint, _token) = start(Emulator::builder()).await;
    let error = portal::list_accounts(&client(), &endpoint, &AccessToken::new("bogus"))
        .await
        .unwrap_err();
    assert!(error.is_unauthorized(), "{error}");
    assert!(!error.to_string().contains("bogus"), "{error}");
}

#[tokio::test]
async fn all_roles_of_fifty_accounts_despite_throttling() {
    let (emu, endpoint, token) = start(
        Emulator::builder()
            .accounts(50)
            .roles_per_account(3)
            .throttle_every(5),
    )
    .await;
    let ids = account_ids(50);
    let progress = Mutex::new(Vec::new());
    let record = |done: usize, total: usize| progress.lock().unwrap().push((done, total));
    let listing =
        portal::list_all_roles(&client(), &endpoint, &token, &ids, &fast_pool(), &record).await;
    assert_eq!(listing.stats.failed_accounts, 0, "{:?}", listing.stats);
    assert_eq!(listing.failures().count(), 0);
    assert_eq!(listing.roles().count(), 150);
    // Results come back in input order, whatever the completion order.
    let order: Vec<&str> = listing.results.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(order, ids.iter().map(String::as_str).collect::<Vec<_>>());
    let stats = emu.stats();
    assert!(stats.throttled >= 10, "{stats:?}");
    assert_eq!(listing.stats.throttled, stats.throttled);
    assert_eq!(listing.stats.calls, stats.list_account_roles);
    assert_eq!(listing.stats.calls, 50 + listing.stats.retries);
    let progress = progress.into_inner().unwrap();
    assert_eq!(progress.first(), Some(&(0, 50)));
    assert_eq!(progress.last(), Some(&(50, 50)));
    assert_eq!(progress.len(), 51);
}

/// A transport that answers 429 itself to a run of consecutive calls (`from..to`, counting
/// from 0), as a rate-based limit does once it is exceeded, and forwards everything else.
#[derive(Clone)]
struct ThrottleBurst {
    inner: HttpClient,
    calls: std::sync::Arc<std::sync::atomic::AtomicU64>,
    burst: std::ops::Range<u64>,
}

impl ThrottleBurst {
    fn hit(&self) -> bool {
        let call = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.burst.contains(&call)
    }

    fn throttled() -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(429)
            .header("x-amzn-ErrorType", "TooManyRequestsException")
            .body(br#"{"message":"Too many requests"}"#.to_vec())
            .unwrap()
    }
}

impl Transport for ThrottleBurst {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.send_once(request).await
    }

    async fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        if self.hit() {
            return Ok(Self::throttled());
        }
        self.inner.send_once(request).await
    }
}

#[tokio::test]
async fn throttles_in_a_row_make_the_pool_back_off_for_real() {
    let (emu, endpoint, token) = start(Emulator::builder().accounts(50).roles_per_account(2)).await;
    let ids = account_ids(50);
    let transport = ThrottleBurst {
        inner: client(),
        calls: std::sync::Arc::default(),
        burst: 10..40,
    };
    let listing = portal::list_all_roles(
        &transport,
        &endpoint,
        &token,
        &ids,
        &fast_pool(),
        &|_, _| {},
    )
    .await;
    assert_eq!(listing.stats.failed_accounts, 0, "{:?}", listing.stats);
    assert_eq!(listing.roles().count(), 100);
    assert_eq!(listing.stats.throttled, 30);
    assert_eq!(listing.stats.calls, 50 + 30);
    assert_eq!(emu.stats().list_account_roles, 50);
    // 30 throttles in a row halve the limit (no floor) at least twice from the initial 8.
    assert!(listing.stats.min_concurrency <= 2, "{:?}", listing.stats);
}

/// A transport that answers 500 for one account's role listing and forwards everything else.
#[derive(Clone)]
struct FailOneAccount {
    inner: HttpClient,
    account_id: String,
}

impl FailOneAccount {
    fn hit(&self, request: &http::Request<Vec<u8>>) -> bool {
        request
            .uri()
            .query()
            .is_some_and(|q| q.contains(&format!("account_id={}", self.account_id)))
    }

    fn failure() -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(500)
            .header(
                "x-amzn-ErrorType",
                "InternalServerException:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/",
            )
            .body(br#"{"message":"injected"}"#.to_vec())
            .unwrap()
    }
}

impl Transport for FailOneAccount {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        if self.hit(&request) {
            return Ok(Self::failure());
        }
        self.inner.send(request).await
    }

    async fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        if self.hit(&request) {
            return Ok(Self::failure());
        }
        self.inner.send_once(request).await
    }
}

#[tokio::test]
async fn one_failing_account_is_reported_and_the_others_complete() {
    let (_emu, endpoint, token) =
        start(Emulator::builder().accounts(20).roles_per_account(2)).await;
    let ids = account_ids(20);
    let transport = FailOneAccount {
        inner: client(),
        account_id: account_id(6),
    };
    let listing = portal::list_all_roles(
        &transport,
        &endpoint,
        &token,
        &ids,
        &fast_pool(),
        &|_, _| {},
    )
    .await;
    let failures: Vec<_> = listing.failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].0, account_id(6));
    let service = failures[0].1.service_error().unwrap();
    assert_eq!(service.status, 500);
    assert_eq!(listing.roles().count(), 38);
    // The failing account was tried the configured number of times (3), no more.
    assert_eq!(listing.stats.calls, 19 + 3);
    assert_eq!(listing.stats.failed_accounts, 1);
}

#[tokio::test]
async fn an_invalid_token_stops_the_pool_after_one_request() {
    let (emu, endpoint, _token) = start(Emulator::builder().accounts(20)).await;
    let ids = account_ids(20);
    let config = fast_pool().initial_concurrency(1);
    let listing = portal::list_all_roles(
        &client(),
        &endpoint,
        &AccessToken::new("bogus"),
        &ids,
        &config,
        &|_, _| {},
    )
    .await;
    assert_eq!(listing.stats.failed_accounts, 20);
    assert!(listing.failures().all(|(_, e)| e.is_unauthorized()));
    assert_eq!(emu.stats().list_account_roles, 1);
}

#[tokio::test]
async fn role_credentials_are_converted_for_the_cache() {
    let (emu, endpoint, token) = start(Emulator::builder()).await;
    let credentials = portal::get_role_credentials(
        &client(),
        &endpoint,
        &token,
        "111111111111",
        "ReadOnlyAccess",
        now_oidc(),
    )
    .await
    .unwrap();
    assert!(credentials.access_key_id.starts_with("ASIA"));
    assert!(
        credentials
            .session_token
            .expose_secret()
            .starts_with("emu-st-")
    );
    assert_eq!(credentials.account_id.as_deref(), Some("111111111111"));
    let now = sso_cache::Timestamp::from_unix_ms(crate::clock::WallClock::now_unix_ms(
        &crate::clock::SystemClock,
    ));
    assert!(credentials.is_fresh(now, Duration::from_secs(15 * 60)));
    assert!(!format!("{credentials:?}").contains(credentials.secret_access_key.expose_secret()));
    assert_eq!(emu.stats().get_role_credentials, 1);
}

/// The current time as the protocol core counts it.
fn now_oidc() -> sso_oidc::Timestamp {
    sso_oidc::Timestamp::from_unix_ms(crate::clock::WallClock::now_unix_ms(
        &crate::clock::SystemClock,
    ))
}

#[tokio::test]
async fn role_credentials_with_absurd_expirations_are_refused_or_bounded() {
    let (emu, endpoint, token) = start(Emulator::builder()).await;
    let http = client();
    let fetch = || {
        portal::get_role_credentials(
            &http,
            &endpoint,
            &token,
            "111111111111",
            "ReadOnlyAccess",
            now_oidc(),
        )
    };
    // Expired a minute ago by the server's clock: kept as the SDKs keep it, and never fresh.
    emu.update_config(|c| {
        c.role_credentials_lifetime_secs = 0;
        c.clock_offset_secs = -60;
    })
    .unwrap();
    let expired = fetch().await.unwrap();
    let now = now_oidc();
    assert!(expired.expiration < now, "{}", expired.expiration);
    assert!(!expired.is_fresh(now, Duration::ZERO));

    emu.update_config(|c| {
        c.role_credentials_lifetime_secs = 10 * 365 * 24 * 3600;
        c.clock_offset_secs = 0;
    })
    .unwrap();
    let before = now_oidc();
    let credentials = fetch().await.unwrap();
    let latest = now_oidc().saturating_add(sso_oidc::MAX_ROLE_CREDENTIALS_LIFETIME);
    assert!(
        credentials.expiration <= latest,
        "{}",
        credentials.expiration
    );
    assert!(
        credentials.expiration >= before.saturating_add(sso_oidc::MAX_ROLE_CREDENTIALS_LIFETIME)
    );
}
