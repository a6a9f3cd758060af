//! STS hops of the chain (TEMPORARY: waiting for sso-sts).

use sso_cache::CacheDir;

use super::{AssumeRole, ChainError, WebIdentity};
use crate::clock::WallClock;
use crate::context::AwsContext;
use crate::credentials::Credentials;
use crate::prompt::MfaCode;
use crate::transport::Transport;

/// Why an STS call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StsCallError {
    /// Not yet.
    #[error("not yet")]
    NotYet,
}

pub(super) struct StsSettings;

impl StsSettings {
    pub(super) fn of(_ctx: &AwsContext) -> Result<Self, ChainError> {
        Ok(Self)
    }
}

pub(super) fn cached_assume_role(_cli: &CacheDir, _role: &AssumeRole, _now: sso_cache::Timestamp) -> Option<Credentials> {
    None
}

pub(super) fn cached_web_identity(_cli: &CacheDir, _web: &WebIdentity, _now: sso_cache::Timestamp) -> Option<Credentials> {
    None
}

pub(super) async fn assume_role<T: Transport>(
    _transport: &T,
    _settings: &StsSettings,
    _role: &AssumeRole,
    _source: &Credentials,
    _token_code: Option<MfaCode>,
    _cli: Option<&CacheDir>,
    _clock: &dyn WallClock,
) -> Result<Credentials, ChainError> {
    Err(StsCallError::NotYet.into())
}

pub(super) async fn assume_role_with_web_identity<T: Transport>(
    _transport: &T,
    _settings: &StsSettings,
    _web: &WebIdentity,
    _cli: Option<&CacheDir>,
    _clock: &dyn WallClock,
) -> Result<Credentials, ChainError> {
    Err(StsCallError::NotYet.into())
}
