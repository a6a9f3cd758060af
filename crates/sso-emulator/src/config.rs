//! The emulator's knobs ([`Config`]), the partial update accepted by `POST /emulator/config`
//! ([`ConfigPatch`]), and injected failures ([`FailureRule`]).
//!
//! Everything here is plain data: the state module reads it on every request, so a change made
//! at run time takes effect on the next request.

use serde::{Deserialize, Serialize};

/// Every knob of a running emulator.
///
/// Durations are whole numbers with their unit in the field name, because the same struct is the
/// JSON body of `GET /emulator/config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// Number of seeded accounts.
    pub accounts: u32,
    /// Number of roles in every seeded account.
    pub roles_per_account: u32,
    /// Default page size of `ListAccounts` and `ListAccountRoles` when `max_result` is absent.
    pub page_size: u32,
    /// Delay added before answering every API request (not the control API), in milliseconds.
    pub latency_ms: u64,
    /// Answer every Nth portal call with 429 `TooManyRequestsException`; 0 disables throttling.
    pub throttle_every: u32,
    /// Approve device codes as soon as they are issued.
    pub auto_approve: bool,
    /// Deny every authorization: `/authorize` redirects with `error=access_denied` and device
    /// polls answer `AccessDeniedException`.
    pub deny: bool,
    /// Answer `SlowDownException` when a device code is polled faster than its interval.
    pub enforce_poll_interval: bool,
    /// Answer the next N device-code polls with `SlowDownException`, whatever their timing.
    pub slow_down_polls: u32,
    /// The `interval` returned by `StartDeviceAuthorization`, in seconds.
    pub poll_interval_secs: u64,
    /// Lifetime of device codes and authorization codes, in seconds.
    pub code_lifetime_secs: u64,
    /// Lifetime of access tokens (`expiresIn`), in seconds.
    pub token_lifetime_secs: u64,
    /// Lifetime of client registrations (`clientSecretExpiresAt - clientIdIssuedAt`), in seconds.
    pub registration_lifetime_secs: u64,
    /// Lifetime of role credentials returned by `GetRoleCredentials`, in seconds.
    pub role_credentials_lifetime_secs: u64,
    /// Issue refresh tokens only to clients registered with scopes (what AWS is observed to do);
    /// when false every token response carries a refresh token.
    pub refresh_requires_scopes: bool,
    /// Seconds added to the wall clock: lets tests expire tokens and codes without sleeping.
    pub clock_offset_secs: i64,
    /// Answer every Nth STS call with 400 `Throttling`; 0 disables throttling.
    pub sts_throttle_every: u32,
    /// A long-term key pair STS accepts besides the credentials the emulator issued (an IAM
    /// user's, for profiles with static keys as `source_profile`); both halves or neither.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_access_key_id: Option<String>,
    /// The secret of [`Self::static_access_key_id`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_secret_access_key: Option<String>,
    /// The one-time code `AssumeRole` accepts with a `SerialNumber`; `None` accepts any six
    /// digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_code: Option<String>,
    /// The `Authorization` header value the container-credentials endpoint requires.
    pub container_authorization_token: String,
    /// The role (in the first seeded account) whose credentials the container endpoint serves.
    pub container_role: String,
    /// The instance profile role IMDS lists and serves credentials for.
    pub imds_role: String,
    /// Injected failures, consumed in order of the list.
    pub failures: Vec<FailureRule>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            accounts: 3,
            roles_per_account: 2,
            page_size: 20,
            latency_ms: 0,
            throttle_every: 0,
            auto_approve: false,
            deny: false,
            enforce_poll_interval: true,
            slow_down_polls: 0,
            poll_interval_secs: 1,
            code_lifetime_secs: 600,
            token_lifetime_secs: 3600,
            registration_lifetime_secs: 90 * 24 * 3600,
            role_credentials_lifetime_secs: 3600,
            refresh_requires_scopes: true,
            clock_offset_secs: 0,
            sts_throttle_every: 0,
            static_access_key_id: None,
            static_secret_access_key: None,
            mfa_code: None,
            container_authorization_token: "emulator-container-authorization-token".to_owned(),
            container_role: "ContainerRole".to_owned(),
            imds_role: "InstanceRole".to_owned(),
            failures: Vec::new(),
        }
    }
}

/// An injected failure: the next `count` calls of `operation` answer with `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureRule {
    /// Operation name as in the models (`CreateToken`, `ListAccounts`, `AssumeRole`, ...),
    /// `Authorize`, `ContainerCredentials`, `ImdsToken`, `ImdsRoleList` or `ImdsCredentials`.
    pub operation: String,
    /// How many calls still fail.
    pub count: u32,
    /// 500 (`InternalServerException`) or 503 (`ServiceUnavailableException`); other values are
    /// sent as given with the 500 error code.
    #[serde(default = "default_failure_status")]
    pub status: u16,
    /// Only calls for this account count and fail: the `account_id` query parameter
    /// (ListAccountRoles, GetRoleCredentials) or the account of the `RoleArn` (AssumeRole,
    /// AssumeRoleWithWebIdentity); `None` matches every call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

impl FailureRule {
    /// The next `count` calls of `operation` answer 500 `InternalServerException`.
    pub fn internal_error(operation: &str, count: u32) -> Self {
        Self {
            operation: operation.to_owned(),
            count,
            status: 500,
            account_id: None,
        }
    }

    /// The next `count` calls of `operation` answer 503 `ServiceUnavailableException`.
    pub fn unavailable(operation: &str, count: u32) -> Self {
        Self {
            operation: operation.to_owned(),
            count,
            status: 503,
            account_id: None,
        }
    }

    /// Restricts the rule to calls for one account (`account_id` query parameter).
    #[must_use]
    pub fn for_account(mut self, account_id: &str) -> Self {
        self.account_id = Some(account_id.to_owned());
        self
    }
}

fn default_failure_status() -> u16 {
    500
}

/// A partial [`Config`]: the body of `POST /emulator/config`. Absent fields keep their value;
/// `failures`, when present, replaces the whole list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
#[expect(
    missing_docs,
    reason = "each field is the Config field of the same name"
)]
pub struct ConfigPatch {
    pub accounts: Option<u32>,
    pub roles_per_account: Option<u32>,
    pub page_size: Option<u32>,
    pub latency_ms: Option<u64>,
    pub throttle_every: Option<u32>,
    pub auto_approve: Option<bool>,
    pub deny: Option<bool>,
    pub enforce_poll_interval: Option<bool>,
    pub slow_down_polls: Option<u32>,
    pub poll_interval_secs: Option<u64>,
    pub code_lifetime_secs: Option<u64>,
    pub token_lifetime_secs: Option<u64>,
    pub registration_lifetime_secs: Option<u64>,
    pub role_credentials_lifetime_secs: Option<u64>,
    pub refresh_requires_scopes: Option<bool>,
    pub clock_offset_secs: Option<i64>,
    pub sts_throttle_every: Option<u32>,
    pub static_access_key_id: Option<Option<String>>,
    pub static_secret_access_key: Option<Option<String>>,
    pub mfa_code: Option<Option<String>>,
    pub container_authorization_token: Option<String>,
    pub container_role: Option<String>,
    pub imds_role: Option<String>,
    pub failures: Option<Vec<FailureRule>>,
}

impl ConfigPatch {
    /// Writes every present field into `config`.
    pub fn apply(self, config: &mut Config) {
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(v) = self.$field { config.$field = v; } )* };
        }
        set!(
            accounts,
            roles_per_account,
            page_size,
            latency_ms,
            throttle_every,
            auto_approve,
            deny,
            enforce_poll_interval,
            slow_down_polls,
            poll_interval_secs,
            code_lifetime_secs,
            token_lifetime_secs,
            registration_lifetime_secs,
            role_credentials_lifetime_secs,
            refresh_requires_scopes,
            clock_offset_secs,
            sts_throttle_every,
            static_access_key_id,
            static_secret_access_key,
            mfa_code,
            container_authorization_token,
            container_role,
            imds_role,
            failures
        );
    }
}

/// The largest seed the emulator accepts, so a typo cannot allocate gigabytes.
pub(crate) const MAX_ACCOUNTS: u32 = 100_000;
/// The largest number of roles per account the emulator accepts.
pub(crate) const MAX_ROLES: u32 = 1_000;

impl Config {
    /// Checks the values a request could not work with; returns what is wrong.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.accounts > MAX_ACCOUNTS {
            return Err(format!("accounts must be at most {MAX_ACCOUNTS}"));
        }
        if self.roles_per_account > MAX_ROLES {
            return Err(format!("roles_per_account must be at most {MAX_ROLES}"));
        }
        if self.page_size == 0 || self.page_size > 100 {
            return Err("page_size must be between 1 and 100".to_owned());
        }
        if self.static_access_key_id.is_some() != self.static_secret_access_key.is_some() {
            return Err("static_access_key_id and static_secret_access_key go together".to_owned());
        }
        for (name, role) in [
            ("container_role", &self.container_role),
            ("imds_role", &self.imds_role),
        ] {
            if role.is_empty()
                || !role
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
            {
                return Err(format!("{name} must be an IAM role name"));
            }
        }
        if self.container_authorization_token.is_empty()
            || http::HeaderValue::from_str(&self.container_authorization_token).is_err()
        {
            return Err(
                "container_authorization_token must be a non-empty header value".to_owned(),
            );
        }
        Ok(())
    }
}
