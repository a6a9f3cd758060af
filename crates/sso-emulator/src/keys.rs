//! AWS credentials the emulator hands out (GetRoleCredentials, AssumeRole,
//! AssumeRoleWithWebIdentity, the container and IMDS endpoints) and the principal each belongs
//! to, so that a later signed STS call can be verified and `GetCallerIdentity` can answer.
//!
//! Every access key id names its role: `ASIAEMU` + the role name's letters and digits in upper
//! case (at most 16) + 8 random characters, e.g. `ASIAEMUADMIN4K2P7QXZ`.

use time::OffsetDateTime;

use crate::secret::Secret;
use crate::state::Inner;

/// Letters and digits used in access key ids.
const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Characters of secret access keys.
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Who a set of credentials authenticates as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Principal {
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` or `arn:aws:iam::ACCOUNT:user/NAME`.
    pub(crate) arn: String,
    /// `AROA…:SESSION` or `AIDA…`.
    pub(crate) user_id: String,
    /// The 12-digit account.
    pub(crate) account: String,
}

impl Principal {
    /// An assumed-role session in `account`.
    pub(crate) fn assumed_role(account: &str, role: &str, session: &str) -> Self {
        Self {
            arn: format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
            user_id: format!("AROAEMU{}:{session}", key_tag(role)),
            account: account.to_owned(),
        }
    }
}

/// Credentials the emulator knows, keyed by access key id in [`Inner::issued_keys`].
#[derive(Debug, Clone)]
pub(crate) struct IssuedKey {
    pub(crate) secret_access_key: Secret,
    /// `None` for the configured static key pair.
    pub(crate) session_token: Option<Secret>,
    pub(crate) principal: Principal,
    /// `None` for the configured static key pair.
    pub(crate) expires_at_ms: Option<i64>,
}

/// Freshly issued temporary credentials, as the handlers put them on the wire.
#[derive(Debug)]
pub(crate) struct Issued {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: Secret,
    pub(crate) session_token: Secret,
    pub(crate) expires_at_ms: i64,
}

impl Inner {
    /// Issues temporary credentials for `principal`, named after `role`, valid `lifetime_secs`.
    pub(crate) fn issue_credentials(
        &mut self,
        role: &str,
        principal: Principal,
        lifetime_secs: u64,
    ) -> Issued {
        let access_key_id =
            self.random_string(&format!("ASIAEMU{}", key_tag(role)), KEY_ALPHABET, 8);
        let secret_access_key = Secret::new(self.random_string("", SECRET_ALPHABET, 40));
        let session_token = Secret::new(self.random_token("emu-st-", 200));
        let lifetime_ms = i64::try_from(lifetime_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let expires_at_ms = self.now_ms().saturating_add(lifetime_ms);
        self.issued_keys.insert(
            access_key_id.clone(),
            IssuedKey {
                secret_access_key: secret_access_key.clone(),
                session_token: Some(session_token.clone()),
                principal,
                expires_at_ms: Some(expires_at_ms),
            },
        );
        Issued {
            access_key_id,
            secret_access_key,
            session_token,
            expires_at_ms,
        }
    }

    /// The credentials behind `access_key_id`: issued ones, or the configured static pair.
    pub(crate) fn key(&self, access_key_id: &str) -> Option<IssuedKey> {
        if let Some(key) = self.issued_keys.get(access_key_id) {
            return Some(key.clone());
        }
        let configured = self.config.static_access_key_id.as_deref()?;
        let secret = self.config.static_secret_access_key.as_deref()?;
        (configured == access_key_id).then(|| IssuedKey {
            secret_access_key: Secret::new(secret.to_owned()),
            session_token: None,
            principal: Principal {
                arn: format!("arn:aws:iam::{STATIC_USER_ACCOUNT}:user/emulator-user"),
                user_id: "AIDAEMUSTATICUSER".to_owned(),
                account: STATIC_USER_ACCOUNT.to_owned(),
            },
            expires_at_ms: None,
        })
    }
}

/// The account of the configured static key pair's IAM user (the first seeded account).
pub(crate) const STATIC_USER_ACCOUNT: &str = "111111111111";

/// The role name's letters and digits in upper case, at most 16.
fn key_tag(role: &str) -> String {
    role.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .take(16)
        .collect()
}

/// `YYYY-MM-DDTHH:MM:SSZ` for epoch milliseconds (what STS, IMDS and container servers send).
pub(crate) fn rfc3339(epoch_ms: i64) -> String {
    let seconds = epoch_ms.div_euclid(1000);
    let t = OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_tags() {
        assert_eq!(rfc3339(1_628_193_482_250), "2021-08-05T19:58:02Z");
        assert_eq!(key_tag("Admin-Role_2/x"), "ADMINROLE2X");
        assert_eq!(key_tag("a".repeat(40).as_str()).len(), 16);
    }
}
