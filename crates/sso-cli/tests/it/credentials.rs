//! End-to-end tests of the commands that use a login: `export-credentials` (every format, the
//! warm path and a miss), `list accounts` / `list roles` and `populate` against the emulator, `exec` and
//! `status`. HOME is a temporary directory holding a config and cache files written by the
//! test; no test signs in through a browser.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use sso_cache::{
    AccessToken, CacheDir, CacheKey, CachedToken, ClientSecret, Login, RefreshToken,
    RoleCredentials, SecretAccessKey, SessionToken, Timestamp, UnknownFields,
};
use sso_emulator::{BlockingEmulator, Emulator};

pub(super) const CONFIG: &str = "\
[default]
region = us-east-2

[profile dev]
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
region = eu-west-1

[profile session-only]
sso_session = my-sso

[profile legacy]
sso_start_url = https://d-legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111119030
sso_role_name = AdministratorAccess

[sso-session my-sso]
sso_start_url = https://d-123.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

/// A HOME with `~/.aws/config`, and the endpoints the commands use.
pub(super) struct Home {
    dir: tempfile::TempDir,
    endpoint: String,
}

impl Home {
    /// `endpoint` is the emulator's URL, or a closed port when the test must not reach the
    /// network.
    pub(super) fn new(endpoint: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/config"), CONFIG).unwrap();
        Self {
            dir,
            endpoint: endpoint.to_owned(),
        }
    }

    pub(super) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(super) fn sso_cache(&self) -> CacheDir {
        CacheDir::new(self.path().join(".aws/sso/cache"))
    }

    pub(super) fn cli_cache(&self) -> CacheDir {
        CacheDir::new(self.path().join(".aws/cli/cache"))
    }

    pub(super) fn sso(&self) -> Command {
        let mut command = super::sso();
        command
            .env("HOME", self.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_SSO", &self.endpoint)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &self.endpoint);
        command
    }

    pub(super) fn run(&self, args: &[&str]) -> Output {
        self.sso().args(args).output().unwrap()
    }

    /// Writes the `my-sso` token as `sso login` would, valid for an hour.
    fn write_token(&self, key: &CacheKey, access_token: &str, expires_at: Timestamp) {
        let entry = CachedToken {
            start_url: Some("https://d-123.awsapps.com/start".to_owned()),
            region: Some("us-east-1".to_owned()),
            access_token: AccessToken::new(access_token),
            expires_at,
            client_id: Some("emu-client-test".to_owned()),
            client_secret: Some(ClientSecret::new("client-secret")),
            registration_expires_at: Some(now().saturating_add(Duration::from_secs(86_400))),
            refresh_token: Some(RefreshToken::new("emu-rt-test")),
            unknown: UnknownFields::new(),
        };
        self.sso_cache().write(key, &entry).unwrap();
    }

    pub(super) fn log_in(&self, emu: &BlockingEmulator) {
        let token = emulator_token(emu);
        self.write_token(
            &CacheKey::for_session("my-sso"),
            &token,
            now().saturating_add(Duration::from_secs(3600)),
        );
        emu.reset_stats();
    }
}

pub(super) fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    Timestamp::from_unix_millis(i64::try_from(ms).unwrap())
}

pub(super) fn emulator() -> BlockingEmulator {
    Emulator::builder()
        .accounts(3)
        .roles_per_account(2)
        .auto_approve(true)
        .seed(7)
        .start_blocking()
        .unwrap()
}

/// A valid access token of a new session of the emulator.
fn emulator_token(emu: &BlockingEmulator) -> String {
    emu.issue_access_token()
}

pub(super) fn dev_key() -> CacheKey {
    CacheKey::for_role_credentials("111111111111", "ReadOnlyAccess", Login::Session("my-sso"))
}

/// Fixed role credentials for `dev`, valid until 2099.
pub(super) fn write_fixed_credentials(home: &Home) -> PathBuf {
    let credentials = RoleCredentials {
        access_key_id: "ASIAFIXEDEXAMPLE".to_owned(),
        secret_access_key: SecretAccessKey::new("fixed/secret+key"),
        session_token: SessionToken::new("IQoJfixed-session-token=="),
        expiration: Timestamp::parse("2099-01-01T00:00:00Z").unwrap(),
        account_id: Some("111111111111".to_owned()),
        unknown: UnknownFields::new(),
    };
    home.cli_cache().write(&dev_key(), &credentials).unwrap();
    home.cli_cache().entry_path(&dev_key())
}

pub(super) fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub(super) fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[track_caller]
pub(super) fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        stdout(output),
        stderr(output)
    );
}

/// A closed port: the warm path must not touch the network at all.
pub(super) const NO_NETWORK: &str = "http://127.0.0.1:9";

mod surprises;

#[test]
fn export_credentials_in_every_format_from_the_cache() {
    let home = Home::new(NO_NETWORK);
    write_fixed_credentials(&home);
    let export = |format: &str| {
        let output = home.run(&["--profile", "dev", "export-credentials", "--format", format]);
        assert_success(&output);
        assert!(output.stderr.is_empty(), "{}", stderr(&output));
        stdout(&output)
    };
    insta::assert_snapshot!(export("process"), @r#"
    {
      "Version": 1,
      "AccessKeyId": "ASIAFIXEDEXAMPLE",
      "SecretAccessKey": "fixed/secret+key",
      "SessionToken": "IQoJfixed-session-token==",
      "Expiration": "2099-01-01T00:00:00+00:00"
    }
    "#);
    insta::assert_snapshot!(export("env"), @r"
    export AWS_ACCESS_KEY_ID=ASIAFIXEDEXAMPLE
    export AWS_SECRET_ACCESS_KEY=fixed/secret+key
    export AWS_SESSION_TOKEN=IQoJfixed-session-token==
    export AWS_CREDENTIAL_EXPIRATION=2099-01-01T00:00:00+00:00
    ");
    insta::assert_snapshot!(export("env-no-export"), @r"
    AWS_ACCESS_KEY_ID=ASIAFIXEDEXAMPLE
    AWS_SECRET_ACCESS_KEY=fixed/secret+key
    AWS_SESSION_TOKEN=IQoJfixed-session-token==
    AWS_CREDENTIAL_EXPIRATION=2099-01-01T00:00:00+00:00
    ");
    insta::assert_snapshot!(export("powershell"), @r#"
    $Env:AWS_ACCESS_KEY_ID="ASIAFIXEDEXAMPLE"
    $Env:AWS_SECRET_ACCESS_KEY="fixed/secret+key"
    $Env:AWS_SESSION_TOKEN="IQoJfixed-session-token=="
    $Env:AWS_CREDENTIAL_EXPIRATION="2099-01-01T00:00:00+00:00"
    "#);
    insta::assert_snapshot!(export("windows-cmd"), @r"
    set AWS_ACCESS_KEY_ID=ASIAFIXEDEXAMPLE
    set AWS_SECRET_ACCESS_KEY=fixed/secret+key
    set AWS_SESSION_TOKEN=IQoJfixed-session-token==
    set AWS_CREDENTIAL_EXPIRATION=2099-01-01T00:00:00+00:00
    ");
    insta::assert_snapshot!(export("fish"), @r#"
    set -gx AWS_ACCESS_KEY_ID "ASIAFIXEDEXAMPLE"
    set -gx AWS_SECRET_ACCESS_KEY "fixed/secret+key"
    set -gx AWS_SESSION_TOKEN "IQoJfixed-session-token=="
    set -gx AWS_CREDENTIAL_EXPIRATION "2099-01-01T00:00:00+00:00"
    "#);
    // The default format is `process`, and AWS_PROFILE selects the profile.
    let output = home
        .sso()
        .env("AWS_PROFILE", "dev")
        .arg("export-credentials")
        .output()
        .unwrap();
    assert_success(&output);
    assert!(stdout(&output).starts_with("{\n  \"Version\": 1,\n"));
}

/// Role credentials for `dev` as a tampered cache file (or a hostile server) would leave them.
fn write_hostile_credentials(home: &Home, session_token: &str) {
    let credentials = RoleCredentials {
        access_key_id: "ASIAFIXEDEXAMPLE".to_owned(),
        secret_access_key: SecretAccessKey::new("fixed/secret+key"),
        session_token: SessionToken::new(session_token),
        expiration: Timestamp::parse("2099-01-01T00:00:00Z").unwrap(),
        account_id: Some("111111111111".to_owned()),
        unknown: UnknownFields::new(),
    };
    home.cli_cache().write(&dev_key(), &credentials).unwrap();
}

#[test]
fn export_credentials_refuses_values_a_shell_would_interpret() {
    let home = Home::new(NO_NETWORK);
    for token in [
        "tok;touch pwned",
        "$(touch pwned)",
        "tok\nexport X=1",
        "a b",
    ] {
        write_hostile_credentials(&home, token);
        for format in super::EXPORT_FORMATS {
            let output = home.run(&["--profile", "dev", "export-credentials", "--format", format]);
            assert_eq!(
                output.status.code(),
                Some(1),
                "{format}: {}",
                stderr(&output)
            );
            assert!(output.stdout.is_empty(), "{format}: {}", stdout(&output));
            let err = stderr(&output);
            assert!(err.contains("AWS_SESSION_TOKEN"), "{err}");
            assert!(!err.contains("pwned") && !err.contains("export X"), "{err}");
        }
    }
}

/// Runs `eval "$(sso export-credentials --format env)"` (or `env-no-export`) in `shell` and
/// returns what the shell then sees in the variables.
fn eval_in_shell(home: &Home, shell: &str, format: &str) -> (Output, String) {
    let sso = insta_cmd::get_cargo_bin("sso");
    let script = format!(
        "eval \"$('{}' --profile dev export-credentials --format {format})\" || exit 9; \
         printf '%s|%s|%s|%s' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\" \"$AWS_CREDENTIAL_EXPIRATION\"",
        sso.display()
    );
    let sso_command = home.sso();
    let output = Command::new(shell)
        .env_clear()
        .envs(sso_command.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .args(["-c", &script])
        .current_dir(home.path())
        .output()
        .unwrap();
    let text = stdout(&output);
    (output, text)
}

#[test]
fn shells_evaluate_the_env_formats_to_the_credentials() {
    let home = Home::new(NO_NETWORK);
    write_fixed_credentials(&home);
    for shell in ["sh", "bash"] {
        for format in ["env", "env-no-export"] {
            let (output, seen) = eval_in_shell(&home, shell, format);
            assert_success(&output);
            assert_eq!(
                seen,
                "ASIAFIXEDEXAMPLE|fixed/secret+key|IQoJfixed-session-token==|2099-01-01T00:00:00+00:00",
                "{shell} {format}"
            );
        }
    }
    // A hostile value never reaches the shell: nothing runs, the eval sees no output.
    write_hostile_credentials(&home, "tok;touch pwned");
    for shell in ["sh", "bash"] {
        let (output, seen) = eval_in_shell(&home, shell, "env");
        assert!(
            !home.path().join("pwned").exists(),
            "{shell} ran the injected command"
        );
        assert_eq!(seen, "|||", "{shell}");
        assert!(
            stderr(&output).contains("AWS_SESSION_TOKEN"),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn export_credentials_fetches_and_caches_on_a_miss() {
    let emu = emulator();
    let home = Home::new(emu.url());
    home.log_in(&emu);
    let output = home.run(&["--profile", "dev", "export-credentials"]);
    assert_success(&output);
    let first: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(first["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(first["Expiration"].as_str().unwrap().ends_with("+00:00"));
    assert_eq!(emu.stats().get_role_credentials, 1);
    let cached = std::fs::read_to_string(home.cli_cache().entry_path(&dev_key())).unwrap();
    assert!(cached.starts_with("{\"ProviderType\": \"sso\", \"Credentials\": {"));
    // The second call is served from the cache.
    let output = home.run(&["--profile", "dev", "export-credentials"]);
    assert_success(&output);
    let second: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(first, second);
    assert_eq!(emu.stats().get_role_credentials, 1);
}

#[test]
fn export_credentials_without_a_login_says_to_log_in() {
    let home = Home::new(NO_NETWORK);
    let output = home.run(&["--profile", "dev", "export-credentials"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    assert!(
        stderr(&output).contains("sso login --sso-session my-sso"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn export_credentials_for_a_session_only_profile_names_the_missing_keys() {
    let home = Home::new(NO_NETWORK);
    let output = home.run(&["--profile", "session-only", "export-credentials"]);
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("missing required configuration"),
        "{message}"
    );
    assert!(
        message.contains("sso_role_name, sso_account_id"),
        "{message}"
    );
    assert!(message.contains("[profile session-only]"), "{message}");
}

#[test]
fn list_accounts_and_roles_against_the_emulator() {
    let emu = emulator();
    let home = Home::new(emu.url());
    home.log_in(&emu);
    let output = home.run(&["--profile", "dev", "list", "accounts", "--output", "text"]);
    assert_success(&output);
    insta::assert_snapshot!(stdout(&output), @r"
    111111126949	Development	aws+development@example.com
    111111111111	Production	aws+production@example.com
    111111119030	Staging	aws+staging@example.com
    ");
    let output = home.run(&[
        "list",
        "roles",
        "--sso-session",
        "my-sso",
        "--output",
        "table",
    ]);
    assert_success(&output);
    insta::assert_snapshot!(stdout(&output), @r"
    ACCOUNT ID    ROLE
    111111111111  AdministratorAccess
    111111111111  ReadOnlyAccess
    111111119030  AdministratorAccess
    111111119030  ReadOnlyAccess
    111111126949  AdministratorAccess
    111111126949  ReadOnlyAccess
    ");
    assert_eq!(emu.stats().list_account_roles, 3);
    let output = home.run(&[
        "--profile",
        "dev",
        "list",
        "roles",
        "--account-id",
        "111111119030",
        "--output",
        "json",
    ]);
    assert_success(&output);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["roleList"].as_array().unwrap().len(), 2);
    assert_eq!(json["roleList"][0]["accountId"], "111111119030");
}

#[test]
fn list_with_a_revoked_token_says_to_log_in() {
    let emu = emulator();
    let home = Home::new(emu.url());
    home.write_token(
        &CacheKey::for_session("my-sso"),
        "emu-at-unknown",
        now().saturating_add(Duration::from_secs(3600)),
    );
    let output = home.run(&["--profile", "dev", "list", "accounts"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("sso login --sso-session my-sso"));
}

#[cfg(unix)]
#[test]
fn exec_passes_credentials_and_the_exit_code() {
    let home = Home::new(NO_NETWORK);
    write_fixed_credentials(&home);
    let output = home
        .sso()
        .env("AWS_PROFILE", "dev")
        .args([
            "exec",
            "--",
            "sh",
            "-c",
            "echo $AWS_ACCESS_KEY_ID; echo $AWS_SESSION_TOKEN; echo $AWS_CREDENTIAL_EXPIRATION; \
             echo $AWS_REGION $AWS_DEFAULT_REGION; echo profile=${AWS_PROFILE-unset}; exit 7",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output), @r"
    ASIAFIXEDEXAMPLE
    IQoJfixed-session-token==
    2099-01-01T00:00:00+00:00
    eu-west-1 eu-west-1
    profile=unset
    ");
}

#[test]
fn exec_of_a_missing_program_fails() {
    let home = Home::new(NO_NETWORK);
    write_fixed_credentials(&home);
    let output = home.run(&["--profile", "dev", "exec", "--", "/nonexistent/program"]);
    assert_eq!(output.status.code(), Some(127));
    assert!(stderr(&output).contains("/nonexistent/program"));
}

fn status_settings(home: &Home) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    let home_path = regex_escape(&home.path().display().to_string());
    settings.add_filter(&home_path, "[HOME]");
    settings.add_filter(r"\b[0-9a-f]{40}\.json", "[KEY].json");
    settings.add_filter(r"20[2-8][0-9]-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]");
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

#[test]
fn status_as_text_and_json() {
    let home = Home::new(NO_NETWORK);
    home.write_token(
        &CacheKey::for_session("my-sso"),
        "token",
        now().saturating_add(Duration::from_secs(3600)),
    );
    home.write_token(
        &CacheKey::for_start_url("https://d-legacy.awsapps.com/start"),
        "old-token",
        now().saturating_sub(Duration::from_secs(60)),
    );
    write_fixed_credentials(&home);
    let output = home.run(&["status"]);
    assert_success(&output);
    status_settings(&home).bind(|| {
        insta::assert_snapshot!(stdout(&output), @r"
        LOGIN                                        TOKEN    EXPIRES               REFRESH  TOKEN CACHE
        my-sso                                       cached   [TIME]  yes      [HOME]/.aws/sso/cache/[KEY].json
        https://d-legacy.awsapps.com/start (legacy)  expired  [TIME]  no       [HOME]/.aws/sso/cache/[KEY].json

        PROFILE  ACCOUNT       EXPIRES               STATE  CACHE FILE
        dev      111111111111  2099-01-01T00:00:00Z  valid  [HOME]/.aws/cli/cache/[KEY].json
        ");
    });
    let output = home.run(&["status", "--output", "json"]);
    assert_success(&output);
    status_settings(&home).bind(|| {
        insta::assert_snapshot!(stdout(&output), @r#"
        {
          "logins": [
            {
              "ssoSession": "my-sso",
              "startUrl": "https://d-123.awsapps.com/start",
              "region": "us-east-1",
              "profiles": [
                "dev",
                "session-only"
              ],
              "tokenCache": "[HOME]/.aws/sso/cache/[KEY].json",
              "signedIn": true,
              "token": "cached",
              "check": null,
              "expiresAt": "[TIME]",
              "canRefresh": true,
              "expiresSoonWithoutRefresh": false,
              "problem": null
            },
            {
              "ssoSession": null,
              "startUrl": "https://d-legacy.awsapps.com/start",
              "region": "us-east-1",
              "profiles": [
                "legacy"
              ],
              "tokenCache": "[HOME]/.aws/sso/cache/[KEY].json",
              "signedIn": false,
              "token": "expired",
              "check": null,
              "expiresAt": "[TIME]",
              "canRefresh": false,
              "expiresSoonWithoutRefresh": false,
              "problem": null
            }
          ],
          "roleCredentials": [
            {
              "cacheFile": "[HOME]/.aws/cli/cache/[KEY].json",
              "accountId": "111111111111",
              "profiles": [
                "dev"
              ],
              "expiration": "2099-01-01T00:00:00Z",
              "valid": true,
              "problem": null
            }
          ]
        }
        "#);
    });
}

#[test]
fn status_without_config() {
    let home = Home::new(NO_NETWORK);
    std::fs::remove_file(home.path().join(".aws/config")).unwrap();
    let output = home.run(&["status"]);
    assert_success(&output);
    insta::assert_snapshot!(stdout(&output), @r"
    No SSO logins are configured; run `sso configure` to add one.

    No cached SSO role credentials.
    ");
}

/// The hand-written part of the populate tests: comments, a blank line, an owned-looking
/// profile for a role that no longer exists, and a hand-written profile of the same session.
const POPULATE_EXTRA: &str = "\
# hand-written; populate must keep every byte of this

[profile gone]   # written by an earlier populate
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = RoleThatWasRemoved
sso_populated_by = sso

[profile 111111111111-ReadOnlyAccess]
# mine, not populate's: same name as a generated one
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
";

#[test]
fn populate_writes_every_role_once_and_keeps_the_rest_of_the_file() {
    let emu = emulator();
    let home = Home::new(emu.url());
    let original = format!("{CONFIG}\n{POPULATE_EXTRA}");
    let config = home.path().join(".aws/config");
    std::fs::write(&config, &original).unwrap();
    home.log_in(&emu);
    let args = [
        "populate",
        "--sso-session",
        "my-sso",
        "--template",
        "{account_id}-{role_name}",
    ];

    let output = home.run(&args);
    assert_success(&output);
    let first = std::fs::read_to_string(&config).unwrap();
    // Everything that was there is still there, byte for byte, and new profiles follow it.
    assert!(first.starts_with(&original), "{first}");
    let added = &first[original.len()..];
    let headers: Vec<&str> = added.lines().filter(|l| l.starts_with('[')).collect();
    // 3 accounts x 2 roles, minus the hand-written profile that already has one of the names.
    assert_eq!(headers.len(), 5, "{added}");
    assert_eq!(
        added.matches("sso_populated_by = sso").count(),
        5,
        "{added}"
    );
    assert!(
        stderr(&output).contains("skipped"),
        "the name clash is reported: {}",
        stderr(&output)
    );
    assert_eq!(emu.stats().list_accounts, 1);
    assert_eq!(emu.stats().list_account_roles, 3);

    // Idempotent: a second run changes nothing; the dry run shows no diff.
    let output = home.run(&args);
    assert_success(&output);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), first);
    assert!(
        stderr(&output).contains("0 profiles added"),
        "{}",
        stderr(&output)
    );
    let output = home.run(&[&args[..], &["--dry-run"]].concat());
    assert_success(&output);
    assert_eq!(stdout(&output), "");

    // Prune: the dry run shows the removal as a diff and writes nothing; the real run removes
    // only the populated profile whose role is gone.
    let output = home.run(&[&args[..], &["--prune", "--dry-run"]].concat());
    assert_success(&output);
    let diff = stdout(&output);
    assert!(diff.contains("-[profile gone]"), "{diff}");
    assert!(
        !diff
            .lines()
            .any(|l| l.starts_with('+') && !l.starts_with("+++")),
        "nothing is added: {diff}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), first);
    let output = home.run(&[&args[..], &["--prune"]].concat());
    assert_success(&output);
    let pruned = std::fs::read_to_string(&config).unwrap();
    assert!(!pruned.contains("[profile gone]"), "{pruned}");
    assert!(pruned.contains("[profile 111111111111-ReadOnlyAccess]\n# mine"));
    assert!(pruned.starts_with(CONFIG), "{pruned}");
    assert!(pruned.contains("# hand-written; populate must keep every byte of this\n"));
}

#[test]
fn populate_without_a_login_says_to_log_in() {
    let home = Home::new("http://127.0.0.1:9");
    let before = std::fs::read_to_string(home.path().join(".aws/config")).unwrap();
    let output = home.run(&["populate", "--sso-session", "my-sso"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(home.path().join(".aws/config")).unwrap(),
        before
    );
}

#[test]
fn populate_reports_a_failing_account_and_keeps_its_profiles() {
    let emu = emulator();
    emu.update_config(|config| {
        config.failures.push(
            sso_emulator::FailureRule::internal_error("ListAccountRoles", 100)
                .for_account("111111111111"),
        );
    })
    .unwrap();
    let home = Home::new(emu.url());
    let original = format!("{CONFIG}\n{POPULATE_EXTRA}");
    let config = home.path().join(".aws/config");
    std::fs::write(&config, &original).unwrap();
    home.log_in(&emu);

    let output = home.run(&[
        "populate",
        "--sso-session",
        "my-sso",
        "--template",
        "{account_id}-{role_name}",
        "--prune",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let stderr = stderr(&output);
    assert!(
        stderr.contains("could not list the roles of 1 account(s): 111111111111"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&config).unwrap();
    // The other two accounts' roles were written; the failed account's populated profile was
    // not pruned although its role is not listed; every byte before stays.
    assert!(written.starts_with(&original), "{written}");
    assert_eq!(
        written[original.len()..]
            .matches("sso_populated_by = sso")
            .count(),
        4
    );
    assert!(
        !written[original.len()..].contains("111111111111"),
        "{written}"
    );
    assert!(written.contains("[profile gone]"), "{written}");
}

/// A server on 127.0.0.1 that answers every request with `status` and the JSON `body`.
fn hostile_server(status: &str, error_type: &str, body: &'static str) -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nx-amzn-errortype: {error_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = [0u8; 8192];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    url
}

#[test]
fn server_error_messages_reach_the_terminal_without_control_characters() {
    // A clear-screen, an OSC 52 clipboard write, a C1 CSI and a carriage return in the message.
    let url = hostile_server(
        "403 Forbidden",
        "ForbiddenException",
        r#"{"message":"\u001b[2J\u001b[Hno access\u001b]52;c;cm0gLXJmIH4=\u0007 for you\u009b31m\r"}"#,
    );
    let home = Home::new(&url);
    home.write_token(
        &CacheKey::for_session("my-sso"),
        "token",
        now().saturating_add(Duration::from_secs(3600)),
    );
    let output = home.run(&["--profile", "dev", "export-credentials"]);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
    let err = stderr(&output);
    assert!(err.contains("no access"), "{err}");
    assert!(err.contains(" for you"), "{err}");
    assert!(!err.contains("52;c;") && !err.contains("[2J"), "{err:?}");
    let controls: Vec<char> = err
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(controls.is_empty(), "{controls:?} in {err:?}");
}

#[test]
fn whoami_asks_sts_with_the_profiles_credentials() {
    let emu = emulator();
    let home = Home::new(emu.url());
    home.log_in(&emu);
    let run = |args: &[&str]| {
        home.sso()
            .env("AWS_ENDPOINT_URL_STS", emu.url())
            .args(args)
            .output()
            .unwrap()
    };
    let output = run(&["whoami", "--profile", "dev", "--output", "json"]);
    assert_success(&output);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["Account"], "111111111111", "{json}");
    assert!(
        json["Arn"]
            .as_str()
            .unwrap()
            .contains("assumed-role/ReadOnlyAccess/"),
        "{json}"
    );
    assert!(json["UserId"].as_str().unwrap().contains(':'), "{json}");
    assert_eq!(json["Profile"], "dev");
    assert_eq!(json["Source"], "IAM Identity Center");
    assert_eq!(json["SsoSession"], "my-sso");
    assert_eq!(json["LoginRefreshable"], true);
    assert!(
        json["CredentialsExpiration"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert!(json["LoginExpiration"].as_str().unwrap().ends_with('Z'));
    let stats = emu.stats();
    assert_eq!(stats.get_role_credentials, 1);
    // The second run takes the cached role credentials: only STS is asked.
    let output = run(&["whoami", "--profile", "dev"]);
    assert_success(&output);
    let text = stdout(&output);
    assert_eq!(emu.stats().get_role_credentials, 1);
    for line in [
        "Account      111111111111\n",
        "Profile      dev\n",
        "Source       IAM Identity Center\n",
        "Login        sso-session my-sso: expires at ",
        "refreshes itself\n",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    assert!(!text.contains("secret"), "{text}");
}

#[test]
fn whoami_with_credentials_sts_does_not_accept_is_denied() {
    let emu = emulator();
    let home = Home::new(NO_NETWORK);
    // Keys the emulator never issued.
    write_fixed_credentials(&home);
    let output = home
        .sso()
        .env("AWS_ENDPOINT_URL_STS", emu.url())
        .args(["whoami", "--profile", "dev"])
        .output()
        .unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(4), "{text}");
    assert!(output.stdout.is_empty());
    assert!(text.contains("InvalidClientTokenId"), "{text}");
    assert!(!text.contains("fixed/secret+key"), "{text}");
    assert!(!text.contains("IQoJfixed"), "{text}");
}
