//! The loopback listener, driven by a real HTTP client over 127.0.0.1.

use std::net::IpAddr;
use std::time::Duration;

use crate::loopback::{CallbackOutcome, LoopbackError, LoopbackServer};

/// A browser stand-in that ignores proxy variables.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

struct Page {
    status: u16,
    content_type: String,
    cache_control: String,
    body: String,
}

async fn fetch(method: reqwest::Method, url: String) -> Page {
    let response = browser().request(method, url).send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let content_type = header("content-type");
    let cache_control = header("cache-control");
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    Page {
        status,
        content_type,
        cache_control,
        body,
    }
}

fn spawn_get(url: String) -> tokio::task::JoinHandle<Page> {
    tokio::spawn(fetch(reqwest::Method::GET, url))
}

fn assert_page_headers(page: &Page) {
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert_eq!(page.cache_control, "no-store");
    assert!(page.body.starts_with("<!doctype html>"), "{}", page.body);
}

#[tokio::test]
async fn binds_127_0_0_1_and_builds_the_redirect_uri() {
    let server = LoopbackServer::bind(None).await.unwrap();
    assert_eq!(server.local_addr().ip(), IpAddr::from([127, 0, 0, 1]));
    assert_ne!(server.port(), 0);
    assert_eq!(
        server.redirect_uri(),
        format!("http://127.0.0.1:{}/oauth/callback", server.port())
    );
}

#[tokio::test]
async fn a_callback_is_forwarded_and_the_browser_gets_the_verdict() {
    let mut server = LoopbackServer::bind(None).await.unwrap();
    let page = spawn_get(format!(
        "{}?code=SECRETCODE&state=SECRETSTATE",
        server.redirect_uri()
    ));
    let callback = server.next_callback().await.unwrap();
    assert_eq!(
        callback.query().expose_secret(),
        "code=SECRETCODE&state=SECRETSTATE"
    );
    assert!(!format!("{callback:?}").contains("SECRET"));
    callback.respond(CallbackOutcome::SignedIn);
    let page = page.await.unwrap();
    assert_eq!(page.status, 200);
    assert_page_headers(&page);
    assert!(
        page.body
            .contains("sso: signed in, you can close this tab."),
        "{}",
        page.body
    );
    assert!(!page.body.contains("SECRET"), "{}", page.body);
}

#[tokio::test]
async fn other_paths_methods_and_stray_queries_are_answered_but_not_forwarded() {
    let mut server = LoopbackServer::bind(None).await.unwrap();
    let base = format!("http://127.0.0.1:{}", server.port());

    let page = fetch(reqwest::Method::GET, format!("{base}/favicon.ico")).await;
    assert_eq!(page.status, 404);
    assert_page_headers(&page);
    let page = fetch(
        reqwest::Method::GET,
        format!("{base}/?code=SECRETCODE&state=s"),
    )
    .await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("SECRET"));
    let page = fetch(
        reqwest::Method::POST,
        format!("{base}/oauth/callback?code=SECRETCODE&state=s"),
    )
    .await;
    assert_eq!(page.status, 405);
    assert_page_headers(&page);
    let page = fetch(reqwest::Method::GET, format!("{base}/oauth/callback")).await;
    assert_eq!(page.status, 400);
    let page = fetch(
        reqwest::Method::GET,
        format!("{base}/oauth/callback?utm_source=x"),
    )
    .await;
    assert_eq!(page.status, 400);
    assert_page_headers(&page);

    // None of the above reached the driver: the first callback it sees is this one.
    let page = spawn_get(format!("{}?code=real&state=s", server.redirect_uri()));
    let callback = server.next_callback().await.unwrap();
    assert_eq!(callback.query().expose_secret(), "code=real&state=s");
    callback.respond(CallbackOutcome::SignedIn);
    assert_eq!(page.await.unwrap().status, 200);
}

#[tokio::test]
async fn callbacks_after_the_first_are_not_forwarded() {
    let mut server = LoopbackServer::bind(None).await.unwrap();
    let first = spawn_get(format!("{}?code=one&state=s", server.redirect_uri()));
    let callback = server.next_callback().await.unwrap();
    callback.respond(CallbackOutcome::SignedIn);
    assert_eq!(first.await.unwrap().status, 200);

    let page = fetch(
        reqwest::Method::GET,
        format!("{}?code=SECRETTWO&state=s", server.redirect_uri()),
    )
    .await;
    assert_eq!(page.status, 409);
    assert_page_headers(&page);
    assert!(page.body.contains("already completed"), "{}", page.body);
    assert!(!page.body.contains("SECRET"));
    // Nothing new is waiting for the driver.
    let next = tokio::time::timeout(Duration::from_millis(50), server.next_callback()).await;
    assert!(next.is_err(), "a second callback was forwarded");
}

#[tokio::test]
async fn a_callback_that_is_not_ours_gets_400_and_the_listener_keeps_waiting() {
    let mut server = LoopbackServer::bind(None).await.unwrap();
    let stray = spawn_get(format!("{}?code=forged&state=wrong", server.redirect_uri()));
    server
        .next_callback()
        .await
        .unwrap()
        .respond(CallbackOutcome::NotOurs);
    let page = stray.await.unwrap();
    assert_eq!(page.status, 400);
    assert_page_headers(&page);
    assert!(
        page.body.contains("not for the sign-in waiting here"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("forged"), "{}", page.body);

    let real = spawn_get(format!("{}?code=real&state=s", server.redirect_uri()));
    let callback = server.next_callback().await.unwrap();
    assert_eq!(callback.query().expose_secret(), "code=real&state=s");
    callback.respond(CallbackOutcome::SignedIn);
    assert_eq!(real.await.unwrap().status, 200);
}

/// Sends a raw request to the listener and returns the status line's code.
async fn raw_status(port: u16, request: &[u8]) -> Option<u16> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    // The listener may answer and close before the whole request is written.
    let _ = stream.write_all(request).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await;
    let text = String::from_utf8_lossy(&response);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

#[tokio::test]
async fn requests_from_other_hosts_and_web_pages_are_refused() {
    let mut server = LoopbackServer::bind(None).await.unwrap();
    let port = server.port();
    let path = "/oauth/callback?code=SECRETCODE&state=s";
    for headers in [
        "Host: evil.example\r\n".to_owned(),
        format!("Host: rebind.evil.example:{port}\r\n"),
        format!("Host: 127.0.0.1:{port}\r\nOrigin: https://evil.example\r\n"),
        format!(
            "Host: 127.0.0.1:{port}\r\nSec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\nSec-Fetch-Dest: image\r\n"
        ),
        format!("Host: 127.0.0.1:{port}\r\nSec-Fetch-Site: same-site\r\nSec-Fetch-Mode: cors\r\n"),
    ] {
        let request = format!("GET {path} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n");
        assert_eq!(
            raw_status(port, request.as_bytes()).await,
            Some(403),
            "{headers}"
        );
    }
    // An oversized request head is not read to the end.
    let huge = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(crate::loopback::MAX_REQUEST_HEAD_BYTES * 4)
    );
    let status = raw_status(port, huge.as_bytes()).await;
    assert!(matches!(status, None | Some(431) | Some(400)), "{status:?}");
    let nothing = tokio::time::timeout(Duration::from_millis(50), server.next_callback()).await;
    assert!(nothing.is_err(), "a refused request was forwarded");

    // The real callback, as a browser sends it after the sign-in page's redirect.
    let real = format!(
        "GET /oauth/callback?code=real&state=s HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nSec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\nConnection: close\r\n\r\n"
    );
    let browser = tokio::spawn(async move { raw_status(port, real.as_bytes()).await });
    let callback = server.next_callback().await.unwrap();
    assert_eq!(callback.query().expose_secret(), "code=real&state=s");
    callback.respond(CallbackOutcome::SignedIn);
    assert_eq!(browser.await.unwrap(), Some(200));
}

#[tokio::test]
async fn error_callbacks_are_forwarded_and_the_message_is_escaped() {
    let mut server = LoopbackServer::bind(None).await.unwrap();
    let page = spawn_get(format!(
        "{}?error=access_denied&error_description=%3Cscript%3E",
        server.redirect_uri()
    ));
    let callback = server.next_callback().await.unwrap();
    assert_eq!(
        callback.query().expose_secret(),
        "error=access_denied&error_description=%3Cscript%3E"
    );
    callback.respond(CallbackOutcome::Failed {
        message: "access_denied: <script>alert(1)</script>".to_owned(),
    });
    let page = page.await.unwrap();
    assert_eq!(page.status, 400);
    assert_page_headers(&page);
    assert!(
        page.body
            .contains("access_denied: &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>"), "{}", page.body);
}

#[tokio::test]
async fn a_dropped_callback_shows_an_error_page() {
    let mut server = LoopbackServer::bind(None).await.unwrap();
    let page = spawn_get(format!("{}?code=c&state=s", server.redirect_uri()));
    drop(server.next_callback().await.unwrap());
    let page = page.await.unwrap();
    assert_eq!(page.status, 503);
    assert!(page.body.contains("stopped waiting"), "{}", page.body);
}

#[tokio::test]
async fn a_fixed_port_in_use_is_a_clear_error() {
    let first = LoopbackServer::bind(None).await.unwrap();
    let error = LoopbackServer::bind(Some(first.port())).await.unwrap_err();
    assert!(matches!(error, LoopbackError::PortInUse { .. }));
    assert_eq!(
        error.to_string(),
        format!(
            "port {} on 127.0.0.1 is in use by another program",
            first.port()
        )
    );

    // A free fixed port is used as given.
    let port = first.port();
    drop(first);
    let again = bind_retrying(port).await;
    assert_eq!(again.port(), port);
}

/// Binds `port` once the previous listener's task has released it.
async fn bind_retrying(port: u16) -> LoopbackServer {
    for _ in 0..200 {
        match LoopbackServer::bind(Some(port)).await {
            Ok(server) => return server,
            Err(LoopbackError::PortInUse { .. }) => {
                tokio::time::sleep(Duration::from_millis(10)).await
            }
            Err(error) => panic!("{error}"),
        }
    }
    panic!("port {port} was never released");
}

#[tokio::test]
async fn dropping_the_server_closes_the_socket() {
    let server = LoopbackServer::bind(None).await.unwrap();
    let addr = server.local_addr();
    drop(server);
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{addr} still accepts connections after the server was dropped");
}

#[tokio::test]
async fn the_listener_is_not_reachable_on_other_interfaces() {
    let server = LoopbackServer::bind(None).await.unwrap();
    let Some(address) = non_loopback_address() else {
        println!("skipped: this machine has no non-loopback IPv4 address to test with");
        return;
    };
    let result = tokio::net::TcpStream::connect((address, server.port())).await;
    assert!(
        result.is_err(),
        "connected to the loopback listener through {address}"
    );
}

/// A non-loopback IPv4 address of this machine, from `hostname -I` or `ip -o -4 addr`.
fn non_loopback_address() -> Option<IpAddr> {
    let candidates = [
        ("hostname", &["-I"][..]),
        ("ip", &["-o", "-4", "addr", "show"][..]),
    ];
    for (program, args) in candidates {
        let Ok(output) = std::process::Command::new(program).args(args).output() else {
            continue;
        };
        let text = String::from_utf8_lossy(&output.stdout);
        let found = text
            .split(|c: char| c.is_whitespace() || c == '/')
            .filter_map(|word| word.parse::<IpAddr>().ok())
            .find(|ip| ip.is_ipv4() && !ip.is_loopback() && !ip.is_unspecified());
        if found.is_some() {
            return found;
        }
    }
    None
}

#[tokio::test]
async fn the_timeout_message_names_the_redirect_uri_and_the_fallback() {
    let server = LoopbackServer::bind(None).await.unwrap();
    assert_eq!(
        server.timeout_error(Duration::from_secs(600)).to_string(),
        format!(
            "timed out after 600 s waiting for the browser to return to http://127.0.0.1:{}/oauth/callback",
            server.port()
        )
    );
}
