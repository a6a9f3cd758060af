//! End-to-end tests of `sso serve` and `sso exec --server`: the binary serving a profile's
//! credentials on 127.0.0.1 in the container-credentials format, read by a plain HTTP client,
//! by botocore's `ContainerProvider` (skipped when botocore is not importable) and by a child
//! of `sso exec --server`.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use super::credentials::{Home, NO_NETWORK, emulator, stderr, stdout, write_fixed_credentials};

/// A running `sso serve`, killed when dropped.
struct Serving {
    child: Child,
    url: String,
    token: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serving {
    /// Starts `sso --profile dev serve --port 0` in `home` and reads the variables it prints.
    fn start(home: &Home) -> Self {
        let mut child = home
            .sso()
            .args(["--profile", "dev", "serve", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut url, mut token) = (None, None);
        while url.is_none() || token.is_none() {
            let line = lines
                .next()
                .expect("sso serve ended before printing its variables")
                .unwrap();
            if let Some(value) = line.strip_prefix("export AWS_CONTAINER_CREDENTIALS_FULL_URI=") {
                url = Some(value.to_owned());
            }
            if let Some(value) = line.strip_prefix("export AWS_CONTAINER_AUTHORIZATION_TOKEN=") {
                token = Some(value.to_owned());
            }
        }
        Self {
            child,
            url: url.unwrap(),
            token: token.unwrap(),
        }
    }

    fn get(&self, authorization: Option<&str>) -> (u16, String) {
        get(&self.url, authorization)
    }

    /// [`Self::get`] with the token, asked again (as SDKs retry) while a slow fetch (a loaded
    /// machine) is still running.
    fn get_settled(&self) -> (u16, String) {
        for _ in 0..20 {
            let (status, body) = self.get(Some(&self.token));
            if !body.starts_with("credentials are being fetched") {
                return (status, body);
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        panic!("the credentials were still being fetched after 10 s");
    }
}

/// A raw HTTP/1.1 GET of `url` (`http://127.0.0.1:PORT/PATH`): the status and the body.
fn get(url: &str, authorization: Option<&str>) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(authority).unwrap();
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nAccept: application/json\r\n");
    if let Some(value) = authorization {
        request.push_str(&format!("Authorization: {value}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    if status == 200 {
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{head}"
        );
    }
    (status, body.to_owned())
}

#[test]
fn serve_answers_the_token_only() {
    let home = Home::new(NO_NETWORK);
    write_fixed_credentials(&home);
    let serving = Serving::start(&home);
    assert!(
        serving.url.starts_with("http://127.0.0.1:") && serving.url.ends_with("/credentials"),
        "{}",
        serving.url
    );
    assert_eq!(serving.token.len(), 64);

    let (status, body) = serving.get(Some(&serving.token));
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["AccessKeyId"], "ASIAFIXEDEXAMPLE");
    assert_eq!(json["SecretAccessKey"], "fixed/secret+key");
    assert_eq!(json["Token"], "IQoJfixed-session-token==");
    assert_eq!(json["Expiration"], "2099-01-01T00:00:00Z");
    assert_eq!(json["AccountId"], "111111111111");

    for (sent, expected) in [(None, 401), (Some("not-the-token"), 403)] {
        let (status, body) = serving.get(sent);
        assert_eq!(status, expected, "{body}");
        for secret in [
            "ASIAFIXEDEXAMPLE",
            "fixed/secret+key",
            "IQoJfixed-session-token==",
            "not-the-token",
            serving.token.as_str(),
        ] {
            assert!(!body.contains(secret), "{body}");
        }
    }
    let (status, _) = get(
        &serving.url.replace("/credentials", "/other"),
        Some(&serving.token),
    );
    assert_eq!(status, 404);
}

#[test]
fn serve_without_a_login_says_to_log_in_and_recovers() {
    let emu = emulator();
    let home = Home::new(emu.url());
    let serving = Serving::start(&home);
    let (status, body) = serving.get_settled();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("sso login"), "{body}");
    assert!(!body.contains(&serving.token), "{body}");
    // Signing in is enough: no restart.
    home.log_in(&emu);
    let (status, body) = serving.get_settled();
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(json["Expiration"].as_str().unwrap().ends_with('Z'));
}

/// botocore's container provider, run in python3 with the server's variables; `None` when
/// botocore is not importable.
#[allow(clippy::print_stderr, reason = "says why a check is skipped")]
fn botocore_container_key(url: &str, token: &str) -> Option<String> {
    let output = Command::new("python3")
        .arg("-c")
        .arg(
            "from botocore.credentials import ContainerProvider\n\
             c = ContainerProvider().load()\n\
             f = c.get_frozen_credentials()\n\
             print(c.method, f.access_key, f.token, sep='\\n')",
        )
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", url)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", token)
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() && err.contains("No module named") {
        eprintln!("skipping the botocore check: botocore is not importable");
        return None;
    }
    assert!(output.status.success(), "{err}");
    Some(String::from_utf8(output.stdout).unwrap())
}

#[test]
fn botocore_reads_the_served_credentials() {
    let home = Home::new(NO_NETWORK);
    write_fixed_credentials(&home);
    let serving = Serving::start(&home);
    if let Some(read) = botocore_container_key(&serving.url, &serving.token) {
        assert_eq!(
            read,
            "container-role\nASIAFIXEDEXAMPLE\nIQoJfixed-session-token==\n"
        );
    }
}

#[cfg(unix)]
#[test]
fn exec_server_gives_the_child_the_server_not_keys() {
    let home = Home::new(NO_NETWORK);
    write_fixed_credentials(&home);
    let python = Command::new("python3").arg("--version").output().is_ok();
    // The child reads the credentials from the server (botocore when importable, else
    // urllib), then exits 7.
    let fetch = "import json, os, urllib.request\n\
        try:\n\
        \x20   from botocore.credentials import ContainerProvider\n\
        \x20   print('fetched', ContainerProvider().load().get_frozen_credentials().access_key)\n\
        except ImportError:\n\
        \x20   r = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']})\n\
        \x20   print('fetched', json.load(urllib.request.urlopen(r))['AccessKeyId'])\n";
    let script = format!(
        "echo key=${{AWS_ACCESS_KEY_ID-unset}} secret=${{AWS_SECRET_ACCESS_KEY-unset}} \
         session=${{AWS_SESSION_TOKEN-unset}} relative=${{AWS_CONTAINER_CREDENTIALS_RELATIVE_URI-unset}} \
         file=${{AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE-unset}} profile=${{AWS_PROFILE-unset}} \
         region=$AWS_REGION; \
         echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"; echo \"${{#AWS_CONTAINER_AUTHORIZATION_TOKEN}}\"; \
         {} exit 7",
        if python { "python3 -c \"$FETCH\";" } else { "" }
    );
    let output = home
        .sso()
        .env("AWS_ACCESS_KEY_ID", "AKIAINHERITED")
        .env("AWS_SECRET_ACCESS_KEY", "inherited-secret")
        .env("AWS_SESSION_TOKEN", "inherited-token")
        .env(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/credentials/x",
        )
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent")
        .env("AWS_PROFILE", "dev")
        .env("FETCH", fetch)
        .args([
            "--profile",
            "dev",
            "exec",
            "--server",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
    let out = stdout(&output);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some(
            "key=unset secret=unset session=unset relative=unset file=unset profile=unset region=eu-west-1"
        ),
        "{out}"
    );
    let url = lines.next().unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/credentials"),
        "{out}"
    );
    assert_eq!(lines.next(), Some("64"), "{out}");
    if python {
        assert_eq!(
            lines.next(),
            Some("fetched ASIAFIXEDEXAMPLE"),
            "{out}\n{}",
            stderr(&output)
        );
    }
    // The server ends with `sso`.
    assert!(
        TcpStream::connect(url.trim_start_matches("http://").split('/').next().unwrap()).is_err()
    );
}

#[test]
fn exec_server_without_a_login_fails_up_front() {
    let home = Home::new(NO_NETWORK);
    let output = home.run(&["--profile", "dev", "exec", "--server", "--", "true"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("sso login"), "{}", stderr(&output));
}

#[test]
fn serve_on_a_taken_port_is_a_usage_error() {
    let home = Home::new(NO_NETWORK);
    write_fixed_credentials(&home);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = home.run(&["--profile", "dev", "serve", "--port", &port]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("in use"), "{}", stderr(&output));
}
