//! Validated values the CLI accepts from flags and prompts: profile and session names, start
//! URLs, regions, scopes, account ids and role names.
//!
//! Each type is built by parsing, so a value that exists is valid (parse, don't validate).
//! The same parsers serve clap (`value_parser`) and the wizard's prompts, so a flag and a typed
//! answer are held to the same rules.
//! These are CLI-side types: the wiring layer converts them into the library types.

use std::fmt;

/// Why a value was rejected; the message reads well after "invalid value: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(String);

impl InvalidValue {
    /// The reason, a lowercase fragment.
    pub fn reason(&self) -> &str {
        &self.0
    }
}

/// The name of a profile in `~/.aws/config` (`default` is written as `[default]`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileName(String);

/// The name of an `[sso-session NAME]` section.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct SessionName(String);

/// An IAM Identity Center start URL, such as `https://my-sso-portal.awsapps.com/start`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct StartUrl(String);

/// An AWS region name such as `us-east-1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Region(String);

/// A non-empty list of OAuth scopes, written comma-separated as `sso_registration_scopes`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Scopes(Vec<String>);

/// A twelve-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct AccountId(String);

/// The name of a permission set role, as `sso_role_name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RoleName(String);

/// The value of the `output` key, one of the AWS CLI's output formats.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CliOutputFormat(String);

/// The AWS CLI's output formats, accepted for the `output` key.
pub(crate) const CLI_OUTPUT_FORMATS: [&str; 6] =
    ["json", "text", "table", "yaml", "yaml-stream", "off"];

/// The scope the AWS CLI registers when none is configured.
pub(crate) const DEFAULT_SCOPE: &str = "sso:account:access";

fn check_name(value: &str, what: &str) -> Result<String, InvalidValue> {
    let value = value.trim();
    if value.is_empty() {
        return Err(InvalidValue(format!("{what} must not be empty")));
    }
    // A line break would let a value start a new line in the config file (see protocol §5.3).
    if value.contains(['\n', '\r']) {
        return Err(InvalidValue(format!(
            "{what} must not contain a line break"
        )));
    }
    if value.contains(['[', ']']) {
        return Err(InvalidValue(format!("{what} must not contain `[` or `]`")));
    }
    Ok(value.to_owned())
}

impl ProfileName {
    /// Parses a profile name: non-empty, one line, no brackets.
    pub fn parse(value: &str) -> Result<Self, InvalidValue> {
        check_name(value, "a profile name").map(Self)
    }

    /// The profile used when none is selected: `default`.
    pub fn default_profile() -> Self {
        Self("default".to_owned())
    }

    /// The name as written by the user.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the default profile (compared case-insensitively, as the AWS CLI does).
    pub fn is_default(&self) -> bool {
        self.0.eq_ignore_ascii_case("default")
    }
}

impl SessionName {
    /// Parses an sso-session name: non-empty, one line, no brackets.
    pub(crate) fn parse(value: &str) -> Result<Self, InvalidValue> {
        check_name(value, "an sso-session name").map(Self)
    }

    /// The name as written by the user.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl StartUrl {
    /// Parses a start URL the way `is_valid_endpoint_url` does: a scheme and a valid host name.
    ///
    /// `d-abc123` alone fails, as in the AWS CLI, because it has no scheme and hence no host.
    pub(crate) fn parse(value: &str) -> Result<Self, InvalidValue> {
        let value = value.trim();
        let invalid = || {
            InvalidValue(format!(
                "`{value}` is not a valid start URL: expected something like https://my-sso-portal.awsapps.com/start"
            ))
        };
        let url = url::Url::parse(value).map_err(|_| invalid())?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(invalid());
        }
        let host = match url.host() {
            Some(url::Host::Domain(host)) => host.trim_end_matches('.').to_owned(),
            Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => return Ok(Self(value.to_owned())),
            None => return Err(invalid()),
        };
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if host.len() > 255 || !host.split('.').all(label_ok) {
            return Err(invalid());
        }
        Ok(Self(value.to_owned()))
    }

    /// The URL as configured (never normalised: it is part of cache keys).
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl Region {
    /// Parses a region name: lowercase ASCII letters, digits and hyphens, starting with a letter.
    pub(crate) fn parse(value: &str) -> Result<Self, InvalidValue> {
        let value = value.trim();
        let ok = value.starts_with(|c: char| c.is_ascii_lowercase())
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidValue(format!(
                "`{value}` is not a region name: expected something like us-east-1"
            )))
        }
    }

    /// The region name.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl Scopes {
    /// Parses a comma-separated scope list; items are trimmed and must not contain whitespace.
    pub(crate) fn parse(value: &str) -> Result<Self, InvalidValue> {
        let mut scopes = Vec::new();
        for item in value.split(',') {
            let item = item.trim();
            if item.chars().any(char::is_whitespace) {
                return Err(InvalidValue(
                    "scope values must be separated by commas, with no spaces inside a scope"
                        .to_owned(),
                ));
            }
            if !item.is_empty() {
                scopes.push(item.to_owned());
            }
        }
        if scopes.is_empty() {
            return Err(InvalidValue(format!(
                "the scope list is empty: expected something like {DEFAULT_SCOPE}"
            )));
        }
        Ok(Self(scopes))
    }

    /// The scopes in the order given.
    pub(crate) fn as_slice(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(","))
    }
}

impl AccountId {
    /// Parses an account id: exactly twelve ASCII digits.
    pub(crate) fn parse(value: &str) -> Result<Self, InvalidValue> {
        let value = value.trim();
        if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidValue(format!(
                "`{value}` is not an AWS account id: expected twelve digits"
            )))
        }
    }

    /// The twelve digits.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl RoleName {
    /// Parses a role name: non-empty, one line.
    pub(crate) fn parse(value: &str) -> Result<Self, InvalidValue> {
        check_name(value, "a role name").map(Self)
    }

    /// The role name.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl CliOutputFormat {
    /// Parses one of [`CLI_OUTPUT_FORMATS`].
    pub(crate) fn parse(value: &str) -> Result<Self, InvalidValue> {
        let value = value.trim();
        if CLI_OUTPUT_FORMATS.contains(&value) {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidValue(format!(
                "`{value}` is not an output format: expected one of {}",
                CLI_OUTPUT_FORMATS.join(", ")
            )))
        }
    }

    /// The format name.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! display_as_str {
    ($($ty:ty),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(
    ProfileName,
    SessionName,
    StartUrl,
    Region,
    AccountId,
    RoleName,
    CliOutputFormat
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_url_needs_scheme_and_host() {
        assert!(StartUrl::parse("https://d-abc123.awsapps.com/start").is_ok());
        assert!(StartUrl::parse("https://my.example.com/start/").is_ok());
        assert!(StartUrl::parse("d-abc123").is_err());
        assert!(StartUrl::parse("https://bad_host/start").is_err());
        assert!(StartUrl::parse("ftp://x.example.com").is_err());
    }

    #[test]
    fn scopes_split_on_commas_and_reject_inner_spaces() {
        let scopes = Scopes::parse("sso:account:access, codewhisperer:completions").unwrap();
        assert_eq!(
            scopes.to_string(),
            "sso:account:access,codewhisperer:completions"
        );
        assert!(Scopes::parse("a b").is_err());
        assert!(Scopes::parse(" , ").is_err());
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(AccountId::parse("123456789012").is_ok());
        assert!(AccountId::parse("12345678901").is_err());
        assert!(AccountId::parse("12345678901a").is_err());
    }

    #[test]
    fn names_reject_line_breaks_and_brackets() {
        assert!(ProfileName::parse("dev\nx").is_err());
        assert!(SessionName::parse("a]b").is_err());
        assert!(ProfileName::parse("  ").is_err());
        assert!(ProfileName::parse("Default").unwrap().is_default());
    }

    #[test]
    fn regions_are_lowercase_words() {
        assert!(Region::parse("eu-west-1").is_ok());
        assert!(Region::parse("EU-WEST-1").is_err());
        assert!(Region::parse("").is_err());
    }
}
