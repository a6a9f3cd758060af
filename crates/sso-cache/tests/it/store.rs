//! The store on a real filesystem: permissions, bad files, errors naming paths, listings.

use crate::support::{NOW, sample_credentials, sample_token};
use sso_cache::{
    BadEntry, CacheDir, CacheError, CacheKey, CachedToken, ClientRegistration, RoleCredentials,
};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn write_then_read_returns_the_same_token() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(tmp.path().join("sso/cache"));
    let key = CacheKey::for_session("dev");
    assert!(cache.read::<CachedToken>(&key).unwrap().is_none());
    let token = sample_token("AT", NOW);
    cache.write(&key, &token).unwrap();
    assert_eq!(cache.read::<CachedToken>(&key).unwrap(), Some(token));
    let path = cache.entry_path(&key);
    assert!(path.ends_with("34c6fceca75e456f25e7e99531e2425c6c1de443.json"));
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(r#"{"startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1", "accessToken": "AT", "expiresAt": "2024-01-01T00:00:00Z""#));
    assert!(!text.ends_with('\n'));
    // No temporary files are left behind.
    let names: Vec<_> = fs::read_dir(cache.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn new_directories_are_0700_and_files_0600() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(tmp.path().join("a/b"));
    let key = CacheKey::for_session("dev");
    cache.write(&key, &sample_token("AT", NOW)).unwrap();
    assert_eq!(mode(cache.dir()), 0o700);
    assert_eq!(mode(&tmp.path().join("a")), 0o700);
    assert_eq!(mode(&cache.entry_path(&key)), 0o600);
    let _lock = cache.lock_token(&key, Duration::ZERO).unwrap();
    assert_eq!(
        mode(&cache.dir().join(format!("{}.lock", key.file_name()))),
        0o600
    );
}

#[test]
fn an_existing_directory_keeps_its_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    let cache = CacheDir::new(&dir);
    cache
        .write(&CacheKey::for_session("x"), &sample_token("AT", NOW))
        .unwrap();
    assert_eq!(mode(&dir), 0o755);
}

/// `umask` is process-wide, so a child started by `sh -c 'umask 000 && exec ...'` does the writing
/// (FFI to `libc::umask` would need `unsafe`, which this workspace forbids). The child asserts
/// that its umask really is 000.
#[test]
fn permissions_hold_under_umask_000() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fresh/cache");
    let exe = std::env::current_exe().unwrap();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000 && exec \"$0\" concurrency::child_entry_point --exact --nocapture --test-threads=1")
        .arg(&exe)
        .env("SSO_CACHE_CHILD", "write-once")
        .env("SSO_CACHE_DIR", &dir)
        .status()
        .unwrap();
    assert!(status.success());
    let cache = CacheDir::new(&dir);
    let key = CacheKey::for_session("umask");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&tmp.path().join("fresh")), 0o700);
    assert_eq!(mode(&cache.entry_path(&key)), 0o600);
    assert_eq!(mode(&dir.join(format!("{}.lock", key.file_name()))), 0o600);
}

#[test]
fn bad_files_are_typed_errors_naming_the_path_and_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(tmp.path());
    let key = CacheKey::for_session("dev");
    let path = cache.entry_path(&key);
    let cases: &[(&str, &str)] = &[
        ("", "the file is empty"),
        (
            r#"{"startUrl": "https://d-123.awsapps.com/start", "accessTo"#,
            "the file is truncated",
        ),
        ("<html>", "the file is not JSON"),
        ("42", "the JSON is not an object"),
        (r#"{"accessToken": "AT"}"#, "`expiresAt` is missing"),
        (
            r#"{"accessToken": true, "expiresAt": "2024-01-01T00:00:00Z"}"#,
            "`accessToken` is not a string",
        ),
        (
            r#"{"accessToken": "AT", "expiresAt": "soon"}"#,
            "`expiresAt` is not a timestamp",
        ),
    ];
    for (content, reason) in cases {
        fs::write(&path, content).unwrap();
        let err = cache.read::<CachedToken>(&key).unwrap_err();
        let message = format!("not logged in: {err}");
        assert!(
            message.starts_with(&format!("not logged in: {}: ", path.display())),
            "{message}"
        );
        assert!(
            message.contains(reason),
            "{message} should contain {reason}"
        );
        assert!(matches!(err, CacheError::Bad { .. }));
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            *content,
            "the bad file must be kept"
        );
    }
}

#[test]
fn expired_and_missing_entries_for_callers_that_cannot_refresh() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(tmp.path());
    let key = CacheKey::for_start_url("https://d-123.awsapps.com/start");
    let err = cache.read_unexpired::<CachedToken>(&key, NOW).unwrap_err();
    assert!(matches!(err, CacheError::Missing { .. }), "{err}");
    cache.write(&key, &sample_token("AT", NOW)).unwrap();
    let err = cache.read_unexpired::<CachedToken>(&key, NOW).unwrap_err();
    assert!(
        matches!(&err, CacheError::Bad { reason: BadEntry::Expired(at), .. } if *at == NOW),
        "{err}"
    );
    assert!(
        err.to_string()
            .ends_with(": expired at 2024-01-01T00:00:00Z"),
        "{err}"
    );
    let earlier = NOW.saturating_sub(Duration::from_secs(1));
    assert!(cache.read_unexpired::<CachedToken>(&key, earlier).is_ok());
}

#[test]
fn too_large_files_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(tmp.path());
    let key = CacheKey::for_session("big");
    let big = vec![b' '; usize::try_from(sso_cache::MAX_ENTRY_BYTES).unwrap() + 10];
    fs::write(cache.entry_path(&key), big).unwrap();
    let err = cache.read::<CachedToken>(&key).unwrap_err();
    assert!(
        matches!(
            err,
            CacheError::Bad {
                reason: BadEntry::TooLarge,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_read_only_directory_gives_the_path_and_the_os_reason() {
    if is_root() {
        // Root ignores permission bits: run this same test as `nobody` instead.
        let exe = std::env::current_exe().unwrap();
        let test = "store::a_read_only_directory_gives_the_path_and_the_os_reason";
        match std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe)
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .output()
        {
            Ok(out) => {
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert!(
                    out.status.success(),
                    "as nobody:\n{stdout}{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                assert!(stdout.contains("1 passed"), "{stdout}");
            }
            Err(e) => println!(
                "skipping {test}: running as root, which ignores permissions, and setpriv is unavailable ({e})"
            ),
        }
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ro");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o500)).unwrap();
    let cache = CacheDir::new(&dir);
    let err = cache
        .write(&CacheKey::for_session("dev"), &sample_token("AT", NOW))
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains(&dir.display().to_string()), "{message}");
    assert!(message.contains("ermission denied"), "{message}");
    // The directory under a read-only parent cannot be created either.
    let nested = CacheDir::new(dir.join("sub"));
    let message = nested
        .write(&CacheKey::for_session("dev"), &sample_token("AT", NOW))
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with(&format!(
            "cannot create the cache directory {}",
            dir.join("sub").display()
        )),
        "{message}"
    );
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
}

/// Root ignores permission bits, so simulate the read-only case with a path whose parent is a
/// regular file: the OS refuses with "Not a directory" and the error still names the path.
#[test]
fn an_uncreatable_directory_gives_the_path_and_the_os_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    fs::write(&file, "").unwrap();
    let cache = CacheDir::new(file.join("cache"));
    let err = cache
        .write(&CacheKey::for_session("dev"), &sample_token("AT", NOW))
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "cannot create the cache directory {}: ",
            file.join("cache").display()
        )),
        "{message}"
    );
    assert!(
        matches!(&err, CacheError::Io { source, .. } if source.raw_os_error().is_some()),
        "{message}"
    );
}

fn is_root() -> bool {
    // Reading our own uid without unsafe: /proc/self/status has a `Uid:` line.
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn registrations_and_credentials_share_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let sso = CacheDir::new(tmp.path().join("sso/cache"));
    let reg_json = r#"{"clientId": "CID", "clientSecret": "CS", "expiresAt": "2024-04-01T00:00:00Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}"#;
    let registration =
        <ClientRegistration as sso_cache::CacheEntry>::from_json(reg_json.as_bytes()).unwrap();
    let key = CacheKey::from_stem("41703fba9789c2c8f9b7faa73b70bebb72c62cc9").unwrap();
    sso.write(&key, &registration).unwrap();
    assert_eq!(fs::read_to_string(sso.entry_path(&key)).unwrap(), reg_json);
    assert_eq!(
        sso.read::<ClientRegistration>(&key).unwrap(),
        Some(registration)
    );

    let cli = CacheDir::new(tmp.path().join("cli/cache"));
    let key = CacheKey::for_role_credentials(
        "123456789012",
        "ReadOnly",
        sso_cache::Login::Session("my-sso"),
    );
    let creds = sample_credentials(NOW.saturating_add(Duration::from_secs(3600)));
    cli.write(&key, &creds).unwrap();
    let read: RoleCredentials = cli.read(&key).unwrap().unwrap();
    assert!(read.is_fresh(NOW, sso_cache::EXPIRY_WINDOW));
    assert_eq!(read, creds);
}

#[test]
fn listings_for_logout_and_status_follow_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let sso = CacheDir::new(tmp.path().join("sso/cache"));
    let token_key = CacheKey::for_session("dev");
    sso.write(&token_key, &sample_token("AT", NOW)).unwrap();
    let dir = sso.dir();
    fs::write(
        dir.join("botocore-client-id-us-east-1.json"),
        r#"{"clientId": "c", "clientSecret": "s", "expiresAt": "2024-04-01T00:00:00Z"}"#,
    )
    .unwrap();
    fs::write(dir.join("garbage.json"), "{not json").unwrap();
    fs::write(
        dir.join("legacy.json"),
        r#"{"accessToken": "OLD", "expiresAt": "2019-01-01T00:00:00UTC"}"#,
    )
    .unwrap();
    fs::write(
        dir.join("nodate.json"),
        r#"{"accessToken": "X", "region": "eu-west-1"}"#,
    )
    .unwrap();
    let _lock = sso.lock_token(&token_key, Duration::ZERO).unwrap();

    let tokens = sso.list_tokens().unwrap();
    let names: Vec<_> = tokens
        .iter()
        .map(|t| t.path.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "34c6fceca75e456f25e7e99531e2425c6c1de443.json",
            "legacy.json",
            "nodate.json"
        ]
    );
    assert_eq!(tokens[0].expires_at, Ok(NOW));
    assert_eq!(tokens[0].region.as_deref(), Some("us-east-1"));
    assert!(tokens[0].has_refresh_token);
    assert_eq!(
        tokens[1].expires_at,
        Ok(sso_cache::Timestamp::from_unix_seconds(1_546_300_800))
    );
    assert_eq!(
        tokens[2].expires_at,
        Err(BadEntry::MissingField("expiresAt"))
    );
    assert_eq!(tokens[2].access_token.expose_secret(), "X");

    for token in &tokens {
        assert!(sso.remove(&token.path).unwrap());
    }
    let mut left: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "34c6fceca75e456f25e7e99531e2425c6c1de443.json.lock",
            "botocore-client-id-us-east-1.json",
            "garbage.json"
        ]
    );
    assert!(sso.remove(&tmp.path().join("elsewhere.json")).is_err());
    assert!(
        CacheDir::new(tmp.path().join("missing"))
            .list_tokens()
            .unwrap()
            .is_empty()
    );

    let cli = CacheDir::new(tmp.path().join("cli/cache"));
    let key = CacheKey::for_role_credentials(
        "123456789012",
        "ReadOnly",
        sso_cache::Login::Session("my-sso"),
    );
    cli.write(&key, &sample_credentials(NOW)).unwrap();
    fs::write(
        cli.dir().join("assume.json"),
        r#"{"Credentials": {"AccessKeyId": "A", "Expiration": "2024-01-01T00:00:00Z"}}"#,
    )
    .unwrap();
    fs::write(
        cli.dir().join("broken-sso.json"),
        r#"{"ProviderType": "sso", "Credentials": {}}"#,
    )
    .unwrap();
    let creds = cli.list_sso_credentials().unwrap();
    assert_eq!(creds.len(), 2);
    assert_eq!(creds[0].path, cli.entry_path(&key));
    assert_eq!(creds[0].expiration, Ok(NOW));
    assert_eq!(creds[0].account_id.as_deref(), Some("123456789012"));
    assert_eq!(
        creds[1].expiration,
        Err(BadEntry::MissingField("Expiration"))
    );
}

#[test]
fn lock_timeout_names_the_lock_file() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(tmp.path());
    let key = CacheKey::for_session("dev");
    let held = cache.lock_token(&key, Duration::ZERO).unwrap();
    // flock locks belong to the open file description, so a second open in the same process
    // contends like another process would.
    let err = cache
        .lock_token(&key, Duration::from_millis(30))
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, CacheError::LockTimeout { .. }));
    assert!(
        message.contains(&held.lock_path().display().to_string()),
        "{message}"
    );
    assert!(
        message.starts_with("timed out after 30 ms waiting for the lock"),
        "{message}"
    );
    drop(held);
    assert!(cache.lock_token(&key, Duration::ZERO).is_ok());
}

#[test]
fn an_entry_that_is_a_device_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(tmp.path());
    let key = CacheKey::for_session("zero");
    std::os::unix::fs::symlink("/dev/zero", cache.entry_path(&key)).unwrap();
    let err = cache.read::<CachedToken>(&key).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, CacheError::Io { .. }), "{message}");
    assert!(
        message.contains(&cache.entry_path(&key).display().to_string()),
        "{message}"
    );
    assert!(message.contains("not a regular file"), "{message}");
}

fn set_age(path: &Path, age: Duration) {
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(std::time::SystemTime::now() - age)
        .unwrap();
}

#[test]
fn stale_temporary_files_go_with_the_next_write_and_fresh_ones_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(tmp.path());
    let stale = tmp.path().join(".abc.json.4242.0.sso-tmp");
    let fresh = tmp.path().join(".abc.json.4243.0.sso-tmp");
    let unrelated = tmp.path().join("notes.txt");
    for path in [&stale, &fresh, &unrelated] {
        fs::write(path, "{\"accessToken\": \"secret\"}").unwrap();
    }
    set_age(&stale, Duration::from_secs(61 + 60));
    set_age(&unrelated, Duration::from_secs(3600));
    cache
        .write(&CacheKey::for_session("dev"), &sample_token("AT", NOW))
        .unwrap();
    assert!(!stale.exists(), "a stale temporary file survived a write");
    assert!(
        fresh.exists(),
        "another writer's temporary file was removed"
    );
    assert!(unrelated.exists());

    // Logout's explicit cleanup, with the caller's clock.
    let now = std::time::SystemTime::now();
    assert_eq!(cache.remove_stale_temp_files(now).unwrap(), 0);
    let later = now + Duration::from_secs(120);
    assert_eq!(cache.remove_stale_temp_files(later).unwrap(), 1);
    assert!(!fresh.exists());
    assert!(unrelated.exists());
}
