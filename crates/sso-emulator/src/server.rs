//! Starting and stopping an emulator: the builder, the async handle [`RunningEmulator`], the
//! thread-backed [`BlockingEmulator`], and the accept loop (hyper 1, HTTP/1.1, 127.0.0.1 only).

use std::net::{Ipv4Addr, SocketAddr};
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use crate::config::{Config, FailureRule};
use crate::error::{DeviceDecisionError, EmulatorError};
use crate::router;
use crate::state::Shared;
use crate::stats::Stats;

/// Entry point: `Emulator::builder()...start().await`.
#[derive(Debug)]
#[non_exhaustive]
pub struct Emulator;

impl Emulator {
    /// A builder with the default [`Config`] on an ephemeral port.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Configures an emulator before it starts. Every setter has a [`Config`] field of the same
/// meaning, which can also be changed while the emulator runs.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct EmulatorBuilder {
    config: Config,
    seed: Option<u64>,
    port: u16,
}

impl EmulatorBuilder {
    /// Replaces the whole configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The TCP port on 127.0.0.1; 0 (the default) lets the OS choose.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Seeds the random generator so codes and tokens are the same on every run.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Number of seeded accounts.
    pub fn accounts(mut self, accounts: u32) -> Self {
        self.config.accounts = accounts;
        self
    }

    /// Number of roles per seeded account.
    pub fn roles_per_account(mut self, roles: u32) -> Self {
        self.config.roles_per_account = roles;
        self
    }

    /// Default page size of the portal listings.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.config.page_size = page_size;
        self
    }

    /// Delay before every API answer.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.config.latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Answer every Nth portal call with 429 `TooManyRequestsException` (0: never).
    pub fn throttle_every(mut self, every: u32) -> Self {
        self.config.throttle_every = every;
        self
    }

    /// Approve device codes as soon as they are issued.
    pub fn auto_approve(mut self, auto_approve: bool) -> Self {
        self.config.auto_approve = auto_approve;
        self
    }

    /// Deny every authorization (device and PKCE).
    pub fn deny(mut self, deny: bool) -> Self {
        self.config.deny = deny;
        self
    }

    /// The device flow's polling `interval`.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.config.poll_interval_secs = interval.as_secs();
        self
    }

    /// Whether polling faster than the interval answers `SlowDownException` (default true).
    pub fn enforce_poll_interval(mut self, enforce: bool) -> Self {
        self.config.enforce_poll_interval = enforce;
        self
    }

    /// Lifetime of access tokens.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.token_lifetime_secs = lifetime.as_secs();
        self
    }

    /// Lifetime of client registrations.
    pub fn registration_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.registration_lifetime_secs = lifetime.as_secs();
        self
    }

    /// Lifetime of device and authorization codes.
    pub fn code_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.code_lifetime_secs = lifetime.as_secs();
        self
    }

    /// Answer every Nth STS call with 400 `Throttling` (0: never).
    pub fn sts_throttle_every(mut self, every: u32) -> Self {
        self.config.sts_throttle_every = every;
        self
    }

    /// A long-term key pair STS accepts (an IAM user's static keys).
    pub fn static_keys(mut self, access_key_id: &str, secret_access_key: &str) -> Self {
        self.config.static_access_key_id = Some(access_key_id.to_owned());
        self.config.static_secret_access_key = Some(secret_access_key.to_owned());
        self
    }

    /// The only MFA code `AssumeRole` accepts (default: any six digits).
    pub fn mfa_code(mut self, code: &str) -> Self {
        self.config.mfa_code = Some(code.to_owned());
        self
    }

    /// The `Authorization` value the container-credentials endpoint requires.
    pub fn container_authorization_token(mut self, token: &str) -> Self {
        self.config.container_authorization_token = token.to_owned();
        self
    }

    /// Adds an injected failure.
    pub fn fail(mut self, rule: FailureRule) -> Self {
        self.config.failures.push(rule);
        self
    }

    /// Binds 127.0.0.1 and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<RunningEmulator, EmulatorError> {
        self.config
            .validate()
            .map_err(EmulatorError::InvalidConfig)?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| EmulatorError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind { addr, source })?;
        let url = format!("http://{addr}");
        let seed = self.seed.unwrap_or_else(|| fastrand::u64(..));
        let shared = Arc::new(Shared::new(self.config, seed, url.clone()));
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let task = tokio::spawn(serve(listener, Arc::clone(&shared), shutdown_rx));
        Ok(RunningEmulator {
            url,
            addr,
            shared,
            shutdown: Some(shutdown_tx),
            task: Some(task),
        })
    }

    /// Starts the emulator on a runtime of its own, on a new thread, for callers without async.
    pub fn start_blocking(self) -> Result<BlockingEmulator, EmulatorError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(EmulatorError::Runtime)?;
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("sso-emulator".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    match self.start().await {
                        Ok(mut running) => {
                            let task = running.task.take();
                            if started_tx.send(Ok(running)).is_ok()
                                && let Some(task) = task
                            {
                                // The task ends when the handle signals shutdown or is dropped.
                                let _ = task.await;
                            }
                        }
                        Err(err) => {
                            let _ = started_tx.send(Err(err));
                        }
                    }
                });
            })
            .map_err(EmulatorError::Runtime)?;
        let running = started_rx
            .recv()
            .map_err(|_| EmulatorError::ThreadStopped)??;
        Ok(BlockingEmulator {
            running: Some(running),
            thread: Some(thread),
        })
    }
}

/// A running emulator. Dropping it stops the server (without waiting); [`Self::shutdown`] stops
/// it and waits.
#[derive(Debug)]
pub struct RunningEmulator {
    url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// The base URL, `http://127.0.0.1:{port}`, for both `AWS_ENDPOINT_URL_SSO_OIDC` and
    /// `AWS_ENDPOINT_URL_SSO`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The container-credentials endpoint, for `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub fn container_credentials_url(&self) -> String {
        format!("{}/container/credentials", self.url)
    }

    /// The STS calls that reached a handler so far, in order (knob answers are not recorded).
    pub fn sts_calls(&self) -> Vec<crate::StsCall> {
        self.shared.lock().sts_calls_log.clone()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.shared.lock().stats.clone()
    }

    /// Sets every counter back to zero and forgets the recorded STS calls.
    pub fn reset_stats(&self) {
        let mut inner = self.shared.lock();
        inner.stats = Stats::default();
        inner.sts_calls_log.clear();
    }

    /// The current configuration.
    pub fn config(&self) -> Config {
        self.shared.lock().config.clone()
    }

    /// Replaces the configuration; takes effect on the next request.
    pub fn set_config(&self, config: Config) -> Result<(), EmulatorError> {
        config.validate().map_err(EmulatorError::InvalidConfig)?;
        self.shared.lock().config = config;
        Ok(())
    }

    /// Changes the configuration in place: `emu.update_config(|c| c.deny = true)`.
    pub fn update_config(&self, change: impl FnOnce(&mut Config)) -> Result<(), EmulatorError> {
        let mut inner = self.shared.lock();
        let mut next = inner.config.clone();
        change(&mut next);
        next.validate().map_err(EmulatorError::InvalidConfig)?;
        inner.config = next;
        Ok(())
    }

    /// An access token of a new signed-in session, as if a user had just signed in (no refresh
    /// token, no client): for tests of the portal and of cached tokens that need a live token
    /// without running a login. Counts in `tokens_issued` only.
    pub fn issue_access_token(&self) -> String {
        let mut inner = self.shared.lock();
        inner
            .issue_tokens("emulator-test-client", &[], None, false)
            .access_token
            .expose()
            .to_owned()
    }

    /// Approves the pending device authorization with this user code (`ABCD-EFGH`).
    pub fn approve_device(&self, user_code: &str) -> Result<(), DeviceDecisionError> {
        self.shared.lock().decide_device(user_code, true)
    }

    /// Denies the pending device authorization with this user code.
    pub fn deny_device(&self, user_code: &str) -> Result<(), DeviceDecisionError> {
        self.shared.lock().decide_device(user_code, false)
    }

    /// Approves every pending device authorization; returns how many.
    pub fn approve_all(&self) -> usize {
        self.shared.lock().approve_all()
    }

    /// User codes of the pending device authorizations, sorted.
    pub fn pending_user_codes(&self) -> Vec<String> {
        self.shared.lock().pending_user_codes()
    }

    /// Stops accepting connections, closes open ones and waits for the server task.
    pub async fn shutdown(mut self) {
        self.signal_shutdown();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn signal_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.signal_shutdown();
    }
}

/// An emulator served by its own thread and runtime; derefs to [`RunningEmulator`] for
/// `url()`, `stats()`, `set_config()`, `approve_device()` and the rest. Dropping it stops the
/// server and joins the thread.
#[derive(Debug)]
pub struct BlockingEmulator {
    running: Option<RunningEmulator>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BlockingEmulator {
    /// Stops the server and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(mut running) = self.running.take() {
            running.signal_shutdown();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Deref for BlockingEmulator {
    type Target = RunningEmulator;

    // `running` is only taken by `stop`, which runs in `shutdown(self)` and `drop`, so no
    // caller can observe `None`.
    fn deref(&self) -> &RunningEmulator {
        self.running
            .as_ref()
            .expect("a BlockingEmulator holds its handle until it is dropped")
    }
}

impl Drop for BlockingEmulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Accepts connections until `shutdown` fires (or its sender is dropped), then aborts the open
/// connections.
async fn serve(listener: TcpListener, shared: Arc<Shared>, mut shutdown: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                connections.spawn(async move {
                    let service = service_fn(move |req| router::handle(Arc::clone(&shared), req));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}
