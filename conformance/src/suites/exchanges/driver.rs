//! The `exchanges-driver` suite: every `fixtures/exchanges/**/exchange.json` transcript replayed
//! through the real `sso-driver` (login, token provider, account listing) against a local
//! replay server, the second replay that docs/architecture.md promises next to the machines'
//! one in [`super`].
//!
//! For each case: a replay server on `127.0.0.1` serves the recorded responses in order and
//! checks every request ([`replay`]); a temporary HOME holds the case's cached state (a client
//! registration, or the token to refresh); the endpoints reach the server through
//! `AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_SSO` in the [`Env`] the use-case handle
//! ([`Sso`]) is loaded from; the login is [`Sso::login_from_answers`]; and the handle runs on
//! virtual time with the replay transport ([`harness`]), injected through its
//! `with_transport`, `with_clock`, `with_runtime` and `with_pkce_entropy`. The handle's use
//! cases are what is driven: [`Sso::sign_in_to`], [`Sso::access_token_of`] and
//! [`Sso::accounts_of`]. Then the outcome, the cache files written, and the order of requests
//! and prompt events are compared with the transcript. The format and the choices (fixed PKCE entropy,
//! port substitution, the refresh pre-state) are documented in docs/exchanges.md.

mod harness;
mod replay;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sso_cache::{CacheDir, CachedToken, RegistrationFlow, UnknownFields};
use sso_driver::Sso;
use sso_driver::env::Env;
use sso_driver::sso::signin::{LOGIN_FLOW_ENV, LoginError, SignInError, SignInRequest};
use sso_driver::sso::{Selection, SsoTarget, TokenError};
use sso_driver::transport::{HttpClient, HttpConfig};
use sso_oidc::Entropy;
use tokio::sync::mpsc;

use super::transcript::{self, EventSpec, OutcomeSpec, Step, TokensSpec, Transcript};
use crate::Context;
use crate::report::SuiteReport;
use harness::{Redirect, ReplayClock, ReplayPrompt, ReplayTransport};
use replay::{Exchange, Observed, Replay, ReplayServer};

/// A case that has not finished after this much real time has failed (the driver hangs).
const CASE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long after `start` the cached access token of a `list_accounts` case stays valid.
const LIST_PRE_STATE_VALID_FOR: u64 = 3_600_000;

/// How long before `start` the cached access token of a `refresh` case expired.
const REFRESH_PRE_STATE_EXPIRED_FOR: u64 = 60_000;

/// Runs the suite.
pub(crate) fn run(context: &Context) -> SuiteReport {
    let mut report = SuiteReport::new("exchanges-driver");
    let dir = context.root.join("fixtures/exchanges");
    let cases = transcript::discover(&dir);
    if cases.is_empty() {
        report.fail(
            "fixtures",
            format!("no exchange.json found under {}", dir.display()),
        );
        return report;
    }
    // The replay servers and the HTTP client's connections live on an ordinary runtime; each
    // case's driver gets a paused one of its own.
    let io = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(io) => io,
        Err(error) => {
            report.fail("runtime", format!("cannot start a tokio runtime: {error}"));
            return report;
        }
    };
    for (name, path) in cases {
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|text| transcript::parse_transcript(&text));
        match parsed {
            Ok(transcript) => match drivable(&transcript) {
                Ok(()) => report.record(name, run_guarded(transcript, io.handle())),
                Err(why) => report.skip(name, why),
            },
            Err(why) => report.fail(name, why),
        }
    }
    io.shutdown_timeout(Duration::from_secs(1));
    report
}

/// `Err(reason)` for a transcript the driver cannot replay; such cases are skipped.
fn drivable(transcript: &Transcript) -> Result<(), String> {
    let flow = &transcript.flow;
    match flow.kind.as_str() {
        "device_code" | "list_accounts" => Ok(()),
        "authorization_code" if flow.session_name.is_none() => Err(
            "a legacy profile cannot use PKCE: the driver would run the device flow instead"
                .to_owned(),
        ),
        "authorization_code" if transcript.entropy.is_none() => {
            Err("no recorded entropy to give the driver".to_owned())
        }
        "authorization_code" => Ok(()),
        "refresh" if flow.session_name.is_none() => {
            Err("legacy profiles never refresh in the driver".to_owned())
        }
        "refresh" => Ok(()),
        other => Err(format!("no driver entry point for flow kind `{other}`")),
    }
}

/// Runs one case on a thread of its own, so that a hanging driver fails the case instead of
/// the harness.
fn run_guarded(transcript: Transcript, io: &tokio::runtime::Handle) -> Result<(), String> {
    let (sender, receiver) = std::sync::mpsc::channel();
    let io = io.clone();
    std::thread::Builder::new()
        .name("exchanges-driver".to_owned())
        .spawn(move || {
            // The receiver is gone only after a timeout, which is already reported.
            let _ = sender.send(run_case(transcript, &io));
        })
        .map_err(|e| format!("cannot start the case's thread: {e}"))?;
    receiver.recv_timeout(CASE_TIMEOUT).unwrap_or_else(|_| {
        Err(format!(
            "the driver did not finish within {} s of real time",
            CASE_TIMEOUT.as_secs()
        ))
    })
}

/// What the driver should produce, in the order the transcript lists it.
#[derive(Debug)]
enum Expected {
    Request { step: usize },
    Event { step: usize, spec: EventSpec },
}

/// A transcript split into the server's exchanges, the browser's redirects and the order of
/// requests and events.
struct Plan {
    exchanges: Vec<Exchange>,
    redirects: Vec<Redirect>,
    expected: Vec<Expected>,
    /// `client_id` of a `client_registered` event: the registration the driver must cache.
    registered: Option<String>,
}

fn plan(transcript: &mut Transcript) -> Plan {
    let start = transcript.start;
    let mut plan = Plan {
        exchanges: Vec::new(),
        redirects: Vec::new(),
        expected: Vec::new(),
        registered: None,
    };
    let mut after_wait = None;
    for (step, entry) in transcript.steps.iter_mut().enumerate() {
        let Step {
            at,
            request,
            response,
            event,
            wait_until,
            redirect,
            ..
        } = entry;
        if let (Some(request), Some(response)) = (request.take(), response.take()) {
            plan.exchanges.push(Exchange {
                step,
                at: start + *at,
                after_wait: after_wait.take(),
                request,
                response,
            });
            plan.expected.push(Expected::Request { step });
        } else if let Some(event) = event.take() {
            if event.kind == "client_registered" {
                // Not shown to the user: the driver caches the registration instead.
                plan.registered = event.client_id.clone().or(Some(String::new()));
            } else {
                plan.expected.push(Expected::Event { step, spec: event });
            }
        } else if let Some(wait_until) = wait_until {
            after_wait = Some(start + *wait_until);
        } else if let Some(query) = redirect.take() {
            plan.redirects.push(Redirect {
                step,
                at: start + *at,
                query,
            });
        }
    }
    plan
}

/// Everything one case needs besides the driver's runtime.
struct Case {
    transcript: Transcript,
    plan: Plan,
    replay: Arc<Replay>,
    _home: tempfile::TempDir,
    /// The case's environment: its HOME and the endpoint overrides.
    env: Env,
    target: SsoTarget,
    cache: CacheDir,
    http: HttpClient,
}

fn run_case(mut transcript: Transcript, io: &tokio::runtime::Handle) -> Result<(), String> {
    let mut plan = plan(&mut transcript);
    let replay = Arc::new(Replay::new(std::mem::take(&mut plan.exchanges)));
    let server = io
        .block_on(ReplayServer::start(Arc::clone(&replay)))
        .map_err(|e| format!("cannot start the replay server: {e}"))?;
    if let Some(recorded) = &transcript.flow.oidc_endpoint {
        replay.substitute(
            recorded.trim_end_matches('/').to_owned(),
            server.url().to_owned(),
        );
    }
    let home = tempfile::tempdir().map_err(|e| format!("cannot make a temporary HOME: {e}"))?;
    let (env, target, cache, http) = setup(&transcript, home.path(), server.url())?;
    let case = Case {
        transcript,
        plan,
        replay,
        _home: home,
        env,
        target,
        cache,
        http,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .map_err(|e| format!("cannot start the driver's runtime: {e}"))?;
    let outcome = drive(&case, io, Arc::new(runtime));
    drop(server);
    // Request mismatches explain a failure better than the driver's reaction to them.
    case.replay.finish()?;
    outcome?;
    check_timeline(&case)
}

/// The case's environment, login, cache and HTTP client; writes the cached pre-state.
fn setup(
    transcript: &Transcript,
    home: &Path,
    server_url: &str,
) -> Result<(Env, SsoTarget, CacheDir, HttpClient), String> {
    let flow = &transcript.flow;
    let home_str = home.to_str().ok_or("the temporary HOME is not UTF-8")?;
    let config = home.join("config");
    let config_str = config.to_str().ok_or("the temporary HOME is not UTF-8")?;
    let values = |overrides: bool| {
        let mut vars = vec![("HOME", home_str), ("AWS_CONFIG_FILE", config_str)];
        if overrides {
            vars.push(("AWS_ENDPOINT_URL_SSO_OIDC", server_url));
            vars.push(("AWS_ENDPOINT_URL_SSO", server_url));
        }
        if flow.kind == "authorization_code" {
            // The flow the transcript recorded, whatever this host's display says.
            vars.push((LOGIN_FLOW_ENV, "pkce"));
        }
        let env = Env::from_vars(vars);
        let sso = Sso::load(&env, Selection::Default).map_err(|e| e.to_string())?;
        let target = sso
            .login_from_answers(
                flow.session_name.as_deref(),
                &flow.start_url,
                region(transcript),
                &flow.scopes,
            )
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((env, sso, target))
    };
    // Without the overrides, the target must resolve the endpoints the transcript recorded.
    let (_, _, plain) = values(false)?;
    for (recorded, resolved, name) in [
        (&flow.oidc_endpoint, &plain.oidc_endpoint, "oidc_endpoint"),
        (
            &flow.portal_endpoint,
            &plain.portal_endpoint,
            "portal_endpoint",
        ),
    ] {
        if let Some(recorded) = recorded
            && recorded.trim_end_matches('/') != resolved.as_str().trim_end_matches('/')
        {
            return Err(format!(
                "flow.{name} is {recorded}, but the driver resolves {} for region {}",
                resolved.as_str(),
                region(transcript)
            ));
        }
    }
    let (env, sso, target) = values(true)?;
    let cache = sso.config().sso_cache().ok_or("no home directory")?;
    write_pre_state(transcript, &target, &cache)?;
    let http = HttpClient::new(HttpConfig::default(), &env).map_err(|e| e.to_string())?;
    Ok((env, target, cache, http))
}

/// The transcript's region; `list_accounts` transcripts record none, and take it from the
/// portal endpoint.
fn region(transcript: &Transcript) -> &str {
    let flow = &transcript.flow;
    if !flow.region.is_empty() {
        return &flow.region;
    }
    flow.portal_endpoint
        .as_deref()
        .and_then(|url| url.strip_prefix("https://portal.sso."))
        .and_then(|rest| rest.split('.').next())
        .unwrap_or("us-east-1")
}

/// A cached registration for the login flows; the token to refresh for `refresh`; the signed-in
/// token for `list_accounts`.
fn write_pre_state(
    transcript: &Transcript,
    target: &SsoTarget,
    cache: &CacheDir,
) -> Result<(), String> {
    let flow = &transcript.flow;
    let ms = sso_cache::Timestamp::from_unix_ms;
    let write_error = |e: sso_cache::CacheError| format!("cannot write the pre-state: {e}");
    if flow.kind == "list_accounts" {
        // The recorded bearer token, signed in and valid for the whole case.
        let access_token = flow
            .access_token
            .as_deref()
            .ok_or("list_accounts needs access_token")?;
        let token = CachedToken {
            start_url: Some(flow.start_url.clone()),
            region: Some(region(transcript).to_owned()),
            access_token: sso_cache::AccessToken::new(access_token),
            expires_at: ms(transcript.start.saturating_add(LIST_PRE_STATE_VALID_FOR)),
            client_id: None,
            client_secret: None,
            registration_expires_at: None,
            refresh_token: None,
            unknown: UnknownFields::new(),
        };
        return cache
            .write(&target.token_key(), &token)
            .map_err(write_error);
    }
    let Some(registration) = &flow.registration else {
        return Ok(());
    };
    match flow.kind.as_str() {
        "refresh" => {
            let refresh_token = flow
                .refresh_token
                .as_deref()
                .ok_or("refresh needs refresh_token")?;
            let expired_at = transcript
                .start
                .saturating_sub(REFRESH_PRE_STATE_EXPIRED_FOR);
            let token = CachedToken {
                start_url: Some(flow.start_url.clone()),
                region: Some(flow.region.clone()),
                access_token: sso_cache::AccessToken::new("<ACCESS_TOKEN_0>"),
                expires_at: ms(expired_at),
                client_id: Some(registration.client_id.clone()),
                client_secret: Some(sso_cache::ClientSecret::new(
                    registration.client_secret.as_str(),
                )),
                registration_expires_at: Some(ms(registration.expires_at)),
                refresh_token: Some(sso_cache::RefreshToken::new(refresh_token)),
                unknown: UnknownFields::new(),
            };
            cache
                .write(&target.token_key(), &token)
                .map_err(write_error)
        }
        kind => {
            let registration_flow = if kind == "authorization_code" {
                RegistrationFlow::AuthorizationCode
            } else {
                RegistrationFlow::DeviceCode
            };
            let entry = sso_cache::ClientRegistration {
                client_id: registration.client_id.clone(),
                client_secret: sso_cache::ClientSecret::new(registration.client_secret.as_str()),
                expires_at: ms(registration.expires_at),
                scopes: (!registration.scopes.is_empty()).then(|| registration.scopes.clone()),
                grant_types: (!registration.grant_types.is_empty())
                    .then(|| registration.grant_types.clone()),
                unknown: UnknownFields::new(),
            };
            cache
                .write(&target.registration_key(registration_flow), &entry)
                .map_err(write_error)
        }
    }
}

/// Runs the use case of the case's flow kind on a handle wired to the replay (virtual time on
/// `runtime`, the replay transport) and checks its outcome.
fn drive(
    case: &Case,
    io: &tokio::runtime::Handle,
    runtime: Arc<tokio::runtime::Runtime>,
) -> Result<(), String> {
    let transcript = &case.transcript;
    // The clock reads the paused runtime's time, here too between the handle's calls.
    let _virtual_time = runtime.enter();
    let clock = Arc::new(ReplayClock::new(transcript.start));
    let transport = ReplayTransport {
        http: case.http.clone(),
        io: io.clone(),
        clock: Arc::clone(&clock),
        replay: Arc::clone(&case.replay),
    };
    let mut sso = Sso::load(&case.env, Selection::Default)
        .map_err(|e| e.to_string())?
        .with_transport(transport)
        .with_clock(Arc::clone(&clock))
        .with_runtime(Arc::clone(&runtime));
    if let Some(entropy) = &transcript.entropy {
        sso = sso.with_pkce_entropy(Entropy::new(
            transcript::hex_bytes(&entropy.verifier_hex)?,
            transcript::hex_bytes(&entropy.state_hex)?,
        ));
    }
    match transcript.flow.kind.as_str() {
        "device_code" | "authorization_code" => drive_login(case, &sso, &runtime, &clock),
        "refresh" => check_refresh(case, sso.access_token_of(&case.target)),
        "list_accounts" => {
            let result = sso.accounts_of(&case.target);
            match (&transcript.outcome.accounts, result) {
                (Some(want), Ok(accounts)) => {
                    let got: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
                    if got == *want {
                        Ok(())
                    } else {
                        Err(format!("expected accounts {want:?}, got {got:?}"))
                    }
                }
                (want, got) => Err(format!("expected {want:?}, got {got:?}")),
            }
        }
        other => Err(format!("unknown flow kind `{other}`")),
    }
}

fn drive_login(
    case: &Case,
    sso: &Sso,
    runtime: &tokio::runtime::Runtime,
    clock: &Arc<ReplayClock>,
) -> Result<(), String> {
    let transcript = &case.transcript;
    let pkce = transcript.flow.kind == "authorization_code";
    let request = SignInRequest {
        use_device_code: !pkce,
        no_browser: true,
        ..SignInRequest::default()
    };
    let (urls, browser_urls) = mpsc::unbounded_channel();
    let prompt = ReplayPrompt {
        replay: Arc::clone(&case.replay),
        browser: urls,
        recorded_port: transcript.flow.redirect_port,
    };
    let redirects = case
        .plan
        .redirects
        .iter()
        .map(|r| Redirect {
            step: r.step,
            at: r.at,
            query: r.query.clone(),
        })
        .collect();
    // Driven while the handle blocks on the same runtime, then to its end below.
    let browser = runtime.spawn(harness::browse(
        browser_urls,
        redirects,
        Arc::clone(clock),
        Arc::clone(&case.replay),
    ));
    let result = match sso.sign_in_to(&case.target, &request, &prompt) {
        Ok(signed_in) => Ok(signed_in.outcome),
        Err(SignInError::Login { source, .. }) => Err(source),
        Err(other) => return Err(format!("the sign-in could not start: {other}")),
    };
    drop(prompt);
    runtime
        .block_on(browser)
        .map_err(|e| format!("the browser task failed: {e}"))?;
    let flow = if pkce {
        RegistrationFlow::AuthorizationCode
    } else {
        RegistrationFlow::DeviceCode
    };
    if let Some(client_id) = &case.plan.registered {
        let cached = case
            .cache
            .read::<sso_cache::ClientRegistration>(&case.target.registration_key(flow))
            .map_err(|e| format!("the cached registration cannot be read: {e}"))?
            .ok_or("client_registered, but no registration was cached")?;
        if !client_id.is_empty() && cached.client_id != *client_id {
            return Err(format!(
                "the cached registration is {}, not {client_id}",
                cached.client_id
            ));
        }
    }
    let cached = case
        .cache
        .read::<CachedToken>(&case.target.token_key())
        .map_err(|e| format!("the cached token cannot be read: {e}"))?;
    match (&transcript.outcome, result, cached) {
        (
            OutcomeSpec {
                tokens: Some(want), ..
            },
            Ok(outcome),
            Some(cached),
        ) => {
            check_token(want, &cached, transcript.start)?;
            if outcome.expires_at != cached.expires_at
                || outcome.refreshable != cached.refresh_token.is_some()
            {
                return Err(format!(
                    "the login's outcome {outcome:?} disagrees with the cached token"
                ));
            }
            Ok(())
        }
        (
            OutcomeSpec {
                tokens: Some(_), ..
            },
            Ok(_),
            None,
        ) => Err("the login succeeded but cached no token".to_owned()),
        (
            OutcomeSpec {
                error: Some(want), ..
            },
            Err(error),
            cached,
        ) => {
            let got = login_error_name(&error);
            if got != *want {
                Err(format!("expected error {want}, got {got} ({error})"))
            } else if cached.is_some() {
                Err(format!("the login failed ({got}) but cached a token"))
            } else {
                Ok(())
            }
        }
        (want, got, _) => Err(format!("expected {want:?}, got {got:?}")),
    }
}

/// The transcript name of a login error (the names of [`super::error_name`]).
fn login_error_name(error: &LoginError) -> String {
    match error {
        LoginError::Denied { .. } => "access_denied".to_owned(),
        LoginError::DeviceCodeExpired | LoginError::BrowserTimeout { .. } => {
            "authorization_expired".to_owned()
        }
        LoginError::BadCallback { error, .. } if error == "missing code" => {
            "missing_authorization_code".to_owned()
        }
        LoginError::BadCallback { error, .. } => format!("authorization_failed:{error}"),
        LoginError::Service { code, .. } => format!("service:{code}"),
        LoginError::BadResponse(_) => "malformed".to_owned(),
        LoginError::Transport { .. } => "transport".to_owned(),
        LoginError::Cancelled => "cancelled".to_owned(),
        other => format!("other:{other}"),
    }
}

fn check_refresh(
    case: &Case,
    result: Result<sso_driver::sso::Token, sso_driver::sso::Error>,
) -> Result<(), String> {
    let transcript = &case.transcript;
    let cached = case
        .cache
        .read::<CachedToken>(&case.target.token_key())
        .map_err(|e| format!("the cached token cannot be read: {e}"))?
        .ok_or("the token entry is gone")?;
    match (&transcript.outcome, result) {
        (
            OutcomeSpec {
                tokens: Some(want), ..
            },
            Ok(token),
        ) => {
            if token.access_token.expose_secret() != want.access_token
                || token.expires_at != cached.expires_at
            {
                return Err("the handle returned another token than the one it cached".into());
            }
            check_token(want, &cached, transcript.start)
                .map_err(|why| format!("the cache file: {why}"))
        }
        (
            OutcomeSpec {
                error: Some(want), ..
            },
            Err(error),
        ) => {
            let got = match &error {
                sso_driver::sso::Error::Token {
                    source: TokenError::RefreshFailed { source, .. },
                    ..
                } => super::error_name(source),
                other => format!("other:{other}"),
            };
            if got != *want {
                Err(format!("expected error {want}, got {got} ({error})"))
            } else if cached.access_token.expose_secret() != "<ACCESS_TOKEN_0>" {
                Err("the refresh failed but the cached token changed".to_owned())
            } else {
                Ok(())
            }
        }
        (want, got) => Err(format!("expected {want:?}, got {got:?}")),
    }
}

/// Compares a cached token with the expected tokens, at the cache's precision (whole seconds).
fn check_token(want: &TokensSpec, got: &CachedToken, start: u64) -> Result<(), String> {
    let expires_at = sso_cache::Timestamp::from_unix_ms(start.saturating_add(want.expires_at))
        .floor_to_seconds();
    let checks = [
        (
            got.access_token.expose_secret() == want.access_token,
            "access_token",
        ),
        (got.expires_at == expires_at, "expires_at"),
        (
            got.refresh_token
                .as_ref()
                .map(sso_cache::RefreshToken::expose_secret)
                == want.refresh_token.as_deref(),
            "refresh_token",
        ),
        (
            got.client_id.as_deref() == Some(want.client_id.as_str()),
            "client_id",
        ),
    ];
    match checks.iter().find(|(ok, _)| !ok) {
        Some((_, field)) => Err(format!(
            "the cached token differs in {field}: expires {}, client {:?}",
            got.expires_at.to_rfc3339_seconds(),
            got.client_id
        )),
        None => Ok(()),
    }
}

/// Requests and prompt events happened in the transcript's order, with the recorded values.
fn check_timeline(case: &Case) -> Result<(), String> {
    let observed = case.replay.observed();
    let expected = &case.plan.expected;
    for (index, want) in expected.iter().enumerate() {
        let got = observed.get(index);
        let ok = match (want, got) {
            (Expected::Request { step }, Some(Observed::Request { step: served })) => {
                step == served
            }
            (Expected::Event { spec, .. }, Some(got)) => event_matches(case, spec, got),
            _ => false,
        };
        if !ok {
            let step = match want {
                Expected::Request { step } | Expected::Event { step, .. } => step,
            };
            return Err(format!(
                "step {step}: expected {}, the driver did {}",
                describe_expected(want),
                got.map_or_else(|| "nothing more".to_owned(), |g| format!("{g:?}"))
            ));
        }
    }
    match observed.get(expected.len()) {
        Some(extra) => Err(format!("unexpected {extra:?} after the last step")),
        None => Ok(()),
    }
}

fn event_matches(case: &Case, spec: &EventSpec, got: &Observed) -> bool {
    let same = |want: Option<&String>, got: &str| {
        want.is_none_or(|want| case.replay.substituted(want) == got)
    };
    match (spec.kind.as_str(), got) {
        (
            "show_user_code",
            Observed::ShowUserCode {
                user_code,
                verification_uri,
            },
        ) => {
            same(spec.user_code.as_ref(), user_code)
                && same(spec.verification_uri.as_ref(), verification_uri)
        }
        ("open_browser", Observed::OpenBrowser { url }) => same(spec.url.as_ref(), url),
        _ => false,
    }
}

fn describe_expected(want: &Expected) -> String {
    match want {
        Expected::Request { step } => format!("the request of step {step}"),
        Expected::Event { spec, .. } => format!("event {spec:?}"),
    }
}

#[cfg(test)]
mod tests {
    //! The suite against edited copies of the fixtures: it must notice a driver that departs
    //! from a transcript, not only pass the real ones.

    use std::path::PathBuf;

    use serde_json::{Value, json};

    use super::run;
    use crate::Context;

    /// Copies one fixture into a fresh root after `edit`, and runs the suite on it.
    fn run_edited(case: &str, edit: impl FnOnce(&mut Value)) -> crate::report::SuiteReport {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = std::fs::read_to_string(
            repo.join("fixtures/exchanges")
                .join(case)
                .join("exchange.json"),
        )
        .unwrap();
        let mut transcript: Value = serde_json::from_str(&text).unwrap();
        edit(&mut transcript);
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("fixtures/exchanges").join(case);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("exchange.json"), transcript.to_string()).unwrap();
        run(&Context {
            root: root.path().to_path_buf(),
            shared: root.path().to_path_buf(),
        })
    }

    fn only_failure(report: &crate::report::SuiteReport) -> String {
        assert!(report.passed.is_empty(), "{report}");
        assert_eq!(report.failed.len(), 1, "{report}");
        report.failed[0].1.clone()
    }

    #[test]
    fn unedited_login_and_refresh_cases_pass() {
        for case in [
            "device_code/pending_slow_down_success",
            "authorization_code/happy_path",
            "refresh/success",
        ] {
            let report = run_edited(case, |_| {});
            assert_eq!(report.passed.len(), 1, "{case}: {report}");
        }
    }

    #[test]
    fn pagination_and_throttling_are_driven() {
        // The driver asks for pages of `MAX_PAGE_SIZE`, which the recordings may predate.
        let page_size = |t: &mut Value| {
            let size = sso_driver::sso::MAX_PAGE_SIZE;
            t["flow"]["page_size"] = json!(size);
            for step in t["steps"].as_array_mut().unwrap() {
                step["request"]["query"]["max_result"] = json!(size.to_string());
            }
        };
        for case in [
            "portal/accounts_three_pages",
            "portal/throttled_then_success",
        ] {
            let report = run_edited(case, page_size);
            assert_eq!(report.passed.len(), 1, "{case}: {report}");
        }
    }

    #[test]
    fn a_different_request_body_fails_at_its_step() {
        let why = only_failure(&run_edited("device_code/happy_path", |t| {
            t["steps"][2]["request"]["body"]["startUrl"] = json!("https://other/start");
        }));
        assert!(why.starts_with("step 2: body"), "{why}");
    }

    #[test]
    fn polling_before_the_recorded_wait_ends_fails() {
        let why = only_failure(&run_edited("device_code/happy_path", |t| {
            t["steps"][6]["wait_until"] = json!(6200);
            t["steps"][7]["at"] = json!(6300);
        }));
        assert!(why.contains("before the recorded wait ended"), "{why}");
    }

    #[test]
    fn a_wrong_outcome_fails() {
        let why = only_failure(&run_edited("authorization_code/access_denied", |t| {
            t["outcome"] = json!({ "error": "cancelled" });
        }));
        assert!(
            why.contains("expected error cancelled, got authorization_failed:access_denied"),
            "{why}"
        );
        let why = only_failure(&run_edited("refresh/success", |t| {
            t["outcome"]["tokens"]["expires_at"] = json!(7_200_000);
        }));
        assert!(why.contains("expires_at"), "{why}");
    }

    #[test]
    fn a_missing_event_fails() {
        let why = only_failure(&run_edited("device_code/happy_path", |t| {
            t["steps"][4]["event"]["user_code"] = json!("ABCD-EFGH");
        }));
        assert!(why.starts_with("step 4: expected event"), "{why}");
    }
}
