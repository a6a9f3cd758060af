//! A container-credentials server on `127.0.0.1`: what SDKs reading
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` and `AWS_CONTAINER_AUTHORIZATION_TOKEN` expect
//! (protocol.md §11.7), fed by a [`CredentialSource`] (the CLI's is the credential chain).
//!
//! - **Bind**: `127.0.0.1` only, on a fixed port or one the OS picks; connections from other
//!   peers are dropped. The URL to export is [`CredentialServer::url`].
//! - **Auth**: every request must carry `Authorization: <token>` (no scheme prefix), the token
//!   being 32 random bytes from the OS, hex-encoded ([`AuthToken`]), compared in constant time.
//!   A missing header gets 401, a wrong one 403; neither body repeats what was sent nor says
//!   anything about the credentials.
//! - **Requests**: only `GET` on [`CREDENTIALS_PATH`] (404 elsewhere, 405 for other methods);
//!   the request line and headers are capped at [`MAX_REQUEST_HEAD_BYTES`], the body is never
//!   read, at most [`MAX_CONNECTIONS`] connections are served at once.
//! - **Answer**: `200`, `Content-Type: application/json`, exactly-cased `AccessKeyId`,
//!   `SecretAccessKey`, `Token`, `Expiration` (RFC 3339 UTC ending in `Z`, which the Rust SDK
//!   requires) and `AccountId` when known ([`credentials_json`]).
//! - **Lifetime**: credentials with more than [`REFRESH_AHEAD`] left are served from memory. A
//!   background task asks the source again once they get within that window (and every
//!   [`RECHECK_INTERVAL`] until it gets newer ones, since the chain's own cache keeps returning
//!   the same credentials until 15 minutes remain); a request finding them inside the window
//!   also starts a refresh and waits for it up to [`ANSWER_WITHIN`]. The freshest credentials
//!   are served; never ones with less than [`MIN_REMAINING`] left.
//! - **Failures**: the source's failure as a short text body and a status SDKs retry
//!   (botocore retries any non-200, the Rust SDK 5xx): 503 when signing in again or waiting
//!   fixes it ([`FailureKind::SignInRequired`], [`FailureKind::Unavailable`]), 500 otherwise.
//!   Once the user signs in, the next request succeeds: nothing is remembered but the last
//!   answer.
//!
//! Fetches run one at a time on a blocking thread ([`CredentialSource::fetch`] is synchronous,
//! like [`crate::Sso::credentials`]). The token and the credentials live in zeroizing,
//! redacting types; nothing here logs them.

use std::convert::Infallible;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use sso_cache::Timestamp;
use subtle::ConstantTimeEq as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use zeroize::Zeroizing;

pub use crate::clock::{SystemClock, WallClock};
pub use crate::credentials::Credentials;

/// The path credentials are served on.
pub const CREDENTIALS_PATH: &str = "/credentials";

/// The largest request line plus headers read; larger requests get an error and are dropped.
pub const MAX_REQUEST_HEAD_BYTES: usize = 8 * 1024;

/// The most connections served at once; further ones are closed at once.
pub const MAX_CONNECTIONS: usize = 64;

/// How long a client may take to send its request headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Credentials with more than this left are served without asking the source again (botocore
/// refreshes on every access below 15 minutes, so more than that is served).
pub const REFRESH_AHEAD: Duration = Duration::from_secs(20 * 60);

/// Credentials with this little left are never served (clock skew, the request's own time).
pub const MIN_REMAINING: Duration = Duration::from_secs(60);

/// How often the source is asked again while the credentials are inside [`REFRESH_AHEAD`], or
/// while there are none.
pub const RECHECK_INTERVAL: Duration = Duration::from_secs(30);

/// How long a request waits for a refresh in progress before answering with what there is
/// (botocore gives up after 2 seconds).
pub const ANSWER_WITHIN: Duration = Duration::from_millis(1500);

/// The longest failure message sent to a client, in bytes.
const MAX_MESSAGE_BYTES: usize = 1024;

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The fixed port asked for is taken by another program.
    #[error("port {port} on 127.0.0.1 is in use")]
    PortInUse {
        /// The port asked for.
        port: u16,
    },
    /// The listener could not be set up for another reason.
    #[error("could not listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for (0 for any free port).
        port: u16,
        /// The IO error.
        source: std::io::Error,
    },
    /// The operating system gave no random bytes for the token.
    #[error("no randomness from the operating system for the authorization token: {message}")]
    Entropy {
        /// The OS error.
        message: String,
    },
    /// The async runtime could not start.
    #[error("could not start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// The authorization token clients must send: 64 hex characters from 32 random bytes. Wiped
/// on drop, redacted in `Debug`, no `Display`.
#[derive(Clone)]
pub struct AuthToken(Zeroizing<String>);

impl AuthToken {
    /// A new token from the operating system's random number generator.
    ///
    /// # Errors
    ///
    /// [`ServeError::Entropy`] when the OS has no randomness to give.
    pub fn generate() -> Result<Self, ServeError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut_slice()).map_err(|error| ServeError::Entropy {
            message: error.to_string(),
        })?;
        let mut text = Zeroizing::new(String::with_capacity(64));
        for byte in bytes.iter() {
            text.push(char::from(HEX[usize::from(byte >> 4)]));
            text.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        Ok(Self(text))
    }

    /// The token, to export as `AWS_CONTAINER_AUTHORIZATION_TOKEN`; keep it out of logs.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether `sent` (the `Authorization` header's bytes) is the token, compared in constant
    /// time (the length is not secret).
    #[must_use]
    pub fn matches(&self, sent: &[u8]) -> bool {
        bool::from(self.0.as_bytes().ct_eq(sent))
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(** redacted **)")
    }
}

/// Where the server gets credentials: called on a blocking thread, one call at a time.
pub trait CredentialSource: Send + Sync + 'static {
    /// Fresh credentials, or why there are none.
    ///
    /// # Errors
    ///
    /// [`SourceFailure`], whose message is sent to the client as it is (after control
    /// characters are removed): it must not contain secrets.
    fn fetch(&self) -> Result<Credentials, SourceFailure>;
}

/// What kind of failure a source had, which picks the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// The user must sign in again; the server recovers once they do (503).
    SignInRequired,
    /// A transient failure: the network, a server that did not answer (503).
    Unavailable,
    /// Anything else: the configuration, a refusal (500).
    Failed,
}

impl FailureKind {
    /// The HTTP status of a failure of this kind.
    #[must_use]
    pub fn status(self) -> StatusCode {
        match self {
            Self::SignInRequired | Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Failed => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Why a source gave no credentials: the kind, and a message for the client (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SourceFailure {
    /// The kind, which picks the status.
    pub kind: FailureKind,
    /// What happened and what to do, for the client's error message.
    pub message: String,
}

impl SourceFailure {
    /// A failure of `kind` with `message`.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

/// How usable credentials are at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// More than [`REFRESH_AHEAD`] left, or no expiry: serve them.
    Fresh,
    /// Between [`MIN_REMAINING`] and [`REFRESH_AHEAD`] left: servable, but ask the source
    /// again.
    Renewable,
    /// [`MIN_REMAINING`] or less left: never served.
    Unusable,
}

/// The [`Freshness`] of credentials expiring at `expiration` (`None`: never) at `now`.
#[must_use]
pub fn freshness(expiration: Option<Timestamp>, now: Timestamp) -> Freshness {
    match expiration {
        None => Freshness::Fresh,
        Some(at) if at > now.saturating_add(REFRESH_AHEAD) => Freshness::Fresh,
        Some(at) if at > now.saturating_add(MIN_REMAINING) => Freshness::Renewable,
        Some(_) => Freshness::Unusable,
    }
}

/// How long the background task sleeps before it looks at credentials expiring at
/// `expiration` again (`None` in `current`: there are none yet).
#[must_use]
pub fn next_check(current: Option<Option<Timestamp>>, now: Timestamp) -> Duration {
    match current {
        None => RECHECK_INTERVAL,
        Some(None) => Duration::from_secs(3600),
        Some(Some(at)) => {
            let due = at.saturating_sub(REFRESH_AHEAD);
            let millis = due.unix_millis().saturating_sub(now.unix_millis());
            let wait = Duration::from_millis(u64::try_from(millis).unwrap_or(0));
            wait.max(RECHECK_INTERVAL)
        }
    }
}

/// Of two sets of credentials, the one that expires last (`b` on a tie: the newer).
fn freshest(a: Option<Credentials>, b: Credentials) -> Credentials {
    match a {
        Some(a) if later(a.expiration, b.expiration) => a,
        _ => b,
    }
}

/// Whether expiry `a` is strictly later than `b` (`None` is never).
fn later(a: Option<Timestamp>, b: Option<Timestamp>) -> bool {
    match (a, b) {
        (None, Some(_)) => true,
        (Some(a), Some(b)) => a > b,
        _ => false,
    }
}

/// Why credentials cannot be served in the container format: without a session token,
/// botocore's container provider fails with a `KeyError`.
const LONG_TERM_KEYS: &str = "the profile gives long-term keys (no session token); container credentials must be temporary: use a role (SSO, role_arn) instead";

/// The body of a `200` answer: `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration` (RFC
/// 3339 UTC with `Z`) and `AccountId` when known, as ECS and EKS Pod Identity send them.
/// Credentials without a session token cannot be served ([`SourceFailure`] of kind
/// [`FailureKind::Failed`]).
///
/// # Errors
///
/// [`SourceFailure`] for long-term keys.
pub fn credentials_json(
    credentials: &Credentials,
    now: Timestamp,
) -> Result<Zeroizing<String>, SourceFailure> {
    let Some(token) = &credentials.session_token else {
        return Err(SourceFailure::new(FailureKind::Failed, LONG_TERM_KEYS));
    };
    // Credentials without an expiry (environment keys with a session token) are given one an
    // hour ahead, so that clients come back.
    let expiration = credentials
        .expiration
        .unwrap_or_else(|| now.saturating_add(Duration::from_secs(3600)));
    let mut body = serde_json::Map::new();
    body.insert(
        "AccessKeyId".to_owned(),
        credentials.access_key_id.clone().into(),
    );
    body.insert(
        "SecretAccessKey".to_owned(),
        credentials.secret_access_key.expose_secret().into(),
    );
    body.insert("Token".to_owned(), token.expose_secret().into());
    body.insert(
        "Expiration".to_owned(),
        expiration.to_rfc3339_seconds().into(),
    );
    if let Some(account) = &credentials.account_id {
        body.insert("AccountId".to_owned(), account.clone().into());
    }
    let value = serde_json::Value::Object(body);
    let text = Zeroizing::new(value.to_string());
    // The map holds copies of the secrets: wipe them before it is freed.
    if let serde_json::Value::Object(mut map) = value {
        for (_, value) in &mut map {
            if let serde_json::Value::String(text) = value {
                zeroize::Zeroize::zeroize(text);
            }
        }
    }
    Ok(text)
}

/// What to do with a request, from its method, path and `Authorization` header alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Serve credentials.
    Credentials,
    /// 404: another path.
    NotFound,
    /// 405: another method on the credentials path.
    MethodNotAllowed,
    /// 401: no `Authorization` header.
    Unauthorized,
    /// 403: an `Authorization` header that is not the token.
    Forbidden,
}

impl Route {
    /// The route of a request.
    #[must_use]
    pub fn of(
        method: &Method,
        path: &str,
        authorization: Option<&[u8]>,
        token: &AuthToken,
    ) -> Self {
        if path != CREDENTIALS_PATH {
            return Self::NotFound;
        }
        if method != Method::GET {
            return Self::MethodNotAllowed;
        }
        match authorization {
            None => Self::Unauthorized,
            Some(sent) if token.matches(sent) => Self::Credentials,
            Some(_) => Self::Forbidden,
        }
    }
}

/// A failure message fit for a response body: control characters (but newlines) removed,
/// at most 1 KiB, ending with a newline.
#[must_use]
pub fn failure_body(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE_BYTES) + 1);
    for c in message.chars() {
        let c = if c.is_control() && c != '\n' { ' ' } else { c };
        if out.len() + c.len_utf8() > MAX_MESSAGE_BYTES {
            break;
        }
        out.push(c);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

/// The server: bound, answering, refreshing in the background until dropped.
pub struct CredentialServer {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
    refresher: JoinHandle<()>,
}

impl fmt::Debug for CredentialServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialServer")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl Drop for CredentialServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        self.accept.abort();
        self.refresher.abort();
    }
}

impl CredentialServer {
    /// Binds `127.0.0.1:port` (`0`: a free port chosen by the OS) with a new token and starts
    /// serving on the current tokio runtime. `initial`: credentials already fetched, served
    /// until they need renewing.
    ///
    /// # Errors
    ///
    /// [`ServeError`].
    pub async fn bind(
        port: u16,
        source: Arc<dyn CredentialSource>,
        clock: Arc<dyn WallClock>,
        initial: Option<Credentials>,
    ) -> Result<Self, ServeError> {
        let token = AuthToken::generate()?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::AddrInUse if port != 0 => ServeError::PortInUse { port },
                _ => ServeError::Bind { port, source },
            })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| ServeError::Bind { port, source })?;
        let shared = Arc::new(Shared {
            token,
            source,
            clock,
            state: Mutex::new(State {
                credentials: initial,
                ..State::default()
            }),
            refreshed: Notify::new(),
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        let refresher = tokio::spawn(refresh_loop(Arc::clone(&shared)));
        tracing::debug!(%local_addr, "credential server bound");
        Ok(Self {
            local_addr,
            shared,
            accept,
            refresher,
        })
    }

    /// The bound address, always `127.0.0.1:port`.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:{port}/credentials`: the `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    #[must_use]
    pub fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}{CREDENTIALS_PATH}",
            self.local_addr.port()
        )
    }

    /// The `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    #[must_use]
    pub fn token(&self) -> &AuthToken {
        &self.shared.token
    }
}

/// A [`CredentialServer`] with its own runtime (one worker thread), for synchronous callers.
pub struct BlockingServer {
    server: CredentialServer,
    /// Always `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for BlockingServer {
    fn drop(&mut self) {
        // Without waiting for a fetch in progress (a slow network, an MFA prompt): the process
        // is about to end.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl fmt::Debug for BlockingServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingServer")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl BlockingServer {
    /// Starts a runtime and [`CredentialServer::bind`] on it.
    ///
    /// # Errors
    ///
    /// [`ServeError`].
    pub fn start(
        port: u16,
        source: Arc<dyn CredentialSource>,
        clock: Arc<dyn WallClock>,
        initial: Option<Credentials>,
    ) -> Result<Self, ServeError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(ServeError::Runtime)?;
        let server = runtime.block_on(CredentialServer::bind(port, source, clock, initial))?;
        Ok(Self {
            server,
            runtime: Some(runtime),
        })
    }

    /// The server.
    #[must_use]
    pub fn server(&self) -> &CredentialServer {
        &self.server
    }

    /// Blocks until Ctrl-C (SIGINT).
    ///
    /// # Errors
    ///
    /// The OS error when the signal handler cannot be installed.
    pub fn wait_for_interrupt(&self) -> std::io::Result<()> {
        self.runtime()?.block_on(tokio::signal::ctrl_c())
    }

    fn runtime(&self) -> std::io::Result<&tokio::runtime::Runtime> {
        self.runtime
            .as_ref()
            .ok_or_else(|| std::io::Error::other("the server's runtime has stopped"))
    }

    /// From now on Ctrl-C no longer stops this process (a child sharing the terminal gets it
    /// and decides); the server keeps serving.
    ///
    /// # Errors
    ///
    /// The OS error when the signal handler cannot be installed.
    pub fn ignore_interrupts(&self) -> std::io::Result<()> {
        let runtime = self.runtime()?;
        runtime.block_on(async {
            // Installing the handler is what stops the default action; do it before returning.
            let mut signal = Box::pin(tokio::signal::ctrl_c());
            if let Some(Err(error)) = poll_once(&mut signal).await {
                return Err(error);
            }
            Ok(())
        })?;
        runtime.spawn(async { while tokio::signal::ctrl_c().await.is_ok() {} });
        Ok(())
    }
}

/// Polls `future` once (it registers what it waits for) and gives up.
async fn poll_once<F: std::future::Future + Unpin>(future: &mut F) -> Option<F::Output> {
    tokio::time::timeout(Duration::ZERO, future).await.ok()
}

struct Shared {
    token: AuthToken,
    source: Arc<dyn CredentialSource>,
    clock: Arc<dyn WallClock>,
    state: Mutex<State>,
    /// Notified after every fetch.
    refreshed: Notify,
}

#[derive(Default)]
struct State {
    /// The freshest credentials fetched.
    credentials: Option<Credentials>,
    /// The last fetch's failure, cleared by a success.
    failure: Option<SourceFailure>,
    /// When the last fetch started (Unix ms).
    last_attempt_ms: Option<u64>,
    /// Whether a fetch runs.
    refreshing: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_unix_ms(self.clock.now_unix_ms())
    }
}

/// Starts a fetch unless one runs. `min_gap`: no new fetch when the last started less than
/// this long ago.
fn start_refresh(shared: &Arc<Shared>, min_gap: Duration) {
    let now_ms = shared.clock.now_unix_ms();
    {
        let mut state = shared.lock();
        if state.refreshing {
            return;
        }
        let gap_ms = u64::try_from(min_gap.as_millis()).unwrap_or(u64::MAX);
        if state
            .last_attempt_ms
            .is_some_and(|at| now_ms.saturating_sub(at) < gap_ms)
        {
            return;
        }
        state.refreshing = true;
        state.last_attempt_ms = Some(now_ms);
    }
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        let source = Arc::clone(&shared.source);
        let result = tokio::task::spawn_blocking(move || source.fetch()).await;
        {
            let mut state = shared.lock();
            match result {
                Ok(Ok(credentials)) => {
                    tracing::debug!(expiration = ?credentials.expiration, "credential server refreshed");
                    let current = state.credentials.take();
                    state.credentials = Some(freshest(current, credentials));
                    state.failure = None;
                }
                Ok(Err(failure)) => {
                    tracing::debug!(kind = ?failure.kind, "credential server refresh failed");
                    state.failure = Some(failure);
                }
                Err(error) => {
                    tracing::debug!(%error, "credential server refresh panicked");
                    state.failure = Some(SourceFailure::new(
                        FailureKind::Failed,
                        "internal error while fetching credentials",
                    ));
                }
            }
            state.refreshing = false;
        }
        shared.refreshed.notify_waiters();
    });
}

/// Waits until the fetch in progress (if any) ends, at most `within` (`None`: no limit).
async fn wait_for_refresh(shared: &Shared, within: Option<Duration>) {
    let notified = shared.refreshed.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    if !shared.lock().refreshing {
        return;
    }
    match within {
        Some(within) => {
            let _ = tokio::time::timeout(within, notified).await;
        }
        None => notified.await,
    }
}

/// Asks the source again whenever the credentials get within [`REFRESH_AHEAD`] of expiring.
async fn refresh_loop(shared: Arc<Shared>) {
    loop {
        let now = shared.now();
        let current = shared.lock().credentials.as_ref().map(|c| c.expiration);
        tokio::time::sleep(next_check(current, now)).await;
        let now = shared.now();
        let stale = shared
            .lock()
            .credentials
            .as_ref()
            .is_none_or(|c| freshness(c.expiration, now) != Freshness::Fresh);
        if stale {
            start_refresh(&shared, RECHECK_INTERVAL / 2);
            wait_for_refresh(&shared, None).await;
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    crate::loopback::accept_loopback(listener, "credential server", MAX_CONNECTIONS, |stream| {
        serve_connection(stream, Arc::clone(&shared))
    })
    .await;
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let service = hyper::service::service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(handle(&request, &shared).await) }
    });
    let result = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_REQUEST_HEAD_BYTES)
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(error) = result {
        tracing::debug!(%error, "credential server connection ended with an error");
    }
}

async fn handle(request: &hyper::Request<Incoming>, shared: &Arc<Shared>) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    let route = Route::of(
        request.method(),
        request.uri().path(),
        authorization,
        &shared.token,
    );
    tracing::debug!(method = %request.method(), ?route, "credential server request");
    match route {
        Route::Credentials => answer(shared).await,
        Route::NotFound => text(StatusCode::NOT_FOUND, "not found\n"),
        Route::MethodNotAllowed => {
            let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "only GET is allowed\n");
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET"));
            response
        }
        Route::Unauthorized => text(StatusCode::UNAUTHORIZED, "missing Authorization header\n"),
        Route::Forbidden => text(
            StatusCode::FORBIDDEN,
            "the Authorization header is not this server's token\n",
        ),
    }
}

type Response = hyper::Response<Full<Bytes>>;

/// Credentials for an authorized request: from memory when fresh, otherwise after a refresh
/// (waited for up to [`ANSWER_WITHIN`]).
async fn answer(shared: &Arc<Shared>) -> Response {
    let now = shared.now();
    let current = shared
        .lock()
        .credentials
        .as_ref()
        .map(|c| freshness(c.expiration, now));
    match current {
        Some(Freshness::Fresh) => {}
        Some(Freshness::Renewable) => {
            start_refresh(shared, Duration::from_secs(10));
            wait_for_refresh(shared, Some(ANSWER_WITHIN)).await;
        }
        Some(Freshness::Unusable) | None => {
            start_refresh(shared, Duration::ZERO);
            wait_for_refresh(shared, Some(ANSWER_WITHIN)).await;
        }
    }
    let now = shared.now();
    let state = shared.lock();
    if let Some(credentials) = &state.credentials
        && freshness(credentials.expiration, now) != Freshness::Unusable
    {
        return match credentials_json(credentials, now) {
            Ok(body) => json(&body),
            Err(failure) => failure_response(&failure),
        };
    }
    match &state.failure {
        Some(failure) if !state.refreshing => failure_response(failure),
        _ => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "credentials are being fetched; try again\n",
        ),
    }
}

fn failure_response(failure: &SourceFailure) -> Response {
    text(failure.kind.status(), &failure_body(&failure.message))
}

fn json(body: &str) -> Response {
    let mut response = hyper::Response::new(Full::new(Bytes::copy_from_slice(body.as_bytes())));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn text(status: StatusCode, body: &str) -> Response {
    let mut response = hyper::Response::new(Full::new(Bytes::from(body.to_owned())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests;
