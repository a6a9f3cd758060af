//! The config questions users ask, as the AWS CLI answers them: `configure list-profiles`,
//! `configure get`, `configure set` and `configure list`, plus writing a profile's credentials
//! into a `[NAME]` section of the credentials file (`export-credentials --credentials-file`).
//!
//! The rules are the AWS CLI's (`awscli/customizations/configure/{listprofiles,get,set,list}.py`
//! over botocore's `Session.full_config`):
//!
//! - **Profile names** ([`profile_names`]): the config file's `[default]` and `[profile NAME]`
//!   sections in file order, then the credentials file's sections (named as written, prefix
//!   and all), each name once, at its first place.
//! - **Key paths** ([`KeyPath`]): `KEY` is a key of the current profile; `KEY.SUB` a
//!   sub-property (`s3.max_concurrency`); `default.KEY` and `profile.NAME.KEY` name the profile;
//!   for `get` only, `NAME.KEY` names an existing profile.
//! - **Writes** ([`set_value`], [`write_credentials`]): `aws_access_key_id`,
//!   `aws_secret_access_key` and `aws_session_token` go to the credentials file (`[NAME]`),
//!   everything else to the config file (`[profile NAME]`, `[default]`, `[sso-session NAME]`).
//!   Every write is an edit of the parsed [`Document`] (nothing but the edited lines change),
//!   run under the file's cross-process lock on its current text ([`crate::config_file::edit`]). A credentials file is created 0600 and
//!   kept 0600 after a write of keys.

use std::path::{Path, PathBuf};

use sso_config::{Document, EditError, FileKind, SectionKind};

use crate::config_file::{self, ConfigWriteError, EditFailed, Refusal};
use crate::context::{AwsContext, ProfileSource};
use crate::credentials::Credentials;

/// The keys that `configure set` writes to the credentials file instead of the config file.
pub(crate) const CREDENTIALS_FILE_KEYS: [&str; 3] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

/// Why a setting could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The key path is empty or has an empty part.
    #[error("`{path}` is not a key: use KEY, KEY.SUBKEY, default.KEY or profile.NAME.KEY")]
    BadKeyPath {
        /// What was given.
        path: String,
    },
    /// The key names a block of sub-properties, not a value (`configure get s3`).
    #[error("`{path}` must reference a value, not a section or sub-section")]
    NotAValue {
        /// What was given.
        path: String,
    },
    /// The edit was refused: the value cannot be written so that it reads back the same.
    #[error("cannot write {}: {source}", path.display())]
    Edit {
        /// The file.
        path: PathBuf,
        /// Why.
        source: EditError,
    },
    /// The file could not be written; it is unchanged.
    #[error(transparent)]
    Write(#[from] ConfigWriteError),
}

/// The profile names `aws configure list-profiles` prints, in its order: the config file's
/// `[default]` and `[profile NAME]` sections in file order, then the credentials file's
/// sections as named there, each once (botocore's `build_profile_map`, then the credentials
/// file merged in).
pub(crate) fn profile_names(config: Option<&str>, credentials: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: String| {
        if !names.contains(&name) {
            names.push(name);
        }
    };
    if let Some(text) = config {
        for section in Document::parse(text).sections() {
            match section.kind {
                SectionKind::Default => add("default".to_owned()),
                SectionKind::Profile(name) if section.valid_name => add(name),
                _ => {}
            }
        }
    }
    if let Some(text) = credentials {
        for section in Document::parse(text).sections() {
            let name = match section.kind {
                SectionKind::Default => "default".to_owned(),
                SectionKind::Unprefixed(name) => name,
                // The credentials file has no prefixes: botocore names the profile after the
                // whole header.
                SectionKind::Profile(name) => format!("profile {name}"),
                SectionKind::SsoSession(name) => format!("sso-session {name}"),
                SectionKind::Services(name) => format!("services {name}"),
                SectionKind::Other { prefix, name } => format!("{prefix} {name}"),
            };
            add(name);
        }
    }
    names
}

/// Which section a setting belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A profile (`[default]` / `[profile NAME]` in the config file, `[NAME]` in the
    /// credentials file).
    Profile(String),
    /// `[sso-session NAME]`.
    SsoSession(String),
}

/// A setting's address: the section, the key and, for a block, the sub-key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPath {
    /// The section.
    pub scope: Scope,
    /// The key, e.g. `region` or `s3`.
    pub key: String,
    /// The sub-key of a block, e.g. `max_concurrency` in `s3.max_concurrency`.
    pub sub_key: Option<String>,
}

impl KeyPath {
    /// Parses a `configure get` / `configure set` key path for the current profile `current`,
    /// or for `session` when `--sso-session` is given. `known_profile` tells whether a name is
    /// a profile (only `get` passes one: `dev.region` then reads profile `dev`).
    ///
    /// # Errors
    ///
    /// [`SettingsError::BadKeyPath`] for an empty key or an empty part.
    pub fn parse(
        path: &str,
        current: &str,
        session: Option<&str>,
        known_profile: &dyn Fn(&str) -> bool,
    ) -> Result<Self, SettingsError> {
        let bad = || SettingsError::BadKeyPath {
            path: path.to_owned(),
        };
        let parts: Vec<&str> = path.split('.').collect();
        if parts.iter().any(|part| part.is_empty()) {
            return Err(bad());
        }
        if let Some(session) = session {
            return match parts.as_slice() {
                [key] => Ok(Self::new(Scope::SsoSession(session.to_owned()), key, None)),
                [key, sub] => Ok(Self::new(
                    Scope::SsoSession(session.to_owned()),
                    key,
                    Some(sub),
                )),
                _ => Err(bad()),
            };
        }
        let (profile, rest) = match parts.as_slice() {
            ["profile", name, rest @ ..] => (*name, rest),
            ["default", rest @ ..] => ("default", rest),
            [name, rest @ ..] if rest.len() == 2 || (rest.len() == 1 && known_profile(name)) => {
                if !known_profile(name) {
                    return Err(bad());
                }
                (*name, rest)
            }
            rest => (current, rest),
        };
        let scope = Scope::Profile(profile.to_owned());
        match rest {
            [key] => Ok(Self::new(scope, key, None)),
            [key, sub] => Ok(Self::new(scope, key, Some(sub))),
            _ => Err(bad()),
        }
    }

    fn new(scope: Scope, key: &str, sub_key: Option<&str>) -> Self {
        Self {
            scope,
            key: key.to_owned(),
            sub_key: sub_key.map(str::to_owned),
        }
    }

    /// Where `configure set` writes this key: the credentials file for the three key names of
    /// `CREDENTIALS_FILE_KEYS` in a profile, else the config file.
    pub fn file(&self) -> FileKind {
        let is_key = CREDENTIALS_FILE_KEYS
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&self.key));
        match self.scope {
            Scope::Profile(_) if is_key && self.sub_key.is_none() => FileKind::Credentials,
            _ => FileKind::Config,
        }
    }

    /// The section this key lives in, in the file of [`KeyPath::file`].
    pub fn section(&self) -> SectionKind {
        match &self.scope {
            Scope::Profile(name) => SectionKind::profile_in(self.file(), name),
            Scope::SsoSession(name) => SectionKind::SsoSession(name.clone()),
        }
    }
}

/// The value of `path` as `aws configure get` prints it: the profile's merged value (the
/// credentials file wins over the config file), or the sso-session's. `Ok(None)` when unset.
///
/// # Errors
///
/// [`SettingsError::NotAValue`] when the key holds sub-properties and no sub-key was given.
pub(crate) fn get_value(aws: &AwsContext, path: &KeyPath) -> Result<Option<String>, SettingsError> {
    let profiles = aws.profiles();
    let properties = match &path.scope {
        Scope::Profile(name) => profiles.profile(name),
        Scope::SsoSession(name) => profiles.sso_session(name),
    };
    let Some(value) = properties.and_then(|p| p.get(&path.key)) else {
        return Ok(None);
    };
    match &path.sub_key {
        Some(sub) => Ok(value.sub_property(sub).map(str::to_owned)),
        None if value.as_str().lines().next().is_none_or(str::is_empty)
            && value.sub_properties().next().is_some() =>
        {
            Err(SettingsError::NotAValue {
                path: path.key.clone(),
            })
        }
        None => Ok(Some(value.as_str().to_owned())),
    }
}

/// The text of a config or credentials file with `path` set to `value`: the smallest edit
/// ([`sso_config::SectionMut::set`] / [`sso_config::SectionMut::set_sub_property`]), adding
/// the section at the end if it is missing.
///
/// # Errors
///
/// The [`EditError`] of a key or value that cannot be written.
pub(crate) fn with_value(text: &str, path: &KeyPath, value: &str) -> Result<String, EditError> {
    let mut document = Document::parse(text);
    let mut section = document.get_or_insert_section(path.section())?;
    match &path.sub_key {
        Some(sub) => section.set_sub_property(&path.key, sub, value)?,
        None => section.set(&path.key, value)?,
    }
    Ok(document.to_string())
}

/// `aws configure set`: writes `value` at `path` into the config file or, for the keys of
/// [`CREDENTIALS_FILE_KEYS`], the credentials file. Returns the file written.
///
/// # Errors
///
/// [`SettingsError`]: the edit refused, the file unreadable, or the write failed (the file is
/// unchanged then).
pub(crate) fn set_value(
    aws: &AwsContext,
    path: &KeyPath,
    value: &str,
) -> Result<PathBuf, SettingsError> {
    let file = match path.file() {
        FileKind::Config => aws.config_path(),
        FileKind::Credentials => aws.credentials_path(),
    };
    edit_file(file, path.file(), |text| with_value(text, path, value))?;
    Ok(file.to_path_buf())
}

/// The text of a credentials file with `credentials` in section `[name]`
/// (`aws_access_key_id`, `aws_secret_access_key`, and `aws_session_token` when there is one; a
/// stale `aws_session_token` is removed for keys without one). Every other line stays.
///
/// # Errors
///
/// The [`EditError`] of a name or value that cannot be written.
pub(crate) fn with_credentials(
    text: &str,
    name: &str,
    credentials: &Credentials,
) -> Result<String, EditError> {
    let mut document = Document::parse(text);
    let mut section =
        document.get_or_insert_section(SectionKind::profile_in(FileKind::Credentials, name))?;
    section.set("aws_access_key_id", &credentials.access_key_id)?;
    section.set(
        "aws_secret_access_key",
        credentials.secret_access_key.expose_secret(),
    )?;
    match &credentials.session_token {
        Some(token) => section.set("aws_session_token", token.expose_secret())?,
        None => {
            section.remove("aws_session_token");
        }
    }
    Ok(document.to_string())
}

/// Writes `credentials` into section `[name]` of the credentials file
/// ([`with_credentials`]), atomically; the file is created 0600 and left 0600. Returns its
/// path.
///
/// # Errors
///
/// [`SettingsError`]; the file is unchanged on error.
pub(crate) fn write_credentials(
    aws: &AwsContext,
    name: &str,
    credentials: &Credentials,
) -> Result<PathBuf, SettingsError> {
    let path = aws.credentials_path();
    edit_file(path, FileKind::Credentials, |text| {
        with_credentials(text, name, credentials)
    })?;
    Ok(path.to_path_buf())
}

/// Applies `edit` to the file's current text under its lock ([`config_file::edit`]); nothing is
/// written when the text is unchanged. A credentials file ends up 0600.
fn edit_file(
    path: &Path,
    kind: FileKind,
    edit: impl FnOnce(&str) -> Result<String, EditError>,
) -> Result<(), SettingsError> {
    config_file::edit(path, |text| edit(text).map_err(Refusal::Invalid)).map_err(|error| {
        match error {
            EditFailed::Write(error) => SettingsError::Write(error),
            EditFailed::Invalid(source) => SettingsError::Edit {
                path: path.to_path_buf(),
                source,
            },
        }
    })?;
    if kind == FileKind::Credentials && path.exists() {
        restrict_to_owner(path)?;
    }
    Ok(())
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) -> Result<(), SettingsError> {
    use std::os::unix::fs::PermissionsExt as _;
    let io = |source| {
        SettingsError::Write(ConfigWriteError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let mode = std::fs::metadata(path).map_err(io)?.permissions().mode();
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))
            .map_err(io)?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &Path) -> Result<(), SettingsError> {
    Ok(())
}

// --- `configure list`: where each value of the current profile comes from. ---

/// Where a value shown by [`crate::Sso::describe`] comes from, as `aws configure list` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Not set anywhere.
    NotSet,
    /// `--profile` on the command line.
    CommandLine,
    /// An environment variable (its name).
    Env(&'static str),
    /// The config file (its path).
    ConfigFile(PathBuf),
    /// The credentials file (its path).
    CredentialsFile(PathBuf),
    /// Credentials that a provider fetches: `sso`, `custom-process`, ...; not looked up here.
    Provider(&'static str),
}

/// One row of `configure list`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Described {
    /// The value, if set; secret keys are masked as `aws configure list` masks them.
    pub value: Option<String>,
    /// Where it comes from.
    pub source: Source,
}

/// The current profile's values as `aws configure list` shows them, without running a provider:
/// static keys are looked up (env, then the profile in either file); other credential sources
/// are named ([`Source::Provider`]) for the caller to fetch if it wants to show them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Description {
    /// The profile name and where it was selected.
    pub profile: Described,
    /// The access key id, masked.
    pub access_key: Described,
    /// The secret key, masked.
    pub secret_key: Described,
    /// The region.
    pub region: Described,
}

impl Described {
    fn not_set() -> Self {
        Self {
            value: None,
            source: Source::NotSet,
        }
    }

    fn masked(self) -> Self {
        Self {
            value: self.value.as_deref().map(mask),
            source: self.source,
        }
    }
}

/// A key as `aws configure list` shows it: sixteen stars and its last four characters.
pub(crate) fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("{}{tail}", "*".repeat(16))
}

/// Describes the selected profile as `aws configure list` does: its name with where it was
/// selected, then its keys and region.
pub(crate) fn describe(aws: &AwsContext) -> Description {
    let env = aws.env();
    let profile = aws.selected_profile();
    let selected_by = |source| Described {
        value: Some(profile.to_owned()),
        source,
    };
    let profile_row = match aws.profile_source() {
        ProfileSource::Named => selected_by(Source::CommandLine),
        ProfileSource::Env(variable) => selected_by(Source::Env(variable)),
        _ => Described::not_set(),
    };
    let properties = aws.profiles().profile(profile);
    let from_file = |key: &str| -> Option<Described> {
        let value = properties?.get(key)?;
        let file = PathBuf::from(&*value.origin().file);
        let source = if file == aws.credentials_path() {
            Source::CredentialsFile(file)
        } else {
            Source::ConfigFile(file)
        };
        Some(Described {
            value: Some(value.as_str().to_owned()),
            source,
        })
    };
    let (access_key, secret_key) = match (
        env.var("AWS_ACCESS_KEY_ID"),
        env.var("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Some(id), Some(secret)) => (
            Described {
                value: Some(id),
                source: Source::Env("AWS_ACCESS_KEY_ID"),
            },
            Described {
                value: Some(secret),
                source: Source::Env("AWS_SECRET_ACCESS_KEY"),
            },
        ),
        _ => match from_file("aws_access_key_id") {
            Some(id) => (
                id,
                from_file("aws_secret_access_key").unwrap_or_else(Described::not_set),
            ),
            None => {
                let has = |key: &str| properties.is_some_and(|p| p.get(key).is_some());
                let provider = if has("sso_session") || has("sso_start_url") {
                    Some("sso")
                } else if has("credential_process") {
                    Some("custom-process")
                } else if has("role_arn") {
                    Some("assume-role")
                } else {
                    None
                };
                let described = match provider {
                    Some(name) => Described {
                        value: None,
                        source: Source::Provider(name),
                    },
                    None => Described::not_set(),
                };
                (described.clone(), described)
            }
        },
    };
    let region = match first_env(aws, &["AWS_REGION", "AWS_DEFAULT_REGION"]) {
        Some((name, value)) => Described {
            value: Some(value),
            source: Source::Env(name),
        },
        None => from_file("region").unwrap_or_else(Described::not_set),
    };
    Description {
        profile: profile_row,
        access_key: access_key.masked(),
        secret_key: secret_key.masked(),
        region,
    }
}

fn first_env(aws: &AwsContext, names: &[&'static str]) -> Option<(&'static str, String)> {
    names
        .iter()
        .find_map(|name| aws.env().var(name).map(|value| (*name, value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
# my config
[profile b]  # inline
region = eu-west-1
[default]
; another comment
region = us-east-1
[sso-session s]
sso_region = us-east-1
[profile a]
s3 =
  max_concurrency = 10
[profile b]
output = json
[profile default]
[junk]
";

    const CREDENTIALS: &str = "\
[c]
aws_access_key_id = AKIA
[a]
[profile x]
";

    #[test]
    fn configure_list_shows_where_the_profile_was_selected() {
        let row = |vars: &[(&str, &str)], named: Option<&str>| {
            let home = [("HOME", "/nonexistent-sso-home")];
            let env = crate::env::Env::from_vars(home.iter().chain(vars).copied());
            describe(&AwsContext::load(&env, named).unwrap()).profile
        };
        let selected = |name: &str, source| Described {
            value: Some(name.to_owned()),
            source,
        };
        let aws_profile = [("AWS_PROFILE", "env"), ("AWS_DEFAULT_PROFILE", "ci")];
        assert_eq!(
            row(&aws_profile, Some("cli")),
            selected("cli", Source::CommandLine)
        );
        assert_eq!(
            row(&aws_profile, None),
            selected("env", Source::Env("AWS_PROFILE"))
        );
        // An empty AWS_PROFILE is unset, here as for the credentials.
        assert_eq!(
            row(&[("AWS_PROFILE", ""), ("AWS_DEFAULT_PROFILE", "ci")], None),
            selected("ci", Source::Env("AWS_DEFAULT_PROFILE"))
        );
        assert_eq!(row(&[], None), Described::not_set());
    }

    #[test]
    fn profile_names_follow_botocore_order() {
        assert_eq!(
            profile_names(Some(CONFIG), Some(CREDENTIALS)),
            ["b", "default", "a", "c", "profile x"]
        );
        assert_eq!(profile_names(None, None), Vec::<String>::new());
    }

    #[test]
    fn key_paths() {
        let known = |name: &str| name == "dev";
        let parse = |p: &str| KeyPath::parse(p, "cur", None, &known).unwrap();
        assert_eq!(
            parse("region"),
            KeyPath::new(Scope::Profile("cur".into()), "region", None)
        );
        assert_eq!(
            parse("s3.max_concurrency"),
            KeyPath::new(Scope::Profile("cur".into()), "s3", Some("max_concurrency"))
        );
        assert_eq!(
            parse("dev.region"),
            KeyPath::new(Scope::Profile("dev".into()), "region", None)
        );
        assert_eq!(
            parse("default.region"),
            KeyPath::new(Scope::Profile("default".into()), "region", None)
        );
        assert_eq!(
            parse("profile.p.s3.x"),
            KeyPath::new(Scope::Profile("p".into()), "s3", Some("x"))
        );
        assert_eq!(
            parse("dev.s3.x"),
            KeyPath::new(Scope::Profile("dev".into()), "s3", Some("x"))
        );
        assert!(KeyPath::parse("other.s3.x", "cur", None, &known).is_err());
        let session = KeyPath::parse("sso_region", "cur", Some("s"), &known).unwrap();
        assert_eq!(session.section(), SectionKind::SsoSession("s".into()));
        assert!(KeyPath::parse("a..b", "cur", None, &known).is_err());
        assert!(KeyPath::parse("", "cur", None, &known).is_err());
        assert_eq!(parse("aws_secret_access_key").file(), FileKind::Credentials);
        assert_eq!(
            parse("aws_secret_access_key").section(),
            SectionKind::Unprefixed("cur".into())
        );
        assert_eq!(
            parse("region").section(),
            SectionKind::Profile("cur".into())
        );
    }

    #[test]
    fn set_changes_only_the_line_it_edits() {
        let known = |_: &str| false;
        let path = KeyPath::parse("region", "b", None, &known).unwrap();
        let text = with_value(CONFIG, &path, "ap-south-1").unwrap();
        assert_eq!(text, CONFIG.replace("eu-west-1", "ap-south-1"));
        let path = KeyPath::parse("s3.max_concurrency", "a", None, &known).unwrap();
        let text = with_value(CONFIG, &path, "20").unwrap();
        assert_eq!(text, CONFIG.replace("= 10", "= 20"));
        let path = KeyPath::parse("region", "new", None, &known).unwrap();
        let text = with_value(CONFIG, &path, "x").unwrap();
        assert_eq!(text, format!("{CONFIG}[profile new]\nregion = x\n"));
    }

    #[test]
    fn credentials_section_is_written_and_stale_token_removed() {
        let temporary = Credentials {
            access_key_id: "ASIA1".into(),
            secret_access_key: sso_cache::SecretAccessKey::new("s1"),
            session_token: Some(sso_cache::SessionToken::new("t1")),
            expiration: None,
            account_id: None,
        };
        let text = with_credentials(CREDENTIALS, "a", &temporary).unwrap();
        assert_eq!(
            text,
            "[c]\naws_access_key_id = AKIA\n[a]\naws_access_key_id = ASIA1\naws_secret_access_key = s1\naws_session_token = t1\n[profile x]\n"
        );
        let long_term = Credentials {
            session_token: None,
            ..temporary
        };
        let again = with_credentials(&text, "a", &long_term).unwrap();
        assert!(!again.contains("aws_session_token"), "{again}");
    }
}
