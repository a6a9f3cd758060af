//! `cargo xtask demo`: the README's main job, end to end against the bundled emulator.
//!
//! Builds `sso` and `sso-emulator`, starts the emulator on 127.0.0.1, makes a temporary HOME, and
//! runs the real `sso` binary the way a user would: configure an sso-session, sign in with the
//! device code (approved through the emulator's control API, as a second device would), list
//! accounts and roles, configure a profile, sign in again with PKCE (xtask itself plays the
//! browser: it follows the authorize redirect to `sso`'s loopback listener), export credentials,
//! and sign out. Nothing leaves 127.0.0.1 and nothing reads standard input.
//!
//! `browse URL` is the headless browser: `sso` starts it through `$BROWSER`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use crate::local::{Emulator, TempHome, exe, http_get, http_post, isolated_command, target_dir};

const START_URL: &str = "https://d-9067demo00.awsapps.com/start";

/// Runs the demo.
pub(crate) fn run(root: &Path) -> Result<()> {
    crate::cargo(
        root,
        &[
            "build",
            "--quiet",
            "--locked",
            "-p",
            "sso-cli",
            "-p",
            "sso-emulator",
            "--bins",
        ],
    )?;
    let target = target_dir(root);
    let sso = target.join("debug").join(exe("sso"));
    let emulator_bin = target.join("debug").join(exe("sso-emulator"));
    let home = TempHome::new("sso-demo")?;
    let mut emulator = Emulator::start(
        &emulator_bin,
        &[
            "--port",
            "0",
            "--accounts",
            "3",
            "--roles",
            "2",
            "--poll-interval-secs",
            "1",
            "--no-enforce-poll-interval",
        ],
    )?;
    let url = emulator.url.clone();
    println!("== sso demo: a local IAM Identity Center is listening on {url}");
    println!(
        "== HOME is {} (a temporary directory)\n",
        home.path.display()
    );

    let xtask = std::env::current_exe().context("finding the xtask binary")?;
    let demo = Demo {
        sso,
        home: home.path.clone(),
        url: url.clone(),
        browser: format!("'{}' browse %s", xtask.display()),
    };

    demo.sso(&[
        "configure",
        "sso-session",
        "--sso-session",
        "demo",
        "--sso-start-url",
        START_URL,
        "--sso-region",
        "us-east-1",
        "--sso-registration-scopes",
        "sso:account:access",
        "--non-interactive",
    ])?;
    demo.show_file(".aws/config")?;

    println!(
        "\n== Sign in with the device code; the emulator approves it as a second device would"
    );
    demo.login_with_device_code(&url)?;

    demo.sso(&[
        "list",
        "accounts",
        "--sso-session",
        "demo",
        "--output",
        "table",
    ])?;
    let accounts = demo.sso_capture(&[
        "list",
        "accounts",
        "--sso-session",
        "demo",
        "--output",
        "text",
    ])?;
    let account = accounts
        .lines()
        .find_map(|line| {
            line.split('\t')
                .find(|field| field.len() == 12 && field.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(str::to_owned)
        .context("no account id in `sso list accounts --output text`")?;
    println!("$ sso list roles --sso-session demo --account-id {account} --output text");
    let roles = demo.sso_capture(&[
        "list",
        "roles",
        "--sso-session",
        "demo",
        "--account-id",
        &account,
        "--output",
        "text",
    ])?;
    print!("{roles}");
    let role = roles
        .lines()
        .filter_map(|line| line.split('\t').nth(1))
        .next()
        .map(str::to_owned)
        .context("no role in `sso list roles --output text`")?;

    println!();
    demo.sso(&[
        "configure",
        "--profile",
        "demo",
        "--sso-session",
        "demo",
        "--account-id",
        &account,
        "--role-name",
        &role,
        "--region",
        "eu-west-1",
        "--output",
        "json",
        "--non-interactive",
    ])?;
    demo.show_file(".aws/config")?;

    println!(
        "\n== Sign in with PKCE; xtask plays the browser and follows the redirect to sso's listener"
    );
    demo.sso(&["login", "--profile", "demo"])?;

    println!(
        "\n== Credentials, as a credential_process would get them (the second call is served from the cache)"
    );
    demo.sso(&[
        "export-credentials",
        "--profile",
        "demo",
        "--format",
        "process",
    ])?;
    demo.sso(&["export-credentials", "--profile", "demo", "--format", "env"])?;

    println!("\n== Sign out");
    demo.sso(&["logout"])?;
    let status = demo.sso_status(&["export-credentials", "--profile", "demo"])?;
    println!("(exit code {status}: signed out, so credentials need a new login)");

    println!("\n== What the emulator saw");
    let stats = http_get(&format!("{url}/emulator/stats"), &[], &[])?;
    println!("{}", stats.body);
    emulator.stop();
    println!("\n== demo finished");
    Ok(())
}

/// The headless browser: `GET` the URL, follow redirects (only to 127.0.0.1) and report the page.
pub(crate) fn browse(url: &str) -> Result<()> {
    let mut next = url.to_owned();
    for _ in 0..5 {
        let response = http_get(&next, &[], &[])?;
        match response.location {
            Some(location) if (300..400).contains(&response.status) => next = location,
            _ => {
                if response.status != 200 {
                    bail!("the browser ended on {next} with HTTP {}", response.status);
                }
                return Ok(());
            }
        }
    }
    bail!("too many redirects from {url}")
}

struct Demo {
    sso: PathBuf,
    home: PathBuf,
    url: String,
    browser: String,
}

impl Demo {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = isolated_command(&self.sso, args, &self.home, &self.url);
        command.env("BROWSER", &self.browser);
        command
    }

    /// Runs `sso ARGS`, showing the command and its output, and fails if it fails.
    fn sso(&self, args: &[&str]) -> Result<()> {
        let status = self.sso_status(args)?;
        if status != 0 {
            bail!("`sso {}` exited with {status}", args.join(" "));
        }
        Ok(())
    }

    /// Runs `sso ARGS` with its output shown and returns the exit code.
    fn sso_status(&self, args: &[&str]) -> Result<i32> {
        println!("$ sso {}", args.join(" "));
        let status = self.command(args).status().context("starting sso")?;
        Ok(status.code().unwrap_or(-1))
    }

    /// Runs `sso ARGS` and returns its stdout (stderr is shown).
    fn sso_capture(&self, args: &[&str]) -> Result<String> {
        let output = self
            .command(args)
            .stderr(Stdio::inherit())
            .output()
            .context("starting sso")?;
        if !output.status.success() {
            bail!("`sso {}` exited with {}", args.join(" "), output.status);
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn show_file(&self, relative: &str) -> Result<()> {
        let text = std::fs::read_to_string(self.home.join(relative))
            .with_context(|| format!("reading ~/{relative}"))?;
        println!("--- ~/{relative}\n{text}---");
        Ok(())
    }

    /// `sso login --use-device-code --no-browser`, approving the user code through the emulator.
    fn login_with_device_code(&self, url: &str) -> Result<()> {
        let args = [
            "login",
            "--sso-session",
            "demo",
            "--use-device-code",
            "--no-browser",
        ];
        println!("$ sso {}", args.join(" "));
        let mut child = self.command(&args).spawn().context("starting sso login")?;
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut approved = false;
        loop {
            if let Some(status) = child.try_wait()? {
                if !status.success() {
                    bail!("`sso login --use-device-code` exited with {status}");
                }
                if !approved {
                    bail!("`sso login --use-device-code` finished before the code was approved");
                }
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("`sso login --use-device-code` did not finish within 60 s");
            }
            if !approved {
                let pending = http_get(&format!("{url}/emulator/device/pending"), &[], &[])?;
                if let Some(code) = first_user_code(&pending.body) {
                    std::thread::sleep(Duration::from_millis(500));
                    println!("(the emulator approves user code {code})");
                    http_post(
                        &format!("{url}/emulator/device/approve?user_code={code}"),
                        None,
                    )?;
                    approved = true;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The first `XXXX-XXXX` user code in the emulator's pending list.
fn first_user_code(body: &str) -> Option<String> {
    body.split('"')
        .find(|piece| {
            piece.len() == 9
                && piece.as_bytes()[4] == b'-'
                && piece
                    .bytes()
                    .all(|b| b == b'-' || b.is_ascii_alphanumeric())
        })
        .map(str::to_owned)
}
