//! The emulator's mutable state behind one `Mutex`: knobs, counters, client registrations,
//! device and authorization codes, access and refresh tokens, the seeded directory, issued AWS
//! credentials, IMDSv2 tokens and the log of STS calls.
//!
//! Handlers lock it once per request and never hold the lock across an `.await`. Time is the
//! wall clock plus [`Config::clock_offset_secs`], so tests can expire things without sleeping.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::Config;
use crate::error::DeviceDecisionError;
use crate::keys::IssuedKey;
use crate::secret::Secret;
use crate::seed::Directory;
use crate::stats::{Operation, Stats};

/// Letters used in user codes: consonants only, so codes never spell words and never mix up
/// `0`/`O` or `1`/`I`.
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Characters used in tokens and codes.
const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// State shared by every connection of one emulator.
#[derive(Debug)]
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    base_url: String,
}

impl Shared {
    pub(crate) fn new(config: Config, seed: u64, base_url: String) -> Self {
        let directory = Directory::new(config.accounts, config.roles_per_account);
        let inner = Inner {
            config,
            rng: fastrand::Rng::with_seed(seed),
            directory,
            clients: HashMap::new(),
            devices: HashMap::new(),
            user_codes: HashMap::new(),
            auth_codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            stats: Stats::default(),
            portal_calls: 0,
            sts_calls: 0,
            next_session: 1,
            issued_keys: HashMap::new(),
            imds_tokens: HashMap::new(),
            sts_calls_log: Vec::new(),
        };
        Self {
            inner: Mutex::new(inner),
            base_url,
        }
    }

    /// Locks the state. A handler that panicked cannot leave it half-updated in a way that
    /// matters for an emulator, so a poisoned lock is taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `http://127.0.0.1:{port}`, without a trailing slash.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }
}

/// A registered OIDC client.
#[derive(Debug)]
pub(crate) struct Client {
    pub(crate) secret: Secret,
    pub(crate) scopes: Vec<String>,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) grant_types: Vec<String>,
    /// `clientSecretExpiresAt`, epoch seconds.
    pub(crate) expires_at_secs: i64,
}

impl Client {
    /// Whether the client may use `grant_type`. A client registered without `grantTypes` (what
    /// the AWS CLI sends for the device flow) may use the device code and refresh grants.
    pub(crate) fn allows_grant(&self, grant_type: &str) -> bool {
        if self.grant_types.is_empty() {
            grant_type == DEVICE_CODE_GRANT || grant_type == "refresh_token"
        } else {
            self.grant_types.iter().any(|g| g == grant_type)
        }
    }
}

/// The device code grant type (RFC 8628 §3.4).
pub(crate) const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Where a device authorization stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceStatus {
    Pending,
    Approved,
    Denied,
    /// A token was issued; the device code cannot be used again.
    Consumed,
}

/// A device authorization started by `StartDeviceAuthorization`.
#[derive(Debug)]
pub(crate) struct DeviceAuth {
    pub(crate) client_id: String,
    pub(crate) user_code: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_at_ms: i64,
    pub(crate) status: DeviceStatus,
    /// The interval the client must respect; grows by 5 s on every `slow_down` (RFC 8628 §3.5).
    pub(crate) interval_secs: u64,
    pub(crate) last_poll_ms: Option<i64>,
}

/// An authorization code issued by `/authorize`.
#[derive(Debug)]
pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) code_challenge: Secret,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_at_ms: i64,
}

/// A live access token.
#[derive(Debug)]
pub(crate) struct AccessGrant {
    pub(crate) session: u64,
    pub(crate) expires_at_ms: i64,
}

/// A live refresh token.
#[derive(Debug)]
pub(crate) struct RefreshGrant {
    pub(crate) client_id: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) session: u64,
}

/// Tokens issued by one `CreateToken` call.
#[derive(Debug)]
pub(crate) struct IssuedTokens {
    pub(crate) access_token: Secret,
    pub(crate) refresh_token: Option<Secret>,
    pub(crate) expires_in: u64,
}

/// Everything behind the lock.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: Config,
    rng: fastrand::Rng,
    directory: Directory,
    pub(crate) clients: HashMap<String, Client>,
    pub(crate) devices: HashMap<Secret, DeviceAuth>,
    /// User code to device code.
    pub(crate) user_codes: HashMap<String, Secret>,
    pub(crate) auth_codes: HashMap<Secret, AuthCode>,
    pub(crate) access_tokens: HashMap<Secret, AccessGrant>,
    pub(crate) refresh_tokens: HashMap<Secret, RefreshGrant>,
    pub(crate) stats: Stats,
    portal_calls: u64,
    sts_calls: u64,
    next_session: u64,
    /// Credentials the emulator issued (role, assumed-role, container, IMDS), by access key id.
    pub(crate) issued_keys: HashMap<String, IssuedKey>,
    /// IMDSv2 session tokens and their expiry (epoch milliseconds).
    pub(crate) imds_tokens: HashMap<Secret, i64>,
    /// Every STS call that reached a handler, in order.
    pub(crate) sts_calls_log: Vec<crate::sts::StsCall>,
}

impl Inner {
    /// The emulator's clock: wall clock plus the offset knob, in epoch milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        wall.saturating_add(self.config.clock_offset_secs.saturating_mul(1000))
    }

    /// The emulator's clock in epoch seconds.
    pub(crate) fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// A fresh random string of `len` characters from `alphabet` after `prefix`.
    pub(crate) fn random_string(&mut self, prefix: &str, alphabet: &[u8], len: usize) -> String {
        let mut out = String::with_capacity(prefix.len() + len);
        out.push_str(prefix);
        for _ in 0..len {
            out.push(char::from(alphabet[self.rng.usize(..alphabet.len())]));
        }
        out
    }

    /// A fresh token-like secret: `prefix` and `len` alphanumeric characters.
    pub(crate) fn random_token(&mut self, prefix: &str, len: usize) -> String {
        self.random_string(prefix, TOKEN_ALPHABET, len)
    }

    /// A fresh user code, `ABCD-EFGH`, not used by any live device authorization.
    pub(crate) fn new_user_code(&mut self) -> String {
        loop {
            let first = self.random_string("", USER_CODE_ALPHABET, 4);
            let code = self.random_string(&format!("{first}-"), USER_CODE_ALPHABET, 4);
            if !self.user_codes.contains_key(&code) {
                return code;
            }
        }
    }

    /// The seeded directory, rebuilt first if the size knobs changed.
    pub(crate) fn directory(&mut self) -> &Directory {
        let (accounts, roles) = (self.config.accounts, self.config.roles_per_account);
        if !self.directory.has_size(accounts, roles) {
            self.directory = Directory::new(accounts, roles);
        }
        &self.directory
    }

    /// Counts a call of `operation` and, for CreateToken, of its grant type.
    pub(crate) fn count(&mut self, operation: Operation, grant_type: Option<&str>) {
        self.stats.count(operation);
        if operation == Operation::CreateToken {
            let counter = match grant_type {
                Some("authorization_code") => &mut self.stats.create_token_authorization_code,
                Some(DEVICE_CODE_GRANT) => &mut self.stats.create_token_device_code,
                Some("refresh_token") => &mut self.stats.create_token_refresh_token,
                _ => &mut self.stats.create_token_other,
            };
            *counter += 1;
        }
    }

    /// Consumes one injected failure for `operation` (for the call's `account_id`, if any), if
    /// one is configured: its status.
    pub(crate) fn take_failure(
        &mut self,
        operation: Operation,
        account_id: Option<&str>,
    ) -> Option<u16> {
        let rule = self.config.failures.iter_mut().find(|rule| {
            rule.count > 0
                && rule.operation == operation.name()
                && rule
                    .account_id
                    .as_deref()
                    .is_none_or(|wanted| Some(wanted) == account_id)
        })?;
        rule.count -= 1;
        let status = rule.status;
        self.config.failures.retain(|rule| rule.count > 0);
        self.stats.injected_failures += 1;
        Some(status)
    }

    /// Counts a portal call and says whether the throttling knob rejects it.
    pub(crate) fn throttle_portal_call(&mut self) -> bool {
        self.portal_calls += 1;
        let every = u64::from(self.config.throttle_every);
        let throttled = every > 0 && self.portal_calls.is_multiple_of(every);
        if throttled {
            self.stats.throttled += 1;
        }
        throttled
    }

    /// Counts an STS call and says whether the STS throttling knob rejects it.
    pub(crate) fn throttle_sts_call(&mut self) -> bool {
        self.sts_calls += 1;
        let every = u64::from(self.config.sts_throttle_every);
        let throttled = every > 0 && self.sts_calls.is_multiple_of(every);
        if throttled {
            self.stats.throttled += 1;
        }
        throttled
    }

    /// Issues an access token (and a refresh token when `with_refresh`) in `session`, or in a
    /// new session when `None`.
    pub(crate) fn issue_tokens(
        &mut self,
        client_id: &str,
        scopes: &[String],
        session: Option<u64>,
        with_refresh: bool,
    ) -> IssuedTokens {
        let session = session.unwrap_or_else(|| {
            self.next_session += 1;
            self.next_session
        });
        let expires_in = self.config.token_lifetime_secs;
        let lifetime_ms = i64::try_from(expires_in.saturating_mul(1000)).unwrap_or(i64::MAX);
        let access_token = Secret::new(self.random_token("emu-at-", 64));
        let grant = AccessGrant {
            session,
            expires_at_ms: self.now_ms().saturating_add(lifetime_ms),
        };
        self.access_tokens.insert(access_token.clone(), grant);
        let refresh_token = with_refresh.then(|| {
            let token = Secret::new(self.random_token("emu-rt-", 64));
            let grant = RefreshGrant {
                client_id: client_id.to_owned(),
                scopes: scopes.to_vec(),
                session,
            };
            self.refresh_tokens.insert(token.clone(), grant);
            token
        });
        self.stats.tokens_issued += 1;
        IssuedTokens {
            access_token,
            refresh_token,
            expires_in,
        }
    }

    /// The session of a live access token, or `None` if it is unknown, revoked or expired.
    pub(crate) fn session_of(&self, access_token: &str) -> Option<u64> {
        let grant = self.access_tokens.get(access_token)?;
        (grant.expires_at_ms > self.now_ms()).then_some(grant.session)
    }

    /// Revokes every access and refresh token of `session` (Logout).
    pub(crate) fn revoke_session(&mut self, session: u64) {
        self.access_tokens
            .retain(|_, grant| grant.session != session);
        self.refresh_tokens
            .retain(|_, grant| grant.session != session);
    }

    /// Approves (`approve = true`) or denies the pending device authorization of `user_code`.
    pub(crate) fn decide_device(
        &mut self,
        user_code: &str,
        approve: bool,
    ) -> Result<(), DeviceDecisionError> {
        let user_code = normalize_user_code(user_code);
        let now = self.now_ms();
        let device = self
            .user_codes
            .get(&user_code)
            .and_then(|device_code| self.devices.get_mut(device_code))
            .ok_or_else(|| DeviceDecisionError::UnknownUserCode(user_code.clone()))?;
        if device.expires_at_ms <= now {
            return Err(DeviceDecisionError::Expired(user_code));
        }
        if device.status != DeviceStatus::Pending {
            return Err(DeviceDecisionError::AlreadyDecided(user_code));
        }
        device.status = if approve {
            DeviceStatus::Approved
        } else {
            DeviceStatus::Denied
        };
        Ok(())
    }

    /// Approves every pending, unexpired device authorization; returns how many.
    pub(crate) fn approve_all(&mut self) -> usize {
        let now = self.now_ms();
        let mut approved = 0;
        for device in self.devices.values_mut() {
            if device.status == DeviceStatus::Pending && device.expires_at_ms > now {
                device.status = DeviceStatus::Approved;
                approved += 1;
            }
        }
        approved
    }

    /// User codes of pending, unexpired device authorizations, sorted.
    pub(crate) fn pending_user_codes(&self) -> Vec<String> {
        let now = self.now_ms();
        let mut codes: Vec<String> = self
            .devices
            .values()
            .filter(|d| d.status == DeviceStatus::Pending && d.expires_at_ms > now)
            .map(|d| d.user_code.clone())
            .collect();
        codes.sort();
        codes
    }
}

/// Accepts `abcd-efgh`, ` ABCDEFGH ` and `ABCD-EFGH` for the user code `ABCD-EFGH`.
pub(crate) fn normalize_user_code(user_code: &str) -> String {
    let letters: String = user_code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if letters.len() == 8 {
        format!("{}-{}", &letters[..4], &letters[4..])
    } else {
        letters
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_have_the_aws_shape() {
        let shared = Shared::new(Config::default(), 7, "http://127.0.0.1:1".to_owned());
        let mut inner = shared.lock();
        for _ in 0..100 {
            let code = inner.new_user_code();
            assert_eq!(code.len(), 9);
            assert_eq!(&code[4..5], "-");
            assert!(
                code.chars()
                    .all(|c| c == '-' || USER_CODE_ALPHABET.contains(&(c as u8)))
            );
        }
    }

    #[test]
    fn same_seed_gives_same_tokens() {
        let a = Shared::new(Config::default(), 42, String::new());
        let b = Shared::new(Config::default(), 42, String::new());
        assert_eq!(
            a.lock().random_token("emu-at-", 20),
            b.lock().random_token("emu-at-", 20)
        );
    }

    #[test]
    fn user_code_normalization() {
        assert_eq!(normalize_user_code(" abcd-efgh "), "ABCD-EFGH");
        assert_eq!(normalize_user_code("ABCDEFGH"), "ABCD-EFGH");
        assert_eq!(normalize_user_code("AB"), "AB");
    }

    #[test]
    fn state_debug_shows_no_token() {
        let shared = Shared::new(Config::default(), 1, String::new());
        let issued =
            shared
                .lock()
                .issue_tokens("c", &["sso:account:access".to_owned()], None, true);
        let printed = format!("{shared:?}");
        assert!(!printed.contains(issued.access_token.expose()));
        let refresh = issued
            .refresh_token
            .as_ref()
            .map(Secret::expose)
            .unwrap_or_default();
        assert!(!refresh.is_empty() && !printed.contains(refresh));
    }
}
