//! Where the config and credentials files are and which profile is selected, computed from an
//! environment given as data (the cross-SDK `file-location-tests.json` rules).
//!
//! Nothing here reads the process environment or the filesystem: the caller passes a map (for
//! example built from `std::env::vars()`) and the platform, and gets paths back as strings in that
//! platform's syntax. `$VAR` expansion inside `AWS_CONFIG_FILE`, which Python's CLI performs, is not
//! done (the SDKs do not do it either).

use std::collections::{BTreeMap, HashMap};

/// Read access to environment variables.
pub trait Environment {
    /// The value of variable `name`, if set.
    fn var(&self, name: &str) -> Option<&str>;
}

impl Environment for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Environment for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Environment for [(&str, &str)] {
    fn var(&self, name: &str) -> Option<&str> {
        self.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

/// The operating-system family whose path rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Linux, macOS and other Unix systems: `/` separators, home from `HOME`.
    Unix,
    /// Windows: `\` separators, home from `HOME`, `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`.
    Windows,
}

impl Platform {
    /// The platform this program was compiled for.
    pub fn current() -> Self {
        if cfg!(windows) {
            Self::Windows
        } else {
            Self::Unix
        }
    }

    fn separator(self) -> char {
        match self {
            Self::Unix => '/',
            Self::Windows => '\\',
        }
    }
}

/// The two shared files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocations {
    /// `AWS_CONFIG_FILE`, else `~/.aws/config`.
    pub config: String,
    /// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
    pub credentials: String,
}

/// Why the file locations could not be worked out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LocationError {
    /// A path needs the home directory but no variable gives it.
    #[error(
        "could not find the home directory for {path}: set HOME (or USERPROFILE on Windows), or set {variable} to a full path"
    )]
    NoHome {
        /// The path that needed it (`~/.aws/config`, or the variable's value).
        path: String,
        /// The variable that would avoid the need.
        variable: &'static str,
    },
}

/// The home directory: `HOME` first on every platform, then on Windows `USERPROFILE`, then
/// `HOMEDRIVE` + `HOMEPATH`.
pub fn home_dir(env: &(impl Environment + ?Sized), platform: Platform) -> Option<String> {
    let non_empty = |name| env.var(name).filter(|v| !v.is_empty());
    if let Some(home) = non_empty("HOME") {
        return Some(home.to_owned());
    }
    if platform == Platform::Windows {
        if let Some(profile) = non_empty("USERPROFILE") {
            return Some(profile.to_owned());
        }
        if let (Some(drive), Some(path)) = (non_empty("HOMEDRIVE"), non_empty("HOMEPATH")) {
            return Some(format!("{drive}{path}"));
        }
    }
    None
}

/// Where the config and credentials files are.
pub fn file_locations(
    env: &(impl Environment + ?Sized),
    platform: Platform,
) -> Result<FileLocations, LocationError> {
    let home = home_dir(env, platform);
    let sep = platform.separator();
    let locate = |variable: &'static str, file: &str| -> Result<String, LocationError> {
        let path = match env.var(variable).filter(|v| !v.is_empty()) {
            Some(path) => path.to_owned(),
            None => format!("~{sep}.aws{sep}{file}"),
        };
        expand_tilde(&path, home.as_deref(), platform).ok_or(LocationError::NoHome {
            path: path.clone(),
            variable,
        })
    };
    Ok(FileLocations {
        config: locate("AWS_CONFIG_FILE", "config")?,
        credentials: locate("AWS_SHARED_CREDENTIALS_FILE", "credentials")?,
    })
}

/// Replaces a leading `~` followed by a separator (`/`, or also `\` on Windows) or ending the
/// path with the home directory; other paths are returned unchanged. `None` if the home is needed
/// but unknown.
pub fn expand_tilde(path: &str, home: Option<&str>, platform: Platform) -> Option<String> {
    let Some(rest) = path.strip_prefix('~') else {
        return Some(path.to_owned());
    };
    let separated = rest.is_empty()
        || rest.starts_with('/')
        || (platform == Platform::Windows && rest.starts_with('\\'));
    if !separated {
        return Some(path.to_owned());
    }
    let home = home?;
    let home = home.strip_suffix(['/', '\\']).unwrap_or(home);
    Some(format!("{home}{rest}"))
}

/// Where the name of the selected profile came from ([`select_profile`]), as `aws configure
/// list` shows it (`manual`, `env`, or not set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfileSource {
    /// The caller named it (`--profile`).
    Named,
    /// The environment variable it was read from: `AWS_PROFILE` or `AWS_DEFAULT_PROFILE`.
    Env(&'static str),
    /// Nothing selected one: `default`.
    Default,
}

/// The variables that select a profile when none is named, first one first.
const PROFILE_VARIABLES: [&str; 2] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"];

/// The selected profile and where its name came from: `--profile`, else `AWS_PROFILE`, else
/// `AWS_DEFAULT_PROFILE`, else `default` (the AWS CLI v2 order; empty values count as unset).
/// Any other name is taken as it is, as the SDKs take it: one that no file defines is then
/// reported as a missing profile.
pub fn select_profile(
    env: &(impl Environment + ?Sized),
    cli_profile: Option<&str>,
) -> (String, ProfileSource) {
    if let Some(name) = cli_profile.filter(|p| !p.is_empty()) {
        return (name.to_owned(), ProfileSource::Named);
    }
    PROFILE_VARIABLES
        .iter()
        .find_map(|&variable| {
            env.var(variable)
                .filter(|p| !p.is_empty())
                .map(|name| (name.to_owned(), ProfileSource::Env(variable)))
        })
        .unwrap_or_else(|| ("default".to_owned(), ProfileSource::Default))
}

/// The name of the selected profile ([`select_profile`] without where it came from).
pub fn selected_profile(env: &(impl Environment + ?Sized), cli_profile: Option<&str>) -> String {
    select_profile(env, cli_profile).0
}
