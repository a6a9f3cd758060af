//! The cache directory: reading, atomically writing, locking, listing and deleting entries,
//! over the file primitives of [`crate::file`].
//!
//! A [`CacheDir`] is one directory of `<key>.json` files: `~/.aws/sso/cache` for tokens and
//! client registrations, `~/.aws/cli/cache` for role credentials. The caller passes the directory;
//! this module never reads `HOME`, the environment or the wall clock.
//!
//! Writes are atomic: a temporary file in the same directory is created with `O_CREAT|O_EXCL` and
//! mode 0600 (so no umask can widen it and nobody ever chmods), written, fsynced, renamed over the
//! entry, and the directory is fsynced. A reader sees the old file or the new one, never a part.
//! The writer then deletes temporary files that writers killed mid-write left behind (older than
//! [`crate::file::STALE_TEMP_AGE`]). A missing directory is created with mode 0700; an existing
//! one is left as it is. Reads take regular files of at most [`MAX_ENTRY_BYTES`] only.
//!
//! Refreshes are single-flight across processes through an advisory lock on `<key>.json.lock`
//! beside the entry (`flock` on Unix, `LockFileEx` on Windows, through std's `File::lock`). The
//! lock file is never deleted: deleting it would let two processes lock different files.

use crate::error::CacheError;
use crate::file::{self, LockFailure, ReadFileError, TempFile};
use crate::key::CacheKey;
use crate::model::{BadEntry, CacheEntry, CachedToken, MAX_ENTRY_BYTES};
use crate::secret::AccessToken;
use crate::time::Timestamp;
use serde_json::Value;
use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use zeroize::Zeroizing;

/// One cache directory of `<key>.json` entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheDir {
    dir: PathBuf,
}

/// A held lock on a token entry; see [`CacheDir::lock_token`].
pub type TokenLock<'a> = EntryLock<'a, CachedToken>;

impl CacheDir {
    /// A cache in `dir`, such as `~/.aws/sso/cache` (resolved by the caller). Nothing is touched
    /// until an entry is read or written.
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of entry `key`: `<dir>/<key>.json`.
    #[must_use]
    pub fn entry_path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// Reads entry `key`: `Ok(None)` if there is no file. Expiry is not checked.
    ///
    /// # Errors
    ///
    /// [`CacheError::Bad`] for an unusable file, [`CacheError::Io`] if it cannot be read.
    pub fn read<T: CacheEntry>(&self, key: &CacheKey) -> Result<Option<T>, CacheError> {
        read_entry(&self.entry_path(key))
    }

    /// Reads entry `key` and requires it to be unexpired at `now`: what a caller that cannot
    /// refresh (a legacy profile, cached credentials) needs.
    ///
    /// # Errors
    ///
    /// [`CacheError::Missing`], [`CacheError::Bad`] (with [`BadEntry::Expired`] for an expired
    /// entry) or [`CacheError::Io`].
    pub fn read_unexpired<T: CacheEntry>(
        &self,
        key: &CacheKey,
        now: Timestamp,
    ) -> Result<T, CacheError> {
        let path = self.entry_path(key);
        match read_entry::<T>(&path)? {
            None => Err(CacheError::Missing { path }),
            Some(entry) if entry.expires_at() <= now => Err(CacheError::Bad {
                path,
                reason: BadEntry::Expired(entry.expires_at()),
            }),
            Some(entry) => Ok(entry),
        }
    }

    /// Atomically replaces entry `key` with `entry`, creating the directory (0700) if needed.
    ///
    /// # Errors
    ///
    /// [`CacheError::Io`] naming the directory or file that could not be created or written.
    pub fn write<T: CacheEntry>(&self, key: &CacheKey, entry: &T) -> Result<(), CacheError> {
        self.ensure_dir()?;
        write_atomically(&self.dir, &self.entry_path(key), entry.to_json().as_bytes())
    }

    /// Takes the advisory lock of entry `key`, waiting at most `timeout` (polling every few
    /// milliseconds). Release it by dropping the guard.
    ///
    /// The refresh protocol: read the entry; if it needs a refresh, lock; read again through the
    /// guard; if it still needs one (no other process did it meanwhile), refresh and write
    /// through the guard.
    ///
    /// # Errors
    ///
    /// [`CacheError::LockTimeout`] naming the lock file, or [`CacheError::Io`].
    pub fn lock<T: CacheEntry>(
        &self,
        key: &CacheKey,
        timeout: Duration,
    ) -> Result<EntryLock<'_, T>, CacheError> {
        self.ensure_dir()?;
        let lock_path = self.dir.join(format!("{}.lock", key.file_name()));
        let file = file::open_lock_file(&lock_path)
            .map_err(|e| CacheError::io("create the lock file", &lock_path, e))?;
        match file::lock_within(&file, timeout) {
            Ok(()) => {}
            Err(LockFailure::TimedOut(waited)) => {
                return Err(CacheError::LockTimeout {
                    path: lock_path,
                    waited,
                });
            }
            Err(LockFailure::Io(e)) => return Err(CacheError::io("lock", &lock_path, e)),
        }
        Ok(EntryLock {
            cache: self,
            key: key.clone(),
            lock_path,
            _file: file,
            _entry: PhantomData,
        })
    }

    /// [`CacheDir::lock`] for a token entry.
    ///
    /// # Errors
    ///
    /// As [`CacheDir::lock`].
    pub fn lock_token(
        &self,
        key: &CacheKey,
        timeout: Duration,
    ) -> Result<TokenLock<'_>, CacheError> {
        self.lock(key, timeout)
    }

    /// The SSO token files, for `logout` and `status` (protocol.md §6): every `*.json` file
    /// whose JSON object has a string `accessToken`. Registrations, unparsable files, lock and
    /// temporary files are skipped. A missing directory has none.
    ///
    /// # Errors
    ///
    /// [`CacheError::Io`] if the directory or a file in it cannot be read.
    pub fn list_tokens(&self) -> Result<Vec<TokenFile>, CacheError> {
        let mut found = Vec::new();
        for (path, mut object) in self.json_objects()? {
            let Some(Value::String(access_token)) = take_ci(&mut object, "accessToken") else {
                continue;
            };
            let string = |v: Option<Value>| match v {
                Some(Value::String(s)) => Some(s),
                _ => None,
            };
            let expires_at = match take_ci(&mut object, "expiresAt") {
                None | Some(Value::Null) => Err(BadEntry::MissingField("expiresAt")),
                Some(Value::String(s)) => {
                    Timestamp::parse(&s).map_err(|_| BadEntry::BadTimestamp {
                        field: "expiresAt",
                        value: s,
                    })
                }
                Some(_) => Err(BadEntry::WrongType {
                    field: "expiresAt",
                    expected: "a string",
                }),
            };
            found.push(TokenFile {
                start_url: string(take_ci(&mut object, "startUrl")),
                region: string(take_ci(&mut object, "region")),
                has_refresh_token: matches!(
                    take_ci(&mut object, "refreshToken"),
                    Some(Value::String(_))
                ),
                access_token: AccessToken::new(access_token),
                expires_at,
                path,
            });
        }
        Ok(found)
    }

    /// The SSO role-credential files (`"ProviderType": "sso"`), for `logout` and `status`.
    /// Assume-role and other providers' entries and unparsable files are skipped.
    ///
    /// # Errors
    ///
    /// [`CacheError::Io`] if the directory or a file in it cannot be read.
    pub fn list_sso_credentials(&self) -> Result<Vec<CredentialFile>, CacheError> {
        let mut found = Vec::new();
        for (path, mut object) in self.json_objects()? {
            if take_ci(&mut object, "ProviderType")
                .as_ref()
                .and_then(Value::as_str)
                != Some("sso")
            {
                continue;
            }
            let mut credentials = match take_ci(&mut object, "Credentials") {
                Some(Value::Object(map)) => map,
                _ => serde_json::Map::new(),
            };
            let expiration = match take_ci(&mut credentials, "Expiration") {
                Some(Value::String(s)) => {
                    Timestamp::parse(&s).map_err(|_| BadEntry::BadTimestamp {
                        field: "Expiration",
                        value: s,
                    })
                }
                None | Some(Value::Null) => Err(BadEntry::MissingField("Expiration")),
                Some(_) => Err(BadEntry::WrongType {
                    field: "Expiration",
                    expected: "a string",
                }),
            };
            let account_id = match take_ci(&mut credentials, "AccountId") {
                Some(Value::String(s)) => Some(s),
                _ => None,
            };
            // Drop the secrets from the parsed value promptly; the map is not zeroized.
            drop(credentials);
            found.push(CredentialFile {
                path,
                account_id,
                expiration,
            });
        }
        Ok(found)
    }

    /// Deletes a file found by a listing (only logout deletes). Returns whether it existed.
    ///
    /// # Errors
    ///
    /// [`CacheError::Io`] if `path` is not directly inside this directory or cannot be deleted.
    pub fn remove(&self, path: &Path) -> Result<bool, CacheError> {
        if path.parent() != Some(self.dir.as_path()) {
            let reason = std::io::Error::new(
                ErrorKind::InvalidInput,
                "the file is not in the cache directory",
            );
            return Err(CacheError::io("delete", path, reason));
        }
        match fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(CacheError::io("delete", path, e)),
        }
    }

    /// Deletes the temporary files of writers that died before renaming them (they may hold
    /// tokens) and that are older than [`file::STALE_TEMP_AGE`] at `now`; a younger one may be
    /// another process's write in progress. Every write does this too; `logout` calls it so
    /// that signing out leaves no secret behind. Returns how many were deleted.
    ///
    /// # Errors
    ///
    /// [`CacheError::Io`] if the directory cannot be listed or a file cannot be deleted.
    pub fn remove_stale_temp_files(&self, now: SystemTime) -> Result<usize, CacheError> {
        file::remove_stale_temps(&self.dir, now)
            .map_err(|e| CacheError::io("clean up temporary files in", &self.dir, e))
    }

    fn ensure_dir(&self) -> Result<(), CacheError> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.dir)
            .map_err(|e| CacheError::io("create the cache directory", &self.dir, e))
    }

    /// Every `*.json` regular file that parses as a JSON object, in name order.
    fn json_objects(&self) -> Result<Vec<(PathBuf, JsonObject)>, CacheError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(CacheError::io("list", &self.dir, e)),
        };
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| CacheError::io("list", &self.dir, e))?;
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "json") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let mut objects = Vec::with_capacity(paths.len());
        for path in paths {
            let bytes = match read_bytes(&path) {
                Ok(Some(bytes)) => bytes,
                // Gone meanwhile, or too large to be an entry.
                Ok(None) | Err(CacheError::Bad { .. }) => continue,
                Err(e) => return Err(e),
            };
            if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&bytes) {
                objects.push((path, map));
            }
        }
        Ok(objects)
    }
}

/// A held advisory lock on one entry, for a single-flight refresh across processes.
///
/// Dropping the guard releases the lock. Reads and writes through it are ordinary atomic reads
/// and writes of the entry; readers that do not lock still never see a partial file.
#[derive(Debug)]
pub struct EntryLock<'a, T> {
    cache: &'a CacheDir,
    key: CacheKey,
    lock_path: PathBuf,
    _file: File,
    _entry: PhantomData<fn() -> T>,
}

impl<T: CacheEntry> EntryLock<'_, T> {
    /// Reads the entry again (another process may have refreshed it while this one waited).
    ///
    /// # Errors
    ///
    /// As [`CacheDir::read`].
    pub fn read(&self) -> Result<Option<T>, CacheError> {
        self.cache.read(&self.key)
    }

    /// Atomically writes the entry while holding the lock.
    ///
    /// # Errors
    ///
    /// As [`CacheDir::write`].
    pub fn write(&self, entry: &T) -> Result<(), CacheError> {
        self.cache.write(&self.key, entry)
    }

    /// The lock file, `<dir>/<key>.json.lock`.
    #[must_use]
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }
}

/// A token file found by [`CacheDir::list_tokens`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFile {
    /// The file.
    pub path: PathBuf,
    /// `startUrl`, if present and a string.
    pub start_url: Option<String>,
    /// `region`, if present and a string: where to send the portal's Logout call.
    pub region: Option<String>,
    /// `accessToken`: the bearer token for the Logout call.
    pub access_token: AccessToken,
    /// `expiresAt`, or why it is unusable.
    pub expires_at: Result<Timestamp, BadEntry>,
    /// Whether the file has a `refreshToken`.
    pub has_refresh_token: bool,
}

/// A role-credential file found by [`CacheDir::list_sso_credentials`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialFile {
    /// The file.
    pub path: PathBuf,
    /// `Credentials.AccountId`, if present.
    pub account_id: Option<String>,
    /// `Credentials.Expiration`, or why it is unusable.
    pub expiration: Result<Timestamp, BadEntry>,
}

fn read_entry<T: CacheEntry>(path: &Path) -> Result<Option<T>, CacheError> {
    let Some(bytes) = read_bytes(path)? else {
        return Ok(None);
    };
    T::from_json(&bytes)
        .map(Some)
        .map_err(|reason| CacheError::Bad {
            path: path.to_owned(),
            reason,
        })
}

/// The file's bytes, or `None` if it does not exist; [`file::read_regular`] with
/// [`MAX_ENTRY_BYTES`].
fn read_bytes(path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>, CacheError> {
    file::read_regular(path, MAX_ENTRY_BYTES).map_err(|error| match error {
        ReadFileError::TooLarge { .. } => CacheError::Bad {
            path: path.to_owned(),
            reason: BadEntry::TooLarge,
        },
        other => CacheError::io("read", path, other.into_io_error()),
    })
}

/// Replaces `target` through a [`TempFile`] in `dir`, then removes the stale temporary files
/// of writers that died (best effort: the entry is written either way).
fn write_atomically(dir: &Path, target: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    let file_name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("entry");
    let mut temp = TempFile::create(dir, file_name)
        .map_err(|e| CacheError::io("create a temporary file in", dir, e))?;
    let file = temp.file_mut();
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| CacheError::io("write", temp.path(), e))?;
    let written_at = temp
        .rename_to(target)
        .map_err(|e| CacheError::io("write", target, e))?;
    if let Some(now) = written_at {
        let _ = file::remove_stale_temps(dir, now);
    }
    sync_dir(dir)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), CacheError> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        Ok(()) => Ok(()),
        // Some filesystems cannot fsync a directory; the rename itself has happened.
        Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::Unsupported) => Ok(()),
        Err(e) => Err(CacheError::io("sync", dir, e)),
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), CacheError> {
    // Windows cannot open a directory for flushing through std; `rename` is `MoveFileEx`.
    Ok(())
}

/// A parsed JSON object.
type JsonObject = serde_json::Map<String, Value>;

/// Removes and returns the value of `name`, matched ASCII-case-insensitively (last match wins).
fn take_ci(map: &mut serde_json::Map<String, Value>, name: &str) -> Option<Value> {
    let keys: Vec<String> = map
        .keys()
        .filter(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .collect();
    let mut found = None;
    for key in keys {
        found = map.remove(&key);
    }
    found
}
