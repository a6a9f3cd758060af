//! `sso configure list-profiles/get/set/list`, the `aws` spellings (`configure sso`,
//! `configure export-credentials`) and `export-credentials --credentials-file`, run as the
//! binary on files full of comments and compared byte for byte.

use std::process::Command;

use super::credentials::{
    CONFIG, Home, NO_NETWORK, assert_success, stderr, stdout, write_fixed_credentials,
};

/// A config file as people keep them: comments everywhere, odd spacing, every section kind.
const COMMENTED_CONFIG: &str = "\
# Top comment
; semicolon comment

[profile zeta]   # trailing comment
region = eu-west-1
;  [profile commented-out]
[default]
output = json

# comment before a header
[profile alpha]
sso_session = corp
s3 =
  max_concurrency = 10
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
[profile \"quoted name\"]
region = us-west-2
[services svc]
[preview]
cloudfront = true
[profile beta]
# end comment
";

const COMMENTED_CREDENTIALS: &str = "\
# creds comment
[alpha]
aws_access_key_id = AKIAALPHA
[gamma]  
aws_access_key_id = AKIAGAMMA
; comment
[default]
[profile delta]
";

fn commented_home() -> Home {
    let home = Home::new(NO_NETWORK);
    std::fs::write(home.path().join(".aws/config"), COMMENTED_CONFIG).unwrap();
    std::fs::write(home.path().join(".aws/credentials"), COMMENTED_CREDENTIALS).unwrap();
    home
}

/// What botocore (the AWS CLI's engine) lists for the same files, when Python has it.
#[allow(clippy::print_stderr, reason = "says why a check is skipped")]
fn botocore_profiles(home: &Home) -> Option<String> {
    let output = Command::new("python3")
        .arg("-c")
        .arg("import botocore.session\nfor p in botocore.session.Session().available_profiles: print(p)")
        .env("HOME", home.path())
        .env_remove("AWS_CONFIG_FILE")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE")
        .env_remove("AWS_PROFILE")
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!("skipping the botocore comparison: botocore is not importable");
        return None;
    }
    Some(String::from_utf8(output.stdout).unwrap())
}

#[test]
fn list_profiles_prints_what_the_aws_cli_prints() {
    let home = commented_home();
    let output = home.run(&["configure", "list-profiles"]);
    assert_success(&output);
    assert_eq!(
        stdout(&output),
        "zeta\ndefault\nalpha\nquoted name\nbeta\ngamma\nprofile delta\n"
    );
    if let Some(expected) = botocore_profiles(&home) {
        assert_eq!(stdout(&output), expected);
    }
    // Without any file: nothing, successfully.
    let empty = Home::new(NO_NETWORK);
    std::fs::remove_file(empty.path().join(".aws/config")).unwrap();
    let output = empty.run(&["configure", "list-profiles"]);
    assert_success(&output);
    assert_eq!(stdout(&output), "");
}

#[test]
fn get_reads_merged_values_like_the_aws_cli() {
    let home = commented_home();
    let get = |profile: &str, args: &[&str]| {
        home.sso()
            .env("AWS_PROFILE", profile)
            .args(["configure", "get"])
            .args(args)
            .output()
            .unwrap()
    };
    for (profile, key, expected) in [
        ("alpha", "s3.max_concurrency", "10\n"),
        ("alpha", "profile.alpha.s3.max_concurrency", "10\n"),
        ("alpha", "aws_access_key_id", "AKIAALPHA\n"),
        ("alpha", "zeta.region", "eu-west-1\n"),
        ("zeta", "region", "eu-west-1\n"),
        ("zeta", "default.output", "json\n"),
    ] {
        let output = get(profile, &[key]);
        assert_success(&output);
        assert_eq!(stdout(&output), expected, "{profile} {key}");
    }
    let output = get("alpha", &["sso_region", "--sso-session", "corp"]);
    assert_success(&output);
    assert_eq!(stdout(&output), "us-east-1\n");
    // Unset: exit code 1 and nothing on stdout, as `aws configure get`.
    let output = get("alpha", &["region"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    // A block is not a value.
    let output = get("alpha", &["s3"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("must reference a value"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn set_changes_only_the_lines_it_writes() {
    let home = commented_home();
    let set = |args: &[&str]| {
        let output = home
            .sso()
            .args(["configure", "set"])
            .args(args)
            .output()
            .unwrap();
        assert_success(&output);
        assert!(output.stdout.is_empty());
    };
    set(&["region", "ap-south-1", "--profile", "zeta"]);
    set(&["profile.alpha.s3.max_concurrency", "20"]);
    set(&["default.region", "us-east-2"]);
    set(&["sso_region", "eu-central-1", "--sso-session", "corp"]);
    set(&["output", "text", "--profile", "fresh"]);
    set(&[
        "aws_secret_access_key",
        "gamma/secret",
        "--profile",
        "gamma",
    ]);
    let config = std::fs::read_to_string(home.path().join(".aws/config")).unwrap();
    let expected = COMMENTED_CONFIG
        .replace("region = eu-west-1", "region = ap-south-1")
        .replace("max_concurrency = 10", "max_concurrency = 20")
        .replace("output = json\n", "output = json\nregion = us-east-2\n")
        .replace("sso_region = us-east-1", "sso_region = eu-central-1")
        + "\n[profile fresh]\noutput = text\n";
    assert_eq!(config, expected);
    let credentials = std::fs::read_to_string(home.path().join(".aws/credentials")).unwrap();
    assert_eq!(
        credentials,
        COMMENTED_CREDENTIALS.replace(
            "aws_access_key_id = AKIAGAMMA\n",
            "aws_access_key_id = AKIAGAMMA\naws_secret_access_key = gamma/secret\n"
        )
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(home.path().join(".aws/credentials"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // What was written reads back.
    let output = home.run(&["configure", "get", "profile.fresh.output"]);
    assert_eq!(stdout(&output), "text\n");
    // A value the file cannot hold is refused, and nothing changes.
    let output = home.run(&["configure", "set", "region", "a # b", "--profile", "zeta"]);
    assert!(!output.status.success());
    assert_eq!(
        std::fs::read_to_string(home.path().join(".aws/config")).unwrap(),
        expected
    );
}

#[test]
fn list_shows_where_each_value_comes_from() {
    let home = commented_home();
    let output = home
        .sso()
        .env("AWS_REGION", "sa-east-1")
        .args(["configure", "list", "--profile", "alpha"])
        .output()
        .unwrap();
    assert_success(&output);
    let credentials = home.path().join(".aws/credentials");
    let text = stdout(&output).replace(&credentials.display().to_string(), "[CREDENTIALS]");
    insta::assert_snapshot!(text, @r"
          Name                    Value             Type    Location
          ----                    -----             ----    --------
       profile                    alpha           manual    --profile
    access_key     ****************LPHA shared-credentials-file    [CREDENTIALS]
    secret_key                <not set>             None    None
        region                sa-east-1              env    AWS_REGION
    ");
    let output = home
        .sso()
        .env("AWS_PROFILE", "zeta")
        .env("AWS_ACCESS_KEY_ID", "AKIAFROMENV1234")
        .env("AWS_SECRET_ACCESS_KEY", "secretfromenvWXYZ")
        .args(["configure", "list"])
        .output()
        .unwrap();
    assert_success(&output);
    let config = home.path().join(".aws/config");
    let text = stdout(&output).replace(&config.display().to_string(), "[CONFIG]");
    insta::assert_snapshot!(text, @r"
          Name                    Value             Type    Location
          ----                    -----             ----    --------
       profile                     zeta              env    AWS_PROFILE
    access_key     ****************1234              env    AWS_ACCESS_KEY_ID
    secret_key     ****************WXYZ              env    AWS_SECRET_ACCESS_KEY
        region                eu-west-1      config-file    [CONFIG]
    ");
}

#[test]
fn aws_spellings_are_aliases() {
    let home = Home::new(NO_NETWORK);
    write_fixed_credentials(&home);
    let plain = home.run(&["--profile", "dev", "export-credentials", "--format", "env"]);
    let aliased = home.run(&[
        "--profile",
        "dev",
        "configure",
        "export-credentials",
        "--format",
        "env",
    ]);
    assert_success(&aliased);
    assert_eq!(plain.stdout, aliased.stdout);
    // `configure sso` runs the same wizard as `configure`.
    let output = home.run(&[
        "configure",
        "sso",
        "--profile",
        "made",
        "--sso-session",
        "my-sso",
        "--account-id",
        "222222222222",
        "--role-name",
        "Admin",
        "--non-interactive",
    ]);
    assert_success(&output);
    let config = std::fs::read_to_string(home.path().join(".aws/config")).unwrap();
    assert!(config.starts_with(CONFIG), "{config}");
    assert!(
        config.contains("[profile made]\nsso_session = my-sso\nsso_account_id = 222222222222\nsso_role_name = Admin\n"),
        "{config}"
    );
}

#[test]
#[allow(clippy::print_stderr, reason = "says why a check is skipped")]
fn export_credentials_into_the_credentials_file() {
    let home = Home::new(NO_NETWORK);
    write_fixed_credentials(&home);
    let path = home.path().join(".aws/credentials");
    let before = "# keep me\n[other]\naws_access_key_id = AKIAOTHER # note\n\n[dev]\n# old keys\naws_access_key_id = OLD\n";
    std::fs::write(&path, before).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let output = home.run(&[
        "--profile",
        "dev",
        "export-credentials",
        "--credentials-file",
    ]);
    assert_success(&output);
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
    assert!(stderr(&output).contains("[dev]"), "{}", stderr(&output));
    let after = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        after,
        "# keep me\n[other]\naws_access_key_id = AKIAOTHER # note\n\n[dev]\n# old keys\naws_access_key_id = ASIAFIXEDEXAMPLE\naws_secret_access_key = fixed/secret+key\naws_session_token = IQoJfixed-session-token==\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Another section name; the file is created when missing.
    std::fs::remove_file(&path).unwrap();
    let output = home.run(&[
        "--profile",
        "dev",
        "export-credentials",
        "--credentials-file",
        "ci",
    ]);
    assert_success(&output);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("[ci]\naws_access_key_id = ASIAFIXEDEXAMPLE\n"),
        "{text}"
    );
    // The AWS CLI's credential chain reads what was written.
    let read = Command::new("python3")
        .arg("-c")
        .arg("import botocore.session\nc = botocore.session.Session(profile='ci').get_credentials()\nprint(c.access_key, c.token)")
        .env("HOME", home.path())
        .output();
    match read {
        Ok(output) if output.status.success() => assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            "ASIAFIXEDEXAMPLE IQoJfixed-session-token==\n"
        ),
        _ => eprintln!("skipping the botocore check: botocore is not importable"),
    }
}

#[test]
fn concurrent_sets_and_credentials_file_writes_keep_every_section() {
    let home = Home::new(NO_NETWORK);
    write_fixed_credentials(&home);
    let children: Vec<_> = (0..12)
        .map(|n| {
            let mut command = home.sso();
            if n % 2 == 0 {
                command.args(["configure", "set", "region", "eu-west-1", "--profile"]);
                command.arg(format!("set{n}"));
            } else {
                command.args([
                    "--profile",
                    "dev",
                    "export-credentials",
                    "--credentials-file",
                ]);
                command.arg(format!("file{n}"));
            }
            command.spawn().unwrap()
        })
        .collect();
    for child in children {
        assert_success(&child.wait_with_output().unwrap());
    }
    let config = std::fs::read_to_string(home.path().join(".aws/config")).unwrap();
    let credentials = std::fs::read_to_string(home.path().join(".aws/credentials")).unwrap();
    for n in 0..12 {
        if n % 2 == 0 {
            assert!(
                config.contains(&format!("[profile set{n}]\nregion = eu-west-1\n")),
                "set{n} lost:\n{config}"
            );
        } else {
            assert!(
                credentials.contains(&format!(
                    "[file{n}]\naws_access_key_id = ASIAFIXEDEXAMPLE\n"
                )),
                "file{n} lost:\n{credentials}"
            );
        }
    }
}

#[test]
fn help_of_the_configure_questions() {
    for command in ["get", "set", "list", "list-profiles"] {
        insta::assert_snapshot!(
            format!("configure_{command}_help"),
            stdout(
                &super::sso()
                    .args(["configure", command, "--help"])
                    .output()
                    .unwrap()
            )
        );
    }
}
