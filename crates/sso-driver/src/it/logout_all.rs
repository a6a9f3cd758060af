//! `logout::logout` against the emulator: which files go, which stay, and the Logout calls.

use crate::logout::logout;
use sso_cache::{
    CacheDir, CacheKey, Login, RoleCredentials, SecretAccessKey, SessionToken, Timestamp,
    UnknownFields,
};
use sso_emulator::Emulator;

use super::signin_support::Setup;

fn credentials(
    cli_cache: &CacheDir,
    account: &str,
    role: &str,
    login: Login<'_>,
) -> std::path::PathBuf {
    let key = CacheKey::for_role_credentials(account, role, login);
    let entry = RoleCredentials {
        access_key_id: "ASIAEXAMPLE".to_owned(),
        secret_access_key: SecretAccessKey::new("secret"),
        session_token: SessionToken::new("token"),
        expiration: Timestamp::from_unix_seconds(4_000_000_000),
        account_id: Some(account.to_owned()),
        unknown: UnknownFields::new(),
    };
    cli_cache.write(&key, &entry).unwrap();
    cli_cache.entry_path(&key)
}

#[tokio::test]
async fn logout_of_one_session_then_of_everything() {
    let setup = Setup::start(Emulator::builder()).await;
    let mine = setup.session("my-sso");
    let other = setup.session("other");
    let legacy = setup.profile("legacy");
    for target in [&mine, &other, &legacy] {
        setup.device_login(target).await;
    }
    let sso_cache = setup.sso_cache();
    let cli_cache = setup.cli_cache();
    let mine_creds = credentials(
        &cli_cache,
        "111111111111",
        "ReadOnlyAccess",
        Login::Session("my-sso"),
    );
    let other_creds = credentials(
        &cli_cache,
        "111111111111",
        "ReadOnlyAccess",
        Login::Session("other"),
    );
    let legacy_creds = credentials(
        &cli_cache,
        "111111111111",
        "ReadOnlyAccess",
        Login::StartUrl("https://legacy.awsapps.com/start"),
    );
    let assume_role = cli_cache.dir().join("assume-role.json");
    std::fs::write(&assume_role, r#"{"Credentials": {"AccessKeyId": "x"}}"#).unwrap();
    let garbage = sso_cache.dir().join("garbage.json");
    std::fs::write(&garbage, "{not json").unwrap();
    let registrations: Vec<_> = std::fs::read_dir(sso_cache.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            std::fs::read_to_string(p)
                .is_ok_and(|t| t.contains("clientId") && !t.contains("accessToken"))
        })
        .collect();
    assert_eq!(registrations.len(), 3, "{registrations:?}");
    let token_path = |t: &crate::context::SsoTarget| sso_cache.entry_path(&t.token_key());

    // One session: its token and its role credentials only.
    let roles = vec![("111111111111".to_owned(), "ReadOnlyAccess".to_owned())];
    let report = logout(
        &setup.http,
        &sso_cache,
        &cli_cache,
        Some(&mine),
        &roles,
        &setup.env(),
    )
    .await
    .unwrap();
    assert_eq!(report.tokens_removed, [token_path(&mine)]);
    assert_eq!(
        report.credentials_removed,
        std::slice::from_ref(&mine_creds)
    );
    assert_eq!(report.revoked, 1);
    assert_eq!(setup.emu.stats().logout, 1);
    assert!(!token_path(&mine).exists() && !mine_creds.exists());
    assert!(token_path(&other).exists() && token_path(&legacy).exists());
    assert!(other_creds.exists() && legacy_creds.exists());

    // Everything: every token (revoked in its region, through the endpoint override) and every
    // SSO role credential; registrations, garbage and other providers' files stay.
    let report = logout(&setup.http, &sso_cache, &cli_cache, None, &[], &setup.env())
        .await
        .unwrap();
    assert_eq!(report.tokens_removed.len(), 2);
    assert_eq!(report.credentials_removed.len(), 2);
    assert_eq!(report.revoked, 2, "{report:?}");
    assert_eq!(setup.emu.stats().logout, 3);
    assert!(!token_path(&other).exists() && !token_path(&legacy).exists());
    assert!(!other_creds.exists() && !legacy_creds.exists());
    assert!(assume_role.exists() && garbage.exists());
    for registration in &registrations {
        assert!(registration.exists(), "{registration:?}");
    }

    // Nothing left, and missing directories are fine.
    let report = logout(&setup.http, &sso_cache, &cli_cache, None, &[], &setup.env())
        .await
        .unwrap();
    assert!(report.tokens_removed.is_empty());
    let nowhere = CacheDir::new(setup.home.path().join("nowhere"));
    logout(&setup.http, &nowhere, &nowhere, None, &[], &setup.env())
        .await
        .unwrap();
}

#[tokio::test]
async fn logout_removes_stale_temporary_files_of_killed_writers_only() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    setup.device_login(&target).await;
    let sso_cache = setup.sso_cache();
    let cli_cache = setup.cli_cache();
    std::fs::create_dir_all(cli_cache.dir()).unwrap();
    let stale = [
        sso_cache.dir().join(".abc.json.77.0.sso-tmp"),
        cli_cache.dir().join(".def.json.78.0.sso-tmp"),
    ];
    let fresh = sso_cache.dir().join(".abc.json.79.0.sso-tmp");
    for path in stale.iter().chain([&fresh]) {
        std::fs::write(path, "{\"accessToken\": \"secret\"}").unwrap();
    }
    for path in &stale {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(300))
            .unwrap();
    }
    logout(
        &setup.http,
        &sso_cache,
        &cli_cache,
        Some(&target),
        &[],
        &setup.env(),
    )
    .await
    .unwrap();
    for path in &stale {
        assert!(!path.exists(), "{} survived logout", path.display());
    }
    assert!(fresh.exists(), "an in-flight write was removed");
}
