//! `credential_process` profiles: run the configured command and read the credentials it prints
//! (the AWS SDKs' process provider; protocol.md §7 describes the JSON both sides agree on).
//!
//! The command runs through the platform shell (`sh -c` on Unix, `cmd /C` on Windows) as the
//! SDKs do, with standard input closed and standard error passed through to ours, so a helper
//! that prompts or explains itself is still seen. Its standard output must be one JSON object:
//! `Version` 1, `AccessKeyId`, `SecretAccessKey`, and optionally `SessionToken`, `Expiration`
//! (RFC 3339) and `AccountId` (else the profile's `aws_account_id`).
//!
//! Nothing the process prints is ever put into an error message: it holds secrets.

use std::process::{Command, Stdio};

use sso_cache::{SecretAccessKey, SessionToken, Timestamp};

use crate::credentials::Credentials;

/// Why a `credential_process` gave no credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessError {
    /// The shell could not be started.
    #[error("could not start the credential_process `{command}`: {source}")]
    Spawn {
        /// The configured command.
        command: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The process ended with a failure status.
    #[error("the credential_process `{command}` exited with {status}")]
    Failed {
        /// The configured command.
        command: String,
        /// Its exit status, as the OS reports it.
        status: String,
    },
    /// Its output is not the expected JSON (the output itself is not repeated: it may hold
    /// secrets).
    #[error("could not parse the response of the credential_process `{command}`: {reason}")]
    InvalidResponse {
        /// The configured command.
        command: String,
        /// What is wrong, e.g. `invalid JSON in response`.
        reason: String,
    },
}

/// Runs `command` with `env` added to its inherited environment (the profile-chain guard,
/// [`crate::credentials::PROFILE_CHAIN_ENV`], goes this way) and parses what it prints.
/// `fallback_account_id` is the profile's `aws_account_id`, used when the output has no
/// `AccountId`.
pub(crate) fn run_credential_process(
    command: &str,
    fallback_account_id: Option<&str>,
    env: &[(&str, &str)],
) -> Result<Credentials, ProcessError> {
    // The program only: arguments may hold secrets (a vault token on the command line).
    let program = command.split_whitespace().next().unwrap_or_default();
    tracing::debug!(%program, "running the credential_process");
    let output = shell(command)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| ProcessError::Spawn {
            command: command.to_owned(),
            source,
        })?;
    if !output.status.success() {
        return Err(ProcessError::Failed {
            command: command.to_owned(),
            status: output.status.to_string(),
        });
    }
    parse_process_output(&output.stdout, fallback_account_id).map_err(|reason| {
        ProcessError::InvalidResponse {
            command: command.to_owned(),
            reason,
        }
    })
}

/// Parses a process provider response; the error says what is wrong without quoting it.
pub(crate) fn parse_process_output(
    stdout: &[u8],
    fallback_account_id: Option<&str>,
) -> Result<Credentials, String> {
    let value: serde_json::Value =
        serde_json::from_slice(stdout).map_err(|_| "invalid JSON in response".to_owned())?;
    let object = value
        .as_object()
        .ok_or_else(|| "the response is not a JSON object".to_owned())?;
    let text = |key: &str| -> Result<Option<&str>, String> {
        match object.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("`{key}` must be a string")),
        }
    };
    match object.get("Version").and_then(serde_json::Value::as_u64) {
        Some(1) => {}
        Some(_) => return Err("unsupported `Version` (only 1 is supported)".to_owned()),
        None => return Err("`Version` is missing or not a number".to_owned()),
    }
    let access_key_id = text("AccessKeyId")?.ok_or("`AccessKeyId` is missing")?;
    let secret_access_key = text("SecretAccessKey")?.ok_or("`SecretAccessKey` is missing")?;
    let expiration = text("Expiration")?
        .map(|raw| {
            Timestamp::parse(raw).map_err(|_| "`Expiration` is not an RFC 3339 time".to_owned())
        })
        .transpose()?;
    let account_id = text("AccountId")?
        .map(str::to_owned)
        .or_else(|| fallback_account_id.map(str::to_owned));
    Ok(Credentials {
        access_key_id: access_key_id.to_owned(),
        secret_access_key: SecretAccessKey::new(secret_access_key),
        session_token: text("SessionToken")?.map(SessionToken::new),
        expiration,
        account_id,
    })
}

#[cfg(unix)]
fn shell(command: &str) -> Command {
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(command);
    shell
}

#[cfg(not(unix))]
fn shell(command: &str) -> Command {
    let mut shell = Command::new("cmd");
    shell.arg("/C").arg(command);
    shell
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_response_is_read_and_account_falls_back() {
        let body = br#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s3cr3t", "SessionToken": "tok", "Expiration": "2022-05-02T18:36:00+00:00"}"#;
        let creds = parse_process_output(body, Some("123456789001")).unwrap();
        assert_eq!(creds.access_key_id, "AKID");
        assert_eq!(creds.secret_access_key.expose_secret(), "s3cr3t");
        assert_eq!(creds.session_token.unwrap().expose_secret(), "tok");
        assert_eq!(
            creds.expiration.unwrap().to_rfc3339_seconds(),
            "2022-05-02T18:36:00Z"
        );
        assert_eq!(creds.account_id.as_deref(), Some("123456789001"));
    }

    #[test]
    fn account_in_the_response_wins() {
        let body =
            br#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "AccountId": "1"}"#;
        let creds = parse_process_output(body, Some("2")).unwrap();
        assert_eq!(creds.account_id.as_deref(), Some("1"));
        assert!(creds.session_token.is_none() && creds.expiration.is_none());
    }

    #[test]
    fn bad_responses_are_explained_without_quoting_them() {
        for (body, reason) in [
            (&b"invalid json"[..], "invalid JSON in response"),
            (
                br#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}"#,
                "Version",
            ),
            (
                br#"{"Version": 1, "SecretAccessKey": "hunter2"}"#,
                "AccessKeyId",
            ),
            (br#"{"Version": 1, "AccessKeyId": "A"}"#, "SecretAccessKey"),
        ] {
            let error = parse_process_output(body, None).unwrap_err();
            assert!(error.contains(reason), "{error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_failing_command_reports_its_status() {
        let error = run_credential_process("exit 3", None, &[]).unwrap_err();
        assert!(matches!(error, ProcessError::Failed { .. }), "{error}");
        assert!(error.to_string().contains("exit status: 3"), "{error}");
        let creds = run_credential_process(
            r#"echo '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S"}'"#,
            None,
            &[],
        )
        .unwrap();
        assert_eq!(creds.access_key_id, "A");
    }

    #[cfg(unix)]
    #[test]
    fn extra_environment_reaches_the_command() {
        let creds = run_credential_process(
            r#"printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "S"}' "$SSO_TEST_CHAIN""#,
            None,
            &[("SSO_TEST_CHAIN", "a,b")],
        )
        .unwrap();
        assert_eq!(creds.access_key_id, "a,b");
    }
}
