//! Shared setup of the login, token and logout tests: an emulator, a HOME in a temporary
//! directory with a config pointing at it, and a prompt that plays the user.

use std::sync::Mutex;

use crate::clock::SystemClock;
use crate::context::{AwsContext, SsoTarget};
use crate::env::Env;
use crate::http::{HttpClient, HttpConfig};
use crate::login::{LoginFlow, LoginOptions, LoginOutcome, login};
use crate::prompt::{Prompt, UserCode};
use sso_cache::{CacheDir, CachedToken};
use sso_emulator::{EmulatorBuilder, RunningEmulator};

pub(crate) const CONFIG: &str = "\
[profile dev]
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess

[profile other-dev]
sso_session = other
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess

[sso-session my-sso]
sso_start_url = https://d-123.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[sso-session other]
sso_start_url = https://d-456.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
";

/// An emulator and a HOME configured for it.
pub(crate) struct Setup {
    pub(crate) emu: RunningEmulator,
    pub(crate) home: tempfile::TempDir,
    pub(crate) aws: AwsContext,
    pub(crate) http: HttpClient,
}

impl Setup {
    pub(crate) async fn start(builder: EmulatorBuilder) -> Self {
        let emu = builder
            .seed(7)
            .enforce_poll_interval(false)
            .start()
            .await
            .unwrap();
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("config");
        std::fs::write(&config, CONFIG).unwrap();
        let env = Env::from_vars([
            ("HOME", home.path().to_str().unwrap()),
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", emu.url()),
            ("AWS_ENDPOINT_URL_SSO", emu.url()),
        ]);
        let aws = AwsContext::load(&env, None).unwrap();
        let http = HttpClient::new(HttpConfig::default(), &env).unwrap();
        Self {
            emu,
            home,
            aws,
            http,
        }
    }

    pub(crate) fn env(&self) -> Env {
        self.aws.env().clone()
    }

    pub(crate) fn session(&self, name: &str) -> SsoTarget {
        self.aws.target_for_session(name).unwrap()
    }

    pub(crate) fn profile(&self, name: &str) -> SsoTarget {
        self.aws.target_for_profile(name).unwrap()
    }

    pub(crate) fn sso_cache(&self) -> CacheDir {
        self.aws.sso_cache().unwrap()
    }

    pub(crate) fn cli_cache(&self) -> CacheDir {
        self.aws.cli_cache().unwrap()
    }

    /// A device-code login approved by the emulator (auto-approve is switched on for it).
    pub(crate) async fn device_login(&self, target: &SsoTarget) -> LoginOutcome {
        self.emu.update_config(|c| c.auto_approve = true).unwrap();
        let prompt = Recorder::default();
        let mut options = LoginOptions::new(LoginFlow::DeviceCode);
        options.no_browser = true;
        let outcome = login(
            &self.http,
            &self.sso_cache(),
            target,
            &options,
            &prompt,
            &SystemClock,
        )
        .await
        .unwrap();
        self.emu.update_config(|c| c.auto_approve = false).unwrap();
        outcome
    }

    /// Runs a login of `target` with the system clock.
    pub(crate) async fn login(
        &self,
        target: &SsoTarget,
        options: &LoginOptions,
        prompt: &Recorder<'_>,
    ) -> Result<LoginOutcome, crate::login::LoginError> {
        login(
            &self.http,
            &self.sso_cache(),
            target,
            options,
            prompt,
            &SystemClock,
        )
        .await
    }

    /// A prompt that approves the device code through the emulator as soon as it is shown.
    pub(crate) fn approving_prompt(&self) -> Recorder<'static> {
        let url = self.emu.url().to_owned();
        Recorder {
            on_code: Some(Box::new(move |code: &str| {
                let approve = format!("{url}/emulator/device/approve?user_code={code}");
                tokio::spawn(async move {
                    let client = reqwest::Client::builder().no_proxy().build().unwrap();
                    let response = client.post(approve).send().await.unwrap();
                    assert!(response.status().is_success());
                });
            })),
            ..Recorder::default()
        }
    }

    /// The cached token of `target`.
    pub(crate) fn token(&self, target: &SsoTarget) -> CachedToken {
        self.sso_cache().read(&target.token_key()).unwrap().unwrap()
    }

    /// The raw JSON of the cached token of `target`.
    pub(crate) fn token_json(&self, target: &SsoTarget) -> serde_json::Value {
        let path = self.sso_cache().entry_path(&target.token_key());
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }
}

/// A prompt that records what it was asked to show and can act on the user code.
/// A callback of the test prompt.
pub(crate) type Hook<'a> = Box<dyn Fn(&str) + Send + Sync + 'a>;

#[derive(Default)]
pub(crate) struct Recorder<'a> {
    pub(crate) calls: Mutex<Vec<String>>,
    pub(crate) on_code: Option<Hook<'a>>,
    pub(crate) on_url: Option<Hook<'a>>,
}

impl Recorder<'_> {
    pub(crate) fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

impl Prompt for Recorder<'_> {
    fn show_user_code(&self, code: &UserCode<'_>, browser_opening: bool) {
        self.calls.lock().unwrap().push(format!(
            "code {} at {} (complete: {}, browser: {browser_opening})",
            code.user_code,
            code.verification_uri,
            code.verification_uri_complete.is_some()
        ));
        if let Some(on_code) = &self.on_code {
            on_code(code.user_code);
        }
    }

    fn show_authorize_url(&self, url: &str, browser_opening: bool) {
        self.calls
            .lock()
            .unwrap()
            .push(format!("authorize (browser: {browser_opening})"));
        if let Some(on_url) = &self.on_url {
            on_url(url);
        }
    }

    fn browser_failed(&self, error: &crate::browser::BrowserError) {
        self.calls
            .lock()
            .unwrap()
            .push(format!("browser failed: {error}"));
    }

    fn waiting(&self, _deadline_unix_ms: u64) {
        self.calls.lock().unwrap().push("waiting".to_owned());
    }

    fn signed_in(&self, start_url: &str) {
        self.calls
            .lock()
            .unwrap()
            .push(format!("signed in {start_url}"));
    }
}
