//! `login::login` against the emulator: device code (pending, slow_down, denied, expired) and
//! PKCE with a stand-in browser (through the loopback listener, or pasted back).

use std::sync::Mutex;
use std::time::Duration;

use crate::clock::SystemClock;
use crate::env::Env;
use crate::login::{LoginError, LoginFlow, LoginOptions, PastedQueries, login};
use sso_cache::{CacheEntry as _, ClientRegistration, RegistrationFlow};
use sso_emulator::Emulator;

use super::signin_support::{Recorder, Setup};

#[tokio::test]
async fn device_code_pending_then_slow_down_then_success_writes_both_cache_entries() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    let url = setup.emu.url().to_owned();
    let emu = &setup.emu;
    let prompt = Recorder {
        // Once the code is shown, the next poll is told to slow down, and the user approves
        // two seconds later through the emulator's control API.
        on_code: Some(Box::new(move |code: &str| {
            emu.update_config(|c| c.slow_down_polls = 1).unwrap();
            let approve = format!("{url}/emulator/device/approve?user_code={code}");
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let client = reqwest::Client::builder().no_proxy().build().unwrap();
                let response = client.post(approve).send().await.unwrap();
                assert!(response.status().is_success());
            });
        })),
        ..Recorder::default()
    };
    let mut options = LoginOptions::new(LoginFlow::DeviceCode);
    options.no_browser = true;
    let started = std::time::Instant::now();
    let outcome = login(
        &setup.http,
        &setup.sso_cache(),
        &target,
        &options,
        &prompt,
        &SystemClock,
    )
    .await
    .unwrap();
    // pending (immediate first poll), slow_down after 1 s, token after 1 + 5 s more.
    assert!(
        started.elapsed() >= Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    let stats = setup.emu.stats();
    assert_eq!(stats.register_client, 1);
    assert_eq!(stats.start_device_authorization, 1);
    assert_eq!(stats.create_token_device_code, 3);
    let calls = prompt.calls();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(
        calls[0].starts_with("code ") && calls[0].ends_with("(complete: true, browser: false)")
    );
    assert_eq!(calls[1], "waiting");
    assert_eq!(calls[2], "signed in https://d-123.awsapps.com/start");

    assert_eq!(outcome.start_url, "https://d-123.awsapps.com/start");
    assert_eq!(outcome.session_name.as_deref(), Some("my-sso"));
    assert!(outcome.refreshable);
    let json = setup.token_json(&target);
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "startUrl",
            "region",
            "accessToken",
            "expiresAt",
            "clientId",
            "clientSecret",
            "registrationExpiresAt",
            "refreshToken"
        ]
    );
    assert_eq!(json["startUrl"], "https://d-123.awsapps.com/start");
    assert_eq!(json["region"], "us-east-1");
    assert!(json["accessToken"].as_str().unwrap().starts_with("emu-at-"));
    assert_eq!(json["expiresAt"], outcome.expires_at.to_string());

    // The registration entry, as the CLI writes it for the device flow: no grantTypes.
    let key = target.registration_key(RegistrationFlow::DeviceCode);
    let registration: ClientRegistration = setup.sso_cache().read(&key).unwrap().unwrap();
    assert_eq!(registration.client_id, json["clientId"]);
    assert_eq!(
        registration.scopes,
        Some(vec!["sso:account:access".to_owned()])
    );
    assert_eq!(registration.grant_types, None);
    assert!(!registration.to_json().contains("grantTypes"));

    // A second login reuses the registration.
    setup.device_login(&target).await;
    assert_eq!(setup.emu.stats().register_client, 1);
}

#[tokio::test]
async fn device_code_denied() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    let prompt = Recorder {
        on_code: Some(Box::new(|code: &str| setup.emu.deny_device(code).unwrap())),
        ..Recorder::default()
    };
    let mut options = LoginOptions::new(LoginFlow::DeviceCode);
    options.no_browser = true;
    let error = login(
        &setup.http,
        &setup.sso_cache(),
        &target,
        &options,
        &prompt,
        &SystemClock,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, LoginError::Denied { .. }), "{error:?}");
    assert!(!setup.sso_cache().entry_path(&target.token_key()).exists());
}

#[tokio::test]
async fn device_code_expired() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.profile("legacy");
    let prompt = Recorder {
        // Nobody approves, and the emulator's clock jumps past the code's lifetime.
        on_code: Some(Box::new(|_: &str| {
            setup
                .emu
                .update_config(|c| c.clock_offset_secs += 700)
                .unwrap();
        })),
        ..Recorder::default()
    };
    // PKCE is asked for, but a legacy profile always uses the device flow.
    let mut options = LoginOptions::new(LoginFlow::Pkce);
    options.no_browser = true;
    let error = login(
        &setup.http,
        &setup.sso_cache(),
        &target,
        &options,
        &prompt,
        &SystemClock,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, LoginError::DeviceCodeExpired), "{error:?}");
    assert!(error.to_string().contains("expired"), "{error}");
    assert_eq!(setup.emu.stats().create_token_device_code, 2);
}

/// A stand-in browser: follows the authorize URL's redirect to our loopback listener and
/// reports the page it ended on.
async fn browse(url: String) -> (u16, String) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn pkce_through_the_loopback_listener() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    let page = std::sync::Arc::new(Mutex::new(None));
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let done_tx = Mutex::new(Some(done_tx));
    let page_for_browser = page.clone();
    let prompt = Recorder {
        on_url: Some(Box::new(move |url: &str| {
            assert!(
                url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
                "{url}"
            );
            let url = url.to_owned();
            let page = page_for_browser.clone();
            let done = done_tx.lock().unwrap().take().unwrap();
            tokio::spawn(async move {
                *page.lock().unwrap() = Some(browse(url).await);
                let _ = done.send(());
            });
        })),
        ..Recorder::default()
    };
    let mut options = LoginOptions::new(LoginFlow::Pkce);
    options.no_browser = true;
    let outcome = login(
        &setup.http,
        &setup.sso_cache(),
        &target,
        &options,
        &prompt,
        &SystemClock,
    )
    .await
    .unwrap();
    done_rx.await.unwrap();
    let (status, body) = page.lock().unwrap().take().unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("signed in"), "{body}");
    assert_eq!(prompt.calls()[0], "authorize (browser: false)");
    assert!(outcome.refreshable);
    let stats = setup.emu.stats();
    assert_eq!(stats.authorize, 1);
    assert_eq!(stats.create_token_authorization_code, 1);

    let key = target.registration_key(RegistrationFlow::AuthorizationCode);
    let registration: ClientRegistration = setup.sso_cache().read(&key).unwrap().unwrap();
    assert_eq!(
        registration.grant_types,
        Some(vec![
            "authorization_code".to_owned(),
            "refresh_token".to_owned()
        ])
    );
    assert_eq!(
        setup.token_json(&target)["clientId"],
        registration.client_id.as_str()
    );
}

#[tokio::test]
async fn pkce_with_a_pasted_callback() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    let (paste_tx, paste_rx) = tokio::sync::mpsc::channel(1);
    let prompt = Recorder {
        on_url: Some(Box::new(move |url: &str| {
            // The browser runs elsewhere: it is redirected to a 127.0.0.1 that is not ours, and
            // the user pastes the address.
            let url = url.to_owned();
            let paste_tx = paste_tx.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .no_proxy()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                let response = client.get(url).send().await.unwrap();
                let location = response.headers()["location"].to_str().unwrap().to_owned();
                let query = sso_oidc::callback::parse_pasted_callback(&location).unwrap();
                paste_tx.send(query).await.unwrap();
            });
        })),
        ..Recorder::default()
    };
    let mut options = LoginOptions::new(LoginFlow::Pkce);
    options.no_browser = true;
    options.pasted = Some(PastedQueries::new(paste_rx));
    login(
        &setup.http,
        &setup.sso_cache(),
        &target,
        &options,
        &prompt,
        &SystemClock,
    )
    .await
    .unwrap();
    assert_eq!(setup.emu.stats().create_token_authorization_code, 1);
}

#[tokio::test]
async fn pkce_callbacks_that_are_not_ours_are_refused_and_the_real_one_signs_in() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    let pages = std::sync::Arc::new(Mutex::new(Vec::new()));
    let pages_for_browser = pages.clone();
    let prompt = Recorder {
        on_url: Some(Box::new(move |url: &str| {
            let redirect = url::Url::parse(url)
                .unwrap()
                .query_pairs()
                .find(|(k, _)| k == "redirect_uri")
                .unwrap()
                .1
                .into_owned();
            let url = url.to_owned();
            let pages = pages_for_browser.clone();
            tokio::spawn(async move {
                // Anyone on this machine can send these first; none may end the login.
                for stray in [
                    "code=forged&state=not-ours",
                    "code=forged",
                    "code=forged&state=",
                    "error=access_denied",
                    "error=access_denied&error_description=go+away&state=not-ours",
                ] {
                    let page = browse(format!("{redirect}?{stray}")).await;
                    pages.lock().unwrap().push((stray, page));
                }
                let page = browse(url).await;
                pages.lock().unwrap().push(("real", page));
            });
        })),
        ..Recorder::default()
    };
    let mut options = LoginOptions::new(LoginFlow::Pkce);
    options.no_browser = true;
    let outcome = login(
        &setup.http,
        &setup.sso_cache(),
        &target,
        &options,
        &prompt,
        &SystemClock,
    )
    .await
    .unwrap();
    assert!(outcome.refreshable);
    for _ in 0..100 {
        if pages.lock().unwrap().len() == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let pages = pages.lock().unwrap();
    assert_eq!(pages.len(), 6, "{pages:?}");
    for (query, (status, body)) in &pages[..5] {
        assert_eq!(*status, 400, "{query}: {body}");
        assert!(
            body.contains("not for the sign-in waiting here"),
            "{query}: {body}"
        );
        assert!(!body.contains("forged"), "{body}");
    }
    assert_eq!(pages[5].1.0, 200, "{:?}", pages[5]);
    assert_eq!(setup.emu.stats().create_token_authorization_code, 1);
}

#[tokio::test]
async fn pkce_fixed_port_in_use() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut options = LoginOptions::new(LoginFlow::Pkce);
    options.no_browser = true;
    options.redirect_port = Some(taken.local_addr().unwrap().port());
    let error = login(
        &setup.http,
        &setup.sso_cache(),
        &target,
        &options,
        &Recorder::default(),
        &SystemClock,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, LoginError::PortInUse { .. }), "{error:?}");
    assert!(error.to_string().contains("is in use"), "{error}");
    assert_eq!(setup.emu.stats().register_client, 0);
}

#[tokio::test]
async fn absurd_token_lifetimes_are_refused_or_bounded() {
    let setup = Setup::start(Emulator::builder().auto_approve(true)).await;
    let target = setup.session("my-sso");
    let mut options = LoginOptions::new(LoginFlow::DeviceCode);
    options.no_browser = true;
    let cache = setup.sso_cache();
    let prompt = Recorder::default();
    let run = || {
        login(
            &setup.http,
            &cache,
            &target,
            &options,
            &prompt,
            &SystemClock,
        )
    };

    // `expiresIn` 0: the login fails instead of reporting success with a dead token.
    setup
        .emu
        .update_config(|c| c.token_lifetime_secs = 0)
        .unwrap();
    let error = run().await.unwrap_err();
    assert!(matches!(error, LoginError::BadResponse(_)), "{error:?}");
    assert!(error.to_string().contains("`expiresIn` 0"), "{error}");
    assert!(!setup.sso_cache().entry_path(&target.token_key()).exists());

    // `expiresIn` 2^63-1: cached with the documented maximum, readable again.
    setup
        .emu
        .update_config(|c| c.token_lifetime_secs = i64::MAX as u64)
        .unwrap();
    let before =
        sso_cache::Timestamp::from_unix_ms(crate::clock::WallClock::now_unix_ms(&SystemClock));
    let outcome = run().await.unwrap();
    let latest = before.saturating_add(sso_oidc::MAX_TOKEN_LIFETIME + Duration::from_secs(60));
    assert!(outcome.expires_at <= latest, "{}", outcome.expires_at);
    assert!(
        outcome.expires_at
            > before.saturating_add(sso_oidc::MAX_TOKEN_LIFETIME - Duration::from_secs(60))
    );
    assert_eq!(setup.token(&target).expires_at, outcome.expires_at);
}

/// `BROWSER=false` and no platform opener that works: the only candidates fail.
#[cfg(unix)]
fn failing_browser(options: &mut LoginOptions) {
    options.browser_env = crate::env::Env::from_vars([("BROWSER", "false")]);
    // macOS's `open` exists everywhere it is the platform opener; `xdg-open` on another Unix
    // may be missing or work, so pick Windows' `cmd`, which no Unix test machine has.
    options.platform = crate::browser::Platform::Windows;
}

#[cfg(unix)]
#[tokio::test]
async fn pkce_fails_at_once_when_no_browser_opens_and_shows_no_url() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    let prompt = Recorder::default();
    let mut options = LoginOptions::new(LoginFlow::Pkce);
    failing_browser(&mut options);
    let started = std::time::Instant::now();
    let error = setup.login(&target, &options, &prompt).await.unwrap_err();
    assert!(
        matches!(error, LoginError::BrowserNotOpened(_)),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("no browser could be opened (`false` exited with status 1; `cmd` "),
        "{error}"
    );
    assert!(prompt.calls().is_empty(), "{:?}", prompt.calls());
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[cfg(unix)]
#[tokio::test]
async fn device_code_says_the_browser_failed_and_shows_the_code() {
    let setup = Setup::start(Emulator::builder()).await;
    let target = setup.session("my-sso");
    let prompt = setup.approving_prompt();
    let mut options = LoginOptions::new(LoginFlow::DeviceCode);
    failing_browser(&mut options);
    setup.login(&target, &options, &prompt).await.unwrap();
    let calls = prompt.calls();
    assert!(
        calls[0].starts_with("browser failed: no browser could be opened (`false` exited"),
        "{calls:?}"
    );
    assert!(calls[1].ends_with("browser: false)"), "{calls:?}");
}

/// A front for the emulator: the vanity host `sso.example.com` redirects to an AWS-owned portal
/// in eu-west-1; every other request goes to the emulator, its body recorded.
struct VanityFront {
    inner: crate::http::HttpClient,
    probes: Mutex<Vec<String>>,
    bodies: Mutex<Vec<String>>,
}

impl crate::transport::Transport for VanityFront {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, crate::http::TransportError> {
        self.send_once(request).await
    }

    async fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, crate::http::TransportError> {
        if request.uri().host() == Some("sso.example.com") {
            self.probes
                .lock()
                .unwrap()
                .push(format!("{} {}", request.method(), request.uri()));
            return Ok(http::Response::builder()
                .status(302)
                .header("location", "https://ssoins-1234.portal.eu-west-1.app.aws/")
                .body(Vec::new())
                .unwrap());
        }
        self.bodies
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(request.body()).into_owned());
        self.inner.send_once(request).await
    }
}

#[tokio::test]
async fn a_vanity_start_url_signs_in_at_its_portal_in_the_portals_region() {
    let setup = Setup::start(Emulator::builder()).await;
    setup.emu.update_config(|c| c.auto_approve = true).unwrap();
    let front = VanityFront {
        inner: setup.http.clone(),
        probes: Mutex::default(),
        bodies: Mutex::default(),
    };
    let configured = "https://sso.example.com/start";
    let target = setup
        .aws
        .target_from_values(Some("vanity"), configured, "us-east-1", &[])
        .unwrap();
    assert!(crate::vanity::needs_resolution(&target.start_url));
    let resolved = crate::vanity::resolve(&front, configured, Duration::from_secs(5))
        .await
        .unwrap();
    let signing_in = setup.aws.signing_in_at(&target, &resolved).unwrap();
    assert_eq!(signing_in.region, "eu-west-1");
    assert_eq!(
        signing_in.sign_in_url.as_deref(),
        Some("https://ssoins-1234.portal.eu-west-1.app.aws")
    );
    assert_eq!(signing_in.token_key(), target.token_key());
    let mut options = LoginOptions::new(LoginFlow::DeviceCode);
    options.no_browser = true;
    let prompt = Recorder::default();
    login(
        &front,
        &setup.sso_cache(),
        &signing_in,
        &options,
        &prompt,
        &SystemClock,
    )
    .await
    .unwrap();
    assert_eq!(
        *front.probes.lock().unwrap(),
        ["HEAD https://sso.example.com/start"]
    );
    let bodies = front.bodies.lock().unwrap().join("\n");
    assert!(
        bodies.contains(r#""startUrl":"https://ssoins-1234.portal.eu-west-1.app.aws""#),
        "{bodies}"
    );
    assert!(!bodies.contains("sso.example.com"), "{bodies}");
    // The token is cached under the configured login and names it.
    let token = setup
        .sso_cache()
        .read::<sso_cache::CachedToken>(&target.token_key())
        .unwrap()
        .unwrap();
    assert_eq!(token.start_url.as_deref(), Some(configured));
    assert_eq!(token.region.as_deref(), Some("eu-west-1"));
}

/// A vanity host that answers every probe with a page of its own instead of a redirect to a
/// portal.
struct NotAPortal;

impl crate::transport::Transport for NotAPortal {
    async fn send(
        &self,
        _request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, crate::http::TransportError> {
        Ok(http::Response::builder()
            .status(200)
            .body(b"<html>intranet</html>".to_vec())
            .unwrap())
    }
}

#[test]
fn a_vanity_start_url_that_leads_to_no_portal_is_reported_at_its_line() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    std::fs::write(
        &config,
        "[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://sso.example.com/start\n",
    )
    .unwrap();
    let env = Env::from_vars([
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
    ]);
    let sso = crate::Sso::load(&env, crate::sso::Selection::Session("corp".into()))
        .unwrap()
        .with_transport(NotAPortal);
    let request = crate::sso::signin::SignInRequest {
        use_device_code: true,
        no_browser: true,
        ..Default::default()
    };
    match sso.sign_in(&request, &crate::prompt::SilentPrompt) {
        Err(crate::sso::signin::SignInError::Vanity {
            source,
            start_url,
            origin: Some(origin),
        }) => {
            assert!(
                !matches!(source, crate::vanity::VanityError::Transport(_)),
                "{source}"
            );
            assert_eq!(start_url, "https://sso.example.com/start");
            assert_eq!((origin.line, &*origin.file), (3, config.to_str().unwrap()));
        }
        other => panic!("expected a vanity error at its line, got {other:?}"),
    }
}
