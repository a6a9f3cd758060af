//! `HttpClient` against wiremock: retries, timeouts, refused connections, proxies, CA bundles.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::env::Env;
use crate::http::{
    Attempt, AttemptObserver, AttemptOutcome, ClientBuildError, HttpClient, HttpConfig,
    TransportErrorKind,
};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Fast backoff so retry tests do not wait; the empty environment keeps the developer's proxy
/// variables out of the tests.
fn config() -> HttpConfig {
    HttpConfig::default().backoff(Duration::from_millis(1), Duration::from_millis(5))
}

fn client(config: HttpConfig) -> HttpClient {
    HttpClient::new(config, &Env::from_vars::<&str, &str>([])).unwrap()
}

fn post(url: &str, body: &str) -> http::Request<Vec<u8>> {
    http::Request::post(url)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).unwrap()
}

/// Records every attempt's outcome and planned delay.
#[derive(Default)]
struct Recorder(Mutex<Vec<(u32, AttemptOutcome, Option<Duration>)>>);

impl AttemptObserver for Recorder {
    fn attempt_finished(&self, attempt: &Attempt<'_>) {
        assert!(!attempt.url.contains("SECRET"), "{}", attempt.url);
        self.0
            .lock()
            .unwrap()
            .push((attempt.number, attempt.outcome, attempt.retry_in));
    }
}

async fn mount_sequence(
    server: &MockServer,
    first: ResponseTemplate,
    times: u64,
    then: ResponseTemplate,
) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(then)
        .with_priority(2)
        .mount(server)
        .await;
}

#[tokio::test]
async fn service_unavailable_is_retried_until_success() {
    let server = MockServer::start().await;
    let ok = ResponseTemplate::new(200).set_body_string(r#"{"accessToken":"t"}"#);
    mount_sequence(&server, ResponseTemplate::new(503), 2, ok).await;
    let client = client(config());
    let response = client
        .send(post(&format!("{}/token", server.uri()), "{}"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), br#"{"accessToken":"t"}"#);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    let stats = client.stats();
    assert_eq!((stats.requests, stats.attempts, stats.retries), (1, 3, 2));
}

#[tokio::test]
async fn throttling_is_retried() {
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        ResponseTemplate::new(429),
        1,
        ResponseTemplate::new(200),
    )
    .await;
    let response = client(config())
        .send(post(&format!("{}/token", server.uri()), "{}"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    let server = MockServer::start().await;
    let throttled = ResponseTemplate::new(400).insert_header(
        "x-amzn-ErrorType",
        "ThrottlingException:http://internal.amazon.com/coral/",
    );
    mount_sequence(&server, throttled, 1, ResponseTemplate::new(200)).await;
    let response = client(config())
        .send(post(&format!("{}/token", server.uri()), "{}"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn client_errors_and_oidc_slow_down_are_returned_without_retry() {
    for template in [
        ResponseTemplate::new(400).set_body_string(r#"{"error":"invalid_grant"}"#),
        ResponseTemplate::new(400)
            .insert_header("x-amzn-ErrorType", "SlowDownException")
            .set_body_string(r#"{"error":"slow_down"}"#),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(template)
            .mount(&server)
            .await;
        let client = client(config());
        let response = client
            .send(post(&format!("{}/token", server.uri()), "{}"))
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
        assert_eq!(client.stats().retries, 0);
    }
}

#[tokio::test]
async fn the_last_error_response_is_returned_when_attempts_run_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .mount(&server)
        .await;
    let response = client(config())
        .send(post(&format!("{}/token", server.uri()), "{}"))
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.body(), b"busy");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    let client = client(config().max_attempts(5));
    client
        .send(post(&format!("{}/token", server.uri()), "{}"))
        .await
        .unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 3 + 5);
    client
        .send_once(post(&format!("{}/token", server.uri()), "{}"))
        .await
        .unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 3 + 5 + 1);
    let single = self::client(config().max_attempts(1));
    single
        .send(post(&format!("{}/token", server.uri()), "{}"))
        .await
        .unwrap();
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3 + 5 + 1 + 1
    );
}

#[tokio::test]
async fn method_headers_and_body_reach_the_server_and_come_back() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(header("content-type", "application/json"))
        .and(header("x-test", "1"))
        .and(body_string(r#"{"grantType":"refresh_token"}"#))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-amzn-requestid", "abc")
                .set_body_string("ok"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut request = post(
        &format!("{}/token", server.uri()),
        r#"{"grantType":"refresh_token"}"#,
    );
    request
        .headers_mut()
        .insert("x-test", http::HeaderValue::from_static("1"));
    let response = client(config()).send(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-amzn-requestid"], "abc");
    assert_eq!(response.body(), b"ok");
}

#[tokio::test]
async fn refused_connections_are_retried_then_reported_with_the_url() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = client(config());
    let url = format!("http://127.0.0.1:{port}/token?code=SECRET1&state=SECRET2");
    let error = client.send(post(&url, "{}")).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Connect);
    assert_eq!(error.attempts(), 3);
    assert_eq!(
        error.to_string(),
        format!(
            "could not connect to http://127.0.0.1:{port}/token?code=<redacted>&state=<redacted>: connection refused (3 attempts)"
        )
    );
    assert!(!format!("{error:?}").contains("SECRET"));
    assert_eq!(client.stats().attempts, 3);

    let error = client
        .send_once(get(&format!("http://127.0.0.1:{port}")))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("could not connect to http://127.0.0.1:{port}: connection refused")
    );
}

#[tokio::test]
async fn a_stalled_server_hits_the_read_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let client = client(
        config()
            .read_timeout(Duration::from_millis(200))
            .max_attempts(2),
    );
    let error = client
        .send(get(&format!("{}/slow", server.uri())))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::ReadTimeout);
    assert_eq!(
        error.to_string(),
        format!(
            "no response from {}/slow: nothing received for 200 ms (read timeout) (2 attempts)",
            server.uri()
        )
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retry_after_is_honoured_and_bounded() {
    let server = MockServer::start().await;
    let throttled = ResponseTemplate::new(429).insert_header("retry-after", "1");
    mount_sequence(&server, throttled, 1, ResponseTemplate::new(200)).await;
    let recorder = Arc::new(Recorder::default());
    let client = client(config().observer(recorder.clone()));
    let response = client
        .send(post(&format!("{}/token?x=SECRET", server.uri()), "{}"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        *recorder.0.lock().unwrap(),
        [
            (
                1,
                AttemptOutcome::Status(http::StatusCode::TOO_MANY_REQUESTS),
                Some(Duration::from_secs(1))
            ),
            (2, AttemptOutcome::Status(http::StatusCode::OK), None),
        ]
    );

    let server = MockServer::start().await;
    let throttled = ResponseTemplate::new(503).insert_header("retry-after", "3600");
    mount_sequence(&server, throttled, 1, ResponseTemplate::new(200)).await;
    let recorder = Arc::new(Recorder::default());
    let client = self::client(
        config()
            .retry_after_cap(Duration::from_millis(20))
            .observer(recorder.clone()),
    );
    client
        .send(post(&format!("{}/token", server.uri()), "{}"))
        .await
        .unwrap();
    let first = recorder.0.lock().unwrap()[0];
    assert_eq!(first.2, Some(Duration::from_millis(20)));
}

#[tokio::test]
async fn backoff_delays_stay_within_the_configured_cap() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let recorder = Arc::new(Recorder::default());
    let client = client(config().max_attempts(4).observer(recorder.clone()));
    client
        .send(post(&format!("{}/token", server.uri()), "{}"))
        .await
        .unwrap();
    let attempts = recorder.0.lock().unwrap().clone();
    assert_eq!(attempts.len(), 4);
    for (number, outcome, retry_in) in &attempts[..3] {
        assert_eq!(
            *outcome,
            AttemptOutcome::Status(http::StatusCode::INTERNAL_SERVER_ERROR)
        );
        let ceiling = Duration::from_millis(1 << (number - 1)).min(Duration::from_millis(5));
        assert!(retry_in.unwrap() <= ceiling, "{number}: {retry_in:?}");
    }
    assert_eq!(attempts[3].2, None);
}

#[test]
fn unreadable_or_invalid_ca_bundles_are_named() {
    let missing = "/nonexistent/sso-driver-test/bundle.pem";
    let error = HttpClient::new(
        HttpConfig::default().ca_bundle(missing),
        &Env::from_vars::<&str, &str>([]),
    )
    .unwrap_err();
    assert!(matches!(error, ClientBuildError::CaBundleUnreadable { .. }));
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "could not read the CA bundle {missing} (from ca_bundle): "
        )),
        "{message}"
    );

    let error = HttpClient::new(
        HttpConfig::default(),
        &Env::from_vars([("AWS_CA_BUNDLE", missing)]),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("(from AWS_CA_BUNDLE)"),
        "{error}"
    );

    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "this is not a certificate\n").unwrap();
    let error = HttpClient::new(
        HttpConfig::default().ca_bundle(&garbage),
        &Env::from_vars::<&str, &str>([]),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "the CA bundle {} (from ca_bundle) is not a valid PEM certificate bundle: no BEGIN CERTIFICATE block found",
            garbage.display()
        )
    );

    let broken = dir.path().join("broken.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let error = HttpClient::new(
        HttpConfig::default().ca_bundle(&broken),
        &Env::from_vars::<&str, &str>([]),
    )
    .unwrap_err();
    assert!(
        matches!(error, ClientBuildError::CaBundleInvalid { .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains(&broken.display().to_string()),
        "{error}"
    );
}

#[tokio::test]
async fn http_proxy_from_the_environment_map_is_used_and_no_proxy_bypasses_it() {
    let proxy = MockServer::start().await;
    let target = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/hello"))
        .respond_with(ResponseTemplate::new(200).set_body_string("via proxy"))
        .mount(&proxy)
        .await;
    Mock::given(method("GET"))
        .and(path("/hello"))
        .respond_with(ResponseTemplate::new(200).set_body_string("direct"))
        .mount(&target)
        .await;
    let url = format!("{}/hello", target.uri());

    let env = Env::from_vars([("HTTP_PROXY", proxy.uri())]);
    let client = HttpClient::new(config(), &env).unwrap();
    let response = client.send(get(&url)).await.unwrap();
    assert_eq!(response.body(), b"via proxy");
    // An HTTP proxy receives the absolute URL of the target.
    let seen = proxy.received_requests().await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].url.port(), target.address().port().into());
    assert!(target.received_requests().await.unwrap().is_empty());

    let env = Env::from_vars([
        ("http_proxy", proxy.uri()),
        ("NO_PROXY", "127.0.0.1".to_owned()),
    ]);
    let client = HttpClient::new(config(), &env).unwrap();
    assert_eq!(client.send(get(&url)).await.unwrap().body(), b"direct");
    assert_eq!(proxy.received_requests().await.unwrap().len(), 1);

    // HTTPS_PROXY is not used for http:// URLs.
    let env = Env::from_vars([("HTTPS_PROXY", proxy.uri())]);
    let client = HttpClient::new(config(), &env).unwrap();
    assert_eq!(client.send(get(&url)).await.unwrap().body(), b"direct");
}

#[test]
fn invalid_proxy_urls_are_reported_without_their_value() {
    let env = Env::from_vars([("HTTPS_PROXY", "http://user:hunter2@[::1")]);
    let error = HttpClient::new(HttpConfig::default(), &env).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the proxy URL in HTTPS_PROXY is invalid; expected e.g. http://proxy.example.com:3128"
    );
}

/// The variable that turns the test binary into the child of
/// `proxy_variables_of_the_process_environment_are_honoured`.
const CHILD_TARGET: &str = "SSO_DRIVER_TEST_PROXY_CHILD_TARGET";

#[tokio::test]
async fn proxy_variables_of_the_process_environment_are_honoured() {
    if let Ok(target) = std::env::var(CHILD_TARGET) {
        // Child: HTTP_PROXY is set in this process's real environment.
        let client = HttpClient::new(config(), &Env::process()).unwrap();
        let response = client.send(get(&target)).await.unwrap();
        assert_eq!(response.body(), b"via proxy");
        return;
    }
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("via proxy"))
        .mount(&proxy)
        .await;
    // Nothing listens on the target port, so only the proxy can answer.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    // This test's name as the harness lists it: its module path without the crate's name.
    let (_, module) = module_path!().split_once("::").unwrap();
    let this_test = format!("{module}::proxy_variables_of_the_process_environment_are_honoured");
    let output = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &this_test, "--nocapture"])
        .env(CHILD_TARGET, format!("http://127.0.0.1:{port}/hello"))
        .env("HTTP_PROXY", proxy.uri())
        .env_remove("http_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert_eq!(proxy.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn non_http_urls_are_refused_before_sending() {
    let error = client(config())
        .send(get("ftp://127.0.0.1/file"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::InvalidRequest);
    assert_eq!(
        error.to_string(),
        "cannot send a request to ftp://127.0.0.1/file: only http and https URLs are supported"
    );
}

/// A server on 127.0.0.1 that answers every request with a body that never ends (chunked) or
/// with a `Content-Length` far above the cap; returns its URL and how many body bytes it
/// managed to send in total.
async fn endless_server(
    declared_length: Option<u64>,
) -> (String, Arc<std::sync::atomic::AtomicU64>) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/big", listener.local_addr().unwrap());
    let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = Arc::clone(&sent);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let head = match declared_length {
                    Some(length) => format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n\r\n"),
                    None => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned(),
                };
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let data = vec![b'x'; 64 * 1024];
                let chunk = match declared_length {
                    Some(_) => data,
                    None => [
                        format!("{:x}\r\n", data.len()).into_bytes(),
                        data,
                        b"\r\n".to_vec(),
                    ]
                    .concat(),
                };
                // Until the client goes away.
                while stream.write_all(&chunk).await.is_ok() {
                    counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
            });
        }
    });
    (url, sent)
}

#[tokio::test]
async fn an_endless_response_body_is_refused_without_buffering_it() {
    use crate::http::MAX_RESPONSE_BODY_BYTES;
    let client = client(config());
    let (url, sent) = endless_server(None).await;
    let error = client.send(get(&url)).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::ResponseTooLarge);
    assert!(!error.kind().is_retryable());
    assert_eq!(error.attempts(), 1);
    assert_eq!(
        error.to_string(),
        format!("the response from {url} is too large: more than 4 MiB; refusing to read it")
    );
    // The client stopped reading at the cap: the server got no further than the cap plus what
    // the sockets buffer.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let sent = sent.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        sent < 8 * MAX_RESPONSE_BODY_BYTES as u64,
        "the server sent {sent} bytes"
    );

    // A declared length above the cap is refused before the body is read.
    let (url, _) = endless_server(Some(300 * 1024 * 1024)).await;
    let error = client.send_once(get(&url)).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::ResponseTooLarge);
}

#[tokio::test]
async fn a_body_just_under_the_cap_is_read() {
    use crate::http::MAX_RESPONSE_BODY_BYTES;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_bytes(vec![b'y'; MAX_RESPONSE_BODY_BYTES]),
        )
        .mount(&server)
        .await;
    let response = client(config())
        .send(get(&format!("{}/full", server.uri())))
        .await
        .unwrap();
    assert_eq!(response.body().len(), MAX_RESPONSE_BODY_BYTES);
}
