//! The [`WizardBackend`] of `sso configure` and `sso configure sso-session`: the wizard asks,
//! the driver's handle ([`Sso`], its configure methods) does the rest.
//!
//! - Reading: the sessions and the profile's current values come from the config the handle
//!   loaded once at the start.
//! - Vanity start URLs (protocol.md §5.4): [`Sso::portal_region`], one probe with the AWS CLI's
//!   10 s timeout; any failure gives `None`, so the wizard asks for the region.
//! - Signing in: `sso login`'s sign-in ([`login::sign_in`] over [`Sso::sign_in_to`]) for the
//!   login the answers describe ([`Sso::login_from_answers`]). Unless a new token is required,
//!   a cached token of the same login with more than 15 minutes left is reused
//!   ([`Sso::has_reusable_token`], §4.3).
//! - Listing: [`Sso::accounts_of`] and [`Sso::roles_of`] with the last login;
//!   `UnauthorizedException` tells the wizard that the token is no longer accepted (it signs in
//!   again, or fails with "login required").
//! - Writing (§5.3): [`Sso::edit_config`], under the config file's lock; a file with a syntax
//!   error is refused, other sections' concurrent edits are kept, and a section being written
//!   that changed since the handle loaded the file fails the command with nothing written.

use sso_config::{Document, EditError, FileKind, SectionKind};
use sso_driver::Sso;
use sso_driver::sso::SsoTarget;
use sso_driver::sso::configure::EditConfigError;
use sso_driver::sso::signin::SignInRequest;

use crate::commands::login::{self, SignIn};
use crate::convert;
use crate::error::CliError;
use crate::output::AccountView;
use crate::values::{AccountId, ProfileName, Region, SessionName, StartUrl};
use crate::wizard::{
    ConfigurePlan, ListError, LoginRequest, ProfileDefaults, SessionPlan, SessionSummary,
    SsoTarget as PlanTarget, WizardBackend,
};

/// The wizard's backend: the driver's handle, and the login of this run.
#[derive(Debug)]
pub(crate) struct ConfigureBackend {
    sso: Sso,
    /// The target of the last successful (or reused) login, for the listings.
    last_login: Option<SsoTarget>,
}

impl ConfigureBackend {
    /// A backend over `sso` (the profile being configured is its selection: that profile's
    /// `ca_bundle` applies when it already exists).
    pub(crate) fn new(sso: Sso) -> Self {
        Self {
            sso,
            last_login: None,
        }
    }

    /// The last login, for the listings.
    fn last_login(&self) -> Result<&SsoTarget, ListError> {
        self.last_login.as_ref().ok_or_else(|| {
            ListError::Failed(CliError::Bug {
                message: "the configure wizard listed accounts before signing in".to_owned(),
            })
        })
    }

    /// Applies `edit` to the config file under its lock ([`Sso::edit_config`]).
    fn edit_config(
        &self,
        sections: &[SectionKind],
        edit: impl FnOnce(&mut Document) -> Result<(), EditError>,
    ) -> Result<(), CliError> {
        self.sso
            .edit_config(sections, edit)
            .map_err(|error| match error {
                EditConfigError::Syntax(error) => convert::syntax_error(&error),
                EditConfigError::Edit { source, path } => {
                    convert::config_edit_error(&source, &path)
                }
                EditConfigError::Write(error) => convert::config_write_error(error),
                other => CliError::Bug {
                    message: other.to_string(),
                },
            })
    }
}

/// A listing failure: `UnauthorizedException` means the token is no longer accepted (the
/// wizard signs in again or fails with "login required"); anything else stops it.
fn list_error(error: sso_driver::sso::Error) -> ListError {
    match error {
        sso_driver::sso::Error::Portal { source, target } => {
            convert::wizard_list_error(source, &target)
        }
        other => ListError::Failed(convert::sso_error(other)),
    }
}

impl WizardBackend for ConfigureBackend {
    fn existing_sessions(&self) -> Vec<SessionSummary> {
        self.sso
            .config()
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
        let Some(properties) = self.sso.config().profiles().profile(profile.as_str()) else {
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
        self.sso
            .portal_region(start_url.as_str())
            .and_then(|region| Region::parse(&region).ok())
    }

    fn login(&mut self, request: &LoginRequest) -> Result<bool, CliError> {
        let scopes = request
            .scopes
            .as_ref()
            .map(|scopes| scopes.as_slice().to_vec())
            .unwrap_or_default();
        let session = request.session.as_ref().map(SessionName::as_str);
        let target = self
            .sso
            .login_from_answers(
                session,
                request.start_url.as_str(),
                request.region.as_str(),
                &scopes,
            )
            .map_err(convert::context_error)?;
        if !request.force_new && self.sso.has_reusable_token(&target) {
            tracing::debug!("reusing the cached token of {}", target.describe());
            self.last_login = Some(target);
            return Ok(true);
        }
        let sign_in = SignIn {
            request: SignInRequest {
                use_device_code: request.use_device_code,
                no_browser: request.no_browser,
                ..SignInRequest::default()
            },
            ..SignIn::default()
        };
        login::sign_in(&self.sso, Some(&target), &sign_in)?;
        self.last_login = Some(target);
        Ok(false)
    }

    fn list_accounts(&mut self) -> Result<Vec<AccountView>, ListError> {
        let accounts = self
            .sso
            .accounts_of(self.last_login()?)
            .map_err(list_error)?;
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
        let roles = self
            .sso
            .roles_of(self.last_login()?, account_id.as_str())
            .map_err(list_error)?;
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
pub(crate) fn write_profile_sections(
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
pub(crate) fn write_session_section(
    document: &mut Document,
    plan: &SessionPlan,
) -> Result<(), EditError> {
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
