//! The `sso` binary in the bench's temporary HOME: its config (one sso-session, one SSO profile,
//! one chained profile), the sign-in, the environment every run gets, and the token cache file
//! that the storm expires and the sequential walk reads.

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde_json::{Map, Value};
use sha1::{Digest as _, Sha1};

use super::measure::wait_until;
use super::report::{Report, secs};
use crate::local::isolated_command;

/// The sso-session and profile of the temporary HOME.
pub(super) const SESSION: &str = "bench";
pub(super) const PROFILE: &str = "bench";

/// A role assumed with the SSO profile's credentials (items 7 and 8).
const CHAINED_PROFILE: &str = "bench-chained";
const CHAINED_ROLE_ARN: &str = "arn:aws:iam::222222222222:role/BenchChained";
const START_URL: &str = "https://d-9067bench00.awsapps.com/start";

/// The emulator's first account and role (docs/emulator.md, "Seed").
const ACCOUNT_ID: &str = "111111111111";
const ROLE_NAME: &str = "AdministratorAccess";

/// The release `sso` binary, run in a temporary HOME against the emulator.
pub(super) struct Sso {
    pub(super) bin: PathBuf,
    /// The temporary HOME.
    pub(super) home: PathBuf,
    /// The emulator's URL, every endpoint of every run.
    pub(super) url: String,
}

/// A finished long run.
pub(super) struct Logged {
    pub(super) wall: Duration,
    pub(super) status: ExitStatus,
    pub(super) stdout: String,
    pub(super) stderr: String,
}

/// `export-credentials` of the chained profile (items 7 and 8).
pub(super) fn chained_export_args() -> [&'static str; 5] {
    [
        "export-credentials",
        "--profile",
        CHAINED_PROFILE,
        "--format",
        "process",
    ]
}

/// `export-credentials` of the SSO profile (items 1, 2 and 6).
pub(super) fn export_args() -> [&'static str; 5] {
    [
        "export-credentials",
        "--profile",
        PROFILE,
        "--format",
        "process",
    ]
}

impl Sso {
    /// `program ARGS` with the environment every run gets (and nothing else): that of
    /// [`isolated_command`] plus the STS endpoint.
    fn plain_command(&self, program: &Path, args: &[&str]) -> Command {
        let mut command = isolated_command(program, args, &self.home, &self.url);
        command.env("AWS_ENDPOINT_URL_STS", &self.url);
        command
    }

    /// `sso ARGS` with the environment every run gets.
    pub(super) fn command(&self, args: &[&str]) -> Command {
        self.plain_command(&self.bin, args)
    }

    /// `/bin/true` with the environment every run gets: the baseline of the warm paths.
    pub(super) fn baseline_command(&self) -> Command {
        self.plain_command(Path::new("/bin/true"), &[])
    }

    pub(super) fn write_config(&self) -> Result<()> {
        let aws = self.home.join(".aws");
        std::fs::create_dir_all(&aws)?;
        let config = format!(
            "[profile {PROFILE}]\n\
             sso_session = {SESSION}\n\
             sso_account_id = {ACCOUNT_ID}\n\
             sso_role_name = {ROLE_NAME}\n\
             region = us-east-1\n\
             \n\
             [sso-session {SESSION}]\n\
             sso_start_url = {START_URL}\n\
             sso_region = us-east-1\n\
             sso_registration_scopes = sso:account:access\n\
             \n\
             [profile {CHAINED_PROFILE}]\n\
             role_arn = {CHAINED_ROLE_ARN}\n\
             source_profile = {PROFILE}\n\
             role_session_name = bench\n"
        );
        std::fs::write(aws.join("config"), config).context("writing ~/.aws/config")
    }

    /// `sso login --use-device-code`; the emulator auto-approves.
    pub(super) fn login(&self, report: &mut Report) -> Result<()> {
        let args = [
            "login",
            "--sso-session",
            SESSION,
            "--use-device-code",
            "--no-browser",
        ];
        let run = self.run_logged(&args, Duration::from_secs(60))?;
        if !run.status.success() {
            bail!(
                "`sso {}` exited with {}: {}",
                args.join(" "),
                run.status,
                run.stderr.trim()
            );
        }
        report.command(format!(
            "sso {}   # the emulator auto-approves ({})",
            args.join(" "),
            secs(run.wall)
        ));
        if !self.token_file().is_file() {
            bail!(
                "no token cache file at {} after `sso login`",
                self.token_file().display()
            );
        }
        Ok(())
    }

    /// Runs `sso ARGS` with stdout and stderr captured through files, within `timeout`.
    pub(super) fn run_logged(&self, args: &[&str], timeout: Duration) -> Result<Logged> {
        let out_path = self.home.join("run.out");
        let err_path = self.home.join("run.err");
        let mut command = self.command(args);
        command
            .stdout(File::create(&out_path)?)
            .stderr(File::create(&err_path)?);
        let started = Instant::now();
        let mut child = command.spawn().context("starting sso")?;
        let status = wait_until(&mut child, started + timeout)
            .with_context(|| format!("`sso {}`", args.join(" ")))?;
        let wall = started.elapsed();
        Ok(Logged {
            wall,
            status,
            stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
            stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
        })
    }

    /// `~/.aws/sso/cache/<sha1 of the session name>.json`.
    fn token_file(&self) -> PathBuf {
        self.home
            .join(".aws")
            .join("sso")
            .join("cache")
            .join(format!("{}.json", sha1_hex(SESSION.as_bytes())))
    }

    /// The token cache file as a JSON object.
    fn token(&self) -> Result<Map<String, Value>> {
        let text = std::fs::read_to_string(self.token_file()).context("reading the token")?;
        serde_json::from_str(&text).context("the token cache file is not a JSON object")
    }

    pub(super) fn access_token(&self) -> Result<String> {
        self.token()?
            .get("accessToken")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .context("no accessToken in the token cache file")
    }

    /// Sets the cached token's `expiresAt` in the past, keeping everything else (in order).
    pub(super) fn expire_token(&self) -> Result<()> {
        let mut token = self.token()?;
        let expires_at = token
            .get_mut("expiresAt")
            .context("no expiresAt in the token cache file")?;
        *expires_at = Value::from("2000-01-01T00:00:00Z");
        let text = serde_json::to_string(&token).context("writing the token")?;
        std::fs::write(self.token_file(), text).context("writing the token")
    }

    pub(super) fn clear_role_cache(&self) -> Result<()> {
        let dir = self.home.join(".aws").join("cli").join("cache");
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("removing {}", dir.display())),
        }
    }
}

/// Runs `command` once, unmeasured, and returns its trimmed stdout; fails unless it exits 0
/// and `expected` accepts that stdout.
pub(super) fn first_run(mut command: Command, expected: impl Fn(&str) -> bool) -> Result<String> {
    let output = command.output().context("starting sso")?;
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || !expected(&stdout) {
        let args: Vec<_> = command
            .get_args()
            .map(|arg| arg.to_string_lossy())
            .collect();
        bail!(
            "`sso {}` printed {stdout:?} ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(stdout)
}

/// SHA-1 in lower-case hex: the token cache file's name is the SHA-1 of the session name.
fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .fold(String::with_capacity(40), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_matches_known_digests() {
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            sha1_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }
}
