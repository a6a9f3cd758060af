//! Unit tests of the credential server: the token, routing, the refresh windows, the JSON
//! answer, and a server on an ephemeral port driven by a scripted source over raw HTTP.

#![allow(clippy::unwrap_used)]

use std::io::{Read as _, Write as _};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use sso_cache::{SecretAccessKey, SessionToken};

use super::*;
use crate::clock::SystemClock;

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn credentials(key: &str, expiration: Option<Timestamp>) -> Credentials {
    Credentials {
        access_key_id: key.to_owned(),
        secret_access_key: SecretAccessKey::new("secret/Example+Key"),
        session_token: Some(SessionToken::new("IQoJsession==")),
        expiration,
        account_id: Some("111111111111".to_owned()),
    }
}

#[test]
fn tokens_are_random_hex_and_redacted() {
    let a = AuthToken::generate().unwrap();
    let b = AuthToken::generate().unwrap();
    assert_eq!(a.expose_secret().len(), 64);
    assert!(a.expose_secret().bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(a.expose_secret(), b.expose_secret());
    let shown = format!("{a:?}");
    assert!(!shown.contains(a.expose_secret()), "{shown}");
    assert!(HeaderValue::from_str(a.expose_secret()).is_ok());
}

#[test]
fn token_matching_is_exact() {
    let token = AuthToken::generate().unwrap();
    let secret = token.expose_secret().to_owned();
    assert!(token.matches(secret.as_bytes()));
    assert!(!token.matches(format!("Bearer {secret}").as_bytes()));
    assert!(!token.matches(&secret.as_bytes()[..63]));
    assert!(!token.matches(format!("{secret}\n").as_bytes()));
    assert!(!token.matches(secret.to_uppercase().as_bytes()) || secret == secret.to_uppercase());
    assert!(!token.matches(b""));
}

#[test]
fn routes_check_path_then_method_then_token() {
    let token = AuthToken::generate().unwrap();
    let good = Some(token.expose_secret().as_bytes());
    let get = Method::GET;
    assert_eq!(
        Route::of(&get, CREDENTIALS_PATH, good, &token),
        Route::Credentials
    );
    assert_eq!(
        Route::of(&get, CREDENTIALS_PATH, None, &token),
        Route::Unauthorized
    );
    assert_eq!(
        Route::of(&get, CREDENTIALS_PATH, Some(b"nope"), &token),
        Route::Forbidden
    );
    assert_eq!(Route::of(&get, "/", good, &token), Route::NotFound);
    assert_eq!(
        Route::of(&get, "/credentials/", good, &token),
        Route::NotFound
    );
    for method in [Method::POST, Method::PUT, Method::HEAD, Method::OPTIONS] {
        assert_eq!(
            Route::of(&method, CREDENTIALS_PATH, good, &token),
            Route::MethodNotAllowed
        );
    }
}

#[test]
fn freshness_windows() {
    let now = at("2026-01-01T00:00:00Z");
    assert_eq!(freshness(None, now), Freshness::Fresh);
    assert_eq!(
        freshness(Some(at("2026-01-01T01:00:00Z")), now),
        Freshness::Fresh
    );
    assert_eq!(
        freshness(Some(at("2026-01-01T00:20:01Z")), now),
        Freshness::Fresh
    );
    assert_eq!(
        freshness(Some(at("2026-01-01T00:20:00Z")), now),
        Freshness::Renewable
    );
    assert_eq!(
        freshness(Some(at("2026-01-01T00:01:01Z")), now),
        Freshness::Renewable
    );
    assert_eq!(
        freshness(Some(at("2026-01-01T00:01:00Z")), now),
        Freshness::Unusable
    );
    assert_eq!(
        freshness(Some(at("2025-12-31T00:00:00Z")), now),
        Freshness::Unusable
    );
}

#[test]
fn the_background_check_is_due_twenty_minutes_ahead() {
    let now = at("2026-01-01T00:00:00Z");
    assert_eq!(next_check(None, now), RECHECK_INTERVAL);
    assert_eq!(next_check(Some(None), now), Duration::from_secs(3600));
    assert_eq!(
        next_check(Some(Some(at("2026-01-01T01:00:00Z"))), now),
        Duration::from_secs(40 * 60)
    );
    // Inside the window, or expired: every RECHECK_INTERVAL.
    assert_eq!(
        next_check(Some(Some(at("2026-01-01T00:10:00Z"))), now),
        RECHECK_INTERVAL
    );
    assert_eq!(
        next_check(Some(Some(at("2025-01-01T00:00:00Z"))), now),
        RECHECK_INTERVAL
    );
}

#[test]
fn the_freshest_credentials_win() {
    let early = credentials("ASIAEARLY", Some(at("2026-01-01T01:00:00Z")));
    let late = credentials("ASIALATE", Some(at("2026-01-01T02:00:00Z")));
    assert_eq!(
        freshest(Some(early.clone()), late.clone()).access_key_id,
        "ASIALATE"
    );
    assert_eq!(
        freshest(Some(late.clone()), early.clone()).access_key_id,
        "ASIALATE"
    );
    assert_eq!(freshest(None, early.clone()).access_key_id, "ASIAEARLY");
    let same = credentials("ASIANEW", Some(at("2026-01-01T01:00:00Z")));
    assert_eq!(freshest(Some(early), same).access_key_id, "ASIANEW");
}

#[test]
fn json_has_the_exact_keys_and_a_z_expiration() {
    let now = at("2026-01-01T00:00:00Z");
    let body = credentials_json(
        &credentials("ASIAEXAMPLE", Some(at("2026-08-21T18:24:45Z"))),
        now,
    )
    .unwrap();
    assert_eq!(
        body.as_str(),
        r#"{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret/Example+Key","Token":"IQoJsession==","Expiration":"2026-08-21T18:24:45Z","AccountId":"111111111111"}"#
    );
    // No account: no AccountId; no expiry: an hour ahead.
    let mut other = credentials("ASIAEXAMPLE", None);
    other.account_id = None;
    let body: serde_json::Value =
        serde_json::from_str(&credentials_json(&other, now).unwrap()).unwrap();
    assert_eq!(body["Expiration"], "2026-01-01T01:00:00Z");
    assert!(body.get("AccountId").is_none());
    // Long-term keys cannot be served.
    other.session_token = None;
    let failure = credentials_json(&other, now).unwrap_err();
    assert_eq!(failure.kind, FailureKind::Failed);
    assert!(!failure.message.contains("secret/Example+Key"));
}

#[test]
fn failure_bodies_are_bounded_and_printable() {
    assert_eq!(failure_body("run `sso login`"), "run `sso login`\n");
    assert_eq!(failure_body("a\u{1b}[31mb\r\nc\n\n"), "a [31mb \nc\n");
    let long = failure_body(&"é".repeat(2000));
    assert!(long.len() <= MAX_MESSAGE_BYTES + 1);
    assert!(long.ends_with('\n'));
    assert_eq!(
        FailureKind::SignInRequired.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        FailureKind::Unavailable.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        FailureKind::Failed.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
}

/// A source answering from a script: fails with `SignInRequired` until `signed_in` is set.
struct Scripted {
    signed_in: std::sync::atomic::AtomicBool,
    calls: AtomicUsize,
    lifetime_secs: AtomicU64,
}

impl Scripted {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            signed_in: std::sync::atomic::AtomicBool::new(false),
            calls: AtomicUsize::new(0),
            lifetime_secs: AtomicU64::new(3600),
        })
    }
}

impl CredentialSource for Scripted {
    fn fetch(&self) -> Result<Credentials, SourceFailure> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if !self.signed_in.load(Ordering::SeqCst) {
            return Err(SourceFailure::new(
                FailureKind::SignInRequired,
                "no SSO token; run `sso login --profile dev`",
            ));
        }
        let now = sso_cache::Timestamp::from_unix_ms(SystemClock.now_unix_ms());
        let lifetime = Duration::from_secs(self.lifetime_secs.load(Ordering::SeqCst));
        Ok(credentials(
            &format!("ASIACALL{call}"),
            Some(now.saturating_add(lifetime)),
        ))
    }
}

/// A raw HTTP/1.1 request; the status and the body.
fn get(addr: SocketAddr, method: &str, path: &str, authorization: Option<&str>) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if let Some(value) = authorization {
        request.push_str(&format!("Authorization: {value}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

async fn fetch(
    addr: SocketAddr,
    method: &'static str,
    path: &'static str,
    authorization: Option<String>,
) -> (u16, String) {
    // Asked again, as SDKs do, while a fetch delayed by a loaded machine still runs.
    for _ in 0..20 {
        let sent = authorization.clone();
        let (status, body) =
            tokio::task::spawn_blocking(move || get(addr, method, path, sent.as_deref()))
                .await
                .unwrap();
        if !body.starts_with("credentials are being fetched") {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the credentials were still being fetched after 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_after_sign_in_and_refuses_wrong_tokens() {
    let source = Scripted::new();
    let server = CredentialServer::bind(
        0,
        Arc::clone(&source) as Arc<dyn CredentialSource>,
        Arc::new(SystemClock),
        None,
    )
    .await
    .unwrap();
    let addr = server.local_addr();
    assert_eq!(
        server.url(),
        format!("http://127.0.0.1:{}/credentials", addr.port())
    );
    let token = server.token().expose_secret().to_owned();

    // Not signed in: 503 with the advice.
    let (status, body) = fetch(addr, "GET", "/credentials", Some(token.clone())).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("sso login --profile dev"), "{body}");

    // Signed in: the next request succeeds without a restart.
    source.signed_in.store(true, Ordering::SeqCst);
    let (status, body) = fetch(addr, "GET", "/credentials", Some(token.clone())).await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let key = json["AccessKeyId"].as_str().unwrap().to_owned();
    assert!(key.starts_with("ASIACALL"));
    assert!(json["Expiration"].as_str().unwrap().ends_with('Z'));

    // Fresh credentials come from memory.
    let calls = source.calls.load(Ordering::SeqCst);
    let (status, body) = fetch(addr, "GET", "/credentials", Some(token.clone())).await;
    assert_eq!(status, 200);
    assert!(body.contains(&key));
    assert_eq!(source.calls.load(Ordering::SeqCst), calls);

    // Wrong and missing tokens: nothing leaks.
    for (sent, expected) in [(None, 401), (Some("wrong".to_owned()), 403)] {
        let (status, body) = fetch(addr, "GET", "/credentials", sent).await;
        assert_eq!(status, expected);
        assert!(!body.contains("ASIA"), "{body}");
        assert!(!body.contains("secret"), "{body}");
        assert!(!body.contains(&token), "{body}");
        assert!(!body.contains("wrong"), "{body}");
    }
    let (status, _) = fetch(addr, "POST", "/credentials", Some(token.clone())).await;
    assert_eq!(status, 405);
    let (status, _) = fetch(addr, "GET", "/other", Some(token.clone())).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_credentials_are_renewed_on_request() {
    let source = Scripted::new();
    source.signed_in.store(true, Ordering::SeqCst);
    // Ten minutes: always inside the renewal window.
    source.lifetime_secs.store(600, Ordering::SeqCst);
    let server = CredentialServer::bind(
        0,
        Arc::clone(&source) as Arc<dyn CredentialSource>,
        Arc::new(SystemClock),
        None,
    )
    .await
    .unwrap();
    let token = server.token().expose_secret().to_owned();
    let (status, first) = fetch(
        server.local_addr(),
        "GET",
        "/credentials",
        Some(token.clone()),
    )
    .await;
    assert_eq!(status, 200, "{first}");
    // Renewable: served, and at most one fetch per ten seconds.
    let (status, second) = fetch(server.local_addr(), "GET", "/credentials", Some(token)).await;
    assert_eq!(status, 200);
    assert_eq!(first, second);
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_are_refused() {
    let source = Scripted::new();
    let server = CredentialServer::bind(0, source, Arc::new(SystemClock), None)
        .await
        .unwrap();
    let addr = server.local_addr();
    let huge = "x".repeat(16 * 1024);
    let (status, body) = fetch(addr, "GET", "/credentials", Some(huge)).await;
    assert_eq!(status, 431, "{body}");
}

/// A clock the test moves.
struct FakeClock(AtomicU64);

impl WallClock for FakeClock {
    fn now_unix_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A source whose credentials expire an hour after the fake clock's now.
struct OnTheClock {
    clock: Arc<FakeClock>,
    calls: AtomicUsize,
    fail: std::sync::atomic::AtomicBool,
}

impl CredentialSource for OnTheClock {
    fn fetch(&self) -> Result<Credentials, SourceFailure> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail.load(Ordering::SeqCst) {
            return Err(SourceFailure::new(
                FailureKind::Unavailable,
                "the portal did not answer",
            ));
        }
        let now = sso_cache::Timestamp::from_unix_ms(self.clock.now_unix_ms());
        Ok(credentials(
            &format!("ASIACALL{call}"),
            Some(now.saturating_add(Duration::from_secs(3600))),
        ))
    }
}

const START_MS: u64 = 1_800_000_000_000;

fn on_the_clock(fail: bool) -> (Arc<FakeClock>, Arc<OnTheClock>) {
    let clock = Arc::new(FakeClock(AtomicU64::new(START_MS)));
    let source = Arc::new(OnTheClock {
        clock: Arc::clone(&clock),
        calls: AtomicUsize::new(0),
        fail: std::sync::atomic::AtomicBool::new(fail),
    });
    (clock, source)
}

/// A server over [`on_the_clock`]'s clock and source, first serving credentials that expire
/// `initial_secs` after the start.
async fn serving_on_the_clock(
    fail: bool,
    initial_secs: u64,
) -> (Arc<FakeClock>, Arc<OnTheClock>, CredentialServer) {
    let (clock, source) = on_the_clock(fail);
    let server = CredentialServer::bind(
        0,
        Arc::clone(&source) as Arc<dyn CredentialSource>,
        Arc::clone(&clock) as Arc<dyn WallClock>,
        Some(expiring_in(initial_secs)),
    )
    .await
    .unwrap();
    (clock, source, server)
}

fn expiring_in(secs: u64) -> Credentials {
    let start = sso_cache::Timestamp::from_unix_ms(START_MS);
    credentials(
        "ASIAINITIAL",
        Some(start.saturating_add(Duration::from_secs(secs))),
    )
}

fn key_of(body: &str) -> String {
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    json["AccessKeyId"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_renewed_before_they_get_within_twenty_minutes() {
    let (clock, source, server) = serving_on_the_clock(false, 30 * 60).await;
    let addr = server.local_addr();
    let token = Some(server.token().expose_secret().to_owned());
    // 30 minutes left: from memory.
    let (status, body) = fetch(addr, "GET", "/credentials", token.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(key_of(&body), "ASIAINITIAL");
    assert_eq!(source.calls.load(Ordering::SeqCst), 0);
    // 15 minutes left: the request renews them first.
    clock.0.fetch_add(15 * 60 * 1000, Ordering::SeqCst);
    let (status, body) = fetch(addr, "GET", "/credentials", token.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(key_of(&body), "ASIACALL1");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let expected = sso_cache::Timestamp::from_unix_ms(clock.now_unix_ms())
        .saturating_add(Duration::from_secs(3600))
        .to_rfc3339_seconds();
    assert_eq!(json["Expiration"], expected.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiring_credentials_are_never_served() {
    let (clock, source, server) = serving_on_the_clock(true, 10 * 60).await;
    let addr = server.local_addr();
    let token = Some(server.token().expose_secret().to_owned());
    // Ten minutes left and the source fails: the old ones are still served.
    let (status, body) = fetch(addr, "GET", "/credentials", token.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(key_of(&body), "ASIAINITIAL");
    // Thirty seconds left: never served; the failure instead, as a 503.
    clock.0.fetch_add((9 * 60 + 30) * 1000, Ordering::SeqCst);
    let (status, body) = fetch(addr, "GET", "/credentials", token.clone()).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, "the portal did not answer\n");
    // Once the source works again, new ones.
    source.fail.store(false, Ordering::SeqCst);
    let (status, body) = fetch(addr, "GET", "/credentials", token).await;
    assert_eq!(status, 200, "{body}");
    assert!(key_of(&body).starts_with("ASIACALL"));
}
