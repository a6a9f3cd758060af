//! The loopback listener that receives the authorization-code redirect (protocol.md §2.6).
//!
//! Bind it before the browser opens, put [`LoopbackServer::redirect_uri`] into the authorize
//! URL, then await [`LoopbackServer::next_callback`]: the raw query string of the first real
//! callback is handed over, and the browser's HTTP response waits until the driver answers
//! with a [`CallbackOutcome`].
//!
//! Improvements over the AWS CLI's handler, which binds all interfaces and answers every GET:
//! the socket is bound to `127.0.0.1` only (RFC 8252 §8.3) and connections from other peers are
//! dropped; only `GET /oauth/callback` is answered with the sign-in page (other paths 404, other
//! methods 405, queries with none of `code`, `state`, `error` 400), and none of those is
//! forwarded; pages never echo the code or the state.
//!
//! Anything on this machine (another user's process, a web page the browser shows) can send
//! requests to the port, so the listener trusts none of them:
//! - A request whose `Host` is not `127.0.0.1:{port}` or `localhost:{port}` (DNS rebinding: an
//!   attacker's name resolving to 127.0.0.1), whose `Origin` is another origin, or that a web
//!   page made without navigating to it (`Sec-Fetch-Site` `cross-site` or `same-site` with a
//!   `Sec-Fetch-Mode` other than `navigate` or a `Sec-Fetch-Dest` other than `document`) is
//!   refused with 403 and not forwarded. The real callback is a top-level navigation that the
//!   authorization server's redirect started, so it is `cross-site` itself and passes.
//! - Callbacks are forwarded one at a time; the driver answers each. A callback that is not this
//!   login's ([`CallbackOutcome::NotOurs`]: its `state` does not match) gets a 400 page and the
//!   listener keeps waiting; only a final answer (signed in, or failed) ends it, and later
//!   callbacks get "already completed".
//! - Requests are bounded: headers and the request line together at most
//!   [`MAX_REQUEST_HEAD_BYTES`], at most [`MAX_CONNECTIONS`] connections at once, no body read.
//!
//! This module does not parse the query or check `state`: that is the `sso-oidc` machine's job.
//! Dropping the server closes the socket and every open connection.

use std::convert::Infallible;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

/// The path of the redirect URI, as the AWS CLI registers it.
pub(crate) const CALLBACK_PATH: &str = sso_oidc::RedirectUri::PATH;

/// How long a browser connection may take to send its request headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest request line plus headers the listener reads (hyper's read buffer); a real
/// callback is well under 4 KiB. Larger requests are answered with an error and dropped.
pub(crate) const MAX_REQUEST_HEAD_BYTES: usize = 16 * 1024;

/// The most connections served at once; further ones are closed at once.
pub(crate) const MAX_CONNECTIONS: usize = 32;

/// Errors of the loopback listener.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoopbackError {
    /// The fixed port asked for is taken by another program.
    #[error("port {port} on 127.0.0.1 is in use by another program")]
    PortInUse {
        /// The port asked for.
        port: u16,
    },
    /// The listener could not be set up for another reason.
    #[error("could not listen on 127.0.0.1:{port} for the browser's sign-in callback: {source}")]
    Bind {
        /// The port asked for (0 for any free port).
        port: u16,
        /// The IO error.
        source: std::io::Error,
    },
    /// The browser did not come back in time (the driver's overall timeout).
    #[error(
        "timed out after {} s waiting for the browser to return to {redirect_uri}",
        waited.as_secs()
    )]
    TimedOut {
        /// How long the driver waited.
        waited: Duration,
        /// The redirect URI the browser should have come back to.
        redirect_uri: String,
    },
}

/// The verdict the driver gives on a forwarded callback; it picks the page the browser shows.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum CallbackOutcome {
    /// Sign-in completed: the browser shows "you can close this tab".
    SignedIn,
    /// Sign-in failed: the browser shows `message`, HTML-escaped. It must not contain secrets.
    Failed {
        /// A short explanation for the user.
        message: String,
    },
    /// The callback is not this login's (its `state` does not match): the browser gets a 400
    /// page and the listener keeps waiting for the real one.
    NotOurs,
}

/// The raw query string of a callback; it contains the authorization code, so `Debug` hides it.
pub(crate) struct CallbackQuery(String);

impl CallbackQuery {
    /// The query string without the leading `?`, exactly as the browser sent it.
    pub(crate) fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CallbackQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CallbackQuery(<redacted, {} bytes>)", self.0.len())
    }
}

/// A callback forwarded to the driver; the browser waits for [`Callback::respond`].
///
/// Dropping it without responding shows the browser an error page.
#[derive(Debug)]
pub(crate) struct Callback {
    query: CallbackQuery,
    reply: oneshot::Sender<CallbackOutcome>,
}

impl Callback {
    /// The query string of the callback.
    #[cfg(test)]
    pub(crate) fn query(&self) -> &CallbackQuery {
        &self.query
    }

    /// Answers the browser and consumes the callback.
    #[cfg(test)]
    pub(crate) fn respond(self, outcome: CallbackOutcome) {
        // The browser may have gone away; there is nobody left to tell.
        let _ = self.reply.send(outcome);
    }

    /// Splits the callback into its query and the reply channel, for event loops that need to
    /// hold the reply while they feed the query to the state machine.
    pub(crate) fn into_parts(self) -> (CallbackQuery, oneshot::Sender<CallbackOutcome>) {
        (self.query, self.reply)
    }
}

/// The listener for the authorization-code redirect, bound to `127.0.0.1`.
#[derive(Debug)]
pub(crate) struct LoopbackServer {
    local_addr: SocketAddr,
    callbacks: mpsc::Receiver<Callback>,
    task: JoinHandle<()>,
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        self.task.abort();
    }
}

impl LoopbackServer {
    /// Binds `127.0.0.1:port`, or a free port chosen by the OS when `port` is `None`, and
    /// starts serving on the current tokio runtime.
    pub(crate) async fn bind(port: Option<u16>) -> Result<Self, LoopbackError> {
        let requested = port.unwrap_or(0);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, requested))
            .await
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::AddrInUse if requested != 0 => {
                    LoopbackError::PortInUse { port: requested }
                }
                _ => LoopbackError::Bind {
                    port: requested,
                    source,
                },
            })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| LoopbackError::Bind {
                port: requested,
                source,
            })?;
        let (sender, callbacks) = mpsc::channel(1);
        let shared = Arc::new(Shared {
            sender,
            completed: AtomicBool::new(false),
            port: local_addr.port(),
        });
        let task = tokio::spawn(accept_loop(listener, shared));
        tracing::debug!(%local_addr, "loopback listener bound");
        Ok(Self {
            local_addr,
            callbacks,
            task,
        })
    }

    /// The port the listener is bound to.
    pub(crate) fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// The bound address, always `127.0.0.1:port`.
    #[cfg(test)]
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:{port}/oauth/callback`, to put into the authorize URL and send with
    /// the token request.
    pub(crate) fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port())
    }

    /// Waits for the callback to forward; at most one ever arrives.
    ///
    /// Cancel-safe, so it can sit in a `tokio::select!` next to a timer. Returns `None` only if
    /// the listener stopped, which does not happen while `self` is alive unless the task
    /// panicked.
    pub(crate) async fn next_callback(&mut self) -> Option<Callback> {
        self.callbacks.recv().await
    }

    /// The error to report when the driver gives up after `waited`.
    #[cfg(test)]
    pub(crate) fn timeout_error(&self, waited: Duration) -> LoopbackError {
        LoopbackError::TimedOut {
            waited,
            redirect_uri: self.redirect_uri(),
        }
    }
}

struct Shared {
    sender: mpsc::Sender<Callback>,
    /// Set once the driver answered a callback with a final outcome; later ones are not
    /// forwarded.
    completed: AtomicBool,
    /// The port, for the `Host` and `Origin` checks.
    port: u16,
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    accept_loopback(listener, "loopback listener", MAX_CONNECTIONS, |stream| {
        serve_connection(stream, Arc::clone(&shared))
    })
    .await;
}

/// Accepts connections on `listener` forever and runs `serve` for each, on its own task: only
/// from loopback peers (defense in depth: the sockets are bound to 127.0.0.1), at most
/// `max_connections` at once (more are dropped), accept errors (EMFILE, a reset before accept)
/// logged and survived. Shared by the PKCE listener and the credential server
/// ([`crate::serve`]); `what` names it in debug logs.
pub(crate) async fn accept_loopback<F, Fut>(
    listener: TcpListener,
    what: &'static str,
    max_connections: usize,
    serve: F,
) where
    F: Fn(TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::debug!(%error, what, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if !peer.ip().is_loopback() {
            tracing::debug!(%peer, what, "dropped a non-loopback connection");
            continue;
        }
        if connections.len() >= max_connections {
            tracing::debug!(what, "dropped a connection: too many open");
            continue;
        }
        connections.spawn(serve(stream));
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let service = hyper::service::service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(handle(request, &shared).await) }
    });
    let result = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_REQUEST_HEAD_BYTES)
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(error) = result {
        tracing::debug!(%error, "loopback connection ended with an error");
    }
}

async fn handle(
    request: hyper::Request<Incoming>,
    shared: &Shared,
) -> hyper::Response<Full<Bytes>> {
    let route = match check_sender(&request, shared.port) {
        Ok(()) => route(
            request.method(),
            request.uri().path(),
            request.uri().query(),
        ),
        Err(refusal) => {
            tracing::debug!(reason = refusal, "loopback request refused");
            Route::Reply(Page::Forbidden)
        }
    };
    let query = match route {
        Route::Reply(page) => {
            tracing::debug!(method = %request.method(), path = request.uri().path(), status = page.status().as_u16(), "loopback request not forwarded");
            return render(page);
        }
        Route::Forward(query) => query,
    };
    if shared.completed.load(Ordering::SeqCst) {
        return render(Page::AlreadyCompleted);
    }
    let (reply, verdict) = oneshot::channel();
    let callback = Callback {
        query: CallbackQuery(query),
        reply,
    };
    if shared.sender.send(callback).await.is_err() {
        return render(Page::Abandoned);
    }
    let page = match verdict.await {
        Ok(CallbackOutcome::SignedIn) => Page::SignedIn,
        Ok(CallbackOutcome::Failed { message }) => Page::Failed(message),
        Ok(CallbackOutcome::NotOurs) => return render(Page::NotOurs),
        Err(_) => return render(Page::Abandoned),
    };
    shared.completed.store(true, Ordering::SeqCst);
    render(page)
}

/// Refuses requests that a browser returning from the sign-in page would not send: another
/// `Host` (DNS rebinding), another `Origin`, or a subrequest a web page made (see the module
/// documentation). Returns the reason for the debug log.
fn check_sender<B>(request: &hyper::Request<B>, port: u16) -> Result<(), &'static str> {
    let headers = request.headers();
    let ours = |authority: &str| {
        authority == format!("127.0.0.1:{port}") || authority == format!("localhost:{port}")
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !host.is_some_and(ours) {
        return Err("the Host is not the listener's");
    }
    if request.uri().authority().is_some_and(|a| !ours(a.as_str())) {
        return Err("the request names another authority");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        if !origin.strip_prefix("http://").is_some_and(ours) {
            return Err("the Origin is another site");
        }
    }
    let fetch = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if matches!(fetch("sec-fetch-site"), Some("cross-site" | "same-site")) {
        let navigation = fetch("sec-fetch-mode") == Some("navigate")
            && fetch("sec-fetch-dest").is_none_or(|dest| dest == "document");
        if !navigation {
            return Err("a web page made the request without navigating to it");
        }
    }
    Ok(())
}

/// What to do with a request, decided from its method, path and query alone.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// Answer with this page and forget the request.
    Reply(Page),
    /// Hand the query to the driver.
    Forward(String),
}

fn route(method: &Method, path: &str, query: Option<&str>) -> Route {
    if path != CALLBACK_PATH {
        return Route::Reply(Page::NotFound);
    }
    if method != Method::GET {
        return Route::Reply(Page::MethodNotAllowed);
    }
    let query = query.unwrap_or_default();
    let relevant = url::form_urlencoded::parse(query.as_bytes())
        .any(|(name, _)| matches!(name.as_ref(), "code" | "state" | "error"));
    if relevant {
        Route::Forward(query.to_owned())
    } else {
        Route::Reply(Page::Stray)
    }
}

/// The pages the listener can show.
#[derive(Debug, PartialEq, Eq)]
enum Page {
    SignedIn,
    Failed(String),
    AlreadyCompleted,
    Abandoned,
    NotFound,
    MethodNotAllowed,
    Stray,
    NotOurs,
    Forbidden,
}

impl Page {
    fn status(&self) -> StatusCode {
        match self {
            Self::SignedIn => StatusCode::OK,
            Self::Failed(_) => StatusCode::BAD_REQUEST,
            Self::AlreadyCompleted => StatusCode::CONFLICT,
            Self::Abandoned => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Stray | Self::NotOurs => StatusCode::BAD_REQUEST,
            Self::Forbidden => StatusCode::FORBIDDEN,
        }
    }

    /// The heading and the HTML-escaped paragraph.
    fn text(&self) -> (&'static str, String) {
        match self {
            Self::SignedIn => (
                "Signed in",
                "sso: signed in, you can close this tab.".to_owned(),
            ),
            Self::Failed(message) => (
                "Sign-in failed",
                format!(
                    "sso: sign-in failed: {}. Return to the terminal for details.",
                    escape_html(message)
                ),
            ),
            Self::AlreadyCompleted => (
                "Sign-in already completed",
                "sso: this sign-in already completed; you can close this tab.".to_owned(),
            ),
            Self::Abandoned => (
                "Sign-in no longer waiting",
                "sso stopped waiting for this sign-in; run the command again.".to_owned(),
            ),
            Self::NotFound => (
                "Not found",
                "sso: nothing here; the sign-in callback is /oauth/callback.".to_owned(),
            ),
            Self::MethodNotAllowed => (
                "Method not allowed",
                "sso: the sign-in callback accepts GET only.".to_owned(),
            ),
            Self::Stray => (
                "Not a sign-in response",
                "sso: this request carries no sign-in response and was ignored.".to_owned(),
            ),
            Self::NotOurs => (
                "Not this sign-in",
                "sso: this response is not for the sign-in waiting here and was ignored; finish the sign-in in the tab that sso opened.".to_owned(),
            ),
            Self::Forbidden => (
                "Refused",
                "sso: this request did not come from a browser returning to this sign-in and was refused.".to_owned(),
            ),
        }
    }
}

fn render(page: Page) -> hyper::Response<Full<Bytes>> {
    let (heading, paragraph) = page.text();
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sso: {heading}</title></head>\n<body><h1>{heading}</h1>\n<p>{paragraph}</p></body></html>\n"
    );
    let mut response = hyper::Response::new(Full::new(Bytes::from(html)));
    *response.status_mut() = page.status();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("default-src 'none'"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    if page == Page::MethodNotAllowed {
        headers.insert(header::ALLOW, header::HeaderValue::from_static("GET"));
    }
    response
}

/// Escapes the five HTML-significant characters.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use http::Method;

    use super::{CallbackQuery, Page, Route, check_sender, escape_html, route};

    #[test]
    fn routing_forwards_only_get_callbacks_with_a_sign_in_response() {
        let get = Method::GET;
        let forward = |query: &str| Route::Forward(query.to_owned());
        assert_eq!(
            route(&get, "/oauth/callback", Some("code=a&state=b")),
            forward("code=a&state=b")
        );
        assert_eq!(
            route(&get, "/oauth/callback", Some("error=access_denied")),
            forward("error=access_denied")
        );
        assert_eq!(
            route(&get, "/oauth/callback", Some("state=b")),
            forward("state=b")
        );
        assert_eq!(
            route(&get, "/oauth/callback", Some("foo=1")),
            Route::Reply(Page::Stray)
        );
        assert_eq!(
            route(&get, "/oauth/callback", None),
            Route::Reply(Page::Stray)
        );
        assert_eq!(
            route(&get, "/oauth/callback", Some("xcode=1")),
            Route::Reply(Page::Stray)
        );
        assert_eq!(
            route(&get, "/favicon.ico", None),
            Route::Reply(Page::NotFound)
        );
        assert_eq!(
            route(&get, "/oauth/callback/", Some("code=a")),
            Route::Reply(Page::NotFound)
        );
        assert_eq!(
            route(&Method::POST, "/oauth/callback", Some("code=a")),
            Route::Reply(Page::MethodNotAllowed)
        );
        assert_eq!(
            route(&Method::POST, "/other", None),
            Route::Reply(Page::NotFound)
        );
    }

    fn request(headers: &[(&str, &str)]) -> http::Request<()> {
        let mut builder = http::Request::get("/oauth/callback?code=a&state=b");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn only_requests_a_returning_browser_sends_are_accepted() {
        let host = ("host", "127.0.0.1:4242");
        for accepted in [
            vec![host],
            vec![("host", "localhost:4242")],
            vec![host, ("origin", "http://127.0.0.1:4242")],
            // The real callback: a top-level navigation redirected from the sign-in page.
            vec![
                host,
                ("sec-fetch-site", "cross-site"),
                ("sec-fetch-mode", "navigate"),
                ("sec-fetch-dest", "document"),
            ],
            vec![
                host,
                ("sec-fetch-site", "none"),
                ("sec-fetch-mode", "navigate"),
            ],
            vec![
                host,
                ("sec-fetch-site", "same-origin"),
                ("sec-fetch-mode", "cors"),
            ],
        ] {
            assert_eq!(
                check_sender(&request(&accepted), 4242),
                Ok(()),
                "{accepted:?}"
            );
        }
        for refused in [
            vec![],
            vec![("host", "127.0.0.1:4243")],
            vec![("host", "evil.example:4242")],
            vec![("host", "127.0.0.1")],
            vec![host, ("origin", "https://evil.example")],
            vec![host, ("origin", "null")],
            vec![host, ("origin", "http://127.0.0.1:9999")],
            vec![
                host,
                ("sec-fetch-site", "cross-site"),
                ("sec-fetch-mode", "no-cors"),
                ("sec-fetch-dest", "image"),
            ],
            vec![
                host,
                ("sec-fetch-site", "cross-site"),
                ("sec-fetch-mode", "navigate"),
                ("sec-fetch-dest", "iframe"),
            ],
            vec![
                host,
                ("sec-fetch-site", "same-site"),
                ("sec-fetch-mode", "cors"),
            ],
        ] {
            assert!(
                check_sender(&request(&refused), 4242).is_err(),
                "{refused:?}"
            );
        }
        let absolute = http::Request::get("http://evil.example:4242/oauth/callback?code=a")
            .header("host", "127.0.0.1:4242")
            .body(())
            .unwrap();
        assert!(check_sender(&absolute, 4242).is_err());
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html(r#"<script>alert("x&'y")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;&#39;y&quot;)&lt;/script&gt;"
        );
    }

    #[test]
    fn callback_query_debug_hides_the_code() {
        let query = CallbackQuery("code=SECRET-AUTH-CODE&state=SECRET-STATE".to_owned());
        let debug = format!("{query:?}");
        assert!(!debug.contains("SECRET"), "{debug}");
        assert_eq!(
            query.expose_secret(),
            "code=SECRET-AUTH-CODE&state=SECRET-STATE"
        );
    }
}
