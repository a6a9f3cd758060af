//! Profile-name templates (`--template '{account_name}.{role_name}'`) and the sanitising that
//! turns a rendered name into one the AWS SDKs accept as a section name.

use std::fmt;
use std::str::FromStr;

use super::RoleEntry;

/// The template used when `--template` is not given.
pub const DEFAULT_TEMPLATE: &str = "{account_name}.{role_name}";

/// The placeholders a template may use, as written between braces.
pub const PLACEHOLDERS: [&str; 5] = [
    "account_id",
    "account_name",
    "role_name",
    "session",
    "email",
];

/// Why a `--template` string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The template is empty (or only whitespace).
    #[error("the profile-name template is empty; use placeholders such as {DEFAULT_TEMPLATE}")]
    Empty,
    /// `{name}` where `name` is not one of [`PLACEHOLDERS`].
    #[error(
        "unknown placeholder `{{{name}}}` at column {column} of the profile-name template; use {{account_id}}, {{account_name}}, {{role_name}}, {{session}} or {{email}}"
    )]
    UnknownPlaceholder {
        /// What was between the braces.
        name: String,
        /// 1-based column (in characters) of the `{`.
        column: usize,
    },
    /// A `{` without its `}`.
    #[error("the `{{` at column {column} of the profile-name template is never closed")]
    Unclosed {
        /// 1-based column (in characters) of the `{`.
        column: usize,
    },
    /// A `}` that closes nothing.
    #[error("the `}}` at column {column} of the profile-name template closes nothing")]
    UnmatchedClose {
        /// 1-based column (in characters) of the `}`.
        column: usize,
    },
}

/// One placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    AccountId,
    AccountName,
    RoleName,
    Session,
    Email,
}

impl Field {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "account_id" => Self::AccountId,
            "account_name" => Self::AccountName,
            "role_name" => Self::RoleName,
            "session" => Self::Session,
            "email" => Self::Email,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Literal text, already sanitised.
    Literal(String),
    Field(Field),
}

/// A parsed profile-name template such as `{account_name}.{role_name}`.
///
/// Placeholders: `{account_id}`, `{account_name}` (the account id when the portal gives no name,
/// or when nothing of the name survives sanitising), `{role_name}`, `{session}` (the sso-session
/// name) and `{email}` (empty when unknown). There is no escape for literal braces: braces cannot
/// appear in a profile name anyway.
///
/// Rendering sanitises so that the result is a name the AWS SDKs accept in a section header
/// (ASCII letters, digits and `_-/.%@:+`): in each substituted value a run of other characters
/// (spaces, `]`, `#`, `;`, non-ASCII letters, …) becomes one `-`, and such runs at the start or
/// end of the value are dropped (`"Prod (EU) "` gives `Prod-EU`); in the template's literal
/// text each run of other characters becomes one `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileTemplate {
    source: String,
    parts: Vec<Part>,
}

impl ProfileTemplate {
    /// Parses a template; see the type's documentation for the placeholders.
    pub fn parse(template: &str) -> Result<Self, TemplateError> {
        if template.trim().is_empty() {
            return Err(TemplateError::Empty);
        }
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = template.chars().enumerate();
        while let Some((index, c)) = chars.next() {
            match c {
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for (_, c) in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        if c == '{' {
                            break;
                        }
                        name.push(c);
                    }
                    if !closed {
                        return Err(TemplateError::Unclosed { column: index + 1 });
                    }
                    let field = Field::from_name(name.trim()).ok_or_else(|| {
                        TemplateError::UnknownPlaceholder {
                            name: name.clone(),
                            column: index + 1,
                        }
                    })?;
                    if !literal.is_empty() {
                        parts.push(Part::Literal(sanitise_literal(&literal)));
                        literal.clear();
                    }
                    parts.push(Part::Field(field));
                }
                '}' => return Err(TemplateError::UnmatchedClose { column: index + 1 }),
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(sanitise_literal(&literal)));
        }
        Ok(Self {
            source: template.to_owned(),
            parts,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The sanitised profile name for `entry` under sso-session `session`. May be empty (for
    /// example `{email}` with no email), which [`super::plan`] reports as an error.
    pub fn render(&self, entry: &RoleEntry, session: &str) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Field(Field::AccountId) => out.push_str(&sanitise_value(&entry.account_id)),
                Part::Field(Field::AccountName) => {
                    let name = entry
                        .account_name
                        .as_deref()
                        .map(sanitise_value)
                        .filter(|name| !name.is_empty())
                        .unwrap_or_else(|| sanitise_value(&entry.account_id));
                    out.push_str(&name);
                }
                Part::Field(Field::RoleName) => out.push_str(&sanitise_value(&entry.role_name)),
                Part::Field(Field::Session) => out.push_str(&sanitise_value(session)),
                Part::Field(Field::Email) => {
                    out.push_str(&sanitise_value(entry.email.as_deref().unwrap_or_default()));
                }
            }
        }
        out
    }
}

impl Default for ProfileTemplate {
    fn default() -> Self {
        Self {
            source: DEFAULT_TEMPLATE.to_owned(),
            parts: vec![
                Part::Field(Field::AccountName),
                Part::Literal(".".to_owned()),
                Part::Field(Field::RoleName),
            ],
        }
    }
}

impl FromStr for ProfileTemplate {
    type Err = TemplateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for ProfileTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Characters the AWS SDKs accept in a profile name (sso-config's identifier rule).
pub(super) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/' | '.' | '%' | '@' | ':' | '+')
}

/// Runs of characters outside [`is_name_char`] become one `-`; runs at either end are dropped.
pub(super) fn sanitise_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut pending = false;
    for c in value.chars() {
        if is_name_char(c) {
            if pending && !out.is_empty() {
                out.push('-');
            }
            pending = false;
            out.push(c);
        } else {
            pending = true;
        }
    }
    out
}

/// Runs of characters outside [`is_name_char`] become one `-`.
fn sanitise_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_bad = false;
    for c in text.chars() {
        if is_name_char(c) {
            out.push(c);
            previous_bad = false;
        } else {
            if !previous_bad {
                out.push('-');
            }
            previous_bad = true;
        }
    }
    out
}
