//! What `demo` and `bench` both need on 127.0.0.1: the `sso-emulator` binary as a child
//! process, a temporary HOME, a blocking HTTP/1.1 client (ureq) that only talks to loopback
//! URLs, and where cargo put the binaries.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use ureq::Body;
use ureq::http::{self, Uri};

/// A running `sso-emulator --port 0 ...`; stopped when dropped.
pub(crate) struct Emulator {
    child: Child,
    /// The URL it printed, `http://127.0.0.1:PORT`.
    pub(crate) url: String,
}

impl Emulator {
    /// Starts `binary` with `args` and reads the URL it prints on its first line.
    pub(crate) fn start(binary: &Path, args: &[&str]) -> Result<Self> {
        let mut child = Command::new(binary)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().context("emulator stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .context("reading the emulator's URL")?;
        let url = line.trim().to_owned();
        if !url.starts_with("http://127.0.0.1:") {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the emulator printed {url:?} instead of its URL");
        }
        Ok(Self { child, url })
    }

    /// Stops the emulator and waits for it.
    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `program ARGS` started the way a user of `home` would start it against the emulator at `url`:
/// the environment holds only `HOME`, `PATH`, the OIDC and portal endpoints and `NO_COLOR`, and
/// standard input is empty.
pub(crate) fn isolated_command(program: &Path, args: &[&str], home: &Path, url: &str) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", url)
        .env("AWS_ENDPOINT_URL_SSO", url)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    command
}

/// A fresh directory under the system temp dir, removed when dropped.
pub(crate) struct TempHome {
    /// The directory.
    pub(crate) path: PathBuf,
}

impl TempHome {
    /// `$TMPDIR/{prefix}-{pid}`, emptied first.
    pub(crate) fn new(prefix: &str) -> Result<Self> {
        let path = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Self { path })
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// An HTTP response: status, `Location` header, body.
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) body: String,
}

/// `GET url` with the `query` pairs (percent-encoded here) and `headers`; see [`agent`] for what
/// the client does and does not do.
pub(crate) fn http_get(
    url: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Result<Response> {
    let mut request = agent()
        .get(loopback(url)?)
        .query_pairs(query.iter().copied());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    read(url, request.call())
}

/// `POST url` with `json` as its body (`content-type: application/json`), or an empty body.
pub(crate) fn http_post(url: &str, json: Option<&str>) -> Result<Response> {
    let request = agent().post(loopback(url)?);
    let sent = match json {
        Some(json) => request.content_type("application/json").send(json),
        None => request.send_empty(),
    };
    read(url, sent)
}

/// The blocking HTTP/1.1 client (ureq) for `http://127.0.0.1:PORT/...` and
/// `http://localhost:PORT/...`: no proxy, every status is an answer rather than an error,
/// redirects are left to the caller (the demo's browser follows them itself), and no idle
/// connection is kept, so each request has a connection of its own, as `Connection: close` did.
fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .proxy(None)
            .http_status_as_error(false)
            .max_redirects(0)
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into()
    })
}

/// `url` parsed, if it is plain http to 127.0.0.1 or localhost: nothing leaves the machine.
fn loopback(url: &str) -> Result<Uri> {
    let uri: Uri = url.parse().with_context(|| format!("not a URL: {url}"))?;
    if uri.scheme_str() != Some("http") {
        bail!("not an http:// URL: {url}");
    }
    let host = uri.host().unwrap_or("");
    if host != "127.0.0.1" && host != "localhost" {
        bail!("xtask only talks to 127.0.0.1, not {host}");
    }
    Ok(uri)
}

/// The status, `Location` and body of what `url` answered.
fn read(url: &str, answer: Result<http::Response<Body>, ureq::Error>) -> Result<Response> {
    let mut response = answer.with_context(|| format!("requesting {url}"))?;
    let location = response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = response
        .body_mut()
        .read_to_string()
        .with_context(|| format!("reading the answer of {url}"))?;
    Ok(Response {
        status: response.status().as_u16(),
        location,
        body,
    })
}

/// Where cargo puts the binaries: `CARGO_TARGET_DIR` or `target/`.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// A binary's file name on this platform.
pub(crate) fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}
