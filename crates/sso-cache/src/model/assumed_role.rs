//! The AWS CLI's assumed-role entries in `~/.aws/cli/cache/` (protocol.md §11.4): the whole
//! parsed STS response, as `{"Credentials": {...}, "AssumedRoleUser": {...}, ...,
//! "ResponseMetadata": {...}}`, written by assume-role and web-identity profiles alike.

use std::time::Duration;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::{
    BadEntry, CacheEntry, ObjectWriter, UnknownFields, opt_string, parse_fields, req_string,
    req_timestamp, split_fields,
};
use sso_base::Timestamp;
use sso_base::{SecretAccessKey, SessionToken};

/// `AssumedRoleUser` of an STS response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumedRoleUser {
    /// `AssumedRoleId`.
    pub assumed_role_id: String,
    /// `Arn`.
    pub arn: String,
}

/// An assumed-role entry: written by `aws` for `role_arn` and web-identity profiles, read by
/// `aws` and `sso` alike.
///
/// Top-level fields other than `Credentials` and `AssumedRoleUser` (`ResponseMetadata`,
/// `SubjectFromWebIdentityToken`, `Provider`, `Audience`, `PackedPolicySize`, `SourceIdentity`)
/// are kept in `response` in file order. The writer puts `SubjectFromWebIdentityToken` before
/// `AssumedRoleUser` and the rest after it: the STS model's member order, which is the order
/// of the CLI's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumedRoleCredentials {
    /// `Credentials.AccessKeyId`.
    pub access_key_id: String,
    /// `Credentials.SecretAccessKey`.
    pub secret_access_key: SecretAccessKey,
    /// `Credentials.SessionToken`.
    pub session_token: SessionToken,
    /// `Credentials.Expiration`, written as the CLI v2 does (`…+00:00`).
    pub expiration: Timestamp,
    /// `Credentials.AccountId`: the account of `AssumedRoleUser.Arn` (botocore adds it).
    pub account_id: Option<String>,
    /// Unknown fields inside `Credentials`, written after the known ones.
    pub credentials_unknown: UnknownFields,
    /// `AssumedRoleUser`.
    pub assumed_role_user: Option<AssumedRoleUser>,
    /// The other top-level fields, in file order.
    pub response: UnknownFields,
}

/// The top-level field the STS model puts before `AssumedRoleUser` (web identity only).
const BEFORE_ASSUMED_ROLE_USER: &str = "SubjectFromWebIdentityToken";

impl AssumedRoleCredentials {
    /// The CLI's rule (`CachedCredentialFetcher._is_expired`): usable while at least `margin`
    /// (normally [`super::EXPIRY_WINDOW`]) remains before `Expiration`.
    #[must_use]
    pub fn is_fresh(&self, now: Timestamp, margin: Duration) -> bool {
        self.expiration >= now.saturating_add(margin)
    }

    /// Sets `ResponseMetadata` as botocore records it: `RequestId`, `HTTPStatusCode`,
    /// `HTTPHeaders` (names lower-cased, the last value of a repeated header) and
    /// `RetryAttempts`.
    pub fn set_response_metadata(
        &mut self,
        request_id: Option<&str>,
        status: u16,
        headers: &[(&str, &str)],
        retry_attempts: u32,
    ) {
        let mut header_map = Map::new();
        for (name, value) in headers {
            header_map.insert(name.to_ascii_lowercase(), Value::from(*value));
        }
        let mut metadata = Map::new();
        if let Some(request_id) = request_id {
            metadata.insert("RequestId".to_owned(), Value::from(request_id));
        }
        metadata.insert("HTTPStatusCode".to_owned(), Value::from(status));
        metadata.insert("HTTPHeaders".to_owned(), Value::Object(header_map));
        metadata.insert("RetryAttempts".to_owned(), Value::from(retry_attempts));
        self.response
            .insert("ResponseMetadata", Value::Object(metadata));
    }
}

impl CacheEntry for AssumedRoleCredentials {
    fn from_json(bytes: &[u8]) -> Result<Self, BadEntry> {
        let (slots, response) = parse_fields(bytes, &["Credentials", "AssumedRoleUser"])?;
        let [credentials, user] = slots;
        let credentials =
            object(credentials, "Credentials")?.ok_or(BadEntry::MissingField("Credentials"))?;
        const NAMES: [&str; 5] = [
            "AccessKeyId",
            "SecretAccessKey",
            "SessionToken",
            "Expiration",
            "AccountId",
        ];
        let (slots, credentials_unknown) = split_fields(credentials, &NAMES);
        let [access_key_id, secret, session_token, expiration, account_id] = slots;
        let assumed_role_user = match object(user, "AssumedRoleUser")? {
            None => None,
            Some(user) => {
                let (slots, _) = split_fields(user, &["AssumedRoleId", "Arn"]);
                let [id, arn] = slots;
                Some(AssumedRoleUser {
                    assumed_role_id: req_string(id, "AssumedRoleId")?,
                    arn: req_string(arn, "Arn")?,
                })
            }
        };
        Ok(Self {
            access_key_id: req_string(access_key_id, "AccessKeyId")?,
            secret_access_key: SecretAccessKey::new(req_string(secret, "SecretAccessKey")?),
            session_token: SessionToken::new(req_string(session_token, "SessionToken")?),
            expiration: req_timestamp(expiration, "Expiration")?,
            account_id: opt_string(account_id, "AccountId")?,
            credentials_unknown,
            assumed_role_user,
            response,
        })
    }

    fn to_json(&self) -> Zeroizing<String> {
        let mut credentials = ObjectWriter::new();
        credentials.str("AccessKeyId", &self.access_key_id);
        credentials.str("SecretAccessKey", self.secret_access_key.expose_secret());
        credentials.str("SessionToken", self.session_token.expose_secret());
        credentials.str("Expiration", &self.expiration.to_python_isoformat());
        credentials.opt_str("AccountId", self.account_id.as_deref());
        let credentials = credentials.finish(&self.credentials_unknown);

        let mut before = UnknownFields::new();
        let mut after = UnknownFields::new();
        for (key, value) in &self.response.0 {
            let side = if key == BEFORE_ASSUMED_ROLE_USER {
                &mut before
            } else {
                &mut after
            };
            side.insert(key.clone(), value.clone());
        }

        let mut top = ObjectWriter::new();
        top.raw("Credentials", &credentials);
        top.fields(&before);
        if let Some(user) = &self.assumed_role_user {
            let mut inner = ObjectWriter::new();
            inner.str("AssumedRoleId", &user.assumed_role_id);
            inner.str("Arn", &user.arn);
            top.raw("AssumedRoleUser", &inner.finish(&UnknownFields::new()));
        }
        top.finish(&after)
    }

    fn expires_at(&self) -> Timestamp {
        self.expiration
    }
}

fn object(
    value: Option<Value>,
    field: &'static str,
) -> Result<Option<Map<String, Value>>, BadEntry> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(BadEntry::WrongType {
            field,
            expected: "an object",
        }),
    }
}
