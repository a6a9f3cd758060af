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

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::syntax::{Document, FileKind, LineKind, SectionKind, is_identifier};

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    text: String,
    origin: Origin,
}

impl Value {
    /// The value as the SDKs see it: trimmed, inline comment removed, continuation lines appended
    /// after `\n` (so a sub-property block reads `"\nname = value"`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Where the key that set this value is.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The `name = value` lines of a sub-property block (`s3 =` followed by indented lines), in
    /// order, split at the first `=` and trimmed. Lines without `=` are skipped.
    pub fn sub_properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.text.split('\n').skip(1).filter_map(|line| {
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

/// The merged properties of one profile, sso-session or services section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Properties {
    name: String,
    origin: Origin,
    entries: Vec<(String, Value)>,
}

impl Properties {
    fn new(name: &str, origin: Origin) -> Self {
        Self {
            name: name.to_owned(),
            origin,
            entries: Vec::new(),
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
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The number of properties.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no properties.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn insert(&mut self, key: String, value: Value) -> usize {
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
        let prefixed_default = kind == FileKind::Config
            && document.lines.iter().any(|line| {
                matches!(&line.kind, LineKind::Header { section: SectionKind::Profile(name), valid_name: true, .. } if name == "default")
            });
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
                LineKind::Header {
                    section,
                    valid_name,
                    ..
                } => {
                    open = None;
                    current = None;
                    let at = origin(index, 1);
                    match accept(section, *valid_name, kind, prefixed_default) {
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
                        text: text[value.clone()].to_owned(),
                        origin: origin(index, 1),
                    };
                    open = Some(section.insert(key_text.to_ascii_lowercase(), value));
                }
                LineKind::Continuation { content, .. } => {
                    if let (Some(section), Some(at)) = (current.as_deref_mut(), open) {
                        let value = &mut section.entries[at].1.text;
                        value.push('\n');
                        value.push_str(&text[content.clone()]);
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

/// Decides where a section goes, or why it is ignored.
fn accept(
    section: &SectionKind,
    valid_name: bool,
    kind: FileKind,
    prefixed_default: bool,
) -> Result<(Target, &str), String> {
    let invalid = || {
        format!(
            "section {section} ignored; `{}` is not a valid name (use letters, digits and _-/.%@:+, or quote it)",
            section.name()
        )
    };
    match (kind, section) {
        (_, SectionKind::Default) if kind == FileKind::Config && prefixed_default => {
            Err("profile [default] ignored because [profile default] takes priority".to_owned())
        }
        (_, SectionKind::Default) => Ok((Target::Profiles, "default")),
        (FileKind::Config, _) if !valid_name => Err(invalid()),
        (FileKind::Config, SectionKind::Profile(name)) => Ok((Target::Profiles, name)),
        (FileKind::Config, SectionKind::SsoSession(name)) => Ok((Target::SsoSessions, name)),
        (FileKind::Config, SectionKind::Services(name)) => Ok((Target::Services, name)),
        (FileKind::Config, SectionKind::Unprefixed(name)) => Err(format!(
            "section [{name}] ignored; sections in the config file (other than [default]) need a prefix, as in [profile {name}]"
        )),
        (FileKind::Config, SectionKind::Other { .. }) => Err(format!(
            "section {section} ignored; the known prefixes are profile, sso-session and services"
        )),
        (FileKind::Credentials, SectionKind::Unprefixed(name)) if valid_name => {
            Ok((Target::Profiles, name))
        }
        (FileKind::Credentials, SectionKind::Unprefixed(_)) => Err(invalid()),
        (FileKind::Credentials, SectionKind::Profile(name)) => Err(format!(
            "profile `{name}` ignored because credentials-file profiles must not begin with `profile`; write [{name}]"
        )),
        (FileKind::Credentials, _) => Err(format!(
            "section {section} ignored; it belongs in the config file, not the credentials file"
        )),
    }
}
