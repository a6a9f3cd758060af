//! Running a login to completion: the event loop around [`sso_oidc::Flow`] for the device-code
//! and the authorization-code (PKCE) flows, writing the caches as the AWS CLI does.
//!
//! [`login`] follows the driver loop of the `sso-oidc` crate documentation:
//!
//! 0. Take the login's sign-in lock ([`CacheDir::lock_sign_in`], beside the token entry). When
//!    another process on this machine holds it, show who ([`Prompt::waiting_for_sign_in`]) and
//!    wait; then reuse the token it wrote ([`LoginOutcome::reused`]), or, when it wrote none
//!    (it failed, was cancelled or was killed), take over and sign in (one waiter at a time,
//!    since the waiters queue on the lock). The registration read next is then the one the
//!    first sign-in cached, so a client is registered once for all of them.
//! 1. Read the cached client registration (protocol.md §4.2; an unreadable entry counts as
//!    missing and is overwritten), and for PKCE bind the loopback listener **before** the
//!    authorize URL is built, so its port is in the redirect URI.
//! 2. Drain `poll_output`: send each `Transmit` through the [`Transport`] and feed the response
//!    (or `TransportFailed`); cache a new registration; open the browser (unless
//!    `no_browser`), then show the user code or the authorize URL through the [`Prompt`]. When
//!    no browser opens, the device code is shown anyway (it works on any device), while the
//!    PKCE login fails at once with [`LoginError::BrowserNotOpened`] instead of waiting for a
//!    redirect that cannot come.
//! 3. On `Wait`, tell the prompt once, then race the deadline, the loopback callback, a pasted
//!    callback query (the optional second redirect source of [`LoginOptions::pasted`]) and
//!    Ctrl-C; whichever comes first is fed to the flow.
//! 4. On success, write the token entry atomically (startUrl, region, accessToken, expiresAt,
//!    clientId, clientSecret, registrationExpiresAt, refreshToken when present: §4.1), answer the
//!    browser's callback page, and call [`Prompt::signed_in`].
//!
//! Errors are [`LoginError`] values whose messages say what to do; none carries a secret.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use sso_cache::{
    CacheDir, CacheError, CachedToken, LockHolder, RegistrationFlow, SignInLock, UnknownFields,
};
use sso_oidc::{
    Entropy, ErrorCode, Event, Flow, FlowError, FlowKind, Input, Operation, Output, RedirectUri,
    ResponseError, Timestamp, TransportFailure,
};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::browser::{self, Platform};
use crate::clock::{self, WallClock};
use crate::context::SsoTarget;
use crate::convert;
use crate::env::Env;
use crate::loopback::{CallbackOutcome, LoopbackError, LoopbackServer};
use crate::prompt::{Prompt, UserCode};
use crate::token::exchange;
use crate::transport::Transport;

/// The user's choice of flow (PKCE, paste-back PKCE or the device code), the one flow enum
/// besides the protocol's [`FlowKind`].
pub(crate) use sso_oidc::headless::LoginFlow;

/// A second source of redirect queries next to the loopback listener: the raw query strings
/// (without `?`) of callback URLs that the user pasted (see [`sso_oidc::callback`]).
///
/// Whichever of the listener and this source delivers a query first is fed to the flow as
/// `Input::Redirect`. Close the sender to stop offering pasted queries.
#[derive(Debug)]
pub struct PastedQueries(Mutex<mpsc::Receiver<String>>);

impl PastedQueries {
    /// Wraps the receiving end of the paste reader's channel.
    pub fn new(receiver: mpsc::Receiver<String>) -> Self {
        Self(Mutex::new(receiver))
    }

    async fn recv(&self) -> Option<String> {
        self.0.lock().await.recv().await
    }
}

/// How to run a login.
#[derive(Debug)]
#[non_exhaustive]
pub(crate) struct LoginOptions {
    /// The flow; [`LoginFlow::Pkce`] falls back to the device flow for legacy profiles, which
    /// the authorization-code grant does not support (protocol.md §2.6).
    pub flow: LoginFlow,
    /// Do not open a browser; only show the URL (and the code).
    pub no_browser: bool,
    /// The loopback listener's port (`--redirect-port`); any free port when `None`.
    pub redirect_port: Option<u16>,
    /// Where `BROWSER` is read from.
    pub browser_env: Env,
    /// How to open a browser on this machine.
    pub platform: Platform,
    /// Pasted callback queries to race with the loopback listener (PKCE only).
    pub pasted: Option<PastedQueries>,
    /// Fixed PKCE entropy (the verifier's and `state`'s bytes) instead of the operating
    /// system's random bytes, so that a test or the conformance harness can replay a recorded
    /// exchange byte for byte. Known entropy makes the verifier and `state` guessable: leave it
    /// `None` outside tests.
    pub entropy: Option<Entropy>,
}

impl LoginOptions {
    /// Options for `flow` with a browser opened through the process environment on this
    /// platform, any loopback port, and no pasted queries.
    pub(crate) fn new(flow: LoginFlow) -> Self {
        Self {
            flow,
            no_browser: false,
            redirect_port: None,
            browser_env: Env::process(),
            platform: Platform::current(),
            pasted: None,
            entropy: None,
        }
    }
}

/// What a successful login produced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginOutcome {
    /// When the new access token expires.
    pub expires_at: sso_cache::Timestamp,
    /// The configured start URL.
    pub start_url: String,
    /// The sso-session signed in to; `None` for a legacy profile.
    pub session_name: Option<String>,
    /// The flow that ran (the device code for a legacy profile, whatever was asked).
    pub flow: FlowKind,
    /// Whether the token can be refreshed (a refresh token was issued).
    pub refreshable: bool,
    /// The token cache file written.
    pub token_path: PathBuf,
    /// Another process on this machine was signing in to the same login and this one waited
    /// for it and reuses its token; nothing was sent, `flow` is the flow this one would have
    /// run.
    pub reused: bool,
}

/// Why a login failed. Messages never contain tokens, codes or secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The user (or a policy) denied the request.
    #[error("the sign-in request was denied{}; run the login again and approve the request", describe(.description.as_deref()))]
    Denied {
        /// The service's explanation, if any.
        description: Option<String>,
    },
    /// The device code expired before the request was approved.
    #[error(
        "the device code expired before the sign-in was approved; run the login again and approve it sooner"
    )]
    DeviceCodeExpired,
    /// The browser did not come back to the loopback listener in time (or the authorization
    /// code expired).
    #[error(
        "timed out after {} s waiting for the browser to return to {redirect_uri} (a browser on another machine cannot reach it)",
        waited.as_secs()
    )]
    BrowserTimeout {
        /// How long the login waited.
        waited: Duration,
        /// The redirect URI the browser should have come back to.
        redirect_uri: String,
    },
    /// The authorization redirect reported an error, or carried no code.
    #[error("the authorization redirect failed: {error}{}", describe(.description.as_deref()))]
    BadCallback {
        /// The redirect's `error` parameter (or `missing code`).
        error: String,
        /// Its `error_description`, if any.
        description: Option<String>,
    },
    /// The fixed `--redirect-port` is taken.
    #[error(
        "port {port} on 127.0.0.1 is in use by another program, so the redirect cannot be received there"
    )]
    PortInUse {
        /// The port asked for.
        port: u16,
    },
    /// The loopback listener could not be set up.
    #[error(transparent)]
    Listener(LoopbackError),
    /// A service answered with an error.
    #[error("{operation} failed: the service answered {code} (HTTP {status}){}", describe(.description.as_deref()))]
    Service {
        /// The operation, e.g. `CreateToken`.
        operation: Operation,
        /// The error code, e.g. `InvalidClientException`.
        code: String,
        /// The HTTP status.
        status: u16,
        /// The service's description, if any.
        description: Option<String>,
    },
    /// A service answered with something unreadable.
    #[error("{0}")]
    BadResponse(ResponseError),
    /// A request could not be sent or got no answer.
    #[error("{operation} could not be sent: {failure}; check the network and the endpoint")]
    Transport {
        /// The operation.
        operation: Operation,
        /// What failed.
        failure: TransportFailure,
    },
    /// A cache entry could not be written; the error names the file and the OS reason.
    #[error("could not write {}: {source}", path.display())]
    CacheWrite {
        /// The entry's file.
        path: PathBuf,
        /// The cache error.
        #[source]
        source: CacheError,
    },
    /// Authorization code with PKCE: no browser could be opened for the authorize URL, so
    /// nobody will come back to the loopback listener. The URL was not
    /// shown; sign in again with `no_browser` (the user opens the URL) or the device code.
    #[error("{0}; sign in with the device code, or without opening a browser")]
    BrowserNotOpened(browser::BrowserError),
    /// The user pressed Ctrl-C.
    #[error("the login was cancelled")]
    Cancelled,
    /// The operating system's random number generator failed.
    #[error("could not get random bytes for the login: {message}")]
    Entropy {
        /// The OS error.
        message: String,
    },
    /// The driver broke the flow's call contract: a bug.
    #[error("internal error during the login: {message}")]
    Internal {
        /// What went wrong.
        message: String,
    },
}

fn describe(description: Option<&str>) -> String {
    description.map(|d| format!(" ({d})")).unwrap_or_default()
}

/// Runs a login for `target` to completion and caches the token.
///
/// See the module documentation. Legacy targets always use the device flow.
pub(crate) async fn login<T: Transport>(
    transport: &T,
    sso_cache: &CacheDir,
    target: &SsoTarget,
    options: &LoginOptions,
    prompt: &dyn Prompt,
    clock: &dyn WallClock,
) -> Result<LoginOutcome, LoginError> {
    // Legacy profiles sign in with the device code whatever was asked (protocol.md §2.6).
    let flow_kind = if options.flow.is_pkce() && !target.is_legacy() {
        FlowKind::AuthorizationCode
    } else {
        FlowKind::DeviceCode
    };
    let registration_flow = match flow_kind {
        FlowKind::AuthorizationCode => RegistrationFlow::AuthorizationCode,
        _ => RegistrationFlow::DeviceCode,
    };
    // One sign-in per login on this machine: wait for one in progress and reuse its token.
    // The lock is held until the token is written and the browser has its page.
    let _sign_in = match take_turn(sso_cache, target, flow_kind, prompt, clock).await? {
        Turn::Ours(lock) => lock,
        Turn::Reused(outcome) => {
            prompt.signed_in(&target.start_url);
            return Ok(outcome);
        }
    };
    let registration_key = target.registration_key(registration_flow);
    let cached = match sso_cache.read::<sso_cache::ClientRegistration>(&registration_key) {
        Ok(entry) => entry.map(|entry| convert::registration_from_cache(&entry)),
        Err(error) => {
            tracing::debug!(%error, "ignoring an unusable cached client registration");
            None
        }
    };
    tracing::debug!(
        flow = ?flow_kind,
        cached_registration = cached.is_some(),
        "starting the login"
    );
    let config = target.flow_config(cached);
    let now = Timestamp::from_unix_ms(clock.now_unix_ms());

    let mut server = None;
    let mut flow = match flow_kind {
        FlowKind::AuthorizationCode => {
            let listener = LoopbackServer::bind(options.redirect_port)
                .await
                .map_err(|error| match error {
                    LoopbackError::PortInUse { port } => LoginError::PortInUse { port },
                    other => LoginError::Listener(other),
                })?;
            let redirect = RedirectUri::loopback(listener.port());
            server = Some(listener);
            let entropy = match &options.entropy {
                Some(fixed) => fixed.clone(),
                None => entropy()?,
            };
            Flow::authorization_code(config, redirect, &entropy, now)
        }
        _ => Flow::device_code(config, now),
    };

    let mut driver = Driver {
        transport,
        sso_cache,
        target,
        options,
        prompt,
        clock,
        registration_key,
        server,
        reply: None,
        user_deadline: None,
        waiting_shown: false,
        started_waiting: None,
        pasted_closed: false,
    };
    let result = driver.run(&mut flow).await;
    let result = match result {
        Ok(tokens) => driver.finish(&tokens, flow_kind),
        Err(error) => Err(error),
    };
    if let Some(reply) = driver.reply.take() {
        let outcome = match &result {
            Ok(_) => CallbackOutcome::SignedIn,
            Err(error) => CallbackOutcome::Failed {
                message: browser_message(error),
            },
        };
        // The browser may have gone away; nobody is left to tell.
        let _ = reply.send(outcome);
        // Give the listener a moment to send the page before the server is dropped.
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let outcome = result?;
    prompt.signed_in(&target.start_url);
    Ok(outcome)
}

/// How often a login waiting for another process's sign-in tries its lock.
const SIGN_IN_POLL: Duration = Duration::from_millis(50);

/// After this long without a holder recorded in the lock file, the wait is shown without one.
const HOLDER_GRACE: Duration = Duration::from_millis(250);

/// Whose turn it is to sign in.
enum Turn {
    /// This process signs in, holding the sign-in lock (`None`: the lock could not be used,
    /// for example in a read-only cache directory; the login goes ahead without it).
    Ours(Option<SignInLock>),
    /// Another process signed in while this one waited: its token.
    Reused(LoginOutcome),
}

/// Takes the login's sign-in lock ([`CacheDir::lock_sign_in`]). When another process holds
/// it, tells the prompt who, waits for it to end (Ctrl-C cancels), and then reuses the token
/// that sign-in wrote, or takes over when it wrote none. Waiters queue on the lock, so after a
/// failed sign-in exactly one of them signs in next. A holder that dies releases the lock with
/// its process, so a waiter takes over within [`SIGN_IN_POLL`].
async fn take_turn(
    sso_cache: &CacheDir,
    target: &SsoTarget,
    flow: FlowKind,
    prompt: &dyn Prompt,
    clock: &dyn WallClock,
) -> Result<Turn, LoginError> {
    let key = target.token_key();
    let now = || Timestamp::from_unix_ms(clock.now_unix_ms());
    let before = sso_cache
        .read::<CachedToken>(&key)
        .ok()
        .flatten()
        .map(|token| token.access_token);
    let waiting_since = now();
    // The earliest start of a sign-in waited for: a token written since then is its result.
    let mut since = waiting_since;
    let mut waited = false;
    // The holder last shown to the user (`Some(None)`: shown without one).
    let mut shown: Option<Option<u32>> = None;
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        match sso_cache.lock_sign_in(&key, LockHolder::this_process(now()), Duration::ZERO) {
            Ok(lock) if !waited => return Ok(Turn::Ours(Some(lock))),
            Ok(lock) => {
                if let Some(outcome) = reusable(sso_cache, target, flow, before.as_ref(), since) {
                    tracing::debug!("reusing the token of the sign-in waited for");
                    return Ok(Turn::Reused(outcome));
                }
                tracing::debug!("the sign-in waited for left no token; taking over");
                prompt.taking_over();
                return Ok(Turn::Ours(Some(lock)));
            }
            Err(CacheError::LockTimeout { .. }) => waited = true,
            Err(error) => {
                tracing::warn!(%error, "signing in without the sign-in lock");
                return Ok(Turn::Ours(None));
            }
        }
        let holder = sso_cache.sign_in_holder(&key);
        if let Some(holder) = holder {
            since = since.min(holder.since);
        }
        let pid = holder.map(|h| h.pid);
        let waited_ms = now().unix_millis() - waiting_since.unix_millis();
        let grace_over = u128::try_from(waited_ms).unwrap_or(0) >= HOLDER_GRACE.as_millis();
        let show = match pid {
            Some(_) => shown != Some(pid),
            // The holder may be about to record itself; after a moment, say it without.
            None => shown.is_none() && grace_over,
        };
        if show {
            shown = Some(pid);
            prompt.waiting_for_sign_in(holder.as_ref());
        }
        tokio::select! {
            () = tokio::time::sleep(SIGN_IN_POLL) => {}
            _ = &mut ctrl_c => {
                tracing::debug!("Ctrl-C while waiting for another sign-in");
                return Err(LoginError::Cancelled);
            }
        }
    }
}

/// The outcome of reusing the token another process's sign-in wrote: one that has not expired
/// and is new (another token than before the wait, or written since the sign-in started).
fn reusable(
    sso_cache: &CacheDir,
    target: &SsoTarget,
    flow: FlowKind,
    before: Option<&sso_cache::AccessToken>,
    since: sso_cache::Timestamp,
) -> Option<LoginOutcome> {
    let key = target.token_key();
    let path = sso_cache.entry_path(&key);
    let token = sso_cache.read::<CachedToken>(&key).ok().flatten()?;
    let now = std::time::SystemTime::now();
    let unix_ms = |at: std::time::SystemTime| {
        at.duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    };
    if token.is_expired(sso_cache::Timestamp::from_unix_millis(unix_ms(now))) {
        return None;
    }
    let changed = before != Some(&token.access_token);
    // The recorded start has whole seconds; the file's time is exact.
    let written_since = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .is_ok_and(|at| unix_ms(at) >= since.unix_millis() - since.unix_millis().rem_euclid(1000));
    (changed || written_since).then(|| LoginOutcome {
        expires_at: token.expires_at,
        start_url: target.start_url.clone(),
        session_name: target.session_name.clone(),
        flow,
        refreshable: !target.is_legacy() && token.refresh_token.is_some(),
        token_path: path,
        reused: true,
    })
}

/// Random bytes for the PKCE verifier and `state`, from the OS.
fn entropy() -> Result<Entropy, LoginError> {
    let mut bytes = [0u8; Entropy::LEN];
    getrandom::fill(&mut bytes).map_err(|error| LoginError::Entropy {
        message: error.to_string(),
    })?;
    let entropy = Entropy::from_bytes(&bytes);
    bytes.fill(0);
    entropy.ok_or_else(|| LoginError::Internal {
        message: "wrong entropy length".to_owned(),
    })
}

/// A short, secret-free line for the browser's failure page.
fn browser_message(error: &LoginError) -> String {
    match error {
        LoginError::Denied { .. } => "the request was denied".to_owned(),
        LoginError::BadCallback { .. } => "the authorization server reported an error".to_owned(),
        LoginError::CacheWrite { .. } => "the token could not be saved".to_owned(),
        LoginError::Cancelled => "the login was cancelled".to_owned(),
        _ => "the token could not be obtained".to_owned(),
    }
}

/// The state of one login's event loop besides the flow.
struct Driver<'a, T> {
    transport: &'a T,
    sso_cache: &'a CacheDir,
    target: &'a SsoTarget,
    options: &'a LoginOptions,
    prompt: &'a dyn Prompt,
    clock: &'a dyn WallClock,
    registration_key: sso_cache::CacheKey,
    server: Option<LoopbackServer>,
    /// The browser waiting for its page, once a callback arrived through the listener.
    reply: Option<oneshot::Sender<CallbackOutcome>>,
    /// When the user's part expires (device code expiry, or the redirect deadline).
    user_deadline: Option<Timestamp>,
    waiting_shown: bool,
    started_waiting: Option<Timestamp>,
    /// The paste channel was closed: stop polling it.
    pasted_closed: bool,
}

/// What ended a wait.
enum Woke {
    Deadline(u64),
    Callback(Option<crate::loopback::Callback>),
    Pasted(Option<String>),
    CtrlC,
}

impl<T: Transport> Driver<'_, T> {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_ms(self.clock.now_unix_ms())
    }

    /// Drives the flow to its `Done`.
    async fn run(&mut self, flow: &mut Flow) -> Result<sso_oidc::Tokens, LoginError> {
        loop {
            let input = match flow.poll_output() {
                Output::Transmit {
                    id,
                    operation,
                    request,
                } => exchange(self.transport, id, operation, request, self.clock).await,
                Output::Event(event) => {
                    self.on_event(flow.kind(), event)?;
                    continue;
                }
                Output::Wait { until } => self.wait(until).await,
                Output::Done(result) => {
                    return result.map_err(|error| self.flow_error(flow.kind(), error));
                }
                _ => {
                    return Err(LoginError::Internal {
                        message: "the flow returned an unknown output".to_owned(),
                    });
                }
            };
            flow.handle_input(input)
                .map_err(|error| LoginError::Internal {
                    message: error.to_string(),
                })?;
            if flow.awaits_redirect() {
                // The flow ignored the callback (not this login's `state`): tell that browser
                // and keep listening for the real one.
                if let Some(reply) = self.reply.take() {
                    tracing::debug!("ignored a callback that is not this login's");
                    let _ = reply.send(CallbackOutcome::NotOurs);
                }
            }
        }
    }

    fn on_event(&mut self, kind: FlowKind, event: Event) -> Result<(), LoginError> {
        let browser_opening = !self.options.no_browser;
        match event {
            Event::ClientRegistered(registration) => {
                let entry = convert::registration_to_cache(&registration);
                tracing::debug!(key = %self.registration_key, "caching the new client registration");
                self.sso_cache
                    .write(&self.registration_key, &entry)
                    .map_err(|source| LoginError::CacheWrite {
                        path: self.sso_cache.entry_path(&self.registration_key),
                        source,
                    })?;
            }
            Event::ShowUserCode {
                user_code,
                verification_uri,
                verification_uri_complete,
                expires_at,
            } => {
                self.user_deadline = Some(expires_at);
                let code = UserCode::new(
                    &verification_uri,
                    &user_code,
                    verification_uri_complete.as_deref(),
                    expires_at.unix_ms(),
                );
                // The code is shown whether or not the browser opens: it works on any device.
                let opened = browser_opening && {
                    let url = verification_uri_complete
                        .as_deref()
                        .unwrap_or(&verification_uri);
                    match self.open(url) {
                        Ok(()) => true,
                        Err(error) => {
                            self.prompt.browser_failed(&error);
                            false
                        }
                    }
                };
                self.prompt.show_user_code(&code, opened);
            }
            Event::OpenBrowser { url } => {
                // The device flow's OpenBrowser follows ShowUserCode, which already opened it.
                if kind != FlowKind::DeviceCode {
                    if browser_opening {
                        self.open(&url).map_err(LoginError::BrowserNotOpened)?;
                    }
                    self.prompt.show_authorize_url(&url, browser_opening);
                }
            }
            _ => tracing::debug!("ignoring an unknown flow event"),
        }
        Ok(())
    }

    /// Opens the browser before the URL is shown, so that the prompt can say whether it
    /// opened (this waits at most [`browser::EXIT_GRACE`] per command tried).
    fn open(&self, url: &str) -> Result<(), browser::BrowserError> {
        let command = browser::open_url(url, &self.options.browser_env, self.options.platform)?;
        tracing::debug!(program = %command.program, "opened the browser");
        Ok(())
    }

    /// Waits for the deadline, a redirect or Ctrl-C, and returns the input to feed.
    async fn wait(&mut self, until: Option<Timestamp>) -> Input {
        if !self.waiting_shown {
            self.waiting_shown = true;
            self.started_waiting = Some(self.now());
            if self.user_deadline.is_none() {
                self.user_deadline = until;
            }
            if let Some(deadline) = self.user_deadline {
                self.prompt.waiting(deadline.unix_ms());
            }
        }
        let clock = self.clock;
        let sleep = async move {
            match until {
                Some(t) => clock::sleep_until_unix_ms(clock, t.unix_ms()).await,
                None => std::future::pending().await,
            }
        };
        let pasted_source = self.options.pasted.as_ref().filter(|_| !self.pasted_closed);
        let callback = maybe(self.server.as_mut().map(LoopbackServer::next_callback));
        let pasted = maybe(pasted_source.map(PastedQueries::recv));
        let woke = tokio::select! {
            now = sleep => Woke::Deadline(now),
            callback = callback => Woke::Callback(callback),
            pasted = pasted => Woke::Pasted(pasted),
            _ = tokio::signal::ctrl_c() => Woke::CtrlC,
        };
        let now = self.now();
        match woke {
            Woke::Deadline(at) => Input::Timeout {
                now: Timestamp::from_unix_ms(at).max(now),
            },
            Woke::Callback(Some(callback)) => {
                tracing::debug!("the browser returned to the loopback listener");
                let (query, reply) = callback.into_parts();
                self.reply = Some(reply);
                Input::Redirect {
                    now,
                    query: query.expose_secret().to_owned(),
                }
            }
            Woke::Callback(None) => {
                // The listener stopped; keep waiting on the other sources.
                self.server = None;
                Input::Timeout { now }
            }
            Woke::Pasted(Some(query)) => {
                tracing::debug!("a callback was pasted");
                Input::Redirect { now, query }
            }
            Woke::Pasted(None) => {
                // The paste reader is gone; the listener (if any) still counts.
                self.pasted_closed = true;
                Input::Timeout { now }
            }
            Woke::CtrlC => {
                tracing::debug!("Ctrl-C: cancelling the login");
                Input::Cancel { now }
            }
        }
    }

    fn flow_error(&self, kind: FlowKind, error: FlowError) -> LoginError {
        match error {
            FlowError::AccessDenied { description } => LoginError::Denied { description },
            FlowError::AuthorizationExpired if kind == FlowKind::AuthorizationCode => {
                let waited = self
                    .started_waiting
                    .map(|start| self.now().saturating_duration_since(start))
                    .unwrap_or(sso_oidc::REDIRECT_TIMEOUT);
                LoginError::BrowserTimeout {
                    waited,
                    redirect_uri: self
                        .server
                        .as_ref()
                        .map(LoopbackServer::redirect_uri)
                        .unwrap_or_default(),
                }
            }
            FlowError::AuthorizationExpired => LoginError::DeviceCodeExpired,
            FlowError::AuthorizationFailed { error, description } => {
                LoginError::BadCallback { error, description }
            }
            FlowError::MissingAuthorizationCode => LoginError::BadCallback {
                error: "missing code".to_owned(),
                description: None,
            },
            FlowError::Transport { operation, failure } => {
                LoginError::Transport { operation, failure }
            }
            FlowError::Cancelled => LoginError::Cancelled,
            FlowError::Response(error) => response_error(error),
            other => LoginError::Internal {
                message: other.to_string(),
            },
        }
    }

    /// Writes the token entry and builds the outcome.
    fn finish(
        &self,
        tokens: &sso_oidc::Tokens,
        flow: FlowKind,
    ) -> Result<LoginOutcome, LoginError> {
        let key = self.target.token_key();
        let path = self.sso_cache.entry_path(&key);
        let entry = convert::token_to_cache(
            tokens,
            &self.target.start_url,
            &self.target.region,
            UnknownFields::new(),
        );
        let write_error = |source| LoginError::CacheWrite {
            path: path.clone(),
            source,
        };
        // Hold the entry's lock briefly so that a refresh in progress elsewhere cannot
        // overwrite the new login with a refresh of the old one; a stuck lock does not stop
        // the login.
        match self.sso_cache.lock_token(&key, Duration::from_secs(2)) {
            Ok(guard) => guard.write(&entry).map_err(write_error)?,
            Err(CacheError::LockTimeout { .. }) => {
                tracing::warn!("the token entry is locked by another process; writing anyway");
                self.sso_cache.write(&key, &entry).map_err(write_error)?;
            }
            Err(source) => return Err(write_error(source)),
        }
        tracing::debug!(cache = %path.display(), expires_at = %entry.expires_at, "token cached");
        Ok(LoginOutcome {
            expires_at: entry.expires_at,
            start_url: self.target.start_url.clone(),
            session_name: self.target.session_name.clone(),
            flow,
            refreshable: entry.refresh_token.is_some(),
            token_path: path,
            reused: false,
        })
    }
}

/// A `ResponseError` as a login error, keeping the operation, code and description.
fn response_error(error: ResponseError) -> LoginError {
    match &error {
        ResponseError::Service { operation, error } => {
            if error.code == ErrorCode::AccessDenied {
                return LoginError::Denied {
                    description: error.description().map(str::to_owned),
                };
            }
            LoginError::Service {
                operation: *operation,
                code: error.code.to_string(),
                status: error.status,
                description: error.description().map(str::to_owned),
            }
        }
        _ => LoginError::BadResponse(error),
    }
}

/// Awaits `future` when there is one, or never completes.
async fn maybe<F: Future>(future: Option<F>) -> F::Output {
    match future {
        Some(future) => future.await,
        None => std::future::pending().await,
    }
}
