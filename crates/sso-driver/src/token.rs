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
//! Nothing here logs a secret: `tracing` events name the cache file and the decision only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use sso_cache::{CacheDir, CacheError, CacheKey, CachedToken, TokenLock};
use sso_oidc::{
    ExchangeId, Flow, FlowError, Input, Operation, Output, RefreshDecision, RefreshToken,
    Timestamp, Tokens, refresh_decision,
};

use crate::clock::WallClock;
use crate::context::SsoTarget;
use crate::convert;
use crate::transport::Transport;

/// How long a mandatory refresh waits for another process's refresh of the same entry.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// How often the cross-process lock is retried while waiting.
const LOCK_POLL: Duration = Duration::from_millis(25);

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
    /// Another process held the entry's lock (refreshing it) for longer than [`LOCK_TIMEOUT`]
    /// and the cached token has expired.
    #[error(
        "timed out after {} s waiting for another sso process to refresh the token (lock file {}); retry, or delete the lock file if no other sso or aws process is running",
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
pub fn cached_token(
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
pub async fn fresh_token<T: Transport>(
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

    // Single flight within this process first: the cross-process lock is per open file
    // description, so two tasks of one process would otherwise contend on it while holding the
    // thread.
    let in_process = process_lock(&path);
    let _in_process = if mandatory {
        match tokio::time::timeout(LOCK_TIMEOUT, in_process.lock()).await {
            Ok(guard) => guard,
            Err(_) => return lock_timed_out(token, &path, LOCK_TIMEOUT, clock),
        }
    } else {
        match in_process.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                tracing::debug!("advisory refresh skipped: another task is refreshing");
                return Ok(token);
            }
        }
    };
    let guard = if mandatory {
        match lock_entry(sso_cache, &key, LOCK_TIMEOUT).await {
            Ok(guard) => guard,
            Err(TokenError::LockTimeout { path, waited }) => {
                return lock_timed_out(token, &path, waited, clock);
            }
            Err(error) => return Err(error),
        }
    } else {
        match sso_cache.lock_token(&key, Duration::ZERO) {
            Ok(guard) => guard,
            Err(CacheError::LockTimeout { .. }) => {
                tracing::debug!("advisory refresh skipped: another process is refreshing");
                return Ok(token);
            }
            Err(error) => return Err(TokenError::BadCache(error)),
        }
    };

    // Re-read under the lock: another process (or task) may have refreshed meanwhile.
    let current = match guard.read() {
        Ok(Some(current)) => current,
        Ok(None) => return Err(TokenError::NotLoggedIn { path }),
        Err(error) => return Err(TokenError::BadCache(error)),
    };
    let now = clock.now_unix_ms();
    let decision = decide(&current, target, now);
    let now_cache = convert::unix_ms_to_cache_time(now);
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
            write_refreshed(&guard, &refreshed)?;
            tracing::debug!(cache = %path.display(), expires_at = %refreshed.expires_at, "SSO token refreshed");
            Ok(refreshed)
        }
        Err(error) if !current.is_expired(convert::unix_ms_to_cache_time(clock.now_unix_ms())) => {
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

fn write_refreshed(guard: &TokenLock<'_>, token: &CachedToken) -> Result<(), TokenError> {
    guard.write(token).map_err(TokenError::Write)
}

/// The lock could not be had in time: a still-valid token is used anyway, an expired one is an
/// error.
fn lock_timed_out(
    token: CachedToken,
    lock_path: &Path,
    waited: Duration,
    clock: &dyn WallClock,
) -> Result<CachedToken, TokenError> {
    if token.is_expired(convert::unix_ms_to_cache_time(clock.now_unix_ms())) {
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
    let now = convert::unix_ms_to_cache_time(now_unix_ms);
    let material = !target.is_legacy() && token.can_refresh(now);
    refresh_decision(
        convert::to_oidc_time(token.expires_at),
        Timestamp::from_unix_millis(now_unix_ms),
        material,
    )
}

/// The async mutex that serialises refreshes of one cache file within this process.
fn process_lock(path: &Path) -> Arc<tokio::sync::Mutex<()>> {
    type Locks = Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>;
    static LOCKS: OnceLock<Locks> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Locks::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    Arc::clone(locks.entry(path.to_owned()).or_default())
}

/// Takes the cross-process lock of `key` without blocking the runtime: one non-blocking attempt
/// every [`LOCK_POLL`], for at most `timeout`.
async fn lock_entry<'a>(
    sso_cache: &'a CacheDir,
    key: &CacheKey,
    timeout: Duration,
) -> Result<TokenLock<'a>, TokenError> {
    let started = tokio::time::Instant::now();
    loop {
        match sso_cache.lock_token(key, Duration::ZERO) {
            Ok(guard) => return Ok(guard),
            Err(CacheError::LockTimeout { path, .. }) => {
                let waited = started.elapsed();
                if waited >= timeout {
                    return Err(TokenError::LockTimeout { path, waited });
                }
                tokio::time::sleep(LOCK_POLL).await;
            }
            Err(error) => return Err(TokenError::BadCache(error)),
        }
    }
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
    let now = Timestamp::from_unix_millis(clock.now_unix_ms());
    let flow = Flow::refresh(
        target.flow_config(None),
        client,
        RefreshToken::new(refresh_token.expose_secret()),
        now,
    );
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
    let now = Timestamp::from_unix_millis(clock.now_unix_ms());
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
