//! The token provider: the cached SSO access token, refreshed when it is about to expire.
//!
//! [`fresh_token`] reads `~/.aws/sso/cache/<key>.json` and decides with
//! [`sso_oidc::refresh_decision`] (botocore's windows, protocol.md §4.4): more than 15 minutes
//! left, use it; 10 to 15 minutes left (advisory), refresh if nobody else is, but keep the old
//! token on any failure; under 10 minutes or expired (mandatory), refresh, waiting for a
//! refresh in progress elsewhere. Only sso-session logins with a refresh token and a live
//! client registration refresh; legacy profiles never do (§1.4).
//!
//! A refresh is single-flight, within the process (an async mutex per cache file) and across
//! processes (the advisory lock beside the entry, [`sso_cache::CacheDir::lock_token`]). After
//! getting both, the entry is read again: when another process refreshed it meanwhile, that
//! token is used and no request is sent. The new entry is written atomically with `startUrl`
//! and `region` from the config, the old registration fields, the old refresh token when the
//! response has none (better than botocore, which drops it), and unknown fields kept.
//!
//! Whenever the token has not expired yet, failing to refresh it is a warning, not an error:
//! a refused or failed refresh, a lock that cannot be taken or created (a read-only cache
//! directory), and a refreshed token that cannot be written back (it is used unsaved).
//!
//! Nothing here logs a secret: `tracing` events name the cache file and the decision only.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sso_cache::{CacheDir, CacheError, CacheKey, CachedToken, TokenLock};
use sso_oidc::{
    ExchangeId, Flow, FlowError, Input, Operation, Output, RefreshDecision, Timestamp, Tokens,
    refresh_decision,
};

use crate::clock::WallClock;
use crate::context::SsoTarget;
use crate::convert;
use crate::single_flight;
use crate::transport::Transport;

/// How long a mandatory refresh waits for another process's refresh of the same entry.
pub(crate) use crate::single_flight::LOCK_TIMEOUT;

/// Why no usable token could be returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// There is no token file for this login: `sso login` was never run (or `sso logout` was).
    #[error("not logged in: no cached token at {}", path.display())]
    NotLoggedIn {
        /// The token file that does not exist.
        path: PathBuf,
    },
    /// The token file exists but cannot be read or used (the error names the file).
    #[error("the cached token cannot be used: {0}")]
    BadCache(#[source] CacheError),
    /// The token expired and cannot be refreshed: a new login is needed.
    #[error("the cached token expired at {expired_at}")]
    Expired {
        /// When it expired.
        expired_at: sso_cache::Timestamp,
        /// Whether this login can refresh itself at all (an sso-session login). `false` for
        /// legacy profiles, which never refresh, so a hint to move to an sso-session fits.
        can_refresh: bool,
    },
    /// The token expired (or must be refreshed and is unusable) and the refresh failed.
    #[error("the cached token expired at {expired_at} and could not be refreshed: {source}")]
    RefreshFailed {
        /// When it expired.
        expired_at: sso_cache::Timestamp,
        /// Why the refresh failed (a service refusal such as `InvalidGrantException`, or the
        /// network).
        #[source]
        source: FlowError,
    },
    /// Another process held the entry's lock (refreshing it) for longer than the lock timeout (30 s)
    /// and the cached token has expired.
    #[error(
        "timed out after {} s waiting for another sso process to refresh the token (lock file {}); it is still running: retry when it is done",
        waited.as_secs(),
        path.display()
    )]
    LockTimeout {
        /// The lock file.
        path: PathBuf,
        /// How long this process waited.
        waited: Duration,
    },
    /// The refreshed token could not be written back (the error names the file and the OS
    /// reason).
    #[error("could not save the refreshed token: {0}")]
    Write(#[source] CacheError),
    /// The driver broke the flow's call contract: a bug.
    #[error("internal error while refreshing the token: {message}")]
    Internal {
        /// What went wrong.
        message: String,
    },
}

/// The cached token of `target`, without checking expiry or refreshing: for status displays.
///
/// `Ok(None)` when there is no token file.
pub(crate) fn cached_token(
    sso_cache: &CacheDir,
    target: &SsoTarget,
) -> Result<Option<CachedToken>, TokenError> {
    sso_cache
        .read::<CachedToken>(&target.token_key())
        .map_err(TokenError::BadCache)
}

/// A usable access token for `target`, refreshed first when it is within the refresh window.
///
/// See the module documentation for the rules. Refresh failures with a token that has not
/// expired are logged with `tracing::warn!` and the old token is returned.
pub(crate) async fn fresh_token<T: Transport>(
    transport: &T,
    sso_cache: &CacheDir,
    target: &SsoTarget,
    clock: &dyn WallClock,
) -> Result<CachedToken, TokenError> {
    let key = target.token_key();
    let path = sso_cache.entry_path(&key);
    let token = read_token(sso_cache, &key)?;
    let decision = decide(&token, target, clock.now_unix_ms());
    tracing::debug!(cache = %path.display(), ?decision, "cached SSO token");
    match decision {
        RefreshDecision::UseAsIs => return Ok(token),
        RefreshDecision::Expired => {
            return Err(TokenError::Expired {
                expired_at: token.expires_at,
                can_refresh: !target.is_legacy(),
            });
        }
        RefreshDecision::RefreshAdvised | RefreshDecision::MustRefresh => {}
    }
    let mandatory = decision == RefreshDecision::MustRefresh;

    // Both locks of the entry: this process's tasks, then other processes (see
    // `crate::single_flight`).
    let held = if mandatory {
        match single_flight::lock::<CachedToken>(sso_cache, &key, LOCK_TIMEOUT).await {
            Ok(held) => held,
            Err(CacheError::LockTimeout { path, waited }) => {
                return lock_timed_out(token, &path, waited, clock);
            }
            Err(error) => return valid_despite(token, TokenError::BadCache(error), clock),
        }
    } else {
        match single_flight::try_lock::<CachedToken>(sso_cache, &key) {
            Ok(Some(held)) => held,
            Ok(None) => {
                tracing::debug!("advisory refresh skipped: another task or process is refreshing");
                return Ok(token);
            }
            // A cache directory this process cannot write: the token is still good.
            Err(error) => return valid_despite(token, TokenError::BadCache(error), clock),
        }
    };
    let guard = held.entry();

    // Re-read under the lock: another process (or task) may have refreshed meanwhile.
    let current = match guard.read() {
        Ok(Some(current)) => current,
        Ok(None) => return Err(TokenError::NotLoggedIn { path }),
        Err(error) => return Err(TokenError::BadCache(error)),
    };
    let now = clock.now_unix_ms();
    let decision = decide(&current, target, now);
    let now_cache = Timestamp::from_unix_ms(now);
    if decision == RefreshDecision::UseAsIs
        || (current.access_token != token.access_token && !current.is_expired(now_cache))
    {
        tracing::debug!("the token was refreshed by another process or task; using it");
        return Ok(current);
    }
    if decision == RefreshDecision::Expired {
        return Err(TokenError::Expired {
            expired_at: current.expires_at,
            can_refresh: !target.is_legacy(),
        });
    }
    match refresh(transport, target, &current, clock).await {
        Ok(tokens) => {
            let refreshed = convert::token_to_cache(
                &tokens,
                &target.start_url,
                &target.region,
                current.unknown.clone(),
            );
            if let Err(error) = write_refreshed(guard, &refreshed) {
                // The new token is good for this run; the next one refreshes again.
                tracing::warn!(%error, "using the refreshed SSO token without saving it");
                return Ok(refreshed);
            }
            tracing::debug!(cache = %path.display(), expires_at = %refreshed.expires_at, "SSO token refreshed");
            Ok(refreshed)
        }
        Err(error) if !current.is_expired(Timestamp::from_unix_ms(clock.now_unix_ms())) => {
            tracing::warn!(
                "could not refresh the SSO token ({error}); using the cached one until it expires at {}",
                current.expires_at
            );
            Ok(current)
        }
        Err(RefreshError::Flow(source)) => Err(TokenError::RefreshFailed {
            expired_at: current.expires_at,
            source,
        }),
        Err(RefreshError::Internal(message)) => Err(TokenError::Internal { message }),
    }
}

/// A token that cannot be refreshed is worth a warning when it expires within this window:
/// time to sign in before a long job rather than in the middle of it.
pub(crate) const EXPIRY_WARNING_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Whether `token` (of `target`) has not expired yet, expires within
/// [`EXPIRY_WARNING_WINDOW`] of `now` and cannot be refreshed: a legacy login, no refresh
/// token or an expired client registration, or, with `refresh_tried` (this process just got the
/// token from [`fresh_token`], which refreshes any token in that window when it can), a refresh
/// that failed or was refused.
pub(crate) fn expires_without_refresh(
    token: &CachedToken,
    target: &SsoTarget,
    now: sso_cache::Timestamp,
    refresh_tried: bool,
) -> bool {
    !token.is_expired(now)
        && token.expires_within(now, EXPIRY_WARNING_WINDOW)
        && (refresh_tried || target.is_legacy() || !token.can_refresh(now))
}

/// How often a caller waiting for another process's sign-in looks whether it ended.
const SIGN_IN_POLL: Duration = Duration::from_millis(50);

/// [`fresh_token`] for a caller that cannot sign in itself but may wait for a sign-in that is
/// in progress in another process (`--wait-for-login`, for IDE plugins that call
/// `credential_process`): when there is no usable token (not logged in, expired, refresh
/// refused) and another process holds this login's sign-in lock
/// ([`sso_cache::CacheDir::lock_sign_in`]), wait for that sign-in to end, at most `wait` in
/// all, and try again. With no sign-in in progress, or `wait` zero, the error is returned at
/// once, as [`fresh_token`] returns it.
///
/// # Errors
///
/// As [`fresh_token`]; after waiting in vain, the error of the last attempt.
pub(crate) async fn fresh_token_or_wait<T: Transport>(
    transport: &T,
    sso_cache: &CacheDir,
    target: &SsoTarget,
    clock: &dyn WallClock,
    wait: Duration,
) -> Result<CachedToken, TokenError> {
    let started = tokio::time::Instant::now();
    let key = target.token_key();
    loop {
        let error = match fresh_token(transport, sso_cache, target, clock).await {
            Ok(token) => return Ok(token),
            Err(error) => error,
        };
        let needs_login = matches!(
            error,
            TokenError::NotLoggedIn { .. }
                | TokenError::Expired { .. }
                | TokenError::RefreshFailed { .. }
        );
        if !needs_login || started.elapsed() >= wait {
            return Err(error);
        }
        if !sso_cache.sign_in_in_progress(&key).unwrap_or(false) {
            return Err(error);
        }
        let holder = sso_cache
            .sign_in_holder(&key)
            .map(|h| format!(" (pid {}, started {})", h.pid, h.since))
            .unwrap_or_default();
        tracing::warn!(
            "waiting up to {} s for the sign-in to {} in progress in another process{holder}",
            wait.saturating_sub(started.elapsed()).as_secs(),
            target.describe()
        );
        while sso_cache.sign_in_in_progress(&key).unwrap_or(false) {
            if started.elapsed() >= wait {
                tracing::warn!("the sign-in did not finish in time");
                return Err(error);
            }
            tokio::time::sleep(SIGN_IN_POLL).await;
        }
    }
}

fn write_refreshed(guard: &TokenLock<'_>, token: &CachedToken) -> Result<(), TokenError> {
    guard.write(token).map_err(TokenError::Write)
}

/// The refresh could not even start (the cache directory cannot be written, say): a token that
/// has not expired is used with a warning, as botocore does; an expired one gets `error`.
fn valid_despite(
    token: CachedToken,
    error: TokenError,
    clock: &dyn WallClock,
) -> Result<CachedToken, TokenError> {
    if token.is_expired(Timestamp::from_unix_ms(clock.now_unix_ms())) {
        return Err(error);
    }
    tracing::warn!(%error, expires_at = %token.expires_at, "could not refresh the SSO token; using the cached one until it expires");
    Ok(token)
}

/// The lock could not be had in time: a still-valid token is used anyway, an expired one is an
/// error.
fn lock_timed_out(
    token: CachedToken,
    lock_path: &Path,
    waited: Duration,
    clock: &dyn WallClock,
) -> Result<CachedToken, TokenError> {
    if token.is_expired(Timestamp::from_unix_ms(clock.now_unix_ms())) {
        return Err(TokenError::LockTimeout {
            path: lock_path.to_owned(),
            waited,
        });
    }
    tracing::warn!(lock = %lock_path.display(), "another process is still refreshing the SSO token; using the cached one");
    Ok(token)
}

fn read_token(sso_cache: &CacheDir, key: &CacheKey) -> Result<CachedToken, TokenError> {
    match sso_cache.read::<CachedToken>(key) {
        Ok(Some(token)) => Ok(token),
        Ok(None) => Err(TokenError::NotLoggedIn {
            path: sso_cache.entry_path(key),
        }),
        Err(error) => Err(TokenError::BadCache(error)),
    }
}

/// The refresh decision for `token` at `now_unix_ms`; legacy logins have no refresh material.
fn decide(token: &CachedToken, target: &SsoTarget, now_unix_ms: u64) -> RefreshDecision {
    let now = Timestamp::from_unix_ms(now_unix_ms);
    let material = !target.is_legacy() && token.can_refresh(now);
    refresh_decision(token.expires_at, now, material)
}

/// Why a refresh attempt failed.
#[derive(Debug, thiserror::Error)]
enum RefreshError {
    #[error(transparent)]
    Flow(FlowError),
    #[error("{0}")]
    Internal(String),
}

/// Runs the refresh-token grant for `token` (which has refresh material).
async fn refresh<T: Transport>(
    transport: &T,
    target: &SsoTarget,
    token: &CachedToken,
    clock: &dyn WallClock,
) -> Result<Tokens, RefreshError> {
    let (Some(client), Some(refresh_token)) = (
        convert::registration_from_token(token),
        token.refresh_token.as_ref(),
    ) else {
        return Err(RefreshError::Internal(
            "the token has no refresh material".to_owned(),
        ));
    };
    let now = Timestamp::from_unix_ms(clock.now_unix_ms());
    let flow = Flow::refresh(target.flow_config(None), client, refresh_token.clone(), now);
    tracing::debug!("refreshing the SSO token (CreateToken, refresh_token grant)");
    run_to_done(transport, flow, clock)
        .await
        .map_err(RefreshError::Internal)?
        .map_err(RefreshError::Flow)
}

/// Drives a flow that needs nothing but the network (a refresh) to its `Done`.
///
/// `Err` is a driver bug (the flow asked to wait or refused an input).
pub(crate) async fn run_to_done<T: Transport>(
    transport: &T,
    mut flow: Flow,
    clock: &dyn WallClock,
) -> Result<Result<Tokens, FlowError>, String> {
    loop {
        match flow.poll_output() {
            Output::Transmit {
                id,
                operation,
                request,
            } => {
                let input = exchange(transport, id, operation, request, clock).await;
                flow.handle_input(input).map_err(|e| e.to_string())?;
            }
            Output::Done(result) => return Ok(result),
            Output::Wait { .. } => {
                return Err("the flow waits for user input in a network-only exchange".to_owned());
            }
            Output::Event(_) => {}
            _ => return Err("the flow returned an unknown output".to_owned()),
        }
    }
}

/// Sends one request of a flow and returns the input to feed back.
pub(crate) async fn exchange<T: Transport>(
    transport: &T,
    id: ExchangeId,
    operation: Operation,
    request: http::Request<Vec<u8>>,
    clock: &dyn WallClock,
) -> Input {
    tracing::debug!(%operation, uri = %request.uri().path(), "sending");
    let result = transport.send(request).await;
    let now = Timestamp::from_unix_ms(clock.now_unix_ms());
    match result {
        Ok(response) => {
            tracing::debug!(%operation, status = response.status().as_u16(), "response");
            Input::Response { id, now, response }
        }
        Err(error) => {
            tracing::debug!(%operation, %error, "transport failed");
            Input::TransportFailed {
                id,
                now,
                failure: convert::transport_failure(&error),
            }
        }
    }
}
