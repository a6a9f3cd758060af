//! End-to-end tests of `export-credentials` (and `exec`) on profiles that are not SSO profiles:
//! static keys, `credential_process` (with the `SSO_PROFILE_CHAIN` loop guard), environment
//! keys and their precedence, and `role_arn` chains answered from the AWS CLI's assumed-role
//! cache, or failing at an unreachable STS. No network: none of these profiles reaches a server.

use std::process::{Command, Output};

const PROCESS_JSON: &str = r#"{"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "process-secret", "SessionToken": "process-token", "Expiration": "2099-01-01T00:00:00Z"}"#;

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        let sso = insta_cmd::get_cargo_bin("sso");
        let sso = sso.display();
        let config = format!(
            "\
[profile static]
aws_access_key_id = AKIASTATIC
aws_secret_access_key = static-secret
region = eu-central-1

[profile process]
credential_process = printf '%s' '{PROCESS_JSON}'

[profile chain-echo]
credential_process = sh -c 'printf \"{{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"%s\\\", \\\"SecretAccessKey\\\": \\\"x\\\"}}\" \"$SSO_PROFILE_CHAIN\"'

[profile wrapped]
credential_process = {sso} export-credentials --profile static

[profile loop]
credential_process = {sso} export-credentials --profile loop

[profile ping]
credential_process = {sso} export-credentials --profile pong

[profile pong]
credential_process = {sso} export-credentials --profile ping

[profile role]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = static

[profile nothing]
region = us-east-1

[profile cycle-a]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = cycle-b

[profile cycle-b]
role_arn = arn:aws:iam::123456789012:role/B
source_profile = cycle-a
"
        );
        std::fs::write(dir.path().join(".aws/config"), config).unwrap();
        std::fs::write(
            dir.path().join(".aws/credentials"),
            "[session-keys]\naws_access_key_id = ASIASESSION\naws_secret_access_key = session-secret\naws_session_token = session-token\n",
        )
        .unwrap();
        Self { dir }
    }

    fn sso(&self, args: &[&str]) -> Command {
        let mut command = super::sso();
        command
            .env("HOME", self.dir.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            // Nothing here may reach the network.
            .env("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9")
            .env("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9")
            .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .args(args);
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.sso(args).output().unwrap()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Stderr with miette's line wrapping undone: words joined by single spaces.
fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .split_whitespace()
        .filter(|word| *word != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn static_keys_print_two_lines() {
    let home = Home::new();
    let output = home.run(&[
        "export-credentials",
        "--profile",
        "static",
        "--format",
        "env",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "export AWS_ACCESS_KEY_ID=AKIASTATIC\nexport AWS_SECRET_ACCESS_KEY=static-secret\n"
    );
    let output = home.run(&["export-credentials", "--profile", "static"]);
    assert_eq!(
        stdout(&output),
        "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIASTATIC\",\n  \"SecretAccessKey\": \"static-secret\"\n}\n"
    );
    // Keys in the credentials file, with a session token: three lines.
    let output = home.run(&[
        "export-credentials",
        "--profile",
        "session-keys",
        "--format",
        "env-no-export",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "AWS_ACCESS_KEY_ID=ASIASESSION\nAWS_SECRET_ACCESS_KEY=session-secret\nAWS_SESSION_TOKEN=session-token\n"
    );
}

#[test]
fn exec_with_static_keys_drops_an_inherited_session_token() {
    let home = Home::new();
    let output = home
        .sso(&[
            "exec",
            "--profile",
            "static",
            "--",
            "sh",
            "-c",
            r#"echo "$AWS_ACCESS_KEY_ID ${AWS_SESSION_TOKEN-none} ${AWS_CREDENTIAL_EXPIRATION-none} $AWS_REGION""#,
        ])
        .env("AWS_SESSION_TOKEN", "stale")
        .env("AWS_CREDENTIAL_EXPIRATION", "stale")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "AKIASTATIC none none eu-central-1\n");
}

#[test]
fn credential_process_output_is_exported() {
    let home = Home::new();
    let output = home.run(&[
        "export-credentials",
        "--profile",
        "process",
        "--format",
        "env",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "export AWS_ACCESS_KEY_ID=AKIAPROCESS\nexport AWS_SECRET_ACCESS_KEY=process-secret\nexport AWS_SESSION_TOKEN=process-token\nexport AWS_CREDENTIAL_EXPIRATION=2099-01-01T00:00:00+00:00\n"
    );
    // The process runs with the chain set to the profiles being resolved (seen through
    // `exec`: `export-credentials` refuses the `,` as no real key contains it).
    let output = home
        .sso(&[
            "exec",
            "--profile",
            "chain-echo",
            "--",
            "sh",
            "-c",
            r#"printf '%s\n' "$AWS_ACCESS_KEY_ID""#,
        ])
        .env("SSO_PROFILE_CHAIN", "outer")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "outer,chain-echo\n");
}

#[test]
fn a_process_that_runs_sso_for_another_profile_works() {
    let home = Home::new();
    let output = home.run(&[
        "export-credentials",
        "--profile",
        "wrapped",
        "--format",
        "env",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "export AWS_ACCESS_KEY_ID=AKIASTATIC\nexport AWS_SECRET_ACCESS_KEY=static-secret\n"
    );
}

#[test]
fn a_cycle_of_credential_processes_is_refused() {
    let home = Home::new();
    let output = home.run(&["export-credentials", "--profile", "loop"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(6), "{text}");
    assert!(output.stdout.is_empty());
    assert!(
        text.contains(
            "Credential process resolution detected an infinite loop, profile cycle: loop -> loop"
        ),
        "{text}"
    );
    let output = home.run(&["export-credentials", "--profile", "ping"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(6), "{text}");
    assert!(
        text.contains("profile cycle: ping -> pong -> ping"),
        "{text}"
    );
}

/// The AWS CLI's assumed-role entry for `{"RoleArn": "arn:aws:iam::123456789012:role/Admin"}`
/// (key `51e7b105b5040ce662656c8dc6ab4de70c4de7ad`, protocol.md §11.4), as CLI v2 writes it.
const ASSUMED_ROLE_ENTRY: &str = r#"{"Credentials": {"AccessKeyId": "ASIAASSUMED", "SecretAccessKey": "assumed-secret", "SessionToken": "assumed-token", "Expiration": "2099-01-01T00:00:00+00:00", "AccountId": "123456789012"}, "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:botocore-session-1", "Arn": "arn:aws:sts::123456789012:assumed-role/Admin/botocore-session-1"}, "ResponseMetadata": {"RequestId": "r", "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}}"#;

#[test]
fn a_role_profile_uses_the_aws_cli_assumed_role_cache_without_network() {
    let home = Home::new();
    let cache = home.dir.path().join(".aws/cli/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join("51e7b105b5040ce662656c8dc6ab4de70c4de7ad.json"),
        ASSUMED_ROLE_ENTRY,
    )
    .unwrap();
    let output = home.run(&["export-credentials", "--profile", "role", "--format", "env"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "export AWS_ACCESS_KEY_ID=ASIAASSUMED\nexport AWS_SECRET_ACCESS_KEY=assumed-secret\nexport AWS_SESSION_TOKEN=assumed-token\nexport AWS_CREDENTIAL_EXPIRATION=2099-01-01T00:00:00+00:00\n"
    );
}

#[test]
fn a_role_profile_without_a_cache_entry_calls_sts() {
    let home = Home::new();
    let output = home.run(&["export-credentials", "--profile", "role"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(7), "{text}");
    assert!(output.stdout.is_empty());
    assert!(text.contains("127.0.0.1:9"), "{text}");
    assert!(!text.contains("not support"), "{text}");
    assert!(!text.contains("static-secret"), "{text}");
}

#[test]
fn a_source_profile_cycle_is_named() {
    let home = Home::new();
    let output = home.run(&["export-credentials", "--profile", "cycle-a"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(6), "{text}");
    assert!(text.contains("cycle-a -> cycle-b -> cycle-a"), "{text}");
}

#[test]
fn environment_keys_win_unless_a_profile_is_named() {
    let home = Home::new();
    let output = home
        .sso(&["export-credentials", "--format", "env"])
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret")
        .env("AWS_PROFILE", "static")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "export AWS_ACCESS_KEY_ID=AKIAENV\nexport AWS_SECRET_ACCESS_KEY=env-secret\n"
    );
    let output = home
        .sso(&[
            "export-credentials",
            "--profile",
            "static",
            "--format",
            "env",
        ])
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret")
        .output()
        .unwrap();
    assert!(
        stdout(&output).contains("AKIASTATIC"),
        "{}",
        stderr(&output)
    );
    // Blank keys count as unset (the SDKs' reading).
    let output = home
        .sso(&["export-credentials", "--format", "env"])
        .env("AWS_ACCESS_KEY_ID", " ")
        .env("AWS_PROFILE", "static")
        .output()
        .unwrap();
    assert!(
        stdout(&output).contains("AKIASTATIC"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_profile_without_credentials_says_so() {
    let home = Home::new();
    let output = home.run(&["export-credentials", "--profile", "nothing"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(6), "{text}");
    assert!(text.contains("no credentials found"), "{text}");
    let output = home.run(&["export-credentials", "--profile", "missing"]);
    assert!(
        stderr(&output).contains("profile `missing` was not found"),
        "{}",
        stderr(&output)
    );
}
