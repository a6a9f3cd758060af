//! End-to-end tests of `sso login` and `sso logout`: the real binary against an emulator started
//! in this process, with HOME in a temporary directory. The device code is approved through the
//! emulator; the PKCE browser is `curl` started through `BROWSER`.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sso_cache::{CacheDir, CacheKey, RegistrationKeyArgs};
use sso_emulator::{BlockingEmulator, Emulator};

const CONFIG: &str = "\
[profile dev]
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess

[profile legacy]
sso_start_url = https://d-legacy.awsapps.com/start
sso_region = us-east-1

[sso-session my-sso]
sso_start_url = https://d-123.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

struct Env {
    home: tempfile::TempDir,
    emu: BlockingEmulator,
}

impl Env {
    fn new() -> Self {
        let emu = Emulator::builder()
            .seed(7)
            .enforce_poll_interval(false)
            .start_blocking()
            .unwrap();
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), CONFIG).unwrap();
        Self { home, emu }
    }

    fn sso(&self, args: &[&str]) -> Command {
        let mut command = Command::new(insta_cmd::get_cargo_bin("sso"));
        command
            .args(args)
            .env_clear()
            .env("NO_COLOR", "1")
            .env("HOME", self.home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.emu.url())
            .env("AWS_ENDPOINT_URL_SSO", self.emu.url())
            .stdin(Stdio::null());
        command
    }

    fn sso_cache(&self) -> CacheDir {
        CacheDir::new(self.home.path().join(".aws/sso/cache"))
    }

    fn token_path(&self, key: &CacheKey) -> PathBuf {
        self.sso_cache().entry_path(key)
    }
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn device_code_login_then_logout() {
    let env = Env::new();
    let mut child = env
        .sso(&[
            "login",
            "--profile",
            "dev",
            "--use-device-code",
            "--no-browser",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The prompt is on stderr: the URL, then the code on a line of its own.
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    let mut lines = stderr.lines();
    let mut after_code_label = false;
    let code = loop {
        let line = lines.next().expect("stderr ended before the code").unwrap();
        seen.push(line.clone());
        if after_code_label && !line.is_empty() {
            break line;
        }
        if line == "Then enter the code:" {
            after_code_label = true;
        }
    };
    env.emu.approve_device(&code).unwrap();
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{seen:?} {rest:?} {stdout}");
    assert_eq!(seen[0], "Browser will not be automatically opened.");
    assert_eq!(seen[1], "Please visit the following URL:");
    assert_eq!(seen[3], format!("{}/device", env.emu.url()));
    let rest = rest.join("\n");
    assert!(
        rest.contains(&format!("{}/device?user_code={code}", env.emu.url())),
        "{rest}"
    );
    assert!(
        rest.contains("waiting for the code to be approved"),
        "{rest}"
    );
    assert!(
        stdout.starts_with("Successfully logged into Start URL: https://d-123.awsapps.com/start\nSigned in to sso-session `my-sso` until "),
        "{stdout}"
    );

    let token = env.token_path(&CacheKey::for_session("my-sso"));
    let entry = json(&token);
    assert_eq!(entry["startUrl"], "https://d-123.awsapps.com/start");
    assert!(entry["refreshToken"].is_string());

    // `sso logout --sso-session` of another session leaves it; `sso logout` removes it.
    let registrations = std::fs::read_dir(env.sso_cache().dir()).unwrap().count();
    let output = env.sso(&["logout"]).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(
        output.stdout.is_empty() && output.stderr.is_empty(),
        "{output:?}"
    );
    assert!(!token.exists());
    assert_eq!(env.emu.stats().logout, 1);
    // The registration (and the lock file) stay.
    assert_eq!(
        std::fs::read_dir(env.sso_cache().dir()).unwrap().count(),
        registrations - 1
    );
}

#[test]
fn logout_of_one_session_keeps_the_others() {
    let env = Env::new();
    env.emu.update_config(|c| c.auto_approve = true).unwrap();
    for args in [
        &[
            "login",
            "--sso-session",
            "my-sso",
            "--use-device-code",
            "--no-browser",
        ][..],
        &["login", "--profile", "legacy", "--no-browser"][..],
    ] {
        let output = env.sso(args).output().unwrap();
        assert!(output.status.success(), "{output:?}");
    }
    let session = env.token_path(&CacheKey::for_session("my-sso"));
    let legacy = env.token_path(&CacheKey::for_start_url(
        "https://d-legacy.awsapps.com/start",
    ));
    assert!(session.exists() && legacy.exists());
    let output = env
        .sso(&["logout", "--sso-session", "my-sso"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(!session.exists());
    assert!(legacy.exists());
}

/// The cached client registration outlives the service's memory of it (here: a new emulator,
/// as when an Identity Center instance is replaced): the next device-code login registers a new
/// client instead of failing until the cache file is deleted, and caches it.
#[test]
fn device_code_login_replaces_a_client_the_service_forgot() {
    let mut env = Env::new();
    let login = [
        "login",
        "--sso-session",
        "my-sso",
        "--use-device-code",
        "--no-browser",
    ];
    env.emu.update_config(|c| c.auto_approve = true).unwrap();
    let output = env.sso(&login).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    // The entry the AWS CLI would read too: the registration key of `[sso-session my-sso]`.
    let scopes = ["sso:account:access".to_owned()];
    let registration =
        env.sso_cache()
            .entry_path(&CacheKey::for_registration(&RegistrationKeyArgs {
                start_url: "https://d-123.awsapps.com/start",
                region: "us-east-1",
                scopes: Some(&scopes),
                session_name: Some("my-sso"),
            }));
    let first = json(&registration)["clientId"].clone();

    env.emu = Emulator::builder()
        .seed(8)
        .enforce_poll_interval(false)
        .start_blocking()
        .unwrap();
    env.emu.update_config(|c| c.auto_approve = true).unwrap();
    let output = env.sso(&login).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stats = env.emu.stats();
    assert_eq!(
        (stats.start_device_authorization, stats.register_client),
        (2, 1),
        "the cached client is tried once, then one new client is registered"
    );
    let second = json(&registration)["clientId"].clone();
    assert_ne!(first, second, "the new client replaces the cached one");
    assert!(env.token_path(&CacheKey::for_session("my-sso")).exists());
}

#[test]
#[allow(clippy::print_stderr)]
fn pkce_login_through_the_browser_variable() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("curl is not installed; skipping the PKCE end-to-end test");
        return;
    }
    let env = Env::new();
    let output = env
        .sso(&["login", "--sso-session", "my-sso"])
        .env("BROWSER", "curl -s -L -o /dev/null %s")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.starts_with("Attempting to open your default browser. If the browser does not open, open the following URL.\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{}/authorize?response_type=code&client_id=",
            env.emu.url()
        )),
        "{stderr}"
    );
    let stats = env.emu.stats();
    assert_eq!(stats.create_token_authorization_code, 1);
    assert!(env.token_path(&CacheKey::for_session("my-sso")).exists());
}

/// The browser, after other local programs fired requests at the callback port: callbacks
/// that are not this login's get 400, requests from web pages or for another host 403, and
/// none of them ends the login; the real callback then signs in.
#[test]
#[allow(clippy::print_stderr)]
fn pkce_login_survives_stray_and_hostile_callbacks() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("curl is not installed; skipping the PKCE end-to-end test");
        return;
    }
    let env = Env::new();
    let log = env.home.path().join("strays.log");
    let script = env.home.path().join("browser.sh");
    std::fs::write(
        &script,
        format!(
            r#"port=$(printf '%s' "$1" | sed -n 's/.*redirect_uri=http%3A%2F%2F127.0.0.1%3A\([0-9]*\).*/\1/p')
cb="http://127.0.0.1:$port/oauth/callback"
get() {{ curl -s -o /dev/null -w '%{{http_code}}\n' "$@" >> '{log}'; }}
get "$cb?code=forged&state=wrong"
get "$cb?code=forged"
get "$cb?code=forged&state="
get "$cb?error=access_denied"
get -H 'Host: evil.example' "$cb?code=forged&state=wrong"
get -H 'Origin: https://evil.example' "$cb?error=access_denied"
get -H 'Sec-Fetch-Site: cross-site' -H 'Sec-Fetch-Mode: no-cors' -H 'Sec-Fetch-Dest: image' "$cb?error=access_denied"
curl -s -L -o /dev/null "$1"
"#,
            log = log.display()
        ),
    )
    .unwrap();
    let output = env
        .sso(&["login", "--sso-session", "my-sso"])
        .env("BROWSER", format!("sh {} %s", script.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let statuses = std::fs::read_to_string(&log).unwrap();
    assert_eq!(statuses, "400\n400\n400\n400\n403\n403\n403\n", "{stderr}");
    assert_eq!(env.emu.stats().create_token_authorization_code, 1);
    assert!(env.token_path(&CacheKey::for_session("my-sso")).exists());
}

#[test]
fn login_denied_exits_with_an_error() {
    let env = Env::new();
    env.emu.update_config(|c| c.deny = true).unwrap();
    let output = env
        .sso(&[
            "login",
            "--sso-session",
            "my-sso",
            "--use-device-code",
            "--no-browser",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("the sign-in was denied"), "{stderr}");
    assert!(output.stdout.is_empty());
}
