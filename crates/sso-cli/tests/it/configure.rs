//! `sso configure` and `sso configure sso-session` end to end: the real binary edits a config
//! file in a temporary HOME (compared byte for byte), and signs in and lists against the
//! emulator when account and role are not given.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sso_emulator::{BlockingEmulator, Emulator};

use crate::sso;

/// A temporary HOME with `~/.aws/config` holding `config` (none when `None`).
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new(config: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        let home = Self { dir };
        if let Some(config) = config {
            std::fs::write(home.config_path(), config).unwrap();
        }
        home
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join(".aws").join("config")
    }

    fn config(&self) -> String {
        std::fs::read_to_string(self.config_path()).unwrap()
    }

    fn sso(&self) -> Command {
        let mut command = sso();
        command.env("HOME", self.dir.path());
        command
    }

    fn sso_with_emulator(&self, emulator: &BlockingEmulator) -> Command {
        let mut command = self.sso();
        command
            .env("AWS_ENDPOINT_URL_SSO_OIDC", emulator.url())
            .env("AWS_ENDPOINT_URL_SSO", emulator.url());
        command
    }
}

#[track_caller]
fn succeed(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

const EXISTING: &str = "\
# My AWS config
; edited by hand

[default]
region = us-west-2   # where I live

[profile dev]
# the dev account
region=us-west-1
output = text   ; was table

[profile other]
sso_session = other
sso_account_id = 222222222222
sso_role_name = Admin

[sso-session other]
sso_start_url = https://other.awsapps.com/start
sso_region = eu-central-1
";

#[test]
fn configure_with_every_answer_edits_only_the_profile_and_adds_the_session() {
    let home = Home::new(Some(EXISTING));
    #[cfg(unix)]
    set_mode(&home.config_path(), 0o640);
    let output = succeed(home.sso().args([
        "configure",
        "--non-interactive",
        "--profile",
        "dev",
        "--sso-session",
        "corp",
        "--sso-start-url",
        "https://corp.awsapps.com/start",
        "--sso-region",
        "us-east-1",
        "--account-id",
        "111111111111",
        "--role-name",
        "ReadOnly",
        "--region",
        "eu-west-1",
        "--output",
        "json",
    ]));
    assert_eq!(
        home.config(),
        "\
# My AWS config
; edited by hand

[default]
region = us-west-2   # where I live

[profile dev]
# the dev account
region=eu-west-1
output = json   ; was table
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly

[profile other]
sso_session = other
sso_account_id = 222222222222
sso_role_name = Admin

[sso-session other]
sso_start_url = https://other.awsapps.com/start
sso_region = eu-central-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "To use this profile, specify the profile name using --profile, as shown:\n\naws sts get-caller-identity --profile dev\n"
    );
    #[cfg(unix)]
    assert_eq!(mode(&home.config_path()), 0o640);
    // Only the config file and its reusable lock file are there: no temporary file left
    // behind, no token cache.
    let mut entries: Vec<_> = std::fs::read_dir(home.dir.path().join(".aws"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    entries.sort();
    assert_eq!(entries, ["config", "config.lock"]);
}

#[test]
fn configure_legacy_default_profile_creates_the_file() {
    let home = Home::new(None);
    succeed(home.sso().args([
        "configure",
        "--non-interactive",
        "--profile",
        "default",
        "--sso-session",
        "",
        "--sso-start-url",
        "https://corp.awsapps.com/start",
        "--sso-region",
        "us-east-1",
        "--account-id",
        "111111111111",
        "--role-name",
        "ReadOnly",
    ]));
    assert_eq!(
        home.config(),
        "[default]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\n"
    );
    #[cfg(unix)]
    assert_eq!(mode(&home.config_path()), 0o600);
}

#[test]
fn configure_sso_session_updates_an_existing_section_in_place() {
    let config = "\
[profile dev]
sso_session = x

# the corporate login
[sso-session x]
sso_start_url=https://old.awsapps.com/start   # old portal
sso_region=eu-west-1
sso_login_flow=device-code

[profile after]
region = us-east-2
";
    let home = Home::new(Some(config));
    let output = succeed(home.sso().args([
        "configure",
        "sso-session",
        "--sso-session",
        "x",
        "--sso-start-url",
        "https://new.awsapps.com/start",
        "--sso-region",
        "eu-north-1",
        "--sso-registration-scopes",
        "sso:account:access",
    ]));
    assert_eq!(
        home.config(),
        "\
[profile dev]
sso_session = x

# the corporate login
[sso-session x]
sso_start_url=https://new.awsapps.com/start   # old portal
sso_region=eu-north-1
sso_login_flow=device-code
sso_registration_scopes=sso:account:access

[profile after]
region = us-east-2
"
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "\nCompleted configuring SSO session: x\nRun the following to login and refresh access token for this session:\n\nsso login --sso-session x\n"
    );
}

#[test]
fn configure_sso_session_appends_a_new_section() {
    let home = Home::new(Some("[default]\nregion = us-east-1"));
    succeed(home.sso().args([
        "configure",
        "sso-session",
        "--sso-session",
        "my sso",
        "--sso-start-url",
        "https://corp.awsapps.com/start",
        "--sso-region",
        "us-east-1",
        "--sso-registration-scopes",
        "sso:account:access",
    ]));
    assert_eq!(
        home.config(),
        "[default]\nregion = us-east-1\n[sso-session 'my sso']\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    );
}

#[test]
fn configure_signs_in_and_picks_the_only_account_and_role() {
    let emulator = Emulator::builder()
        .accounts(1)
        .roles_per_account(1)
        .auto_approve(true)
        .enforce_poll_interval(false)
        .seed(7)
        .start_blocking()
        .unwrap();
    let home = Home::new(Some("# keep me\n"));
    let args = [
        "configure",
        "--non-interactive",
        "--use-device-code",
        "--no-browser",
        "--profile",
        "dev",
        "--sso-session",
        "corp",
        "--sso-start-url",
        "https://d-123.awsapps.com/start",
        "--sso-region",
        "us-east-1",
        "--region",
        "eu-west-1",
        "--output",
        "json",
    ];
    let output = succeed(home.sso_with_emulator(&emulator).args(args));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with(
            "The only AWS account available to you is: 111111111111\nUsing the account ID 111111111111\nThe only role available to you is: AdministratorAccess\nUsing the role name \"AdministratorAccess\"\n"
        ),
        "{stdout}"
    );
    assert_eq!(
        home.config(),
        "\
# keep me
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
region = eu-west-1
output = json
[sso-session corp]
sso_start_url = https://d-123.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"
    );
    let stats = emulator.stats();
    assert_eq!(stats.create_token_device_code, 1, "{stats:?}");
    assert_eq!(stats.list_accounts, 1, "{stats:?}");
    assert_eq!(stats.list_account_roles, 1, "{stats:?}");
    let tokens = std::fs::read_dir(home.dir.path().join(".aws/sso/cache"))
        .unwrap()
        .count();
    assert!(tokens >= 1);

    // Another profile of the same session: the session exists now, so its fresh cached token
    // is reused (no new sign-in) to list again.
    emulator.reset_stats();
    let mut args = args;
    args[5] = "dev2";
    let output = succeed(home.sso_with_emulator(&emulator).args(args));
    assert!(
        String::from_utf8(output.stderr).unwrap().is_empty(),
        "no login prompt expected"
    );
    assert!(
        home.config()
            .contains("[profile dev2]\nsso_session = corp\nsso_account_id = 111111111111\n"),
        "{}",
        home.config()
    );
    let stats = emulator.stats();
    assert_eq!(stats.create_token, 0, "{stats:?}");
    assert_eq!(stats.start_device_authorization, 0, "{stats:?}");
    assert_eq!(stats.list_accounts, 1, "{stats:?}");
}

#[test]
fn configure_goes_on_without_account_and_role_when_unauthorized() {
    let emulator = Emulator::builder()
        .accounts(1)
        .roles_per_account(1)
        .auto_approve(true)
        .enforce_poll_interval(false)
        .seed(7)
        .start_blocking()
        .unwrap();
    emulator
        .update_config(|config| {
            config.failures.push(sso_emulator::FailureRule {
                status: 401,
                ..sso_emulator::FailureRule::internal_error("ListAccounts", 1)
            });
        })
        .unwrap();
    let home = Home::new(None);
    let output = succeed(home.sso_with_emulator(&emulator).args([
        "configure",
        "--non-interactive",
        "--use-device-code",
        "--no-browser",
        "--profile",
        "dev",
        "--sso-session",
        "corp",
        "--sso-start-url",
        "https://d-123.awsapps.com/start",
        "--sso-region",
        "us-east-1",
    ]));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout,
        "Unable to list AWS accounts and/or roles. Skipping configuring AWS credential provider for profile.\nSuccessfully configured SSO for profile: dev\n"
    );
    assert_eq!(
        home.config(),
        "[profile dev]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    );
}

/// `sso configure --non-interactive` adding profile `name` (all answers given: no sign-in).
fn configure_profile(home: &Home, name: &str, role: &str) -> Command {
    let mut command = home.sso();
    command.args([
        "configure",
        "--non-interactive",
        "--profile",
        name,
        "--sso-session",
        "corp",
        "--sso-start-url",
        "https://corp.awsapps.com/start",
        "--sso-region",
        "us-east-1",
        "--account-id",
        "111111111111",
        "--role-name",
        role,
    ]);
    command
}

#[test]
fn concurrent_configures_of_different_profiles_keep_every_profile() {
    const N: usize = 24;
    let home = Home::new(Some(EXISTING));
    let children: Vec<_> = (0..N)
        .map(|n| {
            configure_profile(&home, &format!("p{n}"), "ReadOnly")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let config = home.config();
    let document = sso_config::Document::parse(&config);
    let profiles = sso_config::ProfileSet::from_documents(Some(("config", &document)), None);
    for n in 0..N {
        let profile = profiles.profile(&format!("p{n}"));
        assert_eq!(
            profile.and_then(|p| p.get_str("sso_role_name")),
            Some("ReadOnly"),
            "profile p{n} lost:\n{config}"
        );
    }
    // What was there before is kept, the shared session written once, one lock file left.
    assert!(config.starts_with(EXISTING), "{config}");
    assert_eq!(config.matches("[sso-session corp]").count(), 1, "{config}");
    let mut names: Vec<_> = std::fs::read_dir(home.dir.path().join(".aws"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["config", "config.lock"]);
}

#[test]
fn a_read_only_config_is_refused_and_left_alone() {
    let home = Home::new(Some(EXISTING));
    let mut permissions = std::fs::metadata(home.config_path()).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(home.config_path(), permissions).unwrap();
    let output = configure_profile(&home, "dev", "ReadOnly")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("read-only"), "{stderr}");
    assert!(
        stderr.contains(&home.config_path().display().to_string()),
        "{stderr}"
    );
    assert_eq!(home.config(), EXISTING);
}

#[test]
fn a_value_the_file_cannot_hold_is_refused_naming_it() {
    let home = Home::new(Some(EXISTING));
    let output = configure_profile(&home, "dev", "#Admin").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("#Admin"), "{stderr}");
    assert!(stderr.contains("sso_role_name"), "{stderr}");
    assert_eq!(home.config(), EXISTING);
}

#[cfg(unix)]
#[test]
fn a_device_as_config_file_is_refused_without_reading_it() {
    let home = Home::new(None);
    let mut child = configure_profile(&home, "dev", "ReadOnly")
        .env("AWS_CONFIG_FILE", "/dev/zero")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Reading /dev/zero would never end: give it a generous deadline, then fail.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("sso kept reading /dev/zero");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("/dev/zero"), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}
