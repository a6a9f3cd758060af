//! The `sso export-credentials` warm path: compute the role-credential key, read the cached file,
//! parse it and check its expiry. Budget: under 20 µs per lookup.
//!
//! Run with `cargo bench -p sso-cache --bench warm_lookup`.

#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use sso_cache::{
    AccessToken, CacheDir, CacheKey, CachedToken, EXPIRY_WINDOW, Login, RoleCredentials,
    SecretAccessKey, SessionToken, Timestamp, UnknownFields,
};
use std::hint::black_box;
use std::time::Duration;

fn warm_lookup(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let now = Timestamp::from_unix_seconds(1_704_067_200);
    let cli = CacheDir::new(tmp.path().join("cli/cache"));
    let key = CacheKey::for_role_credentials("123456789012", "ReadOnly", Login::Session("my-sso"));
    let credentials = RoleCredentials {
        access_key_id: "ASIAEXAMPLEEXAMPLE12".into(),
        secret_access_key: SecretAccessKey::new("x".repeat(40)),
        // Real session tokens are several hundred bytes long.
        session_token: SessionToken::new("IQoJb3JpZ2luX2VjE".repeat(48)),
        expiration: now.saturating_add(Duration::from_secs(3600)),
        account_id: Some("123456789012".into()),
        unknown: UnknownFields::new(),
    };
    cli.write(&key, &credentials).unwrap();
    c.bench_function("role credentials: key + read + parse + expiry", |b| {
        b.iter(|| {
            let key = CacheKey::for_role_credentials(
                black_box("123456789012"),
                black_box("ReadOnly"),
                Login::Session(black_box("my-sso")),
            );
            let creds: RoleCredentials = cli.read(&key).unwrap().unwrap();
            assert!(creds.is_fresh(black_box(now), EXPIRY_WINDOW));
            creds
        });
    });

    // The floor set by the operating system: open, read and close the same file.
    let path = cli.entry_path(&key);
    c.bench_function("baseline: std::fs::read of the same file", |b| {
        b.iter(|| std::fs::read(black_box(&path)).unwrap());
    });
    let bytes = std::fs::read(&path).unwrap();
    c.bench_function("role credentials: parse only", |b| {
        b.iter(|| {
            <RoleCredentials as sso_cache::CacheEntry>::from_json(black_box(&bytes)).unwrap()
        });
    });
    c.bench_function("role credentials: key only", |b| {
        b.iter(|| {
            CacheKey::for_role_credentials(
                black_box("123456789012"),
                black_box("ReadOnly"),
                Login::Session(black_box("my-sso")),
            )
        });
    });

    let sso = CacheDir::new(tmp.path().join("sso/cache"));
    let token = CachedToken {
        start_url: Some("https://d-123.awsapps.com/start".into()),
        region: Some("us-east-1".into()),
        access_token: AccessToken::new("a".repeat(900)),
        expires_at: now.saturating_add(Duration::from_secs(3600)),
        client_id: Some("c".repeat(200)),
        client_secret: Some(sso_cache::ClientSecret::new("s".repeat(1000))),
        registration_expires_at: Some(now.saturating_add(Duration::from_secs(86_400))),
        refresh_token: Some(sso_cache::RefreshToken::new("r".repeat(900))),
        unknown: UnknownFields::new(),
    };
    sso.write(&CacheKey::for_session("my-sso"), &token).unwrap();
    c.bench_function("sso token: key + read + parse + expiry", |b| {
        b.iter(|| {
            let key = CacheKey::for_session(black_box("my-sso"));
            let token: CachedToken = sso.read(&key).unwrap().unwrap();
            assert!(!token.expires_within(black_box(now), EXPIRY_WINDOW));
            token
        });
    });
}

criterion_group!(benches, warm_lookup);
criterion_main!(benches);
