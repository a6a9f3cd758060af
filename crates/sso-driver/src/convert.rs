//! Conversions between the leaves' types: `sso-oidc` tokens and registrations to and from
//! `sso-cache` entries, the two `Timestamp`s, and transport errors to `TransportFailure`.
//!
//! The leaves never depend on each other (docs/architecture.md), so this glue lives here. Secrets
//! need no conversion: both leaves use `sso-base`'s types, so they are cloned, never exposed.

use sso_cache::{CachedToken, UnknownFields};
use sso_oidc::{ClientRegistration, Tokens, TransportFailure};

use crate::http::{TransportError, TransportErrorKind};

/// A cache timestamp (signed milliseconds) as a protocol timestamp (unsigned); times before
/// 1970 become the epoch.
pub fn to_oidc_time(at: sso_cache::Timestamp) -> sso_oidc::Timestamp {
    sso_oidc::Timestamp::from_unix_millis(u64::try_from(at.unix_millis()).unwrap_or(0))
}

/// A protocol timestamp as a cache timestamp (saturating at the far future).
pub fn to_cache_time(at: sso_oidc::Timestamp) -> sso_cache::Timestamp {
    sso_cache::Timestamp::from_unix_millis(i64::try_from(at.as_unix_millis()).unwrap_or(i64::MAX))
}

/// A protocol timestamp as a cache timestamp in whole seconds (rounded down), the precision of
/// the cache files: what is returned then equals what another process reads back.
pub fn to_cache_time_seconds(at: sso_oidc::Timestamp) -> sso_cache::Timestamp {
    sso_cache::Timestamp::from_unix_seconds(
        i64::try_from(at.as_unix_seconds()).unwrap_or(i64::MAX / 1000),
    )
}

/// Unix milliseconds (the clock's unit) as a cache timestamp.
pub fn unix_ms_to_cache_time(unix_ms: u64) -> sso_cache::Timestamp {
    sso_cache::Timestamp::from_unix_millis(i64::try_from(unix_ms).unwrap_or(i64::MAX))
}

/// A cached client registration (protocol.md §4.2) as the flow's registration.
pub fn registration_from_cache(entry: &sso_cache::ClientRegistration) -> ClientRegistration {
    ClientRegistration {
        client_id: entry.client_id.clone(),
        client_secret: entry.client_secret.clone(),
        expires_at: to_oidc_time(entry.expires_at),
        issued_at: None,
        scopes: entry.scopes.clone().unwrap_or_default(),
        grant_types: entry.grant_types.clone().unwrap_or_default(),
    }
}

/// A new registration as the AWS CLI caches it: `clientId`, `clientSecret`, `expiresAt`, then
/// `scopes` when there were any and `grantTypes` for PKCE registrations.
pub fn registration_to_cache(registration: &ClientRegistration) -> sso_cache::ClientRegistration {
    sso_cache::ClientRegistration {
        client_id: registration.client_id.clone(),
        client_secret: registration.client_secret.clone(),
        expires_at: to_cache_time_seconds(registration.expires_at),
        scopes: (!registration.scopes.is_empty()).then(|| registration.scopes.clone()),
        grant_types: (!registration.grant_types.is_empty())
            .then(|| registration.grant_types.clone()),
        unknown: UnknownFields::new(),
    }
}

/// The token cache entry for a login's tokens, exactly the AWS CLI's fields (protocol.md
/// §4.1): `startUrl` and `region` as configured, the registration copied in so the token can
/// be refreshed, and `refreshToken` only when there is one. Times are whole seconds, as in the
/// file.
pub fn token_to_cache(
    tokens: &Tokens,
    start_url: &str,
    region: &str,
    unknown: UnknownFields,
) -> CachedToken {
    CachedToken {
        start_url: Some(start_url.to_owned()),
        region: Some(region.to_owned()),
        access_token: tokens.access_token.clone(),
        expires_at: to_cache_time_seconds(tokens.expires_at),
        client_id: Some(tokens.registration.client_id.clone()),
        client_secret: Some(tokens.registration.client_secret.clone()),
        registration_expires_at: Some(to_cache_time_seconds(tokens.registration.expires_at)),
        refresh_token: tokens.refresh_token.clone(),
        unknown,
    }
}

/// The registration stored inside a token entry, if it is complete (for a refresh).
pub fn registration_from_token(token: &CachedToken) -> Option<ClientRegistration> {
    Some(ClientRegistration {
        client_id: token.client_id.clone()?,
        client_secret: token.client_secret.clone()?,
        expires_at: to_oidc_time(token.registration_expires_at?),
        issued_at: None,
        scopes: Vec::new(),
        grant_types: Vec::new(),
    })
}

/// A transport error as the failure fed to a flow. The message names the (redacted) URL.
pub fn transport_failure(error: &TransportError) -> TransportFailure {
    match error.kind() {
        TransportErrorKind::Connect => TransportFailure::Connect(error.to_string()),
        TransportErrorKind::ConnectTimeout | TransportErrorKind::ReadTimeout => {
            TransportFailure::TimedOut
        }
        _ => TransportFailure::Io(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_and_clamp() {
        let at = sso_oidc::Timestamp::from_unix_millis(1_700_000_000_123);
        assert_eq!(to_oidc_time(to_cache_time(at)), at);
        assert_eq!(
            to_oidc_time(sso_cache::Timestamp::from_unix_millis(-5)),
            sso_oidc::Timestamp::UNIX_EPOCH
        );
        assert_eq!(
            to_cache_time(sso_oidc::Timestamp::from_unix_millis(u64::MAX)).unix_millis(),
            i64::MAX
        );
    }

    #[test]
    fn registrations_round_trip() {
        let registration = ClientRegistration {
            client_id: "id".into(),
            client_secret: sso_oidc::ClientSecret::new("secret"),
            expires_at: sso_oidc::Timestamp::from_unix_seconds(1_800_000_000),
            issued_at: None,
            scopes: vec!["sso:account:access".into()],
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        };
        let cached = registration_to_cache(&registration);
        assert_eq!(
            cached.scopes.as_deref(),
            Some(&["sso:account:access".to_owned()][..])
        );
        assert_eq!(registration_from_cache(&cached), registration);
        let device = ClientRegistration {
            scopes: Vec::new(),
            grant_types: Vec::new(),
            ..registration
        };
        let cached = registration_to_cache(&device);
        assert_eq!(cached.scopes, None);
        assert_eq!(cached.grant_types, None);
    }
}
