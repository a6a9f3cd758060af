//! End-to-end tests of signing in from anywhere (issue 8): paste-back PKCE (a good address, a
//! modified state, an address from another login, garbage, the loopback and the paste racing),
//! the one-line flow choice, a browser that does not open (issue 12: `BROWSER=/bin/false`, a
//! missing command, CI), the device code with `--qr`/`--copy` off a terminal, the fixed port
//! from the config, and `sso console` against a stand-in federation endpoint.
//!
//! The binary runs against an emulator started in this process, with HOME in a temporary
//! directory. The test plays the browser: it fetches the authorize URL printed on stderr from
//! the emulator, takes the `Location` of the 302 without following it, and writes that address
//! to the child's stdin, as a user would paste it.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use sso_cache::{
    CacheDir, CacheKey, Login, RoleCredentials, SecretAccessKey, SessionToken, Timestamp,
    UnknownFields,
};
use sso_emulator::{BlockingEmulator, Emulator};

const CONFIG: &str = "\
[profile dev]
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
region = eu-west-1

[sso-session my-sso]
sso_start_url = https://d-123.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

const PASTE_PROMPT: &str = "After signing in, your browser shows a page that cannot be reached; copy its address and paste it here:";

const TIMEOUT: Duration = Duration::from_secs(30);

struct Env {
    home: tempfile::TempDir,
    emu: BlockingEmulator,
}

impl Env {
    /// An emulator and a HOME whose config is [`CONFIG`] followed by `extra`.
    fn new(extra: &str) -> Self {
        let emu = Emulator::builder()
            .seed(8)
            .enforce_poll_interval(false)
            .start_blocking()
            .unwrap();
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), format!("{CONFIG}{extra}")).unwrap();
        Self { home, emu }
    }

    fn sso(&self, args: &[&str]) -> Command {
        let mut command = self.command(insta_cmd::get_cargo_bin("sso"));
        command.args(args);
        command
    }

    /// `program` in the test's clean environment: HOME, PATH and the emulator's endpoints.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("NO_COLOR", "1")
            .env("HOME", self.home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.emu.url())
            .env("AWS_ENDPOINT_URL_SSO", self.emu.url())
            .stdin(Stdio::null());
        command
    }

    /// `sso login` with paste-back PKCE forced (stdin is a pipe, not a terminal, so detection
    /// would pick the device code).
    fn start_paste(&self, args: &[&str]) -> Running {
        let mut all = vec!["login"];
        all.extend_from_slice(args);
        let mut command = self.sso(&all);
        command.env("SSO_LOGIN_FLOW", "paste");
        Running::start(command)
    }

    fn sso_cache(&self) -> CacheDir {
        CacheDir::new(self.home.path().join(".aws/sso/cache"))
    }

    fn signed_in(&self, session: &str) -> bool {
        self.sso_cache()
            .entry_path(&CacheKey::for_session(session))
            .exists()
    }
}

/// A running `sso` with its stdin open and its stderr read line by line.
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(command: Command) -> Self {
        Self::start_reading(command, false)
    }

    /// Starts `command` and reads its stderr, or its stdout when `stdout` (a terminal's
    /// output, with both streams in it); lines lose a trailing `\r`.
    fn start_reading(mut command: Command, stdout: bool) -> Self {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stream: Box<dyn std::io::Read + Send> = if stdout {
            Box::new(child.stdout.take().unwrap())
        } else {
            Box::new(child.stderr.take().unwrap())
        };
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if sender.send(line.trim_end_matches('\r').to_owned()).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    /// The next stderr line that satisfies `want`.
    fn wait_for(&mut self, want: impl Fn(&str) -> bool) -> String {
        loop {
            match self.lines.recv_timeout(TIMEOUT) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(error) => panic!("{error}: stderr so far: {:#?}", self.seen),
            }
        }
    }

    /// Waits for the authorize URL and the paste question; returns the URL.
    fn authorize_url(&mut self, emu: &BlockingEmulator) -> String {
        let prefix = format!("{}/authorize?", emu.url());
        let url = self.wait_for(|line| line.starts_with(&prefix));
        self.wait_for(|line| line == PASTE_PROMPT);
        url
    }

    /// Types `text` and Enter.
    fn paste(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(format!("{text}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Closes stdin, waits for the exit, and returns the output with every stderr line.
    fn finish(mut self) -> (Output, String) {
        drop(self.stdin.take());
        let mut stdout = Vec::new();
        if let Some(mut out) = self.child.stdout.take() {
            out.read_to_end(&mut stdout).unwrap();
        }
        let status = self.child.wait().unwrap();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        let stderr = self.seen.join("\n");
        (
            Output {
                status,
                stdout,
                stderr: stderr.clone().into_bytes(),
            },
            stderr,
        )
    }
}

/// A minimal HTTP/1.1 GET over plain TCP: the status, the `Location` header and the body.
fn http_get(url: &str) -> std::io::Result<(u16, Option<String>, String)> {
    let url = url::Url::parse(url).unwrap();
    let host = url.host_str().unwrap();
    let port = url.port_or_known_default().unwrap();
    let mut stream = TcpStream::connect((host, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut head_lines = head.lines();
    let status = head_lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let location = head_lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("location"))
        .map(|(_, value)| value.trim().to_owned());
    Ok((status, location, body.to_owned()))
}

/// Plays the browser up to the redirect: the address it would be sent to.
fn callback_address(authorize_url: &str) -> String {
    let (status, location, body) = http_get(authorize_url).unwrap();
    assert_eq!(status, 302, "{body}");
    let location = location.unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:") && location.contains("/oauth/callback?"),
        "{location}"
    );
    location
}

fn query_param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(key, _)| key == name)
        .unwrap()
        .1
        .into_owned()
}

fn assert_signed_in(output: &Output, stderr: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stderr}\n{stdout}");
    assert!(
        stdout.starts_with("Successfully logged into Start URL: https://d-123.awsapps.com/start\n"),
        "{stdout}"
    );
}

#[test]
fn paste_back_with_a_good_address() {
    let env = Env::new("");
    let mut running = env.start_paste(&["--sso-session", "my-sso"]);
    let first = running.wait_for(|_| true);
    assert_eq!(
        first,
        "Signing in with paste-back (PKCE): SSO_LOGIN_FLOW=paste"
    );
    let url = running.authorize_url(&env.emu);
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{url}"
    );
    let address = callback_address(&url);
    running.paste(&address);
    running.wait_for(|line| line == "Got it; finishing the sign-in.");
    let (output, stderr) = running.finish();
    assert_signed_in(&output, &stderr);
    // The code is never echoed.
    let code = query_param(&address, "code");
    assert!(!stderr.contains(&code), "{stderr}");
    // No spinner over the user's input.
    assert!(!stderr.contains("waiting for approval"), "{stderr}");
    let stats = env.emu.stats();
    assert_eq!(stats.authorize, 1);
    assert_eq!(stats.create_token_authorization_code, 1);
    assert!(env.signed_in("my-sso"));
}

#[test]
fn paste_back_with_a_modified_state_asks_again() {
    let env = Env::new("");
    let mut running = env.start_paste(&["--sso-session", "my-sso"]);
    let url = running.authorize_url(&env.emu);
    let address = callback_address(&url);
    let state = query_param(&address, "state");
    let mut forged_state = state.clone();
    let last = forged_state.pop().unwrap();
    forged_state.push(if last == '0' { '1' } else { '0' });
    running.paste(&address.replace(&state, &forged_state));
    let complaint = running.wait_for(|line| line.starts_with("Not accepted:"));
    assert!(
        complaint.contains("from another login")
            && complaint.contains("paste the address from the sign-in started here"),
        "{complaint}"
    );
    running.wait_for(|line| line == "Paste the address again:");
    // Nothing was exchanged for the forged address.
    assert_eq!(env.emu.stats().create_token, 0);
    running.paste(&address);
    let (output, stderr) = running.finish();
    assert_signed_in(&output, &stderr);
    assert!(!stderr.contains(&query_param(&address, "code")), "{stderr}");
    assert_eq!(env.emu.stats().create_token_authorization_code, 1);
}

#[test]
fn paste_back_with_an_address_from_another_login() {
    let env = Env::new("");
    // An earlier sign-in, finished by pasting its own address.
    let mut earlier = env.start_paste(&["--sso-session", "my-sso"]);
    let earlier_address = callback_address(&earlier.authorize_url(&env.emu));
    earlier.paste(&earlier_address);
    let (output, stderr) = earlier.finish();
    assert_signed_in(&output, &stderr);

    let mut running = env.start_paste(&["--sso-session", "my-sso"]);
    let url = running.authorize_url(&env.emu);
    assert_ne!(
        query_param(&url, "state"),
        query_param(&earlier_address, "state")
    );
    running.paste(&earlier_address);
    let complaint = running.wait_for(|line| line.starts_with("Not accepted:"));
    assert_eq!(
        complaint,
        "Not accepted: that address is from another login (its state does not match this one): paste the address from the sign-in started here."
    );
    running.paste(&callback_address(&url));
    let (output, stderr) = running.finish();
    assert_signed_in(&output, &stderr);
    assert!(
        !stderr.contains(&query_param(&earlier_address, "code")),
        "{stderr}"
    );
    assert_eq!(env.emu.stats().create_token_authorization_code, 2);
}

#[test]
fn paste_back_asks_again_after_garbage() {
    let env = Env::new("");
    let mut running = env.start_paste(&["--sso-session", "my-sso"]);
    let url = running.authorize_url(&env.emu);
    for garbage in [
        "hello",
        "",
        "https://evil.example.com/oauth/callback?code=x&state=y",
    ] {
        running.paste(garbage);
        let complaint = running.wait_for(|line| line.starts_with("Not accepted:"));
        assert!(!complaint.contains("evil.example.com/oauth"), "{complaint}");
        running.wait_for(|line| line == "Paste the address again:");
    }
    // Just the query is enough.
    let address = callback_address(&url);
    let (_, query) = address.split_once('?').unwrap();
    running.paste(&format!("?{query}"));
    let (output, stderr) = running.finish();
    assert_signed_in(&output, &stderr);
    assert_eq!(env.emu.stats().create_token_authorization_code, 1);
}

#[test]
fn paste_and_loopback_race_and_the_login_happens_once() {
    let env = Env::new("");
    let mut running = env.start_paste(&["--sso-session", "my-sso"]);
    let url = running.authorize_url(&env.emu);
    let address = callback_address(&url);
    // The browser follows the redirect to the listener while the user pastes the address.
    let browser_address = address.clone();
    let browser = std::thread::spawn(move || http_get(&browser_address));
    running.paste(&address);
    let (output, stderr) = running.finish();
    assert_signed_in(&output, &stderr);
    // Whichever came first won; the other found the login over.
    if let Ok((status, _, body)) = browser.join().unwrap()
        && status != 0
    {
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("signed in"), "{body}");
    }
    let stats = env.emu.stats();
    assert_eq!(stats.create_token_authorization_code, 1);
    assert_eq!(stats.create_token, 1);
    assert!(env.signed_in("my-sso"));
}

/// Approves the device code shown on stderr, as the user would on another device.
fn approve_shown_code(running: &mut Running, emu: &BlockingEmulator) -> String {
    running.wait_for(|line| line == "Then enter the code:");
    let code = running.wait_for(|line| !line.is_empty());
    emu.approve_device(&code).unwrap();
    code
}

#[test]
fn ssh_session_without_a_display_says_which_flow_in_one_line() {
    let env = Env::new("");
    let mut command = env.sso(&["login", "--sso-session", "my-sso", "--no-browser"]);
    command.env("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22");
    let mut running = Running::start(command);
    approve_shown_code(&mut running, &env.emu);
    let (output, stderr) = running.finish();
    assert_signed_in(&output, &stderr);
    let mut lines = stderr.lines();
    let first = lines.next().unwrap();
    // stdin is not a terminal here, so nothing could be pasted: the device code.
    assert!(
        first.starts_with("Signing in with device code: SSH session (SSH_CONNECTION is set)")
            && first.ends_with("no display, and stdin is not a terminal"),
        "{stderr}"
    );
    assert_eq!(
        lines.next(),
        Some("Browser will not be automatically opened.")
    );
    let stats = env.emu.stats();
    assert!(stats.create_token_device_code >= 1);
    assert_eq!(stats.create_token_authorization_code, 0);
}

/// Runs `command` (an `sso login` that ends up with the device code), approves the code, and
/// checks that no browser was claimed; returns the first stderr line.
fn device_code_without_a_browser(env: &Env, command: Command) -> String {
    let mut running = Running::start(command);
    approve_shown_code(&mut running, &env.emu);
    let (output, stderr) = running.finish();
    assert_signed_in(&output, &stderr);
    let mut lines = stderr.lines();
    let first = lines.next().unwrap().to_owned();
    assert_eq!(
        lines.next(),
        Some("Browser will not be automatically opened."),
        "{stderr}"
    );
    assert!(!stderr.contains("Attempting to open"), "{stderr}");
    let stats = env.emu.stats();
    assert_eq!(stats.create_token_authorization_code, 0);
    assert!(stats.create_token_device_code >= 1);
    first
}

/// `BROWSER` names a command that fails or does not exist: one line at once, then the flow
/// detection would choose (the device code, stdin being a pipe), never a ten-minute wait.
#[cfg(unix)]
#[test]
fn a_browser_that_does_not_open_is_said_at_once_and_the_device_code_follows() {
    for (browser, what) in [
        ("/bin/false", "`/bin/false` exited with status 1"),
        (
            "/nonexistent/browser",
            "`/nonexistent/browser` was not found",
        ),
    ] {
        let env = Env::new("");
        let mut command = env.sso(&["login", "--sso-session", "my-sso"]);
        command.env("BROWSER", browser);
        let first = device_code_without_a_browser(&env, command);
        assert!(
            first.starts_with(&format!("No browser could be opened ({what}"))
                && first.ends_with("); signing in with the device code instead."),
            "{first}"
        );
    }
}

/// With a terminal on stdin (a pseudo-terminal from util-linux `script`), a browser that does
/// not open is followed by paste-back, as detection would choose there.
#[cfg(target_os = "linux")]
#[test]
#[allow(clippy::print_stderr)]
fn a_browser_that_does_not_open_falls_back_to_paste_back_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("util-linux `script` is not installed; skipping the terminal fallback test");
        return;
    }
    let env = Env::new("");
    let sso = insta_cmd::get_cargo_bin("sso");
    let mut command = env.command("script");
    command
        .args([
            "-qec",
            &format!("'{}' login --sso-session my-sso", sso.display()),
        ])
        .arg("/dev/null")
        .env("BROWSER", "/bin/false");
    let mut running = Running::start_reading(command, true);
    let first = running.wait_for(|_| true);
    assert!(
        first.starts_with("No browser could be opened (`/bin/false` exited with status 1")
            && first.ends_with("); signing in with paste-back instead."),
        "{first}"
    );
    let url = running.authorize_url(&env.emu);
    running.paste(&callback_address(&url));
    running.wait_for(|line| line.starts_with("Successfully logged into Start URL: "));
    let (output, text) = running.finish();
    assert!(output.status.success(), "{text}");
    assert!(!text.contains("Attempting to open"), "{text}");
    assert!(env.signed_in("my-sso"));
    assert_eq!(env.emu.stats().create_token_authorization_code, 1);
}

/// In CI (or a container) the device code is chosen because nobody sits at a browser here:
/// none is tried, and the output does not claim to open one.
#[test]
fn headless_device_code_does_not_attempt_a_browser() {
    let env = Env::new("");
    let mut command = env.sso(&["login", "--sso-session", "my-sso"]);
    command.env("CI", "true");
    let first = device_code_without_a_browser(&env, command);
    assert!(
        first.starts_with("Signing in with device code: CI (CI is set)"),
        "{first}"
    );
}

#[test]
fn device_code_qr_and_copy_off_a_terminal() {
    let env = Env::new("");
    let mut command = env.sso(&[
        "login",
        "--sso-session",
        "my-sso",
        "--use-device-code",
        "--no-browser",
        "--qr",
        "--copy",
    ]);
    command.env("TERM", "xterm-kitty");
    let mut running = Running::start(command);
    let code = approve_shown_code(&mut running, &env.emu);
    let (output, stderr) = running.finish();
    assert_signed_in(&output, &stderr);
    // stderr is a pipe: no QR code, no escape sequence.
    assert!(!stderr.contains(['█', '▀', '▄', '\u{1b}']), "{stderr}");
    assert!(
        stderr.contains(
            "Could not copy the URL to the clipboard: stderr is not a terminal; copy it from above."
        ),
        "{stderr}"
    );
    // The code on a line of its own, apart from the URL, and the complete URL.
    let lines: Vec<&str> = stderr.lines().collect();
    let label = lines
        .iter()
        .position(|line| *line == "Then enter the code:")
        .unwrap();
    assert_eq!(lines[label + 2], code);
    assert!(!code.contains("http"), "{stderr}");
    assert_eq!(lines[label - 2], format!("{}/device", env.emu.url()));
    assert!(
        stderr.contains(&format!("{}/device?user_code={code}", env.emu.url())),
        "{stderr}"
    );
}

fn config_path(env: &Env) -> String {
    env.home.path().join(".aws/config").display().to_string()
}

#[test]
fn invalid_redirect_port_setting_is_shown_at_its_line() {
    let env = Env::new(
        "\n[sso-session fixed]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\nsso_redirect_port = eighty\n",
    );
    let line = CONFIG.lines().count() + 5;
    let output = env
        .sso(&["login", "--sso-session", "fixed"])
        .env("SSO_LOGIN_FLOW", "paste")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    // miette wraps the message at 100 columns.
    assert!(
        stderr.contains(&format!("{}:{line}:1: ", config_path(&env)))
            && stderr.contains("invalid sso_redirect_port `eighty`: expected a port number"),
        "{stderr}"
    );
    // The device code needs no port: the setting is not read then.
    let mut running = Running::start(env.sso(&[
        "login",
        "--sso-session",
        "fixed",
        "--use-device-code",
        "--no-browser",
    ]));
    approve_shown_code(&mut running, &env.emu);
    let (output, stderr) = running.finish();
    assert!(output.status.success(), "{stderr}");
}

#[test]
fn invalid_login_flow_setting_is_shown_at_its_line() {
    let env = Env::new(
        "\n[sso-session fixed]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\nsso_login_flow = browser\n",
    );
    let line = CONFIG.lines().count() + 5;
    let output = env
        .sso(&["login", "--sso-session", "fixed"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:{line}:1: ", config_path(&env)))
            && stderr.contains("invalid sso_login_flow in the sso-session: unknown login"),
        "{stderr}"
    );
    let output = env
        .sso(&["login", "--sso-session", "my-sso"])
        .env("SSO_LOGIN_FLOW", "qr")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("invalid SSO_LOGIN_FLOW"), "{stderr}");
}

#[test]
fn a_taken_redirect_port_names_ssh_and_the_flag() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let env = Env::new(&format!(
        "\n[sso-session fixed]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\nsso_redirect_port = {port}\n"
    ));
    let output = env
        .sso(&["login", "--sso-session", "fixed"])
        .env("SSO_LOGIN_FLOW", "paste")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("port {port} on 127.0.0.1 is in use")),
        "{stderr}"
    );
    assert!(stderr.contains("ssh -L"), "{stderr}");
    assert!(stderr.contains("--redirect-port"), "{stderr}");

    // The flag wins over the setting.
    let free = TcpListener::bind("127.0.0.1:0").unwrap();
    let free_port = free.local_addr().unwrap().port();
    drop(free);
    let mut running = env.start_paste(&[
        "--sso-session",
        "fixed",
        "--redirect-port",
        &free_port.to_string(),
    ]);
    let url = running.authorize_url(&env.emu);
    assert_eq!(
        query_param(&url, "redirect_uri"),
        format!("http://127.0.0.1:{free_port}/oauth/callback")
    );
    running.paste(&callback_address(&url));
    let (output, stderr) = running.finish();
    assert_signed_in(&output, &stderr);
    drop(taken);
}

// --- sso console ---

/// A stand-in federation endpoint: answers every request with `status` and `body`, and sends
/// each request target (path and query) to the returned channel.
fn federation_endpoint(status: u16, body: &'static str) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/federation",
        listener.local_addr().unwrap().port()
    );
    let (sender, requests) = mpsc::channel();
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
            let head = String::from_utf8_lossy(&head).into_owned();
            let target = head
                .lines()
                .next()
                .and_then(|line| {
                    let mut parts = line.split_whitespace();
                    (parts.next() == Some("GET")).then(|| parts.next())?
                })
                .unwrap_or_default()
                .to_owned();
            let _ = sender.send(target);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, requests)
}

/// Fixed role credentials for `dev`, valid until 2099, in `~/.aws/cli/cache`.
fn write_fixed_credentials(env: &Env) {
    let credentials = RoleCredentials {
        access_key_id: "ASIAFIXEDEXAMPLE".to_owned(),
        secret_access_key: SecretAccessKey::new("fixed/secret+key"),
        session_token: SessionToken::new("IQoJfixed-session-token=="),
        expiration: Timestamp::parse("2099-01-01T00:00:00Z").unwrap(),
        account_id: Some("111111111111".to_owned()),
        unknown: UnknownFields::new(),
    };
    let key =
        CacheKey::for_role_credentials("111111111111", "ReadOnlyAccess", Login::Session("my-sso"));
    CacheDir::new(env.home.path().join(".aws/cli/cache"))
        .write(&key, &credentials)
        .unwrap();
}

const SIGNIN_TOKEN: &str = r#"{"SigninToken":"TOKEN-abc+/=="}"#;

fn pairs(url: &url::Url) -> Vec<(String, String)> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[test]
fn console_url_is_built_from_the_profile_credentials() {
    let env = Env::new("");
    write_fixed_credentials(&env);
    let (endpoint, requests) = federation_endpoint(200, SIGNIN_TOKEN);
    let output = env
        .sso(&["console", "--profile", "dev", "--print"])
        .env("SSO_FEDERATION_ENDPOINT", &endpoint)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");

    // getSigninToken, with the cached credentials as the session.
    let request = requests.recv_timeout(TIMEOUT).unwrap();
    let request = url::Url::parse(&format!("http://x{request}")).unwrap();
    assert_eq!(request.path(), "/federation");
    let query = pairs(&request);
    assert_eq!(query.len(), 2, "{query:?}");
    assert_eq!(query[0], ("Action".to_owned(), "getSigninToken".to_owned()));
    assert_eq!(query[1].0, "Session");
    let session: serde_json::Value = serde_json::from_str(&query[1].1).unwrap();
    assert_eq!(
        session,
        serde_json::json!({
            "sessionId": "ASIAFIXEDEXAMPLE",
            "sessionKey": "fixed/secret+key",
            "sessionToken": "IQoJfixed-session-token==",
        })
    );

    // The login URL, field by field.
    assert!(
        stdout.ends_with('\n') && stdout.lines().count() == 1,
        "{stdout}"
    );
    let url = url::Url::parse(stdout.trim_end()).unwrap();
    assert_eq!(url.scheme(), "http");
    assert_eq!(
        format!(
            "{}://{}:{}{}",
            url.scheme(),
            url.host_str().unwrap(),
            url.port().unwrap(),
            url.path()
        ),
        endpoint
    );
    assert_eq!(
        pairs(&url),
        [
            ("Action", "login"),
            ("Issuer", "https://d-123.awsapps.com/start"),
            ("Destination", "https://eu-west-1.console.aws.amazon.com/"),
            ("SigninToken", "TOKEN-abc+/=="),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    // Credentials never reach the printed URL.
    assert!(!stdout.contains("fixed"), "{stdout}");
}

#[test]
fn console_destination_and_headless_fallback() {
    let env = Env::new("");
    write_fixed_credentials(&env);
    let (endpoint, _requests) = federation_endpoint(200, SIGNIN_TOKEN);
    // No --print, but no browser can be opened here (no DISPLAY, no BROWSER): printed anyway,
    // with a warning on stderr.
    let output = env
        .sso(&[
            "console",
            "--profile",
            "dev",
            "--destination",
            "https://console.aws.amazon.com/s3/home?region=eu-west-1",
        ])
        .env("SSO_FEDERATION_ENDPOINT", &endpoint)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.starts_with("No browser can be opened here; open this URL yourself"),
        "{stderr}"
    );
    let url = url::Url::parse(stdout.trim_end()).unwrap();
    assert!(
        pairs(&url).contains(&(
            "Destination".to_owned(),
            "https://console.aws.amazon.com/s3/home?region=eu-west-1".to_owned()
        )),
        "{stdout}"
    );
}

#[test]
fn console_service_region_and_firefox_container() {
    let env = Env::new("");
    write_fixed_credentials(&env);
    let (endpoint, _requests) = federation_endpoint(200, SIGNIN_TOKEN);
    let output = env
        .sso(&[
            "console",
            "--profile",
            "dev",
            "--service",
            "s3",
            "--region",
            "us-west-2",
            "--firefox-container",
            "--print",
        ])
        .env("SSO_FEDERATION_ENDPOINT", &endpoint)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(output.status.success(), "{stderr}");
    let container = url::Url::parse(stdout.trim_end()).unwrap();
    assert_eq!(container.scheme(), "ext+container");
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(container.path().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(fields[0], ("name".to_owned(), "dev".to_owned()));
    assert_eq!(fields[1].0, "url");
    let url = url::Url::parse(&fields[1].1).unwrap();
    assert!(
        pairs(&url).contains(&(
            "Destination".to_owned(),
            "https://us-west-2.console.aws.amazon.com/s3/home?region=us-west-2".to_owned()
        )),
        "{url}"
    );
    // A service name that is not one is a usage error before anything is sent.
    let output = env
        .sso(&[
            "console",
            "--profile",
            "dev",
            "--service",
            "s3/../x",
            "--print",
        ])
        .env("SSO_FEDERATION_ENDPOINT", &endpoint)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn console_opens_with_the_browser_command_given() {
    let env = Env::new("");
    write_fixed_credentials(&env);
    let (endpoint, _requests) = federation_endpoint(200, SIGNIN_TOKEN);
    let opened = env.home.path().join("opened.txt");
    let browser = format!("sh -c 'echo \"$0\" > {}'", opened.display());
    let output = env
        .sso(&["console", "--profile", "dev", "--browser", &browser])
        .env("SSO_FEDERATION_ENDPOINT", &endpoint)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        output.stdout.is_empty(),
        "the URL is not printed when it opened"
    );
    assert!(stderr.contains("Opened the AWS console"), "{stderr}");
    let deadline = std::time::Instant::now() + TIMEOUT;
    while !opened.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let url = std::fs::read_to_string(&opened).unwrap();
    assert!(url.contains("Action=login"), "{url}");
    assert!(url.contains("SigninToken="), "{url}");
}

#[test]
fn console_refused_by_the_federation_endpoint() {
    let env = Env::new("");
    write_fixed_credentials(&env);
    let (endpoint, _requests) = federation_endpoint(400, r#"{"message":"bad"}"#);
    let output = env
        .sso(&["console", "--profile", "dev", "--print"])
        .env("SSO_FEDERATION_ENDPOINT", &endpoint)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("getSigninToken"), "{stderr}");
    assert!(stderr.contains("--sso-session my-sso"), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(
        !stderr.contains("fixed/secret") && !stderr.contains("IQoJ"),
        "{stderr}"
    );
}

// --- help ---

#[test]
fn login_help_teaches_the_flows_and_flags() {
    insta_cmd::assert_cmd_snapshot!(super::sso().args(["login", "--help"]));
}

#[test]
fn console_help_teaches_print_and_the_region() {
    insta_cmd::assert_cmd_snapshot!(super::sso().args(["console", "--help"]));
}
