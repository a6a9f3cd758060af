//! The refresh storm: 32 `sso export-credentials` processes started at once with an expired
//! access token, a valid refresh token and no cached role credentials all succeed and print
//! the same credentials, and the emulator counts exactly one refresh and one
//! GetRoleCredentials (the cross-process locks plus the re-read after taking them). Afterwards botocore's
//! field rules hold for the rewritten token file.

use std::process::{Command, Stdio};

use sso_emulator::{BlockingEmulator, Emulator};

const CONFIG: &str = "\
[profile dev]
sso_session = storm
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess

[sso-session storm]
sso_start_url = https://d-storm.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

const PROCESSES: usize = 32;

fn sso(home: &std::path::Path, emu: &BlockingEmulator, args: &[&str]) -> Command {
    let mut command = Command::new(insta_cmd::get_cargo_bin("sso"));
    command
        .args(args)
        .env_clear()
        .env("NO_COLOR", "1")
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", emu.url())
        .env("AWS_ENDPOINT_URL_SSO", emu.url())
        .stdin(Stdio::null());
    command
}

#[test]
fn thirty_two_processes_with_an_expired_token_refresh_it_once() {
    let emu = Emulator::builder()
        .seed(11)
        .auto_approve(true)
        .enforce_poll_interval(false)
        .poll_interval(std::time::Duration::from_millis(10))
        .start_blocking()
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(home.path().join(".aws/config"), CONFIG).unwrap();

    // A real login, so the emulator knows the refresh token.
    let output = sso(
        home.path(),
        &emu,
        &[
            "login",
            "--profile",
            "dev",
            "--use-device-code",
            "--no-browser",
        ],
    )
    .output()
    .unwrap();
    assert!(output.status.success(), "{output:?}");

    // Expire the access token; keep everything else (refresh token, registration).
    let token_path = home
        .path()
        .join(".aws/sso/cache")
        .join(sso_cache::CacheKey::for_session("storm").file_name());
    let mut entry: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&token_path).unwrap()).unwrap();
    let old_access_token = entry["accessToken"].as_str().unwrap().to_owned();
    entry["expiresAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&token_path, serde_json::to_string(&entry).unwrap()).unwrap();
    emu.reset_stats();

    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            sso(
                home.path(),
                &emu,
                &[
                    "export-credentials",
                    "--profile",
                    "dev",
                    "--format",
                    "process",
                ],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut outputs = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["Version"], 1);
        assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
        outputs.push(output.stdout);
    }
    let stats = emu.stats();
    assert_eq!(stats.create_token_refresh_token, 1, "{stats:?}");
    assert_eq!(stats.create_token, 1, "{stats:?}");
    // The role credentials too are fetched once (under the entry's lock, re-read after taking
    // it), and everyone prints what that one fetch cached.
    assert_eq!(stats.get_role_credentials, 1, "{stats:?}");
    outputs.dedup();
    assert_eq!(outputs.len(), 1, "{} different outputs", outputs.len());
    // No lock file is left behind in either cache.
    for dir in [".aws/sso/cache", ".aws/cli/cache"] {
        let locks: Vec<_> = std::fs::read_dir(home.path().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".lock"))
            .collect();
        assert!(locks.is_empty(), "{dir}: {locks:?}");
    }

    // The rewritten entry: a new access token, the CLI's field order and timestamp format.
    let text = std::fs::read_to_string(&token_path).unwrap();
    let entry: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_ne!(entry["accessToken"].as_str().unwrap(), old_access_token);
    let keys: Vec<&str> = entry
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "startUrl",
            "region",
            "accessToken",
            "expiresAt",
            "clientId",
            "clientSecret",
            "registrationExpiresAt",
            "refreshToken"
        ],
        "{text}"
    );
    let expires_at = entry["expiresAt"].as_str().unwrap();
    assert_eq!(
        expires_at.len(),
        "2026-01-01T00:00:00Z".len(),
        "{expires_at}"
    );
    assert!(expires_at.ends_with('Z'), "{expires_at}");
}
