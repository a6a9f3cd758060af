//! The SSO portal over a [`Transport`]: listing accounts and roles, and fetching role
//! credentials.
//!
//! [`list_accounts`] and [`list_roles`] follow `nextToken` to the end with the pagers of
//! `sso_oidc::portal`, one request at a time, [`MAX_PAGE_SIZE`] items per page, through
//! [`Transport::send`] (so `HttpClient`'s own bounded retries apply). [`get_role_credentials`]
//! is one call, converted into the cache's [`sso_cache::RoleCredentials`].
//!
//! [`list_all_roles`] lists the roles of many accounts concurrently: a bounded pool of tokio
//! tasks (a [`JoinSet`]) behind one shared AIMD limiter, so `sso list roles` over hundreds of
//! accounts is fast without tripping the portal's throttling for long:
//!
//! - **Concurrency is adaptive.** It starts at [`PoolConfig::initial_concurrency`] requests in
//!   flight and grows by one per success ("slow start", doubling every round trip) up to
//!   [`PoolConfig::max_concurrency`] or, after real congestion, up to the threshold that
//!   congestion left; above that threshold it grows by one per window of `limit` successes
//!   (additive increase). There is no fixed request rate.
//! - **A lone throttle is not congestion.** A throttled answer that follows a success trims the
//!   limit gently (×¾, at most once per "generation" of requests, as TCP decreases once per
//!   round trip, and never below half the initial concurrency) and leaves the threshold alone,
//!   so the pool regains the slot within a round trip: a portal that throttles a fixed share
//!   of calls whatever the rate gains nothing from a slower client. The throttled request
//!   itself waits a short jittered delay of its own (`base/4·2ⁿ`) before it is retried; the
//!   other tasks go on.
//! - **Throttles in a row are congestion.** Two or more throttled answers with no success in
//!   between (what a rate-based limit such as a token bucket sends once it is exceeded) halve
//!   the limit with no floor, lower the slow-start threshold to it, and pause the whole pool
//!   for an exponentially growing, jittered delay (`base·2ⁿ`, half fixed and half random,
//!   capped), reset by the next success: the other tasks would only collect more 429s
//!   meanwhile.
//! - **Retries are per request.** A throttled page is retried up to
//!   [`PoolConfig::max_throttle_retries`] times; server errors (5xx) and transport failures up
//!   to [`PoolConfig::max_attempts`] attempts with their own jittered backoff. An account whose
//!   retries run out fails alone: the result is one `Result` per account, in input order, and
//!   the other accounts go on. The exception is `UnauthorizedException`: the token is shared,
//!   so once one account sees it the accounts not yet sent fail at once with the same error
//!   instead of sending hundreds of doomed requests.
//!
//! The pool sends with [`Transport::send_once`], not `send`: `HttpClient::send` retries 429s
//! by itself with a private backoff, so each task in flight would keep hammering the portal on
//! its own schedule and the limiter would only see the throttling that survived three
//! attempts. Sending once lets the one limiter see every 429 and react for the whole pool,
//! and makes [`PoolStats`] exact.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use sso_oidc::pacing::{self, Aimd};
use sso_oidc::portal::{AccountPager, PagerError, RolePager};
use sso_oidc::retry::RetryKind;
use sso_oidc::{AccessToken, Endpoint, ErrorCode, Operation, ResponseError, ServiceError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::http::TransportError;
use crate::transport::Transport;

/// An AWS account the user may sign in to, as `ListAccounts` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Account {
    /// `accountId`.
    pub account_id: String,
    /// `accountName`, which the API may omit.
    pub account_name: Option<String>,
    /// `emailAddress`, which the API may omit.
    pub email_address: Option<String>,
}

/// A role (permission set) of an account, as `ListAccountRoles` returns it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub struct Role {
    /// The account (from the answer, or the account asked about when the answer omits it).
    pub account_id: String,
    /// `roleName`.
    pub role_name: String,
}

/// Why a portal call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PortalError {
    /// No complete HTTP response arrived (after the retries).
    #[error("{operation}: {source}")]
    Transport {
        /// The operation.
        operation: Operation,
        /// The transport failure (its message names the redacted URL); boxed to keep results
        /// small.
        #[source]
        source: Box<TransportError>,
    },
    /// The portal refused the call or sent an unusable answer. `UnauthorizedException` means
    /// the access token is invalid or expired: sign in again.
    #[error(transparent)]
    Response(ResponseError),
    /// The portal sent a `nextToken` it had sent before; the listing stopped to avoid a loop.
    #[error(
        "{operation} returned the same nextToken twice; the listing was stopped to avoid a loop"
    )]
    RepeatedToken {
        /// The listing operation.
        operation: Operation,
    },
    /// The task listing this account stopped without a result (a bug).
    #[error("the listing of this account stopped unexpectedly: {detail}")]
    TaskFailed {
        /// What the runtime reported.
        detail: String,
    },
}

impl PortalError {
    /// The service's error, if the portal sent one.
    #[must_use]
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Self::Response(error) => error.service_error(),
            _ => None,
        }
    }

    /// Whether the portal said the access token is invalid or expired (HTTP 401).
    #[must_use]
    pub fn is_unauthorized(&self) -> bool {
        self.service_error().is_some_and(is_unauthorized)
    }

    /// Whether the portal answered with throttling (after the retries).
    #[must_use]
    pub fn is_throttled(&self) -> bool {
        self.service_error().is_some_and(is_throttling)
    }

    fn from_pager(error: PagerError) -> Self {
        match error {
            PagerError::RepeatedToken { operation } => Self::RepeatedToken { operation },
            PagerError::Response(error) => Self::Response(error),
            // `PagerError` is non-exhaustive; a new variant is reported as it reads.
            other => Self::TaskFailed {
                detail: other.to_string(),
            },
        }
    }
}

fn is_unauthorized(error: &ServiceError) -> bool {
    error.status == 401 || error.code == ErrorCode::Unauthorized
}

/// Throttling as `sso_oidc::retry` classifies it (HTTP 429 or a throttling error code): the
/// one answer the pool's limiter reacts to. Other retryable answers use up attempts.
fn is_throttling(error: &ServiceError) -> bool {
    error.retry_kind() == Some(RetryKind::Throttling)
}

/// `max_result` of every listing page: the most the API allows (its model says 1..=100; the
/// portal's default is smaller), so that hundreds of accounts take a few round trips.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Lists every account the token can see, following `nextToken` to the end, [`MAX_PAGE_SIZE`]
/// accounts per page.
///
/// # Errors
///
/// [`PortalError`] for a transport failure, a refusal (401: sign in again) or a repeated
/// `nextToken`.
pub(crate) async fn list_accounts<T: Transport>(
    transport: &T,
    endpoint: &Endpoint,
    access_token: &AccessToken,
) -> Result<Vec<Account>, PortalError> {
    let mut pager = AccountPager::new(endpoint, access_token, Some(MAX_PAGE_SIZE));
    let mut accounts = Vec::new();
    while let Some(request) = pager.next_request() {
        let response = transport
            .send(request)
            .await
            .map_err(|source| PortalError::Transport {
                operation: Operation::ListAccounts,
                source: Box::new(source),
            })?;
        let page = pager
            .handle_response(&response)
            .map_err(PortalError::from_pager)?;
        accounts.extend(page.into_iter().map(|a| Account {
            account_id: a.account_id,
            account_name: a.account_name,
            email_address: a.email_address,
        }));
    }
    Ok(accounts)
}

/// Lists the roles of one account, following `nextToken` to the end, [`MAX_PAGE_SIZE`] roles per
/// page.
///
/// # Errors
///
/// As [`list_accounts`].
pub(crate) async fn list_roles<T: Transport>(
    transport: &T,
    endpoint: &Endpoint,
    access_token: &AccessToken,
    account_id: &str,
) -> Result<Vec<Role>, PortalError> {
    let mut pager = RolePager::new(endpoint, access_token, account_id, Some(MAX_PAGE_SIZE));
    let mut roles = Vec::new();
    while let Some(request) = pager.next_request() {
        let response = transport
            .send(request)
            .await
            .map_err(|source| PortalError::Transport {
                operation: Operation::ListAccountRoles,
                source: Box::new(source),
            })?;
        let page = pager
            .handle_response(&response)
            .map_err(PortalError::from_pager)?;
        roles.extend(page.into_iter().map(|r| to_role(r, account_id)));
    }
    Ok(roles)
}

/// What the portal says of an access token (`sso status --check`).
#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum TokenCheck {
    /// The portal accepted it.
    Valid,
    /// The portal answered 401 (`UnauthorizedException`): the token was revoked or expired on
    /// the server, whatever its file says. Sign in again.
    Rejected,
    /// No verdict: the call failed otherwise (network, throttling, a server error).
    Unknown(PortalError),
}

/// Asks the portal whether it still accepts `access_token`, with the cheapest call there is:
/// one `ListAccounts` page of one account (sent once, no retries: a check must be quick).
pub(crate) async fn check_token<T: Transport>(
    transport: &T,
    endpoint: &Endpoint,
    access_token: &AccessToken,
) -> TokenCheck {
    let pager = AccountPager::new(endpoint, access_token, Some(1));
    let Some(request) = pager.next_request() else {
        return TokenCheck::Valid;
    };
    let response = match transport.send_once(request).await {
        Ok(response) => response,
        Err(source) => {
            return TokenCheck::Unknown(PortalError::Transport {
                operation: Operation::ListAccounts,
                source: Box::new(source),
            });
        }
    };
    let mut pager = pager;
    match pager.handle_response(&response) {
        Ok(_) => TokenCheck::Valid,
        Err(error) => {
            let error = PortalError::from_pager(error);
            if error.is_unauthorized() {
                TokenCheck::Rejected
            } else {
                TokenCheck::Unknown(error)
            }
        }
    }
}

/// [`check_token`] for each `(portal endpoint, token)`, all at once (one task each); the
/// verdicts come back in input order.
pub(crate) async fn check_tokens<T>(
    transport: &T,
    tokens: Vec<(Endpoint, AccessToken)>,
) -> Vec<TokenCheck>
where
    T: Transport + Clone + 'static,
{
    let total = tokens.len();
    let mut tasks = JoinSet::new();
    for (index, (endpoint, token)) in tokens.into_iter().enumerate() {
        let transport = transport.clone();
        tasks.spawn(async move { (index, check_token(&transport, &endpoint, &token).await) });
    }
    let mut verdicts: Vec<Option<TokenCheck>> = (0..total).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, verdict)) => {
                if let Some(slot) = verdicts.get_mut(index) {
                    *slot = Some(verdict);
                }
            }
            Err(error) => tracing::debug!(%error, "a token check stopped without a verdict"),
        }
    }
    verdicts
        .into_iter()
        .map(|verdict| {
            verdict.unwrap_or_else(|| {
                TokenCheck::Unknown(PortalError::TaskFailed {
                    detail: "the check stopped unexpectedly".to_owned(),
                })
            })
        })
        .collect()
}

fn to_role(role: sso_oidc::portal::RoleInfo, account_id: &str) -> Role {
    Role {
        account_id: role.account_id.unwrap_or_else(|| account_id.to_owned()),
        role_name: role.role_name,
    }
}

/// Calls `GetRoleCredentials` and returns the credentials as the role-credential cache stores
/// them (`AccountId` filled in, as the AWS CLI writes it).
///
/// # Errors
///
/// As [`list_accounts`]; a 401 means the token is no longer valid, a 403 that the user may
/// not use this role. An `expiration` at the epoch is refused and one further away
/// than [`sso_oidc::MAX_ROLE_CREDENTIALS_LIFETIME`] is shortened to it
/// ([`sso_oidc::portal::RoleCredentials::bounded`]).
pub(crate) async fn get_role_credentials<T: Transport>(
    transport: &T,
    endpoint: &Endpoint,
    access_token: &AccessToken,
    account_id: &str,
    role_name: &str,
    now: sso_oidc::Timestamp,
) -> Result<sso_cache::RoleCredentials, PortalError> {
    let request =
        sso_oidc::portal::get_role_credentials(endpoint, access_token, account_id, role_name);
    let response = transport
        .send(request)
        .await
        .map_err(|source| PortalError::Transport {
            operation: Operation::GetRoleCredentials,
            source: Box::new(source),
        })?;
    let credentials = sso_oidc::portal::parse_get_role_credentials(&response)
        .and_then(|credentials| credentials.bounded(now))
        .map_err(PortalError::Response)?;
    Ok(sso_cache::RoleCredentials {
        access_key_id: credentials.access_key_id,
        secret_access_key: credentials.secret_access_key,
        session_token: credentials.session_token,
        expiration: credentials.expiration,
        account_id: Some(account_id.to_owned()),
        unknown: sso_cache::UnknownFields::new(),
    })
}

/// Settings of the [`list_all_roles`] pool; start from [`PoolConfig::default`].
#[derive(Debug, Clone)]
pub(crate) struct PoolConfig {
    initial_concurrency: usize,
    max_concurrency: usize,
    max_throttle_retries: u32,
    max_attempts: u32,
    backoff_base: Duration,
    backoff_cap: Duration,
    page_size: Option<u32>,
}

impl Default for PoolConfig {
    /// 8 requests in flight at first, at most 32; 10 retries of a throttled page, 3 attempts
    /// for server and transport errors; backoff from 100 ms up to 5 s; pages of
    /// [`MAX_PAGE_SIZE`] roles.
    fn default() -> Self {
        Self {
            initial_concurrency: 8,
            max_concurrency: 32,
            max_throttle_retries: 10,
            max_attempts: 3,
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(5),
            page_size: Some(MAX_PAGE_SIZE),
        }
    }
}

impl PoolConfig {
    /// Requests in flight at the start (at least 1; at most the maximum).
    #[cfg(test)]
    #[must_use]
    pub(crate) fn initial_concurrency(mut self, n: usize) -> Self {
        self.initial_concurrency = n.max(1);
        self
    }

    /// The most requests the pool ever has in flight (at least 1).
    #[cfg(test)]
    #[must_use]
    pub(crate) fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.max(1);
        self
    }

    /// The base and cap of the jittered exponential backoff.
    #[cfg(test)]
    #[must_use]
    pub(crate) fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_cap = cap.max(base);
        self
    }
}

/// Counters of one concurrent listing ([`crate::Sso::all_roles`]), for progress output and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// HTTP requests sent (first tries and retries).
    pub calls: u64,
    /// Requests that were retries.
    pub retries: u64,
    /// Throttled answers received.
    pub throttled: u64,
    /// Accounts whose listing failed.
    pub failed_accounts: usize,
    /// The lowest concurrency limit the AIMD controller reached.
    pub min_concurrency: usize,
    /// The concurrency limit at the end.
    pub final_concurrency: usize,
}

/// The outcome of [`crate::Sso::all_roles`]: one result per account, in input order, and counters.
#[derive(Debug)]
#[non_exhaustive]
pub struct RoleListing {
    /// `(account id, its roles or why they could not be listed)`, in the order given.
    pub results: Vec<(String, Result<Vec<Role>, PortalError>)>,
    /// What the pool did.
    pub stats: PoolStats,
}

impl RoleListing {
    /// Every role listed, in account order.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.results
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .flatten()
    }

    /// The accounts that failed, with their errors.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &PortalError)> {
        self.results
            .iter()
            .filter_map(|(id, r)| r.as_ref().err().map(|e| (id.as_str(), e)))
    }
}

/// Lists the roles of every account in `account_ids` concurrently, with the adaptive pool
/// described in the [module documentation](self).
///
/// `progress(done, total)` is called on the calling task after each account finishes (and
/// once with `done == 0` before the first), so the CLI can draw a progress bar. One account's
/// failure never stops the others; see [`RoleListing::failures`].
///
/// The transport is cloned into each task, hence `Clone + 'static`; `HttpClient` clones share
/// their connection pool, and any transport can be wrapped in an `Arc`.
pub(crate) async fn list_all_roles<T>(
    transport: &T,
    endpoint: &Endpoint,
    access_token: &AccessToken,
    account_ids: &[String],
    config: &PoolConfig,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> RoleListing
where
    T: Transport + Clone + 'static,
{
    let total = account_ids.len();
    progress(0, total);
    let limiter = Arc::new(Limiter::new(config));
    let shared = Arc::new(Shared::default());
    let mut tasks = JoinSet::new();
    for (index, account_id) in account_ids.iter().enumerate() {
        let job = AccountJob {
            transport: transport.clone(),
            endpoint: endpoint.clone(),
            access_token: access_token.clone(),
            account_id: account_id.clone(),
            config: config.clone(),
            limiter: Arc::clone(&limiter),
            shared: Arc::clone(&shared),
        };
        tasks.spawn(async move { (index, job.run().await) });
    }
    let mut slots: Vec<Option<Result<Vec<Role>, PortalError>>> =
        std::iter::repeat_with(|| None).take(total).collect();
    let mut done = 0;
    while let Some(joined) = tasks.join_next().await {
        done += 1;
        match joined {
            Ok((index, result)) => {
                if let Some(slot) = slots.get_mut(index) {
                    *slot = Some(result);
                }
            }
            Err(error) => tracing::warn!(%error, "a role-listing task stopped"),
        }
        progress(done, total);
    }
    let results: Vec<(String, Result<Vec<Role>, PortalError>)> = account_ids
        .iter()
        .cloned()
        .zip(slots)
        .map(|(id, slot)| {
            let result = slot.unwrap_or_else(|| {
                Err(PortalError::TaskFailed {
                    detail: "the task panicked or was cancelled".to_owned(),
                })
            });
            (id, result)
        })
        .collect();
    let limits = limiter.limits();
    let stats = PoolStats {
        calls: shared.calls.load(Ordering::Relaxed),
        retries: shared.retries.load(Ordering::Relaxed),
        throttled: shared.throttled.load(Ordering::Relaxed),
        failed_accounts: results.iter().filter(|(_, r)| r.is_err()).count(),
        min_concurrency: limits.0,
        final_concurrency: limits.1,
    };
    tracing::debug!(?stats, "listed roles");
    RoleListing { results, stats }
}

/// State shared by the tasks of one run.
#[derive(Default)]
struct Shared {
    calls: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    /// The first `UnauthorizedException`: the token is shared, so every later account fails
    /// the same way without a request.
    unauthorized: OnceLock<ResponseError>,
}

/// One account's listing, run on its own task.
struct AccountJob<T> {
    transport: T,
    endpoint: Endpoint,
    access_token: AccessToken,
    account_id: String,
    config: PoolConfig,
    limiter: Arc<Limiter>,
    shared: Arc<Shared>,
}

impl<T: Transport> AccountJob<T> {
    async fn run(self) -> Result<Vec<Role>, PortalError> {
        let mut pager = RolePager::new(
            &self.endpoint,
            &self.access_token,
            &self.account_id,
            self.config.page_size,
        );
        let mut roles = Vec::new();
        while pager.next_request().is_some() {
            let page = self.fetch_page(&mut pager).await?;
            roles.extend(page.into_iter().map(|r| to_role(r, &self.account_id)));
        }
        Ok(roles)
    }

    /// Fetches the pager's current page, retrying under the pool's policy.
    async fn fetch_page(
        &self,
        pager: &mut RolePager,
    ) -> Result<Vec<sso_oidc::portal::RoleInfo>, PortalError> {
        let mut throttles = 0u32;
        let mut attempts = 0u32;
        loop {
            if let Some(error) = self.shared.unauthorized.get() {
                return Err(PortalError::Response(error.clone()));
            }
            let Some(request) = pager.next_request() else {
                return Ok(Vec::new());
            };
            let (permit, generation) = self.limiter.acquire().await;
            // Checked again: another task may have met the 401 while this one waited.
            if let Some(error) = self.shared.unauthorized.get() {
                self.limiter.release(permit);
                return Err(PortalError::Response(error.clone()));
            }
            if throttles + attempts > 0 {
                self.shared.retries.fetch_add(1, Ordering::Relaxed);
            }
            self.shared.calls.fetch_add(1, Ordering::Relaxed);
            let sent = self.transport.send_once(request).await;
            attempts += 1;
            let response = match sent {
                Ok(response) => response,
                Err(source) => {
                    self.limiter.release(permit);
                    if source.kind().is_retryable() && attempts < self.config.max_attempts {
                        tokio::time::sleep(self.limiter.backoff(attempts)).await;
                        continue;
                    }
                    return Err(PortalError::Transport {
                        operation: Operation::ListAccountRoles,
                        source: Box::new(source),
                    });
                }
            };
            match pager.handle_response(&response) {
                Ok(items) => {
                    self.limiter.on_success();
                    self.limiter.release(permit);
                    return Ok(items);
                }
                Err(PagerError::Response(error)) => {
                    let service = error.service_error();
                    if service.is_some_and(is_throttling) {
                        self.shared.throttled.fetch_add(1, Ordering::Relaxed);
                        self.limiter.on_throttle(generation);
                        self.limiter.release(permit);
                        if throttles < self.config.max_throttle_retries {
                            throttles += 1;
                            // Throttling is not the account's fault: it does not use up the
                            // attempts for server errors.
                            attempts -= 1;
                            // This request's own short delay, outside the pool: its slot goes to
                            // another account meanwhile. (Throttles in a row also pause the
                            // pool, which `acquire` waits for.)
                            tokio::time::sleep(self.limiter.throttle_delay(throttles)).await;
                            continue;
                        }
                        return Err(PortalError::Response(error));
                    }
                    self.limiter.release(permit);
                    if service.is_some_and(is_unauthorized) {
                        let _ = self.shared.unauthorized.set(error.clone());
                        return Err(PortalError::Response(error));
                    }
                    if error.is_retryable() && attempts < self.config.max_attempts {
                        tokio::time::sleep(self.limiter.backoff(attempts)).await;
                        continue;
                    }
                    return Err(PortalError::Response(error));
                }
                Err(other) => {
                    self.limiter.release(permit);
                    return Err(PortalError::from_pager(other));
                }
            }
        }
    }
}

/// The adaptive concurrency limiter with a shared pause (see the [module documentation](self)):
/// the policy is [`Aimd`], this applies it to the semaphore and the clock.
///
/// The semaphore holds `limit` permits. Shrinking forgets the free permits at once and owes
/// the rest (`debt`): permits released while a debt is owed are forgotten instead of returned.
struct Limiter {
    semaphore: Arc<Semaphore>,
    state: Mutex<LimiterState>,
    backoff_base: Duration,
    backoff_cap: Duration,
}

/// The pure limit ([`Aimd`]) and what applying it to the semaphore leaves over.
struct LimiterState {
    aimd: Aimd,
    /// Slots taken away that were in use: forgotten as they come back.
    debt: usize,
    pause_until: Option<Instant>,
}

impl Limiter {
    fn new(config: &PoolConfig) -> Self {
        let aimd = Aimd::new(config.initial_concurrency, config.max_concurrency);
        Self {
            semaphore: Arc::new(Semaphore::new(aimd.limit())),
            state: Mutex::new(LimiterState {
                aimd,
                debt: 0,
                pause_until: None,
            }),
            backoff_base: config.backoff_base,
            backoff_cap: config.backoff_cap,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LimiterState> {
        // The state stays consistent even if a holder panicked: every update is one step.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits for a slot and for the shared pause to end; returns the permit and the
    /// generation the request starts in.
    async fn acquire(&self) -> (Option<OwnedSemaphorePermit>, u64) {
        // The semaphore is never closed; if it were, running unlimited is the safe fallback.
        let permit = Arc::clone(&self.semaphore).acquire_owned().await.ok();
        loop {
            let pause = self.lock().pause_until;
            match pause {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => break,
            }
        }
        let generation = self.lock().aimd.generation();
        (permit, generation)
    }

    fn release(&self, permit: Option<OwnedSemaphorePermit>) {
        let Some(permit) = permit else { return };
        let mut state = self.lock();
        if state.debt > 0 {
            state.debt -= 1;
            permit.forget();
        } else {
            drop(permit);
        }
    }

    /// A success: a slot more when [`Aimd::on_success`] says so.
    fn on_success(&self) {
        let mut state = self.lock();
        if state.aimd.on_success() {
            if state.debt > 0 {
                state.debt -= 1;
            } else {
                self.semaphore.add_permits(1);
            }
        }
    }

    /// A throttled answer: the slots [`Aimd::on_throttle`] takes away (those in use become a
    /// debt), and the pool's pause when it asks to back off.
    fn on_throttle(&self, generation: u64) {
        let mut state = self.lock();
        let throttled = state.aimd.on_throttle(generation);
        if throttled.shrink > 0 || throttled.back_off.is_some() {
            let forgotten = self.semaphore.forget_permits(throttled.shrink);
            state.debt += throttled.shrink - forgotten;
            tracing::debug!(
                in_a_row = throttled.back_off.is_some(),
                limit = state.aimd.limit(),
                threshold = state.aimd.threshold(),
                "throttled: concurrency limit lowered"
            );
        }
        if let Some(round) = throttled.back_off {
            let until = Instant::now() + self.backoff(round);
            state.pause_until = Some(state.pause_until.map_or(until, |at| at.max(until)));
        }
    }

    /// [`pacing::backoff`] with this pool's base and cap, jittered at random.
    fn backoff(&self, n: u32) -> Duration {
        pacing::backoff(self.backoff_base, self.backoff_cap, n, fastrand::f64())
    }

    /// How long a request waits before its `n`th retry after a throttle: a quarter of
    /// [`backoff`](Self::backoff), so a lone 429 costs that request about one round trip.
    fn throttle_delay(&self, n: u32) -> Duration {
        self.backoff(n) / 4
    }

    fn limits(&self) -> (usize, usize) {
        let state = self.lock();
        (state.aimd.min_limit(), state.aimd.limit())
    }
}

#[cfg(test)]
mod tests {
    use super::{Limiter, PoolConfig};
    use std::time::Duration;

    fn limiter(initial: usize, max: usize) -> Limiter {
        Limiter::new(
            &PoolConfig::default()
                .initial_concurrency(initial)
                .max_concurrency(max)
                .backoff(Duration::from_millis(100), Duration::from_secs(1)),
        )
    }

    fn generation(limiter: &Limiter) -> u64 {
        limiter.lock().aimd.generation()
    }

    fn threshold(limiter: &Limiter) -> usize {
        limiter.lock().aimd.threshold()
    }

    fn paused(limiter: &Limiter) -> bool {
        limiter.lock().pause_until.is_some()
    }

    #[tokio::test]
    async fn a_lone_throttle_trims_by_a_quarter_once_per_generation_without_a_pause() {
        let limiter = limiter(16, 32);
        let (a, first) = limiter.acquire().await;
        let (b, same) = limiter.acquire().await;
        assert_eq!(first, same);
        limiter.on_success();
        limiter.on_throttle(first);
        // 16 + 1 (the success) -> 17 * 3/4.
        assert_eq!(limiter.limits(), (12, 12));
        assert!(!paused(&limiter), "a lone throttle must not pause the pool");
        assert_eq!(threshold(&limiter), 32, "a lone throttle is not congestion");
        // Another lone throttle of a request sent before the trim changes nothing (the success
        // before it grows the limit: 12 is below the threshold).
        limiter.on_success();
        limiter.on_throttle(same);
        assert_eq!(limiter.limits(), (12, 13));
        // 16 - 2 held + 1 (success) = 15 free; 5 forgotten at once; +1 (success) = 11 free.
        limiter.release(a);
        limiter.release(b);
        assert_eq!(limiter.semaphore.available_permits(), 13);
        // A lone throttle of the new generation trims again: 13 + 1 -> 10.
        limiter.on_success();
        limiter.on_throttle(generation(&limiter));
        assert_eq!(limiter.limits(), (10, 10));
        assert_eq!(limiter.semaphore.available_permits(), 10);
    }

    #[test]
    fn lone_throttles_stop_at_half_the_initial_concurrency() {
        let limiter = limiter(8, 32);
        for _ in 0..10 {
            limiter.on_success();
            limiter.on_throttle(generation(&limiter));
        }
        // 9 -> 6, then 7 -> 5 -> 4 (the floor), and the floor holds.
        let (min, limit) = limiter.limits();
        assert_eq!(min, 4);
        assert!(limit <= 5, "{limit}");
        assert!(!paused(&limiter));
    }

    #[test]
    fn below_the_threshold_every_success_adds_a_slot_up_to_the_maximum() {
        let limiter = limiter(8, 32);
        for _ in 0..8 {
            limiter.on_success();
        }
        assert_eq!(limiter.limits(), (8, 16));
        for _ in 0..100 {
            limiter.on_success();
        }
        assert_eq!(limiter.limits(), (8, 32));
        assert_eq!(limiter.semaphore.available_permits(), 32);
    }

    #[tokio::test]
    async fn throttles_in_a_row_halve_lower_the_threshold_and_pause() {
        let limiter = limiter(16, 32);
        let (a, first) = limiter.acquire().await;
        let (b, same) = limiter.acquire().await;
        // The first throttle is lone (12); the second, with no success in between, is
        // congestion even though its request is of the old generation: the pool pauses.
        limiter.on_throttle(first);
        limiter.on_throttle(same);
        assert_eq!(limiter.limits(), (12, 12));
        assert!(paused(&limiter), "throttles in a row must pause the pool");
        // A third in a row, of the current generation, halves with no floor.
        limiter.on_throttle(generation(&limiter));
        assert_eq!(limiter.limits(), (6, 6));
        assert_eq!(threshold(&limiter), 6);
        limiter.on_throttle(generation(&limiter));
        limiter.on_throttle(generation(&limiter));
        assert_eq!(limiter.limits(), (1, 1));
        assert_eq!(threshold(&limiter), 1);
        // 14 free permits, 15 to shrink: one is owed and paid by the first release.
        limiter.release(a);
        limiter.release(b);
        assert_eq!(limiter.semaphore.available_permits(), 1);
        // At the threshold, growth is additive: one slot per window of `limit` successes.
        limiter.on_success();
        assert_eq!(limiter.limits(), (1, 2));
        limiter.on_success();
        assert_eq!(limiter.limits(), (1, 2));
        limiter.on_success();
        assert_eq!(limiter.limits(), (1, 3));
        assert_eq!(limiter.semaphore.available_permits(), 3);
    }

    #[tokio::test]
    async fn a_success_ends_the_run_of_throttles() {
        let limiter = limiter(8, 32);
        limiter.on_throttle(generation(&limiter));
        limiter.on_success();
        limiter.on_throttle(generation(&limiter));
        assert!(!paused(&limiter));
        assert_eq!(threshold(&limiter), 32);
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        let config =
            PoolConfig::default().backoff(Duration::from_millis(100), Duration::from_secs(1));
        let limiter = Limiter::new(&config);
        for n in 1..20 {
            let delay = limiter.backoff(n);
            assert!(delay <= Duration::from_secs(1), "{delay:?}");
            assert!(delay >= Duration::from_millis(50), "{delay:?}");
        }
    }

    #[test]
    fn a_throttled_request_waits_a_quarter_of_the_backoff() {
        let limiter = limiter(8, 32);
        let first = limiter.throttle_delay(1);
        assert!(first >= Duration::from_micros(12_500), "{first:?}");
        assert!(first <= Duration::from_millis(25), "{first:?}");
        for n in 1..20 {
            assert!(limiter.throttle_delay(n) <= Duration::from_millis(250));
        }
    }
}
