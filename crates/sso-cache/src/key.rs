//! Cache file names: the AWS CLI's SHA-1 keys for tokens, client registrations and role credentials.
//!
//! Pure functions; see protocol.md §4.1, §4.2 and §4.5 for the sources and the worked examples that
//! the tests pin.

use crate::pyjson;
use sha1::{Digest, Sha1};
use std::fmt;

/// The stem of a cache file name (the file is `<key>.json`): usually 40 lowercase hex digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey(String);

impl CacheKey {
    /// The token-cache key of an `[sso-session NAME]`: SHA-1 of the session name.
    #[must_use]
    pub fn for_session(session_name: &str) -> Self {
        Self::sha1(session_name.as_bytes())
    }

    /// The token-cache key of a legacy profile: SHA-1 of `sso_start_url` exactly as written
    /// (no normalization; a trailing `/` gives another key).
    #[must_use]
    pub fn for_start_url(start_url: &str) -> Self {
        Self::sha1(start_url.as_bytes())
    }

    /// The client-registration key: SHA-1 of Python's `json.dumps(args, sort_keys=True)` of
    /// `{"tool": "botocore", "startUrl", "region", "scopes", "session_name"}`.
    #[must_use]
    pub fn for_registration(args: &RegistrationKeyArgs<'_>) -> Self {
        // Keys in Python's sorted order: region, scopes, session_name, startUrl, tool.
        let mut text = String::with_capacity(160);
        text.push_str("{\"region\": ");
        pyjson::write_str(&mut text, args.region);
        text.push_str(", \"scopes\": ");
        match args.scopes {
            None => text.push_str("null"),
            Some(scopes) => {
                text.push('[');
                for (i, scope) in scopes.iter().enumerate() {
                    if i > 0 {
                        text.push_str(", ");
                    }
                    pyjson::write_str(&mut text, scope);
                }
                text.push(']');
            }
        }
        text.push_str(", \"session_name\": ");
        match args.session_name {
            None => text.push_str("null"),
            Some(name) => pyjson::write_str(&mut text, name),
        }
        text.push_str(", \"startUrl\": ");
        pyjson::write_str(&mut text, args.start_url);
        text.push_str(", \"tool\": \"botocore\"}");
        Self::sha1(text.as_bytes())
    }

    /// The role-credential key in `~/.aws/cli/cache`: SHA-1 of compact sorted JSON of
    /// `{"accountId", "roleName", "sessionName"}` (or `"startUrl"` for legacy profiles).
    #[must_use]
    pub fn for_role_credentials(account_id: &str, role_name: &str, login: Login<'_>) -> Self {
        // Keys in Python's sorted order: accountId, roleName, then sessionName or startUrl.
        let mut text = String::with_capacity(128);
        text.push_str("{\"accountId\":");
        pyjson::write_str(&mut text, account_id);
        text.push_str(",\"roleName\":");
        pyjson::write_str(&mut text, role_name);
        match login {
            Login::Session(name) => {
                text.push_str(",\"sessionName\":");
                pyjson::write_str(&mut text, name);
            }
            Login::StartUrl(url) => {
                text.push_str(",\"startUrl\":");
                pyjson::write_str(&mut text, url);
            }
        }
        text.push('}');
        // botocore's `_make_file_safe` replaces `:` and `/`, which a hex digest never contains.
        Self::sha1(text.as_bytes())
    }

    /// The assumed-role key in `~/.aws/cli/cache` (assume role and web identity alike): SHA-1
    /// of Python's `json.dumps(args, sort_keys=True)` of the STS arguments as configured
    /// (botocore `BaseAssumeRoleCredentialFetcher._create_cache_key`, protocol.md §11.4).
    #[must_use]
    pub fn for_assumed_role(args: &AssumeRoleKeyArgs<'_>) -> Self {
        // Keys in Python's sorted order: DurationSeconds, ExternalId, Policy, RoleArn,
        // RoleSessionName, SerialNumber.
        let mut text = String::with_capacity(256);
        text.push('{');
        let key = |text: &mut String, name: &str| {
            if text.len() > 1 {
                text.push_str(", ");
            }
            text.push('"');
            text.push_str(name);
            text.push_str("\": ");
        };
        if let Some(duration) = args.duration_seconds {
            key(&mut text, "DurationSeconds");
            text.push_str(&duration.to_string());
        }
        if let Some(external_id) = args.external_id {
            key(&mut text, "ExternalId");
            pyjson::write_str(&mut text, external_id);
        }
        if let Some(policy) = args.policy {
            key(&mut text, "Policy");
            pyjson::write_value_sorted(&mut text, policy);
        }
        key(&mut text, "RoleArn");
        pyjson::write_str(&mut text, args.role_arn);
        if let Some(name) = args.role_session_name {
            key(&mut text, "RoleSessionName");
            pyjson::write_str(&mut text, name);
        }
        if let Some(serial) = args.serial_number {
            key(&mut text, "SerialNumber");
            pyjson::write_str(&mut text, serial);
        }
        text.push('}');
        Self::sha1(text.as_bytes())
    }

    /// A key given as a file stem, such as the legacy `botocore-client-id-us-east-1`.
    ///
    /// # Errors
    ///
    /// Returns [`InvalidKey`] for an empty stem, `.`/`..`, or one containing a path separator or NUL.
    pub fn from_stem(stem: &str) -> Result<Self, InvalidKey> {
        if stem.is_empty() || stem == "." || stem == ".." || stem.contains(['/', '\\', '\0']) {
            return Err(InvalidKey);
        }
        Ok(Self(stem.to_owned()))
    }

    /// The stem, without `.json`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The file name, `<key>.json`.
    #[must_use]
    pub fn file_name(&self) -> String {
        format!("{}.json", self.0)
    }

    fn sha1(bytes: &[u8]) -> Self {
        let digest = Sha1::digest(bytes);
        let mut hex = String::with_capacity(40);
        for byte in digest {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        Self(hex)
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheKey({})", self.0)
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The inputs of the client-registration key (protocol.md §4.2).
#[derive(Debug, Clone, Copy)]
pub struct RegistrationKeyArgs<'a> {
    /// The configured `sso_start_url`.
    pub start_url: &'a str,
    /// The configured `sso_region`.
    pub region: &'a str,
    /// The **configured** `sso_registration_scopes`, or `None` when none are configured (even if
    /// the flow registers a default scope).
    pub scopes: Option<&'a [String]>,
    /// The sso-session name, or `None` for a legacy profile.
    pub session_name: Option<&'a str>,
}

/// The inputs of the assumed-role key: the STS arguments as configured (protocol.md §11.4).
///
/// `TokenCode` and `WebIdentityToken` are never part of the key.
#[derive(Debug, Clone, Copy, Default)]
pub struct AssumeRoleKeyArgs<'a> {
    /// `RoleArn`.
    pub role_arn: &'a str,
    /// `RoleSessionName` when configured (`role_session_name`, `AWS_ROLE_SESSION_NAME`);
    /// `None` when the session name was generated (botocore deletes it from the key).
    pub role_session_name: Option<&'a str>,
    /// `ExternalId`.
    pub external_id: Option<&'a str>,
    /// `SerialNumber` (`mfa_serial`).
    pub serial_number: Option<&'a str>,
    /// `DurationSeconds`, an integer in the key.
    pub duration_seconds: Option<u64>,
    /// `Policy`, parsed (botocore `json.loads` it so that its keys are sorted too).
    pub policy: Option<&'a serde_json::Value>,
}

/// How a profile logs in, which selects the role-credential key's last field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login<'a> {
    /// Through an `[sso-session NAME]`.
    Session(&'a str),
    /// A legacy profile with `sso_start_url` set directly.
    StartUrl(&'a str),
}

/// A file stem that cannot name a cache entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a cache key: it must be a non-empty file name without path separators")]
pub struct InvalidKey;

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests;
