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
//! beside the entry (`flock` on Unix, `LockFileEx` on Windows, through std's `File::lock`); a
//! sign-in in progress holds `<key>.json.login.lock` ([`CacheDir::lock_sign_in`]), which also
//! records who holds it ([`LockHolder`]). The operating system releases these locks when their
//! process dies, however it dies, so a crashed holder never blocks anyone.
//!
//! **No litter.** On Unix a lock file exists only while it is held: the holder deletes it on
//! release, before unlocking. That is safe because taking a lock checks, after `flock`
//! succeeds, that the path still names the file just locked (same device and inode); a process
//! that locked a file a previous holder has since deleted opens the path again. So at any time
//! at most one process holds the lock of the file the path names, and only that process deletes
//! it. A crashed holder's file stays until the next process takes the lock and releases it.
//! Elsewhere (Windows), where std cannot compare file identities, a lock file is kept and
//! reused: one per entry at most. [`CacheDir::remove`] deletes the entry's lock files with it
//! (taking each first, so a lock in use is never pulled away from its holder).

use crate::error::CacheError;
use crate::file::{self, LockFailure, ReadFileError, TempFile};
use crate::key::CacheKey;
use crate::model::{BadEntry, CacheEntry, CachedToken, MAX_ENTRY_BYTES};
use serde_json::Value;
use sso_base::AccessToken;
use sso_base::Timestamp;
use std::fs::{self, File};
use std::io::{ErrorKind, Read, Write};
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
        let file = LockFile::acquire(lock_path(&self.entry_path(key), LockKind::Update), timeout)?;
        Ok(EntryLock {
            cache: self,
            key: key.clone(),
            file,
            _entry: PhantomData,
        })
    }

    /// Takes the sign-in lock of entry `key` (a token entry): held for the whole of a browser or
    /// device-code sign-in, so that a second sign-in to the same login waits for the first one
    /// instead of opening another browser tab. Apart from the entry's update lock
    /// ([`CacheDir::lock`]), so refreshes and credential fetches are never held up by it.
    ///
    /// `holder` is written into the lock file for [`CacheDir::sign_in_holder`].
    ///
    /// # Errors
    ///
    /// [`CacheError::LockTimeout`] when another process is signing in for longer than
    /// `timeout` (`Duration::ZERO` tries once), or [`CacheError::Io`].
    pub fn lock_sign_in(
        &self,
        key: &CacheKey,
        holder: LockHolder,
        timeout: Duration,
    ) -> Result<SignInLock, CacheError> {
        self.ensure_dir()?;
        let file = LockFile::acquire(lock_path(&self.entry_path(key), LockKind::SignIn), timeout)?;
        file.record(&holder.to_string());
        Ok(SignInLock { file })
    }

    /// Whether another process holds the sign-in lock of `key` right now (a sign-in to that
    /// login is in progress on this machine). Takes and releases the lock to find out when it
    /// is free, without recording a holder.
    ///
    /// # Errors
    ///
    /// [`CacheError::Io`] if the lock file cannot be opened or locked.
    pub fn sign_in_in_progress(&self, key: &CacheKey) -> Result<bool, CacheError> {
        let path = lock_path(&self.entry_path(key), LockKind::SignIn);
        if fs::symlink_metadata(&path).is_err() {
            return Ok(false);
        }
        match LockFile::acquire(path, Duration::ZERO) {
            Ok(_free) => Ok(false),
            Err(CacheError::LockTimeout { .. }) => Ok(true),
            Err(error) => Err(error),
        }
    }

    /// Who holds the sign-in lock of `key`, as recorded in its lock file: `None` when nobody
    /// recorded a holder (or the file is gone, or unreadable). Whether the lock is actually
    /// held is only known by trying to take it.
    #[must_use]
    pub fn sign_in_holder(&self, key: &CacheKey) -> Option<LockHolder> {
        let path = lock_path(&self.entry_path(key), LockKind::SignIn);
        let file = File::open(path).ok()?;
        let mut text = String::new();
        file.take(MAX_HOLDER_BYTES).read_to_string(&mut text).ok()?;
        LockHolder::parse(&text)
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

    /// Deletes a file found by a listing (only logout deletes), and the lock files beside it
    /// that nobody holds. Returns whether the file existed.
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
        let removed = match fs::remove_file(path) {
            Ok(()) => true,
            Err(e) if e.kind() == ErrorKind::NotFound => false,
            Err(e) => return Err(CacheError::io("delete", path, e)),
        };
        self.remove_locks(path);
        Ok(removed)
    }

    /// Deletes the lock files beside the entry at `path` that nobody holds (what
    /// [`CacheDir::remove`] does after deleting the entry). A lock in use is left to its holder.
    pub fn remove_locks(&self, path: &Path) {
        if path.parent() != Some(self.dir.as_path()) {
            return;
        }
        for kind in [LockKind::Update, LockKind::SignIn] {
            remove_lock_file(&lock_path(path, kind));
        }
    }

    /// Deletes every lock file in the directory that nobody holds (leftovers of crashed
    /// processes, or of platforms that keep lock files), for a logout of everything. Returns
    /// how many were deleted; a lock in use is left to its holder.
    ///
    /// # Errors
    ///
    /// [`CacheError::Io`] if the directory cannot be listed.
    pub fn remove_unused_locks(&self) -> Result<usize, CacheError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(CacheError::io("list", &self.dir, e)),
        };
        let mut removed = 0;
        for entry in entries {
            let entry = entry.map_err(|e| CacheError::io("list", &self.dir, e))?;
            let name = entry.file_name();
            let is_lock = name.to_str().is_some_and(|name| {
                [LockKind::Update, LockKind::SignIn]
                    .iter()
                    .any(|kind| name.ends_with(&format!(".json{}", kind.suffix())))
            });
            if is_lock && remove_lock_file(&entry.path()) {
                removed += 1;
            }
        }
        Ok(removed)
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
    file: LockFile,
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
        &self.file.path
    }
}

/// A held sign-in lock; see [`CacheDir::lock_sign_in`]. Dropping it releases the lock (and on
/// Unix deletes the lock file).
#[derive(Debug)]
pub struct SignInLock {
    file: LockFile,
}

impl SignInLock {
    /// The lock file, `<dir>/<key>.json.login.lock`.
    #[must_use]
    pub fn lock_path(&self) -> &Path {
        &self.file.path
    }
}

/// Who holds a sign-in lock: the process id and when its sign-in started, written into the lock
/// file as `pid <pid> started <RFC 3339 time>` so that a waiting process can say whom it waits
/// for. Only a hint: the lock itself is what counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockHolder {
    /// The holder's process id.
    pub pid: u32,
    /// When it took the lock.
    pub since: Timestamp,
}

impl LockHolder {
    /// This process, from `since`.
    #[must_use]
    pub fn this_process(since: Timestamp) -> Self {
        Self {
            pid: std::process::id(),
            since,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let mut words = text.split_ascii_whitespace();
        let (Some("pid"), Some(pid), Some("started"), Some(since), None) = (
            words.next(),
            words.next(),
            words.next(),
            words.next(),
            words.next(),
        ) else {
            return None;
        };
        Some(Self {
            pid: pid.parse().ok()?,
            since: Timestamp::parse(since).ok()?,
        })
    }
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {} started {}", self.pid, self.since)
    }
}

/// How often in a row [`LockFile::acquire`] reopens a lock file that was deleted under it before
/// giving up (each time means another process took and released the lock meanwhile).
const MAX_REPLACED: u32 = 1000;

/// A lock file's holder record is a line; anything longer is not one.
const MAX_HOLDER_BYTES: u64 = 128;

/// What a lock file beside an entry serialises.
#[derive(Debug, Clone, Copy)]
enum LockKind {
    /// Replacing the entry (a refresh, a fetch): `<entry>.lock`.
    Update,
    /// A sign-in that will write the entry: `<entry>.login.lock`.
    SignIn,
}

impl LockKind {
    fn suffix(self) -> &'static str {
        match self {
            Self::Update => ".lock",
            Self::SignIn => ".login.lock",
        }
    }
}

/// The lock file of kind `kind` beside `entry` (`<dir>/<key>.json`).
fn lock_path(entry: &Path, kind: LockKind) -> PathBuf {
    let mut name = entry.file_name().unwrap_or_default().to_os_string();
    name.push(kind.suffix());
    entry.with_file_name(name)
}

/// A held advisory lock on a lock file; see the module documentation for the protocol.
#[derive(Debug)]
struct LockFile {
    file: File,
    path: PathBuf,
}

impl LockFile {
    /// Takes the lock at `path` ([`file::lock_within`]), waiting for at most `timeout`.
    fn acquire(path: PathBuf, timeout: Duration) -> Result<Self, CacheError> {
        let mut replaced = 0;
        loop {
            let file = file::open_lock_file(&path)
                .map_err(|e| CacheError::io("create the lock file", &path, e))?;
            match file::lock_within(&file, timeout) {
                Ok(()) if names_file(&path, &file) => return Ok(Self { file, path }),
                // The previous holder deleted the file after this process opened it: the
                // lock that counts is on the file the path names now.
                Ok(()) if replaced < MAX_REPLACED => replaced += 1,
                Ok(()) => {
                    let reason = std::io::Error::other("the lock file keeps being replaced");
                    return Err(CacheError::io("lock", &path, reason));
                }
                Err(LockFailure::TimedOut(waited)) => {
                    return Err(CacheError::LockTimeout { path, waited });
                }
                Err(LockFailure::Io(e)) => return Err(CacheError::io("lock", &path, e)),
            }
        }
    }

    /// Replaces the file's content with `text` (best effort: it is only a hint for others).
    fn record(&self, text: &str) {
        let mut file = &self.file;
        // On failure waiters show a message without the holder; the lock still works.
        let _ = file
            .set_len(0)
            .and_then(|()| std::io::Seek::rewind(&mut file))
            .and_then(|()| file.write_all(format!("{text}\n").as_bytes()));
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        // Deleted while still locked, so that nobody can lock this file and take it for the
        // current one; the lock itself goes when `file` is closed right after.
        if cfg!(unix) && names_file(&self.path, &self.file) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Whether `path` still names the open `file` (Unix: same device and inode). Elsewhere lock
/// files are never deleted, so it always does.
#[cfg(unix)]
fn names_file(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (fs::metadata(path), file.metadata()) {
        (Ok(named), Ok(open)) => named.dev() == open.dev() && named.ino() == open.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn names_file(_path: &Path, _file: &File) -> bool {
    true
}

/// Deletes the lock file at `path` if nobody holds it: takes it, then deletes it (on Unix the
/// release does that). Returns whether it was deleted.
fn remove_lock_file(path: &Path) -> bool {
    if fs::symlink_metadata(path).is_err() {
        return false;
    }
    match LockFile::acquire(path.to_owned(), Duration::ZERO) {
        Ok(lock) => {
            drop(lock);
            if cfg!(unix) {
                true
            } else {
                fs::remove_file(path).is_ok()
            }
        }
        Err(_) => false,
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
