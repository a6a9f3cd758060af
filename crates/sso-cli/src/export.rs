//! The output of `sso export-credentials`, byte for byte what `aws configure export-credentials`
//! prints (protocol.md §7, `awscli/customizations/configure/exportcreds.py`).
//!
//! This is the only place where role secrets are turned into text, and that text goes to stdout
//! only. The wiring layer converts the driver's credentials into [`ExportCredentials`].
//!
//! Most formats are evaluated by a shell (`eval "$(sso export-credentials --format env)"`), and
//! the AWS CLI pastes values in unquoted (`env`, `env-no-export`, `windows-cmd`) or quoted
//! without escaping (`fish`, `powershell`). Rather than quote differently from the AWS CLI,
//! [`render`] refuses, for every format, any value with a character outside
//! [`is_credential_text`]'s set (the characters real credentials use): such a value came from a
//! broken server or a tampered cache, and printing it could run commands. Every value real
//! credentials have is printed byte for byte as the AWS CLI prints it.

use sso_cache::{SecretAccessKey, SessionToken, python_json_string};

use crate::args::ExportFormat;

/// Credentials as `export-credentials` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExportCredentials {
    /// `AccessKeyId`, e.g. `ASIA...`; not a secret on its own.
    pub access_key_id: String,
    /// `SecretAccessKey`.
    pub secret_access_key: SecretAccessKey,
    /// `SessionToken`, absent for static keys.
    pub session_token: Option<SessionToken>,
    /// `Expiration` as the AWS CLI prints it: Python `isoformat()`, e.g.
    /// `2024-01-01T00:00:00+00:00`; absent for static keys.
    pub expiration: Option<String>,
}

/// A credential value that [`render`] refuses to print; the value itself is never repeated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the credentials' {variable} contains characters that real credentials never contain; it was not printed"
)]
pub struct UnsafeValue {
    /// The variable whose value was refused, e.g. `AWS_SESSION_TOKEN`.
    pub variable: &'static str,
}

/// Whether `value` consists only of the characters real credentials use: ASCII letters and
/// digits, base64's `+/=`, and `-_.:` (expirations such as `2024-01-01T00:00:00+00:00`), and
/// has no `=` at its start or after a `:`.
///
/// None of those characters is special to `sh`, `bash`, `fish`, `cmd.exe` or PowerShell inside
/// the AWS CLI's quoting (none, or plain double quotes), so such a value can be printed
/// unescaped. zsh expands `=cmd` to the path of `cmd` in an assignment's value, at its start and
/// after each `:` (`X==ls` sets `/usr/bin/ls`): real credentials never have `=` there (base64
/// pads at the end, expirations have none), so such a value is refused too.
pub(crate) fn is_credential_text(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=-_.:".contains(&b))
        && !value.starts_with('=')
        && !value.contains(":=")
}

/// Renders credentials in one of the formats, or refuses a value that is not
/// [`is_credential_text`] (in every format, so that any consumer of this output is safe).
pub(crate) fn render(
    credentials: &ExportCredentials,
    format: ExportFormat,
) -> Result<String, UnsafeValue> {
    let values = [
        (
            "AWS_ACCESS_KEY_ID",
            Some(credentials.access_key_id.as_str()),
        ),
        (
            "AWS_SECRET_ACCESS_KEY",
            Some(credentials.secret_access_key.expose_secret()),
        ),
        (
            "AWS_SESSION_TOKEN",
            credentials
                .session_token
                .as_ref()
                .map(SessionToken::expose_secret),
        ),
        (
            "AWS_CREDENTIAL_EXPIRATION",
            credentials.expiration.as_deref(),
        ),
    ];
    for (variable, value) in values {
        if value.is_some_and(|value| !is_credential_text(value)) {
            return Err(UnsafeValue { variable });
        }
    }
    Ok(render_checked(credentials, format))
}

fn render_checked(credentials: &ExportCredentials, format: ExportFormat) -> String {
    let line_format: fn(&str, &str) -> String = match format {
        ExportFormat::Process => return render_process(credentials),
        ExportFormat::Env => |name, value| format!("export {name}={value}\n"),
        ExportFormat::EnvNoExport => |name, value| format!("{name}={value}\n"),
        ExportFormat::Powershell => |name, value| format!("$Env:{name}=\"{value}\"\n"),
        ExportFormat::WindowsCmd => |name, value| format!("set {name}={value}\n"),
        ExportFormat::Fish => |name, value| format!("set -gx {name} \"{value}\"\n"),
    };
    // Values are not escaped, exactly as in the AWS CLI; `render` checked that none needs it.
    let mut out = line_format("AWS_ACCESS_KEY_ID", &credentials.access_key_id);
    out += &line_format(
        "AWS_SECRET_ACCESS_KEY",
        credentials.secret_access_key.expose_secret(),
    );
    if let Some(token) = &credentials.session_token {
        out += &line_format("AWS_SESSION_TOKEN", token.expose_secret());
    }
    if let Some(expiration) = &credentials.expiration {
        out += &line_format("AWS_CREDENTIAL_EXPIRATION", expiration);
    }
    out
}

/// `json.dumps(output, indent=2, separators=(',', ': '))` followed by `\n`.
fn render_process(credentials: &ExportCredentials) -> String {
    let mut fields = vec![
        ("Version", "1".to_owned()),
        (
            "AccessKeyId",
            python_json_string(&credentials.access_key_id),
        ),
        (
            "SecretAccessKey",
            python_json_string(credentials.secret_access_key.expose_secret()),
        ),
    ];
    if let Some(token) = &credentials.session_token {
        fields.push(("SessionToken", python_json_string(token.expose_secret())));
    }
    if let Some(expiration) = &credentials.expiration {
        fields.push(("Expiration", python_json_string(expiration)));
    }
    let body: Vec<String> = fields
        .into_iter()
        .map(|(key, value)| format!("  \"{key}\": {value}"))
        .collect();
    format!("{{\n{}\n}}\n", body.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temporary() -> ExportCredentials {
        ExportCredentials {
            access_key_id: "ASIAEXAMPLEKEY".to_owned(),
            secret_access_key: SecretAccessKey::new("secret/Example+Key"),
            session_token: Some(SessionToken::new("IQoJb3JpZ2luX2VjEXAMPLE==")),
            expiration: Some("2024-01-01T00:00:00+00:00".to_owned()),
        }
    }

    fn static_keys() -> ExportCredentials {
        ExportCredentials {
            access_key_id: "AKIAEXAMPLEKEY".to_owned(),
            secret_access_key: SecretAccessKey::new("static-secret"),
            session_token: None,
            expiration: None,
        }
    }

    #[test]
    fn process_format() {
        insta::assert_snapshot!(render(&temporary(), ExportFormat::Process).unwrap(), @r#"
        {
          "Version": 1,
          "AccessKeyId": "ASIAEXAMPLEKEY",
          "SecretAccessKey": "secret/Example+Key",
          "SessionToken": "IQoJb3JpZ2luX2VjEXAMPLE==",
          "Expiration": "2024-01-01T00:00:00+00:00"
        }
        "#);
        assert!(
            render(&temporary(), ExportFormat::Process)
                .unwrap()
                .ends_with("}\n")
        );
    }

    #[test]
    fn process_format_is_exact_bytes() {
        // The exact bytes of json.dumps(indent=2, separators=(',', ': ')) + '\n'.
        let expected = "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIAEXAMPLEKEY\",\n  \"SecretAccessKey\": \"static-secret\"\n}\n";
        assert_eq!(
            render(&static_keys(), ExportFormat::Process).unwrap(),
            expected
        );
    }

    #[test]
    fn env_format() {
        insta::assert_snapshot!(render(&temporary(), ExportFormat::Env).unwrap(), @r"
        export AWS_ACCESS_KEY_ID=ASIAEXAMPLEKEY
        export AWS_SECRET_ACCESS_KEY=secret/Example+Key
        export AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE==
        export AWS_CREDENTIAL_EXPIRATION=2024-01-01T00:00:00+00:00
        ");
    }

    #[test]
    fn env_no_export_format() {
        insta::assert_snapshot!(render(&temporary(), ExportFormat::EnvNoExport).unwrap(), @r"
        AWS_ACCESS_KEY_ID=ASIAEXAMPLEKEY
        AWS_SECRET_ACCESS_KEY=secret/Example+Key
        AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE==
        AWS_CREDENTIAL_EXPIRATION=2024-01-01T00:00:00+00:00
        ");
    }

    #[test]
    fn powershell_format() {
        insta::assert_snapshot!(render(&temporary(), ExportFormat::Powershell).unwrap(), @r#"
        $Env:AWS_ACCESS_KEY_ID="ASIAEXAMPLEKEY"
        $Env:AWS_SECRET_ACCESS_KEY="secret/Example+Key"
        $Env:AWS_SESSION_TOKEN="IQoJb3JpZ2luX2VjEXAMPLE=="
        $Env:AWS_CREDENTIAL_EXPIRATION="2024-01-01T00:00:00+00:00"
        "#);
    }

    #[test]
    fn windows_cmd_format() {
        insta::assert_snapshot!(render(&temporary(), ExportFormat::WindowsCmd).unwrap(), @r"
        set AWS_ACCESS_KEY_ID=ASIAEXAMPLEKEY
        set AWS_SECRET_ACCESS_KEY=secret/Example+Key
        set AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE==
        set AWS_CREDENTIAL_EXPIRATION=2024-01-01T00:00:00+00:00
        ");
    }

    #[test]
    fn fish_format() {
        insta::assert_snapshot!(render(&temporary(), ExportFormat::Fish).unwrap(), @r#"
        set -gx AWS_ACCESS_KEY_ID "ASIAEXAMPLEKEY"
        set -gx AWS_SECRET_ACCESS_KEY "secret/Example+Key"
        set -gx AWS_SESSION_TOKEN "IQoJb3JpZ2luX2VjEXAMPLE=="
        set -gx AWS_CREDENTIAL_EXPIRATION "2024-01-01T00:00:00+00:00"
        "#);
    }

    #[test]
    fn static_keys_give_two_lines() {
        assert_eq!(
            render(&static_keys(), ExportFormat::Env).unwrap(),
            "export AWS_ACCESS_KEY_ID=AKIAEXAMPLEKEY\nexport AWS_SECRET_ACCESS_KEY=static-secret\n"
        );
        assert_eq!(
            render(&static_keys(), ExportFormat::Fish)
                .unwrap()
                .lines()
                .count(),
            2
        );
    }

    #[test]
    fn process_json_escapes_like_python() {
        assert_eq!(python_json_string("a\"b\\c\u{1}"), r#""a\"b\\c\u0001""#);
        assert_eq!(python_json_string("é😀"), r#""\u00e9\ud83d\ude00""#);
    }

    #[test]
    fn debug_never_shows_secrets() {
        let shown = format!("{:?}", temporary());
        assert!(!shown.contains("secret/Example+Key"), "{shown}");
        assert!(!shown.contains("IQoJb3JpZ2luX2VjEXAMPLE=="), "{shown}");
        assert!(shown.contains("ASIAEXAMPLEKEY"));
    }

    const FORMATS: [ExportFormat; 6] = [
        ExportFormat::Process,
        ExportFormat::Env,
        ExportFormat::EnvNoExport,
        ExportFormat::Powershell,
        ExportFormat::WindowsCmd,
        ExportFormat::Fish,
    ];

    #[test]
    fn hostile_values_are_refused_in_every_format() {
        let hostile = [
            "tok;touch pwned",
            "$(touch pwned)",
            "`id`",
            "=ls",
            "2024:=ls",
            "a b",
            "a\"b",
            "a'b",
            "a\nexport X=1",
            "%PATH%",
            "a&b",
            "a|b",
            "é",
        ];
        for value in hostile {
            let cases = [
                (
                    ExportCredentials {
                        access_key_id: value.to_owned(),
                        ..temporary()
                    },
                    "AWS_ACCESS_KEY_ID",
                ),
                (
                    ExportCredentials {
                        secret_access_key: SecretAccessKey::new(value),
                        ..temporary()
                    },
                    "AWS_SECRET_ACCESS_KEY",
                ),
                (
                    ExportCredentials {
                        session_token: Some(SessionToken::new(value)),
                        ..temporary()
                    },
                    "AWS_SESSION_TOKEN",
                ),
                (
                    ExportCredentials {
                        expiration: Some(value.to_owned()),
                        ..temporary()
                    },
                    "AWS_CREDENTIAL_EXPIRATION",
                ),
            ];
            for (credentials, variable) in cases {
                for format in FORMATS {
                    let error = render(&credentials, format).unwrap_err();
                    assert_eq!(error, UnsafeValue { variable }, "{value:?} in {format:?}");
                    assert!(!error.to_string().contains(value));
                }
            }
        }
    }

    #[test]
    fn real_looking_values_are_accepted() {
        for value in [
            "ASIAEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "IQoJb3JpZ2luX2VjEKb//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+abc==",
            "2024-01-01T00:00:00+00:00",
            "",
        ] {
            assert!(is_credential_text(value), "{value}");
        }
    }

    /// A value of the credential alphabet, `=` and `:` often.
    fn alphabet_value() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let chars: Vec<char> = "aZ09+/=-_.:=:".chars().collect();
        prop::collection::vec(prop::sample::select(chars), 0..12)
            .prop_map(|chars| chars.into_iter().collect())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 24,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Whatever `render` prints unescaped, the shells that evaluate it (bash and zsh for
        /// `env` and `env-no-export`, fish for `fish`) read back unchanged; anything else is
        /// refused.
        #[test]
        fn printed_values_round_trip_through_real_shells(
            values in proptest::collection::vec(alphabet_value(), 4..=4)
        ) {
            use crate::shell::{Shell, tests::run_in};
            let credentials = ExportCredentials {
                access_key_id: values[0].clone(),
                secret_access_key: SecretAccessKey::new(&values[1]),
                session_token: Some(SessionToken::new(&values[2])),
                expiration: Some(values[3].clone()),
            };
            let cases = [
                (Shell::Bash, ExportFormat::Env),
                (Shell::Bash, ExportFormat::EnvNoExport),
                (Shell::Zsh, ExportFormat::Env),
                (Shell::Zsh, ExportFormat::EnvNoExport),
                (Shell::Fish, ExportFormat::Fish),
            ];
            for (shell, format) in cases {
                let Ok(code) = render(&credentials, format) else {
                    proptest::prop_assert!(!values.iter().all(|v| is_credential_text(v)));
                    continue;
                };
                let script = format!(
                    "{code}printf '%s|%s|%s|%s' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\" \"$AWS_CREDENTIAL_EXPIRATION\"\n"
                );
                let dir = tempfile::tempdir().unwrap();
                let Some(output) = run_in(shell, dir.path(), &script) else {
                    continue;
                };
                let stderr = String::from_utf8_lossy(&output.stderr);
                proptest::prop_assert!(output.status.success(), "{shell:?} {format:?}: {stderr}");
                proptest::prop_assert_eq!(
                    String::from_utf8_lossy(&output.stdout).into_owned(),
                    values.join("|"),
                    "{:?} {:?}\n{}",
                    shell,
                    format,
                    code
                );
            }
        }
    }
}
