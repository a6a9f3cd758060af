//! The cache file formats as plain data: SSO tokens, client registrations and role credentials.
//!
//! Pure code: bytes in, values out, and back. Readers accept what the AWS CLI, botocore and the
//! Rust SDK write (keys matched case-insensitively, several timestamp suffixes, unknown fields
//! kept); writers produce exactly what the AWS CLI writes (one line of Python `json.dumps`, keys
//! in the CLI's order, timestamps as `YYYY-MM-DDTHH:MM:SSZ`, no trailing newline).

use crate::pyjson;
use serde::de;
use serde_json::{Map, Value};
use sso_base::Timestamp;
use sso_base::{AccessToken, ClientSecret, RefreshToken, SecretAccessKey, SessionToken};
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;
use zeroize::Zeroizing;

mod assumed_role;

pub use assumed_role::{AssumedRoleCredentials, AssumedRoleUser};

/// How long before expiry the CLI stops reusing a client registration or role credentials, and
/// starts refreshing a token (15 minutes).
pub const EXPIRY_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Largest cache file the readers accept; real entries are well under 4 KiB.
pub const MAX_ENTRY_BYTES: u64 = 1024 * 1024;

/// One kind of cache entry: parsed from and written to its JSON file.
///
/// Implemented by [`CachedToken`], [`ClientRegistration`], [`RoleCredentials`] and
/// [`AssumedRoleCredentials`]; sealed.
pub trait CacheEntry: Sized + sealed::Sealed {
    /// Parses a file's bytes.
    ///
    /// # Errors
    ///
    /// Returns the [`BadEntry`] reason when the bytes are not a valid entry of this kind.
    fn from_json(bytes: &[u8]) -> Result<Self, BadEntry>;

    /// The file's bytes as the AWS CLI would write them (wiped on drop: they contain secrets).
    fn to_json(&self) -> Zeroizing<String>;

    /// When the entry stops being usable.
    fn expires_at(&self) -> Timestamp;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::CachedToken {}
    impl Sealed for super::ClientRegistration {}
    impl Sealed for super::RoleCredentials {}
    impl Sealed for super::AssumedRoleCredentials {}
}

/// An SSO token file in `~/.aws/sso/cache/` (protocol.md §4.1).
///
/// Plain data: converting from and to the protocol's token types is the caller's job. To keep
/// fields this crate does not know on a rewrite, carry `unknown` over from the entry read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedToken {
    /// `startUrl`: the configured start URL.
    pub start_url: Option<String>,
    /// `region`: the `sso_region` the token was issued in.
    pub region: Option<String>,
    /// `accessToken` (required).
    pub access_token: AccessToken,
    /// `expiresAt` (required).
    pub expires_at: Timestamp,
    /// `clientId` of the registration that can refresh the token.
    pub client_id: Option<String>,
    /// `clientSecret` of that registration.
    pub client_secret: Option<ClientSecret>,
    /// `registrationExpiresAt`: when that registration expires.
    pub registration_expires_at: Option<Timestamp>,
    /// `refreshToken`, written only when present.
    pub refresh_token: Option<RefreshToken>,
    /// Fields this crate does not know, kept in their order and written after the known ones.
    pub unknown: UnknownFields,
}

impl CachedToken {
    /// Whether the access token has expired at `now`.
    #[must_use]
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at <= now
    }

    /// Whether less than `window` remains at `now` (botocore refreshes with 15 minutes left).
    #[must_use]
    pub fn expires_within(&self, now: Timestamp, window: Duration) -> bool {
        self.expires_at < now.saturating_add(window)
    }

    /// Whether the entry holds everything a refresh needs (refresh token, client id and secret)
    /// and its registration has not expired at `now` (botocore's precondition, §4.4).
    #[must_use]
    pub fn can_refresh(&self, now: Timestamp) -> bool {
        self.refresh_token.is_some()
            && self.client_id.is_some()
            && self.client_secret.is_some()
            && self.registration_expires_at.is_some_and(|at| at > now)
    }
}

impl CacheEntry for CachedToken {
    fn from_json(bytes: &[u8]) -> Result<Self, BadEntry> {
        const NAMES: [&str; 8] = [
            "startUrl",
            "region",
            "accessToken",
            "expiresAt",
            "clientId",
            "clientSecret",
            "registrationExpiresAt",
            "refreshToken",
        ];
        let (slots, unknown) = parse_fields(bytes, &NAMES)?;
        let [
            start_url,
            region,
            access_token,
            expires_at,
            client_id,
            client_secret,
            reg_expires,
            refresh,
        ] = slots;
        Ok(Self {
            start_url: opt_string(start_url, "startUrl")?,
            region: opt_string(region, "region")?,
            access_token: AccessToken::new(req_string(access_token, "accessToken")?),
            expires_at: req_timestamp(expires_at, "expiresAt")?,
            client_id: opt_string(client_id, "clientId")?,
            client_secret: opt_string(client_secret, "clientSecret")?.map(ClientSecret::new),
            registration_expires_at: opt_timestamp(reg_expires, "registrationExpiresAt")?,
            refresh_token: opt_string(refresh, "refreshToken")?.map(RefreshToken::new),
            unknown,
        })
    }

    fn to_json(&self) -> Zeroizing<String> {
        let mut w = ObjectWriter::new();
        w.opt_str("startUrl", self.start_url.as_deref());
        w.opt_str("region", self.region.as_deref());
        w.str("accessToken", self.access_token.expose_secret());
        w.timestamp("expiresAt", self.expires_at);
        w.opt_str("clientId", self.client_id.as_deref());
        w.opt_str(
            "clientSecret",
            self.client_secret.as_ref().map(ClientSecret::expose_secret),
        );
        if let Some(at) = self.registration_expires_at {
            w.timestamp("registrationExpiresAt", at);
        }
        w.opt_str(
            "refreshToken",
            self.refresh_token.as_ref().map(RefreshToken::expose_secret),
        );
        w.finish(&self.unknown)
    }

    fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
}

/// Which login flow wants to reuse a client registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationFlow {
    /// The device authorization grant (RFC 8628).
    DeviceCode,
    /// The authorization code grant with PKCE (RFC 7636).
    AuthorizationCode,
}

/// A client-registration entry in `~/.aws/sso/cache/` (protocol.md §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRegistration {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`.
    pub client_secret: ClientSecret,
    /// `expiresAt`: the registration's `clientSecretExpiresAt`.
    pub expires_at: Timestamp,
    /// `scopes`: written when there were any, and always for PKCE registrations.
    pub scopes: Option<Vec<String>>,
    /// `grantTypes`: `["authorization_code", "refresh_token"]` for PKCE registrations.
    pub grant_types: Option<Vec<String>>,
    /// Fields this crate does not know, written after the known ones.
    pub unknown: UnknownFields,
}

impl ClientRegistration {
    /// The CLI's reuse rule: fresh (at least `margin`, normally [`EXPIRY_WINDOW`], before
    /// `expiresAt`) and registered for `flow` (PKCE needs `authorization_code` in `grantTypes`,
    /// the device flow needs it absent).
    #[must_use]
    pub fn is_reusable(&self, flow: RegistrationFlow, now: Timestamp, margin: Duration) -> bool {
        let has_auth_code = self
            .grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|t| t == "authorization_code"));
        let right_flow = match flow {
            RegistrationFlow::DeviceCode => !has_auth_code,
            RegistrationFlow::AuthorizationCode => has_auth_code,
        };
        right_flow && self.expires_at >= now.saturating_add(margin)
    }
}

impl CacheEntry for ClientRegistration {
    fn from_json(bytes: &[u8]) -> Result<Self, BadEntry> {
        const NAMES: [&str; 5] = [
            "clientId",
            "clientSecret",
            "expiresAt",
            "scopes",
            "grantTypes",
        ];
        let (slots, unknown) = parse_fields(bytes, &NAMES)?;
        let [client_id, client_secret, expires_at, scopes, grant_types] = slots;
        Ok(Self {
            client_id: req_string(client_id, "clientId")?,
            client_secret: ClientSecret::new(req_string(client_secret, "clientSecret")?),
            expires_at: req_timestamp(expires_at, "expiresAt")?,
            scopes: opt_string_list(scopes, "scopes")?,
            grant_types: opt_string_list(grant_types, "grantTypes")?,
            unknown,
        })
    }

    fn to_json(&self) -> Zeroizing<String> {
        let mut w = ObjectWriter::new();
        w.str("clientId", &self.client_id);
        w.str("clientSecret", self.client_secret.expose_secret());
        w.timestamp("expiresAt", self.expires_at);
        if let Some(scopes) = &self.scopes {
            w.str_list("scopes", scopes);
        }
        if let Some(grant_types) = &self.grant_types {
            w.str_list("grantTypes", grant_types);
        }
        w.finish(&self.unknown)
    }

    fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
}

/// An SSO role-credential entry in `~/.aws/cli/cache/` (protocol.md §4.5):
/// `{"ProviderType": "sso", "Credentials": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleCredentials {
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `SecretAccessKey`.
    pub secret_access_key: SecretAccessKey,
    /// `SessionToken`.
    pub session_token: SessionToken,
    /// `Expiration`.
    pub expiration: Timestamp,
    /// `AccountId`.
    pub account_id: Option<String>,
    /// Unknown fields inside `Credentials`, written after the known ones.
    pub unknown: UnknownFields,
}

impl RoleCredentials {
    /// The CLI's rule (`CachedCredentialFetcher`): usable while at least `margin` (normally
    /// [`EXPIRY_WINDOW`]) remains before `Expiration`.
    #[must_use]
    pub fn is_fresh(&self, now: Timestamp, margin: Duration) -> bool {
        self.expiration >= now.saturating_add(margin)
    }
}

impl CacheEntry for RoleCredentials {
    fn from_json(bytes: &[u8]) -> Result<Self, BadEntry> {
        let (slots, _) = parse_fields(bytes, &["ProviderType", "Credentials"])?;
        let [provider, credentials] = slots;
        if opt_string(provider, "ProviderType")?.as_deref() != Some("sso") {
            return Err(BadEntry::NotSso);
        }
        let credentials = match credentials {
            Some(Value::Object(map)) => map,
            None | Some(Value::Null) => return Err(BadEntry::MissingField("Credentials")),
            Some(_) => {
                return Err(BadEntry::WrongType {
                    field: "Credentials",
                    expected: "an object",
                });
            }
        };
        const NAMES: [&str; 5] = [
            "AccessKeyId",
            "SecretAccessKey",
            "SessionToken",
            "Expiration",
            "AccountId",
        ];
        let (slots, unknown) = split_fields(credentials, &NAMES);
        let [access_key_id, secret, session_token, expiration, account_id] = slots;
        Ok(Self {
            access_key_id: req_string(access_key_id, "AccessKeyId")?,
            secret_access_key: SecretAccessKey::new(req_string(secret, "SecretAccessKey")?),
            session_token: SessionToken::new(req_string(session_token, "SessionToken")?),
            expiration: req_timestamp(expiration, "Expiration")?,
            account_id: opt_string(account_id, "AccountId")?,
            unknown,
        })
    }

    fn to_json(&self) -> Zeroizing<String> {
        let mut inner = ObjectWriter::new();
        inner.str("AccessKeyId", &self.access_key_id);
        inner.str("SecretAccessKey", self.secret_access_key.expose_secret());
        inner.str("SessionToken", self.session_token.expose_secret());
        inner.timestamp("Expiration", self.expiration);
        inner.opt_str("AccountId", self.account_id.as_deref());
        let inner = inner.finish(&self.unknown);
        let mut out = Zeroizing::new(String::with_capacity(inner.len() + 48));
        out.push_str("{\"ProviderType\": \"sso\", \"Credentials\": ");
        out.push_str(&inner);
        out.push('}');
        out
    }

    fn expires_at(&self) -> Timestamp {
        self.expiration
    }
}

/// JSON fields this crate does not interpret, kept in file order so that a rewrite keeps them.
///
/// `Debug` shows only the keys: values may hold secrets of tools we do not know.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UnknownFields(Map<String, Value>);

impl UnknownFields {
    /// No fields.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of field `key`, compared exactly.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// Adds or replaces a field; a key that names a known field is written twice, so avoid it.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        self.0.insert(key.into(), value);
    }

    /// The field names in file order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

impl fmt::Debug for UnknownFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// Why a cache file cannot be used. Shown after the file's path: `<path>: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadEntry {
    /// The file has no bytes (for example a write that was cut short by a crash of another tool).
    #[error("the file is empty")]
    Empty,
    /// The JSON ends early: another tool's write was interrupted.
    #[error("the file is truncated")]
    Truncated,
    /// The bytes are not JSON.
    #[error("the file is not JSON ({0})")]
    NotJson(String),
    /// The JSON is not an object.
    #[error("the JSON is not an object")]
    NotAnObject,
    /// A required field is absent.
    #[error("`{0}` is missing")]
    MissingField(&'static str),
    /// A field has the wrong JSON type.
    #[error("`{field}` is not {expected}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What it should be, with an article ("a string").
        expected: &'static str,
    },
    /// A timestamp field is not a timestamp.
    #[error("`{field}` is not a timestamp like 2024-01-01T00:00:00Z: {value:?}")]
    BadTimestamp {
        /// The field.
        field: &'static str,
        /// Its text (timestamps are not secret).
        value: String,
    },
    /// A role-credential file that was not written by an SSO provider (assume-role, web identity).
    #[error("`ProviderType` is not \"sso\"")]
    NotSso,
    /// The file is larger than [`MAX_ENTRY_BYTES`].
    #[error("the file is larger than {MAX_ENTRY_BYTES} bytes")]
    TooLarge,
    /// The entry is well formed but has expired.
    #[error("expired at {0}")]
    Expired(Timestamp),
}

/// Parses a JSON object straight into the slots of the known fields (matched
/// ASCII-case-insensitively, last one wins, like the Rust SDK), keeping the rest in order.
/// Going through serde's visitor instead of a `Value` avoids building a map for the known fields:
/// this is the warm path of every credential lookup.
fn parse_fields<const N: usize>(
    bytes: &[u8],
    names: &[&str; N],
) -> Result<([Option<Value>; N], UnknownFields), BadEntry> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BadEntry::Empty);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = de::DeserializeSeed::deserialize(FieldsSeed { names }, &mut de)
        .and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => BadEntry::Truncated,
        // The only data error the visitor raises is for a top-level value that is not an object.
        serde_json::error::Category::Data => BadEntry::NotAnObject,
        _ => BadEntry::NotJson(e.to_string()),
    })
}

/// Splits an already parsed object the same way as [`parse_fields`].
fn split_fields<const N: usize>(
    map: Map<String, Value>,
    names: &[&str; N],
) -> ([Option<Value>; N], UnknownFields) {
    let mut slots: [Option<Value>; N] = std::array::from_fn(|_| None);
    let mut unknown = Map::new();
    for (key, value) in map {
        match names.iter().position(|n| n.eq_ignore_ascii_case(&key)) {
            Some(i) => slots[i] = Some(value),
            None => {
                unknown.insert(key, value);
            }
        }
    }
    (slots, UnknownFields(unknown))
}

struct FieldsSeed<'n, const N: usize> {
    names: &'n [&'n str; N],
}

impl<'de, const N: usize> de::DeserializeSeed<'de> for FieldsSeed<'_, N> {
    type Value = ([Option<Value>; N], UnknownFields);

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, const N: usize> de::Visitor<'de> for FieldsSeed<'_, N> {
    type Value = ([Option<Value>; N], UnknownFields);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut slots: [Option<Value>; N] = std::array::from_fn(|_| None);
        let mut unknown = Map::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match self.names.iter().position(|n| n.eq_ignore_ascii_case(&key)) {
                Some(i) => slots[i] = Some(map.next_value()?),
                None => {
                    unknown.insert(key.into_owned(), map.next_value()?);
                }
            }
        }
        Ok((slots, UnknownFields(unknown)))
    }
}

/// An object key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

fn opt_string(value: Option<Value>, field: &'static str) -> Result<Option<String>, BadEntry> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(BadEntry::WrongType {
            field,
            expected: "a string",
        }),
    }
}

fn req_string(value: Option<Value>, field: &'static str) -> Result<String, BadEntry> {
    opt_string(value, field)?.ok_or(BadEntry::MissingField(field))
}

fn opt_timestamp(value: Option<Value>, field: &'static str) -> Result<Option<Timestamp>, BadEntry> {
    let Some(text) = opt_string(value, field)? else {
        return Ok(None);
    };
    Timestamp::parse(&text)
        .map(Some)
        .map_err(|_| BadEntry::BadTimestamp { field, value: text })
}

fn req_timestamp(value: Option<Value>, field: &'static str) -> Result<Timestamp, BadEntry> {
    opt_timestamp(value, field)?.ok_or(BadEntry::MissingField(field))
}

fn opt_string_list(
    value: Option<Value>,
    field: &'static str,
) -> Result<Option<Vec<String>>, BadEntry> {
    let wrong = BadEntry::WrongType {
        field,
        expected: "a list of strings",
    };
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(wrong.clone()),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(wrong),
    }
}

/// Writes one object the way Python's `json.dumps` does, in call order.
struct ObjectWriter {
    out: Zeroizing<String>,
    first: bool,
}

impl ObjectWriter {
    fn new() -> Self {
        let mut out = Zeroizing::new(String::with_capacity(1024));
        out.push('{');
        Self { out, first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push_str(", ");
        }
        self.first = false;
        pyjson::write_str(&mut self.out, key);
        self.out.push_str(": ");
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        pyjson::write_str(&mut self.out, value);
    }

    fn opt_str(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.str(key, value);
        }
    }

    /// A value that is already JSON text (a nested object written by another writer).
    fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.out.push_str(json);
    }

    /// Fields kept from a file, in their order.
    fn fields(&mut self, fields: &UnknownFields) {
        for (key, value) in &fields.0 {
            self.key(key);
            pyjson::write_value(&mut self.out, value);
        }
    }

    fn timestamp(&mut self, key: &str, value: Timestamp) {
        self.str(key, &value.to_string());
    }

    fn str_list(&mut self, key: &str, values: &[String]) {
        self.key(key);
        self.out.push('[');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            pyjson::write_str(&mut self.out, value);
        }
        self.out.push(']');
    }

    fn finish(mut self, unknown: &UnknownFields) -> Zeroizing<String> {
        self.fields(unknown);
        self.out.push('}');
        self.out
    }
}

#[cfg(test)]
mod tests;
