//! The leak test (issue 5): every command runs with `--debug` against an emulator started in
//! this process, and no secret in play (access and refresh tokens, client secrets, device and
//! authorization codes, role secret keys and session tokens) appears in its stdout or stderr,
//! except the credentials `export-credentials` is asked to print on stdout.
//!
//! The secrets are collected from where they end up: the token cache entry (`accessToken`,
//! `refreshToken`, `clientSecret`), the registration entry (`clientSecret`) and the
//! role-credential cache (`SecretAccessKey`, `SessionToken`), re-read after every command that
//! may have changed them (login, refresh, `GetRoleCredentials`). Device and authorization codes
//! never reach a file, so the output is also searched for the prefixes the emulator gives every
//! secret it mints (`emu-at-`, `emu-rt-`, `emu-cs-`, `emu-dc-`, `emu-ac-`, `emu-st-`).
//!
//! The second test does the same for chained profiles (issue 14): SSO → role → role over the
//! emulator's STS (assumed-role keys from `~/.aws/cli/cache`), web identity (the token), the
//! container source (its authorization token) and MFA (the code, typed on a pseudo-terminal
//! made by `script`), including the failing calls: a wrong container token and a wrong MFA
//! code must not show up in the error either.

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use sso_emulator::{BlockingEmulator, Emulator};

/// The prefixes of the emulator's secrets (`crates/sso-emulator/src/oidc.rs`, `state.rs`,
/// `portal.rs`): client secret, device code, authorization code, access and refresh tokens,
/// session token.
const SECRET_PREFIXES: &[&str] = &[
    "emu-cs-", "emu-dc-", "emu-ac-", "emu-at-", "emu-rt-", "emu-st-",
];

struct Leak {
    home: tempfile::TempDir,
    emu: BlockingEmulator,
    /// Every secret value seen in a cache file so far.
    secrets: BTreeSet<String>,
    /// Every command run, with its output, for the final check.
    runs: Vec<Run>,
}

struct Run {
    what: String,
    stdout: String,
    stderr: String,
    /// Whether stdout holds credentials the command was asked to print.
    prints_credentials: bool,
}

impl Leak {
    fn new() -> Self {
        Self::with(Emulator::builder())
    }

    fn with(builder: sso_emulator::EmulatorBuilder) -> Self {
        let emu = builder
            .seed(11)
            .enforce_poll_interval(false)
            .start_blocking()
            .unwrap();
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        Self {
            home,
            emu,
            secrets: BTreeSet::new(),
            runs: Vec::new(),
        }
    }

    fn sso(&self, args: &[&str]) -> Command {
        let mut command = self.command(insta_cmd::get_cargo_bin("sso"));
        command.arg("--debug").args(args);
        command
    }

    /// `program` in the test's environment: a temporary HOME, every endpoint at the emulator.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("NO_COLOR", "1")
            .env("HOME", self.home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.emu.url())
            .env("AWS_ENDPOINT_URL_SSO", self.emu.url())
            .env("AWS_ENDPOINT_URL_STS", self.emu.url())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null());
        command
    }

    /// Runs `sso --debug ARGS`, expects success, records the output and the secrets it left.
    fn run(&mut self, args: &[&str]) -> Output {
        let output = self.sso(args).output().unwrap();
        self.record(args, &output, false);
        output
    }

    fn record(&mut self, args: &[&str], output: &Output, prints_credentials: bool) {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "sso {}: {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            args.join(" "),
            output.status
        );
        self.record_any(args, output, prints_credentials);
    }

    /// Records a run whatever its outcome (failures must not leak either).
    fn record_any(&mut self, args: &[&str], output: &Output, prints_credentials: bool) {
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        // --debug is on: something is logged.
        assert!(
            stderr.contains("DEBUG") || stderr.contains("debug"),
            "sso {} logged nothing:\n{stderr}",
            args.join(" ")
        );
        self.runs.push(Run {
            what: args.join(" "),
            stdout,
            stderr,
            prints_credentials,
        });
        self.collect_secrets();
    }

    /// Reads every secret out of the token, registration and role-credential caches.
    fn collect_secrets(&mut self) {
        let aws = self.home.path().join(".aws");
        for dir in [aws.join("sso/cache"), aws.join("cli/cache")] {
            for json in json_files(&dir) {
                for key in ["accessToken", "refreshToken", "clientSecret"] {
                    self.add_secret(&json[key]);
                }
                let credentials = &json["Credentials"];
                for key in ["SecretAccessKey", "SessionToken"] {
                    self.add_secret(&credentials[key]);
                }
            }
        }
    }

    /// Runs `sso console ARGS` against a stand-in federation endpoint.
    fn console(&mut self, args: &[&str]) {
        let federation = federation_endpoint();
        let output = self
            .sso(args)
            .env("SSO_FEDERATION_ENDPOINT", &federation)
            .output()
            .unwrap();
        self.record(args, &output, false);
    }

    /// A secret the test put in play itself (a token file, an environment variable, a code).
    fn add_known_secret(&mut self, secret: &str) {
        self.add_secret(&serde_json::Value::String(secret.to_owned()));
    }

    /// A live SSO token for the session `my-sso` in the cache, as `sso login` leaves it.
    fn sign_in(&mut self) {
        let path = self.token_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let token = serde_json::json!({
            "startUrl": "https://d-123.awsapps.com/start",
            "region": "us-east-1",
            "accessToken": self.emu.issue_access_token(),
            "expiresAt": time_in(Duration::from_secs(3600)),
        });
        std::fs::write(path, token.to_string()).unwrap();
        self.collect_secrets();
    }

    /// Runs `sso --debug COMMAND_LINE` (a shell-safe string) on a pseudo-terminal made by
    /// `script`, types `typed` and Enter once the MFA prompt shows, and records the terminal's
    /// whole output (stdout and stderr together) whatever the outcome; `None` without `script`.
    fn run_on_pty(&mut self, command_line: &str, typed: &str) -> Option<Output> {
        if Command::new("script").arg("--version").output().is_err() {
            return None;
        }
        let sso = insta_cmd::get_cargo_bin("sso");
        let line = format!("{} --debug {command_line}", sso.display());
        let mut child = self
            .command("script")
            .args(["-qec", &line, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        while !String::from_utf8_lossy(&seen).contains("Enter MFA code") {
            match out.read(&mut byte) {
                Ok(1) => seen.push(byte[0]),
                _ => break,
            }
        }
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(format!("{typed}\r").as_bytes()).unwrap();
        stdin.flush().unwrap();
        out.read_to_end(&mut seen).unwrap();
        drop(stdin);
        let status = child.wait().unwrap();
        let output = Output {
            status,
            stdout: Vec::new(),
            stderr: seen,
        };
        self.record_any(&[command_line], &output, false);
        Some(output)
    }

    fn add_secret(&mut self, value: &serde_json::Value) {
        if let Some(text) = value.as_str() {
            // Short values could match by accident; every real secret is long.
            assert!(text.len() >= 16, "a suspiciously short secret: {text}");
            self.secrets.insert(text.to_owned());
        }
    }

    fn write_config(&self, text: &str) {
        let path = self.home.path().join(".aws/config");
        let mut config = std::fs::read_to_string(&path).unwrap_or_default();
        config.push_str(text);
        std::fs::write(path, config).unwrap();
    }

    fn token_path(&self) -> std::path::PathBuf {
        sso_cache::CacheDir::new(self.home.path().join(".aws/sso/cache"))
            .entry_path(&sso_cache::CacheKey::for_session("my-sso"))
    }

    /// The device-code login, approved through the emulator with the user code it shows.
    fn device_code_login(&mut self) {
        let args = [
            "login",
            "--sso-session",
            "my-sso",
            "--use-device-code",
            "--no-browser",
        ];
        let mut child = self
            .sso(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut seen = Vec::new();
        let mut after_label = false;
        let user_code = loop {
            let line = lines.next().expect("stderr ended before the code").unwrap();
            seen.push(line.clone());
            if after_label && !line.is_empty() {
                break line;
            }
            if line == "Then enter the code:" {
                after_label = true;
            }
        };
        self.emu.approve_device(&user_code).unwrap();
        seen.extend(lines.map(Result::unwrap));
        let mut stdout = Vec::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut stdout)
            .unwrap();
        let status = child.wait().unwrap();
        let stderr = seen.join("\n");
        // The user code is shown (it is not a secret); the device code never is.
        assert!(stderr.contains(&user_code), "{stderr}");
        let output = Output {
            status,
            stdout,
            stderr: stderr.into_bytes(),
        };
        self.record(&args, &output, false);
    }

    /// The PKCE login, with `curl` as the browser following the redirect to the listener.
    #[allow(clippy::print_stderr)]
    fn pkce_login(&mut self) {
        if Command::new("curl").arg("--version").output().is_err() {
            eprintln!("curl is not installed; the leak test skips the PKCE login");
            return;
        }
        let args = ["login", "--sso-session", "my-sso"];
        let output = self
            .sso(&args)
            .env("BROWSER", "curl -s -L -o /dev/null %s")
            .output()
            .unwrap();
        self.record(&args, &output, false);
        assert_eq!(self.emu.stats().create_token_authorization_code, 1);
    }

    /// Moves the cached token's expiry into the refresh window and drops the role credentials,
    /// so that the next credentials call refreshes the token and calls GetRoleCredentials.
    fn force_refresh(&mut self) {
        let path = self.token_path();
        let mut json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let soon = time_in(Duration::from_secs(60));
        json["expiresAt"] = serde_json::Value::String(soon);
        std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
        let cli_cache = self.home.path().join(".aws/cli/cache");
        if cli_cache.exists() {
            std::fs::remove_dir_all(cli_cache).unwrap();
        }
    }

    /// The final check over every command run.
    fn assert_no_leak(&self) {
        assert!(
            self.secrets.len() >= 6,
            "too few secrets were collected to make the test meaningful: {}",
            self.secrets.len()
        );
        // The collection works: the credentials export-credentials printed are among them.
        assert!(
            self.runs.iter().any(|run| run.prints_credentials
                && self
                    .secrets
                    .iter()
                    .any(|secret| run.stdout.contains(secret.as_str()))),
            "no collected secret appears in export-credentials' output"
        );
        for run in &self.runs {
            for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                if stream == "stdout" && run.prints_credentials {
                    continue;
                }
                for secret in &self.secrets {
                    assert!(
                        !text.contains(secret.as_str()),
                        "`sso --debug {}` leaked a secret on {stream}:\n{text}",
                        run.what
                    );
                }
                for prefix in SECRET_PREFIXES {
                    assert!(
                        !text.contains(prefix),
                        "`sso --debug {}` printed something starting with {prefix} on {stream}:\n{text}",
                        run.what
                    );
                }
            }
        }
    }
}

/// The parsed JSON files of a cache directory (none when it does not exist).
fn json_files(dir: &Path) -> Vec<serde_json::Value> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "json"))
        .filter_map(|entry| serde_json::from_slice(&std::fs::read(entry.path()).ok()?).ok())
        .collect()
}

/// RFC 3339 (UTC, whole seconds) `after` from now.
fn time_in(after: Duration) -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .saturating_add(after)
        .as_millis();
    let at = sso_cache::Timestamp::from_unix_millis(i64::try_from(ms).unwrap());
    at.to_rfc3339_seconds()
}

/// A stand-in federation endpoint that answers every request with a sign-in token.
fn federation_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/federation",
        listener.local_addr().unwrap().port()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            let body = r#"{"SigninToken":"signin-token-for-the-leak-test"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn no_command_leaks_a_secret_with_debug() {
    let mut leak = Leak::new();

    // Configure: the session, then a profile (account and role given: no login needed).
    leak.run(&[
        "configure",
        "sso-session",
        "--sso-session",
        "my-sso",
        "--sso-start-url",
        "https://d-123.awsapps.com/start",
        "--sso-region",
        "us-east-1",
        "--sso-registration-scopes",
        "sso:account:access",
    ]);
    leak.run(&[
        "configure",
        "--non-interactive",
        "--profile",
        "dev",
        "--sso-session",
        "my-sso",
        "--sso-start-url",
        "https://d-123.awsapps.com/start",
        "--sso-region",
        "us-east-1",
        "--account-id",
        "111111111111",
        "--role-name",
        "ReadOnlyAccess",
        "--region",
        "eu-west-1",
        "--output",
        "json",
    ]);

    // Both sign-in flows.
    leak.device_code_login();
    leak.pkce_login();

    // The portal.
    leak.run(&["list", "accounts", "--sso-session", "my-sso"]);
    leak.run(&[
        "list",
        "accounts",
        "--sso-session",
        "my-sso",
        "--output",
        "json",
    ]);
    leak.run(&[
        "list",
        "roles",
        "--sso-session",
        "my-sso",
        "--account-id",
        "111111111111",
    ]);
    leak.run(&[
        "list",
        "roles",
        "--sso-session",
        "my-sso",
        "--output",
        "text",
    ]);

    // Credentials: a miss (GetRoleCredentials), then the warm path in every format.
    for format in super::EXPORT_FORMATS {
        let args = ["export-credentials", "--profile", "dev", "--format", format];
        let output = leak.sso(&args).output().unwrap();
        leak.record(&args, &output, true);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("ASIA"), "{stdout}");
    }
    // A refresh in the refresh window, then GetRoleCredentials again.
    leak.force_refresh();
    let args = ["export-credentials", "--profile", "dev"];
    let output = leak.sso(&args).output().unwrap();
    leak.record(&args, &output, true);
    assert!(leak.emu.stats().create_token_refresh_token >= 1);

    // exec: the child prints only whether it got the credentials.
    let output = leak.run(&[
        "exec",
        "--profile",
        "dev",
        "--",
        "sh",
        "-c",
        r#"test -n "$AWS_SECRET_ACCESS_KEY" && test -n "$AWS_SESSION_TOKEN" && echo got-credentials"#,
    ]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "got-credentials\n");

    leak.run(&["status"]);
    leak.run(&["status", "--output", "json"]);
    leak.write_config("\n# populate writes below\n");
    leak.run(&["populate", "--sso-session", "my-sso", "--dry-run"]);

    leak.console(&["console", "--profile", "dev", "--print"]);

    leak.run(&["logout"]);
    assert!(!leak.token_path().exists());

    leak.assert_no_leak();
}

/// The container endpoint's authorization token, the MFA code the emulator accepts (longer than
/// a real six-digit code so that it cannot match a timestamp's digits by chance) and wrong ones.
const CONTAINER_TOKEN: &str = "container-authorization-secret-0451";
const WRONG_CONTAINER_TOKEN: &str = "wrong-container-token-5520";
const MFA_CODE: &str = "mfa-code-7392041";
const WRONG_MFA_CODE: &str = "mfa-wrong-8815302";
/// A JWT-shaped web identity token; its payload is
/// `{"sub":"system:serviceaccount:ns:app","aud":"sts.amazonaws.com","iss":"https://oidc.example"}`.
const WEB_IDENTITY_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6YXBwIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20iLCJpc3MiOiJodHRwczovL29pZGMuZXhhbXBsZSJ9.bGVhay10ZXN0LXNpZ25hdHVyZQ";

fn chained_config(token_file: &Path) -> String {
    format!(
        "\
[profile dev]
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
region = eu-west-1

[sso-session my-sso]
sso_start_url = https://d-123.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile chain-a]
role_arn = arn:aws:iam::222222222222:role/LeakA
source_profile = dev
role_session_name = leak-a

[profile chain-b]
role_arn = arn:aws:iam::333333333333:role/LeakB
source_profile = chain-a

[profile web]
role_arn = arn:aws:iam::222222222222:role/LeakWeb
web_identity_token_file = {}

[profile from-container]
role_arn = arn:aws:iam::222222222222:role/LeakFromContainer
credential_source = EcsContainer

[profile mfa]
role_arn = arn:aws:iam::222222222222:role/LeakMfa
source_profile = dev
mfa_serial = arn:aws:iam::111111111111:mfa/leak

[profile mfa-wrong]
role_arn = arn:aws:iam::222222222222:role/LeakMfa
source_profile = dev
role_session_name = wrong-code
mfa_serial = arn:aws:iam::111111111111:mfa/leak
",
        token_file.display()
    )
}

#[test]
#[allow(clippy::print_stderr)]
fn no_chained_profile_leaks_a_secret_with_debug() {
    let mut leak = Leak::with(
        Emulator::builder()
            .mfa_code(MFA_CODE)
            .container_authorization_token(CONTAINER_TOKEN),
    );
    let token_file = leak.home.path().join("web-identity-token");
    std::fs::write(&token_file, WEB_IDENTITY_TOKEN).unwrap();
    leak.write_config(&chained_config(&token_file));
    leak.sign_in();
    for secret in [
        WEB_IDENTITY_TOKEN,
        CONTAINER_TOKEN,
        WRONG_CONTAINER_TOKEN,
        MFA_CODE,
        WRONG_MFA_CODE,
    ] {
        leak.add_known_secret(secret);
    }

    // SSO → role A → role B: cold (GetRoleCredentials and two AssumeRole), then warm from
    // ~/.aws/cli/cache, in two formats.
    for format in ["process", "env"] {
        let args = [
            "export-credentials",
            "--profile",
            "chain-b",
            "--format",
            format,
        ];
        let output = leak.sso(&args).output().unwrap();
        leak.record(&args, &output, true);
        assert!(String::from_utf8_lossy(&output.stdout).contains("ASIAEMULEAKB"));
    }
    let stats = leak.emu.stats();
    assert_eq!((stats.get_role_credentials, stats.assume_role), (1, 2));
    let output = leak.run(&[
        "exec",
        "--profile",
        "chain-b",
        "--",
        "sh",
        "-c",
        r#"test -n "$AWS_SESSION_TOKEN" && echo got-credentials"#,
    ]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "got-credentials\n");
    leak.console(&["console", "--profile", "chain-b", "--print"]);

    // Web identity: the token file's content is a secret.
    let args = ["export-credentials", "--profile", "web"];
    let output = leak.sso(&args).output().unwrap();
    leak.record(&args, &output, true);
    assert_eq!(leak.emu.stats().assume_role_with_web_identity, 1);

    // The container source, alone and under a role; then a wrong token, which fails.
    let url = leak.emu.container_credentials_url();
    for (args, prints) in [
        (&["export-credentials"][..], true),
        (
            &["exec", "--profile", "from-container", "--", "true"][..],
            false,
        ),
    ] {
        let output = leak
            .sso(args)
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url)
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", CONTAINER_TOKEN)
            .output()
            .unwrap();
        leak.record(args, &output, prints);
    }
    let args = ["export-credentials"];
    let output = leak
        .sso(&args)
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", WRONG_CONTAINER_TOKEN)
        .output()
        .unwrap();
    assert!(!output.status.success());
    leak.record_any(&args, &output, false);

    // MFA, typed on a terminal: the right code, then a wrong one (STS refuses it).
    let exec =
        r#"exec --profile mfa -- sh -c 'test -n "$AWS_SESSION_TOKEN" && echo got-credentials'"#;
    if let Some(output) = leak.run_on_pty(exec, MFA_CODE) {
        let text = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{text}");
        assert!(text.contains("got-credentials"), "{text}");
        let calls = leak.emu.sts_calls();
        let last = calls.last().unwrap();
        assert_eq!(last.token_code.as_deref(), Some(MFA_CODE));
        let output = leak
            .run_on_pty("export-credentials --profile mfa-wrong", WRONG_MFA_CODE)
            .unwrap();
        assert!(!output.status.success());
        let calls = leak.emu.sts_calls();
        assert_eq!(
            calls.last().unwrap().error_code.as_deref(),
            Some("AccessDenied")
        );
    } else {
        eprintln!("script is not installed; the leak test skips the MFA prompt");
    }

    leak.assert_no_leak();
}
