//! Writing `~/.aws/config` safely: the new text (from `sso-config`'s edit API, so nothing but the
//! edit changes) replaces the file atomically, keeping its permissions.
//!
//! The text goes to a temporary file in the same directory (created 0600 on Unix, so a config
//! holding secrets is never briefly world-readable), is flushed and fsynced, gets the old file's
//! permissions, and is renamed over the old file; the directory is then fsynced. A reader sees
//! the old file or the new one, never a mix, and a crash leaves one of them. A symlinked config
//! file is written through: the link stays and its target is replaced.
//!
//! [`replace_if_unchanged`] also refuses to write when the file changed since it was read (an
//! editor or another `sso` process), so an edit is never computed from a stale text.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Why the config file could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigWriteError {
    /// An IO step failed; the old file is unchanged.
    #[error("could not write {}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file changed on disk after it was read; nothing was written.
    #[error("{} changed while sso was editing it; nothing was written, run the command again", path.display())]
    ChangedMeanwhile {
        /// The config file.
        path: PathBuf,
    },
}

/// Replaces `path` with `text` atomically (creating it and its directory if needed), provided
/// its current content is still `expected` (`None`: the file must not exist).
pub fn replace_if_unchanged(
    path: &Path,
    expected: Option<&str>,
    text: &str,
) -> Result<(), ConfigWriteError> {
    let current = match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(ConfigWriteError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    if current.as_deref() != expected.map(str::as_bytes) {
        return Err(ConfigWriteError::ChangedMeanwhile {
            path: path.to_path_buf(),
        });
    }
    replace(path, text)
}

/// Replaces `path` with `text` atomically, keeping the file's permissions.
pub fn replace(path: &Path, text: &str) -> Result<(), ConfigWriteError> {
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
    let mut temp = tempfile_in(&dir).map_err(io(&dir))?;
    let result = (|| {
        temp.file.write_all(text.as_bytes())?;
        temp.file.flush()?;
        if let Some(permissions) = permissions {
            temp.file.set_permissions(permissions)?;
        }
        temp.file.sync_all()?;
        std::fs::rename(&temp.path, &path)
    })();
    if let Err(source) = result {
        let _ = std::fs::remove_file(&temp.path);
        return Err(ConfigWriteError::Io { path, source });
    }
    temp.renamed = true;
    sync_dir(&dir);
    Ok(())
}

struct TempFile {
    file: std::fs::File,
    path: PathBuf,
    renamed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn tempfile_in(dir: &Path) -> std::io::Result<TempFile> {
    let mut attempt = 0u32;
    loop {
        let name = format!(
            ".config.sso-{}-{}-{attempt}.tmp",
            std::process::id(),
            fastrand::u32(..)
        );
        let path = dir.join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(file) => {
                return Ok(TempFile {
                    file,
                    path,
                    renamed: false,
                });
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
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

    #[test]
    fn replaces_atomically_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "[default]\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        replace_if_unchanged(&path, Some("[default]\n"), "[default]\nregion = x\n").unwrap();
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
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[test]
    fn refuses_when_the_file_changed_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "edited by hand\n").unwrap();
        let error = replace_if_unchanged(&path, Some("old\n"), "new\n").unwrap_err();
        assert!(matches!(error, ConfigWriteError::ChangedMeanwhile { .. }));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited by hand\n");
        let error = replace_if_unchanged(&path, None, "new\n").unwrap_err();
        assert!(matches!(error, ConfigWriteError::ChangedMeanwhile { .. }));
    }

    #[test]
    fn creates_a_missing_file_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".aws").join("config");
        replace_if_unchanged(&path, None, "[default]\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[default]\n");
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real-config");
        let link = dir.path().join("config");
        std::fs::write(&real, "a\n").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        replace(&link, "b\n").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "b\n");
    }
}
