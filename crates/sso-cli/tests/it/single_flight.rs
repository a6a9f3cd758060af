//! Single flight across processes, end to end: concurrent `sso login` runs open one browser tab
//! and make one token grant; a killed sign-in is taken over at once; `--wait-for-login` waits
//! for a sign-in in progress; lock files do not pile up and logout removes them; the expiry
//! warning is shown once on a terminal. The browser is a shell script (`BROWSER`) that counts
//! its launches and, once allowed, fetches the authorize URL with `curl`, which follows the
//! emulator's redirect back to the loopback listener.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sso_cache::CacheKey;
use sso_emulator::{BlockingEmulator, Emulator};

const CONFIG: &str = "\
[profile dev]
sso_session = flight
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess

[profile patient]
sso_session = flight
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
sso_wait_for_login = 60

[profile legacy]
sso_start_url = https://d-legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess

[sso-session flight]
sso_start_url = https://d-flight.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

struct Env {
    home: tempfile::TempDir,
    emu: BlockingEmulator,
}

impl Env {
    fn new(builder: sso_emulator::EmulatorBuilder) -> Self {
        let emu = builder.start_blocking().unwrap();
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
            .env("BROWSER", self.home.path().join("browser.sh"))
            .stdin(Stdio::null());
        command
    }

    /// Writes the stand-in browser: it appends a line to `launches`, exits without visiting
    /// when `drop-next` exists (removing it), else waits for `go` and fetches the URL.
    fn browser(&self) {
        let dir = self.home.path();
        let script = format!(
            "#!/bin/sh\n\
             echo launched >> '{dir}/launches'\n\
             if [ -e '{dir}/drop-next' ]; then rm -f '{dir}/drop-next'; exit 0; fi\n\
             while [ ! -e '{dir}/go' ]; do sleep 0.02; done\n\
             exec curl -s -L -o /dev/null \"$1\"\n",
            dir = dir.display()
        );
        let path = dir.join("browser.sh");
        std::fs::write(&path, script).unwrap();
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&path, permissions).unwrap();
    }

    fn launches(&self) -> usize {
        std::fs::read_to_string(self.home.path().join("launches"))
            .map(|text| text.lines().count())
            .unwrap_or(0)
    }

    fn go(&self) {
        std::fs::write(self.home.path().join("go"), "").unwrap();
    }

    fn sso_cache(&self) -> PathBuf {
        self.home.path().join(".aws/sso/cache")
    }

    fn cli_cache(&self) -> PathBuf {
        self.home.path().join(".aws/cli/cache")
    }
}

fn curl_missing() -> bool {
    Command::new("curl").arg("--version").output().is_err()
}

/// The lock files in `dir`.
fn lock_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|name| name.ends_with(".lock"))
                .collect()
        })
        .unwrap_or_default()
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Spawns `sso login` with stderr read line by line into a channel.
fn spawn_login(env: &Env) -> (Child, mpsc::Receiver<String>) {
    let mut child = env
        .sso(&["login", "--sso-session", "flight"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    (child, receiver)
}

/// Reads `lines` until one contains `needle`; returns it.
fn expect_line(lines: &mpsc::Receiver<String>, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return line,
            Ok(line) => seen.push(line),
            Err(_) => panic!("no line with {needle:?}; saw {seen:?}"),
        }
    }
}

#[test]
fn eight_concurrent_logins_open_one_browser_and_share_one_token() {
    if curl_missing() {
        return;
    }
    let env = Env::new(Emulator::builder().seed(21).enforce_poll_interval(false));
    env.browser();
    let mut logins: Vec<_> = (0..8).map(|_| spawn_login(&env)).collect();
    // One of them opened the browser (which waits for `go`); the other seven say whom they
    // wait for.
    wait_until("the browser launch", Duration::from_secs(60), || {
        env.launches() == 1
    });
    let signing_in: Vec<u32> = logins.iter().map(|(child, _)| child.id()).collect();
    let mut waiting = 0;
    for (child, lines) in &logins {
        // The signing-in process shows the authorize URL; the others the waiting line.
        let line = expect_line(lines, "");
        if line.starts_with("Another sso process is signing in") {
            assert!(
                line.contains("waiting for the sign-in started by pid "),
                "{line}"
            );
            let pid: u32 = line
                .split("pid ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .and_then(|pid| pid.parse().ok())
                .unwrap();
            assert!(signing_in.contains(&pid) && pid != child.id(), "{line}");
            waiting += 1;
        }
    }
    assert_eq!(waiting, 7);
    env.go();
    for (child, _) in logins.drain(..) {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            stdout.starts_with(
                "Successfully logged into Start URL: https://d-flight.awsapps.com/start\n"
            ),
            "{stdout}"
        );
    }
    assert_eq!(env.launches(), 1);
    let stats = env.emu.stats();
    assert_eq!(stats.register_client, 1, "{stats:?}");
    assert_eq!(stats.authorize, 1, "{stats:?}");
    assert_eq!(stats.create_token, 1, "{stats:?}");
    assert_eq!(stats.create_token_authorization_code, 1, "{stats:?}");
    assert!(lock_files(&env.sso_cache()).is_empty());
}

#[test]
fn a_sign_in_killed_with_sigkill_is_taken_over_at_once() {
    if curl_missing() {
        return;
    }
    let env = Env::new(Emulator::builder().seed(22).enforce_poll_interval(false));
    env.browser();
    // The first browser never comes back: its process will be killed.
    std::fs::write(env.home.path().join("drop-next"), "").unwrap();
    env.go();
    let (mut first, _first_lines) = spawn_login(&env);
    wait_until("the first browser launch", Duration::from_secs(60), || {
        env.launches() == 1
    });
    let (second, second_lines) = spawn_login(&env);
    let line = expect_line(&second_lines, "Another sso process is signing in");
    assert!(
        line.contains(&format!(
            "waiting for the sign-in started by pid {} at ",
            first.id()
        )),
        "{line}"
    );
    // SIGKILL: no chance to clean up. Its lock file stays, but the kernel released the lock.
    first.kill().unwrap();
    let killed = Instant::now();
    first.wait().unwrap();
    wait_until("the second browser launch", Duration::from_secs(30), || {
        env.launches() == 2
    });
    let took_over = killed.elapsed();
    expect_line(&second_lines, "That sign-in ended without signing in");
    let output = second.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    // Polled every 50 ms: no stale-lock timeout is involved. (Generous for loaded machines;
    // measured at well under a second.)
    assert!(took_over < Duration::from_secs(3), "{took_over:?}");
    let stats = env.emu.stats();
    // The registration the killed process cached is reused; one token grant.
    assert_eq!(stats.register_client, 1, "{stats:?}");
    assert_eq!(stats.create_token_authorization_code, 1, "{stats:?}");
    assert!(
        env.sso_cache()
            .join(CacheKey::for_session("flight").file_name())
            .exists()
    );
    // The taker-over released (and deleted) the killed process's lock file.
    assert!(lock_files(&env.sso_cache()).is_empty());
}

#[test]
fn wait_for_login_waits_for_a_sign_in_in_progress_and_is_off_by_default() {
    if curl_missing() {
        return;
    }
    let env = Env::new(Emulator::builder().seed(23).enforce_poll_interval(false));
    env.browser();
    let (login, login_lines) = spawn_login(&env);
    wait_until("the browser launch", Duration::from_secs(60), || {
        env.launches() == 1
    });
    // Without the option: exit 3 at once, as before.
    let started = Instant::now();
    let output = env
        .sso(&["export-credentials", "--profile", "dev"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    assert!(started.elapsed() < Duration::from_secs(20));
    // With the flag, and with the config key: both wait.
    let spawn_waiter = |args: &[&str]| {
        env.sso(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut by_flag = spawn_waiter(&[
        "export-credentials",
        "--profile",
        "dev",
        "--wait-for-login",
        "60",
    ]);
    let mut by_config = spawn_waiter(&["export-credentials", "--profile", "patient"]);
    std::thread::sleep(Duration::from_millis(700));
    assert!(by_flag.try_wait().unwrap().is_none(), "the waiter exited");
    assert!(by_config.try_wait().unwrap().is_none(), "the waiter exited");
    env.go();
    let output = login.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    drop(login_lines);
    let mut printed = Vec::new();
    for waiter in [by_flag, by_config] {
        let output = waiter.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("waiting up to"), "{stderr}");
        printed.push(output.stdout);
    }
    assert_eq!(printed[0], printed[1]);
    let stats = env.emu.stats();
    assert_eq!(stats.create_token, 1, "{stats:?}");
    assert_eq!(stats.get_role_credentials, 1, "{stats:?}");
    assert!(lock_files(&env.sso_cache()).is_empty());
    assert!(lock_files(&env.cli_cache()).is_empty());

    // A bad value is shown where it is.
    let config = CONFIG.replace("sso_wait_for_login = 60", "sso_wait_for_login = soon");
    std::fs::write(env.home.path().join(".aws/config"), config).unwrap();
    std::fs::remove_dir_all(env.cli_cache()).unwrap();
    let output = env
        .sso(&["export-credentials", "--profile", "patient"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("invalid sso_wait_for_login `soon`"),
        "{stderr}"
    );
}

#[test]
fn logout_removes_lock_files_left_by_crashed_processes() {
    let env = Env::new(
        Emulator::builder()
            .seed(24)
            .auto_approve(true)
            .enforce_poll_interval(false)
            .poll_interval(Duration::from_millis(10)),
    );
    let output = env
        .sso(&[
            "login",
            "--sso-session",
            "flight",
            "--use-device-code",
            "--no-browser",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let output = env
        .sso(&["export-credentials", "--profile", "dev"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    // Ordinary runs leave none.
    assert!(lock_files(&env.sso_cache()).is_empty());
    assert!(lock_files(&env.cli_cache()).is_empty());
    // What processes killed while holding locks leave behind.
    let token = env
        .sso_cache()
        .join(CacheKey::for_session("flight").file_name());
    let credentials = std::fs::read_dir(env.cli_cache())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    for leftover in [
        format!("{}.lock", token.display()),
        format!("{}.login.lock", token.display()),
        format!("{}.lock", credentials.display()),
        format!("{}/0123456789abcdef.json.lock", env.sso_cache().display()),
    ] {
        std::fs::write(leftover, "").unwrap();
    }
    let output = env
        .sso(&["logout", "--sso-session", "flight"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    // The session's entries went with their locks; the unrelated leftover stays.
    assert_eq!(lock_files(&env.sso_cache()), ["0123456789abcdef.json.lock"]);
    assert!(lock_files(&env.cli_cache()).is_empty());
    let output = env.sso(&["logout"]).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(lock_files(&env.sso_cache()).is_empty());
}

#[test]
#[allow(clippy::print_stderr)]
fn the_expiry_warning_is_shown_once_on_a_terminal_and_in_status() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("script(1) is not installed; skipping the terminal test");
        return;
    }
    // Ten-minute tokens; legacy logins cannot refresh.
    let env = Env::new(
        Emulator::builder()
            .seed(25)
            .auto_approve(true)
            .enforce_poll_interval(false)
            .poll_interval(Duration::from_millis(10))
            .token_lifetime(Duration::from_secs(600)),
    );
    let output = env
        .sso(&["login", "--profile", "legacy", "--no-browser"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let warning =
        "warning: the sign-in to start URL https://d-legacy.awsapps.com/start expires at ";
    // On a terminal (script(1) gives the command a pseudo-terminal): once, cold and warm.
    for _ in 0..2 {
        let sso = insta_cmd::get_cargo_bin("sso");
        let output = Command::new("script")
            .args(["-q", "-e", "-c"])
            .arg(format!(
                "'{}' export-credentials --profile legacy",
                sso.display()
            ))
            .arg("/dev/null")
            .env_clear()
            .env("NO_COLOR", "1")
            .env("HOME", env.home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", env.emu.url())
            .env("AWS_ENDPOINT_URL_SSO", env.emu.url())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{text}");
        assert_eq!(text.matches(warning).count(), 1, "{text}");
        assert!(
            text.contains("(in 10 min) and cannot be refreshed; run `sso login --profile legacy`")
                || text.contains(
                    "(in 9 min) and cannot be refreshed; run `sso login --profile legacy`"
                ),
            "{text}"
        );
        assert!(text.contains("\"AccessKeyId\""), "{text}");
    }
    // Not a terminal (credential_process): nothing on stderr.
    let output = env
        .sso(&["export-credentials", "--profile", "legacy"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
    // `sso status` shows it under the logins.
    let output = env.sso(&["status"]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.matches(warning).count(), 1, "{stdout}");
    let output = env.sso(&["status", "--output", "json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let legacy = json["logins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["ssoSession"].is_null())
        .unwrap();
    assert_eq!(legacy["expiresSoonWithoutRefresh"], true);
}
