//! Wizard tests: a scripted terminal plays the user, a fake backend plays the config file and
//! the portal, and the transcript (with the backend's calls) is snapshotted.

use super::*;
use crate::term::{Key, Scripted, ScriptedTerminal};

#[derive(Default)]
struct FakeBackend {
    sessions: Vec<SessionSummary>,
    defaults: ProfileDefaults,
    vanity_region: Option<&'static str>,
    accounts: Vec<AccountView>,
    roles: Vec<&'static str>,
    /// How many account listings answer 401 before they succeed.
    unauthorized: usize,
    /// Whether a login reuses a cached token (until a forced one).
    reuses_cached: bool,
    calls: Vec<String>,
}

impl WizardBackend for FakeBackend {
    fn existing_sessions(&self) -> Vec<SessionSummary> {
        self.sessions.clone()
    }

    fn profile_defaults(&self, _profile: &ProfileName) -> ProfileDefaults {
        self.defaults.clone()
    }

    fn resolve_region(&mut self, start_url: &StartUrl) -> Option<Region> {
        self.calls.push(format!("resolve_region({start_url})"));
        self.vanity_region.map(|r| Region::parse(r).unwrap())
    }

    fn login(&mut self, request: &LoginRequest) -> Result<bool, CliError> {
        self.calls.push(format!(
            "login(session={:?}, start_url={}, region={}, scopes={:?}, force_new={}, device_code={}, no_browser={})",
            request.session.as_ref().map(SessionName::as_str),
            request.start_url,
            request.region,
            request.scopes.as_ref().map(Scopes::to_string),
            request.force_new,
            request.use_device_code,
            request.no_browser,
        ));
        Ok(self.reuses_cached && !request.force_new)
    }

    fn list_accounts(&mut self) -> Result<Vec<AccountView>, ListError> {
        self.calls.push("list_accounts".to_owned());
        if self.unauthorized > 0 {
            self.unauthorized -= 1;
            return Err(ListError::Unauthorized);
        }
        Ok(self.accounts.clone())
    }

    fn list_roles(&mut self, account_id: &AccountId) -> Result<Vec<String>, ListError> {
        self.calls.push(format!("list_roles({account_id})"));
        if self.unauthorized > 0 {
            self.unauthorized -= 1;
            return Err(ListError::Unauthorized);
        }
        Ok(self.roles.iter().map(|r| (*r).to_owned()).collect())
    }

    fn write_profile(&mut self, plan: &ConfigurePlan) -> Result<(), CliError> {
        self.calls.push(format!("write_profile({plan:#?})"));
        Ok(())
    }

    fn write_session(&mut self, plan: &SessionPlan) -> Result<(), CliError> {
        self.calls.push(format!("write_session({plan:#?})"));
        Ok(())
    }
}

fn account(id: &str, name: &str, email: &str) -> AccountView {
    AccountView {
        account_id: id.to_owned(),
        account_name: Some(name.to_owned()),
        email_address: Some(email.to_owned()),
    }
}

fn line(text: &str) -> Scripted {
    Scripted::Line(text.to_owned())
}

fn my_sso() -> SessionSummary {
    SessionSummary {
        name: "my-sso".to_owned(),
        start_url: Some("https://d-123.awsapps.com/start".to_owned()),
        region: Some("us-east-1".to_owned()),
        scopes: Some("sso:account:access".to_owned()),
    }
}

/// Runs the wizard and renders the transcript, the backend calls and the outcome.
fn run(script: Vec<Scripted>, backend: &mut FakeBackend, answers: ConfigureAnswers) -> String {
    let mut terminal = ScriptedTerminal::new(script, true);
    let result = configure(&mut terminal, backend, answers);
    let outcome = match result {
        Ok(_) => "ok".to_owned(),
        Err(error) => format!("error: {error}"),
    };
    assert_eq!(terminal.remaining(), 0, "the script was not consumed");
    format!(
        "{}\n--- backend ---\n{}\n--- outcome ---\n{outcome}",
        terminal.transcript(),
        backend.calls.join("\n")
    )
}

#[test]
fn new_session_with_one_account_and_one_role() {
    let mut backend = FakeBackend {
        accounts: vec![account("111111111111", "prod", "prod@example.com")],
        roles: vec!["ReadOnly"],
        ..FakeBackend::default()
    };
    let script = vec![
        line("my-sso"),
        line("https://d-123.awsapps.com/start"),
        line("us-east-1"),
        line(""),
        line("eu-west-1"),
        line("json"),
        line(""),
    ];
    insta::assert_snapshot!(run(script, &mut backend, ConfigureAnswers::default()));
}

#[test]
fn existing_session_is_reused_without_url_questions() {
    let mut backend = FakeBackend {
        sessions: vec![my_sso()],
        defaults: ProfileDefaults {
            sso_session: Some("my-sso".to_owned()),
            region: Some("us-west-2".to_owned()),
            ..ProfileDefaults::default()
        },
        accounts: vec![account("111111111111", "prod", "prod@example.com")],
        roles: vec!["ReadOnly"],
        ..FakeBackend::default()
    };
    let script = vec![line(""), line(""), line("")];
    let answers = ConfigureAnswers {
        profile: Some(ProfileName::parse("default").unwrap()),
        use_device_code: true,
        ..ConfigureAnswers::default()
    };
    insta::assert_snapshot!(run(script, &mut backend, answers));
}

#[test]
fn legacy_format_warns_and_uses_the_profile() {
    let mut backend = FakeBackend {
        defaults: ProfileDefaults {
            sso_start_url: Some("https://d-123.awsapps.com/start".to_owned()),
            ..ProfileDefaults::default()
        },
        accounts: vec![account("111111111111", "prod", "prod@example.com")],
        roles: vec!["ReadOnly"],
        ..FakeBackend::default()
    };
    let script = vec![
        line(""),
        line(""),
        line("not a region"),
        line("us-east-1"),
        line(""),
        line(""),
    ];
    let answers = ConfigureAnswers {
        profile: Some(ProfileName::parse("legacy").unwrap()),
        ..ConfigureAnswers::default()
    };
    insta::assert_snapshot!(run(script, &mut backend, answers));
}

#[test]
fn many_accounts_are_filtered_and_picked() {
    let mut backend = FakeBackend {
        sessions: vec![my_sso()],
        accounts: vec![
            account("111111111111", "prod", "prod@example.com"),
            account("222222222222", "Dev", "dev@example.com"),
            account("333333333333", "sandbox", "sandbox@example.com"),
        ],
        roles: vec!["ReadOnly", "admin", "Billing"],
        ..FakeBackend::default()
    };
    let script = vec![
        line("my-sso"),
        Scripted::Key(Key::Char('S')),
        Scripted::Key(Key::Char('a')),
        Scripted::Key(Key::Enter),
        Scripted::Key(Key::End),
        Scripted::Key(Key::Up),
        Scripted::Key(Key::Enter),
        line(""),
        line(""),
        line(""),
    ];
    insta::assert_snapshot!(run(script, &mut backend, ConfigureAnswers::default()));
}

#[test]
fn vanity_url_gives_the_region_without_asking() {
    let mut backend = FakeBackend {
        vanity_region: Some("eu-central-1"),
        accounts: vec![account("111111111111", "prod", "prod@example.com")],
        roles: vec!["ReadOnly"],
        ..FakeBackend::default()
    };
    let script = vec![
        line("corp"),
        line("https://sso.example.com"),
        line("sso:account:access, codewhisperer:completions"),
        line(""),
        line(""),
        line("my-profile"),
    ];
    insta::assert_snapshot!(run(script, &mut backend, ConfigureAnswers::default()));
}

#[test]
fn non_interactive_names_every_missing_flag() {
    let mut backend = FakeBackend::default();
    let answers = ConfigureAnswers {
        non_interactive: true,
        sso_region: Some(Region::parse("us-east-1").unwrap()),
        ..ConfigureAnswers::default()
    };
    let out = run(vec![], &mut backend, answers);
    insta::assert_snapshot!(out, @r"
    --- backend ---

    --- outcome ---
    error: --non-interactive: missing --sso-session, --sso-start-url
    ");
    let answers = ConfigureAnswers {
        non_interactive: true,
        sso_session: Some(SessionChoice::Named(SessionName::parse("new").unwrap())),
        ..ConfigureAnswers::default()
    };
    let out = run(vec![], &mut FakeBackend::default(), answers);
    assert!(
        out.ends_with("error: --non-interactive: missing --sso-start-url, --sso-region"),
        "{out}"
    );
}

#[test]
fn non_interactive_with_many_accounts_asks_for_the_account_flag() {
    let mut backend = FakeBackend {
        sessions: vec![my_sso()],
        accounts: vec![
            account("111111111111", "prod", "prod@example.com"),
            account("222222222222", "Dev", "dev@example.com"),
        ],
        ..FakeBackend::default()
    };
    let answers = ConfigureAnswers {
        non_interactive: true,
        profile: Some(ProfileName::parse("dev").unwrap()),
        sso_session: Some(SessionChoice::Named(SessionName::parse("my-sso").unwrap())),
        ..ConfigureAnswers::default()
    };
    let out = run(vec![], &mut backend, answers);
    assert!(
        out.ends_with("error: --non-interactive: missing --account-id"),
        "{out}"
    );
}

#[test]
fn flags_only_never_prompt_sign_in_or_list() {
    let mut backend = FakeBackend::default();
    let answers = ConfigureAnswers {
        profile: Some(ProfileName::parse("dev").unwrap()),
        sso_session: Some(SessionChoice::Named(SessionName::parse("my-sso").unwrap())),
        sso_start_url: Some(StartUrl::parse("https://d-123.awsapps.com/start").unwrap()),
        sso_region: Some(Region::parse("us-east-1").unwrap()),
        scopes: None,
        account_id: Some(AccountId::parse("123456789012").unwrap()),
        role_name: Some(RoleName::parse("ReadOnly").unwrap()),
        region: Some(Region::parse("eu-west-1").unwrap()),
        output: Some(CliOutputFormat::parse("json").unwrap()),
        non_interactive: true,
        use_device_code: false,
        no_browser: false,
    };
    let out = run(vec![], &mut backend, answers);
    assert!(!out.contains("login("), "{out}");
    assert!(!out.contains("list_"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn escape_in_a_menu_interrupts() {
    let mut backend = FakeBackend {
        sessions: vec![my_sso()],
        accounts: vec![
            account("111111111111", "prod", "prod@example.com"),
            account("222222222222", "Dev", "dev@example.com"),
        ],
        ..FakeBackend::default()
    };
    let script = vec![line("my-sso"), Scripted::Key(Key::Escape)];
    let out = run(script, &mut backend, ConfigureAnswers::default());
    assert!(out.ends_with("error: cancelled"), "{out}");
    assert!(!out.contains("write_profile"), "{out}");
}

#[test]
fn sso_session_wizard_writes_the_section_without_login() {
    let mut backend = FakeBackend {
        sessions: vec![my_sso()],
        ..FakeBackend::default()
    };
    let mut terminal = ScriptedTerminal::new(
        vec![
            line(""),
            line("my-sso"),
            line(""),
            line("eu-west-1"),
            line(""),
        ],
        true,
    );
    let plan = configure_session(&mut terminal, &mut backend, SessionAnswers::default()).unwrap();
    assert!(plan.existing);
    insta::assert_snapshot!(format!(
        "{}\n--- backend ---\n{}",
        terminal.transcript(),
        backend.calls.join("\n")
    ));
}

#[test]
fn sso_session_wizard_non_interactive_needs_a_name() {
    let mut backend = FakeBackend::default();
    let mut terminal = ScriptedTerminal::new(vec![], true);
    let answers = SessionAnswers {
        non_interactive: true,
        ..SessionAnswers::default()
    };
    let error = configure_session(&mut terminal, &mut backend, answers).unwrap_err();
    assert_eq!(
        error.to_string(),
        "--non-interactive: missing --sso-session, --sso-start-url, --sso-region"
    );
}

fn existing_dev_profile() -> FakeBackend {
    FakeBackend {
        sessions: vec![my_sso()],
        defaults: ProfileDefaults {
            sso_session: Some("my-sso".to_owned()),
            sso_account_id: Some("222222222222".to_owned()),
            sso_role_name: Some("ReadOnlyAccess".to_owned()),
            region: Some("eu-west-1".to_owned()),
            output: Some("json".to_owned()),
            ..ProfileDefaults::default()
        },
        accounts: vec![
            account("111111111111", "Development", "dev@example.com"),
            account("222222222222", "Production", "prod@example.com"),
        ],
        roles: vec!["AdministratorAccess", "ReadOnlyAccess"],
        ..FakeBackend::default()
    }
}

/// Enter at the session question, both menus, the region and the output format.
fn enter_everywhere() -> Vec<Scripted> {
    vec![
        line(""),
        Scripted::Key(Key::Enter),
        Scripted::Key(Key::Enter),
        line(""),
        line(""),
    ]
}

fn dev_answers() -> ConfigureAnswers {
    ConfigureAnswers {
        profile: Some(ProfileName::parse("dev").unwrap()),
        ..ConfigureAnswers::default()
    }
}

#[test]
fn enter_everywhere_keeps_the_current_account_and_role() {
    let mut backend = existing_dev_profile();
    let out = run(enter_everywhere(), &mut backend, dev_answers());
    assert!(
        out.contains("> Production, prod@example.com (222222222222)"),
        "{out}"
    );
    assert!(out.contains("Using the account ID 222222222222"), "{out}");
    assert!(
        out.contains("Using the role name \"ReadOnlyAccess\""),
        "{out}"
    );
    assert!(out.ends_with("ok"), "{out}");
}

#[test]
fn numbered_menus_offer_the_current_values_as_default() {
    let mut backend = existing_dev_profile();
    let mut terminal =
        ScriptedTerminal::new([line(""), line(""), line(""), line(""), line("")], false);
    let plan = configure(&mut terminal, &mut backend, dev_answers()).unwrap();
    let transcript = terminal.transcript();
    assert!(
        transcript.contains("Enter a number [1-2, Enter keeps 2]: "),
        "{transcript}"
    );
    assert_eq!(plan.account_id.unwrap().as_str(), "222222222222");
    assert_eq!(plan.role_name.unwrap().as_str(), "ReadOnlyAccess");
}

#[test]
fn a_current_account_that_is_gone_is_said_and_must_be_chosen() {
    let mut backend = existing_dev_profile();
    backend.accounts = vec![account("111111111111", "Development", "dev@example.com")];
    backend.roles = vec!["ReadOnlyAccess"];
    let mut terminal =
        ScriptedTerminal::new([line(""), line(""), line("1"), line(""), line("")], false);
    let plan = configure(&mut terminal, &mut backend, dev_answers()).unwrap();
    let transcript = terminal.transcript();
    assert!(
        transcript.contains(
            "The profile's account 222222222222 is no longer available to you; choose another."
        ),
        "{transcript}"
    );
    // The only account was not picked silently: the user typed 1 after an empty answer.
    assert!(
        transcript.contains("Please enter a number between 1 and 1."),
        "{transcript}"
    );
    assert_eq!(plan.account_id.unwrap().as_str(), "111111111111");
}

#[test]
fn a_rejected_cached_token_signs_in_again() {
    let mut backend = existing_dev_profile();
    backend.reuses_cached = true;
    backend.unauthorized = 1;
    let out = run(enter_everywhere(), &mut backend, dev_answers());
    assert!(out.contains(REJECTED), "{out}");
    assert_eq!(out.matches("login(").count(), 2, "{out}");
    assert!(out.contains("force_new=true"), "{out}");
    assert!(out.ends_with("ok"), "{out}");
}

#[test]
fn a_rejected_token_without_a_user_is_login_required() {
    let mut backend = existing_dev_profile();
    backend.reuses_cached = true;
    backend.unauthorized = 1;
    backend.defaults.sso_role_name = None;
    let answers = ConfigureAnswers {
        non_interactive: true,
        ..dev_answers()
    };
    let mut terminal = ScriptedTerminal::new([], false);
    let error = configure(&mut terminal, &mut backend, answers).unwrap_err();
    assert!(matches!(error, CliError::LoginRequired { .. }), "{error:?}");
    assert!(!backend.calls.iter().any(|c| c.starts_with("write_profile")));
}
