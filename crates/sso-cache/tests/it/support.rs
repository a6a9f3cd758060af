//! Helpers shared by the integration tests: sample entries and child-process plumbing.

use sso_cache::{
    AccessToken, CachedToken, ClientSecret, RefreshToken, RoleCredentials, SecretAccessKey,
    SessionToken, Timestamp, UnknownFields,
};
use std::process::Command;

/// 2024-01-01T00:00:00Z.
pub const NOW: Timestamp = Timestamp::from_unix_millis(1_704_067_200_000);

pub fn sample_token(access: &str, expires_at: Timestamp) -> CachedToken {
    CachedToken {
        start_url: Some("https://d-123.awsapps.com/start".into()),
        region: Some("us-east-1".into()),
        access_token: AccessToken::new(access),
        expires_at,
        client_id: Some("client-id".into()),
        client_secret: Some(ClientSecret::new("client-secret")),
        registration_expires_at: Some(Timestamp::from_unix_seconds(1_711_929_600)),
        refresh_token: Some(RefreshToken::new("refresh-token")),
        unknown: UnknownFields::new(),
    }
}

pub fn sample_credentials(expiration: Timestamp) -> RoleCredentials {
    RoleCredentials {
        access_key_id: "ASIAEXAMPLE".into(),
        secret_access_key: SecretAccessKey::new("secret-key"),
        session_token: SessionToken::new("session-token"),
        expiration,
        account_id: Some("123456789012".into()),
        unknown: UnknownFields::new(),
    }
}

/// A command that re-runs this test binary as a child with `role` and extra variables.
pub fn child(role: &str, test_name: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env("SSO_CACHE_CHILD", role);
    cmd
}
