//! The [`WizardBackend`] of `sso configure` and `sso configure sso-session`, over `sso-config`
//! and `sso-driver`.
//!
//! - Reading: the sessions and the profile's current values come from the [`AwsContext`]
//!   loaded once at the start.
//! - Vanity start URLs (protocol.md §5.4): one probe through [`sso_driver::vanity::resolve`],
//!   with the AWS CLI's 10 s timeout; any failure is logged at debug level and gives `None`, so
//!   the wizard asks for the region.
//! - Signing in: [`sso_driver::login::login`] with the terminal prompt of `sso login`, for a
//!   target built from the answers ([`AwsContext::target_from_values`]). Unless a new token is
//!   required, a cached token of the same login with more than 15 minutes left is reused
//!   (§4.3).
//! - Listing: the token of the last login ([`sso_driver::token::fresh_token`]) and the portal's
//!   paginated listings; `UnauthorizedException` tells the wizard that the token is no longer
//!   accepted (it signs in again, or fails with "login required").
//! - Writing (§5.3): under the config file's lock ([`sso_driver::config_file::edit`]) the file
//!   is read again (a file with a syntax error is refused: nothing is written), edited with
//!   `sso-config`'s edit API (which keeps every other byte) and replaced atomically, keeping its
//!   permissions. Concurrent edits of other profiles are kept; when the profile or sso-session
//!   being written changed since the wizard loaded the file, nothing is written and the command
//!   fails.
//!
//! Everything async runs on one current-thread tokio runtime; the HTTP client is built on first
//! use (it loads the TLS trust roots).

use std::time::Duration;

use sso_cache::CacheDir;
use sso_config::{Document, EditError, FileKind, SectionKind};
use sso_driver::clock::{MonotonicClock, SystemClock};
use sso_driver::config_file::{self, EditFailed, Refusal};
use sso_driver::context::{AwsContext, LOGIN_FLOW_KEY, SsoTarget};
use sso_driver::http::HttpClient;
use sso_driver::{portal, token, vanity};
use sso_oidc::AccessToken;

use crate::commands::login::{self, SignIn};
use crate::convert;
use crate::error::CliError;
use crate::output::AccountView;
use crate::values::{AccountId, ProfileName, Region, SessionName, StartUrl};
use crate::wizard::{
    ConfigurePlan, ListError, LoginRequest, ProfileDefaults, SessionPlan, SessionSummary,
    SsoTarget as PlanTarget, WizardBackend,
};

/// A cached token with more time left than this is reused instead of signing in again.
const REUSE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The wizard's backend: the loaded AWS setup, a tokio runtime, and the login of this run.
#[derive(Debug)]
pub struct ConfigureBackend {
    aws: AwsContext,
    /// The profile whose `ca_bundle` the HTTP client uses, if it exists.
    profile: Option<String>,
    runtime: tokio::runtime::Runtime,
    http: Option<HttpClient>,
    clock: MonotonicClock<SystemClock>,
    /// The target of the last successful (or reused) login, for the listings.
    last_login: Option<SsoTarget>,
}

impl ConfigureBackend {
    /// A backend over `aws`; `profile` is the profile being configured (its `ca_bundle` applies
    /// to the HTTP client when it already exists).
    pub fn new(aws: AwsContext, profile: Option<&str>) -> Result<Self, CliError> {
        let runtime = crate::runtime()?;
        Ok(Self {
            aws,
            profile: profile.map(str::to_owned),
            runtime,
            http: None,
            clock: MonotonicClock::new(SystemClock),
            last_login: None,
        })
    }

    /// The HTTP client, built on first use (cheap to clone: clones share the pool).
    fn http(&mut self) -> Result<HttpClient, CliError> {
        if let Some(http) = &self.http {
            return Ok(http.clone());
        }
        let http = convert::http_client_for_profile(&self.aws, self.profile.as_deref())?;
        self.http = Some(http.clone());
        Ok(http)
    }

    fn sso_cache(&self) -> Result<CacheDir, CliError> {
        convert::sso_cache(&self.aws)
    }

    /// Whether the cache holds a token for `target` (same start URL) with more than
    /// [`REUSE_WINDOW`] left.
    fn has_fresh_token(&self, sso_cache: &CacheDir, target: &SsoTarget) -> bool {
        let Ok(Some(token)) = token::cached_token(sso_cache, target) else {
            return false;
        };
        let now = sso_cache::Timestamp::from_unix_ms(self.clock.now_unix_ms());
        let same_login = token
            .start_url
            .as_deref()
            .is_none_or(|url| url == target.start_url);
        same_login && !token.expires_within(now, REUSE_WINDOW)
    }

    /// What the listings need: the last login's target, the HTTP client and the token cache.
    fn portal_session(&mut self) -> Result<(SsoTarget, HttpClient, CacheDir), CliError> {
        let target = self.last_login.clone().ok_or_else(|| CliError::Bug {
            message: "the configure wizard listed accounts before signing in".to_owned(),
        })?;
        let sso_cache = self.sso_cache()?;
        let http = self.http()?;
        Ok((target, http, sso_cache))
    }

    /// A usable access token of the last login.
    async fn access_token(
        &self,
        http: &HttpClient,
        sso_cache: &CacheDir,
        target: &SsoTarget,
    ) -> Result<AccessToken, ListError> {
        let token = token::fresh_token(http, sso_cache, target, &self.clock)
            .await
            .map_err(|error| ListError::Failed(convert::sso_token_error(error, target)))?;
        Ok(AccessToken::new(token.access_token.expose_secret()))
    }

    /// Applies `edit` to the config file as it is now, under its lock
    /// ([`config_file::edit`]). When one of `sections` changed since this run loaded the file
    /// (the values the wizard showed), nothing is written and the conflict is the error.
    fn edit_config(
        &self,
        sections: &[SectionKind],
        edit: impl FnOnce(&mut Document) -> Result<(), EditError>,
    ) -> Result<(), CliError> {
        let path = self.aws.config_path();
        let seen = self.aws.config_text().unwrap_or_default();
        config_file::edit(path, |current| {
            let mut document = Document::parse(current);
            // Never edit a file the SDKs refuse: the edit could land under a broken header.
            if let Some(error) =
                sso_driver::context::SyntaxError::first_in(path, current, &document)
            {
                return Err(Refusal::Invalid(convert::syntax_error(&error)));
            }
            edit(&mut document)
                .map_err(|error| Refusal::Invalid(convert::config_edit_error(&error, path)))?;
            let text = document.to_string();
            config_file::unchanged_since(seen, current, &text, FileKind::Config, sections)?;
            Ok(text)
        })
        .map(drop)
        .map_err(|error| match error {
            EditFailed::Invalid(error) => error,
            EditFailed::Write(error) => convert::config_write_error(error),
        })
    }
}

impl WizardBackend for ConfigureBackend {
    fn existing_sessions(&self) -> Vec<SessionSummary> {
        self.aws
            .profiles()
            .sso_sessions()
            .iter()
            .map(|(name, properties)| SessionSummary {
                name: name.clone(),
                start_url: properties.get_str("sso_start_url").map(str::to_owned),
                region: properties.get_str("sso_region").map(str::to_owned),
                scopes: properties
                    .get_str("sso_registration_scopes")
                    .map(str::to_owned),
            })
            .collect()
    }

    fn profile_defaults(&self, profile: &ProfileName) -> ProfileDefaults {
        let Some(properties) = self.aws.profiles().profile(profile.as_str()) else {
            return ProfileDefaults::default();
        };
        let get = |key: &str| properties.get_str(key).map(str::to_owned);
        ProfileDefaults {
            sso_session: get("sso_session"),
            sso_start_url: get("sso_start_url"),
            sso_region: get("sso_region"),
            sso_account_id: get("sso_account_id"),
            sso_role_name: get("sso_role_name"),
            region: get("region"),
            output: get("output"),
        }
    }

    fn resolve_region(&mut self, start_url: &StartUrl) -> Option<Region> {
        if !vanity::needs_resolution(start_url.as_str()) {
            return None;
        }
        let http = match self.http() {
            Ok(http) => http,
            Err(error) => {
                tracing::debug!(%error, "no HTTP client to resolve the vanity start URL");
                return None;
            }
        };
        let resolved = self.runtime.block_on(vanity::resolve(
            &http,
            start_url.as_str(),
            vanity::PROBE_TIMEOUT,
        ));
        match resolved {
            Ok(resolved) => {
                tracing::debug!(url = %resolved.url, region = ?resolved.region, "resolved the vanity start URL");
                resolved
                    .region
                    .and_then(|region| Region::parse(&region).ok())
            }
            Err(error) => {
                tracing::debug!(%error, "could not resolve the vanity start URL; asking for the region");
                None
            }
        }
    }

    fn login(&mut self, request: &LoginRequest) -> Result<bool, CliError> {
        let scopes = request
            .scopes
            .as_ref()
            .map(|scopes| scopes.as_slice().to_vec())
            .unwrap_or_default();
        let session = request.session.as_ref().map(SessionName::as_str);
        let mut target = self
            .aws
            .target_from_values(
                session,
                request.start_url.as_str(),
                request.region.as_str(),
                &scopes,
            )
            .map_err(convert::context_error)?;
        // An existing session's `sso_login_flow` still picks the flow.
        target.login_flow = session
            .and_then(|name| self.aws.profiles().sso_session(name))
            .and_then(|properties| properties.get_str(LOGIN_FLOW_KEY))
            .map(str::to_owned);
        let sso_cache = self.sso_cache()?;
        if !request.force_new && self.has_fresh_token(&sso_cache, &target) {
            tracing::debug!("reusing the cached token of {}", target.describe());
            self.last_login = Some(target);
            return Ok(true);
        }
        let sign_in = SignIn {
            use_device_code: request.use_device_code,
            no_browser: request.no_browser,
            ..SignIn::default()
        };
        let http = self.http()?;
        login::sign_in(&self.aws, &target, &http, &self.runtime, &sign_in)?;
        self.last_login = Some(target);
        Ok(false)
    }

    fn list_accounts(&mut self) -> Result<Vec<AccountView>, ListError> {
        let (target, http, sso_cache) = self.portal_session().map_err(ListError::Failed)?;
        let accounts = self.runtime.block_on(async {
            let token = self.access_token(&http, &sso_cache, &target).await?;
            portal::list_accounts(&http, &target.portal_endpoint, &token)
                .await
                .map_err(|error| convert::wizard_list_error(error, &target))
        })?;
        Ok(accounts
            .into_iter()
            .map(|account| AccountView {
                account_id: account.account_id,
                account_name: account.account_name,
                email_address: account.email_address,
            })
            .collect())
    }

    fn list_roles(&mut self, account_id: &AccountId) -> Result<Vec<String>, ListError> {
        let (target, http, sso_cache) = self.portal_session().map_err(ListError::Failed)?;
        let roles = self.runtime.block_on(async {
            let token = self.access_token(&http, &sso_cache, &target).await?;
            portal::list_roles(&http, &target.portal_endpoint, &token, account_id.as_str())
                .await
                .map_err(|error| convert::wizard_list_error(error, &target))
        })?;
        Ok(roles.into_iter().map(|role| role.role_name).collect())
    }

    fn write_profile(&mut self, plan: &ConfigurePlan) -> Result<(), CliError> {
        let mut sections = vec![SectionKind::Profile(plan.profile.as_str().to_owned())];
        if let PlanTarget::Session(session) = &plan.sso {
            sections.push(SectionKind::SsoSession(session.name.as_str().to_owned()));
        }
        self.edit_config(&sections, |document| write_profile_sections(document, plan))
    }

    fn write_session(&mut self, plan: &SessionPlan) -> Result<(), CliError> {
        let sections = [SectionKind::SsoSession(plan.name.as_str().to_owned())];
        self.edit_config(&sections, |document| write_session_section(document, plan))
    }
}

/// Writes the profile section in the order of §5.1 step 11 and, for a named session, the
/// whole `[sso-session]` section after it.
pub fn write_profile_sections(
    document: &mut Document,
    plan: &ConfigurePlan,
) -> Result<(), EditError> {
    let kind = profile_section(document, plan.profile.as_str());
    let mut section = document.get_or_insert_section(kind)?;
    match &plan.sso {
        PlanTarget::Session(session) => section.set("sso_session", session.name.as_str())?,
        PlanTarget::Legacy { start_url, region } => {
            section.set("sso_start_url", start_url.as_str())?;
            section.set("sso_region", region.as_str())?;
        }
    }
    if let Some(account_id) = &plan.account_id {
        section.set("sso_account_id", account_id.as_str())?;
    }
    if let Some(role_name) = &plan.role_name {
        section.set("sso_role_name", role_name.as_str())?;
    }
    if let Some(region) = &plan.region {
        section.set("region", region.as_str())?;
    }
    if let Some(output) = &plan.output {
        section.set("output", output.as_str())?;
    }
    if let PlanTarget::Session(session) = &plan.sso {
        write_session_section(document, session)?;
    }
    Ok(())
}

/// Writes `[sso-session NAME]` with `sso_start_url`, `sso_region` and
/// `sso_registration_scopes`, keeping the section's other keys.
pub fn write_session_section(document: &mut Document, plan: &SessionPlan) -> Result<(), EditError> {
    let mut section =
        document.get_or_insert_section(SectionKind::SsoSession(plan.name.as_str().to_owned()))?;
    section.set("sso_start_url", plan.start_url.as_str())?;
    section.set("sso_region", plan.region.as_str())?;
    if let Some(scopes) = &plan.scopes {
        section.set("sso_registration_scopes", &scopes.to_string())?;
    }
    Ok(())
}

/// `[default]` or `[profile NAME]`; an existing `[profile default]` is edited rather than
/// shadowed, since the SDKs prefer it over `[default]`.
fn profile_section(document: &Document, name: &str) -> SectionKind {
    let kind = SectionKind::profile_in(FileKind::Config, name);
    let explicit_default = SectionKind::Profile("default".to_owned());
    if kind == SectionKind::Default
        && document
            .sections()
            .iter()
            .any(|section| section.kind == explicit_default)
    {
        explicit_default
    } else {
        kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{CliOutputFormat, RoleName, Scopes};

    fn session(name: &str, scopes: Option<&str>) -> SessionPlan {
        SessionPlan {
            name: SessionName::parse(name).unwrap(),
            start_url: StartUrl::parse("https://d-1.awsapps.com/start").unwrap(),
            region: Region::parse("us-east-1").unwrap(),
            scopes: scopes.map(|s| Scopes::parse(s).unwrap()),
            existing: false,
        }
    }

    fn edited(text: &str, plan: &ConfigurePlan) -> String {
        let mut document = Document::parse(text);
        write_profile_sections(&mut document, plan).unwrap();
        document.to_string()
    }

    #[test]
    fn an_explicit_profile_default_section_is_edited_instead_of_shadowed() {
        let plan = ConfigurePlan {
            profile: ProfileName::default_profile(),
            sso: PlanTarget::Legacy {
                start_url: StartUrl::parse("https://d-1.awsapps.com/start").unwrap(),
                region: Region::parse("eu-west-1").unwrap(),
            },
            account_id: Some(AccountId::parse("111111111111").unwrap()),
            role_name: Some(RoleName::parse("Admin").unwrap()),
            region: None,
            output: Some(CliOutputFormat::parse("text").unwrap()),
        };
        assert_eq!(
            edited("[profile default]\nregion = us-east-2\n", &plan),
            "[profile default]\nregion = us-east-2\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 111111111111\nsso_role_name = Admin\noutput = text\n"
        );
        assert_eq!(
            edited("[profile dev]\n", &plan),
            "[profile dev]\n[default]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 111111111111\nsso_role_name = Admin\noutput = text\n"
        );
    }

    #[test]
    fn an_existing_session_keeps_its_other_keys_and_scopes() {
        let mut document = Document::parse(
            "[sso-session corp]\nsso_region = eu-west-1 # old\nsso_registration_scopes = a,b\nsso_login_flow = device-code\n",
        );
        write_session_section(&mut document, &session("corp", None)).unwrap();
        assert_eq!(
            document.to_string(),
            "[sso-session corp]\nsso_region = us-east-1 # old\nsso_registration_scopes = a,b\nsso_login_flow = device-code\nsso_start_url = https://d-1.awsapps.com/start\n"
        );
    }

    #[test]
    fn the_profile_comes_before_its_new_session() {
        let plan = ConfigurePlan {
            profile: ProfileName::parse("my team").unwrap(),
            sso: PlanTarget::Session(session("my sso", Some("sso:account:access"))),
            account_id: None,
            role_name: None,
            region: Some(Region::parse("eu-west-1").unwrap()),
            output: None,
        };
        assert_eq!(
            edited("", &plan),
            "[profile 'my team']\nsso_session = my sso\nregion = eu-west-1\n[sso-session 'my sso']\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
        );
    }
}
