//! Single flight across processes: one fetch of a cache entry for any number of concurrent
//! callers, in this process and in others.
//!
//! Every cache entry has a lock, in two layers: an async mutex per entry file within this
//! process (the cross-process lock belongs to an open file, so two tasks of one process would
//! otherwise poll it against each other), then the advisory file lock beside the entry
//! ([`sso_cache::CacheDir::lock`], which the operating system releases when a holder dies).
//! [`lock`] takes both without blocking the runtime.
//!
//! [`fetch_once`] is the protocol for any entry that is fetched rather than refreshed (SSO role
//! credentials, assumed-role credentials): after the caller's own read missed, take the
//! entry's lock, read again (another process may have fetched it while this one waited), fetch
//! only if it is still missing or stale, write, release. N callers make one request; the
//! others read what it wrote. The token refresh ([`crate::token`]) uses [`lock`] and
//! [`try_lock`] directly, because an advisory refresh must not wait.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use sso_cache::{CacheDir, CacheEntry, CacheError, CacheKey, EntryLock};
use tokio::sync::OwnedMutexGuard;

/// How long a caller waits for another process's refresh or fetch of the same entry.
pub(crate) const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// How often the cross-process lock is retried while waiting.
const LOCK_POLL: Duration = Duration::from_millis(25);

/// Both locks of one cache entry, held: this process's and the cross-process one. Dropping it
/// releases both.
#[derive(Debug)]
pub(crate) struct Held<'a, T> {
    entry: EntryLock<'a, T>,
    _in_process: OwnedMutexGuard<()>,
}

impl<'a, T: CacheEntry> Held<'a, T> {
    /// The cross-process lock, to read and write the entry through.
    pub(crate) fn entry(&self) -> &EntryLock<'a, T> {
        &self.entry
    }
}

/// Takes both locks of `key` in `cache`, waiting at most `timeout` in all.
///
/// # Errors
///
/// [`CacheError::LockTimeout`] when another task or process held it all that time (the path is
/// the entry's file when the wait was within this process), or the cache's IO error.
pub(crate) async fn lock<'a, T: CacheEntry>(
    cache: &'a CacheDir,
    key: &CacheKey,
    timeout: Duration,
) -> Result<Held<'a, T>, CacheError> {
    let started = tokio::time::Instant::now();
    let path = cache.entry_path(key);
    let Ok(in_process) = tokio::time::timeout(timeout, process_lock(&path).lock_owned()).await
    else {
        return Err(CacheError::LockTimeout {
            path,
            waited: started.elapsed(),
        });
    };
    loop {
        match cache.lock::<T>(key, Duration::ZERO) {
            Ok(entry) => {
                return Ok(Held {
                    entry,
                    _in_process: in_process,
                });
            }
            Err(CacheError::LockTimeout { path, .. }) => {
                let waited = started.elapsed();
                if waited >= timeout {
                    return Err(CacheError::LockTimeout { path, waited });
                }
                tokio::time::sleep(LOCK_POLL).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Takes both locks of `key` if nobody holds either: `Ok(None)` when someone does.
///
/// # Errors
///
/// The cache's IO error.
pub(crate) fn try_lock<'a, T: CacheEntry>(
    cache: &'a CacheDir,
    key: &CacheKey,
) -> Result<Option<Held<'a, T>>, CacheError> {
    let Ok(in_process) = process_lock(&cache.entry_path(key)).try_lock_owned() else {
        return Ok(None);
    };
    match cache.lock::<T>(key, Duration::ZERO) {
        Ok(entry) => Ok(Some(Held {
            entry,
            _in_process: in_process,
        })),
        Err(CacheError::LockTimeout { .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Fetches entry `key` once for all concurrent callers: takes its lock (waiting up to
/// [`LOCK_TIMEOUT`] for another caller's fetch), reads it again and returns it if `usable`
/// says so; otherwise awaits `fetch`, writes the result and returns it.
///
/// Call it after a read of your own missed: the warm path needs no lock. A lock that cannot be
/// had (a stuck holder, an unwritable directory) does not stop the fetch: it is logged and the
/// fetch runs unlocked. An entry that cannot be parsed counts as missing; one that cannot be
/// written back is logged, and the fetched value is returned anyway.
///
/// # Errors
///
/// `fetch`'s error.
pub(crate) async fn fetch_once<T, E, F, Fut>(
    cache: &CacheDir,
    key: &CacheKey,
    usable: impl Fn(&T) -> bool,
    fetch: F,
) -> Result<T, E>
where
    T: CacheEntry,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let held = match lock::<T>(cache, key, LOCK_TIMEOUT).await {
        Ok(held) => Some(held),
        Err(error) => {
            tracing::warn!(%error, "fetching without the cache entry's lock");
            None
        }
    };
    if let Some(held) = &held {
        match held.entry().read() {
            Ok(Some(entry)) if usable(&entry) => {
                tracing::debug!(cache = %cache.entry_path(key).display(), "another process fetched the entry meanwhile; using it");
                return Ok(entry);
            }
            Ok(_) => {}
            Err(error) => tracing::debug!(%error, "ignoring an unusable cache entry"),
        }
    }
    let entry = fetch().await?;
    let written = match &held {
        Some(held) => held.entry().write(&entry),
        None => cache.write(key, &entry),
    };
    if let Err(error) = written {
        tracing::warn!(%error, "could not cache the fetched entry");
    }
    Ok(entry)
}

/// The async mutex that serialises work on one cache file within this process.
fn process_lock(path: &Path) -> Arc<tokio::sync::Mutex<()>> {
    type Locks = Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>;
    static LOCKS: OnceLock<Locks> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Locks::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    Arc::clone(locks.entry(path.to_owned()).or_default())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use sso_cache::{Login, RoleCredentials, SecretAccessKey, SessionToken, Timestamp};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn credentials(key_id: &str) -> RoleCredentials {
        RoleCredentials {
            access_key_id: key_id.to_owned(),
            secret_access_key: SecretAccessKey::new("secret"),
            session_token: SessionToken::new("session"),
            expiration: Timestamp::from_unix_seconds(4_000_000_000),
            account_id: Some("111111111111".to_owned()),
            unknown: sso_cache::UnknownFields::new(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sixteen_tasks_fetch_once_and_leave_no_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Arc::new(CacheDir::new(dir.path()));
        let key = CacheKey::for_role_credentials("111111111111", "ReadOnly", Login::Session("s"));
        let fetches = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let (cache, key, fetches) = (Arc::clone(&cache), key.clone(), Arc::clone(&fetches));
                tokio::spawn(async move {
                    fetch_once(
                        &cache,
                        &key,
                        |_: &RoleCredentials| true,
                        || async move {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Ok::<_, std::io::Error>(credentials(&format!("ASIA{i}")))
                        },
                    )
                    .await
                    .unwrap()
                    .access_key_id
                })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            seen.push(task.await.unwrap());
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        seen.dedup();
        assert_eq!(seen.len(), 1, "{seen:?}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from(key.file_name())]);
    }

    #[tokio::test]
    async fn a_stale_entry_is_fetched_again_and_a_failed_fetch_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CacheDir::new(dir.path());
        let key = CacheKey::for_role_credentials("111111111111", "ReadOnly", Login::Session("s"));
        cache.write(&key, &credentials("ASIAOLD")).unwrap();
        let failed = fetch_once(
            &cache,
            &key,
            |_: &RoleCredentials| false,
            || async { Err::<RoleCredentials, _>("denied") },
        )
        .await;
        assert_eq!(failed.unwrap_err(), "denied");
        let kept: RoleCredentials = cache.read(&key).unwrap().unwrap();
        assert_eq!(kept.access_key_id, "ASIAOLD");
        let fetched = fetch_once(
            &cache,
            &key,
            |c: &RoleCredentials| c.access_key_id != "ASIAOLD",
            || async { Ok::<_, ()>(credentials("ASIANEW")) },
        )
        .await
        .unwrap();
        assert_eq!(fetched.access_key_id, "ASIANEW");
        let stored: RoleCredentials = cache.read(&key).unwrap().unwrap();
        assert_eq!(stored.access_key_id, "ASIANEW");
    }
}
