//! The read-only semantic layer: profiles, sso-sessions and services sections computed from a
//! config document and a credentials document under the cross-SDK rules
//! (`profile-parser-tests.json`; smithy-rs `env_config/normalize.rs`).
//!
//! Rules: only `[default]`, `[profile NAME]`, `[sso-session NAME]` and `[services NAME]` count in
//! the config file, only unprefixed `[NAME]` in the credentials file; names must be identifiers
//! (`A-Za-z0-9_-/.%@:+`) unless shell-quoted; duplicate sections merge, and the last occurrence of
//! a key wins; keys are compared case-insensitively (stored lower-case); `[profile default]`
//! replaces `[default]` wherever it appears; credentials keys override config keys. This layer
//! never changes the documents.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::parse::{HeaderName, header_name};
use crate::syntax::{Document, FileKind, LineKind, is_identifier};

/// Where a value, key or section came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The caller-given file name (for example the path as the user would recognise it).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A property value and the position of the key that set it.
#[derive(Clone)]
pub struct Value {
    text: Text,
    origin: Origin,
}

/// A value's text. Most values are short (`us-east-1`, an account id, a role name), so they are
/// stored inline: a profile set holds thousands of values, and neither a heap string per value nor
/// a reference-counted pointer into the source (an atomic increment per value) is free.
#[derive(Clone)]
enum Text {
    /// Up to [`INLINE`] bytes of UTF-8.
    Inline { len: u8, bytes: [u8; INLINE] },
    /// Longer values, and values extended by continuation lines.
    Heap(String),
}

/// The longest value stored without an allocation.
const INLINE: usize = 30;

impl Text {
    fn new(text: &str) -> Self {
        match u8::try_from(text.len()) {
            Ok(len) if text.len() <= INLINE => {
                let mut bytes = [0; INLINE];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                Self::Inline { len, bytes }
            }
            _ => Self::Heap(text.to_owned()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Always valid: the bytes were copied from a `&str` (a short one, so checking is
            // cheap), and the crate forbids `unsafe`.
            Self::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Self::Heap(text) => text,
        }
    }
}

impl Value {
    /// The value as the SDKs see it: trimmed, inline comment removed, continuation lines appended
    /// after `\n` (so a sub-property block reads `"\nname = value"`).
    pub fn as_str(&self) -> &str {
        self.text.as_str()
    }

    /// Where the key that set this value is.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Appends a continuation line, after `\n`.
    fn push_line(&mut self, line: &str) {
        if let Text::Inline { .. } = self.text {
            let mut owned = String::with_capacity(self.text.as_str().len() + 1 + line.len());
            owned.push_str(self.text.as_str());
            self.text = Text::Heap(owned);
        }
        if let Text::Heap(text) = &mut self.text {
            text.push('\n');
            text.push_str(line);
        }
    }

    /// The `name = value` lines of a sub-property block (`s3 =` followed by indented lines), in
    /// order, split at the first `=` and trimmed. Lines without `=` are skipped.
    pub fn sub_properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.as_str().split('\n').skip(1).filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            Some((key.trim(), value.trim()))
        })
    }

    /// The last sub-property named `key` (compared case-insensitively).
    pub fn sub_property(&self, key: &str) -> Option<&str> {
        self.sub_properties()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .last()
            .map(|(_, v)| v)
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str() && self.origin == other.origin
    }
}

impl Eq for Value {}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Value")
            .field("text", &self.as_str())
            .field("origin", &self.origin)
            .finish()
    }
}

/// The merged properties of one profile, sso-session or services section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Properties {
    name: String,
    origin: Origin,
    /// Lower-case keys; the common ones are static strings, so most keys cost no allocation.
    entries: Vec<(Cow<'static, str>, Value)>,
}

impl Properties {
    fn new(name: &str, origin: Origin) -> Self {
        Self {
            name: name.to_owned(),
            origin,
            // Room for a typical SSO profile, so that filling it does not reallocate.
            entries: Vec::with_capacity(6),
        }
    }

    /// The section's name (the profile, session or services name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the first header that contributed to this section is.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The value of `key` (compared case-insensitively), if set.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// The value of `key` as text, if set.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).map(Value::as_str)
    }

    /// Every property, keys lower-cased, in the order the keys first appeared.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (&**k, v))
    }

    /// The number of properties.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no properties.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn insert(&mut self, key: Cow<'static, str>, value: Value) -> usize {
        if let Some(index) = self.entries.iter().position(|(k, _)| *k == key) {
            self.entries[index].1 = value;
            index
        } else {
            self.entries.push((key, value));
            self.entries.len() - 1
        }
    }
}

/// Something the SDKs would silently ignore, such as `[foo]` in the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Warning {
    /// Where the ignored header or key is.
    pub origin: Origin,
    /// What is ignored and why.
    pub message: String,
}

/// Profiles, sso-sessions and services sections merged from the config and credentials files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Properties>,
    sso_sessions: BTreeMap<String, Properties>,
    services: BTreeMap<String, Properties>,
    warnings: Vec<Warning>,
}

/// Which map a section feeds.
#[derive(Clone, Copy)]
enum Target {
    Profiles,
    SsoSessions,
    Services,
}

impl ProfileSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Merges an optional config file and then an optional credentials file, each given with the
    /// name its values' origins should carry.
    pub fn from_documents(
        config: Option<(&str, &Document)>,
        credentials: Option<(&str, &Document)>,
    ) -> Self {
        let mut set = Self::new();
        if let Some((name, document)) = config {
            set.merge(name, document, FileKind::Config);
        }
        if let Some((name, document)) = credentials {
            set.merge(name, document, FileKind::Credentials);
        }
        set
    }

    /// Merges one more document over what the set holds (its keys win).
    ///
    /// Lines the parser rejected are skipped; check [`Document::diagnostics`] for them.
    pub fn merge(&mut self, file_name: &str, document: &Document, kind: FileKind) {
        let file: Arc<str> = Arc::from(file_name);
        let origin = |line: usize, column: u32| Origin {
            file: file.clone(),
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column,
        };
        let source = document.as_str();
        // Whether `[profile default]` is present; asked only when a `[default]` header is met.
        let prefixed_default = || {
            kind == FileKind::Config
                && document.lines.iter().any(|line| {
                    matches!(&line.kind, LineKind::Header { inner } if {
                        let inner = &line.text(source)[inner.clone()];
                        // Cheap filter first: a word that unquotes to `default` ends with `t`
                        // (plain or escaped) or with a closing quote.
                        inner.trim_end().ends_with(['t', '\'', '"']) && {
                            let header = header_name(inner);
                            header.valid
                                && header.prefix == Some("profile")
                                && header.name == "default"
                        }
                    })
                })
        };
        let Self {
            profiles,
            sso_sessions,
            services,
            warnings,
        } = self;
        let mut current: Option<&mut Properties> = None;
        // Index of the property that continuation lines extend, if it was kept.
        let mut open: Option<usize> = None;
        for (index, line) in document.lines.iter().enumerate() {
            let text = line.text(source);
            match &line.kind {
                LineKind::Header { inner } => {
                    open = None;
                    current = None;
                    let at = origin(index, 1);
                    let header = header_name(&text[inner.clone()]);
                    match accept(&header, kind, prefixed_default) {
                        Ok((target, name)) => {
                            let map = match target {
                                Target::Profiles => &mut *profiles,
                                Target::SsoSessions => &mut *sso_sessions,
                                Target::Services => &mut *services,
                            };
                            current = Some(
                                map.entry(name.to_owned())
                                    .or_insert_with(|| Properties::new(name, at)),
                            );
                        }
                        Err(message) => warnings.push(Warning {
                            origin: at,
                            message,
                        }),
                    }
                }
                LineKind::Property { key, value } => {
                    open = None;
                    let Some(section) = current.as_deref_mut() else {
                        continue;
                    };
                    let key_text = &text[key.clone()];
                    if !is_identifier(key_text) {
                        warnings.push(Warning {
                            origin: origin(index, 1),
                            message: format!(
                                "key `{key_text}` ignored because it is not a valid identifier (use letters, digits and _-/.%@:+)"
                            ),
                        });
                        continue;
                    }
                    let value = Value {
                        text: Text::new(&text[value.clone()]),
                        origin: origin(index, 1),
                    };
                    open = Some(section.insert(lower_key(key_text), value));
                }
                LineKind::Continuation { content, .. } => {
                    if let (Some(section), Some(at)) = (current.as_deref_mut(), open) {
                        section.entries[at].1.push_line(&text[content.clone()]);
                    }
                }
                LineKind::Invalid => {
                    open = None;
                    if text.starts_with('[') {
                        current = None;
                    }
                }
                LineKind::Blank | LineKind::Comment => {}
            }
        }
    }

    /// The profile called `name`.
    pub fn profile(&self, name: &str) -> Option<&Properties> {
        self.profiles.get(name)
    }

    /// The sso-session called `name`.
    pub fn sso_session(&self, name: &str) -> Option<&Properties> {
        self.sso_sessions.get(name)
    }

    /// The services section called `name`.
    pub fn services(&self, name: &str) -> Option<&Properties> {
        self.services.get(name)
    }

    /// Every profile, by name.
    pub fn profiles(&self) -> &BTreeMap<String, Properties> {
        &self.profiles
    }

    /// Every sso-session, by name.
    pub fn sso_sessions(&self) -> &BTreeMap<String, Properties> {
        &self.sso_sessions
    }

    /// Every services section, by name.
    pub fn services_sections(&self) -> &BTreeMap<String, Properties> {
        &self.services
    }

    /// Sections and keys the SDK rules ignore, with where they are.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }
}

/// The lower-case form of a property key: a static string for the keys that fill real files,
/// so that storing them allocates nothing.
fn lower_key(key: &str) -> Cow<'static, str> {
    if key.bytes().any(|b| b.is_ascii_uppercase()) {
        return Cow::Owned(key.to_ascii_lowercase());
    }
    Cow::Borrowed(match key {
        "region" => "region",
        "output" => "output",
        "sso_session" => "sso_session",
        "sso_account_id" => "sso_account_id",
        "sso_role_name" => "sso_role_name",
        "sso_start_url" => "sso_start_url",
        "sso_region" => "sso_region",
        "sso_registration_scopes" => "sso_registration_scopes",
        "s3" => "s3",
        "services" => "services",
        "endpoint_url" => "endpoint_url",
        "ignore_configured_endpoint_urls" => "ignore_configured_endpoint_urls",
        "credential_process" => "credential_process",
        "role_arn" => "role_arn",
        "source_profile" => "source_profile",
        "role_session_name" => "role_session_name",
        "mfa_serial" => "mfa_serial",
        "aws_access_key_id" => "aws_access_key_id",
        "aws_secret_access_key" => "aws_secret_access_key",
        "aws_session_token" => "aws_session_token",
        "ca_bundle" => "ca_bundle",
        "cli_pager" => "cli_pager",
        "retry_mode" => "retry_mode",
        "max_attempts" => "max_attempts",
        _ => return Cow::Owned(key.to_owned()),
    })
}

/// Decides where a section goes, or why it is ignored.
fn accept<'h>(
    header: &'h HeaderName<'_>,
    kind: FileKind,
    prefixed_default: impl FnOnce() -> bool,
) -> Result<(Target, &'h str), String> {
    // The owned classification is built only for the messages.
    let section = || header.to_kind();
    let invalid = || {
        let section = section();
        format!(
            "section {section} ignored; `{}` is not a valid name (use letters, digits and _-/.%@:+, or quote it)",
            section.name()
        )
    };
    let name: &str = &header.name;
    match (kind, header.prefix) {
        (_, None) if name == "default" && kind == FileKind::Config && prefixed_default() => {
            Err("profile [default] ignored because [profile default] takes priority".to_owned())
        }
        (_, None) if name == "default" => Ok((Target::Profiles, "default")),
        (FileKind::Config, _) if !header.valid => Err(invalid()),
        (FileKind::Config, Some("profile")) => Ok((Target::Profiles, name)),
        (FileKind::Config, Some("sso-session")) => Ok((Target::SsoSessions, name)),
        (FileKind::Config, Some("services")) => Ok((Target::Services, name)),
        (FileKind::Config, None) => Err(format!(
            "section [{name}] ignored; sections in the config file (other than [default]) need a prefix, as in [profile {name}]"
        )),
        (FileKind::Config, Some(_)) => Err(format!(
            "section {} ignored; the known prefixes are profile, sso-session and services",
            section()
        )),
        (FileKind::Credentials, None) if header.valid => Ok((Target::Profiles, name)),
        (FileKind::Credentials, None) => Err(invalid()),
        (FileKind::Credentials, Some("profile")) => Err(format!(
            "profile `{name}` ignored because credentials-file profiles must not begin with `profile`; write [{name}]"
        )),
        (FileKind::Credentials, Some(_)) => Err(format!(
            "section {} ignored; it belongs in the config file, not the credentials file",
            section()
        )),
    }
}
