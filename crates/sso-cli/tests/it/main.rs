//! Tests of the built `sso` binary: help, version, completions, usage errors and exit codes.
//!
//! Everything runs without network and without touching ~/.aws: the commands exercised here
//! either never reach the libraries or fail before doing so.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};

mod anywhere;
mod configure;
mod credentials;
mod leak;
mod login;
mod profile_sources;
mod serve;
mod settings;
mod shell;
mod single_flight;
mod storm;

/// Every `export-credentials --format`.
const EXPORT_FORMATS: &[&str] = &[
    "process",
    "env",
    "env-no-export",
    "powershell",
    "windows-cmd",
    "fish",
];

/// The binary with a clean, colourless environment.
fn sso() -> Command {
    let mut command = Command::new(get_cargo_bin("sso"));
    command
        .env_clear()
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("HOME", "/nonexistent-home");
    command
}

#[test]
fn help_teaches_commands_exit_codes_and_environment() {
    assert_cmd_snapshot!(sso().arg("--help"));
}

#[test]
fn short_help() {
    assert_cmd_snapshot!(sso().arg("-h"));
}

#[test]
fn configure_help_lists_every_flag() {
    assert_cmd_snapshot!(sso().args(["configure", "--help"]));
}

#[test]
fn export_credentials_help_lists_formats() {
    assert_cmd_snapshot!(sso().args(["export-credentials", "--help"]));
}

#[test]
fn version_names_the_release_and_the_commit() {
    let output = sso().arg("--version").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let line = stdout.trim_end();
    let release = concat!("sso ", env!("CARGO_PKG_VERSION"));
    // Checked independently of build.rs: in a git checkout the commit must be there.
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned());
    match head {
        Some(commit) if std::env::var_os("SSO_BUILD_COMMIT").is_none() => {
            assert_eq!(line, format!("{release} (commit {commit})"));
        }
        _ => assert!(line.starts_with(release), "{line}"),
    }
}

#[test]
fn completions_register_in_a_real_bash() {
    let output = sso().args(["completions", "bash"]).output().unwrap();
    assert!(output.status.success());
    let script = String::from_utf8(output.stdout).unwrap();
    assert!(script.contains("COMPLETE=\"bash\""), "{script}");
    let Ok(bash) = Command::new("bash")
        .args(["-c", "eval \"$SCRIPT\" && complete -p sso"])
        .env("SCRIPT", &script)
        .output()
    else {
        eprintln!("skipped: bash is not installed");
        return;
    };
    assert!(
        bash.status.success(),
        "{}",
        String::from_utf8_lossy(&bash.stderr)
    );
    assert!(String::from_utf8_lossy(&bash.stdout).contains("sso"));
}

#[test]
fn completions_know_the_profiles_sessions_and_accounts() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "# my profiles\n[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n\n\
         [profile prod] ; production\nrole_arn = arn:aws:iam::222222222222:role/Deploy\nsource_profile = dev\n\n\
         [sso-session corp]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = eu-west-1\n",
    )
    .unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        "[static]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n",
    )
    .unwrap();
    let complete = |words: &[&str]| {
        let output = sso()
            .env("HOME", home.path())
            .env("COMPLETE", "fish")
            .arg("--")
            .args(words)
            .output()
            .unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    insta::assert_snapshot!(complete(&["sso", "export-credentials", "--profile", ""]), @r"
    dev	111111111111 Admin
    prod	arn:aws:iam::222222222222:role/Deploy
    static
    ");
    insta::assert_snapshot!(complete(&["sso", "use", "d"]), @"dev	111111111111 Admin");
    insta::assert_snapshot!(complete(&["sso", "login", "--sso-session", ""]), @"corp	https://d-123.awsapps.com/start");
    insta::assert_snapshot!(complete(&["sso", "list", "roles", "--account-id", ""]), @"111111111111	dev");
}

#[test]
fn unknown_flag_is_a_usage_error() {
    assert_cmd_snapshot!(sso().args(["login", "--bogus"]));
}

#[test]
fn unknown_export_format_is_a_usage_error() {
    let output = sso()
        .args(["export-credentials", "--format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn profile_and_session_together_is_a_usage_error() {
    assert_cmd_snapshot!(sso().args(["login", "--profile", "dev", "--sso-session", "my-sso"]));
}

#[test]
fn aws_profile_does_not_conflict_with_an_explicit_session() {
    // AWS_PROFILE is only a default: `--sso-session` wins without a usage error.
    let output = sso()
        .env("AWS_PROFILE", "dev")
        .args(["login", "--sso-session", "my-sso"])
        .output()
        .unwrap();
    // It gets as far as looking the session up (there is no config here), instead of clap
    // rejecting the flags.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("sso-session does not exist: \"my-sso\""),
        "{stderr}"
    );
    assert!(!stderr.contains("cannot be used with"), "{stderr}");
}

#[test]
fn invalid_values_are_usage_errors() {
    assert_cmd_snapshot!(sso().args(["configure", "--account-id", "12", "--non-interactive"]));
}

#[test]
fn redirect_port_conflicts_with_device_code() {
    let output = sso()
        .args(["login", "--use-device-code", "--redirect-port", "8400"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
