//! `Flow`: the sans-IO state machine for the device-code, authorization-code (PKCE) and
//! refresh-token logins, with its `Input`, `Output` and `Event` types.
//!
//! The flow never sends, sleeps or reads a clock: it emits `Output::Transmit` with an
//! `http::Request`, `Output::Wait` with a deadline, and events for the user, and it consumes
//! responses, timeouts and the loopback redirect as `Input`s stamped with the caller's `now`.

use std::collections::VecDeque;
use std::time::Duration;

use subtle::ConstantTimeEq;

use crate::endpoint::Endpoint;
use crate::error::{ErrorCode, FlowError, MisuseError, Operation, ResponseError, TransportFailure};
use crate::oidc::{self, AUTHORIZATION_CODE_GRANT, Grant, REFRESH_TOKEN_GRANT, TokenResponse};
use crate::pkce::{self, DEFAULT_SCOPE, Entropy, RedirectUri};
use crate::refresh::REGISTRATION_EXPIRY_MARGIN;
use crate::time::MAX_REGISTRATION_LIFETIME;
use sso_base::Timestamp;
use sso_base::{
    AccessToken, AuthorizationCode, ClientSecret, CodeVerifier, DeviceCode, IdToken, RefreshToken,
};

/// The polling interval when `StartDeviceAuthorization` sends none (RFC 8628 section 3.2).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// What each `slow_down` adds to the interval, for good (RFC 8628 section 3.5).
pub const SLOW_DOWN_INCREMENT: Duration = Duration::from_secs(5);
/// How long the authorization-code flow waits for the redirect (the CLI's 600 s).
pub const REDIRECT_TIMEOUT: Duration = Duration::from_secs(600);

/// Identifies one request; the response to it must carry the same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExchangeId(u64);

impl ExchangeId {
    /// The raw number (unique within one flow, increasing).
    #[must_use]
    pub const fn as_u64(self) -> u64 {
        self.0
    }
}

/// A registered OIDC client, as cached by the driver (protocol.md section 4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRegistration {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`.
    pub client_secret: ClientSecret,
    /// `clientSecretExpiresAt`: when the registration stops working.
    pub expires_at: Timestamp,
    /// `clientIdIssuedAt`, when known.
    pub issued_at: Option<Timestamp>,
    /// The scopes registered (empty if none were sent).
    pub scopes: Vec<String>,
    /// The grant types registered (empty for device-flow registrations, which send none).
    pub grant_types: Vec<String>,
}

impl ClientRegistration {
    /// Whether the registration is fresh: more than 15 minutes before its expiry.
    #[must_use]
    pub fn is_fresh(&self, now: Timestamp) -> bool {
        now.saturating_add(REGISTRATION_EXPIRY_MARGIN) < self.expires_at
    }

    fn supports_authorization_code(&self) -> bool {
        self.grant_types
            .iter()
            .any(|g| g == AUTHORIZATION_CODE_GRANT)
    }

    /// Whether the device flow may reuse it: fresh, and not an authorization-code registration.
    #[must_use]
    pub fn reusable_for_device_code(&self, now: Timestamp) -> bool {
        self.is_fresh(now) && !self.supports_authorization_code()
    }

    /// Whether the authorization-code flow may reuse it: fresh, with `authorization_code`.
    #[must_use]
    pub fn reusable_for_authorization_code(&self, now: Timestamp) -> bool {
        self.is_fresh(now) && self.supports_authorization_code()
    }
}

/// Everything a flow needs besides time and entropy. The driver fills it from the profile.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlowConfig {
    /// The SSO-OIDC endpoint (see [`crate::resolve_endpoint`]).
    pub oidc_endpoint: Endpoint,
    /// The resolved start URL (`startUrl`, and `issuerUrl` for PKCE registrations).
    pub start_url: String,
    /// `sso_region`, carried through for the token cache.
    pub region: String,
    /// `sso_registration_scopes` as configured (empty if not configured).
    pub scopes: Vec<String>,
    /// The sso-session name; `None` for legacy profiles.
    pub session_name: Option<String>,
    /// A cached registration to reuse if the rules allow (protocol.md section 4.2).
    pub registration: Option<ClientRegistration>,
}

impl FlowConfig {
    /// A configuration with no scopes, no session name and no cached registration.
    #[must_use]
    pub fn new(
        oidc_endpoint: Endpoint,
        start_url: impl Into<String>,
        region: impl Into<String>,
    ) -> Self {
        Self {
            oidc_endpoint,
            start_url: start_url.into(),
            region: region.into(),
            scopes: Vec::new(),
            session_name: None,
            registration: None,
        }
    }

    /// `botocore-client-{session}`, or `botocore-client-{unix_seconds}` for legacy profiles.
    fn client_name(&self, now: Timestamp) -> String {
        match &self.session_name {
            Some(session) => format!("botocore-client-{session}"),
            None => format!("botocore-client-{}", now.unix_seconds()),
        }
    }
}

/// The result of a successful flow: what the driver writes to the token cache (section 4.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tokens {
    /// `accessToken`.
    pub access_token: AccessToken,
    /// `tokenType`, if sent.
    pub token_type: Option<String>,
    /// `now + expiresIn`, where `now` is when the response was fed in.
    pub expires_at: Timestamp,
    /// The refresh token: the new one, or for a refresh that returned none, the old one.
    pub refresh_token: Option<RefreshToken>,
    /// `idToken`, if sent.
    pub id_token: Option<IdToken>,
    /// The client registration the token was obtained with.
    pub registration: ClientRegistration,
}

/// Input to [`Flow::handle_input`], each stamped with the caller's current time.
///
/// `Debug` shows no bodies and no redirect query: they carry tokens and codes.
#[derive(Clone)]
#[non_exhaustive]
pub enum Input {
    /// The response to the `Transmit` with this id (any status; bodies are read as JSON).
    Response {
        /// The id from `Output::Transmit`.
        id: ExchangeId,
        /// The current time.
        now: Timestamp,
        /// The response.
        response: http::Response<Vec<u8>>,
    },
    /// The request with this id could not be completed, after the driver's own retries.
    TransportFailed {
        /// The id from `Output::Transmit`.
        id: ExchangeId,
        /// The current time.
        now: Timestamp,
        /// What failed.
        failure: TransportFailure,
    },
    /// A request reached the loopback listener; `query` is its raw query string (no `?`).
    Redirect {
        /// The current time.
        now: Timestamp,
        /// The raw query string.
        query: String,
    },
    /// A `Wait { until }` deadline passed (or any spurious wake-up).
    Timeout {
        /// The current time (not the deadline).
        now: Timestamp,
    },
    /// The user gave up (Ctrl-C); the flow ends with `FlowError::Cancelled`.
    Cancel {
        /// The current time.
        now: Timestamp,
    },
}

/// What the driver must do next; see the contract on [`Flow`].
///
/// `Debug` shows a request's method and URI only: bodies carry client secrets and codes.
#[derive(Clone)]
#[non_exhaustive]
pub enum Output {
    /// Send this request and feed the response back with the same id.
    Transmit {
        /// Identifies the exchange.
        id: ExchangeId,
        /// Which operation this is (for logs and retry policy).
        operation: Operation,
        /// The request.
        request: http::Request<Vec<u8>>,
    },
    /// Tell the user something.
    Event(Event),
    /// Nothing to do until `until` passes (then feed `Input::Timeout`), or, with `None`, until
    /// the outstanding response or the redirect arrives.
    Wait {
        /// The deadline, if any.
        until: Option<Timestamp>,
    },
    /// The flow ended. Yielded exactly once.
    Done(Result<Tokens, FlowError>),
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Response { id, now, response } => f
                .debug_struct("Response")
                .field("id", id)
                .field("now", now)
                .field("status", &response.status().as_u16())
                .finish_non_exhaustive(),
            Self::TransportFailed { id, now, failure } => f
                .debug_struct("TransportFailed")
                .field("id", id)
                .field("now", now)
                .field("failure", failure)
                .finish(),
            Self::Redirect { now, .. } => f
                .debug_struct("Redirect")
                .field("now", now)
                .field("query", &"<redacted>")
                .finish(),
            Self::Timeout { now } => f.debug_struct("Timeout").field("now", now).finish(),
            Self::Cancel { now } => f.debug_struct("Cancel").field("now", now).finish(),
        }
    }
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transmit {
                id,
                operation,
                request,
            } => f
                .debug_struct("Transmit")
                .field("id", id)
                .field("operation", operation)
                .field("method", request.method())
                .field("uri", request.uri())
                .finish_non_exhaustive(),
            Self::Event(event) => f.debug_tuple("Event").field(event).finish(),
            Self::Wait { until } => f.debug_struct("Wait").field("until", until).finish(),
            Self::Done(result) => f.debug_tuple("Done").field(result).finish(),
        }
    }
}

/// Something the user or the driver's cache should know.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A new client was registered: cache it under the registration key.
    ClientRegistered(ClientRegistration),
    /// Device flow: show the code and where to enter it (RFC 8628 section 3.3).
    ShowUserCode {
        /// `userCode`.
        user_code: String,
        /// `verificationUri`.
        verification_uri: String,
        /// `verificationUriComplete`, if sent.
        verification_uri_complete: Option<String>,
        /// When the device code expires.
        expires_at: Timestamp,
    },
    /// Open this URL in a browser (and show it, in case the browser does not open).
    OpenBrowser {
        /// The URL, byte-exact.
        url: String,
    },
}

/// Which login a flow performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlowKind {
    /// RFC 8628 device authorization.
    DeviceCode,
    /// RFC 6749 authorization code with RFC 7636 PKCE over an RFC 8252 loopback redirect.
    AuthorizationCode,
    /// RFC 6749 section 6 refresh.
    Refresh,
}

/// A sans-IO login.
///
/// # Contract
///
/// Methods come in three kinds: constructors (`device_code`, `authorization_code`, `refresh`),
/// `handle_input` (feeds the machine) and `poll_output` (drains it); getters such as
/// [`Flow::kind`] may be called at any time.
///
/// 1. After constructing a flow and after **every** `handle_input`, call `poll_output` until it
///    returns `Wait` or `Done`. Outputs come in order: transmits, events and `Done` are each
///    returned once.
/// 2. `Transmit { id, .. }`: send the request; feed `Input::Response { id, .. }` (any status) or,
///    once the driver's own retry policy gives up, `Input::TransportFailed`. At most one request
///    is outstanding. A driver may re-send the same request instead of feeding a response when
///    [`crate::ResponseError::is_retryable`] says so (throttling, 5xx).
/// 3. `Event`: show the user code, open the browser, or cache a new client registration.
/// 4. `Wait { until: Some(t) }`: feed `Input::Timeout { now }` once `t` has passed.
///    `Wait { until: None }`: wait for the outstanding response or the redirect.
///    For the authorization-code flow, feed every request the loopback listener gets as
///    `Input::Redirect`. Only a redirect with this login's `state` ends the wait; any other
///    (a wrong, missing or empty `state`, also with `error=...`) is ignored, and
///    [`Flow::awaits_redirect`] stays `true` so the driver can answer it as such.
/// 5. `Done` ends the driver loop. Afterwards `handle_input` returns `MisuseError::AfterDone`
///    and `poll_output` returns `Wait { until: None }`.
///
/// Times passed in must not decrease; a smaller `now` is treated as the largest seen so far.
/// `handle_input` returns `Err` only for caller bugs; every protocol or server failure ends the
/// flow with `Done(Err(FlowError))`.
#[derive(Debug)]
pub struct Flow {
    kind: FlowKind,
    config: FlowConfig,
    state: State,
    outbox: VecDeque<Output>,
    next_id: u64,
    last_now: Timestamp,
}

/// The states of all three flows. Each variant holds a struct named for what it awaits; a
/// transition consumes the old state (rustls style).
///
/// ```text
///  device code (RFC 8628)                      authorization code + PKCE (RFC 7636, RFC 8252)
///
///   new ─┬─ cached client reusable ─┐           new ─┬─ cached client reusable ──────┐
///        │                          │                │                               │
///        ▼                          │                ▼                               │
///  ExpectRegistration ──────────────┤         ExpectRegistration                     │
///   (RegisterClient; Event::ClientRegistered)   (RegisterClient, grantTypes          │
///        │                          │            authorization_code+refresh_token)   │
///        ▼                          ▼                │ Event::ClientRegistered       │
///  ExpectDeviceAuthorization ◄──────┘                ▼                               ▼
///   (StartDeviceAuthorization, 8628 §3.1-3.2)  ExpectRedirect ◄── Event::OpenBrowser(authorize URL, 7636 §4.3)
///        │ InvalidClient for the cached client:     │
///        │   ExpectRegistration once more           │
///        │ immediate first CreateToken              │  state ≠ ours ──► ignored (stays) (6749 §10.12)
///        ▼                                          │  error=… ───────► Done(AuthorizationFailed)
///  ExpectToken ◄──────────────┐                     │  no code ───────► Done(MissingAuthorizationCode)
///   (CreateToken device_code, │                     │  600 s ─────────► Done(AuthorizationExpired)
///    8628 §3.4)               │                     ▼ code + state
///        │ authorization_pending (8628 §3.5):  ExpectCodeExchange
///        │   first time: Event::ShowUserCode    (CreateToken authorization_code
///        │   + Event::OpenBrowser; Wait interval  + codeVerifier, 7636 §4.5)
///        │ slow_down: interval += 5 s ─┘            │
///        │ expired_token / deadline ─► Done(AuthorizationExpired)
///        │ access_denied ─► Done(AccessDenied)      │
///        ▼ token                                    ▼ token
///   Done(Ok(Tokens))                           Done(Ok(Tokens))
///
///  refresh (RFC 6749 §6): new ─► ExpectRefresh (CreateToken refresh_token) ─► Done
///  (registration already expired at construction ─► Done(RegistrationExpired))
/// ```
///
/// Every state ends in `Finished` on any other error, a transport failure or `Cancel`.
#[derive(Debug)]
enum State {
    ExpectRegistration(ExpectRegistration),
    ExpectDeviceAuthorization(ExpectDeviceAuthorization),
    ExpectToken(ExpectToken),
    ExpectRedirect(ExpectRedirect),
    ExpectCodeExchange(ExpectCodeExchange),
    ExpectRefresh(ExpectRefresh),
    Finished,
}

/// Waiting for `RegisterClient`.
#[derive(Debug)]
struct ExpectRegistration {
    id: ExchangeId,
    /// The registration request's scopes and grant types, recorded in the registration.
    scopes: Vec<String>,
    grant_types: Vec<String>,
    pkce: Option<Pkce>,
}

/// The PKCE secrets and redirect of one authorization-code login.
#[derive(Debug)]
struct Pkce {
    verifier: CodeVerifier,
    state: String,
    redirect: RedirectUri,
}

/// Waiting for `StartDeviceAuthorization`.
#[derive(Debug)]
struct ExpectDeviceAuthorization {
    id: ExchangeId,
    client: ClientRegistration,
    registered: Registered,
}

/// Where a flow's client registration came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Registered {
    /// The cache ([`FlowConfig::registration`]): the service may have forgotten it.
    Cached,
    /// This flow's own `RegisterClient`.
    Now,
}

/// Polling `CreateToken` with the device code.
#[derive(Debug)]
struct ExpectToken {
    client: ClientRegistration,
    device_code: DeviceCode,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: Option<String>,
    interval: Duration,
    next_poll_at: Timestamp,
    expires_at: Timestamp,
    in_flight: Option<ExchangeId>,
    prompted: bool,
}

/// Waiting for the loopback redirect.
#[derive(Debug)]
struct ExpectRedirect {
    client: ClientRegistration,
    pkce: Pkce,
    deadline: Timestamp,
}

/// Waiting for the authorization-code `CreateToken`.
#[derive(Debug)]
struct ExpectCodeExchange {
    id: ExchangeId,
    client: ClientRegistration,
}

/// Waiting for the refresh-token `CreateToken`.
#[derive(Debug)]
struct ExpectRefresh {
    id: ExchangeId,
    client: ClientRegistration,
    refresh_token: RefreshToken,
}

impl Flow {
    /// Starts a device-code login (protocol.md section 2.5). Reuses `config.registration` when
    /// it is fresh and not an authorization-code registration; if `StartDeviceAuthorization`
    /// then answers `InvalidClientException` (the service no longer knows the client), it
    /// registers a new client once and goes on with it (`Event::ClientRegistered`), where the
    /// AWS CLI would fail every login until the cache file is deleted.
    #[must_use]
    pub fn device_code(config: FlowConfig, now: Timestamp) -> Self {
        let mut flow = Self::empty(FlowKind::DeviceCode, config, now);
        let cached = flow
            .config
            .registration
            .clone()
            .filter(|r| r.reusable_for_device_code(now));
        flow.state = match cached {
            Some(client) => flow.start_device_authorization(client, Registered::Cached),
            None => flow.register_for_device_code(now),
        };
        flow
    }

    /// Starts an authorization-code login with PKCE (protocol.md section 2.6). The driver has
    /// already bound the loopback listener whose port `redirect` names.
    #[must_use]
    pub fn authorization_code(
        config: FlowConfig,
        redirect: RedirectUri,
        entropy: &Entropy,
        now: Timestamp,
    ) -> Self {
        let mut flow = Self::empty(FlowKind::AuthorizationCode, config, now);
        let pkce = Pkce {
            verifier: entropy.code_verifier(),
            state: entropy.state(),
            redirect,
        };
        let cached = flow
            .config
            .registration
            .clone()
            .filter(|r| r.reusable_for_authorization_code(now));
        flow.state = match cached {
            Some(client) => flow.open_browser(client, pkce, now),
            None => {
                let scopes = if flow.config.scopes.is_empty() {
                    vec![DEFAULT_SCOPE.to_owned()]
                } else {
                    flow.config.scopes.clone()
                };
                let grant_types = vec![
                    AUTHORIZATION_CODE_GRANT.to_owned(),
                    REFRESH_TOKEN_GRANT.to_owned(),
                ];
                let input = oidc::RegisterClientInput {
                    client_name: flow.config.client_name(now),
                    scopes: Some(scopes.clone()),
                    grant_types: Some(grant_types.clone()),
                    redirect_uris: Some(vec![RedirectUri::REGISTERED.to_owned()]),
                    issuer_url: Some(flow.config.start_url.clone()),
                };
                let request = oidc::register_client(&flow.config.oidc_endpoint, &input);
                let id = flow.transmit(Operation::RegisterClient, request);
                State::ExpectRegistration(ExpectRegistration {
                    id,
                    scopes,
                    grant_types,
                    pkce: Some(pkce),
                })
            }
        };
        flow
    }

    /// Refreshes a token with the refresh-token grant (protocol.md sections 2.7 and 4.4).
    /// Ends at once with `FlowError::RegistrationExpired` if `client` has expired.
    #[must_use]
    pub fn refresh(
        config: FlowConfig,
        client: ClientRegistration,
        refresh_token: RefreshToken,
        now: Timestamp,
    ) -> Self {
        let mut flow = Self::empty(FlowKind::Refresh, config, now);
        flow.state = if client.expires_at <= now {
            flow.finish(Err(FlowError::RegistrationExpired))
        } else {
            let request = oidc::create_token(
                &flow.config.oidc_endpoint,
                &client.client_id,
                &client.client_secret,
                Grant::RefreshToken(&refresh_token),
            );
            let id = flow.transmit(Operation::CreateToken, request);
            State::ExpectRefresh(ExpectRefresh {
                id,
                client,
                refresh_token,
            })
        };
        flow
    }

    /// Which login this is.
    #[must_use]
    pub const fn kind(&self) -> FlowKind {
        self.kind
    }

    /// The configuration the flow was built with.
    #[must_use]
    pub const fn config(&self) -> &FlowConfig {
        &self.config
    }

    /// The current device-code polling interval, once known.
    #[must_use]
    pub fn poll_interval(&self) -> Option<Duration> {
        match &self.state {
            State::ExpectToken(s) => Some(s.interval),
            _ => None,
        }
    }

    /// Whether the flow waits for the loopback redirect: after an `Input::Redirect`, `true`
    /// means the redirect was ignored (its `state` is not this login's), so the driver answers
    /// that request as not ours and keeps listening.
    #[must_use]
    pub const fn awaits_redirect(&self) -> bool {
        matches!(self.state, State::ExpectRedirect(_))
    }

    /// Whether the flow has ended (its `Done` may still be waiting in `poll_output`).
    #[must_use]
    pub const fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    /// Feeds one input. Returns `Err` only for caller bugs (see [`MisuseError`]); the flow is
    /// then unchanged. Call [`Flow::poll_output`] until `Wait` or `Done` afterwards.
    pub fn handle_input(&mut self, input: Input) -> Result<(), MisuseError> {
        if matches!(self.state, State::Finished) {
            return Err(MisuseError::AfterDone);
        }
        match input {
            Input::Response { id, now, response } => {
                self.check_outstanding(id)?;
                let now = self.advance(now);
                let state = std::mem::replace(&mut self.state, State::Finished);
                self.state = self.on_response(state, now, &response);
            }
            Input::TransportFailed { id, now, failure } => {
                self.check_outstanding(id)?;
                self.advance(now);
                let operation = self.outstanding_operation();
                self.state = self.finish(Err(FlowError::Transport { operation, failure }));
            }
            Input::Redirect { now, query } => {
                let now = self.advance(now);
                let state = std::mem::replace(&mut self.state, State::Finished);
                self.state = match state {
                    State::ExpectRedirect(s) => self.on_redirect(s, now, &query),
                    other => other,
                };
            }
            Input::Timeout { now } => {
                let now = self.advance(now);
                let state = std::mem::replace(&mut self.state, State::Finished);
                self.state = self.on_timeout(state, now);
            }
            Input::Cancel { now } => {
                self.advance(now);
                self.state = self.finish(Err(FlowError::Cancelled));
            }
        }
        Ok(())
    }

    /// The next thing to do; see the contract on [`Flow`].
    #[must_use]
    pub fn poll_output(&mut self) -> Output {
        if let Some(output) = self.outbox.pop_front() {
            return output;
        }
        let until = match &self.state {
            State::ExpectToken(s) if s.in_flight.is_none() => {
                Some(s.next_poll_at.min(s.expires_at))
            }
            State::ExpectRedirect(s) => Some(s.deadline),
            _ => None,
        };
        Output::Wait { until }
    }

    fn empty(kind: FlowKind, config: FlowConfig, now: Timestamp) -> Self {
        Self {
            kind,
            config,
            state: State::Finished,
            outbox: VecDeque::new(),
            next_id: 0,
            last_now: now,
        }
    }

    fn advance(&mut self, now: Timestamp) -> Timestamp {
        self.last_now = self.last_now.max(now);
        self.last_now
    }

    fn transmit(&mut self, operation: Operation, request: http::Request<Vec<u8>>) -> ExchangeId {
        self.next_id += 1;
        let id = ExchangeId(self.next_id);
        self.outbox.push_back(Output::Transmit {
            id,
            operation,
            request,
        });
        id
    }

    fn finish(&mut self, result: Result<Tokens, FlowError>) -> State {
        self.outbox.push_back(Output::Done(result));
        State::Finished
    }

    fn outstanding(&self) -> Option<ExchangeId> {
        match &self.state {
            State::ExpectRegistration(s) => Some(s.id),
            State::ExpectDeviceAuthorization(s) => Some(s.id),
            State::ExpectToken(s) => s.in_flight,
            State::ExpectCodeExchange(s) => Some(s.id),
            State::ExpectRefresh(s) => Some(s.id),
            State::ExpectRedirect(_) | State::Finished => None,
        }
    }

    fn outstanding_operation(&self) -> Operation {
        match &self.state {
            State::ExpectRegistration(_) => Operation::RegisterClient,
            State::ExpectDeviceAuthorization(_) => Operation::StartDeviceAuthorization,
            _ => Operation::CreateToken,
        }
    }

    fn check_outstanding(&self, id: ExchangeId) -> Result<(), MisuseError> {
        if self.outstanding() == Some(id) {
            Ok(())
        } else {
            Err(MisuseError::UnknownExchange(id))
        }
    }

    /// `RegisterClient` for the device flow (no grant types, as the AWS CLI sends it).
    fn register_for_device_code(&mut self, now: Timestamp) -> State {
        let scopes = self.config.scopes.clone();
        let input = oidc::RegisterClientInput {
            client_name: self.config.client_name(now),
            scopes: (!scopes.is_empty()).then(|| scopes.clone()),
            ..oidc::RegisterClientInput::default()
        };
        let request = oidc::register_client(&self.config.oidc_endpoint, &input);
        let id = self.transmit(Operation::RegisterClient, request);
        State::ExpectRegistration(ExpectRegistration {
            id,
            scopes,
            grant_types: Vec::new(),
            pkce: None,
        })
    }

    fn start_device_authorization(
        &mut self,
        client: ClientRegistration,
        registered: Registered,
    ) -> State {
        let request = oidc::start_device_authorization(
            &self.config.oidc_endpoint,
            &client.client_id,
            &client.client_secret,
            &self.config.start_url,
        );
        let id = self.transmit(Operation::StartDeviceAuthorization, request);
        State::ExpectDeviceAuthorization(ExpectDeviceAuthorization {
            id,
            client,
            registered,
        })
    }

    fn open_browser(&mut self, client: ClientRegistration, pkce: Pkce, now: Timestamp) -> State {
        let url = pkce::authorize_url(
            &self.config.oidc_endpoint,
            &client.client_id,
            &pkce.redirect.to_uri_string(),
            &pkce.state,
            &client_scopes_or_config(&client, &self.config),
            &pkce::code_challenge(&pkce.verifier),
        );
        self.outbox
            .push_back(Output::Event(Event::OpenBrowser { url }));
        State::ExpectRedirect(ExpectRedirect {
            client,
            pkce,
            deadline: now.saturating_add(REDIRECT_TIMEOUT),
        })
    }

    fn poll_token(&mut self, mut s: ExpectToken) -> State {
        let request = oidc::create_token(
            &self.config.oidc_endpoint,
            &s.client.client_id,
            &s.client.client_secret,
            Grant::DeviceCode(&s.device_code),
        );
        s.in_flight = Some(self.transmit(Operation::CreateToken, request));
        State::ExpectToken(s)
    }

    fn on_response(
        &mut self,
        state: State,
        now: Timestamp,
        response: &http::Response<Vec<u8>>,
    ) -> State {
        match state {
            State::ExpectRegistration(s) => match oidc::parse_register_client(response) {
                Ok(out) => {
                    // An absurd `clientSecretExpiresAt` is shortened like any server lifetime.
                    let latest = now.saturating_add(MAX_REGISTRATION_LIFETIME);
                    let client = ClientRegistration {
                        client_id: out.client_id,
                        client_secret: out.client_secret,
                        expires_at: out.client_secret_expires_at.min(latest),
                        issued_at: out.client_id_issued_at,
                        scopes: s.scopes,
                        grant_types: s.grant_types,
                    };
                    self.outbox
                        .push_back(Output::Event(Event::ClientRegistered(client.clone())));
                    match s.pkce {
                        Some(pkce) => self.open_browser(client, pkce, now),
                        None => self.start_device_authorization(client, Registered::Now),
                    }
                }
                Err(e) => self.finish(Err(e.into())),
            },
            State::ExpectDeviceAuthorization(s) => {
                match oidc::parse_start_device_authorization(response) {
                    Ok(auth) => {
                        let interval = auth.interval.unwrap_or(DEFAULT_POLL_INTERVAL);
                        // RFC 8628 section 3.2 `expires_in`; the CLI has no client-side deadline,
                        // we stop polling at it (section 3.5 `expired_token` would follow anyway).
                        let expires_at = now.saturating_add(auth.expires_in);
                        self.poll_token(ExpectToken {
                            client: s.client,
                            device_code: auth.device_code,
                            user_code: auth.user_code,
                            verification_uri: auth.verification_uri,
                            verification_uri_complete: auth.verification_uri_complete,
                            interval,
                            next_poll_at: now,
                            expires_at,
                            in_flight: None,
                            prompted: false,
                        })
                    }
                    // A cached client the service no longer knows (deleted, or the
                    // instance replaced) would fail every later login the same way: register
                    // a new one, once, and report it so that it replaces the cached one.
                    Err(e)
                        if s.registered == Registered::Cached
                            && e.service_error().map(|e| &e.code)
                                == Some(&ErrorCode::InvalidClient) =>
                    {
                        self.register_for_device_code(now)
                    }
                    Err(e) => self.finish(Err(e.into())),
                }
            }
            State::ExpectToken(s) => self.on_device_token(s, now, response),
            State::ExpectCodeExchange(s) => match oidc::parse_create_token(response) {
                Ok(token) => self.finish(Ok(tokens(token, now, s.client, None))),
                Err(e) => {
                    let error = grant_error(e);
                    self.finish(Err(error))
                }
            },
            State::ExpectRefresh(s) => match oidc::parse_create_token(response) {
                Ok(token) => self.finish(Ok(tokens(token, now, s.client, Some(s.refresh_token)))),
                Err(e) => self.finish(Err(e.into())),
            },
            other @ (State::ExpectRedirect(_) | State::Finished) => other,
        }
    }

    fn on_device_token(
        &mut self,
        mut s: ExpectToken,
        now: Timestamp,
        response: &http::Response<Vec<u8>>,
    ) -> State {
        s.in_flight = None;
        let error = match oidc::parse_create_token(response) {
            Ok(token) => return self.finish(Ok(tokens(token, now, s.client, None))),
            Err(error) => error,
        };
        let code = error.service_error().map(|e| e.code.clone());
        match code {
            // RFC 8628 section 3.5: pending keeps the interval, slow_down adds 5 s for good.
            Some(ErrorCode::AuthorizationPending) => {}
            Some(ErrorCode::SlowDown) => {
                s.interval = s.interval.saturating_add(SLOW_DOWN_INCREMENT)
            }
            _ => return self.finish(Err(grant_error(error))),
        }
        if !s.prompted {
            s.prompted = true;
            self.outbox.push_back(Output::Event(Event::ShowUserCode {
                user_code: s.user_code.clone(),
                verification_uri: s.verification_uri.clone(),
                verification_uri_complete: s.verification_uri_complete.clone(),
                expires_at: s.expires_at,
            }));
            let url = s
                .verification_uri_complete
                .clone()
                .unwrap_or_else(|| s.verification_uri.clone());
            self.outbox
                .push_back(Output::Event(Event::OpenBrowser { url }));
        }
        s.next_poll_at = now.saturating_add(s.interval);
        if now >= s.expires_at {
            return self.finish(Err(FlowError::AuthorizationExpired));
        }
        State::ExpectToken(s)
    }

    fn on_timeout(&mut self, state: State, now: Timestamp) -> State {
        match state {
            State::ExpectToken(s) if s.in_flight.is_none() => {
                if now >= s.expires_at {
                    self.finish(Err(FlowError::AuthorizationExpired))
                } else if now >= s.next_poll_at {
                    self.poll_token(s)
                } else {
                    State::ExpectToken(s)
                }
            }
            State::ExpectRedirect(s) if now >= s.deadline => {
                self.finish(Err(FlowError::AuthorizationExpired))
            }
            other => other,
        }
    }

    fn on_redirect(&mut self, s: ExpectRedirect, _now: Timestamp, query: &str) -> State {
        let mut code = None;
        let mut state = None;
        let mut error = None;
        let mut description = None;
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "code" => code = Some(value.into_owned()),
                "state" => state = Some(value.into_owned()),
                "error" => error = Some(value.into_owned()),
                "error_description" => description = Some(value.into_owned()),
                _ => {}
            }
        }
        // Only a redirect with our `state` is this login's (RFC 6749 section 10.12): anything
        // else (a wrong, missing or empty `state`, with or without `error`) may come from any
        // local process or web page and must not end the login. The CLI ends it; we ignore it.
        let ours = state.is_some_and(|state| -> bool {
            state.as_bytes().ct_eq(s.pkce.state.as_bytes()).into()
        });
        if !ours {
            return State::ExpectRedirect(s);
        }
        if let Some(error) = error {
            // RFC 6749 section 4.1.2.1; the CLI fails the login on any `error`.
            return self.finish(Err(FlowError::AuthorizationFailed { error, description }));
        }
        let Some(code) = code else {
            return self.finish(Err(FlowError::MissingAuthorizationCode));
        };
        let code = AuthorizationCode::new(code);
        let redirect_uri = s.pkce.redirect.to_uri_string();
        let request = oidc::create_token(
            &self.config.oidc_endpoint,
            &s.client.client_id,
            &s.client.client_secret,
            Grant::AuthorizationCode {
                code: &code,
                redirect_uri: &redirect_uri,
                code_verifier: &s.pkce.verifier,
            },
        );
        let id = self.transmit(Operation::CreateToken, request);
        State::ExpectCodeExchange(ExpectCodeExchange {
            id,
            client: s.client,
        })
    }
}

/// The authorize URL's scopes: those registered, else those configured (else the default).
fn client_scopes_or_config(client: &ClientRegistration, config: &FlowConfig) -> Vec<String> {
    if client.scopes.is_empty() {
        config.scopes.clone()
    } else {
        client.scopes.clone()
    }
}

/// Maps a `CreateToken` failure of a user-authorized grant to the flow's error.
fn grant_error(error: ResponseError) -> FlowError {
    match error
        .service_error()
        .map(|e| (&e.code, e.error_description.clone()))
    {
        Some((ErrorCode::ExpiredToken, _)) => FlowError::AuthorizationExpired,
        Some((ErrorCode::AccessDenied, description)) => FlowError::AccessDenied { description },
        _ => FlowError::Response(error),
    }
}

/// Builds `Tokens`; `previous_refresh` is kept when the response carries no refresh token.
fn tokens(
    token: TokenResponse,
    now: Timestamp,
    registration: ClientRegistration,
    previous_refresh: Option<RefreshToken>,
) -> Tokens {
    Tokens {
        access_token: token.access_token,
        token_type: token.token_type,
        expires_at: now.saturating_add(token.expires_in),
        refresh_token: token.refresh_token.or(previous_refresh),
        id_token: token.id_token,
        registration,
    }
}
