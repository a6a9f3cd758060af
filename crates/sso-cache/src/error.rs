//! `CacheError`: every way reading, writing, locking or listing a cache entry can fail.

use crate::model::BadEntry;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A cache operation failed. Every variant names the file or directory involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// There is no entry at `path` (returned by the `*_unexpired` readers; the plain readers
    /// return `Ok(None)` instead). Callers usually show `not logged in: <this error>`.
    #[error("{}: no cached entry", path.display())]
    Missing {
        /// The entry's file.
        path: PathBuf,
    },
    /// The file exists but cannot be used: unparsable, incomplete, or expired. It is left in
    /// place (only logout deletes); logging in again overwrites it.
    #[error("{}: {reason}", path.display())]
    Bad {
        /// The entry's file.
        path: PathBuf,
        /// What is wrong with it.
        reason: BadEntry,
    },
    /// The operating system refused an operation; fix the permissions or ownership of `path`.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done, such as "write" or "create the cache directory".
        action: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// Another process held the entry's lock for longer than the timeout. It may be stuck in a
    /// refresh; retry, or delete the lock file if no other process is running.
    #[error("timed out after {} ms waiting for the lock {}", waited.as_millis(), path.display())]
    LockTimeout {
        /// The lock file.
        path: PathBuf,
        /// How long this process waited.
        waited: Duration,
    },
}

impl CacheError {
    /// The file or directory the error is about.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            Self::Missing { path }
            | Self::Bad { path, .. }
            | Self::Io { path, .. }
            | Self::LockTimeout { path, .. } => path,
        }
    }

    pub(crate) fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.to_owned(),
            source,
        }
    }
}
