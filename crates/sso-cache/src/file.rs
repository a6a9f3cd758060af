//! The file primitives every file `sso` reads or replaces goes through: the caches here, and
//! `~/.aws/config` and `~/.aws/credentials` in the driver.
//!
//! - [`read_regular`]: reads a regular file of at most a given size. Devices, pipes, sockets and
//!   directories are refused before a byte is read (`AWS_CONFIG_FILE=/dev/zero` is an error,
//!   not an endless read), and a file over the limit is refused instead of read into memory.
//! - [`TempFile`]: the temporary file of an atomic replace. Its name is
//!   `.<target>.<pid>.<n>` + [`TEMP_SUFFIX`], recognisable by [`is_temp_name`]; it is created
//!   with `O_CREAT|O_EXCL` and mode 0600 before any byte is written, so a secret never sits in
//!   a wider file, and it is deleted when dropped unless it was renamed over its target.
//! - [`remove_stale_temps`]: a writer killed between creating and renaming its temporary file
//!   (`kill -9`, a power cut) leaves it behind, possibly holding tokens. Every writer removes
//!   the temporary files in its directory that are older than [`STALE_TEMP_AGE`] (a live
//!   writer finishes within milliseconds), and so does `logout`. Age is measured against the
//!   writer's own new temporary file, so this crate still never reads the clock.
//! - [`lock_within`]: an advisory lock (`flock` on Unix, `LockFileEx` on Windows, through std's
//!   `File::lock`), polled until a timeout.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Read as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use zeroize::Zeroizing;

/// How every temporary file of an atomic replace ends; see [`is_temp_name`].
pub const TEMP_SUFFIX: &str = ".sso-tmp";

/// A temporary file older than this belongs to a writer that died: no live writer keeps one
/// for more than a moment.
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(60);

/// Why [`read_regular`] refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadFileError {
    /// The path is a device, pipe, socket or directory.
    #[error("{} is not a regular file (a device, pipe or directory); sso reads only regular files", path.display())]
    NotRegular {
        /// The path.
        path: PathBuf,
    },
    /// The file is larger than the limit for its kind.
    #[error("{} is larger than {limit} bytes, too large to be a file sso reads", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The operating system refused to read it.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
}

impl ReadFileError {
    /// The file the error is about.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            Self::NotRegular { path } | Self::TooLarge { path, .. } | Self::Io { path, .. } => path,
        }
    }

    /// The error as an [`std::io::Error`] (without the path), for callers whose error type
    /// names the path itself.
    #[must_use]
    pub fn into_io_error(self) -> std::io::Error {
        match self {
            Self::Io { source, .. } => source,
            Self::NotRegular { .. } => std::io::Error::new(
                ErrorKind::InvalidInput,
                "not a regular file (a device, pipe or directory); sso reads only regular files",
            ),
            Self::TooLarge { limit, .. } => std::io::Error::new(
                ErrorKind::InvalidData,
                format!("larger than {limit} bytes, too large to be a file sso reads"),
            ),
        }
    }
}

/// The bytes of the regular file at `path` (symlinks followed), or `None` if it does not exist.
///
/// # Errors
///
/// [`ReadFileError::NotRegular`] for anything but a regular file (checked before opening, so a
/// FIFO is never opened, and again on the opened file), [`ReadFileError::TooLarge`] for a file
/// of more than `limit` bytes (at most `limit + 1` bytes are ever read), and
/// [`ReadFileError::Io`].
pub fn read_regular(path: &Path, limit: u64) -> Result<Option<Zeroizing<Vec<u8>>>, ReadFileError> {
    let io = |source| ReadFileError::Io {
        path: path.to_owned(),
        source,
    };
    let not_regular = || ReadFileError::NotRegular {
        path: path.to_owned(),
    };
    match fs::metadata(path) {
        Ok(metadata) if !metadata.is_file() => return Err(not_regular()),
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    }
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    // The path may have been swapped between the check and the open.
    let metadata = file.metadata().map_err(io)?;
    if !metadata.is_file() {
        return Err(not_regular());
    }
    if metadata.len() > limit {
        return Err(ReadFileError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    let capacity = usize::try_from(metadata.len())
        .unwrap_or(0)
        .saturating_add(1);
    let mut bytes = Zeroizing::new(Vec::with_capacity(capacity));
    // The file may grow while it is read: never take more than the limit and one byte.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadFileError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    Ok(Some(bytes))
}

/// Whether `name` is the name of a [`TempFile`]: `.<target>.<pid>.<n>` + [`TEMP_SUFFIX`].
#[must_use]
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.len() > TEMP_SUFFIX.len() + 1 && name.ends_with(TEMP_SUFFIX)
}

/// The temporary file of an atomic replace of a file in the same directory; deleted on drop
/// unless [`TempFile::rename_to`] moved it over its target.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    file: File,
    renamed: bool,
}

/// Temporary-file names must be unique among this process's concurrent writers.
static TEMP_COUNTER: AtomicU32 = AtomicU32::new(0);

impl TempFile {
    /// Creates `.<target_name>.<pid>.<n>.sso-tmp` in `dir`, mode 0600 on Unix, with
    /// `O_CREAT|O_EXCL` (a name left by a dead process with the same pid is skipped).
    ///
    /// # Errors
    ///
    /// The OS error of the last attempt.
    pub fn create(dir: &Path, target_name: &str) -> std::io::Result<Self> {
        let pid = std::process::id();
        let mut last_error = None;
        for _ in 0..64 {
            let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(".{target_name}.{pid}.{n}{TEMP_SUFFIX}"));
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(&path) {
                Ok(file) => {
                    return Ok(Self {
                        path,
                        file,
                        renamed: false,
                    });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| ErrorKind::AlreadyExists.into()))
    }

    /// The temporary file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open file, for writing.
    pub fn file_mut(&mut self) -> &mut File {
        &mut self.file
    }

    /// Renames the file over `target` (same directory), consuming it. Returns the temporary
    /// file's modification time, the "now" a writer measures stale temporary files against
    /// (`None` if the filesystem keeps none).
    ///
    /// # Errors
    ///
    /// The OS error of the rename; the temporary file is then deleted.
    pub fn rename_to(mut self, target: &Path) -> std::io::Result<Option<SystemTime>> {
        let written_at = self.file.metadata().and_then(|m| m.modified()).ok();
        fs::rename(&self.path, target)?;
        self.renamed = true;
        Ok(written_at)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.renamed {
            // Best effort: the file is ours and useless now.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Deletes the temporary files ([`is_temp_name`]) in `dir` last modified more than
/// [`STALE_TEMP_AGE`] before `now`; returns how many. A missing directory has none; files that
/// vanish meanwhile (another cleaner) are skipped.
///
/// # Errors
///
/// The OS error of listing the directory or deleting a file.
pub fn remove_stale_temps(dir: &Path, now: SystemTime) -> std::io::Result<usize> {
    let Some(cutoff) = now.checked_sub(STALE_TEMP_AGE) else {
        return Ok(0);
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        if !entry.file_name().to_str().is_some_and(is_temp_name) {
            continue;
        }
        // Not following symlinks: only our own regular files are candidates.
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        let stale = metadata.is_file() && metadata.modified().is_ok_and(|at| at < cutoff);
        if !stale {
            continue;
        }
        match fs::remove_file(entry.path()) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

/// Why [`lock_within`] did not get the lock.
#[derive(Debug)]
#[non_exhaustive]
pub enum LockFailure {
    /// Another holder kept it for the whole timeout (the time waited).
    TimedOut(Duration),
    /// The OS refused to lock the file.
    Io(std::io::Error),
}

/// Opens (creating, 0600 on Unix) the lock file at `path`; the file is never deleted, since
/// deleting it would let two processes lock different files.
///
/// # Errors
///
/// The OS error.
pub fn open_lock_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Takes the exclusive advisory lock of `file`, retrying every few milliseconds for at most
/// `timeout` (counting sleeps, so no clock is read). The lock lasts until the file is closed.
///
/// # Errors
///
/// [`LockFailure::TimedOut`] or [`LockFailure::Io`].
pub fn lock_within(file: &File, timeout: Duration) -> Result<(), LockFailure> {
    let mut waited = Duration::ZERO;
    let mut pause = Duration::from_millis(1);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) if waited < timeout => {
                let step = pause.min(timeout - waited);
                std::thread::sleep(step);
                waited += step;
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(TryLockError::WouldBlock) => return Err(LockFailure::TimedOut(waited)),
            Err(TryLockError::Error(e)) => return Err(LockFailure::Io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age(path: &Path, by: Duration) {
        let file = File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - by).unwrap();
    }

    #[test]
    fn refuses_devices_and_directories_and_large_files() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_regular(dir.path(), 10).unwrap_err();
        assert!(matches!(error, ReadFileError::NotRegular { .. }), "{error}");
        #[cfg(unix)]
        {
            let error = read_regular(Path::new("/dev/zero"), 10).unwrap_err();
            assert!(matches!(error, ReadFileError::NotRegular { .. }), "{error}");
            assert!(error.to_string().contains("/dev/zero"), "{error}");
        }
        let big = dir.path().join("big");
        fs::write(&big, [b'x'; 11]).unwrap();
        let error = read_regular(&big, 10).unwrap_err();
        assert!(
            matches!(error, ReadFileError::TooLarge { limit: 10, .. }),
            "{error}"
        );
        fs::write(&big, [b'x'; 10]).unwrap();
        assert_eq!(read_regular(&big, 10).unwrap().unwrap().len(), 10);
        assert!(
            read_regular(&dir.path().join("none"), 10)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn temp_files_are_recognised_private_and_removed_unless_renamed() {
        let dir = tempfile::tempdir().unwrap();
        let temp = TempFile::create(dir.path(), "config").unwrap();
        let name = temp
            .path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(is_temp_name(&name), "{name}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(temp.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let path = temp.path().to_owned();
        drop(temp);
        assert!(!path.exists());
        for other in ["config", ".config", "a.json", ".a.json.lock", "x.sso-tmp"] {
            assert!(!is_temp_name(other), "{other}");
        }
    }

    #[test]
    fn only_stale_temp_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".a.json.1.0.sso-tmp");
        let fresh = dir.path().join(".a.json.2.0.sso-tmp");
        let old_entry = dir.path().join("a.json");
        for path in [&stale, &fresh, &old_entry] {
            fs::write(path, "secret").unwrap();
        }
        age(&stale, Duration::from_secs(120));
        age(&old_entry, Duration::from_secs(120));
        assert_eq!(
            remove_stale_temps(dir.path(), SystemTime::now()).unwrap(),
            1
        );
        assert!(!stale.exists());
        assert!(fresh.exists());
        assert!(old_entry.exists());
        assert_eq!(
            remove_stale_temps(&dir.path().join("missing"), SystemTime::now()).unwrap(),
            0
        );
    }

    #[test]
    fn a_held_lock_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = open_lock_file(&path).unwrap();
        lock_within(&held, Duration::ZERO).unwrap();
        let other = open_lock_file(&path).unwrap();
        let failure = lock_within(&other, Duration::from_millis(30)).unwrap_err();
        assert!(
            matches!(failure, LockFailure::TimedOut(waited) if waited >= Duration::from_millis(30))
        );
        drop(held);
        lock_within(&other, Duration::ZERO).unwrap();
    }
}
