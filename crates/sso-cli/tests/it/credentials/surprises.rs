//! Issue 12 end to end: paths that used to surprise the user (wizard defaults, config syntax
//! errors, revoked tokens, exit codes, corrupt token files), against the emulator.

use std::io::Write as _;
use std::process::Stdio;

use super::*;

/// Runs `sso` with `input` on its (non-terminal) stdin.
fn run_with_input(home: &Home, args: &[&str], input: &str) -> Output {
    let mut child = home
        .sso()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `dev` on the second account and role, so that a menu opening on the first would switch.
const DEV_ON_SECOND: &str = "\
[profile dev]
sso_session = my-sso
sso_account_id = 111111119030
sso_role_name = ReadOnlyAccess
region = eu-west-1

[sso-session my-sso]
sso_start_url = https://d-123.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

#[test]
fn configure_with_enter_everywhere_keeps_the_file_byte_identical() {
    let emu = emulator();
    let home = Home::new(emu.url());
    std::fs::write(home.path().join(".aws/config"), DEV_ON_SECOND).unwrap();
    home.log_in(&emu);
    let output = run_with_input(&home, &["configure", "--profile", "dev"], "\n\n\n\n\n");
    assert_success(&output);
    let text = stdout(&output);
    assert!(text.contains("Enter keeps"), "{text}");
    assert!(text.contains("Using the account ID 111111119030"), "{text}");
    assert!(
        text.contains("Using the role name \"ReadOnlyAccess\""),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(home.path().join(".aws/config")).unwrap(),
        DEV_ON_SECOND
    );
}

#[test]
fn configure_with_a_revoked_cached_token_is_login_required_without_a_user() {
    let emu = emulator();
    let home = Home::new(emu.url());
    std::fs::write(
        home.path().join(".aws/config"),
        DEV_ON_SECOND.replace("sso_role_name = ReadOnlyAccess\n", ""),
    )
    .unwrap();
    // A token the emulator never issued: the portal answers 401.
    home.write_token(
        &CacheKey::for_session("my-sso"),
        "revoked-token",
        now().saturating_add(Duration::from_secs(3600)),
    );
    let before = std::fs::read_to_string(home.path().join(".aws/config")).unwrap();
    let output = home.run(&["configure", "--profile", "dev", "--non-interactive"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(!stdout(&output).contains("Skipping"), "{}", stdout(&output));
    assert!(stderr(&output).contains("sso login --sso-session my-sso"));
    assert_eq!(
        std::fs::read_to_string(home.path().join(".aws/config")).unwrap(),
        before
    );
}

#[test]
fn status_claims_only_what_the_file_says_and_check_asks_the_portal() {
    let emu = emulator();
    let home = Home::new(emu.url());
    home.write_token(
        &CacheKey::for_session("my-sso"),
        "revoked-token",
        now().saturating_add(Duration::from_secs(3600)),
    );
    let output = home.run(&["status"]);
    assert_success(&output);
    let text = stdout(&output);
    assert!(text.contains("TOKEN"), "{text}");
    assert!(!text.contains("SIGNED IN"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("my-sso") && l.contains(" cached ")),
        "{text}"
    );
    let output = home.run(&["status", "--check"]);
    assert_success(&output);
    let text = stdout(&output);
    assert!(
        text.lines()
            .any(|l| l.starts_with("my-sso") && l.contains(" revoked ")),
        "{text}"
    );
    home.log_in(&emu);
    let output = home.run(&["status", "--check", "--output", "json"]);
    assert_success(&output);
    assert!(
        stdout(&output).contains("\"check\": \"valid\""),
        "{}",
        stdout(&output)
    );
    assert_eq!(emu.stats().list_accounts, 1);
}

#[test]
fn logout_removes_a_corrupt_token_file_and_says_so() {
    let home = Home::new(NO_NETWORK);
    let path = home
        .sso_cache()
        .entry_path(&CacheKey::for_session("my-sso"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "{ not json").unwrap();
    let output = home.run(&["logout"]);
    assert_success(&output);
    assert!(!path.exists(), "the corrupt token file stayed");
    assert!(
        stderr(&output).contains("Removed the corrupt token file"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn config_syntax_errors_fail_with_a_caret_and_nothing_is_written() {
    let home = Home::new(NO_NETWORK);
    let config = home.path().join(".aws/config");
    let broken = format!("{CONFIG}\n[profile p\nregion = us-east-1\n");
    std::fs::write(&config, &broken).unwrap();
    let output = home.run(&["--profile", "dev", "export-credentials"]);
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains(".aws/config:"), "{err}");
    assert!(
        err.contains("Profile definition must end with ']'"),
        "{err}"
    );
    assert!(err.contains('▲') || err.contains('┬'), "no caret: {err}");
    assert!(!err.contains("sso::"), "internal code shown: {err}");
    let output = home.run(&[
        "configure",
        "--non-interactive",
        "--profile",
        "p",
        "--sso-session",
        "my-sso",
        "--account-id",
        "111111111111",
        "--role-name",
        "ReadOnlyAccess",
    ]);
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), broken);
    let output = home.run(&["populate", "--sso-session", "my-sso"]);
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), broken);
}

#[test]
fn what_the_sdks_ignore_is_a_warning() {
    let home = Home::new(NO_NETWORK);
    std::fs::write(
        home.path().join(".aws/config"),
        format!("{CONFIG}\n[foo]\nregion = us-east-1\n"),
    )
    .unwrap();
    let output = home.run(&["status"]);
    assert_success(&output);
    assert!(
        stderr(&output).starts_with("warning: "),
        "{}",
        stderr(&output)
    );
    assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
}

#[test]
fn unknown_profiles_and_sessions_are_both_config_problems() {
    let home = Home::new(NO_NETWORK);
    let output = home.run(&["--profile", "nope", "export-credentials"]);
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    let output = home.run(&["login", "--sso-session", "bad name"]);
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
}

#[cfg(unix)]
#[test]
fn exec_of_a_file_that_is_not_executable_exits_126() {
    let home = Home::new(NO_NETWORK);
    write_fixed_credentials(&home);
    let script = home.path().join("not-executable");
    std::fs::write(&script, "#!/bin/sh\n").unwrap();
    let output = home.run(&["--profile", "dev", "exec", "--", script.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(126), "{}", stderr(&output));
}

#[test]
fn every_command_help_teaches_with_examples() {
    for command in [
        "configure",
        "login",
        "logout",
        "export-credentials",
        "list",
        "status",
        "exec",
        "populate",
        "console",
        "serve",
        "completions",
    ] {
        let output = crate::sso().args([command, "--help"]).output().unwrap();
        assert!(output.status.success(), "{command}");
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            text.contains("Examples:"),
            "{command} --help has no examples:\n{text}"
        );
        assert!(text.contains("Global options:"), "{command}:\n{text}");
        // Global options come after the command's own; --profile only where a profile is used.
        let (own, global) = text.split_once("Global options:").unwrap();
        assert!(
            !own.contains("      --debug") && global.contains("      --debug"),
            "{command}"
        );
        let uses_profile = !matches!(command, "status" | "completions");
        assert_eq!(
            global.contains("--profile <NAME>"),
            uses_profile,
            "{command}"
        );
        assert!(!own.contains("--profile <NAME>"), "{command}");
        insta::assert_snapshot!(format!("help_{}", command.replace('-', "_")), text);
    }
    let output = crate::sso().args(["populate", "--help"]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("{account_name}.{role_name}"), "{text}");
    for placeholder in [
        "{account_id}",
        "{account_name}",
        "{role_name}",
        "{session}",
        "{email}",
    ] {
        assert!(text.contains(placeholder), "{placeholder}: {text}");
    }
}

#[test]
fn a_failed_refresh_of_a_valid_token_is_one_warning_line() {
    let emu = emulator();
    let home = Home::new(emu.url());
    // Valid for five more minutes: inside the mandatory refresh window, still usable.
    home.write_token(
        &CacheKey::for_session("my-sso"),
        &emulator_token(&emu),
        now().saturating_add(Duration::from_secs(300)),
    );
    emu.update_config(|config| {
        config
            .failures
            .push(sso_emulator::FailureRule::internal_error(
                "CreateToken",
                100,
            ));
    })
    .unwrap();
    let output = home.run(&["export-credentials", "--profile", "dev"]);
    assert_success(&output);
    assert!(
        stdout(&output).contains("AccessKeyId"),
        "{}",
        stdout(&output)
    );
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("warning: could not refresh the SSO token ("),
        "{err}"
    );
    assert!(
        err.contains("using the cached one until it expires at "),
        "{err}"
    );
    assert!(
        !err.contains("WARN") && !err.contains("sso_driver"),
        "{err}"
    );
    assert!(emu.stats().injected_failures >= 1);
}
