//! What the `exchanges-driver` suite plugs into the real driver: a virtual clock, a transport
//! that keeps network time out of virtual time, a prompt that records what the user would see,
//! and a browser that brings the recorded callback to the loopback listener.
//!
//! Time: the driver runs on a current-thread tokio runtime whose clock is paused, so the
//! driver's own `tokio::time::sleep` towards a poll deadline ends at once, exactly at the
//! deadline (tokio's auto-advance), and [`ReplayClock`] reads that virtual time. Real IO must
//! not let the paused clock jump meanwhile, so every socket operation of the harness runs in
//! `spawn_blocking`, which stops auto-advance while it runs (tokio's documented recipe): the
//! [`ReplayTransport`] sends through the real [`HttpClient`] on a second, ordinary runtime, and
//! the browser uses blocking `std::net` sockets. After each send, the clock is moved forward to
//! the recorded time of the response, so the driver stamps it exactly as the transcript did.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sso_driver::clock::WallClock;
use sso_driver::prompt::{Prompt, UserCode};
use sso_driver::sso::signin::{LoginFlow, PastedQueries, SignInEvent, SignInPrompt};
use sso_driver::transport::{HttpClient, Transport, TransportError, TransportErrorKind};
use tokio::sync::mpsc;

use super::replay::{Observed, Replay};

/// Wall-clock time for the driver: the case's start plus the paused runtime's elapsed time plus
/// the jumps to recorded times. Read it only on the driver's runtime (its blocking threads
/// included): elsewhere tokio's clock is another one.
#[derive(Debug)]
pub(crate) struct ReplayClock {
    start: u64,
    anchor: tokio::time::Instant,
    jumped: AtomicU64,
}

impl ReplayClock {
    /// A clock reading `start` now (call on the driver's runtime).
    pub(crate) fn new(start: u64) -> Self {
        Self {
            start,
            anchor: tokio::time::Instant::now(),
            jumped: AtomicU64::new(0),
        }
    }

    /// Moves the clock forward to `at` (absolute ms) if it reads less; never backwards.
    pub(crate) fn reach(&self, at: u64) {
        let now = self.now_unix_ms();
        if at > now {
            self.jumped.fetch_add(at - now, Ordering::SeqCst);
        }
    }
}

impl WallClock for ReplayClock {
    fn now_unix_ms(&self) -> u64 {
        let elapsed = u64::try_from(self.anchor.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.start
            .saturating_add(self.jumped.load(Ordering::SeqCst))
            .saturating_add(elapsed)
    }
}

/// The real [`HttpClient`] (retries included), run on `io` inside `spawn_blocking` so that the
/// driver's paused clock stays still while the request is on the wire; tells the [`Replay`]
/// when each send starts (for its timing checks) and moves the clock to the recorded time of
/// the response when it ends.
pub(crate) struct ReplayTransport {
    pub(crate) http: HttpClient,
    pub(crate) io: tokio::runtime::Handle,
    pub(crate) clock: Arc<ReplayClock>,
    pub(crate) replay: Arc<Replay>,
}

impl ReplayTransport {
    async fn forward(
        &self,
        request: http::Request<Vec<u8>>,
        once: bool,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.replay.begin_send(self.clock.now_unix_ms());
        let http = self.http.clone();
        let io = self.io.clone();
        let uri = request.uri().to_string();
        let joined = tokio::task::spawn_blocking(move || {
            io.block_on(async move {
                if once {
                    http.send_once(request).await
                } else {
                    http.send(request).await
                }
            })
        })
        .await;
        if let Some(at) = self.replay.end_send() {
            self.clock.reach(at);
        }
        joined.unwrap_or_else(|error| {
            Err(TransportError::new(
                TransportErrorKind::Io,
                &uri,
                format!("the replay transport's task failed: {error}"),
            ))
        })
    }
}

impl Transport for ReplayTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        self.forward(request, false)
    }

    fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        self.forward(request, true)
    }
}

/// Records what the user would be shown; hands the authorize URL to the browser.
pub(crate) struct ReplayPrompt {
    pub(crate) replay: Arc<Replay>,
    /// Where authorize URLs go (PKCE).
    pub(crate) browser: mpsc::UnboundedSender<String>,
    /// The loopback port recorded in the transcript, replaced by the one the driver bound.
    pub(crate) recorded_port: Option<u16>,
}

impl Prompt for ReplayPrompt {
    fn show_user_code(&self, code: &UserCode<'_>, _browser_opening: bool) {
        self.replay.observe(Observed::ShowUserCode {
            user_code: code.user_code.to_owned(),
            verification_uri: code.verification_uri.to_owned(),
        });
        if let Some(url) = code.verification_uri_complete {
            self.replay.observe(Observed::OpenBrowser {
                url: url.to_owned(),
            });
        }
    }

    fn show_authorize_url(&self, url: &str, _browser_opening: bool) {
        match (self.recorded_port, redirect_port(url)) {
            (Some(recorded), Some(actual)) => {
                for (from, to) in [
                    (
                        format!("127.0.0.1:{recorded}/"),
                        format!("127.0.0.1:{actual}/"),
                    ),
                    (
                        format!("127.0.0.1%3A{recorded}%2F"),
                        format!("127.0.0.1%3A{actual}%2F"),
                    ),
                ] {
                    self.replay.substitute(from, to);
                }
            }
            _ => self.replay.fail(format!(
                "the authorize URL has no loopback redirect_uri with a port: {url}"
            )),
        }
        self.replay.observe(Observed::OpenBrowser {
            url: url.to_owned(),
        });
        // The browser task outlives the login; if it is gone, the outcome check reports it.
        let _ = self.browser.send(url.to_owned());
    }

    fn waiting(&self, _deadline_unix_ms: u64) {}

    fn signed_in(&self, _start_url: &str) {}
}

/// Nothing to paste, and the sign-in's events are not part of a transcript.
impl SignInPrompt for ReplayPrompt {
    fn event(&self, _event: &SignInEvent<'_>) {}

    fn attempt_started(&self, _flow: LoginFlow) -> Option<PastedQueries> {
        None
    }

    fn attempt_ended(&self) {}
}

/// The port of the `redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}...` parameter.
fn redirect_port(url: &str) -> Option<u16> {
    const PREFIX: &str = "redirect_uri=http%3A%2F%2F127.0.0.1%3A";
    let rest = &url[url.find(PREFIX)? + PREFIX.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// One recorded redirect for the browser to deliver.
#[derive(Debug)]
pub(crate) struct Redirect {
    /// The transcript step.
    pub(crate) step: usize,
    /// Absolute time of the step.
    pub(crate) at: u64,
    /// The raw query; empty for a stray request (the browser asks for `/favicon.ico`).
    pub(crate) query: String,
}

/// The browser: waits for the authorize URL, then at each redirect's time sends the recorded
/// callback to the driver's loopback listener (a stray request as `GET /favicon.ico`, which must
/// not be forwarded: 404). Runs on the driver's runtime.
pub(crate) async fn browse(
    mut urls: mpsc::UnboundedReceiver<String>,
    redirects: Vec<Redirect>,
    clock: Arc<ReplayClock>,
    replay: Arc<Replay>,
) {
    if redirects.is_empty() {
        return;
    }
    let Some(url) = urls.recv().await else {
        // The driver never showed an authorize URL; the timeline check says so.
        return;
    };
    let Some(port) = redirect_port(&url) else {
        // Already reported by the prompt.
        return;
    };
    for redirect in redirects {
        clock.reach(redirect.at);
        let path = if redirect.query.is_empty() {
            "/favicon.ico".to_owned()
        } else {
            format!("/oauth/callback?{}", redirect.query)
        };
        let stray = redirect.query.is_empty();
        let result = tokio::task::spawn_blocking(move || get(port, &path))
            .await
            .map_err(|error| error.to_string())
            .and_then(|result| result);
        match result {
            Ok(404) if stray => {}
            Ok(status) if stray => replay.fail(format!(
                "step {}: the loopback listener answered a stray request {status}, not 404",
                redirect.step
            )),
            Ok(_) => {}
            Err(why) => replay.fail(format!(
                "step {}: the browser could not deliver the redirect: {why}",
                redirect.step
            )),
        }
    }
}

/// A blocking `GET path` to `127.0.0.1:port`; returns the status. The listener answers a
/// callback only once the login has finished with it.
fn get(port: u16, path: &str) -> Result<u16, String> {
    let mut stream =
        TcpStream::connect((Ipv4Addr::LOCALHOST, port)).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("write: {e}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| format!("read: {e}"))?;
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace()
        .nth(1)
        .and_then(|status| status.parse().ok())
        .ok_or_else(|| "no HTTP status line in the listener's answer".to_owned())
}
