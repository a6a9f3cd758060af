//! The output of `sso export-credentials`, byte for byte what `aws configure export-credentials`
//! prints (protocol.md §7, `awscli/customizations/configure/exportcreds.py`).
//!
//! This is the only place where role secrets are turned into text, and that text goes to stdout
//! only. The wiring layer converts the driver's credentials into [`ExportCredentials`].

use sso_cache::{SecretAccessKey, SessionToken, python_json_string};

use crate::args::ExportFormat;

/// Credentials as `export-credentials` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCredentials {
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

/// Renders credentials in one of the formats.
pub fn render(credentials: &ExportCredentials, format: ExportFormat) -> String {
    let line_format: fn(&str, &str) -> String = match format {
        ExportFormat::Process => return render_process(credentials),
        ExportFormat::Env => |name, value| format!("export {name}={value}\n"),
        ExportFormat::EnvNoExport => |name, value| format!("{name}={value}\n"),
        ExportFormat::Powershell => |name, value| format!("$Env:{name}=\"{value}\"\n"),
        ExportFormat::WindowsCmd => |name, value| format!("set {name}={value}\n"),
        ExportFormat::Fish => |name, value| format!("set -gx {name} \"{value}\"\n"),
    };
    // Values are not escaped, exactly as in the AWS CLI.
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
        insta::assert_snapshot!(render(&temporary(), ExportFormat::Process), @r#"
        {
          "Version": 1,
          "AccessKeyId": "ASIAEXAMPLEKEY",
          "SecretAccessKey": "secret/Example+Key",
          "SessionToken": "IQoJb3JpZ2luX2VjEXAMPLE==",
          "Expiration": "2024-01-01T00:00:00+00:00"
        }
        "#);
        assert!(render(&temporary(), ExportFormat::Process).ends_with("}\n"));
    }

    #[test]
    fn process_format_is_exact_bytes() {
        // The exact bytes of json.dumps(indent=2, separators=(',', ': ')) + '\n'.
        let expected = "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIAEXAMPLEKEY\",\n  \"SecretAccessKey\": \"static-secret\"\n}\n";
        assert_eq!(render(&static_keys(), ExportFormat::Process), expected);
    }

    #[test]
    fn env_format() {
        insta::assert_snapshot!(render(&temporary(), ExportFormat::Env), @r"
        export AWS_ACCESS_KEY_ID=ASIAEXAMPLEKEY
        export AWS_SECRET_ACCESS_KEY=secret/Example+Key
        export AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE==
        export AWS_CREDENTIAL_EXPIRATION=2024-01-01T00:00:00+00:00
        ");
    }

    #[test]
    fn env_no_export_format() {
        insta::assert_snapshot!(render(&temporary(), ExportFormat::EnvNoExport), @r"
        AWS_ACCESS_KEY_ID=ASIAEXAMPLEKEY
        AWS_SECRET_ACCESS_KEY=secret/Example+Key
        AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE==
        AWS_CREDENTIAL_EXPIRATION=2024-01-01T00:00:00+00:00
        ");
    }

    #[test]
    fn powershell_format() {
        insta::assert_snapshot!(render(&temporary(), ExportFormat::Powershell), @r#"
        $Env:AWS_ACCESS_KEY_ID="ASIAEXAMPLEKEY"
        $Env:AWS_SECRET_ACCESS_KEY="secret/Example+Key"
        $Env:AWS_SESSION_TOKEN="IQoJb3JpZ2luX2VjEXAMPLE=="
        $Env:AWS_CREDENTIAL_EXPIRATION="2024-01-01T00:00:00+00:00"
        "#);
    }

    #[test]
    fn windows_cmd_format() {
        insta::assert_snapshot!(render(&temporary(), ExportFormat::WindowsCmd), @r"
        set AWS_ACCESS_KEY_ID=ASIAEXAMPLEKEY
        set AWS_SECRET_ACCESS_KEY=secret/Example+Key
        set AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE==
        set AWS_CREDENTIAL_EXPIRATION=2024-01-01T00:00:00+00:00
        ");
    }

    #[test]
    fn fish_format() {
        insta::assert_snapshot!(render(&temporary(), ExportFormat::Fish), @r#"
        set -gx AWS_ACCESS_KEY_ID "ASIAEXAMPLEKEY"
        set -gx AWS_SECRET_ACCESS_KEY "secret/Example+Key"
        set -gx AWS_SESSION_TOKEN "IQoJb3JpZ2luX2VjEXAMPLE=="
        set -gx AWS_CREDENTIAL_EXPIRATION "2024-01-01T00:00:00+00:00"
        "#);
    }

    #[test]
    fn static_keys_give_two_lines() {
        assert_eq!(
            render(&static_keys(), ExportFormat::Env),
            "export AWS_ACCESS_KEY_ID=AKIAEXAMPLEKEY\nexport AWS_SECRET_ACCESS_KEY=static-secret\n"
        );
        assert_eq!(
            render(&static_keys(), ExportFormat::Fish).lines().count(),
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
}
