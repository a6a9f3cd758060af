//! Reading and editing `~/.aws/config` and `~/.aws/credentials` safely.
//!
//! Reads go through [`read`]: regular files of at most [`MAX_FILE_BYTES`] only, so
//! `AWS_CONFIG_FILE=/dev/zero` is a clear error instead of an endless read.
//!
//! Every write is an [`edit`]: "apply this edit to the file as it is now". It takes a
//! cross-process lock on `<file>.lock` beside the file (one reusable, empty lock file per
//! edited file, never deleted), reads the file again under the lock, hands its text to the
//! edit, and replaces the file with the edit's result before releasing the lock. So N processes
//! editing different profiles at once leave all N edits, and an edit is never computed from a
//! stale text. An edit that finds what it depends on changed meanwhile (a profile the user saw
//! before answering the wizard's questions) returns [`Refusal::Conflict`]: nothing is written
//! and the caller reports it. A file the user cannot write (mode 0444, say) is refused with
//! [`ConfigWriteError::ReadOnly`] before the edit runs, also for root.
//!
//! The replace is atomic: the text goes to a temporary file in the same directory (created 0600
//! before any byte is written, named so that the next writer removes it if this one is killed;
//! see [`sso_cache::file`]), is flushed and fsynced, gets the old file's permissions, and is
//! renamed over the old file; the directory is then fsynced. A reader sees the old file or the
//! new one, never a mix, and a crash leaves one of them. A symlinked file is written through:
//! the link stays and its target is replaced.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sso_cache::file::{self as files, LockFailure, ReadFileError, TempFile};
use sso_config::{FileKind, ProfileSet, SectionKind};

/// The largest config or credentials file read: 4 MiB, hundreds of times the size of a config
/// with a profile for every role of a large organisation.
pub(crate) const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// How long an edit waits for another process's edit of the same file.
pub(crate) const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a config or credentials file could not be edited. Nothing was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigWriteError {
    /// An IO step failed; the file is unchanged.
    #[error("could not write {}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file could not be read (not a regular file, too large, or an OS error).
    #[error(transparent)]
    Read(#[from] ReadFileError),
    /// The file is not UTF-8 text, so it cannot be edited without damaging it.
    #[error("{} is not valid UTF-8 text; fix or re-save it as UTF-8", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The user cannot write the file (no write permission, or it is marked read-only).
    #[error("{} is read-only; sso does not replace a file you cannot write", path.display())]
    ReadOnly {
        /// The file.
        path: PathBuf,
    },
    /// Another process kept the file's lock for the lock timeout (10 s).
    #[error("timed out after {} s waiting for another process editing {} (lock file {})", waited.as_secs(), path.display(), lock.display())]
    LockTimeout {
        /// The file.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// How long this process waited.
        waited: Duration,
    },
    /// What the edit depends on changed since it was read (another process or an editor).
    #[error("{} changed while sso was editing it ({detail}); nothing was written", path.display())]
    Conflict {
        /// The file.
        path: PathBuf,
        /// What changed, e.g. ``profile `dev` ``.
        detail: String,
    },
}

/// Why an edit closure declined to produce a new text.
#[derive(Debug)]
pub(crate) enum Refusal<E> {
    /// What the edit depends on changed since the caller read it; the detail names it.
    Conflict(String),
    /// The edit itself failed (a value the format cannot hold, say).
    Invalid(E),
}

/// A changed section found by [`unchanged_since`]: what changed, e.g. ``profile `dev` ``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conflict(pub String);

impl<E> From<Conflict> for Refusal<E> {
    fn from(conflict: Conflict) -> Self {
        Self::Conflict(conflict.0)
    }
}

/// Why [`edit`] did not apply the edit. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EditFailed<E> {
    /// Reading, locking or writing the file failed, or the edit conflicted.
    #[error(transparent)]
    Write(#[from] ConfigWriteError),
    /// The edit closure's own error.
    #[error("{0}")]
    Invalid(E),
}

/// What [`edit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The edit left the text as it was; the file was not touched.
    Unchanged,
    /// The file was replaced with the edited text.
    Written,
}

/// The text of the config or credentials file at `path`, or `None` if it does not exist.
///
/// # Errors
///
/// [`ConfigWriteError::Read`] for a non-regular, too large or unreadable file,
/// [`ConfigWriteError::NotUtf8`].
pub(crate) fn read(path: &Path) -> Result<Option<String>, ConfigWriteError> {
    let Some(bytes) = files::read_regular(path, MAX_FILE_BYTES)? else {
        return Ok(None);
    };
    String::from_utf8(bytes.to_vec())
        .map(Some)
        .map_err(|_| ConfigWriteError::NotUtf8 {
            path: path.to_path_buf(),
        })
}

/// Applies `edit` to the file at `path` as it is now, under the file's cross-process lock, and
/// replaces the file with the result (creating it and its directory if needed). `edit` gets the
/// current text (empty for a missing file) and returns the new text, or a [`Refusal`].
///
/// # Errors
///
/// [`EditFailed::Invalid`] with the edit's error; [`EditFailed::Write`] for a conflict
/// ([`ConfigWriteError::Conflict`]), a read-only file, a lock timeout, or a failed read or
/// write. In every error case the file is unchanged.
pub(crate) fn edit<E>(
    path: &Path,
    edit: impl FnOnce(&str) -> Result<String, Refusal<E>>,
) -> Result<Outcome, EditFailed<E>> {
    let _lock = lock(path)?;
    let current = read(path)?;
    if current.is_some() {
        check_writable(path)?;
    }
    let original = current.as_deref().unwrap_or_default();
    let text = match edit(original) {
        Ok(text) => text,
        Err(Refusal::Conflict(detail)) => {
            return Err(ConfigWriteError::Conflict {
                path: path.to_path_buf(),
                detail,
            }
            .into());
        }
        Err(Refusal::Invalid(error)) => return Err(EditFailed::Invalid(error)),
    };
    if text == original {
        return Ok(Outcome::Unchanged);
    }
    replace(path, &text)?;
    Ok(Outcome::Written)
}

/// The edit-closure check of a wizard: a [`Conflict`] when one of
/// `sections` has different values in `current` than in `seen` (the text the user's answers
/// were based on), unless the edited text `edited` gives it the values it has now anyway (two
/// processes writing the same thing do not conflict). Values are compared, not bytes: an
/// edit elsewhere in the file that shifts the section is not a conflict.
///
/// # Errors
///
/// The [`Conflict`] naming the first changed section (`?` turns it into
/// [`Refusal::Conflict`]).
pub(crate) fn unchanged_since(
    seen: &str,
    current: &str,
    edited: &str,
    kind: FileKind,
    sections: &[SectionKind],
) -> Result<(), Conflict> {
    let parse = |text: &str| {
        let document = sso_config::Document::parse(text);
        match kind {
            FileKind::Config => ProfileSet::from_documents(Some(("", &document)), None),
            FileKind::Credentials => ProfileSet::from_documents(None, Some(("", &document))),
        }
    };
    let (seen, current, edited) = (parse(seen), parse(current), parse(edited));
    for section in sections {
        let values = |set: &ProfileSet| section_values(set, section);
        let now = values(&current);
        if values(&seen) != now && values(&edited) != now {
            return Err(Conflict(describe(section)));
        }
    }
    Ok(())
}

/// The key/value pairs of the section `kind` names, in order; `None` when there is none.
fn section_values(set: &ProfileSet, kind: &SectionKind) -> Option<Vec<(String, String)>> {
    let properties = match kind {
        SectionKind::Default => set.profile("default"),
        SectionKind::Profile(name) => set.profile(name),
        SectionKind::SsoSession(name) => set.sso_session(name),
        SectionKind::Services(name) => set.services(name),
        _ => None,
    }?;
    Some(
        properties
            .iter()
            .map(|(key, value)| (key.to_owned(), value.as_str().to_owned()))
            .collect(),
    )
}

fn describe(kind: &SectionKind) -> String {
    match kind {
        SectionKind::Default => "profile `default`".to_owned(),
        SectionKind::Profile(name) => format!("profile `{name}`"),
        SectionKind::SsoSession(name) => format!("sso-session `{name}`"),
        SectionKind::Services(name) => format!("services `{name}`"),
        other => format!("section [{}]", other.header_text()),
    }
}

/// `<file>.lock` beside `path` (beside a symlink, not its target).
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Takes the cross-process lock of `path`, creating its directory and lock file if needed.
fn lock(path: &Path) -> Result<std::fs::File, ConfigWriteError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ConfigWriteError::Io { path, source }
    };
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let lock = lock_path(path);
    let file = files::open_lock_file(&lock).map_err(io(&lock))?;
    match files::lock_within(&file, LOCK_TIMEOUT) {
        Ok(()) => Ok(file),
        Err(LockFailure::TimedOut(waited)) => Err(ConfigWriteError::LockTimeout {
            path: path.to_path_buf(),
            lock,
            waited,
        }),
        Err(LockFailure::Io(source)) => Err(ConfigWriteError::Io { path: lock, source }),
        Err(_) => Err(ConfigWriteError::Io {
            path: lock,
            source: std::io::Error::other("the lock could not be taken"),
        }),
    }
}

/// Refuses a file without write permission: marked read-only (no write bit for anyone, which
/// also stops root), or one this user cannot open for writing. Opening does not modify it.
fn check_writable(path: &Path) -> Result<(), ConfigWriteError> {
    let read_only = || ConfigWriteError::ReadOnly {
        path: path.to_path_buf(),
    };
    let metadata = std::fs::metadata(path).map_err(|source| ConfigWriteError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if metadata.permissions().readonly() {
        return Err(read_only());
    }
    match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => Err(read_only()),
        Err(source) => Err(ConfigWriteError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Replaces `path` with `text` atomically, keeping the file's permissions, then removes stale
/// temporary files of killed writers in the directory.
fn replace(path: &Path, text: &str) -> Result<(), ConfigWriteError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ConfigWriteError::Io { path, source }
    };
    // Write through a symlink: replace its target, keep the link.
    let path = match std::fs::canonicalize(path) {
        Ok(resolved) => resolved,
        Err(_) => path.to_path_buf(),
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let permissions = std::fs::metadata(&path).ok().map(|m| m.permissions());
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("config");
    let mut temp = TempFile::create(&dir, name).map_err(io(&dir))?;
    let file = temp.file_mut();
    let written = (|| {
        file.write_all(text.as_bytes())?;
        file.flush()?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        file.sync_all()
    })();
    written.map_err(io(&path))?;
    let written_at = temp.rename_to(&path).map_err(io(&path))?;
    if let Some(now) = written_at {
        let _ = files::remove_stale_temps(&dir, now);
    }
    sync_dir(&dir);
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    type Edit = Result<String, Refusal<&'static str>>;

    fn append(line: &'static str) -> impl FnOnce(&str) -> Edit {
        move |text| Ok(format!("{text}{line}"))
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn edits_atomically_keeping_permissions_and_one_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "[default]\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        let outcome = edit(&path, append("region = x\n")).unwrap();
        assert_eq!(outcome, Outcome::Written);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[default]\nregion = x\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        assert_eq!(edit(&path, append("")).unwrap(), Outcome::Unchanged);
        assert_eq!(names(dir.path()), ["config", "config.lock"]);
    }

    #[test]
    fn the_edit_sees_the_text_as_it_is_under_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "a\n").unwrap();
        // Each edit is applied to what the previous one left, from many threads at once.
        std::thread::scope(|scope| {
            for n in 0..16 {
                let path = &path;
                scope.spawn(move || {
                    edit(path, |text: &str| Edit::Ok(format!("{text}{n}\n"))).unwrap()
                });
            }
        });
        let text = std::fs::read_to_string(&path).unwrap();
        for n in 0..16 {
            assert!(text.lines().any(|l| l == n.to_string()), "{n} lost: {text}");
        }
    }

    #[test]
    fn a_conflict_or_an_invalid_edit_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let seen = "[profile dev]\nregion = a\n";
        std::fs::write(&path, "# another process\n[profile dev]\nregion = b\n").unwrap();
        let failed = edit(&path, |current: &str| -> Edit {
            let edited = format!("{current}output = json\n");
            unchanged_since(
                seen,
                current,
                &edited,
                FileKind::Config,
                &[SectionKind::Profile("dev".into())],
            )?;
            Ok(edited)
        })
        .unwrap_err();
        assert!(
            matches!(&failed, EditFailed::Write(ConfigWriteError::Conflict { detail, .. }) if detail == "profile `dev`"),
            "{failed}"
        );
        let failed = edit(&path, |_: &str| Err(Refusal::Invalid("bad value"))).unwrap_err();
        assert!(matches!(failed, EditFailed::Invalid("bad value")));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# another process\n[profile dev]\nregion = b\n"
        );
    }

    #[test]
    fn a_change_elsewhere_or_to_the_same_values_is_no_conflict() {
        let dev = [SectionKind::Profile("dev".into())];
        let seen = "[profile dev]\nregion = a\n";
        let moved = "[profile other]\nx = 1\n\n[profile dev]\nregion = a\n";
        assert!(unchanged_since(seen, moved, moved, FileKind::Config, &dev).is_ok());
        // Another process already wrote what this one writes.
        let same = "[profile dev]\nregion = c\n";
        assert!(unchanged_since(seen, same, same, FileKind::Config, &dev).is_ok());
        // A new section created meanwhile with other values conflicts.
        let created = "[profile dev]\nregion = c\n";
        assert!(
            unchanged_since(
                "",
                created,
                "[profile dev]\nregion = d\n",
                FileKind::Config,
                &dev
            )
            .is_err()
        );
    }

    #[test]
    fn a_read_only_file_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "[default]\n").unwrap();
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&path, permissions).unwrap();
        let failed = edit(&path, append("region = x\n")).unwrap_err();
        assert!(
            matches!(failed, EditFailed::Write(ConfigWriteError::ReadOnly { .. })),
            "{failed}"
        );
        assert!(failed.to_string().contains("read-only"), "{failed}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[default]\n");
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_oversized_files_are_refused() {
        let error = read(Path::new("/dev/zero")).unwrap_err();
        assert!(error.to_string().contains("/dev/zero"), "{error}");
        assert!(error.to_string().contains("not a regular file"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("config");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let error = read(&big).unwrap_err();
        assert!(
            matches!(
                error,
                ConfigWriteError::Read(ReadFileError::TooLarge { .. })
            ),
            "{error}"
        );
        let failed = edit(&big, append("x")).unwrap_err();
        assert!(
            matches!(failed, EditFailed::Write(ConfigWriteError::Read(_))),
            "{failed}"
        );
    }

    #[test]
    fn creates_a_missing_file_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".aws").join("config");
        edit(&path, append("[default]\n")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[default]\n");
    }

    #[test]
    fn a_killed_writers_stale_temporary_file_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        let stale = dir.path().join(".credentials.1.0.sso-tmp");
        let fresh = dir.path().join(".credentials.2.0.sso-tmp");
        for leftover in [&stale, &fresh] {
            std::fs::write(leftover, "aws_secret_access_key = x\n").unwrap();
        }
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - Duration::from_secs(300))
            .unwrap();
        edit(&path, append("[dev]\n")).unwrap();
        assert!(!stale.exists());
        assert!(fresh.exists());
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real-config");
        let link = dir.path().join("config");
        std::fs::write(&real, "a\n").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        edit(&link, |_: &str| Edit::Ok("b\n".to_owned())).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "b\n");
    }
}
