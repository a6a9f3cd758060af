//! Conversions between the leaves' types: `sso-oidc` tokens and registrations to and from
//! `sso-cache` entries, and transport errors to `TransportFailure`.
//!
//! The leaves never depend on each other (docs/architecture.md), so this glue lives here. Secrets
//! and times need no conversion: both leaves use `sso-base`'s types, so secrets are cloned, never
//! exposed.

use sso_cache::{CachedToken, UnknownFields};
use sso_oidc::{ClientRegistration, Tokens, TransportFailure};

use crate::http::{TransportError, TransportErrorKind};

/// A cached client registration (protocol.md §4.2) as the flow's registration.
pub(crate) fn registration_from_cache(entry: &sso_cache::ClientRegistration) -> ClientRegistration {
    ClientRegistration {
        client_id: entry.client_id.clone(),
        client_secret: entry.client_secret.clone(),
        expires_at: entry.expires_at,
        issued_at: None,
        scopes: entry.scopes.clone().unwrap_or_default(),
        grant_types: entry.grant_types.clone().unwrap_or_default(),
    }
}

/// A new registration as the AWS CLI caches it: `clientId`, `clientSecret`, `expiresAt`, then
/// `scopes` when there were any and `grantTypes` for PKCE registrations.
pub(crate) fn registration_to_cache(
    registration: &ClientRegistration,
) -> sso_cache::ClientRegistration {
    sso_cache::ClientRegistration {
        client_id: registration.client_id.clone(),
        client_secret: registration.client_secret.clone(),
        expires_at: registration.expires_at.floor_to_seconds(),
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
pub(crate) fn token_to_cache(
    tokens: &Tokens,
    start_url: &str,
    region: &str,
    unknown: UnknownFields,
) -> CachedToken {
    CachedToken {
        start_url: Some(start_url.to_owned()),
        region: Some(region.to_owned()),
        access_token: tokens.access_token.clone(),
        expires_at: tokens.expires_at.floor_to_seconds(),
        client_id: Some(tokens.registration.client_id.clone()),
        client_secret: Some(tokens.registration.client_secret.clone()),
        registration_expires_at: Some(tokens.registration.expires_at.floor_to_seconds()),
        refresh_token: tokens.refresh_token.clone(),
        unknown,
    }
}

/// The registration stored inside a token entry, if it is complete (for a refresh).
pub(crate) fn registration_from_token(token: &CachedToken) -> Option<ClientRegistration> {
    Some(ClientRegistration {
        client_id: token.client_id.clone()?,
        client_secret: token.client_secret.clone()?,
        expires_at: token.registration_expires_at?,
        issued_at: None,
        scopes: Vec::new(),
        grant_types: Vec::new(),
    })
}

/// A transport error as the failure fed to a flow. The message names the (redacted) URL.
pub(crate) fn transport_failure(error: &TransportError) -> TransportFailure {
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
